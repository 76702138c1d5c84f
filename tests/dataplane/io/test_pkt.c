/* SPDX-License-Identifier: BSD-3-Clause */
/* Unit tests of the L2-L4 packet codec (dataplane/io/pkt.h). */
#include <errno.h>
#include <stdlib.h>

#include "tests/tap.h"
#include "tests/dataplane/io/test_pkt_frames.h"

static struct dp_pkt_config cfg, cfg_vlan;

/* Classify and compare class and reason. */
static void
expect(const struct dp_pkt_config *c, const uint8_t *f, size_t len, unsigned flags,
       enum dp_pkt_class cls, enum dp_pkt_reason reason, const char *name)
{
	struct dp_pkt_info info;
	enum dp_pkt_class got = dp_pkt_classify(c, f, len, flags, &info);
	if (!ok(got == cls && info.cls == cls && info.reason == reason, "%s: %s/%s", name,
		dp_pkt_class_str(cls), dp_pkt_reason_str(reason)))
		diag("got %s/%s", dp_pkt_class_str(got), dp_pkt_reason_str(info.reason));
}

static size_t
l2_of(const uint8_t *f)
{
	return t_get16(f + 12) == 0x8100 ? 18 : 14;
}

/* Recompute the IPv4 header checksum after a test changed the header. */
static void
fix_ip4(uint8_t *f)
{
	uint8_t *ip = f + l2_of(f);
	t_put16(ip + 10, 0);
	t_put16(ip + 10, t_naive_cksum(-1, NULL, NULL, 0, ip, (size_t)(ip[0] & 15) * 4));
}

static void
test_checksum(void)
{
	/* RFC 1071 section 3 example: the sum is ddf2. */
	static const uint8_t rfc[] = {0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7};
	is_int(dp_pkt_csum_add(0, rfc, sizeof rfc), 0xddf2, "RFC 1071 example sum");
	/* An IPv4 header whose checksum is b861. */
	static const uint8_t hdr[] = {0x45, 0x00, 0x00, 0x73, 0x00, 0x00, 0x40, 0x00, 0x40, 0x11,
				      0x00, 0x00, 0xc0, 0xa8, 0x00, 0x01, 0xc0, 0xa8, 0x00, 0xc7};
	is_int((uint16_t)~dp_pkt_csum_add(0, hdr, sizeof hdr), 0xb861, "IPv4 header checksum");

	uint8_t buf[3000];
	srand(7);
	for (size_t i = 0; i < sizeof buf; i++)
		buf[i] = (uint8_t)rand();
	int bad = 0;
	for (size_t off = 0; off < 9; off++)
		for (size_t n = 0; n < 300; n++)
			bad += dp_pkt_csum_add(0, buf + off, n) != (uint16_t)t_naive_sum(0, buf + off, n);
	bad += dp_pkt_csum_add(0, buf, sizeof buf) != (uint16_t)t_naive_sum(0, buf, sizeof buf);
	memset(buf, 0xff, sizeof buf);
	bad += dp_pkt_csum_add(0xffff, buf, sizeof buf) != 0xffff;
	is_int(bad, 0, "sums equal a naive implementation (lengths 0-299, all alignments)");
	is_int(dp_pkt_csum_add(0x1234, rfc, 4), t_naive_sum(0x1234, rfc, 4),
	       "sum continues from a previous piece");
}

static void
test_dns_classify(void)
{
	uint8_t f[T_FRAME_MAX];
	struct dp_pkt_info info;
	size_t n;

	n = t_dns_frame(f, 0, -1, 0, 40000, 33);
	is_int(dp_pkt_classify(&cfg, f, n, 0, &info), DP_PKT_DNS, "IPv4 query");
	ok(info.ip_version == 4 && info.l2_len == 14 && info.l4_off == 34 &&
	   info.payload_off == 42 && info.payload_len == 33, "IPv4 query offsets");

	n = t_dns_frame(f, 0, -1, 12, 40000, 29);
	is_int(dp_pkt_classify(&cfg, f, n, 0, &info), DP_PKT_DNS, "IPv4 query with options");
	ok(info.l4_off == 46 && info.payload_off == 54 && info.payload_len == 29,
	   "options skipped");

	n = t_dns_frame(f, 0, 100, 0, 40000, 20);
	is_int(dp_pkt_classify(&cfg_vlan, f, n, 0, &info), DP_PKT_DNS, "tagged IPv4 query");
	ok(info.l2_len == 18 && info.payload_off == 46, "tagged offsets");

	n = t_dns_frame(f, 1, -1, 0, 1, 40);
	is_int(dp_pkt_classify(&cfg, f, n, 0, &info), DP_PKT_DNS, "IPv6 query");
	ok(info.ip_version == 6 && info.l4_off == 54 && info.payload_off == 62 &&
	   info.payload_len == 40, "IPv6 offsets");

	n = t_dns_frame(f, 1, 100, 0, 5353, 41);
	is_int(dp_pkt_classify(&cfg_vlan, f, n, 0, &info), DP_PKT_DNS, "tagged IPv6 query");

	n = t_dns_frame(f, 0, 0, 0, 40000, 12);
	expect(&cfg, f, n, 0, DP_PKT_DNS, DP_PKT_R_NONE, "priority tag (VID 0) on untagged port");

	/* 14 + 20 + 8 + 12 = 54: padded to 60, and longer padding too. */
	n = t_dns_frame(f, 0, -1, 0, 40000, 12);
	memset(f + n, 0xee, 100);
	is_int(dp_pkt_classify(&cfg, f, 60, 0, &info), DP_PKT_DNS, "padded to 60");
	is_int(info.payload_len, 12, "padding excluded");
	expect(&cfg, f, n + 100, 0, DP_PKT_DNS, DP_PKT_R_NONE, "long padding");
	n = t_dns_frame(f, 1, -1, 0, 40000, 12);
	memset(f + n, 0xee, 8);
	expect(&cfg, f, n + 8, 0, DP_PKT_DNS, DP_PKT_R_NONE, "IPv6 with padding");

	/* The second served IPv4 address. */
	uint8_t l4[64];
	size_t l2 = t_eth(f, t_our_mac, t_cli_mac, -1, 0x0800);
	n = t_ip4(f, l2, t_cli4, t_our4b, 17, 0, 0, l4, t_udp(l4, 0, t_cli4, t_our4b, 9, 53, 20));
	expect(&cfg, f, n, 0, DP_PKT_DNS, DP_PKT_R_NONE, "second served address");

	/* UDP checksum 0 over IPv4 means none. */
	n = t_dns_frame(f, 0, -1, 0, 40000, 20);
	t_put16(f + 40, 0);
	expect(&cfg, f, n, 0, DP_PKT_DNS, DP_PKT_R_NONE, "IPv4 UDP without checksum");
}

