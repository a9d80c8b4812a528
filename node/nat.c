/* SPDX-License-Identifier: MIT */
/*
 * nat.c - what this node knows about its NAT, and birthday probing.
 *
 * Classification: every root reflects the endpoint it sees us at
 * (REGISTER_OK).  The same endpoint from two roots means the NAT maps
 * independently of the destination ("cone": a hole punched towards one
 * peer is the endpoint every other peer sees); different ports mean a
 * symmetric NAT; a reflection equal to one of our own addresses means no
 * NAT at all.
 *
 * Birthday probing (symmetric <-> port-restricted cone, where ordinary
 * punching cannot work: the symmetric side's port towards the peer is
 * unknown, and the cone side only lets in what it has sent to): the hard
 * (symmetric) side opens ZT_BIRTHDAY_SOCKETS extra sockets through the
 * shell and sends an ECHO from each to the peer's public endpoint, which
 * opens as many mappings, each with its own random port.  The easy side
 * sends ECHOs to ports of the hard side's public address: first the few
 * after the port its roots see (sequential NATs), then random ones.  With
 * 256 mappings among ~64512 ports, 2048 probes hit one with probability
 * 1 - (1 - 256/64512)^2048 > 99.9%.  The probe that lands opens the cone
 * side's filter for that port (the probe went out through it) and reaches
 * the hard side's socket, whose ECHO_REPLY makes the path on both sides.
 *
 * The first socket the peer is heard on wins; from then on the others
 * hear nothing (zt_nat_sock_deaf) and are closed at the next tick, so the
 * peer proves exactly one of our mappings.  The winner stays open while a
 * path of ours uses it or the peer is still heard on it: our path to the
 * peer's endpoint is keyed by that endpoint alone, and moves to whichever
 * of our sockets last heard it, so when ordinary punching gets through
 * too (the peer's router opened a UPnP or NAT-PMP port meanwhile) it may
 * move to our main socket while the peer keeps sending to the winner's
 * mapping.  The peer never chooses a mapping whose socket is gone.
 *
 * Nobody can aim it elsewhere: the easy side sprays only the address a
 * root observed for a peer it introduced as symmetric, within that
 * introduction's punch window; the hard side sends only to the endpoint a
 * root observed.  Bounded: one hard attempt at a time per node, at most
 * ZT_BIRTHDAY_SPRAYS easy ones, ZT_BIRTHDAY_PROBES probes and
 * ZT_BIRTHDAY_TIME ms each, one attempt per peer per ZT_BIRTHDAY_RETRY,
 * and every probe to an endpoint not yet proven to receive (punching
 * too) takes a token of the node's punch budget (ZT_PUNCH_RATE per
 * second, ZT_PUNCH_BURST at once).
 */
#include <string.h>

#include "host.h"
#include "nat.h"
#include "node.h"
#include "peer.h"
#include "send.h"
#include "util.h"
#include "wire.h"

const char *zt_nat_type_name(enum zt_nat_type t)
{
	switch (t) {
	case ZT_NAT_NONE: return "NONE";
	case ZT_NAT_CONE: return "CONE";
	case ZT_NAT_SYMMETRIC: return "SYMMETRIC";
	case ZT_NAT_UNKNOWN: break;
	}
	return "UNKNOWN";
}

static bool ip_eq(const struct zt_endpoint *a, const struct zt_endpoint *b)
{
	return a->family == b->family && memcmp(a->ip, b->ip, a->family == 6 ? 16 : 4) == 0;
}

enum zt_nat_type zt_node_nat_type(const struct zt_node *n)
{
	const struct zt_endpoint *first = NULL;
	unsigned seen = 0;
	bool differ = false;

