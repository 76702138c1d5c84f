/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The rings (dp_dpdk_ring_*) use the C11 memory-model variant of rte_ring's
 * inline code: acquire and release atomics, which cost the same as the
 * default variant's barriers on x86 and which ThreadSanitizer understands.
 */
#define RTE_USE_C11_MEM_MODEL 1
#include "dataplane/io/dpdk.h"

#include <errno.h>
#include <limits.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_log.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>
#include <rte_ring.h>

#include "dns/err.h"

struct dp_dpdk {
	unsigned nports;
	unsigned workers;
	bool control_main;                    /* no worker on the main lcore */
	unsigned extra_mbufs;                 /* per worker, in the caller's rings */
	bool launched;                        /* dp_dpdk_launch started workers */
	uint16_t *port_ids;                   /* [nports] */
	struct dp_dpdk_port_info *info;       /* [nports] */
	unsigned *lcore;                      /* [workers] */
	struct rte_mempool **wpool;           /* [workers]: pool of the worker's socket */
	struct wtx *wtx;                      /* [workers]: buffered TX */
	struct run *run;                      /* [workers]: dp_dpdk_launch's */
	uint64_t drain_ticks;                 /* tx_drain_us in time-stamp counter ticks */
	struct rte_mempool *pool[RTE_MAX_NUMA_NODES];
	unsigned nconfigured;                 /* ports configured so far (closed at stop) */
	char **strs;                          /* the copied arguments, [argc] */
	char **argv;                          /* argv given to EAL, which rearranges it */
	int argc;
};

/*
 * A launched worker. EAL hands the function over and back through its own
 * library, which ThreadSanitizer does not see; go and done repeat that
 * hand-over with atomics it does see (and cost nothing worth measuring).
 */
struct run {
	int (*fn)(void *arg);
	void *arg;
	atomic_bool go, done;
};

/* One worker's buffered TX: a buffer per port, written by the worker only. */
struct wtx {
	struct rte_eth_dev_tx_buffer **buf;   /* [nports] */
	uint64_t drained;                     /* time-stamp counter at the last drain */
	_Atomic uint64_t dropped;             /* frames the ports did not take */
} __attribute__((aligned(64)));

_Static_assert(DP_DPDK_QUEUE_STATS == RTE_ETHDEV_QUEUE_STAT_CNTRS,
	       "per-queue counters kept by ethdev");

/* rte_eal_init may run once per process, even after rte_eal_cleanup. */
static bool eal_used;


static int
eal_errno(void)
{
	return rte_errno > 0 ? -rte_errno : -EINVAL;
}

static void
free_argv(struct dp_dpdk *d)
{
	for (int i = 0; d->strs && i < d->argc; i++)
		free(d->strs[i]);
	free(d->strs);
	free(d->argv);
}

static int
copy_argv(struct dp_dpdk *d, const struct dp_dpdk_config *cfg)
{
	d->strs = calloc((size_t)cfg->eal_argc + 1, sizeof(*d->strs));
	d->argv = calloc((size_t)cfg->eal_argc + 2, sizeof(*d->argv));
	if (!d->strs || !d->argv)
		return -ENOMEM;
	d->strs[d->argc++] = strdup("sigedge");
	for (int i = 0; i < cfg->eal_argc; i++)
		d->strs[d->argc++] = strdup(cfg->eal_argv[i] ? cfg->eal_argv[i] : "");
	for (int i = 0; i < d->argc; i++) {
		if (!d->strs[i])
			return -ENOMEM;
		d->argv[i] = d->strs[i];
	}
	return 0;
}

/* Tears down everything dp_dpdk_start set up; eal: EAL was initialised. */
static void
teardown(struct dp_dpdk *d, bool eal)
{
	for (unsigned i = 0; i < d->nconfigured; i++) {
		rte_eth_dev_stop(d->port_ids[i]);
		rte_eth_dev_close(d->port_ids[i]);
	}
	for (unsigned w = 0; d->wtx && w < d->workers; w++) {
		for (unsigned i = 0; d->wtx[w].buf && i < d->nports; i++)
			rte_free(d->wtx[w].buf[i]);
		free(d->wtx[w].buf);
	}
	free(d->wtx);
	for (unsigned s = 0; s < RTE_MAX_NUMA_NODES; s++)
		rte_mempool_free(d->pool[s]);
	if (eal) {
		/* EAL leaves its runtime directory behind; remove it when empty. */
		char rundir[PATH_MAX];
		snprintf(rundir, sizeof(rundir), "%s", rte_eal_get_runtime_dir());
		rte_eal_cleanup();
		rmdir(rundir);
	}
	free_argv(d);
	free(d->port_ids);
	free(d->info);
	free(d->lcore);
	free(d->wpool);
	free(d->run);
	free(d);
}

