/* SPDX-License-Identifier: MIT */
/*
 * netapply.c - a managed network's config on its TAP (see netapply.h).
 */
#include "service/netapply.h"

#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <net/if.h>
#include <spawn.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "osdep/log.h"
#include "osdep/netlink.h"

extern char **environ;

bool zt_net_bridge_dev_valid(const char *name)
{
	size_t len = strlen(name);

	if (len == 0 || len >= ZT_NET_BRIDGE_DEV_MAX || strcmp(name, ".") == 0 ||
	    strcmp(name, "..") == 0)
		return false;
	for (size_t i = 0; i < len; i++) {
		unsigned char ch = (unsigned char)name[i];
		if (ch <= ' ' || ch >= 0x7f || ch == '/' || ch == ':' || ch == '"' || ch == '\\')
			return false;
	}
	return true;
}

static bool in_prefix(const uint8_t *ip, const uint8_t *net, unsigned bits)
{
	unsigned full = bits / 8, rest = bits % 8;
	if (memcmp(ip, net, full) != 0)
		return false;
	return rest == 0 || ((ip[full] ^ net[full]) & (uint8_t)(0xff << (8 - rest))) == 0;
}

/* Private, shared or link-local: what allowGlobal=0 still permits. */
static bool is_private(const struct zt_inetaddr *a)
{
	static const struct {
		uint8_t family, bits, ip[16];
	} nets[] = {
	    {4, 8, {10}},        {4, 12, {172, 16}}, {4, 16, {192, 168}},   {4, 10, {100, 64}},
	    {4, 16, {169, 254}}, {6, 7, {0xfc}},     {6, 10, {0xfe, 0x80}},
	};
	for (size_t i = 0; i < sizeof nets / sizeof nets[0]; i++)
		if (nets[i].family == a->family && a->bits >= nets[i].bits &&
		    in_prefix(a->ip, nets[i].ip, nets[i].bits))
			return true;
	return false;
}

static bool same_addr(const struct zt_inetaddr *a, const struct zt_inetaddr *b)
{
	return a->family == b->family && a->bits == b->bits &&
	       memcmp(a->ip, b->ip, a->family == 4 ? 4 : 16) == 0;
}

static bool same_route(const struct zt_route *a, const struct zt_route *b)
{
	return same_addr(&a->target, &b->target) && a->via.family == b->via.family &&
	       (a->via.family == 0 ||
	        memcmp(a->via.ip, b->via.ip, a->via.family == 4 ? 4 : 16) == 0) &&
	       a->metric == b->metric;
}

static void add_route(struct zt_netapply *out, const struct zt_route *r)
{
	if (out->route_count < ZT_NETAPPLY_MAX_ROUTES)
		out->routes[out->route_count++] = *r;
}

void zt_netapply_want(const struct zt_netconf *c, const struct zt_net_settings *s,
                      struct zt_netapply *out)
{
	memset(out, 0, sizeof *out);
	if (c == NULL || !s->allow_managed)
		return;
	for (unsigned i = 0; i < c->addr_count && i < ZT_NETCONF_MAX_ADDRS; i++) {
		const struct zt_inetaddr *a = &c->addrs[i];
		struct zt_inetaddr host = *a;
		host.bits = a->family == 4 ? 32 : 128;
		if (a->family != 4 && a->family != 6)
			continue;
		if (!s->allow_global && !is_private(&host))
			continue;
		out->addrs[out->addr_count++] = *a;
	}
	for (unsigned i = 0; i < c->route_count && i < ZT_NETCONF_MAX_ROUTES; i++) {
		struct zt_route r = c->routes[i];
		bool self = false;
		if (r.target.family != 4 && r.target.family != 6)
			continue;
		/* A route via one of our own addresses: we are the gateway. */
		for (unsigned k = 0; k < c->addr_count; k++)
			self = self || (r.via.family != 0 && r.via.family == c->addrs[k].family &&
			                memcmp(r.via.ip, c->addrs[k].ip, 16) == 0);
		if (self)
			continue;
		if (r.target.bits == 0) {
			if (!s->allow_default)
				continue;
			/* Two halves, more specific than any default route, so
			 * the underlay's own default is shadowed, not replaced. */
			r.target.bits = 1;
			memset(r.target.ip, 0, 16);
			add_route(out, &r);
			r.target.ip[0] = 0x80;
			add_route(out, &r);
			continue;
		}
		if (!s->allow_global && !is_private(&r.target))
			continue;
		add_route(out, &r);
	}
}

