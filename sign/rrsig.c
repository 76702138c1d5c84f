/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <stdalign.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/rsa.h>

#include "dns/err.h"
#include "dns/rdata.h"
#include "sign/key_internal.h"
#include "sign/rrsig.h"

#define RRSIG_FIXED 18 /* type covered .. key tag */
#define ECDSA_SIGLEN 64
#define ED25519_SIGLEN 64
#define SHA256_LEN 32

struct sign_signer {
	uint8_t alg;
	uint16_t tag;
	size_t signer_len;
	size_t siglen;
	EVP_PKEY *pkey;
	EVP_PKEY_CTX *pctx; /* ECDSA, RSA: prepared for EVP_PKEY_sign over a digest */
	EVP_MD_CTX *mdctx;
	EVP_MD *sha256;
	uint8_t signer[DNS_NAME_MAXLEN];
};

static inline void
put16(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static inline void
put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static inline uint32_t
get16(const uint8_t *p)
{
	return (uint32_t)p[0] << 8 | p[1];
}

static inline uint32_t
get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

size_t
sign_rrsig_scratch_size(const struct sign_rrset_ref *rr)
{
	/* Header, the records, then (out of order only) the canonical RDATAs and a sort index. */
	return RRSIG_FIXED + DNS_NAME_MAXLEN + (size_t)rr->count * (rr->owner_len + 10 + 4) +
	       2 * (size_t)rr->rdlen + alignof(uint32_t);
}

int
sign_validity_check(const struct sign_validity *v)
{
	if (v->bucket == 0 || v->lifetime <= v->bucket ||
	    (uint64_t)v->inception_offset + v->lifetime >= (uint64_t)1 << 31)
		return -EINVAL;
	return 0;
}

void
sign_validity_window(const struct sign_validity *v, uint32_t now, uint32_t *inception,
		     uint32_t *expiration)
{
	uint32_t start = now - now % v->bucket;

	*inception = start - v->inception_offset;
	*expiration = start + v->lifetime;
}

/* RRSIG labels field of an owner name: its labels, less a leading "*" (RFC 4034 3.1.3). */
static unsigned
rrsig_labels(const uint8_t *owner)
{
	unsigned n = dns_name_labels(owner);

	return (owner[0] == 1 && owner[1] == '*') ? n - 1 : n;
}

/*
 * Owner as it appears in the signed data: lowercased, and when the RRSIG
 * covers fewer labels than the owner has, "*." and its rightmost `labels`
 * labels (RFC 4035 5.3.2). Returns the length.
 */
static size_t
canon_owner(const uint8_t *owner, unsigned labels, uint8_t *out)
{
	unsigned total = dns_name_labels(owner);
	size_t o = 0;

	if (labels < total) {
		for (unsigned i = labels; i < total; i++)
			owner += 1 + owner[0];
		out[o++] = 1;
		out[o++] = '*';
	}
	return o + dns_name_lower(out + o, owner);
}

/* Canonical RDATA order of two length-prefixed entries { u16 len, RDATA }. */
static int
entry_cmp(const uint8_t *a, const uint8_t *b)
{
	return dns_rdata_cmp(a + 2, get16(a), b + 2, get16(b));
}

/*
 * Records out of canonical order: canonicalize every RDATA into the tail of
 * buf, sort an index of them (insertion sort: no allocation, and RRsets are
 * small), then write the records at buf + pos in order, without duplicates.
 */
static int
canon_sorted(const struct sign_rrset_ref *rr, const uint8_t *prefix, size_t plen,
	     uint8_t *buf, size_t pos, size_t cap, size_t *outlen)
{
	size_t n = 0, area = pos + rr->count * (plen + 2) + rr->rdlen;
	uintptr_t ia = (uintptr_t)(buf + area + rr->rdlen);
	size_t ipad = (alignof(uint32_t) - ia % alignof(uint32_t)) % alignof(uint32_t);
	size_t iofs = area + rr->rdlen + ipad;
	const uint8_t *rd;
	uint32_t walk = 0;
	uint16_t rdlen;

	if (area > cap || iofs > cap || (cap - iofs) / sizeof(uint32_t) < rr->count)
		return DNS_ESPACE;
	uint32_t *idx = (uint32_t *)(void *)(buf + iofs);
	struct dns_rrset rs = { rr->type, rr->count, rr->ttl, rr->rdlen, rr->rdata };
	size_t a = area;
	while ((rd = dns_rrset_next(&rs, &walk, &rdlen)) != NULL) {
		if (walk > rr->rdlen || n == rr->count)
			return DNS_EMALFORMED;
		int clen = dns_rdata_canonical(rr->type, rd, rdlen, buf + a + 2);
		if (clen < 0)
			return clen;
		put16(buf + a, (uint32_t)clen);
		size_t i = n++;
		while (i > 0 && entry_cmp(buf + idx[i - 1], buf + a) > 0) {
			idx[i] = idx[i - 1];
			i--;
		}
		idx[i] = (uint32_t)a;
		a += 2 + (size_t)clen;
	}
	const uint8_t *prev = NULL;
	for (size_t i = 0; i < n; i++) {
		const uint8_t *e = buf + idx[i];
		size_t elen = 2 + get16(e);
		if (prev && entry_cmp(prev, e) == 0)
			continue;
		memcpy(buf + pos, prefix, plen);
		memcpy(buf + pos + plen, e, elen);
		pos += plen + elen;
		prev = e;
	}
	*outlen = pos;
	return 0;
}

/*
 * Signed data: hdr (RRSIG RDATA up to the signer name, canonical) then the
 * RRset in canonical form with the given labels and original TTL.
 */
static int
canon_input(const struct sign_rrset_ref *rr, const uint8_t *hdr, size_t hdrlen, unsigned labels,
	    uint32_t ttl, uint8_t *buf, size_t cap, size_t *outlen)
{
	uint8_t prefix[DNS_NAME_MAXLEN + 8];
	size_t plen = canon_owner(rr->owner, labels, prefix);
	size_t pos = hdrlen, prev = 0;
	struct dns_rrset rs = { rr->type, rr->count, rr->ttl, rr->rdlen, rr->rdata };
	const uint8_t *rd;
	uint32_t walk = 0;
	uint16_t rdlen;

	put16(prefix + plen, rr->type);
	put16(prefix + plen + 2, DNS_C_IN);
	put32(prefix + plen + 4, ttl);
	plen += 8;
	if (hdrlen > cap)
		return DNS_ESPACE;
	memcpy(buf, hdr, hdrlen);
	/* RRs in canonical order already (zone RRsets are): write them as they come. */
	while ((rd = dns_rrset_next(&rs, &walk, &rdlen)) != NULL) {
		if (walk > rr->rdlen)
			return DNS_EMALFORMED;
		if (plen + 2 + (size_t)rdlen > cap - pos)
			return DNS_ESPACE;
		uint8_t *e = buf + pos + plen;
		int clen = dns_rdata_canonical(rr->type, rd, rdlen, e + 2);
		if (clen < 0)
			return clen;
		put16(e, (uint32_t)clen);
		if (prev) {
			int c = entry_cmp(buf + prev, e);
			if (c == 0)
				continue;
			if (c > 0)
				return canon_sorted(rr, prefix, plen, buf, hdrlen, cap, outlen);
		}
		memcpy(buf + pos, prefix, plen);
		prev = pos + plen;
		pos += plen + 2 + (size_t)clen;
	}
	*outlen = pos;
	return 0;
}

/* RRSIG RDATA up to and including the signer name; returns its length. */
static size_t
rrsig_header(uint8_t *out, uint16_t type, uint8_t alg, unsigned labels, uint32_t ttl,
	     uint32_t expiration, uint32_t inception, uint16_t tag, const uint8_t *signer,
	     size_t signer_len)
{
	put16(out, type);
	out[2] = alg;
	out[3] = (uint8_t)labels;
	put32(out + 4, ttl);
	put32(out + 8, expiration);
	put32(out + 12, inception);
	put16(out + 16, tag);
	memcpy(out + RRSIG_FIXED, signer, signer_len);
	return RRSIG_FIXED + signer_len;
}

int
sign_signer_new(const struct sign_key *key, struct sign_signer **out)
{
	struct sign_signer *s;
	int rc = -EIO;

	if (!key->has_private)
		return -EINVAL;
	if (!sign_alg_name(key->alg))
		return -ENOTSUP;
	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->alg = key->alg;
	s->tag = key->tag;
	s->signer_len = dns_name_lower(s->signer, key->owner);
	s->pkey = key->pkey;
	EVP_PKEY_up_ref(s->pkey);
	s->mdctx = EVP_MD_CTX_new();
	if (!s->mdctx)
		goto fail;
	switch (s->alg) {
	case SIGN_ALG_ED25519:
		s->siglen = ED25519_SIGLEN;
		break;
	case SIGN_ALG_ECDSAP256SHA256:
	case SIGN_ALG_RSASHA256:
		s->sha256 = EVP_MD_fetch(NULL, "SHA256", NULL);
		s->pctx = EVP_PKEY_CTX_new_from_pkey(NULL, s->pkey, NULL);
		if (!s->sha256 || !s->pctx || EVP_PKEY_sign_init(s->pctx) <= 0 ||
		    EVP_PKEY_CTX_set_signature_md(s->pctx, s->sha256) <= 0)
			goto fail;
		if (s->alg == SIGN_ALG_RSASHA256) {
			if (EVP_PKEY_CTX_set_rsa_padding(s->pctx, RSA_PKCS1_PADDING) <= 0)
				goto fail;
			s->siglen = (size_t)EVP_PKEY_get_size(s->pkey);
		} else {
			s->siglen = ECDSA_SIGLEN;
		}
		break;
	}
	*out = s;
	return 0;
fail:
	sign_signer_free(s);
	return rc;
}

void
sign_signer_free(struct sign_signer *s)
{
	if (!s)
		return;
	EVP_PKEY_CTX_free(s->pctx);
	EVP_MD_CTX_free(s->mdctx);
	EVP_MD_free(s->sha256);
	EVP_PKEY_free(s->pkey);
	free(s);
}

size_t
sign_signer_rrsig_len(const struct sign_signer *s)
{
	return RRSIG_FIXED + s->signer_len + s->siglen;
}

/* One DER INTEGER (positive, at most 32 octets of value) into a 32-octet big-endian field. */
static int
der_int(const uint8_t **p, const uint8_t *end, uint8_t *out)
{
	const uint8_t *q = *p;

	if (end - q < 2 || q[0] != 0x02 || q[1] == 0 || q[1] > end - q - 2)
		return -1;
	size_t len = q[1];
	q += 2;
	*p = q + len;
	while (len > 0 && q[0] == 0) {
		q++;
		len--;
	}
	if (len > 32)
		return -1;
	memset(out, 0, 32 - len);
	memcpy(out + 32 - len, q, len);
	return 0;
}

/* ECDSA-Sig-Value (SEQUENCE { r INTEGER, s INTEGER }) to r || s (RFC 6605 4). */
static int
ecdsa_der_to_raw(const uint8_t *der, size_t len, uint8_t *out)
{
	const uint8_t *p = der, *end = der + len;

	if (len < 2 || p[0] != 0x30 || p[1] != len - 2)
		return -EIO;
	p += 2;
	if (der_int(&p, end, out) < 0 || der_int(&p, end, out + 32) < 0 || p != end)
		return -EIO;
	return 0;
}

size_t
sign_signer_sig_len(const struct sign_signer *s)
{
	return s->siglen;
}

int
sign_signer_sign(struct sign_signer *s, const uint8_t *data, size_t len, uint8_t *sig)
{
	uint8_t digest[SHA256_LEN], der[80];
	unsigned dlen;
	size_t slen = s->siglen;

	if (s->alg == SIGN_ALG_ED25519) {
		/* Ed25519 is one-shot only; a one-shot context must be initialised anew. */
		if (EVP_DigestSignInit_ex(s->mdctx, NULL, NULL, NULL, NULL, s->pkey, NULL) <= 0 ||
		    EVP_DigestSign(s->mdctx, sig, &slen, data, len) <= 0 || slen != s->siglen)
			return -EIO;
		return 0;
	}
	if (!EVP_DigestInit_ex(s->mdctx, s->sha256, NULL) ||
	    !EVP_DigestUpdate(s->mdctx, data, len) ||
	    !EVP_DigestFinal_ex(s->mdctx, digest, &dlen))
		return -EIO;
	if (s->alg == SIGN_ALG_RSASHA256) {
		if (EVP_PKEY_sign(s->pctx, sig, &slen, digest, dlen) <= 0 || slen != s->siglen)
			return -EIO;
		return 0;
	}
	slen = sizeof(der);
	if (EVP_PKEY_sign(s->pctx, der, &slen, digest, dlen) <= 0)
		return -EIO;
	return ecdsa_der_to_raw(der, slen, sig);
}

int
sign_rrsig(struct sign_signer *s, const struct sign_rrset_ref *rr, uint32_t inception,
	   uint32_t expiration, uint8_t *scratch, size_t scratch_cap, uint8_t *out, size_t cap)
{
	unsigned labels = rrsig_labels(rr->owner);
	size_t hdrlen, len;
	int rc;

	if (cap < sign_signer_rrsig_len(s))
		return DNS_ESPACE;
	hdrlen = rrsig_header(out, rr->type, s->alg, labels, rr->ttl, expiration, inception,
			      s->tag, s->signer, s->signer_len);
	rc = canon_input(rr, out, hdrlen, labels, rr->ttl, scratch, scratch_cap, &len);
	if (rc < 0)
		return rc;
	rc = sign_signer_sign(s, scratch, len, out + hdrlen);
	if (rc < 0)
		return rc;
	return (int)(hdrlen + s->siglen);
}

/* r || s to a DER ECDSA-Sig-Value through OpenSSL; *der is OPENSSL_malloc'd. */
static int
ecdsa_raw_to_der(const uint8_t *raw, uint8_t **der, size_t *len)
{
	ECDSA_SIG *sig = ECDSA_SIG_new();
	BIGNUM *r = BN_bin2bn(raw, 32, NULL), *s = BN_bin2bn(raw + 32, 32, NULL);
	int n = -1;

	*der = NULL;
	if (sig && r && s && ECDSA_SIG_set0(sig, r, s)) {
		r = s = NULL;
		n = i2d_ECDSA_SIG(sig, der);
	}
	BN_free(r);
	BN_free(s);
	ECDSA_SIG_free(sig);
	if (n <= 0)
		return -ENOMEM;
	*len = (size_t)n;
	return 0;
}

int
sign_key_verify(const struct sign_key *key, const uint8_t *data, size_t len, const uint8_t *sig,
		size_t siglen)
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	uint8_t *der = NULL;
	int rc = -ENOMEM;

	if (!ctx)
		return -ENOMEM;
	if (key->alg == SIGN_ALG_ECDSAP256SHA256) {
		if (siglen != ECDSA_SIGLEN) {
			rc = -EBADMSG;
			goto out;
		}
		rc = ecdsa_raw_to_der(sig, &der, &siglen);
		if (rc < 0)
			goto out;
		sig = der;
	}
	const char *md = key->alg == SIGN_ALG_ED25519 ? NULL : "SHA256";
	if (EVP_DigestVerifyInit_ex(ctx, NULL, md, NULL, NULL, key->pkey, NULL) <= 0) {
		rc = -EIO;
		goto out;
	}
	rc = EVP_DigestVerify(ctx, sig, siglen, data, len) == 1 ? 0 : -EBADMSG;
out:
	OPENSSL_free(der);
	EVP_MD_CTX_free(ctx);
	return rc;
}

