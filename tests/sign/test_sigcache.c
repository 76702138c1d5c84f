/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Signature cache. The cache's source is compiled into this test so that
 * the forced-collision cases can give a stored entry the tag of another
 * key and show that only the full comparison stands between a lookup and
 * a wrong signature.
 */
#include "sign/sigcache.c"

#include <stdio.h>
#include <stdlib.h>

#include "tests/tap.h"

static const uint8_t OWNER_A[] = "\3www\7example\3com"; /* 17 octets with the root */
static const uint8_t OWNER_B[] = "\3wwx\7example\3com"; /* same length, one octet differs */

/* The same key whatever pad is: padding need not be clear. */
static struct sign_cache_key
key_padded(uint8_t pad)
{
	struct sign_cache_key k;
	memset(&k, pad, sizeof(k));
	k.zone = 7;
	k.generation = 42;
	k.content_hash = 0x0123456789abcdefull;
	k.inception = 1700000000u;
	k.type = 1;
	k.key_tag = 12345;
	k.alg = 13;
	k.owner_len = sizeof(OWNER_A);
	k.owner = OWNER_A;
	return k;
}

static struct sign_cache_key
base_key(void)
{
	return key_padded(0xa5);
}

/* RRSIG stand-in: len octets that depend on seed. */
static void
fill(uint8_t *p, size_t len, uint32_t seed)
{
	for (size_t i = 0; i < len; i++)
		p[i] = (uint8_t)((seed * 2654435761u) >> 24 ^ (uint32_t)i * 31u ^ seed);
}

static bool
hit_is(struct sign_cache *c, const struct sign_cache_key *k, const uint8_t *want, size_t want_len)
{
	const uint8_t *p = NULL;
	size_t len = 0;
	return sign_cache_lookup(c, k, &p, &len) == 1 && len == want_len &&
	       memcmp(p, want, len) == 0;
}

static bool
misses(struct sign_cache *c, const struct sign_cache_key *k)
{
	const uint8_t *p = NULL;
	size_t len = 0;
	return sign_cache_lookup(c, k, &p, &len) == 0 && p == NULL && len == 0;
}

static struct sign_cache *
make(size_t entries, size_t slot)
{
	struct sign_cache *c = NULL;
	if (sign_cache_create(entries, slot, &c) != 0 || !c) {
		printf("Bail out! sign_cache_create(%zu, %zu) failed\n", entries, slot);
		exit(1);
	}
	return c;
}

static void
test_create(void)
{
	struct sign_cache *c = (struct sign_cache *)1;
	is_int(sign_cache_create(0, 256, &c), -EINVAL, "0 entries refused");
	ok(c == NULL, "out cleared on error");
	is_int(sign_cache_create(4, 256, &c), -EINVAL, "fewer entries than ways refused");
	is_int(sign_cache_create(24, 256, &c), -EINVAL, "entries not a power of two refused");
	is_int(sign_cache_create(64, 64, &c), -EINVAL, "slot below 128 refused");
	is_int(sign_cache_create(64, 200, &c), -EINVAL, "slot not a multiple of 64 refused");
	is_int(sign_cache_create(64, 8192, &c), -EINVAL, "slot above 4096 refused");
	is_int(sign_cache_create(65536, SIGN_CACHE_SLOT_ECDSA, &c), 0, "65536 x 256 created");
	struct sign_cache_stats st;
	sign_cache_stats_get(c, &st);
	ok(st.hits + st.misses + st.inserts + st.evictions + st.too_large == 0, "counters start at 0");
	sign_cache_free(c);
	sign_cache_free(NULL);
}

static void
test_content_hash(void)
{
	const uint8_t rd1[] = { 0, 4, 192, 0, 2, 1 }, rd2[] = { 0, 4, 192, 0, 2, 2 };
	uint64_t h = sign_cache_content_hash(300, rd1, sizeof(rd1));
	ok(h == sign_cache_content_hash(300, rd1, sizeof(rd1)), "content hash is a function");
	ok(h != sign_cache_content_hash(301, rd1, sizeof(rd1)), "content hash covers the TTL");
	ok(h != sign_cache_content_hash(300, rd2, sizeof(rd2)), "content hash covers the RDATA");
}

