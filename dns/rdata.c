/* SPDX-License-Identifier: BSD-3-Clause */
#include <string.h>

#include "dns/err.h"
#include "dns/name.h"
#include "dns/rdata.h"

/*
 * A field kind used only inside this file: A6 (RFC 2874), prefix length,
 * an address suffix whose size depends on it, then a prefix name.
 * dns_rdata_fields() does not hand out its descriptor.
 */
enum {
	F_A6 = DNS_F_STRS + 1,
};

/* Types that are in the table but have no enum dns_type constant. */
enum {
	T_MD = 3, T_MF = 4, T_MB = 7, T_MG = 8, T_MR = 9, T_MINFO = 14, T_RT = 21, T_PX = 26,
	T_NXT = 30, T_A6 = 38,
};

struct rtype {
	uint16_t type;
	char name[11];
	uint8_t fields[8];
	bool internal; /* fields use F_A6 */
};

#define F(...) { __VA_ARGS__, DNS_F_END }

/*
 * Sorted by type. Name kinds follow RFC 3597 section 4 (compression only for
 * the RFC 1035 types) and RFC 4034 6.2 with RFC 6840 5.1 (lowercased in
 * canonical form: the list there minus NSEC; RRSIG's signer is included).
 */
static const struct rtype types[] = {
	{ DNS_T_A, "A", F(DNS_F_FIX4), false },
	{ DNS_T_NS, "NS", F(DNS_F_CNAME), false },
	{ T_MD, "MD", F(DNS_F_CNAME), false },
	{ T_MF, "MF", F(DNS_F_CNAME), false },
	{ DNS_T_CNAME, "CNAME", F(DNS_F_CNAME), false },
	{ DNS_T_SOA, "SOA", F(DNS_F_CNAME, DNS_F_CNAME, DNS_F_FIX4, DNS_F_FIX4, DNS_F_FIX4,
			      DNS_F_FIX4, DNS_F_FIX4), false },
	{ T_MB, "MB", F(DNS_F_CNAME), false },
	{ T_MG, "MG", F(DNS_F_CNAME), false },
	{ T_MR, "MR", F(DNS_F_CNAME), false },
	{ DNS_T_PTR, "PTR", F(DNS_F_CNAME), false },
	{ DNS_T_HINFO, "HINFO", F(DNS_F_STR, DNS_F_STR), false },
	{ T_MINFO, "MINFO", F(DNS_F_CNAME, DNS_F_CNAME), false },
	{ DNS_T_MX, "MX", F(DNS_F_FIX2, DNS_F_CNAME), false },
	{ DNS_T_TXT, "TXT", F(DNS_F_STRS), false },
	{ DNS_T_RP, "RP", F(DNS_F_NAME, DNS_F_NAME), false },
	{ DNS_T_AFSDB, "AFSDB", F(DNS_F_FIX2, DNS_F_NAME), false },
	{ T_RT, "RT", F(DNS_F_FIX2, DNS_F_NAME), false },
	/* SIG/RRSIG: the 18 fixed octets before the signer are FIX16 + FIX2. */
	{ DNS_T_SIG, "SIG", F(DNS_F_FIX16, DNS_F_FIX2, DNS_F_NAME, DNS_F_REST), false },
	{ DNS_T_KEY, "KEY", F(DNS_F_FIX2, DNS_F_FIX1, DNS_F_FIX1, DNS_F_REST), false },
	{ T_PX, "PX", F(DNS_F_FIX2, DNS_F_NAME, DNS_F_NAME), false },
	{ DNS_T_AAAA, "AAAA", F(DNS_F_FIX16), false },
	{ DNS_T_LOC, "LOC", F(DNS_F_FIX16), false },
	{ T_NXT, "NXT", F(DNS_F_NAME, DNS_F_REST), false },
	{ DNS_T_SRV, "SRV", F(DNS_F_FIX2, DNS_F_FIX2, DNS_F_FIX2, DNS_F_NAME), false },
	{ DNS_T_NAPTR, "NAPTR", F(DNS_F_FIX2, DNS_F_FIX2, DNS_F_STR, DNS_F_STR, DNS_F_STR, DNS_F_NAME), false },
	{ DNS_T_KX, "KX", F(DNS_F_FIX2, DNS_F_NAME), false },
	{ DNS_T_CERT, "CERT", F(DNS_F_FIX2, DNS_F_FIX2, DNS_F_FIX1, DNS_F_REST), false },
	{ T_A6, "A6", F(F_A6), true },
	{ DNS_T_DNAME, "DNAME", F(DNS_F_NAME), false },
	{ DNS_T_OPT, "OPT", F(DNS_F_REST), false },
	{ DNS_T_DS, "DS", F(DNS_F_FIX2, DNS_F_FIX1, DNS_F_FIX1, DNS_F_REST), false },
	{ DNS_T_SSHFP, "SSHFP", F(DNS_F_FIX1, DNS_F_FIX1, DNS_F_REST), false },
	{ DNS_T_RRSIG, "RRSIG", F(DNS_F_FIX16, DNS_F_FIX2, DNS_F_NAME, DNS_F_REST), false },
	{ DNS_T_NSEC, "NSEC", F(DNS_F_LNAME, DNS_F_REST), false },
	{ DNS_T_DNSKEY, "DNSKEY", F(DNS_F_FIX2, DNS_F_FIX1, DNS_F_FIX1, DNS_F_REST), false },
	{ DNS_T_NSEC3, "NSEC3", F(DNS_F_FIX1, DNS_F_FIX1, DNS_F_FIX2, DNS_F_STR, DNS_F_STR,
				  DNS_F_REST), false },
	{ DNS_T_NSEC3PARAM, "NSEC3PARAM", F(DNS_F_FIX1, DNS_F_FIX1, DNS_F_FIX2, DNS_F_STR), false },
	{ DNS_T_TLSA, "TLSA", F(DNS_F_FIX1, DNS_F_FIX1, DNS_F_FIX1, DNS_F_REST), false },
	{ DNS_T_CDS, "CDS", F(DNS_F_FIX2, DNS_F_FIX1, DNS_F_FIX1, DNS_F_REST), false },
	{ DNS_T_CDNSKEY, "CDNSKEY", F(DNS_F_FIX2, DNS_F_FIX1, DNS_F_FIX1, DNS_F_REST), false },
	{ DNS_T_SVCB, "SVCB", F(DNS_F_FIX2, DNS_F_LNAME, DNS_F_REST), false },
	{ DNS_T_HTTPS, "HTTPS", F(DNS_F_FIX2, DNS_F_LNAME, DNS_F_REST), false },
	{ DNS_T_NXNAME, "NXNAME", F(DNS_F_END), false },
	/* TKEY/TSIG: algorithm name, then the fixed fields; TSIG time is 48 bits. */
	{ DNS_T_TKEY, "TKEY", F(DNS_F_LNAME, DNS_F_FIX4, DNS_F_FIX4, DNS_F_FIX2, DNS_F_FIX2,
				DNS_F_REST), false },
	{ DNS_T_TSIG, "TSIG", F(DNS_F_LNAME, DNS_F_FIX6, DNS_F_FIX2, DNS_F_REST), false },
	{ DNS_T_IXFR, "IXFR", F(DNS_F_END), false },
	{ DNS_T_AXFR, "AXFR", F(DNS_F_END), false },
	{ DNS_T_MAILB, "MAILB", F(DNS_F_END), false },
	{ DNS_T_MAILA, "MAILA", F(DNS_F_END), false },
	{ DNS_T_ANY, "ANY", F(DNS_F_END), false },
	{ DNS_T_URI, "URI", F(DNS_F_FIX2, DNS_F_FIX2, DNS_F_REST), false },
	{ DNS_T_CAA, "CAA", F(DNS_F_FIX1, DNS_F_STR, DNS_F_REST), false },
};

