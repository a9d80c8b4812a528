/* SPDX-License-Identifier: MIT */
/*
 * main.c - zt-root: the core in the root role (ZT_NODE_ROOT: register,
 * relay, WHOIS, rendezvous) behind UDP sockets.  No TAP, no API: it
 * prints its identity and endpoints at start, logs, and stops on
 * SIGINT/SIGTERM.  The offline subcommands are in tools.c.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <ifaddrs.h>
#include <inttypes.h>
#include <net/if.h>
#include <netinet/in.h>
#include <signal.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "node/zt.h"
#include "osdep/args.h"
#include "osdep/clock.h"
#include "osdep/evloop.h"
#include "osdep/idfile.h"
#include "osdep/log.h"
#include "osdep/metrics.h"
#include "osdep/nodeudp.h"
#include "osdep/state.h"
#include "osdep/tcp.h"
#include "osdep/udp.h"
#include "osdep/version.h"
#include "root/tools.h"

#define DEFAULT_PORT        9993
#define ZT_TCP_DEFAULT_PORT 443 /* the TCP fallback (nodes expect it there) */
#define MAX_ENDPOINTS       16
#define MAX_SLEEP_MS        1000
#define COUNTERS_EVERY_MS   30000

struct root {
	const char *home;
	const char *bind_addr;
	uint16_t port;
	struct zt_endpoint eps[MAX_ENDPOINTS];
	unsigned ep_count;
	struct zt_evloop *loop;
	struct zt_node *node;
	struct zt_identity id;
	struct zt_nodeudp u;               /* relayed datagrams go out in batches */
	struct zt_tcp_set tcp;             /* nodes whose UDP is blocked */
	int tcp_port;                      /* 0: no TCP */
	const char *metrics_addr;          /* --metrics IP:PORT, or NULL */
	struct zt_metrics_server *metrics; /* GET /metrics there */
	int lock_fd;
	int64_t deadline;
};

static void usage(FILE *f)
{
	fprintf(
	    f,
	    "usage: zt-root [-p PORT] [-t TCPPORT] [-b BINDADDR] [-e ENDPOINT]...\n"
	    "               [--metrics IP:PORT] [-v] HOMEDIR\n"
	    "       zt-root identity [-o FILE] HOMEDIR\n"
	    "       zt-root genid FILE\n"
	    "       zt-root mkroots -s SIGNER_SECRET_FILE [-t TIMESTAMP_MS] [-o FILE] ROOTSPEC...\n"
	    "       zt-root verifyroots FILE\n"
	    "\n"
	    "  a zt root: peers register with it, find each other through it, and\n"
	    "  relay through it when no direct path works\n"
	    "\n"
	    "  -p PORT      UDP port (default %d)\n"
	    "  -t TCPPORT   TCP port for nodes whose UDP is blocked (default 443, 0: off)\n"
	    "  -b BINDADDR  bind to this local address only (default: all)\n"
	    "  -e ENDPOINT  a public IP/PORT to advertise (repeatable); default: the\n"
	    "               bound address, or every non-loopback interface address\n"
	    "  --metrics IP:PORT  serve Prometheus metrics at http://IP:PORT/metrics\n"
	    "               (no token: bind it where only the scraper reaches; default off)\n"
	    "  -v           debug logging, counters every %d s\n"
	    "  --version    print the version\n"
	    "\n"
	    "  At start it prints 'identity <public identity>', one 'endpoint <ip/port>'\n"
	    "  line per endpoint and 'rootspec <identity>@<ep>,...' for mkroots.\n"
	    "  ROOTSPEC = <identity public text>@<ip/port>[,<ip/port>...]\n"
	    "  -o FILE      write the output to FILE (replaced whole, only on success)\n"
	    "               instead of stdout\n",
	    DEFAULT_PORT, COUNTERS_EVERY_MS / 1000);
}

/* ---- host callbacks ---- */

static int host_wire_send(void *ctx, int64_t sock, const struct zt_endpoint *to, const void *pkt,
                          size_t len)
{
	struct root *rt = ctx;
	int r;

	if (!zt_tcp_is_tcp(sock))
		return zt_nodeudp_send(&rt->u, sock, to, pkt, len);
	r = zt_tcp_send(&rt->tcp, sock, pkt, len);
	if (r == -EAGAIN) {
		rt->u.send_drops++; /* as a congested link would */
		return 0;
	}
	return r;
}

