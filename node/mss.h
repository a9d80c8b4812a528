/* SPDX-License-Identifier: MIT */
/*
 * mss.h - TCP MSS clamping of the SYNs that cross a network's switch (the
 * network's mssClamp).
 */
#ifndef ZT_NODE_MSS_H
#define ZT_NODE_MSS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Lower the MSS option of a TCP SYN in frame to clamp (0: off); true if
 * the frame was changed (checksum updated). */
bool zt_mss_clamp(uint8_t *frame, size_t len, unsigned clamp);

#endif
