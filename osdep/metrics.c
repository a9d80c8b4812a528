/* SPDX-License-Identifier: MIT */
/*
 * metrics.c - the Prometheus text format and the metrics every program
 * shares (see metrics.h).
 */
#include "osdep/metrics.h"

#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "osdep/args.h"
#include "osdep/http.h"
#include "osdep/httpd.h"
#include "osdep/nodeudp.h"
#include "osdep/tcp.h"
#include "osdep/version.h"

#define FIRST_CAP 16384

/* ---- text ---- */

void zt_metrics_begin(struct zt_metrics *m, size_t max)
{
	memset(m, 0, sizeof *m);
	m->max = max ? max : ZT_METRICS_MAX;
}

char *zt_metrics_finish(struct zt_metrics *m, size_t *len)
{
	char *out = m->failed ? NULL : m->buf;

	if (out == NULL) {
		free(m->buf);
		*len = 0;
	} else {
		*len = m->len;
	}
	memset(m, 0, sizeof *m);
	return out;
}

/* Room for n more bytes and the NUL, growing up to max. */
static bool reserve(struct zt_metrics *m, size_t n)
{
	size_t cap;
	char *p;

	if (m->failed)
		return false;
	if (n < m->cap - m->len && m->buf != NULL)
		return true;
	if (n >= m->max - m->len || m->len >= m->max) {
		m->failed = true;
		return false;
	}
	cap = m->cap ? m->cap : FIRST_CAP;
	while (cap - m->len <= n)
		cap *= 2;
	if (cap > m->max)
		cap = m->max;
	p = realloc(m->buf, cap);
	if (p == NULL) {
		m->failed = true;
		return false;
	}
	m->buf = p;
	m->cap = cap;
	return true;
}

static void put(struct zt_metrics *m, const char *s, size_t n)
{
	if (!reserve(m, n))
		return;
	memcpy(m->buf + m->len, s, n);
	m->len += n;
	m->buf[m->len] = '\0';
}

static void puts_(struct zt_metrics *m, const char *s)
{
	put(m, s, strlen(s));
}

static void putf(struct zt_metrics *m, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void putf(struct zt_metrics *m, const char *fmt, ...)
{
	char tmp[128];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(tmp, sizeof tmp, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof tmp) {
		m->failed = true;
		return;
	}
	put(m, tmp, (size_t)n);
}

/* [a-zA-Z_:][a-zA-Z0-9_:]* for metrics; labels take no ':' and reserve
 * names starting with "__". */
static bool valid_name(const char *s, bool label)
{
	if (s == NULL || *s == '\0' || (*s >= '0' && *s <= '9'))
		return false;
	if (label && s[0] == '_' && s[1] == '_')
		return false;
	for (; *s; s++) {
		char c = *s;
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '_' || (c == ':' && !label)))
			return false;
	}
	return true;
}

/* Help text: backslash and newline escaped.  Label values: also '"'. */
static void put_escaped(struct zt_metrics *m, const char *s, bool quote)
{
	for (; *s; s++) {
		if (*s == '\\')
			put(m, "\\\\", 2);
		else if (*s == '\n')
			put(m, "\\n", 2);
		else if (*s == '"' && quote)
			put(m, "\\\"", 2);
		else
			put(m, s, 1);
	}
}

static bool ends_with(const char *s, const char *suffix)
{
	size_t a = strlen(s), b = strlen(suffix);
	return a >= b && strcmp(s + a - b, suffix) == 0;
}

void zt_metrics_family(struct zt_metrics *m, const char *name, enum zt_metrics_type type,
                       const char *help)
{
	static const char *const types[] = {"", "counter", "gauge", "histogram"};

	if (!valid_name(name, false) || strlen(name) >= sizeof m->family ||
	    (type == ZT_METRICS_COUNTER) != ends_with(name, "_total") ||
	    (type != ZT_METRICS_COUNTER && type != ZT_METRICS_GAUGE &&
	     type != ZT_METRICS_HISTOGRAM)) {
		m->failed = true;
		return;
	}
	snprintf(m->family, sizeof m->family, "%s", name);
	m->type = type;
	putf(m, "# HELP %s ", name);
	put_escaped(m, help, false);
	putf(m, "\n# TYPE %s %s\n", name, types[type]);
}

