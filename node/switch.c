/* SPDX-License-Identifier: MIT */
/*
 * switch.c - one virtual switch per joined network.
 *
 * A member's MAC is derived from its address (zt_mac_from_address), so a
 * unicast frame to a member MAC goes straight to that member with no
 * learning.  Broadcast and multicast go where multicast.c says (the
 * subscribers, up to the network's limit; ARP/ND to the owner of the
 * address).  Frames with a foreign source MAC are accepted only from and
 * to active bridges, whose LAN hosts' MACs are learnt (mactable.c) with
 * loop protection; everyone else's are dropped and counted.  A MAC in the
 * network's derived range (first octet = ours) that reverses to a member we
 * know is that member's alone: never learnt behind a bridge, always sent
 * straight to it.  One that names nobody we know (a LAN host's randomized
 * MAC, one time in 64, or a member not met yet) is treated as a LAN host's,
 * and its unknown unicast also goes to the address it names.  On managed
 * networks a member's IP addresses are its own too (ipguard.c), checked at
 * both ends.
 */
#include "switch.h"

#include <string.h>

#include "bridge.h"
#include "eth.h"
#include "flow.h"
#include "host.h"
#include "identity.h"
#include "ipguard.h"
#include "mactable.h"
#include "mem.h"
#include "member.h"
#include "mss.h"
#include "multicast.h"
#include "nat.h"
#include "netrules.h"
#include "ndp.h"
#include "network.h"
#include "node.h"
#include "peer.h"
#include "pmtu.h"
#include "send.h"
#include "util.h"
#include "wire.h"
#include "zt.h"

/* A FRAME message is type (1) + nwid (8) + the frame, sealed in DATA. */
_Static_assert(ZT_FRAME_UNFRAGMENTED + 9 + ZT_DATA_OVERHEAD == ZT_UDP_MAX,
               "ZT_FRAME_UNFRAGMENTED must fill exactly one datagram");
_Static_assert(ZT_FRAME_MIN_UNFRAGMENTED + 9 + ZT_DATA_OVERHEAD == ZT_PMTU_MIN,
               "ZT_FRAME_MIN_UNFRAGMENTED must fill exactly one datagram of ZT_PMTU_MIN");

struct zt_network *zt_switch_find(struct zt_node *n, uint64_t nwid)
{
	for (size_t i = 0; i < ZT_MAX_NETWORKS; i++)
		if (n->networks[i].used && n->networks[i].nwid == nwid)
			return &n->networks[i];
	return NULL;
}

void zt_switch_info(const struct zt_network *net, struct zt_network_info *out)
{
	memset(out, 0, sizeof *out);
	out->nwid = net->nwid;
	memcpy(out->mac, net->mac, 6);
	out->status = net->status;
	out->type = net->type;
	out->mtu = net->mtu;
	out->members_known = net->member_count;
	out->adhoc = zt_nwid_is_adhoc(net->nwid);
	out->conf = net->status == ZT_NET_OK ? net->conf : NULL;
	out->active_bridge = net->active_bridge;
	out->enable_broadcast = net->enable_broadcast;
	out->multicast_limit = net->multicast_limit;
	out->multicast_groups = (unsigned)net->local.n;
	out->invite_refused = net->invite_refused;
	out->invite_pending = net->token_len > 0;
	out->rules_dropped_out = net->rules_dropped_out;
	out->rules_dropped_in = net->rules_dropped_in;
	out->rules_dropped_by = net->rules_dropped_by;
	if (net->flows != NULL) {
		out->flows = net->flows->count;
		out->flows_inserted = net->flows->inserted;
		out->flows_expired = net->flows->expired;
		out->flows_evicted = net->flows->evicted;
	}
	out->flows_max = net->use_flows ? ZT_FLOW_MAX : 0;
}

void zt_switch_free_members(struct zt_network *net)
{
	for (unsigned i = 0; i < net->member_count; i++)
		zt_memcom_free(net->mem, net->members[i].mc);
	zt_mem_free(net->mem, net->members);
	net->members = NULL;
	net->member_count = net->member_cap = 0;
}

