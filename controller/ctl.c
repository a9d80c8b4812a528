/* SPDX-License-Identifier: MIT */
/*
 * ctl.c - the controller's logic (see ctl.h).
 */
#include "controller/ctl.h"

#include <inttypes.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "controller/ctl_cache.h"
#include "controller/ctl_json.h"
#include "controller/ctl_rate.h"
#include "controller/policy.h"
#include "controller/zimport.h"

/* lastSeen is written back at most this often (ms): a config request
 * every 15 s per member must not become a disk write each time. */
#define LAST_SEEN_RESOLUTION 60000

static json_t *load(char *text)
{
	json_t *j = text != NULL ? json_loads(text, 0, NULL) : NULL;
	free(text);
	if (j != NULL && !json_is_object(j)) {
		json_decref(j);
		return NULL;
	}
	return j;
}

json_t *zt_ctl_load_net(struct zt_ctl *c, uint64_t nwid)
{
	char *t = NULL;
	if (c->store->ops->net_get(c->store, nwid, &t) != ZT_OK)
		return NULL;
	return load(t);
}

/* The stored member only. */
static json_t *load_row(struct zt_ctl *c, uint64_t nwid, uint64_t address)
{
	char *t = NULL;
	if (c->store->ops->member_get(c->store, nwid, address, &t) != ZT_OK)
		return NULL;
	return load(t);
}

/* ---- pending requesters (denied, not stored; see ctl.h) ---- */

static bool identity_text(uint64_t address, const uint8_t *pk, char text[ZT_IDENTITY_PUBLIC_TEXT])
{
	struct zt_identity id;
	memset(&id, 0, sizeof id);
	id.address = address;
	memcpy(id.pk, pk, 32);
	return zt_identity_to_text(&id, false, text, ZT_IDENTITY_PUBLIC_TEXT) == ZT_OK;
}

static bool pending_expired(const struct zt_ctl_pending *p, int64_t now)
{
	return now - p->last_seen >= ZT_CTL_PENDING_TTL;
}

/* A linear scan: the table is small, and only requests that passed the
 * rate limits and were denied, and the admin's reads, come here. */
static struct zt_ctl_pending *pending_find(struct zt_ctl *c, uint64_t nwid, uint64_t address)
{
	if (c->pending == NULL)
		return NULL;
	for (size_t i = 0; i < ZT_CTL_PENDING_MAX; i++)
		if (c->pending[i].nwid == nwid && c->pending[i].address == address)
			return &c->pending[i];
	return NULL;
}

/* Note a denied request of a member with no record: the same slot again,
 * else a free or expired one; at the network's cap its least recently
 * seen entry goes, in a full table the least recently seen of all.  So a
 * flood on one network cannot push out another network's requesters
 * until the whole table is full.  NULL only when out of memory. */
static struct zt_ctl_pending *pending_note(struct zt_ctl *c, uint64_t nwid, uint64_t address,
                                           const uint8_t *pk, int64_t now)
{
	struct zt_ctl_pending *p = NULL, *free_slot = NULL, *oldest = NULL, *oldest_net = NULL;
	unsigned in_net = 0;

	if (c->pending == NULL)
		c->pending = calloc(ZT_CTL_PENDING_MAX, sizeof *c->pending);
	if (c->pending == NULL)
		return NULL;
	for (size_t i = 0; i < ZT_CTL_PENDING_MAX; i++) {
		struct zt_ctl_pending *e = &c->pending[i];
		if (e->nwid != 0 && pending_expired(e, now))
			memset(e, 0, sizeof *e);
		if (e->nwid == 0) {
			if (free_slot == NULL)
				free_slot = e;
			continue;
		}
		if (e->address == address && e->nwid == nwid)
			p = e;
		if (e->nwid == nwid) {
			in_net++;
			if (oldest_net == NULL || e->last_seen < oldest_net->last_seen)
				oldest_net = e;
		}
		if (oldest == NULL || e->last_seen < oldest->last_seen)
			oldest = e;
	}
	if (p == NULL) {
		p = in_net >= ZT_CTL_PENDING_PER_NET ? oldest_net
		    : free_slot != NULL              ? free_slot
		                                     : oldest;
		memset(p, 0, sizeof *p);
		p->nwid = nwid;
		p->address = address;
		p->first_seen = now;
	}
	p->last_seen = now;
	if (pk != NULL && !p->has_pk) {
		memcpy(p->pk, pk, 32);
		p->has_pk = true;
	}
	return p;
}

