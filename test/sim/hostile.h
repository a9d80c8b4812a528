/* SPDX-License-Identifier: MIT */
/*
 * hostile.h - an attacker in the simulator.
 *
 * A hostile host is a host on the fabric with no zt_node behind it: the
 * scenario drives it, and it sees every datagram sent to it.  It speaks
 * the protocol itself, with the core's own codec (wire.h, noise.h,
 * cookie.h) and libsodium, so it can do what a real attacker with the
 * source code can:
 *
 *   identities   its own, and sybils: fresh identities from a pool made
 *                once per run (each costs an Argon2id to make; the pool
 *                is shared by every scenario, see sim_pool_identity)
 *   raw packets  any bytes, from its own endpoint or from any other it
 *                claims (spoofing: sim_fabric_send_as; the fabric's books
 *                mark them, acct.h), now or scheduled (floods)
 *   sessions     a Noise IK handshake with any node whose public key it
 *                knows, as initiator or responder, then DATA messages of
 *                its choosing: an "authenticated stranger".  Each session
 *                has a destination endpoint and the hops bits it writes
 *                (hops > 0 says "relayed by a root": the receiver learns
 *                no path from it), and messages can leave from a spoofed
 *                source too
 *   forgeries    an HS_INIT under its own key that claims another
 *                address (valid mac1: anyone can make one), with mac2
 *                once a COOKIE was caught; Ethernet frames with any source
 *                MAC (another member's derived MAC); MC_LIKE claiming to
 *                bridge, NET_ANNOUNCE for any network it is not in
 *   replay       a capture of the fabric (any datagram a predicate picks,
 *                through the world's tap) to send again, from anywhere
 *   listening    everything that reaches it is counted; DATA of its
 *                sessions is decrypted (fragments reassembled) and counted
 *                per inner message type, and a callback sees each message
 *
 * It never calls libsodium's randombytes (main.c checks): randomness comes
 * from its own stream of the world's seed.  Free it after the world (the
 * fabric and the world's tap point to it until then).
 */
#ifndef ZT_SIM_HOSTILE_H
#define ZT_SIM_HOSTILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "noise.h"
#include "rng.h"
#include "wire.h"
#include "world.h"

/* One session the attacker holds (or is setting up). */
struct sim_hsess {
	unsigned id;   /* which of the attacker's identities */
	uint64_t peer; /* the other end */
	uint8_t peer_pk[32];
	struct zt_endpoint to; /* where its packets go (the peer, or a root) */
	uint8_t hops;          /* hops bits it writes */
	bool pending, up, initiator;
	struct zt_noise_hs hs; /* while pending */
	uint32_t local_index, remote_index;
	uint8_t send_key[32], recv_key[32];
	uint64_t send_ctr;
	uint8_t mac1[16]; /* of our last initiation: a COOKIE is bound to it */
	bool has_cookie;  /* then initiations carry mac2 */
	uint8_t cookie[16];
	uint64_t rx_msgs;
};

struct sim_capture {
	struct zt_endpoint from, to;
	size_t len;
	uint8_t data[ZT_UDP_MAX + 64];
};

#define SIM_HOSTILE_CAPTURES 16
#define SIM_HOSTILE_FRAGS    8

struct sim_hfrag {
	bool used;
	uint64_t src;
	uint32_t id;
	unsigned count, have;
	size_t len[ZT_FRAG_MAX];
	uint8_t data[ZT_FRAG_MAX][ZT_UDP_MAX];
};

struct sim_hostile {
	struct sim_world *w;
	int host; /* fabric host index */
	struct zt_endpoint ep;
	struct sim_rng rng;
	struct zt_identity *ids;
	unsigned nids, capids;
	struct sim_hsess *sess;
	unsigned nsess, capsess;
	uint64_t inits; /* initiations sent (their timestamps must grow) */

	/* what reached it */
	uint64_t rx_packets, rx_bytes;
	uint64_t rx_type[16];    /* by outer packet type */
	uint64_t rx_msgs[256];   /* decrypted inner messages by type */
	uint64_t rx_undecrypted; /* DATA for no session of ours */
	/* Called for every decrypted inner message (optional). */
	void (*on_msg)(void *ctx, struct sim_hostile *a, unsigned sess, const uint8_t *msg,
	               size_t len);
	void *on_msg_ctx;

	/* The last forged initiation (sim_hostile_forge_init): a COOKIE
	 * answering it is opened and kept here. */
	uint8_t forged_mac1[16], forged_pk[32];
	bool has_cookie;
	uint8_t cookie[16];
	int64_t cookie_at;

	/* capture (sim_hostile_capture) */
	bool (*pick)(void *ctx, const struct sim_dgram *d);
	void *pick_ctx;
	struct sim_capture *captured;
	unsigned ncaptured;

