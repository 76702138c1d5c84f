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

struct dns_zone;
struct sign_key;
struct sign_keytable;

/* The keys of one zone. */
struct ctl_keyset {
	struct sign_key **keys;  /* owned */
	char **files;            /* the .private file of each key; owned */
	size_t n;
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

/*
 * Build a key table for zone (whose apex is apex) from ks->n > 0 keys, with
 * a new generation from one counter for the whole process, the default
 * signature validity, CDS/CDNSKEY published, denial by NSEC if nsec else
 * compact answers, one signer per worker and zone-signing key, and the
 * DNSKEY RRSIGs made at now. Returns 0 or the error of sign_keytable_build
 * with its reason in err.
 */
int ctl_keytable_build(const struct ctl_keyset *ks, const uint8_t *apex,
		       const struct dns_zone *zone, bool nsec, unsigned nworkers, uint32_t now,
		       struct sign_keytable **out, char *err, size_t errlen);

/*
 * Seconds from now until t should be replaced by a rebuilt one (0 when
 * already due): when half of its RRSIGs' lifetime is left.
 */
uint32_t ctl_keytable_refresh_in(const struct sign_keytable *t, uint32_t now);

/*
 * The role of key i of ks under the rules of sign_keytable_build: "KSK",
 * "ZSK", "CSK" (signs both), or "revoked".
 */
const char *ctl_keyset_role(const struct ctl_keyset *ks, size_t i);

#endif
