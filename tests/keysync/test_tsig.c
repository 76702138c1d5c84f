/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <string.h>

#include "dns/err.h"
#include "dns/rdata.h"
#include "dns/wire.h"
#include "keysync/tsig.h"
#include "tests/tap.h"

/*
 * Messages signed by dnspython 2.3.0 (Debian 12, /usr/bin/python3), with
 * time.time fixed at T = 1700000000 in dns.renderer:
 *   key256 = dns.tsig.Key('TSIG-Key.Example.', SECRET, 'hmac-sha256')
 *   key512 = dns.tsig.Key('k512.', SECRET, 'hmac-sha512')
 *   q = dns.message.make_query('www.example.com.', 'A'); q.id = 0x1234
 *   q.use_tsig(key256); query = q.to_wire()
 *   r = dns.message.make_response(q); response = r.to_wire()
 *   u = dns.update.UpdateMessage('example.com.'); u.id = 0xbeef
 *   u.add('example.com.', 3600, 'DNSKEY', '256 3 13 oJMRESz5...'); u.delete('example.com.', 'CDS')
 *   u.use_tsig(key512); update512 = u.to_wire()
 */
#define T 1700000000ULL
#define SECRET "c2lnZWRnZS10c2lnLXRlc3Qtc2VjcmV0LTAxMjM0NTY3ODk="

