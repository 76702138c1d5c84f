/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <string.h>

#include "dns/err.h"
#include "dns/rdata.h"
#include "dns/wire.h"
#include "keysync/tsig.h"
#include "keysync/update.h"
#include "tests/tap.h"

/*
 * UPDATE messages made by dnspython 2.3.0 (Debian 12, /usr/bin/python3),
 * K = '256 3 13 oJMRESz5E4gYzS/q6XDrvU1qMPYIjCWzJaOau8XNEZeqCYKD5ar0IRd8KqXXFJkqmVfRvMGPmM1x8fGAa2XhSA=='
 * py_all_forms:
 *   u = dns.update.UpdateMessage('example.com.'); u.id = 0x0101
 *   u.present('example.com.', 'DNSKEY')
 *   u.present('example.com.', dns.rdata.from_text('IN', 'CDS', '12345 13 2 ' + 'ab' * 32))
 *   u.absent('example.com.', 'CDNSKEY'); u.present('www.example.com.'); u.absent('foo.example.com.')
 *   u.add('example.com.', 3600, 'DNSKEY', K); u.delete('example.com.', 'CDS')
 *   u.delete('old.example.com.'); u.delete('example.com.', 'DNSKEY', K)
 * py_scope:
 *   u = dns.update.UpdateMessage('Example.COM.'); u.id = 0x0202
 *   u.absent('example.com.', 'CDNSKEY'); u.add('example.com.', 3600, 'DNSKEY', K)
 *   u.add('example.com.', 3600, 'CDS', '12345 13 2 ' + 'ab' * 32)
 *   u.add('EXAMPLE.com.', 3600, 'CDNSKEY', '257 3 13 ' + K's key)
 *   u.delete('example.com.', 'CDS', '54321 13 2 ' + 'cd' * 32); u.delete('example.com.', 'CDNSKEY')
 * py_txt:
 *   u = dns.update.UpdateMessage('example.com.'); u.id = 0x0303
 *   u.add('example.com.', 300, 'TXT', '"x"')
 * py_build:
 *   u = dns.update.UpdateMessage('example.com.'); u.id = 0x0404
 *   u.absent('example.com.', 'CDNSKEY'); u.add('example.com.', 3600, 'DNSKEY', '256 3 13 AQIDBA==')
 *   u.delete('example.com.', 'DNSKEY', '256 3 13 BQYHCA=='); u.delete('example.com.', 'CDS')
 * each written with u.to_wire().
 */
