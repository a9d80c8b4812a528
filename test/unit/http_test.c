/* SPDX-License-Identifier: MIT */
/*
 * http_test.c - the local API's HTTP request parser (osdep/http.c):
 * complete requests, every proper prefix being "need more", a numbered
 * table of malformed and oversize requests with the status each must
 * get, and every single-byte mutation of a valid request.
 *
 * Unit tests link only libztnode.a, so the parser's source is included
 * here; it is pure C11 (no sockets, no allocation), which is also what
 * lets it build under the core's flags.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "osdep/http.c"
#include "test.h"

static const char get_req[] = "GET /network/ff00000000000001?x=1 HTTP/1.1\r\n"
                              "Host: 127.0.0.1\r\n"
                              "X-ZT1-Auth:   secret-token  \r\n"
                              "\r\n";
static const char post_req[] = "POST /network/ff00000000000001 HTTP/1.1\r\n"
                               "content-length: 2\r\n"
                               "\r\n"
                               "{}";

static enum zt_http_parse_result parse(const char *s, struct zt_http_request *r)
{
	return zt_http_parse_request(s, strlen(s), r);
}

static void test_get(void)
{
	struct zt_http_request r;
	const struct zt_http_str *v;

	CHECK_EQ(parse(get_req, &r), ZT_HTTP_COMPLETE);
	CHECK_EQ(r.total_len, strlen(get_req));
	CHECK(zt_http_str_eq(&r.method, "GET"));
	CHECK(zt_http_str_eq(&r.path, "/network/ff00000000000001"));
	CHECK(zt_http_str_eq(&r.query, "x=1"));
	CHECK_EQ(r.minor, 1);
	CHECK_EQ(r.header_count, 2);
	CHECK_EQ(r.body.len, 0);
	v = zt_http_header(&r, "x-zt1-AUTH");
	CHECK(v != NULL && zt_http_str_eq(v, "secret-token"));
	CHECK(zt_http_header(&r, "Authorization") == NULL);
}

static void test_post_body_and_pipelining(void)
{
	struct zt_http_request r;
	char buf[256];

	CHECK_EQ(parse(post_req, &r), ZT_HTTP_COMPLETE);
	CHECK(zt_http_str_eq(&r.body, "{}"));
	CHECK_EQ(r.total_len, strlen(post_req));
	/* Bytes after the body belong to the next request. */
	snprintf(buf, sizeof buf, "%sGET / HTTP/1.1\r\n\r\n", post_req);
	CHECK_EQ(parse(buf, &r), ZT_HTTP_COMPLETE);
	CHECK_EQ(r.total_len, strlen(post_req));
	CHECK(zt_http_str_eq(&r.body, "{}"));
}

static void test_bare_lf_and_http10(void)
{
	struct zt_http_request r;

	CHECK_EQ(parse("DELETE /network/1 HTTP/1.0\n\n", &r), ZT_HTTP_COMPLETE);
	CHECK(zt_http_str_eq(&r.method, "DELETE"));
	CHECK_EQ(r.minor, 0);
	CHECK(zt_http_str_eq(&r.path, "/network/1"));
	CHECK_EQ(r.query.len, 0);
}

/* Every proper prefix of a valid request is a valid prefix. */
static void test_prefixes(void)
{
	const char *reqs[] = {get_req, post_req};
	struct zt_http_request r;

	for (size_t k = 0; k < 2; k++) {
		size_t n = strlen(reqs[k]);

		for (size_t i = 0; i < n; i++) {
			enum zt_http_parse_result res = zt_http_parse_request(reqs[k], i, &r);

			if (res != ZT_HTTP_NEED_MORE) {
				printf("  request %zu, prefix %zu: %d (%s)\n", k, i, res,
				       r.error ? r.error : "");
				test_case_failed = 1;
				break;
			}
		}
	}
}

struct bad_case {
	const char *req;
	int status;
};

