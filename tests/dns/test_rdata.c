/* SPDX-License-Identifier: BSD-3-Clause */
#include <ldns/ldns.h>
#include <string.h>

#include "dns/err.h"
#include "dns/name.h"
#include "dns/rdata.h"
#include "tests/tap.h"

#define W(s) ((const uint8_t *)(s))

/* Types without a dns_type constant, as numbers. */
enum { MD = 3, MF = 4, MB = 7, MG = 8, MR = 9, MINFO = 14, RT = 21, PX = 26, NXT = 30, A6 = 38 };

static void
test_fields(void)
{
	const uint8_t *f;

	f = dns_rdata_fields(DNS_T_A);
	ok(f && f[0] == DNS_F_FIX4 && f[1] == DNS_F_END, "A: FIX4");
	f = dns_rdata_fields(DNS_T_AAAA);
	ok(f && f[0] == DNS_F_FIX16 && f[1] == DNS_F_END, "AAAA: FIX16");
	f = dns_rdata_fields(DNS_T_NS);
	ok(f && f[0] == DNS_F_CNAME && f[1] == DNS_F_END, "NS: compressible name");
	f = dns_rdata_fields(DNS_T_CNAME);
	ok(f && f[0] == DNS_F_CNAME && f[1] == DNS_F_END, "CNAME: compressible name");
	f = dns_rdata_fields(DNS_T_PTR);
	ok(f && f[0] == DNS_F_CNAME && f[1] == DNS_F_END, "PTR: compressible name");
	f = dns_rdata_fields(DNS_T_MX);
	ok(f && f[0] == DNS_F_FIX2 && f[1] == DNS_F_CNAME && f[2] == DNS_F_END, "MX: FIX2 CNAME");
	f = dns_rdata_fields(DNS_T_SOA);
	ok(f && f[0] == DNS_F_CNAME && f[1] == DNS_F_CNAME && f[2] == DNS_F_FIX4 &&
	   f[6] == DNS_F_FIX4 && f[7] == DNS_F_END, "SOA: 2 compressible names, 5 x FIX4");
	f = dns_rdata_fields(DNS_T_SRV);
	ok(f && f[3] == DNS_F_NAME && f[4] == DNS_F_END, "SRV: target not compressible");
	f = dns_rdata_fields(DNS_T_DNAME);
	ok(f && f[0] == DNS_F_NAME, "DNAME: target not compressible");
	f = dns_rdata_fields(DNS_T_RP);
	ok(f && f[0] == DNS_F_NAME && f[1] == DNS_F_NAME, "RP: names not compressible");
	f = dns_rdata_fields(DNS_T_RRSIG);
	ok(f && f[0] == DNS_F_FIX16 && f[1] == DNS_F_FIX2 && f[2] == DNS_F_NAME && f[3] == DNS_F_REST,
	   "RRSIG: 18 fixed octets, signer lowercased in canonical form, signature");
	f = dns_rdata_fields(DNS_T_NSEC);
	ok(f && f[0] == DNS_F_LNAME && f[1] == DNS_F_REST, "NSEC: next name kept as is");
	f = dns_rdata_fields(DNS_T_SVCB);
	ok(f && f[1] == DNS_F_LNAME, "SVCB: target kept as is");
	f = dns_rdata_fields(DNS_T_DNSKEY);
	ok(f && f[0] == DNS_F_FIX2 && f[3] == DNS_F_REST, "DNSKEY: flags, protocol, alg, key");
	f = dns_rdata_fields(DNS_T_TXT);
	ok(f && f[0] == DNS_F_STRS && f[1] == DNS_F_END, "TXT: character-strings to the end");
	f = dns_rdata_fields(DNS_T_NAPTR);
	ok(f && f[2] == DNS_F_STR && f[4] == DNS_F_STR && f[5] == DNS_F_NAME,
	   "NAPTR: three strings, then a name lowercased in canonical form");
	ok(dns_rdata_fields(65282) == NULL, "unknown type: NULL");
	ok(dns_rdata_fields(0) == NULL, "type 0: NULL");
	ok(dns_rdata_fields(38) == NULL, "A6: layout depends on data, NULL");

	/* Every descriptor ends within 8 fields and uses only public kinds. */
	bool good = true;
	for (unsigned t = 0; t <= 65535; t++) {
		f = dns_rdata_fields((uint16_t)t);
		if (!f)
			continue;
		unsigned i;
		for (i = 0; i < 8 && f[i] != DNS_F_END; i++)
			if (f[i] > DNS_F_STRS)
				good = false;
		if (i == 8)
			good = false;
	}
	ok(good, "descriptors: at most 7 fields + END, public kinds only");
}