static void
test_inline_classify(void)
{
	uint8_t f[T_FRAME_MAX], other6[16];
	struct dp_pkt_info info;
	size_t n;

	n = t_arp_frame(f, -1, 1, t_our4);
	is_int(dp_pkt_classify(&cfg, f, n, 0, &info), DP_PKT_ARP, "ARP request");
	expect(&cfg, f, 60, 0, DP_PKT_ARP, DP_PKT_R_NONE, "ARP request padded to 60");
	n = t_arp_frame(f, 100, 1, t_our4b);
	expect(&cfg_vlan, f, n, 0, DP_PKT_ARP, DP_PKT_R_NONE, "tagged ARP for 2nd address");
	n = t_arp_frame(f, -1, 1, t_our4);
	memcpy(f, t_our_mac, 6);
	expect(&cfg, f, n, 0, DP_PKT_ARP, DP_PKT_R_NONE, "unicast ARP request");

	n = t_echo_frame(f, 0, -1, 0, 56);
	is_int(dp_pkt_classify(&cfg, f, n, 0, &info), DP_PKT_ICMP4_ECHO, "ICMP echo");
	ok(info.payload_off == 34 && info.payload_len == 64, "ICMP offsets");
	n = t_echo_frame(f, 0, -1, 8, 3);
	expect(&cfg, f, n, 0, DP_PKT_ICMP4_ECHO, DP_PKT_R_NONE, "ICMP echo with options, odd");
	n = t_echo_frame(f, 1, -1, 0, 56);
	expect(&cfg, f, n, 0, DP_PKT_ICMP6_ECHO, DP_PKT_R_NONE, "ICMPv6 echo");
	n = t_echo_frame(f, 1, 100, 0, 7);
	expect(&cfg_vlan, f, n, 0, DP_PKT_ICMP6_ECHO, DP_PKT_R_NONE, "tagged ICMPv6 echo, odd");

	n = t_ns_frame(f, -1, t_cli6, t_our6, 1, 255);
	expect(&cfg, f, n, 0, DP_PKT_ICMP6_NS, DP_PKT_R_NONE, "NS to solicited-node");
	n = t_ns_frame(f, -1, t_cli6, t_our6, 0, 255);
	expect(&cfg, f, n, 0, DP_PKT_ICMP6_NS, DP_PKT_R_NONE, "unicast NS");
	n = t_ns_frame(f, -1, NULL, t_our6, 1, 255);
	expect(&cfg, f, n, 0, DP_PKT_ICMP6_NS, DP_PKT_R_NONE, "DAD NS");
	n = t_ns_frame(f, 100, t_cli6, t_our6, 1, 255);
	expect(&cfg_vlan, f, n, 0, DP_PKT_ICMP6_NS, DP_PKT_R_NONE, "tagged NS");

	memcpy(other6, t_our6, 16);
	other6[15] = 0x99;
	n = t_ns_frame(f, -1, t_cli6, other6, 1, 255);
	expect(&cfg, f, n, 0, DP_PKT_EXCEPTION, DP_PKT_R_NOT_SERVED,
	       "NS for another address's solicited-node group");
	n = t_ns_frame(f, -1, t_cli6, other6, 0, 255);
	memcpy(f + 14 + 24, t_our6, 16); /* to us, about someone else */
	uint8_t *l4 = f + 54;
	t_put16(l4 + 2, 0);
	t_put16(l4 + 2, t_naive_cksum(1, t_cli6, t_our6, 58, l4, n - 54));
	expect(&cfg, f, n, 0, DP_PKT_EXCEPTION, DP_PKT_R_NOT_SERVED, "NS for another target");
}

