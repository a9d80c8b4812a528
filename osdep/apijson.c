/* SPDX-License-Identifier: MIT */
/*
 * apijson.c - ZeroTier-shaped status, peer and error objects (see
 * apijson.h).  Builders collect allocation failures in one flag instead of
 * checking every jansson call, and give up (NULL) at the end if any failed.
 */
#include "osdep/apijson.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "osdep/version.h"

#define TEXT_MAX 64

struct builder {
	json_t *obj;
	bool failed;
};

/* Set obj[key] = v (consumed, also when it fails). */
static void put(struct builder *b, json_t *obj, const char *key, json_t *v)
{
	if (!v || !obj) {
		json_decref(v);
		b->failed = true;
	} else if (json_object_set_new(obj, key, v) < 0) {
		b->failed = true;
	}
}

static json_t *finish(struct builder *b)
{
	if (b->failed) {
		json_decref(b->obj);
		return NULL;
	}
	return b->obj;
}

static void endpoint_text(const struct zt_endpoint *ep, char *out, size_t cap)
{
	if (zt_endpoint_to_text(ep, out, cap) != ZT_OK)
		snprintf(out, cap, "-");
}

const char *zt_apijson_role_name(enum zt_peer_role r)
{
	/* zt's roots are what ZeroTier's planet roots are. */
	return r == ZT_ROLE_ROOT ? "PLANET" : "LEAF";
}

const char *zt_apijson_path_name(enum zt_path_kind k)
{
	switch (k) {
	case ZT_PATH_DIRECT: return "DIRECT";
	case ZT_PATH_RELAY: return "RELAY";
	case ZT_PATH_NONE: return "NONE";
	}
	return "NONE";
}

json_t *zt_apijson_status(const struct zt_apijson_node *s)
{
	struct builder b = {json_object(), false};
	json_t *o = b.obj, *config = json_object(), *set = json_object();
	json_t *listen = json_array(), *surface = json_array();
	char addr[ZT_ADDRESS_TEXT], text[TEXT_MAX];
	int major, minor, patch;

	snprintf(addr, sizeof addr, "%010" PRIx64, s->address & UINT64_C(0xffffffffff));
	put(&b, o, "address", json_string(addr));
	put(&b, o, "publicIdentity", json_string(s->public_identity ? s->public_identity : ""));
	put(&b, o, "online", json_boolean(s->online));
	put(&b, o, "tcpFallbackActive", json_boolean(s->tcp_fallback));
	zt_version_parts(&major, &minor, &patch);
	put(&b, o, "version", json_string(zt_version()));
	put(&b, o, "versionMajor", json_integer(major));
	put(&b, o, "versionMinor", json_integer(minor));
	put(&b, o, "versionRev", json_integer(patch));
	put(&b, o, "versionBuild", json_integer(0));
	put(&b, o, "clock", json_integer(s->clock));
	/* zt's roots file has no world id; its timestamp is the planet's. */
	put(&b, o, "planetWorldId", json_integer(0));
	put(&b, o, "planetWorldTimestamp", json_integer(s->roots_stamp));

	snprintf(text, sizeof text, "%s/%u", s->bind_addr ? s->bind_addr : "0.0.0.0",
	         s->primary_port);
	if (!listen || json_array_append_new(listen, json_string(text)) < 0)
		b.failed = true;
	for (size_t i = 0; surface && i < s->reflected_count; i++) {
		endpoint_text(&s->reflected[i], text, sizeof text);
		if (json_array_append_new(surface, json_string(text)) < 0)
			b.failed = true;
	}
	/* The TCP fallback is always allowed and never forced; zt has one
	 * UDP port and no updater. */
	put(&b, set, "allowTcpFallbackRelay", json_true());
	put(&b, set, "forceTcpRelay", json_false());
	put(&b, set, "primaryPort", json_integer(s->primary_port));
	put(&b, set, "secondaryPort", json_integer(0));
	put(&b, set, "tertiaryPort", json_integer(0));
	put(&b, set, "homeDir", json_string(s->home ? s->home : ""));
	put(&b, set, "listeningOn", listen);
	put(&b, set, "surfaceAddresses", surface);
	put(&b, set, "portMappingEnabled", json_boolean(s->portmap_enabled));
	put(&b, set, "softwareUpdate", json_string("disable"));
	put(&b, set, "softwareUpdateChannel", json_string("release"));
	put(&b, config, "settings", set);
	put(&b, o, "config", config);
	return finish(&b);
}

bool zt_apijson_tcp_fallback(struct zt_node *node, int64_t now)
{
	struct zt_peer_info *peers;
	size_t n, cap;
	bool tcp = false;

	if (!node)
		return false;
	n = zt_node_peers(node, now, NULL, 0);
	cap = n < ZT_APIJSON_MAX_PEERS ? n : ZT_APIJSON_MAX_PEERS;
	peers = calloc(cap ? cap : 1, sizeof *peers);
	if (!peers)
		return false;
	n = zt_node_peers(node, now, peers, cap);
	for (size_t i = 0; i < n && i < cap; i++)
		tcp = tcp || (peers[i].role == ZT_ROLE_ROOT && peers[i].tcp);
	free(peers);
	return tcp;
}

