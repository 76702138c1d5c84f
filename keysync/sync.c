/* SPDX-License-Identifier: BSD-3-Clause */
#include "keysync/sync.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dns/rdata.h"
#include "dns/wire.h"
#include "sign/key.h"

/* One of our records a peer was seen holding, and since when. */
struct ksync_held {
	uint16_t type, rdlen;
	uint8_t *rdata;
	int64_t since;
};

#define BIT(i) ((uint64_t)1 << (i))

/* A record's fingerprint (FNV-1a over type and RDATA), for what an UPDATE carried. */
static uint64_t
rec_hash(const struct ksync_rec *r)
{
	uint64_t h = 0xcbf29ce484222325ull;
	uint8_t t[2] = { (uint8_t)(r->type >> 8), (uint8_t)r->type };
	for (int i = 0; i < 2; i++)
		h = (h ^ t[i]) * 0x100000001b3ull;
	for (size_t i = 0; i < r->rdlen; i++)
		h = (h ^ r->rdata[i]) * 0x100000001b3ull;
	return h;
}

/* Whether d holds a record the peer's last UPDATE carried. */
static bool
diff_resends(const struct ksync_peer *p, const struct ksync_diff *d)
{
	for (size_t k = 0; k < p->nsent; k++) {
		for (size_t i = 0; i < d->nadd; i++)
			if (rec_hash(d->add[i]) == p->sent[k])
				return true;
		for (size_t i = 0; i < d->ndel; i++)
			if (rec_hash(d->del[i]) == p->sent[k])
				return true;
	}
	return false;
}

int
ksync_zone_init(struct ksync_zone *z, unsigned model, const struct ksync_timing *t,
		size_t npeers, const bool *push, const bool *poll)
{
	memset(z, 0, sizeof(*z));
	if (npeers > KSYNC_PEERS_MAX)
		return -EINVAL;
	z->peers = calloc(npeers ? npeers : 1, sizeof(*z->peers));
	if (!z->peers)
		return -ENOMEM;
	z->model = model;
	z->timing = *t;
	z->npeers = npeers;
	for (size_t i = 0; i < npeers; i++) {
		z->peers[i].push = push[i];
		z->peers[i].poll = poll[i];
	}
	return 0;
}

int
ksync_zone_restore(struct ksync_zone *z)
{
	for (size_t i = 0; i < z->npeers; i++) {
		struct ksync_peer *p = &z->peers[i];
		if (!p->push)
			continue;
		for (size_t k = 0; k < z->contributed.n; k++) {
			const struct ksync_rec *r = &z->contributed.v[k];
			if (!(r->origins & BIT(i)))
				continue;
			struct ksync_held *h = realloc(p->held, (p->nheld + 1) * sizeof(*h));
			if (!h)
				return -ENOMEM;
			p->held = h;
			h += p->nheld;
			*h = (struct ksync_held){ .type = r->type, .rdlen = r->rdlen, .since = 1,
						  .rdata = malloc(r->rdlen) };
			if (!h->rdata)
				return -ENOMEM;
			memcpy(h->rdata, r->rdata, r->rdlen);
			p->nheld++;
		}
	}
	return 0;
}

static void
held_free(struct ksync_peer *p)
{
	for (size_t i = 0; i < p->nheld; i++)
		free(p->held[i].rdata);
	free(p->held);
	p->held = NULL;
	p->nheld = 0;
}

void
ksync_zone_free(struct ksync_zone *z)
{
	for (size_t i = 0; i < z->npeers; i++) {
		held_free(&z->peers[i]);
		ksync_recset_free(&z->peers[i].seen);
	}
	free(z->peers);
	ksync_recset_free(&z->imported);
	ksync_recset_free(&z->contributed);
	ksync_recset_free(&z->tomb);
	memset(z, 0, sizeof(*z));
}

void
ksync_peer_poke(struct ksync_zone *z, size_t peer, int64_t now)
{
	struct ksync_peer *p = &z->peers[peer];
	if (p->phase == KSYNC_IDLE)
		p->next_check = now;
	else
		p->again = true;
}