	/* IPv4 only: that is where NATs are. */
	for (unsigned i = 0; i < n->roots.count; i++) {
		const struct zt_peer *r = n->root_peers[i];
		if (r == NULL || r->root->reflected.family != 4)
			continue;
		for (unsigned j = 0; j < n->nlocals; j++)
			if (ip_eq(&n->locals[j], &r->root->reflected))
				return ZT_NAT_NONE;
		if (first == NULL)
			first = &r->root->reflected;
		else if (!zt_endpoint_eq(first, &r->root->reflected))
			differ = true;
		seen++;
	}
	if (seen < 2)
		return ZT_NAT_UNKNOWN;
	return differ ? ZT_NAT_SYMMETRIC : ZT_NAT_CONE;
}

unsigned zt_nat_punch_take(struct zt_node *n, int64_t now, unsigned want)
{
	struct zt_punch *b = &n->punch;

	if (b->refilled == 0) {
		b->refilled = now;
		b->tokens = ZT_PUNCH_BURST;
	} else if (now > b->refilled) {
		int64_t add = (now - b->refilled) * ZT_PUNCH_RATE / 1000;
		if (add > 0) {
			b->tokens = add >= ZT_PUNCH_BURST - b->tokens ? ZT_PUNCH_BURST
			                                              : b->tokens + (uint32_t)add;
			b->refilled += add * 1000 / ZT_PUNCH_RATE;
		}
	}
	if (want > b->tokens)
		want = b->tokens;
	b->tokens -= want;
	return want;
}

static void close_sock(struct zt_node *n, int64_t sock)
{
	zt_host_socket_close(n, sock);
}

/* A path of p on `sock` is in use: validated (proven both ways), or heard
 * lately (while it proves itself, or after a few lost probes). */
static bool peer_uses_sock(const struct zt_peer *p, int64_t sock, int64_t now)
{
	for (unsigned i = 0; i < p->npaths; i++) {
		const struct zt_path *x = &p->paths[i];
		if (x->used && x->sock == sock && x->last_rx != 0 &&
		    (x->validated || now - x->last_rx < ZT_PATH_ALIVE_IDLE))
			return true;
	}
	return false;
}

static void log_attempt(struct zt_node *n, uint64_t peer, const char *what)
{
	char buf[128];
	struct zt_strbuf sb = {buf, sizeof buf, 0};
	zt_strbuf_put(&sb, "birthday probing with ");
	zt_strbuf_hex(&sb, peer, 10);
	zt_strbuf_put(&sb, what);
	zt_host_log(n, ZT_LOG_INFO, buf);
}

/* The attempt ends: the winning socket stays (it carries the path; room
 * for it was checked before the attempt began; the peer was just heard on
 * it), every other one closes. */
static void burst_end(struct zt_node *n, int64_t now, const char *why)
{
	struct zt_burst *b = &n->burst;
	struct zt_peer *p = zt_peer_find(n, b->peer);

	for (unsigned i = 0; i < b->nsocks; i++) {
		bool keep = p != NULL &&
		            ((b->won && i == b->winner) || peer_uses_sock(p, b->socks[i], now));
		if (keep && n->nkept < ZT_KEPT_SOCKETS) {
			n->kept[n->nkept] = b->socks[i];
			n->kept_peer[n->nkept] = b->peer;
			n->kept_heard[n->nkept] = now;
			n->nkept++;
		} else {
			close_sock(n, b->socks[i]);
		}
	}
	log_attempt(n, b->peer, why);
	memset(b, 0, sizeof *b);
}

static uint16_t random_port(struct zt_node *n)
{
	uint8_t r[2];
	zt_host_random(n, r, sizeof r);
	return (uint16_t)(1024 + ((unsigned)r[0] << 8 | r[1]) % (65536 - 1024));
}

/* Hard side: one ECHO from every socket, every 2 s, so that a lost probe
 * does not lose its mapping and the mappings outlive the peer's spray. */
static void burst_round(struct zt_node *n, int64_t now, struct zt_peer *p)
{
	struct zt_burst *b = &n->burst;
	unsigned allowed;

	if (b->last_round != 0 && now - b->last_round < 2000)
		return;
	b->last_round = now;
	allowed = zt_nat_punch_take(n, now, b->nsocks);
	for (unsigned i = 0; i < allowed; i++)
		zt_send_echo_to(n, now, p, b->socks[i], &b->target);
	n->counters[ZT_CTR_PUNCH_PROBES] += allowed;
}

