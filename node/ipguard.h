/* SPDX-License-Identifier: MIT */
/*
 * ipguard.h - a member's IP addresses belong to it (doc/PROTOCOL.md "The
 * switch"): the source checks the switch applies on managed networks to
 * every frame, from the TAP (we are the sender) and from the network (a
 * member is).  A frame names addresses as its sender's in five places: the
 * IPv4 source, the ARP sender (IPv4 and MAC), the IPv6 source, and a
 * neighbour advertisement's target and link-layer options.
 *
 * What each end can know decides what it enforces:
 *  - the sender knows its own config, so a frame from its own MAC may name
 *    only its assigned addresses (per family, when it has any of that
 *    family), addresses inside a route whose gateway it is, 0.0.0.0 / ::
 *    (DHCP, duplicate address detection) and IPv6 link-local ones;
 *  - a receiver knows its own addresses (nobody else may claim them) and
 *    the owners of rfc4193 / 6plane addresses (the address names them);
 *  - both: an ARP sender MAC and a neighbour discovery link-layer option
 *    must be the frame's source MAC, and a host behind a bridge (a foreign
 *    source MAC, not IP-checked otherwise) may name its own MAC but no
 *    other in the members' range (first octet = the network's).
 * Pure functions over the frame: no state, no allocation.
 */
#ifndef ZT_NODE_IPGUARD_H
#define ZT_NODE_IPGUARD_H

#include <stddef.h>
#include <stdint.h>

struct zt_netconf;

enum zt_ipguard_verdict {
	ZT_IPGUARD_OK = 0,
	ZT_IPGUARD_SRC_IP, /* an IP source, ARP sender IP or NA target not the sender's */
	ZT_IPGUARD_LLADDR, /* an ARP sender MAC or ND link-layer option not the sender's */
};

/* Check a frame of `sender` on the network of `conf` (our config; sender
 * == conf->issued_to means the frame comes from our TAP).  A frame whose
 * source MAC is not the sender's derived MAC is a bridged host's. */
enum zt_ipguard_verdict zt_ipguard_check(const struct zt_netconf *conf, uint64_t sender,
                                         const uint8_t *frame, size_t len);

#endif
