/* SPDX-License-Identifier: MIT */
/*
 * scen_nat.c - scenarios with members behind NATs: hole punching through
 * cone NATs (the relay is abandoned for a direct path), keepalives against
 * mapping timeouts, relaying between symmetric NATs, birthday probing
 * between a symmetric and a cone NAT, two members behind one NAT without
 * hairpinning (LAN endpoints), and a NAT that loses its mappings.
 */
#include "scenarios.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hostile.h"
#include "nat.h"
#include "scenlib.h"
#include "util.h"
#include "wire.h"

static struct sim_world *build_natted(struct sim_result *r, const char *name, uint64_t seed,
                                      unsigned members, const struct sim_nat_cfg *nat)
{
	struct sim_link link = {.latency_ms = 5, .jitter_ms = 2};
	struct sim_link lan = {.latency_ms = 1};
	struct sim_world *w = sim_build(r, name, seed, 0, &link);
	if (w == NULL)
		return NULL;
	w->member_link = lan;
	for (unsigned i = 0; i < members; i++) {
		if (sim_world_add_natted_member(w, nat, &link) == NULL) {
			char e[160];
			sim_world_api_errors(w, e, sizeof e);
			sim_fail(r, "adding member %u behind a %s NAT: %s", i,
			         sim_nat_kind_name(nat->kind), e);
			sim_world_free(w);
			return NULL;
		}
	}
	return w;
}

/* Every member behind its own port-restricted cone NAT (60 s mapping
 * timeout): frames flow at once (relayed), then every pair goes direct
 * through punched holes, and stays direct across 3 idle minutes. */
void sim_nat_cone(struct sim_result *r, uint64_t seed)
{
	const unsigned members = 6;
	struct sim_nat_cfg nat = {.kind = SIM_NAT_PORT_RESTRICTED, .timeout_ms = 60000};
	struct sim_traffic t;
	struct sim_world *w = build_natted(r, "sim_nat_cone", seed, members, &nat);
	if (w == NULL)
		return;
	if (sim_traffic_init(&t, w, NWID) != ZT_OK) {
		sim_fail(r, "out of memory");
		sim_world_free(w);
		return;
	}
	if (!sim_settle(r, w, 10000, 2000))
		goto out;
	sim_send_pairs(&t, w->clock.now, 10, NULL);
	if (!sim_wait_pairs(r, &t, 10000, "all pairs behind cone NATs"))
		goto out;
	if (!sim_wait_direct(r, w, NULL, 10000))
		goto out;
	sim_world_run_for(w, 2000);
	if (!sim_check_frames(r, &t, "cone"))
		goto out;
	/* Idle for 3 minutes: keepalives must hold the mappings open. */
	sim_world_run_for(w, 180000);
	sim_traffic_new_round(&t);
	sim_send_pairs(&t, w->clock.now, 10, NULL);
	if (!sim_wait_pairs(r, &t, 10000, "after 3 idle minutes"))
		goto out;
	sim_world_run_for(w, 2000);
	if (!sim_check_frames(r, &t, "after idle") || !sim_check_api(r, w))
		goto out;
	if (!sim_wait_direct(r, w, NULL, 0)) /* they must still be direct */
		goto out;
	sim_show_fabric(w);
out:
	sim_world_free(w);
	sim_traffic_destroy(&t);
}

/* Every member behind a symmetric NAT with random ports: no hole can be
 * predicted, so frames must flow through a root, reliably. */
void sim_nat_symmetric(struct sim_result *r, uint64_t seed)
{
	const unsigned members = 4;
	struct sim_nat_cfg nat = {
	    .kind = SIM_NAT_SYMMETRIC, .timeout_ms = 60000, .random_ports = true};
	struct sim_traffic t;
	struct sim_world *w = build_natted(r, "sim_nat_symmetric", seed, members, &nat);
	if (w == NULL)
		return;
	if (sim_traffic_init(&t, w, NWID) != ZT_OK) {
		sim_fail(r, "out of memory");
		sim_world_free(w);
		return;
	}
	if (!sim_settle(r, w, 10000, 2000))
		goto out;
	sim_send_pairs(&t, w->clock.now, 10, NULL);
	if (!sim_wait_pairs(r, &t, 10000, "all pairs behind symmetric NATs"))
		goto out;
	/* Keep talking for a minute: the relay must keep working. */
	for (int k = 0; k < 6; k++) {
		sim_world_run_for(w, 10000);
		sim_traffic_new_round(&t);
		sim_send_pairs(&t, w->clock.now, 10, NULL);
		if (!sim_wait_pairs(r, &t, 5000, "relayed, later"))
			goto out;
	}
	sim_world_run_for(w, 2000);
	if (!sim_check_frames(r, &t, "symmetric") || !sim_check_api(r, w))
		goto out;
	for (unsigned i = 0; i < members; i++) {
		for (unsigned j = 0; j < members; j++) {
			struct zt_peer_info p;
			if (i == j)
				continue;
			if (!sim_host_peer(sim_world_member(w, i),
			                   sim_host_address(sim_world_member(w, j)), &p) ||
			    p.path == ZT_PATH_NONE) {
				sim_fail(r, "member %u has no path to member %u", i, j);
				sim_show_pair(w, i, j);
				goto out;
			}
		}
	}
	sim_show_fabric(w);
out:
	sim_world_free(w);
	sim_traffic_destroy(&t);
}