/* Easy side: the ports after the one the roots see first (sequential
 * NATs), then random ones; ZT_BIRTHDAY_PER_TICK per background tick. */
static void spray_round(struct zt_node *n, int64_t now, struct zt_spray *s, struct zt_peer *p)
{
	int64_t sock = zt_node_pick_socket(n, 4);
	unsigned want = ZT_BIRTHDAY_PROBES - s->sent;
	if (want > ZT_BIRTHDAY_PER_TICK)
		want = ZT_BIRTHDAY_PER_TICK;
	want = zt_nat_punch_take(n, now, want);
	for (unsigned k = 0; k < want; k++) {
		struct zt_endpoint to = s->target;
		if (s->sent < ZT_BIRTHDAY_PREDICT && s->target.port != 0 &&
		    s->target.port + 1u + s->sent <= 65535u)
			to.port = (uint16_t)(s->target.port + 1 + s->sent);
		else
			to.port = random_port(n);
		zt_send_echo_to(n, now, p, sock, &to);
		s->sent++;
		n->counters[ZT_CTR_PUNCH_PROBES]++;
	}
}

void zt_nat_sock_heard(struct zt_node *n, int64_t now, int64_t sock, const struct zt_peer *p)
{
	struct zt_burst *b = &n->burst;

	for (unsigned i = 0; i < n->nkept; i++)
		if (n->kept[i] == sock && n->kept_peer[i] == p->address)
			n->kept_heard[i] = now;
	if (!b->active || b->won || p->address != b->peer)
		return;
	for (unsigned i = 0; i < b->nsocks; i++) {
		if (b->socks[i] == sock) {
			b->won = true;
			b->winner = i;
			return;
		}
	}
}

bool zt_nat_sock_deaf(const struct zt_node *n, int64_t sock)
{
	const struct zt_burst *b = &n->burst;
	if (!b->active || !b->won || b->socks[b->winner] == sock)
		return false;
	for (unsigned i = 0; i < b->nsocks; i++)
		if (b->socks[i] == sock)
			return true;
	return false;
}

void zt_nat_maybe_birthday(struct zt_node *n, int64_t now, struct zt_peer *p)
{
	struct zt_burst *b = &n->burst;
	struct zt_peer_reach *rc = p->reach;
	struct zt_endpoint me_ep;
	uint8_t msg[1 + 19];
	size_t len;

	/* Only the hard side starts (and tells the easy side when), and only
	 * with room to keep the socket it may win. */
	if (n->is_root || p->is_root || b->active || rc == NULL || rc->pub.family != 4 ||
	    !zt_host_can_open_sockets(n) || n->nkept >= ZT_KEPT_SOCKETS || now >= rc->punch_until)
		return;
	if (rc->birthday_at != 0 && now - rc->birthday_at < ZT_BIRTHDAY_RETRY)
		return;
	/* Ordinary punching first: towards a full or restricted cone it works
	 * within a round trip, and it costs no sockets. */
	if (now - rc->punch_since < ZT_BIRTHDAY_AFTER)
		return;
	if (zt_peer_send_keypair(p, now) == NULL || zt_peer_best_path(n, p, now) != NULL)
		return;
	/* Symmetric towards port-restricted cone: ordinary punching cannot
	 * work (towards no NAT or a full cone it does; symmetric on both
	 * sides stays relayed). */
	if (zt_node_nat_type(n) != ZT_NAT_SYMMETRIC || p->nat_type != ZT_NAT_CONE)
		return;
	if (zt_node_reflected(n, &me_ep, 1) == 0 || me_ep.family != 4)
		return;
	rc->birthday_at = now;
	memset(b, 0, sizeof *b);
	b->peer = p->address;
	b->started = now;
	b->target = rc->pub;
	b->nsocks = zt_host_sockets_open(n, 4, ZT_BIRTHDAY_SOCKETS, b->socks);
	if (b->nsocks == 0)
		return;
	b->active = true;
	log_attempt(n, p->address, " (we are the symmetric side)");
	burst_round(n, now, p);
	/* The mappings exist now: let the peer spray. */
	msg[0] = ZT_MSG_BIRTHDAY;
	len = 1 + zt_endpoint_encode(&me_ep, msg + 1);
	(void)zt_send_msg(n, now, p, msg, len);
}

