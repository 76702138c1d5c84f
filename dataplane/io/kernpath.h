/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The kernel path of the DPDK backend (DESIGN.md section 2): frames that the
 * workers do not answer themselves (TCP, NOTIFY and UPDATE, fragments, ARP
 * replies, ...) reach the kernel through one TAP interface per DPDK port
 * (dataplane/io/tap.h), where ordinary sockets serve them; the frames the
 * kernel sends on that interface leave through the port.
 *
 * Workers never make a system call for it. Per worker, two single-producer
 * single-consumer rings of buffers: worker -> kernel path, and kernel path
 * -> worker. One thread ("sigedge-kern") writes the workers' frames to the
 * TAP interfaces and reads the kernel's frames into buffers for the worker
 * that sends them (port p's go to worker p mod workers, so a TCP stream's
 * segments keep their order). The thread sleeps in epoll when there is
 * nothing to move; a worker that hands over frames wakes it through an
 * eventfd only when it sleeps.
 *
 * VLAN: on a port serving VLAN v, the tag of v is taken off frames for the
 * kernel and put on the kernel's frames (the TAP interface is untagged).
 * Frames for the kernel with another tag are written as they are.
 *
 * Frames are dropped (and counted) when a ring is full, when the TAP
 * interface cannot take one, and when no buffer is left.
 */
#ifndef SIGEDGE_DP_KERNPATH_H
#define SIGEDGE_DP_KERNPATH_H

#include <stddef.h>
#include <stdint.h>

#include "dataplane/io/dpdk.h"
#include "dataplane/io/dpdk_loop.h"
#include "dataplane/io/pkt.h"

/* Slots of each ring (a power of two). */
#define DP_KERNPATH_RING 1024
/* Buffers each worker's rings can hold: struct dp_dpdk_config.extra_mbufs. */
#define DP_KERNPATH_MBUFS (2 * DP_KERNPATH_RING)

struct dp_kernpath_config {
	struct dp_dpdk *d;              /* started; its ports and workers */
	const char *const *tap;         /* [nports]: TAP interface name per port index */
	const struct dp_pkt_config *pkt; /* [nports]: MAC, VLAN and served addresses */
	unsigned prefix4, prefix6;      /* prefix lengths of the served addresses */
};

/* Counters, summed over the ports. */
struct dp_kernpath_stats {
	uint64_t to_kernel;      /* frames written to a TAP interface */
	uint64_t from_kernel;    /* frames read from one and handed to a worker */
	uint64_t dropped;        /* frames lost on the way, either direction */
};

struct dp_kernpath;

/*
 * Create the TAP interfaces and rings and start the thread. Returns 0, or a
 * negative errno with nothing left and err saying why (a TAP interface that
 * cannot be made names itself). Threading: the control thread, after
 * dp_dpdk_start and before the workers run.
 */
int dp_kernpath_start(const struct dp_kernpath_config *cfg, struct dp_kernpath **out,
		      char *err, size_t errlen);

/* The hook for every worker's dp_dpdk_loop_init. */
void dp_kernpath_hook(struct dp_kernpath *k, struct dp_dpdk_kernel *out);

/*
 * Stop the thread, free the buffers left in the rings, remove the TAP
 * interfaces, free k. NULL: no-op. Threading: the control thread, with the
 * workers stopped.
 */
void dp_kernpath_stop(struct dp_kernpath *k);

/* Any thread: the counters (relaxed reads). */
void dp_kernpath_stats(const struct dp_kernpath *k, struct dp_kernpath_stats *st);

#endif
