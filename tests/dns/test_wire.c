/* SPDX-License-Identifier: BSD-3-Clause */
#include <ldns/ldns.h>
#include <string.h>

#include "dns/err.h"
#include "dns/name.h"
#include "dns/rdata.h"
#include "dns/wire.h"
#include "tests/tap.h"

#define W(s) ((const uint8_t *)(s))

/* A message under construction, for queries the tests feed to the parser. */
struct msg {
	uint8_t b[70000];
	size_t len;
};

static void
m_hdr(struct msg *m, uint16_t id, uint16_t flags, uint16_t qd, uint16_t an, uint16_t ns,
      uint16_t ar)
{
	dns_put16(m->b, id);
	dns_put16(m->b + 2, flags);
	dns_put16(m->b + 4, qd);
	dns_put16(m->b + 6, an);
	dns_put16(m->b + 8, ns);
	dns_put16(m->b + 10, ar);
	m->len = 12;
}

static void
m_bytes(struct msg *m, const void *p, size_t n)
{
	if (n)
		memcpy(m->b + m->len, p, n);
	m->len += n;
}

static void
m_u16(struct msg *m, uint16_t v)
{
	dns_put16(m->b + m->len, v);
	m->len += 2;
}

static void
m_u32(struct msg *m, uint32_t v)
{
	dns_put32(m->b + m->len, v);
	m->len += 4;
}

static void
m_name(struct msg *m, const char *s)
{
	int n = dns_name_from_str(s, m->b + m->len, DNS_NAME_MAXLEN);

	if (n < 0)
		diag("bad test name %s", s);
	else
		m->len += (size_t)n;
}

static void
m_question(struct msg *m, const char *name, uint16_t type, uint16_t cls)
{
	m_name(m, name);
	m_u16(m, type);
	m_u16(m, cls);
}

/* Fixed part and RDATA of an RR whose owner was just written. */
static void
m_rrtail(struct msg *m, uint16_t type, uint16_t cls, uint32_t ttl, const void *rd, uint16_t rdlen)
{
	m_u16(m, type);
	m_u16(m, cls);
	m_u32(m, ttl);
	m_u16(m, rdlen);
	m_bytes(m, rd, rdlen);
}

/* An OPT RR with a root owner. */
static void
m_opt(struct msg *m, uint16_t udp, uint32_t ttl, const void *rd, uint16_t rdlen)
{
	m_bytes(m, "", 1);
	m_rrtail(m, DNS_T_OPT, udp, ttl, rd, rdlen);
}

/* A plain query with an optional OPT. */
static void
make_query(struct msg *m, const char *qname, uint16_t qtype, uint16_t flags, bool opt)
{
	m_hdr(m, 0xbeef, flags, 1, 0, 0, opt ? 1 : 0);
	m_question(m, qname, qtype, DNS_C_IN);
	if (opt)
		m_opt(m, 1232, DNS_EDNS_DO, NULL, 0);
}

static void
test_parse_basic(void)
{
	struct msg m;
	struct dns_query q;

	memset(&q, 0xa5, sizeof(q));
	m_hdr(&m, 1, 0, 0, 0, 0, 0);
	is_int(dns_query_parse(m.b, 0, &q), DNS_ETRUNC, "0 octets: DNS_ETRUNC");
	is_int(dns_query_parse(m.b, 11, &q), DNS_ETRUNC, "11 octets: DNS_ETRUNC");
	is_int(dns_query_parse(m.b, 12, &q), 0, "header only, qdcount 0: parses");
	ok(q.id == 1 && q.qdcount == 0 && q.question_end == 12 && !q.edns && !q.edns_bad &&
	   q.qtype == 0 && q.qname.len == 0, "header only: fields reset");

	make_query(&m, "www.ExAmple.COM", DNS_T_AAAA, (DNS_OP_QUERY << 11) | DNS_RD | DNS_CD, true);
	memset(&q, 0xa5, sizeof(q));
	is_int(dns_query_parse(m.b, m.len, &q), 0, "query with OPT parses");
	ok(q.id == 0xbeef && q.flags == (DNS_RD | DNS_CD) && q.qdcount == 1 && q.ancount == 0 &&
	   q.nscount == 0 && q.arcount == 1, "header fields");
	ok(q.qname.len == 17 && q.qname.labels == 3 &&
	   memcmp(q.qname.wire, "\3www\7ExAmple\3COM", 17) == 0 &&
	   memcmp(q.qname.lwire, "\3www\7example\3com", 17) == 0, "qname with case and lowercased");
	ok(q.qtype == DNS_T_AAAA && q.qclass == DNS_C_IN, "qtype, qclass");
	is_int(q.question_end, 12 + 17 + 4, "question_end");
	ok(q.edns && !q.edns_bad && q.edns_udp == 1232 && q.edns_version == 0 &&
	   q.edns_flags == DNS_EDNS_DO && q.edns_ext_rcode == 0, "EDNS fields");

	/* OPT TTL layout: ext rcode, version, flags. */
	m_hdr(&m, 7, 0x2800, 1, 0, 0, 1);
	m_question(&m, "example.", DNS_T_SOA, DNS_C_IN);
	m_opt(&m, 4096, 0x01028000u | 0x0001, NULL, 0);
	is_int(dns_query_parse(m.b, m.len, &q), 0, "query with EDNS version 2");
	ok(q.edns && !q.edns_bad && q.edns_ext_rcode == 1 && q.edns_version == 2 &&
	   q.edns_flags == 0x8001 && q.edns_udp == 4096, "ext rcode, version, all 16 flag bits");
	is_int(DNS_OPCODE(q.flags), 5, "opcode kept in flags");

	/* A query made by ldns. */
	ldns_pkt *lp = NULL;
	uint8_t *lw = NULL;
	size_t llen = 0;
	ok(ldns_pkt_query_new_frm_str(&lp, "Mixed.Example.ORG.", LDNS_RR_TYPE_MX, LDNS_RR_CLASS_CH,
				      LDNS_RD) == LDNS_STATUS_OK, "ldns builds a query");
	ldns_pkt_set_id(lp, 0x1234);
	ldns_pkt_set_edns_udp_size(lp, 1400);
	ldns_pkt_set_edns_do(lp, true);
	ok(ldns_pkt2wire(&lw, lp, &llen) == LDNS_STATUS_OK, "ldns writes it");
	is_int(dns_query_parse(lw, llen, &q), 0, "ldns query parses");
	ok(q.id == 0x1234 && (q.flags & DNS_RD) && q.qtype == DNS_T_MX && q.qclass == DNS_C_CH &&
	   memcmp(q.qname.wire, "\5Mixed\7Example\3ORG", 19) == 0 && q.edns &&
	   q.edns_udp == 1400 && (q.edns_flags & DNS_EDNS_DO) && q.question_end == 12 + 19 + 4,
	   "ldns query: fields as ldns set them");
	free(lw);
	ldns_pkt_free(lp);
}