static const uint8_t py_query[] = {
	0x12, 0x34, 0x01, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01,
	0x03, 0x77, 0x77, 0x77, 0x07, 0x65, 0x78, 0x61, 0x6d, 0x70, 0x6c, 0x65,
	0x03, 0x63, 0x6f, 0x6d, 0x00, 0x00, 0x01, 0x00, 0x01, 0x08, 0x54, 0x53,
	0x49, 0x47, 0x2d, 0x4b, 0x65, 0x79, 0x07, 0x45, 0x78, 0x61, 0x6d, 0x70,
	0x6c, 0x65, 0x00, 0x00, 0xfa, 0x00, 0xff, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x3d, 0x0b, 0x68, 0x6d, 0x61, 0x63, 0x2d, 0x73, 0x68, 0x61, 0x32, 0x35,
	0x36, 0x00, 0x00, 0x00, 0x65, 0x53, 0xf1, 0x00, 0x01, 0x2c, 0x00, 0x20,
	0x30, 0x02, 0xce, 0x10, 0xda, 0xc2, 0x04, 0x60, 0x9d, 0x7d, 0xc7, 0x67,
	0xf5, 0x6e, 0x4b, 0x45, 0xb5, 0xc2, 0x8a, 0xe8, 0xed, 0xab, 0x25, 0xd3,
	0x67, 0xde, 0x52, 0x82, 0x7c, 0x2d, 0x9d, 0xa0, 0x12, 0x34, 0x00, 0x00,
	0x00, 0x00,
};
static const uint8_t py_query_mac[] = {
	0x30, 0x02, 0xce, 0x10, 0xda, 0xc2, 0x04, 0x60, 0x9d, 0x7d, 0xc7, 0x67,
	0xf5, 0x6e, 0x4b, 0x45, 0xb5, 0xc2, 0x8a, 0xe8, 0xed, 0xab, 0x25, 0xd3,
	0x67, 0xde, 0x52, 0x82, 0x7c, 0x2d, 0x9d, 0xa0,
};
static const uint8_t py_response[] = {
	0x12, 0x34, 0x81, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01,
	0x03, 0x77, 0x77, 0x77, 0x07, 0x65, 0x78, 0x61, 0x6d, 0x70, 0x6c, 0x65,
	0x03, 0x63, 0x6f, 0x6d, 0x00, 0x00, 0x01, 0x00, 0x01, 0x08, 0x54, 0x53,
	0x49, 0x47, 0x2d, 0x4b, 0x65, 0x79, 0x07, 0x45, 0x78, 0x61, 0x6d, 0x70,
	0x6c, 0x65, 0x00, 0x00, 0xfa, 0x00, 0xff, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x3d, 0x0b, 0x68, 0x6d, 0x61, 0x63, 0x2d, 0x73, 0x68, 0x61, 0x32, 0x35,
	0x36, 0x00, 0x00, 0x00, 0x65, 0x53, 0xf1, 0x00, 0x01, 0x2c, 0x00, 0x20,
	0xa2, 0xf2, 0x09, 0x8c, 0xa0, 0x1f, 0xe3, 0x9e, 0x11, 0x8c, 0x6d, 0x6d,
	0x66, 0x7e, 0xe6, 0x2d, 0x10, 0xfd, 0xbc, 0x3c, 0x07, 0x8d, 0x47, 0x7a,
	0x25, 0xc9, 0x59, 0xa9, 0x57, 0xaa, 0xde, 0xe9, 0x12, 0x34, 0x00, 0x00,
	0x00, 0x00,
};
static const uint8_t py_update512[] = {
	0xbe, 0xef, 0x28, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x02, 0x00, 0x01,
	0x07, 0x65, 0x78, 0x61, 0x6d, 0x70, 0x6c, 0x65, 0x03, 0x63, 0x6f, 0x6d,
	0x00, 0x00, 0x06, 0x00, 0x01, 0xc0, 0x0c, 0x00, 0x30, 0x00, 0x01, 0x00,
	0x00, 0x0e, 0x10, 0x00, 0x44, 0x01, 0x00, 0x03, 0x0d, 0xa0, 0x93, 0x11,
	0x11, 0x2c, 0xf9, 0x13, 0x88, 0x18, 0xcd, 0x2f, 0xea, 0xe9, 0x70, 0xeb,
	0xbd, 0x4d, 0x6a, 0x30, 0xf6, 0x08, 0x8c, 0x25, 0xb3, 0x25, 0xa3, 0x9a,
	0xbb, 0xc5, 0xcd, 0x11, 0x97, 0xaa, 0x09, 0x82, 0x83, 0xe5, 0xaa, 0xf4,
	0x21, 0x17, 0x7c, 0x2a, 0xa5, 0xd7, 0x14, 0x99, 0x2a, 0x99, 0x57, 0xd1,
	0xbc, 0xc1, 0x8f, 0x98, 0xcd, 0x71, 0xf1, 0xf1, 0x80, 0x6b, 0x65, 0xe1,
	0x48, 0xc0, 0x0c, 0x00, 0x3b, 0x00, 0xff, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x04, 0x6b, 0x35, 0x31, 0x32, 0x00, 0x00, 0xfa, 0x00, 0xff, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x5d, 0x0b, 0x68, 0x6d, 0x61, 0x63, 0x2d, 0x73,
	0x68, 0x61, 0x35, 0x31, 0x32, 0x00, 0x00, 0x00, 0x65, 0x53, 0xf1, 0x00,
	0x01, 0x2c, 0x00, 0x40, 0x92, 0x23, 0xf2, 0x79, 0x6d, 0xd8, 0x65, 0x91,
	0x33, 0x06, 0x66, 0x5b, 0x16, 0xf6, 0x6a, 0xe7, 0xb5, 0xc3, 0xcc, 0xfc,
	0x01, 0x46, 0xbe, 0xdb, 0xc3, 0x2d, 0xf2, 0xd7, 0xc2, 0x77, 0xea, 0xd4,
	0x95, 0x8e, 0xeb, 0xe3, 0xac, 0x7d, 0x27, 0x18, 0xcf, 0x14, 0x20, 0x6d,
	0xcc, 0xbe, 0xc4, 0xea, 0xcd, 0x62, 0x26, 0xd2, 0xd3, 0xd9, 0xac, 0x1c,
	0x94, 0xc0, 0x99, 0xbf, 0xb3, 0x00, 0x44, 0x95, 0xbe, 0xef, 0x00, 0x00,
	0x00, 0x00,
};

/* Offsets in a message signed by the key "tsig-key.example." with hmac-sha256. */
#define K256_NAME_LEN 18
#define ALG256_LEN 13

static struct ksync_tsig_key keys[3];   /* k512, tsig-key.example (sha256), other */

static void
setup_keys(void)
{
	char err[128];

	if (ksync_tsig_key_parse("hmac-sha512:k512:" SECRET, &keys[0], err, sizeof(err)) ||
	    ksync_tsig_key_parse("tsig-key.example.:" SECRET, &keys[1], err, sizeof(err)) ||
	    ksync_tsig_key_parse("hmac-sha256:other.example:AAECAwQFBgcICQoLDA0ODw==", &keys[2],
				 err, sizeof(err)))
		diag("key setup failed: %s", err);
}

