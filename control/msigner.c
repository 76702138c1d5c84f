/* SPDX-License-Identifier: BSD-3-Clause */
#include "control/msigner.h"

#include <errno.h>
#include <netinet/in.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "control/daemon.h"
#include "control/dnsclient.h"
#include "control/dnsserver.h"
#include "control/kstore.h"
#include "control/log.h"
#include "control/zones.h"
#include "dns/err.h"
#include "dns/name.h"
#include "dns/rdata.h"
#include "dns/wire.h"
#include "keysync/msg.h"
#include "keysync/sig0.h"
#include "keysync/sync.h"
#include "keysync/tsig.h"
#include "keysync/update.h"
#include "sign/dnskeyset.h"
#include "sign/ds.h"
#include "sign/keyfile.h"
#include "sign/keystate.h"
#include "sign/keytable.h"

#define MSG_MAX 65535
#define RRBUF 16384      /* one RRset of a peer's reply, dns_rrset layout */
#define UPDATE_RRS 256   /* RRs an inbound UPDATE may hold */

enum query { Q_DNSKEY, Q_CDS, Q_CDNSKEY, NQUERIES };
static const uint16_t query_type[NQUERIES] = { DNS_T_DNSKEY, DNS_T_CDS, DNS_T_CDNSKEY };

struct ctl_mszone;

/* One request in flight to a peer: what the client's callback gets. */
struct req {
	struct ctl_ms *ms;
	struct ctl_mszone *m;
	size_t peer;
	int what;                 /* enum query, or -1 for our UPDATE */
	uint8_t mac[KSYNC_TSIG_MAC_MAX];  /* our TSIG's MAC, to verify the reply */
	size_t maclen;
	uint8_t *sent;            /* the request as sent (SIG(0) replies cover it) */
	size_t sentlen;
};

struct mspeer {
	const struct ctl_peer_conf *conf;
	bool has_tsig;
	struct ksync_tsig_key tsig;
	struct sign_key *sig0_own;    /* signs our requests to it */
	struct sign_key *sig0_peer;   /* checks its requests to us */
	struct req req[NQUERIES + 1];
	bool told_polls_us;           /* the warning that we poll a peer that polls us is out */
	unsigned pending;             /* queries of the running check not yet answered */
	char failure[160];            /* the running check's first failure */
	uint8_t rr[NQUERIES][RRBUF];
	struct ksync_observed obs;
};

struct ctl_mszone {
	char *name;
	uint8_t apex[DNS_NAME_MAXLEN];
	unsigned model;
	unsigned delay;
	unsigned timeout_ms;
	char *store;                  /* the store file */
	const char **names;           /* peer names, for the store */
	struct ksync_zone sync;
	struct mspeer *peers;         /* npeers of them */
	size_t npeers;
	/* The imported records as RRsets for the key table (rebuilt by blobs_make). */
	struct dns_rrset rs[6];
	uint8_t *blob;
	struct sign_dnskeyset signed_keys;   /* model 1: over rs */
	/* For the gate: the DNSKEY TTL of the zone, the largest TTL of its data. */
	uint32_t dnskey_ttl;
	uint32_t max_ttl;
	bool leaving;                 /* withdrawing every record of ours from the peers */
};

struct ctl_ms {
	struct ctl_daemon *d;
	struct ctl_dnsc *client;
	struct ctl_dnss *server;
};

static int64_t
now_s(void)
{
	return (int64_t)time(NULL);
}

static uint16_t
random_id(void)
{
	uint16_t id = 0;
	if (getrandom(&id, sizeof(id), 0) != (ssize_t)sizeof(id))
		id = (uint16_t)rand();
	return id;
}

static int blobs_make(struct ctl_mszone *m);

/* ---- set-up ---- */

static int
peer_keys(struct mspeer *p, const struct ctl_peer_conf *c, char *err, size_t errlen)
{
	char why[512];
	p->conf = c;
	if (c->tsig) {
		if (ksync_tsig_key_parse(c->tsig, &p->tsig, why, sizeof(why)) != 0) {
			snprintf(err, errlen, "peer %s: tsig: %s", c->name, why);
			return -EINVAL;
		}
		p->has_tsig = true;
	}
	if (c->sig0_key && sign_keyfile_load(c->sig0_key, NULL, 0, &p->sig0_own, why,
					     sizeof(why)) != 0) {
		snprintf(err, errlen, "peer %s: sig0-key: %s", c->name, why);
		return -EINVAL;
	}
	if (c->sig0_peer && sign_keyfile_load(c->sig0_peer, NULL, SIGN_KEYFILE_PUBLIC,
					      &p->sig0_peer, why, sizeof(why)) != 0) {
		snprintf(err, errlen, "peer %s: sig0-peer: %s", c->name, why);
		return -EINVAL;
	}
	return 0;
}

int
ctl_mszone_new(const struct ctl_zone_conf *zc, const char *statedir, const uint8_t *apex,
	       struct ctl_mszone **out, char *err, size_t errlen)
{
	const struct ctl_msigner_conf *c = &zc->ms;
	struct ctl_mszone *m = calloc(1, sizeof(*m));
	bool push[KSYNC_PEERS_MAX], poll[KSYNC_PEERS_MAX];
	int rc = -ENOMEM;

	*out = NULL;
	if (!m)
		goto oom;
	memcpy(m->apex, apex, dns_name_len(apex));
	m->model = c->model;
	m->delay = c->delay;
	m->timeout_ms = c->timeout_ms;
	m->dnskey_ttl = zc->dnskey_ttl;
	m->name = strdup(zc->name);
	m->peers = calloc(c->npeers ? c->npeers : 1, sizeof(*m->peers));
	m->names = calloc(c->npeers ? c->npeers : 1, sizeof(*m->names));
	if (!m->name || !m->peers || !m->names)
		goto oom;
	m->npeers = c->npeers;
	for (size_t i = 0; i < c->npeers; i++) {
		m->names[i] = c->peers[i].name;
		push[i] = c->peers[i].push && m->model == 2;
		poll[i] = c->peers[i].poll && m->model == 2;
		if ((rc = peer_keys(&m->peers[i], &c->peers[i], err, errlen)) != 0)
			goto fail;
	}
	struct ksync_timing t = { .poll_interval = c->poll_interval, .retry_min = c->retry_min,
				  .retry_max = c->retry_max };
	if ((rc = ksync_zone_init(&m->sync, c->model, &t, c->npeers, push, poll)) != 0) {
		snprintf(err, errlen, "%s", rc == -EINVAL ? "too many peers" : "out of memory");
		goto fail;
	}
	char path[4096];
	if ((rc = ctl_kstore_path(statedir, apex, path, sizeof(path))) < 0 ||
	    !(m->store = strdup(path))) {
		snprintf(err, errlen, "no store file name for the zone in '%s'", statedir);
		rc = rc < 0 ? rc : -ENOMEM;
		goto fail;
	}
	struct ctl_kstore st = { 0 };
	size_t unknown = 0;
	if ((rc = ctl_kstore_load(m->store, apex, m->names, c->npeers, &st, &unknown, err,
				  errlen)) != 0)
		goto fail;
	m->sync.imported = st.imported;
	m->sync.contributed = st.contributed;
	if ((rc = ksync_zone_restore(&m->sync)) != 0 || (rc = blobs_make(m)) != 0)
		goto oom;
	if (unknown)
		ctl_log(CTL_LOG_WARNING, "zone %s: %s: %zu record claim%s of peers no longer "
			"configured dropped", zc->name, m->store, unknown, unknown == 1 ? "" : "s");
	*out = m;
	return 0;
oom:
	snprintf(err, errlen, "out of memory");
fail:
	ctl_mszone_free(m);
	return rc ? rc : -ENOMEM;
}

