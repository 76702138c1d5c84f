/* SPDX-License-Identifier: BSD-3-Clause */
/* sigedge: the daemon. See ctl_opts_usage() in opts.c for the manual. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "control/daemon.h"
#include "control/log.h"
#include "control/opts.h"

int
main(int argc, char **argv)
{
	struct ctl_config cfg;
	char err[1024];
	int rc = ctl_opts_parse(argc, argv, &cfg, err, sizeof(err));
	if (rc == -EINVAL) {
		fprintf(stderr, "sigedge: %s\nTry 'sigedge --help' for more information.\n", err);
		return 2;
	}
	if (rc != 0) {
		fprintf(stderr, "sigedge: %s\n", err);
		return 1;
	}
	switch (cfg.action) {
	case CTL_ACTION_HELP:
		ctl_opts_usage(stdout);
		return 0;
	case CTL_ACTION_VERSION:
		printf("sigedge %s\n", SIGEDGE_VERSION);
		return 0;
	case CTL_ACTION_CHECK:
		rc = ctl_daemon_check(&cfg);
		if (rc == 0)
			printf("sigedge: configuration OK, %zu zone%s loaded\n", cfg.nzones,
			       cfg.nzones == 1 ? "" : "s");
		ctl_config_free(&cfg);
		return rc == 0 ? 0 : 1;
	case CTL_ACTION_RUN:
		break;
	}

	ctl_log_set_level(cfg.log_level);
	struct ctl_daemon d;
	if (ctl_daemon_start(&d, &cfg) != 0) {
		ctl_config_free(&cfg);
		return 1;
	}
	rc = ctl_daemon_run(&d);
	ctl_daemon_stop(&d);
	ctl_log(CTL_LOG_INFO, "stopped");
	ctl_config_free(&cfg);
	return rc == 0 ? 0 : 1;
}
