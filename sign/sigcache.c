/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <stdalign.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#define XXH_INLINE_ALL /* hashed per lookup: no call into the shared library */
#include <xxhash.h>

#include "dns/err.h"
#include "sign/sigcache.h"

#define WAYS_MASK ((1u << SIGN_CACHE_WAYS) - 1)

/* One cache line per bucket: everything a lookup reads before it touches a slot. */
struct bucket {
	alignas(64) uint32_t tag[SIGN_CACHE_WAYS];
	uint8_t valid; /* bit w: way w holds an entry */
	uint8_t ref;   /* bit w: way w was hit since the CLOCK hand last passed it */
	uint8_t hand;  /* next way CLOCK considers */
};

_Static_assert(sizeof(struct bucket) == 64, "a bucket is one cache line");
_Static_assert(SIGN_CACHE_WAYS == 8, "valid and ref are 8-bit masks");

/* An entry: the complete key, then owner_len owner octets, then the RRSIG RDATA. */
struct slot {
	uint64_t zone;
	uint64_t generation;
	uint64_t content_hash;
	uint32_t inception;
	uint16_t type;
	uint16_t key_tag;
	uint8_t alg;
	uint8_t owner_len;
	uint16_t rrsig_len;
	uint8_t data[];
};

_Static_assert(offsetof(struct slot, data) == SIGN_CACHE_SLOT_HDR, "header size as documented");

enum { CNT_HITS, CNT_MISSES, CNT_INSERTS, CNT_EVICTIONS, CNT_TOO_LARGE, CNT__MAX };

struct sign_cache {
	struct bucket *buckets;
	uint8_t *arena;
	size_t mask; /* buckets - 1 */
	size_t slot_size;
	/* Written by the owner only, read by any thread: own line, away from the fields above. */
	alignas(64) _Atomic uint64_t cnt[CNT__MAX];
};

/* Single-writer increment: a relaxed load and store, no locked instruction. */
static inline void
count(struct sign_cache *c, unsigned i)
{
	atomic_store_explicit(&c->cnt[i], atomic_load_explicit(&c->cnt[i], memory_order_relaxed) + 1,
			      memory_order_relaxed);
}

uint64_t
sign_cache_content_hash(uint32_t ttl, const uint8_t *rdata, size_t rdlen)
{
	return XXH3_64bits_withSeed(rdata, rdlen, ttl);
}

/*
 * Every field and the owner octets. The low bits select the bucket, the
 * high 32 bits are the tag kept in the bucket line.
 */
static inline uint64_t
key_hash(const struct sign_cache_key *k)
{
	const uint64_t f[4] = {
		k->zone,
		k->generation,
		k->content_hash,
		(uint64_t)k->inception | (uint64_t)k->type << 32 | (uint64_t)k->key_tag << 48,
	};
	return XXH3_64bits_withSeed(k->owner, k->owner_len, XXH3_64bits_withSeed(f, sizeof(f), k->alg));
}

static inline uint32_t
tag_of(uint64_t h)
{
	return (uint32_t)(h >> 32);
}

#define HUGE_PAGE ((size_t)2 << 20)

/*
 * Regions of 2 MiB and more start on a 2 MiB boundary and ask for
 * transparent huge pages: a lookup then rarely misses the TLB as well as
 * the data cache. Only advice: without huge pages the cache works the same.
 */
static void *
region_alloc(size_t size)
{
	if (size < HUGE_PAGE)
		return aligned_alloc(64, size);
	size = (size + HUGE_PAGE - 1) & ~(HUGE_PAGE - 1);
	void *p = aligned_alloc(HUGE_PAGE, size);
	if (p)
		madvise(p, size, MADV_HUGEPAGE);
	return p;
}

int
sign_cache_create(size_t entries, size_t slot_size, struct sign_cache **out)
{
	*out = NULL;
	if (entries < SIGN_CACHE_WAYS || (entries & (entries - 1)) || entries > (size_t)1 << 32 ||
	    slot_size < 128 || slot_size > 4096 || slot_size % 64)
		return -EINVAL;
	size_t nb = entries / SIGN_CACHE_WAYS;
	if (entries > SIZE_MAX / slot_size)
		return -ENOMEM;

	struct sign_cache *c = aligned_alloc(alignof(struct sign_cache), sizeof(*c));
	if (!c)
		return -ENOMEM;
	memset(c, 0, sizeof(*c));
	c->buckets = region_alloc(nb * sizeof(struct bucket));
	c->arena = region_alloc(entries * slot_size);
	if (!c->buckets || !c->arena) {
		sign_cache_free(c);
		return -ENOMEM;
	}
	/* Touch every page now: no page faults on the query path later. */
	memset(c->buckets, 0, nb * sizeof(struct bucket));
	memset(c->arena, 0, entries * slot_size);
	c->mask = nb - 1;
	c->slot_size = slot_size;
	for (unsigned i = 0; i < CNT__MAX; i++)
		atomic_init(&c->cnt[i], 0);
	*out = c;
	return 0;
}

void
sign_cache_free(struct sign_cache *c)
{
	if (!c)
		return;
	free(c->buckets);
	free(c->arena);
	free(c);
}

static inline struct bucket *
bucket_of(const struct sign_cache *c, uint64_t h)
{
	return &c->buckets[h & c->mask];
}

static inline struct slot *
slot_of(const struct sign_cache *c, const struct bucket *b, unsigned way)
{
	size_t i = (size_t)(b - c->buckets) * SIGN_CACHE_WAYS + way;
	return (struct slot *)(c->arena + i * c->slot_size);
}

