/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Per-core signature cache: RRSIG RDATA already made, found again by what
 * was signed and with which key, so a worker answering the same RRset
 * repeatedly signs it once per validity bucket.
 *
 * Structure: a fixed number of entries (a power of two) in buckets of
 * SIGN_CACHE_WAYS ways. A bucket's tags, valid bits and CLOCK reference
 * bits share one cache line; each entry owns one fixed-size slot in a
 * separate arena, holding the complete key, the owner name and the RRSIG
 * RDATA. All memory is allocated (and touched) by sign_cache_create; the
 * cache never allocates afterwards.
 *
 * Threading and ownership: one cache per worker. Only the owning thread
 * calls lookup and insert; no locks or locked instructions are involved.
 * Any thread may call sign_cache_stats_get concurrently (relaxed atomic reads
 * of single-writer counters). Create on the owning thread, or after pinning
 * it, so first touch places the memory on its NUMA node; free on any thread
 * once the owner no longer uses the cache and no thread reads its stats.
 *
 * Invalidation: entries are never invalidated, they are made unreachable.
 * The key names everything that determines the RRSIG RDATA:
 *   - type covered: type;
 *   - labels: derived from owner (for a wildcard, owner is the wildcard
 *     name as signed, "*.example.com", so every expansion hits);
 *   - original TTL and the signed RRs: content_hash (sign_cache_content_hash
 *     over the TTL and the RDATA as given to the signer);
 *   - inception and expiration: inception (the validity bucket); the
 *     expiration follows from it and the validity policy, which is part of
 *     the key table;
 *   - algorithm, key tag, signer name and key material: alg, key_tag and
 *     generation (key tags are not unique, so generation is what tells two
 *     keys with the same tag apart);
 *   - the zone whose key table signs: zone (a parent and its child both
 *     sign RRsets at the delegation point, e.g. NSEC).
 * A changed RRset, a new key table or a new validity bucket therefore gives
 * a different key, and the old entry ages out under CLOCK. A hit compares
 * every field and the owner octets in full: a hash collision is a miss,
 * never another RRset's signature. The one 64-bit hash trusted without a
 * full comparison is content_hash: were two contents of one RRset to
 * collide (same zone, owner, type, key table and bucket), the answer would
 * carry a genuine signature over the other content, which validators
 * reject; a collision can never yield a signature that was not made.
 *
 * Requirements on the caller's identifiers: zone must differ between any
 * two zones served while the cache lives (e.g. a number the control thread
 * takes from a counter when it creates a zone, never reused), and
 * generation must change whenever a zone's signing keys or validity policy
 * change (a process-wide counter satisfies both, even across removing and
 * re-adding a zone). It may stay the same across a change that makes the
 * same signatures, e.g. new RRSIGs over the DNSKEY RRset (see
 * sign_keytable.sig_generation).
 *
 * Owner case: give the owner lowercased (dns_name_lower). The RRSIG does
 * not depend on the owner's case, so a mixed-case owner can only cost a
 * miss, never a wrong signature.
 */
#ifndef SIGEDGE_SIGN_SIGCACHE_H
#define SIGEDGE_SIGN_SIGCACHE_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define SIGN_CACHE_WAYS 8

/*
 * Octets of a slot taken by the stored key; the rest holds the owner name
 * and the RRSIG RDATA (18 + signer name + signature). A slot of S octets
 * holds an RRSIG when 36 + owner + 18 + signer + signature <= S, so:
 *   SIGN_CACHE_SLOT_ECDSA (256) for ECDSA P-256 and Ed25519 (64-octet
 *     signatures): owner + signer names up to 138 octets together;
 *   SIGN_CACHE_SLOT_RSA2048 (512) for RSA up to 2048 bits: up to 202;
 *   1088 for RSA 4096 bits: any names.
 */
#define SIGN_CACHE_SLOT_HDR 36
#define SIGN_CACHE_SLOT_ECDSA 256
#define SIGN_CACHE_SLOT_RSA2048 512

/*
 * What a signature was made over and with. The caller fills every field;
 * padding need not be cleared. owner points to owner_len octets (1..255) of
 * a lowercased wire name; it is read during the call only.
 */
struct sign_cache_key {
	uint64_t zone;         /* zone identity (see above) */
	uint64_t generation;   /* key table generation */
	uint64_t content_hash; /* sign_cache_content_hash of the RRset */
	uint32_t inception;    /* RRSIG inception: the validity bucket */
	uint16_t type;         /* type covered */
	uint16_t key_tag;      /* signing key */
	uint8_t alg;           /* signing key's algorithm */
	uint8_t owner_len;
	const uint8_t *owner;
};

/*
 * Hash of an RRset as the signer sees it: the original TTL and the RRs as
 * { u16 RDLENGTH (big endian), RDATA } concatenated, rdlen octets (the
 * layout of struct dns_rrset and struct sign_rrset_ref). Equal input means
 * equal signed data, so the RRs may come in any order (the same RRs in
 * another order hash differently: a miss, not an error). Pure; a zone
 * RRset's hash may be computed once at load time.
 */
uint64_t sign_cache_content_hash(uint32_t ttl, const uint8_t *rdata, size_t rdlen);

struct sign_cache;

/*
 * A cache of `entries` entries (a power of two, at least SIGN_CACHE_WAYS)
 * of `slot_size` octets each (a multiple of 64, from 128 to 4096; see
 * SIGN_CACHE_SLOT_*). Memory: entries * (slot_size + 64 / SIGN_CACHE_WAYS)
 * octets, e.g. 16.5 MiB for 65536 entries of 256 octets.
 * Returns 0, -EINVAL (bad sizes) or -ENOMEM.
 */
int sign_cache_create(size_t entries, size_t slot_size, struct sign_cache **out);
void sign_cache_free(struct sign_cache *c);

/*
 * Find the RRSIG RDATA cached for key. On a hit returns 1 and sets *rrsig
 * and *len to the cached octets, which stay valid until the next
 * sign_cache_insert on this cache (copy them into the reply first). On a
 * miss returns 0. An invalid key (owner_len 0) is a miss. Owning thread.
 */
int sign_cache_lookup(struct sign_cache *c, const struct sign_cache_key *key,
		      const uint8_t **rrsig, size_t *len);

/*
 * Store a copy of the RRSIG RDATA rrsig (len octets, not pointing into
 * the cache) under key, replacing the entry with the same key if there is
 * one, else a free way of the bucket, else the way CLOCK picks. A new entry
 * starts unreferenced, so entries never looked up again are the first to
 * go (a flood of unique names evicts itself before the entries that are
 * being hit).
 * Returns 0; DNS_ESPACE when owner_len + len does not fit a slot (not
 * cached; counted in too_large); -EINVAL for owner_len 0 or len 0.
 * Owning thread.
 */
int sign_cache_insert(struct sign_cache *c, const struct sign_cache_key *key,
		      const uint8_t *rrsig, size_t len);

struct sign_cache_stats {
	uint64_t hits;       /* hits + misses = lookups */
	uint64_t misses;
	uint64_t inserts;    /* entries stored (a replaced entry with the same key included) */
	uint64_t evictions;  /* entries with another key dropped to make room */
	uint64_t too_large;  /* insert calls that did not fit a slot */
};

/* Any thread: read the counters (relaxed; each counter is exact, the set is not a snapshot). */
void sign_cache_stats_get(const struct sign_cache *c, struct sign_cache_stats *out);

#ifdef __cplusplus
}
#endif

#endif
