/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Signing a zone for the query engine without the daemon, for fuzz targets
 * and benchmarks. Plain C that C++ can include.
 */
#ifndef SIGEDGE_TESTS_SIGNED_ZONE_H
#define SIGEDGE_TESTS_SIGNED_ZONE_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

struct dns_zone;
struct dp_zone_slot;

/*
 * Generate a key-signing and a zone-signing key of alg (enum sign_alg) for
 * zone z, build a key table with denial (enum sign_denial) for workers
 * 0 .. nworkers - 1 and store it in slot, which must have no table yet.
 * The keys and the table live until the process ends. Call before any
 * worker runs. Returns 0, or -1 after printing the reason to stderr.
 */
int support_sign_zone(struct dp_zone_slot *slot, const struct dns_zone *z, uint8_t alg,
		      uint8_t denial, unsigned nworkers);

#ifdef __cplusplus
}
#endif

#endif
