/* SPDX-License-Identifier: BSD-3-Clause */
#include <ldns/ldns.h>
#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

#include "dns/err.h"
#include "dns/name.h"
#include "tests/tap.h"

/* A wire name as a C string literal: the literal's NUL is the root label. */
#define W(s) ((const uint8_t *)(s))

/* Build a wire name of `labels` labels of `llen` bytes each ('a'..). */
static size_t
make_name(uint8_t *out, unsigned labels, unsigned llen)
{
	size_t n = 0;

	for (unsigned i = 0; i < labels; i++) {
		out[n++] = (uint8_t)llen;
		for (unsigned j = 0; j < llen; j++)
			out[n++] = (uint8_t)('a' + (i + j) % 26);
	}
	out[n++] = 0;
	return n;
}

static void
test_parse_plain(void)
{
	static const uint8_t msg[] = "\3WwW\7Example\3com\0xx";
	struct dns_name nm;
	size_t pos = 0;

	is_int(dns_name_parse(msg, sizeof(msg) - 1, &pos, &nm), 0, "parse plain name");
	is_int(nm.len, 17, "plain: length includes root");
	is_int(nm.labels, 3, "plain: 3 labels");
	is_int(pos, 17, "plain: pos past the root label");
	is_int(nm.lofs[0], 0, "plain: lofs[0]");
	is_int(nm.lofs[1], 4, "plain: lofs[1]");
	is_int(nm.lofs[2], 12, "plain: lofs[2]");
	is_mem(nm.wire, "\3WwW\7Example\3com", 17, "plain: wire keeps case");
	is_mem(nm.lwire, "\3www\7example\3com", 17, "plain: lwire lowercased");

	static const uint8_t root[] = { 0 };
	pos = 0;
	is_int(dns_name_parse(root, 1, &pos, &nm), 0, "parse root");
	ok(nm.len == 1 && nm.labels == 0 && nm.wire[0] == 0 && nm.lwire[0] == 0 && pos == 1,
	   "root: len 1, no labels");

	/* Only ASCII letters change case; other bytes are kept. */
	static const uint8_t odd[] = "\4@[`{\4\xc1\xe9Zz";
	pos = 0;
	is_int(dns_name_parse(odd, sizeof(odd), &pos, &nm), 0, "parse name with odd bytes");
	is_mem(nm.lwire, "\4@[`{\4\xc1\xe9zz", 11, "only A-Z are lowercased");
}

static void
test_parse_compressed(void)
{
	/* 0: "\3com\0"; 5: "\7example" + ptr 0; 15: "\3www" + ptr 5; 21: ptr 15 */
	static const uint8_t msg[] = "\3com\0\7example\xc0\x00\3www\xc0\x05\xc0\x0f";
	size_t len = sizeof(msg) - 1;
	struct dns_name nm;
	uint8_t out[DNS_NAME_MAXLEN];
	size_t pos, olen;

	pos = 21;
	is_int(dns_name_parse(msg, len, &pos, &nm), 0, "parse pointer chain");
	is_int(pos, 23, "chain: pos is just past the first pointer");
	is_int(nm.len, 17, "chain: expanded length");
	is_int(nm.labels, 3, "chain: 3 labels");
	is_mem(nm.wire, "\3www\7example\3com", 17, "chain: expanded wire");
	ok(nm.lofs[0] == 0 && nm.lofs[1] == 4 && nm.lofs[2] == 12, "chain: label offsets");

	pos = 15;
	is_int(dns_name_parse(msg, len, &pos, &nm), 0, "parse labels then pointer");
	is_int(pos, 21, "labels+pointer: pos past the pointer");
	is_mem(nm.wire, "\3www\7example\3com", 17, "labels+pointer: wire");

	pos = 21;
	is_int(dns_name_unpack(msg, len, &pos, out, &olen), 0, "unpack pointer chain");
	ok(olen == 17 && pos == 23 && memcmp(out, "\3www\7example\3com", 17) == 0,
	   "unpack: same result as parse");

	/* A pointer to a root label. */
	static const uint8_t r[] = { 0, 0xc0, 0x00 };
	pos = 1;
	is_int(dns_name_parse(r, 3, &pos, &nm), 0, "pointer to root");
	ok(nm.len == 1 && nm.labels == 0 && pos == 3, "pointer to root gives the root name");
}