/* name{labels[,extra="v"]} */
static void put_head(struct zt_metrics *m, const char *suffix, const struct zt_metrics_label *l,
                     size_t nl, const char *extra, const char *extra_value)
{
	if (m->family[0] == '\0') {
		m->failed = true;
		return;
	}
	puts_(m, m->family);
	puts_(m, suffix);
	if (nl == 0 && extra == NULL) {
		put(m, " ", 1);
		return;
	}
	put(m, "{", 1);
	for (size_t i = 0; i < nl; i++) {
		if (!valid_name(l[i].name, true) || l[i].value == NULL) {
			m->failed = true;
			return;
		}
		if (i)
			put(m, ",", 1);
		puts_(m, l[i].name);
		put(m, "=\"", 2);
		put_escaped(m, l[i].value, true);
		put(m, "\"", 1);
	}
	if (extra != NULL) {
		if (nl)
			put(m, ",", 1);
		putf(m, "%s=\"%s\"", extra, extra_value);
	}
	put(m, "} ", 2);
}

void zt_metrics_value(struct zt_metrics *m, const struct zt_metrics_label *labels, size_t nlabels,
                      uint64_t v)
{
	if (m->type == ZT_METRICS_HISTOGRAM) {
		m->failed = true;
		return;
	}
	put_head(m, "", labels, nlabels, NULL, NULL);
	putf(m, "%" PRIu64 "\n", v);
}

/* A float as the format spells it (Go's ParseFloat reads %.17g). */
static void put_float(struct zt_metrics *m, double v)
{
	if (isnan(v))
		puts_(m, "NaN");
	else if (isinf(v))
		puts_(m, v < 0 ? "-Inf" : "+Inf");
	else
		putf(m, "%.17g", v);
}

void zt_metrics_value_f(struct zt_metrics *m, const struct zt_metrics_label *labels, size_t nlabels,
                        double v)
{
	if (m->type == ZT_METRICS_HISTOGRAM) {
		m->failed = true;
		return;
	}
	put_head(m, "", labels, nlabels, NULL, NULL);
	put_float(m, v);
	put(m, "\n", 1);
}

void zt_metrics_counter(struct zt_metrics *m, const char *name, const char *help, uint64_t v)
{
	zt_metrics_family(m, name, ZT_METRICS_COUNTER, help);
	zt_metrics_value(m, NULL, 0, v);
}

void zt_metrics_gauge(struct zt_metrics *m, const char *name, const char *help, double v)
{
	zt_metrics_family(m, name, ZT_METRICS_GAUGE, help);
	zt_metrics_value_f(m, NULL, 0, v);
}

void zt_metrics_hist_init(struct zt_metrics_hist *h, const double *bounds, size_t nbounds)
{
	memset(h, 0, sizeof *h);
	h->bounds = bounds;
	h->nbounds = nbounds < ZT_METRICS_HIST_MAX ? nbounds : ZT_METRICS_HIST_MAX;
}

void zt_metrics_hist_observe(struct zt_metrics_hist *h, double v)
{
	size_t i = 0;

	while (i < h->nbounds && v > h->bounds[i])
		i++;
	h->counts[i]++;
	h->count++;
	h->sum += v;
}

void zt_metrics_hist_write(struct zt_metrics *m, const struct zt_metrics_label *labels,
                           size_t nlabels, const struct zt_metrics_hist *h)
{
	uint64_t cum = 0;
	char le[40];

	if (m->type != ZT_METRICS_HISTOGRAM) {
		m->failed = true;
		return;
	}
	for (size_t i = 0; i < h->nbounds; i++) {
		cum += h->counts[i];
		snprintf(le, sizeof le, "%.17g", h->bounds[i]);
		put_head(m, "_bucket", labels, nlabels, "le", le);
		putf(m, "%" PRIu64 "\n", cum);
	}
	put_head(m, "_bucket", labels, nlabels, "le", "+Inf");
	putf(m, "%" PRIu64 "\n", h->count);
	put_head(m, "_sum", labels, nlabels, NULL, NULL);
	put_float(m, h->sum);
	put(m, "\n", 1);
	put_head(m, "_count", labels, nlabels, NULL, NULL);
	putf(m, "%" PRIu64 "\n", h->count);
}

