/* SPDX-License-Identifier: MIT */
/*
 * scenarios.c - the foundation scenarios: all-pairs delivery, root
 * failover, determinism, loss, direct paths.  Every scenario is honest
 * about the core: it drives the public API only and reports what the nodes
 * saw when something does not arrive.
 */
#include "scenarios.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "traffic.h"
#include "world.h"

/* An ad-hoc network: no controller (zt_nwid_is_adhoc). */
#define NWID UINT64_C(0xff00000000000001)

void sim_fail(struct sim_result *r, const char *fmt, ...)
{
	char buf[sizeof r->why];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	if (!r->failed) {
		r->failed = true;
		snprintf(r->why, sizeof r->why, "%s", buf);
	} else {
		printf("  also: %s\n", buf);
	}
}

/* ---- diagnostics ---- */

static const char *path_name(enum zt_path_kind k)
{
	switch (k) {
	case ZT_PATH_NONE:
		return "none";
	case ZT_PATH_DIRECT:
		return "direct";
	case ZT_PATH_RELAY:
		return "relay";
	}
	return "?";
}

static double secs(int64_t t)
{
	return t == 0 ? -1.0 : (double)(t - SIM_EPOCH) / 1000.0;
}

/* One line: how member `a` sees peer `b`. */
static void show_view(const struct sim_world *w, const char *label, unsigned a, uint64_t b_addr)
{
	struct sim_host *h = sim_world_member(w, a);
	struct zt_peer_info p;
	if (!sim_host_peer(h, b_addr, &p)) {
		printf("    %s: member %u has no peer %010llx\n", label, a,
		       (unsigned long long)b_addr);
		return;
	}
	char ep[64] = "-";
	zt_endpoint_to_text(&p.endpoint, ep, sizeof ep);
	printf("    %s: member %u sees %010llx: path=%s ep=%s via=%010llx session=%d "
	       "direct_paths=%u last_rx=%.3fs last_tx=%.3fs rx=%llu tx=%llu\n",
	       label, a, (unsigned long long)b_addr, path_name(p.path), ep,
	       (unsigned long long)p.via, (int)p.session, p.direct_paths, secs(p.last_rx),
	       secs(p.last_tx), (unsigned long long)p.rx_packets,
	       (unsigned long long)p.tx_packets);
}

static void show_counters(const struct sim_host *h)
{
	char line[512];
	size_t off = 0;
	line[0] = '\0';
	for (int c = 0; c < ZT_CTR_COUNT; c++) {
		uint64_t v = zt_node_counter(h->node, (enum zt_counter)c);
		if (v == 0)
			continue;
		int n = snprintf(line + off, sizeof line - off, " %s=%llu",
				 zt_counter_name((enum zt_counter)c), (unsigned long long)v);
		if (n < 0 || (size_t)n >= sizeof line - off)
			break;
		off += (size_t)n;
	}
	printf("    %s counters:%s\n", h->name, line);
}

static void show_pair(const struct sim_world *w, unsigned i, unsigned j)
{
	show_view(w, "sender", i, sim_host_address(sim_world_member(w, j)));
	show_view(w, "receiver", j, sim_host_address(sim_world_member(w, i)));
}

/* Print the first `max` pending pairs with both ends' view of the other,
 * and the first pair's and the roots' counters. */
static void show_pending(struct sim_traffic *t, unsigned max)
{
	unsigned shown = 0;
	sim_traffic_collect(t);
	for (unsigned i = 0; i < t->n && shown < max; i++) {
		for (unsigned j = 0; j < t->n && shown < max; j++) {
			size_t k = (size_t)i * t->n + j;
			if (!t->want[k] || t->got[k] > 0)
				continue;
			printf("  pending %u->%u (sent %u time(s), first at %.3fs):\n", i, j,
			       t->tries[k], secs(t->sent_at[k]));
			show_pair(t->w, i, j);
			if (shown == 0) {
				show_counters(sim_world_member(t->w, i));
				show_counters(sim_world_member(t->w, j));
			}
			shown++;
		}
	}
	if (shown > 0)
		for (unsigned r = 0; r < t->w->nroots; r++)
			show_counters(sim_world_root(t->w, r));
}

