/* SPDX-License-Identifier: BSD-3-Clause */
#include "dataplane/io/pkt.h"

#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include "dns/wire.h"

#define ETH_HLEN 14
#define VLAN_HLEN 4
#define ET_IP4 0x0800
#define ET_ARP 0x0806
#define ET_VLAN 0x8100
#define ET_QINQ 0x88a8
#define ET_QINQ_OLD 0x9100
#define ET_IP6 0x86dd
#define IP4_HLEN 20
#define IP6_HLEN 40
#define UDP_HLEN 8
#define ARP_LEN 28
#define PROTO_ICMP 1
#define PROTO_UDP 17
#define PROTO_ICMP6 58
#define ICMP4_ECHO_REPLY 0
#define ICMP4_ECHO_REQUEST 8
#define ICMP6_ECHO_REQUEST 128
#define ICMP6_ECHO_REPLY 129
#define ICMP6_NS 135
#define ICMP6_NA 136
#define NS_LEN 24                /* type, code, cksum, reserved, target */
#define NA_LEN 32                /* the same plus a target link-layer address option */
#define ND_OPT_SLLA 1
#define ND_OPT_TLLA 2
#define TTL_OUT 64
#define IP4_DF 0x4000

static inline uint16_t
rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static inline void
wr16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/*
 * Checksums are summed in native byte order (RFC 1071 1.2(B): the
 * one's-complement sum does not depend on byte order) in a 64-bit
 * accumulator, 32 bits per step, and converted to a big-endian value once.
 */
static inline uint16_t
to_native16(uint16_t host_be_value)
{
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	return __builtin_bswap16(host_be_value);
#else
	return host_be_value;
#endif
}

static uint64_t
sum_raw(uint64_t acc, const uint8_t *p, size_t n)
{
	uint64_t x;

	while (n >= 8) {
		memcpy(&x, p, 8);
		acc += (x & 0xffffffffu) + (x >> 32);
		p += 8;
		n -= 8;
	}
	if (n) {
		x = 0;
		memcpy(&x, p, n);
		acc += (x & 0xffffffffu) + (x >> 32);
	}
	return acc;
}

static uint16_t
fold(uint64_t acc)
{
	acc = (acc & 0xffffffffu) + (acc >> 32);
	acc = (acc & 0xffffffffu) + (acc >> 32);
	acc = (acc & 0xffff) + (acc >> 16);
	acc = (acc & 0xffff) + (acc >> 16);
	return to_native16((uint16_t)acc);
}

uint16_t
dp_pkt_csum_add(uint16_t sum, const void *buf, size_t len)
{
	return fold(sum_raw(to_native16(sum), buf, len));
}

/* Pseudo-header sums (RFC 768, RFC 8200 8.1), not folded. */
static uint64_t
phdr4(const uint8_t *src, const uint8_t *dst, uint8_t proto, uint16_t l4len)
{
	uint64_t acc = sum_raw(0, src, 4);
	acc = sum_raw(acc, dst, 4);
	return acc + to_native16(proto) + to_native16(l4len);
}

static uint64_t
phdr6(const uint8_t *src, const uint8_t *dst, uint8_t proto, uint16_t l4len)
{
	uint64_t acc = sum_raw(0, src, 16);
	acc = sum_raw(acc, dst, 16);
	return acc + to_native16(proto) + to_native16(l4len);
}

static bool
served4(const struct dp_pkt_config *cfg, const uint8_t *a)
{
	for (unsigned i = 0; i < cfg->n_ip4; i++)
		if (memcmp(cfg->ip4[i], a, 4) == 0)
			return true;
	return false;
}

static bool
served6(const struct dp_pkt_config *cfg, const uint8_t *a)
{
	for (unsigned i = 0; i < cfg->n_ip6; i++)
		if (memcmp(cfg->ip6[i], a, 16) == 0)
			return true;
	return false;
}

static const uint8_t solnode_prefix[13] = {0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01, 0xff};

static bool
is_solnode(const uint8_t *a)
{
	return memcmp(a, solnode_prefix, sizeof solnode_prefix) == 0;
}