/* On a private network, entries without a verified certificate (anyone
 * the roots list, anyone who sends us something) hold at most a quarter of
 * the member list: strangers cannot crowd out members. */
#define MAX_STRANGERS (ZT_NET_MAX_MEMBERS / 4)

/* What an entry is worth when the list is full, least first. */
enum keep { KEEP_STRANGER, KEEP_MEMBER, KEEP_REVOKED };

static enum keep keep_of(const struct zt_network *net, const struct zt_member *m)
{
	const struct zt_memcom *mc = m->mc;

	if (!zt_member_needs_com(net) || mc == NULL)
		return KEEP_STRANGER;
	/* A revocation matters while a COM it covers could still agree with
	 * ours (within max_delta of it); evicting the entry would forget it,
	 * and the revoked member would be taken back with its old COM. */
	if (mc->revoked_upto != 0 &&
	    net->conf->com.timestamp - mc->revoked_upto <= net->conf->com.max_delta)
		return KEEP_REVOKED;
	return mc->com.timestamp > mc->revoked_upto ? KEEP_MEMBER : KEEP_STRANGER;
}

struct zt_member *zt_switch_member(struct zt_network *net, uint64_t address)
{
	for (unsigned i = 0; i < net->member_count; i++)
		if (net->members[i].address == address)
			return &net->members[i];
	return NULL;
}

static struct zt_member *take_slot(const struct zt_network *net, struct zt_member *m,
                                   uint64_t address, int64_t now, bool *added)
{
	zt_memcom_free(net->mem, m->mc);
	m->mc = NULL;
	m->heard = false;
	m->address = address;
	m->last_seen = now;
	if (added != NULL)
		*added = true;
	return m;
}

struct zt_member *zt_switch_add_member(struct zt_network *net, uint64_t address, int64_t now,
                                       bool *added)
{
	unsigned victim = net->member_count, strangers = 0;
	enum keep vk = KEEP_REVOKED;
	struct zt_member *found;

	if (added != NULL)
		*added = false;

	/* Found first: this runs for every frame from a member, and the
	 * victim's ranking below costs more than the comparison. */
	found = zt_switch_member(net, address);
	if (found != NULL) {
		found->last_seen = now;
		return found;
	}
	for (unsigned i = 0; i < net->member_count; i++) {
		struct zt_member *m = &net->members[i];
		enum keep k;
		/* The victim, should one be needed: the least worth keeping,
		 * heard from longest ago; never a live revocation. */
		k = keep_of(net, m);
		strangers += k == KEEP_STRANGER;
		if (k != KEEP_REVOKED &&
		    (victim == net->member_count || k < vk ||
		     (k == vk && m->last_seen < net->members[victim].last_seen))) {
			victim = i;
			vk = k;
		}
	}
	/* A newcomer is a stranger until its COM is verified. */
	if (zt_member_needs_com(net) && strangers >= MAX_STRANGERS)
		return take_slot(net, &net->members[victim], address, now, added);
	if (net->member_count == net->member_cap) {
		unsigned nc = net->member_cap ? net->member_cap * 2 : 16;
		struct zt_member *m;
		if (nc > ZT_NET_MAX_MEMBERS)
			nc = ZT_NET_MAX_MEMBERS;
		if (nc == net->member_cap) {
			/* Full: the victim makes room (none: every entry holds
			 * a revocation that still matters). */
			if (victim == net->member_count)
				return NULL;
			return take_slot(net, &net->members[victim], address, now, added);
		}
		m = zt_mem_realloc(net->mem, net->members, net->member_cap * sizeof *m,
		                   nc * sizeof *m);
		if (m == NULL)
			return NULL;
		net->members = m;
		net->member_cap = nc;
	}
	net->members[net->member_count].mc = NULL;
	return take_slot(net, &net->members[net->member_count++], address, now, added);
}

struct zt_member *zt_switch_heard(struct zt_network *net, uint64_t address, int64_t now,
                                  bool *added)
{
	struct zt_member *m = zt_switch_add_member(net, address, now, added);
	if (m != NULL)
		m->heard = true;
	return m;
}

