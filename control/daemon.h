/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The sigedge daemon: start-up (zones, first view, control socket, socket
 * or DPDK backend), the control thread's event loop (control socket, SIGHUP, SIGTERM,
 * SIGINT through a signalfd, and the timer that rebuilds a zone's key table
 * when its DNSKEY signatures are due and at each timing event of its keys),
 * zone reloads and shutdown.
 *
 * Threading: everything here runs on the control (main) thread, which is the
 * only writer of the published view.
 */
#ifndef SIGEDGE_CTL_DAEMON_H
#define SIGEDGE_CTL_DAEMON_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "control/buf.h"
#include "control/opts.h"
#include "control/publish.h"
#include "control/zones.h"
#include "dataplane/core/worker.h"

struct ctl_dpdk;
struct ctl_ms;
struct ctl_sock;
struct dp_socket;

struct ctl_daemon {
	const struct ctl_config *cfg;  /* borrowed; outlives the daemon */
	struct ctl_zones zones;
	struct dp_runtime rt;
	struct ctl_publisher pub;
	struct ctl_sock *ctl;
	struct dp_socket *sock;        /* socket backend */
	struct ctl_dpdk *dpdk;         /* DPDK backend (control/dpdk_backend.h) */
	struct ctl_ms *ms;             /* multi-signer driver (control/msigner.h), or NULL */
	unsigned workers;              /* workers serving (cfg->workers, or EAL's count) */
	int sigfd;
	time_t started;
};

/*
 * Load every configured zone and build the zone set, without serving.
 * Prints "sigedge: zone NAME: FILE:LINE: reason" to stderr for each zone that
 * fails. Returns 0 when all loaded (the result of --check), else -1.
 */
int ctl_daemon_check(const struct ctl_config *cfg);

/*
 * Start serving: block SIGHUP, SIGTERM and SIGINT (every thread started
 * from here on inherits the mask; the control thread reads them from a
 * signalfd), start EAL and the ports in DPDK mode, load zones, publish the
 * first view, open the control socket, start the workers. On failure
 * the reason is printed to stderr, nothing is left running, and -1 is
 * returned.
 */
int ctl_daemon_start(struct ctl_daemon *d, const struct ctl_config *cfg);

/* Run the event loop until SIGTERM or SIGINT. Returns 0, or -1 on a fatal error. */
int ctl_daemon_run(struct ctl_daemon *d);

/* The workers of whichever backend runs; *out valid until ctl_daemon_stop. */
size_t ctl_daemon_workers(const struct ctl_daemon *d, struct dp_worker *const **out);

/* Stop the workers, remove the control socket, free everything. */
void ctl_daemon_stop(struct ctl_daemon *d);

/*
 * Reload the zones with the given indexes in d->zones (every zone when
 * n == 0) from their files and publish the result. A zone that fails to
 * load keeps its served version. Appends one line per zone to report
 * ("NAME: reloaded serial N" or "NAME: error: FILE:LINE: reason (previous
 * version kept)") and logs the same. Returns the number of zones that
 * failed, or -ENOMEM when no new zone set could be built (nothing changed).
 */
int ctl_daemon_reload(struct ctl_daemon *d, const size_t *idx, size_t n, struct ctl_buf *report);

#endif