static void
expect_err(const uint8_t *msg, size_t len, size_t start, int want, const char *what)
{
	struct dns_name nm;
	uint8_t out[DNS_NAME_MAXLEN];
	size_t pos = start, olen;

	is_int(dns_name_parse(msg, len, &pos, &nm), want, "parse: %s", what);
	pos = start;
	is_int(dns_name_unpack(msg, len, &pos, out, &olen), want, "unpack: %s", what);
}

static void
test_parse_errors(void)
{
	/* Pointer to itself. */
	static const uint8_t self[] = { 0xc0, 0x00 };
	expect_err(self, 2, 0, DNS_ECOMPRESS, "pointer to itself");

	/* Forward pointer, to a valid name later in the message. */
	static const uint8_t fwd[] = { 0xc0, 0x02, 1, 'a', 0 };
	expect_err(fwd, sizeof(fwd), 0, DNS_ECOMPRESS, "forward pointer");

	/* Pointer beyond the end of the message. */
	static const uint8_t oob[] = { 1, 'a', 0xff, 0xff };
	expect_err(oob, sizeof(oob), 0, DNS_ECOMPRESS, "pointer out of bounds");

	/*
	 * Loop through a pointer that points backwards from where it sits but
	 * into the labels it ends: 0: "\3abc", 4: ptr 0. Reading at 4 jumps to
	 * 0, reads "abc" and meets the same pointer again.
	 */
	static const uint8_t loop1[] = { 3, 'a', 'b', 'c', 0xc0, 0x00 };
	expect_err(loop1, sizeof(loop1), 4, DNS_ECOMPRESS, "pointer loop through own labels");

	/* Two pointers pointing at each other: 0: ptr 2, 2: ptr 0. */
	static const uint8_t loop2[] = { 0xc0, 0x02, 0xc0, 0x00 };
	expect_err(loop2, sizeof(loop2), 2, DNS_ECOMPRESS, "two-pointer loop");
	expect_err(loop2, sizeof(loop2), 0, DNS_ECOMPRESS, "two-pointer loop, other entry");

	/*
	 * A second pointer that points backwards from its own position but not
	 * before the first target: 0: "\1a" 2: "\1b" 4: ptr 2 ... 6: ptr 0.
	 * Start at 6 -> 0 ("a", "b") -> 4: ptr 2 is behind 4 but 2 >= 0 is not
	 * before the run that started at 0, so it is refused.
	 */
	static const uint8_t loop3[] = { 1, 'a', 1, 'b', 0xc0, 0x02, 0xc0, 0x00 };
	expect_err(loop3, sizeof(loop3), 6, DNS_ECOMPRESS, "pointer into the current run");

	/* Truncations. */
	static const uint8_t t1[] = { 3, 'a', 'b' };
	expect_err(t1, sizeof(t1), 0, DNS_ETRUNC, "label runs past the end");
	static const uint8_t t2[] = { 1, 'a' };
	expect_err(t2, sizeof(t2), 0, DNS_ETRUNC, "no root label");
	static const uint8_t t3[] = { 1, 'a', 0xc0 };
	expect_err(t3, sizeof(t3), 0, DNS_ETRUNC, "pointer cut in half");
	expect_err(t3, 0, 0, DNS_ETRUNC, "empty input");
	expect_err(t2, sizeof(t2), 2, DNS_ETRUNC, "pos at the end");
	static const uint8_t t4[] = { 1, 'a', 0, 0xc0, 0x00 };
	expect_err(t4, 3, 0, 0, "name ending exactly at the end");

	/* Label types 01 (0x40, extended) and 10 (0x80, reserved). */
	static const uint8_t x40[] = { 0x41, 'a', 0 };
	expect_err(x40, sizeof(x40), 0, DNS_ELABELLEN, "label type 0x40");
	static const uint8_t x80[] = { 0x80, 0 };
	expect_err(x80, sizeof(x80), 0, DNS_ELABELLEN, "label type 0x80");
	static const uint8_t x7f[] = { 0x7f, 0 };
	expect_err(x7f, sizeof(x7f), 0, DNS_ELABELLEN, "label type 0x40 with all low bits");

	/* 63-octet labels are fine, 64 is not. */
	uint8_t buf[600];
	size_t n = make_name(buf, 1, 63);
	expect_err(buf, n, 0, 0, "63-octet label");
	n = make_name(buf, 1, 64);
	expect_err(buf, n, 0, DNS_ELABELLEN, "64-octet label");

	/* 255 octets is the maximum: 3 x 63 + 1 x 61 labels + root = 255. */
	n = make_name(buf, 3, 63);
	n--;
	buf[n++] = 61;
	memset(buf + n, 'x', 61);
	n += 61;
	buf[n++] = 0;
	is_int(n, 255, "built a 255-octet name");
	struct dns_name nm;
	size_t pos = 0;
	is_int(dns_name_parse(buf, n, &pos, &nm), 0, "255-octet name parses");
	ok(nm.len == 255 && nm.labels == 4 && pos == 255, "255-octet name: len 255, 4 labels");
	buf[n - 63] = 62;
	buf[n - 1] = 'x';
	buf[n++] = 0;
	expect_err(buf, n, 0, DNS_ENAMELEN, "256-octet name");

	/* 127 one-octet labels + root = 255; 128 labels = 257. */
	n = make_name(buf, 127, 1);
	pos = 0;
	is_int(dns_name_parse(buf, n, &pos, &nm), 0, "127 labels parse");
	ok(nm.labels == 127 && nm.len == 255 && nm.lofs[126] == 252, "127 labels: offsets");
	n = make_name(buf, 128, 1);
	expect_err(buf, n, 0, DNS_ENAMELEN, "128 labels");

	/* 256 octets reached only through compression. */
	n = make_name(buf, 2, 63);        /* 0..129: 130 octets */
	size_t second = n;                /* a second name after it */
	buf[second] = 63;
	memset(buf + second + 1, 'q', 63);
	buf[second + 64] = 62;
	memset(buf + second + 65, 'r', 62);
	buf[second + 127] = 0xc0;          /* ... then point to the first name */
	buf[second + 128] = 0x00;
	n = second + 129;
	expect_err(buf, n, second, DNS_ENAMELEN, "256 octets via a pointer");
	buf[second + 64] = 61;             /* one octet shorter: exactly 255 */
	buf[second + 126] = 0xc0;
	buf[second + 127] = 0x00;
	n = second + 128;
	expect_err(buf, n, second, 0, "255 octets via a pointer");
}

