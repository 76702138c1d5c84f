/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sigedgectl: send one command to a running sigedge over its control socket
 * (protocol in control/ctlproto.h) and print the reply.
 */
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "control/ctlproto.h"

enum {
	EXIT_OK = 0,
	EXIT_REPLY_ERROR = 1,  /* the daemon answered "error: ..." */
	EXIT_NO_DAEMON = 2,    /* could not connect, or no complete reply */
	EXIT_USAGE = 3,
};

#define DEFAULT_TIMEOUT_S 60

static void
usage(FILE *out)
{
	char path[256];
	if (ctl_control_default_path(path, sizeof(path)) != 0)
		snprintf(path, sizeof(path), "(too long)");
	fprintf(out,
"NAME\n"
"    sigedgectl - control a running sigedge\n"
"\n"
"SYNOPSIS\n"
"    sigedgectl [-s PATH] [-t SECONDS] COMMAND [ARGUMENT...]\n"
"    sigedgectl --help | --version\n"
"\n"
"DESCRIPTION\n"
"    sigedgectl sends COMMAND to sigedge over its unix control socket and\n"
"    prints the reply. Output goes to standard output; when sigedge reports\n"
"    an error, its message goes to standard error.\n"
"\n"
"OPTIONS\n"
"    -s, --socket PATH\n"
"        The control socket (sigedge --control). Default: /run/sigedge/control.sock\n"
"        for root, else $XDG_RUNTIME_DIR/sigedge.sock when XDG_RUNTIME_DIR is set,\n"
"        else /tmp/sigedge-UID.sock; the same rule as sigedge (here: %s).\n"
"    -t, --timeout SECONDS\n"
"        Give up when the reply takes longer; 0 waits for ever. Default: %d.\n"
"    -h, --help\n"
"        Show this text and exit.\n"
"    -V, --version\n"
"        Show the version and exit.\n"
"\n"
"COMMANDS\n"
"    status\n"
"        Version, pid, start time, uptime, backend, workers, listen addresses,\n"
"        zone count and the main settings, one \"name: value\" per line.\n"
"    zone list\n"
"        One line per zone: NAME serial=N nodes=N loaded-at=TIME file=PATH.\n"
"    zone reload [NAME...]\n"
"        Reload the named zones, or every zone without a name, from their files\n"
"        and serve the result. Prints \"NAME: reloaded serial N\" or\n"
"        \"NAME: error: FILE:LINE: reason (previous version kept)\" per zone; a zone\n"
"        that fails keeps serving its previous version, and the exit status is 1.\n"
"        With a key directory the zone's keys are reloaded too: \"NAME: keys: N,\n"
"        generation G\" or \"NAME: error: keys: FILE: reason (previous keys kept)\".\n"
"    key list [NAME]\n"
"        Per zone (or the named one): \"NAME generation=G denial=METHOD\" (or\n"
"        \"NAME unsigned\" when no key is published), then per key\n"
"        \"  tag=T algorithm=A (NAME) flags=F role=ROLE state=STATE [TIMES]\n"
"        file=PATH\". ROLE is KSK, ZSK, CSK, revoked or none (not signing now);\n"
"        STATE is pending (not yet published), published (not yet active),\n"
"        active, retired (no longer signing, still published), removed or\n"
"        revoked; a revoked key also shows revoked-tag=T, its tag with the\n"
"        REVOKE flag. TIMES are the times of the key that are set, as\n"
"        created= publish= activate= revoke= inactive= delete= sync-publish=\n"
"        sync-delete= YYYYMMDDHHMMSS (UTC).\n"
"    key generate ZONE [--algorithm 13|15|8] [--ksk|--zsk|--csk]\n"
"                 [--publish TIME] [--activate TIME]\n"
"        Make a key pair for ZONE in sigedge's key directory (the .private file\n"
"        mode 0600) and serve the new key table. Default: algorithm 13, a ZSK\n"
"        (flags 256); --ksk and --csk make flags 257 (a SEP key signs\n"
"        everything when no active key without SEP is left). --publish defaults\n"
"        to now, --activate to the publish time. Prints \"tag=T algorithm=A\n"
"        (NAME) flags=F state=STATE file=PATH\" and \"ZONE: generation G\".\n"
"    key publish ZONE TAG [TIME] [--algorithm ALG] [--force]\n"
"    key activate ZONE TAG [TIME] [--algorithm ALG] [--force]\n"
"    key retire ZONE TAG [TIME] [--algorithm ALG] [--force]\n"
"    key remove ZONE TAG [TIME] [--algorithm ALG] [--force]\n"
"        Set the Publish, Activate, Inactive or Delete time of the key with tag\n"
"        TAG (TIME default now), rewrite its key files, and serve the new key\n"
"        table. From Publish on the key is in the DNSKEY RRset; from Activate on\n"
"        it signs, per its role; from Inactive on it no longer signs; from\n"
"        Delete on it is no longer published (its files stay). --algorithm picks\n"
"        among keys that share a tag. A change that would leave the zone, now,\n"
"        without a key that signs its data, or without an active SEP key while\n"
"        it has one, is refused unless --force. Prints \"tag=T algorithm=A\n"
"        FIELD=TIME state=STATE file=PATH\" and \"ZONE: generation G\".\n"
"        TIME is YYYYMMDDHHMMSS (UTC), now, now+SECONDS or +SECONDS. Key changes\n"
"        need sigedge to run with a key directory; a change that fails (e.g. the\n"
"        directory is not writable) leaves the keys, their files and the\n"
"        served key table as they were.\n"
"    stats [--workers]\n"
"        Query counters summed over the workers, one \"name: value\" per line;\n"
"        with --workers also each worker's as \"worker.N.name: value\".\n"
"    help\n"
"        The commands this sigedge understands.\n"
"\n"
"EXIT STATUS\n"
"    0  the command succeeded\n"
"    1  sigedge reported an error (for zone reload: at least one zone failed)\n"
"    2  no connection to sigedge (socket missing, permission denied, refused),\n"
"       or no complete reply in time\n"
"    3  invalid command line\n"
"\n"
"EXAMPLES\n"
"    sigedgectl status\n"
"    sigedgectl -s /tmp/sigedge.sock zone reload example.com\n"
"    sigedgectl stats --workers\n"
"    sigedgectl key generate example.com --zsk --activate +86400\n"
"    sigedgectl key retire example.com 18212 now+86400\n"
"\n"
"SEE ALSO\n"
"    sigedge(8)\n",
		path, DEFAULT_TIMEOUT_S);
}

