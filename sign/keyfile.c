/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/obj_mac.h>
#include <openssl/param_build.h>

#include "dns/err.h"
#include "dns/file.h"
#include "dns/rdata.h"
#include "sign/key_internal.h"
#include "sign/keyfile.h"
#include "sign/rrsig.h"

#define FILE_MAX 65536     /* larger key files are refused */
#define FIELD_MAX 512      /* decoded octets of one private field (RSA 4096) */
#define B64_TEXT_MAX 1024  /* base64 text of one value */
#define RECORD_TOKENS 64
#define B64_SLACK 2


/* Read a whole file, NUL-terminated. Private files must be 0600 or stricter. */
static int
read_file(const char *path, bool private, char **out, size_t *len, char *err, size_t errlen)
{
	struct stat st;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	int rc;

	if (fd < 0)
		return dns_errf(err, errlen, -errno, "%s: %s", path, strerror(errno));
	if (fstat(fd, &st) < 0) {
		rc = dns_errf(err, errlen, -errno, "%s: %s", path, strerror(errno));
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		rc = dns_errf(err, errlen, -EINVAL, "%s: not a regular file", path);
		goto out;
	}
	if (private && (st.st_mode & 077)) {
		rc = dns_errf(err, errlen, -EACCES,
			  "%s: mode %04o gives group or others access to a private key; "
			  "it must be 0600 (chmod 600)",
			  path, (unsigned)(st.st_mode & 07777));
		goto out;
	}
	if (st.st_size > FILE_MAX) {
		rc = dns_errf(err, errlen, -EFBIG, "%s: larger than %d octets", path, FILE_MAX);
		goto out;
	}
	char *buf = malloc((size_t)st.st_size + 1);
	size_t n = 0;
	if (!buf) {
		rc = dns_errf(err, errlen, -ENOMEM, "%s: out of memory", path);
		goto out;
	}
	for (;;) {
		ssize_t r = read(fd, buf + n, (size_t)st.st_size - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			rc = dns_errf(err, errlen, -errno, "%s: %s", path, strerror(errno));
			OPENSSL_clear_free(buf, (size_t)st.st_size + 1);
			goto out;
		}
		if (r == 0 || (n += (size_t)r) == (size_t)st.st_size)
			break;
	}
	buf[n] = 0;
	if (strlen(buf) != n) {
		rc = dns_errf(err, errlen, DNS_ESYNTAX, "%s: contains a NUL octet", path);
		OPENSSL_clear_free(buf, (size_t)st.st_size + 1);
		goto out;
	}
	*out = buf;
	*len = n;
	rc = 0;
out:
	close(fd);
	return rc;
}

/*
 * Base64 (RFC 4648) through OpenSSL; whitespace inside is skipped. At most
 * cap octets are decoded, but out must have B64_SLACK more: OpenSSL writes
 * the octets the padding stands for too. Returns the length or -1.
 */
static int
b64_decode(const char *s, size_t len, uint8_t *out, size_t cap)
{
	char text[B64_TEXT_MAX + 1];
	size_t n = 0, pad = 0;

	for (size_t i = 0; i < len; i++) {
		if (s[i] == ' ' || s[i] == '\t')
			continue;
		if (n == B64_TEXT_MAX)
			return -1;
		text[n++] = s[i];
	}
	text[n] = 0;
	if (n == 0 || n % 4 != 0 || n / 4 * 3 > cap + B64_SLACK)
		return -1;
	while (pad < 2 && text[n - 1 - pad] == '=')
		pad++;
	/* EVP_DecodeBlock counts the octets the padding stands for; they are dropped. */
	int r = EVP_DecodeBlock(out, (const unsigned char *)text, (int)n);
	if (r < 0 || (size_t)r != n / 4 * 3 || memchr(text, '=', n - pad) || (size_t)r - pad > cap)
		return -1;
	return r - (int)pad;
}

/* Base64 of n octets as a NUL-terminated string in out (4 * ceil(n / 3) + 1 octets). */
static void
b64_encode(const uint8_t *in, size_t n, char *out)
{
	EVP_EncodeBlock((unsigned char *)out, in, (int)n);
}

static bool
parse_uint(const char *s, size_t len, unsigned long max, unsigned long *v)
{
	unsigned long x = 0;

	if (len == 0)
		return false;
	for (size_t i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		x = x * 10 + (unsigned long)(s[i] - '0');
		if (x > max)
			return false;
	}
	*v = x;
	return true;
}

