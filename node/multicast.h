/* SPDX-License-Identifier: MIT */
/*
 * multicast.h - multicast subscriptions (doc/PROTOCOL.md "Multicast").
 *
 * A group is (MAC, ADI): a multicast MAC, or the broadcast MAC with an
 * IPv4 address as ADI (the "ARP group" of that address, as in ZeroTier).
 * Each member learns its host's groups by snooping the IGMP/MLD reports
 * and ARP packets its host writes into the TAP (the core also sends IGMP
 * and MLD general queries into the TAP, so the host re-reports every group
 * it has; nothing is polled), announces them to the other members with
 * MC_LIKE, and so every member knows who subscribes to what.
 *
 * struct zt_mctable is the set of (group, member, expiry) entries: a
 * sorted array, so that the subscribers of one group are one range.
 */
#ifndef ZT_NODE_MULTICAST_H
#define ZT_NODE_MULTICAST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct zt_mcsub {
	uint8_t mac[6];
	uint32_t adi;
	uint64_t address; /* subscriber (0 in the local table) */
	int64_t expires;
};

struct zt_mctable {
	struct zt_mcsub *v;
	size_t n, cap;
	size_t max; /* entries at most */
};

void zt_mc_init(struct zt_mctable *t, size_t max);
void zt_mc_free(struct zt_mctable *t);
/* Add or refresh; 1 if it was new, 0 if refreshed, ZT_EFULL / ZT_ENOMEM. */
int zt_mc_add(struct zt_mctable *t, const uint8_t mac[6], uint32_t adi, uint64_t address,
              int64_t expires);
bool zt_mc_remove(struct zt_mctable *t, const uint8_t mac[6], uint32_t adi, uint64_t address);
/* Remove every entry of `address`; returns how many. */
size_t zt_mc_remove_member(struct zt_mctable *t, uint64_t address);
size_t zt_mc_count_member(const struct zt_mctable *t, uint64_t address);
/* Remove entries with expires <= now; returns how many. */
size_t zt_mc_expire(struct zt_mctable *t, int64_t now);
/* The entries of group (mac, adi): *first and the count (expired ones
 * included: callers compare `expires` themselves). */
size_t zt_mc_find(const struct zt_mctable *t, const uint8_t mac[6], uint32_t adi, size_t *first);
bool zt_mc_has(const struct zt_mctable *t, const uint8_t mac[6], uint32_t adi, uint64_t address,
               int64_t now);

/* What the snooper saw in one frame from the TAP. */
struct zt_mc_event {
	bool join; /* false: leave */
	uint8_t mac[6];
	uint32_t adi;
};
/* Parse an IGMP (v1/v2/v3) or MLD (v1/v2) report or leave, or an ARP
 * packet (the sender's IPv4 address joins its ARP group), from an
 * untrusted frame.  Fills up to `cap` events and returns how many;
 * *consume is set for IGMP/MLD reports and leaves, which stay between the
 * host and its member (a snooping switch does not flood them). */
size_t zt_mc_snoop(const uint8_t *frame, size_t len, struct zt_mc_event *ev, size_t cap,
                   bool *consume);

/* Group MACs that every host listens to without reporting them
 * (01:00:5e:00:00:01 all-hosts, 33:33:00:00:00:01 all-nodes). */
bool zt_mc_is_implicit(const uint8_t mac[6]);
/* IPv6 solicited-node group (33:33:ff:xx:xx:xx): address resolution. */
bool zt_mc_is_solicited(const uint8_t mac[6]);

/* Build the IGMPv3 / MLDv2 general queries a member writes into its TAP
 * (source MAC `src`); return the frame length (cap >= 128). */
size_t zt_mc_igmp_query(const uint8_t src[6], uint8_t *out, size_t cap);
size_t zt_mc_mld_query(const uint8_t src[6], uint8_t *out, size_t cap);

#endif