static void
test_parse_question_errors(void)
{
	struct msg m;
	struct dns_query q;

	/* Every truncation inside the question is a malformed message (FORMERR), not DNS_ETRUNC. */
	make_query(&m, "www.example.com", DNS_T_A, 0, false);
	bool good = true;
	for (size_t l = 12; l < m.len; l++) {
		int rc = dns_query_parse(m.b, l, &q);
		if (rc != DNS_EMALFORMED) {
			diag("length %zu: %d", l, rc);
			good = false;
		}
	}
	ok(good, "question truncated at every length: DNS_EMALFORMED");
	is_int(dns_query_parse(m.b, m.len, &q), 0, "untruncated question parses");

	m_hdr(&m, 1, 0, 1, 0, 0, 0);
	m_bytes(&m, "\3www\xc0\x0c\0\1\0\1", 10);
	is_int(dns_query_parse(m.b, m.len, &q), DNS_ECOMPRESS, "qname pointing into itself");
	m_hdr(&m, 1, 0, 1, 0, 0, 0);
	m_bytes(&m, "\xc0\x0e\0\0\1\0\1", 7);
	is_int(dns_query_parse(m.b, m.len, &q), DNS_ECOMPRESS, "qname forward pointer");
	m_hdr(&m, 1, 0, 1, 0, 0, 0);
	m_bytes(&m, "\x41x\0\0\1\0\1", 7);
	is_int(dns_query_parse(m.b, m.len, &q), DNS_ELABELLEN, "qname label type 0x40");
	m_hdr(&m, 1, 0, 1, 0, 0, 0);
	m_bytes(&m, "\x80\0\0\1\0\1", 6);
	is_int(dns_query_parse(m.b, m.len, &q), DNS_ELABELLEN, "qname label type 0x80");

	m_hdr(&m, 1, 0, 1, 0, 0, 0);
	m.b[m.len++] = 64;
	memset(m.b + m.len, 'a', 64);
	m.len += 64;
	m_bytes(&m, "\0\0\1\0\1", 5);
	is_int(dns_query_parse(m.b, m.len, &q), DNS_ELABELLEN, "qname with a 64-octet label");

	m_hdr(&m, 1, 0, 1, 0, 0, 0);
	for (int i = 0; i < 128; i++)
		m_bytes(&m, "\1a", 2);
	m_bytes(&m, "\0\0\1\0\1", 5);
	is_int(dns_query_parse(m.b, m.len, &q), DNS_ENAMELEN, "qname of 257 octets");

	/* A compressed qname can only point into the header; it is accepted as such. */
	m_hdr(&m, 1, 0, 1, 0, 0, 0);
	m_bytes(&m, "\xc0\x0b\0\1\0\1", 6);
	is_int(dns_query_parse(m.b, m.len, &q), 0, "qname pointing to a zero octet of the header");
	ok(q.qname.len == 1 && q.question_end == 18, "that qname is the root");

	/* Two questions: both are checked, the first is the one reported. */
	m_hdr(&m, 1, 0, 2, 0, 0, 0);
	m_question(&m, "a.example", DNS_T_A, DNS_C_IN);
	size_t first_end = m.len;
	m_question(&m, "b.example", DNS_T_TXT, DNS_C_IN);
	is_int(dns_query_parse(m.b, m.len, &q), 0, "qdcount 2 parses");
	ok(q.qdcount == 2 && q.qtype == DNS_T_A && q.question_end == first_end &&
	   memcmp(q.qname.wire, "\1a\7example", 11) == 0, "qdcount 2: first question reported");
	is_int(dns_query_parse(m.b, m.len - 1, &q), DNS_EMALFORMED, "qdcount 2: second truncated");
	ok(q.question_end == first_end, "qdcount 2: first question still reported");
	m_hdr(&m, 1, 0, 3, 0, 0, 0);
	m_question(&m, "a.example", DNS_T_A, DNS_C_IN);
	is_int(dns_query_parse(m.b, m.len, &q), DNS_EMALFORMED, "qdcount 3 with one question");

	/* Trailing octets after the last section. */
	make_query(&m, "example", DNS_T_A, 0, false);
	m_bytes(&m, "x", 1);
	is_int(dns_query_parse(m.b, m.len, &q), DNS_EMALFORMED, "trailing octet");
	ok(q.qtype == DNS_T_A, "header and question filled even when malformed");
}

static void
test_parse_sections(void)
{
	struct msg m;
	struct dns_query q;

	/* NOTIFY-like: an SOA in the answer section with a compressed owner, then OPT. */
	m_hdr(&m, 9, DNS_OP_NOTIFY << 11, 1, 1, 0, 1);
	m_question(&m, "example.com", DNS_T_SOA, DNS_C_IN);
	m_bytes(&m, "\xc0\x0c", 2);
	uint8_t soa[64];
	size_t sl = 0;
	memcpy(soa, "\3ns1\xc0\x0c\xc0\x0c", 8);
	sl = 8;
	memset(soa + sl, 0, 20);
	sl += 20;
	m_rrtail(&m, DNS_T_SOA, DNS_C_IN, 3600, soa, (uint16_t)sl);
	m_opt(&m, 512, 0, NULL, 0);
	size_t full = m.len;
	is_int(dns_query_parse(m.b, m.len, &q), 0, "answer section with compressed names parses");
	ok(q.edns && !q.edns_bad && q.ancount == 1, "OPT found after the answer section");

	bool good = true;
	for (size_t l = q.question_end; l < full; l++) {
		int rc = dns_query_parse(m.b, l, &q);
		if (rc != DNS_EMALFORMED) {
			diag("length %zu: %d", l, rc);
			good = false;
		}
	}
	ok(good, "RR sections truncated at every length: DNS_EMALFORMED");

	/* Owner of an answer RR with a bad pointer. */
	m_hdr(&m, 9, 0, 1, 1, 0, 0);
	m_question(&m, "example.com", DNS_T_SOA, DNS_C_IN);
	m_bytes(&m, "\xc0\x40", 2);
	m_rrtail(&m, DNS_T_A, DNS_C_IN, 0, "\1\2\3\4", 4);
	is_int(dns_query_parse(m.b, m.len, &q), DNS_ECOMPRESS, "answer owner forward pointer");
	m_hdr(&m, 9, 0, 1, 0, 1, 0);
	m_question(&m, "example.com", DNS_T_SOA, DNS_C_IN);
	m_bytes(&m, "\x7f", 1);
	m_rrtail(&m, DNS_T_A, DNS_C_IN, 0, "\1\2\3\4", 4);
	is_int(dns_query_parse(m.b, m.len, &q), DNS_ELABELLEN, "authority owner label type 0x40");

	/* Counts larger than the content. */
	make_query(&m, "example", DNS_T_A, 0, false);
	dns_put16(m.b + 10, 1);
	is_int(dns_query_parse(m.b, m.len, &q), DNS_EMALFORMED, "arcount 1 without RR");
	make_query(&m, "example", DNS_T_A, 0, false);
	dns_put16(m.b + 6, 0xffff);
	dns_put16(m.b + 8, 0xffff);
	dns_put16(m.b + 10, 0xffff);
	is_int(dns_query_parse(m.b, m.len, &q), DNS_EMALFORMED, "all counts 65535, no RRs");

	/* RDATA longer than the message. */
	make_query(&m, "example", DNS_T_A, 0, false);
	dns_put16(m.b + 6, 1);
	m_bytes(&m, "\0", 1);
	m_rrtail(&m, DNS_T_A, DNS_C_IN, 0, "\1\2\3\4", 4);
	dns_put16(m.b + m.len - 6, 5);
	is_int(dns_query_parse(m.b, m.len, &q), DNS_EMALFORMED, "rdlen beyond the end");
	dns_put16(m.b + m.len - 6, 3);
	is_int(dns_query_parse(m.b, m.len, &q), DNS_EMALFORMED, "rdlen short of the end (trailing)");
	dns_put16(m.b + m.len - 6, 4);
	is_int(dns_query_parse(m.b, m.len, &q), 0, "rdlen exact");
}