/* Days from 1970-01-01 to a proleptic Gregorian date. */
static int64_t
days_from_civil(int64_t y, unsigned m, unsigned d)
{
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	unsigned yoe = (unsigned)(y - era * 400);
	unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

/* YYYYMMDDHHMMSS (UTC, from 1970) to seconds since the epoch; false if malformed. */
static bool
parse_time(const char *s, size_t len, int64_t *out)
{
	static const unsigned char mdays[12] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	unsigned long y, mo, d, h, mi, se;

	if (len != 14 || !parse_uint(s, 4, 9999, &y) || !parse_uint(s + 4, 2, 12, &mo) ||
	    !parse_uint(s + 6, 2, 31, &d) || !parse_uint(s + 8, 2, 23, &h) ||
	    !parse_uint(s + 10, 2, 59, &mi) || !parse_uint(s + 12, 2, 59, &se))
		return false;
	bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	if (y < 1970 || mo == 0 || d == 0 || d > mdays[mo - 1] || (mo == 2 && d == 29 && !leap))
		return false;
	*out = days_from_civil((int64_t)y, (unsigned)mo, (unsigned)d) * 86400 +
	       (int64_t)(h * 3600 + mi * 60 + se);
	return true;
}

static void
format_time(int64_t t, char out[15])
{
	time_t tt = (time_t)t;
	struct tm tm;

	gmtime_r(&tt, &tm);
	strftime(out, 15, "%Y%m%d%H%M%S", &tm);
}

/* ---- .key: one DNSKEY RR in presentation form ---- */

struct tok {
	const char *s;
	size_t len;
	unsigned line;
};

/*
 * Tokens of the next record: fields separated by blanks, ';' to the end of
 * the line is a comment, parentheses continue a record over lines.
 * Returns the token count (0 at the end of the text) or a negative code.
 */
static int
next_record(const char **pp, unsigned *line, struct tok *t, const char *path, char *err,
	    size_t errlen)
{
	const char *p = *pp;
	int n = 0, depth = 0;

	for (;;) {
		char c = *p;
		if (c == 0) {
			if (depth > 0)
				return dns_errf(err, errlen, DNS_ETRUNC,
					    "%s:%u: file ends inside parentheses", path, *line);
			break;
		}
		if (c == '\n') {
			p++;
			(*line)++;
			if (depth == 0 && n > 0)
				break;
			continue;
		}
		if (c == ' ' || c == '\t' || c == '\r') {
			p++;
		} else if (c == ';') {
			while (*p && *p != '\n')
				p++;
		} else if (c == '(') {
			depth++;
			p++;
		} else if (c == ')') {
			if (--depth < 0)
				return dns_errf(err, errlen, DNS_ESYNTAX, "%s:%u: unbalanced ')'", path,
					    *line);
			p++;
		} else {
			if (n == RECORD_TOKENS)
				return dns_errf(err, errlen, DNS_ESYNTAX, "%s:%u: record too long",
					    path, *line);
			t[n].s = p;
			t[n].line = *line;
			while (*p && !strchr(" \t\r\n;()", *p))
				p++;
			t[n].len = (size_t)(p - t[n].s);
			n++;
		}
	}
	*pp = p;
	return n;
}

static bool
tok_is(const struct tok *t, const char *word)
{
	return t->len == strlen(word) && strncasecmp(t->s, word, t->len) == 0;
}

/* Parse the text of a .key file into a public-only key. */
static int
parse_keyfile(const char *path, const char *text, const uint8_t *zone, struct sign_key **out,
	      char *err, size_t errlen)
{
	struct tok t[RECORD_TOKENS], extra[RECORD_TOKENS];
	const char *p = text;
	unsigned line = 1, rrline;
	uint8_t owner[DNS_NAME_MAXLEN], pub[SIGN_DNSKEY_MAXLEN + B64_SLACK];
	char name[DNS_NAME_MAXLEN * 4 + 1], b64[B64_TEXT_MAX + 1];
	unsigned long flags, proto, alg, ttl;
	int n, i = 1, rc;

	n = next_record(&p, &line, t, path, err, errlen);
	if (n < 0)
		return n;
	if (n == 0)
		return dns_errf(err, errlen, DNS_ETRUNC, "%s:%u: file ends without a DNSKEY record",
			    path, line);
	rrline = t[0].line;
	rc = next_record(&p, &line, extra, path, err, errlen);
	if (rc < 0)
		return rc;
	if (rc > 0)
		return dns_errf(err, errlen, DNS_ESYNTAX,
			    "%s:%u: more than one record (a key file holds one DNSKEY)", path,
			    extra[0].line);
	if (t[0].len >= sizeof(name))
		return dns_errf(err, errlen, DNS_ESYNTAX, "%s:%u: owner name too long", path, rrline);
	memcpy(name, t[0].s, t[0].len);
	name[t[0].len] = 0;
	if (dns_name_from_str(name, owner, sizeof(owner)) < 0)
		return dns_errf(err, errlen, DNS_ESYNTAX, "%s:%u: bad owner name \"%s\"", path, rrline,
			    name);
	for (int k = 0; k < 2 && i < n; k++) {
		if (tok_is(&t[i], "IN") || parse_uint(t[i].s, t[i].len, UINT32_MAX, &ttl))
			i++;
		else if (tok_is(&t[i], "CH") || tok_is(&t[i], "HS") || tok_is(&t[i], "ANY"))
			return dns_errf(err, errlen, DNS_ESYNTAX, "%s:%u: class must be IN", path,
				    t[i].line);
	}
	/* KEY (RFC 2535): the same RDATA, as dnssec-keygen -T KEY writes SIG(0) keys. */
	if (i >= n || (!tok_is(&t[i], "DNSKEY") && !tok_is(&t[i], "KEY")))
		return dns_errf(err, errlen, DNS_ESYNTAX, "%s:%u: expected a DNSKEY or KEY record",
			    path, i < n ? t[i].line : rrline);
	if (n - i < 5)
		return dns_errf(err, errlen, DNS_ETRUNC,
			    "%s:%u: DNSKEY needs flags, protocol, algorithm and public key", path,
			    rrline);
	if (!parse_uint(t[i + 1].s, t[i + 1].len, 65535, &flags) ||
	    !parse_uint(t[i + 2].s, t[i + 2].len, 255, &proto) ||
	    !parse_uint(t[i + 3].s, t[i + 3].len, 255, &alg))
		return dns_errf(err, errlen, DNS_ESYNTAX,
			    "%s:%u: DNSKEY flags, protocol or algorithm is not a number", path,
			    t[i + 1].line);
	size_t blen = 0;
	for (int k = i + 4; k < n; k++) {
		if (t[k].len > B64_TEXT_MAX - blen)
			return dns_errf(err, errlen, DNS_ESYNTAX, "%s:%u: public key too long", path,
				    t[k].line);
		memcpy(b64 + blen, t[k].s, t[k].len);
		blen += t[k].len;
	}
	int publen = b64_decode(b64, blen, pub, SIGN_DNSKEY_MAXLEN - 4);
	if (publen < 0)
		return dns_errf(err, errlen, DNS_ESYNTAX, "%s:%u: public key is not valid base64",
			    path, t[i + 4].line);
	if (!sign_alg_name((uint8_t)alg))
		return dns_errf(err, errlen, -ENOTSUP,
			    "%s:%u: algorithm %lu is not supported (8, 13 and 15 are)", path,
			    t[i + 3].line, alg);
	if (proto != SIGN_DNSKEY_PROTOCOL)
		return dns_errf(err, errlen, -EINVAL, "%s:%u: protocol is %lu, must be 3", path,
			    t[i + 2].line, proto);
	if (!(flags & SIGN_FLAG_ZONE))
		return dns_errf(err, errlen, -EINVAL,
			    "%s:%u: flags %lu lack the zone key bit (256 or 257 expected)", path,
			    t[i + 1].line, flags);
	if (zone && !dns_name_equal(owner, zone)) {
		char zname[DNS_NAME_MAXLEN * 4 + 1];
		dns_name_to_str(zone, zname, sizeof(zname));
		dns_name_to_str(owner, name, sizeof(name));
		return dns_errf(err, errlen, -EINVAL, "%s:%u: key is for %s, not for zone %s", path,
			    rrline, name, zname);
	}
	EVP_PKEY *pkey;
	rc = sign_pub_to_pkey((uint8_t)alg, pub, (size_t)publen, &pkey);
	if (rc == -ENOMEM)
		return dns_errf(err, errlen, rc, "%s: out of memory", path);
	if (rc < 0)
		return dns_errf(err, errlen, -EINVAL, "%s:%u: public key is not a valid %s key", path,
			    t[i + 4].line, sign_alg_name((uint8_t)alg));
	rc = sign_key_new((uint8_t)alg, (uint16_t)flags, owner, pub, (size_t)publen, pkey, false,
			  out);
	if (rc < 0)
		return dns_errf(err, errlen, rc, "%s: out of memory", path);
	return 0;
}

/* ---- .private ---- */

enum { F_MOD, F_PUBEXP, F_PRIVEXP, F_P1, F_P2, F_E1, F_E2, F_COEF, F_PRIV, NFIELD };

static const char *const field_names[NFIELD] = {
	"Modulus", "PublicExponent", "PrivateExponent", "Prime1", "Prime2",
	"Exponent1", "Exponent2", "Coefficient", "PrivateKey",
};

/* OpenSSL parameter of each RSA field. */
static const char *const rsa_params[F_PRIV] = {
	OSSL_PKEY_PARAM_RSA_N, OSSL_PKEY_PARAM_RSA_E, OSSL_PKEY_PARAM_RSA_D,
	OSSL_PKEY_PARAM_RSA_FACTOR1, OSSL_PKEY_PARAM_RSA_FACTOR2, OSSL_PKEY_PARAM_RSA_EXPONENT1,
	OSSL_PKEY_PARAM_RSA_EXPONENT2, OSSL_PKEY_PARAM_RSA_COEFFICIENT1,
};

static const struct {
	const char *name;
	size_t off;
} timing_fields[] = {
	{ "Created", offsetof(struct sign_key_timing, created) },
	{ "Publish", offsetof(struct sign_key_timing, publish) },
	{ "Activate", offsetof(struct sign_key_timing, activate) },
	{ "Revoke", offsetof(struct sign_key_timing, revoke) },
	{ "Inactive", offsetof(struct sign_key_timing, inactive) },
	{ "Delete", offsetof(struct sign_key_timing, remove) },
	{ "SyncPublish", offsetof(struct sign_key_timing, sync_publish) },
	{ "SyncDelete", offsetof(struct sign_key_timing, sync_remove) },
};

#define NTIMING (sizeof(timing_fields) / sizeof(timing_fields[0]))

struct privfile {
	uint8_t val[NFIELD][FIELD_MAX + B64_SLACK];
	size_t len[NFIELD];
	unsigned line[NFIELD];
	unsigned format_line, alg_line, last_line;
	unsigned long alg;
	struct sign_key_timing timing;
	char *extra;
	size_t extra_len;
};

static void
privfile_clear(struct privfile *pf)
{
	if (pf->extra)
		OPENSSL_clear_free(pf->extra, pf->extra_len + 1);
	OPENSSL_cleanse(pf, sizeof(*pf));
}

static int
add_extra(struct privfile *pf, const char *line, size_t len)
{
	char *e = OPENSSL_malloc(pf->extra_len + len + 2);

	if (!e)
		return -ENOMEM;
	if (pf->extra) {
		memcpy(e, pf->extra, pf->extra_len);
		OPENSSL_clear_free(pf->extra, pf->extra_len + 1);
	}
	memcpy(e + pf->extra_len, line, len);
	pf->extra_len += len;
	e[pf->extra_len++] = '\n';
	e[pf->extra_len] = 0;
	pf->extra = e;
	return 0;
}

/* One "Tag: value" line. */
static int
privfile_line(struct privfile *pf, const char *path, unsigned ln, const char *s, size_t len,
	      char *err, size_t errlen)
{
	const char *colon = memchr(s, ':', len);
	size_t tlen;

	if (!colon || colon == s || memchr(s, ' ', (size_t)(colon - s)))
		return dns_errf(err, errlen, DNS_ESYNTAX, "%s:%u: expected \"Field: value\"", path, ln);
	tlen = (size_t)(colon - s);
	const char *v = colon + 1, *end = s + len;
	while (v < end && (*v == ' ' || *v == '\t'))
		v++;
	size_t vlen = (size_t)(end - v);

#define TAG_IS(name) (tlen == strlen(name) && strncmp(s, name, tlen) == 0)
	if (TAG_IS("Private-key-format")) {
		if (pf->format_line)
			goto twice;
		if (vlen < 4 || strncmp(v, "v1.", 3) != 0 ||
		    !parse_uint(v + 3, vlen - 3, 999, &(unsigned long){ 0 }))
			return dns_errf(err, errlen, DNS_ESYNTAX,
				    "%s:%u: Private-key-format %.*s is not supported (v1.x is)",
				    path, ln, (int)vlen, v);
		pf->format_line = ln;
		return 0;
	}
	if (TAG_IS("Algorithm")) {
		size_t d = 0;
		if (pf->alg_line)
			goto twice;
		while (d < vlen && v[d] >= '0' && v[d] <= '9')
			d++;
		if (!parse_uint(v, d, 255, &pf->alg))
			return dns_errf(err, errlen, DNS_ESYNTAX, "%s:%u: bad Algorithm \"%.*s\"", path,
				    ln, (int)vlen, v);
		pf->alg_line = ln;
		return 0;
	}
	for (int f = 0; f < NFIELD; f++) {
		if (!TAG_IS(field_names[f]))
			continue;
		if (pf->line[f])
			goto twice;
		int n = b64_decode(v, vlen, pf->val[f], FIELD_MAX);
		if (n <= 0)
			return dns_errf(err, errlen, DNS_ESYNTAX, "%s:%u: %s is not valid base64",
				    path, ln, field_names[f]);
		pf->len[f] = (size_t)n;
		pf->line[f] = ln;
		return 0;
	}
	for (size_t i = 0; i < NTIMING; i++) {
		if (!TAG_IS(timing_fields[i].name))
			continue;
		int64_t *slot = (int64_t *)(void *)((char *)&pf->timing + timing_fields[i].off);
		if (*slot)
			goto twice;
		if (!parse_time(v, vlen, slot))
			return dns_errf(err, errlen, DNS_ESYNTAX,
				    "%s:%u: %s must be a time YYYYMMDDHHMMSS (UTC), not \"%.*s\"",
				    path, ln, timing_fields[i].name, (int)vlen, v);
		return 0;
	}
#undef TAG_IS
	if (add_extra(pf, s, len) < 0)
		return dns_errf(err, errlen, -ENOMEM, "%s: out of memory", path);
	return 0;
twice:
	return dns_errf(err, errlen, DNS_ESYNTAX, "%s:%u: %.*s given twice", path, ln, (int)tlen, s);
}

static int
parse_privfile(struct privfile *pf, const char *path, const char *text, char *err,
	       size_t errlen)
{
	unsigned ln = 0;

	for (const char *p = text; *p;) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);
		ln++;
		while (len > 0 && strchr(" \t\r", p[len - 1]))
			len--;
		if (len > 0) {
			int rc = privfile_line(pf, path, ln, p, len, err, errlen);
			if (rc < 0)
				return rc;
		}
		p += nl ? (size_t)(nl - p) + 1 : strlen(p);
	}
	pf->last_line = ln;
	if (!pf->format_line)
		return dns_errf(err, errlen, DNS_ETRUNC, "%s:%u: file ends without Private-key-format",
			    path, ln);
	if (!pf->alg_line)
		return dns_errf(err, errlen, DNS_ETRUNC, "%s:%u: file ends without Algorithm", path,
			    ln);
	return 0;
}