/* a is the solicited-node multicast address of a served address. */
static bool
solnode_served(const struct dp_pkt_config *cfg, const uint8_t *a)
{
	if (!is_solnode(a))
		return false;
	for (unsigned i = 0; i < cfg->n_ip6; i++)
		if (memcmp(cfg->ip6[i] + 13, a + 13, 3) == 0)
			return true;
	return false;
}

static bool
ip4_unanswerable(const uint8_t *a)
{
	return a[0] >= 224 || (a[0] | a[1] | a[2] | a[3]) == 0;
}

static bool
ip6_unspecified(const uint8_t *a)
{
	static const uint8_t zero[16];
	return memcmp(a, zero, 16) == 0;
}

static enum dp_pkt_class
verdict(struct dp_pkt_info *info, enum dp_pkt_class cls, enum dp_pkt_reason reason)
{
	info->cls = (uint8_t)cls;
	info->reason = (uint8_t)reason;
	return cls;
}

#define DROP(r) verdict(info, DP_PKT_DROP, DP_PKT_R_##r)
#define EXCEPT(r) verdict(info, DP_PKT_EXCEPTION, DP_PKT_R_##r)

static enum dp_pkt_class
classify_arp(const struct dp_pkt_config *cfg, const uint8_t *f, size_t len,
	     struct dp_pkt_info *info)
{
	const uint8_t *a = f + info->l2_len;

	info->l4_off = info->l2_len;
	if (len - info->l2_len < ARP_LEN)
		return DROP(TRUNCATED);
	if (rd16(a) != 1 || rd16(a + 2) != ET_IP4 || a[4] != 6 || a[5] != 4)
		return DROP(ARP);
	if (rd16(a + 6) != 1)
		return EXCEPT(TYPE);
	if (a[8] & 1)
		return DROP(BAD_SRC);
	if (!served4(cfg, a + 24))
		return EXCEPT(NOT_SERVED);
	info->payload_off = info->l4_off;
	info->payload_len = ARP_LEN;
	return verdict(info, DP_PKT_ARP, DP_PKT_R_NONE);
}

/*
 * A UDP message to the DNS port: standard queries are the engine's; other
 * opcodes (NOTIFY, UPDATE, ...) belong to the kernel path's sockets. A
 * payload too short for the opcode goes to the engine, which drops it.
 */
static enum dp_pkt_class
dns_verdict(const uint8_t *dns, struct dp_pkt_info *info)
{
	if (info->payload_len >= 4 && DNS_OPCODE(rd16(dns + 2)) != DNS_OP_QUERY)
		return EXCEPT(OPCODE);
	return verdict(info, DP_PKT_DNS, DP_PKT_R_NONE);
}

/*
 * A UDP datagram to a served address (l4len octets at l4; src and dst its
 * IP addresses): the checks IPv4 and IPv6 share, then the DNS verdict.
 * bad_src: the source address cannot be answered. v6: the pseudo-header is
 * IPv6's and a zero checksum is invalid (RFC 8200 8.1); over IPv4 it means
 * none.
 */
static enum dp_pkt_class
classify_udp(const struct dp_pkt_config *cfg, const uint8_t *src, const uint8_t *dst, bool v6,
	     bool bad_src, const uint8_t *l4, size_t l4len, unsigned flags, struct dp_pkt_info *info)
{
	if (l4len < UDP_HLEN)
		return DROP(UDP_LEN);
	if (rd16(l4 + 2) != cfg->dns_port)
		return EXCEPT(PORT);
	if (rd16(l4 + 4) != l4len)
		return DROP(UDP_LEN);
	if (rd16(l4) == 0 || bad_src)
		return DROP(BAD_SRC);
	if (rd16(l4 + 6) == 0) {
		if (v6)
			return DROP(UDP_CKSUM);
	} else if (!(flags & DP_PKT_RX_L4_CKSUM_GOOD)) {
		uint64_t ph = v6 ? phdr6(src, dst, PROTO_UDP, (uint16_t)l4len)
				 : phdr4(src, dst, PROTO_UDP, (uint16_t)l4len);
		if (fold(sum_raw(ph, l4, l4len)) != 0xffff)
			return DROP(UDP_CKSUM);
	}
	info->payload_off = (uint16_t)(info->l4_off + UDP_HLEN);
	info->payload_len = (uint16_t)(l4len - UDP_HLEN);
	return dns_verdict(l4 + UDP_HLEN, info);
}

