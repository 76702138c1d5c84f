/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sign/keytable: tables built from the fixture keys (KSK + ZSK, a CSK on its
 * own, two algorithms, no SEP key, a revoked KSK): roles, DNSKEY in canonical
 * order, every RRSIG verified, CDS equal to sign_key_ds, CDNSKEY equal to
 * the DNSKEY RDATA, worker signers that sign verifiably, the negative TTL
 * from the SOA, and the error cases. Multi-signer imports: model 2 (a peer's
 * keys merged and signed by our KSK), model 1 (the owner's signed RRsets
 * served verbatim, our keys signing zone data only), and sign_dnskeyset_check
 * on RRsets signed here with generated keys.
 */
#include <errno.h>

#include "../tap.h"
#include "dns/name.h"
#include "dns/rdata.h"
#include "dns/wire.h"
#include "sign/dnskeyset.h"
#include "sign/ds.h"
#include "sign/keyfile.h"
#include "sign/keystate.h"
#include "sign/keytable.h"
#include "helpers.h"

static char err[512];
static const char *dir;
static uint8_t scratch[1 << 16];
static uint8_t apex[DNS_NAME_MAXLEN];
static struct dns_zone *zone;

static const struct sign_validity validity = SIGN_VALIDITY_DEFAULT;
#define NOW 1700000000u

static struct sign_key *
load(const char *sub, const char *base)
{
	return load_pair(sub, base, dir, err, sizeof(err));
}

static struct sign_keytable_params
params(const struct sign_key *const *keys, size_t n)
{
	struct sign_keytable_params p = {
		.apex = apex, .zone = zone, .keys = keys, .nkeys = n, .dnskey_ttl = 0,
		.publish_cds = true, .denial = SIGN_DENIAL_COMPACT, .validity = validity,
		.nworkers = 3, .generation = 42, .now = NOW,
	};
	return p;
}

static bool
in(const struct sign_key *k, const struct sign_key *const *set, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (set[i] == k)
			return true;
	return false;
}

/* Every RRSIG of sig verifies over rs, and the signing keys are exactly ksk[]. */
static void
check_sigs(const struct sign_keytable *t, const struct dns_rrset *rs, const struct dns_rrset *sig,
	   const struct sign_key *const *ksk, size_t nksk, const char *what)
{
	struct sign_rrset_ref ref = sign_rrset_ref_of(t->apex, t->apex_len, rs);
	uint32_t pos = 0, inc, exp;
	uint16_t len;
	const uint8_t *rd;
	size_t good = 0;

	sign_validity_window(&validity, NOW, &inc, &exp);
	is_int(sig->type, DNS_T_RRSIG, "%s: RRSIG RRset type", what);
	is_int(sig->count, nksk, "%s: one RRSIG per key-signing key", what);
	is_int(sig->ttl, rs->ttl, "%s: RRSIG TTL", what);
	while ((rd = dns_rrset_next(sig, &pos, &len)) != NULL) {
		uint16_t tag = (uint16_t)(rd[16] << 8 | rd[17]);
		uint32_t e = (uint32_t)rd[8] << 24 | (uint32_t)rd[9] << 16 | rd[10] << 8 | rd[11];
		for (size_t i = 0; i < nksk; i++)
			if (sign_key_tag(ksk[i]) == tag && sign_key_alg(ksk[i]) == rd[2] &&
			    sign_rrsig_verify(ksk[i], &ref, rd, len, scratch, sizeof(scratch)) == 0 &&
			    e == exp && e == t->sigs_expire)
				good++;
	}
	is_int(good, nksk, "%s: every RRSIG verifies with its key-signing key", what);
}

/* A worker signer signs an RRset verifiably with its key. */
static void
check_signers(const struct sign_keytable *t)
{
	uint8_t rdata[6] = { 0, 4, 192, 0, 2, 1 }, owner[DNS_NAME_MAXLEN], out[1024];
	struct sign_rrset_ref rr = { owner, 0, DNS_T_A, 1, 300, sizeof(rdata), rdata };
	size_t good = 0;

	rr.owner_len = (size_t)dns_name_from_str("www.example.com", owner, sizeof(owner));
	for (unsigned w = 0; w < t->nworkers; w++)
		for (unsigned k = 0; k < t->nzsk; k++) {
			struct sign_signer *s = t->signers[w * t->nzsk + k];
			int n = sign_rrsig(s, &rr, NOW - 3600, NOW + 86400, scratch, sizeof(scratch),
					   out, sizeof(out));
			if (n > 0 && sign_rrsig_verify(t->zsk[k], &rr, out, (size_t)n, scratch,
						       sizeof(scratch)) == 0)
				good++;
		}
	is_int(good, t->nworkers * t->nzsk, "every worker signer signs with its key");
}

/*
 * Build from keys and check the table: zsk[] and ksk[] are the expected
 * roles, cds[] the keys expected in CDS/CDNSKEY.
 */
