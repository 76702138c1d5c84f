/* SPDX-License-Identifier: BSD-3-Clause */
#include <stdio.h>
#include <string.h>

#include "dns/err.h"
#include "dns/rdata.h"
#include "dns/wire.h"

/* Offsets of the four counts in the header. */
#define QDCOUNT 4
#define ANCOUNT 6
#define OPCODE_BITS 0x7800

/* Inside a message whose header parsed, running out of data is malformed. */
static int
malformed(int rc)
{
	return rc == DNS_ETRUNC ? DNS_EMALFORMED : rc;
}

/* OPT options must exactly fill the RDATA (RFC 6891 6.1.2). */
static bool
opt_options_ok(const uint8_t *p, size_t len)
{
	while (len >= 4) {
		size_t n = 4u + dns_get16(p + 2);
		if (n > len)
			return false;
		p += n;
		len -= n;
	}
	return len == 0;
}

int
dns_query_parse(const uint8_t *msg, size_t len, struct dns_query *q)
{
	uint8_t name[DNS_NAME_MAXLEN];
	size_t pos = DNS_HDR_LEN, nlen;
	int rc;

	if (len < DNS_HDR_LEN)
		return DNS_ETRUNC;
	q->id = dns_get16(msg);
	q->flags = dns_get16(msg + 2);
	q->qdcount = dns_get16(msg + 4);
	q->ancount = dns_get16(msg + 6);
	q->nscount = dns_get16(msg + 8);
	q->arcount = dns_get16(msg + 10);
	q->qname.len = 0;
	q->qname.labels = 0;
	q->qtype = q->qclass = 0;
	q->question_end = DNS_HDR_LEN;
	q->edns = q->edns_bad = false;
	q->edns_version = q->edns_ext_rcode = 0;
	q->edns_udp = q->edns_flags = 0;

	for (unsigned i = 0; i < q->qdcount; i++) {
		rc = i == 0 ? dns_name_parse(msg, len, &pos, &q->qname)
			    : dns_name_unpack(msg, len, &pos, name, &nlen);
		if (rc < 0)
			return malformed(rc);
		if (len - pos < 4)
			return DNS_EMALFORMED;
		if (i == 0) {
			q->qtype = dns_get16(msg + pos);
			q->qclass = dns_get16(msg + pos + 2);
			q->question_end = pos + 4;
		}
		pos += 4;
	}

	unsigned ar_first = (unsigned)q->ancount + q->nscount;
	unsigned total = ar_first + q->arcount;
	for (unsigned i = 0; i < total; i++) {
		rc = dns_name_unpack(msg, len, &pos, name, &nlen);
		if (rc < 0)
			return malformed(rc);
		if (len - pos < 10)
			return DNS_EMALFORMED;
		const uint8_t *rr = msg + pos;
		uint16_t rdlen = dns_get16(rr + 8);
		if (len - pos - 10 < rdlen)
			return DNS_EMALFORMED;
		pos += 10u + rdlen;
		if (dns_get16(rr) != DNS_T_OPT)
			continue;
		if (i < ar_first || q->edns || nlen != 1 || !opt_options_ok(rr + 10, rdlen)) {
			q->edns_bad = true;
		} else {
			q->edns_udp = dns_get16(rr + 2);
			q->edns_ext_rcode = rr[4];
			q->edns_version = rr[5];
			q->edns_flags = dns_get16(rr + 6);
		}
		q->edns = true;
	}
	return pos == len ? 0 : DNS_EMALFORMED;
}

/*
 * Header and question of a reply to q. The question is written from q,
 * which holds it exactly as received (case preserved); a query name that
 * was compressed is written expanded, since its pointer would refer to the
 * query's header. Returns the length; the caller checked the space.
 */
static size_t
put_head(uint8_t *buf, const struct dns_query *q, bool question)
{
	dns_put16(buf, q->id);
	dns_put16(buf + 2, (uint16_t)(DNS_QR | (q->flags & (OPCODE_BITS | DNS_RD | DNS_CD))));
	dns_put16(buf + QDCOUNT, question);
	memset(buf + ANCOUNT, 0, 6);
	if (!question)
		return DNS_HDR_LEN;
	memcpy(buf + DNS_HDR_LEN, q->qname.wire, q->qname.len);
	dns_put16(buf + DNS_HDR_LEN + q->qname.len, q->qtype);
	dns_put16(buf + DNS_HDR_LEN + q->qname.len + 2, q->qclass);
	return DNS_HDR_LEN + q->qname.len + 4u;
}