static void
test_type_names(void)
{
	static const struct { uint16_t t; const char *n; } known[] = {
		{ 1, "A" }, { 2, "NS" }, { 5, "CNAME" }, { 6, "SOA" }, { 12, "PTR" },
		{ 13, "HINFO" }, { 15, "MX" }, { 16, "TXT" }, { 17, "RP" }, { 18, "AFSDB" },
		{ 24, "SIG" }, { 25, "KEY" }, { 28, "AAAA" }, { 29, "LOC" }, { 33, "SRV" },
		{ 35, "NAPTR" }, { 36, "KX" }, { 37, "CERT" }, { 39, "DNAME" }, { 41, "OPT" },
		{ 43, "DS" }, { 44, "SSHFP" }, { 46, "RRSIG" }, { 47, "NSEC" }, { 48, "DNSKEY" },
		{ 50, "NSEC3" }, { 51, "NSEC3PARAM" }, { 52, "TLSA" }, { 59, "CDS" },
		{ 60, "CDNSKEY" }, { 64, "SVCB" }, { 65, "HTTPS" }, { 128, "NXNAME" },
		{ 249, "TKEY" }, { 250, "TSIG" }, { 251, "IXFR" }, { 252, "AXFR" },
		{ 253, "MAILB" }, { 254, "MAILA" }, { 255, "ANY" }, { 256, "URI" }, { 257, "CAA" },
		{ 3, "MD" }, { 4, "MF" }, { 7, "MB" }, { 8, "MG" }, { 9, "MR" }, { 14, "MINFO" },
		{ 21, "RT" }, { 26, "PX" }, { 30, "NXT" }, { 38, "A6" },
	};
	bool good = true;

	for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++) {
		const char *n = dns_type_name(known[i].t);
		if (!n || strcmp(n, known[i].n) != 0 || dns_type_from_str(known[i].n) != known[i].t) {
			diag("type %u: name %s", known[i].t, n ? n : "(null)");
			good = false;
		}
		/* ldns knows all of them under the same mnemonic (except NXNAME, too new). */
		if (known[i].t != DNS_T_NXNAME) {
			char *l = ldns_rr_type2str(known[i].t);
			if (strcmp(l, known[i].n) != 0) {
				diag("ldns calls type %u %s", known[i].t, l);
				good = false;
			}
			free(l);
		}
	}
	ok(good, "%zu type mnemonics both ways, same as ldns", sizeof(known) / sizeof(known[0]));

	/* The table is consistent: every named type reads back. */
	good = true;
	unsigned named = 0;
	for (unsigned t = 0; t <= 65535; t++) {
		const char *n = dns_type_name((uint16_t)t);
		if (n && (named++, dns_type_from_str(n) != (int)t))
			good = false;
	}
	ok(good && named == sizeof(known) / sizeof(known[0]), "exactly the listed types are named");

	is_int(dns_type_from_str("dnskey"), DNS_T_DNSKEY, "from_str is case-insensitive");
	is_int(dns_type_from_str("NSec3Param"), DNS_T_NSEC3PARAM, "from_str mixed case");
	is_int(dns_type_from_str("TYPE65282"), 65282, "TYPE65282");
	is_int(dns_type_from_str("type1"), 1, "type1");
	is_int(dns_type_from_str("TYPE0"), 0, "TYPE0");
	is_int(dns_type_from_str("TYPE65535"), 65535, "TYPE65535");
	is_int(dns_type_from_str("TYPE000046"), 46, "TYPE with leading zeros");
	is_int(dns_type_from_str("TYPE65536"), DNS_ESYNTAX, "TYPE65536 is too big");
	is_int(dns_type_from_str("TYPE99999999999999999999"), DNS_ESYNTAX, "huge TYPE number");
	is_int(dns_type_from_str("TYPE"), DNS_ESYNTAX, "TYPE without number");
	is_int(dns_type_from_str("TYPE-1"), DNS_ESYNTAX, "TYPE-1");
	is_int(dns_type_from_str("TYPE1x"), DNS_ESYNTAX, "TYPE1x");
	is_int(dns_type_from_str("TYP1"), DNS_ESYNTAX, "TYP1");
	is_int(dns_type_from_str(""), DNS_ESYNTAX, "empty string");
	is_int(dns_type_from_str("AA"), DNS_ESYNTAX, "AA");
	is_int(dns_type_from_str("A "), DNS_ESYNTAX, "trailing space");
	is_int(dns_type_from_str("NSEC3PARAMS"), DNS_ESYNTAX, "longer than a mnemonic");
	ok(dns_type_name(65282) == NULL, "unknown type has no name");
}

