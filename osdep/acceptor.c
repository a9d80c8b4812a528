/* SPDX-License-Identifier: MIT */
/*
 * acceptor.c - accept() that survives EMFILE (see acceptor.h).
 */
#include "osdep/acceptor.h"

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#include "osdep/evloop.h"

/* Connections turned away per EMFILE: enough to empty a listen backlog
 * without holding the loop. */
#define TURN_AWAY_MAX 64

static int open_spare(void)
{
	return open("/dev/null", O_RDONLY | O_CLOEXEC);
}

void zt_acceptor_init(struct zt_acceptor *a, struct zt_evloop *loop, int fd)
{
	a->loop = loop;
	a->fd = fd;
	a->spare = open_spare();
	a->paused_until = 0;
	a->turned_away = 0;
}

void zt_acceptor_free(struct zt_acceptor *a)
{
	if (a->spare >= 0)
		close(a->spare);
	a->spare = -1;
}

/* Out of descriptors: with the spare's slot, accept and close what waits,
 * then stop watching the listener for a while. */
static void turn_away(struct zt_acceptor *a, int64_t now)
{
	if (a->spare >= 0) {
		close(a->spare);
		a->spare = -1;
		for (int i = 0; i < TURN_AWAY_MAX; i++) {
			int c = accept4(a->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
			if (c < 0)
				break;
			close(c);
			a->turned_away++;
		}
		a->spare = open_spare(); /* may fail: retried at the next pause */
	}
	a->paused_until = now + ZT_ACCEPTOR_PAUSE_MS;
	(void)zt_evloop_mod(a->loop, a->fd, 0);
}

int zt_acceptor_accept(struct zt_acceptor *a, int64_t now, struct sockaddr *sa, socklen_t *sl)
{
	if (a->paused_until != 0)
		return -EAGAIN;
	for (;;) {
		int c = accept4(a->fd, sa, sl, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (c >= 0)
			return c;
		switch (errno) {
		case EINTR:
		case ECONNABORTED:
		case EPROTO:
		case EPERM: continue; /* that one failed (accept(2): retry) */
		case EAGAIN:
#if EAGAIN != EWOULDBLOCK
		case EWOULDBLOCK:
#endif
			return -EAGAIN;
		case EMFILE:
		case ENFILE:
		case ENOBUFS:
		case ENOMEM: turn_away(a, now); return -EMFILE;
		default: {
			/* Unexpected: pause rather than spin on it. */
			int e = errno;
			a->paused_until = now + ZT_ACCEPTOR_PAUSE_MS;
			(void)zt_evloop_mod(a->loop, a->fd, 0);
			return -e;
		}
		}
	}
}

int64_t zt_acceptor_tick(struct zt_acceptor *a, int64_t now)
{
	if (a->paused_until == 0)
		return INT64_MAX;
	if (now < a->paused_until)
		return a->paused_until;
	if (a->spare < 0)
		a->spare = open_spare();
	a->paused_until = 0;
	(void)zt_evloop_mod(a->loop, a->fd, ZT_EV_READ);
	return INT64_MAX;
}
