/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Online signing in the query engine, on tests/dataplane/core/engine-test.zone
 * (engine.example) with key tables from sign_keytable_build. Every RRSIG in
 * a reply is checked twice: with sign_rrsig_verify against the table's keys
 * and with ldns_verify_rrsig_keylist against the DNSKEY RRset the engine
 * serves.
 */
#include <ldns/ldns.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dataplane/core/engine.h"
#include "dataplane/core/worker.h"
#include "dns/name.h"
#include "dns/nsec.h"
#include "dns/rdata.h"
#include "dns/wire.h"
#include "dns/zone.h"
#include "sign/key.h"
#include "sign/keytable.h"
#include "sign/rrsig.h"
#include "tests/tap.h"

static struct dp_runtime rt;
static struct dp_worker w;
static struct dp_zone_slot slot;
static struct dp_zone_slot *slots[1] = { &slot };
static struct dp_view view;
static struct sign_key *keys[3]; /* KSK (13), ZSK (15), ZSK (8): tables use the first 2 or all 3 */
static uint8_t apex[DNS_NAME_MAXLEN];
static uint64_t generation;

static uint8_t reply[DNS_MSG_MAX];
static size_t reply_len;
static ldns_pkt *pkt;
static ldns_rr_list *dnskeys; /* the DNSKEY RRset as served */

static struct sign_keytable *
table(const struct dns_zone *z, uint8_t denial, size_t nkeys)
{
	struct sign_keytable *t = NULL;
	char err[256];
	struct sign_keytable_params p = {
		.apex = apex, .zone = z, .keys = (const struct sign_key *const *)keys, .nkeys = nkeys,
		.publish_cds = true, .denial = denial, .validity = SIGN_VALIDITY_DEFAULT,
		.nworkers = 1, .generation = ++generation, .now = (uint32_t)time(NULL),
	};

	if (sign_keytable_build(&p, &t, err, sizeof(err)) < 0) {
		printf("Bail out! sign_keytable_build: %s\n", err);
		exit(1);
	}
	return t;
}

/*
 * Query name/type with EDNS, DO as given, over TCP (no size limit) when
 * udp is 0, else over UDP with that EDNS size. Parses the reply into pkt.
 */
static void
ask_size(const char *name, uint16_t type, bool dnssec_ok, uint16_t udp)
{
	uint8_t q[512];
	size_t len = DNS_HDR_LEN;
	int n;

	memset(q, 0, DNS_HDR_LEN);
	dns_put16(q, 0x4242);
	dns_put16(q + 4, 1);
	dns_put16(q + 10, 1);
	n = dns_name_from_str(name, q + len, DNS_NAME_MAXLEN);
	len += (size_t)n;
	dns_put16(q + len, type);
	dns_put16(q + len + 2, DNS_C_IN);
	len += 4;
	memset(q + len, 0, 11);
	dns_put16(q + len + 1, DNS_T_OPT);
	dns_put16(q + len + 3, udp ? udp : 4096);
	dns_put16(q + len + 7, dnssec_ok ? DNS_EDNS_DO : 0);
	len += 11;

	dp_view_enter(&w);
	int v = dp_query_answer(&view, &w, q, len, reply, sizeof(reply), &reply_len,
				udp ? 0 : DP_Q_TCP);
	dp_view_leave(&w);
	if (pkt)
		ldns_pkt_free(pkt);
	pkt = NULL;
	if (v != DP_SEND || ldns_wire2pkt(&pkt, reply, reply_len) != LDNS_STATUS_OK) {
		printf("Bail out! no parsable reply to %s\n", name);
		exit(1);
	}
}

static void
ask(const char *name, uint16_t type, bool dnssec_ok)
{
	ask_size(name, type, dnssec_ok, 0);
}

static unsigned
count_type(ldns_rr_list *l, ldns_rr_type t)
{
	unsigned n = 0;

	for (size_t i = 0; i < ldns_rr_list_rr_count(l); i++)
		n += ldns_rr_get_type(ldns_rr_list_rr(l, i)) == t;
	return n;
}

static const struct sign_key *
key_by_tag(uint16_t tag)
{
	for (unsigned i = 0; i < 3; i++)
		if (sign_key_tag(keys[i]) == tag)
			return keys[i];
	return NULL;
}

