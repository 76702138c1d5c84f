/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/param_build.h>

#include "dns/err.h"
#include "sign/key_internal.h"

const char *
sign_alg_name(uint8_t alg)
{
	switch (alg) {
	case SIGN_ALG_RSASHA256:
		return "RSASHA256";
	case SIGN_ALG_ECDSAP256SHA256:
		return "ECDSAP256SHA256";
	case SIGN_ALG_ED25519:
		return "ED25519";
	}
	return NULL;
}

uint16_t
sign_keytag(const uint8_t *rdata, size_t len)
{
	uint32_t ac = 0;

	for (size_t i = 0; i < len; i++)
		ac += (i & 1) ? rdata[i] : (uint32_t)rdata[i] << 8;
	ac += (ac >> 16) & 0xffff;
	return (uint16_t)(ac & 0xffff);
}

static void
key_set_dnskey(struct sign_key *k, uint16_t flags)
{
	k->flags = flags;
	k->dnskey[0] = (uint8_t)(flags >> 8);
	k->dnskey[1] = (uint8_t)flags;
	k->tag = sign_keytag(k->dnskey, k->dnskey_len);
}

int
sign_key_new(uint8_t alg, uint16_t flags, const uint8_t *owner, const uint8_t *pub,
	     size_t publen, EVP_PKEY *pkey, bool has_private, struct sign_key **out)
{
	struct sign_key *k;

	if (!(flags & SIGN_FLAG_ZONE) || publen > SIGN_DNSKEY_MAXLEN - 4) {
		EVP_PKEY_free(pkey);
		return -EINVAL;
	}
	k = calloc(1, sizeof(*k));
	if (!k) {
		EVP_PKEY_free(pkey);
		return -ENOMEM;
	}
	k->pkey = pkey;
	k->has_private = has_private;
	k->alg = alg;
	memcpy(k->owner, owner, dns_name_len(owner));
	k->dnskey[2] = SIGN_DNSKEY_PROTOCOL;
	k->dnskey[3] = alg;
	memcpy(k->dnskey + 4, pub, publen);
	k->dnskey_len = (uint16_t)(4 + publen);
	key_set_dnskey(k, flags);
	*out = k;
	return 0;
}

static int
bn_param(EVP_PKEY *pkey, const char *name, uint8_t *out, size_t cap, size_t *len)
{
	BIGNUM *bn = NULL;
	int rc = -EIO;

	if (!EVP_PKEY_get_bn_param(pkey, name, &bn))
		return -EIO;
	int n = BN_num_bytes(bn);
	if ((size_t)n > cap)
		rc = DNS_ESPACE;
	else if (BN_bn2bin(bn, out) == n) {
		*len = (size_t)n;
		rc = 0;
	}
	BN_free(bn);
	return rc;
}

int
sign_pkey_to_pub(uint8_t alg, EVP_PKEY *pkey, uint8_t *out, size_t cap, size_t *len)
{
	uint8_t buf[1 + SIGN_ECDSA_PUBLEN];
	size_t n, elen, nlen;
	int rc;

	switch (alg) {
	case SIGN_ALG_ECDSAP256SHA256:
		/* Uncompressed point 0x04 || x || y; DNSKEY drops the 0x04. */
		if (!EVP_PKEY_get_octet_string_param(pkey, OSSL_PKEY_PARAM_PUB_KEY, buf,
						     sizeof(buf), &n) ||
		    n != sizeof(buf) || buf[0] != 0x04)
			return -EIO;
		if (cap < SIGN_ECDSA_PUBLEN)
			return DNS_ESPACE;
		memcpy(out, buf + 1, SIGN_ECDSA_PUBLEN);
		*len = SIGN_ECDSA_PUBLEN;
		return 0;
	case SIGN_ALG_ED25519:
		if (cap < SIGN_ED25519_LEN)
			return DNS_ESPACE;
		n = SIGN_ED25519_LEN;
		if (!EVP_PKEY_get_raw_public_key(pkey, out, &n) || n != SIGN_ED25519_LEN)
			return -EIO;
		*len = n;
		return 0;
	case SIGN_ALG_RSASHA256:
		/* RFC 3110 2: exponent length (1 octet, or 0 and 2 octets), exponent, modulus. */
		if (cap < 3)
			return DNS_ESPACE;
		rc = bn_param(pkey, OSSL_PKEY_PARAM_RSA_E, out + 3, cap - 3, &elen);
		if (rc < 0)
			return rc;
		if (elen <= 255) {
			out[0] = (uint8_t)elen;
			memmove(out + 1, out + 3, elen);
			n = 1 + elen;
		} else {
			out[0] = 0;
			out[1] = (uint8_t)(elen >> 8);
			out[2] = (uint8_t)elen;
			n = 3 + elen;
		}
		rc = bn_param(pkey, OSSL_PKEY_PARAM_RSA_N, out + n, cap - n, &nlen);
		if (rc < 0)
			return rc;
		*len = n + nlen;
		return 0;
	}
	return -ENOTSUP;
}

