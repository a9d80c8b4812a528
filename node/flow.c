/* SPDX-License-Identifier: MIT */
/*
 * flow.c - the flow table (see flow.h).
 *
 * A flow is keyed by (family, protocol, addresses, ports) as its first
 * frame went; a frame matches it going that way or back.  The hash is
 * taken over the two ends in a fixed order, so both directions land in
 * one bucket.  Flows are kept in idle order (a doubly linked list through
 * the array): a frame moves its flow to the newest end, and a full table
 * drops the oldest.  Expired flows are not swept: a lookup ignores them
 * and they are reused when found, or when they reach the oldest end.
 */
#include "flow.h"

#include <sodium.h>
#include <string.h>

#include "eth.h"
#include "util.h"

#define P_ICMP4   1
#define P_TCP     6
#define P_UDP     17
#define P_ICMP6   58
#define P_SCTP    132
#define P_UDPLITE 136

#define TCP_FIN 0x01
#define TCP_SYN 0x02
#define TCP_RST 0x04
#define TCP_ACK 0x10

#define MAX_EXT_HDRS 8

struct key {
	uint8_t family, proto;
	uint8_t src[16], dst[16];
	uint16_t sport, dport;
	uint8_t tcp_flags;
};

static bool ports_proto(unsigned p)
{
	return p == P_TCP || p == P_UDP || p == P_SCTP || p == P_UDPLITE;
}

/* The frame's key; false if it is not IP, or its ports cannot be read. */
static bool frame_key(const uint8_t *frame, size_t len, struct key *k)
{
	const uint8_t *p;
	size_t n, l4 = 0;
	uint16_t type;

	memset(k, 0, sizeof *k);
	if (len < ZT_ETH_HLEN)
		return false;
	type = zt_get_u16(frame + ZT_ETH_TYPE);
	p = frame + ZT_ETH_HLEN;
	n = len - ZT_ETH_HLEN;
	if (type == ZT_ETH_P_VLAN) {
		if (len < ZT_ETH_VLAN_HLEN)
			return false;
		type = zt_get_u16(frame + ZT_ETH_HLEN + 2);
		p = frame + ZT_ETH_VLAN_HLEN;
		n = len - ZT_ETH_VLAN_HLEN;
	}
	if (type == ZT_ETH_P_IPV4 && n >= 20 && (p[0] >> 4) == 4) {
		size_t ihl = (size_t)(p[0] & 0xf) * 4;
		/* A later fragment carries no ports: it cannot be told
		 * apart from another flow's. */
		if ((zt_get_u16(p + 6) & 0x1fff) != 0 || ihl < 20 || ihl > n)
			return false;
		k->family = 4;
		k->proto = p[9];
		memcpy(k->src, p + 12, 4);
		memcpy(k->dst, p + 16, 4);
		l4 = ihl;
	} else if (type == ZT_ETH_P_IPV6 && n >= 40 && (p[0] >> 4) == 6) {
		unsigned next = p[6];
		size_t pos = 40;
		int i;
		for (i = 0; i <= MAX_EXT_HDRS; i++) {
			if (next != 0 && next != 43 && next != 60 && next != 135)
				break;
			if (pos + 8 > n)
				return false;
			next = p[pos];
			pos += (size_t)p[pos + 1] * 8 + 8;
		}
		if (i > MAX_EXT_HDRS || next == 44) /* too deep, or a fragment */
			return false;
		k->family = 6;
		k->proto = (uint8_t)next;
		memcpy(k->src, p + 8, 16);
		memcpy(k->dst, p + 24, 16);
		l4 = pos;
	} else {
		return false;
	}
	if (ports_proto(k->proto)) {
		if (l4 + 4 > n)
			return false;
		k->sport = zt_get_u16(p + l4);
		k->dport = zt_get_u16(p + l4 + 2);
		if (k->proto == P_TCP) {
			if (l4 + 14 > n)
				return false;
			k->tcp_flags = p[l4 + 13];
		}
	} else if ((k->family == 4 && k->proto == P_ICMP4) ||
	           (k->family == 6 && k->proto == P_ICMP6)) {
		/* An echo (request or reply) is keyed by its id, the same
		 * both ways; other ICMP messages by the two hosts alone. */
		if (l4 + 8 > n)
			return false;
		if ((k->family == 4 && (p[l4] == 8 || p[l4] == 0)) ||
		    (k->family == 6 && (p[l4] == 128 || p[l4] == 129)))
			k->sport = k->dport = zt_get_u16(p + l4 + 4);
	}
	return true;
}

static size_t ip_len(const struct key *k)
{
	return k->family == 4 ? 4 : 16;
}

