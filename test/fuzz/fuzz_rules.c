/* SPDX-License-Identifier: MIT */
/*
 * fuzz_rules.c - libFuzzer target for the rules codec, the evaluator and
 * the tag, capability and address credential decoders (node/rules.c).  Beyond "no
 * crash": a decoded list re-encodes to the same bytes (the codec is
 * canonical); the evaluator reads hostile frames with hostile rules in
 * both directions, and the lists' index (zt_rules_filter_fast) says what
 * the walk says; a credential decoded under the key it was signed with
 * round-trips, and one with a flipped byte does not verify.
 *
 * Input: count u8 | rules... | the rest is a frame.
 */
#include <sodium.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "node/rules.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint32_t fixed(void *arg)
{
	return (uint32_t)(uintptr_t)arg;
}

/* The rules' random source, counting its draws. */
static unsigned draws;
static uint32_t counted(void *arg)
{
	draws++;
	return (uint32_t)(uintptr_t)arg;
}

/* The filter with the lists' index (twice: the second may answer from its
 * memo) must say what the walk says, drawing as often. */
static void same_with_index(struct zt_rules_ctx *c, const struct zt_rule *rules, unsigned count,
                            const struct zt_cap *cap)
{
	static uint64_t ib[1 << 14], cb[1 << 13];
	struct zt_rules_index *idx = (struct zt_rules_index *)ib,
	                      *cidx = (struct zt_rules_index *)cb;
	struct zt_rules_list l = {rules, count}, cl = {cap->rules, cap->rule_count};
	struct zt_rules_result a, b;
	uint32_t (*fn)(void *) = c->random;
	unsigned da;
	bool pa;

	if (zt_rules_index_build(&l, 1, idx, sizeof ib) > sizeof ib ||
	    zt_rules_index_build(&cl, 1, cidx, sizeof cb) > sizeof cb)
		abort();
	c->random = counted;
	draws = 0;
	pa = zt_rules_filter(c, rules, count, cap, 1, &a);
	da = draws;
	for (int i = 0; i < 2; i++) {
		draws = 0;
		if (zt_rules_filter_fast(c, rules, count, idx, cap, 1, cidx, &b) != pa ||
		    draws != da || a.verdict != b.verdict || a.rule != b.rule || a.tee != b.tee ||
		    a.tee_len != b.tee_len || a.watch != b.watch || a.redirect != b.redirect ||
		    a.qos != b.qos)
			abort();
	}
	c->random = fn;
}

static struct zt_identity key;
static bool have_key;

static void make_key(void)
{
	uint8_t seed[32] = {7};
	if (have_key)
		return;
	if (sodium_init() < 0)
		abort();
	crypto_sign_seed_keypair(key.pk, key.sk, seed);
	key.has_secret = true;
	have_key = true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct zt_rule rules[ZT_RULES_MAX];
	static uint8_t out[ZT_RULES_MAX * 19];
	static struct zt_cap cap, cap2;
	static const struct zt_tag tags[2] = {{1, 100, {0}}, {2, 7, {0}}};
	struct zt_rules_ctx c;
	struct zt_rules_result r;
	struct zt_tag t;
	uint64_t nwid, to;
	int64_t ts;
	int n, m;

	make_key();
	if (size < 1)
		return 0;
	n = zt_rules_decode(data + 1, size - 1, data[0], rules, ZT_RULES_MAX);
	if (n >= 0) {
		m = zt_rules_encode(rules, data[0], out, sizeof out);
		if (m != n || memcmp(out, data + 1, (size_t)n) != 0)
			abort();
		memset(&c, 0, sizeof c);
		c.frame = data + 1 + n;
		c.len = size - 1 - (size_t)n;
		c.nwid = 0x8056c2e21c000001ULL;
		c.self = 0x1111111111ULL;
		c.src = 0x1111111111ULL;
		c.dst = 0x2222222222ULL;
		c.sender_mac = c.len >= 12 ? c.frame + 6 : NULL;
		c.local_tags = tags;
		c.local_tag_count = 2;
		c.remote_tags = tags + (data[0] & 1);
		c.remote_tag_count = 1;
		c.random = fixed;
		c.random_arg = (void *)(uintptr_t)size;
		zt_rules_eval(&c, rules, data[0], &r);
		c.inbound = true;
		c.src = c.dst;
		c.dst = c.self;
		memset(&cap, 0, sizeof cap);
		cap.rule_count = data[0] < ZT_CAP_RULES_MAX ? data[0] : ZT_CAP_RULES_MAX;
		memcpy(cap.rules, rules, cap.rule_count * sizeof rules[0]);
		(void)zt_rules_filter(&c, rules, data[0], &cap, 1, &r);
		same_with_index(&c, rules, data[0], &cap);

		/* A capability made of these rules, signed and read back. */
		if (zt_cap_sign(&cap, 1, 2, 3, &key) == ZT_OK) {
			m = zt_cap_cred_encode(&cap, 1, 2, 3, out, sizeof out);
			if (m < 0 ||
			    zt_cap_cred_decode(out, (size_t)m, key.pk, &cap2, &nwid, &to, &ts) !=
			        m ||
			    nwid != 1 || to != 2 || ts != 3 || cap2.rule_count != cap.rule_count)
				abort();
			out[size % (size_t)m] ^= 1;
			if (zt_cap_cred_decode(out, (size_t)m, key.pk, &cap2, &nwid, &to, &ts) >= 0)
				abort();
		}
	}
	/* The credential decoders on the raw input. */
	(void)zt_tag_cred_decode(data, size, key.pk, &t, &nwid, &to, &ts);
	(void)zt_cap_cred_decode(data, size, key.pk, &cap2, &nwid, &to, &ts);
	{
		struct zt_inetaddr a[ZT_NETCONF_MAX_ADDRS];
		unsigned na;
		(void)zt_addrs_cred_decode(data, size, key.pk, a, &na, &nwid, &to, &ts);
	}
	return 0;
}