/* Run a world with traffic between every pair until all pairs are direct;
 * fails with `what` otherwise. */
static bool pairs_direct(struct sim_result *r, struct sim_world *w, struct sim_traffic *t,
                         int64_t limit_ms, const char *what)
{
	sim_send_pairs(t, w->clock.now, 10, NULL);
	if (!sim_wait_pairs(r, t, 10000, what))
		return false;
	/* Keep the peers active (frames every 2 s) while they punch. */
	for (int64_t waited = 0; waited < limit_ms; waited += 2000) {
		if (sim_wait_direct(r, w, NULL, 0)) {
			r->failed = false; /* a poll, not yet a verdict */
			r->why[0] = '\0';
			return true;
		}
		r->failed = false;
		r->why[0] = '\0';
		sim_traffic_new_round(t);
		sim_send_pairs(t, w->clock.now, 10, NULL);
		sim_world_run_for(w, 2000);
	}
	return sim_wait_direct(r, w, NULL, 0);
}

/* A member behind a symmetric NAT with random ports and one behind a
 * port-restricted cone: ordinary punching cannot work, birthday probing
 * (256 sockets on the symmetric side, up to 2048 probes from the cone
 * side) must find a direct path, and it must be bounded. */
void sim_nat_birthday(struct sim_result *r, uint64_t seed)
{
	struct sim_nat_cfg sym = {
	    .kind = SIM_NAT_SYMMETRIC, .timeout_ms = 60000, .random_ports = true};
	struct sim_nat_cfg cone = {.kind = SIM_NAT_PORT_RESTRICTED, .timeout_ms = 60000};
	struct sim_link link = {.latency_ms = 5, .jitter_ms = 2};
	struct sim_traffic t;
	struct sim_world *w = sim_build(r, "sim_nat_birthday", seed, 0, &link);
	if (w == NULL)
		return;
	w->member_link = (struct sim_link){.latency_ms = 1};
	if (sim_world_add_natted_member(w, &sym, &link) == NULL ||
	    sim_world_add_natted_member(w, &cone, &link) == NULL) {
		sim_fail(r, "adding the members");
		sim_world_free(w);
		return;
	}
	if (sim_traffic_init(&t, w, NWID) != ZT_OK) {
		sim_fail(r, "out of memory");
		sim_world_free(w);
		return;
	}
	if (!sim_settle(r, w, 10000, 2000))
		goto out;
	if (zt_node_nat_type(sim_world_member(w, 0)->node) != ZT_NAT_SYMMETRIC ||
	    zt_node_nat_type(sim_world_member(w, 1)->node) != ZT_NAT_CONE) {
		sim_fail(r, "NAT types: member 0 %s (want SYMMETRIC), member 1 %s (want CONE)",
		         zt_nat_type_name(zt_node_nat_type(sim_world_member(w, 0)->node)),
		         zt_nat_type_name(zt_node_nat_type(sim_world_member(w, 1)->node)));
		goto out;
	}
	if (!pairs_direct(r, w, &t, 30000, "symmetric <-> cone"))
		goto out;
	sim_note(
	    "direct at %.1fs; probes sent: %llu + %llu; extra sockets opened %u, still open %u\n",
	    sim_secs(w->clock.now),
	    (unsigned long long)zt_node_counter(sim_world_member(w, 0)->node, ZT_CTR_PUNCH_PROBES),
	    (unsigned long long)zt_node_counter(sim_world_member(w, 1)->node, ZT_CTR_PUNCH_PROBES),
	    sim_world_member(w, 0)->extra_opened, sim_world_member(w, 0)->extra_open);
	if (sim_world_member(w, 0)->extra_open > 8) {
		sim_fail(r, "%u extra sockets still open after the attempt (at most 8 kept)",
		         sim_world_member(w, 0)->extra_open);
		goto out;
	}
	/* It stays direct for a minute of traffic. */
	for (int k = 0; k < 6; k++) {
		sim_traffic_new_round(&t);
		sim_send_pairs(&t, w->clock.now, 10, NULL);
		if (!sim_wait_pairs(r, &t, 5000, "after going direct"))
			goto out;
		sim_world_run_for(w, 10000);
	}
	if (!sim_wait_direct(r, w, NULL, 0) || !sim_check_frames(r, &t, "birthday") ||
	    !sim_check_api(r, w))
		goto out;
out:
	sim_world_free(w);
	sim_traffic_destroy(&t);
}

/* Two members behind one port-restricted NAT that does not hairpin: the
 * public endpoints cannot reach each other, the LAN endpoints the roots
 * pass on (both were heard from the same public address) must. */
