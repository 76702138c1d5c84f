/* SPDX-License-Identifier: BSD-3-Clause */
#include "control/opts.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <libconfig.h>
#include <net/if.h>
#include <netinet/in.h>
#include <openssl/crypto.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "control/ctlproto.h"
#include "control/kstore.h"
#include "dataplane/core/worker.h"
#include "dataplane/io/pkt.h"
#include "dns/err.h"
#include "dns/name.h"
#include "keysync/tsig.h"

/* Scalars the command line set; they override the configuration file. */
enum {
	SET_WORKERS = 1 << 0,
	SET_UDP_MAX = 1 << 1,
	SET_TCP_IDLE = 1 << 2,
	SET_CONTROL = 1 << 3,
	SET_PIN = 1 << 4,
	SET_LOG_LEVEL = 1 << 5,
	SET_KEYDIR = 1 << 6,
	SET_SIGCACHE = 1 << 7,
	SET_SIGN_RATE = 1 << 8,
	SET_BACKEND = 1 << 9,
	SET_DPDK_VLAN = 1 << 10,
	SET_DPDK_TAP = 1 << 11,
	SET_DPDK_PREFIX4 = 1 << 12,
	SET_DPDK_PREFIX6 = 1 << 13,
	SET_STATEDIR = 1 << 14,
};

/* Limits of the per-zone multi-signer settings (seconds unless said otherwise). */
#define DNSKEY_TTL_MAX 604800
#define MS_INTERVAL_MAX 86400    /* poll-interval, retry-min, retry-max */
#define MS_DELAY_MAX 864000
#define MS_TIMEOUT_MS_MIN 10
#define MS_TIMEOUT_MS_MAX 60000
#define PEER_NAME_MAX 63

bool
ctl_dpdk_available(void)
{
#ifdef SIGEDGE_DPDK
	return true;
#else
	return false;
#endif
}

static void __attribute__((format(printf, 3, 4)))
seterr(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

static unsigned
online_cpus(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);
	if (n < 1)
		return 1;
	return n > CTL_WORKERS_MAX ? CTL_WORKERS_MAX : (unsigned)n;
}

/* A decimal number in [min, max]; nothing else in the string. */
static int
parse_uint(const char *s, unsigned long min, unsigned long max, unsigned *out)
{
	if (s[0] < '0' || s[0] > '9')
		return -EINVAL;
	char *end;
	errno = 0;
	unsigned long v = strtoul(s, &end, 10);
	if (errno || *end || v < min || v > max)
		return -EINVAL;
	*out = (unsigned)v;
	return 0;
}

/* A power of two in [CTL_SIGCACHE_MIN, CTL_SIGCACHE_MAX]. */
static bool
sigcache_entries_ok(unsigned long long v)
{
	return v >= CTL_SIGCACHE_MIN && v <= CTL_SIGCACHE_MAX && (v & (v - 1)) == 0;
}

/* ---- listen addresses ---- */

static int
parse_v6(const char *host, struct sockaddr_in6 *sin6, char *err, size_t errlen)
{
	char buf[INET6_ADDRSTRLEN + IF_NAMESIZE + 1];
	if (strlen(host) >= sizeof(buf)) {
		seterr(err, errlen, "not an IPv6 address");
		return -EINVAL;
	}
	strcpy(buf, host);
	char *scope = strchr(buf, '%');
	if (scope)
		*scope++ = '\0';
	if (inet_pton(AF_INET6, buf, &sin6->sin6_addr) != 1) {
		seterr(err, errlen, "not an IPv6 address");
		return -EINVAL;
	}
	if (scope) {
		unsigned idx;
		if (parse_uint(scope, 1, UINT32_MAX, &idx) != 0)
			idx = if_nametoindex(scope);
		if (idx == 0) {
			seterr(err, errlen, "unknown interface '%s'", scope);
			return -EINVAL;
		}
		sin6->sin6_scope_id = idx;
	}
	sin6->sin6_family = AF_INET6;
	return 0;
}

int
ctl_addr_parse(const char *s, struct dp_listen *out, char *err, size_t errlen)
{
	char host[INET6_ADDRSTRLEN + IF_NAMESIZE + 1];
	const char *port = NULL, *hend;
	bool v6;

	memset(out, 0, sizeof(*out));
	if (s[0] == '[') {
		const char *close = strchr(s, ']');
		if (!close) {
			seterr(err, errlen, "missing ']'");
			return -EINVAL;
		}
		if (close[1] == ':')
			port = close + 2;
		else if (close[1] != '\0') {
			seterr(err, errlen, "expected ':PORT' after ']'");
			return -EINVAL;
		}
		s++;
		hend = close;
		v6 = true;
	} else {
		const char *colon = strchr(s, ':');
		v6 = colon && strchr(colon + 1, ':');
		if (colon && !v6) {
			port = colon + 1;
			hend = colon;
		} else {
			hend = s + strlen(s);
		}
	}
	size_t hlen = (size_t)(hend - s);
	if (hlen == 0) {
		seterr(err, errlen, "missing address");
		return -EINVAL;
	}
	if (hlen >= sizeof(host)) {
		seterr(err, errlen, "not an IP address");
		return -EINVAL;
	}
	memcpy(host, s, hlen);
	host[hlen] = '\0';

	unsigned portnum = CTL_PORT_DEFAULT;
	if (port && parse_uint(port, 1, 65535, &portnum) != 0) {
		seterr(err, errlen, "invalid port '%s' (1..65535)", port);
		return -EINVAL;
	}
	if (v6) {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&out->addr;
		if (parse_v6(host, sin6, err, errlen) != 0)
			return -EINVAL;
		sin6->sin6_port = htons((uint16_t)portnum);
		out->addrlen = sizeof(*sin6);
	} else {
		struct sockaddr_in *sin = (struct sockaddr_in *)&out->addr;
		if (inet_pton(AF_INET, host, &sin->sin_addr) != 1) {
			seterr(err, errlen, "not an IPv4 address (host names are not accepted)");
			return -EINVAL;
		}
		sin->sin_family = AF_INET;
		sin->sin_port = htons((uint16_t)portnum);
		out->addrlen = sizeof(*sin);
	}
	return 0;
}

int
ctl_addr_format(const struct dp_listen *l, char *out, size_t cap)
{
	char host[INET6_ADDRSTRLEN];
	int n;
	if (l->addr.ss_family == AF_INET6) {
		const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)&l->addr;
		char scope[IF_NAMESIZE + 12] = "";
		inet_ntop(AF_INET6, &sin6->sin6_addr, host, sizeof(host));
		if (sin6->sin6_scope_id) {
			char ifname[IF_NAMESIZE];
			if (if_indextoname(sin6->sin6_scope_id, ifname))
				snprintf(scope, sizeof(scope), "%%%s", ifname);
			else
				snprintf(scope, sizeof(scope), "%%%u", (unsigned)sin6->sin6_scope_id);
		}
		n = snprintf(out, cap, "[%s%s]:%u", host, scope, ntohs(sin6->sin6_port));
	} else {
		const struct sockaddr_in *sin = (const struct sockaddr_in *)&l->addr;
		inet_ntop(AF_INET, &sin->sin_addr, host, sizeof(host));
		n = snprintf(out, cap, "%s:%u", host, ntohs(sin->sin_port));
	}
	return n < 0 || (size_t)n >= cap ? -ENOSPC : n;
}

/* ---- lists in struct ctl_config ---- */

static int
addr_add(struct dp_listen **v, size_t *n, const struct dp_listen *l)
{
	struct dp_listen *nv = realloc(*v, (*n + 1) * sizeof(*nv));
	if (!nv)
		return -ENOMEM;
	nv[(*n)++] = *l;
	*v = nv;
	return 0;
}

/* Move the address list *from (when it has entries) over *to. */
static void
addr_move(struct dp_listen **to, size_t *nto, struct dp_listen **from, size_t *nfrom)
{
	if (!*nfrom)
		return;
	free(*to);
	*to = *from;
	*nto = *nfrom;
	*from = NULL;
	*nfrom = 0;
}

/* ---- multi-signer settings ---- */

/* The numeric multi-signer settings, by their name in the file and in --multi-signer. */
static const struct ms_setting {
	const char *key;
	unsigned min, max;
	size_t off;
} ms_settings[] = {
	{ "poll-interval", 1, MS_INTERVAL_MAX, offsetof(struct ctl_msigner_conf, poll_interval) },
	{ "retry-min", 1, MS_INTERVAL_MAX, offsetof(struct ctl_msigner_conf, retry_min) },
	{ "retry-max", 1, MS_INTERVAL_MAX, offsetof(struct ctl_msigner_conf, retry_max) },
	{ "delay", 0, MS_DELAY_MAX, offsetof(struct ctl_msigner_conf, delay) },
	{ "timeout-ms", MS_TIMEOUT_MS_MIN, MS_TIMEOUT_MS_MAX,
	  offsetof(struct ctl_msigner_conf, timeout_ms) },
};
#define MS_NSETTINGS (sizeof(ms_settings) / sizeof(ms_settings[0]))

/* Index in ms_settings of key, or -1. */
static int
ms_setting_find(const char *key)
{
	for (size_t i = 0; i < MS_NSETTINGS; i++)
		if (strcmp(ms_settings[i].key, key) == 0)
			return (int)i;
	return -1;
}

static unsigned *
ms_field(struct ctl_msigner_conf *ms, int i)
{
	return (unsigned *)((char *)ms + ms_settings[i].off);
}

/* A single signer with the default timings. */
static void
ms_init(struct ctl_msigner_conf *ms)
{
	*ms = (struct ctl_msigner_conf){
		.poll_interval = CTL_MS_POLL_DEFAULT,
		.retry_min = CTL_MS_RETRY_MIN_DEFAULT,
		.retry_max = CTL_MS_RETRY_MAX_DEFAULT,
		.delay = CTL_MS_DELAY_DEFAULT,
		.timeout_ms = CTL_MS_TIMEOUT_MS_DEFAULT,
	};
}

static void
peer_free(struct ctl_peer_conf *p)
{
	free(p->name);
	free(p->tsig);
	free(p->sig0_key);
	free(p->sig0_peer);
	memset(p, 0, sizeof(*p));
}

static void
ms_free(struct ctl_msigner_conf *ms)
{
	for (size_t i = 0; i < ms->npeers; i++)
		peer_free(&ms->peers[i]);
	free(ms->peers);
	ms->peers = NULL;
	ms->npeers = 0;
}

#define PEER_NAME_WHY "expected 1 to 63 letters, digits, '-', '_' or '.', and not 'self' " \
	"or 'zone-owner'"
/* The names the multi-signer store gives our own records and the zone owner's (control/kstore.h). */
static bool
peer_name_ok(const char *name)
{
	size_t n = strlen(name);
	if (n == 0 || n > PEER_NAME_MAX || strcasecmp(name, CTL_KSTORE_SELF_NAME) == 0 ||
	    strcasecmp(name, CTL_KSTORE_OWNER_NAME) == 0)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)name[i]) && !strchr("-_.", name[i]))
			return false;
	return true;
}