/* A question to echo: one was announced and the first one parsed. */
static bool
has_question(const struct dns_query *q)
{
	return q->qdcount > 0 && q->question_end > DNS_HDR_LEN;
}

static size_t
head_len(const struct dns_query *q, bool question)
{
	return DNS_HDR_LEN + (question ? q->qname.len + 4u : 0);
}

/* The question's suffixes are the first compression entries. */
static unsigned
question_comp(struct dns_builder *b)
{
	const uint8_t *qname = b->buf + DNS_HDR_LEN;
	unsigned n = 0;

	if (dns_get16(b->buf + QDCOUNT) == 0)
		return 0;
	size_t qlen = dns_name_len(qname);
	for (size_t i = 0; qname[i] && n < DNS_COMP_MAX; i += 1u + qname[i], n++) {
		b->comp[n].ofs = (uint16_t)(DNS_HDR_LEN + i);
		b->comp[n].len = (uint8_t)(qlen - i);
	}
	return n;
}

int
dns_builder_init(struct dns_builder *b, uint8_t *buf, size_t cap, const struct dns_query *q)
{
	bool question = has_question(q);

	if (cap > DNS_MSG_MAX)
		cap = DNS_MSG_MAX;
	if (head_len(q, question) > cap)
		return DNS_ESPACE;
	b->buf = buf;
	b->cap = cap;
	b->len = put_head(buf, q, question);
	b->section = DNS_SEC_ANSWER;
	b->ncomp = question_comp(b);
	return 0;
}

void
dns_builder_set_flags(struct dns_builder *b, uint16_t set_mask)
{
	dns_put16(b->buf + 2, dns_get16(b->buf + 2) | set_mask);
}

void
dns_builder_set_rcode(struct dns_builder *b, uint8_t rcode)
{
	dns_put16(b->buf + 2, (uint16_t)((dns_get16(b->buf + 2) & ~0xfu) | (rcode & 0xfu)));
}

void
dns_builder_section(struct dns_builder *b, enum dns_section sec)
{
	if ((unsigned)sec > b->section)
		b->section = sec;
}

static inline uint8_t
lower(uint8_t c)
{
	return (uint8_t)(c + ((unsigned)(c - 'A') < 26u) * 32u);
}

/* Does the name at ofs in our own output (pointers allowed) equal s? */
static bool
suffix_equal(const uint8_t *buf, size_t ofs, const uint8_t *s)
{
	for (;;) {
		uint8_t c = buf[ofs];
		if (c >= 0xc0) {
			ofs = (size_t)(c & 0x3f) << 8 | buf[ofs + 1];
			continue;
		}
		if (c != *s)
			return false;
		if (c == 0)
			return true;
		for (unsigned i = 1; i <= c; i++)
			if (lower(buf[ofs + i]) != lower(s[i]))
				return false;
		ofs += 1u + c;
		s += 1u + c;
	}
}

static int
put_bytes(struct dns_builder *b, const uint8_t *p, size_t n)
{
	if (b->len + n > b->cap)
		return DNS_ESPACE;
	memcpy(b->buf + b->len, p, n);
	b->len += n;
	return 0;
}

/*
 * Write a valid uncompressed name, ending it with a pointer to the longest
 * suffix already in the message, and remember the suffixes it adds.
 */
static int
put_name(struct dns_builder *b, const uint8_t *name)
{
	uint8_t lofs[DNS_NAME_MAXLABELS];
	uint64_t starts[4] = { 0 };
	unsigned labels = 0;
	size_t n = 0;

	while (name[n]) {
		lofs[labels++] = (uint8_t)n;
		starts[n / 64] |= 1ull << (n % 64);
		n += 1u + name[n];
	}
	n++;

	unsigned best = 0;
	uint16_t target = 0;
	for (unsigned i = 0; i < b->ncomp; i++) {
		unsigned slen = b->comp[i].len, at = (unsigned)n - slen;
		if (slen <= best || slen > n || !(starts[at / 64] >> (at % 64) & 1))
			continue;
		if (suffix_equal(b->buf, b->comp[i].ofs, name + at)) {
			best = slen;
			target = b->comp[i].ofs;
			if (best == n)
				break;
		}
	}

	size_t prefix = n - (best ? best : 1), need = prefix + (best ? 2 : 1);
	if (b->len + need > b->cap)
		return DNS_ESPACE;
	uint8_t *w = b->buf + b->len;
	memcpy(w, name, prefix);
	if (best)
		dns_put16(w + prefix, (uint16_t)(0xc000 | target));
	else
		w[prefix] = 0;
	for (unsigned i = 0; i < labels && lofs[i] < prefix && b->ncomp < DNS_COMP_MAX; i++) {
		size_t ofs = b->len + lofs[i];
		if (ofs >= 0x4000)
			break;
		b->comp[b->ncomp].ofs = (uint16_t)ofs;
		b->comp[b->ncomp].len = (uint8_t)(n - lofs[i]);
		b->ncomp++;
	}
	b->len += need;
	return 0;
}