void sim_nat_same_lan(struct sim_result *r, uint64_t seed)
{
	struct sim_nat_cfg cone = {
	    .kind = SIM_NAT_PORT_RESTRICTED, .timeout_ms = 60000, .hairpin = false};
	struct sim_link link = {.latency_ms = 5, .jitter_ms = 2};
	struct zt_endpoint pub = sim_ep4(198, 19, 9, 1, 0);
	struct zt_endpoint a = sim_ep4(10, 0, 0, 2, SIM_PORT), b = sim_ep4(10, 0, 0, 3, SIM_PORT);
	struct sim_traffic t;
	unsigned realm;
	struct sim_world *w = sim_build(r, "sim_nat_same_lan", seed, 0, &link);
	if (w == NULL)
		return;
	w->member_link = (struct sim_link){.latency_ms = 1};
	realm = sim_nat_add(&w->fabric, 0, &pub, &link, &cone, seed);
	if (realm == 0 || sim_world_add_member(w, realm, &a) == NULL ||
	    sim_world_add_member(w, realm, &b) == NULL) {
		sim_fail(r, "adding the NAT and its members");
		sim_world_free(w);
		return;
	}
	if (sim_traffic_init(&t, w, NWID) != ZT_OK) {
		sim_fail(r, "out of memory");
		sim_world_free(w);
		return;
	}
	if (!sim_settle(r, w, 10000, 2000))
		goto out;
	/* direct_ok wants the LAN address for members behind one NAT */
	if (!pairs_direct(r, w, &t, 20000, "behind one NAT"))
		goto out;
	sim_note("direct over the LAN at %.1fs\n", sim_secs(w->clock.now));
	sim_world_run_for(w, 2000);
	if (!sim_check_frames(r, &t, "same LAN") || !sim_check_api(r, w))
		goto out;
out:
	sim_world_free(w);
	sim_traffic_destroy(&t);
}

/* Two members behind port-restricted NATs, direct; then one NAT loses all
 * its mappings and hands out new ports (a rebinding).  Frames must flow
 * again within 10 s, on the same session (no new handshake), and the pair
 * must go direct again. */
void sim_nat_rebind(struct sim_result *r, uint64_t seed)
{
	struct sim_nat_cfg cone = {.kind = SIM_NAT_PORT_RESTRICTED, .timeout_ms = 60000};
	struct sim_link link = {.latency_ms = 5, .jitter_ms = 2};
	struct sim_traffic t;
	uint64_t hs0, hs1;
	int64_t t0;
	struct sim_world *w = sim_build(r, "sim_nat_rebind", seed, 0, &link);
	if (w == NULL)
		return;
	w->member_link = (struct sim_link){.latency_ms = 1};
	if (sim_world_add_natted_member(w, &cone, &link) == NULL ||
	    sim_world_add_natted_member(w, &cone, &link) == NULL) {
		sim_fail(r, "adding the members");
		sim_world_free(w);
		return;
	}
	if (sim_traffic_init(&t, w, NWID) != ZT_OK) {
		sim_fail(r, "out of memory");
		sim_world_free(w);
		return;
	}
	if (!sim_settle(r, w, 10000, 2000))
		goto out;
	if (!pairs_direct(r, w, &t, 20000, "before the rebinding"))
		goto out;
	hs0 = zt_node_counter(sim_world_member(w, 0)->node, ZT_CTR_HS_INIT_RX);
	hs1 = zt_node_counter(sim_world_member(w, 1)->node, ZT_CTR_HS_INIT_RX);
	sim_nat_flush(w->fabric.nats[0].state);
	t0 = w->clock.now;
	/* Frames every 200 ms (like a ping) until both directions get
	 * through again. */
	sim_traffic_new_round(&t);
	sim_traffic_start_retries(&t, 200, 60);
	sim_send_pairs(&t, w->clock.now, 10, NULL);
	if (!sim_wait_pairs(r, &t, 12000, "after the rebinding"))
		goto out;
	sim_note("frames flow again %lld ms after the rebinding\n",
	         (long long)(sim_traffic_worst_latency(&t)));
	if (w->clock.now - t0 > 10000) {
		sim_fail(r, "frames flowed again only %lld ms after the rebinding",
		         (long long)(w->clock.now - t0));
		goto out;
	}
	if (zt_node_counter(sim_world_member(w, 0)->node, ZT_CTR_HS_INIT_RX) != hs0 ||
	    zt_node_counter(sim_world_member(w, 1)->node, ZT_CTR_HS_INIT_RX) != hs1) {
		sim_fail(r, "a new handshake was needed after the rebinding");
		goto out;
	}
	if (!pairs_direct(r, w, &t, 20000, "after the rebinding"))
		goto out;
	sim_note("direct again %lld ms after the rebinding\n", (long long)(w->clock.now - t0));
out:
	sim_world_free(w);
	sim_traffic_destroy(&t);
}

/* A member behind a NAT that forgets idle mappings after 10 s (some mobile
 * carriers), far below the 25 s idle keepalive, and one behind an ordinary
 * home NAT (2 minutes).  The first must measure it through a root and
 * shorten its keepalive (not below 5 s), the second must keep 25 s; after
 * two idle minutes the pair is still direct and frames go through at once. */
