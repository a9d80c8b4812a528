/* SPDX-License-Identifier: MIT */
/*
 * tap_linux.c - TAP devices through /dev/net/tun (see tap.h).
 *
 * Configuration goes through ioctls on an AF_INET datagram socket rather
 * than sysfs paths: a process that has setns()ed still sees the host's
 * sysfs (netlab pitfall 5).
 */
#include "osdep/tap.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_arp.h>
#include <linux/if_tun.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#define TAP_RUNNING_WAIT_MS 1000
#define TAP_RUNNING_POLL_MS 5

static int ifreq_init(struct ifreq *ifr, const char *name)
{
	size_t n = strlen(name);

	memset(ifr, 0, sizeof *ifr);
	if (n == 0 || n >= sizeof ifr->ifr_name)
		return -EINVAL;
	memcpy(ifr->ifr_name, name, n);
	return 0;
}

/* Run one SIOC* ioctl on `name` through a throwaway control socket. */
static int ctl_ioctl(unsigned long req, struct ifreq *ifr)
{
	int s, r = 0;

	s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (s < 0)
		return -errno;
	if (ioctl(s, req, ifr) < 0)
		r = -errno;
	close(s);
	return r;
}

int zt_tap_set_mac(struct zt_tap *t, const uint8_t mac[6])
{
	struct ifreq ifr;
	int r;

	r = ifreq_init(&ifr, t->name);
	if (r < 0)
		return r;
	ifr.ifr_hwaddr.sa_family = ARPHRD_ETHER;
	memcpy(ifr.ifr_hwaddr.sa_data, mac, 6);
	r = ctl_ioctl(SIOCSIFHWADDR, &ifr);
	if (r == 0)
		memcpy(t->mac, mac, 6);
	return r;
}

int zt_tap_set_mtu(struct zt_tap *t, unsigned mtu)
{
	struct ifreq ifr;
	int r;

	if (mtu < 68 || mtu > 65535)
		return -EINVAL;
	r = ifreq_init(&ifr, t->name);
	if (r < 0)
		return r;
	ifr.ifr_mtu = (int)mtu;
	r = ctl_ioctl(SIOCSIFMTU, &ifr);
	if (r == 0)
		t->mtu = mtu;
	return r;
}

static int tap_flags(const char *name, short *flags)
{
	struct ifreq ifr;
	int r;

	r = ifreq_init(&ifr, name);
	if (r < 0)
		return r;
	r = ctl_ioctl(SIOCGIFFLAGS, &ifr);
	if (r == 0)
		*flags = ifr.ifr_flags;
	return r;
}

static int tap_up(const char *name)
{
	struct ifreq ifr;
	int r;

	r = ifreq_init(&ifr, name);
	if (r < 0)
		return r;
	r = ctl_ioctl(SIOCGIFFLAGS, &ifr);
	if (r < 0)
		return r;
	ifr.ifr_flags |= IFF_UP;
	return ctl_ioctl(SIOCSIFFLAGS, &ifr);
}

/* A fresh TAP is not RUNNING for a moment after TUNSETIFF; the kernel's
 * answers to frames written before that are lost (netlab pitfall 5). */
static bool wait_running(const char *name)
{
	const struct timespec pause = {0, TAP_RUNNING_POLL_MS * 1000000L};
	short flags = 0;

	for (int waited = 0; waited <= TAP_RUNNING_WAIT_MS; waited += TAP_RUNNING_POLL_MS) {
		if (tap_flags(name, &flags) == 0 && (flags & IFF_RUNNING))
			return true;
		nanosleep(&pause, NULL);
	}
	return false;
}

int zt_tap_open(struct zt_tap *t, const char *name, const uint8_t mac[6], unsigned mtu)
{
	return zt_tap_open_ex(t, name, mac, mtu, false, false);
}

/* Ask for the offloads: the kernel then hands us TCP super-frames (TSO)
 * and frames with the checksum left to do (CSUM), with a header saying
 * so.  Debian 12's headers may lack some of these names. */
#ifndef TUN_F_USO4
#define TUN_F_USO4 0x20 /* Linux 6.2 */
#endif
#ifndef TUN_F_USO6
#define TUN_F_USO6 0x40
#endif