static void
test_meta(void)
{
	static const uint16_t meta[] = { DNS_T_OPT, DNS_T_TSIG, DNS_T_TKEY, DNS_T_IXFR, DNS_T_AXFR,
					 DNS_T_MAILA, DNS_T_MAILB, DNS_T_ANY, DNS_T_NXNAME, 200 };
	static const uint16_t data[] = { 0, DNS_T_A, DNS_T_NS, DNS_T_SOA, DNS_T_RRSIG,
					 DNS_T_DNSKEY, DNS_T_HTTPS, 127, DNS_T_URI, DNS_T_CAA,
					 65282 };

	for (size_t i = 0; i < sizeof(meta) / sizeof(meta[0]); i++)
		ok(dns_type_is_meta(meta[i]), "type %u is meta", meta[i]);
	for (size_t i = 0; i < sizeof(data) / sizeof(data[0]); i++)
		ok(!dns_type_is_meta(data[i]), "type %u is not meta", data[i]);
}

/*
 * RDATA built from a spec: digits = that many fixed octets 'A' (so that a
 * wrong lowercasing shows), N = the name "FoO.ExAmPlE.", S = the string "\2AB",
 * R = rest "XyZ". With lower set, only the N fields are lowercased.
 */
static size_t
build(const char *spec, bool lower, uint8_t *out)
{
	static const uint8_t name[] = "\3FoO\7ExAmPlE";
	size_t n = 0;

	for (; *spec; spec++) {
		if (*spec >= '0' && *spec <= '9') {
			int k = *spec - '0';
			if (spec[1] >= '0' && spec[1] <= '9')
				k = k * 10 + (*++spec - '0');
			memset(out + n, 'A', (size_t)k);
			n += (size_t)k;
		} else if (*spec == 'N') {
			n += lower ? dns_name_lower(out + n, name) : (memcpy(out + n, name, 13), 13);
		} else if (*spec == 'S') {
			memcpy(out + n, "\2AB", 3);
			n += 3;
		} else if (*spec == 'R') {
			memcpy(out + n, "XyZ", 3);
			n += 3;
		}
	}
	return n;
}

