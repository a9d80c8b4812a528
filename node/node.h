/* SPDX-License-Identifier: MIT */
/*
 * node.h - the node's state (struct zt_node) and the host services the
 * modules share (node.c).
 */
#ifndef ZT_NODE_NODE_H
#define ZT_NODE_NODE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cookie.h"
#include "frag.h"
#include "hsbudget.h"
#include "hscache.h"
#include "nat.h"
#include "network.h"
#include "rate.h"
#include "tcpmap.h"
#include "wire.h"
#include "zt.h"

struct zt_peer;
struct zt_jobs;
struct zt_dir_net;

struct zt_socket {
	int64_t sock;
	int family;
};

struct zt_node {
	struct zt_host host;
	struct zt_mem mem; /* the host's allocator (mem.h) */
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
	bool has_version;     /* the host told us our software version */
	uint16_t version[3];  /* ... major, minor, rev (swver.c) */
	bool deferring;       /* between zt_node_frames_begin and _end */
	struct zt_jobs *jobs; /* parallel crypto state, allocated on first use */
	struct zt_cookie_checker cookies;

	struct zt_socket sockets[8];
	unsigned socket_count;
	struct zt_endpoint locals[ZT_MAX_LOCAL_ENDPOINTS];
	unsigned nlocals;
	struct zt_endpoint mapped[ZT_MAX_MAPPED_ENDPOINTS];
	unsigned nmapped;
	bool locals_changed;   /* tell the roots at the next tick */
	uint8_t nat_reported;  /* the NAT type the roots were told */
	struct zt_punch punch; /* nat.c: the punch budget */
	struct zt_burst burst;
	struct zt_spray sprays[ZT_BIRTHDAY_SPRAYS];
	int64_t kept[ZT_KEPT_SOCKETS]; /* burst sockets a path or the peer still uses */
	uint64_t kept_peer[ZT_KEPT_SOCKETS];
	int64_t kept_heard[ZT_KEPT_SOCKETS]; /* the peer's last packet on it */
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
	struct zt_rate_table rate_sources; /* roots: request buckets per source address */

	struct zt_frag frag;
	uint32_t next_frag_id;

	/* In front of the handshake's public-key work (handshake.c): the
	 * token buckets, the initiations already consumed and the identities
	 * already checked. */
	struct zt_hsb hs_budget;
	struct zt_hscache hs_seen, id_seen;
	struct zt_hsc_entry hs_seen_e[ZT_HS_SEEN_ENTRIES], id_seen_e[ZT_HS_ID_ENTRIES];
	/* A full peer table: who goes next, least recently authenticated
	 * first (peer.c, zt_peer_get_evict). */
	struct zt_evict {
		uint64_t address;
		int64_t at; /* its last authenticated packet, when gathered */
	} evict[ZT_PEER_EVICT_BATCH];
	unsigned nevict;

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

uint32_t zt_node_random_u32(struct zt_node *n);
/* Log `what` followed by a peer's address. */
void zt_node_log_peer(struct zt_node *n, enum zt_log_level lvl, const char *what, uint64_t addr);
/* The first socket of a family (4 or 6), or -1. */
int64_t zt_node_pick_socket(const struct zt_node *n, int family);

#endif
