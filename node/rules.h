/* SPDX-License-Identifier: MIT */
/*
 * rules.h - the rules engine (rules.c): ZeroTier's flow rules evaluated on
 * one Ethernet frame, their byte codec (rules_codec.c), and the signed tag
 * and capability credentials (rules_cred.c).  Pure: no state, no
 * allocation; the caller hands in what each end knows (doc/PROTOCOL.md
 * "Rules").
 */
#ifndef ZT_NODE_RULES_H
#define ZT_NODE_RULES_H

/* ACTION_PRIORITY's queues: 0..ZT_RULES_QOS_MAX (ZeroTier's qosBucket). */
#define ZT_RULES_QOS_MAX 8

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "zt.h"

struct zt_flowtab;

/* What one list's evaluation ended with (ZeroTier's order). */
enum zt_rules_verdict {
	ZT_RULES_NO_MATCH = 0, /* the list ended (or BREAK): capabilities next */
	ZT_RULES_DROP,
	ZT_RULES_REDIRECT, /* accept, but to out->redirect instead */
	ZT_RULES_ACCEPT,
	ZT_RULES_SUPER_ACCEPT, /* inbound: we are a TEE/WATCH/REDIRECT target */
};

/* One frame and what the evaluating end knows of its sender and receiver. */
struct zt_rules_ctx {
	const uint8_t *frame; /* the whole Ethernet frame (dst, src, type, ...) */
	size_t len;
	uint64_t nwid;
	uint64_t self; /* our address */
	uint64_t src;  /* the sending member */
	uint64_t dst;  /* the receiving member (0: a group, not known) */
	bool inbound;  /* we receive it (src is the peer) */
	bool sender_is_bridge;
	const uint8_t *sender_mac; /* the sender's own derived MAC */
	/* Addresses known to be the sender's (ipauth): ours outbound, what
	 * the sender showed inbound.  rfc4193 / 6plane ones need no list. */
	const struct zt_inetaddr *sender_addrs;
	unsigned sender_addr_count;
	/* Our tags and the other end's (verified; NULL/0: none known). */
	const struct zt_tag *local_tags;
	unsigned local_tag_count;
	const struct zt_tag *remote_tags;
	unsigned remote_tag_count;
	uint32_t (*random)(void *arg); /* MATCH_RANDOM */
	void *random_arg;
	/* MATCH_ESTABLISHED: the flows our accepts let through (NULL:
	 * none yet), and the time to judge them by. */
	const struct zt_flowtab *flows;
	int64_t now;
};

struct zt_rules_result {
	enum zt_rules_verdict verdict;
	int rule;          /* the index of the deciding entry, -1: none */
	uint64_t tee;      /* a copy goes there (0: none) */
	uint16_t tee_len;  /* bytes of payload copied (0: all) */
	bool watch;        /* the copy is a WATCH's */
	uint64_t redirect; /* REDIRECT's target */
	uint8_t qos;       /* PRIORITY's bucket (4: default) */
};

/* Evaluate one list. */
void zt_rules_eval(const struct zt_rules_ctx *ctx, const struct zt_rule *rules, unsigned count,
                   struct zt_rules_result *out);

/* The whole filter, as ZeroTier applies it: the network's list, and if
 * that falls through, each capability (the sender's) in turn until one
 * accepts; a DROP inside a capability only ends that capability.  true:
 * the frame passes (out says where copies and redirects go); false: it is
 * dropped, out->rule the network list's entry that dropped it (-1: the
 * list fell through and no capability accepted). */
bool zt_rules_filter(const struct zt_rules_ctx *ctx, const struct zt_rule *rules, unsigned count,
                     const struct zt_cap *caps, unsigned cap_count, struct zt_rules_result *out);

/* ---- the index: the same filter, without walking what cannot apply ----
 * Built once per list (when a config or a member's capabilities arrive),
 * it lets zt_rules_filter_fast pass over the entries a frame's ethertype,
 * IP protocol and ports cannot satisfy, with the very verdict, deciding
 * entry, copies and draws of the random source that zt_rules_filter
 * (the walk, the reference) gives.  It holds offsets, no pointers and no
 * copy of the rules, and a memo per list of the last result that a
 * frame's ethertype, protocol and ports alone decided (so it is the
 * filter's to change: one thread at a time). */
struct zt_rules_index;
struct zt_rules_list {
	const struct zt_rule *rules;
	unsigned count;
};

/* Build the index of n lists into idx (cap bytes): the bytes it takes.  If
 * that is more than cap (or idx is NULL), nothing is written: call again
 * with as much room. */