int
sign_rrsig_verify(const struct sign_key *key, const struct sign_rrset_ref *rr,
		  const uint8_t *rrsig, size_t len, uint8_t *scratch, size_t scratch_cap)
{
	uint8_t hdr[RRSIG_FIXED + DNS_NAME_MAXLEN], signer[DNS_NAME_MAXLEN];
	size_t pos = RRSIG_FIXED, slen, ilen;
	int rc;

	if (len < RRSIG_FIXED + 1)
		return DNS_EMALFORMED;
	rc = dns_name_unpack(rrsig, len, &pos, signer, &slen);
	if (rc < 0 || pos - RRSIG_FIXED != slen)
		return DNS_EMALFORMED;
	unsigned labels = rrsig[3];
	if (get16(rrsig) != rr->type || rrsig[2] != key->alg || get16(rrsig + 16) != key->tag ||
	    !dns_name_equal(signer, key->owner) || labels > rrsig_labels(rr->owner))
		return -EINVAL;
	memcpy(hdr, rrsig, RRSIG_FIXED);
	dns_name_lower(hdr + RRSIG_FIXED, signer);
	rc = canon_input(rr, hdr, pos, labels, get32(rrsig + 4), scratch, scratch_cap, &ilen);
	if (rc < 0)
		return rc;
	return sign_key_verify(key, scratch, ilen, rrsig + pos, len - pos);
}
