/* SPDX-License-Identifier: BSD-3-Clause */
#include "dataplane/io/memory.h"

#include <stdlib.h>
#include <string.h>

#include "dataplane/core/engine.h"
#include "dataplane/core/worker.h"
#include "dataplane/io/loop.h"

struct dp_mem {
	struct dp_worker w;      /* first: the struct is allocated 64-byte aligned */
	struct dp_runtime rt;
};

struct dp_mem *
dp_mem_new(const struct dp_view *view)
{
	struct dp_mem *m = aligned_alloc(64, (sizeof(*m) + 63) & ~(size_t)63);

	if (!m)
		return NULL;
	memset(m, 0, sizeof(*m));
	dp_runtime_init(&m->rt);
	/* Relaxed: the worker runs on this thread, after this store. */
	atomic_store_explicit(&m->rt.view, view, memory_order_relaxed);
	if (dp_worker_init(&m->w, &m->rt, 0) != 0) {
		dp_runtime_fini(&m->rt);
		free(m);
		return NULL;
	}
	return m;
}

void
dp_mem_free(struct dp_mem *m)
{
	if (!m)
		return;
	dp_worker_fini(&m->w);
	dp_runtime_fini(&m->rt);
	free(m);
}

int
dp_mem_answer(struct dp_mem *m, const uint8_t *q, size_t qlen, uint8_t *out, size_t cap,
	      size_t *outlen, unsigned flags)
{
	struct dp_msg msg = {
		.q = q, .qlen = (uint32_t)qlen, .out = out, .cap = (uint32_t)cap,
		.flags = (uint8_t)flags,
	};

	dp_loop_burst(&m->w, &msg, 1);
	*outlen = msg.outlen;
	return msg.verdict;
}

uint64_t
dp_mem_counter(const struct dp_mem *m, unsigned c)
{
	return c < DP_CNT__MAX ? dp_counter_get(&m->w, (enum dp_counter)c) : 0;
}
