/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The DPDK backend's kernel path, both ways, in a network namespace of its
 * own (root): one net_pcap port serving VLAN 100, its TAP interface, the
 * burst loop on this thread.
 *   in:  a TCP SYN to port 53 and a NOTIFY to port 53, both tagged.
 *   The kernel must see them untagged: the NOTIFY reaches a UDP socket
 *   bound to the served address, intact; the SYN reaches a TCP listener.
 *   out: the kernel's SYN-ACK and the socket's reply to the NOTIFY leave
 *   through the port, tagged with VLAN 100, with correct checksums.
 * The client's address is outside the served prefix's usual size, so the
 * TAP interface gets prefix length 1 (the client is then on-link) and a
 * static neighbour entry stands in for ARP.
 */
#include <errno.h>
#include <net/if.h>
#include <net/if_arp.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "dataplane/io/dpdk.h"
#include "dataplane/io/dpdk_loop.h"
#include "dataplane/core/engine.h"
#include "dataplane/io/kernpath.h"
#include "dns/zone.h"
#include "tests/dataplane/io/test_pkt_frames.h"
#include "tests/support/pcap.h"
#include "tests/tap.h"

#define VID 100
#define TAP "sgtest0"
#define SYN_PORT 40000
#define UDP_PORT 40001
#define SYN_SEQ 0x11223344u
#define MAX_OUT 64

static const uint8_t notify[] = {
	0x12, 0x34, 0x20, 0x00, 0, 1, 0, 0, 0, 0, 0, 0,      /* NOTIFY, one question */
	7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 3, 'c', 'o', 'm', 0, 0, 6, 0, 1,
};
static const uint8_t answer[] = { 0x12, 0x34, 0xa4, 0x00, 0, 0, 0, 0, 0, 0, 0, 0 };

static size_t
syn_frame(uint8_t *f)
{
	uint8_t tcp[20] = {0};
	t_put16(tcp, SYN_PORT);
	t_put16(tcp + 2, 53);
	tcp[4] = SYN_SEQ >> 24, tcp[5] = SYN_SEQ >> 16 & 0xff, tcp[6] = SYN_SEQ >> 8 & 0xff;
	tcp[7] = SYN_SEQ & 0xff;
	tcp[12] = 5 << 4;
	tcp[13] = 0x02; /* SYN */
	t_put16(tcp + 14, 64240);
	t_put16(tcp + 16, t_naive_cksum(0, t_cli4, t_our4, 6, tcp, sizeof(tcp)));
	size_t l2 = t_eth(f, t_our_mac, t_cli_mac, VID, 0x0800);
	return t_ip4(f, l2, t_cli4, t_our4, 6, 0, 0x4000, tcp, sizeof(tcp));
}

/* A permanent neighbour entry: the client's MAC on the TAP interface. */
static int
static_arp(void)
{
	struct arpreq r;
	struct sockaddr_in *sin = (struct sockaddr_in *)&r.arp_pa;
	memset(&r, 0, sizeof(r));
	sin->sin_family = AF_INET;
	memcpy(&sin->sin_addr, t_cli4, 4);
	r.arp_ha.sa_family = ARPHRD_ETHER;
	memcpy(r.arp_ha.sa_data, t_cli_mac, 6);
	r.arp_flags = ATF_PERM | ATF_COM;
	snprintf(r.arp_dev, sizeof(r.arp_dev), "%s", TAP);
	int s = socket(AF_INET, SOCK_DGRAM, 0);
	int rc = ioctl(s, SIOCSARP, &r);
	close(s);
	return rc;
}

static int
bound_socket(int type)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(53) };
	memcpy(&a.sin_addr, t_our4, 4);
	int s = socket(AF_INET, type | SOCK_NONBLOCK, 0);
	if (s < 0 || bind(s, (struct sockaddr *)&a, sizeof(a)) < 0 ||
	    (type == SOCK_STREAM && listen(s, 4) < 0))
		return -1;
	return s;
}

struct out {
	unsigned n;
	uint16_t len[MAX_OUT];
	uint8_t data[MAX_OUT][1518];
};

