/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Durable file replacement for the files sigedge writes (key files, the
 * multi-signer store): after a crash a file holds its old content or its
 * new one, never a mix.
 *
 * Control thread only (file I/O).
 */
#ifndef SIGEDGE_DNS_FILE_H
#define SIGEDGE_DNS_FILE_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/*
 * Write text[0..len) to path: into a temporary file beside it (created
 * 0600, then given mode), synced, then renamed over path (replace) or
 * linked to path only when no file has that name (!replace: -EEXIST
 * otherwise), then the directory synced. On error the temporary is
 * removed, path is as it was (an error syncing the directory comes after
 * the rename), and err says "PATH: reason". Returns 0 or a negative errno.
 */
int dns_file_write(const char *path, const char *text, size_t len, mode_t mode, bool replace,
		   char *err, size_t errlen);

#endif