/*
 * Check every RRSIG of a section: the RRset it covers (same owner and type
 * in the section) verifies with sign_rrsig_verify and with ldns. Returns
 * the number of RRSIGs that verified both ways; *bad counts the rest.
 */
static unsigned
verify_section(ldns_rr_list *sec, unsigned *bad)
{
	static uint8_t scratch[65536];
	unsigned good = 0;

	for (size_t i = 0; i < ldns_rr_list_rr_count(sec); i++) {
		ldns_rr *sig = ldns_rr_list_rr(sec, i);
		if (ldns_rr_get_type(sig) != LDNS_RR_TYPE_RRSIG)
			continue;
		ldns_rr_type covered = ldns_rdf2rr_type(ldns_rr_rrsig_typecovered(sig));
		ldns_rr_list *set = ldns_rr_list_new();
		ldns_buffer *rd = ldns_buffer_new(4096), *sb = ldns_buffer_new(1024);
		ldns_rdf *owner = ldns_rr_owner(sig);
		for (size_t j = 0; j < ldns_rr_list_rr_count(sec); j++) {
			ldns_rr *rr = ldns_rr_list_rr(sec, j);
			if (ldns_rr_get_type(rr) == covered &&
			    ldns_dname_compare(ldns_rr_owner(rr), owner) == 0) {
				ldns_rr_list_push_rr(set, rr);
				size_t at = ldns_buffer_position(rd);
				ldns_buffer_write_u16(rd, 0);
				ldns_rr_rdata2buffer_wire(rd, rr);
				ldns_buffer_write_u16_at(rd, at,
							 (uint16_t)(ldns_buffer_position(rd) - at - 2));
			}
		}
		ldns_rr_rdata2buffer_wire(sb, sig);
		uint8_t own[DNS_NAME_MAXLEN];
		memcpy(own, ldns_rdf_data(owner), ldns_rdf_size(owner));
		struct sign_rrset_ref ref = {
			own, ldns_rdf_size(owner), covered, (uint16_t)ldns_rr_list_rr_count(set),
			ldns_rr_ttl(ldns_rr_list_rr(set, 0) ? ldns_rr_list_rr(set, 0) : sig),
			(uint32_t)ldns_buffer_position(rd), ldns_buffer_begin(rd),
		};
		const struct sign_key *k = key_by_tag(ldns_rdf2native_int16(ldns_rr_rrsig_keytag(sig)));
		int rc = ref.count && k ? sign_rrsig_verify(k, &ref, ldns_buffer_begin(sb),
							  ldns_buffer_position(sb), scratch,
							  sizeof(scratch)) : -1;
		ldns_rr_list *good_keys = ldns_rr_list_new();
		ldns_status st = ref.count ? ldns_verify_rrsig_keylist(set, sig, dnskeys, good_keys)
					   : LDNS_STATUS_ERR;
		if (rc == 0 && st == LDNS_STATUS_OK) {
			good++;
		} else {
			char *s = ldns_rr2str(sig);
			diag("RRSIG does not verify (sign %d, ldns %s): %s", rc,
			     ldns_get_errorstr_by_id(st), s);
			free(s);
			(*bad)++;
		}
		ldns_rr_list_free(good_keys);
		ldns_rr_list_free(set);
		ldns_buffer_free(rd);
		ldns_buffer_free(sb);
	}
	return good;
}

/* Every RRSIG of the reply verifies; returns how many there are. */
static unsigned
verify_all(const char *what)
{
	unsigned bad = 0;
	unsigned n = verify_section(ldns_pkt_answer(pkt), &bad) +
		     verify_section(ldns_pkt_authority(pkt), &bad);
	ok(bad == 0, "%s: every RRSIG verifies (sign_rrsig_verify and ldns)", what);
	return n;
}

/* RRSIGs in a section that cover type. */
static unsigned
sigs_over(ldns_rr_list *sec, ldns_rr_type t)
{
	unsigned n = 0;

	for (size_t i = 0; i < ldns_rr_list_rr_count(sec); i++) {
		ldns_rr *rr = ldns_rr_list_rr(sec, i);
		n += ldns_rr_get_type(rr) == LDNS_RR_TYPE_RRSIG &&
		     ldns_rdf2rr_type(ldns_rr_rrsig_typecovered(rr)) == t;
	}
	return n;
}

