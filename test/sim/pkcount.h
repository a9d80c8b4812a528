/* SPDX-License-Identifier: MIT */
/*
 * pkcount.h - how much public-key and memory-hard work each node did.
 *
 * The simulator is linked with `-Wl,--wrap=` for the libsodium calls that
 * cost real CPU per packet (Makefile, $(SIM_BIN)): every call, from the core
 * or from the simulator, goes through a counting wrapper here.  simhost.c
 * takes a mark before each call into a node and charges the difference to
 * that node afterwards (a node never runs inside another node's call: the
 * fabric only schedules), so per-node counts need no change to node/.
 */
#ifndef ZT_SIM_PKCOUNT_H
#define ZT_SIM_PKCOUNT_H

#include <stdint.h>

struct sim_pk {
	uint64_t argon2id;       /* crypto_pwhash: address derivations (identity checks) */
	uint64_t x25519;         /* crypto_scalarmult: Diffie-Hellman */
	uint64_t x25519_base;    /* crypto_scalarmult_base: ephemeral key pairs */
	uint64_t ed25519_verify; /* crypto_sign_verify_detached */
	uint64_t ed25519_sign;   /* crypto_sign_detached */
};

/* Everything counted since the program started. */
extern struct sim_pk sim_pk_total;

/* to += sim_pk_total - *mark */
void sim_pk_charge(struct sim_pk *to, const struct sim_pk *mark);

#endif
