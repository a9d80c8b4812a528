/* SPDX-License-Identifier: MIT */
/*
 * rekeyer.c - legitimate nodes rekeying with a real zt-root over UDP, for
 * bench/dos.sh: how many rekeys a root still completes while it is
 * attacked.
 *
 * It holds N identities (kept in a file, so that the root knows them from
 * one run to the next), each with its own UDP socket, and starts rekeys at
 * a fixed offered rate, round robin over the identities that are idle.  A
 * rekey is what a node does every ZT_REKEY_AFTER_TIME: an HS_INIT (with
 * mac2 once the root handed out a cookie; a COOKIE reply is answered at
 * once with a new initiation), the HS_RESP, then a REGISTER with the new
 * keys; it counts as done when the root's REGISTER_OK arrives under them.
 * An attempt unanswered for the timeout is given up.  Every identity
 * announces HSCLIENT_BENCH_NWID's hash every 30 s, so that the root's
 * directory lists them as members of one network.
 *
 * First every identity rekeys once (its first contact costs the root the
 * memory-hard identity check); then it prints "ready", waits the delay,
 * and counts for the duration.  Results are "key value" lines on stdout.
 *
 *   rekeyer -r ROOT_IDENTITY -d ROOT_IP [-p PORT] [-b BIND_IP] [-n IDS]
 *           [-k IDFILE] [-R RATE] [-t SECONDS] [-D DELAY_MS] [-o TIMEOUT_MS]
 */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "bench/hsclient.h"
#include "node/util.h"

#define MAX_IDS        1024
#define ANNOUNCE_EVERY 30000
#define MAX_SAMPLES    (1 << 20)

enum state { IDLE, WAIT_RESP, WAIT_REG };

struct ident {
	struct zt_identity id;
	int fd;
	enum state st;
	struct hsclient_hs hs;
	struct zt_keypair kp;
	bool has_kp;
	uint8_t cookie[16];
	bool has_cookie;
	int64_t cookie_at;
	uint64_t last_ts;
	int64_t started;
	int64_t announced;
	unsigned done;
};

struct opts {
	const char *root_text, *root_ip, *bind_ip, *idfile;
	uint16_t port;
	unsigned nids, rate, secs, delay_ms, timeout_ms;
};

struct stats {
	uint64_t offered, busy, started, done, timeouts, cookies, bad;
};

static volatile sig_atomic_t stop;
static struct ident ids[MAX_IDS];
static struct hsclient_root root;
static struct sockaddr_in root_sa;
static struct stats st;
static bool counting;
static uint32_t *lat;
static size_t nlat;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static int64_t mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static uint64_t wall_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void sodium_random(void *ctx, void *buf, size_t len)
{
	(void)ctx;
	randombytes_buf(buf, len);
}

/* Load IDFILE (one secret identity text a line) or make it. */
static int load_ids(const char *path, unsigned n)
{
	FILE *f = fopen(path, "r");
	char line[ZT_IDENTITY_SECRET_TEXT + 8];
	unsigned have = 0;

	if (f != NULL) {
		while (have < n && fgets(line, sizeof line, f) != NULL) {
			line[strcspn(line, "\r\n")] = 0;
			if (zt_identity_from_text(&ids[have].id, line, strlen(line)) == ZT_OK &&
			    ids[have].id.has_secret)
				have++;
		}
		fclose(f);
	}
	if (have == n)
		return 0;
	f = fopen(path, "w");
	if (f == NULL) {
		perror(path);
		return -1;
	}
	for (unsigned i = 0; i < n; i++) {
		if (i >= have && zt_identity_generate(&ids[i].id, sodium_random, NULL) != ZT_OK)
			goto fail;
		if (zt_identity_to_text(&ids[i].id, true, line, sizeof line) != ZT_OK)
			goto fail;
		fprintf(f, "%s\n", line);
	}
	return fclose(f) == 0 ? 0 : -1;
fail:
	fclose(f);
	return -1;
}

static int open_socket(const char *bind_ip)
{
	struct sockaddr_in sa;
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -1;
	memset(&sa, 0, sizeof sa);
	sa.sin_family = AF_INET;
	if (bind_ip != NULL && inet_pton(AF_INET, bind_ip, &sa.sin_addr) != 1)
		goto fail;
	if (bind(fd, (struct sockaddr *)&sa, sizeof sa) < 0 ||
	    connect(fd, (struct sockaddr *)&root_sa, sizeof root_sa) < 0)
		goto fail;
	return fd;
fail:
	close(fd);
	return -1;
}

static void send_init(struct ident *x, int64_t now)
{
	uint8_t pkt[ZT_HS_INIT_LEN], seed[32];
	bool cookie = x->has_cookie && now - x->cookie_at < ZT_COOKIE_VALID;
	uint64_t ts = wall_ms();

	if (ts <= x->last_ts)
		ts = x->last_ts + 1;
	x->last_ts = ts;
	randombytes_buf(seed, sizeof seed);
	if (hsclient_init(pkt, &x->hs, &root, &x->id, x->id.address, randombytes_random(), ts, seed,
	                  cookie ? x->cookie : NULL) == ZT_OK)
		(void)send(x->fd, pkt, sizeof pkt, 0);
	sodium_memzero(seed, sizeof seed);
	x->st = WAIT_RESP;
}

