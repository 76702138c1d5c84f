/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "dns/err.h"
#include "dns/rdata.h"
#include "keysync/recset.h"
#include "tests/tap.h"

static const uint8_t apex[] = "\7example\3com";

#define KEY_A "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8gISIjJCUmJygpKissLS4vMDEyMzQ1Njc4OTo7PD0+Pw=="
#define KEY_B "QEFCQ0RFRkdISUpLTE1OT1BRUlNUVVZXWFlaW1xdXl9gYWJjZGVmZ2hpamtsbW5vcHFyc3R1dnd4eXp7fH1+fw=="
#define DIGEST "000102030405060708090A0B0C0D0E0F101112131415161718191A1B1C1D1E1F"

/* A set in text form with every type, out of canonical order, and comments. */
static const char sample[] =
	"; peers p0, p1, p2\n"
	"p0,p2 example.com. 3600 IN DNSKEY 257 3 13 " KEY_B "\n"
	"\n"
	"p1 example.com. 300 IN CDNSKEY 257 3 13 " KEY_B "\n"
	"   ; indented comment\n"
	"p0 example.com. 3600 IN DNSKEY 256 3 13 " KEY_A "\n"
	"p2 example.com. 300 IN CDS 12345 13 2 " DIGEST "\n"
	"p1 example.com. 3600 IN RRSIG DNSKEY 13 2 3600 20261201000000 20261101000000 "
	"12345 example.com. " KEY_A "\n";

static const char *const names3[] = { "p0", "p1", "p2" };

static bool
keep_rdlen4(void *arg, const uint8_t *rdata, uint16_t rdlen)
{
	(void)rdata;
	(*(unsigned *)arg)++;
	return rdlen == 4;
}

static void
test_order_and_edit(void)
{
	struct ksync_recset s;
	const uint8_t k1[] = { 1, 0, 3, 13, 0xaa }, k2[] = { 1, 0, 3, 13 }, k3[] = { 1, 1, 3, 13 };
	const uint8_t cds[] = { 0x30, 0x39, 13, 2, 0xff };

	ksync_recset_init(&s);
	is_int(ksync_recset_add(&s, DNS_T_CDS, 300, cds, sizeof(cds), 0), 1, "add CDS");
	is_int(ksync_recset_add(&s, DNS_T_DNSKEY, 3600, k3, sizeof(k3), 1), 1, "add key 3");
	is_int(ksync_recset_add(&s, DNS_T_DNSKEY, 3600, k1, sizeof(k1), 0), 1, "add key 1");
	is_int(ksync_recset_add(&s, DNS_T_DNSKEY, 3600, k2, sizeof(k2), 2), 1, "add key 2");
	is_int(s.n, 4, "four records");
	/* DNSKEY (48) before CDS (59); k2 is a prefix of k1, so it comes first. */
	ok(s.v[0].type == DNS_T_DNSKEY && s.v[0].rdlen == 4 && memcmp(s.v[0].rdata, k2, 4) == 0 &&
	   s.v[1].rdlen == 5 && memcmp(s.v[1].rdata, k1, 5) == 0 &&
	   memcmp(s.v[2].rdata, k3, 4) == 0 && s.v[3].type == DNS_T_CDS,
	   "canonical order: by type, then RDATA, prefix first");
	is_int(ksync_recset_find(&s, DNS_T_DNSKEY, k1, sizeof(k1)), 1, "find key 1");
	is_int(ksync_recset_find(&s, DNS_T_CDNSKEY, k1, sizeof(k1)), -1, "same RDATA, other type");

	is_int(ksync_recset_add(&s, DNS_T_DNSKEY, 3600, k1, sizeof(k1), 0), 0, "re-add: no change");
	is_int(ksync_recset_add(&s, DNS_T_DNSKEY, 600, k1, sizeof(k1), 0), 1, "new ttl: change");
	is_int(s.v[1].ttl, 600, "ttl taken");
	is_int(ksync_recset_add(&s, DNS_T_DNSKEY, 600, k1, sizeof(k1), 63), 1, "second origin");
	ok(s.v[1].origins == (UINT64_C(1) << 63 | 1), "origins 0 and 63");
	is_int(ksync_recset_add(&s, DNS_T_DNSKEY, 600, k1, sizeof(k1), 64), -EINVAL, "origin 64");
	is_int(ksync_recset_add(&s, DNS_T_DNSKEY, 600, k1, 0, 0), -EINVAL, "rdlen 0");

	is_int(ksync_recset_del(&s, DNS_T_CDNSKEY, k1, sizeof(k1), 0), 0, "delete absent: 0");
	is_int(ksync_recset_del(&s, DNS_T_DNSKEY, k1, sizeof(k1), 5), -EPERM,
	       "delete of another origin's record: -EPERM");
	is_int(s.n, 4, "unchanged after -EPERM");
	is_int(ksync_recset_del(&s, DNS_T_DNSKEY, k1, sizeof(k1), 63), 1, "withdraw one claim");
	ok(s.n == 4 && s.v[1].origins == 1, "record stays with origin 0");
	is_int(ksync_recset_del(&s, DNS_T_DNSKEY, k1, sizeof(k1), 0), 1, "withdraw last claim");
	is_int(ksync_recset_find(&s, DNS_T_DNSKEY, k1, sizeof(k1)), -1, "record gone");
	is_int(s.n, 3, "three left");

	/* withdraw: origin 2 keeps only its 4-octet DNSKEYs; other types untouched. */
	unsigned calls = 0;
	ksync_recset_add(&s, DNS_T_DNSKEY, 3600, k1, sizeof(k1), 2);
	ksync_recset_add(&s, DNS_T_DNSKEY, 3600, k3, sizeof(k3), 2);
	ksync_recset_add(&s, DNS_T_CDS, 300, cds, sizeof(cds), 2);
	is_int(ksync_recset_withdraw(&s, 2, DNS_T_DNSKEY, keep_rdlen4, &calls), 1,
	       "withdraw: one claim rejected by keep");
	is_int(calls, 3, "keep asked for origin 2's three DNSKEYs only");
	is_int(ksync_recset_find(&s, DNS_T_DNSKEY, k1, sizeof(k1)), -1, "rejected record gone");
	ok(s.v[ksync_recset_find(&s, DNS_T_CDS, cds, sizeof(cds))].origins == 5,
	   "CDS of origin 2 untouched");
	is_int(ksync_recset_drop_origin(&s, 2), 3, "drop origin 2: three claims");
	is_int(s.n, 2, "k3 (origin 1) and CDS (origin 0) left");
	is_int(ksync_recset_drop_origin(&s, 2), 0, "drop again: nothing");
	is_int(ksync_recset_drop_origin(&s, 99), 0, "drop out-of-range origin: nothing");
	ksync_recset_free(&s);
	is_int(s.n, 0, "freed set is empty");
}

