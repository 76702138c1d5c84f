/* SPDX-License-Identifier: BSD-3-Clause */
#include <string.h>

#include "dataplane/core/engine.h"
#include "dataplane/core/worker.h"
#include "dns/rdata.h"
#include "dns/wire.h"
#include "dns/zone.h"

#define CHAIN_MAX 16        /* CNAMEs followed in one answer */
#define GLUE_LATER_MAX 32   /* referral glue outside the cut, written after the glue inside */

/* One reply being built. */
struct reply {
	struct dns_builder b;
	const struct dns_query *q;
	const struct dns_zone *zone;
	uint8_t rcode;          /* extended rcode: above 15 (BADVERS) it needs OPT */
	bool nodata;            /* NOERROR, empty answer, SOA written */
	bool referral;          /* a delegation's NS RRset written */
};

/*
 * Checks that need no zone data, in order. Returns the rcode that ends the
 * query, or DNS_R_NOERROR to go on and look the name up.
 */
static uint8_t
reject_rcode(const struct dns_query *q)
{
	if (DNS_OPCODE(q->flags) != DNS_OP_QUERY)
		return DNS_R_NOTIMP;
	if (q->qdcount != 1 || q->edns_bad)
		return DNS_R_FORMERR;
	if (q->edns && q->edns_version > 0)
		return DNS_R_BADVERS;
	if (q->qclass != DNS_C_IN)
		return DNS_R_REFUSED;
	/* Record types that exist only inside messages, never in a question. */
	if (q->qtype == DNS_T_OPT || q->qtype == DNS_T_TSIG || q->qtype == DNS_T_TKEY)
		return DNS_R_FORMERR;
	/*
	 * Zone transfers: the engine never answers them; they belong to the
	 * control thread. This is the one place that decides it.
	 */
	if (q->qtype == DNS_T_AXFR || q->qtype == DNS_T_IXFR)
		return DNS_R_NOTIMP;
	return DNS_R_NOERROR;
}

/* Reply size limit: RFC 1035 4.2.1 without EDNS, RFC 6891 6.2.5 with it. */
static size_t
reply_limit(const struct dp_view *view, const struct dns_query *q, size_t cap, unsigned flags)
{
	size_t lim = DNS_UDP_MIN;

	if (flags & DP_Q_TCP)
		return cap;
	if (q->edns) {
		size_t want = q->edns_udp < view->udp_max ? q->edns_udp : view->udp_max;
		if (want > lim)
			lim = want;
	}
	return lim < cap ? lim : cap;
}

/* The answer or authority section does not fit: keep only the question (RFC 2181 9). */
static void
truncate_reply(struct reply *r)
{
	dns_builder_truncate(&r->b);
	dns_builder_set_flags(&r->b, DNS_TC);
	r->nodata = r->referral = false;
}

static int
put_rrset(struct reply *r, const uint8_t *owner, const struct dns_rrset *rs)
{
	uint32_t pos = 0;
	uint16_t len;
	const uint8_t *rd;

	while ((rd = dns_rrset_next(rs, &pos, &len)))
		if (dns_builder_put_rr(&r->b, owner, rs->type, DNS_C_IN, rs->ttl, rd, len) < 0)
			return -1;
	return 0;
}

/*
 * Additional-section RRset: all of it or none of it. The builder keeps
 * the section counts in the header, so a partial RRset is undone by
 * restoring its length, compression table size and counts.
 */
static bool
put_rrset_whole(struct reply *r, const uint8_t *owner, const struct dns_rrset *rs)
{
	size_t len = r->b.len;
	unsigned ncomp = r->b.ncomp;
	uint8_t counts[6];

	memcpy(counts, r->b.buf + 6, sizeof(counts));
	if (put_rrset(r, owner, rs) == 0)
		return true;
	r->b.len = len;
	r->b.ncomp = ncomp;
	memcpy(r->b.buf + 6, counts, sizeof(counts));
	return false;
}

