/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "dns/rdata.h"
#include "dns/wire.h"
#include "keysync/recset.h"
#include "keysync/sync.h"
#include "keysync/update.h"
#include "tests/tap.h"

#define APEX "\7example\3com"
static const uint8_t apex[] = APEX;

#define BIT(i) ((uint64_t)1 << (i))
#define SELF BIT(KSYNC_SELF)

static const struct ksync_timing timing = { .poll_interval = 3600, .retry_min = 10,
					     .retry_max = 80 };

/* One RDATA. */
struct rd {
	uint16_t len;
	uint8_t d[40];
};

/* A DNSKEY (or CDNSKEY) RDATA: flags, protocol 3, algorithm 13, four key octets from id. */
static struct rd
key(uint16_t flags, uint8_t id)
{
	struct rd r = { .len = 8, .d = { (uint8_t)(flags >> 8), (uint8_t)flags, 3, 13, id,
					 (uint8_t)(id ^ 0x5a), 0x11, id } };
	return r;
}

/* A CDS RDATA: key tag id, algorithm 13, digest type 2, 32 octets of digest. */
static struct rd
cds(uint8_t id)
{
	struct rd r = { .len = 36, .d = { 0, id, 13, 2 } };
	memset(r.d + 4, id, 32);
	return r;
}

/* What a peer serves: its three RRsets, each with its own buffer. */
struct obs {
	struct ksync_observed o;
	uint8_t buf[3][2048];
};

static struct dns_rrset *
obs_rrset(struct obs *b, uint16_t type, uint8_t **buf)
{
	switch (type) {
	case DNS_T_DNSKEY: *buf = b->buf[0]; return &b->o.dnskey;
	case DNS_T_CDS: *buf = b->buf[1]; return &b->o.cds;
	default: *buf = b->buf[2]; return &b->o.cdnskey;
	}
}

static void
obs_init(struct obs *b, uint32_t ttl)
{
	static const uint16_t types[] = { DNS_T_DNSKEY, DNS_T_CDS, DNS_T_CDNSKEY };
	memset(b, 0, sizeof(*b));
	for (size_t i = 0; i < 3; i++) {
		uint8_t *buf;
		struct dns_rrset *rs = obs_rrset(b, types[i], &buf);
		rs->type = types[i];
		rs->ttl = ttl;
		rs->rdata = buf;
	}
}

static void
obs_add(struct obs *b, uint16_t type, struct rd r)
{
	uint8_t *buf;
	struct dns_rrset *rs = obs_rrset(b, type, &buf);
	dns_put16(buf + rs->rdlen, r.len);
	memcpy(buf + rs->rdlen + 2, r.d, r.len);
	rs->rdlen += 2u + r.len;
	rs->count++;
}

/* The origins of (type, r) in s, 0 when absent. */
static uint64_t
origins(const struct ksync_recset *s, uint16_t type, struct rd r)
{
	long i = ksync_recset_find(s, type, r.d, r.len);
	return i < 0 ? 0 : s->v[i].origins;
}

static uint32_t
ttl_of(const struct ksync_recset *s, uint16_t type, struct rd r)
{
	long i = ksync_recset_find(s, type, r.d, r.len);
	return i < 0 ? 0 : s->v[i].ttl;
}

static void
own_add(struct ksync_recset *own, uint16_t type, uint32_t ttl, struct rd r)
{
	if (ksync_recset_add(own, type, ttl, r.d, r.len, 0) < 0)
		diag("out of memory building a test set");
}

/* Whether the diff lists (type, r) among n entries of v. */
static bool
diff_has(const struct ksync_rec *const *v, size_t n, uint16_t type, struct rd r)
{
	for (size_t i = 0; i < n; i++)
		if (v[i]->type == type && v[i]->rdlen == r.len && memcmp(v[i]->rdata, r.d, r.len) == 0)
			return true;
	return false;
}

static int
zone(struct ksync_zone *z, size_t n, const bool *push, const bool *poll)
{
	return ksync_zone_init(z, 2, &timing, n, push, poll);
}

/* A check of peer at now (the driver started it) that saw obs. */
static int
check(struct ksync_zone *z, size_t peer, struct obs *b, int64_t now, struct ksync_diff *d,
      bool *changed)
{
	z->peers[peer].phase = KSYNC_CHECKING;
	return ksync_peer_observed(z, peer, &b->o, now, d, changed);
}

static void
test_init(void)
{
	struct ksync_zone z;
	bool push[KSYNC_PEERS_MAX + 1] = { 0 }, poll[KSYNC_PEERS_MAX + 1] = { 0 };

	is_int(zone(&z, KSYNC_PEERS_MAX + 1, push, poll), -EINVAL, "init: too many peers");
	ksync_zone_free(&z);
	ok(KSYNC_SELF >= KSYNC_PEERS_MAX && KSYNC_OWNER >= KSYNC_PEERS_MAX && KSYNC_SELF != KSYNC_OWNER &&
	   KSYNC_OWNER < KSYNC_ORIGIN_MAX, "init: SELF and OWNER bits beyond the peers'");
	push[KSYNC_PEERS_MAX - 1] = poll[0] = true;
	is_int(zone(&z, KSYNC_PEERS_MAX, push, poll), 0, "init: KSYNC_PEERS_MAX peers");
	ok(z.npeers == KSYNC_PEERS_MAX && z.peers[0].poll && !z.peers[0].push &&
	   z.peers[KSYNC_PEERS_MAX - 1].push && !z.peers[KSYNC_PEERS_MAX - 1].poll && z.model == 2 &&
	   z.timing.retry_max == 80 && z.imported.n == 0 && z.contributed.n == 0,
	   "init: peers' push and poll, model, timing, empty sets");
	ok(z.peers[0].phase == KSYNC_IDLE && z.peers[0].next_check == 0, "init: all due at once");
	is_int(ksync_next_time(&z), 0, "init: next time is now");
	ksync_zone_free(&z);
	is_int(zone(&z, 0, push, poll), 0, "init: no peers");
	is_int(ksync_next_due(&z, 100), -1, "init: no peers: none due");
	ok(ksync_next_time(&z) == INT64_MAX, "init: no peers: next time INT64_MAX");
	ksync_zone_free(&z);
}

static void
test_set_own(void)
{
	struct ksync_zone z;
	const bool push[] = { true, false, true }, poll[] = { false, true, true };
	struct ksync_recset own = { 0 };
	struct rd zsk = key(256, 1), ksk = key(257, 2), ds = cds(3), zsk2 = key(256, 4);

	zone(&z, 3, push, poll);
	for (size_t i = 0; i < 3; i++)
		z.peers[i].next_check = 1000;
	own_add(&own, DNS_T_DNSKEY, 3600, zsk);
	own_add(&own, DNS_T_DNSKEY, 3600, ksk);
	own_add(&own, DNS_T_CDS, 600, ds);
	is_int(ksync_zone_set_own(&z, &own, 500), 1, "set_own: new records: 1");
	ok(z.contributed.n == 3 && origins(&z.contributed, DNS_T_DNSKEY, zsk) == SELF &&
	   origins(&z.contributed, DNS_T_DNSKEY, ksk) == SELF &&
	   origins(&z.contributed, DNS_T_CDS, ds) == SELF, "set_own: each record is SELF");
	is_int(ttl_of(&z.contributed, DNS_T_CDS, ds), 600, "set_own: TTL kept");
	ok(z.peers[0].next_check == 500 && z.peers[2].next_check == 500,
	   "set_own: the push peers are due now");
	is_int(z.peers[1].next_check, 1000, "set_own: the poll-only peer is not poked");

	z.peers[0].next_check = z.peers[2].next_check = 1000;
	is_int(ksync_zone_set_own(&z, &own, 600), 0, "set_own: same records: 0");
	ok(z.peers[0].next_check == 1000 && z.peers[2].next_check == 1000,
	   "set_own: no change pokes nobody");

	/* The origins of own are ignored. */
	struct ksync_recset own2 = { 0 };
	ksync_recset_add(&own2, DNS_T_DNSKEY, 3600, zsk.d, zsk.len, 5);
	ksync_recset_add(&own2, DNS_T_DNSKEY, 3600, zsk2.d, zsk2.len, 7);
	ksync_recset_add(&own2, DNS_T_DNSKEY, 3600, ksk.d, ksk.len, 0);
	ksync_recset_add(&own2, DNS_T_CDS, 600, ds.d, ds.len, 9);
	z.peers[0].phase = KSYNC_CHECKING;
	is_int(ksync_zone_set_own(&z, &own2, 700), 1, "set_own: one record more: 1");
	is_int(origins(&z.contributed, DNS_T_DNSKEY, zsk2), SELF, "set_own: own's origins ignored");
	ok(z.peers[0].again && z.peers[0].next_check == 1000,
	   "set_own: a push peer being checked is due again when its check ends");
	ok(z.peers[2].next_check == 700 && !z.peers[2].again, "set_own: an idle push peer is due now");
	z.peers[0].phase = KSYNC_IDLE;
	z.peers[0].again = false;

	/* Records that left own and that no peer holds leave contributed. */
	ksync_recset_free(&own2);
	own_add(&own2, DNS_T_DNSKEY, 3600, zsk2);
	is_int(ksync_zone_set_own(&z, &own2, 800), 1, "set_own: records gone: 1");
	ok(z.contributed.n == 1 && origins(&z.contributed, DNS_T_DNSKEY, zsk2) == SELF,
	   "set_own: records gone that no peer holds are dropped");

	/* A TTL change is a change. */
	ksync_recset_free(&own2);
	own_add(&own2, DNS_T_DNSKEY, 300, zsk2);
	z.peers[0].next_check = 1000;
	is_int(ksync_zone_set_own(&z, &own2, 900), 1, "set_own: TTL changed: 1");
	is_int(ttl_of(&z.contributed, DNS_T_DNSKEY, zsk2), 300, "set_own: new TTL");
	is_int(z.peers[0].next_check, 900, "set_own: TTL change pokes the push peers");

	/* A record a peer holds keeps that peer's bit when it stops being ours. */
	z.contributed.v[0].origins |= BIT(2);
	ksync_recset_free(&own2);
	is_int(ksync_zone_set_own(&z, &own2, 1000), 1, "set_own: empty own: 1");
	ok(z.contributed.n == 1 && origins(&z.contributed, DNS_T_DNSKEY, zsk2) == BIT(2),
	   "set_own: a record a peer holds stays without SELF");
	is_int(ksync_zone_set_own(&z, &own2, 1100), 0, "set_own: empty own again: 0");
	is_int(ksync_zone_set_own(&z, &own, 1200), 1, "set_own: ours again: 1");
	is_int(origins(&z.contributed, DNS_T_DNSKEY, zsk2), BIT(2),
	       "set_own: a record not in own stays without SELF");
	is_int(origins(&z.contributed, DNS_T_DNSKEY, zsk), SELF, "set_own: own record back as SELF");

	ksync_recset_free(&own);
	ksync_zone_free(&z);
}

