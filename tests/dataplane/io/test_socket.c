/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The socket backend over loopback: UDP (single queries, a burst, truncation,
 * IPv4 and IPv6, replies from the right address on wildcard sockets) and TCP
 * (RFC 7766 framing, pipelining, split messages, zero length, EOF after a
 * query, idle timeout, connection limit, a peer that does not read), bind
 * errors, a view swap under load, and stop/restart on the same port.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "dataplane/core/engine.h"
#include "dataplane/core/worker.h"
#include "dataplane/io/socket.h"
#include "dns/zone.h"
#include "tests/tap.h"

#define ZONE "socket.test."

static struct dp_runtime rt;
static struct dp_view view1, view2;
static ck_epoch_record_t *ctl_rec;

/* ---- DNS messages ---- */

static size_t
make_query(uint8_t *buf, uint16_t id, const char *name, uint16_t qtype, bool edns)
{
	memset(buf, 0, 12);
	buf[0] = (uint8_t)(id >> 8);
	buf[1] = (uint8_t)id;
	buf[5] = 1;                      /* QDCOUNT */
	buf[11] = edns ? 1 : 0;          /* ARCOUNT */
	size_t p = 12;
	for (const char *s = name; *s;) {
		const char *dot = strchr(s, '.');
		size_t len = dot ? (size_t)(dot - s) : strlen(s);
		buf[p++] = (uint8_t)len;
		memcpy(buf + p, s, len);
		p += len;
		s += len + (dot ? 1 : 0);
	}
	buf[p++] = 0;
	buf[p++] = (uint8_t)(qtype >> 8);
	buf[p++] = (uint8_t)qtype;
	buf[p++] = 0;
	buf[p++] = 1;                    /* IN */
	if (edns) {
		static const uint8_t opt[] = { 0, 0, 41, 0x10, 0, 0, 0, 0, 0, 0, 0 };
		memcpy(buf + p, opt, sizeof(opt));
		p += sizeof(opt);
	}
	return p;
}

struct reply {
	int id, flags, rcode, ancount;
	uint16_t type;                   /* of the first answer */
	uint8_t rdata[16];               /* first 16 octets of its RDATA */
	uint16_t rdlen;
};

static size_t
skip_name(const uint8_t *m, size_t len, size_t p)
{
	while (p < len) {
		if (m[p] == 0)
			return p + 1;
		if ((m[p] & 0xc0) == 0xc0)
			return p + 2;
		p += 1u + m[p];
	}
	return len + 1;
}

static bool
parse_reply(const uint8_t *m, size_t len, struct reply *r)
{
	memset(r, 0, sizeof(*r));
	if (len < 12)
		return false;
	r->id = m[0] << 8 | m[1];
	r->flags = m[2] << 8 | m[3];
	r->rcode = m[3] & 0xf;
	r->ancount = m[6] << 8 | m[7];
	size_t p = skip_name(m, len, 12) + 4;
	if (r->ancount == 0)
		return p <= len;
	p = skip_name(m, len, p);
	if (p + 10 > len)
		return false;
	r->type = (uint16_t)(m[p] << 8 | m[p + 1]);
	r->rdlen = (uint16_t)(m[p + 8] << 8 | m[p + 9]);
	if (p + 10 + r->rdlen > len)
		return false;
	memcpy(r->rdata, m + p + 10, r->rdlen < 16 ? r->rdlen : 16);
	return true;
}

static bool
is_www_a(const uint8_t *m, size_t len, int id)
{
	static const uint8_t addr[] = { 192, 0, 2, 1 };
	struct reply r;
	return parse_reply(m, len, &r) && r.id == id && (r.flags & 0x8000) && (r.flags & 0x0400) &&
	       r.rcode == 0 && r.ancount == 1 && r.type == 1 && r.rdlen == 4 &&
	       memcmp(r.rdata, addr, 4) == 0;
}

/* ---- addresses and sockets ---- */

