/* SPDX-License-Identifier: MIT */
/*
 * store_pg_lead.c - several zt-controllers on one PostgreSQL database
 * (see store.h): the leadership, a session advisory lock that the server
 * gives up when the leader's session ends, and the changes the
 * controllers tell each other (LISTEN/NOTIFY on one channel).
 */
#include "controller/store_pg_int.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int zt_store_pg_try_lead(struct zt_store *b, bool *leading)
{
	struct pg_store *s = zt_store_pg_of(b);
	struct params p = {0};
	char key[24], *t = NULL;
	int r;

	*leading = s->leading;
	if (s->leading)
		return PQstatus(s->c) == CONNECTION_OK ? ZT_OK : ZT_ECALLBACK;
	zt_store_pg_param_int(&p, key, sizeof key, KEY_LEAD);
	r = zt_store_pg_get_text(s, S_TRY_LEAD, &p, &t);
	if (r == ZT_OK)
		s->leading = *leading = strcmp(t, "true") == 0;
	free(t);
	return r == ZT_OK ? ZT_OK : ZT_ECALLBACK;
}

int zt_store_pg_socket(struct zt_store *b)
{
	return PQsocket(zt_store_pg_of(b)->c);
}

int zt_store_pg_listen(struct zt_store *b)
{
	return zt_store_pg_exec(zt_store_pg_of(b)->c, "LISTEN " CHANNEL);
}

int zt_store_pg_notify(struct zt_store *b, uint64_t nwid, uint64_t member, bool deauthorized)
{
	struct params p = {0};
	char payload[64], *t = NULL;
	int r;

	snprintf(payload, sizeof payload, "%016" PRIx64 " %010" PRIx64 " %d", nwid, member,
	         deauthorized ? 1 : 0);
	zt_store_pg_param_text(&p, payload);
	r = zt_store_pg_get_text(zt_store_pg_of(b), S_NOTIFY, &p, &t);
	free(t);
	return r == ZT_OK ? ZT_OK : ZT_ECALLBACK;
}

int zt_store_pg_changes(struct zt_store *b, zt_store_change_fn fn, void *ctx)
{
	struct pg_store *s = zt_store_pg_of(b);
	PGnotify *n;

	if (PQconsumeInput(s->c) == 0 || PQstatus(s->c) != CONNECTION_OK)
		return ZT_ECALLBACK;
	while ((n = PQnotifies(s->c)) != NULL) {
		char nw[17], mb[11];
		int deauth = 0;
		uint64_t nwid, member;
		/* Ours (the leader's own changes are queued where they are
		 * made) and malformed ones are skipped. */
		if (n->be_pid != PQbackendPID(s->c) &&
		    sscanf(n->extra, "%16s %10s %d", nw, mb, &deauth) == 3 &&
		    zt_nwid_parse(nw, &nwid) == ZT_OK && zt_address_parse(mb, &member) == ZT_OK)
			fn(ctx, nwid, member, deauth != 0);
		PQfreemem(n);
	}
	return ZT_OK;
}
