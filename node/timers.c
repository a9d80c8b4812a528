/* SPDX-License-Identifier: MIT */
/*
 * timers.c - everything the node does because time passed: handshake
 * retries and rekeys, keepalives and probes of paths, forgetting dead
 * paths and idle peers, REGISTER with the roots and the TCP fallback, and
 * the deadline the host calls back at (doc/PROTOCOL.md §10).
 *
 * There is one clock: the scan, every SCAN_INTERVAL (twice that on a
 * root), which looks at every peer.  What happens between scans comes in
 * as events (timers.h), so that this file alone decides what follows.
 */
#include <string.h>

#include "batch.h"
#include "frag.h"
#include "handshake.h"
#include "nat.h"
#include "node.h"
#include "peer.h"
#include "pmtu.h"
#include "relay.h"
#include "send.h"
#include "session.h"
#include "switch.h"
#include "tcpmap.h"
#include "timers.h"
#include "util.h"
#include "wire.h"

#define SCAN_INTERVAL 500

/* ---- events: the send, receive and handshake code says what happened ---- */

void zt_timers_packet_sent(struct zt_peer *p, int64_t now)
{
	p->last_tx = now;
}

void zt_timers_path_sent(struct zt_path *x, int64_t now)
{
	/* The first packet since we last heard on it: a root path that
	 * stays unanswered from then on is given up (zt_peer_best_path). */
	if (x->last_tx <= x->last_rx)
		x->tx_since_rx = now;
	x->last_tx = now;
}

void zt_timers_echo_sent(struct zt_path *x, int64_t now)
{
	/* An ECHO is always answered: count the ones that are not. */
	if (x->last_echo > x->last_rx)
		x->unanswered++;
	x->last_echo = now;
}

void zt_timers_data_sent(struct zt_node *n, int64_t now, struct zt_peer *p,
                         const struct zt_keypair *kp)
{
	/* The initiator rekeys when its keys get old or well used. */
	if (kp == &p->kp_cur && kp->initiator && !p->hs_pending &&
	    (now - kp->born >= ZT_REKEY_AFTER_TIME || kp->send_counter >= ZT_REKEY_AFTER_MESSAGES))
		zt_hs_start(n, now, p);
}

void zt_timers_relayed(struct zt_node *n, int64_t now, struct zt_peer *r)
{
	/* Relaying through a root that has been quiet: ask it something,
	 * so that a dead root is noticed within seconds. */
	if (now - r->last_rx > 5000 && now - r->root->register_sent > 1000)
		zt_send_register(n, now, r);
}

void zt_timers_root_asked(struct zt_peer *r, int64_t now)
{
	/* The first unanswered request is what zt_peer_root_is_up times. */
	if (r->root != NULL &&
	    (r->root->awaiting_since == 0 || r->last_rx >= r->root->awaiting_since))
		r->root->awaiting_since = now;
}

void zt_timers_register_sent(struct zt_peer *r, int64_t now)
{
	if (r->root != NULL)
		r->root->register_sent = now;
	zt_timers_root_asked(r, now);
}

void zt_timers_handshake_started(struct zt_peer *p, int64_t now)
{
	p->hs->started = now;
}

void zt_timers_handshake_initiated(struct zt_peer *p, int64_t now)
{
	p->hs->last_sent = now;
}

void zt_timers_cookie_received(struct zt_peer *p, int64_t now)
{
	/* Retry at the next scan, now with mac2. */
	p->hs->last_sent = now - ZT_REKEY_TIMEOUT + 200;
}

void zt_timers_session_derived(struct zt_keypair *kp, int64_t now)
{
	kp->born = now;
}

void zt_timers_any_authenticated_packet_received(struct zt_peer *p, int64_t now)
{
	p->last_rx = now;
}

void zt_timers_path_heard(struct zt_path *x, int64_t now)
{
	x->last_rx = now;
	x->unanswered = 0;
}

/* ---- decisions: the scan, per peer ---- */

