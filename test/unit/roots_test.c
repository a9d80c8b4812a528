/* SPDX-License-Identifier: MIT */
/*
 * roots_test.c - the signed roots file: write/parse round trips, single-byte
 * mutations of a valid file (each is rejected or parses to the very same
 * content), the pinned signer, the limits (roots, endpoints, lengths), and
 * rollback (an older file from the same signer refused, by the node and
 * against the record kept across restarts).
 *
 * Parsing a root line verifies its identity (Argon2id, ~1 ms), so the
 * mutation test tries a set of telling byte values at every position by
 * default, and all 255 with ZT_TEST_EXHAUSTIVE=1 (about a minute).
 */
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "identity.h"
#include "test.h"
#include "util.h"
#include "zt.h"

#define NIDS (ZT_MAX_ROOTS + 2)
static struct zt_identity ids[NIDS]; /* ids[0] signs, the rest are roots */
static struct zt_identity other_signer;

static void setup(void)
{
	struct test_rng rng;
	test_rng_seed(&rng, 42);
	for (int i = 0; i < NIDS; i++)
		if (zt_identity_generate(&ids[i], test_rng_bytes, &rng) != ZT_OK)
			abort();
	if (zt_identity_generate(&other_signer, test_rng_bytes, &rng) != ZT_OK)
		abort();
}

static void ep(struct zt_endpoint *e, const char *text)
{
	if (zt_endpoint_parse(text, e) != ZT_OK)
		abort();
}

/* `count` roots (ids[1..count]) with 1..4 endpoints each. */
static void make_roots(struct zt_roots *r, unsigned count)
{
	static const char *eps[] = {"192.0.2.1/9993", "2001:db8::1/9993", "198.51.100.7/443",
	                            "::ffff:203.0.113.9/1", "10.0.0.1/65535"};
	memset(r, 0, sizeof *r);
	r->timestamp = 1700000000123LL;
	r->count = count;
	for (unsigned i = 0; i < count; i++) {
		struct zt_root_def *d = &r->roots[i];
		d->id = ids[1 + i];
		d->id.has_secret = false;
		memset(d->id.sk, 0, sizeof d->id.sk);
		d->endpoint_count = 1 + i % ZT_MAX_ROOT_ENDPOINTS;
		for (unsigned j = 0; j < d->endpoint_count; j++)
			ep(&d->endpoints[j], eps[(i + j) % 5]);
	}
}

static int same_roots(const struct zt_roots *a, const struct zt_roots *b)
{
	if (a->timestamp != b->timestamp || a->count != b->count ||
	    memcmp(a->signer, b->signer, 32) != 0)
		return 0;
	for (unsigned i = 0; i < a->count && i < ZT_MAX_ROOTS; i++) {
		const struct zt_root_def *x = &a->roots[i], *y = &b->roots[i];
		if (x->id.address != y->id.address || memcmp(x->id.pk, y->id.pk, 32) != 0 ||
		    x->id.has_secret || y->id.has_secret ||
		    x->endpoint_count != y->endpoint_count ||
		    x->endpoint_count > ZT_MAX_ROOT_ENDPOINTS)
			return 0;
		for (unsigned j = 0; j < x->endpoint_count; j++)
			if (!zt_endpoint_eq(&x->endpoints[j], &y->endpoints[j]))
				return 0;
	}
	return 1;
}

static int all_zero(const void *p, size_t len)
{
	const uint8_t *b = p;
	for (size_t i = 0; i < len; i++)
		if (b[i])
			return 0;
	return 1;
}

static void test_round_trip(void)
{
	for (unsigned count = 1; count <= ZT_MAX_ROOTS; count++) {
		struct zt_roots r, back;
		char buf[8192];
		int len;
		make_roots(&r, count);
		len = zt_roots_write(&r, &ids[0], buf, sizeof buf);
		CHECK(len > 0);
		if (len <= 0)
			continue;
		CHECK_EQ((size_t)len, strlen(buf));
		CHECK(memcmp(r.signer, ids[0].pk, 32) == 0);
		CHECK_EQ(zt_roots_parse(&back, buf, (size_t)len, NULL), ZT_OK);
		CHECK(same_roots(&r, &back));
		CHECK_EQ(zt_roots_parse(&back, buf, (size_t)len, ids[0].pk), ZT_OK);
		CHECK(same_roots(&r, &back));
		/* Writing is deterministic (Ed25519 signatures are). */
		{
			char buf2[8192];
			CHECK_EQ(zt_roots_write(&r, &ids[0], buf2, sizeof buf2), len);
			CHECK(memcmp(buf, buf2, (size_t)len) == 0);
		}
	}
}

