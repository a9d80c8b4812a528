/* SPDX-License-Identifier: MIT */
/*
 * dns.c - the names responder (see dns.h).  ldns parses every query and
 * builds every answer; this file decides what the answer says:
 *
 *   <label>.<domain>     A / AAAA of that member (NXDOMAIN: nobody has it;
 *                        NOERROR without records: no address of that family)
 *   <domain>             NOERROR without records
 *   deeper in <domain>   NXDOMAIN
 *   reverse names        PTR of a listed address; NXDOMAIN inside this
 *                        member's prefixes; REFUSED outside them
 *   anything else        REFUSED (we are nobody's recursive resolver)
 *
 * Queries come from the overlay, so from anyone a member lets in: every
 * input goes through ldns_wire2pkt, only QUERY with one question is
 * answered, and an answer is never longer than the client allows (512
 * bytes, or its EDNS size up to ZT_DNS_UDP_MAX: TC set, records left out).
 * A response (QR set) gets nothing back, so two responders cannot be made
 * to talk to each other forever.
 */
#include "service/dns.h"

#include <ldns/ldns.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void zt_dns_zone_set(struct zt_dns_zone *z, const struct zt_netconf *conf)
{
	z->domain[0] = '\0';
	z->name_count = 0;
	z->net_count = 0;
	if (conf == NULL)
		return;
	memcpy(z->domain, conf->dns_domain, sizeof z->domain);
	z->domain[sizeof z->domain - 1] = '\0';
	z->name_count =
	    conf->name_count < ZT_NETCONF_MAX_NAMES ? conf->name_count : ZT_NETCONF_MAX_NAMES;
	memcpy(z->names, conf->names, z->name_count * sizeof z->names[0]);
	z->net_count =
	    conf->addr_count < ZT_NETCONF_MAX_ADDRS ? conf->addr_count : ZT_NETCONF_MAX_ADDRS;
	memcpy(z->nets, conf->addrs, z->net_count * sizeof z->nets[0]);
}

static bool same_ip(const struct zt_inetaddr *a, const struct zt_inetaddr *b)
{
	return a->family == b->family && memcmp(a->ip, b->ip, a->family == 4 ? 4 : 16) == 0;
}

static bool in_prefix(const struct zt_inetaddr *net, const struct zt_inetaddr *a)
{
	unsigned bits = net->bits, full = bits / 8, rest = bits % 8;
	if (net->family != a->family || bits > (net->family == 4 ? 32u : 128u))
		return false;
	if (memcmp(net->ip, a->ip, full) != 0)
		return false;
	return rest == 0 || ((net->ip[full] ^ a->ip[full]) & (uint8_t)(0xff << (8 - rest))) == 0;
}

/* A full reverse name (d.c.b.a.in-addr.arpa., or 32 nibbles.ip6.arpa.)
 * as an address; false for anything else, partial names included. */
static bool reverse_addr(const ldns_rdf *qname, struct zt_inetaddr *a)
{
	char *s = ldns_rdf2str(qname);
	size_t n;
	bool ok = false;

	memset(a, 0, sizeof *a);
	if (s == NULL)
		return false;
	for (char *p = s; *p; p++)
		if (*p >= 'A' && *p <= 'Z')
			*p = (char)(*p - 'A' + 'a');
	n = strlen(s);
	if (n > 14 && strcmp(s + n - 14, ".in-addr.arpa.") == 0) {
		const char *p = s;
		a->family = 4;
		a->bits = 32;
		ok = true;
		for (int i = 3; i >= 0 && ok; i--) {
			unsigned v = 0, digits = 0;
			for (; *p >= '0' && *p <= '9' && digits < 4; p++, digits++)
				v = v * 10 + (unsigned)(*p - '0');
			ok = digits > 0 && digits <= 3 && v <= 255 && *p == '.';
			a->ip[i] = (uint8_t)v;
			p++;
		}
		ok = ok && p == s + n - 13;
	} else if (n == 64 + 9 && strcmp(s + 64, "ip6.arpa.") == 0) {
		a->family = 6;
		a->bits = 128;
		ok = true;
		for (int i = 0; i < 32 && ok; i++) {
			char c = s[2 * i];
			unsigned v = c >= '0' && c <= '9'   ? (unsigned)(c - '0')
			             : c >= 'a' && c <= 'f' ? (unsigned)(c - 'a' + 10)
			                                    : 16;
			int nib = 31 - i; /* the first label is the last nibble */
			ok = v < 16 && s[2 * i + 1] == '.';
			a->ip[nib / 2] |= (uint8_t)(nib % 2 ? v : v << 4);
		}
	}
	free(s);
	return ok;
}

