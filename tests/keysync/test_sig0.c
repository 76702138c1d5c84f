/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <string.h>

#include "dns/err.h"
#include "dns/rdata.h"
#include "dns/wire.h"
#include "keysync/sig0.h"
#include "sign/key.h"
#include "tests/tap.h"

/*
 * UPDATEs signed with SIG(0) by BIND 9.18 nsupdate (Debian 12), keys made
 * with `dnssec-keygen -a ECDSAP256SHA256|ED25519 -T KEY -n ZONE example.com`:
 *   server 127.0.0.1 PORT / zone example.com /
 *   update add example.com. 300 IN TXT hello / send
 * nsupdate signed at NS13_T and NS15_T (inception = T - 300). The public
 * keys are the KEY RDATA's public key fields (flags 256, protocol 3).
 */
#define NS13_T 1795481711ULL
#define NS15_T 1795481713ULL
/* KEY 256 3 13 */
static const uint8_t ns_pub13[] = {
	0xa6, 0x6b, 0xb8, 0xfc, 0xe0, 0xcf, 0xce, 0x5a, 0xc5, 0x8c, 0x78, 0x67,
	0x63, 0xa9, 0x20, 0x9a, 0xa9, 0x4c, 0xcc, 0xc2, 0x98, 0x4e, 0xfe, 0x4d,
	0x1d, 0x43, 0x02, 0x65, 0x45, 0xb8, 0x9b, 0xd4, 0xec, 0x8d, 0xd7, 0x53,
	0x3a, 0xd5, 0x30, 0xcf, 0x36, 0x0b, 0x87, 0xf7, 0xdb, 0xc3, 0x02, 0xeb,
	0x1c, 0xfb, 0x83, 0x71, 0x32, 0x64, 0xba, 0x5e, 0xdc, 0x6b, 0x1e, 0xd6,
	0xf7, 0x9c, 0xa3, 0xde,
};

static const uint8_t ns_update13[] = {
	0x73, 0x0b, 0x28, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x00, 0x01,
	0x07, 0x65, 0x78, 0x61, 0x6d, 0x70, 0x6c, 0x65, 0x03, 0x63, 0x6f, 0x6d,
	0x00, 0x00, 0x06, 0x00, 0x01, 0xc0, 0x0c, 0x00, 0x10, 0x00, 0x01, 0x00,
	0x00, 0x01, 0x2c, 0x00, 0x06, 0x05, 0x68, 0x65, 0x6c, 0x6c, 0x6f, 0x00,
	0x00, 0x18, 0x00, 0xff, 0x00, 0x00, 0x00, 0x00, 0x00, 0x5f, 0x00, 0x00,
	0x0d, 0x00, 0x00, 0x00, 0x00, 0x00, 0x6b, 0x04, 0xe1, 0x9b, 0x6b, 0x04,
	0xdf, 0x43, 0xd2, 0xdd, 0x07, 0x65, 0x78, 0x61, 0x6d, 0x70, 0x6c, 0x65,
	0x03, 0x63, 0x6f, 0x6d, 0x00, 0xfd, 0x84, 0xbd, 0x91, 0x8d, 0x3c, 0xa8,
	0x89, 0xd1, 0x6d, 0x0b, 0x32, 0x9e, 0x1f, 0x66, 0x62, 0x26, 0x13, 0x6d,
	0xb3, 0x44, 0xa1, 0x77, 0x81, 0xe6, 0x7f, 0xb1, 0xcc, 0xa1, 0x7e, 0x12,
	0x1a, 0xe1, 0xd3, 0xf2, 0x8d, 0xff, 0x99, 0xdb, 0x09, 0xb2, 0x52, 0x13,
	0x12, 0x33, 0xc1, 0xcc, 0xe6, 0xde, 0xbc, 0x88, 0xd0, 0xaf, 0xb3, 0xed,
	0x95, 0x4c, 0xb5, 0xd9, 0x1e, 0x7a, 0xcc, 0xf8, 0x7a,
};

/* KEY 256 3 15 */
static const uint8_t ns_pub15[] = {
	0x38, 0xa8, 0x09, 0x09, 0xd5, 0x00, 0x16, 0x77, 0xfd, 0x57, 0xcc, 0x29,
	0xd0, 0xa6, 0x36, 0x50, 0x10, 0x63, 0x9a, 0x87, 0xd0, 0x80, 0x81, 0x5c,
	0x2a, 0xe9, 0x94, 0x57, 0xbb, 0x96, 0x29, 0x3c,
};