static enum dp_pkt_class
classify_ip4(const struct dp_pkt_config *cfg, const uint8_t *f, size_t len, unsigned flags,
	     bool to_us, struct dp_pkt_info *info)
{
	const uint8_t *ip = f + info->l2_len;
	size_t avail = len - info->l2_len;

	if (avail < IP4_HLEN)
		return DROP(TRUNCATED);
	if (ip[0] >> 4 != 4)
		return DROP(IP_HDR);
	size_t ihl = (size_t)(ip[0] & 0xf) * 4;
	if (ihl < IP4_HLEN)
		return DROP(IP_HDR);
	if (ihl > avail)
		return DROP(TRUNCATED);
	size_t tot = rd16(ip + 2);
	if (tot < ihl || tot > avail)
		return DROP(IP_LEN);
	if (!(flags & DP_PKT_RX_IP_CKSUM_GOOD) && dp_pkt_csum_add(0, ip, ihl) != 0xffff)
		return DROP(IP_CKSUM);
	info->ip_version = 4;
	info->l4_off = (uint16_t)(info->l2_len + ihl);

	const uint8_t *src = ip + 12, *dst = ip + 16;
	if (!served4(cfg, dst))
		return EXCEPT(NOT_SERVED);
	if (rd16(ip + 6) & 0x3fff)
		return EXCEPT(FRAGMENT);
	if (!to_us)
		return EXCEPT(MULTICAST);

	const uint8_t *l4 = ip + ihl;
	size_t l4len = tot - ihl;
	if (ip[9] == PROTO_UDP)
		return classify_udp(cfg, src, dst, false, ip4_unanswerable(src), l4, l4len, flags,
				    info);
	if (ip[9] == PROTO_ICMP) {
		if (l4len < 8)
			return DROP(ICMP);
		if (l4[0] != ICMP4_ECHO_REQUEST)
			return EXCEPT(TYPE);
		if (l4[1] != 0 || dp_pkt_csum_add(0, l4, l4len) != 0xffff)
			return DROP(ICMP);
		if (ip4_unanswerable(src))
			return DROP(BAD_SRC);
		info->payload_off = info->l4_off;
		info->payload_len = (uint16_t)l4len;
		return verdict(info, DP_PKT_ICMP4_ECHO, DP_PKT_R_NONE);
	}
	return EXCEPT(PROTO);
}

/* RFC 4861 7.1.1 checks of a neighbour solicitation, then the target. */
static enum dp_pkt_class
classify_ns(const struct dp_pkt_config *cfg, const uint8_t *ip, const uint8_t *l4, size_t l4len,
	    struct dp_pkt_info *info)
{
	if (ip[7] != 255 || l4[1] != 0 || l4len < NS_LEN)
		return DROP(ND);
	if (fold(sum_raw(phdr6(ip + 8, ip + 24, PROTO_ICMP6, (uint16_t)l4len), l4, l4len)) !=
	    0xffff)
		return DROP(ICMP);
	const uint8_t *target = l4 + 8;
	if (target[0] == 0xff)
		return DROP(ND);
	bool slla = false;
	for (size_t off = NS_LEN; off < l4len;) {
		if (l4len - off < 2 || l4[off + 1] == 0 || (size_t)l4[off + 1] * 8 > l4len - off)
			return DROP(ND);
		slla |= l4[off] == ND_OPT_SLLA;
		off += (size_t)l4[off + 1] * 8;
	}
	if (ip6_unspecified(ip + 8) && (slla || !is_solnode(ip + 24)))
		return DROP(ND);
	if (!served6(cfg, target))
		return EXCEPT(NOT_SERVED);
	info->payload_off = info->l4_off;
	info->payload_len = (uint16_t)l4len;
	return verdict(info, DP_PKT_ICMP6_NS, DP_PKT_R_NONE);
}

