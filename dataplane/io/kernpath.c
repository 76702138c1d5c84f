/* SPDX-License-Identifier: BSD-3-Clause */
#include "dataplane/io/kernpath.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/uio.h>
#include <unistd.h>

#include "dataplane/io/tap.h"
#include "dns/err.h"

#define READ_BUDGET 64 /* frames read from one TAP interface per round */
#define ETH_VLAN 0x8100

struct kp_port {
	int fd;                /* the TAP interface */
	uint16_t vlan;         /* the port's VLAN (0: untagged) */
	unsigned worker;       /* the worker that sends this port's kernel frames */
};

/* Counted by its worker only. */
struct kp_worker {
	_Atomic uint64_t dropped;   /* ring to the kernel path full */
} __attribute__((aligned(64)));

struct dp_kernpath {
	struct dp_dpdk *d;
	unsigned nports, nworkers;
	struct kp_port *port;              /* [nports] */
	struct dp_dpdk_ring **to_k;        /* [nworkers]: worker -> thread */
	struct dp_dpdk_ring **from_k;      /* [nworkers]: thread -> worker */
	struct kp_worker *kw;              /* [nworkers] */
	int efd, epfd;
	pthread_t thread;
	bool running;
	atomic_bool stop;
	atomic_bool sleeping;              /* the thread is about to wait or waits in epoll */
	/* Counted by the thread only. */
	_Atomic uint64_t to_kernel, from_kernel, dropped;
};

static void
bump(_Atomic uint64_t *c, uint64_t n)
{
	atomic_store_explicit(c, atomic_load_explicit(c, memory_order_relaxed) + n,
			      memory_order_relaxed);
}

static uint16_t
rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

/* ---- the workers' side (dp_dpdk_kernel) ---- */

static void
kp_put(void *ctx, unsigned wid, unsigned port, struct dp_dpdk_mbuf *const *bufs, unsigned n)
{
	struct dp_kernpath *k = ctx;

	for (unsigned i = 0; i < n; i++)
		dp_dpdk_mbuf_set_port(bufs[i], port);
	unsigned took = dp_dpdk_ring_put(k->to_k[wid], bufs, n);
	if (took < n) {
		dp_dpdk_mbuf_free(bufs + took, n - took);
		bump(&k->kw[wid].dropped, n - took);
	}
	/*
	 * Sequentially consistent: either the thread's last look at the rings,
	 * after it set sleeping, sees these frames, or this sees sleeping set.
	 */
	if (took && atomic_exchange(&k->sleeping, false)) {
		uint64_t one = 1;
		/* Cannot fail short of a counter overflow; then the thread is awake anyway. */
		(void)!write(k->efd, &one, sizeof(one));
	}
}

static unsigned
kp_take(void *ctx, unsigned wid, struct dp_dpdk_mbuf **bufs, unsigned max)
{
	struct dp_kernpath *k = ctx;

	return dp_dpdk_ring_take(k->from_k[wid], bufs, max);
}

void
dp_kernpath_hook(struct dp_kernpath *k, struct dp_dpdk_kernel *out)
{
	out->put = kp_put;
	out->take = kp_take;
	out->ctx = k;
}

/* ---- the thread ---- */

/* Write one frame to its port's TAP interface, without the port's VLAN tag. */
static void
write_frame(struct dp_kernpath *k, struct dp_dpdk_mbuf *m)
{
	unsigned p = dp_dpdk_mbuf_port(m);
	const uint8_t *f = dp_dpdk_mbuf_data(m);
	size_t len = dp_dpdk_mbuf_len(m);
	struct iovec iov[2] = { { (void *)(uintptr_t)f, len } };
	int niov = 1;

	if (p >= k->nports) {
		bump(&k->dropped, 1);
		return;
	}
	if (len >= 18 && rd16(f + 12) == ETH_VLAN && (rd16(f + 14) & 0xfff) == k->port[p].vlan) {
		iov[0].iov_len = 12;
		iov[1].iov_base = (void *)(uintptr_t)(f + 16);
		iov[1].iov_len = len - 16;
		niov = 2;
	}
	bump(writev(k->port[p].fd, iov, niov) < 0 ? &k->dropped : &k->to_kernel, 1);
}

/* Every frame the workers handed over, to the kernel. Returns how many. */
static unsigned
to_kernel(struct dp_kernpath *k)
{
	struct dp_dpdk_mbuf *b[DP_DPDK_BURST];
	unsigned total = 0, n;

	for (unsigned w = 0; w < k->nworkers; w++)
		while ((n = dp_dpdk_ring_take(k->to_k[w], b, DP_DPDK_BURST)) > 0) {
			for (unsigned i = 0; i < n; i++)
				write_frame(k, b[i]);
			dp_dpdk_mbuf_free(b, n);
			total += n;
		}
	return total;
}

