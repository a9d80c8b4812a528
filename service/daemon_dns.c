/* SPDX-License-Identifier: MIT */
/*
 * daemon_dns.c - ztd's names responder on a network's device: a UDP socket
 * on port 53 of this member's managed address (the first IPv4 address the
 * controller assigned, else the first IPv6 one), answering with
 * zt_dns_answer (service/dns.c) from a copy of the config's names.  Bound
 * with IP_FREEBIND, so that it need not wait for the address to be up (or
 * for IPv6 duplicate address detection).  A bind that fails (port 53 taken,
 * no CAP_NET_BIND_SERVICE) is logged once per network and address, and
 * ztd goes on without it.
 */
#include "service/daemon_int.h"

#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "osdep/evloop.h"
#include "osdep/log.h"
#include "service/dns.h"

#define DNS_PORT     53
#define DNS_PER_WAKE 32 /* datagrams answered per wake-up: the rest wait their turn */

static void on_dns(void *ctx, int fd, unsigned events)
{
	struct zt_daemon_net *net = ctx;
	uint8_t q[ZT_DNS_QUERY_MAX + 1], a[ZT_DNS_UDP_MAX];

	(void)events;
	for (int i = 0; i < DNS_PER_WAKE && net->dns_zone != NULL; i++) {
		struct sockaddr_storage from;
		socklen_t fl = sizeof from;
		ssize_t n = recvfrom(fd, q, sizeof q, 0, (struct sockaddr *)&from, &fl);
		size_t m;
		if (n < 0)
			return; /* EAGAIN, or an ICMP error queued for us */
		m = zt_dns_answer(net->dns_zone, q, (size_t)n, a, sizeof a);
		if (m > 0)
			(void)sendto(fd, a, m, MSG_DONTWAIT, (struct sockaddr *)&from, fl);
	}
}

void zt_daemon_dns_close(struct zt_daemon_net *net)
{
	if (net->dns_fd >= 0) {
		zt_evloop_del(net->d->loop, net->dns_fd);
		close(net->dns_fd);
		zt_log_info("network %016" PRIx64 ": names no longer answered", net->nwid);
	}
	net->dns_fd = -1;
	free(net->dns_zone);
	net->dns_zone = NULL;
}

/* This member's address for the responder, or false. */
static bool pick_addr(const struct zt_netconf *conf, struct zt_inetaddr *out)
{
	for (int fam = 4; fam <= 6; fam += 2)
		for (unsigned i = 0; i < conf->addr_count && i < ZT_NETCONF_MAX_ADDRS; i++)
			if (conf->addrs[i].family == fam) {
				*out = conf->addrs[i];
				return true;
			}
	return false;
}

static int dns_open(struct zt_daemon_net *net, const struct zt_inetaddr *a)
{
	struct sockaddr_storage ss;
	socklen_t sl;
	int fd, one = 1;

	memset(&ss, 0, sizeof ss);
	if (a->family == 4) {
		struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;
		s4->sin_family = AF_INET;
		s4->sin_port = htons(DNS_PORT);
		memcpy(&s4->sin_addr, a->ip, 4);
		sl = sizeof *s4;
	} else {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons(DNS_PORT);
		memcpy(&s6->sin6_addr, a->ip, 16);
		sl = sizeof *s6;
	}
	fd = socket(ss.ss_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (a->family == 4)
		(void)setsockopt(fd, IPPROTO_IP, IP_FREEBIND, &one, sizeof one);
	else
		(void)setsockopt(fd, IPPROTO_IPV6, IPV6_FREEBIND, &one, sizeof one);
	if (bind(fd, (struct sockaddr *)&ss, sl) < 0 ||
	    zt_evloop_add(net->d->loop, fd, ZT_EV_READ, on_dns, net) < 0) {
		int e = errno ? errno : EINVAL;
		close(fd);
		return -e;
	}
	return fd;
}

void zt_daemon_dns_apply(struct zt_daemon_net *net, const struct zt_netconf *conf)
{
	struct zt_inetaddr a;
	bool want = conf != NULL && conf->dns_domain[0] != '\0' && net->set.allow_managed &&
	            net->tap.fd >= 0 && pick_addr(conf, &a);
	char text[INET6_ADDRSTRLEN] = "";

	if (!want || (net->dns_fd >= 0 && (a.family != net->dns_addr.family ||
	                                   memcmp(a.ip, net->dns_addr.ip, 16) != 0)))
		zt_daemon_dns_close(net);
	if (!want)
		return;
	if (net->dns_zone == NULL && (net->dns_zone = calloc(1, sizeof *net->dns_zone)) == NULL)
		return;
	zt_dns_zone_set(net->dns_zone, conf);
	if (net->dns_fd >= 0)
		return;
	(void)inet_ntop(a.family == 4 ? AF_INET : AF_INET6, a.ip, text, sizeof text);
	net->dns_fd = dns_open(net, &a);
	if (net->dns_fd < 0) {
		/* Once per address: the config comes again every 15 s. */
		if (!net->dns_warned || memcmp(&net->dns_addr, &a, sizeof a) != 0)
			zt_log_warn("network %016" PRIx64
			            ": cannot answer names on %s port %d (%s); "
			            "going on without (doc/API.md \"Names\")",
			            net->nwid, text, DNS_PORT, strerror(-net->dns_fd));
		net->dns_warned = true;
		net->dns_addr = a;
		net->dns_fd = -1;
		return;
	}
	net->dns_addr = a;
	net->dns_warned = false;
	zt_log_info("network %016" PRIx64 ": answering names in %s on %s port %d", net->nwid,
	            conf->dns_domain, text, DNS_PORT);
}

const struct zt_inetaddr *zt_daemon_dns_addr(const struct zt_daemon_net *net)
{
	return net->dns_fd >= 0 ? &net->dns_addr : NULL;
}
