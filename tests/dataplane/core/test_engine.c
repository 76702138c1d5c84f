/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The query engine against real zone files: zones/example.com.zone,
 * tests/zones/{sub.example.com,example.org,root}.zone and
 * tests/dataplane/core/engine-test.zone (engine.example). Replies are
 * parsed with ldns; raw octets are checked where ldns hides them.
 */
#include <ldns/ldns.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "dataplane/core/engine.h"
#include "dataplane/core/worker.h"
#include "dns/name.h"
#include "dns/rdata.h"
#include "dns/wire.h"
#include "dns/zone.h"
#include "tests/tap.h"

static struct dp_runtime rt;
static struct dp_worker w;

/* Views: every zone but the root; the same with the root; one with a 4096 UDP limit. */
static struct dp_view v_main, v_root, v_big;

/* The last reply. */
static uint8_t reply[DNS_MSG_MAX];
static size_t reply_len;
static unsigned over_limit; /* replies longer than their size limit */

static struct dns_zone *
load(const char *origin, const char *rel)
{
	const char *src = getenv("SIGEDGE_SRCDIR");
	char path[1024], err[512];
	struct dns_zone *z = NULL;

	snprintf(path, sizeof(path), "%s/%s", src ? src : ".", rel);
	if (dns_zone_load(origin, path, &z, err, sizeof(err)) < 0) {
		printf("Bail out! cannot load %s: %s\n", path, err);
		exit(1);
	}
	return z;
}

/* Query options; a zero struct is a plain UDP query with RD set and no EDNS. */
struct qo {
	int edns;               /* 0: no OPT; else the UDP size in OPT */
	uint8_t version;        /* EDNS version */
	bool dnssec_ok;
	uint16_t flags;         /* header flags; 0 means RD */
	uint16_t qclass;        /* 0 means IN */
	uint16_t qdcount;       /* 0 means 1 */
	bool tcp;
	size_t cap;             /* 0 means 65535 for TCP, 4096 for UDP */
};

static const struct qo plain;

static size_t
make_query(uint8_t *q, const char *name, uint16_t type, const struct qo *o)
{
	size_t len = DNS_HDR_LEN;
	int n;

	memset(q, 0, DNS_HDR_LEN);
	dns_put16(q, 0x1234);
	dns_put16(q + 2, o->flags ? o->flags : DNS_RD);
	dns_put16(q + 4, o->qdcount ? o->qdcount : 1);
	dns_put16(q + 10, o->edns ? 1 : 0);
	n = dns_name_from_str(name, q + len, DNS_NAME_MAXLEN);
	if (n < 0) {
		printf("Bail out! bad test name %s\n", name);
		exit(1);
	}
	len += (size_t)n;
	dns_put16(q + len, type);
	dns_put16(q + len + 2, o->qclass ? o->qclass : DNS_C_IN);
	len += 4;
	if (o->edns) {
		q[len] = 0;
		dns_put16(q + len + 1, DNS_T_OPT);
		dns_put16(q + len + 3, (uint16_t)o->edns);
		q[len + 5] = 0;
		q[len + 6] = o->version;
		dns_put16(q + len + 7, o->dnssec_ok ? DNS_EDNS_DO : 0);
		dns_put16(q + len + 9, 0);
		len += 11;
	}
	return len;
}

static size_t
limit_for(const struct dp_view *v, const struct qo *o, size_t cap)
{
	size_t lim = DNS_UDP_MIN;

	if (o->tcp)
		return cap;
	if (o->edns) {
		size_t want = (size_t)o->edns < v->udp_max ? (size_t)o->edns : v->udp_max;
		if (want > lim)
			lim = want;
	}
	return lim < cap ? lim : cap;
}

static int
answer_raw(const struct dp_view *v, const uint8_t *q, size_t qlen, const struct qo *o)
{
	size_t cap = o->cap ? o->cap : o->tcp ? DNS_MSG_MAX : 4096;

	reply_len = 0;
	dp_view_enter(&w);
	int verdict = dp_query_answer(v, &w, q, qlen, reply, cap, &reply_len, o->tcp ? DP_Q_TCP : 0);
	dp_view_leave(&w);
	if (verdict == DP_SEND && reply_len > limit_for(v, o, cap))
		over_limit++;
	return verdict;
}

/* Ask and parse; NULL (with a diagnostic) when there is no parsable reply. */
static ldns_pkt *
ask(const struct dp_view *v, const char *name, uint16_t type, const struct qo *o)
{
	uint8_t q[512];
	size_t qlen = make_query(q, name, type, o);
	ldns_pkt *p = NULL;

	if (answer_raw(v, q, qlen, o) != DP_SEND) {
		diag("no reply to %s/%u", name, type);
		return NULL;
	}
	if (ldns_wire2pkt(&p, reply, reply_len) != LDNS_STATUS_OK) {
		diag("unparsable reply to %s/%u", name, type);
		return NULL;
	}
	return p;
}

/* A section as "owner ttl TYPE rdata | ..." (class IN left out). */
static const char *
sect(const ldns_pkt *p, ldns_pkt_section s)
{
	static char buf[16384];
	ldns_rr_list *l = ldns_pkt_get_section_clone(p, s);
	size_t n = 0;

	buf[0] = 0;
	for (size_t i = 0; l && i < ldns_rr_list_rr_count(l); i++) {
		char *t = ldns_rr2str(ldns_rr_list_rr(l, i));
		const char *in = strstr(t, "\tIN\t");
		if (in)
			memmove(t + (in - t), in + 3, strlen(in + 3) + 1);
		for (char *c = t; *c; c++)
			if (*c == '\t' || *c == '\n')
				*c = ' ';
		size_t tl = strlen(t);
		while (tl && t[tl - 1] == ' ')
			t[--tl] = 0;
		n += (size_t)snprintf(buf + n, sizeof(buf) - n, "%s%s", i ? " | " : "", t);
		free(t);
	}
	ldns_rr_list_deep_free(l);
	return buf;
}

/* Names compress against names of other case, so some texts compare without case. */
#define is_istr(got, want, ...) do { \
	const char *g_ = (got), *w_ = (want); \
	if (!ok(strcasecmp(g_, w_) == 0, __VA_ARGS__)) \
		diag("  got \"%s\", want \"%s\"", g_, w_); \
} while (0)