static void
test_due(void)
{
	struct ksync_zone z;
	const bool push[] = { true, false, false, true }, poll[] = { false, true, false, true };
	struct ksync_diff d;
	bool changed;
	struct obs b;

	zone(&z, 4, push, poll);
	obs_init(&b, 3600);
	is_int(ksync_next_due(&z, 100), 0, "due: push-only peer first");
	is_int(z.peers[0].phase, KSYNC_CHECKING, "due: it is checking");
	is_int(ksync_next_due(&z, 100), 1, "due: then the poll-only peer");
	is_int(ksync_next_due(&z, 100), 3, "due: then the push and poll peer");
	is_int(ksync_next_due(&z, 100), -1, "due: a peer with neither push nor poll is never due");
	is_int(z.peers[2].phase, KSYNC_IDLE, "due: ... and stays idle");
	ok(ksync_next_time(&z) == INT64_MAX, "due: none idle: next time INT64_MAX");

	is_int(ksync_peer_observed(&z, 0, &b.o, 110, &d, &changed), 0, "due: peer 0 in sync");
	ok(z.peers[0].phase == KSYNC_IDLE && z.peers[0].next_check == 110 + 3600,
	   "due: in sync: due after poll_interval");
	is_int(ksync_next_time(&z), 110 + 3600, "due: next time is peer 0's");
	is_int(ksync_peer_observed(&z, 1, &b.o, 120, &d, &changed), 0, "due: peer 1 in sync");
	is_int(ksync_next_time(&z), 110 + 3600, "due: next time is the earliest");
	is_int(ksync_next_due(&z, 110 + 3599), -1, "due: not before its time");
	is_int(ksync_next_due(&z, 110 + 3600), 0, "due: at its time");
	ksync_peer_failed(&z, 0, 4000, "timeout");
	is_int(z.peers[0].next_check, 4010, "due: failed: after retry_min");
	is_int(ksync_next_time(&z), 120 + 3600, "due: next time is peer 1's now");

	/* poke: idle now, or again after the check when checking. */
	ksync_peer_poke(&z, 1, 200);
	is_int(z.peers[1].next_check, 200, "poke: an idle peer is due now");
	is_int(ksync_next_due(&z, 200), 1, "poke: and comes due");
	ksync_peer_poke(&z, 1, 210);
	ok(z.peers[1].again && z.peers[1].phase == KSYNC_CHECKING,
	   "poke: a checking peer is marked again");
	ksync_peer_observed(&z, 1, &b.o, 220, &d, &changed);
	ok(z.peers[1].next_check == 220 && !z.peers[1].again,
	   "poke: marked again: due at once after its check");
	is_int(ksync_next_time(&z), 220, "poke: next time is now");

	/* A poll-only and a push-only zone. */
	ksync_zone_free(&z);
	const bool t[] = { true }, f[] = { false };
	zone(&z, 1, f, t);
	is_int(ksync_next_due(&z, 0), 0, "due: poll-only peer is due");
	ksync_zone_free(&z);
	zone(&z, 1, t, f);
	is_int(ksync_next_due(&z, 0), 0, "due: push-only peer is due");
	ksync_zone_free(&z);
	zone(&z, 1, f, f);
	is_int(ksync_next_due(&z, 0), -1, "due: peer with neither is not due");
	ok(ksync_next_time(&z) == INT64_MAX, "due: peer with neither has no next time");
	ksync_zone_free(&z);
}