static void
test_parse_opt(void)
{
	struct msg m;
	struct dns_query q;

	/* OPT in the answer section. */
	m_hdr(&m, 1, 0, 1, 1, 0, 0);
	m_question(&m, "example", DNS_T_A, DNS_C_IN);
	m_opt(&m, 1232, 0, NULL, 0);
	is_int(dns_query_parse(m.b, m.len, &q), 0, "OPT in answer: well formed");
	ok(q.edns && q.edns_bad, "OPT in answer: edns_bad");

	/* OPT in the authority section. */
	m_hdr(&m, 1, 0, 1, 0, 1, 0);
	m_question(&m, "example", DNS_T_A, DNS_C_IN);
	m_opt(&m, 1232, 0, NULL, 0);
	is_int(dns_query_parse(m.b, m.len, &q), 0, "OPT in authority: well formed");
	ok(q.edns && q.edns_bad, "OPT in authority: edns_bad");

	/* Two OPTs in the additional section; the first one's values are kept. */
	m_hdr(&m, 1, 0, 1, 0, 0, 2);
	m_question(&m, "example", DNS_T_A, DNS_C_IN);
	m_opt(&m, 1232, DNS_EDNS_DO, NULL, 0);
	m_opt(&m, 4096, 0, NULL, 0);
	is_int(dns_query_parse(m.b, m.len, &q), 0, "two OPTs: well formed");
	ok(q.edns && q.edns_bad && q.edns_udp == 1232 && q.edns_flags == DNS_EDNS_DO,
	   "two OPTs: edns_bad, first one's values");

	/* OPT with a non-root owner. */
	m_hdr(&m, 1, 0, 1, 0, 0, 1);
	m_question(&m, "example", DNS_T_A, DNS_C_IN);
	m_bytes(&m, "\xc0\x0c", 2);
	m_rrtail(&m, DNS_T_OPT, 1232, 0, NULL, 0);
	is_int(dns_query_parse(m.b, m.len, &q), 0, "OPT owner not root: well formed");
	ok(q.edns && q.edns_bad, "OPT owner not root: edns_bad");

	/* An owner that is a pointer to a root label is the root. */
	m_hdr(&m, 1, 0, 1, 0, 0, 1);
	m_question(&m, "example", DNS_T_A, DNS_C_IN);
	m_bytes(&m, "\xc0\x14", 2);
	m_rrtail(&m, DNS_T_OPT, 1232, 0, NULL, 0);
	is_int(dns_query_parse(m.b, m.len, &q), 0, "OPT owner compressed root");
	ok(q.edns && !q.edns_bad && q.edns_udp == 1232, "OPT owner compressed root: good");

	/* OPT after another additional RR. */
	m_hdr(&m, 1, 0, 1, 0, 0, 2);
	m_question(&m, "example", DNS_T_A, DNS_C_IN);
	m_bytes(&m, "\xc0\x0c", 2);
	m_rrtail(&m, DNS_T_TXT, DNS_C_IN, 0, "\2hi", 3);
	m_opt(&m, 900, 0, NULL, 0);
	is_int(dns_query_parse(m.b, m.len, &q), 0, "OPT second in additional");
	ok(q.edns && !q.edns_bad && q.edns_udp == 900, "OPT second in additional: good");

	/* Options. */
	static const uint8_t opts[] = { 0, 10, 0, 8, 1, 2, 3, 4, 5, 6, 7, 8, 0, 12, 0, 0 };
	make_query(&m, "example", DNS_T_A, 0, false);
	dns_put16(m.b + 10, 1);
	m_opt(&m, 1232, 0, opts, sizeof(opts));
	is_int(dns_query_parse(m.b, m.len, &q), 0, "OPT with cookie and empty padding");
	ok(q.edns && !q.edns_bad, "well-formed options are fine");
	make_query(&m, "example", DNS_T_A, 0, false);
	dns_put16(m.b + 10, 1);
	m_opt(&m, 1232, 0, opts, sizeof(opts) - 1);
	is_int(dns_query_parse(m.b, m.len, &q), 0, "OPT with a cut option header: well formed RR");
	ok(q.edns && q.edns_bad, "cut option header: edns_bad");
	make_query(&m, "example", DNS_T_A, 0, false);
	dns_put16(m.b + 10, 1);
	m_opt(&m, 1232, 0, opts, 10);
	is_int(dns_query_parse(m.b, m.len, &q), 0, "OPT with an option longer than RDATA");
	ok(q.edns && q.edns_bad, "option longer than RDATA: edns_bad");

	/* Truncated OPT: the whole message is malformed. */
	make_query(&m, "example", DNS_T_A, 0, false);
	dns_put16(m.b + 10, 1);
	m_opt(&m, 1232, 0, opts, sizeof(opts));
	dns_put16(m.b + m.len - sizeof(opts) - 2, sizeof(opts) + 1);
	is_int(dns_query_parse(m.b, m.len, &q), DNS_EMALFORMED, "OPT rdlen beyond the end");
	make_query(&m, "example", DNS_T_A, 0, true);
	is_int(dns_query_parse(m.b, m.len - 1, &q), DNS_EMALFORMED, "OPT cut in its fixed part");
	is_int(dns_query_parse(m.b, m.len - 11, &q), DNS_EMALFORMED, "OPT counted but absent");
}

/* A parsed query for the builder tests. */
static struct msg qm;
static struct dns_query qq;

static void
setup_query(const char *qname, uint16_t qtype, uint16_t flags)
{
	make_query(&qm, qname, qtype, flags, true);
	if (dns_query_parse(qm.b, qm.len, &qq) != 0)
		diag("setup_query: %s does not parse", qname);
}

static void
test_builder_init(void)
{
	static uint8_t buf[70000];
	struct dns_builder b;

	setup_query("www.ExAmple.COM", DNS_T_A,
		    (DNS_OP_NOTIFY << 11) | DNS_RD | DNS_CD | DNS_AA | DNS_TC | DNS_RA | DNS_AD | 0x40 | 5);
	is_int(dns_builder_init(&b, buf, 512, &qq), 0, "init");
	is_int(b.len, 33, "init: header + question");
	is_int(b.cap, 512, "init: cap");
	is_int(dns_get16(buf), 0xbeef, "init: id copied");
	is_int(dns_get16(buf + 2), DNS_QR | (DNS_OP_NOTIFY << 11) | DNS_RD | DNS_CD,
	       "init: QR set; opcode, RD, CD copied; AA TC RA AD Z rcode not");
	ok(dns_get16(buf + 4) == 1 && dns_get16(buf + 6) == 0 && dns_get16(buf + 8) == 0 &&
	   dns_get16(buf + 10) == 0, "init: counts 1 0 0 0");
	is_mem(buf + 12, qm.b + 12, 21, "init: question copied verbatim (case kept)");
	is_int(b.ncomp, 3, "init: the question's 3 suffixes are compression targets");
	ok(b.comp[0].ofs == 12 && b.comp[0].len == 17 && b.comp[1].ofs == 16 &&
	   b.comp[1].len == 13 && b.comp[2].ofs == 24 && b.comp[2].len == 5, "init: suffix table");

	is_int(dns_builder_init(&b, buf, 32, &qq), DNS_ESPACE, "init: cap one short");
	is_int(dns_builder_init(&b, buf, 33, &qq), 0, "init: cap exact");
	is_int(dns_builder_init(&b, buf, 11, &qq), DNS_ESPACE, "init: cap below a header");
	is_int(dns_builder_init(&b, buf, 70000, &qq), 0, "init: huge cap");
	is_int(b.cap, DNS_MSG_MAX, "init: cap clamped to 65535");

	/* No question. */
	struct msg m;
	struct dns_query q;
	m_hdr(&m, 5, DNS_RD, 0, 0, 0, 0);
	dns_query_parse(m.b, m.len, &q);
	is_int(dns_builder_init(&b, buf, 12, &q), 0, "init without question");
	ok(b.len == 12 && b.ncomp == 0 && dns_get16(buf + 4) == 0, "no question: 12 octets, qdcount 0");

	/* A qname compressed into the query header is written expanded. */
	m_hdr(&m, 5, 0, 1, 0, 0, 0);
	m_bytes(&m, "\xc0\x0b\0\2\0\1", 6);
	dns_query_parse(m.b, m.len, &q);
	is_int(dns_builder_init(&b, buf, 512, &q), 0, "init with compressed qname");
	ok(b.len == 17 && memcmp(buf + 12, "\0\0\2\0\1", 5) == 0, "compressed qname expanded");

	/* Two questions: the reply carries the first. */
	m_hdr(&m, 5, 0, 2, 0, 0, 0);
	m_question(&m, "a.example", DNS_T_A, DNS_C_IN);
	m_question(&m, "b.example", DNS_T_A, DNS_C_IN);
	dns_query_parse(m.b, m.len, &q);
	is_int(dns_builder_init(&b, buf, 512, &q), 0, "init with qdcount 2");
	ok(dns_get16(buf + 4) == 1 && b.len == 12 + 11 + 4, "qdcount 2: one question echoed");
	q.qdcount = 0;
	is_int(dns_builder_init(&b, buf, 512, &q), 0, "init with qdcount cleared by the caller");
	ok(dns_get16(buf + 4) == 0 && b.len == 12 && b.ncomp == 0, "qdcount cleared: no question");
	is_int(dns_reply_error(buf, 512, &q, true, DNS_R_FORMERR), 12,
	       "error reply with qdcount cleared: no question");
}

