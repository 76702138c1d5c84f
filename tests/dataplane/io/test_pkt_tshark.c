/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * An independent judge of the packet codec: every reply kind it builds (DNS
 * over IPv4/IPv6 with and without VLAN tag and IPv4 options, with each TX
 * offload completed as a NIC would, ARP, ICMP and ICMPv6 echo, neighbour
 * advertisements) goes into a pcap file, and tshark, with its checksum
 * validation turned on, must find every IPv4, UDP, ICMP and ICMPv6 checksum
 * good. Deliberately broken frames check that tshark really looks.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "tests/support/pcap.h"
#include "tests/tap.h"
#include "tests/dataplane/io/test_pkt_frames.h"

#define MAX_FRAMES 256

enum kind { K_DNS4, K_DNS6, K_ICMP4, K_ICMP6, K_ARP, K_NA };

static struct frame {
	enum kind kind;
	int vid;
	int broken;              /* a checksum was spoilt on purpose */
	char what[64];
} frames[MAX_FRAMES];
static unsigned n_frames;
static FILE *pcap;
static struct dp_pkt_config cfg, cfg_vlan;


static void
add(const uint8_t *r, size_t n, enum kind k, int vid, int broken, const char *what)
{
	if (n_frames == MAX_FRAMES)
		return;
	support_pcap_write(pcap, r, n, 1700000000u + n_frames);
	frames[n_frames] = (struct frame){.kind = k, .vid = vid, .broken = broken};
	snprintf(frames[n_frames].what, sizeof frames[n_frames].what, "%s", what);
	n_frames++;
}

static void
add_dns(int v6, int vid, size_t opt, size_t dlen, unsigned flags, int broken)
{
	const struct dp_pkt_config *c = vid < 0 ? &cfg : &cfg_vlan;
	uint8_t q[T_FRAME_MAX], r[T_FRAME_MAX];
	struct dp_pkt_info qi;
	size_t qn = t_dns_frame(q, v6, vid, opt, 40000 + (unsigned)dlen, 29), rn;
	char what[64];
	snprintf(what, sizeof what, "DNS%d vid %d opt %zu len %zu tx %u%s", v6 ? 6 : 4, vid, opt,
		 dlen, flags, broken ? " BROKEN" : "");
	if (dp_pkt_classify(c, q, qn, 0, &qi) != DP_PKT_DNS) {
		ok(0, "%s: query classified", what);
		return;
	}
	size_t off = dp_pkt_dns_offset(&qi);
	t_dns_payload(r + off, dlen);
	t_put16(r + off + 2, 0x8400); /* QR AA */
	if (dp_pkt_dns_finish(c, q, &qi, r, sizeof r, dlen, flags, &rn) != 0) {
		ok(0, "%s: finished", what);
		return;
	}
	t_nic_offload(r, rn, flags);
	if (broken)
		r[rn - 1] ^= 0x40;
	add(r, rn, v6 ? K_DNS6 : K_DNS4, vid, broken, what);
}

static void
add_reply(const uint8_t *q, size_t qn, int vid, enum kind k, int broken, const char *what)
{
	const struct dp_pkt_config *c = vid < 0 ? &cfg : &cfg_vlan;
	uint8_t r[T_FRAME_MAX];
	struct dp_pkt_info qi;
	size_t rn;
	if (dp_pkt_classify(c, q, qn, 0, &qi) <= DP_PKT_DNS ||
	    dp_pkt_reply(c, q, &qi, r, sizeof r, &rn) != 0) {
		ok(0, "%s: reply built", what);
		return;
	}
	if (broken)
		r[rn - 1] ^= 0x40;
	add(r, rn, k, vid, broken, what);
}

