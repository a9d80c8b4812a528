/* SPDX-License-Identifier: MIT */
/*
 * mcsnoop.h - the IGMP/MLD/ARP snooper: which groups the host behind the
 * TAP joins and leaves, read from the frames it writes (as a snooping
 * switch does, RFC 4541), and the general queries that make it report
 * them all again.
 */
#ifndef ZT_NODE_MCSNOOP_H
#define ZT_NODE_MCSNOOP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* What the snooper saw in one frame from the TAP. */
struct zt_mcsnoop_event {
	bool join; /* false: leave */
	uint8_t mac[6];
	uint32_t adi;
};

/* Parse an IGMP (v1/v2/v3) or MLD (v1/v2) report or leave, or an ARP
 * packet (the sender's IPv4 address joins its ARP group), from an
 * untrusted frame.  Fills up to `cap` events and returns how many;
 * *consume is set for IGMP/MLD reports and leaves, which stay between the
 * host and its member (a snooping switch does not flood them).  Groups
 * every host has (zt_eth_is_implicit_group) are never reported. */
size_t zt_mcsnoop_frame(const uint8_t *frame, size_t len, struct zt_mcsnoop_event *ev, size_t cap,
                        bool *consume);

/* Build the IGMPv3 / MLDv2 general queries a member writes into its TAP
 * (source MAC `src`); return the frame length (cap >= 128). */
size_t zt_mcsnoop_igmp_query(const uint8_t src[6], uint8_t *out, size_t cap);
size_t zt_mcsnoop_mld_query(const uint8_t src[6], uint8_t *out, size_t cap);

#endif