static const uint8_t py_all_forms[] = { /* 321 octets */
	0x01, 0x01, 0x28, 0x00, 0x00, 0x01, 0x00, 0x05, 0x00, 0x04, 0x00, 0x00,
	0x07, 0x65, 0x78, 0x61, 0x6d, 0x70, 0x6c, 0x65, 0x03, 0x63, 0x6f, 0x6d,
	0x00, 0x00, 0x06, 0x00, 0x01, 0xc0, 0x0c, 0x00, 0x30, 0x00, 0xff, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0xc0, 0x0c, 0x00, 0x3b, 0x00, 0x01, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x24, 0x30, 0x39, 0x0d, 0x02, 0xab, 0xab, 0xab,
	0xab, 0xab, 0xab, 0xab, 0xab, 0xab, 0xab, 0xab, 0xab, 0xab, 0xab, 0xab,
	0xab, 0xab, 0xab, 0xab, 0xab, 0xab, 0xab, 0xab, 0xab, 0xab, 0xab, 0xab,
	0xab, 0xab, 0xab, 0xab, 0xab, 0xc0, 0x0c, 0x00, 0x3c, 0x00, 0xfe, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x03, 0x77, 0x77, 0x77, 0xc0, 0x0c, 0x00,
	0xff, 0x00, 0xff, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x03, 0x66, 0x6f,
	0x6f, 0xc0, 0x0c, 0x00, 0xff, 0x00, 0xfe, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0xc0, 0x0c, 0x00, 0x30, 0x00, 0x01, 0x00, 0x00, 0x0e, 0x10, 0x00,
	0x44, 0x01, 0x00, 0x03, 0x0d, 0xa0, 0x93, 0x11, 0x11, 0x2c, 0xf9, 0x13,
	0x88, 0x18, 0xcd, 0x2f, 0xea, 0xe9, 0x70, 0xeb, 0xbd, 0x4d, 0x6a, 0x30,
	0xf6, 0x08, 0x8c, 0x25, 0xb3, 0x25, 0xa3, 0x9a, 0xbb, 0xc5, 0xcd, 0x11,
	0x97, 0xaa, 0x09, 0x82, 0x83, 0xe5, 0xaa, 0xf4, 0x21, 0x17, 0x7c, 0x2a,
	0xa5, 0xd7, 0x14, 0x99, 0x2a, 0x99, 0x57, 0xd1, 0xbc, 0xc1, 0x8f, 0x98,
	0xcd, 0x71, 0xf1, 0xf1, 0x80, 0x6b, 0x65, 0xe1, 0x48, 0xc0, 0x0c, 0x00,
	0x3b, 0x00, 0xff, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x03, 0x6f, 0x6c,
	0x64, 0xc0, 0x0c, 0x00, 0xff, 0x00, 0xff, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0xc0, 0x0c, 0x00, 0x30, 0x00, 0xfe, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x44, 0x01, 0x00, 0x03, 0x0d, 0xa0, 0x93, 0x11, 0x11, 0x2c, 0xf9, 0x13,
	0x88, 0x18, 0xcd, 0x2f, 0xea, 0xe9, 0x70, 0xeb, 0xbd, 0x4d, 0x6a, 0x30,
	0xf6, 0x08, 0x8c, 0x25, 0xb3, 0x25, 0xa3, 0x9a, 0xbb, 0xc5, 0xcd, 0x11,
	0x97, 0xaa, 0x09, 0x82, 0x83, 0xe5, 0xaa, 0xf4, 0x21, 0x17, 0x7c, 0x2a,
	0xa5, 0xd7, 0x14, 0x99, 0x2a, 0x99, 0x57, 0xd1, 0xbc, 0xc1, 0x8f, 0x98,
	0xcd, 0x71, 0xf1, 0xf1, 0x80, 0x6b, 0x65, 0xe1, 0x48,
};
static const uint8_t py_scope[] = { /* 309 octets */
	0x02, 0x02, 0x28, 0x00, 0x00, 0x01, 0x00, 0x01, 0x00, 0x05, 0x00, 0x00,
	0x07, 0x45, 0x78, 0x61, 0x6d, 0x70, 0x6c, 0x65, 0x03, 0x43, 0x4f, 0x4d,
	0x00, 0x00, 0x06, 0x00, 0x01, 0xc0, 0x0c, 0x00, 0x3c, 0x00, 0xfe, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0xc0, 0x0c, 0x00, 0x30, 0x00, 0x01, 0x00,
	0x00, 0x0e, 0x10, 0x00, 0x44, 0x01, 0x00, 0x03, 0x0d, 0xa0, 0x93, 0x11,
	0x11, 0x2c, 0xf9, 0x13, 0x88, 0x18, 0xcd, 0x2f, 0xea, 0xe9, 0x70, 0xeb,
	0xbd, 0x4d, 0x6a, 0x30, 0xf6, 0x08, 0x8c, 0x25, 0xb3, 0x25, 0xa3, 0x9a,
	0xbb, 0xc5, 0xcd, 0x11, 0x97, 0xaa, 0x09, 0x82, 0x83, 0xe5, 0xaa, 0xf4,
	0x21, 0x17, 0x7c, 0x2a, 0xa5, 0xd7, 0x14, 0x99, 0x2a, 0x99, 0x57, 0xd1,
	0xbc, 0xc1, 0x8f, 0x98, 0xcd, 0x71, 0xf1, 0xf1, 0x80, 0x6b, 0x65, 0xe1,
	0x48, 0xc0, 0x0c, 0x00, 0x3b, 0x00, 0x01, 0x00, 0x00, 0x0e, 0x10, 0x00,
	0x24, 0x30, 0x39, 0x0d, 0x02, 0xab, 0xab, 0xab, 0xab, 0xab, 0xab, 0xab,
	0xab, 0xab, 0xab, 0xab, 0xab, 0xab, 0xab, 0xab, 0xab, 0xab, 0xab, 0xab,
	0xab, 0xab, 0xab, 0xab, 0xab, 0xab, 0xab, 0xab, 0xab, 0xab, 0xab, 0xab,
	0xab, 0xc0, 0x0c, 0x00, 0x3c, 0x00, 0x01, 0x00, 0x00, 0x0e, 0x10, 0x00,
	0x44, 0x01, 0x01, 0x03, 0x0d, 0xa0, 0x93, 0x11, 0x11, 0x2c, 0xf9, 0x13,
	0x88, 0x18, 0xcd, 0x2f, 0xea, 0xe9, 0x70, 0xeb, 0xbd, 0x4d, 0x6a, 0x30,
	0xf6, 0x08, 0x8c, 0x25, 0xb3, 0x25, 0xa3, 0x9a, 0xbb, 0xc5, 0xcd, 0x11,
	0x97, 0xaa, 0x09, 0x82, 0x83, 0xe5, 0xaa, 0xf4, 0x21, 0x17, 0x7c, 0x2a,
	0xa5, 0xd7, 0x14, 0x99, 0x2a, 0x99, 0x57, 0xd1, 0xbc, 0xc1, 0x8f, 0x98,
	0xcd, 0x71, 0xf1, 0xf1, 0x80, 0x6b, 0x65, 0xe1, 0x48, 0xc0, 0x0c, 0x00,
	0x3b, 0x00, 0xfe, 0x00, 0x00, 0x00, 0x00, 0x00, 0x24, 0xd4, 0x31, 0x0d,
	0x02, 0xcd, 0xcd, 0xcd, 0xcd, 0xcd, 0xcd, 0xcd, 0xcd, 0xcd, 0xcd, 0xcd,
	0xcd, 0xcd, 0xcd, 0xcd, 0xcd, 0xcd, 0xcd, 0xcd, 0xcd, 0xcd, 0xcd, 0xcd,
	0xcd, 0xcd, 0xcd, 0xcd, 0xcd, 0xcd, 0xcd, 0xcd, 0xcd, 0xc0, 0x0c, 0x00,
	0x3c, 0x00, 0xff, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
};
static const uint8_t py_txt[] = { /* 43 octets */
	0x03, 0x03, 0x28, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00,
	0x07, 0x65, 0x78, 0x61, 0x6d, 0x70, 0x6c, 0x65, 0x03, 0x63, 0x6f, 0x6d,
	0x00, 0x00, 0x06, 0x00, 0x01, 0xc0, 0x0c, 0x00, 0x10, 0x00, 0x01, 0x00,
	0x00, 0x01, 0x2c, 0x00, 0x02, 0x01, 0x78,
};
static const uint8_t py_build[] = { /* 93 octets */
	0x04, 0x04, 0x28, 0x00, 0x00, 0x01, 0x00, 0x01, 0x00, 0x03, 0x00, 0x00,
	0x07, 0x65, 0x78, 0x61, 0x6d, 0x70, 0x6c, 0x65, 0x03, 0x63, 0x6f, 0x6d,
	0x00, 0x00, 0x06, 0x00, 0x01, 0xc0, 0x0c, 0x00, 0x3c, 0x00, 0xfe, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0xc0, 0x0c, 0x00, 0x30, 0x00, 0x01, 0x00,
	0x00, 0x0e, 0x10, 0x00, 0x08, 0x01, 0x00, 0x03, 0x0d, 0x01, 0x02, 0x03,
	0x04, 0xc0, 0x0c, 0x00, 0x30, 0x00, 0xfe, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x08, 0x01, 0x00, 0x03, 0x0d, 0x05, 0x06, 0x07, 0x08, 0xc0, 0x0c, 0x00,
	0x3b, 0x00, 0xff, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
};

