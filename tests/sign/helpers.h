/* SPDX-License-Identifier: BSD-3-Clause */
/* Helpers shared by the sign/ unit tests: fixture files, temporary directories, base64. */
#ifndef SIGEDGE_TESTS_SIGN_HELPERS_H
#define SIGEDGE_TESTS_SIGN_HELPERS_H

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "sign/key.h"
#include "sign/keyfile.h"

/* "$SIGEDGE_SRCDIR/tests/sign/keys/<rel>" in a static buffer. */
static inline const char *
fixture(const char *rel)
{
	static char path[4096];
	const char *src = getenv("SIGEDGE_SRCDIR");

	snprintf(path, sizeof(path), "%s/tests/sign/keys/%s", src ? src : ".", rel);
	return path;
}

/* Whole file as a NUL-terminated string (malloc'd), or NULL. */
static inline char *
slurp(const char *path)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	long n;

	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	buf = malloc((size_t)n + 1);
	if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
		free(buf);
		buf = NULL;
	}
	if (buf)
		buf[n] = 0;
	fclose(f);
	return buf;
}

/* Write text to dir/name with the given mode; 0 or -1. */
static inline int
put_file(const char *dir, const char *name, const char *text, mode_t mode)
{
	char path[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	unlink(path);
	f = fopen(path, "wb");
	if (!f)
		return -1;
	fputs(text, f);
	fclose(f);
	return chmod(path, mode);
}

/* Copy a fixture pair "<sub>/<base>" into dir, the .private 0600. 0 or -1. */
static inline int
copy_pair(const char *sub, const char *base, const char *dir)
{
	char rel[1024], name[1024];
	int rc = 0;

	for (int i = 0; i < 2; i++) {
		const char *ext = i ? ".private" : ".key";
		snprintf(rel, sizeof(rel), "%s/%s%s", sub, base, ext);
		snprintf(name, sizeof(name), "%s%s", base, ext);
		char *text = slurp(fixture(rel));
		if (!text || put_file(dir, name, text, i ? 0600 : 0644) < 0)
			rc = -1;
		free(text);
	}
	return rc;
}

/*
 * Copy the fixture pair "<sub>/<base>" into dir and load it; NULL on failure
 * (the error goes to err and is printed as a TAP comment).
 */
static inline struct sign_key *
load_pair(const char *sub, const char *base, const char *dir, char *err, size_t errlen)
{
	char path[4096];
	struct sign_key *k = NULL;

	copy_pair(sub, base, dir);
	snprintf(path, sizeof(path), "%s/%s", dir, base);
	if (sign_keyfile_load(path, NULL, 0, &k, err, errlen) < 0)
		printf("# %s\n", err);
	return k;
}

/* "YYYYMMDDHHMMSS" (UTC) as seconds since the epoch. */
static inline int64_t
utc(const char *ymdhms)
{
	struct tm tm = { 0 };

	sscanf(ymdhms, "%4d%2d%2d%2d%2d%2d", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &tm.tm_hour,
	       &tm.tm_min, &tm.tm_sec);
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	return (int64_t)timegm(&tm);
}

/* A new empty temporary directory (static buffer). */
static inline const char *
tmpdir(void)
{
	static char path[64];

	snprintf(path, sizeof(path), "/tmp/sigedge-sign-XXXXXX");
	return mkdtemp(path);
}

/* Remove a directory made by tmpdir and the files in it. */
static inline void
rmtree(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char path[4096];

	if (!d)
		return;
	while ((e = readdir(d)) != NULL) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		unlink(path);
	}
	closedir(d);
	rmdir(dir);
}

/* Base64 through OpenSSL; returns the decoded length or -1. */
static inline int
unb64(const char *s, uint8_t *out)
{
	size_t n = strlen(s);
	int r = EVP_DecodeBlock(out, (const unsigned char *)s, (int)n);

	if (r < 0)
		return -1;
	while (n > 0 && s[n - 1] == '=') {
		n--;
		r--;
	}
	return r;
}

static inline void
hex(const uint8_t *p, size_t n, char *out)
{
	static const char digits[] = "0123456789abcdef";

	for (size_t i = 0; i < n; i++) {
		out[2 * i] = digits[p[i] >> 4];
		out[2 * i + 1] = digits[p[i] & 0xf];
	}
	out[2 * n] = 0;
}

#endif
