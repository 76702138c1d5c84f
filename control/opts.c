/* SPDX-License-Identifier: BSD-3-Clause */
#include "control/opts.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <libconfig.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "control/ctlproto.h"
#include "dataplane/core/worker.h"
#include "dataplane/io/pkt.h"
#include "dns/err.h"
#include "dns/name.h"

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
};

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
listen_add(struct ctl_config *cfg, const struct dp_listen *l)
{
	struct dp_listen *v = realloc(cfg->listen, (cfg->nlisten + 1) * sizeof(*v));
	if (!v)
		return -ENOMEM;
	v[cfg->nlisten++] = *l;
	cfg->listen = v;
	return 0;
}

static void
listen_clear(struct ctl_config *cfg)
{
	free(cfg->listen);
	cfg->listen = NULL;
	cfg->nlisten = 0;
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
	v[cfg->nzones++] = (struct ctl_zone_conf){ .name = n, .file = f, .sign_rate = -1 };
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
	}
	free(cfg->zones);
	free(cfg->listen);
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

/*
 * Errors name the line of the "listen" setting itself: libconfig numbers an
 * array element with the line of the token after it, which can be wrong.
 */
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

static int
conf_listen_one(struct conf_ctx *c, const config_setting_t *listen, const config_setting_t *s)
{
	if (config_setting_type(s) != CONFIG_TYPE_STRING)
		return conf_err(c, listen, "'listen' entries must be strings like \"192.0.2.1:53\"");
	const char *text = config_setting_get_string(s);
	struct dp_listen l;
	char why[128];
	if (ctl_addr_parse(text, &l, why, sizeof(why)) != 0)
		return conf_err(c, listen, "invalid listen address '%s': %s", text, why);
	return listen_add(c->cfg, &l);
}

static int
conf_listen(struct conf_ctx *c, const config_setting_t *s)
{
	int t = config_setting_type(s);
	if (t == CONFIG_TYPE_STRING)
		return conf_listen_one(c, s, s);
	if (t != CONFIG_TYPE_ARRAY && t != CONFIG_TYPE_LIST)
		return conf_err(c, s, "'listen' must be a string or a list of strings");
	for (int i = 0; i < config_setting_length(s); i++) {
		int rc = conf_listen_one(c, s, config_setting_get_elem(s, (unsigned)i));
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
			rc = conf_listen(c, s);
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
			rc = conf_string(c, s, &str);
			if (rc == 0 && str[0] == '\0')
				rc = conf_err(c, s, "'keydir' must not be empty");
			if (rc == 0)
				rc = conf_path(c, str, &cfg->keydir);
		} else if (strcmp(name, "pin") == 0) {
			if (config_setting_type(s) != CONFIG_TYPE_BOOL)
				return conf_err(c, s, "'pin' must be true or false");
			cfg->pin = config_setting_get_bool(s);
			rc = 0;
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

static int
conf_zone(struct conf_ctx *c, const config_setting_t *group)
{
	if (config_setting_type(group) != CONFIG_TYPE_GROUP)
		return conf_err(c, group, "zone entries must be groups: { name = \"...\"; file = \"...\"; }");
	const char *name = NULL, *file = NULL, *denial = NULL;
	unsigned rate = 0;
	bool rate_set = false;
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
		} else
			rc = conf_err(c, s, "unknown setting 'zones.%s'", key);
		if (rc)
			return rc;
	}
	if (!name || !file)
		return conf_err(c, group, "zone entry without '%s'", name ? "file" : "name");

	uint8_t wire[DNS_NAME_MAXLEN];
	if (dns_name_from_str(name, wire, sizeof(wire)) <= 0)
		return conf_err(c, group, "invalid zone name '%s'", name);
	if (file[0] == '\0')
		return conf_err(c, group, "zone '%s' has an empty 'file'", name);
	if (zone_find(c->cfg, wire) >= 0)
		return conf_err(c, group, "zone '%s' is listed twice", name);

	char *path = NULL;
	int rc = conf_path(c, file, &path);
	if (rc == 0)
		rc = zone_add(c->cfg, name, path);
	if (rc == 0) {
		struct ctl_zone_conf *z = &c->cfg->zones[c->cfg->nzones - 1];
		z->nsec = denial && strcmp(denial, "nsec") == 0;
		if (rate_set)
			z->sign_rate = rate;
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
	{ "foreground", no_argument, NULL, 'f' },
	{ "log-level", required_argument, NULL, OPT_LOG_LEVEL },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 },
};