static BIGNUM *
field_bn(const struct privfile *pf, int f)
{
	return BN_bin2bn(pf->val[f], (int)pf->len[f], NULL);
}

static int
rsa_private(const struct privfile *pf, EVP_PKEY **out)
{
	OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
	OSSL_PARAM *params = NULL;
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, "RSA", NULL), *chk = NULL;
	BIGNUM *bn[F_PRIV] = { NULL };
	int rc = -ENOMEM;

	if (!bld || !ctx)
		goto out;
	for (int f = 0; f < F_PRIV; f++)
		if (!(bn[f] = field_bn(pf, f)) || !OSSL_PARAM_BLD_push_BN(bld, rsa_params[f], bn[f]))
			goto out;
	params = OSSL_PARAM_BLD_to_param(bld);
	if (!params)
		goto out;
	rc = -EINVAL;
	if (EVP_PKEY_fromdata_init(ctx) <= 0 || EVP_PKEY_fromdata(ctx, out, EVP_PKEY_KEYPAIR, params) <= 0)
		goto out;
	/* n = pq, d, the CRT values: OpenSSL would mask a bad one by falling back to d. */
	chk = EVP_PKEY_CTX_new_from_pkey(NULL, *out, NULL);
	if (chk && EVP_PKEY_pairwise_check(chk) == 1)
		rc = 0;
	else {
		EVP_PKEY_free(*out);
		*out = NULL;
	}