void sim_nat_short_timeout(struct sim_result *r, uint64_t seed)
{
	struct sim_nat_cfg carrier = {
	    .kind = SIM_NAT_PORT_RESTRICTED, .timeout_ms = 10000, .preserve_ports = true};
	struct sim_nat_cfg home = {
	    .kind = SIM_NAT_PORT_RESTRICTED, .timeout_ms = 120000, .preserve_ports = true};
	struct sim_link link = {.latency_ms = 5, .jitter_ms = 2};
	struct sim_traffic t;
	int64_t k0, k1;
	struct sim_world *w = sim_build(r, "sim_nat_short_timeout", seed, 0, &link);
	if (w == NULL)
		return;
	w->member_link = (struct sim_link){.latency_ms = 1};
	if (sim_world_add_natted_member(w, &carrier, &link) == NULL ||
	    sim_world_add_natted_member(w, &home, &link) == NULL) {
		sim_fail(r, "adding the members");
		sim_world_free(w);
		return;
	}
	if (sim_traffic_init(&t, w, NWID) != ZT_OK) {
		sim_fail(r, "out of memory");
		sim_world_free(w);
		return;
	}
	if (!sim_settle(r, w, 10000, 2000))
		goto out;
	if (!pairs_direct(r, w, &t, 20000, "before idling"))
		goto out;
	sim_world_run_for(w, 120000);
	k0 = zt_node_keepalive(sim_world_member(w, 0)->node);
	k1 = zt_node_keepalive(sim_world_member(w, 1)->node);
	sim_note("keepalive after 2 idle minutes: %lld ms behind the 10 s NAT, %lld ms behind "
	         "the 120 s one\n",
	         (long long)k0, (long long)k1);
	if (k0 >= 10000 || k0 < ZT_KEEPALIVE_MIN || k1 != ZT_ECHO_IDLE) {
		sim_fail(r,
		         "keepalive %lld ms behind the 10 s NAT (want %d..9999), %lld ms behind "
		         "the 120 s one (want %d)",
		         (long long)k0, ZT_KEEPALIVE_MIN, (long long)k1, ZT_ECHO_IDLE);
		goto out;
	}
	if (!sim_wait_direct(r, w, NULL, 0))
		goto out;
	sim_traffic_new_round(&t);
	sim_send_pairs(&t, w->clock.now, 10, NULL);
	if (!sim_wait_pairs(r, &t, 2000, "after idling") || !sim_wait_direct(r, w, NULL, 0) ||
	    !sim_check_api(r, w))
		goto out;
out:
	sim_world_free(w);
	sim_traffic_destroy(&t);
}

/* ---- punching that keeps what it found (issue 12, points 1 and 9) ---- */

/* A tagged test frame from a to b on NWID: "<tag> <seq>". */
static void send_seq(struct sim_host *a, const struct sim_host *b, const char *tag, unsigned seq)
{
	uint8_t f[64];
	memset(f, 0, sizeof f);
	zt_mac_from_address(NWID, sim_host_address(b), f);
	zt_mac_from_address(NWID, sim_host_address(a), f + 6);
	f[12] = 0x08;
	f[13] = 0x00;
	snprintf((char *)f + 14, sizeof f - 14, "%s %u", tag, seq);
	(void)sim_host_send_frame(a, NWID, f, sizeof f);
}

/* Frames with `tag` and a sequence number >= from that h received. */
static unsigned got_seq(const struct sim_host *h, const char *tag, unsigned from)
{
	unsigned n = 0;
	size_t tl = strlen(tag);
	for (size_t k = 0; k < h->nframes; k++) {
		const char *s = (const char *)h->frames[k].data + 14;
		if (h->frames[k].len < 14 + tl + 2 || memcmp(s, tag, tl) != 0 || s[tl] != ' ')
			continue;
		if ((unsigned)strtoul(s + tl + 1, NULL, 10) >= from)
			n++;
	}
	return n;
}

static bool lists_direct(const struct sim_host *a, const struct sim_host *b)
{
	struct zt_peer_info p;
	return sim_host_peer(a, sim_host_address(b), &p) && p.path == ZT_PATH_DIRECT;
}

static uint64_t relayed(const struct sim_world *w)
{
	uint64_t sum = 0;
	for (unsigned i = 0; i < w->nroots; i++)
		sum += zt_node_counter(sim_world_root(w, i)->node, ZT_CTR_RELAYED);
	return sum;
}

#define FORWARD_AT_BIRTHDAY (-2) /* keeps_direct: when a's birthday attempt starts */

/* b's router forwards b's port to it from now on (UPnP-IGD, NAT-PMP), and
 * b reports the mapping as its shell would.  b is the second NAT's. */
