/* SPDX-License-Identifier: BSD-3-Clause */
#include <string.h>
#include <time.h>

#include "dataplane/core/engine.h"
#include "dataplane/core/worker.h"
#include "dns/nsec.h"
#include "dns/rdata.h"
#include "dns/wire.h"
#include "dns/zone.h"
#include "sign/keytable.h"
#include "sign/rrsig.h"
#include "sign/sigcache.h"

#define CHAIN_MAX 16        /* CNAMEs followed in one answer */
#define GLUE_LATER_MAX 32   /* referral glue outside the cut, written after the glue inside */
#define RRSIG_MAX 1024      /* RRSIG RDATA: 18 + signer name (255) + RSA-4096 signature (512) */
/* Synthesized NSEC RDATA with its length prefix: next name and the largest bitmap. */
#define NSEC_MAX (2 + DNS_NAME_MAXLEN + DNS_NSEC_BITMAP_MAXLEN)

/* Signing state of one reply (DO set and the zone has a key table). */
struct signing {
	const struct sign_keytable *kt;
	struct dp_worker *w;
	/*
	 * The zone's slot address identifies it in the cache. An address
	 * reused by a later zone comes with a new key table, whose
	 * sig_generation (fresh unless carried over from a table in the same
	 * slot that signs alike) keeps the old entries unreachable.
	 */
	uint64_t zone_id;
	uint32_t inception, expiration;
	struct dp_sign_budget *budget; /* for a UDP query to a zone with a budget, else NULL */
	uint32_t rate;          /* the zone's sign_rate when budget is set */
	bool udp;               /* the query came over UDP */
	bool failed;            /* a signature could not be made: SERVFAIL */
	bool limited;           /* a signature was over the budget: TC */
	bool used;              /* an RRSIG was written */
};

