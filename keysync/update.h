/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * DNS UPDATE messages (RFC 2136): parsing an inbound UPDATE into its zone,
 * prerequisites and updates with the RFC's FORMERR/NOTZONE rules, the
 * multi-signer scope check (apex DNSKEY, CDS and CDNSKEY only), and a
 * builder for the UPDATEs sent to peers.
 *
 * Pure: no allocation (records live in the caller's array and point into
 * the message), no I/O; safe from any thread on the caller's own buffers.
 * ksync_update_parse uses 64 KiB of stack (RDATA checks): control thread only.
 * Authentication (TSIG, keysync/tsig.h) is checked by the caller first; the
 * parser walks the additional section only to check its structure.
 */
#ifndef SIGEDGE_KEYSYNC_UPDATE_H
#define SIGEDGE_KEYSYNC_UPDATE_H

#include <stddef.h>
#include <stdint.h>

#include "dns/name.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Prerequisite forms (RFC 2136 2.4). */
enum ksync_prereq_kind {
	KSYNC_PREREQ_RRSET_EXISTS,        /* 2.4.1 class ANY, type T, no RDATA */
	KSYNC_PREREQ_RRSET_EXISTS_VALUE,  /* 2.4.2 class of the zone, type T, RDATA: one RR of the set */
	KSYNC_PREREQ_RRSET_ABSENT,        /* 2.4.3 class NONE, type T, no RDATA */
	KSYNC_PREREQ_NAME_IN_USE,         /* 2.4.4 class ANY, type ANY */
	KSYNC_PREREQ_NAME_ABSENT,         /* 2.4.5 class NONE, type ANY */
};

/* Update forms (RFC 2136 2.5). */
enum ksync_update_op {
	KSYNC_UPDATE_ADD,                 /* 2.5.1 class of the zone, type T, TTL, RDATA */
	KSYNC_UPDATE_DELETE_RRSET,        /* 2.5.2 class ANY, type T, no RDATA */
	KSYNC_UPDATE_DELETE_NAME,         /* 2.5.3 class ANY, type ANY */
	KSYNC_UPDATE_DELETE_RR,           /* 2.5.4 class NONE, type T, RDATA of the RR */
};

/* One prerequisite or update RR. */
struct ksync_update_rr {
	unsigned kind;            /* enum ksync_prereq_kind or enum ksync_update_op */
	uint8_t owner[DNS_NAME_MAXLEN];   /* uncompressed wire form, case as sent */
	uint16_t type;
	uint16_t rclass;          /* as sent: the zone's class, ANY or NONE */
	uint32_t ttl;
	const uint8_t *rdata;     /* points into the message; NULL when rdlen is 0 */
	uint16_t rdlen;           /* names in RDATA may be compressed (dns_rdata_unpack);
				   * DNSKEY, CDS and CDNSKEY RDATA hold none */
};

struct ksync_update {
	uint16_t id;
	uint16_t flags;                   /* header flags word as received */
	uint8_t zone[DNS_NAME_MAXLEN];    /* zone name, wire form, case as sent */
	struct ksync_update_rr *prereq;   /* the first nprereq entries of the caller's array */
	size_t nprereq;
	struct ksync_update_rr *update;   /* the next nupdate entries */
	size_t nupdate;
	uint8_t rcode;                    /* reply rcode when parsing failed, else NOERROR */
};

/*
 * Parse the UPDATE msg[0..len) (opcode 5, QR clear) into u, using rrs[0..cap)
 * for the prerequisite and update RRs (u->prereq and u->update point into
 * rrs, and their rdata into msg: keep both alive while u is used).
 * Rules (RFC 2136 3.1-3.4): exactly one zone, of type SOA and class IN;
 * prerequisites with TTL 0 and one of the forms of 2.4; updates of the forms
 * of 2.5 (class ANY/NONE with TTL 0, no meta types added or deleted
 * singly); every owner at or below the zone; RDATA of known types checked
 * against its layout; the message ends exactly after the additional section.
 *
 * Returns 0 (u->rcode NOERROR), or a negative code with u->rcode the reply's
 * rcode: DNS_ETRUNC (shorter than a header: drop, nothing to answer),
 * DNS_EMALFORMED (FORMERR), -EINVAL (NOTIMP: not an UPDATE request),
 * -EPERM (NOTZONE: an owner outside the zone; NOTAUTH: zone class not IN),
 * DNS_ESPACE (REFUSED: more than cap RRs).
 */
int ksync_update_parse(const uint8_t *msg, size_t len, struct ksync_update_rr *rrs, size_t cap,
		       struct ksync_update *u);

/*
 * The multi-signer scope (MULTISIGNER.md 4a): every prerequisite and update
 * owner is the zone apex and every type is DNSKEY, CDS or CDNSKEY, in any of
 * the forms (so name-wide forms, type ANY, are out of scope).
 * Returns DNS_R_NOERROR or DNS_R_REFUSED.
 */
uint8_t ksync_update_scope(const struct ksync_update *u);

/*
 * The model-1 scope: that of ksync_update_scope, and RRSIGs at the apex
 * over DNSKEY, CDS or CDNSKEY (the zone owner's signed RRsets; an RRSIG
 * form without RDATA, a whole-RRset delete, covers them all).
 * Returns DNS_R_NOERROR or DNS_R_REFUSED.
 */
uint8_t ksync_update_scope_signed(const struct ksync_update *u);

/*
 * Builder for outbound UPDATEs: start, then prerequisites, then updates
 * (in that order), then sign with ksync_tsig_sign(b.buf, b.len, b.cap, ...).
 * Owners equal to the zone name are written as a pointer to it. Every call
 * either adds the RR or returns DNS_ESPACE and leaves the message unchanged.
 */
struct ksync_update_builder {
	uint8_t *buf;
	size_t cap;
	size_t len;
	unsigned section;         /* 0 prerequisites, 1 updates */
};

/* Header (ID id, opcode UPDATE) and zone section (zone, SOA, IN). Returns 0 or DNS_ESPACE. */
int ksync_update_build_start(struct ksync_update_builder *b, uint8_t *buf, size_t cap, uint16_t id,
			     const uint8_t *zone);

/*
 * Add a prerequisite of the given kind. rdata/rdlen only for
 * KSYNC_PREREQ_RRSET_EXISTS_VALUE; type is ignored for the name forms.
 * Returns 0, DNS_ESPACE, or -EINVAL (after an update, or rdata missing or
 * given where the form has none).
 */
int ksync_update_build_prereq(struct ksync_update_builder *b, enum ksync_prereq_kind kind,
			      const uint8_t *owner, uint16_t type, const uint8_t *rdata,
			      uint16_t rdlen);

/* 2.5.1: add an RR (class IN). Returns 0 or DNS_ESPACE. */
int ksync_update_build_add(struct ksync_update_builder *b, const uint8_t *owner, uint16_t type,
			   uint32_t ttl, const uint8_t *rdata, uint16_t rdlen);

/* 2.5.4: delete one RR (class NONE, TTL 0). Returns 0 or DNS_ESPACE. */
int ksync_update_build_delete_rr(struct ksync_update_builder *b, const uint8_t *owner,
				 uint16_t type, const uint8_t *rdata, uint16_t rdlen);

/* 2.5.2: delete an RRset (class ANY, TTL 0, no RDATA). Returns 0 or DNS_ESPACE. */
int ksync_update_build_delete_rrset(struct ksync_update_builder *b, const uint8_t *owner,
				    uint16_t type);

#ifdef __cplusplus
}
#endif

#endif