static void text(const struct zt_inetaddr *a, char *out, size_t cap)
{
	char ip[INET6_ADDRSTRLEN];
	if (inet_ntop(a->family == 6 ? AF_INET6 : AF_INET, a->ip, ip, sizeof ip) == NULL)
		snprintf(ip, sizeof ip, "?");
	snprintf(out, cap, "%s/%u", ip, a->bits);
}

static bool has_default(const struct zt_netapply *a)
{
	for (unsigned i = 0; i < a->route_count; i++)
		if (a->routes[i].target.bits == 1)
			return true;
	return false;
}

/* Before the halves go in: pin the way to every root endpoint (what the
 * kernel would use now) with a host route, unless it is the overlay. */
static void bypass_add(uint64_t nwid, const char *dev, struct zt_netapply *now,
                       const struct zt_endpoint *pin, size_t npin)
{
	int tap = (int)if_nametoindex(dev);
	char t[64];

	for (size_t i = 0; i < npin; i++) {
		{
			const struct zt_endpoint *ep = &pin[i];
			struct zt_inetaddr dst, gw;
			int oif, r;
			bool dup = false;
			if ((ep->family != 4 && ep->family != 6) ||
			    now->bypass_count >= ZT_NETAPPLY_MAX_PIN)
				continue;
			memset(&dst, 0, sizeof dst);
			dst.family = ep->family;
			dst.bits = ep->family == 4 ? 32 : 128;
			memcpy(dst.ip, ep->ip, ep->family == 4 ? 4 : 16);
			for (unsigned k = 0; k < now->bypass_count; k++)
				dup = dup || same_addr(&now->bypass[k].dst, &dst);
			if (dup || zt_nl_route_get(&dst, &gw, &oif) < 0 || oif == tap)
				continue;
			text(&dst, t, sizeof t);
			r = zt_nl_route_idx(oif, &dst, &gw, 0, true);
			if (r < 0) {
				zt_log_warn("network %016" PRIx64 ": cannot pin the route to %s: "
				            "%s",
				            nwid, t, strerror(-r));
				continue;
			}
			now->bypass[now->bypass_count].dst = dst;
			now->bypass[now->bypass_count].gw = gw;
			now->bypass[now->bypass_count].oif = oif;
			now->bypass_count++;
		}
	}
}

static void bypass_remove(struct zt_netapply *now)
{
	for (unsigned i = 0; i < now->bypass_count; i++)
		(void)zt_nl_route_idx(now->bypass[i].oif, &now->bypass[i].dst, &now->bypass[i].gw,
		                      0, false);
	now->bypass_count = 0;
}

void zt_netapply_sync(uint64_t nwid, const char *dev, struct zt_netapply *cur,
                      const struct zt_netapply *want, const struct zt_endpoint *pin, size_t npin)
{
	struct zt_netapply now;
	char t[64], v[64];
	int r;

	if (dev == NULL || dev[0] == '\0')
		return;
	memset(&now, 0, sizeof now);
	now.dns = cur->dns;
	now.bypass_count = cur->bypass_count;
	memcpy(now.bypass, cur->bypass, sizeof now.bypass);
	if (has_default(want) && now.bypass_count == 0)
		bypass_add(nwid, dev, &now, pin, npin);
	/* Routes first out (they may depend on addresses), addresses last in. */
	for (unsigned i = 0; i < cur->route_count; i++) {
		bool keep = false;
		for (unsigned k = 0; k < want->route_count; k++)
			keep = keep || same_route(&cur->routes[i], &want->routes[k]);
		if (keep)
			continue;
		r = zt_nl_route(dev, &cur->routes[i].target, &cur->routes[i].via,
		                cur->routes[i].metric, false);
		text(&cur->routes[i].target, t, sizeof t);
		if (r < 0)
			zt_log_warn("network %016" PRIx64 ": cannot remove route %s from %s: %s",
			            nwid, t, dev, strerror(-r));
		else
			zt_log_info("network %016" PRIx64 ": route %s removed", nwid, t);
	}
	for (unsigned i = 0; i < cur->addr_count; i++) {
		bool keep = false;
		for (unsigned k = 0; k < want->addr_count; k++)
			keep = keep || same_addr(&cur->addrs[i], &want->addrs[k]);
		if (keep) {
			now.addrs[now.addr_count++] = cur->addrs[i];
			continue;
		}
		r = zt_nl_addr(dev, &cur->addrs[i], false);
		text(&cur->addrs[i], t, sizeof t);
		if (r < 0)
			zt_log_warn("network %016" PRIx64 ": cannot remove %s from %s: %s", nwid, t,
			            dev, strerror(-r));
		else
			zt_log_info("network %016" PRIx64 ": address %s removed from %s", nwid, t,
			            dev);
	}
	for (unsigned i = 0; i < want->addr_count; i++) {
		bool have = false;
		for (unsigned k = 0; k < now.addr_count; k++)
			have = have || same_addr(&now.addrs[k], &want->addrs[i]);
		if (have)
			continue;
		text(&want->addrs[i], t, sizeof t);
		r = zt_nl_addr(dev, &want->addrs[i], true);
		if (r < 0) {
			zt_log_warn("network %016" PRIx64 ": cannot add %s to %s: %s", nwid, t, dev,
			            strerror(-r));
			continue;
		}
		zt_log_info("network %016" PRIx64 ": address %s on %s", nwid, t, dev);
		now.addrs[now.addr_count++] = want->addrs[i];
	}
	for (unsigned i = 0; i < want->route_count; i++) {
		const struct zt_route *w = &want->routes[i];
		bool have = false;
		for (unsigned k = 0; k < cur->route_count; k++)
			have = have || same_route(&cur->routes[k], w);
		text(&w->target, t, sizeof t);
		if (!have) {
			r = zt_nl_route(dev, &w->target, &w->via, w->metric, true);
			if (r < 0) {
				zt_log_warn("network %016" PRIx64 ": cannot add route %s to %s: %s",
				            nwid, t, dev, strerror(-r));
				continue;
			}
			if (w->via.family) {
				struct zt_inetaddr via = w->via;
				via.bits = via.family == 4 ? 32 : 128;
				text(&via, v, sizeof v);
				zt_log_info("network %016" PRIx64 ": route %s via %s on %s", nwid,
				            t, v, dev);
			} else {
				zt_log_info("network %016" PRIx64 ": route %s on %s", nwid, t, dev);
			}
		}
		now.routes[now.route_count++] = *w;
	}
	if (!has_default(&now) && now.bypass_count > 0)
		bypass_remove(&now);
	*cur = now;
}

