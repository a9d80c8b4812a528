/* SPDX-License-Identifier: MIT */
/*
 * netlink_linux.c - rtnetlink requests (see netlink.h).
 */
#include "osdep/netlink.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/if_link.h>
#include <net/if.h>
#include <stdio.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

#define REQ_MAX 512

/* A request: header, family message, attributes, in one aligned buffer. */
struct req {
	union {
		struct nlmsghdr nh;
		uint8_t raw[REQ_MAX];
	} b;
};

static int add_attr(struct req *q, unsigned short type, const void *data, size_t len)
{
	size_t alen = RTA_LENGTH(len), off = NLMSG_ALIGN(q->b.nh.nlmsg_len);
	struct rtattr rta;

	if (off + RTA_ALIGN(alen) > sizeof q->b.raw)
		return -ENOBUFS;
	rta.rta_type = type;
	rta.rta_len = (unsigned short)alen;
	memcpy(q->b.raw + off, &rta, sizeof rta);
	memcpy(q->b.raw + off + RTA_LENGTH(0), data, len);
	q->b.nh.nlmsg_len = (uint32_t)(off + RTA_ALIGN(alen));
	return 0;
}

/* Send one request and wait for its acknowledgement; the first answer
 * that is not an acknowledgement is copied to reply (if not NULL). */
static int talk_reply(struct nlmsghdr *nh, void *reply, size_t cap, size_t *rlen);

static int talk(struct nlmsghdr *nh)
{
	return talk_reply(nh, NULL, 0, NULL);
}

static int talk_reply(struct nlmsghdr *nh, void *reply, size_t cap, size_t *rlen)
{
	struct sockaddr_nl sa = {.nl_family = AF_NETLINK};
	struct timeval tv = {.tv_sec = 2};
	char buf[4096];
	int fd, r = -EIO;
	ssize_t n;

	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	if (fd < 0)
		return -errno;
	(void)setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
	nh->nlmsg_flags |= NLM_F_REQUEST | NLM_F_ACK;
	nh->nlmsg_seq = 1;
	if (sendto(fd, nh, nh->nlmsg_len, 0, (struct sockaddr *)&sa, sizeof sa) < 0) {
		r = -errno;
		goto out;
	}
	for (;;) {
		n = recv(fd, buf, sizeof buf, 0);
		if (n < 0) {
			r = errno == EAGAIN ? -ETIMEDOUT : -errno;
			goto out;
		}
		for (struct nlmsghdr *h = (struct nlmsghdr *)buf; NLMSG_OK(h, (unsigned)n);
		     h = NLMSG_NEXT(h, n)) {
			if (h->nlmsg_type == NLMSG_ERROR) {
				struct nlmsgerr *e = NLMSG_DATA(h);
				if (h->nlmsg_len < NLMSG_LENGTH(sizeof *e))
					goto out;
				r = e->error; /* 0 is the acknowledgement */
				goto out;
			}
			if (reply != NULL && rlen != NULL && *rlen == 0 && h->nlmsg_len <= cap) {
				memcpy(reply, h, h->nlmsg_len);
				*rlen = h->nlmsg_len;
			}
		}
	}
out:
	close(fd);
	return r;
}

static int ifindex(const char *ifname)
{
	unsigned i = if_nametoindex(ifname);
	return i == 0 ? -ENODEV : (int)i;
}