static void
check(const char *what, const struct sign_key *const *keys, size_t n,
      const struct sign_key *const *zsk, size_t nzsk, const struct sign_key *const *ksk,
      size_t nksk, const struct sign_key *const *cds, size_t ncds)
{
	struct sign_keytable_params p = params(keys, n);
	struct sign_keytable *t = NULL;
	uint32_t pos = 0;
	uint16_t len;
	const uint8_t *rd, *prev = NULL;
	uint16_t prevlen = 0;
	size_t found = 0, ordered = 0;

	diag("%s", what);
	int rc = sign_keytable_build(&p, &t, err, sizeof(err));
	is_int(rc, 0, "%s: builds", what);
	if (rc < 0) {
		diag("%s", err);
		return;
	}
	is_int(t->generation, 42, "generation");
	ok(t->apex_len == 13 && memcmp(t->apex, "\7example\3com", 13) == 0, "apex lowercased");
	is_int(t->denial, SIGN_DENIAL_COMPACT, "denial");
	is_int(t->neg_ttl, 300, "negative TTL = min(SOA TTL, MINIMUM)");
	is_int(t->nworkers, 3, "workers");

	is_int(t->nzsk, nzsk, "zone-signing key count");
	size_t zok = 0;
	for (size_t i = 0; i < t->nzsk && i < SIGN_KEYTABLE_MAXZSK; i++)
		zok += in(t->zsk[i], zsk, nzsk);
	is_int(zok, nzsk, "zone-signing keys are the expected ones");

	is_int(t->dnskey.type, DNS_T_DNSKEY, "DNSKEY type");
	is_int(t->dnskey.ttl, 3600, "DNSKEY TTL defaults to 3600");
	is_int(t->dnskey.count, n, "one DNSKEY per key");
	while ((rd = dns_rrset_next(&t->dnskey, &pos, &len)) != NULL) {
		for (size_t i = 0; i < n; i++) {
			size_t kl;
			const uint8_t *kd = sign_key_dnskey(keys[i], &kl);
			found += kl == len && memcmp(kd, rd, len) == 0;
		}
		ordered += !prev || dns_rdata_cmp(prev, prevlen, rd, len) < 0;
		prev = rd;
		prevlen = len;
	}
	is_int(found, n, "DNSKEY holds every key's RDATA");
	is_int(ordered, n, "DNSKEY in canonical order");
	check_sigs(t, &t->dnskey, &t->dnskey_sig, ksk, nksk, "DNSKEY");

	is_int(t->cds.count, ncds, "one CDS per key-signing key");
	is_int(t->cdnskey.count, ncds, "one CDNSKEY per key-signing key");
	found = 0;
	pos = 0;
	while ((rd = dns_rrset_next(&t->cds, &pos, &len)) != NULL)
		for (size_t i = 0; i < ncds; i++) {
			uint8_t ds[SIGN_DS_MAXLEN];
			int dl = sign_key_ds(cds[i], SIGN_DIGEST_SHA256, ds, sizeof(ds));
			found += dl == len && memcmp(ds, rd, len) == 0;
		}
	is_int(found, ncds, "CDS equals sign_key_ds (SHA-256)");
	found = 0;
	pos = 0;
	while ((rd = dns_rrset_next(&t->cdnskey, &pos, &len)) != NULL)
		for (size_t i = 0; i < ncds; i++) {
			size_t kl;
			const uint8_t *kd = sign_key_dnskey(cds[i], &kl);
			found += kl == len && memcmp(kd, rd, len) == 0;
		}
	is_int(found, ncds, "CDNSKEY equals the DNSKEY RDATA");
	if (ncds) {
		check_sigs(t, &t->cds, &t->cds_sig, ksk, nksk, "CDS");
		check_sigs(t, &t->cdnskey, &t->cdnskey_sig, ksk, nksk, "CDNSKEY");
	} else {
		ok(t->cds_sig.count == 0 && t->cdnskey_sig.count == 0, "no CDS/CDNSKEY RRSIGs");
	}
	check_signers(t);
	sign_keytable_free(t);

	/* Without publish_cds: no CDS, no CDNSKEY. */
	p.publish_cds = false;
	p.dnskey_ttl = 600;
	rc = sign_keytable_build(&p, &t, err, sizeof(err));
	ok(rc == 0 && t->cds.count == 0 && t->cdnskey.count == 0 && t->cds_sig.count == 0 &&
	   t->dnskey.ttl == 600 && t->dnskey_sig.ttl == 600,
	   "%s: without publish_cds, DNSKEY only, with its TTL", what);
	sign_keytable_free(t);
}

static void
expect_fail(const struct sign_keytable_params *p, int want, const char *needle, const char *what)
{
	struct sign_keytable *t = (struct sign_keytable *)&t;

	err[0] = 0;
	is_int(sign_keytable_build(p, &t, err, sizeof(err)), want, "%s fails", what);
	ok(t == NULL, "%s: no table", what);
	if (!ok(strstr(err, needle) != NULL, "%s: message", what))
		diag("got \"%s\"", err);
}

/* The key tags in rs (DNSKEY: computed; RRSIG: the signer's), sorted, space-separated. */
static const char *
tags(const struct dns_rrset *rs)
{
	static char out[256];
	unsigned v[16];
	size_t n = 0, len = 0;
	uint32_t pos = 0;
	uint16_t rdlen;
	const uint8_t *rd;

	while ((rd = dns_rrset_next(rs, &pos, &rdlen)) != NULL && n < 16)
		v[n++] = rs->type == DNS_T_RRSIG ? (unsigned)(rd[16] << 8 | rd[17])
						 : sign_keytag(rd, rdlen);
	for (size_t i = 1; i < n; i++)
		for (size_t j = i; j > 0 && v[j - 1] > v[j]; j--) {
			unsigned x = v[j];
			v[j] = v[j - 1];
			v[j - 1] = x;
		}
	out[0] = '\0';
	for (size_t i = 0; i < n; i++)
		len += (size_t)snprintf(out + len, sizeof(out) - len, "%s%u", i ? " " : "", v[i]);
	return out;
}

/* The keys that may have made an RRSIG in check_states, revoked ones too. */
static const struct sign_key *verifiers[8];
static size_t nverifiers;

/* Build keys with states; check the tags in DNSKEY, its RRSIGs, CDS and the ZSKs. */
static void
check_states(const char *what, const struct sign_key *const *keys, const unsigned *states,
	     size_t n, const char *dnskey, const char *sigs, const char *cds, const char *zsks)
{
	struct sign_keytable_params p = params(keys, n);
	struct sign_keytable *t = NULL;
	char z[64] = "";
	size_t len = 0;

	p.states = states;
	if (!ok(sign_keytable_build(&p, &t, err, sizeof(err)) == 0, "%s: builds", what)) {
		diag("%s", err);
		return;
	}
	is_str(tags(&t->dnskey), dnskey, "%s: DNSKEY", what);
	is_str(tags(&t->dnskey_sig), sigs, "%s: RRSIG DNSKEY", what);
	is_str(tags(&t->cdnskey), cds, "%s: CDNSKEY", what);
	is_int(t->cds.count, t->cdnskey.count, "%s: as many CDS", what);
	for (unsigned i = 0; i < t->nzsk; i++)
		len += (size_t)snprintf(z + len, sizeof(z) - len, "%s%u", i ? " " : "",
					sign_key_tag(t->zsk[i]));
	is_str(z, zsks, "%s: zone-signing keys", what);
	struct sign_rrset_ref ref = sign_rrset_ref_of(t->apex, t->apex_len, &t->dnskey);
	uint32_t pos = 0;
	uint16_t rdlen;
	const uint8_t *rd;
	size_t good = 0;
	while ((rd = dns_rrset_next(&t->dnskey_sig, &pos, &rdlen)) != NULL)
		for (size_t i = 0; i < nverifiers; i++)
			good += sign_key_tag(verifiers[i]) == (rd[16] << 8 | rd[17]) &&
				sign_rrsig_verify(verifiers[i], &ref, rd, rdlen, scratch,
						  sizeof(scratch)) == 0;
	is_int(good, t->dnskey_sig.count, "%s: every RRSIG DNSKEY verifies", what);
	sign_keytable_free(t);
}