static void
test_poll(void)
{
	struct ksync_zone z;
	const bool push[] = { false, false, true, true }, poll[] = { true, true, false, true };
	struct ksync_recset own = { 0 };
	struct ksync_diff d;
	bool changed;
	struct obs b;
	struct rd ours = key(256, 1), our_ds = cds(1), our_ksk = key(257, 2);
	struct rd z1 = key(256, 10), k1 = key(257, 11), r1 = key(256 | 0x80, 12),
		  rk1 = key(257 | 0x80, 13), c1 = cds(14), n1 = key(257, 15), z2 = key(256, 20);

	zone(&z, 4, push, poll);
	own_add(&own, DNS_T_DNSKEY, 3600, ours);
	own_add(&own, DNS_T_DNSKEY, 3600, our_ksk);
	own_add(&own, DNS_T_CDS, 3600, our_ds);
	ksync_zone_set_own(&z, &own, 50);

	obs_init(&b, 3600);
	obs_add(&b, DNS_T_DNSKEY, z1);
	obs_add(&b, DNS_T_DNSKEY, k1);
	obs_add(&b, DNS_T_DNSKEY, r1);
	obs_add(&b, DNS_T_DNSKEY, rk1);
	obs_add(&b, DNS_T_DNSKEY, ours);
	obs_add(&b, DNS_T_CDS, c1);
	obs_add(&b, DNS_T_CDS, our_ds);
	obs_add(&b, DNS_T_CDNSKEY, n1);
	b.o.cds.ttl = 600;
	b.o.cdnskey.ttl = 300;
	is_int(check(&z, 0, &b, 100, &d, &changed), 0, "poll: peer 0: 0 (nothing to send)");
	ok(changed, "poll: imported changed");
	ok(d.nadd == 0 && d.ndel == 0, "poll: no diff for a poll-only peer");
	is_int(z.imported.n, 3, "poll: three records imported");
	is_int(origins(&z.imported, DNS_T_DNSKEY, z1), BIT(0), "poll: the peer's ZSK is its claim");
	is_int(ttl_of(&z.imported, DNS_T_DNSKEY, z1), 3600, "poll: ... with the DNSKEY TTL");
	is_int(origins(&z.imported, DNS_T_DNSKEY, k1), 0, "poll: its KSK (SEP) is not imported");
	is_int(origins(&z.imported, DNS_T_DNSKEY, r1), 0, "poll: a revoked ZSK is not imported");
	is_int(origins(&z.imported, DNS_T_DNSKEY, rk1), 0, "poll: a revoked KSK is not imported");
	is_int(origins(&z.imported, DNS_T_DNSKEY, ours), 0, "poll: our own ZSK is not imported");
	is_int(origins(&z.imported, DNS_T_CDS, c1), BIT(0), "poll: its CDS is imported");
	is_int(ttl_of(&z.imported, DNS_T_CDS, c1), 600, "poll: ... with the CDS TTL");
	is_int(origins(&z.imported, DNS_T_CDS, our_ds), 0, "poll: our CDS is not imported");
	is_int(origins(&z.imported, DNS_T_CDNSKEY, n1), BIT(0),
	       "poll: its CDNSKEY (SEP flag) is imported");
	is_int(ttl_of(&z.imported, DNS_T_CDNSKEY, n1), 300, "poll: ... with the CDNSKEY TTL");
	ok(z.contributed.n == 3 && origins(&z.contributed, DNS_T_DNSKEY, ours) == SELF,
	   "poll: contributed untouched by a poll-only peer");
	ok(z.peers[0].nheld == 0, "poll: no held list for a poll-only peer");
	is_int(z.peers[0].ttl_seen, 3600, "poll: ttl_seen is the largest TTL");
	ok(z.peers[0].last_ok == 100 && z.peers[0].phase == KSYNC_IDLE &&
	   z.peers[0].next_check == 100 + 3600, "poll: idle, due after poll_interval");
	is_str(ksync_peer_state_name(&z.peers[0]), "in-sync", "poll: state in-sync");
	ok(z.peers[0].in_sync_since == 0, "poll: in_sync_since stays 0 for a peer we do not push to");

	is_int(check(&z, 0, &b, 200, &d, &changed), 0, "poll: same again");
	ok(!changed, "poll: same again: nothing changed");

	/* A second peer serving one of the same keys. */
	obs_init(&b, 7200);
	obs_add(&b, DNS_T_DNSKEY, z1);
	obs_add(&b, DNS_T_DNSKEY, z2);
	check(&z, 1, &b, 300, &d, &changed);
	ok(changed, "poll: peer 1 changed imported");
	is_int(origins(&z.imported, DNS_T_DNSKEY, z1), BIT(0),
	       "poll: a key both serve stays the first one's: the other may only relay it");
	is_int(origins(&z.imported, DNS_T_DNSKEY, z2), BIT(1), "poll: peer 1's own key");
	is_int(z.peers[1].ttl_seen, 7200, "poll: peer 1's ttl_seen");
	ok(origins(&z.imported, DNS_T_CDS, c1) == BIT(0) && origins(&z.imported, DNS_T_CDNSKEY, n1) == BIT(0),
	   "poll: peer 1 serving no CDS/CDNSKEY leaves peer 0's claims alone");

	/* Peer 0 stops serving z1 and its CDS. */
	obs_init(&b, 3600);
	obs_add(&b, DNS_T_DNSKEY, k1);
	obs_add(&b, DNS_T_CDNSKEY, n1);
	b.o.cdnskey.ttl = 300;
	check(&z, 0, &b, 400, &d, &changed);
	ok(changed, "poll: withdrawal changed imported");
	is_int(origins(&z.imported, DNS_T_DNSKEY, z1), 0,
	       "poll: the key goes with the peer that gave it, though peer 1 relays it");
	is_int(origins(&z.imported, DNS_T_CDS, c1), 0, "poll: the CDS it stopped serving is gone");
	is_int(origins(&z.imported, DNS_T_CDNSKEY, n1), BIT(0), "poll: the CDNSKEY it serves stays");

	/* A claim on a record the poll would not import (its KSK, given by UPDATE) stays while served. */
	ksync_recset_add(&z.imported, DNS_T_DNSKEY, 3600, k1.d, k1.len, 0);
	check(&z, 0, &b, 450, &d, &changed);
	ok(!changed && origins(&z.imported, DNS_T_DNSKEY, k1) == BIT(0),
	   "poll: a claim on a served KSK stays");

	/* Peer 1 still relays z1: dead for it until it stops serving it. */
	struct obs relay;
	obs_init(&relay, 7200);
	obs_add(&relay, DNS_T_DNSKEY, z1);
	obs_add(&relay, DNS_T_DNSKEY, z2);
	check(&z, 1, &relay, 450, &d, &changed);
	is_int(origins(&z.imported, DNS_T_DNSKEY, z1), 0,
	       "poll: a relayed key that died is not brought back by the relaying peer");
	/* Peer 1 serves nothing any more. */
	obs_init(&b, 3600);
	check(&z, 1, &b, 500, &d, &changed);
	ok(changed && origins(&z.imported, DNS_T_DNSKEY, z1) == 0 &&
	   origins(&z.imported, DNS_T_DNSKEY, z2) == 0,
	   "poll: the key peer 1 gave goes when it stops serving it");
	ok(z.tomb.n == 0 || ksync_recset_find(&z.tomb, DNS_T_DNSKEY, z1.d, z1.len) < 0 ||
	   !(z.tomb.v[ksync_recset_find(&z.tomb, DNS_T_DNSKEY, z1.d, z1.len)].origins & BIT(1)),
	   "poll: once peer 1 stopped serving it, z1 is no longer dead for it");
	check(&z, 1, &relay, 550, &d, &changed);
	is_int(origins(&z.imported, DNS_T_DNSKEY, z1), BIT(1),
	       "poll: peer 1 serving z1 again gives it back");
	check(&z, 1, &b, 560, &d, &changed);
	is_int(z.peers[1].ttl_seen, 0, "poll: nothing served: ttl_seen 0");
	check(&z, 0, &b, 600, &d, &changed);
	ok(changed && z.imported.n == 0, "poll: peer 0 serves nothing: imported empty");

	/* A DNSKEY RDATA too short for flags is not imported. */
	struct rd tiny = { .len = 1, .d = { 1 } };
	obs_add(&b, DNS_T_DNSKEY, tiny);
	check(&z, 0, &b, 700, &d, &changed);
	ok(!changed && z.imported.n == 0, "poll: a DNSKEY without flags is not imported");

	/* A push-only peer's keys are not imported. */
	obs_init(&b, 3600);
	obs_add(&b, DNS_T_DNSKEY, z2);
	check(&z, 2, &b, 800, &d, &changed);
	is_int(origins(&z.imported, DNS_T_DNSKEY, z2), 0, "poll: a push-only peer's keys are not imported");

	/* A push and poll peer: its keys imported, ours marked held, not imported. */
	obs_add(&b, DNS_T_DNSKEY, ours);
	obs_add(&b, DNS_T_DNSKEY, our_ksk);
	obs_add(&b, DNS_T_CDS, our_ds);
	is_int(check(&z, 3, &b, 900, &d, &changed), 0, "poll+push: in sync");
	ok(changed, "poll+push: changed");
	is_int(origins(&z.imported, DNS_T_DNSKEY, z2), BIT(3), "poll+push: its ZSK imported");
	ok(origins(&z.contributed, DNS_T_DNSKEY, ours) == (SELF | BIT(3)) &&
	   origins(&z.contributed, DNS_T_CDS, our_ds) == (SELF | BIT(3)),
	   "poll+push: ours marked held");
	ok(origins(&z.imported, DNS_T_DNSKEY, ours) == 0 && origins(&z.imported, DNS_T_CDS, our_ds) == 0,
	   "poll+push: ours not imported");
	is_int(z.imported.n, 1, "poll+push: only its ZSK imported");

	ksync_recset_free(&own);
	ksync_zone_free(&z);
}

