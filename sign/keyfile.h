/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Keys in the BIND key-file format, as dnssec-keygen, ldns-keygen and
 * keymgr write them: a pair Kzone.+AAA+TTTTT.key (the DNSKEY RR in
 * presentation form, comments allowed; a KEY RR is read alike, as
 * dnssec-keygen -T KEY -n ZONE writes SIG(0) keys) and Kzone.+AAA+TTTTT.private
 * ("Private-key-format: v1.x", "Algorithm:", the key fields of the
 * algorithm, and the timing lines Created/Publish/Activate/Revoke/
 * Inactive/Delete/SyncPublish/SyncDelete as YYYYMMDDHHMMSS in UTC).
 * Other lines of a private file (e.g. BIND's Predecessor/Successor) are
 * kept and written back unchanged.
 *
 * Private files are created mode 0600, and a private file that grants
 * any permission to group or others is refused.
 *
 * Errors: functions return 0 or a negative code and, on error, write one
 * line to err: "FILE:LINE: reason" when a line is at fault, else
 * "FILE: reason". The codes:
 *   DNS_ESYNTAX   a line does not parse: bad RR, bad field value or base64,
 *                 bad time, a field given twice, Private-key-format not v1
 *   DNS_ETRUNC    a file ends before a required record or field
 *   -ENOTSUP      algorithm other than 8, 13 and 15
 *   -EACCES       private file readable or writable by group or others
 *   -EINVAL       the files disagree: the private key does not match the
 *                 public key, different algorithms, a key for another zone
 *                 than the one asked for, a file name whose algorithm or key
 *                 tag differs from the key's, flags without the zone bit,
 *                 protocol not 3, a public key that is not valid
 *   -EEXIST       sign_keyfile_write without replace, and a file exists
 *   other -errno  from the system (open, read, write, rename...)
 *
 * Threading: control thread only (file I/O).
 */
#ifndef SIGEDGE_SIGN_KEYFILE_H
#define SIGEDGE_SIGN_KEYFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sign/key.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Load options. */
#define SIGN_KEYFILE_PUBLIC 0x1 /* read the .key file only: a public-only key */

/*
 * Load a key. path names the pair: "DIR/Kexample.com.+013+12345", with or
 * without ".key" or ".private". zone (wire form) if not NULL must equal the
 * key's owner. Without SIGN_KEYFILE_PUBLIC both files must exist and
 * agree: the public key derived from the private fields must equal the
 * .key's, and a test signature must verify.
 */
int sign_keyfile_load(const char *path, const uint8_t *zone, unsigned opts,
		      struct sign_key **out, char *err, size_t errlen);

/*
 * Write the pair into dir under its standard name (sign_keyfile_name): the
 * .private (if the key has a private part) mode 0600 and the .key mode
 * 0644, each through a temporary file in dir, synced, then renamed into
 * place (replace) or linked only if the name is free (!replace). A new
 * pair (!replace) goes in whole or not at all: .private first, removed
 * again if the .key fails. A replaced pair gets its .key first and its
 * .private last, so that when this fails the .private, whose timing lines
 * are the ones a load reads, is as it was (the .key's are comments).
 */
int sign_keyfile_write(const struct sign_key *k, const char *dir, bool replace, char *err,
		       size_t errlen);

/*
 * "K<owner>+<alg, 3 digits>+<tag, 5 digits>", owner lowercased in
 * presentation form with its final dot. Returns the length, DNS_ESPACE, or
 * -EINVAL if the owner contains a '/'.
 */
int sign_keyfile_name(const struct sign_key *k, char *out, size_t cap);

#ifdef __cplusplus
}
#endif

#endif
