/* SPDX-License-Identifier: MIT */
/*
 * ctld.c - zt-controller's run time (see ctld.h).  Single-threaded: the
 * core, the store and the API all run from the event loop, so a config
 * request and an admin write never overlap.
 */
#include "controller/ctld.h"

#include <errno.h>
#include <inttypes.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "controller/capi.h"
#include "controller/ctl.h"
#include "controller/store.h"
#include "controller/store_timed.h"
#include "controller/ui.h"
#include "osdep/args.h"
#include "osdep/clock.h"
#include "osdep/evloop.h"
#include "osdep/home.h"
#include "osdep/httpd.h"
#include "osdep/idfile.h"
#include "osdep/log.h"
#include "osdep/metrics.h"
#include "osdep/nodeudp.h"
#include "osdep/random.h"
#include "osdep/state.h"
#include "osdep/version.h"

#define MAX_SLEEP_MS 1000
/* Queued pushes sent per turn of the loop (each signs a config): about a
 * few milliseconds of work, so that the API and members' requests are
 * served in between. */
#define PUSHES_PER_TURN 32
/* The audit trail is trimmed to its retention this often. */
#define AUDIT_PRUNE_MS (10 * 60 * 1000)

struct ctld {
	struct zt_ctld_config cfg;
	struct zt_evloop *loop;
	struct zt_node *node;
	struct zt_identity id;
	char public_text[ZT_IDENTITY_PUBLIC_TEXT];
	char token[ZT_STATE_TOKEN_MAX + 1];
	struct zt_nodeudp u;
	struct zt_httpd *httpd;
	struct zt_ctl ctl;
	struct zt_capi api;
	uint16_t api_port;
	struct zt_ui *ui;                  /* --ui, or NULL */
	struct zt_httpd *ui_httpd;         /* its listener */
	struct zt_metrics_server *metrics; /* --metrics, or NULL */
	/* Config requests answered, by verdict (enum zt_netconf_verdict). */
	uint64_t verdicts[ZT_NETCONF_BAD_INVITE + 1];
	int lock_fd;
	/* PostgreSQL (store_pg.c): the store under the timing wrapper, or
	 * NULL.  Not leading, this controller is a standby: no node, no UDP;
	 * its API writes to the database and notifies the leader. */
	struct zt_store *pg;
	bool leading;
	bool failed;        /* stopped for an error (exit status 1) */
	int64_t lead_tried; /* standby: when the lead was last tried */
	struct zt_roots roots;
	bool have_roots;
	int64_t deadline;
	int64_t audit_pruned; /* when the audit trail was last trimmed */
};

static int host_wire_send(void *ctx, int64_t sock, const struct zt_endpoint *to, const void *pkt,
                          size_t len)
{
	struct ctld *d = ctx;

	return zt_nodeudp_send(&d->u, sock, to, pkt, len);
}

static enum zt_netconf_verdict
host_netconf(void *ctx, int64_t now, const struct zt_netconf_request *req, struct zt_netconf *conf)
{
	struct ctld *d = ctx;
	uint64_t errs = d->ctl.store_errors, keys = d->ctl.key_refused;
	enum zt_netconf_verdict v = zt_ctl_netconf_request(&d->ctl, now, req, conf);
	static const char *const names[] = {"OK", "ACCESS_DENIED", "NOT_FOUND", "no answer",
	                                    "ACCESS_DENIED (bad invite)"};

	if ((unsigned)v < sizeof d->verdicts / sizeof d->verdicts[0])
		d->verdicts[v]++;

	if (d->ctl.store_errors != errs)
		zt_log_error("network %016" PRIx64
		             ": the database failed while answering %010" PRIx64
		             " (disk full or read-only?)",
		             req->nwid, req->member);
	if (d->ctl.key_refused != keys)
		zt_log_warn("network %016" PRIx64 ": refused %010" PRIx64
		            ": its key is not the one this address was first seen with (an "
		            "attack, or a reinstalled member: delete its record to let the new "
		            "key in)",
		            req->nwid, req->member);
	zt_log_debug("network %016" PRIx64 ": member %010" PRIx64 " asked (revision %" PRIu64
	             "): %s",
	             req->nwid, req->member, req->have_revision, names[v]);
	return v;
}