static void
test_set(void)
{
	struct dns_name nm;

	is_int(dns_name_set(&nm, W("\3FoO\3bar")), 0, "set valid name");
	ok(nm.len == 9 && nm.labels == 2 && nm.lofs[0] == 0 && nm.lofs[1] == 4, "set: fields");
	is_mem(nm.wire, "\3FoO\3bar", 9, "set: wire keeps case");
	is_mem(nm.lwire, "\3foo\3bar", 9, "set: lwire");
	is_int(dns_name_set(&nm, W("")), 0, "set root");
	ok(nm.len == 1 && nm.labels == 0, "set root: len 1");

	uint8_t buf[600];
	make_name(buf, 1, 64);
	is_int(dns_name_set(&nm, buf), DNS_ELABELLEN, "set: 64-octet label");
	static const uint8_t x40[] = { 0x40, 0 };
	is_int(dns_name_set(&nm, x40), DNS_ELABELLEN, "set: label type 0x40");
	static const uint8_t ptr[] = { 0xc0, 0x00 };
	is_int(dns_name_set(&nm, ptr), DNS_ELABELLEN, "set: pointer is not allowed");
	make_name(buf, 128, 1);
	is_int(dns_name_set(&nm, buf), DNS_ENAMELEN, "set: 257-octet name");
	make_name(buf, 127, 1);
	is_int(dns_name_set(&nm, buf), 0, "set: 255-octet name");
	is_int(nm.len, 255, "set: len 255");
}