/* Whose is a unicast MAC?  The first octet alone cannot tell: a randomized
 * (locally administered) LAN host's MAC has the network's one time in 64.
 * So a MAC in the derived range is a member's only if the address it
 * reverses to is one the network knows (PROTOCOL.md §2). */
enum mac_owner {
	MAC_FOREIGN, /* not in the derived range: a host behind a bridge, or nobody */
	MAC_MEMBER,  /* a known member's (ours and the querier's, address 0, too) */
	MAC_UNMET,   /* in the range, but nobody we know: a member not met yet,
	              * or a host behind a bridge */
};

static enum mac_owner mac_owner(const struct zt_node *n, const struct zt_network *net,
                                const uint8_t *mac, uint64_t *address)
{
	const struct zt_peer *p;
	uint64_t x = 0;

	if (mac[0] != net->mac[0])
		return MAC_FOREIGN;
	for (int i = 1; i < 6; i++)
		x = (x << 8) | mac[i];
	x = (x ^ (net->nwid >> 8)) & 0xffffffffffULL;
	*address = x;
	if (x == n->id.address || x == 0)
		return MAC_MEMBER;
	/* A node whose identity we hold has that address (forging one for a
	 * chosen address costs 2^40 memory-hard hashes, section 1); a member
	 * entry counts once someone other than us named it. */
	p = zt_peer_find(n, x);
	if (p != NULL && p->has_identity)
		return MAC_MEMBER;
	for (unsigned i = 0; i < net->member_count; i++)
		if (net->members[i].address == x)
			return net->members[i].heard ? MAC_MEMBER : MAC_UNMET;
	return MAC_UNMET;
}

static void send_frame(struct zt_node *n, int64_t now, struct zt_network *net, uint64_t dst,
                       const uint8_t *frame, size_t len)
{
	struct zt_peer *p = zt_peer_get(n, now, dst);
	uint8_t *msg = n->pkt2;

	if (p == NULL) {
		n->counters[ZT_CTR_FRAMES_DROPPED]++;
		return;
	}
	size_t off = 0;

	/* Before anything is sealed: the rules (a branch when there are
	 * none). */
	if (zt_netrules_active(net) &&
	    zt_netrules_out(n, now, net, dst, frame, len) != ZT_NETRULES_PASS)
		return;

	if (zt_member_needs_com(net)) {
		/* A member whose certificate we know to be revoked gets
		 * nothing; one whose certificate we know to be stale gets the
		 * frame once it shows a newer one (it may only have been idle);
		 * one that has not seen our current certificate gets it in the
		 * same message as the frame, so that no reordering can make it
		 * refuse the frame. */
		struct zt_member *m = zt_switch_add_member(net, dst, now, NULL);
		if (m == NULL) {
			n->counters[ZT_CTR_COM_REJECTED]++;
			return;
		}
		/* Group frames (broadcast, multicast, targeted ARP/ND) go only
		 * to members whose certificate we have verified: anyone who
		 * knows the network id can be listed by the roots, and must
		 * not hear the LAN's broadcasts.  Such a frame waits for the
		 * member's certificate (asked for here), one round trip. */
		bool unverified = m->mc == NULL || m->mc->com.timestamp == 0;
		if (!zt_member_com_ok(net, m) && (!unverified || (frame[0] & 1))) {
			zt_member_show_com(n, now, net, m, p);
			if (m->mc != NULL)
				zt_member_hold(n, now, m, frame, len);
			return;
		}
		off = zt_member_attach_com(n, now, net, m, msg);
	}
	if (off == 0)
		msg[off++] = ZT_MSG_FRAME;
	zt_put_u64(msg + off, net->nwid);
	memcpy(msg + off + 8, frame, len);
	if (net->mss_clamp != 0)
		(void)zt_mss_clamp(msg + off + 8, len, net->mss_clamp);
	p->last_frame = now;
	(void)zt_send_msg(n, now, p, msg, off + 8 + len);
}

void zt_switch_send_held(struct zt_node *n, int64_t now, struct zt_network *net,
                         struct zt_member *m, struct zt_peer *p)
{
	struct zt_memcom *mc = m->mc;
	uint8_t *frame = mc->held, *msg;
	size_t len = mc->held_len, off;

