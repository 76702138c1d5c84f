/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * DS and CDS RDATA (RFC 4034 5, RFC 7344 3.1) of a DNSKEY: key tag,
 * algorithm, digest type and digest = H(owner in canonical form | DNSKEY
 * RDATA). Digest types 2 (SHA-256, RFC 4509) and 4 (SHA-384, RFC 6605).
 * CDNSKEY RDATA is the DNSKEY RDATA itself (sign_key_dnskey).
 * Pure functions, safe from any thread.
 */
#ifndef SIGEDGE_SIGN_DS_H
#define SIGEDGE_SIGN_DS_H

#include <stddef.h>
#include <stdint.h>

#include "sign/key.h"

#ifdef __cplusplus
extern "C" {
#endif

enum sign_digest {
	SIGN_DIGEST_SHA256 = 2,
	SIGN_DIGEST_SHA384 = 4,
};

/* Longest DS RDATA: 4 + a SHA-384 digest. */
#define SIGN_DS_MAXLEN (4 + 48)

/*
 * DS RDATA for DNSKEY RDATA dnskey/len owned by owner (wire form, any
 * case). Returns its length, or DNS_EMALFORMED (RDATA shorter than 4),
 * -ENOTSUP (digest type), DNS_ESPACE, -EIO.
 */
int sign_ds_rdata(const uint8_t *owner, const uint8_t *dnskey, size_t len, uint8_t digest_type,
		  uint8_t *out, size_t cap);

/* The same for a key. */
int sign_key_ds(const struct sign_key *k, uint8_t digest_type, uint8_t *out, size_t cap);

#ifdef __cplusplus
}
#endif

#endif