static void
test_round_trip(void)
{
	struct ksync_recset a, b, c;
	char err[256] = "";
	size_t unknown = 99;
	char *text = NULL;

	ksync_recset_init(&a);
	ksync_recset_init(&b);
	is_int(ksync_recset_parse(sample, strlen(sample), apex, names3, 3, &a, &unknown, err,
				  sizeof(err)), 0, "parse sample: %s", err);
	is_int(unknown, 0, "no unknown origins");
	is_int(a.n, 5, "five records");
	ok(a.v[0].type == DNS_T_RRSIG && a.v[1].type == DNS_T_DNSKEY && a.v[2].type == DNS_T_DNSKEY &&
	   a.v[3].type == DNS_T_CDS && a.v[4].type == DNS_T_CDNSKEY, "canonical type order");
	ok(a.v[1].rdata[1] == 0 && a.v[2].rdata[1] == 1, "ZSK (256) before KSK (257)");
	ok(a.v[2].origins == 5 && a.v[2].ttl == 3600, "KSK claimed by p0 and p2");
	is_int(a.v[3].rdlen, 4 + 32, "CDS RDATA length");

	long len = ksync_recset_format(&a, apex, names3, 3, &text);
	ok(len > 0 && text && (size_t)len == strlen(text), "format: length %ld", len);
	ok(text && strstr(text, "p0 example.com.\t3600\tIN\tDNSKEY\t256 3 13 " KEY_A "\n"),
	   "format: ldns presentation form");
	ok(text && strstr(text, "p0,p2 example.com.\t3600\tIN\tDNSKEY\t257 3 13"),
	   "format: origins comma-separated");
	diag("%s", text ? text : "");
	is_int(ksync_recset_parse(text, (size_t)len, apex, names3, 3, &b, NULL, err, sizeof(err)),
	       0, "parse formatted: %s", err);
	ok(ksync_recset_equal(&a, &b), "round trip equal");
	char *text2 = NULL;
	ksync_recset_format(&b, apex, names3, 3, &text2);
	is_str(text2, text, "same content, same text");
	free(text2);

	is_int(ksync_recset_dup(&a, &c), 0, "dup");
	ok(ksync_recset_equal(&a, &c), "dup equal");
	c.v[0].ttl++;
	ok(!ksync_recset_equal(&a, &c), "ttl differs: not equal");
	c.v[0].ttl--;
	c.v[0].origins |= 1;
	ok(!ksync_recset_equal(&a, &c), "origins differ: not equal");
	ksync_recset_free(&c);

	/* Owner case and a text that is not NUL-terminated. */
	const char upper[] = "p1 EXAMPLE.Com. 60 IN DNSKEY 256 3 13 " KEY_A "\ntrailing junk";
	is_int(ksync_recset_parse(upper, strlen(upper) - strlen("trailing junk"), apex, names3, 3,
				  &c, NULL, err, sizeof(err)), 0, "owner case-insensitive: %s", err);
	ok(c.n == 1 && c.v[0].origins == 2 && c.v[0].ttl == 60, "record of p1");
	ksync_recset_free(&c);

	struct ksync_recset empty = { 0 };
	char *etext = NULL;
	is_int(ksync_recset_format(&empty, apex, names3, 3, &etext), 0, "empty set: empty text");
	ok(etext && !*etext, "empty string");
	free(etext);

	free(text);
	ksync_recset_free(&a);
	ksync_recset_free(&b);

	/*
	 * RDATA whose presentation form would not read back: an empty key and
	 * an empty digest, and an RRSIG with an expiration ldns prints before
	 * 1970. Written in the generic form, read back the same.
	 */
	static const uint8_t nokey[] = { 1, 0, 3, 13 }, nodigest[] = { 0, 1, 13, 2 };
	uint8_t sig[18 + 13 + 64] = { 0, 48, 13, 2, 0, 0, 14, 16, 0xff, 0xff, 0xff, 0xff,
				      0x80, 0, 0, 0, 0x12, 0x34, 7, 'e', 'x', 'a', 'm', 'p', 'l',
				      'e', 3, 'c', 'o', 'm', 0 };
	ksync_recset_init(&a);
	ksync_recset_init(&b);
	ksync_recset_add(&a, DNS_T_DNSKEY, 60, nokey, sizeof(nokey), 0);
	ksync_recset_add(&a, DNS_T_CDS, 60, nodigest, sizeof(nodigest), 1);
	ksync_recset_add(&a, DNS_T_RRSIG, 60, sig, sizeof(sig), 2);
	len = ksync_recset_format(&a, apex, names3, 3, &text);
	ok(len > 0 && text && strstr(text, "DNSKEY\t\\# 4 0100030d\n"),
	   "format: an empty key in the generic form");
	is_int(ksync_recset_parse(text, (size_t)len, apex, names3, 3, &b, NULL, err, sizeof(err)),
	       0, "parse the generic form: %s", err);
	ok(ksync_recset_equal(&a, &b), "generic form: round trip equal");
	free(text);
	len = ksync_recset_format(&a, apex, NULL, 0, &text);
	ok(len > 0 && text && strncmp(text, "example.com.\t", 13) == 0 &&
	   strstr(text, "\nexample.com.\t60\tIN\tDNSKEY\t") && !strstr(text, "p0"),
	   "format without names: the records alone, in zone-file form");
	free(text);
	ksync_recset_free(&a);
	ksync_recset_free(&b);
}