/* A query for www.example.com/A with the given ID; returns its length. */
static size_t
make_query(uint8_t *buf, uint16_t id)
{
	static const uint8_t q[] = {
		0, 0, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0,
		3, 'w', 'w', 'w', 7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 3, 'c', 'o', 'm', 0,
		0, 1, 0, 1,
	};
	memcpy(buf, q, sizeof(q));
	dns_put16(buf, id);
	return sizeof(q);
}

static int
verify(const uint8_t *msg, size_t len, uint64_t now, const uint8_t *req_mac, size_t req_mac_len,
       struct ksync_tsig_result *r)
{
	return ksync_tsig_verify(msg, len, keys, 3, now, req_mac, req_mac_len, r);
}

static void
test_key_parse(void)
{
	struct ksync_tsig_key k;
	char err[160];
	uint8_t name[DNS_NAME_MAXLEN];

	is_int(ksync_tsig_key_parse("Key.Example:" SECRET, &k, err, sizeof(err)), 0,
	       "parse name:secret");
	is_int(k.alg, KSYNC_TSIG_HMAC_SHA256, "default algorithm hmac-sha256");
	dns_name_from_str("key.example.", name, sizeof(name));
	is_mem(k.name, name, 13, "name stored lowercased in wire form");
	is_int(k.secret_len, 35, "secret decoded");
	ok(memcmp(k.secret, "sigedge-tsig-test-secret-0123456789", 35) == 0, "secret octets");
	is_int(k.fudge, KSYNC_TSIG_FUDGE, "default fudge 300");
	is_int(ksync_tsig_mac_len(&k), 32, "hmac-sha256 MAC is 32 octets");

	static const struct { const char *spec, *name; int alg; size_t mac; } good[] = {
		{ "hmac-sha1:a:" SECRET, "hmac-sha1", KSYNC_TSIG_HMAC_SHA1, 20 },
		{ "HMAC-SHA224:a.:" SECRET, "hmac-sha224", KSYNC_TSIG_HMAC_SHA224, 28 },
		{ "hmac-sha256:a:" SECRET, "hmac-sha256", KSYNC_TSIG_HMAC_SHA256, 32 },
		{ "hmac-sha384:a:" SECRET, "hmac-sha384", KSYNC_TSIG_HMAC_SHA384, 48 },
		{ "hmac-sha512:a:" SECRET, "hmac-sha512", KSYNC_TSIG_HMAC_SHA512, 64 },
	};
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		int rc = ksync_tsig_key_parse(good[i].spec, &k, err, sizeof(err));
		ok(rc == 0 && (int)k.alg == good[i].alg && ksync_tsig_mac_len(&k) == good[i].mac,
		   "parse %s", good[i].spec);
		is_str(ksync_tsig_alg_name(k.alg), good[i].name, "algorithm name %s", good[i].name);
	}

	static const struct { const char *spec; const char *why; } bad[] = {
		{ "no-colon", "expected [alg:]name:secret" },
		{ ":" SECRET, "empty key name" },
		{ "hmac-sha256::" SECRET, "empty key name" },
		{ "hmac-md5:a:" SECRET, "unknown algorithm \"hmac-md5\"" },
		{ "sha256:a:" SECRET, "unknown algorithm \"sha256\"" },
		{ "a:", "empty secret" },
		{ "a:not base64!", "not valid base64" },
		{ "a:abc", "not valid base64" },
		{ "a:====", "not valid base64" },
		{ "a..b:" SECRET, "invalid key name" },
		{ "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa:" SECRET,
		  "invalid key name" },
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		int rc = ksync_tsig_key_parse(bad[i].spec, &k, err, sizeof(err));
		ok(rc == DNS_ESYNTAX && strstr(err, bad[i].why), "refuse \"%s\": %s", bad[i].spec, err);
	}
	char longspec[600] = "a:";
	memset(longspec + 2, 'A', 400);
	longspec[402] = '\0';
	ok(ksync_tsig_key_parse(longspec, &k, err, sizeof(err)) == DNS_ESYNTAX,
	   "refuse a secret longer than %d octets", KSYNC_TSIG_SECRET_MAX);
	ok(ksync_tsig_key_parse("a:" SECRET, &k, NULL, 0) == 0, "err may be NULL");
}

