/* SPDX-License-Identifier: MIT */
/*
 * ctl_rate.h - the rate limits of config requests: a token bucket per
 * requester and two global ones (members, strangers), in struct zt_ctl;
 * ctl.h has the limits and why.
 */
#ifndef ZT_CONTROLLER_CTL_RATE_H
#define ZT_CONTROLLER_CTL_RATE_H

#include <stdint.h>

#include "controller/ctl.h"

/* May this request cost store work?  Its requester's slot (the caller
 * marks it a member when the answer is a config); NULL: no (not answered,
 * counted in rate_limited). */
struct zt_ctl_rate *zt_ctl_rate_take(struct zt_ctl *c, uint64_t address, int64_t now);

#endif
