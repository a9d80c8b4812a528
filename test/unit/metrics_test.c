/* SPDX-License-Identifier: MIT */
/*
 * metrics_test.c - osdep/metrics.c: what it writes passes a strict checker
 * of the Prometheus text format 0.0.4 (written here from the format's
 * description, independent of the writer), escapes what it must, stays
 * within its bound, refuses invalid names, and shows every core counter.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "node/zt.h"
#include "osdep/evloop.h"
#include "osdep/metrics.h"
#include "test.h"

/* ---- the checker ---- */

#define MAX_FAMILIES 128
#define MAX_SERIES   4096

struct family {
	char name[96];
	char type[16];
	bool help, typed, has_samples;
};

struct checker {
	struct family fam[MAX_FAMILIES];
	int nfam;
	int current; /* the family whose samples may follow, -1 none */
	char *series[MAX_SERIES];
	int nseries;
	/* histogram state of the current series (labels without le) */
	char hist_key[512];
	double last_le;
	uint64_t last_cum;
	bool saw_inf;
	uint64_t inf_count;
	char why[256];
	int samples;
};

static bool fail(struct checker *c, int line, const char *why)
{
	snprintf(c->why, sizeof c->why, "line %d: %s", line, why);
	return false;
}

static bool metric_name(const char *s, size_t n)
{
	if (n == 0 || isdigit((unsigned char)s[0]))
		return false;
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && s[i] != '_' && s[i] != ':')
			return false;
	return true;
}

static bool label_name(const char *s, size_t n)
{
	if (n == 0 || isdigit((unsigned char)s[0]) || (n >= 2 && s[0] == '_' && s[1] == '_'))
		return false;
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && s[i] != '_')
			return false;
	return true;
}

/* A Go ParseFloat value as the format allows (also NaN, +Inf, -Inf). */
static bool parse_value(const char *s, double *v)
{
	char *end;

	if (strcmp(s, "NaN") == 0 || strcmp(s, "+Inf") == 0 || strcmp(s, "-Inf") == 0) {
		*v = s[0] == 'N' ? NAN : s[0] == '+' ? INFINITY : -INFINITY;
		return true;
	}
	if (*s == '\0' || isspace((unsigned char)*s))
		return false;
	*v = strtod(s, &end);
	return *end == '\0' && isfinite(*v);
}

static int find_family(struct checker *c, const char *name)
{
	for (int i = 0; i < c->nfam; i++)
		if (strcmp(c->fam[i].name, name) == 0)
			return i;
	return -1;
}

static bool comment(struct checker *c, int ln, char *line)
{
	char *kw = line + 2, *name, *rest;
	int f;

	if (strncmp(line, "# ", 2) != 0)
		return true; /* another comment: allowed, ignored */
	if (strncmp(kw, "HELP ", 5) != 0 && strncmp(kw, "TYPE ", 5) != 0)
		return true;
	name = kw + 5;
	rest = strchr(name, ' ');
	if (rest == NULL)
		return fail(c, ln, "HELP/TYPE without text");
	*rest++ = '\0';
	if (!metric_name(name, strlen(name)))
		return fail(c, ln, "invalid metric name");
	f = find_family(c, name);
	if (f < 0) {
		if (c->nfam == MAX_FAMILIES)
			return fail(c, ln, "too many families");
		f = c->nfam++;
		memset(&c->fam[f], 0, sizeof c->fam[f]);
		snprintf(c->fam[f].name, sizeof c->fam[f].name, "%s", name);
	} else if (f != c->current || c->fam[f].has_samples) {
		return fail(c, ln, "a family's HELP/TYPE apart from the rest of it");
	}
	c->current = f;
	if (kw[0] == 'H') {
		if (c->fam[f].help)
			return fail(c, ln, "HELP twice");
		/* Escapes in help text: only \\ and \n. */
		for (char *p = rest; *p; p++)
			if (*p == '\\' && (p[1] != '\\' && p[1] != 'n'))
				return fail(c, ln, "bad escape in HELP");
			else if (*p == '\\')
				p++;
		c->fam[f].help = true;
		return true;
	}
	if (c->fam[f].typed)
		return fail(c, ln, "TYPE twice");
	if (strcmp(rest, "counter") && strcmp(rest, "gauge") && strcmp(rest, "histogram") &&
	    strcmp(rest, "summary") && strcmp(rest, "untyped"))
		return fail(c, ln, "unknown TYPE");
	if (strcmp(rest, "counter") == 0 &&
	    (strlen(name) <= 6 || strcmp(name + strlen(name) - 6, "_total") != 0))
		return fail(c, ln, "a counter's name does not end in _total");
	snprintf(c->fam[f].type, sizeof c->fam[f].type, "%s", rest);
	c->fam[f].typed = true;
	return true;
}