#define APEX "\7example\3com"
#define CAP 16

static const uint8_t apex[] = APEX;
static const uint8_t www[] = "\3www" APEX;
static const uint8_t other_zone[] = "\7example\3org";
static const uint8_t parent[] = "\3com";
static const uint8_t dnskey[] = { 1, 0, 3, 13, 1, 2, 3, 4 };
static const uint8_t dnskey2[] = { 1, 0, 3, 13, 5, 6, 7, 8 };

/* A hand-made UPDATE, for the malformed cases the builder will not write. */
struct msg {
	uint8_t buf[1024];
	size_t len;
};

static void
m_start(struct msg *m, uint16_t flags, uint16_t zocount, uint16_t ztype, uint16_t zclass)
{
	memset(m->buf, 0, DNS_HDR_LEN);
	dns_put16(m->buf, 0x5555);
	dns_put16(m->buf + 2, flags);
	dns_put16(m->buf + 4, zocount);
	memcpy(m->buf + DNS_HDR_LEN, apex, sizeof(apex));
	m->len = DNS_HDR_LEN + sizeof(apex);
	dns_put16(m->buf + m->len, ztype);
	dns_put16(m->buf + m->len + 2, zclass);
	m->len += 4;
}

#define UPD (DNS_OP_UPDATE << 11)
#define PR 6   /* count offsets */
#define UP 8
#define AD 10

static void
m_rr(struct msg *m, size_t count_ofs, const uint8_t *owner, uint16_t type, uint16_t rclass,
     uint32_t ttl, const uint8_t *rdata, uint16_t rdlen)
{
	size_t olen = dns_name_len(owner);
	memcpy(m->buf + m->len, owner, olen);
	uint8_t *p = m->buf + m->len + olen;
	dns_put16(p, type);
	dns_put16(p + 2, rclass);
	dns_put32(p + 4, ttl);
	dns_put16(p + 8, rdlen);
	if (rdlen)
		memcpy(p + 10, rdata, rdlen);
	m->len += olen + 10 + rdlen;
	dns_put16(m->buf + count_ofs, (uint16_t)(dns_get16(m->buf + count_ofs) + 1));
}

static int
parse(const uint8_t *msg, size_t len, struct ksync_update *u)
{
	static struct ksync_update_rr rrs[CAP];
	return ksync_update_parse(msg, len, rrs, CAP, u);
}

