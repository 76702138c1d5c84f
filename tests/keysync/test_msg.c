/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * keysync/msg: requests checked octet for octet and read back by
 * dns_query_parse, ksync_update_parse and ldns; answers built with
 * dns_builder or by hand, including broken ones.
 */
#include <string.h>

#include <ldns/ldns.h>

#include "dns/err.h"
#include "dns/rdata.h"
#include "dns/wire.h"
#include "keysync/msg.h"
#include "keysync/update.h"
#include "tests/tap.h"

#define APEX "\7example\3com"
static const uint8_t apex[] = APEX;
static const uint8_t apex_upper[] = "\7EXAMPLE\3COM";
static const uint8_t www[] = "\3www" APEX;

static const uint8_t k1[] = { 1, 0, 3, 13, 0xa1, 0xa2, 0xa3, 0xa4 };
static const uint8_t k2[] = { 1, 1, 3, 13, 0xb1, 0xb2, 0xb3, 0xb4, 0xb5 };
static const uint8_t k3[] = { 1, 0, 3, 13, 0xc1, 0xc2 };
static const uint8_t ds1[] = { 0x30, 0x39, 13, 2, 1, 2, 3, 4, 5, 6, 7, 8 };

static void
test_request(void)
{
	uint8_t buf[512];
	struct dns_query q;
	static const uint8_t want_query[] = {
		0xbe, 0xef, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01,
		7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 3, 'c', 'o', 'm', 0,
		0x00, 0x30, 0x00, 0x01,
		0x00, 0x00, 0x29, 0x04, 0xd0, 0x00, 0x00, 0x80, 0x00, 0x00, 0x00,
	};

	int n = ksync_msg_query(buf, sizeof(buf), 0xbeef, apex, DNS_T_DNSKEY);
	is_int(n, sizeof(want_query), "query: length");
	ok(n == (int)sizeof(want_query) && memcmp(buf, want_query, sizeof(want_query)) == 0,
	   "query: octets (header, question, OPT 1232 with DO)");
	is_int(dns_query_parse(buf, (size_t)n, &q), 0, "query: dns_query_parse accepts it");
	ok(q.id == 0xbeef && DNS_OPCODE(q.flags) == DNS_OP_QUERY && !(q.flags & DNS_QR) &&
	   q.qdcount == 1 && q.ancount == 0 && q.nscount == 0 && q.arcount == 1,
	   "query: id, opcode, counts");
	ok(q.qtype == DNS_T_DNSKEY && q.qclass == DNS_C_IN && q.qname.len == sizeof(apex) &&
	   memcmp(q.qname.wire, apex, sizeof(apex)) == 0, "query: question");
	ok(q.edns && !q.edns_bad && q.edns_udp == KSYNC_EDNS_UDP && (q.edns_flags & DNS_EDNS_DO) &&
	   q.edns_version == 0 && q.edns_ext_rcode == 0, "query: EDNS 1232, DO, version 0");

	ldns_pkt *pkt = NULL;
	ok(ldns_wire2pkt(&pkt, buf, (size_t)n) == LDNS_STATUS_OK, "query: ldns reads it");
	if (pkt) {
		ok(ldns_pkt_get_opcode(pkt) == LDNS_PACKET_QUERY && ldns_pkt_edns(pkt) &&
		   ldns_pkt_edns_do(pkt) && ldns_pkt_edns_udp_size(pkt) == KSYNC_EDNS_UDP &&
		   ldns_pkt_qdcount(pkt) == 1 && !ldns_pkt_aa(pkt) && !ldns_pkt_rd(pkt),
		   "query: ldns sees a query with EDNS DO 1232");
		ldns_pkt_free(pkt);
	}

	n = ksync_msg_query(buf, sizeof(buf), 7, apex, DNS_T_CDNSKEY);
	ok(n > 0 && dns_query_parse(buf, (size_t)n, &q) == 0 && q.qtype == DNS_T_CDNSKEY && q.id == 7,
	   "query: CDNSKEY");

	/* Every capacity short of the message: DNS_ESPACE. */
	int full = (int)sizeof(want_query), bad = 0;
	for (size_t cap = 0; cap < sizeof(want_query); cap++)
		bad += ksync_msg_query(buf, cap, 0xbeef, apex, DNS_T_DNSKEY) != DNS_ESPACE;
	is_int(bad, 0, "query: DNS_ESPACE for every cap below %d", full);
	is_int(ksync_msg_query(buf, sizeof(want_query), 0xbeef, apex, DNS_T_DNSKEY), full,
	       "query: fits exactly");

	/* NOTIFY: AA set, no OPT. */
	static const uint8_t want_notify[] = {
		0x12, 0x34, 0x24, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
		7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 3, 'c', 'o', 'm', 0,
		0x00, 0x06, 0x00, 0x01,
	};
	n = ksync_msg_request(buf, sizeof(buf), 0x1234, DNS_OP_NOTIFY, apex, DNS_T_SOA);
	ok(n == (int)sizeof(want_notify) && memcmp(buf, want_notify, sizeof(want_notify)) == 0,
	   "notify: octets (opcode 4, AA)");
	ok(dns_query_parse(buf, (size_t)n, &q) == 0 && DNS_OPCODE(q.flags) == DNS_OP_NOTIFY &&
	   (q.flags & DNS_AA) && !q.edns && q.qtype == DNS_T_SOA, "notify: dns_query_parse");
	pkt = NULL;
	if (ok(ldns_wire2pkt(&pkt, buf, (size_t)n) == LDNS_STATUS_OK, "notify: ldns reads it")) {
		ok(ldns_pkt_get_opcode(pkt) == LDNS_PACKET_NOTIFY && ldns_pkt_aa(pkt) &&
		   !ldns_pkt_qr(pkt), "notify: ldns sees a NOTIFY with AA");
		ldns_pkt_free(pkt);
	}
	bad = 0;
	for (size_t cap = 0; cap < sizeof(want_notify); cap++)
		bad += ksync_msg_request(buf, cap, 1, DNS_OP_NOTIFY, apex, DNS_T_SOA) != DNS_ESPACE;
	is_int(bad, 0, "notify: DNS_ESPACE for every cap below the length");
	is_int(ksync_msg_request(buf, sizeof(want_notify), 1, DNS_OP_NOTIFY, apex, DNS_T_SOA),
	       sizeof(want_notify), "notify: fits exactly");

	/* A plain query and an UPDATE header: no AA. */
	n = ksync_msg_request(buf, sizeof(buf), 9, DNS_OP_QUERY, apex, DNS_T_CDS);
	ok(n == 29 && dns_get16(buf + 2) == 0 && dns_get16(buf + 10) == 0, "request: query, no flags, no OPT");
	n = ksync_msg_request(buf, sizeof(buf), 9, DNS_OP_UPDATE, apex, DNS_T_SOA);
	ok(n == 29 && dns_get16(buf + 2) == (DNS_OP_UPDATE << 11), "request: update: opcode 5, no AA");
	struct ksync_update_rr rrs[4];
	struct ksync_update u;
	ok(ksync_update_parse(buf, (size_t)n, rrs, 4, &u) == 0 && u.nprereq == 0 && u.nupdate == 0 &&
	   memcmp(u.zone, apex, sizeof(apex)) == 0, "request: update parses as an empty UPDATE");
}

