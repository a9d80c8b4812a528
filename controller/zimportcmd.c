/* SPDX-License-Identifier: MIT */
/*
 * zimportcmd.c - `zt-controller import-zerotier DIR` and `zt-controller
 * export OUTDIR` (doc/migrate.md): a ZeroTier controller's controller.d
 * folder into this controller's store, and the store back into that shape.
 *
 * Both run with the controller stopped (they take its home's lock and its
 * database).  The import reads and checks every file first, then writes
 * the mapping file with the invite codes, then stores everything in one
 * transaction: an error anywhere leaves the store as it was.
 */
#include "controller/zimportcmd.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <getopt.h>
#include <inttypes.h>
#include <jansson.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "controller/ctl_json.h"
#include "controller/store.h"
#include "controller/zimport.h"
#include "osdep/clock.h"
#include "osdep/home.h"
#include "osdep/idfile.h"
#include "osdep/log.h"
#include "osdep/state.h"

#define ERR_MAX      (512 + ZT_HOME_PATH_MAX)
#define MAX_NETWORKS 4096
#define MAX_MEMBERS  1000000

struct cmd {
	const char *home, *db, *out;
	long ttl;
	int lock_fd;
	struct zt_store *store;
	char *buf; /* ZT_ZIMPORT_FILE_MAX + 1 */
	char err[ERR_MAX];
};

/* ---- shared by both commands ---- */

static int parse_args(int argc, char **argv, struct cmd *c, bool import, const char **dir)
{
	static const struct option longopts[] = {{"db", required_argument, NULL, 'd'},
	                                         {"help", no_argument, NULL, 'h'},
	                                         {NULL, 0, NULL, 0}};
	char *end;
	int o;

	optind = 1;
	while ((o = getopt_long(argc, argv, import ? ":D:d:t:o:h" : ":D:d:h", longopts, NULL)) !=
	       -1) {
		switch (o) {
		case 'D': c->home = optarg; break;
		case 'd': c->db = optarg; break;
		case 'o': c->out = optarg; break;
		case 't':
			c->ttl = strtol(optarg, &end, 10);
			if (*end || c->ttl < 1 || c->ttl > 366L * 86400) {
				snprintf(c->err, sizeof c->err,
				         "-t: expected seconds, 1 to a year, not %.32s", optarg);
				return -EINVAL;
			}
			break;
		case 'h': return 1;
		default:
			snprintf(c->err, sizeof c->err,
			         "unknown option or missing argument (see zt-controller --help)");
			return -EINVAL;
		}
	}
	if (optind != argc - 1) {
		snprintf(c->err, sizeof c->err, "expected one folder (see zt-controller --help)");
		return -EINVAL;
	}
	*dir = argv[optind];
	return 0;
}

/* The home's lock (no controller runs there) and its database. */
static int open_store(struct cmd *c)
{
	char path[ZT_HOME_PATH_MAX];
	bool leading = false;

	if (zt_state_lock_home(c->home, "controller.pid", "zt-controller", &c->lock_fd, c->err,
	                       sizeof c->err) < 0)
		return -EBUSY;
	if (c->db == NULL && zt_home_path(path, sizeof path, c->home, "controller.db") < 0) {
		snprintf(c->err, sizeof c->err, "home directory path too long");
		return -ENAMETOOLONG;
	}
	if (c->db != NULL)
		snprintf(path, sizeof path, "%s", c->db);
	if (zt_store_is_pg(path)) {
		if (zt_store_pg_open(&c->store, path, c->err, sizeof c->err) != ZT_OK)
			return -EINVAL;
		/* A controller leading on it would not push what is written
		 * behind its back. */
		if (zt_store_pg_try_lead(c->store, &leading) != ZT_OK || !leading) {
			snprintf(c->err, sizeof c->err,
			         "a zt-controller leads on this database: stop it first");
			return -EBUSY;
		}
	} else if (zt_store_sqlite_open(&c->store, path, c->err, sizeof c->err) != ZT_OK) {
		return -EINVAL;
	}
	c->buf = malloc(ZT_ZIMPORT_FILE_MAX + 1);
	if (c->buf == NULL) {
		snprintf(c->err, sizeof c->err, "out of memory");
		return -ENOMEM;
	}
	return 0;
}

