/* SPDX-License-Identifier: BSD-3-Clause */
#include "sign/keytable.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dns/err.h"
#include "dns/name.h"
#include "dns/rdata.h"
#include "sign/ds.h"
#include "sign/keystate.h"

/* One RDATA to place into an RRset. */
struct blob {
	const uint8_t *p;
	size_t len;
};


static int
blob_cmp(const void *a, const void *b)
{
	const struct blob *x = a, *y = b;

	return dns_rdata_cmp(x->p, x->len, y->p, y->len);
}

/* Sort v canonically and write it as an RRset blob at dst, duplicates dropped. */
static void
rrset_fill(struct dns_rrset *rs, uint16_t type, uint32_t ttl, struct blob *v, size_t n,
	   uint8_t *dst)
{
	uint32_t off = 0;
	uint16_t count = 0;

	qsort(v, n, sizeof(*v), blob_cmp);
	for (size_t i = 0; i < n; i++) {
		if (i > 0 && blob_cmp(&v[i - 1], &v[i]) == 0)
			continue;
		dst[off] = (uint8_t)(v[i].len >> 8);
		dst[off + 1] = (uint8_t)v[i].len;
		memcpy(dst + off + 2, v[i].p, v[i].len);
		off += 2 + (uint32_t)v[i].len;
		count++;
	}
	*rs = (struct dns_rrset){ type, count, ttl, off, dst };
}

/* Each signer's RRSIG over rs into dst, as the RRSIG RRset sig. Returns 0 or an error. */
static int
rrset_sign(struct dns_rrset *sig, const uint8_t *apex, size_t apex_len,
	   const struct dns_rrset *rs, struct sign_signer *const *signers, size_t n,
	   uint32_t inception, uint32_t expiration, uint8_t *scratch, size_t scratch_cap,
	   uint8_t *dst)
{
	struct sign_rrset_ref ref = sign_rrset_ref_of(apex, apex_len, rs);
	uint32_t off = 0;

	for (size_t i = 0; i < n; i++) {
		size_t cap = sign_signer_rrsig_len(signers[i]);
		int rc = sign_rrsig(signers[i], &ref, inception, expiration, scratch, scratch_cap,
				    dst + off + 2, cap);
		if (rc < 0)
			return rc;
		dst[off] = (uint8_t)(rc >> 8);
		dst[off + 1] = (uint8_t)rc;
		off += 2 + (uint32_t)rc;
	}
	*sig = (struct dns_rrset){ DNS_T_RRSIG, (uint16_t)n, rs->ttl, off, dst };
	return 0;
}

/* min(SOA TTL, SOA MINIMUM) of the zone (RFC 9077), or -EINVAL without a usable SOA. */
static int
soa_neg_ttl(const struct dns_zone *z, uint32_t *out)
{
	const struct dns_rrset *soa = dns_node_rrset(dns_zone_apex(z), DNS_T_SOA);
	uint32_t pos = 0, min;
	uint16_t len;
	const uint8_t *rd;

	if (!soa || !(rd = dns_rrset_next(soa, &pos, &len)) || len < 20)
		return -EINVAL;
	rd += len - 4;
	min = (uint32_t)rd[0] << 24 | (uint32_t)rd[1] << 16 | (uint32_t)rd[2] << 8 | rd[3];
	*out = min < soa->ttl ? min : soa->ttl;
	return 0;
}

bool
sign_keytable_signs_alike(const struct sign_keytable *a, const struct sign_keytable *b)
{
	if (a->apex_len != b->apex_len || memcmp(a->apex, b->apex, a->apex_len) != 0 ||
	    a->validity.bucket != b->validity.bucket ||
	    a->validity.lifetime != b->validity.lifetime ||
	    a->validity.inception_offset != b->validity.inception_offset || a->nzsk != b->nzsk)
		return false;
	for (unsigned i = 0; i < a->nzsk; i++) {
		size_t la, lb;
		const uint8_t *da = sign_key_dnskey(a->zsk[i], &la), *db = sign_key_dnskey(b->zsk[i], &lb);
		if (la != lb || memcmp(da, db, la) != 0)
			return false;
	}
	return true;
}

void
sign_keytable_free(struct sign_keytable *t)
{
	if (!t)
		return;
	for (size_t i = 0; i < (size_t)t->nworkers * t->nzsk; i++)
		if (t->signers[i])
			sign_signer_free(t->signers[i]);
	free(t);
}

static unsigned
state_of(const unsigned *states, size_t i)
{
	return states ? states[i] : SIGN_KEY_STATE_DEFAULT;
}