void zt_nat_birthday_msg(struct zt_node *n, int64_t now, struct zt_peer *p, const uint8_t *msg,
                         size_t len)
{
	struct zt_endpoint ep;
	struct zt_spray *s = NULL;
	struct zt_peer_reach *rc = p->reach;

	if (len < 2 || zt_endpoint_decode(&ep, msg + 1, len - 1) == 0 || ep.family != 4) {
		n->counters[ZT_CTR_RX_MALFORMED]++;
		return;
	}
	if (n->is_root || zt_node_nat_type(n) == ZT_NAT_SYMMETRIC ||
	    zt_peer_best_path(n, p, now) != NULL)
		return;
	/* Only for a peer a root has just introduced (its punch window is
	 * open) as symmetric, and only at the address that root saw it at:
	 * a BIRTHDAY cannot aim our probes at anyone else. */
	if (rc == NULL || now >= rc->punch_until || p->nat_type != ZT_NAT_SYMMETRIC ||
	    !ip_eq(&ep, &rc->pub))
		return;
	if (rc->birthday_at != 0 && now - rc->birthday_at < ZT_BIRTHDAY_RETRY)
		return;
	for (unsigned i = 0; i < ZT_BIRTHDAY_SPRAYS; i++) {
		struct zt_spray *x = &n->sprays[i];
		if (x->active && x->peer == p->address)
			return; /* already spraying for this one */
		if (!x->active && s == NULL)
			s = x;
	}
	if (s == NULL)
		return; /* bounded: the peer retries later */
	rc->birthday_at = now;
	memset(s, 0, sizeof *s);
	s->active = true;
	s->peer = p->address;
	s->started = now;
	s->target = ep;
	log_attempt(n, p->address, " (we are the cone side)");
	spray_round(n, now, s, p);
}

void zt_nat_background(struct zt_node *n, int64_t now)
{
	struct zt_burst *b = &n->burst;

	if (b->active) {
		struct zt_peer *p = zt_peer_find(n, b->peer);
		if (p == NULL)
			burst_end(n, now, ": peer gone");
		else if (b->won)
			burst_end(n, now, ": the peer got through");
		else if (zt_peer_best_path(n, p, now) != NULL)
			burst_end(n, now, ": direct path found");
		else if (now - b->started >= ZT_BIRTHDAY_TIME)
			burst_end(n, now, ": no hit, staying relayed");
		else
			burst_round(n, now, p);
	}
	for (unsigned i = 0; i < ZT_BIRTHDAY_SPRAYS; i++) {
		struct zt_spray *s = &n->sprays[i];
		struct zt_peer *p;
		if (!s->active)
			continue;
		p = zt_peer_find(n, s->peer);
		if (p == NULL || zt_peer_best_path(n, p, now) != NULL ||
		    now - s->started >= ZT_BIRTHDAY_TIME || s->sent >= ZT_BIRTHDAY_PROBES)
			memset(s, 0, sizeof *s);
		else
			spray_round(n, now, s, p);
	}
	/* A kept socket goes once no path of its peer uses it and the peer
	 * has not been heard on it for a while (it may still send to that
	 * mapping: our path may have moved to another socket). */
	for (unsigned i = 0; i < n->nkept;) {
		struct zt_peer *p = zt_peer_find(n, n->kept_peer[i]);
		if (p != NULL && (peer_uses_sock(p, n->kept[i], now) ||
		                  now - n->kept_heard[i] < ZT_KEPT_HEARD)) {
			i++;
			continue;
		}
		log_attempt(n, n->kept_peer[i], ": its socket closes (the peer no longer uses it)");
		close_sock(n, n->kept[i]);
		n->nkept--;
		n->kept[i] = n->kept[n->nkept];
		n->kept_peer[i] = n->kept_peer[n->nkept];
		n->kept_heard[i] = n->kept_heard[n->nkept];
	}
}