static void send_msg(struct ident *x, const uint8_t *msg, size_t len)
{
	uint8_t pkt[ZT_DATA_OVERHEAD + 64];

	if (len > 64)
		return;
	len = zt_session_seal(&x->kp, root.address, x->id.address, msg, len, pkt);
	(void)send(x->fd, pkt, len, 0);
}

static void start_rekey(struct ident *x, int64_t now)
{
	x->started = now;
	if (counting)
		st.started++;
	send_init(x, now);
}

static void finish(struct ident *x, int64_t now)
{
	x->st = IDLE;
	x->done++;
	if (!counting)
		return;
	st.done++;
	if (nlat < MAX_SAMPLES)
		lat[nlat++] = (uint32_t)(now - x->started);
}

static void handle(struct ident *x, int64_t now, const uint8_t *pkt, size_t len)
{
	uint8_t out[1500];
	size_t olen = 0;

	if (len < ZT_HDR_LEN)
		return;
	switch (pkt[0] & 0x0f) {
	case ZT_PT_COOKIE:
		if (x->st != WAIT_RESP || zt_get_u32(pkt + ZT_HDR_LEN) != x->hs.index ||
		    hsclient_cookie(x->cookie, &root, x->hs.mac1, pkt, len) != ZT_OK)
			return;
		x->has_cookie = true;
		x->cookie_at = now;
		if (counting)
			st.cookies++;
		zt_noise_wipe(&x->hs.noise);
		send_init(x, now); /* at once, now with mac2 */
		return;
	case ZT_PT_HS_RESP: {
		uint8_t reg[9];
		if (x->st != WAIT_RESP)
			return;
		if (x->has_kp)
			zt_session_wipe(&x->kp);
		x->has_kp = false;
		if (hsclient_resp(&x->hs, &x->id, pkt, len, &x->kp) != ZT_OK) {
			if (counting)
				st.bad++;
			return;
		}
		x->has_kp = true;
		reg[0] = ZT_MSG_REGISTER;
		zt_put_u64(reg + 1, wall_ms());
		send_msg(x, reg, sizeof reg);
		x->st = WAIT_REG;
		return;
	}
	case ZT_PT_DATA:
		if (!x->has_kp || len > sizeof out + ZT_DATA_OVERHEAD ||
		    zt_session_open(&x->kp, pkt, len, out, &olen) != ZT_OK || olen == 0)
			return;
		if (out[0] == ZT_MSG_REGISTER_OK && x->st == WAIT_REG) {
			finish(x, now);
			if (now - x->announced >= ANNOUNCE_EVERY) {
				uint8_t ann[10];
				ann[0] = ZT_MSG_NET_ANNOUNCE;
				zt_wire_nethash(HSCLIENT_BENCH_NWID, ann + 1);
				ann[9] = 0;
				send_msg(x, ann, sizeof ann);
				x->announced = now;
			}
		}
		return;
	default: return;
	}
}

static void poll_once(unsigned n, int timeout_ms)
{
	static struct pollfd pfd[MAX_IDS];
	uint8_t buf[2048];
	int64_t now;

	for (unsigned i = 0; i < n; i++) {
		pfd[i].fd = ids[i].fd;
		pfd[i].events = POLLIN;
		pfd[i].revents = 0;
	}
	if (poll(pfd, n, timeout_ms) <= 0)
		return;
	now = mono_ms();
	for (unsigned i = 0; i < n; i++) {
		ssize_t r;
		if (!(pfd[i].revents & POLLIN))
			continue;
		while ((r = recv(ids[i].fd, buf, sizeof buf, 0)) > 0)
			handle(&ids[i], now, buf, (size_t)r);
	}
}

static void expire(unsigned n, int64_t now, unsigned timeout_ms)
{
	for (unsigned i = 0; i < n; i++) {
		if (ids[i].st == IDLE || now - ids[i].started < (int64_t)timeout_ms)
			continue;
		ids[i].st = IDLE;
		if (counting)
			st.timeouts++;
	}
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return x < y ? -1 : x > y;
}

static int usage(void)
{
	fprintf(stderr, "usage: rekeyer -r ROOT_IDENTITY -d ROOT_IP [-p PORT] [-b BIND_IP] "
	                "[-n IDS] [-k IDFILE] [-R RATE] [-t SECONDS] [-D DELAY_MS] "
	                "[-o TIMEOUT_MS]\n");
	return 2;
}