int zt_nl_addr(const char *ifname, const struct zt_inetaddr *a, bool add, bool noprefix)
{
	struct req q;
	struct ifaddrmsg ifa;
	size_t alen = a->family == 4 ? 4 : 16;
	int idx = ifindex(ifname), r;

	if (idx < 0)
		return idx;
	if (a->family != 4 && a->family != 6)
		return -EINVAL;
	memset(&q, 0, sizeof q);
	memset(&ifa, 0, sizeof ifa);
	q.b.nh.nlmsg_len = NLMSG_LENGTH(sizeof ifa);
	q.b.nh.nlmsg_type = add ? RTM_NEWADDR : RTM_DELADDR;
	/* Never NLM_F_REPLACE: an address that is there already (put by
	 * hand, say) answers -EEXIST and stays someone else's. */
	q.b.nh.nlmsg_flags = add ? (NLM_F_CREATE | NLM_F_EXCL) : 0;
	ifa.ifa_family = a->family == 4 ? AF_INET : AF_INET6;
	ifa.ifa_prefixlen = a->bits;
	ifa.ifa_index = (unsigned)idx;
	ifa.ifa_scope = RT_SCOPE_UNIVERSE;
	memcpy(q.b.raw + NLMSG_HDRLEN, &ifa, sizeof ifa);
	r = add_attr(&q, IFA_LOCAL, a->ip, alen);
	if (r == 0)
		r = add_attr(&q, IFA_ADDRESS, a->ip, alen);
	if (r == 0 && a->family == 4 && a->bits < 31) {
		uint8_t bc[4];
		uint32_t mask = a->bits ? ~0u << (32 - a->bits) : 0;
		uint32_t ip = ((uint32_t)a->ip[0] << 24) | ((uint32_t)a->ip[1] << 16) |
		              ((uint32_t)a->ip[2] << 8) | a->ip[3];
		ip |= ~mask;
		bc[0] = (uint8_t)(ip >> 24);
		bc[1] = (uint8_t)(ip >> 16);
		bc[2] = (uint8_t)(ip >> 8);
		bc[3] = (uint8_t)ip;
		r = add_attr(&q, IFA_BROADCAST, bc, 4);
	}
	if (r == 0 && add && (a->family == 6 || noprefix)) {
		/* No duplicate address detection: the controller assigned it,
		 * and DAD would hold it "tentative" for a second or two. */
		uint32_t flags =
		    (a->family == 6 ? IFA_F_NODAD : 0) | (noprefix ? IFA_F_NOPREFIXROUTE : 0);
		r = add_attr(&q, IFA_FLAGS, &flags, sizeof flags);
	}
	if (r < 0)
		return r;
	r = talk(&q.b.nh);
	if (!add && (r == -EADDRNOTAVAIL || r == -ENOENT || r == -ESRCH))
		r = 0;
	return r;
}

/* One RTM_NEWADDR of a dump: its address into *out if it is on ifindex
 * idx (attributes length-checked).  Returns 1 if it was, 0 if not. */
static int dump_addr(const struct nlmsghdr *h, int idx, struct zt_inetaddr *out)
{
	struct ifaddrmsg ifa;
	size_t off, end = h->nlmsg_len, alen;
	const uint8_t *raw = (const uint8_t *)h;
	bool have = false;

	if (h->nlmsg_type != RTM_NEWADDR || end < NLMSG_LENGTH(sizeof ifa))
		return 0;
	memcpy(&ifa, NLMSG_DATA(h), sizeof ifa);
	if ((int)ifa.ifa_index != idx || (ifa.ifa_family != AF_INET && ifa.ifa_family != AF_INET6))
		return 0;
	alen = ifa.ifa_family == AF_INET ? 4 : 16;
	memset(out, 0, sizeof *out);
	out->family = ifa.ifa_family == AF_INET ? 4 : 6;
	out->bits = ifa.ifa_prefixlen;
	/* IFA_LOCAL is the address itself (IPv4; IFA_ADDRESS is the peer's
	 * on point-to-point links); IPv6 has IFA_ADDRESS only. */
	off = NLMSG_ALIGN(NLMSG_LENGTH(sizeof ifa));
	while (off + sizeof(struct rtattr) <= end) {
		struct rtattr a;
		memcpy(&a, raw + off, sizeof a);
		if (a.rta_len < sizeof a || off + a.rta_len > end)
			break;
		if ((a.rta_type == IFA_LOCAL || (a.rta_type == IFA_ADDRESS && !have)) &&
		    a.rta_len >= RTA_LENGTH(alen)) {
			memcpy(out->ip, raw + off + RTA_LENGTH(0), alen);
			have = true;
		}
		off += RTA_ALIGN(a.rta_len);
	}
	return have ? 1 : 0;
}

int zt_nl_addr_list(const char *ifname, struct zt_inetaddr *out, size_t cap)
{
	struct sockaddr_nl sa = {.nl_family = AF_NETLINK};
	struct timeval tv = {.tv_sec = 2};
	struct req q;
	struct ifaddrmsg ifa;
	/* A dump answers in datagrams of up to a page or so each. */
	union {
		struct nlmsghdr nh;
		uint8_t raw[16384];
	} buf;
	int idx = ifindex(ifname), fd, r = 0, count = 0;
	ssize_t n;

	if (idx < 0)
		return idx;
	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	if (fd < 0)
		return -errno;
	(void)setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
	memset(&q, 0, sizeof q);
	memset(&ifa, 0, sizeof ifa);
	q.b.nh.nlmsg_len = NLMSG_LENGTH(sizeof ifa);
	q.b.nh.nlmsg_type = RTM_GETADDR;
	q.b.nh.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	q.b.nh.nlmsg_seq = 1;
	ifa.ifa_family = AF_UNSPEC;
	ifa.ifa_index = (unsigned)idx;
	memcpy(q.b.raw + NLMSG_HDRLEN, &ifa, sizeof ifa);
	if (sendto(fd, &q.b.nh, q.b.nh.nlmsg_len, 0, (struct sockaddr *)&sa, sizeof sa) < 0) {
		r = -errno;
		goto out;
	}
	for (;;) {
		n = recv(fd, buf.raw, sizeof buf.raw, 0);
		if (n < 0) {
			r = errno == EAGAIN ? -ETIMEDOUT : -errno;
			goto out;
		}
		for (struct nlmsghdr *h = &buf.nh; NLMSG_OK(h, (unsigned)n); h = NLMSG_NEXT(h, n)) {
			struct zt_inetaddr a;
			if (h->nlmsg_type == NLMSG_DONE)
				goto out;
			if (h->nlmsg_type == NLMSG_ERROR) {
				struct nlmsgerr e;
				r = -EIO;
				if (h->nlmsg_len >= NLMSG_LENGTH(sizeof e)) {
					memcpy(&e, NLMSG_DATA(h), sizeof e);
					r = e.error < 0 ? e.error : -EIO;
				}
				goto out;
			}
			if (dump_addr(h, idx, &a) == 1) {
				if ((size_t)count < cap)
					out[count] = a;
				count++;
			}
		}
	}
out:
	close(fd);
	return r < 0 ? r : count;
}

