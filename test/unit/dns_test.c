/* SPDX-License-Identifier: MIT */
/*
 * dns_test.c - ztd's names responder (service/dns.c): queries built and
 * answers read with ldns, as a resolver would.  A and AAAA of a member by
 * name (any case), the domain itself, NXDOMAIN for unknown and deeper
 * names, REFUSED for other domains and unlisted reverse names, PTR for the
 * listed addresses (IPv4 and IPv6), NXDOMAIN for an unlisted address in
 * the network; responses, garbage, two questions and other opcodes.
 */
#include <arpa/inet.h>
#include <ldns/ldns.h>
#include <stdint.h>
#include <string.h>

#include "service/dns.h"
#include "test.h"

static struct zt_dns_zone zone;

static void ip_of(const char *text, struct zt_inetaddr *a, unsigned bits)
{
	memset(a, 0, sizeof *a);
	a->family = strchr(text, ':') ? 6 : 4;
	a->bits = (uint8_t)bits;
	CHECK(inet_pton(a->family == 6 ? AF_INET6 : AF_INET, text, a->ip) == 1);
}

static void make_zone(void)
{
	static struct zt_netconf c;
	memset(&c, 0, sizeof c);
	strcpy(c.dns_domain, "lab.zt");
	c.addr_count = 2;
	ip_of("10.9.0.7", &c.addrs[0], 24);
	ip_of("fd00::7", &c.addrs[1], 64);
	c.name_count = 2;
	c.names[0].member = 0x1111111111ULL;
	strcpy(c.names[0].label, "laptop");
	c.names[0].addr_count = 2;
	ip_of("10.9.0.5", &c.names[0].addrs[0], 32);
	ip_of("fd00::5", &c.names[0].addrs[1], 128);
	c.names[1].member = 0x2222222222ULL;
	strcpy(c.names[1].label, "web-1");
	c.names[1].addr_count = 1;
	ip_of("10.9.0.6", &c.names[1].addrs[0], 32);
	zt_dns_zone_set(&zone, &c);
}

/* Ask name/type; the parsed answer (NULL if none was sent). */
static ldns_pkt *ask_op(const char *name, ldns_rr_type t, ldns_pkt_opcode op)
{
	ldns_rdf *qn = ldns_dname_new_frm_str(name);
	ldns_pkt *q = qn ? ldns_pkt_query_new(qn, t, LDNS_RR_CLASS_IN, LDNS_RD) : NULL;
	uint8_t *wire = NULL, out[ZT_DNS_UDP_MAX];
	size_t wlen = 0, n;
	ldns_pkt *a = NULL;

	if (q == NULL) {
		CHECK(0);
		return NULL;
	}
	ldns_pkt_set_id(q, 0x4242);
	ldns_pkt_set_opcode(q, op);
	CHECK(ldns_pkt2wire(&wire, q, &wlen) == LDNS_STATUS_OK);
	n = zt_dns_answer(&zone, wire, wlen, out, sizeof out);
	if (n > 0) {
		CHECK(n <= ZT_DNS_PLAIN);
		CHECK(ldns_wire2pkt(&a, out, n) == LDNS_STATUS_OK);
		CHECK(a != NULL && ldns_pkt_id(a) == 0x4242 && ldns_pkt_qr(a));
	}
	free(wire);
	ldns_pkt_free(q);
	return a;
}

static ldns_pkt *ask(const char *name, ldns_rr_type t)
{
	return ask_op(name, t, LDNS_PACKET_QUERY);
}

/* The answer's rcode, its record count, and the first record's data as
 * text in first (if any). */
static int rcode(ldns_pkt *a, size_t *count, char *first, size_t cap)
{
	int rc;
	*count = 0;
	if (first)
		first[0] = '\0';
	if (a == NULL)
		return -1;
	rc = ldns_pkt_get_rcode(a);
	*count = ldns_rr_list_rr_count(ldns_pkt_answer(a));
	if (*count > 0 && first) {
		char *s = ldns_rdf2str(ldns_rr_rdf(ldns_rr_list_rr(ldns_pkt_answer(a), 0), 0));
		snprintf(first, cap, "%s", s ? s : "");
		free(s);
	}
	ldns_pkt_free(a);
	return rc;
}

