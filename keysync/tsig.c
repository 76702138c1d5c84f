/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <stdbool.h>
#include <string.h>
#include <strings.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "dns/err.h"
#include "dns/rdata.h"
#include "dns/wire.h"
#include "keysync/tsig.h"

#define ARCOUNT_OFS 10
#define TIME_MAX 0xffffffffffffULL   /* Time Signed is 48 bits */

static const struct {
	const char *name;     /* presentation and (as a wire name) algorithm name */
	const char *digest;   /* OpenSSL digest name */
	uint8_t mac_len;
} algs[] = {
	[KSYNC_TSIG_HMAC_SHA1] = { "hmac-sha1", "SHA1", 20 },
	[KSYNC_TSIG_HMAC_SHA224] = { "hmac-sha224", "SHA224", 28 },
	[KSYNC_TSIG_HMAC_SHA256] = { "hmac-sha256", "SHA256", 32 },
	[KSYNC_TSIG_HMAC_SHA384] = { "hmac-sha384", "SHA384", 48 },
	[KSYNC_TSIG_HMAC_SHA512] = { "hmac-sha512", "SHA512", 64 },
};
#define NALGS (sizeof(algs) / sizeof(algs[0]))

const char *
ksync_tsig_alg_name(enum ksync_tsig_alg alg)
{
	return (unsigned)alg < NALGS ? algs[alg].name : "unknown";
}

size_t
ksync_tsig_mac_len(const struct ksync_tsig_key *key)
{
	return algs[key->alg].mac_len;
}

/* Wire form of an algorithm's name ("\x0bhmac-sha256\0"); returns its length. */
static size_t
alg_wire(enum ksync_tsig_alg alg, uint8_t out[DNS_NAME_MAXLEN])
{
	return (size_t)dns_name_from_str(algs[alg].name, out, DNS_NAME_MAXLEN);
}

/* The algorithm a wire name denotes, or -1. */
static int
alg_from_wire(const uint8_t *name)
{
	uint8_t w[DNS_NAME_MAXLEN];

	for (unsigned i = 0; i < NALGS; i++) {
		alg_wire((enum ksync_tsig_alg)i, w);
		if (dns_name_equal(w, name))
			return (int)i;
	}
	return -1;
}

/* Decode standard base64 with OpenSSL; returns the length or -1. */
static int
base64_decode(const char *in, uint8_t *out, size_t cap)
{
	/* EVP_DecodeUpdate writes whole 48-octet blocks: keep room for one more. */
	uint8_t buf[KSYNC_TSIG_SECRET_MAX + 64];
	size_t inlen = strlen(in);
	int n = 0, m = 0;

	if (inlen > (KSYNC_TSIG_SECRET_MAX + 2) / 3 * 4)
		return -1;
	EVP_ENCODE_CTX *ctx = EVP_ENCODE_CTX_new();
	if (!ctx)
		return -1;
	EVP_DecodeInit(ctx);
	int rc = EVP_DecodeUpdate(ctx, buf, &n, (const unsigned char *)in, (int)inlen);
	if (rc >= 0)
		rc = EVP_DecodeFinal(ctx, buf + n, &m);
	EVP_ENCODE_CTX_free(ctx);
	if (rc < 0 || (size_t)(n + m) > cap)
		n = m = -1;
	else
		memcpy(out, buf, (size_t)(n + m));
	OPENSSL_cleanse(buf, sizeof(buf));
	return n < 0 ? -1 : n + m;
}

int
ksync_tsig_key_parse(const char *spec, struct ksync_tsig_key *key, char *err, size_t errlen)
{
	char namebuf[1024], algbuf[32];
	const char *secret = strrchr(spec, ':');
	const char *name = spec;
	int alg = KSYNC_TSIG_HMAC_SHA256;

	if (!secret)
		return dns_errf(err, errlen, DNS_ESYNTAX, "TSIG key \"%s\": expected [alg:]name:secret",
				spec);
	const char *colon = memchr(spec, ':', (size_t)(secret - spec));
	if (colon) {
		size_t alen = (size_t)(colon - spec);
		alg = -1;
		if (alen < sizeof(algbuf)) {
			memcpy(algbuf, spec, alen);
			algbuf[alen] = '\0';
			for (unsigned i = 0; i < NALGS; i++)
				if (strcasecmp(algbuf, algs[i].name) == 0)
					alg = (int)i;
		}
		if (alg < 0)
			return dns_errf(err, errlen, DNS_ESYNTAX,
					"TSIG key: unknown algorithm \"%.*s\"", (int)alen, spec);
		name = colon + 1;
	}
	size_t nlen = (size_t)(secret - name);
	if (nlen == 0)
		return dns_errf(err, errlen, DNS_ESYNTAX, "TSIG key: empty key name");
	if (nlen >= sizeof(namebuf))
		return dns_errf(err, errlen, DNS_ESYNTAX, "TSIG key: key name too long");
	memcpy(namebuf, name, nlen);
	namebuf[nlen] = '\0';
	uint8_t wire[DNS_NAME_MAXLEN];
	if (dns_name_from_str(namebuf, wire, sizeof(wire)) < 0)
		return dns_errf(err, errlen, DNS_ESYNTAX, "TSIG key: invalid key name \"%s\"",
				namebuf);
	secret++;
	if (*secret == '\0')
		return dns_errf(err, errlen, DNS_ESYNTAX, "TSIG key %s: empty secret", namebuf);
	int slen = base64_decode(secret, key->secret, sizeof(key->secret));
	if (slen <= 0)
		return dns_errf(err, errlen, DNS_ESYNTAX,
				"TSIG key %s: secret is not valid base64 of at most %d octets",
				namebuf, KSYNC_TSIG_SECRET_MAX);
	dns_name_lower(key->name, wire);
	key->alg = (enum ksync_tsig_alg)alg;
	key->fudge = KSYNC_TSIG_FUDGE;
	key->secret_len = (size_t)slen;
	return 0;
}