/* Index of the peer with this name (case-insensitive), or -1. */
static long
peer_find(const struct ctl_msigner_conf *ms, const char *name)
{
	for (size_t i = 0; i < ms->npeers; i++)
		if (strcasecmp(ms->peers[i].name, name) == 0)
			return (long)i;
	return -1;
}

/* Append *p to ms->peers, taking what it owns (p is zeroed). */
static int
peer_add(struct ctl_msigner_conf *ms, struct ctl_peer_conf *p)
{
	struct ctl_peer_conf *v = realloc(ms->peers, (ms->npeers + 1) * sizeof(*v));
	if (!v)
		return -ENOMEM;
	ms->peers = v;
	v[ms->npeers++] = *p;
	memset(p, 0, sizeof(*p));
	return 0;
}

/* Why the peer's authentication settings do not go together, or NULL. */
static const char *
peer_auth_why(const struct ctl_peer_conf *p)
{
	if (p->tsig && p->sig0_key)
		return "has both a TSIG key (tsig) and a SIG(0) key pair (sig0-key); give one";
	if (p->sig0_peer && !p->sig0_key)
		return "has sig0-peer without sig0-key";
	if (!p->tsig && !p->sig0_key)
		return "has neither a TSIG key (tsig) nor a SIG(0) key pair (sig0-key)";
	return NULL;
}

/* Check a TSIG key specification the way keysync/tsig.h reads it. */
static int
tsig_check(const char *spec, char *why, size_t whylen)
{
	struct ksync_tsig_key key;
	int rc = ksync_tsig_key_parse(spec, &key, why, whylen);
	OPENSSL_cleanse(&key, sizeof(key));
	return rc;
}

/* Index of the zone with this apex (case-insensitive, final dot optional), or -1. */
static long
zone_find(const struct ctl_config *cfg, const uint8_t *wire)
{
	uint8_t w[DNS_NAME_MAXLEN];
	for (size_t i = 0; i < cfg->nzones; i++) {
		if (dns_name_from_str(cfg->zones[i].name, w, sizeof(w)) > 0 && dns_name_equal(w, wire))
			return (long)i;
	}
	return -1;
}

static int
zone_add(struct ctl_config *cfg, const char *name, const char *file)
{
	struct ctl_zone_conf *v = realloc(cfg->zones, (cfg->nzones + 1) * sizeof(*v));
	if (!v)
		return -ENOMEM;
	cfg->zones = v;
	char *n = strdup(name), *f = strdup(file);
	if (!n || !f) {
		free(n);
		free(f);
		return -ENOMEM;
	}
	v[cfg->nzones] = (struct ctl_zone_conf){ .name = n, .file = f, .sign_rate = -1,
						 .dnskey_ttl = CTL_DNSKEY_TTL_DEFAULT };
	ms_init(&v[cfg->nzones++].ms);
	return 0;
}

static int
strv_add(char ***v, size_t *n, const char *str)
{
	char **nv = realloc(*v, (*n + 1) * sizeof(*nv));
	if (!nv)
		return -ENOMEM;
	*v = nv;
	if (!(nv[*n] = strdup(str)))
		return -ENOMEM;
	(*n)++;
	return 0;
}

static void
strv_clear(char ***v, size_t *n)
{
	for (size_t i = 0; i < *n; i++)
		free((*v)[i]);
	free(*v);
	*v = NULL;
	*n = 0;
}

/* Move the list *from (when it has entries) over *to. */
static void
strv_move(char ***to, size_t *nto, char ***from, size_t *nfrom)
{
	if (!*nfrom)
		return;
	strv_clear(to, nto);
	*to = *from;
	*nto = *nfrom;
	*from = NULL;
	*nfrom = 0;
}

static int
replace_str(char **dst, const char *src)
{
	char *s = strdup(src);
	if (!s)
		return -ENOMEM;
	free(*dst);
	*dst = s;
	return 0;
}

/* The kernel path's TAP name prefix: "none", or room left for a port index. */
#define TAP_PREFIX_MAX 12
#define TAP_WHY "expected none, or an interface name prefix of 1 to 12 letters, digits, '-' or '_'"
static int
tap_set(char **dst, const char *v)
{
	if (strcmp(v, "none") == 0) {
		free(*dst);
		*dst = NULL;
		return 0;
	}
	size_t n = strlen(v);
	if (n == 0 || n > TAP_PREFIX_MAX)
		return -EINVAL;
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)v[i]) && v[i] != '-' && v[i] != '_')
			return -EINVAL;
	return replace_str(dst, v);
}

void
ctl_config_free(struct ctl_config *cfg)
{
	for (size_t i = 0; i < cfg->nzones; i++) {
		free(cfg->zones[i].name);
		free(cfg->zones[i].file);
		ms_free(&cfg->zones[i].ms);
	}
	free(cfg->zones);
	free(cfg->listen);
	free(cfg->keysync_listen);
	free(cfg->statedir);
	free(cfg->control_path);
	free(cfg->keydir);
	free(cfg->dpdk_tap);
	free(cfg->config_file);
	strv_clear(&cfg->dpdk_eal, &cfg->ndpdk_eal);
	strv_clear(&cfg->dpdk_ports, &cfg->ndpdk_ports);
	memset(cfg, 0, sizeof(*cfg));
}

/* ---- configuration file ---- */

struct conf_ctx {
	struct ctl_config *cfg;
	const char *path;      /* the configuration file */
	const char *dir;       /* its directory with the final '/', or "" */
	char *err;
	size_t errlen;
};

static int __attribute__((format(printf, 3, 4)))
conf_err(struct conf_ctx *c, const config_setting_t *s, const char *fmt, ...)
{
	const char *file = config_setting_source_file(s);
	int n = snprintf(c->err, c->errlen, "%s:%u: ", file ? file : c->path,
			 config_setting_source_line(s));
	if (n >= 0 && (size_t)n < c->errlen) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(c->err + n, c->errlen - (size_t)n, fmt, ap);
		va_end(ap);
	}
	return DNS_ESYNTAX;
}

static int
conf_string(struct conf_ctx *c, const config_setting_t *s, const char **out)
{
	if (config_setting_type(s) != CONFIG_TYPE_STRING)
		return conf_err(c, s, "'%s' must be a string", config_setting_name(s));
	*out = config_setting_get_string(s);
	return 0;
}

static int
conf_uint(struct conf_ctx *c, const config_setting_t *s, unsigned min, unsigned max, unsigned *out)
{
	int t = config_setting_type(s);
	long long v = t == CONFIG_TYPE_INT ? config_setting_get_int(s)
		      : t == CONFIG_TYPE_INT64 ? config_setting_get_int64(s) : -1;
	if ((t != CONFIG_TYPE_INT && t != CONFIG_TYPE_INT64) || v < min || v > max)
		return conf_err(c, s, "'%s' must be an integer from %u to %u", config_setting_name(s),
				min, max);
	*out = (unsigned)v;
	return 0;
}

static int
conf_bool(struct conf_ctx *c, const config_setting_t *s, bool *out)
{
	if (config_setting_type(s) != CONFIG_TYPE_BOOL)
		return conf_err(c, s, "'%s' must be true or false", config_setting_name(s));
	*out = config_setting_get_bool(s);
	return 0;
}

/* Replace *out with path, prefixed with the configuration file's directory if relative. */
static int
conf_path(struct conf_ctx *c, const char *path, char **out)
{
	size_t need = strlen(c->dir) + strlen(path) + 1;
	char *p = malloc(need);
	if (!p)
		return -ENOMEM;
	snprintf(p, need, "%s%s", path[0] == '/' ? "" : c->dir, path);
	free(*out);
	*out = p;
	return 0;
}

/* A non-empty path, relative to the configuration file's directory. */
static int
conf_path_setting(struct conf_ctx *c, const config_setting_t *s, char **out)
{
	const char *str = NULL;
	int rc = conf_string(c, s, &str);
	if (rc == 0 && str[0] == '\0')
		rc = conf_err(c, s, "'%s' must not be empty", config_setting_name(s));
	if (rc == 0)
		rc = conf_path(c, str, out);
	return rc;
}

/*
 * One address of a list setting (listen or keysync-listen). Errors name the
 * line of the setting itself: libconfig numbers an array element with the
 * line of the token after it, which can be wrong.
 */
static int
conf_addr_one(struct conf_ctx *c, const config_setting_t *list, const config_setting_t *s,
	      struct dp_listen **v, size_t *n)
{
	const char *name = config_setting_name(list);
	if (config_setting_type(s) != CONFIG_TYPE_STRING)
		return conf_err(c, list, "'%s' entries must be strings like \"192.0.2.1:53\"", name);
	const char *text = config_setting_get_string(s);
	struct dp_listen l;
	char why[128];
	if (ctl_addr_parse(text, &l, why, sizeof(why)) != 0)
		return conf_err(c, list, "invalid %s address '%s': %s", name, text, why);
	return addr_add(v, n, &l);
}

/* A string or a list of addresses, appended to *v. */
static int
conf_addrs(struct conf_ctx *c, const config_setting_t *s, struct dp_listen **v, size_t *n)
{
	int t = config_setting_type(s);
	if (t == CONFIG_TYPE_STRING)
		return conf_addr_one(c, s, s, v, n);
	if (t != CONFIG_TYPE_ARRAY && t != CONFIG_TYPE_LIST)
		return conf_err(c, s, "'%s' must be a string or a list of strings",
				config_setting_name(s));
	for (int i = 0; i < config_setting_length(s); i++) {
		int rc = conf_addr_one(c, s, config_setting_get_elem(s, (unsigned)i), v, n);
		if (rc)
			return rc;
	}
	return 0;
}

/* A string or a list of non-empty strings, replacing *v. */
static int
conf_strv(struct conf_ctx *c, const config_setting_t *s, char ***v, size_t *n)
{
	int t = config_setting_type(s);
	if (t != CONFIG_TYPE_STRING && t != CONFIG_TYPE_ARRAY && t != CONFIG_TYPE_LIST)
		return conf_err(c, s, "'%s' must be a string or a list of strings",
				config_setting_name(s));
	strv_clear(v, n);
	int len = t == CONFIG_TYPE_STRING ? 1 : config_setting_length(s);
	for (int i = 0; i < len; i++) {
		const config_setting_t *e =
			t == CONFIG_TYPE_STRING ? s : config_setting_get_elem(s, (unsigned)i);
		if (config_setting_type(e) != CONFIG_TYPE_STRING ||
		    config_setting_get_string(e)[0] == '\0')
			return conf_err(c, s, "'%s' entries must be non-empty strings",
					config_setting_name(s));
		int rc = strv_add(v, n, config_setting_get_string(e));
		if (rc)
			return rc;
	}
	return 0;
}