/* A pending requester as the member object an admin would create. */
static json_t *pending_json(const struct zt_ctl_pending *p)
{
	char text[ZT_IDENTITY_PUBLIC_TEXT];
	json_t *m = zt_ctl_member_new(p->nwid, p->address, p->first_seen);

	if (m == NULL)
		return NULL;
	if (p->has_pk && identity_text(p->address, p->pk, text))
		json_object_set_new(m, "identity", json_string(text));
	json_object_set_new(m, "lastSeen", json_integer(p->last_seen));
	return m;
}

json_t *zt_ctl_load_member(struct zt_ctl *c, uint64_t nwid, uint64_t address)
{
	json_t *m = load_row(c, nwid, address);
	const struct zt_ctl_pending *p;

	if (m != NULL)
		return m;
	p = pending_find(c, nwid, address);
	return p != NULL ? pending_json(p) : NULL;
}

void zt_ctl_forget_net(struct zt_ctl *c, uint64_t nwid)
{
	if (c->pending == NULL)
		return;
	for (size_t i = 0; i < ZT_CTL_PENDING_MAX; i++)
		if (c->pending[i].nwid == nwid)
			memset(&c->pending[i], 0, sizeof c->pending[i]);
}

int zt_ctl_member_list(struct zt_ctl *c, uint64_t nwid, int64_t now, zt_store_each_fn fn, void *ctx)
{
	int r = c->store->ops->member_list(c->store, nwid, fn, ctx);

	if (r != ZT_OK || c->pending == NULL)
		return r;
	for (size_t i = 0; i < ZT_CTL_PENDING_MAX; i++) {
		struct zt_ctl_pending *p = &c->pending[i];
		char id[16], *text;
		json_t *m;
		int stop;

		if (p->nwid != nwid)
			continue;
		if (pending_expired(p, now)) {
			memset(p, 0, sizeof *p);
			continue;
		}
		m = pending_json(p);
		text = m != NULL ? json_dumps(m, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
		json_decref(m);
		if (text == NULL)
			return ZT_ENOMEM;
		snprintf(id, sizeof id, "%010" PRIx64, p->address);
		stop = fn(ctx, id, text);
		free(text);
		if (stop != 0)
			break;
	}
	return ZT_OK;
}

int zt_ctl_member_revisions(struct zt_ctl *c, uint64_t nwid, int64_t now, zt_ctl_rev_fn fn,
                            void *ctx)
{
	uint64_t addr[ZT_CTL_PUSH_PAGE], after = 0;
	int64_t rev[ZT_CTL_PUSH_PAGE];
	size_t n;

	do {
		int r = c->store->ops->member_revisions(c->store, nwid, after, addr, rev,
		                                        ZT_CTL_PUSH_PAGE, &n);
		if (r != ZT_OK)
			return r;
		for (size_t i = 0; i < n; i++)
			if (fn(ctx, addr[i], rev[i]) != 0)
				return ZT_OK;
		if (n > 0)
			after = addr[n - 1];
	} while (n == ZT_CTL_PUSH_PAGE);
	for (size_t i = 0; c->pending != NULL && i < ZT_CTL_PENDING_MAX; i++) {
		struct zt_ctl_pending *p = &c->pending[i];
		json_t *m;
		int stop;

		if (p->nwid != nwid)
			continue;
		if (pending_expired(p, now)) {
			memset(p, 0, sizeof *p);
			continue;
		}
		if ((m = pending_json(p)) == NULL)
			return ZT_ENOMEM;
		stop = fn(ctx, p->address, zt_ctl_int(m, "revision"));
		json_decref(m);
		if (stop != 0)
			break;
	}
	return ZT_OK;
}

size_t zt_ctl_pending_ids(struct zt_ctl *c, uint64_t nwid, int64_t now, uint64_t *out, size_t cap)
{
	size_t n = 0;

	for (size_t i = 0; c->pending != NULL && i < ZT_CTL_PENDING_MAX && n < cap; i++) {
		struct zt_ctl_pending *p = &c->pending[i];

		if (p->nwid != nwid)
			continue;
		if (pending_expired(p, now))
			memset(p, 0, sizeof *p);
		else
			out[n++] = p->address;
	}
	return n;
}

static int save(struct zt_ctl *c, uint64_t nwid, uint64_t address, bool member, const json_t *j)
{
	char *t = json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS);
	int r;
	if (t == NULL)
		return ZT_ENOMEM;
	r = member ? c->store->ops->member_put(c->store, nwid, address, t)
	           : c->store->ops->net_put(c->store, nwid, t);
	free(t);
	if (r != ZT_OK)
		c->store_errors++;
	return r;
}

