/* SPDX-License-Identifier: BSD-3-Clause */
#include "keysync/sig0.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "dns/err.h"
#include "dns/rdata.h"
#include "dns/wire.h"
#include "sign/rrsig.h"

#define ARCOUNT_OFS 10
#define SIG_FIXED 18    /* type covered .. key tag */

static int
alg_ok(uint8_t alg)
{
	return alg == SIGN_ALG_ECDSAP256SHA256 || alg == SIGN_ALG_ED25519;
}

/* The signed data: RDATA without signature | request | message with ARCOUNT arcount. */
struct sig0_data {
	const uint8_t *rdata;
	size_t rdata_len;
	const uint8_t *request;
	size_t request_len;
	const uint8_t *msg;
	size_t msg_len;
	uint16_t arcount;
};

/* The signed data in one buffer (Ed25519 signs in one shot); malloc'd, or NULL. */
static uint8_t *
data_concat(const struct sig0_data *d, size_t *len)
{
	size_t n = d->rdata_len + d->request_len + d->msg_len;
	uint8_t *buf = malloc(n ? n : 1);

	if (!buf)
		return NULL;
	uint8_t *p = buf;
	memcpy(p, d->rdata, d->rdata_len);
	p += d->rdata_len;
	if (d->request_len)
		memcpy(p, d->request, d->request_len);
	p += d->request_len;
	memcpy(p, d->msg, d->msg_len);
	dns_put16(p + ARCOUNT_OFS, d->arcount);
	*len = n;
	return buf;
}

/* Sign d with key; writes KSYNC_SIG0_SIG_MAX (64) octets to sig. */
static int
sig0_compute(const struct sign_key *key, const struct sig0_data *d, uint8_t *sig)
{
	struct sign_signer *s = NULL;
	size_t len;
	int rc = sign_signer_new(key, &s);
	if (rc < 0)
		return rc;
	uint8_t *data = data_concat(d, &len);
	if (!data)
		rc = -ENOMEM;
	else if (sign_signer_sig_len(s) != KSYNC_SIG0_SIG_MAX)
		rc = -ENOTSUP;
	else
		rc = sign_signer_sign(s, data, len, sig);
	free(data);
	sign_signer_free(s);
	return rc;
}

/* 0 if sig (siglen octets) verifies over d with key, -EBADMSG if not. */
static int
sig0_check(const struct sign_key *key, const struct sig0_data *d, const uint8_t *sig,
	   size_t siglen)
{
	size_t len;

	if (siglen != KSYNC_SIG0_SIG_MAX)
		return -EBADMSG;
	uint8_t *data = data_concat(d, &len);
	if (!data)
		return -ENOMEM;
	int rc = sign_key_verify(key, data, len, sig, siglen);
	free(data);
	return rc;
}

int
ksync_sig0_sign(uint8_t *msg, size_t len, size_t cap, const struct sign_key *key,
		uint64_t now, const uint8_t *request, size_t request_len, size_t *outlen)
{
	uint8_t rdata[SIG_FIXED + DNS_NAME_MAXLEN + KSYNC_SIG0_SIG_MAX];
	int rc;

	if (!alg_ok(sign_key_alg(key)))
		return -ENOTSUP;
	if (!sign_key_has_private(key))
		return -EINVAL;
	if (len < DNS_HDR_LEN)
		return DNS_EMALFORMED;
	uint16_t arcount = dns_get16(msg + ARCOUNT_OFS);
	if (arcount == 0xffff)
		return DNS_EMALFORMED;
	uint32_t t = (uint32_t)now;
	size_t hlen = SIG_FIXED + dns_name_lower(rdata + SIG_FIXED, sign_key_owner(key));
	size_t rdlen = hlen + KSYNC_SIG0_SIG_MAX;
	if (cap < len || cap - len < 1 + 10 + rdlen)
		return DNS_ESPACE;
	memset(rdata, 0, SIG_FIXED);     /* type covered, labels, original TTL: 0 */
	rdata[2] = sign_key_alg(key);
	dns_put32(rdata + 8, t + KSYNC_SIG0_WINDOW);
	dns_put32(rdata + 12, t - KSYNC_SIG0_WINDOW);
	dns_put16(rdata + 16, sign_key_tag(key));
	struct sig0_data d = {
		.rdata = rdata, .rdata_len = hlen, .request = request,
		.request_len = request ? request_len : 0, .msg = msg, .msg_len = len,
		.arcount = arcount,
	};
	rc = sig0_compute(key, &d, rdata + hlen);
	if (rc < 0)
		return rc;

	uint8_t *p = msg + len;
	p[0] = 0;                        /* owner: root */
	dns_put16(p + 1, DNS_T_SIG);
	dns_put16(p + 3, DNS_C_ANY);
	dns_put32(p + 5, 0);
	dns_put16(p + 9, (uint16_t)rdlen);
	memcpy(p + 11, rdata, rdlen);
	dns_put16(msg + ARCOUNT_OFS, (uint16_t)(arcount + 1));
	*outlen = len + 11 + rdlen;
	return 0;
}

