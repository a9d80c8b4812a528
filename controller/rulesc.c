/* SPDX-License-Identifier: MIT */
/*
 * rulesc.c - the rules language compiler (see rulesc.h).
 *
 * Three steps over one array of tokens:
 *  1. lex: words, ';', '(', ')' and ',', each with its line and column;
 *     a lowered copy of the text makes the language case-insensitive;
 *  2. define: the top-level statements are read in order; tags, capabilities
 *     and macros are defined, and every rule is parsed in "check" mode
 *     (syntax and the values that need no definition; nothing emitted);
 *  3. render: the base rules and each capability's rules are parsed again
 *     from their first token, now emitting JSON; an include parses the
 *     macro's body again with its parameters bound.
 * One parser serves both modes, so what is checked is what is emitted.
 * Tags, capabilities and macros may be used before they are defined (as
 * in ZeroTier's compiler), which is why rendering waits for step 2.
 *
 * Nothing recurses but includes, bounded by ZT_RULESC_DEPTH_MAX; the work
 * is bounded by the entry limits and ZT_RULESC_EXPANSIONS_MAX.
 */
#include "controller/rulesc.h"

#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define UNRESOLVED UINT32_MAX /* a macro parameter's value, in check mode */
#define LIST_MAX   64         /* items of a comma list (chr, flag bits) */

enum tk { TK_EOF, TK_WORD, TK_SEMI, TK_LPAREN, TK_RPAREN, TK_COMMA };

struct tok {
	uint8_t kind;
	uint32_t off, len; /* in the text */
	uint32_t line, col;
};

struct name { /* an enum or flag of a tag */
	uint32_t tok;
	uint32_t value;
	bool flag;
};

struct tag {
	uint32_t name; /* token */
	uint32_t id;
	uint32_t dflt_tok; /* UNRESOLVED: no default */
	uint32_t dflt;
	unsigned first, count; /* its names in rc.names */
};

struct cap {
	uint32_t name;
	uint32_t id;
	bool dflt;
	uint32_t body, end; /* token range of its directives and rules */
	json_t *rules;
};

struct macro {
	uint32_t name;
	unsigned nparams;
	uint32_t param[ZT_RULESC_PARAMS_MAX]; /* tokens ("$name") */
	uint32_t body, end;
};

/* The values of a macro's parameters while its body is parsed: literal
 * word tokens, or UNRESOLVED in check mode. */
struct env {
	const struct macro *m;
	uint32_t arg[ZT_RULESC_PARAMS_MAX];
};

/* Where rendered entries go; NULL in check mode. */
struct sink {
	json_t *arr;
	unsigned max;
	const char *what;
};

struct rc {
	const char *src; /* the script as written, for messages */
	char *text;      /* lowered */
	size_t len;
	struct tok *t;
	uint32_t nt, p; /* tokens, the parser's position */
	struct tag tags[ZT_RULESC_TAGS_MAX];
	unsigned ntags;
	struct name *names;
	unsigned nnames;
	struct cap caps[ZT_RULESC_CAPS_MAX];
	unsigned ncaps;
	struct macro *macros;
	unsigned nmacros;
	uint32_t *base; /* first token of each top-level rule */
	unsigned nbase;
	unsigned expansions;
	struct zt_rulesc_error *e;
};

/* ---- errors ---- */

/* Cut s (n bytes) back to whole UTF-8 characters: a message is cut to
 * fit, and the admin API sends it as a JSON string, which must be valid
 * UTF-8.  Returns the new length. */
static size_t utf8_whole(const char *s, size_t n)
{
	size_t k = n, need;
	unsigned char lead;

	/* The start of the last character, at most 4 bytes back. */
	while (k > 0 && n - k < 4 && ((unsigned char)s[k - 1] & 0xc0) == 0x80)
		k--;
	if (k == 0 || ((unsigned char)s[k - 1] & 0x80) == 0)
		return n;
	lead = (unsigned char)s[k - 1];
	need = lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : lead >= 0xc0 ? 2 : 1;
	return n - (k - 1) >= need ? n : k - 1;
}

/* A token as the message shows it: its text as written, cut short. */
static void shown(const struct rc *c, uint32_t i, char *out, size_t cap)
{
	const struct tok *t = &c->t[i];
	size_t n = 0;

	switch (t->kind) {
	case TK_EOF: snprintf(out, cap, "end of input"); return;
	case TK_SEMI: snprintf(out, cap, "';'"); return;
	case TK_LPAREN: snprintf(out, cap, "'('"); return;
	case TK_RPAREN: snprintf(out, cap, "')'"); return;
	case TK_COMMA: snprintf(out, cap, "','"); return;
	default: break;
	}
	if (cap < 8)
		return;
	out[n++] = '\'';
	for (uint32_t k = 0; k < t->len && n + 5 < cap && k < 40; k++) {
		unsigned char ch = (unsigned char)c->src[t->off + k];
		out[n++] = (ch < ' ' || ch == 0x7f) ? '?' : (char)ch;
	}
	n = 1 + utf8_whole(out + 1, n - 1);
	if (t->len > 40 && n + 5 < cap) {
		memcpy(out + n, "...", 3);
		n += 3;
	}
	out[n++] = '\'';
	out[n] = '\0';
}

static int fail_at(struct rc *c, uint32_t line, uint32_t col, const char *fmt, va_list ap)
{
	/* The first error is the one reported. */
	if (c->e->msg[0] == '\0') {
		c->e->line = line;
		c->e->column = col;
		vsnprintf(c->e->msg, sizeof c->e->msg, fmt, ap);
		c->e->msg[utf8_whole(c->e->msg, strlen(c->e->msg))] = '\0';
	}
	return -EINVAL;
}

/* An error at token i: the message as given. */
__attribute__((format(printf, 3, 4))) static int fail(struct rc *c, uint32_t i, const char *fmt,
                                                      ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = fail_at(c, c->t[i].line, c->t[i].col, fmt, ap);
	va_end(ap);
	return r;
}

/* An error at token i: "expected <what>, found <token i>". */
__attribute__((format(printf, 3, 4))) static int expected(struct rc *c, uint32_t i, const char *fmt,
                                                          ...)
{
	char what[160], f[64];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof what, fmt, ap);
	va_end(ap);
	what[utf8_whole(what, strlen(what))] = '\0';
	shown(c, i, f, sizeof f);
	return fail(c, i, "expected %s, found %s", what, f);
}

static int oom(struct rc *c)
{
	snprintf(c->e->msg, sizeof c->e->msg, "out of memory");
	c->e->line = c->e->column = 0;
	return -ENOMEM;
}

/* ---- tokens ---- */

static bool is_word(const struct rc *c, uint32_t i, const char *w)
{
	size_t n = strlen(w);
	return c->t[i].kind == TK_WORD && c->t[i].len == n &&
	       memcmp(c->text + c->t[i].off, w, n) == 0;
}

static bool same_word(const struct rc *c, uint32_t a, uint32_t b)
{
	return c->t[a].len == c->t[b].len &&
	       memcmp(c->text + c->t[a].off, c->text + c->t[b].off, c->t[a].len) == 0;
}

static bool in_list(const struct rc *c, uint32_t i, const char *const *list)
{
	for (; *list; list++)
		if (is_word(c, i, *list))
			return true;
	return false;
}

