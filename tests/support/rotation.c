/* SPDX-License-Identifier: BSD-3-Clause */
#include "tests/support/rotation.h"

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "dataplane/core/worker.h"
#include "dns/name.h"
#include "sign/key.h"
#include "sign/keytable.h"

void
support_rotation_init(struct support_rotation *r, const struct dns_zone *z, const char *name)
{
	r->zone = z;
	if (dns_name_from_str(name, r->apex, sizeof(r->apex)) < 0 ||
	    sign_key_generate(SIGN_ALG_ECDSAP256SHA256, SIGN_FLAGS_KSK, r->apex, &r->keys[0]) < 0 ||
	    sign_key_generate(SIGN_ALG_ECDSAP256SHA256, SIGN_FLAGS_ZSK, r->apex, &r->keys[1]) < 0 ||
	    sign_key_generate(SIGN_ALG_ED25519, SIGN_FLAGS_ZSK, r->apex, &r->keys[2]) < 0) {
		printf("Bail out! cannot generate keys for %s\n", name);
		exit(1);
	}
}

void
support_rotation_fini(struct support_rotation *r)
{
	for (unsigned i = 0; i < 3; i++)
		sign_key_free(r->keys[i]);
}

struct sign_keytable *
support_rotation_table(const struct support_rotation *r, uint64_t gen)
{
	static const unsigned sets[3][3] = { { 0, 1 }, { 0, 2 }, { 0, 1, 2 } };
	const struct sign_key *ks[3];
	unsigned which = (unsigned)(gen % 3), n = which == 2 ? 3 : 2;
	struct sign_keytable *t = NULL;
	char err[256];

	for (unsigned i = 0; i < n; i++)
		ks[i] = r->keys[sets[which][i]];
	struct sign_keytable_params p = {
		.apex = r->apex, .zone = r->zone, .keys = ks, .nkeys = n,
		.validity = SIGN_VALIDITY_DEFAULT, .nworkers = 1, .generation = gen,
		.now = (uint32_t)time(NULL),
	};
	if (sign_keytable_build(&p, &t, err, sizeof(err)) < 0) {
		printf("Bail out! sign_keytable_build: %s\n", err);
		exit(1);
	}
	return t;
}

void
support_rotation_swap(struct dp_runtime *rt, ck_epoch_record_t *ctl, struct dp_zone_slot *slot,
		      struct sign_keytable *t)
{
	/* Release: a worker's acquire load sees the table complete. */
	const struct sign_keytable *old = atomic_exchange_explicit(&slot->keys, t,
								   memory_order_acq_rel);
	/* Every epoch section that could still hold old has ended. */
	dp_epoch_synchronize(rt, ctl);
	sign_keytable_free((struct sign_keytable *)old);
}