/* Every drop reason, each from a valid frame with one thing broken. */
static void
test_drops(void)
{
	uint8_t f[T_FRAME_MAX];
	size_t n;

	/* truncated */
	n = t_dns_frame(f, 0, -1, 0, 40000, 20);
	expect(&cfg, f, 13, 0, DP_PKT_DROP, DP_PKT_R_TRUNCATED, "13 octets");
	expect(&cfg, f, 33, 0, DP_PKT_DROP, DP_PKT_R_TRUNCATED, "IPv4 header cut");
	expect(&cfg, f, n - 1, 0, DP_PKT_DROP, DP_PKT_R_IP_LEN, "IPv4 payload cut");
	n = t_dns_frame(f, 0, 100, 0, 40000, 20);
	expect(&cfg_vlan, f, 17, 0, DP_PKT_DROP, DP_PKT_R_TRUNCATED, "VLAN tag cut");
	n = t_dns_frame(f, 0, -1, 40, 40000, 20);
	expect(&cfg, f, 14 + 50, 0, DP_PKT_DROP, DP_PKT_R_TRUNCATED, "IPv4 options cut");
	n = t_dns_frame(f, 1, -1, 0, 40000, 20);
	expect(&cfg, f, 53, 0, DP_PKT_DROP, DP_PKT_R_TRUNCATED, "IPv6 header cut");
	expect(&cfg, f, n - 1, 0, DP_PKT_DROP, DP_PKT_R_IP_LEN, "IPv6 payload cut");
	n = t_arp_frame(f, -1, 1, t_our4);
	expect(&cfg, f, n - 1, 0, DP_PKT_DROP, DP_PKT_R_TRUNCATED, "ARP cut");

	/* MACs and sources */
	n = t_dns_frame(f, 0, -1, 0, 40000, 20);
	f[5] ^= 1;
	expect(&cfg, f, n, 0, DP_PKT_DROP, DP_PKT_R_OTHER_MAC, "unicast to another MAC");
	f[5] ^= 1;
	f[6] |= 1;
	expect(&cfg, f, n, 0, DP_PKT_DROP, DP_PKT_R_BAD_SRC, "multicast source MAC");
	n = t_dns_frame(f, 0, -1, 0, 0, 20);
	expect(&cfg, f, n, 0, DP_PKT_DROP, DP_PKT_R_BAD_SRC, "UDP source port 0");
	n = t_dns_frame(f, 1, -1, 0, 0, 20);
	expect(&cfg, f, n, 0, DP_PKT_DROP, DP_PKT_R_BAD_SRC, "UDP source port 0 (IPv6)");
	static const uint8_t srcs[][4] = {{0, 0, 0, 0}, {224, 0, 0, 251}, {255, 255, 255, 255}};
	for (size_t i = 0; i < 3; i++) {
		uint8_t l4[64];
		size_t l2 = t_eth(f, t_our_mac, t_cli_mac, -1, 0x0800);
		n = t_ip4(f, l2, srcs[i], t_our4, 17, 0, 0, l4,
			  t_udp(l4, 0, srcs[i], t_our4, 9, 53, 20));
		expect(&cfg, f, n, 0, DP_PKT_DROP, DP_PKT_R_BAD_SRC,
		       i == 0 ? "IPv4 source 0.0.0.0" : i == 1 ? "IPv4 multicast source" :
		       "IPv4 source 255.255.255.255");
	}
	{
		uint8_t l4[64], zero[16] = {0}, mc[16] = {0xff, 0x02, [15] = 1};
		size_t l2 = t_eth(f, t_our_mac, t_cli_mac, -1, 0x86dd);
		n = t_ip6(f, l2, zero, t_our6, 17, 64, l4, t_udp(l4, 1, zero, t_our6, 9, 53, 20));
		expect(&cfg, f, n, 0, DP_PKT_DROP, DP_PKT_R_BAD_SRC, "IPv6 unspecified source");
		n = t_ip6(f, l2, mc, t_our6, 17, 64, l4, t_udp(l4, 1, mc, t_our6, 9, 53, 20));
		expect(&cfg, f, n, 0, DP_PKT_DROP, DP_PKT_R_BAD_SRC, "IPv6 multicast source");
	}
	n = t_arp_frame(f, -1, 1, t_our4);
	f[14 + 8] |= 1;
	expect(&cfg, f, n, 0, DP_PKT_DROP, DP_PKT_R_BAD_SRC, "ARP multicast sender");

	/* IP headers */
	n = t_dns_frame(f, 0, -1, 0, 40000, 20);
	f[14] = 0x55;
	fix_ip4(f);
	expect(&cfg, f, n, 0, DP_PKT_DROP, DP_PKT_R_IP_HDR, "IPv4 ethertype, version 5");
	f[14] = 0x44;
	expect(&cfg, f, n, 0, DP_PKT_DROP, DP_PKT_R_IP_HDR, "IHL 4");
	n = t_dns_frame(f, 1, -1, 0, 40000, 20);
	f[14] = 0x40;
	expect(&cfg, f, n, 0, DP_PKT_DROP, DP_PKT_R_IP_HDR, "IPv6 ethertype, version 4");

	n = t_dns_frame(f, 0, -1, 0, 40000, 20);
	t_put16(f + 16, 19);
	fix_ip4(f);
	expect(&cfg, f, n, 0, DP_PKT_DROP, DP_PKT_R_IP_LEN, "total length < IHL");
	t_put16(f + 16, (unsigned)(n - 14 + 1));
	fix_ip4(f);
	expect(&cfg, f, n, 0, DP_PKT_DROP, DP_PKT_R_IP_LEN, "total length > frame");
	n = t_dns_frame(f, 1, -1, 0, 40000, 20);
	t_put16(f + 18, t_get16(f + 18) + 1);
	expect(&cfg, f, n, 0, DP_PKT_DROP, DP_PKT_R_IP_LEN, "payload length > frame");

	n = t_dns_frame(f, 0, -1, 4, 40000, 20);
	f[14 + 20] = 0x07; /* an option byte: covered by the header checksum */
	expect(&cfg, f, n, 0, DP_PKT_DROP, DP_PKT_R_IP_CKSUM, "IPv4 header checksum (options)");
	expect(&cfg, f, n, DP_PKT_RX_IP_CKSUM_GOOD, DP_PKT_DNS, DP_PKT_R_NONE,
	       "NIC verified the header: not checked again");
	expect(&cfg, f, n, DP_PKT_RX_L4_CKSUM_GOOD, DP_PKT_DROP, DP_PKT_R_IP_CKSUM,
	       "L4 flag alone does not skip the header");

	/* UDP */
	n = t_dns_frame(f, 0, -1, 0, 40000, 20);
	t_put16(f + 38, 27);
	expect(&cfg, f, n, DP_PKT_RX_L4_CKSUM_GOOD, DP_PKT_DROP, DP_PKT_R_UDP_LEN,
	       "UDP length < IP payload");
	t_put16(f + 38, 29);
	expect(&cfg, f, n, DP_PKT_RX_L4_CKSUM_GOOD, DP_PKT_DROP, DP_PKT_R_UDP_LEN,
	       "UDP length > IP payload");
	n = t_dns_frame(f, 0, -1, 0, 40000, 20);
	t_put16(f + 16, 20 + 7);
	fix_ip4(f);
	expect(&cfg, f, n, 0, DP_PKT_DROP, DP_PKT_R_UDP_LEN, "IP payload shorter than UDP header");
	n = t_dns_frame(f, 1, -1, 0, 40000, 20);
	t_put16(f + 58, 27);
	expect(&cfg, f, n, DP_PKT_RX_L4_CKSUM_GOOD, DP_PKT_DROP, DP_PKT_R_UDP_LEN,
	       "IPv6 UDP length mismatch");

	n = t_dns_frame(f, 0, -1, 0, 40000, 21);
	f[n - 1] ^= 0x10;
	expect(&cfg, f, n, 0, DP_PKT_DROP, DP_PKT_R_UDP_CKSUM, "IPv4 UDP checksum (odd length)");
	expect(&cfg, f, n, DP_PKT_RX_L4_CKSUM_GOOD, DP_PKT_DNS, DP_PKT_R_NONE,
	       "NIC verified UDP: not checked again");
	n = t_dns_frame(f, 0, -1, 0, 40000, 20);
	f[14 + 12] ^= 1; /* source address: in the pseudo-header only */
	fix_ip4(f);
	expect(&cfg, f, n, 0, DP_PKT_DROP, DP_PKT_R_UDP_CKSUM, "pseudo-header covered");
	n = t_dns_frame(f, 1, -1, 0, 40000, 20);
	f[n - 3] ^= 0x10;
	expect(&cfg, f, n, 0, DP_PKT_DROP, DP_PKT_R_UDP_CKSUM, "IPv6 UDP checksum");
	n = t_dns_frame(f, 1, -1, 0, 40000, 20);
	t_put16(f + 60, 0);
	expect(&cfg, f, n, 0, DP_PKT_DROP, DP_PKT_R_UDP_CKSUM, "IPv6 UDP checksum 0");
	expect(&cfg, f, n, DP_PKT_RX_L4_CKSUM_GOOD, DP_PKT_DROP, DP_PKT_R_UDP_CKSUM,
	       "IPv6 UDP checksum 0 even when the NIC says good");

	/* ICMP */
	n = t_echo_frame(f, 0, -1, 0, 9);
	f[n - 1] ^= 1;
	expect(&cfg, f, n, 0, DP_PKT_DROP, DP_PKT_R_ICMP, "ICMP checksum");
	expect(&cfg, f, n, DP_PKT_RX_L4_CKSUM_GOOD, DP_PKT_DROP, DP_PKT_R_ICMP,
	       "ICMP always verified");
	n = t_echo_frame(f, 0, -1, 0, 0);
	f[35] = 1;
	t_put16(f + 36, t_get16(f + 36) - 0x100);
	expect(&cfg, f, n, 0, DP_PKT_DROP, DP_PKT_R_ICMP, "ICMP echo code 1");
	n = t_echo_frame(f, 0, -1, 0, 0);
	t_put16(f + 16, 20 + 7);
	fix_ip4(f);
	expect(&cfg, f, n, 0, DP_PKT_DROP, DP_PKT_R_ICMP, "ICMP shorter than 8");
	n = t_echo_frame(f, 1, -1, 0, 10);
	f[n - 1] ^= 1;
	expect(&cfg, f, n, 0, DP_PKT_DROP, DP_PKT_R_ICMP, "ICMPv6 checksum");
	n = t_echo_frame(f, 1, -1, 0, 0);
	t_put16(f + 18, 3);
	expect(&cfg, f, 57, 0, DP_PKT_DROP, DP_PKT_R_ICMP, "ICMPv6 shorter than 4");
	{
		uint8_t zero[16] = {0}, l4[8] = {128, 0, 0, 0, 0, 1, 0, 1};
		t_put16(l4 + 2, t_naive_cksum(1, zero, t_our6, 58, l4, 8));
		size_t l2 = t_eth(f, t_our_mac, t_cli_mac, -1, 0x86dd);
		n = t_ip6(f, l2, zero, t_our6, 58, 64, l4, 8);
		expect(&cfg, f, n, 0, DP_PKT_DROP, DP_PKT_R_BAD_SRC, "echo from ::");
	}

	/* ARP */
	n = t_arp_frame(f, -1, 1, t_our4);
	t_put16(f + 14, 6);
	expect(&cfg, f, n, 0, DP_PKT_DROP, DP_PKT_R_ARP, "ARP hardware type 6");
	n = t_arp_frame(f, -1, 1, t_our4);
	f[14 + 5] = 16;
	expect(&cfg, f, n, 0, DP_PKT_DROP, DP_PKT_R_ARP, "ARP protocol length 16");

	/* neighbour discovery (RFC 4861 7.1.1) */
	n = t_ns_frame(f, -1, t_cli6, t_our6, 1, 254);
	expect(&cfg, f, n, 0, DP_PKT_DROP, DP_PKT_R_ND, "NS hop limit 254");
	n = t_ns_frame(f, -1, t_cli6, t_our6, 1, 255);
	f[55] = 1;
	t_put16(f + 56, t_get16(f + 56) - 1);
	expect(&cfg, f, n, 0, DP_PKT_DROP, DP_PKT_R_ND, "NS code 1");
	n = t_ns_frame(f, -1, t_cli6, t_our6, 1, 255);
	f[n - 1] ^= 1;
	expect(&cfg, f, n, 0, DP_PKT_DROP, DP_PKT_R_ICMP, "NS checksum");
	{
		uint8_t l4[32] = {135}, dst[16], mt[16] = {0xff, 0x02, [15] = 1};
		size_t l2;
		/* 20 octets: shorter than an NS */
		t_solnode(dst, t_our6);
		t_put16(l4 + 2, t_naive_cksum(1, t_cli6, dst, 58, l4, 20));
		l2 = t_eth(f, t_bcast_mac, t_cli_mac, -1, 0x86dd);
		n = t_ip6(f, l2, t_cli6, dst, 58, 255, l4, 20);
		expect(&cfg, f, n, 0, DP_PKT_DROP, DP_PKT_R_ND, "NS of 20 octets");
		/* multicast target */
		memcpy(l4 + 8, mt, 16);
		t_put16(l4 + 2, 0);
		t_put16(l4 + 2, t_naive_cksum(1, t_cli6, t_our6, 58, l4, 24));
		n = t_ip6(f, l2, t_cli6, t_our6, 58, 255, l4, 24);
		expect(&cfg, f, n, 0, DP_PKT_DROP, DP_PKT_R_ND, "NS multicast target");
		/* an option of length 0 */
		memcpy(l4 + 8, t_our6, 16);
		l4[24] = 1;
		l4[25] = 0;
		t_put16(l4 + 2, 0);
		t_put16(l4 + 2, t_naive_cksum(1, t_cli6, t_our6, 58, l4, 32));
		n = t_ip6(f, l2, t_cli6, t_our6, 58, 255, l4, 32);
		expect(&cfg, f, n, 0, DP_PKT_DROP, DP_PKT_R_ND, "NS option of length 0");
		/* an option running past the end */
		l4[25] = 2;
		t_put16(l4 + 2, 0);
		t_put16(l4 + 2, t_naive_cksum(1, t_cli6, t_our6, 58, l4, 32));
		n = t_ip6(f, l2, t_cli6, t_our6, 58, 255, l4, 32);
		expect(&cfg, f, n, 0, DP_PKT_DROP, DP_PKT_R_ND, "NS option past the end");
		/* unspecified source with a source link-layer option */
		uint8_t zero[16] = {0};
		l4[25] = 1;
		t_put16(l4 + 2, 0);
		t_put16(l4 + 2, t_naive_cksum(1, zero, dst, 58, l4, 32));
		n = t_ip6(f, l2, zero, dst, 58, 255, l4, 32);
		expect(&cfg, f, n, 0, DP_PKT_DROP, DP_PKT_R_ND, "DAD NS with source link-layer");
	}
	n = t_ns_frame(f, -1, NULL, t_our6, 0, 255);
	expect(&cfg, f, n, 0, DP_PKT_DROP, DP_PKT_R_ND, "DAD NS to a unicast address");
}

