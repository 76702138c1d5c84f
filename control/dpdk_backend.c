/* SPDX-License-Identifier: BSD-3-Clause */
#include "control/dpdk_backend.h"

#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "control/log.h"
#include "dataplane/io/dpdk.h"
#include "dataplane/io/dpdk_loop.h"
#include "dataplane/io/kernpath.h"
#include "dataplane/io/pkt.h"
#include "dataplane/io/socket.h"
#include "dataplane/io/tap.h"
#include "dns/err.h"

/* How long start-up waits for the ports' links. */
#define LINK_WAIT_MS 2000
/*
 * The longest a worker holds replies to send them in one burst: under light
 * load frames would otherwise go out one per burst, each burst costing a
 * system call (af_packet, af_xdp) or a doorbell (NICs).
 */
#define TX_DRAIN_US 50

struct ctl_dpdk {
	const struct ctl_config *cfg;
	struct dp_dpdk *d;
	struct dp_runtime *rt;            /* set by ctl_dpdk_run */
	unsigned nworkers;                /* DPDK workers */
	unsigned ninit;                   /* DPDK workers set up (to be finalised) */
	struct dp_pkt_config *pcfg;       /* [nports] */
	struct dp_worker *w;              /* [nworkers], cache-aligned */
	struct dp_worker **wp;            /* [nworkers + 1]: &w[i], then the kernel path's */
	size_t nwp;
	struct dp_dpdk_loop *loop;        /* [nworkers], cache-aligned */
	void **args;                      /* [nworkers]: &loop[i], for dp_dpdk_launch */
	char (*tap)[DP_TAP_NAME_MAX + 1]; /* [nports]: TAP interface names */
	struct dp_kernpath *kp;           /* NULL without a kernel path */
	struct dp_socket *ks;             /* the kernel path's sockets (worker id nworkers) */
};

static const char *const loop_names[DP_DPDK_CNT__MAX] = {
	[DP_DPDK_CNT_ANSWERED] = "answered",
	[DP_DPDK_CNT_REPLIED] = "replied",
	[DP_DPDK_CNT_EXCEPTION] = "exception",
	[DP_DPDK_CNT_FROM_KERNEL] = "from-kernel",
	[DP_DPDK_CNT_TX_FAILED] = "tx-failed",
	[DP_DPDK_CNT_NO_MBUF] = "no-mbuf",
	[DP_DPDK_CNT_BUSY] = "busy-us",
};

/* The served addresses and each port's MAC and VLAN. */
static void
pkt_configs(struct ctl_dpdk *b, const struct ctl_config *cfg)
{
	struct dp_pkt_config base = { .vlan = (uint16_t)cfg->dpdk_vlan, .dns_port = CTL_PORT_DEFAULT };
	for (size_t i = 0; i < cfg->nlisten; i++) {
		const struct dp_listen *l = &cfg->listen[i];
		if (l->addr.ss_family == AF_INET6) {
			const struct sockaddr_in6 *a = (const struct sockaddr_in6 *)&l->addr;
			memcpy(base.ip6[base.n_ip6++], &a->sin6_addr, 16);
			base.dns_port = ntohs(a->sin6_port);
		} else {
			const struct sockaddr_in *a = (const struct sockaddr_in *)&l->addr;
			memcpy(base.ip4[base.n_ip4++], &a->sin_addr, 4);
			base.dns_port = ntohs(a->sin_port);
		}
	}
	for (unsigned p = 0; p < dp_dpdk_nports(b->d); p++) {
		b->pcfg[p] = base;
		memcpy(b->pcfg[p].mac, dp_dpdk_port(b->d, p)->mac, DP_PKT_ETH_ALEN);
	}
}

/* The TAP interfaces, named after the ports' indexes, and the thread between them and the workers. */
static int
kernel_path(struct ctl_dpdk *b, char *err, size_t errlen)
{
	unsigned np = dp_dpdk_nports(b->d);
	const char **names = calloc(np, sizeof(*names));
	if (!names)
		return dns_errf(err, errlen, -ENOMEM, "out of memory");
	for (unsigned p = 0; p < np; p++) {
		snprintf(b->tap[p], sizeof(b->tap[p]), "%s%u", b->cfg->dpdk_tap, p);
		names[p] = b->tap[p];
	}
	struct dp_kernpath_config kc = {
		.d = b->d,
		.tap = names,
		.pkt = b->pcfg,
		.prefix4 = b->cfg->dpdk_prefix4,
		.prefix6 = b->cfg->dpdk_prefix6,
	};
	int rc = dp_kernpath_start(&kc, &b->kp, err, errlen);
	free(names);
	return rc;
}