/* The virtio header and the offloads on the device: 0 or -errno. */
static int set_offload(int fd, bool want_uso, bool *uso)
{
	int sz = 10;
	unsigned long off = TUN_F_CSUM | TUN_F_TSO4 | TUN_F_TSO6 | TUN_F_TSO_ECN;

	if (ioctl(fd, TUNSETVNETHDRSZ, &sz) < 0)
		return -errno;
	/* UDP segmentation (USO) where the kernel has it, else TCP only. */
	*uso = want_uso && ioctl(fd, TUNSETOFFLOAD, off | TUN_F_USO4 | TUN_F_USO6) == 0;
	if (*uso)
		return 0;
	return ioctl(fd, TUNSETOFFLOAD, off) == 0 ? 0 : -errno;
}

int zt_tap_open_ex(struct zt_tap *t, const char *name, const uint8_t mac[6], unsigned mtu,
                   bool offload, bool uso)
{
	struct ifreq ifr;
	int fd = -1, r;

	memset(t, 0, sizeof *t);
	t->fd = -1;
	r = ifreq_init(&ifr, name);
	if (r < 0)
		goto out;
	fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0) {
		r = -errno;
		goto out;
	}
	/* IFF_TUN_EXCL: never attach to an existing device of the same name,
	 * which would be another process's network. */
	ifr.ifr_flags = IFF_TAP | IFF_NO_PI | IFF_TUN_EXCL | (offload ? IFF_VNET_HDR : 0);
	if (ioctl(fd, TUNSETIFF, &ifr) < 0) {
		r = -errno;
		goto out;
	}
	t->vnet = offload;
	/* Without offloads the header still works (always "plain frame"). */
	t->offload = offload && set_offload(fd, uso, &t->uso) == 0;
	memcpy(t->name, ifr.ifr_name, sizeof t->name);
	t->name[sizeof t->name - 1] = '\0';
	t->fd = fd;
	r = zt_tap_set_mac(t, mac);
	if (r < 0)
		goto out;
	r = zt_tap_set_mtu(t, mtu);
	if (r < 0)
		goto out;
	r = tap_up(t->name);
	if (r < 0)
		goto out;
	t->running = wait_running(t->name);
	fd = -1; /* owned by t */
out:
	if (r < 0) {
		if (fd >= 0)
			close(fd);
		t->fd = -1;
	}
	return r;
}

ssize_t zt_tap_read(struct zt_tap *t, void *buf, size_t cap)
{
	ssize_t n;

	do
		n = read(t->fd, buf, cap);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return errno == EAGAIN || errno == EWOULDBLOCK ? 0 : -errno;
	return n;
}

int zt_tap_write(struct zt_tap *t, const void *frame, size_t len)
{
	static const uint8_t zero[10];
	ssize_t n;

	if (t->vnet)
		return zt_tap_write_vnet(t, zero, frame, len);
	do
		n = write(t->fd, frame, len);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return errno == EWOULDBLOCK ? -EAGAIN : -errno;
	return (size_t)n == len ? 0 : -EIO;
}

int zt_tap_write_vnet(struct zt_tap *t, const uint8_t *hdr, const void *frame, size_t len)
{
	struct iovec iov[2] = {{(void *)hdr, 10}, {(void *)frame, len}};
	ssize_t n;

	do
		n = writev(t->fd, iov, 2);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return errno == EWOULDBLOCK ? -EAGAIN : -errno;
	return (size_t)n == len + 10 ? 0 : -EIO;
}

void zt_tap_close(struct zt_tap *t)
{
	if (t->fd >= 0)
		close(t->fd);
	t->fd = -1;
	t->running = false;
}

const char *zt_tap_strerror(int err)
{
	switch (-err) {
	case EPERM:
	case EACCES: return "permission denied: need root or CAP_NET_ADMIN";
	case ENOENT:
	case ENODEV:
	case ENXIO:
		return "no /dev/net/tun: load the tun module (modprobe tun) or give the "
		       "container the tun device";
	case EBUSY:
	case EEXIST:
		return "an interface of that name already exists (another ztd in this "
		       "network namespace joined the same network?)";
	case EINVAL: return "invalid device name, MAC or MTU";
	case EMFILE:
	case ENFILE: return "too many open files: raise the file descriptor limit";
	default: return strerror(-err);
	}
}
