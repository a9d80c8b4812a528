/* SPDX-License-Identifier: MIT */
/*
 * zt.h - the public API of the zt core (libztnode.a).
 *
 * The core is a pure state machine: it makes no syscalls, reads no clock,
 * owns no socket, file or thread.  The caller ("the shell": ztd, zt-root,
 * the simulator) hands it packets, frames and the current time, and the core
 * answers through the callbacks in struct zt_host and through a deadline by
 * which it wants to be called again.
 *
 * Time: every entry point takes `now`, milliseconds since the Unix epoch,
 * which the caller must keep monotone (ztd derives it from the monotonic
 * clock plus the wall clock at start).  Nothing in the core reads time.
 *
 * Re-entrancy: callbacks are invoked synchronously from inside a zt_node_*
 * call and must not call back into the same node.  Data passed to a
 * callback is borrowed for the duration of that call.  A node is not
 * thread-safe; the shell serialises calls.
 */
#ifndef ZT_NODE_ZT_H
#define ZT_NODE_ZT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Sizes of the text forms (including the terminating NUL). */
#define ZT_ADDRESS_TEXT         11  /* 10 hex digits */
#define ZT_NWID_TEXT            17  /* 16 hex digits */
#define ZT_IDENTITY_PUBLIC_TEXT 76  /* "aaaaaaaaaa:" + 64 hex */
#define ZT_IDENTITY_SECRET_TEXT 141 /* public + ":" + 64 hex */

/* The largest Ethernet frame that travels in one datagram (no
 * fragmentation): a shell cutting TCP super-frames aims at this. */
#define ZT_FRAME_UNFRAGMENTED 1403
/* ... and on the smallest path the core sends on (1280-byte IPv6 links,
 * or any path before its MTU is probed; see zt_node_frame_max). */
#define ZT_FRAME_MIN_UNFRAGMENTED 1183

#define ZT_MAX_ROOTS          8
#define ZT_MAX_ROOT_ENDPOINTS 4

/* A socket id with this bit set is a TCP connection (the shell frames each
 * datagram with its length; doc/PROTOCOL.md "TCP relay"). */
#define ZT_SOCK_TCP ((int64_t)1 << 40)

/* An underlay UDP endpoint.  family is 4 or 6 (0: none); for IPv4 the
 * address is in ip[0..3].  port is in host byte order. */
struct zt_endpoint {
	uint8_t family;
	uint16_t port;
	uint8_t ip[16];
};

/* A node identity: Ed25519 signing key pair; the X25519 key used for key
 * agreement is derived from it.  secret[] is all zero for a public-only
 * identity.  Wipe with zt_identity_wipe(). */
struct zt_identity {
	uint64_t address; /* 40 bits */
	uint8_t pk[32];   /* Ed25519 public key */
	uint8_t sk[64];   /* Ed25519 secret key (seed || pk), or zero */
	bool has_secret;
};

/* A signed roots file, parsed and verified (see zt_roots_parse). */
struct zt_root_def {
	struct zt_identity id; /* public only */
	struct zt_endpoint endpoints[ZT_MAX_ROOT_ENDPOINTS];
	unsigned endpoint_count;
};
struct zt_roots {
	int64_t timestamp;
	uint8_t signer[32]; /* Ed25519 key that signed the file */
	struct zt_root_def roots[ZT_MAX_ROOTS];
	unsigned count;
};

enum zt_log_level { ZT_LOG_ERROR = 0, ZT_LOG_WARN, ZT_LOG_INFO, ZT_LOG_DEBUG };

/* Network status, as shown by zt-cli listnetworks (ZeroTier's names). */
enum zt_net_status {
	ZT_NET_REQUESTING_CONFIGURATION = 0,
	ZT_NET_OK,
	ZT_NET_ACCESS_DENIED,
	ZT_NET_NOT_FOUND,
};
enum zt_net_type { ZT_NET_PRIVATE = 0, ZT_NET_PUBLIC };

/* ---- managed networks: configs and certificates of membership ----
 * (node/netconf.c; the wire format is in doc/PROTOCOL.md) */

#define ZT_NETCONF_NAME_MAX    128 /* including the NUL */
#define ZT_NETCONF_MAX_ADDRS   16
#define ZT_NETCONF_MAX_ROUTES  32
#define ZT_NETCONF_MAX_DNS     4
#define ZT_NETCONF_MAX_BRIDGES 32 /* active bridges listed in a config */
#define ZT_NETCONF_TOKEN_MAX   64 /* an invite token in a config request */
/* Names of the network's members (for the DNS responder in ztd): at most
 * ZT_NETCONF_MAX_NAMES of them, each a DNS label with up to
 * ZT_NETCONF_NAME_ADDRS addresses, and no more than ZT_NETCONF_NAMES_BYTES
 * on the wire (doc/PROTOCOL.md, "Names"). */
#define ZT_NETCONF_MAX_NAMES   256
#define ZT_NETCONF_NAME_ADDRS  4
#define ZT_NETCONF_LABEL_MAX   64 /* a DNS label (1-63 of a-z 0-9 -), with its NUL */
#define ZT_NETCONF_NAMES_BYTES 8192

/* An IP address with a prefix length (bits); family 4 or 6, 0: none. */
struct zt_inetaddr {
	uint8_t family;
	uint8_t bits;
	uint8_t ip[16];
};

struct zt_route {
	struct zt_inetaddr target; /* network/bits */
	struct zt_inetaddr via;    /* family 0: on the network itself */
	uint16_t flags, metric;
};

/* A certificate of membership: the controller says that issued_to is a
 * member of nwid at `timestamp` (the controller's clock).  Two members
 * accept each other while their timestamps differ by at most max_delta. */
struct zt_com {
	uint64_t nwid;
	uint64_t issued_to;
	int64_t timestamp;
	int64_t max_delta;
	uint8_t sig[64]; /* Ed25519 by the controller */
};

/* ---- rules: what members may send each other (node/rules.c) ----
 * ZeroTier's rules engine, with its numbering (doc/PROTOCOL.md "Rules"):
 * a list of entries, each a match or an action.  Matches before an action
 * are ANDed (an entry with ZT_RULE_OR is ORed with what came before it,
 * ZT_RULE_NOT inverts it); the action is taken when they hold, and the
 * first action taken ends the list.  A list that ends without one falls
 * through to the capabilities, and then drops the frame. */
#define ZT_RULES_MAX       256 /* entries in a network's list */
#define ZT_CAPS_MAX        16  /* capabilities a member holds */
#define ZT_CAP_RULES_MAX   64  /* entries in a capability's list */
#define ZT_TAGS_MAX        16  /* tags a member holds */
#define ZT_CAP_RULES_TOTAL 256 /* entries in all of a member's capabilities */

#define ZT_RULE_NOT        0x80u /* the match's sense is inverted */
#define ZT_RULE_OR         0x40u /* ORed with the matches before it, not ANDed */
#define ZT_RULE_TYPE(t)    ((t)&0x3fu)
#define ZT_RULE_ACTION_MAX 15 /* types 0-15 are actions, 16-63 matches */