static void
test_push(void)
{
	struct ksync_zone z;
	const bool push[] = { true, true, false }, poll[] = { false, false, true };
	struct ksync_recset own = { 0 };
	struct ksync_diff d;
	bool changed;
	struct obs b;
	struct rd a = key(256, 1), c = cds(2), a2 = key(256, 3), x = key(256, 50), n = key(257, 4);

	zone(&z, 3, push, poll);
	own_add(&own, DNS_T_DNSKEY, 3600, a);
	own_add(&own, DNS_T_CDS, 1800, c);
	ksync_zone_set_own(&z, &own, 100);

	obs_init(&b, 3600);
	obs_add(&b, DNS_T_DNSKEY, x);
	is_int(check(&z, 0, &b, 100, &d, &changed), 1, "push: peer lacks ours: 1");
	ok(d.nadd == 2 && d.ndel == 0 && diff_has(d.add, d.nadd, DNS_T_DNSKEY, a) &&
	   diff_has(d.add, d.nadd, DNS_T_CDS, c), "push: diff adds both of ours");
	ok(d.nadd == 2 && d.add[0]->ttl == 3600 && d.add[1]->ttl == 1800 &&
	   d.add[0]->type == DNS_T_DNSKEY, "push: diff entries carry type and TTL (canonical order)");
	ok(!changed, "push: nothing held: contributed unchanged");
	is_int(z.peers[0].phase, KSYNC_UPDATING, "push: updating");
	is_str(ksync_peer_state_name(&z.peers[0]), "updating", "push: state updating");
	ok(z.peers[0].in_sync_since == 0 && z.peers[0].last_ok == 100, "push: not in sync, check ok");
	is_int(origins(&z.imported, DNS_T_DNSKEY, x), 0, "push: a push-only peer's key not imported");
	is_int(ksync_next_due(&z, 100), 1, "push: an updating peer is not due; peer 1 is");
	z.peers[1].phase = KSYNC_IDLE;

	ksync_peer_updated(&z, 0, 110);
	ok(z.peers[0].updates == 1 && z.peers[0].confirming && z.peers[0].phase == KSYNC_IDLE &&
	   z.peers[0].next_check == 110, "updated: counted, confirming, due at once");
	obs_add(&b, DNS_T_DNSKEY, a);
	obs_add(&b, DNS_T_CDS, c);
	is_int(check(&z, 0, &b, 120, &d, &changed), 0, "push: confirmed: 0");
	ok(changed, "push: held marks changed contributed");
	ok(d.nadd == 0 && d.ndel == 0, "push: confirmed: empty diff");
	ok(origins(&z.contributed, DNS_T_DNSKEY, a) == (SELF | BIT(0)) &&
	   origins(&z.contributed, DNS_T_CDS, c) == (SELF | BIT(0)), "push: held by peer 0");
	ok(z.peers[0].nheld == 2, "push: two held records");
	ok(z.peers[0].in_sync_since == 120 && !z.peers[0].confirming && z.peers[0].failures == 0,
	   "push: in sync since 120");
	is_int(z.peers[0].next_check, 120 + 3600, "push: due after poll_interval");
	is_str(ksync_peer_state_name(&z.peers[0]), "in-sync", "push: state in-sync");
	is_int(ksync_propagated(&z, DNS_T_DNSKEY, a.d, a.len, NULL), 0,
	       "propagated: 0 while peer 1 does not hold it");

	is_int(check(&z, 0, &b, 130, &d, &changed), 0, "push: same again: 0");
	ok(!changed && z.peers[0].in_sync_since == 120, "push: in_sync_since kept");

	/* Peer 1 holds one of the two. */
	obs_init(&b, 7200);
	obs_add(&b, DNS_T_DNSKEY, a);
	is_int(check(&z, 1, &b, 200, &d, &changed), 1, "push: peer 1 lacks the CDS: 1");
	ok(d.nadd == 1 && d.ndel == 0 && diff_has(d.add, 1, DNS_T_CDS, c), "push: diff adds the CDS");
	is_int(origins(&z.contributed, DNS_T_DNSKEY, a), SELF | BIT(0) | BIT(1),
	       "push: the ZSK held by both");
	uint32_t ttl = 0;
	is_int(ksync_propagated(&z, DNS_T_DNSKEY, a.d, a.len, &ttl), 200,
	       "propagated: the latest first-seen time");
	is_int(ttl, 7200, "propagated: ttl is the largest ttl_seen");
	is_int(ksync_propagated(&z, DNS_T_CDS, c.d, c.len, NULL), 0, "propagated: CDS not yet");
	ksync_peer_updated(&z, 1, 205);
	obs_add(&b, DNS_T_CDS, c);
	is_int(check(&z, 1, &b, 210, &d, &changed), 0, "push: peer 1 confirmed");
	is_int(ksync_propagated(&z, DNS_T_CDS, c.d, c.len, NULL), 210, "propagated: CDS at 210");
	is_int(ksync_propagated(&z, DNS_T_DNSKEY, a.d, a.len, NULL), 200,
	       "propagated: first-seen times kept over later checks");
	is_int(ksync_propagated(&z, DNS_T_DNSKEY, x.d, x.len, NULL), 0,
	       "propagated: a record nobody holds: 0");

	/* Rollover: a leaves own, a2 comes. */
	ksync_recset_free(&own);
	own_add(&own, DNS_T_DNSKEY, 3600, a2);
	own_add(&own, DNS_T_CDS, 1800, c);
	z.peers[2].next_check = 5000;
	is_int(ksync_zone_set_own(&z, &own, 300), 1, "rollover: set_own: 1");
	is_int(origins(&z.contributed, DNS_T_DNSKEY, a), BIT(0) | BIT(1),
	       "rollover: the old key stays, held, without SELF");
	ok(z.peers[0].next_check == 300 && z.peers[1].next_check == 300 && z.peers[2].next_check == 5000,
	   "rollover: both push peers due now, the poll peer not");
	obs_init(&b, 3600);
	obs_add(&b, DNS_T_DNSKEY, a);
	obs_add(&b, DNS_T_CDS, c);
	is_int(check(&z, 0, &b, 300, &d, &changed), 1, "rollover: peer 0: 1");
	ok(d.nadd == 1 && d.ndel == 1 && diff_has(d.add, 1, DNS_T_DNSKEY, a2) &&
	   diff_has(d.del, 1, DNS_T_DNSKEY, a), "rollover: add the new key, delete the old");
	ok(z.peers[0].in_sync_since == 0, "rollover: peer 0 not in sync");
	is_int(ksync_propagated(&z, DNS_T_DNSKEY, a2.d, a2.len, NULL), 0, "rollover: new key not propagated");
	ksync_peer_updated(&z, 0, 305);
	obs_init(&b, 3600);
	obs_add(&b, DNS_T_DNSKEY, a2);
	obs_add(&b, DNS_T_CDS, c);
	is_int(check(&z, 0, &b, 310, &d, &changed), 0, "rollover: peer 0 confirmed");
	ok(changed && z.peers[0].in_sync_since == 310, "rollover: peer 0 in sync since 310");
	is_int(origins(&z.contributed, DNS_T_DNSKEY, a), BIT(1),
	       "rollover: the old key stays while peer 1 holds it");
	is_int(origins(&z.contributed, DNS_T_DNSKEY, a2), SELF | BIT(0), "rollover: new key held by 0");
	ok(z.peers[0].nheld == 2, "rollover: peer 0 holds two");
	obs_init(&b, 3600);
	obs_add(&b, DNS_T_DNSKEY, a);
	obs_add(&b, DNS_T_CDS, c);
	is_int(check(&z, 1, &b, 320, &d, &changed), 1, "rollover: peer 1: 1");
	ok(d.nadd == 1 && d.ndel == 1 && diff_has(d.del, 1, DNS_T_DNSKEY, a), "rollover: peer 1 diff");
	ksync_peer_updated(&z, 1, 325);
	obs_init(&b, 3600);
	obs_add(&b, DNS_T_DNSKEY, a2);
	obs_add(&b, DNS_T_CDS, c);
	is_int(check(&z, 1, &b, 330, &d, &changed), 0, "rollover: peer 1 confirmed");
	ok(changed && origins(&z.contributed, DNS_T_DNSKEY, a) == 0 && z.contributed.n == 2,
	   "rollover: the old key left contributed once no peer holds it");
	is_int(ksync_propagated(&z, DNS_T_DNSKEY, a2.d, a2.len, NULL), 330, "rollover: new key propagated");

	/* A peer that says NOERROR and does not serve the result. */
	own_add(&own, DNS_T_CDNSKEY, 3600, n);
	ksync_zone_set_own(&z, &own, 400);
	z.peers[1].next_check = 100000; /* only peer 0 matters here */
	is_int(check(&z, 0, &b, 400, &d, &changed), 1, "confirm: peer 0 lacks the CDNSKEY: 1");
	ksync_peer_updated(&z, 0, 401);
	is_int(check(&z, 0, &b, 402, &d, &changed), 0, "confirm: still lacking: 0");
	ok(d.nadd == 0 && d.ndel == 0, "confirm: empty diff");
	ok(z.peers[0].failures == 1 && z.peers[0].backoff == 10 && z.peers[0].next_check == 412 &&
	   z.peers[0].phase == KSYNC_IDLE && !z.peers[0].confirming, "confirm: a failure, backs off");
	ok(strstr(z.peers[0].error, "UPDATE") != NULL, "confirm: error says why (%s)", z.peers[0].error);
	is_str(ksync_peer_state_name(&z.peers[0]), "failing", "confirm: state failing");
	is_int(z.peers[0].in_sync_since, 0, "confirm: not in sync");
	is_int(ksync_next_due(&z, 402), -1, "confirm: not due again before the backoff");
	is_int(ksync_next_due(&z, 411), -1, "confirm: ... still not");
	is_int(ksync_next_due(&z, 412), 0, "confirm: due after the backoff");
	is_int(ksync_peer_observed(&z, 0, &b.o, 412, &d, &changed), 1,
	       "confirm: after the backoff the UPDATE is sent again");
	ok(d.nadd == 1 && diff_has(d.add, 1, DNS_T_CDNSKEY, n), "confirm: same diff");
	ksync_peer_updated(&z, 0, 413);
	is_int(check(&z, 0, &b, 414, &d, &changed), 0, "confirm: second UPDATE not served either: 0");
	ok(z.peers[0].failures == 2 && z.peers[0].backoff == 20,
	     "confirm: repeated accepted-but-not-served UPDATEs back off further "
	     "(failures %u, backoff %u; want 2, 20)", z.peers[0].failures, z.peers[0].backoff);
	obs_add(&b, DNS_T_CDNSKEY, n);
	is_int(check(&z, 0, &b, 500, &d, &changed), 0, "confirm: finally served: 0");
	ok(z.peers[0].failures == 0 && z.peers[0].backoff == 0 && z.peers[0].error[0] == '\0' &&
	   z.peers[0].in_sync_since == 500, "confirm: success clears the failure");

	/* Only deletes pending after an accepted UPDATE is a failure too. */
	ksync_recset_free(&own);
	own_add(&own, DNS_T_DNSKEY, 3600, a2);
	own_add(&own, DNS_T_CDS, 1800, c);
	ksync_zone_set_own(&z, &own, 600);
	is_int(check(&z, 0, &b, 600, &d, &changed), 1, "confirm: delete pending: 1");
	ok(d.nadd == 0 && d.ndel == 1 && diff_has(d.del, 1, DNS_T_CDNSKEY, n), "confirm: delete diff");
	ksync_peer_updated(&z, 0, 601);
	is_int(check(&z, 0, &b, 602, &d, &changed), 0, "confirm: delete not done: 0");
	ok(d.ndel == 0 && z.peers[0].failures == 1, "confirm: delete not done: a failure");

	ksync_recset_free(&own);
	ksync_zone_free(&z);
}

