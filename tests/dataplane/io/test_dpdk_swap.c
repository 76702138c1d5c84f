/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Key-table swaps under DPDK load. One worker runs the DPDK burst loop
 * (dataplane/io/dpdk_loop.h) on its own lcore over a net_pcap port that
 * replays its input over and over (infinite_rx). The input alternates a
 * DNSKEY query with DO and a signed query (positive answers, wildcard
 * answers and NXDOMAIN, the last two signed afresh) for a zone signed
 * online. Meanwhile this thread (the control lcore) publishes a new key
 * table about every millisecond as the daemon does: one release store, an
 * epoch grace period, then the old table freed; until at least MIN_SWAPS
 * swaps and MIN_FRAMES frames have passed (or MAX_FRAMES frames). The
 * tables cycle through the zone-signing keys {A}, {B}, {A, B} beside one
 * key-signing key, so consecutive tables exist that share no zone-signing
 * key.
 *
 * Checks: no frame is lost (every frame received gets exactly one answer
 * frame, in order, in the output pcap); every DNSKEY RRset served verifies
 * with the key-signing key; and every RRSIG of every other answer verifies
 * (ldns) with a key of the DNSKEY RRset served just before or just after
 * it.
 *
 * Why the neighbour test is exact: the loop counts rx after each burst's
 * epoch section, so of the frames counted after a swap's grace period, only
 * the first burst (at most DP_DPDK_BURST frames) can have been answered
 * with the old table. A swap waits until DP_DPDK_BURST + 2 frames have been
 * counted since the previous one, so every table answers at least two
 * consecutive frames: the table of an answer is that of the DNSKEY answer
 * before it or of the one after it.
 */
#include <ldns/ldns.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "dataplane/core/engine.h"
#include "dataplane/core/worker.h"
#include "dataplane/io/dpdk.h"
#include "dataplane/io/dpdk_loop.h"
#include "dataplane/io/pkt.h"
#include "dns/name.h"
#include "dns/rdata.h"
#include "dns/wire.h"
#include "dns/zone.h"
#include "sign/key.h"
#include "sign/keytable.h"
#include "tests/dataplane/io/test_pkt_frames.h"
#include "tests/support/ldns_verify.h"
#include "tests/support/pcap.h"
#include "tests/support/rotation.h"
#include "tests/tap.h"

#define NFRAMES 16000            /* input frames, replayed until the run is long enough */
#define MIN_FRAMES 20000
#define MAX_FRAMES 60000         /* bounds the checking time on a busy machine */
#define MIN_SWAPS 300
#define PASS_SWAPS 200           /* fewer only when the machine is too busy */
#define FRAME_MAX 1600
#define CLI_PORT 40000
#define SWAP_NS 1000000L         /* a swap about every millisecond */
#define SWAP_FRAMES (DP_DPDK_BURST + 2)
#define RUN_LIMIT_S 60

static uint8_t frames[NFRAMES][FRAME_MAX];
static uint16_t flen[NFRAMES];

static struct dp_runtime rt;
static struct dp_zone_slot slot;
static struct dp_zone_slot *slots[1] = { &slot };
static struct dp_view view;
static struct support_rotation rot; /* KSK (13), ZSK A (13), ZSK B (15) */

static uint64_t
now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* ---- input ---- */

/*
 * Frame i: DNSKEY for even i; else in turn a positive answer from the
 * signature cache (once per table), a wildcard answer and an NXDOMAIN for
 * a name not asked before (their NSEC RRs signed afresh).
 */
static void
gen(void)
{
	static const char *const pos[] = { "ns1.example.org", "multi.example.org" };
	uint8_t q[512];
	char name[64];

	for (unsigned i = 0; i < NFRAMES; i++) {
		size_t n;
		if (i % 2 == 0) {
			n = t_query(q, (uint16_t)i, "example.org", DNS_T_DNSKEY, 1232, 1);
		} else if ((i / 2) % 3 == 0) {
			n = t_query(q, (uint16_t)i, pos[(i / 6) % 2], DNS_T_A, 1232, 1);
		} else {
			snprintf(name, sizeof(name), "%s%u.example.org", (i / 2) % 3 == 1 ? "w" : "nx", i);
			n = t_query(q, (uint16_t)i, name, (i / 2) % 3 == 1 ? DNS_T_TXT : DNS_T_A, 1232, 1);
		}
		flen[i] = (uint16_t)t_udp_frame(frames[i], 0, -1, 0, CLI_PORT, 53, q, n);
	}
}

