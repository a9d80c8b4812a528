/* SPDX-License-Identifier: MIT */
/*
 * member.c - managed networks in the core: the member's config state
 * machine (request, apply, refresh), the controller's answers (through the
 * host's netconf_request callback), and certificates of membership shown
 * between members and checked by the switch (doc/PROTOCOL.md, "Managed
 * networks").
 *
 * Trust: a config, a COM and a revocation are signed by the controller's
 * Ed25519 key; the controller's identity is the peer whose address is the
 * top 40 bits of the network id, verified against its key like any peer.
 */
#include <sodium.h>
#include <string.h>

#include "handshake.h"
#include "host.h"
#include "identity.h"
#include "mem.h"
#include "member.h"
#include "multicast.h"
#include "netconf.h"
#include "netrules.h"
#include "network.h"
#include "node.h"
#include "peer.h"
#include "rules.h"
#include "send.h"
#include "switch.h"
#include "util.h"
#include "wire.h"
#include "zt.h"

#define CONF_MSG_MAX (ZT_PACKET_MAX - ZT_DATA_OVERHEAD) /* the largest message */
#define MIN_MTU      1280
#define MAX_MTU      9000

static bool is_managed(const struct zt_network *net)
{
	return !zt_nwid_is_adhoc(net->nwid);
}

bool zt_member_needs_com(const struct zt_network *net)
{
	return is_managed(net) && net->status == ZT_NET_OK && net->conf != NULL &&
	       (net->conf->flags & ZT_NETCONF_F_PRIVATE) != 0;
}

bool zt_member_com_ok(const struct zt_network *net, const struct zt_member *m)
{
	const struct zt_memcom *mc;
	if (!zt_member_needs_com(net))
		return true;
	mc = m != NULL ? m->mc : NULL;
	if (mc == NULL || mc->com.timestamp == 0 || mc->com.timestamp <= mc->revoked_upto)
		return false;
	return zt_com_agree(&net->conf->com, &mc->com);
}

void zt_memcom_free(const struct zt_mem *mem, struct zt_memcom *mc)
{
	if (mc != NULL) {
		zt_mem_free(mem, mc->held);
		zt_mem_free(mem, mc->creds);
		zt_mem_free(mem, mc->in_held);
	}
	zt_mem_free(mem, mc);
}

void zt_member_hold(struct zt_node *n, int64_t now, struct zt_member *m, const uint8_t *frame,
                    size_t len)
{
	struct zt_memcom *mc = m->mc;
	uint8_t *copy;

	if ((mc->revoked_upto != 0 && mc->com.timestamp <= mc->revoked_upto) || len > UINT16_MAX) {
		n->counters[ZT_CTR_COM_REJECTED]++;
		return;
	}
	copy = zt_mem_alloc(&n->mem, len);
	if (copy == NULL)
		return;
	memcpy(copy, frame, len);
	if (mc->held != NULL)
		n->counters[ZT_CTR_COM_REJECTED]++; /* the older one gives way */
	zt_mem_free(&n->mem, mc->held);
	mc->held = copy;
	mc->held_len = (uint16_t)len;
	mc->held_at = now;
}

static struct zt_memcom *memcom(const struct zt_network *net, struct zt_member *m)
{
	if (m->mc == NULL)
		m->mc = zt_mem_calloc(net->mem, 1, sizeof *m->mc);
	return m->mc;
}

static void send_com(struct zt_node *n, int64_t now, struct zt_network *net, struct zt_memcom *mc,
                     struct zt_peer *p, bool want)
{
	uint8_t msg[2 + ZT_COM_LEN];
	msg[0] = ZT_MSG_NET_COM;
	msg[1] = want ? 1 : 0;
	zt_com_encode(&net->conf->com, msg + 2);
	mc->com_sent = now;
	mc->com_sent_ts = net->conf->com.timestamp;
	if (want)
		mc->com_asked = now;
	(void)zt_send_msg(n, now, p, msg, sizeof msg);
}

void zt_member_show_com(struct zt_node *n, int64_t now, struct zt_network *net, struct zt_member *m,
                        struct zt_peer *p)
{
	struct zt_memcom *mc;
	bool want, stale;

	if (!zt_member_needs_com(net) || (mc = memcom(net, m)) == NULL)
		return;
	want = !zt_member_com_ok(net, m);
	stale = mc->com_sent_ts != net->conf->com.timestamp ||
	        now - mc->com_sent >= ZT_COM_PUSH_INTERVAL;
	if (stale || (want && now - mc->com_asked >= ZT_COM_ASK_INTERVAL))
		send_com(n, now, net, mc, p, want);
}

