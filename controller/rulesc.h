/* SPDX-License-Identifier: MIT */
/*
 * rulesc.h - the rules language compiler: a rule script, in the language
 * ZeroTier users write (ZeroTier's rule-compiler and manual), to the JSON
 * that ZeroTier's controller API carries:
 *
 *   {"rules": [...], "capabilities": [{"id","default","rules"}...],
 *    "tags": [{"id","default"}...]}
 *
 * with each rule object as ZeroTier's controller renders it ("type",
 * "not", "or" and the fields of its type).  doc/rules.md describes the
 * language.  No I/O: a fuzz target links this with jansson alone.
 *
 * Stricter than ZeroTier's compiler where it silently guessed: numbers
 * out of range, unknown names, a capability or macro left open at the end
 * of the script and a duplicate tag id are errors here.  Names, keywords
 * and values are case-insensitive.
 */
#ifndef ZT_CONTROLLER_RULESC_H
#define ZT_CONTROLLER_RULESC_H

#include <jansson.h>
#include <stddef.h>

#include "node/zt.h"

#define ZT_RULESC_SRC_MAX        (128 * 1024)     /* bytes of script */
#define ZT_RULESC_WORD_MAX       256              /* bytes of one word */
#define ZT_RULESC_BASE_MAX       ZT_RULES_MAX     /* entries of the base rule set */
#define ZT_RULESC_CAP_RULES_MAX  ZT_CAP_RULES_MAX /* entries of one capability */
#define ZT_RULESC_CAPS_MAX       ZT_CAPS_MAX
#define ZT_RULESC_TAGS_MAX       ZT_TAGS_MAX
#define ZT_RULESC_NAMES_MAX      4096 /* enum and flag names, in all tags */
#define ZT_RULESC_MACROS_MAX     256
#define ZT_RULESC_PARAMS_MAX     16   /* parameters of one macro */
#define ZT_RULESC_DEPTH_MAX      16   /* includes within includes */
#define ZT_RULESC_EXPANSIONS_MAX 4096 /* includes expanded, in all */

struct zt_rulesc_error {
	unsigned line, column; /* from 1; 0 when the error has no place */
	char msg[224];         /* "expected ..., found ..." */
};

/*
 * Compile the script src (len bytes, no NUL needed) into *out (the
 * caller's reference).  0; -EINVAL with e's place and message for an
 * error in the script, -EFBIG for a script over ZT_RULESC_SRC_MAX, -ENOMEM.
 * On error *out is NULL and e->msg is never empty.
 */
int zt_rulesc_compile(const char *src, size_t len, json_t **out, struct zt_rulesc_error *e);

/*
 * The same, and when names is not NULL the script's definitions by name
 * into *names, in the shapes ZeroTier Central shows beside a network
 * (names lowered, as the language is case-insensitive):
 *
 *   {"tagsByName": {NAME: {"id", "default" (null: none), "enums": {NAME:
 *    value}, "flags": {NAME: mask}}},
 *    "capabilitiesByName": {NAME: {"id", "default", "rules": [...]}}}
 *
 * On error both are NULL.
 */
int zt_rulesc_compile_named(const char *src, size_t len, json_t **out, json_t **names,
                            struct zt_rulesc_error *e);

#endif