static const uint8_t ns_update15[] = {
	0x8e, 0x1c, 0x28, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x00, 0x01,
	0x07, 0x65, 0x78, 0x61, 0x6d, 0x70, 0x6c, 0x65, 0x03, 0x63, 0x6f, 0x6d,
	0x00, 0x00, 0x06, 0x00, 0x01, 0xc0, 0x0c, 0x00, 0x10, 0x00, 0x01, 0x00,
	0x00, 0x01, 0x2c, 0x00, 0x06, 0x05, 0x68, 0x65, 0x6c, 0x6c, 0x6f, 0x00,
	0x00, 0x18, 0x00, 0xff, 0x00, 0x00, 0x00, 0x00, 0x00, 0x5f, 0x00, 0x00,
	0x0f, 0x00, 0x00, 0x00, 0x00, 0x00, 0x6b, 0x04, 0xe1, 0x9d, 0x6b, 0x04,
	0xdf, 0x45, 0xa2, 0x8c, 0x07, 0x65, 0x78, 0x61, 0x6d, 0x70, 0x6c, 0x65,
	0x03, 0x63, 0x6f, 0x6d, 0x00, 0x37, 0xb5, 0xbb, 0x2c, 0x61, 0x96, 0xd6,
	0x27, 0x20, 0xf5, 0xa5, 0x23, 0x16, 0x3b, 0xf7, 0x04, 0x93, 0x36, 0x77,
	0x15, 0x2e, 0xd8, 0x50, 0xd4, 0x26, 0x39, 0x26, 0x06, 0x30, 0x3c, 0xf8,
	0xfb, 0xe9, 0x09, 0xb6, 0x9d, 0x9f, 0xe4, 0xe8, 0x4d, 0x42, 0x59, 0x83,
	0xcb, 0x99, 0x48, 0xce, 0xbd, 0x31, 0xed, 0xdc, 0x4f, 0xe3, 0x96, 0x2c,
	0x96, 0xdf, 0xbb, 0xc0, 0xfa, 0xe8, 0x2d, 0xd1, 0x09,
};

#define T 1700000000ULL

static struct sign_key *k13, *k15, *other13, *pub13, *pub15, *rsa;

static struct sign_key *
public_of(const struct sign_key *k)
{
	struct sign_key *p = NULL;
	size_t len;
	const uint8_t *rd = sign_key_dnskey(k, &len);

	if (sign_key_from_dnskey(sign_key_owner(k), rd, len, &p) < 0)
		diag("public key copy failed");
	return p;
}

static int
setup_keys(void)
{
	uint8_t zone[DNS_NAME_MAXLEN], other[DNS_NAME_MAXLEN];

	dns_name_from_str("Example.COM.", zone, sizeof(zone));
	dns_name_from_str("other.example.", other, sizeof(other));
	if (sign_key_generate(SIGN_ALG_ECDSAP256SHA256, SIGN_FLAGS_ZSK, zone, &k13) < 0 ||
	    sign_key_generate(SIGN_ALG_ED25519, SIGN_FLAGS_KSK, zone, &k15) < 0 ||
	    sign_key_generate(SIGN_ALG_ECDSAP256SHA256, SIGN_FLAGS_ZSK, other, &other13) < 0 ||
	    sign_key_generate(SIGN_ALG_RSASHA256, SIGN_FLAGS_ZSK, zone, &rsa) < 0)
		return -1;
	pub13 = public_of(k13);
	pub15 = public_of(k15);
	return pub13 && pub15 ? 0 : -1;
}

/* An UPDATE for example.com adding one TXT RR, with the given ID; returns its length. */
static size_t
make_update(uint8_t *buf, uint16_t id)
{
	static const uint8_t u[] = {
		0, 0, 0x28, 0x00, 0, 1, 0, 0, 0, 1, 0, 0,
		7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 3, 'c', 'o', 'm', 0, 0, 6, 0, 1,
		0xc0, 12, 0, 16, 0, 1, 0, 0, 1, 44, 0, 6, 5, 'h', 'e', 'l', 'l', 'o',
	};
	memcpy(buf, u, sizeof(u));
	dns_put16(buf, id);
	return sizeof(u);
}
#define UPDATE_LEN 47

