/* SPDX-License-Identifier: MIT */
/*
 * api.c - routes of the local API (see api.h): authenticate, dispatch,
 * answer JSON built by api_json.c.
 */
#include "service/api.h"

#include <errno.h>
#include <inttypes.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "osdep/apijson.h"
#include "osdep/clock.h"
#include "osdep/metrics.h"
#include "osdep/state.h"
#include "service/api_json.h"
#include "service/daemon.h"

#define SEGMENT_MAX 64
#define ERR_MAX     512

static const char allow_get[] = "Allow: GET\r\n";
static const char allow_net[] = "Allow: GET, POST, PUT, DELETE\r\n";

/* Answer j (consumed); a failed serialisation becomes a bare 500. */
static void reply_json(struct zt_httpd_reply *reply, int status, json_t *j)
{
	reply->status = status;
	reply->body = j ? zt_api_json_dump(j, &reply->body_len) : NULL;
	json_decref(j);
	if (!reply->body) {
		reply->status = 500;
		reply->body = strdup("{\"error\":500,\"description\":\"out of memory\"}");
		reply->body_len = reply->body ? strlen(reply->body) : 0;
	}
}

static void reply_error(struct zt_httpd_reply *reply, int status, const char *msg)
{
	reply_json(reply, status, zt_apijson_error(status, msg));
}

/* The path segment after prefix as a C string in out; false if the path
 * does not start with prefix.  A too-long segment is cut (and then fails
 * to parse, with its start echoed in the message). */
static bool segment(const struct zt_http_str *path, const char *prefix, char *out, size_t cap)
{
	size_t pl = strlen(prefix), n;

	if (path->len < pl || memcmp(path->p, prefix, pl) != 0)
		return false;
	n = path->len - pl;
	if (n >= cap)
		n = cap - 1;
	memcpy(out, path->p + pl, n);
	out[n] = '\0';
	return true;
}

/* Printable for an error message: the segment came from the client. */
static void printable(char *s)
{
	for (; *s; s++)
		if (*s < ' ' || *s > '~')
			*s = '?';
}

static void get_status(struct zt_daemon *d, struct zt_httpd_reply *reply)
{
	struct zt_node *node = zt_daemon_node(d);
	const struct zt_daemon_config *cfg = zt_daemon_config(d);
	struct zt_endpoint refl[ZT_API_MAX_REFLECTED];
	uint64_t counters[ZT_CTR_COUNT];
	struct zt_api_status st;
	char pmtext[96];
	size_t nrefl;

	nrefl = zt_node_reflected(node, refl, ZT_API_MAX_REFLECTED);
	if (nrefl > ZT_API_MAX_REFLECTED)
		nrefl = ZT_API_MAX_REFLECTED;
	for (int c = 0; c < ZT_CTR_COUNT; c++)
		counters[c] = zt_node_counter(node, (enum zt_counter)c);
	memset(&st, 0, sizeof st);
	st.node.address = zt_node_address(node);
	st.node.public_identity = zt_daemon_public_identity(d);
	st.node.online = zt_node_online(node);
	st.node.clock = zt_clock_now();
	st.node.primary_port = zt_daemon_udp_port(d);
	st.node.home = cfg->home;
	st.node.bind_addr = cfg->bind_addr;
	st.node.tcp_fallback = zt_apijson_tcp_fallback(node, st.node.clock);
	st.node.portmap_enabled = zt_daemon_portmap_enabled(d);
	st.node.roots_stamp = zt_state_roots_stamp(cfg->home);
	st.node.reflected = refl;
	st.node.reflected_count = nrefl;
	st.counters = counters;
	st.nat_type = zt_node_nat_type(node);
	st.keepalive_ms = zt_node_keepalive(node);
	zt_daemon_datapath(d, &st.datapath);
	if (zt_daemon_portmap(d, pmtext, sizeof pmtext))
		st.portmap = pmtext;
	reply_json(reply, 200, zt_api_json_status(&st));
}

