/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The cost of a key-table swap as a worker sees it. One worker thread on
 * CPU 1 answers DO=1 A queries for a working set of names of a generated
 * signed zone (ECDSA P-256, KSK + ZSK), back to back through the engine (no
 * I/O), timing every answer. A control thread on CPU 0 publishes a prebuilt
 * key table (built half an interval earlier) every INTERVAL ms through the
 * daemon's own ctl_publish_keytable
 * (one release store, an epoch grace period, then the old table freed),
 * either with the same keys (a new generation, as when the DNSKEY RRset is
 * re-signed) or with the other of two zone-signing keys (a real key change).
 *
 * For each case it prints one row of a Markdown table:
 *   - answer latency (ns) p50, p99, p99.9 and max, in steady state (answers
 *     after the rate has recovered from a swap) and in the first 1 ms after
 *     each swap; and the signatures made per 1000 steady-state answers (a
 *     working set the cache cannot hold keeps signing between swaps);
 *   - answers in the first 1 ms after a swap (median over swaps) beside
 *     the steady-state number per ms;
 *   - signatures made per swap, and the recovery: queries (and ms) from
 *     the swap until a block of 256 consecutive answers averages at most
 *     twice the steady-state mean latency (median and max over swaps).
 * The signature cache keys on the table's sig_generation, which a new
 * table takes over from the one it replaces when both sign alike (same
 * zone-signing keys and validity): a table with the same keys keeps every
 * cached signature, a ZSK change makes them all unreachable and the
 * recovery is the re-signing of the working set.
 *
 * Usage: bench_swap                      the suite (the apex DNSKEY, which is
 *                                        served from the table and never
 *                                        signed, alone: the swap itself; 1,000
 *                                        names with the same keys and with a
 *                                        new ZSK; 100,000 names with a new
 *                                        ZSK; about 40 s)
 *        bench_swap [--names N | --dnskey] [--interval MS] [--swaps K]
 *                   [--change same|zsk] [--sigcache-entries N]
 */
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "control/publish.h"
#include "dataplane/core/engine.h"
#include "dataplane/core/worker.h"
#include "dns/name.h"
#include "dns/rdata.h"
#include "dns/wire.h"
#include "dns/zone.h"
#include "sign/key.h"
#include "sign/keytable.h"

#define ZONE_NAMES 100000          /* n0 .. n99999.swap.example */
#define HIST_NS (1u << 20)         /* 1 ns buckets up to 1.05 ms; beyond, only counted */
#define WINDOW_NS 1000000          /* "first 1 ms after a swap" */
#define BLOCK 256                  /* answers per block in the recovery test */
#define QSTRIDE 64
#define MAX_SWAPS 1024

struct hist {
	uint64_t *b;   /* HIST_NS buckets */
	uint64_t over; /* latencies >= HIST_NS */
	uint64_t n, max;
};

struct scenario {
	unsigned names, interval_ms, swaps;
	int new_zsk;
	int dnskey;     /* query the apex DNSKEY (served from the table, never signed) instead */
	size_t cache_entries;
};

/* State of one run. The worker thread writes everything below stop; the
 * control thread reads it after joining. */
struct run {
	struct scenario sc;
	struct dp_runtime rt;
	struct dp_worker w;
	struct dp_zone_slot slot;
	_Atomic int ready;            /* worker: warm and steady mean measured */
	_Atomic uint64_t swap_seq;    /* control: swaps published */
	_Atomic uint64_t swap_at;     /* control: CLOCK_MONOTONIC ns of the last swap */

	double steady_mean;
	struct hist steady, after;
	uint64_t steady_sigs;         /* signatures made while in steady state */
	unsigned nswaps;
	uint64_t win_q[MAX_SWAPS];    /* answers in the first 1 ms */
	int64_t rec_q[MAX_SWAPS];     /* queries until recovered; -1: not before the next swap */
	double rec_ms[MAX_SWAPS];
	uint64_t sigs[MAX_SWAPS];     /* signatures made from the swap to the recovery */
	int bad;
};

