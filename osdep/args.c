/* SPDX-License-Identifier: MIT */
/* args.c - command-line values shared by the programs (see args.h). */
#include "osdep/args.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

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