static void
test_dnspython_vectors(void)
{
	struct ksync_tsig_result r;

	is_int(verify(py_query, sizeof(py_query), T, NULL, 0, &r), 0, "dnspython query verifies");
	is_int(r.rcode, DNS_R_NOERROR, "rcode NOERROR");
	ok(r.key == &keys[1], "matched the key despite mixed case on the wire");
	is_int(r.mac_len, 32, "MAC length");
	is_mem(r.mac, py_query_mac, 32, "MAC kept for the response");
	is_int(r.original_id, 0x1234, "original ID");
	is_int(r.time_signed, T, "time signed");
	is_int(r.fudge, 300, "fudge");
	is_int(r.tsig_pos, 33, "TSIG offset");

	is_int(verify(py_query, sizeof(py_query), T + 300, NULL, 0, &r), 0, "now = time + fudge ok");
	is_int(verify(py_query, sizeof(py_query), T - 300, NULL, 0, &r), 0, "now = time - fudge ok");
	is_int(verify(py_query, sizeof(py_query), T + 301, NULL, 0, &r), -EACCES, "after fudge");
	ok(r.rcode == DNS_R_NOTAUTH && r.error == KSYNC_TSIG_BADTIME, "late: NOTAUTH BADTIME");
	is_int(verify(py_query, sizeof(py_query), T - 301, NULL, 0, &r), -EACCES, "before fudge");
	ok(r.rcode == DNS_R_NOTAUTH && r.error == KSYNC_TSIG_BADTIME, "early: NOTAUTH BADTIME");

	is_int(verify(py_response, sizeof(py_response), T, py_query_mac, 32, &r), 0,
	       "dnspython response verifies with the request MAC");
	is_int(verify(py_response, sizeof(py_response), T, NULL, 0, &r), -EACCES,
	       "response without the request MAC fails");
	is_int(r.error, KSYNC_TSIG_BADSIG, "BADSIG");

	is_int(verify(py_update512, sizeof(py_update512), T, NULL, 0, &r), 0,
	       "dnspython UPDATE with hmac-sha512 verifies");
	ok(r.key == &keys[0] && r.mac_len == 64, "hmac-sha512 key and MAC length");
}

static void
test_round_trip(void)
{
	uint8_t q[512], resp[512], mac[KSYNC_TSIG_MAC_MAX], mac2[KSYNC_TSIG_MAC_MAX];
	struct ksync_tsig_result r, rr;
	size_t qlen, rlen;

	for (int k = 0; k < 3; k++) {
		size_t len = make_query(q, (uint16_t)(0x4000 + k));
		is_int(ksync_tsig_sign(q, len, sizeof(q), &keys[k], T + 5, NULL, 0, mac, &qlen), 0,
		       "sign query with %s", ksync_tsig_alg_name(keys[k].alg));
		is_int(dns_get16(q + 10), 1, "ARCOUNT bumped");
		is_int(verify(q, qlen, T, NULL, 0, &r), 0, "own signature verifies");
		ok(r.key == &keys[k] && r.mac_len == ksync_tsig_mac_len(&keys[k]) &&
		   memcmp(r.mac, mac, r.mac_len) == 0, "verified MAC is the one returned by sign");
		is_int(r.time_signed, T + 5, "time signed from the caller's clock");

		/* The response: same ID, QR set, signed over the request MAC. */
		memcpy(resp, q, len);
		dns_put16(resp + 2, DNS_QR | DNS_RD);
		dns_put16(resp + 10, 0);
		is_int(ksync_tsig_sign(resp, len, sizeof(resp), r.key, T + 6, r.mac, r.mac_len,
				       mac2, &rlen), 0, "sign response");
		is_int(verify(resp, rlen, T + 7, mac, r.mac_len, &rr), 0,
		       "response verifies with the request MAC");
		is_int(verify(resp, rlen, T + 7, NULL, 0, &rr), -EACCES,
		       "response does not verify without it");
		is_int(verify(resp, rlen, T + 7, mac2, r.mac_len, &rr), -EACCES,
		       "nor with another MAC");
	}

	size_t len = make_query(q, 7);
	is_int(ksync_tsig_sign(q, len, len + 10, &keys[1], T, NULL, 0, NULL, &qlen), DNS_ESPACE,
	       "no room: DNS_ESPACE");
	is_int(dns_get16(q + 10), 0, "message unchanged (ARCOUNT)");
	is_int(ksync_tsig_sign(q, 5, sizeof(q), &keys[1], T, NULL, 0, NULL, &qlen), DNS_EMALFORMED,
	       "no header: DNS_EMALFORMED");
	is_int(verify(q, len, T, NULL, 0, &r), DNS_ENOTFOUND, "unsigned message: DNS_ENOTFOUND");
	is_int(r.rcode, DNS_R_NOERROR, "unsigned: rcode NOERROR");
	/* A MAC of the maximal 48-bit time. */
	is_int(ksync_tsig_sign(q, len, sizeof(q), &keys[1], 0xffffffffffffULL, NULL, 0, NULL, &qlen),
	       0, "sign at the largest time");
	is_int(verify(q, qlen, 0xffffffffffffULL, NULL, 0, &r), 0, "48-bit time round trip");
}