static bool forward_port(struct sim_result *r, struct sim_world *w, struct sim_host *b,
                         const char *what)
{
	struct zt_endpoint inside = sim_ep4(10, 0, 0, 2, SIM_PORT), pub;

	if (w->fabric.nnats < 2 ||
	    !sim_nat_forward(w->fabric.nats[1].state, w->clock.now, &inside, &pub) ||
	    zt_node_set_mapped_endpoints(b->node, &pub, 1) != ZT_OK) {
		sim_fail(r, "%s: the port forward", what);
		return false;
	}
	return true;
}

/* One pair, member 0 behind `hard`, member 1 behind `easy`, pinging each
 * other every 100 ms (b's router starts forwarding its port forward_at ms
 * after the first frame, or as a's birthday attempt starts for
 * FORWARD_AT_BIRTHDAY, or never for -1).  Both list DIRECT within 3.5 s of the first frame
 * (a birthday attempt starts while the rendezvous keep coming), and from
 * then on, for 20 s: every frame arrives and no root relays a packet; the
 * socket the path uses stays open.  Returns false (with a reason)
 * otherwise. */
static bool keeps_direct(struct sim_result *r, uint64_t seed, const struct sim_nat_cfg *hard,
                         const struct sim_nat_cfg *easy, int64_t forward_at, const char *what)
{
	struct sim_link link = {.latency_ms = 5, .jitter_ms = 2};
	struct sim_world *w = sim_build(r, "sim_nat_keep", seed, 0, &link);
	struct sim_host *a, *b;
	unsigned seq = 0, first = 0;
	int64_t direct_at = 0, start;
	uint64_t relayed0 = 0, closed0 = 0;
	bool ok = false, forwarded = false;

	if (w == NULL)
		return false;
	w->member_link = (struct sim_link){.latency_ms = 1};
	a = sim_world_add_natted_member(w, hard, &link);
	b = sim_world_add_natted_member(w, easy, &link);
	if (a == NULL || b == NULL) {
		sim_fail(r, "%s: adding the members", what);
		goto out;
	}
	if (!sim_settle(r, w, 10000, 2000))
		goto out;
	start = w->clock.now;
	for (int64_t t = 0; t < 60000; t += 100, seq++) {
		if (forward_at >= 0 && t == forward_at && !forward_port(r, w, b, what))
			goto out;
		send_seq(a, b, "a>b", seq);
		send_seq(b, a, "b>a", seq);
		if (forward_at == FORWARD_AT_BIRTHDAY && !forwarded) {
			/* 1 ms steps, to open the forward while a's first
			 * birthday probes are on their way to it */
			for (int ms = 0; ms < 100; ms++) {
				sim_world_run_for(w, 1);
				if (!forwarded && a->extra_opened > 0) {
					if (!forward_port(r, w, b, what))
						goto out;
					forwarded = true;
				}
			}
		} else {
			sim_world_run_for(w, 100);
		}
		if (direct_at == 0 && lists_direct(a, b) && lists_direct(b, a)) {
			direct_at = w->clock.now;
			first = seq + 1;
			relayed0 = relayed(w);
			closed0 = w->fabric.count[SIM_NO_ROUTE];
		}
		if (direct_at != 0 && w->clock.now - direct_at >= 20000)
			break;
	}
	if (direct_at == 0) {
		sim_fail(r, "%s: the pair never listed DIRECT on both ends", what);
		sim_show_pair(w, 0, 1);
		goto out;
	}
	if (direct_at - start > 3500) {
		sim_fail(r, "%s: DIRECT only %.1f s after the first frame", what,
		         (double)(direct_at - start) / 1000);
		goto out;
	}
	seq++;
	sim_world_run_for(w, 500); /* the last frames land */
	{
		unsigned want = seq - first, ab = got_seq(b, "a>b", first),
		         ba = got_seq(a, "b>a", first);
		uint64_t rel = relayed(w) - relayed0;
		uint64_t closed = w->fabric.count[SIM_NO_ROUTE] - closed0;
		sim_note("%s: DIRECT at %.1fs; then %u/%u and %u/%u frames, %llu packets relayed, "
		         "%llu to a closed socket, extra sockets open %u\n",
		         what, sim_secs(direct_at), ab, want, ba, want, (unsigned long long)rel,
		         (unsigned long long)closed, a->extra_open);
		if (ab != want || ba != want || rel != 0 || closed != 0) {
			sim_fail(r,
			         "%s: after both listed DIRECT, %u of %u frames a->b and %u of %u "
			         "b->a arrived, %llu packets were relayed, %llu went to a socket "
			         "closed while the peer still used it",
			         what, ab, want, ba, want, (unsigned long long)rel,
			         (unsigned long long)closed);
			sim_show_pair(w, 0, 1);
			goto out;
		}
	}
	ok = sim_check_api(r, w);
out:
	sim_world_free(w);
	return ok;
}

/*
 * The NATs of point 9: a symmetric NAT (random or sequential ports) on one
 * side and a full cone, a restricted cone or a port-restricted cone on the
 * other.  Whether ordinary punching or birthday probing finds the path,
 * once both ends list DIRECT no frame is lost and none is relayed: the
 * sockets a chosen path uses are never closed, and a path is used only
 * once packets crossed it both ways.
 */
