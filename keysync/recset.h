/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A multi-signer record set: the apex DNSKEY, CDS and CDNSKEY records (and,
 * for model 1, the RRSIGs over them) that a zone holds besides its own
 * keys, each remembering which peers contributed it (MULTISIGNER.md 4).
 *
 * A record is identified by (type, RDATA), compared octet for octet (these
 * types hold no names). Each record carries a set of origins: bit i of
 * origins is peer i of the zone (the zone's configured peers, in order; at
 * most KSYNC_ORIGIN_MAX). A record stays in the set while any origin claims
 * it; a peer can withdraw only its own claim.
 *
 * The text form (for the store file and sigedgectl) is one record per line:
 *   ORIGINS OWNER TTL IN TYPE RDATA
 * ORIGINS is a comma-separated list of peer names (no spaces or commas in
 * a name), the rest is the record in zone-file presentation form, as ldns
 * reads and writes it. Lines starting with ';' and empty lines are ignored.
 *
 * Records are kept in canonical order: by type, then by RDATA as unsigned
 * octet strings (shorter first when one is a prefix of the other), so two
 * sets with the same content have the same text form.
 *
 * Threading: a set belongs to one thread (the control thread); no locks.
 */
#ifndef SIGEDGE_KEYSYNC_RECSET_H
#define SIGEDGE_KEYSYNC_RECSET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dns/name.h"

#ifdef __cplusplus
extern "C" {
#endif

#define KSYNC_ORIGIN_MAX 64

struct ksync_rec {
	uint16_t type;            /* DNS_T_DNSKEY, _CDS, _CDNSKEY or _RRSIG */
	uint16_t rdlen;
	uint32_t ttl;
	uint64_t origins;         /* bit i: peer i claims the record; never 0 in a set */
	uint8_t *rdata;           /* owned */
};

struct ksync_recset {
	struct ksync_rec *v;      /* canonical order */
	size_t n, cap;
};

/* An empty set (all zero is one too). */
void ksync_recset_init(struct ksync_recset *s);

/* Free every record and empty s. */
void ksync_recset_free(struct ksync_recset *s);

/* Make out (initialised or freed) a deep copy of s. Returns 0 or -ENOMEM. */
int ksync_recset_dup(const struct ksync_recset *s, struct ksync_recset *out);

/* Whether a and b hold the same records with the same TTLs and origins. */
bool ksync_recset_equal(const struct ksync_recset *a, const struct ksync_recset *b);

/* Index of the record (type, rdata) in s, or -1. */
long ksync_recset_find(const struct ksync_recset *s, uint16_t type, const uint8_t *rdata,
		       uint16_t rdlen);

/*
 * Add origin bit `origin` (0..KSYNC_ORIGIN_MAX-1) to the record (type,
 * rdata), inserting it (with ttl) when absent; an existing record takes
 * the new ttl. Returns 1 when s changed, 0 when the origin already claimed
 * it with that ttl, -EINVAL for origin out of range or rdlen 0, -ENOMEM.
 */
int ksync_recset_add(struct ksync_recset *s, uint16_t type, uint32_t ttl, const uint8_t *rdata,
		     uint16_t rdlen, unsigned origin);

/*
 * Withdraw origin's claim on (type, rdata); the record goes when no claim
 * is left. Returns 1 when s changed, 0 when the record is absent (nothing
 * to do, as RFC 2136 deletes of absent records), -EPERM when the record is
 * present but origin does not claim it (s unchanged).
 */
int ksync_recset_del(struct ksync_recset *s, uint16_t type, const uint8_t *rdata, uint16_t rdlen,
		     unsigned origin);

/*
 * Withdraw origin's claim on every record of type that keep() rejects
 * (keep(arg, rdata, rdlen) true: the claim stays). Returns the number of
 * claims withdrawn.
 */
size_t ksync_recset_withdraw(struct ksync_recset *s, unsigned origin, uint16_t type,
			     bool (*keep)(void *arg, const uint8_t *rdata, uint16_t rdlen),
			     void *arg);

/* Withdraw every claim of origin, of any type. Returns the number withdrawn. */
size_t ksync_recset_drop_origin(struct ksync_recset *s, unsigned origin);

/*
 * Write s as text (format above) into a malloc'd, NUL-terminated string
 * *out. owner is the zone apex (wire form); names[i] is peer i's name
 * (npeers of them, NULL for a bit that names no peer; every origin bit of
 * s must have a name). names NULL: the records alone, in zone-file form,
 * without the origins. Returns the length, -EINVAL (an origin without a
 * name or with one the text form cannot hold, RDATA that does not parse as
 * its type), -ENOMEM.
 */
long ksync_recset_format(const struct ksync_recset *s, const uint8_t *owner,
			 const char *const *names, size_t npeers, char **out);

/*
 * Parse text (len octets, need not be NUL-terminated) into out (initialised
 * or freed; replaced on success, unchanged on error). Every owner must equal
 * owner (case-insensitively), class IN, type DNSKEY, CDS, CDNSKEY or RRSIG.
 * An origin name not among the non-NULL names[0..npeers) is not an error: its claims are
 * dropped (a peer removed from the configuration), and *unknown (if not
 * NULL) counts them; a record left with no origin is dropped.
 * Returns 0, or DNS_ESYNTAX with "LINE: reason" in err (a line that does
 * not parse, a wrong owner, class or type, an empty origin list), -ENOMEM.
 */
int ksync_recset_parse(const char *text, size_t len, const uint8_t *owner,
		       const char *const *names, size_t npeers, struct ksync_recset *out,
		       size_t *unknown, char *err, size_t errlen);

#ifdef __cplusplus
}
#endif

#endif
