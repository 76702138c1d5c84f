/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The multi-signer store of one zone (MULTISIGNER.md 4): the records
 * imported from peers and the records of our own sent to them, in one file
 * that every change replaces whole (temporary file in the same directory,
 * fsync, rename, fsync of the directory), so that after a crash the file
 * holds the old or the new content, never a mix.
 *
 * File text: a comment line, a line "$imported" and its records, a line
 * "$contributed" and its records, each record in the keysync/recset.h text
 * form. Comment and empty lines may stand anywhere.
 *
 * Origins: bit i is peer i of the zone's configuration, in order, in both
 * sets. imported: peer i sent us the record; CTL_KSTORE_OWNER ("zone-owner")
 * marks the signed RRsets of model 1 that the operator imported.
 * contributed: peer i confirmed it holds our record; CTL_KSTORE_SELF
 * ("self") says the record is still in our current contribution.
 *
 * Threading: the control thread only.
 */
#ifndef SIGEDGE_CONTROL_KSTORE_H
#define SIGEDGE_CONTROL_KSTORE_H

#include <stddef.h>
#include <stdint.h>

#include "keysync/recset.h"

#ifdef __cplusplus
extern "C" {
#endif

#define CTL_KSTORE_SELF (KSYNC_ORIGIN_MAX - 2)   /* contributed: in our contribution */
#define CTL_KSTORE_OWNER (KSYNC_ORIGIN_MAX - 1)  /* imported: from the zone owner */
#define CTL_KSTORE_SELF_NAME "self"
#define CTL_KSTORE_OWNER_NAME "zone-owner"
#define CTL_KSTORE_PEERS_MAX CTL_KSTORE_SELF     /* peers are bits 0 .. this - 1 */

struct ctl_kstore {
	struct ksync_recset imported, contributed;
};

/*
 * The store file of the zone apex (wire form) in statedir:
 * "<statedir>/<apex lowercased, without the final dot>.keysync" ("root"
 * for the root zone) into out (cap
 * octets). Returns the length, -EINVAL when the name holds a '/',
 * -ENAMETOOLONG when out is too small.
 */
int ctl_kstore_path(const char *statedir, const uint8_t *apex, char *out, size_t cap);

/*
 * Read the store at path into out (a zeroed or loaded store; its old
 * content is freed and replaced on success, left as it was on error).
 * apex is the zone (wire form), peer_names the zone's npeers peers (at most
 * CTL_KSTORE_PEERS_MAX, none named "self" or "zone-owner"). Claims of names
 * that are no peer (any more) are dropped and counted in *unknown (if not
 * NULL). A missing file gives an empty store.
 * Returns 0; DNS_ESYNTAX with "PATH:LINE: reason" in err (LINE counts the
 * whole file); -EINVAL (bad peer names); -ENOMEM; a negative errno from
 * reading, with a message in err.
 */
int ctl_kstore_load(const char *path, const uint8_t *apex, const char *const *peer_names,
		    size_t npeers, struct ctl_kstore *out, size_t *unknown, char *err,
		    size_t errlen);

/*
 * Replace the file at path with s (mode 0644), durably (see above). On error
 * the temporary file is removed and the old file is left as it was (an
 * error from the final fsync of the directory comes after the rename).
 * Every origin of s must be a peer (or CTL_KSTORE_OWNER in imported,
 * CTL_KSTORE_SELF in contributed).
 * Returns 0; -EINVAL (bad peer names, an origin without a name, a record
 * whose RDATA does not form its type); -ENOMEM; a negative errno from the
 * file system. err gets a message on every error.
 */
int ctl_kstore_save(const char *path, const uint8_t *apex, const char *const *peer_names,
		    size_t npeers, const struct ctl_kstore *s, char *err, size_t errlen);

/* Free both sets and empty s. */
void ctl_kstore_free(struct ctl_kstore *s);

#ifdef __cplusplus
}
#endif

#endif