enum zt_rule_type {
	ZT_RULE_DROP = 0,
	ZT_RULE_ACCEPT = 1,
	ZT_RULE_TEE = 2,      /* a copy (up to v.fwd.length bytes) to v.fwd.address */
	ZT_RULE_WATCH = 3,    /* as TEE (ZeroTier asks the observer to acknowledge) */
	ZT_RULE_REDIRECT = 4, /* to v.fwd.address instead of the destination */
	ZT_RULE_BREAK = 5,    /* stop here: on to the capabilities */
	ZT_RULE_PRIORITY = 6, /* accept, in QoS bucket v.qos (0-8) */
	ZT_RULE_ZT_SRC = 24,
	ZT_RULE_ZT_DEST = 25,
	ZT_RULE_VLAN_ID = 26,
	ZT_RULE_VLAN_PCP = 27,
	ZT_RULE_VLAN_DEI = 28,
	ZT_RULE_MAC_SRC = 29,
	ZT_RULE_MAC_DEST = 30,
	ZT_RULE_IPV4_SRC = 31,
	ZT_RULE_IPV4_DEST = 32,
	ZT_RULE_IPV6_SRC = 33,
	ZT_RULE_IPV6_DEST = 34,
	ZT_RULE_IP_TOS = 35,
	ZT_RULE_IP_PROTOCOL = 36,
	ZT_RULE_ETHERTYPE = 37,
	ZT_RULE_ICMP = 38,
	ZT_RULE_SPORT = 39,
	ZT_RULE_DPORT = 40,
	ZT_RULE_CHARACTERISTICS = 41,
	ZT_RULE_FRAME_SIZE = 42,
	ZT_RULE_RANDOM = 43,
	ZT_RULE_TAGS_DIFFERENCE = 44,
	ZT_RULE_TAGS_AND = 45,
	ZT_RULE_TAGS_OR = 46,
	ZT_RULE_TAGS_XOR = 47,
	ZT_RULE_TAGS_EQUAL = 48,
	ZT_RULE_TAG_SENDER = 49,
	ZT_RULE_TAG_RECEIVER = 50,
	ZT_RULE_INT_RANGE = 51,
	/* zt's own, from the top (ZeroTier's numbers grow from the bottom):
	 * the frame belongs to a flow an accept let through (flow.h). */
	ZT_RULE_ESTABLISHED = 63,
};

/* Characteristics (ZT_RULE_CHARACTERISTICS: any bit of the mask set). */
#define ZT_RULE_CHR_INBOUND   (1ULL << 63) /* we receive the frame */
#define ZT_RULE_CHR_MULTICAST (1ULL << 62) /* group destination (broadcast too) */
#define ZT_RULE_CHR_BROADCAST (1ULL << 61)
#define ZT_RULE_CHR_IPAUTH    (1ULL << 60) /* the source IP is the sender's */
#define ZT_RULE_CHR_MACAUTH   (1ULL << 59) /* the source MAC is the sender's own */
#define ZT_RULE_CHR_BRIDGE    (1ULL << 58) /* the sender is an active bridge (zt) */
#define ZT_RULE_CHR_TCP_MASK  0xfffULL     /* TCP flags: FIN = bit 0 ... NS = bit 8 */

struct zt_rule {
	uint8_t t; /* enum zt_rule_type | ZT_RULE_NOT | ZT_RULE_OR */
	union {
		uint64_t zt; /* ZT_SRC, ZT_DEST: 40 bits */
		uint16_t vlan_id;
		uint8_t vlan_pcp, vlan_dei;
		uint8_t mac[6];
		struct {
			uint8_t ip[16]; /* IPv4 in ip[0..3] */
			uint8_t bits;
		} ip;
		struct {
			uint8_t mask, start, end;
		} tos;
		uint8_t ip_protocol;
		uint16_t ethertype;
		struct {
			uint8_t type, code;
			bool match_code;
		} icmp;
		uint16_t range[2];        /* ports, frame size: first..last */
		uint64_t characteristics; /* ZT_RULE_CHR_* */
		uint32_t probability;     /* RANDOM: of UINT32_MAX */
		struct {
			uint32_t id, value;
		} tag;
		struct {
			uint64_t start;
			uint32_t end;   /* last = start + end */
			uint16_t idx;   /* offset in the payload */
			uint8_t format; /* bits - 1 (0-63) | 0x80: little-endian */
		} intr;
		struct {
			uint64_t address;
			uint32_t flags;
			uint16_t length; /* TEE, WATCH: bytes copied, 0: all */
		} fwd;
		uint8_t qos; /* PRIORITY */
	} v;
};

/* Credentials the controller signs for a member, which it shows other
 * members so that they evaluate its frames with its tags and
 * capabilities (doc/PROTOCOL.md "Tags and capabilities"). */
struct zt_tag {
	uint32_t id, value;
	uint8_t sig[64]; /* by the controller, over the credential (rules.c) */
};
struct zt_cap {
	uint32_t id;
	unsigned rule_count;
	struct zt_rule rules[ZT_CAP_RULES_MAX];
	uint8_t sig[64];
};

/* A member's name and its addresses, as the controller lists them. */
struct zt_netconf_name {
	uint64_t member;
	char label[ZT_NETCONF_LABEL_MAX];
	unsigned addr_count;
	struct zt_inetaddr addrs[ZT_NETCONF_NAME_ADDRS];
};

#define ZT_NETCONF_F_PRIVATE   0x1u /* members need a current COM */
#define ZT_NETCONF_F_BROADCAST 0x2u /* ff:ff:ff:ff:ff:ff is delivered */
#define ZT_NETCONF_F_BRIDGE    0x4u /* this member is an active bridge */

/* A member's network config, as the controller signed it. */
struct zt_netconf {
	uint64_t nwid;
	uint64_t issued_to;
	int64_t timestamp;
	uint64_t revision;
	uint32_t flags; /* ZT_NETCONF_F_* */
	uint16_t mtu;
	uint32_t multicast_limit;
	char name[ZT_NETCONF_NAME_MAX];
	unsigned addr_count;
	struct zt_inetaddr addrs[ZT_NETCONF_MAX_ADDRS]; /* assigned to this member */
	unsigned route_count;
	struct zt_route routes[ZT_NETCONF_MAX_ROUTES];
	char dns_domain[ZT_NETCONF_NAME_MAX];
	unsigned dns_count;
	struct zt_inetaddr dns[ZT_NETCONF_MAX_DNS];
	/* The network's rules, and this member's capabilities and tags
	 * (each signed as a credential the member shows to the others). */
	unsigned rule_count;
	struct zt_rule rules[ZT_RULES_MAX];
	unsigned cap_count;
	struct zt_cap caps[ZT_CAPS_MAX];
	unsigned tag_count;
	struct zt_tag tags[ZT_TAGS_MAX]; /* sorted by id, each id once */
	uint8_t addrs_sig[64]; /* the controller's, over addrs as a credential (rules.c) */
	/* The network's active bridges (members that may send and receive
	 * frames for foreign MACs), this member included if it is one. */
	unsigned bridge_count;
	uint64_t bridges[ZT_NETCONF_MAX_BRIDGES];
	struct zt_com com;
	/* The network's named members (a bounded list; the encoder sends as
	 * many as fit), for `<label>.<dns_domain>`. */
	unsigned name_count;
	struct zt_netconf_name names[ZT_NETCONF_MAX_NAMES];
};