out:
	EVP_PKEY_CTX_free(chk);
	for (int f = 0; f < F_PRIV; f++)
		BN_clear_free(bn[f]);
	OSSL_PARAM_free(params);
	OSSL_PARAM_BLD_free(bld);
	EVP_PKEY_CTX_free(ctx);
	return rc;
}

/* P-256 key pair from the private scalar; the public point is derived here. */
static int
ecdsa_private(const struct privfile *pf, EVP_PKEY **out)
{
	EC_GROUP *group = EC_GROUP_new_by_curve_name(NID_X9_62_prime256v1);
	EC_POINT *pt = group ? EC_POINT_new(group) : NULL;
	BIGNUM *priv = field_bn(pf, F_PRIV);
	OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
	OSSL_PARAM *params = NULL;
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL);
	uint8_t point[1 + SIGN_ECDSA_PUBLEN];
	int rc = -ENOMEM;

	if (!group || !pt || !priv || !bld || !ctx)
		goto out;
	rc = -EINVAL;
	if (BN_is_zero(priv) || BN_cmp(priv, EC_GROUP_get0_order(group)) >= 0 ||
	    !EC_POINT_mul(group, pt, priv, NULL, NULL, NULL) ||
	    EC_POINT_point2oct(group, pt, POINT_CONVERSION_UNCOMPRESSED, point, sizeof(point),
			       NULL) != sizeof(point))
		goto out;
	rc = -ENOMEM;
	if (!OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME, "prime256v1", 0) ||
	    !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_PRIV_KEY, priv) ||
	    !OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, point, sizeof(point)) ||
	    !(params = OSSL_PARAM_BLD_to_param(bld)))
		goto out;
	rc = (EVP_PKEY_fromdata_init(ctx) > 0 &&
	      EVP_PKEY_fromdata(ctx, out, EVP_PKEY_KEYPAIR, params) > 0) ? 0 : -EINVAL;
