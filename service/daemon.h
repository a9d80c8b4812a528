/* SPDX-License-Identifier: MIT */
/*
 * daemon.h - ztd at run time: the core, its UDP sockets, one TAP per
 * joined network, the local API, all in one event loop.  Single-threaded:
 * every zt_node_* call comes from the loop, so none can overlap.
 *
 * struct zt_daemon is private to the daemon's files (daemon_int.h); the
 * API reads what it shows through the functions below.
 */
#ifndef ZT_SERVICE_DAEMON_H
#define ZT_SERVICE_DAEMON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "node/zt.h"
#include "osdep/tap.h"
#include "service/netapply.h"

#define ZT_DAEMON_MAX_NETWORKS 32
#define ZT_DAEMON_DEFAULT_MTU  2800

struct zt_daemon_config {
	const char *home;
	const char *bind_addr;  /* NULL: all addresses */
	const char *roots_file; /* NULL: HOMEDIR/roots if present */
	uint16_t udp_port;
	int api_port; /* -1: the UDP port */
};

struct zt_daemon;
struct zt_api_join_req;
struct zt_api_datapath;

/* Run ztd until SIGINT/SIGTERM; returns the process exit status.  Errors
 * at start are printed as one line on stderr. */
int zt_daemon_run(const struct zt_daemon_config *cfg);

/* Join nwid: create its TAP, tell the core, remember it in networks.d
 * (if persist).  0, or a negative errno with a one-line reason in err. */
int zt_daemon_join(struct zt_daemon *d, uint64_t nwid, bool persist, char *err, size_t errcap);
/* Change the settings of a joined network (only those jr has) and apply
 * them; an invite token in jr is handed to the core.  0, or a negative
 * errno with the reason in err. */
int zt_daemon_set(struct zt_daemon *d, uint64_t nwid, const struct zt_api_join_req *jr, char *err,
                  size_t errcap);
/* The settings of a joined network, or NULL. */
const struct zt_net_settings *zt_daemon_settings(const struct zt_daemon *d, uint64_t nwid);
/* Leave nwid: -ENOENT if not joined (message in err). */
int zt_daemon_leave(struct zt_daemon *d, uint64_t nwid, char *err, size_t errcap);

/* The TAP device name of a joined network, "" if it has none. */
const char *zt_daemon_dev(const struct zt_daemon *d, uint64_t nwid);

/* The TAP name of a network: "zt" + the nwid folded to 40 bits in
 * base32 (see daemon_tap.c). */
void zt_daemon_tap_name(uint64_t nwid, char out[ZT_TAP_NAME_MAX]);

/* Tell the daemon that the core was called outside the loop's own
 * paths (the API): run background work soon and act on pending leaves. */
void zt_daemon_after_core_call(struct zt_daemon *d);

/* What the API shows.  The node is the daemon's: call it only from the
 * loop (the API handler runs there) and then zt_daemon_after_core_call. */
struct zt_node *zt_daemon_node(struct zt_daemon *d);
const char *zt_daemon_token(const struct zt_daemon *d);
/* The token of metricstoken.secret (it reads GET /metrics only). */
const char *zt_daemon_metrics_token(const struct zt_daemon *d);
/* The UDP sockets and TCP connections (their traffic counts, for the
 * metrics). */
struct zt_nodeudp;
struct zt_tcp_set;
const struct zt_nodeudp *zt_daemon_udp(const struct zt_daemon *d);
const struct zt_tcp_set *zt_daemon_tcp(const struct zt_daemon *d);
const char *zt_daemon_public_identity(const struct zt_daemon *d);
uint16_t zt_daemon_udp_port(const struct zt_daemon *d);
/* How it was started (home, bind address, ...). */
const struct zt_daemon_config *zt_daemon_config(const struct zt_daemon *d);
/* Does it ask the router for port mappings (ZT_PORTMAP is not "off")? */
bool zt_daemon_portmap_enabled(const struct zt_daemon *d);
/* The TAP and UDP counters of GET /status ("dataPath"). */
void zt_daemon_datapath(const struct zt_daemon *d, struct zt_api_datapath *out);
/* The router's port mapping as "<how> <ip/port>" in out; false (out
 * untouched) while there is none. */
bool zt_daemon_portmap(const struct zt_daemon *d, char *out, size_t cap);

#endif