/* A signed query (key tsig-key.example., hmac-sha256) and the offset of its MAC. */
static size_t
signed_query(uint8_t *q, size_t cap, size_t *mac_ofs)
{
	size_t len = make_query(q, 0x2222), qlen;
	ksync_tsig_sign(q, len, cap, &keys[1], T, NULL, 0, NULL, &qlen);
	*mac_ofs = len + K256_NAME_LEN + 10 + ALG256_LEN + 10;
	return qlen;
}

static void
expect(const uint8_t *msg, size_t len, int rc, uint8_t rcode, uint16_t error, const char *what)
{
	struct ksync_tsig_result r;
	int got = verify(msg, len, T, NULL, 0, &r);
	ok(got == rc && r.rcode == rcode && r.error == error, "%s: rc %d rcode %u error %u", what,
	   got, r.rcode, r.error);
}

static void
test_failures(void)
{
	uint8_t q[512], m[512];
	size_t mac_ofs, len = signed_query(q, sizeof(q), &mac_ofs);
	struct ksync_tsig_key other;
	struct ksync_tsig_result r;

	expect(q, len, 0, DNS_R_NOERROR, 0, "intact");
	ok(dns_get16(q + mac_ofs - 2) == 32 && dns_get16(q + mac_ofs + 32) == 0x2222,
	   "MAC offset as computed");

	/* Keys. */
	ksync_tsig_key_parse("tsig-key.example:c2VjcmV0Mg==", &other, NULL, 0);
	is_int(ksync_tsig_verify(q, len, &other, 1, T, NULL, 0, &r), -EACCES, "wrong secret");
	is_int(r.error, KSYNC_TSIG_BADSIG, "wrong secret: BADSIG");
	ksync_tsig_key_parse("hmac-sha512:tsig-key.example:" SECRET, &other, NULL, 0);
	is_int(ksync_tsig_verify(q, len, &other, 1, T, NULL, 0, &r), -EACCES,
	       "same name, other algorithm");
	ok(r.error == KSYNC_TSIG_BADKEY && r.key == NULL, "other algorithm: BADKEY");
	is_int(ksync_tsig_verify(q, len, &keys[2], 1, T, NULL, 0, &r), -EACCES, "unknown key name");
	ok(r.rcode == DNS_R_NOTAUTH && r.error == KSYNC_TSIG_BADKEY, "unknown key: NOTAUTH BADKEY");
	is_int(ksync_tsig_verify(q, len, NULL, 0, T, NULL, 0, &r), -EACCES, "no keys at all");
	is_int(r.error, KSYNC_TSIG_BADKEY, "no keys: BADKEY");

	/* Any flipped bit in what the MAC covers, or in the MAC. */
	static const struct { size_t ofs; const char *what; } flips[] = {
		{ 2, "header flags" },
		{ 14, "question name" },
		{ 31, "question type" },
	};
	for (size_t i = 0; i < sizeof(flips) / sizeof(flips[0]); i++) {
		memcpy(m, q, len);
		m[flips[i].ofs] ^= 0x01;
		expect(m, len, -EACCES, DNS_R_NOTAUTH, KSYNC_TSIG_BADSIG, flips[i].what);
	}
	memcpy(m, q, len);
	m[1] ^= 0x01;
	expect(m, len, 0, DNS_R_NOERROR, 0,
	       "changed header ID alone still verifies (the MAC covers the original ID)");
	memcpy(m, q, len);
	m[mac_ofs + 32 + 1] ^= 0x01;
	expect(m, len, -EACCES, DNS_R_NOTAUTH, KSYNC_TSIG_BADSIG, "original ID");
	memcpy(m, q, len);
	m[mac_ofs] ^= 0x80;
	expect(m, len, -EACCES, DNS_R_NOTAUTH, KSYNC_TSIG_BADSIG, "first MAC octet");
	memcpy(m, q, len);
	m[mac_ofs + 31] ^= 0x01;
	expect(m, len, -EACCES, DNS_R_NOTAUTH, KSYNC_TSIG_BADSIG, "last MAC octet");
	memcpy(m, q, len);
	m[mac_ofs - 5] ^= 0x01;
	expect(m, len, -EACCES, DNS_R_NOTAUTH, KSYNC_TSIG_BADSIG, "time signed (MAC first)");
	memcpy(m, q, len);
	m[mac_ofs - 3] ^= 0x01;
	expect(m, len, -EACCES, DNS_R_NOTAUTH, KSYNC_TSIG_BADSIG, "fudge");
	memcpy(m, q, len);
	m[33 + 1] ^= 0x20;
	expect(m, len, 0, DNS_R_NOERROR, 0, "key name case does not matter");
	memcpy(m, q, len);
	m[33 + 1] ^= 0x01;
	expect(m, len, -EACCES, DNS_R_NOTAUTH, KSYNC_TSIG_BADKEY, "key name changed");
	memcpy(m, q, len);
	m[33 + K256_NAME_LEN + 10 + 11] = '7';  /* hmac-sha256 -> hmac-sha257 */
	expect(m, len, -EACCES, DNS_R_NOTAUTH, KSYNC_TSIG_BADKEY, "unknown algorithm");

	/* Form errors. */
	expect(q, 11, DNS_EMALFORMED, DNS_R_FORMERR, 0, "shorter than a header");
	for (size_t cut = 1; cut < len - 33; cut += 7)
		expect(q, len - cut, DNS_EMALFORMED, DNS_R_FORMERR, 0, "TSIG RR cut short");
	memcpy(m, q, len);
	dns_put16(m + 10, 2);
	expect(m, len, DNS_EMALFORMED, DNS_R_FORMERR, 0, "ARCOUNT one too many");
	dns_put16(m + 10, 0);
	expect(m, len, DNS_EMALFORMED, DNS_R_FORMERR, 0, "ARCOUNT 0: TSIG is trailing garbage");
	dns_put16(m + 6, 1);
	expect(m, len, DNS_EMALFORMED, DNS_R_FORMERR, 0, "TSIG in the answer section");
	memcpy(m, q, len);
	m[len] = 0;
	expect(m, len + 1, DNS_EMALFORMED, DNS_R_FORMERR, 0, "trailing octet");

	/* TSIG not last: an A record after it (ARCOUNT 2). */
	static const uint8_t arec[] = { 0, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 192, 0, 2, 1 };
	memcpy(m, q, len);
	memcpy(m + len, arec, sizeof(arec));
	dns_put16(m + 10, 2);
	expect(m, len + sizeof(arec), DNS_EMALFORMED, DNS_R_FORMERR, 0, "TSIG not last");
	/* Two TSIG RRs. */
	memcpy(m, q, len);
	memcpy(m + len, q + 33, len - 33);
	dns_put16(m + 10, 2);
	expect(m, len + len - 33, DNS_EMALFORMED, DNS_R_FORMERR, 0, "two TSIG RRs");
	/* Class IN, TTL not 0. */
	memcpy(m, q, len);
	dns_put16(m + 33 + K256_NAME_LEN + 2, DNS_C_IN);
	expect(m, len, DNS_EMALFORMED, DNS_R_FORMERR, 0, "TSIG class IN");
	memcpy(m, q, len);
	m[33 + K256_NAME_LEN + 7] = 1;
	expect(m, len, DNS_EMALFORMED, DNS_R_FORMERR, 0, "TSIG TTL 1");
	/* RDLENGTH one short / long (other len then does not fit exactly). */
	memcpy(m, q, len);
	dns_put16(m + 33 + K256_NAME_LEN + 8, (uint16_t)(dns_get16(m + 33 + K256_NAME_LEN + 8) - 1));
	m[len - 1] = 0;
	expect(m, len - 1, DNS_EMALFORMED, DNS_R_FORMERR, 0, "RDATA one octet short");
	memcpy(m, q, len);
	dns_put16(m + len - 2, 1);
	expect(m, len, DNS_EMALFORMED, DNS_R_FORMERR, 0, "other len beyond RDATA");
	/* MAC size larger than any hash. */
	memcpy(m, q, len);
	dns_put16(m + mac_ofs - 2, 70);
	expect(m, len, DNS_EMALFORMED, DNS_R_FORMERR, 0, "MAC size 70");
}

