/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Hex arguments and output of the keysync interop tools (tsig_tool,
 * sig0_tool), which exit with status 2 on a bad argument.
 */
#ifndef SIGEDGE_TESTS_KEYSYNC_TOOL_HEX_H
#define SIGEDGE_TESTS_KEYSYNC_TOOL_HEX_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <openssl/crypto.h>

/* Decode s (hex digits, no separators) into out; its length. Exit 2 if bad or too long. */
static inline size_t
unhex(const char *s, uint8_t *out, size_t cap)
{
	size_t n = 0;

	if (*s && OPENSSL_hexstr2buf_ex(out, cap, &n, s, '\0') != 1)
		exit(2);
	return n;
}

/* Print p[0..n) as lowercase hex. */
static inline void
puthex(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		printf("%02x", p[i]);
}

#endif