	mc->held = NULL;
	mc->held_len = 0;
	/* Not n->pkt2: this runs while a received message is in it. */
	msg = zt_mem_alloc(&n->mem, 2 + ZT_COM_LEN + 8 + len);
	if (msg == NULL) {
		zt_mem_free(&n->mem, frame);
		return;
	}
	off = zt_member_attach_com(n, now, net, m, msg);
	if (off == 0)
		msg[off++] = ZT_MSG_FRAME;
	zt_put_u64(msg + off, net->nwid);
	memcpy(msg + off + 8, frame, len);
	p->last_frame = now;
	(void)zt_send_msg(n, now, p, msg, off + 8 + len);
	zt_mem_free(&n->mem, msg);
	zt_mem_free(&n->mem, frame);
}

static int64_t mac_age(const struct zt_network *net)
{
	return net->mac_age > 0 ? net->mac_age : ZT_BRIDGE_AGE;
}

/* The member a unicast frame to dst goes to (as zt_switch_frame_from_tap
 * decides), 0 if none or several (unknown unicast to the bridges). */
static uint64_t unicast_member(const struct zt_node *n, int64_t now, const struct zt_network *net,
                               const uint8_t *dst)
{
	const struct zt_macent *e;
	uint64_t a = 0;

	if (mac_owner(n, net, dst, &a) == MAC_MEMBER)
		return a != n->id.address ? a : 0;
	e = zt_mactable_lookup(&net->macs, dst, now, mac_age(net));
	return e != NULL && e->address != n->id.address ? e->address : 0;
}

size_t zt_node_frame_max(const struct zt_node *n, int64_t now, uint64_t nwid, const uint8_t dst[6])
{
	const struct zt_network *net = NULL;
	const struct zt_peer *p;
	size_t mtu;
	uint64_t a;

	for (size_t i = 0; i < ZT_MAX_NETWORKS && net == NULL; i++)
		if (n->networks[i].used && n->networks[i].nwid == nwid)
			net = &n->networks[i];
	if (net == NULL || (dst[0] & 1))
		return ZT_FRAME_UNFRAGMENTED;
	a = unicast_member(n, now, net, dst);
	p = a != 0 ? zt_peer_find(n, a) : NULL;
	if (p == NULL)
		return ZT_FRAME_UNFRAGMENTED;
	/* What zt_send_packet() in send.c cuts at: the best direct path's probed
	 * size, else (not probed yet, or relayed by a root) ZT_PMTU_MIN. */
	mtu = zt_pmtu_of(zt_peer_best_path(n, p, now));
	if (mtu > ZT_UDP_MAX)
		mtu = ZT_UDP_MAX;
	if (mtu < ZT_PMTU_MIN)
		mtu = ZT_PMTU_MIN;
	return mtu - 9 - ZT_DATA_OVERHEAD;
}

/* A frame from our TAP with a foreign source MAC: a host on the LAN
 * segment we bridge.  false if it must not go out (we do not bridge, or
 * it is our own traffic coming back round a loop). */
static bool bridge_ingress(struct zt_node *n, int64_t now, struct zt_network *net,
                           const uint8_t *src)
{
	const struct zt_macent *e;
	uint64_t a = 0;

	if (!net->active_bridge) {
		n->counters[ZT_CTR_FORGED_SRC_MAC]++;
		return false;
	}
	if (src[0] & 1) {
		n->counters[ZT_CTR_FRAMES_DROPPED]++;
		return false;
	}
	/* Split horizon: a MAC that lives on the network (a known member's,
	 * or a host behind another bridge heard just now) seen on our LAN
	 * means the frame went network -> LAN -> us: never send it back.  A
	 * MAC in the members' range that names nobody we know is a LAN
	 * host's like any other. */
	e = zt_mactable_lookup(&net->macs, src, now, ZT_BRIDGE_LOOP_HOLD);
	if (mac_owner(n, net, src, &a) == MAC_MEMBER || e != NULL) {
		n->counters[ZT_CTR_BRIDGE_LOOP]++;
		/* A host behind another bridge is on our segment too (two
		 * bridges on one segment, and that bridge's copy reached us
		 * first).  Know it as local, so that the next copy from that
		 * bridge is recognised as a loop in bridge_egress (which holds
		 * the election) instead of being delivered to the LAN again. */
		if (e != NULL)
			(void)zt_mactable_learn(&net->lanmacs, src, 0, now);
		return false;
	}
	(void)zt_mactable_learn(&net->lanmacs, src, 0, now);
	if (net->blocked_until > now) {
		/* Another bridge serves our segment: it forwards, we don't. */
		n->counters[ZT_CTR_BRIDGE_LOOP]++;
		return false;
	}
	return true;
}