/* Public keys the verifier accepts: the two test keys, a NULL slot, an unrelated key. */
static int
verify(const uint8_t *msg, size_t len, uint64_t now, const uint8_t *req, size_t req_len,
       struct ksync_sig0_result *r)
{
	const struct sign_key *keys[] = { pub15, NULL, other13, pub13 };

	return ksync_sig0_verify(msg, len, keys, 4, now, req, req_len, r);
}

static void
test_nsupdate_vectors(void)
{
	struct ksync_sig0_result r;
	struct sign_key *kk13 = NULL, *kk15 = NULL;
	uint8_t owner[DNS_NAME_MAXLEN], rd[4 + 64];

	dns_name_from_str("example.com.", owner, sizeof(owner));
	memcpy(rd, "\x01\x00\x03\x0d", 4);
	memcpy(rd + 4, ns_pub13, sizeof(ns_pub13));
	is_int(sign_key_from_dnskey(owner, rd, 4 + sizeof(ns_pub13), &kk13), 0, "nsupdate key 13");
	rd[3] = 15;
	memcpy(rd + 4, ns_pub15, sizeof(ns_pub15));
	is_int(sign_key_from_dnskey(owner, rd, 4 + sizeof(ns_pub15), &kk15), 0, "nsupdate key 15");
	if (!kk13 || !kk15)
		return;
	const struct sign_key *keys[] = { kk13, kk15 };

	is_int(ksync_sig0_verify(ns_update13, sizeof(ns_update13), keys, 2, NS13_T, NULL, 0, &r), 0,
	       "nsupdate ECDSAP256SHA256 SIG(0) verifies");
	ok(r.rcode == DNS_R_NOERROR && r.key == kk13 && r.alg == 13 &&
	   r.inception == NS13_T - 300 && r.expiration == NS13_T + 300 && r.sig_pos == 47,
	   "nsupdate 13: key, algorithm, window, position");
	is_int(ksync_sig0_verify(ns_update15, sizeof(ns_update15), keys, 2, NS15_T, NULL, 0, &r), 0,
	       "nsupdate ED25519 SIG(0) verifies");
	ok(r.key == kk15 && r.key_tag == sign_key_tag(kk15), "nsupdate 15: key and tag");
	is_int(ksync_sig0_verify(ns_update13, sizeof(ns_update13), keys, 2, NS13_T + 3600, NULL, 0,
				 &r), -EACCES, "nsupdate 13 an hour later");
	is_int(r.error, KSYNC_SIG0_BADTIME, "BADTIME");
	is_int(ksync_sig0_verify(ns_update15, sizeof(ns_update15), keys, 1, NS15_T, NULL, 0, &r),
	       -EACCES, "nsupdate 15 without its key");
	is_int(r.error, KSYNC_SIG0_BADKEY, "BADKEY");
	sign_key_free(kk13);
	sign_key_free(kk15);
}