/*
 * q with its MAC cut to n octets (or grown by n - 32 zero octets), RDLENGTH
 * fixed; returns the new length.
 */
static size_t
resize_mac(uint8_t *m, const uint8_t *q, size_t len, size_t mac_ofs, size_t n)
{
	size_t rdlen_ofs = 33 + K256_NAME_LEN + 8;
	memcpy(m, q, mac_ofs + (n < 32 ? n : 32));
	if (n > 32)
		memset(m + mac_ofs + 32, 0, n - 32);
	memcpy(m + mac_ofs + n, q + mac_ofs + 32, len - mac_ofs - 32);
	dns_put16(m + mac_ofs - 2, (uint16_t)n);
	dns_put16(m + rdlen_ofs, (uint16_t)(dns_get16(q + rdlen_ofs) + n - 32));
	return len + n - 32;
}

static void
test_truncation(void)
{
	uint8_t q[512], m[600];
	size_t mac_ofs, len = signed_query(q, sizeof(q), &mac_ofs);

	expect(m, resize_mac(m, q, len, mac_ofs, 32), 0, DNS_R_NOERROR, 0, "resize to 32 is a no-op");
	expect(m, resize_mac(m, q, len, mac_ofs, 33), DNS_EMALFORMED, DNS_R_FORMERR, 0,
	       "MAC longer than the hash: FORMERR");
	expect(m, resize_mac(m, q, len, mac_ofs, 16), -EACCES, DNS_R_NOTAUTH, KSYNC_TSIG_BADTRUNC,
	       "correct MAC truncated to 16 (allowed by the RFC, not by policy): BADTRUNC");
	expect(m, resize_mac(m, q, len, mac_ofs, 24), -EACCES, DNS_R_NOTAUTH, KSYNC_TSIG_BADTRUNC,
	       "truncated to 24: BADTRUNC");
	size_t n = resize_mac(m, q, len, mac_ofs, 16);
	m[mac_ofs + 3] ^= 1;
	expect(m, n, -EACCES, DNS_R_NOTAUTH, KSYNC_TSIG_BADSIG, "wrong truncated MAC: BADSIG");
	expect(m, resize_mac(m, q, len, mac_ofs, 15), DNS_EMALFORMED, DNS_R_FORMERR, 0,
	       "MAC of 15 octets (< half of SHA-256): FORMERR");
	expect(m, resize_mac(m, q, len, mac_ofs, 10), DNS_EMALFORMED, DNS_R_FORMERR, 0,
	       "MAC of 10 octets: FORMERR");
	expect(m, resize_mac(m, q, len, mac_ofs, 0), DNS_EMALFORMED, DNS_R_FORMERR, 0,
	       "empty MAC in a request: FORMERR");
}

