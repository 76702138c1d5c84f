/* SPDX-License-Identifier: BSD-3-Clause */
/* Command line, configuration file and listen address parsing (control/opts). */
#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "control/ctlproto.h"
#include "control/opts.h"
#include "dns/err.h"
#include "tests/tap.h"

static char tmpdir[] = "/tmp/sigedge-test-opts-XXXXXX";
static char err[1024];

/* Run ctl_opts_parse on a NULL-terminated argument list (argv[0] is added). */
static int
parse(struct ctl_config *cfg, ...)
{
	char *argv[64];
	int argc = 0;
	va_list ap;
	argv[argc++] = strdup("sigedge");
	va_start(ap, cfg);
	for (const char *a; (a = va_arg(ap, const char *)) != NULL;)
		argv[argc++] = strdup(a);
	va_end(ap);
	argv[argc] = NULL;
	int rc = ctl_opts_parse(argc, argv, cfg, err, sizeof(err));
	for (int i = 0; i < argc; i++)
		free(argv[i]);
	return rc;
}

/* Write a file in the temporary directory and return its path (static buffer). */
static const char *
write_file(const char *name, const char *text)
{
	static char path[512];
	snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
	FILE *f = fopen(path, "w");
	if (!f)
		return NULL;
	fputs(text, f);
	fclose(f);
	return path;
}