static void close_cmd(struct cmd *c)
{
	zt_store_close(c->store);
	if (c->lock_fd >= 0)
		close(c->lock_fd);
	free(c->buf);
}

/* ---- import ---- */

struct names {
	char (*v)[24];
	size_t n, cap, max;
	unsigned idlen; /* hex digits before ".json" */
};

static int name_cmp(const void *a, const void *b)
{
	return strcmp(a, b);
}

/* The "<hex>.json" names of a folder (others are not ZeroTier's objects:
 * FileDB itself skips them), sorted so that a run is reproducible. */
static int collect(void *ctx, const char *name)
{
	struct names *ns = ctx;
	size_t len = strlen(name);

	if (len != ns->idlen + 5 || strcmp(name + ns->idlen, ".json") != 0 ||
	    strspn(name, "0123456789abcdefABCDEF") != ns->idlen)
		return 0;
	if (ns->n == ns->max)
		return -E2BIG;
	if (ns->n == ns->cap) {
		size_t cap = ns->cap ? ns->cap * 2 : 64;
		char(*v)[24] = realloc(ns->v, cap * sizeof *v);
		if (v == NULL)
			return -ENOMEM;
		ns->v = v;
		ns->cap = cap;
	}
	memcpy(ns->v[ns->n], name, ns->idlen);
	ns->v[ns->n++][ns->idlen] = '\0';
	return 0;
}

static int list_ids(const char *dir, unsigned idlen, size_t max, struct names *ns, char *err,
                    size_t errcap)
{
	int r;

	memset(ns, 0, sizeof *ns);
	ns->idlen = idlen;
	ns->max = max;
	r = zt_home_list(dir, collect, ns);
	if (r == -ENOENT)
		return 0;
	if (r < 0) {
		snprintf(err, errcap, "%s: %s", dir,
		         r == -E2BIG ? "too many objects" : strerror(-r));
		return r;
	}
	qsort(ns->v, ns->n, sizeof *ns->v, name_cmp);
	return 0;
}

/* One file of the folder as an object; the error names the file. */
static int load(struct cmd *c, const char *path, json_t **out)
{
	char why[256];
	size_t len;
	int r = zt_home_read(path, c->buf, ZT_ZIMPORT_FILE_MAX + 1, &len);

	*out = NULL;
	if (r < 0) {
		snprintf(c->err, sizeof c->err, "%s: %s", path,
		         r == -EFBIG ? "larger than 1 MiB" : strerror(-r));
		return r;
	}
	r = zt_zimport_parse(c->buf, len, out, why, sizeof why);
	if (r < 0)
		snprintf(c->err, sizeof c->err, "%s: %s", path, why);
	return r;
}

struct import {
	json_t *nets;    /* [{net, old, members: [{m, old, code}]}] */
	json_t *mapping; /* what the -o file gets */
	struct zt_roots roots;
	bool have_roots;
	uint64_t address;
	int64_t now;
	size_t members;
};

/* A member's invite code; its claim token's hash into hash. */
static int invite_code(struct import *im, uint64_t nwid, uint64_t old, uint8_t hash[32], char *code,
                       size_t cap)
{
	struct zt_invite inv;
	uint8_t rnd[ZT_CTL_TOKEN_LEN];
	int r;

	memset(&inv, 0, sizeof inv);
	inv.nwid = nwid;
	randombytes_buf(rnd, sizeof rnd);
	zt_zimport_token(inv.token, rnd, old);
	inv.token_len = ZT_ZIMPORT_TOKEN_LEN;
	crypto_generichash(hash, 32, inv.token, inv.token_len, NULL, 0);
	for (unsigned i = 0; im->have_roots && i < im->roots.count; i++) {
		if (im->roots.roots[i].endpoint_count == 0 || inv.root_count == ZT_MAX_ROOTS)
			continue;
		inv.roots[inv.root_count].address = im->roots.roots[i].id.address;
		memcpy(inv.roots[inv.root_count].pk, im->roots.roots[i].id.pk, 32);
		inv.roots[inv.root_count].endpoint = im->roots.roots[i].endpoints[0];
		inv.root_count++;
	}
	r = zt_invite_encode(&inv, code, cap);
	sodium_memzero(&inv, sizeof inv);
	sodium_memzero(rnd, sizeof rnd);
	return r < 0 ? r : 0;
}