int zt_ctl_save_net(struct zt_ctl *c, uint64_t nwid, const json_t *net)
{
	return save(c, nwid, 0, false, net);
}

int zt_ctl_save_member(struct zt_ctl *c, uint64_t nwid, uint64_t address, const json_t *m)
{
	struct zt_ctl_pending *p;
	int r = save(c, nwid, address, true, m);

	if (r == ZT_OK && (p = pending_find(c, nwid, address)) != NULL)
		memset(p, 0, sizeof *p);
	return r;
}

int zt_ctl_delete_member(struct zt_ctl *c, uint64_t nwid, uint64_t address)
{
	struct zt_ctl_pending *p = pending_find(c, nwid, address);
	int r = c->store->ops->member_delete(c->store, nwid, address);

	if (p != NULL) {
		memset(p, 0, sizeof *p);
		if (r == ZT_ENOTFOUND)
			r = ZT_OK;
	}
	return r;
}

/* ---- addresses in use ---- */

struct used_ctx {
	struct zt_ctl *c;
	uint64_t nwid;
};

/* Only asked for a family the member has no address of, so its own
 * addresses never get in the way.  One lookup in the store's index of
 * assigned addresses (store.h): no member is read. */
static bool ip_used(void *ctx, const struct zt_inetaddr *ip)
{
	struct used_ctx *u = ctx;
	uint64_t owner;
	int r = u->c->store->ops->ip_owner(u->c->store, u->nwid, ip, &owner);

	if (r == ZT_ENOTFOUND)
		return false;
	if (r != ZT_OK)
		u->c->store_errors++;
	return true; /* used, or cannot tell: assign nothing rather than a duplicate */
}

static void jobs_clear(struct zt_ctl *c);

void zt_ctl_assign(struct zt_ctl *c, uint64_t nwid, uint64_t address, json_t *m, int64_t now)
{
	struct used_ctx u = {c, nwid};
	struct zt_netconf *conf;
	json_t *net;
	bool changed;

	if (!zt_ctl_bool(m, "authorized") || (net = zt_ctl_load_net(c, nwid)) == NULL)
		return;
	conf = malloc(sizeof *conf);
	if (conf != NULL)
		(void)zt_policy_decide(net, m, address, false, now, ip_used, &u, conf, &changed);
	free(conf);
	json_decref(net);
}

void zt_ctl_cleanup(struct zt_ctl *c)
{
	jobs_clear(c);
	free(c->jobs);
	c->jobs = NULL;
	for (unsigned i = 0; i < ZT_CTL_NAMES_CACHE; i++) {
		free(c->names[i].e);
		c->names[i].e = NULL;
		c->names[i].valid = false;
	}
	free(c->pending);
	c->pending = NULL;
	free(c->rate);
	c->rate = NULL;
}

/* ---- config requests ---- */

/* Inside the core's callback (a member was given an address): a push to
 * every member is only queued, and not even that when the queue is full
 * (job_add would work it off here); then they learn at their next refresh. */
static void names_push_later(struct zt_ctl *c, int64_t now, uint64_t nwid)
{
	if (c->node != NULL && (c->jobs == NULL || c->job_count < ZT_CTL_JOBS))
		zt_ctl_changed(c, now, nwid, 0, false);
}

/* Is the requester's key the one its address was first seen with (its
 * record's identity, else its pending entry's)?  Nothing seen yet: yes,
 * and this request pins it. */
static bool key_ok(struct zt_ctl *c, const struct zt_netconf_request *req, const json_t *m,
                   bool created)
{
	const char *stored = json_string_value(json_object_get(m, "identity"));
	const struct zt_ctl_pending *p;
	char text[ZT_IDENTITY_PUBLIC_TEXT];

	if (req->member_pk == NULL)
		return true;
	if (!created)
		return stored == NULL || stored[0] == '\0' ||
		       (identity_text(req->member, req->member_pk, text) &&
		        strcmp(stored, text) == 0);
	p = pending_find(c, req->nwid, req->member);
	return p == NULL || !p->has_pk || memcmp(p->pk, req->member_pk, 32) == 0;
}

