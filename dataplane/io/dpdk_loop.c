/* SPDX-License-Identifier: BSD-3-Clause */
#include "dataplane/io/dpdk_loop.h"

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <string.h>

#include "dataplane/core/engine.h"

static void
count(struct dp_dpdk_loop *l, enum dp_dpdk_loop_counter c, uint64_t n)
{
	/* Single writer: a relaxed load and store, as dp_count. */
	atomic_store_explicit(&l->cnt[c], atomic_load_explicit(&l->cnt[c], memory_order_relaxed) + n,
			      memory_order_relaxed);
}

static void
count_reason(struct dp_dpdk_loop *l, unsigned r)
{
	if (r < DP_PKT_R_COUNT)
		atomic_store_explicit(&l->reason[r],
				      atomic_load_explicit(&l->reason[r], memory_order_relaxed) + 1,
				      memory_order_relaxed);
}

int
dp_dpdk_loop_init(struct dp_dpdk_loop *l, struct dp_dpdk *d, unsigned wid, struct dp_worker *w,
		  const struct dp_pkt_config *cfg, const struct dp_dpdk_kernel *kern)
{
	if (wid >= dp_dpdk_workers(d))
		return -EINVAL;
	memset(l, 0, sizeof(*l));
	l->d = d;
	l->w = w;
	l->wid = wid;
	l->nports = dp_dpdk_nports(d);
	l->cfg = cfg;
	if (kern)
		l->kern = *kern;
	return 0;
}

static unsigned
rx_flags(const struct dp_dpdk_mbuf *m)
{
	unsigned ck = dp_dpdk_mbuf_rx_cksum(m), f = 0;

	if (ck & DP_DPDK_CK_IP_GOOD)
		f |= DP_PKT_RX_IP_CKSUM_GOOD;
	if (ck & DP_DPDK_CK_L4_GOOD)
		f |= DP_PKT_RX_L4_CKSUM_GOOD;
	return f;
}

/* Room for a reply frame in m: the port's MTU plus the L2 header, at most the buffer's. */
static size_t
frame_cap(const struct dp_dpdk_mbuf *m, const struct dp_pkt_info *info, unsigned mtu)
{
	size_t room = dp_dpdk_mbuf_room(m), want = mtu + (size_t)info->l2_len;

	return room < want ? room : want;
}

/*
 * Answer one DNS query frame into a new TX buffer; returns it, or NULL when
 * nothing is sent (the engine dropped the query, or no buffer).
 */
static struct dp_dpdk_mbuf *
answer(struct dp_dpdk_loop *l, const struct dp_view *view, const struct dp_pkt_config *cfg,
       unsigned offloads, unsigned mtu, const uint8_t *frame, const struct dp_pkt_info *info)
{
	struct dp_dpdk_mbuf *t = dp_dpdk_mbuf_alloc(l->d, l->wid);
	size_t dns_len = 0, flen = 0;

	if (!t) {
		count(l, DP_DPDK_CNT_NO_MBUF, 1);
		dp_count(l->w, DP_CNT_DROPPED, 1);
		return NULL;
	}
	uint8_t *out = dp_dpdk_mbuf_data(t);
	size_t cap = frame_cap(t, info, mtu), off = dp_pkt_dns_offset(info);
	size_t room = dp_pkt_dns_room(info, cap);
	/* The engine counts the queries it drops. */
	if (dp_query_answer(view, l->w, frame + info->payload_off, info->payload_len, out + off,
			    room, &dns_len, 0) != DP_SEND) {
		dp_dpdk_mbuf_free(&t, 1);
		return NULL;
	}
	bool v6 = info->ip_version == 6;
	unsigned txf = 0;
	if (!v6 && (offloads & DP_DPDK_TX_IPV4_CKSUM))
		txf |= DP_PKT_TX_IP_CKSUM;
	if (offloads & DP_DPDK_TX_UDP_CKSUM)
		txf |= DP_PKT_TX_UDP_CKSUM;
	/* dns_len <= room: neither this nor set_len can fail. */
	dp_pkt_dns_finish(cfg, frame, info, out, cap, dns_len, txf, &flen);
	dp_dpdk_mbuf_set_len(t, (uint16_t)flen);
	if (txf)
		dp_dpdk_mbuf_tx_cksum(t, info->l2_len, v6 ? 40 : 20, v6, txf & DP_PKT_TX_IP_CKSUM,
				      txf & DP_PKT_TX_UDP_CKSUM);
	count(l, DP_DPDK_CNT_ANSWERED, 1);
	return t;
}

