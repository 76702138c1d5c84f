/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A zone's DNSSEC keys as loaded from the key directory, and the key tables
 * built from them (sign/keytable.h).
 *
 * Key files are found by name: every "K<zone>.+AAA+TTTTT.private" in the
 * directory (zone in lowercase presentation form with its final dot, as
 * dnssec-keygen, ldns-keygen and keymgr name them; matched without regard to
 * case) is loaded with its .key by sign_keyfile_load.
 *
 * Threading: control thread only.
 */
#ifndef SIGEDGE_CTL_KEYS_H
#define SIGEDGE_CTL_KEYS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct dns_rrset;
struct dns_zone;
struct sign_dnskeyset;
struct sign_key;
struct sign_key_timing;
struct sign_keytable;

/* The keys of one zone. */
struct ctl_keyset {
	struct sign_key **keys;  /* owned */
	char **files;            /* the .private file of each key; owned */
	size_t n;
	int64_t next_event;      /* the earliest key timing event after the last
				  * ctl_keytable_build from this set, 0 if none */
};

/*
 * Load every key of the zone apex (wire form) from dir into ks, in file name
 * order. A zone without key files gives ks->n == 0. On error returns a
 * negative code with one line in err naming the file (or the directory) and
 * the reason; ks is then empty.
 */
int ctl_keyset_load(const char *dir, const uint8_t *apex, struct ctl_keyset *ks, char *err,
		    size_t errlen);

/* Free the keys and names and empty ks. Only once no key table built from ks is in use. */
void ctl_keyset_free(struct ctl_keyset *ks);

/* Make out a copy of ks (keys by sign_key_dup, names copied). Returns 0 or -ENOMEM. */
int ctl_keyset_dup(const struct ctl_keyset *ks, struct ctl_keyset *out);

/* Add key (taken over, freed on error too) read from or written to file. 0 or -ENOMEM. */
int ctl_keyset_add(struct ctl_keyset *ks, struct sign_key *key, const char *file);

/*
 * Index of the key with key tag tag (and algorithm alg unless alg is 0);
 * -ENOENT if there is none, -EEXIST if there are several.
 */
long ctl_keyset_find(const struct ctl_keyset *ks, uint16_t tag, uint8_t alg);

/*
 * What a zone adds to its key table beyond its keys (control/msigner.h
 * makes it for a multi-signer zone; all zero but the TTL for a single one).
 */
struct ctl_keyextra {
	uint32_t dnskey_ttl;      /* DNSKEY, CDS and CDNSKEY TTL; 0: 3600 */
	/* Model 2: the other providers' records (sign_keytable_params.extra_*). */
	const struct dns_rrset *dnskey, *cds, *cdnskey;
	/* Model 1: the zone owner's signed key RRsets, checked before use. */
	const struct sign_dnskeyset *signed_keys;
	/*
	 * The gate, or NULL: the state (SIGN_KEY_* bits) key k may have at now,
	 * given the state its timing gives and whether that makes it sign zone
	 * data (a ZSK or CSK); *wake is when that may change (0: not by the
	 * clock alone). When the gate leaves no key signing zone data, the
	 * keys it held back that sign in current go on signing, or, when none
	 * does (a first table), those active longest (Activate, else
	 * Publish); when even that leaves none, or a key would sign zone data
	 * that does not by its timing (a KSK turned CSK), the timing alone
	 * decides.
	 */
	unsigned (*gate)(void *arg, const struct sign_key *k, unsigned state, bool signs_zone,
			 int64_t now, int64_t *wake);
	void *arg;
	const struct sign_keytable *current; /* the table in use, or NULL */
};

/*
 * Build a key table for zone (whose apex is apex) from ks->n > 0 keys with
 * their states at now (sign/keystate.h), with a new generation from one
 * counter for the whole process, the default signature validity,
 * CDS/CDNSKEY published, denial by NSEC if nsec else compact answers, one
 * signer per worker and zone-signing key, and the DNSKEY RRSIGs made at now,
 * with what x (not NULL) adds. When no key is published at now, *out is
 * NULL (the zone is unsigned) and 0 is returned. Sets ks->next_event (also
 * on error, so a failing event is not retried before the next one; the
 * gate's wake times count). Returns 0, the error of sign_keytable_build
 * with its reason in err, or -EINVAL when model 1's signed key RRsets do
 * not pass sign_dnskeyset_check.
 */
int ctl_keytable_build(struct ctl_keyset *ks, const uint8_t *apex, const struct dns_zone *zone,
		       bool nsec, unsigned nworkers, uint32_t now, const struct ctl_keyextra *x,
		       struct sign_keytable **out, char *err, size_t errlen);

/*
 * Seconds from now until t should be replaced by a rebuilt one (0 when
 * already due): when half of its RRSIGs' lifetime is left.
 */
uint32_t ctl_keytable_refresh_in(const struct sign_keytable *t, uint32_t now);

/*
 * The role of key i of ks at now under the rules of sign_keytable_build:
 * "KSK", "ZSK", "CSK" (signs both), "revoked" (published with the REVOKE
 * flag), or "none" (not published, or published and not signing).
 */
const char *ctl_keyset_role(const struct ctl_keyset *ks, size_t i, int64_t now);

/*
 * The state at now of a key with timing t: "pending" (not yet published),
 * "published" (not yet active), "active", "retired" (Inactive passed, still
 * published), "removed" (Delete passed), "revoked" (Revoke passed, published).
 */
const char *ctl_key_state_name(const struct sign_key_timing *t, int64_t now);

/*
 * Whether going from the keys before to the keys after (both at now) would
 * leave the zone with no key that signs its data, or with no signing SEP key
 * (KSK or CSK) while before had one. Returns 0, or -EINVAL with the reason
 * in err. A zone with no published key after (unsigned) passes only if
 * before had none either.
 */
int ctl_keyset_check(const struct ctl_keyset *before, const struct ctl_keyset *after,
		     int64_t now, char *err, size_t errlen);

/*
 * A time for the key commands: YYYYMMDDHHMMSS (UTC), "now", "now+SECONDS"
 * or "+SECONDS" (relative to now). Returns 0 or -EINVAL.
 */
int ctl_time_parse(const char *s, int64_t now, int64_t *out);

#endif