static void
test_exceptions(void)
{
	uint8_t f[T_FRAME_MAX], l4[256];
	size_t n, l2;

	n = t_dns_frame(f, 0, -1, 0, 40000, 20);
	t_put16(f + 12, 0x88cc);
	expect(&cfg, f, n, 0, DP_PKT_EXCEPTION, DP_PKT_R_ETHERTYPE, "LLDP");
	t_put16(f + 12, 0x05dc);
	expect(&cfg, f, n, 0, DP_PKT_EXCEPTION, DP_PKT_R_ETHERTYPE, "802.3 length field");
	t_put16(f + 12, 0x88a8);
	expect(&cfg, f, n, 0, DP_PKT_EXCEPTION, DP_PKT_R_ETHERTYPE, "802.1ad");
	n = t_dns_frame(f, 0, 100, 0, 40000, 20);
	t_put16(f + 16, 0x8100);
	expect(&cfg_vlan, f, n, 0, DP_PKT_EXCEPTION, DP_PKT_R_ETHERTYPE, "QinQ (two 802.1Q tags)");
	t_put16(f + 16, 0x88a8);
	expect(&cfg_vlan, f, n, 0, DP_PKT_EXCEPTION, DP_PKT_R_ETHERTYPE, "802.1Q then 802.1ad");

	n = t_dns_frame(f, 0, 200, 0, 40000, 20);
	expect(&cfg_vlan, f, n, 0, DP_PKT_EXCEPTION, DP_PKT_R_VLAN, "another VLAN");
	expect(&cfg, f, n, 0, DP_PKT_EXCEPTION, DP_PKT_R_VLAN, "tagged on an untagged port");
	n = t_dns_frame(f, 0, -1, 0, 40000, 20);
	expect(&cfg_vlan, f, n, 0, DP_PKT_EXCEPTION, DP_PKT_R_VLAN, "untagged on a VLAN port");
	n = t_arp_frame(f, 200, 1, t_our4);
	expect(&cfg_vlan, f, n, 0, DP_PKT_EXCEPTION, DP_PKT_R_VLAN, "ARP on another VLAN");

	n = t_dns_frame(f, 0, -1, 0, 40000, 20);
	t_put16(f + 20, 0x2000);
	fix_ip4(f);
	expect(&cfg, f, n, 0, DP_PKT_EXCEPTION, DP_PKT_R_FRAGMENT, "IPv4 MF");
	t_put16(f + 20, 0x0010);
	fix_ip4(f);
	expect(&cfg, f, n, 0, DP_PKT_EXCEPTION, DP_PKT_R_FRAGMENT, "IPv4 offset 16");

	l2 = t_eth(f, t_our_mac, t_cli_mac, -1, 0x0800);
	memset(l4, 0, 20);
	t_put16(l4 + 2, 53);
	n = t_ip4(f, l2, t_cli4, t_our4, 6, 0, 0x4000, l4, 20);
	expect(&cfg, f, n, 0, DP_PKT_EXCEPTION, DP_PKT_R_PROTO, "TCP/53");
	n = t_ip4(f, l2, t_cli4, t_our4, 47, 0, 0, l4, 20);
	expect(&cfg, f, n, 0, DP_PKT_EXCEPTION, DP_PKT_R_PROTO, "GRE");
	n = t_ip4(f, l2, t_cli4, t_our4, 17, 0, 0, l4, t_udp(l4, 0, t_cli4, t_our4, 9, 54, 20));
	expect(&cfg, f, n, 0, DP_PKT_EXCEPTION, DP_PKT_R_PORT, "UDP to port 54");
	/* NOTIFY (opcode 4) and UPDATE (5) to port 53 are the kernel path's. */
	for (int v6 = 0; v6 <= 1; v6++)
		for (unsigned op = 4; op <= 5; op++) {
			n = t_dns_frame(f, v6, -1, 0, 33333, 20);
			uint8_t *u = f + 14 + (v6 ? 40 : 20);
			u[8 + 2] = (uint8_t)(op << 3);
			t_put16(u + 6, 0);
			uint16_t c = t_naive_cksum(v6, v6 ? t_cli6 : t_cli4, v6 ? t_our6 : t_our4, 17,
						   u, 28);
			t_put16(u + 6, c ? c : 0xffff);
			expect(&cfg, f, n, 0, DP_PKT_EXCEPTION, DP_PKT_R_OPCODE,
			       op == 4 ? "NOTIFY to port 53" : "UPDATE to port 53");
		}
	l2 = t_eth(f, t_our_mac, t_cli_mac, -1, 0x0800);
	uint8_t other4[4] = {192, 0, 2, 54}, bcast4[4] = {255, 255, 255, 255};
	n = t_ip4(f, l2, t_cli4, other4, 17, 0, 0, l4, t_udp(l4, 0, t_cli4, other4, 9, 53, 20));
	expect(&cfg, f, n, 0, DP_PKT_EXCEPTION, DP_PKT_R_NOT_SERVED, "IPv4 not served");
	l2 = t_eth(f, t_bcast_mac, t_cli_mac, -1, 0x0800);
	n = t_ip4(f, l2, t_cli4, bcast4, 17, 0, 0, l4, t_udp(l4, 0, t_cli4, bcast4, 68, 67, 20));
	expect(&cfg, f, n, 0, DP_PKT_EXCEPTION, DP_PKT_R_NOT_SERVED, "broadcast (DHCP)");
	n = t_ip4(f, l2, t_cli4, t_our4, 17, 0, 0, l4, t_udp(l4, 0, t_cli4, t_our4, 9, 53, 20));
	expect(&cfg, f, n, 0, DP_PKT_EXCEPTION, DP_PKT_R_MULTICAST, "L2 broadcast to our IPv4");

	n = t_echo_frame(f, 0, -1, 0, 8);
	f[34] = 13;
	expect(&cfg, f, n, 0, DP_PKT_EXCEPTION, DP_PKT_R_TYPE, "ICMP timestamp");
	f[34] = 3;
	expect(&cfg, f, n, 0, DP_PKT_EXCEPTION, DP_PKT_R_TYPE, "ICMP unreachable");
	n = t_echo_frame(f, 1, -1, 0, 8);
	f[54] = 134;
	expect(&cfg, f, n, 0, DP_PKT_EXCEPTION, DP_PKT_R_TYPE, "ICMPv6 RA");
	f[54] = 136;
	expect(&cfg, f, n, 0, DP_PKT_EXCEPTION, DP_PKT_R_TYPE, "ICMPv6 NA");
	n = t_arp_frame(f, -1, 2, t_our4);
	expect(&cfg, f, n, 0, DP_PKT_EXCEPTION, DP_PKT_R_TYPE, "ARP reply");
	n = t_arp_frame(f, -1, 1, other4);
	expect(&cfg, f, n, 0, DP_PKT_EXCEPTION, DP_PKT_R_NOT_SERVED, "ARP for another address");

	n = t_dns_frame(f, 1, -1, 0, 40000, 20);
	f[20] = 0; /* hop-by-hop options */
	expect(&cfg, f, n, 0, DP_PKT_EXCEPTION, DP_PKT_R_PROTO, "IPv6 hop-by-hop header");
	f[20] = 44;
	expect(&cfg, f, n, 0, DP_PKT_EXCEPTION, DP_PKT_R_PROTO, "IPv6 fragment header");
	f[20] = 6;
	expect(&cfg, f, n, 0, DP_PKT_EXCEPTION, DP_PKT_R_PROTO, "IPv6 TCP");
	n = t_dns_frame(f, 1, -1, 0, 40000, 20);
	t_put16(f + 56, 853);
	expect(&cfg, f, n, 0, DP_PKT_EXCEPTION, DP_PKT_R_PORT, "IPv6 UDP to 853");
	uint8_t ll[16] = {0xfe, 0x80, [15] = 0x53};
	l2 = t_eth(f, t_our_mac, t_cli_mac, -1, 0x86dd);
	n = t_ip6(f, l2, t_cli6, ll, 17, 64, l4, t_udp(l4, 1, t_cli6, ll, 9, 53, 20));
	expect(&cfg, f, n, 0, DP_PKT_EXCEPTION, DP_PKT_R_NOT_SERVED, "IPv6 link-local");
	uint8_t sn[16];
	t_solnode(sn, t_our6);
	l2 = t_eth(f, t_bcast_mac, t_cli_mac, -1, 0x86dd);
	n = t_ip6(f, l2, t_cli6, sn, 17, 64, l4, t_udp(l4, 1, t_cli6, sn, 9, 53, 20));
	expect(&cfg, f, n, 0, DP_PKT_EXCEPTION, DP_PKT_R_MULTICAST, "UDP to solicited-node");
	n = t_dns_frame(f, 1, -1, 0, 40000, 20);
	memcpy(f, t_bcast_mac, 6);
	expect(&cfg, f, n, 0, DP_PKT_EXCEPTION, DP_PKT_R_MULTICAST, "L2 broadcast to our IPv6");
	n = t_echo_frame(f, 1, -1, 0, 8);
	memcpy(f + 14 + 24, sn, 16);
	memcpy(f, t_bcast_mac, 6);
	expect(&cfg, f, n, 0, DP_PKT_EXCEPTION, DP_PKT_R_MULTICAST, "echo to solicited-node");
}