static void show_fabric(const struct sim_world *w)
{
	printf("  fabric:");
	for (int f = 0; f < SIM_FATE_COUNT; f++)
		printf(" %s=%llu", sim_fate_name((enum sim_fate)f),
		       (unsigned long long)w->fabric.count[f]);
	printf("\n");
}

/* ---- building blocks ---- */

static struct sim_world *build(struct sim_result *r, const char *name, uint64_t seed,
			       unsigned members, const struct sim_link *link)
{
	struct sim_world_cfg cfg = {
		.name = name,
		.seed = seed,
		.roots = 2,
		.members = members,
		.root_link = *link,
		.member_link = *link,
		.nwid = NWID,
	};
	struct sim_world *w = NULL;
	char err[160];
	int rc = sim_world_new(&w, &cfg, err, sizeof err);
	if (rc != ZT_OK) {
		sim_fail(r, "building the world: %s", err);
		return NULL;
	}
	return w;
}

static bool check_api(struct sim_result *r, const struct sim_world *w)
{
	char e[160];
	uint64_t n = sim_world_api_errors(w, e, sizeof e);
	if (n > 0) {
		sim_fail(r, "%llu API call(s) failed; first: %s", (unsigned long long)n, e);
		return false;
	}
	return true;
}

struct online_ctx {
	struct sim_world *w;
	unsigned want;
};

static bool all_online(void *ctx)
{
	struct online_ctx *o = ctx;
	return sim_world_online(o->w) >= o->want;
}

/* Run up to `limit_ms` until every member is online, then `rest_ms` more. */
static bool settle(struct sim_result *r, struct sim_world *w, int64_t limit_ms, int64_t rest_ms)
{
	struct online_ctx o = {w, sim_world_members(w)};
	int64_t start = w->clock.now;
	if (!sim_world_run_until(w, limit_ms, all_online, &o)) {
		sim_fail(r, "only %u of %u members online after %lld ms", sim_world_online(w),
			 o.want, (long long)limit_ms);
		for (unsigned i = 0; i < sim_world_members(w); i++) {
			struct sim_host *h = sim_world_member(w, i);
			if (zt_node_online(h->node))
				continue;
			for (unsigned k = 0; k < w->nroots; k++)
				show_view(w, "offline", i, sim_host_address(sim_world_root(w, k)));
			show_counters(h);
			break;
		}
		return false;
	}
	printf("  %u members online after %lld ms\n", o.want, (long long)(w->clock.now - start));
	sim_world_run_for(w, rest_ms);
	return check_api(r, w);
}

/* Run in 50 ms steps until every wanted pair arrived or `limit_ms`. */
static bool deliver_all(struct sim_traffic *t, int64_t limit_ms)
{
	int64_t end = t->w->clock.now + limit_ms;
	while (sim_traffic_pending(t) > 0 && t->w->clock.now < end)
		sim_world_run_for(t->w, 50);
	return sim_traffic_pending(t) == 0;
}

/* The frames' own promises: intact, right member, not duplicated. */
static bool check_frames(struct sim_result *r, struct sim_traffic *t, const char *what)
{
	sim_traffic_collect(t);
	bool ok = true;
	if (!sim_traffic_clean(t)) {
		sim_fail(r, "%s: %llu corrupt, %llu misdelivered, %llu foreign frames; first: %s",
			 what, (unsigned long long)t->corrupt, (unsigned long long)t->misdelivered,
			 (unsigned long long)t->foreign, t->first_problem);
		ok = false;
	}
	size_t dups = sim_traffic_duplicates(t);
	if (dups > 0) {
		for (size_t k = 0; k < (size_t)t->n * t->n; k++) {
			if (t->got[k] > t->tries[k]) {
				printf("  duplicate: %zu->%zu received %u times, sent %u\n",
				       k / t->n, k % t->n, t->got[k], t->tries[k]);
				break;
			}
		}
		sim_fail(r, "%s: %zu pair(s) received more copies than were sent", what, dups);
		ok = false;
	}
	return ok;
}