static enum dp_pkt_class
classify_ip6(const struct dp_pkt_config *cfg, const uint8_t *f, size_t len, unsigned flags,
	     bool to_us, struct dp_pkt_info *info)
{
	const uint8_t *ip = f + info->l2_len;
	size_t avail = len - info->l2_len;

	if (avail < IP6_HLEN)
		return DROP(TRUNCATED);
	if (ip[0] >> 4 != 6)
		return DROP(IP_HDR);
	size_t l4len = rd16(ip + 4);
	if (l4len > avail - IP6_HLEN)
		return DROP(IP_LEN);
	info->ip_version = 6;
	info->l4_off = (uint16_t)(info->l2_len + IP6_HLEN);

	const uint8_t *src = ip + 8, *dst = ip + 24, *l4 = ip + IP6_HLEN;
	if (src[0] == 0xff)
		return DROP(BAD_SRC);
	bool unicast = served6(cfg, dst);
	if (!unicast && !solnode_served(cfg, dst))
		return EXCEPT(NOT_SERVED);
	if (ip[6] == PROTO_UDP) {
		if (!unicast || !to_us)
			return EXCEPT(MULTICAST);
		return classify_udp(cfg, src, dst, true, ip6_unspecified(src), l4, l4len, flags,
				    info);
	}
	if (ip[6] == PROTO_ICMP6) {
		if (l4len < 4)
			return DROP(ICMP);
		if (l4[0] == ICMP6_NS)
			return classify_ns(cfg, ip, l4, l4len, info);
		if (l4[0] != ICMP6_ECHO_REQUEST)
			return EXCEPT(TYPE);
		if (!unicast || !to_us)
			return EXCEPT(MULTICAST);
		if (l4len < 8 || l4[1] != 0 ||
		    fold(sum_raw(phdr6(src, dst, PROTO_ICMP6, (uint16_t)l4len), l4, l4len)) != 0xffff)
			return DROP(ICMP);
		if (ip6_unspecified(src))
			return DROP(BAD_SRC);
		info->payload_off = info->l4_off;
		info->payload_len = (uint16_t)l4len;
		return verdict(info, DP_PKT_ICMP6_ECHO, DP_PKT_R_NONE);
	}
	return EXCEPT(PROTO);
}

enum dp_pkt_class
dp_pkt_classify(const struct dp_pkt_config *cfg, const uint8_t *f, size_t len, unsigned flags,
		struct dp_pkt_info *info)
{
	memset(info, 0, sizeof *info);
	if (len < ETH_HLEN)
		return DROP(TRUNCATED);
	if (f[6] & 1)
		return DROP(BAD_SRC);
	bool to_us = !(f[0] & 1);
	if (to_us && memcmp(f, cfg->mac, DP_PKT_ETH_ALEN) != 0)
		return DROP(OTHER_MAC);

	uint16_t et = rd16(f + 12);
	unsigned vid = 0;
	info->l2_len = ETH_HLEN;
	if (et == ET_VLAN) {
		if (len < ETH_HLEN + VLAN_HLEN)
			return DROP(TRUNCATED);
		vid = rd16(f + 14) & 0xfff;
		et = rd16(f + 16);
		info->l2_len = ETH_HLEN + VLAN_HLEN;
	}
	if (et == ET_VLAN || et == ET_QINQ || et == ET_QINQ_OLD)
		return EXCEPT(ETHERTYPE);
	if (vid != cfg->vlan)
		return EXCEPT(VLAN);
	switch (et) {
	case ET_ARP:
		return classify_arp(cfg, f, len, info);
	case ET_IP4:
		return classify_ip4(cfg, f, len, flags, to_us, info);
	case ET_IP6:
		return classify_ip6(cfg, f, len, flags, to_us, info);
	default:
		return EXCEPT(ETHERTYPE);
	}
}

/* What a reply needs from the frame it answers, read before out is written. */
struct peer {
	uint8_t mac[DP_PKT_ETH_ALEN];
	uint8_t tag[VLAN_HLEN];  /* the 802.1Q tag when l2_len is 18 */
	uint8_t l2_len;
	uint8_t our_ip[16], their_ip[16];
};

static void
peer_read(const uint8_t *f, const struct dp_pkt_info *info, struct peer *p)
{
	memcpy(p->mac, f + 6, DP_PKT_ETH_ALEN);
	memcpy(p->tag, f + 12, VLAN_HLEN);
	p->l2_len = info->l2_len;
	const uint8_t *ip = f + info->l2_len;
	if (info->ip_version == 4) {
		memcpy(p->their_ip, ip + 12, 4);
		memcpy(p->our_ip, ip + 16, 4);
	} else if (info->ip_version == 6) {
		memcpy(p->their_ip, ip + 8, 16);
		memcpy(p->our_ip, ip + 24, 16);
	} else {
		memset(p->their_ip, 0, sizeof p->their_ip);
		memset(p->our_ip, 0, sizeof p->our_ip);
	}
}

