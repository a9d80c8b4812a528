/* SPDX-License-Identifier: MIT */
/*
 * netrules.c - the network's rules applied by the switch (see netrules.h).
 *
 * Both ends filter, as in ZeroTier: the sender with its own capabilities
 * and what it knows of the receiver's tags, the receiver with the tags and
 * capabilities the sender showed it.  Those come as credentials signed by
 * the controller; one that does not verify, is not the sender's, or is not
 * from the sender's current config is refused, and a tag not shown is a
 * tag the sender does not have.  So a member that lies about its tags
 * gains nothing at the receiver, and escaping a rule takes owning both
 * ends.
 */
#include "netrules.h"

#include <string.h>

#include "bridge.h"
#include "droptrace.h"
#include "eth.h"
#include "flow.h"
#include "host.h"
#include "identity.h"
#include "mem.h"
#include "member.h"
#include "node.h"
#include "peer.h"
#include "rules.h"
#include "send.h"
#include "switch.h"
#include "util.h"
#include "wire.h"

/* FRAME_FWD flags. */
#define FWD_TEE      0x01
#define FWD_WATCH    0x02
#define FWD_REDIRECT 0x04
#define FWD_INBOUND  0x08 /* the receiver made the copy, not the sender */
#define FWD_COM      0x80 /* want u8 | COM (93) follow, before the frame */

/* The most an index of capabilities may take (a member's are at most
 * ZT_CAP_RULES_TOTAL entries; an index of such lists is rarely over a few
 * KiB): beyond that they are walked. */
#define CAPS_IDX_MAX (16 * 1024)

#define CAP_CRED_MAX (8 + 5 + 8 + 4 + 1 + ZT_CAP_RULES_MAX * 19 + 64)
#define CREDS_MSG_MAX                                                                              \
	(1 + 8 + 1 + 1 + 1 + 22 + ZT_NETCONF_MAX_ADDRS * 18 + 64 + ZT_TAGS_MAX * ZT_TAG_CRED_LEN + \
	 1 + ZT_CAPS_MAX * (8 + 5 + 8 + 4 + 1 + 64) + ZT_CAP_RULES_TOTAL * 19)

static void send_creds(struct zt_node *n, int64_t now, struct zt_network *net, struct zt_memcom *mc,
                       struct zt_peer *p, bool want);

static uint32_t node_random(void *arg)
{
	return zt_node_random_u32(arg);
}

static struct zt_memcom *memcom_of(const struct zt_network *net, struct zt_member *m)
{
	if (m->mc == NULL)
		m->mc = zt_mem_calloc(net->mem, 1, sizeof *m->mc);
	return m->mc;
}

/* Credentials from the config in force: within our COM's window of ours,
 * and not older than the member's newest verified COM (a config that
 * changed its tags comes with a newer COM). */
static const struct zt_memcreds *creds_of(const struct zt_network *net, const struct zt_member *m)
{
	const struct zt_memcom *mc = m != NULL ? m->mc : NULL;
	const struct zt_memcreds *c = mc != NULL ? mc->creds : NULL;
	int64_t d;

	if (c == NULL || c->ts < mc->com.timestamp)
		return NULL;
	d = c->ts - net->conf->com.timestamp;
	if (d < 0)
		d = -d;
	return d <= net->conf->com.max_delta ? c : NULL;
}

/* Has m not been shown our current credentials lately?  (Asked on every
 * frame we send it: the peer is looked up only if so.) */
static bool creds_due(const struct zt_network *net, const struct zt_member *m, int64_t now)
{
	const struct zt_memcom *mc = m->mc;
	return mc == NULL || mc->creds_sent_ts != net->conf->timestamp ||
	       now - mc->creds_sent >= ZT_COM_PUSH_INTERVAL;
}