/* More records than one UPDATE carries. */
static void
test_diff_max(void)
{
	struct ksync_zone z;
	const bool t[] = { true }, f[] = { false };
	struct ksync_recset own = { 0 };
	struct ksync_diff d;
	bool changed;
	static struct obs b;

	zone(&z, 1, t, f);
	for (unsigned i = 0; i < KSYNC_DIFF_MAX + 6; i++)
		own_add(&own, DNS_T_DNSKEY, 3600, key(256, (uint8_t)i));
	ksync_zone_set_own(&z, &own, 0);
	obs_init(&b, 3600);
	is_int(check(&z, 0, &b, 10, &d, &changed), 1, "diff max: 1");
	is_int(d.nadd, KSYNC_DIFF_MAX, "diff max: KSYNC_DIFF_MAX adds");
	obs_init(&b, 3600);
	for (size_t i = 0; i < d.nadd; i++) {
		struct rd r = { .len = d.add[i]->rdlen };
		memcpy(r.d, d.add[i]->rdata, r.len);
		obs_add(&b, DNS_T_DNSKEY, r);
	}
	ksync_peer_updated(&z, 0, 20);
	int rc = check(&z, 0, &b, 30, &d, &changed);
	ok(rc == 1 && d.nadd == 6 && z.peers[0].failures == 0,
	     "diff max: the peer serves all the UPDATE added: the other 6 go next, no failure "
	     "(rc %d, nadd %zu, failures %u; want 1, 6, 0)", rc, d.nadd, z.peers[0].failures);
	if (rc == 0) {
		/* As it is: a failure, then the rest after the backoff. */
		is_int(z.peers[0].next_check, 30 + 10, "diff max: (as is) backs off");
		rc = check(&z, 0, &b, 40, &d, &changed);
	}
	is_int(rc, 1, "diff max: the rest is sent");
	is_int(d.nadd, 6, "diff max: the other 6");
	ksync_recset_free(&own);
	ksync_zone_free(&z);
}

/* Our records change while an UPDATE to the peer is out. */
static void
test_change_while_updating(void)
{
	struct ksync_zone z;
	const bool t[] = { true }, f[] = { false };
	struct ksync_recset own = { 0 };
	struct ksync_diff d;
	bool changed;
	struct obs b;
	struct rd a = key(256, 1), a2 = key(256, 2);

	zone(&z, 1, t, f);
	own_add(&own, DNS_T_DNSKEY, 3600, a);
	ksync_zone_set_own(&z, &own, 0);
	obs_init(&b, 3600);
	is_int(check(&z, 0, &b, 10, &d, &changed), 1, "change while updating: UPDATE adds a");
	own_add(&own, DNS_T_DNSKEY, 3600, a2);
	is_int(ksync_zone_set_own(&z, &own, 11), 1, "change while updating: a2 becomes ours");
	ok(z.peers[0].again && z.peers[0].phase == KSYNC_UPDATING,
	   "change while updating: the updating peer is marked again");
	ksync_peer_updated(&z, 0, 12);
	obs_add(&b, DNS_T_DNSKEY, a);
	int rc = check(&z, 0, &b, 13, &d, &changed);
	ok(rc == 1 && d.nadd == 1 && diff_has(d.add, 1, DNS_T_DNSKEY, a2) && z.peers[0].failures == 0,
	     "change while updating: the peer serves what the UPDATE added: a2 goes next, no "
	     "failure (rc %d, nadd %zu, failures %u; want 1, 1, 0)", rc, d.nadd, z.peers[0].failures);
	ksync_recset_free(&own);
	ksync_zone_free(&z);
}

/* A record a peer stops holding and holds again counts from the second time. */
static void
test_held_again(void)
{
	struct ksync_zone z;
	const bool t[] = { true }, f[] = { false };
	struct ksync_recset own = { 0 };
	struct ksync_diff d;
	bool changed;
	struct obs b;
	struct rd a = key(256, 1);

	zone(&z, 1, t, f);
	own_add(&own, DNS_T_DNSKEY, 3600, a);
	ksync_zone_set_own(&z, &own, 0);
	obs_init(&b, 3600);
	obs_add(&b, DNS_T_DNSKEY, a);
	check(&z, 0, &b, 10, &d, &changed);
	is_int(ksync_propagated(&z, DNS_T_DNSKEY, a.d, a.len, NULL), 10, "held again: first seen 10");
	obs_init(&b, 3600);
	is_int(check(&z, 0, &b, 20, &d, &changed), 1, "held again: lost: an UPDATE adds it back");
	ok(changed && origins(&z.contributed, DNS_T_DNSKEY, a) == SELF && z.peers[0].nheld == 0,
	   "held again: not held any more");
	is_int(ksync_propagated(&z, DNS_T_DNSKEY, a.d, a.len, NULL), 0, "held again: not propagated");
	ksync_peer_updated(&z, 0, 25);
	obs_add(&b, DNS_T_DNSKEY, a);
	check(&z, 0, &b, 30, &d, &changed);
	is_int(ksync_propagated(&z, DNS_T_DNSKEY, a.d, a.len, NULL), 30, "held again: seen again at 30");
	ksync_recset_free(&own);
	ksync_zone_free(&z);
}

/* Two polled peers serving the same key with different TTLs, checked in turn. */
static void
test_ttl_steady(void)
{
	struct ksync_zone z;
	const bool push[] = { false, false }, poll[] = { true, true };
	struct ksync_diff d;
	bool changed[4];
	struct obs b0, b1;
	struct rd k = key(256, 7);

	zone(&z, 2, push, poll);
	obs_init(&b0, 3600);
	obs_add(&b0, DNS_T_DNSKEY, k);
	obs_init(&b1, 300);
	obs_add(&b1, DNS_T_DNSKEY, k);
	check(&z, 0, &b0, 10, &d, &changed[0]);
	check(&z, 1, &b1, 20, &d, &changed[1]);
	check(&z, 0, &b0, 30, &d, &changed[2]);
	check(&z, 1, &b1, 40, &d, &changed[3]);
	ok(changed[0] && !changed[1],
	   "ttl steady: the first peer's check imports, the other only relays it");
	ok(!changed[2] && !changed[3],
	     "ttl steady: nothing changed when both serve the same as before (changed %d %d, ttl %u)",
	     changed[2], changed[3], ttl_of(&z.imported, DNS_T_DNSKEY, k));
	ksync_zone_free(&z);
}

/* What the header leaves open. */
static void
test_unclear(void)
{
	struct ksync_zone z;
	const bool t[] = { true }, f[] = { false };
	struct ksync_diff d;
	bool changed;
	struct obs b;
	struct rd k = key(256, 7);

	/* A push peer in sync, then a record of ours it cannot hold yet. */
	struct ksync_recset own = { 0 };
	zone(&z, 1, t, f);
	obs_init(&b, 3600);
	check(&z, 0, &b, 10, &d, &changed);
	ok(z.peers[0].in_sync_since == 10, "in sync with nothing to give");
	own_add(&own, DNS_T_DNSKEY, 3600, k);
	ksync_zone_set_own(&z, &own, 20);
	ok(z.peers[0].in_sync_since == 0 && strcmp(ksync_peer_state_name(&z.peers[0]), "in-sync") != 0,
	     "a new record of ours: the peer is not in sync now (in_sync_since %lld, %s)",
	     (long long)z.peers[0].in_sync_since, ksync_peer_state_name(&z.peers[0]));
	ksync_recset_free(&own);
	ksync_zone_free(&z);

	/* A ksync_observed whose RRsets carry count, TTL and RDATA but type 0. */
	zone(&z, 1, f, t);
	obs_init(&b, 3600);
	obs_add(&b, DNS_T_DNSKEY, k);
	b.o.dnskey.type = b.o.cds.type = b.o.cdnskey.type = 0;
	check(&z, 0, &b, 10, &d, &changed);
	ok(z.imported.n == 1 && z.imported.v[0].type == DNS_T_DNSKEY,
	     "the dnskey field's records are DNSKEYs whatever its type says (imported "
	     "%zu, type %u)", z.imported.n, z.imported.n ? z.imported.v[0].type : 0);
	ksync_zone_free(&z);

	/* Our own records with an RRSIG (recset.h allows it), checked at a push peer. */
	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0) {
		static const uint8_t sig[] = { 0, 48, 13, 2, 0, 0, 14, 16, 1, 2, 3, 4, 5, 6, 7, 8 };
		struct ksync_recset own = { 0 };
		zone(&z, 1, t, f);
		ksync_recset_add(&own, DNS_T_RRSIG, 3600, sig, sizeof(sig), 0);
		ksync_zone_set_own(&z, &own, 0);
		obs_init(&b, 3600);
		check(&z, 0, &b, 10, &d, &changed);
		_exit(0);
	}
	int status = 0;
	waitpid(pid, &status, 0);
	ok(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	     "an RRSIG among our own records: a push peer's check does not crash "
	     "(status %d)", status);
}