static int
conf_server(struct conf_ctx *c, const config_setting_t *group)
{
	struct ctl_config *cfg = c->cfg;
	if (config_setting_type(group) != CONFIG_TYPE_GROUP)
		return conf_err(c, group, "'server' must be a group: server: { ... };");
	for (int i = 0; i < config_setting_length(group); i++) {
		const config_setting_t *s = config_setting_get_elem(group, (unsigned)i);
		const char *name = config_setting_name(s), *str = NULL;
		int rc;
		if (strcmp(name, "listen") == 0) {
			rc = conf_addrs(c, s, &cfg->listen, &cfg->nlisten);
		} else if (strcmp(name, "keysync-listen") == 0) {
			rc = conf_addrs(c, s, &cfg->keysync_listen, &cfg->nkeysync_listen);
		} else if (strcmp(name, "workers") == 0) {
			rc = conf_uint(c, s, 1, CTL_WORKERS_MAX, &cfg->workers);
		} else if (strcmp(name, "udp-max-payload") == 0) {
			rc = conf_uint(c, s, CTL_UDP_MAX_MIN, CTL_UDP_MAX_MAX, &cfg->udp_max_payload);
		} else if (strcmp(name, "tcp-idle-timeout") == 0) {
			rc = conf_uint(c, s, 1, CTL_TCP_IDLE_MAX, &cfg->tcp_idle_ms);
		} else if (strcmp(name, "sign-rate") == 0) {
			rc = conf_uint(c, s, 0, CTL_SIGN_RATE_MAX, &cfg->sign_rate);
		} else if (strcmp(name, "sigcache-entries") == 0) {
			rc = conf_uint(c, s, CTL_SIGCACHE_MIN, CTL_SIGCACHE_MAX, &cfg->sigcache_entries);
			if (rc == 0 && !sigcache_entries_ok(cfg->sigcache_entries))
				rc = conf_err(c, s, "'sigcache-entries' must be a power of two");
		} else if (strcmp(name, "control") == 0) {
			rc = conf_string(c, s, &str);
			if (rc == 0 && str[0] == '\0')
				rc = conf_err(c, s, "'control' must not be empty");
			if (rc == 0)
				rc = replace_str(&cfg->control_path, str);
		} else if (strcmp(name, "keydir") == 0) {
			rc = conf_path_setting(c, s, &cfg->keydir);
		} else if (strcmp(name, "statedir") == 0) {
			rc = conf_path_setting(c, s, &cfg->statedir);
		} else if (strcmp(name, "pin") == 0) {
			rc = conf_bool(c, s, &cfg->pin);
		} else if (strcmp(name, "backend") == 0) {
			rc = conf_string(c, s, &str);
			if (rc == 0 && strcmp(str, "socket") == 0)
				cfg->backend = CTL_BACKEND_SOCKET;
			else if (rc == 0 && strcmp(str, "dpdk") == 0)
				cfg->backend = CTL_BACKEND_DPDK;
			else if (rc == 0)
				rc = conf_err(c, s, "'backend' must be \"socket\" or \"dpdk\"");
		} else if (strcmp(name, "dpdk-eal") == 0) {
			rc = conf_strv(c, s, &cfg->dpdk_eal, &cfg->ndpdk_eal);
		} else if (strcmp(name, "dpdk-ports") == 0) {
			rc = conf_strv(c, s, &cfg->dpdk_ports, &cfg->ndpdk_ports);
		} else if (strcmp(name, "dpdk-vlan") == 0) {
			rc = conf_uint(c, s, 0, CTL_DPDK_VLAN_MAX, &cfg->dpdk_vlan);
		} else if (strcmp(name, "dpdk-tap") == 0) {
			rc = conf_string(c, s, &str);
			if (rc == 0 && (rc = tap_set(&cfg->dpdk_tap, str)) == -EINVAL)
				rc = conf_err(c, s, "'dpdk-tap': " TAP_WHY);
		} else if (strcmp(name, "dpdk-prefix") == 0) {
			rc = conf_uint(c, s, 1, 32, &cfg->dpdk_prefix4);
		} else if (strcmp(name, "dpdk-prefix6") == 0) {
			rc = conf_uint(c, s, 1, 128, &cfg->dpdk_prefix6);
		} else if (strcmp(name, "log-level") == 0) {
			rc = conf_string(c, s, &str);
			if (rc == 0 && ctl_log_level_parse(str, &cfg->log_level) != 0)
				rc = conf_err(c, s, "'log-level' must be error, warning, info or debug");
		} else {
			rc = conf_err(c, s, "unknown setting 'server.%s'", name);
		}
		if (rc)
			return rc;
	}
	return 0;
}

/* One entry of multi-signer.peers, appended to ms. */
static int
conf_peer(struct conf_ctx *c, const config_setting_t *group, struct ctl_msigner_conf *ms)
{
	if (config_setting_type(group) != CONFIG_TYPE_GROUP)
		return conf_err(c, group, "peer entries must be groups: { name = \"...\"; "
				"address = \"...\"; tsig = \"...\"; }");
	struct ctl_peer_conf p = { .push = true };
	bool have_addr = false;
	int rc = 0;
	for (int i = 0; rc == 0 && i < config_setting_length(group); i++) {
		const config_setting_t *s = config_setting_get_elem(group, (unsigned)i);
		const char *key = config_setting_name(s), *str = NULL;
		char why[128];
		if (strcmp(key, "name") == 0) {
			rc = conf_string(c, s, &str);
			if (rc == 0 && !peer_name_ok(str))
				rc = conf_err(c, s, "invalid peer name '%s': " PEER_NAME_WHY, str);
			if (rc == 0)
				rc = replace_str(&p.name, str);
		} else if (strcmp(key, "address") == 0) {
			rc = conf_string(c, s, &str);
			if (rc == 0 && ctl_addr_parse(str, &p.addr, why, sizeof(why)) != 0)
				rc = conf_err(c, s, "invalid peer address '%s': %s", str, why);
			have_addr = rc == 0;
		} else if (strcmp(key, "tsig") == 0) {
			rc = conf_string(c, s, &str);
			if (rc == 0 && tsig_check(str, why, sizeof(why)) != 0)
				rc = conf_err(c, s, "invalid 'tsig': %s", why);
			if (rc == 0)
				rc = replace_str(&p.tsig, str);
		} else if (strcmp(key, "sig0-key") == 0) {
			rc = conf_path_setting(c, s, &p.sig0_key);
		} else if (strcmp(key, "sig0-peer") == 0) {
			rc = conf_path_setting(c, s, &p.sig0_peer);
		} else if (strcmp(key, "push") == 0) {
			rc = conf_bool(c, s, &p.push);
		} else if (strcmp(key, "poll") == 0) {
			rc = conf_bool(c, s, &p.poll);
		} else {
			rc = conf_err(c, s, "unknown setting 'zones.multi-signer.peers.%s'", key);
		}
	}
	const char *why;
	if (rc == 0 && !p.name)
		rc = conf_err(c, group, "peer entry without 'name'");
	else if (rc == 0 && !have_addr)
		rc = conf_err(c, group, "peer '%s' has no 'address'", p.name);
	else if (rc == 0 && (why = peer_auth_why(&p)))
		rc = conf_err(c, group, "peer '%s' %s", p.name, why);
	else if (rc == 0 && peer_find(ms, p.name) >= 0)
		rc = conf_err(c, group, "peer '%s' is listed twice", p.name);
	else if (rc == 0 && ms->npeers == CTL_MS_PEERS_MAX)
		rc = conf_err(c, group, "more than %d peers", CTL_MS_PEERS_MAX);
	if (rc == 0)
		rc = peer_add(ms, &p);
	peer_free(&p);
	return rc;
}

/* A zone's multi-signer group, into ms (initialised by ms_init). */
static int
conf_msigner(struct conf_ctx *c, const config_setting_t *group, struct ctl_msigner_conf *ms)
{
	if (config_setting_type(group) != CONFIG_TYPE_GROUP)
		return conf_err(c, group, "'multi-signer' must be a group: "
				"multi-signer = { model = 2; peers = ( ... ); };");
	int rc = 0;
	for (int i = 0; rc == 0 && i < config_setting_length(group); i++) {
		const config_setting_t *s = config_setting_get_elem(group, (unsigned)i);
		const char *key = config_setting_name(s);
		int k = ms_setting_find(key);
		if (strcmp(key, "model") == 0) {
			if (conf_uint(c, s, 1, 2, &ms->model) != 0)
				rc = conf_err(c, s, "'model' must be 1 or 2");
		} else if (strcmp(key, "peers") == 0) {
			int t = config_setting_type(s);
			if (t != CONFIG_TYPE_LIST && !(t == CONFIG_TYPE_ARRAY && config_setting_length(s) == 0))
				rc = conf_err(c, s, "'peers' must be a list: peers = ( { name = ...; "
					      "address = ...; tsig = ...; } );");
			for (int j = 0; rc == 0 && j < config_setting_length(s); j++)
				rc = conf_peer(c, config_setting_get_elem(s, (unsigned)j), ms);
		} else if (k >= 0) {
			rc = conf_uint(c, s, ms_settings[k].min, ms_settings[k].max, ms_field(ms, k));
		} else {
			rc = conf_err(c, s, "unknown setting 'zones.multi-signer.%s'", key);
		}
	}
	if (rc == 0 && ms->model == 0)
		rc = conf_err(c, group, "'multi-signer' without 'model' (1 or 2)");
	if (rc == 0 && ms->retry_min > ms->retry_max)
		rc = conf_err(c, group, "'retry-min' (%u) is above 'retry-max' (%u)", ms->retry_min,
			      ms->retry_max);
	return rc;
}

static int
conf_zone(struct conf_ctx *c, const config_setting_t *group)
{
	if (config_setting_type(group) != CONFIG_TYPE_GROUP)
		return conf_err(c, group, "zone entries must be groups: { name = \"...\"; file = \"...\"; }");
	const char *name = NULL, *file = NULL, *denial = NULL;
	unsigned rate = 0, ttl = CTL_DNSKEY_TTL_DEFAULT;
	bool rate_set = false;
	struct ctl_msigner_conf ms;
	ms_init(&ms);
	for (int i = 0; i < config_setting_length(group); i++) {
		const config_setting_t *s = config_setting_get_elem(group, (unsigned)i);
		const char *key = config_setting_name(s);
		int rc;
		if (strcmp(key, "name") == 0)
			rc = conf_string(c, s, &name);
		else if (strcmp(key, "file") == 0)
			rc = conf_string(c, s, &file);
		else if (strcmp(key, "denial") == 0) {
			rc = conf_string(c, s, &denial);
			if (rc == 0 && strcmp(denial, "nsec") != 0 && strcmp(denial, "compact") != 0)
				rc = conf_err(c, s, "'denial' must be \"compact\" or \"nsec\"");
		} else if (strcmp(key, "sign-rate") == 0) {
			rc = conf_uint(c, s, 0, CTL_SIGN_RATE_MAX, &rate);
			rate_set = true;
		} else if (strcmp(key, "dnskey-ttl") == 0) {
			rc = conf_uint(c, s, 1, DNSKEY_TTL_MAX, &ttl);
		} else if (strcmp(key, "multi-signer") == 0) {
			rc = conf_msigner(c, s, &ms);
		} else
			rc = conf_err(c, s, "unknown setting 'zones.%s'", key);
		if (rc) {
			ms_free(&ms);
			return rc;
		}
	}

	uint8_t wire[DNS_NAME_MAXLEN];
	int rc = 0;
	if (!name || !file)
		rc = conf_err(c, group, "zone entry without '%s'", name ? "file" : "name");
	else if (dns_name_from_str(name, wire, sizeof(wire)) <= 0)
		rc = conf_err(c, group, "invalid zone name '%s'", name);
	else if (file[0] == '\0')
		rc = conf_err(c, group, "zone '%s' has an empty 'file'", name);
	else if (zone_find(c->cfg, wire) >= 0)
		rc = conf_err(c, group, "zone '%s' is listed twice", name);

	char *path = NULL;
	if (rc == 0)
		rc = conf_path(c, file, &path);
	if (rc == 0)
		rc = zone_add(c->cfg, name, path);
	if (rc == 0) {
		struct ctl_zone_conf *z = &c->cfg->zones[c->cfg->nzones - 1];
		z->nsec = denial && strcmp(denial, "nsec") == 0;
		if (rate_set)
			z->sign_rate = rate;
		z->dnskey_ttl = ttl;
		z->ms = ms;
	} else {
		ms_free(&ms);
	}
	free(path);
	return rc;
}