/* Revoked by its timing or by the REVOKE flag of its key file. */
static bool
revoked(const struct sign_key *k, unsigned state)
{
	return (state & SIGN_KEY_REVOKED) || (sign_key_flags(k) & SIGN_FLAG_REVOKE);
}

/* Published, active and not revoked: a key that signs. */
static bool
signing(const struct sign_key *k, unsigned state)
{
	return (state & SIGN_KEY_PUBLISHED) && (state & SIGN_KEY_ACTIVE) && !revoked(k, state);
}

unsigned
sign_key_roles(const struct sign_key *const *keys, const unsigned *states, size_t n, size_t i)
{
	size_t nsep = 0, nplain = 0;

	for (size_t k = 0; k < n; k++) {
		if (signing(keys[k], state_of(states, k))) {
			bool sep = sign_key_flags(keys[k]) & SIGN_FLAG_SEP;
			nsep += sep;
			nplain += !sep;
		}
	}
	unsigned st = state_of(states, i);
	bool sep = sign_key_flags(keys[i]) & SIGN_FLAG_SEP;
	unsigned roles = 0;

	if (!(st & SIGN_KEY_PUBLISHED))
		return 0;
	/*
	 * Revoked SEP keys still sign the DNSKEY RRset: a validator only
	 * accepts a revocation that the revoked key signed itself (RFC 5011 2.1).
	 */
	if (revoked(keys[i], st))
		return sep ? SIGN_ROLE_KEYS : 0;
	if (!(st & SIGN_KEY_ACTIVE))
		return 0;
	if (nplain ? !sep : true)
		roles |= SIGN_ROLE_ZONE;
	if (nsep ? sep : true)
		roles |= SIGN_ROLE_KEYS;
	return roles;
}

static bool
given(const struct dns_rrset *rs)
{
	return rs && rs->count;
}

/* The imports of p are well formed and of one model. Returns 0 or -EINVAL. */
static int
imports_check(const struct sign_keytable_params *p, char *err, size_t errlen)
{
	const struct {
		const struct dns_rrset *rs;
		uint16_t type;
		const char *name;
	} extra[] = { { p->extra_dnskey, DNS_T_DNSKEY, "DNSKEY" },
		      { p->extra_cds, DNS_T_CDS, "CDS" },
		      { p->extra_cdnskey, DNS_T_CDNSKEY, "CDNSKEY" } };

	for (size_t i = 0; i < sizeof(extra) / sizeof(extra[0]); i++) {
		if (!given(extra[i].rs))
			continue;
		if (p->signed_keys)
			return dns_errf(err, errlen, -EINVAL,
					"extra %s records beside a signed DNSKEY RRset",
					extra[i].name);
		if (sign_rrset_wellformed(extra[i].rs, extra[i].type) < 0)
			return dns_errf(err, errlen, -EINVAL, "malformed extra %s RRset",
					extra[i].name);
	}
	return p->signed_keys ? sign_dnskeyset_wellformed(p->signed_keys, err, errlen) : 0;
}

/* Append the RDATAs of rs (NULL: none) to v[n..]; returns the new n. */
static size_t
blobs_add(struct blob *v, size_t n, const struct dns_rrset *rs)
{
	uint32_t pos = 0;
	uint16_t len;
	const uint8_t *rd;

	while (given(rs) && (rd = dns_rrset_next(rs, &pos, &len)) != NULL)
		v[n++] = (struct blob){ rd, len };
	return n;
}

/* Copy src to dst with its RDATAs at b; returns the octets used. */
static size_t
rrset_copy(struct dns_rrset *dst, const struct dns_rrset *src, uint8_t *b)
{
	memcpy(b, src->rdata, src->rdlen);
	*dst = *src;
	dst->rdata = b;
	return src->rdlen;
}

/* What the table's own DNSKEY, CDS and CDNSKEY RRsets hold and who signs them (not model 1). */
struct own_keys {
	const struct sign_key **pub;  /* in DNSKEY */
	size_t npub;
	const struct sign_key **cds;  /* in CDS and CDNSKEY; none without publish_cds */
	size_t ncds;
	struct sign_signer **ksig;    /* the key-signing keys' signers */
	size_t nksk;
	struct blob *v;               /* room for the RDATAs of the largest RRset */
	uint8_t *ds;                  /* room for ncds DS RDATAs */
};

/*
 * Fill and sign t's DNSKEY, CDS and CDNSKEY RRsets from o and p's extra
 * records, their RDATAs and RRSIGs at b. Returns 0 or an error.
 */
