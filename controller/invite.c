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

#include "node/zt.h"
#include "osdep/home.h"

#define ANSWER_MAX 65536

static int fail(const char *msg, const char *arg)
{
	fprintf(stderr, "zt-controller invite: %s%s\n", msg, arg ? arg : "");
	return 1;
}

static int read_small(const char *home, const char *name, char *buf, size_t cap)
{
	char path[ZT_HOME_PATH_MAX];
	size_t len;
	if (zt_home_path(path, sizeof path, home, name) < 0 ||
	    zt_home_read(path, buf, cap, &len) < 0)
		return -1;
	while (len > 0 && (buf[len - 1] == '\n' || buf[len - 1] == '\r' || buf[len - 1] == ' '))
		buf[--len] = '\0';
	return 0;
}

/* POST body to path on 127.0.0.1:port; the answer's status and body. */
static int post(int port, const char *token, const char *path, const char *body, int *status,
                char *out, size_t cap)
{
	struct sockaddr_in sin;
	struct timeval tv = {10, 0};
	char head[512];
	size_t len = 0;
	char *b;
	int fd, n;

	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	(void)setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
	(void)setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sin.sin_port = htons((uint16_t)port);
	if (connect(fd, (struct sockaddr *)&sin, sizeof sin) < 0) {
		close(fd);
		return -1;
	}
	n = snprintf(head, sizeof head,
	             "POST %s HTTP/1.1\r\nHost: 127.0.0.1\r\nX-ZT1-Auth: %s\r\n"
	             "Content-Length: %zu\r\nConnection: close\r\n\r\n%s",
	             path, token, strlen(body), body);
	if (n < 0 || (size_t)n >= sizeof head || send(fd, head, (size_t)n, MSG_NOSIGNAL) != n) {
		close(fd);
		return -1;
	}
	sodium_memzero(head, sizeof head);
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
	close(fd);
	out[len] = '\0';
	if (len < 12 || strncmp(out, "HTTP/1.", 7) != 0 || !(b = strstr(out, "\r\n\r\n")))
		return -1;
	*status = (int)strtol(out + 9, NULL, 10);
	memmove(out, b + 4, strlen(b + 4) + 1);
	return 0;
}

int zt_invite_main(int argc, char **argv, const char *default_home)
{
	const char *home = default_home;
	long uses = 1, ttl = 86400;
	char port_s[32], token[256], roots_text[65536], path[96], body[96], *answer = NULL;
	char code[ZT_INVITE_TEXT_MAX], *end;
	struct zt_invite inv;
	struct zt_roots roots;
	uint64_t nwid;
	json_t *j = NULL;
	int c, status = 0, rc = 1;
	const char *tok;

	optind = 1;
	while ((c = getopt(argc, argv, ":D:n:t:h")) != -1) {
		switch (c) {
		case 'D': home = optarg; break;
		case 'n':
			uses = strtol(optarg, &end, 10);
			if (*end || uses < 1 || uses > 1000000)
				return fail("-n: expected a number of uses 1-1000000, not ",
				            optarg);
			break;
		case 't':
			ttl = strtol(optarg, &end, 10);
			if (*end || ttl < 1 || ttl > 366L * 86400)
				return fail("-t: expected seconds, 1 to a year, not ", optarg);
			break;
		case 'h':
			printf("usage: zt-controller invite [-D HOMEDIR] [-n USES] [-t SECONDS] "
			       "NWID\n");
			return 0;
		default:
			return fail("unknown option or missing argument (see zt-controller --help)",
			            NULL);
		}
	}
	if (optind != argc - 1)
		return fail("usage: zt-controller invite [-D HOMEDIR] [-n USES] [-t SECONDS] NWID",
		            NULL);
	if (zt_nwid_parse(argv[optind], &nwid) != 0)
		return fail("invalid network id (expected 16 hex digits): ", argv[optind]);
	if (sodium_init() < 0)
		return fail("cannot initialise libsodium", NULL);
	if (read_small(home, "ztd.port", port_s, sizeof port_s) < 0 ||
	    read_small(home, "authtoken.secret", token, sizeof token) < 0)
		return fail("cannot read the API port and token in ", home);
	memset(&inv, 0, sizeof inv);
	inv.nwid = nwid;
	{
		size_t len;
		char rp[ZT_HOME_PATH_MAX];
		if (zt_home_path(rp, sizeof rp, home, "roots") == 0 &&
		    zt_home_read(rp, roots_text, sizeof roots_text, &len) == 0 &&
		    zt_roots_parse(&roots, roots_text, len, NULL) == ZT_OK) {
			for (unsigned i = 0; i < roots.count; i++) {
				if (roots.roots[i].endpoint_count == 0)
					continue;
				inv.roots[inv.root_count].address = roots.roots[i].id.address;
				memcpy(inv.roots[inv.root_count].pk, roots.roots[i].id.pk, 32);
				inv.roots[inv.root_count].endpoint = roots.roots[i].endpoints[0];
				inv.root_count++;
			}
		} else {
			fprintf(stderr,
			        "zt-controller invite: no roots in %s/roots: the code will "
			        "only work on members that have roots\n",
			        home);
		}
	}
	answer = malloc(ANSWER_MAX);
	if (answer == NULL)
		return fail("out of memory", NULL);
	snprintf(path, sizeof path, "/controller/network/%016" PRIx64 "/invite", nwid);
	snprintf(body, sizeof body, "{\"uses\":%ld,\"ttl\":%ld}", uses, ttl);
	if (post(atoi(port_s), token, path, body, &status, answer, ANSWER_MAX) < 0) {
		fail("cannot reach the controller's API on 127.0.0.1:", port_s);
		goto out;
	}
	j = json_loads(answer, 0, NULL);
	if (status != 200) {
		const char *e = json_string_value(json_object_get(j, "error"));
		fail(e ? e : "the controller refused", NULL);
		goto out;
	}
	tok = json_string_value(json_object_get(j, "token"));
	if (tok == NULL || strlen(tok) != 32) {
		fail("the controller's answer has no token", NULL);
		goto out;
	}
	for (size_t i = 0; i < 16; i++) {
		unsigned v;
		if (sscanf(tok + 2 * i, "%2x", &v) != 1)
			goto out;
		inv.token[i] = (uint8_t)v;
	}
	inv.token_len = 16;
	if (zt_invite_encode(&inv, code, sizeof code) < 0) {
		fail("cannot encode the invite", NULL);
		goto out;
	}
	printf("%s\n", code);
	rc = 0;
out:
	json_decref(j);
	sodium_memzero(&inv, sizeof inv);
	sodium_memzero(token, sizeof token);
	if (answer)
		sodium_memzero(answer, ANSWER_MAX);
	free(answer);
	return rc;
}