static int
conf_zones(struct conf_ctx *c, const config_setting_t *list)
{
	int t = config_setting_type(list);
	/* "zones = [];" is an empty array; zone groups can only be in a list. */
	if (t != CONFIG_TYPE_LIST && !(t == CONFIG_TYPE_ARRAY && config_setting_length(list) == 0))
		return conf_err(c, list, "'zones' must be a list: zones = ( { name = ...; file = ...; } );");
	for (int i = 0; i < config_setting_length(list); i++) {
		int rc = conf_zone(c, config_setting_get_elem(list, (unsigned)i));
		if (rc)
			return rc;
	}
	return 0;
}

static int
conf_read(struct ctl_config *cfg, const char *path, char *err, size_t errlen)
{
	/* Open it ourselves first: libconfig reports I/O errors without errno. */
	FILE *f = fopen(path, "r");
	if (!f) {
		int e = errno;
		seterr(err, errlen, "%s: %s", path, strerror(e));
		return -e;
	}
	fclose(f);

	const char *slash = strrchr(path, '/');
	size_t dlen = slash ? (size_t)(slash - path) + 1 : 0;
	char *dir = strndup(path, dlen);
	if (!dir)
		return -ENOMEM;

	config_t lc;
	config_init(&lc);
	if (dlen)
		config_set_include_dir(&lc, dir);
	int rc = 0;
	if (config_read_file(&lc, path) != CONFIG_TRUE) {
		const char *efile = config_error_file(&lc);
		seterr(err, errlen, "%s:%d: %s", efile ? efile : path, config_error_line(&lc),
		       config_error_text(&lc));
		rc = DNS_ESYNTAX;
	} else {
		struct conf_ctx c = { cfg, path, dir, err, errlen };
		const config_setting_t *root = config_root_setting(&lc);
		for (int i = 0; rc == 0 && i < config_setting_length(root); i++) {
			const config_setting_t *s = config_setting_get_elem(root, (unsigned)i);
			const char *name = config_setting_name(s);
			if (strcmp(name, "server") == 0)
				rc = conf_server(&c, s);
			else if (strcmp(name, "zones") == 0)
				rc = conf_zones(&c, s);
			else
				rc = conf_err(&c, s, "unknown setting '%s'", name);
		}
	}
	config_destroy(&lc);
	free(dir);
	return rc;
}

/* ---- command line ---- */

enum {
	OPT_UDP_MAX = 256,
	OPT_TCP_IDLE,
	OPT_CONTROL,
	OPT_PIN,
	OPT_CHECK,
	OPT_LOG_LEVEL,
	OPT_KEYDIR,
	OPT_SIGCACHE,
	OPT_SIGN_RATE,
	OPT_DPDK,
	OPT_DPDK_EAL,
	OPT_DPDK_PORT,
	OPT_DPDK_VLAN,
	OPT_DPDK_TAP,
	OPT_DPDK_PREFIX4,
	OPT_DPDK_PREFIX6,
	OPT_KEYSYNC_LISTEN,
	OPT_STATEDIR,
	OPT_DNSKEY_TTL,
	OPT_MULTI_SIGNER,
	OPT_PEER,
};

static const struct option long_opts[] = {
	{ "listen", required_argument, NULL, 'l' },
	{ "zone", required_argument, NULL, 'z' },
	{ "config", required_argument, NULL, 'c' },
	{ "workers", required_argument, NULL, 'w' },
	{ "udp-max-payload", required_argument, NULL, OPT_UDP_MAX },
	{ "tcp-idle-timeout", required_argument, NULL, OPT_TCP_IDLE },
	{ "sigcache-entries", required_argument, NULL, OPT_SIGCACHE },
	{ "sign-rate", required_argument, NULL, OPT_SIGN_RATE },
	{ "control", required_argument, NULL, OPT_CONTROL },
	{ "pin", no_argument, NULL, OPT_PIN },
	{ "keydir", required_argument, NULL, OPT_KEYDIR },
	{ "check", no_argument, NULL, OPT_CHECK },
	{ "dpdk", no_argument, NULL, OPT_DPDK },
	{ "dpdk-eal", required_argument, NULL, OPT_DPDK_EAL },
	{ "dpdk-port", required_argument, NULL, OPT_DPDK_PORT },
	{ "dpdk-vlan", required_argument, NULL, OPT_DPDK_VLAN },
	{ "dpdk-tap", required_argument, NULL, OPT_DPDK_TAP },
	{ "dpdk-prefix", required_argument, NULL, OPT_DPDK_PREFIX4 },
	{ "dpdk-prefix6", required_argument, NULL, OPT_DPDK_PREFIX6 },
	{ "keysync-listen", required_argument, NULL, OPT_KEYSYNC_LISTEN },
	{ "statedir", required_argument, NULL, OPT_STATEDIR },
	{ "dnskey-ttl", required_argument, NULL, OPT_DNSKEY_TTL },
	{ "multi-signer", required_argument, NULL, OPT_MULTI_SIGNER },
	{ "peer", required_argument, NULL, OPT_PEER },
	{ "foreground", no_argument, NULL, 'f' },
	{ "log-level", required_argument, NULL, OPT_LOG_LEVEL },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 },
};

/*
 * Per-zone settings from the command line (--dnskey-ttl, --multi-signer,
 * --peer), laid over the zone's once every zone is known.
 */
enum {
	ZSET_TTL = 1 << 0,
	ZSET_MODEL = 1 << 1,
	ZSET_MS = 1 << 2,   /* shifted left by the index in ms_settings */
};

struct zone_flags {
	char *zone;                   /* as given */
	uint8_t wire[DNS_NAME_MAXLEN];
	const char *opt;              /* the first flag that named the zone */
	unsigned set;                 /* ZSET_* */
	unsigned dnskey_ttl;
	struct ctl_msigner_conf ms;   /* the model and timings set; the peers of --peer */
};

struct zone_flags_list {
	struct zone_flags *v;
	size_t n;
};