/* What a controller answers a config request with. */
enum zt_netconf_verdict {
	ZT_NETCONF_OK = 0,
	ZT_NETCONF_ACCESS_DENIED,
	ZT_NETCONF_NOT_FOUND,
	ZT_NETCONF_IGNORE,     /* send nothing (e.g. the store failed) */
	ZT_NETCONF_BAD_INVITE, /* access denied: its invite token is invalid, spent or expired */
};

struct zt_netconf_request {
	uint64_t nwid;
	uint64_t member;
	const uint8_t *member_pk; /* 32 bytes, verified against member */
	uint64_t have_revision;
	const uint8_t *token; /* an invite token, or NULL */
	size_t token_len;
	bool is_push; /* zt_node_netconf_push, not the member asking */
};

struct zt_network_info {
	uint64_t nwid;
	uint8_t mac[6]; /* this node's MAC on the network */
	enum zt_net_status status;
	enum zt_net_type type;
	unsigned mtu;
	unsigned members_known; /* peers known to be on this network */
	bool adhoc;
	/* The config in force (managed networks with status OK), or NULL.
	 * Borrowed: valid during the callback, or until the next call into
	 * the node for zt_node_network(s). */
	const struct zt_netconf *conf;
	/* Ethernet (see struct zt_ethernet). */
	bool active_bridge, enable_broadcast;
	unsigned multicast_limit;
	unsigned multicast_groups; /* our host's groups (snooped) */
	/* The controller refused our invite token (invalid, spent, expired). */
	bool invite_refused;
	/* An invite token is still being sent (no verdict yet). */
	bool invite_pending;
	/* Frames the rules dropped, sent and received, and by which entry of
	 * the network's list ([ZT_RULES_MAX]: the list fell through and no
	 * capability accepted).  Borrowed, as conf. */
	uint64_t rules_dropped_out, rules_dropped_in;
	const uint32_t *rules_dropped_by; /* ZT_RULES_MAX + 1 entries */
	/* The flow table of the `established` match (all 0 while the rules
	 * use none; made anew, so counted anew, when the rules change): flows
	 * live now (of at most flows_max), made, taken out after their
	 * timeout, and evicted live because the table was full. */
	unsigned flows, flows_max;
	uint64_t flows_inserted, flows_expired, flows_evicted;
};

enum zt_net_op { ZT_NET_UP = 1, ZT_NET_UPDATE, ZT_NET_DOWN };

enum zt_path_kind { ZT_PATH_NONE = 0, ZT_PATH_DIRECT, ZT_PATH_RELAY };

/* How this node's NAT maps, as the roots' reflections show it (see
 * zt_node_nat_type). */
enum zt_nat_type {
	ZT_NAT_UNKNOWN = 0, /* fewer than two roots answered yet */
	ZT_NAT_NONE,        /* a root sees one of our own addresses */
	ZT_NAT_CONE,        /* same external endpoint towards every root */
	ZT_NAT_SYMMETRIC,   /* the external port depends on the destination */
};
enum zt_peer_role { ZT_ROLE_LEAF = 0, ZT_ROLE_ROOT };

struct zt_peer_info {
	uint64_t address;
	enum zt_peer_role role;
	enum zt_path_kind path;
	struct zt_endpoint endpoint; /* direct endpoint, or the relaying root's */
	uint64_t via;                /* relaying root's address (RELAY only) */
	int latency_ms;              /* smoothed RTT of the path in use, -1 unknown */
	int64_t path_since;          /* when the current path kind began (ms) */
	int64_t last_rx;             /* last authenticated packet (ms), 0 never */
	int64_t last_tx;
	bool session;          /* an established session with current keys */
	unsigned direct_paths; /* direct endpoints known */
	uint64_t rx_packets, tx_packets;
	bool tcp;          /* the path in use (or the relaying root's) is a TCP connection */
	unsigned path_mtu; /* largest datagram sent on the path in use (probed) */
	/* The peer's software version (major, minor, rev) as its VERSION
	 * message said; -1 each until one arrived (an older peer never
	 * sends it). */
	int version[3];
};

/* Drop and event counters (hostile input is counted, never an error). */
enum zt_counter {
	ZT_CTR_RX_PACKETS = 0,  /* UDP datagrams handed in */
	ZT_CTR_RX_MALFORMED,    /* failed length/format checks */
	ZT_CTR_RX_AUTH_FAIL,    /* failed decryption/authentication */
	ZT_CTR_RX_REPLAY,       /* counter seen before or too old */
	ZT_CTR_RX_NO_SESSION,   /* transport for an unknown key index */
	ZT_CTR_RX_UNKNOWN_PEER, /* from an address we cannot verify */
	ZT_CTR_HS_INIT_RX,      /* handshake initiations accepted */
	ZT_CTR_HS_COOKIE_SENT,  /* cookie replies sent (the source was over its budget) */
	ZT_CTR_HS_REJECTED,     /* handshakes rejected (mac, timestamp, identity) */
	ZT_CTR_FRAG_DROPPED,    /* reassembly buffers evicted or expired */
	ZT_CTR_RELAYED,         /* packets forwarded for others (roots) */
	ZT_CTR_FRAMES_IN,       /* frames delivered to the TAP */
	ZT_CTR_FRAMES_OUT,      /* frames sent from the TAP */
	ZT_CTR_FRAMES_DROPPED,  /* frames not deliverable (no peer, no net) */
	ZT_CTR_FORGED_SRC_MAC,  /* frames dropped for a foreign source MAC */
	ZT_CTR_COM_REJECTED,    /* frames from/to members without a current COM */
	ZT_CTR_NETCONF_BAD,     /* configs, COMs, revocations that did not verify */
	ZT_CTR_PUNCH_PROBES,    /* hole-punching and birthday probes sent */
	ZT_CTR_PATH_LOST,       /* direct paths that stopped answering */
	ZT_CTR_MC_REFUSED,      /* subscriptions refused (limits; private: no verified COM) */
	ZT_CTR_MC_UNWANTED,     /* group frames we do not subscribe to */
	ZT_CTR_BRIDGE_LOOP,     /* frames dropped to break a bridging loop */
	ZT_CTR_NOT_FOR_US,      /* unicast frames for another MAC (not a bridge) */
	ZT_CTR_PMTU_PROBES,     /* path MTU probes sent */
	ZT_CTR_NO_MEMORY,       /* state not kept: an allocation failed (handshake, path...) */
	ZT_CTR_TX_FRAGMENTED, /* packets sent cut into FRAG datagrams (larger than the path MTU) */
	ZT_CTR_FORGED_SRC_IP, /* frames dropped: an IP source, ARP sender or NA target not the
	                         sender's */
	ZT_CTR_FORGED_LLADDR, /* frames dropped: an ARP sender MAC or ND link-layer option not the
	                         sender's */
	ZT_CTR_PATH_UNPROVEN, /* replies and probes withheld from an endpoint not validated yet
	                         (more than came from it) */
	ZT_CTR_RATE_LIMITED,  /* roots: NET_ANNOUNCE, WHOIS, RENDEZVOUS_REQ over their rate */
	/* What strangers cost before a handshake authenticates (doc/PROTOCOL.md §4). */
	ZT_CTR_ID_VERIFY,      /* identities checked with Argon2id (memory-hard, ~2 ms each) */
	ZT_CTR_HS_DH,          /* handshake messages received that cost X25519 (2 each, 3 more
	                          to answer an initiation) */
	ZT_CTR_HS_REPLAY_DROP, /* initiations consumed before, dropped with no public-key work */
	ZT_CTR_HS_OVER_BUDGET, /* handshake messages dropped over a token bucket (or forged
	                          responses past the bound) before public-key work */
	ZT_CTR_PEER_EVICTED,   /* peers evicted from a full table (least recently
	                          authenticated first; members and roots kept) */
	ZT_CTR_TX_FAILED,      /* datagrams the host's wire_send failed to send */
	ZT_CTR_RELAYED_BYTES,  /* bytes of the packets counted in ZT_CTR_RELAYED */
	ZT_CTR_RULES_DROP_OUT, /* frames from our TAP the network's rules dropped */
	ZT_CTR_RULES_DROP_IN,  /* frames from members the network's rules dropped */
	ZT_CTR_CREDS_REJECTED, /* tags and capabilities shown that did not verify (or not
	                          the sender's, or not its current ones) */
	ZT_CTR_COUNT
};

