/* SPDX-License-Identifier: MIT */
/*
 * http.c - the request parser and response heads (see http.h).
 *
 * Strict where being lax would be a risk (request smuggling through
 * duplicate Content-Length or Transfer-Encoding, obsolete line folding),
 * lenient where clients differ harmlessly: a bare LF ends a line too.
 */
#include "osdep/http.h"

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <sodium.h>

static bool is_tchar(unsigned char c)
{
	/* RFC 9110 token characters. */
	if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
		return true;
	return c != '\0' && strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

static char lower(char c)
{
	return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

static bool str_ieq(const struct zt_http_str *s, const char *lit)
{
	size_t n = strlen(lit);

	if (s->len != n)
		return false;
	for (size_t i = 0; i < n; i++)
		if (lower(s->p[i]) != lower(lit[i]))
			return false;
	return true;
}

int zt_http_str_eq(const struct zt_http_str *s, const char *lit)
{
	size_t n = strlen(lit);

	return s->len == n && memcmp(s->p, lit, n) == 0;
}

static enum zt_http_parse_result fail(struct zt_http_request *out, int status, const char *why)
{
	out->error_status = status;
	out->error = why;
	return ZT_HTTP_ERROR;
}

/* Find the end of the line starting at pos: *eol is the index of '\n'
 * (after an optional '\r').  Returns false if there is no '\n' in
 * buf[pos..len). */
static bool find_eol(const char *buf, size_t len, size_t pos, size_t *eol)
{
	const char *nl = memchr(buf + pos, '\n', len - pos);

	if (!nl)
		return false;
	*eol = (size_t)(nl - buf);
	return true;
}

/* Length of the line content buf[start..eol) without a trailing '\r'. */
static size_t line_len(const char *buf, size_t start, size_t eol)
{
	size_t n = eol - start;

	if (n > 0 && buf[eol - 1] == '\r')
		n--;
	return n;
}

static enum zt_http_parse_result parse_request_line(const char *s, size_t n,
                                                    struct zt_http_request *out)
{
	size_t i = 0, start;

	start = i;
	while (i < n && is_tchar((unsigned char)s[i]))
		i++;
	if (i == start || i - start > 16 || i >= n || s[i] != ' ')
		return fail(out, 400, "malformed request line");
	out->method.p = s + start;
	out->method.len = i - start;
	i++;
	start = i;
	while (i < n && s[i] != ' ') {
		unsigned char c = (unsigned char)s[i];

		if (c <= 0x20 || c >= 0x7f)
			return fail(out, 400, "malformed request target");
		i++;
	}
	if (i == start || s[start] != '/')
		return fail(out, 400, "request target must start with '/'");
	if (i - start > ZT_HTTP_MAX_TARGET)
		return fail(out, 400, "request target too long");
	{
		const char *t = s + start, *q = memchr(t, '?', i - start);

		out->path.p = t;
		out->path.len = q ? (size_t)(q - t) : i - start;
		out->query.p = q ? q + 1 : t + (i - start);
		out->query.len = q ? (size_t)(t + (i - start) - (q + 1)) : 0;
	}
	if (i >= n || s[i] != ' ')
		return fail(out, 400, "malformed request line");
	i++;
	if (n - i != 8 || memcmp(s + i, "HTTP/", 5) != 0 || s[i + 6] != '.' || s[i + 5] < '0' ||
	    s[i + 5] > '9' || s[i + 7] < '0' || s[i + 7] > '9')
		return fail(out, 400, "malformed HTTP version");
	if (s[i + 5] != '1' || (s[i + 7] != '0' && s[i + 7] != '1'))
		return fail(out, 505, "only HTTP/1.0 and HTTP/1.1 are supported");
	out->minor = s[i + 7] - '0';
	return ZT_HTTP_COMPLETE;
}

static enum zt_http_parse_result parse_header(const char *s, size_t n, struct zt_http_request *out)
{
	struct zt_http_header *h;
	size_t i = 0, vs, ve;

	if (n > 0 && (s[0] == ' ' || s[0] == '\t'))
		return fail(out, 400, "header continuation lines are not supported");
	while (i < n && is_tchar((unsigned char)s[i]))
		i++;
	if (i == 0 || i >= n || s[i] != ':')
		return fail(out, 400, "malformed header line");
	if (out->header_count == ZT_HTTP_MAX_HEADERS)
		return fail(out, 431, "too many header lines");
	vs = i + 1;
	while (vs < n && (s[vs] == ' ' || s[vs] == '\t'))
		vs++;
	ve = n;
	while (ve > vs && (s[ve - 1] == ' ' || s[ve - 1] == '\t'))
		ve--;
	for (size_t k = vs; k < ve; k++) {
		unsigned char c = (unsigned char)s[k];

		if ((c < 0x20 && c != '\t') || c == 0x7f)
			return fail(out, 400, "control character in a header value");
	}
	h = &out->headers[out->header_count++];
	h->name.p = s;
	h->name.len = i;
	h->value.p = s + vs;
	h->value.len = ve - vs;
	return ZT_HTTP_COMPLETE;
}

/* Content-Length: only digits, one header, no larger than the body limit. */
static enum zt_http_parse_result body_length(struct zt_http_request *out, size_t *body_len)
{
	const struct zt_http_str *cl = NULL;
	uint64_t v = 0;

	*body_len = 0;
	for (size_t i = 0; i < out->header_count; i++) {
		const struct zt_http_header *h = &out->headers[i];

		if (str_ieq(&h->name, "transfer-encoding"))
			return fail(out, 501, "Transfer-Encoding is not supported");
		if (str_ieq(&h->name, "content-length")) {
			if (cl)
				return fail(out, 400, "more than one Content-Length");
			cl = &h->value;
		}
	}
	if (!cl)
		return ZT_HTTP_COMPLETE;
	if (cl->len == 0 || cl->len > 19)
		return fail(out, 400, "malformed Content-Length");
	for (size_t i = 0; i < cl->len; i++) {
		if (cl->p[i] < '0' || cl->p[i] > '9')
			return fail(out, 400, "malformed Content-Length");
		v = v * 10 + (uint64_t)(cl->p[i] - '0');
	}
	if (v > ZT_HTTP_MAX_BODY)
		return fail(out, 413, "request body too large");
	*body_len = (size_t)v;
	return ZT_HTTP_COMPLETE;
}

enum zt_http_parse_result zt_http_parse_request(const char *buf, size_t len,
                                                struct zt_http_request *out)
{
	enum zt_http_parse_result r;
	size_t pos = 0, eol, n, head_len = 0, body_len;
	bool first = true;

	memset(out, 0, sizeof *out);
	/* Only the first ZT_HTTP_MAX_HEAD bytes may hold the head. */
	size_t scan = len < ZT_HTTP_MAX_HEAD ? len : ZT_HTTP_MAX_HEAD;

	for (;;) {
		if (!find_eol(buf, scan, pos, &eol)) {
			if (len >= ZT_HTTP_MAX_HEAD)
				return fail(out, 431, "request head too large");
			/* Fail early on a line that can never become valid. */
			if (memchr(buf + pos, '\0', scan - pos))
				return fail(out, 400, "NUL byte in the request head");
			return ZT_HTTP_NEED_MORE;
		}
		n = line_len(buf, pos, eol);
		if (memchr(buf + pos, '\0', n) || memchr(buf + pos, '\r', n))
			return fail(out, 400, "stray control character in the request head");
		if (first) {
			r = parse_request_line(buf + pos, n, out);
			if (r != ZT_HTTP_COMPLETE)
				return r;
			first = false;
		} else if (n == 0) {
			head_len = eol + 1;
			break;
		} else {
			r = parse_header(buf + pos, n, out);
			if (r != ZT_HTTP_COMPLETE)
				return r;
		}
		pos = eol + 1;
	}
	r = body_length(out, &body_len);
	if (r != ZT_HTTP_COMPLETE)
		return r;
	if (len - head_len < body_len)
		return ZT_HTTP_NEED_MORE;
	out->body.p = buf + head_len;
	out->body.len = body_len;
	out->total_len = head_len + body_len;
	return ZT_HTTP_COMPLETE;
}

const struct zt_http_str *zt_http_header(const struct zt_http_request *req, const char *name)
{
	for (size_t i = 0; i < req->header_count; i++)
		if (str_ieq(&req->headers[i].name, name))
			return &req->headers[i].value;
	return NULL;
}

const char *zt_http_reason(int status)
{
	switch (status) {
	case 200: return "OK";
	case 400: return "Bad Request";
	case 401: return "Unauthorized";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 408: return "Request Timeout";
	case 409: return "Conflict";
	case 413: return "Content Too Large";
	case 429: return "Too Many Requests";
	case 431: return "Request Header Fields Too Large";
	case 500: return "Internal Server Error";
	case 501: return "Not Implemented";
	case 503: return "Service Unavailable";
	case 505: return "HTTP Version Not Supported";
	default: return "Unknown";
	}
}

int zt_http_format_head(char *out, size_t cap, int status, size_t body_len, const char *extra)
{
	return zt_http_format_head_type(out, cap, status, NULL, body_len, extra);
}

int zt_http_format_head_type(char *out, size_t cap, int status, const char *type, size_t body_len,
                             const char *extra)
{
	int n = snprintf(out, cap,
	                 "HTTP/1.1 %d %s\r\n"
	                 "Content-Type: %s\r\n"
	                 "Content-Length: %zu\r\n"
	                 "Cache-Control: no-store\r\n"
	                 "Connection: close\r\n"
	                 "%s\r\n",
	                 status, zt_http_reason(status), type ? type : "application/json", body_len,
	                 extra ? extra : "");

	if (n < 0 || (size_t)n >= cap)
		return -ENOSPC;
	return n;
}

bool zt_http_query_param(const struct zt_http_str *q, const char *name, struct zt_http_str *out)
{
	size_t nl = strlen(name), i = 0;

	while (i < q->len) {
		size_t end = i;

		while (end < q->len && q->p[end] != '&')
			end++;
		if (end - i > nl && memcmp(q->p + i, name, nl) == 0 && q->p[i + nl] == '=') {
			out->p = q->p + i + nl + 1;
			out->len = end - i - nl - 1;
			return true;
		}
		i = end + 1;
	}
	return false;
}

bool zt_http_token_ok(const struct zt_http_request *req, const char *token)
{
	const struct zt_http_str *v = zt_http_header(req, "X-ZT1-Auth");
	struct zt_http_str tok;
	size_t want = strlen(token);

	/* ZeroTier's order: the header, then ?auth=, then a bearer token. */
	if (v) {
		tok = *v;
	} else if (!zt_http_query_param(&req->query, "auth", &tok)) {
		v = zt_http_header(req, "Authorization");
		if (!v || v->len < 7 || strncasecmp(v->p, "Bearer ", 7) != 0)
			return false;
		tok.p = v->p + 7;
		tok.len = v->len - 7;
		while (tok.len > 0 && *tok.p == ' ') {
			tok.p++;
			tok.len--;
		}
	}
	return want > 0 && tok.len == want && sodium_memcmp(tok.p, token, want) == 0;
}