/*
 * Read one frame from port p's TAP interface into a buffer, with the port's
 * VLAN tag put in. Returns 1 with *out set, 0 when a frame was read and
 * dropped (*out NULL), -1 when there was nothing to read.
 */
static int
read_frame(struct dp_kernpath *k, unsigned p, struct dp_dpdk_mbuf **out)
{
	const struct kp_port *kp = &k->port[p];
	struct dp_dpdk_mbuf *m = dp_dpdk_mbuf_alloc(k->d, kp->worker);
	uint8_t scratch[DP_DPDK_MBUF_ROOM];
	size_t tag = kp->vlan ? 4 : 0;

	*out = NULL;
	/* Without a buffer the frame is still read, to be dropped. */
	uint8_t *f = m ? dp_dpdk_mbuf_data(m) : scratch;
	size_t room = m ? dp_dpdk_mbuf_room(m) : sizeof(scratch);
	ssize_t n = read(kp->fd, f + tag, room - tag);
	if (n < 14 || !m) {
		if (m)
			dp_dpdk_mbuf_free(&m, 1);
		if (n < 0)
			return -1;
		bump(&k->dropped, 1);
		return 0;
	}
	if (tag) {
		memmove(f, f + 4, 12);
		f[12] = ETH_VLAN >> 8;
		f[13] = ETH_VLAN & 0xff;
		f[14] = (uint8_t)(kp->vlan >> 8);
		f[15] = (uint8_t)kp->vlan;
	}
	dp_dpdk_mbuf_set_len(m, (uint16_t)((size_t)n + tag));
	dp_dpdk_mbuf_set_port(m, p);
	*out = m;
	return 1;
}

/* Hand n frames to ring r; the ones it cannot take are dropped. */
static void
to_worker(struct dp_kernpath *k, struct dp_dpdk_ring *r, struct dp_dpdk_mbuf **b, unsigned n)
{
	unsigned took = dp_dpdk_ring_put(r, b, n);

	dp_dpdk_mbuf_free(b + took, n - took);
	bump(&k->from_kernel, took);
	bump(&k->dropped, n - took);
}

/* Up to READ_BUDGET frames from each TAP interface, to their workers. Returns how many. */
static unsigned
from_kernel(struct dp_kernpath *k)
{
	struct dp_dpdk_mbuf *b[DP_DPDK_BURST];
	unsigned total = 0;

	for (unsigned p = 0; p < k->nports; p++) {
		struct dp_dpdk_ring *r = k->from_k[k->port[p].worker];
		unsigned n = 0;
		for (unsigned i = 0; i < READ_BUDGET; i++) {
			int rc = read_frame(k, p, &b[n]);
			if (rc < 0)
				break;
			total++;
			n += (unsigned)rc;
			if (n == DP_DPDK_BURST) {
				to_worker(k, r, b, n);
				n = 0;
			}
		}
		if (n)
			to_worker(k, r, b, n);
	}
	return total;
}

static void *
kp_main(void *arg)
{
	struct dp_kernpath *k = arg;
	struct epoll_event ev[8];

	while (!atomic_load_explicit(&k->stop, memory_order_relaxed)) {
		if (to_kernel(k) + from_kernel(k))
			continue;
		atomic_store(&k->sleeping, true);
		if (to_kernel(k)) {
			atomic_store(&k->sleeping, false);
			continue;
		}
		/* Woken by a TAP interface, a worker or dp_kernpath_stop. */
		epoll_wait(k->epfd, ev, 8, -1);
		atomic_store(&k->sleeping, false);
		uint64_t v;
		(void)!read(k->efd, &v, sizeof(v));
	}
	return NULL;
}

/* ---- life cycle ---- */

static void
kp_free(struct dp_kernpath *k)
{
	struct dp_dpdk_mbuf *b[DP_DPDK_BURST];
	unsigned n;

	for (unsigned w = 0; w < k->nworkers; w++) {
		struct dp_dpdk_ring *r[2] = { k->to_k[w], k->from_k[w] };
		for (int i = 0; i < 2; i++) {
			if (!r[i])
				continue;
			while ((n = dp_dpdk_ring_take(r[i], b, DP_DPDK_BURST)) > 0)
				dp_dpdk_mbuf_free(b, n);
			dp_dpdk_ring_free(r[i]);
		}
	}
	for (unsigned p = 0; p < k->nports; p++)
		if (k->port[p].fd >= 0)
			close(k->port[p].fd);
	if (k->efd >= 0)
		close(k->efd);
	if (k->epfd >= 0)
		close(k->epfd);
	free(k->kw);
	free(k->from_k);
	free(k->to_k);
	free(k->port);
	free(k);
}

