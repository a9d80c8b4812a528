/* SPDX-License-Identifier: MIT */
/*
 * tcp_test.c - the TCP fallback's listener (osdep/tcp.c) against hostile
 * clients on loopback: one address holds at most ZT_TCP_PER_ADDR
 * connections, and running out of file descriptors neither spins the
 * event loop (counted: callbacks run while nothing changes) nor stops
 * it from accepting once descriptors are free again.
 *
 * Real sockets on 127.0.0.0/8 (every address of it is local); no sleeping.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include "osdep/evloop.h"
#include "osdep/tcp.h"
#include "test.h"

static struct zt_evloop *loop;
static struct zt_tcp_set set;
static unsigned closed_count;
static uint16_t port;
static int64_t fake_now = 1700000000000LL;

static int64_t fake_clock(void)
{
	return fake_now;
}

static void on_datagram(void *ctx, int64_t sock, const struct zt_endpoint *from, const void *pkt,
                        size_t len)
{
	(void)ctx;
	(void)sock;
	(void)from;
	(void)pkt;
	(void)len;
}

static void on_closed(void *ctx, int64_t sock)
{
	(void)ctx;
	(void)sock;
	closed_count++;
}

static void setup(void)
{
	struct zt_tcp_hooks hooks = {NULL, on_datagram, on_closed};
	struct sockaddr_in sin;
	socklen_t sl = sizeof sin;

	closed_count = 0;
	CHECK_EQ(zt_evloop_new(&loop), 0);
	zt_tcp_init(&set, loop, &hooks);
	set.clock = fake_clock;
	CHECK_EQ(zt_tcp_listen(&set, "127.0.0.1", 0), 0);
	CHECK_EQ(getsockname(set.listen_fd, (struct sockaddr *)&sin, &sl), 0);
	port = ntohs(sin.sin_port);
}

static void teardown(void)
{
	zt_tcp_free(&set);
	zt_evloop_free(loop);
}

/* A blocking TCP socket from 127.0.0.<host>, connected to the listener
 * (loopback completes the handshake before accept). */
static int client_from(int host)
{
	struct sockaddr_in sin;
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -1;
	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(0x7f000000u | (unsigned)host);
	if (bind(fd, (struct sockaddr *)&sin, sizeof sin) < 0)
		goto fail;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sin.sin_port = htons(port);
	if (connect(fd, (struct sockaddr *)&sin, sizeof sin) < 0)
		goto fail;
	return fd;
fail:
	close(fd);
	return -1;
}

/* Run the loop without blocking until nothing is ready (at most `rounds`
 * times); returns how many callbacks ran. */
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

/* The server closed this client (EOF or reset), without blocking. */
static bool hung_up(int fd)
{
	struct pollfd p = {fd, POLLIN, 0};
	char b;

	if (poll(&p, 1, 0) != 1)
		return false;
	return recv(fd, &b, 1, MSG_DONTWAIT) <= 0;
}

static void test_per_address_cap(void)
{
	int fds[ZT_TCP_PER_ADDR + 4], other;
	unsigned refused = 0;

	setup();
	for (unsigned i = 0; i < ZT_TCP_PER_ADDR + 4; i++) {
		fds[i] = client_from(2);
		CHECK(fds[i] >= 0);
		pump(8);
	}
	CHECK_EQ(set.count, ZT_TCP_PER_ADDR);
	for (unsigned i = 0; i < ZT_TCP_PER_ADDR + 4; i++)
		if (hung_up(fds[i]))
			refused++;
	CHECK_EQ(refused, 4);
	/* Another address is still welcome. */
	other = client_from(3);
	CHECK(other >= 0);
	pump(8);
	CHECK_EQ(set.count, ZT_TCP_PER_ADDR + 1);
	CHECK(!hung_up(other));
	close(other);
	for (unsigned i = 0; i < ZT_TCP_PER_ADDR + 4; i++)
		close(fds[i]);
	teardown();
}

/* Out of descriptors: the listener stays readable, so a loop that only
 * retries accept() runs its callback on every wait.  Clients of many
 * addresses (the per-address cap is not what stops them). */