/* The first NSEC of the authority section, or NULL. */
static ldns_rr *
first_nsec(void)
{
	ldns_rr_list *a = ldns_pkt_authority(pkt);

	for (size_t i = 0; i < ldns_rr_list_rr_count(a); i++)
		if (ldns_rr_get_type(ldns_rr_list_rr(a, i)) == LDNS_RR_TYPE_NSEC)
			return ldns_rr_list_rr(a, i);
	return NULL;
}

static bool
owner_is(ldns_rr *rr, const char *name)
{
	ldns_rdf *d = ldns_dname_new_frm_str(name);
	bool eq = rr && ldns_dname_compare(ldns_rr_owner(rr), d) == 0;

	ldns_rdf_deep_free(d);
	return eq;
}

/* ldns's validator logic agrees that the authority section's NSECs deny name/type. */
static bool
ldns_denies(const char *name, ldns_rr_type t)
{
	ldns_rr_list *au = ldns_pkt_authority(pkt);
	ldns_rr_list *nsecs = ldns_rr_list_new(), *sigs = ldns_rr_list_new();
	ldns_rr *q = ldns_rr_new();

	for (size_t i = 0; i < ldns_rr_list_rr_count(au); i++) {
		ldns_rr *rr = ldns_rr_list_rr(au, i);
		if (ldns_rr_get_type(rr) == LDNS_RR_TYPE_NSEC)
			ldns_rr_list_push_rr(nsecs, rr);
		else if (ldns_rr_get_type(rr) == LDNS_RR_TYPE_RRSIG)
			ldns_rr_list_push_rr(sigs, rr);
	}
	ldns_rr_set_owner(q, ldns_dname_new_frm_str(name));
	ldns_rr_set_type(q, t);
	ldns_status st = ldns_dnssec_verify_denial(q, nsecs, sigs);
	if (st != LDNS_STATUS_OK)
		diag("ldns: %s %d not denied: %s", name, (int)t, ldns_get_errorstr_by_id(st));
	ldns_rr_free(q);
	ldns_rr_list_free(nsecs);
	ldns_rr_list_free(sigs);
	return st == LDNS_STATUS_OK;
}

static bool
nsec_has(ldns_rr *nsec, ldns_rr_type t)
{
	return nsec && ldns_nsec_bitmap_covers_type(ldns_rr_rdf(nsec, 1), t);
}

/* DNSKEY and CDS from the table in use, which holds nkeys keys; keeps the DNSKEYs in dnskeys. */
static void
test_dnskey(unsigned nkeys)
{
	ask("engine.example", DNS_T_DNSKEY, true);
	dnskeys = ldns_rr_list_new();
	for (size_t i = 0; i < ldns_rr_list_rr_count(ldns_pkt_answer(pkt)); i++) {
		ldns_rr *rr = ldns_rr_list_rr(ldns_pkt_answer(pkt), i);
		if (ldns_rr_get_type(rr) == LDNS_RR_TYPE_DNSKEY)
			ldns_rr_list_push_rr(dnskeys, ldns_rr_clone(rr));
	}
	is_int(count_type(ldns_pkt_answer(pkt), LDNS_RR_TYPE_DNSKEY), nkeys,
	       "DNSKEY: every key from the key table");
	ok(sigs_over(ldns_pkt_answer(pkt), LDNS_RR_TYPE_DNSKEY) >= 1, "DNSKEY: with its RRSIG");
	ok(verify_all("DNSKEY") >= 1, "DNSKEY: the KSK's RRSIG verifies");

	ask("engine.example", DNS_T_CDS, true);
	ok(count_type(ldns_pkt_answer(pkt), LDNS_RR_TYPE_CDS) == 1 &&
	   sigs_over(ldns_pkt_answer(pkt), LDNS_RR_TYPE_CDS) >= 1, "CDS: from the table, signed");
	verify_all("CDS");

	ask("engine.example", DNS_T_DNSKEY, false);
	ok(count_type(ldns_pkt_answer(pkt), LDNS_RR_TYPE_DNSKEY) == nkeys &&
	   count_type(ldns_pkt_answer(pkt), LDNS_RR_TYPE_RRSIG) == 0,
	   "DNSKEY without DO: the keys, no RRSIG");
}

