/* SPDX-License-Identifier: MIT */
/*
 * invite.h - `zt-controller invite`: ask the running controller of HOMEDIR
 * (its admin API) for an invite token and print the invite code.
 */
#ifndef ZT_CONTROLLER_INVITE_H
#define ZT_CONTROLLER_INVITE_H

#include <stddef.h>

/* argv[0] is "invite"; returns the exit status. */
int zt_invite_main(int argc, char **argv, const char *default_home);

/* One request to the admin API of the controller running in home (port
 * and token from its files): the answer's status and body (NUL-terminated)
 * in out.  0, or a negative errno with the reason in err. */
int zt_invite_api(const char *home, const char *method, const char *path, const char *body,
                  int *status, char *out, size_t cap, char *err, size_t errcap);

#endif