static bool ends(const char *s, size_t n, const char *suf)
{
	size_t k = strlen(suf);
	return n >= k && memcmp(s + n - k, suf, k) == 0;
}

static bool sample(struct checker *c, int ln, char *line)
{
	char *p = line, key[512], le[64] = "", *val;
	size_t nl, kl = 0;
	struct family *f;
	double v;

	while (*p && *p != '{' && *p != ' ')
		p++;
	nl = (size_t)(p - line);
	if (!metric_name(line, nl))
		return fail(c, ln, "invalid sample name");
	if (c->current < 0)
		return fail(c, ln, "a sample before any TYPE");
	f = &c->fam[c->current];
	if (!f->typed)
		return fail(c, ln, "a sample of a family without TYPE");
	if (strcmp(f->type, "histogram") == 0) {
		size_t fl = strlen(f->name);
		if (nl <= fl || memcmp(line, f->name, fl) != 0 ||
		    !(ends(line, nl, "_bucket") || ends(line, nl, "_sum") ||
		      ends(line, nl, "_count")) ||
		    (nl != fl + 7 && nl != fl + 4 && nl != fl + 6))
			return fail(c, ln, "a histogram sample not named _bucket/_sum/_count");
	} else if (nl != strlen(f->name) || memcmp(line, f->name, nl) != 0) {
		return fail(c, ln, "a sample outside its family");
	}
	memcpy(key, line, nl);
	kl = nl;
	key[kl++] = '{';
	if (*p == '{') {
		p++;
		while (*p != '}') {
			char *ln0 = p, *vstart;
			size_t lnl;

			while (*p && *p != '=')
				p++;
			lnl = (size_t)(p - ln0);
			if (*p != '=' || !label_name(ln0, lnl))
				return fail(c, ln, "invalid label name");
			if (p[1] != '"')
				return fail(c, ln, "label value not quoted");
			p += 2;
			vstart = p;
			while (*p && *p != '"') {
				if (*p == '\\') {
					if (p[1] != '\\' && p[1] != '"' && p[1] != 'n')
						return fail(c, ln, "bad escape in a label value");
					p++;
				} else if (*p == '\n') {
					return fail(c, ln, "raw newline in a label value");
				}
				p++;
			}
			if (*p != '"')
				return fail(c, ln, "unterminated label value");
			if (lnl == 2 && memcmp(ln0, "le", 2) == 0) {
				size_t vl = (size_t)(p - vstart);
				if (vl >= sizeof le)
					return fail(c, ln, "le too long");
				memcpy(le, vstart, vl);
				le[vl] = '\0';
			} else {
				size_t add = (size_t)(p + 1 - ln0);
				if (kl + add + 2 >= sizeof key)
					return fail(c, ln, "labels too long");
				memcpy(key + kl, ln0, add);
				kl += add;
				key[kl++] = ',';
			}
			p++;
			if (*p == ',')
				p++;
			else if (*p != '}')
				return fail(c, ln, "expected , or } after a label");
		}
		p++;
	}
	key[kl] = '\0';
	if (*p != ' ')
		return fail(c, ln, "no space before the value");
	val = ++p;
	if (strchr(val, ' ') != NULL)
		return fail(c, ln, "a timestamp or junk after the value");
	if (!parse_value(val, &v))
		return fail(c, ln, "invalid value");
	if (strcmp(f->type, "counter") == 0 && !(v >= 0))
		return fail(c, ln, "a negative or NaN counter");
	if (ends(line, nl, "_bucket") && strcmp(f->type, "histogram") == 0) {
		double lv;
		if (le[0] == '\0' || !parse_value(le, &lv))
			return fail(c, ln, "a bucket without a valid le");
		if (strcmp(key, c->hist_key) != 0) {
			snprintf(c->hist_key, sizeof c->hist_key, "%s", key);
			c->last_le = -INFINITY;
			c->last_cum = 0;
			c->saw_inf = false;
		}
		if (!(lv > c->last_le) || v < (double)c->last_cum)
			return fail(c, ln, "buckets not increasing or not cumulative");
		c->last_le = lv;
		c->last_cum = (uint64_t)v;
		if (isinf(lv)) {
			c->saw_inf = true;
			c->inf_count = (uint64_t)v;
		}
		/* le is part of the series' identity */
		if (kl + strlen(le) + 4 < sizeof key) {
			strcat(key, "le=");
			strcat(key, le);
		}
	} else if (le[0] != '\0') {
		return fail(c, ln, "le outside a histogram's buckets");
	} else if (strcmp(f->type, "histogram") == 0 && ends(line, nl, "_count")) {
		if (!c->saw_inf || (double)c->inf_count != v)
			return fail(c, ln, "_count without a +Inf bucket equal to it");
	}
	for (int i = 0; i < c->nseries; i++)
		if (strcmp(c->series[i], key) == 0)
			return fail(c, ln, "the same series twice");
	if (c->nseries == MAX_SERIES)
		return fail(c, ln, "too many series");
	c->series[c->nseries++] = strdup(key);
	f->has_samples = true;
	c->samples++;
	return true;
}

