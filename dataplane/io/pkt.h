/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The L2-L4 packet codec of the DPDK backend: classifies one received
 * Ethernet frame, answers ARP, ICMP echo, ICMPv6 echo and IPv6 neighbour
 * solicitations for the served addresses, and wraps the query engine's DNS
 * reply in Ethernet/IP/UDP headers. Pure functions on bytes: no DPDK
 * headers, no I/O, no allocation, no global state; every function may be
 * called by any number of threads at once (the config is only read).
 *
 * Per received frame: dp_pkt_classify; for DP_PKT_DNS the query engine
 * writes its reply at tx + dp_pkt_dns_offset (at most dp_pkt_dns_room
 * octets), then dp_pkt_dns_finish; for ARP/ICMP/NS dp_pkt_reply; the
 * frame goes to the kernel unchanged on DP_PKT_EXCEPTION and is freed on
 * DP_PKT_DROP.
 *
 * Frames: Ethernet II, untagged or with one 802.1Q tag; IPv4 (options
 * skipped) and IPv6 (no extension headers); Ethernet padding beyond the IP
 * length is ignored. Multi-byte fields in the structs below are in host
 * order; addresses and MACs are in wire order.
 *
 * What is answered inline, what goes to the kernel (DP_PKT_EXCEPTION) and
 * what is dropped (DP_PKT_DROP):
 * - DROP: frames that cannot be valid or are not for this host: truncated
 *   headers, a multicast source MAC, unicast to another MAC, bad IPv4
 *   version/IHL or header checksum, IPv4 total or IPv6 payload length
 *   longer than the frame (or shorter than the headers), and, for the
 *   traffic answered inline, bad UDP length or checksum, IPv6 UDP checksum
 *   0 (RFC 8200 8.1), UDP source port 0, a source address that cannot be
 *   answered (IPv4 0.0.0.0, multicast, 255.255.255.255; IPv6 multicast or
 *   unspecified), bad ICMP/ICMPv6 checksum or length, malformed ARP for
 *   Ethernet/IPv4, and neighbour solicitations that RFC 4861 7.1.1 says to
 *   discard (hop limit not 255, code not 0, short, multicast target, option
 *   of length 0, unspecified source with a source link-layer option or to
 *   a non-solicited-node destination).
 * - EXCEPTION: well-formed traffic the kernel may want: other ethertypes
 *   (LLDP, 802.3 length frames, 802.1ad and QinQ), another VLAN (or a tag
 *   when the port serves untagged, and the reverse), IPv4 fragments (MF or
 *   offset != 0: the kernel reassembles and its sockets answer), IPv6 with
 *   extension headers, TCP and every protocol but UDP/ICMP/ICMPv6, UDP to
 *   another port, addresses not served (including broadcast/multicast IP
 *   and the kernel's own link-local addresses), L2 broadcast/multicast not
 *   answered here, ARP other than a request for a served address (the
 *   kernel needs ARP replies to reach its own neighbours), ICMP/ICMPv6
 *   other than echo request and NS (errors for TCP path MTU, RA, NA, MLD),
 *   and DNS messages to the DNS port whose opcode is not QUERY (NOTIFY,
 *   UPDATE: the control plane's).
 *   L4 checksums of exception traffic are left to the kernel.
 */
#ifndef SIGEDGE_DP_PKT_H
#define SIGEDGE_DP_PKT_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define DP_PKT_MAX_ADDRS 16      /* served addresses per family */
#define DP_PKT_ETH_ALEN 6

/*
 * One port's identity. Filled by the caller before the first call and not
 * changed while any call may read it.
 */
struct dp_pkt_config {
	uint8_t mac[DP_PKT_ETH_ALEN];
	/*
	 * The VLAN the port serves: 0 = untagged (a priority tag, VID 0, is
	 * also accepted); 1..4094 = only frames with one 802.1Q tag of this
	 * VID. Replies keep the query's tag (TCI) as received.
	 */
	uint16_t vlan;
	uint16_t dns_port;       /* usually 53 */
	unsigned n_ip4, n_ip6;   /* entries used, each <= DP_PKT_MAX_ADDRS */
	uint8_t ip4[DP_PKT_MAX_ADDRS][4];
	uint8_t ip6[DP_PKT_MAX_ADDRS][16];
};

enum dp_pkt_class {
	DP_PKT_DROP = 0,
	DP_PKT_EXCEPTION,        /* hand the frame unchanged to the kernel */
	DP_PKT_DNS,              /* UDP to a served address and dns_port */
	DP_PKT_ARP,              /* ARP request for a served IPv4 address */
	DP_PKT_ICMP4_ECHO,       /* echo request to a served IPv4 address */
	DP_PKT_ICMP6_ECHO,       /* echo request to a served IPv6 address */
	DP_PKT_ICMP6_NS,         /* neighbour solicitation for a served IPv6 address */
};

/* Why a frame was dropped or sent to the kernel (for counters and tests). */
enum dp_pkt_reason {
	DP_PKT_R_NONE = 0,       /* handled inline */
	/* drop */
	DP_PKT_R_TRUNCATED,      /* frame ends inside a header */
	DP_PKT_R_OTHER_MAC,      /* unicast to another MAC */
	DP_PKT_R_BAD_SRC,        /* multicast source MAC, unanswerable IP source, UDP port 0 */
	DP_PKT_R_IP_HDR,         /* IP version or IPv4 IHL wrong */
	DP_PKT_R_IP_LEN,         /* IPv4 total / IPv6 payload length vs frame */
	DP_PKT_R_IP_CKSUM,       /* IPv4 header checksum */
	DP_PKT_R_UDP_LEN,        /* UDP length vs IP payload */
	DP_PKT_R_UDP_CKSUM,      /* UDP checksum wrong, or 0 over IPv6 */
	DP_PKT_R_ICMP,           /* ICMP/ICMPv6 checksum, code or length */
	DP_PKT_R_ARP,            /* ARP not Ethernet/IPv4 */
	DP_PKT_R_ND,             /* NS discarded by RFC 4861 7.1.1 */
	/* exception */
	DP_PKT_R_ETHERTYPE,      /* not IPv4, IPv6 or ARP (includes 802.1ad, QinQ) */
	DP_PKT_R_VLAN,           /* not the port's VLAN */
	DP_PKT_R_NOT_SERVED,     /* destination / target address not served */
	DP_PKT_R_MULTICAST,      /* L2 or L3 multicast/broadcast not answered here */
	DP_PKT_R_FRAGMENT,       /* IPv4 fragment */
	DP_PKT_R_PROTO,          /* L4 protocol or IPv6 extension header */
	DP_PKT_R_PORT,           /* UDP to another port */
	DP_PKT_R_TYPE,           /* other ICMP/ICMPv6 type, ARP other than request */
	DP_PKT_R_OPCODE,         /* DNS message other than a standard query (NOTIFY, UPDATE) */
	DP_PKT_R_COUNT
};

/* What dp_pkt_classify found; offsets are from the start of the frame. */
struct dp_pkt_info {
	uint8_t cls;             /* enum dp_pkt_class */
	uint8_t reason;          /* enum dp_pkt_reason */
	uint8_t ip_version;      /* 4 or 6; 0 for ARP or not reached */
	uint8_t l2_len;          /* 14, or 18 with a VLAN tag */
	uint16_t l4_off;         /* UDP / ICMP header (ARP: the ARP header) */
	uint16_t payload_off;    /* DNS: the UDP payload; ICMP: the ICMP message */
	uint16_t payload_len;    /* its length (padding excluded) */
};

/* Receive flags: what the NIC already verified (checksums found good). */
#define DP_PKT_RX_IP_CKSUM_GOOD 0x1  /* IPv4 header checksum */
#define DP_PKT_RX_L4_CKSUM_GOOD 0x2  /* UDP checksum (ICMP is always verified here) */

/*
 * Classify frame[0..len) for the port cfg. flags: DP_PKT_RX_*; pass 0 when
 * the NIC reported nothing or a bad checksum (the codec then verifies).
 * Fills *info (cls, reason and whatever offsets were reached) and returns
 * info->cls. Reads only frame[0..len).
 */
enum dp_pkt_class dp_pkt_classify(const struct dp_pkt_config *cfg, const uint8_t *frame,
				  size_t len, unsigned flags, struct dp_pkt_info *info);

/*
 * DNS replies. The reply frame has the query's L2 header (VLAN tag kept),
 * an IPv4 header without options (TTL 64, ID 0 with DF: an atomic datagram,
 * RFC 6864) or an IPv6 header (hop limit 64), and a UDP header; so it has
 * l2_len = info->l2_len and an L3 header of 20 (IPv4) or 40 (IPv6) octets,
 * which is what the TX offload fields need.
 * dp_pkt_dns_offset: where the DNS reply must be written in the TX buffer.
 * dp_pkt_dns_room: the largest DNS reply that fits a TX buffer of cap
 * octets and the IP/UDP length fields (0 when none fits): pass it as the
 * engine's cap. Frames are not padded to 60 octets (NICs pad on transmit).
 * info must come from dp_pkt_classify with cls DP_PKT_DNS.
 */
size_t dp_pkt_dns_offset(const struct dp_pkt_info *info);
size_t dp_pkt_dns_room(const struct dp_pkt_info *info, size_t cap);

/*
 * Transmit flags: what the NIC will compute (DNS replies only). With
 * DP_PKT_TX_UDP_CKSUM the UDP checksum field holds the folded,
 * uncomplemented sum of the pseudo-header (addresses, protocol, UDP
 * length), the value rte_ipv4_phdr_cksum / rte_ipv6_phdr_cksum give
 * without TSO, which the NIC completes over the UDP header and data.
 */
#define DP_PKT_TX_IP_CKSUM 0x1   /* IPv4 header checksum: left 0 */
#define DP_PKT_TX_UDP_CKSUM 0x2  /* UDP checksum: pseudo-header sum */

/*
 * Write the L2-L4 headers of the reply to the query query[..] (the frame
 * dp_pkt_classify saw, with *info) around the dns_len-octet DNS reply that
 * is already at out + dp_pkt_dns_offset(info): MACs swapped (source = cfg's
 * MAC), addresses and ports swapped, lengths, and checksums unless flags
 * (DP_PKT_TX_*) leave them to the NIC. A UDP checksum that computes to 0 is
 * sent as 0xffff (RFC 768). cap is the size of out; bound it by the port's
 * MTU plus info->l2_len as well, as nothing here knows the MTU.
 * out must not overlap the query, with one exception: out == query works
 * when dp_pkt_dns_offset(info) == info->payload_off (no IPv4 options), as
 * the query's headers then lie before the DNS reply and are read before
 * anything is written.
 * Returns 0 and sets *frame_len; -ENOSPC when the frame does not fit cap,
 * -EMSGSIZE when dns_len exceeds the IP/UDP length fields (neither happens
 * when dns_len <= dp_pkt_dns_room(info, cap)), -EINVAL when info->cls is
 * not DP_PKT_DNS; out is then unchanged.
 */
int dp_pkt_dns_finish(const struct dp_pkt_config *cfg, const uint8_t *query,
		      const struct dp_pkt_info *info, uint8_t *out, size_t cap, size_t dns_len,
		      unsigned flags, size_t *frame_len);

/*
 * Build the whole reply to a frame classified DP_PKT_ARP, DP_PKT_ICMP4_ECHO,
 * DP_PKT_ICMP6_ECHO or DP_PKT_ICMP6_NS into out[0..cap): an ARP reply, an
 * echo reply (IPv4 without options, TTL 64; IPv6 hop limit 64; the echo
 * data of any size copied), or a neighbour advertisement (solicited and
 * override flags, target link-layer address option, hop limit 255; sent to
 * the all-nodes address with S clear when the solicitation came from the
 * unspecified address, RFC 4861 7.2.4). All checksums are computed here: no
 * TX offload flags apply to these frames. cap as for dp_pkt_dns_finish
 * (an echo reply is as long as the request's ICMP message). out may be
 * frame itself but must not otherwise overlap it. Returns 0 and sets
 * *out_len, -ENOSPC when the reply does not fit cap, -EINVAL for another
 * class; out is then unchanged.
 */
int dp_pkt_reply(const struct dp_pkt_config *cfg, const uint8_t *frame,
		 const struct dp_pkt_info *info, uint8_t *out, size_t cap, size_t *out_len);

/*
 * One's-complement sum (RFC 1071) of buf[0..len) added to sum, folded to 16
 * bits, not complemented, as a host-order number (the sum of big-endian
 * 16-bit words). len may be odd only for the last piece of a checksum.
 */
uint16_t dp_pkt_csum_add(uint16_t sum, const void *buf, size_t len);

/* Short name of a class / reason for logs and tests ("dns", "ip-cksum"...). */
const char *dp_pkt_class_str(unsigned cls);
const char *dp_pkt_reason_str(unsigned reason);

#ifdef __cplusplus
}
#endif

#endif