static const struct rtype *
find(uint16_t type)
{
	size_t lo = 0, hi = sizeof(types) / sizeof(types[0]);

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (types[mid].type == type)
			return &types[mid];
		if (types[mid].type < type)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

/*
 * Descriptors with a kind that enum dns_field lacks are not handed out:
 * callers see those types as opaque, which is exact for every one of them
 * except NAPTR, whose replacement name dns_rdata_canonical() still handles.
 */
const uint8_t *
dns_rdata_fields(uint16_t type)
{
	const struct rtype *t = find(type);

	return t && !t->internal ? t->fields : NULL;
}

const char *
dns_type_name(uint16_t type)
{
	const struct rtype *t = find(type);

	return t ? t->name : NULL;
}

static bool
ascii_caseeq(const char *a, const char *b)
{
	for (;; a++, b++) {
		unsigned char x = (unsigned char)*a, y = (unsigned char)*b;
		if ((unsigned)(x - 'a') < 26u)
			x -= 32;
		if ((unsigned)(y - 'a') < 26u)
			y -= 32;
		if (x != y)
			return false;
		if (x == 0)
			return true;
	}
}

int
dns_type_from_str(const char *str)
{
	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++)
		if (ascii_caseeq(str, types[i].name))
			return types[i].type;
	if ((str[0] | 0x20) == 't' && (str[1] | 0x20) == 'y' && (str[2] | 0x20) == 'p' &&
	    (str[3] | 0x20) == 'e' && str[4] != 0) {
		unsigned long v = 0;
		for (const char *s = str + 4; *s; s++) {
			if (*s < '0' || *s > '9')
				return DNS_ESYNTAX;
			v = v * 10 + (unsigned long)(*s - '0');
			if (v > 65535)
				return DNS_ESYNTAX;
		}
		return (int)v;
	}
	return DNS_ESYNTAX;
}

