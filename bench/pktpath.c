/* SPDX-License-Identifier: MIT */
/*
 * pktpath.c - the core's per-packet data path, in one process, for
 * instruction counts (make pktpath-bench runs it under callgrind).
 *
 * A root and two members, A and B, on an ad-hoc network, joined by an
 * in-memory wire with no loss and a virtual clock.  Once A and B list each
 * other DIRECT, A sends N small Ethernet frames (IPv4/UDP with a 64-byte
 * payload, as `make bench`'s UDP row) to B's MAC in batches, as ztd does
 * (zt_node_frames_begin, one zt_node_process_frame per frame,
 * zt_node_frames_end), and B takes the datagrams in with
 * zt_node_process_wire_batch.  Only the public API (node/zt.h) is used, so
 * the same file builds against older libztnode.a too.
 *
 * Wall-clock numbers on a shared machine are noise; callgrind's
 * instruction counts are not.  measure() is the function to collect:
 *   valgrind --tool=callgrind --toggle-collect='measure*' build/bench/pktpath
 * and the total divided by the frames it prints is instructions per
 * packet (sender and receiver together, the in-memory wire included).
 *
 * With `rules` (pktpath FRAMES rules) a fourth node is the controller of
 * a private network instead, whose rules are those of `make bench`'s
 * zt_rules row (bench/rules50.zt: 50 entries that the
 * datagrams walk to their end, then the capability both members hold); with
 * `accept` the same network's rules are the controller's default
 * ("accept;"), which the switch skips: the difference between the two is
 * what the rules cost per frame at both ends.
 *
 * Usage: pktpath [frames [rules|accept]] (default 20000); it prints the
 * frames that reached B's TAP and exits 1 if any was lost or B never went
 * direct.
 */
#include <inttypes.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "zt.h"

#define ADHOC    0xff00000000000001ull
#define BATCH    32
#define QCAP     256
#define PAYLOAD  64
#define FRAMELEN (14 + 20 + 8 + PAYLOAD)

struct dgram {
	int from, to; /* box indexes (to: -1 for nobody) */
	size_t len;
	uint8_t data[1600];
};

struct box {
	int index;
	struct zt_node *node;
	struct zt_identity id;
	struct zt_endpoint ep;
	uint8_t mac[6];
	bool joined;
	uint64_t frames_in;
};

static struct box boxes[4]; /* root, A, B, and the controller (managed networks) */
static int nboxes = 3;
static uint64_t NWID = ADHOC;
static bool with_rules; /* the managed network's rules: bench/run.sh's, or "accept;" */
/* Two queues that swap roles: what is being delivered, and what that
 * delivery sends in turn (no copying between them). */
static struct dgram queues[2][QCAP];
static struct dgram *queue = queues[0];
static size_t qlen;
static int64_t now = 1000000;
static uint64_t dropped;

static int wire_send(void *ctx, int64_t sock, const struct zt_endpoint *to, const void *pkt,
                     size_t len)
{
	struct box *b = ctx;
	struct dgram *d;

	(void)sock;
	if (qlen == QCAP || len > sizeof d->data) {
		dropped++;
		return 0; /* as a full socket buffer: the datagram is lost */
	}
	d = &queue[qlen++];
	d->from = b->index;
	d->to = -1;
	for (int i = 0; i < nboxes; i++)
		if (zt_endpoint_eq(&boxes[i].ep, to))
			d->to = i;
	d->len = len;
	memcpy(d->data, pkt, len);
	return 0;
}

static void frame_out(void *ctx, uint64_t nwid, const uint8_t *frame, size_t len)
{
	struct box *b = ctx;
	(void)nwid;
	(void)frame;
	if (len == FRAMELEN)
		b->frames_in++;
}

static void net_update(void *ctx, enum zt_net_op op, const struct zt_network_info *info)
{
	struct box *b = ctx;
	(void)op;
	if (info->nwid == NWID && info->status == ZT_NET_OK) {
		memcpy(b->mac, info->mac, 6);
		b->joined = true;
	}
}

