/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * DPDK port layer of the DPDK backend: EAL start-up, ports, one RX/TX queue
 * pair per worker per port, one mempool per NUMA socket, bursts, frame
 * buffers, counters and a clean stop. It knows nothing about DNS; the burst
 * loop joins it with the query engine.
 *
 * The header uses plain C types only, so code that does not build against
 * DPDK can include it. A frame buffer is a struct dp_dpdk_mbuf, which is an
 * rte_mbuf: code that includes rte_mbuf.h may convert the pointer.
 *
 * Workers and lcores: worker w runs on the w-th lcore of the EAL lcore list
 * (-l/--lcores), the main lcore first (so with "-l 0" worker 0 is the thread
 * that called dp_dpdk_start). With control_main set, the main lcore runs no
 * worker: it stays the caller's (control) thread, worker w runs on the
 * (w+1)-th lcore, and dp_dpdk_launch starts the workers there. Worker w owns
 * queue w of every port and takes its TX buffers from the mempool of its
 * lcore's NUMA socket.
 *
 * EAL can be initialised once per process: dp_dpdk_start may succeed once;
 * dp_dpdk_stop (and a failed dp_dpdk_start) call rte_eal_cleanup, and every
 * later dp_dpdk_start fails with -EALREADY.
 *
 * Mempool size, per NUMA socket s, summed over the ports P and the workers
 * W(s) whose lcore is on s:
 *   n(s) = |P| * |W(s)| * (rx_ring + tx_ring + 2 * DP_DPDK_BURST)
 *        + |W(s)| * (DP_DPDK_POOL_CACHE * 3 / 2 + extra_mbufs)
 * that is, every RX ring full, every TX ring full, one RX burst in hand and
 * one burst of TX buffers per queue pair, each lcore's mempool cache at its
 * flush threshold (1.5 times the cache size), and the caller's own
 * (struct dp_dpdk_config.extra_mbufs). Each buffer has
 * DP_DPDK_MBUF_ROOM bytes of data room after its headroom.
 */
#ifndef SIGEDGE_DP_DPDK_H
#define SIGEDGE_DP_DPDK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define DP_DPDK_BURST 32          /* the most frames one burst call moves */
#define DP_DPDK_POOL_CACHE 256    /* per-lcore mempool cache (buffers) */
#define DP_DPDK_MBUF_ROOM 2048    /* data room of a buffer (a whole 1518-octet frame) */
#define DP_DPDK_RING_DEFAULT 1024 /* descriptors per queue when the config says 0 */
#define DP_DPDK_MTU_DEFAULT 1500  /* a port's MTU when its driver reports none */

struct dp_dpdk_config {
	/* EAL arguments as an operator gives them after --dpdk, without a
	 * program name (e.g. "-l", "0-1", "--vdev", "net_pcap0,rx_pcap=in.pcap").
	 * Copied; the caller's array may go away after dp_dpdk_start. */
	const char *const *eal_argv;
	int eal_argc;
	/* Ports to use, each a port id ("0") or a device name ("net_pcap0",
	 * "0000:01:00.0"). Port index i in the calls below is ports[i].
	 * nports == 0: every port EAL found, in port id order. */
	const char *const *ports;
	unsigned nports;
	/* At most the number of EAL lcores (less one with control_main); 0: as
	 * many as that (dp_dpdk_workers says how many). */
	unsigned workers;
	bool control_main;         /* the main lcore runs no worker (see above) */
	uint16_t rx_ring;          /* RX descriptors per queue (0: DP_DPDK_RING_DEFAULT) */
	uint16_t tx_ring;          /* TX descriptors per queue (0: DP_DPDK_RING_DEFAULT) */
	unsigned link_wait_ms;     /* wait this long at most for every link to be up */
	/* Buffers per worker that live outside the ports, in the caller's
	 * rings (the kernel path): added to the pool of the worker's socket. */
	unsigned extra_mbufs;
	/* dp_dpdk_tx_drain sends a worker's buffered frames at most this often
	 * (microseconds; 0: at every call). */
	unsigned tx_drain_us;
};

/* Offloads of a port (struct dp_dpdk_port_info.offloads): set only when
 * the port's capabilities offer them and they were enabled. */
#define DP_DPDK_RX_IPV4_CKSUM 0x1u /* RX: the port checks IPv4 header checksums */
#define DP_DPDK_RX_UDP_CKSUM 0x2u  /* RX: the port checks UDP checksums */
#define DP_DPDK_TX_IPV4_CKSUM 0x4u /* TX: the port can fill IPv4 header checksums */
#define DP_DPDK_TX_UDP_CKSUM 0x8u  /* TX: the port can fill UDP checksums */