int zt_nl_promote_secondaries(const char *ifname)
{
	char path[96];
	int fd, r = 0;

	if (strlen(ifname) >= IFNAMSIZ || strchr(ifname, '/') != NULL)
		return -EINVAL;
	snprintf(path, sizeof path, "/proc/sys/net/ipv4/conf/%s/promote_secondaries", ifname);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (write(fd, "1\n", 2) != 2)
		r = -errno;
	close(fd);
	return r;
}

int zt_nl_route(const char *ifname, const struct zt_inetaddr *target, const struct zt_inetaddr *via,
                unsigned metric, bool add)
{
	int idx = ifindex(ifname);
	if (idx < 0)
		return idx;
	return zt_nl_route_idx(idx, target, via, metric, add);
}

int zt_nl_route_get(const struct zt_inetaddr *dst, struct zt_inetaddr *gw, int *oif)
{
	struct req q;
	struct rtmsg rt;
	union {
		struct nlmsghdr nh;
		uint8_t raw[1024];
	} rep;
	size_t alen = dst->family == 4 ? 4 : 16, rlen = 0, off;
	int r;

	memset(gw, 0, sizeof *gw);
	*oif = 0;
	if (dst->family != 4 && dst->family != 6)
		return -EINVAL;
	memset(&q, 0, sizeof q);
	memset(&rt, 0, sizeof rt);
	q.b.nh.nlmsg_len = NLMSG_LENGTH(sizeof rt);
	q.b.nh.nlmsg_type = RTM_GETROUTE;
	rt.rtm_family = dst->family == 4 ? AF_INET : AF_INET6;
	rt.rtm_dst_len = (unsigned char)(alen * 8);
	memcpy(q.b.raw + NLMSG_HDRLEN, &rt, sizeof rt);
	r = add_attr(&q, RTA_DST, dst->ip, alen);
	if (r < 0)
		return r;
	r = talk_reply(&q.b.nh, rep.raw, sizeof rep.raw, &rlen);
	if (r < 0)
		return r;
	if (rlen < NLMSG_LENGTH(sizeof rt) || rep.nh.nlmsg_type != RTM_NEWROUTE)
		return -ENOENT;
	/* Walk the attributes after the rtmsg, each length-checked. */
	off = NLMSG_ALIGN(NLMSG_LENGTH(sizeof rt));
	while (off + sizeof(struct rtattr) <= rlen) {
		struct rtattr a;
		memcpy(&a, rep.raw + off, sizeof a);
		if (a.rta_len < sizeof a || off + a.rta_len > rlen)
			break;
		if (a.rta_type == RTA_OIF && a.rta_len >= RTA_LENGTH(4)) {
			uint32_t v;
			memcpy(&v, rep.raw + off + RTA_LENGTH(0), 4);
			*oif = (int)v;
		} else if (a.rta_type == RTA_GATEWAY && a.rta_len >= RTA_LENGTH(alen)) {
			gw->family = dst->family;
			gw->bits = (uint8_t)(alen * 8);
			memcpy(gw->ip, rep.raw + off + RTA_LENGTH(0), alen);
		}
		off += RTA_ALIGN(a.rta_len);
	}
	return *oif > 0 ? 0 : -ENOENT;
}

