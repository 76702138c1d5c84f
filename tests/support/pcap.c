/* SPDX-License-Identifier: BSD-3-Clause */
#include "tests/support/pcap.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define MAGIC_US 0xa1b2c3d4u
#define MAGIC_NS 0xa1b23c4du
#define LINKTYPE_ETHERNET 1u

FILE *
support_pcap_create(const char *path)
{
	const uint32_t h[6] = { MAGIC_US, 2u | (4u << 16), 0, 0, 65535, LINKTYPE_ETHERNET };
	FILE *fp = fopen(path, "wb");

	if (fp && fwrite(h, sizeof(h), 1, fp) != 1) {
		fclose(fp);
		errno = EIO;
		return NULL;
	}
	return fp;
}

int
support_pcap_write(FILE *fp, const uint8_t *frame, size_t len, uint32_t seconds)
{
	const uint32_t rec[4] = { seconds, 0, (uint32_t)len, (uint32_t)len };

	return fwrite(rec, sizeof(rec), 1, fp) == 1 && fwrite(frame, 1, len, fp) == len ? 0 : -EIO;
}

int
support_pcap_close(FILE *fp)
{
	return fclose(fp) == 0 ? 0 : -errno;
}

int
support_pcap_save(const char *path, const uint8_t *data, size_t stride, const uint16_t *len,
		  unsigned n)
{
	FILE *fp = support_pcap_create(path);
	int rc = fp ? 0 : -errno;

	for (unsigned i = 0; fp && rc == 0 && i < n; i++)
		rc = support_pcap_write(fp, data + i * stride, len[i], 1000 + i);
	if (fp && support_pcap_close(fp) != 0 && rc == 0)
		rc = -EIO;
	return rc;
}

int
support_pcap_read(const char *path, size_t max,
		  int (*fn)(void *ctx, const uint8_t *frame, size_t len), void *ctx)
{
	uint32_t gh[6], rh[4];
	uint8_t *buf = malloc(max ? max : 1);
	FILE *fp = fopen(path, "rb");
	int rc = -1;

	if (!fp || !buf || fread(gh, 4, 6, fp) != 6 || (gh[0] != MAGIC_US && gh[0] != MAGIC_NS) ||
	    gh[5] != LINKTYPE_ETHERNET)
		goto out;
	while (fread(rh, 4, 4, fp) == 4) {
		if (rh[2] > max || rh[2] != rh[3] || fread(buf, 1, rh[2], fp) != rh[2] ||
		    fn(ctx, buf, rh[2]) != 0)
			goto out;
	}
	rc = 0;
out:
	if (fp)
		fclose(fp);
	free(buf);
	return rc;
}

struct load {
	uint8_t *data;
	size_t stride;
	uint16_t *len;
	unsigned max, n;
};

static int
load_one(void *ctx, const uint8_t *frame, size_t len)
{
	struct load *l = ctx;

	if (l->n == l->max)
		return -1;
	memcpy(l->data + (size_t)l->n * l->stride, frame, len);
	l->len[l->n++] = (uint16_t)len;
	return 0;
}

int
support_pcap_load(const char *path, uint8_t *data, size_t stride, uint16_t *len, unsigned max,
		  unsigned *n)
{
	struct load l = { data, stride, len, max, 0 };
	int rc = support_pcap_read(path, stride, load_one, &l);

	*n = l.n;
	return rc;
}
