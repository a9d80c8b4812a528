/* SPDX-License-Identifier: MIT */
/* args.h - command-line values shared by ztd, zt-root and zt-controller. */
#ifndef ZT_OSDEP_ARGS_H
#define ZT_OSDEP_ARGS_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "node/zt.h"

/* The port number 0-65535 given to option `opt` as s into *port: 0, or
 * -EINVAL with "<opt> <s>: expected a port number 0-65535" in err. */
int zt_args_port(const char *opt, const char *s, uint16_t *port, char *err, size_t errcap);

/*
 * An endpoint that other machines are to send to (a root's -e, a
 * ROOTSPEC's addresses), given as s for `what`, into *ep: 0, or -EINVAL
 * with one line in err saying what is wrong and what to give instead.
 * Refused: anything but IP/PORT, port 0, the unspecified address
 * (0.0.0.0/8, ::), broadcast and reserved IPv4 (240.0.0.0/4), multicast,
 * and IPv6 link-local (a roots file cannot carry its interface).
 */
int zt_args_endpoint(const char *what, const char *s, struct zt_endpoint *ep, char *err,
                     size_t errcap);

/* "IP:PORT" or "[IPv6]:PORT" (a listener's address: --metrics, --ui) into
 * a socket address: 0, or -EINVAL (port 0 too). */
struct sockaddr_storage;
int zt_args_listen_addr(const char *text, struct sockaddr_storage *ss, socklen_t *len);

#endif