static void
test_push(void)
{
	uint8_t buf[1024];
	struct ksync_rec recs[] = {
		{ .type = DNS_T_DNSKEY, .ttl = 0, .rdlen = sizeof(k3), .origins = 1, .rdata = (uint8_t *)k3 },
		{ .type = DNS_T_DNSKEY, .ttl = 3600, .rdlen = sizeof(k1), .rdata = (uint8_t *)k1 },
		{ .type = DNS_T_CDS, .ttl = 600, .rdlen = sizeof(ds1), .rdata = (uint8_t *)ds1 },
		{ .type = DNS_T_CDNSKEY, .ttl = 300, .rdlen = sizeof(k2), .rdata = (uint8_t *)k2 },
	};
	struct ksync_diff d = { .nadd = 3, .ndel = 1,
				.add = { &recs[1], &recs[2], &recs[3] }, .del = { &recs[0] } };
	struct ksync_update_rr rrs[8];
	struct ksync_update u;

	int n = ksync_msg_push(buf, sizeof(buf), 0x4242, apex, &d);
	ok(n > 0, "push: built (%d octets)", n);
	if (n <= 0)
		return;
	ok(DNS_OPCODE(dns_get16(buf + 2)) == DNS_OP_UPDATE && dns_get16(buf) == 0x4242,
	   "push: opcode UPDATE, id");
	is_int(ksync_update_parse(buf, (size_t)n, rrs, 8, &u), 0, "push: ksync_update_parse accepts it");
	ok(u.nprereq == 0 && u.nupdate == 4 && memcmp(u.zone, apex, sizeof(apex)) == 0,
	   "push: zone, no prerequisites, four updates");
	is_int(ksync_update_scope(&u), DNS_R_NOERROR, "push: within the multi-signer scope");
	if (u.nupdate == 4) {
		const struct ksync_update_rr *r = u.update;
		ok(r[0].kind == KSYNC_UPDATE_DELETE_RR && r[0].rclass == DNS_C_NONE && r[0].ttl == 0 &&
		   r[0].type == DNS_T_DNSKEY && r[0].rdlen == sizeof(k3) &&
		   memcmp(r[0].rdata, k3, sizeof(k3)) == 0, "push: the delete first: class NONE, TTL 0");
		ok(r[1].kind == KSYNC_UPDATE_ADD && r[1].rclass == DNS_C_IN && r[1].ttl == 3600 &&
		   r[1].type == DNS_T_DNSKEY && r[1].rdlen == sizeof(k1) &&
		   memcmp(r[1].rdata, k1, sizeof(k1)) == 0, "push: DNSKEY add: class IN, its TTL");
		ok(r[2].kind == KSYNC_UPDATE_ADD && r[2].rclass == DNS_C_IN && r[2].ttl == 600 &&
		   r[2].type == DNS_T_CDS && r[2].rdlen == sizeof(ds1) &&
		   memcmp(r[2].rdata, ds1, sizeof(ds1)) == 0, "push: CDS add");
		ok(r[3].kind == KSYNC_UPDATE_ADD && r[3].rclass == DNS_C_IN && r[3].ttl == 300 &&
		   r[3].type == DNS_T_CDNSKEY && r[3].rdlen == sizeof(k2) &&
		   memcmp(r[3].rdata, k2, sizeof(k2)) == 0, "push: CDNSKEY add");
		bool owners = true;
		for (size_t i = 0; i < 4; i++)
			owners = owners && memcmp(r[i].owner, apex, sizeof(apex)) == 0;
		ok(owners, "push: every owner is the apex");
	}
	ldns_pkt *pkt = NULL;
	if (ok(ldns_wire2pkt(&pkt, buf, (size_t)n) == LDNS_STATUS_OK, "push: ldns reads it")) {
		ldns_rr_list *up = ldns_pkt_authority(pkt);
		ok(ldns_pkt_get_opcode(pkt) == LDNS_PACKET_UPDATE && ldns_update_zocount(pkt) == 1 &&
		   ldns_update_upcount(pkt) == 4 && ldns_rr_list_rr_count(up) == 4 &&
		   ldns_rr_get_class(ldns_rr_list_rr(up, 0)) == LDNS_RR_CLASS_NONE &&
		   ldns_rr_get_class(ldns_rr_list_rr(up, 1)) == LDNS_RR_CLASS_IN &&
		   ldns_rr_ttl(ldns_rr_list_rr(up, 3)) == 300, "push: ldns sees the same UPDATE");
		ldns_pkt_free(pkt);
	}

	int bad = 0;
	for (size_t cap = 0; cap < (size_t)n; cap++)
		bad += ksync_msg_push(buf, cap, 0x4242, apex, &d) != DNS_ESPACE;
	is_int(bad, 0, "push: DNS_ESPACE for every cap below %d", n);
	is_int(ksync_msg_push(buf, (size_t)n, 0x4242, apex, &d), n, "push: fits exactly");

	struct ksync_diff none = { 0 };
	n = ksync_msg_push(buf, sizeof(buf), 1, apex, &none);
	ok(n == 29 && ksync_update_parse(buf, (size_t)n, rrs, 8, &u) == 0 && u.nupdate == 0,
	   "push: empty diff: a bare UPDATE");
}

