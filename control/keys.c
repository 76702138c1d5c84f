/* SPDX-License-Identifier: BSD-3-Clause */
#include "control/keys.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "dns/name.h"
#include "sign/keyfile.h"
#include "sign/keytable.h"

/* Generations are never reused in the process: the signature cache keys on them. */
static uint64_t next_generation = 1;

/* name is prefix + "DDD+DDDDD.private", prefix matched without regard to case. */
static bool
key_file_name(const char *name, const char *prefix, size_t plen)
{
	static const char tail[] = "DDD+DDDDD.private";

	if (strncasecmp(name, prefix, plen) != 0 || strlen(name + plen) != sizeof(tail) - 1)
		return false;
	for (size_t i = 0; tail[i]; i++) {
		char c = name[plen + i];
		if (tail[i] == 'D' ? !isdigit((unsigned char)c) : c != tail[i])
			return false;
	}
	return true;
}

static int
str_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

void
ctl_keyset_free(struct ctl_keyset *ks)
{
	for (size_t i = 0; i < ks->n; i++) {
		sign_key_free(ks->keys ? ks->keys[i] : NULL);
		free(ks->files[i]);
	}
	free(ks->keys);
	free(ks->files);
	memset(ks, 0, sizeof(*ks));
}

int
ctl_keyset_load(const char *dir, const uint8_t *apex, struct ctl_keyset *ks, char *err,
		size_t errlen)
{
	char prefix[DNS_NAME_MAXLEN * 4 + 4] = "K";
	size_t plen;
	DIR *d;
	struct dirent *e;
	int rc = 0;

	memset(ks, 0, sizeof(*ks));
	dns_name_to_str(apex, prefix + 1, sizeof(prefix) - 2);
	strcat(prefix, "+");
	plen = strlen(prefix);

	d = opendir(dir);
	if (!d) {
		rc = -errno;
		snprintf(err, errlen, "%s: %s", dir, strerror(-rc));
		return rc;
	}
	while ((e = readdir(d)) != NULL) {
		if (!key_file_name(e->d_name, prefix, plen))
			continue;
		char **v = realloc(ks->files, (ks->n + 1) * sizeof(*v));
		if (!v) {
			rc = -ENOMEM;
			break;
		}
		ks->files = v;
		size_t need = strlen(dir) + strlen(e->d_name) + 2;
		if (!(v[ks->n] = malloc(need))) {
			rc = -ENOMEM;
			break;
		}
		snprintf(v[ks->n++], need, "%s/%s", dir, e->d_name);
	}
	closedir(d);
	if (rc == 0 && ks->n) {
		qsort(ks->files, ks->n, sizeof(*ks->files), str_cmp);
		ks->keys = calloc(ks->n, sizeof(*ks->keys));
		if (!ks->keys)
			rc = -ENOMEM;
	}
	if (rc == -ENOMEM)
		snprintf(err, errlen, "out of memory");
	for (size_t i = 0; rc == 0 && i < ks->n; i++)
		rc = sign_keyfile_load(ks->files[i], apex, 0, &ks->keys[i], err, errlen);
	if (rc < 0)
		ctl_keyset_free(ks);
	return rc;
}

int
ctl_keytable_build(const struct ctl_keyset *ks, const uint8_t *apex,
		   const struct dns_zone *zone, bool nsec, unsigned nworkers, uint32_t now,
		   struct sign_keytable **out, char *err, size_t errlen)
{
	struct sign_keytable_params p = {
		.apex = apex,
		.zone = zone,
		.keys = (const struct sign_key *const *)ks->keys,
		.nkeys = ks->n,
		.publish_cds = true,
		.denial = nsec ? SIGN_DENIAL_NSEC : SIGN_DENIAL_COMPACT,
		.validity = SIGN_VALIDITY_DEFAULT,
		.nworkers = nworkers,
		.generation = next_generation++,
		.now = now,
	};
	return sign_keytable_build(&p, out, err, errlen);
}

uint32_t
ctl_keytable_refresh_in(const struct sign_keytable *t, uint32_t now)
{
	/* RRSIG times are serial numbers (RFC 4034 3.1.5): compare by difference. */
	int32_t left = (int32_t)(t->sigs_expire - t->validity.lifetime / 2 - now);
	return left > 0 ? (uint32_t)left : 0;
}

const char *
ctl_keyset_role(const struct ctl_keyset *ks, size_t i)
{
	/* A key that is not revoked always has a role. */
	static const char *const names[] = {
		[SIGN_ROLE_ZONE] = "ZSK",
		[SIGN_ROLE_KEYS] = "KSK",
		[SIGN_ROLE_ZONE | SIGN_ROLE_KEYS] = "CSK",
	};

	if (sign_key_flags(ks->keys[i]) & SIGN_FLAG_REVOKE)
		return "revoked";
	return names[sign_key_roles((const struct sign_key *const *)ks->keys, ks->n, i)];
}
