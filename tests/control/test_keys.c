/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * control/keys: which files of a key directory are a zone's keys, errors
 * naming the file, roles, generations that only grow, and when a key table
 * is due for its rebuild.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "control/keys.h"
#include "dns/name.h"
#include "dns/zone.h"
#include "sign/key.h"
#include "sign/keystate.h"
#include "sign/keytable.h"
#include "tests/sign/helpers.h"
#include "tests/tap.h"

/* A gate that keeps held (every key signing zone data when NULL) from signing until `until`. */
struct gate_arg {
	const struct sign_key *held;
	int64_t until;
};

static unsigned
gate_hold(void *arg, const struct sign_key *k, unsigned state, bool signs_zone, int64_t now,
	  int64_t *wake)
{
	const struct gate_arg *g = arg;
	*wake = 0;
	if ((g->held ? k != g->held : !signs_zone) || now >= g->until)
		return state;
	*wake = g->until;
	return state & ~(unsigned)SIGN_KEY_ACTIVE;
}

static char err[1024];

static const char *
zone_file(const char *dir)
{
	static char path[4096];
	snprintf(path, sizeof(path), "%s/example.com.zone", dir);
	FILE *f = fopen(path, "w");
	fputs("$ORIGIN example.com.\n$TTL 3600\n@ SOA ns1 hostmaster 1 7200 3600 1209600 300\n"
	      "@ NS ns1\nns1 A 192.0.2.1\n", f);
	fclose(f);
	return path;
}

#define NOW 1700000000

static void
set_times(struct sign_key *k, int64_t publish, int64_t activate, int64_t inactive,
	  int64_t remove, int64_t revoke)
{
	struct sign_key_timing t = { .publish = publish, .activate = activate,
				     .inactive = inactive, .remove = remove, .revoke = revoke };
	sign_key_set_timing(k, &t);
}

