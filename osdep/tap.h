/* SPDX-License-Identifier: MIT */
/*
 * tap.h - a virtual Ethernet device (Linux TAP) for one joined network.
 *
 * The device exists while its fd is open (not persistent): if ztd dies,
 * the kernel removes it.  Errors are negative errno values; the caller
 * turns them into a message with zt_tap_strerror().
 */
#ifndef ZT_OSDEP_TAP_H
#define ZT_OSDEP_TAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define ZT_TAP_NAME_MAX 16 /* IFNAMSIZ, including the NUL */

struct zt_tap {
	int fd; /* non-blocking, -1 when closed */
	char name[ZT_TAP_NAME_MAX];
	uint8_t mac[6];
	unsigned mtu;
	bool running; /* IFF_RUNNING was seen within the wait after open */
	bool vnet;    /* IFF_VNET_HDR: every read and write starts with a
	               * 10-byte virtio-net header (node/zt.h) */
	bool offload; /* TUNSETOFFLOAD(CSUM|TSO4|TSO6) accepted: reads may be
	               * TCP super-frames, writes may be coalesced frames */
	bool uso;     /* ... and UDP super-frames (TUN_F_USO4/6, Linux 6.2), both
	               * ways: reads may be, writes may be GSO_UDP_L4 */
};

/*
 * Create TAP `name` (IFF_TAP|IFF_NO_PI) with `mac` and `mtu`, bring it up
 * and wait (at most about one second) until the kernel reports it RUNNING:
 * frames written before that may have their answers lost.  A device that
 * is still not RUNNING after the wait is returned anyway with
 * t->running == false.  On error t->fd is -1 and nothing is left behind.
 * Returns 0, -EPERM (no CAP_NET_ADMIN), -ENOENT (no /dev/net/tun),
 * -EBUSY (the name is taken), -EINVAL or another -errno.
 */
int zt_tap_open(struct zt_tap *t, const char *name, const uint8_t mac[6], unsigned mtu);

/* The same with offloads: IFF_VNET_HDR and TSO4/TSO6/checksum offload
 * when `offload` is true and the kernel accepts them, and USO too when
 * `uso` is (t->vnet, t->offload, t->uso say what was granted; without them
 * this is zt_tap_open). */
int zt_tap_open_ex(struct zt_tap *t, const char *name, const uint8_t mac[6], unsigned mtu,
                   bool offload, bool uso);

/* Change the MAC or MTU of an open TAP; 0 or -errno. */
int zt_tap_set_mac(struct zt_tap *t, const uint8_t mac[6]);
int zt_tap_set_mtu(struct zt_tap *t, unsigned mtu);

/* Read one frame into buf: its length, 0 if none is waiting, or -errno.
 * A frame longer than cap is truncated by the kernel; the caller sizes buf
 * for the MTU plus the Ethernet header. */
ssize_t zt_tap_read(struct zt_tap *t, void *buf, size_t cap);

/* Write one frame: 0, -EAGAIN (queue full, frame dropped) or -errno.
 * On a vnet TAP a zero header (plain frame) goes first. */
int zt_tap_write(struct zt_tap *t, const void *frame, size_t len);
/* Write one frame after its 10-byte virtio-net header (vnet TAPs only). */
int zt_tap_write_vnet(struct zt_tap *t, const uint8_t *hdr, const void *frame, size_t len);

/* Close (and so remove) the device.  Safe on a closed TAP. */
void zt_tap_close(struct zt_tap *t);

/* A short human explanation of an error from zt_tap_open, saying what to
 * do about it ("need root or CAP_NET_ADMIN"). */
const char *zt_tap_strerror(int err);

#endif
