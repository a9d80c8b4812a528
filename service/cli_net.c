/* SPDX-License-Identifier: MIT */
/*
 * cli_net.c - zt-cli's commands about networks: join (by id or with an
 * invite code), leave, set and listnetworks, in zerotier-cli's shapes, or
 * the API's JSON with -j.
 */
#include <inttypes.h>
#include <jansson.h>
#include <sodium.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "node/zt.h"
#include "service/cli.h"
#include "service/cli_api.h"
#include "service/cli_net.h"

uint64_t zt_cli_net_path(const char *arg, char *path, size_t cap)
{
	uint64_t nwid;

	if (zt_nwid_parse(arg, &nwid) != 0)
		zt_cli_die("invalid network id '%.32s': expected 16 hex digits", arg);
	snprintf(path, cap, "/network/%016" PRIx64, nwid);
	return nwid;
}

/* join <invite code>: the network id, the token and the roots' hints go
 * to ztd, which asks the controller with the token. */
#define INVITE_WAIT_S 8

static void join_invite(const struct zt_cli *c, const char *arg)
{
	struct zt_invite inv;
	char path[64], hex[2 * ZT_NETCONF_TOKEN_MAX + 1], *body;
	json_t *req, *roots, *j;
	json_error_t je;
	bool was_joined;
	int status;

	if (zt_invite_decode(&inv, arg, strlen(arg)) != ZT_OK)
		zt_cli_die("invalid invite code '%.24s...': copy the whole line "
		           "zt-controller invite printed",
		           arg);
	for (size_t i = 0; i < inv.token_len; i++)
		snprintf(hex + 2 * i, 3, "%02x", inv.token[i]);
	roots = json_array();
	for (unsigned i = 0; i < inv.root_count && roots; i++) {
		char addr[ZT_ADDRESS_TEXT], pk[65], ep[64];
		snprintf(addr, sizeof addr, "%010" PRIx64, inv.roots[i].address);
		for (int k = 0; k < 32; k++)
			snprintf(pk + 2 * k, 3, "%02x", inv.roots[i].pk[k]);
		if (zt_endpoint_to_text(&inv.roots[i].endpoint, ep, sizeof ep) != ZT_OK)
			continue;
		json_array_append_new(roots, json_pack("{s:s, s:s, s:s}", "address", addr,
		                                       "publicKey", pk, "endpoint", ep));
	}
	req = json_pack("{s:s, s:o}", "inviteToken", hex, "inviteRoots", roots);
	sodium_memzero(hex, sizeof hex);
	body = req ? json_dumps(req, JSON_COMPACT) : NULL;
	json_decref(req);
	if (!body)
		zt_cli_die("out of memory");
	snprintf(path, sizeof path, "/network/%016" PRIx64, inv.nwid);
	/* A refused invite undoes the join it made, not one made before. */
	zt_cli_release(zt_cli_api_call_status(c, "GET", path, NULL, &status, &je));
	was_joined = status == 200;
	j = zt_cli_api_call(c, "POST", path, body);
	sodium_memzero(body, strlen(body));
	free(body);
	/* Wait (bounded) for the controller's verdict on the invite, so that a
	 * spent or expired one is an error here, not a silent ACCESS_DENIED. */
	for (int i = 0; i < INVITE_WAIT_S * 5; i++) {
		const char *st = zt_cli_str(j, "status", "");
		if (json_is_true(json_object_get(j, "inviteRefused")) ||
		    (strcmp(st, "OK") == 0 && !json_is_true(json_object_get(j, "invitePending"))))
			break;
		zt_cli_release(j);
		usleep(200000);
		j = zt_cli_api_call(c, "GET", path, NULL);
	}
	if (json_is_true(json_object_get(j, "inviteRefused"))) {
		if (!was_joined)
			zt_cli_release(zt_cli_api_call(c, "DELETE", path, NULL));
		zt_cli_die("the controller refused the invite for network %016" PRIx64
		           ": it is invalid, spent or expired (ask for a new one)%s",
		           inv.nwid, was_joined ? "" : "; not joined");
	}
	if (c->json)
		zt_cli_print_json(j);
	else
		printf("200 join %s %016" PRIx64 "\n",
		       strcmp(zt_cli_str(j, "status", ""), "OK") == 0
		           ? "OK"
		           : zt_cli_str(j, "status", "?"),
		       inv.nwid);
	zt_cli_release(j);
}