/* Parse argv into cli (lists as given) and *set (which scalars were given). */
static int
cli_parse(int argc, char **argv, struct ctl_config *cli, unsigned *set, char *err, size_t errlen)
{
	char why[128];
	int ch, rc = 0;

	optind = 0; /* glibc: full restart, so the parser may run again */
	opterr = 0;
	/* '+': stop at the first non-option, so that "--" ends the options and
	 * what follows it is left in place for EAL. */
	while (rc == 0 && (ch = getopt_long(argc, argv, "+:c:l:z:w:fhV", long_opts, NULL)) != -1) {
		switch (ch) {
		case 'l': {
			struct dp_listen l;
			if (ctl_addr_parse(optarg, &l, why, sizeof(why)) != 0) {
				seterr(err, errlen, "--listen '%s': %s", optarg, why);
				return -EINVAL;
			}
			rc = listen_add(cli, &l);
			break;
		}
		case 'z': {
			const char *eq = strchr(optarg, '=');
			if (!eq || eq == optarg || eq[1] == '\0') {
				seterr(err, errlen, "--zone '%s': expected NAME=FILE", optarg);
				return -EINVAL;
			}
			char name[1024];
			uint8_t wire[DNS_NAME_MAXLEN];
			size_t nlen = (size_t)(eq - optarg);
			if (nlen < sizeof(name))
				snprintf(name, sizeof(name), "%.*s", (int)nlen, optarg);
			if (nlen >= sizeof(name) || dns_name_from_str(name, wire, sizeof(wire)) <= 0) {
				seterr(err, errlen, "--zone '%s': invalid zone name", optarg);
				return -EINVAL;
			}
			if (zone_find(cli, wire) >= 0) {
				seterr(err, errlen, "--zone '%s': zone given twice", optarg);
				return -EINVAL;
			}
			rc = zone_add(cli, name, eq + 1);
			break;
		}
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
			if (optarg[0] == '\0') {
				seterr(err, errlen, "--control: empty path");
				return -EINVAL;
			}
			rc = replace_str(&cli->control_path, optarg);
			*set |= SET_CONTROL;
			break;
		case OPT_KEYDIR:
			if (optarg[0] == '\0') {
				seterr(err, errlen, "--keydir: empty path");
				return -EINVAL;
			}
			rc = replace_str(&cli->keydir, optarg);
			*set |= SET_KEYDIR;
			break;
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
	if (set & SET_DPDK_TAP) {
		free(cfg->dpdk_tap);
		cfg->dpdk_tap = cli->dpdk_tap;
		cli->dpdk_tap = NULL;
	}
	if (set & SET_DPDK_PREFIX4)
		cfg->dpdk_prefix4 = cli->dpdk_prefix4;
	if (set & SET_DPDK_PREFIX6)
		cfg->dpdk_prefix6 = cli->dpdk_prefix6;
	strv_move(&cfg->dpdk_eal, &cfg->ndpdk_eal, &cli->dpdk_eal, &cli->ndpdk_eal);
	strv_move(&cfg->dpdk_ports, &cfg->ndpdk_ports, &cli->dpdk_ports, &cli->ndpdk_ports);
	if (set & SET_KEYDIR) {
		free(cfg->keydir);
		cfg->keydir = cli->keydir;
		cli->keydir = NULL;
	}
	if (set & SET_CONTROL) {
		free(cfg->control_path);
		cfg->control_path = cli->control_path;
		cli->control_path = NULL;
	}
	if (cli->nlisten) {
		listen_clear(cfg);
		cfg->listen = cli->listen;
		cfg->nlisten = cli->nlisten;
		cli->listen = NULL;
		cli->nlisten = 0;
	}
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
	unsigned set = 0;
	int rc;

	memset(cfg, 0, sizeof(*cfg));
	err[0] = '\0';
	rc = cli_parse(argc, argv, &cli, &set, err, errlen);
	if (rc || cli.action == CTL_ACTION_HELP || cli.action == CTL_ACTION_VERSION) {
		cfg->action = cli.action;
		ctl_config_free(&cli);
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
		return rc;
	}
	if (cli.config_file) {
		cfg->config_file = cli.config_file;
		cli.config_file = NULL;
		rc = conf_read(cfg, cfg->config_file, err, errlen);
	}
	if (rc == 0)
		rc = merge(cfg, &cli, set);
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
"            [--foreground]\n"
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
"    file; the command line wins. --listen replaces the file's listen list;\n"
"    --zone adds a zone, or changes the file of a zone of the same name.\n"
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
"          denial = \"compact\"; sign-rate = 20000; }\n"
"    );\n"
"    Every setting is optional. A relative zone file or keydir path is\n"
"    relative to the directory of the configuration file. denial chooses how a\n"
"    signed zone proves that a name or type does not exist: \"compact\" (RFC\n"
"    9824 compact answers, the default) or \"nsec\" (RFC 4470 minimally\n"
"    covering NSEC records). sign-rate overrides the server's --sign-rate for\n"
"    the zone. An unknown setting is an error that\n"
"    names the setting and its line.\n"
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
		CTL_SIGCACHE_MAX, DP_SIGCACHE_DEFAULT, CTL_SIGN_RATE_MAX, path, CTL_DPDK_VLAN_MAX,
		TAP_PREFIX_MAX, CTL_DPDK_TAP_DEFAULT, CTL_DPDK_PREFIX4_DEFAULT,
		CTL_DPDK_PREFIX6_DEFAULT);
}
