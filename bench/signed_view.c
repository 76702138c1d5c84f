/* SPDX-License-Identifier: BSD-3-Clause */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "bench/signed_view.h"
#include "dataplane/core/engine.h"
#include "dataplane/core/worker.h"
#include "dns/zone.h"
#include "sign/keytable.h"

const struct dp_view *
bench_signed_view(const char *origin, const char *path, uint8_t alg, uint8_t denial)
{
	static uint64_t generation;
	char err[512];
	struct dns_zone *z = NULL;
	struct sign_key *keys[2] = { NULL, NULL };
	struct sign_keytable *t = NULL;
	struct dp_zone_slot *slot = calloc(1, sizeof(*slot));
	struct dp_zone_slot **slots = calloc(1, sizeof(*slots));
	struct dp_view *v = calloc(1, sizeof(*v));

	if (!slot || !slots || !v) {
		fprintf(stderr, "bench_signed_view: out of memory\n");
		return NULL;
	}
	if (dns_zone_load(origin, path, &z, err, sizeof(err)) < 0) {
		fprintf(stderr, "bench_signed_view: %s\n", err);
		return NULL;
	}
	const uint8_t *apex = dns_zone_name(z);
	if (sign_key_generate(alg, SIGN_FLAGS_KSK, apex, &keys[0]) < 0 ||
	    sign_key_generate(alg, SIGN_FLAGS_ZSK, apex, &keys[1]) < 0) {
		fprintf(stderr, "bench_signed_view: cannot generate keys\n");
		return NULL;
	}
	struct sign_keytable_params p = {
		.apex = apex, .zone = z, .keys = (const struct sign_key *const *)keys, .nkeys = 2,
		.denial = denial, .validity = SIGN_VALIDITY_DEFAULT, .nworkers = 1,
		.generation = ++generation, .now = (uint32_t)time(NULL),
	};
	if (sign_keytable_build(&p, &t, err, sizeof(err)) < 0) {
		fprintf(stderr, "bench_signed_view: %s\n", err);
		return NULL;
	}
	atomic_init(&slot->keys, t);
	slots[0] = slot;
	v->zones = dns_zoneset_new(&z, 1);
	v->slots = slots;
	v->udp_max = 1232;
	dns_zone_unref(z);
	return v->zones ? v : NULL;
}
