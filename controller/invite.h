/* SPDX-License-Identifier: MIT */
/*
 * invite.h - `zt-controller invite`: ask the running controller of HOMEDIR
 * (its admin API) for an invite token and print the invite code.
 */
#ifndef ZT_CONTROLLER_INVITE_H
#define ZT_CONTROLLER_INVITE_H

/* argv[0] is "invite"; returns the exit status. */
int zt_invite_main(int argc, char **argv, const char *default_home);

#endif