static void
test_round_trip(void)
{
	struct sign_key *ks[] = { k13, k15 };
	const struct sign_key *pubs[] = { pub13, pub15 };
	struct ksync_sig0_result r;
	uint8_t m[512], resp[512], lower[DNS_NAME_MAXLEN];
	size_t len, rlen;

	dns_name_from_str("example.com.", lower, sizeof(lower));
	for (int i = 0; i < 2; i++) {
		unsigned alg = sign_key_alg(ks[i]);
		len = make_update(m, 0x4242);
		is_int(ksync_sig0_sign(m, len, sizeof(m), ks[i], T, NULL, 0, &len), 0,
		       "alg %u: sign", alg);
		is_int(len, UPDATE_LEN + 11 + 18 + 13 + 64, "alg %u: SIG(0) RR appended", alg);
		is_int(dns_get16(m + 10), 1, "alg %u: ARCOUNT 1", alg);
		ok(m[UPDATE_LEN] == 0 && dns_get16(m + UPDATE_LEN + 1) == DNS_T_SIG &&
		   dns_get16(m + UPDATE_LEN + 3) == DNS_C_ANY && dns_get32(m + UPDATE_LEN + 5) == 0,
		   "alg %u: owner root, type SIG, class ANY, TTL 0", alg);
		const uint8_t *rd = m + UPDATE_LEN + 11;
		ok(dns_get16(rd) == 0 && rd[2] == alg && rd[3] == 0 && dns_get32(rd + 4) == 0 &&
		   dns_get32(rd + 8) == T + 300 && dns_get32(rd + 12) == T - 300 &&
		   dns_get16(rd + 16) == sign_key_tag(ks[i]) && memcmp(rd + 18, lower, 13) == 0,
		   "alg %u: RDATA fields, signer lowercased", alg);
		is_int(verify(m, len, T, NULL, 0, &r), 0, "alg %u: verifies", alg);
		ok(r.rcode == DNS_R_NOERROR && r.error == 0 && r.key == pubs[i] &&
		   r.sig_pos == UPDATE_LEN && r.alg == alg && r.key_tag == sign_key_tag(ks[i]) &&
		   r.inception == T - 300 && r.expiration == T + 300 &&
		   dns_name_equal(r.signer, lower), "alg %u: result fields", alg);
		is_int(verify(m, len, T + 360, NULL, 0, &r), 0, "alg %u: valid to expiration + 60", alg);
		is_int(verify(m, len, T - 360, NULL, 0, &r), 0, "alg %u: valid from inception - 60", alg);

		/* Response: signed over the request as received. */
		memcpy(resp, m, 29);
		dns_put16(resp + 2, 0xa800);
		dns_put16(resp + 8, 0);
		dns_put16(resp + 10, 0);
		is_int(ksync_sig0_sign(resp, 29, sizeof(resp), ks[i], T, m, len, &rlen), 0,
		       "alg %u: sign response", alg);
		is_int(verify(resp, rlen, T, m, len, &r), 0, "alg %u: response verifies", alg);
		is_int(verify(resp, rlen, T, NULL, 0, &r), -EACCES,
		       "alg %u: response without the request", alg);
		is_int(r.error, KSYNC_SIG0_BADSIG, "alg %u: BADSIG", alg);
		m[len - 1] ^= 1;
		is_int(verify(resp, rlen, T, m, len, &r), -EACCES,
		       "alg %u: response with another request", alg);
		is_int(r.error, KSYNC_SIG0_BADSIG, "alg %u: BADSIG", alg);
	}

	/* A message that already has additional RRs; serial time across 2^32. */
	len = make_update(m, 7);
	static const uint8_t opt[] = { 0, 0, 41, 4, 0, 0, 0, 0, 0, 0, 0 };
	memcpy(m + len, opt, sizeof(opt));
	len += sizeof(opt);
	dns_put16(m + 10, 1);
	uint64_t t = 0xffffff00ULL;
	is_int(ksync_sig0_sign(m, len, sizeof(m), k13, t, NULL, 0, &len), 0, "sign after OPT");
	is_int(dns_get16(m + 10), 2, "ARCOUNT 2");
	is_int(verify(m, len, t + 0x150, NULL, 0, &r), 0, "verifies across the 2^32 wrap");
	is_int(verify(m, len, t + 0x150 + 0x100000000ULL, NULL, 0, &r), 0,
	       "time compared modulo 2^32");
	is_int(verify(m, len, t - 400, NULL, 0, &r), -EACCES, "before inception - 60 across wrap");
	is_int(r.error, KSYNC_SIG0_BADTIME, "BADTIME");
}

static void
test_sign_errors(void)
{
	uint8_t m[512], before[512];
	size_t len = make_update(m, 1), out = 0;

	is_int(ksync_sig0_sign(m, len, sizeof(m), pub13, T, NULL, 0, &out), -EINVAL,
	       "public-only key cannot sign");
	is_int(ksync_sig0_sign(m, len, sizeof(m), rsa, T, NULL, 0, &out), -ENOTSUP,
	       "RSASHA256 not supported");
	memcpy(before, m, len);
	is_int(ksync_sig0_sign(m, len, len + 11 + 18 + 13 + 63, k13, T, NULL, 0, &out), DNS_ESPACE,
	       "one octet short");
	ok(memcmp(m, before, len) == 0, "message unchanged");
	is_int(ksync_sig0_sign(m, len, len + 11 + 18 + 13 + 64, k13, T, NULL, 0, &out), 0,
	       "exact fit");
	is_int(ksync_sig0_sign(m, 11, sizeof(m), k13, T, NULL, 0, &out), DNS_EMALFORMED,
	       "no header");
	len = make_update(m, 1);
	dns_put16(m + 10, 0xffff);
	is_int(ksync_sig0_sign(m, len, sizeof(m), k13, T, NULL, 0, &out), DNS_EMALFORMED,
	       "ARCOUNT 65535");
}

