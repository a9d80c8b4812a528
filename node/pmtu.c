/* SPDX-License-Identifier: MIT */
/*
 * pmtu.c - path MTU probing, per direct path (doc/PROTOCOL.md "Path MTU").
 *
 * Every direct path starts at ZT_PMTU_MIN, a datagram size that crosses
 * any path that carries IPv6 (1280 minus headers), so nothing is ever
 * black-holed while we learn.  As soon as the path answers, we probe
 * upwards: a PMTU_PROBE padded to exactly the size under test, which the
 * peer acknowledges with a small PMTU_ACK the way it came.  The first probe
 * tries the largest size (the common case: one round trip), then a binary
 * search between the largest size acknowledged and the smallest that got
 * no answer (ZT_PMTU_TRIES probes of ZT_PMTU_TIMEOUT each) ends within
 * ZT_PMTU_STEP bytes.  Packets larger than the path's size are cut into
 * FRAG datagrams of that size (send.c), so the network never has to
 * fragment: the shell sends with DF set (IP_PMTUDISC_PROBE) and ICMP is
 * not needed.
 *
 * Re-probing: while the peer is in use the current size is confirmed every
 * ZT_PMTU_CONFIRM; if the confirmation goes unanswered the path falls back
 * to ZT_PMTU_MIN and searches again (a route change shrank it).  Every
 * ZT_PMTU_REPROBE the search restarts from the current size upwards (a
 * route change grew it).
 */
#include <string.h>

#include "host.h"
#include "node.h"
#include "peer.h"
#include "pmtu.h"
#include "send.h"
#include "util.h"
#include "wire.h"

size_t zt_pmtu_of(const struct zt_path *x)
{
	return x != NULL && x->pmtu >= ZT_PMTU_MIN ? x->pmtu : ZT_PMTU_MIN;
}

static void send_probe(struct zt_node *n, int64_t now, struct zt_peer *p, struct zt_path *x,
                       unsigned size)
{
	uint8_t msg[ZT_UDP_MAX];
	size_t mlen = size - ZT_DATA_OVERHEAD; /* the datagram is exactly `size` */
	uint32_t id;

	zt_host_random(n, &id, sizeof id);
	memset(msg, 0, mlen);
	msg[0] = ZT_MSG_PMTU_PROBE;
	zt_put_u32(msg + 1, id);
	zt_put_u16(msg + 5, (uint16_t)size);
	x->probe_id = id;
	x->probe_size = (uint16_t)size;
	x->probe_sent = now;
	n->counters[ZT_CTR_PMTU_PROBES]++;
	(void)zt_send_msg_to(n, now, p, x->sock, &x->ep, msg, mlen);
}

/* The next size to try, or 0 when the search is over. */
static unsigned next_size(const struct zt_path *x)
{
	unsigned lo = x->pmtu_lo, hi = x->pmtu_hi;
	if (hi <= lo + ZT_PMTU_STEP)
		return 0;
	if (hi == ZT_UDP_MAX + 1)
		return ZT_UDP_MAX; /* optimistic first try */
	return (lo + hi) / 2;
}

static void start_search(struct zt_path *x, unsigned lo, int64_t now)
{
	x->pmtu_lo = (uint16_t)lo;
	x->pmtu_hi = ZT_UDP_MAX + 1;
	x->probe_size = 0;
	x->probe_tries = 0;
	x->pmtu_searched = now;
}

void zt_pmtu_background(struct zt_node *n, int64_t now, struct zt_peer *p, struct zt_path *x)
{
	unsigned size;

	if (x->last_rx == 0)
		return; /* not confirmed yet: probes would only be lost */
	if (x->pmtu_lo == 0)
		start_search(x, ZT_PMTU_MIN, now);
	if (x->probe_size != 0) {
		if (now - x->probe_sent < ZT_PMTU_TIMEOUT)
			return;
		if (++x->probe_tries < ZT_PMTU_TRIES) {
			send_probe(n, now, p, x, x->probe_size);
			return;
		}
		/* No answer: too big.  A failed confirmation of the size in
		 * use means the path shrank: back to the floor. */
		if (x->probe_size <= x->pmtu) {
			x->pmtu = ZT_PMTU_MIN;
			start_search(x, ZT_PMTU_MIN, now);
			x->pmtu_hi = ZT_UDP_MAX + 1;
		} else {
			x->pmtu_hi = x->probe_size;
		}
		x->probe_size = 0;
		x->probe_tries = 0;
	}
	size = next_size(x);
	if (size != 0) {
		send_probe(n, now, p, x, size);
		return;
	}
	if (now - x->pmtu_searched >= ZT_PMTU_REPROBE) {
		start_search(x, zt_pmtu_of(x), now);
		return;
	}
	if (x->pmtu > ZT_PMTU_MIN && now - x->pmtu_confirmed >= ZT_PMTU_CONFIRM &&
	    now - p->last_frame < ZT_PEER_ACTIVE) {
		x->pmtu_confirmed = now;
		send_probe(n, now, p, x, x->pmtu);
	}
}

void zt_pmtu_handle(struct zt_node *n, int64_t now, struct zt_peer *p, int64_t sock,
                    const struct zt_endpoint *from, unsigned hops, const uint8_t *msg, size_t len)
{
	if (msg[0] == ZT_MSG_PMTU_PROBE) {
		uint8_t ack[7];
		/* The size claimed must be the size that arrived. */
		if (len < 7 || zt_get_u16(msg + 5) != len + ZT_DATA_OVERHEAD) {
			n->counters[ZT_CTR_RX_MALFORMED]++;
			return;
		}
		if (hops != 0)
			return; /* probes measure direct paths only */
		memcpy(ack, msg, 7);
		ack[0] = ZT_MSG_PMTU_ACK;
		(void)zt_send_msg_to(n, now, p, sock, from, ack, sizeof ack);
		return;
	}
	if (len != 7) {
		n->counters[ZT_CTR_RX_MALFORMED]++;
		return;
	}
	for (unsigned i = 0; i < p->npaths; i++) {
		struct zt_path *x = &p->paths[i];
		unsigned size = zt_get_u16(msg + 5);
		if (!x->used || x->probe_size == 0 || x->probe_id != zt_get_u32(msg + 1) ||
		    size != x->probe_size)
			continue;
		(void)sock;
		(void)from;
		if (size > x->pmtu_lo)
			x->pmtu_lo = (uint16_t)size;
		if (size > zt_pmtu_of(x) || size == x->pmtu) {
			if (size != x->pmtu)
				x->pmtu_confirmed = now;
			x->pmtu = (uint16_t)size;
		}
		x->probe_size = 0;
		x->probe_tries = 0;
		return;
	}
}
