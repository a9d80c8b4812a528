/* SPDX-License-Identifier: MIT */
/*
 * udp.c - UDP sockets for the underlay (see udp.h).
 */
#include "osdep/udp.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct zt_udp_batch {
	struct mmsghdr msgs[ZT_UDP_BATCH];
	struct iovec iov[ZT_UDP_BATCH];
	struct sockaddr_storage addrs[ZT_UDP_BATCH];
	struct zt_wire_pkt pkts[ZT_UDP_BATCH];
	uint8_t bufs[ZT_UDP_BATCH][ZT_UDP_MAX_DATAGRAM];
};

int zt_udp_to_sockaddr(const struct zt_endpoint *ep, struct sockaddr_storage *ss, socklen_t *len)
{
	memset(ss, 0, sizeof *ss);
	if (ep->family == 4) {
		struct sockaddr_in *sin = (struct sockaddr_in *)ss;

		sin->sin_family = AF_INET;
		sin->sin_port = htons(ep->port);
		memcpy(&sin->sin_addr, ep->ip, 4);
		*len = sizeof *sin;
		return 0;
	}
	if (ep->family == 6) {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;

		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(ep->port);
		memcpy(&sin6->sin6_addr, ep->ip, 16);
		*len = sizeof *sin6;
		return 0;
	}
	return -EAFNOSUPPORT;
}

int zt_udp_from_sockaddr(const struct sockaddr *sa, socklen_t len, struct zt_endpoint *ep)
{
	static const uint8_t v4mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

	memset(ep, 0, sizeof *ep);
	if (sa->sa_family == AF_INET && len >= (socklen_t)sizeof(struct sockaddr_in)) {
		const struct sockaddr_in *sin = (const struct sockaddr_in *)sa;

		ep->family = 4;
		ep->port = ntohs(sin->sin_port);
		memcpy(ep->ip, &sin->sin_addr, 4);
		return 0;
	}
	if (sa->sa_family == AF_INET6 && len >= (socklen_t)sizeof(struct sockaddr_in6)) {
		const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)sa;

		ep->port = ntohs(sin6->sin6_port);
		if (memcmp(&sin6->sin6_addr, v4mapped, sizeof v4mapped) == 0) {
			ep->family = 4;
			memcpy(ep->ip, (const uint8_t *)&sin6->sin6_addr + 12, 4);
		} else {
			ep->family = 6;
			memcpy(ep->ip, &sin6->sin6_addr, 16);
		}
		return 0;
	}
	return -EAFNOSUPPORT;
}

/* Ask for big buffers; the kernel caps them at net.core.[rw]mem_max, and
 * the FORCE variants (root only) go past that.  Failure only costs
 * throughput, so it is not an error. */
static void set_bufs(int fd)
{
	int sz = ZT_UDP_SOCKBUF;

	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &sz, sizeof sz) < 0)
		(void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &sz, sizeof sz);
	if (setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &sz, sizeof sz) < 0)
		(void)setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sz, sizeof sz);
}

static int bind_one(const struct sockaddr_storage *ss, socklen_t sslen, int *fd_out,
                    uint16_t *port_out)
{
	struct sockaddr_storage got;
	socklen_t gotlen = sizeof got;
	struct zt_endpoint ep;
	int fd, r, one = 1;

	*fd_out = -1;
	fd = socket(ss->ss_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (ss->ss_family == AF_INET6 &&
	    setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one) < 0) {
		r = -errno;
		goto out;
	}
	set_bufs(fd);
	if (bind(fd, (const struct sockaddr *)ss, sslen) < 0) {
		r = -errno;
		goto out;
	}
	if (getsockname(fd, (struct sockaddr *)&got, &gotlen) < 0) {
		r = -errno;
		goto out;
	}
	r = zt_udp_from_sockaddr((const struct sockaddr *)&got, gotlen, &ep);
	if (r < 0)
		goto out;
	*port_out = ep.port;
	*fd_out = fd;
	fd = -1; /* owned by caller */
out:
	if (fd >= 0)
		close(fd);
	return r;
}

static void add_sock(struct zt_udp *u, int fd, int family)
{
	u->socks[u->count].fd = fd;
	u->socks[u->count].family = family;
	u->count++;
}

