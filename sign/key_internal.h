/* SPDX-License-Identifier: BSD-3-Clause */
/* Internals of sign/key.c shared with the other sign/ modules. */
#ifndef SIGEDGE_SIGN_KEY_INTERNAL_H
#define SIGEDGE_SIGN_KEY_INTERNAL_H

#include <openssl/evp.h>

#include "dns/name.h"
#include "sign/key.h"

/* RSA modulus sizes accepted when loading (RFC 3110 allows 512..4096 bits). */
#define SIGN_RSA_MIN_BITS 512
#define SIGN_RSA_MAX_BITS 4096
#define SIGN_RSA_GEN_BITS 2048

#define SIGN_ECDSA_PUBLEN 64   /* x || y (RFC 6605 4) */
#define SIGN_ECDSA_PRIVLEN 32
#define SIGN_ED25519_LEN 32    /* public key and private seed (RFC 8080 3) */

struct sign_key {
	EVP_PKEY *pkey;
	bool has_private;
	uint8_t alg;
	uint16_t flags;
	uint16_t tag;
	uint16_t dnskey_len;
	uint8_t owner[DNS_NAME_MAXLEN];
	uint8_t dnskey[SIGN_DNSKEY_MAXLEN];
	struct sign_key_timing timing;
	char *extra; /* lines of the private file this module does not interpret, or NULL */
};

/*
 * New key around pkey, which it takes over (freed on error too). pub/publen
 * is the public key in DNSKEY wire form; owner a valid wire name.
 * Returns 0, -EINVAL (flags without SIGN_FLAG_ZONE), -ENOMEM.
 */
int sign_key_new(uint8_t alg, uint16_t flags, const uint8_t *owner, const uint8_t *pub,
		 size_t publen, EVP_PKEY *pkey, bool has_private, struct sign_key **out);

/*
 * Public key in DNSKEY wire form (RFC 3110 / 6605 / 8080) of pkey.
 * Returns 0, DNS_ESPACE or -EIO.
 */
int sign_pkey_to_pub(uint8_t alg, EVP_PKEY *pkey, uint8_t *out, size_t cap, size_t *len);

/*
 * Public-only EVP_PKEY from the DNSKEY wire form of its public key.
 * Returns 0, DNS_EMALFORMED (bad length or not a valid key), -ENOTSUP, -ENOMEM.
 */
int sign_pub_to_pkey(uint8_t alg, const uint8_t *pub, size_t len, EVP_PKEY **out);

#endif