/* Roots: a LATE that is due (the node measures its NAT). */
static void late_due(struct zt_node *n, int64_t now, struct zt_peer *p)
{
	if (n->is_root && p->later_at != 0 && now >= p->later_at) {
		uint8_t late = ZT_MSG_LATE;
		p->later_at = 0;
		(void)zt_send_msg(n, now, p, &late, 1);
	}
}

/* Our initiation went unanswered: again every ZT_REKEY_TIMEOUT, until
 * ZT_REKEY_ATTEMPT_TIME (then what waited for the session is dropped). */
static void handshake_retry(struct zt_node *n, int64_t now, struct zt_peer *p)
{
	if (!p->hs_pending)
		return;
	if (now - p->hs->started >= ZT_REKEY_ATTEMPT_TIME) {
		zt_peer_hs_end(p);
		zt_peer_clear_queue(p);
	} else if (now - p->hs->last_sent >= ZT_REKEY_TIMEOUT) {
		zt_hs_resend(n, now, p);
	}
}

/* Rekey: the initiator after REKEY_AFTER_TIME; the responder a bit later,
 * so that both never start at once but keys never run out. */
static void rekey_due(struct zt_node *n, int64_t now, struct zt_peer *p, bool active)
{
	if (p->kp_cur.valid && !p->hs_pending && (active || p->is_root) && !n->is_root) {
		int64_t age = now - p->kp_cur.born;
		if (age >= ZT_REKEY_AFTER_TIME + (p->kp_cur.initiator ? 0 : 15000))
			zt_hs_start(n, now, p);
	}
}

/* We keep sending but hear nothing: the peer may have restarted and lost
 * the session.  A fresh handshake costs little and heals it. */
static void peer_silent(struct zt_node *n, int64_t now, struct zt_peer *p,
                        const struct zt_keypair *skp, bool active)
{
	if (skp != NULL && !p->is_root && !n->is_root && !p->hs_pending && active &&
	    p->last_tx - p->last_rx >= ZT_PEER_SILENT && now - p->kp_cur.born >= ZT_PEER_SILENT)
		zt_hs_start(n, now, p);
}

/* How often to ECHO on path x: the NAT keepalive while idle, faster while
 * in use, faster still to punch or to find out whether a path went
 * silent. */
static int64_t echo_interval(const struct zt_node *n, int64_t now, const struct zt_path *x,
                             const struct zt_peer_reach *reach, bool active)
{
	int64_t interval = active ? ZT_ECHO_ACTIVE : n->keepalive;
	/* Right after a rendezvous: punch every second, so that one side's
	 * probe finds the other's hole. */
	if (x->last_rx == 0 && now < reach->punch_until)
		interval = ZT_PUNCH_INTERVAL;
	/* A path in use that went quiet: find out fast whether the NAT lost
	 * its mapping. */
	if (active && x->last_rx != 0 && now - x->last_rx >= ZT_PATH_QUIET)
		interval = ZT_PATH_PROBE_INTERVAL;
	return interval;
}

/* Keepalives and probes on the direct paths of a peer in use (or recently,
 * or being punched to), their path MTU, and birthday attempts. */
static void paths_keepalive(struct zt_node *n, int64_t now, struct zt_peer *p,
                            const struct zt_peer_reach *reach, bool active, bool warm)
{
	if (p->is_root || !(active || warm || now < reach->punch_until))
		return;
	for (unsigned i = 0; i < p->npaths; i++) {
		struct zt_path *x = &p->paths[i];
		if (!x->used)
			continue;
		/* (on a path not validated: its challenge, within its credit) */
		if (now - x->last_echo >= echo_interval(n, now, x, reach, active))
			zt_send_echo(n, now, p, x);
		/* Probes are large: only where the peer proved it receives. */
		if (x->validated)
			zt_pmtu_background(n, now, p, x);
	}
	if (now < reach->punch_until)
		zt_nat_maybe_birthday(n, now, p);
}