static void join_or_leave(const struct zt_cli *c, const char *arg, bool leave)
{
	char path[64];
	json_t *j;

	zt_cli_net_path(arg, path, sizeof path);
	j = zt_cli_api_call(c, leave ? "DELETE" : "POST", path, leave ? NULL : "{}");
	/* The API answers {} for a network that was not joined, as
	 * ZeroTier's does; zerotier-cli's line, and a word for a typo. */
	if (leave && !json_is_true(json_object_get(j, "result")))
		fprintf(stderr, "zt-cli: was not a member of network %s: nothing to leave\n", arg);
	if (c->json)
		zt_cli_print_json(j);
	else
		printf("200 %s OK\n", leave ? "leave" : "join");
	zt_cli_release(j);
}

void zt_cli_net_join(const struct zt_cli *c, char **args)
{
	if (strncmp(args[0], "zti1", 4) == 0)
		join_invite(c, args[0]);
	else
		join_or_leave(c, args[0], false);
}

void zt_cli_net_leave(const struct zt_cli *c, char **args)
{
	join_or_leave(c, args[0], true);
}

/* ip=10.9.0.1/24,fd00::1/64 (ip= alone: none) into the body
 * {"assignedAddresses": [...]}; ztd checks each address, this only keeps
 * the text to what an address can hold. */
static void ip_body(const char *list, char *body, size_t cap)
{
	size_t used = (size_t)snprintf(body, cap, "{\"assignedAddresses\":[");
	unsigned count = 0;

	for (const char *p = list; *p;) {
		size_t n = strcspn(p, ",");
		if (n == 0 || n >= 48 || strspn(p, "0123456789abcdefABCDEF.:/") < n)
			zt_cli_die("set ip: '%.*s' is not ip/bits "
			           "(e.g. ip=10.9.0.1/24,fd00::1/64; ip= for none)",
			           (int)(n < 48 ? n : 48), p);
		if (++count > 8)
			zt_cli_die("set ip: at most 8 addresses");
		used += (size_t)snprintf(body + used, cap - used, "%s\"%.*s\"",
		                         count > 1 ? "," : "", (int)n, p);
		p += n;
		if (*p == ',' && *++p == '\0')
			zt_cli_die("set ip: an empty address after the last ','");
	}
	snprintf(body + used, cap - used, "]}");
}

/* set <nwid> key=value: ZeroTier's allow* keys (1/0 or true/false) and the
 * Ethernet settings of ad-hoc networks, on a joined network only: the API
 * joins on any POST /network/<nwid> (as ZeroTier's does), which a typo in
 * the id must not do behind the user's back. */
