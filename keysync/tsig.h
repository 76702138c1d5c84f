/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * TSIG (RFC 8945): shared-secret keys, signing a DNS message in place,
 * verifying a signed request or response, and the TSIG of an error reply.
 *
 * Algorithms: hmac-sha1, hmac-sha224, hmac-sha256, hmac-sha384,
 * hmac-sha512 (OpenSSL HMAC). hmac-md5 is not supported.
 *
 * Pure: no I/O, no clock (every function takes the time from the caller),
 * no global state. A key is written once and then only read, so keys may
 * be shared between threads; each call works on the caller's buffers only.
 */
#ifndef SIGEDGE_KEYSYNC_TSIG_H
#define SIGEDGE_KEYSYNC_TSIG_H

#include <stddef.h>
#include <stdint.h>

#include "dns/name.h"

#ifdef __cplusplus
extern "C" {
#endif

enum ksync_tsig_alg {
	KSYNC_TSIG_HMAC_SHA1,
	KSYNC_TSIG_HMAC_SHA224,
	KSYNC_TSIG_HMAC_SHA256,
	KSYNC_TSIG_HMAC_SHA384,
	KSYNC_TSIG_HMAC_SHA512,
};

/* TSIG error codes (the TSIG RR's Error field, RFC 8945 3). */
enum ksync_tsig_error {
	KSYNC_TSIG_NOERROR = 0,
	KSYNC_TSIG_BADSIG = 16,
	KSYNC_TSIG_BADKEY = 17,
	KSYNC_TSIG_BADTIME = 18,
	KSYNC_TSIG_BADTRUNC = 22,
};

#define KSYNC_TSIG_MAC_MAX 64       /* SHA-512 output */
#define KSYNC_TSIG_SECRET_MAX 256   /* longest secret accepted */
#define KSYNC_TSIG_FUDGE 300        /* default fudge, seconds (RFC 8945 10) */

struct ksync_tsig_key {
	uint8_t name[DNS_NAME_MAXLEN];      /* wire form, lowercased */
	enum ksync_tsig_alg alg;
	uint16_t fudge;                     /* used when signing; KSYNC_TSIG_FUDGE by default */
	size_t secret_len;
	uint8_t secret[KSYNC_TSIG_SECRET_MAX];
};

/*
 * Parse "[alg:]name:base64secret" (the form of kdig -y and Knot DNS);
 * alg is e.g. "hmac-sha256" (case-insensitive), the default when absent.
 * Fills key (fudge = KSYNC_TSIG_FUDGE). Returns 0, or DNS_ESYNTAX with a
 * one-line reason in err (errlen octets, may be NULL): empty or invalid
 * name, unknown algorithm, bad or empty base64 secret, secret too long.
 */
int ksync_tsig_key_parse(const char *spec, struct ksync_tsig_key *key, char *err, size_t errlen);

/* "hmac-sha256" etc.; the presentation name of alg. */
const char *ksync_tsig_alg_name(enum ksync_tsig_alg alg);

/* Full MAC length of the key's algorithm in octets (20..64). */
size_t ksync_tsig_mac_len(const struct ksync_tsig_key *key);

/*
 * Sign the message msg[0..len) in place: append a TSIG RR (owner = key
 * name, algorithm name uncompressed, Time Signed = now, the key's fudge,
 * Original ID = the message's ID, Error 0) and add one to ARCOUNT.
 * For a response, request_mac/request_mac_len is the MAC of the request's
 * TSIG as received (struct ksync_tsig_result.mac); NULL/0 for a request.
 * cap is the buffer size. On success *outlen is the new length and, when
 * mac is not NULL, the MAC (ksync_tsig_mac_len octets, at most
 * KSYNC_TSIG_MAC_MAX) is copied to mac: keep it to verify the response.
 * Returns 0, DNS_EMALFORMED (no header, ARCOUNT 65535), DNS_ESPACE (the
 * message is unchanged) or -ENOMEM (OpenSSL failure).
 */
int ksync_tsig_sign(uint8_t *msg, size_t len, size_t cap, const struct ksync_tsig_key *key,
		    uint64_t now, const uint8_t *request_mac, size_t request_mac_len,
		    uint8_t *mac, size_t *outlen);

/* What ksync_tsig_verify found; the input to a reply's TSIG. */
struct ksync_tsig_result {
	uint8_t rcode;          /* answer with: NOERROR (verified), FORMERR or NOTAUTH */
	uint16_t error;         /* TSIG error to put in the reply (enum ksync_tsig_error) */
	const struct ksync_tsig_key *key;  /* the key named by the message, NULL if none */
	size_t tsig_pos;        /* offset of the TSIG RR (valid unless FORMERR) */
	/* The TSIG RR as received (valid unless FORMERR). */
	uint8_t name[DNS_NAME_MAXLEN];     /* key name, wire form */
	uint8_t alg_name[DNS_NAME_MAXLEN]; /* algorithm name, wire form */
	uint64_t time_signed;
	uint16_t fudge;
	uint16_t original_id;
	uint16_t peer_error;    /* the Error field: non-zero in a peer's error reply */
	uint16_t mac_len;
	uint8_t mac[KSYNC_TSIG_MAC_MAX];
};

/*
 * Verify the TSIG of msg[0..len) at time now. keys/nkeys are the keys
 * accepted (matched by name, case-insensitive, and algorithm). For a
 * response, request_mac is the MAC our request carried (from
 * ksync_tsig_sign); NULL/0 when verifying a request.
 *
 * The TSIG RR must be the last RR of the additional section (class ANY,
 * TTL 0) and the message must end with it. Checks in RFC 8945 5.2 order:
 * key (BADKEY), MAC (BADSIG), time against the message's fudge (BADTIME),
 * truncation. A MAC shorter than max(10, hash length / 2) octets or longer
 * than the hash is FORMERR (5.2.2.1); a correct truncated MAC of allowed
 * length is refused with BADTRUNC (local policy: full-length MACs only).
 * A peer's error reply (Error != 0, often with an empty MAC) is never
 * accepted: NOTAUTH, peer_error says what the peer reported.
 *
 * Returns 0 when the MAC and time verified (r->rcode NOERROR); DNS_ENOTFOUND
 * when the message carries no TSIG (r->rcode NOERROR, nothing else set);
 * DNS_EMALFORMED (r->rcode FORMERR) for a message that does not parse, a
 * misplaced or repeated TSIG or a malformed TSIG RR; -EACCES (r->rcode
 * NOTAUTH, r->error BADKEY, BADSIG, BADTIME or BADTRUNC) when
 * authentication failed; -ENOMEM on OpenSSL failure.
 */
int ksync_tsig_verify(const uint8_t *msg, size_t len, const struct ksync_tsig_key *keys,
		      size_t nkeys, uint64_t now, const uint8_t *request_mac,
		      size_t request_mac_len, struct ksync_tsig_result *r);

/*
 * Append the TSIG of an error reply (RFC 8945 5.3.2) to the reply
 * msg[0..len) (its header and rcode already set by the caller), for a
 * request whose verification gave r (r->rcode NOTAUTH):
 * - BADKEY, BADSIG: unsigned: the request's key and algorithm names and
 *   fudge, Time Signed = now, MAC size 0, Error set.
 * - BADTIME: signed with r->key over the request MAC; Time Signed is the
 *   request's, Other Data holds now (the server's time, 48 bits), so the
 *   client can verify the reply and learn the clock difference.
 * - BADTRUNC: signed with r->key over the request MAC, Time Signed = now,
 *   Error set.
 * Returns 0 (*outlen set), DNS_ESPACE, DNS_EMALFORMED, -EINVAL when r is
 * not a NOTAUTH result, -ENOMEM.
 */
int ksync_tsig_sign_error(uint8_t *msg, size_t len, size_t cap, const struct ksync_tsig_result *r,
			  uint64_t now, size_t *outlen);

#ifdef __cplusplus
}
#endif

#endif
