/* SPDX-License-Identifier: BSD-3-Clause */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <ldns/ldns.h>

#include "dns/err.h"
#include "dns/name.h"
#include "dns/nsec.h"
#include "dns/rdata.h"
#include "dns/zone.h"
#include "tests/tap.h"

static const char *srcdir;

static void
bail(const char *what)
{
	printf("Bail out! %s\n", what);
	exit(1);
}

static size_t
wire(const char *str, uint8_t *out)
{
	int n = dns_name_from_str(str, out, DNS_NAME_MAXLEN);
	if (n < 0)
		bail(str);
	return (size_t)n;
}

static const char *
str(const uint8_t *name)
{
	static char buf[4][1024];
	static unsigned n;
	char *p = buf[n++ % 4];
	dns_name_to_str(name, p, sizeof(buf[0]));
	return p;
}

static bool
same_name(const uint8_t *a, const uint8_t *b)
{
	size_t la = dns_name_len(a);
	return la == dns_name_len(b) && memcmp(a, b, la) == 0;
}

/* A valid canonical name: labels 1..63, total at most 255, no upper case. */
static bool
valid_canonical(const uint8_t *name, size_t len)
{
	size_t p = 0;

	while (p < len && name[p] != 0) {
		unsigned ll = name[p];
		if (ll > DNS_LABEL_MAXLEN || p + 1 + ll >= len)
			return false;
		for (unsigned i = 1; i <= ll; i++)
			if (name[p + i] >= 'A' && name[p + i] <= 'Z')
				return false;
		p += 1 + ll;
	}
	return p + 1 == len && len <= DNS_NAME_MAXLEN;
}

/* ---- type bitmaps ---- */

/* ldns's bitmap of the same list, as the reference encoding. */
static size_t
ldns_bitmap(const uint16_t *types, size_t n, uint8_t *out)
{
	ldns_rr_type *lt = calloc(n ? n : 1, sizeof(*lt));
	if (!lt)
		bail("out of memory");
	for (size_t i = 0; i < n; i++)
		lt[i] = (ldns_rr_type)types[i];
	ldns_rdf *rdf = ldns_dnssec_create_nsec_bitmap(lt, n, LDNS_RR_TYPE_NSEC);
	free(lt);
	if (!rdf)
		return 0;
	size_t len = ldns_rdf_size(rdf);
	if (len)
		memcpy(out, ldns_rdf_data(rdf), len);
	ldns_rdf_deep_free(rdf);
	return len;
}

static void
check_bitmap(const uint16_t *types, size_t n, const char *what)
{
	static uint8_t ours[DNS_NSEC_BITMAP_MAXLEN], ref[DNS_NSEC_BITMAP_MAXLEN];
	int len = dns_nsec_bitmap(ours, sizeof(ours), types, n);
	size_t rlen = ldns_bitmap(types, n, ref);

	if (!ok(len >= 0 && (size_t)len == rlen && memcmp(ours, ref, rlen) == 0,
		"bitmap %s matches ldns", what))
		diag("length %d, ldns %zu", len, rlen);
	bool all = true;
	for (size_t i = 0; i < n && len >= 0; i++)
		all = all && dns_nsec_bitmap_has(ours, (size_t)len, types[i]);
	ok(all, "bitmap %s has each of its types", what);
}