static void
test_small_helpers(void)
{
	uint8_t buf[DNS_NAME_MAXLEN];

	is_int(dns_name_len(W("")), 1, "len of root");
	is_int(dns_name_len(W("\3www\7example\3com")), 17, "len of www.example.com");
	is_int(dns_name_labels(W("")), 0, "labels of root");
	is_int(dns_name_labels(W("\3www\7example\3com")), 3, "labels of www.example.com");

	is_int(dns_name_lower(buf, W("\3WWW\7ExAmPlE\3COM")), 17, "lower: returns length");
	is_mem(buf, "\3www\7example\3com", 17, "lower: copy lowercased");
	/* A label length octet that looks like a letter must not change: 'A' = 65 > 63 so none can,
	 * but label bytes right after a length must still be lowered. */
	memcpy(buf, "\1A\2BC", 6);
	is_int(dns_name_lower(buf, buf), 6, "lower in place");
	is_mem(buf, "\1a\2bc", 6, "lower in place result");
}

static void
test_equal_is_sub(void)
{
	ok(dns_name_equal(W("\3WWW\7example\3com"), W("\3www\7EXAMPLE\3cOm")), "equal ignores case");
	ok(dns_name_equal(W(""), W("")), "root equals root");
	ok(!dns_name_equal(W("\3www\7example\3com"), W("\7example\3com")), "different lengths");
	ok(!dns_name_equal(W("\7example\3com"), W("\3www\7example\3com")), "different lengths (2)");
	ok(!dns_name_equal(W("\1a\2bc"), W("\2ab\1c")), "same octets, other label split");
	ok(!dns_name_equal(W("\3abc"), W("\3abd")), "one octet differs");
	ok(!dns_name_equal(W("\1@"), W("\1`")), "'@' and '`' differ (not letters)");
	ok(!dns_name_equal(W("\1["), W("\1{")), "'[' and '{' differ (not letters)");

	ok(dns_name_is_sub(W("\3www\7example\3com"), W("\7EXAMPLE\3com")), "is_sub: child");
	ok(dns_name_is_sub(W("\7example\3com"), W("\7example\3com")), "is_sub: equal");
	ok(dns_name_is_sub(W("\7example\3com"), W("")), "is_sub: everything is under root");
	ok(!dns_name_is_sub(W("\7example\3com"), W("\3www\7example\3com")), "is_sub: parent below");
	ok(!dns_name_is_sub(W("\6foobar\3com"), W("\3bar\3com")), "is_sub: label boundary");
	ok(!dns_name_is_sub(W("\3www\7example\3net"), W("\7example\3com")), "is_sub: other tld");
	ok(!dns_name_is_sub(W(""), W("\3com")), "is_sub: root not under com");
}

