/* SPDX-License-Identifier: BSD-3-Clause */
#include "control/keys.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "dns/name.h"
#include "sign/dnskeyset.h"
#include "sign/keyfile.h"
#include "sign/keystate.h"
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
ctl_keyset_add(struct ctl_keyset *ks, struct sign_key *key, const char *file)
{
	struct sign_key **k = realloc(ks->keys, (ks->n + 1) * sizeof(*k));
	if (k)
		ks->keys = k;
	char **f = k ? realloc(ks->files, (ks->n + 1) * sizeof(*f)) : NULL;
	if (f)
		ks->files = f;
	char *name = f ? strdup(file) : NULL;
	if (!name) {
		sign_key_free(key);
		return -ENOMEM;
	}
	ks->keys[ks->n] = key;
	ks->files[ks->n++] = name;
	return 0;
}

int
ctl_keyset_dup(const struct ctl_keyset *ks, struct ctl_keyset *out)
{
	memset(out, 0, sizeof(*out));
	for (size_t i = 0; i < ks->n; i++) {
		struct sign_key *k;
		if (sign_key_dup(ks->keys[i], &k) < 0 || ctl_keyset_add(out, k, ks->files[i]) < 0) {
			ctl_keyset_free(out);
			return -ENOMEM;
		}
	}
	out->next_event = ks->next_event;
	return 0;
}

long
ctl_keyset_find(const struct ctl_keyset *ks, uint16_t tag, uint8_t alg)
{
	long at = -ENOENT;
	for (size_t i = 0; i < ks->n; i++) {
		if (sign_key_tag(ks->keys[i]) != tag || (alg && sign_key_alg(ks->keys[i]) != alg))
			continue;
		if (at >= 0)
			return -EEXIST;
		at = (long)i;
	}
	return at;
}

/* The state of every key of ks at now, malloc'd; NULL when out of memory. */
static unsigned *
states_at(const struct ctl_keyset *ks, int64_t now)
{
	unsigned *st = calloc(ks->n ? ks->n : 1, sizeof(*st));
	for (size_t i = 0; st && i < ks->n; i++)
		st[i] = sign_key_state(sign_key_timing(ks->keys[i]), now);
	return st;
}

/* When key k became active by its timing (0: always). */
static int64_t
active_since(const struct sign_key *k)
{
	const struct sign_key_timing *t = sign_key_timing(k);
	return t->activate ? t->activate : t->publish;
}

/* Whether key k (by its DNSKEY RDATA) signs zone data in table t. */
static bool
signs_in(const struct sign_keytable *t, const struct sign_key *k)
{
	size_t len, tlen;
	const uint8_t *rd = sign_key_dnskey(k, &len);
	for (unsigned i = 0; t && i < t->nzsk; i++) {
		const uint8_t *trd = sign_key_dnskey(t->zsk[i], &tlen);
		if (tlen == len && memcmp(trd, rd, len) == 0)
			return true;
	}
	return false;
}

/* Whether some key signs zone data under states st, and none that does not under base. */
static bool
zone_signed(const struct ctl_keyset *ks, const unsigned *st, const unsigned *base)
{
	const struct sign_key *const *keys = (const struct sign_key *const *)ks->keys;
	bool signs = false;
	for (size_t i = 0; i < ks->n; i++) {
		if (!(sign_key_roles(keys, st, ks->n, i) & SIGN_ROLE_ZONE))
			continue;
		if (!(sign_key_roles(keys, base, ks->n, i) & SIGN_ROLE_ZONE))
			return false;
		signs = true;
	}
	return signs;
}

/*
 * Apply x's gate to st[0..ks->n). When that leaves no key signing zone
 * data (nothing propagated yet, e.g. at a first start), the keys it held
 * back that have been active longest sign; a newer key still waits. When
 * even that fails, or a key would sign zone data that does not by its
 * timing (a KSK turned CSK), the timing alone decides.
 */
