/* SPDX-License-Identifier: MIT */
/*
 * fuzz_ctljson.c - libFuzzer target for the controller API's JSON
 * handling (controller/ctl_json.c): request bodies parsed and applied to a
 * network and a member.  Beyond "no crash": a rejected update leaves the
 * object exactly as it was, and an accepted one raises the revision by one.
 */
#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "controller/ctl_json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void apply(json_t *obj, const json_t *req, bool member)
{
	char err[256];
	char *before = json_dumps(obj, JSON_SORT_KEYS | JSON_COMPACT), *after;
	int64_t rev = zt_ctl_int(obj, "revision");
	int r = member ? zt_ctl_member_update(obj, req, 5, err, sizeof err)
	               : zt_ctl_net_update(obj, req, err, sizeof err);
	after = json_dumps(obj, JSON_SORT_KEYS | JSON_COMPACT);
	if (r < 0 && (before == NULL || after == NULL || strcmp(before, after) != 0))
		abort();
	if (r < 0 && err[0] == '\0')
		abort();
	if (r == 0 && zt_ctl_int(obj, "revision") != rev + 1)
		abort();
	free(before);
	free(after);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[256];
	json_t *req, *net, *m;
	int r = zt_ctl_parse_body((const char *)data, size, &req, err, sizeof err);
	struct zt_inetaddr a;
	char s[128];

	if (size < sizeof s) {
		memcpy(s, data, size);
		s[size] = '\0';
		(void)zt_ctl_parse_cidr(s, &a);
		(void)zt_ctl_parse_ip(s, &a);
	}
	if (r < 0) {
		if (req != NULL || err[0] == '\0')
			abort();
		return 0;
	}
	if (!json_is_object(req))
		abort();
	net = zt_ctl_net_new(UINT64_C(0x8056c2e21c000001), 1);
	m = zt_ctl_member_new(UINT64_C(0x8056c2e21c000001), 0x0102030405, 1);
	apply(net, req, false);
	apply(m, req, true);
	json_decref(net);
	json_decref(m);
	json_decref(req);
	return 0;
}
