/* SPDX-License-Identifier: MIT */
/*
 * node_int.h - the node's internal state, shared by the core modules
 * (peer.c, session.c, switch.c, relay.c, node.c).  Nothing outside node/
 * and test/unit includes this.
 */
#ifndef ZT_NODE_NODE_INT_H
#define ZT_NODE_NODE_INT_H

#include <sodium.h>
#include <stdbool.h>
#include <stdint.h>

#include "bridge.h"
#include "cookie.h"
#include "frag.h"
#include "mactable.h"
#include "mctable.h"
#include "mss.h"
#include "multicast.h"
#include "ndp.h"
#include "noise.h"
#include "replay.h"
#include "switch.h"
#include "tcpmap.h"
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
	bool confirmed; /* the responder may send only after the initiator did */
	uint8_t cipher; /* enum zt_cipher */
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
	uint8_t mac1[16]; /* of the last initiation sent (cookie AD) */
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
	/* The TCP fallback (node.c). */
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
	struct zt_peer *hnext; /* hash chain */
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
	int64_t rendezvous_served; /* roots: this second's introductions began */
	unsigned rendezvous_count; /* roots: introductions served in this second */
	unsigned dir_count;        /* roots: directory entries this peer announced */
	int64_t later_at;          /* roots: LATE due for this peer (0: none) */
	struct zt_root_link *root; /* when it is (or was) one of our roots */

	struct zt_peer_eps *eps; /* roots: its LAN endpoints and port mappings */

	struct zt_qmsg *queue; /* ZT_PEER_QUEUE entries, allocated on first use */
	uint64_t rx_packets, tx_packets;
};

/* Managed networks: what we know of a member's certificate (allocated
 * only on managed networks; roots' directories never have one). */
struct zt_memcom {
	struct zt_com com;    /* its newest verified COM; timestamp 0: none */
	int64_t revoked_upto; /* its COMs up to this timestamp are revoked */
	int64_t com_sent, com_sent_ts, com_asked;
	/* One frame held while we wait for a newer COM of a member whose
	 * last one we know is stale (usually a peer that was idle). */
	uint8_t *held;
	uint16_t held_len;
	int64_t held_at;
};

struct zt_member {
	uint64_t address;
	int64_t last_seen;
	struct zt_memcom *mc; /* NULL until needed */
};

struct zt_network {
	bool used;
	uint64_t nwid;
	uint8_t mac[6];
	uint8_t nethash[8];
	enum zt_net_status status;
	enum zt_net_type type;
	unsigned mtu;
	int64_t last_announce;
	struct zt_member *members;
	unsigned member_count, member_cap;
	/* Managed networks (netconf.c). */
	struct zt_netconf *conf; /* in force while status is OK */
	int64_t conf_requested, conf_received;
	int64_t conf_awaiting; /* first unanswered request (0: none) */
	uint8_t token[ZT_NETCONF_TOKEN_MAX];
	size_t token_len;
	/* Ethernet behaviour (multicast.c, bridge.c): defaults for ad-hoc
	 * networks, zt_node_set_ethernet() for the shell; on managed
	 * networks the controller's config is the authority. */
	unsigned multicast_limit;
	bool enable_broadcast;
	bool active_bridge;      /* we bridge a LAN segment into this network */
	bool was_bridge;         /* ... at the last full MC_LIKE (to say we stopped) */
	unsigned mss_clamp;      /* 0: off */
	int64_t mac_age;         /* ms */
	struct zt_mctable subs;  /* who subscribes to what */
	struct zt_mctable local; /* our host's (and LAN's) groups */
	struct {
		uint64_t address;
		int64_t expires; /* 0: configured */
	} bridges[ZT_NET_MAX_BRIDGES];
	unsigned bridge_count;
	struct zt_mactable macs;    /* MACs behind other members' bridges */
	struct zt_mactable lanmacs; /* MACs seen on our TAP (we bridge) */
	int64_t blocked_until;      /* bridge loop: we stand back until */
	int64_t mc_query_at, mc_like_at;
	unsigned mc_queries;
	bool invite_refused;
};

/* Roots keep, per announced network hash, who announced it. */
struct zt_dir_net {
	struct zt_dir_net *next;
	uint8_t nethash[8];
	struct zt_member *members;
	unsigned count, cap;
};

struct zt_socket {
	int64_t sock;
	int family;
};

