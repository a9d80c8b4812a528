/* SPDX-License-Identifier: MIT */
/*
 * wire.h - the packet formats and every protocol constant (doc/PROTOCOL.md
 * is the prose version of this file; keep them in step).
 *
 * Every UDP datagram starts with the 12-byte outer header, the only part a
 * root reads:
 *
 *   0  u8   version (high nibble, 1) | type (low nibble)
 *   1  u8   hops (low 3 bits, incremented by a relaying root) | 5 reserved bits (0)
 *   2  u40  destination address
 *   7  u40  source address
 *
 * Types and their bodies (after the outer header):
 *
 *   HS_INIT  (1)  sender_index u32 | noise initiation (108) | mac1 (16) | mac2 (16)
 *   HS_RESP  (2)  sender_index u32 | receiver_index u32 | noise response (52) | mac1 | mac2
 *   COOKIE   (3)  receiver_index u32 | nonce (24) | sealed cookie (16 + 16)
 *   DATA     (4)  receiver_index u32 | counter u64 | AEAD ciphertext of an inner message + tag (16)
 *   FRAG     (5)  packet_id u32 | index u8 | count u8 | bytes of the whole packet
 *
 * All integers are big-endian.  mac1/mac2 and the DATA AEAD cover the outer
 * header with the hops bits zeroed (a root may change hops, nothing else).
 */
#ifndef ZT_NODE_WIRE_H
#define ZT_NODE_WIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "noise.h"

#define ZT_WIRE_VERSION 1
#define ZT_HDR_LEN      12
#define ZT_HOPS_MASK    0x07
#define ZT_MAX_HOPS     2 /* a packet is relayed by at most this many roots */

enum zt_ptype {
	ZT_PT_HS_INIT = 1,
	ZT_PT_HS_RESP = 2,
	ZT_PT_COOKIE = 3,
	ZT_PT_DATA = 4,
	ZT_PT_FRAG = 5,
};

/* Handshake payload flags (initiation and response `flags u32`). */
#define ZT_HS_FLAG_AES256GCM 0x1u /* initiation: I can; response: we both use it */

#define ZT_MAC_LEN       16
#define ZT_HS_INIT_LEN   (ZT_HDR_LEN + 4 + ZT_NOISE_INIT_LEN + 2 * ZT_MAC_LEN)
#define ZT_HS_RESP_LEN   (ZT_HDR_LEN + 8 + ZT_NOISE_RESP_LEN + 2 * ZT_MAC_LEN)
#define ZT_COOKIE_LEN    (ZT_HDR_LEN + 4 + 24 + 16 + 16)
#define ZT_DATA_HDR_LEN  (ZT_HDR_LEN + 4 + 8)
#define ZT_DATA_OVERHEAD (ZT_DATA_HDR_LEN + 16)
#define ZT_FRAG_HDR_LEN  (ZT_HDR_LEN + 4 + 1 + 1)
/* The sizes doc/PROTOCOL.md gives: a change here is a change of the wire. */
_Static_assert(ZT_HS_INIT_LEN == 156, "handshake initiation: 156 bytes on the wire");
_Static_assert(ZT_HS_RESP_LEN == 104, "handshake response: 104 bytes on the wire");
_Static_assert(ZT_COOKIE_LEN == 72, "cookie reply: 72 bytes on the wire");
_Static_assert(ZT_DATA_HDR_LEN == 24, "DATA header: 24 bytes on the wire");
_Static_assert(ZT_FRAG_HDR_LEN == 18, "FRAG header: 18 bytes on the wire");