static void
expect(const struct msg *m, int rc, uint8_t rcode, const char *what)
{
	struct ksync_update u;
	int got = parse(m->buf, m->len, &u);
	ok(got == rc && u.rcode == rcode, "%s: rc %d rcode %u", what, got, u.rcode);
}

static void
test_dnspython_forms(void)
{
	struct ksync_update u;

	is_int(parse(py_all_forms, sizeof(py_all_forms), &u), 0, "dnspython UPDATE with every form parses");
	ok(u.id == 0x0101 && u.rcode == DNS_R_NOERROR && dns_name_equal(u.zone, apex), "id, zone");
	ok(u.nprereq == 5 && u.nupdate == 4, "5 prerequisites, 4 updates");
	static const unsigned pk[] = {
		KSYNC_PREREQ_RRSET_EXISTS, KSYNC_PREREQ_RRSET_EXISTS_VALUE, KSYNC_PREREQ_RRSET_ABSENT,
		KSYNC_PREREQ_NAME_IN_USE, KSYNC_PREREQ_NAME_ABSENT,
	};
	static const uint16_t pt[] = { DNS_T_DNSKEY, DNS_T_CDS, DNS_T_CDNSKEY, DNS_T_ANY, DNS_T_ANY };
	for (size_t i = 0; i < 5 && i < u.nprereq; i++)
		ok(u.prereq[i].kind == pk[i] && u.prereq[i].type == pt[i] && u.prereq[i].ttl == 0,
		   "prerequisite %zu: form 2.4.%zu, type %u", i, i + 1, pt[i]);
	ok(u.prereq[1].rdlen == 36 && u.prereq[1].rdata[0] == 0x30 && u.prereq[1].rdata[1] == 0x39,
	   "value-dependent prerequisite: CDS RDATA by pointer (key tag 12345)");
	ok(u.prereq[0].rdata == NULL && u.prereq[2].rdata == NULL, "no RDATA: NULL");
	ok(dns_name_equal(u.prereq[3].owner, www), "name in use: www.example.com (decompressed)");
	static const unsigned uk[] = {
		KSYNC_UPDATE_ADD, KSYNC_UPDATE_DELETE_RRSET, KSYNC_UPDATE_DELETE_NAME,
		KSYNC_UPDATE_DELETE_RR,
	};
	static const uint16_t ut[] = { DNS_T_DNSKEY, DNS_T_CDS, DNS_T_ANY, DNS_T_DNSKEY };
	static const uint16_t uc[] = { DNS_C_IN, DNS_C_ANY, DNS_C_ANY, DNS_C_NONE };
	for (size_t i = 0; i < 4 && i < u.nupdate; i++)
		ok(u.update[i].kind == uk[i] && u.update[i].type == ut[i] && u.update[i].rclass == uc[i],
		   "update %zu: form 2.5.%zu", i, i + 1);
	ok(u.update[0].ttl == 3600 && u.update[0].rdlen == 68 && u.update[3].rdlen == 68 &&
	   memcmp(u.update[0].rdata, u.update[3].rdata, 68) == 0, "add and delete-RR carry the DNSKEY");
	is_int(ksync_update_scope(&u), DNS_R_REFUSED, "names below the apex and type ANY: REFUSED");

	is_int(parse(py_scope, sizeof(py_scope), &u), 0, "dnspython multi-signer UPDATE parses");
	ok(u.nprereq == 1 && u.nupdate == 5, "1 prerequisite, 5 updates");
	is_int(ksync_update_scope(&u), DNS_R_NOERROR,
	       "apex DNSKEY/CDS/CDNSKEY only (zone Example.COM., owners in other cases): in scope");
	ok(u.update[4].kind == KSYNC_UPDATE_DELETE_RRSET && u.update[3].kind == KSYNC_UPDATE_DELETE_RR,
	   "delete-RR CDS and delete-RRset CDNSKEY");

	is_int(parse(py_txt, sizeof(py_txt), &u), 0, "dnspython TXT UPDATE parses");
	is_int(ksync_update_scope(&u), DNS_R_REFUSED, "TXT at the apex: REFUSED");
}

