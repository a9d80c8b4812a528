/* SPDX-License-Identifier: MIT */
/*
 * store_index.c - what a store indexes of a member (see store.h): one
 * reading of the member's JSON for every store implementation, so that
 * SQLite and a later PostgreSQL store agree on what "authorized" or an
 * assigned address is.
 */
#include "controller/store.h"

#include <jansson.h>
#include <string.h>

#include "controller/ctl_json.h"

void zt_store_member_index(const char *json, struct zt_store_member_index *out)
{
	json_t *m = json != NULL ? json_loads(json, 0, NULL) : NULL, *x;
	size_t i;

	memset(out, 0, sizeof *out);
	if (!json_is_object(m))
		goto out;
	out->authorized = zt_ctl_bool(m, "authorized");
	out->bridge = out->authorized && zt_ctl_bool(m, "activeBridge");
	out->revision = zt_ctl_int(m, "revision");
	json_array_foreach(json_object_get(m, "ipAssignments"), i, x)
	{
		struct zt_inetaddr a;

		if (out->ip_count == ZT_STORE_MEMBER_IPS)
			break;
		if (!json_is_string(x) || zt_ctl_parse_ip(json_string_value(x), &a) != 0)
			continue;
		/* Only family and address: the same address is the same
		 * whatever its text said of a prefix. */
		a.bits = 0;
		out->ips[out->ip_count++] = a;
	}
out:
	json_decref(m);
}
