/* SPDX-License-Identifier: MIT */
/*
 * scen_eth.c - Ethernet behaviour at scale: multicast subscriptions,
 * the multicast limit, ARP targeting (doc/PROTOCOL.md "Multicast").
 *
 * Hosts "join" groups the way a Linux host does: by writing an IGMP
 * report into their TAP (here: zt_node_process_frame), and announce their
 * IPv4 address with an ARP packet.
 */
#include <stdio.h>
#include <string.h>

#include "scenlib.h"

#define ETH                     14
#define ZT_MC_DEFAULT_LIMIT_SIM 32
#define ZT_PMTU_STEP_SIM        8  /* ZT_PMTU_STEP (wire.h) */
#define ZT_FRAME_OVERHEAD_SIM   49 /* 9 + ZT_DATA_OVERHEAD (wire.h): a FRAME in DATA */

static void put16(uint8_t *p, unsigned v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static uint16_t csum(const uint8_t *p, size_t len)
{
	uint32_t s = 0;
	for (size_t i = 0; i + 1 < len; i += 2)
		s += (uint32_t)(p[i] << 8 | p[i + 1]);
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

static void my_mac(const struct sim_world *w, unsigned i, uint8_t mac[6])
{
	zt_mac_from_address(w->nwid, sim_host_address(sim_world_member(w, i)), mac);
}

static void ip_of(unsigned i, uint8_t ip[4])
{
	ip[0] = 10;
	ip[1] = 0;
	ip[2] = (uint8_t)(i >> 8);
	ip[3] = (uint8_t)(i + 1);
}

/* Member i's host joins 239.1.2.3 (IGMPv2 report). */
static void igmp_join(struct sim_world *w, unsigned i, const uint8_t group[4])
{
	uint8_t f[ETH + 24 + 8];
	uint8_t *ip = f + ETH, *g = ip + 24;
	memset(f, 0, sizeof f);
	f[0] = 0x01;
	f[1] = 0x00;
	f[2] = 0x5e;
	f[3] = group[1] & 0x7f;
	f[4] = group[2];
	f[5] = group[3];
	my_mac(w, i, f + 6);
	put16(f + 12, 0x0800);
	ip[0] = 0x46;
	put16(ip + 2, 32);
	ip[8] = 1;
	ip[9] = 2;
	ip_of(i, ip + 12);
	memcpy(ip + 16, group, 4);
	ip[20] = 0x94;
	ip[21] = 4;
	put16(ip + 10, csum(ip, 24));
	g[0] = 0x16;
	memcpy(g + 4, group, 4);
	put16(g + 2, csum(g, 8));
	(void)sim_host_send_frame(sim_world_member(w, i), w->nwid, f, sizeof f);
}

/* An ARP packet from member i: request (op 1) for `target`, or a
 * gratuitous announcement of its own address (target = own). */
static void arp(struct sim_world *w, unsigned i, unsigned target)
{
	uint8_t f[ETH + 28];
	uint8_t *a = f + ETH;
	memset(f, 0xff, 6);
	my_mac(w, i, f + 6);
	put16(f + 12, 0x0806);
	put16(a, 1);
	put16(a + 2, 0x0800);
	a[4] = 6;
	a[5] = 4;
	put16(a + 6, 1);
	my_mac(w, i, a + 8);
	ip_of(i, a + 14);
	memset(a + 18, 0, 6);
	ip_of(target, a + 24);
	(void)sim_host_send_frame(sim_world_member(w, i), w->nwid, f, sizeof f);
}

/* A multicast frame to 239.1.2.3 carrying `seq`. */
static void mcast(struct sim_world *w, unsigned from, const uint8_t group[4], uint32_t seq)
{
	uint8_t f[ETH + 40];
	memset(f, 0, sizeof f);
	f[0] = 0x01;
	f[1] = 0x00;
	f[2] = 0x5e;
	f[3] = group[1] & 0x7f;
	f[4] = group[2];
	f[5] = group[3];
	my_mac(w, from, f + 6);
	put16(f + 12, 0x0800);
	memcpy(f + ETH, "ZTMCAST!", 8);
	f[ETH + 8] = (uint8_t)(seq >> 24);
	f[ETH + 9] = (uint8_t)(seq >> 16);
	f[ETH + 10] = (uint8_t)(seq >> 8);
	f[ETH + 11] = (uint8_t)seq;
	(void)sim_host_send_frame(sim_world_member(w, from), w->nwid, f, sizeof f);
}

/* Frames member i got: multicast test frames, and ARP requests for
 * `arp_target` (if >= 0). */
struct seen {
	unsigned mcast;
	uint32_t last_seq;
	unsigned arp;
};

static void count(const struct sim_world *w, unsigned i, int arp_target, struct seen *s)
{
	const struct sim_host *h = sim_world_member(w, i);
	uint8_t tip[4];
	memset(s, 0, sizeof *s);
	if (arp_target >= 0)
		ip_of((unsigned)arp_target, tip);
	for (size_t k = 0; k < h->nframes; k++) {
		const uint8_t *f = h->frames[k].data;
		size_t len = h->frames[k].len;
		if (len >= ETH + 12 && memcmp(f + ETH, "ZTMCAST!", 8) == 0) {
			s->mcast++;
			s->last_seq = (uint32_t)f[ETH + 8] << 24 | (uint32_t)f[ETH + 9] << 16 |
			              (uint32_t)f[ETH + 10] << 8 | f[ETH + 11];
		}
		if (arp_target >= 0 && len >= ETH + 28 && f[12] == 0x08 && f[13] == 0x06 &&
		    memcmp(f + ETH + 24, tip, 4) == 0)
			s->arp++;
	}
}

static void clear_all(struct sim_world *w)
{
	for (unsigned i = 0; i < sim_world_members(w); i++)
		sim_host_clear_frames(sim_world_member(w, i));
}

static bool is_sub(unsigned i, const unsigned *subs, unsigned nsubs)
{
	for (unsigned k = 0; k < nsubs; k++)
		if (subs[k] == i)
			return true;
	return false;
}

/* Exactly the subscribers got `want` frames each, nobody else any. */
static bool check_group(struct sim_result *r, struct sim_world *w, const unsigned *subs,
                        unsigned nsubs, unsigned want, const char *what)
{
	unsigned n = sim_world_members(w);
	for (unsigned i = 1; i < n; i++) {
		struct seen s;
		count(w, i, -1, &s);
		unsigned expect = is_sub(i, subs, nsubs) ? want : 0;
		if (s.mcast != expect) {
			sim_fail(r, "%s: member %u got %u multicast frames, expected %u", what, i,
			         s.mcast, expect);
			sim_show_pair(w, 0, i);
			sim_show_counters(sim_world_member(w, 0));
			sim_show_counters(sim_world_member(w, i));
			return false;
		}
	}
	return true;
}

static void set_limit_all(struct sim_world *w, unsigned limit)
{
	for (unsigned i = 0; i < sim_world_members(w); i++) {
		struct sim_host *h = sim_world_member(w, i);
		struct zt_ethernet e;
		(void)zt_node_get_ethernet(h->node, w->nwid, &e);
		e.multicast_limit = limit;
		(void)zt_node_set_ethernet(h->node, h->clock->now, w->nwid, &e);
	}
}

void sim_multicast(struct sim_result *r, uint64_t seed)
{
	const unsigned members = 100;
	const unsigned subs[3] = {5, 42, 97};
	static const uint8_t group[4] = {239, 1, 2, 3};
	struct sim_link link = {.latency_ms = 5, .jitter_ms = 2};
	struct sim_world *w = sim_build(r, "sim_multicast", seed, members, &link);
	unsigned sent = 0;

	if (w == NULL)
		return;
	if (!sim_settle(r, w, 15000, 3000))
		goto out;
	for (unsigned k = 0; k < 3; k++)
		igmp_join(w, subs[k], group);
	sim_world_run_for(w, 3000);
	clear_all(w);

	/* 1. One frame to a group of 3 among 100: exactly those 3. */
	mcast(w, 0, group, sent++);
	sim_world_run_for(w, 3000);
	if (!check_group(r, w, subs, 3, 1, "one frame"))
		goto out;
	sim_note("a frame to a group with 3 subscribers among %u members reached exactly those 3\n",
	         members);
	/* ... and with multicastLimit 2, two of them (the same two for the
	 * next frame: a stream keeps its receivers). */
	set_limit_all(w, 2);
	clear_all(w);
	mcast(w, 0, group, 1000);
	mcast(w, 0, group, 1001);
	sim_world_run_for(w, 2000);
	{
		unsigned got2 = 0, others = 0;
		for (unsigned i = 1; i < members; i++) {
			struct seen s;
			count(w, i, -1, &s);
			if (s.mcast == 2 && is_sub(i, subs, 3))
				got2++;
			else if (s.mcast != 0)
				others++;
		}
		if (got2 != 2 || others != 0) {
			sim_fail(r, "limit 2: %u subscribers got both frames, %u members got some",
			         got2, others);
			goto out;
		}
	}
	set_limit_all(w, ZT_MC_DEFAULT_LIMIT_SIM);
	clear_all(w);
	sent = 0;

	/* 2. Sustained: a frame every 250 ms for 7 virtual minutes, well past
	 * every refresh and expiry timer; nothing stops after a count. */
	for (unsigned k = 0; k < 7 * 60 * 4; k++) {
		if (k % 240 == 239) /* hosts answer the 60 s general query */
			for (unsigned j = 0; j < 3; j++)
				igmp_join(w, subs[j], group);
		mcast(w, 0, group, sent++);
		sim_world_run_for(w, 250);
	}
	sim_world_run_for(w, 2000);
	if (!check_group(r, w, subs, 3, sent, "sustained"))
		goto out;
	sim_note("%u frames over 7 virtual minutes: every subscriber got every one\n", sent);

	/* 3. multicastLimit 0: no multicast, but ARP still finds its
	 * target, and only its target. */
	set_limit_all(w, 0);
	arp(w, 42, 42);             /* member 42's host announces 10.0.0.43 */
	sim_world_run_for(w, 8000); /* (flooded: sessions with all 99 first) */
	clear_all(w);
	mcast(w, 0, group, sent++);
	arp(w, 0, 42);
	sim_world_run_for(w, 2000);
	for (unsigned i = 1; i < members; i++) {
		struct seen s;
		count(w, i, 42, &s);
		if (s.mcast != 0) {
			sim_fail(r, "limit 0: member %u got a multicast frame", i);
			goto out;
		}
		if (s.arp != (i == 42 ? 1u : 0u)) {
			sim_fail(r,
			         "limit 0: member %u got %u ARP requests for member 42's address",
			         i, s.arp);
			goto out;
		}
	}
	sim_note("multicastLimit 0: no multicast delivered; the ARP request reached only its "
	         "target\n");
	/* ... and an ARP for an address nobody announced is broadcast. */
	clear_all(w);
	arp(w, 0, 77);
	sim_world_run_for(w, 2000);
	for (unsigned i = 1; i < members; i++) {
		struct seen s;
		count(w, i, 77, &s);
		if (s.arp != 1) {
			sim_fail(r, "limit 0: an ARP for an unannounced address missed member %u",
			         i);
			goto out;
		}
	}
	sim_note("an ARP request for an unannounced address reached all %u members\n", members - 1);
	if (!sim_check_api(r, w))
		goto out;
out:
	sim_world_free(w);
}

/* ---- sim_pmtu: a member behind a small (black-holing) path ---- */

struct pmtu_ctx {
	int host;     /* fabric index of the member behind the small path */
	size_t limit; /* largest datagram that crosses it (no ICMP) */
	uint64_t dropped;
};

static bool pmtu_filter(void *ctx, const struct sim_dgram *d)
{
	struct pmtu_ctx *c = ctx;
	if ((d->src_host == c->host || d->dst_host == c->host) && d->len > c->limit) {
		c->dropped++;
		return false;
	}
	return true;
}

static bool pmtu_view(struct sim_world *w, unsigned i, unsigned j, struct zt_peer_info *out)
{
	return sim_host_peer(sim_world_member(w, i), sim_host_address(sim_world_member(w, j)), out);
}

/* What member i's core says fits one datagram to member j's MAC. */
static size_t pmtu_frame_max(struct sim_world *w, unsigned i, unsigned j)
{
	uint8_t mac[6];

	zt_mac_from_address(NWID, sim_host_address(sim_world_member(w, j)), mac);
	return zt_node_frame_max(sim_world_member(w, i)->node, w->clock.now, NWID, mac);
}

static bool big_round(struct sim_result *r, struct sim_traffic *t, const char *what)
{
	sim_traffic_new_round(t);
	sim_send_pairs(t, t->w->clock.now, 0, NULL);
	if (!sim_wait_pairs(r, t, 10000, what))
		return false;
	sim_world_run_for(t->w, 1000);
	return sim_check_frames(r, t, what);
}

void sim_pmtu(struct sim_result *r, uint64_t seed)
{
	const unsigned members = 4, small = 3;
	struct sim_link link = {.latency_ms = 5, .jitter_ms = 2};
	struct sim_traffic t;
	struct pmtu_ctx pc;
	struct zt_peer_info pi;
	struct sim_world *w = sim_build(r, "sim_pmtu", seed, members, &link);

	if (w == NULL)
		return;
	if (sim_traffic_init(&t, w, NWID) != ZT_OK) {
		sim_fail(r, "out of memory");
		sim_world_free(w);
		return;
	}
	/* Member 3 sits behind a path that silently drops datagrams over
	 * 1300 bytes (a tunnel, no ICMP). */
	pc.host = sim_world_member(w, small)->index;
	pc.limit = 1300;
	pc.dropped = 0;
	w->filter = pmtu_filter;
	w->filter_ctx = &pc;
	t.min_payload = 1400;
	t.max_payload = 2800;
	if (!sim_settle(r, w, 10000, 2000))
		goto out;
	if (!big_round(r, &t, "big frames, first contact"))
		goto out;
	sim_world_run_for(w, 10000);
	if (!pmtu_view(w, 0, small, &pi) || pi.path != ZT_PATH_DIRECT || pi.path_mtu > 1300 ||
	    pi.path_mtu < 1300 - ZT_PMTU_STEP_SIM) {
		sim_fail(r, "path to the member behind 1300: %s, mtu %u (want 1292..1300)",
		         sim_path_name(pi.path), pi.path_mtu);
		goto out;
	}
	{
		struct zt_peer_info q;
		if (!pmtu_view(w, 0, 1, &q) || q.path_mtu != 1452) {
			sim_fail(r, "a clean path probed to %u, want 1452 (no needless fragments)",
			         q.path_mtu);
			goto out;
		}
	}
	sim_note("probed: %u bytes to the member behind the 1300-byte path, 1452 elsewhere\n",
	         pi.path_mtu);
	/* ztd cuts TCP segments to these: one datagram each on the path. */
	if (pmtu_frame_max(w, 0, small) != pi.path_mtu - ZT_FRAME_OVERHEAD_SIM ||
	    pmtu_frame_max(w, 0, 1) != ZT_FRAME_UNFRAGMENTED) {
		sim_fail(r, "frame_max %zu to the small path (mtu %u), %zu to a clean one",
		         pmtu_frame_max(w, 0, small), pi.path_mtu, pmtu_frame_max(w, 0, 1));
		goto out;
	}
	if (!big_round(r, &t, "big frames, probed paths"))
		goto out;

	/* The path shrinks (a route change): detected and re-probed. */
	pc.limit = 1250;
	sim_world_run_for(w, 45000);
	if (!pmtu_view(w, 0, small, &pi) || pi.path_mtu > 1250) {
		sim_fail(r, "45 s after the path shrank to 1250 the probed mtu is still %u",
		         pi.path_mtu);
		goto out;
	}
	if (pmtu_frame_max(w, 0, small) > 1250 - ZT_FRAME_OVERHEAD_SIM) {
		sim_fail(r, "frame_max %zu after the path shrank to 1250",
		         pmtu_frame_max(w, 0, small));
		goto out;
	}
	if (!big_round(r, &t, "big frames, after the path shrank"))
		goto out;
	sim_note("after the path shrank to 1250: re-probed to %u, frames flow\n", pi.path_mtu);
	if (!sim_check_api(r, w))
		goto out;
	sim_note("datagrams dropped for size by the small path: %llu\n",
	         (unsigned long long)pc.dropped);
out:
	sim_world_free(w);
	sim_traffic_destroy(&t);
}

/*
 * Bridged sites across a restart.  Members 0 and 1 both bridge a LAN.
 * Member 1 restarts (its node is made again: no sessions, no tables) and
 * bridges again at once; member 0's LAN host keeps broadcasting to it.
 * Member 0 knew member 1 all along, so nothing tells the restarted member
 * that member 0 bridges before the 60 s refresh, unless the session's
 * coming up does (MC_LIKE with ASK, doc/PROTOCOL.md "Bridging"): no frame
 * from member 0's LAN may be dropped as forged at member 1, and they flow
 * within a second of the session.
 */
static void lan_frame(struct sim_world *w, unsigned from, const uint8_t src[6], uint32_t seq)
{
	uint8_t f[64];

	memset(f, 0, sizeof f);
	memset(f, 0xff, 6);
	memcpy(f + 6, src, 6);
	put16(f + 12, 0x88b5); /* local experimental ethertype */
	memcpy(f + 14, "lan", 3);
	f[17] = (uint8_t)(seq >> 24);
	f[18] = (uint8_t)(seq >> 16);
	f[19] = (uint8_t)(seq >> 8);
	f[20] = (uint8_t)seq;
	(void)sim_host_send_frame(sim_world_member(w, from), w->nwid, f, sizeof f);
}

/* LAN frames that member i received since record `since`. */
static unsigned lan_seen(const struct sim_world *w, unsigned i, size_t since)
{
	const struct sim_host *h = sim_world_member(w, i);
	unsigned k = 0;

	for (size_t j = since; j < h->nframes; j++)
		if (h->frames[j].len >= 21 && memcmp(h->frames[j].data + 14, "lan", 3) == 0)
			k++;
	return k;
}

static void set_bridge(struct sim_world *w, unsigned i)
{
	struct sim_host *h = sim_world_member(w, i);
	struct zt_ethernet e;

	(void)zt_node_get_ethernet(h->node, w->nwid, &e);
	e.active_bridge = true;
	(void)zt_node_set_ethernet(h->node, h->clock->now, w->nwid, &e);
}

void sim_bridge_restart(struct sim_result *r, uint64_t seed)
{
	static const uint8_t lan_mac[6] = {0x52, 0x54, 0x00, 0x00, 0x01, 0x01};
	struct sim_link link = {.latency_ms = 10, .jitter_ms = 2};
	struct sim_world *w = sim_build(r, "bridge_restart", seed, 2, &link);
	struct zt_endpoint ep1 = sim_ep4(198, 18, 0, 2, SIM_PORT);
	struct sim_host *h1;
	struct zt_peer_info pi;
	uint64_t forged;
	int64_t up_at = -1, first_at = -1, t0;
	size_t since;
	uint32_t seq = 0;

	if (w == NULL || !sim_settle(r, w, 10000, 1000))
		goto out;
	h1 = sim_world_member(w, 1);
	set_bridge(w, 0);
	set_bridge(w, 1);
	sim_world_run_for(w, 2000);
	since = h1->nframes;
	for (int k = 0; k < 10; k++, seq++) {
		lan_frame(w, 0, lan_mac, seq);
		sim_world_run_for(w, 100);
	}
	if (lan_seen(w, 1, since) != 10 || zt_node_counter(h1->node, ZT_CTR_FORGED_SRC_MAC) != 0) {
		sim_fail(r, "before the restart member 1 got %u of 10 LAN frames (forged %llu)",
		         lan_seen(w, 1, since),
		         (unsigned long long)zt_node_counter(h1->node, ZT_CTR_FORGED_SRC_MAC));
		goto out;
	}
	if (sim_host_restart(h1, SIM_SOCK, &ep1, &w->roots) != ZT_OK ||
	    sim_host_join(h1, w->nwid) != ZT_OK) {
		sim_fail(r, "member 1 did not restart");
		goto out;
	}
	set_bridge(w, 1); /* as ztd does from its networks.d */
	since = h1->nframes;
	t0 = sim_world_elapsed(w);
	for (int k = 0; k < 200; k++, seq++) {
		lan_frame(w, 0, lan_mac, seq);
		sim_world_run_for(w, 100);
		if (up_at < 0 && sim_host_peer(h1, sim_host_address(sim_world_member(w, 0)), &pi) &&
		    pi.session)
			up_at = sim_world_elapsed(w) - t0;
		if (first_at < 0 && lan_seen(w, 1, since) > 0)
			first_at = sim_world_elapsed(w) - t0;
	}
	forged = zt_node_counter(h1->node, ZT_CTR_FORGED_SRC_MAC);
	sim_note("after member 1's restart: session up at %lld ms, first LAN frame at %lld ms, "
	         "%u of 200 LAN frames, %llu dropped as forged\n",
	         (long long)up_at, (long long)first_at, lan_seen(w, 1, since),
	         (unsigned long long)forged);
	if (up_at < 0) {
		sim_fail(r, "member 1 has no session with member 0 within 20 s of its restart");
	} else if (forged != 0) {
		sim_fail(
		    r,
		    "%llu frames from member 0's LAN dropped as forged at the restarted member "
		    "(session up at %lld ms): it did not learn at once that member 0 bridges",
		    (unsigned long long)forged, (long long)up_at);
	} else if (first_at < 0 || first_at > up_at + 1000) {
		sim_fail(r, "the first LAN frame arrived at %lld ms, the session was up at %lld ms",
		         (long long)first_at, (long long)up_at);
	}
	(void)sim_check_api(r, w);
out:
	sim_world_free(w);
}

/*
 * A bridged LAN host whose MAC has the first octet of the members' derived
 * MACs (a randomized, locally administered MAC does one time in 64).  Its
 * MAC reverses to an address that is nobody's, so it is a LAN host like
 * any other: member 0 bridges it in, members 1 and 2 get its broadcasts,
 * and member 1's unicast to it reaches member 0's LAN and no one else.
 * Nothing is dropped as forged or as a loop.
 */
void sim_bridge_lan_mac(struct sim_result *r, uint64_t seed)
{
	struct sim_link link = {.latency_ms = 10, .jitter_ms = 2};
	struct sim_world *w = sim_build(r, "bridge_lan_mac", seed, 3, &link);
	uint8_t lan_mac[6] = {0, 0x5a, 0xc3, 0x91, 0x0e, 0x7d}, f[64];
	struct sim_host *h0, *h1, *h2;
	size_t since0, since1, since2;
	unsigned got0 = 0, got2 = 0;
	uint64_t bad = 0;

	if (w == NULL || !sim_settle(r, w, 10000, 1000))
		goto out;
	h0 = sim_world_member(w, 0);
	h1 = sim_world_member(w, 1);
	h2 = sim_world_member(w, 2);
	{
		uint8_t m0[6];
		zt_mac_from_address(w->nwid, sim_host_address(h0), m0);
		lan_mac[0] = m0[0];
	}
	set_bridge(w, 0);
	sim_world_run_for(w, 2000);
	since1 = h1->nframes;
	since2 = h2->nframes;
	for (uint32_t seq = 0; seq < 10; seq++) {
		lan_frame(w, 0, lan_mac, seq);
		sim_world_run_for(w, 100);
	}
	since0 = h0->nframes;
	memset(f, 0, sizeof f);
	memcpy(f, lan_mac, 6);
	zt_mac_from_address(w->nwid, sim_host_address(h1), f + 6);
	put16(f + 12, 0x88b5);
	memcpy(f + 14, "reply", 5);
	(void)sim_host_send_frame(h1, w->nwid, f, sizeof f);
	sim_world_run_for(w, 500);
	for (size_t j = since0; j < h0->nframes; j++)
		got0 += h0->frames[j].len >= 19 && memcmp(h0->frames[j].data + 14, "reply", 5) == 0;
	for (size_t j = since2; j < h2->nframes; j++)
		got2 += h2->frames[j].len >= 19 && memcmp(h2->frames[j].data + 14, "reply", 5) == 0;
	for (unsigned i = 0; i < 3; i++) {
		const struct sim_host *h = sim_world_member(w, i);
		bad += zt_node_counter(h->node, ZT_CTR_FORGED_SRC_MAC) +
		       zt_node_counter(h->node, ZT_CTR_BRIDGE_LOOP);
	}
	sim_note("LAN host %02x:%02x:%02x:%02x:%02x:%02x: member 1 got %u and member 2 %u of 10 "
	         "broadcasts; member 1's unicast reached member 0 %u time(s), member 2 %u; "
	         "forged or loop drops %llu\n",
	         lan_mac[0], lan_mac[1], lan_mac[2], lan_mac[3], lan_mac[4], lan_mac[5],
	         lan_seen(w, 1, since1), lan_seen(w, 2, since2), got0, got2,
	         (unsigned long long)bad);
	if (lan_seen(w, 1, since1) != 10 || lan_seen(w, 2, since2) != 10)
		sim_fail(r, "the LAN host's broadcasts did not all cross the bridge (%u, %u of 10)",
		         lan_seen(w, 1, since1), lan_seen(w, 2, since2));
	else if (got0 != 1 || got2 != 0)
		sim_fail(r,
		         "unicast to the LAN host: member 0 got %u (want 1), member 2 %u (want 0)",
		         got0, got2);
	else if (bad != 0)
		sim_fail(r, "%llu frames dropped as forged or as a loop", (unsigned long long)bad);
	(void)sim_check_api(r, w);
out:
	sim_world_free(w);
}
