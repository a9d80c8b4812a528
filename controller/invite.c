/* SPDX-License-Identifier: MIT */
/*
 * invite.c - `zt-controller invite [-D HOMEDIR] [-n USES] [-t SECONDS] NWID`.
 *
 * The token comes from the running controller (POST
 * /controller/network/<nwid>/invite on its loopback API, port from
 * HOMEDIR/ztd.port, token from HOMEDIR/authtoken.secret), which stores only
 * its hash; the roots come from HOMEDIR/roots.  The code (node/invite.c)
 * goes to stdout, one line.
 */
#include "controller/invite.h"

#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <jansson.h>
#include <netinet/in.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "controller/ctl.h"
#include "controller/zimport.h"
#include "node/zt.h"
#include "osdep/home.h"

#define ANSWER_MAX 65536
#define ERR_MAX    512

static const char usage_line[] =
    "usage: zt-controller invite [-D HOMEDIR] [-n USES] [-t SECONDS] [-o FILE] [-m ADDRESS] NWID";

static int read_small(const char *home, const char *name, char *buf, size_t cap)
{
	char path[ZT_HOME_PATH_MAX];
	size_t len;
	int r = zt_home_path(path, sizeof path, home, name);

	if (r == 0)
		r = zt_home_read(path, buf, cap, &len);
	if (r < 0)
		return r;
	while (len > 0 && (buf[len - 1] == '\n' || buf[len - 1] == '\r' || buf[len - 1] == ' '))
		buf[--len] = '\0';
	return 0;
}

/* method path with body on 127.0.0.1:port; the answer's status and body
 * in out.  0, or a negative errno (the connection or a malformed answer). */
static int call(int port, const char *token, const char *method, const char *path, const char *body,
                int *status, char *out, size_t cap)
{
	struct sockaddr_in sin;
	struct timeval tv = {10, 0};
	char head[1024];
	size_t len = 0;
	char *b;
	int fd, n, r = 0;

	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	(void)setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
	(void)setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sin.sin_port = htons((uint16_t)port);
	if (connect(fd, (struct sockaddr *)&sin, sizeof sin) < 0) {
		r = -errno;
		goto out;
	}
	n = snprintf(head, sizeof head,
	             "%s %s HTTP/1.1\r\nHost: 127.0.0.1\r\nX-ZT1-Auth: %s\r\n"
	             "Content-Length: %zu\r\nConnection: close\r\n\r\n%s",
	             method, path, token, strlen(body), body);
	if (n < 0 || (size_t)n >= sizeof head) {
		r = -ENAMETOOLONG;
		goto out;
	}
	if (send(fd, head, (size_t)n, MSG_NOSIGNAL) != n) {
		r = -EIO;
		goto out;
	}
	for (;;) {
		ssize_t got = recv(fd, out + len, cap - 1 - len, 0);
		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0)
			break;
		len += (size_t)got;
		if (len + 1 >= cap)
			break;
	}
	out[len] = '\0';
	if (len < 12 || strncmp(out, "HTTP/1.", 7) != 0 || !(b = strstr(out, "\r\n\r\n"))) {
		r = -EPROTO;
		goto out;
	}
	*status = (int)strtol(out + 9, NULL, 10);
	memmove(out, b + 4, strlen(b + 4) + 1);
out:
	sodium_memzero(head, sizeof head);
	close(fd);
	return r;
}

int zt_invite_api(const char *home, const char *method, const char *path, const char *body,
                  int *status, char *out, size_t cap, char *err, size_t errcap)
{
	char port_s[32], token[256];
	int r = read_small(home, "ztd.port", port_s, sizeof port_s);

	if (r == 0)
		r = read_small(home, "authtoken.secret", token, sizeof token);
	if (r < 0) {
		snprintf(err, errcap,
		         "cannot read the API port and token in %s: %s (is the controller of "
		         "that home running?)",
		         home, strerror(-r));
		return r;
	}
	r = call(atoi(port_s), token, method, path, body, status, out, cap);
	if (r < 0)
		snprintf(err, errcap, "cannot reach the controller's API on 127.0.0.1:%s: %s",
		         port_s, strerror(-r));
	sodium_memzero(token, sizeof token);
	return r;
}