/* The network object of `info`, with what the daemon knows of it. */
static json_t *network_object(struct zt_daemon *d, const struct zt_network_info *info)
{
	const struct zt_net_settings *s = zt_daemon_settings(d, info->nwid);
	struct zt_mcgroup groups[ZT_API_MAX_GROUPS];
	struct zt_api_net_local l;
	size_t n;

	n = zt_node_multicast_groups(zt_daemon_node(d), info->nwid, groups, ZT_API_MAX_GROUPS);
	memset(&l, 0, sizeof l);
	l.dev = zt_daemon_dev(d, info->nwid);
	l.bridge_dev = s ? s->bridge_dev : "";
	/* ZeroTier's defaults for a network without settings (yet). */
	l.allow_managed = s ? s->allow_managed : true;
	l.allow_global = s && s->allow_global;
	l.allow_default = s && s->allow_default;
	l.allow_dns = s && s->allow_dns;
	l.groups = groups;
	l.group_count = n < ZT_API_MAX_GROUPS ? n : ZT_API_MAX_GROUPS;
	l.ips = s ? s->ips : NULL;
	l.ip_count = s ? s->ip_count : 0;
	return zt_api_json_network(info, &l);
}

/* The network object; a network the core does not list (yet) is shown
 * from what the daemon knows. */
static json_t *network_json(struct zt_daemon *d, uint64_t nwid)
{
	struct zt_node *node = zt_daemon_node(d);
	struct zt_network_info info;

	if (zt_node_network(node, nwid, &info) != ZT_OK) {
		memset(&info, 0, sizeof info);
		info.nwid = nwid;
		info.status = ZT_NET_REQUESTING_CONFIGURATION;
		info.type = zt_nwid_is_adhoc(nwid) ? ZT_NET_PUBLIC : ZT_NET_PRIVATE;
		info.mtu = ZT_DAEMON_DEFAULT_MTU;
		info.adhoc = zt_nwid_is_adhoc(nwid);
		zt_mac_from_address(nwid, zt_node_address(node), info.mac);
	}
	return network_object(d, &info);
}

static void get_networks(struct zt_daemon *d, struct zt_httpd_reply *reply)
{
	struct zt_node *node = zt_daemon_node(d);
	struct zt_network_info infos[ZT_DAEMON_MAX_NETWORKS];
	size_t n = zt_node_networks(node, infos, ZT_DAEMON_MAX_NETWORKS);
	json_t *arr = json_array();

	if (n > ZT_DAEMON_MAX_NETWORKS)
		n = ZT_DAEMON_MAX_NETWORKS;
	for (size_t i = 0; i < n && arr; i++) {
		json_t *o = network_object(d, &infos[i]);

		if (!o || json_array_append_new(arr, o) < 0) {
			json_decref(arr);
			arr = NULL;
		}
	}
	reply_json(reply, 200, arr);
}

/* GET /network/<nwid>/trace: the frames its rules dropped lately. */
static void trace(struct zt_daemon *d, const struct zt_http_request *req, uint64_t nwid,
                  struct zt_httpd_reply *reply)
{
	struct zt_node *node = zt_daemon_node(d);
	struct zt_rules_drop drops[ZT_RULES_DROPS_MAX];
	struct zt_network_info info;
	char msg[ERR_MAX];
	size_t n;

	if (!zt_http_str_eq(&req->method, "GET")) {
		reply->extra_headers = allow_get;
		reply_error(reply, 405, "method not allowed: use GET");
		return;
	}
	if (zt_node_network(node, nwid, &info) != ZT_OK) {
		snprintf(msg, sizeof msg, "not a member of network %016" PRIx64, nwid);
		reply_error(reply, 404, msg);
		return;
	}
	n = zt_node_rules_drops(node, nwid, drops, ZT_RULES_DROPS_MAX);
	reply_json(reply, 200, zt_api_json_trace(nwid, drops, n, zt_clock_now()));
}

static void network(struct zt_daemon *d, const struct zt_http_request *req, char *seg,
                    struct zt_httpd_reply *reply)
{
	struct zt_node *node = zt_daemon_node(d);
	char msg[ERR_MAX], shown[SEGMENT_MAX];
	struct zt_api_join_req jr;
	struct zt_network_info info;
	uint64_t nwid;
	char *sub = strchr(seg, '/');

