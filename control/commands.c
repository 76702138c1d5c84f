/* SPDX-License-Identifier: BSD-3-Clause */
#include "control/commands.h"

#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "control/ctlproto.h"
#ifdef SIGEDGE_DPDK
#include "control/dpdk_backend.h"
#endif
#include "control/log.h"
#include "control/msigner.h"
#include "dataplane/io/socket.h"
#include "dns/err.h"
#include "dns/name.h"
#include "dns/zone.h"
#include "sign/keyfile.h"
#include "sign/keytable.h"

/* A handler writes its output lines to body; on failure it returns nonzero with msg set. */
typedef int cmd_fn(struct ctl_daemon *d, int argc, char **argv, struct ctl_buf *body, char *msg,
		   size_t msglen);

struct ctl_command {
	const char *words[3];  /* the command's words, NULL-terminated */
	const char *args;      /* argument synopsis */
	const char *help;
	int max_args;          /* -1: any number */
	cmd_fn *fn;
};

static cmd_fn cmd_status, cmd_zone_list, cmd_zone_reload, cmd_key_list, cmd_key_generate,
	cmd_key_publish, cmd_key_activate, cmd_key_retire, cmd_key_remove, cmd_keysync_status,
	cmd_keysync_check, cmd_keysync_leave, cmd_keysync_import, cmd_keysync_export, cmd_stats,
	cmd_help;

static const struct ctl_command commands[] = {
	{ { "status" }, "", "version, uptime, workers, listen addresses, zone count, backend",
	  0, cmd_status },
	{ { "zone", "list" }, "", "every zone: name, serial, nodes, load time, file", 0,
	  cmd_zone_list },
	{ { "zone", "reload" }, "[NAME...]",
	  "reload the named zones, or all, from their files; a zone that fails keeps its "
	  "previous version", -1, cmd_zone_reload },
	{ { "key", "list" }, "[NAME]",
	  "per zone (or the named one): key table generation and denial method (or 'unsigned'), "
	  "then each key: tag, algorithm, flags, role (KSK, ZSK, CSK, revoked, none), state at "
	  "now (pending, published, active, retired, removed, revoked), the times that are set, "
	  "and file", 1, cmd_key_list },
	{ { "key", "generate" },
	  "ZONE [--algorithm 13|15|8] [--ksk|--zsk|--csk] [--publish TIME] [--activate TIME]",
	  "make a key pair in the key directory (default: algorithm 13, --zsk, published and "
	  "active now; --activate defaults to the publish time) and publish the new key table",
	  -1, cmd_key_generate },
	{ { "key", "publish" }, "ZONE TAG [TIME] [--algorithm ALG] [--force]",
	  "set the key's Publish time (default now): from then on it is in the DNSKEY RRset",
	  -1, cmd_key_publish },
	{ { "key", "activate" }, "ZONE TAG [TIME] [--algorithm ALG] [--force]",
	  "set the key's Activate time (default now): from then on it signs, per its role",
	  -1, cmd_key_activate },
	{ { "key", "retire" }, "ZONE TAG [TIME] [--algorithm ALG] [--force]",
	  "set the key's Inactive time (default now): from then on it no longer signs but stays "
	  "published", -1, cmd_key_retire },
	{ { "key", "remove" }, "ZONE TAG [TIME] [--algorithm ALG] [--force]",
	  "set the key's Delete time (default now): from then on it is no longer published; its "
	  "files stay", -1, cmd_key_remove },
	{ { "keysync", "status" }, "[ZONE]",
	  "per multi-signer zone (or the named one): model, store; our records with the peers "
	  "holding each; imported records with the peers they came from; each peer's address, "
	  "mode (push, poll), sync state, times, UPDATEs and last error", 1, cmd_keysync_status },
	{ { "keysync", "check" }, "ZONE [PEER]",
	  "check the zone's peers (or the named one) now: query their key RRsets, import, and "
	  "send the UPDATE they need", 2, cmd_keysync_check },
	{ { "keysync", "import" }, "ZONE FILE",
	  "model 1: serve the zone owner's signed DNSKEY, CDS and CDNSKEY RRsets from the apex "
	  "of the zone file FILE (a path the daemon can read), once they hold our zone-signing "
	  "keys and their RRSIGs verify; kept in the store", 2, cmd_keysync_import },
	{ { "keysync", "export" }, "ZONE",
	  "the DNSKEY records of our published keys, for the zone owner (model 1) or a peer",
	  1, cmd_keysync_export },
	{ { "keysync", "leave" }, "ZONE",
	  "leave the zone's multi-signer group: delete every record of ours at every peer "
	  "(once the parent no longer lists us); until the daemon restarts", 1,
	  cmd_keysync_leave },
	{ { "stats" }, "[--workers]", "query counters summed over the workers; --workers adds "
	  "each worker's own; with DPDK also the burst loops' counters (dpdk.*) and each "
	  "port's (port.NAME.*)", 1, cmd_stats },
	{ { "help" }, "", "this list", 0, cmd_help },
};

