/* SPDX-License-Identifier: BSD-3-Clause */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "control/kstore.h"
#include "dns/err.h"
#include "dns/rdata.h"
#include "tests/tap.h"

static const uint8_t apex[] = "\7example\3com";
static const char *const peers[] = { "alpha", "beta.example", "gamma" };
static char dir[] = "/tmp/test_kstore.XXXXXX";

static bool
store_equal(const struct ctl_kstore *a, const struct ctl_kstore *b)
{
	return ksync_recset_equal(&a->imported, &b->imported) &&
	       ksync_recset_equal(&a->contributed, &b->contributed);
}

/* A DNSKEY RDATA (flags, protocol 3, algorithm 13) with a 64-octet key made of seed. */
static void
add_key(struct ksync_recset *s, uint16_t type, uint16_t flags, uint8_t seed, unsigned origin)
{
	uint8_t rd[4 + 64] = { (uint8_t)(flags >> 8), (uint8_t)flags, 3, 13 };
	for (unsigned i = 0; i < 64; i++)
		rd[4 + i] = (uint8_t)(seed + i);
	if (ksync_recset_add(s, type, 3600, rd, sizeof(rd), origin) < 0)
		abort();
}

/* Two different stores; b is much bigger, so a torn write would show. */
static void
make_stores(struct ctl_kstore *a, struct ctl_kstore *b)
{
	*a = *b = (struct ctl_kstore){ 0 };
	add_key(&a->imported, DNS_T_DNSKEY, 256, 1, 0);
	add_key(&a->imported, DNS_T_DNSKEY, 256, 2, 2);
	add_key(&a->imported, DNS_T_CDNSKEY, 257, 3, CTL_KSTORE_OWNER);
	add_key(&a->contributed, DNS_T_DNSKEY, 256, 4, CTL_KSTORE_SELF);
	add_key(&a->contributed, DNS_T_DNSKEY, 256, 4, 1);
	add_key(&a->contributed, DNS_T_DNSKEY, 256, 5, 0);
	for (unsigned i = 0; i < 12; i++) {
		add_key(&b->imported, DNS_T_DNSKEY, 256, (uint8_t)(10 + i), i % 3);
		add_key(&b->contributed, DNS_T_CDNSKEY, 257, (uint8_t)(100 + i), CTL_KSTORE_SELF);
	}
}

static char *
slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	if (!f)
		return NULL;
	char *buf = calloc(1, 1 << 20);
	size_t n = buf ? fread(buf, 1, (1 << 20) - 1, f) : 0;
	(void)n;
	fclose(f);
	return buf;
}

static void
spit(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	if (!f || fputs(text, f) < 0 || fclose(f) != 0)
		abort();
}

/* Files in dir other than the store file itself (left-over temporaries). */
static unsigned
strays(const char *keep)
{
	DIR *d = opendir(dir);
	unsigned n = 0;
	for (struct dirent *e; d && (e = readdir(d));)
		n += strcmp(e->d_name, ".") && strcmp(e->d_name, "..") && strcmp(e->d_name, keep);
	if (d)
		closedir(d);
	return n;
}

static void
test_path(void)
{
	char out[256];
	const uint8_t upper[] = "\7ExAmPle\3COM", slash[] = "\3a/b\3com";

	int n = ctl_kstore_path("/var/lib/sigedge", upper, out, sizeof(out));
	is_str(out, "/var/lib/sigedge/example.com.keysync", "path: lowercased, no final dot");
	is_int(n, (int)strlen(out), "path length");
	ctl_kstore_path("/s", (const uint8_t *)"", out, sizeof(out));
	is_str(out, "/s/root.keysync", "root zone");
	is_int(ctl_kstore_path("/s", slash, out, sizeof(out)), -EINVAL, "'/' in the name refused");
	is_int(ctl_kstore_path("/s", upper, out, 10), -ENAMETOOLONG, "small buffer");
}

