/* SPDX-License-Identifier: MIT */
/*
 * cli.c - zt-cli: talks to ztd's local API on 127.0.0.1 and prints the
 * answers in zerotier-cli's shapes ("200 <command> ..."), or the JSON
 * with -j.  Errors are one line on stderr and exit status 1.
 *
 * This file: the options, the table of commands (--help and every usage
 * error come from it), and the helpers every command uses (cli.h).
 */
#include <getopt.h>
#include <jansson.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "osdep/version.h"
#include "service/cli.h"
#include "service/cli_api.h"
#include "service/cli_net.h"
#include "service/cli_node.h"
#include "service/cli_rules.h"

#define DEFAULT_HOME "/var/lib/zt"

/* What is allocated while a command runs, so that zt_cli_die() can
 * release it: every exit stays leak-free under LeakSanitizer. */
#define HELD_MAX 4
static json_t *held_json[HELD_MAX];
static char *held_buf;

json_t *zt_cli_hold(json_t *j)
{
	for (size_t i = 0; i < HELD_MAX; i++) {
		if (!held_json[i]) {
			held_json[i] = j;
			break;
		}
	}
	return j;
}

void zt_cli_release(json_t *j)
{
	for (size_t i = 0; i < HELD_MAX; i++)
		if (held_json[i] == j)
			held_json[i] = NULL;
	json_decref(j);
}

void zt_cli_die(const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	/* Format first: the arguments may point into what is released. */
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	for (size_t i = 0; i < HELD_MAX; i++)
		zt_cli_release(held_json[i]);
	free(held_buf);
	fprintf(stderr, "zt-cli: %s\n", msg);
	exit(1);
}

char *zt_cli_hold_buf(char *buf)
{
	held_buf = buf;
	return buf;
}

void zt_cli_print_json(const json_t *j)
{
	char *s = json_dumps(j, JSON_INDENT(2) | JSON_PRESERVE_ORDER);

	if (!s)
		zt_cli_die("out of memory");
	puts(s);
	free(s);
}

bool zt_cli_json_done(const struct zt_cli *c, json_t *j)
{
	if (!c->json)
		return false;
	zt_cli_print_json(j);
	zt_cli_release(j);
	return true;
}

const char *zt_cli_str(const json_t *o, const char *key, const char *dflt)
{
	const char *s = json_string_value(json_object_get(o, key));

	return s && *s ? s : dflt;
}

long long zt_cli_num(const json_t *o, const char *key, long long dflt)
{
	const json_t *v = json_object_get(o, key);

	return json_is_integer(v) ? (long long)json_integer_value(v) : dflt;
}

static void cmd_help(const struct zt_cli *c, char **args);

/* Every command: `zt-cli --help` and every usage error are printed from
 * this one table, as wireguard-tools' wg.c does.  A command takes its
 * arguments as main() found them: exactly as many as its row allows. */
static const struct command {
	const char *name;
	void (*run)(const struct zt_cli *c, char **args);
	int min_args, max_args;
	const char *args; /* as written after the name in the usage */
	const char *help; /* a line break continues the text below itself */
} commands[] = {
    {"info", zt_cli_node_info, 0, 0, "", "address, version, ONLINE or OFFLINE"},
    {"join", zt_cli_net_join, 1, 1, "<nwid> | <invite code>",
     "join a network (16 hex digits), or with a code\nfrom zt-controller invite"},
    {"leave", zt_cli_net_leave, 1, 1, "<nwid>", "leave a network"},
    {"listnetworks", zt_cli_net_list, 0, 0, "", "joined networks"},
    {"listpeers", zt_cli_node_peers, 0, 0, "", "known peers and their paths"},
    {"peers", zt_cli_node_peers, 0, 0, "", "the same as listpeers"},
    {"set", zt_cli_net_set, 2, 2, "<nwid> key=value",
     "change a joined network's setting:\n"
     "allowManaged=0|1, allowGlobal=0|1,\n"
     "allowDefault=0|1, allowDNS=0|1,\n"
     "bridge=<Linux bridge> (bridge= for none); on\n"
     "ad-hoc networks also bridge=0|1, broadcastEnabled=0|1,\n"
     "multicastLimit=N, macAgeSeconds=N,\n"
     "mssClamp=N (0: off), ip=10.9.0.1/24,...\n"
     "(the addresses ztd keeps on the TAP; ip= none)"},
    {"rules", zt_cli_rules_show, 1, 1, "<nwid>",
     "the rules in force (the index on each line is\nthe one trace names), capabilities, tags"},
    {"trace", zt_cli_rules_trace, 1, 1, "<nwid>",
     "the frames the network's rules dropped lately,\nand the rule that dropped each"},
    {"help", cmd_help, 0, 0, "", "this text"},
};
#define COMMAND_COUNT (sizeof commands / sizeof commands[0])
#define USAGE_WIDTH   27 /* the longest name and args, "join <nwid> | <invite code>" */