#define NCOMMANDS (sizeof(commands) / sizeof(commands[0]))

static int
cmd_status(struct ctl_daemon *d, int argc, char **argv, struct ctl_buf *body, char *msg,
	   size_t msglen)
{
	(void)argc, (void)argv, (void)msg, (void)msglen;
	const struct ctl_config *cfg = d->cfg;
	char when[32];
	ctl_time_iso(d->started, when, sizeof(when));
	ctl_buf_printf(body, "version: %s\n", SIGEDGE_VERSION);
	ctl_buf_printf(body, "pid: %ld\n", (long)getpid());
	ctl_buf_printf(body, "started: %s\n", when);
	ctl_buf_printf(body, "uptime: %llds\n", (long long)(time(NULL) - d->started));
	ctl_buf_printf(body, "backend: %s\n", d->dpdk ? "dpdk" : "socket");
	ctl_buf_printf(body, "workers: %u\n", d->workers);
	ctl_buf_printf(body, "listen:");
	for (size_t i = 0; i < cfg->nlisten; i++) {
		char addr[INET6_ADDRSTRLEN + 32];
		ctl_addr_format(&cfg->listen[i], addr, sizeof(addr));
		ctl_buf_printf(body, " %s", addr);
	}
	ctl_buf_printf(body, "\n");
	ctl_buf_printf(body, "zones: %zu\n", d->zones.n);
	ctl_buf_printf(body, "udp-max-payload: %u\n", cfg->udp_max_payload);
	ctl_buf_printf(body, "tcp-idle-timeout: %u\n", cfg->tcp_idle_ms);
	ctl_buf_printf(body, "sigcache-entries: %u\n", cfg->sigcache_entries);
	ctl_buf_printf(body, "sign-rate: %u\n", cfg->sign_rate);
	ctl_buf_printf(body, "control: %s\n", cfg->control_path);
#ifdef SIGEDGE_DPDK
	if (d->dpdk)
		ctl_dpdk_status(d->dpdk, body);
#endif
	return 0;
}

static int
cmd_zone_list(struct ctl_daemon *d, int argc, char **argv, struct ctl_buf *body, char *msg,
	      size_t msglen)
{
	(void)argc, (void)argv, (void)msg, (void)msglen;
	for (size_t i = 0; i < d->zones.n; i++) {
		const struct ctl_zone *z = &d->zones.v[i];
		char when[32];
		ctl_time_iso(z->loaded_at, when, sizeof(when));
		ctl_buf_printf(body, "%s serial=%u nodes=%zu loaded-at=%s file=%s\n", z->name,
			       dns_zone_serial(z->served), dns_zone_node_count(z->served), when, z->file);
	}
	return 0;
}

static int
cmd_zone_reload(struct ctl_daemon *d, int argc, char **argv, struct ctl_buf *body, char *msg,
		size_t msglen)
{
	size_t *idx = malloc((argc ? (size_t)argc : 1) * sizeof(*idx));
	if (!idx) {
		snprintf(msg, msglen, "out of memory");
		return -ENOMEM;
	}
	for (int i = 0; i < argc; i++) {
		long at = ctl_zones_find(&d->zones, argv[i]);
		if (at < 0) {
			snprintf(msg, msglen, "unknown zone '%s'; nothing reloaded", argv[i]);
			free(idx);
			return -ENOENT;
		}
		idx[i] = (size_t)at;
	}
	int failed = ctl_daemon_reload(d, idx, (size_t)argc, body);
	free(idx);
	if (failed < 0)
		snprintf(msg, msglen, "%s; nothing changed", strerror(-failed));
	else if (failed > 0)
		snprintf(msg, msglen, "%d zone%s failed to load and kept the previous version", failed,
			 failed == 1 ? "" : "s");
	return failed;
}

