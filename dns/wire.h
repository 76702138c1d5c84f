/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * DNS messages: header fields, query parsing with EDNS0 (RFC 6891), and a
 * reply builder with name compression. Pure; no allocation; the builder
 * writes only into the caller's buffer.
 */
#ifndef SIGEDGE_DNS_WIRE_H
#define SIGEDGE_DNS_WIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dns/name.h"

#define DNS_HDR_LEN 12
#define DNS_UDP_MIN 512          /* RFC 1035 limit without EDNS */
#define DNS_EDNS_MAX 4096        /* largest buffer size we advertise or honour */
#define DNS_MSG_MAX 65535

/* Header flag bits in the 16-bit flags word (host order). */
#define DNS_QR 0x8000
#define DNS_AA 0x0400
#define DNS_TC 0x0200
#define DNS_RD 0x0100
#define DNS_RA 0x0080
#define DNS_AD 0x0020
#define DNS_CD 0x0010
#define DNS_OPCODE(flags) (((flags) >> 11) & 0xf)
#define DNS_RCODE(flags) ((flags) & 0xf)

enum dns_opcode { DNS_OP_QUERY = 0, DNS_OP_IQUERY = 1, DNS_OP_STATUS = 2, DNS_OP_NOTIFY = 4, DNS_OP_UPDATE = 5 };

enum dns_rcode {
	DNS_R_NOERROR = 0, DNS_R_FORMERR = 1, DNS_R_SERVFAIL = 2, DNS_R_NXDOMAIN = 3,
	DNS_R_NOTIMP = 4, DNS_R_REFUSED = 5, DNS_R_YXDOMAIN = 6, DNS_R_YXRRSET = 7,
	DNS_R_NXRRSET = 8, DNS_R_NOTAUTH = 9, DNS_R_NOTZONE = 10,
	DNS_R_BADVERS = 16, /* extended rcode, needs OPT */
};

/* The mnemonic of an rcode ("NOERROR", "REFUSED", ...), or "RCODEn" for others. */
const char *dns_rcode_name(unsigned rcode);

/* EDNS0 flag in the OPT TTL field. */
#define DNS_EDNS_DO 0x8000

/* Big-endian helpers used everywhere wire data is touched. */
static inline uint16_t dns_get16(const uint8_t *p) { return (uint16_t)(p[0] << 8 | p[1]); }
static inline uint32_t dns_get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}
static inline void dns_put16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)(v >> 8); p[1] = (uint8_t)v; }
static inline void dns_put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24); p[1] = (uint8_t)(v >> 16); p[2] = (uint8_t)(v >> 8); p[3] = (uint8_t)v;
}

/* What dns_query_parse learned; everything a reply needs to echo. */
struct dns_query {
	uint16_t id;
	uint16_t flags;          /* header flags word as received */
	uint16_t qdcount, ancount, nscount, arcount;
	struct dns_name qname;   /* valid when qdcount == 1 */
	uint16_t qtype, qclass;
	size_t question_end;     /* offset just past the question section */
	/* EDNS (RFC 6891) */
	bool edns;               /* an OPT RR was present */
	bool edns_bad;           /* OPT malformed, misplaced or repeated: FORMERR */
	uint8_t edns_version;
	uint16_t edns_udp;       /* requestor's payload size as sent */
	uint16_t edns_flags;     /* DO etc. */
	uint8_t edns_ext_rcode;
};

/*
 * Parse the header, the question and (when present) the OPT record of a
 * query. It walks the answer, authority and additional sections only as far
 * as needed to find OPT and to check that the message is well formed.
 * Returns 0 when the message is well formed enough to answer (the caller
 * still checks opcode, qdcount, class and edns_bad), DNS_ETRUNC for a message
 * shorter than a header (nothing can be echoed: drop), or another negative
 * code for a malformed message whose header is valid (answer FORMERR).
 */
int dns_query_parse(const uint8_t *msg, size_t len, struct dns_query *q);

/* One resource record of a message, as dns_msg_read_rr reads it. */
struct dns_msg_rr {
	uint8_t owner[DNS_NAME_MAXLEN];  /* uncompressed wire form, case as sent */
	uint16_t type, rclass;
	uint32_t ttl;
	uint16_t rdlen;
	size_t rdata;                    /* offset of the RDATA in the message */
};

/*
 * Read the RR at *pos of msg[0..len) (its owner possibly compressed, its
 * RDATA within the message, not otherwise checked) into rr and move *pos
 * past it. Returns 0 or DNS_EMALFORMED.
 */
int dns_msg_read_rr(const uint8_t *msg, size_t len, size_t *pos, struct dns_msg_rr *rr);

