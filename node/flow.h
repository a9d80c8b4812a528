/* SPDX-License-Identifier: MIT */
/*
 * flow.h - the flow table behind the `established` rule match (flow.c):
 * the connections a member's rules have let out or in, so that their
 * replies pass without a rule of their own (doc/PROTOCOL.md "Rules",
 * doc/rules.md "Stateful rules").  Bounded, with Linux-conntrack-like
 * timeouts (TCP by state, UDP and ICMP by idle time); the oldest idle flow
 * gives way when it is full.  Pure: the caller hands in the time.
 */
#ifndef ZT_NODE_FLOW_H
#define ZT_NODE_FLOW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ZT_FLOW_MAX     4096 /* flows per network */
#define ZT_FLOW_BUCKETS 4096 /* hash buckets (a power of two) */

/* Timeouts, ms (Linux's in parentheses where they differ). */
#define ZT_FLOW_TCP_SYN_SENT    (120 * 1000)
#define ZT_FLOW_TCP_SYN_RECV    (60 * 1000)
#define ZT_FLOW_TCP_ESTABLISHED (2 * 3600 * 1000) /* (5 days) */
#define ZT_FLOW_TCP_FIN_WAIT    (120 * 1000)
#define ZT_FLOW_TCP_CLOSE       (10 * 1000)
#define ZT_FLOW_UDP             (30 * 1000)
#define ZT_FLOW_UDP_REPLIED     (180 * 1000) /* (120 s; 180 s for a stream) */
#define ZT_FLOW_ICMP            (30 * 1000)
#define ZT_FLOW_OTHER           (60 * 1000) /* (600 s) */

enum zt_flow_tcp {
	ZT_FLOW_NONE = 0, /* not TCP */
	ZT_FLOW_SYN_SENT, /* opened (or picked up), no reply yet */
	ZT_FLOW_SYN_RECV, /* the SYN was answered */
	ZT_FLOW_ESTABLISHED,
	ZT_FLOW_FIN_WAIT, /* one side closed */
	ZT_FLOW_CLOSE,    /* both closed, or reset */
};

/* One flow: as its first frame went (a: the opener). */
struct zt_flow {
	uint8_t a[16], b[16]; /* IPv4 in the first 4 bytes */
	uint16_t ap, bp;      /* ports; an ICMP echo's id in both */
	uint8_t family, proto;
	uint8_t state; /* enum zt_flow_tcp */
	bool replied;  /* a frame went b -> a */
	bool fin_a, fin_b;
	int64_t expires;
	uint16_t hnext;        /* next in its bucket (index + 1, 0: none) */
	uint16_t older, newer; /* idle order (index + 1, 0: none) */
};

struct zt_flowtab {
	unsigned count; /* flows held (expired ones until zt_flow_expire) */
	/* Since the table was made: flows made, flows taken out after their
	 * timeout, and live flows that gave way to new ones (it was full). */
	uint64_t inserted, expired, evicted;
	uint8_t key[16]; /* the hash's (SipHash), random: no flooding one bucket */
	uint16_t oldest, newest, free_list;
	uint16_t bucket[ZT_FLOW_BUCKETS];
	struct zt_flow f[ZT_FLOW_MAX];
};

/* The table is about 270 KiB (sizeof struct zt_flowtab). */
void zt_flow_init(struct zt_flowtab *t, const uint8_t key[16]);

/* Does the frame (a whole Ethernet frame) belong to a live flow, in either
 * direction?  1: yes, 0: no (t may be NULL: none), -1: it is no IPv4 or
 * IPv6 frame a flow can hold (nor a later IPv4 fragment). */
int zt_flow_established(const struct zt_flowtab *t, int64_t now, const uint8_t *frame, size_t len);

/* The rules let the frame through: its flow is refreshed (TCP state, the
 * reply seen), or made (the oldest idle flow giving way if the table is
 * full).  Frames a flow cannot hold are ignored. */
void zt_flow_note(struct zt_flowtab *t, int64_t now, const uint8_t *frame, size_t len);

/* Take out every flow whose timeout has passed (counted in t->expired);
 * the number taken.  One walk of the table: for the periodic timer, so
 * that t->count says how many flows are live.  t may be NULL. */
unsigned zt_flow_expire(struct zt_flowtab *t, int64_t now);

/* The frame's live flow, or NULL (tests, and what `zt-cli` may show). */
const struct zt_flow *zt_flow_find(const struct zt_flowtab *t, int64_t now, const uint8_t *frame,
                                   size_t len);

#endif
