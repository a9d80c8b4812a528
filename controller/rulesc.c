/* SPDX-License-Identifier: MIT */
/*
 * rulesc.c - the rules language compiler (see rulesc.h): its steps in
 * order, and its error messages.  rulesc_int.h lists its other files.
 *
 * Three steps over one array of tokens:
 *  1. lex (rulesc_tok.c): words, ';', '(', ')' and ',', each with its line
 *     and column; a lowered copy of the text makes the language
 *     case-insensitive;
 *  2. define (rulesc_def.c): the top-level statements are read in order;
 *     tags, capabilities and macros are defined, and every rule is parsed
 *     (rulesc_rule.c, rulesc_match.c) in "check" mode (syntax and the
 *     values that need no definition; nothing emitted);
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
#include "controller/rulesc_int.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
void zt_rulesc_shown(const struct rc *c, uint32_t i, char *out, size_t cap)
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
int zt_rulesc_fail(struct rc *c, uint32_t i, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = fail_at(c, c->t[i].line, c->t[i].col, fmt, ap);
	va_end(ap);
	return r;
}

/* An error at token i: "expected <what>, found <token i>". */
int zt_rulesc_expected(struct rc *c, uint32_t i, const char *fmt, ...)
{
	char what[160], f[64];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof what, fmt, ap);
	va_end(ap);
	what[utf8_whole(what, strlen(what))] = '\0';
	zt_rulesc_shown(c, i, f, sizeof f);
	return zt_rulesc_fail(c, i, "expected %s, found %s", what, f);
}

int zt_rulesc_oom(struct rc *c)
{
	snprintf(c->e->msg, sizeof c->e->msg, "out of memory");
	c->e->line = c->e->column = 0;
	return -ENOMEM;
}

/* ---- the steps ---- */

/* Step 2: the top-level statements in order; a rule's first token is kept
 * in c->base for step 3. */
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
		if (zt_rulesc_tok_is(c, i, "tag")) {
			r = zt_rulesc_def_tag(c);
		} else if (zt_rulesc_tok_is(c, i, "cap")) {
			r = zt_rulesc_def_cap(c);
		} else if (zt_rulesc_tok_is(c, i, "macro")) {
			r = zt_rulesc_def_macro(c);
		} else {
			c->base[c->nbase++] = i;
			r = zt_rulesc_rule(c, NULL, NULL, true, 0);
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
			r = zt_rulesc_oom(c);
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
		if ((r = zt_rulesc_rule(c, NULL, &s, true, 0)) < 0)
			goto out;
	}
	for (unsigned k = 0; k < c->ncaps; k++) {
		struct cap *cp = &c->caps[k];

		cp->rules = json_array();
		if (cp->rules == NULL) {
			r = zt_rulesc_oom(c);
			goto out;
		}
		snprintf(what, sizeof what, "capability '%.*s'", (int)c->t[cp->name].len,
		         c->src + c->t[cp->name].off);
		s.arr = cp->rules;
		s.max = ZT_RULESC_CAP_RULES_MAX;
		s.what = what;
		c->p = cp->body;
		while (c->p < cp->end) {
			if (zt_rulesc_tok_is(c, c->p, "id"))
				c->p += 2;
			else if (zt_rulesc_tok_is(c, c->p, "default"))
				c->p++;
			else if ((r = zt_rulesc_rule(c, NULL, &s, false, 0)) < 0)
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
		zt_rulesc_oom(c);
	json_decref(rules);
	json_decref(caps);
	json_decref(tags);
	return r;
}

/* A token's text as its JSON key: the lowered text, since names are
 * case-insensitive (ZeroTier's compiler lowers them too). */
static int set_named(struct rc *c, json_t *obj, uint32_t tok, json_t *v)
{
	char key[ZT_RULESC_WORD_MAX + 1];
	size_t n = c->t[tok].len < ZT_RULESC_WORD_MAX ? c->t[tok].len : ZT_RULESC_WORD_MAX;

	memcpy(key, c->text + c->t[tok].off, n);
	key[n] = '\0';
	return v != NULL && json_object_set_new(obj, key, v) == 0 ? 0 : zt_rulesc_oom(c);
}

/* The definitions by name, as ZeroTier Central shows them beside a
 * network: {"tagsByName": {name: {"id", "default", "enums": {name: value},
 * "flags": {name: mask}}}, "capabilitiesByName": {name: {"id", "default",
 * "rules"}}}, from what steps 2 and 3 found. */
static int render_names(struct rc *c, json_t *out)
{
	json_t *tags = json_object(), *caps = json_object();
	int r = 0;

	if (tags == NULL || caps == NULL || json_object_set(out, "tagsByName", tags) < 0 ||
	    json_object_set(out, "capabilitiesByName", caps) < 0) {
		r = zt_rulesc_oom(c);
		goto out;
	}
	for (unsigned k = 0; k < c->ntags; k++) {
		const struct tag *tg = &c->tags[k];
		json_t *enums = json_object(), *flags = json_object(), *t = NULL;

		if (enums != NULL && flags != NULL)
			t = json_pack("{s:I, s:o, s:O, s:O}", "id", (json_int_t)tg->id, "default",
			              tg->dflt_tok == UNRESOLVED ? json_null()
			                                         : json_integer(tg->dflt),
			              "enums", enums, "flags", flags);

		r = set_named(c, tags, tg->name, t);
		for (unsigned n = tg->first; r == 0 && n < tg->first + tg->count; n++)
			r = set_named(c, c->names[n].flag ? flags : enums, c->names[n].tok,
			              json_integer(c->names[n].value));
		json_decref(enums);
		json_decref(flags);
		if (r < 0)
			goto out;
	}
	for (unsigned k = 0; k < c->ncaps; k++) {
		const struct cap *cp = &c->caps[k];

		r = set_named(c, caps, cp->name,
		              json_pack("{s:I, s:b, s:O}", "id", (json_int_t)cp->id, "default",
		                        cp->dflt, "rules", cp->rules));
		if (r < 0)
			goto out;
	}
out:
	json_decref(tags);
	json_decref(caps);
	return r;
}

int zt_rulesc_compile(const char *src, size_t len, json_t **out, struct zt_rulesc_error *e)
{
	return zt_rulesc_compile_named(src, len, out, NULL, e);
}

int zt_rulesc_compile_named(const char *src, size_t len, json_t **out, json_t **names,
                            struct zt_rulesc_error *e)
{
	struct rc *c = NULL;
	json_t *j = NULL, *nj = NULL;
	int r = -ENOMEM;

	*out = NULL;
	if (names != NULL)
		*names = NULL;
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
	if ((r = zt_rulesc_tok_lex(c)) < 0)
		goto out;
	c->base = calloc(c->nt, sizeof *c->base);
	r = -ENOMEM;
	if (c->base == NULL)
		goto out;
	if ((r = define(c)) < 0)
		goto out;
	j = json_object();
	r = j ? render(c, j) : -ENOMEM;
	if (r == 0 && names != NULL) {
		nj = json_object();
		r = nj ? render_names(c, nj) : -ENOMEM;
	}
	if (r == 0) {
		*out = j;
		j = NULL;
		if (names != NULL) {
			*names = nj;
			nj = NULL;
		}
	}
out:
	if (r == -ENOMEM && e->msg[0] == '\0')
		snprintf(e->msg, sizeof e->msg, "out of memory");
	json_decref(j);
	json_decref(nj);
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