static void
test_positive(void)
{
	uint64_t miss = dp_counter_get(&w, DP_CNT_SIG_MISS), hit = dp_counter_get(&w, DP_CNT_SIG_HIT);
	uint64_t signed_before = dp_counter_get(&w, DP_CNT_SIGNED);

	ask("www.engine.example", DNS_T_A, false);
	is_int(count_type(ldns_pkt_answer(pkt), LDNS_RR_TYPE_RRSIG), 0, "DO clear: no RRSIG");

	ask("www.engine.example", DNS_T_A, true);
	ok(sigs_over(ldns_pkt_answer(pkt), LDNS_RR_TYPE_A) == 1, "A: one RRSIG by the ZSK");
	is_int(verify_all("A"), 1, "A: the RRSIG verifies");
	is_int(count_type(ldns_pkt_additional(pkt), LDNS_RR_TYPE_RRSIG), 0, "nothing signed in additional");
	ok(dp_counter_get(&w, DP_CNT_SIG_MISS) == miss + 1, "first A: a signature made");

	ask("WWW.Engine.Example", DNS_T_A, true);
	verify_all("A again, other case");
	ok(dp_counter_get(&w, DP_CNT_SIG_HIT) == hit + 1 && dp_counter_get(&w, DP_CNT_SIG_MISS) == miss + 1,
	   "repeated A: the signature comes from the cache");
	ok(dp_counter_get(&w, DP_CNT_SIGNED) == signed_before + 2, "signed replies are counted");

	ask("c1.engine.example", DNS_T_A, true);
	is_int(sigs_over(ldns_pkt_answer(pkt), LDNS_RR_TYPE_CNAME), 3, "CNAME chain: each CNAME signed");
	is_int(sigs_over(ldns_pkt_answer(pkt), LDNS_RR_TYPE_A), 1, "CNAME chain: the A signed");
	is_int(verify_all("CNAME chain"), 4, "CNAME chain: four RRSIGs verify");
}

static void
test_wildcard(void)
{
	ask("host.wild.engine.example", DNS_T_A, true);
	ldns_rr_list *an = ldns_pkt_answer(pkt);
	ldns_rr *sig = NULL;
	for (size_t i = 0; i < ldns_rr_list_rr_count(an); i++)
		if (ldns_rr_get_type(ldns_rr_list_rr(an, i)) == LDNS_RR_TYPE_RRSIG)
			sig = ldns_rr_list_rr(an, i);
	ok(sig && ldns_rdf2native_int8(ldns_rr_rrsig_labels(sig)) == 3,
	   "wildcard: RRSIG labels 3 (the wildcard's, without the *)");
	ldns_rr *nsec = first_nsec();
	ok(nsec && sigs_over(ldns_pkt_authority(pkt), LDNS_RR_TYPE_NSEC) == 1,
	   "wildcard: a signed NSEC in authority");
	ok(nsec && dns_nsec_covers(ldns_rdf_data(ldns_rr_owner(nsec)),
				   ldns_rdf_data(ldns_rr_rdf(nsec, 0)),
				   (const uint8_t *)"\004host\004wild\006engine\007example"),
	   "wildcard: the NSEC covers the query name");
	is_int(verify_all("wildcard"), 2, "wildcard: both RRSIGs verify");

	ask("x.wc.engine.example", DNS_T_A, true);
	ok(sigs_over(ldns_pkt_answer(pkt), LDNS_RR_TYPE_CNAME) == 1 &&
	   sigs_over(ldns_pkt_answer(pkt), LDNS_RR_TYPE_A) == 1 && first_nsec(),
	   "wildcard CNAME: CNAME and target signed, the proof in authority");
	verify_all("wildcard CNAME");
}

