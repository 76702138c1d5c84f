/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sign/rrsig: RRSIG RDATA and canonical form checked byte for byte, the
 * RFC 8080 and RFC 5702 signatures reproduced, RFC 6605's verified, every
 * signature verified by OpenSSL and by ldns, wildcard labels, validity
 * buckets, and the error cases.
 */
#include <errno.h>
#include <time.h>

#include <ldns/ldns.h>

#include "../tap.h"
#include "dns/err.h"
#include "dns/name.h"
#include "dns/rdata.h"
#include "sign/keyfile.h"
#include "sign/rrsig.h"
#include "helpers.h"

static char err[512];
static const char *dir;
static uint8_t scratch[1 << 16];

static struct sign_key *
load(const char *sub, const char *base)
{
	return load_pair(sub, base, dir, err, sizeof(err));
}

/* An RRset under construction: owner, type, TTL and RDATAs in the dns_rrset layout. */
struct set {
	uint8_t owner[DNS_NAME_MAXLEN];
	uint8_t rdata[8192];
	struct sign_rrset_ref ref;
};

static void
set_init(struct set *s, const char *owner, uint16_t type, uint32_t ttl)
{
	memset(s, 0, sizeof(*s));
	int n = dns_name_from_str(owner, s->owner, sizeof(s->owner));
	s->ref.owner = s->owner;
	s->ref.owner_len = n > 0 ? (size_t)n : 0;
	s->ref.type = type;
	s->ref.ttl = ttl;
	s->ref.rdata = s->rdata;
}

static void
set_add(struct set *s, const uint8_t *rd, size_t len)
{
	s->rdata[s->ref.rdlen] = (uint8_t)(len >> 8);
	s->rdata[s->ref.rdlen + 1] = (uint8_t)len;
	memcpy(s->rdata + s->ref.rdlen + 2, rd, len);
	s->ref.rdlen += 2 + (uint32_t)len;
	s->ref.count++;
}

static void
set_add_a(struct set *s, uint8_t a, uint8_t b, uint8_t c, uint8_t d)
{
	uint8_t rd[4] = { a, b, c, d };
	set_add(s, rd, 4);
}

/* MX RDATA: preference and a name in presentation form. */
static void
set_add_mx(struct set *s, uint16_t pref, const char *name)
{
	uint8_t rd[2 + DNS_NAME_MAXLEN];
	rd[0] = (uint8_t)(pref >> 8);
	rd[1] = (uint8_t)pref;
	int n = dns_name_from_str(name, rd + 2, sizeof(rd) - 2);
	set_add(s, rd, 2 + (size_t)n);
}

static int
sign(const struct sign_key *k, const struct sign_rrset_ref *rr, uint32_t inc, uint32_t exp,
     uint8_t *out, size_t cap)
{
	struct sign_signer *s;
	int rc = sign_signer_new(k, &s);

	if (rc < 0)
		return rc;
	rc = sign_rrsig(s, rr, inc, exp, scratch, sizeof(scratch), out, cap);
	sign_signer_free(s);
	return rc;
}

/* One RR in wire form (owner, type, class IN, TTL, RDATA) parsed by ldns. */
static ldns_rr *
ldns_rr_of(const uint8_t *owner, uint16_t type, uint32_t ttl, const uint8_t *rd, size_t len)
{
	uint8_t wire[2048];
	size_t n = dns_name_len(owner), pos = 0;
	ldns_rr *rr = NULL;

	memcpy(wire, owner, n);
	uint8_t hdr[10] = { (uint8_t)(type >> 8), (uint8_t)type, 0, 1, (uint8_t)(ttl >> 24),
			    (uint8_t)(ttl >> 16), (uint8_t)(ttl >> 8), (uint8_t)ttl,
			    (uint8_t)(len >> 8), (uint8_t)len };
	memcpy(wire + n, hdr, 10);
	memcpy(wire + n + 10, rd, len);
	if (ldns_wire2rr(&rr, wire, n + 10 + len, &pos, LDNS_SECTION_ANSWER) != LDNS_STATUS_OK)
		return NULL;
	return rr;
}

