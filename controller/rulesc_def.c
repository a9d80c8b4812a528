/* SPDX-License-Identifier: MIT */
/*
 * rulesc_def.c - the rules language's definitions (see rulesc_int.h):
 * tag, cap and macro statements, read in step 2 of the compiler, and the
 * look-ups of what they define.  A capability's and a macro's rules are
 * checked here and rendered later, from their tokens.
 */
#include "controller/rulesc_int.h"

#include <errno.h>
#include <inttypes.h>
#include <string.h>

struct tag *zt_rulesc_def_find_tag(struct rc *c, uint32_t i)
{
	for (unsigned k = 0; k < c->ntags; k++)
		if (zt_rulesc_tok_same(c, c->tags[k].name, i))
			return &c->tags[k];
	return NULL;
}

const struct name *zt_rulesc_def_find_name(const struct rc *c, const struct tag *tg, uint32_t i,
                                           bool flags)
{
	for (unsigned k = tg->first; k < tg->first + tg->count; k++)
		if (c->names[k].flag == flags && zt_rulesc_tok_same(c, c->names[k].tok, i))
			return &c->names[k];
	return NULL;
}

static struct cap *find_cap(struct rc *c, uint32_t i)
{
	for (unsigned k = 0; k < c->ncaps; k++)
		if (zt_rulesc_tok_same(c, c->caps[k].name, i))
			return &c->caps[k];
	return NULL;
}

const struct macro *zt_rulesc_def_find_macro(const struct rc *c, uint32_t i)
{
	for (unsigned k = 0; k < c->nmacros; k++)
		if (zt_rulesc_tok_same(c, c->macros[k].name, i))
			return &c->macros[k];
	return NULL;
}

static int def_name(struct rc *c, uint32_t kw, const char *what)
{
	uint32_t i = c->p;

	if (!zt_rulesc_tok_name_ok(c, i) || zt_rulesc_tok_reserved(c, i))
		return zt_rulesc_expected(c, i,
		                          "%s after '%.*s' (letters, digits, '_'; not a keyword)",
		                          what, (int)c->t[kw].len, c->src + c->t[kw].off);
	c->p++;
	return 0;
}

static int def_id(struct rc *c, uint32_t kw, uint32_t *id)
{
	uint64_t v;

	c->p++;
	if (c->t[c->p].kind != TK_WORD || !zt_rulesc_tok_num(c, c->p, UINT32_MAX, &v))
		return zt_rulesc_expected(c, c->p, "an id (0-4294967295) after '%.*s'",
		                          (int)c->t[kw].len, c->src + c->t[kw].off);
	*id = (uint32_t)v;
	c->p++;
	return 0;
}