static struct dp_listen
listen_addr(int family, const char *host, uint16_t port)
{
	struct dp_listen l;
	memset(&l, 0, sizeof(l));
	if (family == AF_INET) {
		struct sockaddr_in *a = (struct sockaddr_in *)&l.addr;
		a->sin_family = AF_INET;
		a->sin_port = htons(port);
		inet_pton(AF_INET, host, &a->sin_addr);
		l.addrlen = sizeof(*a);
	} else {
		struct sockaddr_in6 *a = (struct sockaddr_in6 *)&l.addr;
		a->sin6_family = AF_INET6;
		a->sin6_port = htons(port);
		inet_pton(AF_INET6, host, &a->sin6_addr);
		l.addrlen = sizeof(*a);
	}
	return l;
}

static bool
can_bind(int family, const char *host, uint16_t port, int type)
{
	struct dp_listen l = listen_addr(family, host, port);
	int fd = socket(family, type, 0);
	int one = 1;
	if (family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
	bool ok = fd >= 0 && bind(fd, (struct sockaddr *)&l.addr, l.addrlen) == 0;
	if (fd >= 0)
		close(fd);
	return ok;
}

/*
 * A port free for UDP and TCP on both hosts: the kernel picks one for a probe
 * socket, then the others are checked (port 0 cannot be shared by sockets).
 */
static uint16_t
pick_port(const char *h4, const char *h6)
{
	for (int tries = 0; tries < 100; tries++) {
		struct dp_listen l = listen_addr(AF_INET, h4, 0);
		int fd = socket(AF_INET, SOCK_DGRAM, 0);
		socklen_t alen = l.addrlen;
		if (bind(fd, (struct sockaddr *)&l.addr, l.addrlen) < 0 ||
		    getsockname(fd, (struct sockaddr *)&l.addr, &alen) < 0) {
			close(fd);
			continue;
		}
		uint16_t port = ntohs(((struct sockaddr_in *)&l.addr)->sin_port);
		close(fd);
		if (can_bind(AF_INET, h4, port, SOCK_DGRAM) && can_bind(AF_INET, h4, port, SOCK_STREAM) &&
		    can_bind(AF_INET6, h6, port, SOCK_DGRAM) && can_bind(AF_INET6, h6, port, SOCK_STREAM))
			return port;
	}
	return 0;
}

static int
client(int family, int type, const char *host, uint16_t port)
{
	struct dp_listen l = listen_addr(family, host, port);
	int fd = socket(family, type, 0);
	if (fd < 0)
		return -1;
	if (connect(fd, (struct sockaddr *)&l.addr, l.addrlen) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

static bool
readable(int fd, int timeout_ms)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	return poll(&p, 1, timeout_ms) == 1;
}

static long
elapsed_ms(const struct timespec *t0)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (t.tv_sec - t0->tv_sec) * 1000 + (t.tv_nsec - t0->tv_nsec) / 1000000;
}

/* One UDP query on a connected socket; the reply length or -1. */
static ssize_t
udp_ask_wait(int fd, const uint8_t *q, size_t qlen, uint8_t *out, size_t cap, int timeout_ms)
{
	if (send(fd, q, qlen, 0) != (ssize_t)qlen || !readable(fd, timeout_ms))
		return -1;
	return recv(fd, out, cap, 0);
}

static ssize_t
udp_ask(int fd, const uint8_t *q, size_t qlen, uint8_t *out, size_t cap)
{
	return udp_ask_wait(fd, q, qlen, out, cap, 2000);
}

static bool
send_all(int fd, const uint8_t *p, size_t len)
{
	while (len) {
		ssize_t r = send(fd, p, len, MSG_NOSIGNAL);
		if (r <= 0)
			return false;
		p += r;
		len -= (size_t)r;
	}
	return true;
}

static bool
recv_all(int fd, uint8_t *p, size_t len, int timeout_ms)
{
	while (len) {
		if (!readable(fd, timeout_ms))
			return false;
		ssize_t r = recv(fd, p, len, 0);
		if (r <= 0)
			return false;
		p += r;
		len -= (size_t)r;
	}
	return true;
}

/* One framed TCP message; its length, or -1 on EOF, error or timeout. */
static ssize_t
tcp_recv_msg(int fd, uint8_t *buf, size_t cap)
{
	uint8_t lp[2];
	if (!recv_all(fd, lp, 2, 2000))
		return -1;
	size_t len = (size_t)(lp[0] << 8 | lp[1]);
	if (len > cap || !recv_all(fd, buf, len, 2000))
		return -1;
	return (ssize_t)len;
}

static size_t
frame(uint8_t *buf, uint16_t id, const char *name, uint16_t qtype)
{
	size_t len = make_query(buf + 2, id, name, qtype, false);
	buf[0] = (uint8_t)(len >> 8);
	buf[1] = (uint8_t)len;
	return len + 2;
}

/* The peer closed: EOF or reset within timeout_ms (replies still queued are read and dropped). */
static bool
closed_within(int fd, int timeout_ms)
{
	struct timespec t0;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	uint8_t buf[4096];
	while (elapsed_ms(&t0) < timeout_ms) {
		if (!readable(fd, 10))
			continue;
		ssize_t r = recv(fd, buf, sizeof(buf), 0);
		if (r == 0 || (r < 0 && errno == ECONNRESET))
			return true;
	}
	return false;
}

static uint64_t
counter_sum(struct dp_socket *s, enum dp_counter c)
{
	struct dp_worker *const *w;
	size_t n = dp_socket_workers(s, &w);
	uint64_t sum = 0;
	for (size_t i = 0; i < n; i++)
		sum += dp_counter_get(w[i], c);
	return sum;
}

static struct dp_socket *
start(const struct dp_listen *l, size_t nl, unsigned workers, int idle_ms, unsigned max_conns)
{
	struct dp_socket_config cfg = {
		.listen = l, .nlisten = nl, .workers = workers,
		.tcp_idle_ms = idle_ms, .tcp_max_conns = max_conns, .pin = true,
	};
	struct dp_socket *s = NULL;
	char err[256] = "";
	int rc = dp_socket_start(&rt, &cfg, &s, err, sizeof(err));
	if (!ok(rc == 0 && s, "start %u worker(s) on %zu address(es)", workers, nl))
		diag("dp_socket_start: %d %s", rc, err);
	return rc == 0 ? s : NULL;
}

/* ---- tests ---- */

static void
test_udp(uint16_t port)
{
	uint8_t q[512], r[4096];
	struct reply rep;
	int fd4 = client(AF_INET, SOCK_DGRAM, "127.0.0.1", port);
	int fd6 = client(AF_INET6, SOCK_DGRAM, "::1", port);

	size_t ql = make_query(q, 0x1234, "www." ZONE, 1, false);
	ssize_t n = udp_ask(fd4, q, ql, r, sizeof(r));
	ok(n > 0 && is_www_a(r, (size_t)n, 0x1234), "UDP/IPv4: www A answered");

	ql = make_query(q, 0x4321, "www." ZONE, 1, true);
	n = udp_ask(fd6, q, ql, r, sizeof(r));
	ok(n > 0 && is_www_a(r, (size_t)n, 0x4321), "UDP/IPv6 with EDNS: www A answered");

	ql = make_query(q, 7, "nothere." ZONE, 1, false);
	n = udp_ask(fd4, q, ql, r, sizeof(r));
	ok(n > 0 && parse_reply(r, (size_t)n, &rep) && rep.id == 7 && rep.rcode == 3,
	   "UDP: NXDOMAIN for a missing name");

	ql = make_query(q, 8, "big." ZONE, 16, false);
	n = udp_ask(fd4, q, ql, r, sizeof(r));
	ok(n > 0 && n <= 512 && parse_reply(r, (size_t)n, &rep) && (rep.flags & 0x0200),
	   "UDP without EDNS: a 4 KiB answer is truncated (TC, %zd octets)", n);

	n = udp_ask_wait(fd4, q, 5, r, sizeof(r), 300);
	ok(n < 0, "UDP: a 5-octet datagram gets no reply");
	ql = make_query(q, 9, "www." ZONE, 1, false);
	n = udp_ask(fd4, q, ql, r, sizeof(r));
	ok(n > 0 && is_www_a(r, (size_t)n, 9), "UDP: still answering after garbage");
	close(fd4);
	close(fd6);
}

static void
test_udp_burst(uint16_t port)
{
	enum { SOCKS = 8, PER = 25 };
	int fds[SOCKS];
	bool seen[SOCKS * PER] = { false };
	unsigned got = 0, bad = 0;
	uint8_t q[512], r[4096];

	for (int s = 0; s < SOCKS; s++) {
		fds[s] = client(s % 2 ? AF_INET6 : AF_INET, SOCK_DGRAM, s % 2 ? "::1" : "127.0.0.1", port);
		for (int i = 0; i < PER; i++) {
			uint16_t id = (uint16_t)(s * PER + i);
			size_t ql = make_query(q, id, "www." ZONE, 1, false);
			send(fds[s], q, ql, 0);
		}
	}
	struct timespec t0;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	while (got < SOCKS * PER && elapsed_ms(&t0) < 3000) {
		struct pollfd p[SOCKS];
		for (int s = 0; s < SOCKS; s++)
			p[s] = (struct pollfd){ .fd = fds[s], .events = POLLIN };
		if (poll(p, SOCKS, 100) <= 0)
			continue;
		for (int s = 0; s < SOCKS; s++) {
			ssize_t n;
			while ((n = recv(fds[s], r, sizeof(r), MSG_DONTWAIT)) > 0) {
				int id = r[0] << 8 | r[1];
				if (id / PER != s || !is_www_a(r, (size_t)n, id) || seen[id]) {
					bad++;
					continue;
				}
				seen[id] = true;
				got++;
			}
		}
	}
	is_int(got, SOCKS * PER, "UDP burst: all %d queries from %d sockets answered", SOCKS * PER, SOCKS);
	is_int(bad, 0, "UDP burst: no wrong or duplicate replies");
	for (int s = 0; s < SOCKS; s++)
		close(fds[s]);
}

static void
test_tcp(uint16_t port)
{
	uint8_t q[8192], r[65536];
	struct reply rep;

	int fd = client(AF_INET, SOCK_STREAM, "127.0.0.1", port);
	size_t ql = frame(q, 100, "www." ZONE, 1);
	ok(send_all(fd, q, ql), "TCP: query sent");
	ssize_t n = tcp_recv_msg(fd, r, sizeof(r));
	ok(n > 0 && is_www_a(r, (size_t)n, 100), "TCP/IPv4: www A answered");

	ql = frame(q, 101, "www." ZONE, 1);
	ql += frame(q + ql, 102, "nothere." ZONE, 1);
	ok(send_all(fd, q, ql), "TCP: two pipelined queries in one write");
	n = tcp_recv_msg(fd, r, sizeof(r));
	ok(n > 0 && is_www_a(r, (size_t)n, 101), "TCP: first pipelined answer");
	n = tcp_recv_msg(fd, r, sizeof(r));
	ok(n > 0 && parse_reply(r, (size_t)n, &rep) && rep.id == 102 && rep.rcode == 3,
	   "TCP: second pipelined answer (NXDOMAIN)");

	ql = frame(q, 103, "www." ZONE, 1);
	send_all(fd, q, 7);
	usleep(50000);
	send_all(fd, q + 7, ql - 7);
	n = tcp_recv_msg(fd, r, sizeof(r));
	ok(n > 0 && is_www_a(r, (size_t)n, 103), "TCP: query split across two writes");

	ql = frame(q, 104, "www." ZONE, 1);
	send_all(fd, q, 1);
	usleep(50000);
	send_all(fd, q + 1, ql - 1);
	n = tcp_recv_msg(fd, r, sizeof(r));
	ok(n > 0 && is_www_a(r, (size_t)n, 104), "TCP: length prefix split across two writes");

	ql = frame(q, 105, "big." ZONE, 16);
	send_all(fd, q, ql);
	n = tcp_recv_msg(fd, r, sizeof(r));
	ok(n > 4000 && parse_reply(r, (size_t)n, &rep) && rep.id == 105 && !(rep.flags & 0x0200) &&
	   rep.ancount == 20, "TCP: the 4 KiB answer whole (%zd octets, %d RRs)", n, rep.ancount);

	/* More queries in one write than one burst takes. */
	ql = 0;
	for (int i = 0; i < 100; i++)
		ql += frame(q + ql, (uint16_t)(1000 + i), "www." ZONE, 1);
	send_all(fd, q, ql);
	int inorder = 0;
	for (int i = 0; i < 100; i++) {
		n = tcp_recv_msg(fd, r, sizeof(r));
		if (n > 0 && is_www_a(r, (size_t)n, 1000 + i))
			inorder++;
	}
	is_int(inorder, 100, "TCP: 100 pipelined queries in one write, all answered in order");
	close(fd);

	/*
	 * 200 queries for 4 KiB answers, read only after a pause and through a
	 * small receive buffer: the server's writes fall short, it waits for
	 * the reader and answers the rest later, in order.
	 */
	fd = socket(AF_INET, SOCK_STREAM, 0);
	int small = 8192;
	setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &small, sizeof(small));
	struct dp_listen to = listen_addr(AF_INET, "127.0.0.1", port);
	connect(fd, (struct sockaddr *)&to.addr, to.addrlen);
	ql = 0;
	for (int i = 0; i < 200; i++)
		ql += frame(q + ql, (uint16_t)(2000 + i), "big." ZONE, 16);
	send_all(fd, q, ql);
	usleep(300000);
	inorder = 0;
	for (int i = 0; i < 200; i++) {
		n = tcp_recv_msg(fd, r, sizeof(r));
		if (n > 4000 && parse_reply(r, (size_t)n, &rep) && rep.id == 2000 + i && rep.ancount == 20)
			inorder++;
	}
	is_int(inorder, 200, "TCP: a slow reader gets all 200 4 KiB answers, in order");
	close(fd);

	/* Many connections with queries in flight at once share the bursts. */
	enum { CONNS = 20, EACH = 5 };
	int many[CONNS];
	for (int c = 0; c < CONNS; c++) {
		many[c] = client(AF_INET, SOCK_STREAM, "127.0.0.1", port);
		ql = 0;
		for (int i = 0; i < EACH; i++)
			ql += frame(q + ql, (uint16_t)(3000 + c * EACH + i), "www." ZONE, 1);
		send_all(many[c], q, ql);
	}
	inorder = 0;
	for (int c = 0; c < CONNS; c++) {
		for (int i = 0; i < EACH; i++) {
			n = tcp_recv_msg(many[c], r, sizeof(r));
			if (n > 0 && is_www_a(r, (size_t)n, 3000 + c * EACH + i))
				inorder++;
		}
		close(many[c]);
	}
	is_int(inorder, CONNS * EACH, "TCP: %d connections with %d queries each, all answered in order",
	       CONNS, EACH);

	fd = client(AF_INET6, SOCK_STREAM, "::1", port);
	ql = frame(q, 200, "www." ZONE, 1);
	send_all(fd, q, ql);
	n = tcp_recv_msg(fd, r, sizeof(r));
	ok(n > 0 && is_www_a(r, (size_t)n, 200), "TCP/IPv6: www A answered");
	close(fd);

	fd = client(AF_INET, SOCK_STREAM, "127.0.0.1", port);
	ql = frame(q, 201, "www." ZONE, 1);
	send_all(fd, q, ql);
	shutdown(fd, SHUT_WR);
	n = tcp_recv_msg(fd, r, sizeof(r));
	ok(n > 0 && is_www_a(r, (size_t)n, 201), "TCP: query then half-close: answered");
	ok(closed_within(fd, 1000), "TCP: then the server closes");
	close(fd);

	fd = client(AF_INET, SOCK_STREAM, "127.0.0.1", port);
	ql = frame(q, 202, "www." ZONE, 1);
	q[ql++] = 0;
	q[ql++] = 0;
	send_all(fd, q, ql);
	n = tcp_recv_msg(fd, r, sizeof(r));
	ok(n > 0 && is_www_a(r, (size_t)n, 202), "TCP: query before a 0-length message answered");
	ok(closed_within(fd, 500), "TCP: a 0-length message closes the connection");
	close(fd);

	fd = client(AF_INET, SOCK_STREAM, "127.0.0.1", port);
	q[0] = 0x20;  /* 8192 octets: longer than any query we buffer */
	q[1] = 0x00;
	send_all(fd, q, 2);
	ok(closed_within(fd, 500), "TCP: an oversized message length closes the connection");
	close(fd);
}

