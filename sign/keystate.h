/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What a key's timing metadata (struct sign_key_timing, sign/key.h) means at
 * a given time, with BIND's semantics. A time that is not set (0) counts as
 * already passed for Publish, Activate and SyncPublish, and as never
 * reached for Revoke, Inactive, Delete and SyncDelete; a set time counts
 * from the second it names (t <= now has passed). So a key file without
 * timing metadata is published, active, and has CDS/CDNSKEY.
 *
 * Pure functions, callable from any thread.
 */
#ifndef SIGEDGE_SIGN_KEYSTATE_H
#define SIGEDGE_SIGN_KEYSTATE_H

#include <stdint.h>

#include "sign/key.h"

#ifdef __cplusplus
extern "C" {
#endif

/* State bits of a key at a time. */
#define SIGN_KEY_PUBLISHED 0x1 /* in the DNSKEY RRset: Publish or Activate passed, Delete not */
#define SIGN_KEY_ACTIVE    0x2 /* signs, per its role: published, Activate passed, Inactive
				* not */
#define SIGN_KEY_REVOKED   0x4 /* Revoke passed: published (if it is) with the REVOKE flag,
				* signs nothing but, if SEP, the DNSKEY RRset (RFC 5011) */
#define SIGN_KEY_SYNC      0x8 /* SyncPublish passed, SyncDelete not: CDS/CDNSKEY listed
				* when the key signs DNSKEY */

/* Every bit but SIGN_KEY_REVOKED: a key without timing metadata. */
#define SIGN_KEY_STATE_DEFAULT (SIGN_KEY_PUBLISHED | SIGN_KEY_ACTIVE | SIGN_KEY_SYNC)

/* The SIGN_KEY_* bits of a key with timing t at now (seconds since the epoch). */
unsigned sign_key_state(const struct sign_key_timing *t, int64_t now);

/*
 * The earliest of t's Publish, Activate, Revoke, Inactive, Delete,
 * SyncPublish and SyncDelete times that is later than now, or 0 if none is:
 * when sign_key_state may next change.
 */
int64_t sign_key_next_event(const struct sign_key_timing *t, int64_t now);

#ifdef __cplusplus
}
#endif

#endif
