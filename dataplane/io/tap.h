/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A kernel TAP interface for the DPDK backend's kernel path: the kernel
 * sees, on this interface, the frames of a DPDK port that the workers do not
 * answer, and what it sends there leaves through that port. So the
 * interface takes the port's MAC and the served addresses, with the prefix
 * lengths of the link, and is brought up; its routes are the kernel's
 * (connected prefixes) plus whatever the operator adds.
 *
 * The interface exists while its file descriptor is open (not persistent):
 * closing the descriptor, or the process ending, removes it.
 * Linux only; needs CAP_NET_ADMIN. Threading: any thread; the calls block.
 */
#ifndef SIGEDGE_DP_TAP_H
#define SIGEDGE_DP_TAP_H

#include <stddef.h>
#include <stdint.h>

#define DP_TAP_NAME_MAX 15 /* IFNAMSIZ - 1 */

struct dp_tap_config {
	const char *name;             /* interface name, at most DP_TAP_NAME_MAX octets */
	uint8_t mac[6];
	unsigned mtu;                 /* 0: the kernel's default (1500) */
	const uint8_t (*ip4)[4];      /* [n_ip4] addresses, each with prefix4 */
	unsigned n_ip4, prefix4;      /* prefix4 in 1..32 */
	const uint8_t (*ip6)[16];     /* [n_ip6] addresses, each with prefix6 */
	unsigned n_ip6, prefix6;      /* prefix6 in 1..128 */
};

/*
 * Create the interface and set it up: MAC, MTU, addresses (IPv6 ones
 * without duplicate address detection, so they can be bound at once), up.
 * *fd is the interface's descriptor, non-blocking and close-on-exec: one
 * read returns one whole frame, one write sends one (no packet information
 * header, no offloads: the kernel's frames carry complete checksums).
 * Returns 0, or a negative errno with nothing left and err saying which
 * step failed and why.
 */
int dp_tap_open(const struct dp_tap_config *cfg, int *fd, char *err, size_t errlen);

#endif