static void
test_bitmap_edges(void)
{
	static const uint16_t t0[] = { 0 }, t255[] = { 255 }, t256[] = { 256 },
		t65535[] = { 65535 }, mix[] = { 65535, 256, 0, 255, 1, 1, 256, 65535, 0 };
	uint8_t bm[128];

	check_bitmap(t0, 1, "{0}");
	check_bitmap(t255, 1, "{255}");
	check_bitmap(t256, 1, "{256}");
	check_bitmap(t65535, 1, "{65535}");
	check_bitmap(mix, 9, "{0,1,255,256,65535} unsorted with duplicates");

	is_int(dns_nsec_bitmap(bm, sizeof(bm), NULL, 0), 0, "empty list: empty bitmap");
	is_int(dns_nsec_bitmap(bm, sizeof(bm), t0, 1), 3, "{0}: window 0, one octet");
	is_mem(bm, "\x00\x01\x80", 3, "{0}: bit 0 is the first bit");
	is_int(dns_nsec_bitmap(bm, sizeof(bm), t65535, 1), 34, "{65535}: window 255, 32 octets");
	ok(bm[0] == 0xff && bm[1] == 32 && bm[33] == 0x01, "{65535}: last bit of window 255");
	is_int(dns_nsec_bitmap(bm, sizeof(bm), t256, 1), 3, "{256}: window 1, one octet");
	is_mem(bm, "\x01\x01\x80", 3, "{256}: first bit of window 1");

	ok(!dns_nsec_bitmap_has(bm, 3, 0), "{256} lacks 0");
	ok(!dns_nsec_bitmap_has(bm, 3, 257), "{256} lacks 257");
	ok(!dns_nsec_bitmap_has(bm, 3, 512), "{256} lacks 512");
	ok(!dns_nsec_bitmap_has(bm, 0, 256), "empty bitmap lacks everything");

	/* the exact size fits, one octet less does not */
	int len = dns_nsec_bitmap(bm, sizeof(bm), mix, 9);
	ok(len > 0 && dns_nsec_bitmap(bm, (size_t)len, mix, 9) == len, "exact capacity fits");
	is_int(dns_nsec_bitmap(bm, (size_t)len - 1, mix, 9), DNS_ESPACE, "one octet short: DNS_ESPACE");

	/* every type: 256 full windows */
	static uint16_t every[65536];
	static uint8_t big[DNS_NSEC_BITMAP_MAXLEN];
	for (unsigned i = 0; i < 65536; i++)
		every[i] = (uint16_t)(65535 - i);
	is_int(dns_nsec_bitmap(big, sizeof(big), every, 65536), DNS_NSEC_BITMAP_MAXLEN,
	       "all 65536 types: the largest bitmap");
	check_bitmap(every, 65536, "of all 65536 types");
	is_int(dns_nsec_bitmap(big, sizeof(big) - 1, every, 65536), DNS_ESPACE,
	       "all types, one octet short: DNS_ESPACE");

	/* malformed bitmaps answer false rather than read past the end */
	static const uint8_t zero_len[] = { 0, 0, 0x40 }, too_long[] = { 0, 33 },
		past_end[] = { 0, 4, 0x40 }, out_of_order[] = { 1, 1, 0x80, 0, 1, 0x40 };
	ok(!dns_nsec_bitmap_has(zero_len, sizeof(zero_len), 1), "window length 0: false");
	ok(!dns_nsec_bitmap_has(too_long, sizeof(too_long), 1), "window length 33: false");
	ok(!dns_nsec_bitmap_has(past_end, sizeof(past_end), 1), "window past the end: false");
	ok(!dns_nsec_bitmap_has(out_of_order, sizeof(out_of_order), 1), "windows out of order: false");
}

static uint64_t rng_state;

static uint64_t
rnd(void)
{
	/* xorshift64*: reproducible from the seed printed at the start */
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 2685821657736338717ull;
}

static void
test_bitmap_random(void)
{
	static const uint16_t common[] = { 1, 2, 5, 6, 15, 16, 28, 33, 43, 46, 47, 48, 52, 64,
					   65, 128, 255, 256, 257, 32768, 65280, 65535 };
	unsigned bad = 0, runs = 2000;
	uint16_t types[64];
	static uint8_t ours[DNS_NSEC_BITMAP_MAXLEN], ref[DNS_NSEC_BITMAP_MAXLEN];

	for (unsigned r = 0; r < runs; r++) {
		size_t n = rnd() % 40;
		for (size_t i = 0; i < n; i++)
			types[i] = rnd() % 2 ? common[rnd() % (sizeof(common) / sizeof(common[0]))]
					     : (uint16_t)rnd();
		int len = dns_nsec_bitmap(ours, sizeof(ours), types, n);
		size_t rlen = ldns_bitmap(types, n, ref);
		bool good = len >= 0 && (size_t)len == rlen && memcmp(ours, ref, rlen) == 0;
		/* membership against the list, for listed and random types */
		for (unsigned k = 0; good && k < 64; k++) {
			uint16_t t = k < n ? types[k] : (uint16_t)rnd();
			bool listed = false;
			for (size_t i = 0; i < n; i++)
				listed = listed || types[i] == t;
			good = dns_nsec_bitmap_has(ours, (size_t)len, t) == listed;
		}
		bad += !good;
	}
	is_int(bad, 0, "%u random type lists: same bitmap as ldns, membership right", runs);
}

/* ---- nodes: a hand-made one and the example.com zone ---- */

static void
test_bitmap_node(void)
{
	static const uint8_t rd[] = { 0 };
	const struct dns_rrset rrsets[] = {
		{ .type = 1, .rdata = rd }, { .type = 2, .rdata = rd }, { .type = 6, .rdata = rd },
		{ .type = 257, .rdata = rd }, { .type = 65535, .rdata = rd },
	};
	const struct dns_node node = { .rrset_count = 5, .rrsets = rrsets };
	static const uint16_t extra[] = { DNS_T_NSEC, DNS_T_RRSIG, DNS_T_NXNAME, 2 };
	static const uint16_t all[] = { 1, 2, 6, 257, 65535, DNS_T_NSEC, DNS_T_RRSIG,
					DNS_T_NXNAME, 2 };
	uint8_t a[256], b[256];

	int la = dns_nsec_bitmap_node(a, sizeof(a), &node, extra, 4);
	int lb = dns_nsec_bitmap(b, sizeof(b), all, 9);
	ok(la > 0 && la == lb && memcmp(a, b, (size_t)la) == 0,
	   "node bitmap = bitmap of the node's types plus the extras");
	check_bitmap(all, 9, "of a node's types plus extras");
	la = dns_nsec_bitmap_node(a, sizeof(a), NULL, extra, 2);
	ok(la == 8 && memcmp(a, "\x00\x06\x00\x00\x00\x00\x00\x03", 8) == 0,
	   "NULL node: RRSIG NSEC only");
	is_int(dns_nsec_bitmap_node(a, 5, &node, extra, 4), DNS_ESPACE, "node bitmap: DNS_ESPACE");
}