/* The receiver's view of a reply: the port config of the client. */
static void
client_config(struct dp_pkt_config *c, uint16_t vlan, unsigned port)
{
	memset(c, 0, sizeof *c);
	memcpy(c->mac, t_cli_mac, 6);
	c->vlan = vlan;
	c->dns_port = (uint16_t)port;
	c->n_ip4 = 1;
	memcpy(c->ip4[0], t_cli4, 4);
	c->n_ip6 = 1;
	memcpy(c->ip6[0], t_cli6, 16);
}

/* Checks on a reply frame every kind shares: L2 and IP headers. */
static int
check_l2_l3(const uint8_t *q, const uint8_t *r, size_t rlen, int v6, size_t l4len,
	    uint8_t proto, unsigned hop)
{
	size_t l2 = l2_of(q);
	int good = memcmp(r, t_cli_mac, 6) == 0 && memcmp(r + 6, t_our_mac, 6) == 0 &&
		   memcmp(r + 12, q + 12, l2 - 12) == 0;
	const uint8_t *ip = r + l2;
	if (v6) {
		good = good && ip[0] == 0x60 && t_get16(ip + 4) == l4len && ip[6] == proto &&
		       ip[7] == hop && memcmp(ip + 24, t_cli6, 16) == 0 &&
		       rlen == l2 + 40 + l4len;
	} else {
		good = good && ip[0] == 0x45 && t_get16(ip + 2) == 20 + l4len &&
		       t_get16(ip + 4) == 0 && t_get16(ip + 6) == 0x4000 && ip[8] == hop &&
		       ip[9] == proto && memcmp(ip + 16, t_cli4, 4) == 0 &&
		       t_naive_cksum(-1, NULL, NULL, 0, ip, 20) == 0 && rlen == l2 + 20 + l4len;
	}
	return good;
}