static EVP_MAC_CTX *
hmac_start(const struct ksync_tsig_key *key)
{
	EVP_MAC *mac = EVP_MAC_fetch(NULL, "HMAC", NULL);
	if (!mac)
		return NULL;
	EVP_MAC_CTX *ctx = EVP_MAC_CTX_new(mac);
	EVP_MAC_free(mac); /* the context keeps its own reference */
	if (!ctx)
		return NULL;
	OSSL_PARAM params[] = {
		OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST,
						 (char *)algs[key->alg].digest, 0),
		OSSL_PARAM_construct_end(),
	};
	if (!EVP_MAC_init(ctx, key->secret, key->secret_len, params)) {
		EVP_MAC_CTX_free(ctx);
		return NULL;
	}
	return ctx;
}

/* The TSIG variables other than the MAC itself (RFC 8945 4.3.3). */
struct tsig_vars {
	const uint8_t *name;    /* key name, any case */
	const uint8_t *alg;     /* algorithm name, any case */
	uint64_t time;
	uint16_t fudge;
	uint16_t error;
	uint16_t other_len;
	const uint8_t *other;
};

/*
 * MAC of RFC 8945 4.3: request MAC (size and MAC) when given, the message
 * msg[0..len) as it was before the TSIG was added, with the header's ID
 * replaced by orig_id and ARCOUNT by arcount, then the TSIG variables in
 * canonical form. Writes algs[key->alg].mac_len octets to out.
 */
static int
compute_mac(const struct ksync_tsig_key *key, const uint8_t *request_mac, size_t request_mac_len,
	    const uint8_t *msg, size_t len, uint16_t orig_id, uint16_t arcount,
	    const struct tsig_vars *v, uint8_t *out)
{
	uint8_t hdr[DNS_HDR_LEN], name[DNS_NAME_MAXLEN], alg[DNS_NAME_MAXLEN];
	uint8_t mac_size[2], class_ttl[6], times[12];
	size_t outlen = 0;
	bool good = true;

	EVP_MAC_CTX *ctx = hmac_start(key);
	if (!ctx)
		return -ENOMEM;
	memcpy(hdr, msg, DNS_HDR_LEN);
	dns_put16(hdr, orig_id);
	dns_put16(hdr + ARCOUNT_OFS, arcount);
	size_t nlen = dns_name_lower(name, v->name);
	size_t alen = dns_name_lower(alg, v->alg);
	dns_put16(class_ttl, DNS_C_ANY);
	dns_put32(class_ttl + 2, 0);
	dns_put16(times, (uint16_t)(v->time >> 32));
	dns_put32(times + 2, (uint32_t)v->time);
	dns_put16(times + 6, v->fudge);
	dns_put16(times + 8, v->error);
	dns_put16(times + 10, v->other_len);

	if (request_mac && request_mac_len) {
		dns_put16(mac_size, (uint16_t)request_mac_len);
		good = EVP_MAC_update(ctx, mac_size, 2) &&
		       EVP_MAC_update(ctx, request_mac, request_mac_len);
	}
	good = good && EVP_MAC_update(ctx, hdr, DNS_HDR_LEN) &&
	       EVP_MAC_update(ctx, msg + DNS_HDR_LEN, len - DNS_HDR_LEN) &&
	       EVP_MAC_update(ctx, name, nlen) && EVP_MAC_update(ctx, class_ttl, 6) &&
	       EVP_MAC_update(ctx, alg, alen) && EVP_MAC_update(ctx, times, 12) &&
	       (v->other_len == 0 || EVP_MAC_update(ctx, v->other, v->other_len)) &&
	       EVP_MAC_final(ctx, out, &outlen, KSYNC_TSIG_MAC_MAX);
	EVP_MAC_CTX_free(ctx);
	return good && outlen == algs[key->alg].mac_len ? 0 : -ENOMEM;
}