/* ---- member side: requests ---- */

static void notify(struct zt_node *n, struct zt_network *net)
{
	struct zt_network_info info;
	zt_switch_info(net, &info);
	zt_host_net_update(n, ZT_NET_UPDATE, &info);
}

static void send_request(struct zt_node *n, int64_t now, struct zt_network *net)
{
	uint8_t msg[18 + ZT_NETCONF_TOKEN_MAX];
	uint64_t ctl = zt_nwid_controller(net->nwid);
	struct zt_peer *p;

	if (ctl == n->id.address || !zt_identity_address_valid(ctl))
		return;
	p = zt_peer_get(n, now, ctl);
	if (p == NULL)
		return;
	if (net->conf_awaiting == 0) {
		net->conf_awaiting = now;
	} else if (p->last_rx < net->conf_awaiting &&
	           now - net->conf_awaiting >= ZT_NETCONF_REHANDSHAKE) {
		/* The controller does not answer on this session: it may have
		 * restarted and lost it.  A new handshake heals that. */
		zt_hs_restart(n, now, p);
		net->conf_awaiting = now;
	}
	msg[0] = ZT_MSG_NETCONF_REQ;
	zt_put_u64(msg + 1, net->nwid);
	zt_put_u64(msg + 9, net->conf != NULL ? net->conf->revision : 0);
	msg[17] = (uint8_t)net->token_len;
	memcpy(msg + 18, net->token, net->token_len);
	net->conf_requested = now;
	(void)zt_send_msg(n, now, p, msg, 18 + net->token_len);
}

void zt_member_background(struct zt_node *n, int64_t now, struct zt_network *net)
{
	int64_t every;

	if (!is_managed(net))
		return;
	switch (net->status) {
	case ZT_NET_OK: every = ZT_NETCONF_REFRESH; break;
	case ZT_NET_REQUESTING_CONFIGURATION: every = ZT_NETCONF_RETRY; break;
	default: every = ZT_NETCONF_REFRESH / 3; break; /* the controller pushes changes */
	}
	if (net->token_len > 0)
		every = ZT_NETCONF_RETRY; /* an invite waits for its verdict */
	if (net->status == ZT_NET_OK && net->token_len == 0 && now - net->conf_received < every)
		return;
	if (net->conf_requested != 0 && now - net->conf_requested < ZT_NETCONF_RETRY)
		return;
	if (net->status != ZT_NET_OK && net->conf_requested != 0 &&
	    now - net->conf_requested < every)
		return;
	send_request(n, now, net);
}

/* ---- member side: answers ---- */

static struct zt_peer *controller_of(struct zt_node *n, uint64_t nwid)
{
	struct zt_peer *c = zt_peer_find(n, zt_nwid_controller(nwid));
	return c != NULL && c->has_identity ? c : NULL;
}

