/* SPDX-License-Identifier: MIT */
/*
 * netconf.h - the COM codec (netconf.c; the config codec and the signing
 * are public, in zt.h).
 */
#ifndef ZT_NODE_NETCONF_H
#define ZT_NODE_NETCONF_H

#include <stddef.h>
#include <stdint.h>

#include "wire.h"
#include "zt.h"

size_t zt_com_encode(const struct zt_com *c, uint8_t out[ZT_COM_LEN]);
int zt_com_decode(struct zt_com *c, const uint8_t *in, size_t len);

#endif
