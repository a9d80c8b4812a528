/* SPDX-License-Identifier: MIT */
/*
 * daemon.c - ztd's run time (see daemon.h, daemon_int.h): start-up from
 * the home directory, the event loop, stop.
 */
#include "service/daemon_int.h"

#include <errno.h>
#include <inttypes.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "osdep/clock.h"
#include "osdep/evloop.h"
#include "osdep/home.h"
#include "osdep/httpd.h"
#include "osdep/idfile.h"
#include "osdep/log.h"
#include "osdep/version.h"
#include "osdep/workers.h"
#include "service/api.h"
#include "service/api_json.h"
#include "service/netfile.h"

/* Never sleep longer than this, whatever the core's deadline says. */
#define MAX_SLEEP_MS 1000
/* Interface addresses are looked at this often (DHCP, roaming). */
#define LOCALS_EVERY_MS 30000
/* How often the crypto worker policy looks at CPU use. */
#define CPU_SAMPLE_MS 1000

/* Leave the networks a callback marked (their TAP failed). */
static void flush_pending(struct zt_daemon *d)
{
	int64_t now = zt_clock_now();

	if (!d->pending)
		return;
	d->pending = false;
	for (size_t i = 0; i < ZT_DAEMON_MAX_NETWORKS; i++) {
		struct zt_daemon_net *net = &d->nets[i];

		if (!net->used || !net->leave_pending)
			continue;
		zt_log_error("network %016" PRIx64 ": leaving it (no device; see above)",
		             net->nwid);
		(void)zt_node_leave(d->node, now, net->nwid);
		(void)zt_netfile_remove(d->cfg.home, net->nwid);
		zt_daemon_tap_free(net);
	}
}

void zt_daemon_after_core_call(struct zt_daemon *d)
{
	flush_pending(d);
	/* join, leave and set_roots return no deadline: let the core look at
	 * its timers on the next turn of the loop. */
	d->deadline = zt_clock_now();
}

void zt_daemon_core_result(struct zt_daemon *d, int r, int64_t deadline, const char *what)
{
	if (r < 0)
		zt_log_debug("core: %s: %s", what, zt_strerror(r));
	d->deadline = deadline;
	flush_pending(d);
	while (d->ntcp_closing > 0)
		zt_tcp_close(&d->tcp, d->tcp_closing[--d->ntcp_closing]);
}

static int start_files(struct zt_daemon *d, struct zt_roots *roots, bool *have_roots, char *err,
                       size_t errcap)
{
	const char *home = d->cfg.home;
	bool created;
	int r;

	r = zt_state_lock_home(home, "ztd.pid", "ztd", &d->lock_fd, err, errcap);
	if (r < 0)
		return r;
	/* Roots first: a bad -r file is refused before anything is created. */
	r = zt_state_roots(home, d->cfg.roots_file, roots, have_roots, err, errcap);
	if (r < 0)
		return r;
	r = zt_idfile_load_home(home, &d->id, &created);
	if (r == -EINVAL) {
		snprintf(err, errcap,
		         "%s/" ZT_IDFILE_SECRET " is not a valid identity: restore it from a "
		         "backup, or move it away to make a new one (with a new address)",
		         home);
		return r;
	}
	if (r < 0) {
		snprintf(err, errcap, "cannot read or create %s/" ZT_IDFILE_SECRET ": %s", home,
		         strerror(-r));
		return r;
	}
	if (zt_identity_to_text(&d->id, false, d->public_text, sizeof d->public_text) != ZT_OK) {
		snprintf(err, errcap, "cannot format the identity of %s", home);
		return -EINVAL;
	}
	zt_log_info("%s identity %010" PRIx64, created ? "created" : "loaded", d->id.address);
	r = zt_state_token(home, d->token, sizeof d->token, err, errcap);
	if (r < 0)
		return r;
	r = zt_state_token_file(home, "metricstoken.secret", d->metrics_token,
	                        sizeof d->metrics_token, err, errcap);
	if (r < 0)
		return r;
	return 0;
}