static size_t
fixed_len(uint8_t kind)
{
	switch (kind) {
	case DNS_F_FIX1: return 1;
	case DNS_F_FIX2: return 2;
	case DNS_F_FIX4: return 4;
	case DNS_F_FIX6: return 6;
	case DNS_F_FIX16: return 16;
	default: return 0;
	}
}

static bool
has_compressible(const uint8_t *f)
{
	for (; f && *f != DNS_F_END; f++)
		if (*f == DNS_F_CNAME)
			return true;
	return false;
}

/*
 * RDATA of a type with compressible names, field by field. RDATA that does
 * not match the type's descriptor is written as it is.
 */
static int
put_rdata(struct dns_builder *b, const uint8_t *f, const uint8_t *rdata, uint16_t rdlen)
{
	size_t start = b->len, p = 0;
	unsigned ncomp = b->ncomp;
	int rc;

	for (; *f != DNS_F_END; f++) {
		if (*f == DNS_F_CNAME || *f == DNS_F_NAME || *f == DNS_F_LNAME) {
			uint8_t name[DNS_NAME_MAXLEN];
			size_t from = p, nlen;
			if (dns_name_unpack(rdata, rdlen, &p, name, &nlen) < 0 || p - from != nlen)
				goto verbatim;
			rc = *f == DNS_F_CNAME ? put_name(b, name) : put_bytes(b, name, nlen);
		} else {
			size_t n = *f == DNS_F_REST ? rdlen - p : fixed_len(*f);
			if (n > rdlen - p)
				goto verbatim;
			rc = put_bytes(b, rdata + p, n);
			p += n;
		}
		if (rc < 0)
			return rc;
	}
	if (p == rdlen)
		return 0;
verbatim:
	b->len = start;
	b->ncomp = ncomp;
	return put_bytes(b, rdata, rdlen);
}

static void
count_rr(struct dns_builder *b, unsigned section)
{
	uint8_t *c = b->buf + ANCOUNT + 2 * section;

	dns_put16(c, (uint16_t)(dns_get16(c) + 1));
}

int
dns_builder_put_rr(struct dns_builder *b, const uint8_t *owner, uint16_t type,
		   uint16_t rclass, uint32_t ttl, const uint8_t *rdata, uint16_t rdlen)
{
	static const uint8_t qname_ptr[2] = { 0xc0, DNS_HDR_LEN };
	size_t len = b->len;
	unsigned ncomp = b->ncomp;
	const uint8_t *fields = dns_rdata_fields(type);
	int rc;

	rc = owner ? put_name(b, owner) : put_bytes(b, qname_ptr, 2);
	if (rc < 0 || b->len + 10 > b->cap)
		goto full;
	uint8_t *rr = b->buf + b->len;
	dns_put16(rr, type);
	dns_put16(rr + 2, rclass);
	dns_put32(rr + 4, ttl);
	b->len += 10;
	rc = has_compressible(fields) ? put_rdata(b, fields, rdata, rdlen)
				      : put_bytes(b, rdata, rdlen);
	if (rc < 0)
		goto full;
	dns_put16(rr + 8, (uint16_t)(b->len - (size_t)(rr + 10 - b->buf)));
	count_rr(b, b->section);
	return 0;
full:
	b->len = len;
	b->ncomp = ncomp;
	return DNS_ESPACE;
}

int
dns_builder_put_opt(struct dns_builder *b, uint16_t udp_size, uint8_t ext_rcode, uint16_t flags)
{
	if (b->len + DNS_OPT_LEN > b->cap)
		return DNS_ESPACE;
	uint8_t *p = b->buf + b->len;
	p[0] = 0;
	dns_put16(p + 1, DNS_T_OPT);
	dns_put16(p + 3, udp_size);
	dns_put32(p + 5, (uint32_t)ext_rcode << 24 | flags);
	dns_put16(p + 9, 0);
	b->len += DNS_OPT_LEN;
	b->section = DNS_SEC_ADDITIONAL;
	count_rr(b, DNS_SEC_ADDITIONAL);
	return 0;
}

