/* SPDX-License-Identifier: MIT */
/*
 * portmap.c - UPnP-IGD and NAT-PMP port mappings in a worker thread (see
 * portmap.h).  Everything the worker learns is published under the mutex;
 * the core is never called from here.
 */
#include "osdep/portmap.h"

#include <arpa/inet.h>
#include <errno.h>
#include <miniupnpc/miniupnpc.h>
#include <miniupnpc/upnpcommands.h>
#include <miniupnpc/upnperrors.h>
#include <natpmp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/select.h>
#include <time.h>

#include "osdep/log.h"

/* Per device type asked for (miniupnpc tries up to 5 when nobody answers). */
#define UPNP_DISCOVER_MS 300
/* At exit the router gets this long to remove the mapping: ztd stops
 * within a second whatever the router does (a restart must not wait for
 * it, nor find the port still taken).  A mapping left behind expires with
 * its lease. */
#define STOP_WAIT_MS    400
#define NATPMP_WAIT_MS  4000
#define NATPMP_UNMAP_MS 300

enum { MODE_BOTH = 0, MODE_UPNP, MODE_NATPMP };

struct zt_portmap {
	pthread_t th;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	bool stop;
	uint16_t port;
	int mode;

	/* Published (under mu). */
	bool have;
	struct zt_endpoint ep;
	const char *how;
	unsigned gen;

	/* The worker's own. */
	bool igd;
	struct UPNPUrls urls;
	struct IGDdatas data;
	char lanaddr[64];
	char extport[8];
	bool upnp_mapped, natpmp_mapped;
};

static bool stopping(struct zt_portmap *pm)
{
	bool s;
	pthread_mutex_lock(&pm->mu);
	s = pm->stop;
	pthread_mutex_unlock(&pm->mu);
	return s;
}

static void publish(struct zt_portmap *pm, const struct zt_endpoint *ep, const char *how)
{
	pthread_mutex_lock(&pm->mu);
	if (ep == NULL) {
		if (pm->have)
			pm->gen++;
		pm->have = false;
	} else if (!pm->have || !zt_endpoint_eq(&pm->ep, ep) || pm->how != how) {
		pm->have = true;
		pm->ep = *ep;
		pm->how = how;
		pm->gen++;
	}
	pthread_mutex_unlock(&pm->mu);
}

/* ---- UPnP-IGD ---- */

/* Find the UPnP Internet gateway (once): 0, or -ENOENT if none answers. */
static int upnp_find(struct zt_portmap *pm)
{
	struct UPNPDev *devs;
	int err = 0, r;

	if (pm->igd)
		return 0;
	devs = upnpDiscover(UPNP_DISCOVER_MS, NULL, NULL, 0, 0, 2, &err);
	if (devs == NULL) {
		zt_log_debug("portmap: no UPnP device answered (%d)", err);
		return -ENOENT;
	}
	memset(&pm->urls, 0, sizeof pm->urls);
	memset(&pm->data, 0, sizeof pm->data);
	r = UPNP_GetValidIGD(devs, &pm->urls, &pm->data, pm->lanaddr, sizeof pm->lanaddr);
	freeUPNPDevlist(devs);
	/* 2 = "not connected": what an IGD says when its own WAN address is
	 * private or reserved (behind another NAT, or the lab's 198.18/15).
	 * The mapping may still work; whether it is useful, peers find out. */
	if (r == 1 || r == 2) {
		pm->igd = true;
		zt_log_info("portmap: UPnP gateway at %s (we are %s)", pm->urls.controlURL,
		            pm->lanaddr);
		return 0;
	}
	if (r != 0)
		FreeUPNPUrls(&pm->urls);
	zt_log_debug("portmap: no UPnP Internet gateway (%d)", r);
	return -ENOENT;
}

/* Map our port on the gateway: 0 with the public endpoint and the lease
 * in seconds, -ENOENT (no gateway), -EADDRNOTAVAIL (it has no public
 * IPv4 address) or -EACCES (it refused the mapping). */