static void test_out_of_descriptors_does_not_spin(void)
{
	enum { NCLIENTS = 24, ROOM = 3 };
	struct rlimit old, low;
	int fds[NCLIENTS], spins = 0, highest = 0, turned = 0, later;

	setup();
	CHECK_EQ(getrlimit(RLIMIT_NOFILE, &old), 0);
	/* The clients' sockets exist before the limit drops; the server
	 * then has room for ROOM connections. */
	for (int i = 0; i < NCLIENTS; i++) {
		fds[i] = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
		CHECK(fds[i] >= 0);
		if (fds[i] > highest)
			highest = fds[i];
	}
	low = old;
	low.rlim_cur = (rlim_t)highest + 1 + ROOM;
	CHECK_EQ(setrlimit(RLIMIT_NOFILE, &low), 0);
	for (int i = 0; i < NCLIENTS; i++) {
		struct sockaddr_in sin;
		memset(&sin, 0, sizeof sin);
		sin.sin_family = AF_INET;
		sin.sin_addr.s_addr = htonl(0x7f000000u | (unsigned)(10 + i));
		CHECK_EQ(bind(fds[i], (struct sockaddr *)&sin, sizeof sin), 0);
		sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		sin.sin_port = htons(port);
		CHECK_EQ(connect(fds[i], (struct sockaddr *)&sin, sizeof sin), 0);
	}
	(void)pump(8);
	CHECK(set.count <= ROOM);
	/* Nothing changes from here on: every callback would be a spin. */
	for (int i = 0; i < 200; i++)
		spins += zt_evloop_wait(loop, 0) > 0;
	CHECK(spins <= 2);
	/* The waiting clients were told at once, not left hanging. */
	for (int i = 0; i < NCLIENTS; i++)
		if (hung_up(fds[i]))
			turned++;
	CHECK(turned >= 1);
	CHECK_EQ(turned + (int)set.count, NCLIENTS);
	/* Descriptors free again: after the pause, the listener accepts. */
	CHECK_EQ(setrlimit(RLIMIT_NOFILE, &old), 0);
	for (int i = 0; i < NCLIENTS; i++)
		close(fds[i]);
	later = client_from(200);
	CHECK(later >= 0);
	pump(8);
	CHECK_EQ(set.count, 0);
	fake_now += ZT_ACCEPTOR_PAUSE_MS;
	CHECK(zt_tcp_expire(&set, fake_now) != INT64_MAX); /* the hello timeout */
	pump(8);
	CHECK_EQ(set.count, 1);
	CHECK(!hung_up(later));
	close(later);
	teardown();
}

/* Write one framed datagram (blocking). */
static void send_datagram(int fd)
{
	static const uint8_t d[5] = {0, 3, 'z', 't', '!'};
	CHECK_EQ(send(fd, d, sizeof d, MSG_NOSIGNAL), (ssize_t)sizeof d);
}

/* Silent connections are closed: no datagram within ZT_TCP_HELLO_MS, or
 * none for ZT_TCP_IDLE_MS since the last; the core hears of each. */
static void test_silent_connections_close(void)
{
	int quiet, talker;
	int64_t t0;

	setup();
	t0 = fake_now;
	quiet = client_from(4);
	talker = client_from(5);
	pump(8);
	CHECK_EQ(set.count, 2);
	send_datagram(talker);
	pump(8);
	fake_now = t0 + ZT_TCP_HELLO_MS - 1;
	(void)zt_tcp_expire(&set, fake_now);
	CHECK_EQ(set.count, 2);
	fake_now = t0 + ZT_TCP_HELLO_MS;
	CHECK_EQ(zt_tcp_expire(&set, fake_now), t0 + ZT_TCP_IDLE_MS);
	CHECK_EQ(set.count, 1);
	CHECK_EQ(closed_count, 1);
	CHECK(hung_up(quiet));
	CHECK(!hung_up(talker));
	/* Talking keeps it; silence for ZT_TCP_IDLE_MS ends it. */
	fake_now = t0 + ZT_TCP_IDLE_MS - 1000;
	send_datagram(talker);
	pump(8);
	fake_now = t0 + ZT_TCP_IDLE_MS;
	(void)zt_tcp_expire(&set, fake_now);
	CHECK_EQ(set.count, 1);
	fake_now = t0 + 2 * ZT_TCP_IDLE_MS - 1000;
	(void)zt_tcp_expire(&set, fake_now);
	CHECK_EQ(set.count, 0);
	CHECK_EQ(closed_count, 2);
	CHECK_EQ(set.timed_out, 2);
	CHECK(hung_up(talker));
	close(quiet);
	close(talker);
	teardown();
}

/* Full: a newcomer takes the place of the connection silent longest,
 * once that one has been silent ZT_TCP_HELLO_MS; before, it is refused. */
static void test_full_evicts_the_silent(void)
{
	int fds[4], late, later;
	int64_t t0;

	setup();
	set.max_conns = 4;
	t0 = fake_now;
	for (int i = 0; i < 4; i++) {
		fake_now = t0 + i;
		fds[i] = client_from(20 + i);
		pump(8);
	}
	send_datagram(fds[0]);
	pump(8);
	CHECK_EQ(set.count, 4);
	late = client_from(30);
	pump(8);
	CHECK_EQ(set.count, 4);
	CHECK(hung_up(late));
	CHECK_EQ(set.refused, 1);
	/* fds[1] has been silent longest (fds[0] spoke at t0 + 3). */
	fake_now = t0 + 1 + ZT_TCP_HELLO_MS;
	later = client_from(31);
	pump(8);
	CHECK_EQ(set.count, 4);
	CHECK_EQ(set.evicted, 1);
	CHECK(hung_up(fds[1]));
	CHECK(!hung_up(fds[0]));
	CHECK(!hung_up(later));
	for (int i = 0; i < 4; i++)
		close(fds[i]);
	close(late);
	close(later);
	teardown();
}

int main(void)
{
	RUN(test_per_address_cap);
	RUN(test_out_of_descriptors_does_not_spin);
	RUN(test_silent_connections_close);
	RUN(test_full_evicts_the_silent);
	TEST_EXIT();
}
