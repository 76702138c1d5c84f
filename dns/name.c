/* SPDX-License-Identifier: BSD-3-Clause */
#include <string.h>

#define XXH_INLINE_ALL /* the hash is per query: no call into the shared library */
#include <xxhash.h>

#include "dns/err.h"
#include "dns/name.h"

static inline uint8_t
lower(uint8_t c)
{
	return (uint8_t)(c + ((unsigned)(c - 'A') < 26u) * 32u);
}

/*
 * The one reader behind dns_name_parse and dns_name_unpack. lwire and lofs
 * may be NULL; the compiler drops what a caller does not ask for.
 *
 * Every pointer must point before the start of the run of labels it ends
 * (the original position for the first one, the previous target after
 * that), so the read positions strictly decrease from jump to jump and no
 * loop can exist.
 */
static inline int
name_read(const uint8_t *msg, size_t msglen, size_t *pos, uint8_t *wire, uint8_t *lwire,
	  uint8_t *lofs, uint8_t *outlen, uint8_t *outlabels)
{
	size_t p = *pos, run = *pos, next = 0;
	unsigned len = 0, labels = 0;

	for (;;) {
		if (p >= msglen)
			return DNS_ETRUNC;
		uint8_t c = msg[p];
		if (c >= 0xc0) {
			if (p + 1 >= msglen)
				return DNS_ETRUNC;
			size_t target = (size_t)(c & 0x3f) << 8 | msg[p + 1];
			if (target >= run)
				return DNS_ECOMPRESS;
			if (next == 0)
				next = p + 2;
			run = p = target;
			continue;
		}
		if (c > DNS_LABEL_MAXLEN)
			return DNS_ELABELLEN;
		if (c == 0)
			break;
		if (len + c + 2 > DNS_NAME_MAXLEN)
			return DNS_ENAMELEN;
		if (p + 1 + c > msglen)
			return DNS_ETRUNC;
		if (lofs)
			lofs[labels] = (uint8_t)len;
		wire[len] = c;
		memcpy(wire + len + 1, msg + p + 1, c);
		if (lwire) {
			lwire[len] = c;
			for (unsigned i = 1; i <= c; i++)
				lwire[len + i] = lower(msg[p + i]);
		}
		len += 1u + c;
		labels++;
		p += 1u + c;
	}
	wire[len] = 0;
	if (lwire)
		lwire[len] = 0;
	*outlen = (uint8_t)(len + 1);
	if (outlabels)
		*outlabels = (uint8_t)labels;
	*pos = next ? next : p + 1;
	return 0;
}

int
dns_name_parse(const uint8_t *msg, size_t msglen, size_t *pos, struct dns_name *out)
{
	return name_read(msg, msglen, pos, out->wire, out->lwire, out->lofs, &out->len,
			 &out->labels);
}

int
dns_name_unpack(const uint8_t *msg, size_t msglen, size_t *pos, uint8_t *out, size_t *outlen)
{
	uint8_t len;
	int rc = name_read(msg, msglen, pos, out, NULL, NULL, &len, NULL);

	if (rc == 0)
		*outlen = len;
	return rc;
}

int
dns_name_set(struct dns_name *out, const uint8_t *wire)
{
	unsigned len = 0, labels = 0;

	while (wire[len] != 0) {
		uint8_t c = wire[len];
		if (c > DNS_LABEL_MAXLEN)
			return DNS_ELABELLEN;
		if (len + c + 2 > DNS_NAME_MAXLEN)
			return DNS_ENAMELEN;
		out->lofs[labels++] = (uint8_t)len;
		len += 1u + c;
	}
	len++;
	memcpy(out->wire, wire, len);
	dns_name_lower(out->lwire, wire);
	out->len = (uint8_t)len;
	out->labels = (uint8_t)labels;
	return 0;
}

size_t
dns_name_len(const uint8_t *name)
{
	const uint8_t *p = name;

	while (*p)
		p += 1u + *p;
	return (size_t)(p - name) + 1;
}

unsigned
dns_name_labels(const uint8_t *name)
{
	unsigned n = 0;

	for (; *name; name += 1u + *name)
		n++;
	return n;
}

size_t
dns_name_lower(uint8_t *dst, const uint8_t *src)
{
	size_t i = 0;

	for (;;) {
		uint8_t c = src[i];
		dst[i++] = c;
		if (c == 0)
			return i;
		for (size_t end = i + c; i < end; i++)
			dst[i] = lower(src[i]);
	}
}

/*
 * Byte-wise comparison after lowercasing is exact: label length octets are
 * at most 63 and lowercasing never changes them, so as long as the bytes
 * seen so far match, both names have their length octets at the same places.
 */
