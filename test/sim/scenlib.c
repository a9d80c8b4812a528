/* SPDX-License-Identifier: MIT */
/*
 * scenlib.c - what the scenarios share: building a standard world,
 * settling it, waiting for frames, checking paths, and printing what the
 * nodes saw when something did not arrive.
 */
#include "scenlib.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Where sim_note writes: a buffer per scenario (main.c decides what to
 * show), or stdout. */
static FILE *note_out;
static char *note_buf;
static size_t note_len;

void sim_note_begin(void)
{
	note_buf = NULL;
	note_len = 0;
	note_out = open_memstream(&note_buf, &note_len);
}

char *sim_note_end(void)
{
	if (note_out == NULL)
		return NULL;
	fclose(note_out);
	note_out = NULL;
	return note_buf;
}

void sim_note(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vfprintf(note_out != NULL ? note_out : stdout, fmt, ap);
	va_end(ap);
}

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
		sim_note("also: %s\n", buf);
	}
}

/* ---- diagnostics ---- */

const char *sim_path_name(enum zt_path_kind k)
{
	switch (k) {
	case ZT_PATH_NONE: return "none";
	case ZT_PATH_DIRECT: return "direct";
	case ZT_PATH_RELAY: return "relay";
	}
	return "?";
}

double sim_secs(int64_t t)
{
	return t == 0 ? -1.0 : (double)(t - SIM_EPOCH) / 1000.0;
}

/* One line: how member `a` sees peer `b`. */
void sim_show_view(const struct sim_world *w, const char *label, unsigned a, uint64_t b_addr)
{
	struct sim_host *h = sim_world_member(w, a);
	struct zt_peer_info p;
	if (!sim_host_peer(h, b_addr, &p)) {
		sim_note("  %s: member %u has no peer %010llx\n", label, a,
		         (unsigned long long)b_addr);
		return;
	}
	char ep[64] = "-";
	zt_endpoint_to_text(&p.endpoint, ep, sizeof ep);
	sim_note("  %s: member %u sees %010llx: path=%s ep=%s via=%010llx session=%d "
	         "direct_paths=%u last_rx=%.3fs last_tx=%.3fs rx=%llu tx=%llu\n",
	         label, a, (unsigned long long)b_addr, sim_path_name(p.path), ep,
	         (unsigned long long)p.via, (int)p.session, p.direct_paths, sim_secs(p.last_rx),
	         sim_secs(p.last_tx), (unsigned long long)p.rx_packets,
	         (unsigned long long)p.tx_packets);
}

void sim_show_counters(const struct sim_host *h)
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
	sim_note("  %s counters:%s\n", h->name, line);
}

void sim_show_pair(const struct sim_world *w, unsigned i, unsigned j)
{
	sim_show_view(w, "sender", i, sim_host_address(sim_world_member(w, j)));
	sim_show_view(w, "receiver", j, sim_host_address(sim_world_member(w, i)));
}

/* Print the first `max` pending pairs with both ends' view of the other,
 * and the first pair's and the roots' counters. */
void sim_show_pending(struct sim_traffic *t, unsigned max)
{
	unsigned shown = 0;
	sim_traffic_collect(t);
	for (unsigned i = 0; i < t->n && shown < max; i++) {
		for (unsigned j = 0; j < t->n && shown < max; j++) {
			size_t k = (size_t)i * t->n + j;
			if (!t->want[k] || t->got[k] > 0)
				continue;
			sim_note("pending %u->%u (sent %u time(s), first at %.3fs):\n", i, j,
			         t->tries[k], sim_secs(t->sent_at[k]));
			sim_show_pair(t->w, i, j);
			if (shown == 0) {
				sim_show_counters(sim_world_member(t->w, i));
				sim_show_counters(sim_world_member(t->w, j));
			}
			shown++;
		}
	}
	if (shown > 0)
		for (unsigned r = 0; r < t->w->nroots; r++)
			sim_show_counters(sim_world_root(t->w, r));
}