/* Join the command words into one request line. Returns 0 or -1 with a message printed. */
static int
build_request(int argc, char **argv, char *line, size_t cap)
{
	size_t len = 0;
	for (int i = 0; i < argc; i++) {
		if (argv[i][0] == '\0' || strpbrk(argv[i], " \t\r\n")) {
			fprintf(stderr, "sigedgectl: argument '%s' is empty or contains white space\n",
				argv[i]);
			return -1;
		}
		int n = snprintf(line + len, cap - len, "%s%s", i ? " " : "", argv[i]);
		if (n < 0 || (size_t)n >= cap - len) {
			fprintf(stderr, "sigedgectl: command longer than %zu bytes\n", cap - 2);
			return -1;
		}
		len += (size_t)n;
	}
	if (len + 1 >= cap) {
		fprintf(stderr, "sigedgectl: command longer than %zu bytes\n", cap - 2);
		return -1;
	}
	line[len++] = '\n';
	line[len] = '\0';
	return 0;
}

/* Send the request and read the whole reply into a malloc'd string. Returns NULL on failure. */
static char *
exchange(const char *path, const char *req, int timeout_s)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	if (strlen(path) >= sizeof(sun.sun_path)) {
		fprintf(stderr, "sigedgectl: control socket path %s is too long\n", path);
		return NULL;
	}
	strcpy(sun.sun_path, path);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sun, sizeof(sun)) != 0) {
		int e = errno;
		fprintf(stderr, "sigedgectl: cannot connect to control socket %s: %s%s\n", path,
			strerror(e), e == ENOENT || e == ECONNREFUSED
				? " (is sigedge running? its socket is set with --control; use -s PATH)"
				: "");
		if (fd >= 0)
			close(fd);
		return NULL;
	}

	size_t len = strlen(req), off = 0, cap = 4096;
	while (off < len) {
		ssize_t n = send(fd, req + off, len - off, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			fprintf(stderr, "sigedgectl: %s: send: %s\n", path, strerror(errno));
			close(fd);
			return NULL;
		}
		off += (size_t)n;
	}
	shutdown(fd, SHUT_WR);

	char *reply = malloc(cap);
	size_t got = 0;
	while (reply) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		int pr = poll(&p, 1, timeout_s ? timeout_s * 1000 : -1);
		if (pr < 0 && errno == EINTR)
			continue;
		if (pr == 0) {
			fprintf(stderr, "sigedgectl: %s: no reply within %d s\n", path, timeout_s);
			goto fail;
		}
		if (got + 1 >= cap) {
			char *r = realloc(reply, cap * 2);
			if (!r)
				break;
			reply = r;
			cap *= 2;
		}
		ssize_t n = pr < 0 ? -1 : recv(fd, reply + got, cap - 1 - got, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			fprintf(stderr, "sigedgectl: %s: receive: %s\n", path, strerror(errno));
			goto fail;
		}
		if (n == 0) {
			reply[got] = '\0';
			close(fd);
			return reply;
		}
		got += (size_t)n;
	}
	fprintf(stderr, "sigedgectl: out of memory\n");