/* Section counts straight from the reply header. */
static unsigned an(void) { return dns_get16(reply + 6); }
static unsigned ns(void) { return dns_get16(reply + 8); }
static unsigned ar(void) { return dns_get16(reply + 10); }
static uint16_t hflags(void) { return dns_get16(reply + 2); }

/* Offset of the first RR after the question (one question assumed). */
static size_t
first_rr(void)
{
	size_t pos = DNS_HDR_LEN;
	while (reply[pos])
		pos += 1u + reply[pos];
	return pos + 5;
}

static uint64_t snap[DP_CNT__MAX];

static void
count_snap(void)
{
	for (unsigned i = 0; i < DP_CNT__MAX; i++)
		snap[i] = dp_counter_get(&w, (enum dp_counter)i);
}

static uint64_t
delta(enum dp_counter c)
{
	return dp_counter_get(&w, c) - snap[c];
}

/* rcode, AA, TC and the section counts in one check. */
#define is_reply(p, rc, aa, tc, nan, nns, nar, what) do { \
	if (!ok((p) && ldns_pkt_get_rcode(p) == (rc) && !!(hflags() & DNS_AA) == (aa) && \
		!!(hflags() & DNS_TC) == (tc) && an() == (nan) && ns() == (nns) && ar() == (nar), \
		"%s: rcode %d aa %d tc %d counts %d/%d/%d", what, rc, aa, tc, nan, nns, nar) && (p)) \
		diag("  got rcode %d aa %d tc %d counts %u/%u/%u", ldns_pkt_get_rcode(p), \
		     !!(hflags() & DNS_AA), !!(hflags() & DNS_TC), an(), ns(), ar()); \
} while (0)

static void
test_worker(void)
{
	const char *want[DP_CNT__MAX] = {
		"rx", "tx", "dropped", "udp", "tcp", "edns", "do", "truncated", "noerror",
		"formerr", "servfail", "nxdomain", "notimp", "refused", "badvers", "nodata",
		"referral", "tcp-conn", "signed", "sigcache-hit", "sigcache-miss", "sign-limited",
	};
	_Static_assert(sizeof(want) / sizeof(want[0]) == DP_CNT__MAX, "a name for every counter");
	bool all = true, zero = true;

	for (unsigned i = 0; i < DP_CNT__MAX; i++) {
		const char *n = dp_counter_name((enum dp_counter)i);
		all = all && n && strcmp(n, want[i]) == 0;
		zero = zero && dp_counter_get(&w, (enum dp_counter)i) == 0;
	}
	ok(all, "dp_counter_name gives the lowercase name of every counter");
	ok(dp_counter_name(DP_CNT__MAX) == NULL, "dp_counter_name is NULL out of range");
	ok(zero, "dp_worker_init zeroes the counters");
	ok(w.rt == &rt && w.id == 3 && w.epoch_rec, "dp_worker_init records the runtime, the id and an epoch record");
	ok(w.sigcache && w.sign_scratch, "dp_worker_init allocates the signature cache and the signing scratch");
}

static void
test_drop_and_formerr(void)
{
	uint8_t q[512];
	size_t qlen = make_query(q, "www.example.com", DNS_T_A, &plain);

	count_snap();
	is_int(answer_raw(&v_main, q, 11, &plain), DP_DROP, "11 octets: dropped");
	q[2] |= 0x80;
	is_int(answer_raw(&v_main, q, qlen, &plain), DP_DROP, "QR set: dropped");
	q[2] &= 0x7f;
	is_int(delta(DP_CNT_DROPPED), 2, "dropped counted");
	is_int(delta(DP_CNT_UDP), 2, "dropped queries still count as udp");

	count_snap();
	is_int(answer_raw(&v_main, q, 20, &plain), DP_SEND, "question cut short: answered");
	ok(reply_len == DNS_HDR_LEN && dns_get16(reply) == 0x1234 &&
	   DNS_RCODE(hflags()) == DNS_R_FORMERR && (hflags() & DNS_QR) && (hflags() & DNS_RD) &&
	   dns_get16(reply + 4) == 0, "question cut short: FORMERR, header only, id and RD echoed");
	is_int(delta(DP_CNT_FORMERR), 1, "formerr counted");

	/* trailing garbage after the question */
	q[qlen] = 0xff;
	is_int(answer_raw(&v_main, q, qlen + 1, &plain), DP_SEND, "trailing octet: answered");
	ok(DNS_RCODE(hflags()) == DNS_R_FORMERR && reply_len == DNS_HDR_LEN,
	   "trailing octet: FORMERR without question");

	ldns_pkt *p;
	struct qo o = { .qdcount = 2 };
	qlen = make_query(q, "www.example.com", DNS_T_A, &o);
	size_t qn = qlen - DNS_HDR_LEN;
	memcpy(q + qlen, q + DNS_HDR_LEN, qn);
	is_int(answer_raw(&v_main, q, qlen + qn, &plain), DP_SEND, "two questions: answered");
	ok(DNS_RCODE(hflags()) == DNS_R_FORMERR && dns_get16(reply + 4) == 0 && reply_len == 12,
	   "two questions: FORMERR without question");

	/* QDCOUNT 0 with OPT: FORMERR that still carries OPT */
	o = (struct qo){ .edns = 1232, .dnssec_ok = true };
	qlen = make_query(q, "www.example.com", DNS_T_A, &o);
	dns_put16(q + 4, 0);
	memmove(q + DNS_HDR_LEN, q + qlen - 11, 11);
	is_int(answer_raw(&v_main, q, DNS_HDR_LEN + 11, &o), DP_SEND, "no question, OPT: answered");
	ok(ldns_wire2pkt(&p, reply, reply_len) == LDNS_STATUS_OK, "no question, OPT: reply parses");
	ok(p && ldns_pkt_get_rcode(p) == LDNS_RCODE_FORMERR && ldns_pkt_qdcount(p) == 0 &&
	   ldns_pkt_edns(p) && ldns_pkt_edns_do(p) && ldns_pkt_edns_udp_size(p) == 1232,
	   "no question, OPT: FORMERR with OPT (size 1232, DO copied)");
	ldns_pkt_free(p);

	/* two OPT RRs: FORMERR, question echoed, no OPT */
	qlen = make_query(q, "www.example.com", DNS_T_A, &o);
	memcpy(q + qlen, q + qlen - 11, 11);
	dns_put16(q + 10, 2);
	is_int(answer_raw(&v_main, q, qlen + 11, &o), DP_SEND, "two OPT: answered");
	ok(ldns_wire2pkt(&p, reply, reply_len) == LDNS_STATUS_OK, "two OPT: reply parses");
	ok(p && ldns_pkt_get_rcode(p) == LDNS_RCODE_FORMERR && ldns_pkt_qdcount(p) == 1 &&
	   !ldns_pkt_edns(p) && ar() == 0, "two OPT: FORMERR, question echoed, no OPT");
	ldns_pkt_free(p);
}

