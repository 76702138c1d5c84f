/* SPDX-License-Identifier: BSD-3-Clause */
#include <stdio.h>
#include <stdlib.h>

#include "bench/signed_view.h"
#include "dataplane/core/engine.h"
#include "dataplane/core/worker.h"
#include "dns/zone.h"
#include "tests/support/signed_zone.h"

const struct dp_view *
bench_signed_view(const char *origin, const char *path, uint8_t alg, uint8_t denial)
{
	char err[512];
	struct dns_zone *z = NULL;
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
	if (support_sign_zone(slot, z, alg, denial, 1) < 0)
		return NULL;
	slots[0] = slot;
	v->zones = dns_zoneset_new(&z, 1);
	v->slots = slots;
	v->udp_max = 1232;
	dns_zone_unref(z);
	return v->zones ? v : NULL;
}
