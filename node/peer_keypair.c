/* SPDX-License-Identifier: MIT */
/*
 * peer_keypair.c - a peer's keypairs (current, previous, next): installing
 * and promoting them at a rekey, choosing the one to send with, and wiping
 * them when they expire (doc/PROTOCOL.md §4 "Keypairs and their life").
 *
 * Only the current keypair lives inside struct zt_peer; previous and next
 * are allocated around a rekey and freed (wiped first) as soon as they are
 * no longer needed, so a root holding a million idle peers pays for one.
 */
#include <sodium.h>
#include <string.h>

#include "mem.h"
#include "peer.h"
#include "session.h"
#include "wire.h"

static bool kp_usable(const struct zt_keypair *kp, int64_t now)
{
	return kp->valid && (kp->initiator || kp->confirmed) &&
	       now - kp->born < ZT_REJECT_AFTER_TIME && kp->send_counter < ZT_REJECT_AFTER_MESSAGES;
}

/* Wipe and free an allocated keypair. */
static void kp_free(const struct zt_mem *mem, struct zt_keypair **kp)
{
	if (*kp == NULL)
		return;
	zt_session_wipe(mem, *kp);
	zt_mem_free(mem, *kp);
	*kp = NULL;
}

struct zt_keypair *zt_peer_keypair_by_index(struct zt_peer *p, uint32_t idx)
{
	if (p->kp_cur.valid && p->kp_cur.local_index == idx)
		return &p->kp_cur;
	if (p->kp_next != NULL && p->kp_next->valid && p->kp_next->local_index == idx)
		return p->kp_next;
	if (p->kp_prev != NULL && p->kp_prev->valid && p->kp_prev->local_index == idx)
		return p->kp_prev;
	return NULL;
}

struct zt_keypair *zt_peer_keypair_next(struct zt_peer *p)
{
	if (p->kp_next == NULL) {
		/* calloc: a blank keypair; the AES state, if any, is separate
		 * and gets its own (aligned) allocation. */
		p->kp_next = zt_mem_calloc(p->mem, 1, sizeof *p->kp_next);
		return p->kp_next;
	}
	zt_session_wipe(p->mem, p->kp_next);
	return p->kp_next;
}

void zt_peer_keypair_promote(struct zt_peer *p)
{
	struct zt_keypair *blk = p->kp_next, tmp;

	if (blk == NULL)
		return;
	/* The blocks swap: next's block takes the old current and becomes
	 * previous, so promoting allocates nothing. */
	tmp = p->kp_cur;
	p->kp_cur = *blk;
	*blk = tmp;
	sodium_memzero(&tmp, sizeof tmp);
	p->kp_cur.confirmed = true;
	p->kp_next = NULL;
	kp_free(p->mem, &p->kp_prev);
	if (blk->valid) {
		p->kp_prev = blk;
	} else {
		zt_mem_free(p->mem, blk); /* all zero: nothing to wipe */
	}
}

bool zt_peer_keypair_install(struct zt_peer *p, struct zt_keypair *kp)
{
	bool kept = true;

	if (p->kp_cur.valid) {
		if (p->kp_prev == NULL)
			p->kp_prev = zt_mem_alloc(p->mem, sizeof *p->kp_prev);
		else
			zt_session_wipe(p->mem, p->kp_prev);
		if (p->kp_prev != NULL) {
			*p->kp_prev = p->kp_cur; /* owns kp_cur.aes now */
		} else {
			/* The old keys go now rather than when they expire:
			 * packets still in flight with them are dropped. */
			zt_session_wipe(p->mem, &p->kp_cur);
			kept = false;
		}
	} else {
		kp_free(p->mem, &p->kp_prev);
	}
	p->kp_cur = *kp; /* owns kp->aes now */
	sodium_memzero(kp, sizeof *kp);
	return kept;
}

void zt_peer_keypairs_wipe(struct zt_peer *p)
{
	zt_session_wipe(p->mem, &p->kp_cur);
	kp_free(p->mem, &p->kp_prev);
	kp_free(p->mem, &p->kp_next);
}

void zt_peer_keypairs_expire(struct zt_peer *p, int64_t now)
{
	/* Old keys are wiped, not kept. */
	if (p->kp_cur.valid && now - p->kp_cur.born >= ZT_REJECT_AFTER_TIME)
		zt_session_wipe(p->mem, &p->kp_cur);
	if (p->kp_prev != NULL &&
	    (!p->kp_prev->valid || now - p->kp_prev->born >= ZT_REJECT_AFTER_TIME))
		kp_free(p->mem, &p->kp_prev);
	/* The previous keys go once the peer has switched to the current
	 * ones (heard with them, and not with the old since) and nothing has
	 * arrived with the old ones for ZT_PREV_KEEP_TIME: what it sent with
	 * them is delivered or lost by then.  Being heard with the current
	 * keys is not enough on its own: after simultaneous initiations each
	 * side may keep sending with what is the other's previous keypair
	 * (until the next rekey), and then the old keys must stay. */
	if (p->kp_prev != NULL) {
		struct zt_keypair *pk = p->kp_prev, *ck = &p->kp_cur;
		bool prev_moved = pk->replay.top != pk->seen_top;
		bool cur_moved = ck->replay.top != ck->seen_top;

		if (prev_moved) {
			pk->seen_at = now;
			pk->superseded = false;
		} else if (cur_moved) {
			pk->superseded = true;
		}
		pk->seen_top = pk->replay.top;
		/* (seen_at is from its time as current keys until it moves:
		 * count from the rekey then) */
		if (pk->superseded && kp_usable(ck, now) &&
		    now - (pk->seen_at > ck->born ? pk->seen_at : ck->born) >= ZT_PREV_KEEP_TIME)
			kp_free(p->mem, &p->kp_prev);
	}
	p->kp_cur.seen_top = p->kp_cur.replay.top;
	if (p->kp_next != NULL &&
	    (!p->kp_next->valid || now - p->kp_next->born >= ZT_REJECT_AFTER_TIME))
		kp_free(p->mem, &p->kp_next);
}

struct zt_keypair *zt_peer_send_keypair(struct zt_peer *p, int64_t now)
{
	if (kp_usable(&p->kp_cur, now))
		return &p->kp_cur;
	/* Right after a rekey the previous keys still work for a while. */
	if (p->kp_prev != NULL && kp_usable(p->kp_prev, now))
		return p->kp_prev;
	return NULL;
}
