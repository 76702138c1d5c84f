// SPDX-License-Identifier: BSD-3-Clause
//
// Signing cost per RRSIG, one thread: sign_rrsig over a one-RR A RRset
// (www.example.com, signer example.com) for algorithms 13, 15 and 8, beside
// the raw OpenSSL operation `openssl speed` times for the same algorithm
// (P-256: EVP_PKEY_sign of a digest on a prepared context; Ed25519:
// EVP_DigestSign on a context initialised once; RSA-2048: EVP_PKEY_sign
// with PKCS#1 v1.5 of a SHA-256 digest). items_per_second is signatures per
// CPU second, as `openssl speed` counts them.
// Run: build/bench/bench_sign [--benchmark_repetitions=5]
#include <benchmark/benchmark.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <vector>

#include <openssl/evp.h>
#include <openssl/rsa.h>

extern "C" {
#include "dns/name.h"
#include "dns/rdata.h"
#include "sign/key.h"
#include "sign/rrsig.h"
}

namespace {

void
sign_a_rrset(benchmark::State &state)
{
	uint8_t zone[DNS_NAME_MAXLEN], owner[DNS_NAME_MAXLEN], out[1024];
	static const uint8_t rdata[] = { 0, 4, 192, 0, 2, 1 };
	struct sign_key *key = nullptr;
	struct sign_signer *signer = nullptr;

	dns_name_from_str("example.com", zone, sizeof(zone));
	int olen = dns_name_from_str("www.example.com", owner, sizeof(owner));
	if (sign_key_generate(static_cast<uint8_t>(state.range(0)), SIGN_FLAGS_ZSK, zone, &key) < 0 ||
	    sign_signer_new(key, &signer) < 0) {
		state.SkipWithError("key or signer");
		return;
	}
	struct sign_rrset_ref rr = { owner, static_cast<size_t>(olen), DNS_T_A, 1, 300,
				     sizeof(rdata), rdata };
	std::vector<uint8_t> scratch(sign_rrsig_scratch_size(&rr));
	uint32_t inc = 1700000000;
	for (auto _ : state) {
		int n = sign_rrsig(signer, &rr, inc, inc + 604800, scratch.data(), scratch.size(), out,
				   sizeof(out));
		if (n < 0) {
			state.SkipWithError("sign_rrsig failed");
			break;
		}
		benchmark::DoNotOptimize(out);
	}
	state.SetItemsProcessed(state.iterations());
	sign_signer_free(signer);
	sign_key_free(key);
}

void
openssl_raw(benchmark::State &state)
{
	int alg = static_cast<int>(state.range(0));
	uint8_t digest[32] = { 1 }, sig[512];
	EVP_PKEY *pkey = alg == SIGN_ALG_ED25519  ? EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519")
			 : alg == SIGN_ALG_RSASHA256 ? EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA",
									  static_cast<size_t>(2048))
						     : EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256");
	EVP_PKEY_CTX *pctx = EVP_PKEY_CTX_new_from_pkey(nullptr, pkey, nullptr);
	EVP_MD_CTX *mctx = EVP_MD_CTX_new();
	bool ready = pkey && pctx && mctx;

	if (ready && alg == SIGN_ALG_ED25519)
		ready = EVP_DigestSignInit(mctx, nullptr, nullptr, nullptr, pkey) == 1;
	else if (ready)
		ready = EVP_PKEY_sign_init(pctx) == 1 &&
			EVP_PKEY_CTX_set_signature_md(pctx, EVP_sha256()) == 1 &&
			(alg != SIGN_ALG_RSASHA256 ||
			 EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PADDING) == 1);
	if (!ready) {
		state.SkipWithError("OpenSSL setup");
	} else {
		for (auto _ : state) {
			size_t len = sizeof(sig);
			int ok = alg == SIGN_ALG_ED25519
					 ? EVP_DigestSign(mctx, sig, &len, digest, sizeof(digest))
					 : EVP_PKEY_sign(pctx, sig, &len, digest, sizeof(digest));
			if (ok != 1) {
				state.SkipWithError("sign failed");
				break;
			}
			benchmark::DoNotOptimize(sig);
		}
		state.SetItemsProcessed(state.iterations());
	}
	EVP_MD_CTX_free(mctx);
	EVP_PKEY_CTX_free(pctx);
	EVP_PKEY_free(pkey);
}

} // namespace

BENCHMARK(sign_a_rrset)->ArgName("alg")->Arg(13)->Arg(15)->Arg(8);
BENCHMARK(openssl_raw)->ArgName("alg")->Arg(13)->Arg(15)->Arg(8);

BENCHMARK_MAIN();