static void
test_builder_flags(void)
{
	static uint8_t buf[512];
	struct dns_builder b;

	setup_query("example", DNS_T_A, DNS_RD);
	dns_builder_init(&b, buf, sizeof(buf), &qq);
	dns_builder_set_flags(&b, DNS_AA);
	is_int(dns_get16(buf + 2), DNS_QR | DNS_RD | DNS_AA, "set_flags AA");
	dns_builder_set_flags(&b, DNS_TC | DNS_AD);
	is_int(dns_get16(buf + 2), DNS_QR | DNS_RD | DNS_AA | DNS_TC | DNS_AD, "set_flags adds");
	dns_builder_set_rcode(&b, DNS_R_NXDOMAIN);
	is_int(DNS_RCODE(dns_get16(buf + 2)), DNS_R_NXDOMAIN, "set_rcode NXDOMAIN");
	dns_builder_set_rcode(&b, DNS_R_SERVFAIL);
	is_int(dns_get16(buf + 2), DNS_QR | DNS_RD | DNS_AA | DNS_TC | DNS_AD | DNS_R_SERVFAIL,
	       "set_rcode replaces the rcode, keeps flags");
	dns_builder_set_rcode(&b, DNS_R_BADVERS);
	is_int(DNS_RCODE(dns_get16(buf + 2)), 0, "BADVERS leaves 0 in the header (upper bits go to OPT)");

	is_int(b.section, DNS_SEC_ANSWER, "starts in the answer section");
	dns_builder_section(&b, DNS_SEC_ADDITIONAL);
	dns_builder_section(&b, DNS_SEC_AUTHORITY);
	is_int(b.section, DNS_SEC_ADDITIONAL, "section never goes back");

	dns_builder_reserve(&b, DNS_OPT_LEN);
	is_int(b.cap, 512 - DNS_OPT_LEN, "reserve");
	dns_builder_unreserve(&b, DNS_OPT_LEN);
	is_int(b.cap, 512, "unreserve");
	dns_builder_reserve(&b, 1000);
	is_int(b.cap, 0, "reserve more than cap gives 0");
	dns_builder_unreserve(&b, 70000);
	is_int(b.cap, DNS_MSG_MAX, "unreserve stops at 65535");
}

/* Follow a name in a message (any compression) and return it presentation form. */
static const char *
name_at(const uint8_t *msg, size_t len, size_t *pos)
{
	static char s[1024];
	struct dns_name n;

	if (dns_name_parse(msg, len, pos, &n) != 0)
		return "(bad name)";
	dns_name_to_str(n.wire, s, sizeof(s));
	return s;
}

static void
test_builder_compression_bytes(void)
{
	static uint8_t buf[512];
	struct dns_builder b;

	setup_query("www.ExAmple.COM", DNS_T_A, DNS_RD);
	dns_builder_init(&b, buf, sizeof(buf), &qq);

	/* 33: CNAME owner = qname pointer, rdata web + pointer to "ExAmple.COM" (16). */
	is_int(dns_builder_put_rr(&b, NULL, DNS_T_CNAME, DNS_C_IN, 300, W("\3web\7example\3com"), 17),
	       0, "put CNAME");
	static const uint8_t cname[] = { 0xc0, 0x0c, 0, 5, 0, 1, 0, 0, 1, 0x2c, 0, 6,
					 3, 'w', 'e', 'b', 0xc0, 0x10 };
	ok(b.len == 33 + sizeof(cname) && memcmp(buf + 33, cname, sizeof(cname)) == 0,
	   "CNAME bytes: owner c00c, rdlen 6, rdata web c010");
	is_int(dns_get16(buf + 6), 1, "ANCOUNT 1");

	/* 51: A owner = web.example.com, which is at 45 in the CNAME RDATA. */
	is_int(dns_builder_put_rr(&b, W("\3WEB\7example\3com"), DNS_T_A, DNS_C_IN, 300,
				  W("\xc0\0\2\1"), 4), 0, "put A");
	static const uint8_t a[] = { 0xc0, 45, 0, 1, 0, 1, 0, 0, 1, 0x2c, 0, 4, 0xc0, 0, 2, 1 };
	ok(b.len == 51 + sizeof(a) && memcmp(buf + 51, a, sizeof(a)) == 0,
	   "A bytes: owner compressed to the CNAME target (case-insensitive)");

	/* 67: authority NS: owner example.com -> c010, rdata ns1 + c010. */
	dns_builder_section(&b, DNS_SEC_AUTHORITY);
	is_int(dns_builder_put_rr(&b, W("\7example\3com"), DNS_T_NS, DNS_C_IN, 3600,
				  W("\3ns1\7example\3com"), 17), 0, "put NS");
	static const uint8_t ns[] = { 0xc0, 0x10, 0, 2, 0, 1, 0, 0, 0x0e, 0x10, 0, 6,
				      3, 'n', 's', '1', 0xc0, 0x10 };
	ok(b.len == 67 + sizeof(ns) && memcmp(buf + 67, ns, sizeof(ns)) == 0, "NS bytes");
	is_int(dns_get16(buf + 8), 1, "NSCOUNT 1");

	/* 85: SRV: target is not compressed, though its suffix is in the message. */
	dns_builder_section(&b, DNS_SEC_ADDITIONAL);
	is_int(dns_builder_put_rr(&b, W("\3ns1\7example\3com"), DNS_T_SRV, DNS_C_IN, 60,
				  W("\0\1\0\2\0\3\3ns1\7example\3com"), 23), 0, "put SRV");
	ok(buf[85] == 0xc0 && buf[86] == 79, "SRV owner compressed to the NS target");
	ok(dns_get16(buf + 85 + 10) == 23 &&
	   memcmp(buf + 85 + 12, "\0\1\0\2\0\3\3ns1\7example\3com", 23) == 0,
	   "SRV RDATA written as it is");

	/* Partial label suffixes are no match: "ample.com" only shares "com". */
	size_t at = b.len;
	is_int(dns_builder_put_rr(&b, W("\5ample\3com"), DNS_T_A, DNS_C_IN, 60, W("\1\1\1\1"), 4),
	       0, "put ample.com");
	ok(memcmp(buf + at, "\5ample\xc0\x18", 8) == 0, "ample.com: only com is compressed");

	/* A name equal to the root is written as one octet. */
	at = b.len;
	is_int(dns_builder_put_rr(&b, W(""), DNS_T_NS, DNS_C_IN, 60, W(""), 1), 0, "put root NS .");
	ok(buf[at] == 0 && dns_get16(buf + at + 9) == 1 && buf[at + 11] == 0,
	   "root owner and root target: one octet each");
	is_int(dns_get16(buf + 10), 3, "ARCOUNT 3");

	/* Read everything back. */
	size_t pos = 12;
	is_str(name_at(buf, b.len, &pos), "www.ExAmple.COM.", "question name");
	pos = 33;
	is_str(name_at(buf, b.len, &pos), "www.ExAmple.COM.", "CNAME owner");
	pos = 45;
	is_str(name_at(buf, b.len, &pos), "web.ExAmple.COM.", "CNAME target (case from the query)");
	pos = 51;
	is_str(name_at(buf, b.len, &pos), "web.ExAmple.COM.", "A owner");
	pos = 79;
	is_str(name_at(buf, b.len, &pos), "ns1.ExAmple.COM.", "NS target");
}

