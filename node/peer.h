/* SPDX-License-Identifier: MIT */
/*
 * peer.h - peers, their direct paths and their keypairs (peer.c).
 */
#ifndef ZT_NODE_PEER_H
#define ZT_NODE_PEER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "noise.h"
#include "rate.h"
#include "session.h"
#include "wire.h"
#include "zt.h"

/* A direct underlay path to a peer. */
struct zt_path {
	bool used;
	struct zt_endpoint ep;
	int64_t sock;
	int64_t discovered;
	int64_t last_rx, last_tx, last_echo;
	int rtt;             /* ms, -1 unknown */
	unsigned unanswered; /* ECHOs sent since we last heard on this path */
	int64_t tx_since_rx; /* the first packet sent since we last heard on it */
	/* Path MTU (pmtu.c): datagram sizes, 0 = not probed (ZT_PMTU_MIN). */
	uint16_t pmtu;             /* largest datagram known to cross */
	uint16_t pmtu_lo, pmtu_hi; /* search: largest acknowledged, smallest lost */
	uint16_t probe_size;       /* outstanding probe (0: none) */
	uint8_t probe_tries;
	uint32_t probe_id;
	int64_t probe_sent, pmtu_searched, pmtu_confirmed;
	/* Path validation (doc/PROTOCOL.md §8 "Path validation"): an
	 * endpoint learnt from a packet's source has not shown that the peer
	 * receives there (a source is easy to forge).  Until it does, by
	 * echoing a challenge or by using keys our HS_RESP sent there, only
	 * as many bytes go there as came from it (credit), and no traffic. */
	bool validated;
	bool vouched;           /* a candidate from a root or the roots file */
	uint32_t credit;        /* not validated: bytes from there minus bytes sent */
	uint32_t resp_index;    /* our HS_RESP for this keypair index went here */
	uint8_t challenge[12];  /* the ECHO payload only a receiver there knows */
	int64_t challenge_sent; /* last sent (0: none yet) */
};

struct zt_qmsg {
	uint16_t len;
	uint8_t *data; /* an inner message (plaintext) */
};

/* Our pending initiation (zt_peer_hs_begin/_end): allocated only while one
 * is pending, or while a cookie it got may serve the next one; most peers,
 * and every node registered at a root, have none most of the time. */
struct zt_peer_hs {
	struct zt_noise_hs noise;
	uint32_t index; /* our sender index in the initiation */
	int64_t started, last_sent;
	uint8_t mac1[16];  /* of the last initiation sent (cookie AD) */
	uint8_t bad_resps; /* responses to it that did not authenticate */
	bool has_cookie;
	uint8_t cookie[16]; /* from a COOKIE reply: mac2 of our next initiations */
	int64_t cookie_at;
};

/* What a node keeps about each of its roots (allocated when a peer becomes
 * a root, zt_node_set_roots; NULL for every other peer). */
struct zt_root_link {
	int64_t register_sent;
	int64_t awaiting_since;       /* first request not answered yet (0: none) */
	int rtt;                      /* from REGISTER round trips, -1 unknown */
	struct zt_endpoint reflected; /* how this root sees us */
	/* The TCP fallback (timers.c). */
	int64_t tcp_sock; /* -1: none */
	int64_t tcp_tried, udp_probe_at;
};

/* How a member finds and reaches a peer: lookups through the roots, the
 * kind of path and NAT traversal (allocated at the first WHOIS,
 * RENDEZVOUS or path change; roots never need it for their nodes). */
struct zt_peer_reach {
	int64_t whois_sent, rendezvous_sent;
	int64_t kind_since;     /* when kind last changed */
	uint64_t via;           /* the relaying root while kind is RELAY */
	int64_t punch_until;    /* probe candidates fast until then (nat.c) */
	int64_t punch_since;    /* ... since then (a window RENDEZVOUS extends) */
	int64_t birthday_at;    /* last birthday attempt with this peer */
	struct zt_endpoint pub; /* its public endpoint from the last RENDEZVOUS */
};

/* Roots: a registered node's LAN endpoints and port mappings from its
 * REGISTER (nat.c, relay.c), sized by need; NULL when it has none. */
struct zt_peer_eps {
	uint8_t nlocals, nmapped;
	struct zt_endpoint ep[]; /* nlocals LAN endpoints, then nmapped mappings */
};