static int
open_taps(struct dp_kernpath *k, const struct dp_kernpath_config *cfg, char *err, size_t errlen)
{
	for (unsigned p = 0; p < k->nports; p++) {
		const struct dp_pkt_config *pc = &cfg->pkt[p];
		struct dp_tap_config tc = {
			.name = cfg->tap[p],
			.mtu = dp_dpdk_port(cfg->d, p)->mtu,
			.ip4 = (const uint8_t(*)[4])pc->ip4,
			.n_ip4 = pc->n_ip4,
			.prefix4 = cfg->prefix4,
			.ip6 = (const uint8_t(*)[16])pc->ip6,
			.n_ip6 = pc->n_ip6,
			.prefix6 = cfg->prefix6,
		};
		memcpy(tc.mac, pc->mac, sizeof(tc.mac));
		int rc = dp_tap_open(&tc, &k->port[p].fd, err, errlen);
		if (rc < 0)
			return rc;
		k->port[p].vlan = pc->vlan;
		k->port[p].worker = p % k->nworkers;
		struct epoll_event ev = { .events = EPOLLIN, .data.u32 = p };
		if (epoll_ctl(k->epfd, EPOLL_CTL_ADD, k->port[p].fd, &ev) < 0)
			return dns_errf(err, errlen, -errno, "epoll: %s", strerror(errno));
	}
	return 0;
}

static int
make_rings(struct dp_kernpath *k, char *err, size_t errlen)
{
	char name[32];
	int rc;

	for (unsigned w = 0; w < k->nworkers; w++) {
		snprintf(name, sizeof(name), "sigedge_tok%u", w);
		if ((rc = dp_dpdk_ring_new(name, DP_KERNPATH_RING, &k->to_k[w])) < 0)
			return dns_errf(err, errlen, rc, "ring %s: %s", name, strerror(-rc));
		snprintf(name, sizeof(name), "sigedge_fromk%u", w);
		if ((rc = dp_dpdk_ring_new(name, DP_KERNPATH_RING, &k->from_k[w])) < 0)
			return dns_errf(err, errlen, rc, "ring %s: %s", name, strerror(-rc));
	}
	return 0;
}

int
dp_kernpath_start(const struct dp_kernpath_config *cfg, struct dp_kernpath **out, char *err,
		  size_t errlen)
{
	struct dp_kernpath *k = calloc(1, sizeof(*k));
	if (!k)
		return dns_errf(err, errlen, -ENOMEM, "out of memory");
	k->d = cfg->d;
	k->nports = dp_dpdk_nports(cfg->d);
	k->nworkers = dp_dpdk_workers(cfg->d);
	k->efd = k->epfd = -1;
	k->port = calloc(k->nports, sizeof(*k->port));
	k->to_k = calloc(k->nworkers, sizeof(*k->to_k));
	k->from_k = calloc(k->nworkers, sizeof(*k->from_k));
	k->kw = aligned_alloc(64, k->nworkers * sizeof(*k->kw));
	if (!k->port || !k->to_k || !k->from_k || !k->kw) {
		free(k->kw);
		k->kw = NULL;
		kp_free(k);
		return dns_errf(err, errlen, -ENOMEM, "out of memory");
	}
	memset(k->kw, 0, k->nworkers * sizeof(*k->kw));
	for (unsigned p = 0; p < k->nports; p++)
		k->port[p].fd = -1;

	int rc;
	k->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	k->epfd = epoll_create1(EPOLL_CLOEXEC);
	struct epoll_event ev = { .events = EPOLLIN, .data.u32 = UINT32_MAX };
	if (k->efd < 0 || k->epfd < 0 || epoll_ctl(k->epfd, EPOLL_CTL_ADD, k->efd, &ev) < 0)
		rc = dns_errf(err, errlen, -errno, "kernel path: %s", strerror(errno));
	else if ((rc = make_rings(k, err, errlen)) == 0 &&
		 (rc = open_taps(k, cfg, err, errlen)) == 0 &&
		 (rc = -pthread_create(&k->thread, NULL, kp_main, k)) < 0)
		dns_errf(err, errlen, rc, "kernel path thread: %s", strerror(-rc));
	if (rc < 0) {
		kp_free(k);
		return rc;
	}
	k->running = true;
	pthread_setname_np(k->thread, "sigedge-kern");
	*out = k;
	return 0;
}

void
dp_kernpath_stop(struct dp_kernpath *k)
{
	if (!k)
		return;
	if (k->running) {
		uint64_t one = 1;
		atomic_store(&k->stop, true);
		(void)!write(k->efd, &one, sizeof(one));
		pthread_join(k->thread, NULL);
	}
	kp_free(k);
}

void
dp_kernpath_stats(const struct dp_kernpath *k, struct dp_kernpath_stats *st)
{
	st->to_kernel = atomic_load_explicit(&k->to_kernel, memory_order_relaxed);
	st->from_kernel = atomic_load_explicit(&k->from_kernel, memory_order_relaxed);
	st->dropped = atomic_load_explicit(&k->dropped, memory_order_relaxed);
	for (unsigned w = 0; w < k->nworkers; w++)
		st->dropped += atomic_load_explicit(&k->kw[w].dropped, memory_order_relaxed);
}
