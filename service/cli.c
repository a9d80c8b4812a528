/* SPDX-License-Identifier: MIT */
/*
 * cli.c - zt-cli: talks to ztd's local API on 127.0.0.1 and prints the
 * answers in zerotier-cli's shapes ("200 <command> ..."), or the JSON
 * with -j.  Errors are one line on stderr and exit status 1.
 *
 * Its own tiny HTTP client: one request per connection, the response
 * read to EOF (ztd closes after answering), bounded in size and time.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <jansson.h>
#include <netinet/in.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "node/zt.h"
#include "osdep/home.h"
#include "osdep/version.h"

#define DEFAULT_HOME "/var/lib/zt"
#define DEFAULT_PORT 9993
#define RESPONSE_MAX (16 * 1024 * 1024)
#define TIMEOUT_S    15
#define TOKEN_MAX    256

struct cli {
	const char *home;
	int port;
	char token[TOKEN_MAX];
	char token_err[2 * ZT_HOME_PATH_MAX + 256]; /* why there is no token, if there is none */
	bool json;
};

struct response {
	int status;
	char *buf; /* whole response, NUL-terminated */
	const char *body;
	size_t body_len;
};

/* What is allocated while a command runs, so that die() can release it:
 * every exit stays leak-free under LeakSanitizer. */
#define HELD_MAX 4
static json_t *held_json[HELD_MAX];
static char *held_buf;

static json_t *hold(json_t *j)
{
	for (size_t i = 0; i < HELD_MAX; i++) {
		if (!held_json[i]) {
			held_json[i] = j;
			break;
		}
	}
	return j;
}

static void release(json_t *j)
{
	for (size_t i = 0; i < HELD_MAX; i++)
		if (held_json[i] == j)
			held_json[i] = NULL;
	json_decref(j);
}

static void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
static void die(const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	/* Format first: the arguments may point into what is released. */
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	for (size_t i = 0; i < HELD_MAX; i++)
		release(held_json[i]);
	free(held_buf);
	fprintf(stderr, "zt-cli: %s\n", msg);
	exit(1);
}

static void load_defaults(struct cli *c, bool port_given, bool token_given)
{
	char path[ZT_HOME_PATH_MAX], buf[TOKEN_MAX];
	size_t len;
	int r;

	if (!port_given) {
		c->port = DEFAULT_PORT;
		if (zt_home_path(path, sizeof path, c->home, "ztd.port") == 0 &&
		    zt_home_read(path, buf, sizeof buf, &len) == 0) {
			char *end;
			long v = strtol(buf, &end, 10);

			if (end != buf && v > 0 && v <= 65535)
				c->port = (int)v;
		}
	}
	if (token_given)
		return;
	if (zt_home_path(path, sizeof path, c->home, "authtoken.secret") < 0) {
		snprintf(c->token_err, sizeof c->token_err, "HOMEDIR path too long");
		return;
	}
	r = zt_home_read(path, buf, sizeof buf, &len);
	if (r == 0) {
		while (len > 0 &&
		       (buf[len - 1] == '\n' || buf[len - 1] == '\r' || buf[len - 1] == ' '))
			buf[--len] = '\0';
		memcpy(c->token, buf, len + 1);
	} else if (r == -EACCES || r == -EPERM) {
		snprintf(c->token_err, sizeof c->token_err,
		         "cannot read %s: permission denied (run as root, or pass the token "
		         "with -T)",
		         path);
	} else {
		snprintf(c->token_err, sizeof c->token_err,
		         "cannot read %s: %s (is ztd's home %s? use -D HOMEDIR or -T TOKEN)", path,
		         strerror(-r), c->home);
	}
	sodium_memzero(buf, sizeof buf);
}