	struct sim_hfrag frags[SIM_HOSTILE_FRAGS];
	unsigned frag_next;
};

/* Identity i of the run's sybil pool (made on first use, deterministic;
 * kept for the whole run).  NULL if it cannot be made. */
const struct zt_identity *sim_pool_identity(unsigned i);

/* A hostile host at `ep` on the public Internet (realm 0) with the
 * world's member link, and its own identity from the pool's stream.
 * NULL on failure. */
struct sim_hostile *sim_hostile_new(struct sim_world *w, const struct zt_endpoint *ep);
void sim_hostile_free(struct sim_hostile *a);

/* Hold another identity (a sybil); returns its index, or -1. */
int sim_hostile_add_identity(struct sim_hostile *a, const struct zt_identity *id);
/* Hold `count` pool identities starting at pool index `first`; returns the
 * index of the first, or -1. */
int sim_hostile_sybils(struct sim_hostile *a, unsigned first, unsigned count);
uint64_t sim_hostile_address(const struct sim_hostile *a, unsigned id);

/* Start a handshake as identity `id` with `peer` (public key peer_pk),
 * sending to `to` with hops bits `hops`.  Returns the session index, or
 * -1.  It is up once the response came (a KEEPALIVE then confirms it);
 * a COOKIE in between gets a new initiation with mac2 at once. */
int sim_hostile_connect(struct sim_hostile *a, unsigned id, uint64_t peer,
                        const uint8_t peer_pk[32], const struct zt_endpoint *to, unsigned hops);
/* The session of identity `id` with `peer` that is up (or -1). */
int sim_hostile_session(const struct sim_hostile *a, unsigned id, uint64_t peer);
/* Connect to a node of the world (its key and first socket), directly. */
int sim_hostile_connect_host(struct sim_hostile *a, unsigned id, const struct sim_host *h,
                             unsigned hops);

/* Send inner message msg over session s: from our own endpoint, or
 * claiming `from` (spoofed).  0, or -1 if the session is not up. */
int sim_hostile_send(struct sim_hostile *a, unsigned s, const uint8_t *msg, size_t len);
int sim_hostile_send_as(struct sim_hostile *a, unsigned s, const struct zt_endpoint *from,
                        const uint8_t *msg, size_t len);
/* The sealed DATA packet for msg, without sending it; its length. */
size_t sim_hostile_seal(struct sim_hostile *a, unsigned s, const uint8_t *msg, size_t len,
                        uint8_t *out);

/* Any datagram, from our endpoint (from NULL) or any other; now, or at
 * absolute virtual time `at` (a flood is many of these). */
void sim_hostile_raw(struct sim_hostile *a, const struct zt_endpoint *from,
                     const struct zt_endpoint *to, const void *pkt, size_t len);
void sim_hostile_raw_at(struct sim_hostile *a, int64_t at, const struct zt_endpoint *from,
                        const struct zt_endpoint *to, const void *pkt, size_t len);

/* An HS_INIT from identity `id`'s key that claims source address
 * `claimed` (which its key does not give) to `dst` (public key dst_pk),
 * with a valid mac1 and, if a cookie was caught, mac2.  Always
 * ZT_HS_INIT_LEN bytes. */
void sim_hostile_forge_init(struct sim_hostile *a, unsigned id, uint64_t claimed, uint64_t dst,
                            const uint8_t dst_pk[32], uint8_t out[ZT_HS_INIT_LEN]);

/* Keep copies of the datagrams pick() selects (up to
 * SIM_HOSTILE_CAPTURES): an eavesdropper on the path.  Installs the
 * world's tap. */
void sim_hostile_capture(struct sim_hostile *a, bool (*pick)(void *ctx, const struct sim_dgram *d),
                         void *ctx);

/* Inner message builders; each returns the length written. */
size_t sim_msg_endpoint(uint8_t *out, const struct zt_endpoint *ep);
size_t sim_msg_birthday(uint8_t *out, const struct zt_endpoint *ep);
size_t sim_msg_announce(uint8_t *out, uint64_t nwid, bool leaving);
/* MC_LIKE: n groups (mac, adi), n <= ZT_MC_PER_MSG */
size_t sim_msg_mc_like(uint8_t *out, uint64_t nwid, unsigned flags, const uint8_t (*macs)[6],
                       const uint32_t *adis, unsigned n);
/* FRAME: nwid, then an Ethernet frame dst, src, ethertype, payload */
size_t sim_msg_frame(uint8_t *out, uint64_t nwid, const uint8_t dst[6], const uint8_t src[6],
                     uint16_t ethertype, const void *payload, size_t plen);

#endif
