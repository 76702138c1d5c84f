/* SPDX-License-Identifier: BSD-3-Clause */
#include "control/daemon.h"

#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "control/commands.h"
#include "control/ctlsock.h"
#include "control/log.h"
#include "dataplane/core/engine.h"
#include "dataplane/io/socket.h"
#include "dns/zone.h"

/* TCP connections each worker keeps open at most. */
#define TCP_MAX_CONNS 256

/* Load every zone into pending; print each failure. Returns the number that failed. */
static size_t
load_all(struct ctl_zones *zs)
{
	size_t failed = 0;
	for (size_t i = 0; i < zs->n; i++) {
		char err[1024];
		if (ctl_zones_load(zs, i, err, sizeof(err)) != 0) {
			fprintf(stderr, "sigedge: zone %s: %s\n", zs->v[i].name, err);
			failed++;
		}
	}
	return failed;
}

int
ctl_daemon_check(const struct ctl_config *cfg)
{
	struct ctl_zones zs;
	if (ctl_zones_init(&zs, cfg->zones, cfg->nzones) != 0) {
		fprintf(stderr, "sigedge: out of memory\n");
		return -1;
	}
	int rc = load_all(&zs) ? -1 : 0;
	if (rc == 0) {
		struct dns_zoneset *set = ctl_zones_build(&zs);
		if (!set) {
			fprintf(stderr, "sigedge: out of memory building the zone set\n");
			rc = -1;
		}
		dns_zoneset_free(set);
	}
	ctl_zones_free(&zs);
	return rc;
}

static struct dp_view *
view_new(struct dns_zoneset *set, const struct ctl_config *cfg)
{
	struct dp_view *v = calloc(1, sizeof(*v));
	if (v) {
		v->zones = set;
		v->udp_max = (uint16_t)cfg->udp_max_payload;
	}
	return v;
}

static void
log_serving(const struct ctl_daemon *d)
{
	char addrs[1024] = "";
	size_t len = 0;
	for (size_t i = 0; i < d->cfg->nlisten && len < sizeof(addrs); i++) {
		char a[INET6_ADDRSTRLEN + 32];
		ctl_addr_format(&d->cfg->listen[i], a, sizeof(a));
		len += (size_t)snprintf(addrs + len, sizeof(addrs) - len, "%s%s", i ? ", " : "", a);
	}
	ctl_log(CTL_LOG_INFO, "serving %zu zone%s on %s with %u worker%s", d->zones.n,
		d->zones.n == 1 ? "" : "s", addrs, d->cfg->workers, d->cfg->workers == 1 ? "" : "s");
}

int
ctl_daemon_start(struct ctl_daemon *d, const struct ctl_config *cfg)
{
	char err[1024] = "";

	memset(d, 0, sizeof(*d));
	d->cfg = cfg;
	d->sigfd = -1;
	if (ctl_zones_init(&d->zones, cfg->zones, cfg->nzones) != 0) {
		fprintf(stderr, "sigedge: out of memory\n");
		return -1;
	}
	if (load_all(&d->zones) != 0)
		goto fail;
	struct dns_zoneset *set = ctl_zones_build(&d->zones);
	struct dp_view *v = set ? view_new(set, cfg) : NULL;
	if (!v) {
		dns_zoneset_free(set);
		fprintf(stderr, "sigedge: out of memory building the zone set\n");
		goto fail;
	}
	ctl_zones_commit(&d->zones, time(NULL));
	if (cfg->nzones == 0)
		ctl_log(CTL_LOG_WARNING, "no zones configured: every query will be answered REFUSED");

	dp_runtime_init(&d->rt);
	if (ctl_publish_init(&d->pub, &d->rt) != 0) {
		free(v);
		dns_zoneset_free(set);
		fprintf(stderr, "sigedge: out of memory\n");
		goto fail;
	}
	ctl_publish_view(&d->pub, v);

	/*
	 * The signals become readable from the signalfd only; blocking them here,
	 * before any worker thread exists, makes every worker inherit the mask.
	 * SIGPIPE is ignored so a peer that went away is an EPIPE, not a kill.
	 */
	sigset_t mask;
	sigemptyset(&mask);
	sigaddset(&mask, SIGHUP);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	pthread_sigmask(SIG_BLOCK, &mask, NULL);
	signal(SIGPIPE, SIG_IGN);
	d->sigfd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
	if (d->sigfd < 0) {
		fprintf(stderr, "sigedge: signalfd: %s\n", strerror(errno));
		goto fail;
	}

	if (ctl_sock_open(cfg->control_path, &d->ctl, err, sizeof(err)) != 0) {
		fprintf(stderr, "sigedge: %s\n", err);
		goto fail;
	}

	struct dp_socket_config sc = {
		.listen = cfg->listen,
		.nlisten = cfg->nlisten,
		.workers = cfg->workers,
		.tcp_idle_ms = (int)cfg->tcp_idle_ms,
		.tcp_max_conns = TCP_MAX_CONNS,
		.pin = cfg->pin,
	};
	if (dp_socket_start(&d->rt, &sc, &d->sock, err, sizeof(err)) != 0) {
		fprintf(stderr, "sigedge: %s\n", err);
		d->sock = NULL;
		goto fail;
	}
	d->started = time(NULL);
	log_serving(d);
	ctl_log(CTL_LOG_INFO, "control socket %s", cfg->control_path);
	return 0;
fail:
	ctl_daemon_stop(d);
	return -1;
}