/* Publish a new view while queries flow, and wait for the grace period. */
static void
test_view_swap(uint16_t port)
{
	uint8_t q[512], r[4096];
	int fd = client(AF_INET, SOCK_DGRAM, "127.0.0.1", port);
	const struct dp_view *old = atomic_load(&rt.view);
	const struct dp_view *next = old == &view1 ? &view2 : &view1;
	/* Release: the view's contents are visible to a worker that loads the pointer. */
	atomic_store_explicit(&rt.view, next, memory_order_release);
	ck_epoch_synchronize(ctl_rec);
	size_t ql = make_query(q, 77, "www." ZONE, 1, false);
	ssize_t n = udp_ask(fd, q, ql, r, sizeof(r));
	ok(n > 0 && is_www_a(r, (size_t)n, 77), "view swapped and grace period over; still answering");
	close(fd);
}

static void
test_bind_error(uint16_t port)
{
	/* A socket without SO_REUSEPORT on the port makes the backend's bind fail. */
	struct dp_listen l[2] = { listen_addr(AF_INET6, "::1", port), listen_addr(AF_INET, "127.0.0.1", port) };
	int blocker = socket(AF_INET, SOCK_DGRAM, 0);
	bind(blocker, (struct sockaddr *)&l[1].addr, l[1].addrlen);
	struct dp_socket_config cfg = { .listen = l, .nlisten = 2, .workers = 2 };
	struct dp_socket *s = NULL;
	char err[256] = "", want[128];
	int rc = dp_socket_start(&rt, &cfg, &s, err, sizeof(err));
	is_int(rc, -EADDRINUSE, "bind conflict: -EADDRINUSE");
	snprintf(want, sizeof(want), "127.0.0.1:%u: %s (another server is listening there)", port,
		 strerror(EADDRINUSE));
	is_str(err, want, "bind conflict: the message names the address");
	ok(s == NULL, "bind conflict: no backend returned");
	close(blocker);
	ok(can_bind(AF_INET6, "::1", port, SOCK_DGRAM) && can_bind(AF_INET6, "::1", port, SOCK_STREAM),
	   "bind conflict: the sockets already opened were closed");

	/*
	 * A second server on an address already served: SO_REUSEPORT would let
	 * it bind and share the queries; it must be refused instead.
	 */
	struct dp_socket *first = start(l, 2, 1, 0, 0);
	if (first) {
		rc = dp_socket_start(&rt, &cfg, &s, err, sizeof(err));
		is_int(rc, -EADDRINUSE, "address already served: the second start fails");
		ok(strstr(err, "another server is listening there") != NULL,
		   "address already served: the message says why (%s)", err);
		dp_socket_stop(first);
	}
}