/* Tables from keys in the states their timing gives (sign/keystate.h). */
static void
timing_cases(const struct sign_key *ksk, const struct sign_key *ksk2, const struct sign_key *zsk,
	     const struct sign_key *zsk2)
{
	const unsigned D = SIGN_KEY_STATE_DEFAULT, P = SIGN_KEY_PUBLISHED | SIGN_KEY_SYNC;
	const unsigned R = SIGN_KEY_STATE_DEFAULT | SIGN_KEY_REVOKED;
	const struct sign_key *kz[] = { ksk, zsk, zsk2 }, *kk[] = { ksk, ksk2, zsk };
	/* ksk 21321 (SEP), ksk2 22313 (SEP), zsk 48596, zsk2 61713; ksk revoked: 21449. */
	struct sign_key *rk = NULL;
	is_int(sign_key_dup(ksk, &rk), 0, "sign_key_dup");
	is_int(sign_key_set_flags(rk, SIGN_FLAGS_KSK | SIGN_FLAG_REVOKE), 0, "revoke the copy");
	ok(sign_key_tag(rk) != sign_key_tag(ksk) && sign_key_flags(ksk) == SIGN_FLAGS_KSK,
	   "the copy's tag changed, not the original's");
	char rtag[8];
	snprintf(rtag, sizeof(rtag), "%u", sign_key_tag(rk));
	const struct sign_key *v[] = { rk, ksk, ksk2, zsk, zsk2 };
	memcpy(verifiers, v, sizeof(v));
	nverifiers = 5;

	check_states("pre-published ZSK", kz, (const unsigned[]){ D, D, P }, 3,
		     "21321 48596 61713", "21321", "21321", "48596");
	check_states("unpublished ZSK", kz, (const unsigned[]){ D, D, SIGN_KEY_SYNC }, 3,
		     "21321 48596", "21321", "21321", "48596");
	check_states("retired ZSK beside the new one", kz, (const unsigned[]){ D, P, D }, 3,
		     "21321 48596 61713", "21321", "21321", "61713");
	check_states("both ZSKs active", kz, (const unsigned[]){ D, D, D }, 3,
		     "21321 48596 61713", "21321", "21321", "48596 61713");
	check_states("KSK without SyncPublish: no CDS", kz,
		     (const unsigned[]){ SIGN_KEY_PUBLISHED | SIGN_KEY_ACTIVE, D, 0 }, 3,
		     "21321 48596", "21321", "", "48596");
	char want[64], sigs[64];
	snprintf(want, sizeof(want), "%s 22313 48596", rtag);
	snprintf(sigs, sizeof(sigs), "%s 22313", rtag);
	if (strcmp(rtag, "22313") > 0) {
		snprintf(want, sizeof(want), "22313 %s 48596", rtag);
		snprintf(sigs, sizeof(sigs), "22313 %s", rtag);
	}
	check_states("KSK revoked by its timing beside a new KSK", kk,
		     (const unsigned[]){ R, D, D }, 3, want, sigs, "22313", "48596");
	snprintf(want, sizeof(want), "%s 48596", rtag);
	snprintf(sigs, sizeof(sigs), "%s 48596", rtag);
	check_states("the only SEP key revoked by its timing: self-signed, the ZSK signs too", kk,
		     (const unsigned[]){ R, SIGN_KEY_SYNC, D }, 3, want, sigs, "48596", "48596");
	check_states("a revoked SEP key that is not published is left out", kk,
		     (const unsigned[]){ SIGN_KEY_REVOKED, D, D }, 3, "22313 48596", "22313",
		     "22313", "48596");

	struct sign_keytable_params p = params(kz, 3);
	p.states = (const unsigned[]){ 0, 0, SIGN_KEY_SYNC };
	expect_fail(&p, -EINVAL, "no published key", "no key published");
	p.states = (const unsigned[]){ P, P, 0 };
	expect_fail(&p, -EINVAL, "no active key", "published keys, none active");
	p.states = (const unsigned[]){ R, 0, 0 };
	expect_fail(&p, -EINVAL, "no active key", "only a revoked key");
	sign_key_free(rk);
}

/* An RRset under construction, as a peer or zone owner would send it (MULTISIGNER.md 2). */
struct blobset {
	struct dns_rrset rs;
	uint8_t buf[4096];
};

static void
blobset_init(struct blobset *s, uint16_t type, uint32_t ttl)
{
	s->rs = (struct dns_rrset){ type, 0, ttl, 0, s->buf };
}

static void
blobset_add(struct blobset *s, const uint8_t *rd, size_t len)
{
	s->buf[s->rs.rdlen] = (uint8_t)(len >> 8);
	s->buf[s->rs.rdlen + 1] = (uint8_t)len;
	memcpy(s->buf + s->rs.rdlen + 2, rd, len);
	s->rs.rdlen += 2 + (uint32_t)len;
	s->rs.count++;
}

static void
blobset_key(struct blobset *s, const struct sign_key *k)
{
	size_t len;
	const uint8_t *rd = sign_key_dnskey(k, &len);

	blobset_add(s, rd, len);
}

static void
blobset_ds(struct blobset *s, const struct sign_key *k)
{
	uint8_t ds[SIGN_DS_MAXLEN];
	int n = sign_key_ds(k, SIGN_DIGEST_SHA256, ds, sizeof(ds));

	if (n > 0)
		blobset_add(s, ds, (size_t)n);
}

/* Add to sig an RRSIG over `over` (owner: the apex) made by k, valid from inc to exp. */
static void
blobset_sign(struct blobset *sig, const struct blobset *over, const struct sign_key *k,
	     uint32_t inc, uint32_t exp)
{
	struct sign_rrset_ref ref = sign_rrset_ref_of(apex, dns_name_len(apex), &over->rs);
	struct sign_signer *s = NULL;
	uint8_t out[1024];
	int n = -1;

	if (sign_signer_new(k, &s) == 0)
		n = sign_rrsig(s, &ref, inc, exp, scratch, sizeof(scratch), out, sizeof(out));
	if (n > 0)
		blobset_add(sig, out, (size_t)n);
	sign_signer_free(s);
}

static bool
has_key(const struct dns_rrset *rs, const struct sign_key *k)
{
	size_t len;
	const uint8_t *rd = sign_key_dnskey(k, &len);

	return dns_rrset_has(rs, rd, len);
}

static bool
has_ds(const struct dns_rrset *rs, const struct sign_key *k)
{
	uint8_t ds[SIGN_DS_MAXLEN];
	int n = sign_key_ds(k, SIGN_DIGEST_SHA256, ds, sizeof(ds));

	return n > 0 && dns_rrset_has(rs, ds, (size_t)n);
}

static bool
same_rrset(const struct dns_rrset *a, const struct dns_rrset *b)
{
	return a->type == b->type && a->count == b->count && a->ttl == b->ttl &&
	       a->rdlen == b->rdlen && a->rdata != b->rdata &&
	       memcmp(a->rdata, b->rdata, a->rdlen) == 0;
}

static bool
canonical(const struct dns_rrset *rs)
{
	uint32_t pos = 0;
	uint16_t len, prevlen = 0;
	const uint8_t *rd, *prev = NULL;

	while ((rd = dns_rrset_next(rs, &pos, &len)) != NULL) {
		if (prev && dns_rdata_cmp(prev, prevlen, rd, len) >= 0)
			return false;
		prev = rd;
		prevlen = len;
	}
	return true;
}

