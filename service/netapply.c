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
#include <stdlib.h>
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
	for (unsigned i = 0; i < out->route_count; i++)
		if (same_route(&out->routes[i], r))
			return;
	if (out->route_count < ZT_NETAPPLY_MAX_ROUTES)
		out->routes[out->route_count++] = *r;
}

static void add_addr(struct zt_netapply *out, const struct zt_inetaddr *a, uint8_t flags)
{
	for (unsigned i = 0; i < out->addr_count; i++)
		if (same_addr(&out->addrs[i], a))
			return;
	if (out->addr_count < ZT_NETAPPLY_MAX_ADDRS) {
		out->addr_flags[out->addr_count] = flags;
		out->addrs[out->addr_count++] = *a;
	}
}

/* The network of a (host bits cleared). */
static struct zt_inetaddr prefix_of(const struct zt_inetaddr *a)
{
	struct zt_inetaddr p = *a;
	size_t alen = a->family == 4 ? 4 : 16;

	for (unsigned b = a->bits; b < alen * 8; b++)
		p.ip[b / 8] &= (uint8_t) ~(0x80 >> (b % 8));
	for (size_t b = alen; b < 16; b++)
		p.ip[b] = 0;
	return p;
}

void zt_netapply_want(const struct zt_netconf *c, const struct zt_net_settings *s,
                      struct zt_netapply *out)
{
	memset(out, 0, sizeof *out);
	/* The user's own addresses first: they are what the host had. */
	for (unsigned i = 0; i < s->ip_count && i < ZT_NET_MAX_IPS; i++)
		add_addr(out, &s->ips[i], 0);
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
		add_addr(out, a, ZT_NETAPPLY_A_MANAGED);
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
		r.target = prefix_of(&r.target);
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
	/* The route each managed address would have had from the kernel,
	 * at ztd's metric instead (see netapply.h). */
	for (unsigned i = 0; i < out->addr_count; i++) {
		struct zt_route r;
		const struct zt_inetaddr *a = &out->addrs[i];
		if (!(out->addr_flags[i] & ZT_NETAPPLY_A_MANAGED) ||
		    a->bits >= (a->family == 4 ? 32 : 128))
			continue;
		memset(&r, 0, sizeof r);
		r.target = prefix_of(a);
		add_route(out, &r);
	}
}

void zt_netapply_addr_text(const struct zt_inetaddr *a, char *out, size_t cap)
{
	char ip[INET6_ADDRSTRLEN];
	if (inet_ntop(a->family == 6 ? AF_INET6 : AF_INET, a->ip, ip, sizeof ip) == NULL)
		snprintf(ip, sizeof ip, "?");
	snprintf(out, cap, "%s/%u", ip, a->bits);
}

static void text(const struct zt_inetaddr *a, char *out, size_t cap)
{
	zt_netapply_addr_text(a, out, cap);
}

int zt_netapply_parse_addr(const char *t, struct zt_inetaddr *out)
{
	const char *slash = strchr(t, '/');
	char ip[INET6_ADDRSTRLEN];
	unsigned long bits;
	size_t n;
	char *end;

	memset(out, 0, sizeof *out);
	if (slash == NULL || (n = (size_t)(slash - t)) == 0 || n >= sizeof ip || slash[1] < '0' ||
	    slash[1] > '9')
		return -EINVAL;
	memcpy(ip, t, n);
	ip[n] = '\0';
	bits = strtoul(slash + 1, &end, 10);
	if (*end != '\0')
		return -EINVAL;
	if (inet_pton(AF_INET, ip, out->ip) == 1) {
		out->family = 4;
		/* 0.0.0.0/8, multicast and above: never an interface's. */
		if (bits == 0 || bits > 32 || out->ip[0] == 0 || out->ip[0] >= 224)
			return -EINVAL;
	} else if (inet_pton(AF_INET6, ip, out->ip) == 1) {
		static const uint8_t zero[16];
		out->family = 6;
		if (bits == 0 || bits > 128 || out->ip[0] == 0xff || memcmp(out->ip, zero, 16) == 0)
			return -EINVAL;
	} else {
		return -EINVAL;
	}
	out->bits = (uint8_t)bits;
	return 0;
}