static int send_all(int fd, const char *p, size_t len)
{
	while (len > 0) {
		ssize_t n = send(fd, p, len, MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Parse "HTTP/1.x NNN ...\r\n...\r\n\r\nbody". */
static int parse_response(struct response *r, size_t len)
{
	char *hdr_end = strstr(r->buf, "\r\n\r\n");
	char *cl;

	if (len < 12 || strncmp(r->buf, "HTTP/1.", 7) != 0 || !hdr_end)
		return -1;
	r->status = (int)strtol(r->buf + 9, NULL, 10);
	if (r->status < 100 || r->status > 599)
		return -1;
	r->body = hdr_end + 4;
	r->body_len = len - (size_t)(r->body - r->buf);
	*hdr_end = '\0'; /* so that the header search stays in the head */
	cl = strcasestr(r->buf, "\r\nContent-Length:");
	if (cl) {
		unsigned long long v = strtoull(cl + 17, NULL, 10);

		if (v < r->body_len)
			r->body_len = (size_t)v;
	}
	return 0;
}

static void request(const struct cli *c, const char *method, const char *path, const char *body,
                    struct response *r)
{
	struct sockaddr_in sin;
	struct timeval tv = {TIMEOUT_S, 0};
	char head[1024];
	size_t blen = body ? strlen(body) : 0, len = 0, cap = 8192;
	int fd, n;

	memset(r, 0, sizeof *r);
	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		die("socket: %s", strerror(errno));
	(void)setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
	(void)setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sin.sin_port = htons((uint16_t)c->port);
	if (connect(fd, (struct sockaddr *)&sin, sizeof sin) < 0)
		die("cannot connect to ztd at 127.0.0.1:%d (is ztd running?)", c->port);
	if (c->token[0] == '\0')
		die("%s", c->token_err[0] ? c->token_err : "no auth token: use -T TOKEN");
	n = snprintf(head, sizeof head,
	             "%s %s HTTP/1.1\r\nHost: 127.0.0.1\r\nX-ZT1-Auth: %s\r\n"
	             "Content-Type: application/json\r\nContent-Length: %zu\r\n"
	             "Connection: close\r\n\r\n",
	             method, path, c->token, blen);
	if (n < 0 || (size_t)n >= sizeof head)
		die("request too long");
	if (send_all(fd, head, (size_t)n) < 0 || (blen && send_all(fd, body, blen) < 0))
		die("lost the connection to ztd at 127.0.0.1:%d while sending", c->port);
	sodium_memzero(head, sizeof head);
	r->buf = held_buf = malloc(cap);
	if (!r->buf)
		die("out of memory");
	for (;;) {
		ssize_t got;

		if (len + 1 == cap) {
			char *p;

			if (cap >= RESPONSE_MAX)
				die("ztd's answer is larger than %d bytes", RESPONSE_MAX);
			cap *= 2;
			p = realloc(r->buf, cap);
			if (!p)
				die("out of memory");
			r->buf = held_buf = p;
		}
		got = recv(fd, r->buf + len, cap - 1 - len, 0);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			die("ztd at 127.0.0.1:%d did not answer within %d s", c->port, TIMEOUT_S);
		if (got < 0)
			die("reading ztd's answer: %s", strerror(errno));
		if (got == 0)
			break;
		len += (size_t)got;
	}
	close(fd);
	r->buf[len] = '\0';
	if (parse_response(r, len) < 0)
		die("127.0.0.1:%d did not answer like ztd (wrong -p?)", c->port);
}

/* One request: the answer's HTTP status and its JSON body (held; NULL if
 * the body is not JSON).  A refused token ends the program: no command
 * can go on without it. */
static json_t *call_status(const struct cli *c, const char *method, const char *path,
                           const char *body, int *status, json_error_t *je)
{
	struct response r;
	json_t *j;

	request(c, method, path, body, &r);
	j = hold(json_loadb(r.body, r.body_len, 0, je));
	if (r.status == 401)
		die("ztd refused the auth token (check %s/authtoken.secret or -T)", c->home);
	*status = r.status;
	free(r.buf);
	held_buf = NULL;
	return j;
}

/* The JSON body of a 200 answer; anything else ends the program with the
 * API's error message. */
static json_t *call(const struct cli *c, const char *method, const char *path, const char *body)
{
	json_error_t je;
	int status;
	json_t *j = call_status(c, method, path, body, &status, &je);

	if (status != 200) {
		/* ZeroTier's error shape: {"error": status, "description": why}. */
		const char *msg = j ? json_string_value(json_object_get(j, "description")) : NULL;

		if (msg)
			die("%s", msg);
		die("ztd answered %s %s with HTTP status %d", method, path, status);
	}
	if (!j)
		die("ztd's answer to %s %s is not JSON: %s", method, path, je.text);
	return j;
}

static void print_json(const json_t *j)
{
	char *s = json_dumps(j, JSON_INDENT(2) | JSON_PRESERVE_ORDER);

	if (!s)
		die("out of memory");
	puts(s);
	free(s);
}

static const char *str(const json_t *o, const char *key, const char *dflt)
{
	const char *s = json_string_value(json_object_get(o, key));

	return s && *s ? s : dflt;
}

static long long num(const json_t *o, const char *key, long long dflt)
{
	const json_t *v = json_object_get(o, key);

	return json_is_integer(v) ? (long long)json_integer_value(v) : dflt;
}

/* The commands take their arguments as main() found them: exactly as
 * many as their row in the table below allows. */

static void cmd_info(const struct cli *c, char **args)
{
	json_t *j = call(c, "GET", "/status", NULL);

	(void)args;
	if (c->json)
		print_json(j);
	else
		printf("200 info %s %s %s\n", str(j, "address", "-"), str(j, "version", "-"),
		       json_is_true(json_object_get(j, "online")) ? "ONLINE" : "OFFLINE");
	release(j);
}

static uint64_t nwid_path(const char *arg, char *path, size_t cap)
{
	uint64_t nwid;

	if (zt_nwid_parse(arg, &nwid) != 0)
		die("invalid network id '%.32s': expected 16 hex digits", arg);
	snprintf(path, cap, "/network/%016" PRIx64, nwid);
	return nwid;
}

/* join <invite code>: the network id, the token and the roots' hints go
 * to ztd, which asks the controller with the token. */
#define INVITE_WAIT_S 8

static void join_invite(const struct cli *c, const char *arg)
{
	struct zt_invite inv;
	char path[64], hex[2 * ZT_NETCONF_TOKEN_MAX + 1], *body;
	json_t *req, *roots, *j;
	json_error_t je;
	bool was_joined;
	int status;

	if (zt_invite_decode(&inv, arg, strlen(arg)) != ZT_OK)
		die("invalid invite code '%.24s...': copy the whole line zt-controller invite "
		    "printed",
		    arg);
	for (size_t i = 0; i < inv.token_len; i++)
		snprintf(hex + 2 * i, 3, "%02x", inv.token[i]);
	roots = json_array();
	for (unsigned i = 0; i < inv.root_count && roots; i++) {
		char addr[ZT_ADDRESS_TEXT], pk[65], ep[64];
		snprintf(addr, sizeof addr, "%010" PRIx64, inv.roots[i].address);
		for (int k = 0; k < 32; k++)
			snprintf(pk + 2 * k, 3, "%02x", inv.roots[i].pk[k]);
		if (zt_endpoint_to_text(&inv.roots[i].endpoint, ep, sizeof ep) != ZT_OK)
			continue;
		json_array_append_new(roots, json_pack("{s:s, s:s, s:s}", "address", addr,
		                                       "publicKey", pk, "endpoint", ep));
	}
	req = json_pack("{s:s, s:o}", "inviteToken", hex, "inviteRoots", roots);
	sodium_memzero(hex, sizeof hex);
	body = req ? json_dumps(req, JSON_COMPACT) : NULL;
	json_decref(req);
	if (!body)
		die("out of memory");
	snprintf(path, sizeof path, "/network/%016" PRIx64, inv.nwid);
	/* A refused invite undoes the join it made, not one made before. */
	release(call_status(c, "GET", path, NULL, &status, &je));
	was_joined = status == 200;
	j = call(c, "POST", path, body);
	sodium_memzero(body, strlen(body));
	free(body);
	/* Wait (bounded) for the controller's verdict on the invite, so that a
	 * spent or expired one is an error here, not a silent ACCESS_DENIED. */
	for (int i = 0; i < INVITE_WAIT_S * 5; i++) {
		const char *st = str(j, "status", "");
		if (json_is_true(json_object_get(j, "inviteRefused")) ||
		    (strcmp(st, "OK") == 0 && !json_is_true(json_object_get(j, "invitePending"))))
			break;
		release(j);
		usleep(200000);
		j = call(c, "GET", path, NULL);
	}
	if (json_is_true(json_object_get(j, "inviteRefused"))) {
		if (!was_joined)
			release(call(c, "DELETE", path, NULL));
		die("the controller refused the invite for network %016" PRIx64
		    ": it is invalid, spent or expired (ask for a new one)%s",
		    inv.nwid, was_joined ? "" : "; not joined");
	}
	if (c->json)
		print_json(j);
	else
		printf("200 join %s %016" PRIx64 "\n",
		       strcmp(str(j, "status", ""), "OK") == 0 ? "OK" : str(j, "status", "?"),
		       inv.nwid);
	release(j);
}

static void join_or_leave(const struct cli *c, const char *arg, bool leave)
{
	char path[64];
	json_t *j;

	nwid_path(arg, path, sizeof path);
	j = call(c, leave ? "DELETE" : "POST", path, leave ? NULL : "{}");
	/* The API answers {} for a network that was not joined, as
	 * ZeroTier's does; zerotier-cli's line, and a word for a typo. */
	if (leave && !json_is_true(json_object_get(j, "result")))
		fprintf(stderr, "zt-cli: was not a member of network %s: nothing to leave\n", arg);
	if (c->json)
		print_json(j);
	else
		printf("200 %s OK\n", leave ? "leave" : "join");
	release(j);
}

static void cmd_join(const struct cli *c, char **args)
{
	if (strncmp(args[0], "zti1", 4) == 0)
		join_invite(c, args[0]);
	else
		join_or_leave(c, args[0], false);
}

static void cmd_leave(const struct cli *c, char **args)
{
	join_or_leave(c, args[0], true);
}

/* ip=10.9.0.1/24,fd00::1/64 (ip= alone: none) into the body
 * {"assignedAddresses": [...]}; ztd checks each address, this only keeps
 * the text to what an address can hold. */
static void ip_body(const char *list, char *body, size_t cap)
{
	size_t used = (size_t)snprintf(body, cap, "{\"assignedAddresses\":[");
	unsigned count = 0;

	for (const char *p = list; *p;) {
		size_t n = strcspn(p, ",");
		if (n == 0 || n >= 48 || strspn(p, "0123456789abcdefABCDEF.:/") < n)
			die("set ip: '%.*s' is not ip/bits (e.g. ip=10.9.0.1/24,fd00::1/64; ip= "
			    "for none)",
			    (int)(n < 48 ? n : 48), p);
		if (++count > 8)
			die("set ip: at most 8 addresses");
		used += (size_t)snprintf(body + used, cap - used, "%s\"%.*s\"",
		                         count > 1 ? "," : "", (int)n, p);
		p += n;
		if (*p == ',' && *++p == '\0')
			die("set ip: an empty address after the last ','");
	}
	snprintf(body + used, cap - used, "]}");
}

/* set <nwid> key=value: ZeroTier's allow* keys (1/0 or true/false) and the
 * Ethernet settings of ad-hoc networks, on a joined network only: the API
 * joins on any POST /network/<nwid> (as ZeroTier's does), which a typo in
 * the id must not do behind the user's back. */
static void cmd_set(const struct cli *c, char **args)
{
	static const char *const bools[] = {"allowManaged",     "allowGlobal",    "allowDefault",
	                                    "allowDNS",         "bridge",         "activeBridge",
	                                    "broadcastEnabled", "enableBroadcast"};
	static const char *const ints[] = {"multicastLimit", "macAgeSeconds", "mssClamp"};
	const char *kv = args[1], *eq;
	char path[64], body[640], key[32];
	json_error_t je;
	uint64_t nwid;
	json_t *j;
	bool done = false;
	int status;

	nwid = nwid_path(args[0], path, sizeof path);
	if (!(eq = strchr(kv, '=')) || (size_t)(eq - kv) >= sizeof key || eq == kv)
		die("set: expected key=value (see zt-cli --help)");
	memcpy(key, kv, (size_t)(eq - kv));
	key[eq - kv] = '\0';
	eq++;
	/* bridge=<device>: the Linux bridge the TAP belongs to ("" none);
	 * bridge=0|1 stays the ad-hoc declaration alone. */
	if ((strcmp(key, "bridge") == 0 && strcmp(eq, "0") != 0 && strcmp(eq, "1") != 0 &&
	     strcmp(eq, "true") != 0 && strcmp(eq, "false") != 0) ||
	    strcmp(key, "bridgeDevice") == 0) {
		if (strlen(eq) > 15 || strpbrk(eq, "\"\\/: \t") != NULL)
			die("set %s: '%.31s' is not a device name (at most 15 characters)", key,
			    eq);
		snprintf(body, sizeof body, "{\"bridgeDevice\":\"%s\"}", eq);
		done = true;
	}
	for (size_t i = 0; i < sizeof bools / sizeof bools[0] && !done; i++) {
		if (strcmp(key, bools[i]) != 0)
			continue;
		if (strcmp(eq, "1") == 0 || strcmp(eq, "true") == 0)
			snprintf(body, sizeof body, "{\"%s\":true}", key);
		else if (strcmp(eq, "0") == 0 || strcmp(eq, "false") == 0)
			snprintf(body, sizeof body, "{\"%s\":false}", key);
		else
			die("set %s: value '%.16s' must be 0 or 1", key, eq);
		done = true;
	}
	if (strcmp(key, "ip") == 0) {
		ip_body(eq, body, sizeof body);
		done = true;
	}
	for (size_t i = 0; i < sizeof ints / sizeof ints[0] && !done; i++) {
		char *end;
		unsigned long v;
		if (strcmp(key, ints[i]) != 0)
			continue;
		v = strtoul(eq, &end, 10);
		if (end == eq || *end || v > 1000000)
			die("set: %s must be a number", key);
		snprintf(body, sizeof body, "{\"%s\":%lu}", key, v);
		done = true;
	}
	if (!done)
		die("set: unknown setting '%.31s' (see zt-cli --help)", key);
	/* ztd answers 404 for a network it is not a member of; any other
	 * failure is left to the POST, which reports it. */
	release(call_status(c, "GET", path, NULL, &status, &je));
	if (status == 404)
		die("not joined: zt-cli join %016" PRIx64 " first", nwid);
	j = call(c, "POST", path, body);
	if (c->json)
		print_json(j);
	else
		printf("200 set %s=%s\n", key,
		       strcmp(eq, "true") == 0    ? "1"
		       : strcmp(eq, "false") == 0 ? "0"
		                                  : eq);
	release(j);
}

static void cmd_listnetworks(const struct cli *c, char **args)
{
	json_t *j = call(c, "GET", "/network", NULL), *n;
	size_t i;

	(void)args;
	if (c->json) {
		print_json(j);
		release(j);
		return;
	}
	printf("200 listnetworks <nwid> <name> <mac> <status> <type> <dev> <ZT assigned ips>\n");
	json_array_foreach(j, i, n)
	{
		const json_t *ips = json_object_get(n, "assignedAddresses");
		char ipbuf[1024] = "";
		size_t k, used = 0;
		json_t *ip;

		json_array_foreach(ips, k, ip)
		{
			const char *s = json_string_value(ip);
			int w;

			if (!s)
				continue;
			w = snprintf(ipbuf + used, sizeof ipbuf - used, "%s%s", used ? "," : "", s);
			if (w < 0 || (size_t)w >= sizeof ipbuf - used)
				break;
			used += (size_t)w;
		}
		printf("200 listnetworks %s %s %s %s %s %s %s\n", str(n, "nwid", "-"),
		       str(n, "name", "-"), str(n, "mac", "-"), str(n, "status", "-"),
		       str(n, "type", "-"), str(n, "portDeviceName", "-"), used ? ipbuf : "-");
	}
	release(j);
}

static void cmd_listpeers(const struct cli *c, char **args)
{
	json_t *j = call(c, "GET", "/peer", NULL), *p, *st;
	long long clock;
	size_t i;

	(void)args;
	if (c->json) {
		print_json(j);
		release(j);
		return;
	}
	/* "since" is measured on ztd's clock, which /status reports. */
	st = call(c, "GET", "/status", NULL);
	clock = num(st, "clock", 0);
	release(st);
	printf("200 listpeers <ztaddr> <path> <link> <latency> <version> <role> <since>\n");
	json_array_foreach(j, i, p)
	{
		const char *type = str(p, "pathType", "NONE");
		const json_t *paths = json_object_get(p, "paths");
		char link[96];
		long long since = num(p, "pathSince", 0);

		const char *tcp = strcmp(str(p, "transport", ""), "TCP") == 0 ? "/tcp" : "";

		if (strcmp(type, "DIRECT") == 0 && json_array_size(paths) > 0)
			snprintf(link, sizeof link, "%s%s",
			         str(json_array_get(paths, 0), "address", "-"), tcp);
		else if (strcmp(type, "RELAY") == 0)
			snprintf(link, sizeof link, "via:%s%s", str(p, "via", "-"), tcp);
		else
			snprintf(link, sizeof link, "-");
		printf("200 listpeers %s %s %s %lld %s %s %lld\n", str(p, "address", "-"), type,
		       link, num(p, "latency", -1), str(p, "version", "-"), str(p, "role", "-"),
		       since > 0 && clock > since ? (clock - since) / 1000 : 0);
	}
	release(j);
}

/* ---- rules <nwid>: the rules in force, in the rules language ---- */

/* A range as the language writes it: "22", or "1000-2000". */
static void range_text(const json_t *m, char *out, size_t cap)
{
	long long a = num(m, "start", 0), b = num(m, "end", 0);

	if (a == b)
		snprintf(out, cap, "%lld", a);
	else
		snprintf(out, cap, "%lld-%lld", a, b);
}

/* A characteristics mask as the language's names (a bit without a name
 * as its number). */
static void chr_text(const char *hexmask, char *out, size_t cap)
{
	static const char *const low[12] = {"tcp_fin", "tcp_syn", "tcp_rst", "tcp_psh",
	                                    "tcp_ack", "tcp_urg", "tcp_ece", "tcp_cwr",
	                                    "tcp_ns",  "tcp_rs2", "tcp_rs1", "tcp_rs0"};
	static const char *const high[5] = {"inbound", "multicast", "broadcast", "ipauth",
	                                    "macauth"};
	unsigned long long mask = strtoull(hexmask, NULL, 16);
	size_t used = 0;

	out[0] = '\0';
	for (int bit = 63; bit >= 0; bit--) {
		char num_[8];
		const char *name = NULL;
		int w;

		if (!(mask & (1ULL << bit)))
			continue;
		if (bit < 12)
			name = low[bit];
		else if (bit >= 59)
			name = high[63 - bit];
		snprintf(num_, sizeof num_, "%d", bit);
		w = snprintf(out + used, cap - used, "%s%s", used ? "," : "", name ? name : num_);
		if (w < 0 || (size_t)w >= cap - used)
			break;
		used += (size_t)w;
	}
}

/* One match as the language writes it (the compiler reads it back, tag
 * names being their ids). */
static void match_text(const json_t *m, char *out, size_t cap)
{
	const char *t = str(m, "type", "");
	char r[64];

	if (strcmp(t, "MATCH_SOURCE_ZEROTIER_ADDRESS") == 0)
		snprintf(out, cap, "ztsrc %s", str(m, "zt", "?"));
	else if (strcmp(t, "MATCH_DEST_ZEROTIER_ADDRESS") == 0)
		snprintf(out, cap, "ztdest %s", str(m, "zt", "?"));
	else if (strcmp(t, "MATCH_VLAN_ID") == 0)
		snprintf(out, cap, "vlan %lld", num(m, "vlanId", 0));
	else if (strcmp(t, "MATCH_VLAN_PCP") == 0)
		snprintf(out, cap, "vlanpcp %lld", num(m, "vlanPcp", 0));
	else if (strcmp(t, "MATCH_VLAN_DEI") == 0)
		snprintf(out, cap, "vlandei %lld", num(m, "vlanDei", 0));
	else if (strncmp(t, "MATCH_MAC_", 10) == 0) {
		char mac[13] = "";
		const char *s = str(m, "mac", "");
		for (size_t i = 0, o = 0; s[i] && o < 12; i++)
			if (s[i] != ':')
				mac[o++] = s[i];
		snprintf(out, cap, "mac%s %s", strcmp(t + 10, "SOURCE") == 0 ? "src" : "dest", mac);
	} else if (strncmp(t, "MATCH_IPV", 9) == 0)
		snprintf(out, cap, "ip%s %s", strstr(t, "SOURCE") ? "src" : "dest",
		         str(m, "ip", "?"));
	else if (strcmp(t, "MATCH_IP_TOS") == 0) {
		range_text(m, r, sizeof r);
		snprintf(out, cap, "iptos %lld %s", num(m, "mask", 0), r);
	} else if (strcmp(t, "MATCH_IP_PROTOCOL") == 0) {
		long long p = num(m, "ipProtocol", 0);
		if (p == 1 || p == 6 || p == 17)
			snprintf(out, cap, "ipprotocol %s",
			         p == 1   ? "icmp"
			         : p == 6 ? "tcp"
			                  : "udp");
		else
			snprintf(out, cap, "ipprotocol %lld", p);
	} else if (strcmp(t, "MATCH_ETHERTYPE") == 0) {
		long long e = num(m, "etherType", 0);
		if (e == 0x0800 || e == 0x0806 || e == 0x86dd)
			snprintf(out, cap, "ethertype %s",
			         e == 0x0800   ? "ipv4"
			         : e == 0x0806 ? "arp"
			                       : "ipv6");
		else
			snprintf(out, cap, "ethertype 0x%04llx", e);
	} else if (strcmp(t, "MATCH_ICMP") == 0)
		snprintf(out, cap, "icmp %lld %lld", num(m, "icmpType", 0), num(m, "icmpCode", -1));
	else if (strcmp(t, "MATCH_IP_SOURCE_PORT_RANGE") == 0 ||
	         strcmp(t, "MATCH_IP_DEST_PORT_RANGE") == 0 ||
	         strcmp(t, "MATCH_FRAME_SIZE_RANGE") == 0) {
		range_text(m, r, sizeof r);
		snprintf(out, cap, "%s %s",
		         t[9] == 'S'   ? "sport"
		         : t[9] == 'D' ? "dport"
		                       : "framesize",
		         r);
	} else if (strcmp(t, "MATCH_CHARACTERISTICS") == 0) {
		char c[256];
		chr_text(str(m, "mask", "0"), c, sizeof c);
		snprintf(out, cap, "chr %s", c);
	} else if (strcmp(t, "MATCH_ESTABLISHED") == 0)
		snprintf(out, cap, "established");
	else if (strcmp(t, "MATCH_RANDOM") == 0)
		snprintf(out, cap, "random %.6f", (double)num(m, "probability", 0) / 4294967295.0);
	else if (strncmp(t, "MATCH_TAG", 9) == 0) {
		static const char *const kw[][2] = {
		    {"MATCH_TAGS_DIFFERENCE", "tdiff"}, {"MATCH_TAGS_BITWISE_AND", "tand"},
		    {"MATCH_TAGS_BITWISE_OR", "tor"},   {"MATCH_TAGS_BITWISE_XOR", "txor"},
		    {"MATCH_TAGS_EQUAL", "teq"},        {"MATCH_TAG_SENDER", "tseq"},
		    {"MATCH_TAG_RECEIVER", "treq"}};
		const char *k = t;
		for (size_t i = 0; i < sizeof kw / sizeof kw[0]; i++)
			if (strcmp(t, kw[i][0]) == 0)
				k = kw[i][1];
		snprintf(out, cap, "%s %lld %lld", k, num(m, "id", 0), num(m, "value", 0));
	} else
		/* No word for it in the language (INTEGER_RANGE, or a type
		 * this zt-cli does not know): its JSON. */
		snprintf(out, cap, "%s", t);
}

/* Print a list: one line per action, as the language writes it (the
 * action, then its matches), each with the index of its action in the
 * list: the index `trace` and rulesDroppedBy name. */
static void print_rules(const json_t *list, const char *indent)
{
	char line[2048];
	size_t used = 0, i;
	unsigned matches = 0;
	json_t *e;

	line[0] = '\0';
	json_array_foreach(list, i, e)
	{
		const char *t = str(e, "type", "");
		char m[512];
		int w;

		if (strncmp(t, "ACTION_", 7) != 0) {
			match_text(e, m, sizeof m);
			w = snprintf(line + used, sizeof line - used, "%s%s%s",
			             matches == 0                             ? ""
			             : json_is_true(json_object_get(e, "or")) ? " or "
			                                                      : " and ",
			             json_is_true(json_object_get(e, "not")) ? "not " : "", m);
			if (w > 0 && (size_t)w < sizeof line - used)
				used += (size_t)w;
			matches++;
			continue;
		}
		if (strcmp(t, "ACTION_TEE") == 0 || strcmp(t, "ACTION_WATCH") == 0)
			snprintf(m, sizeof m, "%s %lld %s", t[7] == 'T' ? "tee" : "watch",
			         num(e, "length", 0) == 0 ? -1 : num(e, "length", 0),
			         str(e, "address", "?"));
		else if (strcmp(t, "ACTION_REDIRECT") == 0)
			snprintf(m, sizeof m, "redirect %s", str(e, "address", "?"));
		else if (strcmp(t, "ACTION_PRIORITY") == 0)
			snprintf(m, sizeof m, "priority %lld", num(e, "qosBucket", 0));
		else {
			snprintf(m, sizeof m, "%s", t + 7);
			for (char *p = m; *p; p++)
				*p = (char)(*p >= 'A' && *p <= 'Z' ? *p - 'A' + 'a' : *p);
		}
		printf("%s%-4zu %s%s%s;\n", indent, i, m, matches ? " " : "", line);
		line[0] = '\0';
		used = 0;
		matches = 0;
	}
	if (matches > 0)
		printf("%s     (matches without an action: %s)\n", indent, line);
}

/* rules <nwid>: the network's rules, capabilities and tags in force. */
static void cmd_rules(const struct cli *c, char **args)
{
	char path[64];
	json_t *j, *rules, *caps, *tags, *x;
	size_t i;

	nwid_path(args[0], path, sizeof path);
	j = call(c, "GET", path, NULL);
	rules = json_object_get(j, "rules");
	caps = json_object_get(j, "capabilities");
	tags = json_object_get(j, "tags");
	if (c->json) {
		json_t *o = json_pack("{s:O?, s:O?, s:O?}", "rules", rules, "capabilities", caps,
		                      "tags", tags);
		if (o == NULL)
			die("out of memory");
		print_json(o);
		json_decref(o);
		release(j);
		return;
	}
	if (!json_is_array(rules)) {
		printf("200 rules %s none: no config from a controller (an ad-hoc network), every "
		       "frame passes\n",
		       str(j, "nwid", args[0]));
		release(j);
		return;
	}
	printf("200 rules %s %zu entries, %zu capabilities, %zu tags (each line: the index "
	       "`trace` names, the rule)\n",
	       str(j, "nwid", args[0]), json_array_size(rules), json_array_size(caps),
	       json_array_size(tags));
	print_rules(rules, "");
	json_array_foreach(caps, i, x)
	{
		printf("cap %lld: (this member's: its frames pass if the rules end without a "
		       "verdict and this accepts)\n",
		       num(x, "id", 0));
		print_rules(json_object_get(x, "rules"), "  ");
	}
	json_array_foreach(tags, i, x)
	    printf("tag %lld = %lld\n", (long long)json_integer_value(json_array_get(x, 0)),
	           (long long)json_integer_value(json_array_get(x, 1)));
	release(j);
}

/* trace <nwid>: the frames the network's rules dropped lately, oldest
 * first, one a line: how long ago, which way, the member, the rule (its
 * index in the network's list, as `zt-cli rules` numbers them; "none": no
 * rule or capability accepted), and what the frame was. */
static void cmd_trace(const struct cli *c, char **args)
{
	char path[80];
	json_t *j, *d;
	long long clock;
	size_t i;

	nwid_path(args[0], path, sizeof path - 8);
	strcat(path, "/trace");
	j = call(c, "GET", path, NULL);
	if (c->json) {
		print_json(j);
		release(j);
		return;
	}
	clock = num(j, "clock", 0);
	printf("200 trace <ago> <dir> <peer> <rule> <len> <what>\n");
	json_array_foreach(json_object_get(j, "drops"), i, d)
	{
		char rule[16], what[192];
		long long proto = num(d, "ipProtocol", -1);

		if (json_is_integer(json_object_get(d, "rule")))
			snprintf(rule, sizeof rule, "%lld", num(d, "rule", -1));
		else
			snprintf(rule, sizeof rule, "none");
		if (proto < 0)
			snprintf(what, sizeof what, "ethertype %s %s > %s",
			         str(d, "etherType", "-"), str(d, "srcMac", "-"),
			         str(d, "dstMac", "-"));
		else if (json_object_get(d, "srcPort") != NULL)
			snprintf(what, sizeof what, "ipproto %lld %s:%lld > %s:%lld", proto,
			         str(d, "srcIp", "-"), num(d, "srcPort", 0), str(d, "dstIp", "-"),
			         num(d, "dstPort", 0));
		else if (json_object_get(d, "icmpType") != NULL)
			snprintf(what, sizeof what, "ipproto %lld %s > %s icmp type %lld code %lld",
			         proto, str(d, "srcIp", "-"), str(d, "dstIp", "-"),
			         num(d, "icmpType", 0), num(d, "icmpCode", 0));
		else
			snprintf(what, sizeof what, "ipproto %lld %s > %s", proto,
			         str(d, "srcIp", "-"), str(d, "dstIp", "-"));
		printf("200 trace %llds %s %s %s %lld %s\n",
		       clock > num(d, "time", 0) ? (clock - num(d, "time", 0)) / 1000 : 0,
		       str(d, "direction", "-"), str(d, "peer", "-"), rule, num(d, "length", 0),
		       what);
	}
	release(j);
}

static void cmd_help(const struct cli *c, char **args);

/* Every command: `zt-cli --help` and every usage error are printed from
 * this one table, as wireguard-tools' wg.c does. */
static const struct command {
	const char *name;
	void (*run)(const struct cli *c, char **args);
	int min_args, max_args;
	const char *args; /* as written after the name in the usage */
	const char *help; /* a line break continues the text below itself */
} commands[] = {
    {"info", cmd_info, 0, 0, "", "address, version, ONLINE or OFFLINE"},
    {"join", cmd_join, 1, 1, "<nwid> | <invite code>",
     "join a network (16 hex digits), or with a code\nfrom zt-controller invite"},
    {"leave", cmd_leave, 1, 1, "<nwid>", "leave a network"},
    {"listnetworks", cmd_listnetworks, 0, 0, "", "joined networks"},
    {"listpeers", cmd_listpeers, 0, 0, "", "known peers and their paths"},
    {"peers", cmd_listpeers, 0, 0, "", "the same as listpeers"},
    {"set", cmd_set, 2, 2, "<nwid> key=value",
     "change a joined network's setting:\n"
     "allowManaged=0|1, allowGlobal=0|1,\n"
     "allowDefault=0|1, allowDNS=0|1,\n"
     "bridge=<Linux bridge> (bridge= for none); on\n"
     "ad-hoc networks also bridge=0|1, broadcastEnabled=0|1,\n"
     "multicastLimit=N, macAgeSeconds=N,\n"
     "mssClamp=N (0: off), ip=10.9.0.1/24,...\n"
     "(the addresses ztd keeps on the TAP; ip= none)"},
    {"rules", cmd_rules, 1, 1, "<nwid>",
     "the rules in force (the index on each line is\nthe one trace names), capabilities, tags"},
    {"trace", cmd_trace, 1, 1, "<nwid>",
     "the frames the network's rules dropped lately,\nand the rule that dropped each"},
    {"help", cmd_help, 0, 0, "", "this text"},
};
#define COMMAND_COUNT (sizeof commands / sizeof commands[0])
#define USAGE_WIDTH   27 /* the longest name and args, "join <nwid> | <invite code>" */

static void usage(FILE *f)
{
	fprintf(f,
	        "usage: zt-cli [-D HOMEDIR] [-p APIPORT] [-T TOKEN] [-j] COMMAND [ARGS]\n"
	        "\n"
	        "  talk to the local ztd\n"
	        "\n"
	        "  -D HOMEDIR  ztd's home directory (default %s): API port from\n"
	        "              HOMEDIR/ztd.port, token from HOMEDIR/authtoken.secret\n"
	        "  -p APIPORT  the API's TCP port (default: HOMEDIR/ztd.port, else %d)\n"
	        "  -T TOKEN    the API token (default: HOMEDIR/authtoken.secret)\n"
	        "  -j          print the API's JSON\n"
	        "  --version   print zt-cli's version\n"
	        "\n"
	        "commands:\n",
	        DEFAULT_HOME, DEFAULT_PORT);
	for (size_t i = 0; i < COMMAND_COUNT; i++) {
		const struct command *cmd = &commands[i];
		const char *line = cmd->help;
		char head[USAGE_WIDTH + 1];

		snprintf(head, sizeof head, "%s%s%s", cmd->name, cmd->args[0] ? " " : "",
		         cmd->args);
		for (;;) {
			int len = (int)strcspn(line, "\n");

			fprintf(f, "  %-*s  %.*s\n", USAGE_WIDTH, head, len, line);
			if (line[len] == '\0')
				break;
			line += len + 1;
			head[0] = '\0';
		}
	}
}

static void cmd_help(const struct cli *c, char **args)
{
	(void)c;
	(void)args;
	usage(stdout);
}

/* The command's row, with its argument count checked: a wrong count ends
 * the program before anything is asked of ztd. */
static const struct command *find_command(const char *name, int nargs, char **args)
{
	const struct command *cmd = NULL;

	for (size_t i = 0; i < COMMAND_COUNT && !cmd; i++)
		if (strcmp(name, commands[i].name) == 0)
			cmd = &commands[i];
	if (!cmd)
		die("unknown command '%.32s' (see zt-cli --help)", name);
	if (nargs > cmd->max_args)
		die("%s: unexpected argument '%.32s' (usage: zt-cli %s%s%s)", cmd->name,
		    args[cmd->max_args], cmd->name, cmd->args[0] ? " " : "", cmd->args);
	if (nargs < cmd->min_args)
		die("%s: missing %s (usage: zt-cli %s %s)", cmd->name,
		    cmd->min_args - nargs > 1 ? "arguments" : "argument", cmd->name, cmd->args);
	return cmd;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {{"help", no_argument, NULL, 'h'},
	                                         {"version", no_argument, NULL, 'V'},
	                                         {NULL, 0, NULL, 0}};
	const struct command *cmd;
	struct cli c;
	bool port_given = false, token_given = false;
	int opt;

	memset(&c, 0, sizeof c);
	c.home = DEFAULT_HOME;
	while ((opt = getopt_long(argc, argv, ":D:p:T:jh", longopts, NULL)) != -1) {
		switch (opt) {
		case 'D': c.home = optarg; break;
		case 'p': {
			char *end;
			long v = strtol(optarg, &end, 10);

			if (end == optarg || *end || v <= 0 || v > 65535)
				die("-p %s: expected a port number 1-65535", optarg);
			c.port = (int)v;
			port_given = true;
			break;
		}
		case 'T':
			if (strlen(optarg) >= sizeof c.token)
				die("-T: token too long");
			snprintf(c.token, sizeof c.token, "%s", optarg);
			token_given = true;
			break;
		case 'j': c.json = true; break;
		case 'h': usage(stdout); return 0;
		case 'V': zt_version_print("zt-cli"); return 0;
		case ':': die("option -%c needs an argument (see zt-cli --help)", optopt);
		default:
			if (optopt)
				die("unknown option -%c (see zt-cli --help)", optopt);
			die("unknown option %s (see zt-cli --help)", argv[optind - 1]);
		}
	}
	if (optind >= argc) {
		usage(stderr);
		return 1;
	}
	cmd = find_command(argv[optind], argc - optind - 1, argv + optind + 1);
	load_defaults(&c, port_given, token_given);
	cmd->run(&c, argv + optind + 1);
	sodium_memzero(c.token, sizeof c.token);
	return 0;
}