static void add_rr(ldns_pkt *r, const ldns_rdf *owner, ldns_rr_type t, ldns_rdf *data)
{
	ldns_rr *rr = data ? ldns_rr_new() : NULL;
	ldns_rdf *o = rr ? ldns_rdf_clone(owner) : NULL;

	if (o == NULL) {
		ldns_rr_free(rr);
		ldns_rdf_deep_free(data);
		return;
	}
	ldns_rr_set_owner(rr, o);
	ldns_rr_set_type(rr, t);
	ldns_rr_set_class(rr, LDNS_RR_CLASS_IN);
	ldns_rr_set_ttl(rr, ZT_DNS_TTL);
	if (!ldns_rr_push_rdf(rr, data)) {
		ldns_rdf_deep_free(data);
		ldns_rr_free(rr);
		return;
	}
	if (!ldns_pkt_push_rr(r, LDNS_SECTION_ANSWER, rr))
		ldns_rr_free(rr);
}

static const struct zt_netconf_name *find_label(const struct zt_dns_zone *z, const ldns_rdf *qname)
{
	ldns_rdf *l = ldns_dname_label(qname, 0);
	char text[ZT_NETCONF_LABEL_MAX];
	const struct zt_netconf_name *found = NULL;
	const uint8_t *d;
	size_t n;

	if (l == NULL)
		return NULL;
	d = ldns_rdf_data(l);
	n = ldns_rdf_size(l) > 0 ? d[0] : 0;
	if (n > 0 && n < sizeof text && n + 1 < ldns_rdf_size(l)) {
		for (size_t i = 0; i < n; i++) {
			char c = (char)d[1 + i];
			text[i] = c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
		}
		text[n] = '\0';
		for (unsigned i = 0; i < z->name_count && found == NULL; i++)
			if (strcmp(z->names[i].label, text) == 0)
				found = &z->names[i];
	}
	ldns_rdf_deep_free(l);
	return found;
}

/* The records of e that the question asks for. */
static void add_addrs(ldns_pkt *r, const ldns_rdf *qname, ldns_rr_type qt,
                      const struct zt_netconf_name *e)
{
	for (unsigned i = 0; i < e->addr_count && i < ZT_NETCONF_NAME_ADDRS; i++) {
		const struct zt_inetaddr *a = &e->addrs[i];
		if (a->family == 4 && (qt == LDNS_RR_TYPE_A || qt == LDNS_RR_TYPE_ANY))
			add_rr(r, qname, LDNS_RR_TYPE_A,
			       ldns_rdf_new_frm_data(LDNS_RDF_TYPE_A, 4, a->ip));
		if (a->family == 6 && (qt == LDNS_RR_TYPE_AAAA || qt == LDNS_RR_TYPE_ANY))
			add_rr(r, qname, LDNS_RR_TYPE_AAAA,
			       ldns_rdf_new_frm_data(LDNS_RDF_TYPE_AAAA, 16, a->ip));
	}
}

/* The rcode, with the answer records pushed into r. */
static uint8_t decide(const struct zt_dns_zone *z, const ldns_rdf *qname, ldns_rr_type qt,
                      ldns_pkt *r)
{
	ldns_rdf *dom = z->domain[0] ? ldns_dname_new_frm_str(z->domain) : NULL;
	struct zt_inetaddr a;
	uint8_t rc = LDNS_RCODE_REFUSED;

	if (dom != NULL && ldns_dname_compare(qname, dom) == 0) {
		rc = LDNS_RCODE_NOERROR;
	} else if (dom != NULL && ldns_dname_is_subdomain(qname, dom)) {
		const struct zt_netconf_name *e = NULL;
		if (ldns_dname_label_count(qname) == ldns_dname_label_count(dom) + 1)
			e = find_label(z, qname);
		rc = e != NULL ? LDNS_RCODE_NOERROR : LDNS_RCODE_NXDOMAIN;
		if (e != NULL)
			add_addrs(r, qname, qt, e);
	} else if (dom != NULL && reverse_addr(qname, &a)) {
		const struct zt_netconf_name *e = NULL;
		for (unsigned i = 0; i < z->name_count && e == NULL; i++)
			for (unsigned k = 0;
			     k < z->names[i].addr_count && k < ZT_NETCONF_NAME_ADDRS; k++)
				if (same_ip(&z->names[i].addrs[k], &a))
					e = &z->names[i];
		if (e != NULL) {
			char target[ZT_NETCONF_LABEL_MAX + ZT_NETCONF_NAME_MAX + 1];
			rc = LDNS_RCODE_NOERROR;
			snprintf(target, sizeof target, "%s.%s", e->label, z->domain);
			if (qt == LDNS_RR_TYPE_PTR || qt == LDNS_RR_TYPE_ANY)
				add_rr(r, qname, LDNS_RR_TYPE_PTR, ldns_dname_new_frm_str(target));
		} else {
			for (unsigned i = 0; i < z->net_count && rc == LDNS_RCODE_REFUSED; i++)
				if (in_prefix(&z->nets[i], &a))
					rc = LDNS_RCODE_NXDOMAIN;
		}
	}
	ldns_rdf_deep_free(dom);
	return rc;
}