enum zt_event {
	ZT_EVENT_ONLINE = 1,  /* first root session up */
	ZT_EVENT_OFFLINE,     /* no root reachable */
	ZT_EVENT_PATH_DIRECT, /* info: const struct zt_peer_info * */
	ZT_EVENT_PATH_RELAY,  /* info: const struct zt_peer_info * */
};

/* One AEAD operation of a batch (see zt_host.crypto_run). */
enum zt_crypto_op { ZT_CRYPTO_SEAL = 1, ZT_CRYPTO_OPEN = 2 };
enum zt_crypto_cipher {
	ZT_CRYPTO_CHACHA20POLY1305 = 0, /* key: 32 bytes */
	ZT_CRYPTO_AES256GCM = 1,        /* key: 32 bytes (expanded on every call) */
	ZT_CRYPTO_AES256GCM_STATE = 2,  /* key: an expanded crypto_aead_aes256gcm_state */
};
struct zt_crypto_job {
	enum zt_crypto_op op;
	enum zt_crypto_cipher cipher;
	int result;      /* set by zt_crypto_job_run: 0, or -1 (does not authenticate) */
	const void *key; /* borrowed from the core */
	uint8_t nonce[12];
	uint8_t ad[24];
	const uint8_t *in;
	size_t in_len;
	uint8_t *out;
	size_t out_len; /* set by zt_crypto_job_run */
};
/* Run one job (thread-safe). */
void zt_crypto_job_run(struct zt_crypto_job *job);

/* A memory allocator: alloc returns `size` bytes aligned for any object
 * (as malloc does) or NULL; free takes what alloc returned (never NULL).
 * All zero: libc's malloc and free. */
struct zt_mem {
	void *(*alloc)(void *ctx, size_t size);
	void (*free)(void *ctx, void *ptr);
	void *ctx;
};

/* What the core needs from the world.  Fields are only ever appended;
 * version must be ZT_HOST_VERSION. */
#define ZT_HOST_VERSION 1
struct zt_host {
	int version;
	void *ctx;
	/* Send one UDP datagram from local socket `sock` (an id the shell
	 * gave in zt_node_add_socket).  Returns 0 or a negative error. */
	int (*wire_send)(void *ctx, int64_t sock, const struct zt_endpoint *to, const void *pkt,
	                 size_t len);
	/* Deliver an Ethernet frame (dst, src, ethertype, payload) to the
	 * network's TAP. */
	void (*frame_out)(void *ctx, uint64_t nwid, const uint8_t *frame, size_t len);
	/* A joined network came up, changed or went away. */
	void (*net_update)(void *ctx, enum zt_net_op op, const struct zt_network_info *info);
	/* Fill buf with cryptographically secure random bytes. */
	void (*random)(void *ctx, void *buf, size_t len);
	/* Optional. */
	void (*event)(void *ctx, enum zt_event ev, const void *info);
	void (*log)(void *ctx, enum zt_log_level level, const char *msg);
	/* Controllers only (optional): member req->member asks for its config
	 * of req->nwid, whose top 40 bits are our address.  Fill *conf (the
	 * core sets nwid, issued_to, timestamp and the COM, then signs it)
	 * and return a verdict.  May run from zt_node_process_wire and from
	 * zt_node_netconf_push. */
	enum zt_netconf_verdict (*netconf_request)(void *ctx, int64_t now,
	                                           const struct zt_netconf_request *req,
	                                           struct zt_netconf *conf);
	/* Optional (NULL: no birthday probing).  Open up to `count` extra
	 * UDP sockets of `family` on ephemeral ports, for probing through a
	 * symmetric NAT; store their ids in out[] and return how many were
	 * opened.  Packets they receive come back through
	 * zt_node_process_wire with their id. */
	unsigned (*sockets_open)(void *ctx, int family, unsigned count, int64_t *out);
	/* Close one socket that sockets_open gave. */
	void (*socket_close)(void *ctx, int64_t sock);
	/* Optional (NULL: no TCP fallback).  Start a TCP connection to a
	 * root's `to`; return its socket id (with ZT_SOCK_TCP set) or a
	 * negative error.  Datagrams sent before it is up are buffered by the
	 * shell; if it fails or ends, the shell calls zt_node_tcp_closed. */
	int64_t (*tcp_open)(void *ctx, const struct zt_endpoint *to);
	/* Close a connection from tcp_open (the shell may defer it until the
	 * current core call returns). */
	void (*tcp_close)(void *ctx, int64_t sock);
	/* Optional (NULL: the core does its own cryptography).  Parallel
	 * crypto: the core hands the AEAD work of a batch of DATA packets
	 * (received in zt_node_process_wire_batch, or sent between
	 * zt_node_frames_begin and _end) to the shell as `count` jobs and
	 * waits for this to return.  The shell may run them on any threads
	 * with zt_crypto_job_run (thread-safe; it touches only the job's
	 * buffers and the key it borrows, both valid until this returns).
	 * Ordering and every other state stay with the core. */
	void (*crypto_run)(void *ctx, struct zt_crypto_job *jobs, size_t count);
	/* Optional (both NULL: libc's malloc and free; set both or neither):
	 * every allocation of the node, with ctx, as struct zt_mem says.  A
	 * host may cap the node's memory or fail allocations on purpose; the
	 * node then does without what it could not allocate (a path, a queued
	 * message, a handshake: tried again later; most are counted in
	 * ZT_CTR_NO_MEMORY) or returns ZT_ENOMEM where a caller asked. */
	void *(*alloc)(void *ctx, size_t size);
	void (*free)(void *ctx, void *ptr);
	/* Optional (NULL: peers are not told): our software version,
	 * "major.minor.rev" (each 0..65535, anything after the third number
	 * ignored), told to every peer once per session (doc/PROTOCOL.md §5
	 * VERSION).  Read at zt_node_new; a malformed one is ZT_EINVAL. */
	const char *software_version;
};