static int64_t api_now(void *ctx)
{
	(void)ctx;
	return zt_clock_now();
}

static void api_changed(void *ctx)
{
	struct ctld *d = ctx;
	/* Pushes were queued by the API handler: the loop sends them now. */
	d->deadline = zt_clock_now();
}

/* The controller's metrics: the node's (no per-peer families, as
 * ZeroTier's controllers), config requests by verdict, what the store
 * holds (ZeroTier's controller_network_count and controller_member_count)
 * and how long each database call took. */
static void fill_metrics(void *ctx, struct zt_metrics *m)
{
	static const char *const results[] = {"ok", "access_denied", "not_found", "no_answer",
	                                      "bad_invite"};
	struct ctld *d = ctx;
	uint64_t networks = 0, members = 0;

	if (d->node != NULL)
		zt_metrics_node(m, d->node, zt_clock_now(), &d->u, NULL, false);
	zt_metrics_family(m, "zt_controller_config_requests_total", ZT_METRICS_COUNTER,
	                  "config requests from members, by the answer");
	for (size_t i = 0; i < sizeof results / sizeof results[0]; i++) {
		struct zt_metrics_label l = {"result", results[i]};
		zt_metrics_value(m, &l, 1, d->verdicts[i]);
	}
	zt_metrics_counter(m, "zt_controller_rate_limited_total",
	                   "config requests not answered for a rate limit", d->ctl.rate_limited);
	zt_metrics_counter(m, "zt_controller_db_errors_total",
	                   "database calls that failed while answering members",
	                   d->ctl.store_errors);
	(void)d->ctl.store->ops->count(d->ctl.store, &networks, &members);
	zt_metrics_gauge(m, "controller_network_count", "networks the controller serves",
	                 (double)networks);
	zt_metrics_gauge(m, "controller_member_count", "members of the controller's networks",
	                 (double)members);
	zt_store_timed_metrics(d->ctl.store, m);
}

/* Keep the audit trail within --audit-days and the row cap. */
static void audit_prune(struct ctld *d, int64_t now)
{
	int64_t keep_ms = (int64_t)d->cfg.audit_days * 24 * 3600 * 1000;
	uint64_t gone = 0;

	d->audit_pruned = now;
	if (d->ctl.store->ops->audit_prune(d->ctl.store, d->cfg.audit_days ? now - keep_ms : 0,
	                                   d->cfg.audit_rows, &gone) != ZT_OK)
		zt_log_error("the audit trail could not be trimmed (disk full or read-only?)");
	else if (gone > 0)
		zt_log_info("audit trail: %" PRIu64 " entries past the retention (%u days, %" PRIu64
		            " entries) deleted",
		            gone, d->cfg.audit_days, d->cfg.audit_rows);
}

static void on_batch(void *ctx, const struct zt_wire_pkt *pkts, size_t n)
{
	struct ctld *d = ctx;
	int64_t dl = d->deadline;

	(void)zt_node_process_wire_batch(d->node, zt_clock_now(), pkts, n, &dl);
	d->deadline = dl;
}

/* A standby's change: the leader pushes it (LISTEN/NOTIFY, store.h). */
static void notify_leader(void *ctx, uint64_t nwid, uint64_t member, bool deauthorized)
{
	struct ctld *d = ctx;

	if (zt_store_pg_notify(d->pg, nwid, member, deauthorized) != ZT_OK)
		zt_log_error("network %016" PRIx64 ": the change of %010" PRIx64
		             " could not be told to the leading controller (members get it "
		             "when they next ask)",
		             nwid, member);
}

