/* SPDX-License-Identifier: MIT */
/*
 * rulesc_tok.c - the rules language's tokens (see rulesc_int.h): the
 * lexer, and a token read as a keyword, a number or a name.  The text it
 * reads is the script lowered, so every comparison is case-insensitive.
 */
#include "controller/rulesc_int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

bool zt_rulesc_tok_is(const struct rc *c, uint32_t i, const char *w)
{
	size_t n = strlen(w);
	return c->t[i].kind == TK_WORD && c->t[i].len == n &&
	       memcmp(c->text + c->t[i].off, w, n) == 0;
}

bool zt_rulesc_tok_same(const struct rc *c, uint32_t a, uint32_t b)
{
	return c->t[a].len == c->t[b].len &&
	       memcmp(c->text + c->t[a].off, c->text + c->t[b].off, c->t[a].len) == 0;
}

bool zt_rulesc_tok_in_list(const struct rc *c, uint32_t i, const char *const *list)
{
	for (; *list; list++)
		if (zt_rulesc_tok_is(c, i, *list))
			return true;
	return false;
}

/* ZeroTier's reserved words: never a name nor an argument. */
static const char *const reserved_words[] = {
    "macro",     "tag",     "cap",      "default",   "drop",   "accept", "tee",        "watch",
    "redirect",  "break",   "priority", "ztsrc",     "ztdest", "vlan",   "vlanpcp",    "vlandei",
    "ethertype", "macsrc",  "macdest",  "ipsrc",     "ipdest", "iptos",  "ipprotocol", "icmp",
    "sport",     "dport",   "chr",      "framesize", "random", "tand",   "tor",        "txor",
    "tdiff",     "teq",     "tseq",     "treq",      "type",   "enum",   "class",      "define",
    "import",    "include", "log",      "not",       "xor",    "or",     "and",        "set",
    "var",       "let",     NULL};

bool zt_rulesc_tok_reserved(const struct rc *c, uint32_t i)
{
	return zt_rulesc_tok_in_list(c, i, reserved_words);
}

int zt_rulesc_tok_lex(struct rc *c)
{
	size_t cap = 64, i = 0;
	uint32_t line = 1, col = 1;

	c->t = malloc(cap * sizeof *c->t);
	if (c->t == NULL)
		return zt_rulesc_oom(c);
	for (;;) {
		struct tok t = {TK_EOF, (uint32_t)i, 0, line, col};
		unsigned char ch;

		/* Blanks and comments. */
		while (i < c->len) {
			ch = (unsigned char)c->text[i];
			if (ch == '#') {
				while (i < c->len && c->text[i] != '\n')
					i++;
				continue;
			}
			if (ch == '\n') {
				line++;
				col = 1;
			} else if (ch == ' ' || ch == '\t' || ch == '\r') {
				col++;
			} else {
				break;
			}
			i++;
		}
		t.off = (uint32_t)i;
		t.line = line;
		t.col = col;
		if (c->nt + 1 >= cap) {
			struct tok *nt = realloc(c->t, 2 * cap * sizeof *c->t);
			if (nt == NULL)
				return zt_rulesc_oom(c);
			c->t = nt;
			cap *= 2;
		}
		if (i >= c->len) {
			c->t[c->nt++] = t;
			return 0;
		}
		ch = (unsigned char)c->text[i];
		if (ch < ' ' || ch == 0x7f) {
			struct zt_rulesc_error *e = c->e;
			e->line = line;
			e->column = col;
			snprintf(e->msg, sizeof e->msg,
			         "expected text, found the control character 0x%02x", ch);
			return -EINVAL;
		}
		t.len = 1;
		switch (ch) {
		case ';': t.kind = TK_SEMI; break;
		case '(': t.kind = TK_LPAREN; break;
		case ')': t.kind = TK_RPAREN; break;
		case ',': t.kind = TK_COMMA; break;
		default:
			t.kind = TK_WORD;
			t.len = 0;
			while (i + t.len < c->len) {
				ch = (unsigned char)c->text[i + t.len];
				if (ch <= ' ' || ch == 0x7f || ch == ';' || ch == '#' ||
				    ch == '(' || ch == ')' || ch == ',')
					break;
				/* Columns count characters: UTF-8 continuation
				 * bytes take none. */
				if ((ch & 0xc0) != 0x80)
					col++;
				t.len++;
			}
			if (t.len > ZT_RULESC_WORD_MAX) {
				c->t[c->nt] = t;
				return zt_rulesc_fail(c, c->nt,
				                      "expected a word of at most %d bytes",
				                      ZT_RULESC_WORD_MAX);
			}
			c->t[c->nt++] = t;
			i += t.len;
			continue;
		}
		col++;
		i++;
		c->t[c->nt++] = t;
	}
}