/* A UDP answer longer than one frame of the port's MTU holds goes out truncated: say so. */
static void
check_mtu(const struct ctl_dpdk *b)
{
	for (unsigned p = 0; p < dp_dpdk_nports(b->d); p++) {
		const struct dp_dpdk_port_info *pi = dp_dpdk_port(b->d, p);
		/* IPv6 and UDP headers; IPv4's are 20 octets shorter. */
		unsigned room6 = pi->mtu > 48 ? pi->mtu - 48u : 0;
		if (b->cfg->udp_max_payload > room6)
			ctl_log(CTL_LOG_WARNING, "port %s: MTU %u holds at most %u octets of DNS over "
				"IPv4 and %u over IPv6, less than udp-max-payload %u: longer UDP "
				"answers are sent truncated, for a retry over TCP", pi->name,
				(unsigned)pi->mtu, room6 + 20, room6, b->cfg->udp_max_payload);
	}
}

int
ctl_dpdk_open(const struct ctl_config *cfg, struct ctl_dpdk **out, unsigned *workers,
	      char *err, size_t errlen)
{
	struct ctl_dpdk *b = calloc(1, sizeof(*b));
	if (!b)
		return dns_errf(err, errlen, -ENOMEM, "out of memory");
	struct dp_dpdk_config dc = {
		.eal_argv = (const char *const *)cfg->dpdk_eal,
		.eal_argc = (int)cfg->ndpdk_eal,
		.ports = (const char *const *)cfg->dpdk_ports,
		.nports = (unsigned)cfg->ndpdk_ports,
		.workers = cfg->workers,
		.control_main = true,
		.link_wait_ms = LINK_WAIT_MS,
		.extra_mbufs = cfg->dpdk_tap ? DP_KERNPATH_MBUFS : 0,
		.tx_drain_us = TX_DRAIN_US,
	};
	int rc = dp_dpdk_start(&dc, &b->d, err, errlen);
	if (rc < 0) {
		free(b);
		return rc;
	}
	b->cfg = cfg;
	b->nworkers = dp_dpdk_workers(b->d);
	unsigned np = dp_dpdk_nports(b->d);
	size_t wsz = ((size_t)b->nworkers * sizeof(*b->w) + 63) & ~(size_t)63;
	size_t lsz = ((size_t)b->nworkers * sizeof(*b->loop) + 63) & ~(size_t)63;
	b->pcfg = calloc(np, sizeof(*b->pcfg));
	b->w = aligned_alloc(64, wsz);
	b->loop = aligned_alloc(64, lsz);
	b->wp = calloc(b->nworkers + 1, sizeof(*b->wp));
	b->args = calloc(b->nworkers, sizeof(*b->args));
	b->tap = calloc(np, sizeof(*b->tap));
	if (!b->pcfg || !b->w || !b->loop || !b->wp || !b->args || !b->tap) {
		ctl_dpdk_close(b);
		return dns_errf(err, errlen, -ENOMEM, "out of memory");
	}
	memset(b->w, 0, wsz);
	memset(b->loop, 0, lsz);
	pkt_configs(b, cfg);
	check_mtu(b);
	if (cfg->dpdk_tap && (rc = kernel_path(b, err, errlen)) < 0) {
		ctl_dpdk_close(b);
		return rc;
	}
	/* The kernel path's socket worker takes the id after the DPDK workers'. */
	*workers = b->nworkers + (b->kp ? 1 : 0);
	*out = b;
	return 0;
}

static int
worker_main(void *arg)
{
	dp_dpdk_loop_run(arg);
	return 0;
}

