/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * control/dnsclient and control/dnsserver on 127.0.0.1 and ::1: a server
 * and a client in one process, driven by one poll loop; raw sockets play
 * forged servers and pipelining clients; kdig queries the server.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "control/dnsclient.h"
#include "control/dnsserver.h"
#include "dns/name.h"
#include "dns/wire.h"
#include "tests/tap.h"

#define TYPE_TXT 16
#define PFD_MAX 256
#define LARGE_RRS 200          /* about 54000 octets of answer */
#define SLOW_N 100             /* large replies for the slow reader: over 5 MB */

static uint64_t
now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* ---- the server's handler ---- */

static unsigned served_udp, served_tcp;

/*
 * Answers TXT "from-handler-udp" or "from-handler-tcp"; "tc.test" over UDP
 * gets an empty reply with TC; "silent.test" gets nothing; "large.test"
 * gets LARGE_RRS TXT records of 255 octets before the usual one.
 */
static size_t
handler(void *arg, const uint8_t *req, size_t len, const struct sockaddr *from,
	socklen_t fromlen, bool tcp, uint8_t *reply, size_t cap)
{
	(void)arg;
	(void)from;
	(void)fromlen;
	struct dns_query q;
	struct dns_builder b;
	uint8_t tc[16], silent[16], large[16];
	dns_name_from_str("tc.test", tc, sizeof(tc));
	dns_name_from_str("silent.test", silent, sizeof(silent));
	dns_name_from_str("large.test", large, sizeof(large));
	if (dns_query_parse(req, len, &q) < 0 || q.qdcount != 1)
		return 0;
	if (tcp)
		served_tcp++;
	else
		served_udp++;
	if (dns_name_equal(q.qname.wire, silent) || dns_builder_init(&b, reply, cap, &q) < 0)
		return 0;
	dns_builder_set_flags(&b, DNS_AA);
	if (!tcp && dns_name_equal(q.qname.wire, tc)) {
		dns_builder_set_flags(&b, DNS_TC);
		return b.len;
	}
	uint8_t rd[256];
	if (dns_name_equal(q.qname.wire, large)) {
		rd[0] = 255;
		memset(rd + 1, 'y', 255);
		for (unsigned i = 0; i < LARGE_RRS; i++)
			dns_builder_put_rr(&b, NULL, TYPE_TXT, 1, 60, rd, 256);
	}
	rd[0] = (uint8_t)snprintf((char *)rd + 1, sizeof(rd) - 1, "from-handler-%s",
				  tcp ? "tcp" : "udp");
	dns_builder_put_rr(&b, NULL, TYPE_TXT, 1, 60, rd, (uint16_t)(rd[0] + 1));
	return b.len;
}

/* ---- messages ---- */

/* A query for name/TXT; pad > 0 adds a TXT RR of pad octets of RDATA to the additional section. */
static size_t
make_query(uint8_t *buf, uint16_t id, const char *name, size_t pad)
{
	memset(buf, 0, DNS_HDR_LEN);
	dns_put16(buf, id);
	dns_put16(buf + 4, 1);
	int n = dns_name_from_str(name, buf + DNS_HDR_LEN, DNS_NAME_MAXLEN);
	size_t len = DNS_HDR_LEN + (size_t)n;
	dns_put16(buf + len, TYPE_TXT);
	dns_put16(buf + len + 2, 1);
	len += 4;
	if (pad) {
		dns_put16(buf + 10, 1);
		buf[len++] = 0;
		dns_put16(buf + len, TYPE_TXT);
		dns_put16(buf + len + 2, 1);
		dns_put32(buf + len + 4, 0);
		dns_put16(buf + len + 8, (uint16_t)pad);
		len += 10;
		for (size_t i = 0; i < pad; i += 256) {
			size_t k = pad - i < 256 ? pad - i : 256;
			buf[len + i] = (uint8_t)(k - 1);
			memset(buf + len + i + 1, 'x', k - 1);
		}
		len += pad;
	}
	return len;
}

/* The reply's (last) TXT answer says which transport the handler saw. */
static bool
reply_says(const uint8_t *m, size_t len, const char *what)
{
	char want[32];
	int n = snprintf(want, sizeof(want), "from-handler-%s", what);
	return len > (size_t)n && memcmp(m + len - n, want, n) == 0;
}

/* ---- completions ---- */

struct result {
	int calls;
	int rc;
	size_t rlen;
	uint8_t reply[DNS_MSG_MAX];
	uint64_t at;
};