struct bench_view {
	struct dp_view v;
	struct dp_zone_slot *slots[1];
};

static struct dns_zone *zone;
static uint8_t apex[DNS_NAME_MAXLEN];
static struct sign_key *ksk, *zsk[2];
static uint8_t *queries;          /* ZONE_NAMES + 1 queries of QSTRIDE octets */
static uint8_t qlens[ZONE_NAMES + 1];
static uint64_t generation;

static uint64_t
now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void
sleep_until(uint64_t ns)
{
	struct timespec d = { (time_t)(ns / 1000000000u), (long)(ns % 1000000000u) };
	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &d, NULL) != 0)
		;
}

static void
pin(int cpu)
{
	cpu_set_t set;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	if (pthread_setaffinity_np(pthread_self(), sizeof(set), &set) != 0)
		fprintf(stderr, "bench_swap: cannot pin to CPU %d (continuing unpinned)\n", cpu);
}

static void
die(const char *what)
{
	fprintf(stderr, "bench_swap: %s\n", what);
	exit(1);
}

static void
hist_add(struct hist *h, uint64_t v)
{
	if (v < HIST_NS)
		h->b[v]++;
	else
		h->over++;
	h->n++;
	if (v > h->max)
		h->max = v;
}

/* The q-quantile (0..1) in ns; UINT64_MAX when it lies beyond HIST_NS, 0 when empty. */
static uint64_t
hist_q(const struct hist *h, double q)
{
	if (h->n == 0)
		return 0;
	uint64_t want = (uint64_t)(q * (double)h->n), seen = 0;
	for (uint64_t i = 0; i < HIST_NS; i++) {
		seen += h->b[i];
		if (seen > want)
			return i;
	}
	return UINT64_MAX;
}

static void
fmt_ns(char *buf, size_t len, uint64_t v)
{
	if (v == UINT64_MAX)
		snprintf(buf, len, ">1 ms");
	else if (v >= 100000)
		snprintf(buf, len, "%.2f ms", (double)v / 1e6);
	else
		snprintf(buf, len, "%llu", (unsigned long long)v);
}

/* Query i for name and type, with EDNS 1232 and DO. */
static void
put_query(unsigned i, const char *name, uint16_t type)
{
	uint8_t *q = queries + (size_t)i * QSTRIDE;
	dns_put16(q, (uint16_t)i);
	dns_put16(q + 4, 1);
	dns_put16(q + 10, 1);
	int n = dns_name_from_str(name, q + DNS_HDR_LEN, DNS_NAME_MAXLEN);
	if (n < 0)
		die("bad name");
	uint8_t *p = q + DNS_HDR_LEN + n;
	dns_put16(p, type);
	dns_put16(p + 2, DNS_C_IN);
	p[4] = 0;
	dns_put16(p + 5, DNS_T_OPT);
	dns_put16(p + 7, 1232);
	dns_put16(p + 11, DNS_EDNS_DO);
	qlens[i] = (uint8_t)(DNS_HDR_LEN + n + 4 + 11);
}