static void test_errors(void)
{
	static const struct bad_case cases[] = {
	    /*  1 */ {"G@T / HTTP/1.1\r\n\r\n", 400},
	    /*  2 */ {"GET x HTTP/1.1\r\n\r\n", 400},
	    /*  3 */ {"GET / HTTP/2.0\r\n\r\n", 505},
	    /*  4 */ {"GET / HTTP/1.2\r\n\r\n", 505},
	    /*  5 */ {"GET / HTTP/1.1x\r\n\r\n", 400},
	    /*  6 */ {"GET / http/1.1\r\n\r\n", 400},
	    /*  7 */ {"GET  / HTTP/1.1\r\n\r\n", 400},
	    /*  8 */ {"GET / HTTP/1.1\r\nA: b\r\n  folded\r\n\r\n", 400},
	    /*  9 */ {"GET / HTTP/1.1\r\nNoColon\r\n\r\n", 400},
	    /* 10 */ {"GET / HTTP/1.1\r\nName : v\r\n\r\n", 400},
	    /* 11 */ {"POST / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 1\r\n\r\nx", 400},
	    /* 12 */ {"POST / HTTP/1.1\r\nContent-Length: 1x\r\n\r\n", 400},
	    /* 13 */ {"POST / HTTP/1.1\r\nContent-Length: -1\r\n\r\n", 400},
	    /* 14 */ {"POST / HTTP/1.1\r\nContent-Length: 65537\r\n\r\n", 413},
	    /* 15 */ {"POST / HTTP/1.1\r\nContent-Length: 99999999999999999999\r\n\r\n", 400},
	    /* 16 */ {"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n", 501},
	    /* 17 */ {"GET / HTTP/1.1\r\nA: \x01\r\n\r\n", 400},
	    /* 18 */ {"GET / HTTP/1.1\r\nA: b\rc\r\n\r\n", 400},
	    /* 19 */ {"GET /\x7f HTTP/1.1\r\n\r\n", 400},
	    /* 20 */ {"\r\n\r\n", 400},
	    /* 21 */ {"GET /\r\n\r\n", 400},
	};
	struct zt_http_request r;

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		enum zt_http_parse_result res = parse(cases[i].req, &r);

		if (res != ZT_HTTP_ERROR || r.error_status != cases[i].status || !r.error) {
			printf("  case %zu: result %d status %d, want error %d\n", i + 1, res,
			       r.error_status, cases[i].status);
			test_case_failed = 1;
		}
	}
}

static void test_limits(void)
{
	struct zt_http_request r;
	const size_t cap = ZT_HTTP_MAX_HEAD + ZT_HTTP_MAX_BODY + 256;
	char *buf = malloc(cap);
	size_t n;

	if (!buf) {
		CHECK(0);
		return;
	}
	/* 32 headers fit, 33 do not. */
	n = (size_t)snprintf(buf, cap, "GET / HTTP/1.1\r\n");
	for (int i = 0; i < ZT_HTTP_MAX_HEADERS; i++)
		n += (size_t)snprintf(buf + n, cap - n, "H%d: v\r\n", i);
	snprintf(buf + n, cap - n, "\r\n");
	CHECK_EQ(parse(buf, &r), ZT_HTTP_COMPLETE);
	CHECK_EQ(r.header_count, ZT_HTTP_MAX_HEADERS);
	snprintf(buf + n, cap - n, "One-More: v\r\n\r\n");
	CHECK_EQ(parse(buf, &r), ZT_HTTP_ERROR);
	CHECK_EQ(r.error_status, 431);

	/* A head that does not end within the limit: 431, even unfinished. */
	n = (size_t)snprintf(buf, cap, "GET / HTTP/1.1\r\nBig: ");
	memset(buf + n, 'a', ZT_HTTP_MAX_HEAD);
	CHECK_EQ(zt_http_parse_request(buf, ZT_HTTP_MAX_HEAD, &r), ZT_HTTP_ERROR);
	CHECK_EQ(r.error_status, 431);
	CHECK_EQ(zt_http_parse_request(buf, ZT_HTTP_MAX_HEAD - 1, &r), ZT_HTTP_NEED_MORE);

	/* A request target just over the limit. */
	n = (size_t)snprintf(buf, cap, "GET /");
	memset(buf + n, 'a', ZT_HTTP_MAX_TARGET);
	n += ZT_HTTP_MAX_TARGET;
	snprintf(buf + n, cap - n, " HTTP/1.1\r\n\r\n");
	CHECK_EQ(parse(buf, &r), ZT_HTTP_ERROR);
	CHECK_EQ(r.error_status, 400);

	/* The largest body is accepted, once all of it is there. */
	n = (size_t)snprintf(buf, cap, "POST / HTTP/1.1\r\nContent-Length: %d\r\n\r\n",
	                     ZT_HTTP_MAX_BODY);
	memset(buf + n, 'b', ZT_HTTP_MAX_BODY);
	CHECK_EQ(zt_http_parse_request(buf, n + ZT_HTTP_MAX_BODY - 1, &r), ZT_HTTP_NEED_MORE);
	CHECK_EQ(zt_http_parse_request(buf, n + ZT_HTTP_MAX_BODY, &r), ZT_HTTP_COMPLETE);
	CHECK_EQ(r.body.len, ZT_HTTP_MAX_BODY);
	free(buf);
}

