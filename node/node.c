/* SPDX-License-Identifier: MIT */
/*
 * node.c - the node's public face (zt.h): creating and freeing it, the
 * entry points that hand it packets, frames and time, joining and leaving
 * networks, the getters and setters, and the host services the modules
 * share (log, random).  The work is done elsewhere: recv.c takes packets
 * apart, send.c sends, handshake.c makes sessions, timers.c acts on time.
 *
 * Pure: time arrives as `now`, packets as arguments, and everything leaves
 * through the host callbacks.  Hostile input is dropped and counted, never
 * returned as an error.  See doc/PROTOCOL.md for the state machines.
 */
#include <sodium.h>
#include <string.h>

#include "batch.h"
#include "bridge.h"
#include "cookie.h"
#include "droptrace.h"
#include "frag.h"
#include "handshake.h"
#include "host.h"
#include "identity.h"
#include "mactable.h"
#include "mem.h"
#include "multicast.h"
#include "nat.h"
#include "network.h"
#include "node.h"
#include "netrules.h"
#include "peer.h"
#include "rate.h"
#include "recv.h"
#include "relay.h"
#include "switch.h"
#include "swver.h"
#include "tcpmap.h"
#include "timers.h"
#include "util.h"
#include "wire.h"

static const char *const counter_names[ZT_CTR_COUNT] = {
    [ZT_CTR_RX_PACKETS] = "rx_packets",
    [ZT_CTR_RX_MALFORMED] = "rx_malformed",
    [ZT_CTR_RX_AUTH_FAIL] = "rx_auth_fail",
    [ZT_CTR_RX_REPLAY] = "rx_replay",
    [ZT_CTR_RX_NO_SESSION] = "rx_no_session",
    [ZT_CTR_RX_UNKNOWN_PEER] = "rx_unknown_peer",
    [ZT_CTR_HS_INIT_RX] = "hs_init_rx",
    [ZT_CTR_HS_COOKIE_SENT] = "hs_cookie_sent",
    [ZT_CTR_HS_REJECTED] = "hs_rejected",
    [ZT_CTR_FRAG_DROPPED] = "frag_dropped",
    [ZT_CTR_RELAYED] = "relayed",
    [ZT_CTR_FRAMES_IN] = "frames_in",
    [ZT_CTR_FRAMES_OUT] = "frames_out",
    [ZT_CTR_FRAMES_DROPPED] = "frames_dropped",
    [ZT_CTR_FORGED_SRC_MAC] = "forged_src_mac",
    [ZT_CTR_COM_REJECTED] = "com_rejected",
    [ZT_CTR_NETCONF_BAD] = "netconf_bad",
    [ZT_CTR_PUNCH_PROBES] = "punch_probes",
    [ZT_CTR_PATH_LOST] = "path_lost",
    [ZT_CTR_MC_REFUSED] = "mc_refused",
    [ZT_CTR_MC_UNWANTED] = "mc_unwanted",
    [ZT_CTR_BRIDGE_LOOP] = "bridge_loop",
    [ZT_CTR_NOT_FOR_US] = "not_for_us",
    [ZT_CTR_PMTU_PROBES] = "pmtu_probes",
    [ZT_CTR_NO_MEMORY] = "no_memory",
    [ZT_CTR_TX_FRAGMENTED] = "tx_fragmented",
    [ZT_CTR_FORGED_SRC_IP] = "forged_src_ip",
    [ZT_CTR_FORGED_LLADDR] = "forged_lladdr",
    [ZT_CTR_PATH_UNPROVEN] = "path_unproven",
    [ZT_CTR_RATE_LIMITED] = "rate_limited",
    [ZT_CTR_ID_VERIFY] = "id_verify",
    [ZT_CTR_HS_DH] = "hs_dh",
    [ZT_CTR_HS_REPLAY_DROP] = "hs_replay_drop",
    [ZT_CTR_HS_OVER_BUDGET] = "hs_over_budget",
    [ZT_CTR_PEER_EVICTED] = "peer_evicted",
    [ZT_CTR_TX_FAILED] = "tx_failed",
    [ZT_CTR_RELAYED_BYTES] = "relayed_bytes",
    [ZT_CTR_RULES_DROP_OUT] = "rules_drop_out",
    [ZT_CTR_RULES_DROP_IN] = "rules_drop_in",
    [ZT_CTR_CREDS_REJECTED] = "creds_rejected",
};

