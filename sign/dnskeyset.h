/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Signed key RRsets imported for multi-signer model 1 (MULTISIGNER.md 2):
 * the zone owner builds one DNSKEY RRset (its KSK and every provider's ZSK),
 * signs it with its KSK, and hands it, and optionally signed CDS and CDNSKEY
 * RRsets, to every provider, which serves them verbatim (sign_keytable_build
 * with signed_keys, sign/keytable.h) and signs everything else with its own
 * zone-signing keys.
 *
 * Before such a set is used, sign_dnskeyset_check makes sure it will
 * validate with our signatures: our zone-signing keys are in it and its
 * RRSIGs verify now.
 *
 * Threading: plain functions over caller-owned data; the control thread
 * calls them. They allocate (keys and scratch for verifying).
 */
#ifndef SIGEDGE_SIGN_DNSKEYSET_H
#define SIGEDGE_SIGN_DNSKEYSET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dns/zone.h"
#include "sign/key.h"

#ifdef __cplusplus
extern "C" {
#endif

/*
 * The imported RRsets (dns/zone.h layout: count x { u16 RDLENGTH, RDATA },
 * type set), each with its RRSIG RRset (type DNS_T_RRSIG). The DNSKEY
 * RRset and its RRSIGs are required; CDS and CDNSKEY are optional (NULL or
 * count 0: none), and a CDS or CDNSKEY RRset that is given needs its RRSIGs.
 * Nothing is owned: the caller keeps the RRsets alive while it uses the
 * struct (a key table copies them).
 */
struct sign_dnskeyset {
	const struct dns_rrset *dnskey, *dnskey_sig;
	const struct dns_rrset *cds, *cds_sig;
	const struct dns_rrset *cdnskey, *cdnskey_sig;
};

/*
 * 0 if rs has type `type` and its count RDATAs fill exactly rdlen octets,
 * each long enough for its type (DNSKEY, CDNSKEY, CDS: 4 octets; RRSIG:
 * its fixed fields and a signer name), else -EINVAL.
 */
int sign_rrset_wellformed(const struct dns_rrset *rs, uint16_t type);

/*
 * 0 if the RRsets of s are well formed (sign_rrset_wellformed), the
 * DNSKEY RRset is not empty and every RRset given has RRSIGs; else -EINVAL
 * with err naming the RRset and the reason.
 */
int sign_dnskeyset_wellformed(const struct sign_dnskeyset *s, char *err, size_t errlen);

/*
 * Whether the signed RRsets s may be served at apex (wire name) beside
 * answers signed by zsk[0..nzsk) (the keys that will sign zone data: the
 * zone-signing keys of a key table built with s, t->zsk and t->nzsk, so a
 * table can be built, checked, and published only when this passes):
 * - s is well formed (sign_dnskeyset_wellformed);
 * - the DNSKEY RDATA of each zsk[i] is in the DNSKEY RRset;
 * - at least one RRSIG over the DNSKEY RRset verifies (sign_rrsig_verify,
 *   owner apex) with a key of that RRset that has the ZONE flag and not
 *   the REVOKE flag (the SEP flag is a hint that validators ignore, RFC
 *   4034 2.1.1, so it is not required), and now lies within its inception
 *   and expiration (serial arithmetic, RFC 4034 3.1.5);
 * - the same for the CDS and CDNSKEY RRsets when given, each signed by such
 *   a key of the DNSKEY RRset.
 * Keys of the set with an algorithm sigedge does not support are skipped.
 * Returns 0, -EINVAL with a one-line reason in err ("our ZSK 12345
 * (algorithm 13) is missing from DNSKEY", "DNSKEY: no RRSIG verifies with a
 * key of the set", "CDS: RRSIG expired", ...), or -ENOMEM.
 */
int sign_dnskeyset_check(const uint8_t *apex, const struct sign_dnskeyset *s,
			 const struct sign_key *const *zsk, size_t nzsk, uint32_t now, char *err,
			 size_t errlen);

#ifdef __cplusplus
}
#endif

#endif
