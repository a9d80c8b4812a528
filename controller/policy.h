/* SPDX-License-Identifier: MIT */
/*
 * policy.h - what the controller answers a member: pure functions of the
 * network and member objects (ctl_json.h) and the time.  No store, no
 * clock, no I/O, so the simulator and unit tests run exactly what
 * zt-controller runs.
 */
#ifndef ZT_CONTROLLER_POLICY_H
#define ZT_CONTROLLER_POLICY_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "node/zt.h"

/* Is this address already assigned to another member of the network? */
typedef bool (*zt_policy_ip_used_fn)(void *ctx, const struct zt_inetaddr *ip);

/*
 * Decide on member's request and fill conf (all but nwid, issued_to,
 * timestamp and COM, which the core sets).  member may be changed (an
 * address auto-assigned from a pool, `authorized` set by a valid invite or
 * on a public network); *changed then says it must be stored.
 * invited: the request carried a valid invite token for this network.
 */
enum zt_netconf_verdict zt_policy_decide(const json_t *net, json_t *member, uint64_t address,
                                         bool invited, int64_t now, zt_policy_ip_used_fn used,
                                         void *used_ctx, struct zt_netconf *conf, bool *changed);

/* The rfc4193 (/88) and 6plane (/40) addresses of address on nwid, as
 * ZeroTier computes them. */
void zt_policy_rfc4193(uint64_t nwid, uint64_t address, struct zt_inetaddr *out);
void zt_policy_6plane(uint64_t nwid, uint64_t address, struct zt_inetaddr *out);

/* A member's `name` as a DNS label (node's zt_netconf_label_ok): ASCII
 * letters in lower case, digits, and '-' for anything else, runs of '-'
 * as one, none first or last, at most 63.  false: no usable name. */
bool zt_policy_label(const json_t *member, char out[ZT_NETCONF_LABEL_MAX]);

/* The entry member `address` gets in the network's names (authorized, a
 * usable name, at least one address: its ipAssignments, then its rfc4193
 * and 6plane addresses when the network gives those, up to
 * ZT_NETCONF_NAME_ADDRS).  false: it gets none. */
bool zt_policy_name_entry(const json_t *net, const json_t *member, uint64_t address,
                          struct zt_netconf_name *out);

#endif