static void test_pinned_signer(void)
{
	struct zt_roots r, back;
	char buf[4096];
	int len;

	make_roots(&r, 2);
	len = zt_roots_write(&r, &ids[0], buf, sizeof buf);
	CHECK(len > 0);
	CHECK_EQ(zt_roots_parse(&back, buf, (size_t)len, other_signer.pk), ZT_ESIG);
	CHECK(all_zero(&back, sizeof back));
	CHECK_EQ(zt_roots_parse(&back, buf, (size_t)len, ids[0].pk), ZT_OK);
	/* A file re-signed by someone else is fine unpinned, not pinned. */
	len = zt_roots_write(&r, &other_signer, buf, sizeof buf);
	CHECK(len > 0);
	CHECK_EQ(zt_roots_parse(&back, buf, (size_t)len, NULL), ZT_OK);
	CHECK(memcmp(back.signer, other_signer.pk, 32) == 0);
	CHECK_EQ(zt_roots_parse(&back, buf, (size_t)len, ids[0].pk), ZT_ESIG);
	/* Claiming the pinned signer without its key: the signature fails. */
	{
		char hex[65], *p;
		zt_hex_encode(ids[0].pk, 32, hex);
		p = strstr(buf, "signer ");
		CHECK(p != NULL);
		if (p != NULL)
			memcpy(p + 7, hex, 64);
		CHECK_EQ(zt_roots_parse(&back, buf, (size_t)len, ids[0].pk), ZT_ESIG);
	}
}

/* Sign arbitrary body text as a roots file would be signed. */
static size_t sign_text(char *out, size_t cap, const char *body, const struct zt_identity *signer)
{
	uint8_t sig[64];
	char hex[129];
	size_t n = strlen(body);
	crypto_sign_detached(sig, NULL, (const unsigned char *)body, n, signer->sk);
	zt_hex_encode(sig, 64, hex);
	return (size_t)snprintf(out, cap, "%ssignature %s\n", body, hex);
}

static size_t header(char *out, size_t cap, const struct zt_identity *signer)
{
	char hex[65];
	zt_hex_encode(signer->pk, 32, hex);
	return (size_t)snprintf(out, cap, "zt-roots 1\ntimestamp 1700000000000\nsigner %s\n", hex);
}

static size_t root_line(char *out, size_t cap, const struct zt_identity *id, const char *eps)
{
	char t[ZT_IDENTITY_PUBLIC_TEXT];
	if (zt_identity_to_text(id, false, t, sizeof t) != ZT_OK)
		abort();
	return (size_t)snprintf(out, cap, "root %s %s\n", t, eps);
}

static void test_too_many_roots(void)
{
	static char body[8192], file[8192];
	struct zt_roots r, back;
	size_t off, len;

	/* The writer refuses. */
	make_roots(&r, ZT_MAX_ROOTS);
	r.count = ZT_MAX_ROOTS + 1;
	CHECK_EQ(zt_roots_write(&r, &ids[0], file, sizeof file), ZT_EINVAL);

	/* Exactly ZT_MAX_ROOTS by hand is fine; one more, even signed, is not. */
	off = header(body, sizeof body, &ids[0]);
	for (int i = 1; i <= ZT_MAX_ROOTS; i++)
		off += root_line(body + off, sizeof body - off, &ids[i], "192.0.2.1/9993");
	len = sign_text(file, sizeof file, body, &ids[0]);
	CHECK_EQ(zt_roots_parse(&back, file, len, NULL), ZT_OK);
	CHECK_EQ(back.count, ZT_MAX_ROOTS);
	off += root_line(body + off, sizeof body - off, &ids[ZT_MAX_ROOTS + 1], "192.0.2.1/9993");
	len = sign_text(file, sizeof file, body, &ids[0]);
	CHECK_EQ(zt_roots_parse(&back, file, len, NULL), ZT_EINVAL);
	CHECK(all_zero(&back, sizeof back));
}