/* OPT, and the range RFC 6895 3.1 sets aside for question and meta types. */
bool
dns_type_is_meta(uint16_t type)
{
	return type == DNS_T_OPT || (type >= 128 && type <= 255);
}

static bool
is_name(uint8_t kind)
{
	return kind == DNS_F_CNAME || kind == DNS_F_NAME || kind == DNS_F_LNAME;
}

/*
 * Length of a non-name field starting at p with avail octets left, or -1 if
 * it does not fit. A6's prefix name is left to the caller: the length
 * returned covers the prefix length octet and the address suffix only.
 */
static long
field_len(uint8_t kind, const uint8_t *p, size_t avail)
{
	size_t n;

	switch (kind) {
	case DNS_F_FIX1: n = 1; break;
	case DNS_F_FIX2: n = 2; break;
	case DNS_F_FIX4: n = 4; break;
	case DNS_F_FIX6: n = 6; break;
	case DNS_F_FIX16: n = 16; break;
	case DNS_F_REST: n = avail; break;
	case DNS_F_STR:
		n = avail ? 1u + p[0] : 1;
		break;
	case DNS_F_STRS:
		if (avail == 0)
			return -1;
		for (n = 0; n < avail; n += 1u + p[n])
			;
		break;
	case F_A6:
		if (avail == 0 || p[0] > 128)
			return -1;
		n = 1u + (128u - p[0]) / 8;
		break;
	default:
		return -1;
	}
	return n <= avail ? (long)n : -1;
}

/* A6 carries a prefix name only when its prefix length is not zero. */
static bool
a6_has_name(uint8_t kind, const uint8_t *field)
{
	return kind == F_A6 && field[0] != 0;
}

/*
 * Walk one RDATA field by field, copying it to out. Names are read with
 * dns_name_unpack from msg, so pointers into the message are followed. With
 * canon set, msg is a lone uncompressed RDATA (out may be the same buffer):
 * pointers are malformed and the names canonical form lowercases are
 * lowercased.
 */
static int
rdata_walk(const struct rtype *t, const uint8_t *msg, size_t msglen, size_t pos, size_t end,
	   uint8_t *out, size_t cap, size_t *outlen, bool canon)
{
	size_t o = 0;

	if (!t) {
		if (end - pos > cap)
			return DNS_ESPACE;
		memmove(out, msg + pos, end - pos);
		*outlen = end - pos;
		return 0;
	}
	for (const uint8_t *f = t->fields; *f != DNS_F_END; f++) {
		uint8_t kind = *f;
		if (!is_name(kind)) {
			long n = field_len(kind, msg + pos, end - pos);
			if (n < 0)
				return DNS_EMALFORMED;
			if ((size_t)n > cap - o)
				return DNS_ESPACE;
			memmove(out + o, msg + pos, (size_t)n);
			bool more = a6_has_name(kind, msg + pos);
			o += (size_t)n;
			pos += (size_t)n;
			if (!more)
				continue;
			kind = DNS_F_NAME;
		}
		uint8_t name[DNS_NAME_MAXLEN];
		size_t start = pos, len;
		int rc = dns_name_unpack(msg, msglen, &pos, name, &len);
		if (rc == DNS_ECOMPRESS)
			return rc;
		if (rc < 0 || pos > end)
			return DNS_EMALFORMED;
		if (canon && pos - start != len)
			return DNS_EMALFORMED;
		if (len > cap - o)
			return DNS_ESPACE;
		if (canon && kind != DNS_F_LNAME)
			dns_name_lower(out + o, name);
		else
			memcpy(out + o, name, len);
		o += len;
	}
	if (pos != end)
		return DNS_EMALFORMED;
	*outlen = o;
	return 0;
}

int
dns_rdata_unpack(uint16_t type, const uint8_t *msg, size_t msglen, size_t pos,
		 uint16_t rdlen, uint8_t *out, size_t cap, size_t *outlen)
{
	if (pos > msglen || rdlen > msglen - pos)
		return DNS_EMALFORMED;
	return rdata_walk(find(type), msg, msglen, pos, pos + rdlen, out, cap, outlen, false);
}

int
dns_rdata_canonical(uint16_t type, const uint8_t *rdata, size_t rdlen, uint8_t *out)
{
	size_t len;
	int rc = rdata_walk(find(type), rdata, rdlen, 0, rdlen, out, rdlen, &len, true);

	return rc < 0 ? DNS_EMALFORMED : (int)len;
}

int
dns_rdata_cmp(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen)
{
	int d = memcmp(a, b, alen < blen ? alen : blen);

	if (d)
		return d;
	return alen < blen ? -1 : alen > blen;
}
