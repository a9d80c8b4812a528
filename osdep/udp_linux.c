/* SPDX-License-Identifier: MIT */
/*
 * udp_linux.c - UDP sockets for the underlay (see udp.h).
 */
#include "osdep/udp.h"

#include <arpa/inet.h>
#include <errno.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <netinet/udp.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifndef UDP_SEGMENT
#define UDP_SEGMENT 103
#endif
#ifndef UDP_GRO
#define UDP_GRO 104
#endif
#ifndef SOL_UDP
#define SOL_UDP 17
#endif

/* Receive: without GRO, ZT_UDP_BATCH datagrams of up to
 * ZT_UDP_MAX_DATAGRAM; with GRO, ZT_UDP_GRO_BATCH buffers of 64 KiB, each
 * holding a train of equal datagrams.  One pool serves both layouts. */
#define GRO_BUF    65536
#define POOL_BYTES (ZT_UDP_GRO_BATCH * GRO_BUF)
#define MAX_PKTS   (ZT_UDP_GRO_BATCH * ZT_UDP_GSO_MAX_SEGS)

struct zt_udp_batch {
	struct mmsghdr msgs[ZT_UDP_BATCH];
	struct iovec iov[ZT_UDP_BATCH];
	struct sockaddr_storage addrs[ZT_UDP_BATCH];
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} ctl[ZT_UDP_BATCH];
	struct zt_wire_pkt pkts[MAX_PKTS];
	uint8_t *pool;
	bool drained; /* the last receive emptied the socket's queue */
};

_Static_assert(ZT_UDP_BATCH *ZT_UDP_MAX_DATAGRAM <= POOL_BYTES, "pool too small");
_Static_assert(ZT_UDP_GRO_BATCH <= ZT_UDP_BATCH, "GRO batch too large");

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

/* The core probes each path's MTU and cuts packets to fit it (node/pmtu.c):
 * datagrams leave with DF set and are never fragmented by this kernel,
 * whatever ICMP says (IP_PMTUDISC_PROBE), so that a probe that does not
 * fit is lost, as it must be.  Failure is harmless (kernel default). */
static void set_pmtu_probe(int fd, int family)
{
	int v = family == AF_INET6 ? IPV6_PMTUDISC_PROBE : IP_PMTUDISC_PROBE;

	if (family == AF_INET6)
		(void)setsockopt(fd, IPPROTO_IPV6, IPV6_MTU_DISCOVER, &v, sizeof v);
	else
		(void)setsockopt(fd, IPPROTO_IP, IP_MTU_DISCOVER, &v, sizeof v);
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
	set_pmtu_probe(fd, ss->ss_family);
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
	/* Untouched pages of the pool cost no memory until traffic comes. */
	b->pool = malloc(POOL_BYTES);
	if (!b->pool) {
		free(b);
		return -ENOMEM;
	}
	*out = b;
	return 0;
}

void zt_udp_batch_free(struct zt_udp_batch *b)
{
	if (!b)
		return;
	free(b->pool);
	free(b);
}

static int gro_size(struct msghdr *mh)
{
	for (struct cmsghdr *c = CMSG_FIRSTHDR(mh); c; c = CMSG_NXTHDR(mh, c)) {
		if (c->cmsg_level == SOL_UDP && c->cmsg_type == UDP_GRO &&
		    c->cmsg_len >= CMSG_LEN(sizeof(int))) {
			int v;

			memcpy(&v, CMSG_DATA(c), sizeof v);
			return v;
		}
	}
	return 0;
}

