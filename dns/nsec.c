/* SPDX-License-Identifier: BSD-3-Clause */
#include <string.h>

#include "dns/err.h"
#include "dns/nsec.h"
#include "dns/rdata.h"
#include "dns/zone.h"

/*
 * Bitmap of the types of rrsets[0..nrs) and types[0..nt), one pass per
 * window present plus one: each pass fills the current window and finds the
 * next one. Nodes have few types, mostly in window 0.
 */
static inline uint16_t
type_at(const struct dns_rrset *rs, size_t nrs, const uint16_t *t, size_t i)
{
	return i < nrs ? rs[i].type : t[i - nrs];
}

static int
bitmap_build(uint8_t *out, size_t cap, const struct dns_rrset *rs, size_t nrs,
	     const uint16_t *t, size_t nt)
{
	size_t total = nrs + nt, len = 0;
	unsigned win = 256;

	for (size_t i = 0; i < total; i++) {
		unsigned w = type_at(rs, nrs, t, i) >> 8;
		if (w < win)
			win = w;
	}
	while (win < 256) {
		uint8_t bits[32] = { 0 };
		unsigned used = 0, next = 256;
		for (size_t i = 0; i < total; i++) {
			uint16_t type = type_at(rs, nrs, t, i);
			unsigned w = type >> 8, octet = (type & 0xff) >> 3;
			if (w == win) {
				bits[octet] |= (uint8_t)(0x80u >> (type & 7));
				if (octet >= used)
					used = octet + 1;
			} else if (w > win && w < next) {
				next = w;
			}
		}
		if (len + 2 + used > cap)
			return DNS_ESPACE;
		out[len] = (uint8_t)win;
		out[len + 1] = (uint8_t)used;
		memcpy(out + len + 2, bits, used);
		len += 2 + used;
		win = next;
	}
	return (int)len;
}

int
dns_nsec_bitmap(uint8_t *out, size_t cap, const uint16_t *types, size_t n)
{
	return bitmap_build(out, cap, NULL, 0, types, n);
}

int
dns_nsec_bitmap_node(uint8_t *out, size_t cap, const struct dns_node *node,
		     const uint16_t *extra, size_t n)
{
	if (node == NULL)
		return bitmap_build(out, cap, NULL, 0, extra, n);
	return bitmap_build(out, cap, node->rrsets, node->rrset_count, extra, n);
}

bool
dns_nsec_bitmap_has(const uint8_t *bm, size_t len, uint16_t type)
{
	unsigned want = type >> 8, octet = (type & 0xff) >> 3;
	size_t p = 0;
	int prev = -1;

	while (p + 2 <= len) {
		unsigned win = bm[p], wlen = bm[p + 1];
		if (wlen == 0 || wlen > 32 || p + 2 + wlen > len || (int)win <= prev)
			return false;
		if (win == want)
			return octet < wlen && (bm[p + 2 + octet] & (0x80u >> (type & 7)));
		if (win > want)
			return false;
		prev = (int)win;
		p += 2u + wlen;
	}
	return false;
}

/*
 * In canonical order upper-case letters sort as their lower-case forms, so
 * the octets 'A'..'Z' have no place of their own: stepping up or down skips
 * them.
 */
static inline uint8_t
octet_up(uint8_t c)
{
	c++;
	return c >= 'A' && c <= 'Z' ? (uint8_t)('Z' + 1) : c;
}

static inline uint8_t
octet_down(uint8_t c)
{
	c--;
	return c >= 'A' && c <= 'Z' ? (uint8_t)('A' - 1) : c;
}

/*
 * Write labels of 0xff octets filling `fill` octets, the longest ones
 * rightmost: that is the greatest run of labels that fits (the label next to
 * the rest of the name weighs most in canonical order). A single spare octet
 * cannot hold a label and stays unused. Returns the octets written.
 */
static size_t
fill_max_labels(uint8_t *out, size_t fill)
{
	size_t o = 0, first = fill % (DNS_LABEL_MAXLEN + 1);

	if (first >= 2) {
		out[o++] = (uint8_t)(first - 1);
		memset(out + o, 0xff, first - 1);
		o += first - 1;
	}
	for (size_t k = fill / (DNS_LABEL_MAXLEN + 1); k > 0; k--) {
		out[o++] = DNS_LABEL_MAXLEN;
		memset(out + o, 0xff, DNS_LABEL_MAXLEN);
		o += DNS_LABEL_MAXLEN;
	}
	return o;
}

size_t
dns_nsec_pred(const uint8_t *name, unsigned apex_labels, uint8_t *out)
{
	size_t len = dns_name_len(name);
	unsigned ll = name[0];
	const uint8_t *rest = name + 1 + ll;
	size_t rlen = len - 1 - ll, o, nl;

	/* Step 1: the apex wraps around to the greatest name of the zone. */
	if (dns_name_labels(name) == apex_labels) {
		o = fill_max_labels(out, DNS_NAME_MAXLEN - len);
		memcpy(out + o, name, len);
		return o + len;
	}
	/* Step 2: "\000.X" follows X directly. */
	if (ll == 1 && name[1] == 0) {
		memcpy(out, rest, rlen);
		return rlen;
	}
	if (name[ll] == 0) {
		/* Step 3: drop a trailing zero octet. */
		nl = ll - 1u;
	} else {
		/* Step 4: one step down, then the label as long as it can be. */
		nl = ll + (DNS_NAME_MAXLEN - len);
		if (nl > DNS_LABEL_MAXLEN)
			nl = DNS_LABEL_MAXLEN;
	}
	/* Step 5: the greatest labels that fit go in front. */
	o = fill_max_labels(out, DNS_NAME_MAXLEN - (1 + nl + rlen));
	out[o] = (uint8_t)nl;
	if (name[ll] == 0) {
		memcpy(out + o + 1, name + 1, nl);
	} else {
		memcpy(out + o + 1, name + 1, ll);
		out[o + ll] = octet_down(name[ll]);
		memset(out + o + 1 + ll, 0xff, nl - ll);
	}
	o += 1 + nl;
	memcpy(out + o, rest, rlen);
	return o + rlen;
}