/* A reply to our DNSKEY query, made with dns_builder. */
struct reply {
	uint8_t buf[2048];
	size_t len;
	size_t answer_end;   /* offset just past the answer section */
};

static void
reply_dnskey(struct reply *r, uint8_t rcode)
{
	uint8_t q[512];
	struct dns_query qq;
	struct dns_builder b;
	int n = ksync_msg_query(q, sizeof(q), 0x0101, apex, DNS_T_DNSKEY);
	int rc = n < 0 ? n : dns_query_parse(q, (size_t)n, &qq);
	rc = rc ? rc : dns_builder_init(&b, r->buf, sizeof(r->buf), &qq);
	if (rc) {
		diag("making the reply failed: %d", rc);
		r->len = r->answer_end = 0;
		return;
	}
	dns_builder_set_flags(&b, DNS_AA);
	dns_builder_set_rcode(&b, rcode);
	rc |= dns_builder_put_rr(&b, NULL, DNS_T_DNSKEY, DNS_C_IN, 3600, k1, sizeof(k1));
	rc |= dns_builder_put_rr(&b, apex_upper, DNS_T_DNSKEY, DNS_C_IN, 300, k2, sizeof(k2));
	rc |= dns_builder_put_rr(&b, NULL, DNS_T_RRSIG, DNS_C_IN, 10, ds1, sizeof(ds1));
	rc |= dns_builder_put_rr(&b, www, DNS_T_DNSKEY, DNS_C_IN, 5, k3, sizeof(k3));
	rc |= dns_builder_put_rr(&b, NULL, DNS_T_DNSKEY, DNS_C_CH, 5, k3, sizeof(k3));
	rc |= dns_builder_put_rr(&b, NULL, DNS_T_DNSKEY, DNS_C_IN, 600, k3, sizeof(k3));
	r->answer_end = b.len;
	dns_builder_section(&b, DNS_SEC_AUTHORITY);
	rc |= dns_builder_put_rr(&b, NULL, DNS_T_DNSKEY, DNS_C_IN, 1, ds1, sizeof(ds1));
	dns_builder_section(&b, DNS_SEC_ADDITIONAL);
	rc |= dns_builder_put_opt(&b, 1232, 0, DNS_EDNS_DO);
	if (rc)
		diag("making the reply failed: %d", rc);
	r->len = b.len;
}