void
ctl_daemon_stop(struct ctl_daemon *d)
{
	if (d->sock)
		dp_socket_stop(d->sock);
	d->sock = NULL;
	ctl_sock_close(d->ctl);
	d->ctl = NULL;
	if (d->pub.rt) {
		ctl_publish_fini(&d->pub);
		dp_runtime_fini(&d->rt);
	}
	d->pub.rt = NULL;
	ctl_zones_free(&d->zones);
	if (d->sigfd >= 0)
		close(d->sigfd);
	d->sigfd = -1;
}

int
ctl_daemon_reload(struct ctl_daemon *d, const size_t *idx, size_t n, struct ctl_buf *report)
{
	struct ctl_zones *zs = &d->zones;
	if (zs->n == 0)
		return 0;
	/* Per zone: selected, and the load error if any; reported in zone order. */
	bool *sel = calloc(zs->n, sizeof(*sel));
	char **errs = calloc(zs->n, sizeof(*errs));
	int failed = 0, rc;
	if (!sel || !errs) {
		rc = -ENOMEM;
		goto out;
	}
	for (size_t k = 0; k < (n ? n : zs->n); k++)
		sel[n ? idx[k] : k] = true;

	size_t loaded = 0;
	for (size_t i = 0; i < zs->n; i++) {
		char err[1024];
		if (!sel[i])
			continue;
		if (ctl_zones_load(zs, i, err, sizeof(err)) == 0) {
			loaded++;
			continue;
		}
		failed++;
		errs[i] = strdup(err);
		if (!errs[i]) {
			rc = -ENOMEM;
			goto out;
		}
	}

	struct dns_zoneset *set = NULL;
	struct dp_view *v = NULL;
	if (loaded) {
		set = ctl_zones_build(zs);
		v = set ? view_new(set, d->cfg) : NULL;
		if (!v) {
			dns_zoneset_free(set);
			rc = -ENOMEM;
			goto out;
		}
	}

	for (size_t i = 0; i < zs->n; i++) {
		const struct ctl_zone *z = &zs->v[i];
		if (!sel[i])
			continue;
		uint32_t old = dns_zone_serial(z->served);
		if (errs[i]) {
			ctl_log(CTL_LOG_ERROR, "zone %s: %s; previous version (serial %u) kept", z->name,
				errs[i], old);
			ctl_buf_printf(report, "%s: error: %s (previous version kept)\n", z->name, errs[i]);
			continue;
		}
		uint32_t serial = dns_zone_serial(z->pending);
		ctl_log(CTL_LOG_INFO, "zone %s: reloaded serial %u (was %u)", z->name, serial, old);
		ctl_buf_printf(report, "%s: reloaded serial %u%s\n", z->name, serial,
			       serial == old ? " (serial unchanged)" : "");
	}
	if (v) {
		ctl_zones_commit(zs, time(NULL));
		ctl_publish_view(&d->pub, v);
	}
	rc = failed;
out:
	if (rc < 0) {
		ctl_zones_abort(zs);
		ctl_log(CTL_LOG_ERROR, "zone reload: %s; nothing changed", strerror(-rc));
	}
	for (size_t i = 0; errs && i < zs->n; i++)
		free(errs[i]);
	free(errs);
	free(sel);
	return rc;
}

static void
serve_request(void *arg, char *line, struct ctl_buf *out)
{
	ctl_command_run(arg, line, out);
}

int
ctl_daemon_run(struct ctl_daemon *d)
{
	struct pollfd pf[2] = {
		{ .fd = d->sigfd, .events = POLLIN },
		{ .fd = ctl_sock_fd(d->ctl), .events = POLLIN },
	};
	for (;;) {
		if (poll(pf, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			ctl_log(CTL_LOG_ERROR, "poll: %s", strerror(errno));
			return -1;
		}
		struct signalfd_siginfo si;
		while ((pf[0].revents & POLLIN) && read(d->sigfd, &si, sizeof(si)) == sizeof(si)) {
			if (si.ssi_signo == SIGHUP) {
				struct ctl_buf report = { 0 };
				ctl_log(CTL_LOG_INFO, "SIGHUP: reloading every zone");
				ctl_daemon_reload(d, NULL, 0, &report);
				ctl_buf_free(&report);
			} else {
				ctl_log(CTL_LOG_INFO, "%s: shutting down",
					si.ssi_signo == SIGTERM ? "SIGTERM" : "SIGINT");
				return 0;
			}
		}
		if (pf[1].revents & POLLIN)
			ctl_sock_serve(d->ctl, serve_request, d);
	}
}