fail:
	free(reply);
	close(fd);
	return NULL;
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "socket", required_argument, NULL, 's' },
		{ "timeout", required_argument, NULL, 't' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	char defpath[256];
	const char *path = NULL;
	int timeout_s = DEFAULT_TIMEOUT_S, ch;

	/* "+": stop at the command, so "stats --workers" reaches sigedge intact. */
	while ((ch = getopt_long(argc, argv, "+s:t:hV", opts, NULL)) != -1) {
		switch (ch) {
		case 's':
			path = optarg;
			break;
		case 't': {
			char *end;
			long v = strtol(optarg, &end, 10);
			if (*optarg == '\0' || *end || v < 0 || v > 86400) {
				fprintf(stderr, "sigedgectl: --timeout '%s': expected 0..86400 seconds\n",
					optarg);
				return EXIT_USAGE;
			}
			timeout_s = (int)v;
			break;
		}
		case 'h':
			usage(stdout);
			return EXIT_OK;
		case 'V':
			printf("sigedgectl %s\n", SIGEDGE_VERSION);
			return EXIT_OK;
		default:
			fprintf(stderr, "Try 'sigedgectl --help' for more information.\n");
			return EXIT_USAGE;
		}
	}
	if (optind >= argc) {
		fprintf(stderr, "sigedgectl: no command given\n"
			"Try 'sigedgectl --help' for more information.\n");
		return EXIT_USAGE;
	}
	if (!path) {
		if (ctl_control_default_path(defpath, sizeof(defpath)) != 0) {
			fprintf(stderr, "sigedgectl: default control socket path too long; use -s PATH\n");
			return EXIT_USAGE;
		}
		path = defpath;
	}

	char req[CTL_REQUEST_MAX + 1];
	if (build_request(argc - optind, argv + optind, req, sizeof(req)) != 0)
		return EXIT_USAGE;
	char *reply = exchange(path, req, timeout_s);
	if (!reply)
		return EXIT_NO_DAEMON;

	char *nl = strchr(reply, '\n');
	if (!nl) {
		fprintf(stderr, "sigedgectl: %s: incomplete reply from sigedge\n", path);
		free(reply);
		return EXIT_NO_DAEMON;
	}
	*nl = '\0';
	int rc;
	if (strcmp(reply, "ok") == 0) {
		rc = EXIT_OK;
	} else if (strncmp(reply, "error: ", 7) == 0) {
		rc = EXIT_REPLY_ERROR;
	} else {
		fprintf(stderr, "sigedgectl: %s: unexpected reply '%s'\n", path, reply);
		free(reply);
		return EXIT_NO_DAEMON;
	}
	fputs(nl + 1, stdout);
	fflush(stdout);
	if (rc == EXIT_REPLY_ERROR)
		fprintf(stderr, "sigedgectl: %s\n", reply + 7);
	free(reply);
	return rc;
}