	/* <nwid>/trace is the one path below a network. */
	if (sub != NULL && strcmp(sub, "/trace") == 0) {
		*sub = '\0';
		if (zt_nwid_parse(seg, &nwid) == 0) {
			trace(d, req, nwid, reply);
			return;
		}
		*sub = '/';
	}
	if (zt_nwid_parse(seg, &nwid) != 0) {
		snprintf(shown, sizeof shown, "%s", seg);
		printable(shown);
		snprintf(msg, sizeof msg, "invalid network id '%.32s': expected 16 hex digits",
		         shown);
		reply_error(reply, 400, msg);
		return;
	}
	if (zt_http_str_eq(&req->method, "GET")) {
		if (zt_node_network(node, nwid, &info) != ZT_OK &&
		    zt_daemon_dev(d, nwid)[0] == '\0') {
			snprintf(msg, sizeof msg, "not a member of network %016" PRIx64, nwid);
			reply_error(reply, 404, msg);
			return;
		}
		reply_json(reply, 200, network_json(d, nwid));
	} else if (zt_http_str_eq(&req->method, "POST") || zt_http_str_eq(&req->method, "PUT")) {
		/* (ZeroTier's service takes PUT as POST) */
		if (zt_api_json_parse_join(req->body.p, req->body.len, &jr, msg, sizeof msg) < 0) {
			reply_error(reply, 400, msg);
			return;
		}
		if (zt_daemon_join(d, nwid, true, msg, sizeof msg) < 0) {
			reply_error(reply, 500, msg);
			return;
		}
		if (zt_daemon_set(d, nwid, &jr, msg, sizeof msg) < 0) {
			reply_error(reply, 400, msg);
			return;
		}
		reply_json(reply, 200, network_json(d, nwid));
	} else if (zt_http_str_eq(&req->method, "DELETE")) {
		/* As ZeroTier 1.14: {"result": true} when it was joined, {}
		 * when it was not (leaving is idempotent for its tools). */
		if (zt_daemon_leave(d, nwid, msg, sizeof msg) < 0) {
			reply_json(reply, 200, json_object());
			return;
		}
		reply_json(reply, 200, zt_api_json_result());
	} else {
		reply->extra_headers = allow_net;
		reply_error(reply, 405, "method not allowed: use GET, POST, PUT or DELETE");
	}
}

/* All peers, or only `only` (a 40-bit address) if has_only. */
static void get_peers(struct zt_daemon *d, bool has_only, uint64_t only,
                      struct zt_httpd_reply *reply)
{
	json_t *out;
	int r = zt_apijson_peers(zt_daemon_node(d), zt_clock_now(), has_only, only,
	                         zt_daemon_udp_port(d), &out);

	if (r == -ENOENT) {
		/* ZeroTier 1.14 answers an unknown peer with an empty object. */
		reply_json(reply, 200, json_object());
	} else if (r < 0) {
		reply_error(reply, 500, "out of memory");
	} else {
		reply_json(reply, 200, out);
	}
}

static void peer(struct zt_daemon *d, const struct zt_http_request *req, const char *seg,
                 struct zt_httpd_reply *reply)
{
	char msg[ERR_MAX], shown[SEGMENT_MAX];
	uint64_t addr;

	if (!zt_http_str_eq(&req->method, "GET")) {
		reply->extra_headers = allow_get;
		reply_error(reply, 405, "method not allowed: use GET");
		return;
	}
	if (zt_address_parse(seg, &addr) != 0) {
		snprintf(shown, sizeof shown, "%s", seg);
		printable(shown);
		snprintf(msg, sizeof msg, "invalid address '%.32s': expected 10 hex digits", shown);
		reply_error(reply, 400, msg);
		return;
	}
	get_peers(d, true, addr, reply);
}

/* ztd's metrics: the node's (every peer's too), and the TAP datapath. */
static void fill_metrics(void *ctx, struct zt_metrics *m)
{
	struct zt_daemon *d = ctx;
	struct zt_api_datapath dp;

	zt_metrics_node(m, zt_daemon_node(d), zt_clock_now(), zt_daemon_udp(d), zt_daemon_tcp(d),
	                true);
	zt_daemon_datapath(d, &dp);
	zt_metrics_counter(m, "zt_tap_frames_written_total", "frames written to the TAP devices",
	                   dp.tap_writes);
	zt_metrics_family(m, "zt_tap_drops_total", ZT_METRICS_COUNTER,
	                  "frames the TAP devices did not take or give, by reason");
	{
		struct zt_metrics_label l[3] = {
		    {"reason", "queue_full"}, {"reason", "refused"}, {"reason", "unusable_read"}};
		zt_metrics_value(m, &l[0], 1, dp.tap_write_drops);
		zt_metrics_value(m, &l[1], 1, dp.tap_write_errors);
		zt_metrics_value(m, &l[2], 1, dp.tap_unusable_reads);
	}
}