/* 0 if text is valid exposition format; else 1 with the reason in c->why. */
static int check_text(struct checker *c, const char *text, size_t len)
{
	char *copy, *line, *next;
	int ln = 0, bad = 0;

	memset(c, 0, sizeof *c);
	c->current = -1;
	if (len == 0 || text[len - 1] != '\n' || strlen(text) != len) {
		snprintf(c->why, sizeof c->why, "empty, NUL inside or no final newline");
		return 1;
	}
	copy = strndup(text, len);
	for (line = copy; *line && !bad; line = next) {
		next = strchr(line, '\n');
		*next++ = '\0';
		ln++;
		if (line[0] == '\0') {
			bad = !fail(c, ln, "empty line");
		} else if (line[0] == '#') {
			bad = !comment(c, ln, line);
		} else {
			bad = !sample(c, ln, line);
		}
	}
	for (int i = 0; i < c->nseries; i++)
		free(c->series[i]);
	free(copy);
	return bad;
}

/* ---- tests ---- */

static struct checker chk;

static bool has_line(const char *text, const char *line)
{
	const char *p = text;
	size_t n = strlen(line);

	while ((p = strstr(p, line)) != NULL) {
		if ((p == text || p[-1] == '\n') && p[n] == '\n')
			return true;
		p += n;
	}
	return false;
}

static void test_checker_catches(void)
{
	/* The checker itself must refuse what the format forbids. */
	static const char *const bad[] = {
	    "x_total 1\n",                                  /* no TYPE */
	    "# TYPE x_total counter\nx_total 1",            /* no final newline */
	    "# TYPE x counter\nx 1\n",                      /* counter without _total */
	    "# TYPE x gauge\nx{a=\"1\"} 1\nx{a=\"1\"} 2\n", /* duplicate series */
	    "# TYPE x gauge\nx{a=\"\\q\"} 1\n",             /* bad escape */
	    "# TYPE x gauge\nx{a=1} 1\n",                   /* unquoted */
	    "# TYPE x gauge\nx 1 2 3\n",                    /* junk */
	    "# TYPE x gauge\ny 1\n",                        /* outside family */
	    "# TYPE x gauge\nx{__a=\"1\"} 1\n",             /* reserved label */
	    "# TYPE h histogram\nh_bucket{le=\"1\"} 2\nh_bucket{le=\"+Inf\"} 1\n"
	    "h_count 1\n",                                                /* not cumulative */
	    "# TYPE h histogram\nh_bucket{le=\"1\"} 1\nh_count 1\n",      /* no +Inf */
	    "# TYPE x gauge\nx 1\n# TYPE y gauge\ny 1\n# HELP x again\n", /* split family */
	};
	static const char good[] = "# HELP x a\n# TYPE x gauge\nx 1.5\n";

	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		CHECK_EQ(check_text(&chk, bad[i], strlen(bad[i])), 1);
		if (!chk.why[0])
			printf("  accepted: %s\n", bad[i]);
	}
	CHECK_EQ(check_text(&chk, good, strlen(good)), 0);
}

