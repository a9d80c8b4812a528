/* SPDX-License-Identifier: MIT */
/*
 * ctlapi.c - the admin API of a real zt-controller under a growing
 * database (make ctl-bench, bench/ctl.sh): NETS networks with an IPv4
 * pool each, then MEMBERS members authorized one by one with
 * POST /controller/network/<nwid>/member/<addr> {"authorized":true}, each
 * request on its own connection as a script would send it, the next sent
 * when the previous was answered.  Prints the total time, the rate and
 * the latency percentiles of the authorizing POSTs (all of them and the
 * last 1,000), then of a network POST per network (a rename, which every
 * member of the network gets pushed), then checks that the members got
 * distinct addresses from the pools.
 *
 *   ctlapi PORT TOKEN CTLADDR MEMBERS NETS
 */
#include <arpa/inet.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define REPLY_MAX (1 << 20)

static unsigned port;
static const char *token;
static char reply[REPLY_MAX];

static double mono(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* One request on a fresh connection; the status, the body in reply. */
static int request(const char *method, const char *path, const char *body)
{
	struct sockaddr_in sa;
	char head[1024];
	size_t got = 0;
	int fd = socket(AF_INET, SOCK_STREAM, 0), status = -1, one = 1, n;
	ssize_t r;

	if (fd < 0)
		return -1;
	memset(&sa, 0, sizeof sa);
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)port);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	if (connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0)
		goto out;
	n = snprintf(head, sizeof head,
	             "%s %s HTTP/1.1\r\nHost: 127.0.0.1\r\nX-ZT1-Auth: %s\r\n"
	             "Content-Type: application/json\r\nContent-Length: %zu\r\n"
	             "Connection: close\r\n\r\n",
	             method, path, token, body != NULL ? strlen(body) : 0);
	if (write(fd, head, (size_t)n) != n)
		goto out;
	if (body != NULL && write(fd, body, strlen(body)) != (ssize_t)strlen(body))
		goto out;
	while (got + 1 < sizeof reply && (r = read(fd, reply + got, sizeof reply - 1 - got)) > 0)
		got += (size_t)r;
	reply[got] = '\0';
	if (sscanf(reply, "HTTP/1.%*d %d", &status) != 1)
		status = -1;
	{
		char *b = strstr(reply, "\r\n\r\n");
		if (b != NULL)
			memmove(reply, b + 4, strlen(b + 4) + 1);
	}
out:
	close(fd);
	return status;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static void percentiles(const char *what, double *v, size_t n)
{
	qsort(v, n, sizeof *v, cmp);
	printf("%-44s n=%zu p50 %.2f ms  p99 %.2f ms  max %.2f ms\n", what, n, v[n / 2] * 1e3,
	       v[n * 99 / 100] * 1e3, v[n - 1] * 1e3);
}

int main(int argc, char **argv)
{
	uint64_t ctl, *nwids;
	unsigned members, nets;
	double *lat, t0, total;
	char path[256], body[512];
	int rc = 1;

	if (argc != 6 || sscanf(argv[3], "%" SCNx64, &ctl) != 1) {
		fprintf(stderr, "usage: ctlapi PORT TOKEN CTLADDR MEMBERS NETS\n");
		return 2;
	}
	port = (unsigned)atoi(argv[1]);
	token = argv[2];
	members = (unsigned)atoi(argv[4]);
	nets = (unsigned)atoi(argv[5]);
	if (members == 0 || nets == 0 || nets > 250)
		return 2;
	nwids = calloc(nets, sizeof *nwids);
	lat = calloc(members, sizeof *lat);
	if (nwids == NULL || lat == NULL)
		return 1;
	for (unsigned i = 0; i < nets; i++) {
		snprintf(path, sizeof path, "/controller/network/%010" PRIx64 "______", ctl);
		snprintf(body, sizeof body,
		         "{\"name\":\"bench%u\",\"ipAssignmentPools\":[{\"ipRangeStart\":"
		         "\"10.%u.0.1\",\"ipRangeEnd\":\"10.%u.255.254\"}],\"routes\":[{"
		         "\"target\":\"10.%u.0.0/16\"}],\"v4AssignMode\":{\"zt\":true}}",
		         i, i, i, i);
		if (request("POST", path, body) != 200 ||
		    sscanf(strstr(reply, "\"id\":\"") ? strstr(reply, "\"id\":\"") + 6 : "",
		           "%16" SCNx64, &nwids[i]) != 1) {
			fprintf(stderr, "ctlapi: creating network %u failed: %s\n", i, reply);
			goto out;
		}
	}
	t0 = mono();
	for (unsigned i = 0; i < members; i++) {
		/* Addresses spread over the 40 bits, none reserved. */
		uint64_t a = 0x1000000000ULL + (uint64_t)i * 0x3b9aca07ULL % 0xe000000000ULL;
		double s = mono();
		snprintf(path, sizeof path, "/controller/network/%016" PRIx64 "/member/%010" PRIx64,
		         nwids[i % nets], a);
		if (request("POST", path, "{\"authorized\":true}") != 200) {
			fprintf(stderr, "ctlapi: authorizing member %u failed: %s\n", i, reply);
			goto out;
		}
		lat[i] = mono() - s;
		if ((i + 1) % 1000 == 0) {
			printf("  %5u members authorized, %.1f s\n", i + 1, mono() - t0);
			fflush(stdout);
		}
	}
	total = mono() - t0;
	printf("%u members in %u networks authorized one by one: %.1f s (%.0f/s)\n", members, nets,
	       total, members / total);
	percentiles("authorizing POST, the last 1000", lat + (members > 1000 ? members - 1000 : 0),
	            members > 1000 ? 1000 : members);
	percentiles("authorizing POST, all", lat, members);
	for (unsigned i = 0; i < nets; i++) {
		double s = mono();
		snprintf(path, sizeof path, "/controller/network/%016" PRIx64, nwids[i]);
		snprintf(body, sizeof body, "{\"name\":\"bench%u-renamed\"}", i);
		if (request("POST", path, body) != 200) {
			fprintf(stderr, "ctlapi: network POST failed: %s\n", reply);
			goto out;
		}
		lat[i] = mono() - s;
	}
	percentiles("network POST (rename)", lat, nets);
	{
		double s = mono();
		snprintf(path, sizeof path, "/controller/network/%016" PRIx64 "/member", nwids[0]);
		if (request("GET", path, NULL) != 200)
			goto out;
		printf("%-44s %.2f ms\n", "GET .../member (one network)", (mono() - s) * 1e3);
	}
	/* The members got addresses (assigned when their config was built,
	 * after the POST was answered): give the controller a moment. */
	sleep(2);
	{
		unsigned with_ip = 0, checked = 0;
		for (unsigned i = 0; i < members; i += members / 200 + 1) {
			uint64_t a =
			    0x1000000000ULL + (uint64_t)i * 0x3b9aca07ULL % 0xe000000000ULL;
			snprintf(path, sizeof path,
			         "/controller/network/%016" PRIx64 "/member/%010" PRIx64,
			         nwids[i % nets], a);
			if (request("GET", path, NULL) != 200)
				goto out;
			checked++;
			with_ip += strstr(reply, "\"ipAssignments\":[\"10.") != NULL;
		}
		printf("members sampled with a pool address: %u of %u\n", with_ip, checked);
	}
	rc = 0;
out:
	free(nwids);
	free(lat);
	return rc;
}