static void
test_scope(void)
{
	uint8_t buf[512];
	struct ksync_update_builder b;
	struct ksync_update u;
	static const struct {
		const char *what;
		int prereq;   /* -1: none */
		const uint8_t *owner;
		uint16_t type;
		int op;       /* 0 add, 1 delete rrset, 2 delete rr, 3 delete name (hand-made) */
		uint8_t want;
	} cases[] = {
		{ "add DNSKEY at the apex", -1, apex, DNS_T_DNSKEY, 0, DNS_R_NOERROR },
		{ "delete CDS RRset at the apex", -1, apex, DNS_T_CDS, 1, DNS_R_NOERROR },
		{ "delete one CDNSKEY at the apex", -1, apex, DNS_T_CDNSKEY, 2, DNS_R_NOERROR },
		{ "DNSKEY below the apex", -1, www, DNS_T_DNSKEY, 0, DNS_R_REFUSED },
		{ "NS at the apex", -1, apex, DNS_T_NS, 1, DNS_R_REFUSED },
		{ "SOA at the apex", -1, apex, DNS_T_SOA, 1, DNS_R_REFUSED },
		{ "RRSIG at the apex", -1, apex, DNS_T_RRSIG, 1, DNS_R_REFUSED },
		{ "value prerequisite DNSKEY", KSYNC_PREREQ_RRSET_EXISTS_VALUE, apex, DNS_T_DNSKEY, 0, DNS_R_NOERROR },
		{ "absent prerequisite CDS", KSYNC_PREREQ_RRSET_ABSENT, apex, DNS_T_CDS, 0, DNS_R_NOERROR },
		{ "name-in-use prerequisite", KSYNC_PREREQ_NAME_IN_USE, apex, DNS_T_DNSKEY, 0, DNS_R_REFUSED },
		{ "name-absent prerequisite", KSYNC_PREREQ_NAME_ABSENT, apex, DNS_T_DNSKEY, 0, DNS_R_REFUSED },
		{ "prerequisite on A", KSYNC_PREREQ_RRSET_EXISTS, apex, DNS_T_A, 0, DNS_R_REFUSED },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		ksync_update_build_start(&b, buf, sizeof(buf), 1, apex);
		if (cases[i].prereq == KSYNC_PREREQ_RRSET_EXISTS_VALUE)
			ksync_update_build_prereq(&b, KSYNC_PREREQ_RRSET_EXISTS_VALUE, apex, DNS_T_DNSKEY,
						  dnskey, sizeof(dnskey));
		else if (cases[i].prereq >= 0)
			ksync_update_build_prereq(&b, (enum ksync_prereq_kind)cases[i].prereq, apex,
						  cases[i].type, NULL, 0);
		uint16_t t = cases[i].prereq >= 0 ? DNS_T_DNSKEY : cases[i].type;
		const uint8_t *o = cases[i].prereq >= 0 ? apex : cases[i].owner;
		if (cases[i].op == 0)
			ksync_update_build_add(&b, o, t, 3600, dnskey, sizeof(dnskey));
		else if (cases[i].op == 1)
			ksync_update_build_delete_rrset(&b, o, t);
		else
			ksync_update_build_delete_rr(&b, o, t, dnskey, sizeof(dnskey));
		int rc = parse(buf, b.len, &u);
		ok(rc == 0 && ksync_update_scope(&u) == cases[i].want, "scope: %s -> %s", cases[i].what,
		   cases[i].want ? "REFUSED" : "NOERROR");
	}
	struct msg m;
	m_start(&m, UPD, 1, DNS_T_SOA, DNS_C_IN);
	m_rr(&m, UP, apex, DNS_T_ANY, DNS_C_ANY, 0, NULL, 0);
	is_int(parse(m.buf, m.len, &u), 0, "delete all RRsets at the apex parses");
	is_int(ksync_update_scope(&u), DNS_R_REFUSED, "scope: delete the whole apex -> REFUSED");
	m_start(&m, UPD, 1, DNS_T_SOA, DNS_C_IN);
	is_int(parse(m.buf, m.len, &u), 0, "empty UPDATE parses");
	is_int(ksync_update_scope(&u), DNS_R_NOERROR, "scope: empty UPDATE -> NOERROR");

	/* Model 1: RRSIGs over the key RRsets are in the signed scope, and only those. */
	uint8_t sig[18 + 13 + 64] = { 0, DNS_T_DNSKEY, 13, 2, 0, 0, 0x0e, 0x10, 0x70, 0, 0, 0,
				      0x60, 0, 0, 0, 0x12, 0x34, 7, 'e', 'x', 'a', 'm', 'p', 'l',
				      'e', 3, 'c', 'o', 'm', 0 };
	ksync_update_build_start(&b, buf, sizeof(buf), 1, apex);
	ksync_update_build_delete_rrset(&b, apex, DNS_T_RRSIG);
	ksync_update_build_add(&b, apex, DNS_T_RRSIG, 3600, sig, sizeof(sig));
	ok(parse(buf, b.len, &u) == 0 && ksync_update_scope(&u) == DNS_R_REFUSED &&
	   ksync_update_scope_signed(&u) == DNS_R_NOERROR,
	   "scope: RRSIGs over DNSKEY: REFUSED, but in the signed scope");
	sig[1] = DNS_T_A;
	ksync_update_build_start(&b, buf, sizeof(buf), 1, apex);
	ksync_update_build_add(&b, apex, DNS_T_RRSIG, 3600, sig, sizeof(sig));
	ok(parse(buf, b.len, &u) == 0 && ksync_update_scope_signed(&u) == DNS_R_REFUSED,
	   "signed scope: an RRSIG over A -> REFUSED");
	sig[1] = DNS_T_CDS;
	ksync_update_build_start(&b, buf, sizeof(buf), 1, apex);
	ksync_update_build_add(&b, www, DNS_T_RRSIG, 3600, sig, sizeof(sig));
	ok(parse(buf, b.len, &u) == 0 && ksync_update_scope_signed(&u) == DNS_R_REFUSED,
	   "signed scope: an RRSIG below the apex -> REFUSED");
}