static void
build_all(void)
{
	static const unsigned flag_sets[] = {0, DP_PKT_TX_IP_CKSUM, DP_PKT_TX_UDP_CKSUM,
					     DP_PKT_TX_IP_CKSUM | DP_PKT_TX_UDP_CKSUM};
	uint8_t q[T_FRAME_MAX];
	char what[64];

	for (int v6 = 0; v6 <= 1; v6++)
		for (int vid = -1; vid <= 100; vid += 101)
			for (size_t opt = 0; opt <= (v6 ? 0u : 20u); opt += 20)
				for (size_t dlen = 12; dlen < 1500; dlen = dlen * 4 + 1)
					for (size_t fi = 0; fi < 4; fi++)
						add_dns(v6, vid, opt, dlen, flag_sets[fi], 0);
	for (int vid = -1; vid <= 100; vid += 101) {
		static const size_t sizes[] = {0, 1, 56, 1000, 1452};
		for (size_t si = 0; si < sizeof sizes / sizeof sizes[0]; si++) {
			snprintf(what, sizeof what, "echo4 vid %d data %zu", vid, sizes[si]);
			add_reply(q, t_echo_frame(q, 0, vid, si % 2 ? 12 : 0, sizes[si]), vid,
				  K_ICMP4, 0, what);
			snprintf(what, sizeof what, "echo6 vid %d data %zu", vid, sizes[si]);
			add_reply(q, t_echo_frame(q, 1, vid, 0, sizes[si]), vid, K_ICMP6, 0, what);
		}
		snprintf(what, sizeof what, "ARP vid %d", vid);
		add_reply(q, t_arp_frame(q, vid, 1, t_our4), vid, K_ARP, 0, what);
		snprintf(what, sizeof what, "NA (multicast NS) vid %d", vid);
		add_reply(q, t_ns_frame(q, vid, t_cli6, t_our6, 1, 255), vid, K_NA, 0, what);
		snprintf(what, sizeof what, "NA (unicast NS) vid %d", vid);
		add_reply(q, t_ns_frame(q, vid, t_cli6, t_our6, 0, 255), vid, K_NA, 0, what);
		snprintf(what, sizeof what, "NA (DAD) vid %d", vid);
		add_reply(q, t_ns_frame(q, vid, NULL, t_our6, 1, 255), vid, K_NA, 0, what);
	}
	/* Negative controls: tshark must call these bad. */
	add_dns(0, -1, 0, 40, 0, 1);
	add_dns(1, 100, 0, 41, 0, 1);
	add_reply(q, t_echo_frame(q, 0, -1, 0, 20), -1, K_ICMP4, 1, "echo4 BROKEN");
	add_reply(q, t_echo_frame(q, 1, -1, 0, 20), -1, K_ICMP6, 1, "echo6 BROKEN");
	add_reply(q, t_ns_frame(q, -1, t_cli6, t_our6, 1, 255), -1, K_NA, 1, "NA BROKEN");
}

/* tshark prints checksum statuses as numbers: 0 bad, 1 good. */
static int
judge(const struct frame *fr, char **fld)
{
	const char *good = fr->broken ? "0" : "1";
	char vid[16] = "";
	if (fr->vid >= 0)
		snprintf(vid, sizeof vid, "%d", fr->vid);
	if (strcmp(fld[6], vid) != 0)
		return 0;
	switch (fr->kind) {
	case K_DNS4:
		return strcmp(fld[0], "1") == 0 && strcmp(fld[1], good) == 0 &&
		       strcmp(fld[7], "53") == 0;
	case K_DNS6:
		return fld[0][0] == 0 && strcmp(fld[1], good) == 0 && strcmp(fld[7], "53") == 0;
	case K_ICMP4:
		return strcmp(fld[0], "1") == 0 && strcmp(fld[2], good) == 0;
	case K_ICMP6:
		return strcmp(fld[3], good) == 0 && strcmp(fld[5], "129") == 0;
	case K_NA:
		return strcmp(fld[3], good) == 0 && strcmp(fld[5], "136") == 0;
	case K_ARP:
		return strcmp(fld[4], "2") == 0;
	}
	return 0;
}

int
main(void)
{
	if (system("command -v tshark >/dev/null 2>&1") != 0) {
		printf("1..0 # SKIP tshark not installed\n");
		return 0;
	}
	t_config(&cfg, 0);
	t_config(&cfg_vlan, 100);

	char path[] = "/tmp/sigedge-pkt-XXXXXX";
	int fd = mkstemp(path);
	if (fd < 0 || close(fd) != 0 || !(pcap = support_pcap_create(path))) {
		ok(0, "temporary pcap file");
		return tap_done();
	}
	build_all();
	if (!ok(support_pcap_close(pcap) == 0, "pcap file written"))
		return tap_done();
	ok(n_frames > 100, "%u reply frames written to %s", n_frames, path);

	char cmd[512];
	snprintf(cmd, sizeof cmd,
		 "tshark -n -r %s -o ip.check_checksum:TRUE -o udp.check_checksum:TRUE "
		 "-T fields -E separator=';' -e ip.checksum.status -e udp.checksum.status "
		 "-e icmp.checksum.status -e icmpv6.checksum.status -e arp.opcode -e icmpv6.type "
		 "-e vlan.id -e udp.srcport 2>/dev/null",
		 path);
	FILE *p = popen(cmd, "r");
	char line[1024];
	unsigned i = 0, bad = 0;
	while (p && fgets(line, sizeof line, p)) {
		char *fld[8] = {0}, *s = line;
		line[strcspn(line, "\n")] = 0;
		for (int k = 0; k < 8; k++) {
			fld[k] = s;
			s = strchr(s, ';');
			if (!s) {
				for (int m = k + 1; m < 8; m++)
					fld[m] = "";
				break;
			}
			*s++ = 0;
		}
		if (i < n_frames && !judge(&frames[i], fld)) {
			bad++;
			diag("frame %u (%s): tshark says \"%s;%s;%s;%s;%s;%s;%s;%s\"", i + 1,
			     frames[i].what, fld[0], fld[1], fld[2], fld[3], fld[4], fld[5], fld[6],
			     fld[7]);
		}
		i++;
	}
	int rc = p ? pclose(p) : -1;
	is_int(rc, 0, "tshark ran");
	is_int(i, n_frames, "tshark read every frame");
	ok(bad == 0, "tshark finds every checksum good (and the %d spoilt ones bad)", 5);
	if (bad == 0 && i == n_frames)
		unlink(path);
	else
		diag("pcap kept: %s", path);
	return tap_done();
}
