/* SPDX-License-Identifier: MIT */
/*
 * cli_api.c - zt-cli's client of ztd's local API: where it is (the port
 * and token ztd left in its home directory) and one request to it.
 *
 * Its own tiny HTTP client: one request per connection, the response
 * read to EOF (ztd closes after answering), bounded in size and time.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "osdep/home.h"
#include "service/cli.h"
#include "service/cli_api.h"

#define RESPONSE_MAX (16 * 1024 * 1024)
#define TIMEOUT_S    15

struct response {
	int status;
	char *buf; /* whole response, NUL-terminated */
	const char *body;
	size_t body_len;
};

void zt_cli_api_defaults(struct zt_cli *c, bool port_given, bool token_given)
{
	char path[ZT_HOME_PATH_MAX], buf[ZT_CLI_TOKEN_MAX];
	size_t len;
	int r;

	if (!port_given) {
		c->port = ZT_CLI_API_DEFAULT_PORT;
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

static void request(const struct zt_cli *c, const char *method, const char *path, const char *body,
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
		zt_cli_die("socket: %s", strerror(errno));
	(void)setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
	(void)setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sin.sin_port = htons((uint16_t)c->port);
	if (connect(fd, (struct sockaddr *)&sin, sizeof sin) < 0)
		zt_cli_die("cannot connect to ztd at 127.0.0.1:%d (is ztd running?)", c->port);
	if (c->token[0] == '\0')
		zt_cli_die("%s", c->token_err[0] ? c->token_err : "no auth token: use -T TOKEN");
	n = snprintf(head, sizeof head,
	             "%s %s HTTP/1.1\r\nHost: 127.0.0.1\r\nX-ZT1-Auth: %s\r\n"
	             "Content-Type: application/json\r\nContent-Length: %zu\r\n"
	             "Connection: close\r\n\r\n",
	             method, path, c->token, blen);
	if (n < 0 || (size_t)n >= sizeof head)
		zt_cli_die("request too long");
	if (send_all(fd, head, (size_t)n) < 0 || (blen && send_all(fd, body, blen) < 0))
		zt_cli_die("lost the connection to ztd at 127.0.0.1:%d while sending", c->port);
	sodium_memzero(head, sizeof head);
	r->buf = zt_cli_hold_buf(malloc(cap));
	if (!r->buf)
		zt_cli_die("out of memory");
	for (;;) {
		ssize_t got;

		if (len + 1 == cap) {
			char *p;

			if (cap >= RESPONSE_MAX)
				zt_cli_die("ztd's answer is larger than %d bytes", RESPONSE_MAX);
			cap *= 2;
			p = realloc(r->buf, cap);
			if (!p)
				zt_cli_die("out of memory");
			r->buf = zt_cli_hold_buf(p);
		}
		got = recv(fd, r->buf + len, cap - 1 - len, 0);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			zt_cli_die("ztd at 127.0.0.1:%d did not answer within %d s", c->port,
			           TIMEOUT_S);
		if (got < 0)
			zt_cli_die("reading ztd's answer: %s", strerror(errno));
		if (got == 0)
			break;
		len += (size_t)got;
	}
	close(fd);
	r->buf[len] = '\0';
	if (parse_response(r, len) < 0)
		zt_cli_die("127.0.0.1:%d did not answer like ztd (wrong -p?)", c->port);
}

json_t *zt_cli_api_call_status(const struct zt_cli *c, const char *method, const char *path,
                               const char *body, int *status, json_error_t *je)
{
	struct response r;
	json_t *j;

	request(c, method, path, body, &r);
	j = zt_cli_hold(json_loadb(r.body, r.body_len, 0, je));
	if (r.status == 401)
		zt_cli_die("ztd refused the auth token (check %s/authtoken.secret or -T)", c->home);
	*status = r.status;
	free(r.buf);
	zt_cli_hold_buf(NULL);
	return j;
}

json_t *zt_cli_api_call(const struct zt_cli *c, const char *method, const char *path,
                        const char *body)
{
	json_error_t je;
	int status;
	json_t *j = zt_cli_api_call_status(c, method, path, body, &status, &je);

	if (status != 200) {
		/* ZeroTier's error shape: {"error": status, "description": why}. */
		const char *msg = j ? json_string_value(json_object_get(j, "description")) : NULL;

		if (msg)
			zt_cli_die("%s", msg);
		zt_cli_die("ztd answered %s %s with HTTP status %d", method, path, status);
	}
	if (!j)
		zt_cli_die("ztd's answer to %s %s is not JSON: %s", method, path, je.text);
	return j;
}
