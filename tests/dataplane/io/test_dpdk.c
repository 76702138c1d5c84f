/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * DPDK port layer on net_pcap vdevs (no root, no NIC, no hugepages).
 * EAL starts once per process, so each scenario is its own run:
 *   test_dpdk echo     one port: every frame of IN comes back in OUT, in
 *                      order, with one octet changed (half the replies in
 *                      the received buffer, half in a newly allocated one)
 *   test_dpdk two      two ports named out of order, frames crossed over
 *   test_dpdk queues   more workers than the driver has queues: a clear error
 *   test_dpdk badport  a port that does not exist: a clear error
 *   test_dpdk rate     infinite_rx=1: at least 1e5 frames, rate as diagnostic
 * net_pcap never reports the end of its input: a port is drained after
 * EMPTY_POLLS empty bursts in a row.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "dataplane/io/dpdk.h"
#include "tests/support/pcap.h"
#include "tests/tap.h"

#define EMPTY_POLLS 1000
#define MAX_FRAMES 512
#define FRAME_MAX 1514

struct frames {
	unsigned n;
	uint16_t len[MAX_FRAMES];
	uint8_t data[MAX_FRAMES][FRAME_MAX];
};

static char dir[64];
static char prefix[64];

/* Frame i of a set: varied lengths (60..1514), the set's tag and i inside. */
static void
make_frames(struct frames *f, unsigned n, uint8_t tag)
{
	f->n = n;
	for (unsigned i = 0; i < n; i++) {
		uint8_t *p = f->data[i];
		uint16_t len = (uint16_t)(60 + (i * 397u) % (FRAME_MAX - 60 + 1));
		f->len[i] = len;
		for (unsigned k = 0; k < len; k++)
			p[k] = (uint8_t)(k * 7u + i + tag);
		memcpy(p, "\x02\x00\x00\x00\x00\x01\x02\x00\x00\x00\x00\x02", 12);
		p[12] = 0x88;  /* IEEE local experimental EtherType */
		p[13] = 0xb5;
		p[14] = tag;
		p[15] = (uint8_t)(i >> 8);
		p[16] = (uint8_t)i;
	}
}

/* The change an echo makes, so a reply cannot pass for its query. */
static void
mark(uint8_t *frame, uint16_t len)
{
	frame[len - 1] ^= 0xa5;
}


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

static void
path_in(char *buf, size_t cap, const char *name)
{
	snprintf(buf, cap, "%s/%s", dir, name);
}

/* Start with the test's EAL arguments plus the given vdevs (NULL-terminated). */
static int
start(const char *const *vdevs, const char *lcores, const char *const *ports,
      unsigned nports, unsigned workers, struct dp_dpdk **d, char *err, size_t errlen)
{
	const char *argv[32];
	int argc = 0;
	struct dp_dpdk_config cfg = {
		.ports = ports, .nports = nports, .workers = workers,
		.rx_ring = 512, .tx_ring = 512,
	};

	snprintf(prefix, sizeof(prefix), "--file-prefix=sigedge-test-%ld", (long)getpid());
	argv[argc++] = "--no-huge";
	argv[argc++] = "-m";
	argv[argc++] = "512";
	argv[argc++] = "--no-pci";
	argv[argc++] = "--no-shconf";
	argv[argc++] = "--no-telemetry";
	argv[argc++] = prefix;
	argv[argc++] = "--lcores";
	argv[argc++] = lcores;
	for (unsigned i = 0; vdevs[i]; i++) {
		argv[argc++] = "--vdev";
		argv[argc++] = vdevs[i];
	}
	cfg.eal_argv = argv;
	cfg.eal_argc = argc;
	return dp_dpdk_start(&cfg, d, err, errlen);
}

/* A start failure that means EAL cannot run here at all: skip, loudly. */
static int
skip_if_no_eal(int rc, const char *err)
{
	if (rc < 0 && strncmp(err, "EAL initialisation failed", 25) == 0) {
		printf("1..0 # SKIP EAL cannot start here: %s\n", err);
		return 1;
	}
	return 0;
}