static void handle_netconf(struct zt_node *n, int64_t now, struct zt_peer *p, const uint8_t *msg,
                           size_t len)
{
	struct zt_netconf *c = NULL;
	struct zt_network *net;
	size_t body;
	bool changed;

	if (len < 1 + 9 + 64)
		goto bad;
	body = len - 1 - 64;
	net = zt_switch_find(n, zt_get_u64(msg + 2));
	if (net == NULL || !is_managed(net) || p->address != zt_nwid_controller(net->nwid))
		goto bad;
	if (crypto_sign_verify_detached(msg + 1 + body, msg + 1, body, p->pk) != 0)
		goto bad;
	c = zt_mem_alloc(&n->mem, sizeof *c);
	if (c == NULL)
		return;
	if (zt_netconf_decode(c, msg + 1, body) != ZT_OK || c->nwid != net->nwid ||
	    c->issued_to != n->id.address || zt_com_verify(&c->com, p->pk) != ZT_OK)
		goto bad;
	net->conf_awaiting = 0;
	/* A push and an answer may cross: the older of the two is dropped.
	 * Much older is not a crossing but a controller whose clock was set
	 * back (or restored): then the new config wins, or the member would
	 * ignore its controller until the clock caught up. */
	if (net->conf != NULL && c->timestamp < net->conf->timestamp &&
	    net->conf->timestamp - c->timestamp < ZT_NETCONF_REFRESH) {
		zt_mem_free(&n->mem, c);
		return;
	}
	if (c->mtu < MIN_MTU)
		c->mtu = MIN_MTU;
	if (c->mtu > MAX_MTU)
		c->mtu = MAX_MTU;
	changed = net->conf == NULL || net->status != ZT_NET_OK ||
	          net->conf->revision != c->revision || net->conf->mtu != c->mtu;
	/* The names are the other members' (a rename changes no revision of
	 * ours), so they are compared themselves. */
	changed = changed || net->conf->name_count != c->name_count ||
	          memcmp(net->conf->names, c->names, c->name_count * sizeof c->names[0]) != 0;
	zt_netrules_new_conf(n, net, c);
	zt_mem_free(&n->mem, net->conf);
	net->conf = c;
	net->conf_received = now;
	net->status = ZT_NET_OK;
	net->type = (c->flags & ZT_NETCONF_F_PRIVATE) ? ZT_NET_PRIVATE : ZT_NET_PUBLIC;
	net->mtu = c->mtu;
	/* On a managed network the controller is the authority on the
	 * Ethernet behaviour (multicast.c, bridge.c). */
	zt_mc_apply_conf(n, now, net, c);
	net->token_len = 0; /* an invite is spent once we are in */
	net->invite_refused = false;
	if (changed)
		notify(n, net);
	return;
bad:
	zt_mem_free(&n->mem, c);
	n->counters[ZT_CTR_NETCONF_BAD]++;
}

static void handle_netconf_err(struct zt_node *n, struct zt_peer *p, const uint8_t *msg, size_t len)
{
	struct zt_network *net;
	enum zt_net_status st;

	if (len != 10)
		goto bad;
	net = zt_switch_find(n, zt_get_u64(msg + 1));
	if (net == NULL || !is_managed(net) || p->address != zt_nwid_controller(net->nwid))
		goto bad;
	if (msg[9] == ZT_NETCONF_ERR_BAD_INVITE) {
		/* Our invite is no good: stop sending it, and say so. */
		net->token_len = 0;
		net->invite_refused = true;
		st = ZT_NET_ACCESS_DENIED;
	} else if (msg[9] == ZT_NETCONF_ERR_DENIED)
		st = ZT_NET_ACCESS_DENIED;
	else if (msg[9] == ZT_NETCONF_ERR_NOTFOUND)
		st = ZT_NET_NOT_FOUND;
	else
		goto bad;
	net->conf_awaiting = 0;
	if (net->status == st && net->conf == NULL && msg[9] != ZT_NETCONF_ERR_BAD_INVITE)
		return;
	net->status = st;
	zt_netrules_new_conf(n, net, NULL);
	zt_mem_free(&n->mem, net->conf);
	net->conf = NULL;
	notify(n, net);
	return;
bad:
	n->counters[ZT_CTR_NETCONF_BAD]++;
}

/* msg: flags u8 | COM; len at least 1 + ZT_COM_LEN. */
void zt_member_take_com(struct zt_node *n, int64_t now, struct zt_peer *p, const uint8_t *msg)
{
	struct zt_com com;
	struct zt_network *net;
	struct zt_peer *ctl;
	struct zt_member *m;
	struct zt_memcom *mc;
	bool was_ok;

	if (zt_com_decode(&com, msg + 1, ZT_COM_LEN) != ZT_OK || com.issued_to != p->address)
		goto bad;
	net = zt_switch_find(n, com.nwid);
	if (net == NULL || !is_managed(net))
		return;
	ctl = controller_of(n, net->nwid);
	if (ctl == NULL) {
		/* We have not met our controller yet; the peer will show its
		 * certificate again. */
		return;
	}
	if (zt_com_verify(&com, ctl->pk) != ZT_OK)
		goto bad;
	m = zt_switch_heard(net, p->address, now, NULL);
	if (m == NULL || (mc = memcom(net, m)) == NULL)
		return;
	was_ok = zt_member_com_ok(net, m);
	if (com.timestamp > mc->com.timestamp)
		mc->com = com;
	/* Private networks tell their groups only to verified members and
	 * take theirs only from them: now both can go. */
	if (!was_ok && zt_member_needs_com(net) && zt_member_com_ok(net, m))
		zt_mc_member_verified(n, now, net, p->address);
	if (mc->held != NULL && zt_member_com_ok(net, m)) {
		if (now - mc->held_at < ZT_COM_HOLD_TIME) {
			zt_switch_send_held(n, now, net, m, p);
		} else {
			zt_mem_free(&n->mem, mc->held);
			mc->held = NULL;
			n->counters[ZT_CTR_COM_REJECTED]++;
		}
	}
	if ((msg[0] & 1) && zt_member_needs_com(net) &&
	    (mc->com_sent_ts != net->conf->com.timestamp ||
	     now - mc->com_sent >= ZT_COM_ASK_INTERVAL))
		send_com(n, now, net, mc, p, !zt_member_com_ok(net, m));
	return;
bad:
	n->counters[ZT_CTR_NETCONF_BAD]++;
}