/*
 * Append a TSIG RR with variables v to msg[0..len) and add one to ARCOUNT.
 * key == NULL writes an empty MAC (an unsigned error reply).
 */
static int
tsig_append(uint8_t *msg, size_t len, size_t cap, const struct ksync_tsig_key *key,
	    const struct tsig_vars *v, const uint8_t *request_mac, size_t request_mac_len,
	    uint8_t *mac_out, size_t *outlen)
{
	uint8_t mac[KSYNC_TSIG_MAC_MAX];
	size_t mac_len = key ? algs[key->alg].mac_len : 0;
	int rc;

	if (len < DNS_HDR_LEN)
		return DNS_EMALFORMED;
	uint16_t arcount = dns_get16(msg + ARCOUNT_OFS);
	if (arcount == 0xffff)
		return DNS_EMALFORMED;
	size_t nlen = dns_name_len(v->name), alen = dns_name_len(v->alg);
	size_t rdlen = alen + 16 + mac_len + v->other_len;
	if (cap < len || cap - len < nlen + 10 + rdlen)
		return DNS_ESPACE;
	uint16_t id = dns_get16(msg);
	if (key) {
		rc = compute_mac(key, request_mac, request_mac_len, msg, len, id, arcount, v, mac);
		if (rc < 0)
			return rc;
	}

	uint8_t *p = msg + len;
	memcpy(p, v->name, nlen);
	p += nlen;
	dns_put16(p, DNS_T_TSIG);
	dns_put16(p + 2, DNS_C_ANY);
	dns_put32(p + 4, 0);
	dns_put16(p + 8, (uint16_t)rdlen);
	p += 10;
	memcpy(p, v->alg, alen);
	p += alen;
	dns_put16(p, (uint16_t)(v->time >> 32));
	dns_put32(p + 2, (uint32_t)v->time);
	dns_put16(p + 6, v->fudge);
	dns_put16(p + 8, (uint16_t)mac_len);
	p += 10;
	memcpy(p, mac, mac_len);
	p += mac_len;
	dns_put16(p, id);
	dns_put16(p + 2, v->error);
	dns_put16(p + 4, v->other_len);
	p += 6;
	if (v->other_len)
		memcpy(p, v->other, v->other_len);
	p += v->other_len;
	dns_put16(msg + ARCOUNT_OFS, (uint16_t)(arcount + 1));
	*outlen = (size_t)(p - msg);
	if (mac_out)
		memcpy(mac_out, mac, mac_len);
	return 0;
}

int
ksync_tsig_sign(uint8_t *msg, size_t len, size_t cap, const struct ksync_tsig_key *key,
		uint64_t now, const uint8_t *request_mac, size_t request_mac_len,
		uint8_t *mac, size_t *outlen)
{
	uint8_t alg[DNS_NAME_MAXLEN];

	alg_wire(key->alg, alg);
	struct tsig_vars v = {
		.name = key->name, .alg = alg, .time = now & TIME_MAX, .fudge = key->fudge,
	};
	return tsig_append(msg, len, cap, key, &v, request_mac, request_mac_len, mac, outlen);
}

/* Read the TSIG RR at r->tsig_pos into r; other data is returned by pointer. */
static int
parse_tsig(const uint8_t *msg, size_t len, struct ksync_tsig_result *r, const uint8_t **other,
	   uint16_t *other_len)
{
	size_t pos = r->tsig_pos, nlen;

	if (dns_name_unpack(msg, len, &pos, r->name, &nlen) < 0)
		return DNS_EMALFORMED;
	const uint8_t *rr = msg + pos;
	if (dns_get16(rr + 2) != DNS_C_ANY || dns_get32(rr + 4) != 0)
		return DNS_EMALFORMED;
	size_t end = pos + 10 + dns_get16(rr + 8);
	pos += 10;
	/* Names inside the RDATA must end inside it: parse with the RDATA's end as the limit. */
	if (dns_name_unpack(msg, end, &pos, r->alg_name, &nlen) < 0 || end - pos < 10)
		return DNS_EMALFORMED;
	const uint8_t *p = msg + pos;
	r->time_signed = (uint64_t)dns_get16(p) << 32 | dns_get32(p + 2);
	r->fudge = dns_get16(p + 6);
	r->mac_len = dns_get16(p + 8);
	pos += 10;
	if (r->mac_len > KSYNC_TSIG_MAC_MAX || end - pos < r->mac_len + 6u)
		return DNS_EMALFORMED;
	memcpy(r->mac, msg + pos, r->mac_len);
	pos += r->mac_len;
	p = msg + pos;
	r->original_id = dns_get16(p);
	r->peer_error = dns_get16(p + 2);
	*other_len = dns_get16(p + 4);
	pos += 6;
	if (end - pos != *other_len)
		return DNS_EMALFORMED;
	*other = msg + pos;
	return 0;
}

