/* SPDX-License-Identifier: MIT */
/*
 * multicast.c - the MC_LIKE / MC_UNLIKE protocol: what a member tells the
 * others about its host's groups and learns of theirs, the general
 * queries into the TAP, and the choice of who gets a broadcast or
 * multicast frame (doc/PROTOCOL.md "Multicast").
 */
#include "multicast.h"

#include <string.h>

#include "bridge.h"
#include "eth.h"
#include "host.h"
#include "mcsnoop.h"
#include "mctable.h"
#include "member.h"
#include "network.h"
#include "node.h"
#include "peer.h"
#include "send.h"
#include "switch.h"
#include "util.h"
#include "wire.h"
#include "zt.h"

void zt_mc_net_init(struct zt_network *net)
{
	zt_mctable_init(&net->subs, ZT_MC_MAX_SUBS, net->mem);
	zt_mctable_init(&net->local, ZT_MC_MAX_LOCAL, net->mem);
	net->multicast_limit = ZT_MC_DEFAULT_LIMIT;
	net->enable_broadcast = true;
}

void zt_mc_net_free(struct zt_network *net)
{
	zt_mctable_free(&net->subs);
	zt_mctable_free(&net->local);
}

void zt_mc_apply_conf(struct zt_node *n, int64_t now, struct zt_network *net,
                      const struct zt_netconf *c)
{
	bool was = net->active_bridge;

	net->multicast_limit =
	    c->multicast_limit > ZT_NET_MAX_MEMBERS ? ZT_NET_MAX_MEMBERS : c->multicast_limit;
	net->enable_broadcast = (c->flags & ZT_NETCONF_F_BROADCAST) != 0;
	net->active_bridge = (c->flags & ZT_NETCONF_F_BRIDGE) != 0;
	(void)zt_bridge_set(net, c->bridges, c->bridge_count);
	if (was != net->active_bridge)
		net->mc_like_at = now;
	(void)n;
}

/* On a private network a member whose certificate we have not verified
 * gets nothing from the switch: no group frames (an outsider's MC_LIKE
 * gets it nothing), and none of our groups, whose ARP groups name our
 * host's addresses.  Anyone who knows the network id can be listed by the
 * roots. */
static bool may_receive(const struct zt_network *net, uint64_t a)
{
	if (!zt_member_needs_com(net))
		return true;
	for (unsigned i = 0; i < net->member_count; i++)
		if (net->members[i].address == a)
			return zt_member_com_ok(net, &net->members[i]);
	return false;
}

/* Send the groups in g[0..count) as LIKE or UNLIKE to member `to`. */
static void send_groups(struct zt_node *n, int64_t now, struct zt_network *net, uint64_t to,
                        uint8_t type, unsigned flags, const struct zt_mcsub *g, size_t count)
{
	uint8_t msg[12 + ZT_MC_PER_MSG * 10];
	struct zt_peer *p = zt_peer_get(n, now, to);
	size_t i = 0;

	if (p == NULL)
		return;
	if (!may_receive(net, to)) {
		/* Our certificate first: when the member's comes back
		 * verified, it gets our full set (zt_mc_member_verified). */
		struct zt_member *m = zt_switch_member(net, to);
		if (m != NULL)
			zt_member_show_com(n, now, net, m, p);
		return;
	}
	do {
		size_t k = count - i > ZT_MC_PER_MSG ? ZT_MC_PER_MSG : count - i;
		msg[0] = type;
		zt_put_u64(msg + 1, net->nwid);
		msg[9] = (uint8_t)(flags | (net->active_bridge ? ZT_MC_F_BRIDGE : 0));
		zt_put_u16(msg + 10, (uint16_t)k);
		for (size_t j = 0; j < k; j++) {
			memcpy(msg + 12 + 10 * j, g[i + j].mac, 6);
			zt_put_u32(msg + 12 + 10 * j + 6, g[i + j].adi);
		}
		(void)zt_send_msg(n, now, p, msg, 12 + 10 * k);
		flags &= ~(unsigned)ZT_MC_F_FULL; /* only the first replaces */
		i += k;
	} while (i < count);
}

static void send_full(struct zt_node *n, int64_t now, struct zt_network *net, uint64_t to, bool ask)
{
	send_groups(n, now, net, to, ZT_MSG_MC_LIKE, ZT_MC_F_FULL | (ask ? ZT_MC_F_ASK : 0),
	            net->local.v, net->local.n);
}