static bool wait_pairs(struct sim_result *r, struct sim_traffic *t, int64_t limit_ms,
		       const char *what)
{
	int64_t start = t->w->clock.now;
	if (!deliver_all(t, limit_ms)) {
		char list[200];
		size_t pend = sim_traffic_pending(t);
		sim_traffic_describe_pending(t, list, sizeof list, 12);
		sim_fail(r, "%s: %zu frame(s) not delivered within %lld ms: %s", what, pend,
			 (long long)limit_ms, list);
		show_pending(t, 3);
		show_fabric(t->w);
		return false;
	}
	printf("  %s: all delivered %lld ms after the first send (worst frame %lld ms)\n", what,
	       (long long)(t->w->clock.now - start), (long long)sim_traffic_worst_latency(t));
	return true;
}

/* Member i sends to every j (that `pick` allows) at start + i * step. */
static unsigned send_pairs(struct sim_traffic *t, int64_t start, int64_t step,
			   bool (*pick)(unsigned i, unsigned j))
{
	unsigned n = 0;
	for (unsigned i = 0; i < t->n; i++) {
		for (unsigned j = 0; j < t->n; j++) {
			if (i == j || (pick != NULL && !pick(i, j)))
				continue;
			sim_traffic_send_at(t, start + (int64_t)i * step, i, j);
			n++;
		}
	}
	return n;
}

static bool wait_broadcast(struct sim_result *r, struct sim_traffic *t, unsigned from,
			   int64_t limit_ms)
{
	int64_t end = t->w->clock.now + limit_ms;
	do {
		sim_world_run_for(t->w, 50);
		sim_traffic_collect(t);
	} while (sim_traffic_bcast_missing(t, from) > 0 && t->w->clock.now < end);
	size_t missing = sim_traffic_bcast_missing(t, from);
	if (missing > 0) {
		char list[200];
		size_t off = 0;
		list[0] = '\0';
		for (unsigned j = 0; j < t->n && off + 8 < sizeof list; j++)
			if (j != from && t->bcast[j] == 0)
				off += (size_t)snprintf(list + off, sizeof list - off, " %u", j);
		struct zt_network_info ni;
		memset(&ni, 0, sizeof ni);
		zt_node_network(sim_world_member(t->w, from)->node, t->nwid, &ni);
		sim_fail(r, "broadcast from member %u reached %zu of %u members (sender knows "
			    "%u members); missing:%s",
			 from, (size_t)(t->n - 1) - missing, t->n - 1, ni.members_known, list);
		return false;
	}
	for (unsigned j = 0; j < t->n; j++) {
		if (t->bcast[j] > 1) {
			sim_fail(r, "broadcast from member %u arrived %u times at member %u", from,
				 t->bcast[j], j);
			return false;
		}
	}
	printf("  broadcast from member %u reached all %u others\n", from, t->n - 1);
	return true;
}

/* Both ends of i->j see each other on a direct path at the real address. */
static bool check_direct(struct sim_result *r, struct sim_world *w, unsigned i, unsigned j)
{
	for (int side = 0; side < 2; side++) {
		unsigned a = side ? j : i, b = side ? i : j;
		struct sim_host *hb = sim_world_member(w, b);
		struct zt_peer_info p;
		if (!sim_host_peer(sim_world_member(w, a), sim_host_address(hb), &p)) {
			sim_fail(r, "member %u has no peer entry for member %u", a, b);
			return false;
		}
		const struct sim_iface *ifc = sim_fabric_iface(&w->fabric, hb->index, SIM_SOCK);
		if (p.path != ZT_PATH_DIRECT || !zt_endpoint_eq(&p.endpoint, &ifc->ep)) {
			char want[64], got[64];
			zt_endpoint_to_text(&ifc->ep, want, sizeof want);
			zt_endpoint_to_text(&p.endpoint, got, sizeof got);
			sim_fail(r, "at %.3fs member %u sees member %u on path %s at %s (want direct "
				    "at %s)",
				 secs(w->clock.now), a, b, path_name(p.path), got, want);
			show_pair(w, i, j);
			return false;
		}
	}
	return true;
}