static int
fromdata(const char *type, OSSL_PARAM_BLD *bld, int selection, EVP_PKEY **out)
{
	OSSL_PARAM *params = OSSL_PARAM_BLD_to_param(bld);
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, type, NULL);
	int rc = DNS_EMALFORMED;

	*out = NULL;
	if (!params || !ctx)
		rc = -ENOMEM;
	else if (EVP_PKEY_fromdata_init(ctx) > 0 && EVP_PKEY_fromdata(ctx, out, selection, params) > 0)
		rc = 0;
	EVP_PKEY_CTX_free(ctx);
	OSSL_PARAM_free(params);
	return rc;
}

static int
rsa_pub_to_pkey(const uint8_t *pub, size_t len, EVP_PKEY **out)
{
	size_t elen, off;

	if (len < 1)
		return DNS_EMALFORMED;
	if (pub[0]) {
		elen = pub[0];
		off = 1;
	} else {
		if (len < 3)
			return DNS_EMALFORMED;
		elen = (size_t)pub[1] << 8 | pub[2];
		off = 3;
	}
	if (elen == 0 || elen > len - off || pub[off] == 0)
		return DNS_EMALFORMED;
	const uint8_t *mod = pub + off + elen;
	size_t mlen = len - off - elen;
	if (mlen == 0 || mod[0] == 0 || mlen * 8 < SIGN_RSA_MIN_BITS || mlen * 8 > SIGN_RSA_MAX_BITS)
		return DNS_EMALFORMED;

	OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
	BIGNUM *n = BN_bin2bn(mod, (int)mlen, NULL);
	BIGNUM *e = BN_bin2bn(pub + off, (int)elen, NULL);
	int rc = -ENOMEM;
	if (bld && n && e && OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, n) &&
	    OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, e))
		rc = fromdata("RSA", bld, EVP_PKEY_PUBLIC_KEY, out);
	BN_free(n);
	BN_free(e);
	OSSL_PARAM_BLD_free(bld);
	return rc;
}

int
sign_pub_to_pkey(uint8_t alg, const uint8_t *pub, size_t len, EVP_PKEY **out)
{
	uint8_t point[1 + SIGN_ECDSA_PUBLEN];
	OSSL_PARAM_BLD *bld;
	int rc;

	switch (alg) {
	case SIGN_ALG_ECDSAP256SHA256:
		if (len != SIGN_ECDSA_PUBLEN)
			return DNS_EMALFORMED;
		point[0] = 0x04;
		memcpy(point + 1, pub, len);
		bld = OSSL_PARAM_BLD_new();
		rc = -ENOMEM;
		/* The import checks that the point is on the curve. */
		if (bld && OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME,
							   "prime256v1", 0) &&
		    OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, point,
						     sizeof(point)))
			rc = fromdata("EC", bld, EVP_PKEY_PUBLIC_KEY, out);
		OSSL_PARAM_BLD_free(bld);
		return rc;
	case SIGN_ALG_ED25519:
		if (len != SIGN_ED25519_LEN)
			return DNS_EMALFORMED;
		*out = EVP_PKEY_new_raw_public_key_ex(NULL, "ED25519", NULL, pub, len);
		return *out ? 0 : DNS_EMALFORMED;
	case SIGN_ALG_RSASHA256:
		return rsa_pub_to_pkey(pub, len, out);
	}
	return -ENOTSUP;
}