static void
test_error_replies(void)
{
	uint8_t q[512], m[512], reply[600], mac[KSYNC_TSIG_MAC_MAX];
	struct ksync_tsig_result r, c;
	size_t mac_ofs, len = signed_query(q, sizeof(q), &mac_ofs), rlen;
	memcpy(mac, q + mac_ofs, 32);

	/* BADKEY: unsigned reply naming the request's key and algorithm. */
	is_int(ksync_tsig_verify(q, len, &keys[2], 1, T, NULL, 0, &r), -EACCES, "BADKEY request");
	size_t hlen = r.tsig_pos;
	memcpy(reply, q, hlen);
	dns_put16(reply + 2, DNS_QR | DNS_R_NOTAUTH);
	dns_put16(reply + 10, 0);
	is_int(ksync_tsig_sign_error(reply, hlen, sizeof(reply), &r, T + 1, &rlen), 0,
	       "BADKEY reply TSIG");
	is_int(dns_get16(reply + 10), 1, "ARCOUNT 1");
	is_int(rlen, hlen + K256_NAME_LEN + 10 + ALG256_LEN + 16, "empty MAC, no other data");
	is_int(verify(reply, rlen, T + 1, mac, 32, &c), -EACCES, "client sees no valid TSIG");
	ok(c.peer_error == KSYNC_TSIG_BADKEY && c.mac_len == 0 && c.error == KSYNC_TSIG_BADSIG,
	   "client: peer error BADKEY, empty MAC (not authenticated)");
	is_int(c.original_id, 0x2222, "original ID is the request's");

	/* BADSIG: unsigned too. */
	memcpy(m, q, len);
	m[mac_ofs] ^= 1;
	is_int(verify(m, len, T, NULL, 0, &r), -EACCES, "BADSIG request");
	dns_put16(reply + 10, 0);
	is_int(ksync_tsig_sign_error(reply, hlen, sizeof(reply), &r, T + 1, &rlen), 0,
	       "BADSIG reply TSIG");
	is_int(verify(reply, rlen, T + 1, mac, 32, &c), -EACCES, "client: not authenticated");
	ok(c.peer_error == KSYNC_TSIG_BADSIG && c.mac_len == 0, "client: peer error BADSIG");

	/* BADTIME: signed over the request MAC, server time in other data. */
	uint64_t server_now = T + 1000;
	is_int(verify(q, len, server_now, NULL, 0, &r), -EACCES, "BADTIME request");
	dns_put16(reply + 10, 0);
	is_int(ksync_tsig_sign_error(reply, hlen, sizeof(reply), &r, server_now, &rlen), 0,
	       "BADTIME reply TSIG");
	is_int(rlen, hlen + K256_NAME_LEN + 10 + ALG256_LEN + 16 + 32 + 6, "MAC and 6 octets other");
	ok(dns_get16(reply + rlen - 8) == 6 && dns_get16(reply + rlen - 6) == 0 &&
	   dns_get32(reply + rlen - 4) == (uint32_t)server_now, "other data = server time");
	is_int(verify(reply, rlen, T, mac, 32, &c), -EACCES, "client: error reply");
	ok(c.error == KSYNC_TSIG_BADTIME && c.peer_error == KSYNC_TSIG_BADTIME && c.mac_len == 32 &&
	   c.time_signed == T, "client: signed BADTIME, time signed = request time");
	is_int(verify(reply, rlen, T, NULL, 0, &c), -EACCES, "BADTIME reply is over the request MAC");
	is_int(c.error, KSYNC_TSIG_BADSIG, "without it: BADSIG");

	/* BADTRUNC: signed. */
	size_t n = resize_mac(m, q, len, mac_ofs, 16);
	is_int(verify(m, n, T, NULL, 0, &r), -EACCES, "BADTRUNC request");
	dns_put16(reply + 10, 0);
	is_int(ksync_tsig_sign_error(reply, hlen, sizeof(reply), &r, T + 2, &rlen), 0,
	       "BADTRUNC reply TSIG");
	is_int(verify(reply, rlen, T, mac, 16, &c), -EACCES, "client: error reply");
	ok(c.peer_error == KSYNC_TSIG_BADTRUNC && c.error == KSYNC_TSIG_BADTRUNC && c.mac_len == 32,
	   "client: signed BADTRUNC over the truncated request MAC");

	/* Misuse. */
	is_int(verify(q, len, T, NULL, 0, &r), 0, "good request");
	is_int(ksync_tsig_sign_error(reply, hlen, sizeof(reply), &r, T, &rlen), -EINVAL,
	       "no error reply for a verified request");
	is_int(verify(q, 5, T, NULL, 0, &r), DNS_EMALFORMED, "FORMERR request");
	is_int(ksync_tsig_sign_error(reply, hlen, sizeof(reply), &r, T, &rlen), -EINVAL,
	       "FORMERR replies carry no TSIG");
}

int
main(void)
{
	setup_keys();
	test_key_parse();
	test_dnspython_vectors();
	test_round_trip();
	test_failures();
	test_truncation();
	test_error_replies();
	return tap_done();
}