static void test_escaping(void)
{
	struct zt_metrics m;
	struct zt_metrics_label l[2] = {{"a", "q\"b\\s\nn"}, {"b", ""}};
	char *text;
	size_t len;

	zt_metrics_begin(&m, 0);
	zt_metrics_family(&m, "zt_test_total", ZT_METRICS_COUNTER, "help with \\ and\nnewline");
	zt_metrics_value(&m, l, 2, UINT64_MAX);
	zt_metrics_gauge(&m, "zt_test_gauge", "g", -0.25);
	zt_metrics_gauge(&m, "zt_test_nan", "n", NAN);
	text = zt_metrics_finish(&m, &len);
	CHECK(text != NULL);
	if (text == NULL)
		return;
	CHECK_EQ(check_text(&chk, text, len), 0);
	if (chk.why[0])
		printf("  %s\n", chk.why);
	CHECK(has_line(text, "# HELP zt_test_total help with \\\\ and\\nnewline"));
	CHECK(has_line(text, "zt_test_total{a=\"q\\\"b\\\\s\\nn\",b=\"\"} 18446744073709551615"));
	CHECK(has_line(text, "zt_test_gauge -0.25"));
	CHECK(has_line(text, "zt_test_nan NaN"));
	free(text);
}

static void test_histogram(void)
{
	static const double bounds[] = {0.001, 0.01, 0.1};
	struct zt_metrics_hist h;
	struct zt_metrics_label l = {"op", "get"};
	struct zt_metrics m;
	char *text;
	size_t len;

	zt_metrics_hist_init(&h, bounds, 3);
	zt_metrics_hist_observe(&h, 0.0005);
	zt_metrics_hist_observe(&h, 0.001); /* le is inclusive */
	zt_metrics_hist_observe(&h, 0.05);
	zt_metrics_hist_observe(&h, 2);
	zt_metrics_begin(&m, 0);
	zt_metrics_family(&m, "zt_db_seconds", ZT_METRICS_HISTOGRAM, "h");
	zt_metrics_hist_write(&m, &l, 1, &h);
	text = zt_metrics_finish(&m, &len);
	CHECK(text != NULL);
	if (text == NULL)
		return;
	CHECK_EQ(check_text(&chk, text, len), 0);
	if (chk.why[0])
		printf("  %s\n", chk.why);
	CHECK(has_line(text, "zt_db_seconds_bucket{op=\"get\",le=\"0.001\"} 2"));
	CHECK(has_line(text, "zt_db_seconds_bucket{op=\"get\",le=\"0.01\"} 2"));
	CHECK(has_line(text, "zt_db_seconds_bucket{op=\"get\",le=\"0.10000000000000001\"} 3"));
	CHECK(has_line(text, "zt_db_seconds_bucket{op=\"get\",le=\"+Inf\"} 4"));
	CHECK(has_line(text, "zt_db_seconds_count{op=\"get\"} 4"));
	CHECK(strstr(text, "zt_db_seconds_sum{op=\"get\"} 2.05") != NULL);
	free(text);
}