/* ---- the node ---- */

/* Where each core counter goes: a family (with its label name, or none)
 * and the label value (NULL: the counter's own name). */
enum {
	F_NONE = 0,
	F_RECEIVED,
	F_DROPS,
	F_HANDSHAKES,
	F_WORK,
	F_RELAYED,
	F_RELAYED_BYTES,
	F_FRAMES,
	F_PROBES,
	F_PATHS_LOST,
	F_FRAGMENTED,
	F_COUNT
};

static const struct {
	const char *name, *label, *help;
} families[F_COUNT] = {
    [F_RECEIVED] = {"zt_received_packets_total", NULL,
                    "datagrams handed to the core (UDP and TCP)"},
    [F_DROPS] = {"zt_drops_total", "reason",
                 "packets, frames and state dropped or withheld, by reason (the counters of "
                 "GET /status)"},
    [F_HANDSHAKES] = {"zt_handshakes_total", "event", "handshake messages by event"},
    [F_WORK] = {"zt_handshake_work_total", "op",
                "public-key and memory-hard operations done for handshakes"},
    [F_RELAYED] = {"zt_relayed_packets_total", NULL, "packets relayed for other nodes"},
    [F_RELAYED_BYTES] = {"zt_relayed_bytes_total", NULL,
                         "bytes of the packets relayed for other nodes"},
    [F_FRAMES] = {"zt_frames_total", "direction",
                  "Ethernet frames delivered to the host (rx) and sent from it (tx)"},
    [F_PROBES] = {"zt_probes_total", "kind", "hole-punching and path MTU probes sent"},
    [F_PATHS_LOST] = {"zt_paths_lost_total", NULL, "direct paths that stopped answering"},
    [F_FRAGMENTED] = {"zt_fragmented_packets_total", NULL,
                      "packets sent cut into fragments (larger than the path MTU)"},
};

static const struct {
	unsigned char family;
	const char *label;
} counter_map[ZT_CTR_COUNT] = {
    [ZT_CTR_RX_PACKETS] = {F_RECEIVED, NULL},
    [ZT_CTR_RX_MALFORMED] = {F_DROPS, NULL},
    [ZT_CTR_RX_AUTH_FAIL] = {F_DROPS, NULL},
    [ZT_CTR_RX_REPLAY] = {F_DROPS, NULL},
    [ZT_CTR_RX_NO_SESSION] = {F_DROPS, NULL},
    [ZT_CTR_RX_UNKNOWN_PEER] = {F_DROPS, NULL},
    [ZT_CTR_HS_INIT_RX] = {F_HANDSHAKES, "init_received"},
    [ZT_CTR_HS_COOKIE_SENT] = {F_HANDSHAKES, "cookie_sent"},
    [ZT_CTR_HS_REJECTED] = {F_DROPS, NULL},
    [ZT_CTR_FRAG_DROPPED] = {F_DROPS, NULL},
    [ZT_CTR_RELAYED] = {F_RELAYED, NULL},
    [ZT_CTR_FRAMES_IN] = {F_FRAMES, "rx"},
    [ZT_CTR_FRAMES_OUT] = {F_FRAMES, "tx"},
    [ZT_CTR_FRAMES_DROPPED] = {F_DROPS, NULL},
    [ZT_CTR_FORGED_SRC_MAC] = {F_DROPS, NULL},
    [ZT_CTR_COM_REJECTED] = {F_DROPS, NULL},
    [ZT_CTR_NETCONF_BAD] = {F_DROPS, NULL},
    [ZT_CTR_PUNCH_PROBES] = {F_PROBES, "punch"},
    [ZT_CTR_PATH_LOST] = {F_PATHS_LOST, NULL},
    [ZT_CTR_MC_REFUSED] = {F_DROPS, NULL},
    [ZT_CTR_MC_UNWANTED] = {F_DROPS, NULL},
    [ZT_CTR_BRIDGE_LOOP] = {F_DROPS, NULL},
    [ZT_CTR_NOT_FOR_US] = {F_DROPS, NULL},
    [ZT_CTR_PMTU_PROBES] = {F_PROBES, "pmtu"},
    [ZT_CTR_NO_MEMORY] = {F_DROPS, NULL},
    [ZT_CTR_TX_FRAGMENTED] = {F_FRAGMENTED, NULL},
    [ZT_CTR_FORGED_SRC_IP] = {F_DROPS, NULL},
    [ZT_CTR_FORGED_LLADDR] = {F_DROPS, NULL},
    [ZT_CTR_PATH_UNPROVEN] = {F_DROPS, NULL},
    [ZT_CTR_RATE_LIMITED] = {F_DROPS, NULL},
    [ZT_CTR_ID_VERIFY] = {F_WORK, "identity_verify"},
    [ZT_CTR_HS_DH] = {F_WORK, "x25519"},
    [ZT_CTR_HS_REPLAY_DROP] = {F_DROPS, NULL},
    [ZT_CTR_HS_OVER_BUDGET] = {F_DROPS, NULL},
    [ZT_CTR_PEER_EVICTED] = {F_DROPS, NULL},
    [ZT_CTR_TX_FAILED] = {F_DROPS, NULL},
    [ZT_CTR_RELAYED_BYTES] = {F_RELAYED_BYTES, NULL},
    [ZT_CTR_RULES_DROP_OUT] = {F_DROPS, NULL},
    [ZT_CTR_RULES_DROP_IN] = {F_DROPS, NULL},
    [ZT_CTR_CREDS_REJECTED] = {F_DROPS, NULL},
};