const char *zt_counter_name(enum zt_counter c)
{
	if ((int)c < 0 || c >= ZT_CTR_COUNT)
		return "unknown";
	return counter_names[c];
}

uint64_t zt_node_counter(const struct zt_node *n, enum zt_counter c)
{
	if ((int)c < 0 || c >= ZT_CTR_COUNT)
		return 0;
	if (c == ZT_CTR_FRAG_DROPPED)
		return n->counters[c] + n->frag.dropped;
	return n->counters[c];
}

uint32_t zt_node_random_u32(struct zt_node *n)
{
	uint8_t b[4];
	zt_host_random(n, b, sizeof b);
	return zt_get_u32(b);
}

void zt_node_log_peer(struct zt_node *n, enum zt_log_level lvl, const char *what, uint64_t addr)
{
	char buf[96];
	struct zt_strbuf sb = {buf, sizeof buf, 0};
	if (!zt_host_can_log(n))
		return;
	zt_strbuf_put(&sb, what);
	zt_strbuf_put(&sb, " ");
	zt_strbuf_hex(&sb, addr, 10);
	zt_host_log(n, lvl, buf);
}

void zt_node_frames_begin(struct zt_node *n)
{
	n->deferring = zt_host_can_crypto_run(n);
}

int zt_node_frames_end(struct zt_node *n, int64_t now, int64_t *next_deadline)
{
	zt_batch_flush(n, now);
	n->deferring = false;
	zt_timers_tick(n, now);
	zt_timers_deadline(n, next_deadline);
	return ZT_OK;
}

/* ---- API ---- */

int zt_node_new(struct zt_node **out, const struct zt_host *host, const struct zt_identity *id,
                unsigned flags, int64_t now)
{
	struct zt_node *n = NULL;
	struct zt_mem mem;
	uint16_t version[3];
	int r;

	*out = NULL;
	if (host == NULL || host->version != ZT_HOST_VERSION || host->random == NULL ||
	    (host->alloc == NULL) != (host->free == NULL) || id == NULL || !id->has_secret ||
	    !zt_identity_address_valid(id->address))
		return ZT_EINVAL;
	if (host->software_version != NULL && !zt_swver_parse(host->software_version, version))
		return ZT_EINVAL;
	mem.alloc = host->alloc;
	mem.free = host->free;
	mem.ctx = host->ctx;
	n = zt_mem_calloc(&mem, 1, sizeof *n);
	if (n == NULL)
		return ZT_ENOMEM;
	n->mem = mem;
	n->host = *host;
	n->id = *id;
	n->flags = flags;
	n->created = now;
	n->keepalive = ZT_ECHO_IDLE;
	n->is_root = (flags & ZT_NODE_ROOT) != 0;
	n->has_version = host->software_version != NULL;
	if (n->has_version)
		memcpy(n->version, version, sizeof version);
	n->host.software_version = NULL; /* read once: the string is the host's */
	/* Roots keep a session with every registered node and carry little
	 * traffic on it: the expanded AES keys (1 KiB) are not worth it. */
	n->aes_ok = !n->is_root && (flags & ZT_NODE_NO_AES) == 0 &&
	            crypto_aead_aes256gcm_is_available() == 1;
	n->max_peers = n->is_root ? ZT_ROOT_MAX_PEERS : ZT_NODE_MAX_PEERS;
	n->bucket_count = n->is_root ? 4096 : 256;
	n->buckets = zt_mem_calloc(&n->mem, n->bucket_count, sizeof *n->buckets);
	n->rbuf = zt_mem_alloc(&n->mem, ZT_PACKET_MAX + 64);
	if (n->buckets == NULL || n->rbuf == NULL) {
		r = ZT_ENOMEM;
		goto err;
	}
	zt_cookie_checker_init(&n->cookies, n->id.pk);
	zt_frag_init(&n->frag, &n->mem);
	zt_tcpmap_init(&n->tcpmap, &n->mem);
	zt_rate_table_init(&n->rate_sources, &n->mem);
	n->next_frag_id = zt_node_random_u32(n);
	zt_timers_expedite(n, now);
	zt_hs_init(n);
	*out = n; /* owned by the caller */
	return ZT_OK;
err:
	zt_mem_free(&mem, n->buckets);
	zt_mem_free(&mem, n->rbuf);
	sodium_memzero(n, sizeof *n);
	zt_mem_free(&mem, n);
	return r;
}