/* Whether rs holds exactly the n RDATAs of v, in order. */
static bool
rrset_is(const struct dns_rrset *rs, const uint8_t *const *v, const size_t *l, size_t n)
{
	uint32_t pos = 0;
	uint16_t len;
	size_t i = 0;
	for (const uint8_t *rd; (rd = dns_rrset_next(rs, &pos, &len)); i++)
		if (i >= n || len != l[i] || memcmp(rd, v[i], len) != 0)
			return false;
	return i == n && rs->count == n;
}

static void
test_answer(void)
{
	struct reply r;
	uint8_t buf[512];
	struct dns_rrset rs;
	uint8_t rcode = 0xff;
	const uint8_t *want[] = { k1, k2, k3 };
	const size_t wlen[] = { sizeof(k1), sizeof(k2), sizeof(k3) };
	const size_t need = 3 * 2 + sizeof(k1) + sizeof(k2) + sizeof(k3);

	reply_dnskey(&r, DNS_R_NOERROR);
	is_int(ksync_msg_answer(r.buf, r.len, apex, DNS_T_DNSKEY, buf, sizeof(buf), &rs, &rcode), 0,
	       "answer: 0");
	is_int(rcode, DNS_R_NOERROR, "answer: rcode NOERROR");
	is_int(rs.count, 3, "answer: three (name, DNSKEY, IN) RRs, the others skipped");
	ok(rrset_is(&rs, want, wlen, 3), "answer: their RDATA in order");
	ok(rs.type == DNS_T_DNSKEY && rs.rdlen == need && rs.rdata == buf,
	   "answer: type, rdlen, rdata in buf");
	is_int(rs.ttl, 300, "answer: the lowest TTL");
	rcode = 0xff;
	is_int(ksync_msg_answer(r.buf, r.len, apex_upper, DNS_T_DNSKEY, buf, sizeof(buf), &rs, &rcode),
	       0, "answer: name case does not matter");
	is_int(rs.count, 3, "answer: same three");

	is_int(ksync_msg_answer(r.buf, r.len, apex, DNS_T_CDS, buf, sizeof(buf), &rs, &rcode), 0,
	       "answer: CDS: 0");
	ok(rs.count == 0 && rs.rdlen == 0 && rs.type == DNS_T_CDS, "answer: CDS: none");
	is_int(ksync_msg_answer(r.buf, r.len, www, DNS_T_DNSKEY, buf, sizeof(buf), &rs, &rcode), 0,
	       "answer: www: 0");
	ok(rs.count == 1 && rs.ttl == 5 && rrset_is(&rs, &want[2], &wlen[2], 1),
	   "answer: the record of another owner (compressed) for that owner");

	/* Space. */
	is_int(ksync_msg_answer(r.buf, r.len, apex, DNS_T_DNSKEY, buf, need - 1, &rs, &rcode),
	       DNS_ESPACE, "answer: one octet short: DNS_ESPACE");
	is_int(ksync_msg_answer(r.buf, r.len, apex, DNS_T_DNSKEY, buf, need, &rs, &rcode), 0,
	       "answer: exact space: 0");
	ok(rs.count == 3 && rrset_is(&rs, want, wlen, 3), "answer: exact space: all three");
	is_int(ksync_msg_answer(r.buf, r.len, apex, DNS_T_DNSKEY, buf, 0, &rs, &rcode), DNS_ESPACE,
	       "answer: no space: DNS_ESPACE");
	is_int(ksync_msg_answer(r.buf, r.len, apex, DNS_T_CDS, buf, 0, &rs, &rcode), 0,
	       "answer: no space, nothing to copy: 0");

	/* rcodes. */
	reply_dnskey(&r, DNS_R_NXDOMAIN);
	rs.count = 99;
	is_int(ksync_msg_answer(r.buf, r.len, apex, DNS_T_DNSKEY, buf, sizeof(buf), &rs, &rcode), 0,
	       "answer: NXDOMAIN: 0");
	ok(rcode == DNS_R_NXDOMAIN && rs.count == 0 && rs.rdlen == 0,
	   "answer: NXDOMAIN: rcode, no records even with answers present");
	reply_dnskey(&r, DNS_R_SERVFAIL);
	is_int(ksync_msg_answer(r.buf, r.len, apex, DNS_T_DNSKEY, buf, sizeof(buf), &rs, &rcode), 0,
	       "answer: SERVFAIL: 0");
	ok(rcode == DNS_R_SERVFAIL && rs.count == 0, "answer: SERVFAIL: rcode, count 0");

	/* Malformed. */
	reply_dnskey(&r, DNS_R_NOERROR);
	struct reply m = r;
	dns_put16(m.buf + 2, (uint16_t)(dns_get16(m.buf + 2) & ~DNS_QR));
	is_int(ksync_msg_answer(m.buf, m.len, apex, DNS_T_DNSKEY, buf, sizeof(buf), &rs, &rcode),
	       DNS_EMALFORMED, "answer: QR clear: DNS_EMALFORMED");
	m = r;
	dns_put16(m.buf + 4, 2);
	is_int(ksync_msg_answer(m.buf, m.len, apex, DNS_T_DNSKEY, buf, sizeof(buf), &rs, &rcode),
	       DNS_EMALFORMED, "answer: qdcount 2: DNS_EMALFORMED");
	dns_put16(m.buf + 4, 0);
	is_int(ksync_msg_answer(m.buf, m.len, apex, DNS_T_DNSKEY, buf, sizeof(buf), &rs, &rcode),
	       DNS_EMALFORMED, "answer: qdcount 0: DNS_EMALFORMED");
	int bad = 0;
	for (size_t len = 0; len < r.answer_end; len++)
		bad += ksync_msg_answer(r.buf, len, apex, DNS_T_DNSKEY, buf, sizeof(buf), &rs, &rcode) !=
		       DNS_EMALFORMED;
	is_int(bad, 0, "answer: cut anywhere before the end of the answers: DNS_EMALFORMED");
	/* Truncated (TC): the answer holds part of the RRset at most. */
	m = r;
	dns_put16(m.buf + 2, (uint16_t)(dns_get16(m.buf + 2) | DNS_TC));
	int rc = ksync_msg_answer(m.buf, m.len, apex, DNS_T_DNSKEY, buf, sizeof(buf), &rs, &rcode);
	ok(rc == 0 && rs.count == 3, "answer: a TC reply gives what it holds, the caller retries "
	   "over TCP (rc %d, count %u)", rc, rs.count);
	m = r;
	dns_put16(m.buf + 6, 7);
	is_int(ksync_msg_answer(m.buf, r.answer_end, apex, DNS_T_DNSKEY, buf, sizeof(buf), &rs, &rcode),
	       DNS_EMALFORMED, "answer: ancount beyond the message: DNS_EMALFORMED");
}