static void
test_names(void)
{
	struct ksync_recset s;
	const char *const holey[] = { "p0", NULL, "p2" };
	char err[256] = "";
	size_t unknown = 0;
	char *text = NULL;

	/* p1 is no longer configured: its claims go, the CDNSKEY and RRSIG with it. */
	ksync_recset_init(&s);
	is_int(ksync_recset_parse(sample, strlen(sample), apex, holey, 3, &s, &unknown, err,
				  sizeof(err)), 0, "parse with p1 unnamed: %s", err);
	is_int(unknown, 2, "two claims of p1 dropped and counted");
	is_int(s.n, 3, "records of p1 only are dropped");
	ok(ksync_recset_find(&s, DNS_T_CDNSKEY, s.v[0].rdata, s.v[0].rdlen) < 0 &&
	   s.v[0].type == DNS_T_DNSKEY && s.v[2].type == DNS_T_CDS, "RRSIG and CDNSKEY gone");
	ok(s.v[1].origins == 5, "p0 and p2 keep their bits");
	long len = ksync_recset_format(&s, apex, holey, 3, &text);
	ok(len > 0 && text && !strstr(text, "p1"), "format with a NULL entry for an unused bit");
	free(text);
	text = NULL;

	const char *const two[] = { "p0", "p1" };
	is_int(ksync_recset_format(&s, apex, two, 2, &text), -EINVAL,
	       "origin bit beyond npeers: -EINVAL");
	ok(!text, "no text on error");
	uint8_t rd[] = { 1, 0, 3, 13, 1 };
	ksync_recset_add(&s, DNS_T_DNSKEY, 60, rd, sizeof(rd), 1);
	is_int(ksync_recset_format(&s, apex, holey, 3, &text), -EINVAL,
	       "origin with a NULL name: -EINVAL");
	const char *const spaced[] = { "p0", "p 1", "p2" };
	is_int(ksync_recset_format(&s, apex, spaced, 3, &text), -EINVAL,
	       "name with a space: -EINVAL");
	ksync_recset_free(&s);
	uint8_t shortkey[] = { 1 };
	ksync_recset_add(&s, DNS_T_DNSKEY, 60, shortkey, sizeof(shortkey), 0);
	is_int(ksync_recset_format(&s, apex, names3, 3, &text), -EINVAL,
	       "DNSKEY RDATA of one octet: -EINVAL");
	ok(!text, "no text on error");
	ksync_recset_free(&s);

	/* Only unknown names on a line: the record is dropped, parse succeeds. */
	const char gone[] = "old,older example.com. 60 IN DNSKEY 256 3 13 " KEY_A "\n";
	is_int(ksync_recset_parse(gone, strlen(gone), apex, names3, 3, &s, &unknown, err,
				  sizeof(err)), 0, "unknown origins only");
	ok(s.n == 0 && unknown == 2, "record dropped, two claims counted");
	ksync_recset_free(&s);
}