static void
test_wildcard(void)
{
	uint16_t port = pick_port("0.0.0.0", "::");
	struct dp_listen l[2] = { listen_addr(AF_INET, "0.0.0.0", port), listen_addr(AF_INET6, "::", port) };
	struct dp_socket *s = start(l, 2, 1, 0, 0);
	if (!s)
		return;
	uint8_t q[512], r[4096];
	struct sockaddr_storage from;
	socklen_t flen;
	char host[INET6_ADDRSTRLEN] = "";
	size_t ql = make_query(q, 300, "www." ZONE, 1, false);

	/* 127.0.0.2 reaches lo; the reply must come from it, not from 127.0.0.1. */
	struct dp_listen to = listen_addr(AF_INET, "127.0.0.2", port);
	int fd = socket(AF_INET, SOCK_DGRAM, 0);
	sendto(fd, q, ql, 0, (struct sockaddr *)&to.addr, to.addrlen);
	flen = sizeof(from);
	ssize_t n = readable(fd, 2000) ? recvfrom(fd, r, sizeof(r), 0, (struct sockaddr *)&from, &flen) : -1;
	inet_ntop(AF_INET, &((struct sockaddr_in *)&from)->sin_addr, host, sizeof(host));
	ok(n > 0 && is_www_a(r, (size_t)n, 300), "wildcard 0.0.0.0: query to 127.0.0.2 answered");
	is_str(host, "127.0.0.2", "wildcard 0.0.0.0: reply sent from 127.0.0.2");
	close(fd);

	to = listen_addr(AF_INET6, "::1", port);
	fd = socket(AF_INET6, SOCK_DGRAM, 0);
	sendto(fd, q, ql, 0, (struct sockaddr *)&to.addr, to.addrlen);
	flen = sizeof(from);
	n = readable(fd, 2000) ? recvfrom(fd, r, sizeof(r), 0, (struct sockaddr *)&from, &flen) : -1;
	inet_ntop(AF_INET6, &((struct sockaddr_in6 *)&from)->sin6_addr, host, sizeof(host));
	ok(n > 0 && is_www_a(r, (size_t)n, 300), "wildcard [::]: query to ::1 answered");
	is_str(host, "::1", "wildcard [::]: reply sent from ::1");
	close(fd);

	fd = client(AF_INET, SOCK_STREAM, "127.0.0.3", port);
	ql = frame(q, 301, "www." ZONE, 1);
	send_all(fd, q, ql);
	n = tcp_recv_msg(fd, r, sizeof(r));
	ok(n > 0 && is_www_a(r, (size_t)n, 301), "wildcard 0.0.0.0: TCP to 127.0.0.3 answered");
	close(fd);
	dp_socket_stop(s);
}