/* "YYYYMMDDHHMMSS" (UTC) of t. */
static void
time_format(int64_t t, char out[16])
{
	time_t tt = (time_t)t;
	struct tm tm;
	gmtime_r(&tt, &tm);
	strftime(out, 16, "%Y%m%d%H%M%S", &tm);
}

/* " name=TIME" for each time of t that is set. */
static void
key_times(struct ctl_buf *body, const struct sign_key_timing *t)
{
	const struct {
		const char *name;
		int64_t v;
	} f[] = {
		{ "created", t->created }, { "publish", t->publish }, { "activate", t->activate },
		{ "revoke", t->revoke }, { "inactive", t->inactive }, { "delete", t->remove },
		{ "sync-publish", t->sync_publish }, { "sync-delete", t->sync_remove },
	};
	for (size_t i = 0; i < sizeof(f) / sizeof(f[0]); i++) {
		char when[16];
		if (!f[i].v)
			continue;
		time_format(f[i].v, when);
		ctl_buf_printf(body, " %s=%s", f[i].name, when);
	}
}

static void
key_line(struct ctl_buf *body, const struct ctl_keyset *ks, size_t k, int64_t now)
{
	const struct sign_key *key = ks->keys[k];
	const struct sign_key_timing *t = sign_key_timing(key);
	const char *role = ctl_keyset_role(ks, k, now);

	ctl_buf_printf(body, "  tag=%u algorithm=%u (%s) flags=%u role=%s state=%s",
		       sign_key_tag(key), sign_key_alg(key), sign_alg_name(sign_key_alg(key)),
		       sign_key_flags(key), role, ctl_key_state_name(t, now));
	struct sign_key *revoked;
	if (strcmp(role, "revoked") == 0 && !(sign_key_flags(key) & SIGN_FLAG_REVOKE) &&
	    sign_key_dup(key, &revoked) == 0) {
		sign_key_set_flags(revoked, sign_key_flags(key) | SIGN_FLAG_REVOKE);
		ctl_buf_printf(body, " revoked-tag=%u", sign_key_tag(revoked));
		sign_key_free(revoked);
	}
	key_times(body, t);
	ctl_buf_printf(body, " file=%s\n", ks->files[k]);
}

static int
cmd_key_list(struct ctl_daemon *d, int argc, char **argv, struct ctl_buf *body, char *msg,
	     size_t msglen)
{
	long only = -1;
	int64_t now = time(NULL);
	if (argc == 1 && (only = ctl_zones_find(&d->zones, argv[0])) < 0) {
		snprintf(msg, msglen, "unknown zone '%s'", argv[0]);
		return -ENOENT;
	}
	for (size_t i = 0; i < d->zones.n; i++) {
		const struct ctl_zone *z = &d->zones.v[i];
		/* Relaxed: this is the control thread, the slot's only writer. */
		const struct sign_keytable *t =
			atomic_load_explicit(&z->slot.keys, memory_order_relaxed);
		if (only >= 0 && (size_t)only != i)
			continue;
		if (!t)
			ctl_buf_printf(body, "%s unsigned\n", z->name);
		else
			ctl_buf_printf(body, "%s generation=%llu denial=%s\n", z->name,
				       (unsigned long long)t->generation,
				       t->denial == SIGN_DENIAL_NSEC ? "nsec" : "compact");
		for (size_t k = 0; k < z->keys.n; k++)
			key_line(body, &z->keys, k, now);
	}
	return 0;
}

/* The multi-signer zone named name; NULL with msg set. */
static struct ctl_zone *
ms_zone(struct ctl_daemon *d, const char *name, char *msg, size_t msglen)
{
	long at = ctl_zones_find(&d->zones, name);
	if (at < 0) {
		snprintf(msg, msglen, "unknown zone '%s'", name);
		return NULL;
	}
	if (!d->zones.v[at].ms) {
		snprintf(msg, msglen, "zone %s has no multi-signer model", name);
		return NULL;
	}
	return &d->zones.v[at];
}