static int start_api(struct zt_daemon *d, char *err, size_t errcap)
{
	int r;

	d->api_port = d->cfg.api_port < 0 ? d->u.udp.port : (uint16_t)d->cfg.api_port;
	r = zt_httpd_new(&d->httpd, d->loop, d->api_port, zt_api_handle, d);
	if (r == -EADDRINUSE)
		snprintf(err, errcap,
		         "API port %u (TCP on 127.0.0.1) is already in use: choose another "
		         "with -P",
		         d->api_port);
	else if (r == -EADDRNOTAVAIL)
		snprintf(err, errcap,
		         "cannot listen on 127.0.0.1:%u: the loopback interface is down "
		         "(ip link set lo up)",
		         d->api_port);
	else if (r < 0)
		snprintf(err, errcap, "cannot listen on 127.0.0.1:%u: %s", d->api_port,
		         strerror(-r));
	if (r < 0)
		return r;
	return zt_state_write_port(d->cfg.home, d->api_port, err, errcap);
}

static int start_node(struct zt_daemon *d, const struct zt_roots *roots, bool have_roots, char *err,
                      size_t errcap)
{
	struct zt_host host;
	int64_t now = zt_clock_now();
	int r;

	zt_daemon_host_init(d, &host);
	/* ZT_CIPHER=chacha: never AES-256-GCM (for tests and measurements). */
	r = zt_nodeudp_node_new(
	    &d->u, &d->node, &host, &d->id,
	    getenv("ZT_CIPHER") && strcmp(getenv("ZT_CIPHER"), "chacha") == 0 ? ZT_NODE_NO_AES : 0,
	    now, err, errcap);
	if (r < 0)
		return r;
	if (!have_roots && zt_daemon_join_invite_roots(d->cfg.home, &d->invite_roots)) {
		roots = &d->invite_roots;
		have_roots = true;
		zt_log_info("using the roots from an invite (%s/" ZT_DAEMON_INVITE_ROOTS ")",
		            d->cfg.home);
	}
	d->have_roots = have_roots;
	if (have_roots) {
		d->roots = *roots;
		r = zt_node_set_roots(d->node, now, roots);
		if (r < 0) {
			snprintf(err, errcap, "the node refused the roots: %s", zt_strerror(r));
			return r;
		}
		zt_log_info("%u root%s, signed at %" PRId64, roots->count,
		            roots->count == 1 ? "" : "s", roots->timestamp);
	} else {
		zt_log_warn("no roots: pass -r ROOTSFILE (made with zt-root mkroots); until "
		            "then no peer can be reached");
	}
	zt_daemon_net_locals(d, now);
	d->deadline = now;
	return 0;
}

/* Once a second: use the crypto worker only while this thread is busy
 * and the machine has a core to spare (see zt_workers_worth_it).  While
 * the worker is off and this thread is far from busy (nearly always) that
 * costs one clock read; /proc/stat is read only when it could matter. */
static void sample_cpu(struct zt_daemon *d, int64_t now)
{
	double io, wk = 0, idle = 0, secs = (double)(now - d->cpu_at) / 1000.0;
	bool on, want, had = d->cpu_base;

	if (!d->workers_auto || now - d->cpu_at < CPU_SAMPLE_MS)
		return;
	io = zt_clock_thread_cpu();
	on = zt_workers_enabled(d->workers);
	d->cpu_base = false;
	if (d->cpu_at != 0 && (on || (io - d->cpu_io) / secs >= 0.7)) {
		if (zt_workers_cpu(d->workers, &wk) < 0 || zt_workers_machine_idle(&idle) < 0) {
			d->workers_auto = false; /* cannot tell: stay as we are */
			return;
		}
		if (had) {
			double dwk = (wk - d->cpu_worker) / secs;
			double demand = (io - d->cpu_io) / secs + dwk;
			double spare = (idle - d->cpu_idle) / secs + dwk;

			want = zt_workers_worth_it(on, demand, spare);
			if (want != on) {
				zt_workers_enable(d->workers, want);
				d->workers_on_count += want;
				zt_log_debug("crypto thread %s (busy %.2f, spare %.2f CPU)",
				             want ? "on" : "off", demand, spare);
			}
		}
		d->cpu_base = true;
	}
	d->cpu_at = now;
	d->cpu_io = io;
	d->cpu_worker = wk;
	d->cpu_idle = idle;
}