/* Node options. */
#define ZT_NODE_ROOT   0x1u /* act as a root: register, relay, WHOIS, rendezvous */
#define ZT_NODE_NO_AES 0x2u /* never negotiate AES-256-GCM (ChaCha20-Poly1305 only) */

struct zt_node;

/* Error codes (0 = success).  See zt_strerror().  Each function below
 * lists the ones it returns; hostile input is never an error (it is
 * dropped and counted, enum zt_counter). */
enum zt_err {
	ZT_OK = 0,
	ZT_EINVAL = -1,    /* bad argument or malformed input */
	ZT_ENOMEM = -2,    /* allocation failed */
	ZT_ERANGE = -3,    /* buffer too small / value out of range */
	ZT_ENOTFOUND = -4, /* no such peer / network */
	ZT_EEXIST = -5,    /* already there */
	ZT_ECRYPTO = -6,   /* verification or decryption failed */
	ZT_EFULL = -7,     /* a configured limit was reached */
	ZT_ECALLBACK = -8, /* a host callback failed (or answered what zt.h does not allow) */
	ZT_EIDENTITY = -9, /* identity invalid (address does not match key) */
	ZT_ESIG = -10,     /* bad signature */
	ZT_ESTALE = -11,   /* older than what was accepted before (rollback) */
};
const char *zt_strerror(int err);

/* ---- identities (node/identity.c) ---- */

/* Make a new identity from 32 random bytes per attempt; `random` is called
 * until a key pair with a valid address is found (a few tries).  ZT_OK,
 * ZT_EIDENTITY if none was found in the tries allowed (a broken random),
 * or ZT_ENOMEM (the address derivation's memory, Argon2id's). */
int zt_identity_generate(struct zt_identity *out, void (*random)(void *ctx, void *buf, size_t len),
                         void *ctx);
/* Text forms: "aaaaaaaaaa:<pk hex>" and "aaaaaaaaaa:<pk hex>:<seed hex>".
 * to_text: ZT_OK, or ZT_ERANGE if cap is too small (ZT_IDENTITY_*_TEXT). */
int zt_identity_to_text(const struct zt_identity *id, bool with_secret, char *out, size_t cap);
/* Parse and verify (the address is recomputed from the key: ~1 ms).  ZT_OK,
 * ZT_EINVAL (not an identity's text), ZT_EIDENTITY (the address or the
 * secret does not match the key), or ZT_ENOMEM (the address derivation's
 * memory, Argon2id's). */
int zt_identity_from_text(struct zt_identity *out, const char *text, size_t len);
void zt_identity_wipe(struct zt_identity *id);

/* ---- roots files (node/roots.c) ---- */

/* Parse and verify a signed roots file.  If `pinned_signer` is not NULL the
 * file must be signed by that key.  ZT_OK, ZT_ERANGE (too large), ZT_EINVAL
 * (malformed), or ZT_ESIG (not signed by the pinned key, or the signature
 * does not verify). */
int zt_roots_parse(struct zt_roots *out, const char *text, size_t len,
                   const uint8_t *pinned_signer);
/* The same; on a failure *line is the number (from 1) of the line that
 * caused it, 0 when it is the file as a whole (its signature, a missing
 * part), so that tools can point at it. */
int zt_roots_parse_at(struct zt_roots *out, const char *text, size_t len,
                      const uint8_t *pinned_signer, unsigned *line);
/* Write a signed roots file for `roots` (whose timestamp and roots are set)
 * signed with `signer` (an identity with secret).  Returns its length, or
 * ZT_EINVAL (no secret, root or endpoint counts out of range, cap below
 * 64) or ZT_ERANGE (cap). */
int zt_roots_write(struct zt_roots *roots, const struct zt_identity *signer, char *out, size_t cap);

/* Rollback: what a node remembers of the last roots file it accepted, so
 * that a signed but older file (a replay of roots since retired) is
 * refused.  The node keeps it for the roots in use (zt_node_set_roots);
 * the shell keeps it across restarts in its text form. */
struct zt_roots_seen {
	uint8_t signer[32];
	int64_t timestamp;
	uint8_t digest[32]; /* of the roots and their endpoints */
};
#define ZT_ROOTS_SEEN_TEXT 160 /* "<signer hex> <timestamp> <digest hex>\n" and a NUL */
void zt_roots_seen_of(struct zt_roots_seen *out, const struct zt_roots *roots);
/* Whether `next` may follow what was accepted: ZT_OK for another signer
 * (the shell pins signers), a newer timestamp or the very same roots;
 * ZT_ESTALE for an older timestamp, or the same one with other roots.  To
 * go back to older roots on purpose, sign them again (a new timestamp). */
int zt_roots_check_seen(const struct zt_roots_seen *seen, const struct zt_roots *next);
/* The text form (one line); returns its length or ZT_ERANGE. */
int zt_roots_seen_to_text(const struct zt_roots_seen *seen, char *out, size_t cap);
/* Parse the text form (a trailing newline allowed); ZT_OK or ZT_EINVAL. */
int zt_roots_seen_from_text(struct zt_roots_seen *out, const char *text, size_t len);

/* ---- the node (node/node.c) ---- */

/* Create a node.  `id` must have its secret.  host is copied.  ZT_OK,
 * ZT_EINVAL (host NULL or of another version, no random, only one of
 * alloc and free, id without its secret or with an invalid address), or
 * ZT_ENOMEM. */
int zt_node_new(struct zt_node **out, const struct zt_host *host, const struct zt_identity *id,
                unsigned flags, int64_t now);
void zt_node_free(struct zt_node *n);

/* Tell the node about a local UDP socket it may send from.  family 4 or 6.
 * ZT_OK, ZT_EINVAL (family), or ZT_EFULL (8 sockets already). */
int zt_node_add_socket(struct zt_node *n, int64_t sock, int family);

