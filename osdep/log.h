/* SPDX-License-Identifier: MIT */
/*
 * log.h - one line per event on stderr, for ztd and zt-root.
 *
 * Levels are the core's (enum zt_log_level): messages above the current
 * level are dropped.  Each line is written with a single write(2), so
 * lines from several processes sharing a log file do not interleave.
 */
#ifndef ZT_OSDEP_LOG_H
#define ZT_OSDEP_LOG_H

#include "node/zt.h"

/* prog is borrowed for the life of the process (usually argv[0]'s name). */
void zt_log_init(const char *prog, enum zt_log_level level);
enum zt_log_level zt_log_level(void);

void zt_logf(enum zt_log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define zt_log_error(...) zt_logf(ZT_LOG_ERROR, __VA_ARGS__)
#define zt_log_warn(...)  zt_logf(ZT_LOG_WARN, __VA_ARGS__)
#define zt_log_info(...)  zt_logf(ZT_LOG_INFO, __VA_ARGS__)
#define zt_log_debug(...) zt_logf(ZT_LOG_DEBUG, __VA_ARGS__)

#endif