/* A birthday attempt through a symmetric NAT (nat.c): the hard side (our
 * NAT is symmetric) opens many sockets and sends from each to the peer's
 * public endpoint; the easy side sprays probes at random ports of the
 * peer's public address until one lands in a mapping the hard side made. */
struct zt_burst {
	bool active;
	uint64_t peer;
	int64_t started, last_round;
	struct zt_endpoint target;
	int64_t socks[ZT_BIRTHDAY_SOCKETS];
	bool hit[ZT_BIRTHDAY_SOCKETS]; /* the peer's probe came in on it */
	unsigned nsocks;
};
/* The easy side of one attempt (several at once: they cost no sockets). */
struct zt_spray {
	bool active;
	uint64_t peer;
	int64_t started;
	struct zt_endpoint target;
	unsigned sent;
};
#define ZT_KEPT_SOCKETS 8

struct zt_node {
	struct zt_host host;
	struct zt_identity id;
	unsigned flags;
	bool is_root;
	int64_t created;
	/* Idle keepalive interval (peer paths, roots): ZT_ECHO_IDLE until a
	 * probe through a root shows our NAT forgets idle mappings sooner. */
	int64_t keepalive;
	uint64_t probe_root; /* root a LATER is pending with (0: none) */
	int64_t probe_sent, probe_delay, probe_next;
	bool aes_ok;          /* offer AES-256-GCM: the CPU has AES-NI, not a root */
	bool deferring;       /* between zt_node_frames_begin and _end */
	struct zt_jobs *jobs; /* parallel crypto state, allocated on first use */
	struct zt_cookie_checker cookies;

	struct zt_socket sockets[8];
	unsigned socket_count;
	struct zt_endpoint locals[ZT_MAX_LOCAL_ENDPOINTS];
	unsigned nlocals;
	struct zt_endpoint mapped[ZT_MAX_MAPPED_ENDPOINTS];
	unsigned nmapped;
	bool locals_changed;  /* tell the roots at the next tick */
	uint8_t nat_reported; /* the NAT type the roots were told */
	struct zt_burst burst;
	struct zt_spray sprays[ZT_BIRTHDAY_SPRAYS];
	int64_t kept[ZT_KEPT_SOCKETS]; /* burst sockets a path still uses */
	uint64_t kept_peer[ZT_KEPT_SOCKETS];
	unsigned nkept;

	struct zt_peer **buckets;
	size_t bucket_count, peer_count, max_peers;
	struct zt_tcpmap tcpmap; /* TCP connection -> the peers it carries */

	struct zt_roots roots;
	struct zt_peer *root_peers[ZT_MAX_ROOTS];
	bool online;

	struct zt_network networks[ZT_MAX_NETWORKS];

	struct zt_dir_net **dir; /* roots: network directory */
	size_t dir_buckets, dir_nets;

	struct zt_frag frag;
	uint32_t next_frag_id;

	int64_t load_window_start;
	unsigned load_inits;

	int64_t last_scan;
	uint64_t counters[ZT_CTR_COUNT];
	/* Peers zt_node_tcp_closed looked at, over the node's life: what a
	 * close costs (a unit test holds it to a bound). */
	uint64_t tcp_close_visits;

	/* Scratch buffers; each has one job so that handlers can nest. */
	uint8_t pkt[ZT_PACKET_MAX + 64];  /* outgoing packet being sealed */
	uint8_t pkt2[ZT_PACKET_MAX + 64]; /* incoming plaintext, or outgoing frame message */
	uint8_t pktin[ZT_UDP_MAX + 64];   /* incoming datagram (a root rewrites hops in place) */
	uint8_t *rbuf;                    /* reassembled packet (ZT_PACKET_MAX + 64) */
};

/* ---- node.c ---- */
void zt_node_log(struct zt_node *n, enum zt_log_level lvl, const char *msg);
void zt_node_random(struct zt_node *n, void *buf, size_t len);
/* Encrypt an inner message for `p` and send it on the best path; queue it
 * and start a handshake when there is no session. */
int zt_node_send_msg(struct zt_node *n, int64_t now, struct zt_peer *p, const uint8_t *msg,
                     size_t len);
/* Same, but to a specific endpoint (path probes and replies). */
int zt_node_send_msg_to(struct zt_node *n, int64_t now, struct zt_peer *p, int64_t sock,
                        const struct zt_endpoint *to, const uint8_t *msg, size_t len);
