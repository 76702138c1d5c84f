/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Replay test of the DPDK burst loop (dataplane/io/dpdk_loop.h) on two
 * net_pcap ports: port 0 serves untagged frames, port 1 VLAN 100. Each
 * port's input pcap holds DNS queries over IPv4 (with and without IP
 * options) and IPv6 (positive, NXDOMAIN, CNAME, wildcard, DO=1 to a zone
 * signed online, DNSKEY, truncation without EDNS and with a small EDNS size,
 * malformed DNS messages), ARP requests, ICMP and ICMPv6 echo, neighbour
 * solicitations, malformed frames (to be dropped) and traffic for the
 * kernel (TCP/53, UDP to another port, an IPv4 fragment, the other VLAN,
 * NOTIFY and UPDATE messages).
 * The socket backend (dataplane/io/socket.h), serving the same view on
 * loopback, is the oracle: each DNS query's payload, unchanged, is sent to
 * it over UDP (IPv6 queries to ::1 when the host has it) and its reply, or
 * its silence, is what the DPDK loop must produce. Every output frame must
 * be the expected reply, in input order, with valid checksums (judged by
 * the codec as the client sees it, or by a naive sum), and every frame for
 * the kernel must reach the kernel path unchanged; DNS payloads equal the
 * oracle's, except that RRSIGs made online (ECDSA, randomised) are
 * verified with ldns against the zone's DNSKEY RRset. Every input frame is
 * accounted for in the loop's counters, and the engine's counters equal
 * the socket worker's.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <ldns/ldns.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "dataplane/core/engine.h"
#include "dataplane/core/worker.h"
#include "dataplane/io/dpdk.h"
#include "dataplane/io/dpdk_loop.h"
#include "dataplane/io/pkt.h"
#include "dataplane/io/socket.h"
#include "dns/name.h"
#include "dns/wire.h"
#include "dns/zone.h"
#include "sign/key.h"
#include "sign/keytable.h"
#include "tests/dataplane/io/test_pkt_frames.h"
#include "tests/support/ldns_verify.h"
#include "tests/support/pcap.h"
#include "tests/support/signed_zone.h"
#include "tests/tap.h"

#define EMPTY_POLLS 1000
#define MAX_FRAMES 1024
#define FRAME_MAX 1600
#define NPORTS 2
#define VLAN 100
#define CLI_PORT 40000
#define ROUNDS 17

enum expect { E_DNS, E_DNS_DROP, E_REPLY, E_EXC, E_DROP };

struct frames {
	unsigned n;
	uint16_t len[MAX_FRAMES];
	uint8_t data[MAX_FRAMES][FRAME_MAX];
};

/* What each input frame must give. */
struct expected {
	uint8_t kind;            /* enum expect */
	uint8_t cls;             /* DP_PKT_* of the input (replies) */
	uint8_t reason;          /* DP_PKT_R_* (drops, exceptions) */
	uint8_t is_signed;       /* DNS: DO to the signed zone */
	uint16_t dns_len;        /* DNS: the oracle's reply */
	uint8_t dns[FRAME_MAX];
};

static struct frames in[NPORTS], out[NPORTS];
static struct expected exp_[NPORTS][MAX_FRAMES];
static struct dp_view view;
static ldns_rr_list *dnskeys;
static char dir[64];
static unsigned beyond_room; /* oracle replies larger than the DPDK frame's DNS room */

/* ---- frames ---- */


/* The frames of f, in order, as a pcap file. */
static int
write_pcap(const char *path, const struct frames *f)
{
	return support_pcap_save(path, f->data[0], FRAME_MAX, f->len, f->n);
}

/* Read a pcap file into f; -1 on error. */
static int
read_pcap(const char *path, struct frames *f)
{
	return support_pcap_load(path, f->data[0], FRAME_MAX, f->len, MAX_FRAMES, &f->n);
}

/* ---- the oracle: the socket backend on loopback ---- */

#define ORACLE_WAIT_MS 5000
#define ORACLE_LATE_MS 10
#define ORACLE_TRIES 20

/*
 * A one-worker socket backend on its own runtime, serving the same view
 * (zone set and key tables). It runs before the DPDK loop and is stopped
 * before the loop starts, so the two workers (both worker 0 of the key
 * table's signers) never sign at the same time.
 * Per address family (0: 127.0.0.1, 1: ::1), a client socket sends the
 * queries and a marker socket sends a marker query after each: the worker
 * answers one socket's datagrams in arrival order, so once the marker's
 * reply is back, the query's reply has been sent if there is one. The
 * markers' share of the worker's counters is taken off by marks * mark_cnt.
 */
struct oracle {
	struct dp_runtime rt;
	struct dp_socket *s;
	int cli[2], mark[2];          /* -1: family not served */
	unsigned marks;
	uint64_t mark_cnt[DP_CNT__MAX]; /* what one marker query adds */
	uint64_t base[DP_CNT__MAX];     /* counters before the first query */
};

static struct oracle orc = { .cli = { -1, -1 }, .mark = { -1, -1 } };

static uint64_t
oracle_counter(enum dp_counter c)
{
	struct dp_worker *const *ws;

	dp_socket_workers(orc.s, &ws);
	return dp_counter_get(ws[0], c);
}

