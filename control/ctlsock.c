/* SPDX-License-Identifier: BSD-3-Clause */
#include "control/ctlsock.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "control/ctlproto.h"
#include "control/log.h"

/* How long a client may take to send its request / accept the reply. */
#define CLIENT_TIMEOUT_MS 3000

struct ctl_sock {
	int fd;
	char *path;
	dev_t dev;  /* identity of the socket file we created */
	ino_t ino;
};

static int
fill_addr(struct sockaddr_un *sun, const char *path)
{
	memset(sun, 0, sizeof(*sun));
	sun->sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sun->sun_path))
		return -ENAMETOOLONG;
	strcpy(sun->sun_path, path);
	return 0;
}

/* Create the socket's directory when it is missing (one level only). */
static int
prepare_dir(const char *path, char *err, size_t errlen)
{
	const char *slash = strrchr(path, '/');
	if (!slash || slash == path)
		return 0;
	char *dir = strndup(path, (size_t)(slash - path));
	if (!dir)
		return -ENOMEM;
	struct stat st;
	int rc = 0;
	if (stat(dir, &st) != 0) {
		if (errno != ENOENT || mkdir(dir, 0750) != 0) {
			rc = -errno;
			snprintf(err, errlen, "control socket directory %s: %s", dir, strerror(errno));
		}
	} else if (!S_ISDIR(st.st_mode)) {
		rc = -ENOTDIR;
		snprintf(err, errlen, "control socket directory %s: not a directory", dir);
	} else if ((st.st_mode & S_IWOTH) && !(st.st_mode & S_ISVTX)) {
		ctl_log(CTL_LOG_WARNING,
			"control socket directory %s is writable by everyone: others can replace the socket",
			dir);
	}
	free(dir);
	return rc;
}

/* Remove a socket file left behind by a process that is gone. */
static int
clear_stale(const char *path, const struct sockaddr_un *sun, char *err, size_t errlen)
{
	struct stat st;
	if (lstat(path, &st) != 0)
		return errno == ENOENT ? 0 : -errno;
	if (!S_ISSOCK(st.st_mode)) {
		snprintf(err, errlen, "control socket %s: exists and is not a socket", path);
		return -EEXIST;
	}
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	int rc = connect(fd, (const struct sockaddr *)sun, sizeof(*sun));
	int e = errno;
	close(fd);
	if (rc == 0) {
		snprintf(err, errlen, "control socket %s: in use by another running process", path);
		return -EADDRINUSE;
	}
	if (e != ECONNREFUSED) {
		snprintf(err, errlen, "control socket %s: %s", path, strerror(e));
		return -e;
	}
	if (unlink(path) != 0 && errno != ENOENT) {
		snprintf(err, errlen, "control socket %s: cannot remove stale socket: %s", path,
			 strerror(errno));
		return -errno;
	}
	ctl_log(CTL_LOG_INFO, "removed stale control socket %s", path);
	return 0;
}

int
ctl_sock_open(const char *path, struct ctl_sock **out, char *err, size_t errlen)
{
	struct sockaddr_un sun;
	if (fill_addr(&sun, path) != 0) {
		snprintf(err, errlen, "control socket %s: path longer than %zu bytes", path,
			 sizeof(sun.sun_path) - 1);
		return -ENAMETOOLONG;
	}
	int rc = prepare_dir(path, err, errlen);
	if (rc == 0)
		rc = clear_stale(path, &sun, err, errlen);
	if (rc) {
		if (!err[0])
			snprintf(err, errlen, "control socket %s: %s", path, strerror(-rc));
		return rc;
	}

	struct ctl_sock *s = calloc(1, sizeof(*s));
	if (!s || !(s->path = strdup(path))) {
		free(s);
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	s->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (s->fd < 0)
		goto fail;
	/* The socket file gets mode 0600 from the start: no window where others could connect. */
	mode_t old = umask(0177);
	rc = bind(s->fd, (const struct sockaddr *)&sun, sizeof(sun));
	umask(old);
	if (rc != 0)
		goto fail;
	struct stat st;
	if (listen(s->fd, 16) != 0 || stat(path, &st) != 0) {
		int e = errno;
		unlink(path);
		errno = e;
		goto fail;
	}
	s->dev = st.st_dev;
	s->ino = st.st_ino;
	*out = s;
	return 0;
fail:
	rc = -errno;
	snprintf(err, errlen, "control socket %s: %s", path, strerror(errno));
	if (s->fd >= 0)
		close(s->fd);
	free(s->path);
	free(s);
	return rc;
}

int
ctl_sock_fd(const struct ctl_sock *s)
{
	return s->fd;
}

/*
 * Read one request line into buf (CTL_REQUEST_MAX + 1 bytes). Returns its
 * length, -1 when the client gave up or stalled, -2 when it is too long.
 */
static ssize_t
read_request(int fd, char *buf)
{
	size_t len = 0;
	for (;;) {
		if (len == CTL_REQUEST_MAX)
			return -2;
		struct pollfd p = { .fd = fd, .events = POLLIN };
		if (poll(&p, 1, CLIENT_TIMEOUT_MS) <= 0)
			return -1;
		ssize_t n = recv(fd, buf + len, CTL_REQUEST_MAX - len, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		if (n == 0)
			break;
		char *nl = memchr(buf + len, '\n', (size_t)n);
		len += (size_t)n;
		if (nl) {
			len = (size_t)(nl - buf);
			break;
		}
	}
	buf[len] = '\0';
	if (len > 0 && buf[len - 1] == '\r')
		buf[--len] = '\0';
	return (ssize_t)len;
}

static void
send_all(int fd, const char *p, size_t len)
{
	while (len > 0) {
		struct pollfd pf = { .fd = fd, .events = POLLOUT };
		if (poll(&pf, 1, CLIENT_TIMEOUT_MS) <= 0)
			return;
		ssize_t n = send(fd, p, len, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n <= 0)
			return;
		p += n;
		len -= (size_t)n;
	}
}

void
ctl_sock_serve(struct ctl_sock *s, ctl_sock_handler *fn, void *arg)
{
	for (;;) {
		int c = accept4(s->fd, NULL, NULL, SOCK_CLOEXEC);
		if (c < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			if (errno != EAGAIN && errno != EWOULDBLOCK)
				ctl_log(CTL_LOG_WARNING, "control socket: accept: %s", strerror(errno));
			return;
		}
		char line[CTL_REQUEST_MAX + 1];
		ssize_t n = read_request(c, line);
		struct ctl_buf out = { 0 };
		if (n == -1)
			ctl_log(CTL_LOG_DEBUG, "control socket: client sent no request");
		else if (n == -2)
			ctl_buf_printf(&out, "error: request longer than %d bytes\n", CTL_REQUEST_MAX);
		else
			fn(arg, line, &out);
		if (out.failed) {
			ctl_buf_free(&out);
			ctl_buf_printf(&out, "error: out of memory\n");
		}
		if (out.len)
			send_all(c, out.data, out.len);
		ctl_buf_free(&out);
		close(c);
	}
}

void
ctl_sock_close(struct ctl_sock *s)
{
	if (!s)
		return;
	struct stat st;
	close(s->fd);
	/* Remove the file only if it is still the one we made (not a newer daemon's). */
	if (stat(s->path, &st) == 0 && st.st_dev == s->dev && st.st_ino == s->ino)
		unlink(s->path);
	free(s->path);
	free(s);
}
