/* SPDX-License-Identifier: MIT */
/*
 * cli_node.h - zt-cli's commands about this node and its peers.
 */
#ifndef ZT_SERVICE_CLI_NODE_H
#define ZT_SERVICE_CLI_NODE_H

#include "service/cli.h"

/* info: address, version, ONLINE or OFFLINE. */
void zt_cli_node_info(const struct zt_cli *c, char **args);
/* listpeers, peers: the known peers, their paths and roles. */
void zt_cli_node_peers(const struct zt_cli *c, char **args);

#endif
