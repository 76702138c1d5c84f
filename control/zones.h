/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The configured zones and the version of each that is being served.
 *
 * Loading is two-step so that a reload can be abandoned without a trace:
 * ctl_zones_load puts a freshly loaded version aside as "pending";
 * ctl_zones_build makes a zone set from the pending versions where there are
 * any and the served ones elsewhere; ctl_zones_commit then makes the pending
 * versions the served ones, or ctl_zones_abort drops them.
 *
 * Threading: control thread only.
 */
#ifndef SIGEDGE_CTL_ZONES_H
#define SIGEDGE_CTL_ZONES_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "control/keys.h"
#include "control/opts.h"
#include "dataplane/core/worker.h"
#include "dns/name.h"

struct ctl_mszone;
struct dns_zone;
struct dns_zoneset;

struct ctl_zone {
	char *name;                     /* apex as configured; owned */
	char *file;                     /* zone file; owned */
	uint8_t apex[DNS_NAME_MAXLEN];  /* apex in wire form */
	struct dns_zone *served;        /* one reference; NULL until first committed */
	struct dns_zone *pending;       /* one reference; loaded, not yet committed */
	time_t loaded_at;               /* when served was committed */
	bool nsec;                      /* denial by NSEC rather than compact answers */
	uint32_t dnskey_ttl;            /* TTL of DNSKEY, CDS, CDNSKEY */
	struct ctl_mszone *ms;          /* multi-signer state (control/msigner.h); NULL for
					 * a single signer */
	struct ctl_keyset keys;         /* the keys the published key table was built from */
	struct dp_zone_slot slot;       /* the published key table (owned), NULL if unsigned;
	                                 * its address stays the same while the daemon runs */
};

struct ctl_zones {
	struct ctl_zone *v;
	size_t n;
};

/*
 * Copy the configured names, files and settings, and set up each zone's
 * slot with its signing budget for nworkers workers; nothing is loaded yet.
 * Returns 0, -EINVAL for an invalid name (the configuration parser has
 * already rejected those) or -ENOMEM.
 */
int ctl_zones_init(struct ctl_zones *zs, const struct ctl_zone_conf *conf, size_t n,
		   unsigned nworkers);

/*
 * Set up the multi-signer state of every zone of conf (as given to
 * ctl_zones_init) that has a model, with its store in statedir. Returns 0,
 * or a negative code with "zone NAME: reason" in err.
 */
int ctl_zones_msigner_init(struct ctl_zones *zs, const struct ctl_zone_conf *conf,
			   const char *statedir, char *err, size_t errlen);

/*
 * ctl_keytable_build (control/keys.h) for zone z from the keys ks over
 * zone, with what z's multi-signer state adds.
 */
int ctl_zone_keytable(const struct ctl_zone *z, struct ctl_keyset *ks,
		      const struct dns_zone *zone, unsigned nworkers, uint32_t now,
		      struct sign_keytable **out, char *err, size_t errlen);

/* Drop every reference and free, key tables too: only once no worker runs. */
void ctl_zones_free(struct ctl_zones *zs);

/* Index of the zone whose apex is name (presentation form, any case), or -1. */
long ctl_zones_find(const struct ctl_zones *zs, const char *name);

/*
 * Load zone i from its file into pending (replacing an older pending one).
 * Returns 0, or the negative code of dns_zone_load with "FILE:LINE: reason"
 * in err; the zone's served and pending versions are then unchanged.
 */
int ctl_zones_load(struct ctl_zones *zs, size_t i, char *err, size_t errlen);

/*
 * A new zone set of the pending version of each zone, else its served one
 * (zones with neither are left out). The caller owns it (dns_zoneset_free).
 * Returns NULL when out of memory.
 */
struct dns_zoneset *ctl_zones_build(const struct ctl_zones *zs);

/* Make every pending version the served one, stamped with now. */
void ctl_zones_commit(struct ctl_zones *zs, time_t now);

/* Drop every pending version. */
void ctl_zones_abort(struct ctl_zones *zs);

#endif