static bool has_default(const struct zt_netapply *a)
{
	for (unsigned i = 0; i < a->route_count; i++)
		if (a->routes[i].target.bits == 1)
			return true;
	return false;
}

/* The kernel metric of one of ztd's routes. */
static unsigned metric_of(const struct zt_route *r)
{
	return ZT_NETAPPLY_METRIC + r->metric;
}

/* Before the halves go in: pin the way to every root endpoint (what the
 * kernel would use now) with a host route, unless it is the overlay. */
static void bypass_add(uint64_t nwid, const char *dev, struct zt_netapply *now,
                       const struct zt_endpoint *pin, size_t npin)
{
	int tap = (int)if_nametoindex(dev);
	char t[64];

	for (size_t i = 0; i < npin; i++) {
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
		r = zt_nl_route_idx(oif, &dst, &gw, ZT_NETAPPLY_METRIC, true);
		if (r == -EEXIST)
			continue; /* the same pin is there already: not ours to remove */
		if (r < 0) {
			zt_log_warn("network %016" PRIx64 ": cannot pin the route to %s: %s", nwid,
			            t, strerror(-r));
			continue;
		}
		now->bypass[now->bypass_count].dst = dst;
		now->bypass[now->bypass_count].gw = gw;
		now->bypass[now->bypass_count].oif = oif;
		now->bypass_count++;
	}
}

static void bypass_remove(struct zt_netapply *now)
{
	for (unsigned i = 0; i < now->bypass_count; i++)
		(void)zt_nl_route_idx(now->bypass[i].oif, &now->bypass[i].dst, &now->bypass[i].gw,
		                      ZT_NETAPPLY_METRIC, false);
	now->bypass_count = 0;
}

/* Index of a in list, or -1. */
static int find_addr(const struct zt_inetaddr *list, unsigned n, const struct zt_inetaddr *a)
{
	for (unsigned i = 0; i < n; i++)
		if (same_addr(&list[i], a))
			return (int)i;
	return -1;
}

/* Add address i of *now to dev; its flags say whether it is ours. */
static int addr_add(uint64_t nwid, const char *dev, struct zt_netapply *now, unsigned i,
                    const char *why)
{
	bool managed = now->addr_flags[i] & ZT_NETAPPLY_A_MANAGED;
	char t[64];
	int r = zt_nl_addr(dev, &now->addrs[i], true, managed);

	text(&now->addrs[i], t, sizeof t);
	if (r == -EEXIST) {
		/* Put there by someone else: it stays theirs, except an ad-hoc
		 * network's own address, which the user gave ztd to keep. */
		if (!managed)
			now->addr_flags[i] |= ZT_NETAPPLY_A_OURS;
		zt_log_info("network %016" PRIx64 ": address %s is on %s already", nwid, t, dev);
		return 0;
	}
	if (r < 0) {
		zt_log_warn("network %016" PRIx64 ": cannot add %s to %s: %s", nwid, t, dev,
		            strerror(-r));
		return r;
	}
	now->addr_flags[i] |= ZT_NETAPPLY_A_OURS;
	zt_log_info("network %016" PRIx64 ": address %s on %s%s", nwid, t, dev, why);
	return 0;
}

static void addr_remove(uint64_t nwid, const char *dev, const struct zt_inetaddr *a,
                        const char *why)
{
	char t[64];
	int r = zt_nl_addr(dev, a, false, false);

	text(a, t, sizeof t);
	if (r < 0)
		zt_log_warn("network %016" PRIx64 ": cannot remove %s from %s: %s", nwid, t, dev,
		            strerror(-r));
	else
		zt_log_info("network %016" PRIx64 ": address %s removed from %s%s", nwid, t, dev,
		            why);
}