/* Model 2: a peer's ZSK and KSK (with its CDS/CDNSKEY) merged beside ours. */
static void
model2_cases(const struct sign_key *ksk, const struct sign_key *zsk, const struct sign_key *fz,
	     const struct sign_key *fk)
{
	static struct blobset xdnskey, xcds, xcdnskey, bad;
	const struct sign_key *keys[] = { ksk, zsk }, *k[] = { ksk };
	struct sign_keytable_params p = params(keys, 2);
	struct sign_keytable *t = NULL;

	diag("model 2");
	blobset_init(&xdnskey, DNS_T_DNSKEY, 86400);
	blobset_key(&xdnskey, fz);
	blobset_key(&xdnskey, fk);
	blobset_key(&xdnskey, zsk);
	blobset_init(&xcds, DNS_T_CDS, 86400);
	blobset_ds(&xcds, fk);
	blobset_ds(&xcds, ksk);
	blobset_init(&xcdnskey, DNS_T_CDNSKEY, 86400);
	blobset_key(&xcdnskey, fk);
	blobset_key(&xcdnskey, ksk);
	p.extra_dnskey = &xdnskey.rs;
	p.extra_cds = &xcds.rs;
	p.extra_cdnskey = &xcdnskey.rs;
	if (!ok(sign_keytable_build(&p, &t, err, sizeof(err)) == 0, "model 2: builds")) {
		diag("%s", err);
		return;
	}
	ok(t->dnskey.count == 4 && has_key(&t->dnskey, ksk) && has_key(&t->dnskey, zsk) &&
	   has_key(&t->dnskey, fz) && has_key(&t->dnskey, fk),
	   "model 2: DNSKEY = our KSK and ZSK + the peer's ZSK and KSK, our ZSK once");
	ok(canonical(&t->dnskey) && canonical(&t->cds) && canonical(&t->cdnskey),
	   "model 2: merged RRsets in canonical order");
	ok(t->dnskey.ttl == 3600 && t->cds.ttl == 3600 && t->cdnskey.ttl == 3600,
	   "model 2: dnskey_ttl for every merged RRset, not the imported TTL");
	check_sigs(t, &t->dnskey, &t->dnskey_sig, k, 1, "model 2 DNSKEY");
	ok(t->cds.count == 2 && has_ds(&t->cds, ksk) && has_ds(&t->cds, fk),
	   "model 2: CDS = ours + the peer's, ours once");
	ok(t->cdnskey.count == 2 && has_key(&t->cdnskey, ksk) && has_key(&t->cdnskey, fk),
	   "model 2: CDNSKEY = ours + the peer's, ours once");
	check_sigs(t, &t->cds, &t->cds_sig, k, 1, "model 2 CDS");
	check_sigs(t, &t->cdnskey, &t->cdnskey_sig, k, 1, "model 2 CDNSKEY");
	ok(t->nzsk == 1 && t->zsk[0] == zsk, "model 2: only our ZSK signs zone data");
	check_signers(t);
	sign_keytable_free(t);

	/* Only the peer has CDS: ours is not SIGN_KEY_SYNC. */
	p.states = (const unsigned[]){ SIGN_KEY_PUBLISHED | SIGN_KEY_ACTIVE,
				       SIGN_KEY_STATE_DEFAULT };
	p.dnskey_ttl = 600;
	p.extra_cds = &xcds.rs;
	xcds.rs.count = 1;
	xcds.rs.rdlen = 2u + (uint32_t)dns_get16(xcds.buf);
	xcdnskey.rs.count = 1;
	xcdnskey.rs.rdlen = 2u + (uint32_t)dns_get16(xcdnskey.buf);
	t = NULL;
	is_int(sign_keytable_build(&p, &t, err, sizeof(err)), 0,
	       "model 2, CDS from the peer only: builds");
	ok(t && t->cds.count == 1 && has_ds(&t->cds, fk) && t->cdnskey.count == 1 &&
	   has_key(&t->cdnskey, fk) && t->cds.ttl == 600 && t->cds_sig.count == 1 &&
	   t->cdnskey_sig.count == 1,
	   "model 2: the peer's CDS/CDNSKEY alone are published and signed, with dnskey_ttl");
	sign_keytable_free(t);

	p.publish_cds = false;
	t = NULL;
	sign_keytable_build(&p, &t, err, sizeof(err));
	ok(t && t->cds.count == 0 && t->cdnskey.count == 0 && t->cds_sig.count == 0 &&
	   t->dnskey.count == 4, "model 2 without publish_cds: no CDS/CDNSKEY, imported or ours");
	sign_keytable_free(t);

	/* A peer's KSK never signs, even when it is the only SEP key in the DNSKEY RRset. */
	const struct sign_key *zonly[] = { zsk };
	p = params(zonly, 1);
	p.extra_dnskey = &xdnskey.rs;
	t = NULL;
	sign_keytable_build(&p, &t, err, sizeof(err));
	ok(t && t->dnskey.count == 3 && t->nzsk == 1 && t->zsk[0] == zsk,
	   "model 2 beside the peer's KSK: our ZSK alone is a signer");
	if (t)
		check_sigs(t, &t->dnskey, &t->dnskey_sig, zonly, 1,
			   "model 2, our ZSK signs DNSKEY");
	sign_keytable_free(t);

	p = params(keys, 2);
	blobset_init(&bad, DNS_T_DNSKEY, 3600);
	blobset_key(&bad, fz);
	bad.rs.rdlen--;
	p.extra_dnskey = &bad.rs;
	expect_fail(&p, -EINVAL, "malformed extra DNSKEY",
		    "model 2: an extra DNSKEY RRset too short");
	bad.rs.rdlen++;
	bad.rs.type = DNS_T_CDNSKEY;
	expect_fail(&p, -EINVAL, "malformed extra DNSKEY",
		    "model 2: an extra DNSKEY RRset of another type");
	p.extra_dnskey = NULL;
	blobset_init(&bad, DNS_T_CDS, 3600);
	blobset_add(&bad, (const uint8_t *)"\1\2\3", 3);
	p.extra_cds = &bad.rs;
	expect_fail(&p, -EINVAL, "malformed extra CDS", "model 2: a CDS RDATA too short");
	bad.rs.count = 0;
	bad.rs.rdlen = 0;
	t = NULL;
	is_int(sign_keytable_build(&p, &t, err, sizeof(err)), 0,
	       "model 2: an empty extra RRset is none");
	sign_keytable_free(t);
}

/* The zone owner's signed key RRsets (model 1). */
struct owned {
	struct blobset dnskey, dnskey_sig, cds, cds_sig, cdnskey, cdnskey_sig;
	struct sign_dnskeyset set;
};