static void
test_hit(void)
{
	struct sign_cache *c = make(64, SIGN_CACHE_SLOT_ECDSA);
	struct sign_cache_key k = base_key();
	uint8_t sig[95], other[95];
	fill(sig, sizeof(sig), 1);
	fill(other, sizeof(other), 2);

	ok(misses(c, &k), "empty cache misses");
	is_int(sign_cache_insert(c, &k, sig, sizeof(sig)), 0, "insert");
	ok(hit_is(c, &k, sig, sizeof(sig)), "hit after insert returns the RRSIG");

	uint8_t owner_copy[sizeof(OWNER_A)];
	memcpy(owner_copy, OWNER_A, sizeof(owner_copy));
	struct sign_cache_key k2 = key_padded(0x5a);
	k2.owner = owner_copy;
	ok(hit_is(c, &k2, sig, sizeof(sig)), "an equal key in other memory, other padding, hits");

	is_int(sign_cache_insert(c, &k, other, 80), 0, "insert again under the same key");
	ok(hit_is(c, &k, other, 80), "the new RRSIG replaces the old one");

	struct sign_cache_stats st;
	sign_cache_stats_get(c, &st);
	is_int(st.hits, 3, "hits counted");
	is_int(st.misses, 1, "misses counted");
	is_int(st.inserts, 2, "inserts counted");
	is_int(st.evictions, 0, "replacing the same key is no eviction");
	sign_cache_free(c);
}

enum field { F_ZONE, F_GEN, F_CONTENT, F_INCEPTION, F_TYPE, F_TAG, F_ALG, F_OWNER, F_OWNER_LEN,
	     F__MAX };
static const char *const field_name[F__MAX] = { "zone", "generation", "content hash",
						"inception", "type", "key tag", "algorithm",
						"owner octets", "owner length" };

/* base_key with one field changed. */
static struct sign_cache_key
variant(enum field f)
{
	struct sign_cache_key k = base_key();
	switch (f) {
	case F_ZONE: k.zone++; break;
	case F_GEN: k.generation++; break;
	case F_CONTENT: k.content_hash ^= 1; break;
	case F_INCEPTION: k.inception += 3600; break;
	case F_TYPE: k.type = 28; break;
	case F_TAG: k.key_tag++; break;
	case F_ALG: k.alg = 15; break;
	case F_OWNER: k.owner = OWNER_B; break;
	case F_OWNER_LEN: k.owner_len--; break; /* a prefix of the same octets */
	case F__MAX: break;
	}
	return k;
}

static void
test_each_field(void)
{
	uint8_t sig_a[95], sig_b[90];
	fill(sig_a, sizeof(sig_a), 3);
	fill(sig_b, sizeof(sig_b), 4);
	for (enum field f = 0; f < F__MAX; f++) {
		struct sign_cache *c = make(1024, SIGN_CACHE_SLOT_ECDSA);
		struct sign_cache_key a = base_key(), b = variant(f);
		sign_cache_insert(c, &a, sig_a, sizeof(sig_a));
		ok(misses(c, &b), "%s changed: miss", field_name[f]);
		sign_cache_insert(c, &b, sig_b, sizeof(sig_b));
		ok(hit_is(c, &a, sig_a, sizeof(sig_a)) && hit_is(c, &b, sig_b, sizeof(sig_b)),
		   "%s changed: both entries kept apart", field_name[f]);
		sign_cache_free(c);
	}
}

/*
 * One bucket (8 entries); a's entry is given b's tag, as if the two keys
 * hashed alike, so the lookup of b reaches a's slot.
 */
static void
test_forced_collision(void)
{
	uint8_t sig_a[95], sig_b[95];
	fill(sig_a, sizeof(sig_a), 5);
	fill(sig_b, sizeof(sig_b), 6);
	for (enum field f = 0; f < F__MAX; f++) {
		struct sign_cache *c = make(SIGN_CACHE_WAYS, SIGN_CACHE_SLOT_ECDSA);
		struct sign_cache_key a = base_key(), b = variant(f);
		sign_cache_insert(c, &a, sig_a, sizeof(sig_a));
		struct bucket *bk = &c->buckets[0];
		int way = __builtin_ctz(bk->valid);
		bk->tag[way] = tag_of(key_hash(&b));
		ok(tag_matches(bk, tag_of(key_hash(&b))) != 0 && misses(c, &b),
		   "%s differs, tags equal: miss", field_name[f]);
		sign_cache_insert(c, &b, sig_b, sizeof(sig_b));
		ok(hit_is(c, &b, sig_b, sizeof(sig_b)), "%s differs, tags equal: b stored and found",
		   field_name[f]);
		ok(__builtin_popcount(bk->valid) == 2 && tag_matches(bk, tag_of(key_hash(&b))) == bk->valid,
		   "%s differs, tags equal: two entries with one tag", field_name[f]);
		sign_cache_free(c);
	}
}