/* The leader: a change made through another controller's API. */
static void on_pg_change(void *ctx, uint64_t nwid, uint64_t member, bool deauthorized)
{
	struct ctld *d = ctx;

	zt_log_debug("network %016" PRIx64 ": %010" PRIx64 " changed on another controller", nwid,
	             member);
	zt_ctl_changed(&d->ctl, zt_clock_now(), nwid, member, deauthorized);
}

static void pg_changes(struct ctld *d)
{
	if (d->pg == NULL || !d->leading)
		return;
	if (zt_store_pg_changes(d->pg, on_pg_change, d) != ZT_OK) {
		/* The session, and the advisory lock with it, is gone: a
		 * standby may lead already.  Stop rather than answer for
		 * networks another controller answers for. */
		zt_log_error("lost the connection to PostgreSQL, and with it the lead: stopping");
		d->failed = true;
		zt_evloop_stop(d->loop, -1);
	}
}

static void on_pg_readable(void *ctx, int fd, unsigned events)
{
	(void)fd;
	(void)events;
	pg_changes(ctx);
}

static int check_net_owner(void *ctx, const char *id, const char *json)
{
	uint64_t *mismatch = ctx, nwid;
	(void)json;
	if (zt_nwid_parse(id, &nwid) == ZT_OK && nwid >> 24 != mismatch[0]) {
		mismatch[1] = nwid;
		return 1;
	}
	return 0;
}

/* The identity is the networks' (their ids begin with its address):
 * every controller of one PostgreSQL database has the same
 * identity.secret in its HOMEDIR.  Checked at start and again when a
 * standby takes the lead (the networks read once, not their members). */
static int check_identity(struct ctld *d, char *err, size_t errcap)
{
	uint64_t mismatch[2] = {d->id.address, 0};

	if (d->ctl.store->ops->net_list(d->ctl.store, check_net_owner, mismatch) != ZT_OK) {
		snprintf(err, errcap, "cannot read the networks from PostgreSQL");
		return -EIO;
	}
	if (mismatch[1] != 0) {
		snprintf(err, errcap,
		         "network %016" PRIx64 " in the database belongs to controller %010" PRIx64
		         ", not to this identity (%010" PRIx64
		         "): every controller of one database needs the same identity.secret "
		         "in its HOMEDIR",
		         mismatch[1], mismatch[1] >> 24, d->id.address);
		return -EINVAL;
	}
	return 0;
}

/* Answer members: the node on UDP, with the identity, the roots and the
 * pushes (at start, or when a standby takes the lead). */
static int lead(struct ctld *d, char *err, size_t errcap)
{
	const struct zt_ctld_config *cfg = &d->cfg;
	struct zt_host host;
	int64_t now = zt_clock_now();
	int r;

	if (d->pg != NULL) {
		r = check_identity(d, err, errcap);
		if (r < 0)
			return r;
		if (zt_store_pg_listen(d->pg) != ZT_OK ||
		    zt_evloop_add(d->loop, zt_store_pg_socket(d->pg), ZT_EV_READ, on_pg_readable,
		                  d) < 0) {
			snprintf(err, errcap, "cannot listen for changes on PostgreSQL");
			return -EIO;
		}
		d->ctl.notify = NULL;
	}
	r = zt_nodeudp_open(&d->u, d->loop, cfg->bind_addr, cfg->udp_port, false, false, on_batch,
	                    d, err, errcap);
	if (r < 0)
		return r;
	zt_nodeudp_host(&host, d);
	host.wire_send = host_wire_send;
	host.netconf_request = host_netconf;
	r = zt_nodeudp_node_new(&d->u, &d->node, &host, &d->id, 0, now, err, errcap);
	if (r < 0)
		return r;
	d->ctl.node = d->node;
	if (d->have_roots)
		(void)zt_node_set_roots(d->node, now, &d->roots);
	else
		zt_log_warn("no roots: pass -r ROOTSFILE; until then no member can reach this "
		            "controller");
	d->leading = true;
	d->api.udp_port = d->u.udp.port;
	d->deadline = now;
	return 0;
}