/* ldns' verdict on an RRSIG RDATA over rr with key k, at time `when`. */
static ldns_status
ldns_verdict(const struct sign_rrset_ref *rr, const uint8_t *sig, size_t siglen,
	     const struct sign_key *k, uint32_t when)
{
	ldns_rr_list *set = ldns_rr_list_new(), *keys = ldns_rr_list_new();
	const uint8_t *rd;
	uint32_t pos = 0;
	uint16_t len;
	struct dns_rrset rs = { rr->type, rr->count, rr->ttl, rr->rdlen, rr->rdata };

	while ((rd = dns_rrset_next(&rs, &pos, &len)) != NULL)
		ldns_rr_list_push_rr(set, ldns_rr_of(rr->owner, rr->type, rr->ttl, rd, len));
	ldns_rr *rrsig = ldns_rr_of(rr->owner, DNS_T_RRSIG, rr->ttl, sig, siglen);
	size_t klen;
	const uint8_t *krd = sign_key_dnskey(k, &klen);
	ldns_rr_list_push_rr(keys, ldns_rr_of(sign_key_owner(k), DNS_T_DNSKEY, 3600, krd, klen));
	ldns_status st = ldns_verify_rrsig_keylist_time(set, rrsig, keys, when, NULL);
	ldns_rr_list_deep_free(set);
	ldns_rr_list_deep_free(keys);
	ldns_rr_free(rrsig);
	return st;
}

static void
b64(const uint8_t *p, size_t n, char *out)
{
	EVP_EncodeBlock((unsigned char *)out, p, (int)n);
}

/* The exact signed data: RRSIG fields, then the RRset lowercased, sorted, deduplicated. */
static void
test_canonical_bytes(void)
{
	struct sign_key *k = load("rfc", "Kexample.com.+015+03613");
	struct set s;
	uint8_t sig[512], data[512], seed[32];
	size_t n = 0;

	ok(k != NULL, "RFC 8080 key");
	if (!k)
		return;
	set_init(&s, "WWW.Example.COM", DNS_T_MX, 7200);
	set_add_mx(&s, 20, "MAIL2.Example.COM");
	set_add_mx(&s, 10, "Mail.EXAMPLE.com");
	set_add_mx(&s, 10, "mail.example.com");
	int len = sign(k, &s.ref, 1000000, 2000000, sig, sizeof(sig));
	is_int(len, 18 + 13 + 64, "RRSIG RDATA length");
	static const uint8_t fields[] = {
		0, 15, 15, 3, 0, 0, 0x1c, 0x20,   /* MX, alg 15, 3 labels, TTL 7200 */
		0, 0x1e, 0x84, 0x80,               /* expiration 2000000 */
		0, 0x0f, 0x42, 0x40,               /* inception 1000000 */
		0x0e, 0x1d,                        /* key tag 3613 */
		7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 3, 'c', 'o', 'm', 0,
	};
	ok(len > 0 && memcmp(sig, fields, sizeof(fields)) == 0, "RRSIG fields");
	memcpy(data, fields, sizeof(fields));
	n = sizeof(fields);
	static const char *const mx[] = { "mail.example.com", "mail2.example.com" };
	for (int i = 0; i < 2; i++) {
		static const uint8_t owner[] = { 3, 'w', 'w', 'w', 7, 'e', 'x', 'a', 'm', 'p',
						 'l', 'e', 3, 'c', 'o', 'm', 0 };
		uint8_t name[DNS_NAME_MAXLEN];
		int nl = dns_name_from_str(mx[i], name, sizeof(name));
		memcpy(data + n, owner, sizeof(owner));
		n += sizeof(owner);
		uint8_t hdr[12] = { 0, 15, 0, 1, 0, 0, 0x1c, 0x20, 0, (uint8_t)(2 + nl), 0,
				    (uint8_t)(i ? 20 : 10) };
		memcpy(data + n, hdr, sizeof(hdr));
		n += sizeof(hdr);
		memcpy(data + n, name, (size_t)nl);
		n += (size_t)nl;
	}
	/* Ed25519 is deterministic: OpenSSL over the expected data gives the same signature. */
	unb64("ODIyNjAzODQ2MjgwODAxMjI2NDUxOTAyMDQxNDIyNjI=", seed);
	EVP_PKEY *pk = EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, NULL, seed, 32);
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	uint8_t want[64];
	size_t wlen = sizeof(want);
	ok(pk && ctx && EVP_DigestSignInit(ctx, NULL, NULL, NULL, pk) == 1 &&
	   EVP_DigestSign(ctx, want, &wlen, data, n) == 1, "reference signature");
	ok(len > 0 && memcmp(sig + 18 + 13, want, 64) == 0,
	   "signature is over the canonical form (lowercase, sorted, no duplicates, TTL)");
	/* ldns keeps duplicates (RFC 4034 6.3 forbids them in an RRset): give it the RRset as sent. */
	struct set sent;
	set_init(&sent, "WWW.Example.COM", DNS_T_MX, 7200);
	set_add_mx(&sent, 20, "MAIL2.Example.COM");
	set_add_mx(&sent, 10, "Mail.EXAMPLE.com");
	is_int(ldns_verdict(&sent.ref, sig, (size_t)len, k, 1500000), LDNS_STATUS_OK, "ldns agrees");
	EVP_MD_CTX_free(ctx);
	EVP_PKEY_free(pk);
	sign_key_free(k);
}