static int
find_port(const char *spec, uint16_t *id)
{
	char *end;
	unsigned long v;

	if (spec[0] >= '0' && spec[0] <= '9') {
		errno = 0;
		v = strtoul(spec, &end, 10);
		if (errno || *end || v >= RTE_MAX_ETHPORTS || !rte_eth_dev_is_valid_port((uint16_t)v))
			return -ENODEV;
		*id = (uint16_t)v;
		return 0;
	}
	return rte_eth_dev_get_port_by_name(spec, id) == 0 ? 0 : -ENODEV;
}

static int
find_ports(struct dp_dpdk *d, const struct dp_dpdk_config *cfg, char *err, size_t errlen)
{
	uint16_t pid;
	unsigned n = cfg->nports ? cfg->nports : rte_eth_dev_count_avail();

	if (n == 0)
		return dns_errf(err, errlen, -ENODEV,
			    "no DPDK ports (give a --vdev or a device EAL can probe)");
	d->port_ids = calloc(n, sizeof(*d->port_ids));
	d->info = calloc(n, sizeof(*d->info));
	if (!d->port_ids || !d->info)
		return dns_errf(err, errlen, -ENOMEM, "out of memory");
	if (cfg->nports == 0) {
		RTE_ETH_FOREACH_DEV(pid) {
			if (d->nports == n)
				break;
			d->port_ids[d->nports++] = pid;
		}
		return 0;
	}
	for (unsigned i = 0; i < n; i++) {
		const char *spec = cfg->ports[i] ? cfg->ports[i] : "";
		if (find_port(spec, &pid) < 0)
			return dns_errf(err, errlen, -ENODEV, "%s: no such DPDK port", spec);
		for (unsigned j = 0; j < i; j++)
			if (d->port_ids[j] == pid)
				return dns_errf(err, errlen, -EINVAL, "%s: port %u given twice",
					    spec, (unsigned)pid);
		d->port_ids[d->nports++] = pid;
	}
	return 0;
}

static int
assign_lcores(struct dp_dpdk *d, char *err, size_t errlen)
{
	unsigned lc, w = 0, avail = rte_lcore_count() - (d->control_main ? 1u : 0u);

	if (d->workers == 0)
		d->workers = avail;
	if (d->workers == 0)
		return dns_errf(err, errlen, -EINVAL,
			    "no lcore for a worker: EAL has 1 lcore, the main one is for control (-l)");
	if (avail < d->workers)
		return dns_errf(err, errlen, -EINVAL, "%u workers need %u lcores%s, EAL has %u (-l)",
			    d->workers, d->workers + (d->control_main ? 1u : 0u),
			    d->control_main ? " (one more for control)" : "", rte_lcore_count());
	d->lcore = calloc(d->workers, sizeof(*d->lcore));
	d->wpool = calloc(d->workers, sizeof(*d->wpool));
	d->run = calloc(d->workers, sizeof(*d->run));
	if (!d->lcore || !d->wpool || !d->run)
		return dns_errf(err, errlen, -ENOMEM, "out of memory");
	if (!d->control_main)
		d->lcore[w++] = rte_get_main_lcore();
	RTE_LCORE_FOREACH_WORKER(lc) {
		if (w == d->workers)
			break;
		d->lcore[w++] = lc;
	}
	return 0;
}

static unsigned
worker_socket(const struct dp_dpdk *d, unsigned w)
{
	unsigned s = rte_lcore_to_socket_id(d->lcore[w]);

	return s < RTE_MAX_NUMA_NODES ? s : 0;
}

