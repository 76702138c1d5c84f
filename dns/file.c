/* SPDX-License-Identifier: BSD-3-Clause */
#include "dns/file.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dns/err.h"

static int
write_all(int fd, const char *buf, size_t len)
{
	while (len > 0) {
		ssize_t w = write(fd, buf, len);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -errno;
		buf += w;
		len -= (size_t)w;
	}
	return 0;
}

/* fsync the directory holding path, so that a rename or link in it is durable. */
static int
sync_dir(const char *path)
{
	const char *slash = strrchr(path, '/');
	char *dir = slash ? strndup(path, slash == path ? 1 : (size_t)(slash - path))
			  : strdup(".");
	if (!dir)
		return -ENOMEM;
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	free(dir);
	if (fd < 0)
		return -errno;
	int rc = fsync(fd) ? -errno : 0;
	close(fd);
	return rc;
}

int
dns_file_write(const char *path, const char *text, size_t len, mode_t mode, bool replace,
	       char *err, size_t errlen)
{
	size_t plen = strlen(path);
	char *tmp = malloc(plen + sizeof(".XXXXXX"));
	if (!tmp)
		return dns_errf(err, errlen, -ENOMEM, "%s: out of memory", path);
	memcpy(tmp, path, plen);
	memcpy(tmp + plen, ".XXXXXX", sizeof(".XXXXXX"));
	int fd = mkostemp(tmp, O_CLOEXEC); /* created 0600 */
	if (fd < 0) {
		int rc = -errno;
		free(tmp);
		return dns_errf(err, errlen, rc, "%s: %s", path, strerror(-rc));
	}
	int rc = fchmod(fd, mode) ? -errno : write_all(fd, text, len);
	if (rc == 0 && fsync(fd) < 0)
		rc = -errno;
	if (close(fd) < 0 && rc == 0)
		rc = -errno;
	if (rc == 0 && (replace ? rename(tmp, path) : link(tmp, path)) < 0)
		rc = -errno;
	if (rc < 0 || !replace)
		unlink(tmp);
	free(tmp);
	if (rc == -EEXIST)
		return dns_errf(err, errlen, rc, "%s: already exists", path);
	if (rc < 0)
		return dns_errf(err, errlen, rc, "%s: %s", path, strerror(-rc));
	rc = sync_dir(path);
	if (rc < 0)
		return dns_errf(err, errlen, rc, "%s: syncing its directory: %s", path,
				strerror(-rc));
	return 0;
}