static void
test_compact(void)
{
	ask("nothere.engine.example", DNS_T_A, true);
	is_int(ldns_pkt_get_rcode(pkt), LDNS_RCODE_NOERROR, "compact NXDOMAIN: rcode NOERROR");
	ldns_rr *nsec = first_nsec();
	ok(owner_is(nsec, "nothere.engine.example.") && nsec_has(nsec, (ldns_rr_type)DNS_T_NXNAME) &&
	   !nsec_has(nsec, LDNS_RR_TYPE_A), "compact NXDOMAIN: NSEC at the name with NXNAME");
	ok(ldns_rr_ttl(nsec) == 300, "compact NXDOMAIN: NSEC TTL is the negative TTL");
	ok(sigs_over(ldns_pkt_authority(pkt), LDNS_RR_TYPE_SOA) == 1 &&
	   sigs_over(ldns_pkt_authority(pkt), LDNS_RR_TYPE_NSEC) == 1,
	   "compact NXDOMAIN: SOA and NSEC signed");
	is_int(verify_all("compact NXDOMAIN"), 2, "compact NXDOMAIN: both RRSIGs verify");
	ok(ldns_denies("nothere.engine.example.", LDNS_RR_TYPE_A), "compact NXDOMAIN: ldns sees the denial");

	ask("www.engine.example", DNS_T_TXT, true);
	nsec = first_nsec();
	ok(owner_is(nsec, "www.engine.example.") && nsec_has(nsec, LDNS_RR_TYPE_A) &&
	   nsec_has(nsec, LDNS_RR_TYPE_AAAA) && !nsec_has(nsec, LDNS_RR_TYPE_TXT) &&
	   !nsec_has(nsec, (ldns_rr_type)DNS_T_NXNAME), "NODATA: NSEC at the name with its types");
	is_int(verify_all("NODATA"), 2, "NODATA: both RRSIGs verify");
	ok(ldns_denies("www.engine.example.", LDNS_RR_TYPE_TXT), "NODATA: ldns sees the denial");

	ask("www.engine.example", DNS_T_NSEC, true);
	ldns_rr_list *an = ldns_pkt_answer(pkt);
	ok(count_type(an, LDNS_RR_TYPE_NSEC) == 1 && sigs_over(an, LDNS_RR_TYPE_NSEC) == 1 &&
	   owner_is(ldns_rr_list_rr(an, 0), "www.engine.example.") &&
	   nsec_has(ldns_rr_list_rr(an, 0), LDNS_RR_TYPE_NSEC),
	   "type NSEC: the synthesized NSEC as the answer, signed");
	is_int(verify_all("type NSEC"), 1, "type NSEC: its RRSIG verifies");
	ask("nothere.engine.example", DNS_T_NSEC, true);
	an = ldns_pkt_answer(pkt);
	ok(count_type(an, LDNS_RR_TYPE_NSEC) == 1 &&
	   nsec_has(ldns_rr_list_rr(an, 0), (ldns_rr_type)DNS_T_NXNAME),
	   "type NSEC for a missing name: the NXNAME NSEC as the answer");
	verify_all("type NSEC, missing name");

	ask("www.engine.example", DNS_T_RRSIG, true);
	an = ldns_pkt_answer(pkt);
	ok(ldns_rr_list_rr_count(an) == 2 && sigs_over(an, LDNS_RR_TYPE_A) == 1 &&
	   sigs_over(an, LDNS_RR_TYPE_AAAA) == 1, "type RRSIG: the RRSIGs over each RRset of the name");
	ask("engine.example", DNS_T_RRSIG, true);
	an = ldns_pkt_answer(pkt);
	ok(sigs_over(an, LDNS_RR_TYPE_SOA) == 1 && sigs_over(an, LDNS_RR_TYPE_NS) == 1 &&
	   sigs_over(an, LDNS_RR_TYPE_DNSKEY) == 1 && sigs_over(an, LDNS_RR_TYPE_CDS) == 1 &&
	   count_type(an, LDNS_RR_TYPE_RRSIG) == ldns_rr_list_rr_count(an),
	   "type RRSIG at the apex: the zone's RRSIGs and the key table's");

	ask("engine.example", DNS_T_TXT, true);
	nsec = first_nsec();
	ok(nsec_has(nsec, LDNS_RR_TYPE_DNSKEY) && nsec_has(nsec, LDNS_RR_TYPE_SOA),
	   "NODATA at the apex: DNSKEY in the bitmap");
	verify_all("apex NODATA");
}

