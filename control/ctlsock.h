/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The control socket server (protocol in control/ctlproto.h): a unix stream
 * socket of mode 0600, served one client at a time from the control thread's
 * event loop. A client that does not send its line within a few seconds is
 * dropped, so a stuck client cannot stall the daemon for long.
 *
 * Threading: control thread only.
 */
#ifndef SIGEDGE_CTL_CTLSOCK_H
#define SIGEDGE_CTL_CTLSOCK_H

#include <stddef.h>

#include "control/buf.h"

struct ctl_sock;

/*
 * Called once per request with the request line (NUL-terminated, without
 * the newline; the handler may modify it). Appends the whole reply,
 * starting with "ok" or "error: ...", to out.
 */
typedef void ctl_sock_handler(void *arg, char *line, struct ctl_buf *out);

/*
 * Create and listen on path. A missing last directory of path is created
 * with mode 0750. A leftover socket file that nobody listens on is replaced;
 * one that a running process answers on, or a file that is not a socket, is
 * an error. Returns 0, or a negative errno with the reason in err.
 */
int ctl_sock_open(const char *path, struct ctl_sock **out, char *err, size_t errlen);

/* The listening descriptor, to poll for POLLIN. */
int ctl_sock_fd(const struct ctl_sock *s);

/* Serve every pending connection: read the line, call fn, send, close. */
void ctl_sock_serve(struct ctl_sock *s, ctl_sock_handler *fn, void *arg);

/* Stop listening and remove the socket file if it is still ours; frees s. */
void ctl_sock_close(struct ctl_sock *s);

#endif