/* The sizing formula is documented in dpdk.h. */
static int
create_pools(struct dp_dpdk *d, uint16_t rxd, uint16_t txd, char *err, size_t errlen)
{
	unsigned nw[RTE_MAX_NUMA_NODES] = {0};
	char name[RTE_MEMPOOL_NAMESIZE];

	for (unsigned w = 0; w < d->workers; w++)
		nw[worker_socket(d, w)]++;
	for (unsigned s = 0; s < RTE_MAX_NUMA_NODES; s++) {
		if (!nw[s])
			continue;
		unsigned n = d->nports * nw[s] * (rxd + txd + 2u * DP_DPDK_BURST) +
			     nw[s] * (DP_DPDK_POOL_CACHE * 3 / 2 + d->extra_mbufs);
		snprintf(name, sizeof(name), "sigedge_%u", s);
		d->pool[s] = rte_pktmbuf_pool_create(name, n, DP_DPDK_POOL_CACHE, 0,
						     RTE_PKTMBUF_HEADROOM + DP_DPDK_MBUF_ROOM,
						     (int)s);
		if (!d->pool[s])
			return dns_errf(err, errlen, eal_errno(),
				    "mempool of %u buffers on NUMA socket %u: %s (raise -m?)",
				    n, s, rte_strerror(rte_errno));
	}
	for (unsigned w = 0; w < d->workers; w++)
		d->wpool[w] = d->pool[worker_socket(d, w)];
	return 0;
}

static int
configure_port(struct dp_dpdk *d, unsigned i, uint16_t rxd, uint16_t txd,
	       char *err, size_t errlen)
{
	struct dp_dpdk_port_info *pi = &d->info[i];
	uint16_t pid = d->port_ids[i];
	struct rte_eth_dev_info dev;
	struct rte_eth_conf conf;
	struct rte_ether_addr mac;
	int rc;

	pi->port_id = pid;
	pi->socket = rte_eth_dev_socket_id(pid);
	if (rte_eth_dev_get_name_by_port(pid, pi->name) != 0)
		snprintf(pi->name, sizeof(pi->name), "port %u", (unsigned)pid);
	rc = rte_eth_dev_info_get(pid, &dev);
	if (rc < 0)
		return dns_errf(err, errlen, rc, "%s: device info: %s", pi->name, rte_strerror(-rc));
	snprintf(pi->driver, sizeof(pi->driver), "%s", dev.driver_name ? dev.driver_name : "?");
	if (dev.max_rx_queues < d->workers || dev.max_tx_queues < d->workers)
		return dns_errf(err, errlen, -EINVAL,
			    "%s (%s): the driver offers %u RX and %u TX queues; %u workers need %u of each",
			    pi->name, pi->driver, (unsigned)dev.max_rx_queues,
			    (unsigned)dev.max_tx_queues, d->workers, d->workers);

	memset(&conf, 0, sizeof(conf));
	if (d->workers > 1 && dev.flow_type_rss_offloads) {
		uint64_t hf = (RTE_ETH_RSS_IP | RTE_ETH_RSS_UDP) & dev.flow_type_rss_offloads;
		conf.rxmode.mq_mode = RTE_ETH_MQ_RX_RSS;
		conf.rx_adv_conf.rss_conf.rss_hf = hf ? hf : dev.flow_type_rss_offloads;
		pi->rss_hf = conf.rx_adv_conf.rss_conf.rss_hf;
	}
	if (dev.rx_offload_capa & RTE_ETH_RX_OFFLOAD_IPV4_CKSUM) {
		conf.rxmode.offloads |= RTE_ETH_RX_OFFLOAD_IPV4_CKSUM;
		pi->offloads |= DP_DPDK_RX_IPV4_CKSUM;
	}
	if (dev.rx_offload_capa & RTE_ETH_RX_OFFLOAD_UDP_CKSUM) {
		conf.rxmode.offloads |= RTE_ETH_RX_OFFLOAD_UDP_CKSUM;
		pi->offloads |= DP_DPDK_RX_UDP_CKSUM;
	}
	if (dev.tx_offload_capa & RTE_ETH_TX_OFFLOAD_IPV4_CKSUM) {
		conf.txmode.offloads |= RTE_ETH_TX_OFFLOAD_IPV4_CKSUM;
		pi->offloads |= DP_DPDK_TX_IPV4_CKSUM;
	}
	if (dev.tx_offload_capa & RTE_ETH_TX_OFFLOAD_UDP_CKSUM) {
		conf.txmode.offloads |= RTE_ETH_TX_OFFLOAD_UDP_CKSUM;
		pi->offloads |= DP_DPDK_TX_UDP_CKSUM;
	}

	/* From here on the port must be closed at teardown. */
	d->nconfigured = i + 1;
	rc = rte_eth_dev_configure(pid, (uint16_t)d->workers, (uint16_t)d->workers, &conf);
	if (rc < 0)
		return dns_errf(err, errlen, rc, "%s (%s): configure %u queue pairs: %s",
			    pi->name, pi->driver, d->workers, rte_strerror(-rc));
	rc = rte_eth_dev_adjust_nb_rx_tx_desc(pid, &rxd, &txd);
	if (rc < 0)
		return dns_errf(err, errlen, rc, "%s (%s): ring sizes: %s",
			    pi->name, pi->driver, rte_strerror(-rc));
	for (unsigned q = 0; q < d->workers; q++) {
		unsigned s = worker_socket(d, q);
		rc = rte_eth_rx_queue_setup(pid, (uint16_t)q, rxd, s, NULL, d->wpool[q]);
		if (rc < 0)
			return dns_errf(err, errlen, rc, "%s (%s): RX queue %u (%u descriptors): %s",
				    pi->name, pi->driver, q, (unsigned)rxd, rte_strerror(-rc));
		rc = rte_eth_tx_queue_setup(pid, (uint16_t)q, txd, s, NULL);
		if (rc < 0)
			return dns_errf(err, errlen, rc, "%s (%s): TX queue %u (%u descriptors): %s",
				    pi->name, pi->driver, q, (unsigned)txd, rte_strerror(-rc));
	}
	if (rte_eth_macaddr_get(pid, &mac) == 0)
		memcpy(pi->mac, mac.addr_bytes, sizeof(pi->mac));
	uint16_t mtu = 0;
	pi->mtu = rte_eth_dev_get_mtu(pid, &mtu) == 0 && mtu ? mtu : DP_DPDK_MTU_DEFAULT;
	rc = rte_eth_dev_start(pid);
	if (rc < 0)
		return dns_errf(err, errlen, rc, "%s (%s): start: %s",
			    pi->name, pi->driver, rte_strerror(-rc));
	return 0;
}

