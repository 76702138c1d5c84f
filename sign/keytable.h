/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Key tables: a zone's signing state as the workers see it (DESIGN.md 3).
 *
 * The control thread builds a complete table from the zone's keys, makes
 * the DNSKEY (and CDS/CDNSKEY) RRsets and their RRSIGs (or, in multi-signer
 * model 1, takes the zone owner's signed ones as they are), prepares one signer
 * context per active zone-signing key for every worker, and publishes the
 * table with one release store into the zone's slot (dataplane/core). After
 * an epoch grace period the table it replaced is freed. A published table is
 * never modified, except that worker i alone uses signers[i * nzsk + k].
 *
 * Prebuilding the workers' signer contexts on the control thread (instead of
 * each worker rebuilding its own when it sees a new generation) keeps every
 * allocation off the workers: a worker only indexes the table.
 */
#ifndef SIGEDGE_SIGN_KEYTABLE_H
#define SIGEDGE_SIGN_KEYTABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dns/zone.h"
#include "sign/dnskeyset.h"
#include "sign/key.h"
#include "sign/rrsig.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Denial of existence, one method per zone (the same at every provider, RFC 8901). */
enum sign_denial {
	SIGN_DENIAL_COMPACT = 0,  /* RFC 9824 compact answers (default) */
	SIGN_DENIAL_NSEC = 1,     /* RFC 4470 minimally covering NSEC */
};

#define SIGN_KEYTABLE_MAXZSK 4  /* active zone-signing keys at once (rollovers, algorithms) */

struct sign_keytable {
	uint64_t generation;          /* unique in the process, never reused */
	/*
	 * What the signature cache keys on: generation when built. Before
	 * publishing a table in place of one that signs alike
	 * (sign_keytable_signs_alike), the control thread gives it its
	 * predecessor's value, so the signatures cached under the old table
	 * stay usable; any change of the zone-signing keys or the validity
	 * policy keeps the fresh value, making the old entries unreachable.
	 */
	uint64_t sig_generation;
	const uint8_t *apex;          /* lowercased wire name */
	uint8_t apex_len;
	uint8_t denial;               /* enum sign_denial */
	struct sign_validity validity;
	uint32_t neg_ttl;             /* TTL of synthesized NSEC: min(SOA TTL, SOA MINIMUM) */

	/*
	 * Apex RRsets served from the table rather than from the zone file, each
	 * with its RRSIG RRset (dns_rrset layout: RRSIG RDATAs made at build
	 * time by the key-signing keys, valid for validity.lifetime from the
	 * build; in model 1, the imported RRsets and RRSIGs, see signed_keys
	 * below). count == 0 when not published.
	 */
	struct dns_rrset dnskey, dnskey_sig;
	struct dns_rrset cds, cds_sig;
	struct dns_rrset cdnskey, cdnskey_sig;
	/*
	 * Earliest expiration among the RRSIGs above that the table made: the
	 * control thread rebuilds the table well before it. In model 1 the
	 * table makes none and this is the build's expiration all the same
	 * (now + lifetime, bucketed), so the rebuild timer keeps running; the
	 * imported RRSIGs' own expiry is the importer's to watch
	 * (sign_dnskeyset_check).
	 */
	uint32_t sigs_expire;

	/* Active zone-signing keys (a CSK counts); every RRset is signed by each. */
	unsigned nzsk;
	const struct sign_key *zsk[SIGN_KEYTABLE_MAXZSK];
	unsigned nworkers;
	struct sign_signer **signers; /* nworkers * nzsk; worker i uses [i * nzsk .. +nzsk) */
};

/* What a table is built from (control thread). */
struct sign_keytable_params {
	const uint8_t *apex;          /* wire name of the zone */
	const struct dns_zone *zone;  /* its SOA gives the negative TTL */
	const struct sign_key *const *keys; /* the zone's own keys with private parts; the table
					     * takes no ownership: keys must outlive the table */
	const unsigned *states;       /* SIGN_KEY_* bits of each key at the build time
				       * (sign_key_state, sign/keystate.h); NULL: every key
				       * SIGN_KEY_STATE_DEFAULT (published, active, CDS) */
	size_t nkeys;
	uint32_t dnskey_ttl;          /* TTL of DNSKEY, CDS, CDNSKEY; 0 means 3600 */
	bool publish_cds;             /* CDS (SHA-256) and CDNSKEY for the key-signing keys */
	uint8_t denial;               /* enum sign_denial */
	struct sign_validity validity;
	unsigned nworkers;
	uint64_t generation;
	uint32_t now;                 /* for the RRSIGs made at build time */