static int
starts_with(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

static void
test_addr_good(void)
{
	struct dp_listen l;
	char buf[128];

	is_int(ctl_addr_parse("127.0.0.1:5300", &l, err, sizeof(err)), 0, "IPv4 with port");
	is_int(l.addr.ss_family, AF_INET, "  is IPv4");
	is_int(ntohs(((struct sockaddr_in *)&l.addr)->sin_port), 5300, "  port 5300");
	is_int(l.addrlen, sizeof(struct sockaddr_in), "  addrlen");
	ctl_addr_format(&l, buf, sizeof(buf));
	is_str(buf, "127.0.0.1:5300", "  formats back");

	is_int(ctl_addr_parse("192.0.2.1", &l, err, sizeof(err)), 0, "IPv4 without port");
	is_int(ntohs(((struct sockaddr_in *)&l.addr)->sin_port), 53, "  default port 53");

	is_int(ctl_addr_parse("[::1]:5300", &l, err, sizeof(err)), 0, "IPv6 in brackets with port");
	is_int(l.addr.ss_family, AF_INET6, "  is IPv6");
	is_int(ntohs(((struct sockaddr_in6 *)&l.addr)->sin6_port), 5300, "  port 5300");
	is_int(l.addrlen, sizeof(struct sockaddr_in6), "  addrlen");
	ctl_addr_format(&l, buf, sizeof(buf));
	is_str(buf, "[::1]:5300", "  formats back");

	is_int(ctl_addr_parse("[2001:db8::1]", &l, err, sizeof(err)), 0, "IPv6 in brackets, no port");
	is_int(ntohs(((struct sockaddr_in6 *)&l.addr)->sin6_port), 53, "  default port 53");
	ctl_addr_format(&l, buf, sizeof(buf));
	is_str(buf, "[2001:db8::1]:53", "  formats with the port");

	is_int(ctl_addr_parse("::1", &l, err, sizeof(err)), 0, "bare IPv6 address");
	is_int(l.addr.ss_family, AF_INET6, "  is IPv6");
	is_int(ntohs(((struct sockaddr_in6 *)&l.addr)->sin6_port), 53, "  default port 53");

	is_int(ctl_addr_parse("[fe80::1%lo]:53", &l, err, sizeof(err)), 0, "link-local with scope");
	is_int(((struct sockaddr_in6 *)&l.addr)->sin6_scope_id, if_nametoindex("lo"),
	       "  scope is lo's index");
	ctl_addr_format(&l, buf, sizeof(buf));
	is_str(buf, "[fe80::1%lo]:53", "  formats with the interface name");

	is_int(ctl_addr_parse("0.0.0.0:65535", &l, err, sizeof(err)), 0, "highest port");
}

static void
test_addr_bad(void)
{
	static const struct {
		const char *in, *why;
	} bad[] = {
		{ "", "missing address" },
		{ ":53", "missing address" },
		{ "[]:53", "missing address" },
		{ "127.0.0.1:", "invalid port" },
		{ "127.0.0.1:0", "invalid port" },
		{ "127.0.0.1:65536", "invalid port" },
		{ "127.0.0.1:53x", "invalid port" },
		{ "127.0.0.1:-1", "invalid port" },
		{ "127.0.0.1: 53", "invalid port" },
		{ "[::1", "missing ']'" },
		{ "[::1]5300", "expected ':PORT'" },
		{ "[::1]:", "invalid port" },
		{ "[127.0.0.1]:53", "not an IPv6 address" },
		{ "[::g]:53", "not an IPv6 address" },
		{ "[fe80::1%nosuchif0]:53", "unknown interface" },
		{ "localhost:53", "not an IPv4 address" },
		{ "127.1", "not an IPv4 address" },
		{ "256.0.0.1", "not an IPv4 address" },
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct dp_listen l;
		err[0] = '\0';
		is_int(ctl_addr_parse(bad[i].in, &l, err, sizeof(err)), -EINVAL, "rejects '%s'",
		       bad[i].in);
		ok(strstr(err, bad[i].why) != NULL, "  reason '%s' (got '%s')", bad[i].why, err);
	}
}

static void
test_defaults(void)
{
	struct ctl_config cfg;
	char path[256];
	is_int(parse(&cfg, "--listen", "127.0.0.1:5300", NULL), 0, "minimal command line");
	is_int(cfg.action, CTL_ACTION_RUN, "  action run");
	is_int(cfg.nlisten, 1, "  one listen address");
	is_int(cfg.nzones, 0, "  no zones");
	is_int(cfg.workers, sysconf(_SC_NPROCESSORS_ONLN), "  workers = online CPUs");
	is_int(cfg.udp_max_payload, 1232, "  udp-max-payload 1232");
	is_int(cfg.tcp_idle_ms, 10000, "  tcp-idle-timeout 10000");
	is_int(cfg.sigcache_entries, 65536, "  sigcache-entries 65536");
	is_int(cfg.pin, 0, "  not pinned");
	is_int(cfg.log_level, CTL_LOG_INFO, "  log level info");
	ok(cfg.config_file == NULL, "  no config file");
	ctl_control_default_path(path, sizeof(path));
	is_str(cfg.control_path, path, "  default control socket");
	ctl_config_free(&cfg);

	ctl_control_default_path(path, sizeof(path));
	if (geteuid() == 0)
		is_str(path, "/run/sigedge/control.sock", "root's default control socket");
	else
		ok(strstr(path, "sigedge") != NULL, "user's default control socket %s", path);
}

static void
test_cmdline_full(void)
{
	struct ctl_config cfg;
	is_int(parse(&cfg, "--listen", "127.0.0.1:5300", "-l", "[::1]:5301", "--zone",
		     "example.com=zones/example.com.zone", "-z", "Example.NET.=/srv/net.zone",
		     "--workers", "3", "--udp-max-payload", "4096", "--tcp-idle-timeout", "500",
		     "--sigcache-entries", "262144", "--control", "/tmp/x.sock", "--pin", "--log-level", "debug", "--foreground",
		     "--check", NULL),
	       0, "every flag");
	is_int(cfg.action, CTL_ACTION_CHECK, "  --check");
	is_int(cfg.nlisten, 2, "  two listen addresses");
	is_int(cfg.listen[1].addr.ss_family, AF_INET6, "  second is IPv6");
	is_int(cfg.nzones, 2, "  two zones");
	is_str(cfg.zones[0].name, "example.com", "  zone 1 name");
	is_str(cfg.zones[0].file, "zones/example.com.zone", "  zone 1 file stays relative to cwd");
	is_str(cfg.zones[1].name, "Example.NET.", "  zone 2 name as written");
	is_str(cfg.zones[1].file, "/srv/net.zone", "  zone 2 file");
	is_int(cfg.workers, 3, "  workers");
	is_int(cfg.udp_max_payload, 4096, "  udp-max-payload");
	is_int(cfg.tcp_idle_ms, 500, "  tcp-idle-timeout");
	is_int(cfg.sigcache_entries, 262144, "  sigcache-entries");
	is_str(cfg.control_path, "/tmp/x.sock", "  control");
	is_int(cfg.pin, 1, "  pin");
	is_int(cfg.log_level, CTL_LOG_DEBUG, "  log level");
	ctl_config_free(&cfg);

	is_int(parse(&cfg, "--help", NULL), 0, "--help");
	is_int(cfg.action, CTL_ACTION_HELP, "  action help (no listen needed)");
	ctl_config_free(&cfg);
	is_int(parse(&cfg, "-V", NULL), 0, "-V");
	is_int(cfg.action, CTL_ACTION_VERSION, "  action version");
	ctl_config_free(&cfg);
}

static void
test_cmdline_bad(void)
{
	static const struct {
		const char *args[4];
		const char *why;
	} bad[] = {
		{ { "--bogus" }, "unknown option '--bogus'" },
		{ { "-x" }, "unknown option '-x'" },
		{ { "--workers" }, "needs an argument" },
		{ { "--workers", "0" }, "--workers '0'" },
		{ { "--workers", "two" }, "--workers 'two'" },
		{ { "--workers", "1025" }, "--workers '1025'" },
		{ { "--workers", "-1" }, "--workers '-1'" },
		{ { "--udp-max-payload", "511" }, "expected 512..4096" },
		{ { "--udp-max-payload", "4097" }, "expected 512..4096" },
		{ { "--tcp-idle-timeout", "0" }, "--tcp-idle-timeout '0'" },
		{ { "--sign-rate", "1000001" }, "--sign-rate '1000001': expected 0..1000000" },
		{ { "--sign-rate", "-5" }, "--sign-rate '-5'" },
		{ { "--sigcache-entries", "512" }, "expected a power of two from 1024 to 16777216" },
		{ { "--sigcache-entries", "100000" }, "expected a power of two" },
		{ { "--sigcache-entries", "33554432" }, "--sigcache-entries '33554432'" },
		{ { "--zone", "example.com" }, "expected NAME=FILE" },
		{ { "--zone", "=f.zone" }, "expected NAME=FILE" },
		{ { "--zone", "example.com=" }, "expected NAME=FILE" },
		{ { "--zone", "a..b=f.zone" }, "invalid zone name" },
		{ { "--zone", "a.example=1", "--zone", "A.example.=2" }, "zone given twice" },
		{ { "--listen", "localhost" }, "--listen 'localhost'" },
		{ { "--log-level", "loud" }, "--log-level 'loud'" },
		{ { "--control", "" }, "empty path" },
		{ { "stray" }, "unexpected argument 'stray'" },
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct ctl_config cfg;
		const char *const *a = bad[i].args;
		err[0] = '\0';
		int rc = parse(&cfg, "--listen", "127.0.0.1", a[0], a[1], a[2], a[3], NULL);
		is_int(rc, -EINVAL, "rejects %s %s", a[0], a[1] ? a[1] : "");
		ok(strstr(err, bad[i].why) != NULL, "  says '%s' (got '%s')", bad[i].why, err);
		ok(cfg.listen == NULL && cfg.zones == NULL && cfg.control_path == NULL,
		   "  leaves cfg empty");
	}

	struct ctl_config cfg;
	is_int(parse(&cfg, "--zone", "example.com=x.zone", NULL), -EINVAL, "no listen address");
	ok(strstr(err, "no listen address") != NULL, "  says so (got '%s')", err);
	is_int(parse(&cfg, "--check", "--zone", "example.com=x.zone", NULL), 0,
	       "--check needs no listen address");
	ctl_config_free(&cfg);
}

static void
test_config_good(void)
{
	struct ctl_config cfg;
	const char *path = write_file("good.conf",
		"# sigedge test configuration\n"
		"server: {\n"
		"  listen = [\"127.0.0.1:5300\", \"[::1]:5300\"];\n"
		"  workers = 2;\n"
		"  udp-max-payload = 1400;\n"
		"  tcp-idle-timeout = 2500;\n"
		"  sigcache-entries = 4096;\n"
		"  sign-rate = 500;\n"
		"  control = \"/tmp/ctl.sock\";\n"
		"  keydir = \"keys\";\n"
		"  pin = true;\n"
		"  log-level = \"warning\";\n"
		"};\n"
		"zones = (\n"
		"  { name = \"example.com\"; file = \"zones/example.com.zone\"; denial = \"nsec\";\n"
		"    sign-rate = 0; },\n"
		"  { name = \"example.net\"; file = \"/abs/example.net.zone\"; denial = \"compact\"; }\n"
		");\n");
	char want[600];

	is_int(parse(&cfg, "--config", path, NULL), 0, "full configuration file");
	is_str(cfg.config_file, path, "  config_file kept");
	is_int(cfg.nlisten, 2, "  two listen addresses");
	is_int(cfg.listen[0].addr.ss_family, AF_INET, "  first IPv4");
	is_int(cfg.listen[1].addr.ss_family, AF_INET6, "  second IPv6");
	is_int(ntohs(((struct sockaddr_in6 *)&cfg.listen[1].addr)->sin6_port), 5300, "  port");
	is_int(cfg.workers, 2, "  workers");
	is_int(cfg.udp_max_payload, 1400, "  udp-max-payload");
	is_int(cfg.tcp_idle_ms, 2500, "  tcp-idle-timeout");
	is_int(cfg.sigcache_entries, 4096, "  sigcache-entries");
	is_str(cfg.control_path, "/tmp/ctl.sock", "  control");
	is_int(cfg.pin, 1, "  pin");
	is_int(cfg.log_level, CTL_LOG_WARNING, "  log level");
	is_int(cfg.nzones, 2, "  two zones");
	snprintf(want, sizeof(want), "%s/zones/example.com.zone", tmpdir);
	is_str(cfg.zones[0].file, want, "  relative zone file is relative to the config's directory");
	is_str(cfg.zones[1].file, "/abs/example.net.zone", "  absolute zone file unchanged");
	snprintf(want, sizeof(want), "%s/keys", tmpdir);
	is_str(cfg.keydir, want, "  relative keydir is relative to the config's directory");
	ok(cfg.zones[0].nsec && !cfg.zones[1].nsec, "  denial nsec, then compact");
	is_int(cfg.sign_rate, 500, "  server sign-rate");
	ok(cfg.zones[0].sign_rate == 0 && cfg.zones[1].sign_rate == 500,
	   "  a zone's sign-rate wins; a zone without one takes the server's");
	ctl_config_free(&cfg);
	is_int(parse(&cfg, "--config", path, "--sign-rate", "70", "--zone", "example.org=o.zone",
		     NULL), 0, "--sign-rate over the file");
	ok(cfg.nzones == 3 && cfg.zones[0].sign_rate == 0 && cfg.zones[1].sign_rate == 70 &&
	   cfg.zones[2].sign_rate == 70, "  zones without their own sign-rate take --sign-rate");
	ctl_config_free(&cfg);

	path = write_file("keydir.conf", "server: { keydir = \"/etc/keys\"; };\n");
	is_int(parse(&cfg, "-c", path, "-l", "127.0.0.1", NULL), 0, "absolute keydir");
	is_str(cfg.keydir, "/etc/keys", "  kept as given");
	ctl_config_free(&cfg);
	is_int(parse(&cfg, "-c", path, "-l", "127.0.0.1", "--keydir", "k", NULL), 0,
	       "--keydir over the file");
	is_str(cfg.keydir, "k", "  --keydir wins");
	ok(cfg.nzones == 0, "  no zones");
	ctl_config_free(&cfg);
	is_int(parse(&cfg, "-l", "127.0.0.1", "--zone", "a.example=a.zone", NULL), 0, "no keydir");
	ok(cfg.keydir == NULL && !cfg.zones[0].nsec, "  unsigned by default, compact denial");
	ctl_config_free(&cfg);
	is_int(parse(&cfg, "-l", "127.0.0.1", "--keydir", "", NULL), -EINVAL, "empty --keydir");
	ok(strstr(err, "--keydir") != NULL, "  says so (got '%s')", err);

	path = write_file("single.conf", "server: { listen = \"192.0.2.1\"; };\nzones = [];\n");
	is_int(parse(&cfg, "-c", path, NULL), 0, "listen as one string, empty zone list");
	is_int(cfg.nlisten, 1, "  one listen address");
	is_int(cfg.nzones, 0, "  no zones");
	is_int(cfg.workers, sysconf(_SC_NPROCESSORS_ONLN), "  unset workers keep the default");
	ctl_config_free(&cfg);

	path = write_file("empty.conf", "");
	is_int(parse(&cfg, "-c", path, "-l", "127.0.0.1", NULL), 0, "empty configuration file");
	ctl_config_free(&cfg);
}

static void
test_config_override(void)
{
	struct ctl_config cfg;
	const char *path = write_file("base.conf",
		"server: {\n"
		"  listen = [\"127.0.0.1:5300\", \"127.0.0.2:5300\"];\n"
		"  workers = 2;\n"
		"  udp-max-payload = 1400;\n"
		"  control = \"/tmp/from-file.sock\";\n"
		"  pin = true;\n"
		"  log-level = \"error\";\n"
		"};\n"
		"zones = ( { name = \"example.com\"; file = \"a.zone\"; },\n"
		"          { name = \"example.org\"; file = \"b.zone\"; } );\n");

	is_int(parse(&cfg, "--workers", "3", "--config", path, "--listen", "[::1]:53",
		     "--zone", "EXAMPLE.com.=/new/a.zone", "--zone", "example.net=c.zone",
		     "--control", "/tmp/from-flag.sock", "--log-level", "debug", NULL),
	       0, "flags over a configuration file (flag before --config too)");
	is_int(cfg.workers, 3, "  --workers wins");
	is_int(cfg.udp_max_payload, 1400, "  unset flag keeps the file's value");
	is_int(cfg.pin, 1, "  pin from the file");
	is_int(cfg.nlisten, 1, "  --listen replaces the file's list");
	is_int(cfg.listen[0].addr.ss_family, AF_INET6, "  with the flag's address");
	is_str(cfg.control_path, "/tmp/from-flag.sock", "  --control wins");
	is_int(cfg.log_level, CTL_LOG_DEBUG, "  --log-level wins");
	is_int(cfg.nzones, 3, "  --zone adds one and replaces one");
	is_str(cfg.zones[0].name, "example.com", "  replaced zone keeps its place");
	is_str(cfg.zones[0].file, "/new/a.zone", "  with the flag's file");
	is_str(cfg.zones[2].name, "example.net", "  added zone last");
	is_str(cfg.zones[2].file, "c.zone", "  flag's relative path stays as given");
	ctl_config_free(&cfg);
}

/* A configuration that must fail with "PATH:LINE: ..." containing why. */
static void
config_bad(const char *name, const char *text, int line, const char *why)
{
	struct ctl_config cfg;
	char want[600];
	const char *path = write_file(name, text);
	snprintf(want, sizeof(want), "%s:%d: ", path, line);
	err[0] = '\0';
	is_int(parse(&cfg, "-c", path, "-l", "127.0.0.1", NULL), DNS_ESYNTAX, "%s rejected", name);
	ok(starts_with(err, want), "  at line %d (got '%s')", line, err);
	ok(strstr(err, why) != NULL, "  says '%s'", why);
	ok(cfg.listen == NULL && cfg.zones == NULL, "  leaves cfg empty");
}

static void
test_config_bad(void)
{
	config_bad("syntax.conf", "server: {\n  workers = 2;\n  pin = ;\n};\n", 3, "syntax error");
	config_bad("unknown-server.conf", "server: {\n  workers = 2;\n  worker = 3;\n};\n", 3,
		   "unknown setting 'server.worker'");
	config_bad("unknown-top.conf", "server: { workers = 2; };\n\nzone = ();\n", 3,
		   "unknown setting 'zone'");
	config_bad("workers-zero.conf", "server: {\n workers = 0;\n};\n", 2,
		   "'workers' must be an integer from 1 to 1024");
	config_bad("workers-string.conf", "server: {\n\n workers = \"2\";\n};\n", 3,
		   "'workers' must be an integer");
	config_bad("udp-small.conf", "server: { udp-max-payload = 100; };\n", 1,
		   "'udp-max-payload' must be an integer from 512 to 4096");
	config_bad("sigcache-odd.conf", "server: {\n sigcache-entries = 3000;\n};\n", 2,
		   "'sigcache-entries' must be a power of two");
	config_bad("sigcache-small.conf", "server: { sigcache-entries = 8; };\n", 1,
		   "'sigcache-entries' must be an integer from 1024 to 16777216");
	config_bad("sign-rate-zone.conf",
		   "zones = (\n { name = \"a.example\"; file = \"a\";\n   sign-rate = -1; }\n);\n", 3,
		   "'sign-rate' must be an integer from 0 to 1000000");
	config_bad("tcp-float.conf", "server: { tcp-idle-timeout = 1.5; };\n", 1,
		   "'tcp-idle-timeout' must be an integer");
	config_bad("pin-int.conf", "server: {\n pin = 1;\n};\n", 2, "'pin' must be true or false");
	config_bad("log-level.conf", "server: {\n log-level = \"loud\";\n};\n", 2,
		   "'log-level' must be error, warning, info or debug");
	config_bad("control-empty.conf", "server: { control = \"\"; };\n", 1,
		   "'control' must not be empty");
	config_bad("listen-bad.conf",
		   "server: {\n listen = [\n  \"127.0.0.1:53\",\n  \"127.0.0.1:99999\"\n ];\n};\n", 2,
		   "invalid listen address '127.0.0.1:99999': invalid port");
	config_bad("listen-int.conf", "server: { listen = 53; };\n", 1,
		   "'listen' must be a string or a list of strings");
	config_bad("server-scalar.conf", "server = 1;\n", 1, "'server' must be a group");
	config_bad("zones-group.conf", "zones = { name = \"a\"; file = \"b\"; };\n", 1,
		   "'zones' must be a list");
	config_bad("zone-nofile.conf", "zones = (\n  { name = \"example.com\"; }\n);\n", 2,
		   "zone entry without 'file'");
	config_bad("zone-noname.conf", "zones = (\n\n  { file = \"x.zone\"; }\n);\n", 3,
		   "zone entry without 'name'");
	config_bad("zone-key.conf", "zones = (\n  { name = \"a.example\";\n    fiel = \"x\"; }\n);\n",
		   3, "unknown setting 'zones.fiel'");
	config_bad("zone-dup.conf",
		   "zones = (\n  { name = \"example.com\"; file = \"a\"; },\n"
		   "  { name = \"EXAMPLE.COM.\"; file = \"b\"; }\n);\n",
		   3, "zone 'EXAMPLE.COM.' is listed twice");
	config_bad("zone-name.conf", "zones = ( { name = \"a..b\"; file = \"x\"; } );\n", 1,
		   "invalid zone name 'a..b'");
	config_bad("keydir-empty.conf", "server: {\n keydir = \"\";\n};\n", 2,
		   "'keydir' must not be empty");
	config_bad("zone-denial.conf",
		   "zones = (\n  { name = \"a.example\"; file = \"x\";\n    denial = \"nsec3\"; }\n);\n",
		   3, "'denial' must be \"compact\" or \"nsec\"");
	config_bad("zone-scalar.conf", "zones = ( \"example.com\" );\n", 1,
		   "zone entries must be groups");

	struct ctl_config cfg;
	char missing[512];
	snprintf(missing, sizeof(missing), "%s/does-not-exist.conf", tmpdir);
	is_int(parse(&cfg, "-c", missing, "-l", "127.0.0.1", NULL), -ENOENT, "missing config file");
	ok(starts_with(err, missing) && strstr(err, "No such file"), "  names the file (got '%s')",
	   err);
}

static unsigned
port_of(const struct dp_listen *l)
{
	return l->addr.ss_family == AF_INET6 ? ntohs(((const struct sockaddr_in6 *)&l->addr)->sin6_port)
					     : ntohs(((const struct sockaddr_in *)&l->addr)->sin_port);
}

#define SECRET "c2VjcmV0"
#define TSIG_B "hmac-sha256:b.key:" SECRET
#define NAME63 "0123456789abcdef0123456789abcdef0123456789abcdef0123456789ABCDE"

/* Multi-signer settings left out: a single signer with the defaults. */
static void
test_ms_defaults(void)
{
	struct ctl_config cfg;
	is_int(parse(&cfg, "-l", "127.0.0.1", "--zone", "a.example=a.zone", NULL), 0,
	       "zone without multi-signer settings");
	const struct ctl_zone_conf *z = &cfg.zones[0];
	is_int(z->dnskey_ttl, CTL_DNSKEY_TTL_DEFAULT, "  dnskey-ttl 3600");
	ok(z->ms.model == 0 && z->ms.npeers == 0 && z->ms.peers == NULL, "  model 0, no peers");
	ok(z->ms.poll_interval == 60 && z->ms.retry_min == 1 && z->ms.retry_max == 300 &&
	   z->ms.delay == 0 && z->ms.timeout_ms == 2000, "  default timings");
	ok(cfg.statedir == NULL, "  no statedir without keydir");
	ok(cfg.keysync_listen == NULL && cfg.nkeysync_listen == 0, "  no keysync-listen");
	ctl_config_free(&cfg);

	is_int(parse(&cfg, "-l", "127.0.0.1", "--keydir", "keys", NULL), 0, "--keydir only");
	is_str(cfg.statedir, "keys", "  statedir defaults to keydir");
	ctl_config_free(&cfg);
}

static void
test_ms_config(void)
{
	struct ctl_config cfg;
	char want[600];
	const char *path = write_file("ms.conf",
		"server: {\n"
		"  keysync-listen = [ \"127.0.0.1:5300\", \"[::1]\" ];\n"
		"  statedir = \"state\";\n"
		"  keydir = \"keys\";\n"
		"};\n"
		"zones = (\n"
		"  { name = \"example.com\"; file = \"a.zone\"; dnskey-ttl = 300;\n"
		"    multi-signer = {\n"
		"      model = 2;\n"
		"      poll-interval = 30; retry-min = 2; retry-max = 600; delay = 5; timeout-ms = 1500;\n"
		"      peers = ( { name = \"b\"; address = \"127.0.0.2:53\"; tsig = \"" TSIG_B "\"; },\n"
		"                { name = \"c-1_x.y\"; address = \"[::1]:5300\";\n"
		"                  sig0-key = \"keys/Kexample.com.+013+12345\";\n"
		"                  sig0-peer = \"/etc/c.key\"; push = false; poll = true; },\n"
		"                { name = \"d\"; address = \"192.0.2.4\"; sig0-key = \"/k/d\";\n"
		"                  poll = false; } );\n"
		"    }; },\n"
		"  { name = \"example.net\"; file = \"b.zone\";\n"
		"    multi-signer = { model = 1; }; },\n"
		"  { name = \"example.org\"; file = \"c.zone\";\n"
		"    multi-signer = { model = 2; peers = []; }; }\n"
		");\n");
	is_int(parse(&cfg, "-c", path, "-l", "127.0.0.1", NULL), 0, "multi-signer configuration: %s",
	       err);
	is_int(cfg.nkeysync_listen, 2, "  two keysync-listen addresses");
	ok(cfg.nkeysync_listen == 2 && port_of(&cfg.keysync_listen[0]) == 5300 &&
	   cfg.keysync_listen[1].addr.ss_family == AF_INET6 && port_of(&cfg.keysync_listen[1]) == 53,
	   "  ports as given, 53 by default");
	snprintf(want, sizeof(want), "%s/state", tmpdir);
	is_str(cfg.statedir, want, "  relative statedir is relative to the config's directory");
	is_int(cfg.nzones, 3, "  three zones");
	const struct ctl_zone_conf *z = &cfg.zones[0];
	is_int(z->dnskey_ttl, 300, "  dnskey-ttl");
	is_int(z->ms.model, 2, "  model 2");
	ok(z->ms.poll_interval == 30 && z->ms.retry_min == 2 && z->ms.retry_max == 600 &&
	   z->ms.delay == 5 && z->ms.timeout_ms == 1500, "  timings");
	is_int(z->ms.npeers, 3, "  three peers");
	if (z->ms.npeers == 3) {
		const struct ctl_peer_conf *p = z->ms.peers;
		is_str(p[0].name, "b", "  peer b");
		ok(p[0].addr.addr.ss_family == AF_INET && port_of(&p[0].addr) == 53, "  its address");
		is_str(p[0].tsig, TSIG_B, "  its TSIG key as given");
		ok(!p[0].sig0_key && !p[0].sig0_peer && p[0].push && !p[0].poll,
		   "  no SIG(0); push, and no poll, by default");
		is_str(p[1].name, "c-1_x.y", "  peer c-1_x.y");
		ok(p[1].addr.addr.ss_family == AF_INET6 && port_of(&p[1].addr) == 5300, "  its address");
		ok(p[1].tsig == NULL, "  no TSIG");
		snprintf(want, sizeof(want), "%s/keys/Kexample.com.+013+12345", tmpdir);
		is_str(p[1].sig0_key, want, "  relative sig0-key is relative to the config's directory");
		is_str(p[1].sig0_peer, "/etc/c.key", "  absolute sig0-peer unchanged");
		ok(!p[1].push && p[1].poll, "  push false, poll true");
		ok(p[2].sig0_key && strcmp(p[2].sig0_key, "/k/d") == 0 && p[2].sig0_peer == NULL,
		   "  sig0-key without sig0-peer");
		ok(p[2].push && !p[2].poll, "  push by default, poll false");
	}
	z = &cfg.zones[1];
	ok(z->ms.model == 1 && z->ms.npeers == 0 && z->dnskey_ttl == CTL_DNSKEY_TTL_DEFAULT,
	   "  model 1 without peers");
	ok(z->ms.poll_interval == 60 && z->ms.retry_min == 1 && z->ms.retry_max == 300 &&
	   z->ms.delay == 0 && z->ms.timeout_ms == 2000, "  with the default timings");
	ok(cfg.zones[2].ms.model == 2 && cfg.zones[2].ms.npeers == 0,
	   "  model 2 with an empty peer list");
	ctl_config_free(&cfg);

	/* The command line over the file. */
	is_int(parse(&cfg, "-c", path, "-l", "127.0.0.1", "--keysync-listen", "127.0.0.9:5353",
		     "--statedir", "st", "--dnskey-ttl", "EXAMPLE.com.=60",
		     "--multi-signer", "example.com=1,retry-max=900,delay=0",
		     "--peer", "example.com=B@127.0.0.3:5300,sig0-key=k/K1,sig0-peer=k/p.key,push=no,poll=yes",
		     "--peer", "example.com=e@[::1],tsig=e:" SECRET ",poll=no",
		     "--peer", "example.net=f@127.0.0.6,tsig=" TSIG_B, NULL), 0,
	       "flags over the file's multi-signer settings: %s", err);
	ok(cfg.nkeysync_listen == 1 && port_of(&cfg.keysync_listen[0]) == 5353,
	   "  --keysync-listen replaces the file's list");
	is_str(cfg.statedir, "st", "  --statedir wins, relative to the working directory");
	z = &cfg.zones[0];
	is_int(z->dnskey_ttl, 60, "  --dnskey-ttl wins");
	is_int(z->ms.model, 1, "  --multi-signer's model wins");
	ok(z->ms.poll_interval == 30 && z->ms.retry_min == 2 && z->ms.retry_max == 900 &&
	   z->ms.delay == 0 && z->ms.timeout_ms == 1500,
	   "  the settings given win, the others keep the file's");
	is_int(z->ms.npeers, 4, "  one peer replaced, one added");
	if (z->ms.npeers == 4) {
		const struct ctl_peer_conf *p = z->ms.peers;
		is_str(p[0].name, "B", "  the replaced peer keeps its place, named as the flag has it");
		ok(p[0].tsig == NULL && strcmp(p[0].sig0_key, "k/K1") == 0 &&
		   strcmp(p[0].sig0_peer, "k/p.key") == 0 && !p[0].push && p[0].poll &&
		   port_of(&p[0].addr) == 5300, "  with the flag's settings, paths as given");
		is_str(p[1].name, "c-1_x.y", "  file peer kept");
		is_str(p[3].name, "e", "  flag peer added last");
		ok(p[3].addr.addr.ss_family == AF_INET6 && port_of(&p[3].addr) == 53 &&
		   strcmp(p[3].tsig, "e:" SECRET) == 0 && p[3].push && !p[3].poll,
		   "  address, TSIG key, push by default, poll=no");
	}
	ok(cfg.zones[1].ms.npeers == 1 && strcmp(cfg.zones[1].ms.peers[0].name, "f") == 0 &&
	   cfg.zones[1].ms.model == 1, "  a peer added to the model 1 zone");
	ctl_config_free(&cfg);

	/* Only flags, on a zone of --zone given after them. */
	is_int(parse(&cfg, "-l", "127.0.0.1", "--peer", "a.example=x@127.0.0.2,tsig=" TSIG_B,
		     "--peer", "a.example=" NAME63 "@127.0.0.3,sig0-key=k",
		     "--multi-signer", "a.example=2", "--dnskey-ttl", "a.example=604800",
		     "--zone", "a.example=a.zone", "--keysync-listen", "[::1]:5300",
		     "--keysync-listen", "127.0.0.1", "--keydir", "k", NULL), 0,
	       "every multi-signer flag without a file: %s", err);
	z = &cfg.zones[0];
	ok(z->ms.model == 2 && z->ms.npeers == 2 && z->dnskey_ttl == 604800 &&
	   z->ms.poll_interval == 60, "  model, peers, dnskey-ttl and default timings");
	ok(z->ms.npeers == 2 && strcmp(z->ms.peers[1].name, NAME63) == 0,
	   "  a peer name of 63 characters");
	ok(cfg.nkeysync_listen == 2 && port_of(&cfg.keysync_listen[0]) == 5300 &&
	   port_of(&cfg.keysync_listen[1]) == 53, "  --keysync-listen repeated");
	is_str(cfg.statedir, "k", "  statedir defaults to --keydir");
	ctl_config_free(&cfg);

	path = write_file("ms-one.conf", "server: { keysync-listen = \"127.0.0.1:5300\"; "
				       "keydir = \"/k\"; };\n");
	is_int(parse(&cfg, "-c", path, "-l", "127.0.0.1", NULL), 0, "keysync-listen as one string");
	is_int(cfg.nkeysync_listen, 1, "  one address");
	is_str(cfg.statedir, "/k", "  statedir defaults to the file's keydir");
	ctl_config_free(&cfg);
}

/* A configuration with n peers of zone a.example, p0 on line 3 (static buffer). */
static const char *
peers_conf(int n)
{
	static char text[16384];
	size_t len = (size_t)snprintf(text, sizeof(text), "zones = ( { name = \"a.example\"; "
				      "file = \"a\";\n  multi-signer = { model = 2; peers = (\n");
	for (int i = 0; i < n; i++)
		len += (size_t)snprintf(text + len, sizeof(text) - len,
					"    %s{ name = \"p%d\"; address = \"127.0.0.%d\"; "
					"tsig = \"" TSIG_B "\"; }\n", i ? "," : "", i, i + 1);
	snprintf(text + len, sizeof(text) - len, "  ); }; } );\n");
	return text;
}

static void
test_ms_cmdline_bad(void)
{
	static const struct {
		const char *args[4];
		const char *why;
	} bad[] = {
		{ { "--keysync-listen", "localhost" }, "--keysync-listen 'localhost'" },
		{ { "--keysync-listen", "127.0.0.1:0" }, "invalid port" },
		{ { "--statedir", "" }, "--statedir: empty path" },
		{ { "--dnskey-ttl", "a.example" }, "--dnskey-ttl 'a.example': expected ZONE=SECONDS" },
		{ { "--dnskey-ttl", "a.example=0" }, "expected ZONE=SECONDS, 1..604800" },
		{ { "--dnskey-ttl", "a.example=604801" }, "expected ZONE=SECONDS, 1..604800" },
		{ { "--dnskey-ttl", "a..example=60" }, "--dnskey-ttl 'a..example=60': invalid zone name" },
		{ { "--dnskey-ttl", "a.example=60", "--dnskey-ttl", "A.example.=70" }, "zone given twice" },
		{ { "--dnskey-ttl", "b.example=60" },
		  "--dnskey-ttl: no zone 'b.example' (give --zone b.example=FILE or a zones entry)" },
		{ { "--multi-signer", "a.example=3" }, "the model must be 1 or 2" },
		{ { "--multi-signer", "a.example=0" }, "the model must be 1 or 2" },
		{ { "--multi-signer", "a.example=2", "--multi-signer", "a.example=1" }, "zone given twice" },
		{ { "--multi-signer", "a.example=2,poll-interval=0" }, "poll-interval expects 1..86400" },
		{ { "--multi-signer", "a.example=2,poll-interval=86401" }, "poll-interval expects 1..86400" },
		{ { "--multi-signer", "a.example=2,retry-min=0" }, "retry-min expects 1..86400" },
		{ { "--multi-signer", "a.example=2,retry-max=86401" }, "retry-max expects 1..86400" },
		{ { "--multi-signer", "a.example=2,delay=864001" }, "delay expects 0..864000" },
		{ { "--multi-signer", "a.example=2,timeout-ms=9" }, "timeout-ms expects 10..60000" },
		{ { "--multi-signer", "a.example=2,timeout-ms=60001" }, "timeout-ms expects 10..60000" },
		{ { "--multi-signer", "a.example=2,retry-min=10,retry-max=5" },
		  "zone 'a.example' has retry-min 10 above retry-max 5" },
		{ { "--multi-signer", "a.example=2,retry-min=400" }, "retry-min 400 above retry-max 300" },
		{ { "--multi-signer", "a.example=2,colour=1" }, "unknown setting 'colour'" },
		{ { "--multi-signer", "a.example=2,delay" }, "expected SETTING=N, got 'delay'" },
		{ { "--peer", "a.example=b@127.0.0.2" }, "the peer has neither a TSIG key" },
		{ { "--peer", "a.example=b@127.0.0.2,tsig=hmac-md5:k:" SECRET }, "invalid tsig: " },
		{ { "--peer", "a.example=b@127.0.0.2,tsig=" TSIG_B ",sig0-key=k" }, "; give one" },
		{ { "--peer", "a.example=b@127.0.0.2,tsig=" TSIG_B ",sig0-peer=k" },
		  "the peer has sig0-peer without sig0-key" },
		{ { "--peer", "a.example=b c@127.0.0.2,tsig=" TSIG_B }, "invalid peer name 'b c'" },
		{ { "--peer", "a.example=@127.0.0.2,tsig=" TSIG_B }, "invalid peer name ''" },
		{ { "--peer", "a.example=b,tsig=" TSIG_B }, "expected ZONE=NAME@ADDR" },
		{ { "--peer", "a.example=b@localhost,tsig=" TSIG_B }, "invalid address 'localhost'" },
		{ { "--peer", "a.example=b@127.0.0.2,tsig=" TSIG_B ",push=maybe" },
		  "push expects yes or no" },
		{ { "--peer", "a.example=b@127.0.0.2,tsig=" TSIG_B ",poll=1" }, "poll expects yes or no" },
		{ { "--peer", "a.example=b@127.0.0.2,tsig=" TSIG_B ",colour=red" },
		  "unknown setting 'colour'" },
		{ { "--peer", "a.example=b@127.0.0.2,tsig:" TSIG_B }, "expected SETTING=VALUE, got 'tsig'" },
		{ { "--peer", "a.example=b@127.0.0.2,tsig:" TSIG_B "==" }, "unknown setting 'tsig'" },
		{ { "--peer", "a.example=b@127.0.0.2,sig0-key=" }, "expected SETTING=VALUE, got 'sig0-key'" },
		{ { "--peer", "a.example=b@127.0.0.2,tsig=" TSIG_B, "--peer",
		    "a.example=B@127.0.0.3,tsig=" TSIG_B }, "'a.example=B@127.0.0.3': peer given twice" },
		{ { "--peer", "a.example=b@127.0.0.2,tsig=" TSIG_B },
		  "--peer: zone 'a.example' is not multi-signer" },
		{ { "--peer", "b.example=b@127.0.0.2,tsig=" TSIG_B }, "--peer: no zone 'b.example'" },
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct ctl_config cfg;
		const char *const *a = bad[i].args;
		/* a.example is multi-signer for the --multi-signer cases only. */
		bool ms = strcmp(a[0], "--multi-signer") == 0;
		err[0] = '\0';
		int rc = ms ? parse(&cfg, "-l", "127.0.0.1", "--zone", "a.example=a", a[0], a[1], a[2],
				    a[3], NULL)
			    : strcmp(a[0], "--peer") == 0 && !strstr(bad[i].why, "not multi-signer")
			    ? parse(&cfg, "-l", "127.0.0.1", "--zone", "a.example=a", "--multi-signer",
				    "a.example=2", a[0], a[1], a[2], a[3], NULL)
			    : parse(&cfg, "-l", "127.0.0.1", "--zone", "a.example=a", a[0], a[1], a[2],
				    a[3], NULL);
		is_int(rc, -EINVAL, "rejects %s %s%s%s", a[0], a[1], a[2] ? " " : "", a[2] ? a[2] : "");
		ok(strstr(err, bad[i].why) != NULL, "  says '%s' (got '%s')", bad[i].why, err);
		ok(strstr(err, SECRET) == NULL, "  shows no TSIG secret");
		ok(cfg.zones == NULL && cfg.keysync_listen == NULL && cfg.statedir == NULL,
		   "  leaves cfg empty");
	}

	/* At most CTL_MS_PEERS_MAX peers once the flags' are added to the file's. */
	struct ctl_config cfg;
	const char *path = write_file("peers-60.conf", peers_conf(CTL_MS_PEERS_MAX));
	is_int(parse(&cfg, "-c", path, "-l", "127.0.0.1", "--peer",
		     "a.example=p0@127.0.0.9,tsig=" TSIG_B, NULL), 0,
	       "60 peers in the file, one replaced by --peer: %s", err);
	ok(cfg.zones[0].ms.npeers == CTL_MS_PEERS_MAX &&
	   port_of(&cfg.zones[0].ms.peers[0].addr) == 53, "  still 60");
	ctl_config_free(&cfg);
	is_int(parse(&cfg, "-c", path, "-l", "127.0.0.1", "--peer",
		     "a.example=q@127.0.0.9,tsig=" TSIG_B, NULL), -EINVAL, "a 61st peer by --peer");
	ok(strstr(err, "zone 'a.example' has 61 peers, more than 60") != NULL, "  says so (got '%s')",
	   err);
}

static void
test_ms_config_bad(void)
{
	/* The zone list around one multi-signer group: the group opens on line 2. */
#define MSZ(g) "zones = ( { name = \"a.example\"; file = \"a\";\n multi-signer = {\n" g "\n }; } );\n"
	/* A peer group in it opens on line 5, its settings start on line 6. */
#define PEER(p) MSZ(" model = 2;\n peers = (\n {\n" p "\n }\n );")
#define B_AT " name = \"b\"; address = \"127.0.0.2\";\n"
	static const struct {
		const char *name, *text;
		int line;
		const char *why;
	} bad[] = {
		{ "ms-model.conf", MSZ(" model = 3;"), 3, "'model' must be 1 or 2" },
		{ "ms-model-str.conf", MSZ(" model = \"2\";"), 3, "'model' must be 1 or 2" },
		{ "ms-nomodel.conf", MSZ(" poll-interval = 5;"), 2,
		  "'multi-signer' without 'model' (1 or 2)" },
		{ "ms-scalar.conf", "zones = ( { name = \"a.example\"; file = \"a\";\n"
		  " multi-signer = 2; } );\n", 2, "'multi-signer' must be a group" },
		{ "ms-key.conf", MSZ(" model = 1;\n colour = 1;"), 4,
		  "unknown setting 'zones.multi-signer.colour'" },
		{ "ms-poll0.conf", MSZ(" model = 1; poll-interval = 0;"), 3,
		  "'poll-interval' must be an integer from 1 to 86400" },
		{ "ms-poll-max.conf", MSZ(" model = 1;\n poll-interval = 86401;"), 4,
		  "'poll-interval' must be an integer from 1 to 86400" },
		{ "ms-retry-min.conf", MSZ(" model = 1; retry-min = 0;"), 3,
		  "'retry-min' must be an integer from 1 to 86400" },
		{ "ms-retry-max.conf", MSZ(" model = 1; retry-max = 86401;"), 3,
		  "'retry-max' must be an integer from 1 to 86400" },
		{ "ms-delay.conf", MSZ(" model = 1; delay = 864001;"), 3,
		  "'delay' must be an integer from 0 to 864000" },
		{ "ms-delay-neg.conf", MSZ(" model = 1; delay = -1;"), 3,
		  "'delay' must be an integer from 0 to 864000" },
		{ "ms-timeout-min.conf", MSZ(" model = 1; timeout-ms = 9;"), 3,
		  "'timeout-ms' must be an integer from 10 to 60000" },
		{ "ms-timeout-max.conf", MSZ(" model = 1; timeout-ms = 60001;"), 3,
		  "'timeout-ms' must be an integer from 10 to 60000" },
		{ "ms-retry-order.conf", MSZ(" model = 1;\n retry-min = 10; retry-max = 5;"), 2,
		  "'retry-min' (10) is above 'retry-max' (5)" },
		{ "ms-ttl0.conf", "zones = ( { name = \"a.example\"; file = \"a\";\n"
		  " dnskey-ttl = 0; } );\n", 2,
		  "'dnskey-ttl' must be an integer from 1 to 604800" },
		{ "ms-ttl-max.conf", "zones = ( { name = \"a.example\"; file = \"a\";\n\n"
		  " dnskey-ttl = 604801; } );\n", 3,
		  "'dnskey-ttl' must be an integer from 1 to 604800" },
		{ "ms-peers-group.conf", MSZ(" model = 2;\n peers = { name = \"b\"; };"), 4,
		  "'peers' must be a list" },
		{ "ms-peer-scalar.conf", MSZ(" model = 2;\n peers = ( \"b\" );"), 4,
		  "peer entries must be groups" },
		{ "ms-peer-key.conf", PEER(B_AT " colour = 1;"), 7,
		  "unknown setting 'zones.multi-signer.peers.colour'" },
		{ "ms-peer-name.conf", PEER(" address = \"127.0.0.2\";\n name = \"b/c\";"), 7,
		  "invalid peer name 'b/c': expected 1 to 63 letters, digits, '-', '_' or '.'" },
		{ "ms-peer-name-long.conf", PEER(" name = \"x" NAME63 "\";"), 6,
		  "invalid peer name" },
		{ "ms-peer-noname.conf", PEER(" address = \"127.0.0.2\";\n tsig = \"" TSIG_B "\";"),
		  5,
		  "peer entry without 'name'" },
		{ "ms-peer-noaddr.conf", PEER(" name = \"b\";\n tsig = \"" TSIG_B "\";"), 5,
		  "peer 'b' has no 'address'" },
		{ "ms-peer-addr.conf", PEER(" name = \"b\";\n address = \"b.example\";"), 7,
		  "invalid peer address 'b.example': not an IPv4 address" },
		{ "ms-peer-tsig.conf", PEER(B_AT " tsig = \"hmac-sha256:b.key:\";"), 7,
		  "invalid 'tsig': TSIG key b.key: empty secret" },
		{ "ms-peer-tsig-alg.conf", PEER(B_AT " tsig = \"hmac-md5:b.key:" SECRET "\";"), 7,
		  "invalid 'tsig': TSIG key: unknown algorithm \"hmac-md5\"" },
		{ "ms-peer-both.conf", PEER(B_AT " tsig = \"" TSIG_B "\"; sig0-key = \"k\";"), 5,
		  "peer 'b' has both a TSIG key (tsig) and a SIG(0) key pair (sig0-key); give one" },
		{ "ms-peer-none.conf", PEER(B_AT), 5,
		  "peer 'b' has neither a TSIG key (tsig) nor a SIG(0) key pair (sig0-key)" },
		{ "ms-peer-sig0peer.conf", PEER(B_AT " sig0-peer = \"k.key\";"), 5,
		  "peer 'b' has sig0-peer without sig0-key" },
		{ "ms-peer-sig0-empty.conf", PEER(B_AT " sig0-key = \"\";"), 7,
		  "'sig0-key' must not be empty" },
		{ "ms-peer-push.conf", PEER(B_AT " push = 1;"), 7, "'push' must be true or false" },
		{ "ms-peer-dup.conf",
		  MSZ(" model = 2;\n peers = (\n { name = \"b\"; address = \"127.0.0.2\"; tsig = \""
		      TSIG_B "\"; },\n { name = \"B\"; address = \"127.0.0.3\"; tsig = \"" TSIG_B
		      "\"; }\n );"), 6, "peer 'B' is listed twice" },
		{ "ms-keysync.conf", "server: {\n keysync-listen = [ \"127.0.0.1:0\" ];\n};\n", 2,
		  "invalid keysync-listen address '127.0.0.1:0': invalid port" },
		{ "ms-keysync-int.conf", "server: { keysync-listen = 5300; };\n", 1,
		  "'keysync-listen' must be a string or a list of strings" },
		{ "ms-statedir.conf", "server: {\n statedir = \"\";\n};\n", 2,
		  "'statedir' must not be empty" },
	};
#undef B_AT
#undef PEER
#undef MSZ
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		config_bad(bad[i].name, bad[i].text, bad[i].line, bad[i].why);
	config_bad("peers-61.conf", peers_conf(CTL_MS_PEERS_MAX + 1), 3 + CTL_MS_PEERS_MAX,
		   "more than 60 peers");
}

static void
test_usage(void)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	ctl_opts_usage(f);
	fclose(f);
	static const char *const want[] = {
		"SYNOPSIS", "OPTIONS", "CONFIGURATION FILE", "SIGNALS", "FILES", "EXIT STATUS",
		"EXAMPLES", "--listen", "--zone", "--config", "--workers", "--udp-max-payload",
		"--tcp-idle-timeout", "--sigcache-entries", "--sign-rate", "--control", "--keydir", "--pin", "--check", "--foreground", "--log-level",
		"--help", "--version", "SIGHUP", "SIGTERM", "Default: 1232", "Default: 10000",
		"--dpdk", "--dpdk-eal", "--dpdk-port", "--dpdk-vlan", "--dpdk-tap", "--dpdk-prefix",
		"--dpdk-prefix6", "DPDK BACKEND", "takes the kernel path", "CAP_NET_ADMIN",
		"--no-huge", "--keysync-listen", "--statedir", "--dnskey-ttl", "--multi-signer",
		"--peer", "poll-interval", "retry-min", "retry-max", "timeout-ms", "sig0-key",
		"sig0-peer", "push=no", "poll=yes", "keysync-listen = ", "statedir = ",
		"dnskey-ttl = ", "multi-signer = {", "peers = (", "Default: 3600",
	};
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++)
		ok(strstr(text, want[i]) != NULL, "--help mentions %s", want[i]);
	free(text);
}