/* A standby tries the lead about once a second: the database gives it
 * as soon as the leader's session ends. */
static void standby_try(struct ctld *d, int64_t now)
{
	char err[ZT_STATE_ERR_MAX] = "";
	bool leading = false;

	if (d->pg == NULL || d->leading || now - d->lead_tried < 1000)
		return;
	d->lead_tried = now;
	if (zt_store_pg_try_lead(d->pg, &leading) != ZT_OK) {
		zt_log_error("standby: lost the connection to PostgreSQL: stopping");
		d->failed = true;
		zt_evloop_stop(d->loop, -1);
		return;
	}
	if (!leading)
		return;
	if (lead(d, err, sizeof err) < 0) {
		zt_log_error("took the lead but cannot serve: %s", err);
		d->failed = true;
		zt_evloop_stop(d->loop, -1);
		return;
	}
	zt_log_info("leading: the previous leader is gone; answering members on UDP port %u",
	            d->u.udp.port);
}

/* The web UI on --ui (ui.h): its own listener, so that the admin API
 * stays on loopback. */
static int ui_start(struct ctld *d, char *err, size_t errcap)
{
	struct sockaddr_storage ss;
	uint64_t users = 0;
	socklen_t len;
	int r;

	if (zt_args_listen_addr(d->cfg.ui_addr, &ss, &len) < 0) {
		snprintf(err, errcap, "--ui %s: expected IP:PORT (0.0.0.0:8080, [::]:8080)",
		         d->cfg.ui_addr);
		return -EINVAL;
	}
	d->ui = malloc(sizeof *d->ui);
	if (d->ui == NULL || zt_ui_init(d->ui, &d->api, d->have_roots ? &d->roots : NULL,
	                                d->cfg.ui_secure_cookie) != ZT_OK) {
		snprintf(err, errcap, "out of memory");
		return -ENOMEM;
	}
	r = zt_httpd_listen(&d->ui_httpd, d->loop, (const struct sockaddr *)&ss, len, zt_ui_handle,
	                    d->ui);
	if (r < 0) {
		snprintf(err, errcap, "--ui %s: cannot listen: %s%s", d->cfg.ui_addr, strerror(-r),
		         r == -EADDRINUSE ? " (choose another port)" : "");
		return r;
	}
	zt_log_info("web UI on http://%s/", d->cfg.ui_addr);
	if (d->ctl.store->ops->user_count(d->ctl.store, &users) == ZT_OK && users == 0)
		zt_log_warn("the web UI has no administrator yet: run zt-controller adduser NAME "
		            "(with -D %s unless that is the default home)",
		            d->cfg.home);
	return 0;
}