/* Every byte of a valid request replaced by every value: no crash, and a
 * consistent answer (OpenSSH-style systematic mutation). */
static void test_mutations(void)
{
	char buf[sizeof post_req];
	size_t n = strlen(post_req);
	struct zt_http_request r;

	for (size_t i = 0; i < n; i++) {
		for (int v = 0; v < 256; v++) {
			enum zt_http_parse_result res;

			memcpy(buf, post_req, n);
			buf[i] = (char)v;
			res = zt_http_parse_request(buf, n, &r);
			if (res == ZT_HTTP_COMPLETE && r.total_len > n)
				test_case_failed = 1;
			if (res == ZT_HTTP_ERROR && (r.error_status < 400 || !r.error))
				test_case_failed = 1;
		}
	}
}

/* The token as ZeroTier takes it: the X-ZT1-Auth header first, then the
 * query parameter auth, then a bearer token. */
static void test_token(void)
{
	static const struct {
		const char *req;
		bool ok;
	} t[] = {
	    {"GET /status HTTP/1.1\r\nX-ZT1-Auth: tok\r\n\r\n", true},
	    {"GET /status?auth=tok HTTP/1.1\r\n\r\n", true},
	    {"GET /status?jsonp=f&auth=tok HTTP/1.1\r\n\r\n", true},
	    {"GET /status?auth=tok&x=1 HTTP/1.1\r\n\r\n", true},
	    {"GET /status HTTP/1.1\r\nAuthorization: Bearer tok\r\n\r\n", true},
	    {"GET /status?auth=to HTTP/1.1\r\n\r\n", false},
	    {"GET /status?auth=tokk HTTP/1.1\r\n\r\n", false},
	    {"GET /status?xauth=tok HTTP/1.1\r\n\r\n", false},
	    {"GET /status?auth HTTP/1.1\r\n\r\n", false},
	    {"GET /status?auth= HTTP/1.1\r\n\r\n", false},
	    {"GET /status?tok HTTP/1.1\r\n\r\n", false},
	    /* the header decides when there is one */
	    {"GET /status?auth=tok HTTP/1.1\r\nX-ZT1-Auth: bad\r\n\r\n", false},
	    {"GET /status HTTP/1.1\r\n\r\n", false},
	};
	struct zt_http_request r;

	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		CHECK_EQ(parse(t[i].req, &r), ZT_HTTP_COMPLETE);
		if (zt_http_token_ok(&r, "tok") != t[i].ok)
			printf("  case %zu: %s", i, t[i].req);
		CHECK(zt_http_token_ok(&r, "tok") == t[i].ok);
	}
	CHECK(!zt_http_token_ok(&r, ""));
}

static void test_format_head(void)
{
	char head[256];
	int n = zt_http_format_head(head, sizeof head, 404, 17, "Allow: GET\r\n");

	CHECK(n > 0);
	CHECK(strncmp(head, "HTTP/1.1 404 Not Found\r\n", 24) == 0);
	CHECK(strstr(head, "Content-Length: 17\r\n") != NULL);
	CHECK(strstr(head, "Allow: GET\r\n\r\n") != NULL);
	CHECK_EQ(zt_http_format_head(head, 20, 200, 0, NULL), -ENOSPC);
}

int main(void)
{
	RUN(test_get);
	RUN(test_post_body_and_pipelining);
	RUN(test_bare_lf_and_http10);
	RUN(test_prefixes);
	RUN(test_errors);
	RUN(test_limits);
	RUN(test_mutations);
	RUN(test_token);
	RUN(test_format_head);
	TEST_EXIT();
}