/* One reply being built. */
struct reply {
	struct dns_builder b;
	const struct dns_query *q;
	const struct dns_zone *zone;
	const struct sign_keytable *kt; /* the zone's key table, or NULL */
	struct signing *sg;     /* non-NULL when the reply is signed */
	unsigned nwild;         /* names answered from wildcards, to prove absent */
	struct dns_nsec_span wild[CHAIN_MAX];
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
 * Take one signature from the worker's budget for the zone, after adding
 * what the time since the last refill earned. The monotonic clock: a step
 * of the real-time clock must neither stall nor flood the bucket.
 */
static bool
budget_take(struct signing *sg)
{
	struct dp_sign_budget *b = sg->budget;
	const uint64_t cap = 1000ull * sg->rate;
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
	uint64_t now = (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
	if (now > b->last_ms) {
		uint64_t earned = (now - b->last_ms) * sg->rate;
		b->credit = earned >= cap - b->credit ? cap : b->credit + earned;
		b->last_ms = now;
	}
	if (b->credit < 1000)
		return false;
	b->credit -= 1000;
	return true;
}

/*
 * RRSIGs over rr by each active zone-signing key, written with the reply
 * owner `owner` (NULL: the query name) and TTL ttl. rr->owner is the
 * lowercased name signed (the wildcard itself for an expansion). The cache
 * is tried first; a miss signs with this worker's context and fills the
 * cache. Returns 0, -1 when the reply is full; a signing failure, or a
 * table without contexts for this worker, sets sg->failed; a signature
 * over the zone's signing budget sets sg->limited.
 */
static int
put_sigs(struct reply *r, const uint8_t *owner, const struct sign_rrset_ref *rr, uint32_t ttl)
{
	struct signing *sg = r->sg;
	const struct sign_keytable *kt = sg->kt;
	struct sign_cache_key key = {
		.zone = sg->zone_id,
		.generation = kt->sig_generation,
		.content_hash = sign_cache_content_hash(rr->ttl, rr->rdata, rr->rdlen),
		.inception = sg->inception,
		.type = rr->type,
		.owner_len = (uint8_t)rr->owner_len,
		.owner = rr->owner,
	};
	uint8_t made[RRSIG_MAX];

	if (sg->failed || sg->limited)
		return 0; /* the reply is dropped for SERVFAIL or TC anyway */
	if (sg->w->id >= kt->nworkers) {
		sg->failed = true;
		return 0;
	}
	for (unsigned k = 0; k < kt->nzsk; k++) {
		const uint8_t *sig;
		size_t len;

		key.key_tag = sign_key_tag(kt->zsk[k]);
		key.alg = sign_key_alg(kt->zsk[k]);
		if (sign_cache_lookup(sg->w->sigcache, &key, &sig, &len)) {
			dp_count(sg->w, DP_CNT_SIG_HIT, 1);
		} else {
			if (sg->budget && !budget_take(sg)) {
				sg->limited = true;
				return 0;
			}
			int n = sign_rrsig(kt->signers[sg->w->id * kt->nzsk + k], rr, sg->inception,
					   sg->expiration, sg->w->sign_scratch, DP_SIGN_SCRATCH, made,
					   sizeof(made));
			if (n < 0) {
				sg->failed = true;
				return 0;
			}
			dp_count(sg->w, DP_CNT_SIG_MISS, 1);
			sign_cache_insert(sg->w->sigcache, &key, made, (size_t)n);
			sig = made;
			len = (size_t)n;
		}
		if (dns_builder_put_rr(&r->b, owner, DNS_T_RRSIG, DNS_C_IN, ttl, sig,
				       (uint16_t)len) < 0)
			return -1;
		sg->used = true;
	}
	return 0;
}

/* put_rrset plus its RRSIGs when the reply is signed; sowner: the lowercased name signed. */
static int
put_rrset_signed(struct reply *r, const uint8_t *owner, const uint8_t *sowner,
		 const struct dns_rrset *rs)
{
	if (put_rrset(r, owner, rs) < 0)
		return -1;
	if (!r->sg)
		return 0;
	struct sign_rrset_ref ref = sign_rrset_ref_of(sowner, dns_name_len(sowner), rs);
	return put_sigs(r, owner, &ref, rs->ttl);
}

/* Additional-section RRset: all of it or none of it. */
static bool
put_rrset_whole(struct reply *r, const uint8_t *owner, const struct dns_rrset *rs)
{
	struct dns_builder_mark m;

	dns_builder_mark(&r->b, &m);
	if (put_rrset(r, owner, rs) == 0)
		return true;
	dns_builder_rollback(&r->b, &m);
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

/*
 * NSEC RDATA (after a 2-octet length at out - 2 that put_nsec fills) for a
 * name with the types of node n (NULL: none) plus RRSIG and NSEC; at the
 * apex of a signed zone the key table's DNSKEY, CDS and CDNSKEY too.
 */
static int
nsec_rdata(struct reply *r, uint8_t *out, size_t cap, const uint8_t *next,
	   const struct dns_node *n)
{
	uint16_t extra[5] = { DNS_T_RRSIG, DNS_T_NSEC };
	size_t ne = 2;

	if (n && (n->flags & DNS_NODE_APEX)) {
		extra[ne++] = DNS_T_DNSKEY;
		if (r->kt->cds.count)
			extra[ne++] = DNS_T_CDS;
		if (r->kt->cdnskey.count)
			extra[ne++] = DNS_T_CDNSKEY;
	}
	return dns_nsec_rdata(out, cap, next, n, extra, ne);
}

/*
 * RDATA (after 2 free octets in buf) of the NSEC owned by name itself: the
 * types of node (exact, or the wildcard that answers for name), or, for a
 * name that does not exist, the compact NXNAME form (RFC 9824 3.2).
 */
static int
nsec_at_name(struct reply *r, const struct dns_name *name, const struct dns_node *node,
	     uint8_t *buf, size_t cap)
{
	unsigned al = dns_zone_apex(r->zone)->labels;
	uint8_t next[DNS_NAME_MAXLEN];

	if (!node)
		return dns_nsec_compact(buf + 2, cap - 2, DNS_NSEC_NXNAME, name->lwire, al, NULL);
	dns_nsec_succ(name->lwire, al, next);
	return nsec_rdata(r, buf + 2, cap - 2, next, node);
}

/*
 * A synthesized NSEC RR and its RRSIGs. buf holds the RDATA of len octets
 * after 2 free octets (len < 0: it could not be built). owner: reply owner
 * (NULL: the query name); sowner: the same name lowercased. TTL: the key
 * table's negative TTL. Returns 0 or -1 when the reply is full.
 */
static int
put_nsec(struct reply *r, const uint8_t *owner, const uint8_t *sowner, uint8_t *buf, int len)
{
	uint32_t ttl = r->kt->neg_ttl;

	if (len < 0) {
		r->sg->failed = true;
		return 0;
	}
	dns_put16(buf, (uint16_t)len);
	if (dns_builder_put_rr(&r->b, owner, DNS_T_NSEC, DNS_C_IN, ttl, buf + 2, (uint16_t)len) < 0)
		return -1;
	struct sign_rrset_ref ref = { sowner, dns_name_len(sowner), DNS_T_NSEC, 1, ttl,
				      (uint32_t)len + 2, buf };
	return put_sigs(r, owner, &ref, ttl);
}

/*
 * A minimally covering NSEC (RFC 4470) for a span. Its owner may exist in
 * contrived zones: then the bitmap tells that node's types.
 */
static int
put_cover(struct reply *r, const struct dns_nsec_span *sp)
{
	uint8_t buf[NSEC_MAX];
	struct dns_name on;
	struct dns_lookup lk;
	const struct dns_node *n = NULL;

	if (dns_name_set(&on, sp->owner) == 0 && dns_zone_lookup(r->zone, &on, &lk) == 0)
		n = lk.node;
	return put_nsec(r, sp->owner, sp->owner, buf,
			nsec_rdata(r, buf + 2, sizeof(buf) - 2, sp->next, n));
}

/*
 * Next closer name of name under its closest encloser enc (RFC 5155 1.3):
 * the ancestor of name one label below enc, lowercased.
 */
static const uint8_t *
next_closer(const struct dns_name *name, const struct dns_node *enc)
{
	return name->lwire + name->lofs[name->labels - enc->labels - 1];
}

/*
 * A signed answer from a wildcard (lk has no exact node) must prove that
 * the name itself does not exist: note the span covering its next closer
 * name (RFC 4035 3.1.3.3; the same span in both denial modes).
 */
static void
wild_proof(struct reply *r, const struct dns_name *name, const struct dns_lookup *lk)
{
	if (r->sg && !lk->node)
		dns_nsec_cover(next_closer(name, lk->encloser), dns_zone_apex(r->zone)->labels,
			       &r->wild[r->nwild++]);
}

/* The proofs that the names answered from wildcards do not exist (RFC 4035 3.1.3.3). */
static int
put_wild_proofs(struct reply *r)
{
	dns_builder_section(&r->b, DNS_SEC_AUTHORITY);
	for (unsigned i = 0; i < r->nwild; i++)
		if (put_cover(r, &r->wild[i]) < 0)
			return -1;
	return 0;
}

/*
 * Delegation (RFC 1034 4.3.2 step 3b): NS of the cut in authority, glue in
 * additional. Signed, the NS RRset stays unsigned (the child is
 * authoritative for it) and the DS RRset with its RRSIGs follows, or, at an
 * insecure delegation, the NSEC proving there is no DS (RFC 4035 3.1.4,
 * RFC 9824 3.4).
 */
static void
put_referral(struct reply *r, const struct dns_node *cut, const uint8_t *owner)
{
	const struct dns_rrset *ns = dns_node_rrset(cut, DNS_T_NS);

	dns_builder_section(&r->b, DNS_SEC_AUTHORITY);
	if (put_rrset(r, owner, ns) < 0) {
		truncate_reply(r);
		return;
	}
	if (r->sg) {
		const struct dns_rrset *ds = dns_node_rrset(cut, DNS_T_DS);
		uint8_t buf[NSEC_MAX];
		int rc;

		if (ds) {
			rc = put_rrset_signed(r, owner, cut->name, ds);
		} else {
			unsigned al = dns_zone_apex(r->zone)->labels;
			rc = put_nsec(r, owner, cut->name, buf,
				      dns_nsec_compact(buf + 2, sizeof(buf) - 2, DNS_NSEC_DELEG,
						       cut->name, al, cut));
		}
		if (rc < 0 || put_wild_proofs(r) < 0) {
			truncate_reply(r);
			return;
		}
	}
	r->referral = true;
	put_additional(r, ns, cut);
}

/*
 * NSEC denial for a negative answer about name (reply owner `owner`). node:
 * the node answered from (exact, wildcard or a cut asked for DS), NULL for
 * a name that does not exist (enc: its closest encloser). Compact answers
 * (RFC 9824 3.1-3.4) use one NSEC owned by the name; RFC 4470 proves a
 * missing name with the spans covering the next closer name and the
 * wildcard. Returns 0 or -1 when the reply is full.
 */
static int
put_denial(struct reply *r, const struct dns_name *name, const uint8_t *owner,
	   const struct dns_node *node, const struct dns_node *enc)
{
	unsigned al = dns_zone_apex(r->zone)->labels;
	uint8_t buf[NSEC_MAX];
	struct dns_nsec_span sp, wsp;
	int len;

	if (node && (node->flags & DNS_NODE_DELEG)) {
		len = dns_nsec_compact(buf + 2, sizeof(buf) - 2, DNS_NSEC_DELEG, name->lwire, al, node);
	} else if (node || r->kt->denial == SIGN_DENIAL_COMPACT) {
		len = nsec_at_name(r, name, node, buf, sizeof(buf));
	} else {
		dns_nsec_cover(next_closer(name, enc), al, &sp);
		if (put_cover(r, &sp) < 0)
			return -1;
		if (dns_nsec_cover_wildcard(enc->name, al, &wsp) < 0 ||
		    (wsp.owner_len == sp.owner_len && memcmp(wsp.owner, sp.owner, sp.owner_len) == 0))
			return 0;
		return put_cover(r, &wsp);
	}
	return put_nsec(r, owner, name->lwire, buf, len);
}

/*
 * NXDOMAIN or NODATA: the SOA with the negative TTL (RFC 2308 3, RFC 9077 3),
 * and when signed its RRSIGs and the denial (put_denial's arguments). A
 * compact answer turns NXDOMAIN into NOERROR (RFC 9824 3.1).
 */
static void
put_negative(struct reply *r, uint8_t rcode, const struct dns_name *name, const uint8_t *owner,
	     const struct dns_node *node, const struct dns_node *enc)
{
	const struct dns_node *apex = dns_zone_apex(r->zone);
	const struct dns_rrset *soa = dns_node_rrset(apex, DNS_T_SOA);
	uint16_t len = dns_get16(soa->rdata);
	const uint8_t *rd = soa->rdata + 2;
	uint32_t ttl = dns_get32(rd + len - 4); /* MINIMUM */
	/* The query name is at or below the apex: equal lengths mean equal names. */
	const uint8_t *soa_owner = apex->name_len == r->q->qname.len ? NULL : apex->name;

	if (r->sg && r->kt->denial == SIGN_DENIAL_COMPACT)
		rcode = DNS_R_NOERROR;
	r->rcode = rcode;
	dns_builder_set_rcode(&r->b, rcode);
	if (soa->ttl < ttl)
		ttl = soa->ttl;
	dns_builder_section(&r->b, DNS_SEC_AUTHORITY);
	if (dns_builder_put_rr(&r->b, soa_owner, DNS_T_SOA, DNS_C_IN, ttl, rd, len) < 0) {
		truncate_reply(r);
		return;
	}
	if (r->sg) {
		struct sign_rrset_ref ref = sign_rrset_ref_of(apex->name, apex->name_len, soa);
		if (put_sigs(r, soa_owner, &ref, ttl) < 0 || put_wild_proofs(r) < 0 ||
		    put_denial(r, name, owner, node, enc) < 0) {
			truncate_reply(r);
			return;
		}
	}
	r->nodata = rcode == DNS_R_NOERROR && dns_get16(r->b.buf + 6) == 0;
}

/*
 * A signed zone's NSEC records exist only as synthesized: a query for type
 * NSEC gets the one owned by name (node: its node or the wildcard that
 * covers it, as in a wildcard NODATA; NULL for a name that does not exist,
 * which compact answers give NXNAME) in the answer section, signed, so the
 * answer agrees with the bitmap the denials carry.
 */
static void
put_nsec_answer(struct reply *r, const struct dns_name *name, const uint8_t *owner,
		const struct dns_node *node)
{
	uint8_t buf[NSEC_MAX];

	if (put_nsec(r, owner, name->lwire, buf, nsec_at_name(r, name, node, buf, sizeof(buf))) < 0)
		truncate_reply(r);
}

/*
 * The apex RRsets a signed zone serves from its key table (DNSKEY, CDS,
 * CDNSKEY) and their prebuilt RRSIGs. Returns false for other types; else
 * sets *rs to NULL when the table does not publish the RRset.
 */
static bool
table_rrset(const struct sign_keytable *kt, uint16_t type, const struct dns_rrset **rs,
	    const struct dns_rrset **sig)
{
	switch (type) {
	case DNS_T_DNSKEY: *rs = &kt->dnskey; *sig = &kt->dnskey_sig; break;
	case DNS_T_CDS: *rs = &kt->cds; *sig = &kt->cds_sig; break;
	case DNS_T_CDNSKEY: *rs = &kt->cdnskey; *sig = &kt->cdnskey_sig; break;
	default: return false;
	}
	if (!(*rs)->count)
		*rs = NULL;
	return true;
}

/*
 * A signed zone's RRSIGs are made per answer: a query for type RRSIG gets
 * the RRSIGs over every RRset of the node (the key table's at the apex), so
 * the answer agrees with the bitmaps, which name RRSIG at every name.
 */
static void
put_rrsig_answer(struct reply *r, const uint8_t *owner, const struct dns_node *n)
{
	const struct dns_rrset *rs, *sig;

	for (unsigned i = 0; i < n->rrset_count; i++) {
		const struct dns_rrset *zrs = &n->rrsets[i];
		if (zrs->type == DNS_T_RRSIG || zrs->type == DNS_T_NSEC ||
		    ((n->flags & DNS_NODE_APEX) && table_rrset(r->kt, zrs->type, &rs, &sig)))
			continue;
		struct sign_rrset_ref ref = sign_rrset_ref_of(n->name, n->name_len, zrs);
		if (put_sigs(r, owner, &ref, zrs->ttl) < 0) {
			truncate_reply(r);
			return;
		}
	}
	if (!(n->flags & DNS_NODE_APEX))
		return;
	static const uint16_t types[] = { DNS_T_DNSKEY, DNS_T_CDS, DNS_T_CDNSKEY };
	for (unsigned i = 0; i < sizeof(types) / sizeof(types[0]); i++)
		if (table_rrset(r->kt, types[i], &rs, &sig) && rs && put_rrset(r, owner, sig) < 0) {
			truncate_reply(r);
			return;
		}
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
 * stops at a CNAME RR already in the answer, i.e. a loop. Signed, every
 * answer RRset gets RRSIGs (a wildcard's made over the wildcard name) and
 * the authority section the proofs (RFC 4035 3.1.3).
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
		const struct dns_rrset *rs, *sig;
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
		n = lk.node ? lk.node : lk.encloser->wildcard;
		if (r->sg && q->qtype == DNS_T_NSEC && (n || r->kt->denial == SIGN_DENIAL_COMPACT)) {
			dns_builder_set_flags(&r->b, DNS_AA);
			put_nsec_answer(r, name, owner, n);
			return;
		}
		if (!n) {
			dns_builder_set_flags(&r->b, DNS_AA);
			put_negative(r, DNS_R_NXDOMAIN, name, owner, NULL, lk.encloser);
			return;
		}
		if (r->sg && q->qtype == DNS_T_RRSIG) {
			dns_builder_set_flags(&r->b, DNS_AA);
			put_rrsig_answer(r, owner, n);
			return;
		}
		dns_builder_set_flags(&r->b, DNS_AA);
		if (r->kt && (n->flags & DNS_NODE_APEX) && table_rrset(r->kt, q->qtype, &rs, &sig)) {
			if (!rs) {
				put_negative(r, DNS_R_NOERROR, name, owner, n, NULL);
			} else if (put_rrset(r, owner, rs) < 0 ||
				   (r->sg && put_rrset(r, owner, sig) < 0)) {
				truncate_reply(r);
			} else if (r->sg) {
				r->sg->used = true;
			}
			return;
		}
		rs = q->qtype == DNS_T_ANY ? any_rrset(n) : dns_node_rrset(n, q->qtype);
		if (rs) {
			wild_proof(r, name, &lk);
			if (put_rrset_signed(r, owner, n->name, rs) < 0 ||
			    (r->sg && put_wild_proofs(r) < 0)) {
				truncate_reply(r);
				return;
			}
			put_additional(r, rs, NULL);
			return;
		}
		if (q->qtype == DNS_T_CNAME || !(rs = dns_node_rrset(n, DNS_T_CNAME))) {
			put_negative(r, DNS_R_NOERROR, name, owner, n, NULL);
			return;
		}
		const uint8_t *cur = owner ? owner : q->qname.wire;
		for (unsigned i = 0; i < step; i++)
			if (seen[i] == n && dns_name_equal(seen_name[i], cur))
				return;
		seen[step] = n;
		seen_name[step] = cur;
		wild_proof(r, name, &lk);
		if (put_rrset_signed(r, owner, n->name, rs) < 0) {
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

/*
 * The key table of the zone at index idx of the view's zone set, or NULL.
 * The acquire load pairs with the control thread's release store of the
 * table, so its contents are visible; the caller's epoch section keeps it
 * allocated until the burst ends.
 */
static const struct sign_keytable *
zone_keys(const struct dp_view *view, size_t idx)
{
	const struct dp_zone_slot *slot = view->slots ? view->slots[idx] : NULL;

	return slot ? atomic_load_explicit(&slot->keys, memory_order_acquire) : NULL;
}

/*
 * Zone selection (longest match) and the answer from it, signed when the
 * query has DO and the zone a key table (RFC 4035 3.1).
 */
static void
answer(struct reply *r, const struct dp_view *view, struct signing *sg, bool dnssec)
{
	const struct dns_query *q = r->q;
	size_t idx;
	const struct dns_zone *z = dns_zoneset_find(view->zones, &q->qname, &idx);

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
		size_t pidx;
		if (dns_name_set(&parent, q->qname.wire + 1 + q->qname.wire[0]) == 0 &&
		    (pz = dns_zoneset_find(view->zones, &parent, &pidx))) {
			z = pz;
			idx = pidx;
		}
	}
	r->zone = z;
	r->kt = zone_keys(view, idx);
	if (r->kt && dnssec) {
		struct timespec ts;
		/* Coarse clock: read from the vDSO without a system call. */
		clock_gettime(CLOCK_REALTIME_COARSE, &ts);
		sign_validity_window(&r->kt->validity, (uint32_t)ts.tv_sec, &sg->inception,
				     &sg->expiration);
		struct dp_zone_slot *slot = view->slots[idx];
		sg->kt = r->kt;
		sg->zone_id = (uint64_t)(uintptr_t)slot;
		if (sg->udp && slot->sign_rate && sg->w->id < slot->nbudget) {
			sg->budget = &slot->budget[sg->w->id];
			sg->rate = slot->sign_rate;
		}
		r->sg = sg;
	}
	resolve(r);
	if (r->sg && r->sg->failed) {
		dns_builder_truncate(&r->b);
		r->rcode = DNS_R_SERVFAIL;
		dns_builder_set_rcode(&r->b, DNS_R_SERVFAIL);
		r->nodata = r->referral = r->sg->used = false;
	} else if (r->sg && r->sg->limited) {
		/* The resolver retries over TCP, where answers are not budgeted. */
		truncate_reply(r);
		r->rcode = DNS_R_NOERROR;
		dns_builder_set_rcode(&r->b, DNS_R_NOERROR);
		r->sg->used = false;
		dp_count(r->sg->w, DP_CNT_SIGN_LIMITED, 1);
	}
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
	struct signing sg = { .w = w, .udp = !(flags & DP_Q_TCP) };
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
	r.kt = NULL;
	r.sg = NULL;
	r.nwild = 0;
	if (qry.qdcount != 1)
		qry.qdcount = 0; /* no single question to echo */
	if (dns_builder_init(&r.b, out, reply_limit(view, &qry, cap, flags), &qry) < 0)
		goto drop;
	if (opt)
		dns_builder_reserve(&r.b, DNS_OPT_LEN);
	if (r.rcode == DNS_R_NOERROR)
		answer(&r, view, &sg, opt && (qry.edns_flags & DNS_EDNS_DO));
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
	if (sg.used)
		dp_count(w, DP_CNT_SIGNED, 1);
	*outlen = r.b.len;
	return DP_SEND;
drop:
	dp_count(w, DP_CNT_DROPPED, 1);
	return DP_DROP;
}