int
ksync_zone_set_own(struct ksync_zone *z, const struct ksync_recset *own, int64_t now)
{
	struct ksync_recset next;
	if (ksync_recset_dup(&z->contributed, &next) != 0)
		return -ENOMEM;
	int rc = 0;
	/* Withdraw SELF from what is no longer ours (backwards: deleting shifts). */
	for (size_t i = next.n; i-- > 0;) {
		const struct ksync_rec *r = &next.v[i];
		if ((r->origins & BIT(KSYNC_SELF)) && ksync_recset_find(own, r->type, r->rdata,
									r->rdlen) < 0)
			ksync_recset_del(&next, r->type, r->rdata, r->rdlen, KSYNC_SELF);
	}
	for (size_t i = 0; rc >= 0 && i < own->n; i++) {
		const struct ksync_rec *r = &own->v[i];
		rc = ksync_recset_add(&next, r->type, r->ttl, r->rdata, r->rdlen, KSYNC_SELF);
	}
	if (rc < 0) {
		ksync_recset_free(&next);
		return -ENOMEM;
	}
	if (ksync_recset_equal(&next, &z->contributed)) {
		ksync_recset_free(&next);
		return 0;
	}
	ksync_recset_free(&z->contributed);
	z->contributed = next;
	for (size_t i = 0; i < z->npeers; i++) {
		if (!z->peers[i].push)
			continue;
		z->peers[i].in_sync_since = 0;
		ksync_peer_poke(z, i, now);
	}
	return 1;
}

const struct dns_rrset *
ksync_observed_rrset(const struct ksync_observed *o, uint16_t type)
{
	switch (type) {
	case DNS_T_DNSKEY: return &o->dnskey;
	case DNS_T_CDS: return &o->cds;
	case DNS_T_CDNSKEY: return &o->cdnskey;
	default: return NULL;
	}
}

static bool
keep_observed(void *arg, const uint8_t *rdata, uint16_t rdlen)
{
	return dns_rrset_has(arg, rdata, rdlen);
}

static bool
keep_none(void *arg, const uint8_t *rdata, uint16_t rdlen)
{
	(void)arg, (void)rdata, (void)rdlen;
	return false;
}

static const uint16_t key_types[] = { DNS_T_DNSKEY, DNS_T_CDS, DNS_T_CDNSKEY };
#define NKEY_TYPES (sizeof(key_types) / sizeof(key_types[0]))

/*
 * Whether the peer may give record (type, rd): not ours, not dead for it,
 * and not another peer's (a peer serving what another gave only relays it).
 */
static bool
peer_may_give(const struct ksync_zone *z, size_t peer, const struct ksync_recset *next,
	      uint16_t type, const uint8_t *rd, uint16_t len)
{
	if (ksync_recset_find(&z->contributed, type, rd, len) >= 0)
		return false;
	long dead = ksync_recset_find(&z->tomb, type, rd, len);
	if (dead >= 0 && (z->tomb.v[dead].origins & BIT(peer)))
		return false;
	long held = ksync_recset_find(next, type, rd, len);
	return held < 0 || (next->v[held].origins & BIT(peer));
}

/*
 * Which DNSKEYs of the peer's RRset to import: its zone-signing keys, not
 * revoked. Those are the keys without the SEP flag it may give; when it
 * gives none, every key of its own has the SEP flag, so each is a CSK (the
 * rule of sign/keytable.h), and those are imported instead. Returns the
 * flag bits an imported DNSKEY must have clear.
 */
static uint16_t
dnskey_filter(const struct ksync_zone *z, size_t peer, const struct dns_rrset *rs,
	      const struct ksync_recset *next)
{
	uint32_t pos = 0;
	uint16_t len;
	for (const uint8_t *rd; (rd = dns_rrset_next(rs, &pos, &len));)
		if (len >= 2 && !(dns_get16(rd) & (SIGN_FLAG_SEP | SIGN_FLAG_REVOKE)) &&
		    peer_may_give(z, peer, next, DNS_T_DNSKEY, rd, len))
			return SIGN_FLAG_SEP | SIGN_FLAG_REVOKE;
	return SIGN_FLAG_REVOKE;
}

/*
 * Import into next the peer's records of obs that are worth importing and
 * that it may give, and withdraw its claims on what it no longer serves (a
 * claim on a record it still serves stays, whatever gave it: a KSK it
 * pushed, or a CSK it has since made a KSK).
 * DNSKEYs: its zone-signing keys (dnskey_filter); model 2 needs the other
 * providers' ZSKs (a CSK counts), not their KSKs.
 */