json_t *zt_apijson_peer(const struct zt_peer_info *p, unsigned local_port)
{
	struct builder b = {json_object(), false};
	json_t *o = b.obj, *paths = json_array();
	char addr[ZT_ADDRESS_TEXT], via[ZT_ADDRESS_TEXT], ep[TEXT_MAX];

	snprintf(addr, sizeof addr, "%010" PRIx64, p->address & UINT64_C(0xffffffffff));
	put(&b, o, "address", json_string(addr));
	put(&b, o, "role", json_string(zt_apijson_role_name(p->role)));
	put(&b, o, "latency", json_integer(p->latency_ms < 0 ? -1 : p->latency_ms));
	/* As the peer's VERSION message said; an older peer never says:
	 * ZeroTier's "unknown" (-1, and an empty string). */
	put(&b, o, "versionMajor", json_integer(p->version[0]));
	put(&b, o, "versionMinor", json_integer(p->version[1]));
	put(&b, o, "versionRev", json_integer(p->version[2]));
	if (p->version[0] >= 0) {
		char ver[24];
		snprintf(ver, sizeof ver, "%d.%d.%d", p->version[0], p->version[1], p->version[2]);
		put(&b, o, "version", json_string(ver));
	} else {
		put(&b, o, "version", json_string(""));
	}
	put(&b, o, "isBonded", json_false());
	put(&b, o, "tunneled", json_boolean(p->path != ZT_PATH_NONE && p->tcp));
	/* zt's own: the kind of path, the relaying root, since when, what
	 * carries it (a relayed peer: the way to its root), its MTU. */
	put(&b, o, "pathType", json_string(zt_apijson_path_name(p->path)));
	snprintf(via, sizeof via, "%010" PRIx64, p->via & UINT64_C(0xffffffffff));
	put(&b, o, "via", json_string(p->path == ZT_PATH_RELAY ? via : ""));
	put(&b, o, "pathSince", json_integer(p->path_since));
	put(&b, o, "transport", json_string(p->path == ZT_PATH_NONE ? "" : p->tcp ? "TCP" : "UDP"));
	put(&b, o, "pathMtu", json_integer(p->path_mtu));
	put(&b, o, "paths", paths);
	/* Only a direct path is a physical path to this peer; a relayed
	 * peer's endpoint is the root's, shown as "via". */
	if (p->path == ZT_PATH_DIRECT && !b.failed) {
		json_t *po = json_object();

		endpoint_text(&p->endpoint, ep, sizeof ep);
		put(&b, po, "address", json_string(ep));
		put(&b, po, "active", json_true());
		put(&b, po, "expired", json_false());
		put(&b, po, "preferred", json_true());
		put(&b, po, "lastReceive", json_integer(p->last_rx < 0 ? 0 : p->last_rx));
		put(&b, po, "lastSend", json_integer(p->last_tx < 0 ? 0 : p->last_tx));
		put(&b, po, "trustedPathId", json_integer(0));
		put(&b, po, "localSocket", json_integer(0));
		put(&b, po, "localPort", json_integer(p->tcp ? 0 : local_port));
		if (!po || json_array_append_new(paths, po) < 0)
			b.failed = true;
	}
	return finish(&b);
}

int zt_apijson_peers(struct zt_node *node, int64_t now, bool has_only, uint64_t only,
                     unsigned local_port, json_t **out)
{
	struct zt_peer_info *peers = NULL;
	size_t n = 0, cap;
	json_t *res = NULL;
	int r = -ENOMEM;

	if (node) {
		n = zt_node_peers(node, now, NULL, 0);
		cap = n < ZT_APIJSON_MAX_PEERS ? n : ZT_APIJSON_MAX_PEERS;
		peers = calloc(cap ? cap : 1, sizeof *peers);
		if (!peers)
			return -ENOMEM;
		n = zt_node_peers(node, now, peers, cap);
		if (n > cap)
			n = cap;
	}
	if (has_only) {
		r = -ENOENT;
		for (size_t i = 0; i < n; i++)
			if (peers[i].address == only) {
				res = zt_apijson_peer(&peers[i], local_port);
				r = res ? 0 : -ENOMEM;
				break;
			}
		goto out;
	}
	res = json_array();
	for (size_t i = 0; i < n && res; i++) {
		json_t *o = zt_apijson_peer(&peers[i], local_port);

		if (!o || json_array_append_new(res, o) < 0) {
			json_decref(res);
			res = NULL;
		}
	}
	r = res ? 0 : -ENOMEM;
out:
	free(peers);
	*out = res;
	return r;
}

json_t *zt_apijson_error(int status, const char *msg)
{
	return json_pack("{s:i, s:s}", "error", status, "description", msg ? msg : "");
}
