/* SPDX-License-Identifier: BSD-3-Clause */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "dns/err.h"

static const char *const messages[] = {
	[DNS_EMALFORMED - DNS_EMALFORMED] = "malformed wire data",
	[DNS_ECOMPRESS - DNS_EMALFORMED] = "bad compression pointer",
	[DNS_ENAMELEN - DNS_EMALFORMED] = "name longer than 255 octets",
	[DNS_ELABELLEN - DNS_EMALFORMED] = "label longer than 63 octets",
	[DNS_ETRUNC - DNS_EMALFORMED] = "data truncated",
	[DNS_ESPACE - DNS_EMALFORMED] = "no space left in buffer",
	[DNS_ENOTFOUND - DNS_EMALFORMED] = "not found",
	[DNS_EZONE - DNS_EMALFORMED] = "invalid zone content",
	[DNS_ESYNTAX - DNS_EMALFORMED] = "syntax error",
	[DNS_EEXIST - DNS_EMALFORMED] = "already exists",
};

const char *
dns_strerror(int err)
{
	if (err >= 0)
		return "success";
	if (err >= DNS_EMALFORMED && err < DNS_ELAST)
		return messages[err - DNS_EMALFORMED];
	return strerror(-err);
}

int
dns_errf(char *err, size_t errlen, int rc, const char *fmt, ...)
{
	va_list ap;

	if (err && errlen) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return rc;
}
