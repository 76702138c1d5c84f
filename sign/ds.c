/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <string.h>

#include <openssl/evp.h>

#include "dns/err.h"
#include "dns/name.h"
#include "sign/ds.h"

int
sign_ds_rdata(const uint8_t *owner, const uint8_t *dnskey, size_t len, uint8_t digest_type,
	      uint8_t *out, size_t cap)
{
	uint8_t lower[DNS_NAME_MAXLEN];
	const EVP_MD *md;
	EVP_MD_CTX *ctx;
	unsigned dlen;
	int ok;

	if (len < 4)
		return DNS_EMALFORMED;
	switch (digest_type) {
	case SIGN_DIGEST_SHA256:
		md = EVP_sha256();
		break;
	case SIGN_DIGEST_SHA384:
		md = EVP_sha384();
		break;
	default:
		return -ENOTSUP;
	}
	if (cap < 4 + (size_t)EVP_MD_get_size(md))
		return DNS_ESPACE;
	uint16_t tag = sign_keytag(dnskey, len);
	out[0] = (uint8_t)(tag >> 8);
	out[1] = (uint8_t)tag;
	out[2] = dnskey[3];
	out[3] = digest_type;
	size_t olen = dns_name_lower(lower, owner);
	ctx = EVP_MD_CTX_new();
	if (!ctx)
		return -ENOMEM;
	ok = EVP_DigestInit_ex(ctx, md, NULL) && EVP_DigestUpdate(ctx, lower, olen) &&
	     EVP_DigestUpdate(ctx, dnskey, len) && EVP_DigestFinal_ex(ctx, out + 4, &dlen);
	EVP_MD_CTX_free(ctx);
	return ok ? (int)(4 + dlen) : -EIO;
}

int
sign_key_ds(const struct sign_key *k, uint8_t digest_type, uint8_t *out, size_t cap)
{
	size_t len;
	const uint8_t *rd = sign_key_dnskey(k, &len);

	return sign_ds_rdata(sign_key_owner(k), rd, len, digest_type, out, cap);
}
