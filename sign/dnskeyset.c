/* SPDX-License-Identifier: BSD-3-Clause */
#include "sign/dnskeyset.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "dns/err.h"
#include "dns/name.h"
#include "dns/rdata.h"
#include "dns/wire.h"
#include "sign/rrsig.h"

/* RRSIG RDATA: 18 octets of fixed fields (RFC 4034 3.1), then the signer name. */
#define RRSIG_FIXED 18

int
sign_rrset_wellformed(const struct dns_rrset *rs, uint16_t type)
{
	size_t min = type == DNS_T_RRSIG ? RRSIG_FIXED + 1 : 4;
	uint32_t pos = 0;

	if (rs->type != type || (rs->count && !rs->rdata))
		return -EINVAL;
	for (uint16_t i = 0; i < rs->count; i++) {
		if (rs->rdlen - pos < 2)
			return -EINVAL;
		uint16_t len = dns_get16(rs->rdata + pos);
		if (len < min || rs->rdlen - pos - 2 < len)
			return -EINVAL;
		pos += 2u + len;
	}
	return pos == rs->rdlen ? 0 : -EINVAL;
}

static bool
given(const struct dns_rrset *rs)
{
	return rs && rs->count;
}

static int
pair_wellformed(const struct dns_rrset *rs, const struct dns_rrset *sig, uint16_t type,
		const char *what, char *err, size_t errlen)
{
	if (sign_rrset_wellformed(rs, type) < 0)
		return dns_errf(err, errlen, -EINVAL, "%s: malformed RRset", what);
	if (!given(sig))
		return dns_errf(err, errlen, -EINVAL, "%s: no RRSIG", what);
	if (sign_rrset_wellformed(sig, DNS_T_RRSIG) < 0)
		return dns_errf(err, errlen, -EINVAL, "%s: malformed RRSIG RRset", what);
	return 0;
}

int
sign_dnskeyset_wellformed(const struct sign_dnskeyset *s, char *err, size_t errlen)
{
	int rc;

	if (!given(s->dnskey))
		return dns_errf(err, errlen, -EINVAL, "DNSKEY: empty RRset");
	rc = pair_wellformed(s->dnskey, s->dnskey_sig, DNS_T_DNSKEY, "DNSKEY", err, errlen);
	if (rc == 0 && given(s->cds))
		rc = pair_wellformed(s->cds, s->cds_sig, DNS_T_CDS, "CDS", err, errlen);
	if (rc == 0 && given(s->cdnskey))
		rc = pair_wellformed(s->cdnskey, s->cdnskey_sig, DNS_T_CDNSKEY, "CDNSKEY", err,
				     errlen);
	return rc;
}

/*
 * The keys of the DNSKEY RRset that may sign: ZONE flag, no REVOKE flag,
 * an algorithm sigedge supports. Returns how many are in v (room for
 * dnskey->count), or -ENOMEM.
 */
static int
set_signers(const uint8_t *apex, const struct dns_rrset *dnskey, struct sign_key **v)
{
	uint32_t pos = 0;
	uint16_t len;
	const uint8_t *rd;
	int n = 0;

	while ((rd = dns_rrset_next(dnskey, &pos, &len)) != NULL) {
		uint16_t flags = dns_get16(rd);
		if (!(flags & SIGN_FLAG_ZONE) || (flags & SIGN_FLAG_REVOKE))
			continue;
		int rc = sign_key_from_dnskey(apex, rd, len, &v[n]);
		if (rc == -ENOMEM)
			return rc;
		n += rc == 0;
	}
	return n;
}

/* 0 if an RRSIG of sig over rs verifies with one of keys[n] and is valid at now. */
static int
rrset_verify(const uint8_t *apex, const struct dns_rrset *rs, const struct dns_rrset *sig,
	     struct sign_key *const *keys, size_t n, uint32_t now, const char *what, char *err,
	     size_t errlen)
{
	struct sign_rrset_ref ref = sign_rrset_ref_of(apex, dns_name_len(apex), rs);
	size_t cap = sign_rrsig_scratch_size(&ref);
	uint8_t *scratch = malloc(cap);
	bool expired = false, early = false;
	uint32_t pos = 0;
	uint16_t len;
	const uint8_t *rd;

	if (!scratch)
		return dns_errf(err, errlen, -ENOMEM, "out of memory");
	while ((rd = dns_rrset_next(sig, &pos, &len)) != NULL) {
		uint32_t expiration = dns_get32(rd + 8), inception = dns_get32(rd + 12);

		for (size_t i = 0; i < n; i++) {
			if (sign_key_tag(keys[i]) != dns_get16(rd + 16) ||
			    sign_key_alg(keys[i]) != rd[2])
				continue;
			int rc = sign_rrsig_verify(keys[i], &ref, rd, len, scratch, cap);
			if (rc == -ENOMEM) {
				free(scratch);
				return dns_errf(err, errlen, rc, "out of memory");
			}
			if (rc < 0)
				continue;
			if ((int32_t)(now - inception) < 0) {
				early = true;
			} else if ((int32_t)(expiration - now) < 0) {
				expired = true;
			} else {
				free(scratch);
				return 0;
			}
		}
	}
	free(scratch);
	if (expired)
		return dns_errf(err, errlen, -EINVAL, "%s: RRSIG expired", what);
	if (early)
		return dns_errf(err, errlen, -EINVAL, "%s: RRSIG not yet valid", what);
	return dns_errf(err, errlen, -EINVAL, "%s: no RRSIG verifies with a key of the set", what);
}

int
sign_dnskeyset_check(const uint8_t *apex, const struct sign_dnskeyset *s,
		     const struct sign_key *const *zsk, size_t nzsk, uint32_t now, char *err,
		     size_t errlen)
{
	struct sign_key **keys;
	int n, rc = sign_dnskeyset_wellformed(s, err, errlen);

	if (rc < 0)
		return rc;
	for (size_t i = 0; i < nzsk; i++) {
		size_t kl;
		const uint8_t *kd = sign_key_dnskey(zsk[i], &kl);
		if (!dns_rrset_has(s->dnskey, kd, kl))
			return dns_errf(err, errlen, -EINVAL,
					"our ZSK %u (algorithm %u) is missing from DNSKEY",
					sign_key_tag(zsk[i]), sign_key_alg(zsk[i]));
	}
	keys = calloc(s->dnskey->count, sizeof(*keys));
	if (!keys)
		return dns_errf(err, errlen, -ENOMEM, "out of memory");
	n = set_signers(apex, s->dnskey, keys);
	if (n < 0) {
		rc = dns_errf(err, errlen, n, "out of memory");
	} else {
		rc = rrset_verify(apex, s->dnskey, s->dnskey_sig, keys, (size_t)n, now, "DNSKEY",
				  err, errlen);
		if (rc == 0 && given(s->cds))
			rc = rrset_verify(apex, s->cds, s->cds_sig, keys, (size_t)n, now, "CDS",
					  err, errlen);
		if (rc == 0 && given(s->cdnskey))
			rc = rrset_verify(apex, s->cdnskey, s->cdnskey_sig, keys, (size_t)n, now,
					  "CDNSKEY", err, errlen);
	}
	for (size_t i = 0; i < s->dnskey->count; i++)
		sign_key_free(keys[i]);
	free(keys);
	return rc;
}