static void
test_cmp(void)
{
	/* RFC 4034 section 6.1, in canonical order. */
	static const char *const order[] = {
		"example.", "a.example.", "yljkjljk.a.example.", "Z.a.example.",
		"zABC.a.EXAMPLE.", "z.example.", "\\001.z.example.", "*.z.example.",
		"\\200.z.example.",
	};
	enum { N = sizeof(order) / sizeof(order[0]) };
	uint8_t w[N][DNS_NAME_MAXLEN];
	bool good = true;

	for (int i = 0; i < N; i++)
		ok(dns_name_from_str(order[i], w[i], sizeof(w[i])) > 0, "from_str %s", order[i]);
	for (int i = 0; i < N; i++)
		for (int j = 0; j < N; j++) {
			int c = dns_name_cmp(w[i], w[j]);
			bool right = i < j ? c < 0 : i > j ? c > 0 : c == 0;
			if (!right) {
				diag("cmp(%s, %s) = %d", order[i], order[j], c);
				good = false;
			}
		}
	ok(good, "RFC 4034 6.1 example order holds for all %d pairs", N * N);

	is_int(dns_name_cmp(W("\1A\7example"), W("\1a\7EXAMPLE")), 0, "cmp ignores case");
	ok(dns_name_cmp(W(""), W("\3com")) < 0, "root sorts first");
	ok(dns_name_cmp(W("\3com"), W("")) > 0, "root sorts first (reverse)");
	ok(dns_name_cmp(W("\1a\3com"), W("\1b\3abc")) > 0, "rightmost label decides first");
	ok(dns_name_cmp(W("\2ab\3com"), W("\3abc\3com")) < 0, "shorter label that is a prefix first");
	ok(dns_name_cmp(W("\1\xff\3com"), W("\1\x01\3com")) > 0, "labels compare unsigned");
	ok(dns_name_cmp(W("\1_\3com"), W("\1a\3com")) < 0, "'_' (95) sorts before 'a' (97)");
	ok(dns_name_cmp(W("\1_\3com"), W("\1A\3com")) < 0, "'_' sorts before 'A' as it is 'a'");
}

static void
test_hash(void)
{
	static const uint8_t l[] = "\3www\7example\3com";
	struct dns_name a, b;

	ok(dns_name_hash(l, 17) == XXH3_64bits(l, 17), "hash is XXH3_64bits of the bytes");
	dns_name_set(&a, W("\3WWW\7Example\3COM"));
	dns_name_set(&b, W("\3www\7example\3com"));
	ok(dns_name_hash(a.lwire, a.len) == dns_name_hash(b.lwire, b.len), "lwire hashes agree");
	ok(dns_name_hash(a.wire, a.len) != dns_name_hash(b.wire, b.len), "hash is of the bytes as given");
	ok(dns_name_hash(l, 17) != dns_name_hash(W("\3www\7example\3net"), 17), "different names differ");
}

static void
from_str_is(const char *s, const uint8_t *want, size_t wlen)
{
	uint8_t out[DNS_NAME_MAXLEN];
	int rc = dns_name_from_str(s, out, sizeof(out));

	if (!ok(rc == (int)wlen && memcmp(out, want, wlen) == 0, "from_str \"%s\"", s))
		diag("rc %d", rc);
}

