/* SPDX-License-Identifier: MIT */
/*
 * ctl_rules.h - rules, capabilities and tags as ZeroTier's controller API
 * carries them (ctl_rules.c): a rule object such as
 * {"type":"MATCH_IP_DEST_PORT_RANGE","not":false,"or":false,"start":22,
 * "end":22} to the core's struct zt_rule and back, with ZeroTier's field
 * names and value forms, so that a list made by ZeroTier's tooling posts
 * unchanged.  Input is checked, not masked: a bad entry is an error that
 * names its index.
 */
#ifndef ZT_CONTROLLER_CTL_RULES_H
#define ZT_CONTROLLER_CTL_RULES_H

#include <jansson.h>
#include <stddef.h>

#include "node/zt.h"

/* One rule object: 0, or -EINVAL with the reason in err. */
int zt_ctl_rule_parse(const json_t *j, struct zt_rule *out, char *err, size_t errcap);
/* Its JSON as ZeroTier renders it (NULL when out of memory). */
json_t *zt_ctl_rule_render(const struct zt_rule *r);

/* An array of rule objects (at most max): *count of them into out; on
 * error err names `field` and the entry's index.  0 or -EINVAL. */
int zt_ctl_rules_parse(const json_t *arr, const char *field, struct zt_rule *out, unsigned max,
                       unsigned *count, char *err, size_t errcap);
/* The array as ZeroTier stores it (every entry rendered from its parse);
 * NULL if arr does not parse (or out of memory). */
json_t *zt_ctl_rules_normalized(const json_t *arr, unsigned max);

/* A network's "capabilities" ([{"id","default","rules"}], at most
 * ZT_CAPS_MAX, each id once, each list at most ZT_CAP_RULES_MAX entries
 * and ZT_CAP_RULES_TOTAL in all) and "tags" ([{"id","default"}], at most
 * ZT_TAGS_MAX): 0 or -EINVAL with err naming the index; and their stored
 * forms (sorted by id, as ZeroTier keeps them). */
int zt_ctl_caps_check(const json_t *arr, char *err, size_t errcap);
json_t *zt_ctl_caps_normalized(const json_t *arr);
int zt_ctl_tags_check(const json_t *arr, char *err, size_t errcap);
json_t *zt_ctl_tags_normalized(const json_t *arr);

/* A member's "tags" ([[id, value], ...]) and "capabilities" ([id, ...]). */
int zt_ctl_member_tags_check(const json_t *arr, char *err, size_t errcap);
json_t *zt_ctl_member_tags_normalized(const json_t *arr);
int zt_ctl_member_caps_check(const json_t *arr, char *err, size_t errcap);
json_t *zt_ctl_member_caps_normalized(const json_t *arr);

/* Fill a member's config: the network's rules, the capabilities the member
 * holds (by id) and its tags (the network's defaults for those it lacks).
 * Entries that do not parse are skipped (the API refused them already). */
void zt_ctl_rules_fill(const json_t *net, const json_t *member, struct zt_netconf *c);

#endif
