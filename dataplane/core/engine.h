/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The query engine: one pure function every backend calls. Query bytes plus
 * the immutable view in, reply bytes and a verdict out. No allocation, no
 * locks, no syscalls, no logging. Never includes DPDK or socket headers.
 */
#ifndef SIGEDGE_DP_ENGINE_H
#define SIGEDGE_DP_ENGINE_H

#include <stddef.h>
#include <stdint.h>

struct dns_zoneset;
struct dp_worker; /* dataplane/core/worker.h */
struct dp_zone_slot; /* dataplane/core/worker.h */

/*
 * What a worker reads under its epoch section: everything the engine needs,
 * immutable once published (see dataplane/core/worker.h for publication).
 */
struct dp_view {
	const struct dns_zoneset *zones;
	/*
	 * Signing state per zone, indexed like zones (dns_zoneset_at); NULL
	 * when no zone is signed. A zone is signed when its slot holds a key
	 * table.
	 */
	struct dp_zone_slot *const *slots;
	uint16_t udp_max;        /* largest UDP reply we send and advertise in OPT */
};

enum dp_verdict {
	DP_DROP = 0,             /* send nothing (no readable header) */
	DP_SEND = 1,             /* send out[0..*outlen) */
};

/* Query flags. */
#define DP_Q_TCP 0x1             /* arrived over TCP: the reply is limited by cap only */

/*
 * Answer one query as an authoritative server (RFC 1034 4.3.2 with RFC 2308,
 * 4592, 6604, 6891, 8482, 9471). out must hold at least cap bytes; cap is the
 * transport limit (65535 for TCP, the buffer size for UDP); the engine further
 * limits a UDP reply to the requestor's EDNS size (512 without EDNS, never
 * less than 512) and view->udp_max, and sets TC when the answer does not fit.
 * A message shorter than a header, or with QR set, is dropped; one that does
 * not parse gets FORMERR. flags: DP_Q_*.
 * Online signing (RFC 4035 3.1, DESIGN.md 4): when the query has DO and the
 * zone's slot holds a key table, every RRset of the answer and authority
 * sections except a referral's NS RRset and glue gets an RRSIG by each
 * active zone-signing key (from w's signature cache, else made with w's
 * signer contexts, w->id indexing the table's signers), DNSKEY, CDS and
 * CDNSKEY come from the table with their RRSIGs, and negative answers,
 * wildcard answers and insecure referrals carry signed NSEC proofs
 * (compact answers, RFC 9824, turn NXDOMAIN into NOERROR; RFC 4470 keeps
 * it). RRSIGs count toward the size limit (TC when the signed sections do
 * not fit); a signature that cannot be made gives SERVFAIL. The validity
 * window follows the coarse real-time clock (read once per signed query).
 * Signing budget: over UDP, a signature not in the cache is taken from the
 * worker's budget for the zone (dp_zone_slot.sign_rate); when it is spent
 * the reply is an empty NOERROR with TC set, so a resolver retries over
 * TCP, which is never budgeted, and cached answers keep flowing.
 * Counts into w: udp/tcp, dropped, edns, do, truncated, the reply's rcode,
 * nodata, referral, signed, sigcache-hit/miss, sign-limited (rx, tx and
 * tcp-conn are the caller's).
 * Returns an enum dp_verdict; *outlen is set when it is DP_SEND.
 * Threading: called by one worker with its own w, inside its epoch section.
 */
int dp_query_answer(const struct dp_view *view, struct dp_worker *w, const uint8_t *q,
		    size_t qlen, uint8_t *out, size_t cap, size_t *outlen, unsigned flags);

#endif