static void
test_round_trip(const char *path)
{
	struct ctl_kstore a, b, got = { 0 };
	char err[512] = "";
	size_t unknown = 7;
	struct stat st;

	make_stores(&a, &b);
	is_int(ctl_kstore_load(path, apex, peers, 3, &got, &unknown, err, sizeof(err)), 0,
	       "missing file: 0");
	ok(got.imported.n == 0 && got.contributed.n == 0 && unknown == 0, "missing file: empty");

	is_int(ctl_kstore_save(path, apex, peers, 3, &a, err, sizeof(err)), 0, "save: %s", err);
	ok(stat(path, &st) == 0 && (st.st_mode & 07777) == 0644, "mode 0644");
	char *text = slurp(path);
	ok(text && text[0] == ';' && strstr(text, "\n$imported\n") &&
	   strstr(text, "\n$contributed\n") &&
	   strstr(text, "\nbeta.example,self example.com.\t3600\tIN\tDNSKEY\t256 3 13 ") &&
	   strstr(text, "\nzone-owner example.com.\t3600\tIN\tCDNSKEY\t257 3 13 "),
	   "file text: comment, sections, pseudo-origin names");
	diag("%s", text ? text : "");
	free(text);
	is_int(strays(path + strlen(dir) + 1), 0, "no temporary left");

	is_int(ctl_kstore_load(path, apex, peers, 3, &got, &unknown, err, sizeof(err)), 0,
	       "load: %s", err);
	ok(store_equal(&got, &a), "round trip equal");
	is_int(unknown, 0, "no unknown origins");

	is_int(ctl_kstore_save(path, apex, peers, 3, &b, err, sizeof(err)), 0, "save other");
	is_int(ctl_kstore_load(path, apex, peers, 3, &got, NULL, err, sizeof(err)), 0, "reload");
	ok(store_equal(&got, &b), "loaded store replaced by the new content");

	/* Peers renamed: "self" and "zone-owner" are reserved. */
	const char *const bad_peers[] = { "alpha", "self" };
	is_int(ctl_kstore_save(path, apex, bad_peers, 2, &b, err, sizeof(err)), -EINVAL,
	       "save with a peer named self: -EINVAL (%s)", err);
	is_int(ctl_kstore_load(path, apex, bad_peers, 2, &got, NULL, err, sizeof(err)), -EINVAL,
	       "load with a peer named self: -EINVAL");
	/* An origin bit of no configured peer cannot be written. */
	is_int(ctl_kstore_save(path, apex, peers, 2, &a, err, sizeof(err)), -EINVAL,
	       "record of peer 2 with two peers: -EINVAL");
	is_int(ctl_kstore_load(path, apex, peers, 3, &got, NULL, err, sizeof(err)), 0, "reload");
	ok(store_equal(&got, &b), "failed saves left the file as it was");

	ctl_kstore_free(&a);
	ctl_kstore_free(&b);
	ctl_kstore_free(&got);
}

static void
test_unknown_peers(const char *path)
{
	struct ctl_kstore a, b, got = { 0 };
	char err[512] = "";
	size_t unknown = 0;

	make_stores(&a, &b);
	is_int(ctl_kstore_save(path, apex, peers, 3, &a, err, sizeof(err)), 0, "save");
	/* beta.example left the configuration; gamma is now peer 1. */
	const char *const now[] = { "alpha", "gamma" };
	is_int(ctl_kstore_load(path, apex, now, 2, &got, &unknown, err, sizeof(err)), 0,
	       "load without beta.example: %s", err);
	is_int(unknown, 1, "one claim of beta.example dropped");
	is_int(got.imported.n, 3, "imported: all three records kept");
	ok(got.imported.v[1].origins == 2, "gamma's record now on bit 1");
	is_int(got.contributed.n, 2, "contributed: two records");
	ok(got.contributed.v[0].origins == UINT64_C(1) << CTL_KSTORE_SELF,
	   "self stays, beta.example's confirmation gone");
	ctl_kstore_free(&a);
	ctl_kstore_free(&b);
	ctl_kstore_free(&got);
}