/* Inner messages: the plaintext of a DATA packet starts with one of these. */
enum zt_msg {
	ZT_MSG_KEEPALIVE = 0x00,  /* (empty) also confirms a new session */
	ZT_MSG_FRAME = 0x01,      /* nwid u64 | Ethernet frame (dst, src, type, payload) */
	ZT_MSG_ECHO = 0x02,       /* id u32 | sent_at u64 */
	ZT_MSG_ECHO_REPLY = 0x03, /* id u32 | sent_at u64 | your endpoint */
	/* flags u8 (ZT_VERSION_F_ASK) | major u16 | minor u16 | rev u16
	 * (anyone <-> anyone, once per session: node/swver.c) */
	ZT_MSG_VERSION = 0x04,
	/* sent_at u64 [| nat u8 | n u8 | n local endpoints]   (node -> root, every
	 * ZT_REGISTER_INTERVAL; the optional tail since issue 4) */
	ZT_MSG_REGISTER = 0x10,
	ZT_MSG_REGISTER_OK = 0x11,    /* sent_at u64 | your endpoint (root -> node: reflection) */
	ZT_MSG_WHOIS = 0x12,          /* address u40           (node -> root) */
	ZT_MSG_WHOIS_OK = 0x13,       /* address u40 | pk (32) | n u8 | n endpoints */
	ZT_MSG_WHOIS_NONE = 0x14,     /* address u40           (root does not know it) */
	ZT_MSG_RENDEZVOUS_REQ = 0x15, /* address u40        (node -> root: introduce us) */
	/* address u40 | n u8 | n endpoints [| nat u8] (root -> node); the
	 * endpoints include the peer's local ones when both share a public IP */
	ZT_MSG_RENDEZVOUS = 0x16,
	ZT_MSG_NET_ANNOUNCE = 0x17, /* nethash (8) | flags u8 (bit0: leaving) (node -> root) */
	ZT_MSG_NET_MEMBERS = 0x18,  /* nethash (8) | n u16 | n addresses u40 (root -> node) */
	/* Managed networks (doc/PROTOCOL.md "Managed networks"):
	 * NETCONF_REQ  nwid u64 | have_revision u64 | tlen u8 | token  (member -> controller)
	 * NETCONF      config (netconf.c) | sig (64)                  (controller -> member)
	 * NETCONF_ERR  nwid u64 | code u8 (1 ACCESS_DENIED, 2 NOT_FOUND, 3 bad invite)
	 * NET_COM      flags u8 (bit0: send me yours) | COM (93)      (member <-> member)
	 * NET_REVOKE   nwid u64 | member u40 | threshold u64 | sig (64) (controller -> members)
	 * FRAME_COM    flags u8 | COM (93) | nwid u64 | frame  (a FRAME carrying our COM)
	 * FRAME_FWD    nwid u64 | flags u8 | [want u8 | COM] | frame  (a rule's copy or redirect)
	 * NET_CREDS    nwid u64 | flags u8 | n u8 | n tags | m u8 | m capabilities  (member <->
	 * member) */
	ZT_MSG_NETCONF_REQ = 0x20,
	ZT_MSG_NETCONF = 0x21,
	ZT_MSG_NETCONF_ERR = 0x22,
	ZT_MSG_NET_COM = 0x23,
	ZT_MSG_NET_REVOKE = 0x24,
	ZT_MSG_FRAME_COM = 0x25,
	ZT_MSG_FRAME_FWD = 0x26,
	ZT_MSG_NET_CREDS = 0x27,
	/* our public endpoint (node -> peer, over any path): "I, behind a
	 * symmetric NAT, have opened many mappings towards you: probe ports
	 * of this address now" (birthday probing, node/nat.c) */
	ZT_MSG_BIRTHDAY = 0x30,
	/* delay_s u16 (node -> root): "stay silent, then send me LATE after
	 * delay_s seconds" (node/nat.c: measures how long our NAT keeps an idle
	 * mapping) */
	ZT_MSG_LATER = 0x31,
	ZT_MSG_LATE = 0x32, /* (root -> node, delay_s after a LATER) */
	/* Ethernet (doc/PROTOCOL.md "Multicast", "Bridging", "Path MTU"). */
	ZT_MSG_MC_LIKE = 0x40,    /* nwid u64 | flags u8 | n u16 | n x (group MAC (6) | adi u32) */
	ZT_MSG_MC_UNLIKE = 0x41,  /* same layout: the sender left these groups */
	ZT_MSG_PMTU_PROBE = 0x42, /* id u32 | size u16 | padding         (to one path) */
	ZT_MSG_PMTU_ACK = 0x43,   /* id u32 | size u16                   (the way it came) */
};
#define ZT_VERSION_F_ASK 0x01 /* VERSION: send me yours */
#define ZT_VERSION_LEN   8    /* type, flags, three u16 (longer: the rest is read past) */

#define ZT_COM_LEN                (29 + 64) /* nwid | issued_to u40 | timestamp | max_delta | sig */
#define ZT_NETCONF_ERR_DENIED     1
#define ZT_NETCONF_ERR_NOTFOUND   2
#define ZT_NETCONF_ERR_BAD_INVITE 3