static int
cmd_keysync_status(struct ctl_daemon *d, int argc, char **argv, struct ctl_buf *body,
		   char *msg, size_t msglen)
{
	if (argc == 1) {
		const struct ctl_zone *z = ms_zone(d, argv[0], msg, msglen);
		if (!z)
			return -ENOENT;
		ctl_ms_status(z, body);
		return 0;
	}
	for (size_t i = 0; i < d->zones.n; i++)
		if (d->zones.v[i].ms)
			ctl_ms_status(&d->zones.v[i], body);
	return 0;
}

static int
cmd_keysync_check(struct ctl_daemon *d, int argc, char **argv, struct ctl_buf *body,
		  char *msg, size_t msglen)
{
	struct ctl_zone *z = argc >= 1 ? ms_zone(d, argv[0], msg, msglen) : NULL;
	if (!z) {
		if (argc < 1)
			snprintf(msg, msglen, "keysync check needs a zone");
		return -ENOENT;
	}
	long n = ctl_ms_check(z, argc == 2 ? argv[1] : NULL);
	if (n < 0) {
		snprintf(msg, msglen, "zone %s has no peer '%s'", z->name, argv[1]);
		return -ENOENT;
	}
	ctl_buf_printf(body, "%s: checking %ld peer%s\n", z->name, n, n == 1 ? "" : "s");
	return 0;
}

static void report_generation(const struct ctl_zone *z, struct ctl_buf *body);

static int
cmd_keysync_import(struct ctl_daemon *d, int argc, char **argv, struct ctl_buf *body,
		   char *msg, size_t msglen)
{
	struct ctl_zone *z = argc == 2 ? ms_zone(d, argv[0], msg, msglen) : NULL;
	if (!z) {
		if (argc != 2)
			snprintf(msg, msglen, "keysync import needs a zone and a file");
		return -ENOENT;
	}
	int rc = ctl_ms_import(d->ms, z, argv[1], msg, msglen);
	if (rc == 0)
		report_generation(z, body);
	return rc;
}

static int
cmd_keysync_export(struct ctl_daemon *d, int argc, char **argv, struct ctl_buf *body,
		   char *msg, size_t msglen)
{
	long at = argc == 1 ? ctl_zones_find(&d->zones, argv[0]) : -1;
	if (at < 0) {
		snprintf(msg, msglen, argc == 1 ? "unknown zone '%s'" : "keysync export needs a zone",
			 argc == 1 ? argv[0] : "");
		return -ENOENT;
	}
	return ctl_ms_export(&d->zones.v[at], time(NULL), body, msg, msglen);
}

static int
cmd_keysync_leave(struct ctl_daemon *d, int argc, char **argv, struct ctl_buf *body,
		  char *msg, size_t msglen)
{
	struct ctl_zone *z = argc == 1 ? ms_zone(d, argv[0], msg, msglen) : NULL;
	if (!z) {
		if (argc != 1)
			snprintf(msg, msglen, "keysync leave needs a zone");
		return -ENOENT;
	}
	ctl_ms_leave(d->ms, z);
	ctl_buf_printf(body, "%s: leaving; 'keysync status %s' shows the peers' progress\n",
		       z->name, z->name);
	return 0;
}

/* The zone a key command names, in a daemon with a key directory; NULL with msg set. */
static struct ctl_zone *
key_zone(struct ctl_daemon *d, const char *name, char *msg, size_t msglen)
{
	long at;
	if (!d->cfg->keydir) {
		snprintf(msg, msglen, "sigedge runs without a key directory (--keydir or "
			 "server.keydir); key changes need one");
		return NULL;
	}
	if ((at = ctl_zones_find(&d->zones, name)) < 0) {
		snprintf(msg, msglen, "unknown zone '%s'", name);
		return NULL;
	}
	return &d->zones.v[at];
}

/* What keys_commit does with the changed key. */
enum commit {
	COMMIT_NEW,     /* a new key: checked, its files must not exist */
	COMMIT_CHANGE,  /* a changed key: checked (--force skips that), its files replaced */
	COMMIT_FORCE,   /* a changed key, not checked */
};

/*
 * Make nks (taken over) zone z's keys: check it (ctl_keyset_check) unless
 * COMMIT_FORCE, build its key table at now, write key nks->keys[changed]
 * into the key directory, then publish the table. Nothing changes unless
 * every step succeeds.
 */
static int
keys_commit(struct ctl_daemon *d, struct ctl_zone *z, struct ctl_keyset *nks, size_t changed,
	    enum commit how, int64_t now, char *msg, size_t msglen)
{
	struct sign_keytable *t = NULL;
	char err[1024];
	int rc = how == COMMIT_FORCE ? 0 : ctl_keyset_check(&z->keys, nks, now, err, sizeof(err));

