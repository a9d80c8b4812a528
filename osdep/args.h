/* SPDX-License-Identifier: MIT */
/* args.h - command-line values shared by ztd, zt-root and zt-controller. */
#ifndef ZT_OSDEP_ARGS_H
#define ZT_OSDEP_ARGS_H

/* A port number 0-65535 given to option `opt`, or -1 after printing
 * "<prog>: <opt> <s>: expected a port number 0-65535" on stderr. */
int zt_args_port(const char *prog, const char *opt, const char *s);

#endif
