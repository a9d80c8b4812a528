/* SPDX-License-Identifier: MIT */
/* args.c - command-line values shared by the programs (see args.h). */
#include "osdep/args.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

int zt_args_port(const char *prog, const char *opt, const char *s)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < 0 || v > 65535) {
		fprintf(stderr, "%s: %s %s: expected a port number 0-65535\n", prog, opt, s);
		return -1;
	}
	return (int)v;
}