/* Limits and timers (ms). */
#define ZT_UDP_MAX      1452  /* largest datagram we send (fits 1500 over IPv6) */
#define ZT_PACKET_MAX   16384 /* largest reassembled packet */
#define ZT_FRAG_MAX     12    /* fragments per packet */
#define ZT_FRAG_TIMEOUT 3000  /* a partial packet is dropped after this */
#define ZT_FRAG_SLOTS   64    /* packets in reassembly at once, per node */
#define ZT_FRAG_PER_SRC 8     /* ...of which one source may hold (frag.h) */
#define ZT_DEFAULT_MTU  2800  /* overlay (TAP) MTU */
#define ZT_ETH_MAX      (ZT_DEFAULT_MTU + 18)

#define ZT_REKEY_AFTER_TIME  120000 /* initiator starts a new handshake */
#define ZT_REJECT_AFTER_TIME 180000 /* keys older than this are wiped */
/* The previous keys are wiped once the peer has switched to the current
 * ones and nothing arrived with the old for this long. */
#define ZT_PREV_KEEP_TIME        15000
#define ZT_REKEY_AFTER_MESSAGES  (1ULL << 48)
#define ZT_REJECT_AFTER_MESSAGES ((1ULL << 48) + (1ULL << 20))
#define ZT_REKEY_TIMEOUT         3000  /* retry an unanswered initiation */
#define ZT_REKEY_ATTEMPT_TIME    90000 /* give up after this long */
/* What strangers may cost us before a handshake is authenticated
 * (hsbudget.c, handshake.c; doc/PROTOCOL.md "What an initiation may
 * cost").  Token buckets, rate per second and burst, per source (an IPv4
 * /24, an IPv6 /48, or the sender's address for an initiation one of our
 * roots relayed) and for the whole node.  X25519 for an initiation without
 * a valid mac2 ("unproven"): over either bucket it gets a COOKIE instead;
 * with a valid mac2 (or relayed by a root, which vouches for where the
 * sender is): over either bucket it is dropped.  The same, in front of the
 * Argon2id check of an identity new to us.  COOKIE replies have a bucket
 * per source only: past it, nothing is sent. */
#define ZT_HS_DH_SRC_RATE      20 /* unproven X25519, per source */
#define ZT_HS_DH_SRC_BURST     40
#define ZT_HS_DH_RATE          500 /* unproven X25519, whole node */
#define ZT_HS_DH_BURST         500
#define ZT_HS_DHP_SRC_RATE     400  /* proven X25519, per source (a CGNAT /24 */
#define ZT_HS_DHP_SRC_BURST    800  /* may hold tens of thousands of nodes) */
#define ZT_HS_DHP_RATE         4000 /* proven X25519, whole node */
#define ZT_HS_DHP_BURST        4000
#define ZT_HS_ID_SRC_RATE      5 /* unproven Argon2id, per source */
#define ZT_HS_ID_SRC_BURST     20
#define ZT_HS_ID_RATE          50 /* unproven Argon2id, whole node */
#define ZT_HS_ID_BURST         50
#define ZT_HS_IDP_SRC_RATE     40 /* proven Argon2id, per source */
#define ZT_HS_IDP_SRC_BURST    100
#define ZT_HS_IDP_RATE         200 /* proven Argon2id, whole node */
#define ZT_HS_IDP_BURST        200
#define ZT_HS_COOKIE_SRC_RATE  20   /* COOKIE replies, per source (none node-wide: they */
#define ZT_HS_COOKIE_SRC_BURST 40   /* cost no public-key work, and are smaller than asked) */
#define ZT_HS_RESP_BAD_MAX     4    /* forged responses to one initiation before we stop trying */
#define ZT_HS_SEEN_ENTRIES     2048 /* initiations remembered (replays cost no X25519) */
#define ZT_HS_ID_ENTRIES       2048 /* identities remembered (verified or rejected) */
#define ZT_HS_BUDGET_SOURCES   1024 /* sources with a token bucket */
#define ZT_PEER_EVICT_BATCH    64   /* eviction candidates gathered per pass (peer.c) */
#define ZT_COOKIE_SECRET_LIFE  120000
#define ZT_COOKIE_VALID        110000