	/*
	 * Multi-signer model 2 (MULTISIGNER.md 2): the other providers' DNSKEY,
	 * CDS and CDNSKEY RDATAs (RRsets of those types, dns/zone.h layout;
	 * NULL or count 0: none; copied into the table). They are merged into
	 * the table's RRsets beside ours, in canonical order with duplicates
	 * dropped, with TTL dnskey_ttl, and signed by our key-signing keys like
	 * our own records. CDS and CDNSKEY, ours and imported, are published
	 * only when publish_cds; each is published when it holds any record.
	 * An imported DNSKEY never signs anything.
	 */
	const struct dns_rrset *extra_dnskey, *extra_cds, *extra_cdnskey;
	/*
	 * Multi-signer model 1: the zone owner's signed DNSKEY RRset (and
	 * optionally CDS and CDNSKEY) with their RRSIGs, or NULL. When given,
	 * the table serves them verbatim (copied, with their own TTLs) in
	 * dnskey, dnskey_sig, cds, cds_sig, cdnskey, cdnskey_sig (CDS and
	 * CDNSKEY not given: none published; publish_cds and dnskey_ttl do not
	 * apply), and our keys sign zone data only: every published, active,
	 * unrevoked key is a zone-signing key, SEP flag or not, and no key of
	 * ours signs or is added to DNSKEY, CDS or CDNSKEY. The build checks
	 * only that the RRsets are well formed (sign_dnskeyset_wellformed);
	 * check the table with sign_dnskeyset_check(apex, signed_keys, t->zsk,
	 * t->nzsk, now, ...) before publishing it. Giving both signed_keys and
	 * any extra_* RRset is an error (-EINVAL): model 1 and 2 exclude each
	 * other.
	 */
	const struct sign_dnskeyset *signed_keys;
};

/* What a key signs, see the rules below. */
#define SIGN_ROLE_ZONE 0x1      /* the zone's RRsets */
#define SIGN_ROLE_KEYS 0x2      /* DNSKEY, CDS and CDNSKEY */

/*
 * The roles (SIGN_ROLE_* bits, 0 for none) of keys[i] among the n keys of a
 * zone whose states are states[] (NULL: SIGN_KEY_STATE_DEFAULT each), by
 * the rules of sign_keytable_build. A key with both roles is a CSK.
 */
unsigned sign_key_roles(const struct sign_key *const *keys, const unsigned *states, size_t n,
			size_t i);

/*
 * Which keys are in the table, from their states (sign/keystate.h):
 * - a key that is not SIGN_KEY_PUBLISHED is left out entirely;
 * - a published key is in the DNSKEY RRset; with SIGN_KEY_REVOKED (or the
 *   REVOKE flag in its key file) it is published with the REVOKE flag,
 *   under the key tag that flag gives (RFC 5011);
 * - the signing keys are the published keys that are SIGN_KEY_ACTIVE and
 *   not revoked; the roles are decided among them alone.
 * Roles (key files without timing metadata are active, as BIND treats them):
 * signing keys with the SEP flag (257) sign DNSKEY, CDS and CDNSKEY; signing
 * keys without it (256) sign everything else; when every signing key has
 * SEP, each is a CSK and also signs everything else; when no signing key
 * has SEP, the zone-signing keys also sign DNSKEY, CDS and CDNSKEY. A
 * revoked SEP key that is published signs the DNSKEY, CDS and CDNSKEY
 * RRsets too, whatever the other keys (RFC 5011 2.1: a revocation must be
 * self-signed), and nothing else; a revoked key without SEP signs nothing.
 * CDS (SHA-256) and CDNSKEY list the signing keys that sign DNSKEY and are
 * SIGN_KEY_SYNC, when publish_cds. DNSKEY, CDS and CDNSKEY RDATAs are in
 * canonical order, duplicates dropped. With signed_keys (model 1) the roles
 * differ, see there; sign_key_roles gives the roles without imports.
 * Returns 0, -EINVAL with err naming the reason (no key, no published key,
 * no signing key, more than SIGN_KEYTABLE_MAXZSK zone-signing keys, a key
 * without private part or for another zone, a malformed imported RRset,
 * imports of both models), -ENOMEM, -EIO.
 */
int sign_keytable_build(const struct sign_keytable_params *p, struct sign_keytable **out,
			char *err, size_t errlen);

/*
 * Whether a and b make the same RRSIGs for the same RRset at the same time:
 * same apex, validity policy, and zone-signing keys in the same order with
 * the same algorithm and DNSKEY RDATA (hence key tag and key material).
 */
bool sign_keytable_signs_alike(const struct sign_keytable *a, const struct sign_keytable *b);

/* Free a table and its signer contexts (control thread, after the grace period). */
void sign_keytable_free(struct sign_keytable *t);

#ifdef __cplusplus
}
#endif

#endif