out:
	OSSL_PARAM_free(params);
	OSSL_PARAM_BLD_free(bld);
	EVP_PKEY_CTX_free(ctx);
	BN_clear_free(priv);
	EC_POINT_free(pt);
	EC_GROUP_free(group);
	return rc;
}

/*
 * A test signature over the key's own DNSKEY RR with the private key,
 * verified with the public key from the .key file.
 */
static int
self_test(const struct sign_key *priv, const struct sign_key *pub)
{
	uint8_t rdata[2 + SIGN_DNSKEY_MAXLEN], sig[18 + DNS_NAME_MAXLEN + SIGN_RSA_MAX_BITS / 8];
	struct sign_signer *s;
	uint8_t *scratch;
	int rc;

	rdata[0] = (uint8_t)(priv->dnskey_len >> 8);
	rdata[1] = (uint8_t)priv->dnskey_len;
	memcpy(rdata + 2, priv->dnskey, priv->dnskey_len);
	struct sign_rrset_ref rr = { priv->owner, dns_name_len(priv->owner), DNS_T_DNSKEY, 1, 3600,
				     2u + priv->dnskey_len, rdata };
	size_t cap = sign_rrsig_scratch_size(&rr);
	scratch = malloc(cap);
	if (!scratch)
		return -ENOMEM;
	rc = sign_signer_new(priv, &s);
	if (rc == 0) {
		rc = sign_rrsig(s, &rr, 0, 1, scratch, cap, sig, sizeof(sig));
		sign_signer_free(s);
	}
	if (rc > 0)
		rc = sign_rrsig_verify(pub, &rr, sig, (size_t)rc, scratch, cap);
	free(scratch);
	return rc;
}

