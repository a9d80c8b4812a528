/* SPDX-License-Identifier: MIT */
/*
 * main.c - zt-controller's command line (run time in ctld.c, invites in
 * invite.c).
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "controller/adduser.h"
#include "controller/ctld.h"
#include "controller/invite.h"
#include "controller/rulescmd.h"
#include "controller/zimportcmd.h"
#include "osdep/args.h"
#include "osdep/log.h"
#include "osdep/metrics.h"
#include "osdep/version.h"

#define DEFAULT_HOME "/var/lib/zt-controller"
#define DEFAULT_PORT 9994

static void usage(FILE *f)
{
	fprintf(f,
	        "usage: zt-controller [-p UDPPORT] [-P APIPORT] [-r ROOTSFILE] [-b BINDADDR]\n"
	        "                     [--db FILE|URI] [--metrics IP:PORT] [--audit-days N]\n"
	        "                     [--audit-rows N] [--ui IP:PORT [--ui-secure-cookie]] [-v]\n"
	        "                     [HOMEDIR]\n"
	        "       zt-controller invite [-D HOMEDIR] [-n USES] [-t SECONDS] [-o FILE]\n"
	        "                     [-m ADDRESS] NWID\n"
	        "       zt-controller adduser|deluser [-D HOMEDIR] NAME\n"
	        "       zt-controller rules compile FILE\n"
	        "       zt-controller import-zerotier [-D HOMEDIR] [--db FILE|URI] [-t SECONDS]\n"
	        "                     [-o FILE] DIR\n"
	        "       zt-controller export [-D HOMEDIR] [--db FILE|URI] OUTDIR\n"
	        "\n"
	        "  the zt network controller: answers members' config requests from its\n"
	        "  SQLite or PostgreSQL database; admin API (ZeroTier's /controller\n"
	        "  paths) on 127.0.0.1\n"
	        "\n"
	        "  -p UDPPORT   UDP port for peers and roots (default %d)\n"
	        "  -P APIPORT   TCP port of the admin API on 127.0.0.1 (default: the UDP port)\n"
	        "  -r ROOTSFILE signed roots file; copied to HOMEDIR/roots\n"
	        "  -b BINDADDR  bind UDP to this local address only\n"
	        "  --db FILE    the database (default HOMEDIR/controller.db)\n"
	        "  --db postgres://USER@HOST/DBNAME  the database on PostgreSQL: several\n"
	        "               controllers (same identity.secret) share it, one leads,\n"
	        "               the others wait as standbys and take over when it dies\n"
	        "  --metrics IP:PORT  serve Prometheus metrics at http://IP:PORT/metrics (no\n"
	        "               token: bind it where only the scraper reaches; default off)\n"
	        "  --audit-days N  keep the audit trail of admin changes N days (default %d;\n"
	        "               0: no age limit)\n"
	        "  --audit-rows N  and at most its N newest entries (default %d)\n"
	        "  --ui IP:PORT serve the web UI at http://IP:PORT/ (default off; sign in\n"
	        "               as a user made with adduser; put a TLS proxy in front of it\n"
	        "               for anything but a trusted network)\n"
	        "  --ui-secure-cookie  mark the UI's session cookie Secure (behind a TLS\n"
	        "               proxy: the browser then sends it over HTTPS only)\n"
	        "  -v           debug logging\n"
	        "  --version    print the version\n"
	        "  HOMEDIR      state directory (default %s): identity, API token\n"
	        "\n"
	        "  invite       print a one-line invite code for network NWID, good for USES\n"
	        "               joins (default 1) within SECONDS (default 86400); the\n"
	        "               controller of HOMEDIR must be running; -o FILE writes it to\n"
	        "               FILE (mode 0600, replaced only on success) instead of stdout;\n"
	        "               -m ADDRESS: a new invite for a member imported from ZeroTier\n"
	        "               (its old ADDRESS: its reservation goes to whoever joins)\n"
	        "  adduser      a web UI administrator, or a new password for one: the\n"
	        "               password from the terminal (or stdin's first line), hashed\n"
	        "               with Argon2id; the controller of HOMEDIR must be running\n"
	        "  deluser      remove one (their sessions end)\n"
	        "  rules compile print the JSON of a rule script (\"rules\", \"capabilities\",\n"
	        "               \"tags\"); errors as FILE:LINE:COLUMN: what was expected\n"
	        "  import-zerotier  import a ZeroTier controller's networks and members (DIR:\n"
	        "               its home or its controller.d) under new network ids; each\n"
	        "               member gets a one-use invite (valid SECONDS, default 30\n"
	        "               days) that gives its name, IPs and authorization to the zt\n"
	        "               node joining with it; codes in FILE (default\n"
	        "               HOMEDIR/zerotier-import.json); the controller must be stopped\n"
	        "  export       write the networks and members as ZeroTier's controller.d\n"
	        "               (OUTDIR/network/...); the controller must be stopped\n",
	        DEFAULT_PORT, ZT_CTLD_AUDIT_DAYS, ZT_CTLD_AUDIT_ROWS, DEFAULT_HOME);
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {{"help", no_argument, NULL, 'h'},
	                                         {"version", no_argument, NULL, 'V'},
	                                         {"db", required_argument, NULL, 'd'},
	                                         {"metrics", required_argument, NULL, 'm'},
	                                         {"audit-days", required_argument, NULL, 'A'},
	                                         {"audit-rows", required_argument, NULL, 'R'},
	                                         {"ui", required_argument, NULL, 'U'},
	                                         {"ui-secure-cookie", no_argument, NULL, 'S'},
	                                         {NULL, 0, NULL, 0}};
	struct zt_ctld_config cfg;
	bool verbose = false;
	char err[128];
	uint16_t port;
	int c;

	if (argc > 1 && strcmp(argv[1], "invite") == 0)
		return zt_invite_main(argc - 1, argv + 1, DEFAULT_HOME);
	if (argc > 1 && (strcmp(argv[1], "adduser") == 0 || strcmp(argv[1], "deluser") == 0))
		return zt_adduser_main(argc - 1, argv + 1, DEFAULT_HOME);
	if (argc > 1 && strcmp(argv[1], "rules") == 0)
		return zt_rulescmd_main(argc - 1, argv + 1);
	if (argc > 1 && strcmp(argv[1], "import-zerotier") == 0)
		return zt_zimport_main(argc - 1, argv + 1, DEFAULT_HOME);
	if (argc > 1 && strcmp(argv[1], "export") == 0)
		return zt_zexport_main(argc - 1, argv + 1, DEFAULT_HOME);
	memset(&cfg, 0, sizeof cfg);
	cfg.home = DEFAULT_HOME;
	cfg.udp_port = DEFAULT_PORT;
	cfg.api_port = -1;
	cfg.audit_days = ZT_CTLD_AUDIT_DAYS;
	cfg.audit_rows = ZT_CTLD_AUDIT_ROWS;
	while ((c = getopt_long(argc, argv, ":p:P:r:b:d:vh", longopts, NULL)) != -1) {
		switch (c) {
		case 'p':
		case 'P':
			if (zt_args_port(c == 'p' ? "-p" : "-P", optarg, &port, err, sizeof err) <
			    0) {
				fprintf(stderr, "zt-controller: %s\n", err);
				return 1;
			}
			if (c == 'p')
				cfg.udp_port = port;
			else
				cfg.api_port = port;
			break;
		case 'r': cfg.roots_file = optarg; break;
		case 'b': cfg.bind_addr = optarg; break;
		case 'd': cfg.db = optarg; break;
		case 'm':
			if (zt_metrics_check_addr(optarg, err, sizeof err) < 0) {
				fprintf(stderr, "zt-controller: %s\n", err);
				return 1;
			}
			cfg.metrics_addr = optarg;
			break;
		case 'U': {
			struct sockaddr_storage ss;
			socklen_t sl;
			if (zt_args_listen_addr(optarg, &ss, &sl) < 0) {
				fprintf(stderr,
				        "zt-controller: --ui %s: expected IP:PORT (0.0.0.0:8080, "
				        "[::]:8080, 127.0.0.1:8080)\n",
				        optarg);
				return 1;
			}
			cfg.ui_addr = optarg;
			break;
		}
		case 'S': cfg.ui_secure_cookie = true; break;
		case 'A':
		case 'R': {
			char *end;
			unsigned long long v;
			errno = 0;
			v = strtoull(optarg, &end, 10);
			if (errno != 0 || end == optarg || *end != '\0' || optarg[0] == '-' ||
			    (c == 'A' && v > 36500) || (c == 'R' && (v < 1 || v > 1000000000))) {
				fprintf(stderr,
				        "zt-controller: %s %s: expected %s (see zt-controller "
				        "--help)\n",
				        c == 'A' ? "--audit-days" : "--audit-rows", optarg,
				        c == 'A' ? "days, 0-36500"
				                 : "a number of entries, 1-1000000000");
				return 1;
			}
			if (c == 'A')
				cfg.audit_days = (unsigned)v;
			else
				cfg.audit_rows = v;
			break;
		}
		case 'v': verbose = true; break;
		case 'h': usage(stdout); return 0;
		case 'V': zt_version_print("zt-controller"); return 0;
		case ':':
			fprintf(stderr,
			        "zt-controller: option %s needs an argument (see zt-controller "
			        "--help)\n",
			        argv[optind - 1]);
			return 1;
		default:
			fprintf(stderr,
			        "zt-controller: unknown option %s (see zt-controller --help)\n",
			        argv[optind - 1]);
			return 1;
		}
	}
	if (optind < argc)
		cfg.home = argv[optind++];
	if (optind < argc) {
		fprintf(stderr,
		        "zt-controller: unexpected argument '%s' (see zt-controller --help)\n",
		        argv[optind]);
		return 1;
	}
	if (sodium_init() < 0) {
		fprintf(stderr, "zt-controller: cannot initialise libsodium\n");
		return 1;
	}
	signal(SIGPIPE, SIG_IGN);
	zt_log_init("zt-controller", verbose ? ZT_LOG_DEBUG : ZT_LOG_INFO);
	return zt_ctld_run(&cfg);
}