static void
record(void *arg, int rc, const uint8_t *reply, size_t rlen)
{
	struct result *r = arg;
	r->calls++;
	r->rc = rc;
	r->rlen = rlen;
	r->at = now_ms();
	if (reply)
		memcpy(r->reply, reply, rlen);
}

/* ---- the loop ---- */

static struct ctl_dnss *srv;
static struct ctl_dnsc *cli;

/* One poll round over the server, the client and extra (if >= 0); at most cap_ms. */
static short
step(int extra, int cap_ms)
{
	struct pollfd pf[PFD_MAX];
	size_t n = 0;
	if (srv)
		n += ctl_dnss_pollfds(srv, pf + n, PFD_MAX - 1 - n);
	if (cli)
		n += ctl_dnsc_pollfds(cli, pf + n, PFD_MAX - 1 - n);
	if (n >= PFD_MAX - 1) {
		diag("more descriptors than the test loop holds");
		exit(1);
	}
	if (extra >= 0)
		pf[n++] = (struct pollfd){ .fd = extra, .events = POLLIN };
	int t = cap_ms;
	int ts = srv ? ctl_dnss_timeout_ms(srv) : -1, tc = cli ? ctl_dnsc_timeout_ms(cli) : -1;
	if (ts >= 0 && ts < t)
		t = ts;
	if (tc >= 0 && tc < t)
		t = tc;
	if (poll(pf, n, t) < 0 && errno != EINTR) {
		diag("poll: %s", strerror(errno));
		exit(1);
	}
	if (srv)
		ctl_dnss_process(srv, pf, n);
	if (cli)
		ctl_dnsc_process(cli, pf, n);
	return extra >= 0 ? pf[n - 1].revents : 0;
}

/* Run the loop until *calls is non-zero or max_ms passed. */
static void
run_until(const int *calls, unsigned max_ms)
{
	uint64_t end = now_ms() + max_ms;
	for (uint64_t t; !*calls && (t = now_ms()) < end;)
		step(-1, (int)(end - t));
}

/* Run the loop for ms. */
static void
run_for(unsigned ms)
{
	uint64_t end = now_ms() + ms;
	for (uint64_t t; (t = now_ms()) < end;)
		step(-1, (int)(end - t));
}

/* ---- raw sockets ---- */

static struct dp_listen
loopback(int family)
{
	struct dp_listen l = { 0 };
	if (family == AF_INET6) {
		struct sockaddr_in6 *a = (struct sockaddr_in6 *)&l.addr;
		a->sin6_family = AF_INET6;
		a->sin6_addr = in6addr_loopback;
		l.addrlen = sizeof(*a);
	} else {
		struct sockaddr_in *a = (struct sockaddr_in *)&l.addr;
		a->sin_family = AF_INET;
		a->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		l.addrlen = sizeof(*a);
	}
	return l;
}

/* A socket of type bound to the loopback address on a port of the kernel's choice; *at is its address. */
static int
raw_bound(int family, int type, struct dp_listen *at)
{
	*at = loopback(family);
	int fd = socket(family, type | SOCK_CLOEXEC, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&at->addr, at->addrlen) < 0 ||
	    getsockname(fd, (struct sockaddr *)&at->addr, &at->addrlen) < 0) {
		diag("raw socket: %s", strerror(errno));
		exit(1);
	}
	return fd;
}

/* A loopback port nobody listens on (of this type). */
static struct dp_listen
closed_port(int family, int type)
{
	struct dp_listen at;
	close(raw_bound(family, type, &at));
	return at;
}

/* A TCP connection to the server (non-blocking), accepted by one round of the loop. */
static int
raw_connect(const struct dp_listen *to)
{
	int fd = socket(to->addr.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (const struct sockaddr *)&to->addr, to->addrlen) < 0) {
		diag("connect: %s", strerror(errno));
		exit(1);
	}
	fcntl(fd, F_SETFL, O_NONBLOCK);
	/* The connection waits in the listen queue: the listener is readable at once. */
	step(-1, 1000);
	return fd;
}

static void
raw_write(int fd, const void *p, size_t len)
{
	if (write(fd, p, len) != (ssize_t)len) {
		diag("write: %s", strerror(errno));
		exit(1);
	}
}

/*
 * Read framed messages from fd while running the loop, until want of them
 * arrived, EOF (*eof) or max_ms. Returns the octets read.
 */