/* Members with nothing to say say nothing: a member without groups that
 * does not bridge needs no session with everyone. */
static bool have_news(const struct zt_network *net)
{
	return net->local.n > 0 || net->active_bridge;
}

void zt_mc_member_new(struct zt_node *n, int64_t now, struct zt_network *net, uint64_t address)
{
	if (address != n->id.address && net->status == ZT_NET_OK && have_news(net))
		send_full(n, now, net, address, false);
}

void zt_mc_member_verified(struct zt_node *n, int64_t now, struct zt_network *net, uint64_t address)
{
	/* Its groups were refused until now: ask for them back (even with
	 * nothing to say ourselves), and tell it ours. */
	if (address != n->id.address && net->status == ZT_NET_OK)
		send_full(n, now, net, address, true);
}

void zt_mc_session_up(struct zt_node *n, int64_t now, struct zt_peer *p, bool initiator)
{
	if (p->is_root)
		return;
	for (size_t i = 0; i < ZT_MAX_NETWORKS; i++) {
		struct zt_network *net = &n->networks[i];
		/* Only networks it is known on: a session tells nobody of
		 * networks the peer is not in. */
		if (!net->used || net->status != ZT_NET_OK ||
		    zt_switch_member(net, p->address) == NULL)
			continue;
		if (initiator)
			send_full(n, now, net, p->address, true);
		else if (net->active_bridge)
			send_full(n, now, net, p->address, false);
	}
}

/* Tell every member about a change of ours. */
static void send_to_all(struct zt_node *n, int64_t now, struct zt_network *net, uint8_t type,
                        const struct zt_mcsub *g, size_t count)
{
	for (unsigned i = 0; i < net->member_count; i++) {
		uint64_t a = net->members[i].address;
		if (a != n->id.address)
			send_groups(n, now, net, a, type, 0, g, count);
	}
}

bool zt_mc_tap_frame(struct zt_node *n, int64_t now, struct zt_network *net, const uint8_t *frame,
                     size_t len)
{
	struct zt_mcsnoop_event ev[ZT_MC_PER_MSG];
	struct zt_mcsub add[ZT_MC_PER_MSG], del[ZT_MC_PER_MSG];
	size_t ne, na = 0, nd = 0;
	bool consume;

	ne = zt_mcsnoop_frame(frame, len, ev, ZT_MC_PER_MSG, &consume);
	for (size_t i = 0; i < ne; i++) {
		struct zt_mcsub *s = ev[i].join ? &add[na] : &del[nd];
		if (ev[i].join) {
			int r = zt_mctable_add(&net->local, ev[i].mac, ev[i].adi, 0,
			                       now + ZT_MC_LOCAL_EXPIRE);
			if (r != 1)
				continue; /* refreshed (or full): nothing new to say */
			na++;
		} else {
			if (!zt_mctable_remove(&net->local, ev[i].mac, ev[i].adi, 0))
				continue;
			nd++;
		}
		memcpy(s->mac, ev[i].mac, 6);
		s->adi = ev[i].adi;
		s->address = 0;
		s->expires = 0;
	}
	if (na > 0)
		send_to_all(n, now, net, ZT_MSG_MC_LIKE, add, na);
	if (nd > 0)
		send_to_all(n, now, net, ZT_MSG_MC_UNLIKE, del, nd);
	return consume;
}