static struct dns_zone *
load_example(void)
{
	char path[4096], err[512];
	struct dns_zone *z = NULL;

	snprintf(path, sizeof(path), "%s/zones/example.com.zone", srcdir);
	if (dns_zone_load("example.com", path, &z, err, sizeof(err)) < 0)
		bail(err);
	return z;
}

static const struct dns_node *
zone_node(const struct dns_zone *z, const char *name)
{
	uint8_t w[DNS_NAME_MAXLEN];
	struct dns_name n;
	struct dns_lookup lk;

	wire(name, w);
	if (dns_name_set(&n, w) < 0 || dns_zone_lookup(z, &n, &lk) < 0 || !lk.node)
		bail(name);
	return lk.node;
}

/* The RDATA (next name + bitmap) of an NSEC RR in presentation form, by ldns. */
static size_t
ldns_nsec_rdata(const char *rr_text, uint8_t *out)
{
	ldns_rr *rr = NULL;
	size_t len = 0;

	if (ldns_rr_new_frm_str(&rr, rr_text, 0, NULL, NULL) != LDNS_STATUS_OK)
		bail(rr_text);
	for (size_t i = 0; i < ldns_rr_rd_count(rr); i++) {
		const ldns_rdf *f = ldns_rr_rdf(rr, i);
		memcpy(out + len, ldns_rdf_data(f), ldns_rdf_size(f));
		len += ldns_rdf_size(f);
	}
	ldns_rr_free(rr);
	return len;
}

static void
check_compact(const char *what, enum dns_nsec_compact kind, const char *qname, unsigned apex_labels,
	      const struct dns_node *node, const char *rr_text)
{
	uint8_t q[DNS_NAME_MAXLEN], ours[1024], ref[1024];
	wire(qname, q);
	int len = dns_nsec_compact(ours, sizeof(ours), kind, q, apex_labels, node);
	size_t rlen = ldns_nsec_rdata(rr_text, ref);

	if (!ok(len > 0 && (size_t)len == rlen && memcmp(ours, ref, rlen) == 0, "%s", what))
		diag("want %s (length %d, ldns %zu)", rr_text, len, rlen);
}

static void
test_compact(void)
{
	struct dns_zone *z = load_example();
	const struct dns_node *apex = dns_zone_apex(z);
	unsigned al = apex->labels;

	/* RFC 9824 3.1, the example as written there (NXNAME is type 128) */
	check_compact("RFC 9824 3.1: a.example.com NXNAME", DNS_NSEC_NXNAME, "a.example.com", al,
		      NULL, "a.example.com. 3600 IN NSEC \\000.a.example.com. RRSIG NSEC TYPE128");
	/* 3.2: the types at the node plus RRSIG NSEC; CAA puts a second window in */
	check_compact("RFC 9824 3.2: NODATA at the apex", DNS_NSEC_NODATA, "example.com", al, apex,
		      "example.com. 3600 IN NSEC \\000.example.com. A NS SOA MX TXT AAAA RRSIG NSEC CAA");
	check_compact("RFC 9824 3.2: NODATA at www", DNS_NSEC_NODATA, "www.example.com", al,
		      zone_node(z, "www.example.com"),
		      "www.example.com. 3600 IN NSEC \\000.www.example.com. A AAAA RRSIG NSEC");
	check_compact("RFC 9824 3.2: NODATA at a CNAME", DNS_NSEC_NODATA, "alias.example.com", al,
		      zone_node(z, "alias.example.com"),
		      "alias.example.com. 3600 IN NSEC \\000.alias.example.com. CNAME RRSIG NSEC");
	/* an empty non-terminal: RRSIG NSEC only, from the node or without one */
	const struct dns_node *ent = zone_node(z, "deep.example.com");
	ok(ent->flags & DNS_NODE_ENT, "deep.example.com is an empty non-terminal");
	check_compact("RFC 9824 3.2: ENT NODATA", DNS_NSEC_NODATA, "deep.example.com", al, ent,
		      "deep.example.com. 3600 IN NSEC \\000.deep.example.com. RRSIG NSEC");
	check_compact("ENT NODATA without a node", DNS_NSEC_NODATA, "b.deep.example.com", al, NULL,
		      "b.deep.example.com. 3600 IN NSEC \\000.b.deep.example.com. RRSIG NSEC");
	/* 3.3: wildcard NODATA: owner the query name, types of the wildcard */
	check_compact("RFC 9824 3.3: wildcard NODATA", DNS_NSEC_NODATA, "x.wild.example.com", al,
		      zone_node(z, "*.wild.example.com"),
		      "x.wild.example.com. 3600 IN NSEC \\000.x.wild.example.com. A TXT RRSIG NSEC");
	/* 3.4: unsigned referral, "sub.example.com. NSEC sub\000.example.com. NS RRSIG NSEC" */
	check_compact("RFC 9824 3.4: unsigned referral", DNS_NSEC_DELEG, "ext.example.com", al,
		      zone_node(z, "ext.example.com"),
		      "ext.example.com. 3600 IN NSEC ext\\000.example.com. NS RRSIG NSEC");
	check_compact("delegation with DS: DS in the bitmap", DNS_NSEC_DELEG, "sub.example.com", al,
		      zone_node(z, "sub.example.com"),
		      "sub.example.com. 3600 IN NSEC sub\\000.example.com. NS DS RRSIG NSEC");

	/* the RDATA checks its buffer */
	uint8_t q[DNS_NAME_MAXLEN], out[64];
	size_t ql = wire("a.example.com", q);
	int need = dns_nsec_compact(out, sizeof(out), DNS_NSEC_NXNAME, q, al, NULL);
	is_int(need, (int)ql + 2 + 19, "NXNAME RDATA: next name + window 0 of 17 octets");
	is_int(dns_nsec_compact(out, (size_t)need - 1, DNS_NSEC_NXNAME, q, al, NULL), DNS_ESPACE,
	       "NXNAME RDATA one octet short: DNS_ESPACE");
	is_int(dns_nsec_compact(out, ql - 1, DNS_NSEC_NXNAME, q, al, NULL), DNS_ESPACE,
	       "no room for the next name: DNS_ESPACE");
	dns_zone_unref(z);
}