void zt_metrics_counter_family(enum zt_counter c, const char **family, const char **label)
{
	*family = *label = NULL;
	if ((int)c < 0 || c >= ZT_CTR_COUNT || counter_map[c].family == F_NONE)
		return;
	*family = families[counter_map[c].family].name;
	*label = counter_map[c].label ? counter_map[c].label : zt_counter_name(c);
}

static void core_counters(struct zt_metrics *m, const struct zt_node *node,
                          const struct zt_nodeudp *u, const struct zt_tcp_set *tcp)
{
	for (int f = F_NONE + 1; f < F_COUNT; f++) {
		zt_metrics_family(m, families[f].name, ZT_METRICS_COUNTER, families[f].help);
		for (int c = 0; c < ZT_CTR_COUNT; c++) {
			const char *fam, *lv;
			struct zt_metrics_label l;

			if (counter_map[c].family != f)
				continue;
			zt_metrics_counter_family((enum zt_counter)c, &fam, &lv);
			l.name = families[f].label;
			l.value = lv;
			zt_metrics_value(m, &l, l.name ? 1 : 0,
			                 zt_node_counter(node, (enum zt_counter)c));
		}
		/* The sockets' own drops belong with the core's. */
		if (f == F_DROPS && u != NULL) {
			struct zt_metrics_label l = {"reason", "udp_send_full"};
			zt_metrics_value(m, &l, 1, u->send_drops);
		}
		if (f == F_DROPS && tcp != NULL) {
			struct zt_metrics_label l = {"reason", "tcp_send_full"};
			zt_metrics_value(m, &l, 1, tcp->dropped);
		}
	}
}

/* Peers by role and by the kind of path in use: "tcp" when it (or the
 * relaying root's) is a TCP connection. */
static const char *const kinds[] = {"direct", "relayed", "tcp", "none"};
static const char *const roles[] = {"leaf", "root"};

static int path_kind(const struct zt_peer_info *p)
{
	if (p->path == ZT_PATH_NONE)
		return 3;
	if (p->tcp)
		return 2;
	return p->path == ZT_PATH_DIRECT ? 0 : 1;
}

/* What a walk over all peers sums up, and the first `cap` of them. */
struct peer_walk {
	uint64_t count[2][4];
	uint64_t sessions;
	struct zt_peer_info *kept;
	size_t nkept, cap;
};

static void walk_peer(void *ctx, const struct zt_peer_info *p)
{
	struct peer_walk *w = ctx;

	w->count[p->role == ZT_ROLE_ROOT ? 1 : 0][path_kind(p)]++;
	if (p->session)
		w->sessions++;
	if (w->nkept < w->cap)
		w->kept[w->nkept++] = *p;
}