/*
 * Find a message's transaction signature (TSIG, RFC 8945 5.1; SIG(0), RFC
 * 2931 3.1): the RR of type type that must be the last RR of the
 * additional section. Every RR is walked, and the message must end right
 * after the last. With anywhere, an RR of that type elsewhere (another
 * section, or not last) makes the message malformed; without it, only the
 * additional section counts. *pos is the RR's offset, or 0 when there is
 * none. Returns 0 or DNS_EMALFORMED.
 */
int dns_msg_find_last_rr(const uint8_t *msg, size_t len, uint16_t type, bool anywhere,
			 size_t *pos);

/* Compression table size: names written to the message that later names may point to. */
#define DNS_COMP_MAX 32

/*
 * Reply builder. Sections are written in order (answer, authority,
 * additional); counts are patched into the header as records are added.
 * Every write either fits completely or leaves the message unchanged and
 * returns DNS_ESPACE, so the caller can decide to truncate.
 */
struct dns_builder {
	uint8_t *buf;
	size_t cap;              /* hard limit for this reply (UDP size or buffer size) */
	size_t len;
	unsigned section;        /* enum dns_section currently being written */
	unsigned ncomp;
	struct {                 /* suffixes already in the message, for compression */
		uint16_t ofs;        /* offset of the suffix in buf */
		uint8_t len;         /* its uncompressed length */
	} comp[DNS_COMP_MAX];
};

enum dns_section { DNS_SEC_ANSWER = 0, DNS_SEC_AUTHORITY = 1, DNS_SEC_ADDITIONAL = 2 };

/*
 * Start a reply to q in buf: header (id, opcode, RD and CD copied, QR set,
 * rcode) and the question as parsed into q (the query name's case is
 * preserved and it is the first compression target). cap is the size limit
 * for this reply. Returns 0 or DNS_ESPACE.
 */
int dns_builder_init(struct dns_builder *b, uint8_t *buf, size_t cap, const struct dns_query *q);

/* Set and read header flags and the rcode of the reply being built. */
void dns_builder_set_flags(struct dns_builder *b, uint16_t set_mask);
void dns_builder_set_rcode(struct dns_builder *b, uint8_t rcode);

/* Move to a later section (never back). */
void dns_builder_section(struct dns_builder *b, enum dns_section sec);

/*
 * Append one RR. owner is an uncompressed wire name; owner == NULL means
 * "the query name" (written as a pointer to offset 12, preserving the
 * query's case). rdata is uncompressed wire RDATA; names in it are
 * compressed when the type allows it (RFC 3597 section 4).
 * Returns 0 or DNS_ESPACE (nothing written).
 */
int dns_builder_put_rr(struct dns_builder *b, const uint8_t *owner, uint16_t type,
		       uint16_t rclass, uint32_t ttl, const uint8_t *rdata, uint16_t rdlen);

/*
 * Append the OPT RR (always fits if the caller reserved DNS_OPT_LEN bytes
 * by building with cap - DNS_OPT_LEN first, see dns_builder_reserve).
 * ext_rcode is the upper 8 bits of a 12-bit rcode (BADVERS = 1).
 */
#define DNS_OPT_LEN 11
int dns_builder_put_opt(struct dns_builder *b, uint16_t udp_size, uint8_t ext_rcode, uint16_t flags);

/* Shrink or grow the usable capacity (e.g. to keep room for OPT). */
void dns_builder_reserve(struct dns_builder *b, size_t bytes);
void dns_builder_unreserve(struct dns_builder *b, size_t bytes);

/* Drop every RR after the question, keeping header flags (used for TC). */
void dns_builder_truncate(struct dns_builder *b);

/*
 * A point in the reply to come back to, e.g. to keep an RRset whole: mark,
 * add RRs, and roll back to the mark when one of them does not fit.
 * Rolling back drops every RR added since the mark (within the sections
 * being written) and restores the counts and the compression table.
 */
struct dns_builder_mark {
	size_t len;
	unsigned ncomp;
	uint8_t counts[6];       /* ANCOUNT, NSCOUNT, ARCOUNT as in the header */
};

void dns_builder_mark(const struct dns_builder *b, struct dns_builder_mark *m);
void dns_builder_rollback(struct dns_builder *b, const struct dns_builder_mark *m);

/*
 * Write a minimal error reply (header + question if it parsed, no RRs) to buf
 * for a query whose header is at least readable. Used for FORMERR/NOTIMP/
 * REFUSED when dns_query_parse failed or the query is rejected early.
 * with_question: copy the question section (only if it parsed).
 * Returns the reply length or DNS_ESPACE.
 */
int dns_reply_error(uint8_t *buf, size_t cap, const struct dns_query *q, bool with_question,
		    uint8_t rcode);

#endif