#define ZT_REGISTER_INTERVAL     20000 /* node -> each root; also the NAT keepalive */
#define ZT_ROOT_DEAD_AFTER       45000 /* no packet from a root for this long: down */
#define ZT_ROOT_RETRY            2000  /* re-register with a down root */
#define ZT_ROOT_REPLY_TIMEOUT    4000 /* a root that leaves a request unanswered this long is down */
#define ZT_ROOT_REHANDSHAKE      10000 /* ... and after this long it gets a new handshake */
#define ZT_PEER_SILENT           10000 /* sent to a peer but heard nothing: new handshake */
#define ZT_ECHO_ACTIVE           4000  /* probe direct paths this often while in use */
#define ZT_ECHO_IDLE             25000 /* ... and this often otherwise (NAT keepalive) */
#define ZT_PATH_ALIVE_ACTIVE     11000 /* a direct path in use is alive if heard within */
#define ZT_PATH_ALIVE_IDLE       60000
#define ZT_PATH_FORGET           600000 /* unheard candidate paths are forgotten */
#define ZT_PEER_ACTIVE           30000  /* a peer is active if it had frames this recently */
#define ZT_RENDEZVOUS_RETRY      10000  /* ask for a rendezvous while relayed and active */
#define ZT_WHOIS_RETRY           2000
#define ZT_NET_ANNOUNCE_INTERVAL 30000
#define ZT_NET_MEMBER_EXPIRE     120000 /* roots forget announcements after this */
#define ZT_PEER_EXPIRE           300000 /* unused peers (no session, no traffic) freed */
#define ZT_ROOT_PEER_EXPIRE      120000 /* roots free registrations unheard this long */

/* Managed networks.  A deauthorized member is refused by every member
 * within ZT_NETCONF_REFRESH + ZT_COM_MAX_DELTA (45 s) of its last
 * certificate, at once when the controller's revocation arrives. */
#define ZT_NETCONF_RETRY       2000  /* resend an unanswered config request */
#define ZT_NETCONF_REFRESH     15000 /* ask for a fresh config (and COM) this often */
#define ZT_NETCONF_REHANDSHAKE 4000  /* controller silent this long: new session */
#define ZT_COM_MAX_DELTA       30000 /* COMs this far apart still agree */
#define ZT_COM_PUSH_INTERVAL   30000 /* re-show our COM to a peer we send to */
#define ZT_COM_ASK_INTERVAL    1000  /* ask a peer for its COM at most this often */
#define ZT_COM_HOLD_TIME       3000  /* a frame held for a peer's newer COM, at most */
/* Multicast and bridging (multicast.c, bridge.c). */
#define ZT_MC_F_FULL         0x01  /* MC_LIKE: replaces the sender's groups */
#define ZT_MC_F_BRIDGE       0x02  /* MC_LIKE: the sender bridges (ad-hoc networks) */
#define ZT_MC_F_ASK          0x04  /* MC_LIKE: send me yours */
#define ZT_MC_PER_MSG        128   /* groups per MC_LIKE / MC_UNLIKE */
#define ZT_MC_DEFAULT_LIMIT  32    /* multicastLimit of ad-hoc networks */
#define ZT_MC_MAX_SUBS       16384 /* subscriptions known per network */
#define ZT_MC_MAX_LOCAL      1024  /* our host's (and LAN's) groups */
#define ZT_MC_MAX_PER_MEMBER 1024  /* groups one member may have */
#define ZT_MC_QUERY_INTERVAL 60000 /* IGMP/MLD general queries into the TAP */
#define ZT_MC_LOCAL_EXPIRE   (3 * ZT_MC_QUERY_INTERVAL + 5000) /* unreported group gone */
#define ZT_MC_LIKE_INTERVAL  60000                             /* full set to every member */
#define ZT_MC_EXPIRE         (3 * ZT_MC_LIKE_INTERVAL)         /* others' groups unrefreshed */
#define ZT_NET_MAX_BRIDGES   32
/* Path MTU (pmtu.c): datagram sizes (UDP payload) and timers. */
#define ZT_PMTU_MIN         1232   /* crosses any IPv6-capable path: 1280 - 48 */
#define ZT_PMTU_STEP        8      /* the search stops this close */
#define ZT_PMTU_TIMEOUT     700    /* a probe unanswered this long ... */
#define ZT_PMTU_TRIES       2      /* ... this many times: too big */
#define ZT_PMTU_CONFIRM     30000  /* re-check the size in use while active */
#define ZT_PMTU_REPROBE     600000 /* search upwards again */
#define ZT_BRIDGE_MAX_MACS  8192   /* remote MACs per network */
#define ZT_BRIDGE_AGE       300000 /* default MAC ageing */
#define ZT_BRIDGE_LOOP_HOLD 1500   /* a MAC seen on both sides this close: loop */
#define ZT_BRIDGE_BLOCK     6000   /* a bridge that lost the election stands back */