/* A frame the rules dropped: counted, and noted in the network's trace. */
static void count_drop(struct zt_node *n, int64_t now, struct zt_network *net, bool inbound,
                       uint64_t peer, int rule, const uint8_t *frame, size_t len)
{
	unsigned i = rule >= 0 && rule < ZT_RULES_MAX ? (unsigned)rule : ZT_RULES_MAX;
	if (inbound) {
		net->rules_dropped_in++;
		n->counters[ZT_CTR_RULES_DROP_IN]++;
	} else {
		net->rules_dropped_out++;
		n->counters[ZT_CTR_RULES_DROP_OUT]++;
	}
	net->rules_dropped_by[i]++;
	zt_droptrace_note(&net->drops, &n->mem, now, inbound, peer, rule, frame, len);
}

/* Send a rule's copy of a frame to member `to`. */
static void send_fwd(struct zt_node *n, int64_t now, struct zt_network *net, uint64_t to,
                     uint8_t flags, const uint8_t *frame, size_t len, uint16_t max_payload)
{
	struct zt_peer *p;
	struct zt_member *m;
	uint8_t *msg;
	size_t off;

	if (to == n->id.address || !zt_identity_address_valid(to))
		return;
	if (max_payload != 0 && len > ZT_ETH_HLEN + (size_t)max_payload)
		len = ZT_ETH_HLEN + (size_t)max_payload;
	p = zt_peer_get(n, now, to);
	m = zt_switch_add_member(net, to, now, NULL);
	if (p == NULL || m == NULL) {
		n->counters[ZT_CTR_FRAMES_DROPPED]++;
		return;
	}
	zt_netrules_show_creds(n, now, net, m, p, false);
	/* Not n->pkt2: a received message may be in it. */
	msg = zt_mem_alloc(&n->mem, 10 + 2 + ZT_COM_LEN + len);
	if (msg == NULL)
		return;
	/* It takes the copy only from a member it has verified: if it has
	 * not seen our current COM, the COM goes in the same message (as in
	 * FRAME_COM), so that no reordering can make it refuse the copy. */
	off = zt_member_attach_com(n, now, net, m, msg + 8);
	msg[0] = ZT_MSG_FRAME_FWD;
	zt_put_u64(msg + 1, net->nwid);
	if (off > 0) {
		/* attach_com wrote type | want | COM at msg + 8: keep want | COM. */
		memmove(msg + 10, msg + 9, 1 + ZT_COM_LEN);
		flags |= FWD_COM;
		off = 1 + ZT_COM_LEN;
	}
	msg[9] = flags;
	memcpy(msg + 10 + off, frame, len);
	(void)zt_send_msg(n, now, p, msg, 10 + off + len);
	zt_mem_free(&n->mem, msg);
}

static void ctx_in(struct zt_node *n, int64_t now, const struct zt_network *net,
                   const struct zt_peer *p, const struct zt_memcreds *cr, const uint8_t *frame,
                   size_t len, uint8_t sender_mac[6], struct zt_rules_ctx *c)
{
	const struct zt_netconf *conf = net->conf;

	memset(c, 0, sizeof *c);
	zt_mac_from_address(net->nwid, p->address, sender_mac);
	c->frame = frame;
	c->len = len;
	c->nwid = net->nwid;
	c->self = n->id.address;
	c->src = p->address;
	c->dst = n->id.address;
	c->inbound = true;
	c->sender_is_bridge = zt_bridge_member(net, p->address, now);
	c->sender_mac = sender_mac;
	c->sender_addrs = cr != NULL ? cr->addrs : NULL;
	c->sender_addr_count = cr != NULL ? cr->addr_count : 0;
	c->local_tags = conf->tags;
	c->local_tag_count = conf->tag_count;
	c->remote_tags = cr != NULL ? cr->tags : NULL;
	c->remote_tag_count = cr != NULL ? cr->tag_count : 0;
	c->random = node_random;
	c->random_arg = n;
	c->flows = net->flows;
	c->now = now;
}

/* Hold one frame of a member whose credentials we lack (the latest: an
 * older one gives way, counted as dropped). */
