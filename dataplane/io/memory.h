/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * In-memory backend: one worker that answers queries handed to it as bytes,
 * through the same burst path (dataplane/io/loop.h) as the other backends.
 * Used by benchmarks and fuzzers; its header is plain C that C++ can include.
 */
#ifndef SIGEDGE_DP_MEMORY_H
#define SIGEDGE_DP_MEMORY_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

struct dp_view;
struct dp_mem;

/*
 * A runtime of its own with view published and one worker attached. The
 * view (and what it points to) is borrowed and must outlive the driver.
 * Returns NULL when out of memory.
 */
struct dp_mem *dp_mem_new(const struct dp_view *view);
void dp_mem_free(struct dp_mem *m);

/*
 * Answer one query (flags: DP_Q_* of dataplane/core/engine.h). Returns the
 * engine's verdict; *outlen is set when it is DP_SEND.
 * Threading: one thread at a time per driver.
 */
int dp_mem_answer(struct dp_mem *m, const uint8_t *q, size_t qlen, uint8_t *out, size_t cap,
		  size_t *outlen, unsigned flags);

/* Counter c (enum dp_counter) of the driver's worker. */
uint64_t dp_mem_counter(const struct dp_mem *m, unsigned c);

#ifdef __cplusplus
}
#endif

#endif
