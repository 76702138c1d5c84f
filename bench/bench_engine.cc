// SPDX-License-Identifier: BSD-3-Clause
//
// Query engine cost per answer, one thread, no I/O: the function every
// backend calls. Run: build/bench/bench_engine [--benchmark_repetitions=5]
#include <benchmark/benchmark.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "bench/signed_view.h"
#include "dataplane/io/memory.h"
extern "C" {
#include "dataplane/core/engine.h"
#include "dns/err.h"
#include "dns/name.h"
#include "dns/wire.h"
#include "dns/zone.h"
#include "sign/key.h"
#include "sign/keytable.h"
}

namespace {

struct fixture {
	struct dp_view view;
	struct dp_mem *mem;

	fixture()
	{
		char err[512];
		struct dns_zone *z = nullptr;
		int rc = dns_zone_load("example.com", SIGEDGE_SRCDIR "/zones/example.com.zone", &z,
				       err, sizeof(err));
		if (rc < 0) {
			std::fprintf(stderr, "bench_engine: %s\n", err);
			std::exit(1);
		}
		view.zones = dns_zoneset_new(&z, 1);
		view.udp_max = 1232;
		dns_zone_unref(z);
		mem = dp_mem_new(&view);
		if (!view.zones || !mem)
			std::abort();
	}
};

fixture &
fx()
{
	static fixture f;
	return f;
}

// A query for name/type, with EDNS (1232; DO as given, clear by default) as resolvers send today.
std::vector<uint8_t>
make_query(const char *name, uint16_t type, bool dnssec_ok = false)
{
	std::vector<uint8_t> q(DNS_HDR_LEN, 0);
	q[1] = 0x2a;
	q[5] = 1;  // QDCOUNT
	q[11] = 1; // ARCOUNT
	uint8_t wire[DNS_NAME_MAXLEN];
	int n = dns_name_from_str(name, wire, sizeof(wire));
	if (n < 0)
		std::abort();
	q.insert(q.end(), wire, wire + n);
	const uint8_t tail[] = {uint8_t(type >> 8), uint8_t(type), 0, 1,
				0, 0, 41, 0x04, 0xd0, 0, 0, uint8_t(dnssec_ok ? 0x80 : 0), 0, 0, 0};
	q.insert(q.end(), tail, tail + sizeof(tail));
	return q;
}

void
run(benchmark::State &state, const char *name, uint16_t type, uint8_t want_rcode)
{
	fixture &f = fx();
	std::vector<uint8_t> q = make_query(name, type);
	uint8_t out[4096];
	size_t outlen = 0;
	for (auto _ : state) {
		int verdict = dp_mem_answer(f.mem, q.data(), q.size(), out, sizeof(out), &outlen, 0);
		benchmark::DoNotOptimize(verdict);
		benchmark::DoNotOptimize(out);
	}
	if (DNS_RCODE(dns_get16(out + 2)) != want_rcode)
		state.SkipWithError("unexpected rcode");
	state.SetItemsProcessed(state.iterations());
}

void BM_positive(benchmark::State &s) { run(s, "www.example.com", 1, DNS_R_NOERROR); }
void BM_positive_mixed_case(benchmark::State &s) { run(s, "WwW.ExAmPlE.cOm", 1, DNS_R_NOERROR); }
void BM_nxdomain(benchmark::State &s) { run(s, "no-such-name.example.com", 1, DNS_R_NXDOMAIN); }
void BM_nodata(benchmark::State &s) { run(s, "www.example.com", 15, DNS_R_NOERROR); }
void BM_referral(benchmark::State &s) { run(s, "host.sub.example.com", 1, DNS_R_NOERROR); }
void BM_wildcard(benchmark::State &s) { run(s, "anything.wild.example.com", 1, DNS_R_NOERROR); }
void BM_refused(benchmark::State &s) { run(s, "www.example.org", 1, DNS_R_REFUSED); }

// Signed zone (ECDSA P-256, compact denial) through its own in-memory driver.
dp_mem *
signed_mem()
{
	static dp_mem *m = [] {
		const dp_view *v = bench_signed_view("example.com", SIGEDGE_SRCDIR "/zones/example.com.zone",
						     SIGN_ALG_ECDSAP256SHA256, SIGN_DENIAL_COMPACT);
		dp_mem *d = v ? dp_mem_new(v) : nullptr;
		if (!d)
			std::abort();
		return d;
	}();
	return m;
}

// DO=1 positive answer: the RRSIG comes from the signature cache after the first query.
void
BM_signed_positive(benchmark::State &state)
{
	dp_mem *m = signed_mem();
	std::vector<uint8_t> q = make_query("www.example.com", 1, true);
	uint8_t out[4096];
	size_t outlen = 0;
	for (auto _ : state) {
		int verdict = dp_mem_answer(m, q.data(), q.size(), out, sizeof(out), &outlen, 0);
		benchmark::DoNotOptimize(verdict);
		benchmark::DoNotOptimize(out);
	}
	if (dns_get16(out + 8) != 0 || dns_get16(out + 6) != 3)
		state.SkipWithError("expected the two A RRs and their RRSIG");
	state.SetItemsProcessed(state.iterations());
}

// DO=1 for a new name each time: one NSEC signed per answer (the SOA's RRSIG is cached).
void
BM_signed_nxdomain_unique(benchmark::State &state)
{
	dp_mem *m = signed_mem();
	std::vector<uint8_t> q = make_query("xxxxxxxxxxxx.example.com", 1, true);
	uint8_t out[4096];
	size_t outlen = 0;
	uint64_t n = 0;
	for (auto _ : state) {
		// The first label: 12 hex digits of a counter, at offset 13 of the query.
		uint64_t v = n++;
		for (int i = 11; i >= 0; i--, v >>= 4)
			q[13 + i] = "0123456789abcdef"[v & 0xf];
		int verdict = dp_mem_answer(m, q.data(), q.size(), out, sizeof(out), &outlen, 0);
		benchmark::DoNotOptimize(verdict);
		benchmark::DoNotOptimize(out);
	}
	if (DNS_RCODE(dns_get16(out + 2)) != DNS_R_NOERROR || dns_get16(out + 8) != 4)
		state.SkipWithError("expected SOA, NSEC and their RRSIGs");
	state.SetItemsProcessed(state.iterations());
}

} // namespace

BENCHMARK(BM_positive);
BENCHMARK(BM_positive_mixed_case);
BENCHMARK(BM_nxdomain);
BENCHMARK(BM_nodata);
BENCHMARK(BM_referral);
BENCHMARK(BM_wildcard);
BENCHMARK(BM_refused);
BENCHMARK(BM_signed_positive);
BENCHMARK(BM_signed_nxdomain_unique);

BENCHMARK_MAIN();