static int
own_key_rrsets(struct sign_keytable *t, const struct sign_keytable_params *p,
	       const struct own_keys *o, uint8_t *b, uint32_t inception, uint32_t expiration,
	       char *err, size_t errlen)
{
	uint32_t ttl = p->dnskey_ttl ? p->dnskey_ttl : 3600;
	struct blob *v = o->v;
	uint8_t *scratch;
	size_t n = 0;
	int rc = 0;

	for (size_t i = 0; i < o->npub; i++)
		v[i].p = sign_key_dnskey(o->pub[i], &v[i].len);
	n = blobs_add(v, o->npub, p->extra_dnskey);
	rrset_fill(&t->dnskey, DNS_T_DNSKEY, ttl, v, n, b);
	b += t->dnskey.rdlen;
	if (p->publish_cds) {
		for (n = 0; n < o->ncds; n++) {
			rc = sign_key_ds(o->cds[n], SIGN_DIGEST_SHA256, o->ds + n * SIGN_DS_MAXLEN,
					 SIGN_DS_MAXLEN);
			if (rc < 0)
				return dns_errf(err, errlen, rc, "key %u: no CDS: %s",
						sign_key_tag(o->cds[n]), dns_strerror(rc));
			v[n] = (struct blob){ o->ds + n * SIGN_DS_MAXLEN, (size_t)rc };
		}
		n = blobs_add(v, n, p->extra_cds);
		if (n) {
			rrset_fill(&t->cds, DNS_T_CDS, ttl, v, n, b);
			b += t->cds.rdlen;
		}
		for (n = 0; n < o->ncds; n++)
			v[n].p = sign_key_dnskey(o->cds[n], &v[n].len);
		n = blobs_add(v, n, p->extra_cdnskey);
		if (n) {
			rrset_fill(&t->cdnskey, DNS_T_CDNSKEY, ttl, v, n, b);
			b += t->cdnskey.rdlen;
		}
	}

	struct {
		const struct dns_rrset *rs;
		struct dns_rrset *sig;
	} sets[] = { { &t->dnskey, &t->dnskey_sig }, { &t->cds, &t->cds_sig },
		     { &t->cdnskey, &t->cdnskey_sig } };
	size_t scratch_cap = 0;
	for (size_t i = 0; i < sizeof(sets) / sizeof(sets[0]); i++) {
		struct sign_rrset_ref ref = sign_rrset_ref_of(t->apex, t->apex_len, sets[i].rs);
		size_t need = sign_rrsig_scratch_size(&ref);
		scratch_cap = need > scratch_cap ? need : scratch_cap;
	}
	scratch = malloc(scratch_cap);
	if (!scratch)
		return dns_errf(err, errlen, -ENOMEM, "out of memory");
	for (size_t i = 0; i < sizeof(sets) / sizeof(sets[0]); i++) {
		if (sets[i].rs->count == 0)
			continue;
		rc = rrset_sign(sets[i].sig, t->apex, t->apex_len, sets[i].rs, o->ksig, o->nksk,
				inception, expiration, scratch, scratch_cap, b);
		if (rc < 0) {
			rc = dns_errf(err, errlen, rc, "signing the apex key RRsets: %s",
				      dns_strerror(rc));
			break;
		}
		b += sets[i].sig->rdlen;
	}
	free(scratch);
	return rc;
}

/*
 * Everything but the worker signers' OpenSSL state lives in one allocation:
 * the struct, the worker signer pointers, then the apex and the six RRsets.
 */