static int
import_observed(const struct ksync_zone *z, size_t peer, const struct ksync_observed *obs,
		struct ksync_recset *next)
{
	uint16_t skip = dnskey_filter(z, peer, &obs->dnskey, next);
	for (size_t t = 0; t < NKEY_TYPES; t++) {
		uint16_t type = key_types[t];
		const struct dns_rrset *rs = ksync_observed_rrset(obs, type);
		uint32_t pos = 0;
		uint16_t len;
		for (const uint8_t *rd; (rd = dns_rrset_next(rs, &pos, &len));) {
			if (type == DNS_T_DNSKEY && (len < 2 || (dns_get16(rd) & skip)))
				continue;
			if (!peer_may_give(z, peer, next, type, rd, len))
				continue;
			/* A record several peers serve keeps its first TTL (the table
			 * serves ours anyway), so polls alternating peers change nothing. */
			long at = ksync_recset_find(next, type, rd, len);
			uint32_t ttl = at >= 0 ? next->v[at].ttl : rs->ttl;
			if (ksync_recset_add(next, type, ttl, rd, len, (unsigned)peer) < 0)
				return -ENOMEM;
		}
		ksync_recset_withdraw(next, (unsigned)peer, type, keep_observed, (void *)rs);
	}
	return 0;
}

/*
 * Records that left imported (old to now) are dead for every polled peer
 * that served them at its last check: it may not bring them back until it
 * has stopped serving them. Such a peer may serve a record only because
 * it took it from us (it polls us); without this, two peers polling each
 * other would keep a withdrawn key alive.
 */
static int
entomb(struct ksync_zone *z, const struct ksync_recset *old, const struct ksync_recset *now)
{
	for (size_t i = 0; i < old->n; i++) {
		const struct ksync_rec *r = &old->v[i];
		if (ksync_recset_find(now, r->type, r->rdata, r->rdlen) >= 0)
			continue;
		for (size_t k = 0; k < z->npeers; k++)
			if (z->peers[k].poll &&
			    ksync_recset_find(&z->peers[k].seen, r->type, r->rdata, r->rdlen) >= 0 &&
			    ksync_recset_add(&z->tomb, r->type, r->ttl, r->rdata, r->rdlen,
					     (unsigned)k) < 0)
				return -ENOMEM;
	}
	return 0;
}

/* What a polled peer serves now becomes its seen set (kept as it was when out of memory). */
static void
seen_observed(struct ksync_peer *p, const struct ksync_observed *obs)
{
	struct ksync_recset seen = { 0 };
	for (size_t t = 0; t < NKEY_TYPES; t++) {
		const struct dns_rrset *rs = ksync_observed_rrset(obs, key_types[t]);
		uint32_t pos = 0;
		uint16_t len;
		for (const uint8_t *rd; (rd = dns_rrset_next(rs, &pos, &len));) {
			if (len && ksync_recset_add(&seen, key_types[t], rs->ttl, rd, len, 0) < 0) {
				ksync_recset_free(&seen);
				return;
			}
		}
	}
	ksync_recset_free(&p->seen);
	p->seen = seen;
}

/* The peer no longer serves these dead records: it may bring them back later. */
static void
tomb_observed(struct ksync_zone *z, size_t peer, const struct ksync_observed *obs)
{
	for (size_t t = 0; t < NKEY_TYPES; t++)
		ksync_recset_withdraw(&z->tomb, (unsigned)peer, key_types[t], keep_observed,
				      (void *)ksync_observed_rrset(obs, key_types[t]));
}

static struct ksync_held *
held_find(const struct ksync_peer *p, const struct ksync_rec *r)
{
	for (size_t i = 0; i < p->nheld; i++)
		if (p->held[i].type == r->type && p->held[i].rdlen == r->rdlen &&
		    memcmp(p->held[i].rdata, r->rdata, r->rdlen) == 0)
			return &p->held[i];
	return NULL;
}

/*
 * Mark in next which of our records the peer holds, drop those nobody
 * holds any more that are not ours, and make the peer's new held list
 * (*held, *nheld) keeping the time each was first seen.
 */