/* RDATA of a compressible type that does not match its layout goes out as it is. */
static void
test_builder_verbatim(void)
{
	static uint8_t buf[512];
	struct dns_builder b;
	static const uint8_t soa_short[] = "\3ns1\7example\3com\0\4host\7example\3com\0" "0123456789";
	static const struct { uint16_t type; const uint8_t *rd; uint16_t len; const char *what; } c[] = {
		{ DNS_T_SOA, soa_short, 46, "SOA with 10 of 20 octets of numbers" },
		{ DNS_T_MX, W("\0"), 1, "MX of one octet" },
		{ DNS_T_MX, W("\0\1\3abc\7example"), 14, "MX target without root" },
		{ DNS_T_NS, W("\3abc\xc0\x00"), 6, "NS with a pointer" },
		{ DNS_T_NS, W("\3abc\0\0"), 6, "NS with a trailing octet" },
		{ DNS_T_CNAME, W(""), 0, "empty CNAME" },
	};

	setup_query("www.example.com", DNS_T_A, 0);
	for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		dns_builder_init(&b, buf, sizeof(buf), &qq);
		is_int(dns_builder_put_rr(&b, NULL, c[i].type, DNS_C_IN, 1, c[i].rd, c[i].len), 0,
		       "put %s", c[i].what);
		ok(dns_get16(buf + 33 + 10) == c[i].len && memcmp(buf + 45, c[i].rd, c[i].len) == 0 &&
		   b.len == 45u + c[i].len, "%s: written as it is", c[i].what);
		is_int(b.ncomp, 3, "%s: no compression entries from the attempt", c[i].what);
	}
}

/* ldns oracle: RRs given in presentation form, put through the builder. */
struct lrr {
	const char *rr;
	int section;
	bool qowner;  /* write the owner as "the query name" */
};

static int
put_ldns(struct dns_builder *b, const struct lrr *r)
{
	ldns_rr *rr = NULL;

	if (ldns_rr_new_frm_str(&rr, r->rr, 0, NULL, NULL) != LDNS_STATUS_OK) {
		diag("ldns cannot read %s", r->rr);
		return -1;
	}
	ldns_buffer *rd = ldns_buffer_new(1024);
	ldns_rr_rdata2buffer_wire(rd, rr);
	dns_builder_section(b, (enum dns_section)r->section);
	int rc = dns_builder_put_rr(b, r->qowner ? NULL : ldns_rdf_data(ldns_rr_owner(rr)),
				    ldns_rr_get_type(rr), ldns_rr_get_class(rr), ldns_rr_ttl(rr),
				    ldns_buffer_begin(rd), (uint16_t)ldns_buffer_position(rd));
	ldns_buffer_free(rd);
	ldns_rr_free(rr);
	return rc;
}

/*
 * ldns must read the message, find the question and exactly the first n
 * RRs of rrs in their sections, equal up to case.
 */
static bool
ldns_agrees(const uint8_t *buf, size_t len, const struct lrr *rrs, size_t n, const char *qname)
{
	ldns_pkt *pkt = NULL;
	bool good = true;

	if (ldns_wire2pkt(&pkt, buf, len) != LDNS_STATUS_OK) {
		diag("ldns_wire2pkt refuses the message");
		return false;
	}
	ldns_rr *qrr = ldns_rr_list_rr(ldns_pkt_question(pkt), 0);
	char *qs = qrr ? ldns_rdf2str(ldns_rr_owner(qrr)) : NULL;
	if (!qs || strcmp(qs, qname) != 0) {
		diag("question %s, want %s", qs ? qs : "(none)", qname);
		good = false;
	}
	free(qs);

	size_t idx[3] = { 0, 0, 0 };
	ldns_rr_list *lists[3] = { ldns_pkt_answer(pkt), ldns_pkt_authority(pkt),
				   ldns_pkt_additional(pkt) };
	for (size_t i = 0; i < n; i++) {
		ldns_rr *want = NULL;
		ldns_rr_new_frm_str(&want, rrs[i].rr, 0, NULL, NULL);
		ldns_rr *got = ldns_rr_list_rr(lists[rrs[i].section], idx[rrs[i].section]++);
		if (!got) {
			diag("missing %s", rrs[i].rr);
			good = false;
			ldns_rr_free(want);
			continue;
		}
		got = ldns_rr_clone(got);
		if (rrs[i].qowner) {
			ldns_rdf_deep_free(ldns_rr_owner(want));
			ldns_rr_set_owner(want, ldns_rdf_clone(ldns_rr_owner(qrr)));
		}
		ldns_rr2canonical(want);
		ldns_rr2canonical(got);
		if (ldns_rr_compare(want, got) != 0 || ldns_rr_ttl(want) != ldns_rr_ttl(got)) {
			char *g = ldns_rr2str(got);
			diag("got %s want %s", g, rrs[i].rr);
			free(g);
			good = false;
		}
		ldns_rr_free(want);
		ldns_rr_free(got);
	}
	for (int s = 0; s < 3; s++)
		if (ldns_rr_list_rr_count(lists[s]) != idx[s]) {
			diag("section %d has %zu RRs, want %zu", s, ldns_rr_list_rr_count(lists[s]),
			     idx[s]);
			good = false;
		}
	ldns_pkt_free(pkt);
	return good;
}

static const struct lrr answer[] = {
	{ "www.example.com. 300 IN CNAME web.Example.com.", DNS_SEC_ANSWER, true },
	{ "web.example.com. 300 IN A 192.0.2.1", DNS_SEC_ANSWER, false },
	{ "web.example.com. 300 IN A 192.0.2.2", DNS_SEC_ANSWER, false },
	{ "web.example.com. 300 IN RRSIG A 13 3 300 20300101000000 20200101000000 4711 example.com. "
	  "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8gISIjJCUmJygpKissLS4vMDEyMzQ1Njc4OTo7PD0+Pw==",
	  DNS_SEC_ANSWER, false },
	{ "example.com. 3600 IN NS ns1.example.com.", DNS_SEC_AUTHORITY, false },
	{ "example.com. 3600 IN NS ns2.example.net.", DNS_SEC_AUTHORITY, false },
	{ "example.com. 3600 IN NS a.very.long.name.ns3.example.net.", DNS_SEC_AUTHORITY, false },
	{ "example.com. 3600 IN SOA ns1.example.com. hostmaster.example.com. 2024 7200 3600 1209600 300",
	  DNS_SEC_AUTHORITY, false },
	{ "example.com. 3600 IN MX 10 mail.example.com.", DNS_SEC_AUTHORITY, false },
	{ "example.com. 3600 IN NSEC zzz.example.com. A NS SOA MX RRSIG NSEC", DNS_SEC_AUTHORITY,
	  false },
	{ "ns1.example.com. 3600 IN A 192.0.2.53", DNS_SEC_ADDITIONAL, false },
	{ "ns1.example.com. 3600 IN AAAA 2001:db8::53", DNS_SEC_ADDITIONAL, false },
	{ "_sip._udp.example.com. 60 IN SRV 1 2 5060 ns1.example.com.", DNS_SEC_ADDITIONAL, false },
	{ "1.2.0.192.in-addr.arpa. 60 IN PTR web.example.com.", DNS_SEC_ADDITIONAL, false },
	{ "x.example.com. 60 IN TXT \"hello\" \"world\"", DNS_SEC_ADDITIONAL, false },
	{ "x.example.com. 60 IN TYPE65282 \\# 3 C00C00", DNS_SEC_ADDITIONAL, false },
	{ "x.example.com. 60 IN HTTPS 1 svc.example.com. alpn=h2", DNS_SEC_ADDITIONAL, false },
	{ "mail.EXAMPLE.com. 60 IN A 192.0.2.25", DNS_SEC_ADDITIONAL, false },
};
enum { NANSWER = sizeof(answer) / sizeof(answer[0]) };

