/* SPDX-License-Identifier: MIT */
/*
 * tcpmap.c - the peers of each TCP connection (see tcpmap.h).
 */
#include "tcpmap.h"

#include <string.h>

#include "mem.h"

#define FIRST_CAP 16

void zt_tcpmap_init(struct zt_tcpmap *m, const struct zt_mem *mem)
{
	memset(m, 0, sizeof *m);
	m->mem = mem;
}

void zt_tcpmap_free(struct zt_tcpmap *m)
{
	zt_mem_free(m->mem, m->slots);
	zt_tcpmap_init(m, m->mem);
}

/* Socket ids are descriptor numbers with a flag: mix them so that
 * consecutive ones do not fill consecutive slots. */
static size_t home_slot(const struct zt_tcpmap *m, int64_t sock)
{
	uint64_t x = (uint64_t)sock;
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdULL;
	x ^= x >> 33;
	return (size_t)x & (m->cap - 1);
}

static struct zt_tcpmap_entry *lookup(const struct zt_tcpmap *m, int64_t sock)
{
	if (m->cap == 0)
		return NULL;
	for (size_t i = home_slot(m, sock);; i = (i + 1) & (m->cap - 1)) {
		struct zt_tcpmap_entry *e = &m->slots[i];
		if (e->sock == sock)
			return e;
		if (e->sock == 0)
			return NULL; /* the table is never full: this ends */
	}
}

static bool grow(struct zt_tcpmap *m)
{
	size_t cap = m->cap ? m->cap * 2 : FIRST_CAP;
	struct zt_tcpmap_entry *old = m->slots;
	size_t old_cap = m->cap;

	m->slots = zt_mem_calloc(m->mem, cap, sizeof *m->slots);
	if (m->slots == NULL) {
		m->slots = old;
		return false;
	}
	m->cap = cap;
	for (size_t j = 0; j < old_cap; j++) {
		size_t i;
		if (old[j].sock == 0)
			continue;
		for (i = home_slot(m, old[j].sock); m->slots[i].sock != 0; i = (i + 1) & (cap - 1))
			;
		m->slots[i] = old[j];
	}
	zt_mem_free(m->mem, old);
	return true;
}

bool zt_tcpmap_add(struct zt_tcpmap *m, int64_t sock, uint64_t peer)
{
	struct zt_tcpmap_entry *e = lookup(m, sock);
	size_t i;

	if (e != NULL) {
		for (unsigned k = 0; k < e->count; k++)
			if (e->peer[k] == peer)
				return true;
		if (e->count == ZT_TCPMAP_PEERS)
			return false;
		e->peer[e->count++] = peer;
		return true;
	}
	if (m->count >= ZT_TCPMAP_MAX)
		return false;
	/* At most half full: probes stay short. */
	if (2 * (m->count + 1) > m->cap && !grow(m))
		return false;
	for (i = home_slot(m, sock); m->slots[i].sock != 0; i = (i + 1) & (m->cap - 1))
		;
	e = &m->slots[i];
	e->sock = sock;
	e->peer[0] = peer;
	e->count = 1;
	m->count++;
	return true;
}

unsigned zt_tcpmap_take(struct zt_tcpmap *m, int64_t sock, uint64_t out[ZT_TCPMAP_PEERS])
{
	struct zt_tcpmap_entry *e = lookup(m, sock);
	unsigned count;
	size_t hole, i;

	if (e == NULL)
		return 0;
	count = e->count;
	if (out != NULL)
		memcpy(out, e->peer, count * sizeof *out);
	/* Backward shift: move up each later entry of the run that may sit
	 * in the hole (its home slot is not cyclically inside (hole, i]),
	 * so that lookups never stop early at a hole. */
	hole = (size_t)(e - m->slots);
	for (i = (hole + 1) & (m->cap - 1); m->slots[i].sock != 0; i = (i + 1) & (m->cap - 1)) {
		size_t home = home_slot(m, m->slots[i].sock);
		if (((i - home) & (m->cap - 1)) >= ((i - hole) & (m->cap - 1))) {
			m->slots[hole] = m->slots[i];
			hole = i;
		}
	}
	memset(&m->slots[hole], 0, sizeof m->slots[hole]);
	m->count--;
	return count;
}
