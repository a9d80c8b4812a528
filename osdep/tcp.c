/* SPDX-License-Identifier: MIT */
/*
 * tcp.c - TCP fallback connections (see tcp.h).
 */
#include "osdep/tcp.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "osdep/evloop.h"
#include "osdep/udp.h"

bool zt_tcp_is_tcp(int64_t sock)
{
	return sock >= 0 && (sock & ZT_SOCK_TCP) != 0;
}

void zt_tcp_init(struct zt_tcp_set *s, struct zt_evloop *loop, const struct zt_tcp_hooks *hooks)
{
	memset(s, 0, sizeof *s);
	s->loop = loop;
	s->hooks = *hooks;
	s->listen_fd = -1;
}

static struct zt_tcp_conn *find(struct zt_tcp_set *s, int64_t sock, unsigned *idx)
{
	int fd;

	if (!zt_tcp_is_tcp(sock))
		return NULL;
	fd = (int)(sock & ~ZT_SOCK_TCP);
	for (unsigned i = 0; i < s->count; i++) {
		if (s->conns[i]->fd == fd) {
			if (idx)
				*idx = i;
			return s->conns[i];
		}
	}
	return NULL;
}

static void drop_conn(struct zt_tcp_set *s, unsigned i)
{
	struct zt_tcp_conn *c = s->conns[i];

	zt_evloop_del(s->loop, c->fd);
	close(c->fd);
	free(c->wbuf);
	free(c);
	s->conns[i] = s->conns[--s->count];
}

void zt_tcp_close(struct zt_tcp_set *s, int64_t sock)
{
	unsigned i;

	if (find(s, sock, &i))
		drop_conn(s, i);
}

void zt_tcp_free(struct zt_tcp_set *s)
{
	if (s->loop == NULL)
		return; /* never initialised */
	while (s->count > 0)
		drop_conn(s, s->count - 1);
	if (s->listen_fd >= 0) {
		zt_evloop_del(s->loop, s->listen_fd);
		close(s->listen_fd);
		s->listen_fd = -1;
	}
}

/* The connection failed or ended: tell the owner, then forget it. */
static void lost(struct zt_tcp_set *s, struct zt_tcp_conn *c)
{
	int64_t sock = ZT_SOCK_TCP | c->fd;
	unsigned i;

	if (find(s, sock, &i))
		drop_conn(s, i);
	if (s->hooks.closed)
		s->hooks.closed(s->hooks.ctx, sock);
}

static void watch(struct zt_tcp_set *s, struct zt_tcp_conn *c)
{
	(void)zt_evloop_mod(s->loop, c->fd,
	                    ZT_EV_READ | (c->connecting || c->wlen ? ZT_EV_WRITE : 0));
}

/* Write what is buffered; false if the connection broke. */
static bool flush(struct zt_tcp_set *s, struct zt_tcp_conn *c)
{
	while (c->wlen > 0) {
		ssize_t n = send(c->fd, c->wbuf, c->wlen, MSG_DONTWAIT | MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			break;
		if (n <= 0)
			return false;
		memmove(c->wbuf, c->wbuf + n, c->wlen - (size_t)n);
		c->wlen -= (size_t)n;
	}
	watch(s, c);
	return true;
}

/* Read and hand over whole datagrams; false if the connection ended. */
static bool pump(struct zt_tcp_set *s, struct zt_tcp_conn *c)
{
	for (int rounds = 0; rounds < 64; rounds++) {
		ssize_t n = recv(c->fd, c->rbuf + c->rlen, sizeof c->rbuf - c->rlen, MSG_DONTWAIT);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return true;
		if (n <= 0)
			return false;
		c->rlen += (size_t)n;
		for (;;) {
			size_t want;
			if (c->rlen < 2)
				break;
			want = (size_t)c->rbuf[0] << 8 | c->rbuf[1];
			if (want == 0 || want > ZT_TCP_FRAME_MAX)
				return false; /* not our framing: hang up */
			if (c->rlen < 2 + want)
				break;
			if (s->hooks.datagram)
				s->hooks.datagram(s->hooks.ctx, ZT_SOCK_TCP | c->fd, &c->peer,
				                  c->rbuf + 2, want);
			/* The hook may have closed this connection. */
			if (find(s, ZT_SOCK_TCP | c->fd, NULL) != c)
				return true;
			memmove(c->rbuf, c->rbuf + 2 + want, c->rlen - 2 - want);
			c->rlen -= 2 + want;
		}
	}
	return true;
}

static void on_conn(void *ctx, int fd, unsigned events)
{
	struct zt_tcp_set *s = ctx;
	struct zt_tcp_conn *c = find(s, ZT_SOCK_TCP | fd, NULL);

	if (c == NULL)
		return;
	if (c->connecting && (events & (ZT_EV_WRITE | ZT_EV_ERROR))) {
		int err = 0;
		socklen_t el = sizeof err;
		if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &el) < 0 || err != 0) {
			lost(s, c);
			return;
		}
		c->connecting = false;
	}
	if (!c->connecting && (events & ZT_EV_WRITE) && !flush(s, c)) {
		lost(s, c);
		return;
	}
	if ((events & (ZT_EV_READ | ZT_EV_ERROR)) && !c->connecting && !pump(s, c)) {
		lost(s, c);
		return;
	}
}