static int upnp_map(struct zt_portmap *pm, struct zt_endpoint *ep, unsigned *lease)
{
	char extip[40], inport[8], lease_s[12];
	const char *svc;
	int r = 0;

	r = upnp_find(pm);
	if (r < 0)
		return r;
	svc = pm->data.first.servicetype;
	extip[0] = '\0';
	if (UPNP_GetExternalIPAddress(pm->urls.controlURL, svc, extip) == UPNPCOMMAND_SUCCESS) {
		char text[64];
		snprintf(text, sizeof text, "%s/1", extip);
		if (zt_endpoint_parse(text, ep) == ZT_OK && ep->family == 4)
			r = 1;
	}
	if (r != 1) {
		zt_log_debug("portmap: the UPnP gateway gives no external IPv4 address");
		FreeUPNPUrls(&pm->urls);
		pm->igd = false;
		return -EADDRNOTAVAIL;
	}
	snprintf(inport, sizeof inport, "%u", pm->port);
	snprintf(lease_s, sizeof lease_s, "%u", ZT_PORTMAP_LEASE_S);
	if (!pm->upnp_mapped)
		snprintf(pm->extport, sizeof pm->extport, "%u", pm->port);
	for (int tries = 0; tries < 4; tries++) {
		r = UPNP_AddPortMapping(pm->urls.controlURL, svc, pm->extport, inport, pm->lanaddr,
		                        "zt", "UDP", NULL, lease_s);
		if (r == UPNPCOMMAND_SUCCESS)
			break;
		if (r == 725) /* OnlyPermanentLeasesSupported */
			snprintf(lease_s, sizeof lease_s, "0");
		else if (r == 718) /* ConflictInMappingEntry: someone has that port */
			snprintf(pm->extport, sizeof pm->extport, "%u",
			         1024 + (unsigned)rand() % (65536 - 1024));
		else
			break;
	}
	if (r != UPNPCOMMAND_SUCCESS) {
		zt_log_info("portmap: UPnP AddPortMapping refused: %d (%s)", r, strupnperror(r));
		return -EACCES;
	}
	pm->upnp_mapped = true;
	ep->port = (uint16_t)atoi(pm->extport);
	*lease = (unsigned)atoi(lease_s);
	if (*lease == 0)
		*lease = ZT_PORTMAP_LEASE_S;
	return 0;
}

static void upnp_unmap(struct zt_portmap *pm)
{
	if (!pm->upnp_mapped || !pm->igd)
		return;
	(void)UPNP_DeletePortMapping(pm->urls.controlURL, pm->data.first.servicetype, pm->extport,
	                             "UDP", NULL);
	pm->upnp_mapped = false;
}

/* ---- NAT-PMP ---- */

/* One request/answer, bounded by limit_ms: libnatpmp alone would retry
 * for minutes. */
static int natpmp_wait(struct zt_portmap *pm, natpmp_t *np, natpmpresp_t *resp, long limit_ms)
{
	struct timespec t0, t;
	int r;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	do {
		fd_set fds;
		struct timeval tv;
		long ms;

		FD_ZERO(&fds);
		FD_SET(np->s, &fds);
		if (getnatpmprequesttimeout(np, &tv) != 0)
			return NATPMP_ERR_NOPENDINGREQ;
		/* Short waits: a stopping daemon must not hang here. */
		if (tv.tv_sec > 0 || tv.tv_sec < 0 || tv.tv_usec > 100000)
			tv = (struct timeval){0, 100000};
		(void)select(np->s + 1, &fds, NULL, NULL, &tv);
		r = readnatpmpresponseorretry(np, resp);
		clock_gettime(CLOCK_MONOTONIC, &t);
		ms = (t.tv_sec - t0.tv_sec) * 1000 + (t.tv_nsec - t0.tv_nsec) / 1000000;
		/* The removal at exit runs while stopping: only its limit
		 * ends it. */
		if (ms >= limit_ms ||
		    (r == NATPMP_TRYAGAIN && limit_ms == NATPMP_WAIT_MS && stopping(pm)))
			break;
	} while (r == NATPMP_TRYAGAIN);
	return r;
}

/* Ask for a mapping of our port for lifetime seconds (0: remove it): 0
 * with the public endpoint and the lease, or -EIO (no NAT-PMP gateway, or
 * it refused). */
static int natpmp_request(struct zt_portmap *pm, uint32_t lifetime, struct zt_endpoint *ep,
                          unsigned *lease)
{
	natpmp_t np;
	natpmpresp_t resp;
	struct zt_endpoint pub;
	int r, ret = -EIO;

	if (initnatpmp(&np, 0, 0) < 0)
		return -EIO;
	memset(&pub, 0, sizeof pub);
	if (lifetime > 0) {
		if (sendpublicaddressrequest(&np) < 0 ||
		    natpmp_wait(pm, &np, &resp, NATPMP_WAIT_MS) < 0 ||
		    resp.type != NATPMP_RESPTYPE_PUBLICADDRESS)
			goto out;
		pub.family = 4;
		memcpy(pub.ip, &resp.pnu.publicaddress.addr, 4);
	}
	r = sendnewportmappingrequest(&np, NATPMP_PROTOCOL_UDP, pm->port, pm->port, lifetime);
	if (r < 0)
		goto out;
	r = natpmp_wait(pm, &np, &resp, lifetime > 0 ? NATPMP_WAIT_MS : NATPMP_UNMAP_MS);
	if (r < 0) {
		if (lifetime > 0)
			zt_log_info("portmap: NAT-PMP mapping refused: %d", r);
		goto out;
	}
	if (lifetime > 0) {
		pub.port = resp.pnu.newportmapping.mappedpublicport;
		*ep = pub;
		*lease = resp.pnu.newportmapping.lifetime;
	}
	ret = 0;
out:
	closenatpmp(&np);
	return ret;
}

