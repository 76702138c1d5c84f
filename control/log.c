/* SPDX-License-Identifier: BSD-3-Clause */
#include "control/log.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

static enum ctl_log_level log_level = CTL_LOG_INFO;

static const char *const level_names[] = {
	[CTL_LOG_ERROR] = "error",
	[CTL_LOG_WARNING] = "warning",
	[CTL_LOG_INFO] = "info",
	[CTL_LOG_DEBUG] = "debug",
};

void
ctl_log_set_level(enum ctl_log_level level)
{
	log_level = level;
}

const char *
ctl_log_level_name(enum ctl_log_level level)
{
	return level_names[level];
}

int
ctl_log_level_parse(const char *s, enum ctl_log_level *out)
{
	for (size_t i = 0; i < sizeof(level_names) / sizeof(level_names[0]); i++) {
		if (strcmp(s, level_names[i]) == 0) {
			*out = (enum ctl_log_level)i;
			return 0;
		}
	}
	return -EINVAL;
}

void
ctl_time_iso(time_t t, char *out, size_t cap)
{
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(out, cap, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

void
ctl_log(enum ctl_log_level level, const char *fmt, ...)
{
	if (level > log_level)
		return;
	struct timespec ts;
	struct tm tm;
	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);

	/* Build the whole line first so it reaches stderr in one write. */
	char line[2048];
	size_t n = strftime(line, sizeof(line), "%Y-%m-%dT%H:%M:%S", &tm);
	n += (size_t)snprintf(line + n, sizeof(line) - n, ".%03ldZ %s: ", ts.tv_nsec / 1000000,
			      level_names[level]);
	va_list ap;
	va_start(ap, fmt);
	int m = vsnprintf(line + n, sizeof(line) - n, fmt, ap);
	va_end(ap);
	n = m < 0 ? n : n + (size_t)m;
	if (n > sizeof(line) - 2)
		n = sizeof(line) - 2;
	line[n++] = '\n';
	fwrite(line, 1, n, stderr);
}
