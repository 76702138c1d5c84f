/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A view of one zone signed online, for the engine benchmarks: the zone is
 * signed by support_sign_zone (tests/support/signed_zone.h) for one worker
 * (id 0, as the in-memory driver's). Plain C that C++ can include.
 */
#ifndef SIGEDGE_BENCH_SIGNED_VIEW_H
#define SIGEDGE_BENCH_SIGNED_VIEW_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

struct dp_view;

/*
 * Load the zone origin from path and sign it with alg (enum sign_alg) and
 * denial (enum sign_denial). The view and everything it holds live until
 * the process ends. Returns NULL after printing the reason to stderr.
 */
const struct dp_view *bench_signed_view(const char *origin, const char *path, uint8_t alg,
					uint8_t denial);

#ifdef __cplusplus
}
#endif

#endif
