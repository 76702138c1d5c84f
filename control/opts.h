/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sigedge's settings: the command line and the libconfig configuration file,
 * merged into one struct ctl_config. Every setting has a command-line flag
 * and a configuration file entry; a flag given on the command line wins.
 * For the lists: --listen and --keysync-listen replace the file's addresses;
 * --zone adds a zone, or replaces the file of the zone with the same name;
 * --peer adds a peer to a zone, or replaces the zone's peer of the same name.
 * --dnskey-ttl, --multi-signer and --peer must name a configured zone.
 *
 * Threading: control thread only; the functions keep no state between calls.
 */
#ifndef SIGEDGE_CTL_OPTS_H
#define SIGEDGE_CTL_OPTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "control/log.h"
#include "dataplane/io/socket.h"

#define CTL_PORT_DEFAULT 53
#define CTL_UDP_MAX_DEFAULT 1232
#define CTL_UDP_MAX_MIN 512
#define CTL_UDP_MAX_MAX 4096
#define CTL_TCP_IDLE_DEFAULT 10000
#define CTL_TCP_IDLE_MAX 3600000
#define CTL_WORKERS_MAX 1024
#define CTL_SIGCACHE_MIN 1024
#define CTL_SIGCACHE_MAX (1u << 24)
#define CTL_SIGN_RATE_MAX 1000000

/* Multi-signer defaults and limits (seconds unless said otherwise). */
#define CTL_MS_PEERS_MAX 60              /* peers per zone (keysync/recset.h origin bits) */
#define CTL_MS_POLL_DEFAULT 60
#define CTL_MS_RETRY_MIN_DEFAULT 1
#define CTL_MS_RETRY_MAX_DEFAULT 300
#define CTL_MS_DELAY_DEFAULT 0
#define CTL_MS_TIMEOUT_MS_DEFAULT 2000
#define CTL_DNSKEY_TTL_DEFAULT 3600

/*
 * One peer signer of a zone: another provider's DNS server that receives
 * our UPDATEs and queries, and sends us its own UPDATEs and NOTIFYs.
 * Requests to it are signed with tsig or, when tsig is NULL, with the SIG(0)
 * key pair sig0_key; its requests to us must carry tsig (the same key) or a
 * SIG(0) made by the public key in sig0_peer.
 */
struct ctl_peer_conf {
	char *name;        /* identity in logs, the store and sigedgectl: letters, digits,
			      '-', '_', '.'; unique within the zone */
	struct dp_listen addr; /* its DNS server (port CTL_PORT_DEFAULT when not given) */
	char *tsig;        /* "[alg:]name:base64secret" (keysync/tsig.h), or NULL */
	char *sig0_key;    /* our SIG(0) key pair (BIND key file path) for requests to it */
	char *sig0_peer;   /* its SIG(0) public key (a .key file holding a KEY or DNSKEY RR) */
	bool push;         /* send it our keys by UPDATE (default true) */
	bool poll;         /* import its keys from its DNSKEY/CDS/CDNSKEY RRsets (default true) */
};

/* A zone's multi-signer settings. model 0: a single signer (no peers). */
struct ctl_msigner_conf {
	unsigned model;            /* 0, 1 or 2 (RFC 8901) */
	struct ctl_peer_conf *peers;
	size_t npeers;             /* at most CTL_MS_PEERS_MAX */
	unsigned poll_interval;    /* between checks of each peer; CTL_MS_POLL_DEFAULT */
	unsigned retry_min;        /* first retry after a failed check or UPDATE, doubling */
	unsigned retry_max;        /* up to this */
	unsigned delay;            /* propagation delay added to the DNSKEY TTL before a new
				      key is used and to the largest TTL before an old one goes */
	unsigned timeout_ms;       /* per request to a peer */
};

/* One configured zone. */
struct ctl_zone_conf {
	char *name;   /* apex as written by the operator */
	char *file;   /* zone file; a relative path in the config file is already
	                 prefixed with the config file's directory */
	bool nsec;    /* denial of existence by minimally covering NSEC (RFC 4470)
	                 instead of compact answers (RFC 9824) */
	int64_t sign_rate; /* signing budget (dp_zone_slot.sign_rate), 0: no limit;
	                      ctl_opts_parse replaces -1 (not set) by the server's */
	unsigned dnskey_ttl; /* TTL of DNSKEY, CDS and CDNSKEY; CTL_DNSKEY_TTL_DEFAULT */
	struct ctl_msigner_conf ms;
};