struct invite_args {
	const char *home, *out;
	long uses, ttl;
	uint64_t nwid;
	uint64_t reservation; /* -m: claim this imported member's reservation */
};

/* The command line into *a: 0, 1 for -h, or -EINVAL with the reason in
 * err. */
static int parse_args(int argc, char **argv, struct invite_args *a, char *err, size_t errcap)
{
	char *end;
	int c;

	optind = 1;
	while ((c = getopt(argc, argv, ":D:n:t:o:m:h")) != -1) {
		switch (c) {
		case 'D': a->home = optarg; break;
		case 'm':
			if (zt_address_parse(optarg, &a->reservation) != ZT_OK) {
				snprintf(err, errcap,
				         "-m: expected a member address (10 hex digits), not %.32s",
				         optarg);
				return -EINVAL;
			}
			break;
		case 'o': a->out = optarg; break;
		case 'n':
			a->uses = strtol(optarg, &end, 10);
			if (*end || a->uses < 1 || a->uses > 1000000) {
				snprintf(err, errcap,
				         "-n: expected a number of uses 1-1000000, not %.32s",
				         optarg);
				return -EINVAL;
			}
			break;
		case 't':
			a->ttl = strtol(optarg, &end, 10);
			if (*end || a->ttl < 1 || a->ttl > 366L * 86400) {
				snprintf(err, errcap,
				         "-t: expected seconds, 1 to a year, not %.32s", optarg);
				return -EINVAL;
			}
			break;
		case 'h': return 1;
		default:
			snprintf(err, errcap,
			         "unknown option or missing argument (see zt-controller --help)");
			return -EINVAL;
		}
	}
	if (optind != argc - 1) {
		snprintf(err, errcap, "%s", usage_line);
		return -EINVAL;
	}
	if (zt_nwid_parse(argv[optind], &a->nwid) != 0) {
		snprintf(err, errcap, "invalid network id (expected 16 hex digits): %.32s",
		         argv[optind]);
		return -EINVAL;
	}
	return 0;
}

/* The first root endpoint of each root of HOMEDIR/roots into inv;
 * -ENOENT if there are none. */
static int invite_roots(const char *home, struct zt_invite *inv)
{
	static char text[65536];
	struct zt_roots roots;
	char rp[ZT_HOME_PATH_MAX];
	size_t len;

	if (zt_home_path(rp, sizeof rp, home, "roots") < 0 ||
	    zt_home_read(rp, text, sizeof text, &len) < 0 ||
	    zt_roots_parse(&roots, text, len, NULL) != ZT_OK)
		return -ENOENT;
	for (unsigned i = 0; i < roots.count; i++) {
		if (roots.roots[i].endpoint_count == 0)
			continue;
		inv->roots[inv->root_count].address = roots.roots[i].id.address;
		memcpy(inv->roots[inv->root_count].pk, roots.roots[i].id.pk, 32);
		inv->roots[inv->root_count].endpoint = roots.roots[i].endpoints[0];
		inv->root_count++;
	}
	return inv->root_count ? 0 : -ENOENT;
}

/* Ask the controller of a->home for a token of a->nwid and encode the
 * invite into code (*no_roots: HOMEDIR/roots has none to put in it).  0,
 * or a negative errno with the reason in err. */