/* ---- checks ---- */

/*
 * The output pcap, walked frame by frame: frame j answers input frame
 * j mod NFRAMES. A non-DNSKEY answer waits in pend for the DNSKEY answer
 * after it. DNSKEY answers made from one table are equal but for their
 * ID, so a DNSKEY answer equal to the previous one reuses its checked set;
 * likewise an answer equal to one whose every RRSIG verified with the same
 * set before it (answers from the signature cache) is not verified again.
 */
#define MEMO 8
struct walk {
	const ldns_rr_list *ksk;          /* the KSK's DNSKEY, alone */
	unsigned j;
	ldns_rr_list *before;             /* DNSKEY RRset of the last DNSKEY answer */
	uint8_t last[FRAME_MAX];          /* that answer, ID included */
	size_t last_len;
	unsigned before_gen;              /* changes with before */
	uint8_t pend[FRAME_MAX];
	size_t pend_len;
	unsigned pend_j;
	struct {
		unsigned gen;              /* before_gen it verified with; 0: none */
		size_t len;
		uint8_t dns[FRAME_MAX];
	} memo[MEMO];
	unsigned memo_next;
	unsigned answers, dnskey, dnskey_sets, sigs, memo_hits, after_only;
	unsigned bad_frame, bad_dnskey, bad_answer, bad_sig;
};

/* The DNS payload of output frame j; NULL (counted bad) when not the reply to its query. */
static const uint8_t *
payload(struct walk *w, const uint8_t *f, size_t len, size_t *plen)
{
	size_t off = 14 + 20 + 8;

	if (len < off + DNS_HDR_LEN || t_get16(f + 12) != 0x0800 || t_get16(f + 34) != 53 ||
	    t_get16(f + 36) != CLI_PORT || t_get16(f + 38) != len - 34u ||
	    t_get16(f + off) != w->j % NFRAMES) {
		if (w->bad_frame++ == 0)
			diag("output frame %u is not the reply to its query", w->j);
		return NULL;
	}
	*plen = len - off;
	return f + off;
}

/*
 * The DNSKEY RRset of a DNSKEY answer, verified with the KSK; NULL when it
 * is missing or does not verify. The caller frees it (deep).
 */
static ldns_rr_list *
dnskey_set(struct walk *w, const uint8_t *dns, size_t len)
{
	ldns_pkt *p = NULL;
	ldns_rr_list *set = NULL;
	unsigned good = 0;

	w->dnskey_sets++;
	if (ldns_wire2pkt(&p, dns, len) == LDNS_STATUS_OK) {
		ldns_rr_list *an = ldns_pkt_answer(p);
		for (size_t k = 0; k < ldns_rr_list_rr_count(an); k++) {
			ldns_rr *rr = ldns_rr_list_rr(an, k);
			if (ldns_rr_get_type(rr) == LDNS_RR_TYPE_RRSIG &&
			    support_verify_rrsig(an, rr, w->ksk) == LDNS_STATUS_OK)
				good++;
		}
		set = ldns_pkt_rr_list_by_type(p, LDNS_RR_TYPE_DNSKEY, LDNS_SECTION_ANSWER);
	}
	if (!p || ldns_pkt_get_rcode(p) != LDNS_RCODE_NOERROR || good != 1 || !set ||
	    ldns_rr_list_rr_count(set) < 2) {
		if (w->bad_dnskey++ == 0)
			diag("answer %u: the DNSKEY RRset is missing or not signed by the KSK", w->j);
		ldns_rr_list_deep_free(set);
		set = NULL;
	}
	ldns_pkt_free(p);
	return set;
}

