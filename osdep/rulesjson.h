/* SPDX-License-Identifier: MIT */
/*
 * rulesjson.h - a network's rules, capabilities and tags as the JSON of
 * ZeroTier's API (rulesjson.c), for a member to show the rules in force:
 * {"type":"MATCH_IP_PROTOCOL","not":false,"or":false,"ipProtocol":6}, the
 * shape zt-controller takes and returns (controller/ctl_rules.c).
 *
 * No sockets and no state: only node/zt.h and jansson.
 */
#ifndef ZT_OSDEP_RULESJSON_H
#define ZT_OSDEP_RULESJSON_H

#include <jansson.h>

#include "node/zt.h"

/* One rule; NULL if out of memory.  A type this version does not know is
 * {"type":"UNKNOWN_<n>"}. */
json_t *zt_rulesjson_rule(const struct zt_rule *r);
/* An array of count rules; NULL if out of memory. */
json_t *zt_rulesjson_list(const struct zt_rule *r, unsigned count);
/* A config's "rules", "capabilities" ([{"id","rules"}]) and "tags"
 * ([[id, value], ...], the member's) set on obj; -1 if out of memory. */
int zt_rulesjson_conf(json_t *obj, const struct zt_netconf *c);

#endif