static void
test_failed(void)
{
	struct ksync_zone z;
	const bool t[] = { true }, f[] = { false };
	struct ksync_diff d;
	bool changed;
	struct obs b;
	static const unsigned want[] = { 10, 20, 40, 80, 80 };

	zone(&z, 1, t, f);
	obs_init(&b, 3600);
	for (unsigned i = 0; i < 5; i++) {
		is_int(ksync_next_due(&z, 1000 * i), 0, "failed %u: due", i + 1);
		ksync_peer_failed(&z, 0, 1000 * i, "no reply");
		ok(z.peers[0].backoff == want[i] && z.peers[0].next_check == 1000 * i + want[i] &&
		   z.peers[0].failures == i + 1 && z.peers[0].phase == KSYNC_IDLE,
		   "failed %u: backoff %u, due after it (got %u)", i + 1, want[i], z.peers[0].backoff);
	}
	is_str(z.peers[0].error, "no reply", "failed: error text");
	is_str(ksync_peer_state_name(&z.peers[0]), "failing", "failed: state failing");

	char longer[400];
	memset(longer, 'x', sizeof(longer) - 1);
	longer[sizeof(longer) - 1] = '\0';
	ksync_peer_failed(&z, 0, 6000, longer);
	is_int(strlen(z.peers[0].error), sizeof(z.peers[0].error) - 1, "failed: long error cut");

	is_int(check(&z, 0, &b, 7000, &d, &changed), 0, "failed: then a good check");
	ok(z.peers[0].backoff == 0 && z.peers[0].failures == 0 && z.peers[0].error[0] == '\0' &&
	   z.peers[0].last_ok == 7000, "failed: success resets backoff, failures and error");
	ksync_peer_failed(&z, 0, 8000, "again");
	is_int(z.peers[0].backoff, 10, "failed: after a success, retry_min again");

	/* A failed UPDATE, and a check out while confirming. */
	z.peers[0].phase = KSYNC_UPDATING;
	ksync_peer_failed(&z, 0, 9000, "REFUSED");
	ok(z.peers[0].phase == KSYNC_IDLE && z.peers[0].backoff == 20 && z.peers[0].next_check == 9020,
	   "failed: UPDATE failed: idle, backs off");
	ksync_peer_updated(&z, 0, 9100);
	ksync_peer_failed(&z, 0, 9101, "timeout");
	ok(!z.peers[0].confirming && z.peers[0].next_check == 9101 + 40,
	   "failed: confirming check failed: not confirming, backs off");
	z.peers[0].again = true;
	ksync_peer_failed(&z, 0, 9200, "timeout");
	ok(!z.peers[0].again && z.peers[0].next_check == 9200 + 80, "failed: clears again");
	ksync_zone_free(&z);

	/* Not a power of two of retry_min. */
	const struct ksync_timing t2 = { .poll_interval = 60, .retry_min = 30, .retry_max = 100 };
	ksync_zone_init(&z, 2, &t2, 1, t, f);
	static const unsigned want2[] = { 30, 60, 100, 100 };
	for (unsigned i = 0; i < 4; i++) {
		ksync_peer_failed(&z, 0, 0, "x");
		is_int(z.peers[0].backoff, want2[i], "failed: capped at retry_max, step %u", i + 1);
	}
	ksync_zone_free(&z);
}

static void
test_propagated(void)
{
	struct ksync_zone z;
	const bool push[] = { false, false }, poll[] = { true, true };
	struct rd a = key(256, 1);
	uint32_t ttl = 99;

	zone(&z, 2, push, poll);
	z.peers[0].ttl_seen = 300;
	is_int(ksync_propagated(&z, DNS_T_DNSKEY, a.d, a.len, &ttl), 1, "propagated: no push peer: 1");
	ksync_zone_free(&z);
	zone(&z, 0, push, poll);
	is_int(ksync_propagated(&z, DNS_T_DNSKEY, a.d, a.len, &ttl), 1, "propagated: no peer: 1");
	is_int(ttl, 0, "propagated: no peer: ttl 0");
	ksync_zone_free(&z);
}

/* A polled peer whose own keys all have the SEP flag (CSKs): those are imported. */
static void
test_poll_csk(void)
{
	struct ksync_zone z;
	const bool push[] = { true }, poll[] = { true };
	struct ksync_recset own = { 0 };
	struct ksync_diff d;
	bool changed;
	struct obs b;
	struct rd ours = key(256, 1), csk = key(257, 30), csk2 = key(257, 31),
		  revoked = key(257 | 0x80, 32), zsk = key(256, 33);

	zone(&z, 1, push, poll);
	own_add(&own, DNS_T_DNSKEY, 3600, ours);
	ksync_zone_set_own(&z, &own, 50);
	/* Its CSK, a pre-published one, a revoked one, and our ZSK it holds from us. */
	obs_init(&b, 3600);
	obs_add(&b, DNS_T_DNSKEY, csk);
	obs_add(&b, DNS_T_DNSKEY, csk2);
	obs_add(&b, DNS_T_DNSKEY, revoked);
	obs_add(&b, DNS_T_DNSKEY, ours);
	check(&z, 0, &b, 100, &d, &changed);
	ok(changed && origins(&z.imported, DNS_T_DNSKEY, csk) == BIT(0) &&
	   origins(&z.imported, DNS_T_DNSKEY, csk2) == BIT(0),
	   "poll csk: no ZSK of its own: its SEP keys are CSKs and imported");
	ok(origins(&z.imported, DNS_T_DNSKEY, revoked) == 0 &&
	   origins(&z.imported, DNS_T_DNSKEY, ours) == 0,
	   "poll csk: not the revoked one, not ours");
	/* It moves to KSK + ZSK: the ZSK is imported; a new SEP key is not. */
	struct rd ksk = key(257, 34);
	obs_add(&b, DNS_T_DNSKEY, zsk);
	obs_add(&b, DNS_T_DNSKEY, ksk);
	check(&z, 0, &b, 200, &d, &changed);
	ok(changed && origins(&z.imported, DNS_T_DNSKEY, zsk) == BIT(0) &&
	   origins(&z.imported, DNS_T_DNSKEY, ksk) == 0,
	   "poll csk: with a ZSK of its own, its new SEP key is not imported");
	ok(origins(&z.imported, DNS_T_DNSKEY, csk) == BIT(0),
	   "poll csk: a claim on a key it still serves stays");
	ksync_recset_free(&own);
	ksync_zone_free(&z);
}

/* A store loaded at start: what it says a peer holds counts as held long ago. */
static void
test_restore(void)
{
	struct ksync_zone z;
	const bool push[] = { true, true }, poll[] = { false, false };
	struct rd a = key(256, 1), b = key(256, 2);
	struct obs o;
	struct ksync_diff d;
	bool changed;

	zone(&z, 2, push, poll);
	ksync_recset_add(&z.contributed, DNS_T_DNSKEY, 300, a.d, a.len, KSYNC_SELF);
	ksync_recset_add(&z.contributed, DNS_T_DNSKEY, 300, a.d, a.len, 0);
	ksync_recset_add(&z.contributed, DNS_T_DNSKEY, 300, a.d, a.len, 1);
	ksync_recset_add(&z.contributed, DNS_T_DNSKEY, 300, b.d, b.len, KSYNC_SELF);
	ksync_recset_add(&z.contributed, DNS_T_DNSKEY, 300, b.d, b.len, 0);
	is_int(ksync_zone_restore(&z), 0, "restore: 0");
	is_int(ksync_propagated(&z, DNS_T_DNSKEY, a.d, a.len, NULL), 1,
	       "restore: held by both per the store: propagated long ago");
	is_int(ksync_propagated(&z, DNS_T_DNSKEY, b.d, b.len, NULL), 0,
	       "restore: held by one: not propagated");
	obs_init(&o, 300);
	obs_add(&o, DNS_T_DNSKEY, a);
	obs_add(&o, DNS_T_DNSKEY, b);
	check(&z, 1, &o, 1000, &d, &changed);
	is_int(ksync_propagated(&z, DNS_T_DNSKEY, a.d, a.len, NULL), 1,
	       "restore: a check keeps the restored time");
	is_int(ksync_propagated(&z, DNS_T_DNSKEY, b.d, b.len, NULL), 1000,
	       "restore: the other record counts from the check that saw it");
	ksync_zone_free(&z);
}

/* An UPDATE built and parsed, as a peer would send it. */
struct upd {
	uint8_t msg[4096];
	struct ksync_update_rr rrs[32];
	struct ksync_update u;
	struct ksync_update_builder b;
	int err;
};

static void
u_start(struct upd *m)
{
	m->err = ksync_update_build_start(&m->b, m->msg, sizeof(m->msg), 0x1234, apex);
}

static void
u_pre(struct upd *m, enum ksync_prereq_kind kind, uint16_t type, const struct rd *r)
{
	m->err |= ksync_update_build_prereq(&m->b, kind, apex, type, r ? r->d : NULL,
					    r ? r->len : 0);
}

