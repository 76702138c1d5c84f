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
#ifdef SIGEDGE_DPDK
#include "control/dpdk_backend.h"
#endif
#include "control/log.h"
#include "control/msigner.h"
#include "dataplane/core/engine.h"
#include "dataplane/io/socket.h"
#include "dns/zone.h"
#include "sign/keytable.h"

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

/*
 * Load zone z's keys from the key directory and build its key table over
 * zone. On success *ks holds the keys and *t the table (both empty when the
 * zone has no keys); on error nothing is kept and err says why.
 */
static int
keys_prepare(const struct ctl_config *cfg, unsigned workers, const struct ctl_zone *z,
	     const struct dns_zone *zone, struct ctl_keyset *ks, struct sign_keytable **t,
	     char *err, size_t errlen)
{
	*t = NULL;
	int rc = ctl_keyset_load(cfg->keydir, z->apex, ks, err, errlen);
	if (rc == 0 && ks->n) {
		rc = ctl_zone_keytable(z, ks, zone, workers, (uint32_t)time(NULL), t, err,
				       errlen);
		if (rc)
			ctl_keyset_free(ks);
	}
	return rc;
}

/*
 * Keys for every served zone before any worker runs: each table is stored
 * into its zone's slot, to be published by the first view's release store.
 * Prints each failure; returns the number of zones that failed.
 */
static size_t
keys_start(const struct ctl_config *cfg, unsigned workers, struct ctl_zones *zs)
{
	size_t failed = 0;
	for (size_t i = 0; cfg->keydir && i < zs->n; i++) {
		struct ctl_zone *z = &zs->v[i];
		struct sign_keytable *t;
		char err[1024];
		if (keys_prepare(cfg, workers, z, z->served, &z->keys, &t, err, sizeof(err)) != 0) {
			fprintf(stderr, "sigedge: zone %s: keys: %s\n", z->name, err);
			failed++;
			continue;
		}
		/* Relaxed: no worker runs yet; the first view's release store publishes it. */
		atomic_store_explicit(&z->slot.keys, t, memory_order_relaxed);
		if (t)
			ctl_log(CTL_LOG_INFO, "zone %s: signed with %zu key%s, generation %llu",
				z->name, z->keys.n, z->keys.n == 1 ? "" : "s",
				(unsigned long long)t->generation);
		else if (z->keys.n)
			ctl_log(CTL_LOG_INFO, "zone %s: %zu key%s, none published yet: unsigned",
				z->name, z->keys.n, z->keys.n == 1 ? "" : "s");
	}
	return failed;
}

/*
 * ctl_zones_init, then the multi-signer state of the zones that have a
 * model (their store in the state directory). Prints why it failed.
 */
static int
zones_init(const struct ctl_config *cfg, unsigned workers, struct ctl_zones *zs)
{
	const char *statedir = cfg->statedir ? cfg->statedir : cfg->keydir;
	char err[1024];
	if (ctl_zones_init(zs, cfg->zones, cfg->nzones, workers) != 0) {
		fprintf(stderr, "sigedge: out of memory\n");
		return -1;
	}
	for (size_t i = 0; i < cfg->nzones; i++) {
		if (!cfg->zones[i].ms.model)
			continue;
		if (!statedir) {
			fprintf(stderr, "sigedge: zone %s: a multi-signer zone needs a state "
				"directory (--statedir or --keydir)\n", cfg->zones[i].name);
			return -1;
		}
		/* Its store is written there (temporary file, rename): fail now, not at the first UPDATE. */
		if (access(statedir, W_OK | X_OK) != 0) {
			fprintf(stderr, "sigedge: zone %s: state directory %s: %s\n",
				cfg->zones[i].name, statedir, strerror(errno));
			return -1;
		}
	}
	if (ctl_zones_msigner_init(zs, cfg->zones, statedir, err, sizeof(err)) != 0) {
		fprintf(stderr, "sigedge: %s\n", err);
		return -1;
	}
	return 0;
}