static void
wait_links(struct dp_dpdk *d, unsigned wait_ms)
{
	const struct timespec tick = {.tv_nsec = 10 * 1000 * 1000};
	struct rte_eth_link link;
	unsigned waited = 0;

	for (;;) {
		bool all_up = true;
		for (unsigned i = 0; i < d->nports; i++) {
			memset(&link, 0, sizeof(link));
			rte_eth_link_get_nowait(d->port_ids[i], &link);
			d->info[i].link_up = link.link_status == RTE_ETH_LINK_UP;
			d->info[i].link_speed_mbps = link.link_speed;
			all_up = all_up && d->info[i].link_up;
		}
		if (all_up || waited >= wait_ms)
			return;
		nanosleep(&tick, NULL);
		waited += 10;
	}
}

/* Frames a port did not take from a TX buffer: freed and counted for the worker. */
static void
tx_unsent(struct rte_mbuf **pkts, uint16_t unsent, void *arg)
{
	struct wtx *t = arg;

	rte_pktmbuf_free_bulk(pkts, unsent);
	atomic_store_explicit(&t->dropped,
			      atomic_load_explicit(&t->dropped, memory_order_relaxed) + unsent,
			      memory_order_relaxed);
}

static int
tx_buffers(struct dp_dpdk *d, unsigned drain_us, char *err, size_t errlen)
{
	d->drain_ticks = rte_get_tsc_hz() / 1000000 * drain_us;
	d->wtx = aligned_alloc(64, d->workers * sizeof(*d->wtx));
	if (!d->wtx)
		return dns_errf(err, errlen, -ENOMEM, "out of memory");
	memset(d->wtx, 0, d->workers * sizeof(*d->wtx));
	for (unsigned w = 0; w < d->workers; w++) {
		struct wtx *t = &d->wtx[w];
		t->buf = calloc(d->nports, sizeof(*t->buf));
		if (!t->buf)
			return dns_errf(err, errlen, -ENOMEM, "out of memory");
		for (unsigned i = 0; i < d->nports; i++) {
			t->buf[i] = rte_zmalloc_socket("sigedge_txbuf",
						       RTE_ETH_TX_BUFFER_SIZE(DP_DPDK_BURST), 0,
						       (int)worker_socket(d, w));
			if (!t->buf[i])
				return dns_errf(err, errlen, -ENOMEM, "TX buffers: out of memory");
			rte_eth_tx_buffer_init(t->buf[i], DP_DPDK_BURST);
			rte_eth_tx_buffer_set_err_callback(t->buf[i], tx_unsent, t);
		}
	}
	return 0;
}

