/* SPDX-License-Identifier: MIT */
/*
 * netfile.c - ztd's networks.d files (see netfile.h).
 */
#include "service/netfile.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "osdep/home.h"
#include "osdep/log.h"

#define NETWORKS_DIR "networks.d"
#define FILE_MAX     2048 /* the settings and ZT_NET_MAX_IPS IPv6 addresses */

static int net_path(char *out, size_t cap, const char *home, uint64_t nwid)
{
	char name[64];

	snprintf(name, sizeof name, NETWORKS_DIR "/%016" PRIx64 ".conf", nwid);
	return zt_home_path(out, cap, home, name);
}

/* ip=a/n,b/m: an ad-hoc network's addresses (a bad one is logged and
 * skipped, the others kept). */
static void load_ips(const char *path, unsigned no, char *list, struct zt_net_settings *out)
{
	char *save = NULL;

	for (char *t = strtok_r(list, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		struct zt_inetaddr a;
		if (zt_netapply_parse_addr(t, &a) < 0 || out->ip_count >= ZT_NET_MAX_IPS) {
			zt_log_warn("%s:%u: ignoring the address '%.50s' (ip=): not ip/bits, or "
			            "more than %d",
			            path, no, t, ZT_NET_MAX_IPS);
			continue;
		}
		out->ips[out->ip_count++] = a;
	}
}

/* One "key=value" line (number no) of the networks.d file path into out:
 * NULL, or why it is ignored. */
static const char *load_line(const char *path, unsigned no, char *line, uint64_t nwid,
                             struct zt_net_settings *out)
{
	const struct {
		const char *key;
		bool *b;     /* a 0/1 setting */
		unsigned *u; /* or a number 0..86400 */
	} keys[] = {
	    {"allowManaged", &out->allow_managed, NULL},
	    {"allowGlobal", &out->allow_global, NULL},
	    {"allowDefault", &out->allow_default, NULL},
	    {"allowDNS", &out->allow_dns, NULL},
	    {"bridge", &out->bridge, NULL},
	    {"broadcastEnabled", &out->broadcast, NULL},
	    {"multicastLimit", NULL, &out->multicast_limit},
	    {"macAgeSeconds", NULL, &out->mac_age_s},
	    {"mssClamp", NULL, &out->mss_clamp},
	};
	char *eq = strchr(line, '='), *v;
	size_t kl;
	uint64_t id;

	if (!eq)
		return "not key=value";
	kl = (size_t)(eq - line);
	v = eq + 1;
	if (kl == 4 && strncmp(line, "nwid", 4) == 0) {
		if (zt_nwid_parse(v, &id) != 0 || id != nwid)
			return "not the network id of the file's name";
		return NULL;
	}
	if (kl == 12 && strncmp(line, "bridgeDevice", 12) == 0) {
		if (v[0] != '\0' && !zt_net_bridge_dev_valid(v))
			return "not a device name";
		snprintf(out->bridge_dev, sizeof out->bridge_dev, "%s", v);
		return NULL;
	}
	if (kl == 2 && strncmp(line, "ip", 2) == 0) {
		load_ips(path, no, v, out); /* says which address it skips */
		return NULL;
	}
	for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
		char *end;
		unsigned long n;

		if (strlen(keys[i].key) != kl || strncmp(line, keys[i].key, kl) != 0)
			continue;
		if (keys[i].b) {
			if ((v[0] != '0' && v[0] != '1') || v[1] != '\0')
				return "expected 0 or 1";
			*keys[i].b = v[0] == '1';
			return NULL;
		}
		n = strtoul(v, &end, 10);
		if (end == v || *end != '\0' || v[0] == '-' || n > 86400)
			return "expected a number 0-86400";
		*keys[i].u = (unsigned)n;
		return NULL;
	}
	return "unknown key";
}

