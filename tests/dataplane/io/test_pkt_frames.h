/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Frame builders for the packet codec tests, with their own naive RFC 1071
 * checksum (16-bit words, one at a time) so that the codec's checksums are
 * judged by code that shares nothing with it.
 */
#ifndef SIGEDGE_TEST_PKT_FRAMES_H
#define SIGEDGE_TEST_PKT_FRAMES_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "dataplane/io/pkt.h"
#include "dns/name.h"

#define T_FRAME_MAX 4096

static const uint8_t t_our_mac[6] = {0x02, 0x00, 0x5e, 0x10, 0x00, 0x01};
static const uint8_t t_cli_mac[6] = {0x02, 0x42, 0xac, 0x11, 0x00, 0x02};
static const uint8_t t_bcast_mac[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
static const uint8_t t_our4[4] = {192, 0, 2, 53};
static const uint8_t t_our4b[4] = {198, 51, 100, 53};
static const uint8_t t_cli4[4] = {203, 0, 113, 7};
static const uint8_t t_our6[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x53};
static const uint8_t t_cli6[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0x12, 0x34};

static inline void
t_config(struct dp_pkt_config *cfg, uint16_t vlan)
{
	memset(cfg, 0, sizeof *cfg);
	memcpy(cfg->mac, t_our_mac, 6);
	cfg->vlan = vlan;
	cfg->dns_port = 53;
	cfg->n_ip4 = 2;
	memcpy(cfg->ip4[0], t_our4, 4);
	memcpy(cfg->ip4[1], t_our4b, 4);
	cfg->n_ip6 = 1;
	memcpy(cfg->ip6[0], t_our6, 16);
}

static inline uint32_t
t_naive_sum(uint32_t s, const uint8_t *p, size_t n)
{
	for (size_t i = 0; i + 1 < n; i += 2)
		s += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (n & 1)
		s += (uint32_t)p[n - 1] << 8;
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return s;
}

/* The checksum to store: complement of the sum (pseudo-header + data). */
static inline uint16_t
t_naive_cksum(int v6, const uint8_t *src, const uint8_t *dst, uint8_t proto, const uint8_t *l4,
	      size_t len)
{
	uint32_t s = 0;
	if (v6 >= 0) {
		size_t alen = v6 ? 16 : 4;
		s = t_naive_sum(s, src, alen);
		s = t_naive_sum(s, dst, alen);
		s += proto;
		s += (uint32_t)len;
	}
	s = t_naive_sum(s, l4, len);
	return (uint16_t)~s;
}

static inline void
t_put16(uint8_t *p, unsigned v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static inline unsigned
t_get16(const uint8_t *p)
{
	return (unsigned)(p[0] << 8 | p[1]);
}

/* Ethernet header (vid < 0: untagged); returns its length. */
static inline size_t
t_eth(uint8_t *f, const uint8_t *dst, const uint8_t *src, int vid, unsigned et)
{
	memcpy(f, dst, 6);
	memcpy(f + 6, src, 6);
	if (vid < 0) {
		t_put16(f + 12, et);
		return 14;
	}
	t_put16(f + 12, 0x8100);
	t_put16(f + 14, (5u << 13) | (unsigned)vid); /* PCP 5, kept in replies */
	t_put16(f + 16, et);
	return 18;
}

/*
 * IPv4 header with optlen octets of options (NOPs then EOL) and the l4
 * bytes after it; returns the frame length.
 */
static inline size_t
t_ip4(uint8_t *f, size_t l2, const uint8_t *src, const uint8_t *dst, uint8_t proto,
      size_t optlen, unsigned frag, const uint8_t *l4, size_t l4len)
{
	uint8_t *ip = f + l2;
	size_t ihl = 20 + optlen;
	ip[0] = (uint8_t)(0x40 | ihl / 4);
	ip[1] = 0;
	t_put16(ip + 2, (unsigned)(ihl + l4len));
	t_put16(ip + 4, 0x1234);
	t_put16(ip + 6, frag);
	ip[8] = 57;
	ip[9] = proto;
	t_put16(ip + 10, 0);
	memcpy(ip + 12, src, 4);
	memcpy(ip + 16, dst, 4);
	memset(ip + 20, 1, optlen);
	if (optlen)
		ip[ihl - 1] = 0;
	t_put16(ip + 10, t_naive_cksum(-1, NULL, NULL, 0, ip, ihl));
	memcpy(ip + ihl, l4, l4len);
	return l2 + ihl + l4len;
}

static inline size_t
t_ip6(uint8_t *f, size_t l2, const uint8_t *src, const uint8_t *dst, uint8_t nh, uint8_t hl,
      const uint8_t *l4, size_t l4len)
{
	uint8_t *ip = f + l2;
	ip[0] = 0x60;
	ip[1] = 0x0a;
	ip[2] = 0xbc;
	ip[3] = 0xde;
	t_put16(ip + 4, (unsigned)l4len);
	ip[6] = nh;
	ip[7] = hl;
	memcpy(ip + 8, src, 16);
	memcpy(ip + 24, dst, 16);
	memcpy(ip + 40, l4, l4len);
	return l2 + 40 + l4len;
}

/* A DNS-looking query payload of n octets (n >= 12). */
static inline void
t_dns_payload(uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (uint8_t)(i * 7 + 3);
	t_put16(p, 0xbeef);
	t_put16(p + 2, 0x0100);
}

/* UDP segment with a correct checksum (v6: 0 or 1). */
static inline size_t
t_udp(uint8_t *u, int v6, const uint8_t *src, const uint8_t *dst, unsigned sport,
      unsigned dport, size_t plen)
{
	t_put16(u, sport);
	t_put16(u + 2, dport);
	t_put16(u + 4, (unsigned)(8 + plen));
	t_put16(u + 6, 0);
	t_dns_payload(u + 8, plen);
	uint16_t c = t_naive_cksum(v6, src, dst, 17, u, 8 + plen);
	t_put16(u + 6, c ? c : 0xffff);
	return 8 + plen;
}

/* A DNS query frame: IPv4 (v6 = 0) or IPv6, tagged when vid >= 0. */
static inline size_t
t_dns_frame(uint8_t *f, int v6, int vid, size_t optlen, unsigned sport, size_t plen)
{
	uint8_t l4[T_FRAME_MAX];
	size_t l2 = t_eth(f, t_our_mac, t_cli_mac, vid, v6 ? 0x86dd : 0x0800);
	if (v6) {
		size_t n = t_udp(l4, 1, t_cli6, t_our6, sport, 53, plen);
		return t_ip6(f, l2, t_cli6, t_our6, 17, 64, l4, n);
	}
	size_t n = t_udp(l4, 0, t_cli4, t_our4, sport, 53, plen);
	return t_ip4(f, l2, t_cli4, t_our4, 17, optlen, 0x4000, l4, n);
}

/*
 * A UDP frame from the client's port sport to dport carrying payload p:
 * IPv4 (v6 = 0, optlen octets of options) or IPv6, tagged when vid >= 0.
 */
static inline size_t
t_udp_frame(uint8_t *f, int v6, int vid, size_t optlen, unsigned sport, unsigned dport,
	    const uint8_t *p, size_t plen)
{
	uint8_t l4[T_FRAME_MAX];
	const uint8_t *src = v6 ? t_cli6 : t_cli4, *dst = v6 ? t_our6 : t_our4;
	size_t l2 = t_eth(f, t_our_mac, t_cli_mac, vid, v6 ? 0x86dd : 0x0800);

	t_put16(l4, sport);
	t_put16(l4 + 2, dport);
	t_put16(l4 + 4, (unsigned)(8 + plen));
	t_put16(l4 + 6, 0);
	memcpy(l4 + 8, p, plen);
	uint16_t c = t_naive_cksum(v6, src, dst, 17, l4, 8 + plen);
	t_put16(l4 + 6, c ? c : 0xffff);
	if (v6)
		return t_ip6(f, l2, src, dst, 17, 64, l4, 8 + plen);
	return t_ip4(f, l2, src, dst, 17, optlen, 0x4000, l4, 8 + plen);
}

/* A DNS query for name (text) and type: EDNS size edns (0: no OPT), DO when dnssec_ok. */
static inline size_t
t_query(uint8_t *q, uint16_t id, const char *name, uint16_t type, uint16_t edns, int dnssec_ok)
{
	size_t n = 12;

	memset(q, 0, 12);
	t_put16(q, id);
	t_put16(q + 4, 1);
	t_put16(q + 10, edns ? 1 : 0);
	n += (size_t)dns_name_from_str(name, q + n, DNS_NAME_MAXLEN);
	t_put16(q + n, type);
	t_put16(q + n + 2, 1);
	n += 4;
	if (edns) {
		memset(q + n, 0, 11);
		t_put16(q + n + 1, 41);
		t_put16(q + n + 3, edns);
		t_put16(q + n + 7, dnssec_ok ? 0x8000 : 0);
		n += 11;
	}
	return n;
}

/* ICMP (v6 = 0) or ICMPv6 echo request with n octets of data. */
static inline size_t
t_echo_frame(uint8_t *f, int v6, int vid, size_t optlen, size_t n)
{
	uint8_t l4[T_FRAME_MAX];
	l4[0] = v6 ? 128 : 8;
	l4[1] = 0;
	t_put16(l4 + 2, 0);
	t_put16(l4 + 4, 0x4242);
	t_put16(l4 + 6, 7);
	for (size_t i = 0; i < n; i++)
		l4[8 + i] = (uint8_t)(0xa0 + i);
	size_t l2 = t_eth(f, t_our_mac, t_cli_mac, vid, v6 ? 0x86dd : 0x0800);
	if (v6) {
		t_put16(l4 + 2, t_naive_cksum(1, t_cli6, t_our6, 58, l4, 8 + n));
		return t_ip6(f, l2, t_cli6, t_our6, 58, 64, l4, 8 + n);
	}
	t_put16(l4 + 2, t_naive_cksum(-1, NULL, NULL, 0, l4, 8 + n));
	return t_ip4(f, l2, t_cli4, t_our4, 1, optlen, 0, l4, 8 + n);
}

static inline void
t_solnode(uint8_t *a, const uint8_t *target)
{
	static const uint8_t pfx[13] = {0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01, 0xff};
	memcpy(a, pfx, 13);
	memcpy(a + 13, target + 13, 3);
}

/*
 * Neighbour solicitation for target from src (NULL: the unspecified
 * address, no source link-layer option), to the solicited-node address
 * (multicast) or to the target itself.
 */
static inline size_t
t_ns_frame(uint8_t *f, int vid, const uint8_t *src, const uint8_t *target, int multicast,
	   uint8_t hop_limit)
{
	static const uint8_t unspec[16];
	uint8_t l4[32], dst[16], dmac[6] = {0x33, 0x33, 0xff, 0, 0, 0};
	const uint8_t *s = src ? src : unspec;
	memset(l4, 0, sizeof l4);
	l4[0] = 135;
	memcpy(l4 + 8, target, 16);
	size_t n = 24;
	if (src) {
		l4[24] = 1;
		l4[25] = 1;
		memcpy(l4 + 26, t_cli_mac, 6);
		n = 32;
	}
	if (multicast) {
		t_solnode(dst, target);
		memcpy(dmac + 3, target + 13, 3);
	} else {
		memcpy(dst, target, 16);
		memcpy(dmac, t_our_mac, 6);
	}
	t_put16(l4 + 2, t_naive_cksum(1, s, dst, 58, l4, n));
	size_t l2 = t_eth(f, dmac, t_cli_mac, vid, 0x86dd);
	return t_ip6(f, l2, s, dst, 58, hop_limit, l4, n);
}

static inline size_t
t_arp_frame(uint8_t *f, int vid, unsigned op, const uint8_t *tpa)
{
	size_t l2 = t_eth(f, t_bcast_mac, t_cli_mac, vid, 0x0806);
	uint8_t *a = f + l2;
	t_put16(a, 1);
	t_put16(a + 2, 0x0800);
	a[4] = 6;
	a[5] = 4;
	t_put16(a + 6, op);
	memcpy(a + 8, t_cli_mac, 6);
	memcpy(a + 14, t_cli4, 4);
	memset(a + 18, 0, 6);
	memcpy(a + 24, tpa, 4);
	return l2 + 28;
}

/* What a NIC does with DP_PKT_TX_*: complete the offloaded checksums. */
static inline void
t_nic_offload(uint8_t *f, size_t len, unsigned flags)
{
	size_t l2 = t_get16(f + 12) == 0x8100 ? 18 : 14;
	uint8_t *ip = f + l2;
	int v6 = ip[0] >> 4 == 6;
	size_t ihl = v6 ? 40 : 20;
	if (!v6 && (flags & DP_PKT_TX_IP_CKSUM))
		t_put16(ip + 10, t_naive_cksum(-1, NULL, NULL, 0, ip, 20));
	if (flags & DP_PKT_TX_UDP_CKSUM) {
		/* The field holds the pseudo-header sum: sum the segment, complement. */
		uint16_t c = t_naive_cksum(-1, NULL, NULL, 0, ip + ihl, len - l2 - ihl);
		t_put16(ip + ihl + 6, c ? c : 0xffff);
	}
}

#endif