/* ---- names near the limits ---- */

/* Name of `labels` labels of llen octets of value c each, above the given suffix. */
static size_t
make_name(uint8_t *out, unsigned labels, unsigned llen, uint8_t c, const uint8_t *suffix)
{
	size_t n = 0, sl = dns_name_len(suffix);
	for (unsigned i = 0; i < labels; i++) {
		out[n++] = (uint8_t)llen;
		memset(out + n, c, llen);
		n += llen;
	}
	memcpy(out + n, suffix, sl);
	return n + sl;
}

static void
test_rfc4470_examples(void)
{
	uint8_t apex[DNS_NAME_MAXLEN], q[DNS_NAME_MAXLEN], out[DNS_NAME_MAXLEN], want[DNS_NAME_MAXLEN];
	size_t alen = wire("example.com", apex);
	unsigned al = dns_name_labels(apex);
	struct dns_nsec_span span;

	/*
	 * RFC 4470 4: for foo.example.com, "fon\255...\255.example.com" (the first
	 * label filled to 63 octets) and "\000.foo.example.com"; its functions
	 * ignore the name length, the exact predecessor also puts the greatest
	 * labels that fit in front.
	 */
	wire("foo.example.com", q);
	size_t n = dns_nsec_pred(q, al, out);
	static const char fon[] = "\077fon";
	size_t fl = 1 + 63 + alen;
	ok(n == DNS_NAME_MAXLEN && memcmp(out + n - fl, fon, 4) == 0, "pred(foo): ...fon\\255...");
	bool tail = true;
	for (size_t i = n - fl + 4; i < n - alen; i++)
		tail = tail && out[i] == 0xff;
	ok(tail && memcmp(out + n - alen, apex, alen) == 0,
	   "pred(foo): fon + 60 x \\255, then example.com");
	bool front = true;
	for (size_t p = 0; p < n - fl; p += 1u + out[p])
		for (unsigned i = 1; i <= out[p]; i++)
			front = front && out[p + i] == 0xff;
	ok(front, "pred(foo): labels of \\255 in front up to 255 octets");
	n = dns_nsec_succ(q, al, out);
	ok(n == dns_name_len(q) + 2 && memcmp(out, "\001\000\003foo", 6) == 0,
	   "succ(foo) = \\000.foo.example.com (%s)", str(out));

	/* ... and for the wildcard: ")\255...\255.example.com" */
	wire("example.com", q);
	is_int(dns_nsec_cover_wildcard(q, al, &span), 0, "cover *.example.com");
	ok(span.owner_len == DNS_NAME_MAXLEN &&
	   span.owner[span.owner_len - fl] == 63 && span.owner[span.owner_len - fl + 1] == ')' &&
	   span.owner[span.owner_len - fl + 2] == 0xff,
	   "wildcard owner ends in )\\255... (%s)", str(span.owner));
	wire("*\\000.example.com", want);
	ok(same_name(span.next, want), "wildcard next: *\\000.example.com (%s)", str(span.next));
	wire("*.example.com", q);
	ok(dns_nsec_covers(span.owner, span.next, q), "the span covers *.example.com");

	/* NXDOMAIN span for the next closer name: not below it, shares only the encloser */
	wire("foo.example.com", q);
	dns_nsec_cover(q, al, &span);
	wire("foo\\000.example.com", want);
	ok(same_name(span.next, want), "cover(foo) next: foo\\000.example.com");
	wire("x.y.foo.example.com", want);
	ok(dns_nsec_covers(span.owner, span.next, q) && dns_nsec_covers(span.owner, span.next, want),
	   "cover(foo) covers foo and names below it");
	ok(!dns_nsec_covers(span.owner, span.next, span.owner) &&
	   !dns_nsec_covers(span.owner, span.next, span.next), "a span does not cover its ends");
	wire("fop.example.com", want);
	ok(!dns_nsec_covers(span.owner, span.next, want), "cover(foo) leaves fop alone");

	/* "\000" labels: the predecessor is the parent */
	wire("\\000.www.example.com", q);
	wire("www.example.com", want);
	dns_nsec_pred(q, al, out);
	ok(same_name(out, want), "pred(\\000.www) = www");
	wire("\\000.example.com", q);
	dns_nsec_pred(q, al, out);
	ok(same_name(out, apex), "pred(\\000.example.com) = the apex, never above it");
	/* a trailing zero octet is dropped, then the greatest names below go in front */
	wire("a\\000.example.com", q);
	n = dns_nsec_pred(q, al, out);
	wire("a.example.com", want);
	ok(n == DNS_NAME_MAXLEN && dns_name_is_sub(out, want) && !same_name(out, want),
	   "pred(a\\000) is the greatest name below a");
	/* decrementing skips upper case: '[' - 1 is '@' */
	wire("\\[.example.com", q);
	dns_nsec_pred(q, al, out);
	ok(out[DNS_NAME_MAXLEN - alen - 64] == 63 && out[DNS_NAME_MAXLEN - alen - 63] == '@',
	   "pred('[') = ...@\\255... ('[' - 1 is 'Z', which sorts as 'z')");
	/* incrementing too: '@' + 1 is '[' */
	make_name(q, 1, 63, '@', apex);
	dns_nsec_succ_tree(q, al, out);
	ok(out[0] == 63 && out[63] == '[', "succ_tree(@ x 63) ends its label in '['");
}