static void
diag_port(const struct dp_dpdk_port_info *pi)
{
	diag("port %u %s driver %s socket %d link %s %u Mb/s offloads%s%s%s%s rss_hf 0x%llx",
	     (unsigned)pi->port_id, pi->name, pi->driver, pi->socket,
	     pi->link_up ? "up" : "down", (unsigned)pi->link_speed_mbps,
	     pi->offloads & DP_DPDK_RX_IPV4_CKSUM ? " rx-ipv4" : "",
	     pi->offloads & DP_DPDK_RX_UDP_CKSUM ? " rx-udp" : "",
	     pi->offloads & DP_DPDK_TX_IPV4_CKSUM ? " tx-ipv4" : "",
	     pi->offloads & DP_DPDK_TX_UDP_CKSUM ? " tx-udp" : "",
	     (unsigned long long)pi->rss_hf);
}

struct fwd {
	unsigned rx, tx, unsent, alloc_failed, chained, bad_room;
	uint64_t rx_bytes;
};

/*
 * Receive on port index from until it is drained and send every frame,
 * marked, on port index to: even frames in their own buffer, odd frames
 * copied into a newly allocated one.
 */
static void
echo_burst(struct dp_dpdk *d, unsigned from, unsigned to, struct fwd *s, unsigned *empty)
{
	struct dp_dpdk_mbuf *rx[DP_DPDK_BURST], *tx[DP_DPDK_BURST];
	uint16_t n = dp_dpdk_rx_burst(d, from, 0, rx, DP_DPDK_BURST), ntx = 0, sent;

	if (n == 0) {
		(*empty)++;
		return;
	}
	*empty = 0;
	for (uint16_t i = 0; i < n; i++) {
		uint16_t len = dp_dpdk_mbuf_len(rx[i]);
		s->rx_bytes += len;
		if (dp_dpdk_mbuf_chained(rx[i]))
			s->chained++;
		if ((s->rx + i) % 2 == 0) {
			mark(dp_dpdk_mbuf_data(rx[i]), len);
			tx[ntx++] = rx[i];
			continue;
		}
		struct dp_dpdk_mbuf *m = dp_dpdk_mbuf_alloc(d, 0);
		if (!m) {
			s->alloc_failed++;
			dp_dpdk_mbuf_free(&rx[i], 1);
			continue;
		}
		if (dp_dpdk_mbuf_room(m) < FRAME_MAX || dp_dpdk_mbuf_set_len(m, len) != 0 ||
		    dp_dpdk_mbuf_set_len(m, (uint16_t)(dp_dpdk_mbuf_room(m) + 1)) != -EINVAL ||
		    dp_dpdk_mbuf_set_len(m, len) != 0)
			s->bad_room++;
		memcpy(dp_dpdk_mbuf_data(m), dp_dpdk_mbuf_data(rx[i]), len);
		mark(dp_dpdk_mbuf_data(m), len);
		dp_dpdk_mbuf_free(&rx[i], 1);
		tx[ntx++] = m;
	}
	s->rx += n;
	sent = dp_dpdk_tx_burst(d, to, 0, tx, ntx);
	s->tx += sent;
	s->unsent += (unsigned)(ntx - sent);
	dp_dpdk_mbuf_free(tx + sent, (unsigned)(ntx - sent));
}

static void
check_out(const char *path, const struct frames *in, const char *what)
{
	static struct frames out;
	unsigned same = 0;

	ok(read_pcap(path, &out) == 0, "%s: output pcap readable", what);
	is_int(out.n, in->n, "%s: output holds as many frames as the input", what);
	for (unsigned i = 0; i < in->n && i < out.n; i++) {
		uint8_t want[FRAME_MAX];
		memcpy(want, in->data[i], in->len[i]);
		mark(want, in->len[i]);
		if (out.len[i] == in->len[i] && memcmp(out.data[i], want, in->len[i]) == 0)
			same++;
		else if (same == i)
			diag("%s: first difference at frame %u (length %u, want %u)",
			     what, i, (unsigned)out.len[i], (unsigned)in->len[i]);
	}
	is_int(same, in->n, "%s: every frame is its input frame, marked, in order", what);
}