/* Paths not heard from (candidates never) for ZT_PATH_FORGET go. */
static void paths_forget(struct zt_peer *p, int64_t now)
{
	for (unsigned i = 0; i < p->npaths; i++) {
		struct zt_path *x = &p->paths[i];
		int64_t heard = x->last_rx != 0 ? x->last_rx : x->discovered;
		if (x->used && !p->is_root && now - heard >= ZT_PATH_FORGET)
			memset(x, 0, sizeof *x);
	}
	zt_peer_paths_trim(p);
}

/* Relayed while in use: ask for a rendezvous again (often at first). */
static void rendezvous_retry(struct zt_node *n, int64_t now, struct zt_peer *p,
                             const struct zt_peer_reach *reach, bool active)
{
	if (!n->is_root && !p->is_root && active && zt_peer_best_path(n, p, now) == NULL &&
	    (reach->rendezvous_sent == 0 ||
	     now - reach->rendezvous_sent >= (now - reach->kind_since < ZT_PUNCH_TIME
	                                          ? ZT_RENDEZVOUS_FAST
	                                          : ZT_RENDEZVOUS_RETRY)))
		zt_send_rendezvous_req(n, now, p);
}

static void path_lost(struct zt_node *n, int64_t now, struct zt_peer *p);

static void peer_background(struct zt_node *n, int64_t now, struct zt_peer *p)
{
	bool active = zt_peer_is_active(p, now);
	bool warm = p->last_frame != 0 && now - p->last_frame < ZT_PEER_EXPIRE;
	/* (read once: a reach block allocated meanwhile starts all zero) */
	const struct zt_peer_reach *reach = zt_peer_reach_of(p);
	struct zt_keypair *skp;

	late_due(n, now, p);
	zt_peer_keypairs_expire(p, now);
	zt_peer_hs_expire(p, now);
	handshake_retry(n, now, p);
	if (!p->has_identity && p->qcount > 0 && !n->is_root)
		zt_send_whois(n, now, p);
	rekey_due(n, now, p, active);

	skp = zt_peer_send_keypair(p, now);
	peer_silent(n, now, p, skp, active);
	if (skp != NULL)
		paths_keepalive(n, now, p, reach, active, warm);
	paths_forget(p, now);
	if (skp != NULL)
		rendezvous_retry(n, now, p, reach, active);
	if (!n->is_root) {
		enum zt_path_kind was = p->kind;
		zt_peer_update_kind(n, p, now);
		if (was == ZT_PATH_DIRECT && p->kind == ZT_PATH_RELAY)
			path_lost(n, now, p);
	}
}

/* The direct path died (probes unanswered).  Maybe our own NAT rebound:
 * tell every root where we are now (their relaying needs it, and their
 * answer reflects the new mapping), and ask for a fresh rendezvous. */
static void path_lost(struct zt_node *n, int64_t now, struct zt_peer *p)
{
	n->counters[ZT_CTR_PATH_LOST]++;
	zt_node_log_peer(n, ZT_LOG_INFO, "direct path lost to", p->address);
	for (unsigned i = 0; i < n->roots.count; i++) {
		struct zt_peer *r = n->root_peers[i];
		if (r != NULL && now - r->root->register_sent >= 1000)
			zt_send_register(n, now, r);
	}
	zt_send_rendezvous_req(n, now, p);
}

static bool peer_expired(const struct zt_node *n, const struct zt_peer *p, int64_t now)
{
	int64_t last = p->created;
	if (p->is_root || p->hs_pending || p->qcount > 0)
		return false;
	if (p->last_rx > last)
		last = p->last_rx;
	if (n->is_root)
		return now - last >= ZT_ROOT_PEER_EXPIRE;
	if (p->last_frame > last)
		last = p->last_frame;
	if (p->last_tx > last)
		last = p->last_tx;
	return now - last >= ZT_PEER_EXPIRE;
}

