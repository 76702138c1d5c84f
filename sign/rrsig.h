/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * RRSIG generation (RFC 4034 3, RFC 4035 2.2): canonical RRset form, the
 * signature validity window, per-thread signer contexts and a verifier.
 *
 * The signed data is the RRSIG RDATA without its signature followed by the
 * RRset in canonical form (RFC 4034 3.1.8.1, 6): owner lowercased (for a
 * wildcard expansion, "*." and the rightmost `labels` labels), class IN,
 * the original TTL, each RDATA in canonical form (dns_rdata_canonical), the
 * RRs in canonical order with duplicates dropped. It is built in a
 * caller-provided scratch buffer, so signing allocates no memory of its own.
 */
#ifndef SIGEDGE_SIGN_RRSIG_H
#define SIGEDGE_SIGN_RRSIG_H

#include <stddef.h>
#include <stdint.h>

#include "dns/zone.h"
#include "sign/key.h"

#ifdef __cplusplus
extern "C" {
#endif

/*
 * An RRset to sign or verify: a zone RRset, or one built at query time
 * (synthesized NSEC, a wildcard expansion). owner is a valid uncompressed
 * wire name of owner_len octets, in any case. rdata holds count RRs as
 * { u16 RDLENGTH (big endian), RDATA } with names uncompressed, rdlen
 * octets in all, in any order (the layout of struct dns_rrset). Class IN.
 *
 * To sign a wildcard RRset, give the wildcard's own name ("*.example.com"),
 * not the query name: the RRSIG labels field then leaves the "*" out (RFC
 * 4034 3.1.3) and the signature is the same for every expansion.
 */
struct sign_rrset_ref {
	const uint8_t *owner;
	size_t owner_len;
	uint16_t type;
	uint16_t count;
	uint32_t ttl;
	uint32_t rdlen;
	const uint8_t *rdata;
};

/* A reference to a zone RRset; the zone must outlive it. */
static inline struct sign_rrset_ref
sign_rrset_ref_of(const uint8_t *owner, size_t owner_len, const struct dns_rrset *rs)
{
	struct sign_rrset_ref r = { owner, owner_len, rs->type, rs->count, rs->ttl, rs->rdlen,
				    rs->rdata };
	return r;
}

/*
 * Scratch octets that signing or verifying rr needs in the worst case (RRs
 * out of canonical order). RRs already in canonical order, as zone RRsets
 * are, need less; a too small buffer gives DNS_ESPACE.
 */
size_t sign_rrsig_scratch_size(const struct sign_rrset_ref *rr);

/*
 * Signature validity policy. For a time `now` (seconds since the epoch,
 * modulo 2^32 as RRSIG fields are, RFC 4034 3.1.5):
 *   start      = now - now % bucket          (start of the current bucket)
 *   inception  = start - inception_offset
 *   expiration = start + lifetime
 * so every signature made within one bucket has the same validity fields
 * (the same signed data, hence cacheable), its inception is at least
 * inception_offset in the past (clock skew of validators), and at least
 * lifetime - bucket of validity remain when it is made.
 */
struct sign_validity {
	uint32_t inception_offset;
	uint32_t lifetime;
	uint32_t bucket;
};

/* 1 hour in the past, 7 days ahead, 1-hour buckets. */
#define SIGN_VALIDITY_DEFAULT { 3600, 7 * 86400, 3600 }

/*
 * 0 if the policy is usable: bucket >= 1, lifetime > bucket (a signature
 * always expires after now), inception_offset + lifetime < 2^31 (the RFC
 * 1982 serial window). Else -EINVAL.
 */
int sign_validity_check(const struct sign_validity *v);

/* The window for now under a policy that passed sign_validity_check. */
void sign_validity_window(const struct sign_validity *v, uint32_t now, uint32_t *inception,
			  uint32_t *expiration);

/*
 * A signer context: one key, one thread. It owns the OpenSSL contexts that
 * are set up once and reused for every signature (ECDSA and RSA: a prepared
 * EVP_PKEY_CTX signing a SHA-256 digest computed with a reused EVP_MD_CTX;
 * Ed25519: a reused EVP_MD_CTX for the one-shot EVP_DigestSign).
 *
 * Threading: sign_signer_new/free on any thread (the control thread or the
 * worker when it sees a new key table); sign_rrsig on one thread at a time.
 */
struct sign_signer;

/*
 * Returns 0, -EINVAL (key without private part), -ENOTSUP, -ENOMEM or -EIO.
 * The signer keeps its own reference to the key material.
 */
int sign_signer_new(const struct sign_key *key, struct sign_signer **out);
void sign_signer_free(struct sign_signer *s);

/* Length of the RRSIG RDATA sign_rrsig writes with this signer (fixed per key). */
size_t sign_signer_rrsig_len(const struct sign_signer *s);

/*
 * Sign data[0..len) as DNSSEC signs with the key's algorithm (SHA-256 with
 * ECDSA P-256 as r || s, RFC 6605; Ed25519, RFC 8080; RSA/SHA-256, RFC
 * 5702), writing sign_signer_sig_len(s) octets to sig: the signature of
 * an RRSIG, or of a SIG(0) (RFC 2931). Returns 0 or -EIO. Threading: as
 * sign_rrsig.
 */
size_t sign_signer_sig_len(const struct sign_signer *s);
int sign_signer_sign(struct sign_signer *s, const uint8_t *data, size_t len, uint8_t *sig);

/*
 * Verify sig (siglen octets, in the form sign_signer_sign writes) over
 * data[0..len) with key's public key. Returns 0, -EBADMSG (bad signature),
 * -ENOMEM or -EIO. Threading: any thread.
 */
int sign_key_verify(const struct sign_key *key, const uint8_t *data, size_t len, const uint8_t *sig,
		    size_t siglen);

/*
 * Sign rr and write the RRSIG RDATA (type covered, algorithm, labels,
 * original TTL = rr->ttl, expiration, inception, key tag, signer name =
 * the key owner lowercased, signature; RFC 4034 3.1) to out.
 * Returns its length, or DNS_ESPACE (out or scratch too small),
 * DNS_EMALFORMED (an RDATA does not match its type), -EIO (OpenSSL failed).
 */
int sign_rrsig(struct sign_signer *s, const struct sign_rrset_ref *rr, uint32_t inception,
	       uint32_t expiration, uint8_t *scratch, size_t scratch_cap, uint8_t *out,
	       size_t cap);

/*
 * Check an RRSIG RDATA over rr with key (public part suffices): the type
 * covered, algorithm, key tag and signer name must match rr and key, the
 * labels field must not exceed the owner's label count (a smaller value
 * means a wildcard expansion, RFC 4035 5.3.2), and the signature must
 * verify over the canonical form with the RRSIG's original TTL. Validity
 * times are not checked. For tests and diagnostics; allocates.
 * Returns 0, -EINVAL (a field does not match), -EBADMSG (bad signature),
 * DNS_EMALFORMED, DNS_ESPACE (scratch too small), -ENOMEM, -EIO.
 */
int sign_rrsig_verify(const struct sign_key *key, const struct sign_rrset_ref *rr,
		      const uint8_t *rrsig, size_t len, uint8_t *scratch, size_t scratch_cap);

#ifdef __cplusplus
}
#endif

#endif