static void
make_zone(void)
{
	char path[] = "/tmp/bench_swap.XXXXXX", err[512];
	int fd = mkstemp(path);
	FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
	if (!f)
		die("cannot write the zone file");
	fprintf(f, "$ORIGIN swap.example.\n$TTL 3600\n@ SOA ns1 hostmaster 1 7200 3600 1209600 3600\n"
		   "@ NS ns1\nns1 A 192.0.2.1\n");
	for (unsigned i = 0; i < ZONE_NAMES; i++)
		fprintf(f, "n%u A 198.51.%u.%u\n", i, i / 250 % 250, i % 250 + 1);
	if (fclose(f) != 0)
		die("cannot write the zone file");
	int rc = dns_zone_load("swap.example", path, &zone, err, sizeof(err));
	unlink(path);
	if (rc < 0)
		die(err);
	dns_name_from_str("swap.example", apex, sizeof(apex));
	if (sign_key_generate(SIGN_ALG_ECDSAP256SHA256, SIGN_FLAGS_KSK, apex, &ksk) < 0 ||
	    sign_key_generate(SIGN_ALG_ECDSAP256SHA256, SIGN_FLAGS_ZSK, apex, &zsk[0]) < 0 ||
	    sign_key_generate(SIGN_ALG_ECDSAP256SHA256, SIGN_FLAGS_ZSK, apex, &zsk[1]) < 0)
		die("cannot generate keys");

	/* Query i: "nI.swap.example A"; query ZONE_NAMES: "swap.example DNSKEY". */
	queries = calloc(ZONE_NAMES + 1, QSTRIDE);
	if (!queries)
		die("out of memory");
	for (unsigned i = 0; i < ZONE_NAMES; i++) {
		char name[64];
		snprintf(name, sizeof(name), "n%u.swap.example", i);
		put_query(i, name, DNS_T_A);
	}
	put_query(ZONE_NAMES, "swap.example", DNS_T_DNSKEY);
}

/* The next generation's table: the KSK with ZSK 0, or with ZSK 0 and 1 in turn when new_zsk. */
static struct sign_keytable *
table(int new_zsk)
{
	const struct sign_key *ks[2] = { ksk, zsk[new_zsk ? generation % 2 : 0] };
	struct sign_keytable *t = NULL;
	char err[256];
	struct sign_keytable_params p = {
		.apex = apex, .zone = zone, .keys = ks, .nkeys = 2,
		.validity = SIGN_VALIDITY_DEFAULT, .nworkers = 1, .generation = ++generation,
		.now = (uint32_t)time(NULL),
	};
	if (sign_keytable_build(&p, &t, err, sizeof(err)) < 0)
		die(err);
	return t;
}

static int
answer(struct run *r, unsigned i, uint8_t *out, size_t *outlen)
{
	const struct dp_view *v = dp_view_enter(&r->w);
	int verdict = dp_query_answer(v, &r->w, queries + (size_t)i * QSTRIDE, qlens[i], out, 4096,
				      outlen, 0);
	dp_view_leave(&r->w);
	return verdict;
}