void zt_mc_handle_msg(struct zt_node *n, int64_t now, struct zt_peer *p, const uint8_t *msg,
                      size_t len)
{
	struct zt_network *net;
	size_t count, have;
	unsigned flags;

	if (len < 12) {
		n->counters[ZT_CTR_RX_MALFORMED]++;
		return;
	}
	count = zt_get_u16(msg + 10);
	if (len != 12 + 10 * count || count > ZT_MC_PER_MSG) {
		n->counters[ZT_CTR_RX_MALFORMED]++;
		return;
	}
	net = zt_switch_find(n, zt_get_u64(msg + 1));
	if (net == NULL || net->status != ZT_NET_OK)
		return;
	if (!may_receive(net, p->address)) {
		/* A private network takes groups only from members whose
		 * certificate it verified: strangers fill no table.  Ask for
		 * the certificate; once verified, we ask for the groups again
		 * (zt_mc_member_verified). */
		struct zt_member *m = zt_switch_heard(net, p->address, now, NULL);
		n->counters[ZT_CTR_MC_REFUSED] += msg[0] == ZT_MSG_MC_LIKE ? count : 0;
		if (m != NULL)
			zt_member_show_com(n, now, net, m, p);
		return;
	}
	flags = msg[9];
	if (msg[0] == ZT_MSG_MC_LIKE && (flags & ZT_MC_F_FULL))
		zt_mctable_remove_member(&net->subs, p->address);
	/* On ad-hoc networks a member says itself whether it bridges (there
	 * is no controller to ask); on managed ones the config decides. */
	if (zt_nwid_is_adhoc(net->nwid) && msg[0] == ZT_MSG_MC_LIKE) {
		if (flags & ZT_MC_F_BRIDGE)
			zt_bridge_learn(net, p->address, now, now + ZT_MC_EXPIRE);
		else if (flags & ZT_MC_F_FULL)
			zt_bridge_forget(net, p->address);
	}
	have = zt_mctable_count_member(&net->subs, p->address);
	for (size_t i = 0; i < count; i++) {
		const uint8_t *e = msg + 12 + 10 * i;
		uint32_t adi = zt_get_u32(e + 6);
		if (msg[0] == ZT_MSG_MC_UNLIKE) {
			(void)zt_mctable_remove(&net->subs, e, adi, p->address);
			continue;
		}
		if (!(e[0] & 1)) { /* not a group address */
			n->counters[ZT_CTR_RX_MALFORMED]++;
			continue;
		}
		if (have >= ZT_MC_MAX_PER_MEMBER) {
			n->counters[ZT_CTR_MC_REFUSED]++;
			continue;
		}
		int r = zt_mctable_add(&net->subs, e, adi, p->address, now + ZT_MC_EXPIRE);
		if (r == 1)
			have++;
		else if (r < 0)
			n->counters[ZT_CTR_MC_REFUSED]++;
	}
	(void)zt_switch_heard(net, p->address, now, NULL);
	if (msg[0] == ZT_MSG_MC_LIKE && (flags & ZT_MC_F_ASK))
		send_full(n, now, net, p->address, false);
}

/* Add `a` to out[] unless it is there already (k is small). */
static size_t add_unique(uint64_t *out, size_t k, size_t cap, uint64_t a)
{
	for (size_t i = 0; i < k; i++)
		if (out[i] == a)
			return k;
	if (k < cap)
		out[k++] = a;
	return k;
}

static size_t all_members(const struct zt_node *n, const struct zt_network *net, uint64_t *out,
                          size_t cap)
{
	size_t k = 0;
	for (unsigned i = 0; i < net->member_count && k < cap; i++)
		if (net->members[i].address != n->id.address)
			out[k++] = net->members[i].address;
	return k;
}

static size_t bridges(const struct zt_node *n, const struct zt_network *net, int64_t now,
                      uint64_t *out, size_t k, size_t cap)
{
	for (unsigned i = 0; i < net->bridge_count; i++)
		if (net->bridges[i].address != n->id.address &&
		    zt_bridge_member(net, net->bridges[i].address, now))
			k = add_unique(out, k, cap, net->bridges[i].address);
	return k;
}

/* Subscribers of (mac, adi), at most `limit` of them (in table order, so
 * a stream keeps its receivers). */
static size_t subscribers(const struct zt_node *n, const struct zt_network *net, int64_t now,
                          const uint8_t mac[6], uint32_t adi, size_t limit, uint64_t *out, size_t k,
                          size_t cap)
{
	size_t first, c = zt_mctable_find(&net->subs, mac, adi, &first), taken = 0;
	for (size_t i = first; i < first + c && taken < limit; i++) {
		const struct zt_mcsub *e = &net->subs.v[i];
		if (e->expires <= now || e->address == n->id.address ||
		    !may_receive(net, e->address))
			continue;
		k = add_unique(out, k, cap, e->address);
		taken++;
	}
	return k;
}

/* Address resolution (an ARP request, a neighbour solicitation) goes to
 * the owner of the address, not counted as multicast; if nobody claims
 * it, it floods as a broadcast would. */
