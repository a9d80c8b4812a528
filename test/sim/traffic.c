/* SPDX-License-Identifier: MIT */
/*
 * traffic.c - test frames and their delivery bookkeeping (see traffic.h).
 */
#include "traffic.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define HDR   14
#define MAGIC "ZTSIM1"
#define FIXED 16 /* magic + five u16 */

static void put16(uint8_t *p, unsigned v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static unsigned get16(const uint8_t *p)
{
	return (unsigned)p[0] << 8 | p[1];
}

int sim_traffic_init(struct sim_traffic *t, struct sim_world *w, uint64_t nwid)
{
	memset(t, 0, sizeof *t);
	t->w = w;
	t->nwid = nwid;
	t->n = sim_world_members(w);
	t->min_payload = 46;
	t->max_payload = 1000;
	size_t nn = (size_t)t->n * t->n;
	t->want = calloc(nn, 1);
	t->got = calloc(nn, sizeof *t->got);
	t->tries = calloc(nn, sizeof *t->tries);
	t->sent_at = calloc(nn, sizeof *t->sent_at);
	t->got_at = calloc(nn, sizeof *t->got_at);
	t->bcast = calloc(t->n, sizeof *t->bcast);
	t->cursor = calloc(t->n, sizeof *t->cursor);
	if (!t->want || !t->got || !t->tries || !t->sent_at || !t->got_at || !t->bcast ||
	    !t->cursor) {
		sim_traffic_destroy(t);
		return ZT_ENOMEM;
	}
	return ZT_OK;
}

void sim_traffic_destroy(struct sim_traffic *t)
{
	free(t->want);
	free(t->got);
	free(t->tries);
	free(t->sent_at);
	free(t->got_at);
	free(t->bcast);
	free(t->cursor);
	memset(t, 0, sizeof *t);
}

void sim_traffic_new_round(struct sim_traffic *t)
{
	sim_traffic_collect(t); /* earlier rounds' stragglers count as stale */
	size_t nn = (size_t)t->n * t->n;
	memset(t->want, 0, nn);
	memset(t->got, 0, nn * sizeof *t->got);
	memset(t->tries, 0, nn * sizeof *t->tries);
	memset(t->sent_at, 0, nn * sizeof *t->sent_at);
	memset(t->got_at, 0, nn * sizeof *t->got_at);
	memset(t->bcast, 0, t->n * sizeof *t->bcast);
	t->round++;
}

static uint64_t member_addr(const struct sim_traffic *t, unsigned i)
{
	return sim_host_address(sim_world_member(t->w, i));
}

size_t sim_traffic_frame(const struct sim_traffic *t, unsigned round, unsigned from, unsigned to,
                         unsigned try_no, uint8_t *buf, size_t cap)
{
	char text[64];
	uint64_t src = member_addr(t, from);
	uint64_t dst = to == SIM_BROADCAST ? 0xffffffffffull : member_addr(t, to);
	int tl = snprintf(text, sizeof text, " from %010llx to %010llx", (unsigned long long)src,
	                  (unsigned long long)dst);
	/* Payload length depends on the pair so sizes spread over the range. */
	size_t span = t->max_payload - t->min_payload + 1;
	size_t plen =
	    t->min_payload + ((size_t)round * 7919u + from * 104729u + to * 1299709u) % span;
	if (plen < FIXED + (size_t)tl)
		plen = FIXED + (size_t)tl;
	if (HDR + plen > cap)
		return 0;

	if (to == SIM_BROADCAST)
		memset(buf, 0xff, 6);
	else
		zt_mac_from_address(t->nwid, dst, buf);
	zt_mac_from_address(t->nwid, src, buf + 6);
	put16(buf + 12, 0x0800);
	uint8_t *p = buf + HDR;
	memcpy(p, MAGIC, 6);
	put16(p + 6, round);
	put16(p + 8, from);
	put16(p + 10, to);
	put16(p + 12, try_no);
	put16(p + 14, (unsigned)plen);
	memcpy(p + FIXED, text, (size_t)tl);
	for (size_t k = FIXED + (size_t)tl; k < plen; k++)
		p[k] = (uint8_t)(k * 7 + from * 13 + to * 29 + round * 31 + try_no * 3);
	return HDR + plen;
}

void sim_traffic_send(struct sim_traffic *t, unsigned from, unsigned to)
{
	uint8_t buf[HDR + SIM_FRAME_MAX];
	unsigned try_no = 1;
	if (to != SIM_BROADCAST) {
		size_t k = (size_t)from * t->n + to;
		t->want[k] = 1;
		if (t->tries[k] == 0)
			t->sent_at[k] = t->w->clock.now;
		try_no = ++t->tries[k];
	}
	size_t len = sim_traffic_frame(t, t->round, from, to, try_no, buf, sizeof buf);
	sim_host_send_frame(sim_world_member(t->w, from), t->nwid, buf, len);
}

struct send_ev {
	struct sim_traffic *t;
	unsigned from, to;
};

static void on_send(struct sim_clock *c, void *arg, bool cancelled)
{
	struct send_ev *e = arg;
	(void)c;
	if (!cancelled)
		sim_traffic_send(e->t, e->from, e->to);
	free(e);
}

void sim_traffic_send_at(struct sim_traffic *t, int64_t at, unsigned from, unsigned to)
{
	struct send_ev *e = malloc(sizeof *e);
	if (e == NULL) {
		fprintf(stderr, "sim: out of memory\n");
		abort();
	}
	e->t = t;
	e->from = from;
	e->to = to;
	if (to != SIM_BROADCAST)
		t->want[(size_t)from * t->n + to] = 1; /* pending from now on */
	if (sim_clock_at(&t->w->clock, at, on_send, e) != 0) {
		fprintf(stderr, "sim: out of memory\n");
		abort();
	}
}

static void on_retry(struct sim_clock *c, void *arg, bool cancelled)
{
	struct sim_traffic *t = arg;
	if (cancelled || t->retry_ms <= 0)
		return;
	sim_traffic_collect(t);
	bool more = false;
	for (unsigned i = 0; i < t->n; i++) {
		for (unsigned j = 0; j < t->n; j++) {
			size_t k = (size_t)i * t->n + j;
			if (!t->want[k] || t->got[k] > 0 || t->tries[k] == 0)
				continue; /* not wanted, arrived, or not sent yet */
			if (t->retry_pick != NULL && !t->retry_pick(i, j))
				continue;
			if (t->tries[k] < t->max_tries) {
				sim_traffic_send(t, i, j);
				more = true;
			}
		}
	}
	if (more || sim_traffic_pending(t) > 0)
		sim_clock_at(c, c->now + t->retry_ms, on_retry, t);
	else
		t->retry_ms = 0;
}

void sim_traffic_start_retries(struct sim_traffic *t, int64_t retry_ms, unsigned max_tries)
{
	bool running = t->retry_ms > 0;
	t->retry_ms = retry_ms;
	t->max_tries = max_tries;
	if (!running && retry_ms > 0)
		sim_clock_at(&t->w->clock, t->w->clock.now + retry_ms, on_retry, t);
}

static void problem(struct sim_traffic *t, unsigned at, const char *what, const uint8_t *f,
                    size_t len)
{
	if (t->first_problem[0] != '\0')
		return;
	char hex[33];
	size_t n = len < 16 ? len : 16;
	for (size_t i = 0; i < n; i++)
		snprintf(hex + 2 * i, 3, "%02x", f[i]);
	hex[2 * n] = '\0';
	snprintf(t->first_problem, sizeof t->first_problem,
	         "member %u at t=%lldms got %s frame (len %zu, %s...)", at,
	         (long long)sim_world_elapsed(t->w), what, len, hex);
}

static void examine(struct sim_traffic *t, unsigned j, const struct sim_frame_rec *r)
{
	uint8_t expect[HDR + SIM_FRAME_MAX];
	const uint8_t *f = r->data;
	uint8_t querier[6];
	/* The switch's own IGMP/MLD general queries into the TAP (source:
	 * the MAC of address 0, which no member has) are not traffic. */
	zt_mac_from_address(t->nwid, 0, querier);
	if (r->len >= HDR && memcmp(f + 6, querier, 6) == 0)
		return;
	if (r->nwid != t->nwid || r->len < HDR + FIXED || memcmp(f + HDR, MAGIC, 6) != 0) {
		t->foreign++;
		problem(t, j, "a foreign", f, r->len);
		return;
	}
	unsigned round = get16(f + HDR + 6), from = get16(f + HDR + 8);
	unsigned to = get16(f + HDR + 10), try_no = get16(f + HDR + 12);
	if (from >= t->n || (to >= t->n && to != SIM_BROADCAST)) {
		t->corrupt++;
		problem(t, j, "a corrupt (bad index)", f, r->len);
		return;
	}
	size_t len = sim_traffic_frame(t, round, from, to, try_no, expect, sizeof expect);
	if (len != r->len || memcmp(expect, f, len) != 0) {
		t->corrupt++;
		problem(t, j, "a corrupt", f, r->len);
		return;
	}
	if ((to != SIM_BROADCAST && to != j) || (to == SIM_BROADCAST && from == j)) {
		t->misdelivered++;
		problem(t, j, "a misdelivered", f, r->len);
		return;
	}
	if (round != t->round) {
		t->stale++;
		return;
	}
	if (to == SIM_BROADCAST) {
		t->bcast[j]++;
		return;
	}
	size_t k = (size_t)from * t->n + to;
	if (t->got[k]++ == 0)
		t->got_at[k] = r->at;
}

void sim_traffic_collect(struct sim_traffic *t)
{
	for (unsigned j = 0; j < t->n; j++) {
		struct sim_host *h = sim_world_member(t->w, j);
		for (; t->cursor[j] < h->nframes; t->cursor[j]++)
			examine(t, j, &h->frames[t->cursor[j]]);
	}
}

size_t sim_traffic_pending(struct sim_traffic *t)
{
	sim_traffic_collect(t);
	size_t p = 0, nn = (size_t)t->n * t->n;
	for (size_t k = 0; k < nn; k++)
		if (t->want[k] && t->got[k] == 0)
			p++;
	return p;
}

size_t sim_traffic_duplicates(const struct sim_traffic *t)
{
	size_t d = 0, nn = (size_t)t->n * t->n;
	for (size_t k = 0; k < nn; k++)
		if (t->got[k] > t->tries[k])
			d++;
	return d;
}

size_t sim_traffic_bcast_missing(const struct sim_traffic *t, unsigned from)
{
	size_t m = 0;
	for (unsigned j = 0; j < t->n; j++)
		if (j != from && t->bcast[j] == 0)
			m++;
	return m;
}

int64_t sim_traffic_worst_latency(const struct sim_traffic *t)
{
	int64_t worst = -1;
	size_t nn = (size_t)t->n * t->n;
	for (size_t k = 0; k < nn; k++)
		if (t->want[k] && t->got[k] > 0 && t->got_at[k] - t->sent_at[k] > worst)
			worst = t->got_at[k] - t->sent_at[k];
	return worst;
}

bool sim_traffic_clean(const struct sim_traffic *t)
{
	return t->corrupt == 0 && t->misdelivered == 0 && t->foreign == 0;
}

void sim_traffic_describe_pending(struct sim_traffic *t, char *buf, size_t len, unsigned max)
{
	size_t off = 0;
	unsigned shown = 0;
	if (len == 0)
		return;
	buf[0] = '\0';
	sim_traffic_collect(t);
	for (unsigned i = 0; i < t->n && shown < max; i++) {
		for (unsigned j = 0; j < t->n && shown < max; j++) {
			size_t k = (size_t)i * t->n + j;
			if (!t->want[k] || t->got[k] > 0)
				continue;
			int w = snprintf(buf + off, len - off, "%s%u->%u", shown ? " " : "", i, j);
			if (w < 0 || (size_t)w >= len - off)
				return;
			off += (size_t)w;
			shown++;
		}
	}
}
