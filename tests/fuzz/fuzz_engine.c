/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target: arbitrary bytes as a query to the engine, over UDP and
 * over TCP, through the in-memory backend. Zones: the bundled example and
 * the test zones (delegations, wildcards, CNAME chains, a child zone), all
 * but one signed online, with both denial methods and two algorithms, so
 * queries with DO reach every signing path (a parent and its child both
 * signed, secure and insecure delegations).
 * Every reply must fit its buffer, echo the query ID, have QR set, and parse
 * as a DNS message (ldns is the judge); any violation aborts, which the
 * fuzzer reports as a crash with the input that caused it.
 */
#include <ldns/ldns.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dataplane/core/engine.h"
#include "dataplane/core/worker.h"
#include "dataplane/io/memory.h"
#include "dns/wire.h"
#include "dns/zone.h"
#include "sign/key.h"
#include "sign/keytable.h"
#include "tests/support/signed_zone.h"

#ifndef SIGEDGE_SRCDIR
#error "SIGEDGE_SRCDIR must name the source root"
#endif

static struct dp_view view;
static struct dp_mem *mem;

/* alg 0: served unsigned. */
static const struct {
	const char *origin, *path;
	uint8_t alg, denial;
} zones[] = {
	{ "example.com", "zones/example.com.zone", SIGN_ALG_ECDSAP256SHA256, SIGN_DENIAL_COMPACT },
	{ "sub.example.com", "tests/zones/sub.example.com.zone", SIGN_ALG_ED25519,
	  SIGN_DENIAL_NSEC },
	{ "example.org", "tests/zones/example.org.zone", SIGN_ALG_ECDSAP256SHA256,
	  SIGN_DENIAL_NSEC },
	{ "example.net", "tests/integration/zones/example.net.zone", 0, 0 },
};
#define NZONES (sizeof(zones) / sizeof(zones[0]))
static struct dp_zone_slot slot[NZONES];
static struct dp_zone_slot *slots[NZONES];

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct dns_zone *z[NZONES];
	const size_t n = NZONES;
	char path[4096], err[1024];

	(void)argc;
	(void)argv;
	for (size_t i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "%s/%s", SIGEDGE_SRCDIR, zones[i].path);
		if (dns_zone_load(zones[i].origin, path, &z[i], err, sizeof(err)) < 0) {
			fprintf(stderr, "fuzz_engine: %s\n", err);
			abort();
		}
	}
	view.zones = dns_zoneset_new(z, n);
	view.udp_max = 1232;
	view.slots = slots;
	if (!view.zones)
		abort();
	/* Slots are indexed like the set, whose order is its own. */
	for (size_t i = 0; i < n; i++) {
		const struct dns_zone *at = dns_zoneset_at(view.zones, i);
		slots[i] = &slot[i];
		for (size_t j = 0; j < n; j++)
			if (at == z[j] && zones[j].alg &&
			    support_sign_zone(&slot[i], at, zones[j].alg, zones[j].denial, 1) < 0)
				abort();
	}
	for (size_t i = 0; i < n; i++)
		dns_zone_unref(z[i]);
	mem = dp_mem_new(&view);
	if (!mem)
		abort();
	return 0;
}

static void
check_reply(const uint8_t *q, size_t qlen, const uint8_t *r, size_t rlen, size_t limit)
{
	ldns_pkt *pkt = NULL;

	if (rlen < DNS_HDR_LEN || rlen > limit || qlen < 2 || memcmp(q, r, 2) != 0 ||
	    !(r[2] & 0x80))
		abort();
	if (ldns_wire2pkt(&pkt, r, rlen) != LDNS_STATUS_OK)
		abort();
	ldns_pkt_free(pkt);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t out[DNS_MSG_MAX];
	size_t outlen;

	/* UDP: a 4 KiB buffer as the socket backend gives; the engine may use less. */
	if (dp_mem_answer(mem, data, size, out, 4096, &outlen, 0) == DP_SEND)
		check_reply(data, size, out, outlen, 4096);
	if (dp_mem_answer(mem, data, size, out, sizeof(out), &outlen, DP_Q_TCP) == DP_SEND)
		check_reply(data, size, out, outlen, sizeof(out));
	return 0;
}
