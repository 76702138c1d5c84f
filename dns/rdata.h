/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * RR types, classes and RDATA codecs. Each known type has a descriptor that
 * lists its fields, so the same table drives name compression on output,
 * decompression on input, canonical form (RFC 4034 6.2) and presentation.
 * Unknown types are opaque (RFC 3597).
 */
#ifndef SIGEDGE_DNS_RDATA_H
#define SIGEDGE_DNS_RDATA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum dns_type {
	DNS_T_A = 1, DNS_T_NS = 2, DNS_T_CNAME = 5, DNS_T_SOA = 6, DNS_T_PTR = 12,
	DNS_T_HINFO = 13, DNS_T_MX = 15, DNS_T_TXT = 16, DNS_T_RP = 17, DNS_T_AFSDB = 18,
	DNS_T_SIG = 24, DNS_T_KEY = 25, DNS_T_AAAA = 28, DNS_T_LOC = 29, DNS_T_SRV = 33,
	DNS_T_NAPTR = 35, DNS_T_KX = 36, DNS_T_CERT = 37, DNS_T_DNAME = 39, DNS_T_OPT = 41,
	DNS_T_DS = 43, DNS_T_SSHFP = 44, DNS_T_RRSIG = 46, DNS_T_NSEC = 47, DNS_T_DNSKEY = 48,
	DNS_T_NSEC3 = 50, DNS_T_NSEC3PARAM = 51, DNS_T_TLSA = 52, DNS_T_CDS = 59,
	DNS_T_CDNSKEY = 60, DNS_T_SVCB = 64, DNS_T_HTTPS = 65, DNS_T_NXNAME = 128,
	DNS_T_TKEY = 249, DNS_T_TSIG = 250, DNS_T_IXFR = 251, DNS_T_AXFR = 252,
	DNS_T_MAILB = 253, DNS_T_MAILA = 254, DNS_T_ANY = 255, DNS_T_URI = 256,
	DNS_T_CAA = 257,
};

enum dns_class {
	DNS_C_IN = 1, DNS_C_CH = 3, DNS_C_HS = 4, DNS_C_NONE = 254, DNS_C_ANY = 255,
};

/* Field kinds of an RDATA descriptor. */
enum dns_field {
	DNS_F_END = 0,
	DNS_F_CNAME,  /* domain name, compressible and lowercased in canonical form */
	DNS_F_NAME,   /* domain name, not compressible, lowercased in canonical form
		       * (RRSIG signer included, RFC 4034 6.2) */
	DNS_F_LNAME,  /* domain name, neither compressed nor lowercased (NSEC next
		       * name since RFC 6840 5.1, SVCB target) */
	DNS_F_FIX1, DNS_F_FIX2, DNS_F_FIX4, DNS_F_FIX6, DNS_F_FIX16, /* fixed-size octets */
	DNS_F_REST,   /* everything up to the end of RDATA */
	DNS_F_STR,    /* one <length octet, octets> character-string (RFC 1035 3.3) */
	DNS_F_STRS,   /* one or more character-strings up to the end of RDATA */
};

/*
 * Up to 8 fields; DNS_F_END terminates. NULL for unknown types and for A6,
 * whose layout depends on its data (RFC 2874).
 */
const uint8_t *dns_rdata_fields(uint16_t type);

/* Mnemonic ("A", "DNSKEY") or NULL if unknown. */
const char *dns_type_name(uint16_t type);

/* Parse "A", "dnskey" or "TYPE65282"; returns the code or DNS_ESYNTAX. */
int dns_type_from_str(const char *str);

/* True for meta and question-only types (OPT, TSIG, TKEY, IXFR, AXFR, MAILA, MAILB, ANY). */
bool dns_type_is_meta(uint16_t type);

/*
 * Copy one RDATA from a message, expanding compressed names, and check that
 * it matches its descriptor. msg/msglen is the whole message (pointers are
 * relative to it), rdata starts at msg + pos and is rdlen long. Writes at
 * most cap bytes to out and the length to *outlen.
 * Returns 0, DNS_EMALFORMED, DNS_ECOMPRESS, DNS_ESPACE.
 */
int dns_rdata_unpack(uint16_t type, const uint8_t *msg, size_t msglen, size_t pos,
		     uint16_t rdlen, uint8_t *out, size_t cap, size_t *outlen);

/*
 * Canonical form of one uncompressed RDATA (RFC 4034 6.2 as amended by RFC
 * 6840 5.1): names of the listed types are lowercased. Writes to out (which
 * may equal rdata); returns the length, or DNS_EMALFORMED.
 */
int dns_rdata_canonical(uint16_t type, const uint8_t *rdata, size_t rdlen, uint8_t *out);

/*
 * Canonical RDATA order for RRset sorting (RFC 4034 6.3): compares the
 * canonical forms as left-justified unsigned octet sequences.
 */
int dns_rdata_cmp(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen);

#endif
