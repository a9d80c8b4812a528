/* SPDX-License-Identifier: MIT */
/*
 * rulesc_rule.c - one rule (see rulesc_int.h): its action and the
 * action's arguments, its matches in order (rulesc_match.c), and include,
 * which parses a macro's body again with its parameters bound.  One parser
 * for both modes: with no sink it checks, with one it renders.
 */
#include "controller/rulesc_int.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

/* The words a rule begins with. */
static const char *const actions[] = {"drop",  "accept",   "break",    "tee",
                                      "watch", "redirect", "priority", NULL};

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
		zt_rulesc_shown(c, i, f, sizeof f);
		return zt_rulesc_fail(
		    c, i, "expected a value, found %s (a macro parameter outside a macro)", f);
	}
	for (unsigned k = 0; k < env->m->nparams; k++)
		if (zt_rulesc_tok_same(c, env->m->param[k], i)) {
			*out = env->arg[k];
			return 0;
		}
	return zt_rulesc_expected(c, i, "a parameter of macro '%.*s'", (int)c->t[env->m->name].len,
	                          c->src + c->t[env->m->name].off);
}

/* One argument of match or action token kw: a word that is not a
 * reserved word, resolved. */
int zt_rulesc_rule_arg(struct rc *c, const struct env *env, uint32_t kw, const char *what,
                       uint32_t *out)
{
	uint32_t i = c->p;

	/* "icmp" is also the name of IP protocol 1, as the manual writes it. */
	if (c->t[i].kind != TK_WORD ||
	    (zt_rulesc_tok_reserved(c, i) && !zt_rulesc_tok_is(c, i, "icmp")))
		return zt_rulesc_expected(c, i, "%s after '%.*s'", what, (int)c->t[kw].len,
		                          c->src + c->t[kw].off);
	c->p++;
	return resolve(c, env, i, out);
}

/* Append o (consumed) to the sink; an error at token at when full. */
int zt_rulesc_rule_emit(struct rc *c, const struct sink *s, uint32_t at, json_t *o)
{
	if (o == NULL)
		return zt_rulesc_oom(c);
	if (json_array_size(s->arr) >= s->max) {
		json_decref(o);
		return zt_rulesc_fail(
		    c, at, "too many entries: %s holds at most %u (each match and action is one)",
		    s->what, s->max);
	}
	if (json_array_append_new(s->arr, o) < 0)
		return zt_rulesc_oom(c);
	return 0;
}

/* A ZeroTier address argument (tee, watch, redirect). */
static int zt_arg(struct rc *c, const struct env *env, uint32_t act, uint32_t *out, uint64_t *addr)
{
	const char *what = "a ZeroTier address (10 hex digits)";

	if (zt_rulesc_rule_arg(c, env, act, what, out) < 0)
		return -EINVAL;
	if (*out != UNRESOLVED && !zt_rulesc_tok_hex(c, *out, 10, addr))
		return zt_rulesc_expected(c, *out, "%s after '%.*s'", what, (int)c->t[act].len,
		                          c->src + c->t[act].off);
	return 0;
}

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
	if (!zt_rulesc_tok_name_ok(c, name) || zt_rulesc_tok_reserved(c, name))
		return zt_rulesc_expected(c, name, "a macro name after 'include'");
	c->p++;
	if (c->t[c->p].kind == TK_LPAREN) {
		c->p++;
		while (c->t[c->p].kind != TK_RPAREN) {
			if (n > 0) {
				if (c->t[c->p].kind != TK_COMMA)
					return zt_rulesc_expected(
					    c, c->p, "',' or ')' in the arguments of '%.*s'",
					    (int)c->t[name].len, c->src + c->t[name].off);
				c->p++;
			}
			if (n == ZT_RULESC_PARAMS_MAX)
				return zt_rulesc_expected(c, c->p, "at most %d macro arguments",
				                          ZT_RULESC_PARAMS_MAX);
			if (c->t[c->p].kind != TK_WORD)
				return zt_rulesc_expected(c, c->p, "a macro argument");
			if (resolve(c, env, c->p, &args[n]) < 0)
				return -EINVAL;
			c->p++;
			n++;
		}
		c->p++;
	}
	if (s == NULL)
		return 0; /* the macro may be defined further on */
	m = zt_rulesc_def_find_macro(c, name);
	if (m == NULL)
		return zt_rulesc_expected(c, name,
		                          "the name of a macro (no macro '%.*s' is defined)",
		                          (int)c->t[name].len, c->src + c->t[name].off);
	if (n != m->nparams)
		return zt_rulesc_fail(c, name, "expected %u argument%s to macro '%.*s', found %u",
		                      m->nparams, m->nparams == 1 ? "" : "s", (int)c->t[name].len,
		                      c->src + c->t[name].off, n);
	if (depth >= ZT_RULESC_DEPTH_MAX)
		return zt_rulesc_fail(
		    c, inc, "includes nest deeper than %d (does macro '%.*s' include itself?)",
		    ZT_RULESC_DEPTH_MAX, (int)c->t[name].len, c->src + c->t[name].off);
	if (++c->expansions > ZT_RULESC_EXPANSIONS_MAX)
		return zt_rulesc_fail(c, inc, "more than %d includes expanded in all",
		                      ZT_RULESC_EXPANSIONS_MAX);
	sub.m = m;
	memcpy(sub.arg, args, n * sizeof args[0]);
	{
		uint32_t back = c->p;

		c->p = m->body;
		while (r == 0 && c->p < m->end)
			r = zt_rulesc_rule(c, &sub, s, false, depth + 1);
		c->p = back;
	}
	return r;
}