int zt_udp_open(struct zt_udp *u, const char *bind_addr, uint16_t port)
{
	struct sockaddr_storage ss;
	struct sockaddr_in *sin = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;
	uint16_t got = 0;
	int fd, r;

	memset(u, 0, sizeof *u);
	u->socks[0].fd = u->socks[1].fd = -1;
	memset(&ss, 0, sizeof ss);
	if (bind_addr && *bind_addr) {
		if (inet_pton(AF_INET, bind_addr, &sin->sin_addr) == 1) {
			sin->sin_family = AF_INET;
			sin->sin_port = htons(port);
			r = bind_one(&ss, sizeof *sin, &fd, &got);
			if (r == 0)
				add_sock(u, fd, 4);
			u->v6_error = -EAFNOSUPPORT;
		} else if (inet_pton(AF_INET6, bind_addr, &sin6->sin6_addr) == 1) {
			sin6->sin6_family = AF_INET6;
			sin6->sin6_port = htons(port);
			r = bind_one(&ss, sizeof *sin6, &fd, &got);
			if (r == 0)
				add_sock(u, fd, 6);
		} else {
			r = -EINVAL;
		}
		goto out;
	}
	sin->sin_family = AF_INET;
	sin->sin_addr.s_addr = htonl(INADDR_ANY);
	sin->sin_port = htons(port);
	r = bind_one(&ss, sizeof *sin, &fd, &got);
	if (r < 0)
		goto out;
	add_sock(u, fd, 4);
	/* IPv6 on the port IPv4 got, so that port 0 gives one port for both. */
	memset(&ss, 0, sizeof ss);
	sin6->sin6_family = AF_INET6;
	sin6->sin6_addr = in6addr_any;
	sin6->sin6_port = htons(got);
	u->v6_error = bind_one(&ss, sizeof *sin6, &fd, &got);
	if (u->v6_error == 0)
		add_sock(u, fd, 6);
	r = 0;
out:
	if (r < 0)
		zt_udp_close(u);
	else
		u->port = got;
	return r;
}

void zt_udp_close(struct zt_udp *u)
{
	for (unsigned i = 0; i < u->count; i++) {
		if (u->socks[i].fd >= 0)
			close(u->socks[i].fd);
		u->socks[i].fd = -1;
	}
	u->count = 0;
}

int zt_udp_batch_new(struct zt_udp_batch **out)
{
	struct zt_udp_batch *b;

	*out = NULL;
	b = calloc(1, sizeof *b);
	if (!b)
		return -ENOMEM;
	*out = b;
	return 0;
}

void zt_udp_batch_free(struct zt_udp_batch *b)
{
	free(b);
}

int zt_udp_recv(int fd, struct zt_udp_batch *b, const struct zt_wire_pkt **pkts)
{
	unsigned kept = 0;
	int n;

	*pkts = b->pkts;
	for (unsigned i = 0; i < ZT_UDP_BATCH; i++) {
		b->iov[i].iov_base = b->bufs[i];
		b->iov[i].iov_len = sizeof b->bufs[i];
		memset(&b->msgs[i], 0, sizeof b->msgs[i]);
		b->msgs[i].msg_hdr.msg_name = &b->addrs[i];
		b->msgs[i].msg_hdr.msg_namelen = sizeof b->addrs[i];
		b->msgs[i].msg_hdr.msg_iov = &b->iov[i];
		b->msgs[i].msg_hdr.msg_iovlen = 1;
	}
	do
		n = recvmmsg(fd, b->msgs, ZT_UDP_BATCH, MSG_DONTWAIT, NULL);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return errno == EAGAIN || errno == EWOULDBLOCK ? 0 : -errno;
	for (int i = 0; i < n; i++) {
		struct zt_wire_pkt *p = &b->pkts[kept];

		if (b->msgs[i].msg_hdr.msg_flags & MSG_TRUNC)
			continue;
		if (zt_udp_from_sockaddr((const struct sockaddr *)&b->addrs[i],
		                         b->msgs[i].msg_hdr.msg_namelen, &p->from) < 0)
			continue;
		p->sock = fd;
		p->data = b->bufs[i];
		p->len = b->msgs[i].msg_len;
		kept++;
	}
	return (int)kept;
}

int zt_udp_send(int fd, const struct zt_endpoint *to, const void *buf, size_t len)
{
	struct sockaddr_storage ss;
	socklen_t sslen;
	ssize_t n;
	int r;

	r = zt_udp_to_sockaddr(to, &ss, &sslen);
	if (r < 0)
		return r;
	do
		n = sendto(fd, buf, len, MSG_DONTWAIT, (const struct sockaddr *)&ss, sslen);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return errno == EWOULDBLOCK ? -EAGAIN : -errno;
	return 0;
}
