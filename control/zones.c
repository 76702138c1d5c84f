/* SPDX-License-Identifier: BSD-3-Clause */
#include "control/zones.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <stdio.h>

#include "control/msigner.h"
#include "dns/zone.h"
#include "sign/keytable.h"

int
ctl_zones_init(struct ctl_zones *zs, const struct ctl_zone_conf *conf, size_t n,
	       unsigned nworkers)
{
	memset(zs, 0, sizeof(*zs));
	if (n == 0)
		return 0;
	zs->v = calloc(n, sizeof(*zs->v));
	if (!zs->v)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		struct ctl_zone *z = &zs->v[zs->n++];
		z->name = strdup(conf[i].name);
		z->file = strdup(conf[i].file);
		z->nsec = conf[i].nsec;
		z->dnskey_ttl = conf[i].dnskey_ttl;
		if (!z->name || !z->file ||
		    dp_zone_slot_init(&z->slot, (uint32_t)conf[i].sign_rate, nworkers) < 0) {
			ctl_zones_free(zs);
			return -ENOMEM;
		}
		if (dns_name_from_str(z->name, z->apex, sizeof(z->apex)) <= 0) {
			ctl_zones_free(zs);
			return -EINVAL;
		}
	}
	return 0;
}

void
ctl_zones_free(struct ctl_zones *zs)
{
	for (size_t i = 0; i < zs->n; i++) {
		struct ctl_zone *z = &zs->v[i];
		if (z->served)
			dns_zone_unref(z->served);
		if (z->pending)
			dns_zone_unref(z->pending);
		/* Relaxed: the workers are gone, nothing else reads the slot. */
		sign_keytable_free((struct sign_keytable *)atomic_load_explicit(
			&z->slot.keys, memory_order_relaxed));
		dp_zone_slot_fini(&z->slot);
		ctl_keyset_free(&z->keys);
		ctl_mszone_free(z->ms);
		free(z->name);
		free(z->file);
	}
	free(zs->v);
	memset(zs, 0, sizeof(*zs));
}

int
ctl_zones_msigner_init(struct ctl_zones *zs, const struct ctl_zone_conf *conf,
		       const char *statedir, char *err, size_t errlen)
{
	for (size_t i = 0; i < zs->n; i++) {
		char why[1024];
		if (!conf[i].ms.model)
			continue;
		int rc = ctl_mszone_new(&conf[i], statedir, zs->v[i].apex, &zs->v[i].ms, why,
					sizeof(why));
		if (rc != 0) {
			snprintf(err, errlen, "zone %s: %s", zs->v[i].name, why);
			return rc;
		}
	}
	return 0;
}

int
ctl_zone_keytable(const struct ctl_zone *z, struct ctl_keyset *ks, const struct dns_zone *zone,
		  unsigned nworkers, uint32_t now, struct sign_keytable **out, char *err,
		  size_t errlen)
{
	struct ctl_keyextra x;
	ctl_mszone_keyextra(z->ms, z->dnskey_ttl, zone ? dns_zone_max_ttl(zone) : 0, &x);
	/* Relaxed: the control thread is the only writer of the slot. */
	x.current = atomic_load_explicit(&z->slot.keys, memory_order_relaxed);
	return ctl_keytable_build(ks, z->apex, zone, z->nsec, nworkers, now, &x, out, err,
				  errlen);
}

long
ctl_zones_find(const struct ctl_zones *zs, const char *name)
{
	uint8_t wire[DNS_NAME_MAXLEN];
	if (dns_name_from_str(name, wire, sizeof(wire)) <= 0)
		return -1;
	for (size_t i = 0; i < zs->n; i++) {
		if (dns_name_equal(zs->v[i].apex, wire))
			return (long)i;
	}
	return -1;
}

int
ctl_zones_load(struct ctl_zones *zs, size_t i, char *err, size_t errlen)
{
	struct ctl_zone *z = &zs->v[i];
	struct dns_zone *fresh;
	int rc = dns_zone_load(z->name, z->file, &fresh, err, errlen);
	if (rc)
		return rc;
	if (z->pending)
		dns_zone_unref(z->pending);
	z->pending = fresh;
	return 0;
}

struct dns_zoneset *
ctl_zones_build(const struct ctl_zones *zs)
{
	struct dns_zone **list = malloc((zs->n ? zs->n : 1) * sizeof(*list));
	if (!list)
		return NULL;
	size_t n = 0;
	for (size_t i = 0; i < zs->n; i++) {
		struct dns_zone *z = zs->v[i].pending ? zs->v[i].pending : zs->v[i].served;
		if (z)
			list[n++] = z;
	}
	struct dns_zoneset *set = dns_zoneset_new(list, n);
	free(list);
	return set;
}

void
ctl_zones_commit(struct ctl_zones *zs, time_t now)
{
	for (size_t i = 0; i < zs->n; i++) {
		struct ctl_zone *z = &zs->v[i];
		if (!z->pending)
			continue;
		/* The published zone set holds its own reference to the old version. */
		if (z->served)
			dns_zone_unref(z->served);
		z->served = z->pending;
		z->pending = NULL;
		z->loaded_at = now;
	}
}

void
ctl_zones_abort(struct ctl_zones *zs)
{
	for (size_t i = 0; i < zs->n; i++) {
		if (zs->v[i].pending) {
			dns_zone_unref(zs->v[i].pending);
			zs->v[i].pending = NULL;
		}
	}
}
