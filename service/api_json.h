/* SPDX-License-Identifier: MIT */
/*
 * api_json.h - the JSON of the local API (ZeroTier's service API shapes),
 * built from the core's info structs, and the decoding of request bodies.
 * No sockets and no daemon state here, so a fuzz target can link it with
 * node/ alone.
 */
#ifndef ZT_SERVICE_API_JSON_H
#define ZT_SERVICE_API_JSON_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "node/zt.h"
#include "osdep/apijson.h"

#define ZT_API_MAX_REFLECTED 8
#define ZT_API_MAX_GROUPS    256 /* multicastSubscriptions shown per network */
#define ZT_API_MAX_IPS       8   /* assignedAddresses a client may set (ad-hoc) */
#define ZT_API_IP_TEXT       48  /* "ffff:...:ffff/128" and the NUL */

/* ztd's own data-path counters (not the core's). */
struct zt_api_datapath {
	uint64_t tap_writes;         /* frames written to TAPs */
	uint64_t tap_super_tcp;      /* ... of them TCP super-frames (GSO_TCPV4/6) */
	uint64_t tap_super_udp;      /* ... and UDP super-frames (GSO_UDP_L4) */
	uint64_t tap_udp_joined;     /* datagrams those UDP super-frames hold */
	uint64_t tap_write_drops;    /* TAP queue full */
	uint64_t tap_write_errors;   /* refused by the TAP (e.g. EINVAL) */
	uint64_t tap_unusable_reads; /* TAP reads that could not be segmented */
	uint64_t udp_send_drops;     /* socket buffer full */
};

/* Everything GET /status shows (borrowed for the call): ZeroTier's fields
 * (node) and ztd's own. */
struct zt_api_status {
	struct zt_apijson_node node;
	const uint64_t *counters; /* ZT_CTR_COUNT values, by enum zt_counter */
	enum zt_nat_type nat_type;
	const char *portmap; /* "UPnP 1.2.3.4/9993", or NULL */
	int64_t keepalive_ms;
	struct zt_api_datapath datapath;
};

/* What ztd itself knows of a joined network, for its object. */
struct zt_api_net_local {
	const char *dev;        /* the TAP name, "" if none */
	const char *bridge_dev; /* the Linux bridge it belongs to, "" if none */
	bool allow_managed, allow_global, allow_default, allow_dns;
	const struct zt_mcgroup *groups; /* the host's multicast groups */
	size_t group_count;
	/* An ad-hoc network's own addresses (ip=): its assignedAddresses. */
	const struct zt_inetaddr *ips;
	size_t ip_count;
};

/* Options a client may send with POST /network/<nwid> (ZeroTier's names),
 * and which of them it sent (has_*); plus an invite token ("inviteToken",
 * hex) for a managed network. */
struct zt_api_join_req {
	bool allow_managed, allow_global, allow_default, allow_dns;
	bool has_managed, has_global, has_default, has_dns;
	uint8_t token[ZT_NETCONF_TOKEN_MAX];
	size_t token_len;
	/* "inviteRoots": [{"address","publicKey","endpoint"}] from an invite
	 * code: used by a ztd that has no roots yet (identities unverified
	 * here: the daemon checks them). */
	struct zt_roots roots;
	/* Ethernet settings of an ad-hoc network (doc/API.md); each has_*
	 * says the body set it. */
	bool has_bridge, active_bridge;
	bool has_broadcast, enable_broadcast;
	bool has_mlimit, has_mac_age, has_mss;
	unsigned multicast_limit, mac_age_s, mss_clamp;
	/* "bridgeDevice": the Linux bridge of the TAP ("" none), any network */
	bool has_bridge_dev;
	char bridge_dev[16];
	/* "assignedAddresses" of an ad-hoc network (["10.9.0.1/24"], []: none),
	 * as text: the daemon checks them. */
	bool has_ips;
	unsigned ip_count;
	char ips[ZT_API_MAX_IPS][ZT_API_IP_TEXT];
};

/* The builders return a new reference, or NULL when out of memory. */
json_t *zt_api_json_status(const struct zt_api_status *s);
/* The network object (ZeroTier's fields and zt's own); its name,
 * assignedAddresses, routes and dns come from n->conf when there is one;
 * an ad-hoc network, which has no name, is named by its id. */
json_t *zt_api_json_network(const struct zt_network_info *n, const struct zt_api_net_local *l);
/* GET /network/<nwid>/trace: the frames its rules dropped lately, oldest
 * first, with the rule (its index in the network's list; null: no rule or
 * capability accepted) and what the frame carried; `clock` is now, on the
 * clock `time` is measured by. */
json_t *zt_api_json_trace(uint64_t nwid, const struct zt_rules_drop *d, size_t count, int64_t now);
/* {"result": true} */
json_t *zt_api_json_result(void);

/*
 * Decode the body of POST /network/<nwid>: empty, or a JSON object whose
 * known members have the right types (unknown members are ignored).
 * Returns 0, or -EINVAL with a one-line reason in err.
 */
int zt_api_json_parse_join(const char *body, size_t len, struct zt_api_join_req *out, char *err,
                           size_t errcap);

/* Compact text of j (caller frees with free()), or NULL. */
char *zt_api_json_dump(const json_t *j, size_t *len);

/* "aa:bb:cc:dd:ee:ff" into out (at least 18 bytes). */
void zt_api_json_mac(const uint8_t mac[6], char *out, size_t cap);

/* Names of the enums as the API and zt-cli show them. */
const char *zt_api_json_status_name(enum zt_net_status s);
const char *zt_api_json_type_name(enum zt_net_type t);

#endif
