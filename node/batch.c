/* SPDX-License-Identifier: MIT */
/*
 * batch.c - parallel crypto through zt_host.crypto_run (see zt.h).
 *
 * The core stays single-threaded: it decides everything, fills a list of
 * AEAD jobs, calls crypto_run once per list (the shell may spread the jobs
 * over threads) and, when that returns, finishes the jobs in their order.
 *
 *   sending (between zt_node_frames_begin and _end): zt_send_msg takes
 *   the counter and writes the header at once (so counters follow the
 *   order of the frames), copies the message into a job and defers the
 *   encryption; zt_batch_flush runs the list and transmits in order.
 *   receiving (zt_node_process_wire_batch): a run of DATA packets for us
 *   becomes a list of open jobs (key looked up and replay window checked
 *   first); each is then finished in order: window moved, keys promoted,
 *   path learnt, message handled.  Any other packet ends the run and is
 *   handled on its own after it, so nothing is reordered.
 *
 * Keys and peers the jobs borrow cannot go away meanwhile: only timers,
 * handshakes and set_roots wipe keys or free peers, and each of those
 * flushes first (zt_timers_tick, zt_node_process_wire, zt_node_set_roots).
 */
#include <string.h>

#include "batch.h"
#include "host.h"
#include "identity.h"
#include "mem.h"
#include "node.h"
#include "peer.h"
#include "recv.h"
#include "send.h"
#include "session.h"
#include "util.h"
#include "wire.h"

#define JOB_BUF (ZT_UDP_MAX + 64)

struct zt_job_meta {
	struct zt_peer *p;
	size_t plen;  /* sealed packet length */
	int64_t sock; /* receive: where it came from */
	struct zt_endpoint from;
	struct zt_hdr h;
	uint32_t idx; /* receive: the keypair's local index */
};

struct zt_jobs {
	size_t count;
	struct zt_crypto_job job[ZT_JOB_MAX];
	struct zt_job_meta meta[ZT_JOB_MAX];
	uint8_t out[ZT_JOB_MAX][JOB_BUF];   /* sealed packet / opened message */
	uint8_t plain[ZT_JOB_MAX][JOB_BUF]; /* message to seal */
};

static struct zt_jobs *jobs_of(struct zt_node *n)
{
	if (n->jobs == NULL)
		n->jobs = zt_mem_calloc(&n->mem, 1, sizeof *n->jobs);
	return n->jobs;
}

void zt_batch_free(struct zt_node *n)
{
	if (n->jobs != NULL) {
		sodium_memzero(n->jobs, sizeof *n->jobs);
		zt_mem_free(&n->mem, n->jobs);
		n->jobs = NULL;
	}
}

bool zt_batch_seal(struct zt_node *n, int64_t now, struct zt_peer *p, struct zt_keypair *kp,
                   const uint8_t *msg, size_t len)
{
	struct zt_jobs *b;
	size_t i;

	if (len + ZT_DATA_OVERHEAD > ZT_UDP_MAX)
		return false; /* fragmented: not worth a job */
	b = jobs_of(n);
	if (b == NULL)
		return false;
	if (b->count == ZT_JOB_MAX)
		zt_batch_flush(n, now);
	i = b->count++;
	b->meta[i].p = p;
	b->meta[i].plen = zt_session_seal_job(kp, p->address, n->id.address, msg, len, b->plain[i],
	                                      b->out[i], &b->job[i]);
	return true;
}

void zt_batch_flush(struct zt_node *n, int64_t now)
{
	struct zt_jobs *b = n->jobs;
	size_t count;
	bool deferring;

	if (b == NULL || b->count == 0)
		return;
	count = b->count;
	b->count = 0;
	zt_host_crypto_run(n, b->job, count);
	/* What transmitting itself sends (a REGISTER to a quiet root) goes
	 * out at once: the list is being read. */
	deferring = n->deferring;
	n->deferring = false;
	for (size_t i = 0; i < count; i++)
		zt_send_packet(n, now, b->meta[i].p, b->out[i], b->meta[i].plen);
	n->deferring = deferring;
}

/* Finish the open jobs in order. */
static void finish_opens(struct zt_node *n, int64_t now, struct zt_jobs *b, size_t count)
{
	if (count == 0)
		return;
	zt_host_crypto_run(n, b->job, count);
	for (size_t i = 0; i < count; i++) {
		struct zt_job_meta *m = &b->meta[i];
		struct zt_peer *p = m->p;
		struct zt_keypair *kp = NULL;
		int r;

		/* Look the keypair up again: an earlier packet of this list
		 * may have promoted it from next to current. */
		kp = zt_peer_keypair_by_index(p, m->idx);
		if (kp == NULL) {
			n->counters[ZT_CTR_RX_NO_SESSION]++;
			continue;
		}
		r = zt_session_open_finish(kp, &b->job[i]);
		if (r == ZT_EINVAL) {
			n->counters[ZT_CTR_RX_REPLAY]++;
			continue;
		}
		if (r != ZT_OK) {
			n->counters[ZT_CTR_RX_AUTH_FAIL]++;
			continue;
		}
		zt_recv_data_deliver(n, now, p, kp, m->sock, &m->from, &m->h, b->out[i],
		                     b->job[i].out_len);
	}
}

void zt_batch_process_wire(struct zt_node *n, int64_t now, const struct zt_wire_pkt *pkts,
                           size_t count)
{
	struct zt_jobs *b = jobs_of(n);
	size_t nj = 0;

	for (size_t i = 0; i < count; i++) {
		const uint8_t *pkt = pkts[i].data;
		size_t len = pkts[i].len;
		struct zt_hdr h;
		struct zt_peer *p;
		struct zt_keypair *kp;

		n->counters[ZT_CTR_RX_PACKETS]++;
		/* Only DATA for us becomes a job; anything else (handshakes,
		 * fragments, packets a root relays, junk) ends the list and
		 * goes the usual way, after it. */
		if (b == NULL || len > JOB_BUF || !zt_wire_hdr_decode(&h, pkt, len) ||
		    h.type != ZT_PT_DATA || h.dst != n->id.address || h.src == n->id.address ||
		    !zt_identity_address_valid(h.src)) {
			finish_opens(n, now, b, nj);
			nj = 0;
			zt_recv_wire_one(n, now, pkts[i].sock, &pkts[i].from, pkt, len);
			continue;
		}
		kp = zt_recv_data_keypair(n, now, &h, pkt, len, &p);
		if (kp == NULL)
			continue; /* counted */
		if (zt_session_open_job(kp, pkt, len, b->out[nj], &b->job[nj]) != ZT_OK) {
			n->counters[ZT_CTR_RX_REPLAY]++;
			continue;
		}
		b->meta[nj].p = p;
		b->meta[nj].sock = pkts[i].sock;
		b->meta[nj].from = pkts[i].from;
		b->meta[nj].h = h;
		b->meta[nj].idx = zt_get_u32(pkt + ZT_HDR_LEN);
		if (++nj == ZT_JOB_MAX) {
			finish_opens(n, now, b, nj);
			nj = 0;
		}
	}
	finish_opens(n, now, b, nj);
}