unsigned zt_netapply_check(uint64_t nwid, const char *dev, struct zt_netapply *cur,
                           const struct zt_netapply *gone)
{
	struct zt_inetaddr on[64];
	unsigned changed = 0;
	int n = zt_nl_addr_list(dev, on, sizeof on / sizeof on[0]);

	if (n < 0) {
		zt_log_warn("network %016" PRIx64 ": cannot read the addresses of %s: %s", nwid,
		            dev, strerror(-n));
		return 0;
	}
	if ((size_t)n > sizeof on / sizeof on[0])
		n = (int)(sizeof on / sizeof on[0]);
	for (unsigned i = 0; gone != NULL && i < gone->addr_count; i++) {
		if (!(gone->addr_flags[i] & ZT_NETAPPLY_A_OURS) ||
		    find_addr(cur->addrs, cur->addr_count, &gone->addrs[i]) >= 0 ||
		    find_addr(on, (unsigned)n, &gone->addrs[i]) < 0)
			continue;
		addr_remove(nwid, dev, &gone->addrs[i], " (was still there)");
		changed++;
	}
	for (unsigned i = 0; i < cur->addr_count; i++) {
		if (find_addr(on, (unsigned)n, &cur->addrs[i]) >= 0)
			continue;
		/* Gone behind our back: with its primary address when
		 * promote_secondaries is off, by hand, or with the link. */
		if (addr_add(nwid, dev, cur, i, " (was missing: repaired)") == 0)
			changed++;
	}
	/* Linux drops every IPv4 route of a device with its last IPv4
	 * address (and IPv6 ones with the link): adding ours again is -EEXIST
	 * where they are still there. */
	for (unsigned i = 0; i < cur->route_count; i++) {
		const struct zt_route *w = &cur->routes[i];
		char t[64];
		int r;
		if (!cur->route_ours[i])
			continue;
		r = zt_nl_route(dev, &w->target, &w->via, metric_of(w), true);
		if (r != 0)
			continue; /* there, or (no way to its gateway now) not yet */
		text(&w->target, t, sizeof t);
		zt_log_info("network %016" PRIx64 ": route %s on %s (was missing: repaired)", nwid,
		            t, dev);
		changed++;
	}
	return changed;
}

void zt_netapply_prepare(uint64_t nwid, const char *dev)
{
	int r = zt_nl_promote_secondaries(dev);

	if (r < 0)
		zt_log_warn("network %016" PRIx64 ": cannot set promote_secondaries on %s: %s "
		            "(removing an address may take others with it; ztd re-adds them)",
		            nwid, dev, strerror(-r));
}

