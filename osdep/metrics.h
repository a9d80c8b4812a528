/* SPDX-License-Identifier: MIT */
/*
 * metrics.h - Prometheus metrics in the text exposition format 0.0.4, for
 * ztd's GET /metrics and the --metrics listeners of zt-root and
 * zt-controller.
 *
 * A scrape writes families one after the other into a buffer that grows
 * up to ZT_METRICS_MAX bytes: every family is "# HELP", "# TYPE" and its
 * samples; label values and help texts are escaped as the format says;
 * a name that is not a valid metric or label name, or a counter whose name
 * does not end in _total, fails the scrape rather than emitting text a
 * scraper would refuse.  What the three programs share (the core's
 * counters, peers and paths, UDP traffic) is zt_metrics_node; each adds
 * its own families.  doc/API.md lists every name.
 */
#ifndef ZT_OSDEP_METRICS_H
#define ZT_OSDEP_METRICS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "node/zt.h"

/* A scrape larger than this fails (500): the per-peer families stop at
 * ZT_METRICS_MAX_PEERS peers, so only a bug gets there. */
#define ZT_METRICS_MAX          (1024 * 1024)
#define ZT_METRICS_MAX_PEERS    1000
#define ZT_METRICS_MAX_NETWORKS 64 /* per-network families (zt_num_networks counts all) */
#define ZT_METRICS_HIST_MAX     16 /* buckets of a histogram (+Inf not counted) */
#define ZT_METRICS_CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"

enum zt_metrics_type { ZT_METRICS_COUNTER = 1, ZT_METRICS_GAUGE, ZT_METRICS_HISTOGRAM };

struct zt_metrics_label {
	const char *name;
	const char *value;
};

/* One scrape being written. */
struct zt_metrics {
	char *buf; /* malloc'd, NUL-terminated; taken by zt_metrics_finish */
	size_t len, cap, max;
	bool failed; /* out of room or memory, or an invalid name */
	enum zt_metrics_type type;
	char family[96];
};

/* A histogram: cumulative on output, as the format wants.  bounds are
 * the upper bounds in increasing order (static, at most
 * ZT_METRICS_HIST_MAX). */
struct zt_metrics_hist {
	const double *bounds;
	size_t nbounds;
	uint64_t counts[ZT_METRICS_HIST_MAX + 1]; /* per bucket; the last: above all */
	uint64_t count;
	double sum;
};

/* Start a scrape of at most max bytes (0: ZT_METRICS_MAX). */
void zt_metrics_begin(struct zt_metrics *m, size_t max);
/* The text (malloc'd, NUL-terminated, *len bytes) to send, or NULL if the
 * scrape failed; m is emptied either way. */
char *zt_metrics_finish(struct zt_metrics *m, size_t *len);

/* A family: its HELP and TYPE lines.  Samples that follow belong to it. */
void zt_metrics_family(struct zt_metrics *m, const char *name, enum zt_metrics_type type,
                       const char *help);
/* A sample of the current counter or gauge family with nlabels labels. */
void zt_metrics_value(struct zt_metrics *m, const struct zt_metrics_label *labels, size_t nlabels,
                      uint64_t v);
void zt_metrics_value_f(struct zt_metrics *m, const struct zt_metrics_label *labels, size_t nlabels,
                        double v);
/* A family of one unlabelled sample. */
void zt_metrics_counter(struct zt_metrics *m, const char *name, const char *help, uint64_t v);
void zt_metrics_gauge(struct zt_metrics *m, const char *name, const char *help, double v);

void zt_metrics_hist_init(struct zt_metrics_hist *h, const double *bounds, size_t nbounds);
void zt_metrics_hist_observe(struct zt_metrics_hist *h, double v);
/* The _bucket, _sum and _count samples of h in the current histogram
 * family. */
void zt_metrics_hist_write(struct zt_metrics *m, const struct zt_metrics_label *labels,
                           size_t nlabels, const struct zt_metrics_hist *h);

/* What every program has: the node's counters (drops by reason,
 * handshakes, relaying...), its peers by role and path kind, its networks;
 * per peer (per_peer; the first ZT_METRICS_MAX_PEERS) latency, paths and
 * packets; and the traffic of its UDP sockets and TCP connections (each
 * may be NULL). */
struct zt_nodeudp;
struct zt_tcp_set;
void zt_metrics_node(struct zt_metrics *m, const struct zt_node *node, int64_t now,
                     const struct zt_nodeudp *u, const struct zt_tcp_set *tcp, bool per_peer);

/* The family and label value a core counter is shown with (NULL family:
 * not shown, which the unit test forbids). */
void zt_metrics_counter_family(enum zt_counter c, const char **family, const char **label);

/* ---- serving ---- */

struct zt_evloop;
struct zt_httpd;
struct zt_http_request;
struct zt_httpd_reply;

/* Writes a program's metrics into m. */
typedef void (*zt_metrics_fill_fn)(void *ctx, struct zt_metrics *m);

/* Answer a request for /metrics with what fill writes (or 500). */
void zt_metrics_reply(struct zt_httpd_reply *reply, zt_metrics_fill_fn fill, void *ctx);

/* A listener that serves GET /metrics (nothing else) on addr ("IP:PORT",
 * "[IPv6]:PORT"), without a token: bind it where only the scraper
 * reaches.  0, or a negative errno with a one-line reason in err. */
struct zt_metrics_server;
/* Is addr such an address?  0, or -EINVAL with a one-line reason in err
 * (for the command line, before anything starts). */
int zt_metrics_check_addr(const char *addr, char *err, size_t errcap);
int zt_metrics_listen(struct zt_metrics_server **out, struct zt_evloop *loop, const char *addr,
                      zt_metrics_fill_fn fill, void *ctx, char *err, size_t errcap);
/* Call from the loop as zt_httpd_expire (returns the next time). */
int64_t zt_metrics_expire(struct zt_metrics_server *s, int64_t now);
void zt_metrics_server_free(struct zt_metrics_server *s);

#endif