/*
 * One rule at c->p: ACTION [ARGS] [[and|or] [not] MATCH ARGS]... ';', or
 * an include.  eof_ok: the end of the script may stand for the last ';'
 * (at top level, as in ZeroTier's compiler).
 */
int zt_rulesc_rule(struct rc *c, const struct env *env, const struct sink *s, bool eof_ok,
                   unsigned depth)
{
	uint32_t act = c->p, target = UNRESOLVED, len_tok = UNRESOLVED, prio = UNRESOLVED;
	uint64_t addr = 0, x;
	int64_t length = 0;
	json_t *o;
	bool first = true;

	if (zt_rulesc_tok_is(c, act, "include"))
		return include(c, env, s, depth);
	if (!zt_rulesc_tok_in_list(c, act, actions))
		return zt_rulesc_expected(
		    c, act,
		    "a rule (drop, accept, break, tee, watch, redirect or priority), "
		    "'include', 'tag', 'cap' or 'macro'");
	c->p++;
	if (zt_rulesc_tok_is(c, act, "tee") || zt_rulesc_tok_is(c, act, "watch")) {
		if (zt_rulesc_rule_arg(c, env, act,
		                       "a length (-1 or 0 for the whole frame, up to 65535)",
		                       &len_tok) < 0)
			return -EINVAL;
		if (len_tok != UNRESOLVED &&
		    !zt_rulesc_tok_num_or_minus1(c, len_tok, 0xffff, &length))
			return zt_rulesc_expected(
			    c, len_tok,
			    "a length (-1 or 0 for the whole frame, up to 65535) after "
			    "'%.*s'",
			    (int)c->t[act].len, c->src + c->t[act].off);
		if (zt_arg(c, env, act, &target, &addr) < 0)
			return -EINVAL;
	} else if (zt_rulesc_tok_is(c, act, "redirect")) {
		if (zt_arg(c, env, act, &target, &addr) < 0)
			return -EINVAL;
	} else if (zt_rulesc_tok_is(c, act, "priority")) {
		if (zt_rulesc_rule_arg(c, env, act, "a priority bucket (0-8)", &prio) < 0)
			return -EINVAL;
		if (prio != UNRESOLVED && !zt_rulesc_tok_num(c, prio, 8, &x))
			return zt_rulesc_expected(c, prio,
			                          "a priority bucket (0-8) after 'priority'");
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
		if (zt_rulesc_tok_is(c, at, "and") || zt_rulesc_tok_is(c, at, "or")) {
			or_ = zt_rulesc_tok_is(c, at, "or");
			if (or_ && first)
				return zt_rulesc_expected(
				    c, at,
				    "a match condition or ';' ('or' joins a match to the one "
				    "before it)");
			c->p++;
		}
		if (zt_rulesc_tok_is(c, c->p, "not"))
			c->p++, not_ = true;
		if (!zt_rulesc_match_keyword(c, c->p)) {
			if (c->p == at &&
			    (zt_rulesc_tok_in_list(c, at, actions) ||
			     zt_rulesc_tok_is(c, at, "include") || zt_rulesc_tok_is(c, at, "tag") ||
			     zt_rulesc_tok_is(c, at, "cap") || zt_rulesc_tok_is(c, at, "macro") ||
			     c->t[at].kind == TK_EOF))
				return zt_rulesc_expected(
				    c, at, "';' to end the '%.*s' rule begun at %u:%u",
				    (int)c->t[act].len, c->src + c->t[act].off, c->t[act].line,
				    c->t[act].col);
			return zt_rulesc_expected(
			    c, c->p,
			    "a match condition (ipsrc, ipprotocol, dport, chr, tseq, established "
			    "... doc/rules.md lists them)%s",
			    c->p == at ? " or ';'" : "");
		}
		if (zt_rulesc_match(c, env, s, not_, or_) < 0)
			return -EINVAL;
		first = false;
	}
	if (s == NULL)
		return 0;
	/* The action follows its matches. */
	if (zt_rulesc_tok_is(c, act, "drop"))
		o = json_pack("{s:s}", "type", "ACTION_DROP");
	else if (zt_rulesc_tok_is(c, act, "accept"))
		o = json_pack("{s:s}", "type", "ACTION_ACCEPT");
	else if (zt_rulesc_tok_is(c, act, "break"))
		o = json_pack("{s:s}", "type", "ACTION_BREAK");
	else if (zt_rulesc_tok_is(c, act, "priority"))
		o = json_pack("{s:s, s:I}", "type", "ACTION_PRIORITY", "qosBucket",
		              (json_int_t)(zt_rulesc_tok_num(c, prio, 8, &x) ? x : 0));
	else {
		char hex[16];

		snprintf(hex, sizeof hex, "%010" PRIx64, addr);
		if (zt_rulesc_tok_is(c, act, "redirect"))
			o = json_pack("{s:s, s:s, s:i}", "type", "ACTION_REDIRECT", "address", hex,
			              "flags", 0);
		else
			/* ZeroTier's controller keeps the length as 16 bits:
			 * -1 ("all") is 65535. */
			o = json_pack(
			    "{s:s, s:s, s:i, s:I}", "type",
			    zt_rulesc_tok_is(c, act, "tee") ? "ACTION_TEE" : "ACTION_WATCH",
			    "address", hex, "flags", 0, "length", (json_int_t)(length & 0xffff));
	}
	return zt_rulesc_rule_emit(c, s, act, o);
}
