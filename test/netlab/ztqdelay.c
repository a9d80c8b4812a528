/* SPDX-License-Identifier: MIT */
/*
 * ztqdelay.c - delay, jitter (and so reordering) and loss for the NAT lab,
 * through NFQUEUE: this kernel has no sch_netem and no nft `queue`
 * expression, but the xtables NFQUEUE target works (netlab.md, 2h').
 *
 *   ztqdelay -q QUEUE [-d DELAY_MS] [-j JITTER_MS] [-l LOSS_PCT] [-t SECONDS]
 *
 * Each packet is released at arrival + DELAY + uniform(0, JITTER); jitter
 * larger than the packet spacing reorders.  LOSS_PCT of the packets are
 * dropped.  Bounded: it exits after SECONDS (default 120), releasing what it
 * holds; at most HELD_MAX packets are held (more pass undelayed), and the
 * queue is fail-open, so traffic flows when this program is not running.
 * Feed it with
 *   iptables -A FORWARD -i DEV -j NFQUEUE --queue-num Q --queue-bypass
 */
#include <arpa/inet.h>
#include <errno.h>
#include <libnetfilter_queue/libnetfilter_queue.h>
#include <linux/netfilter.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define HELD_MAX 8192

struct held {
	uint32_t id;
	int64_t due_us;
};

static struct held held[HELD_MAX];
static int nheld;
static int delay_ms, jitter_ms, loss_pct;
static unsigned long n_in, n_drop, n_out, n_reordered;
static uint32_t last_released;

static int64_t now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static int on_packet(struct nfq_q_handle *qh, struct nfgenmsg *m, struct nfq_data *nfa, void *d)
{
	struct nfqnl_msg_packet_hdr *ph = nfq_get_msg_packet_hdr(nfa);
	uint32_t id = ph ? ntohl(ph->packet_id) : 0;

	(void)m;
	(void)d;
	n_in++;
	if (loss_pct && rand() % 100 < loss_pct) {
		n_drop++;
		return nfq_set_verdict(qh, id, NF_DROP, 0, NULL);
	}
	if (nheld == HELD_MAX || (!delay_ms && !jitter_ms)) {
		n_out++;
		return nfq_set_verdict(qh, id, NF_ACCEPT, 0, NULL);
	}
	held[nheld].id = id;
	held[nheld].due_us =
	    now_us() + delay_ms * 1000LL + (jitter_ms ? rand() % (jitter_ms * 1000) : 0);
	nheld++;
	return 0;
}

/* Release every held packet that is due (all of them if force). */
static void release(struct nfq_q_handle *qh, int force)
{
	int64_t t = now_us();
	int i = 0;

	while (i < nheld) {
		if (force || held[i].due_us <= t) {
			if (held[i].id < last_released)
				n_reordered++;
			last_released = held[i].id;
			nfq_set_verdict(qh, held[i].id, NF_ACCEPT, 0, NULL);
			n_out++;
			held[i] = held[--nheld];
		} else {
			i++;
		}
	}
}

static int num(const char *s, int lo, int hi)
{
	char *end;
	long v = strtol(s, &end, 10);
	if (end == s || *end || v < lo || v > hi) {
		fprintf(stderr, "ztqdelay: %s: expected a number %d-%d\n", s, lo, hi);
		exit(2);
	}
	return (int)v;
}

int main(int argc, char **argv)
{
	static char buf[65536];
	struct nfq_handle *h;
	struct nfq_q_handle *qh;
	int qnum = 0, secs = 120, c, fd;
	int64_t end;

	while ((c = getopt(argc, argv, "q:d:j:l:t:")) != -1) {
		switch (c) {
		case 'q': qnum = num(optarg, 0, 65535); break;
		case 'd': delay_ms = num(optarg, 0, 10000); break;
		case 'j': jitter_ms = num(optarg, 0, 10000); break;
		case 'l': loss_pct = num(optarg, 0, 100); break;
		case 't': secs = num(optarg, 1, 86400); break;
		default:
			fprintf(stderr,
			        "usage: ztqdelay -q QUEUE [-d MS] [-j MS] [-l PCT] [-t SECS]\n");
			return 2;
		}
	}
	srand((unsigned)now_us());
	h = nfq_open();
	if (!h) {
		fprintf(stderr, "ztqdelay: nfq_open: %s (root? CONFIG_NETFILTER_NETLINK_QUEUE?)\n",
		        strerror(errno));
		return 1;
	}
	qh = nfq_create_queue(h, (uint16_t)qnum, on_packet, NULL);
	if (!qh) {
		fprintf(stderr, "ztqdelay: queue %d: %s (another ztqdelay on it?)\n", qnum,
		        strerror(errno));
		nfq_close(h);
		return 1;
	}
	if (nfq_set_mode(qh, NFQNL_COPY_META, 0) < 0) {
		fprintf(stderr, "ztqdelay: nfq_set_mode: %s\n", strerror(errno));
		nfq_destroy_queue(qh);
		nfq_close(h);
		return 1;
	}
	nfq_set_queue_maxlen(qh, HELD_MAX);
	/* If we fall behind, the kernel accepts instead of dropping. */
	nfq_set_queue_flags(qh, NFQA_CFG_F_FAIL_OPEN, NFQA_CFG_F_FAIL_OPEN);
	fd = nfq_fd(h);
	end = now_us() + secs * 1000000LL;
	printf("ztqdelay: queue %d delay %dms jitter %dms loss %d%% for %ds\n", qnum, delay_ms,
	       jitter_ms, loss_pct, secs);
	fflush(stdout);
	while (now_us() < end) {
		struct pollfd p = {.fd = fd, .events = POLLIN};
		int64_t wait_us = 100000, t = now_us();

		for (int i = 0; i < nheld; i++)
			if (held[i].due_us - t < wait_us)
				wait_us = held[i].due_us - t;
		if (poll(&p, 1, wait_us > 0 ? (int)((wait_us + 999) / 1000) : 0) > 0) {
			ssize_t n = recv(fd, buf, sizeof buf, 0);
			if (n > 0)
				nfq_handle_packet(h, buf, (int)n);
			else if (n < 0 && errno == ENOBUFS)
				fprintf(stderr, "ztqdelay: ENOBUFS (netlink overrun)\n");
		}
		release(qh, 0);
	}
	release(qh, 1);
	printf("ztqdelay: in %lu out %lu dropped %lu released-out-of-order %lu\n", n_in, n_out,
	       n_drop, n_reordered);
	nfq_destroy_queue(qh);
	nfq_close(h);
	return 0;
}