static void
test_builder(void)
{
	uint8_t buf[512];
	struct ksync_update_builder b;
	struct ksync_update u;

	is_int(ksync_update_build_start(&b, buf, sizeof(buf), 0x0404, apex), 0, "start");
	is_int(ksync_update_build_prereq(&b, KSYNC_PREREQ_RRSET_ABSENT, apex, DNS_T_CDNSKEY, NULL, 0),
	       0, "prerequisite: CDNSKEY absent");
	is_int(ksync_update_build_add(&b, apex, DNS_T_DNSKEY, 3600, dnskey, sizeof(dnskey)), 0, "add");
	is_int(ksync_update_build_delete_rr(&b, apex, DNS_T_DNSKEY, dnskey2, sizeof(dnskey2)), 0,
	       "delete RR");
	is_int(ksync_update_build_delete_rrset(&b, apex, DNS_T_CDS), 0, "delete RRset");
	ok(b.len == sizeof(py_build) && memcmp(buf, py_build, b.len) == 0,
	   "byte for byte what dnspython's dns.update writes");
	is_int(ksync_update_build_prereq(&b, KSYNC_PREREQ_RRSET_EXISTS, apex, DNS_T_CDS, NULL, 0),
	       -EINVAL, "no prerequisite after an update");

	/* Every prerequisite form round-trips through the parser. */
	ksync_update_build_start(&b, buf, sizeof(buf), 9, apex);
	int rc = ksync_update_build_prereq(&b, KSYNC_PREREQ_RRSET_EXISTS, apex, DNS_T_DNSKEY, NULL, 0) |
		 ksync_update_build_prereq(&b, KSYNC_PREREQ_RRSET_EXISTS_VALUE, apex, DNS_T_DNSKEY,
					   dnskey, sizeof(dnskey)) |
		 ksync_update_build_prereq(&b, KSYNC_PREREQ_RRSET_ABSENT, apex, DNS_T_CDS, NULL, 0) |
		 ksync_update_build_prereq(&b, KSYNC_PREREQ_NAME_IN_USE, www, 0, NULL, 0) |
		 ksync_update_build_prereq(&b, KSYNC_PREREQ_NAME_ABSENT, www, 0, NULL, 0);
	is_int(rc, 0, "all five prerequisite forms built");
	is_int(ksync_update_build_prereq(&b, KSYNC_PREREQ_RRSET_EXISTS_VALUE, apex, DNS_T_DNSKEY,
					 NULL, 0), -EINVAL, "value form needs RDATA");
	is_int(ksync_update_build_prereq(&b, KSYNC_PREREQ_RRSET_EXISTS, apex, DNS_T_DNSKEY, dnskey,
					 sizeof(dnskey)), -EINVAL, "other forms take none");
	is_int(parse(buf, b.len, &u), 0, "parsed back");
	ok(u.nprereq == 5 && u.prereq[0].kind == KSYNC_PREREQ_RRSET_EXISTS &&
	   u.prereq[1].kind == KSYNC_PREREQ_RRSET_EXISTS_VALUE &&
	   u.prereq[2].kind == KSYNC_PREREQ_RRSET_ABSENT &&
	   u.prereq[3].kind == KSYNC_PREREQ_NAME_IN_USE && u.prereq[3].type == DNS_T_ANY &&
	   u.prereq[4].kind == KSYNC_PREREQ_NAME_ABSENT && dns_name_equal(u.prereq[4].owner, www),
	   "forms, types and owners as built");
	ok(u.prereq[1].rdlen == sizeof(dnskey) && memcmp(u.prereq[1].rdata, dnskey, sizeof(dnskey)) == 0,
	   "value RDATA as built");

	/* No room: nothing changes. */
	ksync_update_build_start(&b, buf, 40, 9, apex);
	size_t len = b.len;
	is_int(ksync_update_build_add(&b, apex, DNS_T_DNSKEY, 3600, dnskey, sizeof(dnskey)), DNS_ESPACE,
	       "add beyond the buffer: DNS_ESPACE");
	ok(b.len == len && dns_get16(buf + 8) == 0, "message unchanged");
	is_int(ksync_update_build_start(&b, buf, 20, 9, apex), DNS_ESPACE, "zone does not fit");

	/* Signed with TSIG: the parser walks the additional section and the TSIG verifies. */
	struct ksync_tsig_key key;
	struct ksync_tsig_result r;
	ksync_tsig_key_parse("peer.example:c2VjcmV0c2VjcmV0c2VjcmV0", &key, NULL, 0);
	ksync_update_build_start(&b, buf, sizeof(buf), 77, apex);
	ksync_update_build_add(&b, apex, DNS_T_DNSKEY, 3600, dnskey, sizeof(dnskey));
	is_int(ksync_tsig_sign(b.buf, b.len, b.cap, &key, 1700000000, NULL, 0, NULL, &len), 0,
	       "signed with TSIG");
	is_int(ksync_tsig_verify(buf, len, &key, 1, 1700000000, NULL, 0, &r), 0, "TSIG verifies");
	is_int(parse(buf, len, &u), 0, "signed UPDATE parses");
	ok(u.nupdate == 1 && ksync_update_scope(&u) == DNS_R_NOERROR, "one in-scope update");
}

