/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * bench_dpdk: single-lcore throughput of the DPDK backend, end to end in
 * one process: EAL on lcore 1 without hugepages or PCI, one net_pcap port
 * replaying an input file forever (infinite_rx=1, no tx_pcap: the driver
 * counts and drops what is sent), the burst loop of dataplane/io/dpdk_loop.h
 * and the query engine on a view of zones/example.com.zone signed online
 * (ECDSA P-256, compact denial).
 *
 * Workloads, each an input pcap written into a temporary directory and run
 * in its own child process (EAL starts once per process):
 *   unsigned  DO=0 A queries for the zone's names (positive answers);
 *   cached    DO=1 A queries for a handful of names (signature cache hits);
 *   unique    DO=1 A queries for distinct nonexistent names, each answer
 *             needing a fresh signature. net_pcap's infinite_rx keeps every
 *             input frame in an mbuf of the port's mempool, so the file is
 *             bounded by the mempool (UNIQUE_FRAMES); the signature cache is
 *             shrunk to UNIQUE_CACHE entries for this run so that no name is
 *             still cached when the file wraps (the cache counters show it).
 * Each run warms up for a second, then measures -t seconds (default 5).
 * After the unique run, `openssl speed ecdsap256` on the same CPU gives the
 * signing rate the unique-name rate is compared with.
 *
 * Usage: bench_dpdk [-t SECONDS]   (run from the source tree, or set
 * SIGEDGE_SRCDIR to it)
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bench/signed_view.h"
#include "dataplane/core/engine.h"
#include "dataplane/core/worker.h"
#include "dataplane/io/dpdk.h"
#include "dataplane/io/dpdk_loop.h"
#include "dns/name.h"
#include "sign/key.h"
#include "sign/keytable.h"
#include "tests/dataplane/io/test_pkt_frames.h"
#include "tests/support/pcap.h"

#define LCORE "1"
#define CLI_PORT 40000
#define SMALL_FRAMES 4096
#define UNIQUE_FRAMES 60000
#define UNIQUE_CACHE 4096
/* Descriptors per queue: the driver needs none, but dp_dpdk sizes the
 * mempool from them, and infinite_rx holds the whole input file in it. */
#define RING 32768
#define FRAME_MAX 256

enum workload { W_UNSIGNED, W_CACHED, W_UNIQUE, W__MAX };

static const char *const wname[W__MAX] = {"unsigned", "cached signed", "unique signed"};

static const char *const positive[] = {
	"example.com", "ns1.example.com", "ns2.example.com", "www.example.com",
	"mail.example.com", "sip.example.com", "alias.example.com", "a.wild.example.com",
	"ns.sub.example.com",
};
static const char *const cached[] = {
	"www.example.com", "mail.example.com", "ns1.example.com", "ns2.example.com",
};

/* What a child reports to the parent through a pipe. */
struct result {
	int ok;
	unsigned frames;
	double secs;
	uint64_t answered, tx, rx, sig_hit, sig_miss, limited, dropped;
};

static double
now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Write the input pcap of workload wl; returns the frame count or -1. */
static int
write_input(const char *path, enum workload wl)
{
	unsigned n = wl == W_UNIQUE ? UNIQUE_FRAMES : SMALL_FRAMES;
	uint64_t rnd = 0x9e3779b97f4a7c15ull;
	uint8_t q[FRAME_MAX], f[FRAME_MAX];
	char name[64];
	FILE *fp = support_pcap_create(path);
	int rc = 0;

	if (!fp)
		return -1;
	for (unsigned i = 0; rc == 0 && i < n; i++) {
		const char *qname = name;
		if (wl == W_UNSIGNED) {
			qname = positive[i % (sizeof(positive) / sizeof(positive[0]))];
		} else if (wl == W_CACHED) {
			qname = cached[i % (sizeof(cached) / sizeof(cached[0]))];
		} else {
			for (unsigned k = 0; k < 12; k++) {
				rnd ^= rnd << 13;
				rnd ^= rnd >> 7;
				rnd ^= rnd << 17;
				name[k] = (char)('a' + rnd % 26);
			}
			snprintf(name + 12, sizeof(name) - 12, ".example.com");
		}
		size_t qlen = t_query(q, (uint16_t)i, qname, 1, 1232, wl != W_UNSIGNED);
		size_t len = t_udp_frame(f, 0, -1, 0, CLI_PORT, 53, q, qlen);
		rc = support_pcap_write(fp, f, len, 1000 + i);
	}
	return support_pcap_close(fp) == 0 && rc == 0 ? (int)n : -1;
}

