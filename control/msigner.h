/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The multi-signer driver (MULTISIGNER.md, DESIGN.md 5): runs keysync's
 * state machine (keysync/sync.h) for every zone with a multi-signer
 * model, and does its I/O.
 *
 * - The store of each zone (control/kstore.h) is loaded at start and
 *   written (write, fsync, rename) before anything it holds is served or
 *   acknowledged.
 * - Checks of each peer: queries for its apex DNSKEY, CDS and CDNSKEY, then
 *   the UPDATE that brings it in line, signed with the peer's TSIG key or
 *   our SIG(0) key, and retried with backoff.
 * - The keysync listen addresses take the peers' UPDATEs (authenticated by
 *   TSIG or SIG(0), limited to apex DNSKEY, CDS and CDNSKEY; in model 1 the
 *   zone owner's signed RRsets with their RRSIGs, checked as an import is),
 *   NOTIFYs (a re-check of that peer at once), and signed queries for the
 *   key RRsets.
 * - Whenever what a zone serves changes (imports, or our keys), its key
 *   table is rebuilt and published, and the peers get a NOTIFY.
 * - A new zone-signing key of ours signs only once every peer we push to
 *   serves it and the largest DNSKEY TTL (ours or a peer's) plus the
 *   configured delay has passed since (the gate of struct ctl_keyextra);
 *   until then the keys that signed before go on signing. An old key stays
 *   published, here and at the peers, past its Delete time until its
 *   signatures can no longer be cached (the zone's largest TTL plus the
 *   delay after it last signed).
 *
 * Threading: control thread only.
 */
#ifndef SIGEDGE_CTL_MSIGNER_H
#define SIGEDGE_CTL_MSIGNER_H

#include <poll.h>
#include <stddef.h>
#include <stdint.h>

#include "control/buf.h"
#include "control/keys.h"
#include "control/opts.h"

struct ctl_daemon;
struct ctl_zone;

/* One zone's multi-signer state (opaque). */
struct ctl_mszone;

/*
 * Set up the multi-signer state of a zone configured with zc (model 1 or
 * 2): the peers' keys (TSIG; SIG(0) key files) and the store, loaded from
 * statedir. Returns 0, or a negative code with one line in err.
 */
int ctl_mszone_new(const struct ctl_zone_conf *zc, const char *statedir, const uint8_t *apex,
		   struct ctl_mszone **out, char *err, size_t errlen);

void ctl_mszone_free(struct ctl_mszone *m);

/*
 * What m adds to the zone's key table (control/keys.h), valid until m
 * changes next, for a zone whose largest TTL is max_ttl. m may be NULL (a
 * single signer): only the DNSKEY TTL.
 */
void ctl_mszone_keyextra(struct ctl_mszone *m, uint32_t dnskey_ttl, uint32_t max_ttl,
			 struct ctl_keyextra *x);

/* The daemon's multi-signer driver: client requests and the keysync listener. */
struct ctl_ms;

/*
 * Start: open the keysync listen addresses of d->cfg, and set every
 * multi-signer zone's own records from its keys (persisting them).
 * Returns 0 (*out NULL when no zone has a multi-signer model and nothing
 * listens), or -1 with one line in err.
 */
int ctl_ms_start(struct ctl_daemon *d, struct ctl_ms **out, char *err, size_t errlen);

void ctl_ms_stop(struct ctl_ms *ms);

/* Descriptors to poll (fills pf[0..cap), returns how many were filled). */
size_t ctl_ms_pollfds(const struct ctl_ms *ms, struct pollfd *pf, size_t cap);

/* Milliseconds until ctl_ms_process has timed work, -1 for none. */
int ctl_ms_timeout_ms(const struct ctl_ms *ms);

/* Handle what pf (as returned by poll, n entries) reports, then start every due check. */
void ctl_ms_process(struct ctl_ms *ms, const struct pollfd *pf, size_t n);

/*
 * Zone z's own keys or key table changed (a key command, a timing event):
 * refresh its own records, persist, and poke the peers. No-op for a zone
 * without a multi-signer model.
 */
void ctl_ms_keys_changed(struct ctl_ms *ms, struct ctl_zone *z);

/* The status of zone z for sigedgectl: own keys, imports by peer, each peer's sync state. */
void ctl_ms_status(const struct ctl_zone *z, struct ctl_buf *out);

/*
 * Model 1: take the zone owner's signed DNSKEY (and CDS, CDNSKEY) RRsets
 * and their RRSIGs from the apex of the zone file at path (any zone-file
 * syntax sigedge loads, e.g. ldns-signzone's or dnssec-signzone's output;
 * other records are ignored) in place of the ones imported before. Used
 * only when the key table built with them passes sign_dnskeyset_check (our
 * zone-signing keys are in the DNSKEY RRset, and its RRSIGs verify now);
 * then persisted and published. Returns 0, or a negative code with the
 * reason in msg (nothing changed).
 */
int ctl_ms_import(struct ctl_ms *ms, struct ctl_zone *z, const char *path, char *msg,
		  size_t msglen);

/*
 * The DNSKEY records (presentation form, one per line, TTL the zone's
 * DNSKEY TTL) of every key of zone z published at now: what the zone owner
 * collects from each provider in model 1. Returns 0, or a negative code
 * with the reason in msg.
 */
int ctl_ms_export(const struct ctl_zone *z, int64_t now, struct ctl_buf *out, char *msg,
		  size_t msglen);

/*
 * Zone z (a multi-signer zone) leaves the group: from now on it gives the
 * peers no record of its own, so each peer is sent the UPDATE that deletes
 * what it holds of ours (MULTISIGNER.md 5, leaving: after the parent's NS
 * and DS for us are gone). Lasts until the daemon restarts.
 */
void ctl_ms_leave(struct ctl_ms *ms, struct ctl_zone *z);

/*
 * Make zone z's peer named peer (every peer when NULL) due for a check now.
 * Returns how many peers that made due, or -1 when no peer has that name.
 */
long ctl_ms_check(struct ctl_zone *z, const char *peer);

#endif