static void
test_limits(void)
{
	uint8_t apex[DNS_NAME_MAXLEN], q[DNS_NAME_MAXLEN], out[DNS_NAME_MAXLEN], x[DNS_NAME_MAXLEN];
	size_t n;
	wire("example.com", apex);
	unsigned al = dns_name_labels(apex);
	struct dns_nsec_span span;

	/* 253 octets: "\000." still fits, to exactly 255 */
	make_name(q, 3, 63, 'a', apex);              /* 3*64 + 13 = 205 */
	uint8_t l253[DNS_NAME_MAXLEN];
	size_t l = make_name(l253, 1, 47, 'b', q);   /* 48 + 205 = 253 */
	ok(l == 253, "a 253-octet name");
	n = dns_nsec_succ(l253, al, out);
	ok(n == 255 && out[0] == 1 && out[1] == 0, "succ(253 octets) prepends \\000: 255 octets");

	/* 254 octets: no room for a label, so a zero octet joins the first label */
	uint8_t l254[DNS_NAME_MAXLEN];
	l = make_name(l254, 1, 48, 'b', q);
	ok(l == 254, "a 254-octet name");
	n = dns_nsec_succ(l254, al, out);
	ok(n == 255 && out[0] == 49 && out[49] == 0, "succ(254 octets) appends a zero octet");
	ok(dns_name_cmp(l254, out) < 0, "and is greater");

	/* 255 octets: the last octet goes one up */
	uint8_t l255[DNS_NAME_MAXLEN];
	l = make_name(l255, 1, 49, 'b', q);
	ok(l == 255, "a 255-octet name");
	n = dns_nsec_succ(l255, al, out);
	ok(n == 255 && out[0] == 49 && out[49] == 'c' && out[48] == 'b', "succ(255): last octet b -> c");
	n = dns_nsec_pred(l255, al, out);
	ok(n == 255 && out[0] == 49 && out[49] == 'a', "pred(255): last octet b -> a, nothing added");

	/* 255 octets ending in 0xff: the octet before goes up, the 0xff is dropped */
	l255[49] = 0xff;
	n = dns_nsec_succ(l255, al, out);
	ok(n == 254 && out[0] == 48 && out[48] == 'c', "succ(...b\\255) = ...c, one octet shorter");

	/* first label all 0xff at 63 octets: one label up */
	uint8_t five[DNS_NAME_MAXLEN];
	make_name(five, 1, 5, 'a', apex);
	make_name(x, 1, 63, 0xff, five);
	n = dns_nsec_succ_tree(x, al, out);
	wire("aaaaa\\000.example.com", five);
	ok(n == dns_name_len(five) && same_name(out, five),
	   "succ_tree(\\255 x 63 . aaaaa) = aaaaa\\000, one label up (%s)", str(out));

	/* the wildcard limit */
	uint8_t e[DNS_NAME_MAXLEN];
	make_name(e, 1, 47, 'w', q);                 /* 253 */
	is_int(dns_nsec_cover_wildcard(e, al, &span), 0, "*.<253 octets> fits");
	is_int(span.next_len, 255, "its next name is 255 octets");
	make_name(e, 1, 48, 'w', q);                 /* 254 */
	is_int(dns_nsec_cover_wildcard(e, al, &span), DNS_ENAMELEN, "*.<254 octets>: DNS_ENAMELEN");

	/* a compact answer whose "\000." would not fit */
	uint8_t rd[DNS_NAME_MAXLEN + 64];
	int rl = dns_nsec_compact(rd, sizeof(rd), DNS_NSEC_NXNAME, l254, al, NULL);
	ok(rl == 255 + 19 && rd[0] == 49 && rd[49] == 0,
	   "compact NXNAME at 254 octets: zero octet appended");
}