static void host_frame_out(void *ctx, uint64_t nwid, const uint8_t *frame, size_t len)
{
	(void)ctx;
	(void)nwid;
	(void)frame;
	(void)len;
}

static void host_net_update(void *ctx, enum zt_net_op op, const struct zt_network_info *info)
{
	(void)ctx;
	(void)op;
	(void)info;
}

static void host_event(void *ctx, enum zt_event ev, const void *info)
{
	const struct zt_peer_info *p = info;

	(void)ctx;
	if ((ev == ZT_EVENT_PATH_DIRECT || ev == ZT_EVENT_PATH_RELAY) && p)
		zt_log_debug("peer %010" PRIx64 ": %s", p->address,
		             ev == ZT_EVENT_PATH_DIRECT ? "direct" : "relayed");
}

/* ---- loop ---- */

static void on_batch(void *ctx, const struct zt_wire_pkt *pkts, size_t n)
{
	struct root *rt = ctx;
	int64_t dl = rt->deadline;
	int r = zt_node_process_wire_batch(rt->node, zt_clock_now(), pkts, n, &dl);

	if (r < 0)
		zt_log_debug("core: process_wire_batch: %s", zt_strerror(r));
	rt->deadline = dl;
}

static void tcp_datagram(void *ctx, int64_t sock, const struct zt_endpoint *from, const void *pkt,
                         size_t len)
{
	struct root *rt = ctx;
	int64_t dl = rt->deadline;
	int r = zt_node_process_wire(rt->node, zt_clock_now(), sock, from, pkt, len, &dl);

	if (r < 0)
		zt_log_debug("core: process_wire (tcp): %s", zt_strerror(r));
	rt->deadline = dl;
	zt_nodeudp_flush(&rt->u);
}

static void tcp_closed(void *ctx, int64_t sock)
{
	struct root *rt = ctx;
	zt_node_tcp_closed(rt->node, zt_clock_now(), sock);
}

static void log_counters(struct root *rt, int64_t now)
{
	char line[768];
	size_t used = 0;

	for (int c = 0; c < ZT_CTR_COUNT; c++) {
		uint64_t v = zt_node_counter(rt->node, (enum zt_counter)c);
		const char *name = zt_counter_name((enum zt_counter)c);
		int w;

		if (!v || !name)
			continue;
		w = snprintf(line + used, sizeof line - used, " %s=%" PRIu64, name, v);
		if (w < 0 || (size_t)w >= sizeof line - used)
			break;
		used += (size_t)w;
	}
	zt_log_debug("counters: peers=%zu%s", zt_node_peers(rt->node, now, NULL, 0),
	             used ? line : " (all zero)");
	if (rt->tcp_port > 0)
		zt_log_debug("tcp: %u connections, %" PRIu64 " refused, %" PRIu64
		             " timed out, %" PRIu64 " evicted, %" PRIu64 " turned away",
		             rt->tcp.count, rt->tcp.refused, rt->tcp.timed_out, rt->tcp.evicted,
		             rt->tcp.acc.turned_away);
}

/* A root's metrics: the node's (no per-peer families: a root may have
 * many thousands of peers) and the TCP fallback's connections. */
static void fill_metrics(void *ctx, struct zt_metrics *m)
{
	struct root *rt = ctx;

	zt_metrics_node(m, rt->node, zt_clock_now(), &rt->u, rt->tcp_port > 0 ? &rt->tcp : NULL,
	                false);
	if (rt->tcp_port <= 0)
		return;
	zt_metrics_gauge(m, "zt_tcp_connections", "TCP fallback connections open", rt->tcp.count);
	zt_metrics_family(m, "zt_tcp_connections_closed_total", ZT_METRICS_COUNTER,
	                  "TCP fallback connections ended by a limit, by reason");
	{
		struct zt_metrics_label l[4] = {{"reason", "refused"},
		                                {"reason", "timed_out"},
		                                {"reason", "evicted"},
		                                {"reason", "no_descriptors"}};
		zt_metrics_value(m, &l[0], 1, rt->tcp.refused);
		zt_metrics_value(m, &l[1], 1, rt->tcp.timed_out);
		zt_metrics_value(m, &l[2], 1, rt->tcp.evicted);
		zt_metrics_value(m, &l[3], 1, rt->tcp.acc.turned_away);
	}
}