static void
u_add(struct upd *m, uint16_t type, uint32_t ttl, struct rd r)
{
	m->err |= ksync_update_build_add(&m->b, apex, type, ttl, r.d, r.len);
}

static void
u_del(struct upd *m, uint16_t type, struct rd r)
{
	m->err |= ksync_update_build_delete_rr(&m->b, apex, type, r.d, r.len);
}

static void
u_delset(struct upd *m, uint16_t type)
{
	m->err |= ksync_update_build_delete_rrset(&m->b, apex, type);
}

static const struct ksync_update *
u_done(struct upd *m)
{
	if (m->err)
		diag("building the UPDATE failed: %d", m->err);
	int rc = ksync_update_parse(m->msg, m->b.len, m->rrs, 32, &m->u);
	if (rc != 0)
		diag("the UPDATE does not parse: %d", rc);
	return &m->u;
}

/* The zone of the zone_update tests and what it serves. */
struct served {
	struct obs b;
	struct rd ours, our_ds, z0, shared, z1, c0, n0, retired;
};

static void
zu_zone(struct ksync_zone *z, struct served *s)
{
	const bool push[] = { true, true }, poll[] = { true, true };
	struct ksync_recset own = { 0 };

	s->ours = key(256, 1);
	s->our_ds = cds(1);
	s->z0 = key(256, 10);
	s->shared = key(256, 11);
	s->z1 = key(256, 12);
	s->c0 = cds(13);
	s->n0 = key(256, 14);
	s->retired = key(256, 15);
	zone(z, 2, push, poll);
	own_add(&own, DNS_T_DNSKEY, 3600, s->ours);
	own_add(&own, DNS_T_DNSKEY, 3600, s->retired);
	own_add(&own, DNS_T_CDS, 3600, s->our_ds);
	ksync_zone_set_own(z, &own, 0);
	/* retired: no longer ours, still held by peer 1. */
	long i = ksync_recset_find(&z->contributed, DNS_T_DNSKEY, s->retired.d, s->retired.len);
	z->contributed.v[i].origins = BIT(1);
	ksync_recset_add(&z->imported, DNS_T_DNSKEY, 3600, s->z0.d, s->z0.len, 0);
	ksync_recset_add(&z->imported, DNS_T_DNSKEY, 3600, s->shared.d, s->shared.len, 0);
	ksync_recset_add(&z->imported, DNS_T_DNSKEY, 3600, s->shared.d, s->shared.len, 1);
	ksync_recset_add(&z->imported, DNS_T_DNSKEY, 3600, s->z1.d, s->z1.len, 1);
	ksync_recset_add(&z->imported, DNS_T_CDS, 3600, s->c0.d, s->c0.len, 0);
	obs_init(&s->b, 3600);
	obs_add(&s->b, DNS_T_DNSKEY, s->ours);
	obs_add(&s->b, DNS_T_DNSKEY, s->z0);
	obs_add(&s->b, DNS_T_DNSKEY, s->shared);
	obs_add(&s->b, DNS_T_DNSKEY, s->z1);
	obs_add(&s->b, DNS_T_CDS, s->our_ds);
	obs_add(&s->b, DNS_T_CDS, s->c0);
	ksync_recset_free(&own);
}

/* Apply m from peer to z; expect rcode; the result (NOERROR) stays in *out. */
static uint8_t
apply(const struct ksync_zone *z, size_t peer, struct upd *m, const struct served *s,
      struct ksync_recset *out, bool *changed)
{
	return ksync_zone_update(z, peer, u_done(m), &s->b.o, out, changed);
}

/* An UPDATE with one prerequisite (and an add) that must fail with rcode. */
static void
prereq_fails(const struct ksync_zone *z, const struct served *s, enum ksync_prereq_kind kind,
	     uint16_t type, uint8_t rcode, const char *what)
{
	struct upd m;
	struct ksync_recset out;
	bool changed = true;
	u_start(&m);
	u_pre(&m, kind, type, NULL);
	u_add(&m, DNS_T_DNSKEY, 3600, s->n0);
	is_int(apply(z, 0, &m, s, &out, &changed), rcode, "zone_update: prereq %s", what);
	ok(out.n == 0 && !changed, "zone_update: prereq %s: out empty, nothing changed", what);
	ksync_recset_free(&out);
}

static void
prereq_passes(const struct ksync_zone *z, const struct served *s, enum ksync_prereq_kind kind,
	      uint16_t type, const char *what)
{
	struct upd m;
	struct ksync_recset out;
	bool changed = false;
	u_start(&m);
	u_pre(&m, kind, type, NULL);
	u_add(&m, DNS_T_DNSKEY, 3600, s->n0);
	is_int(apply(z, 0, &m, s, &out, &changed), DNS_R_NOERROR, "zone_update: prereq %s", what);
	ok(changed && origins(&out, DNS_T_DNSKEY, s->n0) == BIT(0),
	   "zone_update: prereq %s: the add applied", what);
	ksync_recset_free(&out);
}

/* Exists-value prerequisites for DNSKEY: the n RDATAs of v. */
static uint8_t
values(const struct ksync_zone *z, const struct served *s, uint16_t type, const struct rd *v,
       size_t n)
{
	struct upd m;
	struct ksync_recset out;
	bool changed;
	u_start(&m);
	for (size_t i = 0; i < n; i++)
		u_pre(&m, KSYNC_PREREQ_RRSET_EXISTS_VALUE, type, &v[i]);
	uint8_t rc = apply(z, 0, &m, s, &out, &changed);
	ksync_recset_free(&out);
	return rc;
}

