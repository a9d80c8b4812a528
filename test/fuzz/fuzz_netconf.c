/* SPDX-License-Identifier: MIT */
/*
 * fuzz_netconf.c - libFuzzer target for the config and certificate
 * decoders (node/netconf.c) and invite codes (node/invite.c).  Beyond "no
 * crash": whatever decodes must encode back to exactly the same bytes (the
 * codec is canonical, so a signature over the bytes is a signature over
 * the meaning); an invite that decodes re-encodes to the same text (in
 * lower case).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "node/netconf.h"
#include "node/wire.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct zt_netconf c;
	static uint8_t out[16384];
	struct zt_com com;

	if (zt_netconf_decode(&c, data, size) == ZT_OK) {
		int n = zt_netconf_encode(&c, out, sizeof out);
		/* Version 1 (rules as JSON text) is read, and written as 2. */
		if (n < 0 || (data[0] == 2 && ((size_t)n != size || memcmp(out, data, size) != 0)))
			abort();
		if (c.rule_count > ZT_RULES_MAX || c.cap_count > ZT_CAPS_MAX ||
		    c.tag_count > ZT_TAGS_MAX || c.addr_count > ZT_NETCONF_MAX_ADDRS ||
		    c.route_count > ZT_NETCONF_MAX_ROUTES || c.dns_count > ZT_NETCONF_MAX_DNS)
			abort();
		if (c.name_count > ZT_NETCONF_MAX_NAMES)
			abort();
		for (unsigned i = 0; i < c.name_count; i++)
			if (!zt_netconf_label_ok(c.names[i].label) || c.names[i].addr_count == 0 ||
			    c.names[i].addr_count > ZT_NETCONF_NAME_ADDRS)
				abort();
	}
	{
		static struct zt_invite inv;
		static char text[ZT_INVITE_TEXT_MAX];
		if (zt_invite_decode(&inv, (const char *)data, size) == ZT_OK) {
			int n = zt_invite_encode(&inv, text, sizeof text);
			if (n < 0 || (size_t)n != size ||
			    strncasecmp(text, (const char *)data, size) != 0)
				abort();
		}
	}
	if (zt_com_decode(&com, data, size) == ZT_OK) {
		uint8_t e[ZT_COM_LEN];
		zt_com_encode(&com, e);
		if (memcmp(e, data, ZT_COM_LEN) != 0)
			abort();
		(void)zt_com_agree(&com, &com);
	}
	return 0;
}