/* GET /metrics takes the API token or metricstoken.secret's, which a
 * scraper may hold without being able to join, leave or read anything
 * else (as ZeroTier 1.12+). */
static bool metrics_request(struct zt_daemon *d, const struct zt_http_request *req,
                            struct zt_httpd_reply *reply)
{
	if (!zt_http_str_eq(&req->path, "/metrics"))
		return false;
	if (!zt_http_token_ok(req, zt_daemon_token(d)) &&
	    !zt_http_token_ok(req, zt_daemon_metrics_token(d)))
		reply_error(reply, 401,
		            "missing or wrong auth token: send the token of metricstoken.secret "
		            "(or authtoken.secret) in X-ZT1-Auth, Authorization: Bearer or ?auth=");
	else if (!zt_http_str_eq(&req->method, "GET")) {
		reply->extra_headers = allow_get;
		reply_error(reply, 405, "method not allowed: use GET");
	} else
		zt_metrics_reply(reply, fill_metrics, d);
	return true;
}

void zt_api_handle(void *ctx, const struct zt_http_request *req, struct zt_httpd_reply *reply)
{
	struct zt_daemon *d = ctx;
	const struct zt_http_str *p = &req->path;
	bool get = zt_http_str_eq(&req->method, "GET");
	char seg[SEGMENT_MAX];

	if (metrics_request(d, req, reply))
		return;
	if (!zt_http_token_ok(req, zt_daemon_token(d))) {
		reply_error(reply, 401,
		            "missing or wrong auth token: send the token of authtoken.secret "
		            "in X-ZT1-Auth (or ?auth=)");
		return;
	}
	if (zt_http_str_eq(p, "/status") || zt_http_str_eq(p, "/network") ||
	    zt_http_str_eq(p, "/network/") || zt_http_str_eq(p, "/peer") ||
	    zt_http_str_eq(p, "/peer/")) {
		if (!get) {
			reply->extra_headers = allow_get;
			reply_error(reply, 405, "method not allowed: use GET");
		} else if (p->p[1] == 's') {
			get_status(d, reply);
		} else if (p->p[1] == 'n') {
			get_networks(d, reply);
		} else {
			get_peers(d, false, 0, reply);
		}
	} else if (segment(p, "/network/", seg, sizeof seg)) {
		network(d, req, seg, reply);
	} else if (segment(p, "/peer/", seg, sizeof seg)) {
		peer(d, req, seg, reply);
	} else if (zt_http_str_eq(p, "/moon") || zt_http_str_eq(p, "/moon/")) {
		/* zt's roots come from the signed roots file: it orbits no
		 * moons, and lists none, as ZeroTier does without any. */
		if (!get) {
			reply->extra_headers = allow_get;
			reply_error(reply, 405, "method not allowed: use GET");
		} else {
			reply_json(reply, 200, json_array());
		}
	} else if (segment(p, "/moon/", seg, sizeof seg)) {
		/* Orbiting none, ztd answers a moon's lookup and deorbit as
		 * ZeroTier 1.14 answers them for a moon it does not orbit;
		 * orbit itself cannot be done. */
		if (get)
			reply_json(reply, 200, json_object());
		else if (zt_http_str_eq(&req->method, "DELETE"))
			reply_json(reply, 200, zt_api_json_result());
		else
			reply_error(reply, 404,
			            "zt has no moons: roots come from the signed roots file (ztd "
			            "-r)");
	} else if (p->len >= 6 && memcmp(p->p, "/bond/", 6) == 0) {
		/* ZeroTier answers 400 to every /bond/ call while its bonding
		 * layer is not in use (zerotier-cli bond <peer> show|rotate,
		 * bond setmtu); zt has no bonding: one path per peer. */
		reply_error(reply, 400,
		            "no link bonding in zt: one path per peer (listbonds shows none)");
	} else {
		reply_error(reply, 404, "no such API path: try /status, /network or /peer");
	}
	/* The core may have been called (join, leave): let the loop catch up. */
	if (!get)
		zt_daemon_after_core_call(d);
}