static void
test_builder_ldns(void)
{
	static uint8_t buf[4096];
	struct dns_builder b;
	bool all = true;

	setup_query("www.Example.COM", DNS_T_A, DNS_RD);
	dns_builder_init(&b, buf, sizeof(buf), &qq);
	for (size_t i = 0; i < NANSWER; i++)
		if (put_ldns(&b, &answer[i]) != 0)
			all = false;
	ok(all, "%d RRs of many types put", NANSWER);
	ok(ldns_agrees(buf, b.len, answer, NANSWER, "www.Example.COM."),
	   "ldns_wire2pkt reads the built message and finds the same RRs");

	/* Our own reader agrees too: walk with dns_query_parse (it checks every name). */
	struct dns_query q;
	is_int(dns_query_parse(buf, b.len, &q), 0, "dns_query_parse walks the built message");
	ok(q.qdcount == 1 && q.ancount == 4 && q.nscount == 6 && q.arcount == 8, "counts 1/4/6/8");
	ok(b.ncomp <= DNS_COMP_MAX && b.ncomp > 3, "compression table used (%u entries)", b.ncomp);

	/* The same RRs without compression would be much longer. */
	size_t plain = 33;
	for (size_t i = 0; i < NANSWER; i++) {
		ldns_rr *rr = NULL;
		ldns_rr_new_frm_str(&rr, answer[i].rr, 0, NULL, NULL);
		plain += ldns_rr_uncompressed_size(rr);
		ldns_rr_free(rr);
	}
	ok(b.len < plain - 200, "compression saves space (%zu vs %zu octets)", b.len, plain);
}

/* Same message state; the section may differ (put_ldns moves it first). */
static bool
same_state(const struct dns_builder *a, const struct dns_builder *b)
{
	if (a->buf != b->buf || a->cap != b->cap || a->len != b->len || a->ncomp != b->ncomp)
		return false;
	for (unsigned i = 0; i < a->ncomp; i++)
		if (a->comp[i].ofs != b->comp[i].ofs || a->comp[i].len != b->comp[i].len)
			return false;
	return true;
}

/*
 * For every cap from the question's end to the full size: put RRs until one
 * fails; the failure leaves the message byte for byte as it was, and what
 * was built is a prefix of the full build that ldns reads.
 */
static void
test_builder_espace(void)
{
	static uint8_t full[4096], buf[4096], before[4096];
	struct dns_builder b;
	size_t full_len;

	setup_query("www.Example.COM", DNS_T_A, DNS_RD);
	dns_builder_init(&b, full, sizeof(full), &qq);
	for (size_t i = 0; i < NANSWER; i++)
		put_ldns(&b, &answer[i]);
	full_len = b.len;

	bool unchanged = true, prefix = true, readable = true, retried = true;
	for (size_t cap = 33; cap <= full_len; cap++) {
		dns_builder_init(&b, buf, cap, &qq);
		size_t i = 0;
		for (; i < NANSWER; i++) {
			struct dns_builder saved = b;
			memcpy(before, buf, b.len);
			int rc = put_ldns(&b, &answer[i]);
			if (rc == 0)
				continue;
			if (rc != DNS_ESPACE || !same_state(&saved, &b) ||
			    memcmp(before, buf, b.len) != 0) {
				diag("cap %zu RR %zu: rc %d, builder or message changed", cap, i, rc);
				unchanged = false;
			}
			break;
		}
		if (memcmp(buf + 12, full + 12, b.len - 12) != 0 || memcmp(buf, full, 4) != 0) {
			diag("cap %zu: not a prefix of the full build", cap);
			prefix = false;
		}
		if (!ldns_agrees(buf, b.len, answer, i, "www.Example.COM.")) {
			diag("cap %zu: ldns disagrees", cap);
			readable = false;
		}
		/* After a failure, a small RR with a fresh owner still goes in and reads back. */
		if (i < NANSWER) {
			static const struct lrr small = { "z. 1 IN A 1.2.3.4", DNS_SEC_ADDITIONAL, false };
			struct lrr both[NANSWER + 1];
			memcpy(both, answer, i * sizeof(both[0]));
			both[i] = small;
			if (put_ldns(&b, &small) == 0 &&
			    !ldns_agrees(buf, b.len, both, i + 1, "www.Example.COM.")) {
				diag("cap %zu: RR after a failed put is wrong", cap);
				retried = false;
			}
		}
	}
	ok(unchanged, "DNS_ESPACE leaves builder and message unchanged, for every cap");
	ok(prefix, "each partial build is a prefix of the full one");
	ok(readable, "ldns reads every partial build");
	ok(retried, "a put after DNS_ESPACE still produces a valid message");

	/*
	 * A failed put must not leave its owner's suffixes in the table: the
	 * owner fits, its RDATA does not; the next RR with the same owner must
	 * not point into the part that was given up.
	 */
	dns_builder_init(&b, buf, 33 + 20 + 10 + 10, &qq);
	uint8_t big[40] = { 0 };
	is_int(dns_builder_put_rr(&b, W("\4host\5other\3net"), 65282, DNS_C_IN, 1, big, 40),
	       DNS_ESPACE, "RDATA does not fit");
	is_int(b.ncomp, 3, "compression table restored");
	is_int(dns_builder_put_rr(&b, W("\4host\5other\3net"), DNS_T_A, DNS_C_IN, 1, big, 4), 0,
	       "same owner, small RDATA fits");
	size_t pos = 33;
	is_str(name_at(buf, b.len, &pos), "host.other.net.", "owner written in full again");
	is_int(dns_builder_put_rr(&b, W("\4host\5other\3net"), DNS_T_A, DNS_C_IN, 1, big, 4),
	       DNS_ESPACE, "no room for a second one");
	is_int(b.len, 33 + 16 + 14, "length as before");

	/* Owner does not fit; fixed part does not fit. */
	dns_builder_init(&b, buf, 40, &qq);
	memcpy(before, buf, 33);
	is_int(dns_builder_put_rr(&b, W("\4host\5other\3net"), DNS_T_A, DNS_C_IN, 1, big, 4),
	       DNS_ESPACE, "owner does not fit");
	ok(b.len == 33 && b.ncomp == 3 && memcmp(before, buf, 33) == 0, "unchanged");
	is_int(dns_builder_put_rr(&b, NULL, DNS_T_A, DNS_C_IN, 1, big, 4), DNS_ESPACE,
	       "fixed part does not fit");
	ok(b.len == 33 && dns_get16(buf + 6) == 0, "unchanged, ANCOUNT 0");
	dns_builder_init(&b, buf, 33 + 2 + 10 + 4, &qq);
	is_int(dns_builder_put_rr(&b, NULL, DNS_T_A, DNS_C_IN, 1, big, 4), 0, "exact fit");
	is_int(b.len, b.cap, "len == cap");
	is_int(dns_builder_put_rr(&b, NULL, DNS_T_A, DNS_C_IN, 1, big, 0), DNS_ESPACE, "full");
}

static void
test_builder_far_offsets(void)
{
	static uint8_t buf[DNS_MSG_MAX];
	static uint8_t pad[30000];
	struct dns_builder b;

	setup_query("q.example", DNS_T_A, 0);
	dns_builder_init(&b, buf, sizeof(buf), &qq);
	is_int(dns_builder_put_rr(&b, W("\3pad\7example"), 65282, DNS_C_IN, 0, pad, 20000), 0,
	       "20000-octet RDATA");
	/* The next names start beyond 0x4000: they cannot be pointer targets. */
	ok(b.len > 0x4000, "message is past 0x4000 (%zu)", b.len);
	unsigned ncomp = b.ncomp;
	size_t at1 = b.len;
	is_int(dns_builder_put_rr(&b, W("\3far\4away"), DNS_T_A, DNS_C_IN, 0, W("\1\2\3\4"), 4), 0,
	       "put far.away past 0x4000");
	is_int(b.ncomp, ncomp, "no compression entries past 0x4000");
	size_t at2 = b.len;
	is_int(dns_builder_put_rr(&b, W("\3far\4away"), DNS_T_A, DNS_C_IN, 0, W("\1\2\3\5"), 4), 0,
	       "put far.away again");
	ok(memcmp(buf + at2, "\3far\4away", 10) == 0, "second far.away written in full");
	/* Suffixes below 0x4000 are still used. */
	size_t at3 = b.len;
	is_int(dns_builder_put_rr(&b, W("\4near\7EXAMPLE"), DNS_T_NS, DNS_C_IN, 0,
				  W("\3pad\7example"), 13), 0, "put near.example with NS pad.example");
	ok(memcmp(buf + at3, "\4near\xc0\x0e", 7) == 0, "owner points to the question's suffix");
	ok(dns_get16(buf + at3 + 7 + 8) == 2, "NS target is one pointer to the early pad.example");

	size_t pos = at1;
	is_str(name_at(buf, b.len, &pos), "far.away.", "first far.away reads back");
	pos = at2;
	is_str(name_at(buf, b.len, &pos), "far.away.", "second far.away reads back");
	pos = at3 + 7 + 10;
	is_str(name_at(buf, b.len, &pos), "pad.example.", "NS target reads back");
	struct dns_query q;
	is_int(dns_query_parse(buf, b.len, &q), 0, "large message walks");
	ldns_pkt *pkt = NULL;
	ok(ldns_wire2pkt(&pkt, buf, b.len) == LDNS_STATUS_OK && ldns_pkt_ancount(pkt) == 4,
	   "ldns reads the large message");
	ldns_pkt_free(pkt);
}