/* A root line with more endpoints than a root can hold must be rejected,
 * not written past endpoints[]. */
static void test_too_many_endpoints(void)
{
	static char body[8192], file[8192];
	struct {
		struct zt_roots r;
		uint8_t guard[64];
	} g;
	size_t off, len;
	const char *four = "192.0.2.1/1 192.0.2.2/2 192.0.2.3/3 192.0.2.4/4";
	const char *five = "192.0.2.1/1 192.0.2.2/2 192.0.2.3/3 192.0.2.4/4 192.0.2.5/5";
	int r;

	/* Four is the limit and works. */
	off = header(body, sizeof body, &ids[0]);
	root_line(body + off, sizeof body - off, &ids[1], four);
	len = sign_text(file, sizeof file, body, &ids[0]);
	CHECK_EQ(zt_roots_parse(&g.r, file, len, NULL), ZT_OK);
	CHECK_EQ(g.r.roots[0].endpoint_count, 4);

	/* Five, signed by the right key. */
	off = header(body, sizeof body, &ids[0]);
	root_line(body + off, sizeof body - off, &ids[1], five);
	len = sign_text(file, sizeof file, body, &ids[0]);
	r = zt_roots_parse(&g.r, file, len, NULL);
	if (r == ZT_OK)
		printf("  five endpoints accepted: endpoint_count %u\n",
		       g.r.roots[0].endpoint_count);
	CHECK_EQ(r, ZT_EINVAL);

	/* Five on the last of ZT_MAX_ROOTS roots: the write would land past
	 * the end of struct zt_roots.  (Unsigned: parsing happens before the
	 * signature is checked, so anyone who can hand us a file gets here.)
	 * The guard catches it without ASan. */
	memset(g.guard, 0xa5, sizeof g.guard);
	off = header(body, sizeof body, &ids[0]);
	for (int i = 1; i < ZT_MAX_ROOTS; i++)
		off += root_line(body + off, sizeof body - off, &ids[i], "192.0.2.1/9993");
	root_line(body + off, sizeof body - off, &ids[ZT_MAX_ROOTS],
	          "::2/1 2001:db8::1/2 2001:db8::2/3 2001:db8::3/4 2001:db8:ffff:ffff::/5");
	len = (size_t)snprintf(file, sizeof file, "%ssignature %0128d\n", body, 0);
	r = zt_roots_parse(&g.r, file, len, NULL);
	CHECK(r != ZT_OK);
	for (size_t i = 0; i < sizeof g.guard; i++)
		if (g.guard[i] != 0xa5) {
			printf("  zt_roots_parse wrote past struct zt_roots (guard byte %zu)\n", i);
			CHECK(!"wrote past the end of struct zt_roots");
			break;
		}
}