static bool invite_ok(struct zt_ctl *c, const struct zt_netconf_request *req, int64_t now)
{
	uint8_t h[32];

	if (req->token == NULL || req->token_len == 0)
		return false;
	crypto_generichash(h, sizeof h, req->token, req->token_len, NULL, 0);
	return c->store->ops->invite_use(c->store, h, req->nwid, now) == ZT_OK;
}

/* The network of a push: inside zt_ctl_work, read once per call (one
 * slice of the loop, in which nothing else changes it: an admin's change
 * or another controller's comes between slices and queues pushes of its
 * own); elsewhere from the store. */
static json_t *push_net(struct zt_ctl *c, uint64_t nwid)
{
	if (!c->pushing)
		return zt_ctl_load_net(c, nwid);
	if (c->push_net == NULL || c->push_nwid != nwid) {
		json_decref(c->push_net);
		c->push_net = zt_ctl_load_net(c, nwid);
		c->push_nwid = nwid;
	}
	return json_incref(c->push_net);
}

enum zt_netconf_verdict zt_ctl_netconf_request(void *ctx, int64_t now,
                                               const struct zt_netconf_request *req,
                                               struct zt_netconf *conf)
{
	struct zt_ctl *c = ctx;
	struct used_ctx u = {c, req->nwid};
	struct zt_ctl_rate *rate = NULL;
	json_t *net = NULL, *m = NULL;
	enum zt_netconf_verdict v = ZT_NETCONF_IGNORE;
	bool changed = false, invited = false, created = false, in_tx = false, was_auth;
	bool claimed = false;
	size_t ips_before;

