/* SPDX-License-Identifier: MIT */
/*
 * fuzz_zimport.c - libFuzzer target for the reader of a ZeroTier
 * controller's files (controller/zimport.c): the bytes as a controller.d
 * file, mapped as a network and as a member.  Beyond "no crash": a refused
 * file says why and gives nothing; an imported network has this
 * controller's address and ZeroTier's last 6 hex digits, and its export is
 * a body the admin API accepts; an imported member is an unauthorized
 * reservation that exports under the address it was read with.
 */
#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "controller/ctl_json.h"
#include "controller/zimport.h"

#define CTL_ADDR UINT64_C(0x8056c2e21c)
#define OLD_NWID UINT64_C(0xa1b2c3d4e5000001)
#define NWID     UINT64_C(0x8056c2e21c000001)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void as_net(const json_t *zt)
{
	json_t *net = (json_t *)1, *x, *again;
	char err[256] = "";
	uint64_t old = 0, id = 0;
	int r = zt_zimport_net(zt, CTL_ADDR, 5, &net, &old, err, sizeof err);

	if (r < 0) {
		if (net != NULL || err[0] == '\0')
			abort();
		return;
	}
	if (zt_nwid_parse(json_string_value(json_object_get(net, "id")), &id) != ZT_OK ||
	    id >> 24 != CTL_ADDR || (id & 0xffffff) != (old & 0xffffff))
		abort();
	x = zt_zimport_export_net(net);
	again = zt_ctl_net_new(id, 5);
	if (x == NULL || again == NULL)
		abort();
	/* What export writes, the API takes (rulesSource aside: ZeroTier's
	 * language goes back out as it came). */
	(void)json_object_del(x, "rulesSource");
	if (zt_ctl_net_update(again, x, err, sizeof err) != 0)
		abort();
	json_decref(again);
	json_decref(x);
	json_decref(net);
}

static void as_member(const json_t *zt)
{
	json_t *m = (json_t *)1, *x;
	char err[256] = "";
	uint64_t old = 0, a = 0;
	int r = zt_zimport_member(zt, OLD_NWID, NWID, 5, &m, &old, err, sizeof err);

	if (r < 0) {
		if (m != NULL || err[0] == '\0')
			abort();
		return;
	}
	if (!zt_zimport_is_reservation(m) || zt_ctl_bool(m, "authorized"))
		abort();
	x = zt_zimport_export_member(m, &a);
	if (x == NULL || a != old || json_object_get(x, "reservation") != NULL)
		abort();
	json_decref(x);
	json_decref(m);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[256] = "";
	json_t *zt = (json_t *)1;
	int r = zt_zimport_parse((const char *)data, size, &zt, err, sizeof err);

	if (r < 0) {
		if (zt != NULL || err[0] == '\0')
			abort();
		return 0;
	}
	if (!json_is_object(zt))
		abort();
	as_net(zt);
	as_member(zt);
	json_decref(zt);
	return 0;
}