static void
test_rejections(void)
{
	ldns_pkt *p;
	struct qo o;

	count_snap();
	o = (struct qo){ .flags = DNS_RD | (DNS_OP_STATUS << 11) };
	p = ask(&v_main, "www.example.com", DNS_T_A, &o);
	is_reply(p, LDNS_RCODE_NOTIMPL, false, false, 0, 0, 0, "opcode STATUS");
	ok(p && DNS_OPCODE(hflags()) == DNS_OP_STATUS && ldns_pkt_qdcount(p) == 1 && !ldns_pkt_edns(p),
	   "opcode STATUS: opcode and question echoed, no OPT");
	ldns_pkt_free(p);
	o = (struct qo){ .flags = DNS_OP_UPDATE << 11, .edns = 1232, .dnssec_ok = true };
	p = ask(&v_main, "example.com", DNS_T_SOA, &o);
	is_reply(p, LDNS_RCODE_NOTIMPL, false, false, 0, 0, 1, "opcode UPDATE with EDNS");
	ok(p && ldns_pkt_edns(p) && ldns_pkt_edns_do(p), "opcode UPDATE: OPT with DO");
	ldns_pkt_free(p);
	is_int(delta(DP_CNT_NOTIMP), 2, "notimp counted");

	count_snap();
	o = (struct qo){ .edns = 1232, .version = 1, .dnssec_ok = true, .flags = DNS_RD | DNS_CD };
	p = ask(&v_main, "www.example.com", DNS_T_A, &o);
	ok(p && DNS_RCODE(hflags()) == 0 && ldns_pkt_edns_extended_rcode(p) == 1 &&
	   an() == 0 && ns() == 0 && ar() == 1 && ldns_pkt_qdcount(p) == 1,
	   "EDNS version 1: BADVERS (header rcode 0, extended rcode 1), question, OPT only");
	ok(p && ldns_pkt_edns_version(p) == 0 && ldns_pkt_edns_udp_size(p) == 1232 &&
	   ldns_pkt_edns_do(p) && (hflags() & DNS_RD) && (hflags() & DNS_CD) && !(hflags() & DNS_AA),
	   "BADVERS: OPT version 0, our size, DO, RD and CD copied, AA clear");
	ldns_pkt_free(p);
	is_int(delta(DP_CNT_BADVERS), 1, "badvers counted");
	is_int(delta(DP_CNT_NOERROR), 0, "BADVERS is not counted as noerror");

	count_snap();
	static const uint16_t classes[] = { DNS_C_CH, DNS_C_ANY, DNS_C_NONE, DNS_C_HS };
	for (unsigned i = 0; i < 4; i++) {
		o = (struct qo){ .qclass = classes[i] };
		p = ask(&v_main, "www.example.com", DNS_T_A, &o);
		is_reply(p, LDNS_RCODE_REFUSED, false, false, 0, 0, 0, "class other than IN: REFUSED");
		ldns_pkt_free(p);
	}
	o = (struct qo){ .edns = 4096 };
	p = ask(&v_main, "www.example.net", DNS_T_A, &o);
	is_reply(p, LDNS_RCODE_REFUSED, false, false, 0, 0, 1, "name in no zone: REFUSED");
	ok(p && ldns_pkt_edns(p) && ldns_pkt_edns_udp_size(p) == 1232 && !ldns_pkt_edns_do(p),
	   "REFUSED carries OPT with our size, DO clear");
	ldns_pkt_free(p);
	p = ask(&v_main, ".", DNS_T_NS, &plain);
	is_reply(p, LDNS_RCODE_REFUSED, false, false, 0, 0, 0, "root without a root zone: REFUSED");
	ldns_pkt_free(p);
	is_int(delta(DP_CNT_REFUSED), 6, "refused counted");

	count_snap();
	static const uint16_t bad_types[] = { DNS_T_OPT, DNS_T_TSIG, DNS_T_TKEY };
	for (unsigned i = 0; i < 3; i++) {
		p = ask(&v_main, "www.example.com", bad_types[i], &plain);
		is_reply(p, LDNS_RCODE_FORMERR, false, false, 0, 0, 0, "qtype OPT/TSIG/TKEY: FORMERR");
		ldns_pkt_free(p);
	}
	is_int(delta(DP_CNT_FORMERR), 3, "formerr counted");
	p = ask(&v_main, "example.com", DNS_T_AXFR, &plain);
	is_reply(p, LDNS_RCODE_NOTIMPL, false, false, 0, 0, 0, "AXFR: NOTIMP");
	ldns_pkt_free(p);
	o = (struct qo){ .tcp = true };
	p = ask(&v_main, "example.com", DNS_T_IXFR, &o);
	is_reply(p, LDNS_RCODE_NOTIMPL, false, false, 0, 0, 0, "IXFR over TCP: NOTIMP");
	ldns_pkt_free(p);
	p = ask(&v_main, "www.example.com", DNS_T_MAILA, &plain);
	is_reply(p, LDNS_RCODE_NOERROR, true, false, 0, 1, 0, "MAILA is an ordinary question: NODATA");
	ldns_pkt_free(p);
}