static void handle_com(struct zt_node *n, int64_t now, struct zt_peer *p, const uint8_t *msg,
                       size_t len)
{
	if (len != 2 + ZT_COM_LEN) {
		n->counters[ZT_CTR_NETCONF_BAD]++;
		return;
	}
	zt_member_take_com(n, now, p, msg + 1);
}

static void handle_frame_com(struct zt_node *n, int64_t now, struct zt_peer *p, const uint8_t *msg,
                             size_t len)
{
	if (len < 2 + ZT_COM_LEN + 8) {
		n->counters[ZT_CTR_RX_MALFORMED]++;
		return;
	}
	zt_member_take_com(n, now, p, msg + 1);
	/* The rest is a FRAME message without its type byte: hand the
	 * switch a view whose byte 0 it does not read. */
	zt_switch_frame_from_peer(n, now, p, msg + 1 + ZT_COM_LEN, len - 1 - ZT_COM_LEN);
}

size_t zt_member_attach_com(struct zt_node *n, int64_t now, struct zt_network *net,
                            struct zt_member *m, uint8_t *msg)
{
	struct zt_memcom *mc;
	bool want;

	(void)n;
	if (!zt_member_needs_com(net) || (mc = memcom(net, m)) == NULL)
		return 0;
	want = !zt_member_com_ok(net, m);
	if (mc->com_sent_ts == net->conf->com.timestamp &&
	    now - mc->com_sent < ZT_COM_PUSH_INTERVAL &&
	    !(want && now - mc->com_asked >= ZT_COM_ASK_INTERVAL))
		return 0;
	msg[0] = ZT_MSG_FRAME_COM;
	msg[1] = want ? 1 : 0;
	zt_com_encode(&net->conf->com, msg + 2);
	mc->com_sent = now;
	mc->com_sent_ts = net->conf->com.timestamp;
	if (want)
		mc->com_asked = now;
	return 2 + ZT_COM_LEN;
}

/* nwid u64 | member u40 | threshold u64, signed. */
#define REVOKE_BODY 21

static void handle_revoke(struct zt_node *n, int64_t now, struct zt_peer *p, const uint8_t *msg,
                          size_t len)
{
	struct zt_network *net;
	struct zt_member *m;
	struct zt_memcom *mc;
	uint64_t target;
	int64_t upto;

	if (len != 1 + REVOKE_BODY + 64)
		goto bad;
	net = zt_switch_find(n, zt_get_u64(msg + 1));
	if (net == NULL || !is_managed(net) || p->address != zt_nwid_controller(net->nwid))
		goto bad;
	if (crypto_sign_verify_detached(msg + 1 + REVOKE_BODY, msg + 1, REVOKE_BODY, p->pk) != 0)
		goto bad;
	target = zt_get_u40(msg + 9);
	upto = (int64_t)zt_get_u64(msg + 14);
	if (target == n->id.address || upto < 0)
		return;
	m = zt_switch_heard(net, target, now, NULL);
	if (m == NULL || (mc = memcom(net, m)) == NULL)
		return;
	if (upto > mc->revoked_upto)
		mc->revoked_upto = upto;
	return;
bad:
	n->counters[ZT_CTR_NETCONF_BAD]++;
}

/* ---- controller side ---- */

static void send_err(struct zt_node *n, int64_t now, struct zt_peer *p, uint64_t nwid, uint8_t code)
{
	uint8_t msg[10];
	msg[0] = ZT_MSG_NETCONF_ERR;
	zt_put_u64(msg + 1, nwid);
	msg[9] = code;
	(void)zt_send_msg(n, now, p, msg, sizeof msg);
}

/* The member's tags, sorted by id with each id once (as members expect
 * them), its capabilities and its addresses, each signed as the
 * credential it shows. */