static void test_malformed_files(void)
{
	static char body[2048], file[8192];
	struct zt_roots back;
	size_t off, len;
	const char *bad_bodies[] = {
	    "zt-roots 2\n",              /* version */
	    "zt-roots 1 x\n",            /* extra token */
	    "zt-roots\n",                /* missing version */
	    "timestamp 1\nzt-roots 1\n", /* magic not first */
	};

	/* The minimal valid file, and variations of the body around it. */
	off = header(body, sizeof body, &ids[0]);
	root_line(body + off, sizeof body - off, &ids[1], "192.0.2.1/9993");
	len = sign_text(file, sizeof file, body, &ids[0]);
	CHECK_EQ(zt_roots_parse(&back, file, len, NULL), ZT_OK);
	/* Blank lines, CRLF and comments are allowed (and signed). */
	{
		char b2[4096];
		snprintf(b2, sizeof b2, "# c\n\r\n%s\n# more\n", body);
		len = sign_text(file, sizeof file, b2, &ids[0]);
		CHECK_EQ(zt_roots_parse(&back, file, len, NULL), ZT_OK);
		/* Trailing blank lines after the signature, too. */
		memcpy(file + len, "\n \r\n", 5);
		CHECK_EQ(zt_roots_parse(&back, file, len + 4, NULL), ZT_OK);
		/* But nothing else. */
		memcpy(file + len, "\nx\n", 4);
		CHECK_EQ(zt_roots_parse(&back, file, len + 3, NULL), ZT_EINVAL);
	}
	for (size_t i = 0; i < sizeof bad_bodies / sizeof bad_bodies[0]; i++) {
		char b2[4096];
		snprintf(b2, sizeof b2, "%s%s", bad_bodies[i], body + strlen("zt-roots 1\n"));
		len = sign_text(file, sizeof file, b2, &ids[0]);
		CHECK_EQ(zt_roots_parse(&back, file, len, NULL), ZT_EINVAL);
	}
	/* The failing line is named (from 1, comments and blanks counted);
	 * what is wrong with the file as a whole names none. */
	{
		char b2[4096];
		unsigned line = 99;

		snprintf(b2, sizeof b2, "# c\n\n%s", body);
		len = sign_text(file, sizeof file, b2, &ids[0]);
		CHECK_EQ(zt_roots_parse_at(&back, file, len, NULL, &line), ZT_OK);
		memcpy(strstr(file, "timestamp ") + 10, "x", 1);
		CHECK_EQ(zt_roots_parse_at(&back, file, len, NULL, &line), ZT_EINVAL);
		CHECK_EQ(line, 4);
		len = sign_text(file, sizeof file, b2, &ids[0]);
		/* another hex digit in the signature: it no longer verifies */
		file[len - 3] = file[len - 3] == '0' ? '1' : '0';
		CHECK(zt_roots_parse_at(&back, file, len, NULL, &line) != ZT_OK);
		CHECK_EQ(line, 0);
	}
	/* Missing or repeated fields, unknown keywords. */
	{
		const char *edits[][2] = {
		    {"timestamp 1700000000000\n", ""},
		    {"timestamp 1700000000000\n", "timestamp 1\ntimestamp 2\n"},
		    {"timestamp 1700000000000\n", "timestamp -1\n"},
		    {"timestamp 1700000000000\n", "timestamp 1234567890123456789\n"},
		    {"timestamp 1700000000000\n", "timestamp 12a\n"},
		    {"timestamp 1700000000000\n", "timestamp\n"},
		    {"timestamp 1700000000000\n", "timestamp 1700000000000\nfrobnicate 1\n"},
		    {"timestamp 1700000000000\n", "timestamp 1700000000000\n   \n"},
		    {"signer ", "signer 00"},
		    {"signer ", "signer x"},
		    {"root ", "root x"},
		    {"/9993", "/0"},
		    {"/9993", "/65536"},
		    {"/9993", ""},
		    {" 192.0.2.1/9993", ""},
		};
		for (size_t i = 0; i < sizeof edits / sizeof edits[0]; i++) {
			char b2[4096];
			const char *p = strstr(body, edits[i][0]);
			int r;
			CHECK(p != NULL);
			if (p == NULL)
				continue;
			snprintf(b2, sizeof b2, "%.*s%s%s", (int)(p - body), body, edits[i][1],
			         p + strlen(edits[i][0]));
			len = sign_text(file, sizeof file, b2, &ids[0]);
			r = zt_roots_parse(&back, file, len, NULL);
			if (r == ZT_OK)
				printf("  accepted edit %zu\n", i);
			CHECK(r != ZT_OK);
		}
	}
	/* No roots at all; a root twice; a root given with its secret. */
	len = sign_text(file, sizeof file, body, &ids[0]);
	{
		char b2[4096], sec[ZT_IDENTITY_SECRET_TEXT];
		off = header(b2, sizeof b2, &ids[0]);
		len = sign_text(file, sizeof file, b2, &ids[0]);
		CHECK_EQ(zt_roots_parse(&back, file, len, NULL), ZT_EINVAL);
		off += root_line(b2 + off, sizeof b2 - off, &ids[1], "192.0.2.1/9993");
		root_line(b2 + off, sizeof b2 - off, &ids[1], "192.0.2.2/9993");
		len = sign_text(file, sizeof file, b2, &ids[0]);
		CHECK_EQ(zt_roots_parse(&back, file, len, NULL), ZT_EINVAL);
		off = header(b2, sizeof b2, &ids[0]);
		CHECK_EQ(zt_identity_to_text(&ids[1], true, sec, sizeof sec), ZT_OK);
		snprintf(b2 + off, sizeof b2 - off, "root %s 192.0.2.1/9993\n", sec);
		len = sign_text(file, sizeof file, b2, &ids[0]);
		CHECK_EQ(zt_roots_parse(&back, file, len, NULL), ZT_EINVAL);
	}
	/* No signature line; a truncated one. */
	CHECK_EQ(zt_roots_parse(&back, body, strlen(body), NULL), ZT_EINVAL);
	len = sign_text(file, sizeof file, body, &ids[0]);
	CHECK_EQ(zt_roots_parse(&back, file, len - 3, NULL), ZT_EINVAL);
	/* Too long a line, too long a file. */
	{
		static char big[20000];
		memset(big, '#', sizeof big);
		big[600] = '\n';
		memcpy(big + 601, file, len);
		CHECK_EQ(zt_roots_parse(&back, big, 601 + len, NULL), ZT_EINVAL);
		for (size_t i = 0; i < 16384; i += 100)
			big[i] = '\n';
		CHECK_EQ(zt_roots_parse(&back, big, sizeof big, NULL), ZT_ERANGE);
	}
	/* Writer limits. */
	{
		struct zt_roots r;
		char small[200];
		struct zt_identity pub = ids[0];
		make_roots(&r, 1);
		CHECK_EQ(zt_roots_write(&r, &ids[0], small, sizeof small), ZT_ERANGE);
		pub.has_secret = false;
		CHECK_EQ(zt_roots_write(&r, &pub, file, sizeof file), ZT_EINVAL);
		r.roots[0].endpoint_count = 0;
		CHECK_EQ(zt_roots_write(&r, &ids[0], file, sizeof file), ZT_EINVAL);
		r.roots[0].endpoint_count = ZT_MAX_ROOT_ENDPOINTS + 1;
		CHECK_EQ(zt_roots_write(&r, &ids[0], file, sizeof file), ZT_EINVAL);
		r.count = 0;
		CHECK_EQ(zt_roots_write(&r, &ids[0], file, sizeof file), ZT_EINVAL);
	}
}