/*
 * A peer.  Memory matters here: a root holds one per registered node
 * (doc/PROTOCOL.md "Memory"), so what most peers never need hangs off
 * pointers, allocated on demand and freed when done: the previous and next
 * keypairs (only around a rekey), the handshake state (only while ours is
 * pending), the paths (as many as were found, at most ZT_PEER_MAX_PATHS),
 * the root link, the LAN endpoints, the message queue.  No allocation
 * happens per data packet: only at handshakes, path discovery and REGISTER.
 */
struct zt_peer {
	struct zt_peer *hnext;    /* hash chain */
	const struct zt_mem *mem; /* the node's: for what the peer owns */
	uint64_t address;
	uint8_t pk[32];
	bool has_identity; /* pk verified against address */
	bool is_root;
	bool hs_pending;  /* an initiation of ours is pending (hs is allocated) */
	uint8_t kind;     /* enum zt_path_kind */
	uint8_t nat_type; /* enum zt_nat_type, as its REGISTER said */
	uint8_t npaths;   /* slots in paths[] (used or not) */
	uint8_t qhead, qcount;

	/* The current keypair; the previous one (kept until it expires) and
	 * the next one (the responder's, until the initiator uses it) are
	 * allocated around a rekey only (zt_peer_keypair_* in peer.c). */
	struct zt_keypair kp_cur;
	struct zt_keypair *kp_prev, *kp_next;

	struct zt_peer_hs *hs;
	uint64_t last_init_ts; /* newest initiation timestamp accepted */

	/* Direct paths: npaths slots, grown by zt_peer_add_* and learn_path,
	 * trimmed by the timers.  A path pointer is valid until the next call
	 * that adds a path to this peer or runs its timers. */
	struct zt_path *paths;
	struct zt_peer_reach *reach;

	int64_t created, last_rx, last_tx, last_frame;
	struct zt_rate rate;       /* roots: its requests' buckets (rate.c) */
	unsigned dir_count;        /* roots: directory entries this peer announced */
	int64_t later_at;          /* roots: LATE due for this peer (0: none) */
	struct zt_root_link *root; /* when it is (or was) one of our roots */

	struct zt_peer_eps *eps; /* roots: its LAN endpoints and port mappings */

	struct zt_qmsg *queue; /* ZT_PEER_QUEUE entries, allocated on first use */
	uint64_t rx_packets, tx_packets;
	/* Its software version (swver.c): known once a VERSION arrived. */
	uint16_t sw_version[3];
	bool sw_version_known;
};
/* A root keeps one per registered node: the bound its memory rests on
 * (doc/PROTOCOL.md, "Memory per peer"). */
_Static_assert(sizeof(struct zt_peer) <= 640, "struct zt_peer grew past 640 bytes");

/* Is this socket a TCP connection to a root (zt_host.tcp_open)? */
static inline bool zt_sock_is_tcp(int64_t sock)
{
	return sock >= 0 && (sock & ZT_SOCK_TCP) != 0;
}

struct zt_peer *zt_peer_find(const struct zt_node *n, uint64_t address);
/* Find or create (NULL if the table is full or allocation fails). */
struct zt_peer *zt_peer_get(struct zt_node *n, int64_t now, uint64_t address);
/* The same, but a full table makes room: the peer authenticated least
 * recently goes, unless it is a root, the controller of a network we are
 * in or a member of one (with a COM that agrees, where it needs one).
 * Counted in ZT_CTR_PEER_EVICTED.  Only for a caller that holds no other
 * peer pointer (the evicted peer is freed). */
struct zt_peer *zt_peer_get_evict(struct zt_node *n, int64_t now, uint64_t address);
void zt_peer_free(struct zt_node *n, struct zt_peer *p);
void zt_peer_free_all(struct zt_node *n);
/* Keypairs: kp_cur inline, kp_prev and kp_next allocated around a rekey.
 * by_index: the one a DATA packet's receiver index names (cur, next,
 * prev), or NULL.  next: a blank next keypair for the responder (wiped if
 * one was there), NULL if it cannot be allocated.  promote: next becomes
 * current (confirmed), current becomes previous.  install: the initiator's
 * new keypair becomes current and current previous; *kp is taken (and
 * zeroed); false if the old current could not be kept (it is wiped).
 * keypairs_wipe: all of them.  keypairs_expire: the timer (keys older than
 * ZT_REJECT_AFTER_TIME wiped, the extra ones freed). */