static void hold_in(struct zt_node *n, int64_t now, struct zt_network *net, struct zt_memcom *mc,
                    uint64_t from, const uint8_t *frame, size_t len, int rule)
{
	uint8_t *copy;

	if (mc->in_held != NULL) {
		count_drop(n, now, net, true, from, mc->in_held_rule, mc->in_held, mc->in_held_len);
		zt_mem_free(&n->mem, mc->in_held);
		mc->in_held = NULL;
	}
	copy = len <= UINT16_MAX ? zt_mem_alloc(&n->mem, len) : NULL;
	if (copy == NULL) {
		count_drop(n, now, net, true, from, rule, frame, len);
		return;
	}
	memcpy(copy, frame, len);
	mc->in_held = copy;
	mc->in_held_len = (uint16_t)len;
	mc->in_held_at = now;
	mc->in_held_rule = rule;
}

/* Its credentials came: the held frame is judged again (or, too old,
 * dropped). */
static void release_in(struct zt_node *n, int64_t now, struct zt_network *net, struct zt_memcom *mc,
                       struct zt_peer *p)
{
	uint8_t *frame = mc->in_held;
	size_t len = mc->in_held_len;

	if (frame == NULL)
		return;
	mc->in_held = NULL;
	if (now - mc->in_held_at >= ZT_COM_HOLD_TIME)
		count_drop(n, now, net, true, p->address, mc->in_held_rule, frame, len);
	else if (zt_netrules_in(n, now, net, p, frame, len)) {
		n->counters[ZT_CTR_FRAMES_IN]++;
		zt_host_frame_out(n, net->nwid, frame, len);
	}
	zt_mem_free(&n->mem, frame);
}

static bool conf_uses_flows(const struct zt_netconf *c)
{
	if (c == NULL)
		return false;
	if (zt_rules_use_flows(c->rules, c->rule_count))
		return true;
	for (unsigned i = 0; i < c->cap_count; i++)
		if (zt_rules_use_flows(c->caps[i].rules, c->caps[i].rule_count < ZT_CAP_RULES_MAX
		                                             ? c->caps[i].rule_count
		                                             : ZT_CAP_RULES_MAX))
			return true;
	return false;
}

static void flows_free(struct zt_node *n, struct zt_network *net)
{
	zt_mem_free(&n->mem, net->flows);
	net->flows = NULL;
}

/* The lists of capabilities, as zt_rules_filter walks them: their count. */
static unsigned caps_lists(const struct zt_cap *caps, unsigned count, struct zt_rules_list *l)
{
	for (unsigned i = 0; i < count; i++) {
		l[i].rules = caps[i].rules;
		l[i].count =
		    caps[i].rule_count < ZT_CAP_RULES_MAX ? caps[i].rule_count : ZT_CAP_RULES_MAX;
	}
	return count;
}

/* A new index of `count` lists, or NULL (out of memory). */
static struct zt_rules_index *index_new(struct zt_node *n, const struct zt_rules_list *l,
                                        unsigned count)
{
	size_t need = zt_rules_index_build(l, count, NULL, 0);
	struct zt_rules_index *idx = zt_mem_alloc(&n->mem, need);

	if (idx != NULL)
		(void)zt_rules_index_build(l, count, idx, need);
	return idx;
}

/* The indexes of next's list and capabilities (what we send is judged by
 * our own). */
static void index_conf(struct zt_node *n, struct zt_network *net, const struct zt_netconf *next)
{
	zt_mem_free(&n->mem, net->rules_idx);
	zt_mem_free(&n->mem, net->caps_idx);
	net->rules_idx = net->caps_idx = NULL;
	if (next == NULL || (next->rule_count > 0 && next->rules[0].t == ZT_RULE_ACCEPT))
		return; /* no rules, or the switch skips them (zt_netrules_active) */
	{
		struct zt_rules_list l = {next->rules, next->rule_count}, cl[ZT_CAPS_MAX];
		net->rules_idx = index_new(n, &l, 1);
		if (next->cap_count > 0 && next->cap_count <= ZT_CAPS_MAX)
			net->caps_idx =
			    index_new(n, cl, caps_lists(next->caps, next->cap_count, cl));
	}
}