static void
check_fwd(const struct fwd *s, unsigned n, const char *what)
{
	is_int(s->rx, n, "%s: received every frame", what);
	is_int(s->tx, n, "%s: the port took every reply", what);
	is_int(s->unsent, 0, "%s: nothing left unsent", what);
	is_int(s->alloc_failed, 0, "%s: TX buffers allocated", what);
	is_int(s->bad_room, 0, "%s: TX buffer room and length", what);
	is_int(s->chained, 0, "%s: frames in one segment", what);
}

static uint64_t
frame_bytes(const struct frames *f)
{
	uint64_t b = 0;
	for (unsigned i = 0; i < f->n; i++)
		b += f->len[i];
	return b;
}

static int
scenario_echo(void)
{
	static struct frames in;
	char pin[128], pout[128], vdev[300], err[256] = "";
	const char *vdevs[] = {vdev, NULL};
	struct dp_dpdk *d = NULL;
	struct dp_dpdk_port_stats st;
	struct dp_dpdk_queue_stats qs;
	struct fwd s = {0};
	unsigned empty = 0;
	int rc;

	path_in(pin, sizeof(pin), "in.pcap");
	path_in(pout, sizeof(pout), "out.pcap");
	make_frames(&in, 300, 0x11);
	if (write_pcap(pin, &in) != 0) {
		printf("Bail out! cannot write %s\n", pin);
		return 1;
	}
	snprintf(vdev, sizeof(vdev), "net_pcap0,rx_pcap=%s,tx_pcap=%s", pin, pout);
	rc = start(vdevs, "0", NULL, 0, 1, &d, err, sizeof(err));
	if (skip_if_no_eal(rc, err))
		return 0;
	if (!ok(rc == 0, "start with one net_pcap port: %s", rc ? err : "ok"))
		return tap_done();

	is_int(dp_dpdk_nports(d), 1, "every port EAL found is used");
	is_int(dp_dpdk_workers(d), 1, "one worker");
	is_int(dp_dpdk_worker_lcore(d, 0), 0, "worker 0 on the main lcore");
	const struct dp_dpdk_port_info *pi = dp_dpdk_port(d, 0);
	is_str(pi->name, "net_pcap0", "port name");
	is_str(pi->driver, "net_pcap", "driver name");
	ok(pi->link_up, "a vdev's link is up at once");
	ok(pi->rss_hf == 0, "no RSS with one worker");
	ok(dp_dpdk_port(d, 1) == NULL, "no port index 1");
	diag_port(pi);

	while (empty < EMPTY_POLLS)
		echo_burst(d, 0, 0, &s, &empty);
	check_fwd(&s, in.n, "echo");
	is_int(s.rx_bytes, frame_bytes(&in), "echo: received every octet");

	ok(dp_dpdk_stats(d, 0, &st, &qs, 1) == 0, "port counters read");
	is_int(st.rx_packets, in.n, "counter: rx packets");
	is_int(st.tx_packets, in.n, "counter: tx packets");
	is_int(st.rx_bytes, frame_bytes(&in), "counter: rx bytes");
	is_int(st.tx_bytes, frame_bytes(&in), "counter: tx bytes");
	is_int(st.rx_missed + st.rx_nombuf + st.rx_errors + st.tx_errors, 0,
	       "counter: no drops, no errors");
	is_int(qs.rx_packets, in.n, "queue 0 counter: rx packets");
	is_int(qs.tx_packets, in.n, "queue 0 counter: tx packets");
	ok(dp_dpdk_stats(d, 1, &st, NULL, 0) == -EINVAL, "counters of a port index out of range");
	ok(dp_dpdk_stats(d, 0, &st, &qs, 2) == -EINVAL, "counters of more queues than workers");

	dp_dpdk_stop(d);
	check_out(pout, &in, "echo");

	rc = start(vdevs, "0", NULL, 0, 1, &d, err, sizeof(err));
	is_int(rc, -EALREADY, "a second start in the process is refused");
	ok(strstr(err, "once per process") != NULL, "and says why: %s", err);
	return tap_done();
}