/* Point o's RRsets and set at o's own buffers (after a copy). */
static void
owned_repoint(struct owned *o)
{
	struct blobset *b[] = { &o->dnskey, &o->dnskey_sig, &o->cds, &o->cds_sig, &o->cdnskey,
				&o->cdnskey_sig };

	for (size_t i = 0; i < sizeof(b) / sizeof(b[0]); i++)
		b[i]->rs.rdata = b[i]->buf;
	o->set = (struct sign_dnskeyset){ &o->dnskey.rs, &o->dnskey_sig.rs, &o->cds.rs,
					  &o->cds_sig.rs, &o->cdnskey.rs, &o->cdnskey_sig.rs };
}

/*
 * DNSKEY = members[], CDS/CDNSKEY of owner when cds; all signed by owner,
 * valid from NOW - 3600 to NOW + 86400.
 */
static void
owned_make(struct owned *o, const struct sign_key *owner, const struct sign_key *const *members,
	   size_t n, bool cds)
{
	blobset_init(&o->dnskey, DNS_T_DNSKEY, 7200);
	for (size_t i = 0; i < n; i++)
		blobset_key(&o->dnskey, members[i]);
	blobset_init(&o->dnskey_sig, DNS_T_RRSIG, 7200);
	blobset_sign(&o->dnskey_sig, &o->dnskey, owner, NOW - 3600, NOW + 86400);
	blobset_init(&o->cds, DNS_T_CDS, 300);
	blobset_init(&o->cds_sig, DNS_T_RRSIG, 300);
	blobset_init(&o->cdnskey, DNS_T_CDNSKEY, 300);
	blobset_init(&o->cdnskey_sig, DNS_T_RRSIG, 300);
	if (cds) {
		blobset_ds(&o->cds, owner);
		blobset_sign(&o->cds_sig, &o->cds, owner, NOW - 3600, NOW + 86400);
		blobset_key(&o->cdnskey, owner);
		blobset_sign(&o->cdnskey_sig, &o->cdnskey, owner, NOW - 3600, NOW + 86400);
	}
	owned_repoint(o);
}

/* Model 1: served verbatim, our keys sign zone data only. */
static void
model1_cases(const struct sign_key *ksk, const struct sign_key *zsk, const struct sign_key *fz,
	     const struct sign_key *owner)
{
	static struct owned o, copy;
	const struct sign_key *members[] = { owner, ksk, zsk, fz }, *keys[] = { ksk, zsk };
	struct sign_keytable_params p = params(keys, 2);
	struct sign_keytable *t = NULL;
	uint32_t inc, exp;

	diag("model 1");
	sign_validity_window(&validity, NOW, &inc, &exp);
	owned_make(&o, owner, members, 4, false);
	copy = o;
	owned_repoint(&copy);
	p.signed_keys = &o.set;
	if (!ok(sign_keytable_build(&p, &t, err, sizeof(err)) == 0, "model 1: builds")) {
		diag("%s", err);
		return;
	}
	memset(o.dnskey.buf, 0, sizeof(o.dnskey.buf));
	memset(o.dnskey_sig.buf, 0, sizeof(o.dnskey_sig.buf));
	ok(same_rrset(&t->dnskey, &copy.dnskey.rs), "model 1: DNSKEY served verbatim (a copy)");
	ok(same_rrset(&t->dnskey_sig, &copy.dnskey_sig.rs),
	   "model 1: its RRSIGs served verbatim: DNSKEY not re-signed");
	ok(t->dnskey_sig.count == 1 &&
	   dns_get16(t->dnskey_sig.rdata + 2 + 16) == sign_key_tag(owner),
	   "model 1: the one RRSIG DNSKEY is the owner's");
	ok(t->cds.count == 0 && t->cds_sig.count == 0 && t->cdnskey.count == 0 &&
	   t->cdnskey_sig.count == 0, "model 1 without signed CDS/CDNSKEY: none published, "
	   "though publish_cds");
	ok(t->nzsk == 2 && in(ksk, t->zsk, 2) && in(zsk, t->zsk, 2),
	   "model 1: every active key of ours signs zone data, SEP or not");
	is_int(t->sigs_expire, exp, "model 1: sigs_expire as if the table had signed");
	check_signers(t);
	is_int(sign_dnskeyset_check(apex, &copy.set, t->zsk, t->nzsk, NOW, err, sizeof(err)), 0,
	       "model 1: the table's keys pass the check");
	struct sign_keytable *t2 = NULL;
	p.signed_keys = NULL;
	sign_keytable_build(&p, &t2, err, sizeof(err));
	ok(t2 && sign_keytable_signs_alike(t, t2) == false && t2->nzsk == 1,
	   "model 1 and 2 tables of the same keys do not sign alike");
	sign_keytable_free(t2);
	sign_keytable_free(t);

	/* With signed CDS and CDNSKEY; a key that is only published does not sign. */
	owned_make(&o, owner, members, 4, true);
	p = params(keys, 2);
	p.signed_keys = &o.set;
	p.states = (const unsigned[]){ SIGN_KEY_PUBLISHED, SIGN_KEY_STATE_DEFAULT };
	t = NULL;
	is_int(sign_keytable_build(&p, &t, err, sizeof(err)), 0, "model 1 with CDS: builds");
	ok(t && same_rrset(&t->cds, &o.cds.rs) && same_rrset(&t->cds_sig, &o.cds_sig.rs) &&
	   same_rrset(&t->cdnskey, &o.cdnskey.rs) &&
	   same_rrset(&t->cdnskey_sig, &o.cdnskey_sig.rs) && same_rrset(&t->dnskey, &o.dnskey.rs),
	   "model 1: CDS, CDNSKEY and their RRSIGs served verbatim, with their TTLs");
	ok(t && t->nzsk == 1 && t->zsk[0] == zsk,
	   "model 1: a published, inactive key signs nothing");
	sign_keytable_free(t);

	p.states = (const unsigned[]){ SIGN_KEY_PUBLISHED, SIGN_KEY_PUBLISHED };
	expect_fail(&p, -EINVAL, "no active key", "model 1 with no active key of ours");
	p.states = NULL;
	p.extra_dnskey = &o.dnskey.rs;
	expect_fail(&p, -EINVAL, "beside a signed DNSKEY", "model 1 and 2 at once");
	p.extra_dnskey = NULL;
	o.set.dnskey_sig = NULL;
	expect_fail(&p, -EINVAL, "DNSKEY: no RRSIG", "model 1: a DNSKEY RRset without RRSIG");
	o.set.dnskey_sig = &o.dnskey_sig.rs;
	o.set.cds_sig = NULL;
	expect_fail(&p, -EINVAL, "CDS: no RRSIG", "model 1: a CDS RRset without RRSIG");
	o.set.cds_sig = &o.cds_sig.rs;
	o.dnskey.rs.count = 0;
	expect_fail(&p, -EINVAL, "DNSKEY: empty", "model 1: an empty DNSKEY RRset");
	o.dnskey.rs.count = 4;
	o.dnskey_sig.rs.type = DNS_T_DNSKEY;
	expect_fail(&p, -EINVAL, "DNSKEY: malformed RRSIG", "model 1: RRSIGs that are not RRSIG");
}