	/* Before any store work: over a limit, silence (it asks again). */
	if (!req->is_push && (rate = zt_ctl_rate_take(c, req->member, now)) == NULL)
		return ZT_NETCONF_IGNORE;
	/* "No such network" takes the same steps and gets the same answer as
	 * "not allowed", so that nobody learns which networks exist. */
	net = req->is_push ? push_net(c, req->nwid) : zt_ctl_load_net(c, req->nwid);
again:
	m = load_row(c, req->nwid, req->member);
	if (m == NULL) {
		m = zt_ctl_member_new(req->nwid, req->member, now);
		created = true;
	}
	if (m == NULL)
		goto out;
	/* Before anything is spent or written: an address is a memory-hard
	 * hash of its key, so a second key for it is an attack (or a member
	 * reinstalled with a new identity, whose record the admin deletes). */
	/* An imported member's reservation is claimed by an invite, never
	 * asked for under its old address (zimport.h). */
	if (!created && zt_zimport_is_reservation(m)) {
		v = ZT_NETCONF_ACCESS_DENIED;
		goto out;
	}
	if (!key_ok(c, req, m, created)) {
		c->key_refused++;
		v = req->token_len > 0 ? ZT_NETCONF_BAD_INVITE : ZT_NETCONF_ACCESS_DENIED;
		goto out;
	}
	if (req->member_pk != NULL && !json_is_string(json_object_get(m, "identity"))) {
		json_object_set_new(m, "identity", json_string(""));
	}
	if (req->member_pk != NULL && json_string_length(json_object_get(m, "identity")) == 0) {
		char text[ZT_IDENTITY_PUBLIC_TEXT];
		if (identity_text(req->member, req->member_pk, text)) {
			json_object_set_new(m, "identity", json_string(text));
			changed = true;
		}
	}
	if (!req->is_push && now - zt_ctl_int(m, "lastSeen") >= LAST_SEEN_RESOLUTION) {
		json_object_set_new(m, "lastSeen", json_integer(now));
		changed = true;
	}
	was_auth = zt_ctl_bool(m, "authorized");
	ips_before = json_array_size(json_object_get(m, "ipAssignments"));
	/* One transaction: the invite's use and the member it authorizes
	 * commit together or not at all. */
	if (!was_auth && req->token_len > 0) {
		if (!in_tx)
			goto lock;
		invited = invite_ok(c, req, now);
		if (invited) {
			bool auth = false;
			int cr = zt_zimport_redeem(c->store, req->nwid, req->token, req->token_len,
			                           m, &auth);
			if (cr < 0 && cr != ZT_ENOTFOUND) {
				c->store_errors++;
				goto rollback;
			}
			/* Claimed: the record is kept even when ZeroTier had not
			 * authorized the member (it stays unauthorized, named);
			 * a reservation gone lets nobody in. */
			claimed = cr == 1;
			if (cr != 0)
				invited = auth;
			changed |= claimed;
			created &= !claimed;
		}
	}
	{
		bool pch = false;
		v = zt_policy_decide(net, m, req->member, invited, now, ip_used, &u, conf, &pch);
		changed = net != NULL && (changed || pch || created);
		if (v == ZT_NETCONF_NOT_FOUND)
			v = ZT_NETCONF_ACCESS_DENIED;
		/* Say so when the member came with an invite that is no good,
		 * so that it can tell its user instead of waiting. */
		if (v == ZT_NETCONF_ACCESS_DENIED && req->token_len > 0 && !claimed)
			v = ZT_NETCONF_BAD_INVITE;
	}
	/* A requester without a record that is not let in gets none: it is
	 * remembered in memory for the admin to see (ctl.h), so strangers
	 * cost no disk.  A push to a member that has no record (an admin
	 * just deleted it) answers without making one again. */
	if (created && (v != ZT_NETCONF_OK || req->is_push)) {
		changed = false;
		if (!req->is_push && net != NULL)
			(void)pending_note(c, req->nwid, req->member, req->member_pk, now);
	}
	if (changed) {
		if (!in_tx)
			goto lock;
		if (zt_ctl_save_member(c, req->nwid, req->member, m) != ZT_OK)
			goto rollback;
	}
	if (in_tx) {
		in_tx = false; /* a failed commit rolled back */
		if (c->store->ops->commit(c->store) != ZT_OK) {
			c->store_errors++;
			v = ZT_NETCONF_IGNORE;
			goto out;
		}
	}
	/* Keep the cache true to what is now stored. */
	if (changed && was_auth != zt_ctl_bool(m, "authorized"))
		zt_ctl_cache_bridges_forget(c); /* an invite may have authorized a bridge */
	/* A member that got an address (or in by an invite) is in the names. */
	if (changed)
		zt_ctl_cache_names_forget(c);
	if (v == ZT_NETCONF_OK)
		zt_ctl_cache_bridges_fill(c, req->nwid, conf);
	if (v == ZT_NETCONF_OK && conf->dns_domain[0] != '\0') {
		zt_ctl_cache_names_fill(c, req->nwid, net, conf);
		/* Its new address is news for the others' names. */
		if (changed && json_array_size(json_object_get(m, "ipAssignments")) > ips_before &&
		    zt_policy_label(m, (char[ZT_NETCONF_LABEL_MAX]){0}))
			names_push_later(c, now, req->nwid);
	}
	goto out;
lock:
	/* This request writes: it starts again inside the store's write
	 * transaction, from the member (and the network) as stored now.  Read
	 * before the lock, they may have changed since: another controller
	 * on the same PostgreSQL (a standby's admin API) may have
	 * deauthorized the member, or given the pool address just picked
	 * here to another member; the lock makes the second pass's reading,
	 * its pick (each candidate looked up in the index again) and its
	 * write one step that no other writer interleaves with.  Answers
	 * that write nothing (most) take no lock. */
	if (c->store->ops->begin(c->store) != ZT_OK) {
		c->store_errors++;
		v = ZT_NETCONF_IGNORE;
		goto out;
	}
	in_tx = true;
	json_decref(m);
	m = NULL;
	if (!req->is_push) {
		json_decref(net);
		net = zt_ctl_load_net(c, req->nwid);
	}
	changed = invited = created = claimed = false;
	v = ZT_NETCONF_IGNORE;
	goto again;
rollback:
	c->store->ops->rollback(c->store);
	in_tx = false;
	v = ZT_NETCONF_IGNORE;
out:
	/* The second pass turned the member away before writing anything
	 * (its key, a reservation): nothing to keep. */
	if (in_tx)
		c->store->ops->rollback(c->store);
	if (rate != NULL && v != ZT_NETCONF_IGNORE)
		rate->member = v == ZT_NETCONF_OK;
	json_decref(net);
	json_decref(m);
	return v;
}

/* ---- pushes (queued, see ctl.h) ---- */