int
sign_key_generate(uint8_t alg, uint16_t flags, const uint8_t *zone, struct sign_key **out)
{
	uint8_t pub[SIGN_DNSKEY_MAXLEN];
	EVP_PKEY *pkey;
	size_t publen;
	int rc;

	if (!(flags & SIGN_FLAG_ZONE))
		return -EINVAL;
	switch (alg) {
	case SIGN_ALG_RSASHA256:
		pkey = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)SIGN_RSA_GEN_BITS);
		break;
	case SIGN_ALG_ECDSAP256SHA256:
		pkey = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "prime256v1");
		break;
	case SIGN_ALG_ED25519:
		pkey = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
		break;
	default:
		return -ENOTSUP;
	}
	if (!pkey)
		return -EIO;
	rc = sign_pkey_to_pub(alg, pkey, pub, sizeof(pub) - 4, &publen);
	if (rc < 0) {
		EVP_PKEY_free(pkey);
		return rc == DNS_ESPACE ? -EIO : rc;
	}
	return sign_key_new(alg, flags, zone, pub, publen, pkey, true, out);
}

int
sign_key_from_dnskey(const uint8_t *owner, const uint8_t *rdata, size_t rdlen,
		     struct sign_key **out)
{
	EVP_PKEY *pkey;
	int rc;

	if (rdlen < 4 || rdata[2] != SIGN_DNSKEY_PROTOCOL)
		return DNS_EMALFORMED;
	if (!sign_alg_name(rdata[3]))
		return -ENOTSUP;
	rc = sign_pub_to_pkey(rdata[3], rdata + 4, rdlen - 4, &pkey);
	if (rc < 0)
		return rc;
	rc = sign_key_new(rdata[3], (uint16_t)(rdata[0] << 8 | rdata[1]), owner, rdata + 4,
			  rdlen - 4, pkey, false, out);
	return rc == -EINVAL ? DNS_EMALFORMED : rc;
}

int
sign_key_dup(const struct sign_key *k, struct sign_key **out)
{
	struct sign_key *c = malloc(sizeof(*c));

	if (!c)
		return -ENOMEM;
	*c = *k;
	c->extra = k->extra ? strdup(k->extra) : NULL;
	if ((k->extra && !c->extra) || EVP_PKEY_up_ref(k->pkey) != 1) {
		if (c->extra)
			OPENSSL_clear_free(c->extra, strlen(c->extra));
		free(c);
		return -ENOMEM;
	}
	*out = c;
	return 0;
}

void
sign_key_free(struct sign_key *k)
{
	if (!k)
		return;
	EVP_PKEY_free(k->pkey);
	if (k->extra)
		OPENSSL_clear_free(k->extra, strlen(k->extra));
	free(k);
}

uint8_t
sign_key_alg(const struct sign_key *k)
{
	return k->alg;
}

uint16_t
sign_key_flags(const struct sign_key *k)
{
	return k->flags;
}

uint16_t
sign_key_tag(const struct sign_key *k)
{
	return k->tag;
}

const uint8_t *
sign_key_owner(const struct sign_key *k)
{
	return k->owner;
}

bool
sign_key_has_private(const struct sign_key *k)
{
	return k->has_private;
}

const struct sign_key_timing *
sign_key_timing(const struct sign_key *k)
{
	return &k->timing;
}

const uint8_t *
sign_key_dnskey(const struct sign_key *k, size_t *len)
{
	*len = k->dnskey_len;
	return k->dnskey;
}

int
sign_key_set_flags(struct sign_key *k, uint16_t flags)
{
	if (!(flags & SIGN_FLAG_ZONE))
		return -EINVAL;
	key_set_dnskey(k, flags);
	return 0;
}

void
sign_key_set_timing(struct sign_key *k, const struct sign_key_timing *t)
{
	k->timing = *t;
}