void zt_netrules_new_conf(struct zt_node *n, struct zt_network *net, const struct zt_netconf *next)
{
	const struct zt_netconf *old = net->conf;
	bool same = old != NULL && next != NULL && old->rule_count == next->rule_count &&
	            old->cap_count == next->cap_count &&
	            memcmp(old->rules, next->rules, sizeof old->rules[0] * old->rule_count) == 0;

	/* The capabilities' lists, not their signatures: those are new with
	 * every config (its timestamp), and a refresh that changes no rule
	 * must not forget the flows, the counts or the trace. */
	for (unsigned i = 0; same && i < old->cap_count; i++)
		same = old->caps[i].id == next->caps[i].id &&
		       old->caps[i].rule_count == next->caps[i].rule_count &&
		       old->caps[i].rule_count <= ZT_CAP_RULES_MAX &&
		       memcmp(old->caps[i].rules, next->caps[i].rules,
		              sizeof old->caps[i].rules[0] * old->caps[i].rule_count) == 0;

	net->use_flows = conf_uses_flows(next);
	if (!same || !net->use_flows)
		flows_free(n, net);
	index_conf(n, net, next);
	/* The counts by entry, and the trace, are the old list's entry
	 * numbers: a new list starts them again, so that "dropped by 7" means
	 * its entry 7. */
	if (!same) {
		memset(net->rules_dropped_by, 0, sizeof net->rules_dropped_by);
		zt_droptrace_free(&net->drops, &n->mem);
	}
}

void zt_netrules_free(struct zt_node *n, struct zt_network *net)
{
	flows_free(n, net);
	index_conf(n, net, NULL);
}

/* The rules let the frame through: its flow is recorded (the table made
 * at the first).  Group frames make none: their replies come from other
 * addresses than the one they went to. */
static void note_flow(struct zt_node *n, int64_t now, struct zt_network *net, const uint8_t *frame,
                      size_t len)
{
	if (!net->use_flows || len < ZT_ETH_HLEN || (frame[0] & 1) != 0)
		return;
	if (net->flows == NULL) {
		uint8_t key[16];
		net->flows = zt_mem_alloc(&n->mem, sizeof *net->flows);
		if (net->flows == NULL)
			return;
		for (unsigned i = 0; i < sizeof key; i += 4)
			zt_put_u32(key + i, zt_node_random_u32(n));
		zt_flow_init(net->flows, key);
	}
	zt_flow_note(net->flows, now, frame, len);
}

enum zt_netrules_out zt_netrules_out(struct zt_node *n, int64_t now, struct zt_network *net,
                                     uint64_t dst, const uint8_t *frame, size_t len)
{
	const struct zt_netconf *conf = net->conf;
	struct zt_member *m = zt_switch_add_member(net, dst, now, NULL);
	const struct zt_memcreds *cr = creds_of(net, m);
	struct zt_rules_result r;
	struct zt_rules_ctx c;

	memset(&c, 0, sizeof c);
	c.frame = frame;
	c.len = len;
	c.nwid = net->nwid;
	c.self = n->id.address;
	c.src = n->id.address;
	c.dst = dst;
	c.sender_is_bridge = (conf->flags & ZT_NETCONF_F_BRIDGE) != 0;
	c.sender_mac = net->mac;
	c.sender_addrs = conf->addrs;
	c.sender_addr_count = conf->addr_count;
	c.local_tags = conf->tags;
	c.local_tag_count = conf->tag_count;
	c.remote_tags = cr != NULL ? cr->tags : NULL;
	c.remote_tag_count = cr != NULL ? cr->tag_count : 0;
	c.random = node_random;
	c.random_arg = n;
	c.flows = net->flows;
	c.now = now;
	if (!zt_rules_filter_fast(&c, conf->rules, conf->rule_count, net->rules_idx, conf->caps,
	                          conf->cap_count, net->caps_idx, &r)) {
		count_drop(n, now, net, false, dst, r.rule, frame, len);
		return ZT_NETRULES_DROP;
	}
	if (r.tee != 0)
		send_fwd(n, now, net, r.tee, r.watch ? FWD_WATCH : FWD_TEE, frame, len, r.tee_len);
	if (r.verdict == ZT_RULES_REDIRECT) {
		send_fwd(n, now, net, r.redirect, FWD_REDIRECT, frame, len, 0);
		return ZT_NETRULES_REDIRECTED;
	}
	note_flow(n, now, net, frame, len);
	/* The receiver checks our tags, capabilities and addresses: make
	 * sure it has them (before the frame, which the caller sends next). */
	if (m != NULL && creds_due(net, m, now)) {
		struct zt_peer *p = zt_peer_find(n, dst);
		if (p != NULL)
			zt_netrules_show_creds(n, now, net, m, p, false);
	}
	return ZT_NETRULES_PASS;
}