/* Every RRSIG of the pending answer must verify with a key of before or after. */
static void
check_pending(struct walk *w, const ldns_rr_list *after)
{
	ldns_pkt *p = NULL;
	unsigned nsig = 0, with_before = 0, with_after = 0;

	w->answers++;
	for (unsigned m = 0; m < MEMO; m++) {
		if (w->memo[m].gen == w->before_gen && w->memo[m].len == w->pend_len &&
		    memcmp(w->memo[m].dns + 2, w->pend + 2, w->pend_len - 2) == 0) {
			w->memo_hits++;
			return;
		}
	}
	if (ldns_wire2pkt(&p, w->pend, w->pend_len) != LDNS_STATUS_OK) {
		if (w->bad_answer++ == 0)
			diag("answer %u does not parse", w->pend_j);
		return;
	}
	ldns_rr_list *sec[2] = { ldns_pkt_answer(p), ldns_pkt_authority(p) };
	for (unsigned s = 0; s < 2; s++) {
		for (size_t k = 0; k < ldns_rr_list_rr_count(sec[s]); k++) {
			ldns_rr *sig = ldns_rr_list_rr(sec[s], k);
			if (ldns_rr_get_type(sig) != LDNS_RR_TYPE_RRSIG)
				continue;
			nsig++;
			w->sigs++;
			if (w->before && support_verify_rrsig(sec[s], sig, w->before) == LDNS_STATUS_OK)
				with_before++;
			else if (after && support_verify_rrsig(sec[s], sig, after) == LDNS_STATUS_OK)
				with_after++;
			else if (w->bad_sig++ == 0)
				diag("answer %u: an RRSIG (key tag %u) verifies with neither "
				     "neighbouring DNSKEY RRset", w->pend_j,
				     (unsigned)ldns_rdf2native_int16(ldns_rr_rrsig_keytag(sig)));
		}
	}
	if ((ldns_pkt_get_rcode(p) != LDNS_RCODE_NOERROR &&
	     ldns_pkt_get_rcode(p) != LDNS_RCODE_NXDOMAIN) || ldns_pkt_tc(p) || nsig == 0) {
		if (w->bad_answer++ == 0)
			diag("answer %u: rcode %d, TC %d, %u RRSIGs", w->pend_j,
			     (int)ldns_pkt_get_rcode(p), (int)ldns_pkt_tc(p), nsig);
	} else if (with_before + with_after == nsig && with_after > 0) {
		w->after_only++;
	} else if (with_before == nsig) {
		unsigned m = w->memo_next++ % MEMO;
		w->memo[m].gen = w->before_gen;
		w->memo[m].len = w->pend_len;
		memcpy(w->memo[m].dns, w->pend, w->pend_len);
	}
	ldns_pkt_free(p);
}

static int
walk_frame(void *ctx, const uint8_t *f, size_t len)
{
	struct walk *w = ctx;
	size_t plen;
	const uint8_t *dns = payload(w, f, len, &plen);

	if (dns && w->j % 2 == 0) {
		w->dnskey++;
		if (plen != w->last_len || memcmp(dns + 2, w->last + 2, plen - 2) != 0) {
			ldns_rr_list *set = dnskey_set(w, dns, plen);
			if (w->pend_len)
				check_pending(w, set);
			ldns_rr_list_deep_free(w->before);
			w->before = set;
			w->before_gen++;
			memcpy(w->last, dns, plen);
			w->last_len = plen;
		} else if (w->pend_len) {
			check_pending(w, w->before);
		}
		w->pend_len = 0;
	} else if (dns) {
		memcpy(w->pend, dns, plen);
		w->pend_len = plen;
		w->pend_j = w->j;
	}
	w->j++;
	return 0;
}

/* The KSK's DNSKEY as an ldns list of one RR. */
static ldns_rr_list *
ksk_list(void)
{
	size_t len;
	const uint8_t *rd = sign_key_dnskey(rot.keys[0], &len);
	ldns_rr *rr = ldns_rr_new();
	ldns_rr_list *l = ldns_rr_list_new();

	ldns_rr_set_type(rr, LDNS_RR_TYPE_DNSKEY);
	ldns_rr_set_class(rr, LDNS_RR_CLASS_IN);
	ldns_rr_set_owner(rr, ldns_dname_new_frm_str("example.org."));
	ldns_rr_push_rdf(rr, ldns_native2rdf_int16(LDNS_RDF_TYPE_INT16, t_get16(rd)));
	ldns_rr_push_rdf(rr, ldns_native2rdf_int8(LDNS_RDF_TYPE_INT8, rd[2]));
	ldns_rr_push_rdf(rr, ldns_native2rdf_int8(LDNS_RDF_TYPE_ALG, rd[3]));
	ldns_rr_push_rdf(rr, ldns_rdf_new_frm_data(LDNS_RDF_TYPE_B64, len - 4, rd + 4));
	ldns_rr_list_push_rr(l, rr);
	return l;
}

/* ---- set-up ---- */

static int
loop_main(void *arg)
{
	dp_dpdk_loop_run(arg);
	return 0;
}