/* --dpdk and its settings, on the command line and in the configuration file. */
static void
test_dpdk(void)
{
	struct ctl_config cfg;
	int rc;

	if (!ctl_dpdk_available()) {
		is_int(parse(&cfg, "--dpdk", "--dpdk-port", "net_pcap0", "--listen", "192.0.2.1",
			     NULL), -EINVAL, "--dpdk in a build without DPDK is refused");
		ok(strstr(err, "not in this build") != NULL, "  says so: %s", err);
		return;
	}
	is_int(parse(&cfg, "--listen", "192.0.2.1", NULL), 0, "default backend");
	is_int(cfg.backend, CTL_BACKEND_SOCKET, "  is socket");
	ctl_config_free(&cfg);

	rc = parse(&cfg, "--dpdk", "--dpdk-port", "net_pcap0", "--dpdk-port", "1",
		   "--dpdk-vlan", "100", "--dpdk-eal", "--no-huge", "--listen", "192.0.2.1",
		   "--listen", "[2001:db8::1]", "--", "-l", "0,1", "--vdev", "net_pcap0,iface=lo",
		   NULL);
	is_int(rc, 0, "--dpdk with ports, VLAN and EAL arguments: %s", err);
	is_int(cfg.backend, CTL_BACKEND_DPDK, "  backend dpdk");
	is_int(cfg.workers, 0, "  workers default to EAL's lcores (0)");
	is_int(cfg.dpdk_vlan, 100, "  VLAN 100");
	ok(cfg.ndpdk_ports == 2 && strcmp(cfg.dpdk_ports[0], "net_pcap0") == 0 &&
	   strcmp(cfg.dpdk_ports[1], "1") == 0, "  ports in order");
	ok(cfg.ndpdk_eal == 5 && strcmp(cfg.dpdk_eal[0], "--no-huge") == 0 &&
	   strcmp(cfg.dpdk_eal[1], "-l") == 0 && strcmp(cfg.dpdk_eal[4], "net_pcap0,iface=lo") == 0,
	   "  --dpdk-eal first, then everything after --");
	ctl_config_free(&cfg);

	is_int(parse(&cfg, "--dpdk", "--listen", "192.0.2.1", NULL), -EINVAL, "--dpdk without a port");
	ok(strstr(err, "--dpdk-port") != NULL, "  names --dpdk-port: %s", err);
	is_int(parse(&cfg, "--dpdk", "--dpdk-port", "0", "--listen", "192.0.2.1:53",
		     "--listen", "192.0.2.2:5300", NULL), -EINVAL, "listen ports differ");
	ok(strstr(err, "same port") != NULL, "  says so: %s", err);
	is_int(parse(&cfg, "--dpdk-port", "0", "--listen", "192.0.2.1", NULL), -EINVAL,
	       "--dpdk-port without --dpdk");
	is_int(parse(&cfg, "--listen", "192.0.2.1", "--", "-l", "0", NULL), -EINVAL,
	       "EAL arguments without --dpdk");
	is_int(parse(&cfg, "--dpdk", "--dpdk-port", "0", "--dpdk-vlan", "4095",
		     "--listen", "192.0.2.1", NULL), -EINVAL, "--dpdk-vlan 4095");
	is_int(parse(&cfg, "--listen", "192.0.2.1", "stray", NULL), -EINVAL, "a stray argument");

	/* The kernel path. */
	is_int(parse(&cfg, "--dpdk", "--dpdk-port", "0", "--listen", "192.0.2.1", NULL), 0,
	       "kernel path defaults: %s", err);
	ok(cfg.dpdk_tap && strcmp(cfg.dpdk_tap, "sigedge") == 0 && cfg.dpdk_prefix4 == 24 &&
	   cfg.dpdk_prefix6 == 64, "  TAP prefix sigedge, prefix lengths 24 and 64");
	ctl_config_free(&cfg);
	is_int(parse(&cfg, "--dpdk", "--dpdk-port", "0", "--listen", "192.0.2.1", "--dpdk-tap",
		     "dns-", "--dpdk-prefix", "30", "--dpdk-prefix6", "112", NULL), 0,
	       "--dpdk-tap, --dpdk-prefix and --dpdk-prefix6: %s", err);
	ok(strcmp(cfg.dpdk_tap, "dns-") == 0 && cfg.dpdk_prefix4 == 30 && cfg.dpdk_prefix6 == 112,
	   "  taken");
	ctl_config_free(&cfg);
	is_int(parse(&cfg, "--dpdk", "--dpdk-port", "0", "--listen", "192.0.2.1", "--dpdk-tap",
		     "none", NULL), 0, "--dpdk-tap none");
	ok(cfg.dpdk_tap == NULL, "  no kernel path");
	ctl_config_free(&cfg);
	static const char *const bad_tap[] = { "", "thirteenchars", "a b", "a/b", "a:b" };
	for (size_t i = 0; i < sizeof(bad_tap) / sizeof(bad_tap[0]); i++) {
		is_int(parse(&cfg, "--dpdk", "--dpdk-port", "0", "--listen", "192.0.2.1",
			     "--dpdk-tap", bad_tap[i], NULL), -EINVAL, "--dpdk-tap '%s' refused",
		       bad_tap[i]);
		ok(strstr(err, "interface name prefix") != NULL, "  says why: %s", err);
	}
	static const char *const bad_prefix[][2] = {
		{ "--dpdk-prefix", "0" }, { "--dpdk-prefix", "33" }, { "--dpdk-prefix6", "129" },
		{ "--dpdk-prefix6", "x" },
	};
	for (size_t i = 0; i < sizeof(bad_prefix) / sizeof(bad_prefix[0]); i++)
		is_int(parse(&cfg, "--dpdk", "--dpdk-port", "0", "--listen", "192.0.2.1",
			     bad_prefix[i][0], bad_prefix[i][1], NULL), -EINVAL, "%s %s refused",
		       bad_prefix[i][0], bad_prefix[i][1]);
	is_int(parse(&cfg, "--dpdk", "--dpdk-port", "0", "--workers", "3", "--check", NULL), 0,
	       "--check with --dpdk needs no listen address");
	is_int(cfg.workers, 3, "  --workers kept");
	ctl_config_free(&cfg);

	const char *conf = write_file("dpdk.conf",
		"server: { listen = \"192.0.2.1\"; backend = \"dpdk\"; dpdk-vlan = 7;\n"
		"  dpdk-eal = [\"--no-huge\", \"-l\", \"0,1\"]; dpdk-ports = [\"net_pcap0\"];\n"
		"  dpdk-tap = \"none\"; dpdk-prefix = 16; dpdk-prefix6 = 48; };\n");
	is_int(parse(&cfg, "--config", conf, NULL), 0, "config file: DPDK settings: %s", err);
	ok(cfg.backend == CTL_BACKEND_DPDK && cfg.dpdk_vlan == 7 && cfg.ndpdk_eal == 3 &&
	   cfg.ndpdk_ports == 1 && strcmp(cfg.dpdk_ports[0], "net_pcap0") == 0,
	   "  backend, VLAN, EAL arguments, ports");
	ok(cfg.dpdk_tap == NULL && cfg.dpdk_prefix4 == 16 && cfg.dpdk_prefix6 == 48,
	   "  kernel path settings");
	ctl_config_free(&cfg);
	is_int(parse(&cfg, "--config", conf, "--dpdk-tap", "edge", NULL), 0,
	       "--dpdk-tap over the file's none");
	ok(cfg.dpdk_tap && strcmp(cfg.dpdk_tap, "edge") == 0, "  edge");
	ctl_config_free(&cfg);
	is_int(parse(&cfg, "--config", conf, "--dpdk-port", "net_pcap1", "--", "-l", "0", NULL), 0,
	       "command line over the file");
	ok(cfg.ndpdk_ports == 1 && strcmp(cfg.dpdk_ports[0], "net_pcap1") == 0 &&
	   cfg.ndpdk_eal == 2, "  ports and EAL arguments replaced");
	ctl_config_free(&cfg);
	conf = write_file("dpdk-tap.conf", "server: { dpdk-tap = \"a.b\"; };\n");
	is_int(parse(&cfg, "--config", conf, NULL), DNS_ESYNTAX, "config file: bad dpdk-tap");
	ok(strstr(err, "dpdk-tap.conf:1: 'dpdk-tap'") != NULL, "  names file, line and setting: %s",
	   err);
	conf = write_file("dpdk-bad.conf", "server: { backend = \"xdp\"; };\n");
	is_int(parse(&cfg, "--config", conf, NULL), DNS_ESYNTAX, "config file: unknown backend");
	ok(strstr(err, "dpdk-bad.conf:1: 'backend' must be") != NULL, "  names file and line: %s",
	   err);
}

int
main(void)
{
	if (!mkdtemp(tmpdir)) {
		printf("1..0 # SKIP cannot create a temporary directory\n");
		return 0;
	}
	test_addr_good();
	test_addr_bad();
	test_defaults();
	test_cmdline_full();
	test_cmdline_bad();
	test_config_good();
	test_config_override();
	test_config_bad();
	test_ms_defaults();
	test_ms_config();
	test_ms_cmdline_bad();
	test_ms_config_bad();
	test_usage();
	test_dpdk();

	char cmd[600];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	if (system(cmd) != 0)
		diag("could not remove %s", tmpdir);
	return tap_done();
}