/* ks: [0] the ZSK 48596, [1] the KSK 21321, both without timing. */
static void
timing(const struct ctl_keyset *ks, const uint8_t *apex, const struct dns_zone *zone)
{
	struct ctl_keyset a, b;
	struct sign_keytable *t = NULL;

	is_int(ctl_keyset_dup(ks, &a), 0, "a keyset copies");
	ok(a.n == 2 && a.keys[0] != ks->keys[0] && sign_key_tag(a.keys[0]) == 48596 &&
	   strcmp(a.files[1], ks->files[1]) == 0, "  its own keys, same tags and files");
	is_int(ctl_keyset_find(&a, 48596, 0), 0, "find by tag");
	is_int(ctl_keyset_find(&a, 21321, 15), 1, "find by tag and algorithm");
	is_int(ctl_keyset_find(&a, 21321, 13), -ENOENT, "  another algorithm: none");
	is_int(ctl_keyset_find(&a, 1, 0), -ENOENT, "  unknown tag: none");

	/* A second key with tag 48596 (another algorithm's in real life). */
	struct sign_key *twin;
	sign_key_dup(ks->keys[0], &twin);
	is_int(ctl_keyset_add(&a, twin, "/keys/twin.private"), 0, "a key is added");
	is_int(ctl_keyset_find(&a, 48596, 0), -EEXIST, "  two keys with one tag: ambiguous");
	ctl_keyset_free(&a);

	/* Pre-published ZSK beside the active one: the table's keys at now. */
	ctl_keyset_dup(ks, &a);
	struct sign_key *next;
	sign_key_dup(ks->keys[0], &next);
	sign_key_set_flags(next, SIGN_FLAGS_ZSK | 0x8000);  /* another tag, same key material */
	set_times(next, NOW - 10, NOW + 100, 0, 0, 0);
	ctl_keyset_add(&a, next, "/keys/next.private");
	set_times(a.keys[0], 0, 0, NOW + 200, NOW + 300, 0);
	is_int(ctl_keytable_build(&a, apex, zone, false, 1, NOW, NULL, &t, err, sizeof(err)), 0,
	       "a table of timed keys builds");
	ok(t && t->dnskey.count == 3 && t->nzsk == 1 && t->zsk[0] == a.keys[0],
	   "  all three published, the old ZSK signs");
	is_int(a.next_event, NOW + 100, "  next event: the new ZSK's Activate");
	is_str(ctl_keyset_role(&a, 2, NOW), "none", "  the pre-published key has no role");
	is_str(ctl_key_state_name(sign_key_timing(a.keys[2]), NOW), "published", "  published");
	is_str(ctl_key_state_name(sign_key_timing(a.keys[0]), NOW), "active", "  the old: active");
	sign_keytable_free(t);
	is_int(ctl_keytable_build(&a, apex, zone, false, 1, NOW + 100, NULL, &t, err, sizeof(err)), 0,
	       "at the Activate time");
	ok(t && t->nzsk == 2, "  both ZSKs sign");
	is_int(a.next_event, NOW + 200, "  next event: the old ZSK's Inactive");
	sign_keytable_free(t);
	struct gate_arg g = { .held = a.keys[2], .until = NOW + 150 };
	struct ctl_keyextra x = { .gate = gate_hold, .arg = &g };
	is_int(ctl_keytable_build(&a, apex, zone, false, 1, NOW + 100, &x, &t, err, sizeof(err)), 0,
	       "a gate holding the new ZSK back");
	ok(t && t->nzsk == 1 && t->zsk[0] == a.keys[0] && t->dnskey.count == 3,
	   "  only the old ZSK signs, the new one is published");
	is_int(a.next_event, NOW + 150, "  next event: when the gate opens");
	sign_keytable_free(t);
	g.held = NULL;
	is_int(ctl_keytable_build(&a, apex, zone, false, 1, NOW + 100, &x, &t, err, sizeof(err)), 0,
	       "a gate holding every zone-signing key back");
	ok(t && t->nzsk == 1 && t->zsk[0] == a.keys[0],
	   "  nothing would sign the zone: the ZSK active longest does, the new one waits");
	sign_keytable_free(t);
	is_int(ctl_keytable_build(&a, apex, zone, false, 1, NOW + 200, NULL, &t, err, sizeof(err)), 0,
	       "at the Inactive time");
	ok(t && t->nzsk == 1 && t->zsk[0] == a.keys[2] && t->dnskey.count == 3,
	   "  the new ZSK signs alone, the old one still published");
	is_str(ctl_key_state_name(sign_key_timing(a.keys[0]), NOW + 200), "retired", "  retired");
	sign_keytable_free(t);
	is_int(ctl_keytable_build(&a, apex, zone, false, 1, NOW + 300, NULL, &t, err, sizeof(err)), 0,
	       "at the Delete time");
	ok(t && t->dnskey.count == 2, "  the old ZSK is no longer published");
	is_int(a.next_event, 0, "  no event left");
	is_str(ctl_key_state_name(sign_key_timing(a.keys[0]), NOW + 300), "removed", "  removed");
	sign_keytable_free(t);

	/* Checks of a change at now. */
	ctl_keyset_dup(ks, &b);
	is_int(ctl_keyset_check(ks, &b, NOW, err, sizeof(err)), 0, "no change passes the check");
	set_times(b.keys[0], 0, 0, NOW, 0, 0);
	is_int(ctl_keyset_check(ks, &b, NOW, err, sizeof(err)), 0,
	       "retiring the ZSK passes: the KSK becomes a CSK");
	set_times(b.keys[1], 0, 0, 0, NOW, 0);
	is_int(ctl_keyset_check(ks, &b, NOW, err, sizeof(err)), -EINVAL,
	       "removing the KSK too is refused");
	ok(strstr(err, "no active key to sign") != NULL, "  no signing key (got '%s')", err);
	set_times(b.keys[0], 0, 0, 0, 0, 0);
	is_int(ctl_keyset_check(ks, &b, NOW, err, sizeof(err)), -EINVAL,
	       "removing the only KSK is refused");
	ok(strstr(err, "key-signing (SEP)") != NULL, "  no KSK (got '%s')", err);
	set_times(b.keys[1], 0, 0, 0, 0, NOW);
	is_int(ctl_keyset_check(ks, &b, NOW, err, sizeof(err)), -EINVAL,
	       "revoking the only KSK is refused");
	set_times(b.keys[1], 0, 0, 0, 0, NOW + 1);
	is_int(ctl_keyset_check(ks, &b, NOW, err, sizeof(err)), 0, "revoking it later passes now");
	is_str(ctl_keyset_role(&b, 1, NOW + 1), "revoked", "  then its role is revoked");
	is_str(ctl_key_state_name(sign_key_timing(b.keys[1]), NOW + 1), "revoked",
	       "  and its state");
	ctl_keyset_free(&b);

	/* Nothing published at now: unsigned, not an error. */
	set_times(a.keys[0], NOW + 50, NOW + 50, 0, 0, 0);
	set_times(a.keys[1], NOW + 60, NOW + 60, 0, 0, 0);
	set_times(a.keys[2], 0, 0, 0, NOW - 1, 0);
	t = (struct sign_keytable *)&t;
	is_int(ctl_keytable_build(&a, apex, zone, false, 1, NOW, NULL, &t, err, sizeof(err)), 0,
	       "no key published yet builds");
	ok(t == NULL, "  no table: unsigned");
	is_int(a.next_event, NOW + 50, "  next event: the first Publish");
	is_str(ctl_key_state_name(sign_key_timing(a.keys[0]), NOW), "pending", "  pending");
	ctl_keyset_free(&a);

	int64_t v;
	ok(ctl_time_parse("now", NOW, &v) == 0 && v == NOW, "time: now");
	ok(ctl_time_parse("now+90", NOW, &v) == 0 && v == NOW + 90, "time: now+90");
	ok(ctl_time_parse("+5", NOW, &v) == 0 && v == NOW + 5, "time: +5");
	ok(ctl_time_parse("20231114221320", NOW, &v) == 0 && v == NOW, "time: YYYYMMDDHHMMSS");
	ok(ctl_time_parse("20240229000000", NOW, &v) == 0 && v == 1709164800, "time: leap day");
	const char *bad[] = { "", "now-5", "now+", "+", "+-1", "+1x", "2023111422132", "202311142213201",
			      "20230230000000", "20231314000000", "19691231235959", "2023111422136a",
			      "tomorrow", "now+99999999999999999999" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		is_int(ctl_time_parse(bad[i], NOW, &v), -EINVAL, "time '%s' is refused", bad[i]);
}

int
main(void)
{
	const char *dir = tmpdir();
	uint8_t apex[DNS_NAME_MAXLEN], other[DNS_NAME_MAXLEN];
	struct ctl_keyset ks;
	struct dns_zone *zone = NULL;
	char path[4096];

	dns_name_from_str("Example.COM", apex, sizeof(apex));
	dns_name_from_str("example.net", other, sizeof(other));
	ok(dns_zone_load("example.com", zone_file(dir), &zone, err, sizeof(err)) == 0, "zone loads");

	is_int(ctl_keyset_load(dir, apex, &ks, err, sizeof(err)), 0, "a directory without keys");
	is_int(ks.n, 0, "  no keys: unsigned");

	ok(copy_pair("ldns", "Kexample.com.+013+48596", dir) == 0 &&
	   copy_pair("ldns", "Kexample.com.+015+21321", dir) == 0 &&
	   copy_pair("rfc", "Kexample.net.+013+55648", dir) == 0, "fixtures copied");
	/* Not key files of example.com: a .key alone, other names, another zone. */
	put_file(dir, "Kexample.com.+008+61713.key", "", 0644);
	put_file(dir, "Kexample.com.+013+4859.private", "", 0600);
	put_file(dir, "Kexample.com.+013+48596.private~", "", 0600);
	put_file(dir, "Kwww.example.com.+013+48596.private", "", 0600);
	put_file(dir, "Kexample.com+013+48596.private", "", 0600);

	is_int(ctl_keyset_load(dir, apex, &ks, err, sizeof(err)), 0, "example.com's keys load");
	is_int(ks.n, 2, "  the two key pairs, nothing else");
	snprintf(path, sizeof(path), "%s/Kexample.com.+013+48596.private", dir);
	ok(ks.n == 2 && strcmp(ks.files[0], path) == 0, "  in file name order, with the path");
	ok(ks.n == 2 && sign_key_tag(ks.keys[0]) == 48596 && sign_key_tag(ks.keys[1]) == 21321,
	   "  the keys of those files");
	is_str(ks.n == 2 ? ctl_keyset_role(&ks, 0, NOW) : "", "ZSK",
	       "  flags 256 beside a KSK: ZSK");
	is_str(ks.n == 2 ? ctl_keyset_role(&ks, 1, NOW) : "", "KSK",
	       "  flags 257 beside a ZSK: KSK");

	struct sign_keytable *t1 = NULL, *t2 = NULL;
	is_int(ctl_keytable_build(&ks, apex, zone, true, 2, NOW, NULL, &t1, err, sizeof(err)), 0,
	       "a key table builds");
	is_int(ctl_keytable_build(&ks, apex, zone, false, 2, NOW, NULL, &t2, err, sizeof(err)), 0,
	       "a second one builds");
	if (t1 && t2) {
		ok(t2->generation > t1->generation, "  generations grow (%llu, %llu)",
		   (unsigned long long)t1->generation, (unsigned long long)t2->generation);
		ok(t1->denial == SIGN_DENIAL_NSEC && t2->denial == SIGN_DENIAL_COMPACT,
		   "  denial as asked");
		ok(t1->nworkers == 2 && t1->nzsk == 1 && t1->cds.count == 1, "  workers, ZSK, CDS");
		/* Default validity: 1-hour buckets, 7 days; rebuild at half of it. */
		uint32_t start = 1700000000u - 1700000000u % 3600;
		is_int(ctl_keytable_refresh_in(t1, 1700000000u), start + 7 * 86400 / 2 - 1700000000u,
		       "  due when half the lifetime is left");
		is_int(ctl_keytable_refresh_in(t1, start + 7 * 86400 / 2), 0, "  due then");
		is_int(ctl_keytable_refresh_in(t1, start + 7 * 86400), 0, "  and after");
	}
	sign_keytable_free(t1);
	sign_keytable_free(t2);

	struct ctl_keyset net;
	is_int(ctl_keyset_load(dir, other, &net, err, sizeof(err)), 0, "example.net's key loads");
	ok(net.n == 1 && strcmp(ctl_keyset_role(&net, 0, NOW), "CSK") == 0,
	   "  a lone key is a CSK");
	ctl_keyset_free(&net);
	ok(net.n == 0 && net.keys == NULL, "  freed and emptied");
	if (ks.n == 2)
		timing(&ks, apex, zone);
	ctl_keyset_free(&ks);

	/* A broken key file: an error that names it, nothing kept. */
	snprintf(path, sizeof(path), "%s/Kexample.com.+015+21321.private", dir);
	put_file(dir, "Kexample.com.+015+21321.private", "Private-key-format: v1.2\n", 0600);
	ks.n = 99;
	ok(ctl_keyset_load(dir, apex, &ks, err, sizeof(err)) < 0, "a broken key file fails");
	ok(strncmp(err, path, strlen(path)) == 0, "  the error names the file (got '%s')", err);
	ok(ks.n == 0 && ks.keys == NULL && ks.files == NULL, "  nothing kept");

	/* Another zone's key under this zone's name. */
	rmtree(dir);
	dir = tmpdir();
	copy_pair("rfc", "Kexample.net.+013+55648", dir);
	char from[4096];
	for (int i = 0; i < 2; i++) {
		const char *ext = i ? ".private" : ".key";
		snprintf(from, sizeof(from), "%s/Kexample.net.+013+55648%s", dir, ext);
		snprintf(path, sizeof(path), "%s/KEXAMPLE.COM.+013+55648%s", dir, ext);
		rename(from, path);
	}
	is_int(ctl_keyset_load(dir, apex, &ks, err, sizeof(err)), -EINVAL,
	       "a key for another zone is refused (file names matched without regard to case)");
	ok(strstr(err, "KEXAMPLE.COM.+013+55648") != NULL, "  naming the file (got '%s')", err);

	snprintf(path, sizeof(path), "%s/nonexistent", dir);
	is_int(ctl_keyset_load(path, apex, &ks, err, sizeof(err)), -ENOENT, "a missing directory");
	ok(strncmp(err, path, strlen(path)) == 0, "  the error names it (got '%s')", err);

	dns_zone_unref(zone);
	rmtree(dir);
	return tap_done();
}