/* Read the .private of k (a public key from its .key) and give k its private key. */
static int
load_private(struct sign_key *k, const char *path, const char *keypath, char *err,
	     size_t errlen)
{
	struct privfile *pf = calloc(1, sizeof(*pf));
	uint8_t pub[SIGN_DNSKEY_MAXLEN];
	EVP_PKEY *pkey = NULL;
	char *text;
	size_t tlen, publen;
	int rc;

	if (!pf)
		return dns_errf(err, errlen, -ENOMEM, "%s: out of memory", path);
	rc = read_file(path, true, &text, &tlen, err, errlen);
	if (rc < 0)
		goto out;
	rc = parse_privfile(pf, path, text, err, errlen);
	OPENSSL_clear_free(text, tlen + 1);
	if (rc < 0)
		goto out;
	if (!sign_alg_name((uint8_t)pf->alg)) {
		rc = dns_errf(err, errlen, -ENOTSUP,
			  "%s:%u: algorithm %lu is not supported (8, 13 and 15 are)", path,
			  pf->alg_line, pf->alg);
		goto out;
	}
	if (pf->alg != k->alg) {
		rc = dns_errf(err, errlen, -EINVAL, "%s:%u: Algorithm %lu differs from algorithm %u in %s",
			  path, pf->alg_line, pf->alg, k->alg, keypath);
		goto out;
	}
	bool rsa = k->alg == SIGN_ALG_RSASHA256;
	for (int f = 0; f < NFIELD; f++) {
		bool need = rsa ? f < F_PRIV : f == F_PRIV;
		if (need && !pf->line[f]) {
			rc = dns_errf(err, errlen, DNS_ETRUNC, "%s:%u: file ends without %s:", path,
				  pf->last_line, field_names[f]);
			goto out;
		}
		if (!need && pf->line[f]) {
			rc = dns_errf(err, errlen, DNS_ESYNTAX, "%s:%u: %s: does not belong to a %s key",
				  path, pf->line[f], field_names[f], sign_alg_name(k->alg));
			goto out;
		}
	}
	int keyf = rsa ? F_MOD : F_PRIV;
	unsigned keyline = pf->line[keyf];
	if (rsa) {
		size_t bits = pf->len[F_MOD] * 8;
		rc = bits < SIGN_RSA_MIN_BITS || bits > SIGN_RSA_MAX_BITS ? -EINVAL
									: rsa_private(pf, &pkey);
		if (rc < 0) {
			rc = dns_errf(err, errlen, rc, "%s:%u: the RSA fields do not form a valid key",
				  path, keyline);
			goto out;
		}
	} else {
		size_t want = k->alg == SIGN_ALG_ED25519 ? SIGN_ED25519_LEN : SIGN_ECDSA_PRIVLEN;
		/* P-256 scalars may be written without their leading zero octets. */
		if (pf->len[F_PRIV] > want || (k->alg == SIGN_ALG_ED25519 && pf->len[F_PRIV] != want)) {
			rc = dns_errf(err, errlen, DNS_ESYNTAX, "%s:%u: PrivateKey must be %zu octets, not %zu",
				  path, keyline, want, pf->len[F_PRIV]);
			goto out;
		}
		if (k->alg == SIGN_ALG_ED25519) {
			pkey = EVP_PKEY_new_raw_private_key_ex(NULL, "ED25519", NULL, pf->val[F_PRIV],
							       SIGN_ED25519_LEN);
			rc = pkey ? 0 : -ENOMEM;
		} else {
			rc = ecdsa_private(pf, &pkey);
		}
		if (rc < 0) {
			rc = dns_errf(err, errlen, rc, "%s:%u: PrivateKey is not a valid %s private key",
				  path, keyline, sign_alg_name(k->alg));
			goto out;
		}
	}
	rc = sign_pkey_to_pub(k->alg, pkey, pub, sizeof(pub), &publen);
	if (rc < 0) {
		rc = dns_errf(err, errlen, -EIO, "%s: cannot derive the public key", path);
		goto out;
	}
	if (publen != k->dnskey_len - 4u || memcmp(pub, k->dnskey + 4, publen) != 0) {
		rc = dns_errf(err, errlen, -EINVAL,
			  "%s:%u: private key does not match the public key in %s (key tag %u)",
			  path, keyline, keypath, k->tag);
		goto out;
	}
	struct sign_key priv = *k;
	priv.pkey = pkey;
	priv.has_private = true;
	rc = self_test(&priv, k);
	if (rc < 0) {
		rc = dns_errf(err, errlen, -EINVAL,
			  "%s: a test signature with this private key does not verify with the "
			  "public key in %s",
			  path, keypath);
		goto out;
	}
	EVP_PKEY_free(k->pkey);
	k->pkey = pkey;
	pkey = NULL;
	k->has_private = true;
	k->timing = pf->timing;
	k->extra = pf->extra;
	pf->extra = NULL;
out:
	EVP_PKEY_free(pkey);
	privfile_clear(pf);
	free(pf);
	return rc;
}

