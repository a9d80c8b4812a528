/* SPDX-License-Identifier: MIT */
/*
 * log.c - timestamped stderr lines (see log.h).
 */
#include "osdep/log.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define LOG_LINE_MAX 1024

static const char *log_prog = "zt";
static enum zt_log_level log_max = ZT_LOG_INFO;

void zt_log_init(const char *prog, enum zt_log_level level)
{
	log_prog = prog;
	log_max = level;
}

enum zt_log_level zt_log_level(void)
{
	return log_max;
}

static const char *level_name(enum zt_log_level level)
{
	switch (level) {
	case ZT_LOG_ERROR: return "error";
	case ZT_LOG_WARN: return "warning";
	case ZT_LOG_INFO: return "info";
	case ZT_LOG_DEBUG: return "debug";
	}
	return "?";
}

void zt_logf(enum zt_log_level level, const char *fmt, ...)
{
	char line[LOG_LINE_MAX];
	struct timespec ts;
	struct tm tm;
	va_list ap;
	size_t n;
	int r;

	if (level > log_max)
		return;
	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	r = snprintf(line, sizeof line,
	             "%04d-%02d-%02d %02d:%02d:%02d.%03ldZ %s %s: ", tm.tm_year + 1900,
	             tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
	             ts.tv_nsec / 1000000, log_prog, level_name(level));
	if (r < 0)
		return;
	n = (size_t)r < sizeof line ? (size_t)r : sizeof line - 1;
	va_start(ap, fmt);
	r = vsnprintf(line + n, sizeof line - n, fmt, ap);
	va_end(ap);
	if (r < 0)
		return;
	n += (size_t)r;
	/* A truncated line still ends in a newline. */
	if (n > sizeof line - 2)
		n = sizeof line - 2;
	line[n++] = '\n';
	/* Best effort: there is nowhere to report a failed log write. */
	if (write(STDERR_FILENO, line, n) < 0)
		return;
}