/* Parse text that must fail at line; out must stay as it was. */
static void
bad(const char *text, const char *line, const char *what)
{
	struct ksync_recset s = { 0 };
	char err[256] = "";
	uint8_t k[] = { 1, 0, 3, 13 };

	ksync_recset_add(&s, DNS_T_DNSKEY, 1, k, sizeof(k), 0);
	int rc = ksync_recset_parse(text, strlen(text), apex, names3, 3, &s, NULL, err,
				    sizeof(err));
	is_int(rc, DNS_ESYNTAX, "%s: DNS_ESYNTAX", what);
	ok(strncmp(err, line, strlen(line)) == 0, "%s: message \"%s\" starts with \"%s\"", what, err,
	   line);
	ok(s.n == 1 && s.v[0].ttl == 1, "%s: set unchanged", what);
	ksync_recset_free(&s);
}

static void
test_errors(void)
{
	const char *good = "p0 example.com. 60 IN DNSKEY 256 3 13 " KEY_A "\n";
	char buf[1024];

#define AFTER_GOOD(rest) (snprintf(buf, sizeof(buf), "%s;\n%s", good, rest), buf)
	bad(AFTER_GOOD("p0 www.example.com. 60 IN DNSKEY 256 3 13 " KEY_A "\n"), "3: ",
	    "wrong owner");
	bad(AFTER_GOOD("p0 example.org. 60 IN DNSKEY 256 3 13 " KEY_A "\n"), "3: ",
	    "other zone");
	bad(AFTER_GOOD("p0 example.com. 60 CH DNSKEY 256 3 13 " KEY_A "\n"), "3: class",
	    "class CH");
	bad(AFTER_GOOD("p0 example.com. 60 IN A 192.0.2.1\n"), "3: type A", "type A");
	bad(AFTER_GOOD("p0 example.com. 60 IN DNSKEY 256 3 13 AAEC!!!==\n"), "3: ", "bad base64");
	bad(AFTER_GOOD("p0 example.com. 60 IN DNSKEY 256 3\n"), "3: ", "missing fields");
	bad(AFTER_GOOD(" example.com. 60 IN DNSKEY 256 3 13 " KEY_A "\n"), "3: empty origin list",
	    "empty origin list");
	bad(AFTER_GOOD("p0,,p1 example.com. 60 IN DNSKEY 256 3 13 " KEY_A "\n"), "3: empty peer",
	    "empty name in the list");
	bad(AFTER_GOOD(",example.com. 60 IN DNSKEY 256 3 13 " KEY_A "\n"), "3: ",
	    "origin list of one comma");
	bad(AFTER_GOOD("p0\n"), "3: no record", "origins without a record");
	bad("p0 example.com. 60 IN DNSKEY 256 3 13 " KEY_A "\np1 garbage\n", "2: ", "garbage");
#undef AFTER_GOOD
}

int
main(void)
{
	test_order_and_edit();
	test_round_trip();
	test_names();
	test_errors();
	return tap_done();
}