/* ---- sim_pairs: 50 members, all 2450 ordered pairs, one broadcast ---- */

void sim_pairs(struct sim_result *r, uint64_t seed)
{
	const unsigned members = 50;
	struct sim_link link = {.latency_ms = 5, .jitter_ms = 2};
	struct sim_traffic t;
	struct sim_world *w = build(r, "sim_pairs", seed, members, &link);
	if (w == NULL)
		return;
	if (sim_traffic_init(&t, w, NWID) != ZT_OK) {
		sim_fail(r, "out of memory");
		sim_world_free(w);
		return;
	}
	if (!settle(r, w, 10000, 2000))
		goto out;
	/* Each member sends its 49 frames in one burst, 10 ms after the
	 * previous member: neighbours' handshakes cross in flight. */
	unsigned n = send_pairs(&t, w->clock.now, 10, NULL);
	if (!wait_pairs(r, &t, 20000, "all pairs"))
		goto out;
	sim_world_run_for(w, 2000); /* late duplicates would show up here */
	if (!check_frames(r, &t, "all pairs"))
		goto out;
	printf("  %u unicast frames each arrived exactly once, intact\n", n);

	sim_traffic_new_round(&t);
	sim_traffic_send_at(&t, w->clock.now, 0, SIM_BROADCAST);
	if (!wait_broadcast(r, &t, 0, 5000))
		goto out;
	if (!check_frames(r, &t, "broadcast") || !check_api(r, w))
		goto out;
	show_fabric(w);
out:
	sim_world_free(w);
	sim_traffic_destroy(&t);
}

/* ---- sim_root_dies: one root goes away while traffic flows ---- */

static bool pick_even(unsigned i, unsigned j)
{
	return (i + j) % 2 == 0;
}

static bool pick_odd(unsigned i, unsigned j)
{
	return (i + j) % 2 == 1;
}

static void on_kill(struct sim_clock *c, void *arg, bool cancelled)
{
	struct sim_host *h = arg;
	if (cancelled)
		return;
	printf("  t=%.3fs: root %s (%010llx) removed; it relayed %llu packets\n",
	       (double)(c->now - SIM_EPOCH) / 1000.0, h->name,
	       (unsigned long long)sim_host_address(h),
	       (unsigned long long)zt_node_counter(h->node, ZT_CTR_RELAYED));
	sim_host_kill(h);
}

static size_t pending_where(struct sim_traffic *t, bool (*pick)(unsigned, unsigned))
{
	size_t p = 0;
	sim_traffic_collect(t);
	for (unsigned i = 0; i < t->n; i++)
		for (unsigned j = 0; j < t->n; j++)
			if (pick(i, j) && t->want[(size_t)i * t->n + j] &&
			    t->got[(size_t)i * t->n + j] == 0)
				p++;
	return p;
}

