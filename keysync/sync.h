/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The multi-signer synchronisation of one zone with its peers (RFC 8901
 * model 2, MULTISIGNER.md 3 and 4): what we hold from the peers, what they
 * hold from us, and when to talk to each of them.
 *
 * Two record sets make the persistent state (keysync/recset.h):
 * - imported: the peers' records we serve, each with the peers that claim
 *   it (by UPDATE, or seen at the peer by a check);
 * - contributed: our own records that peers should hold, with the peers
 *   seen holding each, and KSYNC_SELF while the record is still ours to
 *   give. A record without KSYNC_SELF stays until no peer holds it (each
 *   check deletes it there).
 *
 * Every peer is checked in turn: the driver (control/) queries the peer's
 * apex DNSKEY, CDS and CDNSKEY RRsets and hands them to
 * ksync_peer_observed, which imports and withdraws the peer's keys (when
 * the peer is polled), records which of our records it holds, and says
 * which records an UPDATE must add and delete (when we push to it). After
 * an accepted UPDATE the peer is checked again to confirm; a failure backs
 * off, doubling from retry_min to retry_max. A peer in sync is checked
 * again after poll_interval, or at once when our records change or it
 * sends a NOTIFY.
 *
 * Pure: no I/O and no clock; times are seconds since the epoch given by
 * the caller. Control thread only.
 */
#ifndef SIGEDGE_KEYSYNC_SYNC_H
#define SIGEDGE_KEYSYNC_SYNC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dns/zone.h"
#include "keysync/recset.h"
#include "keysync/update.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Origin bits beyond the peers' (peers are 0 .. KSYNC_PEERS_MAX-1). */
#define KSYNC_PEERS_MAX (KSYNC_ORIGIN_MAX - 2)
#define KSYNC_OWNER (KSYNC_ORIGIN_MAX - 1) /* imported: the zone owner's signed RRsets (model 1) */
#define KSYNC_SELF (KSYNC_ORIGIN_MAX - 2)  /* contributed: still one of ours */

enum ksync_phase {
	KSYNC_IDLE,       /* waiting for next_check */
	KSYNC_CHECKING,   /* queries for its RRsets are out */
	KSYNC_UPDATING,   /* our UPDATE is out */
};

struct ksync_held;

#define KSYNC_DIFF_MAX 64   /* adds, and deletes, in one UPDATE (struct ksync_diff) */

/* What we know of one peer. */
struct ksync_peer {
	bool push, poll;          /* from the configuration */
	enum ksync_phase phase;
	int64_t next_check;       /* when it is due (0: now) */
	unsigned backoff;         /* the last retry delay, 0 after a success */
	unsigned failures;        /* consecutive failed checks or UPDATEs */
	int64_t last_ok;          /* end of the last successful check, 0: none yet */
	int64_t in_sync_since;    /* since when it holds all we give (push), 0: not now */
	uint32_t ttl_seen;        /* largest TTL of its DNSKEY, CDS, CDNSKEY RRsets */
	unsigned updates;         /* UPDATEs accepted by it */
	bool confirming;          /* the next check confirms an accepted UPDATE */
	size_t nsent;             /* fingerprints of the records that UPDATE carried */
	uint64_t sent[2 * KSYNC_DIFF_MAX];
	bool again;               /* due again as soon as the current check ends */
	char error[160];          /* the last failure, "" after a success */
	/* Our contributed records seen at the peer, with the time each was first seen. */
	struct ksync_held *held;
	size_t nheld;
	/* A polled peer's DNSKEY, CDS and CDNSKEY records at its last check. */
	struct ksync_recset seen;
};

struct ksync_timing {
	unsigned poll_interval, retry_min, retry_max;
};

struct ksync_zone {
	unsigned model;                  /* 1 or 2 */
	struct ksync_timing timing;
	struct ksync_recset imported;
	struct ksync_recset contributed;
	/*
	 * Records that left imported, with the polled peers that served them
	 * at their last check: a check of such a peer does not import them
	 * again until it has stopped serving them (it may hold them only
	 * because it took them from us). Not persisted.
	 */
	struct ksync_recset tomb;
	size_t npeers;                   /* <= KSYNC_PEERS_MAX */
	struct ksync_peer *peers;
};

/*
 * Set up z for npeers peers (push[i], poll[i] each), all due at once, with
 * empty record sets (the driver then loads its store into imported and
 * contributed). Returns 0, -EINVAL (too many peers), -ENOMEM.
 */
int ksync_zone_init(struct ksync_zone *z, unsigned model, const struct ksync_timing *t,
		    size_t npeers, const bool *push, const bool *poll);

/*
 * After the driver loaded contributed from its store: each record the
 * store says a peer holds counts as held since long ago (a key confirmed
 * everywhere before a restart keeps signing after it). Call once, before
 * any check. Returns 0 or -ENOMEM.
 */
int ksync_zone_restore(struct ksync_zone *z);

/* Free what z owns. */
void ksync_zone_free(struct ksync_zone *z);

/*
 * Our own records are now own (type, TTL and RDATA of each, types DNSKEY,
 * CDS and CDNSKEY; origins ignored): records of own gain KSYNC_SELF in
 * contributed, records that left own lose it, and every peer we push to
 * becomes due now (and not in sync) when that changed anything. Returns 1 when contributed changed, 0 when not,
 * -ENOMEM (z unchanged).
 */
int ksync_zone_set_own(struct ksync_zone *z, const struct ksync_recset *own, int64_t now);

