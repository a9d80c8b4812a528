/* SPDX-License-Identifier: MIT */
/*
 * rulescmd.h - `zt-controller rules compile FILE`: a rule script to the
 * JSON of a network's rules, capabilities and tags (controller/rulesc.h).
 */
#ifndef ZT_CONTROLLER_RULESCMD_H
#define ZT_CONTROLLER_RULESCMD_H

/* argv[0] is "rules"; returns the exit status. */
int zt_rulescmd_main(int argc, char **argv);

#endif