/* The addresses of our own interfaces, each with the port of a socket we
 * listen on (the shell refreshes them when they change).  They are shared
 * with peers behind the same NAT through the roots, for LAN paths. At most
 * ZT_MAX_LOCAL_ENDPOINTS are kept (the rest ignored).  Always ZT_OK. */
#define ZT_MAX_LOCAL_ENDPOINTS 4
int zt_node_set_local_endpoints(struct zt_node *n, const struct zt_endpoint *eps, size_t count);

/* Port mappings the shell got from the router (UPnP-IGD, NAT-PMP): public
 * endpoints that reach our socket.  Offered to peers through the roots.  At
 * most ZT_MAX_MAPPED_ENDPOINTS (the rest ignored).  Always ZT_OK. */
#define ZT_MAX_MAPPED_ENDPOINTS 2
int zt_node_set_mapped_endpoints(struct zt_node *n, const struct zt_endpoint *eps, size_t count);

/* A TCP connection (ours from tcp_open, or one a root accepted) is gone. */
void zt_node_tcp_closed(struct zt_node *n, int64_t now, int64_t sock);

/* Set (or replace) the roots.  Sessions with roots no longer listed end.
 * ZT_OK, ZT_EINVAL (more than ZT_MAX_ROOTS), ZT_ESTALE (signed roots that
 * would roll back the ones in use, zt_roots_check_seen), or ZT_ENOMEM (no
 * room for a root's state); after an error nothing has changed. */
int zt_node_set_roots(struct zt_node *n, int64_t now, const struct zt_roots *roots);

/* One received UDP datagram.  Always ZT_OK: hostile input is dropped and
 * counted, and so is what the node could not do in answer (no memory:
 * ZT_CTR_NO_MEMORY; a send the host failed: ZT_CTR_TX_FAILED). */
int zt_node_process_wire(struct zt_node *n, int64_t now, int64_t sock,
                         const struct zt_endpoint *from, const void *pkt, size_t len,
                         int64_t *next_deadline);

/* A batch of received datagrams (same semantics as one by one; ZT_OK). */
struct zt_wire_pkt {
	int64_t sock;
	struct zt_endpoint from;
	const void *data;
	size_t len;
};
int zt_node_process_wire_batch(struct zt_node *n, int64_t now, const struct zt_wire_pkt *pkts,
                               size_t count, int64_t *next_deadline);

/* One Ethernet frame read from a network's TAP.  ZT_OK (also when the
 * frame is dropped: counted), or ZT_ENOTFOUND if the network is not
 * joined. */
int zt_node_process_frame(struct zt_node *n, int64_t now, uint64_t nwid, const uint8_t *frame,
                          size_t len, int64_t *next_deadline);

/* Frames read together (one TAP read cut into segments): between begin
 * and end the core defers the encryption of what it sends and, at end
 * (or when its job list is full), hands it to zt_host.crypto_run in one
 * batch, then sends in order.  Only zt_node_process_frame may be called
 * in between.  Without crypto_run these do nothing. */
void zt_node_frames_begin(struct zt_node *n);
/* ZT_OK. */
int zt_node_frames_end(struct zt_node *n, int64_t now, int64_t *next_deadline);

/* The largest Ethernet frame to `dst` (a destination MAC) on network nwid
 * that the core would send now in one datagram, so that a shell cutting a
 * TCP super-frame can make its segments fit (call it once per super-frame:
 * it costs a MAC-table lookup and a peer lookup).  The member the switch
 * would send the frame to (the MAC's owner, or the member bridging it)
 * decides: the probed MTU of its best direct path, or the conservative
 * ZT_FRAME_MIN_UNFRAGMENTED while the path is not yet probed or the peer is
 * reached through a root.  Broadcast, multicast, an unknown MAC or network:
 * ZT_FRAME_UNFRAGMENTED.  Always within [ZT_FRAME_MIN_UNFRAGMENTED,
 * ZT_FRAME_UNFRAGMENTED]. */
size_t zt_node_frame_max(const struct zt_node *n, int64_t now, uint64_t nwid, const uint8_t dst[6]);

/* Timers.  Call no later than the deadline last returned.  ZT_OK. */
int zt_node_process_background(struct zt_node *n, int64_t now, int64_t *next_deadline);

/* Networks.  join/leave/set_roots/add_socket return no deadline: after
 * calling them, call zt_node_process_background on the next loop turn.
 * join: ZT_OK (also if joined already), ZT_EINVAL (nwid 0, or a root), or
 * ZT_EFULL (ZT_MAX_NETWORKS joined). */
int zt_node_join(struct zt_node *n, int64_t now, uint64_t nwid);
/* Join with an invite token, sent with config requests until the network
 * is OK (token_len <= ZT_NETCONF_TOKEN_MAX).  As zt_node_join, and
 * ZT_EINVAL for a token too long or an ad-hoc network. */
int zt_node_join_token(struct zt_node *n, int64_t now, uint64_t nwid, const uint8_t *token,
                       size_t token_len);
/* ZT_OK, or ZT_ENOTFOUND if not joined. */
int zt_node_leave(struct zt_node *n, int64_t now, uint64_t nwid);
/* Fill up to `cap` entries; returns how many networks there are. */
size_t zt_node_networks(const struct zt_node *n, struct zt_network_info *out, size_t cap);
/* One network: ZT_OK, or ZT_ENOTFOUND if not joined. */
int zt_node_network(const struct zt_node *n, uint64_t nwid, struct zt_network_info *out);
/* A multicast group: Ethernet multicast MAC and ADI (multicast.h). */
struct zt_mcgroup {
	uint8_t mac[6];
	uint32_t adi;
};
/* A frame the network's rules dropped (zt_node_rules_drops), as much of
 * it as says why: who, which rule, and its addresses. */
#define ZT_RULES_DROPS_MAX 64 /* the newest kept per network */
struct zt_rules_drop {
	int64_t time;
	uint64_t peer; /* the member it came from (inbound) or was for */
	int rule;      /* the network list's entry; -1: no rule or capability accepted */
	bool inbound;
	uint16_t len; /* the frame's length (capped at 65535) */
	uint16_t ethertype;
	uint8_t dst_mac[6], src_mac[6];
	/* IPv4 (4) or IPv6 (6), else 0; ports for TCP, UDP, SCTP and UDP-Lite,
	 * type and code for ICMP (else 0). */
	uint8_t ip_family, ip_proto;
	uint8_t src_ip[16], dst_ip[16];
	uint16_t sport, dport;
	uint8_t icmp_type, icmp_code;
};
/* The frames the rules dropped lately on nwid, oldest first: fill up to
 * cap, return how many were copied (0 if none, or not a member). */
size_t zt_node_rules_drops(const struct zt_node *n, uint64_t nwid, struct zt_rules_drop *out,
                           size_t cap);
/* Our host's groups on nwid (snooped; zt_network_info.multicast_groups
 * counts them): fill up to `cap`, return how many there are (0 if not a
 * member). */
