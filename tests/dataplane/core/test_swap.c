/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Key-table swaps under load: a worker thread answers DO queries for a
 * signed zone while this thread publishes a new key table 10,000 times
 * (zone-signing keys added and removed), waiting for an epoch grace period
 * before freeing each old table, as the control thread does.
 *
 * The worker reads the zone's table before and after each query, inside
 * its epoch section; when both reads give the same table, that table
 * signed the answer. Every answer must carry a complete A RRset signed by
 * exactly the zone-signing keys of that table, each RRSIG made by a key
 * whose DNSKEY is in that table's DNSKEY RRset, and each verifying. An
 * answer made while a swap happened must verify against one of the two
 * tables. Every table's DNSKEY RRset must verify against its KSK.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dataplane/core/engine.h"
#include "dataplane/core/worker.h"
#include "dns/name.h"
#include "dns/rdata.h"
#include "dns/wire.h"
#include "dns/zone.h"
#include "sign/key.h"
#include "sign/keytable.h"
#include "sign/rrsig.h"
#include "tests/support/rotation.h"
#include "tests/tap.h"

#define SWAPS 10000

static struct dp_runtime rt;
static struct dp_worker w;
static struct dp_zone_slot slot;
static struct dp_zone_slot *slots[1] = { &slot };
static struct dp_view view;
static struct support_rotation rot; /* KSK (13), ZSK (13), ZSK (15) */
static const uint8_t owner[] = "\003www\006engine\007example";

static unsigned long answers, stable, sigs, bad, dnskey_bad;

static const struct sign_key *
key_by_tag(uint16_t tag)
{
	for (unsigned i = 0; i < 3; i++)
		if (sign_key_tag(rot.keys[i]) == tag)
			return rot.keys[i];
	return NULL;
}

/* Whether t's DNSKEY RRset holds k's DNSKEY RDATA and t signs the zone with k. */
static bool
signs_with(const struct sign_keytable *t, const struct sign_key *k)
{
	size_t klen;
	const uint8_t *kd = sign_key_dnskey(k, &klen);
	bool zsk = false, published = false;

	for (unsigned i = 0; i < t->nzsk; i++)
		zsk |= t->zsk[i] == k;
	for (size_t pos = 0; pos + 2 <= t->dnskey.rdlen;) {
		uint16_t l = dns_get16(t->dnskey.rdata + pos);
		published |= l == klen && memcmp(t->dnskey.rdata + pos + 2, kd, l) == 0;
		pos += 2u + l;
	}
	return zsk && published;
}

/*
 * Check one reply to "www.engine.example A" with DO: header, the question
 * (qlen octets after the header, as sent), then answer RRs whose owners are
 * pointers to the question (2 octets). The A RDATAs are collected in the
 * dns_rrset layout and every RRSIG is verified over them.
 */
static void
check(const uint8_t *r, size_t len, size_t qlen, const struct sign_keytable *t0,
      const struct sign_keytable *t1)
{
	static uint8_t scratch[4096];
	uint8_t rdata[512];
	const uint8_t *sig[4];
	uint16_t siglen[4];
	size_t pos = DNS_HDR_LEN + qlen, rdlen = 0;
	unsigned an = dns_get16(r + 6), na = 0, ns = 0;
	uint32_t ttl = 0;

	answers++;
	if (DNS_RCODE(dns_get16(r + 2)) != DNS_R_NOERROR || an < 2) {
		bad++;
		return;
	}
	for (unsigned i = 0; i < an; i++) {
		if (pos + 12 > len) {
			bad++;
			return;
		}
		uint16_t type = dns_get16(r + pos + 2), l = dns_get16(r + pos + 10);
		const uint8_t *rd = r + pos + 12;
		if (pos + 12 + l > len) {
			bad++;
			return;
		}
		if (type == DNS_T_A && rdlen + 2 + l <= sizeof(rdata)) {
			ttl = dns_get32(r + pos + 6);
			dns_put16(rdata + rdlen, l);
			memcpy(rdata + rdlen + 2, rd, l);
			rdlen += 2u + l;
			na++;
		} else if (type == DNS_T_RRSIG && ns < 4) {
			sig[ns] = rd;
			siglen[ns++] = l;
		}
		pos += 12u + l;
	}
	struct sign_rrset_ref ref = { owner, sizeof(owner), DNS_T_A, (uint16_t)na, ttl,
				      (uint32_t)rdlen, rdata };
	/* Signed by exactly the table's zone-signing keys when no swap intervened. */
	if (na != 1 || ns == 0 || (t0 == t1 && ns != t0->nzsk)) {
		bad++;
		return;
	}
	stable += t0 == t1;
	for (unsigned i = 0; i < ns; i++) {
		const struct sign_key *k = siglen[i] >= 18 ? key_by_tag(dns_get16(sig[i] + 16)) : NULL;
		sigs++;
		if (!k || !(signs_with(t0, k) || signs_with(t1, k)) ||
		    sign_rrsig_verify(k, &ref, sig[i], siglen[i], scratch, sizeof(scratch)) != 0)
			bad++;
	}
}