static void
test_zone_update(void)
{
	struct ksync_zone z;
	struct served s;
	struct upd m;
	struct ksync_recset out, before;
	bool changed;

	zu_zone(&z, &s);
	ksync_recset_dup(&z.imported, &before);

	/* An add is the peer's claim; z stays as it was until commit. */
	u_start(&m);
	u_add(&m, DNS_T_DNSKEY, 7200, s.n0);
	is_int(apply(&z, 0, &m, &s, &out, &changed), DNS_R_NOERROR, "zone_update: add: NOERROR");
	ok(changed, "zone_update: add: changed");
	is_int(origins(&out, DNS_T_DNSKEY, s.n0), BIT(0), "zone_update: add: the peer's claim");
	is_int(ttl_of(&out, DNS_T_DNSKEY, s.n0), 7200, "zone_update: add: with its TTL");
	is_int(out.n, before.n + 1, "zone_update: add: the rest kept");
	ok(ksync_recset_equal(&z.imported, &before), "zone_update: z unchanged before commit");
	ksync_zone_commit(&z, &out);
	is_int(origins(&z.imported, DNS_T_DNSKEY, s.n0), BIT(0), "commit: swapped in");
	ok(out.n == 0 && out.v == NULL, "commit: next left empty");
	ksync_recset_free(&out);

	/* The same add again: nothing changes. */
	is_int(apply(&z, 0, &m, &s, &out, &changed), DNS_R_NOERROR, "zone_update: add again: NOERROR");
	ok(!changed && ksync_recset_equal(&out, &z.imported), "zone_update: add again: no change");
	ksync_recset_free(&out);

	/* Add of a record another peer claims: both claim it. */
	u_start(&m);
	u_add(&m, DNS_T_DNSKEY, 3600, s.z1);
	is_int(apply(&z, 0, &m, &s, &out, &changed), DNS_R_NOERROR, "zone_update: add of peer 1's");
	is_int(origins(&out, DNS_T_DNSKEY, s.z1), BIT(0) | BIT(1), "zone_update: claimed by both");
	ksync_recset_free(&out);

	/* Add of our own records: not imported. */
	u_start(&m);
	u_add(&m, DNS_T_DNSKEY, 3600, s.ours);
	u_add(&m, DNS_T_CDS, 3600, s.our_ds);
	is_int(apply(&z, 0, &m, &s, &out, &changed), DNS_R_NOERROR, "zone_update: add of ours: NOERROR");
	ok(!changed && origins(&out, DNS_T_DNSKEY, s.ours) == 0 && origins(&out, DNS_T_CDS, s.our_ds) == 0,
	   "zone_update: add of ours: not imported");
	ksync_recset_free(&out);

	/* A record in contributed without SELF is not ours any more: imported. */
	u_start(&m);
	u_add(&m, DNS_T_DNSKEY, 3600, s.retired);
	is_int(apply(&z, 1, &m, &s, &out, &changed), DNS_R_NOERROR, "zone_update: add of a retired key");
	ok(changed && origins(&out, DNS_T_DNSKEY, s.retired) == BIT(1),
	   "zone_update: a record of contributed without SELF is imported");
	ksync_recset_free(&out);

	/* Delete of one's own claim. */
	u_start(&m);
	u_del(&m, DNS_T_DNSKEY, s.z0);
	u_del(&m, DNS_T_DNSKEY, s.shared);
	is_int(apply(&z, 0, &m, &s, &out, &changed), DNS_R_NOERROR, "zone_update: delete own claims");
	ok(changed && origins(&out, DNS_T_DNSKEY, s.z0) == 0, "zone_update: its record is gone");
	is_int(origins(&out, DNS_T_DNSKEY, s.shared), BIT(1),
	       "zone_update: a shared record stays with the other's claim");
	ksync_recset_free(&out);

	/* Delete of a record another peer claims: REFUSED, nothing applied. */
	ksync_recset_free(&before);
	ksync_recset_dup(&z.imported, &before);
	u_start(&m);
	u_add(&m, DNS_T_DNSKEY, 3600, s.retired);
	u_del(&m, DNS_T_DNSKEY, s.z1);
	changed = true;
	is_int(apply(&z, 0, &m, &s, &out, &changed), DNS_R_REFUSED,
	       "zone_update: delete of peer 1's record by peer 0: REFUSED");
	ok(out.n == 0 && out.v == NULL && !changed, "zone_update: REFUSED: out empty, not changed");
	ok(ksync_recset_equal(&z.imported, &before), "zone_update: REFUSED: z unchanged");
	ksync_recset_free(&out);

	/* Delete of what is not there: nothing to do. */
	u_start(&m);
	u_del(&m, DNS_T_DNSKEY, s.retired);
	u_del(&m, DNS_T_CDNSKEY, s.n0);
	is_int(apply(&z, 0, &m, &s, &out, &changed), DNS_R_NOERROR, "zone_update: delete absent: NOERROR");
	ok(!changed && ksync_recset_equal(&out, &z.imported), "zone_update: delete absent: no change");
	ksync_recset_free(&out);

	/* Delete of one of our records: REFUSED, the peer may only delete what it gave. */
	u_start(&m);
	u_del(&m, DNS_T_DNSKEY, s.ours);
	is_int(apply(&z, 0, &m, &s, &out, &changed), DNS_R_REFUSED, "zone_update: delete ours: REFUSED");
	ok(out.n == 0 && !changed, "zone_update: delete ours: nothing changed");
	ksync_recset_free(&out);

	/* Delete of an RRset: only the peer's claims on that type. */
	u_start(&m);
	u_delset(&m, DNS_T_DNSKEY);
	is_int(apply(&z, 0, &m, &s, &out, &changed), DNS_R_NOERROR, "zone_update: delete RRset");
	ok(changed && origins(&out, DNS_T_DNSKEY, s.z0) == 0 && origins(&out, DNS_T_DNSKEY, s.n0) == 0,
	   "zone_update: delete RRset: its DNSKEYs gone");
	is_int(origins(&out, DNS_T_DNSKEY, s.shared), BIT(1), "zone_update: delete RRset: shared keeps 1");
	is_int(origins(&out, DNS_T_DNSKEY, s.z1), BIT(1), "zone_update: delete RRset: peer 1's kept");
	is_int(origins(&out, DNS_T_CDS, s.c0), BIT(0), "zone_update: delete RRset: its CDS kept");
	ksync_recset_free(&out);
	u_start(&m);
	u_delset(&m, DNS_T_CDS);
	is_int(apply(&z, 1, &m, &s, &out, &changed), DNS_R_NOERROR, "zone_update: delete RRset, no claims");
	ok(!changed, "zone_update: delete RRset without claims: no change");
	ksync_recset_free(&out);

	/* Prerequisites (served: DNSKEY ours z0 shared z1; CDS our_ds c0; no CDNSKEY). */
	prereq_passes(&z, &s, KSYNC_PREREQ_RRSET_EXISTS, DNS_T_DNSKEY, "DNSKEY exists");
	prereq_fails(&z, &s, KSYNC_PREREQ_RRSET_EXISTS, DNS_T_CDNSKEY, DNS_R_NXRRSET,
		     "CDNSKEY exists");
	prereq_passes(&z, &s, KSYNC_PREREQ_RRSET_ABSENT, DNS_T_CDNSKEY, "CDNSKEY absent");
	prereq_fails(&z, &s, KSYNC_PREREQ_RRSET_ABSENT, DNS_T_CDS, DNS_R_YXRRSET, "CDS absent");
	prereq_passes(&z, &s, KSYNC_PREREQ_NAME_IN_USE, 0, "name in use");
	prereq_fails(&z, &s, KSYNC_PREREQ_NAME_ABSENT, 0, DNS_R_YXDOMAIN, "name absent");

	const struct rd all[] = { s.z1, s.ours, s.shared, s.z0 };
	is_int(values(&z, &s, DNS_T_DNSKEY, all, 4), DNS_R_NOERROR, "exists-value: the whole set");
	is_int(values(&z, &s, DNS_T_DNSKEY, all, 3), DNS_R_NXRRSET, "exists-value: a subset");
	const struct rd dup[] = { s.z1, s.ours, s.z1, s.shared, s.z0, s.ours };
	is_int(values(&z, &s, DNS_T_DNSKEY, dup, 6), DNS_R_NOERROR,
	       "exists-value: the set with duplicates");
	const struct rd dup3[] = { s.z1, s.ours, s.z1, s.shared };
	is_int(values(&z, &s, DNS_T_DNSKEY, dup3, 4), DNS_R_NXRRSET,
	       "exists-value: four RRs, three distinct: NXRRSET");
	const struct rd more[] = { s.z1, s.ours, s.shared, s.z0, s.n0 };
	is_int(values(&z, &s, DNS_T_DNSKEY, more, 5), DNS_R_NXRRSET, "exists-value: a superset");
	const struct rd ds[] = { s.c0, s.our_ds };
	is_int(values(&z, &s, DNS_T_CDS, ds, 2), DNS_R_NOERROR, "exists-value: CDS set");
	is_int(values(&z, &s, DNS_T_CDNSKEY, ds, 1), DNS_R_NXRRSET, "exists-value: absent RRset");
	struct upd m2;
	u_start(&m2);
	for (size_t i = 0; i < 4; i++)
		u_pre(&m2, KSYNC_PREREQ_RRSET_EXISTS_VALUE, DNS_T_DNSKEY, &all[i]);
	u_pre(&m2, KSYNC_PREREQ_RRSET_EXISTS_VALUE, DNS_T_CDS, &ds[0]);
	u_add(&m2, DNS_T_DNSKEY, 3600, s.retired);
	is_int(apply(&z, 0, &m2, &s, &out, &changed), DNS_R_NXRRSET,
	       "exists-value: DNSKEY matches, CDS does not: NXRRSET");
	ok(out.n == 0 && !changed, "exists-value: failed: out empty");
	ksync_recset_free(&out);

	/* Filled by hand: delete of all the peer's records at the name. */
	struct ksync_update_rr rr = { .kind = KSYNC_UPDATE_DELETE_NAME, .type = DNS_T_ANY,
				      .rclass = DNS_C_ANY };
	memcpy(rr.owner, apex, sizeof(apex));
	struct ksync_update u = { .update = &rr, .nupdate = 1 };
	memcpy(u.zone, apex, sizeof(apex));
	is_int(ksync_zone_update(&z, 0, &u, &s.b.o, &out, &changed), DNS_R_NOERROR,
	       "zone_update: delete name: NOERROR");
	ok(changed && origins(&out, DNS_T_CDS, s.c0) == 0 && origins(&out, DNS_T_DNSKEY, s.z0) == 0 &&
	   origins(&out, DNS_T_DNSKEY, s.z1) == BIT(1), "zone_update: delete name: only its claims go");
	ksync_recset_free(&out);

	ksync_recset_free(&before);
	ksync_zone_free(&z);
}

static void
test_state_name(void)
{
	struct ksync_peer p = { .push = true };

	is_str(ksync_peer_state_name(&p), "pending", "state: push, never checked: pending");
	p.last_ok = 5;
	is_str(ksync_peer_state_name(&p), "pending", "state: push, checked, not in sync: pending");
	p.in_sync_since = 5;
	is_str(ksync_peer_state_name(&p), "in-sync", "state: push, in sync: in-sync");
	p.phase = KSYNC_CHECKING;
	is_str(ksync_peer_state_name(&p), "checking", "state: checking");
	p.phase = KSYNC_UPDATING;
	is_str(ksync_peer_state_name(&p), "updating", "state: updating");
	p.phase = KSYNC_IDLE;
	p.failures = 1;
	is_str(ksync_peer_state_name(&p), "failing", "state: idle with failures: failing");
	p = (struct ksync_peer){ .poll = true };
	is_str(ksync_peer_state_name(&p), "pending", "state: poll, never checked: pending");
	p.last_ok = 5;
	is_str(ksync_peer_state_name(&p), "in-sync", "state: poll, checked: in-sync");
}

int
main(void)
{
	test_init();
	test_set_own();
	test_due();
	test_poll();
	test_push();
	test_diff_max();
	test_change_while_updating();
	test_held_again();
	test_ttl_steady();
	test_unclear();
	test_failed();
	test_propagated();
	test_poll_csk();
	test_restore();
	test_zone_update();
	test_state_name();
	return tap_done();
}
