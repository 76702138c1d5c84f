/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Daemon log: one line per message on stderr, "TIMESTAMP LEVEL: message",
 * with an ISO 8601 UTC timestamp in milliseconds. Messages above the
 * configured level are dropped.
 *
 * Threading: control thread only (workers never log).
 */
#ifndef SIGEDGE_CTL_LOG_H
#define SIGEDGE_CTL_LOG_H

#include <stddef.h>
#include <time.h>

enum ctl_log_level {
	CTL_LOG_ERROR,
	CTL_LOG_WARNING,
	CTL_LOG_INFO,
	CTL_LOG_DEBUG,
};

/* Show messages at level and more severe ones (default CTL_LOG_INFO). */
void ctl_log_set_level(enum ctl_log_level level);

/* "error", "warning", "info" or "debug". */
const char *ctl_log_level_name(enum ctl_log_level level);

/* Parse one of the names above; returns 0 or -EINVAL. */
int ctl_log_level_parse(const char *s, enum ctl_log_level *out);

void ctl_log(enum ctl_log_level level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Write t as "YYYY-MM-DDTHH:MM:SSZ" (UTC) into out (at least 21 bytes). */
void ctl_time_iso(time_t t, char *out, size_t cap);

#endif