/* Send the marker on family f and wait for its reply; -1 when none came. */
static int
oracle_mark(int f)
{
	uint8_t m[64], r[512];
	size_t n = t_query(m, 0xfffe, "www.socket.test", 1, 0, 0);
	struct pollfd p = { .fd = orc.mark[f], .events = POLLIN };

	if (send(orc.mark[f], m, n, 0) != (ssize_t)n || poll(&p, 1, ORACLE_WAIT_MS) != 1 ||
	    recv(orc.mark[f], r, sizeof(r), 0) < DNS_HDR_LEN)
		return -1;
	orc.marks++;
	return 0;
}

/*
 * The socket backend's reply to q, sent from the address family of v6
 * when it is served (else IPv4): DP_SEND with out[0..*outlen) (up to cap),
 * DP_DROP when it sends nothing; -1 when the exchange fails.
 */
static int
oracle_ask(int v6, const uint8_t *q, size_t qlen, uint8_t *out, size_t cap, size_t *outlen)
{
	int f = orc.cli[v6] >= 0 ? v6 : 0;
	uint8_t extra[512];
	struct pollfd p = { .fd = orc.cli[f], .events = POLLIN };

	if (send(orc.cli[f], q, qlen, 0) != (ssize_t)qlen || oracle_mark(f) < 0)
		return -1;
	/* A short wait covers a reply still in another CPU's backlog. */
	if (poll(&p, 1, ORACLE_LATE_MS) == 0)
		return DP_DROP;
	ssize_t r = recv(orc.cli[f], out, cap, MSG_DONTWAIT);
	if (r < 0)
		return -1;
	*outlen = (size_t)r;
	/* One reply per query, carrying its ID. */
	if (recv(orc.cli[f], extra, sizeof(extra), MSG_DONTWAIT) >= 0 || r < 2 ||
	    memcmp(out, q, 2) != 0)
		return -1;
	return DP_SEND;
}

static int
oracle_socket(int f, int port)
{
	struct sockaddr_in a4 = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port),
				  .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	struct sockaddr_in6 a6 = { .sin6_family = AF_INET6, .sin6_port = htons((uint16_t)port),
				   .sin6_addr = IN6ADDR_LOOPBACK_INIT };
	int fd = socket(f ? AF_INET6 : AF_INET, SOCK_DGRAM, 0);

	if (fd >= 0 && connect(fd, f ? (struct sockaddr *)&a6 : (struct sockaddr *)&a4,
			       f ? sizeof(a6) : sizeof(a4)) < 0) {
		close(fd);
		fd = -1;
	}
	return fd;
}

/*
 * Start the socket backend on 127.0.0.1 and ::1 (127.0.0.1 only when the
 * host has no ::1) at a high port, and measure a marker's counts.
 */
static int
oracle_start(char *err, size_t errlen)
{
	struct dp_listen l[2] = {0};
	struct sockaddr_in *a4 = (struct sockaddr_in *)&l[0].addr;
	struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)&l[1].addr;
	size_t nl = 2;
	int port = 0, rc = -1;

	dp_runtime_init(&orc.rt);
	atomic_store_explicit(&orc.rt.view, &view, memory_order_release);
	a4->sin_family = AF_INET;
	a4->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	l[0].addrlen = sizeof(*a4);
	a6->sin6_family = AF_INET6;
	a6->sin6_addr = in6addr_loopback;
	l[1].addrlen = sizeof(*a6);
	for (int i = 0; i < ORACLE_TRIES && rc < 0; i++) {
		port = 20000 + (int)((getpid() + i * 7919) % 40000);
		a4->sin_port = htons((uint16_t)port);
		a6->sin6_port = htons((uint16_t)port);
		struct dp_socket_config cfg = { .listen = l, .nlisten = nl, .workers = 1 };
		rc = dp_socket_start(&orc.rt, &cfg, &orc.s, err, errlen);
		if (rc == -EADDRNOTAVAIL && nl == 2) {
			nl = 1;
			i--;
		}
	}
	if (rc < 0)
		return -1;
	for (size_t f = 0; f < nl; f++) {
		orc.cli[f] = oracle_socket((int)f, port);
		orc.mark[f] = oracle_socket((int)f, port);
		if (orc.cli[f] < 0 || orc.mark[f] < 0) {
			snprintf(err, errlen, "client socket: %s", strerror(errno));
			return -1;
		}
	}
	diag("socket backend on 127.0.0.1%s port %d", nl == 2 ? " and ::1" : "", port);
	for (unsigned c = 0; c < DP_CNT__MAX; c++)
		orc.mark_cnt[c] = oracle_counter(c);
	if (oracle_mark(0) < 0) {
		snprintf(err, errlen, "no reply from the socket backend");
		return -1;
	}
	for (unsigned c = 0; c < DP_CNT__MAX; c++) {
		orc.base[c] = oracle_counter(c);
		orc.mark_cnt[c] = orc.base[c] - orc.mark_cnt[c];
	}
	orc.marks = 0;
	return 0;
}

/* The socket worker's count of c for the queries asked (markers taken off). */
static uint64_t
oracle_count(enum dp_counter c)
{
	return oracle_counter(c) - orc.base[c] - orc.marks * orc.mark_cnt[c];
}