static void
test_from_str(void)
{
	uint8_t out[DNS_NAME_MAXLEN];

	from_str_is(".", W(""), 1);
	from_str_is("example.com", W("\7example\3com"), 13);
	from_str_is("example.com.", W("\7example\3com"), 13);
	from_str_is("ExAmple.COM.", W("\7ExAmple\3COM"), 13);
	from_str_is("a\\.b.c", W("\3a.b\1c"), 7);
	from_str_is("a\\\\b", W("\3a\\b"), 5);
	from_str_is("\\065\\066c", W("\3ABc"), 5);
	from_str_is("\\000\\255", W("\2\0\xff"), 4);
	from_str_is("\\(x\\)\\;\\\"\\@\\$", W("\7(x);\"@$"), 9);
	from_str_is("*.example", W("\1*\7example"), 11);
	from_str_is("\\ a", W("\2 a"), 4);
	from_str_is("xn--bcher-kva.example", W("\015xn--bcher-kva\7example"), 23);

	is_int(dns_name_from_str("", out, sizeof(out)), DNS_ESYNTAX, "from_str: empty string");
	is_int(dns_name_from_str("..", out, sizeof(out)), DNS_ESYNTAX, "from_str: ..");
	is_int(dns_name_from_str("a..b", out, sizeof(out)), DNS_ESYNTAX, "from_str: empty label");
	is_int(dns_name_from_str(".a", out, sizeof(out)), DNS_ESYNTAX, "from_str: leading dot");
	is_int(dns_name_from_str("a.b..", out, sizeof(out)), DNS_ESYNTAX, "from_str: two final dots");
	is_int(dns_name_from_str("a\\", out, sizeof(out)), DNS_ESYNTAX, "from_str: trailing backslash");
	is_int(dns_name_from_str("a\\25", out, sizeof(out)), DNS_ESYNTAX, "from_str: \\DD at end");
	is_int(dns_name_from_str("a\\2x5", out, sizeof(out)), DNS_ESYNTAX, "from_str: \\D then letter");
	is_int(dns_name_from_str("a\\256", out, sizeof(out)), DNS_ESYNTAX, "from_str: \\256");
	is_int(dns_name_from_str("a b", out, sizeof(out)), DNS_ESYNTAX, "from_str: bare space");
	is_int(dns_name_from_str("a\tb", out, sizeof(out)), DNS_ESYNTAX, "from_str: bare tab");
	is_int(dns_name_from_str("a\x7f", out, sizeof(out)), DNS_ESYNTAX, "from_str: bare DEL");

	char s[1200];
	memset(s, 'a', 63);
	strcpy(s + 63, ".com");
	ok(dns_name_from_str(s, out, sizeof(out)) == 69, "from_str: 63-octet label");
	memset(s, 'a', 64);
	strcpy(s + 64, ".com");
	is_int(dns_name_from_str(s, out, sizeof(out)), DNS_ELABELLEN, "from_str: 64-octet label");
	/* \DDD escapes count as one octet. */
	s[0] = 0;
	for (int i = 0; i < 63; i++)
		strcat(s, "\\046");
	ok(dns_name_from_str(s, out, sizeof(out)) == 65, "from_str: 63 escaped octets");
	strcat(s, "\\046");
	is_int(dns_name_from_str(s, out, sizeof(out)), DNS_ELABELLEN, "from_str: 64 escaped octets");

	/* 127 one-letter labels: 255 octets; 128: too long. */
	s[0] = 0;
	for (int i = 0; i < 127; i++)
		strcat(s, "a.");
	is_int(dns_name_from_str(s, out, sizeof(out)), 255, "from_str: 255-octet name");
	strcat(s, "a");
	is_int(dns_name_from_str(s, out, sizeof(out)), DNS_ENAMELEN, "from_str: 257-octet name");
	/* 63+63+63+62 = 4 labels, 251 + 4 + 1 = 256 octets. */
	s[0] = 0;
	for (int i = 0; i < 3; i++) {
		memset(s + strlen(s) + 63, 0, 1);
		memset(s + strlen(s), 'b', 63);
		strcat(s, ".");
	}
	size_t l = strlen(s);
	memset(s + l, 'c', 61);
	s[l + 61] = 0;
	is_int(dns_name_from_str(s, out, sizeof(out)), 255, "from_str: 255 octets in 4 labels");
	strcat(s, "c");
	is_int(dns_name_from_str(s, out, sizeof(out)), DNS_ENAMELEN, "from_str: 256 octets in 4 labels");

	is_int(dns_name_from_str("example.com", out, 12), DNS_ESPACE, "from_str: cap too small");
	is_int(dns_name_from_str("example.com", out, 13), 13, "from_str: cap exact");
	is_int(dns_name_from_str(".", out, 0), DNS_ESPACE, "from_str: root with cap 0");
}

