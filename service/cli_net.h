/* SPDX-License-Identifier: MIT */
/*
 * cli_net.h - zt-cli's commands about networks: join, leave, set,
 * listnetworks.
 */
#ifndef ZT_SERVICE_CLI_NET_H
#define ZT_SERVICE_CLI_NET_H

#include <stddef.h>
#include <stdint.h>

#include "service/cli.h"

/* The API's path of network arg ("/network/<16 hex digits>") into path;
 * returns the network id.  An id that does not parse ends the program. */
uint64_t zt_cli_net_path(const char *arg, char *path, size_t cap);

/* join <nwid> | <invite code> */
void zt_cli_net_join(const struct zt_cli *c, char **args);
/* leave <nwid> */
void zt_cli_net_leave(const struct zt_cli *c, char **args);
/* set <nwid> key=value */
void zt_cli_net_set(const struct zt_cli *c, char **args);
/* listnetworks */
void zt_cli_net_list(const struct zt_cli *c, char **args);

#endif