static void
write_l2(uint8_t *out, const struct dp_pkt_config *cfg, const struct peer *p,
	 const uint8_t *dst_mac, uint16_t et)
{
	memcpy(out, dst_mac, DP_PKT_ETH_ALEN);
	memcpy(out + 6, cfg->mac, DP_PKT_ETH_ALEN);
	if (p->l2_len == ETH_HLEN + VLAN_HLEN)
		memcpy(out + 12, p->tag, VLAN_HLEN);
	wr16(out + p->l2_len - 2, et);
}

static void
write_ip4(uint8_t *ip, const struct peer *p, uint8_t proto, size_t l4len, bool cksum)
{
	ip[0] = 0x45;
	ip[1] = 0;
	wr16(ip + 2, (uint16_t)(IP4_HLEN + l4len));
	wr16(ip + 4, 0);
	wr16(ip + 6, IP4_DF);
	ip[8] = TTL_OUT;
	ip[9] = proto;
	wr16(ip + 10, 0);
	memcpy(ip + 12, p->our_ip, 4);
	memcpy(ip + 16, p->their_ip, 4);
	if (cksum)
		wr16(ip + 10, (uint16_t)~dp_pkt_csum_add(0, ip, IP4_HLEN));
}

static void
write_ip6(uint8_t *ip, const uint8_t *src, const uint8_t *dst, uint8_t proto, size_t l4len,
	  uint8_t hop_limit)
{
	memset(ip, 0, 4);
	ip[0] = 0x60;
	wr16(ip + 4, (uint16_t)l4len);
	ip[6] = proto;
	ip[7] = hop_limit;
	memcpy(ip + 8, src, 16);
	memcpy(ip + 24, dst, 16);
}

size_t
dp_pkt_dns_offset(const struct dp_pkt_info *info)
{
	return (size_t)info->l2_len + (info->ip_version == 4 ? IP4_HLEN : IP6_HLEN) + UDP_HLEN;
}

/* The IPv4 total length / IPv6 payload length field bounds the DNS reply. */
static size_t
dns_max(const struct dp_pkt_info *info)
{
	return 0xffff - UDP_HLEN - (info->ip_version == 4 ? IP4_HLEN : 0);
}

size_t
dp_pkt_dns_room(const struct dp_pkt_info *info, size_t cap)
{
	size_t off = dp_pkt_dns_offset(info), max = dns_max(info);
	if (cap <= off)
		return 0;
	return cap - off < max ? cap - off : max;
}

int
dp_pkt_dns_finish(const struct dp_pkt_config *cfg, const uint8_t *query,
		  const struct dp_pkt_info *info, uint8_t *out, size_t cap, size_t dns_len,
		  unsigned flags, size_t *frame_len)
{
	if (info->cls != DP_PKT_DNS)
		return -EINVAL;
	if (dns_len > dns_max(info))
		return -EMSGSIZE;
	size_t off = dp_pkt_dns_offset(info);
	if (off + dns_len > cap)
		return -ENOSPC;

	struct peer p;
	peer_read(query, info, &p);
	const uint8_t *qudp = query + info->l4_off;
	uint16_t sport = rd16(qudp + 2), dport = rd16(qudp);

	bool v4 = info->ip_version == 4;
	size_t ulen = UDP_HLEN + dns_len;
	uint8_t *ip = out + p.l2_len, *udp = out + off - UDP_HLEN;
	write_l2(out, cfg, &p, p.mac, v4 ? ET_IP4 : ET_IP6);
	uint64_t ph;
	if (v4) {
		write_ip4(ip, &p, PROTO_UDP, ulen, !(flags & DP_PKT_TX_IP_CKSUM));
		ph = phdr4(p.our_ip, p.their_ip, PROTO_UDP, (uint16_t)ulen);
	} else {
		write_ip6(ip, p.our_ip, p.their_ip, PROTO_UDP, ulen, TTL_OUT);
		ph = phdr6(p.our_ip, p.their_ip, PROTO_UDP, (uint16_t)ulen);
	}
	wr16(udp, sport);
	wr16(udp + 2, dport);
	wr16(udp + 4, (uint16_t)ulen);
	wr16(udp + 6, 0);
	if (flags & DP_PKT_TX_UDP_CKSUM) {
		wr16(udp + 6, fold(ph));
	} else {
		uint16_t c = (uint16_t)~fold(sum_raw(ph, udp, ulen));
		wr16(udp + 6, c ? c : 0xffff);
	}
	*frame_len = off + dns_len;
	return 0;
}

