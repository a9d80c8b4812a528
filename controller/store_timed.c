/* SPDX-License-Identifier: MIT */
/*
 * store_timed.c - every store call timed into a histogram per operation
 * (see store_timed.h).  A listing's time includes its callbacks: it is
 * how long the caller waited.
 */
#include "controller/store_timed.h"

#include <stdlib.h>

#include "osdep/clock.h"
#include "osdep/metrics.h"

enum op {
	OP_BEGIN,
	OP_COMMIT,
	OP_ROLLBACK,
	OP_NET_GET,
	OP_NET_PUT,
	OP_NET_DELETE,
	OP_NET_LIST,
	OP_MEMBER_GET,
	OP_MEMBER_PUT,
	OP_MEMBER_DELETE,
	OP_MEMBER_LIST,
	OP_MEMBER_IDS,
	OP_MEMBER_REVISIONS,
	OP_IP_OWNER,
	OP_COUNT_ROWS,
	OP_AUDIT_PUT,
	OP_AUDIT_LIST,
	OP_AUDIT_PRUNE,
	OP_INVITE_PUT,
	OP_INVITE_USE,
	OP_INVITE_LIST,
	OP_INVITE_DELETE,
	OP_USER_PUT,
	OP_USER_GET,
	OP_USER_DELETE,
	OP_USER_COUNT,
	OP_DUMP,
	OP_COUNT
};

static const char *const op_names[OP_COUNT] = {
    "begin",       "commit",        "rollback",         "net_get",    "net_put",
    "net_delete",  "net_list",      "member_get",       "member_put", "member_delete",
    "member_list", "member_ids",    "member_revisions", "ip_owner",   "count",
    "audit_put",   "audit_list",    "audit_prune",      "invite_put", "invite_use",
    "invite_list", "invite_delete", "user_put",         "user_get",   "user_delete",
    "user_count",  "dump",
};

/* 50 us to 2.5 s: SQLite in WAL answers a lookup in tens of
 * microseconds; a commit waits for the disk (fsync). */
static const double bounds[] = {0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01,
                                0.025,   0.05,   0.1,     0.25,   0.5,   1,      2.5};

struct timed {
	struct zt_store base; /* first: the store the callers hold */
	struct zt_store *inner;
	struct zt_metrics_hist hist[OP_COUNT];
};

static struct timed *T(struct zt_store *s)
{
	return (struct timed *)s;
}

static void observe(struct zt_store *s, enum op op, int64_t start)
{
	zt_metrics_hist_observe(&T(s)->hist[op], (double)(zt_clock_mono_ns() - start) / 1e9);
}

/* The call, timed; `call` is an expression using `in` (the inner store). */
#define TIMED(s, op, call)                                                                         \
	do {                                                                                       \
		struct zt_store *in = T(s)->inner;                                                 \
		int64_t t0 = zt_clock_mono_ns();                                                   \
		int r_ = (call);                                                                   \
		observe(s, op, t0);                                                                \
		return r_;                                                                         \
	} while (0)

static void t_close(struct zt_store *s)
{
	zt_store_close(T(s)->inner);
	free(s);
}

static int t_begin(struct zt_store *s)
{
	TIMED(s, OP_BEGIN, in->ops->begin(in));
}

static int t_commit(struct zt_store *s)
{
	TIMED(s, OP_COMMIT, in->ops->commit(in));
}

static void t_rollback(struct zt_store *s)
{
	struct zt_store *in = T(s)->inner;
	int64_t t0 = zt_clock_mono_ns();

	in->ops->rollback(in);
	observe(s, OP_ROLLBACK, t0);
}

static int t_net_get(struct zt_store *s, uint64_t nwid, char **json)
{
	TIMED(s, OP_NET_GET, in->ops->net_get(in, nwid, json));
}

static int t_net_put(struct zt_store *s, uint64_t nwid, const char *json)
{
	TIMED(s, OP_NET_PUT, in->ops->net_put(in, nwid, json));
}

static int t_net_delete(struct zt_store *s, uint64_t nwid)
{
	TIMED(s, OP_NET_DELETE, in->ops->net_delete(in, nwid));
}

static int t_net_list(struct zt_store *s, zt_store_each_fn fn, void *ctx)
{
	TIMED(s, OP_NET_LIST, in->ops->net_list(in, fn, ctx));
}

static int t_member_get(struct zt_store *s, uint64_t nwid, uint64_t addr, char **json)
{
	TIMED(s, OP_MEMBER_GET, in->ops->member_get(in, nwid, addr, json));
}

static int t_member_put(struct zt_store *s, uint64_t nwid, uint64_t addr, const char *json)
{
	TIMED(s, OP_MEMBER_PUT, in->ops->member_put(in, nwid, addr, json));
}

static int t_member_delete(struct zt_store *s, uint64_t nwid, uint64_t addr)
{
	TIMED(s, OP_MEMBER_DELETE, in->ops->member_delete(in, nwid, addr));
}

static int t_member_list(struct zt_store *s, uint64_t nwid, zt_store_each_fn fn, void *ctx)
{
	TIMED(s, OP_MEMBER_LIST, in->ops->member_list(in, nwid, fn, ctx));
}

static int t_member_ids(struct zt_store *s, uint64_t nwid, enum zt_store_which which,
                        uint64_t after, uint64_t *out, size_t cap, size_t *n)
{
	TIMED(s, OP_MEMBER_IDS, in->ops->member_ids(in, nwid, which, after, out, cap, n));
}