static void run_loop(struct zt_daemon *d)
{
	while (!zt_evloop_stopped(d->loop)) {
		int64_t now = zt_clock_now(), next, api_next;
		int64_t timeout;
		int r;

		if (now - d->locals_at >= LOCALS_EVERY_MS) {
			zt_daemon_net_locals(d, now);
			zt_daemon_tap_check_all(d);
		}
		sample_cpu(d, now);
		zt_daemon_net_portmap(d);
		if (now >= d->deadline) {
			int64_t dl = now + MAX_SLEEP_MS;

			r = zt_node_process_background(d->node, now, &dl);
			zt_daemon_core_result(d, r, dl, "process_background");
			/* A deadline in the past would spin the loop. */
			if (d->deadline <= now)
				d->deadline = now + 1;
		}
		api_next = zt_httpd_expire(d->httpd, now);
		next = d->deadline < api_next ? d->deadline : api_next;
		timeout = next - now;
		if (timeout < 0)
			timeout = 0;
		if (timeout > MAX_SLEEP_MS)
			timeout = MAX_SLEEP_MS;
		zt_nodeudp_flush(&d->u);
		r = zt_evloop_wait(d->loop, (int)timeout);
		if (r < 0) {
			zt_log_error("event loop: %s", strerror(-r));
			break;
		}
	}
}

/* ZT_OFFLOAD=off turns every offload off; "notap", "nogso", "nogro",
 * "nouso" (comma separated) single ones: for tests and for measuring. */
static void offload_config(struct zt_daemon *d)
{
	const char *e = getenv("ZT_OFFLOAD");
	bool off = e && strcmp(e, "off") == 0, gso, gro;

	zt_nodeudp_offload_env(&gso, &gro);
	d->off_gso = !gso;
	d->off_gro = !gro;
	d->off_tap = off || (e && strstr(e, "notap"));
	d->off_uso = off || (e && strstr(e, "nouso"));
}

static void stop(struct zt_daemon *d)
{
	if (d->u.txq) {
		uint64_t sent, dropped, gso;

		zt_udp_txq_stats(d->u.txq, &sent, &dropped, &gso);
		zt_log_info("udp: %" PRIu64 " datagrams sent (%" PRIu64 " in GSO trains), %" PRIu64
		            " dropped (socket buffer full); TAP: %" PRIu64
		            " frames written (%" PRIu64 " TCP and %" PRIu64
		            " UDP super-frames), %" PRIu64 " dropped on write, %" PRIu64
		            " unusable reads",
		            sent, gso, dropped, d->tap_writes, d->tap_super_tcp, d->tap_super_udp,
		            d->tap_write_drops, d->tap_gso_errors);
	}
	if (d->workers && d->u.txq) /* (not for a ztd that never started) */
		zt_log_info("crypto thread: %llu jobs (%s; turned on %u times)",
		            zt_workers_worker_jobs(d->workers),
		            d->workers_auto ? "used while it pays" : "always used",
		            d->workers_on_count);
	for (size_t i = 0; i < ZT_DAEMON_MAX_NETWORKS; i++)
		if (d->nets[i].used)
			zt_daemon_tap_free(&d->nets[i]);
	zt_httpd_free(d->httpd);
	/* Remove the router's mapping before we go (bounded wait). */
	zt_portmap_stop(d->portmap);
	zt_node_free(d->node); /* closes the extra sockets through the callback */
	zt_workers_free(d->workers);
	zt_tcp_free(&d->tcp);
	while (d->nextra > 0)
		zt_daemon_net_probe_close(d, d->extra[d->nextra - 1]);
	zt_nodeudp_close(&d->u);
	free(d->frame);
	free(d->scratch);
	zt_evloop_free(d->loop);
	zt_identity_wipe(&d->id);
	sodium_memzero(d->token, sizeof d->token);
	sodium_memzero(d->metrics_token, sizeof d->metrics_token);
	if (d->lock_fd >= 0)
		close(d->lock_fd);
}