static void
test_positive(void)
{
	ldns_pkt *p;
	struct qo o;

	count_snap();
	o = (struct qo){ .flags = DNS_RD | DNS_CD | DNS_AD | DNS_AA | DNS_TC | DNS_RA | 0x0040 | 5 };
	p = ask(&v_main, "www.example.com", DNS_T_A, &o);
	is_reply(p, LDNS_RCODE_NOERROR, true, false, 2, 0, 0, "www.example.com A");
	is_str(sect(p, LDNS_SECTION_ANSWER),
	       "www.example.com. 3600 A 192.0.2.80 | www.example.com. 3600 A 192.0.2.81", "  answer");
	is_int(hflags() & ~DNS_AA, DNS_QR | DNS_RD | DNS_CD,
	       "flags: QR, RD and CD copied; RA, AD, Z, TC and query rcode not");
	ok(reply[first_rr()] == 0xc0 && reply[first_rr() + 1] == DNS_HDR_LEN,
	   "owner equal to the query name is a pointer to offset 12");
	ok(dns_get16(reply) == 0x1234, "id echoed");
	ldns_pkt_free(p);
	is_int(delta(DP_CNT_NOERROR), 1, "noerror counted");
	is_int(delta(DP_CNT_EDNS), 0, "no EDNS counted");

	uint8_t q[512];
	size_t qlen = make_query(q, "WwW.ExAmPlE.cOm", DNS_T_AAAA, &plain);
	answer_raw(&v_main, q, qlen, &plain);
	ok(memcmp(reply + DNS_HDR_LEN, q + DNS_HDR_LEN, qlen - DNS_HDR_LEN) == 0,
	   "mixed case: question copied with its case");
	ok(ldns_wire2pkt(&p, reply, reply_len) == LDNS_STATUS_OK, "mixed case: reply parses");
	is_reply(p, LDNS_RCODE_NOERROR, true, false, 1, 0, 0, "mixed case AAAA");
	is_str(sect(p, LDNS_SECTION_ANSWER), "WwW.ExAmPlE.cOm. 3600 AAAA 2001:db8::80",
	       "  owner keeps the query's case");
	ldns_pkt_free(p);

	count_snap();
	o = (struct qo){ .edns = 1232, .dnssec_ok = true };
	p = ask(&v_main, "example.com", DNS_T_MX, &o);
	is_reply(p, LDNS_RCODE_NOERROR, true, false, 1, 0, 3, "apex MX with EDNS and DO");
	is_str(sect(p, LDNS_SECTION_ANSWER), "example.com. 3600 MX 10 mail.example.com.", "  answer");
	is_str(sect(p, LDNS_SECTION_ADDITIONAL),
	       "mail.example.com. 3600 A 192.0.2.25 | mail.example.com. 3600 AAAA 2001:db8::25",
	       "  additional: the MX target's addresses");
	ok(p && ldns_pkt_edns(p) && ldns_pkt_edns_do(p) && ldns_pkt_edns_udp_size(p) == 1232 &&
	   ldns_pkt_edns_version(p) == 0 && ldns_pkt_edns_extended_rcode(p) == 0,
	   "  OPT: our size, version 0, DO copied");
	ldns_pkt_free(p);
	is_int(delta(DP_CNT_EDNS), 1, "edns counted");
	is_int(delta(DP_CNT_DO), 1, "do counted");

	p = ask(&v_main, "example.com", DNS_T_NS, &plain);
	is_reply(p, LDNS_RCODE_NOERROR, true, false, 2, 0, 4, "apex NS");
	is_str(sect(p, LDNS_SECTION_ADDITIONAL),
	       "ns1.example.com. 3600 A 192.0.2.53 | ns1.example.com. 3600 AAAA 2001:db8::53 | "
	       "ns2.example.com. 3600 A 198.51.100.53 | ns2.example.com. 3600 AAAA 2001:db8:1::53",
	       "  additional: both name servers' addresses");
	ldns_pkt_free(p);

	p = ask(&v_main, "_sip._tcp.example.com", DNS_T_SRV, &plain);
	is_reply(p, LDNS_RCODE_NOERROR, true, false, 1, 0, 1, "SRV");
	is_str(sect(p, LDNS_SECTION_ADDITIONAL), "sip.example.com. 300 A 192.0.2.70",
	       "  additional: the SRV target's address");
	ldns_pkt_free(p);

	p = ask(&v_main, "info.engine.example", DNS_T_MX, &plain);
	is_reply(p, LDNS_RCODE_NOERROR, true, false, 4, 0, 2, "MX with a repeated, a wildcard and an outside target");
	is_str(sect(p, LDNS_SECTION_ADDITIONAL),
	       "mail.engine.example. 3600 A 192.0.2.25 | host.wild.engine.example. 3600 A 192.0.2.99",
	       "  additional: each target once, wildcard synthesised, nothing for the outside name");
	ldns_pkt_free(p);

	p = ask(&v_main, "ns1.example.org", DNS_T_A, &plain);
	is_reply(p, LDNS_RCODE_NOERROR, true, false, 1, 0, 0, "second zone: ns1.example.org A");
	ldns_pkt_free(p);
}

static void
test_negative(void)
{
	ldns_pkt *p;

	count_snap();
	p = ask(&v_main, "no-such-name.example.com", DNS_T_A, &plain);
	is_reply(p, LDNS_RCODE_NXDOMAIN, true, false, 0, 1, 0, "NXDOMAIN");
	is_str(sect(p, LDNS_SECTION_AUTHORITY),
	       "example.com. 300 SOA ns1.example.com. hostmaster.example.com. 2024060101 7200 3600 1209600 300",
	       "  SOA with TTL min(SOA TTL 3600, MINIMUM 300)");
	ldns_pkt_free(p);
	p = ask(&v_main, "nx.engine.example", DNS_T_A, &plain);
	is_reply(p, LDNS_RCODE_NXDOMAIN, true, false, 0, 1, 0, "NXDOMAIN in engine.example");
	ok(p && ldns_rr_ttl(ldns_rr_list_rr(ldns_pkt_authority(p), 0)) == 300,
	   "  SOA TTL min(SOA TTL 300, MINIMUM 600)");
	ldns_pkt_free(p);
	is_int(delta(DP_CNT_NXDOMAIN), 2, "nxdomain counted");

	count_snap();
	p = ask(&v_main, "www.example.com", DNS_T_MX, &plain);
	is_reply(p, LDNS_RCODE_NOERROR, true, false, 0, 1, 0, "NODATA");
	ldns_pkt_free(p);
	p = ask(&v_main, "deep.example.com", DNS_T_A, &plain);
	is_reply(p, LDNS_RCODE_NOERROR, true, false, 0, 1, 0, "empty non-terminal: NODATA");
	ldns_pkt_free(p);
	p = ask(&v_main, "b.deep.example.com", DNS_T_TXT, &plain);
	is_reply(p, LDNS_RCODE_NOERROR, true, false, 0, 1, 0, "second empty non-terminal: NODATA");
	ldns_pkt_free(p);
	p = ask(&v_main, "Example.COM", DNS_T_DNAME, &plain);
	is_reply(p, LDNS_RCODE_NOERROR, true, false, 0, 1, 0, "NODATA at the apex");
	ok(reply[first_rr()] == 0xc0 && reply[first_rr() + 1] == DNS_HDR_LEN,
	   "  SOA owner equal to the query name is a pointer to offset 12");
	ok(strncmp(sect(p, LDNS_SECTION_AUTHORITY), "Example.COM. 300 SOA ", 21) == 0,
	   "  SOA owner in the query's case");
	ldns_pkt_free(p);
	is_int(delta(DP_CNT_NODATA), 4, "nodata counted");
}