/* Decimal or 0x-hexadecimal, no sign, at most max. */
bool zt_rulesc_tok_num_text(const char *s, size_t n, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;
	unsigned base = 10;

	if (n > 2 && s[0] == '0' && s[1] == 'x') {
		base = 16;
		s += 2;
		n -= 2;
	}
	if (n == 0)
		return false;
	for (size_t k = 0; k < n; k++) {
		unsigned d;
		if (s[k] >= '0' && s[k] <= '9')
			d = (unsigned)(s[k] - '0');
		else if (base == 16 && s[k] >= 'a' && s[k] <= 'f')
			d = (unsigned)(s[k] - 'a' + 10);
		else
			return false;
		if (d > max || v > (max - d) / base)
			return false;
		v = v * base + d;
	}
	*out = v;
	return true;
}

bool zt_rulesc_tok_num(const struct rc *c, uint32_t i, uint64_t max, uint64_t *out)
{
	return zt_rulesc_tok_num_text(c->text + c->t[i].off, c->t[i].len, max, out);
}

/* "a" or "a-b", a <= b <= max. */
bool zt_rulesc_tok_range(const struct rc *c, uint32_t i, uint64_t max, uint64_t *a, uint64_t *b)
{
	const char *s = c->text + c->t[i].off;
	const char *dash = memchr(s, '-', c->t[i].len);

	if (dash == NULL) {
		if (!zt_rulesc_tok_num_text(s, c->t[i].len, max, a))
			return false;
		*b = *a;
		return true;
	}
	return zt_rulesc_tok_num_text(s, (size_t)(dash - s), max, a) &&
	       zt_rulesc_tok_num_text(dash + 1, c->t[i].len - (size_t)(dash - s) - 1, max, b) &&
	       *a <= *b;
}

/* A number, or -1 (out: -1). */
bool zt_rulesc_tok_num_or_minus1(const struct rc *c, uint32_t i, uint64_t max, int64_t *out)
{
	uint64_t v;

	if (zt_rulesc_tok_is(c, i, "-1")) {
		*out = -1;
		return true;
	}
	if (!zt_rulesc_tok_num(c, i, max, &v))
		return false;
	*out = (int64_t)v;
	return true;
}

bool zt_rulesc_tok_hex(const struct rc *c, uint32_t i, size_t digits, uint64_t *out)
{
	const char *s = c->text + c->t[i].off;

	if (c->t[i].len != digits)
		return false;
	*out = 0;
	for (size_t k = 0; k < digits; k++) {
		unsigned d;
		if (s[k] >= '0' && s[k] <= '9')
			d = (unsigned)(s[k] - '0');
		else if (s[k] >= 'a' && s[k] <= 'f')
			d = (unsigned)(s[k] - 'a' + 10);
		else
			return false;
		*out = (*out << 4) | d;
	}
	return true;
}

/* The length of the UTF-8 sequence at s (at most n bytes), 0 if it is
 * not one (RFC 3629: no overlong form, no surrogate, at most U+10FFFF;
 * what jansson accepts in a JSON string). */
static unsigned utf8_len(const unsigned char *s, size_t n)
{
	unsigned len, cp;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		len = 2, cp = s[0] & 0x1f;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		len = 3, cp = s[0] & 0x0f;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		len = 4, cp = s[0] & 0x07;
	else
		return 0;
	if (n < len)
		return 0;
	for (unsigned k = 1; k < len; k++) {
		if ((s[k] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[k] & 0x3f);
	}
	if ((len == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) ||
	    (len == 4 && (cp < 0x10000 || cp > 0x10ffff)))
		return 0;
	return len;
}

/* A name for a tag, capability, macro, enum or flag (ZeroTier's rule):
 * letters, digits (not first), '_', and any non-ASCII character, in UTF-8
 * (a name is a key of the network's tagsByName, a JSON object). */
bool zt_rulesc_tok_name_ok(const struct rc *c, uint32_t i)
{
	const unsigned char *s = (const unsigned char *)c->text + c->t[i].off;

	if (c->t[i].kind != TK_WORD || (s[0] >= '0' && s[0] <= '9'))
		return false;
	for (uint32_t k = 0; k < c->t[i].len;) {
		unsigned char ch = s[k];
		unsigned n = 1;

		if (ch >= 0x80 && (n = utf8_len(s + k, c->t[i].len - k)) == 0)
			return false;
		else if (ch < 0x80 &&
		         !(ch == '_' || (ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'z')))
			return false;
		k += n;
	}
	return true;
}