int zt_daemon_run(const struct zt_daemon_config *cfg)
{
	struct zt_daemon *d;
	struct zt_roots roots;
	bool have_roots = false;
	char err[ZT_STATE_ERR_MAX] = "";
	int r, sig;

	d = calloc(1, sizeof *d);
	if (!d) {
		fprintf(stderr, "ztd: out of memory\n");
		return 1;
	}
	d->cfg = *cfg;
	d->lock_fd = -1;
	offload_config(d);
	d->frame = malloc(ZT_VNET_HDR_LEN + ZT_GSO_MAX_FRAME);
	d->scratch = malloc(ZT_GSO_SCRATCH);
	if (!d->frame || !d->scratch) {
		fprintf(stderr, "ztd: out of memory\n");
		free(d->frame);
		free(d->scratch);
		free(d);
		return 1;
	}
	/* One crypto worker when there is a second CPU, used while it pays
	 * (ZT_THREADS=0: none; ZT_THREADS=always: used for every batch). */
	{
		const char *t = getenv("ZT_THREADS");
		unsigned threads = sysconf(_SC_NPROCESSORS_ONLN) >= 2 ? 1 : 0;

		if (t && strcmp(t, "0") == 0)
			threads = 0;
		if (threads > 0 && zt_workers_new(&d->workers, threads) < 0) {
			zt_log_warn("cannot start a crypto thread: running single-threaded");
			d->workers = NULL;
		}
		d->workers_auto = d->workers && !(t && strcmp(t, "always") == 0);
		if (d->workers_auto)
			zt_workers_enable(d->workers, false);
	}
	r = zt_evloop_new(&d->loop);
	if (r == 0)
		r = zt_evloop_catch_signals(d->loop);
	if (r < 0) {
		snprintf(err, sizeof err, "cannot create the event loop: %s", strerror(-r));
		goto out;
	}
	zt_daemon_net_tcp_init(d);
	r = start_files(d, &roots, &have_roots, err, sizeof err);
	if (r < 0)
		goto out;
	r = zt_daemon_net_start(d, err, sizeof err);
	if (r < 0)
		goto out;
	r = start_api(d, err, sizeof err);
	if (r < 0)
		goto out;
	r = start_node(d, &roots, have_roots, err, sizeof err);
	if (r < 0)
		goto out;
	r = zt_portmap_start(&d->portmap, d->u.udp.port);
	if (r < 0)
		zt_log_warn("portmap: cannot start the worker: %s (no UPnP/NAT-PMP)", strerror(-r));
	zt_log_info("ztd %s address %010" PRIx64 ", UDP port %u%s, API "
	            "127.0.0.1:%u, home %s",
	            zt_version(), d->id.address, d->u.udp.port,
	            d->u.udp.count > 1 ? " (IPv4+IPv6)" : "", d->api_port, cfg->home);
	zt_daemon_rejoin(d);
	run_loop(d);
	sig = zt_evloop_stopped(d->loop);
	zt_log_info("stopping (%s)", sig > 0 ? strsignal(sig) : "error");
	r = 0;
out:
	if (r < 0)
		fprintf(stderr, "ztd: %s\n", err);
	stop(d);
	free(d);
	return r < 0 ? 1 : 0;
}

struct zt_node *zt_daemon_node(struct zt_daemon *d)
{
	return d->node;
}

const char *zt_daemon_token(const struct zt_daemon *d)
{
	return d->token;
}

const char *zt_daemon_metrics_token(const struct zt_daemon *d)
{
	return d->metrics_token;
}

const struct zt_nodeudp *zt_daemon_udp(const struct zt_daemon *d)
{
	return &d->u;
}

const struct zt_tcp_set *zt_daemon_tcp(const struct zt_daemon *d)
{
	return &d->tcp;
}

const char *zt_daemon_public_identity(const struct zt_daemon *d)
{
	return d->public_text;
}

uint16_t zt_daemon_udp_port(const struct zt_daemon *d)
{
	return d->u.udp.port;
}

const struct zt_daemon_config *zt_daemon_config(const struct zt_daemon *d)
{
	return &d->cfg;
}

bool zt_daemon_portmap_enabled(const struct zt_daemon *d)
{
	return d->portmap != NULL;
}

void zt_daemon_datapath(const struct zt_daemon *d, struct zt_api_datapath *out)
{
	out->tap_writes = d->tap_writes;
	out->tap_super_tcp = d->tap_super_tcp;
	out->tap_super_udp = d->tap_super_udp;
	out->tap_udp_joined = d->tap_udp_joined;
	out->tap_write_drops = d->tap_write_drops;
	out->tap_write_errors = d->tap_write_errors;
	out->tap_unusable_reads = d->tap_gso_errors;
	out->udp_send_drops = d->u.send_drops;
}

bool zt_daemon_portmap(const struct zt_daemon *d, char *out, size_t cap)
{
	char ep[64];

	if (!d->portmap_have || zt_endpoint_to_text(&d->portmap_ep, ep, sizeof ep) != ZT_OK)
		return false;
	snprintf(out, cap, "%s %s", d->portmap_how, ep);
	return true;
}