	if (rc < 0) {
		snprintf(msg, msglen, "zone %s: %s; nothing changed%s", z->name, err,
			 how == COMMIT_CHANGE ? " (--force to do it anyway)" : "");
		goto fail;
	}
	rc = ctl_zone_keytable(z, nks, z->served, d->workers, (uint32_t)now, &t, err,
			       sizeof(err));
	if (rc < 0) {
		snprintf(msg, msglen, "zone %s: key table: %s; nothing changed", z->name, err);
		goto fail;
	}
	rc = sign_keyfile_write(nks->keys[changed], d->cfg->keydir, how != COMMIT_NEW, err,
				sizeof(err));
	if (rc < 0) {
		snprintf(msg, msglen, "zone %s: writing the key: %s; nothing changed", z->name, err);
		goto fail;
	}
	/* The table in the slot was built from z->keys: free those only after it. */
	ctl_publish_keytable(&d->pub, &z->slot, t);
	ctl_keyset_free(&z->keys);
	z->keys = *nks;
	ctl_ms_keys_changed(d->ms, z);
	return 0;
fail:
	sign_keytable_free(t);
	ctl_keyset_free(nks);
	return rc ? rc : -EINVAL;
}

/* "NAME: generation G" or "NAME: unsigned (no key published)", logged too. */
static void
report_generation(const struct ctl_zone *z, struct ctl_buf *body)
{
	/* Relaxed: this is the control thread, the slot's only writer. */
	const struct sign_keytable *t = atomic_load_explicit(&z->slot.keys, memory_order_relaxed);
	if (t) {
		ctl_log(CTL_LOG_INFO, "zone %s: keys changed, generation %llu", z->name,
			(unsigned long long)t->generation);
		ctl_buf_printf(body, "%s: generation %llu\n", z->name,
			       (unsigned long long)t->generation);
	} else {
		ctl_log(CTL_LOG_INFO, "zone %s: keys changed, none published: unsigned", z->name);
		ctl_buf_printf(body, "%s: unsigned (no key published)\n", z->name);
	}
}

/* The value of option argv[*i] (moving *i past it); NULL with msg set when missing. */
static const char *
opt_value(int argc, char **argv, int *i, char *msg, size_t msglen)
{
	if (*i + 1 >= argc) {
		snprintf(msg, msglen, "%s needs a value", argv[*i]);
		return NULL;
	}
	return argv[++*i];
}

static int
parse_alg(const char *s, uint8_t *alg, char *msg, size_t msglen)
{
	char *end;
	unsigned long v = strtoul(s, &end, 10);
	if (*s == '\0' || *end || v > 255 || !sign_alg_name((uint8_t)v)) {
		snprintf(msg, msglen, "--algorithm '%s': expected 13, 15 or 8", s);
		return -EINVAL;
	}
	*alg = (uint8_t)v;
	return 0;
}

static int
parse_time(const char *s, int64_t now, int64_t *out, char *msg, size_t msglen)
{
	if (ctl_time_parse(s, now, out) < 0) {
		snprintf(msg, msglen, "time '%s': expected YYYYMMDDHHMMSS (UTC), now, now+SECONDS or "
			 "+SECONDS", s);
		return -EINVAL;
	}
	return 0;
}