/* Signed copy of the test UPDATE in m with key k; returns its length. */
static size_t
signed_update(uint8_t *m, const struct sign_key *k)
{
	size_t len = make_update(m, 0x5151);

	if (ksync_sig0_sign(m, len, 512, k, T, NULL, 0, &len) < 0)
		diag("signing failed");
	return len;
}

/* Verify m after flipping bit `bit` of octet `ofs`; expect rc and error. */
static void
flipped(const struct sign_key *k, size_t ofs, uint8_t bit, int want_rc, uint16_t want_err,
	const char *what)
{
	uint8_t m[512];
	struct ksync_sig0_result r;
	size_t len = signed_update(m, k);

	m[ofs] ^= bit;
	int rc = verify(m, len, T, NULL, 0, &r);
	ok(rc == want_rc && r.error == want_err &&
	   r.rcode == (want_rc == DNS_EMALFORMED ? DNS_R_FORMERR : DNS_R_NOTAUTH),
	   "alg %u: %s", sign_key_alg(k), what);
	if (rc != want_rc || r.error != want_err)
		diag("got rc %d error %u", rc, r.error);
}

/*
 * A public key of k's owner and algorithm with k's key tag but another
 * public key: new keys, each tried with every flags value that has the zone
 * bit, until one gives the tag.
 */
static struct sign_key *
forge_tag(const struct sign_key *k)
{
	for (int tries = 0; tries < 64; tries++) {
		struct sign_key *g = NULL, *f = NULL;
		uint8_t rd[SIGN_DNSKEY_MAXLEN];
		size_t len;

		if (sign_key_generate(sign_key_alg(k), SIGN_FLAGS_ZSK, sign_key_owner(k), &g) < 0)
			return NULL;
		const uint8_t *grd = sign_key_dnskey(g, &len);
		memcpy(rd, grd, len);
		sign_key_free(g);
		for (unsigned flags = 0; flags <= 0xffff; flags++) {
			if (!(flags & SIGN_FLAG_ZONE))
				continue;
			dns_put16(rd, (uint16_t)flags);
			if (sign_keytag(rd, len) == sign_key_tag(k) &&
			    sign_key_from_dnskey(sign_key_owner(k), rd, len, &f) == 0)
				return f;
		}
	}
	return NULL;
}