static void
test_canonical(void)
{
	static const struct { uint16_t type; const char *spec; bool lowered; } cases[] = {
		/* RFC 4034 6.2 item 3 as amended by RFC 6840 5.1 */
		{ DNS_T_NS, "N", true }, { MD, "N", true }, { MF, "N", true },
		{ DNS_T_CNAME, "N", true }, { DNS_T_SOA, "NN20", true }, { MB, "N", true },
		{ MG, "N", true }, { MR, "N", true }, { DNS_T_PTR, "N", true },
		{ MINFO, "NN", true }, { DNS_T_MX, "2N", true }, { DNS_T_RP, "NN", true },
		{ DNS_T_AFSDB, "2N", true }, { RT, "2N", true }, { DNS_T_SIG, "18NR", true },
		{ PX, "2NN", true }, { NXT, "NR", true }, { DNS_T_NAPTR, "4SSSN", true },
		{ DNS_T_KX, "2N", true }, { DNS_T_SRV, "6N", true }, { DNS_T_DNAME, "N", true },
		{ DNS_T_RRSIG, "18NR", true },
		/* names kept as they are */
		{ DNS_T_NSEC, "NR", false }, { DNS_T_SVCB, "2NR", false }, { DNS_T_HTTPS, "2N", false },
		{ DNS_T_TSIG, "N10R", false }, { DNS_T_TKEY, "N12R", false },
		/* no names; letters must not change */
		{ DNS_T_A, "4", false }, { DNS_T_AAAA, "16", false }, { DNS_T_TXT, "SS", false },
		{ DNS_T_HINFO, "SS", false }, { DNS_T_DNSKEY, "4R", false }, { DNS_T_DS, "4R", false },
		{ DNS_T_CAA, "1SR", false }, { DNS_T_NSEC3, "4SSR", false },
		{ DNS_T_NSEC3PARAM, "4S", false }, { DNS_T_URI, "4R", false },
		{ 65282, "NR", false },
	};
	uint8_t in[512], want[512], out[512];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		size_t n = build(cases[i].spec, false, in);
		build(cases[i].spec, cases[i].lowered, want);
		int rc = dns_rdata_canonical(cases[i].type, in, n, out);
		ok(rc == (int)n && memcmp(out, want, n) == 0, "canonical %s (%s): names %s",
		   dns_type_name(cases[i].type) ? dns_type_name(cases[i].type) : "TYPE65282",
		   cases[i].spec, cases[i].lowered ? "lowercased" : "kept");
		/* in place */
		rc = dns_rdata_canonical(cases[i].type, in, n, in);
		ok(rc == (int)n && memcmp(in, want, n) == 0, "canonical in place %u", cases[i].type);
	}

	/* A6: prefix length 64, 8 octets of suffix, then the prefix name. */
	static const uint8_t a6[] = "\x40" "AAAAAAAA" "\3FoO";
	uint8_t a6o[64];
	is_int(dns_rdata_canonical(A6, a6, sizeof(a6), a6o), (int)sizeof(a6), "canonical A6");
	is_mem(a6o, "\x40" "AAAAAAAA" "\3foo", sizeof(a6), "A6 prefix name lowercased");
	static const uint8_t a6z[] = "\x00" "AAAAAAAAAAAAAAAA";
	is_int(dns_rdata_canonical(A6, a6z, 17, a6o), 17, "A6 with prefix length 0 has no name");
	is_int(dns_rdata_canonical(A6, a6z, 18, a6o), DNS_EMALFORMED, "A6 /0 with extra octet");
	static const uint8_t a6x[] = "\x81";
	is_int(dns_rdata_canonical(A6, a6x, 1, a6o), DNS_EMALFORMED, "A6 prefix length 129");

	/* Malformed input. */
	is_int(dns_rdata_canonical(DNS_T_NS, W("\3foo\xc0\x00"), 6, out), DNS_EMALFORMED,
	       "canonical: pointer");
	is_int(dns_rdata_canonical(DNS_T_NS, W("\3foo"), 4, out), DNS_EMALFORMED,
	       "canonical: name without root");
	is_int(dns_rdata_canonical(DNS_T_NS, W("\3foo\0\0"), 6, out), DNS_EMALFORMED,
	       "canonical: trailing octet");
	is_int(dns_rdata_canonical(DNS_T_MX, W("\0"), 1, out), DNS_EMALFORMED,
	       "canonical: MX too short");
	is_int(dns_rdata_canonical(DNS_T_A, W("\1\2\3"), 3, out), DNS_EMALFORMED,
	       "canonical: A of 3 octets");
	is_int(dns_rdata_canonical(DNS_T_NS, W("\x41" "a"), 2, out), DNS_EMALFORMED,
	       "canonical: label type 0x40");
	is_int(dns_rdata_canonical(DNS_T_TXT, W(""), 0, out), DNS_EMALFORMED,
	       "canonical: empty TXT");
	is_int(dns_rdata_canonical(65282, W(""), 0, out), 0, "canonical: empty unknown RDATA");
	is_int(dns_rdata_canonical(DNS_T_ANY, W(""), 0, out), 0, "canonical: empty ANY");
}

