/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Per-core worker state and the publication point that the control thread
 * and the workers share.
 *
 * Publication protocol (DESIGN.md section 3): the control thread builds a new
 * immutable struct dp_view, swaps it into dp_runtime.view with one release
 * store, then waits for an epoch grace period before freeing the old one.
 * A worker brackets each burst with dp_view_enter/dp_view_leave and uses only
 * the view pointer returned by dp_view_enter within that bracket.
 */
#ifndef SIGEDGE_DP_WORKER_H
#define SIGEDGE_DP_WORKER_H

#include <ck_epoch.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

/*
 * ThreadSanitizer does not see the ordering ck_epoch provides (its fences
 * are inline assembly); under it, dp_view_leave and dp_epoch_synchronize
 * state that ordering with annotations.
 */
#if defined(__SANITIZE_THREAD__)
#define DP_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define DP_TSAN 1
#endif
#endif
#ifdef DP_TSAN
#include <sanitizer/tsan_interface.h>
#endif

struct dp_view;
struct sign_cache;
struct sign_keytable;

/*
 * Signing budget of one worker for one zone (DESIGN.md 4): a token bucket
 * holding at most one second's worth of signatures. A random-subdomain
 * flood makes every answer need a fresh signature; the budget bounds the
 * CPU one zone's floods take, so cached answers (which cost no signature)
 * and other zones keep being served. Written by its worker only.
 */
struct dp_sign_budget {
	uint64_t last_ms;   /* coarse real-time clock of the last refill */
	uint64_t credit;    /* thousandths of a signature, at most 1000 * rate */
} __attribute__((aligned(64)));

/*
 * A zone's signing state as the workers see it, one per zone of the view's
 * zone set (dp_view.slots). keys is NULL for an unsigned zone. The control
 * thread publishes a new table with one release store and frees the old one
 * after an epoch grace period; workers load it with acquire inside their
 * epoch section. The slot's address identifies the zone in the signature
 * cache, so a slot lives as long as its zone is served.
 *
 * sign_rate limits the signatures each worker makes per second for this
 * zone's answers to UDP queries (0: no limit); budget[i] is worker i's
 * bucket. Both are set by dp_zone_slot_init before the slot is first
 * published and never change while it is. See dp_query_answer for what an
 * answer over the budget gets.
 */
struct dp_zone_slot {
	_Atomic(const struct sign_keytable *) keys;
	uint32_t sign_rate;
	unsigned nbudget;                /* entries in budget: the number of workers */
	struct dp_sign_budget *budget;   /* NULL when sign_rate is 0 */
};

struct dp_runtime {
	_Atomic(const struct dp_view *) view;  /* current view; never NULL while workers run */
	ck_epoch_t epoch;                      /* one record per worker plus one for control */
	atomic_bool stop;                      /* set by control to end every loop */
	size_t sigcache_entries;               /* of each worker's signature cache, a power
						* of two; read by dp_worker_init */
};

/* Counters. Each is written by its own worker only and read by control. */
enum dp_counter {
	DP_CNT_RX,           /* messages received */
	DP_CNT_TX,           /* replies sent */
	DP_CNT_DROPPED,      /* received and not answered */
	DP_CNT_UDP,          /* queries over UDP */
	DP_CNT_TCP,          /* queries over TCP */
	DP_CNT_EDNS,         /* queries with OPT */
	DP_CNT_DO,           /* queries with the DO bit */
	DP_CNT_TRUNCATED,    /* replies with TC set */
	DP_CNT_NOERROR, DP_CNT_FORMERR, DP_CNT_SERVFAIL, DP_CNT_NXDOMAIN, DP_CNT_NOTIMP,
	DP_CNT_REFUSED, DP_CNT_BADVERS,
	DP_CNT_NODATA,       /* NOERROR with no answer and SOA in authority */
	DP_CNT_REFERRAL,     /* delegations answered */
	DP_CNT_TCP_CONN,     /* TCP connections accepted */
	DP_CNT_SIGNED,       /* replies carrying RRSIGs */
	DP_CNT_SIG_HIT,      /* RRSIGs taken from the signature cache */
	DP_CNT_SIG_MISS,     /* RRSIGs made (not in the cache) */
	DP_CNT_SIGN_LIMITED, /* UDP answers truncated for want of signing budget */
	DP_CNT__MAX
};

/* Name of a counter for statistics output ("rx", "nxdomain", ...); NULL if out of range. */
const char *dp_counter_name(enum dp_counter c);