/*
 * What a peer serves at the apex: its DNSKEY, CDS and CDNSKEY RRsets (count
 * 0 when absent; each field's type is the one its name says, whatever its
 * type member holds).
 */
struct ksync_observed {
	struct dns_rrset dnskey, cds, cdnskey;
};

/* The RRset of o of a key type (DNSKEY, CDS, CDNSKEY); NULL for other types. */
const struct dns_rrset *ksync_observed_rrset(const struct ksync_observed *o, uint16_t type);

/*
 * An UPDATE to send to a peer: the records to add and to delete, pointing
 * into z->contributed (valid until the next call that changes z). At most
 * KSYNC_DIFF_MAX of each; the rest goes in the UPDATE after the next check.
 */
struct ksync_diff {
	size_t nadd, ndel;
	const struct ksync_rec *add[KSYNC_DIFF_MAX];
	const struct ksync_rec *del[KSYNC_DIFF_MAX];
};

/*
 * The peer's RRsets came back from a check at now. When the peer is polled:
 * its zone-signing DNSKEYs (no SEP flag, not revoked; when it gives no such
 * key, its keys with the SEP flag, each then a CSK) and its CDS and CDNSKEY
 * records become claims of peer in imported unless they are ours
 * (in contributed), another peer's (already imported without its claim:
 * it may only relay them), or dead for it (tomb); its claims on records it
 * no longer serves are withdrawn. When we push to it: the contributed records it holds are
 * marked as held (and unmarked when gone), records nobody holds any more
 * and that are not ours leave contributed, and *diff gets what an UPDATE
 * must add (ours, not held) and delete (no longer ours, held). *changed
 * tells whether imported or contributed changed (persist them). Returns 1
 * when an UPDATE must be sent (the peer is then UPDATING), 0 when the peer
 * is in sync (IDLE, due after poll_interval), -ENOMEM (z unchanged apart
 * from the peer's failure, which backs off). When the peer accepted our
 * last UPDATE and still lacks a record it carried, that is a failure
 * (backs off) and 0 is returned with an empty diff. Failures and backoff
 * are reset only once the peer is in sync (or, for a poll-only peer, after
 * any successful check).
 */
int ksync_peer_observed(struct ksync_zone *z, size_t peer, const struct ksync_observed *obs,
			int64_t now, struct ksync_diff *diff, bool *changed);

/*
 * A check or an UPDATE of peer failed at now (why: one line for the status
 * view). The peer backs off: due after retry_min, doubling up to retry_max.
 */
void ksync_peer_failed(struct ksync_zone *z, size_t peer, int64_t now, const char *why);

/* The peer accepted our UPDATE: it is checked again at once to confirm. */
void ksync_peer_updated(struct ksync_zone *z, size_t peer, int64_t now);

/* Make the peer due now (a NOTIFY from it, or an operator's request). */
void ksync_peer_poke(struct ksync_zone *z, size_t peer, int64_t now);

/*
 * The next peer due at now and idle, which becomes CHECKING; -1 if none.
 * Call repeatedly to start every due check.
 */
long ksync_next_due(struct ksync_zone *z, int64_t now);

/* When the next idle peer is due (seconds since the epoch), INT64_MAX when none is idle. */
int64_t ksync_next_time(const struct ksync_zone *z);

/*
 * Since when every peer we push to holds our record (type, rdata): the
 * latest of the times each was first seen holding it; 0 when one does not
 * hold it; 1 when we push to no peer (nobody to wait for). The largest
 * TTL the peers serve their key RRsets with is in *ttl (may be NULL).
 */
int64_t ksync_propagated(const struct ksync_zone *z, uint16_t type, const uint8_t *rdata,
			 uint16_t rdlen, uint32_t *ttl);

/*
 * Apply an authenticated UPDATE from peer u (already parsed and within
 * the multi-signer scope, ksync_update_scope) to imported, in the order of
 * RFC 2136 3.2-3.4. Prerequisites are checked against served: the apex
 * DNSKEY, CDS and CDNSKEY RRsets we serve now (own and imported). Updates:
 * an add becomes the peer's claim; a delete of one record withdraws the
 * peer's claim (a record of ours, or one it does not claim: REFUSED, the
 * peer may only delete what it contributed; absent: nothing to do); a delete of an
 * RRset withdraws every claim of the peer on that type. Records of ours
 * (in contributed with KSYNC_SELF) are not imported.
 * On NOERROR, *out holds the new imported set (initialised by the call;
 * the caller persists it, then swaps it in with ksync_zone_commit, or
 * frees it) and *changed whether it differs. Returns the reply rcode
 * (DNS_R_NOERROR, DNS_R_YXDOMAIN, DNS_R_YXRRSET, DNS_R_NXDOMAIN,
 * DNS_R_NXRRSET, DNS_R_REFUSED, DNS_R_SERVFAIL when out of memory).
 */
uint8_t ksync_zone_update(const struct ksync_zone *z, size_t peer, const struct ksync_update *u,
			  const struct ksync_observed *served, struct ksync_recset *out,
			  bool *changed);

/* Replace z's imported set by *next (taken over; *next is left empty). */
void ksync_zone_commit(struct ksync_zone *z, struct ksync_recset *next);

/* A name for a peer's phase and health: "in-sync", "checking", "updating", "failing", "pending". */
const char *ksync_peer_state_name(const struct ksync_peer *p);

#ifdef __cplusplus
}
#endif

#endif