bool zt_netrules_in(struct zt_node *n, int64_t now, struct zt_network *net, struct zt_peer *p,
                    const uint8_t *frame, size_t len)
{
	struct zt_member *m = zt_switch_member(net, p->address);
	const struct zt_memcreds *cr = creds_of(net, m);
	struct zt_rules_result r;
	struct zt_rules_ctx c;
	uint8_t mac[6];

	ctx_in(n, now, net, p, cr, frame, len, mac, &c);
	if (!zt_rules_filter_fast(&c, net->conf->rules, net->conf->rule_count, net->rules_idx,
	                          cr != NULL ? cr->caps : NULL, cr != NULL ? cr->cap_count : 0,
	                          cr != NULL ? cr->caps_idx : NULL, &r)) {
		struct zt_memcom *mc = m != NULL ? memcom_of(net, m) : NULL;
		/* Without its credentials (lost, or overtaken by this frame
		 * on the way) the frame waits for them, as a frame waits for
		 * a COM; otherwise it is dropped here. */
		if (cr == NULL && mc != NULL)
			hold_in(n, now, net, mc, p->address, frame, len, r.rule);
		else
			count_drop(n, now, net, true, p->address, r.rule, frame, len);
		/* It may not know our tags yet (its checks of the receiver
		 * were lenient for that reason; ours are not), nor we its
		 * own: show ours, asking for its, at most once per
		 * COM_ASK_INTERVAL. */
		if (mc != NULL && now - mc->creds_asked >= ZT_COM_ASK_INTERVAL) {
			mc->creds_asked = now;
			send_creds(n, now, net, mc, p, cr == NULL);
		}
		return false;
	}
	if (r.tee != 0)
		send_fwd(n, now, net, r.tee, FWD_INBOUND | (r.watch ? FWD_WATCH : FWD_TEE), frame,
		         len, r.tee_len);
	if (r.verdict == ZT_RULES_REDIRECT) {
		send_fwd(n, now, net, r.redirect, FWD_INBOUND | FWD_REDIRECT, frame, len, 0);
		return false;
	}
	note_flow(n, now, net, frame, len);
	return true;
}

void zt_netrules_fwd_msg(struct zt_node *n, int64_t now, struct zt_peer *p, const uint8_t *msg,
                         size_t len)
{
	struct zt_network *net;
	struct zt_member *m;
	const struct zt_memcreds *cr;
	struct zt_rules_result r;
	struct zt_rules_ctx c;
	uint8_t mac[6];
	size_t at = 10; /* where the frame starts */

	if (len < 10 + ZT_ETH_HLEN) {
		n->counters[ZT_CTR_RX_MALFORMED]++;
		return;
	}
	if (msg[9] & FWD_COM) {
		if (len < 10 + 1 + ZT_COM_LEN + ZT_ETH_HLEN) {
			n->counters[ZT_CTR_RX_MALFORMED]++;
			return;
		}
		zt_member_take_com(n, now, p, msg + 10);
		at += 1 + ZT_COM_LEN;
	}
	net = zt_switch_find(n, zt_get_u64(msg + 1));
	if (net == NULL || net->status != ZT_NET_OK || net->conf == NULL ||
	    len - at > net->mtu + ZT_ETH_VLAN_HLEN) {
		n->counters[ZT_CTR_FRAMES_DROPPED]++;
		return;
	}
	m = zt_switch_member(net, p->address);
	if (zt_member_needs_com(net) && (m == NULL || !zt_member_com_ok(net, m))) {
		n->counters[ZT_CTR_COM_REJECTED]++;
		return;
	}
	/* A copy is for us only if our own rules name us as its target:
	 * nobody can make us take frames addressed elsewhere otherwise. */
	cr = creds_of(net, m);
	ctx_in(n, now, net, p, cr, msg + at, len - at, mac, &c);
	zt_rules_filter_fast(&c, net->conf->rules, net->conf->rule_count, net->rules_idx,
	                     cr != NULL ? cr->caps : NULL, cr != NULL ? cr->cap_count : 0,
	                     cr != NULL ? cr->caps_idx : NULL, &r);
	if (r.verdict != ZT_RULES_SUPER_ACCEPT) {
		n->counters[ZT_CTR_FRAMES_DROPPED]++;
		return;
	}
	n->counters[ZT_CTR_FRAMES_IN]++;
	zt_host_frame_out(n, net->nwid, msg + at, len - at);
}

