/* SPDX-License-Identifier: MIT */
/*
 * daemon_nodns.c - ztd built without its names responder (make NO_DNS=1,
 * a router's build: the responder's DNS parser, ldns, is the largest
 * library ztd would carry there; doc/footprint.md).  In place of
 * daemon_dns.c: a network whose config names its members is joined as
 * usual, its names are not answered, and the log says so once per network.
 * No address is handed to the resolver (zt_daemon_dns_addr is NULL), so
 * nothing points queries at a port nobody answers.
 */
#include "service/daemon_int.h"

#include <inttypes.h>

#include "osdep/log.h"

void zt_daemon_dns_close(struct zt_daemon_net *net)
{
	net->dns_fd = -1;
	net->dns_zone = NULL;
}

void zt_daemon_dns_apply(struct zt_daemon_net *net, const struct zt_netconf *conf)
{
	if (conf == NULL || conf->dns_domain[0] == '\0' || !net->set.allow_managed) {
		net->dns_warned = false;
		return;
	}
	/* The config comes again every 15 s: once until the names go away. */
	if (!net->dns_warned)
		zt_log_warn("network %016" PRIx64 ": names in %s are not answered: this ztd is "
		            "built without its names responder (NO_DNS=1, doc/footprint.md)",
		            net->nwid, conf->dns_domain);
	net->dns_warned = true;
}

const struct zt_inetaddr *zt_daemon_dns_addr(const struct zt_daemon_net *net)
{
	(void)net;
	return NULL;
}