size_t zt_rules_index_build(const struct zt_rules_list *lists, unsigned n,
                            struct zt_rules_index *idx, size_t cap);

/* zt_rules_filter with idx (the index of the one list `rules`) and cap_idx
 * (that of the cap_count capabilities' lists, in order).  Either may be
 * NULL, and a list whose index was built for another length is walked;
 * otherwise the index must be the one built for exactly these lists. */
bool zt_rules_filter_fast(const struct zt_rules_ctx *ctx, const struct zt_rule *rules,
                          unsigned count, struct zt_rules_index *idx, const struct zt_cap *caps,
                          unsigned cap_count, struct zt_rules_index *cap_idx,
                          struct zt_rules_result *out);

/* Does the list accept everything (its first entry a plain ACCEPT)?
 * Then the switch skips the filter.  An empty list drops everything. */
bool zt_rules_trivial(const struct zt_rule *rules, unsigned count);

/* Does any entry of the list match on `established`?  Only then do the
 * flows need recording (the fast path costs nothing otherwise). */
bool zt_rules_use_flows(const struct zt_rule *rules, unsigned count);

/* ---- codec: t u8 | len u8 | value (doc/PROTOCOL.md "Rules") ---- */
/* Encode count rules: the bytes written, or -1 if cap is too small. */
int zt_rules_encode(const struct zt_rule *rules, unsigned count, uint8_t *out, size_t cap);
/* Decode exactly `count` rules (at most max) from in: the bytes read, or -1
 * for malformed input. */
int zt_rules_decode(const uint8_t *in, size_t len, unsigned count, struct zt_rule *rules,
                    unsigned max);

/* ---- credentials ---- */
/* A tag: nwid u64 | issued_to u40 | timestamp u64 | id u32 | value u32 |
 * sig (64).  A capability: nwid u64 | issued_to u40 | timestamp u64 | id
 * u32 | n u8 | n rules | sig (64).  The signature covers a kind byte (1:
 * tag, 2: capability) and everything before it. */
#define ZT_TAG_CRED_LEN (8 + 5 + 8 + 4 + 4 + 64)

int zt_tag_sign(struct zt_tag *t, uint64_t nwid, uint64_t issued_to, int64_t ts,
                const struct zt_identity *controller);
int zt_cap_sign(struct zt_cap *c, uint64_t nwid, uint64_t issued_to, int64_t ts,
                const struct zt_identity *controller);

/* Encode a credential: the bytes written, or -1 if cap is too small. */
int zt_tag_cred_encode(const struct zt_tag *t, uint64_t nwid, uint64_t issued_to, int64_t ts,
                       uint8_t *out, size_t cap);
int zt_cap_cred_encode(const struct zt_cap *c, uint64_t nwid, uint64_t issued_to, int64_t ts,
                       uint8_t *out, size_t cap);
/* Decode and verify one against the controller's key: the bytes read, or
 * -1 (malformed, or the signature does not verify).  *nwid, *issued_to and
 * *ts are what it says; the caller checks that they are the sender's. */
int zt_tag_cred_decode(const uint8_t *in, size_t len, const uint8_t controller_pk[32],
                       struct zt_tag *t, uint64_t *nwid, uint64_t *issued_to, int64_t *ts);
int zt_cap_cred_decode(const uint8_t *in, size_t len, const uint8_t controller_pk[32],
                       struct zt_cap *c, uint64_t *nwid, uint64_t *issued_to, int64_t *ts);

/* The member's assigned addresses (what `ipauth` checks at a receiver):
 * nwid u64 | issued_to u40 | timestamp u64 | n u8 (≤ ZT_NETCONF_MAX_ADDRS)
 * | n addresses (family u8, bits u8, 4 or 16 bytes) | sig (64), kind 3. */
int zt_addrs_sign(const struct zt_inetaddr *a, unsigned n, uint64_t nwid, uint64_t issued_to,
                  int64_t ts, const struct zt_identity *controller, uint8_t sig[64]);
int zt_addrs_cred_encode(const struct zt_inetaddr *a, unsigned n, const uint8_t sig[64],
                         uint64_t nwid, uint64_t issued_to, int64_t ts, uint8_t *out, size_t cap);
int zt_addrs_cred_decode(const uint8_t *in, size_t len, const uint8_t controller_pk[32],
                         struct zt_inetaddr a[ZT_NETCONF_MAX_ADDRS], unsigned *n, uint64_t *nwid,
                         uint64_t *issued_to, int64_t *ts);

#endif