int zt_nl_route_idx(int idx, const struct zt_inetaddr *target, const struct zt_inetaddr *via,
                    unsigned metric, bool add)
{
	struct req q;
	struct rtmsg rt;
	size_t alen = target->family == 4 ? 4 : 16;
	int r;
	uint32_t oif, prio = metric;
	uint8_t dst[16];

	if (idx < 0)
		return idx;
	if (target->family != 4 && target->family != 6)
		return -EINVAL;
	/* The kernel wants the network address: clear the host bits. */
	memcpy(dst, target->ip, 16);
	for (unsigned b = target->bits; b < alen * 8; b++)
		dst[b / 8] &= (uint8_t) ~(0x80 >> (b % 8));
	memset(&q, 0, sizeof q);
	memset(&rt, 0, sizeof rt);
	q.b.nh.nlmsg_len = NLMSG_LENGTH(sizeof rt);
	q.b.nh.nlmsg_type = add ? RTM_NEWROUTE : RTM_DELROUTE;
	/* Never NLM_F_REPLACE: a route of the same prefix and metric keeps
	 * its place.  IPv4 inserts a new route before those without
	 * NLM_F_APPEND; IPv6 puts it after them already (and would make an
	 * ECMP group of gateway routes with NLM_F_APPEND). */
	q.b.nh.nlmsg_flags =
	    add ? (uint16_t)(NLM_F_CREATE | (target->family == 4 ? NLM_F_APPEND : 0)) : 0;
	rt.rtm_family = target->family == 4 ? AF_INET : AF_INET6;
	rt.rtm_dst_len = target->bits;
	rt.rtm_table = RT_TABLE_MAIN;
	rt.rtm_protocol = RTPROT_STATIC;
	rt.rtm_scope = via != NULL && via->family != 0 ? RT_SCOPE_UNIVERSE : RT_SCOPE_LINK;
	rt.rtm_type = RTN_UNICAST;
	memcpy(q.b.raw + NLMSG_HDRLEN, &rt, sizeof rt);
	oif = (uint32_t)idx;
	r = add_attr(&q, RTA_DST, dst, alen);
	if (r == 0)
		r = add_attr(&q, RTA_OIF, &oif, sizeof oif);
	if (r == 0 && metric)
		r = add_attr(&q, RTA_PRIORITY, &prio, sizeof prio);
	if (r == 0 && via != NULL && via->family != 0) {
		if (via->family != target->family)
			return -EINVAL;
		r = add_attr(&q, RTA_GATEWAY, via->ip, alen);
	}
	if (r < 0)
		return r;
	r = talk(&q.b.nh);
	if (!add && (r == -ESRCH || r == -ENOENT))
		r = 0;
	return r;
}

int zt_nl_set_master(const char *ifname, const char *master)
{
	struct req q;
	struct ifinfomsg ifi;
	int idx = ifindex(ifname), r;
	uint32_t m = 0;

	if (idx < 0)
		return idx;
	if (master != NULL && master[0] != '\0') {
		r = ifindex(master);
		if (r < 0)
			return r;
		m = (uint32_t)r;
	}
	memset(&q, 0, sizeof q);
	memset(&ifi, 0, sizeof ifi);
	q.b.nh.nlmsg_len = NLMSG_LENGTH(sizeof ifi);
	q.b.nh.nlmsg_type = RTM_NEWLINK;
	ifi.ifi_family = AF_UNSPEC;
	ifi.ifi_index = idx;
	ifi.ifi_flags = IFF_UP;
	ifi.ifi_change = IFF_UP;
	memcpy(q.b.raw + NLMSG_HDRLEN, &ifi, sizeof ifi);
	r = add_attr(&q, IFLA_MASTER, &m, sizeof m);
	if (r < 0)
		return r;
	return talk(&q.b.nh);
}

int zt_nl_set_mac(const char *ifname, const uint8_t mac[6])
{
	struct req q;
	struct ifinfomsg ifi;
	int idx = ifindex(ifname), r;

	if (idx < 0)
		return idx;
	memset(&q, 0, sizeof q);
	memset(&ifi, 0, sizeof ifi);
	q.b.nh.nlmsg_len = NLMSG_LENGTH(sizeof ifi);
	q.b.nh.nlmsg_type = RTM_NEWLINK;
	ifi.ifi_family = AF_UNSPEC;
	ifi.ifi_index = idx;
	memcpy(q.b.raw + NLMSG_HDRLEN, &ifi, sizeof ifi);
	r = add_attr(&q, IFLA_ADDRESS, mac, 6);
	if (r < 0)
		return r;
	return talk(&q.b.nh);
}

int zt_nl_is_bridge(const char *ifname)
{
	char path[64];
	struct stat st;

	if (ifname == NULL || ifname[0] == '\0' || strchr(ifname, '/') != NULL ||
	    strlen(ifname) >= IFNAMSIZ)
		return -ENODEV;
	if (ifindex(ifname) < 0)
		return -ENODEV;
	/* A bridge has the directory "bridge" among its sysfs attributes. */
	snprintf(path, sizeof path, "/sys/class/net/%s/bridge", ifname);
	return stat(path, &st) == 0 && S_ISDIR(st.st_mode) ? 0 : -ENOTDIR;
}