static void
test_dns_reply(void)
{
	static const unsigned flag_sets[] = {0, DP_PKT_TX_IP_CKSUM, DP_PKT_TX_UDP_CKSUM,
					     DP_PKT_TX_IP_CKSUM | DP_PKT_TX_UDP_CKSUM};
	int bad = 0, cases = 0;
	for (int v6 = 0; v6 <= 1; v6++)
		for (int vid = -1; vid <= 100; vid += 101)
			for (size_t opt = 0; opt <= (v6 ? 0u : 40u); opt += 20)
				for (size_t dlen = 12; dlen < 1500; dlen = dlen * 3 + 1)
					for (size_t fi = 0; fi < 4; fi++) {
		const struct dp_pkt_config *c = vid < 0 ? &cfg : &cfg_vlan;
		uint8_t q[T_FRAME_MAX], r[T_FRAME_MAX], ip_r[T_FRAME_MAX];
		struct dp_pkt_info qi, ri;
		unsigned fl = flag_sets[fi];
		size_t qn = t_dns_frame(q, v6, vid, opt, 33333, 17), rn = 0, off;
		cases++;
		if (dp_pkt_classify(c, q, qn, 0, &qi) != DP_PKT_DNS) {
			bad++;
			continue;
		}
		off = dp_pkt_dns_offset(&qi);
		size_t want_off = (size_t)qi.l2_len + (v6 ? 48 : 28);
		memset(r, 0xcc, sizeof r);
		for (size_t i = 0; i < dlen; i++)
			r[off + i] = (uint8_t)(i ^ 0x5a);
		r[off + 2] &= 0x87; /* opcode QUERY, which the client's classifier passes as DNS */
		int rc = dp_pkt_dns_finish(c, q, &qi, r, sizeof r, dlen, fl, &rn);
		int good = rc == 0 && off == want_off && rn == off + dlen &&
			   t_get16(r + off - 8) == 53 && t_get16(r + off - 6) == 33333 &&
			   t_get16(r + off - 4) == 8 + dlen;
		const uint8_t *ip = r + qi.l2_len;
		if (!v6)
			good = good && memcmp(ip + 12, t_our4, 4) == 0;
		else
			good = good && memcmp(ip + 8, t_our6, 16) == 0;
		/* Offloaded fields before the NIC fills them. */
		if (!v6 && (fl & DP_PKT_TX_IP_CKSUM))
			good = good && t_get16(ip + 10) == 0;
		if (fl & DP_PKT_TX_UDP_CKSUM) {
			uint32_t s = t_naive_sum(0, v6 ? t_our6 : t_our4, v6 ? 16 : 4);
			s = t_naive_sum(s, v6 ? t_cli6 : t_cli4, v6 ? 16 : 4);
			s = t_naive_sum(s + 17 + (uint32_t)(8 + dlen), NULL, 0);
			good = good && t_get16(r + off - 2) == s;
		}
		/* In place (no IPv4 options): the query buffer becomes the reply. */
		if (opt == 0) {
			size_t ipn = 0;
			memcpy(ip_r, q, qn);
			memcpy(ip_r + off, r + off, dlen);
			good = good && qi.payload_off == off &&
			       dp_pkt_dns_finish(c, ip_r, &qi, ip_r, sizeof ip_r, dlen, fl, &ipn) == 0 &&
			       ipn == rn && memcmp(ip_r, r, rn) == 0;
		}

		t_nic_offload(r, rn, fl);
		const uint8_t *our = v6 ? t_our6 : t_our4, *cli = v6 ? t_cli6 : t_cli4;
		good = good && check_l2_l3(q, r, rn, v6, 8 + dlen, 17, 64) &&
		       t_naive_cksum(v6, our, cli, 17, r + off - 8, 8 + dlen) == 0;
		/* The client's classifier accepts it with every check on. */
		struct dp_pkt_config cc;
		client_config(&cc, vid < 0 ? 0 : (uint16_t)vid, 33333);
		good = good && dp_pkt_classify(&cc, r, rn, 0, &ri) == DP_PKT_DNS &&
		       ri.payload_off == off && ri.payload_len == dlen;
		if (!good) {
			bad++;
			diag("failed: v6 %d vid %d opt %zu dlen %zu flags %u rc %d", v6, vid, opt,
			     dlen, fl, rc);
		}
	}
	ok(bad == 0, "DNS replies round trip (%d cases: v4/v6, VLAN, options, sizes, offloads)",
	   cases);
}