int
dp_dpdk_start(const struct dp_dpdk_config *cfg, struct dp_dpdk **out,
	      char *err, size_t errlen)
{
	struct dp_dpdk *d;
	uint16_t rxd, txd;
	int rc;

	if (eal_used)
		return dns_errf(err, errlen, -EALREADY,
			    "EAL was already initialised in this process (once per process)");
	if (cfg->eal_argc < 0 || (cfg->nports && !cfg->ports) ||
	    (cfg->eal_argc && !cfg->eal_argv))
		return dns_errf(err, errlen, -EINVAL, "invalid DPDK configuration");
	d = calloc(1, sizeof(*d));
	if (!d)
		return dns_errf(err, errlen, -ENOMEM, "out of memory");
	d->workers = cfg->workers;
	d->control_main = cfg->control_main;
	d->extra_mbufs = cfg->extra_mbufs;
	rc = copy_argv(d, cfg);
	if (rc < 0) {
		teardown(d, false);
		return dns_errf(err, errlen, rc, "out of memory");
	}

	/* Keep stdout for the program; EAL would log to stdout and syslog. */
	rte_openlog_stream(stderr);
	eal_used = true;
	rc = rte_eal_init(d->argc, d->argv);
	if (rc < 0) {
		rc = dns_errf(err, errlen, eal_errno(), "EAL initialisation failed: %s",
			  rte_strerror(rte_errno));
		teardown(d, false);
		return rc;
	}
	if (rc + 1 < d->argc) {
		/* getopt moved the arguments EAL did not take to the end. */
		rc = dns_errf(err, errlen, -EINVAL, "not an EAL argument: %s", d->argv[rc + 1]);
		goto out;
	}
	rxd = cfg->rx_ring ? cfg->rx_ring : DP_DPDK_RING_DEFAULT;
	txd = cfg->tx_ring ? cfg->tx_ring : DP_DPDK_RING_DEFAULT;
	if ((rc = assign_lcores(d, err, errlen)) < 0 ||
	    (rc = find_ports(d, cfg, err, errlen)) < 0 ||
	    (rc = create_pools(d, rxd, txd, err, errlen)) < 0)
		goto out;
	for (unsigned i = 0; i < d->nports; i++)
		if ((rc = configure_port(d, i, rxd, txd, err, errlen)) < 0)
			goto out;
	if ((rc = tx_buffers(d, cfg->tx_drain_us, err, errlen)) < 0)
		goto out;
	wait_links(d, cfg->link_wait_ms);
	*out = d;
	return 0;
out:
	teardown(d, true);
	return rc;
}

void
dp_dpdk_stop(struct dp_dpdk *d)
{
	if (d)
		teardown(d, true);
}

unsigned
dp_dpdk_nports(const struct dp_dpdk *d)
{
	return d->nports;
}

unsigned
dp_dpdk_workers(const struct dp_dpdk *d)
{
	return d->workers;
}

const struct dp_dpdk_port_info *
dp_dpdk_port(const struct dp_dpdk *d, unsigned i)
{
	return i < d->nports ? &d->info[i] : NULL;
}

unsigned
dp_dpdk_worker_lcore(const struct dp_dpdk *d, unsigned w)
{
	return d->lcore[w];
}

uint16_t
dp_dpdk_rx_burst(struct dp_dpdk *d, unsigned port, unsigned w,
		 struct dp_dpdk_mbuf **bufs, uint16_t max)
{
	return rte_eth_rx_burst(d->port_ids[port], (uint16_t)w, (struct rte_mbuf **)bufs, max);
}

uint16_t
dp_dpdk_tx_burst(struct dp_dpdk *d, unsigned port, unsigned w,
		 struct dp_dpdk_mbuf **bufs, uint16_t n)
{
	return rte_eth_tx_burst(d->port_ids[port], (uint16_t)w, (struct rte_mbuf **)bufs, n);
}

unsigned
dp_dpdk_tx_buffer(struct dp_dpdk *d, unsigned port, unsigned w, struct dp_dpdk_mbuf *m)
{
	return rte_eth_tx_buffer(d->port_ids[port], (uint16_t)w, d->wtx[w].buf[port],
				 (struct rte_mbuf *)m);
}