void zt_node_free(struct zt_node *n)
{
	struct zt_mem mem;

	if (n == NULL)
		return;
	mem = n->mem;
	zt_batch_free(n); /* nothing is pending outside frames_begin/end */
	zt_nat_cleanup(n);
	zt_peer_free_all(n);
	for (size_t i = 0; i < ZT_MAX_NETWORKS; i++) {
		/* Everything zt_node_leave frees, for networks still joined. */
		zt_switch_free_members(&n->networks[i]);
		zt_mem_free(&mem, n->networks[i].conf);
		zt_netrules_free(n, &n->networks[i]);
		zt_droptrace_free(&n->networks[i].drops, &mem);
		zt_mc_net_free(&n->networks[i]);
		zt_mactable_free(&n->networks[i].macs);
		zt_mactable_free(&n->networks[i].lanmacs);
	}
	zt_relay_cleanup(n);
	zt_frag_cleanup(&n->frag);
	zt_tcpmap_free(&n->tcpmap);
	zt_mem_free(&mem, n->buckets);
	zt_mem_free(&mem, n->rbuf);
	sodium_memzero(n, sizeof *n);
	zt_mem_free(&mem, n);
}

/* O(1) in the number of peers: the connection's own peers come from the
 * map (tcpmap.h), and a node's links to its roots are few. */
void zt_node_tcp_closed(struct zt_node *n, int64_t now, int64_t sock)
{
	uint64_t peers[ZT_TCPMAP_PEERS];
	unsigned count = zt_tcpmap_take(&n->tcpmap, sock, peers);

	(void)now;
	for (unsigned k = 0; k < count; k++) {
		struct zt_peer *p = zt_peer_find(n, peers[k]);
		n->tcp_close_visits++;
		if (p == NULL)
			continue; /* freed since */
		for (unsigned i = 0; i < p->npaths; i++)
			if (p->paths[i].used && p->paths[i].sock == sock)
				memset(&p->paths[i], 0, sizeof p->paths[i]);
	}
	for (unsigned i = 0; i < n->roots.count; i++) {
		struct zt_peer *r = n->root_peers[i];
		n->tcp_close_visits++;
		if (r != NULL && r->root != NULL && r->root->tcp_sock == sock)
			r->root->tcp_sock = -1;
	}
}

int64_t zt_node_pick_socket(const struct zt_node *n, int family)
{
	for (unsigned i = 0; i < n->socket_count; i++)
		if (n->sockets[i].family == family)
			return n->sockets[i].sock;
	return -1;
}

int zt_node_add_socket(struct zt_node *n, int64_t sock, int family)
{
	if (family != 4 && family != 6)
		return ZT_EINVAL;
	if (n->socket_count >= ZT_ARRAY_LEN(n->sockets))
		return ZT_EFULL;
	n->sockets[n->socket_count].sock = sock;
	n->sockets[n->socket_count].family = family;
	n->socket_count++;
	return ZT_OK;
}

int zt_node_set_local_endpoints(struct zt_node *n, const struct zt_endpoint *eps, size_t count)
{
	struct zt_endpoint old[ZT_MAX_LOCAL_ENDPOINTS];
	unsigned had = n->nlocals;

	memcpy(old, n->locals, sizeof old);
	n->nlocals = 0;
	for (size_t i = 0; i < count && n->nlocals < ZT_MAX_LOCAL_ENDPOINTS; i++)
		if (eps[i].family == 4 || eps[i].family == 6)
			n->locals[n->nlocals++] = eps[i];
	if (had != n->nlocals || memcmp(old, n->locals, had * sizeof old[0]) != 0)
		n->locals_changed = true;
	return ZT_OK;
}

int zt_node_set_mapped_endpoints(struct zt_node *n, const struct zt_endpoint *eps, size_t count)
{
	struct zt_endpoint old[ZT_MAX_MAPPED_ENDPOINTS];
	unsigned had = n->nmapped;

	memcpy(old, n->mapped, sizeof old);
	n->nmapped = 0;
	for (size_t i = 0; i < count && n->nmapped < ZT_MAX_MAPPED_ENDPOINTS; i++)
		if (eps[i].family == 4 || eps[i].family == 6)
			n->mapped[n->nmapped++] = eps[i];
	if (had != n->nmapped || memcmp(old, n->mapped, had * sizeof old[0]) != 0)
		n->locals_changed = true;
	return ZT_OK;
}

