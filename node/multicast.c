/* SPDX-License-Identifier: MIT */
/*
 * multicast.c - subscriptions: the table, the IGMP/MLD/ARP snooper, the
 * general queries, MC_LIKE / MC_UNLIKE, and the choice of who gets a
 * broadcast or multicast frame (doc/PROTOCOL.md "Multicast").
 */
#include <stdlib.h>
#include <string.h>

#include "multicast.h"
#include "node_int.h"
#include "util.h"

/* ---- the table ---- */

void zt_mc_init(struct zt_mctable *t, size_t max)
{
	memset(t, 0, sizeof *t);
	t->max = max;
}

void zt_mc_free(struct zt_mctable *t)
{
	free(t->v);
	t->v = NULL;
	t->n = t->cap = 0;
}

static int cmp_key(const uint8_t mac[6], uint32_t adi, uint64_t address, const struct zt_mcsub *e)
{
	int c = memcmp(mac, e->mac, 6);
	if (c != 0)
		return c;
	if (adi != e->adi)
		return adi < e->adi ? -1 : 1;
	if (address != e->address)
		return address < e->address ? -1 : 1;
	return 0;
}

/* First index whose key is >= (mac, adi, address). */
static size_t lower_bound(const struct zt_mctable *t, const uint8_t mac[6], uint32_t adi,
                          uint64_t address)
{
	size_t lo = 0, hi = t->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (cmp_key(mac, adi, address, &t->v[mid]) > 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

int zt_mc_add(struct zt_mctable *t, const uint8_t mac[6], uint32_t adi, uint64_t address,
              int64_t expires)
{
	size_t i = lower_bound(t, mac, adi, address);

	if (i < t->n && cmp_key(mac, adi, address, &t->v[i]) == 0) {
		if (expires > t->v[i].expires)
			t->v[i].expires = expires;
		return 0;
	}
	if (t->n >= t->max)
		return ZT_EFULL;
	if (t->n == t->cap) {
		size_t nc = t->cap ? t->cap * 2 : 16;
		struct zt_mcsub *v;
		if (nc > t->max)
			nc = t->max;
		v = realloc(t->v, nc * sizeof *v);
		if (v == NULL)
			return ZT_ENOMEM;
		t->v = v;
		t->cap = nc;
	}
	memmove(&t->v[i + 1], &t->v[i], (t->n - i) * sizeof *t->v);
	memcpy(t->v[i].mac, mac, 6);
	t->v[i].adi = adi;
	t->v[i].address = address;
	t->v[i].expires = expires;
	t->n++;
	return 1;
}

bool zt_mc_remove(struct zt_mctable *t, const uint8_t mac[6], uint32_t adi, uint64_t address)
{
	size_t i = lower_bound(t, mac, adi, address);

	if (i >= t->n || cmp_key(mac, adi, address, &t->v[i]) != 0)
		return false;
	memmove(&t->v[i], &t->v[i + 1], (t->n - i - 1) * sizeof *t->v);
	t->n--;
	return true;
}

/* Keep the entries for which drop() is false, in order. */
static size_t filter(struct zt_mctable *t, bool (*drop)(const struct zt_mcsub *e, const void *arg),
                     const void *arg)
{
	size_t j = 0, removed;
	for (size_t i = 0; i < t->n; i++)
		if (!drop(&t->v[i], arg))
			t->v[j++] = t->v[i];
	removed = t->n - j;
	t->n = j;
	return removed;
}

static bool drop_member(const struct zt_mcsub *e, const void *arg)
{
	return e->address == *(const uint64_t *)arg;
}

static bool drop_expired(const struct zt_mcsub *e, const void *arg)
{
	return e->expires <= *(const int64_t *)arg;
}

size_t zt_mc_remove_member(struct zt_mctable *t, uint64_t address)
{
	return filter(t, drop_member, &address);
}

size_t zt_mc_count_member(const struct zt_mctable *t, uint64_t address)
{
	size_t c = 0;
	for (size_t i = 0; i < t->n; i++)
		c += t->v[i].address == address;
	return c;
}

size_t zt_mc_expire(struct zt_mctable *t, int64_t now)
{
	return filter(t, drop_expired, &now);
}

size_t zt_mc_find(const struct zt_mctable *t, const uint8_t mac[6], uint32_t adi, size_t *first)
{
	size_t i = lower_bound(t, mac, adi, 0), j = i;
	while (j < t->n && memcmp(t->v[j].mac, mac, 6) == 0 && t->v[j].adi == adi)
		j++;
	*first = i;
	return j - i;
}

bool zt_mc_has(const struct zt_mctable *t, const uint8_t mac[6], uint32_t adi, uint64_t address,
               int64_t now)
{
	size_t i = lower_bound(t, mac, adi, address);
	return i < t->n && cmp_key(mac, adi, address, &t->v[i]) == 0 && t->v[i].expires > now;
}

/* ---- group addresses ---- */

static const uint8_t BCAST[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};

bool zt_mc_is_implicit(const uint8_t mac[6])
{
	static const uint8_t all_hosts[6] = {0x01, 0x00, 0x5e, 0x00, 0x00, 0x01};
	static const uint8_t all_nodes[6] = {0x33, 0x33, 0x00, 0x00, 0x00, 0x01};
	return memcmp(mac, all_hosts, 6) == 0 || memcmp(mac, all_nodes, 6) == 0;
}

bool zt_mc_is_solicited(const uint8_t mac[6])
{
	return mac[0] == 0x33 && mac[1] == 0x33 && mac[2] == 0xff;
}

static void mac_of_ip4(const uint8_t ip[4], uint8_t mac[6])
{
	mac[0] = 0x01;
	mac[1] = 0x00;
	mac[2] = 0x5e;
	mac[3] = ip[1] & 0x7f;
	mac[4] = ip[2];
	mac[5] = ip[3];
}

static void mac_of_ip6(const uint8_t ip[16], uint8_t mac[6])
{
	mac[0] = 0x33;
	mac[1] = 0x33;
	memcpy(mac + 2, ip + 12, 4);
}

/* ---- the snooper ---- */

#define ETH_HDR    14
#define ET_IPV4    0x0800
#define ET_ARP     0x0806
#define ET_IPV6    0x86dd
#define IGMP_V1REP 0x12
#define IGMP_V2REP 0x16
#define IGMP_LEAVE 0x17
#define IGMP_V3REP 0x22
#define MLD_V1REP  131
#define MLD_DONE   132
#define MLD_V2REP  143

static size_t push(struct zt_mc_event *ev, size_t n, size_t cap, bool join, const uint8_t mac[6],
                   uint32_t adi)
{
	if (n >= cap || zt_mc_is_implicit(mac))
		return n;
	ev[n].join = join;
	memcpy(ev[n].mac, mac, 6);
	ev[n].adi = adi;
	return n + 1;
}

/* IGMPv3 / MLDv2 record types: which mean "I listen to this group". */
static int record_state(unsigned type, unsigned nsrc)
{
	switch (type) {
	case 2: /* MODE_IS_EXCLUDE */
	case 4: /* CHANGE_TO_EXCLUDE */ return 1;
	case 1: /* MODE_IS_INCLUDE */
	case 3: /* CHANGE_TO_INCLUDE */ return nsrc > 0 ? 1 : 0;
	case 5: /* ALLOW_NEW_SOURCES */ return nsrc > 0 ? 1 : -1;
	default: return -1; /* BLOCK_OLD_SOURCES, unknown: no change */
	}
}

static size_t snoop_ipv4(const uint8_t *ip, size_t len, struct zt_mc_event *ev, size_t cap,
                         bool *consume)
{
	size_t ihl, tot, n = 0;
	const uint8_t *g;
	uint8_t mac[6];

	if (len < 20 || (ip[0] >> 4) != 4 || ip[9] != 2)
		return 0;
	ihl = (size_t)(ip[0] & 15) * 4;
	tot = zt_get_u16(ip + 2);
	if (ihl < 20 || tot < ihl + 8 || tot > len)
		return 0;
	g = ip + ihl;
	len = tot - ihl;
	switch (g[0]) {
	case IGMP_V1REP:
	case IGMP_V2REP:
	case IGMP_LEAVE:
		*consume = true;
		mac_of_ip4(g + 4, mac);
		if ((g[4] & 0xf0) == 0xe0)
			n = push(ev, n, cap, g[0] != IGMP_LEAVE, mac, 0);
		break;
	case IGMP_V3REP: {
		size_t nrec, off = 8;
		*consume = true;
		nrec = zt_get_u16(g + 6);
		for (size_t r = 0; r < nrec; r++) {
			size_t nsrc, aux, rl;
			int st;
			if (off + 8 > len)
				break;
			nsrc = zt_get_u16(g + off + 2);
			aux = g[off + 1];
			rl = 8 + 4 * nsrc + 4 * aux;
			if (off + rl > len)
				break;
			st = record_state(g[off], (unsigned)nsrc);
			if (st >= 0 && (g[off + 4] & 0xf0) == 0xe0) {
				mac_of_ip4(g + off + 4, mac);
				n = push(ev, n, cap, st == 1, mac, 0);
			}
			off += rl;
		}
		break;
	}
	default: return 0;
	}
	/* The report's source is the host's address: its ARP group. */
	if (n < cap && zt_get_u32(ip + 12) != 0)
		n = push(ev, n, cap, true, BCAST, zt_get_u32(ip + 12));
	return n;
}

static size_t snoop_ipv6(const uint8_t *ip, size_t len, struct zt_mc_event *ev, size_t cap,
                         bool *consume)
{
	size_t off = 40, plen, n = 0;
	unsigned nh;
	const uint8_t *m;
	uint8_t mac[6];

	if (len < 40 || (ip[0] >> 4) != 6)
		return 0;
	plen = zt_get_u16(ip + 4);
	if (40 + plen > len)
		return 0;
	len = 40 + plen;
	nh = ip[6];
	/* MLD comes after a hop-by-hop header (router alert). */
	if (nh == 0) {
		if (off + 8 > len)
			return 0;
		nh = ip[off];
		off += 8 + (size_t)ip[off + 1] * 8;
	}
	if (nh != 58 || off + 8 > len)
		return 0;
	m = ip + off;
	len -= off;
	switch (m[0]) {
	case MLD_V1REP:
	case MLD_DONE:
		if (len < 24)
			return 0;
		*consume = true;
		if (m[8] == 0xff) {
			mac_of_ip6(m + 8, mac);
			n = push(ev, n, cap, m[0] == MLD_V1REP, mac, 0);
		}
		break;
	case MLD_V2REP: {
		size_t nrec = zt_get_u16(m + 6), roff = 8;
		*consume = true;
		for (size_t r = 0; r < nrec; r++) {
			size_t nsrc, aux, rl;
			int st;
			if (roff + 20 > len)
				break;
			nsrc = zt_get_u16(m + roff + 2);
			aux = m[roff + 1];
			rl = 20 + 16 * nsrc + 4 * aux;
			if (roff + rl > len)
				break;
			st = record_state(m[roff], (unsigned)nsrc);
			if (st >= 0 && m[roff + 4] == 0xff) {
				mac_of_ip6(m + roff + 4, mac);
				n = push(ev, n, cap, st == 1, mac, 0);
			}
			roff += rl;
		}
		break;
	}
	default: return 0;
	}
	return n;
}

size_t zt_mc_snoop(const uint8_t *frame, size_t len, struct zt_mc_event *ev, size_t cap,
                   bool *consume)
{
	unsigned et;
	size_t off = ETH_HDR;

	*consume = false;
	if (len < ETH_HDR || cap == 0)
		return 0;
	et = zt_get_u16(frame + 12);
	if (et == 0x8100 && len >= ETH_HDR + 4) { /* tagged: not ours to snoop */
		return 0;
	}
	switch (et) {
	case ET_ARP: {
		const uint8_t *a = frame + off;
		/* Ethernet/IPv4 ARP: sender protocol address at 14. */
		if (len < off + 28 || zt_get_u16(a) != 1 || zt_get_u16(a + 2) != ET_IPV4 ||
		    a[4] != 6 || a[5] != 4 || zt_get_u32(a + 14) == 0)
			return 0;
		return push(ev, 0, cap, true, BCAST, zt_get_u32(a + 14));
	}
	case ET_IPV4: return snoop_ipv4(frame + off, len - off, ev, cap, consume);
	case ET_IPV6: return snoop_ipv6(frame + off, len - off, ev, cap, consume);
	default: return 0;
	}
}

/* ---- general queries ---- */

static uint32_t csum_add(uint32_t s, const uint8_t *p, size_t len)
{
	for (size_t i = 0; i + 1 < len; i += 2)
		s += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (len & 1)
		s += (uint32_t)p[len - 1] << 8;
	return s;
}

static uint16_t csum_fold(uint32_t s)
{
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

size_t zt_mc_igmp_query(const uint8_t src[6], uint8_t *out, size_t cap)
{
	static const uint8_t dst[6] = {0x01, 0x00, 0x5e, 0x00, 0x00, 0x01};
	uint8_t *ip = out + ETH_HDR, *g = ip + 24;
	size_t len = ETH_HDR + 24 + 12;

	if (cap < len)
		return 0;
	memset(out, 0, len);
	memcpy(out, dst, 6);
	memcpy(out + 6, src, 6);
	zt_put_u16(out + 12, ET_IPV4);
	ip[0] = 0x46; /* IPv4, 24-byte header: router alert */
	ip[1] = 0xc0;
	zt_put_u16(ip + 2, 24 + 12);
	ip[8] = 1; /* TTL */
	ip[9] = 2; /* IGMP */
	/* source 0.0.0.0 (a snooping switch's proxy query, RFC 4541) */
	ip[16] = 224;
	ip[19] = 1;
	ip[20] = 0x94;
	ip[21] = 0x04;
	zt_put_u16(ip + 10, csum_fold(csum_add(0, ip, 24)));
	g[0] = 0x11;
	g[1] = 10; /* max response: 1 s */
	g[9] = 2;  /* QRV */
	g[10] = ZT_MC_QUERY_INTERVAL / 1000;
	zt_put_u16(g + 2, csum_fold(csum_add(0, g, 12)));
	return len;
}

size_t zt_mc_mld_query(const uint8_t src[6], uint8_t *out, size_t cap)
{
	static const uint8_t dst[6] = {0x33, 0x33, 0x00, 0x00, 0x00, 0x01};
	uint8_t *ip = out + ETH_HDR, *h = ip + 40, *m = h + 8;
	size_t mlen = 28, len = ETH_HDR + 40 + 8 + mlen;
	uint32_t s;
	uint8_t ph[8];

	if (cap < len)
		return 0;
	memset(out, 0, len);
	memcpy(out, dst, 6);
	memcpy(out + 6, src, 6);
	zt_put_u16(out + 12, ET_IPV6);
	ip[0] = 0x60;
	zt_put_u16(ip + 4, (uint16_t)(8 + mlen));
	ip[6] = 0; /* hop-by-hop */
	ip[7] = 1; /* hop limit */
	/* fe80::/64 with the modified EUI-64 of src: MLD queries must come
	 * from a link-local address. */
	ip[8] = 0xfe;
	ip[9] = 0x80;
	ip[16] = src[0] ^ 2;
	ip[17] = src[1];
	ip[18] = src[2];
	ip[19] = 0xff;
	ip[20] = 0xfe;
	ip[21] = src[3];
	ip[22] = src[4];
	ip[23] = src[5];
	ip[24] = 0xff; /* ff02::1 */
	ip[25] = 0x02;
	ip[39] = 1;
	h[0] = 58;
	h[1] = 0;
	h[2] = 5; /* router alert: MLD */
	h[3] = 2;
	h[6] = 1; /* PadN */
	h[7] = 0;
	m[0] = 130;
	zt_put_u16(m + 4, 1000); /* max response: 1 s */
	m[24] = 2;               /* QRV */
	m[25] = ZT_MC_QUERY_INTERVAL / 1000;
	s = csum_add(0, ip + 8, 32);
	zt_put_u32(ph, (uint32_t)mlen);
	zt_put_u32(ph + 4, 58);
	s = csum_add(s, ph, 8);
	s = csum_add(s, m, mlen);
	zt_put_u16(m + 2, csum_fold(s));
	return len;
}

/* ---- the network side ---- */

void zt_mc_net_init(struct zt_network *net)
{
	zt_mc_init(&net->subs, ZT_MC_MAX_SUBS);
	zt_mc_init(&net->local, ZT_MC_MAX_LOCAL);
	net->multicast_limit = ZT_MC_DEFAULT_LIMIT;
	net->enable_broadcast = true;
}

void zt_mc_net_free(struct zt_network *net)
{
	zt_mc_free(&net->subs);
	zt_mc_free(&net->local);
}

bool zt_bridge_member(const struct zt_network *net, uint64_t address, int64_t now)
{
	for (unsigned i = 0; i < net->bridge_count; i++)
		if (net->bridges[i].address == address &&
		    (net->bridges[i].expires == 0 || net->bridges[i].expires > now))
			return true;
	return false;
}

static void bridge_add(struct zt_network *net, uint64_t address, int64_t expires)
{
	unsigned slot = net->bridge_count;
	for (unsigned i = 0; i < net->bridge_count; i++) {
		if (net->bridges[i].address == address) {
			if (net->bridges[i].expires != 0 && expires > net->bridges[i].expires)
				net->bridges[i].expires = expires;
			return;
		}
		if (net->bridges[i].expires != 0 &&
		    net->bridges[i].expires <= expires - ZT_MC_EXPIRE)
			slot = i; /* an expired one makes room */
	}
	if (slot == net->bridge_count) {
		if (net->bridge_count >= ZT_NET_MAX_BRIDGES)
			return;
		net->bridge_count++;
	}
	net->bridges[slot].address = address;
	net->bridges[slot].expires = expires;
}

static void bridge_drop(struct zt_network *net, uint64_t address)
{
	for (unsigned i = 0; i < net->bridge_count; i++)
		if (net->bridges[i].address == address && net->bridges[i].expires != 0)
			net->bridges[i] = net->bridges[--net->bridge_count];
}

int zt_mc_set_bridges(struct zt_network *net, const uint64_t *addresses, size_t count)
{
	unsigned j = 0;
	if (count > ZT_NET_MAX_BRIDGES)
		return ZT_ERANGE;
	for (size_t i = 0; i < count; i++) {
		net->bridges[j].address = addresses[i];
		net->bridges[j].expires = 0; /* configured: never expires */
		j++;
	}
	net->bridge_count = j;
	return ZT_OK;
}

void zt_mc_apply_conf(struct zt_node *n, int64_t now, struct zt_network *net,
                      const struct zt_netconf *c)
{
	bool was = net->active_bridge;

	net->multicast_limit =
	    c->multicast_limit > ZT_NET_MAX_MEMBERS ? ZT_NET_MAX_MEMBERS : c->multicast_limit;
	net->enable_broadcast = (c->flags & ZT_NETCONF_F_BROADCAST) != 0;
	net->active_bridge = (c->flags & ZT_NETCONF_F_BRIDGE) != 0;
	(void)zt_mc_set_bridges(net, c->bridges, c->bridge_count);
	if (was != net->active_bridge)
		net->mc_like_at = now;
	(void)n;
}

/* Send the groups in g[0..count) as LIKE or UNLIKE to member `to`. */
static void send_groups(struct zt_node *n, int64_t now, struct zt_network *net, uint64_t to,
                        uint8_t type, unsigned flags, const struct zt_mcsub *g, size_t count)
{
	uint8_t msg[12 + ZT_MC_PER_MSG * 10];
	struct zt_peer *p = zt_peer_get(n, now, to);
	size_t i = 0;

	if (p == NULL)
		return;
	do {
		size_t k = count - i > ZT_MC_PER_MSG ? ZT_MC_PER_MSG : count - i;
		msg[0] = type;
		zt_put_u64(msg + 1, net->nwid);
		msg[9] = (uint8_t)(flags | (net->active_bridge ? ZT_MC_F_BRIDGE : 0));
		zt_put_u16(msg + 10, (uint16_t)k);
		for (size_t j = 0; j < k; j++) {
			memcpy(msg + 12 + 10 * j, g[i + j].mac, 6);
			zt_put_u32(msg + 12 + 10 * j + 6, g[i + j].adi);
		}
		(void)zt_node_send_msg(n, now, p, msg, 12 + 10 * k);
		flags &= ~(unsigned)ZT_MC_F_FULL; /* only the first replaces */
		i += k;
	} while (i < count);
}

static void send_full(struct zt_node *n, int64_t now, struct zt_network *net, uint64_t to, bool ask)
{
	send_groups(n, now, net, to, ZT_MSG_MC_LIKE, ZT_MC_F_FULL | (ask ? ZT_MC_F_ASK : 0),
	            net->local.v, net->local.n);
}

/* Members with nothing to say say nothing: a member without groups that
 * does not bridge needs no session with everyone. */
static bool have_news(const struct zt_network *net)
{
	return net->local.n > 0 || net->active_bridge;
}

void zt_mc_member_new(struct zt_node *n, int64_t now, struct zt_network *net, uint64_t address)
{
	if (address != n->id.address && net->status == ZT_NET_OK && have_news(net))
		send_full(n, now, net, address, false);
}

/* Tell every member about a change of ours. */
static void send_to_all(struct zt_node *n, int64_t now, struct zt_network *net, uint8_t type,
                        const struct zt_mcsub *g, size_t count)
{
	for (unsigned i = 0; i < net->member_count; i++) {
		uint64_t a = net->members[i].address;
		if (a != n->id.address)
			send_groups(n, now, net, a, type, 0, g, count);
	}
}

bool zt_mc_tap_frame(struct zt_node *n, int64_t now, struct zt_network *net, const uint8_t *frame,
                     size_t len)
{
	struct zt_mc_event ev[ZT_MC_PER_MSG];
	struct zt_mcsub add[ZT_MC_PER_MSG], del[ZT_MC_PER_MSG];
	size_t ne, na = 0, nd = 0;
	bool consume;

	ne = zt_mc_snoop(frame, len, ev, ZT_MC_PER_MSG, &consume);
	for (size_t i = 0; i < ne; i++) {
		struct zt_mcsub *s = ev[i].join ? &add[na] : &del[nd];
		if (ev[i].join) {
			int r = zt_mc_add(&net->local, ev[i].mac, ev[i].adi, 0,
			                  now + ZT_MC_LOCAL_EXPIRE);
			if (r != 1)
				continue; /* refreshed (or full): nothing new to say */
			na++;
		} else {
			if (!zt_mc_remove(&net->local, ev[i].mac, ev[i].adi, 0))
				continue;
			nd++;
		}
		memcpy(s->mac, ev[i].mac, 6);
		s->adi = ev[i].adi;
		s->address = 0;
		s->expires = 0;
	}
	if (na > 0)
		send_to_all(n, now, net, ZT_MSG_MC_LIKE, add, na);
	if (nd > 0)
		send_to_all(n, now, net, ZT_MSG_MC_UNLIKE, del, nd);
	return consume;
}

void zt_mc_handle_msg(struct zt_node *n, int64_t now, struct zt_peer *p, const uint8_t *msg,
                      size_t len)
{
	struct zt_network *net;
	size_t count, have;
	unsigned flags;

	if (len < 12) {
		n->counters[ZT_CTR_RX_MALFORMED]++;
		return;
	}
	count = zt_get_u16(msg + 10);
	if (len != 12 + 10 * count || count > ZT_MC_PER_MSG) {
		n->counters[ZT_CTR_RX_MALFORMED]++;
		return;
	}
	net = zt_switch_find(n, zt_get_u64(msg + 1));
	if (net == NULL || net->status != ZT_NET_OK)
		return;
	flags = msg[9];
	if (msg[0] == ZT_MSG_MC_LIKE && (flags & ZT_MC_F_FULL))
		zt_mc_remove_member(&net->subs, p->address);
	/* On ad-hoc networks a member says itself whether it bridges (there
	 * is no controller to ask); on managed ones the config decides. */
	if (zt_nwid_is_adhoc(net->nwid) && msg[0] == ZT_MSG_MC_LIKE) {
		if (flags & ZT_MC_F_BRIDGE)
			bridge_add(net, p->address, now + ZT_MC_EXPIRE);
		else if (flags & ZT_MC_F_FULL)
			bridge_drop(net, p->address);
	}
	have = zt_mc_count_member(&net->subs, p->address);
	for (size_t i = 0; i < count; i++) {
		const uint8_t *e = msg + 12 + 10 * i;
		uint32_t adi = zt_get_u32(e + 6);
		if (msg[0] == ZT_MSG_MC_UNLIKE) {
			(void)zt_mc_remove(&net->subs, e, adi, p->address);
			continue;
		}
		if (!(e[0] & 1)) { /* not a group address */
			n->counters[ZT_CTR_RX_MALFORMED]++;
			continue;
		}
		if (have >= ZT_MC_MAX_PER_MEMBER) {
			n->counters[ZT_CTR_MC_REFUSED]++;
			continue;
		}
		int r = zt_mc_add(&net->subs, e, adi, p->address, now + ZT_MC_EXPIRE);
		if (r == 1)
			have++;
		else if (r < 0)
			n->counters[ZT_CTR_MC_REFUSED]++;
	}
	{
		struct zt_member *m = zt_switch_add_member(net, p->address, now, NULL);
		/* On a private network its groups count only once its
		 * certificate is verified (subscribers() checks): ask for it
		 * now, so that it is there by the time a frame goes out. */
		if (m != NULL && zt_member_needs_com(net) && !zt_member_com_ok(net, m))
			zt_member_show_com(n, now, net, m, p);
	}
	if (msg[0] == ZT_MSG_MC_LIKE && (flags & ZT_MC_F_ASK))
		send_full(n, now, net, p->address, false);
}

/* Add `a` to out[] unless it is there already (k is small). */
static size_t add_unique(uint64_t *out, size_t k, size_t cap, uint64_t a)
{
	for (size_t i = 0; i < k; i++)
		if (out[i] == a)
			return k;
	if (k < cap)
		out[k++] = a;
	return k;
}

static size_t all_members(const struct zt_node *n, const struct zt_network *net, uint64_t *out,
                          size_t cap)
{
	size_t k = 0;
	for (unsigned i = 0; i < net->member_count && k < cap; i++)
		if (net->members[i].address != n->id.address)
			out[k++] = net->members[i].address;
	return k;
}

static size_t bridges(const struct zt_node *n, const struct zt_network *net, int64_t now,
                      uint64_t *out, size_t k, size_t cap)
{
	for (unsigned i = 0; i < net->bridge_count; i++)
		if (net->bridges[i].address != n->id.address &&
		    zt_bridge_member(net, net->bridges[i].address, now))
			k = add_unique(out, k, cap, net->bridges[i].address);
	return k;
}

/* On a private network only members whose certificate we verified get
 * group frames: an outsider's MC_LIKE gets it nothing. */
static bool may_receive(const struct zt_network *net, uint64_t a)
{
	if (!zt_member_needs_com(net))
		return true;
	for (unsigned i = 0; i < net->member_count; i++)
		if (net->members[i].address == a)
			return zt_member_com_ok(net, &net->members[i]);
	return false;
}

/* Subscribers of (mac, adi), at most `limit` of them (in table order, so
 * a stream keeps its receivers). */
static size_t subscribers(const struct zt_node *n, const struct zt_network *net, int64_t now,
                          const uint8_t mac[6], uint32_t adi, size_t limit, uint64_t *out, size_t k,
                          size_t cap)
{
	size_t first, c = zt_mc_find(&net->subs, mac, adi, &first), taken = 0;
	for (size_t i = first; i < first + c && taken < limit; i++) {
		const struct zt_mcsub *e = &net->subs.v[i];
		if (e->expires <= now || e->address == n->id.address ||
		    !may_receive(net, e->address))
			continue;
		k = add_unique(out, k, cap, e->address);
		taken++;
	}
	return k;
}

size_t zt_mc_recipients(struct zt_node *n, int64_t now, struct zt_network *net,
                        const uint8_t *frame, size_t len, uint64_t *out, size_t cap)
{
	const uint8_t *dst = frame;
	unsigned et = zt_get_u16(frame + 12);
	size_t k;

	if (memcmp(dst, BCAST, 6) == 0) {
		if (et == ET_ARP && len >= ETH_HDR + 28 && zt_get_u16(frame + ETH_HDR + 6) == 1) {
			/* ARP request: to the owner of the target address,
			 * not counted as multicast; if nobody claims it,
			 * flood as a broadcast would. */
			k = subscribers(n, net, now, BCAST, zt_get_u32(frame + ETH_HDR + 24), cap,
			                out, 0, cap);
			if (k > 0)
				return k;
			if (!net->enable_broadcast)
				return bridges(n, net, now, out, 0, cap);
			return all_members(n, net, out, cap);
		}
		return net->enable_broadcast ? all_members(n, net, out, cap) : 0;
	}
	if (zt_mc_is_implicit(dst))
		return net->enable_broadcast ? all_members(n, net, out, cap) : 0;
	if (zt_mc_is_solicited(dst)) {
		/* Neighbour solicitation: IPv6's ARP, treated the same. */
		k = subscribers(n, net, now, dst, 0, cap, out, 0, cap);
		if (k > 0)
			return k;
		if (!net->enable_broadcast)
			return bridges(n, net, now, out, 0, cap);
		return all_members(n, net, out, cap);
	}
	k = subscribers(n, net, now, dst, 0, net->multicast_limit, out, 0, cap);
	/* Bridges stand for whole LAN segments: they get every group. */
	return bridges(n, net, now, out, k, cap);
}

bool zt_mc_wanted(const struct zt_network *net, const uint8_t *frame, size_t len, int64_t now)
{
	const uint8_t *dst = frame;

	if (net->active_bridge)
		return true;
	if (memcmp(dst, BCAST, 6) == 0) {
		return net->enable_broadcast ||
		       (len >= ETH_HDR + 28 && zt_get_u16(frame + 12) == ET_ARP);
	}
	if (zt_mc_is_implicit(dst))
		return net->enable_broadcast;
	return zt_mc_has(&net->local, dst, 0, 0, now);
}

void zt_mc_background(struct zt_node *n, int64_t now, struct zt_network *net)
{
	uint8_t q[128];
	size_t ql;

	if (net->status != ZT_NET_OK)
		return;
	(void)zt_mc_expire(&net->subs, now);
	/* Local groups that nobody re-reported: say goodbye to them. */
	for (size_t i = 0; i < net->local.n;) {
		struct zt_mcsub g = net->local.v[i];
		if (g.expires > now) {
			i++;
			continue;
		}
		(void)zt_mc_remove(&net->local, g.mac, g.adi, 0);
		send_to_all(n, now, net, ZT_MSG_MC_UNLIKE, &g, 1);
	}
	if (now >= net->mc_query_at && n->host.frame_out != NULL) {
		uint8_t src[6];
		/* The querier's MAC is the one address 0 would have: no
		 * member has it. */
		zt_mac_from_address(net->nwid, 0, src);
		ql = zt_mc_igmp_query(src, q, sizeof q);
		if (ql > 0)
			n->host.frame_out(n->host.ctx, net->nwid, q, ql);
		ql = zt_mc_mld_query(src, q, sizeof q);
		if (ql > 0)
			n->host.frame_out(n->host.ctx, net->nwid, q, ql);
		/* Query soon after joining (the TAP may not be up at once),
		 * then every interval. */
		net->mc_queries++;
		net->mc_query_at = now + (net->mc_queries < 3 ? 3000 : ZT_MC_QUERY_INTERVAL);
	}
	if (net->mc_like_at == 0)
		net->mc_like_at = now + ZT_MC_LIKE_INTERVAL;
	if (now >= net->mc_like_at && n->online && (have_news(net) || net->was_bridge)) {
		net->was_bridge = net->active_bridge;
		net->mc_like_at = now + ZT_MC_LIKE_INTERVAL;
		for (unsigned i = 0; i < net->member_count; i++)
			if (net->members[i].address != n->id.address &&
			    now - net->members[i].last_seen < ZT_MC_EXPIRE + ZT_NET_MEMBER_EXPIRE)
				send_full(n, now, net, net->members[i].address, false);
	}
}