static void *
worker_main(void *arg)
{
	struct run *r = arg;
	unsigned n = r->sc.names, *order = malloc(n * sizeof(*order));
	uint8_t out[4096];
	size_t outlen;
	uint64_t x = 88172645463325252ull;

	pin(1);
	if (!order)
		die("out of memory");
	/* The working set n0 .. n(N-1) in a random order (xorshift64 Fisher-Yates). */
	for (unsigned i = 0; i < n; i++)
		order[i] = r->sc.dnskey ? ZONE_NAMES : i;
	for (unsigned i = n - 1; i > 0; i--) {
		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		unsigned j = (unsigned)(x % (i + 1)), t = order[i];
		order[i] = order[j], order[j] = t;
	}

	/* Warm the cache (one pass signs, the second hits), then measure the steady mean. */
	for (unsigned pass = 0; pass < 2; pass++)
		for (unsigned i = 0; i < n; i++)
			answer(r, order[i], out, &outlen);
	/* A: the RR and its RRSIG; DNSKEY: KSK, ZSK and the KSK's RRSIG. */
	if (DNS_RCODE(dns_get16(out + 2)) != DNS_R_NOERROR ||
	    dns_get16(out + 6) != (r->sc.dnskey ? 3 : 2)) {
		fprintf(stderr, "bench_swap: unexpected answer\n");
		r->bad = 1;
	}
	uint64_t base_q = n < 200000 ? 200000 : n, t0 = now_ns(), prev = t0;
	uint64_t steady0 = dp_counter_get(&r->w, DP_CNT_SIG_MISS);
	for (uint64_t k = 0; k < base_q; k++) {
		answer(r, order[k % n], out, &outlen);
		uint64_t t = now_ns();
		hist_add(&r->steady, t - prev);
		prev = t;
	}
	r->steady_mean = (double)(prev - t0) / (double)base_q;
	atomic_store(&r->ready, 1);

	uint64_t seen = 0, sw_at = 0, qsince = 0, bsum = 0, bstart = 0, miss0 = 0;
	unsigned bn = 0, k = 0;
	int recovering = 0, in_window = 0;
	prev = now_ns();
	while (!atomic_load_explicit(&r->rt.stop, memory_order_relaxed)) {
		uint64_t seq = atomic_load_explicit(&r->swap_seq, memory_order_acquire);
		if (seq != seen) {
			if (recovering && r->nswaps > 0) {
				r->rec_q[r->nswaps - 1] = -1;
				r->sigs[r->nswaps - 1] = dp_counter_get(&r->w, DP_CNT_SIG_MISS) - miss0;
			}
			if (!recovering)
				r->steady_sigs += dp_counter_get(&r->w, DP_CNT_SIG_MISS) - steady0;
			seen = seq;
			sw_at = atomic_load_explicit(&r->swap_at, memory_order_relaxed);
			recovering = in_window = 1;
			r->win_q[r->nswaps++] = 0;
			qsince = bsum = 0;
			bn = 0;
			bstart = prev;
			miss0 = dp_counter_get(&r->w, DP_CNT_SIG_MISS);
		}
		uint64_t start = prev;
		if (answer(r, order[k], out, &outlen) != DP_SEND)
			r->bad = 1;
		if (++k == n)
			k = 0;
		uint64_t t = now_ns(), lat = t - start;
		prev = t;
		unsigned s = r->nswaps - 1;
		if (in_window && start < sw_at + WINDOW_NS) {
			hist_add(&r->after, lat);
			r->win_q[s]++;
		} else {
			in_window = 0;
			if (!recovering)
				hist_add(&r->steady, lat);
		}
		if (!recovering)
			continue;
		qsince++;
		bsum += lat;
		if (++bn == BLOCK) {
			if ((double)bsum <= 2.0 * BLOCK * r->steady_mean) {
				r->rec_q[s] = (int64_t)(qsince - BLOCK);
				r->rec_ms[s] = bstart > sw_at ? (double)(bstart - sw_at) / 1e6 : 0;
				r->sigs[s] = dp_counter_get(&r->w, DP_CNT_SIG_MISS) - miss0;
				steady0 = dp_counter_get(&r->w, DP_CNT_SIG_MISS);
				recovering = 0;
			}
			bsum = 0;
			bn = 0;
			bstart = t;
		}
	}
	if (recovering && r->nswaps > 0) {
		r->rec_q[r->nswaps - 1] = -1;
		r->sigs[r->nswaps - 1] = dp_counter_get(&r->w, DP_CNT_SIG_MISS) - miss0;
	} else if (!recovering) {
		r->steady_sigs += dp_counter_get(&r->w, DP_CNT_SIG_MISS) - steady0;
	}
	free(order);
	return NULL;
}

static int
cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