static void random_bytes(void *ctx, void *buf, size_t len)
{
	(void)ctx;
	randombytes_buf(buf, len);
}

/* The shell's crypto_run, on this thread: the core then takes the batched
 * path that ztd's takes (ztd hands the jobs to worker threads only when
 * that pays). */
static void crypto_run(void *ctx, struct zt_crypto_job *jobs, size_t count)
{
	(void)ctx;
	for (size_t i = 0; i < count; i++)
		zt_crypto_job_run(&jobs[i]);
}

/* Deliver everything queued (and what that sends in turn), in batches per
 * receiver as a shell's recvmmsg would hand them in. */
static void drain(void)
{
	struct zt_wire_pkt pkts[QCAP];

	while (qlen > 0) {
		struct dgram *held = queue;
		size_t n = qlen;
		int64_t next;
		queue = queue == queues[0] ? queues[1] : queues[0];
		qlen = 0;
		for (int r = 0; r < nboxes; r++) {
			size_t k = 0;
			for (size_t i = 0; i < n; i++) {
				if (held[i].to != r)
					continue;
				pkts[k].sock = 1;
				pkts[k].from = boxes[held[i].from].ep;
				pkts[k].data = held[i].data;
				pkts[k].len = held[i].len;
				k++;
			}
			if (k > 0)
				(void)zt_node_process_wire_batch(boxes[r].node, now, pkts, k,
				                                 &next);
		}
	}
}

static void tick(int64_t ms)
{
	int64_t next;
	now += ms;
	for (int i = 0; i < nboxes; i++)
		(void)zt_node_process_background(boxes[i].node, now, &next);
	drain();
}

static bool direct(struct box *a, struct box *b)
{
	struct zt_peer_info info[8];
	size_t n = zt_node_peers(a->node, now, info, 8);
	for (size_t i = 0; i < n && i < 8; i++)
		if (info[i].address == b->id.address)
			return info[i].path == ZT_PATH_DIRECT;
	return false;
}

static void make_frame(uint8_t *f, const struct box *from, const struct box *to, unsigned seq)
{
	memset(f, 0, FRAMELEN);
	memcpy(f, to->mac, 6);
	memcpy(f + 6, from->mac, 6);
	f[12] = 0x08; /* IPv4 */
	f[14] = 0x45;
	f[16] = (uint8_t)((20 + 8 + PAYLOAD) >> 8);
	f[17] = (uint8_t)(20 + 8 + PAYLOAD);
	f[22] = 64; /* TTL */
	f[23] = 17; /* UDP */
	f[26] = 10, f[27] = 9, f[28] = 0, f[29] = (uint8_t)from->index;
	f[30] = 10, f[31] = 9, f[32] = 0, f[33] = (uint8_t)to->index;
	f[34] = 0x13, f[35] = 0x89; /* ports 5001 */
	f[36] = 0x13, f[37] = 0x89;
	f[38] = 0, f[39] = 8 + PAYLOAD;
	f[42] = (uint8_t)(seq >> 8);
	f[43] = (uint8_t)seq;
}

/* Frames a -> b, `count` in batches of BATCH; the clock moves 1 ms every
 * 100 frames (100k frames/s), background work when it is due. */
static void send_frames(struct box *a, struct box *b, unsigned count)
{
	static uint8_t frames[BATCH][FRAMELEN];
	int64_t next = 0, deadline = 0;

	for (unsigned sent = 0; sent < count;) {
		unsigned k = count - sent < BATCH ? count - sent : BATCH;
		for (unsigned i = 0; i < k; i++)
			make_frame(frames[i], a, b, sent + i);
		zt_node_frames_begin(a->node);
		for (unsigned i = 0; i < k; i++)
			(void)zt_node_process_frame(a->node, now, NWID, frames[i], FRAMELEN, &next);
		(void)zt_node_frames_end(a->node, now, &next);
		drain();
		sent += k;
		if (sent % 100 < k)
			now++;
		if (now >= deadline) {
			tick(0);
			deadline = now + 50;
		}
	}
}