static int
scenario_two(void)
{
	static struct frames in0, in1;
	char pin0[128], pin1[128], pout0[128], pout1[128], v0[300], v1[300], err[256] = "";
	const char *vdevs[] = {v0, v1, NULL};
	const char *ports[] = {"net_pcap1", "0"};
	struct dp_dpdk *d = NULL;
	struct dp_dpdk_port_stats st0, st1;
	struct fwd s0 = {0}, s1 = {0};
	unsigned empty0 = 0, empty1 = 0;
	int rc;

	path_in(pin0, sizeof(pin0), "in0.pcap");
	path_in(pin1, sizeof(pin1), "in1.pcap");
	path_in(pout0, sizeof(pout0), "out0.pcap");
	path_in(pout1, sizeof(pout1), "out1.pcap");
	make_frames(&in0, 100, 0x20);
	make_frames(&in1, 170, 0x31);
	if (write_pcap(pin0, &in0) != 0 || write_pcap(pin1, &in1) != 0) {
		printf("Bail out! cannot write the input files in %s\n", dir);
		return 1;
	}
	snprintf(v0, sizeof(v0), "net_pcap0,rx_pcap=%s,tx_pcap=%s", pin0, pout0);
	snprintf(v1, sizeof(v1), "net_pcap1,rx_pcap=%s,tx_pcap=%s", pin1, pout1);
	rc = start(vdevs, "0", ports, 2, 1, &d, err, sizeof(err));
	if (skip_if_no_eal(rc, err))
		return 0;
	if (!ok(rc == 0, "start with two net_pcap ports: %s", rc ? err : "ok"))
		return tap_done();
	is_int(dp_dpdk_nports(d), 2, "two ports");
	is_str(dp_dpdk_port(d, 0)->name, "net_pcap1", "port index 0 is the one named first");
	is_str(dp_dpdk_port(d, 1)->name, "net_pcap0", "port index 1 given by port id 0");
	is_int(dp_dpdk_port(d, 1)->port_id, 0, "port id 0");

	/* Index 0 (net_pcap1, reads in1) sends on index 1 (net_pcap0, writes out0). */
	while (empty0 < EMPTY_POLLS || empty1 < EMPTY_POLLS) {
		echo_burst(d, 0, 1, &s0, &empty0);
		echo_burst(d, 1, 0, &s1, &empty1);
	}
	check_fwd(&s0, in1.n, "net_pcap1 to net_pcap0");
	check_fwd(&s1, in0.n, "net_pcap0 to net_pcap1");
	ok(dp_dpdk_stats(d, 0, &st0, NULL, 0) == 0 && dp_dpdk_stats(d, 1, &st1, NULL, 0) == 0,
	   "counters of both ports");
	is_int(st0.rx_packets, in1.n, "net_pcap1 counted its input");
	is_int(st0.tx_packets, in0.n, "net_pcap1 counted what it sent");
	is_int(st1.rx_packets, in0.n, "net_pcap0 counted its input");
	is_int(st1.tx_packets, in1.n, "net_pcap0 counted what it sent");
	dp_dpdk_stop(d);
	check_out(pout0, &in1, "net_pcap0 output");
	check_out(pout1, &in0, "net_pcap1 output");
	return tap_done();
}

static int
scenario_queues(void)
{
	char pin[128], pout[128], vdev[300], err[256] = "";
	const char *vdevs[] = {vdev, NULL};
	static struct frames in;
	struct dp_dpdk *d = NULL;
	int rc;

	path_in(pin, sizeof(pin), "in.pcap");
	path_in(pout, sizeof(pout), "out.pcap");
	make_frames(&in, 1, 0);
	if (write_pcap(pin, &in) != 0) {
		printf("Bail out! cannot write %s\n", pin);
		return 1;
	}
	snprintf(vdev, sizeof(vdev), "net_pcap0,rx_pcap=%s,tx_pcap=%s", pin, pout);
	/* Two lcores on CPU 0, so the test needs one CPU only. */
	rc = start(vdevs, "0@0,1@0", NULL, 0, 2, &d, err, sizeof(err));
	if (skip_if_no_eal(rc, err))
		return 0;
	is_int(rc, -EINVAL, "two workers on a port with one queue pair are refused");
	ok(strstr(err, "net_pcap0 (net_pcap)") != NULL, "the error names port and driver: %s", err);
	ok(strstr(err, "1 RX and 1 TX queues") != NULL && strstr(err, "2 workers") != NULL,
	   "the error gives the counts");
	return tap_done();
}