void sim_root_dies(struct sim_result *r, uint64_t seed)
{
	const unsigned members = 40;
	struct sim_link link = {.latency_ms = 5, .jitter_ms = 2};
	struct sim_traffic t;
	struct sim_world *w = build(r, "sim_root_dies", seed, members, &link);
	if (w == NULL)
		return;
	if (sim_traffic_init(&t, w, NWID) != ZT_OK) {
		sim_fail(r, "out of memory");
		sim_world_free(w);
		return;
	}
	if (!settle(r, w, 10000, 2000))
		goto out;
	/* Round 1: the "even" pairs talk while both roots are up. */
	send_pairs(&t, w->clock.now, 20, pick_even);
	if (!wait_pairs(r, &t, 20000, "before: even pairs"))
		goto out;
	sim_world_run_for(w, 2000);
	if (!check_frames(r, &t, "before"))
		goto out;

	/* Round 2: the even pairs again, spread over 2 s; 1 s in, the root
	 * that relayed most dies; 0.5 s later the "odd" pairs, which never
	 * talked, start too.  Old pairs have direct paths and must not lose a
	 * frame.  New pairs resend every second, as ARP or TCP would, and
	 * must get through within 30 s of the root's death. */
	sim_traffic_new_round(&t);
	struct sim_host *victim = sim_world_root(w, 0);
	for (unsigned k = 1; k < w->nroots; k++) {
		struct sim_host *h = sim_world_root(w, k);
		if (zt_node_counter(h->node, ZT_CTR_RELAYED) >
		    zt_node_counter(victim->node, ZT_CTR_RELAYED))
			victim = h;
	}
	int64_t t1 = w->clock.now, death = t1 + 1000;
	send_pairs(&t, t1, 2000 / members, pick_even);
	sim_clock_at(&w->clock, death, on_kill, victim);
	send_pairs(&t, t1 + 1500, 1000 / members, pick_odd);
	t.retry_pick = pick_odd;
	sim_traffic_start_retries(&t, 1000, 30);
	if (!deliver_all(&t, death + 30000 - t1)) {
		size_t pe = pending_where(&t, pick_even), po = pending_where(&t, pick_odd);
		char list[200];
		sim_traffic_describe_pending(&t, list, sizeof list, 12);
		sim_fail(r, "%zu old-pair frame(s) lost and %zu new pair(s) still not through "
			    "30 s after the root died (resending every second): %s",
			 pe, po, list);
		show_pending(&t, 3);
		show_fabric(w);
		goto out;
	}
	unsigned resends = 0;
	for (unsigned i = 0; i < members; i++)
		for (unsigned j = 0; j < members; j++)
			if (pick_odd(i, j) && t.tries[(size_t)i * members + j] > 1)
				resends++;
	printf("  after the root died: every old-pair frame arrived; all new pairs through "
	       "%.3fs after its death (%u of them needed resends)\n",
	       (double)(w->clock.now - death) / 1000.0, resends);
	sim_world_run_for(w, 2000);
	if (!check_frames(r, &t, "after") || !check_api(r, w))
		goto out;
	if (sim_world_online(w) != members)
		sim_fail(r, "only %u of %u members online with one root left",
			 sim_world_online(w), members);
out:
	sim_world_free(w);
	sim_traffic_destroy(&t);
}

/* ---- sim_deterministic: same seed, same trace ---- */

static bool det_run(struct sim_result *r, uint64_t seed, char hex[SIM_TRACE_HEX],
		    uint64_t *records)
{
	struct sim_link link = {.latency_ms = 5, .jitter_ms = 4, .loss_ppm = 10000};
	struct sim_traffic t;
	struct sim_world *w = build(r, "sim_deterministic", seed, 10, &link);
	if (w == NULL)
		return false;
	if (sim_traffic_init(&t, w, NWID) != ZT_OK) {
		sim_world_free(w);
		sim_fail(r, "out of memory");
		return false;
	}
	sim_world_run_for(w, 5000);
	send_pairs(&t, w->clock.now, 10, NULL);
	sim_world_run_for(w, 10000);
	sim_traffic_send_at(&t, w->clock.now, 3, SIM_BROADCAST);
	sim_world_run_for(w, 15000);
	sim_trace_hex(&w->trace, hex);
	*records = w->trace.records;
	sim_world_free(w);
	sim_traffic_destroy(&t);
	return true;
}

void sim_deterministic(struct sim_result *r, uint64_t seed)
{
	char a[SIM_TRACE_HEX], b[SIM_TRACE_HEX], c[SIM_TRACE_HEX];
	uint64_t ra, rb, rc;
	uint64_t other = seed ^ UINT64_C(0x9e3779b97f4a7c15);
	if (!det_run(r, seed, a, &ra) || !det_run(r, seed, b, &rb) || !det_run(r, other, c, &rc))
		return;
	printf("  seed %llu: trace %s (%llu records)\n", (unsigned long long)seed, a,
	       (unsigned long long)ra);
	printf("  seed %llu: trace %s (%llu records)\n", (unsigned long long)seed, b,
	       (unsigned long long)rb);
	printf("  seed %llu: trace %s (%llu records)\n", (unsigned long long)other, c,
	       (unsigned long long)rc);
	if (strcmp(a, b) != 0)
		sim_fail(r, "two runs with seed %llu gave different traces (%llu vs %llu "
			    "records); diff them with ZT_SIM_TRACE=file ZT_SIM_ONLY=sim_deterministic",
			 (unsigned long long)seed, (unsigned long long)ra, (unsigned long long)rb);
	else if (strcmp(a, c) == 0)
		sim_fail(r, "seeds %llu and %llu gave the same trace", (unsigned long long)seed,
			 (unsigned long long)other);
}