static void
snapshot(const struct dp_dpdk_loop *l, const struct dp_worker *w, struct result *r)
{
	r->answered = dp_dpdk_loop_counter(l, DP_DPDK_CNT_ANSWERED);
	r->tx = dp_counter_get(w, DP_CNT_TX);
	r->rx = dp_counter_get(w, DP_CNT_RX);
	r->sig_hit = dp_counter_get(w, DP_CNT_SIG_HIT);
	r->sig_miss = dp_counter_get(w, DP_CNT_SIG_MISS);
	r->limited = dp_counter_get(w, DP_CNT_SIGN_LIMITED);
	r->dropped = dp_counter_get(w, DP_CNT_DROPPED);
}

/* Poll until the clock passes end (checked every 64 passes). */
static void
poll_until(struct dp_dpdk_loop *l, double end)
{
	do {
		for (unsigned i = 0; i < 64; i++)
			dp_dpdk_loop_poll(l);
	} while (now() < end);
}

/* The child: EAL, port, view, worker, loop; measures and reports r. */
static void
run(const char *pcap, enum workload wl, double secs, struct result *r)
{
	static struct dp_worker w;
	static struct dp_dpdk_loop loop;
	static struct dp_runtime rt;
	static char vdev[512];
	const char *argv[] = {
		"--no-huge", "-m", "1024", "--no-pci", "--no-shconf", "--no-telemetry",
		"-l", LCORE, "--vdev", vdev,
	};
	struct dp_dpdk_config cfg = {
		.eal_argv = argv, .eal_argc = (int)(sizeof(argv) / sizeof(argv[0])),
		.workers = 1, .rx_ring = RING, .tx_ring = RING,
	};
	const char *src = getenv("SIGEDGE_SRCDIR");
	struct dp_pkt_config pc;
	struct dp_dpdk *d = NULL;
	struct result a;
	char path[4096], err[256];

	snprintf(path, sizeof(path), "%s/zones/example.com.zone", src ? src : ".");
	const struct dp_view *v = bench_signed_view("example.com", path, SIGN_ALG_ECDSAP256SHA256,
						    SIGN_DENIAL_COMPACT);
	if (!v)
		return;
	snprintf(vdev, sizeof(vdev), "net_pcap0,rx_pcap=%s,infinite_rx=1", pcap);
	if (dp_dpdk_start(&cfg, &d, err, sizeof(err)) < 0) {
		fprintf(stderr, "bench_dpdk: %s\n", err);
		return;
	}
	dp_runtime_init(&rt);
	if (wl == W_UNIQUE)
		rt.sigcache_entries = UNIQUE_CACHE;
	atomic_store_explicit(&rt.view, v, memory_order_relaxed);
	t_config(&pc, 0); /* the input frames are addressed to its MAC, not the port's */
	if (dp_worker_init(&w, &rt, 0) < 0 || dp_dpdk_loop_init(&loop, d, 0, &w, &pc, NULL) < 0) {
		fprintf(stderr, "bench_dpdk: cannot set up the worker\n");
		dp_dpdk_stop(d);
		return;
	}
	poll_until(&loop, now() + 1.0);
	snapshot(&loop, &w, &a);
	double t0 = now();
	poll_until(&loop, t0 + secs);
	snapshot(&loop, &w, r);
	r->secs = now() - t0;
	r->answered -= a.answered;
	r->tx -= a.tx;
	r->rx -= a.rx;
	r->sig_hit -= a.sig_hit;
	r->sig_miss -= a.sig_miss;
	r->limited -= a.limited;
	r->dropped -= a.dropped;
	r->ok = 1;
	dp_dpdk_stop(d);
}

/* Run workload wl in a child; 0 and *r filled, or -1. */
static int
child(const char *pcap, enum workload wl, double secs, struct result *r)
{
	int fd[2];

	if (pipe(fd) < 0)
		return -1;
	pid_t pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		struct result cr = {0};
		close(fd[0]);
		run(pcap, wl, secs, &cr);
		_exit(write(fd[1], &cr, sizeof(cr)) == (ssize_t)sizeof(cr) && cr.ok ? 0 : 1);
	}
	close(fd[1]);
	ssize_t got = read(fd[0], r, sizeof(*r));
	close(fd[0]);
	int st;
	waitpid(pid, &st, 0);
	return got == (ssize_t)sizeof(*r) && r->ok && WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0
											       : -1;
}

