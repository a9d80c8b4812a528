/* SPDX-License-Identifier: MIT */
/*
 * httpd.c - the API's non-blocking HTTP server (see httpd.h).
 *
 * A connection goes READ -> WRITE -> LINGER -> closed.  LINGER half-closes
 * and drains what the client still sends before closing: closing a socket
 * with unread input makes the kernel send RST, which can destroy the
 * response (a 413 to a client still sending its body) before the client
 * reads it.
 */
#include "osdep/httpd.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "osdep/acceptor.h"
#include "osdep/clock.h"
#include "osdep/evloop.h"
#include "osdep/log.h"

#define CONN_IN_MAX   (ZT_HTTP_MAX_HEAD + ZT_HTTP_MAX_BODY)
#define CONN_IN_FIRST 4096
#define LINGER_MS     1000

enum conn_state { CONN_FREE = 0, CONN_READ, CONN_WRITE, CONN_LINGER };

struct conn {
	struct zt_httpd *h;
	enum conn_state state;
	int fd;
	uint64_t seq; /* accept order: the lowest is the oldest */
	int64_t deadline;
	char *in;
	size_t in_len, in_cap;
	char *out;
	size_t out_len, out_off;
	char peer[48]; /* the client's address, for the handler */
};

struct zt_httpd {
	struct zt_evloop *loop;
	int lfd;
	struct zt_acceptor acc;
	zt_httpd_handler_fn fn;
	void *ctx;
	uint64_t next_seq;
	int64_t last_full_log;
	struct conn conns[ZT_HTTPD_MAX_CONNS];
};

static void conn_close(struct conn *c)
{
	if (c->state == CONN_FREE)
		return;
	zt_evloop_del(c->h->loop, c->fd);
	close(c->fd);
	free(c->in);
	free(c->out);
	c->in = c->out = NULL;
	c->in_len = c->in_cap = c->out_len = c->out_off = 0;
	c->fd = -1;
	c->state = CONN_FREE;
}

static void conn_linger(struct conn *c)
{
	shutdown(c->fd, SHUT_WR);
	c->state = CONN_LINGER;
	c->deadline = zt_clock_now() + LINGER_MS;
	if (zt_evloop_mod(c->h->loop, c->fd, ZT_EV_READ) < 0)
		conn_close(c);
}

static void conn_flush(struct conn *c)
{
	while (c->out_off < c->out_len) {
		ssize_t n = send(c->fd, c->out + c->out_off, c->out_len - c->out_off,
		                 MSG_NOSIGNAL | MSG_DONTWAIT);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return; /* wait for ZT_EV_WRITE */
		if (n <= 0) {
			conn_close(c);
			return;
		}
		c->out_off += (size_t)n;
	}
	conn_linger(c);
}

/* Queue head + body and start writing.  Takes ownership of body. */
static void conn_respond(struct conn *c, int status, char *body, size_t body_len, const char *extra,
                         const char *type)
{
	/* The web UI's security headers and cookie fit (ui.c). */
	char head[2048];
	int hn;

	hn = zt_http_format_head_type(head, sizeof head, status, type, body_len, extra);
	if (hn < 0 || body_len > SIZE_MAX - (size_t)hn) {
		free(body);
		conn_close(c);
		return;
	}
	c->out = malloc((size_t)hn + body_len);
	if (!c->out) {
		free(body);
		conn_close(c);
		return;
	}
	memcpy(c->out, head, (size_t)hn);
	if (body_len)
		memcpy(c->out + hn, body, body_len);
	free(body);
	c->out_len = (size_t)hn + body_len;
	c->out_off = 0;
	c->state = CONN_WRITE;
	c->deadline = zt_clock_now() + ZT_HTTPD_TIMEOUT_MS;
	if (zt_evloop_mod(c->h->loop, c->fd, ZT_EV_WRITE) < 0) {
		conn_close(c);
		return;
	}
	conn_flush(c);
}

/* A parse error: the reasons are static strings from http.c without
 * quotes or backslashes, so they need no JSON escaping. */
static void conn_error(struct conn *c, int status, const char *why)
{
	char *body = malloc(256);
	int n;

	if (!body) {
		conn_close(c);
		return;
	}
	/* ZeroTier's error shape (osdep/apijson.h). */
	n = snprintf(body, 256, "{\"error\":%d,\"description\":\"%s\"}", status, why);
	if (n < 0 || n >= 256)
		n = snprintf(body, 256, "{\"error\":%d,\"description\":\"bad request\"}", status);
	conn_respond(c, status, body, (size_t)n, NULL, NULL);
}