/* A file name "K<name>+AAA+TTTTT" must agree with the key it holds. */
static int
check_name(const char *base, const struct sign_key *k, char *err, size_t errlen)
{
	const char *b = strrchr(base, '/');
	unsigned long alg, tag;

	b = b ? b + 1 : base;
	size_t n = strlen(b);
	if (n < 12 || b[0] != 'K' || b[n - 6] != '+' || b[n - 10] != '+' ||
	    !parse_uint(b + n - 9, 3, 255, &alg) || !parse_uint(b + n - 5, 5, 65535, &tag))
		return 0;
	if (alg != k->alg || tag != k->tag)
		return dns_errf(err, errlen, -EINVAL,
			    "%s: file name says algorithm %lu and key tag %lu, the key has "
			    "algorithm %u and key tag %u",
			    base, alg, tag, k->alg, k->tag);
	return 0;
}

static bool
ends_with(const char *s, size_t n, const char *suffix)
{
	size_t m = strlen(suffix);

	return n >= m && strcmp(s + n - m, suffix) == 0;
}

int
sign_keyfile_load(const char *path, const uint8_t *zone, unsigned opts,
		  struct sign_key **out, char *err, size_t errlen)
{
	size_t n = strlen(path);
	char *base, *keypath = NULL, *privpath = NULL, *text;
	struct sign_key *k = NULL;
	size_t tlen;
	int rc = -ENOMEM;

	if (ends_with(path, n, ".key"))
		n -= 4;
	else if (ends_with(path, n, ".private"))
		n -= 8;
	base = strndup(path, n);
	if (!base || asprintf(&keypath, "%s.key", base) < 0 ||
	    asprintf(&privpath, "%s.private", base) < 0) {
		keypath = privpath = NULL;
		rc = dns_errf(err, errlen, -ENOMEM, "%s: out of memory", path);
		goto out;
	}
	rc = read_file(keypath, false, &text, &tlen, err, errlen);
	if (rc < 0)
		goto out;
	rc = parse_keyfile(keypath, text, zone, &k, err, errlen);
	free(text);
	if (rc == 0)
		rc = check_name(base, k, err, errlen);
	if (rc == 0 && !(opts & SIGN_KEYFILE_PUBLIC))
		rc = load_private(k, privpath, keypath, err, errlen);
	if (rc == 0) {
		*out = k;
		k = NULL;
	}
out:
	sign_key_free(k);
	free(base);
	free(keypath);
	free(privpath);
	return rc;
}

int
sign_keyfile_name(const struct sign_key *k, char *out, size_t cap)
{
	uint8_t lower[DNS_NAME_MAXLEN];
	char name[DNS_NAME_MAXLEN * 4 + 1];

	dns_name_lower(lower, k->owner);
	dns_name_to_str(lower, name, sizeof(name));
	if (strchr(name, '/'))
		return -EINVAL;
	int n = snprintf(out, cap, "K%s+%03u+%05u", name, k->alg, k->tag);
	return n < 0 || (size_t)n >= cap ? DNS_ESPACE : n;
}

/* Append "Field: base64" to f. */
static void
put_field(FILE *f, const char *name, const uint8_t *v, size_t len)
{
	char b64[(FIELD_MAX + 2) / 3 * 4 + 1];

	b64_encode(v, len, b64);
	fprintf(f, "%s: %s\n", name, b64);
	OPENSSL_cleanse(b64, sizeof(b64));
}