static int t_member_revisions(struct zt_store *s, uint64_t nwid, uint64_t after, uint64_t *out,
                              int64_t *rev, size_t cap, size_t *n)
{
	TIMED(s, OP_MEMBER_REVISIONS, in->ops->member_revisions(in, nwid, after, out, rev, cap, n));
}

static int t_ip_owner(struct zt_store *s, uint64_t nwid, const struct zt_inetaddr *ip,
                      uint64_t *owner)
{
	TIMED(s, OP_IP_OWNER, in->ops->ip_owner(in, nwid, ip, owner));
}

static int t_count(struct zt_store *s, uint64_t *networks, uint64_t *members)
{
	TIMED(s, OP_COUNT_ROWS, in->ops->count(in, networks, members));
}

static int t_audit_put(struct zt_store *s, const struct zt_store_audit *e)
{
	TIMED(s, OP_AUDIT_PUT, in->ops->audit_put(in, e));
}

static int t_audit_list(struct zt_store *s, int64_t before, unsigned limit, zt_store_audit_fn fn,
                        void *ctx)
{
	TIMED(s, OP_AUDIT_LIST, in->ops->audit_list(in, before, limit, fn, ctx));
}

static int t_audit_prune(struct zt_store *s, int64_t older_than, uint64_t max_rows,
                         uint64_t *deleted)
{
	TIMED(s, OP_AUDIT_PRUNE, in->ops->audit_prune(in, older_than, max_rows, deleted));
}

static int t_invite_put(struct zt_store *s, const uint8_t hash[32], uint64_t nwid, unsigned uses,
                        int64_t expires, int64_t now)
{
	TIMED(s, OP_INVITE_PUT, in->ops->invite_put(in, hash, nwid, uses, expires, now));
}

static int t_invite_use(struct zt_store *s, const uint8_t hash[32], uint64_t nwid, int64_t now)
{
	TIMED(s, OP_INVITE_USE, in->ops->invite_use(in, hash, nwid, now));
}

static int t_invite_list(struct zt_store *s, uint64_t nwid, unsigned limit, zt_store_invite_fn fn,
                         void *ctx)
{
	TIMED(s, OP_INVITE_LIST, in->ops->invite_list(in, nwid, limit, fn, ctx));
}

static int t_invite_delete(struct zt_store *s, const uint8_t hash[32], uint64_t nwid)
{
	TIMED(s, OP_INVITE_DELETE, in->ops->invite_delete(in, hash, nwid));
}

static int t_user_put(struct zt_store *s, const char *name, const char *hash, int64_t now)
{
	TIMED(s, OP_USER_PUT, in->ops->user_put(in, name, hash, now));
}

static int t_user_get(struct zt_store *s, const char *name, char **hash)
{
	TIMED(s, OP_USER_GET, in->ops->user_get(in, name, hash));
}

static int t_user_delete(struct zt_store *s, const char *name)
{
	TIMED(s, OP_USER_DELETE, in->ops->user_delete(in, name));
}

static int t_user_count(struct zt_store *s, uint64_t *n)
{
	TIMED(s, OP_USER_COUNT, in->ops->user_count(in, n));
}

static int t_dump(struct zt_store *s, char **text)
{
	TIMED(s, OP_DUMP, in->ops->dump(in, text));
}

static const struct zt_store_ops timed_ops = {
    .close = t_close,
    .begin = t_begin,
    .commit = t_commit,
    .rollback = t_rollback,
    .net_get = t_net_get,
    .net_put = t_net_put,
    .net_delete = t_net_delete,
    .net_list = t_net_list,
    .member_get = t_member_get,
    .member_put = t_member_put,
    .member_delete = t_member_delete,
    .member_list = t_member_list,
    .member_ids = t_member_ids,
    .member_revisions = t_member_revisions,
    .ip_owner = t_ip_owner,
    .count = t_count,
    .audit_put = t_audit_put,
    .audit_list = t_audit_list,
    .audit_prune = t_audit_prune,
    .invite_put = t_invite_put,
    .invite_use = t_invite_use,
    .invite_list = t_invite_list,
    .invite_delete = t_invite_delete,
    .user_put = t_user_put,
    .user_get = t_user_get,
    .user_delete = t_user_delete,
    .user_count = t_user_count,
    .dump = t_dump,
};

int zt_store_timed_wrap(struct zt_store **out, struct zt_store *inner)
{
	struct timed *t = calloc(1, sizeof *t);

	*out = NULL;
	if (t == NULL) {
		zt_store_close(inner);
		return ZT_ENOMEM;
	}
	t->base.ops = &timed_ops;
	t->inner = inner;
	for (int i = 0; i < OP_COUNT; i++)
		zt_metrics_hist_init(&t->hist[i], bounds, sizeof bounds / sizeof bounds[0]);
	*out = &t->base;
	return ZT_OK;
}

void zt_store_timed_metrics(const struct zt_store *s, struct zt_metrics *m)
{
	const struct timed *t = (const struct timed *)s;

	zt_metrics_family(m, "zt_controller_db_seconds", ZT_METRICS_HISTOGRAM,
	                  "time the database took per call, by operation");
	for (int i = 0; i < OP_COUNT; i++) {
		struct zt_metrics_label l = {"op", op_names[i]};
		zt_metrics_hist_write(m, &l, 1, &t->hist[i]);
	}
}