static void test_single_byte_mutations(void)
{
	static const uint8_t telling[] = {0x00, '\n', '\r', ' ', '\t', '#', '0', 'f', 'G', ':'};
	struct zt_roots r, orig, back;
	char file[1024], m[1024];
	int len;
	long tried = 0, accepted = 0, bad = 0;
	bool exhaustive = getenv("ZT_TEST_EXHAUSTIVE") != NULL;

	/* One root (each adds an Argon2id per parse) with an IPv4 and an IPv6
	 * endpoint. */
	make_roots(&r, 2);
	r.count = 1;
	r.roots[0].endpoint_count = 2;
	ep(&r.roots[0].endpoints[1], "2001:db8::1/9993");
	len = zt_roots_write(&r, &ids[0], file, sizeof file);
	CHECK(len > 0);
	if (len <= 0)
		return;
	CHECK_EQ(zt_roots_parse(&orig, file, (size_t)len, NULL), ZT_OK);
	for (int i = 0; i < len; i++) {
		int nv = exhaustive ? 256 : (int)(sizeof telling + 4);
		for (int k = 0; k < nv; k++) {
			uint8_t v;
			int res;
			if (exhaustive)
				v = (uint8_t)k;
			else if (k < (int)sizeof telling)
				v = telling[k];
			else /* flip one bit of the original: 0x01, 0x20, 0x40, 0x80 */
				v = (uint8_t)file[i] ^
				    (uint8_t)(k == (int)sizeof telling
				                  ? 0x01
				                  : 0x10 << (k - (int)sizeof telling));
			if (v == (uint8_t)file[i])
				continue;
			memcpy(m, file, (size_t)len);
			m[i] = (char)v;
			tried++;
			res = zt_roots_parse(&back, m, (size_t)len, NULL);
			if (res != ZT_OK) {
				if (!all_zero(&back, sizeof back))
					bad++;
				continue;
			}
			accepted++;
			if (!same_roots(&orig, &back)) {
				if (bad++ < 5)
					printf("  byte %d = 0x%02x parses to different content\n",
					       i, v);
			}
		}
	}
	/* The ones accepted are benign: the signature's hex case, the
	 * separator before it, the final newline. */
	printf("  %ld mutations, %ld accepted as identical\n", tried, accepted);
	CHECK_EQ(bad, 0);
	/* Truncations, too. */
	for (int cut = 0; cut < len; cut++) {
		int res = zt_roots_parse(&back, file, (size_t)cut, NULL);
		if (res == ZT_OK && !(cut == len - 1 && same_roots(&orig, &back)))
			CHECK(!"a truncated file parsed");
	}
}