static void
test_wildcard(void)
{
	ldns_pkt *p;

	p = ask(&v_main, "Anything.WILD.example.com", DNS_T_A, &plain);
	is_reply(p, LDNS_RCODE_NOERROR, true, false, 1, 0, 0, "wildcard A");
	is_str(sect(p, LDNS_SECTION_ANSWER), "Anything.WILD.example.com. 3600 A 192.0.2.99",
	       "  synthesised with the query name as owner");
	ok(reply[first_rr()] == 0xc0 && reply[first_rr() + 1] == DNS_HDR_LEN, "  owner is a pointer to 12");
	ldns_pkt_free(p);
	p = ask(&v_main, "a.b.wild.example.com", DNS_T_TXT, &plain);
	is_reply(p, LDNS_RCODE_NOERROR, true, false, 1, 0, 0, "wildcard two labels down");
	ldns_pkt_free(p);
	p = ask(&v_main, "x.wild.example.com", DNS_T_MX, &plain);
	is_reply(p, LDNS_RCODE_NOERROR, true, false, 0, 1, 0, "wildcard without the type: NODATA");
	ldns_pkt_free(p);
	p = ask(&v_main, "wild.example.com", DNS_T_A, &plain);
	is_reply(p, LDNS_RCODE_NOERROR, true, false, 0, 1, 0, "wildcard's parent (empty): NODATA");
	ldns_pkt_free(p);
	p = ask(&v_main, "*.wild.example.com", DNS_T_A, &plain);
	is_reply(p, LDNS_RCODE_NOERROR, true, false, 1, 0, 0, "the wildcard name itself");
	ldns_pkt_free(p);
	p = ask(&v_main, "e.wild.engine.example", DNS_T_A, &plain);
	is_reply(p, LDNS_RCODE_NOERROR, true, false, 0, 1, 0, "existing empty non-terminal: NODATA, no wildcard");
	ldns_pkt_free(p);
	p = ask(&v_main, "y.e.wild.engine.example", DNS_T_A, &plain);
	is_reply(p, LDNS_RCODE_NXDOMAIN, true, false, 0, 1, 0,
		 "below an existing name without wildcard child: NXDOMAIN");
	ldns_pkt_free(p);
	p = ask(&v_main, "foo.WC.engine.example", DNS_T_A, &plain);
	is_reply(p, LDNS_RCODE_NOERROR, true, false, 2, 0, 0, "wildcard CNAME");
	is_str(sect(p, LDNS_SECTION_ANSWER),
	       "foo.WC.engine.example. 3600 CNAME www.engine.example. | www.engine.example. 3600 A 192.0.2.80",
	       "  CNAME synthesised, then followed");
	ldns_pkt_free(p);
	p = ask(&v_main, "foo.wc.engine.example", DNS_T_CNAME, &plain);
	is_reply(p, LDNS_RCODE_NOERROR, true, false, 1, 0, 0, "wildcard CNAME asked for CNAME");
	ldns_pkt_free(p);
	p = ask(&v_main, "nothing.example.org", DNS_T_TXT, &plain);
	is_reply(p, LDNS_RCODE_NOERROR, true, false, 1, 0, 0, "apex wildcard");
	is_str(sect(p, LDNS_SECTION_ANSWER), "nothing.example.org. 3600 TXT \"apex wildcard\"", "  answer");
	ldns_pkt_free(p);
	p = ask(&v_main, "x.d1.example.org", DNS_T_A, &plain);
	is_reply(p, LDNS_RCODE_NOERROR, false, false, 0, 1, 1, "wildcard below a cut is not used: referral");
	ldns_pkt_free(p);
}