/* What callgrind collects (--toggle-collect='measure*': gcc may rename it). */
__attribute__((noinline)) static void measure(struct box *a, struct box *b, unsigned count)
{
	send_frames(a, b, count);
}

static void rule(struct zt_rule *r, unsigned *n, uint8_t t)
{
	memset(&r[*n], 0, sizeof r[*n]);
	r[(*n)++].t = t;
}

/* bench/rules50.zt as zt-controller compiles it (tag team
 * 100 for both members, the capability `bench`), or "accept;". */
static enum zt_netconf_verdict ctl_answer(void *ctx, int64_t t, const struct zt_netconf_request *req,
                                          struct zt_netconf *conf)
{
	struct zt_rule *r = conf->rules;
	unsigned n = 0;

	(void)ctx;
	(void)t;
	if (req->nwid != NWID)
		return ZT_NETCONF_NOT_FOUND;
	snprintf(conf->name, sizeof conf->name, "bench");
	conf->flags = ZT_NETCONF_F_PRIVATE | ZT_NETCONF_F_BROADCAST;
	conf->mtu = 2800;
	conf->multicast_limit = 32;
	conf->revision = 1;
	if (!with_rules) {
		rule(r, &n, ZT_RULE_ACCEPT);
		conf->rule_count = n;
		return ZT_NETCONF_OK;
	}
	rule(r, &n, ZT_RULE_ETHERTYPE);
	r[n - 1].v.ethertype = 0x0806;
	rule(r, &n, ZT_RULE_ACCEPT);
	for (uint16_t i = 0; i < 15; i++) {
		rule(r, &n, ZT_RULE_IP_PROTOCOL);
		r[n - 1].v.ip_protocol = 17;
		rule(r, &n, ZT_RULE_DPORT);
		r[n - 1].v.range[0] = r[n - 1].v.range[1] = (uint16_t)(1000 + i);
		rule(r, &n, ZT_RULE_ACCEPT);
	}
	rule(r, &n, ZT_RULE_TAGS_DIFFERENCE);
	r[n - 1].v.tag.id = 1;
	r[n - 1].v.tag.value = 50;
	rule(r, &n, ZT_RULE_IP_PROTOCOL);
	r[n - 1].v.ip_protocol = 99;
	rule(r, &n, ZT_RULE_ACCEPT);
	conf->rule_count = n;
	conf->tag_count = 1;
	conf->tags[0].id = 1;
	conf->tags[0].value = 100;
	conf->cap_count = 1;
	conf->caps[0].id = 1;
	n = 0;
	for (unsigned i = 0; i < 3; i++) {
		rule(conf->caps[0].rules, &n, ZT_RULE_IP_PROTOCOL);
		conf->caps[0].rules[n - 1].v.ip_protocol = (uint8_t)(i == 0 ? 6 : i == 1 ? 17 : 1);
		rule(conf->caps[0].rules, &n, ZT_RULE_ACCEPT);
	}
	conf->caps[0].rule_count = n;
	return ZT_NETCONF_OK;
}