/* On a managed network a frame may name only its sender's addresses
 * (ipguard.h).  false: dropped, counted by reason. */
static bool addresses_ok(struct zt_node *n, const struct zt_network *net, uint64_t sender,
                         const uint8_t *frame, size_t len)
{
	switch (zt_ipguard_check(net->conf, sender, frame, len)) {
	case ZT_IPGUARD_OK: return true;
	case ZT_IPGUARD_SRC_IP: n->counters[ZT_CTR_FORGED_SRC_IP]++; return false;
	case ZT_IPGUARD_LLADDR: n->counters[ZT_CTR_FORGED_LLADDR]++; return false;
	}
	return false;
}

/* Does this member's config give it an rfc4193 or 6plane address (then
 * the network uses that mode and its addresses name their owners)? */
static bool ndp_emulated(const struct zt_network *net)
{
	for (unsigned i = 0; i < net->conf->addr_count; i++)
		if (net->conf->addrs[i].family == 6 &&
		    zt_ndp_owner(net->nwid, net->conf->addrs[i].ip) != 0)
			return true;
	return false;
}

int zt_switch_frame_from_tap(struct zt_node *n, int64_t now, struct zt_network *net,
                             const uint8_t *frame, size_t len)
{
	const uint8_t *dst = frame, *src = frame + ZT_ETH_SRC;
	uint64_t to[ZT_NET_MAX_MEMBERS];
	size_t k;

	if (len < ZT_ETH_HLEN || len > net->mtu + ZT_ETH_VLAN_HLEN || len > ZT_PACKET_MAX - 256) {
		n->counters[ZT_CTR_FRAMES_DROPPED]++;
		return ZT_OK;
	}
	if (net->status != ZT_NET_OK) {
		/* A managed network without a config sends nothing; before
		 * it, a frame from a bridged LAN is early, not forged: only
		 * the config says whether we bridge. */
		n->counters[ZT_CTR_FRAMES_DROPPED]++;
		return ZT_OK;
	}
	if (memcmp(src, net->mac, 6) != 0 && !bridge_ingress(n, now, net, src))
		return ZT_OK;
	/* Before the snooper: a forged ARP must not become a group. */
	if (!addresses_ok(n, net, n->id.address, frame, len))
		return ZT_OK;
	if (((dst[0] & 1) || zt_get_u16(frame + ZT_ETH_TYPE) == ZT_ETH_P_ARP) &&
	    zt_mc_tap_frame(n, now, net, frame, len))
		return ZT_OK; /* an IGMP/MLD report: ours to know, not to flood */
	if (zt_eth_is_solicited_group(dst) && net->conf != NULL && ndp_emulated(net)) {
		/* Neighbour solicitation for a computed address: answered
		 * here, nothing crosses the network. */
		uint8_t na[96];
		size_t nl = zt_ndp_answer(net->nwid, n->id.address, frame, len, na, sizeof na);
		if (nl > 0) {
			zt_host_frame_out(n, net->nwid, na, nl);
			return ZT_OK;
		}
	}
	n->counters[ZT_CTR_FRAMES_OUT]++;
	if (dst[0] & 1) {
		k = zt_mc_recipients(n, now, net, frame, len, to, ZT_ARRAY_LEN(to));
		for (size_t i = 0; i < k; i++)
			send_frame(n, now, net, to[i], frame, len);
		return ZT_OK;
	}
	{
		const struct zt_macent *e;
		uint64_t a = 0;
		enum mac_owner o = mac_owner(n, net, dst, &a);
		/* A known member's MAC first, whatever the MAC table says (a
		 * bridge may have claimed it before we knew the member): no
		 * bridge can take a known member's unicast. */
		if (o == MAC_MEMBER) {
			if (a == n->id.address || a == 0)
				n->counters[ZT_CTR_FRAMES_DROPPED]++;
			else
				send_frame(n, now, net, a, frame, len);
			return ZT_OK;
		}
		e = zt_mactable_lookup(&net->macs, dst, now, mac_age(net));
		if (e != NULL && e->address != n->id.address) {
			send_frame(n, now, net, e->address, frame, len);
			return ZT_OK;
		}
		/* Unknown unicast: only bridges can have it behind them; and
		 * a MAC in the members' range that names nobody we know may
		 * be a member not met yet, which gets it too (asking the
		 * roots for its identity makes it known). */
		k = 0;
		if (o == MAC_UNMET && zt_identity_address_valid(a))
			to[k++] = a;
		for (unsigned i = 0; i < net->bridge_count && k < ZT_ARRAY_LEN(to); i++)
			if (net->bridges[i].address != n->id.address &&
			    net->bridges[i].address != a &&
			    zt_bridge_member(net, net->bridges[i].address, now))
				to[k++] = net->bridges[i].address;
		if (k == 0)
			n->counters[ZT_CTR_FRAMES_DROPPED]++;
		for (size_t i = 0; i < k; i++)
			send_frame(n, now, net, to[i], frame, len);
	}
	return ZT_OK;
}