void
ctl_mszone_free(struct ctl_mszone *m)
{
	if (!m)
		return;
	for (size_t i = 0; i < m->npeers; i++) {
		sign_key_free(m->peers[i].sig0_own);
		sign_key_free(m->peers[i].sig0_peer);
		for (size_t r = 0; r <= NQUERIES; r++)
			free(m->peers[i].req[r].sent);
	}
	ksync_zone_free(&m->sync);
	free(m->peers);
	free(m->names);
	free(m->store);
	free(m->name);
	free(m->blob);
	free(m);
}

/* ---- the key table's extra ---- */

enum blob { B_DNSKEY, B_CDS, B_CDNSKEY, B_DNSKEY_SIG, B_CDS_SIG, B_CDNSKEY_SIG };

/* The type an RRSIG RDATA covers. */
static uint16_t
rrsig_covers(const struct ksync_rec *r)
{
	return r->rdlen >= 2 ? dns_get16(r->rdata) : 0;
}

/*
 * Which RRset of the key table record r of imported goes to: model 2 takes
 * the peers' records, model 1 the owner's signed RRsets. -1: none.
 */
static int
blob_of(const struct ctl_mszone *m, const struct ksync_rec *r)
{
	bool owner = r->origins & ((uint64_t)1 << KSYNC_OWNER);
	if (m->model == 1 && !owner)
		return -1;
	if (m->model == 2 && !(r->origins & ~((uint64_t)1 << KSYNC_OWNER)))
		return -1;
	switch (r->type) {
	case DNS_T_DNSKEY: return B_DNSKEY;
	case DNS_T_CDS: return B_CDS;
	case DNS_T_CDNSKEY: return B_CDNSKEY;
	case DNS_T_RRSIG:
		if (m->model != 1)
			return -1;
		switch (rrsig_covers(r)) {
		case DNS_T_DNSKEY: return B_DNSKEY_SIG;
		case DNS_T_CDS: return B_CDS_SIG;
		case DNS_T_CDNSKEY: return B_CDNSKEY_SIG;
		}
	}
	return -1;
}

/* Lay the imported records out as the key table's RRsets (m->rs over m->blob). */
static int
blobs_make(struct ctl_mszone *m)
{
	const struct ksync_recset *s = &m->sync.imported;
	size_t total = 0;
	for (size_t i = 0; i < s->n; i++)
		total += 2u + s->v[i].rdlen;
	uint8_t *blob = malloc(total ? total : 1);
	if (!blob)
		return -ENOMEM;
	free(m->blob);
	m->blob = blob;
	size_t at = 0;
	static const uint16_t types[6] = { DNS_T_DNSKEY, DNS_T_CDS, DNS_T_CDNSKEY, DNS_T_RRSIG,
					   DNS_T_RRSIG, DNS_T_RRSIG };
	for (int b = 0; b < 6; b++) {
		m->rs[b] = (struct dns_rrset){ .type = types[b], .rdata = blob + at };
		for (size_t i = 0; i < s->n; i++) {
			const struct ksync_rec *r = &s->v[i];
			if (blob_of(m, r) != b)
				continue;
			dns_put16(blob + at, r->rdlen);
			memcpy(blob + at + 2, r->rdata, r->rdlen);
			at += 2u + r->rdlen;
			m->rs[b].rdlen += 2u + r->rdlen;
			m->rs[b].ttl = m->rs[b].count++ == 0 || r->ttl < m->rs[b].ttl
				? r->ttl : m->rs[b].ttl;
		}
	}
	return 0;
}

/*
 * An old key of ours stays published (signing nothing) after its Delete
 * time until the signatures it made can no longer be cached: the largest
 * TTL of the zone or of its DNSKEY RRset, plus the delay, after it last
 * signed (Inactive, or Delete if earlier). Returns state with
 * SIGN_KEY_PUBLISHED added while that holds, *wake when it ends.
 */
static unsigned
removal_hold(const struct ctl_mszone *m, const struct sign_key *k, unsigned state, int64_t now,
	     int64_t *wake)
{
	const struct sign_key_timing *t = sign_key_timing(k);
	int64_t shown = t->publish ? t->publish : t->activate;
	if ((state & SIGN_KEY_PUBLISHED) || !t->remove || t->remove > now || shown > t->remove)
		return state;
	int64_t last = t->inactive && t->inactive < t->remove ? t->inactive : t->remove;
	uint32_t ttl = m->max_ttl > m->dnskey_ttl ? m->max_ttl : m->dnskey_ttl;
	/* Times are whole seconds: it may have signed until just before last + 1. */
	int64_t until = last + 1 + (int64_t)ttl + m->delay;
	if (now >= until)
		return state;
	*wake = until;
	return (state | SIGN_KEY_PUBLISHED) & ~(unsigned)SIGN_KEY_ACTIVE;
}

/*
 * The gate (struct ctl_keyextra): the removal hold above, and a key of
 * ours that signs zone data (ZSK or CSK) by its timing signs only once
 * every peer we push to has served its DNSKEY for the largest DNSKEY TTL
 * plus the delay.
 */
static unsigned
gate(void *arg, const struct sign_key *k, unsigned state, bool signs_zone, int64_t now,
     int64_t *wake)
{
	const struct ctl_mszone *m = arg;
	*wake = 0;
	state = removal_hold(m, k, state, now, wake);
	if (!(state & SIGN_KEY_ACTIVE) || !signs_zone)
		return state;
	size_t len;
	const uint8_t *rd = sign_key_dnskey(k, &len);
	uint32_t ttl;
	int64_t since = ksync_propagated(&m->sync, DNS_T_DNSKEY, rd, (uint16_t)len, &ttl);
	if (ttl < m->dnskey_ttl)
		ttl = m->dnskey_ttl;
	if (since == 1)
		return state;
	/* Whole seconds again: the peer may have started serving it just before since + 1. */
	int64_t ready = since + 1 + (int64_t)ttl + m->delay;
	if (since && now >= ready)
		return state;
	if (since)
		*wake = ready;
	return state & ~(unsigned)SIGN_KEY_ACTIVE;
}

void
ctl_mszone_keyextra(struct ctl_mszone *m, uint32_t dnskey_ttl, uint32_t max_ttl,
		    struct ctl_keyextra *x)
{
	*x = (struct ctl_keyextra){ .dnskey_ttl = dnskey_ttl };
	if (!m)
		return;
	m->max_ttl = max_ttl;
	if (m->model == 2) {
		x->dnskey = &m->rs[B_DNSKEY];
		x->cds = &m->rs[B_CDS];
		x->cdnskey = &m->rs[B_CDNSKEY];
		x->gate = gate;
		x->arg = m;
	} else if (m->rs[B_DNSKEY].count) {
		m->signed_keys = (struct sign_dnskeyset){
			.dnskey = &m->rs[B_DNSKEY], .dnskey_sig = &m->rs[B_DNSKEY_SIG],
			.cds = &m->rs[B_CDS], .cds_sig = &m->rs[B_CDS_SIG],
			.cdnskey = &m->rs[B_CDNSKEY], .cdnskey_sig = &m->rs[B_CDNSKEY_SIG],
		};
		x->signed_keys = &m->signed_keys;
	}
}

/* ---- persistence and publication ---- */

/* Write z's store. Returns 0, or -1 after logging why. */
static int
persist(struct ctl_mszone *m, const struct ksync_recset *imported)
{
	struct ctl_kstore st = { .imported = *imported, .contributed = m->sync.contributed };
	char err[1024];
	if (ctl_kstore_save(m->store, m->apex, m->names, m->sync.npeers, &st, err,
			    sizeof(err)) != 0) {
		ctl_log(CTL_LOG_ERROR, "zone %s: saving the multi-signer store: %s", m->name, err);
		return -1;
	}
	return 0;
}

static struct ctl_zone *
zone_of(struct ctl_ms *ms, const struct ctl_mszone *m)
{
	for (size_t i = 0; i < ms->d->zones.n; i++)
		if (ms->d->zones.v[i].ms == m)
			return &ms->d->zones.v[i];
	return NULL;
}

static void notify_peers(struct ctl_ms *ms, struct ctl_mszone *m);