int
sign_keytable_build(const struct sign_keytable_params *p, struct sign_keytable **out,
		    char *err, size_t errlen)
{
	const struct sign_dnskeyset *imp = p->signed_keys;
	const struct sign_key *zsk[SIGN_KEYTABLE_MAXZSK];
	const struct sign_key **ksk = NULL, **cdsk = NULL, **pubk = NULL;
	struct sign_key **rev = NULL;
	struct sign_signer **ksig = NULL;
	unsigned *roles = NULL;
	struct blob *v = NULL;
	uint8_t *ds = NULL;
	struct sign_keytable *t = NULL;
	size_t npub = 0, npk = 0, nzsk = 0, nksk = 0, ncds = 0;
	size_t dnskey_len = 0, sig_len = 0, cdnskey_len = 0, cds_len = 0, nv = 0;
	uint32_t inception, expiration, neg_ttl;
	int rc;

	*out = NULL;
	if (!p->apex || !p->zone || !p->keys || p->nworkers == 0 || p->denial > SIGN_DENIAL_NSEC)
		return dns_errf(err, errlen, -EINVAL, "bad key table parameters");
	if (p->nkeys == 0)
		return dns_errf(err, errlen, -EINVAL, "no key");
	if (!dns_name_equal(p->apex, dns_zone_name(p->zone)))
		return dns_errf(err, errlen, -EINVAL, "the zone's name is not the apex");
	if (sign_validity_check(&p->validity) < 0)
		return dns_errf(err, errlen, -EINVAL, "bad signature validity policy");
	if (soa_neg_ttl(p->zone, &neg_ttl) < 0)
		return dns_errf(err, errlen, -EINVAL, "the zone has no usable SOA");
	rc = imports_check(p, err, errlen);
	if (rc < 0)
		return rc;
	roles = calloc(p->nkeys, sizeof(*roles));
	if (!roles)
		return dns_errf(err, errlen, -ENOMEM, "out of memory");

	for (size_t i = 0; i < p->nkeys; i++) {
		const struct sign_key *k = p->keys[i];
		unsigned st = state_of(p->states, i);

		if (!sign_key_has_private(k)) {
			rc = dns_errf(err, errlen, -EINVAL, "key %u (algorithm %u) has no private part",
				  sign_key_tag(k), sign_key_alg(k));
			goto out;
		}
		if (!dns_name_equal(sign_key_owner(k), p->apex)) {
			rc = dns_errf(err, errlen, -EINVAL, "key %u (algorithm %u) is for another zone",
				  sign_key_tag(k), sign_key_alg(k));
			goto out;
		}
		/* Model 1: the zone owner signs the key RRsets, our keys sign the rest. */
		if (imp)
			roles[i] = signing(k, st) ? SIGN_ROLE_ZONE : 0;
		else
			roles[i] = sign_key_roles(p->keys, p->states, p->nkeys, i);
		npub += (st & SIGN_KEY_PUBLISHED) != 0;
		nzsk += (roles[i] & SIGN_ROLE_ZONE) != 0;
	}
	if (npub == 0 || nzsk == 0) {
		rc = dns_errf(err, errlen, -EINVAL, "%s", npub == 0 ? "no published key"
			  : "no active key that is not revoked");
		goto out;
	}
	if (nzsk > SIGN_KEYTABLE_MAXZSK) {
		rc = dns_errf(err, errlen, -EINVAL, "more than %d zone-signing keys",
			  SIGN_KEYTABLE_MAXZSK);
		goto out;
	}
	nzsk = 0;

	nv = p->nkeys;
	if (given(p->extra_dnskey))
		nv += p->extra_dnskey->count;
	if (given(p->extra_cds))
		nv += p->extra_cds->count;
	if (given(p->extra_cdnskey))
		nv += p->extra_cdnskey->count;
	ksk = calloc(p->nkeys, sizeof(*ksk));
	cdsk = calloc(p->nkeys, sizeof(*cdsk));
	ksig = calloc(p->nkeys, sizeof(*ksig));
	pubk = calloc(p->nkeys, sizeof(*pubk));
	rev = calloc(p->nkeys, sizeof(*rev));
	v = calloc(nv, sizeof(*v));
	ds = malloc(p->nkeys * SIGN_DS_MAXLEN);
	if (!ksk || !cdsk || !ksig || !pubk || !rev || !v || !ds) {
		rc = dns_errf(err, errlen, -ENOMEM, "out of memory");
		goto out;
	}

	for (size_t i = 0; i < p->nkeys; i++) {
		const struct sign_key *k = p->keys[i];
		unsigned st = state_of(p->states, i);
		size_t klen;

		if (!(st & SIGN_KEY_PUBLISHED))
			continue;
		if (imp) {
			if (roles[i] & SIGN_ROLE_ZONE)
				zsk[nzsk++] = k;
			continue;
		}
		/* Revoked by its timing: published and self-signed under the REVOKE flag. */
		if ((st & SIGN_KEY_REVOKED) && !(sign_key_flags(k) & SIGN_FLAG_REVOKE)) {
			rc = sign_key_dup(k, &rev[i]);
			if (rc == 0)
				rc = sign_key_set_flags(rev[i], sign_key_flags(k) | SIGN_FLAG_REVOKE);
			if (rc < 0) {
				rc = dns_errf(err, errlen, rc, "key %u: revoking: %s", sign_key_tag(k),
					  dns_strerror(rc));
				goto out;
			}
			k = rev[i];
		}
		pubk[npk++] = k;
		sign_key_dnskey(k, &klen);
		dnskey_len += 2 + klen;
		if (roles[i] & SIGN_ROLE_ZONE)
			zsk[nzsk++] = k;
		if (roles[i] & SIGN_ROLE_KEYS) {
			ksk[nksk++] = k;
			if (!revoked(k, st) && (st & SIGN_KEY_SYNC)) {
				cdsk[ncds++] = k;
				cdnskey_len += 2 + klen;
				cds_len += 2 + 4 + 32;
			}
		}
	}
	if (imp) {
		dnskey_len = imp->dnskey->rdlen + imp->dnskey_sig->rdlen;
		if (given(imp->cds))
			cds_len = imp->cds->rdlen + imp->cds_sig->rdlen;
		if (given(imp->cdnskey))
			cdnskey_len = imp->cdnskey->rdlen + imp->cdnskey_sig->rdlen;
	} else if (!p->publish_cds) {
		ncds = cdnskey_len = cds_len = 0;
	}
	if (given(p->extra_dnskey))
		dnskey_len += p->extra_dnskey->rdlen;
	if (p->publish_cds && given(p->extra_cds))
		cds_len += p->extra_cds->rdlen;
	if (p->publish_cds && given(p->extra_cdnskey))
		cdnskey_len += p->extra_cdnskey->rdlen;

	for (size_t i = 0; i < nksk; i++) {
		rc = sign_signer_new(ksk[i], &ksig[i]);
		if (rc < 0) {
			rc = dns_errf(err, errlen, rc, "key %u (algorithm %u): no signer: %s",
				  sign_key_tag(ksk[i]), sign_key_alg(ksk[i]), dns_strerror(rc));
			goto out;
		}
		sig_len += 2 + sign_signer_rrsig_len(ksig[i]);
	}

	size_t nsigners = (size_t)p->nworkers * nzsk;
	size_t apex_len = dns_name_len(p->apex);
	size_t total = sizeof(*t) + nsigners * sizeof(struct sign_signer *) + apex_len +
		       dnskey_len + cds_len + cdnskey_len + 3 * sig_len;
	t = calloc(1, total);
	if (!t) {
		rc = dns_errf(err, errlen, -ENOMEM, "out of memory");
		goto out;
	}
	t->signers = (struct sign_signer **)(t + 1);
	uint8_t *b = (uint8_t *)(t->signers + nsigners);
	uint8_t *apex = b;

	dns_name_lower(apex, p->apex);
	b += apex_len;
	t->generation = t->sig_generation = p->generation;
	t->apex = apex;
	t->apex_len = (uint8_t)apex_len;
	t->denial = p->denial;
	t->validity = p->validity;
	t->neg_ttl = neg_ttl;
	t->nzsk = (unsigned)nzsk;
	memcpy(t->zsk, zsk, nzsk * sizeof(zsk[0]));
	t->nworkers = p->nworkers;

	sign_validity_window(&p->validity, p->now, &inception, &expiration);
	/* In model 1 no RRSIG here is ours: the table expires as if one were. */
	t->sigs_expire = expiration;
	if (imp) {
		b += rrset_copy(&t->dnskey, imp->dnskey, b);
		b += rrset_copy(&t->dnskey_sig, imp->dnskey_sig, b);
		if (given(imp->cds)) {
			b += rrset_copy(&t->cds, imp->cds, b);
			b += rrset_copy(&t->cds_sig, imp->cds_sig, b);
		}
		if (given(imp->cdnskey)) {
			b += rrset_copy(&t->cdnskey, imp->cdnskey, b);
			b += rrset_copy(&t->cdnskey_sig, imp->cdnskey_sig, b);
		}
	} else {
		struct own_keys o = { pubk, npk, cdsk, ncds, ksig, nksk, v, ds };
		rc = own_key_rrsets(t, p, &o, b, inception, expiration, err, errlen);
		if (rc < 0)
			goto out;
	}

	for (size_t w = 0; w < p->nworkers; w++)
		for (size_t k = 0; k < nzsk; k++) {
			rc = sign_signer_new(zsk[k], &t->signers[w * nzsk + k]);
			if (rc < 0) {
				rc = dns_errf(err, errlen, rc, "key %u: no signer: %s",
					  sign_key_tag(zsk[k]), dns_strerror(rc));
				goto out;
			}
		}
	*out = t;
	t = NULL;
	rc = 0;
out:
	sign_keytable_free(t);
	for (size_t i = 0; ksig && i < nksk; i++)
		if (ksig[i])
			sign_signer_free(ksig[i]);
	for (size_t i = 0; rev && i < p->nkeys; i++)
		sign_key_free(rev[i]);
	free(ds);
	free(v);
	free(rev);
	free(pubk);
	free(roles);
	free(ksig);
	free(cdsk);
	free(ksk);
	return rc;
}