static void
test_delegations(void)
{
	ask("host.deleg.engine.example", DNS_T_A, true);
	ldns_rr_list *au = ldns_pkt_authority(pkt);
	ok(count_type(au, LDNS_RR_TYPE_NS) == 3 && sigs_over(au, LDNS_RR_TYPE_NS) == 0,
	   "secure referral: NS unsigned");
	ok(count_type(au, LDNS_RR_TYPE_DS) == 1 && sigs_over(au, LDNS_RR_TYPE_DS) == 1,
	   "secure referral: DS signed");
	is_int(count_type(ldns_pkt_additional(pkt), LDNS_RR_TYPE_RRSIG), 0, "glue unsigned");
	is_int(verify_all("secure referral"), 1, "secure referral: the DS RRSIG verifies");

	ask("host.nods.engine.example", DNS_T_A, true);
	ldns_rr *nsec = first_nsec();
	ok(owner_is(nsec, "nods.engine.example.") && nsec_has(nsec, LDNS_RR_TYPE_NS) &&
	   !nsec_has(nsec, LDNS_RR_TYPE_DS), "insecure referral: NSEC at the cut without DS");
	is_int(verify_all("insecure referral"), 1, "insecure referral: the NSEC RRSIG verifies");
	ok(ldns_denies("nods.engine.example.", LDNS_RR_TYPE_DS), "insecure referral: ldns sees no DS");

	ask("deleg.engine.example", DNS_T_DS, true);
	ok(count_type(ldns_pkt_answer(pkt), LDNS_RR_TYPE_DS) == 1 &&
	   sigs_over(ldns_pkt_answer(pkt), LDNS_RR_TYPE_DS) == 1, "DS at the cut: answered, signed");
	verify_all("DS");

	ask("nods.engine.example", DNS_T_DS, true);
	nsec = first_nsec();
	ok(owner_is(nsec, "nods.engine.example.") && nsec_has(nsec, LDNS_RR_TYPE_NS) &&
	   !nsec_has(nsec, LDNS_RR_TYPE_DS), "no DS at the cut: NSEC at the cut");
	verify_all("DS NODATA");
}

static void
test_sizes_and_unsigned(void)
{
	ask_size("c1.engine.example", DNS_T_A, false, 512);
	ok(!ldns_pkt_tc(pkt) && ldns_pkt_ancount(pkt) == 4, "chain without DO fits 512 octets");
	ask_size("c1.engine.example", DNS_T_A, true, 512);
	ok(ldns_pkt_tc(pkt) && ldns_pkt_ancount(pkt) == 0 && reply_len <= 512,
	   "chain with its RRSIGs over 512 octets: TC, no partial answer");
	ask_size("c1.engine.example", DNS_T_A, true, 1232);
	ok(!ldns_pkt_tc(pkt) && ldns_pkt_ancount(pkt) == 8, "the same within 1232 octets: complete");

	ask("www.engine.example", DNS_T_AAAA, true);
	ok(sigs_over(ldns_pkt_answer(pkt), LDNS_RR_TYPE_AAAA) == 1, "AAAA signed");
	const struct sign_keytable *kt = atomic_load(&slot.keys);
	atomic_store(&slot.keys, NULL);
	ask("www.engine.example", DNS_T_AAAA, true);
	ok(count_type(ldns_pkt_answer(pkt), LDNS_RR_TYPE_RRSIG) == 0 &&
	   ldns_pkt_ancount(pkt) == 1, "zone without a key table: unsigned answer");
	ask("nothere.engine.example", DNS_T_A, true);
	ok(ldns_pkt_get_rcode(pkt) == LDNS_RCODE_NXDOMAIN && !first_nsec(),
	   "zone without a key table: plain NXDOMAIN");
	atomic_store(&slot.keys, kt);

	unsigned id = w.id;
	w.id = 1; /* the tables have signer contexts for worker 0 only */
	ask("mail.engine.example", DNS_T_A, true);
	is_int(ldns_pkt_get_rcode(pkt), LDNS_RCODE_SERVFAIL,
	       "a worker the table has no signers for: SERVFAIL, never unsigned");
	ok(ldns_pkt_ancount(pkt) == 0 && ldns_pkt_nscount(pkt) == 0, "SERVFAIL: no records");
	w.id = id;
}

static void
test_two_zsks(struct sign_keytable *t)
{
	const struct sign_keytable *before = atomic_load(&slot.keys);

	atomic_store(&slot.keys, t);
	ask("www.engine.example", DNS_T_A, true);
	is_int(sigs_over(ldns_pkt_answer(pkt), LDNS_RR_TYPE_A), 2, "two ZSKs (15, 8): two RRSIGs");
	is_int(verify_all("two ZSKs"), 2, "two ZSKs: both verify");
	ask("host.wild.engine.example", DNS_T_MX, true);
	ldns_rr *nsec = first_nsec();
	ok(owner_is(nsec, "host.wild.engine.example.") && nsec_has(nsec, LDNS_RR_TYPE_A) &&
	   nsec_has(nsec, LDNS_RR_TYPE_TXT) && !nsec_has(nsec, LDNS_RR_TYPE_MX),
	   "wildcard NODATA: NSEC at the name with the wildcard's types");
	verify_all("wildcard NODATA");
	ok(ldns_denies("host.wild.engine.example.", LDNS_RR_TYPE_MX), "wildcard NODATA: ldns sees the denial");
	atomic_store(&slot.keys, before);
}