/* A and AAAA of n with the given owner; TC when they are required and do not fit. */
static void
put_addresses(struct reply *r, const struct dns_node *n, const uint8_t *owner, bool required)
{
	static const uint16_t types[] = { DNS_T_A, DNS_T_AAAA };

	for (unsigned i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		const struct dns_rrset *rs = dns_node_rrset(n, types[i]);
		if (rs && !put_rrset_whole(r, owner, rs) && required)
			dns_builder_set_flags(&r->b, DNS_TC);
	}
}

/*
 * The node holding the addresses of target in this zone: the exact node
 * (glue below a cut included), else a wildcard that covers it outside any
 * cut. *cut is set to the cut above target, if any.
 */
static const struct dns_node *
target_node(const struct dns_zone *z, const uint8_t *target, const struct dns_node **cut)
{
	struct dns_name name;
	struct dns_lookup lk;

	if (dns_name_set(&name, target) < 0 || dns_zone_lookup(z, &name, &lk) < 0)
		return NULL;
	*cut = lk.cut;
	if (lk.node)
		return lk.node;
	return lk.cut ? NULL : lk.encloser->wildcard;
}

/* Offset of the target name in RDATA of a type whose targets get addresses, else -1. */
static int
target_offset(uint16_t type)
{
	switch (type) {
	case DNS_T_NS: return 0;
	case DNS_T_MX: return 2;
	case DNS_T_SRV: return 6;
	default: return -1;
	}
}

/* Is the target of the RR at rd also the target of an earlier RR of rs? */
static bool
target_repeated(const struct dns_rrset *rs, const uint8_t *rd, unsigned skip)
{
	uint32_t pos = 0;
	uint16_t len;
	const uint8_t *p;

	while ((p = dns_rrset_next(rs, &pos, &len)) && p < rd)
		if (dns_name_equal(p + skip, rd + skip))
			return true;
	return false;
}

/*
 * Additional section: addresses of the targets of rs that this zone holds.
 * For a referral (cut != NULL) the glue of name servers at or below the cut
 * is required (RFC 9471) and goes first; the other addresses follow when
 * they fit.
 */
static void
put_additional(struct reply *r, const struct dns_rrset *rs, const struct dns_node *cut)
{
	struct { const struct dns_node *node; const uint8_t *owner; } later[GLUE_LATER_MAX];
	unsigned nlater = 0;
	int skip = target_offset(rs->type);
	uint32_t pos = 0;
	uint16_t len;
	const uint8_t *rd;

	if (skip < 0)
		return;
	dns_builder_section(&r->b, DNS_SEC_ADDITIONAL);
	while ((rd = dns_rrset_next(rs, &pos, &len))) {
		const struct dns_node *n, *tcut = NULL;
		const uint8_t *target = rd + skip;

		/* NS RDATA is deduplicated by the zone; MX and SRV can repeat a target. */
		if (len <= skip || (skip > 0 && target_repeated(rs, rd, (unsigned)skip)))
			continue;
		if (!(n = target_node(r->zone, target, &tcut)))
			continue;
		if (!cut || tcut == cut) {
			put_addresses(r, n, target, cut != NULL);
		} else if (nlater < GLUE_LATER_MAX) {
			later[nlater].node = n;
			later[nlater++].owner = target;
		}
	}
	for (unsigned i = 0; i < nlater; i++)
		put_addresses(r, later[i].node, later[i].owner, false);
}

/* Delegation (RFC 1034 4.3.2 step 3b): NS of the cut in authority, glue in additional. */
static void
put_referral(struct reply *r, const struct dns_node *cut, const uint8_t *owner)
{
	const struct dns_rrset *ns = dns_node_rrset(cut, DNS_T_NS);

	dns_builder_section(&r->b, DNS_SEC_AUTHORITY);
	if (put_rrset(r, owner, ns) < 0) {
		truncate_reply(r);
		return;
	}
	r->referral = true;
	put_additional(r, ns, cut);
}