void sim_nat_keep_direct(struct sim_result *r, uint64_t seed)
{
	static const struct {
		enum sim_nat_kind kind;
		const char *name;
	} easy[] = {
	    {SIM_NAT_FULL_CONE, "full cone"},
	    {SIM_NAT_RESTRICTED, "restricted cone"},
	    {SIM_NAT_PORT_RESTRICTED, "port-restricted cone"},
	};
	for (unsigned e = 0; e < sizeof easy / sizeof easy[0]; e++) {
		for (int random_ports = 1; random_ports >= 0; random_ports--) {
			for (unsigned k = 0; k < 2; k++) {
				struct sim_nat_cfg hard = {.kind = SIM_NAT_SYMMETRIC,
				                           .timeout_ms = 60000,
				                           .random_ports = random_ports};
				struct sim_nat_cfg cone = {.kind = easy[e].kind,
				                           .timeout_ms = 60000};
				char what[96];
				snprintf(what, sizeof what, "%s symmetric <-> %s (run %u)",
				         random_ports ? "random-port" : "sequential-port",
				         easy[e].name, k);
				if (!keeps_direct(r, seed + 7 * e + 3 * (unsigned)random_ports + k,
				                  &hard, &cone, -1, what))
					return;
			}
		}
	}
}

/*
 * The NAT matrix's sym <-> upnp row: a port-restricted cone whose router
 * starts forwarding the member's port (UPnP-IGD) while the pair punches,
 * opposite a random-port symmetric NAT.  The birthday attempt then races
 * the forward: every one of the hard side's 256 probes gets through, and
 * so does its main socket's punching, so each end knows the other at two
 * endpoints (hard side: one remote endpoint heard on two of its sockets).
 * Once both list DIRECT no frame may be lost or relayed: the socket that
 * won the birthday stays open while the peer still sends to it.
 */
void sim_nat_upnp_midway(struct sim_result *r, uint64_t seed)
{
	static const int64_t at[] = {FORWARD_AT_BIRTHDAY, 0, 1000};
	for (unsigned i = 0; i < sizeof at / sizeof at[0]; i++) {
		for (unsigned k = 0; k < 2; k++) {
			struct sim_nat_cfg hard = {
			    .kind = SIM_NAT_SYMMETRIC, .timeout_ms = 60000, .random_ports = true};
			struct sim_nat_cfg cone = {.kind = SIM_NAT_PORT_RESTRICTED,
			                           .timeout_ms = 60000,
			                           .preserve_ports = true};
			char what[96];
			if (at[i] == FORWARD_AT_BIRTHDAY)
				snprintf(what, sizeof what,
				         "symmetric <-> port-restricted cone forwarding its port "
				         "as the birthday starts (run %u)",
				         k);
			else
				snprintf(what, sizeof what,
				         "symmetric <-> port-restricted cone forwarding its port "
				         "after %lld ms (run %u)",
				         (long long)at[i], k);
			if (!keeps_direct(r, seed + 5 * i + k, &hard, &cone, at[i], what))
				return;
		}
	}
}

/* Distinct endpoints host h sent to, other than the roots' and `skip`
 * (family 0: none); at most `cap` are listed in out. */
static unsigned sent_to(const struct sim_world *w, const struct sim_host *h,
                        const struct zt_endpoint *skip, struct zt_endpoint *out, unsigned cap)
{
	unsigned n = 0;
	for (size_t i = 0; i < w->fabric.acct.cap; i++) {
		const struct sim_flow *f = &w->fabric.acct.v[i];
		bool dup = false, root = false;
		if (!f->used || f->src_host != h->index ||
		    (skip->family != 0 && zt_endpoint_eq(&f->to, skip)))
			continue;
		for (unsigned r = 0; r < w->roots.count; r++)
			for (unsigned e = 0; e < w->roots.roots[r].endpoint_count; e++)
				root =
				    root || zt_endpoint_eq(&f->to, &w->roots.roots[r].endpoints[e]);
		for (unsigned k = 0; k < n && k < cap; k++)
			dup = dup || zt_endpoint_eq(&out[k], &f->to);
		if (root || dup)
			continue;
		if (n < cap)
			out[n] = f->to;
		n++;
	}
	return n;
}

static uint64_t bytes_to_ep(const struct sim_world *w, const struct zt_endpoint *to)
{
	struct sim_flow_match m = sim_flow_any();
	m.to = *to;
	return sim_acct_bytes(&w->fabric.acct, &m, NULL);
}

/* Two members talk until both list DIRECT (or limit_ms passes). */
static bool talk_direct(struct sim_world *w, struct sim_host *a, struct sim_host *b,
                        int64_t limit_ms)
{
	for (int64_t t = 0; t < limit_ms; t += 200) {
		send_seq(a, b, "a>b", (unsigned)t);
		send_seq(b, a, "b>a", (unsigned)t);
		sim_world_run_for(w, 200);
		if (lists_direct(a, b) && lists_direct(b, a))
			return true;
	}
	return false;
}

