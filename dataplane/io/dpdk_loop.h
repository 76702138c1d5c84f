/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The burst loop of the DPDK backend (DESIGN.md section 2): joins the DPDK
 * port layer (dataplane/io/dpdk.h), the packet codec (dataplane/io/pkt.h)
 * and the query engine (dataplane/core/engine.h). No DPDK headers here.
 *
 * Per worker, for each port in turn, on the worker's queue of that port:
 * rx burst (<= DP_DPDK_BURST) -> enter the epoch section (once per burst)
 * -> per frame, dp_pkt_classify with the port's RX checksum verdicts:
 *   DNS:        the engine writes its reply into a fresh TX buffer at the
 *               DNS offset (at most the DNS room of a frame of the port's
 *               MTU), the codec wraps it (IPv4 header and UDP checksums
 *               left to the port when it offers those TX offloads), the
 *               query's buffer is freed;
 *   ARP, ICMP and ICMPv6 echo, neighbour solicitation: answered in the
 *               received buffer;
 *   EXCEPTION:  handed unchanged to the kernel path (frames longer than
 *               one buffer too, as the codec sees one segment only);
 *   DROP:       freed;
 * -> each reply goes into the worker's TX buffer for the port (sent in a
 * burst once DP_DPDK_BURST are buffered) -> leave the epoch section.
 *
 * The kernel path is the caller's (struct dp_dpdk_kernel): where frames
 * for the kernel go, and where the frames the kernel sends come from. The
 * daemon's (dataplane/io/kernpath.h) joins them to a TAP interface per
 * port. Without one, frames for the kernel are counted and freed.
 *
 * Each poll then takes up to DP_DPDK_BURST frames from the kernel path into
 * the TX buffers of their ports, and ends with dp_dpdk_tx_drain: what is
 * buffered is sent when the port layer's tx_drain_us have passed since the
 * last drain (at every poll with 0). dp_dpdk_loop_run drains all when it
 * stops.
 *
 * Hot path: no allocation, no lock, no syscall, no logging; the burst
 * arrays live in struct dp_dpdk_loop, sized at compile time.
 */
#ifndef SIGEDGE_DP_DPDK_LOOP_H
#define SIGEDGE_DP_DPDK_LOOP_H

#include <stdatomic.h>
#include <stdint.h>

#include "dataplane/core/worker.h"
#include "dataplane/io/dpdk.h"
#include "dataplane/io/pkt.h"

/*
 * Counters the loop keeps besides the worker's (struct dp_worker cnt[]),
 * which it uses for: DP_CNT_RX frames received, DP_CNT_TX frames the port
 * took, DP_CNT_DROPPED frames dropped by the codec or for want of a TX
 * buffer (the engine adds the DNS messages it drops), and the engine's own
 * counts (signed, sigcache hits and misses, rcodes, ...).
 * Every received frame ends in exactly one of: ANSWERED, REPLIED,
 * EXCEPTION, DP_CNT_DROPPED; and once drained, ANSWERED + REPLIED +
 * FROM_KERNEL = DP_CNT_TX + TX_FAILED.
 */
enum dp_dpdk_loop_counter {
	DP_DPDK_CNT_ANSWERED,    /* DNS replies queued for TX */
	DP_DPDK_CNT_REPLIED,     /* ARP, echo and neighbour advertisement replies queued */
	DP_DPDK_CNT_EXCEPTION,   /* frames handed to the kernel path (or freed without one) */
	DP_DPDK_CNT_FROM_KERNEL, /* frames from the kernel path queued for TX */
	DP_DPDK_CNT_TX_FAILED,   /* frames the ports did not take (freed; dp_dpdk_tx_dropped) */
	DP_DPDK_CNT_NO_MBUF,     /* DNS queries dropped: no TX buffer (also in DP_CNT_DROPPED) */
	DP_DPDK_CNT_BUSY,        /* time-stamp counter ticks (dp_dpdk_tsc) in polls that
				  * moved frames: the worker's busy time, without idle polls */
	DP_DPDK_CNT__MAX
};

/*
 * The kernel path as a worker sees it. Both functions run on the worker's
 * thread inside its loop, so they must not block.
 * put: takes ownership of bufs[0..n) (n >= 1), frames received on port
 *   index port that are for the kernel (DP_PKT_EXCEPTION); called at most
 *   once per burst. The frames are unchanged, VLAN tag included.
 * take: hands over up to max frames for the loop to send, each on the port
 *   index dp_dpdk_mbuf_port says; returns how many. NULL: none ever.
 */
struct dp_dpdk_kernel {
	void (*put)(void *ctx, unsigned wid, unsigned port, struct dp_dpdk_mbuf *const *bufs,
		    unsigned n);
	unsigned (*take)(void *ctx, unsigned wid, struct dp_dpdk_mbuf **bufs, unsigned max);
	void *ctx;
};

/* One worker's loop state; cache-aligned, written by its worker only. */
struct dp_dpdk_loop {
	struct dp_dpdk *d;
	struct dp_worker *w;
	unsigned wid;                             /* worker index in d */
	unsigned nports;                          /* dp_dpdk_nports(d) */
	const struct dp_pkt_config *cfg;          /* nports configs, port index order */
	struct dp_dpdk_kernel kern;
	_Atomic uint64_t cnt[DP_DPDK_CNT__MAX];
	/* Frames dropped or sent to the exception path, by enum dp_pkt_reason. */
	_Atomic uint64_t reason[DP_PKT_R_COUNT];
	struct dp_dpdk_mbuf *rx[DP_DPDK_BURST];
	struct dp_dpdk_mbuf *tx[DP_DPDK_BURST];  /* frames taken from the kernel path */
	struct dp_dpdk_mbuf *done[DP_DPDK_BURST]; /* received buffers to free after the burst */
	struct dp_dpdk_mbuf *exc[DP_DPDK_BURST];  /* received buffers for the kernel path */
} __attribute__((aligned(64)));

/*
 * Set up l for worker wid of d, running the engine as w (whose runtime's
 * view and stop flag the loop uses). cfg: one struct dp_pkt_config per port
 * index of d, borrowed and only read while the loop runs (its MAC should be
 * the port's). kern may be NULL (no kernel path). Returns 0, or -EINVAL when wid is
 * not a worker of d. Threading: control thread, before the worker runs.
 */
int dp_dpdk_loop_init(struct dp_dpdk_loop *l, struct dp_dpdk *d, unsigned wid,
		      struct dp_worker *w, const struct dp_pkt_config *cfg,
		      const struct dp_dpdk_kernel *kern);

/*
 * One pass: one burst from each port (as above). Returns the number of
 * frames received. Threading: the worker's lcore (dp_dpdk_worker_lcore).
 */
unsigned dp_dpdk_loop_poll(struct dp_dpdk_loop *l);

/* Poll until l->w->rt->stop is set. Threading: as dp_dpdk_loop_poll. */
void dp_dpdk_loop_run(struct dp_dpdk_loop *l);

/* Any thread: read a counter (relaxed). */
static inline uint64_t
dp_dpdk_loop_counter(const struct dp_dpdk_loop *l, enum dp_dpdk_loop_counter c)
{
	return atomic_load_explicit(&l->cnt[c], memory_order_relaxed);
}

static inline uint64_t
dp_dpdk_loop_reason(const struct dp_dpdk_loop *l, enum dp_pkt_reason r)
{
	return atomic_load_explicit(&l->reason[r], memory_order_relaxed);
}

#endif