static int
put_private_fields(FILE *f, const struct sign_key *k)
{
	uint8_t v[FIELD_MAX];
	size_t len = sizeof(v);
	BIGNUM *bn = NULL;
	int rc = 0;

	switch (k->alg) {
	case SIGN_ALG_ED25519:
		if (!EVP_PKEY_get_raw_private_key(k->pkey, v, &len))
			return -EIO;
		put_field(f, field_names[F_PRIV], v, len);
		break;
	case SIGN_ALG_ECDSAP256SHA256:
		if (!EVP_PKEY_get_bn_param(k->pkey, OSSL_PKEY_PARAM_PRIV_KEY, &bn) ||
		    BN_bn2binpad(bn, v, SIGN_ECDSA_PRIVLEN) != SIGN_ECDSA_PRIVLEN)
			rc = -EIO;
		else
			put_field(f, field_names[F_PRIV], v, SIGN_ECDSA_PRIVLEN);
		BN_clear_free(bn);
		break;
	case SIGN_ALG_RSASHA256:
		for (int i = 0; i < F_PRIV && rc == 0; i++) {
			bn = NULL;
			if (!EVP_PKEY_get_bn_param(k->pkey, rsa_params[i], &bn) ||
			    BN_num_bytes(bn) > FIELD_MAX)
				rc = -EIO;
			else
				put_field(f, field_names[i], v, (size_t)BN_bn2bin(bn, v));
			BN_clear_free(bn);
		}
		break;
	}
	OPENSSL_cleanse(v, sizeof(v));
	return rc;
}

static int
private_text(const struct sign_key *k, char **buf, size_t *len)
{
	FILE *f = open_memstream(buf, len);
	char t[15];
	int rc;

	if (!f)
		return -ENOMEM;
	fprintf(f, "Private-key-format: v1.3\nAlgorithm: %u (%s)\n", k->alg, sign_alg_name(k->alg));
	rc = put_private_fields(f, k);
	for (size_t i = 0; i < NTIMING; i++) {
		int64_t v = *(const int64_t *)(const void *)((const char *)&k->timing +
							     timing_fields[i].off);
		if (v) {
			format_time(v, t);
			fprintf(f, "%s: %s\n", timing_fields[i].name, t);
		}
	}
	if (k->extra)
		fputs(k->extra, f);
	if (fclose(f) != 0 && rc == 0)
		rc = -ENOMEM;
	if (rc < 0) {
		OPENSSL_cleanse(*buf, *len);
		free(*buf);
	}
	return rc;
}

static int
public_text(const struct sign_key *k, char **buf, size_t *len)
{
	char name[DNS_NAME_MAXLEN * 4 + 1], b64[(SIGN_DNSKEY_MAXLEN + 2) / 3 * 4 + 1], t[15];
	FILE *f = open_memstream(buf, len);

	if (!f)
		return -ENOMEM;
	dns_name_to_str(k->owner, name, sizeof(name));
	b64_encode(k->dnskey + 4, k->dnskey_len - 4u, b64);
	fprintf(f, "; This is a %s key, keyid %u, for %s\n",
		(k->flags & SIGN_FLAG_SEP) ? "key-signing" : "zone-signing", k->tag, name);
	for (size_t i = 0; i < NTIMING; i++) {
		int64_t v = *(const int64_t *)(const void *)((const char *)&k->timing +
							     timing_fields[i].off);
		if (v) {
			format_time(v, t);
			fprintf(f, "; %s: %s\n", timing_fields[i].name, t);
		}
	}
	fprintf(f, "%s IN DNSKEY %u %u %u %s\n", name, k->flags, SIGN_DNSKEY_PROTOCOL, k->alg, b64);
	return fclose(f) == 0 ? 0 : -ENOMEM;
}

int
sign_keyfile_write(const struct sign_key *k, const char *dir, bool replace, char *err,
		   size_t errlen)
{
	char base[DNS_NAME_MAXLEN * 4 + 32], *text;
	size_t len;
	int rc = sign_keyfile_name(k, base, sizeof(base));

	if (rc < 0)
		return dns_errf(err, errlen, rc, "%s: owner name cannot be a file name", dir);
	/*
	 * A new pair: the .private first, removed again if the .key fails, so
	 * the pair goes in whole or not at all. A replaced pair: the .key first
	 * (its timing lines are comments), the .private last, so a failure
	 * leaves the timing that counts as it was.
	 */
	bool wrote_private = false;

	for (int step = 0; step < 2; step++) {
		bool priv = (step == 0) != replace;

		if (priv && !k->has_private)
			continue;
		rc = priv ? private_text(k, &text, &len) : public_text(k, &text, &len);
		if (rc < 0) {
			dns_errf(err, errlen, rc, "%s/%s.%s: %s", dir, base, priv ? "private" : "key",
			     priv ? "cannot export the private key" : "out of memory");
			break;
		}
		char *path;
		if (asprintf(&path, "%s/%s.%s", dir, base, priv ? "private" : "key") < 0) {
			OPENSSL_cleanse(text, len);
			free(text);
			rc = dns_errf(err, errlen, -ENOMEM, "%s: out of memory", dir);
			break;
		}
		rc = dns_file_write(path, text, len, priv ? 0600 : 0644, replace, err, errlen);
		free(path);
		OPENSSL_cleanse(text, len);
		free(text);
		if (rc < 0)
			break;
		wrote_private |= priv;
	}
	if (rc < 0 && wrote_private && !replace) {
		char *priv;
		if (asprintf(&priv, "%s/%s.private", dir, base) >= 0) {
			unlink(priv);
			free(priv);
		}
	}
	return rc;
}