static void
test_apex_wrap(void)
{
	uint8_t apex[DNS_NAME_MAXLEN], g[DNS_NAME_MAXLEN], out[DNS_NAME_MAXLEN], x[DNS_NAME_MAXLEN];
	size_t alen = wire("example.com", apex);
	unsigned al = dns_name_labels(apex);
	struct dns_nsec_span span;

	/* the predecessor of the apex wraps around to the greatest name of the zone */
	size_t gl = dns_nsec_pred(apex, al, g);
	ok(gl == DNS_NAME_MAXLEN - 1 || gl == DNS_NAME_MAXLEN, "pred(apex) is as long as it can be");
	ok(dns_name_is_sub(g, apex) && dns_name_cmp(g, apex) > 0, "pred(apex) is below the apex");
	/* 255 - 13 = 242 = 3 x 64 + 50: a 49-octet label, then three of 63 */
	ok(g[0] == 49 && g[50] == 63 && g[114] == 63 && g[178] == 63, "greatest labels rightmost");
	/* and its successor wraps around to the apex */
	size_t n = dns_nsec_succ(g, al, out);
	ok(n == alen && same_name(out, apex), "succ(greatest name) = apex");
	n = dns_nsec_succ_tree(apex, al, out);
	ok(same_name(out, apex), "succ_tree(apex) = apex: nothing follows the zone");

	/* a name directly below the apex with the greatest label wraps too */
	make_name(x, 1, 63, 0xff, apex);
	dns_nsec_cover(x, al, &span);
	ok(same_name(span.next, apex), "cover(\\255 x 63 . apex): next is the apex");
	ok(dns_name_cmp(span.owner, span.next) > 0, "... the last NSEC of the zone");
	ok(dns_nsec_covers(span.owner, span.next, x), "... which covers the name");
	make_name(out, 2, 63, 0xff, apex);
	ok(dns_nsec_covers(span.owner, span.next, out), "... and the names below it");
	ok(!dns_nsec_covers(span.owner, span.next, apex), "... but not the apex");
	wire("zzz.example.com", out);
	ok(!dns_nsec_covers(span.owner, span.next, out), "... nor names before the owner");
	wire("a.example.net", out);
	ok(!dns_nsec_covers(span.owner, span.next, out), "... nor names outside the zone");

	/* a zone of one name: apex NSEC apex covers every name below it */
	ok(dns_nsec_covers(apex, apex, x) && !dns_nsec_covers(apex, apex, apex),
	   "apex NSEC apex covers what is below the apex only");

	/* the root zone: the apex has no labels */
	uint8_t root[1] = { 0 };
	gl = dns_nsec_pred(root, 0, g);
	ok(gl == 255 && dns_nsec_succ(g, 0, out) == 1 && out[0] == 0, "root zone wraps too");
	wire("com", x);
	dns_nsec_cover(x, 0, &span);
	wire("com\\000", out);
	ok(same_name(span.next, out) && dns_nsec_covers(span.owner, span.next, x),
	   "root zone: cover(com) = (pred, com\\000)");
}

/* ---- properties over many random names ---- */

static uint8_t
rnd_octet(void)
{
	static const uint8_t edge[] = { 0x00, 0x01, '*', '-', '@', '[', '`', 'a', 'b', 'z', '{',
					0x7f, 0x80, 0xfe, 0xff };
	uint8_t c = rnd() % 2 ? edge[rnd() % sizeof(edge)] : (uint8_t)rnd();
	return c >= 'A' && c <= 'Z' ? (uint8_t)(c + 32) : c;
}

/*
 * A random canonical name below apex; often long, sometimes at the limit,
 * sometimes all 0xff octets in full labels (names at the end of the zone).
 */
static size_t
rnd_name(uint8_t *out, const uint8_t *apex)
{
	size_t alen = dns_name_len(apex), budget = DNS_NAME_MAXLEN - alen;
	size_t want = rnd() % 4 == 0 ? budget : 2 + rnd() % (budget - 1);
	bool last = rnd() % 16 == 0;
	uint8_t buf[DNS_NAME_MAXLEN];
	size_t n = 0;

	while (n + 2 <= want) {
		size_t room = want - n - 1, ll;
		switch (last ? 1 : rnd() % 4) {
		case 0: ll = 1; break;
		case 1: ll = DNS_LABEL_MAXLEN; break;
		default: ll = 1 + rnd() % DNS_LABEL_MAXLEN; break;
		}
		if (ll > room)
			ll = room;
		buf[n++] = (uint8_t)ll;
		for (size_t i = 0; i < ll; i++)
			buf[n++] = last || rnd() % 8 == 0 ? 0xff : rnd_octet();
		if (!last && rnd() % 3 == 0)
			break;
	}
	memcpy(out, buf, n);
	memcpy(out + n, apex, alen);
	return n + alen;
}