static int
scenario_badport(void)
{
	char pin[128], vdev[300], err[256] = "";
	const char *vdevs[] = {vdev, NULL};
	const char *ports[] = {"net_pcap0", "net_pcap7"};
	static struct frames in;
	struct dp_dpdk *d = NULL;
	int rc;

	path_in(pin, sizeof(pin), "in.pcap");
	make_frames(&in, 1, 0);
	if (write_pcap(pin, &in) != 0) {
		printf("Bail out! cannot write %s\n", pin);
		return 1;
	}
	snprintf(vdev, sizeof(vdev), "net_pcap0,rx_pcap=%s", pin);
	rc = start(vdevs, "0", ports, 2, 1, &d, err, sizeof(err));
	if (skip_if_no_eal(rc, err))
		return 0;
	is_int(rc, -ENODEV, "a port that does not exist is refused");
	ok(strstr(err, "net_pcap7") != NULL, "the error names it: %s", err);
	return tap_done();
}

static double
now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static int
scenario_rate(void)
{
	char pin[128], vdev[300], err[256] = "";
	const char *vdevs[] = {vdev, NULL};
	static struct frames in;
	struct dp_dpdk_mbuf *bufs[DP_DPDK_BURST];
	struct dp_dpdk *d = NULL;
	uint64_t rx = 0, tx = 0;
	int rc;

	path_in(pin, sizeof(pin), "in.pcap");
	make_frames(&in, 64, 0x40);
	for (unsigned i = 0; i < in.n; i++)
		in.len[i] = 64;
	if (write_pcap(pin, &in) != 0) {
		printf("Bail out! cannot write %s\n", pin);
		return 1;
	}
	/* No TX file: net_pcap counts and drops what is sent. */
	snprintf(vdev, sizeof(vdev), "net_pcap0,rx_pcap=%s,infinite_rx=1", pin);
	rc = start(vdevs, "0", NULL, 0, 1, &d, err, sizeof(err));
	if (skip_if_no_eal(rc, err))
		return 0;
	if (!ok(rc == 0, "start with infinite_rx=1: %s", rc ? err : "ok"))
		return tap_done();
	double t0 = now_s(), t;
	do {
		uint16_t n = dp_dpdk_rx_burst(d, 0, 0, bufs, DP_DPDK_BURST);
		uint16_t sent = dp_dpdk_tx_burst(d, 0, 0, bufs, n);
		dp_dpdk_mbuf_free(bufs + sent, (unsigned)(n - sent));
		rx += n;
		tx += sent;
		t = now_s();
	} while (rx < 1000000 && t - t0 < 20);
	ok(rx >= 100000, "infinite_rx delivers at least 1e5 frames (%llu)", (unsigned long long)rx);
	is_int(tx, rx, "the port took every frame");
	diag("net_pcap infinite_rx echo of 64-octet frames: %llu frames in %.3f s, %.2f Mpps",
	     (unsigned long long)rx, t - t0, (double)rx / (t - t0) / 1e6);
	dp_dpdk_stop(d);
	return tap_done();
}

static void
remove_dir(void)
{
	static const char *const names[] = {"in.pcap", "out.pcap", "in0.pcap", "in1.pcap",
					    "out0.pcap", "out1.pcap"};
	char p[128];

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		path_in(p, sizeof(p), names[i]);
		unlink(p);
	}
	rmdir(dir);
}

int
main(int argc, char **argv)
{
	static const struct {
		const char *name;
		int (*run)(void);
	} scenarios[] = {
		{"echo", scenario_echo}, {"two", scenario_two}, {"queues", scenario_queues},
		{"badport", scenario_badport}, {"rate", scenario_rate},
	};
	int rc = -1;

	snprintf(dir, sizeof(dir), "/tmp/sigedge-dpdk-XXXXXX");
	if (!mkdtemp(dir)) {
		printf("Bail out! mkdtemp: %s\n", strerror(errno));
		return 1;
	}
	for (size_t i = 0; argc == 2 && i < sizeof(scenarios) / sizeof(scenarios[0]); i++)
		if (strcmp(argv[1], scenarios[i].name) == 0)
			rc = scenarios[i].run();
	if (rc < 0) {
		printf("Bail out! usage: %s echo|two|queues|badport|rate\n", argv[0]);
		rc = 1;
	}
	remove_dir();
	return rc;
}