static int make_invite(const struct invite_args *a, char *code, size_t codecap, bool *no_roots,
                       char *err, size_t errcap)
{
	char port_s[32], token[256], path[96], body[128], *answer;
	struct zt_invite inv;
	json_t *j = NULL;
	const char *tok;
	int status = 0, r;

	r = read_small(a->home, "ztd.port", port_s, sizeof port_s);
	if (r == 0)
		r = read_small(a->home, "authtoken.secret", token, sizeof token);
	if (r < 0) {
		snprintf(err, errcap,
		         "cannot read the API port and token in %s: %s (is the controller of "
		         "that home running?)",
		         a->home, strerror(-r));
		return r;
	}
	memset(&inv, 0, sizeof inv);
	inv.nwid = a->nwid;
	answer = malloc(ANSWER_MAX);
	if (answer == NULL) {
		snprintf(err, errcap, "out of memory");
		r = -ENOMEM;
		goto out;
	}
	snprintf(path, sizeof path, "/controller/network/%016" PRIx64 "/invite", a->nwid);
	if (a->reservation != 0)
		snprintf(body, sizeof body, "{\"ttl\":%ld,\"reservation\":\"%010" PRIx64 "\"}",
		         a->ttl, a->reservation);
	else
		snprintf(body, sizeof body, "{\"uses\":%ld,\"ttl\":%ld}", a->uses, a->ttl);
	r = call(atoi(port_s), token, "POST", path, body, &status, answer, ANSWER_MAX);
	if (r < 0) {
		snprintf(err, errcap, "cannot reach the controller's API on 127.0.0.1:%s: %s",
		         port_s, strerror(-r));
		goto out;
	}
	j = json_loads(answer, 0, NULL);
	r = -EPROTO;
	if (status != 200) {
		const char *e = json_string_value(json_object_get(j, "description"));
		snprintf(err, errcap, "%s", e ? e : "the controller refused");
		r = status == 404 ? -ENOENT : -EINVAL;
		goto out;
	}
	tok = json_string_value(json_object_get(j, "token"));
	/* A claim token (-m) is longer: it names the reservation. */
	if (tok == NULL ||
	    strlen(tok) != 2 * (a->reservation ? ZT_ZIMPORT_TOKEN_LEN : ZT_CTL_TOKEN_LEN)) {
		snprintf(err, errcap, "the controller's answer has no token");
		goto out;
	}
	for (size_t i = 0; i < strlen(tok) / 2; i++) {
		unsigned v;
		if (sscanf(tok + 2 * i, "%2x", &v) != 1) {
			snprintf(err, errcap, "the controller's token is not hex");
			goto out;
		}
		inv.token[i] = (uint8_t)v;
	}
	inv.token_len = strlen(tok) / 2;
	*no_roots = invite_roots(a->home, &inv) < 0;
	r = zt_invite_encode(&inv, code, codecap);
	if (r < 0) {
		snprintf(err, errcap, "cannot encode the invite: %s", zt_strerror(r));
		r = -EINVAL;
		goto out;
	}
	r = 0;
out:
	json_decref(j);
	sodium_memzero(&inv, sizeof inv);
	sodium_memzero(token, sizeof token);
	if (answer)
		sodium_memzero(answer, ANSWER_MAX);
	free(answer);
	return r;
}

int zt_invite_main(int argc, char **argv, const char *default_home)
{
	struct invite_args a = {default_home, NULL, 1, 86400, 0, 0};
	char code[ZT_INVITE_TEXT_MAX + 1], err[ERR_MAX + ZT_HOME_PATH_MAX] = "";
	size_t len;
	bool no_roots = false;
	int r;

	r = parse_args(argc, argv, &a, err, sizeof err);
	if (r > 0) {
		printf("%s\n", usage_line);
		return 0;
	}
	if (r == 0 && sodium_init() < 0) {
		snprintf(err, sizeof err, "cannot initialise libsodium");
		r = -EIO;
	}
	if (r == 0)
		r = make_invite(&a, code, sizeof code - 1, &no_roots, err, sizeof err);
	if (r < 0) {
		fprintf(stderr, "zt-controller invite: %s\n", err);
		return 1;
	}
	if (no_roots)
		fprintf(stderr,
		        "zt-controller invite: no roots in %s/roots: the code will only work on "
		        "members that have roots\n",
		        a.home);
	len = strlen(code);
	code[len++] = '\n';
	r = zt_home_output(a.out, code, len, 0600, err, sizeof err);
	sodium_memzero(code, sizeof code);
	if (r < 0) {
		fprintf(stderr, "zt-controller invite: %s\n", err);
		return 1;
	}
	return 0;
}