/* The tagged IPv4 frame from our address's port 53 to the client's port, or NULL. */
static const uint8_t *
find(const struct out *o, uint8_t proto, unsigned dport, size_t *l4len)
{
	for (unsigned i = 0; i < o->n; i++) {
		const uint8_t *f = o->data[i];
		if (o->len[i] < 18 + 20 + 8 || t_get16(f + 12) != 0x8100 || t_get16(f + 16) != 0x0800)
			continue;
		const uint8_t *ip = f + 18, *l4 = ip + 20;
		if (ip[9] != proto || memcmp(ip + 12, t_our4, 4) != 0 || t_get16(l4) != 53 ||
		    t_get16(l4 + 2) != dport)
			continue;
		*l4len = t_get16(ip + 2) - 20u;
		return f;
	}
	return NULL;
}

static void
check_frame(const uint8_t *f, size_t l4len, uint8_t proto, const char *what)
{
	const uint8_t *ip = f + 18;
	ok(memcmp(f, t_cli_mac, 6) == 0 && memcmp(f + 6, t_our_mac, 6) == 0,
	   "%s: to the client's MAC from the port's", what);
	is_int(t_get16(f + 14) & 0xfff, VID, "%s: tagged with VLAN %d", what, VID);
	is_int(t_naive_sum(0, ip, 20) % 0xffff, 0, "%s: IPv4 header checksum", what);
	is_int(t_naive_cksum(0, t_our4, t_cli4, proto, ip + 20, l4len), 0, "%s: %s checksum", what,
	       proto == 6 ? "TCP" : "UDP");
}

