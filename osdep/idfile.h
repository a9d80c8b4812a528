/* SPDX-License-Identifier: MIT */
/*
 * idfile.h - a node's identity on disk, shared by ztd and zt-root:
 * HOMEDIR/identity.secret (mode 0600, the secret text form) and
 * HOMEDIR/identity.public (0644, the public text form).
 *
 * Errors are negative errno values: -ENOENT (no file), -EINVAL (the file
 * is not a valid identity with its secret key), -EEXIST, or the error of
 * the failed file operation.
 */
#ifndef ZT_OSDEP_IDFILE_H
#define ZT_OSDEP_IDFILE_H

#include <stdbool.h>

#include "node/zt.h"

#define ZT_IDFILE_SECRET "identity.secret"
#define ZT_IDFILE_PUBLIC "identity.public"

/* Read and verify an identity secret file.  Wipe *out when done. */
int zt_idfile_read(const char *path, struct zt_identity *out);

/* Generate a new identity and write it to path (mode 0600); path must
 * not exist yet, so that an existing identity is never overwritten. */
int zt_idfile_generate(const char *path, struct zt_identity *out);

/* Load HOMEDIR/identity.secret, creating it first if it is missing;
 * (re)write HOMEDIR/identity.public if it is missing.  *created says
 * whether a new identity was made. */
int zt_idfile_load_home(const char *home, struct zt_identity *out, bool *created);

#endif
