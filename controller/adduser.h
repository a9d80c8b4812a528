/* SPDX-License-Identifier: MIT */
/*
 * adduser.h - `zt-controller adduser [-D HOMEDIR] NAME` (a web UI
 * administrator, or a new password for one) and `zt-controller deluser
 * [-D HOMEDIR] NAME`, through the running controller's admin API.
 */
#ifndef ZT_CONTROLLER_ADDUSER_H
#define ZT_CONTROLLER_ADDUSER_H

/* argv[0] is "adduser" or "deluser"; returns the exit status. */
int zt_adduser_main(int argc, char **argv, const char *default_home);

#endif