static void
test_cname(void)
{
	ldns_pkt *p;

	p = ask(&v_main, "alias2.example.com", DNS_T_A, &plain);
	is_reply(p, LDNS_RCODE_NOERROR, true, false, 4, 0, 0, "CNAME chain to A");
	is_str(sect(p, LDNS_SECTION_ANSWER),
	       "alias2.example.com. 3600 CNAME alias.example.com. | "
	       "alias.example.com. 3600 CNAME www.example.com. | "
	       "www.example.com. 3600 A 192.0.2.80 | www.example.com. 3600 A 192.0.2.81",
	       "  answer");
	ok(reply[first_rr()] == 0xc0 && reply[first_rr() + 1] == DNS_HDR_LEN, "  first owner is a pointer to 12");
	ldns_pkt_free(p);
	p = ask(&v_main, "c1.engine.example", DNS_T_AAAA, &plain);
	is_reply(p, LDNS_RCODE_NOERROR, true, false, 4, 0, 0, "three CNAMEs, a target in other case");
	is_istr(sect(p, LDNS_SECTION_ANSWER),
		"c1.engine.example. 3600 CNAME c2.engine.example. | "
		"c2.engine.example. 3600 CNAME C3.Engine.Example. | "
		"C3.Engine.Example. 3600 CNAME www.engine.example. | "
		"www.engine.example. 3600 AAAA 2001:db8::80", "  answer (names compared without case)");
	ldns_pkt_free(p);

	count_snap();
	p = ask(&v_main, "c1.engine.example", DNS_T_MX, &plain);
	is_reply(p, LDNS_RCODE_NOERROR, true, false, 3, 1, 0, "chain into NODATA: CNAMEs and SOA");
	ldns_pkt_free(p);
	is_int(delta(DP_CNT_NODATA), 0, "a chain into NODATA is not counted as nodata");
	p = ask(&v_main, "dangling.engine.example", DNS_T_A, &plain);
	is_reply(p, LDNS_RCODE_NXDOMAIN, true, false, 1, 1, 0, "chain into NXDOMAIN (RFC 6604)");
	ldns_pkt_free(p);
	p = ask(&v_main, "alias.example.com", DNS_T_CNAME, &plain);
	is_reply(p, LDNS_RCODE_NOERROR, true, false, 1, 0, 0, "CNAME asked for: not followed");
	ldns_pkt_free(p);
	p = ask(&v_main, "extern.example.com", DNS_T_A, &plain);
	is_reply(p, LDNS_RCODE_NOERROR, true, false, 1, 0, 0, "target outside the zone: the CNAME only");
	ldns_pkt_free(p);
	p = ask(&v_main, "cross.engine.example", DNS_T_A, &plain);
	is_reply(p, LDNS_RCODE_NOERROR, true, false, 1, 0, 0, "target in another zone served here: not followed");
	ldns_pkt_free(p);
	p = ask(&v_main, "loop1.engine.example", DNS_T_A, &plain);
	is_reply(p, LDNS_RCODE_NOERROR, true, false, 2, 0, 0, "loop of two: each CNAME once");
	ldns_pkt_free(p);
	p = ask(&v_main, "self.engine.example", DNS_T_A, &plain);
	is_reply(p, LDNS_RCODE_NOERROR, true, false, 1, 0, 0, "CNAME to itself: once");
	ldns_pkt_free(p);
	p = ask(&v_main, "long0.engine.example", DNS_T_A, &plain);
	is_reply(p, LDNS_RCODE_NOERROR, true, false, 16, 0, 0, "chain of 17: stops after 16 CNAMEs");
	ldns_pkt_free(p);
	p = ask(&v_main, "towild.engine.example", DNS_T_TXT, &plain);
	is_reply(p, LDNS_RCODE_NOERROR, true, false, 2, 0, 0, "CNAME into a wildcard");
	is_str(sect(p, LDNS_SECTION_ANSWER),
	       "towild.engine.example. 3600 CNAME host.wild.engine.example. | "
	       "host.wild.engine.example. 3600 TXT \"wild\"", "  answer");
	ldns_pkt_free(p);

	count_snap();
	p = ask(&v_main, "todeleg.engine.example", DNS_T_A, &plain);
	is_reply(p, LDNS_RCODE_NOERROR, true, false, 1, 3, 4, "CNAME into a delegation");
	is_str(sect(p, LDNS_SECTION_AUTHORITY),
	       "deleg.engine.example. 3600 NS ns.deleg.engine.example. | "
	       "deleg.engine.example. 3600 NS ns.outside.example.net. | "
	       "deleg.engine.example. 3600 NS ns1.engine.example.", "  the cut's NS in authority");
	ldns_pkt_free(p);
	is_int(delta(DP_CNT_REFERRAL), 1, "referral after a CNAME counted");
}

static void
test_any(void)
{
	ldns_pkt *p;

	p = ask(&v_main, "info.engine.example", DNS_T_ANY, &plain);
	is_reply(p, LDNS_RCODE_NOERROR, true, false, 4, 0, 2, "ANY: the lowest type's RRset (MX)");
	ok(p && ldns_rr_get_type(ldns_rr_list_rr(ldns_pkt_answer(p), 0)) == LDNS_RR_TYPE_MX, "  it is MX");
	ldns_pkt_free(p);
	p = ask(&v_main, "example.com", DNS_T_ANY, &plain);
	is_reply(p, LDNS_RCODE_NOERROR, true, false, 1, 0, 0, "ANY at the apex: A");
	ldns_pkt_free(p);
	p = ask(&v_main, "alias.example.com", DNS_T_ANY, &plain);
	is_reply(p, LDNS_RCODE_NOERROR, true, false, 1, 0, 0, "ANY at a CNAME: the CNAME, not followed");
	ldns_pkt_free(p);
	p = ask(&v_main, "signed.example.org", DNS_T_ANY, &plain);
	is_reply(p, LDNS_RCODE_NOERROR, true, false, 1, 0, 0, "ANY at CNAME+RRSIG+NSEC: the CNAME");
	ldns_pkt_free(p);
	p = ask(&v_main, "x.wild.example.com", DNS_T_ANY, &plain);
	is_reply(p, LDNS_RCODE_NOERROR, true, false, 1, 0, 0, "ANY at a wildcard");
	ldns_pkt_free(p);
	p = ask(&v_main, "nx.example.com", DNS_T_ANY, &plain);
	is_reply(p, LDNS_RCODE_NXDOMAIN, true, false, 0, 1, 0, "ANY for a missing name: NXDOMAIN");
	ldns_pkt_free(p);
	p = ask(&v_main, "deep.example.com", DNS_T_ANY, &plain);
	is_reply(p, LDNS_RCODE_NOERROR, true, false, 0, 1, 0, "ANY at an empty non-terminal: NODATA");
	ldns_pkt_free(p);
}