/* Network file `id` of netdir and its members into im (nothing stored). */
static int read_network(struct cmd *c, struct import *im, const char *netdir, const char *id)
{
	char path[ZT_HOME_PATH_MAX], mdir[ZT_HOME_PATH_MAX], name[32], why[256];
	char code[ZT_INVITE_TEXT_MAX + 1], hex[65];
	json_t *zt = NULL, *net = NULL, *entry = NULL, *map = NULL, *mems, *mmap, *x;
	struct names ms = {0};
	uint64_t old_nwid, nwid;
	uint8_t hash[32];
	char *have = NULL;
	int r;

	snprintf(name, sizeof name, "%s.json", id);
	if (zt_home_path(path, sizeof path, netdir, name) < 0 ||
	    zt_home_path(mdir, sizeof mdir, netdir, id) < 0 || strlen(mdir) + 8 >= sizeof mdir) {
		snprintf(c->err, sizeof c->err, "%s: path too long", netdir);
		return -ENAMETOOLONG;
	}
	strcat(mdir, "/member");
	r = load(c, path, &zt);
	if (r == 0 &&
	    (r = zt_zimport_net(zt, im->address, im->now, &net, &old_nwid, why, sizeof why)) < 0)
		snprintf(c->err, sizeof c->err, "%s: %s", path, why);
	if (r < 0)
		goto out;
	r = -EINVAL;
	if (strtoull(id, NULL, 16) != old_nwid) {
		snprintf(c->err, sizeof c->err, "%s: field 'id': not the file's name", path);
		goto out;
	}
	nwid = (im->address << 24) | (old_nwid & 0xffffff);
	/* Refused rather than merged: the invites of a first run are out. */
	if (c->store->ops->net_get(c->store, nwid, &have) == ZT_OK) {
		snprintf(c->err, sizeof c->err,
		         "%s: network %016" PRIx64 " exists here already (imported before?): "
		         "delete it first (DELETE /controller/network/%016" PRIx64 ")",
		         path, nwid, nwid);
		goto out;
	}
	for (size_t i = 0; i < json_array_size(im->nets); i++)
		if (zt_ctl_int(json_array_get(im->nets, i), "nwid") == (json_int_t)nwid) {
			snprintf(c->err, sizeof c->err,
			         "%s: another network of this folder ends in %06" PRIx64
			         " too: import them into two controllers",
			         path, old_nwid & 0xffffff);
			goto out;
		}
	r = list_ids(mdir, 10, MAX_MEMBERS - im->members, &ms, c->err, sizeof c->err);
	if (r < 0)
		goto out;
	r = -ENOMEM;
	entry = json_pack("{s:O, s:I, s:[]}", "net", net, "nwid", (json_int_t)nwid, "members");
	map = json_pack("{s:s, s:s, s:O, s:[]}", "zerotier", id, "network",
	                json_string_value(json_object_get(net, "id")), "name",
	                json_object_get(net, "name"), "members");
	if (entry == NULL || map == NULL)
		goto oom;
	mems = json_object_get(entry, "members");
	mmap = json_object_get(map, "members");
	for (size_t i = 0; i < ms.n; i++) {
		json_t *zm = NULL, *m = NULL;
		uint64_t old;

		if (zt_home_path(path, sizeof path, mdir, ms.v[i]) < 0 ||
		    strlen(path) + 6 >= sizeof path) {
			snprintf(c->err, sizeof c->err, "%s: path too long", mdir);
			r = -ENAMETOOLONG;
			goto out;
		}
		strcat(path, ".json");
		r = load(c, path, &zm);
		if (r == 0 && (r = zt_zimport_member(zm, old_nwid, nwid, im->now, &m, &old, why,
		                                     sizeof why)) < 0)
			snprintf(c->err, sizeof c->err, "%s: %s", path, why);
		json_decref(zm);
		if (r == 0 && strtoull(ms.v[i], NULL, 16) != old) {
			snprintf(c->err, sizeof c->err, "%s: field 'id': not the file's name",
			         path);
			r = -EINVAL;
		}
		if (r == 0 && invite_code(im, nwid, old, hash, code, sizeof code) < 0) {
			snprintf(c->err, sizeof c->err, "%s: cannot encode its invite", path);
			r = -EINVAL;
		}
		if (r < 0) {
			json_decref(m);
			goto out;
		}
		sodium_bin2hex(hex, sizeof hex, hash, sizeof hash);
		x = json_pack("{s:s, s:O, s:O, s:O, s:s, s:s}", "zerotier", ms.v[i], "name",
		              json_object_get(m, "name"), "ipAssignments",
		              json_object_get(m, "ipAssignments"), "authorized",
		              json_object_get(json_object_get(m, "zerotier"), "authorized"),
		              "invite", code, "join", "");
		if (x != NULL) {
			char join[ZT_INVITE_TEXT_MAX + 32];
			snprintf(join, sizeof join, "zt-cli join %s", code);
			(void)json_object_set_new(x, "join", json_string(join));
		}
		sodium_memzero(code, sizeof code);
		if (x == NULL || json_array_append_new(mmap, x) != 0 ||
		    json_array_append_new(mems, json_pack("{s:o, s:I, s:s}", "m", m, "old",
		                                          (json_int_t)old, "hash", hex)) != 0)
			goto oom;
		im->members++;
	}
	if (json_array_append(im->nets, entry) != 0 ||
	    json_array_append(json_object_get(im->mapping, "networks"), map) != 0)
		goto oom;
	r = 0;
	goto out;
oom:
	snprintf(c->err, sizeof c->err, "out of memory");
	r = -ENOMEM;
out:
	free(have);
	free(ms.v);
	json_decref(zt);
	json_decref(net);
	json_decref(entry);
	json_decref(map);
	return r;
}

