/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * RRSIG verification with ldns for tests that check signed answers as a
 * validator would. Header only, for test programs that link ldns.
 */
#ifndef SIGEDGE_TESTS_LDNS_VERIFY_H
#define SIGEDGE_TESTS_LDNS_VERIFY_H

#include <ldns/ldns.h>

/*
 * Verify sig, an RRSIG of section s (a message section as ldns parsed it),
 * over the RRs of s with its owner and covered type, against keys (DNSKEY
 * RRs). Returns LDNS_STATUS_OK when one of keys verifies it.
 */
static inline ldns_status
support_verify_rrsig(const ldns_rr_list *s, const ldns_rr *sig, const ldns_rr_list *keys)
{
	ldns_rr_type covered = ldns_rdf2rr_type(ldns_rr_rrsig_typecovered(sig));
	ldns_rr_list *set = ldns_rr_list_new(), *good = ldns_rr_list_new();
	ldns_status st = LDNS_STATUS_MEM_ERR;

	if (set && good) {
		for (size_t j = 0; j < ldns_rr_list_rr_count(s); j++) {
			ldns_rr *rr = ldns_rr_list_rr(s, j);
			if (ldns_rr_get_type(rr) == covered &&
			    ldns_dname_compare(ldns_rr_owner(rr), ldns_rr_owner(sig)) == 0)
				ldns_rr_list_push_rr(set, rr);
		}
		st = ldns_verify_rrsig_keylist(set, (ldns_rr *)sig, keys, good);
	}
	ldns_rr_list_free(set);
	ldns_rr_list_free(good);
	return st;
}

#endif