static void
oracle_stop(void)
{
	for (unsigned f = 0; f < 2; f++) {
		if (orc.cli[f] >= 0)
			close(orc.cli[f]);
		if (orc.mark[f] >= 0)
			close(orc.mark[f]);
	}
	dp_socket_stop(orc.s);
	dp_runtime_fini(&orc.rt);
}

static struct frames *cur_in;
static struct expected *cur_exp;

static struct expected *
add(size_t len, uint8_t kind, uint8_t cls, uint8_t reason)
{
	struct expected *e = &cur_exp[cur_in->n];
	cur_in->len[cur_in->n++] = (uint16_t)len;
	e->kind = kind;
	e->cls = cls;
	e->reason = reason;
	return e;
}

/*
 * A DNS query frame; the oracle says what must come back. The DPDK loop
 * gives the engine the DNS room of a frame of the port's MTU (net_pcap's is
 * DP_DPDK_MTU_DEFAULT), the socket
 * backend 4096 octets; both limit UDP replies to the EDNS size (512
 * without) and view.udp_max, so they agree while the room is the larger.
 */
static void
add_dns(const struct dp_pkt_config *cfg, int v6, int vid, size_t optlen, const uint8_t *q,
	size_t qlen, int is_signed)
{
	uint8_t *f = cur_in->data[cur_in->n], r[4096];
	size_t len = t_udp_frame(f, v6, vid, optlen, CLI_PORT, 53, q, qlen), dlen = 0;
	struct dp_pkt_info info;

	dp_pkt_classify(cfg, f, len, 0, &info);
	struct expected *e = add(len, E_DNS, DP_PKT_DNS, DP_PKT_R_NONE);
	size_t room = dp_pkt_dns_room(&info, DP_DPDK_MTU_DEFAULT + (size_t)info.l2_len);
	int v = oracle_ask(v6, q, qlen, r, sizeof(r), &dlen);
	if (v < 0) {
		printf("Bail out! no answer from the socket backend: %s\n", strerror(errno));
		exit(1);
	}
	if (v == DP_DROP) {
		e->kind = E_DNS_DROP;
		return;
	}
	if (dlen > room && beyond_room++ == 0)
		diag("the socket backend's reply (%zu octets) exceeds the DPDK frame's room (%zu)",
		     dlen, room);
	if (dlen > sizeof(e->dns))
		dlen = sizeof(e->dns);
	memcpy(e->dns, r, dlen);
	e->dns_len = (uint16_t)dlen;
	e->is_signed = (uint8_t)is_signed;
}