/* NXDOMAIN or NODATA: the SOA with the negative TTL (RFC 2308 3, RFC 9077 3). */
static void
put_negative(struct reply *r, uint8_t rcode)
{
	const struct dns_node *apex = dns_zone_apex(r->zone);
	const struct dns_rrset *soa = dns_node_rrset(apex, DNS_T_SOA);
	uint16_t len = dns_get16(soa->rdata);
	const uint8_t *rd = soa->rdata + 2;
	uint32_t ttl = dns_get32(rd + len - 4); /* MINIMUM */

	r->rcode = rcode;
	dns_builder_set_rcode(&r->b, rcode);
	if (soa->ttl < ttl)
		ttl = soa->ttl;
	dns_builder_section(&r->b, DNS_SEC_AUTHORITY);
	/* The query name is at or below the apex: equal lengths mean equal names. */
	if (dns_builder_put_rr(&r->b, apex->name_len == r->q->qname.len ? NULL : apex->name,
			       DNS_T_SOA, DNS_C_IN, ttl, rd, len) < 0) {
		truncate_reply(r);
		return;
	}
	r->nodata = rcode == DNS_R_NOERROR && dns_get16(r->b.buf + 6) == 0;
}

static void
put_answer(struct reply *r, const uint8_t *owner, const struct dns_rrset *rs)
{
	if (put_rrset(r, owner, rs) < 0) {
		truncate_reply(r);
		return;
	}
	put_additional(r, rs, NULL);
}

/*
 * RFC 8482 4.2: answer ANY with one RRset, the node's first by type (an
 * RRSIG RRset alone would be meaningless).
 */
static const struct dns_rrset *
any_rrset(const struct dns_node *n)
{
	for (unsigned i = 0; i < n->rrset_count; i++)
		if (n->rrsets[i].type != DNS_T_RRSIG)
			return &n->rrsets[i];
	return NULL;
}

/*
 * RFC 1034 4.3.2 steps 3a-3c inside one zone, following CNAMEs that stay in
 * it (the final rcode is that of the last name, RFC 6604 2.1). A chain
 * stops at a CNAME RR already in the answer, i.e. a loop.
 */
static void
resolve(struct reply *r)
{
	const struct dns_query *q = r->q;
	const struct dns_name *name = &q->qname;
	const uint8_t *owner = NULL;    /* owner of the answer RRs; NULL is the query name */
	const struct dns_node *seen[CHAIN_MAX];
	const uint8_t *seen_name[CHAIN_MAX];
	struct dns_name target;

	for (unsigned step = 0;; step++) {
		const struct dns_rrset *rs;
		const struct dns_node *n;
		struct dns_lookup lk;

		if (dns_zone_lookup(r->zone, name, &lk) < 0)
			return; /* a CNAME target outside the zone: the client follows it */
		if (lk.cut && !(lk.node == lk.cut && q->qtype == DNS_T_DS)) {
			/* At step 0 the cut is at or above the query name. */
			bool is_qname = step == 0 && lk.cut->name_len == q->qname.len;
			put_referral(r, lk.cut, is_qname ? NULL : lk.cut->name);
			return;
		}
		if (!(n = lk.node) && !(n = lk.encloser->wildcard)) {
			dns_builder_set_flags(&r->b, DNS_AA);
			put_negative(r, DNS_R_NXDOMAIN);
			return;
		}
		dns_builder_set_flags(&r->b, DNS_AA);
		rs = q->qtype == DNS_T_ANY ? any_rrset(n) : dns_node_rrset(n, q->qtype);
		if (rs) {
			put_answer(r, owner, rs);
			return;
		}
		if (q->qtype == DNS_T_CNAME || !(rs = dns_node_rrset(n, DNS_T_CNAME))) {
			put_negative(r, DNS_R_NOERROR);
			return;
		}
		const uint8_t *cur = owner ? owner : q->qname.wire;
		for (unsigned i = 0; i < step; i++)
			if (seen[i] == n && dns_name_equal(seen_name[i], cur))
				return;
		seen[step] = n;
		seen_name[step] = cur;
		if (put_rrset(r, owner, rs) < 0) {
			truncate_reply(r);
			return;
		}
		/* A CNAME RRset holds one RR: its RDATA, after the length, is the target. */
		owner = rs->rdata + 2;
		if (step + 1 == CHAIN_MAX || dns_name_set(&target, owner) < 0)
			return;
		name = &target;
	}
}