/* A name near `from`: a few random edits, kept valid and canonical. */
static bool
mutate(const uint8_t *from, uint8_t *out)
{
	uint8_t lab[DNS_NAME_MAXLABELS][DNS_LABEL_MAXLEN + 1];
	unsigned nl = 0, edits = 1 + rnd() % 3;

	for (const uint8_t *p = from; *p; p += 1u + *p)
		memcpy(lab[nl++], p, 1u + *p);
	for (unsigned e = 0; e < edits; e++) {
		unsigned i = nl ? rnd() % (nl < 3 ? nl : 3) : 0; /* mostly the leftmost labels */
		uint8_t *l = lab[i];
		switch (rnd() % 7) {
		case 0: /* one octet up or down */
			if (nl && l[0]) {
				unsigned k = 1 + rnd() % l[0];
				l[k] = (uint8_t)(l[k] + (rnd() % 2 ? 1 : -1));
			}
			break;
		case 1: /* one octet to an extreme */
			if (nl && l[0])
				l[1 + rnd() % l[0]] = rnd() % 2 ? 0 : 0xff;
			break;
		case 2: /* octet appended */
			if (nl && l[0] < DNS_LABEL_MAXLEN)
				l[1 + l[0]++] = rnd() % 2 ? 0 : rnd_octet();
			break;
		case 3: /* octet removed */
			if (nl && l[0] > 1)
				l[0]--;
			break;
		case 4: /* label added in front */
			if (nl < DNS_NAME_MAXLABELS - 1) {
				memmove(lab[1], lab[0], nl * sizeof(lab[0]));
				nl++;
				lab[0][0] = (uint8_t)(1 + rnd() % (rnd() % 2 ? 2 : DNS_LABEL_MAXLEN));
				for (unsigned k = 1; k <= lab[0][0]; k++)
					lab[0][k] = rnd() % 2 ? (rnd() % 2 ? 0 : 0xff) : rnd_octet();
			}
			break;
		case 5: /* first label removed */
			if (nl) {
				memmove(lab[0], lab[1], (nl - 1) * sizeof(lab[0]));
				nl--;
			}
			break;
		default: /* first label truncated */
			if (nl && l[0] > 1)
				l[0] = (uint8_t)(1 + rnd() % l[0]);
			break;
		}
	}
	size_t n = 0;
	for (unsigned i = 0; i < nl; i++) {
		if (n + 1u + lab[i][0] + 1 > DNS_NAME_MAXLEN)
			return false;
		for (unsigned k = 1; k <= lab[i][0]; k++)
			if (lab[i][k] >= 'A' && lab[i][k] <= 'Z')
				lab[i][k] = (uint8_t)(lab[i][k] + 32);
		memcpy(out + n, lab[i], 1u + lab[i][0]);
		n += 1u + lab[i][0];
	}
	out[n] = 0;
	return true;
}

/* Number of labels two canonical names share at their right end. */
static unsigned
common_labels(const uint8_t *a, const uint8_t *b)
{
	const uint8_t *la[DNS_NAME_MAXLABELS], *lb[DNS_NAME_MAXLABELS];
	unsigned na = 0, nb = 0, common = 0;

	for (; *a; a += 1u + *a)
		la[na++] = a;
	for (; *b; b += 1u + *b)
		lb[nb++] = b;
	while (na && nb && la[na - 1][0] == lb[nb - 1][0] &&
	       memcmp(la[na - 1], lb[nb - 1], 1u + la[na - 1][0]) == 0) {
		na--;
		nb--;
		common++;
	}
	return common;
}