static size_t resolution(const struct zt_node *n, const struct zt_network *net, int64_t now,
                         const uint8_t mac[6], uint32_t adi, uint64_t *out, size_t cap)
{
	size_t k = subscribers(n, net, now, mac, adi, cap, out, 0, cap);
	if (k > 0)
		return k;
	if (!net->enable_broadcast)
		return bridges(n, net, now, out, 0, cap);
	return all_members(n, net, out, cap);
}

size_t zt_mc_recipients(struct zt_node *n, int64_t now, struct zt_network *net,
                        const uint8_t *frame, size_t len, uint64_t *out, size_t cap)
{
	const uint8_t *dst = frame;
	unsigned et = zt_get_u16(frame + ZT_ETH_TYPE);
	size_t k;

	if (zt_eth_is_broadcast(dst)) {
		const uint8_t *arp = frame + ZT_ETH_HLEN;
		if (et == ZT_ETH_P_ARP && len >= ZT_ETH_HLEN + ZT_ARP_LEN &&
		    zt_get_u16(arp + ZT_ARP_OP) == ZT_ARP_OP_REQUEST)
			return resolution(n, net, now, dst, zt_get_u32(arp + ZT_ARP_TPA), out, cap);
		return net->enable_broadcast ? all_members(n, net, out, cap) : 0;
	}
	if (zt_eth_is_implicit_group(dst))
		return net->enable_broadcast ? all_members(n, net, out, cap) : 0;
	if (zt_eth_is_solicited_group(dst)) /* IPv6's ARP */
		return resolution(n, net, now, dst, 0, out, cap);
	k = subscribers(n, net, now, dst, 0, net->multicast_limit, out, 0, cap);
	/* Bridges stand for whole LAN segments: they get every group. */
	return bridges(n, net, now, out, k, cap);
}

bool zt_mc_wanted(const struct zt_network *net, const uint8_t *frame, size_t len, int64_t now)
{
	const uint8_t *dst = frame;

	if (net->active_bridge)
		return true;
	if (zt_eth_is_broadcast(dst)) {
		return net->enable_broadcast || (len >= ZT_ETH_HLEN + ZT_ARP_LEN &&
		                                 zt_get_u16(frame + ZT_ETH_TYPE) == ZT_ETH_P_ARP);
	}
	if (zt_eth_is_implicit_group(dst))
		return net->enable_broadcast;
	return zt_mctable_has(&net->local, dst, 0, 0, now);
}

void zt_mc_background(struct zt_node *n, int64_t now, struct zt_network *net)
{
	uint8_t q[128];
	size_t ql;

	if (net->status != ZT_NET_OK)
		return;
	(void)zt_mctable_expire(&net->subs, now);
	/* Local groups that nobody re-reported: say goodbye to them. */
	for (size_t i = 0; i < net->local.n;) {
		struct zt_mcsub g = net->local.v[i];
		if (g.expires > now) {
			i++;
			continue;
		}
		(void)zt_mctable_remove(&net->local, g.mac, g.adi, 0);
		send_to_all(n, now, net, ZT_MSG_MC_UNLIKE, &g, 1);
	}
	if (now >= net->mc_query_at) {
		uint8_t src[6];
		/* The querier's MAC is the one address 0 would have: no
		 * member has it. */
		zt_mac_from_address(net->nwid, 0, src);
		ql = zt_mcsnoop_igmp_query(src, q, sizeof q);
		if (ql > 0)
			zt_host_frame_out(n, net->nwid, q, ql);
		ql = zt_mcsnoop_mld_query(src, q, sizeof q);
		if (ql > 0)
			zt_host_frame_out(n, net->nwid, q, ql);
		/* Query soon after joining (the TAP may not be up at once),
		 * then every interval. */
		net->mc_queries++;
		net->mc_query_at = now + (net->mc_queries < 3 ? 3000 : ZT_MC_QUERY_INTERVAL);
	}
	if (net->mc_like_at == 0)
		net->mc_like_at = now + ZT_MC_LIKE_INTERVAL;
	if (now >= net->mc_like_at && n->online && (have_news(net) || net->was_bridge)) {
		net->was_bridge = net->active_bridge;
		net->mc_like_at = now + ZT_MC_LIKE_INTERVAL;
		for (unsigned i = 0; i < net->member_count; i++)
			if (net->members[i].address != n->id.address &&
			    now - net->members[i].last_seen < ZT_MC_EXPIRE + ZT_NET_MEMBER_EXPIRE)
				send_full(n, now, net, net->members[i].address, false);
	}
}
