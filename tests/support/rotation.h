/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A rotation of key tables for the swap tests: a KSK (algorithm 13) with ZSK
 * A (13), ZSK B (15), or both, in turn, so that consecutive tables may have
 * no ZSK in common; published and reclaimed as the daemon's control thread
 * does. Failures print "Bail out!" and exit.
 */
#ifndef SIGEDGE_TESTS_ROTATION_H
#define SIGEDGE_TESTS_ROTATION_H

#include <stdint.h>

#include "ck_epoch.h"

struct dns_zone;
struct dp_runtime;
struct dp_zone_slot;
struct sign_key;
struct sign_keytable;

struct support_rotation {
	uint8_t apex[256];           /* the zone's name, wire form */
	const struct dns_zone *zone;
	struct sign_key *keys[3];    /* KSK, ZSK A, ZSK B */
};

/* Keys for zone z, whose apex is name (text). */
void support_rotation_init(struct support_rotation *r, const struct dns_zone *z, const char *name);
void support_rotation_fini(struct support_rotation *r);

/*
 * Table number gen, for one worker: {KSK, ZSK A} when gen mod 3 is 0,
 * {KSK, ZSK B} when 1, {KSK, ZSK A, ZSK B} when 2.
 */
struct sign_keytable *support_rotation_table(const struct support_rotation *r, uint64_t gen);

/*
 * Publish t in slot with a release store, wait until no epoch section can
 * hold the table it replaces (ctl: the caller's epoch record of rt), free
 * that one.
 */
void support_rotation_swap(struct dp_runtime *rt, ck_epoch_record_t *ctl,
			   struct dp_zone_slot *slot, struct sign_keytable *t);

#endif