static void
zone_flags_free(struct zone_flags_list *l)
{
	for (size_t i = 0; i < l->n; i++) {
		free(l->v[i].zone);
		ms_free(&l->v[i].ms);
	}
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

/* The flags of the zone with this apex, added when new; NULL when out of memory. */
static struct zone_flags *
zone_flags_get(struct zone_flags_list *l, const char *name, const uint8_t *wire, const char *opt)
{
	for (size_t i = 0; i < l->n; i++)
		if (dns_name_equal(l->v[i].wire, wire))
			return &l->v[i];
	struct zone_flags *v = realloc(l->v, (l->n + 1) * sizeof(*v));
	if (!v)
		return NULL;
	l->v = v;
	struct zone_flags *zf = &v[l->n];
	*zf = (struct zone_flags){ .zone = strdup(name), .opt = opt };
	if (!zf->zone)
		return NULL;
	memcpy(zf->wire, wire, sizeof(zf->wire));
	ms_init(&zf->ms);
	l->n++;
	return zf;
}

/*
 * Split an option's "ZONE=REST": the zone's name (a C string) into name and
 * its wire form into wire, *rest after the '='. Errors show the argument's
 * first shown characters (a --peer argument can hold a TSIG secret).
 */
static int
cli_zone_arg(const char *opt, const char *arg, int shown, const char *form, char *name,
	     size_t namecap, uint8_t *wire, const char **rest, char *err, size_t errlen)
{
	const char *eq = strchr(arg, '=');
	if (!eq || eq == arg || eq[1] == '\0') {
		seterr(err, errlen, "%s '%.*s': expected %s", opt, shown, arg, form);
		return -EINVAL;
	}
	size_t nlen = (size_t)(eq - arg);
	if (nlen < namecap)
		snprintf(name, namecap, "%.*s", (int)nlen, arg);
	if (nlen >= namecap || dns_name_from_str(name, wire, DNS_NAME_MAXLEN) <= 0) {
		seterr(err, errlen, "%s '%.*s': invalid zone name", opt, shown, arg);
		return -EINVAL;
	}
	*rest = eq + 1;
	return 0;
}

/* The next comma-separated item of *p (cut in place), or NULL after the last. */
static char *
next_item(char **p)
{
	char *item = *p;
	if (!item)
		return NULL;
	char *comma = strchr(item, ',');
	*p = comma ? comma + 1 : NULL;
	if (comma)
		*comma = '\0';
	return item;
}

/* --dnskey-ttl ZONE=SECONDS */
static int
cli_dnskey_ttl(struct zone_flags_list *l, const char *arg, char *err, size_t errlen)
{
	char name[1024];
	uint8_t wire[DNS_NAME_MAXLEN];
	const char *rest;
	int rc = cli_zone_arg("--dnskey-ttl", arg, (int)strlen(arg), "ZONE=SECONDS", name,
			      sizeof(name), wire, &rest, err, errlen);
	if (rc)
		return rc;
	struct zone_flags *zf = zone_flags_get(l, name, wire, "--dnskey-ttl");
	if (!zf)
		return -ENOMEM;
	if (zf->set & ZSET_TTL) {
		seterr(err, errlen, "--dnskey-ttl '%s': zone given twice", arg);
		return -EINVAL;
	}
	if (parse_uint(rest, 1, DNSKEY_TTL_MAX, &zf->dnskey_ttl) != 0) {
		seterr(err, errlen, "--dnskey-ttl '%s': expected ZONE=SECONDS, 1..%u", arg,
		       DNSKEY_TTL_MAX);
		return -EINVAL;
	}
	zf->set |= ZSET_TTL;
	return 0;
}

/* --multi-signer ZONE=MODEL[,SETTING=N]... */
static int
cli_msigner(struct zone_flags_list *l, const char *arg, char *err, size_t errlen)
{
	char name[1024];
	uint8_t wire[DNS_NAME_MAXLEN];
	const char *rest;
	int rc = cli_zone_arg("--multi-signer", arg, (int)strlen(arg), "ZONE=MODEL[,SETTING=N]...",
			      name, sizeof(name), wire, &rest, err, errlen);
	if (rc)
		return rc;
	struct zone_flags *zf = zone_flags_get(l, name, wire, "--multi-signer");
	char *copy = strdup(rest), *p = copy, *item = next_item(&p);
	if (!zf || !copy) {
		rc = -ENOMEM;
	} else if (zf->set & ZSET_MODEL) {
		seterr(err, errlen, "--multi-signer '%s': zone given twice", arg);
		rc = -EINVAL;
	} else if (strcmp(item, "1") != 0 && strcmp(item, "2") != 0) {
		seterr(err, errlen, "--multi-signer '%s': the model must be 1 or 2", arg);
		rc = -EINVAL;
	} else {
		zf->ms.model = (unsigned)(item[0] - '0');
		zf->set |= ZSET_MODEL;
	}
	while (rc == 0 && (item = next_item(&p)) != NULL) {
		char *eq = strchr(item, '=');
		if (eq)
			*eq = '\0';
		int k = eq ? ms_setting_find(item) : -1;
		if (!eq) {
			seterr(err, errlen, "--multi-signer '%s': expected SETTING=N, got '%s'", arg,
			       item);
			rc = -EINVAL;
		} else if (k < 0) {
			seterr(err, errlen, "--multi-signer '%s': unknown setting '%s' (poll-interval, "
			       "retry-min, retry-max, delay or timeout-ms)", arg, item);
			rc = -EINVAL;
		} else if (parse_uint(eq + 1, ms_settings[k].min, ms_settings[k].max,
				      ms_field(&zf->ms, k)) != 0) {
			seterr(err, errlen, "--multi-signer '%s': %s expects %u..%u", arg, item,
			       ms_settings[k].min, ms_settings[k].max);
			rc = -EINVAL;
		} else {
			zf->set |= ZSET_MS << k;
		}
	}
	free(copy);
	return rc;
}

/* A --peer yes/no value. */
static int
yes_no(const char *v, bool *out)
{
	if (strcmp(v, "yes") == 0)
		*out = true;
	else if (strcmp(v, "no") == 0)
		*out = false;
	else
		return -EINVAL;
	return 0;
}

/* The settings after NAME@ADDR in --peer, into p; shown/arg name the flag in errors. */
static int
cli_peer_items(char *p, struct ctl_peer_conf *peer, int shown, const char *arg, char *err,
	       size_t errlen)
{
	char *item, why[128];
	int rc = 0;
	while (rc == 0 && (item = next_item(&p)) != NULL) {
		char *v = strchr(item, '=');
		if (v)
			*v++ = '\0';
		/* Echo no more of a mistyped item than a setting name: it may be a secret. */
		int named = (int)strspn(item, "abcdefghijklmnopqrstuvwxyz0123456789-");
		if (!v || !*v) {
			seterr(err, errlen, "--peer '%.*s': expected SETTING=VALUE, got '%.*s'",
			       shown, arg, named, item);
			rc = -EINVAL;
		} else if (strcmp(item, "tsig") == 0) {
			if (tsig_check(v, why, sizeof(why)) != 0) {
				seterr(err, errlen, "--peer '%.*s': invalid tsig: %s", shown, arg, why);
				rc = -EINVAL;
			} else {
				rc = replace_str(&peer->tsig, v);
			}
		} else if (strcmp(item, "sig0-key") == 0) {
			rc = replace_str(&peer->sig0_key, v);
		} else if (strcmp(item, "sig0-peer") == 0) {
			rc = replace_str(&peer->sig0_peer, v);
		} else if (strcmp(item, "push") == 0 || strcmp(item, "poll") == 0) {
			rc = yes_no(v, item[1] == 'u' ? &peer->push : &peer->poll);
			if (rc)
				seterr(err, errlen, "--peer '%.*s': %s expects yes or no", shown, arg,
				       item);
		} else {
			seterr(err, errlen, "--peer '%.*s': unknown setting '%.*s' (tsig, sig0-key, "
			       "sig0-peer, push or poll)", shown, arg, named, item);
			rc = -EINVAL;
		}
	}
	return rc;
}

/* --peer ZONE=NAME@ADDR,tsig=SPEC | ZONE=NAME@ADDR,sig0-key=PATH[,sig0-peer=PATH] [,push=no][,poll=yes] */
static int
cli_peer(struct zone_flags_list *l, const char *arg, char *err, size_t errlen)
{
	char name[1024], why[128];
	uint8_t wire[DNS_NAME_MAXLEN];
	const char *rest, *auth;
	int shown = (int)strcspn(arg, ","); /* not the secrets after the first ',' */
	int rc = cli_zone_arg("--peer", arg, shown, "ZONE=NAME@ADDR,tsig=SPEC or "
			      "ZONE=NAME@ADDR,sig0-key=PATH", name, sizeof(name), wire, &rest, err,
			      errlen);
	if (rc)
		return rc;
	struct ctl_peer_conf peer = { .push = true };
	char *copy = strdup(rest), *p = copy, *item = next_item(&p), *at = NULL;
	if (!copy)
		return -ENOMEM;
	if (item && (at = strchr(item, '@')))
		*at++ = '\0';
	if (!at) {
		seterr(err, errlen, "--peer '%.*s': expected ZONE=NAME@ADDR", shown, arg);
		rc = -EINVAL;
	} else if (!peer_name_ok(item)) {
		seterr(err, errlen, "--peer '%.*s': invalid peer name '%s': " PEER_NAME_WHY, shown,
		       arg, item);
		rc = -EINVAL;
	} else if (ctl_addr_parse(at, &peer.addr, why, sizeof(why)) != 0) {
		seterr(err, errlen, "--peer '%.*s': invalid address '%s': %s", shown, arg, at, why);
		rc = -EINVAL;
	} else {
		rc = replace_str(&peer.name, item);
	}
	if (rc == 0)
		rc = cli_peer_items(p, &peer, shown, arg, err, errlen);
	if (rc == 0 && (auth = peer_auth_why(&peer)) != NULL) {
		seterr(err, errlen, "--peer '%.*s': the peer %s", shown, arg, auth);
		rc = -EINVAL;
	}
	struct zone_flags *zf = rc == 0 ? zone_flags_get(l, name, wire, "--peer") : NULL;
	if (rc == 0 && !zf) {
		rc = -ENOMEM;
	} else if (rc == 0 && peer_find(&zf->ms, peer.name) >= 0) {
		seterr(err, errlen, "--peer '%.*s': peer given twice", shown, arg);
		rc = -EINVAL;
	}
	if (rc == 0)
		rc = peer_add(&zf->ms, &peer);
	peer_free(&peer);
	free(copy);
	return rc;
}

/* Lay the command line's per-zone settings over the merged zones. */
static int
zone_flags_apply(struct ctl_config *cfg, struct zone_flags_list *l, char *err, size_t errlen)
{
	for (size_t i = 0; i < l->n; i++) {
		struct zone_flags *zf = &l->v[i];
		long at = zone_find(cfg, zf->wire);
		if (at < 0) {
			seterr(err, errlen, "%s: no zone '%s' (give --zone %s=FILE or a zones entry)",
			       zf->opt, zf->zone, zf->zone);
			return -EINVAL;
		}
		struct ctl_zone_conf *z = &cfg->zones[at];
		if (zf->set & ZSET_TTL)
			z->dnskey_ttl = zf->dnskey_ttl;
		if (zf->set & ZSET_MODEL)
			z->ms.model = zf->ms.model;
		for (int k = 0; k < (int)MS_NSETTINGS; k++)
			if (zf->set & (ZSET_MS << k))
				*ms_field(&z->ms, k) = *ms_field(&zf->ms, k);
		for (size_t j = 0; j < zf->ms.npeers; j++) {
			struct ctl_peer_conf *p = &zf->ms.peers[j];
			long old = peer_find(&z->ms, p->name);
			if (old >= 0) {
				peer_free(&z->ms.peers[old]);
				z->ms.peers[old] = *p;
				memset(p, 0, sizeof(*p));
			} else if (peer_add(&z->ms, p) != 0) {
				return -ENOMEM;
			}
		}
		if (z->ms.npeers > CTL_MS_PEERS_MAX) {
			seterr(err, errlen, "--peer: zone '%s' has %zu peers, more than %d", z->name,
			       z->ms.npeers, CTL_MS_PEERS_MAX);
			return -EINVAL;
		}
		if (z->ms.npeers && z->ms.model == 0) {
			seterr(err, errlen, "--peer: zone '%s' is not multi-signer (give "
			       "--multi-signer %s=MODEL or a multi-signer group)", z->name, zf->zone);
			return -EINVAL;
		}
		if (z->ms.retry_min > z->ms.retry_max) {
			seterr(err, errlen, "--multi-signer: zone '%s' has retry-min %u above "
			       "retry-max %u", z->name, z->ms.retry_min, z->ms.retry_max);
			return -EINVAL;
		}
	}
	return 0;
}

/* Parse argv into cli (lists as given), zf (per-zone settings) and *set (which scalars were given). */
static int
cli_parse(int argc, char **argv, struct ctl_config *cli, struct zone_flags_list *zf, unsigned *set,
	  char *err, size_t errlen)
{
	char why[128];
	int ch, rc = 0;

	optind = 0; /* glibc: full restart, so the parser may run again */
	opterr = 0;
	/* '+': stop at the first non-option, so that "--" ends the options and
	 * what follows it is left in place for EAL. */
	while (rc == 0 && (ch = getopt_long(argc, argv, "+:c:l:z:w:fhV", long_opts, NULL)) != -1) {
		switch (ch) {
		case 'l':
		case OPT_KEYSYNC_LISTEN: {
			bool ks = ch == OPT_KEYSYNC_LISTEN;
			struct dp_listen l;
			if (ctl_addr_parse(optarg, &l, why, sizeof(why)) != 0) {
				seterr(err, errlen, "--%s '%s': %s",
				       ks ? "keysync-listen" : "listen", optarg, why);
				return -EINVAL;
			}
			rc = ks ? addr_add(&cli->keysync_listen, &cli->nkeysync_listen, &l)
				: addr_add(&cli->listen, &cli->nlisten, &l);
			break;
		}
		case 'z': {
			char name[1024];
			uint8_t wire[DNS_NAME_MAXLEN];
			const char *file;
			rc = cli_zone_arg("--zone", optarg, (int)strlen(optarg), "NAME=FILE", name,
					  sizeof(name), wire, &file, err, errlen);
			if (rc)
				return rc;
			if (zone_find(cli, wire) >= 0) {
				seterr(err, errlen, "--zone '%s': zone given twice", optarg);
				return -EINVAL;
			}
			rc = zone_add(cli, name, file);
			break;
		}
		case OPT_DNSKEY_TTL:
			rc = cli_dnskey_ttl(zf, optarg, err, errlen);
			break;
		case OPT_MULTI_SIGNER:
			rc = cli_msigner(zf, optarg, err, errlen);
			break;
		case OPT_PEER:
			rc = cli_peer(zf, optarg, err, errlen);
			break;
		case 'c':
			rc = replace_str(&cli->config_file, optarg);
			break;
		case 'w':
			if (parse_uint(optarg, 1, CTL_WORKERS_MAX, &cli->workers) != 0) {
				seterr(err, errlen, "--workers '%s': expected 1..%u", optarg, CTL_WORKERS_MAX);
				return -EINVAL;
			}
			*set |= SET_WORKERS;
			break;
		case OPT_UDP_MAX:
			if (parse_uint(optarg, CTL_UDP_MAX_MIN, CTL_UDP_MAX_MAX, &cli->udp_max_payload)) {
				seterr(err, errlen, "--udp-max-payload '%s': expected %u..%u", optarg,
				       CTL_UDP_MAX_MIN, CTL_UDP_MAX_MAX);
				return -EINVAL;
			}
			*set |= SET_UDP_MAX;
			break;
		case OPT_TCP_IDLE:
			if (parse_uint(optarg, 1, CTL_TCP_IDLE_MAX, &cli->tcp_idle_ms) != 0) {
				seterr(err, errlen, "--tcp-idle-timeout '%s': expected 1..%u milliseconds",
				       optarg, CTL_TCP_IDLE_MAX);
				return -EINVAL;
			}
			*set |= SET_TCP_IDLE;
			break;
		case OPT_SIGCACHE:
			if (parse_uint(optarg, CTL_SIGCACHE_MIN, CTL_SIGCACHE_MAX,
				       &cli->sigcache_entries) != 0 ||
			    !sigcache_entries_ok(cli->sigcache_entries)) {
				seterr(err, errlen, "--sigcache-entries '%s': expected a power of two "
				       "from %u to %u", optarg, CTL_SIGCACHE_MIN, CTL_SIGCACHE_MAX);
				return -EINVAL;
			}
			*set |= SET_SIGCACHE;
			break;
		case OPT_SIGN_RATE:
			if (parse_uint(optarg, 0, CTL_SIGN_RATE_MAX, &cli->sign_rate) != 0) {
				seterr(err, errlen, "--sign-rate '%s': expected 0..%u signatures per "
				       "second", optarg, CTL_SIGN_RATE_MAX);
				return -EINVAL;
			}
			*set |= SET_SIGN_RATE;
			break;
		case OPT_CONTROL:
		case OPT_KEYDIR:
		case OPT_STATEDIR: {
			const char *opt = "control";
			char **dst = &cli->control_path;
			unsigned bit = SET_CONTROL;
			if (ch == OPT_KEYDIR) {
				opt = "keydir";
				dst = &cli->keydir;
				bit = SET_KEYDIR;
			} else if (ch == OPT_STATEDIR) {
				opt = "statedir";
				dst = &cli->statedir;
				bit = SET_STATEDIR;
			}
			if (optarg[0] == '\0') {
				seterr(err, errlen, "--%s: empty path", opt);
				return -EINVAL;
			}
			rc = replace_str(dst, optarg);
			*set |= bit;
			break;
		}
		case OPT_PIN:
			cli->pin = true;
			*set |= SET_PIN;
			break;
		case OPT_CHECK:
			cli->action = CTL_ACTION_CHECK;
			break;
		case OPT_DPDK:
			cli->backend = CTL_BACKEND_DPDK;
			*set |= SET_BACKEND;
			break;
		case OPT_DPDK_EAL:
			rc = strv_add(&cli->dpdk_eal, &cli->ndpdk_eal, optarg);
			break;
		case OPT_DPDK_PORT:
			if (optarg[0] == '\0') {
				seterr(err, errlen, "--dpdk-port: empty port name");
				return -EINVAL;
			}
			rc = strv_add(&cli->dpdk_ports, &cli->ndpdk_ports, optarg);
			break;
		case OPT_DPDK_VLAN:
			if (parse_uint(optarg, 0, CTL_DPDK_VLAN_MAX, &cli->dpdk_vlan) != 0) {
				seterr(err, errlen, "--dpdk-vlan '%s': expected 0 (untagged) to %u",
				       optarg, CTL_DPDK_VLAN_MAX);
				return -EINVAL;
			}
			*set |= SET_DPDK_VLAN;
			break;
		case OPT_DPDK_TAP:
			rc = tap_set(&cli->dpdk_tap, optarg);
			if (rc == -EINVAL) {
				seterr(err, errlen, "--dpdk-tap '%s': %s", optarg, TAP_WHY);
				return rc;
			}
			*set |= SET_DPDK_TAP;
			break;
		case OPT_DPDK_PREFIX4:
		case OPT_DPDK_PREFIX6: {
			bool v6 = ch == OPT_DPDK_PREFIX6;
			if (parse_uint(optarg, 1, v6 ? 128 : 32,
				       v6 ? &cli->dpdk_prefix6 : &cli->dpdk_prefix4) != 0) {
				seterr(err, errlen, "--dpdk-prefix%s '%s': expected 1 to %d", v6 ? "6" : "",
				       optarg, v6 ? 128 : 32);
				return -EINVAL;
			}
			*set |= v6 ? SET_DPDK_PREFIX6 : SET_DPDK_PREFIX4;
			break;
		}
		case 'f':
			break; /* sigedge always runs in the foreground */
		case OPT_LOG_LEVEL:
			if (ctl_log_level_parse(optarg, &cli->log_level) != 0) {
				seterr(err, errlen,
				       "--log-level '%s': expected error, warning, info or debug", optarg);
				return -EINVAL;
			}
			*set |= SET_LOG_LEVEL;
			break;
		case 'h':
			cli->action = CTL_ACTION_HELP;
			return 0;
		case 'V':
			cli->action = CTL_ACTION_VERSION;
			return 0;
		case ':':
			seterr(err, errlen, "option '%s' needs an argument", argv[optind - 1]);
			return -EINVAL;
		default:
			seterr(err, errlen, "unknown option '%s'", argv[optind - 1]);
			return -EINVAL;
		}
	}
	if (rc == 0 && optind > 1 && optind <= argc && strcmp(argv[optind - 1], "--") == 0) {
		for (; rc == 0 && optind < argc; optind++)
			rc = strv_add(&cli->dpdk_eal, &cli->ndpdk_eal, argv[optind]);
	}
	if (rc == 0 && optind < argc) {
		seterr(err, errlen, "unexpected argument '%s'", argv[optind]);
		return -EINVAL;
	}
	if (rc == -ENOMEM)
		seterr(err, errlen, "out of memory");
	return rc;
}

/* Move the string *from over *to. */
static void
str_move(char **to, char **from)
{
	free(*to);
	*to = *from;
	*from = NULL;
}

/* Lay the command line over the file's settings. */
static int
merge(struct ctl_config *cfg, struct ctl_config *cli, unsigned set)
{
	if (set & SET_WORKERS)
		cfg->workers = cli->workers;
	if (set & SET_UDP_MAX)
		cfg->udp_max_payload = cli->udp_max_payload;
	if (set & SET_TCP_IDLE)
		cfg->tcp_idle_ms = cli->tcp_idle_ms;
	if (set & SET_SIGCACHE)
		cfg->sigcache_entries = cli->sigcache_entries;
	if (set & SET_SIGN_RATE)
		cfg->sign_rate = cli->sign_rate;
	if (set & SET_PIN)
		cfg->pin = cli->pin;
	if (set & SET_LOG_LEVEL)
		cfg->log_level = cli->log_level;
	if (set & SET_BACKEND)
		cfg->backend = cli->backend;
	if (set & SET_DPDK_VLAN)
		cfg->dpdk_vlan = cli->dpdk_vlan;
	if (set & SET_DPDK_TAP)
		str_move(&cfg->dpdk_tap, &cli->dpdk_tap);
	if (set & SET_DPDK_PREFIX4)
		cfg->dpdk_prefix4 = cli->dpdk_prefix4;
	if (set & SET_DPDK_PREFIX6)
		cfg->dpdk_prefix6 = cli->dpdk_prefix6;
	strv_move(&cfg->dpdk_eal, &cfg->ndpdk_eal, &cli->dpdk_eal, &cli->ndpdk_eal);
	strv_move(&cfg->dpdk_ports, &cfg->ndpdk_ports, &cli->dpdk_ports, &cli->ndpdk_ports);
	if (set & SET_KEYDIR)
		str_move(&cfg->keydir, &cli->keydir);
	if (set & SET_STATEDIR)
		str_move(&cfg->statedir, &cli->statedir);
	if (set & SET_CONTROL)
		str_move(&cfg->control_path, &cli->control_path);
	addr_move(&cfg->listen, &cfg->nlisten, &cli->listen, &cli->nlisten);
	addr_move(&cfg->keysync_listen, &cfg->nkeysync_listen, &cli->keysync_listen,
		  &cli->nkeysync_listen);
	for (size_t i = 0; i < cli->nzones; i++) {
		uint8_t wire[DNS_NAME_MAXLEN];
		dns_name_from_str(cli->zones[i].name, wire, sizeof(wire));
		long at = zone_find(cfg, wire);
		if (at < 0) {
			int rc = zone_add(cfg, cli->zones[i].name, cli->zones[i].file);
			if (rc)
				return rc;
		} else {
			struct ctl_zone_conf *z = &cfg->zones[at];
			free(z->file);
			z->file = cli->zones[i].file;
			cli->zones[i].file = NULL;
		}
	}
	return 0;
}

/* The DPDK backend's settings, checked without starting EAL. */
static int
dpdk_check(const struct ctl_config *cfg, char *err, size_t errlen)
{
	if (!ctl_dpdk_available()) {
		seterr(err, errlen, "the DPDK backend (--dpdk, server.backend = \"dpdk\") is not "
			"in this build of sigedge (built without libdpdk)");
		return -EINVAL;
	}
	if (cfg->ndpdk_ports == 0) {
		seterr(err, errlen, "the DPDK backend needs at least one port: --dpdk-port NAME "
			"(a port id or a device name such as net_pcap0) or server.dpdk-ports");
		return -EINVAL;
	}
	unsigned n4 = 0, n6 = 0;
	for (size_t i = 0; i < cfg->nlisten; i++) {
		const struct dp_listen *l = &cfg->listen[i];
		bool v6 = l->addr.ss_family == AF_INET6;
		uint16_t port = v6 ? ((const struct sockaddr_in6 *)&l->addr)->sin6_port
				   : ((const struct sockaddr_in *)&l->addr)->sin_port;
		uint16_t port0 = cfg->listen[0].addr.ss_family == AF_INET6
				 ? ((const struct sockaddr_in6 *)&cfg->listen[0].addr)->sin6_port
				 : ((const struct sockaddr_in *)&cfg->listen[0].addr)->sin_port;
		if (port != port0) {
			seterr(err, errlen, "with the DPDK backend every listen address must have "
				"the same port (%u and %u given)", ntohs(port0), ntohs(port));
			return -EINVAL;
		}
		if ((v6 ? ++n6 : ++n4) > DP_PKT_MAX_ADDRS) {
			seterr(err, errlen, "the DPDK backend serves at most %u IPv%c addresses",
			       DP_PKT_MAX_ADDRS, v6 ? '6' : '4');
			return -EINVAL;
		}
	}
	return 0;
}

int
ctl_opts_parse(int argc, char **argv, struct ctl_config *cfg, char *err, size_t errlen)
{
	struct ctl_config cli = { 0 };
	struct zone_flags_list zf = { 0 };
	unsigned set = 0;
	int rc;

	memset(cfg, 0, sizeof(*cfg));
	err[0] = '\0';
	rc = cli_parse(argc, argv, &cli, &zf, &set, err, errlen);
	if (rc || cli.action == CTL_ACTION_HELP || cli.action == CTL_ACTION_VERSION) {
		cfg->action = cli.action;
		ctl_config_free(&cli);
		zone_flags_free(&zf);
		if (rc)
			cfg->action = CTL_ACTION_RUN;
		return rc;
	}

	cfg->action = cli.action;
	cfg->udp_max_payload = CTL_UDP_MAX_DEFAULT;
	cfg->tcp_idle_ms = CTL_TCP_IDLE_DEFAULT;
	cfg->sigcache_entries = DP_SIGCACHE_DEFAULT;
	cfg->log_level = CTL_LOG_INFO;
	cfg->dpdk_prefix4 = CTL_DPDK_PREFIX4_DEFAULT;
	cfg->dpdk_prefix6 = CTL_DPDK_PREFIX6_DEFAULT;
	rc = replace_str(&cfg->dpdk_tap, CTL_DPDK_TAP_DEFAULT);
	if (rc) {
		seterr(err, errlen, "out of memory");
		ctl_config_free(&cli);
		zone_flags_free(&zf);
		return rc;
	}
	if (cli.config_file) {
		cfg->config_file = cli.config_file;
		cli.config_file = NULL;
		rc = conf_read(cfg, cfg->config_file, err, errlen);
	}
	if (rc == 0)
		rc = merge(cfg, &cli, set);
	if (rc == 0)
		rc = zone_flags_apply(cfg, &zf, err, errlen);
	/* The multi-signer stores go with the keys unless told otherwise. */
	if (rc == 0 && !cfg->statedir && cfg->keydir)
		rc = replace_str(&cfg->statedir, cfg->keydir);
	/* A zone without its own sign-rate takes the server's. */
	for (size_t i = 0; rc == 0 && i < cfg->nzones; i++)
		if (cfg->zones[i].sign_rate < 0)
			cfg->zones[i].sign_rate = cfg->sign_rate;
	if (rc == 0 && cfg->backend == CTL_BACKEND_DPDK) {
		rc = dpdk_check(cfg, err, errlen);
	} else if (rc == 0 && (cfg->ndpdk_eal || cfg->ndpdk_ports || cfg->dpdk_vlan)) {
		seterr(err, errlen, "EAL arguments, --dpdk-port and --dpdk-vlan (server.dpdk-*) "
			"need --dpdk or server.backend = \"dpdk\"");
		rc = -EINVAL;
	}
	/* DPDK's default (0) is known once EAL has counted its lcores. */
	if (rc == 0 && cfg->workers == 0 && cfg->backend == CTL_BACKEND_SOCKET)
		cfg->workers = online_cpus();
	if (rc == 0 && !cfg->control_path) {
		char path[256];
		rc = ctl_control_default_path(path, sizeof(path));
		if (rc == 0)
			rc = replace_str(&cfg->control_path, path);
	}
	/* --check validates what there is; only serving needs an address. */
	if (rc == 0 && cfg->nlisten == 0 && cfg->action != CTL_ACTION_CHECK) {
		seterr(err, errlen, "no listen address: give --listen ADDR[:PORT] or server.listen "
			"in the configuration file");
		rc = -EINVAL;
	}
	if (rc == -ENOMEM)
		seterr(err, errlen, "out of memory");
	ctl_config_free(&cli);
	zone_flags_free(&zf);
	if (rc)
		ctl_config_free(cfg);
	return rc;
}

/* ---- manual ---- */

void
ctl_opts_usage(FILE *out)
{
	char path[256];
	if (ctl_control_default_path(path, sizeof(path)) != 0)
		snprintf(path, sizeof(path), "(too long)");
	fprintf(out,
"NAME\n"
"    sigedge - authoritative DNS server for the edge\n"
"\n"
"SYNOPSIS\n"
"    sigedge [--config FILE] [--listen ADDR[:PORT]]... [--zone NAME=FILE]...\n"
"            [--workers N] [--udp-max-payload N] [--tcp-idle-timeout MS]\n"
"            [--sigcache-entries N] [--sign-rate N]\n"
"            [--control PATH] [--keydir DIR] [--pin] [--log-level LEVEL] [--check]\n"
"            [--foreground] [--dnskey-ttl ZONE=SECONDS]...\n"
"            [--statedir DIR] [--keysync-listen ADDR[:PORT]]...\n"
"            [--multi-signer ZONE=MODEL[,SETTING=N]...]...\n"
"            [--peer ZONE=NAME@ADDR[:PORT],AUTH[,push=no][,poll=yes]]...\n"
"            [--dpdk --dpdk-port NAME... [--dpdk-vlan N] [--dpdk-tap PREFIX]\n"
"             [--dpdk-prefix LEN] [--dpdk-prefix6 LEN] [--dpdk-eal ARG]...\n"
"             [-- EAL-ARGUMENTS...]]\n"
"    sigedge --help | --version\n"
"\n"
"DESCRIPTION\n"
"    sigedge serves the zones it is given, answering queries over UDP and TCP on\n"
"    every listen address with one worker thread per CPU. The main thread loads\n"
"    zones, serves the control socket (see sigedgectl(8)) and handles signals.\n"
"    It always runs in the foreground and logs to standard error; a service\n"
"    manager (systemd, runit, s6) supervises it. There is no daemon mode.\n"
"\n"
"    Every setting can be given on the command line and in the configuration\n"
"    file; the command line wins. --listen and --keysync-listen replace the\n"
"    file's lists; --zone adds a zone, or changes the file of a zone of the\n"
"    same name; --peer adds a peer to a zone, or replaces the zone's peer of\n"
"    the same name. --dnskey-ttl, --multi-signer and --peer name a zone given\n"
"    by --zone or the file.\n"
"\n"
"OPTIONS\n"
"    -c, --config FILE\n"
"        Read settings from FILE (libconfig syntax, see CONFIGURATION FILE).\n"
"    -l, --listen ADDR[:PORT]\n"
"        Serve UDP and TCP on this address; repeat for more. IPv4 as\n"
"        192.0.2.1:5300, IPv6 in brackets as [2001:db8::1]:5300; the port\n"
"        defaults to %d. Numeric addresses only. At least one is required,\n"
"        except with --check.\n"
"    -z, --zone NAME=FILE\n"
"        Serve zone NAME from the RFC 1035 zone file FILE (relative paths are\n"
"        relative to the working directory); repeat for more. No zones is\n"
"        allowed (every query is then REFUSED) but is warned about.\n"
"    -w, --workers N\n"
"        Number of worker threads, 1..%d. Default: the number of online CPUs\n"
"        (%u here); with --dpdk, one per EAL lcore but the main one.\n"
"    --udp-max-payload N\n"
"        Largest UDP reply sent and the EDNS buffer size advertised, %d..%d.\n"
"        Default: %d.\n"
"    --tcp-idle-timeout MS\n"
"        Close a TCP connection idle for MS milliseconds, 1..%d.\n"
"        Default: %d.\n"
"    --sigcache-entries N\n"
"        Size of each worker's cache of the signatures it has made, a power of\n"
"        two from %u to %u. A signed answer whose signatures are cached costs no\n"
"        signing; size it to hold the RRsets a worker answers repeatedly (each\n"
"        signed RRset takes one entry per zone-signing key). Each entry takes 520\n"
"        octets of memory, allocated at start-up. Default: %u (34 MiB).\n"
"    --sign-rate N\n"
"        Signing budget: the signatures each worker may make per second for\n"
"        one zone's answers to UDP queries, 0..%u, 0 for no limit; a zone's\n"
"        sign-rate setting overrides it. Answers whose signatures are cached\n"
"        cost nothing. A random-subdomain flood needs a fresh signature for\n"
"        every answer; once a zone's budget (one second's worth, refilled\n"
"        continuously) is spent, such answers are sent empty with TC set, so a\n"
"        genuine resolver retries over TCP, where answers are always signed,\n"
"        while cached answers and other zones keep being served. The stats\n"
"        counter sign-limited counts them. Default: 0.\n"
"    --control PATH\n"
"        Unix socket for sigedgectl. Default: /run/sigedge/control.sock when\n"
"        run as root, else $XDG_RUNTIME_DIR/sigedge.sock when XDG_RUNTIME_DIR is\n"
"        set, else /tmp/sigedge-UID.sock (here: %s).\n"
"        The socket is created with mode 0600, so only its owner can use it;\n"
"        a missing last directory is created with mode 0750.\n"
"    --keydir DIR\n"
"        Sign the zones that have keys in DIR online (DNSSEC). For every zone,\n"
"        every K<zone>.+AAA+TTTTT.private file in DIR (with its .key) is loaded,\n"
"        as dnssec-keygen, ldns-keygen and keymgr write them; private files must\n"
"        not be readable by group or others. The timing metadata in the files\n"
"        (Publish, Activate, Inactive, Delete, Revoke, SyncPublish, SyncDelete)\n"
"        decides when each key is published and signs; a file without it is\n"
"        published and active. Of the active keys, those with flags 257 (SEP)\n"
"        sign the DNSKEY, CDS and CDNSKEY RRsets, those with flags 256 sign the\n"
"        rest; a zone whose active keys all have SEP (or none has) uses each\n"
"        key for both. CDS (SHA-256) and CDNSKEY are published for the keys that\n"
"        sign DNSKEY. Zones without published keys are served unsigned. The key\n"
"        table is rebuilt at each key's timing events; sigedgectl key generate,\n"
"        publish, activate, retire and remove change keys while sigedge runs.\n"
"        A key file that does not load is an error that names the file: at\n"
"        start-up sigedge exits with status 1; on a reload the zone keeps its\n"
"        previous keys. Default: none.\n"
"    --dnskey-ttl ZONE=SECONDS\n"
"        TTL of ZONE's DNSKEY, CDS and CDNSKEY RRsets, 1..%d; repeat for more\n"
"        zones. Default: %d.\n"
"    --statedir DIR\n"
"        Directory of the multi-signer state of each zone (the keys imported\n"
"        from peers and the progress of key changes). Default: the --keydir\n"
"        directory.\n"
"    --keysync-listen ADDR[:PORT]\n"
"        Take DNS UPDATE and NOTIFY from peer signers over UDP and TCP on this\n"
"        address, written as for --listen (port default %d); repeat for more.\n"
"        Default: none.\n"
"    --multi-signer ZONE=MODEL[,SETTING=N]...\n"
"        Make ZONE one signer of several (RFC 8901 model 1 or 2) whose\n"
"        DNSKEY, CDS and CDNSKEY RRsets are kept in step with its --peer\n"
"        signers. SETTINGs (seconds, but timeout-ms in milliseconds):\n"
"          poll-interval  between checks of each peer, 1..%d; default %d\n"
"          retry-min      wait before the first retry of a failed check or\n"
"                         UPDATE, 1..%d; default %d; each next wait doubles\n"
"          retry-max      longest wait between retries, 1..%d and at least\n"
"                         retry-min; default %d\n"
"          delay          propagation delay, added to the DNSKEY TTL before a\n"
"                         new key is used and to the largest TTL before an old\n"
"                         key goes, 0..%d; default %d\n"
"          timeout-ms     per request to a peer, %d..%d; default %d\n"
"        SETTINGs not given keep the file's. Once per zone. Default: a single\n"
"        signer (model 0).\n"
"    --peer ZONE=NAME@ADDR[:PORT],AUTH[,push=no][,poll=yes]\n"
"        A peer signer of the multi-signer zone ZONE (at most %d per zone;\n"
"        repeat for more). NAME names it in logs and sigedgectl: 1 to %d\n"
"        letters, digits, '-', '_' or '.', unique in the zone (case is\n"
"        ignored), not \"self\" or \"zone-owner\". ADDR is where it takes\n"
"        UPDATE and answers queries for the zone's DNSKEY, CDS and CDNSKEY\n"
"        (for a sigedge peer, its --keysync-listen address), written as for\n"
"        --listen (port default %d). AUTH is one of:\n"
"          tsig=[ALG:]KEYNAME:SECRET\n"
"                 a TSIG key (ALG hmac-sha1, -sha224, -sha256 (the default),\n"
"                 -sha384 or -sha512; SECRET in base64, as kdig -y takes it)\n"
"                 signing our requests and required on the peer's\n"
"          sig0-key=PATH[,sig0-peer=PATH]\n"
"                 our SIG(0) key pair (a BIND key file path, with or without\n"
"                 .private) signing our requests, and the peer's public key (a\n"
"                 .key file) whose SIG(0) its requests must carry; without\n"
"                 sig0-peer its requests are refused\n"
"        push=no: do not send the peer our keys by UPDATE; poll=yes: import\n"
"        its keys from its DNSKEY, CDS and CDNSKEY RRsets, for a peer that\n"
"        cannot push its own (Knot DNS 3.2); not for a peer that polls us,\n"
"        as two peers polling each other can keep alive keys each took from\n"
"        the other. Paths are relative to the working directory and cannot\n"
"        hold a ','. Errors show the argument only up to its first ','.\n"
"        Default: no peers.\n"
"    --pin\n"
"        Pin worker i to the i-th CPU this process may run on (modulo their\n"
"        number), so taskset(1) limits are kept. Default: off.\n"
"    --log-level LEVEL\n"
"        error, warning, info or debug. Default: info.\n"
"    --check\n"
"        Read the configuration and load every zone, report any error, and exit\n"
"        (status 0 when all is well, 1 otherwise) without serving.\n"
"    --dpdk\n"
"        Serve through DPDK ports instead of kernel sockets (see DPDK BACKEND).\n"
"    --dpdk-eal ARG\n"
"        One EAL argument (repeat for more); everything after a \"--\" that\n"
"        ends the options is taken as EAL arguments too.\n"
"    --dpdk-port NAME\n"
"        A DPDK port to serve on: a port id (0) or a device name (net_pcap0,\n"
"        0000:01:00.0); repeat for more. At least one is required.\n"
"    --dpdk-vlan N\n"
"        Serve only frames tagged with 802.1Q VLAN N (1..%u) on every port;\n"
"        0 serves untagged frames. Default: 0.\n"
"    --dpdk-tap PREFIX\n"
"        Name the kernel path's TAP interfaces PREFIX0, PREFIX1, ... (one per\n"
"        --dpdk-port, in order; PREFIX has at most %d characters), or none\n"
"        for no kernel path. Default: %s.\n"
"    --dpdk-prefix LEN, --dpdk-prefix6 LEN\n"
"        Prefix length of the IPv4 (1..32) and IPv6 (1..128) listen addresses\n"
"        on the TAP interfaces: the link's, so the kernel can reach the\n"
"        clients it answers. Default: %d and %d.\n"
"    -f, --foreground\n"
"        Accepted for service managers; sigedge always runs in the foreground.\n"
"    -h, --help\n"
"        Show this text and exit.\n"
"    -V, --version\n"
"        Show the version and exit.\n"
"\n"
"CONFIGURATION FILE\n"
"    server: {\n"
"        listen = [\"127.0.0.1:5300\", \"[::1]:5300\"];  # or one string\n"
"        workers = 2;\n"
"        udp-max-payload = 1232;\n"
"        tcp-idle-timeout = 10000;\n"
"        sigcache-entries = 65536;\n"
"        sign-rate = 0;\n"
"        control = \"/run/sigedge/control.sock\";\n"
"        keydir = \"keys\";\n"
"        statedir = \"/var/lib/sigedge\";            # default: keydir\n"
"        keysync-listen = [\"192.0.2.1:5300\"];       # or one string\n"
"        pin = false;\n"
"        log-level = \"info\";\n"
"        backend = \"socket\";                        # or \"dpdk\"\n"
"        dpdk-eal = [\"-l\", \"0-2\", \"-a\", \"0000:01:00.0\"];\n"
"        dpdk-ports = [\"0000:01:00.0\"];\n"
"        dpdk-vlan = 0;\n"
"        dpdk-tap = \"sigedge\";                     # or \"none\"\n"
"        dpdk-prefix = 24;\n"
"        dpdk-prefix6 = 64;\n"
"    };\n"
"    zones = (\n"
"        { name = \"example.com\"; file = \"zones/example.com.zone\";\n"
"          denial = \"compact\"; sign-rate = 20000; dnskey-ttl = 3600;\n"
"          multi-signer = {\n"
"              model = 2;\n"
"              poll-interval = 60; retry-min = 1; retry-max = 300;\n"
"              delay = 0; timeout-ms = 2000;\n"
"              peers = (\n"
"                  { name = \"b\"; address = \"198.51.100.1\";\n"
"                    tsig = \"hmac-sha256:b-key:c2VjcmV0\"; },\n"
"                  { name = \"c\"; address = \"[2001:db8::53]:5300\";\n"
"                    sig0-key = \"keys/Kexample.com.+013+12345\";\n"
"                    sig0-peer = \"keys/c.key\"; push = true; poll = false; }\n"
"              );\n"
"          }; }\n"
"    );\n"
"    Every setting is optional, but a multi-signer group needs its model and\n"
"    a peer its name, address and either tsig or sig0-key. A relative zone\n"
"    file, keydir, statedir, sig0-key or sig0-peer path is relative to the\n"
"    directory of the configuration file. denial chooses how a signed zone\n"
"    proves that a name or type does not exist: \"compact\" (RFC 9824\n"
"    compact answers, the default) or \"nsec\" (RFC 4470 minimally covering\n"
"    NSEC records). sign-rate overrides the server's --sign-rate for the\n"
"    zone. dnskey-ttl, the multi-signer group and its peers are the settings\n"
"    of --dnskey-ttl, --multi-signer and --peer (push and poll as true or\n"
"    false). An unknown setting is an error that names the setting and its\n"
"    line.\n"
"\n"
"DPDK BACKEND\n"
"    With --dpdk, sigedge initialises DPDK's EAL with the EAL arguments and\n"
"    serves on the given ports: one worker per lcore, each polling its own RX\n"
"    and TX queue of every port. The main lcore (the first of -l) is the\n"
"    control thread, so EAL needs one lcore more than there are workers. The\n"
"    served addresses are the --listen addresses (they must share one port);\n"
"    each port answers with its own MAC address. Served inline: DNS over UDP,\n"
"    ARP requests, ICMP and ICMPv6 echo, IPv6 neighbour solicitations for\n"
"    the served addresses. Everything else for this host (TCP, UPDATE,\n"
"    NOTIFY, zone transfers, IPv4 fragments, ARP replies, other ports and\n"
"    protocols) takes the kernel path: a TAP interface per port (see\n"
"    --dpdk-tap) with the port's MAC and the listen addresses, where one more\n"
"    worker thread serves DNS over TCP and UDP on kernel sockets; what the\n"
"    kernel sends there leaves through the port. Routes beyond the link are\n"
"    the operator's to add to the TAP interfaces. The kernel path needs\n"
"    CAP_NET_ADMIN; with --dpdk-tap none such frames are counted (stats\n"
"    dpdk.exception) and dropped. The kernel path's threads share the main\n"
"    lcore's CPU with the control thread; --pin does not apply. Without a\n"
"    NIC or hugepages, for a test (as any user, so without a kernel path):\n"
"        sigedge --dpdk --dpdk-port net_pcap0 --listen 192.0.2.1 ... \\\n"
"            --dpdk-tap none -- \\\n"
"            --no-huge -m 512 --no-pci --no-shconf --no-telemetry -l 0,1 \\\n"
"            --vdev net_pcap0,rx_pcap=in.pcap,tx_pcap=out.pcap\n"
"    --check validates these settings without starting EAL; a build without\n"
"    DPDK rejects --dpdk.\n"
"\n"
"SIGNALS\n"
"    SIGHUP   Reload every zone from its file, and its keys from --keydir. A\n"
"             zone whose file fails to load keeps serving its previous version,\n"
"             and a zone whose keys fail to load keeps its previous keys; the\n"
"             error is logged with the file. The configuration file is not read\n"
"             again.\n"
"    SIGTERM, SIGINT\n"
"             Stop serving, remove the control socket and exit with status 0.\n"
"\n"
"FILES\n"
"    /run/sigedge/control.sock   default control socket when run as root\n"
"\n"
"EXIT STATUS\n"
"    0  clean shutdown, or --check/--help/--version succeeded\n"
"    1  invalid configuration file, a zone failed to load, or start-up failed\n"
"       (address in use, control socket in use, ...)\n"
"    2  invalid command line\n"
"\n"
"EXAMPLES\n"
"    Serve one zone on a high port for a test:\n"
"        sigedge --listen 127.0.0.1:5300 --zone example.com=example.com.zone \\\n"
"                --control /tmp/sigedge.sock\n"
"    Validate a configuration before a restart:\n"
"        sigedge --config /etc/sigedge/sigedge.conf --check\n"
"    Reload zones after editing them:\n"
"        kill -HUP $(pidof sigedge)     or     sigedgectl zone reload\n"
"\n"
"SEE ALSO\n"
"    sigedgectl(8), kdig(1)\n",
		CTL_PORT_DEFAULT, CTL_WORKERS_MAX, online_cpus(), CTL_UDP_MAX_MIN, CTL_UDP_MAX_MAX,
		CTL_UDP_MAX_DEFAULT, CTL_TCP_IDLE_MAX, CTL_TCP_IDLE_DEFAULT, CTL_SIGCACHE_MIN,
		CTL_SIGCACHE_MAX, DP_SIGCACHE_DEFAULT, CTL_SIGN_RATE_MAX, path, DNSKEY_TTL_MAX,
		CTL_DNSKEY_TTL_DEFAULT, CTL_PORT_DEFAULT, MS_INTERVAL_MAX, CTL_MS_POLL_DEFAULT,
		MS_INTERVAL_MAX, CTL_MS_RETRY_MIN_DEFAULT, MS_INTERVAL_MAX, CTL_MS_RETRY_MAX_DEFAULT,
		MS_DELAY_MAX,
		CTL_MS_DELAY_DEFAULT, MS_TIMEOUT_MS_MIN, MS_TIMEOUT_MS_MAX, CTL_MS_TIMEOUT_MS_DEFAULT,
		CTL_MS_PEERS_MAX, PEER_NAME_MAX, CTL_PORT_DEFAULT, CTL_DPDK_VLAN_MAX,
		TAP_PREFIX_MAX, CTL_DPDK_TAP_DEFAULT, CTL_DPDK_PREFIX4_DEFAULT,
		CTL_DPDK_PREFIX6_DEFAULT);
}