static void test_refuses(void)
{
	struct zt_metrics m;
	struct zt_metrics_label l = {"bad-name", "x"};
	size_t len;
	char *text;

	/* A counter without _total, a gauge with it, invalid names, a sample
	 * before any family: each fails the scrape (no text). */
	zt_metrics_begin(&m, 0);
	zt_metrics_counter(&m, "zt_x", "h", 1);
	CHECK(zt_metrics_finish(&m, &len) == NULL);
	zt_metrics_begin(&m, 0);
	zt_metrics_gauge(&m, "zt_x_total", "h", 1);
	CHECK(zt_metrics_finish(&m, &len) == NULL);
	zt_metrics_begin(&m, 0);
	zt_metrics_gauge(&m, "9zt", "h", 1);
	CHECK(zt_metrics_finish(&m, &len) == NULL);
	zt_metrics_begin(&m, 0);
	zt_metrics_family(&m, "zt_y", ZT_METRICS_GAUGE, "h");
	zt_metrics_value(&m, &l, 1, 1);
	CHECK(zt_metrics_finish(&m, &len) == NULL);
	zt_metrics_begin(&m, 0);
	zt_metrics_value(&m, NULL, 0, 1);
	CHECK(zt_metrics_finish(&m, &len) == NULL);
	/* The bound: 2000 samples of ~30 bytes do not fit 4 KiB. */
	zt_metrics_begin(&m, 4096);
	zt_metrics_family(&m, "zt_many", ZT_METRICS_GAUGE, "h");
	for (int i = 0; i < 2000; i++) {
		char v[16];
		struct zt_metrics_label k = {"i", v};
		snprintf(v, sizeof v, "%d", i);
		zt_metrics_value(&m, &k, 1, (uint64_t)i);
	}
	CHECK(m.len < 4096);
	CHECK(zt_metrics_finish(&m, &len) == NULL);
	/* and what fits is kept whole */
	zt_metrics_begin(&m, 4096);
	zt_metrics_gauge(&m, "zt_one", "h", 1);
	text = zt_metrics_finish(&m, &len);
	CHECK(text != NULL && len == strlen(text) && len < 4096);
	free(text);
}

static void test_every_counter_shown(void)
{
	for (int c = 0; c < ZT_CTR_COUNT; c++) {
		const char *fam, *label;
		zt_metrics_counter_family((enum zt_counter)c, &fam, &label);
		CHECK(fam != NULL && label != NULL);
		if (fam == NULL)
			printf("  counter %s has no metric\n", zt_counter_name((enum zt_counter)c));
	}
}

