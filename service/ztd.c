/* SPDX-License-Identifier: MIT */
/*
 * ztd.c - the node daemon's command line (the run time is daemon.c).
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "osdep/args.h"
#include "osdep/log.h"
#include "osdep/version.h"
#include "service/daemon.h"

#define DEFAULT_HOME "/var/lib/zt"
#define DEFAULT_PORT 9993

static void usage(FILE *f)
{
	fprintf(f,
	        "usage: ztd [-p UDPPORT] [-P APIPORT] [-r ROOTSFILE] [-b BINDADDR] [-v] [HOMEDIR]\n"
	        "\n"
	        "  the zt node daemon: joins virtual Ethernet networks, one TAP device each\n"
	        "\n"
	        "  -p UDPPORT   UDP port for peers and roots (default %d; 0 picks a free one)\n"
	        "  -P APIPORT   TCP port of the local API on 127.0.0.1 (default: the UDP port)\n"
	        "  -r ROOTSFILE signed roots file (zt-root mkroots); copied to HOMEDIR/roots,\n"
	        "               which is used when -r is not given\n"
	        "  -b BINDADDR  bind UDP to this local address only (default: all, IPv4+IPv6)\n"
	        "  -v           debug logging\n"
	        "  --version    print the version\n"
	        "  HOMEDIR      state directory (default %s): identity, token, networks\n",
	        DEFAULT_PORT, DEFAULT_HOME);
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {{"help", no_argument, NULL, 'h'},
	                                         {"version", no_argument, NULL, 'V'},
	                                         {NULL, 0, NULL, 0}};
	struct zt_daemon_config cfg;
	bool verbose = false;
	char err[128];
	uint16_t port;
	int c;

	memset(&cfg, 0, sizeof cfg);
	cfg.home = DEFAULT_HOME;
	cfg.udp_port = DEFAULT_PORT;
	cfg.api_port = -1;
	while ((c = getopt_long(argc, argv, ":p:P:r:b:vh", longopts, NULL)) != -1) {
		switch (c) {
		case 'p':
		case 'P':
			if (zt_args_port(c == 'p' ? "-p" : "-P", optarg, &port, err, sizeof err) <
			    0) {
				fprintf(stderr, "ztd: %s\n", err);
				return 1;
			}
			if (c == 'p')
				cfg.udp_port = port;
			else
				cfg.api_port = port;
			break;
		case 'r': cfg.roots_file = optarg; break;
		case 'b': cfg.bind_addr = optarg; break;
		case 'v': verbose = true; break;
		case 'h': usage(stdout); return 0;
		case 'V': zt_version_print("ztd"); return 0;
		case ':':
			fprintf(stderr, "ztd: option -%c needs an argument (see ztd --help)\n",
			        optopt);
			return 1;
		default:
			if (optopt)
				fprintf(stderr, "ztd: unknown option -%c (see ztd --help)\n",
				        optopt);
			else
				fprintf(stderr, "ztd: unknown option %s (see ztd --help)\n",
				        argv[optind - 1]);
			return 1;
		}
	}
	if (optind < argc)
		cfg.home = argv[optind++];
	if (optind < argc) {
		fprintf(stderr, "ztd: unexpected argument '%s' (see ztd --help)\n", argv[optind]);
		return 1;
	}
	if (cfg.home[0] == '\0') {
		fprintf(stderr, "ztd: empty HOMEDIR\n");
		return 1;
	}
	if (sodium_init() < 0) {
		fprintf(stderr, "ztd: cannot initialise libsodium\n");
		return 1;
	}
	/* A client that hangs up must not kill the daemon: writes report
	 * EPIPE instead. */
	signal(SIGPIPE, SIG_IGN);
	zt_log_init("ztd", verbose ? ZT_LOG_DEBUG : ZT_LOG_INFO);
	return zt_daemon_run(&cfg);
}