/* The frames of one port: vid is its VLAN (-1 untagged), other the VLAN it does not serve. */
static void
gen(const struct dp_pkt_config *cfg, struct frames *fr, struct expected *ex, int vid, int other)
{
	uint8_t q[512], *f;
	char name[64];
	size_t n, len;

	cur_in = fr;
	cur_exp = ex;
	fr->n = 0;
	for (unsigned r = 0; r < ROUNDS; r++) {
		uint16_t id = (uint16_t)(r * 64 + 1);
		int v6 = r & 1;

		/* positive, IPv4, IPv4 with options, IPv6 */
		n = t_query(q, id++, "www.socket.test", 1, 1232, 0);
		add_dns(cfg, 0, vid, 0, q, n, 0);
		add_dns(cfg, 0, vid, 8, q, n, 0);
		n = t_query(q, id++, "www.socket.test", 28, 0, 0);
		add_dns(cfg, 1, vid, 0, q, n, 0);
		/* NXDOMAIN */
		snprintf(name, sizeof(name), "nx%u.socket.test", r);
		n = t_query(q, id++, name, 1, 1232, 0);
		add_dns(cfg, v6, vid, 0, q, n, 0);
		/* truncation: no EDNS, a small EDNS size, and the largest */
		n = t_query(q, id++, "big.socket.test", 16, 0, 0);
		add_dns(cfg, v6, vid, 0, q, n, 0);
		n = t_query(q, id++, "big.socket.test", 16, 600, 0);
		add_dns(cfg, v6, vid, 0, q, n, 0);
		n = t_query(q, id++, "big.socket.test", 16, 4096, 0);
		add_dns(cfg, !v6, vid, 0, q, n, 0);
		/* CNAME and wildcard, unsigned answers */
		n = t_query(q, id++, "signed.example.org", 1, 1232, 0);
		add_dns(cfg, v6, vid, 0, q, n, 0);
		snprintf(name, sizeof(name), "w%u.example.org", r % 3);
		n = t_query(q, id++, name, 16, 0, 0);
		add_dns(cfg, v6, vid, 0, q, n, 0);
		/* DO=1 to the signed zone: positive, wildcard, NXDOMAIN, NODATA, DNSKEY */
		n = t_query(q, id++, "ns1.example.org", 1, 1232, 1);
		add_dns(cfg, v6, vid, 0, q, n, 1);
		n = t_query(q, id++, name, 16, 1232, 1);
		add_dns(cfg, !v6, vid, 0, q, n, 1);
		snprintf(name, sizeof(name), "nx%u.example.org", r % 4);
		n = t_query(q, id++, name, 1, 1232, 1);
		add_dns(cfg, v6, vid, 0, q, n, 1);
		n = t_query(q, id++, "multi.example.org", 1, 1232, 1);
		add_dns(cfg, v6, vid, 0, q, n, 1);
		n = t_query(q, id++, "ns2.example.org", 28, 1232, 1);
		add_dns(cfg, v6, vid, 0, q, n, 1);
		n = t_query(q, id++, "example.org", 48, 1232, 1);
		add_dns(cfg, v6, vid, 0, q, n, 1);
		/* DO=1 with a small EDNS size: truncated signed answer */
		n = t_query(q, id++, "multi.example.org", 16, 512, 1);
		add_dns(cfg, v6, vid, 0, q, n, 1);
		/* malformed DNS: question cut short (FORMERR), QR set, shorter than a header */
		n = t_query(q, id++, "www.socket.test", 1, 0, 0);
		add_dns(cfg, v6, vid, 0, q, n - 3, 0);
		q[2] |= 0x80;
		add_dns(cfg, v6, vid, 0, q, n, 0);
		add_dns(cfg, v6, vid, 0, q, 7, 0);
		/* ARP, ICMP and ICMPv6 echo, neighbour solicitation */
		f = fr->data[fr->n];
		add(t_arp_frame(f, vid, 1, r & 2 ? t_our4b : t_our4), E_REPLY, DP_PKT_ARP, 0);
		f = fr->data[fr->n];
		add(t_echo_frame(f, 0, vid, r & 2 ? 4 : 0, 16 + r), E_REPLY, DP_PKT_ICMP4_ECHO, 0);
		f = fr->data[fr->n];
		add(t_echo_frame(f, 1, vid, 0, 56), E_REPLY, DP_PKT_ICMP6_ECHO, 0);
		f = fr->data[fr->n];
		add(t_ns_frame(f, vid, t_cli6, t_our6, (int)(r & 1), 255), E_REPLY,
		    DP_PKT_ICMP6_NS, 0);
		/* malformed frames: bad IP checksum, truncated, bad UDP checksum, other MAC */
		n = t_query(q, id++, "www.socket.test", 1, 0, 0);
		f = fr->data[fr->n];
		len = t_udp_frame(f, 0, vid, 0, CLI_PORT, 53, q, n);
		f[(vid < 0 ? 14 : 18) + 10] ^= 0x40;
		add(len, E_DROP, 0, DP_PKT_R_IP_CKSUM);
		f = fr->data[fr->n];
		len = t_udp_frame(f, v6, vid, 0, CLI_PORT, 53, q, n);
		add(len - 10, E_DROP, 0, DP_PKT_R_IP_LEN);
		f = fr->data[fr->n];
		len = t_udp_frame(f, v6, vid, 0, CLI_PORT, 53, q, n);
		f[len - 1] ^= 0x11;
		add(len, E_DROP, 0, DP_PKT_R_UDP_CKSUM);
		f = fr->data[fr->n];
		len = t_udp_frame(f, v6, vid, 0, CLI_PORT, 53, q, n);
		f[5] ^= 0x01;
		add(len, E_DROP, 0, DP_PKT_R_OTHER_MAC);
		/* for the kernel: TCP to 53, UDP to 54, a fragment, the other VLAN */
		f = fr->data[fr->n];
		len = t_ip4(f, t_eth(f, t_our_mac, t_cli_mac, vid, 0x0800), t_cli4, t_our4, 6, 0,
			    0x4000, q, 20);
		add(len, E_EXC, 0, DP_PKT_R_PROTO);
		f = fr->data[fr->n];
		add(t_udp_frame(f, v6, vid, 0, CLI_PORT, 54, q, n), E_EXC, 0, DP_PKT_R_PORT);
		f = fr->data[fr->n];
		len = t_ip4(f, t_eth(f, t_our_mac, t_cli_mac, vid, 0x0800), t_cli4, t_our4, 17, 0,
			    0x2000, q, n);
		add(len, E_EXC, 0, DP_PKT_R_FRAGMENT);
		f = fr->data[fr->n];
		add(t_udp_frame(f, v6, other, 0, CLI_PORT, 53, q, n), E_EXC, 0, DP_PKT_R_VLAN);
		/* NOTIFY (opcode 4, AA) and UPDATE (opcode 5) to port 53 */
		n = t_query(q, id++, "example.org", 6, 0, 0);
		q[2] = 0x24;
		f = fr->data[fr->n];
		add(t_udp_frame(f, v6, vid, 0, CLI_PORT, 53, q, n), E_EXC, 0, DP_PKT_R_OPCODE);
		q[2] = 0x28;
		f = fr->data[fr->n];
		add(t_udp_frame(f, !v6, vid, 0, CLI_PORT, 53, q, n), E_EXC, 0, DP_PKT_R_OPCODE);
	}
}

/* ---- checks ---- */

struct tally {
	unsigned dns, dns_drop, reply, exc, drop, sigs_verified, sigs_bad, signed_replies;
	unsigned reason[DP_PKT_R_COUNT];
	unsigned bad_frame, bad_dns, bad_reply;
};

