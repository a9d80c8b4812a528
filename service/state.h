/* SPDX-License-Identifier: MIT */
/*
 * state.h - ztd's files in its home directory, and the one-line messages
 * about them:
 *
 *   identity.secret, identity.public   (osdep/idfile.h)
 *   authtoken.secret   0600  the API token, 24 random alphanumerics
 *   roots              0644  the signed roots file in use
 *   roots.signer       0644  hex Ed25519 key pinned at the first roots file
 *   roots.seen         0644  signer, timestamp and digest of the last roots
 *                            file accepted (no rollback to an older one)
 *   ztd.port           0644  the API's TCP port, for zt-cli
 *   ztd.pid            0600  lock: one ztd per home
 *   networks.d/<nwid>.conf   one per joined network, rejoined at start
 *
 * Functions that can fail for a reason the user must fix return -1 (or a
 * negative errno) and write the message into err.
 */
#ifndef ZT_SERVICE_STATE_H
#define ZT_SERVICE_STATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "node/zt.h"
#include "service/netapply.h"

#define ZT_STATE_TOKEN_LEN 24
#define ZT_STATE_TOKEN_MAX 128
#define ZT_STATE_ROOTS_MAX 65536
#define ZT_STATE_ERR_MAX   512

/* Load HOMEDIR/authtoken.secret into token (NUL-terminated, at most
 * ZT_STATE_TOKEN_MAX chars), creating it if missing. */
int zt_state_token(const char *home, char *token, size_t cap, char *err, size_t errcap);

/*
 * The roots to use: roots_file (verified, then copied to HOMEDIR/roots)
 * if given, else HOMEDIR/roots if present, else none (*have = false).
 * The signer is pinned in HOMEDIR/roots.signer the first time; a file
 * from another signer is refused with a message saying how to re-pin.  A
 * file older than the last one accepted from its signer (HOMEDIR/roots.seen)
 * is refused with a message naming both timestamps.
 */
int zt_state_roots(const char *home, const char *roots_file, struct zt_roots *out, bool *have,
                   char *err, size_t errcap);

/* HOMEDIR/ztd.port */
int zt_state_write_port(const char *home, unsigned port, char *err, size_t errcap);

/* networks.d/<nwid>.conf: save on join, remove on leave, list at start
 * (fills up to cap ids, returns how many files there are; files with
 * other names are logged and skipped). */
int zt_state_net_save(const char *home, uint64_t nwid, char *err, size_t errcap);
/* The same with the network's settings (allowManaged=1 ... lines); load
 * fills defaults for a missing file or line. */
int zt_state_net_save_settings(const char *home, uint64_t nwid, const struct zt_net_settings *s,
                               char *err, size_t errcap);
void zt_state_net_load_settings(const char *home, uint64_t nwid, struct zt_net_settings *out);
int zt_state_net_remove(const char *home, uint64_t nwid);
size_t zt_state_net_list(const char *home, uint64_t *out, size_t cap);

/* Read a file of at most cap - 1 bytes for a user-named path (-r FILE,
 * zt-root's arguments) with a one-line message on failure.  `what`
 * names the file in messages ("roots file"). */
int zt_state_read_file(const char *path, const char *what, char *buf, size_t cap, size_t *len,
                       char *err, size_t errcap);

#endif
