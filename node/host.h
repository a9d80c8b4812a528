/* SPDX-License-Identifier: MIT */
/*
 * host.h - the core's calls into the host (host.c): one function per
 * struct zt_host callback, and nothing else in node/ calls a callback.
 * Each checks whether the host set the callback (an optional one that is
 * not set does nothing, or says so through the zt_host_can_* queries) and
 * turns what the host reports as a failure into ZT_ECALLBACK, which the
 * caller returns where it has a caller to tell.
 */
#ifndef ZT_NODE_HOST_H
#define ZT_NODE_HOST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "zt.h"

struct zt_node;

/* Whether the host set a check-first optional callback (so the caller
 * can skip the work that would lead to it). */
bool zt_host_can_log(const struct zt_node *n);
bool zt_host_can_netconf(const struct zt_node *n);
bool zt_host_can_open_sockets(const struct zt_node *n);
bool zt_host_can_tcp(const struct zt_node *n);
bool zt_host_can_crypto_run(const struct zt_node *n);

/* One datagram: ZT_OK (also when the host sends nothing: no wire_send),
 * or ZT_ECALLBACK if the host failed to send it (counted in
 * ZT_CTR_TX_FAILED). */
int zt_host_wire_send(struct zt_node *n, int64_t sock, const struct zt_endpoint *to,
                      const void *pkt, size_t len);
void zt_host_frame_out(struct zt_node *n, uint64_t nwid, const uint8_t *frame, size_t len);
void zt_host_net_update(struct zt_node *n, enum zt_net_op op, const struct zt_network_info *info);
/* Random bytes (the one callback zt_node_new requires). */
void zt_host_random(struct zt_node *n, void *buf, size_t len);
void zt_host_event(struct zt_node *n, enum zt_event ev, const void *info);
void zt_host_log(struct zt_node *n, enum zt_log_level lvl, const char *msg);
/* Ask the controller's host for a member's config: ZT_OK with *verdict
 * set, ZT_ENOTFOUND if the host is no controller (no netconf_request), or
 * ZT_ECALLBACK if it answered with no verdict zt.h defines. */
int zt_host_netconf_request(struct zt_node *n, int64_t now, const struct zt_netconf_request *req,
                            struct zt_netconf *conf, enum zt_netconf_verdict *verdict);
/* Up to `count` probing sockets of `family` into out[]: how many were
 * opened (0 without sockets_open; never more than count). */
unsigned zt_host_sockets_open(struct zt_node *n, int family, unsigned count, int64_t *out);
void zt_host_socket_close(struct zt_node *n, int64_t sock);
/* A TCP connection to `to`: its socket id (ZT_SOCK_TCP set), ZT_ENOTFOUND
 * without tcp_open, or ZT_ECALLBACK if the host failed or gave an id
 * without ZT_SOCK_TCP. */
int64_t zt_host_tcp_open(struct zt_node *n, const struct zt_endpoint *to);
void zt_host_tcp_close(struct zt_node *n, int64_t sock);
/* Run a batch of AEAD jobs: on the host's threads if it has crypto_run,
 * else here, one after the other. */
void zt_host_crypto_run(struct zt_node *n, struct zt_crypto_job *jobs, size_t count);

#endif
