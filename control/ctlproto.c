/* SPDX-License-Identifier: BSD-3-Clause */
#include "control/ctlproto.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

int
ctl_control_default_path(char *out, size_t cap)
{
	uid_t uid = geteuid();
	const char *xdg = getenv("XDG_RUNTIME_DIR");
	int n;
	if (uid == 0)
		n = snprintf(out, cap, "/run/sigedge/control.sock");
	else if (xdg && xdg[0] == '/')
		n = snprintf(out, cap, "%s/sigedge.sock", xdg);
	else
		n = snprintf(out, cap, "/tmp/sigedge-%u.sock", (unsigned)uid);
	return n < 0 || (size_t)n >= cap ? -ENAMETOOLONG : 0;
}