void zt_nat_cleanup(struct zt_node *n)
{
	for (unsigned i = 0; i < n->burst.nsocks; i++)
		close_sock(n, n->burst.socks[i]);
	for (unsigned i = 0; i < n->nkept; i++)
		close_sock(n, n->kept[i]);
	memset(&n->burst, 0, sizeof n->burst);
	memset(n->sprays, 0, sizeof n->sprays);
	n->nkept = 0;
	memset(&n->punch, 0, sizeof n->punch);
}

/*
 * Mapping timeout probe.  A NAT forgets an idle UDP mapping after its
 * timeout (30 s to minutes at home, 10 s on some carriers); our idle
 * keepalives (ZT_ECHO_IDLE, REGISTER) must come sooner.  To measure it we
 * ask a root that is not the one we relay through for LATE after
 * keepalive - 1 s, and send that root nothing meanwhile: LATE arrives only
 * if our NAT kept the mapping that long.  Lost: keepalive becomes half the
 * delay (not below ZT_KEEPALIVE_MIN) and the next probe comes soon; passed:
 * the next probe in ZT_NAT_PROBE_EVERY.
 */
void zt_nat_probe_tick(struct zt_node *n, int64_t now)
{
	struct zt_peer *best, *r = NULL;
	uint8_t msg[3];

	if (n->probe_root != 0) {
		struct zt_peer *pr = zt_peer_find(n, n->probe_root);
		if (now - n->probe_sent < n->probe_delay + ZT_NAT_PROBE_GRACE)
			return;
		/* LATE never came: the mapping died within the delay. */
		n->keepalive =
		    n->probe_delay / 2 < ZT_KEEPALIVE_MIN ? ZT_KEEPALIVE_MIN : n->probe_delay / 2;
		n->probe_root = 0;
		n->probe_next = now + ZT_NAT_PROBE_AGAIN;
		if (zt_host_can_log(n)) {
			char buf[128];
			struct zt_strbuf sb = {buf, sizeof buf, 0};
			zt_strbuf_put(&sb, "our NAT dropped an idle mapping within ");
			zt_strbuf_dec(&sb, n->probe_delay / 1000);
			zt_strbuf_put(&sb, " s: keepalive every ");
			zt_strbuf_dec(&sb, n->keepalive / 1000);
			zt_strbuf_put(&sb, " s");
			zt_host_log(n, ZT_LOG_INFO, buf);
		}
		(void)pr;
		return;
	}
	if (n->probe_next == 0)
		n->probe_next = n->created + ZT_NAT_PROBE_FIRST;
	if (now < n->probe_next || n->keepalive <= ZT_KEEPALIVE_MIN ||
	    zt_node_nat_type(n) == ZT_NAT_NONE)
		return;
	/* A root that is up, and not the one relaying for us. */
	best = zt_peer_best_root(n, now);
	for (unsigned i = 0; i < n->roots.count && r == NULL; i++) {
		struct zt_peer *x = n->root_peers[i];
		if (x != NULL && x != best && zt_peer_root_is_up(n, x, now))
			r = x;
	}
	if (r == NULL)
		return;
	n->probe_root = r->address;
	n->probe_sent = now;
	n->probe_delay = n->keepalive - 1000;
	msg[0] = ZT_MSG_LATER;
	zt_put_u16(msg + 1, (uint16_t)(n->probe_delay / 1000));
	(void)zt_send_msg(n, now, r, msg, sizeof msg);
}

bool zt_nat_probe_silent(const struct zt_node *n, const struct zt_peer *r)
{
	return n->probe_root != 0 && n->probe_root == r->address;
}

void zt_nat_late(struct zt_node *n, int64_t now, struct zt_peer *r)
{
	if (n->probe_root != r->address)
		return;
	n->probe_root = 0;
	n->probe_next = now + ZT_NAT_PROBE_EVERY;
}