int zt_node_set_roots(struct zt_node *n, int64_t now, const struct zt_roots *roots)
{
	static const uint8_t unsigned_roots[32];

	if (roots->count > ZT_MAX_ROOTS)
		return ZT_EINVAL;
	/* No rollback of signed roots (an invite's roots have no signer). */
	if (n->roots.count > 0 && sodium_memcmp(n->roots.signer, unsigned_roots, 32) != 0) {
		struct zt_roots_seen seen;
		zt_roots_seen_of(&seen, &n->roots);
		if (zt_roots_check_seen(&seen, roots) != ZT_OK)
			return ZT_ESTALE;
	}
	/* Every root's state first: an allocation that fails then leaves the
	 * roots in use as they were (peers made so far are ordinary ones
	 * until a later call, and expire if it never comes). */
	for (unsigned i = 0; i < roots->count; i++) {
		const struct zt_root_def *rd = &roots->roots[i];
		struct zt_peer *p;
		if (rd->id.address == n->id.address)
			continue; /* a root listing itself */
		p = zt_peer_get(n, now, rd->id.address);
		if (p == NULL || !zt_peer_root_link(p))
			return ZT_ENOMEM;
	}
	zt_batch_flush(n, now);
	/* Roots no longer listed become ordinary peers (and expire). */
	for (unsigned i = 0; i < n->roots.count; i++)
		if (n->root_peers[i] != NULL)
			n->root_peers[i]->is_root = false;
	memset(n->root_peers, 0, sizeof n->root_peers);
	n->roots = *roots;
	for (unsigned i = 0; i < roots->count; i++) {
		const struct zt_root_def *rd = &roots->roots[i];
		struct zt_peer *p;
		if (rd->id.address == n->id.address)
			continue;
		p = zt_peer_find(n, rd->id.address); /* made above */
		if (p->has_identity && sodium_memcmp(p->pk, rd->id.pk, 32) != 0) {
			/* The roots file is signed: it wins over what we learnt. */
			zt_peer_keypairs_wipe(p);
			zt_peer_hs_end(p);
		}
		memcpy(p->pk, rd->id.pk, 32);
		p->has_identity = true;
		p->is_root = true;
		for (unsigned j = 0; j < rd->endpoint_count; j++)
			(void)zt_peer_add_candidate(n, p, now, &rd->endpoints[j]);
		n->root_peers[i] = p;
	}
	zt_timers_expedite(n, now);
	return ZT_OK;
}

int zt_node_process_wire(struct zt_node *n, int64_t now, int64_t sock,
                         const struct zt_endpoint *from, const void *pkt, size_t len,
                         int64_t *next_deadline)
{
	zt_batch_flush(n, now);
	n->counters[ZT_CTR_RX_PACKETS]++;
	zt_recv_wire_one(n, now, sock, from, pkt, len);
	zt_timers_tick(n, now);
	zt_timers_deadline(n, next_deadline);
	return ZT_OK;
}

int zt_node_process_wire_batch(struct zt_node *n, int64_t now, const struct zt_wire_pkt *pkts,
                               size_t count, int64_t *next_deadline)
{
	if (zt_host_can_crypto_run(n)) {
		zt_batch_flush(n, now);
		zt_batch_process_wire(n, now, pkts, count);
	} else {
		for (size_t i = 0; i < count; i++)
			(void)zt_node_process_wire(n, now, pkts[i].sock, &pkts[i].from,
			                           pkts[i].data, pkts[i].len, NULL);
	}
	zt_timers_tick(n, now);
	zt_timers_deadline(n, next_deadline);
	return ZT_OK;
}

int zt_node_process_frame(struct zt_node *n, int64_t now, uint64_t nwid, const uint8_t *frame,
                          size_t len, int64_t *next_deadline)
{
	struct zt_network *net = zt_switch_find(n, nwid);
	int r = ZT_ENOTFOUND;

	if (net != NULL)
		r = zt_switch_frame_from_tap(n, now, net, frame, len);
	zt_timers_tick(n, now);
	zt_timers_deadline(n, next_deadline);
	return r;
}