static int setup(void)
{
	struct zt_roots roots;
	struct zt_identity signer;
	static char text[4096];
	int rc;

	if (zt_identity_generate(&signer, random_bytes, NULL) != ZT_OK)
		return -1;
	for (int i = 0; i < nboxes; i++) {
		struct box *b = &boxes[i];
		struct zt_host host = {.version = ZT_HOST_VERSION,
		                       .ctx = b,
		                       .wire_send = wire_send,
		                       .frame_out = frame_out,
		                       .net_update = net_update,
		                       .random = random_bytes,
		                       .crypto_run = crypto_run,
		                       .netconf_request = i == 3 ? ctl_answer : NULL};
		b->index = i;
		b->ep = (struct zt_endpoint){
		    .family = 4, .port = 9993, .ip = {10, 0, 0, (uint8_t)(i + 1)}};
		if (zt_identity_generate(&b->id, random_bytes, NULL) != ZT_OK ||
		    zt_node_new(&b->node, &host, &b->id, i == 0 ? ZT_NODE_ROOT : 0, now) != ZT_OK ||
		    zt_node_add_socket(b->node, 1, 4) != ZT_OK ||
		    zt_node_set_local_endpoints(b->node, &b->ep, 1) != ZT_OK)
			return -1;
	}
	memset(&roots, 0, sizeof roots);
	roots.timestamp = now;
	roots.count = 1;
	roots.roots[0].id = boxes[0].id;
	memset(roots.roots[0].id.sk, 0, sizeof roots.roots[0].id.sk);
	roots.roots[0].id.has_secret = false;
	roots.roots[0].endpoints[0] = boxes[0].ep;
	roots.roots[0].endpoint_count = 1;
	rc = zt_roots_write(&roots, &signer, text, sizeof text);
	if (rc < 0 || zt_roots_parse(&roots, text, (size_t)rc, signer.pk) != ZT_OK)
		return -1;
	zt_identity_wipe(&signer);
	for (int i = 0; i < nboxes; i++)
		if (zt_node_set_roots(boxes[i].node, now, &roots) != ZT_OK)
			return -1;
	if (nboxes == 4)
		NWID = (boxes[3].id.address << 24) | 1;
	for (int t = 0; t < 50; t++)
		tick(100);
	for (int i = 1; i < 3; i++)
		if (zt_node_join(boxes[i].node, now, NWID) != ZT_OK)
			return -1;
	for (int t = 0; t < 100 && !(boxes[1].joined && boxes[2].joined); t++)
		tick(100);
	if (!(boxes[1].joined && boxes[2].joined))
		return -3;
	/* Traffic both ways until both list each other DIRECT. */
	for (int t = 0; t < 200; t++) {
		if (direct(&boxes[1], &boxes[2]) && direct(&boxes[2], &boxes[1]))
			return 0;
		send_frames(&boxes[1], &boxes[2], 4);
		send_frames(&boxes[2], &boxes[1], 4);
		tick(100);
	}
	return -2;
}

int main(int argc, char **argv)
{
	unsigned count = argc > 1 ? (unsigned)strtoul(argv[1], NULL, 10) : 20000;
	const char *mode = argc > 2 ? argv[2] : "";
	uint64_t before;
	int rc;

	if (sodium_init() < 0)
		return 2;
	if (strcmp(mode, "rules") == 0 || strcmp(mode, "accept") == 0) {
		nboxes = 4;
		with_rules = strcmp(mode, "rules") == 0;
	} else if (mode[0] != '\0') {
		fprintf(stderr, "pktpath: usage: pktpath [frames [rules|accept]]\n");
		return 2;
	}
	rc = setup();
	if (rc != 0) {
		fprintf(stderr, "pktpath: %s\n",
		        rc == -2   ? "A and B never listed each other DIRECT"
		        : rc == -3 ? "A and B never got the network's config"
		                   : "setup failed");
		return 1;
	}
	/* Warm up (caches, path MTU, keys settled), then measure. */
	send_frames(&boxes[1], &boxes[2], 2000);
	before = boxes[2].frames_in;
	measure(&boxes[1], &boxes[2], count);
	printf("frames %u delivered %" PRIu64 " dropped-on-wire %" PRIu64 "\n", count,
	       boxes[2].frames_in - before, dropped);
	for (int i = 0; i < nboxes; i++)
		zt_node_free(boxes[i].node);
	return boxes[2].frames_in - before == count ? 0 : 1;
}
