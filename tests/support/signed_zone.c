/* SPDX-License-Identifier: BSD-3-Clause */
#include "tests/support/signed_zone.h"

#include <stdio.h>
#include <time.h>

#include "dataplane/core/worker.h"
#include "dns/zone.h"
#include "sign/keytable.h"

/* Every key made, reachable for the process's life (a key table does not own its keys). */
static struct sign_key *keys[64];
static size_t nkeys;

int
support_sign_zone(struct dp_zone_slot *slot, const struct dns_zone *z, uint8_t alg,
		  uint8_t denial, unsigned nworkers)
{
	static uint64_t generation;
	const uint8_t *apex = dns_zone_name(z);
	struct sign_keytable *t = NULL;
	char err[512];

	if (nkeys + 2 > sizeof(keys) / sizeof(keys[0]) ||
	    sign_key_generate(alg, SIGN_FLAGS_KSK, apex, &keys[nkeys]) < 0 ||
	    sign_key_generate(alg, SIGN_FLAGS_ZSK, apex, &keys[nkeys + 1]) < 0) {
		fprintf(stderr, "support_sign_zone: cannot generate keys\n");
		return -1;
	}
	struct sign_keytable_params p = {
		.apex = apex, .zone = z, .keys = (const struct sign_key *const *)&keys[nkeys],
		.nkeys = 2, .denial = denial, .validity = SIGN_VALIDITY_DEFAULT,
		.nworkers = nworkers, .generation = ++generation, .now = (uint32_t)time(NULL),
	};
	nkeys += 2;
	if (sign_keytable_build(&p, &t, err, sizeof(err)) < 0) {
		fprintf(stderr, "support_sign_zone: %s\n", err);
		return -1;
	}
	atomic_store_explicit(&slot->keys, t, memory_order_relaxed);
	return 0;
}