int zt_node_process_background(struct zt_node *n, int64_t now, int64_t *next_deadline)
{
	zt_timers_tick(n, now);
	zt_timers_deadline(n, next_deadline);
	return ZT_OK;
}

int zt_node_join(struct zt_node *n, int64_t now, uint64_t nwid)
{
	struct zt_network *net = zt_switch_find(n, nwid);
	struct zt_network_info info;

	if (net != NULL)
		return ZT_OK;
	if (nwid == 0 || n->is_root)
		return ZT_EINVAL;
	for (size_t i = 0; i < ZT_MAX_NETWORKS && net == NULL; i++)
		if (!n->networks[i].used)
			net = &n->networks[i];
	if (net == NULL)
		return ZT_EFULL;
	memset(net, 0, sizeof *net);
	net->used = true;
	net->nwid = nwid;
	zt_mac_from_address(nwid, n->id.address, net->mac);
	zt_wire_nethash(nwid, net->nethash);
	net->mtu = ZT_DEFAULT_MTU;
	net->mem = &n->mem;
	zt_mc_net_init(net);
	zt_mactable_init(&net->macs, ZT_BRIDGE_MAX_MACS, &n->mem);
	zt_mactable_init(&net->lanmacs, ZT_BRIDGE_MAX_MACS, &n->mem);
	net->mc_query_at = now + 1000;
	if (zt_nwid_is_adhoc(nwid)) {
		/* Ad-hoc: no controller, anyone who knows the id is a member. */
		net->status = ZT_NET_OK;
		net->type = ZT_NET_PUBLIC;
	} else {
		/* Managed networks wait for their controller's config. */
		net->status = ZT_NET_REQUESTING_CONFIGURATION;
		net->type = ZT_NET_PRIVATE;
	}
	zt_switch_info(net, &info);
	zt_host_net_update(n, ZT_NET_UP, &info);
	if (n->online)
		zt_switch_announce(n, now, net, false);
	return ZT_OK;
}

int zt_node_leave(struct zt_node *n, int64_t now, uint64_t nwid)
{
	struct zt_network *net = zt_switch_find(n, nwid);
	struct zt_network_info info;

	if (net == NULL)
		return ZT_ENOTFOUND;
	if (n->online)
		zt_switch_announce(n, now, net, true);
	zt_switch_info(net, &info);
	info.conf = NULL;
	zt_switch_free_members(net);
	zt_mem_free(&n->mem, net->conf);
	zt_netrules_free(n, net);
	zt_droptrace_free(&net->drops, &n->mem);
	zt_mc_net_free(net);
	zt_mactable_free(&net->macs);
	zt_mactable_free(&net->lanmacs);
	memset(net, 0, sizeof *net);
	zt_host_net_update(n, ZT_NET_DOWN, &info);
	return ZT_OK;
}

size_t zt_node_networks(const struct zt_node *n, struct zt_network_info *out, size_t cap)
{
	size_t count = 0;
	for (size_t i = 0; i < ZT_MAX_NETWORKS; i++) {
		if (!n->networks[i].used)
			continue;
		if (count < cap)
			zt_switch_info(&n->networks[i], &out[count]);
		count++;
	}
	return count;
}

int zt_node_network(const struct zt_node *n, uint64_t nwid, struct zt_network_info *out)
{
	for (size_t i = 0; i < ZT_MAX_NETWORKS; i++) {
		if (n->networks[i].used && n->networks[i].nwid == nwid) {
			zt_switch_info(&n->networks[i], out);
			return ZT_OK;
		}
	}
	return ZT_ENOTFOUND;
}

size_t zt_node_rules_drops(const struct zt_node *n, uint64_t nwid, struct zt_rules_drop *out,
                           size_t cap)
{
	const struct zt_network *net = zt_switch_find((struct zt_node *)n, nwid);

	return net != NULL ? zt_droptrace_read(net->drops, out, cap) : 0;
}

size_t zt_node_multicast_groups(const struct zt_node *n, uint64_t nwid, struct zt_mcgroup *out,
                                size_t cap)
{
	const struct zt_network *net = zt_switch_find((struct zt_node *)n, nwid);

	if (net == NULL)
		return 0;
	for (size_t i = 0; i < net->local.n && i < cap; i++) {
		memcpy(out[i].mac, net->local.v[i].mac, 6);
		out[i].adi = net->local.v[i].adi;
	}
	return net->local.n;
}