/* RFC 8080 6.1: deterministic Ed25519 over example.com MX 10 mail.example.com. */
static void
test_rfc8080(void)
{
	static const struct {
		const char *base, *sig;
	} v[] = {
		{ "Kexample.com.+015+03613",
		  "oL9krJun7xfBOIWcGHi7mag5/hdZrKWw15jPGrHpjQeRAvTdszaPD+QLs3fx8A4M3e23mRZ9VrbpMngwcrqNAg==" },
		{ "Kexample.com.+015+35217",
		  "zXQ0bkYgQTEFyfLyi9QoiY6D8ZdYo4wyUhVioYZXFdT410QPRITQSqJSnzQoSm5poJ7gD7AQR0O7KuI5k2pcBg==" },
	};
	for (size_t i = 0; i < 2; i++) {
		struct sign_key *k = load("rfc", v[i].base);
		struct set s;
		uint8_t sig[512];
		char text[128];

		ok(k != NULL, "%s loads", v[i].base);
		if (!k)
			continue;
		set_init(&s, "example.com", DNS_T_MX, 3600);
		set_add_mx(&s, 10, "mail.example.com");
		int len = sign(k, &s.ref, 1438207200, 1440021600, sig, sizeof(sig));
		ok(len == 18 + 13 + 64, "%s: signed", v[i].base);
		b64(sig + 31, 64, text);
		is_str(text, v[i].sig, "%s: RFC 8080 signature reproduced", v[i].base);
		is_int(ldns_verdict(&s.ref, sig, (size_t)len, k, 1439000000), LDNS_STATUS_OK,
		       "%s: ldns verifies", v[i].base);
		sign_key_free(k);
	}
}