static void
test_nsec_mode(void)
{
	ask("nothere.engine.example", DNS_T_A, true);
	is_int(ldns_pkt_get_rcode(pkt), LDNS_RCODE_NXDOMAIN, "RFC 4470: NXDOMAIN kept");
	ldns_rr_list *au = ldns_pkt_authority(pkt);
	is_int(count_type(au, LDNS_RR_TYPE_NSEC), 2, "RFC 4470: two NSEC (name and wildcard)");
	bool name = false, wild = false;
	for (size_t i = 0; i < ldns_rr_list_rr_count(au); i++) {
		ldns_rr *rr = ldns_rr_list_rr(au, i);
		if (ldns_rr_get_type(rr) != LDNS_RR_TYPE_NSEC)
			continue;
		const uint8_t *o = ldns_rdf_data(ldns_rr_owner(rr)), *n = ldns_rdf_data(ldns_rr_rdf(rr, 0));
		name |= dns_nsec_covers(o, n, (const uint8_t *)"\007nothere\006engine\007example");
		wild |= dns_nsec_covers(o, n, (const uint8_t *)"\001*\006engine\007example");
	}
	ok(name && wild, "RFC 4470: the spans cover the name and the wildcard");
	is_int(verify_all("RFC 4470 NXDOMAIN"), 3, "RFC 4470: SOA and both NSEC RRSIGs verify");
	ok(ldns_denies("nothere.engine.example.", LDNS_RR_TYPE_A), "RFC 4470 NXDOMAIN: ldns sees the denial");
	ask("a.b.nothere.engine.example", DNS_T_A, true);
	ok(ldns_denies("a.b.nothere.engine.example.", LDNS_RR_TYPE_A),
	   "RFC 4470 NXDOMAIN three labels down: ldns sees the denial");
	verify_all("RFC 4470 deep NXDOMAIN");

	ask("www.engine.example", DNS_T_TXT, true);
	ok(owner_is(first_nsec(), "www.engine.example."), "RFC 4470 NODATA: NSEC at the name");
	verify_all("RFC 4470 NODATA");
}

/* Milliseconds of the clock the signing budget refills by. */
static uint64_t
budget_clock_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/*
 * A budget of 20 signatures a second: a burst of unique names over UDP
 * spends the full bucket and is then answered TC; cached answers and TCP
 * stay signed; the bucket refills with time. The test stops the refill
 * (a last refill time in the future) while it counts, so the counts do not
 * depend on how fast the machine is, and later moves that time back to
 * stand for time passing.
 */