void zt_netfile_load(const char *home, uint64_t nwid, struct zt_net_settings *out)
{
	char path[ZT_HOME_PATH_MAX], buf[FILE_MAX], *line, *next;
	unsigned no = 0;
	size_t len;
	int r;

	zt_net_settings_default(out);
	if (net_path(path, sizeof path, home, nwid) < 0)
		return;
	r = zt_home_read(path, buf, sizeof buf, &len);
	if (r < 0) {
		if (r != -ENOENT)
			zt_log_warn("%s: %s: using the default settings", path,
			            r == -EFBIG ? "too large" : strerror(-r));
		return;
	}
	/* Each line that is not understood is said, with its number, so
	 * that a hand edit that does nothing does not go unnoticed. */
	for (line = buf; line && *line; line = next) {
		const char *why;

		no++;
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		if (line[0] && line[strlen(line) - 1] == '\r')
			line[strlen(line) - 1] = '\0';
		if (line[0] == '\0' || line[0] == '#')
			continue;
		why = load_line(path, no, line, nwid, out);
		if (why)
			zt_log_warn("%s:%u: ignoring '%.40s': %s", path, no, line, why);
	}
}

int zt_netfile_save(const char *home, uint64_t nwid, const struct zt_net_settings *st, char *err,
                    size_t errcap)
{
	char dir[ZT_HOME_PATH_MAX], path[ZT_HOME_PATH_MAX], buf[FILE_MAX];
	int n, r;

	r = zt_home_path(dir, sizeof dir, home, NETWORKS_DIR);
	if (r == 0)
		r = net_path(path, sizeof path, home, nwid);
	if (r < 0) {
		snprintf(err, errcap, "home directory path %s is too long", home);
		return r;
	}
	r = zt_home_mkdir(dir);
	if (r < 0) {
		snprintf(err, errcap, "cannot create %s: %s", dir, strerror(-r));
		return r;
	}
	n = snprintf(buf, sizeof buf,
	             "nwid=%016" PRIx64 "\nallowManaged=%d\nallowGlobal=%d\nallowDefault=%d\n"
	             "allowDNS=%d\nbridge=%d\nbroadcastEnabled=%d\nmulticastLimit=%u\n"
	             "macAgeSeconds=%u\nmssClamp=%u\nbridgeDevice=%s\n",
	             nwid, st->allow_managed, st->allow_global, st->allow_default, st->allow_dns,
	             st->bridge, st->broadcast, st->multicast_limit, st->mac_age_s, st->mss_clamp,
	             st->bridge_dev);
	n += snprintf(buf + n, sizeof buf - (size_t)n, "ip=");
	for (unsigned i = 0; i < st->ip_count && i < ZT_NET_MAX_IPS; i++) {
		char t[64];
		zt_netapply_addr_text(&st->ips[i], t, sizeof t);
		n += snprintf(buf + n, sizeof buf - (size_t)n, "%s%s", i ? "," : "", t);
	}
	n += snprintf(buf + n, sizeof buf - (size_t)n, "\n");
	r = zt_home_write(path, buf, (size_t)n, 0644);
	if (r < 0)
		snprintf(err, errcap, "cannot write %s: %s", path, strerror(-r));
	return r;
}

int zt_netfile_remove(const char *home, uint64_t nwid)
{
	char path[ZT_HOME_PATH_MAX];
	int r = net_path(path, sizeof path, home, nwid);

	return r < 0 ? r : zt_home_remove(path);
}

struct net_list {
	const char *dir;
	uint64_t *out;
	size_t cap, count;
};

static int net_list_one(void *ctx, const char *name)
{
	struct net_list *l = ctx;
	char id[ZT_NWID_TEXT];
	uint64_t nwid;

	if (strlen(name) != 16 + 5 || strcmp(name + 16, ".conf") != 0) {
		if (strstr(name, ".tmp") == NULL)
			zt_log_warn("ignoring %s/%s: not <16 hex digits>.conf", l->dir, name);
		return 0;
	}
	memcpy(id, name, 16);
	id[16] = '\0';
	if (zt_nwid_parse(id, &nwid) != 0) {
		zt_log_warn("ignoring %s/%s: not <16 hex digits>.conf", l->dir, name);
		return 0;
	}
	if (l->count < l->cap)
		l->out[l->count] = nwid;
	l->count++;
	return 0;
}

size_t zt_netfile_list(const char *home, uint64_t *out, size_t cap)
{
	char dir[ZT_HOME_PATH_MAX];
	struct net_list l = {dir, out, cap, 0};
	int r;

	if (zt_home_path(dir, sizeof dir, home, NETWORKS_DIR) < 0)
		return 0;
	r = zt_home_list(dir, net_list_one, &l);
	if (r < 0)
		zt_log_warn("cannot list %s: %s", dir, strerror(-r));
	return l.count;
}