/* Run argv without a shell: its exit status (0 or more), or a negative
 * errno if it could not run (-ECHILD: it did not exit, a signal ended it). */
static int run(const char *const argv[])
{
	pid_t pid;
	int st, r;
	/* posix_spawnp does not write to argv; its prototype predates const. */
	r = posix_spawnp(&pid, argv[0], NULL, NULL, (char *const *)argv, environ);
	if (r != 0)
		return -r;
	if (waitpid(pid, &st, 0) < 0)
		return -errno;
	return WIFEXITED(st) ? WEXITSTATUS(st) : -ECHILD;
}

static bool have_resolvectl(void)
{
	static const char *const dirs[] = {"/usr/bin/resolvectl", "/bin/resolvectl",
	                                   "/usr/sbin/resolvectl"};
	for (size_t i = 0; i < sizeof dirs / sizeof dirs[0]; i++)
		if (access(dirs[i], X_OK) == 0)
			return true;
	return false;
}

void zt_netapply_dns(uint64_t nwid, const char *dev, struct zt_netapply *cur,
                     const struct zt_netconf *conf, const struct zt_net_settings *s)
{
	bool want = conf != NULL && s->allow_dns && s->allow_managed && conf->dns_count > 0;
	char servers[ZT_NETCONF_MAX_DNS][INET6_ADDRSTRLEN];
	const char *argv[4 + ZT_NETCONF_MAX_DNS];
	int n = 0, r;

	if (dev == NULL || dev[0] == '\0' || (!want && !cur->dns))
		return;
	if (!have_resolvectl()) {
		if (want)
			zt_log_info("network %016" PRIx64 ": DNS %s pushed, but this system has no "
			            "resolvectl: see zt-cli -j listnetworks",
			            nwid, conf->dns_domain);
		return;
	}
	if (!want) {
		const char *rv[] = {"resolvectl", "revert", dev, NULL};
		(void)run(rv);
		cur->dns = false;
		return;
	}
	argv[n++] = "resolvectl";
	argv[n++] = "dns";
	argv[n++] = dev;
	for (unsigned i = 0; i < conf->dns_count; i++) {
		if (inet_ntop(conf->dns[i].family == 6 ? AF_INET6 : AF_INET, conf->dns[i].ip,
		              servers[i], sizeof servers[i]) != NULL)
			argv[n++] = servers[i];
	}
	argv[n] = NULL;
	r = run(argv);
	if (r == 0 && conf->dns_domain[0]) {
		const char *dv[] = {"resolvectl", "domain", dev, conf->dns_domain, NULL};
		r = run(dv);
	}
	if (r != 0)
		zt_log_warn("network %016" PRIx64 ": resolvectl failed (%d): DNS not applied", nwid,
		            r);
	else
		zt_log_info("network %016" PRIx64 ": DNS via resolvectl on %s", nwid, dev);
	cur->dns = r == 0;
}