static void conn_request(struct conn *c)
{
	struct zt_http_request req;
	struct zt_httpd_reply reply;

	switch (zt_http_parse_request(c->in, c->in_len, &req)) {
	case ZT_HTTP_NEED_MORE: return;
	case ZT_HTTP_ERROR:
		zt_log_debug("api: %d %s", req.error_status, req.error);
		conn_error(c, req.error_status, req.error);
		return;
	case ZT_HTTP_COMPLETE: break;
	}
	memcpy(req.peer, c->peer, sizeof req.peer);
	memset(&reply, 0, sizeof reply);
	c->h->fn(c->h->ctx, &req, &reply);
	if (reply.status == 0) {
		free(reply.body);
		conn_error(c, 500, "internal error");
		return;
	}
	zt_log_debug("api: %.*s %.*s -> %d", (int)req.method.len, req.method.p, (int)req.path.len,
	             req.path.p, reply.status);
	conn_respond(c, reply.status, reply.body, reply.body_len, reply.extra_headers,
	             reply.content_type);
}

static void conn_read(struct conn *c)
{
	for (;;) {
		ssize_t n;

		if (c->in_len == c->in_cap) {
			size_t cap = c->in_cap ? c->in_cap * 2 : CONN_IN_FIRST;
			char *p;

			if (cap > CONN_IN_MAX)
				cap = CONN_IN_MAX;
			if (cap == c->in_cap) {
				/* The parser rejects anything this long. */
				conn_request(c);
				if (c->state == CONN_READ)
					conn_error(c, 413, "request too large");
				return;
			}
			p = realloc(c->in, cap);
			if (!p) {
				conn_close(c);
				return;
			}
			c->in = p;
			c->in_cap = cap;
		}
		n = recv(c->fd, c->in + c->in_len, c->in_cap - c->in_len, MSG_DONTWAIT);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			break;
		if (n == 0) {
			/* The client half-closed after its request (nc -N does):
			 * answer what is there, or give up on a partial one. */
			conn_request(c);
			if (c->state == CONN_READ)
				conn_close(c);
			return;
		}
		if (n < 0) {
			conn_close(c);
			return;
		}
		c->in_len += (size_t)n;
	}
	conn_request(c);
}

static void conn_drain(struct conn *c)
{
	char sink[1024];

	for (;;) {
		ssize_t n = recv(c->fd, sink, sizeof sink, MSG_DONTWAIT);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return;
		conn_close(c); /* EOF or error: the client has our response */
		return;
	}
}

static void on_conn(void *ctx, int fd, unsigned events)
{
	struct conn *c = ctx;

	(void)fd;
	switch (c->state) {
	case CONN_READ:
		if (events & (ZT_EV_READ | ZT_EV_ERROR))
			conn_read(c);
		break;
	case CONN_WRITE:
		if (events & ZT_EV_ERROR)
			conn_close(c);
		else if (events & ZT_EV_WRITE)
			conn_flush(c);
		break;
	case CONN_LINGER: conn_drain(c); break;
	case CONN_FREE: break;
	}
}

/* A free slot; when all are taken, the oldest connection's (closed):
 * every client is 127.0.0.1, so no cap per address or user can tell a
 * hog from zt-cli, but a real request is answered within a loop round of
 * its arrival, so only a connection that holds a slot without asking
 * anything can be the oldest for long. */
static struct conn *conn_slot(struct zt_httpd *h)
{
	struct conn *oldest = NULL;
	int64_t now;

	for (size_t i = 0; i < ZT_HTTPD_MAX_CONNS; i++) {
		struct conn *c = &h->conns[i];
		if (c->state == CONN_FREE)
			return c;
		if (oldest == NULL || c->seq < oldest->seq)
			oldest = c;
	}
	now = zt_clock_now();
	/* Once per second at most: a flood must not flood the log. */
	if (now - h->last_full_log >= 1000) {
		zt_log_warn("api: %d connections open, closing the oldest", ZT_HTTPD_MAX_CONNS);
		h->last_full_log = now;
	}
	conn_close(oldest);
	return oldest;
}