static int
rr_equal_list(const ldns_rr_list *a, const ldns_rr_list *b, int signed_)
{
	size_t n = ldns_rr_list_rr_count(a);
	if (n != ldns_rr_list_rr_count(b))
		return 0;
	for (size_t i = 0; i < n; i++) {
		ldns_rr *x = ldns_rr_list_rr(a, i), *y = ldns_rr_list_rr(b, i);
		if (signed_ && ldns_rr_get_type(x) == LDNS_RR_TYPE_RRSIG) {
			/* Same covered type, owner and key tag; the signature is verified. */
			if (ldns_rr_get_type(y) != LDNS_RR_TYPE_RRSIG ||
			    ldns_dname_compare(ldns_rr_owner(x), ldns_rr_owner(y)) != 0 ||
			    ldns_rdf_compare(ldns_rr_rrsig_typecovered(x),
					     ldns_rr_rrsig_typecovered(y)) != 0 ||
			    ldns_rdf_compare(ldns_rr_rrsig_keytag(x), ldns_rr_rrsig_keytag(y)) != 0)
				return 0;
			continue;
		}
		if (ldns_rr_compare(x, y) != 0 || ldns_rr_ttl(x) != ldns_rr_ttl(y))
			return 0;
	}
	return 1;
}

/* Verify every RRSIG of section s against the DNSKEY RRset. */
static void
verify_section(const ldns_rr_list *s, struct tally *t)
{
	for (size_t i = 0; i < ldns_rr_list_rr_count(s); i++) {
		ldns_rr *sig = ldns_rr_list_rr(s, i);
		if (ldns_rr_get_type(sig) != LDNS_RR_TYPE_RRSIG)
			continue;
		ldns_status st = support_verify_rrsig(s, sig, dnskeys);
		if (st == LDNS_STATUS_OK) {
			t->sigs_verified++;
		} else {
			if (t->sigs_bad++ == 0)
				diag("RRSIG over type %u does not verify: %s",
				     (unsigned)ldns_rdf2rr_type(ldns_rr_rrsig_typecovered(sig)),
				     ldns_get_errorstr_by_id(st));
		}
	}
}

/* A signed reply: same header and records as the oracle's, RRSIGs verified. */
static int
signed_equal(const uint8_t *got, size_t glen, const struct expected *e, struct tally *t)
{
	ldns_pkt *a = NULL, *b = NULL;
	int same = 0;

	if (ldns_wire2pkt(&a, got, glen) != LDNS_STATUS_OK ||
	    ldns_wire2pkt(&b, e->dns, e->dns_len) != LDNS_STATUS_OK)
		goto out;
	same = glen == e->dns_len && memcmp(got, e->dns, 12) == 0 &&
	       rr_equal_list(ldns_pkt_question(a), ldns_pkt_question(b), 0) &&
	       rr_equal_list(ldns_pkt_answer(a), ldns_pkt_answer(b), 1) &&
	       rr_equal_list(ldns_pkt_authority(a), ldns_pkt_authority(b), 1) &&
	       rr_equal_list(ldns_pkt_additional(a), ldns_pkt_additional(b), 1);
	if (ldns_pkt_ancount(a) + ldns_pkt_nscount(a) > 0 && (got[2] & 0x02) == 0) {
		unsigned before = t->sigs_verified;
		verify_section(ldns_pkt_answer(a), t);
		verify_section(ldns_pkt_authority(a), t);
		t->signed_replies += t->sigs_verified > before;
	}
out:
	ldns_pkt_free(a);
	ldns_pkt_free(b);
	return same;
}

/* The client's side of port cfg: replies come to its MAC, addresses and port. */
static void
client_config(struct dp_pkt_config *c, int vid)
{
	memset(c, 0, sizeof(*c));
	memcpy(c->mac, t_cli_mac, 6);
	c->vlan = (uint16_t)(vid < 0 ? 0 : vid);
	c->dns_port = CLI_PORT;
	c->n_ip4 = 1;
	memcpy(c->ip4[0], t_cli4, 4);
	c->n_ip6 = 1;
	memcpy(c->ip6[0], t_cli6, 16);
}

static int
check_reply(const uint8_t *in_f, size_t in_len, const uint8_t *o, size_t olen,
	    const struct expected *e, int vid)
{
	size_t l2 = vid < 0 ? 14 : 18;
	if (olen < l2 + 28 || memcmp(o, t_cli_mac, 6) != 0 || memcmp(o + 6, t_our_mac, 6) != 0 ||
	    memcmp(o + 12, in_f + 12, l2 - 12) != 0)
		return 0;
	switch (e->cls) {
	case DP_PKT_ARP: {
		const uint8_t *a = o + l2;
		return t_get16(a + 6) == 2 && memcmp(a + 8, t_our_mac, 6) == 0 &&
		       memcmp(a + 14, in_f + l2 + 24, 4) == 0 && memcmp(a + 18, t_cli_mac, 6) == 0 &&
		       memcmp(a + 24, t_cli4, 4) == 0;
	}
	case DP_PKT_ICMP4_ECHO: {
		const uint8_t *ip = o + l2, *iq = in_f + l2;
		size_t ihl = (size_t)(ip[0] & 15) * 4, qihl = (size_t)(iq[0] & 15) * 4;
		size_t ilen = t_get16(ip + 2) - ihl;
		return ihl == 20 && t_naive_cksum(-1, NULL, NULL, 0, ip, 20) == 0 &&
		       memcmp(ip + 12, t_our4, 4) == 0 && memcmp(ip + 16, t_cli4, 4) == 0 &&
		       ip[ihl] == 0 && t_naive_cksum(-1, NULL, NULL, 0, ip + ihl, ilen) == 0 &&
		       ilen == in_len - l2 - qihl &&
		       memcmp(ip + ihl + 4, iq + qihl + 4, ilen - 4) == 0;
	}
	case DP_PKT_ICMP6_ECHO:
	case DP_PKT_ICMP6_NS: {
		const uint8_t *ip = o + l2;
		size_t plen = t_get16(ip + 4);
		int is_echo = e->cls == DP_PKT_ICMP6_ECHO;
		return ip[6] == 58 && memcmp(ip + 8, t_our6, 16) == 0 &&
		       olen >= l2 + 40 + plen &&
		       t_naive_cksum(1, ip + 8, ip + 24, 58, ip + 40, plen) == 0 &&
		       ip[40] == (is_echo ? 129 : 136) &&
		       (!is_echo || memcmp(ip + 44, in_f + l2 + 44, plen - 4) == 0) &&
		       (is_echo || memcmp(ip + 48, t_our6, 16) == 0);
	}
	}
	return 0;
}

