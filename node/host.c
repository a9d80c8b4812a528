/* SPDX-License-Identifier: MIT */
/*
 * host.c - the core's calls into the host, one function per callback of
 * struct zt_host (host.h).  Keeping them here makes the boundary one file
 * long: whether a callback may be NULL, and what counts as its failure, is
 * decided once.
 */
#include "host.h"
#include "node.h"

bool zt_host_can_log(const struct zt_node *n)
{
	return n->host.log != NULL;
}

bool zt_host_can_netconf(const struct zt_node *n)
{
	return n->host.netconf_request != NULL;
}

bool zt_host_can_open_sockets(const struct zt_node *n)
{
	return n->host.sockets_open != NULL;
}

bool zt_host_can_tcp(const struct zt_node *n)
{
	return n->host.tcp_open != NULL;
}

bool zt_host_can_crypto_run(const struct zt_node *n)
{
	return n->host.crypto_run != NULL;
}

int zt_host_wire_send(struct zt_node *n, int64_t sock, const struct zt_endpoint *to,
                      const void *pkt, size_t len)
{
	if (n->host.wire_send == NULL)
		return ZT_OK;
	if (n->host.wire_send(n->host.ctx, sock, to, pkt, len) < 0) {
		/* Counted here, whether or not the caller can report it (most
		 * sends answer a packet or a timer: there is no one to tell). */
		n->counters[ZT_CTR_TX_FAILED]++;
		return ZT_ECALLBACK;
	}
	return ZT_OK;
}

void zt_host_frame_out(struct zt_node *n, uint64_t nwid, const uint8_t *frame, size_t len)
{
	if (n->host.frame_out != NULL)
		n->host.frame_out(n->host.ctx, nwid, frame, len);
}

void zt_host_net_update(struct zt_node *n, enum zt_net_op op, const struct zt_network_info *info)
{
	if (n->host.net_update != NULL)
		n->host.net_update(n->host.ctx, op, info);
}

void zt_host_random(struct zt_node *n, void *buf, size_t len)
{
	n->host.random(n->host.ctx, buf, len); /* required: zt_node_new checks */
}

void zt_host_event(struct zt_node *n, enum zt_event ev, const void *info)
{
	if (n->host.event != NULL)
		n->host.event(n->host.ctx, ev, info);
}

void zt_host_log(struct zt_node *n, enum zt_log_level lvl, const char *msg)
{
	if (n->host.log != NULL)
		n->host.log(n->host.ctx, lvl, msg);
}

int zt_host_netconf_request(struct zt_node *n, int64_t now, const struct zt_netconf_request *req,
                            struct zt_netconf *conf, enum zt_netconf_verdict *verdict)
{
	enum zt_netconf_verdict v;

	if (n->host.netconf_request == NULL)
		return ZT_ENOTFOUND;
	v = n->host.netconf_request(n->host.ctx, now, req, conf);
	switch (v) {
	case ZT_NETCONF_OK:
	case ZT_NETCONF_ACCESS_DENIED:
	case ZT_NETCONF_NOT_FOUND:
	case ZT_NETCONF_IGNORE:
	case ZT_NETCONF_BAD_INVITE: *verdict = v; return ZT_OK;
	}
	return ZT_ECALLBACK;
}

unsigned zt_host_sockets_open(struct zt_node *n, int family, unsigned count, int64_t *out)
{
	unsigned got;

	if (n->host.sockets_open == NULL)
		return 0;
	got = n->host.sockets_open(n->host.ctx, family, count, out);
	return got < count ? got : count;
}

void zt_host_socket_close(struct zt_node *n, int64_t sock)
{
	if (n->host.socket_close != NULL)
		n->host.socket_close(n->host.ctx, sock);
}

int64_t zt_host_tcp_open(struct zt_node *n, const struct zt_endpoint *to)
{
	int64_t sock;

	if (n->host.tcp_open == NULL)
		return ZT_ENOTFOUND;
	sock = n->host.tcp_open(n->host.ctx, to);
	if (sock < 0 || (sock & ZT_SOCK_TCP) == 0)
		return ZT_ECALLBACK;
	return sock;
}

void zt_host_tcp_close(struct zt_node *n, int64_t sock)
{
	if (n->host.tcp_close != NULL)
		n->host.tcp_close(n->host.ctx, sock);
}

void zt_host_crypto_run(struct zt_node *n, struct zt_crypto_job *jobs, size_t count)
{
	if (n->host.crypto_run != NULL) {
		n->host.crypto_run(n->host.ctx, jobs, count);
		return;
	}
	for (size_t i = 0; i < count; i++)
		zt_crypto_job_run(&jobs[i]);
}