/* Signed by ids[0] at `ts`, through the writer and the parser (as a node
 * gets them). */
static void signed_roots(struct zt_roots *out, unsigned count, int64_t ts)
{
	struct zt_roots r;
	char buf[8192];
	int len;
	make_roots(&r, count);
	r.timestamp = ts;
	len = zt_roots_write(&r, &ids[0], buf, sizeof buf);
	if (len <= 0 || zt_roots_parse(out, buf, (size_t)len, NULL) != ZT_OK)
		abort();
}

static int h_send(void *ctx, int64_t sock, const struct zt_endpoint *to, const void *pkt,
                  size_t len)
{
	(void)ctx;
	(void)sock;
	(void)to;
	(void)pkt;
	(void)len;
	return 0;
}

static void h_random(void *ctx, void *buf, size_t len)
{
	(void)ctx;
	randombytes_buf(buf, len);
}

/* A node that has accepted a signed roots file refuses an older one from
 * the same signer, and one as old with other roots: replaying an old file
 * must not take a deployment back to roots it retired. */
static void test_node_refuses_rollback(void)
{
	struct zt_host host = {.version = ZT_HOST_VERSION, .wire_send = h_send, .random = h_random};
	struct zt_node *node = NULL;
	struct zt_identity me;
	struct zt_roots newer, older, same_ts, again;
	struct test_rng rng;
	int64_t now = 1700000100000LL;

	test_rng_seed(&rng, 7);
	CHECK_EQ(zt_identity_generate(&me, test_rng_bytes, &rng), ZT_OK);
	CHECK_EQ(zt_node_new(&node, &host, &me, 0, now), ZT_OK);
	if (node == NULL)
		return;
	signed_roots(&newer, 2, 1700000000500LL);
	signed_roots(&older, 2, 1700000000400LL);
	signed_roots(&same_ts, 3, 1700000000500LL);
	CHECK_EQ(zt_node_set_roots(node, now, &newer), ZT_OK);
	CHECK_EQ(zt_node_set_roots(node, now, &older), ZT_ESTALE);
	CHECK_EQ(zt_node_set_roots(node, now, &same_ts), ZT_ESTALE);
	/* The very same file again, and a newer one, are fine. */
	CHECK_EQ(zt_node_set_roots(node, now, &newer), ZT_OK);
	signed_roots(&again, 1, 1700000000600LL);
	CHECK_EQ(zt_node_set_roots(node, now, &again), ZT_OK);
	CHECK_EQ(zt_node_set_roots(node, now, &newer), ZT_ESTALE);
	/* Another signer is the shell's business (it pins one). */
	{
		struct zt_roots other;
		char buf[4096];
		int len;
		make_roots(&other, 1);
		other.timestamp = 1;
		len = zt_roots_write(&other, &other_signer, buf, sizeof buf);
		CHECK(len > 0 && zt_roots_parse(&other, buf, (size_t)len, NULL) == ZT_OK);
		CHECK_EQ(zt_node_set_roots(node, now, &other), ZT_OK);
	}
	zt_node_free(node);
	zt_identity_wipe(&me);
}

