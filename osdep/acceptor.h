/* SPDX-License-Identifier: MIT */
/*
 * acceptor.h - accept() on a non-blocking listener that survives running
 * out of file descriptors.  At the limit accept() fails with EMFILE and
 * leaves the connection queued, so the listener stays readable and a
 * level-triggered loop would call it again at once, forever (100 % CPU).
 * Instead: a spare descriptor, held from the start, is given up for a
 * moment to accept and close the waiting connections (their clients hear
 * at once rather than hang), and the listener is paused for
 * ZT_ACCEPTOR_PAUSE_MS; zt_acceptor_tick resumes it.
 */
#ifndef ZT_OSDEP_ACCEPTOR_H
#define ZT_OSDEP_ACCEPTOR_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

#define ZT_ACCEPTOR_PAUSE_MS 1000

struct zt_evloop;

struct zt_acceptor {
	struct zt_evloop *loop;
	int fd;               /* the listener, watched by loop */
	int spare;            /* /dev/null held in reserve (-1: none) */
	int64_t paused_until; /* 0: accepting */
	uint64_t turned_away; /* connections closed for lack of descriptors */
};

/* Take charge of listener `fd` (already watched by loop for reading). */
void zt_acceptor_init(struct zt_acceptor *a, struct zt_evloop *loop, int fd);
/* Give back the spare (the listener is the caller's to close). */
void zt_acceptor_free(struct zt_acceptor *a);
/* Accept one connection (non-blocking, close-on-exec): its fd, or
 * -EAGAIN (none waiting, or paused), or -EMFILE (out of descriptors: the
 * waiting ones were turned away and the listener is paused), or another
 * -errno (the listener is paused too; worth a log line). */
int zt_acceptor_accept(struct zt_acceptor *a, int64_t now, struct sockaddr *sa, socklen_t *sl);
/* Resume after a pause: the next time (ms) this needs calling, INT64_MAX
 * if never. */
int64_t zt_acceptor_tick(struct zt_acceptor *a, int64_t now);

#endif
