/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The burst loop shared by every backend (DESIGN.md section 2). A backend
 * only says how messages arrive and leave; the loop joins it with the query
 * engine: rx burst -> enter epoch -> answer each -> leave epoch -> tx burst.
 */
#ifndef SIGEDGE_DP_LOOP_H
#define SIGEDGE_DP_LOOP_H

#include <stdint.h>

#include "dataplane/core/worker.h"

#define DP_BURST 32

/* One query and the room for its reply; filled by rx_burst, used by tx_burst. */
struct dp_msg {
	const uint8_t *q;        /* query payload (DNS message) */
	uint8_t *out;            /* reply buffer */
	uint32_t qlen;
	uint32_t cap;            /* size of out */
	uint32_t outlen;         /* set by the loop when verdict is DP_SEND */
	uint8_t verdict;         /* enum dp_verdict, set by the loop */
	uint8_t flags;           /* DP_Q_* for the engine */
	uint16_t slot;           /* backend's index for its own per-message state */
};

struct dp_backend_ops {
	/*
	 * Fill up to max messages; may wait briefly (so the loop can check
	 * rt->stop) but never indefinitely. Returns the count.
	 */
	unsigned (*rx_burst)(void *ctx, struct dp_msg *msgs, unsigned max);
	/* Send the messages whose verdict is DP_SEND; release all n. */
	void (*tx_burst)(void *ctx, struct dp_msg *msgs, unsigned n);
};

/*
 * Run until w->rt->stop is set. Counts rx and tx on w (dp_query_answer
 * counts the queries it drops; a backend counts rx and dropped for messages
 * it discards before the engine sees them).
 * Threading: the worker's own thread.
 */
void dp_loop_run(struct dp_worker *w, const struct dp_backend_ops *ops, void *ctx);

/*
 * Answer one burst inside one epoch section: sets verdict and outlen of each
 * message; counts rx and tx. Exposed for the in-memory driver used by tests
 * and benchmarks.
 */
void dp_loop_burst(struct dp_worker *w, struct dp_msg *msgs, unsigned n);

#endif