static void
expect_reject(const struct sign_dnskeyset *s, const struct sign_key *const *zsk, size_t nzsk,
	      uint32_t now, const char *needle, const char *what)
{
	err[0] = 0;
	is_int(sign_dnskeyset_check(apex, s, zsk, nzsk, now, err, sizeof(err)), -EINVAL,
	       "check rejects %s", what);
	if (!ok(strstr(err, needle) != NULL, "check: %s: reason", what))
		diag("got \"%s\", want \"%s\"", err, needle);
}

/* sign_dnskeyset_check: accepts a good set, and each reason to reject one. */
static void
check_cases(const struct sign_key *zsk, const struct sign_key *zsk8, const struct sign_key *fz,
	    const struct sign_key *owner)
{
	static struct owned o;
	const struct sign_key *members[] = { owner, zsk, fz }, *ours[] = { zsk };
	const struct sign_key *two[] = { zsk, zsk8 };
	struct sign_key *stranger = NULL, *revk = NULL;
	char want[64];

	diag("sign_dnskeyset_check");
	owned_make(&o, owner, members, 3, true);
	is_int(sign_dnskeyset_check(apex, &o.set, ours, 1, NOW, err, sizeof(err)), 0,
	       "check accepts our ZSK in a set signed by its KSK, with CDS and CDNSKEY");
	is_int(sign_dnskeyset_check(apex, &o.set, ours, 1, NOW + 86400, err, sizeof(err)), 0,
	       "check accepts at the expiration");
	is_int(sign_dnskeyset_check(apex, &o.set, ours, 1, NOW - 3600, err, sizeof(err)), 0,
	       "check accepts at the inception");
	snprintf(want, sizeof(want), "our ZSK %u (algorithm 8) is missing", sign_key_tag(zsk8));
	expect_reject(&o.set, two, 2, NOW, want, "a set without one of our ZSKs");
	expect_reject(&o.set, ours, 1, NOW + 86401, "DNSKEY: RRSIG expired", "an expired RRSIG");
	expect_reject(&o.set, ours, 1, NOW - 3601, "DNSKEY: RRSIG not yet valid",
		      "an RRSIG before its inception");

	/* A second, valid RRSIG beside an expired one is enough. */
	blobset_init(&o.dnskey_sig, DNS_T_RRSIG, 7200);
	blobset_sign(&o.dnskey_sig, &o.dnskey, owner, NOW - 7200, NOW - 3600);
	expect_reject(&o.set, ours, 1, NOW, "DNSKEY: RRSIG expired", "only an expired RRSIG");
	blobset_sign(&o.dnskey_sig, &o.dnskey, owner, NOW - 3600, NOW + 86400);
	is_int(sign_dnskeyset_check(apex, &o.set, ours, 1, NOW, err, sizeof(err)), 0,
	       "check accepts a valid RRSIG beside an expired one");

	/* Signed by a key outside the set. */
	sign_key_generate(SIGN_ALG_ECDSAP256SHA256, SIGN_FLAGS_KSK, apex, &stranger);
	blobset_init(&o.dnskey_sig, DNS_T_RRSIG, 7200);
	blobset_sign(&o.dnskey_sig, &o.dnskey, stranger, NOW - 3600, NOW + 86400);
	expect_reject(&o.set, ours, 1, NOW, "DNSKEY: no RRSIG verifies",
		      "an RRSIG by a key outside the set");

	/* A bad signature. */
	blobset_init(&o.dnskey_sig, DNS_T_RRSIG, 7200);
	blobset_sign(&o.dnskey_sig, &o.dnskey, owner, NOW - 3600, NOW + 86400);
	o.dnskey_sig.buf[o.dnskey_sig.rs.rdlen - 1] ^= 1;
	expect_reject(&o.set, ours, 1, NOW, "DNSKEY: no RRSIG verifies", "a corrupted signature");

	/* The set changed after signing. */
	o.dnskey_sig.buf[o.dnskey_sig.rs.rdlen - 1] ^= 1;
	blobset_key(&o.dnskey, stranger);
	expect_reject(&o.set, ours, 1, NOW, "DNSKEY: no RRSIG verifies",
		      "a DNSKEY RRset changed after it was signed");

	/* Signed by a revoked key of the set. */
	sign_key_dup(owner, &revk);
	sign_key_set_flags(revk, SIGN_FLAGS_KSK | SIGN_FLAG_REVOKE);
	const struct sign_key *rmembers[] = { revk, zsk, fz };
	owned_make(&o, revk, rmembers, 3, false);
	expect_reject(&o.set, ours, 1, NOW, "DNSKEY: no RRSIG verifies",
		      "an RRSIG by a revoked key of the set");

	/* CDS and CDNSKEY: each must be signed by a key of the DNSKEY set, in time. */
	owned_make(&o, owner, members, 3, true);
	blobset_init(&o.cds_sig, DNS_T_RRSIG, 300);
	blobset_sign(&o.cds_sig, &o.cds, stranger, NOW - 3600, NOW + 86400);
	expect_reject(&o.set, ours, 1, NOW, "CDS: no RRSIG verifies", "CDS signed outside the set");
	owned_make(&o, owner, members, 3, true);
	blobset_init(&o.cdnskey_sig, DNS_T_RRSIG, 300);
	blobset_sign(&o.cdnskey_sig, &o.cdnskey, owner, NOW - 7200, NOW - 1);
	expect_reject(&o.set, ours, 1, NOW, "CDNSKEY: RRSIG expired", "an expired RRSIG CDNSKEY");
	o.cdnskey_sig.rs.count = 0;
	o.cdnskey_sig.rs.rdlen = 0;
	expect_reject(&o.set, ours, 1, NOW, "CDNSKEY: no RRSIG", "CDNSKEY without RRSIG");

	/* Malformed input. */
	owned_make(&o, owner, members, 3, false);
	o.dnskey.rs.rdlen += 1;
	expect_reject(&o.set, ours, 1, NOW, "DNSKEY: malformed RRset", "a DNSKEY RRset overrun");
	o.dnskey.rs.rdlen -= 1;
	o.dnskey_sig.rs.count = 0;
	o.dnskey_sig.rs.rdlen = 0;
	expect_reject(&o.set, ours, 1, NOW, "DNSKEY: no RRSIG", "DNSKEY without RRSIG");
	o.set.dnskey = NULL;
	expect_reject(&o.set, ours, 1, NOW, "DNSKEY: empty", "no DNSKEY RRset");

	sign_key_free(revk);
	sign_key_free(stranger);
}

