/* SPDX-License-Identifier: MIT */
/*
 * rules_index.c - builds the rules index (rules_index.h says what it is):
 * once per change of a network's rules, never per frame.
 */
#include "rules_index.h"

#include <string.h>

/* Which bits of a packed key (rules_index.h) each field takes. */
static const uint64_t key_masks[DIMS] = {0xffffULL, 0x1ffULL << KEY_SHIFT_PROTO,
                                         0x1ffffULL << KEY_SHIFT_SPORT,
                                         0x1ffffULL << KEY_SHIFT_DPORT};

/* A writer that counts the bytes first (buf NULL), then fills them. */
struct w {
	uint8_t *buf;
	size_t cap, off;
};

static uint32_t w_take(struct w *w, size_t n, size_t align)
{
	size_t at = (w->off + align - 1) & ~(align - 1);
	w->off = at + n;
	return (uint32_t)at;
}

static void *w_at(struct w *w, uint32_t off)
{
	return w->buf != NULL ? w->buf + off : NULL;
}

static int dim_of(unsigned type)
{
	switch (type) {
	case ZT_RULE_ETHERTYPE: return DIM_ETHERTYPE;
	case ZT_RULE_IP_PROTOCOL: return DIM_PROTO;
	case ZT_RULE_SPORT: return DIM_SPORT;
	case ZT_RULE_DPORT: return DIM_DPORT;
	default: return -1;
	}
}

/* Does entry j have effects beyond its answer?  A random match draws a
 * number; a tag match may excuse the next DROP taken (tags_match), which
 * matters only if a DROP follows it in the list. */
static bool has_effects(unsigned type, unsigned j, int last_drop)
{
	if (type == ZT_RULE_RANDOM)
		return true;
	return type >= ZT_RULE_TAGS_DIFFERENCE && type <= ZT_RULE_TAG_RECEIVER &&
	       last_drop > (int)j;
}

/* What guard r says on a frame whose field has value x (as match() and
 * port_match() would, the NOT applied). */
static bool guard_yes(const struct zt_rule *r, int x)
{
	bool inv = (r->t & ZT_RULE_NOT) != 0;

	switch (ZT_RULE_TYPE(r->t)) {
	case ZT_RULE_ETHERTYPE: return x >= 0 && (x == r->v.ethertype) != inv;
	case ZT_RULE_IP_PROTOCOL: return x >= 0 && (x == r->v.ip_protocol) != inv;
	default: /* SPORT, DPORT */
		if (x == V_CANNOT)
			return false;
		if (x == V_NOPORT)
			return inv;
		return (x >= r->v.range[0] && x <= r->v.range[1]) != inv;
	}
}

/* The interval boundaries a guard adds (values where its answer may
 * change), within 1..65535. */
static unsigned guard_bounds(const struct zt_rule *r, uint32_t b[2])
{
	unsigned n = 0;
	uint32_t lo, hi;

	switch (ZT_RULE_TYPE(r->t)) {
	case ZT_RULE_ETHERTYPE: lo = r->v.ethertype, hi = lo + 1u; break;
	case ZT_RULE_IP_PROTOCOL: lo = r->v.ip_protocol, hi = lo + 1u; break;
	default: lo = r->v.range[0], hi = r->v.range[1] + 1u; break;
	}
	if (lo >= 1 && lo <= 65535)
		b[n++] = lo;
	if (hi >= 1 && hi <= 65535)
		b[n++] = hi;
	return n;
}

/* One block: [start, end), and whether it may be passed over. */
struct blk {
	uint16_t start, end;
	bool always;
	bool exact;          /* its guards are all its matches: they hold, it is taken */
	uint16_t gfrom, gto; /* its guards are the guardable entries in [gfrom, gto) */
};

static unsigned blocks_of(const struct zt_rule *rules, unsigned count, struct blk *b)
{
	unsigned n = 0, start = 0;
	int last_drop = -1;

	for (unsigned i = 0; i < count; i++)
		if (ZT_RULE_TYPE(rules[i].t) == ZT_RULE_DROP)
			last_drop = (int)i;
	for (unsigned i = 0; i < count; i++) {
		unsigned type = ZT_RULE_TYPE(rules[i].t);
		unsigned gfrom, gto;
		bool plain = true; /* every match a guardable one */
		if (type > ZT_RULE_ACTION_MAX && i + 1 < count)
			continue;
		/* Guards: after the block's last OR, before its first entry
		 * with effects. */
		gfrom = start;
		gto = i;
		for (unsigned j = start; j < i; j++) {
			if (rules[j].t & ZT_RULE_OR)
				gfrom = j + 1;
			if (dim_of(ZT_RULE_TYPE(rules[j].t)) < 0)
				plain = false;
		}
		for (unsigned j = start; j < i; j++)
			if (has_effects(ZT_RULE_TYPE(rules[j].t), j, last_drop)) {
				gto = j;
				break;
			}
		b[n].start = (uint16_t)start;
		b[n].end = (uint16_t)(i + 1);
		b[n].always = type > ZT_RULE_ACTION_MAX || zt_rules_is_fwd(type);
		b[n].gfrom = (uint16_t)gfrom;
		b[n].gto = (uint16_t)(gto > gfrom ? gto : gfrom);
		b[n].exact = !b[n].always && plain && gfrom == start && gto == i;
		n++;
		start = i + 1;
	}
	return n;
}

