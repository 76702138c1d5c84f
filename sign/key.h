/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * DNSSEC keys: algorithm, flags, public key in DNSKEY wire form, key tag,
 * owner name, timing metadata and the OpenSSL key (private part optional).
 *
 * Supported algorithms: 8 RSASHA256 (RFC 5702), 13 ECDSAP256SHA256 (RFC
 * 6605) and 15 ED25519 (RFC 8080). Keys with another algorithm are refused
 * with -ENOTSUP.
 *
 * Ownership and threading: a key is built and changed (set_flags,
 * set_timing) on one thread, the control thread; once shared it is only
 * read, and reads are safe from any thread. sign_signer_new (sign/rrsig.h)
 * takes its own reference to the OpenSSL key, so a key may be freed while
 * signers made from it are still in use.
 */
#ifndef SIGEDGE_SIGN_KEY_H
#define SIGEDGE_SIGN_KEY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

enum sign_alg {
	SIGN_ALG_RSASHA256 = 8,
	SIGN_ALG_ECDSAP256SHA256 = 13,
	SIGN_ALG_ED25519 = 15,
};

/* DNSKEY flags (RFC 4034 2.1.1, RFC 5011 7). */
#define SIGN_FLAG_ZONE   0x0100 /* zone key: required for keys that sign zone data */
#define SIGN_FLAG_REVOKE 0x0080 /* revoked (RFC 5011); changes the key tag */
#define SIGN_FLAG_SEP    0x0001 /* secure entry point: a KSK */
#define SIGN_FLAGS_ZSK   SIGN_FLAG_ZONE
#define SIGN_FLAGS_KSK   (SIGN_FLAG_ZONE | SIGN_FLAG_SEP)

#define SIGN_DNSKEY_PROTOCOL 3

/* Longest DNSKEY RDATA of a supported key: 4 + RSA 4096-bit key with a 3-octet exponent. */
#define SIGN_DNSKEY_MAXLEN (4 + 3 + 3 + 512)

/*
 * Timing metadata of the BIND key-file format, as seconds since the Unix
 * epoch (UTC); 0 means "not set". What they mean at a given time is decided
 * by sign_key_state (sign/keystate.h).
 */
struct sign_key_timing {
	int64_t created;
	int64_t publish;
	int64_t activate;
	int64_t revoke;
	int64_t inactive;
	int64_t remove;       /* BIND "Delete" */
	int64_t sync_publish; /* CDS/CDNSKEY publication (BIND "SyncPublish") */
	int64_t sync_remove;  /* CDS/CDNSKEY removal (BIND "SyncDelete") */
};

struct sign_key;

/*
 * Generate a new key pair: RSASHA256 keys are 2048 bits with exponent
 * 65537. zone is the owner name in wire form (copied); flags must include
 * SIGN_FLAG_ZONE. The timing metadata is all unset.
 * Returns 0, -EINVAL (bad flags or zone), -ENOTSUP (algorithm), -ENOMEM or
 * -EIO (OpenSSL failed).
 */
int sign_key_generate(uint8_t alg, uint16_t flags, const uint8_t *zone, struct sign_key **out);

/*
 * A public-only key from DNSKEY RDATA (e.g. a key imported from another
 * signer). owner is the owner name in wire form; both are copied.
 * Returns 0, DNS_EMALFORMED (RDATA too short, protocol not 3, public key
 * of the wrong size or not a valid key), -ENOTSUP (algorithm) or -ENOMEM.
 */
int sign_key_from_dnskey(const uint8_t *owner, const uint8_t *rdata, size_t rdlen,
			 struct sign_key **out);

/*
 * A copy of k (same OpenSSL key, one more reference to it; flags, timing
 * and the other lines of its private file copied) that can be changed
 * without touching k, e.g. while k is in a published key table.
 * Returns 0 or -ENOMEM.
 */
int sign_key_dup(const struct sign_key *k, struct sign_key **out);

void sign_key_free(struct sign_key *k);

/* Accessors. */
uint8_t sign_key_alg(const struct sign_key *k);
uint16_t sign_key_flags(const struct sign_key *k);
uint16_t sign_key_tag(const struct sign_key *k);
const uint8_t *sign_key_owner(const struct sign_key *k); /* wire form, case as loaded */
bool sign_key_has_private(const struct sign_key *k);
const struct sign_key_timing *sign_key_timing(const struct sign_key *k);

/*
 * The DNSKEY RDATA (flags, protocol, algorithm, public key); it is also the
 * CDNSKEY RDATA (RFC 7344 3.2). Valid while the key lives.
 */
const uint8_t *sign_key_dnskey(const struct sign_key *k, size_t *len);

/*
 * Change the flags, e.g. set SIGN_FLAG_REVOKE; the DNSKEY RDATA and the key
 * tag follow. SIGN_FLAG_ZONE must stay set. Returns 0 or -EINVAL.
 */
int sign_key_set_flags(struct sign_key *k, uint16_t flags);

void sign_key_set_timing(struct sign_key *k, const struct sign_key_timing *t);

/* Mnemonic of an algorithm number ("ECDSAP256SHA256"), or NULL if not supported. */
const char *sign_alg_name(uint8_t alg);

/* Key tag of DNSKEY RDATA (RFC 4034 appendix B; algorithm 1 is not supported). */
uint16_t sign_keytag(const uint8_t *rdata, size_t len);

#ifdef __cplusplus
}
#endif

#endif