static int
reply_arp(const struct dp_pkt_config *cfg, const uint8_t *f, const struct dp_pkt_info *info,
	  uint8_t *out, size_t cap, size_t *out_len)
{
	size_t n = (size_t)info->l2_len + ARP_LEN;
	if (n > cap)
		return -ENOSPC;
	struct peer p;
	peer_read(f, info, &p);
	uint8_t sha[DP_PKT_ETH_ALEN], spa[4], tpa[4];
	const uint8_t *a = f + info->l4_off;
	memcpy(sha, a + 8, sizeof sha);
	memcpy(spa, a + 14, sizeof spa);
	memcpy(tpa, a + 24, sizeof tpa);

	write_l2(out, cfg, &p, p.mac, ET_ARP);
	uint8_t *r = out + info->l2_len;
	wr16(r, 1);
	wr16(r + 2, ET_IP4);
	r[4] = 6;
	r[5] = 4;
	wr16(r + 6, 2);
	memcpy(r + 8, cfg->mac, DP_PKT_ETH_ALEN);
	memcpy(r + 14, tpa, 4);
	memcpy(r + 18, sha, DP_PKT_ETH_ALEN);
	memcpy(r + 24, spa, 4);
	*out_len = n;
	return 0;
}

static int
reply_echo4(const struct dp_pkt_config *cfg, const uint8_t *f, const struct dp_pkt_info *info,
	    uint8_t *out, size_t cap, size_t *out_len)
{
	size_t icmp_len = info->payload_len, off = (size_t)info->l2_len + IP4_HLEN;
	if (off + icmp_len > cap)
		return -ENOSPC;
	struct peer p;
	peer_read(f, info, &p);

	/* The message only moves towards the start (options are dropped). */
	memmove(out + off, f + info->payload_off, icmp_len);
	write_l2(out, cfg, &p, p.mac, ET_IP4);
	write_ip4(out + info->l2_len, &p, PROTO_ICMP, icmp_len, true);
	uint8_t *icmp = out + off;
	icmp[0] = ICMP4_ECHO_REPLY;
	icmp[1] = 0;
	wr16(icmp + 2, 0);
	wr16(icmp + 2, (uint16_t)~dp_pkt_csum_add(0, icmp, icmp_len));
	*out_len = off + icmp_len;
	return 0;
}

static void
icmp6_cksum(uint8_t *ip, size_t l4len)
{
	uint8_t *l4 = ip + IP6_HLEN;
	wr16(l4 + 2, 0);
	wr16(l4 + 2, (uint16_t)~fold(sum_raw(phdr6(ip + 8, ip + 24, PROTO_ICMP6, (uint16_t)l4len),
					     l4, l4len)));
}

static int
reply_echo6(const struct dp_pkt_config *cfg, const uint8_t *f, const struct dp_pkt_info *info,
	    uint8_t *out, size_t cap, size_t *out_len)
{
	size_t l4len = info->payload_len, off = info->payload_off;
	if (off + l4len > cap)
		return -ENOSPC;
	struct peer p;
	peer_read(f, info, &p);

	memmove(out + off, f + off, l4len);
	write_l2(out, cfg, &p, p.mac, ET_IP6);
	write_ip6(out + info->l2_len, p.our_ip, p.their_ip, PROTO_ICMP6, l4len, TTL_OUT);
	out[off] = ICMP6_ECHO_REPLY;
	out[off + 1] = 0;
	icmp6_cksum(out + info->l2_len, l4len);
	*out_len = off + l4len;
	return 0;
}