/* ---- credentials ---- */

/* NET_CREDS: nwid u64 | flags u8 (bit 0: send me yours) | n u8 | n tags |
 * m u8 | m capabilities.  Sent even when we hold none, so that a member
 * that asked knows there are none. */
static void send_creds(struct zt_node *n, int64_t now, struct zt_network *net, struct zt_memcom *mc,
                       struct zt_peer *p, bool want)
{
	const struct zt_netconf *conf = net->conf;
	uint8_t *msg;
	size_t off;

	if (conf == NULL)
		return;
	msg = zt_mem_alloc(&n->mem, CREDS_MSG_MAX);
	if (msg == NULL)
		return;
	msg[0] = ZT_MSG_NET_CREDS;
	zt_put_u64(msg + 1, net->nwid);
	msg[9] = want ? 1 : 0;
	off = 10;
	msg[off++] = (uint8_t)conf->tag_count;
	for (unsigned i = 0; i < conf->tag_count; i++) {
		int k = zt_tag_cred_encode(&conf->tags[i], net->nwid, n->id.address,
		                           conf->timestamp, msg + off, CREDS_MSG_MAX - off);
		if (k < 0)
			goto out;
		off += (size_t)k;
	}
	msg[off++] = (uint8_t)conf->cap_count;
	for (unsigned i = 0; i < conf->cap_count; i++) {
		int k = zt_cap_cred_encode(&conf->caps[i], net->nwid, n->id.address,
		                           conf->timestamp, msg + off, CREDS_MSG_MAX - off);
		if (k < 0)
			goto out;
		off += (size_t)k;
	}
	{
		int k = zt_addrs_cred_encode(conf->addrs, conf->addr_count, conf->addrs_sig,
		                             net->nwid, n->id.address, conf->timestamp,
		                             msg + off + 1, CREDS_MSG_MAX - off - 1);
		if (k < 0)
			goto out;
		msg[off++] = 1;
		off += (size_t)k;
	}
	mc->creds_sent_ts = conf->timestamp;
	mc->creds_sent = now;
	(void)zt_send_msg(n, now, p, msg, off);
out:
	zt_mem_free(&n->mem, msg);
}

void zt_netrules_show_creds(struct zt_node *n, int64_t now, struct zt_network *net,
                            struct zt_member *m, struct zt_peer *p, bool force)
{
	const struct zt_netconf *conf = net->conf;
	struct zt_memcom *mc;

	if (conf == NULL || (mc = memcom_of(net, m)) == NULL)
		return;
	if (!force && !creds_due(net, m, now))
		return;
	send_creds(n, now, net, mc, p, false);
}