/* A frame from bridge `p` with a foreign source MAC. false: drop it. */
static bool bridge_egress(struct zt_node *n, int64_t now, struct zt_network *net, struct zt_peer *p,
                          const uint8_t *src)
{
	uint64_t a = 0;

	/* Not even a bridge may use a known member's MAC (ours included):
	 * one such frame would teach us that the member lives behind it.
	 * One we have not heard of yet it may claim until we do; from then
	 * on the MAC is the member's (zt_switch_frame_from_tap). */
	if (!zt_bridge_member(net, p->address, now) || (src[0] & 1) ||
	    mac_owner(n, net, src, &a) == MAC_MEMBER) {
		n->counters[ZT_CTR_FORGED_SRC_MAC]++;
		return false;
	}
	if (net->active_bridge &&
	    zt_mactable_lookup(&net->lanmacs, src, now, ZT_BRIDGE_LOOP_HOLD)) {
		/* A host on our own segment, forwarded by another bridge:
		 * two bridges on one segment.  The one with the larger
		 * address stands back (forwards nothing from its LAN) while
		 * the loop lasts; neither delivers this copy. */
		n->counters[ZT_CTR_BRIDGE_LOOP]++;
		if (n->id.address > p->address)
			net->blocked_until = now + ZT_BRIDGE_BLOCK;
		return false;
	}
	(void)zt_mactable_learn(&net->macs, src, p->address, now);
	return true;
}

