// SPDX-License-Identifier: BSD-3-Clause
//
// Signature cache cost per operation, one thread: a lookup that hits, one
// that misses, an insert (evicting in steady state), and the content hash
// of a small RRset. The argument of the lookup benchmarks is the number of
// distinct keys cycled through: 1024 stay in the CPU caches, 32768 spread
// over a 65536-entry cache (16.5 MiB) and mostly miss them.
// Run: build/bench/bench_sigcache [--benchmark_repetitions=5]
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <vector>

extern "C" {
#include "sign/sigcache.h"
}

namespace {

constexpr size_t ENTRIES = 65536;
constexpr size_t RRSIG_LEN = 18 + 13 + 64; // ECDSA P-256, signer example.com.

struct keyset {
	std::vector<uint8_t> owners; // 32 octets per key
	std::vector<sign_cache_key> keys;

	// n keys under example.com, in a random order; generation tells sets
	// apart. The owners lie in the order the keys are used, as a query name
	// in the packet being answered is at hand when its key is looked up.
	keyset(size_t n, uint64_t generation) : owners(n * 32), keys(n)
	{
		std::vector<size_t> order(n);
		for (size_t i = 0; i < n; i++)
			order[i] = i;
		std::shuffle(order.begin(), order.end(), std::mt19937_64(generation));
		for (size_t i = 0; i < n; i++) {
			uint8_t *o = &owners[i * 32];
			int len = std::snprintf(reinterpret_cast<char *>(o), 32,
						"\x07h%06zu\x07" "example\x03" "com", order[i]);
			sign_cache_key &k = keys[i];
			k.zone = 1;
			k.generation = generation;
			k.content_hash = 0x9e3779b97f4a7c15ull * (order[i] + 1);
			k.inception = 1700000000u;
			k.type = 1;
			k.key_tag = 4711;
			k.alg = 13;
			k.owner_len = static_cast<uint8_t>(len + 1);
			k.owner = o;
		}
	}
};

sign_cache *
make_cache()
{
	sign_cache *c = nullptr;
	if (sign_cache_create(ENTRIES, SIGN_CACHE_SLOT_ECDSA, &c) != 0)
		std::abort();
	return c;
}

void
report(benchmark::State &state, const sign_cache *c)
{
	sign_cache_stats st;
	sign_cache_stats_get(c, &st);
	state.counters["hit%"] = st.hits + st.misses ? 100.0 * st.hits / (st.hits + st.misses) : 0;
}

void
BM_lookup_hit(benchmark::State &state)
{
	size_t n = static_cast<size_t>(state.range(0));
	sign_cache *c = make_cache();
	keyset ks(n, 1);
	uint8_t sig[RRSIG_LEN] = {};
	for (const sign_cache_key &k : ks.keys)
		sign_cache_insert(c, &k, sig, sizeof(sig));
	size_t i = 0;
	for (auto _ : state) {
		const uint8_t *p;
		size_t len;
		benchmark::DoNotOptimize(sign_cache_lookup(c, &ks.keys[i], &p, &len));
		benchmark::DoNotOptimize(p);
		i = (i + 1) & (n - 1);
	}
	report(state, c);
	sign_cache_free(c);
}
BENCHMARK(BM_lookup_hit)->Arg(1024)->Arg(32768);

void
BM_lookup_miss(benchmark::State &state)
{
	size_t n = static_cast<size_t>(state.range(0));
	sign_cache *c = make_cache();
	keyset stored(n, 1), asked(n, 2); // same owners, another key table generation
	uint8_t sig[RRSIG_LEN] = {};
	for (const sign_cache_key &k : stored.keys)
		sign_cache_insert(c, &k, sig, sizeof(sig));
	size_t i = 0;
	for (auto _ : state) {
		const uint8_t *p;
		size_t len;
		benchmark::DoNotOptimize(sign_cache_lookup(c, &asked.keys[i], &p, &len));
		i = (i + 1) & (n - 1);
	}
	report(state, c);
	sign_cache_free(c);
}
BENCHMARK(BM_lookup_miss)->Arg(1024)->Arg(32768);

// Four times as many keys as entries: every insert after the first lap evicts.
void
BM_insert(benchmark::State &state)
{
	size_t n = ENTRIES * 4;
	sign_cache *c = make_cache();
	keyset ks(n, 1);
	uint8_t sig[RRSIG_LEN] = {};
	size_t i = 0;
	for (auto _ : state) {
		benchmark::DoNotOptimize(sign_cache_insert(c, &ks.keys[i], sig, sizeof(sig)));
		i = (i + 1) & (n - 1);
	}
	sign_cache_stats st;
	sign_cache_stats_get(c, &st);
	state.counters["evict%"] = st.inserts ? 100.0 * st.evictions / st.inserts : 0;
	sign_cache_free(c);
}
BENCHMARK(BM_insert);

// Two A records, as a zone RRset holds them: { RDLENGTH, RDATA } each.
void
BM_content_hash(benchmark::State &state)
{
	const uint8_t rdata[] = { 0, 4, 192, 0, 2, 1, 0, 4, 192, 0, 2, 2 };
	uint32_t ttl = 3600;
	for (auto _ : state) {
		benchmark::DoNotOptimize(ttl);
		benchmark::DoNotOptimize(sign_cache_content_hash(ttl, rdata, sizeof(rdata)));
	}
}
BENCHMARK(BM_content_hash);

} // namespace

BENCHMARK_MAIN();
