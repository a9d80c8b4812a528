/* SPDX-License-Identifier: MIT */
/*
 * fuzz_wire.c - arbitrary datagrams into a zt_node, as a leaf (with a root
 * list and an ad-hoc network joined) or as a root.
 *
 * Raw datagrams alone stop at authentication, so the input can also speak
 * through harness peers that hold real sessions with the node (see
 * fuzz_common.h): their inner messages are sealed correctly and reach the
 * message handlers (WHOIS_OK, RENDEZVOUS, NET_MEMBERS, REGISTER, ...), as
 * one datagram or fragmented, with any hop count.
 *
 * Input: a mode byte (bit 0: the node is a root; bit 1: bring the harness
 * sessions up first), then operations, each one byte and its operands:
 *   op&7 == 0,1  raw datagram from endpoint (op>>3)&3
 *           2    inner message sealed by harness peer (op>>3)&1 (to the
 *                node, or with bit 4 to the other peer: a root relays it),
 *                hops (op>>5)
 *           3    datagram with a valid header of type (op>>3)&15, then bytes
 *           4    Ethernet frame from the TAP
 *           5    time passes (u16 * 10 ms), timers run
 *           6    join or leave a network
 *           7    the harness peer handshakes again (rekey)
 */
#include "fuzz_common.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define NWID 0xff000000000000aaULL

static uint8_t msgbuf[ZT_PACKET_MAX + 64];
static bool verbose; /* ZT_FUZZ_VERBOSE=1: what each input did */
static uint8_t pktbuf[ZT_PACKET_MAX + 64];

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fz_init_ids();
	verbose = getenv("ZT_FUZZ_VERBOSE") != NULL;
	return 0;
}