static int
fail(struct ksync_tsig_result *r, uint8_t rcode, uint16_t error)
{
	r->rcode = rcode;
	r->error = error;
	return rcode == DNS_R_FORMERR ? DNS_EMALFORMED : -EACCES;
}

int
ksync_tsig_verify(const uint8_t *msg, size_t len, const struct ksync_tsig_key *keys,
		  size_t nkeys, uint64_t now, const uint8_t *request_mac,
		  size_t request_mac_len, struct ksync_tsig_result *r)
{
	uint8_t mac[KSYNC_TSIG_MAC_MAX];
	const uint8_t *other;
	uint16_t other_len;
	int rc;

	memset(r, 0, sizeof(*r));
	if (len < DNS_HDR_LEN)
		return fail(r, DNS_R_FORMERR, 0);
	if (dns_msg_find_last_rr(msg, len, DNS_T_TSIG, true, &r->tsig_pos) < 0)
		return fail(r, DNS_R_FORMERR, 0);
	if (r->tsig_pos == 0)
		return DNS_ENOTFOUND;
	if (parse_tsig(msg, len, r, &other, &other_len) < 0)
		return fail(r, DNS_R_FORMERR, 0);

	int alg = alg_from_wire(r->alg_name);
	for (size_t i = 0; i < nkeys && alg >= 0; i++)
		if ((int)keys[i].alg == alg && dns_name_equal(keys[i].name, r->name))
			r->key = &keys[i];
	if (!r->key)
		return fail(r, DNS_R_NOTAUTH, KSYNC_TSIG_BADKEY);

	size_t full = algs[alg].mac_len;
	if (r->mac_len > full)
		return fail(r, DNS_R_FORMERR, 0);
	if (r->mac_len < (full / 2 > 10 ? full / 2 : 10)) {
		/* Only a peer's error reply may carry an empty MAC (RFC 8945 5.3.2). */
		if (r->mac_len == 0 && r->peer_error)
			return fail(r, DNS_R_NOTAUTH, KSYNC_TSIG_BADSIG);
		return fail(r, DNS_R_FORMERR, 0);
	}

	struct tsig_vars v = {
		.name = r->name, .alg = r->alg_name, .time = r->time_signed, .fudge = r->fudge,
		.error = r->peer_error, .other_len = other_len, .other = other,
	};
	rc = compute_mac(r->key, request_mac, request_mac_len, msg, r->tsig_pos, r->original_id,
			 (uint16_t)(dns_get16(msg + ARCOUNT_OFS) - 1), &v, mac);
	if (rc < 0)
		return rc;
	if (CRYPTO_memcmp(mac, r->mac, r->mac_len) != 0)
		return fail(r, DNS_R_NOTAUTH, KSYNC_TSIG_BADSIG);
	uint64_t skew = now > r->time_signed ? now - r->time_signed : r->time_signed - now;
	if (skew > r->fudge)
		return fail(r, DNS_R_NOTAUTH, KSYNC_TSIG_BADTIME);
	if (r->mac_len < full)
		return fail(r, DNS_R_NOTAUTH, KSYNC_TSIG_BADTRUNC);
	if (r->peer_error)
		return fail(r, DNS_R_NOTAUTH, r->peer_error);
	r->rcode = DNS_R_NOERROR;
	return 0;
}

int
ksync_tsig_sign_error(uint8_t *msg, size_t len, size_t cap, const struct ksync_tsig_result *r,
		      uint64_t now, size_t *outlen)
{
	uint8_t server_time[6];
	struct tsig_vars v = {
		.name = r->name, .alg = r->alg_name, .time = now & TIME_MAX, .fudge = r->fudge,
		.error = r->error,
	};

	if (r->rcode != DNS_R_NOTAUTH || r->tsig_pos == 0)
		return -EINVAL;
	switch (r->error) {
	case KSYNC_TSIG_BADKEY:
	case KSYNC_TSIG_BADSIG:
		return tsig_append(msg, len, cap, NULL, &v, NULL, 0, NULL, outlen);
	case KSYNC_TSIG_BADTIME:
		v.time = r->time_signed;
		dns_put16(server_time, (uint16_t)((now & TIME_MAX) >> 32));
		dns_put32(server_time + 2, (uint32_t)now);
		v.other = server_time;
		v.other_len = sizeof(server_time);
		break;
	case KSYNC_TSIG_BADTRUNC:
		break;
	default:
		return -EINVAL;
	}
	if (!r->key)
		return -EINVAL;
	return tsig_append(msg, len, cap, r->key, &v, r->mac, r->mac_len, NULL, outlen);
}