static int start(struct ctld *d, char *err, size_t errcap)
{
	const struct zt_ctld_config *cfg = &d->cfg;
	char dbpath[ZT_HOME_PATH_MAX];
	bool created, leading = true;
	int64_t now = zt_clock_now();
	int r;

	r = zt_state_lock_home(cfg->home, "controller.pid", "zt-controller", &d->lock_fd, err,
	                       errcap);
	if (r < 0)
		return r;
	if (cfg->db == NULL) {
		if (zt_home_path(dbpath, sizeof dbpath, cfg->home, "controller.db") < 0) {
			snprintf(err, errcap, "home directory path too long");
			return -ENAMETOOLONG;
		}
	} else {
		snprintf(dbpath, sizeof dbpath, "%s", cfg->db);
	}
	/* The database first: a second controller on it is refused before
	 * it writes anything (store_sqlite.c locks it; on PostgreSQL the
	 * lead is an advisory lock, store_pg.c). */
	if (zt_store_is_pg(dbpath)) {
		if (zt_store_pg_open(&d->ctl.store, dbpath, err, errcap) != ZT_OK)
			return -EINVAL;
		d->pg = d->ctl.store;
		snprintf(dbpath, sizeof dbpath, "PostgreSQL");
		if (zt_store_pg_try_lead(d->pg, &leading) != ZT_OK) {
			snprintf(err, errcap, "cannot take the lead on PostgreSQL");
			return -EIO;
		}
	} else if (zt_store_sqlite_open(&d->ctl.store, dbpath, err, errcap) != ZT_OK) {
		return -EINVAL;
	}
	/* Every database call timed, for the metrics. */
	if (zt_store_timed_wrap(&d->ctl.store, d->ctl.store) != ZT_OK) {
		snprintf(err, errcap, "out of memory");
		return -ENOMEM;
	}
	r = zt_state_roots(cfg->home, cfg->roots_file, &d->roots, &d->have_roots, err, errcap);
	if (r < 0)
		return r;
	r = zt_idfile_load_home(cfg->home, &d->id, &created);
	if (r < 0) {
		snprintf(err, errcap,
		         "cannot read or create %s/" ZT_IDFILE_SECRET ": %s (a damaged identity "
		         "must be restored from a backup: its address is in every network id)",
		         cfg->home, strerror(-r));
		return r;
	}
	(void)zt_identity_to_text(&d->id, false, d->public_text, sizeof d->public_text);
	r = zt_state_token(cfg->home, d->token, sizeof d->token, err, errcap);
	if (r < 0)
		return r;
	d->ctl.address = d->id.address;
	audit_prune(d, now);

	if (leading) {
		r = lead(d, err, errcap);
		if (r < 0)
			return r;
	} else {
		r = check_identity(d, err, errcap);
		if (r < 0)
			return r;
		d->ctl.notify = notify_leader;
		d->ctl.notify_ctx = d;
		d->lead_tried = now;
	}

	d->api.ctl = &d->ctl;
	d->api.token = d->token;
	d->api.public_identity = d->public_text;
	d->api.udp_port = leading ? d->u.udp.port : cfg->udp_port;
	d->api.bind_addr = cfg->bind_addr;
	d->api.home = cfg->home;
	d->api.roots_stamp = d->have_roots ? d->roots.timestamp : 0;
	d->api.now = api_now;
	d->api.random = zt_random_fill;
	d->api.ctx = d;
	d->api.after_change = api_changed;
	d->api_port = cfg->api_port >= 0 ? (uint16_t)cfg->api_port
	              : leading          ? d->u.udp.port
	                                 : cfg->udp_port;
	r = zt_httpd_new(&d->httpd, d->loop, d->api_port, zt_capi_handle, &d->api);
	if (r == -EADDRINUSE)
		snprintf(err, errcap,
		         "API port %u (TCP on 127.0.0.1) is already in use: choose another with -P",
		         d->api_port);
	else if (r < 0)
		snprintf(err, errcap, "cannot listen on 127.0.0.1:%u: %s", d->api_port,
		         strerror(-r));
	if (r < 0)
		return r;
	r = zt_state_write_port(cfg->home, d->api_port, err, errcap);
	if (r < 0)
		return r;
	if (cfg->ui_addr != NULL) {
		r = ui_start(d, err, errcap);
		if (r < 0)
			return r;
	}
	if (cfg->metrics_addr != NULL) {
		r = zt_metrics_listen(&d->metrics, d->loop, cfg->metrics_addr, fill_metrics, d, err,
		                      errcap);
		if (r < 0)
			return r;
		zt_log_info("metrics on http://%s/metrics", cfg->metrics_addr);
	}
	d->deadline = now;
	if (leading)
		zt_log_info("zt-controller %s address %010" PRIx64
		            ", UDP port %u, API 127.0.0.1:%u, database %s",
		            zt_version(), d->id.address, d->u.udp.port, d->api_port, dbpath);
	else
		zt_log_info("zt-controller %s address %010" PRIx64
		            ", API 127.0.0.1:%u, database %s: standby (another zt-controller "
		            "leads; its API's changes go to the leader; trying the lead every "
		            "second)",
		            zt_version(), d->id.address, d->api_port, dbpath);
	printf("%010" PRIx64 "\n", d->id.address);
	fflush(stdout);
	return 0;
}

