/* SPDX-License-Identifier: MIT */
/*
 * state.h - the files that ztd, zt-root and zt-controller keep alike in
 * their home directory, and the one-line messages about them:
 *
 *   identity.secret, identity.public   (osdep/idfile.h)
 *   authtoken.secret   0600  the API token, 24 random alphanumerics
 *   roots              0644  the signed roots file in use
 *   roots.signer       0644  hex Ed25519 key pinned at the first roots file
 *   roots.seen         0644  signer, timestamp and digest of the last roots
 *                            file accepted (no rollback to an older one)
 *   ztd.port           0644  the API's TCP port, for zt-cli
 *   <program>.pid      0600  lock: one program of a kind per home
 *
 * (ztd's networks.d is service/netfile.h.)  Functions that can fail
 * return 0 or a negative errno and write a one-line message into err.
 */
#ifndef ZT_OSDEP_STATE_H
#define ZT_OSDEP_STATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "node/zt.h"

#define ZT_STATE_TOKEN_LEN 24
#define ZT_STATE_TOKEN_MAX 128
#define ZT_STATE_ROOTS_MAX 65536
#define ZT_STATE_ERR_MAX   512

/* Create HOMEDIR (mode 0700, with its parents) and lock HOMEDIR/lockname
 * with our pid in it, so that two copies of prog never share one home:
 * -EWOULDBLOCK (another prog still runs there after ZT_STATE_LOCK_WAIT_MS:
 * one that is stopping is waited for) or another -errno.  *lock_fd holds
 * the lock until it is closed. */
#define ZT_STATE_LOCK_WAIT_MS 1500
int zt_state_lock_home(const char *home, const char *lockname, const char *prog, int *lock_fd,
                       char *err, size_t errcap);

/* Load HOMEDIR/authtoken.secret into token (NUL-terminated, at most
 * ZT_STATE_TOKEN_MAX chars), creating it if missing. */
int zt_state_token(const char *home, char *token, size_t cap, char *err, size_t errcap);
/* The same for another token file (ztd's metricstoken.secret: a token
 * that reads GET /metrics and nothing else, as ZeroTier's). */
int zt_state_token_file(const char *home, const char *name, char *token, size_t cap, char *err,
                        size_t errcap);

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

/* HOMEDIR/ztd.port and HOMEDIR/zerotier-one.port (the name ZeroTier's
 * zerotier-cli looks for). */
int zt_state_write_port(const char *home, unsigned port, char *err, size_t errcap);

/* The timestamp of the roots file last accepted (HOMEDIR/roots.seen), 0
 * if none or unreadable. */
int64_t zt_state_roots_stamp(const char *home);

/* Read a file of at most cap - 1 bytes for a user-named path (-r FILE,
 * zt-root's arguments) with a one-line message on failure.  `what`
 * names the file in messages ("roots file"). */
int zt_state_read_file(const char *path, const char *what, char *buf, size_t cap, size_t *len,
                       char *err, size_t errcap);

#endif