static void
test_properties(void)
{
	static const char *apexes[] = { "example.com", ".", "a.b.c.d.e.example.org",
					"xn--bcher-kva.example", "\\255\\255.test" };
	unsigned runs = 20000, nearby = 24;
	unsigned bad_valid = 0, bad_order = 0, bad_inverse = 0, bad_between = 0, bad_tree = 0,
		 bad_cover = 0, bad_encloser = 0, wraps = 0, checked = 0;

	for (unsigned r = 0; r < runs; r++) {
		uint8_t apex[DNS_NAME_MAXLEN], n[DNS_NAME_MAXLEN], p[DNS_NAME_MAXLEN],
			s[DNS_NAME_MAXLEN], t[DNS_NAME_MAXLEN], back[DNS_NAME_MAXLEN],
			m[DNS_NAME_MAXLEN];
		wire(apexes[r % 5], apex);
		unsigned al = dns_name_labels(apex);
		rnd_name(n, apex);

		size_t pl = dns_nsec_pred(n, al, p), sl = dns_nsec_succ(n, al, s),
		       tl = dns_nsec_succ_tree(n, al, t);
		bool s_wraps = same_name(s, apex), t_wraps = same_name(t, apex);
		wraps += t_wraps;

		/* every output is a valid canonical name at or below the apex */
		if (!valid_canonical(p, pl) || !valid_canonical(s, sl) || !valid_canonical(t, tl) ||
		    !dns_name_is_sub(p, apex) || !dns_name_is_sub(s, apex) ||
		    !dns_name_is_sub(t, apex)) {
			if (bad_valid++ == 0)
				diag("invalid output for %s", str(n));
			continue;
		}
		/* pred(n) < n < succ(n) <= succ_tree(n) */
		if (dns_name_cmp(p, n) >= 0 || (!s_wraps && dns_name_cmp(n, s) >= 0) ||
		    (!t_wraps && dns_name_cmp(n, t) >= 0) ||
		    (!t_wraps && dns_name_cmp(s, t) > 0)) {
			if (bad_order++ == 0)
				diag("order broken for %s", str(n));
			continue;
		}
		/* two independent derivations agree: succ(pred(n)) = n = pred(succ(n)) */
		dns_nsec_succ(p, al, back);
		bool inv = same_name(back, n);
		if (!s_wraps) {
			dns_nsec_pred(s, al, back);
			inv = inv && same_name(back, n);
		}
		if (!inv && bad_inverse++ == 0)
			diag("not inverse for %s", str(n));
		/* succ_tree(n) follows n's subtree: not below n, and right after its last name */
		if (!t_wraps) {
			dns_nsec_pred(t, al, back);
			if ((dns_name_is_sub(t, n) || !dns_name_is_sub(back, n)) && bad_tree++ == 0)
				diag("succ_tree wrong for %s", str(n));
		}
		/* the NXDOMAIN span covers n and below (succ(n) is "\000.n" if it fits), not its ends */
		bool s_below = dns_name_labels(s) > dns_name_labels(n);
		struct dns_nsec_span span;
		dns_nsec_cover(n, al, &span);
		/*
		 * Taking n as the next closer name, validators find the closest
		 * encloser (n's parent) as the longer suffix the span's names
		 * share with the query name, and the next name is not below it.
		 */
		unsigned ce = dns_name_labels(n) - 1;
		unsigned co = common_labels(span.owner, n), cn = common_labels(span.next, n);
		if (((co > cn ? co : cn) != ce || dns_name_is_sub(span.next, n)) && bad_encloser++ == 0)
			diag("closest encloser not implied for %s", str(n));
		if ((!dns_nsec_covers(span.owner, span.next, n) ||
		     dns_nsec_covers(span.owner, span.next, span.owner) ||
		     dns_nsec_covers(span.owner, span.next, span.next) ||
		     (s_below && !dns_nsec_covers(span.owner, span.next, s))) &&
		    bad_cover++ == 0)
			diag("cover wrong for %s", str(n));

		/* nothing lies strictly between pred(n) and n, or n and succ(n) */
		for (unsigned k = 0; k < nearby; k++) {
			const uint8_t *from = k % 3 == 0 ? n : k % 3 == 1 ? p : s;
			if (!mutate(from, m) || !dns_name_is_sub(m, apex))
				continue;
			checked++;
			bool between = (dns_name_cmp(p, m) < 0 && dns_name_cmp(m, n) < 0) ||
				       (!s_wraps && dns_name_cmp(n, m) < 0 && dns_name_cmp(m, s) < 0);
			/* the tree span holds n and names below n only */
			bool in_tree = dns_nsec_covers(span.owner, span.next, m) &&
				       !dns_name_is_sub(m, n);
			if ((between || in_tree) && bad_between++ == 0)
				diag("%s lies inside the span of %s", str(m), str(n));
		}
	}
	is_int(bad_valid, 0, "%u random names: outputs valid, canonical, at or below the apex", runs);
	is_int(bad_order, 0, "pred(n) < n < succ(n) <= succ_tree(n) in canonical order");
	is_int(bad_inverse, 0, "succ(pred(n)) = n and pred(succ(n)) = n");
	is_int(bad_tree, 0, "succ_tree(n) is not below n and follows n's last descendant");
	is_int(bad_cover, 0, "cover(n) covers n and below, not its own ends");
	is_int(bad_encloser, 0, "cover(n) implies n's parent as the closest encloser");
	is_int(bad_between, 0, "%u nearby names: none falls strictly inside a span", checked);
	diag("%u names wrapped around to the apex", wraps);
}

int
main(void)
{
	srcdir = getenv("SIGEDGE_SRCDIR");
	if (!srcdir)
		srcdir = ".";
	const char *seed = getenv("SIGEDGE_SEED");
	rng_state = seed ? strtoull(seed, NULL, 0) : 0x5eed2025u;
	if (!rng_state)
		rng_state = 1;
	diag("seed %" PRIu64 " (set SIGEDGE_SEED to change)", rng_state);

	test_bitmap_edges();
	test_bitmap_random();
	test_bitmap_node();
	test_compact();
	test_rfc4470_examples();
	test_limits();
	test_apex_wrap();
	test_properties();
	return tap_done();
}
