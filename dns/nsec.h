/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * NSEC records for online denial of existence: type bitmaps (RFC 4034
 * 4.1.2), compact answers (RFC 9824) and minimally covering NSEC records
 * (RFC 4470) built on the exact predecessor and successor of a name in
 * canonical order (RFC 4471 3.1, the "absolute method").
 *
 * Everything here is pure, allocates nothing and is safe from any thread;
 * the functions are meant to be called per query.
 *
 * Names are uncompressed wire names in canonical form (RFC 4034 6.2: ASCII
 * letters lowercased, as struct dns_name lwire and struct dns_node name
 * hold them). Outputs are in the same form and never contain an upper-case
 * letter. Every name passed with an apex_labels argument must be at or
 * below the zone apex; apex_labels is the apex's label count (its
 * struct dns_node labels field). No function returns a name above the apex.
 */
#ifndef SIGEDGE_DNS_NSEC_H
#define SIGEDGE_DNS_NSEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dns/name.h"

struct dns_node;

/* Largest type bitmap: 256 windows of 2 + 32 octets. */
#define DNS_NSEC_BITMAP_MAXLEN (256 * 34)

/*
 * Type bitmap of a list of type codes, in any order; duplicates count once.
 * Writes at most cap octets to out. Returns the bitmap length (0 for an
 * empty list) or DNS_ESPACE.
 */
int dns_nsec_bitmap(uint8_t *out, size_t cap, const uint16_t *types, size_t n);

/*
 * Type bitmap of the types at a zone node (its rrsets) plus n extra types
 * (e.g. RRSIG, NSEC, NXNAME), without an intermediate list. node may be NULL
 * (no types of its own, as at an empty non-terminal). Returns the length or
 * DNS_ESPACE.
 */
int dns_nsec_bitmap_node(uint8_t *out, size_t cap, const struct dns_node *node,
			 const uint16_t *extra, size_t n);

/*
 * True if the bitmap bm of len octets has the bit for type. A malformed
 * bitmap (window length 0 or over 32, windows out of order, data past len)
 * has no bits from the fault on.
 */
bool dns_nsec_bitmap_has(const uint8_t *bm, size_t len, uint16_t type);

/*
 * Immediate predecessor of name in canonical order within the zone (RFC 4471
 * 3.1.1): no valid name lies strictly between the result and name. For the
 * apex it wraps around to the greatest possible name of the zone (step 1).
 * The result is at or below the apex; out has room for DNS_NAME_MAXLEN
 * octets. Returns the result's length.
 */
size_t dns_nsec_pred(const uint8_t *name, unsigned apex_labels, uint8_t *out);

/*
 * Immediate successor of name in canonical order within the zone (RFC 4471
 * 3.1.2): "\000." prepended when the result fits in 255 octets, otherwise the
 * least name after name and all its descendants (dns_nsec_succ_tree, since a
 * name of 254 or 255 octets has no descendants). No valid name lies strictly
 * between name and the result, except that past the greatest name of the
 * zone it wraps around to the apex. out has room for DNS_NAME_MAXLEN octets.
 * Returns the result's length.
 */
size_t dns_nsec_succ(const uint8_t *name, unsigned apex_labels, uint8_t *out);

/*
 * Least name greater than name and than every name below it (RFC 4471 3.1.2
 * steps 2 to 4): a zero octet appended to the first label when that fits,
 * else the first label's last octet below 0xff incremented (upper-case
 * letters skipped) and the octets after it dropped, else the same one label
 * up; reaching the apex wraps around to the apex. This is the next name
 * RFC 9824 3.4 gives for an unsigned referral ("sub\000.example.com.").
 * out has room for DNS_NAME_MAXLEN octets. Returns the result's length.
 */
size_t dns_nsec_succ_tree(const uint8_t *name, unsigned apex_labels, uint8_t *out);