/*
 * The same without reaching into the cache: two owners of the same length
 * whose keys have equal tags, found by search, in a one-bucket cache.
 */
static void
test_real_collision(void)
{
	enum { N = 1 << 18, TBL = 1 << 19 };
	uint32_t *tbl_tag = calloc(TBL, sizeof(*tbl_tag));
	uint32_t *tbl_idx = calloc(TBL, sizeof(*tbl_idx)); /* index + 1; 0 = empty */
	uint8_t oa[17], ob[17];
	bool found = false;
	struct sign_cache_key k = base_key();

	if (!tbl_tag || !tbl_idx) {
		printf("Bail out! out of memory\n");
		exit(1);
	}
	for (uint32_t i = 0; i < N && !found; i++) {
		snprintf((char *)oa, sizeof(oa), "\010%08x\003com", i);
		k.owner = oa;
		k.owner_len = 14;
		uint32_t t = tag_of(key_hash(&k));
		for (uint32_t s = t & (TBL - 1);; s = (s + 1) & (TBL - 1)) {
			if (!tbl_idx[s]) {
				tbl_tag[s] = t;
				tbl_idx[s] = i + 1;
				break;
			}
			if (tbl_tag[s] == t) {
				snprintf((char *)ob, sizeof(ob), "\010%08x\003com", tbl_idx[s] - 1);
				found = true;
				break;
			}
		}
	}
	free(tbl_tag);
	free(tbl_idx);
	if (!ok(found, "two owners with equal tags found")) {
		return;
	}
	struct sign_cache *c = make(SIGN_CACHE_WAYS, SIGN_CACHE_SLOT_ECDSA);
	struct sign_cache_key a = base_key(), b = base_key();
	a.owner = oa;
	b.owner = ob;
	a.owner_len = b.owner_len = 14;
	ok(memcmp(oa, ob, 14) != 0 && tag_of(key_hash(&a)) == tag_of(key_hash(&b)),
	   "owners %.8s and %.8s differ, tags equal", (const char *)oa + 1, (const char *)ob + 1);
	uint8_t sig_a[95], sig_b[95];
	fill(sig_a, sizeof(sig_a), 7);
	fill(sig_b, sizeof(sig_b), 8);
	sign_cache_insert(c, &a, sig_a, sizeof(sig_a));
	ok(misses(c, &b), "colliding owner: miss");
	sign_cache_insert(c, &b, sig_b, sizeof(sig_b));
	ok(hit_is(c, &a, sig_a, sizeof(sig_a)) && hit_is(c, &b, sig_b, sizeof(sig_b)),
	   "colliding owners: each finds its own RRSIG");
	sign_cache_free(c);
}