static int
cmp_dbl(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static void
report(struct run *r)
{
	const struct scenario *sc = &r->sc;
	char s[4][16], a[4][16];
	const double qs[3] = { 0.5, 0.99, 0.999 };
	unsigned n = r->nswaps, nrec = 0;
	uint64_t win[MAX_SWAPS], recq[MAX_SWAPS], sigs[MAX_SWAPS];
	double recms[MAX_SWAPS];

	for (unsigned i = 0; i < 3; i++) {
		fmt_ns(s[i], sizeof(s[i]), hist_q(&r->steady, qs[i]));
		fmt_ns(a[i], sizeof(a[i]), hist_q(&r->after, qs[i]));
	}
	fmt_ns(s[3], sizeof(s[3]), r->steady.max);
	fmt_ns(a[3], sizeof(a[3]), r->after.max);
	if (r->after.n == 0)
		for (unsigned i = 0; i < 4; i++)
			snprintf(a[i], sizeof(a[i]), "-");
	for (unsigned i = 0; i < n; i++) {
		win[i] = r->win_q[i];
		sigs[i] = r->sigs[i];
		if (r->rec_q[i] >= 0) {
			recq[nrec] = (uint64_t)r->rec_q[i];
			recms[nrec++] = r->rec_ms[i];
		}
	}
	qsort(win, n, sizeof(win[0]), cmp_u64);
	qsort(sigs, n, sizeof(sigs[0]), cmp_u64);
	qsort(recq, nrec, sizeof(recq[0]), cmp_u64);
	qsort(recms, nrec, sizeof(recms[0]), cmp_dbl);

	char what[32];
	if (sc->dnskey)
		snprintf(what, sizeof(what), "apex DNSKEY");
	else
		snprintf(what, sizeof(what), "%u names, A", sc->names);
	printf("| %s | %zu | %s | %u x %u ms | %s / %s / %s / %s | %.2f | %s / %s / %s / %s | %llu / %.0f | %llu |",
	       what, sc->cache_entries, sc->new_zsk ? "new ZSK" : "same keys", n, sc->interval_ms,
	       s[0], s[1], s[2], s[3], 1000.0 * (double)r->steady_sigs / (double)(r->steady.n ? r->steady.n : 1),
	       a[0], a[1], a[2], a[3],
	       n ? (unsigned long long)win[n / 2] : 0ull, 1e6 / r->steady_mean,
	       n ? (unsigned long long)sigs[n / 2] : 0ull);
	if (nrec)
		printf(" %llu / %.1f ms (max %llu / %.1f ms)", (unsigned long long)recq[nrec / 2],
		       recms[nrec / 2], (unsigned long long)recq[nrec - 1], recms[nrec - 1]);
	if (nrec < n)
		printf(" %u of %u swaps not recovered before the next", n - nrec, n);
	printf(" |\n");
	fflush(stdout);
}

static int
run_scenario(const struct scenario *sc)
{
	struct run *r = calloc(1, sizeof(*r));
	struct ctl_publisher pub;
	pthread_t th;
	struct timespec ts = { 0, 1000000 };

	if (!r || sc->names == 0 || sc->names > ZONE_NAMES || sc->swaps >= MAX_SWAPS)
		die("bad scenario");
	r->sc = *sc;
	r->steady.b = calloc(HIST_NS, sizeof(uint64_t));
	r->after.b = calloc(HIST_NS, sizeof(uint64_t));
	if (!r->steady.b || !r->after.b)
		die("out of memory");
	dp_runtime_init(&r->rt);
	r->rt.sigcache_entries = sc->cache_entries;
	if (ctl_publish_init(&pub, &r->rt) < 0 || dp_worker_init(&r->w, &r->rt, 0) < 0)
		die("worker setup failed (is --sigcache-entries a power of two?)");
	/* The view and its slot array in one allocation, as ctl_publish_view wants. */
	struct dns_zone *zones[1] = { zone };
	struct bench_view *bv = malloc(sizeof(*bv));
	if (!bv || !(bv->v.zones = dns_zoneset_new(zones, 1)))
		die("out of memory");
	bv->slots[0] = &r->slot;
	bv->v.slots = bv->slots;
	bv->v.udp_max = 1232;
	ctl_publish_keytable(&pub, &r->slot, table(sc->new_zsk));
	ctl_publish_view(&pub, &bv->v);
	if (pthread_create(&th, NULL, worker_main, r) != 0)
		die("pthread_create failed");
	while (!atomic_load(&r->ready))
		nanosleep(&ts, NULL);

	/*
	 * Each table is built half an interval before it is published, so the
	 * control thread does after a swap only what the daemon's does: the
	 * grace period and freeing the old table.
	 */
	uint64_t half = (uint64_t)sc->interval_ms * 500000u, at = now_ns();
	for (unsigned i = 0; i <= sc->swaps; i++) {
		sleep_until(at += half);
		if (i == sc->swaps)
			break;
		struct sign_keytable *next = table(sc->new_zsk);
		sleep_until(at += half);
		atomic_store_explicit(&r->swap_at, now_ns(), memory_order_relaxed);
		atomic_fetch_add_explicit(&r->swap_seq, 1, memory_order_release);
		ctl_publish_keytable(&pub, &r->slot, next);
	}
	atomic_store(&r->rt.stop, true);
	pthread_join(th, NULL);

	report(r);
	int bad = r->bad;
	ctl_publish_keytable(&pub, &r->slot, NULL);
	ctl_publish_fini(&pub);
	dp_worker_fini(&r->w);
	dp_runtime_fini(&r->rt);
	free(r->steady.b);
	free(r->after.b);
	free(r);
	return bad;
}

static unsigned long
num(const char *s)
{
	char *end;
	unsigned long v = strtoul(s, &end, 10);
	if (!*s || *end)
		die("expected a number");
	return v;
}

int
main(int argc, char **argv)
{
	static const struct scenario suite[] = {
		{ 1, 100, 20, 0, 1, DP_SIGCACHE_DEFAULT },
		{ 1000, 100, 20, 0, 0, DP_SIGCACHE_DEFAULT },
		{ 1000, 100, 20, 1, 0, DP_SIGCACHE_DEFAULT },
		{ 100000, 8000, 2, 1, 0, 262144 },
	};
	struct scenario one = { 1000, 100, 20, 0, 0, DP_SIGCACHE_DEFAULT };
	int bad = 0;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--dnskey")) {
			one.dnskey = 1;
			one.names = 1;
			continue;
		}
		if (i + 1 >= argc)
			die("usage: bench_swap [--names N | --dnskey] [--interval MS] [--swaps K] "
			    "[--change same|zsk] [--sigcache-entries N]");
		if (!strcmp(argv[i], "--names"))
			one.names = (unsigned)num(argv[++i]);
		else if (!strcmp(argv[i], "--interval"))
			one.interval_ms = (unsigned)num(argv[++i]);
		else if (!strcmp(argv[i], "--swaps"))
			one.swaps = (unsigned)num(argv[++i]);
		else if (!strcmp(argv[i], "--sigcache-entries"))
			one.cache_entries = num(argv[++i]);
		else if (!strcmp(argv[i], "--change") && !strcmp(argv[i + 1], "zsk"))
			one.new_zsk = 1, i++;
		else if (!strcmp(argv[i], "--change") && !strcmp(argv[i + 1], "same"))
			one.new_zsk = 0, i++;
		else
			die("unknown option");
	}
	pin(0);
	make_zone();
	printf("# key-table swaps seen by one worker (CPU 1); control thread on CPU 0; ECDSA P-256\n"
	       "# latency in ns: p50 / p99 / p99.9 / max; recovery: queries / time until 256 answers "
	       "average <= 2x steady (median, max)\n"
	       "| queries | cache entries | change | swaps | steady | steady signatures per 1000 answers "
	       "| first 1 ms after a swap | answers in first ms / per ms steady | signatures per swap "
	       "| recovery |\n"
	       "|---:|---:|---|---|---|---:|---|---|---:|---|\n");
	if (argc > 1)
		bad |= run_scenario(&one);
	else
		for (size_t i = 0; i < sizeof(suite) / sizeof(suite[0]); i++)
			bad |= run_scenario(&suite[i]);
	dns_zone_unref(zone);
	sign_key_free(ksk);
	sign_key_free(zsk[0]);
	sign_key_free(zsk[1]);
	free(queries);
	return bad;
}