static void
test_dns_reply_edges(void)
{
	uint8_t q[T_FRAME_MAX], r[T_FRAME_MAX], keep[T_FRAME_MAX];
	struct dp_pkt_info qi;
	size_t qn, rn;

	/* A UDP checksum that computes to 0 goes out as 0xffff. */
	for (int v6 = 0; v6 <= 1; v6++) {
		qn = t_dns_frame(q, v6, -1, 0, 4000, 20);
		dp_pkt_classify(&cfg, q, qn, 0, &qi);
		size_t off = dp_pkt_dns_offset(&qi), dlen = 30;
		const uint8_t *our = v6 ? t_our6 : t_our4, *cli = v6 ? t_cli6 : t_cli4;
		size_t alen = v6 ? 16 : 4;
		memset(r + off, 0x11, dlen);
		r[off + 2] = 0x81; /* a reply, opcode QUERY */
		r[off + dlen - 2] = r[off + dlen - 1] = 0;
		/* Sum of everything with the checksum field 0 and last word 0. */
		uint8_t udp[8];
		t_put16(udp, 53);
		t_put16(udp + 2, 4000);
		t_put16(udp + 4, (unsigned)(8 + dlen));
		t_put16(udp + 6, 0);
		uint32_t s = t_naive_sum(0, our, alen);
		s = t_naive_sum(s, cli, alen);
		s = t_naive_sum(s + 17 + (uint32_t)(8 + dlen), udp, 8);
		s = t_naive_sum(s, r + off, dlen);
		t_put16(r + off + dlen - 2, 0xffff - s);
		is_int(dp_pkt_dns_finish(&cfg, q, &qi, r, sizeof r, dlen, 0, &rn), 0,
		       "finish (checksum 0 case, %s)", v6 ? "IPv6" : "IPv4");
		is_int(t_get16(r + off - 2), 0xffff, "computed 0 sent as 0xffff (%s)",
		       v6 ? "IPv6" : "IPv4");
		struct dp_pkt_config cc;
		client_config(&cc, 0, 4000);
		expect(&cc, r, rn, 0, DP_PKT_DNS, DP_PKT_R_NONE, "0xffff accepted by a receiver");
	}

	/* Room and limits. */
	qn = t_dns_frame(q, 0, 100, 20, 4000, 20);
	dp_pkt_classify(&cfg_vlan, q, qn, 0, &qi);
	size_t off = dp_pkt_dns_offset(&qi);
	is_int(off, 18 + 20 + 8, "reply offset: no options out");
	is_int(dp_pkt_dns_room(&qi, off), 0, "no room at the offset");
	is_int(dp_pkt_dns_room(&qi, 10), 0, "no room below the offset");
	is_int(dp_pkt_dns_room(&qi, off + 512), 512, "room = cap - offset");
	is_int(dp_pkt_dns_room(&qi, 1 << 20), 65535 - 28, "IPv4 total length bounds the room");
	memset(r, 0xab, sizeof r);
	memcpy(keep, r, sizeof r);
	rn = 7;
	is_int(dp_pkt_dns_finish(&cfg_vlan, q, &qi, r, off + 100, 101, 0, &rn), -ENOSPC,
	       "one octet over cap: -ENOSPC");
	ok(memcmp(r, keep, sizeof r) == 0 && rn == 7, "out and frame_len unchanged");
	is_int(dp_pkt_dns_finish(&cfg_vlan, q, &qi, r, off + 100, 100, 0, &rn), 0,
	       "exactly cap: ok");
	is_int(rn, off + 100, "frame length = cap");
	is_int(dp_pkt_dns_finish(&cfg_vlan, q, &qi, r, 1 << 20, 65535 - 27, 0, &rn), -EMSGSIZE,
	       "over the IPv4 length field: -EMSGSIZE");
	qn = t_dns_frame(q, 1, -1, 0, 4000, 20);
	dp_pkt_classify(&cfg, q, qn, 0, &qi);
	is_int(dp_pkt_dns_room(&qi, 1 << 20), 65535 - 8, "IPv6 payload length bounds the room");
	is_int(dp_pkt_dns_finish(&cfg, q, &qi, r, 1 << 20, 65535 - 7, 0, &rn), -EMSGSIZE,
	       "over the IPv6 length field: -EMSGSIZE");
	qn = t_arp_frame(q, -1, 1, t_our4);
	dp_pkt_classify(&cfg, q, qn, 0, &qi);
	is_int(dp_pkt_dns_finish(&cfg, q, &qi, r, sizeof r, 12, 0, &rn), -EINVAL,
	       "finish on an ARP frame: -EINVAL");
	is_int(dp_pkt_reply(&cfg, q, &(struct dp_pkt_info){.cls = DP_PKT_DNS}, r, sizeof r, &rn),
	       -EINVAL, "reply on a DNS frame: -EINVAL");
}

/* Build a reply, also in place, and check both are equal. */
static int
reply_both(const struct dp_pkt_config *c, const uint8_t *q, size_t qn, uint8_t *r,
	   size_t *rn, struct dp_pkt_info *qi)
{
	uint8_t ip_r[T_FRAME_MAX];
	size_t ipn = 0;
	if (dp_pkt_classify(c, q, qn, 0, qi) <= DP_PKT_DNS)
		return 0;
	if (dp_pkt_reply(c, q, qi, r, T_FRAME_MAX, rn) != 0)
		return 0;
	memcpy(ip_r, q, qn);
	return dp_pkt_reply(c, ip_r, qi, ip_r, sizeof ip_r, &ipn) == 0 && ipn == *rn &&
	       memcmp(ip_r, r, ipn) == 0;
}

