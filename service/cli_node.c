/* SPDX-License-Identifier: MIT */
/*
 * cli_node.c - zt-cli's commands about this node (info) and the peers it
 * knows (listpeers), in zerotier-cli's shapes, or the API's JSON with -j.
 */
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "service/cli.h"
#include "service/cli_api.h"
#include "service/cli_node.h"

void zt_cli_node_info(const struct zt_cli *c, char **args)
{
	json_t *j = zt_cli_api_call(c, "GET", "/status", NULL);

	(void)args;
	if (c->json)
		zt_cli_print_json(j);
	else
		printf("200 info %s %s %s\n", zt_cli_str(j, "address", "-"),
		       zt_cli_str(j, "version", "-"),
		       json_is_true(json_object_get(j, "online")) ? "ONLINE" : "OFFLINE");
	zt_cli_release(j);
}

void zt_cli_node_peers(const struct zt_cli *c, char **args)
{
	json_t *j = zt_cli_api_call(c, "GET", "/peer", NULL), *p, *st;
	long long clock;
	size_t i;

	(void)args;
	if (zt_cli_json_done(c, j))
		return;
	/* "since" is measured on ztd's clock, which /status reports. */
	st = zt_cli_api_call(c, "GET", "/status", NULL);
	clock = zt_cli_num(st, "clock", 0);
	zt_cli_release(st);
	printf("200 listpeers <ztaddr> <path> <link> <latency> <version> <role> <since>\n");
	json_array_foreach(j, i, p)
	{
		const char *type = zt_cli_str(p, "pathType", "NONE");
		const json_t *paths = json_object_get(p, "paths");
		char link[96];
		long long since = zt_cli_num(p, "pathSince", 0);

		const char *tcp = strcmp(zt_cli_str(p, "transport", ""), "TCP") == 0 ? "/tcp" : "";

		if (strcmp(type, "DIRECT") == 0 && json_array_size(paths) > 0)
			snprintf(link, sizeof link, "%s%s",
			         zt_cli_str(json_array_get(paths, 0), "address", "-"), tcp);
		else if (strcmp(type, "RELAY") == 0)
			snprintf(link, sizeof link, "via:%s%s", zt_cli_str(p, "via", "-"), tcp);
		else
			snprintf(link, sizeof link, "-");
		printf("200 listpeers %s %s %s %lld %s %s %lld\n", zt_cli_str(p, "address", "-"),
		       type, link, zt_cli_num(p, "latency", -1), zt_cli_str(p, "version", "-"),
		       zt_cli_str(p, "role", "-"),
		       since > 0 && clock > since ? (clock - since) / 1000 : 0);
	}
	zt_cli_release(j);
}