static struct zt_tcp_conn *add_conn(struct zt_tcp_set *s, int fd, const struct zt_endpoint *peer,
                                    bool connecting)
{
	struct zt_tcp_conn *c;
	int one = 1;

	if (s->count >= ZT_TCP_MAX_CONNS)
		return NULL;
	c = calloc(1, sizeof *c);
	if (c == NULL)
		return NULL;
	c->wbuf = malloc(ZT_TCP_WBUF);
	if (c->wbuf == NULL) {
		free(c);
		return NULL;
	}
	c->fd = fd;
	c->peer = *peer;
	c->connecting = connecting;
	/* Datagrams are small and latency matters more than segment count. */
	(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	if (zt_evloop_add(s->loop, fd, ZT_EV_READ | (connecting ? ZT_EV_WRITE : 0), on_conn, s) <
	    0) {
		free(c->wbuf);
		free(c);
		return NULL;
	}
	s->conns[s->count++] = c;
	return c;
}

static void on_listen(void *ctx, int fd, unsigned events)
{
	struct zt_tcp_set *s = ctx;

	(void)events;
	for (int i = 0; i < 16; i++) {
		struct sockaddr_storage ss;
		socklen_t sl = sizeof ss;
		struct zt_endpoint ep;
		int c = accept4(fd, (struct sockaddr *)&ss, &sl, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (c < 0)
			return;
		if (zt_udp_from_sockaddr((struct sockaddr *)&ss, sl, &ep) < 0 ||
		    add_conn(s, c, &ep, false) == NULL)
			close(c);
	}
}

int zt_tcp_listen(struct zt_tcp_set *s, const char *bind_addr, uint16_t port)
{
	struct zt_endpoint ep;
	struct sockaddr_storage ss;
	socklen_t sl;
	int fd, one = 1, r;

	memset(&ep, 0, sizeof ep);
	ep.family = 6;
	ep.port = port;
	if (bind_addr && *bind_addr) {
		if (inet_pton(AF_INET, bind_addr, ep.ip) == 1)
			ep.family = 4;
		else if (inet_pton(AF_INET6, bind_addr, ep.ip) != 1)
			return -EINVAL;
	}
	if (zt_udp_to_sockaddr(&ep, &ss, &sl) < 0)
		return -EINVAL;
	fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0 && ep.family == 6 && !(bind_addr && *bind_addr)) {
		/* No IPv6: the IPv4 wildcard. */
		ep.family = 4;
		(void)zt_udp_to_sockaddr(&ep, &ss, &sl);
		fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	}
	if (fd < 0)
		return -errno;
	(void)setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	if (ss.ss_family == AF_INET6) {
		int zero = 0; /* both families on the wildcard */
		(void)setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof zero);
	}
	if (bind(fd, (struct sockaddr *)&ss, sl) < 0 || listen(fd, 64) < 0) {
		r = -errno;
		close(fd);
		return r;
	}
	r = zt_evloop_add(s->loop, fd, ZT_EV_READ, on_listen, s);
	if (r < 0) {
		close(fd);
		return r;
	}
	s->listen_fd = fd;
	return 0;
}

int64_t zt_tcp_connect(struct zt_tcp_set *s, const struct zt_endpoint *to)
{
	struct sockaddr_storage ss;
	socklen_t sl;
	int fd;

	if (zt_udp_to_sockaddr(to, &ss, &sl) < 0)
		return -EAFNOSUPPORT;
	fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&ss, sl) < 0 && errno != EINPROGRESS) {
		int e = errno;
		close(fd);
		return -e;
	}
	if (add_conn(s, fd, to, true) == NULL) {
		close(fd);
		return -ENOMEM;
	}
	return ZT_SOCK_TCP | fd;
}

int zt_tcp_send(struct zt_tcp_set *s, int64_t sock, const void *pkt, size_t len)
{
	struct zt_tcp_conn *c = find(s, sock, NULL);

	if (c == NULL)
		return -EBADF;
	if (len == 0 || len > ZT_TCP_FRAME_MAX)
		return -EMSGSIZE;
	if (c->wlen + 2 + len > ZT_TCP_WBUF) {
		s->dropped++;
		return -EAGAIN;
	}
	c->wbuf[c->wlen] = (uint8_t)(len >> 8);
	c->wbuf[c->wlen + 1] = (uint8_t)len;
	memcpy(c->wbuf + c->wlen + 2, pkt, len);
	c->wlen += 2 + len;
	/* A broken connection is reported by the event loop (never from
	 * here: we may be inside a core callback). */
	if (!c->connecting && !flush(s, c))
		return -EPIPE;
	if (c->connecting)
		watch(s, c);
	return 0;
}