static void peer_families(struct zt_metrics *m, const struct peer_walk *w)
{
	char id[16];

	zt_metrics_family(m, "zt_peers", ZT_METRICS_GAUGE,
	                  "peers by role and by the kind of path in use (tcp: a TCP connection, "
	                  "to the peer or to the root relaying)");
	for (int r = 0; r < 2; r++)
		for (int j = 0; j < 4; j++) {
			struct zt_metrics_label l[2] = {{"role", roles[r]}, {"path", kinds[j]}};
			zt_metrics_value(m, l, 2, w->count[r][j]);
		}
	zt_metrics_gauge(m, "zt_peer_sessions", "peers with an established session",
	                 (double)w->sessions);
	if (w->kept == NULL)
		return;
	/* ZeroTier's names where it has the same metric (zt_peer_packets);
	 * its zt_peer_latency is a histogram of samples and its
	 * zt_peer_path_count splits alive and dead paths, which zt does not
	 * track: those get names of their own. */
	zt_metrics_family(m, "zt_peer_latency_seconds", ZT_METRICS_GAUGE,
	                  "smoothed round-trip time of the path in use to a peer");
	for (size_t i = 0; i < w->nkept; i++) {
		struct zt_metrics_label l = {"node_id", id};
		if (w->kept[i].latency_ms < 0)
			continue;
		snprintf(id, sizeof id, "%010" PRIx64, w->kept[i].address);
		zt_metrics_value_f(m, &l, 1, w->kept[i].latency_ms / 1000.0);
	}
	zt_metrics_family(m, "zt_peer_direct_paths", ZT_METRICS_GAUGE,
	                  "direct paths (endpoints) known to a peer");
	for (size_t i = 0; i < w->nkept; i++) {
		struct zt_metrics_label l = {"node_id", id};
		snprintf(id, sizeof id, "%010" PRIx64, w->kept[i].address);
		zt_metrics_value(m, &l, 1, w->kept[i].direct_paths);
	}
	zt_metrics_family(m, "zt_peer_packets_total", ZT_METRICS_COUNTER,
	                  "packets received from (rx) and sent to (tx) a peer");
	for (size_t i = 0; i < w->nkept; i++) {
		struct zt_metrics_label rx[2] = {{"node_id", id}, {"direction", "rx"}};
		struct zt_metrics_label tx[2] = {{"node_id", id}, {"direction", "tx"}};
		snprintf(id, sizeof id, "%010" PRIx64, w->kept[i].address);
		zt_metrics_value(m, rx, 2, w->kept[i].rx_packets);
		zt_metrics_value(m, tx, 2, w->kept[i].tx_packets);
	}
}

/* The per-network families: one value of struct zt_network_info each. */
enum net_value {
	NV_MULTICAST_GROUPS,
	NV_MEMBERS_KNOWN,
	NV_FLOWS,
	NV_FLOWS_MAX,
	NV_FLOWS_INSERTED,
	NV_FLOWS_EXPIRED,
	NV_FLOWS_EVICTED,
};

static const struct {
	const char *name;
	enum zt_metrics_type type;
	const char *help;
	enum net_value v;
} net_families[] = {
    {"zt_network_multicast_groups_subscribed", ZT_METRICS_GAUGE,
     "multicast groups the host subscribed to on a network", NV_MULTICAST_GROUPS},
    {"zt_network_members_known", ZT_METRICS_GAUGE, "peers known to be members of a network",
     NV_MEMBERS_KNOWN},
    /* The `established` flow table (doc/rules.md): all 0 while the rules
     * use none; made anew, so counted anew, when the rules change (a
     * counter reset, as Prometheus's rate() expects them). */
    {"zt_network_flows", ZT_METRICS_GAUGE, "connections in a network's flow table", NV_FLOWS},
    {"zt_network_flows_max", ZT_METRICS_GAUGE, "the bound of a network's flow table", NV_FLOWS_MAX},
    {"zt_network_flows_inserted_total", ZT_METRICS_COUNTER,
     "flows made since the network's rules last changed", NV_FLOWS_INSERTED},
    {"zt_network_flows_expired_total", ZT_METRICS_COUNTER,
     "flows taken out after their timeout since the rules last changed", NV_FLOWS_EXPIRED},
    {"zt_network_flows_evicted_total", ZT_METRICS_COUNTER,
     "live flows that gave way to new ones since the rules last changed", NV_FLOWS_EVICTED},
};