static bool
rrset_same(const struct dns_rrset *a, const struct dns_rrset *b)
{
	return a->count == b->count && a->rdlen == b->rdlen &&
	       (!a->rdlen || memcmp(a->rdata, b->rdata, a->rdlen) == 0);
}

/*
 * What the zone serves, or the propagation its gate sees, changed: rebuild
 * its key table and publish it; tell the peers when its DNSKEY, CDS or
 * CDNSKEY RRset is not what it was.
 */
static void
republish(struct ctl_ms *ms, struct ctl_mszone *m)
{
	struct ctl_zone *z = zone_of(ms, m);
	struct sign_keytable *t;
	char err[1024];
	if (blobs_make(m) != 0) {
		ctl_log(CTL_LOG_ERROR, "zone %s: out of memory; key table kept", m->name);
		return;
	}
	if (!z->keys.n)
		return;
	if (ctl_zone_keytable(z, &z->keys, z->served, ms->d->workers, (uint32_t)now_s(), &t,
			      err, sizeof(err)) != 0) {
		ctl_log(CTL_LOG_ERROR, "zone %s: key table with the peers' records: %s; previous "
			"table kept", m->name, err);
		return;
	}
	/* Relaxed: this is the control thread, the slot's only writer. */
	const struct sign_keytable *old = atomic_load_explicit(&z->slot.keys,
							       memory_order_relaxed);
	bool same = old && t && rrset_same(&old->dnskey, &t->dnskey) &&
		    rrset_same(&old->cds, &t->cds) && rrset_same(&old->cdnskey, &t->cdnskey);
	ctl_log(CTL_LOG_INFO, "zone %s: key table rebuilt with %zu imported record%s, "
		"generation %llu", m->name, m->sync.imported.n, m->sync.imported.n == 1 ? "" : "s",
		t ? (unsigned long long)t->generation : 0ULL);
	ctl_publish_keytable(&ms->d->pub, &z->slot, t);
	if (!same)
		notify_peers(ms, m);
}

/*
 * Model 1: make next (taken over) the imported set, the zone owner's signed
 * key RRsets, once a key table built with it passes sign_dnskeyset_check
 * and next is persisted; then publish that table. Otherwise nothing
 * changes, and msg says why, prefixed with source: -EINVAL (the check, or
 * no DNSKEY RRset), -EIO (the store), or the table's error.
 */
static int
owner_sets_apply(struct ctl_ms *ms, struct ctl_zone *z, struct ksync_recset *next,
		 const char *source, char *msg, size_t msglen)
{
	struct ctl_mszone *m = z->ms;
	struct sign_keytable *t = NULL;
	char err[1024];
	struct ksync_recset old = m->sync.imported;
	m->sync.imported = *next;
	int rc = blobs_make(m);
	if (rc == 0 && !m->rs[B_DNSKEY].count) {
		snprintf(msg, msglen, "%s: no DNSKEY RRset at the apex", source);
		rc = -EINVAL;
	} else if (rc == 0 && (rc = ctl_zone_keytable(z, &z->keys, z->served, ms->d->workers,
						      (uint32_t)now_s(), &t, err,
						      sizeof(err))) != 0) {
		snprintf(msg, msglen, "%s: %s", source, err);
	} else if (rc == 0 && persist(m, next) != 0) {
		snprintf(msg, msglen, "saving the store %s failed (see the log)", m->store);
		rc = -EIO;
	}
	if (rc != 0) {
		sign_keytable_free(t);
		m->sync.imported = old;
		ksync_recset_free(next);
		blobs_make(m);
		return rc;
	}
	ksync_recset_init(next);
	ksync_recset_free(&old);
	ctl_log(CTL_LOG_INFO, "zone %s: the zone owner's signed key RRsets from %s in use "
		"(%zu records)", z->name, source, m->sync.imported.n);
	ctl_publish_keytable(&ms->d->pub, &z->slot, t);
	return 0;
}

/* ---- our own records ---- */

/*
 * Our records at now (model 2): the DNSKEY of every published key of ours
 * (the removal hold counts as published) that signs zone data or will (no
 * SEP flag, or a CSK), and the CDS (SHA-256) and CDNSKEY of every key the
 * key table lists in CDS.
 */
static int
own_records(const struct ctl_mszone *m, const struct ctl_keyset *ks, int64_t now,
	    struct ksync_recset *out)
{
	unsigned *st = calloc(ks->n ? ks->n : 1, sizeof(*st));
	uint32_t ttl = m->dnskey_ttl;
	int rc = st ? 0 : -ENOMEM;
	for (size_t i = 0; st && i < ks->n; i++) {
		int64_t wake = 0;
		st[i] = removal_hold(m, ks->keys[i], sign_key_state(sign_key_timing(ks->keys[i]),
								    now), now, &wake);
	}
	for (size_t i = 0; rc >= 0 && i < ks->n; i++) {
		const struct sign_key *k = ks->keys[i];
		uint16_t flags = sign_key_flags(k);
		if (!(st[i] & SIGN_KEY_PUBLISHED) || (st[i] & SIGN_KEY_REVOKED) ||
		    (flags & SIGN_FLAG_REVOKE))
			continue;
		unsigned roles = sign_key_roles((const struct sign_key *const *)ks->keys, st, ks->n,
						i);
		size_t len;
		const uint8_t *rd = sign_key_dnskey(k, &len);
		if (!(flags & SIGN_FLAG_SEP) || (roles & SIGN_ROLE_ZONE))
			rc = ksync_recset_add(out, DNS_T_DNSKEY, ttl, rd, (uint16_t)len, KSYNC_SELF);
		if (rc >= 0 && (roles & SIGN_ROLE_KEYS) && (st[i] & SIGN_KEY_SYNC)) {
			uint8_t ds[128];
			int n = sign_key_ds(k, 2, ds, sizeof(ds));
			rc = n < 0 ? n : ksync_recset_add(out, DNS_T_CDS, ttl, ds, (uint16_t)n,
							  KSYNC_SELF);
			if (rc >= 0)
				rc = ksync_recset_add(out, DNS_T_CDNSKEY, ttl, rd, (uint16_t)len,
						      KSYNC_SELF);
		}
	}
	free(st);
	return rc < 0 ? rc : 0;
}

/* Refresh our own records from ks; returns whether they changed (then persisted). */
static bool
own_refresh(struct ctl_mszone *m, const struct ctl_keyset *ks)
{
	struct ksync_recset own = { 0 };
	int64_t now = now_s();
	bool changed = false;
	if (m->model != 2)
		return false;
	if (!m->leaving && own_records(m, ks, now, &own) != 0) {
		ctl_log(CTL_LOG_ERROR, "zone %s: our own records: out of memory", m->name);
	} else if (ksync_zone_set_own(&m->sync, &own, now) > 0) {
		ctl_log(CTL_LOG_INFO, "zone %s: our keys changed; syncing them to the peers",
			m->name);
		persist(m, &m->sync.imported);
		changed = true;
	}
	ksync_recset_free(&own);
	return changed;
}

void
ctl_ms_keys_changed(struct ctl_ms *ms, struct ctl_zone *z)
{
	if (ms && z->ms && own_refresh(z->ms, &z->keys))
		notify_peers(ms, z->ms);
}

/* ---- requests to peers ---- */

/*
 * Sign msg[0..*len) for peer p: with its TSIG key (the MAC kept in r for
 * the reply), else with our SIG(0) key (the request kept in r), else not
 * at all. Returns 0 or a negative code.
 */
static int
sign_request(struct mspeer *p, struct req *r, uint8_t *msg, size_t *len, size_t cap)
{
	uint64_t now = (uint64_t)now_s();
	int rc = 0;
	r->maclen = 0;
	if (p->has_tsig) {
		rc = ksync_tsig_sign(msg, *len, cap, &p->tsig, now, NULL, 0, r->mac, len);
		if (rc == 0)
			r->maclen = ksync_tsig_mac_len(&p->tsig);
	} else if (p->sig0_own) {
		rc = ksync_sig0_sign(msg, *len, cap, p->sig0_own, now, NULL, 0, len);
	}
	if (rc == 0 && p->sig0_own && !p->has_tsig) {
		free(r->sent);
		r->sent = malloc(*len);
		if (!r->sent)
			return -ENOMEM;
		memcpy(r->sent, msg, *len);
		r->sentlen = *len;
	}
	return rc;
}