/* Peer `p` is wanted: make sure we know its identity and have a session. */
void zt_node_want_peer(struct zt_node *n, int64_t now, struct zt_peer *p);
/* The root to relay through (best up root), or NULL. */
struct zt_peer *zt_node_best_root(struct zt_node *n, int64_t now);
/* A root is up while it has a session, was heard recently and answers. */
bool zt_node_root_is_up(const struct zt_node *n, const struct zt_peer *r, int64_t now);

/* ECHO on one path (or any socket/endpoint: probes). */
void zt_node_send_echo(struct zt_node *n, int64_t now, struct zt_peer *p, struct zt_path *x);
void zt_node_send_echo_to(struct zt_node *n, int64_t now, struct zt_peer *p, int64_t sock,
                          const struct zt_endpoint *to);

/* ---- nat.c ---- */
/* Start a birthday attempt with p if our NATs call for one. */
void zt_nat_maybe_birthday(struct zt_node *n, int64_t now, struct zt_peer *p);
/* A packet came in on `sock`: note a birthday hit. */
void zt_nat_sock_heard(struct zt_node *n, int64_t sock);
/* A peer's ZT_MSG_BIRTHDAY: spray probes at its public address. */
void zt_nat_birthday_msg(struct zt_node *n, int64_t now, struct zt_peer *p, const uint8_t *msg,
                         size_t len);
/* Timers: probe rounds, end of attempts, closing unused sockets. */
void zt_nat_background(struct zt_node *n, int64_t now);
/* The mapping-timeout probe (nodes): start one when due; true while a
 * LATER is pending with root r (send nothing to it then). */
void zt_nat_probe_tick(struct zt_node *n, int64_t now);
bool zt_nat_probe_silent(const struct zt_node *n, const struct zt_peer *r);
void zt_nat_late(struct zt_node *n, int64_t now, struct zt_peer *r);
/* Close every extra socket (node teardown). */
void zt_nat_cleanup(struct zt_node *n);

static inline bool zt_sock_is_tcp(int64_t sock)
{
	return sock >= 0 && (sock & ZT_SOCK_TCP) != 0;
}

static inline void zt_path_sent(struct zt_path *x, int64_t now)
{
	if (x->last_tx <= x->last_rx)
		x->tx_since_rx = now;
	x->last_tx = now;
}

/* ---- peer.c ---- */
struct zt_peer *zt_peer_find(const struct zt_node *n, uint64_t address);
/* Find or create (NULL if the table is full or allocation fails). */
struct zt_peer *zt_peer_get(struct zt_node *n, int64_t now, uint64_t address);
void zt_peer_free(struct zt_node *n, struct zt_peer *p);
void zt_peer_free_all(struct zt_node *n);
void zt_keypair_wipe(struct zt_keypair *kp);
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
/* Drop the queued messages and the queue. */
void zt_peer_clear_queue(struct zt_peer *p);
void zt_peer_hs_end(struct zt_peer *p);
/* Timers: free the handshake block once neither a handshake nor a cookie
 * needs it. */
void zt_peer_hs_expire(struct zt_peer *p, int64_t now);
/* A keypair we may send with now, or NULL. */
struct zt_keypair *zt_peer_send_keypair(struct zt_peer *p, int64_t now);
/* Record an authenticated packet from `from` (hops 0 means direct). */
void zt_peer_learn_path(struct zt_node *n, struct zt_peer *p, int64_t now, int64_t sock,
                        const struct zt_endpoint *from, unsigned hops);
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
int64_t zt_node_pick_socket(const struct zt_node *n, int family);

/* ---- session.c ---- */
/* Install transport keys with their cipher (allocates AES state). */
void zt_session_set_keys(struct zt_keypair *kp, uint8_t cipher, const uint8_t send_key[32],
                         const uint8_t recv_key[32]);
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

/* ---- batch.c (parallel crypto) ---- */
#define ZT_JOB_MAX 64 /* jobs handed to crypto_run at once */
struct zt_jobs;
/* Sending between frames_begin/end: defer this message; false if it
 * cannot be (the caller sends it now, after zt_batch_flush). */
bool zt_batch_seal(struct zt_node *n, int64_t now, struct zt_peer *p, struct zt_keypair *kp,
                   const uint8_t *msg, size_t len);
/* Seal and send everything deferred, in order. */
void zt_batch_flush(struct zt_node *n, int64_t now);
/* zt_node_process_wire_batch with crypto_run. */
void zt_batch_process_wire(struct zt_node *n, int64_t now, const struct zt_wire_pkt *pkts,
                           size_t count);