/* Differential: ldns's canonical form of RRs given in presentation format. */
static void
test_canonical_ldns(void)
{
	static const char *const rrs[] = {
		"a. 1 IN NS Ns1.ExAmple.",
		"a. 1 IN SOA Ns1.EXAMPLE. HostMaster.Example. 1094795585 2 3 4 5",
		"a. 1 IN MX 16705 Mail.Example.",
		"a. 1 IN SRV 1 2 3 Target.Example.",
		"a. 1 IN NAPTR 1 2 \"S\" \"SIP+D2U\" \"!^.*$!sip:X@Y!\" _Sip._Udp.Example.",
		"a. 1 IN RRSIG A 13 1 60 20250101000000 20240101000000 4711 ExAmPlE. AAAAAAAA",
		"a. 1 IN NSEC Next.Example. A NS RRSIG",
		"a. 1 IN DNAME Target.EXAMPLE.",
		"a. 1 IN RP Mbox.Example. Txt.Example.",
		"a. 1 IN AFSDB 1 Afs.Example.",
		"a. 1 IN KX 10 Kx.Example.",
		"a. 1 IN TXT \"ABC\" \"Def\"",
		"a. 1 IN HINFO \"CPU\" \"OS\"",
		"a. 1 IN CAA 0 issue \"CA.Example\"",
		"a. 1 IN PTR Host.Example.",
		"a. 1 IN CNAME Alias.Example.",
	};

	for (size_t i = 0; i < sizeof(rrs) / sizeof(rrs[0]); i++) {
		ldns_rr *rr = NULL;
		if (!ok(ldns_rr_new_frm_str(&rr, rrs[i], 0, NULL, NULL) == LDNS_STATUS_OK,
			"ldns reads %s", rrs[i]))
			continue;
		ldns_buffer *orig = ldns_buffer_new(512), *canon = ldns_buffer_new(512);
		ldns_rr_rdata2buffer_wire(orig, rr);
		ldns_rr2canonical(rr);
		ldns_rr_rdata2buffer_wire(canon, rr);
		uint8_t out[512];
		int rc = dns_rdata_canonical(ldns_rr_get_type(rr), ldns_buffer_begin(orig),
					     ldns_buffer_position(orig), out);
		ok(rc == (int)ldns_buffer_position(canon) &&
		   memcmp(out, ldns_buffer_begin(canon), (size_t)rc) == 0,
		   "canonical form same as ldns: %s", rrs[i]);
		ldns_buffer_free(orig);
		ldns_buffer_free(canon);
		ldns_rr_free(rr);
	}
}

