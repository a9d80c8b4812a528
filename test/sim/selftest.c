/* SPDX-License-Identifier: MIT */
/*
 * selftest.c - checks of the simulator's own parts (event order, routing,
 * loss, NAT mappings and filtering), with no zt node involved, so that a
 * scenario failure can be trusted to be about the core.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fabric.h"
#include "nat.h"
#include "scenarios.h"
#include "vclock.h"

/* ---- vclock ---- */

struct order_ctx {
	int seen[64];
	int n;
	struct sim_clock *c;
};

struct order_ev {
	struct order_ctx *o;
	int id;
};

static void on_order(struct sim_clock *c, void *arg, bool cancelled)
{
	struct order_ev *e = arg;
	if (!cancelled) {
		e->o->seen[e->o->n++] = e->id;
		/* An event scheduled for "now" from inside an event runs after
		 * the events already due at this time. */
		if (e->id == 2) {
			static struct order_ev late;
			late.o = e->o;
			late.id = 9;
			sim_clock_at(c, c->now, on_order, &late);
		}
	}
}

void sim_selftest_vclock(struct sim_result *r, uint64_t seed)
{
	struct sim_clock c;
	struct order_ctx o;
	struct order_ev ev[8];
	/* times chosen so that ties must follow scheduling order */
	const int64_t at[8] = {30, 10, 10, 20, 10, 30, 5, 20};
	const int want[] = {6, 1, 2, 4, 9, 3, 7, 0, 5};
	(void)seed;
	memset(&o, 0, sizeof o);
	sim_clock_init(&c, SIM_EPOCH);
	for (int i = 0; i < 8; i++) {
		ev[i].o = &o;
		ev[i].id = i;
		sim_clock_at(&c, SIM_EPOCH + at[i], on_order, &ev[i]);
	}
	sim_clock_run_until(&c, SIM_EPOCH + 25);
	if (c.now != SIM_EPOCH + 25)
		sim_fail(r, "run_until left now at %lld", (long long)(c.now - SIM_EPOCH));
	sim_clock_run_until(&c, SIM_EPOCH + 100);
	if (o.n != 9 || memcmp(o.seen, want, sizeof want) != 0) {
		char got[128];
		size_t off = 0;
		for (int i = 0; i < o.n && off < sizeof got - 4; i++)
			off += (size_t)snprintf(got + off, sizeof got - off, " %d", o.seen[i]);
		sim_fail(r, "events ran in order%s", got);
	}
	/* A larger random heap comes out sorted by (time, seq). */
	struct sim_rng rng;
	sim_rng_init(&rng, 1, 99);
	static struct order_ev many[2000];
	static int64_t when[2000];
	struct order_ctx o2;
	memset(&o2, 0, sizeof o2);
	int64_t last = 0;
	for (int i = 0; i < 2000; i++) {
		when[i] = SIM_EPOCH + 200 + (int64_t)sim_rng_below(&rng, 500);
		many[i].o = &o2;
		many[i].id = i;
		sim_clock_at(&c, when[i], on_order, &many[i]);
	}
	for (int i = 0; i < 2000 && !r->failed; i++) {
		int64_t next = sim_clock_peek(&c);
		if (next < last)
			sim_fail(r, "heap gave time %lld after %lld", (long long)next,
			         (long long)last);
		last = next;
		o2.n = 0;
		sim_clock_run_until(&c, next);
	}
	sim_clock_destroy(&c);
}

/* ---- fabric + NAT ---- */

struct rx {
	int host;
	struct zt_endpoint from;
	char data[16];
	int n;
};

static void st_deliver(void *ctx, int host, int64_t sock, const struct zt_endpoint *from,
                       const void *pkt, size_t len)
{
	struct rx *x = ctx;
	(void)sock;
	x->host = host;
	x->from = *from;
	memset(x->data, 0, sizeof x->data);
	memcpy(x->data, pkt, len < sizeof x->data - 1 ? len : sizeof x->data - 1);
	x->n++;
}

/* Send one datagram and run 1 s; returns the receiving host or -1. */
static int hop(struct sim_fabric *f, struct rx *x, int from, struct zt_endpoint to,
               struct zt_endpoint *seen_from)
{
	x->n = 0;
	x->host = -1;
	sim_fabric_send(f, from, 1, &to, "ping", 4);
	sim_clock_run_until(f->clock, f->clock->now + 1000);
	if (x->n != 1)
		return -1;
	if (seen_from != NULL)
		*seen_from = x->from;
	return x->host;
}