static uint64_t net_value(const struct zt_network_info *n, enum net_value v)
{
	switch (v) {
	case NV_MULTICAST_GROUPS: return n->multicast_groups;
	case NV_MEMBERS_KNOWN: return n->members_known;
	case NV_FLOWS: return n->flows;
	case NV_FLOWS_MAX: return n->flows_max;
	case NV_FLOWS_INSERTED: return n->flows_inserted;
	case NV_FLOWS_EXPIRED: return n->flows_expired;
	case NV_FLOWS_EVICTED: return n->flows_evicted;
	}
	return 0;
}

static void network_families(struct zt_metrics *m, const struct zt_node *node)
{
	struct zt_network_info nets[ZT_METRICS_MAX_NETWORKS];
	size_t total = zt_node_networks(node, nets, ZT_METRICS_MAX_NETWORKS), n = total;
	char id[20];

	if (n > ZT_METRICS_MAX_NETWORKS)
		n = ZT_METRICS_MAX_NETWORKS;
	zt_metrics_gauge(m, "zt_num_networks", "networks this node is a member of", (double)total);
	for (size_t f = 0; f < sizeof net_families / sizeof net_families[0]; f++) {
		zt_metrics_family(m, net_families[f].name, net_families[f].type,
		                  net_families[f].help);
		for (size_t i = 0; i < n; i++) {
			struct zt_metrics_label l = {"network_id", id};
			snprintf(id, sizeof id, "%016" PRIx64, nets[i].nwid);
			zt_metrics_value(m, &l, 1, net_value(&nets[i], net_families[f].v));
		}
	}
}

void zt_metrics_node(struct zt_metrics *m, const struct zt_node *node, int64_t now,
                     const struct zt_nodeudp *u, const struct zt_tcp_set *tcp, bool per_peer)
{
	struct peer_walk w;

	zt_metrics_family(m, "zt_build_info", ZT_METRICS_GAUGE, "the version running (always 1)");
	{
		struct zt_metrics_label l = {"version", zt_version()};
		zt_metrics_value(m, &l, 1, 1);
	}
	zt_metrics_gauge(m, "zt_online", "1 while a session with a root is up",
	                 zt_node_online(node) ? 1 : 0);
	core_counters(m, node, u, tcp);
	if (u != NULL || tcp != NULL) {
		/* ZeroTier's zt_data (bytes, by protocol and direction), and
		 * the datagrams. */
		struct zt_metrics_label l[4][2] = {{{"protocol", "udp"}, {"direction", "rx"}},
		                                   {{"protocol", "udp"}, {"direction", "tx"}},
		                                   {{"protocol", "tcp"}, {"direction", "rx"}},
		                                   {{"protocol", "tcp"}, {"direction", "tx"}}};

		zt_metrics_family(m, "zt_data_total", ZT_METRICS_COUNTER,
		                  "bytes received and sent (tx: queued) on the UDP sockets and TCP "
		                  "connections");
		if (u != NULL) {
			zt_metrics_value(m, l[0], 2, u->rx_bytes);
			zt_metrics_value(m, l[1], 2, u->tx_bytes);
		}
		if (tcp != NULL) {
			zt_metrics_value(m, l[2], 2, tcp->rx_bytes);
			zt_metrics_value(m, l[3], 2, tcp->tx_bytes);
		}
		zt_metrics_family(m, "zt_datagrams_total", ZT_METRICS_COUNTER,
		                  "datagrams received and sent (tx: queued) on the UDP sockets and "
		                  "TCP connections");
		if (u != NULL) {
			zt_metrics_value(m, l[0], 2, u->rx_packets);
			zt_metrics_value(m, l[1], 2, u->tx_packets);
		}
		if (tcp != NULL) {
			zt_metrics_value(m, l[2], 2, tcp->rx_packets);
			zt_metrics_value(m, l[3], 2, tcp->tx_packets);
		}
	}
	/* The aggregates walk every peer (a root may have a million); the
	 * per-peer families show the first ZT_METRICS_MAX_PEERS. */
	memset(&w, 0, sizeof w);
	if (per_peer) {
		w.cap = ZT_METRICS_MAX_PEERS;
		w.kept = calloc(w.cap, sizeof *w.kept);
		if (w.kept == NULL) {
			m->failed = true;
			return;
		}
	}
	(void)zt_node_peers_each(node, now, walk_peer, &w);
	peer_families(m, &w);
	free(w.kept);
	network_families(m, node);
}