size_t
dns_nsec_succ_tree(const uint8_t *name, unsigned apex_labels, uint8_t *out)
{
	size_t len = dns_name_len(name);
	unsigned labels = dns_name_labels(name);

	for (; labels > apex_labels; labels--) {
		unsigned ll = name[0];
		const uint8_t *rest = name + 1 + ll;
		size_t rlen = len - 1 - ll;

		/* Step 2: a zero octet appended to the first label. */
		if (len < DNS_NAME_MAXLEN && ll < DNS_LABEL_MAXLEN) {
			out[0] = (uint8_t)(ll + 1);
			memcpy(out + 1, name + 1, ll);
			out[ll + 1] = 0;
			memcpy(out + ll + 2, rest, rlen);
			return len + 1;
		}
		/* Step 3: the last octet below 0xff one up, the octets after it dropped. */
		unsigned i = ll;
		while (i > 0 && name[i] == 0xff)
			i--;
		if (i > 0) {
			out[0] = (uint8_t)i;
			memcpy(out + 1, name + 1, i - 1);
			out[i] = octet_up(name[i]);
			memcpy(out + 1 + i, rest, rlen);
			return 1 + i + rlen;
		}
		/* Step 4: nothing greater fits at this depth; go one label up. */
		name = rest;
		len = rlen;
	}
	/* Past the greatest name of the zone: wrap around to the apex. */
	memcpy(out, name, len);
	return len;
}

size_t
dns_nsec_succ(const uint8_t *name, unsigned apex_labels, uint8_t *out)
{
	size_t len = dns_name_len(name);

	/* Step 1: "\000.X" is the least name after X. */
	if (len + 2 <= DNS_NAME_MAXLEN) {
		out[0] = 1;
		out[1] = 0;
		memcpy(out + 2, name, len);
		return len + 2;
	}
	return dns_nsec_succ_tree(name, apex_labels, out);
}

void
dns_nsec_cover(const uint8_t *name, unsigned apex_labels, struct dns_nsec_span *out)
{
	out->owner_len = (uint8_t)dns_nsec_pred(name, apex_labels, out->owner);
	out->next_len = (uint8_t)dns_nsec_succ_tree(name, apex_labels, out->next);
}

int
dns_nsec_cover_wildcard(const uint8_t *encloser, unsigned apex_labels, struct dns_nsec_span *out)
{
	uint8_t wild[DNS_NAME_MAXLEN];
	size_t len = dns_name_len(encloser);

	if (len + 2 > DNS_NAME_MAXLEN)
		return DNS_ENAMELEN;
	wild[0] = 1;
	wild[1] = '*';
	memcpy(wild + 2, encloser, len);
	dns_nsec_cover(wild, apex_labels, out);
	return 0;
}

bool
dns_nsec_covers(const uint8_t *owner, const uint8_t *next, const uint8_t *name)
{
	if (dns_name_cmp(owner, name) >= 0)
		return false;
	if (dns_name_cmp(owner, next) < 0)
		return dns_name_cmp(name, next) < 0;
	return dns_name_is_sub(name, next);
}

int
dns_nsec_rdata(uint8_t *out, size_t cap, const uint8_t *next, const struct dns_node *node,
	       const uint16_t *extra, size_t n)
{
	size_t len = dns_name_len(next);

	if (len > cap)
		return DNS_ESPACE;
	memcpy(out, next, len);
	int bl = dns_nsec_bitmap_node(out + len, cap - len, node, extra, n);
	return bl < 0 ? bl : (int)len + bl;
}

int
dns_nsec_compact(uint8_t *out, size_t cap, enum dns_nsec_compact kind, const uint8_t *qname,
		 unsigned apex_labels, const struct dns_node *node)
{
	static const uint16_t nxname[] = { DNS_T_RRSIG, DNS_T_NSEC, DNS_T_NXNAME };
	uint8_t next[DNS_NAME_MAXLEN];

	if (kind == DNS_NSEC_DELEG) {
		uint16_t types[4] = { DNS_T_NS, DNS_T_RRSIG, DNS_T_NSEC, DNS_T_DS };
		size_t n = node && dns_node_rrset(node, DNS_T_DS) ? 4 : 3;
		dns_nsec_succ_tree(qname, apex_labels, next);
		return dns_nsec_rdata(out, cap, next, NULL, types, n);
	}
	dns_nsec_succ(qname, apex_labels, next);
	if (kind == DNS_NSEC_NODATA)
		return dns_nsec_rdata(out, cap, next, node, nxname, 2);
	return dns_nsec_rdata(out, cap, next, NULL, nxname, 3);
}