static int
cmd_key_generate(struct ctl_daemon *d, int argc, char **argv, struct ctl_buf *body, char *msg,
		 size_t msglen)
{
	const char *zone = NULL, *v;
	uint8_t alg = SIGN_ALG_ECDSAP256SHA256;
	uint16_t flags = SIGN_FLAGS_ZSK;
	int64_t now = time(NULL), publish = now, activate = 0;
	bool has_activate = false;

	for (int i = 0; i < argc; i++) {
		if (strcmp(argv[i], "--ksk") == 0 || strcmp(argv[i], "--csk") == 0) {
			flags = SIGN_FLAGS_KSK;
		} else if (strcmp(argv[i], "--zsk") == 0) {
			flags = SIGN_FLAGS_ZSK;
		} else if (strcmp(argv[i], "--algorithm") == 0) {
			if (!(v = opt_value(argc, argv, &i, msg, msglen)) ||
			    parse_alg(v, &alg, msg, msglen) < 0)
				return -EINVAL;
		} else if (strcmp(argv[i], "--publish") == 0) {
			if (!(v = opt_value(argc, argv, &i, msg, msglen)) ||
			    parse_time(v, now, &publish, msg, msglen) < 0)
				return -EINVAL;
		} else if (strcmp(argv[i], "--activate") == 0) {
			if (!(v = opt_value(argc, argv, &i, msg, msglen)) ||
			    parse_time(v, now, &activate, msg, msglen) < 0)
				return -EINVAL;
			has_activate = true;
		} else if (argv[i][0] == '-' || zone) {
			snprintf(msg, msglen, "unexpected argument '%s'; usage: key generate ZONE "
				 "[--algorithm 13|15|8] [--ksk|--zsk|--csk] [--publish TIME] "
				 "[--activate TIME]", argv[i]);
			return -EINVAL;
		} else {
			zone = argv[i];
		}
	}
	if (!zone) {
		snprintf(msg, msglen, "no zone; usage: key generate ZONE [OPTION...]");
		return -EINVAL;
	}
	struct ctl_zone *z = key_zone(d, zone, msg, msglen);
	if (!z)
		return -ENOENT;

	struct sign_key *key = NULL;
	char name[DNS_NAME_MAXLEN * 4 + 32], path[4096];
	int rc = 0;
	/* A new key whose tag is already the zone's would be ambiguous: make another. */
	for (int tries = 0; tries < 8; tries++) {
		sign_key_free(key);
		key = NULL;
		rc = sign_key_generate(alg, flags, z->apex, &key);
		if (rc < 0)
			break;
		if (sign_keyfile_name(key, name, sizeof(name)) < 0) {
			rc = -EINVAL;
			break;
		}
		snprintf(path, sizeof(path), "%s/%s.private", d->cfg->keydir, name);
		if (ctl_keyset_find(&z->keys, sign_key_tag(key), 0) == -ENOENT &&
		    access(path, F_OK) != 0)
			break;
		rc = -EEXIST;
	}
	if (rc < 0) {
		sign_key_free(key);
		snprintf(msg, msglen, "zone %s: no key generated: %s", z->name, dns_strerror(rc));
		return rc;
	}
	struct sign_key_timing tm = {
		.created = now,
		.publish = publish,
		.activate = has_activate ? activate : publish,
	};
	sign_key_set_timing(key, &tm);

	struct ctl_keyset nks;
	if (ctl_keyset_dup(&z->keys, &nks) < 0) {
		sign_key_free(key);
		snprintf(msg, msglen, "out of memory");
		return -ENOMEM;
	}
	if (ctl_keyset_add(&nks, key, path) < 0) {
		ctl_keyset_free(&nks);
		snprintf(msg, msglen, "out of memory");
		return -ENOMEM;
	}
	rc = keys_commit(d, z, &nks, nks.n - 1, COMMIT_NEW, now, msg, msglen);
	if (rc < 0)
		return rc;
	ctl_log(CTL_LOG_INFO, "zone %s: key %u (algorithm %u) generated: %s", z->name,
		sign_key_tag(key), alg, path);
	ctl_buf_printf(body, "tag=%u algorithm=%u (%s) flags=%u state=%s file=%s\n",
		       sign_key_tag(key), alg, sign_alg_name(alg), flags,
		       ctl_key_state_name(&tm, now), path);
	report_generation(z, body);
	return 0;
}

/* Which time key publish|activate|retire|remove sets. */
enum key_time { KEY_PUBLISH, KEY_ACTIVATE, KEY_RETIRE, KEY_REMOVE };

static int
key_set_time(struct ctl_daemon *d, enum key_time which, int argc, char **argv,
	     struct ctl_buf *body, char *msg, size_t msglen)
{
	static const char *const words[] = { "publish", "activate", "retire", "remove" };
	static const char *const fields[] = { "publish", "activate", "inactive", "delete" };
	const char *pos[3] = { 0 }, *v;
	int npos = 0;
	uint8_t alg = 0;
	bool force = false;
	int64_t now = time(NULL), when = now;