static int
confirm_observed(const struct ksync_peer *p, size_t peer, const struct ksync_observed *obs,
		 int64_t now, struct ksync_recset *next, struct ksync_held **held, size_t *nheld)
{
	*held = calloc(next->n ? next->n : 1, sizeof(**held));
	*nheld = 0;
	if (!*held)
		return -ENOMEM;
	for (size_t i = next->n; i-- > 0;) {
		struct ksync_rec *r = &next->v[i];
		const struct dns_rrset *rs = ksync_observed_rrset(obs, r->type);
		if (!rs)
			continue;
		if (!dns_rrset_has(rs, r->rdata, r->rdlen)) {
			if (r->origins & BIT(peer))
				ksync_recset_del(next, r->type, r->rdata, r->rdlen, (unsigned)peer);
			continue;
		}
		r->origins |= BIT(peer);
		const struct ksync_held *old = held_find(p, r);
		struct ksync_held *h = &(*held)[(*nheld)++];
		h->rdata = malloc(r->rdlen);
		if (!h->rdata)
			return -ENOMEM;
		memcpy(h->rdata, r->rdata, r->rdlen);
		h->type = r->type;
		h->rdlen = r->rdlen;
		h->since = old ? old->since : now;
	}
	return 0;
}

/* What an UPDATE to the peer must add and delete, from next. */
static void
diff_make(const struct ksync_recset *next, size_t peer, struct ksync_diff *d)
{
	d->nadd = d->ndel = 0;
	for (size_t i = 0; i < next->n; i++) {
		const struct ksync_rec *r = &next->v[i];
		bool ours = r->origins & BIT(KSYNC_SELF), held = r->origins & BIT(peer);
		if (ours && !held && d->nadd < KSYNC_DIFF_MAX)
			d->add[d->nadd++] = r;
		else if (!ours && held && d->ndel < KSYNC_DIFF_MAX)
			d->del[d->ndel++] = r;
	}
}

static void
held_list_free(struct ksync_held *h, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(h[i].rdata);
	free(h);
}

int
ksync_peer_observed(struct ksync_zone *z, size_t peer, const struct ksync_observed *obs,
		    int64_t now, struct ksync_diff *diff, bool *changed)
{
	struct ksync_peer *p = &z->peers[peer];
	struct ksync_recset imp = { 0 }, con = { 0 };
	struct ksync_held *held = NULL;
	size_t nheld = 0;
	int rc = 0;

	diff->nadd = diff->ndel = 0;
	*changed = false;
	if (p->poll)
		rc = ksync_recset_dup(&z->imported, &imp) ? -ENOMEM
			: import_observed(z, peer, obs, &imp);
	if (rc == 0 && p->push)
		rc = ksync_recset_dup(&z->contributed, &con) ? -ENOMEM
			: confirm_observed(p, peer, obs, now, &con, &held, &nheld);
	if (rc < 0) {
		ksync_recset_free(&imp);
		ksync_recset_free(&con);
		held_list_free(held, nheld);
		ksync_peer_failed(z, peer, now, "out of memory");
		return -ENOMEM;
	}
	if (p->poll) {
		*changed = !ksync_recset_equal(&imp, &z->imported);
		/* Out of memory here only forgets that a record died. */
		entomb(z, &z->imported, &imp);
		tomb_observed(z, peer, obs);
		seen_observed(p, obs);
		ksync_recset_free(&z->imported);
		z->imported = imp;
	}
	if (p->push) {
		*changed = *changed || !ksync_recset_equal(&con, &z->contributed);
		ksync_recset_free(&z->contributed);
		z->contributed = con;
		held_free(p);
		p->held = held;
		p->nheld = nheld;
		diff_make(&z->contributed, peer, diff);
	}

	uint32_t ttl = 0;
	for (size_t t = 0; t < NKEY_TYPES; t++) {
		const struct dns_rrset *rs = ksync_observed_rrset(obs, key_types[t]);
		if (rs->count && rs->ttl > ttl)
			ttl = rs->ttl;
	}
	p->ttl_seen = ttl;

	bool pending = diff->nadd || diff->ndel;
	if (pending && p->confirming && diff_resends(p, diff)) {
		/* It said NOERROR to the last UPDATE and does not serve the result. */
		p->confirming = false;
		diff->nadd = diff->ndel = 0;
		ksync_peer_failed(z, peer, now, "accepted our UPDATE but does not serve its records");
		return 0;
	}
	p->confirming = false;
	p->last_ok = now;
	if (pending) {
		/* Failures and backoff stay until the peer is in sync: an UPDATE is due. */
		p->in_sync_since = 0;
		p->phase = KSYNC_UPDATING;
		p->nsent = 0;
		for (size_t i = 0; i < diff->nadd; i++)
			p->sent[p->nsent++] = rec_hash(diff->add[i]);
		for (size_t i = 0; i < diff->ndel; i++)
			p->sent[p->nsent++] = rec_hash(diff->del[i]);
		return 1;
	}
	p->failures = 0;
	p->backoff = 0;
	p->error[0] = '\0';
	if (p->push && !p->in_sync_since)
		p->in_sync_since = now;
	p->phase = KSYNC_IDLE;
	p->next_check = p->again ? now : now + z->timing.poll_interval;
	p->again = false;
	return 0;
}