/* When this root was last heard over UDP (0: never). */
static int64_t udp_heard(const struct zt_peer *r)
{
	int64_t t = 0;
	for (unsigned i = 0; i < r->npaths; i++)
		if (r->paths[i].used && !zt_sock_is_tcp(r->paths[i].sock) &&
		    r->paths[i].last_rx > t)
			t = r->paths[i].last_rx;
	return t;
}

static void tcp_drop(struct zt_node *n, struct zt_peer *r)
{
	struct zt_root_link *rl = r->root;
	for (unsigned i = 0; i < r->npaths; i++)
		if (r->paths[i].used && r->paths[i].sock == rl->tcp_sock)
			memset(&r->paths[i], 0, sizeof r->paths[i]);
	if (n->host.tcp_close != NULL)
		n->host.tcp_close(n->host.ctx, rl->tcp_sock);
	/* The shell reports no close we asked for. */
	(void)zt_tcpmap_take(&n->tcpmap, rl->tcp_sock, NULL);
	rl->tcp_sock = -1;
}

/*
 * The TCP fallback (doc/PROTOCOL.md "TCP relay"): a root that has not
 * answered over UDP for ZT_TCP_AFTER while it is down gets a TCP
 * connection to port 443 of its address; while traffic goes over TCP a
 * REGISTER tries UDP every ZT_TCP_UDP_RETRY, and once UDP carries the
 * traffic again the connection is closed after ZT_TCP_LINGER.
 */
static void tcp_background(struct zt_node *n, int64_t now, unsigned i, struct zt_peer *r)
{
	const struct zt_root_def *rd = &n->roots.roots[i];
	struct zt_path *best;
	struct zt_root_link *rl = r->root;
	int64_t heard = udp_heard(r);

	if (n->host.tcp_open == NULL || rd->endpoint_count == 0)
		return;
	if (rl->tcp_sock < 0) {
		struct zt_endpoint ep = rd->endpoints[0];
		int64_t sock;
		if (zt_peer_root_is_up(n, r, now) ||
		    now - (heard ? heard : n->created) < ZT_TCP_AFTER ||
		    (rl->tcp_tried != 0 && now - rl->tcp_tried < ZT_TCP_RETRY))
			return;
		rl->tcp_tried = now;
		ep.port = ZT_TCP_PORT;
		sock = n->host.tcp_open(n->host.ctx, &ep);
		if (sock < 0 || !zt_sock_is_tcp(sock))
			return;
		rl->tcp_sock = sock;
		(void)zt_peer_add_path(n, r, now, sock, &ep);
		zt_node_log_peer(n, ZT_LOG_INFO, "no UDP answer: trying TCP to root", r->address);
		/* Over the new connection at once (a session survives). */
		if (zt_peer_send_keypair(r, now) != NULL)
			zt_send_register(n, now, r);
		return;
	}
	best = zt_peer_best_path(n, r, now);
	if (best != NULL && zt_sock_is_tcp(best->sock)) {
		/* On TCP: does UDP work again? */
		if (now - rl->udp_probe_at >= ZT_TCP_UDP_RETRY &&
		    zt_peer_send_keypair(r, now) != NULL) {
			uint8_t msg[ZT_REGISTER_MAX];
			/* A whole REGISTER (padded): the root may see it come from
			 * an endpoint it must validate first. */
			size_t len = zt_send_register_build(n, now, msg);
			rl->udp_probe_at = now;
			for (unsigned k = 0; k < r->npaths; k++) {
				struct zt_path *x = &r->paths[k];
				if (x->used && !zt_sock_is_tcp(x->sock) &&
				    zt_send_msg_to(n, now, r, x->sock, &x->ep, msg, len) == ZT_OK)
					zt_timers_path_sent(x, now);
			}
		}
		return;
	}
	for (unsigned k = 0; k < r->npaths; k++) {
		struct zt_path *x = &r->paths[k];
		if (x->used && x->sock == rl->tcp_sock && best != NULL &&
		    now - x->last_tx >= ZT_TCP_LINGER && now - heard < ZT_TCP_LINGER) {
			zt_node_log_peer(n, ZT_LOG_INFO, "UDP works again: closing TCP to root",
			                 r->address);
			tcp_drop(n, r);
			return;
		}
	}
}