/* The ends in a fixed order, so both directions hash alike. */
static unsigned bucket_of(const struct zt_flowtab *t, const struct key *k)
{
	uint8_t b[2 + 2 * (16 + 2)], h[crypto_shorthash_BYTES];
	const uint8_t *x = k->src, *y = k->dst;
	uint16_t xp = k->sport, yp = k->dport;
	int c = memcmp(x, y, 16);

	if (c > 0 || (c == 0 && xp > yp)) {
		x = k->dst;
		y = k->src;
		xp = k->dport;
		yp = k->sport;
	}
	b[0] = k->family;
	b[1] = k->proto;
	memcpy(b + 2, x, 16);
	zt_put_u16(b + 18, xp);
	memcpy(b + 20, y, 16);
	zt_put_u16(b + 36, yp);
	crypto_shorthash(h, b, sizeof b, t->key);
	return (unsigned)(zt_get_u64(h) & (ZT_FLOW_BUCKETS - 1));
}

/* 1: the frame goes as the flow's first did (a -> b), 2: back, 0: not it. */
static int same(const struct zt_flow *f, const struct key *k)
{
	size_t l = ip_len(k);

	if (f->family != k->family || f->proto != k->proto)
		return 0;
	if (f->ap == k->sport && f->bp == k->dport && memcmp(f->a, k->src, l) == 0 &&
	    memcmp(f->b, k->dst, l) == 0)
		return 1;
	if (f->ap == k->dport && f->bp == k->sport && memcmp(f->a, k->dst, l) == 0 &&
	    memcmp(f->b, k->src, l) == 0)
		return 2;
	return 0;
}

/* The flow's index + 1 (0: none, live or not), *dir how the frame goes. */
static unsigned lookup(const struct zt_flowtab *t, const struct key *k, unsigned bucket, int *dir)
{
	for (unsigned i = t->bucket[bucket]; i != 0; i = t->f[i - 1].hnext) {
		int d = same(&t->f[i - 1], k);
		if (d != 0) {
			*dir = d;
			return i;
		}
	}
	return 0;
}

void zt_flow_init(struct zt_flowtab *t, const uint8_t key[16])
{
	memset(t, 0, sizeof *t);
	memcpy(t->key, key, sizeof t->key);
	/* Every entry on the free list, chained through hnext. */
	for (unsigned i = 0; i < ZT_FLOW_MAX; i++)
		t->f[i].hnext = i + 1 < ZT_FLOW_MAX ? (uint16_t)(i + 2) : 0;
	t->free_list = 1;
}

static const struct zt_flow *live(const struct zt_flowtab *t, int64_t now, const struct key *k)
{
	int dir;
	unsigned i = lookup(t, k, bucket_of(t, k), &dir);

	return i != 0 && t->f[i - 1].expires > now ? &t->f[i - 1] : NULL;
}

int zt_flow_established(const struct zt_flowtab *t, int64_t now, const uint8_t *frame, size_t len)
{
	struct key k;

	if (!frame_key(frame, len, &k))
		return -1;
	return t != NULL && live(t, now, &k) != NULL ? 1 : 0;
}

const struct zt_flow *zt_flow_find(const struct zt_flowtab *t, int64_t now, const uint8_t *frame,
                                   size_t len)
{
	struct key k;

	if (t == NULL || !frame_key(frame, len, &k))
		return NULL;
	return live(t, now, &k);
}

/* ---- idle order ---- */

static void unlink_idle(struct zt_flowtab *t, unsigned i)
{
	struct zt_flow *f = &t->f[i - 1];

	if (f->older != 0)
		t->f[f->older - 1].newer = f->newer;
	else
		t->oldest = f->newer;
	if (f->newer != 0)
		t->f[f->newer - 1].older = f->older;
	else
		t->newest = f->older;
	f->older = f->newer = 0;
}

static void push_newest(struct zt_flowtab *t, unsigned i)
{
	struct zt_flow *f = &t->f[i - 1];

	f->older = t->newest;
	f->newer = 0;
	if (t->newest != 0)
		t->f[t->newest - 1].newer = (uint16_t)i;
	else
		t->oldest = (uint16_t)i;
	t->newest = (uint16_t)i;
}

/* Take flow i out of the table, onto the free list. */
static void drop(struct zt_flowtab *t, unsigned i, unsigned bucket)
{
	uint16_t *pp = &t->bucket[bucket];

	while (*pp != 0 && *pp != i)
		pp = &t->f[*pp - 1].hnext;
	if (*pp == i)
		*pp = t->f[i - 1].hnext;
	unlink_idle(t, i);
	t->f[i - 1].hnext = t->free_list;
	t->free_list = (uint16_t)i;
	t->count--;
}

static unsigned flow_bucket(const struct zt_flowtab *t, const struct zt_flow *f)
{
	struct key k;

	memset(&k, 0, sizeof k);
	k.family = f->family;
	k.proto = f->proto;
	memcpy(k.src, f->a, 16);
	memcpy(k.dst, f->b, 16);
	k.sport = f->ap;
	k.dport = f->bp;
	return bucket_of(t, &k);
}

/* ---- states and timeouts ---- */