/* A reply to q: its id, opcode, RD and question (if any), QR set. */
static ldns_pkt *reply_to(const ldns_pkt *q, const ldns_rr *question)
{
	ldns_pkt *r = ldns_pkt_new();
	ldns_rr *qc;

	if (r == NULL)
		return NULL;
	ldns_pkt_set_id(r, ldns_pkt_id(q));
	ldns_pkt_set_qr(r, true);
	ldns_pkt_set_opcode(r, ldns_pkt_get_opcode(q));
	ldns_pkt_set_rd(r, ldns_pkt_rd(q));
	ldns_pkt_set_cd(r, ldns_pkt_cd(q));
	if (question != NULL) {
		qc = ldns_rr_clone(question);
		if (qc == NULL || !ldns_pkt_push_rr(r, LDNS_SECTION_QUESTION, qc)) {
			ldns_rr_free(qc);
			ldns_pkt_free(r);
			return NULL;
		}
	}
	if (ldns_pkt_edns(q))
		ldns_pkt_set_edns_udp_size(r, ZT_DNS_UDP_MAX);
	return r;
}

size_t zt_dns_answer(const struct zt_dns_zone *z, const uint8_t *q, size_t len, uint8_t *out,
                     size_t cap)
{
	ldns_pkt *qp = NULL, *r = NULL;
	const ldns_rr *question = NULL;
	uint8_t *wire = NULL, rc;
	size_t wlen = 0, limit = ZT_DNS_PLAIN, n = 0;

	if (len < LDNS_HEADER_SIZE || len > ZT_DNS_QUERY_MAX)
		return 0;
	if (ldns_wire2pkt(&qp, q, len) != LDNS_STATUS_OK || qp == NULL)
		return 0;
	if (ldns_pkt_qr(qp))
		goto out;
	if (ldns_pkt_edns(qp) && ldns_pkt_edns_udp_size(qp) > ZT_DNS_PLAIN)
		limit = ldns_pkt_edns_udp_size(qp) < ZT_DNS_UDP_MAX ? ldns_pkt_edns_udp_size(qp)
		                                                    : ZT_DNS_UDP_MAX;
	if (ldns_pkt_qdcount(qp) == 1 && ldns_rr_list_rr_count(ldns_pkt_question(qp)) == 1)
		question = ldns_rr_list_rr(ldns_pkt_question(qp), 0);
	r = reply_to(qp, question);
	if (r == NULL)
		goto out;
	if (ldns_pkt_get_opcode(qp) != LDNS_PACKET_QUERY) {
		rc = LDNS_RCODE_NOTIMPL;
	} else if (question == NULL || ldns_pkt_ancount(qp) != 0) {
		rc = LDNS_RCODE_FORMERR;
	} else if (ldns_rr_get_class(question) != LDNS_RR_CLASS_IN &&
	           ldns_rr_get_class(question) != LDNS_RR_CLASS_ANY) {
		rc = LDNS_RCODE_REFUSED;
	} else {
		rc = decide(z, ldns_rr_owner(question), ldns_rr_get_type(question), r);
		ldns_pkt_set_aa(r, rc != LDNS_RCODE_REFUSED);
	}
	ldns_pkt_set_rcode(r, rc);
	if (ldns_pkt2wire(&wire, r, &wlen) != LDNS_STATUS_OK)
		goto out;
	if (wlen > limit) {
		/* Too long for the client: the header and question, TC set,
		 * so that it asks again over TCP (which we do not serve) or
		 * with a larger EDNS size. */
		bool aa = ldns_pkt_aa(r);
		free(wire);
		wire = NULL;
		ldns_pkt_free(r);
		r = reply_to(qp, question);
		if (r == NULL)
			goto out;
		ldns_pkt_set_aa(r, aa);
		ldns_pkt_set_tc(r, true);
		ldns_pkt_set_rcode(r, rc);
		if (ldns_pkt2wire(&wire, r, &wlen) != LDNS_STATUS_OK || wlen > limit)
			goto out;
	}
	if (wlen <= cap) {
		memcpy(out, wire, wlen);
		n = wlen;
	}
out:
	free(wire);
	ldns_pkt_free(r);
	ldns_pkt_free(qp);
	return n;
}