static void roots_background(struct zt_node *n, int64_t now)
{
	bool online = false;
	uint8_t nat = (uint8_t)zt_node_nat_type(n);
	/* Our NAT type (or LAN addresses) changed: the roots pass it on in
	 * rendezvous, so tell them now rather than at the next REGISTER. */
	bool tell = nat != n->nat_reported || n->locals_changed;

	n->nat_reported = nat;
	n->locals_changed = false;

	for (unsigned i = 0; i < n->roots.count; i++) {
		struct zt_peer *r = n->root_peers[i];
		bool up;
		if (r == NULL)
			continue;
		/* Endpoints from the roots file are always candidates. */
		for (unsigned j = 0; j < n->roots.roots[i].endpoint_count; j++)
			(void)zt_peer_add_candidate(n, r, now, &n->roots.roots[i].endpoints[j]);
		up = zt_peer_root_is_up(n, r, now);
		if (zt_peer_send_keypair(r, now) == NULL) {
			zt_hs_start(n, now, r);
		} else if (!up && !r->hs_pending && r->root->awaiting_since != 0 &&
		           r->last_rx < r->root->awaiting_since &&
		           now - r->root->awaiting_since >= ZT_ROOT_REHANDSHAKE) {
			/* It may have restarted and lost our session. */
			zt_hs_start(n, now, r);
		} else if (zt_nat_probe_silent(n, r)) {
			/* Measuring how long our NAT keeps a silent mapping. */
		} else if (now - r->root->register_sent >=
		               (up ? (n->keepalive < ZT_REGISTER_INTERVAL ? n->keepalive
		                                                          : ZT_REGISTER_INTERVAL)
		                   : ZT_ROOT_RETRY) ||
		           (tell && up)) {
			zt_send_register(n, now, r);
		}
		tcp_background(n, now, i, r);
		online = online || up;
	}
	if (online != n->online) {
		n->online = online;
		zt_node_log(n, online ? ZT_LOG_INFO : ZT_LOG_WARN,
		            online ? "online: a root answers" : "offline: no root answers");
		if (n->host.event != NULL)
			n->host.event(n->host.ctx, online ? ZT_EVENT_ONLINE : ZT_EVENT_OFFLINE,
			              NULL);
	}
}

static void background(struct zt_node *n, int64_t now)
{
	n->last_scan = now;
	if (!n->is_root) {
		roots_background(n, now);
		zt_nat_probe_tick(n, now);
	}
	for (size_t b = 0; b < n->bucket_count; b++) {
		struct zt_peer *p = n->buckets[b], *next;
		for (; p != NULL; p = next) {
			next = p->hnext;
			if (peer_expired(n, p, now)) {
				zt_peer_free(n, p);
				continue;
			}
			peer_background(n, now, p);
		}
	}
	zt_frag_expire(&n->frag, now);
	if (n->is_root) {
		zt_relay_background(n, now);
	} else {
		zt_switch_background(n, now);
		zt_nat_background(n, now);
	}
}

void zt_timers_deadline(const struct zt_node *n, int64_t *next_deadline)
{
	if (next_deadline != NULL)
		*next_deadline = n->last_scan + (n->is_root ? 2 * SCAN_INTERVAL : SCAN_INTERVAL);
}

void zt_timers_tick(struct zt_node *n, int64_t now)
{
	if (now - n->last_scan >= (n->is_root ? 2 * SCAN_INTERVAL : SCAN_INTERVAL)) {
		/* Timers may wipe keys and free peers that deferred packets
		 * still use: those go out first. */
		zt_batch_flush(n, now);
		background(n, now);
	}
}

void zt_timers_expedite(struct zt_node *n, int64_t now)
{
	n->last_scan = now - SCAN_INTERVAL * 4;
}
