/* SPDX-License-Identifier: MIT */
/*
 * footprint.c - the size of every bounded table's entry on this
 * architecture, times its configured bound: doc/footprint.md's table.
 * Built for a router with make cross ARCH=..., run under qemu-user.
 */
#include <stdio.h>

#include "node/frag.h"
#include "node/hsbudget.h"
#include "node/hscache.h"
#include "node/mactable.h"
#include "node/mctable.h"
#include "node/network.h"
#include "node/node.h"
#include "node/peer.h"
#include "node/rate.h"
#include "node/replay.h"
#include "node/tcpmap.h"

static void row(const char *what, const char *bound, unsigned long n, unsigned long size)
{
	printf("| %s | %s = %lu | %lu B | %.1f KiB |\n", what, bound, n, size,
	       (double)n * (double)size / 1024.0);
}

int main(void)
{
	printf("| table | bound | entry | at the bound |\n|---|---|---|---|\n");
	row("node (fixed part)", "1", 1, sizeof(struct zt_node));
	row("peers", "ZT_NODE_MAX_PEERS", ZT_NODE_MAX_PEERS, sizeof(struct zt_peer));
	row("paths per peer (inside zt_peer)", "ZT_PEER_MAX_PATHS", ZT_PEER_MAX_PATHS,
	    sizeof(struct zt_path));
	row("networks", "ZT_MAX_NETWORKS", ZT_MAX_NETWORKS, sizeof(struct zt_network));
	row("members per network", "ZT_NET_MAX_MEMBERS", ZT_NET_MAX_MEMBERS,
	    sizeof(struct zt_member));
	row("remote MACs per network", "ZT_BRIDGE_MAX_MACS", ZT_BRIDGE_MAX_MACS,
	    sizeof(struct zt_macent));
	row("multicast subscriptions per network", "ZT_MC_MAX_SUBS", ZT_MC_MAX_SUBS,
	    sizeof(struct zt_mcsub));
	row("reassembly slots", "ZT_FRAG_SLOTS", ZT_FRAG_SLOTS, sizeof(struct zt_frag_slot));
	row("handshake replay cache", "ZT_HS_SEEN_ENTRIES", ZT_HS_SEEN_ENTRIES,
	    sizeof(struct zt_hsc_entry));
	row("handshake budget sources", "(struct zt_hsb)", 1, sizeof(struct zt_hsb));
	row("rate limiter", "(struct zt_rate_table)", 1, sizeof(struct zt_rate_table));
	row("TCP MSS/flow map", "ZT_TCPMAP_MAX", ZT_TCPMAP_MAX, sizeof(struct zt_tcpmap_entry));
	row("replay window per session", "1", 1, sizeof(struct zt_replay));
	return 0;
}