/* ---- sim_loss: 5% loss, jitter and duplication on every link ---- */

void sim_loss(struct sim_result *r, uint64_t seed)
{
	const unsigned members = 10;
	struct sim_link link = {
		.latency_ms = 10, .jitter_ms = 10, .loss_ppm = 50000, .dup_ppm = 10000};
	struct sim_traffic t;
	struct sim_world *w = build(r, "sim_loss", seed, members, &link);
	if (w == NULL)
		return;
	if (sim_traffic_init(&t, w, NWID) != ZT_OK) {
		sim_fail(r, "out of memory");
		sim_world_free(w);
		return;
	}
	if (!settle(r, w, 15000, 2000))
		goto out;
	unsigned n = send_pairs(&t, w->clock.now, 50, NULL);
	sim_traffic_start_retries(&t, 1000, 30);
	if (!wait_pairs(r, &t, 60000, "all pairs under loss"))
		goto out;
	unsigned sends = 0;
	for (size_t k = 0; k < (size_t)t.n * t.n; k++)
		sends += t.tries[k];
	printf("  %u frames needed %u sends\n", n, sends);
	sim_world_run_for(w, 10000);
	if (!check_frames(r, &t, "under loss") || !check_api(r, w))
		goto out;
	for (unsigned i = 0; i < members; i++)
		for (unsigned j = i + 1; j < members; j++)
			if (!check_direct(r, w, i, j))
				goto out;
	printf("  all %u member pairs direct at t=%.3fs\n", members * (members - 1) / 2,
	       secs(w->clock.now));
	show_fabric(w);
out:
	sim_world_free(w);
	sim_traffic_destroy(&t);
}

/* ---- sim_direct: talking members go direct within 10 s ---- */

static bool pick_chords(unsigned i, unsigned j)
{
	const unsigned n = 20;
	return j == (i + 1) % n || j == (i + 3) % n || j == (i + 7) % n;
}

void sim_direct(struct sim_result *r, uint64_t seed)
{
	const unsigned members = 20;
	struct sim_link link = {.latency_ms = 5, .jitter_ms = 2};
	struct sim_traffic t;
	struct sim_world *w = build(r, "sim_direct", seed, members, &link);
	if (w == NULL)
		return;
	if (sim_traffic_init(&t, w, NWID) != ZT_OK) {
		sim_fail(r, "out of memory");
		sim_world_free(w);
		return;
	}
	if (!settle(r, w, 10000, 2000))
		goto out;
	int64_t t0 = w->clock.now;
	send_pairs(&t, t0, 10, pick_chords);
	sim_world_run_for(w, 10000);
	if (sim_traffic_pending(&t) > 0) {
		char list[200];
		sim_traffic_describe_pending(&t, list, sizeof list, 12);
		sim_fail(r, "%zu frame(s) not delivered within 10 s: %s", sim_traffic_pending(&t),
			 list);
		show_pending(&t, 3);
		goto out;
	}
	if (!check_frames(r, &t, "chords") || !check_api(r, w))
		goto out;
	int64_t latest = 0;
	for (unsigned i = 0; i < members; i++) {
		for (unsigned j = 0; j < members; j++) {
			if (!pick_chords(i, j))
				continue;
			if (!check_direct(r, w, i, j))
				goto out;
			struct zt_peer_info p;
			if (sim_host_peer(sim_world_member(w, i),
					  sim_host_address(sim_world_member(w, j)), &p) &&
			    p.path_since > latest)
				latest = p.path_since;
		}
	}
	printf("  every talking pair direct; the last went direct %lld ms after traffic began\n",
	       (long long)(latest - t0));
out:
	sim_world_free(w);
	sim_traffic_destroy(&t);
}