/* Load text that must fail at LINE; the store and the file stay as they were. */
static void
corrupt(const char *path, const char *text, unsigned line, const char *what)
{
	struct ctl_kstore a, b;
	char err[512] = "", want[512];

	make_stores(&a, &b);
	spit(path, text);
	int rc = ctl_kstore_load(path, apex, peers, 3, &a, NULL, err, sizeof(err));
	is_int(rc, DNS_ESYNTAX, "%s: DNS_ESYNTAX", what);
	snprintf(want, sizeof(want), "%s:%u: ", path, line);
	ok(strncmp(err, want, strlen(want)) == 0, "%s: \"%s\" starts with \"%s\"", what, err, want);
	struct ctl_kstore a2, b2;
	make_stores(&a2, &b2);
	ok(store_equal(&a, &a2), "%s: store unchanged", what);
	char *now = slurp(path);
	is_str(now, text, "%s: file untouched", what);
	free(now);
	ctl_kstore_free(&a);
	ctl_kstore_free(&b);
	ctl_kstore_free(&a2);
	ctl_kstore_free(&b2);
}

#define KEY " example.com. 3600 IN DNSKEY 256 3 13 AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8g\n"

static void
test_corrupt(const char *path)
{
	corrupt(path, "; c\n$imported\nalpha" KEY "gamma" KEY "beta.example example.com. 3600 "
		"IN DNSKEY 256 3 13 !!!\n$contributed\n", 5, "bad base64 in imported");
	corrupt(path, "; c\n$imported\nalpha" KEY "\n$contributed\n; x\nself" KEY
		"self example.com. 3600 IN A 192.0.2.1\n", 8, "type A in contributed");
	corrupt(path, "; c\n$imported\nalpha" KEY "\n", 4, "no $contributed");
	corrupt(path, "", 1, "empty file");
	corrupt(path, "; c\nalpha" KEY "$imported\n$contributed\n", 2, "record before $imported");
	corrupt(path, "; c\n$imported\n$contributed\n$imported\n", 4, "second $imported");
	corrupt(path, "; c\n$contributed\n$imported\n", 2, "sections swapped");
	corrupt(path, "; c\n$imported\n$pending\n$contributed\n", 3, "unknown directive");
}

static void
test_save_fails(const char *path)
{
	struct ctl_kstore a, b, got = { 0 };
	char err[512] = "", missing[256];
	struct rlimit old, small;

	make_stores(&a, &b);
	is_int(ctl_kstore_save(path, apex, peers, 3, &a, err, sizeof(err)), 0, "save");
	char *before = slurp(path);

	snprintf(missing, sizeof(missing), "%s/no/such/dir/store", dir);
	int rc = ctl_kstore_save(missing, apex, peers, 3, &a, err, sizeof(err));
	ok(rc == -ENOENT && strstr(err, "/no/such/dir/store"), "directory missing: -ENOENT (%s)",
	   err);

	/* The disk "fills up" in the middle of writing the bigger store. */
	signal(SIGXFSZ, SIG_IGN);
	getrlimit(RLIMIT_FSIZE, &old);
	small = old;
	small.rlim_cur = 1000;
	setrlimit(RLIMIT_FSIZE, &small);
	rc = ctl_kstore_save(path, apex, peers, 3, &b, err, sizeof(err));
	setrlimit(RLIMIT_FSIZE, &old);
	is_int(rc, -EFBIG, "write fails: -EFBIG (%s)", err);
	char *after = slurp(path);
	is_str(after, before, "old file intact after a failed write");
	is_int(strays(path + strlen(dir) + 1), 0, "temporary removed");
	free(after);

	if (geteuid() != 0) {
		chmod(dir, 0555);
		rc = ctl_kstore_save(path, apex, peers, 3, &b, err, sizeof(err));
		chmod(dir, 0755);
		is_int(rc, -EACCES, "read-only directory: -EACCES (%s)", err);
		after = slurp(path);
		is_str(after, before, "old file intact in a read-only directory");
		free(after);
	} else {
		printf("ok %u - # SKIP read-only directory: root writes anyway\n", ++tap_n);
	}
	is_int(ctl_kstore_load(path, apex, peers, 3, &got, NULL, err, sizeof(err)), 0, "load");
	ok(store_equal(&got, &a), "still the first content");
	free(before);
	ctl_kstore_free(&a);
	ctl_kstore_free(&b);
	ctl_kstore_free(&got);
}

