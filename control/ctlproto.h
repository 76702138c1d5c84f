/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The control socket protocol, shared by the daemon and sigedgectl.
 *
 * A client connects to a unix stream socket, sends one request line (command
 * words separated by spaces or tabs, ended by "\n" or by closing its sending
 * side) and reads the reply until the server closes the connection. The first
 * reply line is "ok" or "error: MESSAGE"; the lines after it are the command's
 * output (also after an error, e.g. per-zone results of a partly failed
 * reload).
 */
#ifndef SIGEDGE_CTL_CTLPROTO_H
#define SIGEDGE_CTL_CTLPROTO_H

#include <stddef.h>

/* Longest request line accepted, newline included. */
#define CTL_REQUEST_MAX 4096

/* Most words in one request. */
#define CTL_REQUEST_MAXWORDS 64

/*
 * The default control socket path for the calling user: root uses
 * /run/sigedge/control.sock; anyone else $XDG_RUNTIME_DIR/sigedge.sock when
 * XDG_RUNTIME_DIR is set to an absolute path, else /tmp/sigedge-UID.sock.
 * Returns 0, or -ENAMETOOLONG when it does not fit in cap bytes.
 */
int ctl_control_default_path(char *out, size_t cap);

#endif