static size_t
raw_read(int fd, uint8_t *buf, size_t cap, unsigned want, unsigned max_ms, bool *eof)
{
	size_t len = 0;
	uint64_t end = now_ms() + max_ms;
	*eof = false;
	for (uint64_t t; (t = now_ms()) < end;) {
		unsigned got = 0;
		for (size_t p = 0; p + 2 <= len && p + 2 + dns_get16(buf + p) <= len;
		     p += 2 + dns_get16(buf + p))
			got++;
		if (got >= want)
			break;
		if (step(fd, (int)(end - t)) & (POLLIN | POLLHUP | POLLERR)) {
			ssize_t n = read(fd, buf + len, cap - len);
			if (n == 0) {
				*eof = true;
				break;
			}
			if (n > 0)
				len += (size_t)n;
		}
	}
	return len;
}

/* ---- the tests, per address family ---- */

static void
test_udp_tcp(const struct dp_listen *to, const char *fam)
{
	static uint8_t q[4096];
	static struct result r;
	size_t len = make_query(q, 0x1234, "hello.test", 0);
	unsigned u0 = served_udp, t0 = served_tcp;

	memset(&r, 0, sizeof(r));
	is_int(ctl_dnsc_send(cli, to, q, len, 0, 2000, record, &r), 0, "%s: UDP request sent", fam);
	run_until(&r.calls, 3000);
	is_int(r.rc, 0, "%s: UDP reply", fam);
	ok(r.calls == 1 && dns_get16(r.reply) == 0x1234 && reply_says(r.reply, r.rlen, "udp"),
	   "%s: the handler's UDP answer, with the request's ID", fam);
	ok(served_udp == u0 + 1 && served_tcp == t0, "%s: one UDP request served", fam);

	memset(&r, 0, sizeof(r));
	len = make_query(q, 0x2345, "tc.test", 0);
	is_int(ctl_dnsc_send(cli, to, q, len, 0, 2000, record, &r), 0, "%s: TC request sent", fam);
	run_until(&r.calls, 3000);
	ok(r.calls == 1 && r.rc == 0 && reply_says(r.reply, r.rlen, "tcp") &&
	   !(dns_get16(r.reply + 2) & DNS_TC),
	   "%s: TC reply over UDP, then the full answer over TCP", fam);
	ok(served_udp == u0 + 2 && served_tcp == t0 + 1, "%s: the TC request reached UDP then TCP", fam);

	memset(&r, 0, sizeof(r));
	len = make_query(q, 0x3456, "big.test", 1500);
	ok(len > CTL_DNSC_UDP_MAX, "%s: large request is %zu octets", fam, len);
	is_int(ctl_dnsc_send(cli, to, q, len, 0, 2000, record, &r), 0, "%s: large request sent", fam);
	run_until(&r.calls, 3000);
	ok(r.calls == 1 && r.rc == 0 && reply_says(r.reply, r.rlen, "tcp"),
	   "%s: large request answered", fam);
	ok(served_udp == u0 + 2 && served_tcp == t0 + 2, "%s: large request went by TCP only", fam);

	memset(&r, 0, sizeof(r));
	len = make_query(q, 0x4567, "hello.test", 0);
	is_int(ctl_dnsc_send(cli, to, q, len, CTL_DNSC_TCP, 2000, record, &r), 0,
	       "%s: CTL_DNSC_TCP request sent", fam);
	run_until(&r.calls, 3000);
	ok(r.calls == 1 && r.rc == 0 && reply_says(r.reply, r.rlen, "tcp") &&
	   served_udp == u0 + 2 && served_tcp == t0 + 3, "%s: CTL_DNSC_TCP goes by TCP", fam);
}

/* A chain: the first completion sends the second request from inside the callback. */
static struct result chain2;
static const struct dp_listen *chain_to;

static void
chain_first(void *arg, int rc, const uint8_t *reply, size_t rlen)
{
	uint8_t q[512];
	size_t len = make_query(q, 0x6001, "hello.test", 0);
	record(arg, rc, reply, rlen);
	((struct result *)arg)->rc = ctl_dnsc_send(cli, chain_to, q, len, 0, 2000, record, &chain2);
}

static void
test_reentry(const struct dp_listen *to, const char *fam)
{
	static struct result r1;
	uint8_t q[512];
	size_t len = make_query(q, 0x6000, "hello.test", 0);
	memset(&r1, 0, sizeof(r1));
	memset(&chain2, 0, sizeof(chain2));
	chain_to = to;
	is_int(ctl_dnsc_send(cli, to, q, len, 0, 2000, chain_first, &r1), 0,
	       "%s: first of a chain sent", fam);
	run_until(&chain2.calls, 3000);
	ok(r1.calls == 1 && r1.rc == 0, "%s: a completion sent a request", fam);
	ok(chain2.calls == 1 && chain2.rc == 0 && dns_get16(chain2.reply) == 0x6001,
	   "%s: the request sent from a completion was answered", fam);
}