int
main(void)
{
	if (geteuid() != 0) {
		printf("1..0 # SKIP needs root (a network namespace and a TAP interface)\n");
		return 0;
	}
	if (unshare(CLONE_NEWNET) < 0 || access("/dev/net/tun", R_OK | W_OK) < 0) {
		printf("1..0 # SKIP no network namespace or no /dev/net/tun: %s\n", strerror(errno));
		return 0;
	}
	char dir[] = "/tmp/sigedge-kernpath-XXXXXX", in[96], outp[96], vdev[256];
	if (!mkdtemp(dir)) {
		printf("1..0 # SKIP cannot create a temporary directory\n");
		return 0;
	}
	snprintf(in, sizeof(in), "%s/in.pcap", dir);
	snprintf(outp, sizeof(outp), "%s/out.pcap", dir);
	snprintf(vdev, sizeof(vdev), "net_pcap0,rx_pcap=%s,tx_pcap=%s", in, outp);

	static uint8_t frames[2][T_FRAME_MAX];
	uint16_t lens[2] = { (uint16_t)syn_frame(frames[0]), (uint16_t)t_udp_frame(frames[1], 0, VID, 0, UDP_PORT, 53, notify,
						  sizeof(notify)) };
	if (support_pcap_save(in, frames[0], T_FRAME_MAX, lens, 2) != 0) {
		printf("Bail out! cannot write %s\n", in);
		return 1;
	}

	const char *eal[] = { "--no-huge", "-m", "256", "--no-pci", "--no-shconf",
			      "--no-telemetry", "-l", "0", "--log-level", "lib.eal:error",
			      "--vdev", vdev, "--file-prefix", dir + 5 };
	struct dp_dpdk_config dc = {
		.eal_argv = eal, .eal_argc = sizeof(eal) / sizeof(eal[0]), .workers = 1,
		.extra_mbufs = DP_KERNPATH_MBUFS,
	};
	struct dp_dpdk *d;
	char err[512];
	if (dp_dpdk_start(&dc, &d, err, sizeof(err)) != 0) {
		printf("Bail out! DPDK: %s\n", err);
		return 1;
	}

	struct dp_pkt_config pc;
	t_config(&pc, VID);
	pc.n_ip4 = 1;
	pc.n_ip6 = 0;
	const char *names[] = { TAP };
	struct dp_kernpath_config kc = { .d = d, .tap = names, .pkt = &pc, .prefix4 = 1,
					 .prefix6 = 64 };
	struct dp_kernpath *k;
	is_int(dp_kernpath_start(&kc, &k, err, sizeof(err)), 0, "kernel path started: %s", err);
	ok(if_nametoindex(TAP) != 0, "TAP interface %s exists", TAP);
	is_int(static_arp(), 0, "static neighbour for the client");
	int us = bound_socket(SOCK_DGRAM), ts = bound_socket(SOCK_STREAM);
	ok(us >= 0 && ts >= 0, "UDP and TCP sockets bound to the served address");

	struct dp_runtime rt;
	struct dns_zoneset *zones = dns_zoneset_new(NULL, 0);
	struct dp_view view = { .zones = zones };
	struct dp_worker w;
	struct dp_dpdk_loop loop;
	struct dp_dpdk_kernel hook;
	dp_runtime_init(&rt);
	atomic_store_explicit(&rt.view, &view, memory_order_relaxed);
	memset(&w, 0, sizeof(w));
	dp_kernpath_hook(k, &hook);
	if (dp_worker_init(&w, &rt, 0) != 0 || dp_dpdk_loop_init(&loop, d, 0, &w, &pc, &hook) != 0) {
		printf("Bail out! worker set-up\n");
		return 1;
	}

	/* In: both frames to the kernel. */
	uint8_t buf[512];
	ssize_t got = -1;
	struct sockaddr_in from;
	socklen_t flen = sizeof(from);
	for (int i = 0; i < 5000 && got < 0; i++) {
		dp_dpdk_loop_poll(&loop);
		got = recvfrom(us, buf, sizeof(buf), 0, (struct sockaddr *)&from, &flen);
		if (got < 0)
			usleep(1000);
	}
	is_int(dp_dpdk_loop_counter(&loop, DP_DPDK_CNT_EXCEPTION), 2, "both frames to the kernel path");
	is_int(dp_dpdk_loop_reason(&loop, DP_PKT_R_PROTO), 1, "  the SYN as another protocol");
	is_int(dp_dpdk_loop_reason(&loop, DP_PKT_R_OPCODE), 1, "  the NOTIFY by its opcode");
	ok(got == (ssize_t)sizeof(notify) && memcmp(buf, notify, sizeof(notify)) == 0,
	   "the NOTIFY reached the UDP socket intact (%zd octets)", got);
	ok(got > 0 && memcmp(&from.sin_addr, t_cli4, 4) == 0 && ntohs(from.sin_port) == UDP_PORT,
	   "  from the client's address and port");

	/* Out: the socket's reply and the kernel's SYN-ACK through the port. */
	ok(got > 0 && sendto(us, answer, sizeof(answer), 0, (struct sockaddr *)&from, flen) ==
			      (ssize_t)sizeof(answer), "reply sent on the socket");
	/* The kernel may send more (IPv6 router solicitations, ...): poll a while, then until all are out. */
	struct dp_kernpath_stats ks;
	for (int i = 0; i < 3000; i++) {
		dp_dpdk_loop_poll(&loop);
		dp_kernpath_stats(k, &ks);
		if (i >= 200 && ks.from_kernel >= 2 &&
		    ks.from_kernel == dp_dpdk_loop_counter(&loop, DP_DPDK_CNT_FROM_KERNEL))
			break;
		usleep(1000);
	}
	is_int(ks.to_kernel, 2, "kernel path: 2 frames written to the TAP interface");
	ok(ks.from_kernel >= 2, "kernel path: %llu frames from it (SYN-ACK, reply, maybe more)",
	   (unsigned long long)ks.from_kernel);
	is_int(ks.dropped, 0, "kernel path: nothing dropped");

	close(us);
	close(ts);
	dp_kernpath_stop(k);
	ok(if_nametoindex(TAP) == 0, "TAP interface removed on stop");
	dp_worker_fini(&w);
	dp_dpdk_stop(d);
	dp_runtime_fini(&rt);
	dns_zoneset_free(zones);

	struct out o = {0};
	is_int(support_pcap_load(outp, o.data[0], sizeof(o.data[0]), o.len, MAX_OUT, &o.n), 0,
	       "output read: %u frames", o.n);
	size_t l4len = 0;
	const uint8_t *f = find(&o, 6, SYN_PORT, &l4len);
	ok(f != NULL, "a TCP segment from port 53 to the client");
	if (f) {
		const uint8_t *tcp = f + 18 + 20;
		uint32_t ack = (uint32_t)tcp[8] << 24 | (uint32_t)tcp[9] << 16 | tcp[10] << 8 | tcp[11];
		is_int(tcp[13] & 0x12, 0x12, "  SYN-ACK");
		is_int(ack, SYN_SEQ + 1, "  acknowledges the SYN");
		check_frame(f, l4len, 6, "SYN-ACK");
	}
	f = find(&o, 17, UDP_PORT, &l4len);
	ok(f != NULL, "a UDP datagram from port 53 to the client");
	if (f) {
		ok(l4len == 8 + sizeof(answer) && memcmp(f + 18 + 28, answer, sizeof(answer)) == 0,
		   "  the socket's reply");
		check_frame(f, l4len, 17, "reply");
	}
	unlink(in);
	unlink(outp);
	rmdir(dir);
	return tap_done();
}
