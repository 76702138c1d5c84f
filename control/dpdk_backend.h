/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The daemon's DPDK backend (--dpdk): EAL and the ports (dataplane/io/dpdk.h),
 * one struct dp_worker and one burst loop (dataplane/io/dpdk_loop.h) per
 * worker, the workers launched on the EAL worker lcores while the main lcore
 * stays the control thread. The served addresses are the listen addresses;
 * each port answers with its own MAC. Frames for the kernel (TCP, UPDATE,
 * NOTIFY, fragments, ...) take the kernel path (dataplane/io/kernpath.h) to
 * a TAP interface per port, where one socket-backend worker serves the
 * listen addresses; with cfg->dpdk_tap NULL they are counted and freed.
 * Built only with DPDK (SIGEDGE_DPDK); ctl_opts_parse rejects --dpdk otherwise.
 *
 * Threading: control thread only.
 */
#ifndef SIGEDGE_CTL_DPDK_BACKEND_H
#define SIGEDGE_CTL_DPDK_BACKEND_H

#include <stddef.h>

#include "control/buf.h"
#include "control/opts.h"
#include "dataplane/core/worker.h"

struct ctl_dpdk;

/*
 * Start EAL and the ports for cfg (backend CTL_BACKEND_DPDK). The workers do
 * not run yet; *workers is their number (cfg->workers, or one per EAL lcore
 * but the main one when that is 0), plus the kernel path's worker. Call from the thread that is to stay the
 * control thread, with the signals it handles already blocked (EAL's threads
 * inherit the mask). Returns 0, or a negative errno with err saying why.
 */
int ctl_dpdk_open(const struct ctl_config *cfg, struct ctl_dpdk **out, unsigned *workers,
		  char *err, size_t errlen);

/*
 * Set up the workers on rt (whose view must be published), start the kernel
 * path's socket worker and launch the DPDK workers on their lcores. Returns
 * 0, or a negative errno with err saying why (then nothing runs;
 * ctl_dpdk_close still has to be called).
 */
int ctl_dpdk_run(struct ctl_dpdk *b, struct dp_runtime *rt, char *err, size_t errlen);

/* Stop the workers (rt->stop), wait for them, stop the ports and EAL, free b. NULL: no-op. */
void ctl_dpdk_close(struct ctl_dpdk *b);

/* The running workers (none before ctl_dpdk_run); *out valid until close. */
size_t ctl_dpdk_workers(const struct ctl_dpdk *b, struct dp_worker *const **out);

/* "port: NAME driver=... mac=... offloads=... link=... tap=..." lines for sigedgectl status. */
void ctl_dpdk_status(const struct ctl_dpdk *b, struct ctl_buf *body);

/*
 * Loop counters ("dpdk.answered: N", summed over the workers; per worker
 * too with per_worker), the kernel path's ("kernel-path.to-kernel: N") and
 * each port's counters ("port.NAME.rx-packets: N"; per queue too with
 * per_worker: "port.NAME.queue.I.rx-packets: N").
 */
void ctl_dpdk_stats(const struct ctl_dpdk *b, bool per_worker, struct ctl_buf *body);

#endif