/* One object into the store, with its record in the audit trail (who:
 * "import-zerotier"), in the caller's transaction. */
static int put(struct zt_store *s, int64_t now, uint64_t nwid, uint64_t addr, const json_t *j)
{
	char *t = json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS), object[64];
	struct zt_store_audit e = {0, now, "import-zerotier", "create", object, NULL, t};
	int r = ZT_ENOMEM;

	if (addr != 0)
		snprintf(object, sizeof object, "network/%016" PRIx64 "/member/%010" PRIx64, nwid,
		         addr);
	else
		snprintf(object, sizeof object, "network/%016" PRIx64, nwid);
	if (t != NULL)
		r = addr != 0 ? s->ops->member_put(s, nwid, addr, t) : s->ops->net_put(s, nwid, t);
	if (r == ZT_OK)
		r = s->ops->audit_put(s, &e);
	free(t);
	return r;
}

/* Everything read into the store, in one transaction. */
static int store_all(struct cmd *c, struct import *im)
{
	struct zt_store *s = c->store;
	int64_t expires = im->now + c->ttl * 1000;
	size_t i, j;
	json_t *e, *x;
	int r;

	if (s->ops->begin(s) != ZT_OK) {
		snprintf(c->err, sizeof c->err, "cannot begin a transaction");
		return -EIO;
	}
	json_array_foreach(im->nets, i, e)
	{
		uint64_t nwid = (uint64_t)zt_ctl_int(e, "nwid");
		r = put(s, im->now, nwid, 0, json_object_get(e, "net"));
		if (r != ZT_OK)
			goto fail;
		json_array_foreach(json_object_get(e, "members"), j, x)
		{
			uint8_t h[32];
			r = put(s, im->now, nwid, (uint64_t)zt_ctl_int(x, "old"),
			        json_object_get(x, "m"));
			if (r == ZT_OK &&
			    sodium_hex2bin(h, sizeof h,
			                   json_string_value(json_object_get(x, "hash")), 64, NULL,
			                   NULL, NULL) != 0)
				r = ZT_EINVAL;
			if (r == ZT_OK)
				r = s->ops->invite_put(s, h, nwid, 1, expires, im->now);
			if (r != ZT_OK)
				goto fail;
		}
	}
	if (s->ops->commit(s) == ZT_OK)
		return 0;
	r = ZT_ECALLBACK;
fail:
	s->ops->rollback(s);
	snprintf(c->err, sizeof c->err, "storing failed (%s): nothing was imported",
	         zt_strerror(r));
	return -EIO;
}

/* DIR is ZeroTier's home (with controller.d/ and identity.public) or its
 * controller.d itself. */
