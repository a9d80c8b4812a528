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

#include "osdep/clock.h"
#include "osdep/evloop.h"
#include "osdep/log.h"
#include "osdep/udp.h"

/* Timeouts are checked at most this often (they are coarse anyway). */
#define SCAN_MIN_MS 1000

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
	s->acc.spare = -1;
	s->max_conns = ZT_TCP_MAX_CONNS;
	s->next_scan = INT64_MAX;
	s->clock = zt_clock_now;
}

static struct zt_tcp_conn *find(struct zt_tcp_set *s, int64_t sock)
{
	int64_t fd;

	if (!zt_tcp_is_tcp(sock))
		return NULL;
	fd = sock & ~ZT_SOCK_TCP;
	if (fd < 0 || (uint64_t)fd >= s->by_fd_cap)
		return NULL;
	return s->by_fd[fd];
}

static void drop_conn(struct zt_tcp_set *s, struct zt_tcp_conn *c)
{
	zt_evloop_del(s->loop, c->fd);
	close(c->fd);
	s->by_fd[c->fd] = NULL;
	s->conns[c->idx] = s->conns[--s->count];
	s->conns[c->idx]->idx = c->idx;
	free(c->wbuf);
	free(c);
}

void zt_tcp_close(struct zt_tcp_set *s, int64_t sock)
{
	struct zt_tcp_conn *c = find(s, sock);

	if (c)
		drop_conn(s, c);
}

void zt_tcp_free(struct zt_tcp_set *s)
{
	if (s->loop == NULL)
		return; /* never initialised */
	while (s->count > 0)
		drop_conn(s, s->conns[s->count - 1]);
	if (s->listen_fd >= 0) {
		zt_evloop_del(s->loop, s->listen_fd);
		close(s->listen_fd);
		s->listen_fd = -1;
	}
	zt_acceptor_free(&s->acc);
	free(s->by_fd);
	s->by_fd = NULL;
	s->by_fd_cap = 0;
}

