/* SPDX-License-Identifier: BSD-3-Clause */
#include "dataplane/io/loop.h"

#include <stdatomic.h>
#include <stddef.h>

#include "dataplane/core/engine.h"

void
dp_loop_burst(struct dp_worker *w, struct dp_msg *msgs, unsigned n)
{
	unsigned sent = 0;

	/* One epoch section per burst: the view stays alive until dp_view_leave. */
	const struct dp_view *view = dp_view_enter(w);
	for (unsigned i = 0; i < n; i++) {
		struct dp_msg *m = &msgs[i];
		size_t outlen = 0;
		int v = dp_query_answer(view, w, m->q, m->qlen, m->out, m->cap, &outlen, m->flags);
		m->verdict = v == DP_SEND ? DP_SEND : DP_DROP;
		m->outlen = v == DP_SEND ? (uint32_t)outlen : 0;
		sent += v == DP_SEND;
	}
	dp_view_leave(w);

	/* The engine counts what it drops. */
	dp_count(w, DP_CNT_RX, n);
	dp_count(w, DP_CNT_TX, sent);
}

void
dp_loop_run(struct dp_worker *w, const struct dp_backend_ops *ops, void *ctx)
{
	struct dp_msg msgs[DP_BURST];

	/*
	 * Relaxed: stop only ends the loop; nothing written before it is read
	 * here, and the control thread joins the thread afterwards.
	 */
	while (!atomic_load_explicit(&w->rt->stop, memory_order_relaxed)) {
		unsigned n = ops->rx_burst(ctx, msgs, DP_BURST);
		if (n == 0)
			continue;
		dp_loop_burst(w, msgs, n);
		ops->tx_burst(ctx, msgs, n);
	}
}