/* tag NAME { id N | default V | enum V NAME | flag BITS NAME } ';' */
int zt_rulesc_def_tag(struct rc *c)
{
	uint32_t kw = c->p, name;
	struct tag *tg;
	bool has_id = false;
	char f[64];

	c->p++;
	name = c->p;
	if (def_name(c, kw, "a tag name") < 0)
		return -EINVAL;
	if (zt_rulesc_def_find_tag(c, name) != NULL)
		return zt_rulesc_expected(c, name, "a new tag name (tag '%.*s' is already defined)",
		                          (int)c->t[name].len, c->src + c->t[name].off);
	if (c->ntags == ZT_RULESC_TAGS_MAX)
		return zt_rulesc_fail(c, kw, "too many tags: at most %d", ZT_RULESC_TAGS_MAX);
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
		if (zt_rulesc_tok_is(c, d, "id")) {
			if (has_id)
				return zt_rulesc_expected(c, d, "one 'id' in tag '%.*s'",
				                          (int)c->t[name].len,
				                          c->src + c->t[name].off);
			if (def_id(c, d, &tg->id) < 0)
				return -EINVAL;
			has_id = true;
		} else if (zt_rulesc_tok_is(c, d, "default")) {
			if (tg->dflt_tok != UNRESOLVED)
				return zt_rulesc_expected(c, d, "one 'default' in tag '%.*s'",
				                          (int)c->t[name].len,
				                          c->src + c->t[name].off);
			c->p++;
			if (c->t[c->p].kind != TK_WORD)
				return zt_rulesc_expected(c, c->p,
				                          "a default value after 'default'");
			tg->dflt_tok = c->p++;
		} else if (zt_rulesc_tok_is(c, d, "enum") || zt_rulesc_tok_is(c, d, "flag")) {
			bool flag = zt_rulesc_tok_is(c, d, "flag");
			uint64_t v = 0, bit;
			struct name *nm;

			c->p++;
			if (!flag) {
				if (c->t[c->p].kind != TK_WORD ||
				    !zt_rulesc_tok_num(c, c->p, UINT32_MAX, &v))
					return zt_rulesc_expected(
					    c, c->p, "a value (0-4294967295) after 'enum'");
				c->p++;
			} else {
				/* Bits, or flags defined before, comma separated. */
				for (unsigned n = 0;; n++) {
					const struct name *prev;

					tg->count = c->nnames - tg->first;
					if (n == LIST_MAX || c->t[c->p].kind != TK_WORD)
						return zt_rulesc_expected(
						    c, c->p,
						    "a bit (0-31) or a flag name after "
						    "'flag'");
					if ((prev = zt_rulesc_def_find_name(c, tg, c->p, true)) !=
					    NULL)
						v |= prev->value;
					else if (zt_rulesc_tok_num(c, c->p, 31, &bit))
						v |= UINT64_C(1) << bit;
					else
						return zt_rulesc_expected(
						    c, c->p,
						    "a bit (0-31) or a flag name after "
						    "'flag'");
					c->p++;
					if (c->t[c->p].kind != TK_COMMA)
						break;
					c->p++;
				}
			}
			if (!zt_rulesc_tok_name_ok(c, c->p) || zt_rulesc_tok_reserved(c, c->p))
				return zt_rulesc_expected(c, c->p,
				                          "a name for the %s after its value",
				                          flag ? "flag" : "enum");
			tg->count = c->nnames - tg->first;
			if (zt_rulesc_def_find_name(c, tg, c->p, flag) != NULL)
				return zt_rulesc_expected(
				    c, c->p, "a new %s name in tag '%.*s'", flag ? "flag" : "enum",
				    (int)c->t[name].len, c->src + c->t[name].off);
			if (c->nnames == ZT_RULESC_NAMES_MAX)
				return zt_rulesc_fail(c, c->p,
				                      "too many enum and flag names: at most %d",
				                      ZT_RULESC_NAMES_MAX);
			nm = &c->names[c->nnames++];
			nm->tok = c->p++;
			nm->value = (uint32_t)v;
			nm->flag = flag;
		} else {
			zt_rulesc_shown(c, d, f, sizeof f);
			return zt_rulesc_fail(
			    c, d,
			    "expected 'id', 'default', 'enum', 'flag' or ';' in tag '%.*s' "
			    "begun at %u:%u, found %s",
			    (int)c->t[name].len, c->src + c->t[name].off, c->t[kw].line,
			    c->t[kw].col, f);
		}
	}
	tg->count = c->nnames - tg->first;
	if (!has_id)
		return zt_rulesc_fail(c, name, "expected an 'id' in tag '%.*s'",
		                      (int)c->t[name].len, c->src + c->t[name].off);
	for (unsigned k = 0; k < c->ntags; k++)
		if (c->tags[k].id == tg->id)
			return zt_rulesc_fail(
			    c, name,
			    "expected a new id for tag '%.*s' (tag '%.*s' has id %" PRIu32 ")",
			    (int)c->t[name].len, c->src + c->t[name].off,
			    (int)c->t[c->tags[k].name].len, c->src + c->t[c->tags[k].name].off,
			    tg->id);
	if (tg->dflt_tok != UNRESOLVED) {
		uint64_t v;
		const struct name *nm;

		if ((nm = zt_rulesc_def_find_name(c, tg, tg->dflt_tok, false)) != NULL ||
		    (nm = zt_rulesc_def_find_name(c, tg, tg->dflt_tok, true)) != NULL)
			tg->dflt = nm->value;
		else if (zt_rulesc_tok_num(c, tg->dflt_tok, UINT32_MAX, &v))
			tg->dflt = (uint32_t)v;
		else
			return zt_rulesc_expected(
			    c, tg->dflt_tok,
			    "a default for tag '%.*s' (a number, or one of its enum or flag "
			    "names)",
			    (int)c->t[name].len, c->src + c->t[name].off);
	}
	c->ntags++;
	return 0;
}

