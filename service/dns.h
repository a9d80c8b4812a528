/* SPDX-License-Identifier: MIT */
/*
 * dns.h - ztd's DNS responder for a network's names: `<name>.<domain>` (A,
 * AAAA) and the reverse names (PTR) of the members the controller lists
 * in the config (doc/API.md "Names").  Messages are parsed and built with
 * ldns; this module only decides.  No sockets: daemon_dns.c binds UDP
 * port 53 on the member's address and calls zt_dns_answer for every
 * datagram, so a fuzz target and unit tests run the same path.
 */
#ifndef ZT_SERVICE_DNS_H
#define ZT_SERVICE_DNS_H

#include <stddef.h>
#include <stdint.h>

#include "node/zt.h"

#define ZT_DNS_TTL       10   /* s: a renamed member's old name is gone from caches soon */
#define ZT_DNS_UDP_MAX   1232 /* our answers' limit with EDNS (the DNS flag day's) */
#define ZT_DNS_PLAIN     512  /* without EDNS */
#define ZT_DNS_QUERY_MAX 512  /* a larger datagram is not a query we answer */

/* What the responder knows of one network: a copy of the config's. */
struct zt_dns_zone {
	char domain[ZT_NETCONF_NAME_MAX]; /* "" : nothing is answered */
	unsigned name_count;
	struct zt_netconf_name names[ZT_NETCONF_MAX_NAMES];
	/* This member's addresses with their prefixes: a reverse name inside
	 * one is the network's (NXDOMAIN when nobody has it), any other is
	 * not ours (REFUSED). */
	unsigned net_count;
	struct zt_inetaddr nets[ZT_NETCONF_MAX_ADDRS];
};

/* Copy what the responder needs from conf (NULL: empty). */
void zt_dns_zone_set(struct zt_dns_zone *z, const struct zt_netconf *conf);

/* Answer the query in q (len bytes) into out: the answer's length, or 0
 * when nothing is to be sent (not a parseable query, or a response). */
size_t zt_dns_answer(const struct zt_dns_zone *z, const uint8_t *q, size_t len, uint8_t *out,
                     size_t cap);

#endif