static int find_netdir(const char *dir, char *netdir, size_t cap, char *idpath, size_t idcap)
{
	struct stat st;

	if (snprintf(netdir, cap, "%s/controller.d/network", dir) < (int)cap &&
	    stat(netdir, &st) == 0 && S_ISDIR(st.st_mode)) {
		snprintf(idpath, idcap, "%s/identity.public", dir);
		return 0;
	}
	if (snprintf(netdir, cap, "%s/network", dir) < (int)cap && stat(netdir, &st) == 0 &&
	    S_ISDIR(st.st_mode)) {
		snprintf(idpath, idcap, "%s/../identity.public", dir);
		return 0;
	}
	return -ENOENT;
}

static void print_mapping(const json_t *mapping)
{
	size_t i, j;
	json_t *n, *m;

	json_array_foreach(json_object_get(mapping, "networks"), i, n)
	{
		printf("network %s -> %s \"%s\" (%zu members)\n",
		       json_string_value(json_object_get(n, "zerotier")),
		       json_string_value(json_object_get(n, "network")),
		       json_string_value(json_object_get(n, "name")),
		       json_array_size(json_object_get(n, "members")));
		json_array_foreach(json_object_get(n, "members"), j, m) printf(
		    "  member %s \"%s\"%s: %s\n", json_string_value(json_object_get(m, "zerotier")),
		    json_string_value(json_object_get(m, "name")),
		    json_is_true(json_object_get(m, "authorized")) ? "" : " (not authorized)",
		    json_string_value(json_object_get(m, "join")));
	}
}

static int do_import(struct cmd *c, const char *dir)
{
	char netdir[ZT_HOME_PATH_MAX], idpath[ZT_HOME_PATH_MAX], mpath[ZT_HOME_PATH_MAX];
	char ztid[64] = "", *text = NULL;
	struct import im;
	struct zt_identity id;
	struct names ns = {0};
	bool created;
	size_t len;
	int r;

	memset(&im, 0, sizeof im);
	memset(&id, 0, sizeof id);
	im.now = zt_clock_now();
	if (find_netdir(dir, netdir, sizeof netdir, idpath, sizeof idpath) < 0) {
		snprintf(c->err, sizeof c->err,
		         "%s: neither a ZeroTier home (with controller.d/network/) nor a "
		         "controller.d folder (with network/)",
		         dir);
		return -ENOENT;
	}
	r = open_store(c);
	if (r < 0)
		return r;
	r = zt_idfile_load_home(c->home, &id, &created);
	if (r < 0) {
		snprintf(c->err, sizeof c->err, "cannot read or create %s/" ZT_IDFILE_SECRET ": %s",
		         c->home, strerror(-r));
		return r;
	}
	im.address = id.address;
	zt_identity_wipe(&id);
	r = zt_state_roots(c->home, NULL, &im.roots, &im.have_roots, c->err, sizeof c->err);
	if (r < 0)
		return r;
	/* The old controller's address, for the record (only the public
	 * file is read: its secret key is of no use here). */
	if (zt_home_read(idpath, c->buf, 1024, &len) == 0 && len > 10 && c->buf[10] == ':') {
		uint64_t a;
		c->buf[10] = '\0';
		if (zt_address_parse(c->buf, &a) == ZT_OK)
			snprintf(ztid, sizeof ztid, "%010" PRIx64, a);
	}
	if (zt_home_path(mpath, sizeof mpath, c->home, "zerotier-import.json") < 0)
		return -ENAMETOOLONG;
	if (c->out == NULL)
		c->out = mpath;
	im.nets = json_array();
	im.mapping = json_pack("{s:s, s:s, s:I, s:[]}", "zerotierController", ztid, "controller",
	                       "", "time", (json_int_t)im.now, "networks");
	r = -ENOMEM;
	if (im.nets == NULL || im.mapping == NULL)
		goto out;
	{
		char a[16];
		snprintf(a, sizeof a, "%010" PRIx64, im.address);
		(void)json_object_set_new(im.mapping, "controller", json_string(a));
	}
	r = list_ids(netdir, 16, MAX_NETWORKS, &ns, c->err, sizeof c->err);
	for (size_t i = 0; r == 0 && i < ns.n; i++)
		r = read_network(c, &im, netdir, ns.v[i]);
	if (r < 0)
		goto out;
	if (ns.n == 0) {
		snprintf(c->err, sizeof c->err, "%s: no network files (<nwid>.json) in it", netdir);
		r = -ENOENT;
		goto out;
	}
	/* The codes first: once stored, the tokens' hashes alone could not
	 * give them again. */
	text = json_dumps(im.mapping, JSON_INDENT(2));
	r = text == NULL ? -ENOMEM : zt_home_create(c->out, text, strlen(text), 0600);
	if (r < 0) {
		snprintf(c->err, sizeof c->err, "cannot write %s: %s", c->out,
		         r == -EEXIST ? "it exists (a previous import's invite codes?): move it "
		                        "away first"
		                      : strerror(-r));
		goto out;
	}
	r = store_all(c, &im);
	if (r < 0) {
		(void)zt_home_remove(c->out);
		goto out;
	}
	print_mapping(im.mapping);
	printf("imported %zu networks and %zu members; the invite codes (secret, good %ld "
	       "days) are in %s\n",
	       json_array_size(im.nets), im.members, c->ttl / 86400, c->out);
	r = 0;
out:
	if (r == -ENOMEM && c->err[0] == '\0')
		snprintf(c->err, sizeof c->err, "out of memory");
	if (text != NULL) {
		sodium_memzero(text, strlen(text));
		free(text);
	}
	free(ns.v);
	json_decref(im.nets);
	json_decref(im.mapping);
	return r;
}