int zt_ctl_members(struct zt_ctl *c, uint64_t nwid, bool authorized_only, uint64_t **out)
{
	uint64_t *a = NULL, after = 0;
	size_t n = 0, cap = 0;

	*out = NULL;
	for (;;) {
		size_t got = 0;
		int r;
		if (cap - n < ZT_CTL_PUSH_PAGE) {
			uint64_t *p = realloc(a, (cap + ZT_CTL_PUSH_PAGE * 4) * sizeof *p);
			if (p == NULL) {
				free(a);
				return ZT_ENOMEM;
			}
			a = p;
			cap += ZT_CTL_PUSH_PAGE * 4;
		}
		r = c->store->ops->member_ids(c->store, nwid,
		                              authorized_only ? ZT_STORE_AUTHORIZED : ZT_STORE_ALL,
		                              after, a + n, ZT_CTL_PUSH_PAGE, &got);
		if (r != ZT_OK) {
			free(a);
			return r;
		}
		n += got;
		if (got < ZT_CTL_PUSH_PAGE)
			break;
		after = a[n - 1];
	}
	*out = a;
	return (int)n;
}

static struct zt_ctl_job *job_at(struct zt_ctl *c, size_t i)
{
	return &c->jobs[(c->job_head + i) % ZT_CTL_JOBS];
}

static void job_pop(struct zt_ctl *c)
{
	struct zt_ctl_job *j = job_at(c, 0);

	free(j->list);
	memset(j, 0, sizeof *j);
	c->job_head = (c->job_head + 1) % ZT_CTL_JOBS;
	c->job_count--;
}

static void jobs_clear(struct zt_ctl *c)
{
	while (c->jobs != NULL && c->job_count > 0)
		job_pop(c);
}

/* One step of the first job, at most budget sends; the sends made. */
static unsigned job_step(struct zt_ctl *c, int64_t now, unsigned budget)
{
	struct zt_ctl_job *j = job_at(c, 0);
	uint64_t page[ZT_CTL_PUSH_PAGE];
	size_t want = budget < ZT_CTL_PUSH_PAGE ? budget : ZT_CTL_PUSH_PAGE, got = 0;
	unsigned sent = 0;

	j->started = true;
	switch (j->kind) {
	case ZT_CTL_JOB_ONE:
		(void)zt_node_netconf_push(c->node, now, j->nwid, j->member);
		job_pop(c);
		return 1;
	case ZT_CTL_JOB_LIST:
		while (j->pos < j->n && sent < budget)
			(void)zt_node_netconf_push(c->node, now, j->nwid, j->list[j->pos++]),
			    sent++;
		if (j->pos == j->n)
			job_pop(c);
		return sent;
	case ZT_CTL_JOB_ALL:
	case ZT_CTL_JOB_REVOKE:
		if (c->store->ops->member_ids(c->store, j->nwid, ZT_STORE_AUTHORIZED, j->after,
		                              page, want, &got) != ZT_OK) {
			c->store_errors++;
			job_pop(c); /* the members ask again within ZT_NETCONF_REFRESH */
			return 1;
		}
		if (j->kind == ZT_CTL_JOB_REVOKE) {
			/* Cut it off now rather than when its certificate ages out. */
			if (got > 0)
				(void)zt_node_netconf_revoke(c->node, j->at, j->nwid, j->member,
				                             page, got);
		} else {
			for (size_t i = 0; i < got; i++)
				(void)zt_node_netconf_push(c->node, now, j->nwid, page[i]);
		}
		sent = (unsigned)got;
		if (got > 0)
			j->after = page[got - 1];
		if (got < want) {
			if (j->kind == ZT_CTL_JOB_REVOKE) {
				(void)zt_node_netconf_push(c->node, now, j->nwid, j->member);
				sent++;
			}
			job_pop(c);
		}
		return sent > 0 ? sent : 1;
	}
	job_pop(c);
	return 1;
}

bool zt_ctl_work(struct zt_ctl *c, int64_t now, unsigned budget)
{
	c->pushing = true;
	while (c->jobs != NULL && c->job_count > 0 && budget > 0) {
		unsigned sent = job_step(c, now, budget);
		c->pushes += sent;
		budget = sent < budget ? budget - sent : 0;
	}
	c->pushing = false;
	json_decref(c->push_net);
	c->push_net = NULL;
	return c->jobs != NULL && c->job_count > 0;
}