static const char *const actions[] = {"drop",  "accept",   "break",    "tee",
                                      "watch", "redirect", "priority", NULL};

/* ZeroTier's reserved words: never a name nor an argument. */
static const char *const reserved_words[] = {
    "macro",     "tag",     "cap",      "default",   "drop",   "accept", "tee",        "watch",
    "redirect",  "break",   "priority", "ztsrc",     "ztdest", "vlan",   "vlanpcp",    "vlandei",
    "ethertype", "macsrc",  "macdest",  "ipsrc",     "ipdest", "iptos",  "ipprotocol", "icmp",
    "sport",     "dport",   "chr",      "framesize", "random", "tand",   "tor",        "txor",
    "tdiff",     "teq",     "tseq",     "treq",      "type",   "enum",   "class",      "define",
    "import",    "include", "log",      "not",       "xor",    "or",     "and",        "set",
    "var",       "let",     NULL};

static bool reserved(const struct rc *c, uint32_t i)
{
	return in_list(c, i, reserved_words);
}

static int lex(struct rc *c)
{
	size_t cap = 64, i = 0;
	uint32_t line = 1, col = 1;

	c->t = malloc(cap * sizeof *c->t);
	if (c->t == NULL)
		return oom(c);
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
				return oom(c);
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
				return fail(c, c->nt, "expected a word of at most %d bytes",
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

/* ---- values ---- */

/* The text of a word token, NUL-terminated, in buf (words are at most
 * ZT_RULESC_WORD_MAX bytes). */
static const char *word(const struct rc *c, uint32_t i, char *buf)
{
	memcpy(buf, c->text + c->t[i].off, c->t[i].len);
	buf[c->t[i].len] = '\0';
	return buf;
}

/* Decimal or 0x-hexadecimal, no sign, at most max. */
static bool num(const char *s, size_t n, uint64_t max, uint64_t *out)
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

static bool tok_num(const struct rc *c, uint32_t i, uint64_t max, uint64_t *out)
{
	return num(c->text + c->t[i].off, c->t[i].len, max, out);
}

/* "a" or "a-b", a <= b <= max. */
static bool tok_range(const struct rc *c, uint32_t i, uint64_t max, uint64_t *a, uint64_t *b)
{
	const char *s = c->text + c->t[i].off;
	const char *dash = memchr(s, '-', c->t[i].len);

	if (dash == NULL) {
		if (!num(s, c->t[i].len, max, a))
			return false;
		*b = *a;
		return true;
	}
	return num(s, (size_t)(dash - s), max, a) &&
	       num(dash + 1, c->t[i].len - (size_t)(dash - s) - 1, max, b) && *a <= *b;
}

/* A number, or -1 (out: -1). */
static bool tok_num_or_minus1(const struct rc *c, uint32_t i, uint64_t max, int64_t *out)
{
	uint64_t v;

	if (is_word(c, i, "-1")) {
		*out = -1;
		return true;
	}
	if (!tok_num(c, i, max, &v))
		return false;
	*out = (int64_t)v;
	return true;
}

static bool tok_hex(const struct rc *c, uint32_t i, size_t digits, uint64_t *out)
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

/* A name for a tag, capability, macro, enum or flag (ZeroTier's rule):
 * letters, digits (not first), '_', and any non-ASCII character. */
static bool valid_name(const struct rc *c, uint32_t i)
{
	const unsigned char *s = (const unsigned char *)c->text + c->t[i].off;

	if (c->t[i].kind != TK_WORD || (s[0] >= '0' && s[0] <= '9'))
		return false;
	for (uint32_t k = 0; k < c->t[i].len; k++) {
		unsigned char ch = s[k];
		if (!(ch == '_' || ch >= 0x80 || (ch >= '0' && ch <= '9') ||
		      (ch >= 'a' && ch <= 'z')))
			return false;
	}
	return true;
}

struct named {
	const char *name;
	unsigned value;
};

static const struct named ethertypes[] = {
    {"ipv4", 0x0800},  {"arp", 0x0806},  {"wol", 0x0842},   {"rarp", 0x8035},  {"ipv6", 0x86dd},
    {"atalk", 0x809b}, {"aarp", 0x80f3}, {"ipx_a", 0x8137}, {"ipx_b", 0x8138}, {NULL, 0}};

static const struct named ip_protocols[] = {
    {"icmp", 0x01}, {"icmp4", 0x01},   {"icmpv4", 0x01}, {"igmp", 0x02},   {"ipip", 0x04},
    {"tcp", 0x06},  {"egp", 0x08},     {"igp", 0x09},    {"udp", 0x11},    {"rdp", 0x1b},
    {"esp", 0x32},  {"ah", 0x33},      {"icmp6", 0x3a},  {"icmpv6", 0x3a}, {"l2tp", 0x73},
    {"sctp", 0x84}, {"udplite", 0x88}, {NULL, 0}};

/* Bit numbers of the characteristics (ZeroTier's, 0 the least
 * significant). */
static const struct named characteristics[] = {
    {"inbound", 63}, {"multicast", 62}, {"broadcast", 61}, {"ipauth", 60}, {"macauth", 59},
    {"tcp_fin", 0},  {"tcp_syn", 1},    {"tcp_rst", 2},    {"tcp_psh", 3}, {"tcp_ack", 4},
    {"tcp_urg", 5},  {"tcp_ece", 6},    {"tcp_cwr", 7},    {"tcp_ns", 8},  {"tcp_rs2", 9},
    {"tcp_rs1", 10}, {"tcp_rs0", 11},   {NULL, 0}};

static bool lookup(const struct rc *c, uint32_t i, const struct named *tab, uint64_t *out)
{
	for (; tab->name; tab++)
		if (is_word(c, i, tab->name)) {
			*out = tab->value;
			return true;
		}
	return false;
}

/* ---- definitions ---- */

static struct tag *find_tag(struct rc *c, uint32_t i)
{
	for (unsigned k = 0; k < c->ntags; k++)
		if (same_word(c, c->tags[k].name, i))
			return &c->tags[k];
	return NULL;
}

static const struct name *find_name(const struct rc *c, const struct tag *tg, uint32_t i,
                                    bool flags)
{
	for (unsigned k = tg->first; k < tg->first + tg->count; k++)
		if (c->names[k].flag == flags && same_word(c, c->names[k].tok, i))
			return &c->names[k];
	return NULL;
}

static struct cap *find_cap(struct rc *c, uint32_t i)
{
	for (unsigned k = 0; k < c->ncaps; k++)
		if (same_word(c, c->caps[k].name, i))
			return &c->caps[k];
	return NULL;
}

static const struct macro *find_macro(const struct rc *c, uint32_t i)
{
	for (unsigned k = 0; k < c->nmacros; k++)
		if (same_word(c, c->macros[k].name, i))
			return &c->macros[k];
	return NULL;
}

/* ---- parser ---- */

/* The value of a word: itself, or the macro argument a "$name" stands
 * for (UNRESOLVED in check mode). */
static int resolve(struct rc *c, const struct env *env, uint32_t i, uint32_t *out)
{
	char f[64];

	if (c->text[c->t[i].off] != '$') {
		*out = i;
		return 0;
	}
	if (env == NULL || env->m == NULL) {
		shown(c, i, f, sizeof f);
		return fail(c, i, "expected a value, found %s (a macro parameter outside a macro)",
		            f);
	}
	for (unsigned k = 0; k < env->m->nparams; k++)
		if (same_word(c, env->m->param[k], i)) {
			*out = env->arg[k];
			return 0;
		}
	return expected(c, i, "a parameter of macro '%.*s'", (int)c->t[env->m->name].len,
	                c->src + c->t[env->m->name].off);
}

/* One argument of match or action token kw: a word that is not a
 * reserved word, resolved. */
static int arg(struct rc *c, const struct env *env, uint32_t kw, const char *what, uint32_t *out)
{
	uint32_t i = c->p;

	/* "icmp" is also the name of IP protocol 1, as the manual writes it. */
	if (c->t[i].kind != TK_WORD || (reserved(c, i) && !is_word(c, i, "icmp")))
		return expected(c, i, "%s after '%.*s'", what, (int)c->t[kw].len,
		                c->src + c->t[kw].off);
	c->p++;
	return resolve(c, env, i, out);
}

/* Append o (consumed) to the sink; an error at token at when full. */
static int emit(struct rc *c, const struct sink *s, uint32_t at, json_t *o)
{
	if (o == NULL)
		return oom(c);
	if (json_array_size(s->arr) >= s->max) {
		json_decref(o);
		return fail(c, at,
		            "too many entries: %s holds at most %u (each match and action is one)",
		            s->what, s->max);
	}
	if (json_array_append_new(s->arr, o) < 0)
		return oom(c);
	return 0;
}

enum mk {
	M_ZT,
	M_NUM,
	M_ETHERTYPE,
	M_IPPROTO,
	M_MAC,
	M_IP,
	M_TOS,
	M_ICMP,
	M_RANGE,
	M_CHR,
	M_RANDOM,
	M_TAG,
	M_NONE /* no argument */
};

struct mdef {
	const char *kw;
	enum mk kind;
	const char *type, *type6; /* type6: for an IPv6 address */
	const char *field;
	uint32_t max;
	const char *what;
};

static const struct mdef mdefs[] = {
    {"ztsrc", M_ZT, "MATCH_SOURCE_ZEROTIER_ADDRESS", NULL, "zt", 0,
     "a ZeroTier address (10 hex digits)"},
    {"ztdest", M_ZT, "MATCH_DEST_ZEROTIER_ADDRESS", NULL, "zt", 0,
     "a ZeroTier address (10 hex digits)"},
    {"vlan", M_NUM, "MATCH_VLAN_ID", NULL, "vlanId", 4095, "a VLAN id (0-4095)"},
    {"vlanpcp", M_NUM, "MATCH_VLAN_PCP", NULL, "vlanPcp", 7, "a VLAN priority (0-7)"},
    {"vlandei", M_NUM, "MATCH_VLAN_DEI", NULL, "vlanDei", 1, "a VLAN DEI bit (0 or 1)"},
    {"ethertype", M_ETHERTYPE, "MATCH_ETHERTYPE", NULL, "etherType", 0xffff,
     "an ethertype (0-65535, or ipv4, arp, ipv6, wol, rarp, atalk, aarp, ipx_a, ipx_b)"},
    {"macsrc", M_MAC, "MATCH_MAC_SOURCE", NULL, "mac", 0, "a MAC address (12 hex digits)"},
    {"macdest", M_MAC, "MATCH_MAC_DEST", NULL, "mac", 0, "a MAC address (12 hex digits)"},
    {"ipsrc", M_IP, "MATCH_IPV4_SOURCE", "MATCH_IPV6_SOURCE", "ip", 0,
     "an IPv4 or IPv6 address or network (address/bits)"},
    {"ipdest", M_IP, "MATCH_IPV4_DEST", "MATCH_IPV6_DEST", "ip", 0,
     "an IPv4 or IPv6 address or network (address/bits)"},
    {"iptos", M_TOS, "MATCH_IP_TOS", NULL, NULL, 0xff, "a TOS mask (0-255)"},
    {"ipprotocol", M_IPPROTO, "MATCH_IP_PROTOCOL", NULL, "ipProtocol", 0xff,
     "an IP protocol (0-255, or tcp, udp, icmp, icmp6, ...)"},
    {"icmp", M_ICMP, "MATCH_ICMP", NULL, NULL, 0xff, "an ICMP type (0-255)"},
    {"sport", M_RANGE, "MATCH_IP_SOURCE_PORT_RANGE", NULL, NULL, 0xffff,
     "a port or port range (0-65535)"},
    {"dport", M_RANGE, "MATCH_IP_DEST_PORT_RANGE", NULL, NULL, 0xffff,
     "a port or port range (0-65535)"},
    {"framesize", M_RANGE, "MATCH_FRAME_SIZE_RANGE", NULL, NULL, 0xffff,
     "a frame size or size range (0-65535)"},
    {"chr", M_CHR, "MATCH_CHARACTERISTICS", NULL, "mask", 0,
     "a characteristic (tcp_syn, inbound, ipauth, ... or a bit 0-63)"},
    {"random", M_RANDOM, "MATCH_RANDOM", NULL, "probability", 0, "a probability from 0.0 to 1.0"},
    {"tand", M_TAG, "MATCH_TAGS_BITWISE_AND", NULL, NULL, 0, "a tag name or id"},
    {"tor", M_TAG, "MATCH_TAGS_BITWISE_OR", NULL, NULL, 0, "a tag name or id"},
    {"txor", M_TAG, "MATCH_TAGS_BITWISE_XOR", NULL, NULL, 0, "a tag name or id"},
    {"tdiff", M_TAG, "MATCH_TAGS_DIFFERENCE", NULL, NULL, 0, "a tag name or id"},
    {"teq", M_TAG, "MATCH_TAGS_EQUAL", NULL, NULL, 0, "a tag name or id"},
    {"tseq", M_TAG, "MATCH_TAG_SENDER", NULL, NULL, 0, "a tag name or id"},
    {"treq", M_TAG, "MATCH_TAG_RECEIVER", NULL, NULL, 0, "a tag name or id"},
    /* zt's: the frame belongs to a flow an accept let through. */
    {"established", M_NONE, "MATCH_ESTABLISHED", NULL, NULL, 0, NULL},
};

#define NMDEFS (sizeof mdefs / sizeof mdefs[0])

static const struct mdef *find_mdef(const struct rc *c, uint32_t i)
{
	for (size_t k = 0; k < NMDEFS; k++)
		if (is_word(c, i, mdefs[k].kw))
			return &mdefs[k];
	return NULL;
}

static int set_int(struct rc *c, json_t *o, const char *k, json_int_t v)
{
	return json_object_set_new(o, k, json_integer(v)) < 0 ? oom(c) : 0;
}

static int set_str(struct rc *c, json_t *o, const char *k, const char *v)
{
	return json_object_set_new(o, k, json_string(v)) < 0 ? oom(c) : 0;
}

/* An IP match's value into o (NULL: check only). */
static int ip_value(struct rc *c, const struct mdef *d, uint32_t i, json_t *o)
{
	char buf[ZT_RULESC_WORD_MAX + 1], out[INET6_ADDRSTRLEN + 8];
	unsigned char a[16];
	char *slash;
	uint64_t bits;
	bool v6;

	word(c, i, buf);
	slash = strchr(buf, '/');
	if (slash != NULL)
		*slash = '\0';
	v6 = strchr(buf, ':') != NULL;
	if (inet_pton(v6 ? AF_INET6 : AF_INET, buf, a) != 1 ||
	    (slash != NULL && !num(slash + 1, strlen(slash + 1), v6 ? 128 : 32, &bits)))
		return expected(c, i, "%s after '%s'", d->what, d->kw);
	if (slash == NULL) /* a lone address is a host */
		bits = v6 ? 128 : 32;
	if (o == NULL)
		return 0;
	inet_ntop(v6 ? AF_INET6 : AF_INET, a, out, INET6_ADDRSTRLEN);
	snprintf(out + strlen(out), 8, "/%u", (unsigned)bits);
	if (set_str(c, o, "type", v6 ? d->type6 : d->type) < 0)
		return -ENOMEM;
	return set_str(c, o, d->field, out);
}

static int mac_value(struct rc *c, const struct mdef *d, uint32_t i, json_t *o)
{
	const char *s = c->text + c->t[i].off;
	char out[18];
	unsigned n = 0;

	/* 12 hex digits, in any grouping by ':', '-' or '.'. */
	for (uint32_t k = 0; k < c->t[i].len; k++) {
		char ch = s[k];
		if ((ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'f')) {
			if (n == 12)
				return expected(c, i, "%s after '%s'", d->what, d->kw);
			out[n / 2 * 3 + n % 2] = ch;
			if (n % 2 == 1 && n < 11)
				out[n / 2 * 3 + 2] = ':';
			n++;
		} else if (ch != ':' && ch != '-' && ch != '.') {
			return expected(c, i, "%s after '%s'", d->what, d->kw);
		}
	}
	if (n != 12)
		return expected(c, i, "%s after '%s'", d->what, d->kw);
	out[17] = '\0';
	return o ? set_str(c, o, d->field, out) : 0;
}

static int random_value(struct rc *c, const struct mdef *d, uint32_t i, json_t *o)
{
	char buf[ZT_RULESC_WORD_MAX + 1];
	unsigned digits = 0, dots = 0, other = 0;
	double p;

	word(c, i, buf);
	for (char *s = buf; *s; s++) {
		if (*s >= '0' && *s <= '9')
			digits++;
		else if (*s == '.')
			dots++;
		else
			other++;
	}
	/* strtod: the programs keep the C locale, so '.' is the point. */
	p = (digits > 0 && digits < 40 && dots <= 1 && other == 0) ? strtod(buf, NULL) : -1.0;
	if (!(p >= 0.0 && p <= 1.0))
		return expected(c, i, "%s after '%s'", d->what, d->kw);
	/* As ZeroTier's compiler: the chance out of 2^32-1. */
	return o ? set_int(c, o, d->field, (json_int_t)(4294967295.0 * p)) : 0;
}

/* The value of a tag match: a number, or a flag or enum name of tg (a
 * flag first, as ZeroTier's compiler looks them up; a default looks for an
 * enum first). */
static int tag_value(struct rc *c, const struct tag *tg, uint32_t i, uint32_t kw, uint64_t *v)
{
	const struct name *nm;

	if (tg != NULL && ((nm = find_name(c, tg, i, true)) != NULL ||
	                   (nm = find_name(c, tg, i, false)) != NULL)) {
		*v = nm->value;
		return 0;
	}
	if (tok_num(c, i, UINT32_MAX, v))
		return 0;
	if (tg != NULL)
		return expected(c, i,
		                "a value of tag '%.*s' after '%.*s' (a number, or one of its "
		                "enum or flag names)",
		                (int)c->t[tg->name].len, c->src + c->t[tg->name].off,
		                (int)c->t[kw].len, c->src + c->t[kw].off);
	return expected(c, i, "a tag value (0-4294967295) after '%.*s'", (int)c->t[kw].len,
	                c->src + c->t[kw].off);
}

/* The characteristics list of chr at c->p: names or bits, comma separated. */
static int chr_list(struct rc *c, const struct env *env, uint32_t kw, const struct mdef *d,
                    uint64_t *mask, bool *unresolved)
{
	*mask = 0;
	*unresolved = false;
	for (unsigned n = 0;; n++) {
		uint32_t v;
		uint64_t bit;

		if (n == LIST_MAX)
			return expected(c, c->p, "at most %d characteristics", LIST_MAX);
		if (arg(c, env, kw, d->what, &v) < 0)
			return -EINVAL;
		if (v == UNRESOLVED)
			*unresolved = true;
		else if (!lookup(c, v, characteristics, &bit) && !tok_num(c, v, 63, &bit))
			return expected(c, v, "%s after '%s'", d->what, d->kw);
		else
			*mask |= UINT64_C(1) << bit;
		if (c->t[c->p].kind != TK_COMMA)
			return 0;
		c->p++;
	}
}

/*
 * One match at c->p (its keyword) with its arguments; rendered into the
 * sink when there is one.  Values are checked when known: in check mode a
 * macro parameter is not, nor is a tag (it may be defined further on).
 */
static int match(struct rc *c, const struct env *env, const struct sink *s, bool not_, bool or_)
{
	uint32_t kw = c->p, a0 = UNRESOLVED, a1 = UNRESOLVED;
	const struct mdef *d = find_mdef(c, kw);
	uint64_t x, y, mask = 0;
	int64_t code;
	bool unresolved = false;
	json_t *o = NULL;
	char hex[24];
	int r = -EINVAL;

	c->p++;
	if (d->kind == M_CHR) {
		if (chr_list(c, env, kw, d, &mask, &unresolved) < 0)
			return -EINVAL;
	} else if (d->kind != M_NONE) {
		if (arg(c, env, kw, d->what, &a0) < 0)
			return -EINVAL;
		if (d->kind == M_TOS && arg(c, env, kw, "a TOS value or range (0-255)", &a1) < 0)
			return -EINVAL;
		if (d->kind == M_ICMP &&
		    arg(c, env, kw, "an ICMP code (0-255, or -1 for any)", &a1) < 0)
			return -EINVAL;
		if (d->kind == M_TAG &&
		    arg(c, env, kw, "a tag value (a number, or an enum or flag name)", &a1) < 0)
			return -EINVAL;
		unresolved = a0 == UNRESOLVED ||
		             ((d->kind == M_TOS || d->kind == M_ICMP || d->kind == M_TAG) &&
		              a1 == UNRESOLVED);
	}
	if (unresolved || (s == NULL && d->kind == M_TAG))
		return 0;
	if (s != NULL) {
		o = json_pack("{s:s, s:b, s:b}", "type", d->type, "not", not_, "or", or_);
		if (o == NULL)
			return oom(c);
	}
	switch (d->kind) {
	case M_ZT:
		if (!tok_hex(c, a0, 10, &x)) {
			expected(c, a0, "%s after '%s'", d->what, d->kw);
			goto out;
		}
		snprintf(hex, sizeof hex, "%010" PRIx64, x);
		if (o && set_str(c, o, d->field, hex) < 0)
			goto out;
		break;
	case M_NUM:
	case M_ETHERTYPE:
	case M_IPPROTO:
		if (!(d->kind == M_ETHERTYPE && lookup(c, a0, ethertypes, &x)) &&
		    !(d->kind == M_IPPROTO && lookup(c, a0, ip_protocols, &x)) &&
		    !tok_num(c, a0, d->max, &x)) {
			expected(c, a0, "%s after '%s'", d->what, d->kw);
			goto out;
		}
		if (o && set_int(c, o, d->field, (json_int_t)x) < 0)
			goto out;
		break;
	case M_MAC:
		if (mac_value(c, d, a0, o) < 0)
			goto out;
		break;
	case M_IP:
		if (ip_value(c, d, a0, o) < 0)
			goto out;
		break;
	case M_TOS:
		if (!tok_num(c, a0, 0xff, &mask)) {
			expected(c, a0, "%s after '%s'", d->what, d->kw);
			goto out;
		}
		if (!tok_range(c, a1, 0xff, &x, &y)) {
			expected(c, a1, "a TOS value or range (0-255) after '%s %.*s'", d->kw,
			         (int)c->t[a0].len, c->src + c->t[a0].off);
			goto out;
		}
		if (o && (set_int(c, o, "mask", (json_int_t)mask) < 0 ||
		          set_int(c, o, "start", (json_int_t)x) < 0 ||
		          set_int(c, o, "end", (json_int_t)y) < 0))
			goto out;
		break;
	case M_ICMP:
		if (!tok_num(c, a0, 0xff, &x)) {
			expected(c, a0, "%s after '%s'", d->what, d->kw);
			goto out;
		}
		if (!tok_num_or_minus1(c, a1, 0xff, &code)) {
			expected(c, a1, "an ICMP code (0-255, or -1 for any) after '%s %.*s'",
			         d->kw, (int)c->t[a0].len, c->src + c->t[a0].off);
			goto out;
		}
		if (o && (set_int(c, o, "icmpType", (json_int_t)x) < 0 ||
		          json_object_set_new(o, "icmpCode",
		                              code < 0 ? json_null() : json_integer(code)) < 0))
			goto out;
		break;
	case M_RANGE:
		if (!tok_range(c, a0, d->max, &x, &y)) {
			expected(c, a0, "%s after '%s'", d->what, d->kw);
			goto out;
		}
		if (o && (set_int(c, o, "start", (json_int_t)x) < 0 ||
		          set_int(c, o, "end", (json_int_t)y) < 0))
			goto out;
		break;
	case M_CHR:
		snprintf(hex, sizeof hex, "%016" PRIx64, mask);
		if (o && set_str(c, o, d->field, hex) < 0)
			goto out;
		break;
	case M_RANDOM:
		if (random_value(c, d, a0, o) < 0)
			goto out;
		break;
	case M_NONE: break;
	case M_TAG: {
		/* Render mode only: every tag is defined by now. */
		const struct tag *tg = find_tag(c, a0);

		if (tg != NULL) {
			x = tg->id;
		} else if (!tok_num(c, a0, UINT32_MAX, &x)) {
			expected(c, a0,
			         "a tag name or id (0-4294967295) after '%s' (no tag '%.*s' is "
			         "defined)",
			         d->kw, (int)c->t[a0].len, c->src + c->t[a0].off);
			goto out;
		}
		if (tag_value(c, tg, a1, kw, &y) < 0 || set_int(c, o, "id", (json_int_t)x) < 0 ||
		    set_int(c, o, "value", (json_int_t)y) < 0)
			goto out;
		break;
	}
	}
	if (o == NULL)
		return 0;
	r = emit(c, s, kw, o);
	o = NULL;
out:
	json_decref(o);
	return r;
}

/* A ZeroTier address argument (tee, watch, redirect). */
static int zt_arg(struct rc *c, const struct env *env, uint32_t act, uint32_t *out, uint64_t *addr)
{
	const char *what = "a ZeroTier address (10 hex digits)";

	if (arg(c, env, act, what, out) < 0)
		return -EINVAL;
	if (*out != UNRESOLVED && !tok_hex(c, *out, 10, addr))
		return expected(c, *out, "%s after '%.*s'", what, (int)c->t[act].len,
		                c->src + c->t[act].off);
	return 0;
}

static int rule(struct rc *c, const struct env *env, const struct sink *s, bool eof_ok,
                unsigned depth);

/* include NAME[(ARG, ...)] at c->p; in render mode the macro's body is
 * parsed with its parameters bound. */
static int include(struct rc *c, const struct env *env, const struct sink *s, unsigned depth)
{
	uint32_t inc = c->p, name, args[ZT_RULESC_PARAMS_MAX];
	unsigned n = 0;
	const struct macro *m;
	struct env sub;
	int r = 0;

	c->p++;
	name = c->p;
	if (!valid_name(c, name) || reserved(c, name))
		return expected(c, name, "a macro name after 'include'");
	c->p++;
	if (c->t[c->p].kind == TK_LPAREN) {
		c->p++;
		while (c->t[c->p].kind != TK_RPAREN) {
			if (n > 0) {
				if (c->t[c->p].kind != TK_COMMA)
					return expected(
					    c, c->p, "',' or ')' in the arguments of '%.*s'",
					    (int)c->t[name].len, c->src + c->t[name].off);
				c->p++;
			}
			if (n == ZT_RULESC_PARAMS_MAX)
				return expected(c, c->p, "at most %d macro arguments",
				                ZT_RULESC_PARAMS_MAX);
			if (c->t[c->p].kind != TK_WORD)
				return expected(c, c->p, "a macro argument");
			if (resolve(c, env, c->p, &args[n]) < 0)
				return -EINVAL;
			c->p++;
			n++;
		}
		c->p++;
	}
	if (s == NULL)
		return 0; /* the macro may be defined further on */
	m = find_macro(c, name);
	if (m == NULL)
		return expected(c, name, "the name of a macro (no macro '%.*s' is defined)",
		                (int)c->t[name].len, c->src + c->t[name].off);
	if (n != m->nparams)
		return fail(c, name, "expected %u argument%s to macro '%.*s', found %u", m->nparams,
		            m->nparams == 1 ? "" : "s", (int)c->t[name].len,
		            c->src + c->t[name].off, n);
	if (depth >= ZT_RULESC_DEPTH_MAX)
		return fail(c, inc,
		            "includes nest deeper than %d (does macro '%.*s' include itself?)",
		            ZT_RULESC_DEPTH_MAX, (int)c->t[name].len, c->src + c->t[name].off);
	if (++c->expansions > ZT_RULESC_EXPANSIONS_MAX)
		return fail(c, inc, "more than %d includes expanded in all",
		            ZT_RULESC_EXPANSIONS_MAX);
	sub.m = m;
	memcpy(sub.arg, args, n * sizeof args[0]);
	{
		uint32_t back = c->p;

		c->p = m->body;
		while (r == 0 && c->p < m->end)
			r = rule(c, &sub, s, false, depth + 1);
		c->p = back;
	}
	return r;
}

/*
 * One rule at c->p: ACTION [ARGS] [[and|or] [not] MATCH ARGS]... ';', or
 * an include.  eof_ok: the end of the script may stand for the last ';'
 * (at top level, as in ZeroTier's compiler).
 */
static int rule(struct rc *c, const struct env *env, const struct sink *s, bool eof_ok,
                unsigned depth)
{
	uint32_t act = c->p, target = UNRESOLVED, len_tok = UNRESOLVED, prio = UNRESOLVED;
	uint64_t addr = 0, x;
	int64_t length = 0;
	json_t *o;
	bool first = true;

	if (is_word(c, act, "include"))
		return include(c, env, s, depth);
	if (!in_list(c, act, actions))
		return expected(c, act,
		                "a rule (drop, accept, break, tee, watch, redirect or priority), "
		                "'include', 'tag', 'cap' or 'macro'");
	c->p++;
	if (is_word(c, act, "tee") || is_word(c, act, "watch")) {
		if (arg(c, env, act, "a length (-1 or 0 for the whole frame, up to 65535)",
		        &len_tok) < 0)
			return -EINVAL;
		if (len_tok != UNRESOLVED && !tok_num_or_minus1(c, len_tok, 0xffff, &length))
			return expected(c, len_tok,
			                "a length (-1 or 0 for the whole frame, up to 65535) after "
			                "'%.*s'",
			                (int)c->t[act].len, c->src + c->t[act].off);
		if (zt_arg(c, env, act, &target, &addr) < 0)
			return -EINVAL;
	} else if (is_word(c, act, "redirect")) {
		if (zt_arg(c, env, act, &target, &addr) < 0)
			return -EINVAL;
	} else if (is_word(c, act, "priority")) {
		if (arg(c, env, act, "a priority bucket (0-8)", &prio) < 0)
			return -EINVAL;
		if (prio != UNRESOLVED && !tok_num(c, prio, 8, &x))
			return expected(c, prio, "a priority bucket (0-8) after 'priority'");
	}
	for (;;) {
		uint32_t at = c->p;
		bool or_ = false, not_ = false;

		if (c->t[at].kind == TK_SEMI) {
			c->p++;
			break;
		}
		if (c->t[at].kind == TK_EOF && eof_ok)
			break;
		if (is_word(c, at, "and") || is_word(c, at, "or")) {
			or_ = is_word(c, at, "or");
			if (or_ && first)
				return expected(
				    c, at,
				    "a match condition or ';' ('or' joins a match to the one "
				    "before it)");
			c->p++;
		}
		if (is_word(c, c->p, "not"))
			c->p++, not_ = true;
		if (find_mdef(c, c->p) == NULL) {
			if (c->p == at && (in_list(c, at, actions) || is_word(c, at, "include") ||
			                   is_word(c, at, "tag") || is_word(c, at, "cap") ||
			                   is_word(c, at, "macro") || c->t[at].kind == TK_EOF))
				return expected(c, at, "';' to end the '%.*s' rule begun at %u:%u",
				                (int)c->t[act].len, c->src + c->t[act].off,
				                c->t[act].line, c->t[act].col);
			return expected(
			    c, c->p,
			    "a match condition (ipsrc, ipprotocol, dport, chr, tseq, established "
			    "... doc/rules.md lists them)%s",
			    c->p == at ? " or ';'" : "");
		}
		if (match(c, env, s, not_, or_) < 0)
			return -EINVAL;
		first = false;
	}
	if (s == NULL)
		return 0;
	/* The action follows its matches. */
	if (is_word(c, act, "drop"))
		o = json_pack("{s:s}", "type", "ACTION_DROP");
	else if (is_word(c, act, "accept"))
		o = json_pack("{s:s}", "type", "ACTION_ACCEPT");
	else if (is_word(c, act, "break"))
		o = json_pack("{s:s}", "type", "ACTION_BREAK");
	else if (is_word(c, act, "priority"))
		o = json_pack("{s:s, s:I}", "type", "ACTION_PRIORITY", "qosBucket",
		              (json_int_t)(tok_num(c, prio, 8, &x) ? x : 0));
	else {
		char hex[16];

		snprintf(hex, sizeof hex, "%010" PRIx64, addr);
		if (is_word(c, act, "redirect"))
			o = json_pack("{s:s, s:s, s:i}", "type", "ACTION_REDIRECT", "address", hex,
			              "flags", 0);
		else
			/* ZeroTier's controller keeps the length as 16 bits:
			 * -1 ("all") is 65535. */
			o = json_pack("{s:s, s:s, s:i, s:I}", "type",
			              is_word(c, act, "tee") ? "ACTION_TEE" : "ACTION_WATCH",
			              "address", hex, "flags", 0, "length",
			              (json_int_t)(length & 0xffff));
	}
	return emit(c, s, act, o);
}

/* ---- definitions ---- */

static int def_name(struct rc *c, uint32_t kw, const char *what)
{
	uint32_t i = c->p;

	if (!valid_name(c, i) || reserved(c, i))
		return expected(c, i, "%s after '%.*s' (letters, digits, '_'; not a keyword)", what,
		                (int)c->t[kw].len, c->src + c->t[kw].off);
	c->p++;
	return 0;
}

static int def_id(struct rc *c, uint32_t kw, uint32_t *id)
{
	uint64_t v;

	c->p++;
	if (c->t[c->p].kind != TK_WORD || !tok_num(c, c->p, UINT32_MAX, &v))
		return expected(c, c->p, "an id (0-4294967295) after '%.*s'", (int)c->t[kw].len,
		                c->src + c->t[kw].off);
	*id = (uint32_t)v;
	c->p++;
	return 0;
}

/* tag NAME { id N | default V | enum V NAME | flag BITS NAME } ';' */
static int tag_def(struct rc *c)
{
	uint32_t kw = c->p, name;
	struct tag *tg;
	bool has_id = false;
	char f[64];

	c->p++;
	name = c->p;
	if (def_name(c, kw, "a tag name") < 0)
		return -EINVAL;
	if (find_tag(c, name) != NULL)
		return expected(c, name, "a new tag name (tag '%.*s' is already defined)",
		                (int)c->t[name].len, c->src + c->t[name].off);
	if (c->ntags == ZT_RULESC_TAGS_MAX)
		return fail(c, kw, "too many tags: at most %d", ZT_RULESC_TAGS_MAX);
	tg = &c->tags[c->ntags];
	memset(tg, 0, sizeof *tg);
	tg->name = name;
	tg->dflt_tok = UNRESOLVED;
	tg->first = c->nnames;
	for (;;) {
		uint32_t d = c->p;

		if (c->t[d].kind == TK_SEMI) {
			c->p++;
			break;
		}
		if (is_word(c, d, "id")) {
			if (has_id)
				return expected(c, d, "one 'id' in tag '%.*s'", (int)c->t[name].len,
				                c->src + c->t[name].off);
			if (def_id(c, d, &tg->id) < 0)
				return -EINVAL;
			has_id = true;
		} else if (is_word(c, d, "default")) {
			if (tg->dflt_tok != UNRESOLVED)
				return expected(c, d, "one 'default' in tag '%.*s'",
				                (int)c->t[name].len, c->src + c->t[name].off);
			c->p++;
			if (c->t[c->p].kind != TK_WORD)
				return expected(c, c->p, "a default value after 'default'");
			tg->dflt_tok = c->p++;
		} else if (is_word(c, d, "enum") || is_word(c, d, "flag")) {
			bool flag = is_word(c, d, "flag");
			uint64_t v = 0, bit;
			struct name *nm;

			c->p++;
			if (!flag) {
				if (c->t[c->p].kind != TK_WORD || !tok_num(c, c->p, UINT32_MAX, &v))
					return expected(c, c->p,
					                "a value (0-4294967295) after 'enum'");
				c->p++;
			} else {
				/* Bits, or flags defined before, comma separated. */
				for (unsigned n = 0;; n++) {
					const struct name *prev;

					tg->count = c->nnames - tg->first;
					if (n == LIST_MAX || c->t[c->p].kind != TK_WORD)
						return expected(c, c->p,
						                "a bit (0-31) or a flag name after "
						                "'flag'");
					if ((prev = find_name(c, tg, c->p, true)) != NULL)
						v |= prev->value;
					else if (tok_num(c, c->p, 31, &bit))
						v |= UINT64_C(1) << bit;
					else
						return expected(c, c->p,
						                "a bit (0-31) or a flag name after "
						                "'flag'");
					c->p++;
					if (c->t[c->p].kind != TK_COMMA)
						break;
					c->p++;
				}
			}
			if (!valid_name(c, c->p) || reserved(c, c->p))
				return expected(c, c->p, "a name for the %s after its value",
				                flag ? "flag" : "enum");
			tg->count = c->nnames - tg->first;
			if (find_name(c, tg, c->p, flag) != NULL)
				return expected(c, c->p, "a new %s name in tag '%.*s'",
				                flag ? "flag" : "enum", (int)c->t[name].len,
				                c->src + c->t[name].off);
			if (c->nnames == ZT_RULESC_NAMES_MAX)
				return fail(c, c->p, "too many enum and flag names: at most %d",
				            ZT_RULESC_NAMES_MAX);
			nm = &c->names[c->nnames++];
			nm->tok = c->p++;
			nm->value = (uint32_t)v;
			nm->flag = flag;
		} else {
			shown(c, d, f, sizeof f);
			return fail(c, d,
			            "expected 'id', 'default', 'enum', 'flag' or ';' in tag '%.*s' "
			            "begun at %u:%u, found %s",
			            (int)c->t[name].len, c->src + c->t[name].off, c->t[kw].line,
			            c->t[kw].col, f);
		}
	}
	tg->count = c->nnames - tg->first;
	if (!has_id)
		return fail(c, name, "expected an 'id' in tag '%.*s'", (int)c->t[name].len,
		            c->src + c->t[name].off);
	for (unsigned k = 0; k < c->ntags; k++)
		if (c->tags[k].id == tg->id)
			return fail(c, name,
			            "expected a new id for tag '%.*s' (tag '%.*s' has id %" PRIu32
			            ")",
			            (int)c->t[name].len, c->src + c->t[name].off,
			            (int)c->t[c->tags[k].name].len,
			            c->src + c->t[c->tags[k].name].off, tg->id);
	if (tg->dflt_tok != UNRESOLVED) {
		uint64_t v;
		const struct name *nm;

		if ((nm = find_name(c, tg, tg->dflt_tok, false)) != NULL ||
		    (nm = find_name(c, tg, tg->dflt_tok, true)) != NULL)
			tg->dflt = nm->value;
		else if (tok_num(c, tg->dflt_tok, UINT32_MAX, &v))
			tg->dflt = (uint32_t)v;
		else
			return expected(
			    c, tg->dflt_tok,
			    "a default for tag '%.*s' (a number, or one of its enum or flag "
			    "names)",
			    (int)c->t[name].len, c->src + c->t[name].off);
	}
	c->ntags++;
	return 0;
}

/* cap NAME { id N | default | RULE } ';' */
static int cap_def(struct rc *c)
{
	uint32_t kw = c->p, name;
	struct cap *cp;
	bool has_id = false;

	c->p++;
	name = c->p;
	if (def_name(c, kw, "a capability name") < 0)
		return -EINVAL;
	if (find_cap(c, name) != NULL)
		return expected(c, name, "a new capability name ('%.*s' is already defined)",
		                (int)c->t[name].len, c->src + c->t[name].off);
	if (c->ncaps == ZT_RULESC_CAPS_MAX)
		return fail(c, kw, "too many capabilities: at most %d", ZT_RULESC_CAPS_MAX);
	cp = &c->caps[c->ncaps];
	memset(cp, 0, sizeof *cp);
	cp->name = name;
	cp->body = c->p;
	for (;;) {
		uint32_t d = c->p;

		if (c->t[d].kind == TK_SEMI) {
			cp->end = c->p++;
			break;
		}
		if (c->t[d].kind == TK_EOF)
			return expected(c, d, "';' to end capability '%.*s' begun at %u:%u",
			                (int)c->t[name].len, c->src + c->t[name].off, c->t[kw].line,
			                c->t[kw].col);
		if (is_word(c, d, "id")) {
			if (has_id)
				return expected(c, d, "one 'id' in capability '%.*s'",
				                (int)c->t[name].len, c->src + c->t[name].off);
			if (def_id(c, d, &cp->id) < 0)
				return -EINVAL;
			has_id = true;
		} else if (is_word(c, d, "default")) {
			c->p++;
			cp->dflt = true;
		} else if (rule(c, NULL, NULL, false, 0) < 0) {
			return -EINVAL;
		}
	}
	if (!has_id)
		return fail(c, name, "expected an 'id' in capability '%.*s'", (int)c->t[name].len,
		            c->src + c->t[name].off);
	for (unsigned k = 0; k < c->ncaps; k++)
		if (c->caps[k].id == cp->id)
			return fail(
			    c, name,
			    "expected a new id for capability '%.*s' ('%.*s' has id %" PRIu32 ")",
			    (int)c->t[name].len, c->src + c->t[name].off,
			    (int)c->t[c->caps[k].name].len, c->src + c->t[c->caps[k].name].off,
			    cp->id);
	c->ncaps++;
	return 0;
}

/* macro NAME[($P, ...)] RULE... ';' */
static int macro_def(struct rc *c)
{
	uint32_t kw = c->p, name;
	struct macro *m;
	struct env env;

	c->p++;
	name = c->p;
	if (def_name(c, kw, "a macro name") < 0)
		return -EINVAL;
	if (find_macro(c, name) != NULL)
		return expected(c, name, "a new macro name ('%.*s' is already defined)",
		                (int)c->t[name].len, c->src + c->t[name].off);
	if (c->nmacros == ZT_RULESC_MACROS_MAX)
		return fail(c, kw, "too many macros: at most %d", ZT_RULESC_MACROS_MAX);
	m = &c->macros[c->nmacros];
	memset(m, 0, sizeof *m);
	m->name = name;
	if (c->t[c->p].kind == TK_LPAREN) {
		c->p++;
		while (c->t[c->p].kind != TK_RPAREN) {
			uint32_t pi;

			if (m->nparams > 0) {
				if (c->t[c->p].kind != TK_COMMA)
					return expected(c, c->p,
					                "',' or ')' in the parameters of macro "
					                "'%.*s'",
					                (int)c->t[name].len,
					                c->src + c->t[name].off);
				c->p++;
			}
			pi = c->p;
			if (m->nparams == ZT_RULESC_PARAMS_MAX)
				return expected(c, pi, "at most %d parameters",
				                ZT_RULESC_PARAMS_MAX);
			if (c->t[pi].kind != TK_WORD || c->text[c->t[pi].off] != '$' ||
			    c->t[pi].len < 2)
				return expected(c, pi, "a parameter ($name) of macro '%.*s'",
				                (int)c->t[name].len, c->src + c->t[name].off);
			for (unsigned k = 0; k < m->nparams; k++)
				if (same_word(c, m->param[k], pi))
					return expected(c, pi, "a new parameter name");
			m->param[m->nparams++] = pi;
			c->p++;
		}
		c->p++;
	}
	m->body = c->p;
	env.m = m;
	for (unsigned k = 0; k < ZT_RULESC_PARAMS_MAX; k++)
		env.arg[k] = UNRESOLVED;
	for (;;) {
		if (c->t[c->p].kind == TK_SEMI) {
			m->end = c->p++;
			break;
		}
		if (c->t[c->p].kind == TK_EOF)
			return expected(c, c->p, "';' to end macro '%.*s' begun at %u:%u",
			                (int)c->t[name].len, c->src + c->t[name].off, c->t[kw].line,
			                c->t[kw].col);
		if (rule(c, &env, NULL, false, 0) < 0)
			return -EINVAL;
	}
	c->nmacros++;
	return 0;
}

/* ---- the whole ---- */

static int define(struct rc *c)
{
	c->p = 0;
	while (c->t[c->p].kind != TK_EOF) {
		uint32_t i = c->p;
		int r;

		if (c->t[i].kind == TK_SEMI) { /* an empty statement */
			c->p++;
			continue;
		}
		if (is_word(c, i, "tag")) {
			r = tag_def(c);
		} else if (is_word(c, i, "cap")) {
			r = cap_def(c);
		} else if (is_word(c, i, "macro")) {
			r = macro_def(c);
		} else {
			c->base[c->nbase++] = i;
			r = rule(c, NULL, NULL, true, 0);
		}
		if (r < 0)
			return r;
	}
	return 0;
}

static int by_id(const void *a, const void *b)
{
	uint32_t x = (uint32_t)json_integer_value(json_object_get(*(json_t *const *)a, "id"));
	uint32_t y = (uint32_t)json_integer_value(json_object_get(*(json_t *const *)b, "id"));
	return x < y ? -1 : x > y;
}

/* Append the objects of items (n, consumed) to arr sorted by id, as
 * ZeroTier's controller lists them. */
static int sorted(struct rc *c, json_t *arr, json_t **items, unsigned n)
{
	int r = 0;

	qsort(items, n, sizeof *items, by_id);
	for (unsigned k = 0; k < n; k++) {
		if (r == 0 && (items[k] == NULL || json_array_append(arr, items[k]) < 0))
			r = oom(c);
		json_decref(items[k]);
	}
	return r;
}

static int render(struct rc *c, json_t *out)
{
	json_t *rules = json_array(), *caps = json_array(), *tags = json_array();
	json_t *items[ZT_RULESC_CAPS_MAX > ZT_RULESC_TAGS_MAX ? ZT_RULESC_CAPS_MAX
	                                                      : ZT_RULESC_TAGS_MAX];
	struct sink s = {rules, ZT_RULESC_BASE_MAX, "the base rule set"};
	char what[96];
	int r = -ENOMEM;

	if (rules == NULL || caps == NULL || tags == NULL ||
	    json_object_set(out, "rules", rules) < 0 ||
	    json_object_set(out, "capabilities", caps) < 0 ||
	    json_object_set(out, "tags", tags) < 0)
		goto out;
	for (unsigned k = 0; k < c->nbase; k++) {
		c->p = c->base[k];
		if ((r = rule(c, NULL, &s, true, 0)) < 0)
			goto out;
	}
	for (unsigned k = 0; k < c->ncaps; k++) {
		struct cap *cp = &c->caps[k];

		cp->rules = json_array();
		if (cp->rules == NULL) {
			r = oom(c);
			goto out;
		}
		snprintf(what, sizeof what, "capability '%.*s'", (int)c->t[cp->name].len,
		         c->src + c->t[cp->name].off);
		s.arr = cp->rules;
		s.max = ZT_RULESC_CAP_RULES_MAX;
		s.what = what;
		c->p = cp->body;
		while (c->p < cp->end) {
			if (is_word(c, c->p, "id"))
				c->p += 2;
			else if (is_word(c, c->p, "default"))
				c->p++;
			else if ((r = rule(c, NULL, &s, false, 0)) < 0)
				goto out;
		}
	}
	for (unsigned k = 0; k < c->ncaps; k++)
		items[k] = json_pack("{s:I, s:b, s:O}", "id", (json_int_t)c->caps[k].id, "default",
		                     c->caps[k].dflt, "rules", c->caps[k].rules);
	if ((r = sorted(c, caps, items, c->ncaps)) < 0)
		goto out;
	for (unsigned k = 0; k < c->ntags; k++) {
		const struct tag *tg = &c->tags[k];

		items[k] =
		    json_pack("{s:I, s:o}", "id", (json_int_t)tg->id, "default",
		              tg->dflt_tok == UNRESOLVED ? json_null() : json_integer(tg->dflt));
	}
	r = sorted(c, tags, items, c->ntags);
out:
	if (r == -ENOMEM && c->e->msg[0] == '\0')
		oom(c);
	json_decref(rules);
	json_decref(caps);
	json_decref(tags);
	return r;
}

int zt_rulesc_compile(const char *src, size_t len, json_t **out, struct zt_rulesc_error *e)
{
	struct rc *c = NULL;
	json_t *j = NULL;
	int r = -ENOMEM;

	*out = NULL;
	memset(e, 0, sizeof *e);
	if (len > ZT_RULESC_SRC_MAX) {
		snprintf(e->msg, sizeof e->msg, "expected a script of at most %d bytes, found %zu",
		         ZT_RULESC_SRC_MAX, len);
		return -EFBIG;
	}
	c = calloc(1, sizeof *c);
	if (c == NULL)
		goto out;
	c->e = e;
	c->src = src;
	c->len = len;
	c->text = malloc(len + 1);
	c->names = calloc(ZT_RULESC_NAMES_MAX, sizeof *c->names);
	c->macros = calloc(ZT_RULESC_MACROS_MAX, sizeof *c->macros);
	if (c->text == NULL || c->names == NULL || c->macros == NULL)
		goto out;
	for (size_t k = 0; k < len; k++)
		c->text[k] = (src[k] >= 'A' && src[k] <= 'Z') ? (char)(src[k] - 'A' + 'a') : src[k];
	c->text[len] = '\0';
	if ((r = lex(c)) < 0)
		goto out;
	c->base = calloc(c->nt, sizeof *c->base);
	r = -ENOMEM;
	if (c->base == NULL)
		goto out;
	if ((r = define(c)) < 0)
		goto out;
	j = json_object();
	r = j ? render(c, j) : -ENOMEM;
	if (r == 0) {
		*out = j;
		j = NULL;
	}
out:
	if (r == -ENOMEM && e->msg[0] == '\0')
		snprintf(e->msg, sizeof e->msg, "out of memory");
	json_decref(j);
	if (c != NULL) {
		for (unsigned k = 0; k < c->ncaps; k++)
			json_decref(c->caps[k].rules);
		free(c->text);
		free(c->t);
		free(c->names);
		free(c->macros);
		free(c->base);
		free(c);
	}
	return r;
}