static void run_loop(struct root *rt)
{
	int64_t next_counters = zt_clock_now() + COUNTERS_EVERY_MS;

	while (!zt_evloop_stopped(rt->loop)) {
		int64_t now = zt_clock_now(), timeout;
		int r;

		if (now >= rt->deadline) {
			int64_t dl = now + MAX_SLEEP_MS;

			r = zt_node_process_background(rt->node, now, &dl);
			if (r < 0)
				zt_log_debug("core: process_background: %s", zt_strerror(r));
			rt->deadline = dl > now ? dl : now + 1;
		}
		if (now >= next_counters) {
			if (zt_log_level() >= ZT_LOG_DEBUG)
				log_counters(rt, now);
			next_counters = now + COUNTERS_EVERY_MS;
		}
		timeout = rt->deadline - now;
		if (rt->tcp_port > 0) {
			/* Silent connections time out; a pause for lack of
			 * descriptors ends. */
			int64_t tcp_next = zt_tcp_expire(&rt->tcp, now);
			if (tcp_next - now < timeout)
				timeout = tcp_next - now;
		}
		if (rt->metrics != NULL) {
			int64_t m_next = zt_metrics_expire(rt->metrics, now);
			if (m_next - now < timeout)
				timeout = m_next - now;
		}
		if (timeout > MAX_SLEEP_MS)
			timeout = MAX_SLEEP_MS;
		if (timeout < 0)
			timeout = 0;
		zt_nodeudp_flush(&rt->u);
		r = zt_evloop_wait(rt->loop, (int)timeout);
		if (r < 0) {
			zt_log_error("event loop: %s", strerror(-r));
			break;
		}
	}
}

/* ---- start ---- */

/* false if ep is there already or there is no room left */
static bool add_ep(struct root *rt, const struct zt_endpoint *ep)
{
	for (unsigned i = 0; i < rt->ep_count; i++)
		if (zt_endpoint_eq(&rt->eps[i], ep))
			return false;
	if (rt->ep_count == MAX_ENDPOINTS)
		return false;
	rt->eps[rt->ep_count++] = *ep;
	return true;
}

/* Without -e: the bound address, or each usable interface address. */
static void default_endpoints(struct root *rt)
{
	struct ifaddrs *ifa, *i;
	struct zt_endpoint ep;

	/* Bound to the unspecified address is bound to all of them. */
	if (rt->bind_addr && strcmp(rt->bind_addr, "0.0.0.0") != 0 &&
	    strcmp(rt->bind_addr, "::") != 0) {
		char text[80];

		snprintf(text, sizeof text, "%s/%u", rt->bind_addr, rt->u.udp.port);
		if (zt_endpoint_parse(text, &ep) == ZT_OK)
			(void)add_ep(rt, &ep);
		return;
	}
	if (getifaddrs(&ifa) < 0)
		return;
	for (i = ifa; i; i = i->ifa_next) {
		if (!i->ifa_addr || (i->ifa_flags & IFF_LOOPBACK) || !(i->ifa_flags & IFF_UP))
			continue;
		if (zt_udp_from_sockaddr(i->ifa_addr,
		                         i->ifa_addr->sa_family == AF_INET6
		                             ? (socklen_t)sizeof(struct sockaddr_in6)
		                             : (socklen_t)sizeof(struct sockaddr_in),
		                         &ep) < 0)
			continue;
		/* Link-local IPv6 needs a scope a roots file cannot carry. */
		if (ep.family == 6 && ep.ip[0] == 0xfe && (ep.ip[1] & 0xc0) == 0x80)
			continue;
		if (ep.family == 6 && rt->u.udp.count < 2)
			continue;
		ep.port = rt->u.udp.port;
		(void)add_ep(rt, &ep); /* an address on two interfaces is one */
	}
	freeifaddrs(ifa);
}