void zt_netapply_sync(uint64_t nwid, const char *dev, struct zt_netapply *cur,
                      const struct zt_netapply *want, const struct zt_endpoint *pin, size_t npin)
{
	struct zt_netapply now;
	char t[64], v[64];
	int r;

	if (dev == NULL || dev[0] == '\0')
		return;
	if (if_nametoindex(dev) == 0) {
		/* The device is gone (ip link del), and with it what was on
		 * it: only the pins on other devices are left to take back. */
		bypass_remove(cur);
		cur->addr_count = cur->route_count = 0;
		cur->dns = false;
		return;
	}
	memset(&now, 0, sizeof now);
	now.dns = cur->dns;
	now.bypass_count = cur->bypass_count;
	memcpy(now.bypass, cur->bypass, sizeof now.bypass);
	if (has_default(want) && now.bypass_count == 0)
		bypass_add(nwid, dev, &now, pin, npin);
	/* Routes first out (they may depend on addresses), addresses last in.
	 * Only what ztd added goes. */
	for (unsigned i = 0; i < cur->route_count; i++) {
		bool keep = false;
		for (unsigned k = 0; k < want->route_count; k++)
			keep = keep || same_route(&cur->routes[i], &want->routes[k]);
		if (keep || !cur->route_ours[i])
			continue;
		r = zt_nl_route(dev, &cur->routes[i].target, &cur->routes[i].via,
		                metric_of(&cur->routes[i]), false);
		text(&cur->routes[i].target, t, sizeof t);
		if (r < 0)
			zt_log_warn("network %016" PRIx64 ": cannot remove route %s from %s: %s",
			            nwid, t, dev, strerror(-r));
		else
			zt_log_info("network %016" PRIx64 ": route %s removed", nwid, t);
	}
	for (unsigned i = 0; i < cur->addr_count; i++) {
		int k = find_addr(want->addrs, want->addr_count, &cur->addrs[i]);
		if (k >= 0 && want->addr_flags[k] == (cur->addr_flags[i] & ZT_NETAPPLY_A_MANAGED)) {
			now.addr_flags[now.addr_count] = cur->addr_flags[i];
			now.addrs[now.addr_count++] = cur->addrs[i];
			continue;
		}
		if (cur->addr_flags[i] & ZT_NETAPPLY_A_OURS)
			addr_remove(nwid, dev, &cur->addrs[i], "");
	}
	for (unsigned i = 0; i < want->addr_count && now.addr_count < ZT_NETAPPLY_MAX_ADDRS; i++) {
		if (find_addr(now.addrs, now.addr_count, &want->addrs[i]) >= 0)
			continue;
		now.addrs[now.addr_count] = want->addrs[i];
		now.addr_flags[now.addr_count] = want->addr_flags[i];
		if (addr_add(nwid, dev, &now, now.addr_count, "") == 0)
			now.addr_count++;
	}
	for (unsigned i = 0; i < want->route_count; i++) {
		const struct zt_route *w = &want->routes[i];
		int have = -1;
		for (unsigned k = 0; k < cur->route_count && have < 0; k++)
			if (same_route(&cur->routes[k], w))
				have = (int)k;
		text(&w->target, t, sizeof t);
		if (have >= 0) {
			now.route_ours[now.route_count] = cur->route_ours[have];
			now.routes[now.route_count++] = *w;
			continue;
		}
		r = zt_nl_route(dev, &w->target, &w->via, metric_of(w), true);
		if (r < 0 && r != -EEXIST) {
			zt_log_warn("network %016" PRIx64 ": cannot add route %s to %s: %s", nwid,
			            t, dev, strerror(-r));
			continue;
		}
		v[0] = '\0';
		if (w->via.family) {
			struct zt_inetaddr via = w->via;
			via.bits = via.family == 4 ? 32 : 128;
			memcpy(v, " via ", 6);
			text(&via, v + 5, sizeof v - 5);
		}
		/* The same route there already (put by hand): kept, not ours. */
		zt_log_info("network %016" PRIx64 ": route %s%s on %s metric %u%s", nwid, t, v, dev,
		            metric_of(w), r == -EEXIST ? " is there already" : "");
		now.route_ours[now.route_count] = r == 0;
		now.routes[now.route_count++] = *w;
	}
	if (!has_default(&now) && now.bypass_count > 0)
		bypass_remove(&now);
	(void)zt_netapply_check(nwid, dev, &now, cur);
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
                     const struct zt_netconf *conf, const struct zt_net_settings *s,
                     const struct zt_inetaddr *self)
{
	bool want = conf != NULL && s->allow_dns && s->allow_managed &&
	            (conf->dns_count > 0 || (self != NULL && conf->dns_domain[0] != '\0'));
	char servers[1 + ZT_NETCONF_MAX_DNS][INET6_ADDRSTRLEN];
	char routing[1 + ZT_NETCONF_NAME_MAX];
	const char *argv[5 + ZT_NETCONF_MAX_DNS];
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
	/* Our own responder first (the names), then the pushed servers. */
	if (self != NULL && inet_ntop(self->family == 6 ? AF_INET6 : AF_INET, self->ip, servers[0],
	                              sizeof servers[0]) != NULL)
		argv[n++] = servers[0];
	for (unsigned i = 0; i < conf->dns_count && i < ZT_NETCONF_MAX_DNS; i++) {
		if (inet_ntop(conf->dns[i].family == 6 ? AF_INET6 : AF_INET, conf->dns[i].ip,
		              servers[1 + i], sizeof servers[1 + i]) != NULL)
			argv[n++] = servers[1 + i];
	}
	argv[n] = NULL;
	r = run(argv);
	if (r == 0 && conf->dns_domain[0]) {
		/* With servers pushed, the domain is a search domain, as
		 * ZeroTier sets it.  With our names alone, a routing-only
		 * domain (~): only that domain's queries come to us. */
		const char *dv[] = {"resolvectl", "domain", dev, conf->dns_domain, NULL};
		if (conf->dns_count == 0) {
			snprintf(routing, sizeof routing, "~%s", conf->dns_domain);
			dv[3] = routing;
		}
		r = run(dv);
	}
	if (r != 0)
		zt_log_warn("network %016" PRIx64 ": resolvectl failed (%d): DNS not applied", nwid,
		            r);
	else
		zt_log_info("network %016" PRIx64 ": DNS via resolvectl on %s", nwid, dev);
	cur->dns = r == 0;
}
