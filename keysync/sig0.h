/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * SIG(0) (RFC 2931): signing a DNS message in place with a public-key
 * transaction signature and verifying one, for algorithms 13
 * (ECDSAP256SHA256) and 15 (ED25519). Keys are struct sign_key
 * (sign/key.h): loaded from BIND-format files (sign/keyfile.h) or made
 * from DNSKEY/KEY RDATA (sign_key_from_dnskey) for a peer's public key.
 *
 * The SIG(0) RR: owner root, type SIG (24), class ANY, TTL 0; RDATA type
 * covered 0, algorithm, labels 0, original TTL 0, expiration, inception,
 * key tag, signer name (the key's owner, uncompressed), signature. The
 * signature covers the RDATA without the signature, then (in a response)
 * the whole request as received, then the message as it was before the
 * SIG was added (ARCOUNT one less).
 *
 * Pure: no I/O, no clock (the caller gives the time), no global state.
 * Each call works on the caller's buffers; keys are only read, so they may
 * be shared between threads. Signing and verifying allocate OpenSSL
 * contexts: control thread use, not for a hot path.
 */
#ifndef SIGEDGE_KEYSYNC_SIG0_H
#define SIGEDGE_KEYSYNC_SIG0_H

#include <stddef.h>
#include <stdint.h>

#include "dns/name.h"
#include "sign/key.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Why verification failed (the meanings and values of RFC 8945's TSIG errors). */
enum ksync_sig0_error {
	KSYNC_SIG0_NOERROR = 0,
	KSYNC_SIG0_BADSIG = 16,   /* the signature does not verify */
	KSYNC_SIG0_BADKEY = 17,   /* no key with this signer, algorithm and key tag */
	KSYNC_SIG0_BADTIME = 18,  /* now is outside inception..expiration (with the allowance) */
};

#define KSYNC_SIG0_WINDOW 300     /* signing: inception = now - 300, expiration = now + 300 */
#define KSYNC_SIG0_ALLOWANCE 60   /* verifying: clock difference tolerated past either end */
#define KSYNC_SIG0_SIG_MAX 64     /* ECDSA P-256 r || s and Ed25519 signatures */

/*
 * Sign msg[0..len) in place: append a SIG(0) RR made with key (which must
 * have its private part; algorithm 13 or 15), inception now - WINDOW,
 * expiration now + WINDOW (32-bit serial time, RFC 1982), signer = the
 * key's owner lowercased, and add one to ARCOUNT. For a response, request
 * is the request message exactly as received (with its own SIG(0), if it
 * had one); NULL/0 for a request. cap is the buffer size; on success
 * *outlen is the new length.
 * Returns 0, DNS_EMALFORMED (no header, ARCOUNT 65535), DNS_ESPACE (the
 * message is unchanged), -EINVAL (key without private part), -ENOTSUP
 * (algorithm other than 13 and 15), -EIO or -ENOMEM (OpenSSL failure).
 */
int ksync_sig0_sign(uint8_t *msg, size_t len, size_t cap, const struct sign_key *key,
		    uint64_t now, const uint8_t *request, size_t request_len, size_t *outlen);

/* What ksync_sig0_verify found. */
struct ksync_sig0_result {
	uint8_t rcode;          /* answer with: NOERROR (verified), FORMERR or NOTAUTH */
	uint16_t error;         /* enum ksync_sig0_error when NOTAUTH */
	const struct sign_key *key;   /* the key the SIG names (signer, alg, tag), or NULL */
	size_t sig_pos;         /* offset of the SIG(0) RR (valid unless FORMERR) */
	/* The SIG(0) RDATA fields as received (valid unless FORMERR). */
	uint8_t signer[DNS_NAME_MAXLEN];  /* wire form, case as received */
	uint8_t alg;
	uint16_t key_tag;
	uint32_t inception;
	uint32_t expiration;
};

/*
 * Verify the SIG(0) of msg[0..len) at time now. keys/nkeys are the public
 * keys accepted (NULL entries are skipped); a key matches when its owner
 * equals the signer name (case-insensitive), and its algorithm and key tag
 * equal the SIG's. For a response, request/request_len is the request as
 * it was sent; NULL/0 when verifying a request.
 *
 * The SIG(0) must be the last RR of the additional section, no other SIG
 * may be in that section, and the message must end with it. Checks: the
 * RR's form (owner root, class ANY, TTL 0, type covered 0, labels 0,
 * original TTL 0, signer uncompressed) else FORMERR; key (BADKEY; an
 * algorithm other than 13 and 15 finds no key); signature (BADSIG);
 * inception - ALLOWANCE <= now <= expiration + ALLOWANCE in serial
 * arithmetic (BADTIME).
 *
 * Returns 0 when verified (r->rcode NOERROR); DNS_ENOTFOUND when the
 * message carries no SIG (r->rcode NOERROR, nothing else set);
 * DNS_EMALFORMED (r->rcode FORMERR) for a message that does not parse, a
 * misplaced or repeated SIG or a malformed SIG(0) RR; -EACCES (r->rcode
 * NOTAUTH, r->error BADKEY, BADSIG or BADTIME) when authentication
 * failed; -ENOMEM or -EIO on OpenSSL failure.
 */
int ksync_sig0_verify(const uint8_t *msg, size_t len, const struct sign_key *const *keys,
		      size_t nkeys, uint64_t now, const uint8_t *request, size_t request_len,
		      struct ksync_sig0_result *r);

#ifdef __cplusplus
}
#endif

#endif