int zt_node_get_ethernet(const struct zt_node *n, uint64_t nwid, struct zt_ethernet *out)
{
	const struct zt_network *net = zt_switch_find((struct zt_node *)n, nwid);
	if (net == NULL)
		return ZT_ENOTFOUND;
	memset(out, 0, sizeof *out);
	out->multicast_limit = net->multicast_limit;
	out->enable_broadcast = net->enable_broadcast;
	out->active_bridge = net->active_bridge;
	out->mac_age_s = (unsigned)((net->mac_age > 0 ? net->mac_age : ZT_BRIDGE_AGE) / 1000);
	out->mss_clamp = net->mss_clamp;
	return ZT_OK;
}

int zt_node_set_ethernet(struct zt_node *n, int64_t now, uint64_t nwid, const struct zt_ethernet *e)
{
	struct zt_network *net = zt_switch_find(n, nwid);
	bool was_bridge;
	if (net == NULL)
		return ZT_ENOTFOUND;
	if (e->multicast_limit > ZT_NET_MAX_MEMBERS || e->mac_age_s > 86400 ||
	    (e->mss_clamp != 0 && (e->mss_clamp < 536 || e->mss_clamp > 65535)))
		return ZT_ERANGE;
	if (e->bridges != NULL && zt_bridge_set(net, e->bridges, e->bridge_count) != ZT_OK)
		return ZT_ERANGE;
	was_bridge = net->active_bridge;
	net->multicast_limit = e->multicast_limit;
	net->enable_broadcast = e->enable_broadcast;
	net->active_bridge = e->active_bridge;
	net->mac_age = e->mac_age_s > 0 ? (int64_t)e->mac_age_s * 1000 : ZT_BRIDGE_AGE;
	net->mss_clamp = e->mss_clamp;
	if (was_bridge != net->active_bridge)
		net->mc_like_at = now; /* tell the others at the next turn */
	return ZT_OK;
}

uint64_t zt_node_address(const struct zt_node *n)
{
	return n->id.address;
}

const struct zt_identity *zt_node_identity(const struct zt_node *n)
{
	return &n->id;
}

int64_t zt_node_keepalive(const struct zt_node *n)
{
	return n->keepalive;
}

bool zt_node_online(const struct zt_node *n)
{
	return n->online;
}

size_t zt_node_reflected(const struct zt_node *n, struct zt_endpoint *out, size_t cap)
{
	size_t count = 0;
	for (unsigned i = 0; i < n->roots.count; i++) {
		const struct zt_peer *r = n->root_peers[i];
		bool dup = false;
		if (r == NULL || r->root->reflected.family == 0)
			continue;
		for (size_t j = 0; j < count && j < cap; j++)
			dup = dup || zt_endpoint_eq(&out[j], &r->root->reflected);
		if (dup)
			continue;
		if (count < cap)
			out[count] = r->root->reflected;
		count++;
	}
	return count;
}

size_t zt_node_peers_each(const struct zt_node *n, int64_t now,
                          void (*fn)(void *ctx, const struct zt_peer_info *p), void *ctx)
{
	struct zt_peer_info info;
	size_t count = 0;

	for (size_t b = 0; b < n->bucket_count; b++) {
		for (const struct zt_peer *p = n->buckets[b]; p != NULL; p = p->hnext) {
			zt_peer_info(n, p, now, &info);
			fn(ctx, &info);
			count++;
		}
	}
	return count;
}

int zt_node_peer(const struct zt_node *n, int64_t now, uint64_t address, struct zt_peer_info *out)
{
	const struct zt_peer *p = zt_peer_find(n, address);

	if (p == NULL)
		return ZT_ENOTFOUND;
	zt_peer_info(n, p, now, out);
	return ZT_OK;
}

size_t zt_node_peers(const struct zt_node *n, int64_t now, struct zt_peer_info *out, size_t cap)
{
	size_t count = 0;
	for (size_t b = 0; b < n->bucket_count; b++) {
		for (const struct zt_peer *p = n->buckets[b]; p != NULL; p = p->hnext) {
			if (count < cap)
				zt_peer_info(n, p, now, &out[count]);
			count++;
		}
	}
	return count;
}