void
dns_builder_reserve(struct dns_builder *b, size_t bytes)
{
	b->cap = b->cap > bytes ? b->cap - bytes : 0;
}

void
dns_builder_unreserve(struct dns_builder *b, size_t bytes)
{
	b->cap = b->cap + bytes < DNS_MSG_MAX ? b->cap + bytes : DNS_MSG_MAX;
}

void
dns_builder_truncate(struct dns_builder *b)
{
	b->len = DNS_HDR_LEN;
	if (dns_get16(b->buf + QDCOUNT))
		b->len += dns_name_len(b->buf + DNS_HDR_LEN) + 4;
	memset(b->buf + ANCOUNT, 0, 6);
	b->section = DNS_SEC_ANSWER;
	b->ncomp = question_comp(b);
}

void
dns_builder_mark(const struct dns_builder *b, struct dns_builder_mark *m)
{
	m->len = b->len;
	m->ncomp = b->ncomp;
	memcpy(m->counts, b->buf + ANCOUNT, sizeof(m->counts));
}

void
dns_builder_rollback(struct dns_builder *b, const struct dns_builder_mark *m)
{
	b->len = m->len;
	b->ncomp = m->ncomp;
	memcpy(b->buf + ANCOUNT, m->counts, sizeof(m->counts));
}

int
dns_reply_error(uint8_t *buf, size_t cap, const struct dns_query *q, bool with_question,
		uint8_t rcode)
{
	bool question = with_question && has_question(q);
	size_t len = head_len(q, question);

	if (len > cap)
		return DNS_ESPACE;
	put_head(buf, q, question);
	buf[3] = (uint8_t)((buf[3] & 0xf0) | (rcode & 0x0f));
	return (int)len;
}

int
dns_msg_find_last_rr(const uint8_t *msg, size_t len, uint16_t type, bool anywhere, size_t *pos)
{
	uint8_t name[DNS_NAME_MAXLEN];
	size_t p = DNS_HDR_LEN, nlen;

	*pos = 0;
	if (len < DNS_HDR_LEN)
		return DNS_EMALFORMED;
	for (unsigned i = dns_get16(msg + 4); i > 0; i--) {
		if (dns_name_unpack(msg, len, &p, name, &nlen) < 0 || len - p < 4)
			return DNS_EMALFORMED;
		p += 4;
	}
	unsigned ar_first = (unsigned)dns_get16(msg + 6) + dns_get16(msg + 8);
	unsigned total = ar_first + dns_get16(msg + 10);
	for (unsigned i = 0; i < total; i++) {
		size_t start = p;
		struct dns_msg_rr rr;
		if (dns_msg_read_rr(msg, len, &p, &rr) != 0)
			return DNS_EMALFORMED;
		if (rr.type == type && (anywhere || i >= ar_first)) {
			if (i + 1 != total || i < ar_first)
				return DNS_EMALFORMED;
			*pos = start;
		}
	}
	return p == len ? 0 : DNS_EMALFORMED;
}

int
dns_msg_read_rr(const uint8_t *msg, size_t len, size_t *pos, struct dns_msg_rr *rr)
{
	size_t nlen;
	if (dns_name_unpack(msg, len, pos, rr->owner, &nlen) < 0 || len - *pos < 10)
		return DNS_EMALFORMED;
	const uint8_t *p = msg + *pos;
	rr->type = dns_get16(p);
	rr->rclass = dns_get16(p + 2);
	rr->ttl = dns_get32(p + 4);
	rr->rdlen = dns_get16(p + 8);
	*pos += 10;
	if (len - *pos < rr->rdlen)
		return DNS_EMALFORMED;
	rr->rdata = *pos;
	*pos += rr->rdlen;
	return 0;
}

const char *
dns_rcode_name(unsigned rcode)
{
	static const char *const names[] = {
		"NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN", "NOTIMP", "REFUSED",
		"YXDOMAIN", "YXRRSET", "NXRRSET", "NOTAUTH", "NOTZONE",
	};
	static _Thread_local char other[16];
	if (rcode < sizeof(names) / sizeof(names[0]))
		return names[rcode];
	snprintf(other, sizeof(other), "RCODE%u", rcode);
	return other;
}