int
ctl_dpdk_run(struct ctl_dpdk *b, struct dp_runtime *rt, char *err, size_t errlen)
{
	struct dp_dpdk_kernel hook;
	if (b->kp)
		dp_kernpath_hook(b->kp, &hook);
	b->rt = rt;
	for (unsigned i = 0; i < b->nworkers; i++) {
		if (dp_worker_init(&b->w[i], rt, i) != 0)
			return dns_errf(err, errlen, -ENOMEM, "worker %u: out of memory", i);
		b->ninit = i + 1;
		int rc = dp_dpdk_loop_init(&b->loop[i], b->d, i, &b->w[i], b->pcfg,
					   b->kp ? &hook : NULL);
		if (rc < 0)
			return dns_errf(err, errlen, rc, "worker %u: %s", i, strerror(-rc));
		b->wp[i] = &b->w[i];
		b->args[i] = &b->loop[i];
	}
	b->nwp = b->nworkers;
	if (b->kp) {
		/* The kernel path's sockets, on the addresses the TAP interfaces hold. */
		struct dp_socket_config sc = {
			.listen = b->cfg->listen,
			.nlisten = b->cfg->nlisten,
			.workers = 1,
			.tcp_idle_ms = (int)b->cfg->tcp_idle_ms,
			.first_id = b->nworkers,
		};
		char serr[512];
		int rc = dp_socket_start(rt, &sc, &b->ks, serr, sizeof(serr));
		if (rc < 0) {
			b->ks = NULL;
			return dns_errf(err, errlen, rc, "kernel path: %s", serr);
		}
		struct dp_worker *const *kw;
		dp_socket_workers(b->ks, &kw);
		b->wp[b->nwp++] = kw[0];
	}
	int rc = dp_dpdk_launch(b->d, worker_main, b->args);
	if (rc < 0) {
		atomic_store_explicit(&rt->stop, true, memory_order_relaxed);
		dp_dpdk_wait(b->d);
		return dns_errf(err, errlen, rc, "launching the workers: %s", strerror(-rc));
	}
	unsigned np = dp_dpdk_nports(b->d);
	ctl_log(CTL_LOG_INFO, "DPDK: %u worker%s on %u port%s; kernel path %s%s%s", b->nworkers,
		b->nworkers == 1 ? "" : "s", np, np == 1 ? "" : "s", b->kp ? "on " : "off",
		b->kp ? b->tap[0] : "", b->kp && np > 1 ? " and more" : "");
	return 0;
}

void
ctl_dpdk_close(struct ctl_dpdk *b)
{
	if (!b)
		return;
	if (b->rt)
		atomic_store_explicit(&b->rt->stop, true, memory_order_relaxed);
	if (b->d)
		dp_dpdk_wait(b->d);
	dp_socket_stop(b->ks);
	/* Its rings hold buffers of the DPDK mempools: before dp_dpdk_stop. */
	dp_kernpath_stop(b->kp);
	for (unsigned i = 0; i < b->ninit; i++)
		dp_worker_fini(&b->w[i]);
	dp_dpdk_stop(b->d);
	free(b->tap);
	free(b->args);
	free(b->wp);
	free(b->loop);
	free(b->w);
	free(b->pcfg);
	free(b);
}

size_t
ctl_dpdk_workers(const struct ctl_dpdk *b, struct dp_worker *const **out)
{
	*out = b->wp;
	return b->nwp;
}

void
ctl_dpdk_status(const struct ctl_dpdk *b, struct ctl_buf *body)
{
	static const struct {
		unsigned bit;
		const char *name;
	} offl[] = {
		{ DP_DPDK_RX_IPV4_CKSUM, "rx-ipv4-cksum" }, { DP_DPDK_RX_UDP_CKSUM, "rx-udp-cksum" },
		{ DP_DPDK_TX_IPV4_CKSUM, "tx-ipv4-cksum" }, { DP_DPDK_TX_UDP_CKSUM, "tx-udp-cksum" },
	};
	ctl_buf_printf(body, "dpdk-vlan: %u\n", (unsigned)b->pcfg[0].vlan);
	ctl_buf_printf(body, "dpdk-kernel-path:");
	for (unsigned p = 0; b->kp && p < dp_dpdk_nports(b->d); p++)
		ctl_buf_printf(body, " %s", b->tap[p]);
	if (b->kp)
		ctl_buf_printf(body, " prefix %u/%u, 1 worker\n", b->cfg->dpdk_prefix4,
			       b->cfg->dpdk_prefix6);
	else
		ctl_buf_printf(body, " none\n");
	for (unsigned p = 0; p < dp_dpdk_nports(b->d); p++) {
		const struct dp_dpdk_port_info *pi = dp_dpdk_port(b->d, p);
		const uint8_t *m = pi->mac;
		ctl_buf_printf(body, "port: %s id=%u driver=%s mac=%02x:%02x:%02x:%02x:%02x:%02x "
			       "offloads=", pi->name, (unsigned)pi->port_id, pi->driver, m[0], m[1],
			       m[2], m[3], m[4], m[5]);
		bool any = false;
		for (size_t k = 0; k < sizeof(offl) / sizeof(offl[0]); k++) {
			if (!(pi->offloads & offl[k].bit))
				continue;
			ctl_buf_printf(body, "%s%s", any ? "," : "", offl[k].name);
			any = true;
		}
		ctl_buf_printf(body, "%s rss=%s link=%s speed=%u mtu=%u tap=%s\n", any ? "" : "none",
			       pi->rss_hf ? "on" : "off", pi->link_up ? "up" : "down",
			       (unsigned)pi->link_speed_mbps, (unsigned)pi->mtu,
			       b->kp ? b->tap[p] : "none");
	}
}