/* Replies written by hand: chained pointers, bad pointers, bad RDATA lengths. */
static void
test_answer_hand(void)
{
	uint8_t buf[256];
	struct dns_rrset rs;
	uint8_t rcode;
	/* Question example.com DNSKEY; answers: owner ->12, owner ->(the previous owner) ->12. */
	uint8_t msg[] = {
		0x00, 0x01, 0x84, 0x00, 0x00, 0x01, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00,
		7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 3, 'c', 'o', 'm', 0,  /* 12 */
		0x00, 0x30, 0x00, 0x01,
		0xc0, 0x0c, 0x00, 0x30, 0x00, 0x01, 0x00, 0x00, 0x01, 0x00, 0x00, 0x04, /* 29 */
		1, 0, 3, 13,
		0xc0, 0x1d, 0x00, 0x30, 0x00, 0x01, 0x00, 0x00, 0x00, 0x80, 0x00, 0x05, /* 45 */
		1, 1, 3, 13, 9,
	};
	const uint8_t a[] = { 1, 0, 3, 13 }, b[] = { 1, 1, 3, 13, 9 };
	const uint8_t *want[] = { a, b };
	const size_t wlen[] = { sizeof(a), sizeof(b) };

	is_int(ksync_msg_answer(msg, sizeof(msg), apex, DNS_T_DNSKEY, buf, sizeof(buf), &rs, &rcode),
	       0, "hand: pointer to a pointer in an owner: 0");
	ok(rs.count == 2 && rs.ttl == 128 && rrset_is(&rs, want, wlen, 2),
	   "hand: both RRs, lowest TTL 128");

	uint8_t m[sizeof(msg)];
	memcpy(m, msg, sizeof(msg));
	m[46] = 0x2d; /* the second owner points to itself */
	is_int(ksync_msg_answer(m, sizeof(m), apex, DNS_T_DNSKEY, buf, sizeof(buf), &rs, &rcode),
	       DNS_EMALFORMED, "hand: owner pointing to itself: DNS_EMALFORMED");
	memcpy(m, msg, sizeof(msg));
	m[30] = 0x40; /* the first owner points forward */
	is_int(ksync_msg_answer(m, sizeof(m), apex, DNS_T_DNSKEY, buf, sizeof(buf), &rs, &rcode),
	       DNS_EMALFORMED, "hand: forward pointer: DNS_EMALFORMED");
	memcpy(m, msg, sizeof(msg));
	m[56] = 6; /* RDLENGTH one past the end */
	is_int(ksync_msg_answer(m, sizeof(m), apex, DNS_T_DNSKEY, buf, sizeof(buf), &rs, &rcode),
	       DNS_EMALFORMED, "hand: RDLENGTH past the end: DNS_EMALFORMED");
	memcpy(m, msg, sizeof(msg));
	m[12] = 0x50; /* question name with a bad label type */
	is_int(ksync_msg_answer(m, sizeof(m), apex, DNS_T_DNSKEY, buf, sizeof(buf), &rs, &rcode),
	       DNS_EMALFORMED, "hand: question name broken: DNS_EMALFORMED");
	is_int(ksync_msg_answer(msg, 11, apex, DNS_T_DNSKEY, buf, sizeof(buf), &rs, &rcode),
	       DNS_EMALFORMED, "hand: shorter than a header: DNS_EMALFORMED");
	is_int(ksync_msg_answer(msg, 27, apex, DNS_T_DNSKEY, buf, sizeof(buf), &rs, &rcode),
	       DNS_EMALFORMED, "hand: question type and class cut: DNS_EMALFORMED");
	/* The second RR cut right after its owner, and inside its fixed fields. */
	is_int(ksync_msg_answer(msg, 47, apex, DNS_T_DNSKEY, buf, sizeof(buf), &rs, &rcode),
	       DNS_EMALFORMED, "hand: RR without its fixed fields: DNS_EMALFORMED");
	is_int(ksync_msg_answer(msg, 52, apex, DNS_T_DNSKEY, buf, sizeof(buf), &rs, &rcode),
	       DNS_EMALFORMED, "hand: RR fields cut: DNS_EMALFORMED");
	/* An answer section that ends early is whole up to what ancount says. */
	memcpy(m, msg, sizeof(msg));
	m[7] = 1;
	is_int(ksync_msg_answer(m, 45, apex, DNS_T_DNSKEY, buf, sizeof(buf), &rs, &rcode), 0,
	       "hand: ancount 1, message ends after it: 0");
	ok(rs.count == 1 && rs.ttl == 256, "hand: the one RR");
	/* A DNSKEY RDATA too short for its fixed fields (3 octets) is not taken. */
	m[40] = 3;
	is_int(ksync_msg_answer(m, 44, apex, DNS_T_DNSKEY, buf, sizeof(buf), &rs, &rcode),
	       DNS_EMALFORMED, "hand: RDATA not of its type's layout: DNS_EMALFORMED");
}