int zt_udp_recv(const struct zt_udp_sock *s, struct zt_udp_batch *b,
                const struct zt_wire_pkt **pkts)
{
	unsigned kept = 0, count = s->gro ? ZT_UDP_GRO_BATCH : ZT_UDP_BATCH;
	size_t bufsz = s->gro ? GRO_BUF : ZT_UDP_MAX_DATAGRAM;
	int n;

	*pkts = b->pkts;
	b->drained = true;
	for (unsigned i = 0; i < count; i++) {
		b->iov[i].iov_base = b->pool + i * bufsz;
		b->iov[i].iov_len = bufsz;
		memset(&b->msgs[i], 0, sizeof b->msgs[i]);
		b->msgs[i].msg_hdr.msg_name = &b->addrs[i];
		b->msgs[i].msg_hdr.msg_namelen = sizeof b->addrs[i];
		b->msgs[i].msg_hdr.msg_iov = &b->iov[i];
		b->msgs[i].msg_hdr.msg_iovlen = 1;
		if (s->gro) {
			b->msgs[i].msg_hdr.msg_control = b->ctl[i].buf;
			b->msgs[i].msg_hdr.msg_controllen = sizeof b->ctl[i].buf;
		}
	}
	do
		n = recvmmsg(s->fd, b->msgs, count, MSG_DONTWAIT, NULL);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return errno == EAGAIN || errno == EWOULDBLOCK ? 0 : -errno;
	/* Fewer than asked for: the queue was empty when the kernel looked. */
	b->drained = (unsigned)n < count;
	for (int i = 0; i < n; i++) {
		struct msghdr *mh = &b->msgs[i].msg_hdr;
		struct zt_endpoint from;
		size_t len = b->msgs[i].msg_len, seg = len;
		const uint8_t *data = b->iov[i].iov_base;

		if (mh->msg_flags & MSG_TRUNC)
			continue;
		if (zt_udp_from_sockaddr((const struct sockaddr *)&b->addrs[i], mh->msg_namelen,
		                         &from) < 0)
			continue;
		if (s->gro) {
			int g = gro_size(mh);

			if (g > 0)
				seg = (size_t)g; /* a train of datagrams of g bytes */
		}
		/* The last datagram of a train may be shorter. */
		for (size_t off = 0; off < len && kept < MAX_PKTS; off += seg) {
			struct zt_wire_pkt *p = &b->pkts[kept++];

			p->sock = s->fd;
			p->from = from;
			p->data = data + off;
			p->len = len - off < seg ? len - off : seg;
		}
	}
	return (int)kept;
}