static void
test_unpack(void)
{
	uint8_t out[512];
	size_t olen = 0;

	/*
	 * 0: "\7example\3com\0" (13); 13: MX rdata: 00 0a "\4mail" ptr 0 (9 octets);
	 * 22: SOA rdata: ptr 13+2 (mail.example.com), "\4host" ptr 0, 20 octets.
	 */
	uint8_t msg[128];
	size_t n = 0;
	memcpy(msg, "\7example\3com", 13);
	n = 13;
	memcpy(msg + n, "\0\x0a\4mail\xc0\x00", 9);
	n += 9;
	memcpy(msg + n, "\xc0\x0f\4host\xc0\x00", 9);
	memcpy(msg + n + 9, "\0\0\0\1\0\0\0\2\0\0\0\3\0\0\0\4\0\0\0\5", 20);
	n += 29;

	is_int(dns_rdata_unpack(DNS_T_MX, msg, n, 13, 9, out, sizeof(out), &olen), 0, "unpack MX");
	ok(olen == 20 && memcmp(out, "\0\x0a\4mail\7example\3com", 20) == 0, "MX expanded");
	is_int(dns_rdata_unpack(DNS_T_SOA, msg, n, 22, 29, out, sizeof(out), &olen), 0,
	       "unpack SOA with two compressed names");
	ok(olen == 18 + 18 + 20 && memcmp(out, "\4mail\7example\3com\0\4host\7example\3com", 36) == 0 &&
	   memcmp(out + 36, msg + 31, 20) == 0, "SOA expanded, numbers copied");

	is_int(dns_rdata_unpack(DNS_T_MX, msg, n, 13, 9, out, 19, &olen), DNS_ESPACE,
	       "unpack MX: expanded form does not fit");
	is_int(dns_rdata_unpack(DNS_T_MX, msg, n, 13, 9, out, 20, &olen), 0, "unpack MX: exact cap");
	is_int(dns_rdata_unpack(DNS_T_MX, msg, n, 13, 8, out, sizeof(out), &olen), DNS_EMALFORMED,
	       "unpack MX: name runs past rdlen");
	is_int(dns_rdata_unpack(DNS_T_MX, msg, n, 13, 10, out, sizeof(out), &olen), DNS_EMALFORMED,
	       "unpack MX: trailing octet");
	is_int(dns_rdata_unpack(DNS_T_MX, msg, 21, 13, 9, out, sizeof(out), &olen), DNS_EMALFORMED,
	       "unpack: rdlen beyond the message");
	is_int(dns_rdata_unpack(DNS_T_MX, msg, 10, 13, 0, out, sizeof(out), &olen), DNS_EMALFORMED,
	       "unpack: pos beyond the message");
	is_int(dns_rdata_unpack(DNS_T_MX, msg, n, 13, 1, out, sizeof(out), &olen), DNS_EMALFORMED,
	       "unpack MX: 1 octet");

	/* Bad pointers inside RDATA. */
	uint8_t bad[] = { 0, 0x0a, 0xc0, 0x02 };
	is_int(dns_rdata_unpack(DNS_T_MX, bad, 4, 0, 4, out, sizeof(out), &olen), DNS_ECOMPRESS,
	       "unpack: pointer to itself");
	uint8_t fwd[] = { 0, 0x0a, 0xc0, 0x04, 0 };
	is_int(dns_rdata_unpack(DNS_T_MX, fwd, 5, 0, 5, out, sizeof(out), &olen), DNS_ECOMPRESS,
	       "unpack: forward pointer");
	uint8_t lt[] = { 0, 0x0a, 0x40, 0 };
	is_int(dns_rdata_unpack(DNS_T_MX, lt, 4, 0, 4, out, sizeof(out), &olen), DNS_EMALFORMED,
	       "unpack: label type 0x40");

	/* Fixed sizes. */
	is_int(dns_rdata_unpack(DNS_T_A, W("\1\2\3\4"), 4, 0, 4, out, sizeof(out), &olen), 0,
	       "unpack A");
	ok(olen == 4 && memcmp(out, "\1\2\3\4", 4) == 0, "A copied");
	is_int(dns_rdata_unpack(DNS_T_A, W("\1\2\3"), 3, 0, 3, out, sizeof(out), &olen),
	       DNS_EMALFORMED, "unpack A of 3 octets");
	is_int(dns_rdata_unpack(DNS_T_A, W("\1\2\3\4\5"), 5, 0, 5, out, sizeof(out), &olen),
	       DNS_EMALFORMED, "unpack A of 5 octets");
	is_int(dns_rdata_unpack(DNS_T_AAAA, W("0123456789abcdef"), 16, 0, 16, out, sizeof(out), &olen),
	       0, "unpack AAAA");
	is_int(dns_rdata_unpack(DNS_T_AAAA, W("0123456789abcde"), 15, 0, 15, out, sizeof(out), &olen),
	       DNS_EMALFORMED, "unpack AAAA of 15 octets");
	is_int(dns_rdata_unpack(DNS_T_A, W("\1\2\3\4"), 4, 0, 4, out, 3, &olen), DNS_ESPACE,
	       "unpack A: cap 3");
	is_int(dns_rdata_unpack(DNS_T_TSIG, W("\0" "123456" "78" "\0\0"), 11, 0, 11, out, sizeof(out),
				&olen), 0, "unpack TSIG (FIX6)");
	is_int(dns_rdata_unpack(DNS_T_TSIG, W("\0" "12345"), 6, 0, 6, out, sizeof(out), &olen),
	       DNS_EMALFORMED, "unpack TSIG without the 48-bit time");

	/* Strings. */
	is_int(dns_rdata_unpack(DNS_T_TXT, W("\3abc\0\1x"), 7, 0, 7, out, sizeof(out), &olen), 0,
	       "unpack TXT of 3 strings (one empty)");
	is_int(olen, 7, "TXT length");
	is_int(dns_rdata_unpack(DNS_T_TXT, W(""), 0, 0, 0, out, sizeof(out), &olen), DNS_EMALFORMED,
	       "unpack TXT without strings");
	is_int(dns_rdata_unpack(DNS_T_TXT, W("\3ab"), 3, 0, 3, out, sizeof(out), &olen),
	       DNS_EMALFORMED, "unpack TXT with a string past the end");
	is_int(dns_rdata_unpack(DNS_T_HINFO, W("\1a\1b"), 4, 0, 4, out, sizeof(out), &olen), 0,
	       "unpack HINFO");
	is_int(dns_rdata_unpack(DNS_T_HINFO, W("\1a"), 2, 0, 2, out, sizeof(out), &olen),
	       DNS_EMALFORMED, "unpack HINFO with one string");
	is_int(dns_rdata_unpack(DNS_T_HINFO, W("\1a\1b\0"), 5, 0, 5, out, sizeof(out), &olen),
	       DNS_EMALFORMED, "unpack HINFO with three strings");
	is_int(dns_rdata_unpack(DNS_T_NSEC3PARAM, W("\1\0\0\x0a\2ab"), 7, 0, 7, out, sizeof(out),
				&olen), 0, "unpack NSEC3PARAM");
	is_int(dns_rdata_unpack(DNS_T_NSEC3PARAM, W("\1\0\0\x0a\3ab"), 7, 0, 7, out, sizeof(out),
				&olen), DNS_EMALFORMED, "unpack NSEC3PARAM with a short salt");
	is_int(dns_rdata_unpack(DNS_T_NSEC3, W("\1\0\0\x0a\0\2hh\0\6\x40\1"), 12, 0, 12, out,
				sizeof(out), &olen), 0, "unpack NSEC3");
	is_int(dns_rdata_unpack(DNS_T_NSEC3, W("\1\0\0\x0a\0\5hh"), 8, 0, 8, out, sizeof(out), &olen),
	       DNS_EMALFORMED, "unpack NSEC3 with a short hash");
	is_int(dns_rdata_unpack(DNS_T_CAA, W("\0\5issueca"), 9, 0, 9, out, sizeof(out), &olen), 0,
	       "unpack CAA");
	is_int(dns_rdata_unpack(DNS_T_CAA, W("\0\7issue"), 7, 0, 7, out, sizeof(out), &olen),
	       DNS_EMALFORMED, "unpack CAA with a short tag");

	/* NAPTR: strings then a name, which is expanded if a sender compressed it. */
	uint8_t naptr[64];
	memcpy(naptr, "\3sip\0", 5);
	memcpy(naptr + 5, "\0\1\0\2\1S\7SIP+D2U\0\xc0\x00", 17);
	is_int(dns_rdata_unpack(DNS_T_NAPTR, naptr, 22, 5, 17, out, sizeof(out), &olen), 0,
	       "unpack NAPTR with a compressed replacement");
	ok(olen == 20 && memcmp(out + 15, "\3sip\0", 5) == 0, "NAPTR replacement expanded");
	is_int(dns_rdata_unpack(DNS_T_NAPTR, naptr, 22, 5, 15, out, sizeof(out), &olen),
	       DNS_EMALFORMED, "unpack NAPTR without replacement");

	/* Empty RDATA: right for meta types, wrong for data types with fields. */
	is_int(dns_rdata_unpack(DNS_T_ANY, W(""), 0, 0, 0, out, sizeof(out), &olen), 0,
	       "unpack empty ANY");
	is_int(olen, 0, "empty ANY has length 0");
	is_int(dns_rdata_unpack(DNS_T_NXNAME, W("x"), 1, 0, 1, out, sizeof(out), &olen),
	       DNS_EMALFORMED, "unpack NXNAME with data");
	is_int(dns_rdata_unpack(DNS_T_NS, W(""), 0, 0, 0, out, sizeof(out), &olen), DNS_EMALFORMED,
	       "unpack empty NS");

	/* Unknown types are opaque, even if they look like pointers. */
	is_int(dns_rdata_unpack(65282, W("\xc0\x00zz"), 4, 0, 4, out, sizeof(out), &olen), 0,
	       "unpack unknown type");
	ok(olen == 4 && memcmp(out, "\xc0\x00zz", 4) == 0, "unknown type copied as is");
	is_int(dns_rdata_unpack(65282, W("\xc0\x00zz"), 4, 0, 4, out, 3, &olen), DNS_ESPACE,
	       "unpack unknown type: cap 3");
	is_int(dns_rdata_unpack(65282, W(""), 0, 0, 0, out, 0, &olen), 0, "unpack empty unknown");
}