/* The connection failed or ended: forget it, then tell the owner. */
static void lost(struct zt_tcp_set *s, struct zt_tcp_conn *c)
{
	int64_t sock = ZT_SOCK_TCP | c->fd;

	drop_conn(s, c);
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
	int64_t sock = ZT_SOCK_TCP | c->fd;

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
			c->heard = true;
			c->active = s->clock();
			s->rx_packets++;
			s->rx_bytes += want;
			if (s->hooks.datagram)
				s->hooks.datagram(s->hooks.ctx, sock, &c->peer, c->rbuf + 2, want);
			/* The hook may have closed this connection. */
			if (find(s, sock) != c)
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
	struct zt_tcp_conn *c = find(s, ZT_SOCK_TCP | fd);

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

static bool by_fd_room(struct zt_tcp_set *s, int fd)
{
	size_t cap = s->by_fd_cap ? s->by_fd_cap : 64;
	struct zt_tcp_conn **t;

	if ((size_t)fd < s->by_fd_cap)
		return true;
	while (cap <= (size_t)fd)
		cap *= 2;
	t = realloc(s->by_fd, cap * sizeof *t);
	if (t == NULL)
		return false;
	memset(t + s->by_fd_cap, 0, (cap - s->by_fd_cap) * sizeof *t);
	s->by_fd = t;
	s->by_fd_cap = cap;
	return true;
}

static struct zt_tcp_conn *add_conn(struct zt_tcp_set *s, int fd, const struct zt_endpoint *peer,
                                    bool connecting)
{
	struct zt_tcp_conn *c;
	int one = 1;

	if (s->count >= ZT_TCP_MAX_CONNS || fd < 0 || !by_fd_room(s, fd))
		return NULL;
	c = calloc(1, sizeof *c);
	if (c == NULL)
		return NULL;
	c->fd = fd;
	c->peer = *peer;
	c->connecting = connecting;
	c->active = s->clock();
	/* Datagrams are small and latency matters more than segment count. */
	(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	if (zt_evloop_add(s->loop, fd, ZT_EV_READ | (connecting ? ZT_EV_WRITE : 0), on_conn, s) <
	    0) {
		free(c);
		return NULL;
	}
	c->idx = s->count;
	s->conns[s->count++] = c;
	s->by_fd[fd] = c;
	return c;
}

/* The same host: an IPv4 address, or an IPv6 /64 (what one subscriber
 * usually gets). */
static bool same_host(const struct zt_endpoint *a, const struct zt_endpoint *b)
{
	if (a->family != b->family)
		return false;
	return memcmp(a->ip, b->ip, a->family == 4 ? 4 : 8) == 0;
}

static unsigned held_by(const struct zt_tcp_set *s, const struct zt_endpoint *ep)
{
	unsigned k = 0;
	for (unsigned i = 0; i < s->count; i++)
		if (s->conns[i]->accepted && same_host(&s->conns[i]->peer, ep))
			k++;
	return k;
}

/* All taken: close the accepted connection silent longest, if it has been
 * silent long enough that holding a slot open costs its owner traffic. */
static bool evict(struct zt_tcp_set *s, int64_t now)
{
	struct zt_tcp_conn *victim = NULL;

	for (unsigned i = 0; i < s->count; i++) {
		struct zt_tcp_conn *c = s->conns[i];
		if (c->accepted && (victim == NULL || c->active < victim->active))
			victim = c;
	}
	if (victim == NULL || now - victim->active < ZT_TCP_HELLO_MS)
		return false;
	s->evicted++;
	lost(s, victim);
	return true;
}

static void on_listen(void *ctx, int fd, unsigned events)
{
	struct zt_tcp_set *s = ctx;
	int64_t now = s->clock();

	(void)fd;
	(void)events;
	for (int i = 0; i < 16; i++) {
		struct sockaddr_storage ss;
		socklen_t sl = sizeof ss;
		struct zt_endpoint ep;
		struct zt_tcp_conn *conn;
		int c = zt_acceptor_accept(&s->acc, now, (struct sockaddr *)&ss, &sl);

		if (c == -EMFILE)
			zt_log_warn("tcp: out of file descriptors (%d connections): turning "
			            "connections away for %d ms (raise ulimit -n)",
			            s->count, ZT_ACCEPTOR_PAUSE_MS);
		else if (c < 0 && c != -EAGAIN)
			zt_log_warn("tcp: accept: %s", strerror(-c));
		if (c < 0)
			return;
		if (zt_udp_from_sockaddr((struct sockaddr *)&ss, sl, &ep) < 0 ||
		    held_by(s, &ep) >= ZT_TCP_PER_ADDR ||
		    (s->count >= s->max_conns && !evict(s, now))) {
			s->refused++;
			close(c);
			continue;
		}
		conn = add_conn(s, c, &ep, false);
		if (conn == NULL) {
			close(c);
			continue;
		}
		conn->accepted = true;
		if (s->next_scan > now + ZT_TCP_HELLO_MS)
			s->next_scan = now + ZT_TCP_HELLO_MS;
	}
}

int64_t zt_tcp_expire(struct zt_tcp_set *s, int64_t now)
{
	int64_t next = INT64_MAX, resume;

	if (s->listen_fd < 0)
		return INT64_MAX;
	resume = zt_acceptor_tick(&s->acc, now);
	if (now >= s->next_scan) {
		/* Backwards: lost() moves the last connection into the hole. */
		for (unsigned i = s->count; i-- > 0;) {
			struct zt_tcp_conn *c = s->conns[i];
			int64_t end;
			if (!c->accepted)
				continue;
			end = c->active + (c->heard ? ZT_TCP_IDLE_MS : ZT_TCP_HELLO_MS);
			if (now >= end) {
				s->timed_out++;
				lost(s, c);
				continue;
			}
			if (end < next)
				next = end;
		}
		if (next != INT64_MAX && next < now + SCAN_MIN_MS)
			next = now + SCAN_MIN_MS;
		s->next_scan = next;
	}
	return s->next_scan < resume ? s->next_scan : resume;
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
	zt_acceptor_init(&s->acc, s->loop, fd);
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
	struct zt_tcp_conn *c = find(s, sock);

	if (c == NULL)
		return -EBADF;
	if (len == 0 || len > ZT_TCP_FRAME_MAX)
		return -EMSGSIZE;
	if (c->wlen + 2 + len > ZT_TCP_WBUF) {
		s->dropped++;
		return -EAGAIN;
	}
	/* Allocated by need: idle connections a stranger opens cost no
	 * buffer. */
	if (c->wbuf == NULL && (c->wbuf = malloc(ZT_TCP_WBUF)) == NULL) {
		s->dropped++;
		return -EAGAIN;
	}
	c->wbuf[c->wlen] = (uint8_t)(len >> 8);
	c->wbuf[c->wlen + 1] = (uint8_t)len;
	memcpy(c->wbuf + c->wlen + 2, pkt, len);
	c->wlen += 2 + len;
	s->tx_packets++;
	s->tx_bytes += len;
	/* A broken connection is reported by the event loop (never from
	 * here: we may be inside a core callback). */
	if (!c->connecting && !flush(s, c))
		return -EPIPE;
	if (c->connecting)
		watch(s, c);
	return 0;
}