/* Worker w's loop counter c as shown: busy time in microseconds, the others as counted. */
static unsigned long long
loop_value(const struct ctl_dpdk *b, unsigned w, int c)
{
	uint64_t v = dp_dpdk_loop_counter(&b->loop[w], (enum dp_dpdk_loop_counter)c);
	if (c == DP_DPDK_CNT_BUSY)
		return (unsigned long long)((long double)v * 1e6L / (long double)dp_dpdk_tsc_hz());
	return v;
}

void
ctl_dpdk_stats(const struct ctl_dpdk *b, bool per_worker, struct ctl_buf *body)
{
	for (int c = 0; c < DP_DPDK_CNT__MAX; c++) {
		unsigned long long sum = 0;
		for (unsigned w = 0; w < b->ninit; w++)
			sum += loop_value(b, w, c);
		ctl_buf_printf(body, "dpdk.%s: %llu\n", loop_names[c], sum);
	}
	/* Frames dropped or sent to the kernel path, by why (enum dp_pkt_reason). */
	for (unsigned r = DP_PKT_R_NONE + 1; r < DP_PKT_R_COUNT; r++) {
		unsigned long long sum = 0;
		for (unsigned w = 0; w < b->ninit; w++)
			sum += dp_dpdk_loop_reason(&b->loop[w], (enum dp_pkt_reason)r);
		ctl_buf_printf(body, "dpdk.reason.%s: %llu\n", dp_pkt_reason_str(r), sum);
	}
	for (unsigned w = 0; per_worker && w < b->ninit; w++)
		for (int c = 0; c < DP_DPDK_CNT__MAX; c++)
			ctl_buf_printf(body, "worker.%u.dpdk.%s: %llu\n", w, loop_names[c],
				       loop_value(b, w, c));
	if (b->kp) {
		struct dp_kernpath_stats ks;
		dp_kernpath_stats(b->kp, &ks);
		ctl_buf_printf(body, "kernel-path.to-kernel: %llu\nkernel-path.from-kernel: %llu\n"
			       "kernel-path.dropped: %llu\n", (unsigned long long)ks.to_kernel,
			       (unsigned long long)ks.from_kernel, (unsigned long long)ks.dropped);
	}
	for (unsigned p = 0; p < dp_dpdk_nports(b->d); p++) {
		const char *name = dp_dpdk_port(b->d, p)->name;
		struct dp_dpdk_port_stats st;
		struct dp_dpdk_queue_stats q[DP_DPDK_QUEUE_STATS];
		unsigned nq = per_worker ? b->nworkers : 0;
		if (nq > DP_DPDK_QUEUE_STATS)
			nq = DP_DPDK_QUEUE_STATS;
		if (dp_dpdk_stats(b->d, p, &st, q, nq) != 0)
			continue;
		const struct {
			const char *n;
			uint64_t v;
		} f[] = {
			{ "rx-packets", st.rx_packets }, { "rx-bytes", st.rx_bytes },
			{ "tx-packets", st.tx_packets }, { "tx-bytes", st.tx_bytes },
			{ "rx-missed", st.rx_missed }, { "rx-nombuf", st.rx_nombuf },
			{ "rx-errors", st.rx_errors }, { "tx-errors", st.tx_errors },
		};
		for (size_t k = 0; k < sizeof(f) / sizeof(f[0]); k++)
			ctl_buf_printf(body, "port.%s.%s: %llu\n", name, f[k].n,
				       (unsigned long long)f[k].v);
		/* Queue i is worker i's. */
		for (unsigned i = 0; i < nq; i++)
			ctl_buf_printf(body, "port.%s.queue.%u.rx-packets: %llu\n"
				       "port.%s.queue.%u.tx-packets: %llu\n"
				       "port.%s.queue.%u.rx-errors: %llu\n", name, i,
				       (unsigned long long)q[i].rx_packets, name, i,
				       (unsigned long long)q[i].tx_packets, name, i,
				       (unsigned long long)q[i].rx_errors);
	}
}
