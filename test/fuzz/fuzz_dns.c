/* SPDX-License-Identifier: MIT */
/*
 * fuzz_dns.c - libFuzzer target for ztd's names responder (service/dns.c):
 * any datagram a member's overlay neighbours can send to port 53.  Beyond
 * "no crash, no leak": an answer is only ever sent to a query (QR clear),
 * carries its id with QR set, fits 512 bytes (ZT_DNS_UDP_MAX with EDNS)
 * and parses back with ldns.
 */
#include <ldns/ldns.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "service/dns.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void ip4(struct zt_inetaddr *a, uint8_t last, uint8_t bits)
{
	memset(a, 0, sizeof *a);
	a->family = 4;
	a->bits = bits;
	a->ip[0] = 10;
	a->ip[1] = 9;
	a->ip[3] = last;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct zt_dns_zone z;
	static struct zt_netconf c;
	static uint8_t out[ZT_DNS_UDP_MAX + 64];
	size_t n;

	if (z.domain[0] == '\0') {
		strcpy(c.dns_domain, "lab.zt");
		c.addr_count = 2;
		ip4(&c.addrs[0], 7, 24);
		c.addrs[1].family = 6;
		c.addrs[1].bits = 64;
		c.addrs[1].ip[0] = 0xfd;
		c.name_count = 3;
		for (unsigned i = 0; i < 3; i++) {
			c.names[i].member = 0x1111111111ULL * (i + 1);
			c.names[i].addr_count = 2;
			ip4(&c.names[i].addrs[0], (uint8_t)(5 + i), 32);
			c.names[i].addrs[1] = c.addrs[1];
			c.names[i].addrs[1].bits = 128;
			c.names[i].addrs[1].ip[15] = (uint8_t)(5 + i);
		}
		strcpy(c.names[0].label, "laptop");
		strcpy(c.names[1].label, "web-1");
		strcpy(c.names[2].label, "a");
		zt_dns_zone_set(&z, &c);
	}
	n = zt_dns_answer(&z, data, size, out, sizeof out);
	if (n > 0) {
		ldns_pkt *a = NULL;
		if (size < 12 || (data[2] & 0x80) != 0 || n > ZT_DNS_UDP_MAX || n < 12)
			abort();
		if (out[0] != data[0] || out[1] != data[1] || (out[2] & 0x80) == 0)
			abort();
		if (ldns_wire2pkt(&a, out, n) != LDNS_STATUS_OK)
			abort();
		ldns_pkt_free(a);
	}
	return 0;
}
