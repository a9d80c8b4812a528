/* SPDX-License-Identifier: MIT */
/*
 * httpd_test.c - the local API's server (osdep/httpd.c) against a local
 * client that hogs it: connections held open without a request do not
 * lock out a real request, and running out of file descriptors does not
 * spin the event loop (counted: callbacks run while nothing changes).
 *
 * Real sockets on loopback; no sleeping.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include "osdep/evloop.h"
#include "osdep/httpd.h"
#include "test.h"

static struct zt_evloop *loop;
static struct zt_httpd *httpd;
static uint16_t port;
static unsigned handled;

static void handler(void *ctx, const struct zt_http_request *req, struct zt_httpd_reply *reply)
{
	(void)ctx;
	(void)req;
	handled++;
	reply->status = 200;
	reply->body = malloc(2);
	if (reply->body != NULL) {
		memcpy(reply->body, "{}", 2);
		reply->body_len = 2;
	}
}

/* A free loopback port (bound, read back, released). */
static uint16_t free_port(void)
{
	struct sockaddr_in sin;
	socklen_t sl = sizeof sin;
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	uint16_t p = 0;

	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd >= 0 && bind(fd, (struct sockaddr *)&sin, sizeof sin) == 0 &&
	    getsockname(fd, (struct sockaddr *)&sin, &sl) == 0)
		p = ntohs(sin.sin_port);
	if (fd >= 0)
		close(fd);
	return p;
}

static void setup(void)
{
	handled = 0;
	CHECK_EQ(zt_evloop_new(&loop), 0);
	port = free_port();
	CHECK(port != 0);
	CHECK_EQ(zt_httpd_new(&httpd, loop, port, handler, NULL), 0);
}

static void teardown(void)
{
	zt_httpd_free(httpd);
	zt_evloop_free(loop);
}

/* Connect an existing socket (loopback completes the handshake before
 * accept). */
static bool connect_fd(int fd)
{
	struct sockaddr_in sin;

	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sin.sin_port = htons(port);
	return connect(fd, (struct sockaddr *)&sin, sizeof sin) == 0;
}

static int client(void)
{
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd >= 0 && !connect_fd(fd)) {
		close(fd);
		return -1;
	}
	return fd;
}

static int pump(int rounds)
{
	int ran = 0;
	for (int i = 0; i < rounds; i++) {
		int r = zt_evloop_wait(loop, 0);
		if (r <= 0)
			break;
		ran += r;
	}
	return ran;
}

/* A GET on a new connection: true if "HTTP/1.1 200" came back. */
static bool request_ok(void)
{
	static const char get[] = "GET /status HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
	char buf[256];
	size_t got = 0;
	int fd = client();

	if (fd < 0)
		return false;
	if (send(fd, get, sizeof get - 1, MSG_NOSIGNAL) != (ssize_t)(sizeof get - 1)) {
		close(fd);
		return false;
	}
	for (int i = 0; i < 16 && got < sizeof buf - 1; i++) {
		struct pollfd p = {fd, POLLIN, 0};
		ssize_t n;
		pump(4);
		if (poll(&p, 1, 0) != 1)
			continue;
		n = recv(fd, buf + got, sizeof buf - 1 - got, MSG_DONTWAIT);
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	close(fd);
	buf[got] = '\0';
	return strncmp(buf, "HTTP/1.1 200", 12) == 0;
}

/* Every slot held by connections that never send a request: the next
 * real request is still answered (the oldest holder goes). */
static void test_idle_holders_do_not_lock_out(void)
{
	int hogs[ZT_HTTPD_MAX_CONNS];

	setup();
	for (int i = 0; i < ZT_HTTPD_MAX_CONNS; i++) {
		hogs[i] = client();
		CHECK(hogs[i] >= 0);
		pump(4);
	}
	CHECK(request_ok());
	CHECK_EQ(handled, 1);
	/* Again, with the hogs reconnecting as fast as they can. */
	for (int round = 0; round < 3; round++) {
		for (int i = 0; i < ZT_HTTPD_MAX_CONNS; i++) {
			close(hogs[i]);
			hogs[i] = client();
		}
		CHECK(request_ok());
	}
	CHECK_EQ(handled, 4);
	for (int i = 0; i < ZT_HTTPD_MAX_CONNS; i++)
		close(hogs[i]);
	teardown();
}

static void test_out_of_descriptors_does_not_spin(void)
{
	enum { NCLIENTS = 12, ROOM = 3 }; /* within the listen backlog (16) */
	struct rlimit old, low;
	int fds[NCLIENTS], spins = 0, highest = 0;

	setup();
	CHECK_EQ(getrlimit(RLIMIT_NOFILE, &old), 0);
	for (int i = 0; i < NCLIENTS; i++) {
		fds[i] = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
		CHECK(fds[i] >= 0);
		if (fds[i] > highest)
			highest = fds[i];
	}
	low = old;
	low.rlim_cur = (rlim_t)highest + 1 + ROOM;
	CHECK_EQ(setrlimit(RLIMIT_NOFILE, &low), 0);
	for (int i = 0; i < NCLIENTS; i++)
		CHECK(connect_fd(fds[i]));
	(void)pump(8);
	for (int i = 0; i < 200; i++)
		spins += zt_evloop_wait(loop, 0) > 0;
	CHECK(spins <= 2);
	CHECK_EQ(setrlimit(RLIMIT_NOFILE, &old), 0);
	for (int i = 0; i < NCLIENTS; i++)
		close(fds[i]);
	teardown();
}

int main(void)
{
	RUN(test_idle_holders_do_not_lock_out);
	RUN(test_out_of_descriptors_does_not_spin);
	TEST_EXIT();
}