/* RFC 5702 6.1: RSA/SHA-256 (PKCS#1 v1.5 is deterministic). */
static void
test_rfc5702(void)
{
	struct sign_key *k = load("rfc", "Kexample.net.+008+09033");
	struct set s;
	uint8_t sig[512];
	char text[256];

	ok(k != NULL, "RFC 5702 key loads");
	if (!k)
		return;
	set_init(&s, "www.example.net", DNS_T_A, 3600);
	set_add_a(&s, 192, 0, 2, 91);
	int len = sign(k, &s.ref, utc("20000101000000"), utc("20300101000000"), sig, sizeof(sig));
	is_int(len, 18 + 13 + 64, "RSA 512-bit RRSIG length");
	b64(sig + 31, 64, text);
	is_str(text, "kRCOH6u7l0QGy9qpC9l1sLncJcOKFLJ7GhiUOibu4teYp5VE9RncriShZNz85mwlMgNEacFYK/lPtPiVYP4bwg==",
	       "RFC 5702 signature reproduced");
	is_int(sign_rrsig_verify(k, &s.ref, sig, (size_t)len, scratch, sizeof(scratch)), 0,
	       "verifies");
	sign_key_free(k);
}

/* RFC 6605 6.1: the published (randomised) P-256 signature verifies; ours do too. */
static void
test_rfc6605(void)
{
	struct sign_key *k = load("rfc", "Kexample.net.+013+55648");
	struct set s;
	uint8_t rrsig[256], sig[256];
	size_t n;

	ok(k != NULL, "RFC 6605 key loads");
	if (!k)
		return;
	set_init(&s, "www.example.net", DNS_T_A, 3600);
	set_add_a(&s, 192, 0, 2, 1);
	uint32_t exp = utc("20100909100439"), inc = utc("20100812100439");
	uint8_t f[18] = { 0, 1, 13, 3, 0, 0, 0x0e, 0x10, (uint8_t)(exp >> 24), (uint8_t)(exp >> 16),
			  (uint8_t)(exp >> 8), (uint8_t)exp, (uint8_t)(inc >> 24),
			  (uint8_t)(inc >> 16), (uint8_t)(inc >> 8), (uint8_t)inc, 0xd9, 0x60 };
	memcpy(rrsig, f, 18);
	n = 18 + (size_t)dns_name_from_str("example.net", rrsig + 18, 255);
	n += (size_t)unb64("qx6wLYqmh+l9oCKTN6qIc+bw6ya+KJ8oMz0YP107epXAyGmt+3SNruPFKG7tZoLBLlUzGGus7ZwmwWep666VCw==",
			   rrsig + n);
	is_int(n, 18 + 13 + 64, "RFC 6605 RRSIG assembled");
	is_int(sign_rrsig_verify(k, &s.ref, rrsig, n, scratch, sizeof(scratch)), 0,
	       "RFC 6605 signature verifies");
	is_int(ldns_verdict(&s.ref, rrsig, n, k, inc + 1), LDNS_STATUS_OK, "ldns agrees");
	rrsig[n - 1] ^= 1;
	is_int(sign_rrsig_verify(k, &s.ref, rrsig, n, scratch, sizeof(scratch)), -EBADMSG,
	       "altered signature: EBADMSG");

	int a = sign(k, &s.ref, inc, exp, rrsig, sizeof(rrsig));
	int b = sign(k, &s.ref, inc, exp, sig, sizeof(sig));
	ok(a == b && a == 18 + 13 + 64 && memcmp(rrsig, sig, 31) == 0, "same RRSIG fields");
	ok(memcmp(rrsig + 31, sig + 31, 64) != 0, "ECDSA signatures are randomised");
	ok(sign_rrsig_verify(k, &s.ref, rrsig, (size_t)a, scratch, sizeof(scratch)) == 0 &&
	   sign_rrsig_verify(k, &s.ref, sig, (size_t)b, scratch, sizeof(scratch)) == 0,
	   "both verify");
	sign_key_free(k);
}