/* Ways of b holding an entry whose tag is t. */
static inline unsigned
tag_matches(const struct bucket *b, uint32_t t)
{
	unsigned m = 0;
	for (unsigned w = 0; w < SIGN_CACHE_WAYS; w++)
		m |= (unsigned)(b->tag[w] == t) << w;
	return m & b->valid;
}

static inline bool
slot_is(const struct slot *s, const struct sign_cache_key *k)
{
	return s->content_hash == k->content_hash && s->generation == k->generation &&
	       s->zone == k->zone && s->inception == k->inception && s->type == k->type &&
	       s->key_tag == k->key_tag && s->alg == k->alg && s->owner_len == k->owner_len &&
	       memcmp(s->data, k->owner, k->owner_len) == 0;
}

/* The way of b holding key k, or -1. */
static inline int
find(const struct sign_cache *c, const struct bucket *b, uint32_t t, const struct sign_cache_key *k)
{
	for (unsigned m = tag_matches(b, t); m; m &= m - 1) {
		unsigned w = (unsigned)__builtin_ctz(m);
		if (slot_is(slot_of(c, b, w), k))
			return (int)w;
	}
	return -1;
}

int
sign_cache_lookup(struct sign_cache *c, const struct sign_cache_key *key, const uint8_t **rrsig,
		  size_t *len)
{
	if (key->owner_len == 0) {
		count(c, CNT_MISSES);
		return 0;
	}
	uint64_t h = key_hash(key);
	struct bucket *b = bucket_of(c, h);
	int w = find(c, b, tag_of(h), key);
	if (w < 0) {
		count(c, CNT_MISSES);
		return 0;
	}
	const struct slot *s = slot_of(c, b, (unsigned)w);
	if (!(b->ref & (1u << w))) /* keep the line clean when the bit is already set */
		b->ref |= (uint8_t)(1u << w);
	*rrsig = s->data + s->owner_len;
	*len = s->rrsig_len;
	count(c, CNT_HITS);
	return 1;
}

static inline unsigned
rotr8(unsigned x, unsigned n)
{
	return ((x >> n) | (x << (SIGN_CACHE_WAYS - n))) & WAYS_MASK;
}

static inline unsigned
rotl8(unsigned x, unsigned n)
{
	return ((x << n) | (x >> (SIGN_CACHE_WAYS - n))) & WAYS_MASK;
}

/*
 * CLOCK over a full bucket in constant time: starting at the hand, clear
 * the reference bit of every referenced way up to the first unreferenced
 * one, which is the victim (the hand's own way after a full lap).
 */
static unsigned
clock_victim(struct bucket *b)
{
	unsigned hand = b->hand;
	unsigned p = (unsigned)__builtin_ctz(~rotr8(b->ref, hand) & (WAYS_MASK << 1 | 1));
	unsigned passed = p == SIGN_CACHE_WAYS ? WAYS_MASK : (1u << p) - 1;
	unsigned victim = (hand + p) % SIGN_CACHE_WAYS;
	b->ref &= (uint8_t)~rotl8(passed, hand);
	b->hand = (uint8_t)((victim + 1) % SIGN_CACHE_WAYS);
	return victim;
}

int
sign_cache_insert(struct sign_cache *c, const struct sign_cache_key *key, const uint8_t *rrsig,
		  size_t len)
{
	if (key->owner_len == 0 || len == 0)
		return -EINVAL;
	if (key->owner_len + len > c->slot_size - SIGN_CACHE_SLOT_HDR) {
		count(c, CNT_TOO_LARGE);
		return DNS_ESPACE;
	}
	uint64_t h = key_hash(key);
	struct bucket *b = bucket_of(c, h);
	int w = find(c, b, tag_of(h), key);
	if (w < 0) {
		unsigned empty = ~(unsigned)b->valid & WAYS_MASK;
		if (empty) {
			w = __builtin_ctz(empty);
		} else {
			w = (int)clock_victim(b);
			count(c, CNT_EVICTIONS);
		}
		b->tag[w] = tag_of(h);
		b->valid |= (uint8_t)(1u << w);
		b->ref &= (uint8_t)~(1u << w);
	}
	struct slot *s = slot_of(c, b, (unsigned)w);
	s->zone = key->zone;
	s->generation = key->generation;
	s->content_hash = key->content_hash;
	s->inception = key->inception;
	s->type = key->type;
	s->key_tag = key->key_tag;
	s->alg = key->alg;
	s->owner_len = key->owner_len;
	s->rrsig_len = (uint16_t)len;
	memcpy(s->data, key->owner, key->owner_len);
	memcpy(s->data + key->owner_len, rrsig, len);
	count(c, CNT_INSERTS);
	return 0;
}

void
sign_cache_stats_get(const struct sign_cache *c, struct sign_cache_stats *out)
{
	out->hits = atomic_load_explicit(&c->cnt[CNT_HITS], memory_order_relaxed);
	out->misses = atomic_load_explicit(&c->cnt[CNT_MISSES], memory_order_relaxed);
	out->inserts = atomic_load_explicit(&c->cnt[CNT_INSERTS], memory_order_relaxed);
	out->evictions = atomic_load_explicit(&c->cnt[CNT_EVICTIONS], memory_order_relaxed);
	out->too_large = atomic_load_explicit(&c->cnt[CNT_TOO_LARGE], memory_order_relaxed);
}