static void print_banner(struct root *rt)
{
	char idt[ZT_IDENTITY_PUBLIC_TEXT], ep[64], spec[1024];
	size_t used;

	if (zt_identity_to_text(&rt->id, false, idt, sizeof idt) != ZT_OK)
		return;
	printf("identity %s\n", idt);
	used = (size_t)snprintf(spec, sizeof spec, "%s", idt);
	for (unsigned i = 0; i < rt->ep_count; i++) {
		if (zt_endpoint_to_text(&rt->eps[i], ep, sizeof ep) != ZT_OK)
			continue;
		printf("endpoint %s\n", ep);
		/* A root file line takes at most ZT_MAX_ROOT_ENDPOINTS. */
		if (i < ZT_MAX_ROOT_ENDPOINTS && used < sizeof spec) {
			int w =
			    snprintf(spec + used, sizeof spec - used, "%c%s", i ? ',' : '@', ep);

			if (w > 0)
				used += (size_t)w;
		}
	}
	if (rt->ep_count)
		printf("rootspec %s\n", spec);
	fflush(stdout);
}

static int start(struct root *rt, char *err, size_t errcap)
{
	struct zt_host host;
	bool created, gso, gro;
	int r;

	r = zt_state_lock_home(rt->home, "zt-root.pid", "zt-root", &rt->lock_fd, err, errcap);
	if (r < 0)
		return r;
	r = zt_idfile_load_home(rt->home, &rt->id, &created);
	if (r == -EINVAL) {
		snprintf(err, errcap,
		         "%s/" ZT_IDFILE_SECRET " is not a valid identity: restore it or move it "
		         "away to make a new one",
		         rt->home);
		return r;
	}
	if (r < 0) {
		snprintf(err, errcap, "cannot read or create %s/" ZT_IDFILE_SECRET ": %s", rt->home,
		         strerror(-r));
		return r;
	}
	/* GRO in, GSO out: a train of a member's datagrams is relayed as a
	 * train (ZT_OFFLOAD=off or nogso/nogro turns them off). */
	zt_nodeudp_offload_env(&gso, &gro);
	r = zt_nodeudp_open(&rt->u, rt->loop, rt->bind_addr, rt->port, gso, gro, on_batch, rt, err,
	                    errcap);
	if (r < 0)
		return r;
	zt_nodeudp_host(&host, rt);
	host.wire_send = host_wire_send;
	host.frame_out = host_frame_out;
	host.net_update = host_net_update;
	host.event = host_event;
	r = zt_nodeudp_node_new(&rt->u, &rt->node, &host, &rt->id, ZT_NODE_ROOT, zt_clock_now(),
	                        err, errcap);
	if (r < 0)
		return r;
	if (rt->tcp_port > 0) {
		struct zt_tcp_hooks th = {rt, tcp_datagram, tcp_closed};
		zt_tcp_init(&rt->tcp, rt->loop, &th);
		r = zt_tcp_listen(&rt->tcp, rt->bind_addr, (uint16_t)rt->tcp_port);
		if (r < 0)
			zt_log_warn("cannot listen on TCP port %d: %s; nodes behind UDP-blocking "
			            "firewalls cannot use this root (choose another with -t, 0 "
			            "for none)",
			            rt->tcp_port, strerror(-r));
		else
			zt_log_info("TCP fallback on port %d", rt->tcp_port);
	}
	if (rt->metrics_addr != NULL) {
		r = zt_metrics_listen(&rt->metrics, rt->loop, rt->metrics_addr, fill_metrics, rt,
		                      err, errcap);
		if (r < 0)
			return r;
		zt_log_info("metrics on http://%s/metrics", rt->metrics_addr);
	}
	rt->deadline = zt_clock_now();
	if (rt->ep_count == 0)
		default_endpoints(rt);
	print_banner(rt);
	zt_log_info("zt-root %s address %010" PRIx64 "%s, UDP port %u%s", zt_version(),
	            rt->id.address, created ? " (new)" : "", rt->u.udp.port,
	            rt->u.udp.count > 1 ? " (IPv4+IPv6)" : "");
	return 0;
}