static int sign_creds(struct zt_node *n, struct zt_netconf *c)
{
	unsigned k = 0;

	if (c->tag_count > ZT_TAGS_MAX)
		c->tag_count = ZT_TAGS_MAX;
	if (c->cap_count > ZT_CAPS_MAX)
		c->cap_count = ZT_CAPS_MAX;
	for (unsigned i = 1; i < c->tag_count; i++) {
		struct zt_tag t = c->tags[i];
		unsigned j = i;
		for (; j > 0 && c->tags[j - 1].id > t.id; j--)
			c->tags[j] = c->tags[j - 1];
		c->tags[j] = t;
	}
	for (unsigned i = 0; i < c->tag_count; i++)
		if (k == 0 || c->tags[k - 1].id != c->tags[i].id)
			c->tags[k++] = c->tags[i];
	c->tag_count = k;
	for (unsigned i = 0; i < c->tag_count; i++)
		if (zt_tag_sign(&c->tags[i], c->nwid, c->issued_to, c->timestamp, &n->id) != ZT_OK)
			return ZT_EINVAL;
	for (unsigned i = 0; i < c->cap_count; i++)
		if (zt_cap_sign(&c->caps[i], c->nwid, c->issued_to, c->timestamp, &n->id) != ZT_OK)
			return ZT_ERANGE;
	if (c->addr_count > ZT_NETCONF_MAX_ADDRS)
		c->addr_count = ZT_NETCONF_MAX_ADDRS;
	return zt_addrs_sign(c->addrs, c->addr_count, c->nwid, c->issued_to, c->timestamp, &n->id,
	                     c->addrs_sig);
}

static int answer(struct zt_node *n, int64_t now, struct zt_peer *p,
                  const struct zt_netconf_request *req)
{
	struct zt_netconf *c = NULL;
	uint8_t *msg = NULL;
	enum zt_netconf_verdict v;
	int len, r = ZT_OK;

	if (!zt_host_can_netconf(n))
		return ZT_EINVAL;
	c = zt_mem_calloc(&n->mem, 1, sizeof *c);
	msg = zt_mem_alloc(&n->mem, CONF_MSG_MAX);
	if (c == NULL || msg == NULL) {
		r = ZT_ENOMEM;
		goto out;
	}
	r = zt_host_netconf_request(n, now, req, c, &v);
	if (r != ZT_OK)
		goto out;
	if (v == ZT_NETCONF_ACCESS_DENIED || v == ZT_NETCONF_NOT_FOUND ||
	    v == ZT_NETCONF_BAD_INVITE) {
		send_err(n, now, p, req->nwid,
		         v == ZT_NETCONF_ACCESS_DENIED ? ZT_NETCONF_ERR_DENIED
		         : v == ZT_NETCONF_NOT_FOUND   ? ZT_NETCONF_ERR_NOTFOUND
		                                       : ZT_NETCONF_ERR_BAD_INVITE);
		goto out;
	}
	if (v != ZT_NETCONF_OK)
		goto out;
	c->nwid = req->nwid;
	c->issued_to = req->member;
	c->timestamp = now;
	c->com.nwid = req->nwid;
	c->com.issued_to = req->member;
	c->com.timestamp = now;
	c->com.max_delta = ZT_COM_MAX_DELTA;
	if (zt_com_sign(&c->com, &n->id) != ZT_OK) {
		r = ZT_EINVAL;
		goto out;
	}
	if (sign_creds(n, c) != ZT_OK) {
		zt_host_log(n, ZT_LOG_WARN, "netconf: a capability does not fit; config not sent");
		r = ZT_ERANGE;
		goto out;
	}
	msg[0] = ZT_MSG_NETCONF;
	len = zt_netconf_encode(c, msg + 1, CONF_MSG_MAX - 1 - 64);
	if (len < 0) {
		zt_host_log(n, ZT_LOG_WARN, "netconf: a config does not fit a message; not sent");
		r = len;
		goto out;
	}
	crypto_sign_detached(msg + 1 + len, NULL, msg + 1, (size_t)len, n->id.sk);
	r = zt_send_msg(n, now, p, msg, 1 + (size_t)len + 64);
out:
	zt_mem_free(&n->mem, c);
	zt_mem_free(&n->mem, msg);
	return r;
}