static void
test_budget(const struct sign_keytable *t)
{
	char name[64];
	unsigned signed_n = 0, tc = 0, bad = 0;

	if (dp_zone_slot_init(&slot, 20, 1) < 0) {
		printf("Bail out! dp_zone_slot_init failed\n");
		exit(1);
	}
	atomic_store(&slot.keys, t);
	ask_size("www.engine.example", DNS_T_A, true, 1232); /* cached before the flood */
	ask_size("cached.flood.engine.example", DNS_T_A, true, 1232); /* and the SOA's RRSIG */
	slot.budget[0].credit = 20 * 1000;
	slot.budget[0].last_ms = UINT64_MAX;
	uint64_t limited = dp_counter_get(&w, DP_CNT_SIGN_LIMITED);
	for (unsigned i = 0; i < 40; i++) {
		snprintf(name, sizeof(name), "flood%u.engine.example", i);
		ask_size(name, DNS_T_A, true, 1232);
		if (ldns_pkt_tc(pkt))
			tc += ldns_pkt_ancount(pkt) == 0 && ldns_pkt_nscount(pkt) == 0 &&
			      ldns_pkt_get_rcode(pkt) == LDNS_RCODE_NOERROR;
		else if (count_type(ldns_pkt_authority(pkt), LDNS_RR_TYPE_RRSIG) > 0)
			signed_n += verify_all("budgeted NXDOMAIN") > 0;
		else
			bad++;
	}
	ok(signed_n == 20 && tc == 20 && bad == 0,
	   "budget of 20/s: %u unique names signed, then %u empty TC replies", signed_n, tc);
	is_int(dp_counter_get(&w, DP_CNT_SIGN_LIMITED) - limited, tc, "  counted as sign-limited");
	ask_size("www.engine.example", DNS_T_A, true, 1232);
	ok(!ldns_pkt_tc(pkt) && sigs_over(ldns_pkt_answer(pkt), LDNS_RR_TYPE_A) == 1,
	   "  over budget: a cached answer is still signed");
	ask("tcp.flood.engine.example", DNS_T_A, true);
	ok(!ldns_pkt_tc(pkt) && verify_all("budget over TCP") > 0,
	   "  over budget: a new name over TCP is signed");
	ask_size("flood-late.engine.example", DNS_T_A, true, 1232);
	ok(ldns_pkt_tc(pkt), "  over budget: a new name over UDP is TC");
	/* 120 ms earn 2.4 signatures: two more answers, then TC again. */
	slot.budget[0].last_ms = budget_clock_ms() - 120;
	signed_n = 0;
	for (unsigned i = 0; i < 3; i++) {
		snprintf(name, sizeof(name), "refill%u.engine.example", i);
		ask_size(name, DNS_T_A, true, 1232);
		signed_n += !ldns_pkt_tc(pkt) && verify_all("budget refilled") > 0;
		slot.budget[0].last_ms = UINT64_MAX;
	}
	is_int(signed_n, 2, "  120 ms later the bucket holds two signatures: two signed, then TC");
	dp_zone_slot_fini(&slot);
	slot.sign_rate = 0;
}

int
main(void)
{
	const char *src = getenv("SIGEDGE_SRCDIR");
	char path[1024], err[512];
	struct dns_zone *z = NULL;
	struct dns_zoneset *zs;

	snprintf(path, sizeof(path), "%s/tests/dataplane/core/engine-test.zone", src ? src : ".");
	if (dns_zone_load("engine.example", path, &z, err, sizeof(err)) < 0) {
		printf("Bail out! %s\n", err);
		return 1;
	}
	zs = dns_zoneset_new(&z, 1);
	dns_name_from_str("engine.example", apex, sizeof(apex));
	if (!zs || sign_key_generate(SIGN_ALG_ECDSAP256SHA256, SIGN_FLAGS_KSK, apex, &keys[0]) < 0 ||
	    sign_key_generate(SIGN_ALG_ED25519, SIGN_FLAGS_ZSK, apex, &keys[1]) < 0 ||
	    sign_key_generate(SIGN_ALG_RSASHA256, SIGN_FLAGS_ZSK, apex, &keys[2]) < 0) {
		printf("Bail out! setup failed\n");
		return 1;
	}
	dp_runtime_init(&rt);
	if (dp_worker_init(&w, &rt, 0) < 0) {
		printf("Bail out! dp_worker_init failed\n");
		return 1;
	}
	struct sign_keytable *compact = table(z, SIGN_DENIAL_COMPACT, 2);
	struct sign_keytable *nsec = table(z, SIGN_DENIAL_NSEC, 2);
	struct sign_keytable *two = table(z, SIGN_DENIAL_COMPACT, 3);
	atomic_init(&slot.keys, compact);
	view = (struct dp_view){ .zones = zs, .slots = slots, .udp_max = 1232 };
	atomic_store(&rt.view, &view);

	test_dnskey(2);
	test_positive();
	test_wildcard();
	test_compact();
	test_delegations();
	test_sizes_and_unsigned();
	atomic_store_explicit(&slot.keys, nsec, memory_order_release);
	test_nsec_mode();
	/* The DNSKEY RRset ldns checks against is that of the table in use. */
	ldns_rr_list_deep_free(dnskeys);
	atomic_store(&slot.keys, two);
	test_dnskey(3);
	test_two_zsks(two);
	test_budget(compact);

	ldns_pkt_free(pkt);
	ldns_rr_list_deep_free(dnskeys);
	dp_worker_fini(&w);
	dp_runtime_fini(&rt);
	sign_keytable_free(compact);
	sign_keytable_free(nsec);
	sign_keytable_free(two);
	for (unsigned i = 0; i < 3; i++)
		sign_key_free(keys[i]);
	dns_zone_unref(z);
	dns_zoneset_free(zs);
	return tap_done();
}