static void pick_from(struct zt_endpoint *ep, const struct fz_peer *pe, unsigned which)
{
	switch (which & 3) {
	case 0: *ep = pe[0].ep; break;
	case 1: *ep = pe[1].ep; break;
	case 2: fz_ep(ep, 9, 4444); break;
	default: zt_endpoint_parse("2001:db8::9/9993", ep); break;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fz_in in = {data, size};
	struct fz_host h;
	struct zt_host host;
	struct zt_node *n = NULL;
	struct fz_peer pe[2];
	int64_t now = FZ_T0, dl;
	uint8_t mode = fz_u8(&in);
	bool is_root = mode & 1;
	const struct zt_identity *me = &fz_id[0];

	host = fz_make_host(&h, 1);
	if (zt_node_new(&n, &host, me, is_root ? ZT_NODE_ROOT : 0, now) != ZT_OK)
		abort();
	zt_node_add_socket(n, 1, 4);
	zt_node_add_socket(n, 2, 6);
	memset(pe, 0, sizeof pe);
	if (!is_root) {
		/* A leaf: fz_id[1] is its root, fz_id[2] a peer it knows. */
		struct zt_roots roots;
		memset(&roots, 0, sizeof roots);
		roots.count = 1;
		roots.roots[0].id = fz_public(&fz_id[1]);
		fz_ep(&roots.roots[0].endpoints[0], 1, 9993);
		roots.roots[0].endpoint_count = 1;
		FZ_ASSERT(zt_node_set_roots(n, now, &roots) == ZT_OK);
		FZ_ASSERT(zt_node_join(n, now, NWID) == ZT_OK);
		fz_know(n, now, &fz_id[2]);
		pe[0].id = &fz_id[1];
		fz_ep(&pe[0].ep, 1, 9993);
		pe[1].id = &fz_id[2];
		fz_ep(&pe[1].ep, 2, 9993);
	} else {
		/* A root: fz_id[2] and fz_id[3] are leaves it has seen. */
		fz_know(n, now, &fz_id[2]);
		fz_know(n, now, &fz_id[3]);
		pe[0].id = &fz_id[2];
		fz_ep(&pe[0].ep, 2, 9993);
		pe[1].id = &fz_id[3];
		fz_ep(&pe[1].ep, 3, 9993);
	}
	if (mode & 2) {
		for (int i = 0; i < 2; i++) {
			uint8_t ka = ZT_MSG_KEEPALIVE;
			size_t l;
			if (!fz_peer_connect(&pe[i], n, &h, now))
				continue;
			/* The responder keeps its new keys in waiting until the
			 * initiator uses them. */
			l = fz_peer_seal(&pe[i], me->address, &ka, 1, pktbuf);
			fz_deliver(n, now, &pe[i].ep, pktbuf, l, 0);
		}
	}

	while (in.left > 0) {
		uint8_t op = fz_u8(&in);
		const uint8_t *b;
		size_t len;
		struct zt_endpoint from;

		switch (op & 7) {
		case 0:
		case 1:
			pick_from(&from, pe, op >> 3);
			len = fz_bytes(&in, ZT_UDP_MAX + 80, &b);
			zt_node_process_wire(n, now, (op >> 5) & 1 ? 2 : 1, &from, b, len, &dl);
			break;
		case 2: {
			struct fz_peer *p = &pe[(op >> 3) & 1];
			uint64_t dst =
			    (op >> 4) & 1 ? pe[((op >> 3) & 1) ^ 1].id->address : me->address;
			len = fz_bytes(&in, ZT_PACKET_MAX - ZT_DATA_OVERHEAD, &b);
			if (!p->up)
				break;
			memcpy(msgbuf, b, len);
			len = fz_peer_seal(p, dst, msgbuf, len, pktbuf);
			fz_deliver(n, now, &p->ep, pktbuf, len, op >> 5);
			break;
		}
		case 3: {
			struct zt_hdr hd;
			hd.type = (op >> 3) & 15;
			hd.hops = fz_u8(&in) & ZT_HOPS_MASK;
			hd.dst = fz_u8(&in) & 1 ? pe[1].id->address : me->address;
			hd.src = pe[fz_u8(&in) & 1].id->address;
			zt_wire_hdr_encode(pktbuf, &hd);
			len = fz_bytes(&in, ZT_UDP_MAX + 64 - ZT_HDR_LEN, &b);
			memcpy(pktbuf + ZT_HDR_LEN, b, len);
			pick_from(&from, pe, fz_u8(&in));
			zt_node_process_wire(n, now, 1, &from, pktbuf, ZT_HDR_LEN + len, &dl);
			break;
		}
		case 4:
			len = fz_bytes(&in, ZT_ETH_MAX + 32, &b);
			memcpy(msgbuf, b, len);
			/* Most frames should carry our own source MAC to get far. */
			if ((op >> 3) & 1 && len >= 12)
				zt_mac_from_address(NWID, me->address, msgbuf + 6);
			zt_node_process_frame(n, now, NWID, msgbuf, len, &dl);
			break;
		case 5:
			now += (int64_t)fz_u16(&in) * 10;
			zt_node_process_background(n, now, &dl);
			FZ_ASSERT(dl > now - 10000);
			break;
		case 6: {
			uint64_t nwid = (op >> 3) & 1 ? NWID : 0xff00000000000000ULL | fz_u8(&in);
			if ((op >> 4) & 1)
				zt_node_leave(n, now, nwid);
			else
				zt_node_join(n, now, nwid);
			break;
		}
		case 7: {
			struct fz_peer *p = &pe[(op >> 3) & 1];
			/* A fresh initiation needs a newer timestamp. */
			now += 1;
			fz_peer_connect(p, n, &h, now);
			break;
		}
		}
	}

	/* The status calls must cope with whatever state this left. */
	{
		struct zt_peer_info pi[4];
		struct zt_network_info ni[4];
		struct zt_endpoint refl[4];
		size_t np = zt_node_peers(n, now, pi, 4);
		size_t nn = zt_node_networks(n, ni, 4);
		for (size_t i = 0; i < np && i < 4; i++)
			FZ_ASSERT(pi[i].address != me->address && pi[i].address <= 0xffffffffffULL);
		for (size_t i = 0; i < nn && i < 4; i++)
			FZ_ASSERT(ni[i].mtu > 0);
		(void)zt_node_reflected(n, refl, 4);
		for (int c = 0; c < ZT_CTR_COUNT; c++) {
			uint64_t v = zt_node_counter(n, (enum zt_counter)c);
			if (verbose && v != 0)
				fprintf(stderr, "  %s %llu\n", zt_counter_name((enum zt_counter)c),
				        (unsigned long long)v);
		}
		if (verbose)
			fprintf(stderr,
			        "  sessions %d %d, peers %zu, networks %zu, sent %u, frames %u\n",
			        pe[0].up, pe[1].up, np, nn, h.nsent, h.frames);
	}
	zt_node_free(n);
	return 0;
}