static void h_random(void *ctx, void *buf, size_t len)
{
	test_rng_bytes(ctx, buf, len);
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

/* A node with a root and an ad-hoc network: every family the programs
 * share, in valid text, with the values the node has. */
static void test_node(void)
{
	const int64_t now = 1700000000000LL;
	struct zt_identity id, rid;
	struct test_rng rng;
	struct zt_roots roots;
	struct zt_host host;
	struct zt_node *node = NULL;
	struct zt_metrics m;
	char *text, line[160];
	size_t len;

	test_rng_seed(&rng, 7);
	CHECK_EQ(zt_identity_generate(&id, test_rng_bytes, &rng), ZT_OK);
	CHECK_EQ(zt_identity_generate(&rid, test_rng_bytes, &rng), ZT_OK);
	memset(&host, 0, sizeof host);
	host.version = ZT_HOST_VERSION;
	host.ctx = &rng;
	host.wire_send = h_send;
	host.random = h_random;
	CHECK_EQ(zt_node_new(&node, &host, &id, 0, now), ZT_OK);
	if (node == NULL)
		return;
	CHECK_EQ(zt_node_add_socket(node, 1, 4), ZT_OK);
	memset(&roots, 0, sizeof roots);
	roots.count = 1;
	roots.roots[0].id = rid;
	roots.roots[0].id.has_secret = false;
	memset(roots.roots[0].id.sk, 0, 64);
	CHECK_EQ(zt_endpoint_parse("192.0.2.1/9993", &roots.roots[0].endpoints[0]), ZT_OK);
	roots.roots[0].endpoint_count = 1;
	CHECK_EQ(zt_node_set_roots(node, now, &roots), ZT_OK);
	CHECK_EQ(zt_node_join(node, now, 0xff00000000000001ULL), ZT_OK);

	zt_metrics_begin(&m, 0);
	zt_metrics_node(&m, node, now, NULL, NULL, true);
	text = zt_metrics_finish(&m, &len);
	CHECK(text != NULL);
	if (text != NULL) {
		CHECK_EQ(check_text(&chk, text, len), 0);
		if (chk.why[0])
			printf("  %s\n", chk.why);
		CHECK(has_line(text, "zt_online 0"));
		CHECK(has_line(text, "zt_peers{role=\"root\",path=\"none\"} 1"));
		CHECK(has_line(text, "zt_peers{role=\"leaf\",path=\"direct\"} 0"));
		CHECK(has_line(text, "zt_drops_total{reason=\"forged_src_mac\"} 0"));
		CHECK(has_line(text, "zt_drops_total{reason=\"hs_over_budget\"} 0"));
		CHECK(has_line(text, "zt_num_networks 1"));
		snprintf(line, sizeof line, "zt_peer_direct_paths{node_id=\"%010llx\"} 1",
		         (unsigned long long)rid.address);
		CHECK(has_line(text, line));
		CHECK(
		    has_line(text, "zt_network_members_known{network_id=\"ff00000000000001\"} 0"));
		/* an ad-hoc network's rules use no `established`: no flow table */
		CHECK(has_line(text, "zt_network_flows{network_id=\"ff00000000000001\"} 0"));
		CHECK(has_line(text, "zt_network_flows_max{network_id=\"ff00000000000001\"} 0"));
		CHECK(has_line(text, "# TYPE zt_network_flows_inserted_total counter"));
		CHECK(has_line(
		    text, "zt_network_flows_evicted_total{network_id=\"ff00000000000001\"} 0"));
		/* every core counter, once */
		for (int c = 0; c < ZT_CTR_COUNT; c++) {
			const char *fam, *label, *p;
			char lv[64];
			int found = 0;

			zt_metrics_counter_family((enum zt_counter)c, &fam, &label);
			if (fam == NULL)
				continue;
			snprintf(lv, sizeof lv, "=\"%s\"} ", label);
			snprintf(line, sizeof line, "\n%s", fam);
			for (p = strstr(text, line); p; p = strstr(p + 1, line)) {
				const char *eol = strchr(p + 1, '\n'), *q = p + 1 + strlen(fam);
				const char *hit = strstr(q, lv);
				if (*q == ' ' || (*q == '{' && hit != NULL && hit < eol))
					found++;
			}
			CHECK_EQ(found, 1);
		}
		free(text);
	}
	/* Without per-peer families (roots, controllers): no node_id. */
	zt_metrics_begin(&m, 0);
	zt_metrics_node(&m, node, now, NULL, NULL, false);
	text = zt_metrics_finish(&m, &len);
	CHECK(text != NULL && strstr(text, "node_id") == NULL);
	if (text != NULL)
		CHECK_EQ(check_text(&chk, text, len), 0);
	free(text);
	zt_node_free(node);
}

static void fill_one(void *ctx, struct zt_metrics *m)
{
	++*(unsigned *)ctx;
	zt_metrics_counter(m, "zt_scrapes_total", "scrapes", 1);
}

static void fill_broken(void *ctx, struct zt_metrics *m)
{
	(void)ctx;
	zt_metrics_counter(m, "zt_no_suffix", "a counter without _total", 1);
}

/* A free loopback port (bound, read back, released). */
static uint16_t free_port(void)
{
	struct sockaddr_in sin;
	socklen_t sl = sizeof sin;
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	uint16_t p = 0;

	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd >= 0 && bind(fd, (struct sockaddr *)&sin, sizeof sin) == 0 &&
	    getsockname(fd, (struct sockaddr *)&sin, &sl) == 0)
		p = ntohs(sin.sin_port);
	if (fd >= 0)
		close(fd);
	return p;
}

/* One request to 127.0.0.1:port, the loop pumped until the answer is
 * complete (the server closes); the answer in out. */
