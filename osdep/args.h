/* SPDX-License-Identifier: MIT */
/* args.h - command-line values shared by ztd, zt-root and zt-controller. */
#ifndef ZT_OSDEP_ARGS_H
#define ZT_OSDEP_ARGS_H

#include <stddef.h>
#include <stdint.h>

/* The port number 0-65535 given to option `opt` as s into *port: 0, or
 * -EINVAL with "<opt> <s>: expected a port number 0-65535" in err. */
int zt_args_port(const char *opt, const char *s, uint16_t *port, char *err, size_t errcap);

#endif