/* Each algorithm, keys from the tools: OpenSSL and ldns verify, over many signatures. */
static void
test_algorithms(void)
{
	static const char *const bases[] = { "Kexample.com.+013+55434", "Kexample.com.+015+22313",
					     "Kexample.com.+008+20955" };
	for (size_t i = 0; i < 3; i++) {
		struct sign_key *k = load("bind", bases[i]);
		struct sign_signer *sg;
		struct set s;
		uint8_t sig[1024];
		int good = 0, ldns_good = 0, rounds = 50;

		if (!k || sign_signer_new(k, &sg) < 0) {
			ok(0, "%s: signer", bases[i]);
			sign_key_free(k);
			continue;
		}
		set_init(&s, "www.example.com", DNS_T_A, 300);
		set_add_a(&s, 192, 0, 2, 1);
		set_add_a(&s, 192, 0, 2, 2);
		for (int r = 0; r < rounds; r++) {
			s.rdata[s.ref.rdlen - 1] = (uint8_t)(r + 2); /* a different RRset each round */
			int len = sign_rrsig(sg, &s.ref, 1000, 2000, scratch, sizeof(scratch), sig,
					     sizeof(sig));
			if (len == (int)sign_signer_rrsig_len(sg) &&
			    sign_rrsig_verify(k, &s.ref, sig, (size_t)len, scratch, sizeof(scratch)) == 0)
				good++;
			if (len > 0 && ldns_verdict(&s.ref, sig, (size_t)len, k, 1500) == LDNS_STATUS_OK)
				ldns_good++;
		}
		is_int(good, rounds, "%s: %d signatures from one signer verify", bases[i], rounds);
		is_int(ldns_good, rounds, "%s: ldns verifies them", bases[i]);
		sign_signer_free(sg);
		sign_key_free(k);
	}
}

/* Canonical order: any input order, case or duplicates give the same signed data. */
static void
test_order(void)
{
	struct sign_key *k = load("rfc", "Kexample.com.+015+35217");
	struct set up, down, dup;
	uint8_t a[256], b[256], c[256];

	if (!k) {
		ok(0, "key");
		return;
	}
	set_init(&up, "many.example.com", DNS_T_A, 60);
	set_init(&down, "MANY.example.COM", DNS_T_A, 60);
	set_init(&dup, "many.example.com", DNS_T_A, 60);
	for (int i = 0; i < 200; i++) {
		set_add_a(&up, 10, 0, (uint8_t)(i / 100), (uint8_t)i);
		set_add_a(&down, 10, 0, (uint8_t)((199 - i) / 100), (uint8_t)(199 - i));
		set_add_a(&dup, 10, 0, (uint8_t)(i / 100), (uint8_t)i);
		set_add_a(&dup, 10, 0, (uint8_t)(i / 100), (uint8_t)i);
	}
	int la = sign(k, &up.ref, 1, 2, a, sizeof(a));
	int lb = sign(k, &down.ref, 1, 2, b, sizeof(b));
	int lc = sign(k, &dup.ref, 1, 2, c, sizeof(c));
	ok(la > 0 && la == lb && la == lc, "signed three ways");
	ok(memcmp(a, b, (size_t)la) == 0, "reverse order and upper case: same signature");
	ok(memcmp(a, c, (size_t)la) == 0, "every RR twice: same signature");
	is_int(ldns_verdict(&down.ref, b, (size_t)lb, k, 1), LDNS_STATUS_OK,
	       "ldns verifies the reverse-ordered RRset");

	/* Sorting needs sign_rrsig_scratch_size; in-order RRsets need less. */
	size_t need = sign_rrsig_scratch_size(&down.ref), inorder = 31 + 200 * (up.ref.owner_len + 10 + 4);
	struct sign_signer *s;
	sign_signer_new(k, &s);
	is_int(sign_rrsig(s, &down.ref, 1, 2, scratch, need, b, sizeof(b)), la,
	       "unsorted with sign_rrsig_scratch_size octets");
	is_int(sign_rrsig(s, &up.ref, 1, 2, scratch, inorder, a, sizeof(a)), la,
	       "sorted RRset fits in its own size");
	is_int(sign_rrsig(s, &down.ref, 1, 2, scratch, inorder, b, sizeof(b)), DNS_ESPACE,
	       "unsorted in that size: ESPACE");
	is_int(sign_rrsig(s, &up.ref, 1, 2, scratch, 100, a, sizeof(a)), DNS_ESPACE,
	       "tiny scratch: ESPACE");
	is_int(sign_rrsig(s, &up.ref, 1, 2, scratch, sizeof(scratch), a, (size_t)la - 1),
	       DNS_ESPACE, "output one octet short: ESPACE");
	is_int(sign_signer_rrsig_len(s), la, "sign_signer_rrsig_len");

	struct set bad;
	set_init(&bad, "example.com", DNS_T_NS, 60);
	set_add(&bad, (const uint8_t *)"\3foo", 4);
	is_int(sign_rrsig(s, &bad.ref, 1, 2, scratch, sizeof(scratch), a, sizeof(a)),
	       DNS_EMALFORMED, "NS RDATA without root label: EMALFORMED");
	struct set ptr;
	set_init(&ptr, "example.com", DNS_T_NS, 60);
	set_add(&ptr, (const uint8_t *)"\3foo\300\014", 6);
	is_int(sign_rrsig(s, &ptr.ref, 1, 2, scratch, sizeof(scratch), a, sizeof(a)),
	       DNS_EMALFORMED, "compressed name in RDATA: EMALFORMED");
	sign_signer_free(s);
	sign_key_free(k);
}