static void fetch(struct zt_evloop *loop, uint16_t port, const char *req, char *out, size_t cap)
{
	struct sockaddr_in sin;
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	size_t got = 0;

	out[0] = '\0';
	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sin.sin_port = htons(port);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sin, sizeof sin) != 0 ||
	    send(fd, req, strlen(req), 0) != (ssize_t)strlen(req)) {
		if (fd >= 0)
			close(fd);
		return;
	}
	for (int i = 0; i < 200 && got < cap - 1; i++) {
		ssize_t n;
		(void)zt_evloop_wait(loop, 10);
		n = recv(fd, out + got, cap - 1 - got, MSG_DONTWAIT);
		if (n == 0)
			break;
		if (n > 0)
			got += (size_t)n;
	}
	out[got] = '\0';
	close(fd);
}

static void test_serve(void)
{
	static const char *const bad[] = {"1.2.3.4",        "::1:9100",        "[::1]:0",
	                                  "localhost:9100", "127.0.0.1:65536", "127.0.0.1:+9",
	                                  "127.0.0.1:",     ":9100",           "[::1:9100"};
	struct zt_metrics_server *srv = NULL;
	struct zt_evloop *loop = NULL;
	unsigned scrapes = 0;
	char addr[32], err[256], ans[4096];
	uint16_t port = free_port();

	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		err[0] = '\0';
		CHECK_EQ(zt_metrics_listen(&srv, loop, bad[i], fill_one, &scrapes, err, sizeof err),
		         -EINVAL);
		CHECK(srv == NULL && strstr(err, "expected IP:PORT") != NULL);
	}
	CHECK_EQ(zt_evloop_new(&loop), 0);
	CHECK(port != 0);
	if (loop == NULL || port == 0)
		return;
	snprintf(addr, sizeof addr, "127.0.0.1:%u", port);
	CHECK_EQ(zt_metrics_listen(&srv, loop, addr, fill_one, &scrapes, err, sizeof err), 0);
	if (srv != NULL) {
		char *body;

		fetch(loop, port, "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n", ans, sizeof ans);
		CHECK(strncmp(ans, "HTTP/1.1 200", 12) == 0);
		CHECK(strstr(ans, "\r\nContent-Type: text/plain; version=0.0.4") != NULL);
		body = strstr(ans, "\r\n\r\n");
		CHECK(body != NULL && strcmp(body + 4, "# HELP zt_scrapes_total scrapes\n"
		                                       "# TYPE zt_scrapes_total counter\n"
		                                       "zt_scrapes_total 1\n") == 0);
		CHECK_EQ(scrapes, 1);
		fetch(loop, port, "GET /status HTTP/1.1\r\nHost: x\r\n\r\n", ans, sizeof ans);
		CHECK(strncmp(ans, "HTTP/1.1 404", 12) == 0);
		fetch(loop, port, "POST /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n",
		      ans, sizeof ans);
		CHECK(strncmp(ans, "HTTP/1.1 405", 12) == 0);
		CHECK_EQ(scrapes, 1);
		/* The port is taken now. */
		{
			struct zt_metrics_server *again = NULL;
			CHECK_EQ(zt_metrics_listen(&again, loop, addr, fill_one, &scrapes, err,
			                           sizeof err),
			         -EADDRINUSE);
			CHECK(again == NULL && strstr(err, "choose another port") != NULL);
		}
		zt_metrics_server_free(srv);
		srv = NULL;
	}
	/* A scrape that fails (a bug: an invalid name) is a 500, not bad text. */
	CHECK_EQ(zt_metrics_listen(&srv, loop, addr, fill_broken, NULL, err, sizeof err), 0);
	if (srv != NULL) {
		fetch(loop, port, "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n", ans, sizeof ans);
		CHECK(strncmp(ans, "HTTP/1.1 500", 12) == 0);
		CHECK(strstr(ans, "zt_no_suffix") == NULL);
		zt_metrics_server_free(srv);
	}
	zt_evloop_free(loop);
}

int main(void)
{
	if (sodium_init() < 0)
		return 1;
	RUN(test_checker_catches);
	RUN(test_escaping);
	RUN(test_histogram);
	RUN(test_refuses);
	RUN(test_every_counter_shown);
	RUN(test_node);
	RUN(test_serve);
	TEST_EXIT();
}
