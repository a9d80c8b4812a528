/* SPDX-License-Identifier: MIT */
/*
 * version.c - the version string, passed in by the Makefile from VERSION.
 */
#include "osdep/version.h"

#include <stdio.h>

#ifndef ZT_VERSION
#error "ZT_VERSION is not defined: the Makefile passes the content of VERSION"
#endif

const char *zt_version(void)
{
	return ZT_VERSION;
}

/* The number at *s (at most 9 digits, so it fits an int), and *s moved past
 * it and past one '.' after it; -1 when *s does not start with a digit. */
static int leading_number(const char **s)
{
	const char *p = *s;
	int v = 0, digits = 0;

	while (*p >= '0' && *p <= '9' && digits < 9) {
		v = v * 10 + (*p - '0');
		p++;
		digits++;
	}
	if (digits == 0 || (*p >= '0' && *p <= '9'))
		return -1;
	*s = *p == '.' ? p + 1 : p;
	return v;
}

void zt_version_parts(int *major, int *minor, int *patch)
{
	const char *s = ZT_VERSION;

	*major = leading_number(&s);
	*minor = *major < 0 ? -1 : leading_number(&s);
	*patch = *minor < 0 ? -1 : leading_number(&s);
}

void zt_version_print(const char *prog)
{
	printf("%s %s\n", prog, ZT_VERSION);
}