/* Labels field (RFC 4034 3.1.3) and wildcard expansion (RFC 4035 5.3.2). */
static void
test_labels(void)
{
	static const struct {
		const char *owner;
		int labels;
	} v[] = { { ".", 0 }, { "example.com", 2 }, { "a.b.example.com", 4 },
		  { "*.example.com", 2 }, { "*.a.example.com", 3 } };
	struct sign_key *k = load("bind", "Kexample.com.+013+55434");
	uint8_t sig[256];

	if (!k) {
		ok(0, "key");
		return;
	}
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		struct set s;
		set_init(&s, v[i].owner, DNS_T_TXT, 300);
		set_add(&s, (const uint8_t *)"\2hi", 3);
		int len = sign(k, &s.ref, 10, 20, sig, sizeof(sig));
		ok(len > 3 && sig[3] == v[i].labels, "%s: labels %d", v[i].owner, v[i].labels);
	}

	/* A wildcard RRset signed once verifies for any name it expands to. */
	struct set wild, exp, other;
	set_init(&wild, "*.Example.com", DNS_T_A, 300);
	set_add_a(&wild, 192, 0, 2, 7);
	int len = sign(k, &wild.ref, 10, 20, sig, sizeof(sig));
	set_init(&exp, "x.Y.example.com", DNS_T_A, 300);
	set_add_a(&exp, 192, 0, 2, 7);
	is_int(sign_rrsig_verify(k, &exp.ref, sig, (size_t)len, scratch, sizeof(scratch)), 0,
	       "wildcard signature verifies for x.y.example.com");
	is_int(ldns_verdict(&exp.ref, sig, (size_t)len, k, 15), LDNS_STATUS_OK,
	       "ldns verifies the expansion");
	is_int(sign_rrsig_verify(k, &wild.ref, sig, (size_t)len, scratch, sizeof(scratch)), 0,
	       "and for the wildcard name itself");
	set_init(&other, "x.example.org", DNS_T_A, 300);
	set_add_a(&other, 192, 0, 2, 7);
	is_int(sign_rrsig_verify(k, &other.ref, sig, (size_t)len, scratch, sizeof(scratch)),
	       -EBADMSG, "not for a name outside the wildcard");

	/* Fields that do not match the RRset or key. */
	struct set a;
	set_init(&a, "www.example.com", DNS_T_A, 300);
	set_add_a(&a, 192, 0, 2, 1);
	len = sign(k, &a.ref, 10, 20, sig, sizeof(sig));
	a.ref.type = DNS_T_AAAA;
	is_int(sign_rrsig_verify(k, &a.ref, sig, (size_t)len, scratch, sizeof(scratch)), -EINVAL,
	       "type covered differs: EINVAL");
	a.ref.type = DNS_T_A;
	sig[3] = 4;
	is_int(sign_rrsig_verify(k, &a.ref, sig, (size_t)len, scratch, sizeof(scratch)), -EINVAL,
	       "labels above the owner's: EINVAL");
	sig[3] = 3;
	a.ref.ttl = 60; /* the RRSIG's original TTL counts, not the RRset's */
	is_int(sign_rrsig_verify(k, &a.ref, sig, (size_t)len, scratch, sizeof(scratch)), 0,
	       "verification uses the original TTL");
	struct sign_key *other_key = load("ldns", "Kexample.com.+013+48596");
	is_int(sign_rrsig_verify(other_key, &a.ref, sig, (size_t)len, scratch, sizeof(scratch)),
	       -EINVAL, "another key: EINVAL");
	is_int(sign_rrsig_verify(k, &a.ref, sig, 18, scratch, sizeof(scratch)), DNS_EMALFORMED,
	       "RRSIG without signer: EMALFORMED");
	sign_key_free(other_key);
	sign_key_free(k);
}

