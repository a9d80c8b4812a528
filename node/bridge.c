/* SPDX-License-Identifier: MIT */
/*
 * bridge.c - a network's list of bridges (see bridge.h).
 */
#include "bridge.h"
#include "network.h"
#include "wire.h"
#include "zt.h"

bool zt_bridge_member(const struct zt_network *net, uint64_t address, int64_t now)
{
	for (unsigned i = 0; i < net->bridge_count; i++)
		if (net->bridges[i].address == address &&
		    (net->bridges[i].expires == 0 || net->bridges[i].expires > now))
			return true;
	return false;
}

int zt_bridge_set(struct zt_network *net, const uint64_t *addresses, size_t count)
{
	unsigned j = 0;
	if (count > ZT_NET_MAX_BRIDGES)
		return ZT_ERANGE;
	for (size_t i = 0; i < count; i++) {
		net->bridges[j].address = addresses[i];
		net->bridges[j].expires = 0; /* configured: never expires */
		j++;
	}
	net->bridge_count = j;
	return ZT_OK;
}

void zt_bridge_learn(struct zt_network *net, uint64_t address, int64_t now, int64_t expires)
{
	unsigned slot = net->bridge_count;
	for (unsigned i = 0; i < net->bridge_count; i++) {
		if (net->bridges[i].address == address) {
			if (net->bridges[i].expires != 0 && expires > net->bridges[i].expires)
				net->bridges[i].expires = expires;
			return;
		}
		if (net->bridges[i].expires != 0 && net->bridges[i].expires <= now)
			slot = i; /* an expired one makes room */
	}
	if (slot == net->bridge_count) {
		if (net->bridge_count >= ZT_NET_MAX_BRIDGES)
			return;
		net->bridge_count++;
	}
	net->bridges[slot].address = address;
	net->bridges[slot].expires = expires;
}

void zt_bridge_forget(struct zt_network *net, uint64_t address)
{
	for (unsigned i = 0; i < net->bridge_count; i++)
		if (net->bridges[i].address == address && net->bridges[i].expires != 0)
			net->bridges[i] = net->bridges[--net->bridge_count];
}