static void
check_port(unsigned p, int vid, struct tally *t)
{
	struct dp_pkt_config cli;
	unsigned k = 0;

	client_config(&cli, vid);
	for (unsigned i = 0; i < in[p].n; i++) {
		const struct expected *e = &exp_[p][i];
		switch (e->kind) {
		case E_DNS_DROP:
			t->dns_drop++;
			continue;
		case E_EXC:
			t->exc++;
			t->reason[e->reason]++;
			continue;
		case E_DROP:
			t->drop++;
			t->reason[e->reason]++;
			continue;
		}
		if (k == out[p].n) {
			t->bad_frame++;
			continue;
		}
		const uint8_t *o = out[p].data[k];
		size_t olen = out[p].len[k++];
		if (e->kind == E_REPLY) {
			t->reply++;
			if (!check_reply(in[p].data[i], in[p].len[i], o, olen, e, vid) &&
			    t->bad_reply++ == 0)
				diag("port %u frame %u: wrong %s reply", p, i, dp_pkt_class_str(e->cls));
			continue;
		}
		t->dns++;
		struct dp_pkt_info info;
		if (dp_pkt_classify(&cli, o, olen, 0, &info) != DP_PKT_DNS ||
		    memcmp(o + 6, t_our_mac, 6) != 0) {
			if (t->bad_frame++ == 0)
				diag("port %u frame %u: reply classified %s (%s) by the client",
				     p, i, dp_pkt_class_str(info.cls), dp_pkt_reason_str(info.reason));
			continue;
		}
		const uint8_t *dns = o + info.payload_off;
		int same = e->is_signed ? signed_equal(dns, info.payload_len, e, t)
					: info.payload_len == e->dns_len &&
						  memcmp(dns, e->dns, e->dns_len) == 0;
		if (!same && t->bad_dns++ == 0)
			diag("port %u frame %u: DNS reply (%u octets) differs from the oracle's (%u)",
			     p, i, (unsigned)info.payload_len, (unsigned)e->dns_len);
	}
	is_int(out[p].n, k, "port %u: no output frame beyond the expected replies", p);
}

/*
 * The kernel path: each frame must be the next input frame expected to go
 * to the kernel on its port, unchanged.
 */
struct sink {
	unsigned next[NPORTS], n[NPORTS], wrong;
};

static void
sink_put(void *ctx, unsigned wid, unsigned port, struct dp_dpdk_mbuf *const *bufs, unsigned n)
{
	struct sink *s = ctx;

	(void)wid;
	for (unsigned k = 0; k < n; k++) {
		unsigned i = s->next[port];
		while (i < in[port].n && exp_[port][i].kind != E_EXC)
			i++;
		if (i == in[port].n || dp_dpdk_mbuf_len(bufs[k]) != in[port].len[i] ||
		    memcmp(dp_dpdk_mbuf_data(bufs[k]), in[port].data[i], in[port].len[i]) != 0)
			s->wrong++;
		s->next[port] = i + 1;
		s->n[port]++;
	}
	dp_dpdk_mbuf_free(bufs, n);
}

/* ---- set-up ---- */

static int
load_view(void)
{
	static struct dp_zone_slot slot[2];
	static struct dp_zone_slot *slots[2];
	static const struct {
		const char *origin, *path;
	} zones[] = {
		{ "socket.test", "tests/dataplane/io/socket-test.zone" },
		{ "example.org", "tests/zones/example.org.zone" },
	};
	const char *src = getenv("SIGEDGE_SRCDIR");
	struct dns_zone *z[2];
	char path[4096], err[1024];

	for (unsigned i = 0; i < 2; i++) {
		snprintf(path, sizeof(path), "%s/%s", src ? src : ".", zones[i].path);
		if (dns_zone_load(zones[i].origin, path, &z[i], err, sizeof(err)) < 0) {
			printf("Bail out! %s\n", err);
			return -1;
		}
	}
	view.zones = dns_zoneset_new(z, 2);
	view.udp_max = 1232;
	view.slots = slots;
	if (!view.zones)
		return -1;
	for (unsigned i = 0; i < 2; i++) {
		const struct dns_zone *at = dns_zoneset_at(view.zones, i);
		slots[i] = &slot[i];
		if (at == z[1] && support_sign_zone(&slot[i], at, SIGN_ALG_ECDSAP256SHA256,
						    SIGN_DENIAL_NSEC, 1) < 0)
			return -1;
	}
	dns_zone_unref(z[0]);
	dns_zone_unref(z[1]);
	return 0;
}

