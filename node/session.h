/* SPDX-License-Identifier: MIT */
/*
 * session.h - transport keys and DATA packets (session.c): a keypair from
 * one handshake, sealed and opened with ChaCha20-Poly1305 or AES-256-GCM.
 */
#ifndef ZT_NODE_SESSION_H
#define ZT_NODE_SESSION_H

#include <sodium.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "replay.h"
#include "wire.h"
#include "zt.h"

/* Transport ciphers (negotiated in the handshake, doc/PROTOCOL.md §4). */
enum zt_cipher { ZT_CIPHER_CHACHA20POLY1305 = 0, ZT_CIPHER_AES256GCM = 1 };

struct zt_aes_keys {
	crypto_aead_aes256gcm_state send, recv;
};

/* Transport keys from one handshake. */
struct zt_keypair {
	bool valid;
	bool initiator;
	bool confirmed;    /* the responder may send only after the initiator did */
	uint8_t cipher;    /* enum zt_cipher */
	bool told_version; /* our VERSION went out under these keys (swver.c) */
	/* AES-256-GCM: the expanded keys (send, recv), allocated with the
	 * keypair so that no packet pays for key expansion; NULL otherwise
	 * (or if allocation failed: then each packet expands the key). */
	struct zt_aes_keys *aes;
	uint32_t local_index, remote_index;
	uint8_t send_key[32], recv_key[32];
	uint64_t send_counter;
	int64_t born;
	/* The window's top at the last timer look (zt_peer_keypairs_expire)
	 * and, as previous keys, when it last moved and whether the current
	 * keys have moved since while these did not (the peer has switched). */
	uint64_t seen_top;
	int64_t seen_at;
	bool superseded;
	struct zt_replay replay;
};

/* Wipe a keypair and free its AES state (it stays allocated itself). */
void zt_session_wipe(const struct zt_mem *mem, struct zt_keypair *kp);
/* Install transport keys with their cipher (allocates AES state). */
void zt_session_set_keys(const struct zt_mem *mem, struct zt_keypair *kp, uint8_t cipher,
                         const uint8_t send_key[32], const uint8_t recv_key[32]);
/* Build a DATA packet in out (cap >= len + ZT_DATA_OVERHEAD). */
size_t zt_session_seal(struct zt_keypair *kp, uint64_t dst, uint64_t src, const uint8_t *msg,
                       size_t len, uint8_t *out);
/* Open a DATA packet with kp; 0 = ok (plaintext in out, *out_len), or
 * ZT_EINVAL (replayed/too old), ZT_ECRYPTO (does not authenticate). */
int zt_session_open(struct zt_keypair *kp, const uint8_t *pkt, size_t len, uint8_t *out,
                    size_t *out_len);

/* The same in steps (parallel crypto, batch.c): seal_job writes the
 * header to out, copies msg to plain and fills the job (returns the
 * packet length once sealed); open_job checks the replay window and fills
 * the job (ZT_EINVAL: replayed/too short); open_finish moves the window
 * after the job ran (ZT_ECRYPTO, ZT_EINVAL or ZT_OK). */
size_t zt_session_seal_job(struct zt_keypair *kp, uint64_t dst, uint64_t src, const uint8_t *msg,
                           size_t len, uint8_t *plain, uint8_t *out, struct zt_crypto_job *j);
int zt_session_open_job(const struct zt_keypair *kp, const uint8_t *pkt, size_t len, uint8_t *out,
                        struct zt_crypto_job *j);
int zt_session_open_finish(struct zt_keypair *kp, const struct zt_crypto_job *j);
/* A job's associated data is the DATA header (zt.h cannot say so). */
_Static_assert(sizeof((struct zt_crypto_job *)0)->ad == ZT_DATA_HDR_LEN,
               "struct zt_crypto_job's ad[] must hold a DATA header");

#endif
