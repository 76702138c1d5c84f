/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Domain names in uncompressed wire form (RFC 1035 3.1): a sequence of
 * length-prefixed labels ending with the zero-length root label. All
 * functions are pure, allocate nothing and are safe from any thread.
 *
 * "lname" below means a name in wire form with ASCII letters lowercased,
 * which is the form zone lookup and hashing use.
 */
#ifndef SIGEDGE_DNS_NAME_H
#define SIGEDGE_DNS_NAME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define DNS_NAME_MAXLEN 255
#define DNS_LABEL_MAXLEN 63
#define DNS_NAME_MAXLABELS 128

/* A name parsed out of a message, with its label offsets for suffix walks. */
struct dns_name {
	uint8_t len;                        /* wire length, including root label */
	uint8_t labels;                     /* label count, not counting the root */
	uint8_t lofs[DNS_NAME_MAXLABELS];   /* offset of each label in wire[] */
	uint8_t wire[DNS_NAME_MAXLEN];      /* wire form, case as received */
	uint8_t lwire[DNS_NAME_MAXLEN];     /* the same, lowercased */
};

/*
 * Read a possibly compressed name from msg at *pos. Pointers must point
 * strictly backwards (which also rules out loops); the whole name must be at
 * most 255 octets and every label at most 63. On success *pos moves past the
 * name as it appears at *pos (after the first pointer, if any).
 * Returns 0, DNS_ETRUNC, DNS_ECOMPRESS, DNS_ENAMELEN or DNS_ELABELLEN.
 */
int dns_name_parse(const uint8_t *msg, size_t msglen, size_t *pos, struct dns_name *out);

/*
 * Fill a struct dns_name from an uncompressed, valid wire name (label
 * offsets, lowercased copy). Returns 0 or DNS_ENAMELEN / DNS_ELABELLEN.
 */
int dns_name_set(struct dns_name *out, const uint8_t *wire);

/*
 * Same as dns_name_parse but only writes the uncompressed wire form (case
 * preserved) to out[DNS_NAME_MAXLEN] and its length to *outlen.
 */
int dns_name_unpack(const uint8_t *msg, size_t msglen, size_t *pos, uint8_t *out, size_t *outlen);

/* Length of an uncompressed wire name that is known to be valid. */
size_t dns_name_len(const uint8_t *name);

/* Number of labels of a valid wire name, not counting the root label. */
unsigned dns_name_labels(const uint8_t *name);

/* Copy a valid wire name lowercasing ASCII letters; returns its length. */
size_t dns_name_lower(uint8_t *dst, const uint8_t *src);

/* Case-insensitive equality of two valid wire names. */
bool dns_name_equal(const uint8_t *a, const uint8_t *b);

/* True if name is equal to or below parent (case-insensitive). */
bool dns_name_is_sub(const uint8_t *name, const uint8_t *parent);

/*
 * Canonical DNS name order (RFC 4034 6.1): <0, 0 or >0. Case-insensitive.
 */
int dns_name_cmp(const uint8_t *a, const uint8_t *b);

/* 64-bit hash of an lname of length len (bytes as given; lowercase first). */
uint64_t dns_name_hash(const uint8_t *lname, size_t len);

/*
 * Presentation form to wire form. Accepts "example.com", "example.com." and
 * "." with \DDD and \X escapes; a name without the final dot is taken as
 * absolute. Returns the wire length (> 0) or DNS_ESYNTAX, DNS_ENAMELEN,
 * DNS_ELABELLEN, DNS_ESPACE (cap too small).
 */
int dns_name_from_str(const char *str, uint8_t *out, size_t cap);

/*
 * Wire form to presentation form with the trailing dot, escaping as RFC 1035
 * 5.1 does. Returns the string length or DNS_ESPACE. 1024 bytes always fit.
 */
int dns_name_to_str(const uint8_t *name, char *out, size_t cap);

#endif