static void test_names(void)
{
	char t[256];
	size_t n;
	ldns_pkt *a;

	make_zone();
	a = ask("laptop.lab.zt.", LDNS_RR_TYPE_A);
	CHECK(a != NULL && ldns_pkt_aa(a));
	CHECK_EQ(rcode(a, &n, t, sizeof t), LDNS_RCODE_NOERROR);
	CHECK(n == 1 && strcmp(t, "10.9.0.5") == 0);
	/* Any case (and it is echoed as asked: DNS 0x20). */
	a = ask("LapTop.LAB.zt.", LDNS_RR_TYPE_AAAA);
	CHECK(a != NULL && ldns_pkt_answer(a) && ldns_rr_list_rr_count(ldns_pkt_answer(a)) == 1);
	if (a != NULL && ldns_rr_list_rr_count(ldns_pkt_answer(a)) == 1) {
		char *o = ldns_rdf2str(ldns_rr_owner(ldns_rr_list_rr(ldns_pkt_answer(a), 0)));
		CHECK(o != NULL && strcmp(o, "LapTop.LAB.zt.") == 0);
		free(o);
	}
	CHECK_EQ(rcode(a, &n, t, sizeof t), LDNS_RCODE_NOERROR);
	CHECK(strcmp(t, "fd00::5") == 0);
	/* A member without an address of the family: no records, no error. */
	CHECK_EQ(rcode(ask("web-1.lab.zt.", LDNS_RR_TYPE_AAAA), &n, NULL, 0), LDNS_RCODE_NOERROR);
	CHECK_EQ(n, 0);
	CHECK_EQ(rcode(ask("web-1.lab.zt.", LDNS_RR_TYPE_MX), &n, NULL, 0), LDNS_RCODE_NOERROR);
	CHECK_EQ(n, 0);
	CHECK_EQ(rcode(ask("lab.zt.", LDNS_RR_TYPE_A), &n, NULL, 0), LDNS_RCODE_NOERROR);
	CHECK_EQ(n, 0);
	CHECK_EQ(rcode(ask("nobody.lab.zt.", LDNS_RR_TYPE_A), &n, NULL, 0), LDNS_RCODE_NXDOMAIN);
	CHECK_EQ(rcode(ask("x.laptop.lab.zt.", LDNS_RR_TYPE_A), &n, NULL, 0), LDNS_RCODE_NXDOMAIN);
	/* Other domains are not ours: no recursion, no forwarding. */
	a = ask("example.com.", LDNS_RR_TYPE_A);
	CHECK(a != NULL && !ldns_pkt_aa(a));
	CHECK_EQ(rcode(a, &n, NULL, 0), LDNS_RCODE_REFUSED);
	CHECK_EQ(rcode(ask("laptop.lab.zt.example.", LDNS_RR_TYPE_A), &n, NULL, 0),
	         LDNS_RCODE_REFUSED);
	CHECK_EQ(rcode(ask("zt.", LDNS_RR_TYPE_A), &n, NULL, 0), LDNS_RCODE_REFUSED);
}