/* ---- the worker ---- */

static void *worker(void *arg)
{
	struct zt_portmap *pm = arg;

	while (!stopping(pm)) {
		struct zt_endpoint ep;
		unsigned lease = 0, wait_s;
		const char *how = NULL;
		struct timespec until;

		if (pm->mode != MODE_NATPMP && upnp_map(pm, &ep, &lease) == 0)
			how = "UPnP";
		else if (pm->mode != MODE_UPNP && !stopping(pm) &&
		         natpmp_request(pm, ZT_PORTMAP_LEASE_S, &ep, &lease) == 0) {
			how = "NAT-PMP";
			pm->natpmp_mapped = true;
		}
		publish(pm, how ? &ep : NULL, how);
		/* Renew at half the lease; retry failures now and then. */
		wait_s = how ? (lease > 20 ? lease / 2 : 10) : ZT_PORTMAP_RETRY_S;
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_sec += wait_s;
		pthread_mutex_lock(&pm->mu);
		while (!pm->stop && pthread_cond_timedwait(&pm->cv, &pm->mu, &until) != ETIMEDOUT)
			;
		pthread_mutex_unlock(&pm->mu);
	}
	/* Leave the router as we found it. */
	upnp_unmap(pm);
	if (pm->natpmp_mapped) {
		unsigned l;
		(void)natpmp_request(pm, 0, NULL, &l);
		pm->natpmp_mapped = false;
	}
	if (pm->igd)
		FreeUPNPUrls(&pm->urls);
	return NULL;
}

int zt_portmap_start(struct zt_portmap **out, uint16_t port)
{
	struct zt_portmap *pm;
	const char *m = getenv("ZT_PORTMAP");
	int r;

	*out = NULL;
	if (m && strcmp(m, "off") == 0)
		return 0;
	pm = calloc(1, sizeof *pm);
	if (pm == NULL)
		return -ENOMEM;
	pm->port = port;
	pm->mode = m && strcmp(m, "upnp") == 0     ? MODE_UPNP
	           : m && strcmp(m, "natpmp") == 0 ? MODE_NATPMP
	                                           : MODE_BOTH;
	pthread_mutex_init(&pm->mu, NULL);
	pthread_cond_init(&pm->cv, NULL);
	r = pthread_create(&pm->th, NULL, worker, pm);
	if (r != 0) {
		pthread_cond_destroy(&pm->cv);
		pthread_mutex_destroy(&pm->mu);
		free(pm);
		return -r;
	}
	*out = pm;
	return 0;
}

void zt_portmap_stop(struct zt_portmap *pm)
{
	struct timespec until;

	if (pm == NULL)
		return;
	pthread_mutex_lock(&pm->mu);
	pm->stop = true;
	pthread_cond_signal(&pm->cv);
	pthread_mutex_unlock(&pm->mu);
	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_nsec += STOP_WAIT_MS * 1000000L;
	until.tv_sec += until.tv_nsec / 1000000000L;
	until.tv_nsec %= 1000000000L;
	if (pthread_timedjoin_np(pm->th, NULL, &until) != 0) {
		/* Stuck on a router that does not answer: do not hold up the
		 * exit (the worker and its memory go with the process). */
		zt_log_warn("portmap: the router did not answer within %d ms; exiting anyway "
		            "(its mapping expires with the lease)",
		            STOP_WAIT_MS);
		pthread_detach(pm->th);
		return;
	}
	pthread_cond_destroy(&pm->cv);
	pthread_mutex_destroy(&pm->mu);
	free(pm);
}

bool zt_portmap_get(struct zt_portmap *pm, struct zt_endpoint *ep, const char **how, unsigned *gen)
{
	bool have;

	if (pm == NULL)
		return false;
	pthread_mutex_lock(&pm->mu);
	have = pm->have;
	if (have) {
		*ep = pm->ep;
		*how = pm->how;
	}
	*gen = pm->gen;
	pthread_mutex_unlock(&pm->mu);
	return have;
}