static void *
worker(void *arg)
{
	uint8_t q[128], r[4096];
	size_t qlen = DNS_HDR_LEN, rlen;

	(void)arg;
	memset(q, 0, DNS_HDR_LEN);
	dns_put16(q + 4, 1);
	dns_put16(q + 10, 1);
	memcpy(q + qlen, owner, sizeof(owner));
	qlen += sizeof(owner);
	dns_put16(q + qlen, DNS_T_A);
	dns_put16(q + qlen + 2, DNS_C_IN);
	qlen += 4;
	memset(q + qlen, 0, 11);
	dns_put16(q + qlen + 1, DNS_T_OPT);
	dns_put16(q + qlen + 3, 1232);
	dns_put16(q + qlen + 7, DNS_EDNS_DO);
	while (!atomic_load_explicit(&rt.stop, memory_order_relaxed)) {
		const struct dp_view *v = dp_view_enter(&w);
		/* No table read in the section can be freed before it ends. */
		const struct sign_keytable *t0 =
			atomic_load_explicit(&slot.keys, memory_order_acquire);
		int verdict = dp_query_answer(v, &w, q, qlen + 11, r, sizeof(r), &rlen, 0);
		const struct sign_keytable *t1 =
			atomic_load_explicit(&slot.keys, memory_order_acquire);
		if (verdict != DP_SEND)
			bad++;
		else
			check(r, rlen, qlen - DNS_HDR_LEN, t0, t1);
		dp_view_leave(&w);
	}
	return NULL;
}

static struct sign_keytable *
table(uint64_t gen)
{
	struct sign_keytable *t = support_rotation_table(&rot, gen);
	/* The DNSKEY RRset the answers are checked against is itself signed by the KSK. */
	static uint8_t scratch[4096];
	struct sign_rrset_ref ref = sign_rrset_ref_of(rot.apex, t->apex_len, &t->dnskey);
	if (t->dnskey_sig.count != 1 ||
	    sign_rrsig_verify(rot.keys[0], &ref, t->dnskey_sig.rdata + 2,
			      dns_get16(t->dnskey_sig.rdata), scratch, sizeof(scratch)) != 0)
		dnskey_bad++;
	return t;
}

int
main(void)
{
	const char *src = getenv("SIGEDGE_SRCDIR");
	char path[1024], err[512];
	struct dns_zone *z = NULL;
	pthread_t th;

	snprintf(path, sizeof(path), "%s/tests/dataplane/core/engine-test.zone", src ? src : ".");
	if (dns_zone_load("engine.example", path, &z, err, sizeof(err)) < 0) {
		printf("Bail out! %s\n", err);
		return 1;
	}
	support_rotation_init(&rot, z, "engine.example");
	struct dns_zoneset *zs = dns_zoneset_new(&z, 1);
	dp_runtime_init(&rt);
	ck_epoch_record_t *ctl = dp_epoch_record_get(&rt);
	if (!zs || !ctl || dp_worker_init(&w, &rt, 0) < 0) {
		printf("Bail out! setup failed\n");
		return 1;
	}
	atomic_init(&slot.keys, table(1));
	view = (struct dp_view){ .zones = zs, .slots = slots, .udp_max = 1232 };
	atomic_store_explicit(&rt.view, &view, memory_order_release);
	if (pthread_create(&th, NULL, worker, NULL) != 0) {
		printf("Bail out! pthread_create failed\n");
		return 1;
	}
	for (uint64_t gen = 2; gen <= SWAPS + 1; gen++) {
		support_rotation_swap(&rt, ctl, &slot, table(gen));
	}
	atomic_store(&rt.stop, true);
	pthread_join(th, NULL);

	ok(answers > 0 && stable > 0,
	   "the worker answered during %d swaps (%lu answers, %lu under one table, %lu RRSIGs)",
	   SWAPS, answers, stable, sigs);
	is_int(bad, 0, "every answer complete, signed by its table's keys, every RRSIG verified");
	is_int(dnskey_bad, 0, "every table's DNSKEY RRset verified against the KSK");
	ok(dp_counter_get(&w, DP_CNT_SIG_MISS) > 0, "signatures made after swaps");

	sign_keytable_free((struct sign_keytable *)atomic_load(&slot.keys));
	dp_epoch_record_put(ctl);
	dp_worker_fini(&w);
	dp_runtime_fini(&rt);
	dns_zoneset_free(zs);
	dns_zone_unref(z);
	support_rotation_fini(&rot);
	return tap_done();
}