/* Zone selection (longest match) and the answer from it. */
static void
answer(struct reply *r, const struct dp_view *view)
{
	const struct dns_query *q = r->q;
	const struct dns_zone *z = dns_zoneset_find(view->zones, &q->qname);

	if (!z) {
		r->rcode = DNS_R_REFUSED;
		dns_builder_set_rcode(&r->b, DNS_R_REFUSED);
		return;
	}
	/*
	 * DS lives on the parent side of a cut (RFC 4035 3.1.4.1): at a zone
	 * apex, answer from the parent zone when it is served here.
	 */
	if (q->qtype == DNS_T_DS && q->qname.labels > 0 &&
	    dns_zone_apex(z)->name_len == q->qname.len) {
		struct dns_name parent;
		const struct dns_zone *pz;
		if (dns_name_set(&parent, q->qname.wire + 1 + q->qname.wire[0]) == 0 &&
		    (pz = dns_zoneset_find(view->zones, &parent)))
			z = pz;
	}
	r->zone = z;
	resolve(r);
}

static enum dp_counter
rcode_counter(uint8_t rcode)
{
	switch (rcode) {
	case DNS_R_NOERROR: return DP_CNT_NOERROR;
	case DNS_R_FORMERR: return DP_CNT_FORMERR;
	case DNS_R_SERVFAIL: return DP_CNT_SERVFAIL;
	case DNS_R_NXDOMAIN: return DP_CNT_NXDOMAIN;
	case DNS_R_NOTIMP: return DP_CNT_NOTIMP;
	case DNS_R_BADVERS: return DP_CNT_BADVERS;
	case DNS_R_REFUSED:
	default: return DP_CNT_REFUSED;
	}
}

int
dp_query_answer(const struct dp_view *view, struct dp_worker *w, const uint8_t *q,
		size_t qlen, uint8_t *out, size_t cap, size_t *outlen, unsigned flags)
{
	struct dns_query qry;
	struct reply r;
	int n;

	dp_count(w, flags & DP_Q_TCP ? DP_CNT_TCP : DP_CNT_UDP, 1);
	if (qlen < DNS_HDR_LEN || (q[2] & 0x80))
		goto drop;
	if (dns_query_parse(q, qlen, &qry) < 0) {
		if ((n = dns_reply_error(out, cap, &qry, false, DNS_R_FORMERR)) < 0)
			goto drop;
		dp_count(w, DP_CNT_FORMERR, 1);
		*outlen = (size_t)n;
		return DP_SEND;
	}

	/* RFC 6891 7: a reply to a query with a usable OPT carries OPT. */
	bool opt = qry.edns && !qry.edns_bad;
	if (qry.edns)
		dp_count(w, DP_CNT_EDNS, 1);
	if (opt && (qry.edns_flags & DNS_EDNS_DO))
		dp_count(w, DP_CNT_DO, 1);

	r.q = &qry;
	r.rcode = reject_rcode(&qry);
	r.nodata = r.referral = false;
	if (qry.qdcount != 1)
		qry.qdcount = 0; /* no single question to echo */
	if (dns_builder_init(&r.b, out, reply_limit(view, &qry, cap, flags), &qry) < 0)
		goto drop;
	if (opt)
		dns_builder_reserve(&r.b, DNS_OPT_LEN);
	if (r.rcode == DNS_R_NOERROR)
		answer(&r, view);
	else
		dns_builder_set_rcode(&r.b, r.rcode & 0xf);
	if (opt) {
		dns_builder_unreserve(&r.b, DNS_OPT_LEN);
		dns_builder_put_opt(&r.b, view->udp_max, (uint8_t)(r.rcode >> 4),
				    qry.edns_flags & DNS_EDNS_DO);
	}

	dp_count(w, rcode_counter(r.rcode), 1);
	if (dns_get16(out + 2) & DNS_TC)
		dp_count(w, DP_CNT_TRUNCATED, 1);
	if (r.nodata)
		dp_count(w, DP_CNT_NODATA, 1);
	if (r.referral)
		dp_count(w, DP_CNT_REFERRAL, 1);
	*outlen = r.b.len;
	return DP_SEND;
drop:
	dp_count(w, DP_CNT_DROPPED, 1);
	return DP_DROP;
}