static void tcp_step(struct zt_flow *f, int dir, uint8_t fl)
{
	if (fl & TCP_RST) {
		f->state = ZT_FLOW_CLOSE;
		return;
	}
	/* A new SYN on a closed flow: the ports are used again. */
	if (f->state == ZT_FLOW_CLOSE && dir == 1 && (fl & (TCP_SYN | TCP_ACK)) == TCP_SYN) {
		f->state = ZT_FLOW_SYN_SENT;
		f->replied = f->fin_a = f->fin_b = false;
		return;
	}
	if (fl & TCP_FIN) {
		if (dir == 1)
			f->fin_a = true;
		else
			f->fin_b = true;
		f->state = f->fin_a && f->fin_b ? ZT_FLOW_CLOSE : ZT_FLOW_FIN_WAIT;
		return;
	}
	switch (f->state) {
	case ZT_FLOW_SYN_SENT:
		if (dir == 2)
			f->state = (fl & TCP_SYN) ? ZT_FLOW_SYN_RECV : ZT_FLOW_ESTABLISHED;
		break;
	case ZT_FLOW_SYN_RECV:
		if (dir == 1 && (fl & (TCP_SYN | TCP_ACK)) == TCP_ACK)
			f->state = ZT_FLOW_ESTABLISHED;
		break;
	default: break;
	}
}

static int64_t timeout(const struct zt_flow *f)
{
	switch (f->proto) {
	case P_TCP:
		switch (f->state) {
		case ZT_FLOW_SYN_SENT: return ZT_FLOW_TCP_SYN_SENT;
		case ZT_FLOW_SYN_RECV: return ZT_FLOW_TCP_SYN_RECV;
		case ZT_FLOW_ESTABLISHED: return ZT_FLOW_TCP_ESTABLISHED;
		case ZT_FLOW_FIN_WAIT: return ZT_FLOW_TCP_FIN_WAIT;
		default: return ZT_FLOW_TCP_CLOSE;
		}
	case P_UDP:
	case P_UDPLITE:
	case P_SCTP: return f->replied ? ZT_FLOW_UDP_REPLIED : ZT_FLOW_UDP;
	case P_ICMP4:
	case P_ICMP6: return ZT_FLOW_ICMP;
	default: return ZT_FLOW_OTHER;
	}
}

void zt_flow_note(struct zt_flowtab *t, int64_t now, const uint8_t *frame, size_t len)
{
	struct key k;
	struct zt_flow *f;
	unsigned b, i;
	int dir = 1;

	if (t == NULL || !frame_key(frame, len, &k))
		return;
	b = bucket_of(t, &k);
	i = lookup(t, &k, b, &dir);
	if (i != 0 && t->f[i - 1].expires <= now) {
		drop(t, i, b); /* expired: this frame starts a new flow */
		t->expired++;
		i = 0;
		dir = 1;
	}
	if (i == 0) {
		if (t->free_list == 0) {
			/* Full: the oldest idle flow gives way. */
			unsigned o = t->oldest;
			if (t->f[o - 1].expires > now)
				t->evicted++;
			else
				t->expired++;
			drop(t, o, flow_bucket(t, &t->f[o - 1]));
		}
		i = t->free_list;
		f = &t->f[i - 1];
		t->free_list = f->hnext;
		memset(f, 0, sizeof *f);
		f->family = k.family;
		f->proto = k.proto;
		memcpy(f->a, k.src, ip_len(&k));
		memcpy(f->b, k.dst, ip_len(&k));
		f->ap = k.sport;
		f->bp = k.dport;
		/* A TCP flow picked up without its SYN starts unanswered
		 * too: it is established once the other side answers. */
		f->state = k.proto == P_TCP ? ZT_FLOW_SYN_SENT : ZT_FLOW_NONE;
		if (k.proto == P_TCP && (k.tcp_flags & TCP_RST))
			f->state = ZT_FLOW_CLOSE;
		f->hnext = t->bucket[b];
		t->bucket[b] = (uint16_t)i;
		t->count++;
		t->inserted++;
	} else {
		f = &t->f[i - 1];
		unlink_idle(t, i);
		if (dir == 2)
			f->replied = true;
		if (f->proto == P_TCP)
			tcp_step(f, dir, k.tcp_flags);
	}
	push_newest(t, i);
	f->expires = now + timeout(f);
}

unsigned zt_flow_expire(struct zt_flowtab *t, int64_t now)
{
	unsigned i, next, k = 0;

	if (t == NULL)
		return 0;
	/* The idle order is not the expiry order (timeouts differ by
	 * protocol and state): every flow is looked at. */
	for (i = t->oldest; i != 0; i = next) {
		next = t->f[i - 1].newer;
		if (t->f[i - 1].expires <= now) {
			drop(t, i, flow_bucket(t, &t->f[i - 1]));
			t->expired++;
			k++;
		}
	}
	return k;
}