/* ---- serving ---- */

void zt_metrics_reply(struct zt_httpd_reply *reply, zt_metrics_fill_fn fill, void *ctx)
{
	struct zt_metrics m;

	zt_metrics_begin(&m, 0);
	fill(ctx, &m);
	reply->body = zt_metrics_finish(&m, &reply->body_len);
	if (reply->body == NULL) {
		reply->status = 500;
		reply->body = strdup("{\"error\":500,\"description\":\"metrics too large\"}");
		reply->body_len = reply->body ? strlen(reply->body) : 0;
		return;
	}
	reply->status = 200;
	reply->content_type = ZT_METRICS_CONTENT_TYPE;
}

struct zt_metrics_server {
	struct zt_httpd *httpd;
	zt_metrics_fill_fn fill;
	void *ctx;
};

static void text_reply(struct zt_httpd_reply *reply, int status, const char *text)
{
	reply->status = status;
	reply->body = strdup(text);
	reply->body_len = reply->body ? strlen(reply->body) : 0;
	reply->content_type = "text/plain; charset=utf-8";
}

static void server_handle(void *ctx, const struct zt_http_request *req,
                          struct zt_httpd_reply *reply)
{
	struct zt_metrics_server *s = ctx;

	if (!zt_http_str_eq(&req->path, "/metrics")) {
		text_reply(reply, 404, "only /metrics here\n");
	} else if (!zt_http_str_eq(&req->method, "GET")) {
		reply->extra_headers = "Allow: GET\r\n";
		text_reply(reply, 405, "use GET\n");
	} else {
		zt_metrics_reply(reply, s->fill, s->ctx);
	}
}

int zt_metrics_check_addr(const char *addr, char *err, size_t errcap)
{
	struct sockaddr_storage ss;
	socklen_t len;

	if (zt_args_listen_addr(addr, &ss, &len) < 0) {
		snprintf(err, errcap,
		         "--metrics %.48s: expected IP:PORT (127.0.0.1:9100 or [::1]:9100, port "
		         "1-65535)",
		         addr);
		return -EINVAL;
	}
	return 0;
}

int zt_metrics_listen(struct zt_metrics_server **out, struct zt_evloop *loop, const char *addr,
                      zt_metrics_fill_fn fill, void *ctx, char *err, size_t errcap)
{
	struct zt_metrics_server *s;
	struct sockaddr_storage ss;
	socklen_t len;
	int r;

	*out = NULL;
	if (zt_metrics_check_addr(addr, err, errcap) < 0 ||
	    zt_args_listen_addr(addr, &ss, &len) < 0)
		return -EINVAL;
	s = calloc(1, sizeof *s);
	if (s == NULL) {
		snprintf(err, errcap, "out of memory");
		return -ENOMEM;
	}
	s->fill = fill;
	s->ctx = ctx;
	r = zt_httpd_listen(&s->httpd, loop, (const struct sockaddr *)&ss, len, server_handle, s);
	if (r < 0) {
		snprintf(err, errcap, "--metrics %s: cannot listen: %s%s", addr, strerror(-r),
		         r == -EADDRINUSE      ? " (choose another port)"
		         : r == -EADDRNOTAVAIL ? " (not an address of this host)"
		                               : "");
		free(s);
		return r;
	}
	*out = s;
	return 0;
}

int64_t zt_metrics_expire(struct zt_metrics_server *s, int64_t now)
{
	return s ? zt_httpd_expire(s->httpd, now) : INT64_MAX;
}

void zt_metrics_server_free(struct zt_metrics_server *s)
{
	if (s == NULL)
		return;
	zt_httpd_free(s->httpd);
	free(s);
}