/* cap NAME { id N | default | RULE } ';' */
int zt_rulesc_def_cap(struct rc *c)
{
	uint32_t kw = c->p, name;
	struct cap *cp;
	bool has_id = false;

	c->p++;
	name = c->p;
	if (def_name(c, kw, "a capability name") < 0)
		return -EINVAL;
	if (find_cap(c, name) != NULL)
		return zt_rulesc_expected(c, name,
		                          "a new capability name ('%.*s' is already defined)",
		                          (int)c->t[name].len, c->src + c->t[name].off);
	if (c->ncaps == ZT_RULESC_CAPS_MAX)
		return zt_rulesc_fail(c, kw, "too many capabilities: at most %d",
		                      ZT_RULESC_CAPS_MAX);
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
			return zt_rulesc_expected(c, d,
			                          "';' to end capability '%.*s' begun at %u:%u",
			                          (int)c->t[name].len, c->src + c->t[name].off,
			                          c->t[kw].line, c->t[kw].col);
		if (zt_rulesc_tok_is(c, d, "id")) {
			if (has_id)
				return zt_rulesc_expected(c, d, "one 'id' in capability '%.*s'",
				                          (int)c->t[name].len,
				                          c->src + c->t[name].off);
			if (def_id(c, d, &cp->id) < 0)
				return -EINVAL;
			has_id = true;
		} else if (zt_rulesc_tok_is(c, d, "default")) {
			c->p++;
			cp->dflt = true;
		} else if (zt_rulesc_rule(c, NULL, NULL, false, 0) < 0) {
			return -EINVAL;
		}
	}
	if (!has_id)
		return zt_rulesc_fail(c, name, "expected an 'id' in capability '%.*s'",
		                      (int)c->t[name].len, c->src + c->t[name].off);
	for (unsigned k = 0; k < c->ncaps; k++)
		if (c->caps[k].id == cp->id)
			return zt_rulesc_fail(
			    c, name,
			    "expected a new id for capability '%.*s' ('%.*s' has id %" PRIu32 ")",
			    (int)c->t[name].len, c->src + c->t[name].off,
			    (int)c->t[c->caps[k].name].len, c->src + c->t[c->caps[k].name].off,
			    cp->id);
	c->ncaps++;
	return 0;
}

/* macro NAME[($P, ...)] RULE... ';' */
int zt_rulesc_def_macro(struct rc *c)
{
	uint32_t kw = c->p, name;
	struct macro *m;
	struct env env;

	c->p++;
	name = c->p;
	if (def_name(c, kw, "a macro name") < 0)
		return -EINVAL;
	if (zt_rulesc_def_find_macro(c, name) != NULL)
		return zt_rulesc_expected(c, name, "a new macro name ('%.*s' is already defined)",
		                          (int)c->t[name].len, c->src + c->t[name].off);
	if (c->nmacros == ZT_RULESC_MACROS_MAX)
		return zt_rulesc_fail(c, kw, "too many macros: at most %d", ZT_RULESC_MACROS_MAX);
	m = &c->macros[c->nmacros];
	memset(m, 0, sizeof *m);
	m->name = name;
	if (c->t[c->p].kind == TK_LPAREN) {
		c->p++;
		while (c->t[c->p].kind != TK_RPAREN) {
			uint32_t pi;

			if (m->nparams > 0) {
				if (c->t[c->p].kind != TK_COMMA)
					return zt_rulesc_expected(
					    c, c->p,
					    "',' or ')' in the parameters of macro "
					    "'%.*s'",
					    (int)c->t[name].len, c->src + c->t[name].off);
				c->p++;
			}
			pi = c->p;
			if (m->nparams == ZT_RULESC_PARAMS_MAX)
				return zt_rulesc_expected(c, pi, "at most %d parameters",
				                          ZT_RULESC_PARAMS_MAX);
			if (c->t[pi].kind != TK_WORD || c->text[c->t[pi].off] != '$' ||
			    c->t[pi].len < 2)
				return zt_rulesc_expected(
				    c, pi, "a parameter ($name) of macro '%.*s'",
				    (int)c->t[name].len, c->src + c->t[name].off);
			for (unsigned k = 0; k < m->nparams; k++)
				if (zt_rulesc_tok_same(c, m->param[k], pi))
					return zt_rulesc_expected(c, pi, "a new parameter name");
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
			return zt_rulesc_expected(c, c->p, "';' to end macro '%.*s' begun at %u:%u",
			                          (int)c->t[name].len, c->src + c->t[name].off,
			                          c->t[kw].line, c->t[kw].col);
		if (zt_rulesc_rule(c, &env, NULL, false, 0) < 0)
			return -EINVAL;
	}
	c->nmacros++;
	return 0;
}