void
ksync_peer_failed(struct ksync_zone *z, size_t peer, int64_t now, const char *why)
{
	struct ksync_peer *p = &z->peers[peer];
	unsigned b = p->backoff ? p->backoff * 2 : z->timing.retry_min;
	p->backoff = b > z->timing.retry_max ? z->timing.retry_max : b;
	p->failures++;
	p->phase = KSYNC_IDLE;
	p->confirming = false;
	p->again = false;
	p->next_check = now + p->backoff;
	snprintf(p->error, sizeof(p->error), "%s", why);
}

void
ksync_peer_updated(struct ksync_zone *z, size_t peer, int64_t now)
{
	struct ksync_peer *p = &z->peers[peer];
	p->updates++;
	p->phase = KSYNC_IDLE;
	p->confirming = true;
	p->again = false;
	p->next_check = now;
}

long
ksync_next_due(struct ksync_zone *z, int64_t now)
{
	for (size_t i = 0; i < z->npeers; i++) {
		struct ksync_peer *p = &z->peers[i];
		if (p->phase == KSYNC_IDLE && (p->push || p->poll) && p->next_check <= now) {
			p->phase = KSYNC_CHECKING;
			return (long)i;
		}
	}
	return -1;
}

int64_t
ksync_next_time(const struct ksync_zone *z)
{
	int64_t t = INT64_MAX;
	for (size_t i = 0; i < z->npeers; i++) {
		const struct ksync_peer *p = &z->peers[i];
		if (p->phase == KSYNC_IDLE && (p->push || p->poll) && p->next_check < t)
			t = p->next_check;
	}
	return t;
}

int64_t
ksync_propagated(const struct ksync_zone *z, uint16_t type, const uint8_t *rdata,
		 uint16_t rdlen, uint32_t *ttl)
{
	struct ksync_rec key = { .type = type, .rdlen = rdlen, .rdata = (uint8_t *)rdata };
	int64_t at = 1;
	uint32_t maxttl = 0;
	for (size_t i = 0; i < z->npeers; i++) {
		const struct ksync_peer *p = &z->peers[i];
		if (!p->push)
			continue;
		const struct ksync_held *h = held_find(p, &key);
		if (!h)
			at = 0;
		else if (at && h->since > at)
			at = h->since;
		if (p->ttl_seen > maxttl)
			maxttl = p->ttl_seen;
	}
	if (ttl)
		*ttl = maxttl;
	return at;
}

/*
 * RFC 2136 3.2.3: the prerequisite RRs "RRset exists (value dependent)" of
 * type must make exactly the RRset served.
 */
static bool
values_match(const struct ksync_update *u, uint16_t type, const struct dns_rrset *served)
{
	size_t distinct = 0;
	for (size_t i = 0; i < u->nprereq; i++) {
		const struct ksync_update_rr *a = &u->prereq[i];
		if (a->kind != KSYNC_PREREQ_RRSET_EXISTS_VALUE || a->type != type)
			continue;
		if (!dns_rrset_has(served, a->rdata, a->rdlen))
			return false;
		bool seen = false;
		for (size_t j = 0; j < i && !seen; j++) {
			const struct ksync_update_rr *b = &u->prereq[j];
			seen = b->kind == a->kind && b->type == type && b->rdlen == a->rdlen &&
			       memcmp(b->rdata, a->rdata, a->rdlen) == 0;
		}
		distinct += !seen;
	}
	return distinct == served->count;
}