/*
 * Signing resources of a worker, sized at init (DESIGN.md 2: nothing is
 * allocated per query).
 * A signature cache of rt->sigcache_entries entries (DP_SIGCACHE_DEFAULT
 * unless the control thread sets another power of two before the workers
 * are initialised) of SIGN_CACHE_SLOT_RSA2048 octets: 520 octets an entry
 * with its tag, 34 MiB per worker by default. Slots of that size hold RSA
 * signatures up to 2048 bits and every ECDSA or Ed25519 one.
 * DP_SIGN_SCRATCH: the canonical form of one RRset being signed (RFC 4034
 * 6: owner repeated per RR, names uncompressed). 64 KiB holds every RRset
 * that fits a reply unless its owner or RDATA names compress heavily; an
 * RRset whose canonical form is larger is answered with SERVFAIL when it has
 * to be signed.
 */
#define DP_SIGCACHE_DEFAULT 65536
#define DP_SIGN_SCRATCH (64 * 1024)

/* One per core; cache-aligned; owned and written by one thread. */
struct dp_worker {
	ck_epoch_record_t *epoch_rec;          /* from dp_epoch_record_get */
	struct dp_runtime *rt;
	unsigned id;                           /* index into a key table's signers */
	struct sign_cache *sigcache;           /* this worker's signature cache */
	uint8_t *sign_scratch;                 /* DP_SIGN_SCRATCH octets */
	_Atomic uint64_t cnt[DP_CNT__MAX];
} __attribute__((aligned(64)));

/*
 * Runtime life cycle (control thread). init: no view, not stopped, an empty
 * epoch, DP_SIGCACHE_DEFAULT cache entries. fini: frees every epoch record; all must have been released and
 * no thread may use rt any more.
 */
void dp_runtime_init(struct dp_runtime *rt);
void dp_runtime_fini(struct dp_runtime *rt);

/*
 * Epoch records belong to the runtime for its whole life: ck_epoch keeps
 * every record ever registered on its list (ck_epoch_synchronize walks them
 * all), so a record is never freed before dp_runtime_fini. get reuses a
 * released record (ck_epoch_recycle) or allocates and registers a new one;
 * NULL when out of memory. put unregisters it, making it available again.
 * Control thread only (ck_epoch_register is not safe against concurrent
 * registration from several threads in this use).
 */
ck_epoch_record_t *dp_epoch_record_get(struct dp_runtime *rt);
void dp_epoch_record_put(ck_epoch_record_t *rec);

/*
 * Set up a slot with no key table and the signing budget sign_rate for each
 * of nworkers workers, their buckets full (control thread). Returns 0 or
 * -ENOMEM. fini frees the buckets, not the key table.
 */
int dp_zone_slot_init(struct dp_zone_slot *s, uint32_t sign_rate, unsigned nworkers);
void dp_zone_slot_fini(struct dp_zone_slot *s);

/*
 * Attach w to rt with its own epoch record, signature cache and signing
 * scratch buffer (control thread, before the worker thread starts). id
 * selects the worker's signer contexts in key tables (0 .. nworkers - 1).
 * Returns 0 or -ENOMEM (nothing left allocated). fini releases the record
 * and frees the rest (after the worker thread has been joined).
 */
int dp_worker_init(struct dp_worker *w, struct dp_runtime *rt, unsigned id);
void dp_worker_fini(struct dp_worker *w);

/* Single-writer increment: a relaxed load and store, no locked instruction. */
static inline void
dp_count(struct dp_worker *w, enum dp_counter c, uint64_t n)
{
	atomic_store_explicit(&w->cnt[c], atomic_load_explicit(&w->cnt[c], memory_order_relaxed) + n,
			      memory_order_relaxed);
}

/* Any thread: read a counter (relaxed; statistics need no ordering). */
static inline uint64_t
dp_counter_get(const struct dp_worker *w, enum dp_counter c)
{
	return atomic_load_explicit(&w->cnt[c], memory_order_relaxed);
}

/*
 * Enter the epoch section and return the current view. The acquire load
 * pairs with the control thread's release store, so the view's contents are
 * visible; ck_epoch_begin keeps the view alive until dp_view_leave.
 */
static inline const struct dp_view *
dp_view_enter(struct dp_worker *w)
{
	ck_epoch_begin(w->epoch_rec, NULL);
	return atomic_load_explicit(&w->rt->view, memory_order_acquire);
}

static inline void
dp_view_leave(struct dp_worker *w)
{
#ifdef DP_TSAN
	__tsan_release(&w->rt->epoch);
#endif
	ck_epoch_end(w->epoch_rec, NULL);
}

/*
 * Control thread, with its own epoch record: wait for a grace period. Every
 * epoch section that was active when it started has ended on return, so an
 * object unpublished (its pointer replaced) before the call may be freed.
 */
static inline void
dp_epoch_synchronize(struct dp_runtime *rt, ck_epoch_record_t *rec)
{
	ck_epoch_synchronize(rec);
#ifdef DP_TSAN
	__tsan_acquire(&rt->epoch);
#endif
	(void)rt;
}

#endif