static void
test_failures(void)
{
	struct sign_key *ks[] = { k13, k15 };
	struct ksync_sig0_result r;
	uint8_t m[600];
	size_t len;
	const size_t sig = UPDATE_LEN, rd = UPDATE_LEN + 11;

	for (int i = 0; i < 2; i++) {
		const struct sign_key *k = ks[i];
		unsigned alg = sign_key_alg(k);
		flipped(k, 1, 0x01, -EACCES, KSYNC_SIG0_BADSIG, "header ID bit: BADSIG");
		flipped(k, 2, 0x01, -EACCES, KSYNC_SIG0_BADSIG, "header flags bit: BADSIG");
		flipped(k, 13, 0x02, -EACCES, KSYNC_SIG0_BADSIG, "zone name bit: BADSIG");
		flipped(k, UPDATE_LEN - 1, 0x01, -EACCES, KSYNC_SIG0_BADSIG, "update RDATA bit: BADSIG");
		flipped(k, rd + 31 + 5, 0x10, -EACCES, KSYNC_SIG0_BADSIG, "signature bit: BADSIG");
		flipped(k, rd + 31 + 63, 0x80, -EACCES, KSYNC_SIG0_BADSIG, "last signature bit: BADSIG");
		flipped(k, rd + 8 + 3, 0x01, -EACCES, KSYNC_SIG0_BADSIG, "expiration bit: BADSIG");
		flipped(k, rd + 12 + 3, 0x01, -EACCES, KSYNC_SIG0_BADSIG, "inception bit: BADSIG");
		flipped(k, rd + 19, 0x20, -EACCES, KSYNC_SIG0_BADSIG, "signer case changed: BADSIG");
		flipped(k, rd + 19, 0x01, -EACCES, KSYNC_SIG0_BADKEY, "signer letter changed: BADKEY");
		flipped(k, rd + 17, 0x01, -EACCES, KSYNC_SIG0_BADKEY, "key tag bit: BADKEY");
		flipped(k, rd + 2, 0x02, -EACCES, KSYNC_SIG0_BADKEY, "algorithm 13<->15: BADKEY");
		flipped(k, rd + 2, 0xf0, -EACCES, KSYNC_SIG0_BADKEY, "unknown algorithm: BADKEY");
		flipped(k, rd + 1, 0x01, DNS_EMALFORMED, 0, "type covered 1: FORMERR");
		flipped(k, rd + 3, 0x01, DNS_EMALFORMED, 0, "labels 1: FORMERR");
		flipped(k, rd + 7, 0x01, DNS_EMALFORMED, 0, "original TTL 1: FORMERR");
		flipped(k, sig + 4, 0x02, DNS_EMALFORMED, 0, "class not ANY: FORMERR");
		flipped(k, sig + 8, 0x01, DNS_EMALFORMED, 0, "TTL 1: FORMERR");
		flipped(k, 11, 0x01, DNS_EMALFORMED, 0, "ARCOUNT 0: FORMERR");
		flipped(k, 11, 0x03, DNS_EMALFORMED, 0, "ARCOUNT 2: FORMERR");
		flipped(k, 9, 0x01, DNS_EMALFORMED, 0, "NSCOUNT 0: FORMERR");
		flipped(k, sig + 10, 0x01, DNS_EMALFORMED, 0, "RDLENGTH + 1: FORMERR");
		flipped(k, sig + 10, 0x02, DNS_EMALFORMED, 0, "RDLENGTH - 1: FORMERR");
		len = signed_update(m, k);
		m[sig + 2] = DNS_T_KEY;
		is_int(verify(m, len, T, NULL, 0, &r), DNS_ENOTFOUND,
		       "alg %u: type changed to KEY: no SIG", alg);

		/* Wrong key: only a different key of the same algorithm and signer. */
		struct sign_key *again = NULL;
		sign_key_generate(alg, SIGN_FLAGS_ZSK, sign_key_owner(k), &again);
		len = signed_update(m, k);
		const struct sign_key *wrong[] = { again, other13 };
		int rc = ksync_sig0_verify(m, len, wrong, 2, T, NULL, 0, &r);
		ok(rc == -EACCES && r.error == KSYNC_SIG0_BADKEY && r.rcode == DNS_R_NOTAUTH &&
		   !r.key, "alg %u: another key of the same signer: BADKEY", alg);
		is_int(ksync_sig0_verify(m, len, NULL, 0, T, NULL, 0, &r), -EACCES,
		       "alg %u: no keys: NOTAUTH", alg);
		/* Same signer, algorithm and key tag, another public key. */
		struct sign_key *forged = forge_tag(k);
		const struct sign_key *fk[] = { forged };
		rc = ksync_sig0_verify(m, len, fk, 1, T, NULL, 0, &r);
		ok(forged && rc == -EACCES && r.error == KSYNC_SIG0_BADSIG && r.key == forged,
		   "alg %u: colliding key tag, wrong public key: BADSIG", alg);
		sign_key_free(forged);
		sign_key_free(again);

		/* Time. */
		len = signed_update(m, k);
		is_int(verify(m, len, T + 361, NULL, 0, &r), -EACCES, "alg %u: expired", alg);
		ok(r.error == KSYNC_SIG0_BADTIME && r.rcode == DNS_R_NOTAUTH, "alg %u: BADTIME", alg);
		is_int(verify(m, len, T - 361, NULL, 0, &r), -EACCES, "alg %u: not yet valid", alg);
		is_int(r.error, KSYNC_SIG0_BADTIME, "alg %u: BADTIME", alg);

		/* Truncated. */
		for (size_t cut = 1; cut <= 12; cut += 11) {
			is_int(verify(m, len - cut, T, NULL, 0, &r), DNS_EMALFORMED,
			       "alg %u: %zu octets cut: FORMERR", alg, cut);
			is_int(r.rcode, DNS_R_FORMERR, "alg %u: rcode FORMERR", alg);
		}
		is_int(verify(m, sig + 5, T, NULL, 0, &r), DNS_EMALFORMED,
		       "alg %u: RR header cut: FORMERR", alg);
		is_int(verify(m, 11, T, NULL, 0, &r), DNS_EMALFORMED, "alg %u: no header: FORMERR", alg);
		/* RDATA too short to hold a signer name. */
		len = signed_update(m, k);
		dns_put16(m + sig + 9, 18);
		is_int(verify(m, rd + 18, T, NULL, 0, &r), DNS_EMALFORMED,
		       "alg %u: RDATA of 18 octets: FORMERR", alg);

		/* SIG not last: an RR after it. */
		len = signed_update(m, k);
		static const uint8_t opt[] = { 0, 0, 41, 4, 0, 0, 0, 0, 0, 0, 0 };
		memcpy(m + len, opt, sizeof(opt));
		dns_put16(m + 10, 2);
		is_int(verify(m, len + sizeof(opt), T, NULL, 0, &r), DNS_EMALFORMED,
		       "alg %u: SIG not last: FORMERR", alg);
		/* Two SIG(0)s. */
		len = signed_update(m, k);
		size_t len2;
		is_int(ksync_sig0_sign(m, len, sizeof(m), k, T, NULL, 0, &len2), 0, "alg %u: sign twice",
		       alg);
		is_int(verify(m, len2, T, NULL, 0, &r), DNS_EMALFORMED, "alg %u: two SIGs: FORMERR",
		       alg);
		/* Trailing octet. */
		len = signed_update(m, k);
		m[len] = 0;
		is_int(verify(m, len + 1, T, NULL, 0, &r), DNS_EMALFORMED,
		       "alg %u: trailing octet: FORMERR", alg);

		/* Owner not root: "\1a\0" in place of the root label. */
		len = signed_update(m, k);
		memmove(m + sig + 3, m + sig + 1, len - sig - 1);
		memcpy(m + sig, "\1a", 2);
		is_int(verify(m, len + 2, T, NULL, 0, &r), DNS_EMALFORMED,
		       "alg %u: owner not root: FORMERR", alg);

		/* Signer compressed: a pointer to the zone name at offset 12. */
		len = signed_update(m, k);
		memmove(m + rd + 20, m + rd + 31, len - rd - 31);
		m[rd + 18] = 0xc0;
		m[rd + 19] = 12;
		dns_put16(m + sig + 9, (uint16_t)(dns_get16(m + sig + 9) - 11));
		is_int(verify(m, len - 11, T, NULL, 0, &r), DNS_EMALFORMED,
		       "alg %u: compressed signer: FORMERR", alg);
	}

	/* No SIG at all; a SIG in the update section is not a SIG(0). */
	len = make_update(m, 3);
	is_int(verify(m, len, T, NULL, 0, &r), DNS_ENOTFOUND, "no SIG: DNS_ENOTFOUND");
	is_int(r.rcode, DNS_R_NOERROR, "rcode NOERROR");
	m[32] = DNS_T_SIG;
	is_int(verify(m, len, T, NULL, 0, &r), DNS_ENOTFOUND, "SIG in the update section only");
	/* A SIG(0) followed by a TSIG-like RR. */
	len = signed_update(m, k13);
	static const uint8_t tsig[] = { 0, 0, 250, 0, 255, 0, 0, 0, 0, 0, 0 };
	memcpy(m + len, tsig, sizeof(tsig));
	dns_put16(m + 10, 2);
	is_int(verify(m, len + sizeof(tsig), T, NULL, 0, &r), DNS_EMALFORMED,
	       "SIG(0) before another RR: FORMERR");
}

int
main(void)
{
	if (setup_keys() < 0) {
		printf("Bail out! key generation failed\n");
		return 1;
	}
	test_nsupdate_vectors();
	test_round_trip();
	test_sign_errors();
	test_failures();
	sign_key_free(k13);
	sign_key_free(k15);
	sign_key_free(other13);
	sign_key_free(pub13);
	sign_key_free(pub15);
	sign_key_free(rsa);
	return tap_done();
}