/* Owner and next name of one NSEC record. */
struct dns_nsec_span {
	uint8_t owner_len, next_len;
	uint8_t owner[DNS_NAME_MAXLEN];
	uint8_t next[DNS_NAME_MAXLEN];
};

/*
 * Minimally covering NSEC (RFC 4470 3) for a name that does not exist:
 * owner = dns_nsec_pred(name), next = dns_nsec_succ_tree(name), so the span
 * denies name and every name below it, and nothing else.
 *
 * For an NXDOMAIN proof (RFC 4035 3.1.3.2) pass the next closer name, the
 * ancestor of QNAME one label below the closest encloser, e.g.
 * q->lwire + q->lofs[q->labels - encloser->labels - 1]: then both names of
 * the span share exactly the closest encloser with QNAME, which is how
 * validators find it (the next name is never below the denied name, which
 * validators would read as an empty non-terminal). Pair it with
 * dns_nsec_cover_wildcard for that encloser.
 *
 * The owner is the closest encloser itself when the denied label is "\000",
 * and may in contrived zones be another existing name: the caller looks the
 * owner up and, when it exists, gives its node to dns_nsec_rdata so the
 * bitmap tells that node's real types.
 */
void dns_nsec_cover(const uint8_t *name, unsigned apex_labels, struct dns_nsec_span *out);

/*
 * The same for the wildcard "*.<encloser>" (the proof that no wildcard could
 * have matched). Returns 0, or DNS_ENAMELEN when encloser is longer than 253
 * octets, so that no wildcard can exist below it and none needs denying.
 */
int dns_nsec_cover_wildcard(const uint8_t *encloser, unsigned apex_labels,
			    struct dns_nsec_span *out);

/*
 * True if an NSEC with this owner and next name covers name: owner < name <
 * next in canonical order (RFC 4034 6.1), or, for the last NSEC of a zone
 * whose next name is the apex (next <= owner), owner < name and name below
 * next. Case-insensitive; names need not be lowercased.
 */
bool dns_nsec_covers(const uint8_t *owner, const uint8_t *next, const uint8_t *name);

/*
 * NSEC RDATA: the next name (uncompressed) followed by the bitmap of node's
 * types (node may be NULL) plus n extra types. Returns the RDATA length or
 * DNS_ESPACE.
 */
int dns_nsec_rdata(uint8_t *out, size_t cap, const uint8_t *next, const struct dns_node *node,
		   const uint16_t *extra, size_t n);

/* The three shapes of compact answer (RFC 9824 3). */
enum dns_nsec_compact {
	/*
	 * QNAME does not exist, answered NOERROR (3.1): bitmap RRSIG NSEC
	 * NXNAME; node unused.
	 */
	DNS_NSEC_NXNAME,
	/*
	 * QNAME exists without the queried type (3.2): bitmap = node's types +
	 * RRSIG + NSEC. An empty non-terminal (node without RRsets, or NULL)
	 * gives RRSIG NSEC only; for a wildcard NODATA (3.3) node is the
	 * wildcard node and qname the query name.
	 */
	DNS_NSEC_NODATA,
	/*
	 * Unsigned referral or DS NODATA at a zone cut (3.4): owner = the cut,
	 * next = dns_nsec_succ_tree (never below the cut), bitmap NS, DS if
	 * the cut has one, RRSIG, NSEC; node is the cut.
	 */
	DNS_NSEC_DELEG,
};

/*
 * RDATA of the compact-answer NSEC owned by qname (RFC 9824): next name =
 * dns_nsec_succ(qname) ("\000." prepended; past 253 octets RFC 4471 3.1.2
 * gives the next name, as the RFCs leave it to the exact successor), or
 * dns_nsec_succ_tree for DNS_NSEC_DELEG. Returns the RDATA length or
 * DNS_ESPACE.
 */
int dns_nsec_compact(uint8_t *out, size_t cap, enum dns_nsec_compact kind, const uint8_t *qname,
		     unsigned apex_labels, const struct dns_node *node);

#endif