/* The DNSKEY RRset, from the oracle. */
static int
load_dnskeys(void)
{
	uint8_t q[512], r[4096];
	size_t n = t_query(q, 1, "example.org", 48, 4096, 1), rlen;
	ldns_pkt *p = NULL;

	if (oracle_ask(0, q, n, r, sizeof(r), &rlen) != DP_SEND ||
	    ldns_wire2pkt(&p, r, rlen) != LDNS_STATUS_OK)
		return -1;
	dnskeys = ldns_pkt_rr_list_by_type(p, LDNS_RR_TYPE_DNSKEY, LDNS_SECTION_ANSWER);
	ldns_pkt_free(p);
	return dnskeys && ldns_rr_list_rr_count(dnskeys) == 2 ? 0 : -1;
}

static int
start(const char *pin0, const char *pout0, const char *pin1, const char *pout1,
      struct dp_dpdk **d, char *err, size_t errlen)
{
	static char prefix[64], v0[300], v1[300];
	static const char *ports[] = {"net_pcap0", "net_pcap1"};
	const char *argv[] = {
		"--no-huge", "-m", "512", "--no-pci", "--no-shconf", "--no-telemetry", prefix,
		"-l", "0", "--vdev", v0, "--vdev", v1,
	};
	struct dp_dpdk_config cfg = {
		.eal_argv = argv, .eal_argc = (int)(sizeof(argv) / sizeof(argv[0])),
		.ports = ports, .nports = 2, .workers = 1, .rx_ring = 1024, .tx_ring = 1024,
	};

	snprintf(prefix, sizeof(prefix), "--file-prefix=sigedge-replay-%ld", (long)getpid());
	snprintf(v0, sizeof(v0), "net_pcap0,rx_pcap=%s,tx_pcap=%s", pin0, pout0);
	snprintf(v1, sizeof(v1), "net_pcap1,rx_pcap=%s,tx_pcap=%s", pin1, pout1);
	return dp_dpdk_start(&cfg, d, err, errlen);
}

static void
cleanup(const char *const *paths, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		unlink(paths[i]);
	rmdir(dir);
}