/*
 * Check a reply's signature: TSIG replies must verify with the request's
 * MAC; SIG(0) replies when we know the peer's key. Returns NULL or why not.
 */
static const char *
reply_auth(const struct mspeer *p, const struct req *r, const uint8_t *reply, size_t len)
{
	uint64_t now = (uint64_t)now_s();
	if (p->has_tsig) {
		struct ksync_tsig_result tr;
		int rc = ksync_tsig_verify(reply, len, &p->tsig, 1, now, r->mac, r->maclen, &tr);
		if (rc == DNS_ENOTFOUND)
			return "the reply is not signed with the peer's TSIG key";
		return rc == 0 ? NULL : "the reply's TSIG does not verify";
	}
	if (p->sig0_own && p->sig0_peer) {
		struct ksync_sig0_result sr;
		const struct sign_key *k = p->sig0_peer;
		int rc = ksync_sig0_verify(reply, len, &k, 1, now, r->sent, r->sentlen, &sr);
		return rc == 0 ? NULL : "the reply's SIG(0) does not verify";
	}
	return NULL;
}

static void check_done(struct ctl_ms *ms, struct ctl_mszone *m, size_t i);

static void
query_done(void *arg, int rc, const uint8_t *reply, size_t rlen)
{
	struct req *r = arg;
	struct mspeer *p = &r->m->peers[r->peer];
	struct dns_rrset *rs = r->what == Q_DNSKEY ? &p->obs.dnskey
			       : r->what == Q_CDS ? &p->obs.cds : &p->obs.cdnskey;
	const char *tname = dns_type_name(query_type[r->what]);
	uint8_t rcode = DNS_R_NOERROR;

	const char *bad = NULL;
	if (rc < 0) {
		if (!p->failure[0])
			snprintf(p->failure, sizeof(p->failure), "%s query: %s", tname,
				 dns_strerror(rc));
	} else if ((bad = reply_auth(p, r, reply, rlen)) != NULL) {
		if (!p->failure[0])
			snprintf(p->failure, sizeof(p->failure), "%s query: %s", tname, bad);
	} else if (ksync_msg_answer(reply, rlen, r->m->apex, query_type[r->what], p->rr[r->what],
				    RRBUF, rs, &rcode) != 0 || rcode != DNS_R_NOERROR) {
		if (!p->failure[0])
			snprintf(p->failure, sizeof(p->failure), "%s query: %s", tname,
				 rcode != DNS_R_NOERROR ? dns_rcode_name(rcode)
				 : "malformed reply");
	}
	if (--p->pending == 0)
		check_done(r->ms, r->m, r->peer);
}

static void
check_start(struct ctl_ms *ms, struct ctl_mszone *m, size_t i)
{
	struct mspeer *p = &m->peers[i];
	p->failure[0] = '\0';
	p->pending = 0;
	for (int q = 0; q < NQUERIES; q++) {
		uint8_t msg[1024];
		int len = ksync_msg_query(msg, sizeof(msg), random_id(), m->apex, query_type[q]);
		size_t n = len > 0 ? (size_t)len : 0;
		struct req *r = &p->req[q];
		*r = (struct req){ .ms = ms, .m = m, .peer = i, .what = q, .sent = r->sent };
		/* Signed as our UPDATEs are, so the answer is the peer's (TC: TCP). */
		int rc = len < 0 ? len : sign_request(p, r, msg, &n, sizeof(msg));
		if (rc == 0)
			rc = ctl_dnsc_send(ms->client, &p->conf->addr, msg, n, 0, m->timeout_ms,
					   query_done, r);
		if (rc < 0) {
			if (!p->failure[0])
				snprintf(p->failure, sizeof(p->failure), "%s query: %s",
					 dns_type_name(query_type[q]), dns_strerror(rc));
			continue;
		}
		p->pending++;
	}
	if (p->pending == 0)
		check_done(ms, m, i);
}

static void
update_done(void *arg, int rc, const uint8_t *reply, size_t rlen)
{
	struct req *r = arg;
	struct ctl_mszone *m = r->m;
	struct mspeer *p = &m->peers[r->peer];
	char why[200];
	const char *bad = NULL;
	int64_t now = now_s();

	if (rc < 0) {
		snprintf(why, sizeof(why), "UPDATE: %s", dns_strerror(rc));
	} else if ((bad = reply_auth(p, r, reply, rlen)) != NULL) {
		snprintf(why, sizeof(why), "UPDATE: %s", bad);
	} else if (DNS_RCODE(dns_get16(reply + 2)) != DNS_R_NOERROR) {
		snprintf(why, sizeof(why), "UPDATE refused: %s",
			 dns_rcode_name(DNS_RCODE(dns_get16(reply + 2))));
	} else {
		ctl_log(CTL_LOG_INFO, "zone %s: peer %s accepted our UPDATE", m->name,
			p->conf->name);
		ksync_peer_updated(&m->sync, r->peer, now);
		return;
	}
	ctl_log(CTL_LOG_WARNING, "zone %s: peer %s: %s", m->name, p->conf->name, why);
	ksync_peer_failed(&m->sync, r->peer, now, why);
}

static void
update_send(struct ctl_ms *ms, struct ctl_mszone *m, size_t i, const struct ksync_diff *diff)
{
	struct mspeer *p = &m->peers[i];
	struct req *r = &p->req[NQUERIES];
	uint8_t *msg = malloc(MSG_MAX);
	size_t len = 0;
	int rc = msg ? ksync_msg_push(msg, MSG_MAX, random_id(), m->apex, diff) : -ENOMEM;

	*r = (struct req){ .ms = ms, .m = m, .peer = i, .what = -1, .sent = r->sent };
	if (rc > 0) {
		len = (size_t)rc;
		rc = sign_request(p, r, msg, &len, MSG_MAX);
	}
	if (rc >= 0)
		rc = ctl_dnsc_send(ms->client, &p->conf->addr, msg, len, 0, m->timeout_ms,
				   update_done, r);
	free(msg);
	if (rc < 0) {
		char why[160];
		snprintf(why, sizeof(why), "UPDATE not sent: %s", dns_strerror(rc));
		ksync_peer_failed(&m->sync, i, now_s(), why);
		return;
	}
	ctl_log(CTL_LOG_INFO, "zone %s: UPDATE to peer %s: %zu to add, %zu to delete", m->name,
		p->conf->name, diff->nadd, diff->ndel);
}

static void
check_done(struct ctl_ms *ms, struct ctl_mszone *m, size_t i)
{
	struct mspeer *p = &m->peers[i];
	int64_t now = now_s();
	if (p->failure[0]) {
		if (!m->sync.peers[i].failures)
			ctl_log(CTL_LOG_WARNING, "zone %s: peer %s: %s", m->name, p->conf->name,
				p->failure);
		ksync_peer_failed(&m->sync, i, now, p->failure);
		return;
	}
	struct ksync_diff diff;
	bool changed;
	int rc = ksync_peer_observed(&m->sync, i, &p->obs, now, &diff, &changed);
	if (changed && persist(m, &m->sync.imported) == 0)
		republish(ms, m);
	if (rc == 1)
		update_send(ms, m, i, &diff);
}

/* A NOTIFY to one peer; its reply only matters to the log. */
struct notify {
	const char *zone, *peer;
};

static void
notify_done(void *arg, int rc, const uint8_t *reply, size_t rlen)
{
	struct notify *n = arg;
	if (rc < 0)
		ctl_log(CTL_LOG_DEBUG, "zone %s: NOTIFY to peer %s: %s", n->zone, n->peer,
			dns_strerror(rc));
	else if (rlen >= DNS_HDR_LEN && DNS_RCODE(dns_get16(reply + 2)) != DNS_R_NOERROR)
		ctl_log(CTL_LOG_DEBUG, "zone %s: NOTIFY to peer %s: %s", n->zone, n->peer,
			dns_rcode_name(DNS_RCODE(dns_get16(reply + 2))));
	free(n);
}

