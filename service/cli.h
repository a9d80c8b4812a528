/* SPDX-License-Identifier: MIT */
/*
 * cli.h - zt-cli's options and the helpers every command uses: the one
 * error exit, what it releases on the way out, and reading and printing
 * the API's JSON.  zt-cli's files:
 *
 *   cli.c        the options, the table of commands, --help, main
 *   cli_api.c    finding ztd's API (port, token) and asking it
 *   cli_node.c   info, listpeers: this node and the peers it knows
 *   cli_net.c    join, leave, set, listnetworks
 *   cli_rules.c  rules, trace: the rules in force and what they dropped
 *
 * zt-cli is its own program: ztd's files never include these headers.
 */
#ifndef ZT_SERVICE_CLI_H
#define ZT_SERVICE_CLI_H

#include <jansson.h>
#include <stdbool.h>

#include "osdep/home.h"

#define ZT_CLI_TOKEN_MAX 256

struct zt_cli {
	const char *home;
	int port;
	char token[ZT_CLI_TOKEN_MAX];
	char token_err[2 * ZT_HOME_PATH_MAX + 256]; /* why there is no token, if there is none */
	bool json;
};

/* Print "zt-cli: <message>" on stderr and exit with status 1, releasing
 * what is held first: every exit stays leak-free under LeakSanitizer. */
void zt_cli_die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
/* Hold j (at most four at once) until zt_cli_release() or zt_cli_die();
 * returns j. */
json_t *zt_cli_hold(json_t *j);
/* Forget j and drop its reference (NULL: nothing). */
void zt_cli_release(json_t *j);
/* Hold the one response buffer zt_cli_die() frees (NULL: none); returns
 * buf. */
char *zt_cli_hold_buf(char *buf);

/* What -j prints: j, indented. */
void zt_cli_print_json(const json_t *j);
/* With -j: print j (the API's answer as it came) and release it; true
 * then, and the command is done. */
bool zt_cli_json_done(const struct zt_cli *c, json_t *j);
/* o's string at key; dflt when it is absent, empty or not a string. */
const char *zt_cli_str(const json_t *o, const char *key, const char *dflt);
/* o's integer at key; dflt when it is absent or not an integer. */
long long zt_cli_num(const json_t *o, const char *key, long long dflt);

#endif
