/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target: arbitrary bytes as a DNS message reaching the
 * multi-signer code from the network, through every reader of such a
 * message on the control thread:
 * - TSIG: verified as a request and as a response (to a request whose MAC
 *   is req_mac) with one hmac-sha256 key; a verified request must accept
 *   its signed reply, a refused one must get its error TSIG;
 * - SIG(0): verified with one ECDSAP256SHA256 public key;
 * - UPDATE: parsed and scope-checked, and when both pass (zone
 *   example.com), applied to a zone of two peers (the peer is the low bit
 *   of the message ID) whose imported and contributed sets and served
 *   RRsets are fixtures; the result is committed (when it changed) or
 *   freed;
 * - a peer's reply: its DNSKEY, CDS and CDNSKEY RRsets read out, and when
 *   all three are, handed to the sync logic as what the peer serves.
 * A first octet of 0xff instead makes the rest the text form of a record
 * set (the store file), parsed with the fixture's peer names.
 *
 * Invariants checked (a violation aborts, which the fuzzer reports with the
 * input): results agree with return codes; every record set stays in
 * canonical order with no record without origins; an UPDATE changes only
 * its peer's claims and never imports a record of ours; a changed set
 * copies equal and its text form parses back equal.
 *
 * Nothing is kept between inputs but the read-only fixtures: every set the
 * sync logic changes is a copy made for the input.
 *
 * The seeds (corpus/keysync/) were made at NOW with dnspython (TSIG key
 * TSIG_SPEC; responses over req_mac) and, for SIG(0), dnspython's message
 * signed by tests/keysync/sig0_tool with the private key of sig0_pub
 * (dnssec-keygen -a ECDSAP256SHA256 -n ZONE example.com; not kept).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dns/err.h"
#include "dns/name.h"
#include "dns/rdata.h"
#include "dns/wire.h"
#include "keysync/msg.h"
#include "keysync/recset.h"
#include "keysync/sig0.h"
#include "keysync/sync.h"
#include "keysync/tsig.h"
#include "keysync/update.h"
#include "sign/key.h"

#define NOW 1800000000ULL
#define TSIG_SPEC "hmac-sha256:ks-fuzz.:c2lnZWRnZS1mdXp6LWtleXN5bmMtaG1hYy1zaGEyNTY="
#define TEXT_MODE 0xff
#define UPDATE_RRS 256
#define BIT(i) ((uint64_t)1 << (i))

static const uint8_t apex[] = "\7example\3com";

static const uint8_t req_mac[32] = {
	0xb4, 0x56, 0xf6, 0xdb, 0xf7, 0x4e, 0x59, 0x60, 0x56, 0x82, 0xda, 0xec, 0xfd, 0x7f, 0xea, 0x0c,
	0x03, 0x63, 0xe7, 0x28, 0xc3, 0xe2, 0xa6, 0x03, 0x1e, 0x19, 0xfd, 0x73, 0xf7, 0x0a, 0xdb, 0xd1,
};

/* DNSKEY 256 3 13, the public key of the SIG(0) seed's signer example.com. */
static const uint8_t sig0_pub[4 + 64] = {
	0x01, 0x00, 0x03, 0x0d,
	0x61, 0xf2, 0xd1, 0x37, 0x9e, 0x94, 0xd2, 0x37, 0xc3, 0x43, 0x97, 0x95, 0xf3, 0x6e, 0xc1, 0xe4,
	0x93, 0x35, 0xde, 0x76, 0x30, 0x3e, 0x9d, 0x57, 0xff, 0x6b, 0xf3, 0x61, 0x04, 0xe5, 0xf1, 0x92,
	0x11, 0x7b, 0xbd, 0xdb, 0xc0, 0x24, 0xaf, 0x39, 0xd1, 0x77, 0x20, 0x68, 0xc4, 0x5a, 0x85, 0xe7,
	0x2f, 0x3a, 0xd7, 0xc7, 0x27, 0xb0, 0xc7, 0xc3, 0x9d, 0xe0, 0xfe, 0xd1, 0x97, 0x36, 0x2f, 0x94,
};