void zt_switch_frame_from_peer(struct zt_node *n, int64_t now, struct zt_peer *p,
                               const uint8_t *msg, size_t len)
{
	struct zt_network *net;
	const uint8_t *frame;
	size_t flen;
	uint8_t want[6];

	if (len < 9 + ZT_ETH_HLEN) {
		n->counters[ZT_CTR_RX_MALFORMED]++;
		return;
	}
	net = zt_switch_find(n, zt_get_u64(msg + 1));
	frame = msg + 9;
	flen = len - 9;
	if (net == NULL || net->status != ZT_NET_OK || flen > net->mtu + ZT_ETH_VLAN_HLEN) {
		n->counters[ZT_CTR_FRAMES_DROPPED]++;
		return;
	}
	zt_mac_from_address(net->nwid, p->address, want);
	if (memcmp(frame + ZT_ETH_SRC, want, 6) != 0 &&
	    !bridge_egress(n, now, net, p, frame + ZT_ETH_SRC))
		return;
	if (frame[0] & 1) {
		/* A bridge standing back leaves its segment to the other
		 * bridge (our own host is on that segment too). */
		if (!zt_mc_wanted(net, frame, flen, now) || net->blocked_until > now) {
			n->counters[ZT_CTR_MC_UNWANTED]++;
			return;
		}
	} else if (memcmp(frame, net->mac, 6) != 0 && !net->active_bridge) {
		n->counters[ZT_CTR_NOT_FOR_US]++;
		return;
	}
	if (zt_member_needs_com(net)) {
		struct zt_member *m = zt_switch_heard(net, p->address, now, NULL);
		if (m == NULL || !zt_member_com_ok(net, m)) {
			n->counters[ZT_CTR_COM_REJECTED]++;
			if (m != NULL)
				zt_member_show_com(n, now, net, m, p);
			return;
		}
	}
	if (!addresses_ok(n, net, p->address, frame, flen))
		return;
	if (zt_netrules_active(net) && !zt_netrules_in(n, now, net, p, frame, flen))
		return;
	p->last_frame = now;
	{
		bool added = false;
		(void)zt_switch_heard(net, p->address, now, &added);
		if (added)
			zt_mc_member_new(n, now, net, p->address);
	}
	n->counters[ZT_CTR_FRAMES_IN]++;
	if (net->mss_clamp != 0 && flen <= 256) {
		/* A SYN from the far side: clamp its MSS too (in a copy:
		 * the message buffer is not ours to change). */
		uint8_t syn[256];
		memcpy(syn, frame, flen);
		if (zt_mss_clamp(syn, flen, net->mss_clamp)) {
			zt_host_frame_out(n, net->nwid, syn, flen);
			return;
		}
	}
	zt_host_frame_out(n, net->nwid, frame, flen);
}

void zt_switch_announce(struct zt_node *n, int64_t now, struct zt_network *net, bool leaving)
{
	uint8_t msg[10];

	msg[0] = ZT_MSG_NET_ANNOUNCE;
	memcpy(msg + 1, net->nethash, 8);
	msg[9] = leaving ? 1 : 0;
	for (unsigned i = 0; i < n->roots.count; i++) {
		struct zt_peer *r = n->root_peers[i];
		/* Not to a root we keep silent with (it measures our NAT). */
		if (r != NULL && !zt_nat_probe_silent(n, r))
			(void)zt_send_msg(n, now, r, msg, sizeof msg);
	}
	net->last_announce = now;
}

void zt_switch_members_msg(struct zt_node *n, int64_t now, struct zt_peer *root, const uint8_t *msg,
                           size_t len)
{
	unsigned count;
	(void)root;

	if (len < 11) {
		n->counters[ZT_CTR_RX_MALFORMED]++;
		return;
	}
	count = zt_get_u16(msg + 9);
	if (len != 11 + (size_t)count * 5) {
		n->counters[ZT_CTR_RX_MALFORMED]++;
		return;
	}
	for (size_t i = 0; i < ZT_MAX_NETWORKS; i++) {
		struct zt_network *net = &n->networks[i];
		if (!net->used || memcmp(net->nethash, msg + 1, 8) != 0)
			continue;
		for (unsigned j = 0; j < count; j++) {
			uint64_t a = zt_get_u40(msg + 11 + 5 * j);
			bool added = false;
			if (a != n->id.address && a != 0 &&
			    zt_switch_heard(net, a, now, &added) != NULL && added)
				zt_mc_member_new(n, now, net, a);
		}
	}
}

void zt_switch_background(struct zt_node *n, int64_t now)
{
	for (size_t i = 0; i < ZT_MAX_NETWORKS; i++) {
		struct zt_network *net = &n->networks[i];
		if (!net->used)
			continue;
		if (n->online && (net->last_announce == 0 ||
		                  now - net->last_announce >= ZT_NET_ANNOUNCE_INTERVAL))
			zt_switch_announce(n, now, net, false);
		if (n->online)
			zt_member_background(n, now, net);
		zt_mc_background(n, now, net);
		(void)zt_mactable_age(&net->macs, now, mac_age(net));
		(void)zt_mactable_age(&net->lanmacs, now, mac_age(net));
		/* Expired flows out, so that the count says how many are live. */
		(void)zt_flow_expire(net->flows, now);
	}
}