/* Validity windows are pure functions of now, constant within a bucket. */
static void
test_validity(void)
{
	struct sign_validity v = SIGN_VALIDITY_DEFAULT, bad;
	uint32_t inc, exp, inc2, exp2;

	is_int(sign_validity_check(&v), 0, "default policy is valid");
	sign_validity_window(&v, 1700000000, &inc, &exp);
	is_int(inc, 1699999200 - 3600, "inception: bucket start less one hour");
	is_int(exp, 1699999200 + 7 * 86400, "expiration: bucket start plus seven days");
	sign_validity_window(&v, 1699999200, &inc2, &exp2);
	ok(inc2 == inc && exp2 == exp, "first second of the bucket: same window");
	sign_validity_window(&v, 1699999200 + 3599, &inc2, &exp2);
	ok(inc2 == inc && exp2 == exp, "last second of the bucket: same window");
	sign_validity_window(&v, 1699999200 + 3600, &inc2, &exp2);
	ok(inc2 == inc + 3600 && exp2 == exp + 3600, "next bucket: window moves by one bucket");
	for (uint32_t now = 1700000000; now < 1700000000 + 86400; now += 997) {
		sign_validity_window(&v, now, &inc2, &exp2);
		if (!(inc2 <= now - 3600 && inc2 > now - 7200 && exp2 > now + 6 * 86400 + 82800 &&
		      exp2 <= now + 7 * 86400))
			break;
		inc = now;
	}
	ok(inc >= 1700000000 + 86400 - 997, "inception at least the offset ago, validity left");
	sign_validity_window(&v, 1000, &inc2, &exp2);
	ok(inc2 == (uint32_t)(0 - 3600) && exp2 == 7 * 86400, "wraps modulo 2^32 near 0");

	bad = v;
	bad.bucket = 0;
	is_int(sign_validity_check(&bad), -EINVAL, "bucket 0: EINVAL");
	bad = v;
	bad.lifetime = bad.bucket;
	is_int(sign_validity_check(&bad), -EINVAL, "lifetime not above bucket: EINVAL");
	bad = v;
	bad.lifetime = 0x7fffffff;
	is_int(sign_validity_check(&bad), -EINVAL, "window beyond 2^31: EINVAL");
}

int
main(void)
{
	dir = tmpdir();
	if (!dir) {
		printf("Bail out! cannot create a temporary directory\n");
		return 1;
	}
	test_canonical_bytes();
	test_rfc8080();
	test_rfc5702();
	test_rfc6605();
	test_algorithms();
	test_order();
	test_labels();
	test_validity();
	rmtree(dir);
	return tap_done();
}