/* Replies from elsewhere, with another ID, without QR or for another question are ignored. */
static void
test_forged(int family, const char *fam)
{
	static struct result r;
	uint8_t q[512], bad[512];
	struct dp_listen fake, other, from;
	int f = raw_bound(family, SOCK_DGRAM, &fake);
	int g = raw_bound(family, SOCK_DGRAM, &other);
	struct timeval tv = { .tv_sec = 2 };
	setsockopt(f, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	size_t len = make_query(q, 0x5151, "hello.test", 0);
	memset(&r, 0, sizeof(r));
	is_int(ctl_dnsc_send(cli, &fake, q, len, 0, 3000, record, &r), 0,
	       "%s: request to a hand-driven server sent", fam);
	from.addrlen = sizeof(from.addr);
	ssize_t n = recvfrom(f, bad, sizeof(bad), 0, (struct sockaddr *)&from.addr, &from.addrlen);
	ok(n == (ssize_t)len && memcmp(bad, q, len) == 0, "%s: the server got the request", fam);

	/* The right reply from another port. */
	memcpy(bad, q, len);
	dns_put16(bad + 2, DNS_QR);
	sendto(g, bad, len, 0, (struct sockaddr *)&from.addr, from.addrlen);
	/* From the server: another ID; QR clear; another question. */
	dns_put16(bad, 0x5152);
	sendto(f, bad, len, 0, (struct sockaddr *)&from.addr, from.addrlen);
	dns_put16(bad, 0x5151);
	dns_put16(bad + 2, 0);
	sendto(f, bad, len, 0, (struct sockaddr *)&from.addr, from.addrlen);
	size_t blen = make_query(bad, 0x5151, "other.test", 0);
	dns_put16(bad + 2, DNS_QR);
	sendto(f, bad, blen, 0, (struct sockaddr *)&from.addr, from.addrlen);
	run_for(150);
	is_int(r.calls, 0, "%s: forged replies ignored, still waiting", fam);

	/* The real one, the question's name in other case. */
	memcpy(bad, q, len);
	dns_put16(bad + 2, DNS_QR | DNS_R_REFUSED);
	bad[DNS_HDR_LEN + 1] = 'H';
	sendto(f, bad, len, 0, (struct sockaddr *)&from.addr, from.addrlen);
	run_until(&r.calls, 2000);
	ok(r.calls == 1 && r.rc == 0 && r.rlen == len && DNS_RCODE(dns_get16(r.reply + 2)) ==
	   DNS_R_REFUSED, "%s: the genuine reply completes the request (name case ignored)", fam);
	close(f);
	close(g);
}

static void
test_errors(int family, const char *fam)
{
	static struct result r;
	uint8_t q[512];
	size_t len = make_query(q, 0x7000, "hello.test", 0);

	/*
	 * The client connects its UDP socket, so the kernel hands it the ICMP
	 * port unreachable that the loopback address sends back at once.
	 */
	struct dp_listen closed = closed_port(family, SOCK_DGRAM);
	memset(&r, 0, sizeof(r));
	uint64_t t0 = now_ms();
	is_int(ctl_dnsc_send(cli, &closed, q, len, 0, 2000, record, &r), 0,
	       "%s: request to a closed UDP port sent", fam);
	run_until(&r.calls, 3000);
	is_int(r.rc, -ECONNREFUSED, "%s: closed UDP port: -ECONNREFUSED (connected socket sees the ICMP)", fam);
	ok(r.calls == 1 && r.at - t0 < 1000, "%s: ... at once, not at the deadline (%llu ms)", fam,
	   (unsigned long long)(r.at - t0));

	closed = closed_port(family, SOCK_STREAM);
	memset(&r, 0, sizeof(r));
	is_int(ctl_dnsc_send(cli, &closed, q, len, CTL_DNSC_TCP, 2000, record, &r), 0,
	       "%s: TCP request to a closed port sent", fam);
	run_until(&r.calls, 3000);
	ok(r.calls == 1 && r.rc == -ECONNREFUSED, "%s: closed TCP port: -ECONNREFUSED (rc %d)",
	   fam, r.rc);

	/* A bound socket that never answers: no ICMP, the deadline passes. */
	struct dp_listen deaf;
	int d = raw_bound(family, SOCK_DGRAM, &deaf);
	memset(&r, 0, sizeof(r));
	t0 = now_ms();
	is_int(ctl_dnsc_send(cli, &deaf, q, len, 0, 200, record, &r), 0,
	       "%s: request to a silent server sent", fam);
	is_int(ctl_dnsc_timeout_ms(cli) <= 200 && ctl_dnsc_timeout_ms(cli) > 100, 1,
	       "%s: the client's timeout is the request's deadline", fam);
	run_until(&r.calls, 3000);
	is_int(r.rc, -ETIMEDOUT, "%s: silent server: -ETIMEDOUT", fam);
	ok(r.at - t0 >= 200 && r.at - t0 < 1000, "%s: ... at the deadline (%llu ms)", fam,
	   (unsigned long long)(r.at - t0));
	is_int(ctl_dnsc_timeout_ms(cli), -1, "%s: nothing pending, no timeout", fam);

	/* Cancel: two requests of one owner dropped silently, the other's goes on. */
	static struct result a, b;
	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	ctl_dnsc_send(cli, &deaf, q, len, 0, 150, record, &a);
	ctl_dnsc_send(cli, &deaf, q, len, CTL_DNSC_TCP, 150, record, &a);
	ctl_dnsc_send(cli, &deaf, q, len, 0, 150, record, &b);
	is_int(ctl_dnsc_cancel(cli, &a), 2, "%s: cancel drops the owner's two requests", fam);
	is_int(ctl_dnsc_pending(cli), 1, "%s: one request left", fam);
	run_until(&b.calls, 2000);
	run_for(100);
	ok(a.calls == 0 && b.calls == 1 && b.rc == -ETIMEDOUT,
	   "%s: cancelled requests never complete, the other times out", fam);

	/* Malformed requests are refused at once. */
	is_int(ctl_dnsc_send(cli, &deaf, q, 5, 0, 150, record, &a), -EINVAL,
	       "%s: a request shorter than a header is -EINVAL", fam);
	is_int(ctl_dnsc_send(cli, &deaf, q, len - 3, 0, 150, record, &a), -EINVAL,
	       "%s: a cut question is -EINVAL", fam);
	close(d);
}

static void
test_free_pending(int family, const char *fam)
{
	static struct result r1, r2;
	uint8_t q[512];
	size_t len = make_query(q, 0x7100, "hello.test", 0);
	struct dp_listen deaf;
	int d = raw_bound(family, SOCK_DGRAM, &deaf);
	struct ctl_dnsc *c = ctl_dnsc_new();
	memset(&r1, 0, sizeof(r1));
	memset(&r2, 0, sizeof(r2));
	ctl_dnsc_send(c, &deaf, q, len, 0, 5000, record, &r1);
	ctl_dnsc_send(c, &deaf, q, len, CTL_DNSC_TCP, 5000, record, &r2);
	ctl_dnsc_free(c);
	ok(r1.calls == 1 && r1.rc == -ECANCELED && r2.calls == 1 && r2.rc == -ECANCELED,
	   "%s: free completes pending requests with -ECANCELED", fam);
	close(d);
}

static void
test_tcp_server(const struct dp_listen *to, const char *fam)
{
	static uint8_t buf[8192];
	uint8_t q[512];
	bool eof;

	/* Three pipelined requests in one write, answered in order on one connection. */
	int fd = raw_connect(to);
	size_t n = 0;
	for (uint16_t id = 1; id <= 3; id++) {
		size_t len = make_query(buf + n + 2, id, "hello.test", 0);
		dns_put16(buf + n, (uint16_t)len);
		n += 2 + len;
	}
	unsigned t0 = served_tcp;
	raw_write(fd, buf, n);
	n = raw_read(fd, buf, sizeof(buf), 3, 2000, &eof);
	bool inorder = true;
	size_t p = 0;
	for (uint16_t id = 1; id <= 3; id++) {
		inorder = inorder && p + 2 <= n && dns_get16(buf + p + 2) == id &&
			  reply_says(buf + p + 2, dns_get16(buf + p), "tcp");
		p += 2 + dns_get16(buf + p);
	}
	ok(inorder && p == n && served_tcp == t0 + 3, "%s: 3 pipelined requests answered in order", fam);
	is_int(ctl_dnss_conns(srv), 1, "%s: on one connection", fam);

	/* One request in pieces: each length octet, then the body in three, with pauses. */
	size_t len = make_query(q + 2, 0x0404, "hello.test", 0);
	dns_put16(q, (uint16_t)len);
	size_t cuts[] = { 0, 1, 2, 7, 20, len + 2 };
	for (size_t i = 0; i + 1 < sizeof(cuts) / sizeof(cuts[0]); i++) {
		raw_write(fd, q + cuts[i], cuts[i + 1] - cuts[i]);
		run_for(30);
	}
	n = raw_read(fd, buf, sizeof(buf), 1, 2000, &eof);
	ok(n >= 2 && n == 2u + dns_get16(buf) && dns_get16(buf + 2) == 0x0404 &&
	   reply_says(buf + 2, n - 2, "tcp"), "%s: a request in five writes answered", fam);

	/* A request the handler does not answer, then one it does: only the second's reply. */
	n = 0;
	const char *names[] = { "silent.test", "hello.test" };
	for (unsigned i = 0; i < 2; i++) {
		size_t l = make_query(buf + n + 2, (uint16_t)(0x0500 + i), names[i], 0);
		dns_put16(buf + n, (uint16_t)l);
		n += 2 + l;
	}
	raw_write(fd, buf, n);
	n = raw_read(fd, buf, sizeof(buf), 1, 2000, &eof);
	ok(n == 2u + dns_get16(buf) && dns_get16(buf + 2) == 0x0501,
	   "%s: no reply for a request the handler drops; the next one answered", fam);

	/* A length of 0 is malformed framing: the connection is closed. */
	raw_write(fd, "\0\0", 2);
	raw_read(fd, buf, sizeof(buf), 1, 2000, &eof);
	ok(eof, "%s: a zero length closes the connection", fam);
	close(fd);
	run_for(20);
	is_int(ctl_dnss_conns(srv), 0, "%s: no connection left", fam);

	/* EOF right after a request: it is answered before the close. */
	fd = raw_connect(to);
	raw_write(fd, q, len + 2);
	shutdown(fd, SHUT_WR);
	n = raw_read(fd, buf, sizeof(buf), 2, 2000, &eof);
	ok(eof && n == 2u + dns_get16(buf) && dns_get16(buf + 2) == 0x0404,
	   "%s: a request before EOF answered, then the connection closed", fam);
	close(fd);
}

/*
 * A reader too slow for the replies: SLOW_N large replies (more than the
 * largest send and receive buffers hold) pipelined to a client with a small
 * receive buffer that reads only later. The server keeps the
 * rest of a reply for POLLOUT and takes no more requests meanwhile; all
 * replies arrive whole and in order.
 */
static void
test_tcp_slow_reader(const struct dp_listen *to, const char *fam)
{
	static uint8_t buf[SLOW_N * 56000];
	int fd = socket(to->addr.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	int small = 4096;
	setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &small, sizeof(small));
	if (connect(fd, (const struct sockaddr *)&to->addr, to->addrlen) < 0) {
		diag("connect: %s", strerror(errno));
		exit(1);
	}
	fcntl(fd, F_SETFL, O_NONBLOCK);
	size_t n = 0;
	for (uint16_t id = 100; id < 100 + SLOW_N; id++) {
		size_t len = make_query(buf + n + 2, id, "large.test", 0);
		dns_put16(buf + n, (uint16_t)len);
		n += 2 + len;
	}
	unsigned t0 = served_tcp;
	raw_write(fd, buf, n);
	uint64_t start = now_ms();
	run_for(200);
	ok(now_ms() - start < 2000 && served_tcp > t0 && served_tcp < t0 + SLOW_N,
	   "%s: a slow reader does not block the server, which waits with %u of %u requests answered",
	   fam, served_tcp - t0, SLOW_N);
	bool eof;
	n = raw_read(fd, buf, sizeof(buf), SLOW_N, 10000, &eof);
	bool whole = true;
	size_t p = 0;
	for (uint16_t id = 100; id < 100 + SLOW_N; id++) {
		whole = whole && p + 2 <= n && p + 2 + dns_get16(buf + p) <= n &&
			dns_get16(buf + p + 2) == id && dns_get16(buf + p + 8) == LARGE_RRS + 1 &&
			reply_says(buf + p + 2, dns_get16(buf + p), "tcp");
		p += 2 + dns_get16(buf + p);
	}
	ok(whole && p == n && served_tcp == t0 + SLOW_N,
	   "%s: then %u replies of %u octets arrive whole and in order", fam, SLOW_N,
	   n > 2 ? dns_get16(buf) : 0);
	close(fd);
	run_for(20);
}

/* Read one framed request from a blocking socket (with a receive timeout). */
static size_t
raw_read_request(int fd, uint8_t *buf, size_t cap)
{
	size_t len = 0;
	while (len < 2 || len < 2u + dns_get16(buf)) {
		ssize_t n = read(fd, buf + len, cap - len);
		if (n <= 0)
			return 0;
		len += (size_t)n;
	}
	return len;
}

/* The client over TCP against a hand-driven server: foreign replies, split replies, EOF. */
static void
test_client_tcp(int family, const char *fam)
{
	static struct result r;
	uint8_t q[512], req[600], a[600];
	struct dp_listen at;
	int l = raw_bound(family, SOCK_STREAM, &at);
	struct timeval tv = { .tv_sec = 2 };
	setsockopt(l, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	listen(l, 4);
	size_t len = make_query(q, 0x8000, "hello.test", 0);

	memset(&r, 0, sizeof(r));
	is_int(ctl_dnsc_send(cli, &at, q, len, CTL_DNSC_TCP, 3000, record, &r), 0,
	       "%s: TCP request to a hand-driven server sent", fam);
	run_for(30);
	int c = accept(l, NULL, NULL);
	setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	run_for(30);
	size_t rl = raw_read_request(c, req, sizeof(req));
	ok(rl == len + 2 && dns_get16(req) == len && memcmp(req + 2, q, len) == 0,
	   "%s: the request arrived framed", fam);
	/* Another ID first, then the reply in two writes. */
	memcpy(a, req, rl);
	dns_put16(a + 4, DNS_QR);
	dns_put16(a + 2, 0x8001);
	raw_write(c, a, rl);
	dns_put16(a + 2, 0x8000);
	raw_write(c, a, 5);
	run_for(50);
	is_int(r.calls, 0, "%s: a reply with another ID and half a reply: still waiting", fam);
	raw_write(c, a + 5, rl - 5);
	run_until(&r.calls, 2000);
	ok(r.calls == 1 && r.rc == 0 && r.rlen == len && dns_get16(r.reply) == 0x8000,
	   "%s: the split reply completes the request", fam);
	close(c);

	memset(&r, 0, sizeof(r));
	ctl_dnsc_send(cli, &at, q, len, CTL_DNSC_TCP, 3000, record, &r);
	run_for(30);
	c = accept(l, NULL, NULL);
	setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	run_for(30);
	raw_read_request(c, req, sizeof(req));
	close(c);
	run_until(&r.calls, 2000);
	ok(r.calls == 1 && r.rc == -ECONNRESET, "%s: closed before the reply: -ECONNRESET (rc %d)",
	   fam, r.rc);
	close(l);
}

/* Idle timeout and the connection limit, on a server of their own. */
static void
test_tcp_limits(int family, const char *fam)
{
	struct ctl_dnss *keep = srv;
	struct dp_listen any = loopback(family), to;
	char err[256];
	struct ctl_dnss_config cfg = {
		.listen = &any, .nlisten = 1, .handler = handler, .idle_ms = 300, .max_conns = 2,
	};
	int rc = ctl_dnss_open(&cfg, &srv, err, sizeof(err));
	is_int(rc, 0, "%s: server with idle 300 ms and 2 connections opened", fam);
	if (rc < 0) {
		diag("%s", err);
		srv = keep;
		return;
	}
	ctl_dnss_addr(srv, 0, &to);
	bool eof;
	uint8_t buf[64];
	uint64_t t0 = now_ms();
	int fd = raw_connect(&to);
	is_int(ctl_dnss_conns(srv), 1, "%s: connection accepted", fam);
	int t = ctl_dnss_timeout_ms(srv);
	ok(t > 200 && t <= 300, "%s: the server's timeout is the idle deadline (%d ms)", fam, t);
	raw_read(fd, buf, sizeof(buf), 1, 2000, &eof);
	uint64_t dt = now_ms() - t0;
	ok(eof && dt >= 300 && dt < 1500, "%s: idle connection closed after %llu ms", fam,
	   (unsigned long long)dt);
	is_int(ctl_dnss_conns(srv), 0, "%s: no connection left", fam);
	close(fd);

	int a = raw_connect(&to);
	run_for(30);
	int b = raw_connect(&to);
	run_for(30);
	int c = raw_connect(&to);
	is_int(ctl_dnss_conns(srv), 2, "%s: at most 2 connections", fam);
	raw_read(a, buf, sizeof(buf), 1, 100, &eof);
	ok(eof, "%s: the third connection closed the least recently active", fam);
	raw_read(b, buf, sizeof(buf), 1, 50, &eof);
	ok(!eof, "%s: the second stays", fam);
	close(a);
	close(b);
	close(c);
	ctl_dnss_free(srv);
	srv = keep;
}

/* kdig over UDP and TCP gets the handler's answer. */
static void
test_kdig(const struct dp_listen *to, const char *fam)
{
	char host[INET6_ADDRSTRLEN], port[8];
	if (to->addr.ss_family == AF_INET6) {
		const struct sockaddr_in6 *a = (const struct sockaddr_in6 *)&to->addr;
		inet_ntop(AF_INET6, &a->sin6_addr, host, sizeof(host));
		snprintf(port, sizeof(port), "%u", ntohs(a->sin6_port));
	} else {
		const struct sockaddr_in *a = (const struct sockaddr_in *)&to->addr;
		inet_ntop(AF_INET, &a->sin_addr, host, sizeof(host));
		snprintf(port, sizeof(port), "%u", ntohs(a->sin_port));
	}
	for (int tcp = 0; tcp <= 1; tcp++) {
		int p[2];
		if (pipe2(p, O_CLOEXEC) < 0)
			exit(1);
		char at[64];
		snprintf(at, sizeof(at), "@%s", host);
		pid_t pid = fork();
		if (pid == 0) {
			dup2(p[1], 1);
			dup2(p[1], 2);
			execlp("kdig", "kdig", at, "-p", port, "+noidn", "+retry=0", "+timeout=3",
			       tcp ? "+tcp" : "+notcp", "hello.test", "TXT", (char *)NULL);
			_exit(127);
		}
		close(p[1]);
		static char out[16384];
		size_t len = 0;
		uint64_t end = now_ms() + 10000;
		for (uint64_t t; (t = now_ms()) < end;) {
			if (step(p[0], (int)(end - t)) & (POLLIN | POLLHUP)) {
				ssize_t n = read(p[0], out + len, sizeof(out) - 1 - len);
				if (n <= 0)
					break;
				len += (size_t)n;
			}
		}
		out[len] = 0;
		close(p[0]);
		int st;
		kill(pid, SIGKILL);
		waitpid(pid, &st, 0);
		if (WIFEXITED(st) && WEXITSTATUS(st) == 127 && len == 0) {
			ok(1, "%s: kdig # SKIP kdig not found", fam);
			return;
		}
		const char *want = tcp ? "\"from-handler-tcp\"" : "\"from-handler-udp\"";
		if (!ok(strstr(out, want) && strstr(out, "NOERROR"), "%s: kdig %s gets the handler's %s",
			fam, tcp ? "+tcp" : "(UDP)", want))
			diag("kdig said:\n%s", out);
	}
}

static void
family_tests(int family, const char *fam)
{
	struct dp_listen any = loopback(family), to;
	char err[256];
	struct ctl_dnss_config cfg = { .listen = &any, .nlisten = 1, .handler = handler };
	int rc = ctl_dnss_open(&cfg, &srv, err, sizeof(err));
	is_int(rc, 0, "%s: server opened on port 0", fam);
	if (rc < 0) {
		diag("%s", err);
		return;
	}
	ctl_dnss_addr(srv, 0, &to);
	ok(((struct sockaddr_in *)&to.addr)->sin_port != 0, "%s: the bound port is known", fam);

	/* The port is taken now: a second server on it says which address failed. */
	struct ctl_dnss *again;
	cfg.listen = &to;
	rc = ctl_dnss_open(&cfg, &again, err, sizeof(err));
	ok(rc == -EADDRINUSE && strstr(err, ": Address already in use") &&
	   strchr(err, ':') != err, "%s: a taken address: \"%s\"", fam, err);

	cli = ctl_dnsc_new();
	test_udp_tcp(&to, fam);
	test_reentry(&to, fam);
	test_forged(family, fam);
	test_errors(family, fam);
	test_free_pending(family, fam);
	test_tcp_server(&to, fam);
	test_tcp_slow_reader(&to, fam);
	test_client_tcp(family, fam);
	test_tcp_limits(family, fam);
	test_kdig(&to, fam);
	is_int(ctl_dnsc_pending(cli), 0, "%s: no request left", fam);
	ctl_dnsc_free(cli);
	cli = NULL;
	ctl_dnss_free(srv);
	srv = NULL;
}

int
main(void)
{
	signal(SIGPIPE, SIG_IGN);
	family_tests(AF_INET, "IPv4");

	struct dp_listen v6;
	int fd = socket(AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	v6 = loopback(AF_INET6);
	if (fd < 0 || bind(fd, (struct sockaddr *)&v6.addr, v6.addrlen) < 0) {
		ok(1, "IPv6 # SKIP ::1 is not available: %s", strerror(errno));
		if (fd >= 0)
			close(fd);
	} else {
		close(fd);
		family_tests(AF_INET6, "IPv6");
	}
	return tap_done();
}