/* ECDSA P-256 signatures per second by `openssl speed` on the lcore's CPU; 0 on failure. */
static double
openssl_rate(void)
{
	FILE *p = popen("taskset -c " LCORE " openssl speed -seconds 3 ecdsap256 2>/dev/null", "r");
	char line[512];
	double rate = 0, s, vt, vr;

	if (!p)
		return 0;
	while (fgets(line, sizeof(line), p)) {
		const char *at = strstr(line, "(nistp256)");
		if (at && sscanf(at + 10, " %lfs %lfs %lf %lf", &s, &vt, &rate, &vr) != 4)
			rate = 0;
	}
	pclose(p);
	return rate;
}

int
main(int argc, char **argv)
{
	double secs = 5;
	char dir[64] = "/tmp/sigedge-bench-dpdk-XXXXXX", pcap[W__MAX][128];
	struct result r[W__MAX];
	int frames[W__MAX], opt, fail = 0;
	double sign_rate = 0;

	while ((opt = getopt(argc, argv, "t:")) != -1) {
		if (opt != 't' || (secs = atof(optarg)) <= 0) {
			fprintf(stderr, "usage: %s [-t SECONDS]\n", argv[0]);
			return 2;
		}
	}
	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 1;
	}
	for (int wl = 0; wl < W__MAX; wl++) {
		snprintf(pcap[wl], sizeof(pcap[wl]), "%s/in%d.pcap", dir, wl);
		frames[wl] = write_input(pcap[wl], (enum workload)wl);
		if (frames[wl] < 0) {
			fprintf(stderr, "bench_dpdk: cannot write %s\n", pcap[wl]);
			return 1;
		}
	}
	for (int wl = 0; wl < W__MAX; wl++) {
		memset(&r[wl], 0, sizeof(r[wl]));
		if (child(pcap[wl], (enum workload)wl, secs, &r[wl]) < 0) {
			fprintf(stderr, "bench_dpdk: the %s run failed\n", wname[wl]);
			fail = 1;
		}
		if (wl == W_UNIQUE)
			sign_rate = openssl_rate();
	}
	for (int wl = 0; wl < W__MAX; wl++)
		unlink(pcap[wl]);
	rmdir(dir);

	printf("| workload | frames in pcap | answers/s | tx/s | signatures made/s | "
	       "sig cache hits/s | sign-limited | dropped |\n");
	printf("|---|---:|---:|---:|---:|---:|---:|---:|\n");
	for (int wl = 0; wl < W__MAX; wl++) {
		const struct result *x = &r[wl];
		if (!x->ok) {
			printf("| %s | %d | failed | | | | | |\n", wname[wl], frames[wl]);
			continue;
		}
		printf("| %s | %d | %.0f | %.0f | %.0f | %.0f | %llu | %llu |\n", wname[wl],
		       frames[wl], (double)x->answered / x->secs, (double)x->tx / x->secs,
		       (double)x->sig_miss / x->secs, (double)x->sig_hit / x->secs,
		       (unsigned long long)x->limited, (unsigned long long)x->dropped);
	}
	if (r[W_CACHED].ok)
		printf("\ncached signed: %.0f answers/s = %.1f%% of the goal of 3,000,000/s\n",
		       (double)r[W_CACHED].answered / r[W_CACHED].secs,
		       100.0 * (double)r[W_CACHED].answered / r[W_CACHED].secs / 3e6);
	if (r[W_UNIQUE].ok && sign_rate > 0)
		printf("unique signed: %.0f answers/s, openssl speed ecdsap256 on CPU %s: %.0f "
		       "signs/s, ratio %.3f (goals: >= 0.80 of the signing rate; >= 0.90, within 10%%)\n",
		       (double)r[W_UNIQUE].answered / r[W_UNIQUE].secs, LCORE, sign_rate,
		       (double)r[W_UNIQUE].answered / r[W_UNIQUE].secs / sign_rate);
	else if (r[W_UNIQUE].ok)
		printf("unique signed: openssl speed gave no rate\n");
	return fail;
}