size_t zt_node_multicast_groups(const struct zt_node *n, uint64_t nwid, struct zt_mcgroup *out,
                                size_t cap);

/* Controllers: send member its current config now (asks the
 * netconf_request callback), e.g. after an admin changed it.  ZT_OK (also
 * when the callback says to send nothing, or the config waits for a
 * session), ZT_EINVAL (not our network, an invalid member, or no
 * netconf_request), ZT_EFULL (the peer table is full), ZT_ENOMEM,
 * ZT_ERANGE (the config does not fit a message), or ZT_ECALLBACK (the
 * callback gave no valid verdict, or the host failed to send). */
int zt_node_netconf_push(struct zt_node *n, int64_t now, uint64_t nwid, uint64_t member);
/* Controllers: revoke member's certificates issued up to now and tell the
 * `count` members in notify[] at once (signed; they forward nothing).
 * ZT_OK, ZT_EINVAL (not our network or an invalid member), or ZT_ECALLBACK
 * (the host failed to send to one of them; the others were told). */
int zt_node_netconf_revoke(struct zt_node *n, int64_t now, uint64_t nwid, uint64_t member,
                           const uint64_t *notify, size_t count);
/* Ethernet settings of a joined network (multicast, broadcast, bridging,
 * MSS clamping).  Ad-hoc networks start with multicast_limit 32,
 * enable_broadcast true, no bridges, mac_age 300 s, no clamping; the shell
 * may change them (ztd: `zt-cli set <nwid> key=value`).  On a managed
 * network the controller's config is the authority. */
struct zt_ethernet {
	unsigned multicast_limit; /* group recipients per frame (0: only ARP/ND) */
	bool enable_broadcast;
	bool active_bridge;      /* this member bridges a LAN segment */
	unsigned mac_age_s;      /* ageing of MACs learnt behind bridges (0: 300) */
	unsigned mss_clamp;      /* clamp TCP MSS in SYNs to this (0: off) */
	const uint64_t *bridges; /* members that bridge (managed networks) */
	size_t bridge_count;
};
/* get: ZT_OK or ZT_ENOTFOUND (not joined).  set: the same, and ZT_ERANGE
 * (multicast_limit, mac_age_s or mss_clamp out of range, or more than
 * ZT_NET_MAX_BRIDGES bridges). */
int zt_node_get_ethernet(const struct zt_node *n, uint64_t nwid, struct zt_ethernet *out);
int zt_node_set_ethernet(struct zt_node *n, int64_t now, uint64_t nwid,
                         const struct zt_ethernet *e);

/* Status. */
uint64_t zt_node_address(const struct zt_node *n);
const struct zt_identity *zt_node_identity(const struct zt_node *n);
bool zt_node_online(const struct zt_node *n);
/* Our address as the roots see it (address reflection); returns how many
 * distinct endpoints were filled. */
size_t zt_node_reflected(const struct zt_node *n, struct zt_endpoint *out, size_t cap);
/* The idle keepalive interval (ms) in use: 25 s, less once a probe through
 * a root showed that our NAT drops silent mappings sooner. */
int64_t zt_node_keepalive(const struct zt_node *n);
/* This node's NAT as classified from the roots' reflections. */
enum zt_nat_type zt_node_nat_type(const struct zt_node *n);
const char *zt_nat_type_name(enum zt_nat_type t);
/* Fill up to `cap` peers; returns how many peers there are (out may be NULL
 * with cap 0 to count them). */
size_t zt_node_peers(const struct zt_node *n, int64_t now, struct zt_peer_info *out, size_t cap);
/* One peer by address.  Errors: ZT_ENOTFOUND (no such peer). */
int zt_node_peer(const struct zt_node *n, int64_t now, uint64_t address, struct zt_peer_info *out);
/* Every peer in turn (borrowed for the call; fn must not call into the
 * node), for a summary of a large table without copying it; returns how
 * many there were. */
size_t zt_node_peers_each(const struct zt_node *n, int64_t now,
                          void (*fn)(void *ctx, const struct zt_peer_info *p), void *ctx);
uint64_t zt_node_counter(const struct zt_node *n, enum zt_counter c);
const char *zt_counter_name(enum zt_counter c);

/* ---- config codec (node/netconf.c), for shells and tests ---- */

/* Encode conf (without signature) into out; returns the length or
 * ZT_ERANGE (cap). */
int zt_netconf_encode(const struct zt_netconf *conf, uint8_t *out, size_t cap);
/* Decode exactly len bytes; ZT_EINVAL if malformed. */
int zt_netconf_decode(struct zt_netconf *conf, const uint8_t *in, size_t len);
/* Is s a name a config may carry: a DNS label, 1-63 of a-z, 0-9 and '-',
 * neither first nor last a '-'? */
bool zt_netconf_label_ok(const char *s);
/* Sign the COM with the controller's identity (ZT_OK, or ZT_EINVAL without
 * its secret) / verify it with its key (ZT_OK, ZT_EINVAL for a COM out of
 * range, ZT_ESIG). */
int zt_com_sign(struct zt_com *com, const struct zt_identity *controller);
int zt_com_verify(const struct zt_com *com, const uint8_t controller_pk[32]);
/* Do two members holding these COMs accept each other? */
bool zt_com_agree(const struct zt_com *a, const struct zt_com *b);
/* The controller of a network: its top 40 bits. */
uint64_t zt_nwid_controller(uint64_t nwid);

/* ---- invite codes (node/invite.c) ---- */

/* What `zt-controller invite` prints and `zt-cli join` takes. */
struct zt_invite {
	uint64_t nwid;
	uint8_t token[ZT_NETCONF_TOKEN_MAX];
	size_t token_len;
	unsigned root_count;
	struct {
		uint64_t address;
		uint8_t pk[32];
		struct zt_endpoint endpoint;
	} roots[ZT_MAX_ROOTS];
};
#define ZT_INVITE_TEXT_MAX 1024
/* Text form into out (NUL-terminated); returns its length, ZT_EINVAL (a
 * token length or root count out of range, an endpoint without a family)
 * or ZT_ERANGE (cap). */
int zt_invite_encode(const struct zt_invite *inv, char *out, size_t cap);
/* Parse a text form; ZT_EINVAL if it is not a valid invite code. */
int zt_invite_decode(struct zt_invite *inv, const char *text, size_t len);

/* ---- helpers shared with the shells (node/util.c) ---- */

/* MAC of `address` on network `nwid`. */
void zt_mac_from_address(uint64_t nwid, uint64_t address, uint8_t mac[6]);
/* An ad-hoc network id starts with the byte 0xff (no controller). */
bool zt_nwid_is_adhoc(uint64_t nwid);
/* Parse exactly 10 / 16 hex digits; ZT_OK or ZT_EINVAL. */
int zt_address_parse(const char *s, uint64_t *out);
int zt_nwid_parse(const char *s, uint64_t *out);
/* Endpoint text "1.2.3.4/9993" or "2001:db8::1/9993".  parse: ZT_OK or
 * ZT_EINVAL; to_text: ZT_OK, ZT_EINVAL (no family) or ZT_ERANGE (cap). */