static int
reply_na(const struct dp_pkt_config *cfg, const uint8_t *f, const struct dp_pkt_info *info,
	 uint8_t *out, size_t cap, size_t *out_len)
{
	static const uint8_t all_nodes[16] = {0xff, 0x02, [15] = 0x01};
	static const uint8_t all_nodes_mac[DP_PKT_ETH_ALEN] = {0x33, 0x33, 0, 0, 0, 0x01};
	size_t off = (size_t)info->l2_len + IP6_HLEN;
	if (off + NA_LEN > cap)
		return -ENOSPC;
	struct peer p;
	peer_read(f, info, &p);
	uint8_t target[16];
	memcpy(target, f + info->payload_off + 8, sizeof target);

	bool dad = ip6_unspecified(p.their_ip);
	write_l2(out, cfg, &p, dad ? all_nodes_mac : p.mac, ET_IP6);
	write_ip6(out + info->l2_len, target, dad ? all_nodes : p.their_ip, PROTO_ICMP6, NA_LEN,
		  255);
	uint8_t *na = out + off;
	na[0] = ICMP6_NA;
	na[1] = 0;
	na[4] = dad ? 0x20 : 0x60; /* S (solicited) unless DAD, O (override) */
	memset(na + 5, 0, 3);
	memcpy(na + 8, target, 16);
	na[24] = ND_OPT_TLLA;
	na[25] = 1;
	memcpy(na + 26, cfg->mac, DP_PKT_ETH_ALEN);
	icmp6_cksum(out + info->l2_len, NA_LEN);
	*out_len = off + NA_LEN;
	return 0;
}

int
dp_pkt_reply(const struct dp_pkt_config *cfg, const uint8_t *frame,
	     const struct dp_pkt_info *info, uint8_t *out, size_t cap, size_t *out_len)
{
	switch (info->cls) {
	case DP_PKT_ARP:
		return reply_arp(cfg, frame, info, out, cap, out_len);
	case DP_PKT_ICMP4_ECHO:
		return reply_echo4(cfg, frame, info, out, cap, out_len);
	case DP_PKT_ICMP6_ECHO:
		return reply_echo6(cfg, frame, info, out, cap, out_len);
	case DP_PKT_ICMP6_NS:
		return reply_na(cfg, frame, info, out, cap, out_len);
	default:
		return -EINVAL;
	}
}

const char *
dp_pkt_class_str(unsigned cls)
{
	static const char *const names[] = {
		[DP_PKT_DROP] = "drop", [DP_PKT_EXCEPTION] = "exception", [DP_PKT_DNS] = "dns",
		[DP_PKT_ARP] = "arp", [DP_PKT_ICMP4_ECHO] = "icmp4-echo",
		[DP_PKT_ICMP6_ECHO] = "icmp6-echo", [DP_PKT_ICMP6_NS] = "icmp6-ns",
	};
	return cls < sizeof names / sizeof names[0] ? names[cls] : "?";
}

const char *
dp_pkt_reason_str(unsigned reason)
{
	static const char *const names[DP_PKT_R_COUNT] = {
		[DP_PKT_R_NONE] = "none", [DP_PKT_R_TRUNCATED] = "truncated",
		[DP_PKT_R_OTHER_MAC] = "other-mac", [DP_PKT_R_BAD_SRC] = "bad-src",
		[DP_PKT_R_IP_HDR] = "ip-hdr", [DP_PKT_R_IP_LEN] = "ip-len",
		[DP_PKT_R_IP_CKSUM] = "ip-cksum", [DP_PKT_R_UDP_LEN] = "udp-len",
		[DP_PKT_R_UDP_CKSUM] = "udp-cksum", [DP_PKT_R_ICMP] = "icmp", [DP_PKT_R_ARP] = "arp",
		[DP_PKT_R_ND] = "nd", [DP_PKT_R_ETHERTYPE] = "ethertype", [DP_PKT_R_VLAN] = "vlan",
		[DP_PKT_R_NOT_SERVED] = "not-served", [DP_PKT_R_MULTICAST] = "multicast",
		[DP_PKT_R_FRAGMENT] = "fragment", [DP_PKT_R_PROTO] = "proto", [DP_PKT_R_PORT] = "port",
		[DP_PKT_R_TYPE] = "type", [DP_PKT_R_OPCODE] = "opcode",
	};
	return reason < DP_PKT_R_COUNT ? names[reason] : "?";
}