static void
test_referral(void)
{
	ldns_pkt *p;

	count_snap();
	p = ask(&v_main, "host.deleg.engine.example", DNS_T_A, &plain);
	is_reply(p, LDNS_RCODE_NOERROR, false, false, 0, 3, 4, "referral");
	is_str(sect(p, LDNS_SECTION_ADDITIONAL),
	       "ns.deleg.engine.example. 3600 A 192.0.2.53 | ns.deleg.engine.example. 3600 AAAA 2001:db8::53 | "
	       "ns1.engine.example. 3600 A 192.0.2.1 | ns1.engine.example. 3600 AAAA 2001:db8::1",
	       "  glue below the cut first, then the sibling's addresses; no DS");
	ldns_pkt_free(p);
	is_int(delta(DP_CNT_REFERRAL), 1, "referral counted");
	is_int(delta(DP_CNT_NOERROR), 1, "referral is noerror");

	p = ask(&v_main, "DELEG.engine.example", DNS_T_NS, &plain);
	is_reply(p, LDNS_RCODE_NOERROR, false, false, 0, 3, 4, "NS at the cut: referral");
	ok(reply[first_rr()] == 0xc0 && reply[first_rr() + 1] == DNS_HDR_LEN,
	   "  NS owner equal to the query name is a pointer to 12");
	ldns_pkt_free(p);
	p = ask(&v_main, "deleg.engine.example", DNS_T_ANY, &plain);
	is_reply(p, LDNS_RCODE_NOERROR, false, false, 0, 3, 4, "ANY at the cut: referral");
	ldns_pkt_free(p);
	p = ask(&v_main, "deleg.engine.example", DNS_T_DS, &plain);
	is_reply(p, LDNS_RCODE_NOERROR, true, false, 1, 0, 0, "DS at the cut: answered by the parent");
	ldns_pkt_free(p);
	p = ask(&v_main, "nods.engine.example", DNS_T_DS, &plain);
	is_reply(p, LDNS_RCODE_NOERROR, true, false, 0, 1, 0, "DS at a cut without DS: NODATA");
	ldns_pkt_free(p);
	p = ask(&v_main, "x.deleg.engine.example", DNS_T_DS, &plain);
	is_reply(p, LDNS_RCODE_NOERROR, false, false, 0, 3, 4, "DS below the cut: referral");
	ldns_pkt_free(p);
	p = ask(&v_main, "ns.deleg.engine.example", DNS_T_A, &plain);
	is_reply(p, LDNS_RCODE_NOERROR, false, false, 0, 3, 4, "glue name itself: referral, not an answer");
	ldns_pkt_free(p);
	p = ask(&v_main, "www.ext.example.com", DNS_T_A, &plain);
	is_reply(p, LDNS_RCODE_NOERROR, false, false, 0, 2, 0, "referral to outside name servers: no glue");
	ldns_pkt_free(p);
	p = ask(&v_main, "deep.x.d3.example.org", DNS_T_A, &plain);
	is_reply(p, LDNS_RCODE_NOERROR, false, false, 0, 1, 1, "occluded name: referral to the cut");
	is_str(sect(p, LDNS_SECTION_ADDITIONAL), "ns1.example.org. 3600 A 192.0.2.1",
	       "  sibling glue");
	ldns_pkt_free(p);
	p = ask(&v_main, "a.inner.d3.example.org", DNS_T_A, &plain);
	is_reply(p, LDNS_RCODE_NOERROR, false, false, 0, 1, 1, "below a nested cut: referral to the topmost");
	is_str(sect(p, LDNS_SECTION_AUTHORITY), "d3.example.org. 3600 NS ns1.example.org.", "  the top cut");
	ldns_pkt_free(p);
}

static void
test_zones_and_ds(void)
{
	ldns_pkt *p;

	p = ask(&v_main, "www.sub.example.com", DNS_T_A, &plain);
	is_reply(p, LDNS_RCODE_NOERROR, true, false, 1, 0, 0, "longest match: the child zone answers");
	ldns_pkt_free(p);
	p = ask(&v_main, "nx.sub.example.com", DNS_T_A, &plain);
	is_reply(p, LDNS_RCODE_NXDOMAIN, true, false, 0, 1, 0, "longest match: NXDOMAIN from the child");
	is_str(sect(p, LDNS_SECTION_AUTHORITY),
	       "sub.example.com. 300 SOA ns.sub.example.com. hostmaster.example.com. 42 3600 900 604800 300",
	       "  the child's SOA");
	ldns_pkt_free(p);
	p = ask(&v_main, "sub.example.com", DNS_T_NS, &plain);
	is_reply(p, LDNS_RCODE_NOERROR, true, false, 1, 0, 2, "child apex NS: answered by the child");
	ldns_pkt_free(p);
	p = ask(&v_main, "SUB.example.com", DNS_T_DS, &plain);
	is_reply(p, LDNS_RCODE_NOERROR, true, false, 1, 0, 0, "DS at a child apex: answered by the parent");
	ok(p && ldns_rr_get_type(ldns_rr_list_rr(ldns_pkt_answer(p), 0)) == LDNS_RR_TYPE_DS,
	   "  the parent's DS");
	ldns_pkt_free(p);
	p = ask(&v_main, "engine.example", DNS_T_DS, &plain);
	is_reply(p, LDNS_RCODE_NOERROR, true, false, 0, 1, 0, "DS at an apex whose parent is not served: NODATA");
	is_str(sect(p, LDNS_SECTION_AUTHORITY),
	       "engine.example. 300 SOA ns1.engine.example. hostmaster.engine.example. 1 7200 3600 1209600 600",
	       "  from the zone itself");
	ldns_pkt_free(p);
	p = ask(&v_root, "engine.example", DNS_T_DS, &plain);
	is_reply(p, LDNS_RCODE_NXDOMAIN, true, false, 0, 1, 0,
		 "DS at an apex whose parent's zone (the root) is served: the root answers");
	ldns_pkt_free(p);
	p = ask(&v_root, "www.example.com", DNS_T_A, &plain);
	is_reply(p, LDNS_RCODE_NOERROR, true, false, 2, 0, 0, "with a root zone: longest match still wins");
	ldns_pkt_free(p);
	p = ask(&v_root, "www.example.net", DNS_T_A, &plain);
	is_reply(p, LDNS_RCODE_NXDOMAIN, true, false, 0, 1, 0, "with a root zone: unknown TLD is NXDOMAIN");
	ldns_pkt_free(p);
	p = ask(&v_root, "host.test", DNS_T_A, &plain);
	is_reply(p, LDNS_RCODE_NOERROR, false, false, 0, 1, 1, "root zone referral");
	ldns_pkt_free(p);
	p = ask(&v_root, ".", DNS_T_DS, &plain);
	is_reply(p, LDNS_RCODE_NOERROR, true, false, 0, 1, 0, "DS at the root: NODATA");
	ok(reply[first_rr()] == 0xc0 && reply[first_rr() + 1] == DNS_HDR_LEN,
	   "  root SOA owner is a pointer to 12");
	ldns_pkt_free(p);
}

