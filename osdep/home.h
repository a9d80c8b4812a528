/* SPDX-License-Identifier: MIT */
/*
 * home.h - files in the state directory (ztd's and zt-root's HOMEDIR):
 * create it, read small files whole, replace files atomically, list a
 * subdirectory, hold a lock so two daemons never share one home.
 *
 * Every function takes full paths (build them with zt_home_path) and
 * returns 0 or a negative errno.
 */
#ifndef ZT_OSDEP_HOME_H
#define ZT_OSDEP_HOME_H

#include <stddef.h>
#include <sys/types.h>

/* Longest path the programs build (PATH_MAX is 4096 on Linux). */
#define ZT_HOME_PATH_MAX 4096

/* out = dir "/" name; -ENAMETOOLONG if it does not fit in cap. */
int zt_home_path(char *out, size_t cap, const char *dir, const char *name);

/* Create dir (and missing parents) with mode 0700; an existing directory
 * is fine.  -ENOTDIR if it exists and is not a directory. */
int zt_home_mkdir(const char *dir);

/*
 * Read the whole file into buf and NUL-terminate it: *len is the number
 * of bytes (without the NUL).  -ENOENT if absent, -EFBIG if it holds
 * cap - 1 bytes or more (a state file that large is corrupt).
 */
int zt_home_read(const char *path, char *buf, size_t cap, size_t *len);

/*
 * Replace path with data atomically: write "<path>.tmp", fsync it, chmod
 * to mode, rename over path, fsync the directory.  A crash leaves either
 * the old or the new file, never a torn one.
 */
int zt_home_write(const char *path, const void *data, size_t len, mode_t mode);

/* Create path with data only if it does not exist yet (-EEXIST), as
 * atomically as zt_home_write: a crash leaves no file or the whole one. */
int zt_home_create(const char *path, const void *data, size_t len, mode_t mode);

/*
 * What a command prints as its product (a roots file, an invite code):
 * to stdout when path is NULL, else into path with zt_home_write, so a
 * command that fails leaves an existing file as it was.  0, or a negative
 * errno with the reason in err.
 */
int zt_home_output(const char *path, const void *data, size_t len, mode_t mode, char *err,
                   size_t errcap);

/* Remove path; a missing file is not an error. */
int zt_home_remove(const char *path);

/* Call fn(ctx, name) for each regular entry name of dir (no "." files),
 * in no particular order; stops at and returns the first non-zero return
 * of fn.  A missing dir lists nothing. */
int zt_home_list(const char *dir, int (*fn)(void *ctx, const char *name), void *ctx);

/* Take an exclusive lock on path (created 0600 with our pid in it) and
 * keep it while *fd stays open.  -EWOULDBLOCK if another process holds it;
 * then *other_pid is the pid written in the file (0 if unknown). */
int zt_home_lock(const char *path, int *fd, long *other_pid);

#endif
