/* SPDX-License-Identifier: MIT */
/*
 * http.h - HTTP/1.1 requests for the local API: a parser that is a pure
 * function over a byte buffer (no sockets, no allocation, fuzzable), and
 * the text of responses.  The server that feeds it lives in httpd.c.
 *
 * Only what zt-cli and curl need: a request line, at most
 * ZT_HTTP_MAX_HEADERS headers in at most ZT_HTTP_MAX_HEAD bytes, and a
 * Content-Length body of at most ZT_HTTP_MAX_BODY bytes.  Chunked bodies,
 * header continuation lines and HTTP/2 are refused with an error status.
 */
#ifndef ZT_OSDEP_HTTP_H
#define ZT_OSDEP_HTTP_H

#include <stdbool.h>
#include <stddef.h>

#define ZT_HTTP_MAX_HEAD    8192 /* request line + headers + blank line */
#define ZT_HTTP_MAX_BODY    65536
#define ZT_HTTP_MAX_HEADERS 32
#define ZT_HTTP_MAX_TARGET  1024

/* A run of bytes inside the parsed buffer (borrowed, not NUL-terminated). */
struct zt_http_str {
	const char *p;
	size_t len;
};

struct zt_http_header {
	struct zt_http_str name;
	struct zt_http_str value; /* surrounding blanks removed */
};

struct zt_http_request {
	struct zt_http_str method; /* "GET", "POST", ... */
	struct zt_http_str path;   /* "/network/..." without the query */
	struct zt_http_str query;  /* after '?', may be empty */
	int minor;                 /* HTTP/1.<minor>: 0 or 1 */
	struct zt_http_header headers[ZT_HTTP_MAX_HEADERS];
	size_t header_count;
	struct zt_http_str body;
	size_t total_len; /* bytes of buf this request used (head + body) */
	/* The client's address as text ("192.0.2.1", "2001:db8::1"): set by
	 * the server (httpd.c) after parsing, "" where unknown. */
	char peer[48];
	/* On ZT_HTTP_ERROR: the status to answer with and why (static). */
	int error_status;
	const char *error;
};

enum zt_http_parse_result {
	ZT_HTTP_ERROR = -1,    /* malformed or too large; see error_status */
	ZT_HTTP_NEED_MORE = 0, /* a valid prefix; read more bytes */
	ZT_HTTP_COMPLETE = 1,  /* a whole request in buf[0..total_len) */
};

/*
 * Parse the request at the start of buf[0..len).  Every pointer in *out
 * points into buf, so buf must outlive *out.  Never reads past len.
 * Errors: 400 (malformed), 413 (body larger than ZT_HTTP_MAX_BODY),
 * 431 (head larger than ZT_HTTP_MAX_HEAD or too many headers),
 * 501 (Transfer-Encoding), 505 (not HTTP/1.x).
 */
enum zt_http_parse_result zt_http_parse_request(const char *buf, size_t len,
                                                struct zt_http_request *out);

/* The value of the first header called `name` (ASCII case-insensitive),
 * or NULL. */
const struct zt_http_str *zt_http_header(const struct zt_http_request *req, const char *name);

/* The value of the query parameter `name` ("a=1&auth=x"; the first if it
 * repeats), not decoded: false if absent. */
bool zt_http_query_param(const struct zt_http_str *q, const char *name, struct zt_http_str *out);

/* Does the request carry `token` as "X-ZT1-Auth: <token>", as the query
 * parameter "?auth=<token>" or as "Authorization: Bearer <token>" (the
 * first of these it has)?  An empty token never matches; the
 * bytes are compared in constant time (the length is not secret). */
bool zt_http_token_ok(const struct zt_http_request *req, const char *token);

/* Does s equal the C string lit exactly? */
int zt_http_str_eq(const struct zt_http_str *s, const char *lit);

/* "OK", "Not Found", ... ("Unknown" for codes not used here). */
const char *zt_http_reason(int status);

/*
 * Write the head of a response with a JSON body of body_len bytes into
 * out (NUL-terminated).  extra is NULL or more header lines, each ending
 * in "\r\n".  Returns the length, or -ENOSPC if cap is too small.
 */
int zt_http_format_head(char *out, size_t cap, int status, size_t body_len, const char *extra);
/* The same with another Content-Type (NULL: application/json). */
int zt_http_format_head_type(char *out, size_t cap, int status, const char *type, size_t body_len,
                             const char *extra);

#endif