	for (int i = 0; i < argc; i++) {
		if (strcmp(argv[i], "--force") == 0) {
			force = true;
		} else if (strcmp(argv[i], "--algorithm") == 0) {
			if (!(v = opt_value(argc, argv, &i, msg, msglen)) ||
			    parse_alg(v, &alg, msg, msglen) < 0)
				return -EINVAL;
		} else if ((argv[i][0] == '-' && argv[i][1] == '-') || npos == 3) {
			snprintf(msg, msglen, "unexpected argument '%s'; usage: key %s ZONE TAG [TIME] "
				 "[--algorithm ALG] [--force]", argv[i], words[which]);
			return -EINVAL;
		} else {
			pos[npos++] = argv[i];
		}
	}
	if (npos < 2) {
		snprintf(msg, msglen, "usage: key %s ZONE TAG [TIME] [--algorithm ALG] [--force]",
			 words[which]);
		return -EINVAL;
	}
	char *end;
	unsigned long tag = strtoul(pos[1], &end, 10);
	if (*pos[1] == '\0' || *end || tag > 65535) {
		snprintf(msg, msglen, "key tag '%s': expected 0..65535", pos[1]);
		return -EINVAL;
	}
	if (npos == 3 && parse_time(pos[2], now, &when, msg, msglen) < 0)
		return -EINVAL;
	struct ctl_zone *z = key_zone(d, pos[0], msg, msglen);
	if (!z)
		return -ENOENT;
	long at = ctl_keyset_find(&z->keys, (uint16_t)tag, alg);
	if (at == -EEXIST) {
		snprintf(msg, msglen, "zone %s has several keys with tag %lu; say which with "
			 "--algorithm", z->name, tag);
		return -EEXIST;
	}
	if (at < 0) {
		snprintf(msg, msglen, "zone %s has no key with tag %lu%s", z->name, tag,
			 alg ? " and that algorithm" : "");
		return -ENOENT;
	}

	struct ctl_keyset nks;
	if (ctl_keyset_dup(&z->keys, &nks) < 0) {
		snprintf(msg, msglen, "out of memory");
		return -ENOMEM;
	}
	struct sign_key *key = nks.keys[at];
	struct sign_key_timing tm = *sign_key_timing(key);
	int64_t *slot[] = { &tm.publish, &tm.activate, &tm.inactive, &tm.remove };
	*slot[which] = when;
	sign_key_set_timing(key, &tm);
	int rc = keys_commit(d, z, &nks, (size_t)at, force ? COMMIT_FORCE : COMMIT_CHANGE, now,
			     msg, msglen);
	if (rc < 0)
		return rc;
	char t[16];
	time_format(when, t);
	ctl_log(CTL_LOG_INFO, "zone %s: key %lu (algorithm %u): %s=%s", z->name, tag,
		sign_key_alg(z->keys.keys[at]), fields[which], t);
	ctl_buf_printf(body, "tag=%lu algorithm=%u %s=%s state=%s file=%s\n", tag,
		       sign_key_alg(z->keys.keys[at]), fields[which], t,
		       ctl_key_state_name(&tm, now), z->keys.files[at]);
	report_generation(z, body);
	return 0;
}

static int
cmd_key_publish(struct ctl_daemon *d, int argc, char **argv, struct ctl_buf *body, char *msg,
		size_t msglen)
{
	return key_set_time(d, KEY_PUBLISH, argc, argv, body, msg, msglen);
}

static int
cmd_key_activate(struct ctl_daemon *d, int argc, char **argv, struct ctl_buf *body, char *msg,
		 size_t msglen)
{
	return key_set_time(d, KEY_ACTIVATE, argc, argv, body, msg, msglen);
}

static int
cmd_key_retire(struct ctl_daemon *d, int argc, char **argv, struct ctl_buf *body, char *msg,
	       size_t msglen)
{
	return key_set_time(d, KEY_RETIRE, argc, argv, body, msg, msglen);
}

static int
cmd_key_remove(struct ctl_daemon *d, int argc, char **argv, struct ctl_buf *body, char *msg,
	       size_t msglen)
{
	return key_set_time(d, KEY_REMOVE, argc, argv, body, msg, msglen);
}

