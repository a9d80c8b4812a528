/* SPDX-License-Identifier: MIT */
/*
 * ctl_cache.c - what every member's config carries of its whole network,
 * kept per network rather than read at every request (see ctl_cache.h).
 */
#include "controller/ctl_cache.h"

#include <stdlib.h>
#include <string.h>

#include "controller/policy.h"

/* ---- the network's active bridges (every member's config lists them) ---- */

void zt_ctl_cache_bridges_forget(struct zt_ctl *c)
{
	for (unsigned i = 0; i < ZT_CTL_BRIDGE_CACHE; i++)
		c->bridges[i].valid = false;
}

void zt_ctl_cache_bridges_fill(struct zt_ctl *c, uint64_t nwid, struct zt_netconf *conf)
{
	unsigned i;
	size_t n = 0;

	for (i = 0; i < ZT_CTL_BRIDGE_CACHE; i++)
		if (c->bridges[i].valid && c->bridges[i].nwid == nwid)
			break;
	conf->bridge_count = 0;
	if (i < ZT_CTL_BRIDGE_CACHE) {
		conf->bridge_count = c->bridges[i].count;
		memcpy(conf->bridges, c->bridges[i].addr, conf->bridge_count * sizeof(uint64_t));
		return;
	}
	if (c->store->ops->member_ids(c->store, nwid, ZT_STORE_BRIDGES, 0, conf->bridges,
	                              ZT_NETCONF_MAX_BRIDGES, &n) != ZT_OK) {
		c->store_errors++;
		return; /* not cached: the next request reads again */
	}
	conf->bridge_count = (unsigned)n;
	i = c->bridges_next++ % ZT_CTL_BRIDGE_CACHE;
	c->bridges[i].valid = true;
	c->bridges[i].nwid = nwid;
	c->bridges[i].count = conf->bridge_count;
	memcpy(c->bridges[i].addr, conf->bridges, conf->bridge_count * sizeof(uint64_t));
}

/* ---- the network's names (networks with a dns.domain) ---- */

struct names_ctx {
	const json_t *net;
	struct zt_netconf_name *e;
	unsigned count;
};

static int names_each(void *ctx, const char *id, const char *text)
{
	struct names_ctx *x = ctx;
	struct zt_netconf_name *e;
	json_t *m;
	uint64_t a;
	bool dup = false;

	if (x->count >= ZT_NETCONF_MAX_NAMES)
		return 1; /* the list is bounded: the first by address */
	if (zt_address_parse(id, &a) != ZT_OK)
		return 0;
	e = &x->e[x->count];
	m = json_loads(text, 0, NULL);
	if (m != NULL && zt_policy_name_entry(x->net, m, a, e)) {
		/* Two members with one name: the first (by address) keeps it. */
		for (unsigned i = 0; i < x->count && !dup; i++)
			dup = strcmp(x->e[i].label, e->label) == 0;
		if (!dup)
			x->count++;
	}
	json_decref(m);
	return 0;
}

void zt_ctl_cache_names_forget(struct zt_ctl *c)
{
	for (unsigned i = 0; i < ZT_CTL_NAMES_CACHE; i++)
		c->names[i].valid = false;
}

void zt_ctl_cache_names_fill(struct zt_ctl *c, uint64_t nwid, const json_t *net,
                             struct zt_netconf *conf)
{
	struct names_ctx x = {net, NULL, 0};
	unsigned i;

	conf->name_count = 0;
	for (i = 0; i < ZT_CTL_NAMES_CACHE; i++)
		if (c->names[i].valid && c->names[i].nwid == nwid)
			break;
	if (i == ZT_CTL_NAMES_CACHE) {
		i = c->names_next++ % ZT_CTL_NAMES_CACHE;
		c->names[i].valid = false;
		if (c->names[i].e == NULL)
			c->names[i].e = calloc(ZT_NETCONF_MAX_NAMES, sizeof *c->names[i].e);
		if (c->names[i].e == NULL)
			return;
		x.e = c->names[i].e;
		/* Stopping early (1 from names_each) is no error. */
		if (c->store->ops->member_list(c->store, nwid, names_each, &x) != ZT_OK &&
		    x.count < ZT_NETCONF_MAX_NAMES) {
			c->store_errors++;
			return; /* not cached: the next request reads again */
		}
		c->names[i].valid = true;
		c->names[i].nwid = nwid;
		c->names[i].count = x.count;
	}
	conf->name_count = c->names[i].count;
	memcpy(conf->names, c->names[i].e, conf->name_count * sizeof conf->names[0]);
}