void sim_show_fabric(const struct sim_world *w)
{
	char line[400];
	size_t off = 0;
	line[0] = '\0';
	for (int f = 0; f < SIM_FATE_COUNT && off < sizeof line; f++) {
		int n = snprintf(line + off, sizeof line - off, " %s=%llu",
		                 sim_fate_name((enum sim_fate)f),
		                 (unsigned long long)w->fabric.count[f]);
		if (n < 0)
			break;
		off += (size_t)n;
	}
	sim_note("fabric:%s\n", line);
}

/* ---- building blocks ---- */

struct sim_world *sim_build(struct sim_result *r, const char *name, uint64_t seed, unsigned members,
                            const struct sim_link *link)
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

bool sim_check_api(struct sim_result *r, const struct sim_world *w)
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
bool sim_settle(struct sim_result *r, struct sim_world *w, int64_t limit_ms, int64_t rest_ms)
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
				sim_show_view(w, "offline", i,
				              sim_host_address(sim_world_root(w, k)));
			sim_show_counters(h);
			break;
		}
		return false;
	}
	sim_note("%u members online after %lld ms\n", o.want, (long long)(w->clock.now - start));
	sim_world_run_for(w, rest_ms);
	if (!sim_check_api(r, w))
		return false;
	/* Every member's network is up: the node says so, and told the host
	 * through net_update. */
	for (unsigned i = 0; w->nwid != 0 && i < sim_world_members(w); i++) {
		struct sim_host *h = sim_world_member(w, i);
		struct zt_network_info ni;
		bool told = false;
		for (size_t k = 0; k < h->nnets; k++)
			if (h->nets[k].info.nwid == w->nwid && h->nets[k].op == ZT_NET_UP)
				told = true;
		int rc = zt_node_network(h->node, w->nwid, &ni);
		if (rc != ZT_OK || ni.status != ZT_NET_OK || !told) {
			sim_fail(r, "member %u: network %016llx %s (status %d, net_update UP %s)",
			         i, (unsigned long long)w->nwid,
			         rc == ZT_OK ? "not OK" : zt_strerror(rc),
			         rc == ZT_OK ? (int)ni.status : -1, told ? "seen" : "never seen");
			return false;
		}
	}
	return true;
}

/* Run in 50 ms steps until every wanted pair arrived or `limit_ms`. */
bool sim_deliver_all(struct sim_traffic *t, int64_t limit_ms)
{
	int64_t end = t->w->clock.now + limit_ms;
	while (sim_traffic_pending(t) > 0 && t->w->clock.now < end)
		sim_world_run_for(t->w, 50);
	return sim_traffic_pending(t) == 0;
}

/* The frames' own promises: intact, right member, not duplicated. */
bool sim_check_frames(struct sim_result *r, struct sim_traffic *t, const char *what)
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
				sim_note("duplicate: %zu->%zu received %u times, sent %u\n",
				         k / t->n, k % t->n, t->got[k], t->tries[k]);
				break;
			}
		}
		sim_fail(r, "%s: %zu pair(s) received more copies than were sent", what, dups);
		ok = false;
	}
	return ok;
}

bool sim_wait_pairs(struct sim_result *r, struct sim_traffic *t, int64_t limit_ms, const char *what)
{
	int64_t start = t->w->clock.now;
	if (!sim_deliver_all(t, limit_ms)) {
		char list[200];
		size_t pend = sim_traffic_pending(t);
		sim_traffic_describe_pending(t, list, sizeof list, 12);
		sim_fail(r, "%s: %zu frame(s) not delivered within %lld ms: %s", what, pend,
		         (long long)limit_ms, list);
		sim_show_pending(t, 3);
		sim_show_fabric(t->w);
		return false;
	}
	sim_note("%s: all delivered %lld ms after the first send (worst frame %lld ms)\n", what,
	         (long long)(t->w->clock.now - start), (long long)sim_traffic_worst_latency(t));
	return true;
}