void zt_ctl_flush(struct zt_ctl *c, int64_t now)
{
	while (zt_ctl_work(c, now, ZT_CTL_PUSH_PAGE))
		;
}

/* Queue a job unless one not yet started covers it.  A full queue is
 * worked off first: the admin's call waits rather than a push is lost. */
static void job_add(struct zt_ctl *c, int64_t now, const struct zt_ctl_job *nj)
{
	if (c->jobs == NULL && (c->jobs = calloc(ZT_CTL_JOBS, sizeof *c->jobs)) == NULL) {
		c->store_errors++; /* out of memory: the members ask again */
		return;
	}
	if (nj->kind != ZT_CTL_JOB_LIST) {
		for (size_t i = 0; i < c->job_count; i++) {
			const struct zt_ctl_job *j = job_at(c, i);
			if (j->started || j->nwid != nj->nwid)
				continue;
			if (j->kind == ZT_CTL_JOB_ALL && nj->kind != ZT_CTL_JOB_REVOKE)
				return;
			if (j->kind == nj->kind && j->member == nj->member &&
			    nj->kind == ZT_CTL_JOB_ONE)
				return;
		}
	}
	while (c->job_count == ZT_CTL_JOBS)
		c->pushes += job_step(c, now, ZT_CTL_PUSH_PAGE);
	*job_at(c, c->job_count) = *nj;
	c->job_count++;
}

void zt_ctl_push_list(struct zt_ctl *c, int64_t now, uint64_t nwid, const uint64_t *members,
                      size_t count)
{
	struct zt_ctl_job j = {ZT_CTL_JOB_LIST, nwid, 0, now, 0, false, NULL, count, 0};

	zt_ctl_cache_bridges_forget(c);
	zt_ctl_cache_names_forget(c);
	if (c->notify != NULL) {
		/* The network is gone: its members, one by one, are pushed
		 * that it is (their configs say NOT_FOUND). */
		for (size_t i = 0; i < count; i++)
			c->notify(c->notify_ctx, nwid, members[i], false);
		return;
	}
	if (c->node == NULL || count == 0)
		return;
	j.list = malloc(count * sizeof *j.list);
	if (j.list == NULL) {
		c->store_errors++;
		return;
	}
	memcpy(j.list, members, count * sizeof *j.list);
	job_add(c, now, &j);
}

void zt_ctl_changed(struct zt_ctl *c, int64_t now, uint64_t nwid, uint64_t member,
                    bool deauthorized)
{
	struct zt_ctl_job j = {ZT_CTL_JOB_ONE, nwid, member, now, 0, false, NULL, 0, 0};

	zt_ctl_cache_bridges_forget(c);
	zt_ctl_cache_names_forget(c);
	if (c->notify != NULL) {
		c->notify(c->notify_ctx, nwid, member, deauthorized);
		return;
	}
	if (c->node == NULL)
		return;
	if (member == 0)
		j.kind = ZT_CTL_JOB_ALL;
	else if (deauthorized)
		j.kind = ZT_CTL_JOB_REVOKE;
	job_add(c, now, &j);
}

void zt_ctl_names_changed(struct zt_ctl *c, int64_t now, uint64_t nwid, uint64_t address,
                          const json_t *before, const json_t *after)
{
	struct zt_netconf_name a, b;
	bool ha, hb;
	json_t *net = zt_ctl_load_net(c, nwid);
	const char *domain =
	    json_string_value(json_object_get(json_object_get(net, "dns"), "domain"));

	if (domain != NULL && domain[0] != '\0') {
		ha = before != NULL && zt_policy_name_entry(net, before, address, &a);
		hb = after != NULL && zt_policy_name_entry(net, after, address, &b);
		if (ha != hb || (ha && memcmp(&a, &b, sizeof a) != 0))
			zt_ctl_changed(c, now, nwid, 0, false);
	}
	json_decref(net);
}

int zt_ctl_invite_create(struct zt_ctl *c, uint64_t nwid, const uint8_t *token, unsigned uses,
                         int64_t expires, int64_t now)
{
	uint8_t h[32];
	json_t *net = zt_ctl_load_net(c, nwid);
	if (net == NULL)
		return ZT_ENOTFOUND;
	json_decref(net);
	crypto_generichash(h, sizeof h, token, ZT_CTL_TOKEN_LEN, NULL, 0);
	return c->store->ops->invite_put(c->store, h, nwid, uses, expires, now);
}