static void run_loop(struct ctld *d)
{
	while (!zt_evloop_stopped(d->loop)) {
		int64_t now = zt_clock_now(), next, api_next, timeout;
		bool more;
		int r;

		/* The admin's changes, pushed a slice per turn (ctl.h); with
		 * more to send, the loop only polls before the next slice. */
		standby_try(d, now);
		/* Changes another controller told (read here too: a query's
		 * answer may have brought them in without the socket waking). */
		pg_changes(d);
		more = d->leading && zt_ctl_work(&d->ctl, now, PUSHES_PER_TURN);
		if (now - d->audit_pruned >= AUDIT_PRUNE_MS && d->leading)
			audit_prune(d, now);

		if (more)
			d->deadline = now; /* the pushes' sends may have armed timers */
		if (!d->leading)
			d->deadline = now + MAX_SLEEP_MS;
		else if (now >= d->deadline) {
			int64_t dl = now + MAX_SLEEP_MS;
			(void)zt_node_process_background(d->node, now, &dl);
			d->deadline = dl <= now ? now + 1 : dl;
		}
		api_next = zt_httpd_expire(d->httpd, now);
		next = d->deadline < api_next ? d->deadline : api_next;
		api_next = zt_metrics_expire(d->metrics, now);
		next = next < api_next ? next : api_next;
		if (d->ui_httpd != NULL) {
			api_next = zt_httpd_expire(d->ui_httpd, now);
			next = next < api_next ? next : api_next;
		}
		timeout = next - now;
		if (timeout < 0)
			timeout = 0;
		if (timeout > MAX_SLEEP_MS)
			timeout = MAX_SLEEP_MS;
		if (more)
			timeout = 0;
		zt_nodeudp_flush(&d->u);
		r = zt_evloop_wait(d->loop, (int)timeout);
		if (r < 0) {
			zt_log_error("event loop: %s", strerror(-r));
			break;
		}
	}
}

int zt_ctld_run(const struct zt_ctld_config *cfg)
{
	struct ctld *d = calloc(1, sizeof *d);
	char err[ZT_STATE_ERR_MAX] = "";
	bool d_failed;
	int r, sig;

	if (d == NULL) {
		fprintf(stderr, "zt-controller: out of memory\n");
		return 1;
	}
	d->cfg = *cfg;
	d->lock_fd = -1;
	r = zt_evloop_new(&d->loop);
	if (r == 0)
		r = zt_evloop_catch_signals(d->loop);
	if (r < 0)
		snprintf(err, sizeof err, "cannot create the event loop: %s", strerror(-r));
	if (r == 0)
		r = start(d, err, sizeof err);
	if (r == 0) {
		run_loop(d);
		sig = zt_evloop_stopped(d->loop);
		zt_log_info("stopping (%s)", sig > 0 ? strsignal(sig) : "error");
	}
	if (r < 0)
		fprintf(stderr, "zt-controller: %s\n", err);
	if (d->pg != NULL && d->leading)
		(void)zt_evloop_del(d->loop, zt_store_pg_socket(d->pg));
	zt_metrics_server_free(d->metrics);
	zt_httpd_free(d->ui_httpd);
	if (d->ui != NULL) {
		zt_ui_cleanup(d->ui);
		free(d->ui);
	}
	zt_httpd_free(d->httpd);
	zt_node_free(d->node);
	zt_ctl_cleanup(&d->ctl);
	zt_store_close(d->ctl.store);
	zt_nodeudp_close(&d->u);
	if (d->loop)
		zt_evloop_free(d->loop);
	zt_identity_wipe(&d->id);
	sodium_memzero(d->token, sizeof d->token);
	if (d->lock_fd >= 0)
		close(d->lock_fd);
	d_failed = d->failed;
	free(d);
	return r < 0 || d_failed ? 1 : 0;
}