#define KEY_A "15p6zYrg9PuriYGRQqu+v3T/NCMrKSUjPT1+CkSb4FCbdfqV87T8J/QJmxuOu1VZ8NQWbIUt8S2zPpgXerFJew=="
#define KEY_B "CVznXApQueIyqtDVr2fQ2Fkzc/R7dpfrRuXn+4ZXWy6y5suVVzrWMhosjPxsefNY+qD55axc30Ll0uEMeYExUQ=="
#define KEY_C "u65tckt0BEvZE9RAJ7gNhpkDJ7hQFGtKpw9Q/I5d2JR1YiTutqsP7I+n5KJ8Po0GgUJIqxr70SYN7Vs5osXv3A=="
#define KEY_D "tUJwUOahQADBy/IlNjNCiYhfGZhJeRV+ZmNgbsQXAEkU8xW8ddehM6mfoYY9yy9YEOlNV2y32nxlGnn7j2h63g=="
#define CDS_1 "12345 13 2 5CE294791C870AA389A047FEFA161BFFABA4AF0818E67264E9313F709B4D388D"

/* The peers' records we serve: A from p0, B from both, a CDS from p1. */
static const char imported_text[] =
	"p0 example.com. 3600 IN DNSKEY 256 3 13 " KEY_A "\n"
	"p0,p1 example.com. 3600 IN DNSKEY 256 3 13 " KEY_B "\n"
	"p1 example.com. 3600 IN CDS " CDS_1 "\n";
/* Ours: C (held by p0) and its CDNSKEY; D, no longer ours, still held by p1. */
static const char contributed_text[] =
	"self,p0 example.com. 3600 IN DNSKEY 257 3 13 " KEY_C "\n"
	"p1 example.com. 3600 IN DNSKEY 256 3 13 " KEY_D "\n"
	"self example.com. 3600 IN CDNSKEY 257 3 13 " KEY_C "\n";

static const struct ksync_timing timing = { .poll_interval = 3600, .retry_min = 10,
					     .retry_max = 80 };
static const bool push[2] = { true, true }, poll[2] = { true, false };
static const char *const peer_names[2] = { "p0", "p1" };

static struct ksync_tsig_key tsig_key;
static struct sign_key *sig0_key;
static struct ksync_zone zone;
static struct ksync_observed served;
static uint8_t served_buf[3][2048];

