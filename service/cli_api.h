/* SPDX-License-Identifier: MIT */
/*
 * cli_api.h - zt-cli's client of ztd's local API on 127.0.0.1: one
 * request per connection, the response read to EOF (ztd closes after
 * answering), bounded in size and time.
 */
#ifndef ZT_SERVICE_CLI_API_H
#define ZT_SERVICE_CLI_API_H

#include <jansson.h>
#include <stdbool.h>

#include "service/cli.h"

#define ZT_CLI_API_DEFAULT_PORT 9993

/* Fill in what the options left out: the port from HOMEDIR/ztd.port (else
 * ZT_CLI_API_DEFAULT_PORT), the token from HOMEDIR/authtoken.secret (else
 * c->token_err says why there is none). */
void zt_cli_api_defaults(struct zt_cli *c, bool port_given, bool token_given);
/* One request: the answer's HTTP status and its JSON body (held; NULL if
 * the body is not JSON, with je saying why).  A refused token ends the
 * program: no command can go on without it. */
json_t *zt_cli_api_call_status(const struct zt_cli *c, const char *method, const char *path,
                               const char *body, int *status, json_error_t *je);
/* The JSON body (held) of a 200 answer; anything else ends the program
 * with the API's error message. */
json_t *zt_cli_api_call(const struct zt_cli *c, const char *method, const char *path,
                        const char *body);

#endif