int
ctl_daemon_check(const struct ctl_config *cfg)
{
	struct ctl_zones zs;
	/* DPDK's default worker count is known only once EAL runs. */
	unsigned workers = cfg->workers ? cfg->workers : 1;
	if (zones_init(cfg, workers, &zs) != 0) {
		ctl_zones_free(&zs);
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
	if (rc == 0) {
		ctl_zones_commit(&zs, time(NULL));
		rc = keys_start(cfg, workers, &zs) ? -1 : 0;
	}
	ctl_zones_free(&zs);
	return rc;
}

/* A view of set, its key-table slots in the same allocation (see ctl_publish_view). */
static struct dp_view *
view_new(struct dns_zoneset *set, struct ctl_zones *zs, const struct ctl_config *cfg)
{
	size_t n = dns_zoneset_count(set);
	struct dp_view *v = calloc(1, sizeof(*v) + n * sizeof(struct dp_zone_slot *));
	if (!v)
		return NULL;
	struct dp_zone_slot **slots = (struct dp_zone_slot **)(v + 1);
	for (size_t i = 0; i < n; i++) {
		long at = -1;
		for (size_t k = 0; at < 0 && k < zs->n; k++)
			if (dns_name_equal(zs->v[k].apex, dns_zone_name(dns_zoneset_at(set, i))))
				at = (long)k;
		slots[i] = &zs->v[at].slot;
	}
	v->zones = set;
	v->slots = slots;
	v->udp_max = (uint16_t)cfg->udp_max_payload;
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
	ctl_log(CTL_LOG_INFO, "serving %zu zone%s on %s with %u worker%s%s", d->zones.n,
		d->zones.n == 1 ? "" : "s", addrs, d->workers, d->workers == 1 ? "" : "s",
		d->dpdk ? " on DPDK ports" : "");
}

int
ctl_daemon_start(struct ctl_daemon *d, const struct ctl_config *cfg)
{
	char err[1024] = "";

	memset(d, 0, sizeof(*d));
	d->cfg = cfg;
	d->sigfd = -1;
	d->workers = cfg->workers;

	/*
	 * The signals become readable from the signalfd only; blocking them here,
	 * before any other thread exists (EAL's or the workers'), makes every
	 * thread inherit the mask. SIGPIPE is ignored so a peer that went away is
	 * an EPIPE, not a kill.
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
		return -1;
	}
#ifdef SIGEDGE_DPDK
	if (cfg->backend == CTL_BACKEND_DPDK &&
	    ctl_dpdk_open(cfg, &d->dpdk, &d->workers, err, sizeof(err)) != 0) {
		fprintf(stderr, "sigedge: DPDK: %s\n", err);
		d->dpdk = NULL;
		goto fail;
	}
#endif
	if (zones_init(cfg, d->workers, &d->zones) != 0)
		goto fail;
	if (load_all(&d->zones) != 0)
		goto fail;
	ctl_zones_commit(&d->zones, time(NULL));
	if (keys_start(cfg, d->workers, &d->zones) != 0)
		goto fail;
	struct dns_zoneset *set = ctl_zones_build(&d->zones);
	struct dp_view *v = set ? view_new(set, &d->zones, cfg) : NULL;
	if (!v) {
		dns_zoneset_free(set);
		fprintf(stderr, "sigedge: out of memory building the zone set\n");
		goto fail;
	}
	if (cfg->nzones == 0)
		ctl_log(CTL_LOG_WARNING, "no zones configured: every query will be answered REFUSED");

	dp_runtime_init(&d->rt);
	d->rt.sigcache_entries = cfg->sigcache_entries;
	if (ctl_publish_init(&d->pub, &d->rt) != 0) {
		free(v);
		dns_zoneset_free(set);
		fprintf(stderr, "sigedge: out of memory\n");
		goto fail;
	}
	ctl_publish_view(&d->pub, v);

	if (ctl_sock_open(cfg->control_path, &d->ctl, err, sizeof(err)) != 0) {
		fprintf(stderr, "sigedge: %s\n", err);
		goto fail;
	}

#ifdef SIGEDGE_DPDK
	if (d->dpdk) {
		if (ctl_dpdk_run(d->dpdk, &d->rt, err, sizeof(err)) != 0) {
			fprintf(stderr, "sigedge: DPDK: %s\n", err);
			goto fail;
		}
		goto serving;
	}
#endif
	struct dp_socket_config sc = {
		.listen = cfg->listen,
		.nlisten = cfg->nlisten,
		.workers = d->workers,
		.tcp_idle_ms = (int)cfg->tcp_idle_ms,
		.tcp_max_conns = TCP_MAX_CONNS,
		.pin = cfg->pin,
	};
	if (dp_socket_start(&d->rt, &sc, &d->sock, err, sizeof(err)) != 0) {
		fprintf(stderr, "sigedge: %s\n", err);
		d->sock = NULL;
		goto fail;
	}
#ifdef SIGEDGE_DPDK
serving:
#endif
	if (ctl_ms_start(d, &d->ms, err, sizeof(err)) != 0) {
		fprintf(stderr, "sigedge: %s\n", err);
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
	ctl_ms_stop(d->ms);
	d->ms = NULL;
	if (d->sock)
		dp_socket_stop(d->sock);
	d->sock = NULL;
#ifdef SIGEDGE_DPDK
	/* Workers first, EAL last: a net_pcap port writes its TX file on stop. */
	ctl_dpdk_close(d->dpdk);
#endif
	d->dpdk = NULL;
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
	/*
	 * Per zone: selected, the load error if any, and with a key directory
	 * the new keys and table or the error that kept the old ones; reported
	 * in zone order.
	 */
	bool *sel = calloc(zs->n, sizeof(*sel));
	char **errs = calloc(zs->n, sizeof(*errs));
	char **kerrs = calloc(zs->n, sizeof(*kerrs));
	struct ctl_keyset *nks = calloc(zs->n, sizeof(*nks));
	struct sign_keytable **nt = calloc(zs->n, sizeof(*nt));
	int failed = 0, rc;
	if (!sel || !errs || !kerrs || !nks || !nt) {
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

	for (size_t i = 0; d->cfg->keydir && i < zs->n; i++) {
		const struct ctl_zone *z = &zs->v[i];
		char err[1024];
		if (!sel[i])
			continue;
		if (keys_prepare(d->cfg, d->workers, z, z->pending ? z->pending : z->served, &nks[i], &nt[i],
				 err, sizeof(err)) == 0)
			continue;
		failed++;
		kerrs[i] = strdup(err);
		if (!kerrs[i]) {
			rc = -ENOMEM;
			goto out;
		}
	}

	struct dns_zoneset *set = NULL;
	struct dp_view *v = NULL;
	if (loaded) {
		set = ctl_zones_build(zs);
		v = set ? view_new(set, zs, d->cfg) : NULL;
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
	for (size_t i = 0; d->cfg->keydir && i < zs->n; i++) {
		struct ctl_zone *z = &zs->v[i];
		if (!sel[i])
			continue;
		if (kerrs[i]) {
			ctl_log(CTL_LOG_ERROR, "zone %s: keys: %s; previous keys kept", z->name,
				kerrs[i]);
			ctl_buf_printf(report, "%s: error: keys: %s (previous keys kept)\n", z->name,
				       kerrs[i]);
			continue;
		}
		/* The table in the slot was built from z->keys: free those only after it. */
		ctl_publish_keytable(&d->pub, &z->slot, nt[i]);
		ctl_keyset_free(&z->keys);
		z->keys = nks[i];
		memset(&nks[i], 0, sizeof(nks[i]));
		ctl_ms_keys_changed(d->ms, z);
		if (nt[i]) {
			ctl_log(CTL_LOG_INFO, "zone %s: signed with %zu key%s, generation %llu",
				z->name, z->keys.n, z->keys.n == 1 ? "" : "s",
				(unsigned long long)nt[i]->generation);
			ctl_buf_printf(report, "%s: keys: %zu, generation %llu\n", z->name, z->keys.n,
				       (unsigned long long)nt[i]->generation);
		} else if (z->keys.n) {
			ctl_buf_printf(report, "%s: keys: %zu, none published (unsigned)\n", z->name,
				       z->keys.n);
		} else {
			ctl_buf_printf(report, "%s: keys: none (unsigned)\n", z->name);
		}
		nt[i] = NULL;
	}
	rc = failed;
out:
	if (rc < 0) {
		ctl_zones_abort(zs);
		ctl_log(CTL_LOG_ERROR, "zone reload: %s; nothing changed", strerror(-rc));
	}
	for (size_t i = 0; errs && kerrs && nks && nt && i < zs->n; i++) {
		free(errs[i]);
		free(kerrs[i]);
		ctl_keyset_free(&nks[i]);
		sign_keytable_free(nt[i]);
	}
	free(nt);
	free(nks);
	free(kerrs);
	free(errs);
	free(sel);
	return rc;
}

/*
 * Milliseconds until the next key table is due for its rebuild (half its
 * signatures' lifetime left, or a timing event of one of its keys), at
 * least 1 s (so a rebuild that keeps failing does not spin) and at most an
 * hour (so a jump of the clock is noticed); -1 when no zone has keys.
 */
static int
refresh_timeout(const struct ctl_daemon *d)
{
	uint32_t now = (uint32_t)time(NULL), in = UINT32_MAX;
	for (size_t i = 0; i < d->zones.n; i++) {
		const struct ctl_zone *z = &d->zones.v[i];
		/* Relaxed: the control thread is the only writer of the slot. */
		const struct sign_keytable *t =
			atomic_load_explicit(&z->slot.keys, memory_order_relaxed);
		uint32_t n = t ? ctl_keytable_refresh_in(t, now) : UINT32_MAX;
		in = n < in ? n : in;
		if (z->keys.next_event) {
			int64_t e = z->keys.next_event - (int64_t)now;
			n = e <= 0 ? 0 : e > UINT32_MAX ? UINT32_MAX : (uint32_t)e;
			in = n < in ? n : in;
		}
	}
	if (in == UINT32_MAX)
		return -1;
	return in < 1 ? 1000 : in > 3600 ? 3600 * 1000 : (int)in * 1000;
}

/*
 * Rebuild (new generation, fresh RRSIGs, key states at now) every key table
 * that is due, and publish it.
 */
static void
refresh_due(struct ctl_daemon *d)
{
	uint32_t now = (uint32_t)time(NULL);
	for (size_t i = 0; i < d->zones.n; i++) {
		struct ctl_zone *z = &d->zones.v[i];
		/* Relaxed: the control thread is the only writer of the slot. */
		const struct sign_keytable *t =
			atomic_load_explicit(&z->slot.keys, memory_order_relaxed);
		bool event = z->keys.next_event && z->keys.next_event <= (int64_t)now;
		struct sign_keytable *fresh;
		char err[1024];
		if (!event && (!t || ctl_keytable_refresh_in(t, now) > 0))
			continue;
		if (ctl_zone_keytable(z, &z->keys, z->served, d->workers, now, &fresh, err,
				      sizeof(err)) != 0) {
			ctl_log(CTL_LOG_ERROR, "zone %s: rebuilding the key table: %s; previous "
				"table kept", z->name, err);
			continue;
		}
		if (fresh)
			ctl_log(CTL_LOG_INFO, "zone %s: key table rebuilt %s, generation %llu",
				z->name, event ? "at a key timing event"
				: "before its signatures expire", (unsigned long long)fresh->generation);
		else
			ctl_log(CTL_LOG_INFO, "zone %s: no key published any more: unsigned", z->name);
		ctl_publish_keytable(&d->pub, &z->slot, fresh);
		if (event)
			ctl_ms_keys_changed(d->ms, z);
	}
}

size_t
ctl_daemon_workers(const struct ctl_daemon *d, struct dp_worker *const **out)
{
#ifdef SIGEDGE_DPDK
	if (d->dpdk)
		return ctl_dpdk_workers(d->dpdk, out);
#endif
	if (d->sock)
		return dp_socket_workers(d->sock, out);
	*out = NULL;
	return 0;
}

static void
serve_request(void *arg, char *line, struct ctl_buf *out)
{
	ctl_command_run(arg, line, out);
}

int
ctl_daemon_run(struct ctl_daemon *d)
{
	struct pollfd *pf = NULL;
	size_t cap = 0;
	for (;;) {
		/* The signalfd, the control socket, then the multi-signer driver's. */
		size_t n = 2 + ctl_ms_pollfds(d->ms, pf ? pf + 2 : NULL, cap > 2 ? cap - 2 : 0);
		if (n > cap) {
			struct pollfd *bigger = realloc(pf, n * sizeof(*pf));
			if (!bigger) {
				ctl_log(CTL_LOG_ERROR, "out of memory");
				free(pf);
				return -1;
			}
			pf = bigger;
			cap = n;
			continue;
		}
		pf[0] = (struct pollfd){ .fd = d->sigfd, .events = POLLIN };
		pf[1] = (struct pollfd){ .fd = ctl_sock_fd(d->ctl), .events = POLLIN };
		int timeout = refresh_timeout(d), mt = ctl_ms_timeout_ms(d->ms);
		if (mt >= 0 && (timeout < 0 || mt < timeout))
			timeout = mt;
		if (poll(pf, n, timeout) < 0) {
			if (errno == EINTR)
				continue;
			ctl_log(CTL_LOG_ERROR, "poll: %s", strerror(errno));
			free(pf);
			return -1;
		}
		refresh_due(d);
		ctl_ms_process(d->ms, pf + 2, n - 2);
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
				free(pf);
				return 0;
			}
		}
		if (pf[1].revents & POLLIN)
			ctl_sock_serve(d->ctl, serve_request, d);
	}
}