void zt_batch_free(struct zt_node *n);

/* ---- node.c hooks for batch.c ---- */
void zt_node_transmit(struct zt_node *n, int64_t now, struct zt_peer *p, const uint8_t *pkt,
                      size_t len);
/* The keypair a DATA packet is for (counted and NULL if none). */
struct zt_keypair *zt_node_data_keypair(struct zt_node *n, int64_t now, const struct zt_hdr *h,
                                        const uint8_t *pkt, size_t len, struct zt_peer **pp);
/* After a DATA packet opened with kp: promote, learn the path, dispatch. */
void zt_node_data_deliver(struct zt_node *n, int64_t now, struct zt_peer *p, struct zt_keypair *kp,
                          int64_t sock, const struct zt_endpoint *from, const struct zt_hdr *h,
                          const uint8_t *msg, size_t mlen);
/* Everything but DATA for us, one datagram (process_wire without the
 * background). */
void zt_node_wire_one(struct zt_node *n, int64_t now, int64_t sock, const struct zt_endpoint *from,
                      const void *pkt, size_t len);

/* ---- netconf.c ---- */
size_t zt_com_encode(const struct zt_com *c, uint8_t out[ZT_COM_LEN]);
int zt_com_decode(struct zt_com *c, const uint8_t *in, size_t len);

/* ---- member.c: the managed-network state machines ---- */
/* Member side: request / refresh configs (from switch background). */
void zt_member_background(struct zt_node *n, int64_t now, struct zt_network *net);
/* Handle 0x20-0x24; false if msg is none of them. */
bool zt_member_handle_msg(struct zt_node *n, int64_t now, struct zt_peer *p, const uint8_t *msg,
                          size_t len);
/* Does the network need COMs (managed, private, configured)? */
bool zt_member_needs_com(const struct zt_network *net);
/* May we exchange frames with member m now (its COM agrees with ours)?
 * On false the caller drops the frame. */
bool zt_member_com_ok(const struct zt_network *net, const struct zt_member *m);
/* If m has not seen our current COM, write the head of a FRAME_COM
 * message (type, flags, COM) into msg and return its length, else 0. */
size_t zt_member_attach_com(struct zt_node *n, int64_t now, struct zt_network *net,
                            struct zt_member *m, uint8_t *msg);
/* Sending to m whose COM we know is stale: hold the frame (one, the
 * latest) until it shows a newer one, unless it is revoked. */
void zt_member_hold(struct zt_node *n, int64_t now, struct zt_member *m, const uint8_t *frame,
                    size_t len);
void zt_memcom_free(struct zt_memcom *mc);
/* Send m's held frame now (its COM became good). */
void zt_switch_send_held(struct zt_node *n, int64_t now, struct zt_network *net,
                         struct zt_member *m, struct zt_peer *p);
/* Show our COM to p if it has not seen the current one (ask for its
 * COM too if we lack it). */
void zt_member_show_com(struct zt_node *n, int64_t now, struct zt_network *net, struct zt_member *m,
                        struct zt_peer *p);
/* Start a new session with p even if keys exist (a silent controller). */
void zt_node_rehandshake(struct zt_node *n, int64_t now, struct zt_peer *p);

/* ---- pmtu.c ---- */
/* The datagram size to use on path x (NULL: a relayed packet). */
size_t zt_pmtu_of(const struct zt_path *x);
void zt_pmtu_background(struct zt_node *n, int64_t now, struct zt_peer *p, struct zt_path *x);
/* PMTU_PROBE / PMTU_ACK from p. */
void zt_pmtu_handle(struct zt_node *n, int64_t now, struct zt_peer *p, int64_t sock,
                    const struct zt_endpoint *from, unsigned hops, const uint8_t *msg, size_t len);

/* ---- relay.c (roots) ---- */
void zt_relay_forward(struct zt_node *n, int64_t now, const struct zt_hdr *h, int64_t sock,
                      const struct zt_endpoint *from, uint8_t *pkt, size_t len);
/* Handle a root-only inner message from p; false if not a root message. */
bool zt_relay_handle_msg(struct zt_node *n, int64_t now, struct zt_peer *p, int64_t sock,
                         const struct zt_endpoint *from, const uint8_t *msg, size_t len);
void zt_relay_background(struct zt_node *n, int64_t now);
void zt_relay_cleanup(struct zt_node *n);

#endif