void sim_selftest_nat(struct sim_result *r, uint64_t seed)
{
	struct sim_clock c;
	struct sim_fabric f;
	struct rx x;
	struct sim_fabric_hooks hooks = {.ctx = &x, .deliver = st_deliver};
	struct sim_link lan = {.latency_ms = 1}, wan = {.latency_ms = 10};
	struct zt_endpoint seen, seen2;

	sim_clock_init(&c, SIM_EPOCH);
	sim_fabric_init(&f, &c, seed, &hooks);
	/* A and D public; B and B2 behind a port-restricted cone with
	 * hairpin; S behind a symmetric NAT with a 30 s timeout. */
	struct sim_nat_cfg cone = {
	    .kind = SIM_NAT_PORT_RESTRICTED, .hairpin = true, .preserve_ports = true};
	struct sim_nat_cfg sym = {.kind = SIM_NAT_SYMMETRIC, .timeout_ms = 30000};
	struct zt_endpoint pub1 = sim_ep4(203, 0, 113, 101, 0), pub2 = sim_ep4(203, 0, 113, 102, 0);
	unsigned r1 = sim_nat_add(&f, 0, &pub1, &wan, &cone, seed);
	unsigned r2 = sim_nat_add(&f, 0, &pub2, &wan, &sym, seed);
	int a = sim_fabric_add_host(&f, &wan), d = sim_fabric_add_host(&f, &wan);
	int b = sim_fabric_add_host(&f, &lan), b2 = sim_fabric_add_host(&f, &lan);
	int s = sim_fabric_add_host(&f, &lan);
	struct zt_endpoint ea = sim_ep4(198, 18, 0, 1, 9993), ed = sim_ep4(198, 18, 0, 2, 9993);
	struct zt_endpoint eb = sim_ep4(10, 0, 0, 2, 9993), eb2 = sim_ep4(10, 0, 0, 3, 9993);
	struct zt_endpoint es = sim_ep4(10, 0, 0, 2, 9993); /* same private address, other LAN */
	if (r1 == 0 || r2 == 0 || sim_fabric_add_iface(&f, a, 1, 0, &ea) ||
	    sim_fabric_add_iface(&f, d, 1, 0, &ed) || sim_fabric_add_iface(&f, b, 1, r1, &eb) ||
	    sim_fabric_add_iface(&f, b2, 1, r1, &eb2) || sim_fabric_add_iface(&f, s, 1, r2, &es)) {
		sim_fail(r, "building the test fabric failed");
		goto out;
	}
	/* Public to public. */
	if (hop(&f, &x, a, ed, &seen) != d || !zt_endpoint_eq(&seen, &ea))
		sim_fail(r, "public A to public D not delivered as from A");
	/* Unsolicited inbound to the cone is dropped. */
	if (hop(&f, &x, a, sim_ep4(203, 0, 113, 101, 9993), NULL) != -1)
		sim_fail(r, "cone NAT accepted an unsolicited datagram");
	/* B -> A opens a mapping; A sees the public address, port preserved. */
	struct zt_endpoint want = sim_ep4(203, 0, 113, 101, 9993);
	if (hop(&f, &x, b, ea, &seen) != a || !zt_endpoint_eq(&seen, &want))
		sim_fail(r, "B behind the cone did not reach A from 203.0.113.101/9993");
	/* A answers through the mapping; D (never contacted) is filtered. */
	if (hop(&f, &x, a, seen, NULL) != b)
		sim_fail(r, "A's reply through the cone mapping did not reach B");
	if (hop(&f, &x, d, seen, NULL) != -1)
		sim_fail(r, "port-restricted cone let in a stranger");
	/* Endpoint-independent mapping: B -> D uses the same public port. */
	if (hop(&f, &x, b, ed, &seen2) != d || !zt_endpoint_eq(&seen, &seen2))
		sim_fail(r, "cone NAT mapping depends on the destination");
	/* Same-LAN delivery does not touch the NAT. */
	if (hop(&f, &x, b, eb2, &seen2) != b2 || !zt_endpoint_eq(&seen2, &eb))
		sim_fail(r, "B to B2 on the same LAN not delivered directly");
	/* Hairpin: B and B2 punch to each other's public mappings. */
	if (hop(&f, &x, b2, ea, &seen2) != a)
		sim_fail(r, "B2 behind the cone did not reach A");
	if (hop(&f, &x, b, seen2, NULL) != -1)
		sim_fail(r, "hairpin bypassed filtering");
	if (hop(&f, &x, b2, seen, NULL) != b || hop(&f, &x, b, seen2, NULL) != b2)
		sim_fail(r, "hairpin through the cone NAT failed");
	/* Symmetric: new port per destination. */
	bool ok = hop(&f, &x, s, ea, &seen) == a && hop(&f, &x, s, ed, &seen2) == d;
	want = sim_ep4(203, 0, 113, 102, seen.port);
	if (!ok || seen.port == seen2.port || !zt_endpoint_eq(&seen, &want))
		sim_fail(r, "symmetric NAT did not map per destination");
	/* D cannot use the mapping S made for A. */
	if (hop(&f, &x, d, seen, NULL) != -1)
		sim_fail(r, "symmetric NAT let D through A's mapping");
	if (hop(&f, &x, a, seen, NULL) != s)
		sim_fail(r, "symmetric NAT did not pass A's reply");
	/* Timeout: after 31 s of silence the mapping is gone. */
	sim_clock_run_until(&c, c.now + 31000);
	if (hop(&f, &x, a, seen, NULL) != -1)
		sim_fail(r, "symmetric NAT mapping outlived its timeout");
	/* Loss: 50% on A's link loses about half. */
	struct sim_link lossy = {.latency_ms = 10, .loss_ppm = 500000};
	sim_fabric_set_link(&f, a, &lossy);
	int got = 0;
	for (int i = 0; i < 400; i++)
		got += hop(&f, &x, a, ed, NULL) == d;
	if (got < 150 || got > 250)
		sim_fail(r, "50%% loss delivered %d of 400", got);
	/* Down hosts neither send nor receive. */
	sim_fabric_set_link(&f, a, &wan);
	sim_fabric_set_down(&f, d, true);
	if (hop(&f, &x, a, ed, NULL) != -1)
		sim_fail(r, "a down host received");
	if (f.in_flight != 0)
		sim_fail(r, "%zu datagrams unaccounted for", f.in_flight);
out:
	sim_clock_destroy(&c);
	sim_fabric_destroy(&f);
}