/* Member i sends to every j (that `pick` allows) at start + i * step. */
unsigned sim_send_pairs(struct sim_traffic *t, int64_t start, int64_t step,
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

bool sim_wait_broadcast(struct sim_result *r, struct sim_traffic *t, unsigned from,
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
		sim_fail(r,
		         "broadcast from member %u reached %zu of %u members (sender knows "
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
	sim_note("broadcast from member %u reached all %u others\n", from, t->n - 1);
	return true;
}

/* Both ends of i->j see each other on a direct path at the real address. */
/* Does member a see member b directly at b's Internet-facing address?
 * Fills *p (b as a sees it; path NONE if unknown) and *want. */
static bool direct_ok(const struct sim_world *w, unsigned a, unsigned b, struct zt_peer_info *p,
                      struct zt_endpoint *want)
{
	struct sim_host *hb = sim_world_member(w, b);
	const struct sim_iface *ifc = sim_fabric_iface(&w->fabric, hb->index, SIM_SOCK);
	*want = ifc->ep;
	if (!sim_host_peer(sim_world_member(w, a), sim_host_address(hb), p)) {
		memset(p, 0, sizeof *p);
		return false;
	}
	const struct sim_iface *ifa =
	    sim_fabric_iface(&w->fabric, sim_world_member(w, a)->index, SIM_SOCK);
	if (ifc->realm != 0 && ifa != NULL && ifa->realm == ifc->realm) {
		/* Behind the same NAT: over the LAN, at its own address. */
	} else if (ifc->realm != 0) {
		/* Behind a NAT: its box's public address, any port. */
		*want = w->fabric.nats[ifc->realm - 1].pub;
		want->port = p->endpoint.port;
	}
	return p->path == ZT_PATH_DIRECT && zt_endpoint_eq(&p->endpoint, want);
}

bool sim_check_direct(struct sim_result *r, struct sim_world *w, unsigned i, unsigned j)
{
	for (int side = 0; side < 2; side++) {
		unsigned a = side ? j : i, b = side ? i : j;
		struct zt_peer_info p;
		struct zt_endpoint want;
		if (direct_ok(w, a, b, &p, &want))
			continue;
		char ws[64], gs[64] = "-";
		zt_endpoint_to_text(&want, ws, sizeof ws);
		if (p.address != 0)
			zt_endpoint_to_text(&p.endpoint, gs, sizeof gs);
		sim_fail(r,
		         "at %.3fs member %u sees member %u on path %s at %s (want direct at %s)",
		         sim_secs(w->clock.now), a, b,
		         p.address != 0 ? sim_path_name(p.path) : "(no peer)", gs, ws);
		sim_show_pair(w, i, j);
		sim_show_counters(sim_world_member(w, i));
		sim_show_counters(sim_world_member(w, j));
		return false;
	}
	return true;
}

bool sim_wait_direct(struct sim_result *r, struct sim_world *w,
                     bool (*pick)(unsigned i, unsigned j), int64_t limit_ms)
{
	unsigned n = sim_world_members(w);
	int64_t start = w->clock.now, end = start + limit_ms;
	for (;;) {
		bool all = true;
		for (unsigned i = 0; i < n && all; i++) {
			for (unsigned j = i + 1; j < n && all; j++) {
				struct zt_peer_info p;
				struct zt_endpoint want;
				if ((pick == NULL || pick(i, j) || pick(j, i)) &&
				    (!direct_ok(w, i, j, &p, &want) ||
				     !direct_ok(w, j, i, &p, &want)))
					all = false;
			}
		}
		if (all) {
			sim_note("direct both ways at t=%.3fs\n", sim_secs(w->clock.now));
			return true;
		}
		if (w->clock.now >= end)
			break;
		sim_world_run_for(w, 500);
	}
	for (unsigned i = 0; i < n; i++)
		for (unsigned j = i + 1; j < n; j++)
			if ((pick == NULL || pick(i, j) || pick(j, i)) &&
			    !sim_check_direct(r, w, i, j))
				return false;
	return true;
}