static void
test_sizes(void)
{
	ldns_pkt *p;
	struct qo o;

	count_snap();
	p = ask(&v_main, "big.engine.example", DNS_T_TXT, &plain);
	is_reply(p, LDNS_RCODE_NOERROR, true, true, 0, 0, 0, "big RRset without EDNS: TC, no records");
	ok(p && ldns_pkt_qdcount(p) == 1, "  question kept");
	ldns_pkt_free(p);
	is_int(delta(DP_CNT_TRUNCATED), 1, "truncated counted");
	o = (struct qo){ .edns = 1232, .dnssec_ok = true };
	p = ask(&v_main, "big.engine.example", DNS_T_TXT, &o);
	is_reply(p, LDNS_RCODE_NOERROR, true, true, 0, 0, 1, "big RRset, EDNS 1232: TC, OPT kept");
	ok(p && ldns_pkt_edns_do(p), "  DO copied");
	ldns_pkt_free(p);
	o = (struct qo){ .edns = 4096 };
	p = ask(&v_main, "big.engine.example", DNS_T_TXT, &o);
	is_reply(p, LDNS_RCODE_NOERROR, true, true, 0, 0, 1, "EDNS 4096 but our limit is 1232: TC");
	ldns_pkt_free(p);
	p = ask(&v_big, "big.engine.example", DNS_T_TXT, &o);
	is_reply(p, LDNS_RCODE_NOERROR, true, false, 40, 0, 1, "EDNS 4096 with a 4096 limit: fits");
	ok(p && ldns_pkt_edns_udp_size(p) == 4096, "  OPT advertises 4096");
	ldns_pkt_free(p);
	o = (struct qo){ .edns = 2000 };
	p = ask(&v_big, "big.engine.example", DNS_T_TXT, &o);
	is_reply(p, LDNS_RCODE_NOERROR, true, true, 0, 0, 1, "EDNS 2000 with a 4096 limit: the client's size wins");
	ldns_pkt_free(p);
	o = (struct qo){ .edns = 100 };
	p = ask(&v_main, "example.com", DNS_T_NS, &o);
	is_reply(p, LDNS_RCODE_NOERROR, true, false, 2, 0, 5, "EDNS 100 means 512");
	ldns_pkt_free(p);
	o = (struct qo){ .tcp = true };
	p = ask(&v_main, "big.engine.example", DNS_T_TXT, &o);
	is_reply(p, LDNS_RCODE_NOERROR, true, false, 40, 0, 0, "TCP: no size limit but the buffer");
	ldns_pkt_free(p);
	count_snap();
	o = (struct qo){ .tcp = true };
	p = ask(&v_main, "big.engine.example", DNS_T_TXT, &o);
	ldns_pkt_free(p);
	is_int(delta(DP_CNT_TCP), 1, "tcp counted");
	is_int(delta(DP_CNT_UDP), 0, "  and not udp");
	o = (struct qo){ .tcp = true, .cap = 1000 };
	p = ask(&v_main, "big.engine.example", DNS_T_TXT, &o);
	is_reply(p, LDNS_RCODE_NOERROR, true, true, 0, 0, 0, "TCP with a 1000-octet buffer: TC");
	ldns_pkt_free(p);
	o = (struct qo){ .cap = 120, .edns = 1232 };
	p = ask(&v_main, "example.com", DNS_T_NS, &o);
	ok(p && reply_len <= 120 && !(hflags() & DNS_TC) && an() == 2 && ar() > 1 && ar() < 5 &&
	   ldns_pkt_edns(p), "UDP buffer of 120: additional cut to fit, OPT kept, no TC");
	ldns_pkt_free(p);
	o = (struct qo){ .cap = 40 };
	p = ask(&v_main, "www.example.com", DNS_T_A, &o);
	ok(p && reply_len <= 40 && (hflags() & DNS_TC) && an() == 0, "UDP buffer of 40: TC");
	ldns_pkt_free(p);

	p = ask(&v_main, "x.bigdeleg.engine.example", DNS_T_A, &plain);
	is_reply(p, LDNS_RCODE_NOERROR, false, true, 0, 9, ar(), "in-cut glue that does not fit: TC (RFC 9471)");
	ok(p && ar() > 0 && ar() < 18, "  the NS RRset and the glue that fits are kept");
	ldns_pkt_free(p);
	o = (struct qo){ .edns = 1232 };
	p = ask(&v_main, "x.bigdeleg.engine.example", DNS_T_A, &o);
	is_reply(p, LDNS_RCODE_NOERROR, false, false, 0, 9, 19, "in-cut glue with EDNS 1232: all of it");
	ldns_pkt_free(p);
	p = ask(&v_main, "x.sibdeleg.engine.example", DNS_T_A, &plain);
	ok(p && !(hflags() & DNS_TC) && ns() == 12 && ar() > 0 && ar() < 24 && ar() % 2 == 0,
	   "sibling glue that does not fit: left out without TC, whole RRsets only");
	ldns_pkt_free(p);
	p = ask(&v_main, "x.sibdeleg.engine.example", DNS_T_A, &o);
	is_reply(p, LDNS_RCODE_NOERROR, false, false, 0, 12, 25, "sibling glue with EDNS 1232: all of it");
	ldns_pkt_free(p);

	ok(over_limit == 0, "no reply exceeded its size limit (%u did)", over_limit);
}

int
main(void)
{
	struct dns_zone *z[5];
	struct dns_zoneset *zs_main, *zs_root;

	dp_runtime_init(&rt);
	if (dp_worker_init(&w, &rt, 3) < 0) {
		printf("Bail out! dp_worker_init failed\n");
		return 1;
	}

	z[0] = load("engine.example", "tests/dataplane/core/engine-test.zone");
	z[1] = load("example.com", "zones/example.com.zone");
	z[2] = load("sub.example.com", "tests/zones/sub.example.com.zone");
	z[3] = load("example.org", "tests/zones/example.org.zone");
	z[4] = load(".", "tests/zones/root.zone");
	zs_main = dns_zoneset_new(z, 4);
	zs_root = dns_zoneset_new(z, 5);
	for (unsigned i = 0; i < 5; i++)
		dns_zone_unref(z[i]);
	if (!zs_main || !zs_root) {
		printf("Bail out! dns_zoneset_new failed\n");
		return 1;
	}
	v_main = (struct dp_view){ .zones = zs_main, .udp_max = 1232 };
	v_root = (struct dp_view){ .zones = zs_root, .udp_max = 1232 };
	v_big = (struct dp_view){ .zones = zs_main, .udp_max = 4096 };
	atomic_store(&rt.view, &v_main);

	test_worker();
	test_drop_and_formerr();
	test_rejections();
	test_positive();
	test_negative();
	test_wildcard();
	test_cname();
	test_any();
	test_referral();
	test_zones_and_ds();
	test_sizes();

	dp_worker_fini(&w);
	dp_runtime_fini(&rt);
	dns_zoneset_free(zs_main);
	dns_zoneset_free(zs_root);
	return tap_done();
}