/* What a node remembers across restarts: the text form round-trips, and
 * the rule holds against it as against the roots in use. */
static void test_seen_record(void)
{
	struct zt_roots a, b;
	struct zt_roots_seen seen, back;
	char text[ZT_ROOTS_SEEN_TEXT];
	int len;

	signed_roots(&a, 2, 1700000000500LL);
	zt_roots_seen_of(&seen, &a);
	len = zt_roots_seen_to_text(&seen, text, sizeof text);
	CHECK(len > 0 && (size_t)len == strlen(text) && text[len - 1] == '\n');
	CHECK_EQ(zt_roots_seen_from_text(&back, text, (size_t)len), ZT_OK);
	CHECK(memcmp(&seen, &back, sizeof seen) == 0);
	CHECK_EQ(zt_roots_seen_from_text(&back, text, (size_t)len - 1), ZT_OK);
	CHECK(memcmp(&seen, &back, sizeof seen) == 0);
	CHECK_EQ(zt_roots_seen_to_text(&seen, text, ZT_ROOTS_SEEN_TEXT - 1), ZT_ERANGE);

	/* The same file gives the same digest; any other root, endpoint or
	 * number of them another. */
	b = a;
	zt_roots_seen_of(&back, &b);
	CHECK(memcmp(seen.digest, back.digest, 32) == 0);
	CHECK_EQ(zt_roots_check_seen(&seen, &b), ZT_OK);
	b.roots[1].endpoints[0].port++;
	CHECK_EQ(zt_roots_check_seen(&seen, &b), ZT_ESTALE);
	b = a;
	b.roots[0].endpoint_count++;
	ep(&b.roots[0].endpoints[b.roots[0].endpoint_count - 1], "203.0.113.1/1");
	CHECK_EQ(zt_roots_check_seen(&seen, &b), ZT_ESTALE);
	b = a;
	b.count = 1;
	CHECK_EQ(zt_roots_check_seen(&seen, &b), ZT_ESTALE);
	b = a;
	b.roots[0].id.pk[5] ^= 1;
	CHECK_EQ(zt_roots_check_seen(&seen, &b), ZT_ESTALE);
	/* Older refused, newer fine, by the millisecond. */
	b = a;
	b.timestamp--;
	CHECK_EQ(zt_roots_check_seen(&seen, &b), ZT_ESTALE);
	b.timestamp += 2;
	b.count = 1;
	CHECK_EQ(zt_roots_check_seen(&seen, &b), ZT_OK);
	/* Another signer's file is not compared. */
	b = a;
	b.timestamp = 0;
	memcpy(b.signer, other_signer.pk, 32);
	CHECK_EQ(zt_roots_check_seen(&seen, &b), ZT_OK);

	/* Malformed records. */
	{
		const char *bad[] = {
		    "",
		    "\n",
		    "00 1 00\n",
		    "x",
		};
		for (size_t i = 0; i < ZT_ARRAY_LEN(bad); i++)
			CHECK_EQ(zt_roots_seen_from_text(&back, bad[i], strlen(bad[i])), ZT_EINVAL);
		for (int i = 0; i < len; i++) {
			char m[ZT_ROOTS_SEEN_TEXT];
			memcpy(m, text, (size_t)len);
			m[i] = m[i] == ' ' ? 'x' : (m[i] >= '0' && m[i] <= '9') ? 'g' : ' ';
			if (i == len - 1)
				continue; /* the newline is optional */
			CHECK_EQ(zt_roots_seen_from_text(&back, m, (size_t)len), ZT_EINVAL);
			CHECK(all_zero(&back, sizeof back));
		}
		CHECK_EQ(zt_roots_seen_from_text(&back, text, (size_t)len - 3), ZT_EINVAL);
	}
}

int main(void)
{
	if (sodium_init() < 0)
		return 1;
	setup();
	RUN(test_round_trip);
	RUN(test_pinned_signer);
	RUN(test_too_many_roots);
	RUN(test_too_many_endpoints);
	RUN(test_malformed_files);
	RUN(test_single_byte_mutations);
	RUN(test_node_refuses_rollback);
	RUN(test_seen_record);
	TEST_EXIT();
}
