/* SPDX-License-Identifier: MIT */
/*
 * netfile.h - ztd's joined networks in its home directory:
 * HOMEDIR/networks.d/<nwid>.conf, one per joined network with its
 * settings (allowManaged=1 ... lines; an ad-hoc network's addresses as
 * ip=10.9.0.1/24,fd00::1/64), rejoined at start.  Saved on join
 * and on a change of settings, removed on leave.
 *
 * Errors are negative errno values; where a message helps the user it is
 * written into err (see doc/HACKING.md).
 */
#ifndef ZT_SERVICE_NETFILE_H
#define ZT_SERVICE_NETFILE_H

#include <stddef.h>
#include <stdint.h>

#include "service/netapply.h"

/* Write HOMEDIR/networks.d/<nwid>.conf with the settings s. */
int zt_netfile_save(const char *home, uint64_t nwid, const struct zt_net_settings *s, char *err,
                    size_t errcap);
/* The settings of nwid: defaults for a missing file or line. */
void zt_netfile_load(const char *home, uint64_t nwid, struct zt_net_settings *out);
/* Remove the file of nwid (a missing file is not an error). */
int zt_netfile_remove(const char *home, uint64_t nwid);
/* Fill up to cap network ids from networks.d; returns how many files
 * there are.  Files with other names are logged and skipped. */
size_t zt_netfile_list(const char *home, uint64_t *out, size_t cap);

#endif