static void
test_builder_table_full(void)
{
	static uint8_t buf[8192];
	struct dns_builder b;
	struct lrr rrs[60];
	char text[60][64];

	setup_query("example.org", DNS_T_TXT, 0);
	dns_builder_init(&b, buf, sizeof(buf), &qq);
	bool all = true;
	for (int i = 0; i < 60; i++) {
		snprintf(text[i], sizeof(text[i]), "n%d.sub%d.example.org. 1 IN CNAME t%d.example.org.",
			 i, i % 7, i);
		rrs[i] = (struct lrr){ text[i], DNS_SEC_ANSWER, false };
		if (put_ldns(&b, &rrs[i]) != 0)
			all = false;
	}
	ok(all, "60 RRs with distinct names put");
	is_int(b.ncomp, DNS_COMP_MAX, "table is full at DNS_COMP_MAX");
	ok(ldns_agrees(buf, b.len, rrs, 60, "example.org."), "ldns reads the message");
	struct dns_query q;
	is_int(dns_query_parse(buf, b.len, &q), 0, "dns_query_parse walks it");
}

static void
test_builder_opt_truncate(void)
{
	static uint8_t buf[512];
	struct dns_builder b;

	setup_query("www.example.com", DNS_T_A, DNS_RD);
	dns_builder_init(&b, buf, sizeof(buf), &qq);
	dns_builder_reserve(&b, DNS_OPT_LEN);
	int n = 0;
	while (dns_builder_put_rr(&b, NULL, DNS_T_TXT, DNS_C_IN, 1,
				  W("\x20" "0123456789abcdef0123456789abcdef"), 33) == 0)
		n++;
	ok(n > 5 && b.len <= 512 - DNS_OPT_LEN, "filled up to the reserve with %d RRs", n);
	size_t len = b.len;
	dns_builder_unreserve(&b, DNS_OPT_LEN);
	is_int(dns_builder_put_opt(&b, 1232, 1, DNS_EDNS_DO), 0, "put_opt after unreserve fits");
	ok(memcmp(buf + len, "\0\0\x29\x04\xd0\x01\0\x80\0\0\0", DNS_OPT_LEN) == 0,
	   "OPT bytes: root, 41, 1232, ext rcode 1, version 0, DO, rdlen 0");
	is_int(dns_get16(buf + 10), 1, "ARCOUNT 1");
	is_int(b.section, DNS_SEC_ADDITIONAL, "OPT moves to the additional section");
	struct dns_query q;
	is_int(dns_query_parse(buf, b.len, &q), 0, "reply with OPT parses");
	ok(q.edns && !q.edns_bad && q.edns_ext_rcode == 1 && q.edns_udp == 1232 &&
	   q.edns_flags == DNS_EDNS_DO && q.ancount == n, "OPT reads back");

	/* No room at all. */
	size_t l2 = b.len;
	b.cap = b.len + DNS_OPT_LEN - 1;
	is_int(dns_builder_put_opt(&b, 512, 0, 0), DNS_ESPACE, "put_opt without room");
	ok(b.len == l2 && dns_get16(buf + 10) == 1, "unchanged");
	b.cap = 512;

	/* Truncate: back to the question, flags kept, counts zeroed. */
	dns_builder_set_flags(&b, DNS_TC | DNS_AA);
	dns_builder_truncate(&b);
	ok(b.len == 33 && dns_get16(buf + 6) == 0 && dns_get16(buf + 8) == 0 &&
	   dns_get16(buf + 10) == 0 && dns_get16(buf + 4) == 1, "truncate: length and counts");
	is_int(dns_get16(buf + 2), DNS_QR | DNS_RD | DNS_TC | DNS_AA, "truncate keeps flags");
	ok(b.ncomp == 3 && b.section == DNS_SEC_ANSWER, "truncate: question's table, answer section");
	dns_builder_section(&b, DNS_SEC_ADDITIONAL);
	is_int(dns_builder_put_opt(&b, 1232, 0, 0), 0, "OPT after truncate");
	is_int(dns_query_parse(buf, b.len, &q), 0, "truncated reply parses");
	ok(q.ancount == 0 && q.arcount == 1 && q.edns, "truncated reply: just the OPT");

	/* Compression after truncate targets only the question. */
	dns_builder_init(&b, buf, sizeof(buf), &qq);
	dns_builder_put_rr(&b, W("\4mail\7example\3com"), DNS_T_A, DNS_C_IN, 1, W("\1\1\1\1"), 4);
	dns_builder_put_rr(&b, W("\4mail\7example\3com"), DNS_T_A, DNS_C_IN, 1, W("\1\1\1\2"), 4);
	ok(buf[54] == 0xc0 && buf[55] == 33, "second mail owner points to the first");
	dns_builder_truncate(&b);
	dns_builder_put_rr(&b, W("\3xyz\4mail\7example\3com"), DNS_T_A, DNS_C_IN, 1, W("\1\1\1\1"), 4);
	ok(memcmp(buf + 33, "\3xyz\4mail\xc0\x10", 11) == 0, "after truncate: no pointer to dropped data");
	size_t pos = 33;
	is_str(name_at(buf, b.len, &pos), "xyz.mail.example.com.", "reads back");

	/* Truncate with no question. */
	struct msg m;
	m_hdr(&m, 5, 0, 0, 0, 0, 0);
	dns_query_parse(m.b, m.len, &q);
	dns_builder_init(&b, buf, sizeof(buf), &q);
	dns_builder_put_rr(&b, W("\1a"), DNS_T_A, DNS_C_IN, 1, W("\1\1\1\1"), 4);
	dns_builder_truncate(&b);
	ok(b.len == 12 && b.ncomp == 0 && dns_get16(buf + 6) == 0, "truncate without question");
}

static void
test_builder_mark(void)
{
	static uint8_t buf[512], copy[512];
	struct dns_builder b;
	struct dns_builder_mark m;

	setup_query("www.example.com", DNS_T_A, 0);
	dns_builder_init(&b, buf, sizeof(buf), &qq);
	dns_builder_put_rr(&b, NULL, DNS_T_A, DNS_C_IN, 1, W("\1\1\1\1"), 4);
	dns_builder_section(&b, DNS_SEC_ADDITIONAL);
	dns_builder_mark(&b, &m);
	size_t len = b.len;
	unsigned ncomp = b.ncomp;
	memcpy(copy, buf, len);

	dns_builder_put_rr(&b, W("\4mail\7example\3com"), DNS_T_A, DNS_C_IN, 1, W("\1\1\1\2"), 4);
	dns_builder_put_rr(&b, W("\4mail\7example\3com"), DNS_T_AAAA, DNS_C_IN, 1,
			   W("\x20\1\xd\xb8\0\0\0\0\0\0\0\0\0\0\0\1"), 16);
	ok(b.len > len && b.ncomp > ncomp && dns_get16(buf + 10) == 2, "two RRs added after the mark");
	dns_builder_rollback(&b, &m);
	ok(b.len == len && b.ncomp == ncomp && memcmp(buf, copy, len) == 0,
	   "rollback: length, compression table and header as at the mark");
	ok(dns_get16(buf + 6) == 1 && dns_get16(buf + 10) == 0, "rollback: counts as at the mark");

	/* What follows the rollback does not point into the dropped RRs. */
	dns_builder_put_rr(&b, W("\3xyz\4mail\7example\3com"), DNS_T_A, DNS_C_IN, 1, W("\1\1\1\3"), 4);
	ok(memcmp(buf + len, "\3xyz\4mail\xc0\x10", 11) == 0, "after rollback: no pointer to dropped data");
	struct dns_query q;
	is_int(dns_query_parse(buf, b.len, &q), 0, "reply after rollback parses");
	ok(q.ancount == 1 && q.arcount == 1, "reply after rollback: 1 answer, 1 additional");
}