int zt_endpoint_parse(const char *s, struct zt_endpoint *out);
int zt_endpoint_to_text(const struct zt_endpoint *ep, char *out, size_t cap);
bool zt_endpoint_eq(const struct zt_endpoint *a, const struct zt_endpoint *b);

/* ---- offload helpers for the host (node/gso.c, node/gro.c) ----
 *
 * A TAP opened with IFF_VNET_HDR and TUNSETOFFLOAD hands its reader
 * "super-frames" of up to 64 KiB with a virtio-net header saying how to
 * cut them (gso_type, gso_size) and which checksum is still to be done
 * (NEEDS_CSUM, csum_start, csum_offset), and takes such frames on write.
 * zt_gso_split cuts what the TAP gives into frames that each fit one
 * datagram, as a NIC's TSO would; struct zt_gro joins what peers sent back
 * into super-frames for the TAP, as a NIC's GRO would.  Both are pure (no
 * syscalls): the host reads and writes the device.
 */

/* struct virtio_net_hdr (10 bytes, native byte order on a TAP). */
#define ZT_VNET_HDR_LEN      10
#define ZT_VNET_F_NEEDS_CSUM 1
#define ZT_VNET_F_DATA_VALID 2
#define ZT_VNET_GSO_NONE     0
#define ZT_VNET_GSO_TCPV4    1
#define ZT_VNET_GSO_UDP      3
#define ZT_VNET_GSO_TCPV6    4
#define ZT_VNET_GSO_UDP_L4   5
#define ZT_VNET_GSO_ECN      0x80
#define ZT_GSO_MAX_FRAME     65550 /* 64 KiB of IP plus an Ethernet header */
#define ZT_GSO_SCRATCH       9216  /* the scratch zt_gso_split needs */

struct zt_vnet_hdr {
	uint8_t flags;
	uint8_t gso_type;
	uint16_t hdr_len;
	uint16_t gso_size;
	uint16_t csum_start;
	uint16_t csum_offset;
};

void zt_vnet_hdr_decode(struct zt_vnet_hdr *h, const uint8_t in[ZT_VNET_HDR_LEN]);
void zt_vnet_hdr_encode(uint8_t out[ZT_VNET_HDR_LEN], const struct zt_vnet_hdr *h);

enum {
	ZT_GSO_EINVAL = -1, /* malformed frame or header (drop and count) */
	ZT_GSO_EUNSUPP = -2 /* a GSO type we did not ask for (drop and count) */
};

/*
 * Turn one frame read from the TAP into frames that fit max_frame bytes:
 * a TCP GSO frame is cut into segments of at most max_frame bytes, a UDP
 * one (USO) into its datagrams (gso_size each: an application's datagram
 * is never cut, so one larger than max_frame stays larger), a plain TCP
 * frame larger than max_frame is cut the same way as a TCP GSO frame where
 * that is what its sender could have sent (not SYN/RST/URG, IPv4 with DF,
 * checksums partial or right; see plain_tcp_cut in gso.c), a frame with
 * NEEDS_CSUM gets its checksum completed, anything else passes as it is.
 * `frame` may be modified.  emit() gets each resulting frame (borrowed for
 * the call); scratch must hold ZT_GSO_SCRATCH bytes (and max_frame).
 * Returns the number of frames emitted or a negative ZT_GSO_* error
 * (nothing emitted).
 */
int zt_gso_split(const struct zt_vnet_hdr *vh, uint8_t *frame, size_t len, size_t max_frame,
                 uint8_t *scratch, void (*emit)(void *ctx, const uint8_t *f, size_t l), void *ctx);

/* Where the IP and TCP (or UDP) headers of an Ethernet frame are (the
 * parsers are node-internal: gso.h). */
struct zt_tcp_frame {
	size_t l3;   /* offset of the IP header */
	size_t l4;   /* offset of the TCP header */
	size_t hlen; /* offset of the payload (all headers) */
	bool v6;
	size_t iplen; /* IP packet length as its header says (<= frame length - l3) */
};

#define ZT_GRO_SLOTS 4 /* flows held at once */
/* Datagrams per UDP super-frame: the kernel refuses a GSO_UDP_L4 frame of
 * more than UDP_MAX_SEGMENTS gso_size pieces (64 in older kernels, 128 in
 * newer ones), and its own UDP GRO stops at 64. */
#define ZT_GRO_UDP_MAX_SEGS 64

/* One flow being joined (the host does not look inside). */
struct zt_gro_slot {
	uint8_t *buf; /* ZT_GSO_MAX_FRAME bytes, allocated on first use */
	size_t len;   /* 0: empty */
	struct zt_tcp_frame t;
	unsigned count;
	size_t seg; /* payload bytes of the first segment */
	uint32_t next_seq;
	bool udp;         /* a UDP flow (else TCP) */
	uint16_t next_id; /* UDP over IPv4: the IP id the next datagram must have */
	bool closed;      /* a short or PSH segment ended it */
	uint64_t used;
};

/* Where joined frames go: a virtio header for the TAP and the frame. */
typedef void (*zt_gro_out_fn)(void *ctx, const struct zt_vnet_hdr *vh, const uint8_t *frame,
                              size_t len);

/*
 * Received TCP segments (and, with `udp`, UDP datagrams) of one flow are
 * joined into super-frames of up to 64 KiB written with GSO TCPV4/TCPV6
 * (or UDP_L4) and NEEDS_CSUM; everything else passes through unchanged,
 * in order within its flow.  The rules that keep this exact are in gro.h.
 * Set `udp` only for a TAP that accepts GSO_UDP_L4 (USO, Linux 6.2+).
 */
struct zt_gro {
	struct zt_gro_slot slots[ZT_GRO_SLOTS];
	uint64_t tick;
	zt_gro_out_fn out;
	void *ctx;
	bool udp;          /* join UDP datagrams too (set after zt_gro_init; off by default) */
	struct zt_mem mem; /* for the slots' buffers (set after zt_gro_init; zero: libc) */
	uint64_t frames_in, frames_out, bad_csum;
	/* super-frames written (TCP, UDP) and the frames they were made of */
	uint64_t super_tcp, super_udp, joined;
};

void zt_gro_init(struct zt_gro *g, zt_gro_out_fn out, void *ctx);
/* Offer one received frame; it goes out now or joins a held flow. */
void zt_gro_add(struct zt_gro *g, const uint8_t *frame, size_t len);
/* Send everything held (call after each batch of received datagrams). */
void zt_gro_flush(struct zt_gro *g);
/* Flush, then free the buffers. */
void zt_gro_free(struct zt_gro *g);

#ifdef __cplusplus
}
#endif
#endif