void zt_cli_net_set(const struct zt_cli *c, char **args)
{
	static const char *const bools[] = {"allowManaged",     "allowGlobal",    "allowDefault",
	                                    "allowDNS",         "bridge",         "activeBridge",
	                                    "broadcastEnabled", "enableBroadcast"};
	static const char *const ints[] = {"multicastLimit", "macAgeSeconds", "mssClamp"};
	const char *kv = args[1], *eq;
	char path[64], body[640], key[32];
	json_error_t je;
	uint64_t nwid;
	json_t *j;
	bool done = false;
	int status;

	nwid = zt_cli_net_path(args[0], path, sizeof path);
	if (!(eq = strchr(kv, '=')) || (size_t)(eq - kv) >= sizeof key || eq == kv)
		zt_cli_die("set: expected key=value (see zt-cli --help)");
	memcpy(key, kv, (size_t)(eq - kv));
	key[eq - kv] = '\0';
	eq++;
	/* bridge=<device>: the Linux bridge the TAP belongs to ("" none);
	 * bridge=0|1 stays the ad-hoc declaration alone. */
	if ((strcmp(key, "bridge") == 0 && strcmp(eq, "0") != 0 && strcmp(eq, "1") != 0 &&
	     strcmp(eq, "true") != 0 && strcmp(eq, "false") != 0) ||
	    strcmp(key, "bridgeDevice") == 0) {
		if (strlen(eq) > 15 || strpbrk(eq, "\"\\/: \t") != NULL)
			zt_cli_die("set %s: '%.31s' is not a device name (at most 15 characters)",
			           key, eq);
		snprintf(body, sizeof body, "{\"bridgeDevice\":\"%s\"}", eq);
		done = true;
	}
	for (size_t i = 0; i < sizeof bools / sizeof bools[0] && !done; i++) {
		if (strcmp(key, bools[i]) != 0)
			continue;
		if (strcmp(eq, "1") == 0 || strcmp(eq, "true") == 0)
			snprintf(body, sizeof body, "{\"%s\":true}", key);
		else if (strcmp(eq, "0") == 0 || strcmp(eq, "false") == 0)
			snprintf(body, sizeof body, "{\"%s\":false}", key);
		else
			zt_cli_die("set %s: value '%.16s' must be 0 or 1", key, eq);
		done = true;
	}
	if (strcmp(key, "ip") == 0) {
		ip_body(eq, body, sizeof body);
		done = true;
	}
	for (size_t i = 0; i < sizeof ints / sizeof ints[0] && !done; i++) {
		char *end;
		unsigned long v;
		if (strcmp(key, ints[i]) != 0)
			continue;
		v = strtoul(eq, &end, 10);
		if (end == eq || *end || v > 1000000)
			zt_cli_die("set: %s must be a number", key);
		snprintf(body, sizeof body, "{\"%s\":%lu}", key, v);
		done = true;
	}
	if (!done)
		zt_cli_die("set: unknown setting '%.31s' (see zt-cli --help)", key);
	/* ztd answers 404 for a network it is not a member of; any other
	 * failure is left to the POST, which reports it. */
	zt_cli_release(zt_cli_api_call_status(c, "GET", path, NULL, &status, &je));
	if (status == 404)
		zt_cli_die("not joined: zt-cli join %016" PRIx64 " first", nwid);
	j = zt_cli_api_call(c, "POST", path, body);
	if (c->json)
		zt_cli_print_json(j);
	else
		printf("200 set %s=%s\n", key,
		       strcmp(eq, "true") == 0    ? "1"
		       : strcmp(eq, "false") == 0 ? "0"
		                                  : eq);
	zt_cli_release(j);
}

void zt_cli_net_list(const struct zt_cli *c, char **args)
{
	json_t *j = zt_cli_api_call(c, "GET", "/network", NULL), *n;
	size_t i;

	(void)args;
	if (zt_cli_json_done(c, j))
		return;
	printf("200 listnetworks <nwid> <name> <mac> <status> <type> <dev> <ZT assigned ips>\n");
	json_array_foreach(j, i, n)
	{
		const json_t *ips = json_object_get(n, "assignedAddresses");
		char ipbuf[1024] = "";
		size_t k, used = 0;
		json_t *ip;

		json_array_foreach(ips, k, ip)
		{
			const char *s = json_string_value(ip);
			int w;

			if (!s)
				continue;
			w = snprintf(ipbuf + used, sizeof ipbuf - used, "%s%s", used ? "," : "", s);
			if (w < 0 || (size_t)w >= sizeof ipbuf - used)
				break;
			used += (size_t)w;
		}
		printf("200 listnetworks %s %s %s %s %s %s %s\n", zt_cli_str(n, "nwid", "-"),
		       zt_cli_str(n, "name", "-"), zt_cli_str(n, "mac", "-"),
		       zt_cli_str(n, "status", "-"), zt_cli_str(n, "type", "-"),
		       zt_cli_str(n, "portDeviceName", "-"), used ? ipbuf : "-");
	}
	zt_cli_release(j);
}