static void test_reverse(void)
{
	char t[256];
	size_t n;

	make_zone();
	CHECK_EQ(rcode(ask("5.0.9.10.in-addr.arpa.", LDNS_RR_TYPE_PTR), &n, t, sizeof t),
	         LDNS_RCODE_NOERROR);
	CHECK(n == 1 && strcmp(t, "laptop.lab.zt.") == 0);
	CHECK_EQ(rcode(ask("6.0.9.10.in-addr.arpa.", LDNS_RR_TYPE_PTR), &n, t, sizeof t),
	         LDNS_RCODE_NOERROR);
	CHECK(n == 1 && strcmp(t, "web-1.lab.zt.") == 0);
	CHECK_EQ(
	    rcode(ask("5.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.d.f.ip6.arpa.",
	              LDNS_RR_TYPE_PTR),
	          &n, t, sizeof t),
	    LDNS_RCODE_NOERROR);
	CHECK(n == 1 && strcmp(t, "laptop.lab.zt.") == 0);
	/* In the network, nobody's: NXDOMAIN; outside it: not ours. */
	CHECK_EQ(rcode(ask("99.0.9.10.in-addr.arpa.", LDNS_RR_TYPE_PTR), &n, NULL, 0),
	         LDNS_RCODE_NXDOMAIN);
	CHECK_EQ(rcode(ask("1.1.168.192.in-addr.arpa.", LDNS_RR_TYPE_PTR), &n, NULL, 0),
	         LDNS_RCODE_REFUSED);
	CHECK_EQ(rcode(ask("9.0.10.in-addr.arpa.", LDNS_RR_TYPE_PTR), &n, NULL, 0),
	         LDNS_RCODE_REFUSED);
	CHECK_EQ(rcode(ask("5.0.9.256.in-addr.arpa.", LDNS_RR_TYPE_PTR), &n, NULL, 0),
	         LDNS_RCODE_REFUSED);
}

static void test_hostile(void)
{
	uint8_t wire[64], out[ZT_DNS_UDP_MAX];
	size_t n;
	ldns_pkt *q;
	uint8_t *w = NULL;
	size_t wlen = 0;

	make_zone();
	/* Other opcodes. */
	CHECK_EQ(rcode(ask_op("laptop.lab.zt.", LDNS_RR_TYPE_A, LDNS_PACKET_STATUS), &n, NULL, 0),
	         LDNS_RCODE_NOTIMPL);
	/* Garbage and headers alone get nothing. */
	memset(wire, 0xff, sizeof wire);
	CHECK_EQ(zt_dns_answer(&zone, wire, sizeof wire, out, sizeof out), 0);
	CHECK_EQ(zt_dns_answer(&zone, wire, 5, out, sizeof out), 0);
	/* A response is never answered (no loops between responders). */
	q = ldns_pkt_query_new(ldns_dname_new_frm_str("laptop.lab.zt."), LDNS_RR_TYPE_A,
	                       LDNS_RR_CLASS_IN, 0);
	CHECK(q != NULL);
	if (q == NULL)
		return;
	ldns_pkt_set_qr(q, true);
	CHECK(ldns_pkt2wire(&w, q, &wlen) == LDNS_STATUS_OK);
	CHECK_EQ(zt_dns_answer(&zone, w, wlen, out, sizeof out), 0);
	free(w);
	/* Two questions: FORMERR. */
	ldns_pkt_set_qr(q, false);
	CHECK(ldns_pkt_push_rr(q, LDNS_SECTION_QUESTION,
	                       ldns_rr_clone(ldns_rr_list_rr(ldns_pkt_question(q), 0))));
	CHECK(ldns_pkt2wire(&w, q, &wlen) == LDNS_STATUS_OK);
	n = zt_dns_answer(&zone, w, wlen, out, sizeof out);
	CHECK(n >= 12 && (out[3] & 0x0f) == LDNS_RCODE_FORMERR);
	/* An output buffer too small: nothing, not a partial answer. */
	CHECK_EQ(zt_dns_answer(&zone, w, wlen, out, 11), 0);
	free(w);
	ldns_pkt_free(q);
	/* No domain in the config: nothing is ours. */
	zt_dns_zone_set(&zone, NULL);
	CHECK_EQ(rcode(ask("laptop.lab.zt.", LDNS_RR_TYPE_A), &n, NULL, 0), LDNS_RCODE_REFUSED);
	CHECK_EQ(rcode(ask("5.0.9.10.in-addr.arpa.", LDNS_RR_TYPE_PTR), &n, NULL, 0),
	         LDNS_RCODE_REFUSED);
}

int main(void)
{
	RUN(test_names);
	RUN(test_reverse);
	RUN(test_hostile);
	TEST_EXIT();
}