/* What the command line asks for. */
enum ctl_action {
	CTL_ACTION_RUN,      /* serve */
	CTL_ACTION_CHECK,    /* --check: load configuration and zones, then exit */
	CTL_ACTION_HELP,     /* --help */
	CTL_ACTION_VERSION,  /* --version */
};

/* Which backend serves the queries. */
enum ctl_backend {
	CTL_BACKEND_SOCKET,  /* kernel UDP and TCP sockets (the default) */
	CTL_BACKEND_DPDK,    /* DPDK ports (--dpdk): UDP, ARP, ICMP echo, NS */
};

#define CTL_DPDK_VLAN_MAX 4094
#define CTL_DPDK_TAP_DEFAULT "sigedge"   /* kernel interfaces sigedge0, sigedge1, ... */
#define CTL_DPDK_PREFIX4_DEFAULT 24
#define CTL_DPDK_PREFIX6_DEFAULT 64

/* Everything the daemon needs to start. All memory is owned by the struct. */
struct ctl_config {
	enum ctl_action action;
	char *config_file;               /* NULL when none was given */
	struct dp_listen *listen;
	size_t nlisten;
	struct ctl_zone_conf *zones;
	size_t nzones;
	unsigned workers;                /* default: online CPUs; with DPDK 0, which
					    means one per EAL lcore but the main one */
	enum ctl_backend backend;
	/* DPDK backend: EAL arguments (no program name), ports (ids or device
	 * names, at least one), the VLAN served (0: untagged). The served
	 * addresses are the listen addresses, which share one port. */
	char **dpdk_eal;
	size_t ndpdk_eal;
	char **dpdk_ports;
	size_t ndpdk_ports;
	unsigned dpdk_vlan;
	/* The kernel path: TAP interface i (port index i) is named dpdk_tap
	 * followed by i, and holds the listen addresses with these prefix
	 * lengths; dpdk_tap NULL: no kernel path ("none" on the command line). */
	char *dpdk_tap;
	unsigned dpdk_prefix4, dpdk_prefix6;
	unsigned udp_max_payload;        /* CTL_UDP_MAX_MIN..CTL_UDP_MAX_MAX */
	unsigned tcp_idle_ms;            /* 1..CTL_TCP_IDLE_MAX */
	unsigned sigcache_entries;       /* per worker, a power of two in
					    CTL_SIGCACHE_MIN..CTL_SIGCACHE_MAX */
	unsigned sign_rate;              /* zones' default signing budget, 0..CTL_SIGN_RATE_MAX */
	char *control_path;              /* default: ctl_control_default_path() */
	char *keydir;                    /* DNSSEC key files; NULL: every zone unsigned */
	char *statedir;                  /* multi-signer stores; default: keydir */
	struct dp_listen *keysync_listen; /* where the control thread takes UPDATE and
					     NOTIFY from peers (UDP and TCP); none by default */
	size_t nkeysync_listen;
	bool pin;
	enum ctl_log_level log_level;
};

/*
 * True when this build has the DPDK backend (meson -Ddpdk found libdpdk).
 */
bool ctl_dpdk_available(void);

/*
 * Parse argv (getopt_long; restartable, so tests may call it repeatedly),
 * read the configuration file when one is named, merge, and fill defaults.
 * With --help or --version only cfg->action is meaningful. Arguments after
 * a "--" are EAL arguments for the DPDK backend (added after --dpdk-eal's).
 * Returns 0; -EINVAL for a command-line error; DNS_ESYNTAX for an invalid
 * configuration file (err then starts with "FILE:LINE: "), another negative
 * errno when the file cannot be read. err always says what is wrong and
 * cfg is left empty (safe to pass to ctl_config_free) on error.
 */
int ctl_opts_parse(int argc, char **argv, struct ctl_config *cfg, char *err, size_t errlen);

/* Free what cfg owns and zero it. */
void ctl_config_free(struct ctl_config *cfg);

/*
 * Parse a listen address: "192.0.2.1", "192.0.2.1:5300", "[2001:db8::1]",
 * "[2001:db8::1]:5300", "[fe80::1%eth0]:53" or a bare IPv6 address without
 * a port ("::1"). No host names. A missing port is CTL_PORT_DEFAULT.
 * Returns 0, or -EINVAL with the reason in err.
 */
int ctl_addr_parse(const char *s, struct dp_listen *out, char *err, size_t errlen);

/*
 * Format an address the way ctl_addr_parse reads it, always with the port
 * ("192.0.2.1:53", "[::1]:53"). Returns the length, or -ENOSPC.
 */
int ctl_addr_format(const struct dp_listen *l, char *out, size_t cap);

/* The --help text (a manual page) for sigedge, with the defaults of this host. */
void ctl_opts_usage(FILE *out);

#endif