int
main(void)
{
	static struct dp_worker w;
	static struct dp_dpdk_loop loop;
	struct dp_runtime rt;
	struct dp_pkt_config cfg[NPORTS];
	const int vids[NPORTS] = {-1, VLAN};
	char pin0[128], pout0[128], pin1[128], pout1[128], err[256] = "";
	const char *paths[] = {pin0, pout0, pin1, pout1};
	struct dp_dpdk *d = NULL;
	uint64_t want[DP_CNT__MAX];
	struct tally t = {0};
	struct sink sk = {0};
	const struct dp_dpdk_kernel kern = {sink_put, NULL, &sk};
	unsigned empty = 0, total = 0;

	snprintf(dir, sizeof(dir), "/tmp/sigedge-replay-XXXXXX");
	if (!mkdtemp(dir)) {
		printf("Bail out! mkdtemp\n");
		return 1;
	}
	snprintf(pin0, sizeof(pin0), "%s/in0.pcap", dir);
	snprintf(pout0, sizeof(pout0), "%s/out0.pcap", dir);
	snprintf(pin1, sizeof(pin1), "%s/in1.pcap", dir);
	snprintf(pout1, sizeof(pout1), "%s/out1.pcap", dir);

	if (load_view() < 0) {
		printf("Bail out! cannot set up the view\n");
		return 1;
	}
	if (oracle_start(err, sizeof(err)) < 0 || load_dnskeys() < 0) {
		printf("Bail out! cannot start the socket backend: %s\n", err);
		return 1;
	}
	t_config(&cfg[0], 0);
	t_config(&cfg[1], VLAN);
	for (unsigned c = 0; c < DP_CNT__MAX; c++)
		want[c] = oracle_count(c);
	gen(&cfg[0], &in[0], exp_[0], -1, VLAN);
	gen(&cfg[1], &in[1], exp_[1], VLAN, -1);
	for (unsigned c = 0; c < DP_CNT__MAX; c++)
		want[c] = oracle_count(c) - want[c];
	oracle_stop();
	total = in[0].n + in[1].n;
	diag("%u frames in, %u on each port; %u queries asked of the socket backend", total,
	     in[0].n, orc.marks);
	ok(total >= 1000, "at least 1,000 input frames");
	is_int(beyond_room, 0, "every socket reply fits the DNS room of a DPDK frame");
	if (write_pcap(pin0, &in[0]) != 0 || write_pcap(pin1, &in[1]) != 0) {
		printf("Bail out! cannot write the input files in %s\n", dir);
		return 1;
	}

	int rc = start(pin0, pout0, pin1, pout1, &d, err, sizeof(err));
	if (rc < 0 && strncmp(err, "EAL initialisation failed", 25) == 0) {
		printf("1..0 # SKIP EAL cannot start here: %s\n", err);
		cleanup(paths, 4);
		return 0;
	}
	if (!ok(rc == 0, "start with two net_pcap ports: %s", rc ? err : "ok"))
		return tap_done();

	diag("port offloads 0x%x and 0x%x (DP_DPDK_RX_* | DP_DPDK_TX_*)",
	     dp_dpdk_port(d, 0)->offloads, dp_dpdk_port(d, 1)->offloads);
	dp_runtime_init(&rt);
	atomic_store_explicit(&rt.view, &view, memory_order_relaxed);
	ok(dp_worker_init(&w, &rt, 0) == 0, "worker set up");
	ok(dp_dpdk_loop_init(&loop, d, 1, &w, cfg, NULL) == -EINVAL, "worker 1 does not exist");
	ok(dp_dpdk_loop_init(&loop, d, 0, &w, cfg, &kern) == 0, "loop set up");

	/* net_pcap never reports the end of its input: drained after EMPTY_POLLS empty passes. */
	while (empty < EMPTY_POLLS)
		empty = dp_dpdk_loop_poll(&loop) ? 0 : empty + 1;
	atomic_store_explicit(&rt.stop, true, memory_order_relaxed);
	dp_dpdk_loop_run(&loop);
	ok(1, "the loop returns once stop is set");
	dp_dpdk_stop(d);

	int rd = read_pcap(pout0, &out[0]) == 0 && read_pcap(pout1, &out[1]) == 0;
	ok(rd, "output pcaps readable (%u and %u frames)", out[0].n, out[1].n);
	for (unsigned p = 0; p < NPORTS; p++)
		check_port(p, vids[p], &t);
	is_int(t.bad_frame, 0, "every DNS reply is there, a valid frame to the client");
	is_int(t.bad_dns, 0, "every DNS payload equals the socket backend's (signed: records equal)");
	is_int(t.bad_reply, 0, "every ARP, echo and NS reply is right, checksums valid");
	is_int(t.sigs_bad, 0, "every RRSIG made online verifies (%u verified)", t.sigs_verified);
	ok(t.sigs_verified > 0 && t.signed_replies > 0, "signed replies seen (%u)",
	   t.signed_replies);

	/* Accounting. */
	is_int(dp_counter_get(&w, DP_CNT_RX), total, "counter rx: every frame");
	is_int(dp_dpdk_loop_counter(&loop, DP_DPDK_CNT_ANSWERED), t.dns, "counter answered");
	is_int(dp_dpdk_loop_counter(&loop, DP_DPDK_CNT_REPLIED), t.reply, "counter replied");
	is_int(dp_dpdk_loop_counter(&loop, DP_DPDK_CNT_EXCEPTION), t.exc, "counter exception");
	is_int(dp_counter_get(&w, DP_CNT_DROPPED), t.drop + t.dns_drop,
	       "counter dropped: frames and DNS messages the engine dropped");
	is_int(dp_counter_get(&w, DP_CNT_TX), t.dns + t.reply, "counter tx");
	is_int(dp_dpdk_loop_counter(&loop, DP_DPDK_CNT_TX_FAILED), 0, "counter tx-failed");
	is_int(dp_dpdk_loop_counter(&loop, DP_DPDK_CNT_NO_MBUF), 0, "counter no-mbuf");
	is_int(sk.n[0] + sk.n[1], t.exc, "the kernel path got every frame for the kernel");
	is_int(sk.wrong, 0, "each unchanged and in order");
	is_int(t.dns + t.dns_drop + t.reply + t.exc + t.drop, total, "every frame accounted for");
	ok(t.dns_drop > 0 && t.exc > 0 && t.drop > 0, "each outcome occurs");
	unsigned bad_reason = 0;
	for (unsigned r = 1; r < DP_PKT_R_COUNT; r++)
		if (dp_dpdk_loop_reason(&loop, r) != t.reason[r] && bad_reason++ == 0)
			diag("reason %s: %llu, want %u", dp_pkt_reason_str(r),
			     (unsigned long long)dp_dpdk_loop_reason(&loop, r), t.reason[r]);
	is_int(bad_reason, 0, "drops and exceptions counted by reason as expected");
	static const enum dp_counter engine[] = {
		DP_CNT_UDP, DP_CNT_EDNS, DP_CNT_DO, DP_CNT_TRUNCATED, DP_CNT_NOERROR,
		DP_CNT_FORMERR, DP_CNT_NXDOMAIN, DP_CNT_NODATA, DP_CNT_SIGNED,
	};
	for (unsigned i = 0; i < sizeof(engine) / sizeof(engine[0]); i++) {
		enum dp_counter c = engine[i];
		is_int(dp_counter_get(&w, c), want[c], "engine counter %s as the socket worker's",
		       dp_counter_name(c));
	}
	ok(dp_counter_get(&w, DP_CNT_SIG_HIT) > 0, "signature cache hits (%llu, misses %llu)",
	   (unsigned long long)dp_counter_get(&w, DP_CNT_SIG_HIT),
	   (unsigned long long)dp_counter_get(&w, DP_CNT_SIG_MISS));
	ok(dp_counter_get(&w, DP_CNT_TRUNCATED) > 0 && dp_counter_get(&w, DP_CNT_FORMERR) > 0 &&
	   dp_counter_get(&w, DP_CNT_NXDOMAIN) > 0, "truncated, FORMERR and NXDOMAIN replies seen");

	dp_worker_fini(&w);
	dp_runtime_fini(&rt);
	ldns_rr_list_deep_free(dnskeys);
	cleanup(paths, 4);
	return tap_done();
}