struct dp_dpdk_port_info {
	uint16_t port_id;
	int socket;                /* NUMA socket of the port (-1: unknown) */
	char name[64];             /* device name, e.g. "net_pcap0" */
	char driver[32];           /* driver name, e.g. "net_pcap" */
	uint8_t mac[6];
	unsigned offloads;         /* DP_DPDK_RX_* | DP_DPDK_TX_* enabled */
	uint64_t rss_hf;           /* RSS hash functions enabled (0: no RSS, all
				    * traffic arrives on queue 0) */
	uint16_t mtu;              /* IP MTU (rte_eth_dev_get_mtu, else DP_DPDK_MTU_DEFAULT) */
	bool link_up;              /* as seen at the end of dp_dpdk_start */
	uint32_t link_speed_mbps;
};

/* Counters of a port, from rte_eth_stats_get (since dp_dpdk_start). */
struct dp_dpdk_port_stats {
	uint64_t rx_packets, rx_bytes;
	uint64_t tx_packets, tx_bytes;
	uint64_t rx_missed;        /* dropped by the port: RX ring full (imissed) */
	uint64_t rx_nombuf;        /* dropped: no buffer in the mempool */
	uint64_t rx_errors;        /* erroneous frames received (ierrors) */
	uint64_t tx_errors;        /* frames the port failed to send (oerrors) */
};

/* Counters of one queue pair of a port; drivers keep them for the first
 * DP_DPDK_QUEUE_STATS queues only (the others read 0). */
#define DP_DPDK_QUEUE_STATS 16
struct dp_dpdk_queue_stats {
	uint64_t rx_packets, rx_bytes;
	uint64_t tx_packets, tx_bytes;
	uint64_t rx_errors;        /* frames dropped on this RX queue (q_errors) */
};

struct dp_dpdk;
struct dp_dpdk_mbuf;

/*
 * Initialise EAL with cfg->eal_argv (DPDK logs go to stderr), find the
 * ports, configure each with cfg->workers queue pairs (RSS over the hash
 * functions the driver offers when workers > 1; checksum offloads where the
 * port offers them), create the mempools, start the ports and wait up to
 * cfg->link_wait_ms for their links. Returns 0, or a negative errno with
 * EAL cleaned up and err saying what failed ("PORT (DRIVER): reason" for a
 * port, e.g. a driver offering fewer queues than workers: -EINVAL).
 * Threading: call from the thread that is to be the main lcore (the
 * process's control thread), once per process.
 */
int dp_dpdk_start(const struct dp_dpdk_config *cfg, struct dp_dpdk **out,
		  char *err, size_t errlen);

/*
 * Stop and close every port (a net_pcap port writes out its TX file
 * here), free the mempools and clean up EAL. Buffers the caller still holds
 * must have been freed. Threading: the thread that called dp_dpdk_start,
 * with every worker stopped.
 */
void dp_dpdk_stop(struct dp_dpdk *d);

unsigned dp_dpdk_nports(const struct dp_dpdk *d);
unsigned dp_dpdk_workers(const struct dp_dpdk *d);
/* Port index i < dp_dpdk_nports (valid until dp_dpdk_stop). */
const struct dp_dpdk_port_info *dp_dpdk_port(const struct dp_dpdk *d, unsigned i);
/* EAL lcore id that worker w must run on. */
unsigned dp_dpdk_worker_lcore(const struct dp_dpdk *d, unsigned w);

/*
 * Bursts on worker w's queue of port index port. rx: up to max (<=
 * DP_DPDK_BURST) received frames into bufs, now owned by the caller;
 * returns the count. tx: hands bufs[0..n) to the port and returns how many
 * it took; the caller still owns (and must free or retry) bufs[ret..n).
 * Threading: worker w only; no allocation, no lock.
 */
uint16_t dp_dpdk_rx_burst(struct dp_dpdk *d, unsigned port, unsigned w,
			  struct dp_dpdk_mbuf **bufs, uint16_t max);
uint16_t dp_dpdk_tx_burst(struct dp_dpdk *d, unsigned port, unsigned w,
			  struct dp_dpdk_mbuf **bufs, uint16_t n);

/*
 * Buffered TX (rte_eth_tx_buffer), worker w's on each port. tx_buffer
 * queues m for port index port and sends that port's buffer once it holds
 * DP_DPDK_BURST frames. tx_drain sends every port's buffer of w when
 * tx_drain_us have passed since its last drain (now: dp_dpdk_tsc()), or at
 * once with force. Both return how many frames the ports took now; frames a
 * port does not take are freed and counted (tx_dropped, any thread).
 * Holding frames lets a lightly loaded worker send them in bursts, which
 * costs drivers that make a system call or ring a doorbell per burst less.
 * Threading: worker w (tx_dropped: any thread).
 */
unsigned dp_dpdk_tx_buffer(struct dp_dpdk *d, unsigned port, unsigned w, struct dp_dpdk_mbuf *m);
unsigned dp_dpdk_tx_drain(struct dp_dpdk *d, unsigned w, uint64_t now, bool force);
uint64_t dp_dpdk_tx_dropped(const struct dp_dpdk *d, unsigned w);

/*
 * A TX buffer from worker w's mempool (empty, DP_DPDK_MBUF_ROOM bytes of
 * room), or NULL when the pool is empty. Threading: worker w, or a thread
 * that is not an EAL lcore (it then bypasses the per-lcore cache).
 */