static void
notify_peers(struct ctl_ms *ms, struct ctl_mszone *m)
{
	for (size_t i = 0; i < m->sync.npeers; i++) {
		struct mspeer *p = &m->peers[i];
		struct req scratch = { 0 };
		uint8_t msg[1024];
		int len = ksync_msg_request(msg, sizeof(msg), random_id(), DNS_OP_NOTIFY, m->apex,
					    DNS_T_SOA);
		size_t n = len > 0 ? (size_t)len : 0;
		struct notify *nt = malloc(sizeof(*nt));
		int rc = len < 0 ? len : nt ? sign_request(p, &scratch, msg, &n, sizeof(msg))
					    : -ENOMEM;
		free(scratch.sent);
		if (rc == 0) {
			*nt = (struct notify){ .zone = m->name, .peer = p->conf->name };
			rc = ctl_dnsc_send(ms->client, &p->conf->addr, msg, n, 0, m->timeout_ms,
					   notify_done, nt);
		}
		if (rc < 0) {
			free(nt);
			ctl_log(CTL_LOG_DEBUG, "zone %s: NOTIFY to peer %s not sent", m->name,
				p->conf->name);
		}
	}
}

/* ---- requests from peers ---- */

/*
 * The header and question (zone) section of the reply to req with rcode;
 * the question is left out when req's does not parse. Returns the length.
 */
static size_t
reply_start(const uint8_t *req, size_t len, uint8_t rcode, uint8_t *out)
{
	size_t end = DNS_HDR_LEN, pos = DNS_HDR_LEN, nlen;
	uint8_t name[DNS_NAME_MAXLEN];
	bool question = dns_get16(req + 4) == 1 &&
			dns_name_unpack(req, len, &pos, name, &nlen) == 0 && len - pos >= 4;
	if (question)
		end = pos + 4;
	memcpy(out, req, end);
	uint16_t flags = dns_get16(req + 2);
	unsigned op = DNS_OPCODE(flags);
	dns_put16(out + 2, (uint16_t)(DNS_QR | (flags & 0x7800) | (flags & DNS_RD) |
				      (op == DNS_OP_NOTIFY ? DNS_AA : 0) | rcode));
	dns_put16(out + 4, question);
	memset(out + 6, 0, 6);
	return end;
}

/* How a request from a peer was authenticated. */
struct auth {
	enum { AUTH_NONE, AUTH_TSIG, AUTH_SIG0, AUTH_FAILED_TSIG, AUTH_FAILED_SIG0 } how;
	long peer;                    /* the peer, when verified */
	struct ksync_tsig_result tr;
	struct ksync_sig0_result sr;
};

/*
 * Authenticate req as coming from a peer of m: its TSIG against the peers'
 * TSIG keys, else its SIG(0) against their SIG(0) keys. Returns the rcode
 * to answer with when it is not NOERROR (FORMERR, NOTAUTH).
 */
static uint8_t
authenticate(const struct ctl_mszone *m, const uint8_t *req, size_t len, struct auth *a)
{
	struct ksync_tsig_key keys[KSYNC_PEERS_MAX];
	const struct sign_key *pub[KSYNC_PEERS_MAX];
	size_t map[KSYNC_PEERS_MAX], nkeys = 0;
	uint64_t now = (uint64_t)now_s();

	a->how = AUTH_NONE;
	a->peer = -1;
	for (size_t i = 0; i < m->sync.npeers; i++) {
		pub[i] = m->peers[i].sig0_peer;
		if (m->peers[i].has_tsig) {
			map[nkeys] = i;
			keys[nkeys++] = m->peers[i].tsig;
		}
	}
	int rc = ksync_tsig_verify(req, len, keys, nkeys, now, NULL, 0, &a->tr);
	if (rc == 0) {
		a->how = AUTH_TSIG;
		a->peer = (long)map[a->tr.key - keys];
		return DNS_R_NOERROR;
	}
	if (rc != DNS_ENOTFOUND) {
		a->how = a->tr.rcode == DNS_R_NOTAUTH ? AUTH_FAILED_TSIG : AUTH_NONE;
		return a->tr.rcode == DNS_R_NOERROR ? DNS_R_SERVFAIL : a->tr.rcode;
	}
	rc = ksync_sig0_verify(req, len, pub, m->sync.npeers, now, NULL, 0, &a->sr);
	if (rc == 0) {
		a->how = AUTH_SIG0;
		for (size_t i = 0; i < m->sync.npeers; i++)
			if (pub[i] == a->sr.key)
				a->peer = (long)i;
		return DNS_R_NOERROR;
	}
	if (rc != DNS_ENOTFOUND) {
		a->how = a->sr.rcode == DNS_R_NOTAUTH ? AUTH_FAILED_SIG0 : AUTH_NONE;
		return a->sr.rcode == DNS_R_NOERROR ? DNS_R_SERVFAIL : a->sr.rcode;
	}
	return DNS_R_NOERROR;
}

/*
 * Sign the reply out[0..len) as the request was signed, within cap.
 * Returns the new length (len when the request was not signed), or 0 when
 * the signature does not fit or cannot be made.
 */
static size_t
reply_sign(const struct ctl_mszone *m, const struct auth *a, const uint8_t *req, size_t reqlen,
	   uint8_t *out, size_t len, size_t cap)
{
	uint64_t now = (uint64_t)now_s();
	size_t n = len;
	int rc = 0;
	if (a->how == AUTH_TSIG)
		rc = ksync_tsig_sign(out, len, cap, &m->peers[a->peer].tsig, now, a->tr.mac,
				     a->tr.mac_len, NULL, &n);
	else if (a->how == AUTH_FAILED_TSIG)
		rc = ksync_tsig_sign_error(out, len, cap, &a->tr, now, &n);
	else if (a->how == AUTH_SIG0 && m->peers[a->peer].sig0_own)
		rc = ksync_sig0_sign(out, len, cap, m->peers[a->peer].sig0_own, now, req, reqlen,
				     &n);
	return rc == 0 ? n : 0;
}

/*
 * The reply to req with rcode and no records, signed as the request was
 * when it came for zone z (NULL: no zone); unsigned when that cannot be.
 */
static size_t
reply_rcode(const struct ctl_zone *z, const struct auth *a, const uint8_t *req, size_t len,
	    uint8_t rcode, uint8_t *out, size_t cap)
{
	size_t n = reply_start(req, len, rcode, out);
	size_t signed_len = z ? reply_sign(z->ms, a, req, len, out, n, cap) : 0;
	return signed_len ? signed_len : n;
}

static struct ctl_zone *
zone_by_apex(struct ctl_ms *ms, const uint8_t *apex)
{
	for (size_t i = 0; i < ms->d->zones.n; i++)
		if (ms->d->zones.v[i].ms && dns_name_equal(ms->d->zones.v[i].apex, apex))
			return &ms->d->zones.v[i];
	return NULL;
}

/* What z serves at its apex now: the published key table's RRsets. */
static void
served_now(const struct ctl_zone *z, struct ksync_observed *o)
{
	/* Relaxed: this is the control thread, the slot's only writer. */
	const struct sign_keytable *t = atomic_load_explicit(&z->slot.keys, memory_order_relaxed);
	*o = (struct ksync_observed){ 0 };
	if (t) {
		o->dnskey = t->dnskey;
		o->cds = t->cds;
		o->cdnskey = t->cdnskey;
	}
}

static const char *
peer_name(const struct ctl_mszone *m, const struct auth *a)
{
	return a->peer >= 0 ? m->peers[a->peer].conf->name : "?";
}

