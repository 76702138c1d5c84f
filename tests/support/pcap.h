/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * pcap files for tests and benchmarks that feed net_pcap or tshark:
 * version 2.4, microsecond timestamps, host byte order, Ethernet link type.
 */
#ifndef SIGEDGE_TESTS_PCAP_H
#define SIGEDGE_TESTS_PCAP_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* Create path with the file header; NULL with errno set. */
FILE *support_pcap_create(const char *path);

/* Append one frame, stamped seconds (microseconds 0). Returns 0 or -EIO. */
int support_pcap_write(FILE *fp, const uint8_t *frame, size_t len, uint32_t seconds);

/* Close; 0, or a negative errno when the file could not be completed. */
int support_pcap_close(FILE *fp);

/*
 * Write n frames to path in one go: frame i is len[i] octets at
 * data + i * stride, stamped 1000 + i seconds. Returns 0 or a negative errno.
 */
int support_pcap_save(const char *path, const uint8_t *data, size_t stride,
		      const uint16_t *len, unsigned n);

/*
 * Call fn for every frame of path in order. The file must be Ethernet, in
 * host byte order with micro- or nanosecond timestamps, every record
 * complete (captured length = length) and at most max octets. Returns 0,
 * or -1 for a file that is missing or does not meet that, or when fn
 * returns nonzero.
 */
int support_pcap_read(const char *path, size_t max,
		      int (*fn)(void *ctx, const uint8_t *frame, size_t len), void *ctx);

/*
 * The inverse of support_pcap_save: frame i of path into data + i * stride
 * (at most stride octets) with its length in len[i], for at most max
 * frames; *n is how many. Returns 0, or -1 as support_pcap_read does or
 * when the file holds more than max frames.
 */
int support_pcap_load(const char *path, uint8_t *data, size_t stride, uint16_t *len,
		      unsigned max, unsigned *n);

#endif