static void
test_arp_reply(void)
{
	uint8_t q[T_FRAME_MAX], r[T_FRAME_MAX];
	struct dp_pkt_info qi;
	size_t rn;
	for (int vid = -1; vid <= 100; vid += 101) {
		const struct dp_pkt_config *c = vid < 0 ? &cfg : &cfg_vlan;
		size_t qn = t_arp_frame(q, vid, 1, t_our4b);
		size_t l2 = l2_of(q);
		ok(reply_both(c, q, qn, r, &rn, &qi), "ARP reply built (vid %d), also in place", vid);
		const uint8_t *a = r + l2;
		ok(rn == l2 + 28 && memcmp(r, t_cli_mac, 6) == 0 && memcmp(r + 6, t_our_mac, 6) == 0 &&
		   memcmp(r + 12, q + 12, l2 - 12) == 0 && t_get16(r + l2 - 2) == 0x0806,
		   "ARP reply L2 (vid %d)", vid);
		ok(t_get16(a) == 1 && t_get16(a + 2) == 0x0800 && a[4] == 6 && a[5] == 4 &&
		   t_get16(a + 6) == 2 && memcmp(a + 8, t_our_mac, 6) == 0 &&
		   memcmp(a + 14, t_our4b, 4) == 0 && memcmp(a + 18, t_cli_mac, 6) == 0 &&
		   memcmp(a + 24, t_cli4, 4) == 0, "ARP reply fields (vid %d)", vid);
		struct dp_pkt_config cc;
		client_config(&cc, vid < 0 ? 0 : (uint16_t)vid, 53);
		expect(&cc, r, rn, 0, DP_PKT_EXCEPTION, DP_PKT_R_TYPE, "client sees an ARP reply");
		is_int(dp_pkt_reply(c, q, &qi, r, l2 + 27, &rn), -ENOSPC, "ARP reply over cap");
	}
}

static void
test_echo_reply(void)
{
	uint8_t q[T_FRAME_MAX], r[T_FRAME_MAX];
	struct dp_pkt_info qi;
	size_t rn;
	static const size_t sizes[] = {0, 1, 56, 57, 1472, 3000};
	int bad = 0, cases = 0;
	for (int v6 = 0; v6 <= 1; v6++)
		for (int vid = -1; vid <= 100; vid += 101)
			for (size_t opt = 0; opt <= (v6 ? 0u : 40u); opt += 8)
				for (size_t si = 0; si < sizeof sizes / sizeof sizes[0]; si++) {
		const struct dp_pkt_config *c = vid < 0 ? &cfg : &cfg_vlan;
		size_t qn = t_echo_frame(q, v6, vid, opt, sizes[si]), l2 = l2_of(q);
		size_t ilen = 8 + sizes[si], qoff = l2 + (v6 ? 40 : 20 + opt);
		size_t roff = l2 + (v6 ? 40 : 20);
		cases++;
		memset(r, 0xcc, sizeof r);
		int good = reply_both(c, q, qn, r, &rn, &qi) &&
			   check_l2_l3(q, r, rn, v6, ilen, v6 ? 58 : 1, 64) &&
			   r[roff] == (v6 ? 129 : 0) && r[roff + 1] == 0 &&
			   memcmp(r + roff + 4, q + qoff + 4, ilen - 4) == 0;
		if (v6)
			good = good && memcmp(r + l2 + 8, t_our6, 16) == 0 &&
			       t_naive_cksum(1, t_our6, t_cli6, 58, r + roff, ilen) == 0;
		else
			good = good && memcmp(r + l2 + 12, t_our4, 4) == 0 &&
			       t_naive_cksum(-1, NULL, NULL, 0, r + roff, ilen) == 0;
		good = good && dp_pkt_reply(c, q, &qi, r, roff + ilen - 1, &rn) == -ENOSPC;
		if (!good) {
			bad++;
			diag("failed: v6 %d vid %d opt %zu size %zu", v6, vid, opt, sizes[si]);
		}
	}
	ok(bad == 0, "echo replies (%d cases: v4/v6, VLAN, options in/none out, sizes, in place)",
	   cases);
}

static void
test_na_reply(void)
{
	uint8_t q[T_FRAME_MAX], r[T_FRAME_MAX];
	struct dp_pkt_info qi;
	size_t rn;
	static const uint8_t all_nodes[16] = {0xff, 0x02, [15] = 1};
	static const uint8_t all_nodes_mac[6] = {0x33, 0x33, 0, 0, 0, 1};
	for (int vid = -1; vid <= 100; vid += 101)
		for (int kind = 0; kind < 3; kind++) {
		const struct dp_pkt_config *c = vid < 0 ? &cfg : &cfg_vlan;
		int dad = kind == 2;
		size_t qn = t_ns_frame(q, vid, dad ? NULL : t_cli6, t_our6, kind != 1, 255);
		size_t l2 = l2_of(q);
		const char *what = kind == 0 ? "multicast NS" : kind == 1 ? "unicast NS" : "DAD NS";
		ok(reply_both(c, q, qn, r, &rn, &qi), "NA built for %s (vid %d), also in place",
		   what, vid);
		const uint8_t *ip = r + l2, *na = ip + 40;
		const uint8_t *dst = dad ? all_nodes : t_cli6;
		ok(rn == l2 + 40 + 32 && memcmp(r, dad ? all_nodes_mac : t_cli_mac, 6) == 0 &&
		   memcmp(r + 6, t_our_mac, 6) == 0 && memcmp(r + 12, q + 12, l2 - 12) == 0,
		   "NA L2 (%s, vid %d)", what, vid);
		ok(ip[0] == 0x60 && t_get16(ip + 4) == 32 && ip[6] == 58 && ip[7] == 255 &&
		   memcmp(ip + 8, t_our6, 16) == 0 && memcmp(ip + 24, dst, 16) == 0,
		   "NA IPv6 header: from the target, hop limit 255 (%s, vid %d)", what, vid);
		ok(na[0] == 136 && na[1] == 0 && na[4] == (dad ? 0x20 : 0x60) && na[5] == 0 &&
		   na[6] == 0 && na[7] == 0 && memcmp(na + 8, t_our6, 16) == 0 && na[24] == 2 &&
		   na[25] == 1 && memcmp(na + 26, t_our_mac, 6) == 0,
		   "NA flags %s, target, target link-layer option (%s, vid %d)",
		   dad ? "O" : "S+O", what, vid);
		is_int(t_naive_cksum(1, t_our6, dst, 58, na, 32), 0, "NA checksum (%s, vid %d)", what,
		       vid);
		is_int(dp_pkt_reply(c, q, &qi, r, rn - 1, &rn), -ENOSPC, "NA over cap");
	}
}

int
main(void)
{
	t_config(&cfg, 0);
	t_config(&cfg_vlan, 100);
	test_checksum();
	test_dns_classify();
	test_inline_classify();
	test_drops();
	test_exceptions();
	test_dns_reply();
	test_dns_reply_edges();
	test_arp_reply();
	test_echo_reply();
	test_na_reply();
	int named = 1;
	for (unsigned i = 0; i < DP_PKT_R_COUNT; i++)
		named = named && dp_pkt_reason_str(i) && strcmp(dp_pkt_reason_str(i), "?") != 0;
	ok(named, "every reason has a name");
	return tap_done();
}