/* The zone of a request (its zone or question section), or NULL. */
static struct ctl_zone *
request_zone(struct ctl_ms *ms, const uint8_t *req, size_t len)
{
	uint8_t apex[DNS_NAME_MAXLEN];
	size_t pos = DNS_HDR_LEN, n;
	if (dns_get16(req + 4) != 1 || dns_name_unpack(req, len, &pos, apex, &n) != 0)
		return NULL;
	return zone_by_apex(ms, apex);
}

/*
 * Apply an UPDATE authenticated as peer a->peer to zone z: in model 2 the
 * peer's own records; in model 1 the zone owner's signed RRsets (RRSIGs
 * over them in scope too), used only once they pass the check of
 * owner_sets_apply. Persisted before NOERROR, then published.
 */
static uint8_t
update_apply(struct ctl_ms *ms, struct ctl_zone *z, const struct auth *a, const uint8_t *req,
	     size_t len)
{
	struct ctl_mszone *m = z->ms;
	/* Static: about 70 KiB, and only the control thread serves UPDATEs. */
	static struct ksync_update_rr rrs[UPDATE_RRS];
	struct ksync_update u;
	if (ksync_update_parse(req, len, rrs, UPDATE_RRS, &u) != 0)
		return u.rcode;
	if ((m->model == 1 ? ksync_update_scope_signed(&u) : ksync_update_scope(&u)) !=
	    DNS_R_NOERROR)
		return DNS_R_REFUSED;
	struct ksync_observed served;
	struct ksync_recset next;
	bool changed;
	served_now(z, &served);
	size_t origin = m->model == 1 ? KSYNC_OWNER : (size_t)a->peer;
	uint8_t rcode = ksync_zone_update(&m->sync, origin, &u, &served, &next, &changed);
	if (rcode != DNS_R_NOERROR || !changed) {
		ksync_recset_free(&next);
		return rcode;
	}
	if (m->model == 1) {
		char why[1024];
		int rc = owner_sets_apply(ms, z, &next, "UPDATE", why, sizeof(why));
		if (rc != 0)
			ctl_log(CTL_LOG_WARNING, "zone %s: %s", z->name, why);
		return rc == 0 ? DNS_R_NOERROR : rc == -EIO ? DNS_R_SERVFAIL : DNS_R_REFUSED;
	}
	if (persist(m, &next) != 0) {
		ksync_recset_free(&next);
		return DNS_R_SERVFAIL;
	}
	ksync_zone_commit(&m->sync, &next);
	republish(ms, m);
	return DNS_R_NOERROR;
}

static size_t
serve_update(struct ctl_ms *ms, const uint8_t *req, size_t len, uint8_t *out, size_t cap)
{
	struct ctl_zone *z = request_zone(ms, req, len);
	struct auth a = { .how = AUTH_NONE, .peer = -1 };
	uint8_t rcode;
	if (!z) {
		rcode = DNS_R_NOTAUTH;
	} else if ((rcode = authenticate(z->ms, req, len, &a)) != DNS_R_NOERROR) {
		ctl_log(CTL_LOG_WARNING, "zone %s: UPDATE refused: %s", z->name,
			dns_rcode_name(rcode));
	} else if (a.how == AUTH_NONE) {
		rcode = DNS_R_NOTAUTH;
		ctl_log(CTL_LOG_WARNING, "zone %s: unsigned UPDATE refused", z->name);
	} else {
		rcode = update_apply(ms, z, &a, req, len);
		ctl_log(rcode == DNS_R_NOERROR ? CTL_LOG_INFO : CTL_LOG_WARNING,
			"zone %s: UPDATE from peer %s: %s", z->name, peer_name(z->ms, &a),
			dns_rcode_name(rcode));
	}
	return reply_rcode(z, &a, req, len, rcode, out, cap);
}

/* The peer whose address is from's (the port aside), or -1. */
static long
peer_by_addr(const struct ctl_mszone *m, const struct sockaddr *from)
{
	for (size_t i = 0; i < m->sync.npeers; i++) {
		const struct sockaddr *pa = (const struct sockaddr *)&m->peers[i].conf->addr.addr;
		if (pa->sa_family != from->sa_family)
			continue;
		if (from->sa_family == AF_INET &&
		    ((const struct sockaddr_in *)pa)->sin_addr.s_addr ==
		    ((const struct sockaddr_in *)from)->sin_addr.s_addr)
			return (long)i;
		if (from->sa_family == AF_INET6 &&
		    memcmp(&((const struct sockaddr_in6 *)pa)->sin6_addr,
			   &((const struct sockaddr_in6 *)from)->sin6_addr, 16) == 0)
			return (long)i;
	}
	return -1;
}

static size_t
serve_notify(struct ctl_ms *ms, const uint8_t *req, size_t len, const struct sockaddr *from,
	     uint8_t *out, size_t cap)
{
	struct ctl_zone *z = request_zone(ms, req, len);
	struct auth a = { .how = AUTH_NONE, .peer = -1 };
	uint8_t rcode = z ? authenticate(z->ms, req, len, &a) : DNS_R_REFUSED;
	if (rcode == DNS_R_NOERROR && a.how == AUTH_NONE)
		a.peer = peer_by_addr(z->ms, from);
	if (rcode == DNS_R_NOERROR && a.peer < 0)
		rcode = DNS_R_REFUSED;
	if (rcode == DNS_R_NOERROR) {
		ctl_log(CTL_LOG_INFO, "zone %s: NOTIFY from peer %s: checking it", z->name,
			peer_name(z->ms, &a));
		ksync_peer_poke(&z->ms->sync, (size_t)a.peer, now_s());
	}
	return reply_rcode(z, &a, req, len, rcode, out, cap);
}

/*
 * A query for the apex DNSKEY, CDS or CDNSKEY RRset of a multi-signer zone
 * (with its RRSIGs when DO is set), answered from the published key table,
 * so that a peer can check us at the address it sends its UPDATEs to. A
 * query signed by a peer (TSIG or SIG(0)) gets a signed answer; a bad
 * signature gets NOTAUTH. Other queries are REFUSED: the workers serve the
 * zones.
 */
static size_t
serve_query(struct ctl_ms *ms, const uint8_t *req, size_t len, bool tcp, uint8_t *out,
	    size_t cap)
{
	struct dns_query q;
	struct dns_builder b;
	int rc = dns_query_parse(req, len, &q);
	if (rc == DNS_ETRUNC)
		return 0;
	if (rc != 0 || q.qdcount != 1 || q.edns_bad)
		return (size_t)dns_reply_error(out, cap, &q, false, DNS_R_FORMERR);
	const struct ctl_zone *z = zone_by_apex(ms, q.qname.wire);
	struct ksync_observed served;
	const struct dns_rrset *rs = NULL;
	struct auth a = { .how = AUTH_NONE, .peer = -1 };
	if (z) {
		served_now(z, &served);
		rs = ksync_observed_rrset(&served, q.qtype);
		uint8_t rcode = authenticate(z->ms, req, len, &a);
		if (rcode != DNS_R_NOERROR)
			return reply_rcode(z, &a, req, len, rcode, out, cap);
		struct mspeer *p = a.peer >= 0 ? &z->ms->peers[a.peer] : NULL;
		if (p && z->ms->sync.peers[a.peer].poll && !p->told_polls_us) {
			p->told_polls_us = true;
			ctl_log(CTL_LOG_WARNING, "zone %s: peer %s checks our keys while we poll its: "
				"if it polls us too, keys each of us took from the other can outlive "
				"their withdrawal; poll only peers that cannot push (poll = false)",
				z->name, p->conf->name);
		}
	}
	if (!rs || q.qclass != DNS_C_IN)
		return (size_t)dns_reply_error(out, cap, &q, true, DNS_R_REFUSED);
	size_t limit = tcp ? cap : q.edns ? (q.edns_udp < DNS_UDP_MIN ? DNS_UDP_MIN
					      : q.edns_udp > cap ? cap : q.edns_udp) : DNS_UDP_MIN;
	if (dns_builder_init(&b, out, limit, &q) != 0)
		return 0;
	dns_builder_set_flags(&b, DNS_AA);
	if (q.edns)
		dns_builder_reserve(&b, DNS_OPT_LEN);
	/* Relaxed: this is the control thread, the slot's only writer. */
	const struct sign_keytable *t = atomic_load_explicit(&z->slot.keys, memory_order_relaxed);
	const struct dns_rrset *sig = !t ? NULL : q.qtype == DNS_T_DNSKEY ? &t->dnskey_sig
				      : q.qtype == DNS_T_CDS ? &t->cds_sig : &t->cdnskey_sig;
	const struct dns_rrset *sets[2] = { rs, (q.edns_flags & DNS_EDNS_DO) ? sig : NULL };
	for (int k = 0; k < 2 && sets[k]; k++) {
		uint32_t pos = 0;
		uint16_t rdlen;
		for (const uint8_t *rd; (rd = dns_rrset_next(sets[k], &pos, &rdlen));) {
			if (dns_builder_put_rr(&b, NULL, sets[k]->type, DNS_C_IN, sets[k]->ttl, rd,
					       rdlen) != 0) {
				dns_builder_truncate(&b);
				dns_builder_set_flags(&b, DNS_TC);
				k = 2;
				break;
			}
		}
	}
	if (q.edns) {
		dns_builder_unreserve(&b, DNS_OPT_LEN);
		dns_builder_put_opt(&b, KSYNC_EDNS_UDP, 0, q.edns_flags & DNS_EDNS_DO);
	}
	/* Signed as the query was (a peer checking us); no room left for that: TC. */
	size_t n = reply_sign(z->ms, &a, req, len, out, b.len, limit);
	if (n)
		return n;
	dns_builder_truncate(&b);
	dns_builder_set_flags(&b, DNS_TC);
	if (q.edns)
		dns_builder_put_opt(&b, KSYNC_EDNS_UDP, 0, q.edns_flags & DNS_EDNS_DO);
	n = reply_sign(z->ms, &a, req, len, out, b.len, cap);
	return n ? n : b.len;
}