static void usage(FILE *f)
{
	fprintf(f,
	        "usage: zt-cli [-D HOMEDIR] [-p APIPORT] [-T TOKEN] [-j] COMMAND [ARGS]\n"
	        "\n"
	        "  talk to the local ztd\n"
	        "\n"
	        "  -D HOMEDIR  ztd's home directory (default %s): API port from\n"
	        "              HOMEDIR/ztd.port, token from HOMEDIR/authtoken.secret\n"
	        "  -p APIPORT  the API's TCP port (default: HOMEDIR/ztd.port, else %d)\n"
	        "  -T TOKEN    the API token (default: HOMEDIR/authtoken.secret)\n"
	        "  -j          print the API's JSON\n"
	        "  --version   print zt-cli's version\n"
	        "\n"
	        "commands:\n",
	        DEFAULT_HOME, ZT_CLI_API_DEFAULT_PORT);
	for (size_t i = 0; i < COMMAND_COUNT; i++) {
		const struct command *cmd = &commands[i];
		const char *line = cmd->help;
		char head[USAGE_WIDTH + 1];

		snprintf(head, sizeof head, "%s%s%s", cmd->name, cmd->args[0] ? " " : "",
		         cmd->args);
		for (;;) {
			int len = (int)strcspn(line, "\n");

			fprintf(f, "  %-*s  %.*s\n", USAGE_WIDTH, head, len, line);
			if (line[len] == '\0')
				break;
			line += len + 1;
			head[0] = '\0';
		}
	}
}

static void cmd_help(const struct zt_cli *c, char **args)
{
	(void)c;
	(void)args;
	usage(stdout);
}

/* The command's row, with its argument count checked: a wrong count ends
 * the program before anything is asked of ztd. */
static const struct command *find_command(const char *name, int nargs, char **args)
{
	const struct command *cmd = NULL;

	for (size_t i = 0; i < COMMAND_COUNT && !cmd; i++)
		if (strcmp(name, commands[i].name) == 0)
			cmd = &commands[i];
	if (!cmd)
		zt_cli_die("unknown command '%.32s' (see zt-cli --help)", name);
	if (nargs > cmd->max_args)
		zt_cli_die("%s: unexpected argument '%.32s' (usage: zt-cli %s%s%s)", cmd->name,
		           args[cmd->max_args], cmd->name, cmd->args[0] ? " " : "", cmd->args);
	if (nargs < cmd->min_args)
		zt_cli_die("%s: missing %s (usage: zt-cli %s %s)", cmd->name,
		           cmd->min_args - nargs > 1 ? "arguments" : "argument", cmd->name,
		           cmd->args);
	return cmd;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {{"help", no_argument, NULL, 'h'},
	                                         {"version", no_argument, NULL, 'V'},
	                                         {NULL, 0, NULL, 0}};
	const struct command *cmd;
	struct zt_cli c;
	bool port_given = false, token_given = false;
	int opt;

	memset(&c, 0, sizeof c);
	c.home = DEFAULT_HOME;
	while ((opt = getopt_long(argc, argv, ":D:p:T:jh", longopts, NULL)) != -1) {
		switch (opt) {
		case 'D': c.home = optarg; break;
		case 'p': {
			char *end;
			long v = strtol(optarg, &end, 10);

			if (end == optarg || *end || v <= 0 || v > 65535)
				zt_cli_die("-p %s: expected a port number 1-65535", optarg);
			c.port = (int)v;
			port_given = true;
			break;
		}
		case 'T':
			if (strlen(optarg) >= sizeof c.token)
				zt_cli_die("-T: token too long");
			snprintf(c.token, sizeof c.token, "%s", optarg);
			token_given = true;
			break;
		case 'j': c.json = true; break;
		case 'h': usage(stdout); return 0;
		case 'V': zt_version_print("zt-cli"); return 0;
		case ':': zt_cli_die("option -%c needs an argument (see zt-cli --help)", optopt);
		default:
			if (optopt)
				zt_cli_die("unknown option -%c (see zt-cli --help)", optopt);
			zt_cli_die("unknown option %s (see zt-cli --help)", argv[optind - 1]);
		}
	}
	if (optind >= argc) {
		usage(stderr);
		return 1;
	}
	cmd = find_command(argv[optind], argc - optind - 1, argv + optind + 1);
	zt_cli_api_defaults(&c, port_given, token_given);
	cmd->run(&c, argv + optind + 1);
	sodium_memzero(c.token, sizeof c.token);
	return 0;
}