/*
 * A child saves the two stores in turn until it is killed at a random
 * moment; the file must then load as one of them, whole.
 */
#define ROUNDS 20

static void
test_crash(const char *path)
{
	struct ctl_kstore a, b, got = { 0 };
	char err[512] = "";
	unsigned seed = (unsigned)time(NULL), seen_a = 0, seen_b = 0, bad = 0;
	struct timespec t0, t1;

	diag("crash test seed %u", seed);
	srand(seed);
	make_stores(&a, &b);
	if (ctl_kstore_save(path, apex, peers, 3, &a, err, sizeof(err)) != 0)
		abort();
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (unsigned round = 0; round < ROUNDS; round++) {
		int fds[2];
		if (pipe2(fds, O_NONBLOCK) != 0)
			abort();
		pid_t pid = fork();
		if (pid < 0)
			abort();
		if (pid == 0) {
			close(fds[0]);
			for (unsigned i = 0;; i++) {
				if (ctl_kstore_save(path, apex, peers, 3, i & 1 ? &a : &b, err,
						    sizeof(err)) != 0)
					_exit(1);
				ssize_t w = write(fds[1], "s", 1); /* a save done; full pipe: fine */
				(void)w;
			}
		}
		close(fds[1]);
		/* Kill once the writer is in its loop, at a random moment of a save. */
		struct pollfd pfd = { .fd = fds[0], .events = POLLIN };
		poll(&pfd, 1, 2000);
		close(fds[0]);
		usleep((useconds_t)(rand() % 4000));
		kill(pid, SIGKILL);
		int status;
		waitpid(pid, &status, 0);
		if (!WIFSIGNALED(status)) {
			bad++;
			diag("round %u: writer exited: %d", round, status);
			continue;
		}
		if (ctl_kstore_load(path, apex, peers, 3, &got, NULL, err, sizeof(err)) != 0) {
			bad++;
			diag("round %u: %s", round, err);
		} else if (store_equal(&got, &a)) {
			seen_a++;
		} else if (store_equal(&got, &b)) {
			seen_b++;
		} else {
			bad++;
			diag("round %u: neither content", round);
		}
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	is_int(bad, 0, "after every SIGKILL the file is one whole content (a %u, b %u, %.2f s)",
	       seen_a, seen_b, (double)(t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9);
	ok(seen_a + seen_b == ROUNDS, "%d rounds checked", ROUNDS);
	ctl_kstore_free(&a);
	ctl_kstore_free(&b);
	ctl_kstore_free(&got);
}

/* Remove everything in dir, then dir. */
static void
cleanup(void)
{
	DIR *d = opendir(dir);
	char p[512];
	for (struct dirent *e; d && (e = readdir(d));) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		snprintf(p, sizeof(p), "%s/%s", dir, e->d_name);
		unlink(p);
	}
	if (d)
		closedir(d);
	rmdir(dir);
}

int
main(void)
{
	char path[256];

	if (!mkdtemp(dir)) {
		printf("1..0 # SKIP mkdtemp: %s\n", strerror(errno));
		return 0;
	}
	if (ctl_kstore_path(dir, apex, path, sizeof(path)) < 0)
		abort();
	test_path();
	test_round_trip(path);
	test_unknown_peers(path);
	test_corrupt(path);
	test_save_fails(path);
	test_crash(path);
	cleanup();
	return tap_done();
}