static void
test_eviction(void)
{
	struct sign_cache *c = make(SIGN_CACHE_WAYS, SIGN_CACHE_SLOT_ECDSA); /* one bucket */
	struct sign_cache_key k[12];
	uint8_t sig[12][64];
	struct sign_cache_stats st;

	for (unsigned i = 0; i < 12; i++) {
		k[i] = base_key();
		k[i].content_hash = i;
		fill(sig[i], sizeof(sig[i]), 100 + i);
	}
	for (unsigned i = 0; i < 8; i++)
		sign_cache_insert(c, &k[i], sig[i], sizeof(sig[i]));
	bool all = true;
	for (unsigned i = 0; i < 7; i++)
		all &= hit_is(c, &k[i], sig[i], sizeof(sig[i]));
	ok(all, "8 entries fit 8 ways");
	sign_cache_stats_get(c, &st);
	is_int(st.evictions, 0, "no eviction yet");

	sign_cache_insert(c, &k[8], sig[8], sizeof(sig[8]));
	ok(misses(c, &k[7]), "CLOCK evicts the one entry never hit");
	sign_cache_stats_get(c, &st);
	is_int(st.evictions, 1, "eviction counted");
	all = true;
	for (unsigned i = 0; i < 7; i++)
		all &= hit_is(c, &k[i], sig[i], sizeof(sig[i]));
	ok(all && hit_is(c, &k[8], sig[8], sizeof(sig[8])), "the others stay");

	/* Every way referenced now: a full lap clears them all and takes the hand's way. */
	sign_cache_insert(c, &k[9], sig[9], sizeof(sig[9]));
	unsigned gone = 0;
	for (unsigned i = 0; i <= 9; i++)
		gone += i != 7 && misses(c, &k[i]);
	ok(gone == 1 && hit_is(c, &k[9], sig[9], sizeof(sig[9])),
	   "all referenced: exactly one entry goes");

	/* A hot entry hit between inserts of unique keys survives them all. */
	struct sign_cache_key hot = k[10], cold = k[11];
	sign_cache_insert(c, &hot, sig[10], sizeof(sig[10]));
	bool hot_ok = true;
	for (uint64_t i = 0; i < 1000; i++) {
		cold.content_hash = 1000 + i;
		sign_cache_insert(c, &cold, sig[11], sizeof(sig[11]));
		hot_ok &= hit_is(c, &hot, sig[10], sizeof(sig[10]));
	}
	ok(hot_ok, "a hot entry survives a flood of 1000 unique keys");
	sign_cache_free(c);
}

static void
test_too_large(void)
{
	struct sign_cache *c = make(64, SIGN_CACHE_SLOT_ECDSA);
	struct sign_cache_key k = base_key();
	uint8_t sig[512];
	size_t room = SIGN_CACHE_SLOT_ECDSA - SIGN_CACHE_SLOT_HDR - k.owner_len;
	struct sign_cache_stats st;

	fill(sig, sizeof(sig), 9);
	is_int(sign_cache_insert(c, &k, sig, room + 1), DNS_ESPACE, "one octet too large: DNS_ESPACE");
	ok(misses(c, &k), "not cached");
	sign_cache_stats_get(c, &st);
	is_int(st.too_large, 1, "too large counted");
	is_int(st.inserts, 0, "not counted as an insert");
	is_int(sign_cache_insert(c, &k, sig, room), 0, "exactly the room left: cached");
	ok(hit_is(c, &k, sig, room), "and found whole");

	struct sign_cache *big = make(64, 1088);
	uint8_t owner[255];
	for (unsigned i = 0; i < 3; i++) { /* 3 x 63-octet labels, a 61-octet one, root: 255 */
		owner[i * 64] = 63;
		memset(owner + i * 64 + 1, 'a' + i, 63);
	}
	owner[192] = 61;
	memset(owner + 193, 'd', 61);
	owner[254] = 0;
	k.owner = owner;
	k.owner_len = 255;
	size_t rsa4096 = 18 + 255 + 512;
	uint8_t *sig4096 = malloc(rsa4096);
	fill(sig4096, rsa4096, 10);
	is_int(sign_cache_insert(big, &k, sig4096, rsa4096), 0,
	       "1088-octet slot: RSA-4096 RRSIG with the longest names");
	ok(hit_is(big, &k, sig4096, rsa4096), "and found whole");
	free(sig4096);

	is_int(sign_cache_insert(c, &k, sig, 0), -EINVAL, "empty RRSIG refused");
	k.owner_len = 0;
	is_int(sign_cache_insert(c, &k, sig, 10), -EINVAL, "empty owner refused");
	ok(misses(c, &k), "empty owner misses");
	sign_cache_free(c);
	sign_cache_free(big);
}

/*
 * Random operations over a universe of keys that are mostly one field
 * apart from each other, against a model that remembers the last RRSIG
 * inserted under every key. Any hit must return exactly that RRSIG.
 */
static const uint8_t *const model_owner[] = {
	(const uint8_t *)"\7example\3com", (const uint8_t *)"\3www\7example\3com",
	(const uint8_t *)"\3wwx\7example\3com", (const uint8_t *)"\1*\7example\3com",
	(const uint8_t *)"\3www\7example\3org",  (const uint8_t *)"\4mail\7example\3com",
};
enum { M_ZONE = 2, M_GEN = 3, M_CONTENT = 4, M_INC = 2, M_TYPE = 3, M_TAG = 2, M_ALG = 2,
       M_OWNER = sizeof(model_owner) / sizeof(model_owner[0]),
       M_KEYS = M_ZONE * M_GEN * M_CONTENT * M_INC * M_TYPE * M_TAG * M_ALG * M_OWNER };