/* ---- export ---- */

struct export
{
	struct cmd *c;
	const char *root;
	uint64_t nwid;
	size_t nets, members;
};

/* Files are written plainly: the folder is flushed once (syncfs) before
 * it is renamed into place, rather than one fsync per file (10,000
 * members took 84 s that way on a busy machine). */
static int write_json(struct cmd *c, const char *path, const json_t *j)
{
	char *t = json_dumps(j, JSON_INDENT(2) | JSON_SORT_KEYS);
	size_t len, off = 0;
	int fd = -1, r = 0;

	if (t == NULL) {
		r = -ENOMEM;
		goto out;
	}
	len = strlen(t);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0) {
		r = -errno;
		goto out;
	}
	while (off < len) {
		ssize_t n = write(fd, t + off, len - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			r = -errno;
			goto out;
		}
		off += (size_t)n;
	}
out:
	if (fd >= 0 && close(fd) != 0 && r == 0)
		r = -errno;
	free(t);
	if (r < 0)
		snprintf(c->err, sizeof c->err, "cannot write %s: %s", path, strerror(-r));
	return r;
}

/* Flush the folder's files to disk before it is renamed into place. */
static int flush_dir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC), r = 0;

	if (fd < 0)
		return -errno;
	if (syncfs(fd) != 0)
		r = -errno;
	close(fd);
	return r;
}

static int export_member(void *ctx, const char *id, const char *json)
{
	struct export *e = ctx;
	char path[ZT_HOME_PATH_MAX];
	json_t *m = json_loads(json, 0, NULL), *out;
	uint64_t addr;
	int r = -EINVAL;

	out = zt_zimport_export_member(m, &addr);
	if (out == NULL)
		snprintf(e->c->err, sizeof e->c->err, "member %s of %016" PRIx64 ": unreadable", id,
		         e->nwid);
	else if (snprintf(path, sizeof path, "%s/network/%016" PRIx64 "/member/%010" PRIx64 ".json",
	                  e->root, e->nwid, addr) >= (int)sizeof path)
		snprintf(e->c->err, sizeof e->c->err, "%s: path too long", e->root);
	else if ((r = write_json(e->c, path, out)) == 0)
		e->members++;
	json_decref(m);
	json_decref(out);
	return r < 0 ? 1 : 0;
}