unsigned
dp_dpdk_tx_drain(struct dp_dpdk *d, unsigned w, uint64_t now, bool force)
{
	struct wtx *t = &d->wtx[w];
	unsigned sent = 0;

	if (!force && now - t->drained < d->drain_ticks)
		return 0;
	t->drained = now;
	for (unsigned i = 0; i < d->nports; i++)
		if (t->buf[i]->length)
			sent += rte_eth_tx_buffer_flush(d->port_ids[i], (uint16_t)w, t->buf[i]);
	return sent;
}

uint64_t
dp_dpdk_tx_dropped(const struct dp_dpdk *d, unsigned w)
{
	return atomic_load_explicit(&d->wtx[w].dropped, memory_order_relaxed);
}

struct dp_dpdk_mbuf *
dp_dpdk_mbuf_alloc(struct dp_dpdk *d, unsigned w)
{
	return (struct dp_dpdk_mbuf *)rte_pktmbuf_alloc(d->wpool[w]);
}

void
dp_dpdk_mbuf_free(struct dp_dpdk_mbuf *const *bufs, unsigned n)
{
	rte_pktmbuf_free_bulk((struct rte_mbuf **)(uintptr_t)bufs, n);
}

uint8_t *
dp_dpdk_mbuf_data(struct dp_dpdk_mbuf *m)
{
	return rte_pktmbuf_mtod((struct rte_mbuf *)m, uint8_t *);
}

uint16_t
dp_dpdk_mbuf_len(const struct dp_dpdk_mbuf *m)
{
	return rte_pktmbuf_data_len((const struct rte_mbuf *)m);
}

bool
dp_dpdk_mbuf_chained(const struct dp_dpdk_mbuf *m)
{
	return ((const struct rte_mbuf *)m)->nb_segs > 1;
}

uint16_t
dp_dpdk_mbuf_room(const struct dp_dpdk_mbuf *m)
{
	const struct rte_mbuf *mb = (const struct rte_mbuf *)m;

	return (uint16_t)(mb->buf_len - mb->data_off);
}

int
dp_dpdk_mbuf_set_len(struct dp_dpdk_mbuf *m, uint16_t len)
{
	struct rte_mbuf *mb = (struct rte_mbuf *)m;

	if (mb->nb_segs != 1 || len > dp_dpdk_mbuf_room(m))
		return -EINVAL;
	mb->data_len = len;
	mb->pkt_len = len;
	return 0;
}

unsigned
dp_dpdk_mbuf_rx_cksum(const struct dp_dpdk_mbuf *m)
{
	uint64_t f = ((const struct rte_mbuf *)m)->ol_flags;
	unsigned r = 0;

	if ((f & RTE_MBUF_F_RX_IP_CKSUM_MASK) == RTE_MBUF_F_RX_IP_CKSUM_GOOD)
		r |= DP_DPDK_CK_IP_GOOD;
	else if ((f & RTE_MBUF_F_RX_IP_CKSUM_MASK) == RTE_MBUF_F_RX_IP_CKSUM_BAD)
		r |= DP_DPDK_CK_IP_BAD;
	if ((f & RTE_MBUF_F_RX_L4_CKSUM_MASK) == RTE_MBUF_F_RX_L4_CKSUM_GOOD)
		r |= DP_DPDK_CK_L4_GOOD;
	else if ((f & RTE_MBUF_F_RX_L4_CKSUM_MASK) == RTE_MBUF_F_RX_L4_CKSUM_BAD)
		r |= DP_DPDK_CK_L4_BAD;
	return r;
}

void
dp_dpdk_mbuf_tx_cksum(struct dp_dpdk_mbuf *m, unsigned l2_len, unsigned l3_len,
		      bool ipv6, bool ip_cksum, bool udp_cksum)
{
	struct rte_mbuf *mb = (struct rte_mbuf *)m;

	mb->l2_len = l2_len;
	mb->l3_len = l3_len;
	mb->ol_flags |= ipv6 ? RTE_MBUF_F_TX_IPV6 : RTE_MBUF_F_TX_IPV4;
	if (ip_cksum && !ipv6)
		mb->ol_flags |= RTE_MBUF_F_TX_IP_CKSUM;
	if (udp_cksum)
		mb->ol_flags |= RTE_MBUF_F_TX_UDP_CKSUM;
}

uint64_t
dp_dpdk_tsc(void)
{
	return rte_rdtsc();
}