bool zt_udp_batch_drained(const struct zt_udp_batch *b)
{
	return b->drained;
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

/* ---- offloads and the send queue ---- */

void zt_udp_offload(struct zt_udp *u, bool gso, bool gro)
{
	for (unsigned i = 0; i < u->count; i++) {
		struct zt_udp_sock *s = &u->socks[i];
		int zero = 0, one = 1;

		/* Setting a GSO size of 0 tells whether the kernel knows
		 * UDP_SEGMENT at all; each send then gives its own size. */
		s->gso = gso && setsockopt(s->fd, SOL_UDP, UDP_SEGMENT, &zero, sizeof zero) == 0;
		s->gro = false;
		if (gro && setsockopt(s->fd, SOL_UDP, UDP_GRO, &one, sizeof one) == 0)
			s->gro = true;
		else if (!gro)
			(void)setsockopt(s->fd, SOL_UDP, UDP_GRO, &zero, sizeof zero);
	}
}

struct zt_udp_txent {
	int fd;
	socklen_t alen;
	union {
		struct sockaddr sa;
		struct sockaddr_in sin;
		struct sockaddr_in6 sin6;
	} addr;
	uint16_t len;
	uint8_t data[ZT_UDP_TXQ_DGRAM];
};

struct zt_udp_txq {
	unsigned count;
	struct zt_udp_txent ents[ZT_UDP_TXQ_LEN];
	struct mmsghdr msgs[ZT_UDP_TXQ_LEN];
	struct iovec iov[ZT_UDP_TXQ_LEN];
	union {
		char buf[CMSG_SPACE(sizeof(uint16_t))];
		struct cmsghdr align;
	} ctl[ZT_UDP_TXQ_LEN];
	unsigned first[ZT_UDP_TXQ_LEN]; /* message -> its first entry */
	unsigned nents[ZT_UDP_TXQ_LEN]; /* message -> entries in it */
	uint64_t sent, dropped, gso_msgs;
};

int zt_udp_txq_new(struct zt_udp_txq **out)
{
	*out = calloc(1, sizeof **out);
	return *out ? 0 : -ENOMEM;
}

void zt_udp_txq_free(struct zt_udp_txq *q)
{
	free(q);
}

static struct zt_udp_sock *sock_of(struct zt_udp *u, int fd)
{
	for (unsigned i = 0; i < u->count; i++)
		if (u->socks[i].fd == fd)
			return &u->socks[i];
	return NULL;
}

static bool same_dest(const struct zt_udp_txent *a, const struct zt_udp_txent *b)
{
	return a->fd == b->fd && a->alen == b->alen && memcmp(&a->addr, &b->addr, a->alen) == 0;
}

/* Send entries one by one (after GSO failed on them). */
static void send_each(struct zt_udp_txq *q, unsigned first, unsigned n)
{
	for (unsigned i = first; i < first + n; i++) {
		struct zt_udp_txent *e = &q->ents[i];
		ssize_t r;

		do
			r = sendto(e->fd, e->data, e->len, MSG_DONTWAIT, &e->addr.sa, e->alen);
		while (r < 0 && errno == EINTR);
		if (r < 0)
			q->dropped++;
		else
			q->sent++;
	}
}

/* Send messages [m0, m1) of one socket with sendmmsg. */
static void send_msgs(struct zt_udp_txq *q, struct zt_udp_sock *s, unsigned m0, unsigned m1)
{
	while (m0 < m1) {
		int r;

		do
			r = sendmmsg(s->fd, q->msgs + m0, m1 - m0, MSG_DONTWAIT);
		while (r < 0 && errno == EINTR);
		if (r > 0) {
			for (unsigned i = m0; i < m0 + (unsigned)r; i++)
				q->sent += q->nents[i];
			m0 += (unsigned)r;
			continue;
		}
		if (q->nents[m0] > 1 && errno != EAGAIN && errno != EWOULDBLOCK) {
			/* The kernel or the route refuses GSO (EIO: no
			 * checksum offload on the way): never again on this
			 * socket; these go out one by one. */
			s->gso = false;
			send_each(q, q->first[m0], q->nents[m0]);
		} else {
			q->dropped += q->nents[m0]; /* full buffer: as a congested link */
		}
		m0++;
	}
}

void zt_udp_txq_flush(struct zt_udp_txq *q, struct zt_udp *u)
{
	unsigned m = 0, i = 0;

	while (i < q->count) {
		struct zt_udp_txent *e = &q->ents[i];
		struct zt_udp_sock *s = sock_of(u, e->fd);
		struct msghdr *mh = &q->msgs[m].msg_hdr;
		unsigned j = i + 1;
		size_t total = e->len;

		if (s == NULL) {
			q->dropped++;
			i++;
			continue;
		}
		/* A train for UDP_SEGMENT: same socket and destination, equal
		 * sizes, only the last may be shorter. */
		if (s->gso) {
			while (j < q->count && j - i < ZT_UDP_GSO_MAX_SEGS &&
			       same_dest(e, &q->ents[j]) && q->ents[j].len <= e->len &&
			       q->ents[j - 1].len == e->len &&
			       total + q->ents[j].len <= ZT_UDP_GSO_MAX_BYTES) {
				total += q->ents[j].len;
				j++;
			}
		}
		memset(mh, 0, sizeof *mh);
		mh->msg_name = &e->addr;
		mh->msg_namelen = e->alen;
		mh->msg_iov = &q->iov[i];
		mh->msg_iovlen = j - i;
		for (unsigned k = i; k < j; k++) {
			q->iov[k].iov_base = q->ents[k].data;
			q->iov[k].iov_len = q->ents[k].len;
		}
		if (j - i > 1) {
			struct cmsghdr *c;
			uint16_t seg = e->len;

			mh->msg_control = q->ctl[m].buf;
			mh->msg_controllen = sizeof q->ctl[m].buf;
			c = CMSG_FIRSTHDR(mh);
			c->cmsg_level = SOL_UDP;
			c->cmsg_type = UDP_SEGMENT;
			c->cmsg_len = CMSG_LEN(sizeof seg);
			memcpy(CMSG_DATA(c), &seg, sizeof seg);
			q->gso_msgs++;
		}
		q->first[m] = i;
		q->nents[m] = j - i;
		m++;
		i = j;
	}
	/* One sendmmsg per run of messages on the same socket. */
	for (unsigned a = 0; a < m;) {
		unsigned z = a + 1;
		int fd = q->ents[q->first[a]].fd;

		while (z < m && q->ents[q->first[z]].fd == fd)
			z++;
		send_msgs(q, sock_of(u, fd), a, z);
		a = z;
	}
	q->count = 0;
}

int zt_udp_txq_add(struct zt_udp_txq *q, struct zt_udp *u, int fd, const struct zt_endpoint *to,
                   const void *buf, size_t len)
{
	struct sockaddr_storage ss;
	socklen_t sslen;
	struct zt_udp_txent *e;
	int r;

	if (len > ZT_UDP_TXQ_DGRAM) {
		/* Rare (jumbo): keep the order, then send it alone. */
		zt_udp_txq_flush(q, u);
		return zt_udp_send(fd, to, buf, len);
	}
	r = zt_udp_to_sockaddr(to, &ss, &sslen);
	if (r < 0)
		return r;
	if (q->count == ZT_UDP_TXQ_LEN)
		zt_udp_txq_flush(q, u);
	e = &q->ents[q->count++];
	e->fd = fd;
	e->alen = sslen;
	memcpy(&e->addr, &ss, sslen);
	e->len = (uint16_t)len;
	memcpy(e->data, buf, len);
	return 0;
}

bool zt_udp_txq_empty(const struct zt_udp_txq *q)
{
	return q->count == 0;
}

void zt_udp_txq_stats(const struct zt_udp_txq *q, uint64_t *sent, uint64_t *dropped,
                      uint64_t *gso_msgs)
{
	*sent = q->sent;
	*dropped = q->dropped;
	*gso_msgs = q->gso_msgs;
}

int zt_udp_open_ephemeral(int family, const char *bind_addr)
{
	struct sockaddr_storage ss;
	socklen_t len;
	struct zt_endpoint ep;
	int fd;

	memset(&ep, 0, sizeof ep);
	ep.family = (uint8_t)family;
	if (bind_addr != NULL && bind_addr[0] != '\0') {
		int r = inet_pton(family == 6 ? AF_INET6 : AF_INET, bind_addr, ep.ip);
		if (r != 1)
			return -EINVAL;
	}
	if (zt_udp_to_sockaddr(&ep, &ss, &len) < 0)
		return -EAFNOSUPPORT;
	fd = socket(ss.ss_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	set_pmtu_probe(fd, ss.ss_family);
	if (bind(fd, (const struct sockaddr *)&ss, len) < 0) {
		int e = errno;
		close(fd);
		return -e;
	}
	return fd;
}

size_t zt_udp_local_endpoints(uint16_t port, bool v6, struct zt_endpoint *out, size_t cap)
{
	struct ifaddrs *ifa, *i;
	size_t count = 0;

	if (getifaddrs(&ifa) < 0)
		return 0;
	for (i = ifa; i; i = i->ifa_next) {
		struct zt_endpoint ep;
		socklen_t sl;

		if (!i->ifa_addr || (i->ifa_flags & IFF_LOOPBACK) || !(i->ifa_flags & IFF_UP))
			continue;
		if (i->ifa_addr->sa_family == AF_INET)
			sl = sizeof(struct sockaddr_in);
		else if (i->ifa_addr->sa_family == AF_INET6 && v6)
			sl = sizeof(struct sockaddr_in6);
		else
			continue;
		if (zt_udp_from_sockaddr(i->ifa_addr, sl, &ep) < 0)
			continue;
		/* Link-local IPv6 needs a scope an endpoint cannot carry. */
		if (ep.family == 6 && ep.ip[0] == 0xfe && (ep.ip[1] & 0xc0) == 0x80)
			continue;
		ep.port = port;
		if (count < cap)
			out[count] = ep;
		count++;
	}
	freeifaddrs(ifa);
	return count;
}