/*
 * The port mappings a node reports in REGISTER reach its peers only if
 * they are on an address the root hears it from: a member that claims a
 * "mapping" at somebody else's address (192.0.2.77) cannot make its
 * peers probe it, while one on its own NAT's public address is passed
 * on and probed.
 */
void sim_nat_mapping_checked(struct sim_result *r, uint64_t seed)
{
	struct sim_nat_cfg cone = {.kind = SIM_NAT_PORT_RESTRICTED, .timeout_ms = 60000};
	struct sim_link link = {.latency_ms = 5, .jitter_ms = 2};
	struct sim_world *w = sim_build(r, "sim_nat_mapping_checked", seed, 0, &link);
	struct sim_host *a, *b;
	struct zt_endpoint maps[2], victim = sim_ep4(192, 0, 2, 77, 4000);
	uint64_t to_victim, to_mapping;

	if (w == NULL)
		return;
	w->member_link = (struct sim_link){.latency_ms = 1};
	a = sim_world_add_natted_member(w, &cone, &link);
	b = sim_world_add_natted_member(w, &cone, &link);
	if (a == NULL || b == NULL) {
		sim_fail(r, "adding the members");
		goto out;
	}
	maps[0] = victim;
	maps[1] = w->fabric.nats[0].pub; /* a's NAT's public address */
	maps[1].port = 5555;
	(void)zt_node_set_mapped_endpoints(a->node, maps, 2);
	if (!sim_settle(r, w, 10000, 2000))
		goto out;
	if (!talk_direct(w, a, b, 20000)) {
		sim_fail(r, "the pair did not go direct");
		sim_show_pair(w, 0, 1);
		goto out;
	}
	sim_world_run_for(w, 10000);
	to_victim = bytes_to_ep(w, &victim);
	to_mapping = bytes_to_ep(w, &maps[1]);
	sim_note("bytes to the claimed foreign mapping %llu, to the mapping on a's own public "
	         "address %llu\n",
	         (unsigned long long)to_victim, (unsigned long long)to_mapping);
	if (to_victim != 0) {
		sim_fail(r,
		         "%llu bytes went to a port mapping on an address its member was never "
		         "heard from",
		         (unsigned long long)to_victim);
		goto out;
	}
	if (to_mapping == 0) {
		sim_fail(r, "the mapping on the member's own public address was never probed");
		goto out;
	}
	(void)sim_check_api(r, w);
out:
	sim_world_free(w);
}

/*
 * A RENDEZVOUS names at most 4 endpoints, and a node probes at most 4 of
 * one: a member behind the same NAT as its peer, with 4 LAN endpoints and
 * 2 port mappings on its public address, gets no more than 4 of its 7
 * endpoints probed.
 */
void sim_nat_rendezvous_four(struct sim_result *r, uint64_t seed)
{
	struct sim_nat_cfg cone = {
	    .kind = SIM_NAT_PORT_RESTRICTED, .timeout_ms = 60000, .hairpin = false};
	struct sim_link link = {.latency_ms = 5, .jitter_ms = 2};
	struct zt_endpoint pub = sim_ep4(198, 19, 9, 1, 0);
	struct zt_endpoint ea = sim_ep4(10, 0, 0, 2, SIM_PORT), eb = sim_ep4(10, 0, 0, 3, SIM_PORT);
	struct zt_endpoint locals[4], maps[2], seen[16], none = {0};
	struct sim_world *w = sim_build(r, "sim_nat_rendezvous_four", seed, 0, &link);
	struct sim_host *a, *b;
	unsigned realm, n;

	if (w == NULL)
		return;
	w->member_link = (struct sim_link){.latency_ms = 1};
	realm = sim_nat_add(&w->fabric, 0, &pub, &link, &cone, seed);
	a = realm != 0 ? sim_world_add_member(w, realm, &ea) : NULL;
	b = realm != 0 ? sim_world_add_member(w, realm, &eb) : NULL;
	if (a == NULL || b == NULL) {
		sim_fail(r, "adding the NAT and its members");
		goto out;
	}
	locals[0] = ea;
	for (unsigned i = 1; i < 4; i++)
		locals[i] = sim_ep4(10, 0, 0, (uint8_t)(50 + i), SIM_PORT);
	maps[0] = pub;
	maps[0].port = 5555;
	maps[1] = pub;
	maps[1].port = 5556;
	(void)zt_node_set_local_endpoints(a->node, locals, 4);
	(void)zt_node_set_mapped_endpoints(a->node, maps, 2);
	if (!sim_settle(r, w, 10000, 2000))
		goto out;
	if (!talk_direct(w, a, b, 20000)) {
		sim_fail(r, "the pair behind one NAT did not go direct");
		sim_show_pair(w, 0, 1);
		goto out;
	}
	sim_world_run_for(w, 5000);
	n = sent_to(w, b, &none, seen, 16);
	sim_note("member b sent to %u endpoints of a (besides the roots)\n", n);
	for (unsigned i = 0; i < n && i < 16; i++) {
		char buf[64];
		struct zt_strbuf sb = {buf, sizeof buf, 0};
		zt_strbuf_ep(&sb, &seen[i]);
		sim_note("  %s\n", buf);
	}
	if (n > 4) {
		sim_fail(r, "member b probed %u endpoints of member a (at most 4)", n);
		goto out;
	}
	(void)sim_check_api(r, w);
out:
	sim_world_free(w);
}