#define ZT_PEER_MAX_PATHS      8
#define ZT_RENDEZVOUS_MAX_EPS  4     /* endpoints in one RENDEZVOUS (more are ignored) */
#define ZT_RENDEZVOUS_PER_SEC  16    /* roots: introductions per requester and second */
#define ZT_PUNCH_TIME          10000 /* after a RENDEZVOUS, probe candidates ... */
#define ZT_PUNCH_INTERVAL      1000  /* ... this often */
#define ZT_RENDEZVOUS_FAST     2000  /* rendezvous retry in the first seconds of RELAY */
#define ZT_PATH_QUIET          1500  /* an in-use path silent this long is probed ... */
#define ZT_PATH_PROBE_INTERVAL 1000  /* ... this often */
#define ZT_PATH_PROBES_LOST    3     /* unanswered probes in a row: the path is down */
#define ZT_PATH_CHALLENGE      500   /* a path not validated is challenged at most this often */
/* REGISTER's inner length: at least what a root sends an endpoint it has
 * not validated for it (a challenge ECHO and an IPv6 REGISTER_OK), at most
 * the full tail. */
#define ZT_REGISTER_MIN      (13 + 9 + 19 + ZT_DATA_OVERHEAD)
#define ZT_REGISTER_MAX      (12 + (ZT_MAX_LOCAL_ENDPOINTS + ZT_MAX_MAPPED_ENDPOINTS) * 19)
#define ZT_BIRTHDAY_SOCKETS  256   /* hard side: extra sockets */
#define ZT_BIRTHDAY_PROBES   2048  /* easy side: probes to random ports, at most */
#define ZT_BIRTHDAY_PER_TICK 512   /* ... per background tick */
#define ZT_BIRTHDAY_TIME     6000  /* one attempt lasts this long */
#define ZT_BIRTHDAY_SPRAYS   2     /* easy-side attempts at once */
#define ZT_BIRTHDAY_RETRY    60000 /* per peer, at most one attempt this often */
#define ZT_BIRTHDAY_PREDICT  16    /* ports after each reflected one tried first */
#define ZT_BIRTHDAY_AFTER    1000  /* hard side: ordinary punching gets this long first */
/* Probes to endpoints that have not proven they receive there (punching,
 * birthday probing): one global token bucket (nat.c). */
#define ZT_PUNCH_RATE          256    /* tokens per second */
#define ZT_PUNCH_BURST         4096   /* at most this many at once */
#define ZT_TCP_PORT            443    /* roots listen on TCP here (same address) */
#define ZT_TCP_AFTER           4000   /* no UDP answer from a root this long: try TCP */
#define ZT_TCP_RETRY           10000  /* per root, at most one TCP attempt this often */
#define ZT_TCP_UDP_RETRY       5000   /* while on TCP, try the root over UDP this often */
#define ZT_TCP_LINGER          30000  /* TCP unused this long (UDP works again): closed */
#define ZT_ROOT_PATH_SILENT    8000   /* a root path we send on but hear nothing from */
#define ZT_KEEPALIVE_MIN       5000   /* idle keepalives never come faster than this */
#define ZT_NAT_PROBE_FIRST     10000  /* first mapping-timeout probe after start */
#define ZT_NAT_PROBE_EVERY     600000 /* ... then this often while it keeps passing */
#define ZT_NAT_PROBE_AGAIN     20000  /* ... and this soon after one failed */
#define ZT_NAT_PROBE_GRACE     3000   /* LATE this late is taken as lost */
#define ZT_LATER_MAX           120    /* roots: longest LATER delay (s) */
#define ZT_PEER_QUEUE          16     /* frames held while a session is set up */
#define ZT_NET_MAX_MEMBERS     1024   /* known members per network */
#define ZT_NET_MEMBERS_PER_MSG 256
#define ZT_MAX_NETWORKS        64
#define ZT_NODE_MAX_PEERS      65536
#define ZT_ROOT_MAX_PEERS      1048576

/* Outer header. */
struct zt_hdr {
	uint8_t type;
	uint8_t hops;
	uint64_t dst, src;
};

void zt_wire_hdr_encode(uint8_t out[ZT_HDR_LEN], const struct zt_hdr *h);
/* false if too short or of another version. */
bool zt_wire_hdr_decode(struct zt_hdr *h, const uint8_t *in, size_t len);
/* The header as authenticated: hops zeroed. */
void zt_wire_hdr_auth(uint8_t out[ZT_HDR_LEN], const uint8_t *in);

/* The 8-byte hash under which an ad-hoc network is announced to roots, so
 * that roots see which nodes share a network but not its id. */
void zt_wire_nethash(uint64_t nwid, uint8_t out[8]);

#endif