struct zt_keypair *zt_peer_keypair_by_index(struct zt_peer *p, uint32_t idx);
struct zt_keypair *zt_peer_keypair_next(struct zt_peer *p);
void zt_peer_keypair_promote(struct zt_peer *p);
bool zt_peer_keypair_install(struct zt_peer *p, struct zt_keypair *kp);
void zt_peer_keypairs_wipe(struct zt_peer *p);
void zt_peer_keypairs_expire(struct zt_peer *p, int64_t now);
/* Drop unused path slots (compacted, order kept); from the timers only. */
void zt_peer_paths_trim(struct zt_peer *p);
/* p->reach, allocated on first use (NULL if out of memory: counted). */
struct zt_peer_reach *zt_peer_reach(struct zt_node *n, struct zt_peer *p);
/* p->reach for reading: all zero when it has none. */
static inline const struct zt_peer_reach *zt_peer_reach_of(const struct zt_peer *p)
{
	static const struct zt_peer_reach none;
	return p->reach != NULL ? p->reach : &none;
}
/* Allocate p->root (false if out of memory). */
bool zt_peer_root_link(struct zt_peer *p);
/* Roots: replace p's LAN endpoints and port mappings (false if out of
 * memory: it then has none). */
bool zt_peer_set_eps(struct zt_peer *p, const struct zt_endpoint *locals, unsigned nlocals,
                     const struct zt_endpoint *mapped, unsigned nmapped);
/* Start / end our handshake with p: hs_pending and its Noise state
 * (false if the state cannot be allocated). */
bool zt_peer_hs_begin(struct zt_peer *p);
void zt_peer_hs_end(struct zt_peer *p);
/* Drop the queued messages and the queue. */
void zt_peer_clear_queue(struct zt_peer *p);
/* Timers: free the handshake block once neither a handshake nor a cookie
 * needs it. */
void zt_peer_hs_expire(struct zt_peer *p, int64_t now);
/* A keypair we may send with now, or NULL. */
struct zt_keypair *zt_peer_send_keypair(struct zt_peer *p, int64_t now);
/* Record an authenticated packet of `len` bytes from `from` (hops 0 means
 * direct): the path it came on (new ones not validated), or NULL. */
struct zt_path *zt_peer_learn_path(struct zt_node *n, struct zt_peer *p, int64_t now, int64_t sock,
                                   const struct zt_endpoint *from, unsigned hops, size_t len);
/* The path to `ep`, or NULL. */
struct zt_path *zt_peer_path_to(struct zt_peer *p, const struct zt_endpoint *ep);
/* Anti-amplification: may a reply of `bytes` go to `ep` now?  Yes on a
 * validated path; on one not validated, within its credit (which this
 * takes); never to an endpoint that is no path of p. */
bool zt_peer_path_spend(struct zt_peer *p, const struct zt_endpoint *ep, size_t bytes);
/* Our HS_RESP (`bytes`, for our keypair index) went to `ep`: the first
 * packet with those keys shows that the peer receives there. */
void zt_peer_path_resp_sent(struct zt_peer *p, const struct zt_endpoint *ep, uint32_t index,
                            size_t bytes);
/* The initiator used the keys of our HS_RESP with this index: the path it
 * went to is validated. */
void zt_peer_path_resp_confirmed(struct zt_peer *p, uint32_t index);
/* A path on a given socket (TCP fallback), or NULL. */
struct zt_path *zt_peer_add_path(struct zt_node *n, struct zt_peer *p, int64_t now, int64_t sock,
                                 const struct zt_endpoint *ep);
/* Add a candidate endpoint (from WHOIS/RENDEZVOUS); returns the path. */
struct zt_path *zt_peer_add_candidate(struct zt_node *n, struct zt_peer *p, int64_t now,
                                      const struct zt_endpoint *ep);
/* The direct path to use now, or NULL. */
struct zt_path *zt_peer_best_path(const struct zt_node *n, const struct zt_peer *p, int64_t now);
bool zt_peer_is_active(const struct zt_peer *p, int64_t now);
void zt_peer_info(const struct zt_node *n, const struct zt_peer *p, int64_t now,
                  struct zt_peer_info *out);
/* Update p->kind (DIRECT/RELAY) and emit events on change. */
void zt_peer_update_kind(struct zt_node *n, struct zt_peer *p, int64_t now);
/* A root is up while it has a session, was heard recently and answers. */
bool zt_peer_root_is_up(const struct zt_node *n, const struct zt_peer *r, int64_t now);
/* The root to relay through (best up root), or NULL. */
struct zt_peer *zt_peer_best_root(struct zt_node *n, int64_t now);

#endif
