/* SPDX-License-Identifier: MIT */
/* args.c - command-line values shared by the programs (see args.h). */
#include "osdep/args.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int zt_args_port(const char *opt, const char *s, uint16_t *port, char *err, size_t errcap)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < 0 || v > 65535) {
		snprintf(err, errcap, "%s %s: expected a port number 0-65535", opt, s);
		return -EINVAL;
	}
	*port = (uint16_t)v;
	return 0;
}

int zt_args_endpoint(const char *what, const char *s, struct zt_endpoint *ep, char *err,
                     size_t errcap)
{
	static const uint8_t v6_zero[16];
	const char *slash = strrchr(s, '/'), *why = NULL;

	if (zt_endpoint_parse(s, ep) != ZT_OK) {
		if (slash && strspn(slash + 1, "0") == strlen(slash + 1) && slash[1])
			snprintf(err, errcap,
			         "%s %.64s: port 0 cannot be sent to: give the UDP port the "
			         "root listens on (e.g. /9993)",
			         what, s);
		else
			snprintf(err, errcap,
			         "%s %.64s: expected IP/PORT (1.2.3.4/9993 or 2001:db8::1/9993)",
			         what, s);
		return -EINVAL;
	}
	if (ep->family == 4) {
		if (ep->ip[0] == 0)
			why = "the unspecified address";
		else if (memcmp(ep->ip, "\xff\xff\xff\xff", 4) == 0)
			why = "the broadcast address";
		else if ((ep->ip[0] & 0xf0) == 0xe0)
			why = "a multicast address";
		else if ((ep->ip[0] & 0xf0) == 0xf0)
			why = "a reserved address";
	} else {
		if (memcmp(ep->ip, v6_zero, 16) == 0)
			why = "the unspecified address";
		else if (ep->ip[0] == 0xff)
			why = "a multicast address";
		else if (ep->ip[0] == 0xfe && (ep->ip[1] & 0xc0) == 0x80)
			why = "a link-local address (a roots file cannot name its interface)";
	}
	if (why) {
		snprintf(err, errcap,
		         "%s %.64s: %s is not one peers can send to: give the machine's "
		         "public address (e.g. 203.0.113.7/9993)",
		         what, s, why);
		return -EINVAL;
	}
	return 0;
}

int zt_args_listen_addr(const char *text, struct sockaddr_storage *ss, socklen_t *len)
{
	char host[64];
	const char *colon, *h = text;
	size_t hl;
	char *end;
	unsigned long port;

	colon = strrchr(text, ':');
	if (colon == NULL || colon[1] == '\0')
		return -EINVAL;
	hl = (size_t)(colon - text);
	if (hl >= 2 && text[0] == '[' && text[hl - 1] == ']') {
		h = text + 1;
		hl -= 2;
	} else if (memchr(text, ':', hl) != NULL) {
		return -EINVAL; /* an IPv6 address needs its brackets */
	}
	if (hl == 0 || hl >= sizeof host)
		return -EINVAL;
	memcpy(host, h, hl);
	host[hl] = '\0';
	errno = 0;
	port = strtoul(colon + 1, &end, 10);
	if (*end != '\0' || errno != 0 || port == 0 || port > 65535 || colon[1] == '-' ||
	    colon[1] == '+')
		return -EINVAL;
	memset(ss, 0, sizeof *ss);
	if (h == text) {
		struct sockaddr_in *sin = (struct sockaddr_in *)ss;
		if (inet_pton(AF_INET, host, &sin->sin_addr) != 1)
			return -EINVAL;
		sin->sin_family = AF_INET;
		sin->sin_port = htons((uint16_t)port);
		*len = sizeof *sin;
	} else {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;
		if (inet_pton(AF_INET6, host, &sin6->sin6_addr) != 1)
			return -EINVAL;
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons((uint16_t)port);
		*len = sizeof *sin6;
	}
	return 0;
}