static void
gate_states(struct ctl_keyset *ks, const struct ctl_keyextra *x, int64_t now, unsigned *st)
{
	unsigned *gated = calloc(ks->n ? ks->n : 1, sizeof(*gated));
	int64_t oldest = INT64_MAX;
	if (!gated)
		return;
	for (size_t i = 0; i < ks->n; i++) {
		int64_t wake;
		bool zone = sign_key_roles((const struct sign_key *const *)ks->keys, st, ks->n, i) &
			    SIGN_ROLE_ZONE;
		gated[i] = x->gate(x->arg, ks->keys[i], st[i], zone, now, &wake);
		if (wake && (!ks->next_event || wake < ks->next_event))
			ks->next_event = wake;
		if ((st[i] & SIGN_KEY_ACTIVE) && !(gated[i] & SIGN_KEY_ACTIVE) &&
		    active_since(ks->keys[i]) < oldest)
			oldest = active_since(ks->keys[i]);
	}
	for (size_t i = 0; !zone_signed(ks, gated, st) && i < ks->n; i++)
		if ((st[i] & SIGN_KEY_ACTIVE) && signs_in(x->current, ks->keys[i]))
			gated[i] |= SIGN_KEY_ACTIVE;
	if (!zone_signed(ks, gated, st)) {
		for (size_t i = 0; i < ks->n; i++)
			if ((st[i] & SIGN_KEY_ACTIVE) && active_since(ks->keys[i]) == oldest)
				gated[i] |= SIGN_KEY_ACTIVE;
	}
	if (zone_signed(ks, gated, st))
		memcpy(st, gated, ks->n * sizeof(*st));
	free(gated);
}

int
ctl_keytable_build(struct ctl_keyset *ks, const uint8_t *apex, const struct dns_zone *zone,
		   bool nsec, unsigned nworkers, uint32_t now, const struct ctl_keyextra *x,
		   struct sign_keytable **out, char *err, size_t errlen)
{
	unsigned *st = states_at(ks, now);
	size_t npub = 0;
	int rc;

	*out = NULL;
	ks->next_event = 0;
	for (size_t i = 0; i < ks->n; i++) {
		int64_t e = sign_key_next_event(sign_key_timing(ks->keys[i]), now);
		if (e && (!ks->next_event || e < ks->next_event))
			ks->next_event = e;
		npub += st && (st[i] & SIGN_KEY_PUBLISHED);
	}
	if (!st) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	if (x && x->gate)
		gate_states(ks, x, now, st);
	struct sign_keytable_params p = {
		.apex = apex,
		.zone = zone,
		.keys = (const struct sign_key *const *)ks->keys,
		.states = st,
		.nkeys = ks->n,
		.dnskey_ttl = x ? x->dnskey_ttl : 0,
		.publish_cds = true,
		.denial = nsec ? SIGN_DENIAL_NSEC : SIGN_DENIAL_COMPACT,
		.validity = SIGN_VALIDITY_DEFAULT,
		.nworkers = nworkers,
		.now = now,
		.extra_dnskey = x ? x->dnskey : NULL,
		.extra_cds = x ? x->cds : NULL,
		.extra_cdnskey = x ? x->cdnskey : NULL,
		.signed_keys = x ? x->signed_keys : NULL,
	};
	rc = 0;
	if (npub) {
		p.generation = next_generation++;
		rc = sign_keytable_build(&p, out, err, errlen);
	}
	if (rc == 0 && *out && p.signed_keys &&
	    (rc = sign_dnskeyset_check(apex, p.signed_keys, (*out)->zsk, (*out)->nzsk, now, err,
				       errlen)) != 0) {
		sign_keytable_free(*out);
		*out = NULL;
	}
	free(st);
	return rc;
}

uint32_t
ctl_keytable_refresh_in(const struct sign_keytable *t, uint32_t now)
{
	/* RRSIG times are serial numbers (RFC 4034 3.1.5): compare by difference. */
	int32_t left = (int32_t)(t->sigs_expire - t->validity.lifetime / 2 - now);
	return left > 0 ? (uint32_t)left : 0;
}