/*
 * Two signers a and b of the zone, through their messages: a pushes to b
 * (b's peer 0 is a, accepting a's UPDATEs), and checks b by querying it.
 */
struct signer {
	struct ksync_zone z;
	struct ksync_recset own;
	/* What it serves, read back from its replies. */
	uint8_t rdata[3][1024];
	struct ksync_observed served;
};

/* b's reply to query: the apex RRset of its own and imported records of the type asked. */
static int
answer(const struct signer *s, const uint8_t *query, size_t qlen, uint8_t *reply, size_t cap)
{
	struct dns_query q;
	struct dns_builder b;
	int rc = dns_query_parse(query, qlen, &q);
	rc = rc ? rc : dns_builder_init(&b, reply, cap, &q);
	if (rc)
		return rc;
	dns_builder_set_flags(&b, DNS_AA);
	const struct ksync_recset *sets[] = { &s->own, &s->z.imported };
	for (size_t i = 0; i < 2; i++)
		for (size_t j = 0; rc == 0 && j < sets[i]->n; j++) {
			const struct ksync_rec *r = &sets[i]->v[j];
			if (r->type == q.qtype)
				rc = dns_builder_put_rr(&b, NULL, r->type, DNS_C_IN, r->ttl, r->rdata,
							r->rdlen);
		}
	return rc ? rc : (int)b.len;
}

