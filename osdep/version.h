/* SPDX-License-Identifier: MIT */
/*
 * version.h - the software's version, the content of the VERSION file at the
 * top of the tree (the Makefile builds version.c with it), so that every
 * program's --version, its log and the local API say the same.
 */
#ifndef ZT_OSDEP_VERSION_H
#define ZT_OSDEP_VERSION_H

/* "0.1.0" */
const char *zt_version(void);

/* The leading numbers of the version: "0.1.0" -> 0, 1, 0; a part the
 * version does not have (or a part that is not a number) is -1. */
void zt_version_parts(int *major, int *minor, int *patch);

/* "<prog> <version>" on stdout: every program's --version. */
void zt_version_print(const char *prog);

#endif