static struct sign_cache_key
model_key(unsigned id, uint8_t *owner_buf)
{
	static const uint16_t types[M_TYPE] = { 1, 28, 47 };
	static const uint8_t algs[M_ALG] = { 13, 15 };
	struct sign_cache_key k;
	unsigned x = id;
	memset(&k, 0, sizeof(k));
	k.zone = x % M_ZONE;
	x /= M_ZONE;
	k.generation = x % M_GEN;
	x /= M_GEN;
	k.content_hash = (x % M_CONTENT) * 0x9e3779b97f4a7c15ull;
	x /= M_CONTENT;
	k.inception = 1700000000u + (x % M_INC) * 3600u;
	x /= M_INC;
	k.type = types[x % M_TYPE];
	x /= M_TYPE;
	k.key_tag = (uint16_t)(4000 + x % M_TAG);
	x /= M_TAG;
	k.alg = algs[x % M_ALG];
	x /= M_ALG;
	const uint8_t *o = model_owner[x % M_OWNER];
	size_t len = 1;
	while (o[len - 1])
		len += o[len - 1] + 1u;
	memcpy(owner_buf, o, len); /* a fresh copy: the cache must compare octets, not pointers */
	k.owner = owner_buf;
	k.owner_len = (uint8_t)len;
	return k;
}

static void
test_model(void)
{
	enum { OPS = 100000 };
	struct sign_cache *c = make(256, SIGN_CACHE_SLOT_ECDSA);
	uint32_t *last = calloc(M_KEYS, sizeof(*last)); /* serial of the last insert; 0 = none */
	uint8_t sig[256], owner[256];
	unsigned wrong = 0, lost = 0, hits = 0, misses_n = 0, inserts = 0;
	uint64_t rng = 0x853c49e6748fea9bull;

	if (!last) {
		printf("Bail out! out of memory\n");
		exit(1);
	}
	for (uint32_t op = 1; op <= OPS; op++) {
		rng = rng * 6364136223846793005ull + 1442695040888963407ull;
		unsigned r = (unsigned)(rng >> 33);
		unsigned id = r % ((r >> 31) ? M_KEYS : 512); /* half on a hot set */
		struct sign_cache_key k = model_key(id, owner);
		if ((r >> 20) % 10 < 4) {
			/* RRSIG length and octets depend on the serial: a stale one shows. */
			size_t len = 20 + op % 150;
			fill(sig, len, op);
			if (sign_cache_insert(c, &k, sig, len) == 0) {
				last[id] = op;
				inserts++;
				/* Inserted just now: must be there. */
				lost += !hit_is(c, &k, sig, len);
			}
		} else {
			const uint8_t *p;
			size_t len;
			if (sign_cache_lookup(c, &k, &p, &len)) {
				hits++;
				uint32_t s = last[id];
				size_t want_len = 20 + s % 150;
				fill(sig, want_len, s);
				wrong += s == 0 || len != want_len || memcmp(p, sig, len) != 0;
			} else {
				misses_n++;
			}
		}
	}
	is_int(wrong, 0, "%u random operations over %u keys: no wrong hit", OPS, M_KEYS);
	is_int(lost, 0, "every insert is found right after");
	ok(hits > 1000 && misses_n > 1000, "the workload both hits (%u) and misses (%u)", hits,
	   misses_n);
	struct sign_cache_stats st;
	sign_cache_stats_get(c, &st);
	is_int(st.hits, hits + inserts, "hit counter matches");
	is_int(st.misses, misses_n, "miss counter matches");
	is_int(st.inserts, inserts, "insert counter matches");
	ok(st.evictions > 0 && st.evictions <= inserts, "evictions happened (%llu)",
	   (unsigned long long)st.evictions);
	free(last);
	sign_cache_free(c);
}

int
main(void)
{
	test_create();
	test_content_hash();
	test_hit();
	test_each_field();
	test_forced_collision();
	test_real_collision();
	test_eviction();
	test_too_large();
	test_model();
	return tap_done();
}