/* One worker, at most 2 connections, idle timeout 1 s. */
static void
test_tcp_limits(void)
{
	uint16_t port = pick_port("127.0.0.1", "::1");
	struct dp_listen l = listen_addr(AF_INET, "127.0.0.1", port);
	struct dp_socket *s = start(&l, 1, 1, 1000, 2);
	if (!s)
		return;
	uint8_t q[512], r[65536];
	size_t ql = frame(q, 1, "www." ZONE, 1);
	int fd[3];
	bool answered = true;
	for (int i = 0; i < 3; i++) {
		fd[i] = client(AF_INET, SOCK_STREAM, "127.0.0.1", port);
		send_all(fd[i], q, ql);
		ssize_t n = tcp_recv_msg(fd[i], r, sizeof(r));
		answered = answered && n > 0 && is_www_a(r, (size_t)n, 1);
	}
	ok(answered, "TCP limit 2: three connections answered in turn");
	ok(closed_within(fd[0], 500), "TCP limit 2: the third connection closed the least recently active");
	send_all(fd[1], q, ql);
	ssize_t n = tcp_recv_msg(fd[1], r, sizeof(r));
	ok(n > 0 && is_www_a(r, (size_t)n, 1), "TCP limit 2: the second connection still served");
	for (int i = 0; i < 3; i++)
		close(fd[i]);

	struct timespec t0;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	int idle = client(AF_INET, SOCK_STREAM, "127.0.0.1", port);
	bool closed = closed_within(idle, 3000);
	long ms = elapsed_ms(&t0);
	ok(closed && ms >= 900 && ms < 2500, "TCP idle timeout 1000 ms: closed after %ld ms", ms);
	close(idle);

	/* A peer that sends queries but never reads is closed; the worker keeps serving. */
	int slow = socket(AF_INET, SOCK_STREAM, 0);
	int small = 8192;
	setsockopt(slow, SOL_SOCKET, SO_RCVBUF, &small, sizeof(small));
	struct dp_listen to = listen_addr(AF_INET, "127.0.0.1", port);
	connect(slow, (struct sockaddr *)&to.addr, to.addrlen);
	ql = frame(q, 2, "big." ZONE, 16);
	bool gone = false;
	unsigned sent = 0;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	while (!gone && elapsed_ms(&t0) < 5000) {
		ssize_t w = send(slow, q, ql, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (w < 0 && (errno == EPIPE || errno == ECONNRESET))
			gone = true;
		else if (w < 0)
			usleep(1000);
		else
			sent++;
	}
	ok(gone && elapsed_ms(&t0) < 4000, "TCP: a peer that never reads is disconnected (after %u queries, %ld ms)",
	   sent, elapsed_ms(&t0));
	close(slow);
	int u = client(AF_INET, SOCK_DGRAM, "127.0.0.1", port);
	ql = make_query(q, 3, "www." ZONE, 1, false);
	n = udp_ask(u, q, ql, r, sizeof(r));
	ok(n > 0 && is_www_a(r, (size_t)n, 3), "TCP: the worker still answers UDP");
	close(u);
	dp_socket_stop(s);
}

int
main(void)
{
	const char *src = getenv("SIGEDGE_SRCDIR");
	char path[4096];
	snprintf(path, sizeof(path), "%s/tests/dataplane/io/socket-test.zone", src ? src : ".");
	struct dns_zone *z = NULL;
	char err[256] = "";
	int rc = dns_zone_load(ZONE, path, &z, err, sizeof(err));
	if (!ok(rc == 0, "load %s", path)) {
		diag("%s", err);
		return tap_done();
	}
	struct dns_zoneset *zs = dns_zoneset_new(&z, 1);
	ok(zs != NULL, "zone set");
	view1 = (struct dp_view){ .zones = zs, .udp_max = 1232 };
	view2 = view1;
	dp_runtime_init(&rt);
	ctl_rec = dp_epoch_record_get(&rt);
	atomic_store(&rt.view, &view1);

	uint16_t port = pick_port("127.0.0.1", "::1");
	ok(port != 0, "free port %u", port);
	struct dp_listen l[2] = { listen_addr(AF_INET, "127.0.0.1", port), listen_addr(AF_INET6, "::1", port) };

	struct dp_socket *s = start(l, 2, 2, 2000, 0);
	if (s) {
		struct dp_worker *const *w;
		is_int(dp_socket_workers(s, &w), 2, "two workers");
		test_udp(port);
		test_udp_burst(port);
		test_tcp(port);
		test_view_swap(port);
		/*
		 * Queries sent above: UDP 6 + 200, TCP 409, view swap 1; one (5 octets)
		 * dropped. Queries put back when a TCP write fell short count again.
		 */
		ok(counter_sum(s, DP_CNT_RX) >= 616, "rx counted (%llu)",
		   (unsigned long long)counter_sum(s, DP_CNT_RX));
		is_int(counter_sum(s, DP_CNT_RX) - counter_sum(s, DP_CNT_TX), 1, "tx counted");
		is_int(counter_sum(s, DP_CNT_DROPPED), 1, "dropped counted");
		is_int(counter_sum(s, DP_CNT_TCP_CONN), 26, "TCP connections counted");
		dp_socket_stop(s);
		ok(can_bind(AF_INET, "127.0.0.1", port, SOCK_DGRAM), "stop released the UDP port");
	}

	s = start(l, 2, 2, 2000, 0);
	if (s) {
		test_view_swap(port);
		dp_socket_stop(s);
	}
	test_bind_error(port);
	test_wildcard();
	test_tcp_limits();

	dp_epoch_record_put(ctl_rec);
	dp_runtime_fini(&rt);
	dns_zoneset_free(zs);
	dns_zone_unref(z);
	return tap_done();
}