bool
dns_name_equal(const uint8_t *a, const uint8_t *b)
{
	size_t i = 0;

	for (;;) {
		uint8_t c = a[i];
		if (c != b[i])
			return false;
		i++;
		if (c == 0)
			return true;
		for (size_t end = i + c; i < end; i++)
			if (lower(a[i]) != lower(b[i]))
				return false;
	}
}

bool
dns_name_is_sub(const uint8_t *name, const uint8_t *parent)
{
	unsigned n = dns_name_labels(name), p = dns_name_labels(parent);

	if (n < p)
		return false;
	for (; n > p; n--)
		name += 1u + *name;
	return dns_name_equal(name, parent);
}

static unsigned
label_offsets(const uint8_t *name, uint8_t *lofs)
{
	unsigned n = 0, i = 0;

	while (name[i]) {
		lofs[n++] = (uint8_t)i;
		i += 1u + name[i];
	}
	return n;
}

int
dns_name_cmp(const uint8_t *a, const uint8_t *b)
{
	uint8_t la[DNS_NAME_MAXLABELS], lb[DNS_NAME_MAXLABELS];
	unsigned na = label_offsets(a, la), nb = label_offsets(b, lb);

	while (na > 0 && nb > 0) {
		const uint8_t *x = a + la[--na], *y = b + lb[--nb];
		unsigned lx = x[0], ly = y[0], n = lx < ly ? lx : ly;
		for (unsigned i = 1; i <= n; i++) {
			int d = lower(x[i]) - lower(y[i]);
			if (d)
				return d;
		}
		if (lx != ly)
			return (int)lx - (int)ly;
	}
	return (int)na - (int)nb;
}

uint64_t
dns_name_hash(const uint8_t *lname, size_t len)
{
	return XXH3_64bits(lname, len);
}

int
dns_name_from_str(const char *str, uint8_t *out, size_t cap)
{
	const unsigned char *s = (const unsigned char *)str;
	uint8_t buf[DNS_NAME_MAXLEN];
	size_t len = 0;

	if (s[0] == '.' && s[1] == 0) {
		if (cap < 1)
			return DNS_ESPACE;
		out[0] = 0;
		return 1;
	}
	if (s[0] == 0)
		return DNS_ESYNTAX;
	while (*s) {
		size_t lenpos = len++;
		unsigned llen = 0;
		while (*s && *s != '.') {
			unsigned c = *s++;
			if (c <= ' ' || c == 0x7f)
				return DNS_ESYNTAX;
			if (c == '\\') {
				c = *s++;
				if (c == 0)
					return DNS_ESYNTAX;
				if (c >= '0' && c <= '9') {
					if (s[0] < '0' || s[0] > '9' || s[1] < '0' || s[1] > '9')
						return DNS_ESYNTAX;
					c = (c - '0') * 100u + (s[0] - '0') * 10u + (s[1] - '0');
					s += 2;
					if (c > 255)
						return DNS_ESYNTAX;
				}
			}
			if (++llen > DNS_LABEL_MAXLEN)
				return DNS_ELABELLEN;
			if (len + 1 >= DNS_NAME_MAXLEN)
				return DNS_ENAMELEN;
			buf[len++] = (uint8_t)c;
		}
		if (llen == 0)
			return DNS_ESYNTAX;
		buf[lenpos] = (uint8_t)llen;
		if (*s == '.')
			s++;
	}
	buf[len++] = 0;
	if (len > cap)
		return DNS_ESPACE;
	memcpy(out, buf, len);
	return (int)len;
}

int
dns_name_to_str(const uint8_t *name, char *out, size_t cap)
{
	static const char digits[] = "0123456789";
	size_t o = 0;

	if (*name == 0) {
		if (cap < 2)
			return DNS_ESPACE;
		out[0] = '.';
		out[1] = 0;
		return 1;
	}
	for (; *name; name += 1u + *name) {
		for (unsigned i = 1; i <= *name; i++) {
			uint8_t c = name[i];
			bool ddd = c <= ' ' || c >= 0x7f, esc = !ddd && strchr("\"().;\\@$", c);
			/* this octet, then at least the final dot and the NUL */
			if (o + (ddd ? 4 : esc ? 2 : 1) + 2 > cap)
				return DNS_ESPACE;
			if (ddd) {
				out[o++] = '\\';
				out[o++] = digits[c / 100];
				out[o++] = digits[c / 10 % 10];
				out[o++] = digits[c % 10];
				continue;
			}
			if (esc)
				out[o++] = '\\';
			out[o++] = (char)c;
		}
		out[o++] = '.';
	}
	out[o] = 0;
	return (int)o;
}