/* Query s for its three RRsets the way the driver does; 0 or the first error. */
static int
look(struct signer *s)
{
	static const uint16_t types[] = { DNS_T_DNSKEY, DNS_T_CDS, DNS_T_CDNSKEY };
	struct dns_rrset *out[] = { &s->served.dnskey, &s->served.cds, &s->served.cdnskey };
	uint8_t q[512], r[4096], rcode;
	for (size_t i = 0; i < 3; i++) {
		int n = ksync_msg_query(q, sizeof(q), (uint16_t)i, apex, types[i]);
		int m = n < 0 ? n : answer(s, q, (size_t)n, r, sizeof(r));
		int rc = m < 0 ? m : ksync_msg_answer(r, (size_t)m, apex, types[i], s->rdata[i],
						      sizeof(s->rdata[i]), out[i], &rcode);
		if (rc)
			return rc;
	}
	return 0;
}

/* a checks b, pushes when needed (b applies it), and b is checked again to confirm. */
static int
round_trip(struct signer *a, struct signer *b, int64_t now, const char *what)
{
	struct ksync_diff d;
	bool changed;
	uint8_t msg[4096];
	struct ksync_update_rr rrs[2 * KSYNC_DIFF_MAX];
	struct ksync_update u;
	struct ksync_recset next;

	a->z.peers[0].phase = KSYNC_CHECKING;
	int rc = look(b);
	rc = rc ? rc : ksync_peer_observed(&a->z, 0, &b->served, now, &d, &changed);
	if (rc != 1)
		return rc;
	int n = ksync_msg_push(msg, sizeof(msg), 0x7777, apex, &d);
	ok(n > 0 && ksync_update_parse(msg, (size_t)n, rrs, 2 * KSYNC_DIFF_MAX, &u) == 0 &&
	   ksync_update_scope(&u) == DNS_R_NOERROR && u.nupdate == d.nadd + d.ndel,
	   "round trip %s: the push UPDATE parses, in scope, %zu adds, %zu deletes", what, d.nadd,
	   d.ndel);
	uint8_t rcode = ksync_zone_update(&b->z, 0, &u, &b->served, &next, &changed);
	is_int(rcode, DNS_R_NOERROR, "round trip %s: b accepts it", what);
	if (rcode != DNS_R_NOERROR)
		return -1;
	ksync_zone_commit(&b->z, &next);
	ksync_peer_updated(&a->z, 0, now + 1);
	a->z.peers[0].phase = KSYNC_CHECKING;
	rc = look(b);
	return rc ? rc : ksync_peer_observed(&a->z, 0, &b->served, now + 2, &d, &changed);
}