const char *
ctl_keyset_role(const struct ctl_keyset *ks, size_t i, int64_t now)
{
	static const char *const names[] = {
		[0] = "none",
		[SIGN_ROLE_ZONE] = "ZSK",
		[SIGN_ROLE_KEYS] = "KSK",
		[SIGN_ROLE_ZONE | SIGN_ROLE_KEYS] = "CSK",
	};
	unsigned *st = states_at(ks, now);
	if (!st)
		return "unknown";
	const char *r = names[sign_key_roles((const struct sign_key *const *)ks->keys, st, ks->n,
					     i)];
	if ((st[i] & SIGN_KEY_PUBLISHED) &&
	    ((st[i] & SIGN_KEY_REVOKED) || (sign_key_flags(ks->keys[i]) & SIGN_FLAG_REVOKE)))
		r = "revoked";
	free(st);
	return r;
}

const char *
ctl_key_state_name(const struct sign_key_timing *t, int64_t now)
{
	unsigned st = sign_key_state(t, now);

	if (!(st & SIGN_KEY_PUBLISHED))
		return t->remove && t->remove <= now ? "removed" : "pending";
	if (st & SIGN_KEY_REVOKED)
		return "revoked";
	if (st & SIGN_KEY_ACTIVE)
		return "active";
	return t->inactive && t->inactive <= now ? "retired" : "published";
}

/* Count the zone-signing and the SEP signing keys of ks at now. Returns 0 or -ENOMEM. */
static int
count_signers(const struct ctl_keyset *ks, int64_t now, size_t *npub, size_t *nzone,
	      size_t *nsep)
{
	unsigned *st = states_at(ks, now);
	if (!st)
		return -ENOMEM;
	*npub = *nzone = *nsep = 0;
	for (size_t i = 0; i < ks->n; i++) {
		unsigned r = sign_key_roles((const struct sign_key *const *)ks->keys, st, ks->n, i);
		bool sep = sign_key_flags(ks->keys[i]) & SIGN_FLAG_SEP;
		*npub += (st[i] & SIGN_KEY_PUBLISHED) != 0;
		*nzone += (r & SIGN_ROLE_ZONE) != 0;
		/* A revoked SEP key signs DNSKEY but is no key-signing key any more. */
		*nsep += sep && (r & SIGN_ROLE_KEYS) && !(st[i] & SIGN_KEY_REVOKED) &&
			 !(sign_key_flags(ks->keys[i]) & SIGN_FLAG_REVOKE);
	}
	free(st);
	return 0;
}

int
ctl_keyset_check(const struct ctl_keyset *before, const struct ctl_keyset *after,
		 int64_t now, char *err, size_t errlen)
{
	size_t bpub, bzone, bsep, apub, azone, asep;
	if (count_signers(before, now, &bpub, &bzone, &bsep) < 0 ||
	    count_signers(after, now, &apub, &azone, &asep) < 0) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	if (apub == 0 && bpub == 0)
		return 0;
	if (azone == 0) {
		snprintf(err, errlen, "the zone would have no active key to sign its data");
		return -EINVAL;
	}
	if (bsep && !asep) {
		snprintf(err, errlen, "the zone would have no active key-signing (SEP) key");
		return -EINVAL;
	}
	return 0;
}

int
ctl_time_parse(const char *s, int64_t now, int64_t *out)
{
	const char *rel = NULL;
	if (strncmp(s, "now", 3) == 0) {
		if (s[3] == '\0') {
			*out = now;
			return 0;
		}
		rel = s[3] == '+' ? s + 4 : NULL;
	} else if (s[0] == '+') {
		rel = s + 1;
	}
	if (rel) {
		char *end;
		if (!isdigit((unsigned char)*rel))
			return -EINVAL;
		errno = 0;
		unsigned long long v = strtoull(rel, &end, 10);
		if (*end || errno || v > 100ull * 366 * 86400)
			return -EINVAL;
		*out = now + (int64_t)v;
		return 0;
	}
	struct tm tm = { 0 };
	if (strlen(s) != 14 || strspn(s, "0123456789") != 14)
		return -EINVAL;
	char *end = strptime(s, "%Y%m%d%H%M%S", &tm);
	if (!end || *end || tm.tm_year < 70)
		return -EINVAL;
	struct tm back = tm;
	time_t t = timegm(&tm);
	/* timegm normalises out-of-range fields: a date that changed did not exist. */
	if (t == (time_t)-1 || tm.tm_mday != back.tm_mday || tm.tm_mon != back.tm_mon)
		return -EINVAL;
	*out = (int64_t)t;
	return 0;
}