static void
test_malformed(void)
{
	struct ksync_update u;
	struct msg m;

	is_int(parse(py_all_forms, 11, &u), DNS_ETRUNC, "shorter than a header: DNS_ETRUNC");
	for (size_t cut = 1; cut < sizeof(py_all_forms) - DNS_HDR_LEN; cut += 9) {
		int rc = parse(py_all_forms, sizeof(py_all_forms) - cut, &u);
		ok(rc == DNS_EMALFORMED && u.rcode == DNS_R_FORMERR, "cut %zu octets short: FORMERR",
		   cut);
	}
	memcpy(m.buf, py_all_forms, sizeof(py_all_forms));
	m.len = sizeof(py_all_forms) + 1;
	m.buf[m.len - 1] = 0;
	expect(&m, DNS_EMALFORMED, DNS_R_FORMERR, "trailing octet");
	m.len--;
	dns_put16(m.buf + UP, 5);
	expect(&m, DNS_EMALFORMED, DNS_R_FORMERR, "UPCOUNT one too many");
	dns_put16(m.buf + UP, 4);
	dns_put16(m.buf + AD, 1);
	expect(&m, DNS_EMALFORMED, DNS_R_FORMERR, "ADCOUNT 1 without the RR");
	dns_put16(m.buf + AD, 0);
	expect(&m, 0, DNS_R_NOERROR, "restored");
	{
		struct ksync_update_rr few[8];
		int rc = ksync_update_parse(m.buf, m.len, few, 8, &u);
		ok(rc == DNS_ESPACE && u.rcode == DNS_R_REFUSED, "9 RRs, room for 8: REFUSED");
	}

	m_start(&m, DNS_OP_QUERY << 11, 1, DNS_T_SOA, DNS_C_IN);
	expect(&m, -EINVAL, DNS_R_NOTIMP, "opcode QUERY: NOTIMP");
	m_start(&m, UPD | DNS_QR, 1, DNS_T_SOA, DNS_C_IN);
	expect(&m, -EINVAL, DNS_R_NOTIMP, "a response: NOTIMP");
	m_start(&m, UPD, 0, DNS_T_SOA, DNS_C_IN);
	m.len = DNS_HDR_LEN;
	expect(&m, DNS_EMALFORMED, DNS_R_FORMERR, "no zone: FORMERR");
	m_start(&m, UPD, 2, DNS_T_SOA, DNS_C_IN);
	expect(&m, DNS_EMALFORMED, DNS_R_FORMERR, "ZOCOUNT 2: FORMERR");
	m_start(&m, UPD, 1, DNS_T_A, DNS_C_IN);
	expect(&m, DNS_EMALFORMED, DNS_R_FORMERR, "zone type A: FORMERR");
	m_start(&m, UPD, 1, DNS_T_SOA, DNS_C_CH);
	expect(&m, -EPERM, DNS_R_NOTAUTH, "zone class CH: NOTAUTH");

	static const struct {
		const char *what;
		size_t sec;
		const uint8_t *owner;
		uint16_t type, rclass;
		uint32_t ttl;
		uint16_t rdlen;   /* of dnskey[] */
		int rc;
		uint8_t rcode;
	} rr[] = {
		{ "prerequisite TTL 1", PR, apex, DNS_T_DNSKEY, DNS_C_ANY, 1, 0, DNS_EMALFORMED, DNS_R_FORMERR },
		{ "prerequisite class ANY with RDATA", PR, apex, DNS_T_DNSKEY, DNS_C_ANY, 0, 8, DNS_EMALFORMED, DNS_R_FORMERR },
		{ "prerequisite class NONE with RDATA", PR, apex, DNS_T_DNSKEY, DNS_C_NONE, 0, 8, DNS_EMALFORMED, DNS_R_FORMERR },
		{ "prerequisite class CH", PR, apex, DNS_T_DNSKEY, DNS_C_CH, 0, 0, DNS_EMALFORMED, DNS_R_FORMERR },
		{ "prerequisite class IN type ANY", PR, apex, DNS_T_ANY, DNS_C_IN, 0, 0, DNS_EMALFORMED, DNS_R_FORMERR },
		{ "prerequisite class ANY type AXFR", PR, apex, DNS_T_AXFR, DNS_C_ANY, 0, 0, DNS_EMALFORMED, DNS_R_FORMERR },
		{ "prerequisite value with short DNSKEY", PR, apex, DNS_T_DNSKEY, DNS_C_IN, 0, 3, DNS_EMALFORMED, DNS_R_FORMERR },
		{ "prerequisite outside the zone", PR, other_zone, DNS_T_DNSKEY, DNS_C_ANY, 0, 0, -EPERM, DNS_R_NOTZONE },
		{ "prerequisite at the parent", PR, parent, DNS_T_DNSKEY, DNS_C_NONE, 0, 0, -EPERM, DNS_R_NOTZONE },
		{ "update outside the zone", UP, other_zone, DNS_T_DNSKEY, DNS_C_IN, 3600, 8, -EPERM, DNS_R_NOTZONE },
		{ "update class IN type ANY", UP, apex, DNS_T_ANY, DNS_C_IN, 0, 0, DNS_EMALFORMED, DNS_R_FORMERR },
		{ "update class IN type AXFR", UP, apex, DNS_T_AXFR, DNS_C_IN, 0, 0, DNS_EMALFORMED, DNS_R_FORMERR },
		{ "update class ANY TTL 1", UP, apex, DNS_T_DNSKEY, DNS_C_ANY, 1, 0, DNS_EMALFORMED, DNS_R_FORMERR },
		{ "update class ANY with RDATA", UP, apex, DNS_T_DNSKEY, DNS_C_ANY, 0, 8, DNS_EMALFORMED, DNS_R_FORMERR },
		{ "update class ANY type MAILA", UP, apex, DNS_T_MAILA, DNS_C_ANY, 0, 0, DNS_EMALFORMED, DNS_R_FORMERR },
		{ "update class NONE TTL 1", UP, apex, DNS_T_DNSKEY, DNS_C_NONE, 1, 8, DNS_EMALFORMED, DNS_R_FORMERR },
		{ "update class NONE type ANY", UP, apex, DNS_T_ANY, DNS_C_NONE, 0, 0, DNS_EMALFORMED, DNS_R_FORMERR },
		{ "update class CH", UP, apex, DNS_T_DNSKEY, DNS_C_CH, 0, 8, DNS_EMALFORMED, DNS_R_FORMERR },
		{ "add DNSKEY of 3 octets", UP, apex, DNS_T_DNSKEY, DNS_C_IN, 3600, 3, DNS_EMALFORMED, DNS_R_FORMERR },
		{ "add A of 3 octets", UP, apex, DNS_T_A, DNS_C_IN, 3600, 3, DNS_EMALFORMED, DNS_R_FORMERR },
		{ "delete-RR DNSKEY of 2 octets", UP, apex, DNS_T_DNSKEY, DNS_C_NONE, 0, 2, DNS_EMALFORMED, DNS_R_FORMERR },
		{ "add A of 4 octets", UP, www, DNS_T_A, DNS_C_IN, 3600, 4, 0, DNS_R_NOERROR },
		{ "add DNSKEY", UP, apex, DNS_T_DNSKEY, DNS_C_IN, 3600, 8, 0, DNS_R_NOERROR },
	};
	for (size_t i = 0; i < sizeof(rr) / sizeof(rr[0]); i++) {
		m_start(&m, UPD, 1, DNS_T_SOA, DNS_C_IN);
		m_rr(&m, rr[i].sec, rr[i].owner, rr[i].type, rr[i].rclass, rr[i].ttl, dnskey,
		     rr[i].rdlen);
		expect(&m, rr[i].rc, rr[i].rcode, rr[i].what);
	}
	/* A compression loop in an owner name. */
	m_start(&m, UPD, 1, DNS_T_SOA, DNS_C_IN);
	static const uint8_t loop[] = { 0xc0, 29 };
	memcpy(m.buf + m.len, loop, 2);
	memset(m.buf + m.len + 2, 0, 10);
	m.len += 12;
	dns_put16(m.buf + UP, 1);
	expect(&m, DNS_EMALFORMED, DNS_R_FORMERR, "owner pointing to itself");
}

int
main(void)
{
	test_dnspython_forms();
	test_scope();
	test_builder();
	test_malformed();
	return tap_done();
}
