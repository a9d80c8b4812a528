/* SPDX-License-Identifier: MIT */
/*
 * fuzz_http.c - libFuzzer target for the local API's input surface: the
 * HTTP request parser (osdep/http.c) and the decoder of request bodies
 * (service/api_json.c), plus the JSON builders fed with fuzzed structs.
 *
 * Properties checked beyond "no crash": a complete request never claims
 * more bytes than it was given, every returned pointer lies inside the
 * input, and an error always carries a status and a reason.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "service/api_json.h"
#include "osdep/http.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_in(const struct zt_http_str *s, const char *buf, size_t len)
{
	if (s->len == 0)
		return;
	if (s->p < buf || s->p + s->len > buf + len)
		abort();
}

static void builders(const uint8_t *data, size_t size)
{
	struct zt_network_info ni;
	struct zt_peer_info pi;
	struct zt_endpoint eps[2];
	uint64_t counters[ZT_CTR_COUNT];
	struct zt_api_status st;
	json_t *j;
	char *s;
	size_t n;

	memset(&ni, 0, sizeof ni);
	memset(&pi, 0, sizeof pi);
	memset(eps, 0, sizeof eps);
	memset(counters, 0, sizeof counters);
	memcpy(&ni, data, size < sizeof ni ? size : sizeof ni);
	memcpy(&pi, data, size < sizeof pi ? size : sizeof pi);
	memcpy(eps, data, size < sizeof eps ? size : sizeof eps);
	memcpy(counters, data, size < sizeof counters ? size : sizeof counters);
	/* Enums in the structs must hold valid values, as the core gives. */
	ni.status = (enum zt_net_status)((unsigned)ni.status % 4);
	ni.type = (enum zt_net_type)((unsigned)ni.type % 2);
	pi.role = (enum zt_peer_role)((unsigned)pi.role % 2);
	pi.path = (enum zt_path_kind)((unsigned)pi.path % 3);
	ni.adhoc = size & 1;
	/* Pointers come from the core, never from the wire. */
	ni.conf = NULL;
	{
		static uint32_t by[ZT_RULES_MAX + 1];
		memset(by, 0, sizeof by);
		memcpy(by, data, size < sizeof by ? size : sizeof by);
		ni.rules_dropped_by = (size & 4) ? by : NULL;
	}

	{
		struct zt_mcgroup groups[2];
		struct zt_api_net_local l;

		memset(&l, 0, sizeof l);
		memset(groups, 0, sizeof groups);
		memcpy(groups, data, size < sizeof groups ? size : sizeof groups);
		l.dev = "zt0";
		l.allow_managed = size & 2;
		l.groups = groups;
		l.group_count = 2;
		j = zt_api_json_network(&ni, &l);
	}
	s = j ? zt_api_json_dump(j, &n) : NULL;
	free(s);
	json_decref(j);
	j = zt_apijson_peer(&pi, 9993);
	s = j ? zt_api_json_dump(j, &n) : NULL;
	free(s);
	json_decref(j);
	memset(&st, 0, sizeof st);
	st.node.public_identity = "x";
	st.node.home = "/var/lib/zt";
	st.node.reflected = eps;
	st.node.reflected_count = 2;
	st.counters = counters;
	j = zt_api_json_status(&st);
	s = j ? zt_api_json_dump(j, &n) : NULL;
	free(s);
	json_decref(j);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *buf = (const char *)data;
	struct zt_http_request req;
	struct zt_api_join_req join;
	enum zt_http_parse_result r;
	char err[256];

	r = zt_http_parse_request(buf, size, &req);
	if (r == ZT_HTTP_ERROR && (req.error_status < 400 || !req.error))
		abort();
	if (r == ZT_HTTP_COMPLETE) {
		if (req.total_len > size)
			abort();
		check_in(&req.method, buf, size);
		check_in(&req.path, buf, size);
		check_in(&req.query, buf, size);
		check_in(&req.body, buf, size);
		for (size_t i = 0; i < req.header_count; i++) {
			check_in(&req.headers[i].name, buf, size);
			check_in(&req.headers[i].value, buf, size);
		}
		(void)zt_http_header(&req, "x-zt1-auth");
		(void)zt_api_json_parse_join(req.body.p, req.body.len, &join, err, sizeof err);
	}
	/* The whole input as a body too: most inputs are not HTTP. */
	(void)zt_api_json_parse_join(buf, size, &join, err, sizeof err);
	builders(data, size);
	return 0;
}