static int run(int argc, char **argv)
{
	static const struct option longopts[] = {{"help", no_argument, NULL, 'h'},
	                                         {"version", no_argument, NULL, 'V'},
	                                         {"metrics", required_argument, NULL, 'm'},
	                                         {NULL, 0, NULL, 0}};
	struct root rt;
	struct zt_endpoint ep;
	char err[ZT_STATE_ERR_MAX] = "";
	bool verbose = false;
	uint16_t port;
	int opt, r, rc = 1, sig;

	memset(&rt, 0, sizeof rt);
	rt.port = DEFAULT_PORT;
	rt.tcp_port = ZT_TCP_DEFAULT_PORT;
	rt.lock_fd = -1;
	while ((opt = getopt_long(argc, argv, ":p:b:e:t:vh", longopts, NULL)) != -1) {
		switch (opt) {
		case 'p':
			if (zt_args_port("-p", optarg, &rt.port, err, sizeof err) < 0) {
				fprintf(stderr, "zt-root: %s\n", err);
				return 1;
			}
			break;
		case 'b': rt.bind_addr = optarg; break;
		case 'e':
			if (zt_args_endpoint("-e", optarg, &ep, err, sizeof err) < 0) {
				fprintf(stderr, "zt-root: %s\n", err);
				return 1;
			}
			/* A repeated -e is a typo for another endpoint; a 17th
			 * would be dropped from what the banner prints. */
			if (!add_ep(&rt, &ep)) {
				fprintf(stderr,
				        "zt-root: -e %s: %s (give each endpoint once, at most "
				        "%d)\n",
				        optarg,
				        rt.ep_count < MAX_ENDPOINTS ? "given twice" : "too many",
				        MAX_ENDPOINTS);
				return 1;
			}
			break;
		case 't':
			if (zt_args_port("-t", optarg, &port, err, sizeof err) < 0) {
				fprintf(stderr, "zt-root: %s\n", err);
				return 1;
			}
			rt.tcp_port = port;
			break;
		case 'v': verbose = true; break;
		case 'm':
			if (zt_metrics_check_addr(optarg, err, sizeof err) < 0) {
				fprintf(stderr, "zt-root: %s\n", err);
				return 1;
			}
			rt.metrics_addr = optarg;
			break;
		case 'h': usage(stdout); return 0;
		case 'V': zt_version_print("zt-root"); return 0;
		case ':':
			if (optopt == 'm')
				fprintf(stderr, "zt-root: option --metrics needs an argument "
				                "(see zt-root --help)\n");
			else
				fprintf(
				    stderr,
				    "zt-root: option -%c needs an argument (see zt-root --help)\n",
				    optopt);
			return 1;
		default:
			if (optopt)
				fprintf(stderr,
				        "zt-root: unknown option -%c (see zt-root --help)\n",
				        optopt);
			else
				fprintf(stderr, "zt-root: unknown option %s (see zt-root --help)\n",
				        argv[optind - 1]);
			return 1;
		}
	}
	if (optind != argc - 1) {
		fprintf(stderr, "zt-root: %s (see zt-root --help)\n",
		        optind >= argc ? "missing HOMEDIR" : "too many arguments");
		return 1;
	}
	rt.home = argv[optind];
	zt_log_init("zt-root", verbose ? ZT_LOG_DEBUG : ZT_LOG_INFO);
	r = zt_evloop_new(&rt.loop);
	if (r == 0)
		r = zt_evloop_catch_signals(rt.loop);
	if (r < 0)
		snprintf(err, sizeof err, "cannot create the event loop: %s", strerror(-r));
	else
		r = start(&rt, err, sizeof err);
	if (r < 0) {
		fprintf(stderr, "zt-root: %s\n", err);
		goto out;
	}
	run_loop(&rt);
	sig = zt_evloop_stopped(rt.loop);
	zt_log_info("stopping (%s)", sig > 0 ? strsignal(sig) : "error");
	rc = 0;
out:
	zt_metrics_server_free(rt.metrics);
	zt_node_free(rt.node);
	zt_tcp_free(&rt.tcp);
	zt_nodeudp_close(&rt.u);
	zt_evloop_free(rt.loop);
	zt_identity_wipe(&rt.id);
	if (rt.lock_fd >= 0)
		close(rt.lock_fd);
	return rc;
}

int main(int argc, char **argv)
{
	if (sodium_init() < 0) {
		fprintf(stderr, "zt-root: cannot initialise libsodium\n");
		return 1;
	}
	signal(SIGPIPE, SIG_IGN);
	if (argc >= 2) {
		const char *cmd = argv[1];

		if (strcmp(cmd, "identity") == 0)
			return zt_tools_identity(argc - 1, argv + 1);
		if (strcmp(cmd, "genid") == 0)
			return zt_tools_genid(argc - 1, argv + 1);
		if (strcmp(cmd, "mkroots") == 0)
			return zt_tools_mkroots(argc - 1, argv + 1);
		if (strcmp(cmd, "verifyroots") == 0)
			return zt_tools_verifyroots(argc - 1, argv + 1);
	}
	return run(argc, argv);
}