/*
 * A path is used only once packets crossed it both ways.  A stranger with
 * a session sends authenticated ECHOs with hops 0 from a spoofed source (a
 * victim that never sends anything): the member must never list it DIRECT
 * there, and must send the victim no more bytes than came in its name.
 */
void sim_nat_one_way(struct sim_result *r, uint64_t seed)
{
	struct sim_link link = {.latency_ms = 10, .jitter_ms = 2};
	struct sim_world *w = sim_build(r, "sim_nat_one_way", seed, 1, &link);
	struct zt_endpoint victim = sim_ep4(192, 0, 2, 78, 9993),
	                   aep = sim_ep4(198, 51, 100, 70, 4444);
	struct sim_hostile *a = NULL;
	struct sim_host *m;
	struct sim_flow_match in = sim_flow_any();
	uint64_t out_bytes, in_bytes;
	unsigned direct_polls = 0;
	int s;

	if (w == NULL || !sim_settle(r, w, 10000, 2000))
		goto out;
	m = sim_world_member(w, 0);
	a = sim_hostile_new(w, &aep);
	s = a != NULL ? sim_hostile_connect_host(a, 0, m, 0) : -1;
	sim_world_run_for(w, 500);
	if (s < 0 || !a->sess[s].up) {
		sim_fail(r, "the stranger's session with the member did not come up");
		goto out;
	}
	for (int i = 0; i < 100; i++) {
		uint8_t echo[13] = {ZT_MSG_ECHO};
		struct zt_peer_info p;
		zt_put_u32(echo + 1, (uint32_t)i);
		zt_put_u64(echo + 5, (uint64_t)w->clock.now);
		(void)sim_hostile_send_as(a, (unsigned)s, &victim, echo, sizeof echo);
		sim_world_run_for(w, 200);
		if (sim_host_peer(m, sim_hostile_address(a, 0), &p) && p.path == ZT_PATH_DIRECT &&
		    zt_endpoint_eq(&p.endpoint, &victim))
			direct_polls++;
	}
	sim_world_run_for(w, 5000);
	out_bytes = bytes_to_ep(w, &victim);
	in.from = victim;
	in.spoofed = 1;
	in_bytes = sim_acct_bytes(&w->fabric.acct, &in, NULL);
	sim_note("spoofed bytes in the victim's name %llu, bytes to the victim %llu; listed DIRECT "
	         "at the victim in %u of 100 polls\n",
	         (unsigned long long)in_bytes, (unsigned long long)out_bytes, direct_polls);
	if (direct_polls != 0)
		sim_fail(r, "the member listed a path DIRECT that its packets never crossed");
	if (out_bytes > in_bytes)
		sim_fail(r, "%llu bytes went to an endpoint that sent nothing, for %llu spoofed",
		         (unsigned long long)out_bytes, (unsigned long long)in_bytes);
	if (!r->failed)
		(void)sim_check_api(r, w);
out:
	sim_world_free(w);
	sim_hostile_free(a);
}

/* A member behind a NAT measures its mapping timeout through a root
 * (LATER/LATE, silent meanwhile): that silence must not make it give up
 * on UDP and open a TCP connection to the root. */
void sim_nat_probe_no_tcp(struct sim_result *r, uint64_t seed)
{
	struct sim_nat_cfg home = {
	    .kind = SIM_NAT_PORT_RESTRICTED, .timeout_ms = 120000, .preserve_ports = true};
	struct sim_link link = {.latency_ms = 5, .jitter_ms = 2};
	struct sim_world *w = sim_build(r, "sim_nat_probe_no_tcp", seed, 0, &link);
	struct sim_host *m;

	if (w == NULL)
		return;
	m = sim_world_add_natted_member(w, &home, &link);
	if (m == NULL) {
		sim_fail(r, "adding the member");
		goto out;
	}
	if (!sim_settle(r, w, 10000, 0))
		goto out;
	sim_world_run_for(w, 90000);
	sim_note("TCP attempts %u, keepalive %lld ms, online %d\n", m->tcp_opens,
	         (long long)zt_node_keepalive(m->node), (int)zt_node_online(m->node));
	if (m->tcp_opens != 0)
		sim_fail(r, "%u TCP connections to a root tried while UDP worked", m->tcp_opens);
	else if (zt_node_keepalive(m->node) != ZT_ECHO_IDLE)
		sim_fail(r, "keepalive %lld ms behind a NAT that keeps mappings 120 s",
		         (long long)zt_node_keepalive(m->node));
	else
		(void)sim_check_api(r, w);
out:
	sim_world_free(w);
}
