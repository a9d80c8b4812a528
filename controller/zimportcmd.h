/* SPDX-License-Identifier: MIT */
/*
 * zimportcmd.h - `zt-controller import-zerotier` and `zt-controller export`
 * (doc/migrate.md).
 */
#ifndef ZT_CONTROLLER_ZIMPORTCMD_H
#define ZT_CONTROLLER_ZIMPORTCMD_H

/* argv[0] is the command's name; they return the exit status. */
int zt_zimport_main(int argc, char **argv, const char *default_home);
int zt_zexport_main(int argc, char **argv, const char *default_home);

#endif
