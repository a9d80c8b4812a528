/* SPDX-License-Identifier: MIT */
/*
 * cli_rules.h - zt-cli's commands about a network's rules: the rules in
 * force, printed in the rules language, and the frames they dropped.
 */
#ifndef ZT_SERVICE_CLI_RULES_H
#define ZT_SERVICE_CLI_RULES_H

#include "service/cli.h"

/* rules <nwid> */
void zt_cli_rules_show(const struct zt_cli *c, char **args);
/* trace <nwid> */
void zt_cli_rules_trace(const struct zt_cli *c, char **args);

#endif