/*
 * Differential: ldns builds a message (compressing what it compresses);
 * each RDATA unpacked from it equals ldns's uncompressed RDATA.
 */
static void
test_unpack_ldns(void)
{
	static const char *const rrs[] = {
		"www.example.com. 60 IN CNAME Host.example.com.",
		"example.com. 60 IN MX 10 mail.example.com.",
		"example.com. 60 IN NS ns1.example.com.",
		"example.com. 60 IN SOA ns1.example.com. hostmaster.example.com. 1 2 3 4 5",
		"_sip._udp.example.com. 60 IN SRV 1 2 5060 sip.example.com.",
		"example.com. 60 IN TXT \"v=spf1 -all\" \"second\"",
		"example.com. 60 IN AAAA 2001:db8::1",
		"example.com. 60 IN A 192.0.2.1",
		"example.com. 60 IN DS 4711 13 2 ABCDEF0123456789",
		"example.com. 60 IN NSEC a.example.com. A NS SOA RRSIG NSEC",
		"1.2.0.192.in-addr.arpa. 60 IN PTR www.example.com.",
		"example.com. 60 IN NAPTR 100 10 \"U\" \"E2U+sip\" \"!^.*$!sip:info@example.com!\" .",
		"example.com. 60 IN HINFO \"PC\" \"Linux\"",
		"example.com. 60 IN CAA 0 issue \"ca.example.net\"",
		"example.com. 60 IN RP mbox.example.com. txt.example.com.",
		"example.com. 60 IN DNAME example.net.",
		"example.com. 60 IN LOC 52 22 23.000 N 4 53 32.000 E -2.00m 0.00m 10000m 10m",
	};
	ldns_pkt *pkt = ldns_pkt_new();
	size_t count = sizeof(rrs) / sizeof(rrs[0]);

	for (size_t i = 0; i < count; i++) {
		ldns_rr *rr = NULL;
		if (ldns_rr_new_frm_str(&rr, rrs[i], 0, NULL, NULL) != LDNS_STATUS_OK) {
			ok(0, "ldns reads %s", rrs[i]);
			continue;
		}
		ldns_pkt_push_rr(pkt, LDNS_SECTION_ANSWER, rr);
	}
	uint8_t *wire = NULL;
	size_t wlen = 0;
	ok(ldns_pkt2wire(&wire, pkt, &wlen) == LDNS_STATUS_OK, "ldns wrote a message of %zu RRs",
	   count);

	size_t pos = 12;
	ldns_rr_list *answer = ldns_pkt_answer(pkt);
	for (size_t i = 0; i < ldns_rr_list_rr_count(answer); i++) {
		struct dns_name owner;
		ldns_rr *rr = ldns_rr_list_rr(answer, i);
		if (dns_name_parse(wire, wlen, &pos, &owner) != 0 || wlen - pos < 10) {
			ok(0, "walk the ldns message at RR %zu", i);
			break;
		}
		uint16_t type = (uint16_t)(wire[pos] << 8 | wire[pos + 1]);
		uint16_t rdlen = (uint16_t)(wire[pos + 8] << 8 | wire[pos + 9]);
		uint8_t out[1024];
		size_t olen = 0;
		int rc = dns_rdata_unpack(type, wire, wlen, pos + 10, rdlen, out, sizeof(out), &olen);
		ldns_buffer *b = ldns_buffer_new(512);
		ldns_rr_rdata2buffer_wire(b, rr);
		ok(rc == 0 && olen == ldns_buffer_position(b) &&
		   memcmp(out, ldns_buffer_begin(b), olen) == 0, "unpack equals ldns: %s%s", rrs[i],
		   rdlen != olen ? " (was compressed)" : "");
		ldns_buffer_free(b);
		pos += 10u + rdlen;
	}
	is_int(pos, wlen, "walked the whole message");
	free(wire);
	ldns_pkt_free(pkt);
}

static void
test_cmp(void)
{
	ok(dns_rdata_cmp(W("\1\2"), 2, W("\1\2"), 2) == 0, "cmp equal");
	ok(dns_rdata_cmp(W("\1\2"), 2, W("\1\3"), 2) < 0, "cmp last octet");
	ok(dns_rdata_cmp(W("\1\3"), 2, W("\1\2"), 2) > 0, "cmp last octet (reverse)");
	ok(dns_rdata_cmp(W("\1"), 1, W("\1\0"), 2) < 0, "shorter prefix sorts first");
	ok(dns_rdata_cmp(W("\1\0"), 2, W("\1"), 1) > 0, "longer sorts after its prefix");
	ok(dns_rdata_cmp(W("\x80"), 1, W("\x7f\xff"), 2) > 0, "octets compare unsigned");
	ok(dns_rdata_cmp(W(""), 0, W(""), 0) == 0, "empty equals empty");
	ok(dns_rdata_cmp(W(""), 0, W("\0"), 1) < 0, "empty sorts first");
}

int
main(void)
{
	test_fields();
	test_type_names();
	test_meta();
	test_canonical();
	test_canonical_ldns();
	test_unpack();
	test_unpack_ldns();
	test_cmp();
	return tap_done();
}