/* The client's address without its port (IPv4-mapped IPv6 as IPv4). */
static void peer_text(const struct sockaddr_storage *ss, char *out, size_t cap)
{
	out[0] = '\0';
	if (ss->ss_family == AF_INET) {
		const struct sockaddr_in *s4 = (const struct sockaddr_in *)ss;
		(void)inet_ntop(AF_INET, &s4->sin_addr, out, (socklen_t)cap);
	} else if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)ss;
		if (IN6_IS_ADDR_V4MAPPED(&s6->sin6_addr))
			(void)inet_ntop(AF_INET, &s6->sin6_addr.s6_addr[12], out, (socklen_t)cap);
		else
			(void)inet_ntop(AF_INET6, &s6->sin6_addr, out, (socklen_t)cap);
	}
}

static void on_accept(void *ctx, int lfd, unsigned events)
{
	struct zt_httpd *h = ctx;

	(void)lfd;
	(void)events;
	/* Half the slots per round at most: a connection accepted in one
	 * round is never evicted before its first read (the next round). */
	for (int i = 0; i < ZT_HTTPD_MAX_CONNS / 2; i++) {
		struct conn *c;
		struct sockaddr_storage ss;
		socklen_t sl = sizeof ss;
		int fd = zt_acceptor_accept(&h->acc, zt_clock_now(), (struct sockaddr *)&ss, &sl);

		if (fd == -EMFILE)
			zt_log_warn("api: out of file descriptors: turning connections away for "
			            "%d ms",
			            ZT_ACCEPTOR_PAUSE_MS);
		else if (fd < 0 && fd != -EAGAIN)
			zt_log_warn("api: accept: %s", strerror(-fd));
		if (fd < 0)
			return;
		c = conn_slot(h);
		memset(c, 0, sizeof *c);
		c->h = h;
		c->fd = fd;
		c->seq = h->next_seq++;
		c->state = CONN_READ;
		c->deadline = zt_clock_now() + ZT_HTTPD_TIMEOUT_MS;
		peer_text(&ss, c->peer, sizeof c->peer);
		if (zt_evloop_add(h->loop, fd, ZT_EV_READ, on_conn, c) < 0) {
			close(fd);
			c->state = CONN_FREE;
		}
	}
}

int zt_httpd_new(struct zt_httpd **out, struct zt_evloop *loop, uint16_t port,
                 zt_httpd_handler_fn fn, void *ctx)
{
	struct sockaddr_in sin;

	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sin.sin_port = htons(port);
	return zt_httpd_listen(out, loop, (const struct sockaddr *)&sin, sizeof sin, fn, ctx);
}

int zt_httpd_listen(struct zt_httpd **out, struct zt_evloop *loop, const struct sockaddr *addr,
                    unsigned addr_len, zt_httpd_handler_fn fn, void *ctx)
{
	struct zt_httpd *h;
	int one = 1, r;

	*out = NULL;
	h = calloc(1, sizeof *h);
	if (!h)
		return -ENOMEM;
	h->loop = loop;
	h->fn = fn;
	h->ctx = ctx;
	h->lfd = socket(addr->sa_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (h->lfd < 0) {
		r = -errno;
		goto out;
	}
	/* Restarting ztd must not fail on the old socket's TIME_WAIT. */
	(void)setsockopt(h->lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	if (bind(h->lfd, addr, (socklen_t)addr_len) < 0 || listen(h->lfd, 16) < 0) {
		r = -errno;
		goto out;
	}
	r = zt_evloop_add(loop, h->lfd, ZT_EV_READ, on_accept, h);
	if (r < 0)
		goto out;
	zt_acceptor_init(&h->acc, loop, h->lfd);
	*out = h;
	h = NULL; /* owned by caller */
out:
	if (h) {
		if (h->lfd >= 0)
			close(h->lfd);
		free(h);
	}
	return r;
}

void zt_httpd_free(struct zt_httpd *h)
{
	if (!h)
		return;
	for (size_t i = 0; i < ZT_HTTPD_MAX_CONNS; i++)
		conn_close(&h->conns[i]);
	zt_evloop_del(h->loop, h->lfd);
	close(h->lfd);
	zt_acceptor_free(&h->acc);
	free(h);
}

int64_t zt_httpd_expire(struct zt_httpd *h, int64_t now)
{
	int64_t next = zt_acceptor_tick(&h->acc, now);

	for (size_t i = 0; i < ZT_HTTPD_MAX_CONNS; i++) {
		struct conn *c = &h->conns[i];

		if (c->state == CONN_FREE)
			continue;
		if (now >= c->deadline) {
			if (c->state == CONN_READ)
				zt_log_debug("api: closing a connection idle for %d ms",
				             ZT_HTTPD_TIMEOUT_MS);
			conn_close(c);
			continue;
		}
		if (c->deadline < next)
			next = c->deadline;
	}
	return next;
}