static struct dns_zone *
zone_load(const char *soa_line)
{
	char text[1024], path[4096];
	struct dns_zone *z = NULL;

	snprintf(text, sizeof(text),
		 "$ORIGIN example.com.\n$TTL 3600\n%s\n@ NS ns1\nns1 A 192.0.2.1\n", soa_line);
	put_file(dir, "example.com.zone", text, 0644);
	snprintf(path, sizeof(path), "%s/example.com.zone", dir);
	if (dns_zone_load("example.com", path, &z, err, sizeof(err)) < 0)
		diag("%s", err);
	return z;
}

int
main(void)
{
	dir = tmpdir();
	zone = zone_load("@ 7200 SOA ns1 hostmaster 1 7200 3600 1209600 300");
	dns_name_from_str("EXAMPLE.Com", apex, sizeof(apex));

	struct sign_key *ksk15 = load("ldns", "Kexample.com.+015+21321");
	struct sign_key *zsk13 = load("ldns", "Kexample.com.+013+48596");
	struct sign_key *zsk8 = load("ldns", "Kexample.com.+008+61713");
	struct sign_key *ksk15b = load("bind", "Kexample.com.+015+22313");
	struct sign_key *zsk13b = load("bind", "Kexample.com.+013+55434");
	struct sign_key *other = load("rfc", "Kexample.net.+013+55648");
	ok(zone && ksk15 && zsk13 && zsk8 && ksk15b && zsk13b && other, "fixtures load");
	if (!(zone && ksk15 && zsk13 && zsk8 && ksk15b && zsk13b && other))
		return tap_done();

	{
		const struct sign_key *keys[] = { zsk13, ksk15 };
		const struct sign_key *z[] = { zsk13 }, *k[] = { ksk15 };
		check("KSK + ZSK", keys, 2, z, 1, k, 1, k, 1);
		is_int(sign_key_roles(keys, NULL, 2, 0), SIGN_ROLE_ZONE,
		       "roles: flags 256 beside 257: ZSK");
		is_int(sign_key_roles(keys, NULL, 2, 1), SIGN_ROLE_KEYS,
		       "roles: flags 257 beside 256: KSK");
		is_int(sign_key_roles(keys, NULL, 1, 0), SIGN_ROLE_ZONE | SIGN_ROLE_KEYS,
		       "roles: a lone flags-256 key signs everything");
		is_int(sign_key_roles(keys + 1, NULL, 1, 0), SIGN_ROLE_ZONE | SIGN_ROLE_KEYS,
		       "roles: a lone flags-257 key is a CSK");
		const unsigned pre[] = { SIGN_KEY_STATE_DEFAULT, SIGN_KEY_PUBLISHED };
		is_int(sign_key_roles(keys, pre, 2, 0), SIGN_ROLE_ZONE | SIGN_ROLE_KEYS,
		       "roles: beside a KSK that is published only, the ZSK signs everything");
		is_int(sign_key_roles(keys, pre, 2, 1), 0, "roles: a key not active signs nothing");
		const unsigned gone[] = { 0, SIGN_KEY_STATE_DEFAULT };
		is_int(sign_key_roles(keys, gone, 2, 0), 0, "roles: an unpublished key has none");
		is_int(sign_key_roles(keys, gone, 2, 1), SIGN_ROLE_ZONE | SIGN_ROLE_KEYS,
		       "roles: the KSK beside an unpublished ZSK is a CSK");
	}
	{
		const struct sign_key *keys[] = { ksk15 };
		check("CSK only", keys, 1, keys, 1, keys, 1, keys, 1);
	}
	{
		const struct sign_key *keys[] = { zsk8, ksk15, zsk13, ksk15b };
		const struct sign_key *z[] = { zsk8, zsk13 }, *k[] = { ksk15, ksk15b };
		check("two algorithms, two KSKs", keys, 4, z, 2, k, 2, k, 2);
	}
	{
		const struct sign_key *keys[] = { ksk15, ksk15b };
		check("two CSKs", keys, 2, keys, 2, keys, 2, keys, 2);
	}
	{
		const struct sign_key *keys[] = { zsk13, zsk8 };
		check("no SEP key: the ZSKs sign DNSKEY too", keys, 2, keys, 2, keys, 2, keys, 2);
	}
	{
		struct sign_key *rev = load("bind", "Kexample.com.+015+22313");
		is_int(sign_key_set_flags(rev, SIGN_FLAGS_KSK | SIGN_FLAG_REVOKE), 0, "revoke");
		const struct sign_key *keys[] = { zsk13, ksk15, rev };
		const struct sign_key *z[] = { zsk13 }, *k[] = { ksk15, rev }, *c[] = { ksk15 };
		check("revoked KSK signs DNSKEY only, no CDS", keys, 3, z, 1, k, 2, c, 1);
		sign_key_free(rev);
	}

	/* Duplicates are dropped from DNSKEY. */
	{
		const struct sign_key *keys[] = { ksk15, zsk13, zsk13b };
		struct sign_keytable_params p = params(keys, 3);
		struct sign_keytable *t = NULL;
		struct sign_key *dup = load("ldns", "Kexample.com.+013+48596");
		keys[2] = dup;
		is_int(sign_keytable_build(&p, &t, err, sizeof(err)), 0, "the same key twice builds");
		ok(t && t->dnskey.count == 2, "the same key is published once");
		sign_keytable_free(t);
		sign_key_free(dup);
	}

	/* The negative TTL is the SOA TTL when it is lower than MINIMUM. */
	{
		struct dns_zone *z = zone_load("@ 120 SOA ns1 hostmaster 1 7200 3600 1209600 86400");
		const struct sign_key *keys[] = { ksk15 };
		struct sign_keytable_params p = params(keys, 1);
		struct sign_keytable *t = NULL;
		p.zone = z;
		p.denial = SIGN_DENIAL_NSEC;
		is_int(sign_keytable_build(&p, &t, err, sizeof(err)), 0, "builds with NSEC denial");
		ok(t && t->neg_ttl == 120 && t->denial == SIGN_DENIAL_NSEC,
		   "negative TTL = SOA TTL; denial kept");
		sign_keytable_free(t);
		dns_zone_unref(z);
	}

	timing_cases(ksk15, ksk15b, zsk13, zsk8);

	{
		struct sign_key *fz = NULL, *fk = NULL, *owner = NULL;
		sign_key_generate(SIGN_ALG_ECDSAP256SHA256, SIGN_FLAGS_ZSK, apex, &fz);
		sign_key_generate(SIGN_ALG_ECDSAP256SHA256, SIGN_FLAGS_KSK, apex, &fk);
		sign_key_generate(SIGN_ALG_ED25519, SIGN_FLAGS_KSK, apex, &owner);
		if (ok(fz && fk && owner, "a peer's ZSK and KSK, the zone owner's KSK generated")) {
			model2_cases(ksk15, zsk13, fz, fk);
			model1_cases(ksk15, zsk13, fz, owner);
			check_cases(zsk13, zsk8, fz, owner);
		}
		sign_key_free(fz);
		sign_key_free(fk);
		sign_key_free(owner);
	}

	/* Tables that sign alike: what lets cached signatures survive a swap. */
	{
		const struct sign_key *a[] = { ksk15, zsk13 }, *b[] = { ksk15b, zsk13 },
				      *c[] = { ksk15, zsk13b }, *d[] = { ksk15, zsk13, zsk8 };
		struct sign_keytable *ta = NULL, *tb = NULL, *tc = NULL, *td = NULL, *tv = NULL;
		struct sign_keytable_params p = params(a, 2);
		sign_keytable_build(&p, &ta, err, sizeof(err));
		p = params(b, 2);
		p.generation = 43;
		p.now = NOW + 86400;
		p.denial = SIGN_DENIAL_NSEC;
		sign_keytable_build(&p, &tb, err, sizeof(err));
		p = params(c, 2);
		sign_keytable_build(&p, &tc, err, sizeof(err));
		p = params(d, 3);
		sign_keytable_build(&p, &td, err, sizeof(err));
		p = params(a, 2);
		p.validity.lifetime += 3600;
		sign_keytable_build(&p, &tv, err, sizeof(err));
		ok(ta && tb && tc && td && tv, "tables for the sign-alike cases build");
		ok(ta && ta->sig_generation == 42 && tb && tb->sig_generation == 43,
		   "a table's sig_generation starts as its generation");
		ok(ta && tb && sign_keytable_signs_alike(ta, tb),
		   "same ZSK, another KSK, build time and denial: signs alike");
		ok(ta && tc && !sign_keytable_signs_alike(ta, tc), "another ZSK: not alike");
		ok(ta && td && !sign_keytable_signs_alike(ta, td) && !sign_keytable_signs_alike(td, ta),
		   "a ZSK added or removed: not alike");
		ok(ta && tv && !sign_keytable_signs_alike(ta, tv), "another validity policy: not alike");
		sign_keytable_free(ta);
		sign_keytable_free(tb);
		sign_keytable_free(tc);
		sign_keytable_free(td);
		sign_keytable_free(tv);
	}

	/* Errors. */
	{
		const struct sign_key *keys[SIGN_KEYTABLE_MAXZSK + 2] = { ksk15 };
		struct sign_keytable_params p = params(keys, 0);
		struct sign_key *gen[SIGN_KEYTABLE_MAXZSK + 1] = { 0 }, *pub = NULL;
		size_t kl;
		const uint8_t *kd = sign_key_dnskey(zsk13, &kl);

		expect_fail(&p, -EINVAL, "no key", "no keys");

		sign_key_from_dnskey(apex, kd, kl, &pub);
		keys[1] = pub;
		p = params(keys, 2);
		expect_fail(&p, -EINVAL, "no private part", "a public-only key");
		sign_key_free(pub);

		keys[1] = other;
		expect_fail(&p, -EINVAL, "another zone", "a key for another zone");

		for (size_t i = 0; i <= SIGN_KEYTABLE_MAXZSK; i++) {
			sign_key_generate(SIGN_ALG_ECDSAP256SHA256, SIGN_FLAGS_ZSK, apex, &gen[i]);
			keys[i + 1] = gen[i];
		}
		p = params(keys, SIGN_KEYTABLE_MAXZSK + 2);
		expect_fail(&p, -EINVAL, "more than", "too many zone-signing keys");
		p.nkeys--;
		struct sign_keytable *t = NULL;
		is_int(sign_keytable_build(&p, &t, err, sizeof(err)), 0,
		       "SIGN_KEYTABLE_MAXZSK zone-signing keys build");
		sign_keytable_free(t);
		for (size_t i = 0; i <= SIGN_KEYTABLE_MAXZSK; i++)
			sign_key_free(gen[i]);

		struct sign_key *rev = load("ldns", "Kexample.com.+015+21321");
		sign_key_set_flags(rev, SIGN_FLAGS_KSK | SIGN_FLAG_REVOKE);
		keys[0] = rev;
		p = params(keys, 1);
		expect_fail(&p, -EINVAL, "revoked", "only revoked keys");
		const struct sign_key *rk[] = { rev, ksk15, zsk13 };
		is_int(sign_key_roles(rk, NULL, 3, 0), SIGN_ROLE_KEYS,
		       "roles: a revoked SEP key beside a KSK signs only DNSKEY (RFC 5011)");
		is_int(sign_key_roles(rk, NULL, 3, 1), SIGN_ROLE_KEYS, "roles: the KSK beside it");
		is_int(sign_key_roles(rk, NULL, 3, 2), SIGN_ROLE_ZONE, "roles: the ZSK beside them");
		const struct sign_key *rz[] = { rev, zsk13 };
		is_int(sign_key_roles(rz, NULL, 2, 0), SIGN_ROLE_KEYS,
		       "roles: a revoked SEP key with no other SEP key still self-signs DNSKEY");
		is_int(sign_key_roles(rz, NULL, 2, 1), SIGN_ROLE_ZONE | SIGN_ROLE_KEYS,
		       "roles: and the ZSK signs everything");
		{
			const struct sign_key *z[] = { zsk13 }, *k[] = { rev, zsk13 }, *c[] = { zsk13 };
			check("the only SEP key revoked (flag): it self-signs DNSKEY beside the ZSK", rz,
			      2, z, 1, k, 2, c, 1);
		}
		sign_key_free(rev);

		keys[0] = ksk15;
		p = params(keys, 1);
		p.validity.lifetime = p.validity.bucket;
		expect_fail(&p, -EINVAL, "validity", "a bad validity policy");

		p = params(keys, 1);
		p.nworkers = 0;
		expect_fail(&p, -EINVAL, "parameters", "no workers");

		uint8_t net[DNS_NAME_MAXLEN];
		dns_name_from_str("example.net", net, sizeof(net));
		p = params(keys, 1);
		p.apex = net;
		expect_fail(&p, -EINVAL, "apex", "an apex that is not the zone's");
	}

	sign_keytable_free(NULL);
	sign_key_free(ksk15);
	sign_key_free(zsk13);
	sign_key_free(zsk8);
	sign_key_free(ksk15b);
	sign_key_free(zsk13b);
	sign_key_free(other);
	dns_zone_unref(zone);
	rmtree(dir);
	return tap_done();
}