static uint8_t
prereq_check(const struct ksync_update *u, const struct ksync_observed *served)
{
	for (size_t i = 0; i < u->nprereq; i++) {
		const struct ksync_update_rr *a = &u->prereq[i];
		const struct dns_rrset *rs = ksync_observed_rrset(served, a->type);
		switch (a->kind) {
		case KSYNC_PREREQ_RRSET_EXISTS:
			if (!rs || !rs->count)
				return DNS_R_NXRRSET;
			break;
		case KSYNC_PREREQ_RRSET_ABSENT:
			if (rs && rs->count)
				return DNS_R_YXRRSET;
			break;
		case KSYNC_PREREQ_RRSET_EXISTS_VALUE:
			if (!rs || !values_match(u, a->type, rs))
				return DNS_R_NXRRSET;
			break;
		case KSYNC_PREREQ_NAME_IN_USE:
			break; /* the apex always is */
		case KSYNC_PREREQ_NAME_ABSENT:
			return DNS_R_YXDOMAIN;
		}
	}
	return DNS_R_NOERROR;
}

uint8_t
ksync_zone_update(const struct ksync_zone *z, size_t peer, const struct ksync_update *u,
		  const struct ksync_observed *served, struct ksync_recset *out, bool *changed)
{
	*changed = false;
	ksync_recset_init(out);
	uint8_t rcode = prereq_check(u, served);
	if (rcode != DNS_R_NOERROR)
		return rcode;
	if (ksync_recset_dup(&z->imported, out) != 0)
		return DNS_R_SERVFAIL;
	for (size_t i = 0; i < u->nupdate && rcode == DNS_R_NOERROR; i++) {
		const struct ksync_update_rr *a = &u->update[i];
		long own = ksync_recset_find(&z->contributed, a->type, a->rdata, a->rdlen);
		switch (a->kind) {
		case KSYNC_UPDATE_ADD:
			if (own >= 0 && (z->contributed.v[own].origins & BIT(KSYNC_SELF)))
				break;
			if (ksync_recset_add(out, a->type, a->ttl, a->rdata, a->rdlen,
					     (unsigned)peer) < 0)
				rcode = DNS_R_SERVFAIL;
			break;
		case KSYNC_UPDATE_DELETE_RR:
			/* Ours, or another peer's: not the peer's to delete. */
			if ((own >= 0 && (z->contributed.v[own].origins & BIT(KSYNC_SELF))) ||
			    ksync_recset_del(out, a->type, a->rdata, a->rdlen, (unsigned)peer) ==
			    -EPERM)
				rcode = DNS_R_REFUSED;
			break;
		case KSYNC_UPDATE_DELETE_RRSET:
			ksync_recset_withdraw(out, (unsigned)peer, a->type, keep_none, NULL);
			break;
		case KSYNC_UPDATE_DELETE_NAME:
			for (size_t t = 0; t < NKEY_TYPES; t++)
				ksync_recset_withdraw(out, (unsigned)peer, key_types[t], keep_none,
						      NULL);
			break;
		}
	}
	if (rcode != DNS_R_NOERROR) {
		ksync_recset_free(out);
		return rcode;
	}
	*changed = !ksync_recset_equal(out, &z->imported);
	return DNS_R_NOERROR;
}

void
ksync_zone_commit(struct ksync_zone *z, struct ksync_recset *next)
{
	/* Out of memory here only forgets that a record died. */
	entomb(z, &z->imported, next);
	ksync_recset_free(&z->imported);
	z->imported = *next;
	ksync_recset_init(next);
}

const char *
ksync_peer_state_name(const struct ksync_peer *p)
{
	if (p->phase == KSYNC_CHECKING)
		return "checking";
	if (p->phase == KSYNC_UPDATING)
		return "updating";
	if (p->failures)
		return "failing";
	if (p->push ? p->in_sync_since != 0 : p->last_ok != 0)
		return "in-sync";
	return "pending";
}