/*
 * Read the SIG(0) RR at r->sig_pos into r; *rdata, *hlen: its RDATA and the
 * length of the part before the signature.
 */
static int
parse_sig(const uint8_t *msg, size_t len, struct ksync_sig0_result *r, const uint8_t **rdata,
	  size_t *hlen)
{
	size_t pos = r->sig_pos, nlen;
	const uint8_t *rr = msg + pos + 1;

	/* Owner root, class ANY, TTL 0. */
	if (msg[pos] != 0 || dns_get16(rr + 2) != DNS_C_ANY || dns_get32(rr + 4) != 0)
		return DNS_EMALFORMED;
	size_t rdlen = dns_get16(rr + 8);
	pos += 11;
	if (rdlen < SIG_FIXED + 1 || len - pos != rdlen)
		return DNS_EMALFORMED;
	const uint8_t *rd = msg + pos;
	if (dns_get16(rd) != 0 || rd[3] != 0 || dns_get32(rd + 4) != 0)
		return DNS_EMALFORMED;
	size_t npos = pos + SIG_FIXED;
	/* The signer must be uncompressed and end inside the RDATA. */
	if (dns_name_unpack(msg, len, &npos, r->signer, &nlen) < 0 ||
	    npos - (pos + SIG_FIXED) != nlen)
		return DNS_EMALFORMED;
	r->alg = rd[2];
	r->expiration = dns_get32(rd + 8);
	r->inception = dns_get32(rd + 12);
	r->key_tag = dns_get16(rd + 16);
	*rdata = rd;
	*hlen = SIG_FIXED + nlen;
	return 0;
}

static int
fail(struct ksync_sig0_result *r, uint8_t rcode, uint16_t error)
{
	r->rcode = rcode;
	r->error = error;
	return rcode == DNS_R_FORMERR ? DNS_EMALFORMED : -EACCES;
}

/* a <= b in RFC 1982 serial arithmetic on 32 bits. */
static int
serial_le(uint32_t a, uint32_t b)
{
	return (int32_t)(b - a) >= 0;
}

int
ksync_sig0_verify(const uint8_t *msg, size_t len, const struct sign_key *const *keys,
		  size_t nkeys, uint64_t now, const uint8_t *request, size_t request_len,
		  struct ksync_sig0_result *r)
{
	const uint8_t *rdata;
	size_t hlen;

	memset(r, 0, sizeof(*r));
	if (dns_msg_find_last_rr(msg, len, DNS_T_SIG, false, &r->sig_pos) < 0)
		return fail(r, DNS_R_FORMERR, 0);
	if (r->sig_pos == 0)
		return DNS_ENOTFOUND;
	if (parse_sig(msg, len, r, &rdata, &hlen) < 0)
		return fail(r, DNS_R_FORMERR, 0);

	for (size_t i = 0; i < nkeys && alg_ok(r->alg) && !r->key; i++)
		if (keys[i] && sign_key_alg(keys[i]) == r->alg &&
		    sign_key_tag(keys[i]) == r->key_tag &&
		    dns_name_equal(sign_key_owner(keys[i]), r->signer))
			r->key = keys[i];
	if (!r->key)
		return fail(r, DNS_R_NOTAUTH, KSYNC_SIG0_BADKEY);

	struct sig0_data d = {
		.rdata = rdata, .rdata_len = hlen, .request = request,
		.request_len = request ? request_len : 0, .msg = msg, .msg_len = r->sig_pos,
		.arcount = (uint16_t)(dns_get16(msg + ARCOUNT_OFS) - 1),
	};
	size_t siglen = (size_t)(msg + len - rdata) - hlen;
	int rc = sig0_check(r->key, &d, rdata + hlen, siglen);
	if (rc == -EBADMSG)
		return fail(r, DNS_R_NOTAUTH, KSYNC_SIG0_BADSIG);
	if (rc < 0)
		return rc;
	uint32_t t = (uint32_t)now;
	if (!serial_le(r->inception - KSYNC_SIG0_ALLOWANCE, t) ||
	    !serial_le(t, r->expiration + KSYNC_SIG0_ALLOWANCE))
		return fail(r, DNS_R_NOTAUTH, KSYNC_SIG0_BADTIME);
	r->rcode = DNS_R_NOERROR;
	return 0;
}