/* Insertion sort: at most 2 * ZT_RULES_MAX values, once per config. */
static void sort_u32(uint32_t *v, unsigned n)
{
	for (unsigned i = 1; i < n; i++) {
		uint32_t x = v[i];
		unsigned j = i;
		for (; j > 0 && v[j - 1] > x; j--)
			v[j] = v[j - 1];
		v[j] = x;
	}
}

/* One field's intervals and masks. */
static void build_dim(struct w *w, const struct zt_rule *rules, const struct blk *b,
                      unsigned nblocks, unsigned words, int dim, struct idx_dim *d)
{
	static const int special[2] = {V_CANNOT, V_NOPORT};
	uint32_t bounds[2 * ZT_RULES_MAX];
	unsigned nb = 0, u = 0;
	uint16_t *bo;
	uint64_t *m;

	for (unsigned k = 0; k < nblocks; k++)
		for (unsigned j = b[k].gfrom; j < b[k].gto; j++)
			if (dim_of(ZT_RULE_TYPE(rules[j].t)) == dim)
				nb += guard_bounds(&rules[j], bounds + nb);
	sort_u32(bounds, nb);
	for (unsigned i = 0; i < nb; i++)
		if (u == 0 || bounds[i] != bounds[u - 1])
			bounds[u++] = bounds[i];
	d->nb = (uint16_t)u;
	d->bounds = w_take(w, u * sizeof(uint16_t), sizeof(uint16_t));
	d->masks = w_take(w, (2 + u + 1) * words * sizeof(uint64_t), sizeof(uint64_t));
	bo = w_at(w, d->bounds);
	m = w_at(w, d->masks);
	if (m == NULL)
		return;
	for (unsigned i = 0; i < u; i++)
		bo[i] = (uint16_t)bounds[i];
	memset(m, 0, (2 + u + 1) * words * sizeof(uint64_t));
	for (unsigned v = 0; v < 2 + u + 1; v++) {
		int x = v < 2 ? special[v] : v == 2 ? 0 : (int)bounds[v - 3];
		uint64_t *mv = m + v * words;
		for (unsigned k = 0; k < nblocks; k++) {
			bool pass = true;
			for (unsigned j = b[k].gfrom; j < b[k].gto && pass && !b[k].always; j++)
				if (dim_of(ZT_RULE_TYPE(rules[j].t)) == dim)
					pass = guard_yes(&rules[j], x);
			if (pass)
				mv[k / 64] |= 1ULL << (k % 64);
		}
	}
}

static void build_list(struct w *w, const struct zt_rule *rules, unsigned count, uint32_t at)
{
	struct blk b[ZT_RULES_MAX];
	struct idx_list l;
	unsigned nblocks = count <= ZT_RULES_MAX ? blocks_of(rules, count, b) : 0;
	uint16_t *ends;
	uint64_t *exact;

	memset(&l, 0, sizeof l);
	l.count = (uint16_t)count;
	l.blocks = (uint16_t)nblocks;
	l.words = (uint16_t)((nblocks + 63) / 64);
	for (unsigned k = 0; k < nblocks; k++)
		for (unsigned j = b[k].gfrom; j < b[k].gto; j++) {
			int d = dim_of(ZT_RULE_TYPE(rules[j].t));
			if (d >= 0 && !b[k].always)
				l.dims |= (uint8_t)(1u << d);
		}
	l.ends = w_take(w, nblocks * sizeof(uint16_t), sizeof(uint16_t));
	if ((ends = w_at(w, l.ends)) != NULL)
		for (unsigned k = 0; k < nblocks; k++)
			ends[k] = b[k].end;
	l.exact = w_take(w, l.words * sizeof(uint64_t), sizeof(uint64_t));
	if ((exact = w_at(w, l.exact)) != NULL) {
		memset(exact, 0, l.words * sizeof(uint64_t));
		for (unsigned k = 0; k < nblocks; k++)
			if (b[k].exact)
				exact[k / 64] |= 1ULL << (k % 64);
	}
	for (int d = 0; d < DIMS; d++)
		if (l.dims & (1u << d)) {
			build_dim(w, rules, b, nblocks, l.words, d, &l.dim[d]);
			l.key_mask |= key_masks[d];
		}
	if (w->buf != NULL)
		memcpy(w->buf + at, &l, sizeof l);
}

size_t zt_rules_index_build(const struct zt_rules_list *lists, unsigned n,
                            struct zt_rules_index *idx, size_t cap)
{
	struct w w = {NULL, 0, 0};

	/* Counted, then (if it fits) written. */
	for (int pass = 0; pass < 2; pass++) {
		(void)w_take(&w, sizeof *idx + n * sizeof idx->list[0], 8);
		for (unsigned i = 0; i < n; i++) {
			uint32_t at = w_take(&w, sizeof(struct idx_list), 8);
			if (w.buf != NULL)
				idx->list[i] = at;
			build_list(&w, lists[i].rules, lists[i].count, at);
		}
		if (pass == 1)
			break;
		if (idx == NULL || cap < w.off)
			return w.off;
		w = (struct w){(uint8_t *)idx, cap, 0};
	}
	idx->size = (uint32_t)w.off;
	idx->lists = n;
	return w.off;
}