int LLVMFuzzerInitialize(int *argc, char ***argv);
const char *__lsan_default_suppressions(void);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond)                                                                   \
	do {                                                                          \
		if (!(cond)) {                                                        \
			fprintf(stderr, "fuzz_keysync: %s:%d: %s\n", __FILE__, __LINE__, #cond); \
			abort();                                                      \
		}                                                                     \
	} while (0)

static struct dns_rrset *
served_rrset(uint16_t type, uint8_t **buf)
{
	switch (type) {
	case DNS_T_DNSKEY: *buf = served_buf[0]; return &served.dnskey;
	case DNS_T_CDS: *buf = served_buf[1]; return &served.cds;
	default: *buf = served_buf[2]; return &served.cdnskey;
	}
}

static void
served_add(const struct ksync_rec *r)
{
	uint8_t *buf;
	struct dns_rrset *rs = served_rrset(r->type, &buf);
	CHECK(rs->rdlen + 2u + r->rdlen <= sizeof(served_buf[0]));
	dns_put16(buf + rs->rdlen, r->rdlen);
	memcpy(buf + rs->rdlen + 2, r->rdata, r->rdlen);
	rs->rdlen += 2u + r->rdlen;
	rs->count++;
	rs->ttl = r->ttl;
}

static void
fixture_set(const char *text, struct ksync_recset *s)
{
	const char *names[KSYNC_ORIGIN_MAX] = { "p0", "p1" };
	char err[256];

	names[KSYNC_SELF] = "self";
	if (ksync_recset_parse(text, strlen(text), apex, names, KSYNC_ORIGIN_MAX, s, NULL, err,
			       sizeof(err)) != 0) {
		fprintf(stderr, "fuzz_keysync: fixture: %s\n", err);
		abort();
	}
}

/*
 * ldns 1.8.3 leaks the gateway and key strings of an IPSECKEY that does not
 * parse (ldns_str2rdf_ipseckey); the record-set text reaches it before its
 * type is refused. Not sigedge's leak: suppressed by name.
 */
const char *
__lsan_default_suppressions(void)
{
	return "leak:ldns_str2rdf_ipseckey\n";
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	static const uint16_t types[] = { DNS_T_DNSKEY, DNS_T_CDS, DNS_T_CDNSKEY };
	char err[256];

	(void)argc;
	(void)argv;
	if (ksync_tsig_key_parse(TSIG_SPEC, &tsig_key, err, sizeof(err)) != 0) {
		fprintf(stderr, "fuzz_keysync: %s\n", err);
		abort();
	}
	CHECK(sign_key_from_dnskey(apex, sig0_pub, sizeof(sig0_pub), &sig0_key) == 0);
	CHECK(ksync_zone_init(&zone, 2, &timing, 2, push, poll) == 0);
	fixture_set(imported_text, &zone.imported);
	fixture_set(contributed_text, &zone.contributed);
	/* Served: the imported records and ours. */
	for (size_t i = 0; i < 3; i++) {
		uint8_t *buf;
		struct dns_rrset *rs = served_rrset(types[i], &buf);
		rs->type = types[i];
		rs->rdata = buf;
	}
	for (size_t i = 0; i < zone.imported.n; i++)
		served_add(&zone.imported.v[i]);
	for (size_t i = 0; i < zone.contributed.n; i++)
		if (zone.contributed.v[i].origins & BIT(KSYNC_SELF))
			served_add(&zone.contributed.v[i]);
	return 0;
}

/* Canonical order (recset.h): by type, then RDATA, shorter first on a common prefix. */
static int
rec_cmp(const struct ksync_rec *a, const struct ksync_rec *b)
{
	if (a->type != b->type)
		return a->type < b->type ? -1 : 1;
	size_t n = a->rdlen < b->rdlen ? a->rdlen : b->rdlen;
	int c = memcmp(a->rdata, b->rdata, n);
	if (c)
		return c;
	return a->rdlen == b->rdlen ? 0 : a->rdlen < b->rdlen ? -1 : 1;
}

/* Every record claimed, of a type the set may hold, in strictly canonical order. */
static void
check_set(const struct ksync_recset *s)
{
	CHECK(s->n <= s->cap);
	for (size_t i = 0; i < s->n; i++) {
		const struct ksync_rec *r = &s->v[i];
		CHECK(r->origins != 0 && r->rdlen > 0 && r->rdata);
		CHECK(r->type == DNS_T_DNSKEY || r->type == DNS_T_CDS ||
		      r->type == DNS_T_CDNSKEY || r->type == DNS_T_RRSIG);
		if (i)
			CHECK(rec_cmp(&s->v[i - 1], r) < 0);
	}
}

/* A copy is equal, and the text form (origins peer_names) parses back equal. */
static void
check_round_trip(const struct ksync_recset *s)
{
	struct ksync_recset copy, back;
	char *text = NULL, err[256];
	size_t unknown = 1;

	ksync_recset_init(&copy);
	ksync_recset_init(&back);
	CHECK(ksync_recset_dup(s, &copy) == 0);
	CHECK(ksync_recset_equal(s, &copy));
	long len = ksync_recset_format(s, apex, peer_names, 2, &text);
	if (len < 0)
		fprintf(stderr, "fuzz_keysync: format: %ld\n", len);
	CHECK(len >= 0 && text && strlen(text) == (size_t)len);
	int rc = ksync_recset_parse(text, (size_t)len, apex, peer_names, 2, &back, &unknown, err,
				    sizeof(err));
	if (rc != 0)
		fprintf(stderr, "fuzz_keysync: parse back: %s\n%s", err, text);
	CHECK(rc == 0 && unknown == 0);
	CHECK(ksync_recset_equal(s, &back));
	free(text);
	ksync_recset_free(&copy);
	ksync_recset_free(&back);
}

static void
fuzz_tsig(const uint8_t *msg, size_t len)
{
	struct ksync_tsig_result r, rr;
	uint8_t reply[DNS_HDR_LEN + 512];
	size_t n;

	int rc = ksync_tsig_verify(msg, len, &tsig_key, 1, NOW, NULL, 0, &r);
	CHECK(rc == 0 || rc == DNS_ENOTFOUND || rc == DNS_EMALFORMED || rc == -EACCES);
	CHECK((rc == 0 || rc == DNS_ENOTFOUND) == (r.rcode == DNS_R_NOERROR));
	CHECK((rc == DNS_EMALFORMED) == (r.rcode == DNS_R_FORMERR));
	/* A reply: the request's ID, QR set, no sections. */
	memset(reply, 0, DNS_HDR_LEN);
	if (len >= 2)
		memcpy(reply, msg, 2);
	reply[2] = 0x80;
	if (rc == 0) {
		CHECK(r.key == &tsig_key && r.tsig_pos < len && r.mac_len <= KSYNC_TSIG_MAC_MAX);
		CHECK(ksync_tsig_sign(reply, DNS_HDR_LEN, sizeof(reply), &tsig_key, NOW, r.mac,
				      r.mac_len, NULL, &n) == 0);
		CHECK(ksync_tsig_verify(reply, n, &tsig_key, 1, NOW, r.mac, r.mac_len, &rr) == 0);
	} else if (rc == -EACCES) {
		CHECK(r.rcode == DNS_R_NOTAUTH);
		CHECK(r.error == KSYNC_TSIG_BADKEY || r.error == KSYNC_TSIG_BADSIG ||
		      r.error == KSYNC_TSIG_BADTIME || r.error == KSYNC_TSIG_BADTRUNC);
		reply[3] = DNS_R_NOTAUTH;
		rc = ksync_tsig_sign_error(reply, DNS_HDR_LEN, sizeof(reply), &r, NOW, &n);
		CHECK(rc == 0 && n > DNS_HDR_LEN && n <= sizeof(reply));
	}
	rc = ksync_tsig_verify(msg, len, &tsig_key, 1, NOW, req_mac, sizeof(req_mac), &r);
	CHECK(rc == 0 || rc == DNS_ENOTFOUND || rc == DNS_EMALFORMED || rc == -EACCES);
	CHECK((rc == 0 || rc == DNS_ENOTFOUND) == (r.rcode == DNS_R_NOERROR));
}

static void
fuzz_sig0(const uint8_t *msg, size_t len)
{
	const struct sign_key *keys[] = { NULL, sig0_key };
	struct ksync_sig0_result r;

	int rc = ksync_sig0_verify(msg, len, keys, 2, NOW, NULL, 0, &r);
	CHECK(rc == 0 || rc == DNS_ENOTFOUND || rc == DNS_EMALFORMED || rc == -EACCES);
	CHECK((rc == 0 || rc == DNS_ENOTFOUND) == (r.rcode == DNS_R_NOERROR));
	CHECK((rc == DNS_EMALFORMED) == (r.rcode == DNS_R_FORMERR));
	if (rc == 0)
		CHECK(r.key == sig0_key && r.sig_pos < len);
	if (rc == -EACCES)
		CHECK(r.error == KSYNC_SIG0_BADKEY || r.error == KSYNC_SIG0_BADSIG ||
		      r.error == KSYNC_SIG0_BADTIME);
}

/* The origins of (type, rdata) in s, 0 when absent. */
static uint64_t
origins_of(const struct ksync_recset *s, uint16_t type, const uint8_t *rdata, uint16_t rdlen)
{
	long i = ksync_recset_find(s, type, rdata, rdlen);
	return i < 0 ? 0 : s->v[i].origins;
}

/* next is what peer's UPDATE made of zone.imported. */
static void
check_update_result(const struct ksync_recset *next, size_t peer, bool changed)
{
	const struct ksync_recset *old = &zone.imported;

	check_set(next);
	CHECK(changed == !ksync_recset_equal(next, old));
	/* Only the peer's claims change, and no record of ours gains one. */
	for (size_t i = 0; i < next->n; i++) {
		const struct ksync_rec *r = &next->v[i];
		uint64_t before = origins_of(old, r->type, r->rdata, r->rdlen);
		CHECK((r->origins & ~BIT(peer)) == (before & ~BIT(peer)));
		if ((r->origins & BIT(peer)) && !(before & BIT(peer)))
			CHECK(!(origins_of(&zone.contributed, r->type, r->rdata, r->rdlen) &
				BIT(KSYNC_SELF)));
	}
	for (size_t i = 0; i < old->n; i++) {
		const struct ksync_rec *r = &old->v[i];
		CHECK((origins_of(next, r->type, r->rdata, r->rdlen) & ~BIT(peer)) ==
		      (r->origins & ~BIT(peer)));
	}
	if (changed)
		check_round_trip(next);
}

static void
fuzz_update(const uint8_t *msg, size_t len)
{
	/* Static: about 70 KiB, as the server keeps it. */
	static struct ksync_update_rr rrs[UPDATE_RRS];
	struct ksync_update u;

	int rc = ksync_update_parse(msg, len, rrs, UPDATE_RRS, &u);
	CHECK((rc == 0) == (u.rcode == DNS_R_NOERROR));
	if (rc != 0)
		return;
	CHECK(u.prereq == rrs && u.update == rrs + u.nprereq &&
	      u.nprereq + u.nupdate <= UPDATE_RRS);
	for (size_t i = 0; i < u.nprereq + u.nupdate; i++)
		CHECK(rrs[i].rdlen == 0 ||
		      (rrs[i].rdata >= msg && rrs[i].rdata + rrs[i].rdlen <= msg + len));
	if (ksync_update_scope(&u) != DNS_R_NOERROR || !dns_name_equal(u.zone, apex))
		return;

	size_t peer = u.id & 1;
	struct ksync_recset next;
	bool changed = true;
	uint8_t rcode = ksync_zone_update(&zone, peer, &u, &served, &next, &changed);
	if (rcode != DNS_R_NOERROR) {
		CHECK(!changed && next.n == 0);
		ksync_recset_free(&next);
		return;
	}
	check_update_result(&next, peer, changed);
	if (!changed) {
		ksync_recset_free(&next);
		return;
	}
	/* Commit into a zone of the input's own, sharing only the read-only parts. */
	struct ksync_zone local = zone;
	struct ksync_recset expect;
	ksync_recset_init(&expect);
	CHECK(ksync_recset_dup(&next, &expect) == 0);
	CHECK(ksync_recset_dup(&zone.imported, &local.imported) == 0);
	ksync_zone_commit(&local, &next);
	CHECK(next.n == 0 && ksync_recset_equal(&local.imported, &expect));
	ksync_recset_free(&next);
	ksync_recset_free(&expect);
	ksync_recset_free(&local.imported);
}

/* The RRset walks as count x { u16 length, RDATA } over exactly rdlen octets of buf. */
static void
check_rrset(const struct dns_rrset *rs, uint16_t type, const uint8_t *buf, size_t cap)
{
	CHECK(rs->type == type);
	if (rs->count == 0)
		return;
	CHECK(rs->rdata >= buf && rs->rdata + rs->rdlen <= buf + cap);
	size_t pos = 0;
	for (uint16_t i = 0; i < rs->count; i++) {
		CHECK(pos + 2 <= rs->rdlen);
		pos += 2u + dns_get16(rs->rdata + pos);
		CHECK(pos <= rs->rdlen);
	}
	CHECK(pos == rs->rdlen);
}

static void
fuzz_answer(const uint8_t *msg, size_t len)
{
	static uint8_t buf[3][DNS_MSG_MAX];
	static const uint16_t types[] = { DNS_T_DNSKEY, DNS_T_CDS, DNS_T_CDNSKEY };
	struct ksync_observed obs;
	struct dns_rrset *rs[] = { &obs.dnskey, &obs.cds, &obs.cdnskey };
	bool all = true;

	memset(&obs, 0, sizeof(obs));
	for (size_t i = 0; i < 3; i++) {
		uint8_t rcode;
		int rc = ksync_msg_answer(msg, len, apex, types[i], buf[i], sizeof(buf[i]), rs[i],
					  &rcode);
		CHECK(rc == 0 || rc == DNS_EMALFORMED || rc == DNS_ESPACE);
		if (rc == 0)
			check_rrset(rs[i], types[i], buf[i], sizeof(buf[i]));
		all = all && rc == 0;
	}
	if (!all || len < 2)
		return;

	/* The peer (low bit of the ID) served these: a zone of the input's own sees them. */
	struct ksync_zone z;
	struct ksync_diff diff;
	bool changed;
	size_t peer = msg[1] & 1;
	CHECK(ksync_zone_init(&z, 2, &timing, 2, push, poll) == 0);
	CHECK(ksync_recset_dup(&zone.imported, &z.imported) == 0);
	CHECK(ksync_recset_dup(&zone.contributed, &z.contributed) == 0);
	CHECK(ksync_zone_restore(&z) == 0);
	CHECK(ksync_next_due(&z, (int64_t)NOW) == 0 && ksync_next_due(&z, (int64_t)NOW) == 1);
	int rc = ksync_peer_observed(&z, peer, &obs, (int64_t)NOW, &diff, &changed);
	CHECK(rc == 0 || rc == 1);
	check_set(&z.imported);
	check_set(&z.contributed);
	CHECK(diff.nadd <= KSYNC_DIFF_MAX && diff.ndel <= KSYNC_DIFF_MAX);
	for (size_t i = 0; i < diff.nadd + diff.ndel; i++) {
		const struct ksync_rec *r = i < diff.nadd ? diff.add[i] : diff.del[i - diff.nadd];
		CHECK(r >= z.contributed.v && r < z.contributed.v + z.contributed.n);
	}
	if (rc == 1) {
		static uint8_t m[DNS_MSG_MAX];
		CHECK(ksync_msg_push(m, sizeof(m), 1, apex, &diff) > 0);
	}
	if (changed)
		check_round_trip(&z.imported);
	ksync_zone_free(&z);
}

static void
fuzz_text(const uint8_t *text, size_t len)
{
	struct ksync_recset s;
	size_t unknown = 0;
	char err[256];

	ksync_recset_init(&s);
	if (ksync_recset_parse((const char *)text, len, apex, peer_names, 2, &s, &unknown, err,
			       sizeof(err)) == 0) {
		check_set(&s);
		check_round_trip(&s);
	}
	ksync_recset_free(&s);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > 0 && data[0] == TEXT_MODE) {
		fuzz_text(data + 1, size - 1);
		return 0;
	}
	fuzz_tsig(data, size);
	fuzz_sig0(data, size);
	fuzz_update(data, size);
	fuzz_answer(data, size);
	return 0;
}
