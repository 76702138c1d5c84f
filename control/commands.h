/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The control commands (status, zone list, zone reload, key list, key
 * generate|publish|activate|retire|remove, stats, help), kept in one table
 * in commands.c: a new command is one handler plus one row.
 *
 * Threading: control thread only.
 */
#ifndef SIGEDGE_CTL_COMMANDS_H
#define SIGEDGE_CTL_COMMANDS_H

#include "control/buf.h"
#include "control/daemon.h"

/*
 * Run one request line (modified in place) against d and append the whole
 * reply to out: "ok" or "error: MESSAGE", then the command's output lines.
 */
void ctl_command_run(struct ctl_daemon *d, char *line, struct ctl_buf *out);

#endif