uint64_t
dp_dpdk_tsc_hz(void)
{
	return rte_get_tsc_hz();
}

unsigned
dp_dpdk_mbuf_port(const struct dp_dpdk_mbuf *m)
{
	return ((const struct rte_mbuf *)m)->port;
}

void
dp_dpdk_mbuf_set_port(struct dp_dpdk_mbuf *m, unsigned port)
{
	((struct rte_mbuf *)m)->port = (uint16_t)port;
}

int
dp_dpdk_ring_new(const char *name, unsigned size, struct dp_dpdk_ring **out)
{
	struct rte_ring *r = rte_ring_create(name, size, (int)rte_socket_id(),
					     RING_F_SP_ENQ | RING_F_SC_DEQ);
	if (!r)
		return -rte_errno;
	*out = (struct dp_dpdk_ring *)r;
	return 0;
}

void
dp_dpdk_ring_free(struct dp_dpdk_ring *r)
{
	rte_ring_free((struct rte_ring *)r);
}

unsigned
dp_dpdk_ring_put(struct dp_dpdk_ring *r, struct dp_dpdk_mbuf *const *bufs, unsigned n)
{
	return rte_ring_sp_enqueue_burst((struct rte_ring *)r, (void *const *)bufs, n, NULL);
}

unsigned
dp_dpdk_ring_take(struct dp_dpdk_ring *r, struct dp_dpdk_mbuf **bufs, unsigned max)
{
	return rte_ring_sc_dequeue_burst((struct rte_ring *)r, (void **)bufs, max, NULL);
}

static int
run_worker(void *arg)
{
	struct run *r = arg;

	while (!atomic_load_explicit(&r->go, memory_order_acquire))
		;
	int rc = r->fn(r->arg);
	atomic_store_explicit(&r->done, true, memory_order_release);
	return rc;
}

int
dp_dpdk_launch(struct dp_dpdk *d, int (*fn)(void *arg), void *const *args)
{
	if (!d->control_main)
		return -EINVAL;
	for (unsigned w = 0; w < d->workers; w++) {
		struct run *r = &d->run[w];
		r->fn = fn;
		r->arg = args[w];
		atomic_store_explicit(&r->done, false, memory_order_relaxed);
		atomic_store_explicit(&r->go, true, memory_order_release);
		int rc = rte_eal_remote_launch(run_worker, r, d->lcore[w]);
		if (rc < 0)
			return rc;
		d->launched = true;
	}
	return 0;
}

void
dp_dpdk_wait(struct dp_dpdk *d)
{
	if (!d->launched)
		return;
	rte_eal_mp_wait_lcore();
	for (unsigned w = 0; w < d->workers; w++) {
		/* Every launched worker has returned: done is set (acquire pairs with it). */
		(void)atomic_load_explicit(&d->run[w].done, memory_order_acquire);
		atomic_store_explicit(&d->run[w].go, false, memory_order_relaxed);
	}
	d->launched = false;
}

int
dp_dpdk_stats(const struct dp_dpdk *d, unsigned port, struct dp_dpdk_port_stats *st,
	      struct dp_dpdk_queue_stats *q, unsigned nq)
{
	struct rte_eth_stats s;
	int rc;

	if (port >= d->nports || nq > d->workers)
		return -EINVAL;
	rc = rte_eth_stats_get(d->port_ids[port], &s);
	if (rc < 0)
		return rc;
	*st = (struct dp_dpdk_port_stats){
		.rx_packets = s.ipackets, .rx_bytes = s.ibytes,
		.tx_packets = s.opackets, .tx_bytes = s.obytes,
		.rx_missed = s.imissed, .rx_nombuf = s.rx_nombuf,
		.rx_errors = s.ierrors, .tx_errors = s.oerrors,
	};
	for (unsigned i = 0; q && i < nq; i++) {
		bool kept = i < RTE_ETHDEV_QUEUE_STAT_CNTRS;
		q[i] = (struct dp_dpdk_queue_stats){
			.rx_packets = kept ? s.q_ipackets[i] : 0,
			.rx_bytes = kept ? s.q_ibytes[i] : 0,
			.tx_packets = kept ? s.q_opackets[i] : 0,
			.tx_bytes = kept ? s.q_obytes[i] : 0,
			.rx_errors = kept ? s.q_errors[i] : 0,
		};
	}
	return 0;
}