int main(int argc, char **argv)
{
	struct opts o = {NULL, NULL, NULL, "rekeyer.ids", 9993, 64, 200, 10, 500, 1000};
	int64_t t0, now, base, end;
	uint64_t k = 0;
	unsigned cursor = 0, warm;
	int c;

	while ((c = getopt(argc, argv, "r:d:p:b:n:k:R:t:D:o:")) != -1) {
		switch (c) {
		case 'r': o.root_text = optarg; break;
		case 'd': o.root_ip = optarg; break;
		case 'p': o.port = (uint16_t)atoi(optarg); break;
		case 'b': o.bind_ip = optarg; break;
		case 'n': o.nids = (unsigned)atoi(optarg); break;
		case 'k': o.idfile = optarg; break;
		case 'R': o.rate = (unsigned)atoi(optarg); break;
		case 't': o.secs = (unsigned)atoi(optarg); break;
		case 'D': o.delay_ms = (unsigned)atoi(optarg); break;
		case 'o': o.timeout_ms = (unsigned)atoi(optarg); break;
		default: return usage();
		}
	}
	if (o.root_text == NULL || o.root_ip == NULL || o.nids == 0 || o.nids > MAX_IDS ||
	    o.rate == 0 || o.secs == 0 || o.timeout_ms == 0)
		return usage();
	if (sodium_init() < 0 || hsclient_root_parse(&root, o.root_text) != ZT_OK) {
		fprintf(stderr, "rekeyer: bad root identity\n");
		return 1;
	}
	memset(&root_sa, 0, sizeof root_sa);
	root_sa.sin_family = AF_INET;
	root_sa.sin_port = htons(o.port);
	if (inet_pton(AF_INET, o.root_ip, &root_sa.sin_addr) != 1)
		return usage();
	lat = calloc(MAX_SAMPLES, sizeof *lat);
	if (lat == NULL || load_ids(o.idfile, o.nids) < 0) {
		fprintf(stderr, "rekeyer: cannot load or make %s\n", o.idfile);
		return 1;
	}
	for (unsigned i = 0; i < o.nids; i++) {
		ids[i].fd = open_socket(o.bind_ip);
		if (ids[i].fd < 0) {
			perror("rekeyer: socket");
			return 1;
		}
		ids[i].announced = -ANNOUNCE_EVERY;
	}
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);

	/* Warm-up: every identity once (first contacts), within 20 s. */
	t0 = mono_ms();
	for (unsigned i = 0; i < o.nids; i++)
		start_rekey(&ids[i], t0);
	do {
		poll_once(o.nids, 10);
		now = mono_ms();
		warm = 0;
		for (unsigned i = 0; i < o.nids; i++) {
			warm += ids[i].done > 0;
			if (ids[i].done == 0 && ids[i].st == IDLE)
				start_rekey(&ids[i], now);
		}
		expire(o.nids, now, 3000);
	} while (!stop && warm < o.nids && now - t0 < 20000);
	printf("warm %u of %u in %" PRId64 " ms\nready\n", warm, o.nids, now - t0);
	fflush(stdout);

	/* Then the offered rate: the k-th rekey is due k / rate after the
	 * start, counted from the delay on. */
	base = mono_ms();
	t0 = base + o.delay_ms;
	end = t0 + (int64_t)o.secs * 1000;
	while (!stop && (now = mono_ms()) < end) {
		int64_t due;
		counting = now >= t0;
		while ((due = base + (int64_t)(k * 1000 / o.rate)) <= now) {
			unsigned j;
			k++;
			if (counting)
				st.offered++;
			for (j = 0; j < o.nids && ids[(cursor + j) % o.nids].st != IDLE; j++)
				;
			if (j == o.nids) {
				if (counting)
					st.busy++;
				continue;
			}
			cursor = (cursor + j) % o.nids;
			start_rekey(&ids[cursor], now);
			cursor = (cursor + 1) % o.nids;
		}
		expire(o.nids, now, o.timeout_ms);
		poll_once(o.nids, due - now < 5 ? (int)(due - now) : 5);
	}
	now = mono_ms();
	qsort(lat, nlat, sizeof *lat, cmp_u32);
	printf("rekey_secs %.3f\n", (double)(now - t0) / 1000);
	printf("rekey_offered %" PRIu64 "\nrekey_started %" PRIu64 "\nrekey_done %" PRIu64 "\n",
	       st.offered, st.started, st.done);
	printf("rekey_rate %.1f\n", now > t0 ? (double)st.done * 1000 / (double)(now - t0) : 0.0);
	printf("rekey_busy %" PRIu64 "\nrekey_timeouts %" PRIu64 "\nrekey_cookies %" PRIu64
	       "\nrekey_bad %" PRIu64 "\n",
	       st.busy, st.timeouts, st.cookies, st.bad);
	printf("rekey_p50_ms %u\nrekey_p99_ms %u\n", nlat ? lat[nlat / 2] : 0,
	       nlat ? lat[nlat * 99 / 100] : 0);
	for (unsigned i = 0; i < o.nids; i++) {
		if (ids[i].has_kp)
			zt_session_wipe(&ids[i].kp);
		zt_noise_wipe(&ids[i].hs.noise);
		zt_identity_wipe(&ids[i].id);
		close(ids[i].fd);
	}
	free(lat);
	return 0;
}