static void
burst(struct dp_dpdk_loop *l, unsigned port, uint16_t n)
{
	const struct dp_pkt_config *cfg = &l->cfg[port];
	const struct dp_dpdk_port_info *pi = dp_dpdk_port(l->d, port);
	unsigned offloads = pi->offloads, mtu = pi->mtu;
	uint16_t ndone = 0, nexc = 0, ndrop = 0;
	unsigned sent = 0;

	/* One epoch section per burst: the view stays alive until dp_view_leave. */
	const struct dp_view *view = dp_view_enter(l->w);
	for (uint16_t i = 0; i < n; i++) {
		struct dp_dpdk_mbuf *m = l->rx[i], *t;
		uint8_t *frame = dp_dpdk_mbuf_data(m);
		struct dp_pkt_info info;
		size_t rlen;

		if (dp_dpdk_mbuf_chained(m)) {
			info.cls = DP_PKT_EXCEPTION;
			info.reason = DP_PKT_R_NONE;
		} else {
			dp_pkt_classify(cfg, frame, dp_dpdk_mbuf_len(m), rx_flags(m), &info);
		}
		switch (info.cls) {
		case DP_PKT_DNS:
			t = answer(l, view, cfg, offloads, mtu, frame, &info);
			if (t)
				sent += dp_dpdk_tx_buffer(l->d, port, l->wid, t);
			l->done[ndone++] = m;
			break;
		case DP_PKT_ARP:
		case DP_PKT_ICMP4_ECHO:
		case DP_PKT_ICMP6_ECHO:
		case DP_PKT_ICMP6_NS:
			if (dp_pkt_reply(cfg, frame, &info, frame, frame_cap(m, &info, mtu), &rlen) == 0 &&
			    dp_dpdk_mbuf_set_len(m, (uint16_t)rlen) == 0) {
				count(l, DP_DPDK_CNT_REPLIED, 1);
				sent += dp_dpdk_tx_buffer(l->d, port, l->wid, m);
			} else {
				ndrop++;
				l->done[ndone++] = m;
			}
			break;
		case DP_PKT_EXCEPTION:
			count_reason(l, info.reason);
			if (l->kern.put)
				l->exc[nexc] = m;
			else
				l->done[ndone++] = m;
			nexc++;
			break;
		default:
			ndrop++;
			count_reason(l, info.reason);
			l->done[ndone++] = m;
			break;
		}
	}
	dp_dpdk_mbuf_free(l->done, ndone);
	dp_view_leave(l->w);
	if (nexc && l->kern.put)
		l->kern.put(l->kern.ctx, l->wid, port, l->exc, nexc);

	dp_count(l->w, DP_CNT_RX, n);
	dp_count(l->w, DP_CNT_TX, sent);
	dp_count(l->w, DP_CNT_DROPPED, ndrop);
	count(l, DP_DPDK_CNT_EXCEPTION, nexc);
}

/* Queue what the kernel path has for sending. Returns the number of frames taken. */
static unsigned
from_kernel(struct dp_dpdk_loop *l)
{
	unsigned n = l->kern.take(l->kern.ctx, l->wid, l->tx, DP_DPDK_BURST), sent = 0;

	for (unsigned i = 0; i < n; i++) {
		unsigned port = dp_dpdk_mbuf_port(l->tx[i]);
		if (port < l->nports) {
			sent += dp_dpdk_tx_buffer(l->d, port, l->wid, l->tx[i]);
			count(l, DP_DPDK_CNT_FROM_KERNEL, 1);
		} else {
			dp_dpdk_mbuf_free(&l->tx[i], 1);
			dp_count(l->w, DP_CNT_DROPPED, 1);
		}
	}
	dp_count(l->w, DP_CNT_TX, sent);
	return n;
}

/* Send the buffered frames if due (or now, with force); returns how many went. */
static unsigned
drain(struct dp_dpdk_loop *l, uint64_t now, bool force)
{
	unsigned sent = dp_dpdk_tx_drain(l->d, l->wid, now, force);

	dp_count(l->w, DP_CNT_TX, sent);
	/* The port layer counts what the ports refused; mirrored here (single writer). */
	atomic_store_explicit(&l->cnt[DP_DPDK_CNT_TX_FAILED], dp_dpdk_tx_dropped(l->d, l->wid),
			      memory_order_relaxed);
	return sent;
}

unsigned
dp_dpdk_loop_poll(struct dp_dpdk_loop *l)
{
	uint64_t t0 = dp_dpdk_tsc();
	unsigned total = 0, moved;

	for (unsigned p = 0; p < l->nports; p++) {
		uint16_t n = dp_dpdk_rx_burst(l->d, p, l->wid, l->rx, DP_DPDK_BURST);
		if (n) {
			burst(l, p, n);
			total += n;
		}
	}
	moved = total;
	if (l->kern.take)
		moved += from_kernel(l);
	uint64_t t1 = dp_dpdk_tsc();
	unsigned sent = drain(l, t1, false);
	if (sent)
		t1 = dp_dpdk_tsc(); /* the drain's transmission is busy time too */
	if (moved + sent)
		count(l, DP_DPDK_CNT_BUSY, t1 - t0);
	return total;
}

void
dp_dpdk_loop_run(struct dp_dpdk_loop *l)
{
	/*
	 * Relaxed: stop only ends the loop; nothing written before it is read
	 * here, and the control thread waits for the worker afterwards.
	 */
	while (!atomic_load_explicit(&l->w->rt->stop, memory_order_relaxed))
		dp_dpdk_loop_poll(l);
	drain(l, dp_dpdk_tsc(), true);
}
