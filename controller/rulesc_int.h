/* SPDX-License-Identifier: MIT */
/*
 * rulesc_int.h - the rules language compiler's state, shared by its files
 * and private to them (the rest of the controller sees rulesc.h):
 *
 *   rulesc.c        the steps in order (lex, define, render) and the
 *                   error messages
 *   rulesc_tok.c    the lexer, and a token read as a keyword, number or name
 *   rulesc_rule.c   a rule: its action, its matches in order, includes
 *   rulesc_match.c  one match and its values
 *   rulesc_def.c    the definitions: tags, capabilities, macros
 *
 * Every function takes the compiler's state (struct rc) and a token
 * index; the parser's position is c->p.  An error is recorded in c->e
 * (the first one only) and returned as -EINVAL, or -ENOMEM.
 */
#ifndef ZT_CONTROLLER_RULESC_INT_H
#define ZT_CONTROLLER_RULESC_INT_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "controller/rulesc.h"

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

/* rulesc.c: errors.  Each records the first error in c->e and returns
 * -EINVAL (zt_rulesc_oom: -ENOMEM). */
/* Token i as a message shows it: its text as written, cut short. */
void zt_rulesc_shown(const struct rc *c, uint32_t i, char *out, size_t cap);
/* An error at token i: the message as given. */
__attribute__((format(printf, 3, 4))) int zt_rulesc_fail(struct rc *c, uint32_t i, const char *fmt,
                                                         ...);
/* An error at token i: "expected <what>, found <token i>". */
__attribute__((format(printf, 3, 4))) int zt_rulesc_expected(struct rc *c, uint32_t i,
                                                             const char *fmt, ...);
int zt_rulesc_oom(struct rc *c);

/* rulesc_tok.c: the tokens of c->text into c->t (0, -EINVAL, -ENOMEM),
 * ending with one TK_EOF. */
int zt_rulesc_tok_lex(struct rc *c);
/* Is token i the word w (lowercase)? */
bool zt_rulesc_tok_is(const struct rc *c, uint32_t i, const char *w);
/* Are tokens a and b the same word? */
bool zt_rulesc_tok_same(const struct rc *c, uint32_t a, uint32_t b);
/* Is token i one of the words of list (NULL-terminated)? */
bool zt_rulesc_tok_in_list(const struct rc *c, uint32_t i, const char *const *list);
/* Is token i one of ZeroTier's reserved words? */
bool zt_rulesc_tok_reserved(const struct rc *c, uint32_t i);
/* Numbers: decimal or 0x-hexadecimal, no sign, at most max; in s (n
 * bytes), or as token i. */
bool zt_rulesc_tok_num_text(const char *s, size_t n, uint64_t max, uint64_t *out);
bool zt_rulesc_tok_num(const struct rc *c, uint32_t i, uint64_t max, uint64_t *out);
/* "a" or "a-b", a <= b <= max. */
bool zt_rulesc_tok_range(const struct rc *c, uint32_t i, uint64_t max, uint64_t *a, uint64_t *b);
/* A number, or -1 (out: -1). */
bool zt_rulesc_tok_num_or_minus1(const struct rc *c, uint32_t i, uint64_t max, int64_t *out);
/* Exactly digits hexadecimal digits. */
bool zt_rulesc_tok_hex(const struct rc *c, uint32_t i, size_t digits, uint64_t *out);
/* A name for a tag, capability, macro, enum or flag. */
bool zt_rulesc_tok_name_ok(const struct rc *c, uint32_t i);

/* rulesc_rule.c */
/* One rule at c->p (see the file); s NULL: check mode. */
int zt_rulesc_rule(struct rc *c, const struct env *env, const struct sink *s, bool eof_ok,
                   unsigned depth);
/* One argument of match or action token kw at c->p: a word that is not a
 * reserved word, resolved (UNRESOLVED: a macro parameter in check mode). */
int zt_rulesc_rule_arg(struct rc *c, const struct env *env, uint32_t kw, const char *what,
                       uint32_t *out);
/* Append o (consumed) to the sink; an error at token at when full. */
int zt_rulesc_rule_emit(struct rc *c, const struct sink *s, uint32_t at, json_t *o);

/* rulesc_match.c */
/* Is token i a match's keyword? */
bool zt_rulesc_match_keyword(const struct rc *c, uint32_t i);
/* One match at c->p (its keyword, zt_rulesc_match_keyword) with its
 * arguments, rendered into s when there is one. */
int zt_rulesc_match(struct rc *c, const struct env *env, const struct sink *s, bool not_, bool or_);

/* rulesc_def.c */
struct tag *zt_rulesc_def_find_tag(struct rc *c, uint32_t i);
/* A flag (flags) or enum name of tag tg. */
const struct name *zt_rulesc_def_find_name(const struct rc *c, const struct tag *tg, uint32_t i,
                                           bool flags);
const struct macro *zt_rulesc_def_find_macro(const struct rc *c, uint32_t i);
/* The statements tag, cap and macro at c->p, through their ';'. */
int zt_rulesc_def_tag(struct rc *c);
int zt_rulesc_def_cap(struct rc *c);
int zt_rulesc_def_macro(struct rc *c);

#endif
