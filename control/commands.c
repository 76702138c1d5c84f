/* SPDX-License-Identifier: BSD-3-Clause */
#include "control/commands.h"

#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "control/ctlproto.h"
#include "control/log.h"
#include "dataplane/io/socket.h"
#include "dns/zone.h"
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

static cmd_fn cmd_status, cmd_zone_list, cmd_zone_reload, cmd_key_list, cmd_stats, cmd_help;

static const struct ctl_command commands[] = {
	{ { "status" }, "", "version, uptime, workers, listen addresses, zone count, backend",
	  0, cmd_status },
	{ { "zone", "list" }, "", "every zone: name, serial, nodes, load time, file", 0,
	  cmd_zone_list },
	{ { "zone", "reload" }, "[NAME...]",
	  "reload the named zones, or all, from their files; a zone that fails keeps its "
	  "previous version", -1, cmd_zone_reload },
	{ { "key", "list" }, "[NAME]",
	  "per zone (or the named one): key table generation and denial method, then each key: "
	  "tag, algorithm, flags, role (KSK, ZSK, CSK, revoked) and file; or 'unsigned'", 1,
	  cmd_key_list },
	{ { "stats" }, "[--workers]", "query counters summed over the workers; --workers adds "
	  "each worker's own", 1, cmd_stats },
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
	ctl_buf_printf(body, "backend: socket\n");
	ctl_buf_printf(body, "workers: %u\n", cfg->workers);
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
	ctl_buf_printf(body, "control: %s\n", cfg->control_path);
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

static int
cmd_key_list(struct ctl_daemon *d, int argc, char **argv, struct ctl_buf *body, char *msg,
	     size_t msglen)
{
	long only = -1;
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
		if (!t) {
			ctl_buf_printf(body, "%s unsigned\n", z->name);
			continue;
		}
		ctl_buf_printf(body, "%s generation=%llu denial=%s\n", z->name,
			       (unsigned long long)t->generation,
			       t->denial == SIGN_DENIAL_NSEC ? "nsec" : "compact");
		for (size_t k = 0; k < z->keys.n; k++) {
			const struct sign_key *key = z->keys.keys[k];
			ctl_buf_printf(body, "  tag=%u algorithm=%u (%s) flags=%u role=%s file=%s\n",
				       sign_key_tag(key), sign_key_alg(key),
				       sign_alg_name(sign_key_alg(key)), sign_key_flags(key),
				       ctl_keyset_role(&z->keys, k), z->keys.files[k]);
		}
	}
	return 0;
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
	size_t n = dp_socket_workers(d->sock, &ws);
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