static void
test_to_str(void)
{
	char s[1024];

	is_int(dns_name_to_str(W(""), s, sizeof(s)), 1, "to_str root length");
	is_str(s, ".", "to_str root");
	is_int(dns_name_to_str(W("\3WwW\7example\3com"), s, sizeof(s)), 16, "to_str length");
	is_str(s, "WwW.example.com.", "to_str keeps case");
	dns_name_to_str(W("\3a.b\4a\\b;\6()\"@$ \1\x7f\1\xc8\1\x00\1*"), s, sizeof(s));
	is_str(s, "a\\.b.a\\\\b\\;.\\(\\)\\\"\\@\\$\\032.\\127.\\200.\\000.*.", "to_str escapes");

	is_int(dns_name_to_str(W("\3www\3com"), s, 9), 8, "to_str: exact fit with NUL");
	is_int(dns_name_to_str(W("\3www\3com"), s, 8), DNS_ESPACE, "to_str: no room for NUL");
	is_int(dns_name_to_str(W("\3w;w\3com"), s, 10), 9, "to_str: \\X fits exactly");
	is_int(dns_name_to_str(W("\3w;w\3com"), s, 9), DNS_ESPACE, "to_str: no room for \\X");
	is_int(dns_name_to_str(W(""), s, 1), DNS_ESPACE, "to_str root: no room for NUL");
	is_int(dns_name_to_str(W("\1\x01"), s, 5), DNS_ESPACE, "to_str: no room for escape");
	is_int(dns_name_to_str(W("\1\x01"), s, 6), 5, "to_str: escape fits exactly");

	/* Worst case: 255 octets of escapes fit in 1024. */
	uint8_t w[DNS_NAME_MAXLEN];
	size_t n = make_name(w, 3, 63);
	n--;
	w[n++] = 61;
	n += 61;
	w[n++] = 0;
	for (size_t i = 0; i < n - 1; i++)
		if (i != 0 && i != 64 && i != 128 && i != 192)
			w[i] = 1;
	int len = dns_name_to_str(w, s, sizeof(s));
	is_int(len, 250 * 4 + 4, "to_str: worst case is 1004 characters");
	uint8_t back[DNS_NAME_MAXLEN];
	is_int(dns_name_from_str(s, back, sizeof(back)), 255, "worst case reads back");
	is_mem(back, w, 255, "worst case round trip");
}

static void
test_round_trip(void)
{
	uint8_t w[DNS_NAME_MAXLEN], back[DNS_NAME_MAXLEN];
	char s[1024];
	bool ours = true, theirs = true;
	unsigned seed = 1;

	/* Every octet value appears; names of random shape. */
	for (int round = 0; round < 2000; round++) {
		size_t n = 0;
		unsigned labels = 1 + (unsigned)rand_r(&seed) % 8;
		for (unsigned i = 0; i < labels; i++) {
			unsigned l = 1 + (unsigned)rand_r(&seed) % 20;
			w[n++] = (uint8_t)l;
			for (unsigned j = 0; j < l; j++)
				w[n++] = (uint8_t)((round * 7 + i * 31 + j * 13 + rand_r(&seed)) & 0xff);
		}
		w[n++] = 0;
		if (dns_name_to_str(w, s, sizeof(s)) < 0 ||
		    dns_name_from_str(s, back, sizeof(back)) != (int)n || memcmp(w, back, n) != 0) {
			if (ours)
				diag("round trip failed for %s", s);
			ours = false;
		}
		/* ldns reads our presentation form to the same wire name. */
		ldns_rdf *rdf = NULL;
		if (ldns_str2rdf_dname(&rdf, s) != LDNS_STATUS_OK || ldns_rdf_size(rdf) != n ||
		    memcmp(ldns_rdf_data(rdf), w, n) != 0) {
			if (theirs)
				diag("ldns reads %s differently", s);
			theirs = false;
		}
		ldns_rdf_deep_free(rdf);
	}
	ok(ours, "to_str/from_str round trip for 2000 random names");
	ok(theirs, "ldns parses to_str output to the same wire names");
}

int
main(void)
{
	test_parse_plain();
	test_parse_compressed();
	test_parse_errors();
	test_set();
	test_small_helpers();
	test_equal_is_sub();
	test_cmp();
	test_hash();
	test_from_str();
	test_to_str();
	test_round_trip();
	return tap_done();
}
