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
#include "sign/keytable.h"
#include "tests/sign/helpers.h"
#include "tests/tap.h"

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
	is_str(ks.n == 2 ? ctl_keyset_role(&ks, 0) : "", "ZSK", "  flags 256 beside a KSK: ZSK");
	is_str(ks.n == 2 ? ctl_keyset_role(&ks, 1) : "", "KSK", "  flags 257 beside a ZSK: KSK");

	struct sign_keytable *t1 = NULL, *t2 = NULL;
	is_int(ctl_keytable_build(&ks, apex, zone, true, 2, 1700000000u, &t1, err, sizeof(err)), 0,
	       "a key table builds");
	is_int(ctl_keytable_build(&ks, apex, zone, false, 2, 1700000000u, &t2, err, sizeof(err)), 0,
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
	ok(net.n == 1 && strcmp(ctl_keyset_role(&net, 0), "CSK") == 0, "  a lone key is a CSK");
	ctl_keyset_free(&net);
	ok(net.n == 0 && net.keys == NULL, "  freed and emptied");
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