static void
test_round_trip(void)
{
	static struct signer a, b;
	const struct ksync_timing t = { .poll_interval = 3600, .retry_min = 10, .retry_max = 80 };
	const bool yes[] = { true }, no[] = { false };
	static const uint8_t za[] = { 1, 0, 3, 13, 0xaa, 1 }, za2[] = { 1, 0, 3, 13, 0xaa, 2 };
	static const uint8_t ka[] = { 1, 1, 3, 13, 0xaa, 9 }, zb[] = { 1, 0, 3, 13, 0xbb, 1 };

	ksync_zone_init(&a.z, 2, &t, 1, yes, no);
	ksync_zone_init(&b.z, 2, &t, 1, no, no);
	ksync_recset_add(&a.own, DNS_T_DNSKEY, 3600, za, sizeof(za), 0);
	ksync_recset_add(&a.own, DNS_T_DNSKEY, 3600, ka, sizeof(ka), 0);
	ksync_recset_add(&a.own, DNS_T_CDS, 600, ds1, sizeof(ds1), 0);
	ksync_recset_add(&a.own, DNS_T_CDNSKEY, 600, ka, sizeof(ka), 0);
	ksync_recset_add(&b.own, DNS_T_DNSKEY, 1800, zb, sizeof(zb), 0);
	ksync_zone_set_own(&a.z, &a.own, 0);

	is_int(round_trip(&a, &b, 100, "first"), 0, "round trip first: confirmed in sync");
	ok(b.z.imported.n == 4 && ksync_recset_find(&b.z.imported, DNS_T_CDS, ds1, sizeof(ds1)) >= 0 &&
	   ksync_recset_find(&b.z.imported, DNS_T_DNSKEY, ka, sizeof(ka)) >= 0,
	   "round trip first: b holds a's four records");
	ok(b.served.dnskey.count == 3 && b.served.dnskey.ttl == 1800 && b.served.cds.count == 1 &&
	   b.served.cdnskey.count == 1, "round trip first: b serves them");
	is_int(ksync_propagated(&a.z, DNS_T_DNSKEY, za, sizeof(za), NULL), 102,
	       "round trip first: a's ZSK propagated when confirmed");
	is_int(a.z.peers[0].ttl_seen, 1800, "round trip first: ttl seen (the DNSKEY RRset at its lowest TTL)");
	is_str(ksync_peer_state_name(&a.z.peers[0]), "in-sync", "round trip first: a sees b in sync");

	ksync_recset_free(&a.own);
	ksync_recset_add(&a.own, DNS_T_DNSKEY, 3600, za2, sizeof(za2), 0);
	ksync_recset_add(&a.own, DNS_T_DNSKEY, 3600, ka, sizeof(ka), 0);
	ksync_zone_set_own(&a.z, &a.own, 200);
	is_int(round_trip(&a, &b, 200, "rollover"), 0, "round trip rollover: confirmed in sync");
	ok(b.z.imported.n == 2 && ksync_recset_find(&b.z.imported, DNS_T_DNSKEY, za2, sizeof(za2)) >= 0 &&
	   ksync_recset_find(&b.z.imported, DNS_T_DNSKEY, za, sizeof(za)) < 0,
	   "round trip rollover: b holds the new ZSK and the KSK only");
	ok(a.z.contributed.n == 2, "round trip rollover: a forgot what b no longer holds");
	is_int(round_trip(&a, &b, 300, "again"), 0, "round trip again: nothing to send");

	ksync_recset_free(&a.own);
	ksync_recset_free(&b.own);
	ksync_zone_free(&a.z);
	ksync_zone_free(&b.z);
}

int
main(void)
{
	test_request();
	test_push();
	test_answer();
	test_answer_hand();
	test_round_trip();
	return tap_done();
}