static int
cmd_stats(struct ctl_daemon *d, int argc, char **argv, struct ctl_buf *body, char *msg,
	  size_t msglen)
{
	bool per_worker = false;
	if (argc == 1) {
		if (strcmp(argv[0], "--workers") != 0) {
			snprintf(msg, msglen, "unknown argument '%s'; try 'stats --workers'", argv[0]);
			return -EINVAL;
		}
		per_worker = true;
	}
	struct dp_worker *const *ws;
	size_t n = ctl_daemon_workers(d, &ws);
	for (int c = 0; c < DP_CNT__MAX; c++) {
		unsigned long long sum = 0;
		for (size_t w = 0; w < n; w++)
			sum += dp_counter_get(ws[w], (enum dp_counter)c);
		ctl_buf_printf(body, "%s: %llu\n", dp_counter_name((enum dp_counter)c), sum);
	}
	for (size_t w = 0; per_worker && w < n; w++) {
		for (int c = 0; c < DP_CNT__MAX; c++)
			ctl_buf_printf(body, "worker.%u.%s: %llu\n", ws[w]->id,
				       dp_counter_name((enum dp_counter)c),
				       (unsigned long long)dp_counter_get(ws[w], (enum dp_counter)c));
	}
#ifdef SIGEDGE_DPDK
	if (d->dpdk)
		ctl_dpdk_stats(d->dpdk, per_worker, body);
#endif
	return 0;
}

/* "zone reload" */
static void
cmd_name(const struct ctl_command *c, char *out, size_t cap)
{
	size_t len = 0;
	out[0] = '\0';
	for (size_t w = 0; w < 3 && c->words[w] && len < cap; w++)
		len += (size_t)snprintf(out + len, cap - len, "%s%s", w ? " " : "", c->words[w]);
}

static int
cmd_help(struct ctl_daemon *d, int argc, char **argv, struct ctl_buf *body, char *msg,
	 size_t msglen)
{
	(void)d, (void)argc, (void)argv, (void)msg, (void)msglen;
	for (size_t i = 0; i < NCOMMANDS; i++) {
		const struct ctl_command *c = &commands[i];
		char name[64];
		cmd_name(c, name, sizeof(name));
		ctl_buf_printf(body, "%s%s%s\n    %s\n", name, c->args[0] ? " " : "", c->args, c->help);
	}
	return 0;
}

/* Number of words of c that match the start of words[], or 0 unless all match. */
static int
match(const struct ctl_command *c, char **words, int nwords)
{
	int n = 0;
	while (n < 3 && c->words[n]) {
		if (n >= nwords || strcmp(c->words[n], words[n]) != 0)
			return 0;
		n++;
	}
	return n;
}

void
ctl_command_run(struct ctl_daemon *d, char *line, struct ctl_buf *out)
{
	char *words[CTL_REQUEST_MAXWORDS], *save = NULL;
	int nwords = 0;
	for (char *w = strtok_r(line, " \t", &save); w; w = strtok_r(NULL, " \t", &save)) {
		if (nwords == CTL_REQUEST_MAXWORDS) {
			ctl_buf_printf(out, "error: more than %d words\n", CTL_REQUEST_MAXWORDS);
			return;
		}
		words[nwords++] = w;
	}
	if (nwords == 0) {
		ctl_buf_printf(out, "error: empty request; try 'help'\n");
		return;
	}

	const struct ctl_command *cmd = NULL;
	int used = 0;
	for (size_t i = 0; i < NCOMMANDS; i++) {
		int m = match(&commands[i], words, nwords);
		if (m > used) {
			used = m;
			cmd = &commands[i];
		}
	}
	if (!cmd) {
		ctl_buf_printf(out, "error: unknown command '%s%s%s'; try 'help'\n", words[0],
			       nwords > 1 ? " " : "", nwords > 1 ? words[1] : "");
		return;
	}
	char name[64];
	cmd_name(cmd, name, sizeof(name));
	int argc = nwords - used;
	if (cmd->max_args >= 0 && argc > cmd->max_args) {
		ctl_buf_printf(out, "error: too many arguments; usage: %s%s%s\n", name,
			       cmd->args[0] ? " " : "", cmd->args);
		return;
	}
	ctl_log(CTL_LOG_DEBUG, "control command: %s", name);

	struct ctl_buf body = { 0 };
	char msg[512] = "";
	int rc = cmd->fn(d, argc, words + used, &body, msg, sizeof(msg));
	if (rc)
		ctl_buf_printf(out, "error: %s\n", msg);
	else
		ctl_buf_printf(out, "ok\n");
	if (body.failed)
		out->failed = true;
	else if (body.len)
		ctl_buf_printf(out, "%s", body.data);
	ctl_buf_free(&body);
}