static void handle_request(struct zt_node *n, int64_t now, struct zt_peer *p, const uint8_t *msg,
                           size_t len)
{
	struct zt_netconf_request req;

	if (len < 18 || len != 18 + (size_t)msg[17] || msg[17] > ZT_NETCONF_TOKEN_MAX)
		goto bad;
	memset(&req, 0, sizeof req);
	req.nwid = zt_get_u64(msg + 1);
	req.have_revision = zt_get_u64(msg + 9);
	req.member = p->address;
	req.member_pk = p->pk;
	req.token = msg[17] ? msg + 18 : NULL;
	req.token_len = msg[17];
	if (zt_nwid_controller(req.nwid) != n->id.address || !zt_host_can_netconf(n))
		return; /* not ours to answer */
	(void)answer(n, now, p, &req);
	return;
bad:
	n->counters[ZT_CTR_RX_MALFORMED]++;
}

bool zt_member_handle_msg(struct zt_node *n, int64_t now, struct zt_peer *p, const uint8_t *msg,
                          size_t len)
{
	switch (msg[0]) {
	case ZT_MSG_NETCONF_REQ: handle_request(n, now, p, msg, len); return true;
	case ZT_MSG_NETCONF: handle_netconf(n, now, p, msg, len); return true;
	case ZT_MSG_NETCONF_ERR: handle_netconf_err(n, p, msg, len); return true;
	case ZT_MSG_NET_COM: handle_com(n, now, p, msg, len); return true;
	case ZT_MSG_NET_REVOKE: handle_revoke(n, now, p, msg, len); return true;
	case ZT_MSG_FRAME_COM: handle_frame_com(n, now, p, msg, len); return true;
	case ZT_MSG_FRAME_FWD: zt_netrules_fwd_msg(n, now, p, msg, len); return true;
	case ZT_MSG_NET_CREDS: zt_netrules_creds_msg(n, now, p, msg, len); return true;
	default: return false;
	}
}

int zt_node_netconf_push(struct zt_node *n, int64_t now, uint64_t nwid, uint64_t member)
{
	struct zt_netconf_request req;
	struct zt_peer *p;

	if (zt_nwid_controller(nwid) != n->id.address || !zt_identity_address_valid(member) ||
	    member == n->id.address)
		return ZT_EINVAL;
	p = zt_peer_get(n, now, member);
	if (p == NULL)
		return ZT_EFULL;
	memset(&req, 0, sizeof req);
	req.nwid = nwid;
	req.member = member;
	req.member_pk = p->has_identity ? p->pk : NULL;
	req.is_push = true;
	return answer(n, now, p, &req);
}

int zt_node_netconf_revoke(struct zt_node *n, int64_t now, uint64_t nwid, uint64_t member,
                           const uint64_t *notify_list, size_t count)
{
	uint8_t msg[1 + REVOKE_BODY + 64];
	int r = ZT_OK;

	if (zt_nwid_controller(nwid) != n->id.address || !zt_identity_address_valid(member))
		return ZT_EINVAL;
	msg[0] = ZT_MSG_NET_REVOKE;
	zt_put_u64(msg + 1, nwid);
	zt_put_u40(msg + 9, member);
	zt_put_u64(msg + 14, (uint64_t)now);
	crypto_sign_detached(msg + 1 + REVOKE_BODY, NULL, msg + 1, REVOKE_BODY, n->id.sk);
	for (size_t i = 0; i < count; i++) {
		struct zt_peer *p;
		if (notify_list[i] == member || notify_list[i] == n->id.address ||
		    !zt_identity_address_valid(notify_list[i]))
			continue;
		p = zt_peer_get(n, now, notify_list[i]);
		/* The others are still told when one send fails. */
		if (p != NULL && zt_send_msg(n, now, p, msg, sizeof msg) == ZT_ECALLBACK)
			r = ZT_ECALLBACK;
	}
	return r;
}

int zt_node_join_token(struct zt_node *n, int64_t now, uint64_t nwid, const uint8_t *token,
                       size_t token_len)
{
	struct zt_network *net;
	int r;

	if (token_len > ZT_NETCONF_TOKEN_MAX || zt_nwid_is_adhoc(nwid))
		return ZT_EINVAL;
	r = zt_node_join(n, now, nwid);
	if (r != ZT_OK)
		return r;
	net = zt_switch_find(n, nwid);
	if (net == NULL)
		return ZT_ENOTFOUND;
	memcpy(net->token, token, token_len);
	net->token_len = token_len;
	net->invite_refused = false;
	net->conf_requested = 0; /* ask at once, with the token */
	return ZT_OK;
}
