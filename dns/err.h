/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Project-wide error codes. Functions return int: 0 = ok, a negative errno
 * value, or one of the negative codes below. DNS rcodes are data, never
 * error codes.
 */
#ifndef SIGEDGE_DNS_ERR_H
#define SIGEDGE_DNS_ERR_H

enum dns_err {
	DNS_EMALFORMED = -1000, /* wire data does not parse */
	DNS_ECOMPRESS,          /* bad compression pointer (forward, loop, out of bounds) */
	DNS_ENAMELEN,           /* name longer than 255 octets */
	DNS_ELABELLEN,          /* label longer than 63 octets or bad label type */
	DNS_ETRUNC,             /* data ends early */
	DNS_ESPACE,             /* output buffer full */
	DNS_ENOTFOUND,          /* lookup found nothing */
	DNS_EZONE,              /* zone content is invalid (message says why) */
	DNS_ESYNTAX,            /* text does not parse (presentation format, config) */
	DNS_EEXIST,             /* object already exists */
	DNS_ELAST               /* keep last */
};

#include <stddef.h>

/* Message for a negative errno value or a project code; never NULL. */
const char *dns_strerror(int err);

/*
 * For functions that report an error as a code plus one line of text:
 * write the message (printf format) into err, errlen octets (nothing when
 * err is NULL or errlen is 0), and return rc.
 */
int dns_errf(char *err, size_t errlen, int rc, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

#endif
