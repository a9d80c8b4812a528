/* SPDX-License-Identifier: MIT */
/*
 * hsclient.h - the initiator's side of a session with a root, over bytes
 * (no zt_node): what bench/rekeyer and bench/dosgen need to talk to a real
 * zt-root over a real network.  Built from the core's own codec (noise.h,
 * cookie.h, session.h), so the packets are exactly a node's; only the
 * choices differ (a flooder picks the claimed address, the key, the cookie
 * and the source it sends from).
 */
#ifndef ZT_BENCH_HSCLIENT_H
#define ZT_BENCH_HSCLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "node/noise.h"
#include "node/session.h"
#include "node/wire.h"
#include "node/zt.h"

/* The network whose hash the bench's legitimate nodes announce (an ad-hoc
 * id), so that a root's directory holds them as members of one network. */
#define HSCLIENT_BENCH_NWID 0xff00000000000001ULL

struct hsclient_root {
	uint64_t address;
	uint8_t pk[32];
	uint8_t mac1_key[32];   /* H("zt-mac1" || pk) */
	uint8_t cookie_key[32]; /* H("zt-cookie" || pk) */
};

/* An initiation in flight. */
struct hsclient_hs {
	struct zt_noise_hs noise;
	uint32_t index;
	uint8_t mac1[16];
};

/* The root's public identity text ("aaaaaaaaaa:<pk hex>"). */
int hsclient_root_parse(struct hsclient_root *r, const char *text);

/* An HS_INIT to r with the key of `id`, claiming `src` as the sender's
 * address in the outer header (id->address for an honest initiation; a
 * forger puts any other).  `ts` is the payload timestamp the root checks
 * for replays, `e_seed` 32 random bytes for the ephemeral key; `cookie` (16
 * bytes) sets mac2, NULL leaves it zero.  hs may be NULL (a flooder does
 * not read the answer). */
int hsclient_init(uint8_t pkt[ZT_HS_INIT_LEN], struct hsclient_hs *hs,
                  const struct hsclient_root *r, const struct zt_identity *id, uint64_t src,
                  uint32_t index, uint64_t ts, const uint8_t e_seed[32], const uint8_t *cookie);

/* Give an initiation a new claimed sender address and sender index and
 * recompute its MACs (the Noise body stays: it does not cover them). */
void hsclient_readdress(uint8_t pkt[ZT_HS_INIT_LEN], const struct hsclient_root *r, uint64_t src,
                        uint32_t index, const uint8_t *cookie);

/* Recompute mac1 and mac2 (cookie NULL: mac2 zero). */
void hsclient_macs(uint8_t pkt[ZT_HS_INIT_LEN], const struct hsclient_root *r,
                   const uint8_t *cookie);

/* The cookie in a COOKIE reply (pkt, len) to the initiation whose mac1 it
 * names; ZT_OK or ZT_ECRYPTO/ZT_EINVAL. */
int hsclient_cookie(uint8_t cookie[16], const struct hsclient_root *r, const uint8_t mac1[16],
                    const uint8_t *pkt, size_t len);

/* Consume an HS_RESP to hs (from identity id) into transport keys kp
 * (ChaCha20-Poly1305; the initiation did not offer AES).  Wipes hs. */
int hsclient_resp(struct hsclient_hs *hs, const struct zt_identity *id, const uint8_t *pkt,
                  size_t len, struct zt_keypair *kp);

/* A random valid (not reserved) 40-bit address from 8 random bytes. */
uint64_t hsclient_address(uint64_t rnd);

#endif
