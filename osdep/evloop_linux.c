/* SPDX-License-Identifier: MIT */
/*
 * evloop_linux.c - epoll + signalfd (see evloop.h).
 *
 * Handlers live in a table indexed by fd.  The epoll data carries the fd
 * and the handler's generation, so an event that was already fetched for
 * a descriptor that a callback then closed (and that a later accept()
 * reused) is recognised as stale and dropped.
 */
#include "osdep/evloop.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <unistd.h>

#define EVLOOP_MAX_EVENTS 64
#define EVLOOP_MAX_FDS    65536

struct handler {
	zt_evloop_fn fn;
	void *ctx;
	uint32_t gen;
	bool used;
};

struct zt_evloop {
	int epfd;
	int sigfd;
	int stopped; /* signal number (or caller's reason), 0 while running */
	uint32_t gen;
	struct handler *h;
	size_t hcap;
};

static uint32_t to_epoll(unsigned events)
{
	uint32_t e = 0;

	if (events & ZT_EV_READ)
		e |= EPOLLIN;
	if (events & ZT_EV_WRITE)
		e |= EPOLLOUT;
	return e;
}

int zt_evloop_new(struct zt_evloop **out)
{
	struct zt_evloop *l;
	int r;

	*out = NULL;
	l = calloc(1, sizeof *l);
	if (!l)
		return -ENOMEM;
	l->sigfd = -1;
	l->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (l->epfd < 0) {
		r = -errno;
		free(l);
		return r;
	}
	*out = l;
	return 0;
}

void zt_evloop_free(struct zt_evloop *l)
{
	if (!l)
		return;
	if (l->sigfd >= 0)
		close(l->sigfd);
	close(l->epfd);
	free(l->h);
	free(l);
}

static int grow(struct zt_evloop *l, int fd)
{
	size_t cap = l->hcap ? l->hcap : 64;
	struct handler *h;

	if (fd < 0 || fd >= EVLOOP_MAX_FDS)
		return -EBADF;
	if ((size_t)fd < l->hcap)
		return 0;
	while (cap <= (size_t)fd)
		cap *= 2;
	h = realloc(l->h, cap * sizeof *h);
	if (!h)
		return -ENOMEM;
	memset(h + l->hcap, 0, (cap - l->hcap) * sizeof *h);
	l->h = h;
	l->hcap = cap;
	return 0;
}

int zt_evloop_add(struct zt_evloop *l, int fd, unsigned events, zt_evloop_fn fn, void *ctx)
{
	struct epoll_event ev;
	struct handler *h;
	int r;

	r = grow(l, fd);
	if (r < 0)
		return r;
	h = &l->h[fd];
	if (h->used)
		return -EEXIST;
	memset(&ev, 0, sizeof ev);
	ev.events = to_epoll(events);
	ev.data.u64 = (uint64_t)++l->gen << 32 | (uint32_t)fd;
	if (epoll_ctl(l->epfd, EPOLL_CTL_ADD, fd, &ev) < 0)
		return -errno;
	h->fn = fn;
	h->ctx = ctx;
	h->gen = l->gen;
	h->used = true;
	return 0;
}

int zt_evloop_mod(struct zt_evloop *l, int fd, unsigned events)
{
	struct epoll_event ev;

	if (fd < 0 || (size_t)fd >= l->hcap || !l->h[fd].used)
		return -ENOENT;
	memset(&ev, 0, sizeof ev);
	ev.events = to_epoll(events);
	ev.data.u64 = (uint64_t)l->h[fd].gen << 32 | (uint32_t)fd;
	if (epoll_ctl(l->epfd, EPOLL_CTL_MOD, fd, &ev) < 0)
		return -errno;
	return 0;
}

int zt_evloop_del(struct zt_evloop *l, int fd)
{
	if (fd < 0 || (size_t)fd >= l->hcap || !l->h[fd].used)
		return -ENOENT;
	l->h[fd].used = false;
	if (epoll_ctl(l->epfd, EPOLL_CTL_DEL, fd, NULL) < 0)
		return -errno;
	return 0;
}

static void on_signal(void *ctx, int fd, unsigned events)
{
	struct zt_evloop *l = ctx;
	struct signalfd_siginfo si;

	(void)events;
	while (read(fd, &si, sizeof si) == (ssize_t)sizeof si)
		l->stopped = (int)si.ssi_signo;
}

int zt_evloop_catch_signals(struct zt_evloop *l)
{
	sigset_t set;
	int r;

	if (l->sigfd >= 0)
		return 0;
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	if (sigprocmask(SIG_BLOCK, &set, NULL) < 0)
		return -errno;
	l->sigfd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
	if (l->sigfd < 0)
		return -errno;
	r = zt_evloop_add(l, l->sigfd, ZT_EV_READ, on_signal, l);
	if (r < 0) {
		close(l->sigfd);
		l->sigfd = -1;
	}
	return r;
}

int zt_evloop_stopped(const struct zt_evloop *l)
{
	return l->stopped;
}

void zt_evloop_stop(struct zt_evloop *l, int why)
{
	l->stopped = why ? why : -1;
}

int zt_evloop_wait(struct zt_evloop *l, int timeout_ms)
{
	struct epoll_event evs[EVLOOP_MAX_EVENTS];
	int n, ran = 0;

	n = epoll_wait(l->epfd, evs, EVLOOP_MAX_EVENTS, timeout_ms);
	if (n < 0)
		return errno == EINTR ? 0 : -errno;
	for (int i = 0; i < n; i++) {
		int fd = (int)(uint32_t)evs[i].data.u64;
		uint32_t gen = (uint32_t)(evs[i].data.u64 >> 32);
		struct handler *h;
		unsigned what = 0;

		if ((size_t)fd >= l->hcap)
			continue;
		h = &l->h[fd];
		if (!h->used || h->gen != gen)
			continue; /* removed (or replaced) earlier this round */
		if (evs[i].events & EPOLLIN)
			what |= ZT_EV_READ;
		if (evs[i].events & EPOLLOUT)
			what |= ZT_EV_WRITE;
		if (evs[i].events & (EPOLLERR | EPOLLHUP))
			what |= ZT_EV_ERROR;
		h->fn(h->ctx, fd, what);
		ran++;
	}
	return ran;
}