static size_t
serve(void *arg, const uint8_t *req, size_t len, const struct sockaddr *from, socklen_t fromlen,
      bool tcp, uint8_t *reply, size_t cap)
{
	(void)fromlen;
	if (len < DNS_HDR_LEN || (dns_get16(req + 2) & DNS_QR))
		return 0;
	switch (DNS_OPCODE(dns_get16(req + 2))) {
	case DNS_OP_UPDATE:
		return serve_update(arg, req, len, reply, cap);
	case DNS_OP_NOTIFY:
		return serve_notify(arg, req, len, from, reply, cap);
	case DNS_OP_QUERY:
		return serve_query(arg, req, len, tcp, reply, cap);
	default:
		return reply_start(req, len, DNS_R_NOTIMP, reply);
	}
}

/* ---- the driver ---- */

int
ctl_ms_start(struct ctl_daemon *d, struct ctl_ms **out, char *err, size_t errlen)
{
	const struct ctl_config *cfg = d->cfg;
	bool any = false;
	*out = NULL;
	for (size_t i = 0; i < d->zones.n; i++)
		any = any || d->zones.v[i].ms;
	if (!any && !cfg->nkeysync_listen)
		return 0;
	struct ctl_ms *ms = calloc(1, sizeof(*ms));
	if (!ms || !(ms->client = ctl_dnsc_new())) {
		free(ms);
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	ms->d = d;
	struct ctl_dnss_config sc = { .listen = cfg->keysync_listen,
				      .nlisten = cfg->nkeysync_listen, .handler = serve,
				      .arg = ms };
	char why[512];
	if (ctl_dnss_open(&sc, &ms->server, why, sizeof(why)) != 0) {
		snprintf(err, errlen, "keysync-listen %s", why);
		ctl_ms_stop(ms);
		return -1;
	}
	for (size_t i = 0; i < d->zones.n; i++) {
		struct ctl_zone *z = &d->zones.v[i];
		if (!z->ms)
			continue;
		own_refresh(z->ms, &z->keys);
		ctl_log(CTL_LOG_INFO, "zone %s: multi-signer model %u with %zu peer%s, store %s",
			z->name, z->ms->model, z->ms->sync.npeers,
			z->ms->sync.npeers == 1 ? "" : "s", z->ms->store);
	}
	*out = ms;
	return 0;
}

void
ctl_ms_stop(struct ctl_ms *ms)
{
	if (!ms)
		return;
	ctl_dnss_free(ms->server);
	/* Completions run with -ECANCELED: no peer state matters any more. */
	ctl_dnsc_free(ms->client);
	free(ms);
}

size_t
ctl_ms_pollfds(const struct ctl_ms *ms, struct pollfd *pf, size_t cap)
{
	if (!ms)
		return 0;
	size_t n = ctl_dnss_pollfds(ms->server, pf, cap);
	if (n > cap)
		return n;
	return n + ctl_dnsc_pollfds(ms->client, pf + n, cap - n);
}

static int
min_timeout(int a, int b)
{
	return a < 0 ? b : b < 0 ? a : a < b ? a : b;
}

int
ctl_ms_timeout_ms(const struct ctl_ms *ms)
{
	if (!ms)
		return -1;
	int t = min_timeout(ctl_dnss_timeout_ms(ms->server), ctl_dnsc_timeout_ms(ms->client));
	int64_t now = now_s();
	for (size_t i = 0; i < ms->d->zones.n; i++) {
		const struct ctl_mszone *m = ms->d->zones.v[i].ms;
		int64_t due = m ? ksync_next_time(&m->sync) : INT64_MAX;
		if (due == INT64_MAX)
			continue;
		int64_t in = due - now;
		t = min_timeout(t, in <= 0 ? 0 : in > 3600 ? 3600 * 1000 : (int)in * 1000);
	}
	return t;
}

void
ctl_ms_process(struct ctl_ms *ms, const struct pollfd *pf, size_t n)
{
	if (!ms)
		return;
	ctl_dnss_process(ms->server, pf, n);
	ctl_dnsc_process(ms->client, pf, n);
	int64_t now = now_s();
	for (size_t i = 0; i < ms->d->zones.n; i++) {
		struct ctl_mszone *m = ms->d->zones.v[i].ms;
		for (long p; m && (p = ksync_next_due(&m->sync, now)) >= 0;)
			check_start(ms, m, (size_t)p);
	}
}

/* ---- status ---- */

/* "DNSKEY 256 13 12345" / "CDS 12345 13 2" / "RRSIG DNSKEY 12345": one record, briefly. */
static void
rec_print(struct ctl_buf *b, const struct ksync_rec *r)
{
	const uint8_t *d = r->rdata;
	switch (r->type) {
	case DNS_T_DNSKEY:
	case DNS_T_CDNSKEY:
		if (r->rdlen >= 4) {
			ctl_buf_printf(b, "%s flags %u alg %u tag %u", dns_type_name(r->type),
				       dns_get16(d), d[3], sign_keytag(d, r->rdlen));
			return;
		}
		break;
	case DNS_T_CDS:
		if (r->rdlen >= 4) {
			ctl_buf_printf(b, "CDS tag %u alg %u digest %u", dns_get16(d), d[2], d[3]);
			return;
		}
		break;
	case DNS_T_RRSIG:
		if (r->rdlen >= 18) {
			ctl_buf_printf(b, "RRSIG %s alg %u tag %u", dns_type_name(dns_get16(d)), d[2],
				       dns_get16(d + 16));
			return;
		}
		break;
	}
	ctl_buf_printf(b, "%s (%u octets)", dns_type_name(r->type), r->rdlen);
}

/* ", by a, b" for the peers among origins. */
static void
origins_print(struct ctl_buf *b, const struct ctl_mszone *m, uint64_t origins, const char *what)
{
	const char *sep = what;
	for (size_t i = 0; i < m->sync.npeers; i++)
		if (origins & ((uint64_t)1 << i)) {
			ctl_buf_printf(b, "%s%s", sep, m->peers[i].conf->name);
			sep = ", ";
		}
	if (origins & ((uint64_t)1 << KSYNC_OWNER))
		ctl_buf_printf(b, "%szone owner", sep);
}

static void
time_print(struct ctl_buf *b, const char *label, int64_t t)
{
	char s[32];
	time_t tt = (time_t)t;
	struct tm tm;
	if (!t || !gmtime_r(&tt, &tm) || !strftime(s, sizeof(s), "%Y-%m-%dT%H:%M:%SZ", &tm))
		return;
	ctl_buf_printf(b, ", %s %s", label, s);
}

/* The apex records of a model-1 import: what the owner signed, and the RRSIGs over them. */
static int
import_records(const struct dns_zone *f, struct ksync_recset *out)
{
	static const uint16_t types[] = { DNS_T_DNSKEY, DNS_T_CDS, DNS_T_CDNSKEY, DNS_T_RRSIG };
	const struct dns_node *apex = dns_zone_apex(f);
	for (size_t t = 0; t < sizeof(types) / sizeof(types[0]); t++) {
		const struct dns_rrset *rs = dns_node_rrset(apex, types[t]);
		uint32_t pos = 0;
		uint16_t len;
		for (const uint8_t *rd; rs && (rd = dns_rrset_next(rs, &pos, &len));) {
			uint16_t covers = len >= 2 ? dns_get16(rd) : 0;
			if (types[t] == DNS_T_RRSIG && covers != DNS_T_DNSKEY && covers != DNS_T_CDS &&
			    covers != DNS_T_CDNSKEY)
				continue;
			/* An RRSIG has its RRset's TTL (RFC 4034 3); the zone keeps one
			 * RRSIG RRset per node, whose TTL is any RRSIG's. */
			const struct dns_rrset *covered = types[t] == DNS_T_RRSIG
							  ? dns_node_rrset(apex, covers) : rs;
			uint32_t ttl = covered ? covered->ttl : rs->ttl;
			if (ksync_recset_add(out, types[t], ttl, rd, len, KSYNC_OWNER) < 0)
				return -ENOMEM;
		}
	}
	return 0;
}

int
ctl_ms_import(struct ctl_ms *ms, struct ctl_zone *z, const char *path, char *msg,
	      size_t msglen)
{
	struct ctl_mszone *m = z->ms;
	struct dns_zone *f = NULL;
	struct ksync_recset next = { 0 };
	char err[1024];
	int rc;

	if (m->model != 1) {
		snprintf(msg, msglen, "zone %s is not a model-1 zone", z->name);
		return -EINVAL;
	}
	if ((rc = dns_zone_load(z->name, path, &f, err, sizeof(err))) != 0) {
		snprintf(msg, msglen, "%s", err);
		return rc;
	}
	rc = ksync_recset_dup(&m->sync.imported, &next);
	if (rc == 0) {
		ksync_recset_drop_origin(&next, KSYNC_OWNER);
		rc = import_records(f, &next);
	}
	dns_zone_unref(f);
	if (rc != 0) {
		ksync_recset_free(&next);
		snprintf(msg, msglen, "out of memory");
		return rc;
	}
	return owner_sets_apply(ms, z, &next, path, msg, msglen);
}

int
ctl_ms_export(const struct ctl_zone *z, int64_t now, struct ctl_buf *out, char *msg,
	      size_t msglen)
{
	struct ksync_recset own = { 0 };
	char *text = NULL;
	int rc = 0;
	for (size_t i = 0; rc >= 0 && i < z->keys.n; i++) {
		const struct sign_key *k = z->keys.keys[i];
		size_t len;
		const uint8_t *rd = sign_key_dnskey(k, &len);
		if (sign_key_state(sign_key_timing(k), now) & SIGN_KEY_PUBLISHED)
			rc = ksync_recset_add(&own, DNS_T_DNSKEY, z->dnskey_ttl, rd, (uint16_t)len,
					      KSYNC_SELF);
	}
	long n = rc < 0 ? rc : ksync_recset_format(&own, z->apex, NULL, 0, &text);
	ksync_recset_free(&own);
	if (n < 0) {
		snprintf(msg, msglen, "zone %s: %s", z->name, dns_strerror((int)n));
		return (int)n;
	}
	ctl_buf_printf(out, "%s", text);
	free(text);
	return 0;
}

void
ctl_ms_leave(struct ctl_ms *ms, struct ctl_zone *z)
{
	z->ms->leaving = true;
	ctl_log(CTL_LOG_INFO, "zone %s: leaving the multi-signer group: withdrawing our records "
		"from the peers", z->name);
	ctl_ms_keys_changed(ms, z);
}

long
ctl_ms_check(struct ctl_zone *z, const char *peer)
{
	struct ctl_mszone *m = z->ms;
	long n = 0;
	for (size_t i = 0; m && i < m->sync.npeers; i++) {
		if (peer && strcmp(peer, m->peers[i].conf->name) != 0)
			continue;
		ksync_peer_poke(&m->sync, i, now_s());
		n++;
	}
	return peer && n == 0 ? -1 : n;
}

void
ctl_ms_status(const struct ctl_zone *z, struct ctl_buf *out)
{
	const struct ctl_mszone *m = z->ms;
	if (!m) {
		ctl_buf_printf(out, "%s: single signer\n", z->name);
		return;
	}
	ctl_buf_printf(out, "%s: multi-signer model %u%s, %zu peer%s, store %s\n", z->name,
		       m->model, m->leaving ? " (leaving)" : "", m->sync.npeers,
		       m->sync.npeers == 1 ? "" : "s", m->store);
	/* Relaxed: this is the control thread, the slot's only writer. */
	const struct sign_keytable *t = atomic_load_explicit(&z->slot.keys, memory_order_relaxed);
	for (size_t i = 0; i < m->sync.contributed.n; i++) {
		const struct ksync_rec *r = &m->sync.contributed.v[i];
		bool ours = r->origins & ((uint64_t)1 << KSYNC_SELF), signs = false;
		for (unsigned k = 0; t && r->type == DNS_T_DNSKEY && k < t->nzsk; k++) {
			size_t len;
			const uint8_t *rd = sign_key_dnskey(t->zsk[k], &len);
			signs = signs || (len == r->rdlen && memcmp(rd, r->rdata, len) == 0);
		}
		ctl_buf_printf(out, "  own %s", !ours ? "(withdrawn) " : signs ? "(signing) " : "");
		rec_print(out, r);
		origins_print(out, m, r->origins, ", held by ");
		int64_t since = ksync_propagated(&m->sync, r->type, r->rdata, r->rdlen, NULL);
		if (r->type == DNS_T_DNSKEY && since == 1)
			ctl_buf_printf(out, ", everywhere");
		else if (r->type == DNS_T_DNSKEY)
			time_print(out, "everywhere-since", since);
		ctl_buf_printf(out, "\n");
	}
	for (size_t i = 0; i < m->sync.imported.n; i++) {
		const struct ksync_rec *r = &m->sync.imported.v[i];
		ctl_buf_printf(out, "  imported ");
		rec_print(out, r);
		origins_print(out, m, r->origins, " from ");
		ctl_buf_printf(out, "\n");
	}
	for (size_t i = 0; i < m->sync.npeers; i++) {
		const struct ksync_peer *p = &m->sync.peers[i];
		char addr[64] = "";
		ctl_addr_format(&m->peers[i].conf->addr, addr, sizeof(addr));
		ctl_buf_printf(out, "  peer %s %s %s%s%s: %s", m->peers[i].conf->name, addr,
			       p->push ? "push" : "", p->push && p->poll ? "+" : "",
			       p->poll ? "poll" : "", ksync_peer_state_name(p));
		if (strcmp(ksync_peer_state_name(p), "in-sync") == 0)
			time_print(out, "since", p->in_sync_since);
		time_print(out, "last-ok", p->last_ok);
		ctl_buf_printf(out, ", updates %u, failures %u", p->updates, p->failures);
		if (p->error[0])
			ctl_buf_printf(out, ", error \"%s\"", p->error);
		ctl_buf_printf(out, "\n");
	}
}