static int
start(const char *pin, const char *pout, struct dp_dpdk **d, char *err, size_t errlen)
{
	static char prefix[64], vdev[300];
	static const char *ports[] = { "net_pcap0" };
	const char *argv[] = {
		"--no-huge", "-m", "512", "--no-pci", "--no-shconf", "--no-telemetry", prefix,
		"-l", "0-1", "--vdev", vdev,
	};
	struct dp_dpdk_config cfg = {
		.eal_argv = argv, .eal_argc = (int)(sizeof(argv) / sizeof(argv[0])),
		.ports = ports, .nports = 1, .workers = 1, .control_main = true,
		.rx_ring = 1024, .tx_ring = 1024, .extra_mbufs = NFRAMES, /* infinite_rx holds the input */
	};

	snprintf(prefix, sizeof(prefix), "--file-prefix=sigedge-swap-%ld", (long)getpid());
	snprintf(vdev, sizeof(vdev), "net_pcap0,rx_pcap=%s,tx_pcap=%s,infinite_rx=1", pin, pout);
	return dp_dpdk_start(&cfg, d, err, errlen);
}

int
main(void)
{
	static struct dp_worker w;
	static struct dp_dpdk_loop loop;
	const char *src = getenv("SIGEDGE_SRCDIR");
	char dir[64], pin[128], pout[128], path[1024], err[512] = "";
	struct dp_pkt_config cfg;
	struct dns_zone *z = NULL;
	struct dp_dpdk *d = NULL;
	uint64_t swaps = 0;

	snprintf(dir, sizeof(dir), "/tmp/sigedge-swap-XXXXXX");
	if (!mkdtemp(dir)) {
		printf("Bail out! mkdtemp\n");
		return 1;
	}
	snprintf(pin, sizeof(pin), "%s/in.pcap", dir);
	snprintf(pout, sizeof(pout), "%s/out.pcap", dir);
	snprintf(path, sizeof(path), "%s/tests/zones/example.org.zone", src ? src : ".");
	if (dns_zone_load("example.org", path, &z, err, sizeof(err)) < 0) {
		printf("Bail out! %s\n", err);
		return 1;
	}
	support_rotation_init(&rot, z, "example.org");
	gen();
	if (support_pcap_save(pin, frames[0], FRAME_MAX, flen, NFRAMES) != 0) {
		printf("Bail out! cannot write %s\n", pin);
		return 1;
	}

	int rc = start(pin, pout, &d, err, sizeof(err));
	if (rc < 0 && strncmp(err, "EAL initialisation failed", 25) == 0) {
		printf("1..0 # SKIP EAL cannot start here: %s\n", err);
		unlink(pin);
		rmdir(dir);
		return 0;
	}
	if (!ok(rc == 0, "start with a net_pcap port and a worker lcore: %s", rc ? err : "ok"))
		return tap_done();

	struct dns_zoneset *zs = dns_zoneset_new(&z, 1);
	dp_runtime_init(&rt);
	ck_epoch_record_t *ctl = dp_epoch_record_get(&rt);
	if (!zs || !ctl || dp_worker_init(&w, &rt, 0) < 0) {
		printf("Bail out! setup failed\n");
		return 1;
	}
	atomic_init(&slot.keys, support_rotation_table(&rot, 1));
	view = (struct dp_view){ .zones = zs, .slots = slots, .udp_max = 1232 };
	atomic_store_explicit(&rt.view, &view, memory_order_release);
	t_config(&cfg, 0);
	void *args[1] = { &loop };
	if (dp_dpdk_loop_init(&loop, d, 0, &w, &cfg, NULL) < 0 ||
	    dp_dpdk_launch(d, loop_main, args) < 0) {
		printf("Bail out! cannot launch the loop\n");
		return 1;
	}

	/* Swap about every millisecond until the run is long enough. */
	uint64_t start_ns = now_ns(), last = start_ns, rx_at_swap = 0, rx;
	while (((rx = dp_counter_get(&w, DP_CNT_RX)) < MIN_FRAMES || swaps < MIN_SWAPS) &&
	       rx < MAX_FRAMES && now_ns() - start_ns < RUN_LIMIT_S * 1000000000ull) {
		/* A table signs at least one whole burst (see the top of the file). */
		if (now_ns() - last < SWAP_NS || rx - rx_at_swap < SWAP_FRAMES) {
			nanosleep(&(struct timespec){ .tv_nsec = 50000 }, NULL);
			continue;
		}
		last = now_ns();
		struct sign_keytable *nt = support_rotation_table(&rot, swaps + 2);
		/* rx moves at the end of a burst: a varying delay lands stores inside bursts too. */
		nanosleep(&(struct timespec){ .tv_nsec = (long)(swaps * 37 % 10) * 50000 }, NULL);
		support_rotation_swap(&rt, ctl, &slot, nt);
		swaps++;
		rx_at_swap = dp_counter_get(&w, DP_CNT_RX);
	}
	double secs = (double)(now_ns() - start_ns) / 1e9;
	atomic_store_explicit(&rt.stop, true, memory_order_relaxed);
	dp_dpdk_wait(d);
	rx = dp_counter_get(&w, DP_CNT_RX);
	diag("%llu frames in %.2f s, %llu swaps (one per %.2f ms)", (unsigned long long)rx, secs,
	     (unsigned long long)swaps, swaps ? secs * 1000 / (double)swaps : 0.0);
	ok(swaps >= PASS_SWAPS && rx >= MIN_FRAMES, "%llu swaps while the loop took %llu frames",
	   (unsigned long long)swaps, (unsigned long long)rx);

	/* (a) no loss */
	is_int(dp_dpdk_loop_counter(&loop, DP_DPDK_CNT_ANSWERED), rx, "counter answered = rx");
	is_int(dp_counter_get(&w, DP_CNT_TX), rx, "counter tx = rx");
	is_int(dp_counter_get(&w, DP_CNT_DROPPED), 0, "counter dropped");
	is_int(dp_dpdk_loop_counter(&loop, DP_DPDK_CNT_TX_FAILED), 0, "counter tx-failed");
	is_int(dp_dpdk_loop_counter(&loop, DP_DPDK_CNT_NO_MBUF), 0, "counter no-mbuf");
	is_int(dp_dpdk_loop_counter(&loop, DP_DPDK_CNT_EXCEPTION), 0, "counter exception");
	dp_dpdk_stop(d);

	/* (b) every RRSIG by a key of the DNSKEY RRset served beside it */
	static struct walk wk;
	ldns_rr_list *ksk = ksk_list();
	wk.ksk = ksk;
	ok(support_pcap_read(pout, FRAME_MAX, walk_frame, &wk) == 0, "output pcap readable");
	if (wk.pend_len)
		check_pending(&wk, NULL);
	ldns_rr_list_deep_free(wk.before);
	ldns_rr_list_deep_free(ksk);
	is_int(wk.j, rx, "one answer frame per frame received");
	diag("%u answers (%u equal to one already verified) and %u DNSKEY answers (%u distinct) "
	     "checked, %u RRSIGs verified, %u bad", wk.answers, wk.memo_hits, wk.dnskey,
	     wk.dnskey_sets, wk.sigs, wk.bad_sig);
	diag("%u answers signed with a key only the DNSKEY RRset after them holds",
	     wk.after_only);
	is_int(wk.bad_frame, 0, "every output frame is the reply to its query, in order");
	is_int(wk.bad_dnskey, 0, "every DNSKEY RRset served verifies with the KSK");
	is_int(wk.dnskey_sets, swaps + 1, "each table served its own DNSKEY RRset, in turn");
	is_int(wk.bad_answer, 0, "every other answer is signed (NOERROR or NXDOMAIN, no TC)");
	ok(wk.answers == rx / 2 && wk.sigs >= wk.answers - wk.memo_hits, "%u answers, %u RRSIGs",
	   wk.answers, wk.sigs);
	is_int(wk.bad_sig, 0, "every RRSIG verifies with a key of a neighbouring DNSKEY RRset");
	ok(dp_counter_get(&w, DP_CNT_SIG_MISS) > swaps, "signatures made after swaps (%llu)",
	   (unsigned long long)dp_counter_get(&w, DP_CNT_SIG_MISS));

	sign_keytable_free((struct sign_keytable *)atomic_load(&slot.keys));
	dp_epoch_record_put(ctl);
	dp_worker_fini(&w);
	dp_runtime_fini(&rt);
	dns_zoneset_free(zs);
	dns_zone_unref(z);
	support_rotation_fini(&rot);
	unlink(pin);
	unlink(pout);
	rmdir(dir);
	return tap_done();
}