static int export_net(void *ctx, const char *id, const char *json)
{
	struct export *e = ctx;
	char path[ZT_HOME_PATH_MAX];
	json_t *n = json_loads(json, 0, NULL), *out = zt_zimport_export_net(n);
	int r = -EINVAL;

	if (out == NULL || zt_nwid_parse(id, &e->nwid) != ZT_OK) {
		snprintf(e->c->err, sizeof e->c->err, "network %s: unreadable", id);
		goto out;
	}
	snprintf(path, sizeof path, "%s/network/%s/member", e->root, id);
	if (strlen(path) + 16 >= sizeof path) {
		snprintf(e->c->err, sizeof e->c->err, "%s: path too long", e->root);
		goto out;
	}
	r = zt_home_mkdir(path);
	if (r < 0) {
		snprintf(e->c->err, sizeof e->c->err, "cannot create %s: %s", path, strerror(-r));
		goto out;
	}
	snprintf(path, sizeof path, "%s/network/%s.json", e->root, id);
	r = write_json(e->c, path, out);
	if (r == 0 &&
	    e->c->store->ops->member_list(e->c->store, e->nwid, export_member, e) != ZT_OK)
		r = -EIO;
	if (r == 0)
		e->nets++;
out:
	json_decref(n);
	json_decref(out);
	return r < 0 ? 1 : 0;
}

static int remove_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static int do_export(struct cmd *c, const char *dir)
{
	char tmp[ZT_HOME_PATH_MAX];
	struct export e = {c, tmp, 0, 0, 0};
	struct stat st;
	int r, fr;

	if (stat(dir, &st) == 0) {
		snprintf(c->err, sizeof c->err, "%s exists: export writes a new folder", dir);
		return -EEXIST;
	}
	if (snprintf(tmp, sizeof tmp, "%s.tmp-%ld", dir, (long)getpid()) >= (int)sizeof tmp) {
		snprintf(c->err, sizeof c->err, "%s: path too long", dir);
		return -ENAMETOOLONG;
	}
	r = open_store(c);
	if (r < 0)
		return r;
	/* Written aside and renamed at the end: the folder is whole or
	 * absent. */
	r = c->store->ops->net_list(c->store, export_net, &e);
	if (r == ZT_OK && e.nets == 0 && zt_home_mkdir(tmp) < 0)
		r = ZT_ECALLBACK;
	if (r == ZT_OK && (fr = flush_dir(tmp)) < 0) {
		snprintf(c->err, sizeof c->err, "cannot flush %s: %s", tmp, strerror(-fr));
		r = ZT_ECALLBACK;
	}
	if (r == ZT_OK && rename(tmp, dir) != 0) {
		snprintf(c->err, sizeof c->err, "cannot rename %s to %s: %s", tmp, dir,
		         strerror(errno));
		r = ZT_ECALLBACK;
	}
	if (r != ZT_OK) {
		(void)nftw(tmp, remove_one, 16, FTW_DEPTH | FTW_PHYS);
		if (c->err[0] == '\0')
			snprintf(c->err, sizeof c->err, "reading the store failed");
		return -EIO;
	}
	printf("exported %zu networks and %zu members to %s\n", e.nets, e.members, dir);
	return 0;
}

/* ---- entry points ---- */

static int run(int argc, char **argv, const char *default_home, bool import)
{
	struct cmd c;
	const char *dir = NULL, *name = import ? "import-zerotier" : "export";
	int r;

	memset(&c, 0, sizeof c);
	c.home = default_home;
	c.ttl = 30L * 86400;
	c.lock_fd = -1;
	r = parse_args(argc, argv, &c, import, &dir);
	if (r > 0) {
		printf("usage: zt-controller %s\n",
		       import
		           ? "import-zerotier [-D HOMEDIR] [--db FILE|URI] [-t SECONDS] [-o FILE] "
		             "DIR"
		           : "export [-D HOMEDIR] [--db FILE|URI] OUTDIR");
		return 0;
	}
	/* A command's output is its product and its errors: the shared
	 * state code's notes (a roots signer pinned) only when they warn. */
	zt_log_init("zt-controller", ZT_LOG_WARN);
	if (r == 0 && sodium_init() < 0) {
		snprintf(c.err, sizeof c.err, "cannot initialise libsodium");
		r = -EIO;
	}
	if (r == 0)
		r = import ? do_import(&c, dir) : do_export(&c, dir);
	if (r < 0)
		fprintf(stderr, "zt-controller %s: %s\n", name, c.err);
	close_cmd(&c);
	return r < 0 ? 1 : 0;
}

int zt_zimport_main(int argc, char **argv, const char *default_home)
{
	return run(argc, argv, default_home, true);
}

int zt_zexport_main(int argc, char **argv, const char *default_home)
{
	return run(argc, argv, default_home, false);
}