void zt_netrules_creds_msg(struct zt_node *n, int64_t now, struct zt_peer *p, const uint8_t *msg,
                           size_t len)
{
	struct zt_network *net;
	struct zt_peer *ctl;
	struct zt_member *m;
	struct zt_memcom *mc;
	struct zt_memcreds *cr = NULL;
	unsigned ntags, ncaps;
	size_t off = 11, total = 0;
	bool want;
	int64_t ts = -1;

	if (len < 12)
		goto bad;
	net = zt_switch_find(n, zt_get_u64(msg + 1));
	if (net == NULL || net->status != ZT_NET_OK || net->conf == NULL ||
	    zt_nwid_is_adhoc(net->nwid))
		return;
	ctl = zt_peer_find(n, zt_nwid_controller(net->nwid));
	if (ctl == NULL || !ctl->has_identity)
		return; /* shown again later, once we know our controller */
	want = (msg[9] & 1) != 0;
	ntags = msg[10];
	if (ntags > ZT_TAGS_MAX)
		goto bad;
	/* The largest this can be, to size the allocation before decoding. */
	cr = zt_mem_calloc(&n->mem, 1, sizeof *cr + ZT_CAPS_MAX * sizeof(struct zt_cap));
	if (cr == NULL)
		return;
	for (unsigned i = 0; i < ntags; i++) {
		uint64_t nwid, to;
		int64_t t;
		int k =
		    zt_tag_cred_decode(msg + off, len - off, ctl->pk, &cr->tags[i], &nwid, &to, &t);
		if (k < 0 || nwid != net->nwid || to != p->address || (ts >= 0 && t != ts) ||
		    (i > 0 && cr->tags[i].id <= cr->tags[i - 1].id))
			goto bad;
		ts = t;
		off += (size_t)k;
	}
	cr->tag_count = ntags;
	if (off >= len)
		goto bad;
	ncaps = msg[off++];
	if (ncaps > ZT_CAPS_MAX)
		goto bad;
	for (unsigned i = 0; i < ncaps; i++) {
		uint64_t nwid, to;
		int64_t t;
		int k =
		    zt_cap_cred_decode(msg + off, len - off, ctl->pk, &cr->caps[i], &nwid, &to, &t);
		if (k < 0 || nwid != net->nwid || to != p->address || (ts >= 0 && t != ts))
			goto bad;
		total += cr->caps[i].rule_count;
		if (total > ZT_CAP_RULES_TOTAL)
			goto bad;
		ts = t;
		off += (size_t)k;
	}
	cr->cap_count = ncaps;
	/* Its addresses (one credential, or none). */
	if (off < len && msg[off] == 1) {
		uint64_t nwid, to;
		int64_t t;
		int k = zt_addrs_cred_decode(msg + off + 1, len - off - 1, ctl->pk, cr->addrs,
		                             &cr->addr_count, &nwid, &to, &t);
		if (k < 0 || nwid != net->nwid || to != p->address || (ts >= 0 && t != ts))
			goto bad;
		ts = t;
		off += 1 + (size_t)k;
	} else if (off < len && msg[off] == 0) {
		off++;
	}
	if (off != len || ts < 0)
		goto bad;
	cr->ts = ts;
	m = zt_switch_heard(net, p->address, now, NULL);
	if (m == NULL || (mc = memcom_of(net, m)) == NULL)
		goto out;
	if (mc->creds != NULL && mc->creds->ts > ts)
		goto out; /* older than what it showed before: a replay */
	{
		/* Kept at its size (most members hold few capabilities), with
		 * the index of their lists after them. */
		struct zt_rules_list l[ZT_CAPS_MAX];
		size_t at = (sizeof *cr + ncaps * sizeof(struct zt_cap) + 7) & ~(size_t)7;
		size_t need = ncaps > 0
		                  ? zt_rules_index_build(l, caps_lists(cr->caps, ncaps, l), NULL, 0)
		                  : 0;
		struct zt_memcreds *sized;
		if (need > CAPS_IDX_MAX)
			need = 0;
		sized = zt_mem_realloc(&n->mem, cr,
		                       sizeof *cr + ZT_CAPS_MAX * sizeof(struct zt_cap), at + need);
		if (sized == NULL)
			goto out;
		cr = sized;
		if (need > 0) {
			/* the lists point into the block that moved */
			struct zt_rules_index *idx =
			    (struct zt_rules_index *)(void *)((uint8_t *)cr + at);
			(void)zt_rules_index_build(l, caps_lists(cr->caps, ncaps, l), idx, need);
			cr->caps_idx = idx;
		}
	}
	zt_mem_free(&n->mem, mc->creds);
	mc->creds = cr;
	cr = NULL;
	/* It asks for ours (at most once per COM_ASK_INTERVAL). */
	if (want && now - mc->creds_sent >= ZT_COM_ASK_INTERVAL)
		send_creds(n, now, net, mc, p, false);
	release_in(n, now, net, mc, p);
	goto out;
bad:
	n->counters[ZT_CTR_CREDS_REJECTED]++;
out:
	zt_mem_free(&n->mem, cr);
}