struct dp_dpdk_mbuf *dp_dpdk_mbuf_alloc(struct dp_dpdk *d, unsigned w);
/* Return buffers to their pools (NULL entries allowed). Any thread. */
void dp_dpdk_mbuf_free(struct dp_dpdk_mbuf *const *bufs, unsigned n);

/* A frame's first octet and the length of its first segment. */
uint8_t *dp_dpdk_mbuf_data(struct dp_dpdk_mbuf *m);
uint16_t dp_dpdk_mbuf_len(const struct dp_dpdk_mbuf *m);
/* True when the frame spans several segments (longer than one buffer):
 * dp_dpdk_mbuf_data/len then cover the first segment only. */
bool dp_dpdk_mbuf_chained(const struct dp_dpdk_mbuf *m);
/* Room for a frame in this (single-segment, reset) buffer. */
uint16_t dp_dpdk_mbuf_room(const struct dp_dpdk_mbuf *m);
/* Set the frame length of a single-segment buffer; -EINVAL beyond its room. */
int dp_dpdk_mbuf_set_len(struct dp_dpdk_mbuf *m, uint16_t len);

/*
 * A port index carried by a buffer, for frames handed between threads (the
 * kernel path's frames to send). A received frame's field holds its DPDK
 * port id instead, until set.
 */
unsigned dp_dpdk_mbuf_port(const struct dp_dpdk_mbuf *m);
void dp_dpdk_mbuf_set_port(struct dp_dpdk_mbuf *m, unsigned port);

/* What the port said about a received frame's checksums (DP_DPDK_RX_*
 * offloads enabled); neither GOOD nor BAD: not checked, check in software. */
#define DP_DPDK_CK_IP_GOOD 0x1u
#define DP_DPDK_CK_IP_BAD 0x2u
#define DP_DPDK_CK_L4_GOOD 0x4u
#define DP_DPDK_CK_L4_BAD 0x8u
unsigned dp_dpdk_mbuf_rx_cksum(const struct dp_dpdk_mbuf *m);

/*
 * Ask the port to fill checksums of a frame before dp_dpdk_tx_burst
 * (only with the matching DP_DPDK_TX_* offload enabled on that port).
 * l2_len: Ethernet (+ VLAN) header length, l3_len: IP header length;
 * ipv6: the frame is IPv6 (ip_cksum must then be false). With udp_cksum the
 * UDP checksum field must hold the pseudo-header sum (not complemented),
 * the port completes it.
 */
void dp_dpdk_mbuf_tx_cksum(struct dp_dpdk_mbuf *m, unsigned l2_len, unsigned l3_len,
			   bool ipv6, bool ip_cksum, bool udp_cksum);

/*
 * A ring of frame buffers with one producer thread and one consumer thread
 * (rte_ring, lock-free), to hand frames between a worker and another
 * thread. new: size is a power of two (it holds size - 1 buffers), name is
 * unique in the process; returns 0 or a negative errno. put takes up to n
 * buffers and returns how many (the caller keeps the rest); take returns up
 * to max. free: the ring must be empty. Threading: new and free on the
 * control thread, after dp_dpdk_start and before dp_dpdk_stop; put on the
 * producer, take on the consumer only.
 */
struct dp_dpdk_ring;
int dp_dpdk_ring_new(const char *name, unsigned size, struct dp_dpdk_ring **out);
void dp_dpdk_ring_free(struct dp_dpdk_ring *r);
unsigned dp_dpdk_ring_put(struct dp_dpdk_ring *r, struct dp_dpdk_mbuf *const *bufs, unsigned n);
unsigned dp_dpdk_ring_take(struct dp_dpdk_ring *r, struct dp_dpdk_mbuf **bufs, unsigned max);

/* The time-stamp counter (rte_rdtsc) and its ticks per second. Any thread. */
uint64_t dp_dpdk_tsc(void);
uint64_t dp_dpdk_tsc_hz(void);

/*
 * Run fn(args[w]) on worker w's lcore for every worker (rte_eal_remote_launch),
 * and wait for all of them to return. Needs control_main (a worker cannot be
 * launched on the main lcore). launch returns 0, -EINVAL without
 * control_main, or -EBUSY when an lcore is still running something; on
 * failure the workers already launched keep running: make fn return, then
 * call dp_dpdk_wait. wait returns at once when nothing was launched.
 * Threading: the thread that called dp_dpdk_start (the main lcore); call
 * dp_dpdk_wait before dp_dpdk_stop.
 */
int dp_dpdk_launch(struct dp_dpdk *d, int (*fn)(void *arg), void *const *args);
void dp_dpdk_wait(struct dp_dpdk *d);

/*
 * Counters of port index port; q (may be NULL) receives nq <= workers
 * per-queue counters (queue i = worker i). Returns 0 or a negative errno.
 * Threading: any thread (reads the driver's counters).
 */
int dp_dpdk_stats(const struct dp_dpdk *d, unsigned port, struct dp_dpdk_port_stats *st,
		  struct dp_dpdk_queue_stats *q, unsigned nq);

#endif