/* An RR at m[*n]: root owner, type, class IN, TTL 0, rdlen octets of zeros. */
static void
put_rr(uint8_t *m, size_t *n, uint16_t type, uint16_t rdlen)
{
	m[(*n)++] = 0;
	dns_put16(m + *n, type);
	dns_put16(m + *n + 2, DNS_C_IN);
	dns_put32(m + *n + 4, 0);
	dns_put16(m + *n + 8, rdlen);
	memset(m + *n + 10, 0, rdlen);
	*n += 10 + rdlen;
}

/* dns_msg_find_last_rr: the TSIG/SIG(0) position rules. */
static void
test_find_last_rr(void)
{
	uint8_t m[256];
	size_t n, pos;

	/* Header with no question, one answer (A), two additional (OPT, then TSIG). */
	memset(m, 0, DNS_HDR_LEN);
	dns_put16(m + 6, 1);
	dns_put16(m + 10, 2);
	n = DNS_HDR_LEN;
	put_rr(m, &n, DNS_T_A, 4);
	size_t opt = n;
	put_rr(m, &n, DNS_T_OPT, 0);
	size_t last = n;
	put_rr(m, &n, DNS_T_TSIG, 6);
	is_int(dns_msg_find_last_rr(m, n, DNS_T_TSIG, true, &pos), 0, "last RR found");
	is_int(pos, last, "  at its offset");
	is_int(dns_msg_find_last_rr(m, n, DNS_T_SIG, false, &pos), 0, "none of another type");
	is_int(pos, 0, "  offset 0");
	is_int(dns_msg_find_last_rr(m, n, DNS_T_OPT, true, &pos), DNS_EMALFORMED,
	       "the type in the additional section but not last: malformed");
	is_int(dns_msg_find_last_rr(m, n, DNS_T_A, true, &pos), DNS_EMALFORMED,
	       "the type in another section, anywhere: malformed");
	is_int(dns_msg_find_last_rr(m, n, DNS_T_A, false, &pos), 0,
	       "the type in another section, additional only: not counted");
	is_int(pos, 0, "  offset 0");
	is_int(dns_msg_find_last_rr(m, n + 1, DNS_T_TSIG, true, &pos), DNS_EMALFORMED,
	       "a trailing octet: malformed");
	is_int(dns_msg_find_last_rr(m, n - 1, DNS_T_TSIG, true, &pos), DNS_EMALFORMED,
	       "the last RR cut short: malformed");
	is_int(dns_msg_find_last_rr(m, opt, DNS_T_TSIG, true, &pos), DNS_EMALFORMED,
	       "fewer RRs than ARCOUNT says: malformed");
	is_int(dns_msg_find_last_rr(m, DNS_HDR_LEN - 1, DNS_T_TSIG, true, &pos), DNS_EMALFORMED,
	       "shorter than a header: malformed");
}

static void
test_reply_error(void)
{
	uint8_t buf[512];
	struct dns_query q;
	struct msg m;

	make_query(&m, "www.ExAmple.COM", DNS_T_A, (DNS_OP_UPDATE << 11) | DNS_RD | DNS_CD | DNS_AA, true);
	dns_query_parse(m.b, m.len, &q);
	is_int(dns_reply_error(buf, sizeof(buf), &q, true, DNS_R_FORMERR), 33,
	       "FORMERR with question: 33 octets");
	is_int(dns_get16(buf), 0xbeef, "id");
	is_int(dns_get16(buf + 2), DNS_QR | (DNS_OP_UPDATE << 11) | DNS_RD | DNS_CD | DNS_R_FORMERR,
	       "flags: QR, opcode, RD, CD, rcode");
	ok(dns_get16(buf + 4) == 1 && dns_get16(buf + 6) == 0 && dns_get16(buf + 8) == 0 &&
	   dns_get16(buf + 10) == 0, "counts 1 0 0 0");
	is_mem(buf + 12, m.b + 12, 21, "question verbatim");

	is_int(dns_reply_error(buf, sizeof(buf), &q, false, DNS_R_NOTIMP), 12,
	       "NOTIMP without question: 12 octets");
	ok(dns_get16(buf + 4) == 0 && DNS_RCODE(dns_get16(buf + 2)) == DNS_R_NOTIMP,
	   "qdcount 0, rcode NOTIMP");
	is_int(dns_reply_error(buf, 32, &q, true, DNS_R_FORMERR), DNS_ESPACE, "cap 32: no room");
	is_int(dns_reply_error(buf, 33, &q, true, DNS_R_FORMERR), 33, "cap 33: exact");
	is_int(dns_reply_error(buf, 11, &q, false, DNS_R_FORMERR), DNS_ESPACE, "cap 11");
	is_int(dns_reply_error(buf, 12, &q, false, DNS_R_REFUSED), 12, "cap 12 without question");

	/* After a parse that failed past the question (header valid, question parsed). */
	make_query(&m, "example", DNS_T_A, 0, false);
	m_bytes(&m, "junk", 4);
	is_int(dns_query_parse(m.b, m.len, &q), DNS_EMALFORMED, "query with trailing junk");
	is_int(dns_reply_error(buf, sizeof(buf), &q, true, DNS_R_FORMERR), 12 + 9 + 4,
	       "FORMERR echoes the question that parsed");

	/* The question itself did not parse: there is none to echo, whatever the caller asks. */
	make_query(&m, "example", DNS_T_A, DNS_RD, false);
	is_int(dns_query_parse(m.b, m.len - 2, &q), DNS_EMALFORMED, "query with a cut question");
	is_int(dns_reply_error(buf, sizeof(buf), &q, true, DNS_R_FORMERR), 12,
	       "FORMERR for a cut question: header only");
	ok(dns_get16(buf) == 0xbeef && dns_get16(buf + 4) == 0 &&
	   dns_get16(buf + 2) == (DNS_QR | DNS_RD | DNS_R_FORMERR), "id, flags, qdcount 0");

	/* qdcount 0 with with_question: nothing to copy. */
	m_hdr(&m, 3, 0, 0, 0, 0, 0);
	dns_query_parse(m.b, m.len, &q);
	is_int(dns_reply_error(buf, sizeof(buf), &q, true, DNS_R_FORMERR), 12,
	       "with_question but no question: 12 octets");
	is_int(dns_get16(buf + 4), 0, "qdcount 0");

	/* ldns reads it. */
	make_query(&m, "www.example.com", DNS_T_A, DNS_RD, false);
	dns_query_parse(m.b, m.len, &q);
	int n = dns_reply_error(buf, sizeof(buf), &q, true, DNS_R_REFUSED);
	ldns_pkt *pkt = NULL;
	ok(n > 0 && ldns_wire2pkt(&pkt, buf, (size_t)n) == LDNS_STATUS_OK &&
	   ldns_pkt_get_rcode(pkt) == LDNS_RCODE_REFUSED && ldns_pkt_qr(pkt) && ldns_pkt_rd(pkt) &&
	   ldns_pkt_qdcount(pkt) == 1 && ldns_pkt_id(pkt) == 0xbeef, "ldns reads the REFUSED reply");
	ldns_pkt_free(pkt);
}

int
main(void)
{
	test_parse_basic();
	test_parse_question_errors();
	test_parse_sections();
	test_parse_opt();
	test_builder_init();
	test_builder_flags();
	test_builder_compression_bytes();
	test_builder_verbatim();
	test_builder_ldns();
	test_builder_espace();
	test_builder_far_offsets();
	test_builder_table_full();
	test_builder_opt_truncate();
	test_builder_mark();
	test_reply_error();
	test_find_last_rr();
	return tap_done();
}
