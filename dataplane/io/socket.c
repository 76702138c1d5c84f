/* SPDX-License-Identifier: BSD-3-Clause */
#include "dataplane/io/socket.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <time.h>
#include <unistd.h>

#include "dataplane/core/engine.h"
#include "dataplane/io/loop.h"

#define UDP_BUF 4096             /* UDP query and reply buffer */
#define TCP_MSG_MAX 65535        /* RFC 7766 message size limit */
#define TCP_FRAME (2 + TCP_MSG_MAX)  /* reply slot: length prefix and message */
#define TCP_BURST 8              /* TCP messages per burst (each needs a 64 KiB reply slot) */
#define TCP_INBUF 4096           /* per connection: buffered input, so queries up to 4094 octets */
#define TCP_PENDBUF 16384        /* per connection: the rest of a reply the kernel took in part */
#define TCP_SNDBUF (128 * 1024)  /* SO_SNDBUF for connections: room for a whole 64 KiB reply */
#define TCP_BACKLOG 1024
#define TCP_IDLE_MS_DEFAULT 10000
#define TCP_MAX_CONNS_DEFAULT 256
#define UDP_RCVBUF (1024 * 1024)
#define POLL_MS 100              /* longest wait, so rt->stop and idle timeouts are noticed */
#define POLL_EVERY 8             /* while busy, look at epoll once per this many bursts */
#define EVENTS 64
#define ACCEPT_BATCH 16

enum src_kind { SRC_UDP = 1, SRC_LISTEN, SRC_CONN };

/* Every epoll registration points at one of these; kind comes first. */
struct sock_udp {
	uint8_t kind;
	bool pktinfo;            /* wildcard address: reply from the query's destination */
	bool readable;
	int fd;
};

struct sock_listen {
	uint8_t kind;
	int fd;
};

enum { L_LRU, L_READY, L__N };

struct conn;
struct clink { struct conn *prev, *next; };
struct clist { struct conn *head, *tail; };

struct conn {
	uint8_t kind;
	bool ready;              /* on the ready list: a complete query waits in in[] */
	bool wait_out;           /* a write fell short: wait for EPOLLOUT, take no queries */
	bool eof;                /* the peer sent EOF: close once nothing is left to answer */
	bool dead;               /* closed; freed at the next reap */
	uint32_t events;         /* current epoll interest */
	int fd;
	uint64_t last_ms;        /* last time bytes moved; orders the LRU list */
	struct clink link[L__N];
	struct conn *dead_next;
	uint32_t in_pos, in_len; /* in[in_pos..in_len) not yet answered */
	uint32_t pend_off, pend_len;
	uint8_t in[TCP_INBUF];
	uint8_t pend[TCP_PENDBUF];
};

union sock_addr {
	struct sockaddr sa;
	struct sockaddr_in v4;
	struct sockaddr_in6 v6;
};

struct udp_slot {
	union sock_addr peer;
	union {
		size_t align;            /* struct cmsghdr alignment */
		/* at least CMSG_SPACE(sizeof(struct in6_pktinfo)), as a constant */
		uint8_t buf[sizeof(struct cmsghdr) + sizeof(struct in6_pktinfo) + sizeof(size_t)];
	} cmsg;
	struct iovec iov_rx, iov_tx;
	unsigned sock;
};

struct sock_worker {
	struct dp_worker *w;
	int epfd;
	unsigned nsock;
	struct sock_udp *udp;    /* nsock UDP sockets, one per listen address */
	struct sock_listen *lst; /* nsock TCP listeners */
	unsigned udp_readable;   /* UDP sockets that may have datagrams queued */
	unsigned udp_next;       /* rotates the first socket read, for fairness */
	unsigned skipped;        /* bursts since the last epoll_wait */
	uint64_t now_ms;
	uint32_t idle_ms;
	unsigned nconns, max_conns;
	struct clist list[L__N]; /* LRU: every connection, least recently active first;
				  * READY: those with a complete query to take */
	struct conn *graveyard;
	uint8_t *bufs;           /* UDP query and reply buffers, then TCP reply slots */
	struct conn *tslot[TCP_BURST];
	struct udp_slot uslot[DP_BURST];
	struct mmsghdr rx[DP_BURST];
	struct mmsghdr tx[DP_BURST];
	struct epoll_event ev[EVENTS];
	pthread_t thread;
	bool running;
} __attribute__((aligned(64)));

struct dp_socket {
	struct dp_runtime *rt;
	unsigned nworkers;
	struct sock_worker **sw;
	struct dp_worker **workers;
};

#define BUFS_SIZE ((size_t)2 * DP_BURST * UDP_BUF + (size_t)TCP_BURST * TCP_FRAME)

static inline uint8_t *
udp_qbuf(struct sock_worker *sw, unsigned i)
{
	return sw->bufs + (size_t)i * UDP_BUF;
}

static inline uint8_t *
udp_obuf(struct sock_worker *sw, unsigned i)
{
	return sw->bufs + (size_t)(DP_BURST + i) * UDP_BUF;
}

static inline uint8_t *
tcp_frame(struct sock_worker *sw, unsigned i)
{
	return sw->bufs + (size_t)2 * DP_BURST * UDP_BUF + (size_t)i * TCP_FRAME;
}

static uint64_t
now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* Intrusive doubly linked lists; k selects which link of the connection. */
static void
clist_push(struct clist *l, struct conn *c, int k)
{
	c->link[k].next = NULL;
	c->link[k].prev = l->tail;
	if (l->tail)
		l->tail->link[k].next = c;
	else
		l->head = c;
	l->tail = c;
}

static void
clist_del(struct clist *l, struct conn *c, int k)
{
	if (c->link[k].prev)
		c->link[k].prev->link[k].next = c->link[k].next;
	else
		l->head = c->link[k].next;
	if (c->link[k].next)
		c->link[k].next->link[k].prev = c->link[k].prev;
	else
		l->tail = c->link[k].prev;
	c->link[k].prev = c->link[k].next = NULL;
}

/* ---- TCP connections ---- */

static void
conn_close(struct sock_worker *sw, struct conn *c)
{
	if (c->dead)
		return;
	close(c->fd);
	clist_del(&sw->list[L_LRU], c, L_LRU);
	if (c->ready)
		clist_del(&sw->list[L_READY], c, L_READY);
	c->ready = false;
	c->dead = true;
	c->dead_next = sw->graveyard;
	sw->graveyard = c;
	sw->nconns--;
}

/* Free closed connections; no event or message refers to them any more. */
static void
conns_reap(struct sock_worker *sw)
{
	while (sw->graveyard) {
		struct conn *c = sw->graveyard;
		sw->graveyard = c->dead_next;
		free(c);
	}
}

static void
conn_touch(struct sock_worker *sw, struct conn *c)
{
	c->last_ms = sw->now_ms;
	if (sw->list[L_LRU].tail != c) {
		clist_del(&sw->list[L_LRU], c, L_LRU);
		clist_push(&sw->list[L_LRU], c, L_LRU);
	}
}

static void
conns_expire(struct sock_worker *sw)
{
	struct conn *c;
	while ((c = sw->list[L_LRU].head) && sw->now_ms - c->last_ms >= sw->idle_ms)
		conn_close(sw, c);
}

/*
 * The next framed message in in[]: 1 and its length when complete, 0 when
 * more input is needed, -1 when the length is 0 or larger than we buffer.
 */
static int
frame_peek(const struct conn *c, uint32_t *mlen)
{
	uint32_t avail = c->in_len - c->in_pos;
	if (avail < 2)
		return 0;
	uint32_t len = (uint32_t)c->in[c->in_pos] << 8 | c->in[c->in_pos + 1];
	if (len == 0 || len + 2 > TCP_INBUF)
		return -1;
	*mlen = len;
	return avail >= len + 2 ? 1 : 0;
}

/*
 * Settle a connection after its state changed: queue it on the ready list if
 * a complete query waits and output is not blocked; close it on a bad
 * message length, or after EOF when nothing is left to answer; otherwise set
 * the epoll interest (read, or only write while blocked).
 */
static void
conn_update(struct sock_worker *sw, struct conn *c)
{
	if (c->dead)
		return;
	if (!c->wait_out) {
		uint32_t mlen;
		int f = frame_peek(c, &mlen);
		if (f < 0 || (f == 0 && c->eof)) {
			conn_close(sw, c);
			return;
		}
		if (f > 0 && !c->ready) {
			c->ready = true;
			clist_push(&sw->list[L_READY], c, L_READY);
		}
	} else if (c->ready) {
		clist_del(&sw->list[L_READY], c, L_READY);
		c->ready = false;
	}
	uint32_t want = c->wait_out ? (uint32_t)EPOLLOUT : c->eof ? 0u : (uint32_t)EPOLLIN;
	if (want == c->events)
		return;
	struct epoll_event ev = { .events = want, .data.ptr = c };
	if (epoll_ctl(sw->epfd, EPOLL_CTL_MOD, c->fd, &ev) < 0) {
		conn_close(sw, c);
		return;
	}
	c->events = want;
}

/* Only called with no query of c in flight and none complete in in[]. */
static void
conn_read(struct sock_worker *sw, struct conn *c)
{
	if (c->in_pos) {
		memmove(c->in, c->in + c->in_pos, c->in_len - c->in_pos);
		c->in_len -= c->in_pos;
		c->in_pos = 0;
	}
	ssize_t r = recv(c->fd, c->in + c->in_len, TCP_INBUF - c->in_len, 0);
	if (r < 0) {
		if (errno != EAGAIN && errno != EINTR)
			conn_close(sw, c);
		return;
	}
	if (r == 0) {
		c->eof = true;
	} else {
		c->in_len += (uint32_t)r;
		conn_touch(sw, c);
	}
	conn_update(sw, c);
}

static void
conn_flush(struct sock_worker *sw, struct conn *c)
{
	while (c->pend_len) {
		ssize_t r = send(c->fd, c->pend + c->pend_off, c->pend_len, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN)
				conn_close(sw, c);
			return;
		}
		c->pend_off += (uint32_t)r;
		c->pend_len -= (uint32_t)r;
		conn_touch(sw, c);
	}
	c->pend_off = 0;
	c->wait_out = false;
	conn_update(sw, c);
}

/*
 * Write a connection's replies of one burst in one sendmsg. end[k] is the
 * offset in in[] just past the query of reply k; first is where the burst's
 * first query began. When the kernel takes only part, the rest of a reply
 * it began waits in pend[], and the queries of the replies it did not begin
 * are put back (in[] is untouched until they are answered), to be answered
 * again once the peer has read. A peer that does not read stalls, moves no
 * bytes, and is closed by the idle timeout.
 */
static void
conn_output(struct sock_worker *sw, struct conn *c, struct iovec *iov, const uint32_t *end,
	    unsigned n, uint32_t first)
{
	if (c->dead)
		return;
	size_t done = 0;
	if (n) {
		struct msghdr mh = { .msg_iov = iov, .msg_iovlen = n };
		ssize_t r;
		do
			r = sendmsg(c->fd, &mh, MSG_NOSIGNAL | MSG_DONTWAIT);
		while (r < 0 && errno == EINTR);
		if (r < 0 && errno != EAGAIN) {
			conn_close(sw, c);
			return;
		}
		if (r > 0) {
			done = (size_t)r;
			conn_touch(sw, c);
		}
	}
	unsigned k = 0;
	while (k < n && done >= iov[k].iov_len)
		done -= iov[k++].iov_len;
	if (k < n) {
		if (done) {
			size_t rest = iov[k].iov_len - done;
			if (rest > TCP_PENDBUF) {
				conn_close(sw, c);
				return;
			}
			memcpy(c->pend, (const uint8_t *)iov[k].iov_base + done, rest);
			c->pend_len = (uint32_t)rest;
			c->in_pos = end[k];
		} else {
			c->in_pos = k ? end[k - 1] : first;
		}
		c->wait_out = true;
	}
	conn_update(sw, c);
}

static void
conn_event(struct sock_worker *sw, struct conn *c, uint32_t events)
{
	if (c->dead)
		return;
	if (events & EPOLLERR)
		conn_close(sw, c);
	else if (c->wait_out)
		conn_flush(sw, c);
	else if (!c->ready && !c->eof)
		conn_read(sw, c);
}

static void
listen_accept(struct sock_worker *sw, struct sock_listen *l)
{
	for (unsigned k = 0; k < ACCEPT_BATCH; k++) {
		int fd = accept4(l->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0) {
			/* Out of descriptors: make room by closing the least recently active. */
			if ((errno == EMFILE || errno == ENFILE) && sw->list[L_LRU].head) {
				conn_close(sw, sw->list[L_LRU].head);
				continue;
			}
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			return;
		}
		if (sw->nconns >= sw->max_conns)
			conn_close(sw, sw->list[L_LRU].head);
		struct conn *c = malloc(sizeof(*c));
		if (!c) {
			close(fd);
			return;
		}
		memset(c, 0, offsetof(struct conn, in));
		c->kind = SRC_CONN;
		c->fd = fd;
		c->events = EPOLLIN;
		int one = 1, sndbuf = TCP_SNDBUF;
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof(sndbuf));
		struct epoll_event ev = { .events = EPOLLIN, .data.ptr = c };
		if (epoll_ctl(sw->epfd, EPOLL_CTL_ADD, fd, &ev) < 0) {
			close(fd);
			free(c);
			return;
		}
		c->last_ms = sw->now_ms;
		clist_push(&sw->list[L_LRU], c, L_LRU);
		sw->nconns++;
		dp_count(sw->w, DP_CNT_TCP_CONN, 1);
	}
}

/* ---- the burst functions ---- */

static void
sock_poll(struct sock_worker *sw, int timeout)
{
	int k = epoll_wait(sw->epfd, sw->ev, EVENTS, timeout);
	sw->now_ms = now_ms();
	for (int i = 0; i < k; i++) {
		uint8_t kind = *(const uint8_t *)sw->ev[i].data.ptr;
		if (kind == SRC_UDP) {
			struct sock_udp *us = sw->ev[i].data.ptr;
			if (!us->readable) {
				us->readable = true;
				sw->udp_readable++;
			}
		} else if (kind == SRC_LISTEN) {
			listen_accept(sw, sw->ev[i].data.ptr);
		} else {
			conn_event(sw, sw->ev[i].data.ptr, sw->ev[i].events);
		}
	}
	conns_expire(sw);
	conns_reap(sw);
}

static unsigned
tcp_gather(struct sock_worker *sw, struct dp_msg *msgs, unsigned max)
{
	unsigned n = 0;
	struct conn *c;
	while (n < max && n < TCP_BURST && (c = sw->list[L_READY].head)) {
		uint32_t mlen;
		int f;
		while ((f = frame_peek(c, &mlen)) > 0 && n < max && n < TCP_BURST) {
			struct dp_msg *m = &msgs[n];
			m->q = c->in + c->in_pos + 2;
			m->qlen = mlen;
			m->out = tcp_frame(sw, n) + 2;
			m->cap = TCP_MSG_MAX;
			m->flags = DP_Q_TCP;
			m->slot = (uint16_t)n;
			sw->tslot[n++] = c;
			c->in_pos += 2 + mlen;
		}
		clist_del(&sw->list[L_READY], c, L_READY);
		if (f > 0) {
			/* No room left: the other ready connections go first next time. */
			clist_push(&sw->list[L_READY], c, L_READY);
			break;
		}
		/* No complete query left; conn_update settles c after the replies. */
		c->ready = false;
	}
	return n;
}

static void
udp_clear(struct sock_worker *sw, struct sock_udp *us)
{
	us->readable = false;
	sw->udp_readable--;
}

static unsigned
udp_gather(struct sock_worker *sw, struct dp_msg *msgs, unsigned max)
{
	unsigned n = 0, u = 0;
	for (unsigned k = 0; k < sw->nsock && sw->udp_readable && n < max && u < DP_BURST; k++) {
		unsigned si = (sw->udp_next + k) % sw->nsock;
		struct sock_udp *us = &sw->udp[si];
		if (!us->readable)
			continue;
		unsigned want = max - n < DP_BURST - u ? max - n : DP_BURST - u;
		for (unsigned j = u; j < u + want; j++) {
			struct msghdr *h = &sw->rx[j].msg_hdr;
			h->msg_namelen = sizeof(sw->uslot[j].peer);
			h->msg_controllen = us->pktinfo ? sizeof(sw->uslot[j].cmsg) : 0;
		}
		int r = recvmmsg(us->fd, &sw->rx[u], want, MSG_DONTWAIT, NULL);
		if (r <= 0) {
			udp_clear(sw, us);
			continue;
		}
		if ((unsigned)r < want)
			udp_clear(sw, us);
		for (unsigned j = u; j < u + (unsigned)r; j++) {
			if (sw->rx[j].msg_hdr.msg_flags & MSG_TRUNC) {
				/* Larger than any query we answer. */
				dp_count(sw->w, DP_CNT_RX, 1);
				dp_count(sw->w, DP_CNT_DROPPED, 1);
				continue;
			}
			struct dp_msg *m = &msgs[n++];
			m->q = udp_qbuf(sw, j);
			m->qlen = sw->rx[j].msg_len;
			m->out = udp_obuf(sw, j);
			m->cap = UDP_BUF;
			m->flags = 0;
			m->slot = (uint16_t)j;
			sw->uslot[j].sock = si;
		}
		u += (unsigned)r;
	}
	sw->udp_next++;
	return n;
}

static unsigned
sock_rx_burst(void *ctx, struct dp_msg *msgs, unsigned max)
{
	struct sock_worker *sw = ctx;
	bool busy = sw->udp_readable || sw->list[L_READY].head;

	/* While data keeps coming, skip most epoll_wait calls: read directly. */
	if (!busy || ++sw->skipped >= POLL_EVERY) {
		sw->skipped = 0;
		sock_poll(sw, busy ? 0 : POLL_MS);
	}
	unsigned n = tcp_gather(sw, msgs, max);
	return n + udp_gather(sw, msgs + n, max - n);
}

/* Control data that makes the reply leave from the query's destination address. */
static socklen_t
udp_reply_control(struct udp_slot *us, socklen_t rxlen)
{
	struct msghdr h = { .msg_control = us->cmsg.buf, .msg_controllen = rxlen };
	for (struct cmsghdr *cm = CMSG_FIRSTHDR(&h); cm; cm = CMSG_NXTHDR(&h, cm)) {
		if (cm->cmsg_level == IPPROTO_IP && cm->cmsg_type == IP_PKTINFO) {
			struct in_pktinfo *pi = (struct in_pktinfo *)CMSG_DATA(cm);
			pi->ipi_spec_dst = pi->ipi_addr;
			pi->ipi_ifindex = 0;
		} else if (cm->cmsg_level == IPPROTO_IPV6 && cm->cmsg_type == IPV6_PKTINFO) {
			struct in6_pktinfo *pi = (struct in6_pktinfo *)CMSG_DATA(cm);
			if (!IN6_IS_ADDR_LINKLOCAL(&pi->ipi6_addr))
				pi->ipi6_ifindex = 0;
		} else {
			continue;
		}
		if ((uint8_t *)cm != us->cmsg.buf)
			memmove(us->cmsg.buf, cm, cm->cmsg_len);
		return (socklen_t)CMSG_SPACE(cm->cmsg_len - CMSG_LEN(0));
	}
	return 0;
}

static void
udp_send(struct sock_worker *sw, unsigned si, unsigned cnt)
{
	unsigned off = 0;
	while (off < cnt) {
		int r = sendmmsg(sw->udp[si].fd, &sw->tx[off], cnt - off, MSG_DONTWAIT);
		if (r > 0) {
			off += (unsigned)r;
		} else if (r < 0 && errno == EINTR) {
			continue;
		} else if (r < 0 && (errno == EAGAIN || errno == ENOBUFS)) {
			return;  /* socket queue full: the rest is dropped */
		} else {
			off++;   /* this datagram cannot be sent; try the others */
		}
	}
}

/* One connection's replies within a burst, written together. */
struct tcp_out {
	struct conn *c;
	unsigned n;
	uint32_t first;
	struct iovec iov[TCP_BURST];
	uint32_t end[TCP_BURST];
};

static void
sock_tx_burst(void *ctx, struct dp_msg *msgs, unsigned n)
{
	struct sock_worker *sw = ctx;
	unsigned cnt = 0, cur = 0;
	struct tcp_out to = { .c = NULL };

	for (unsigned i = 0; i < n; i++) {
		struct dp_msg *m = &msgs[i];
		if (m->flags & DP_Q_TCP) {
			/* A connection's queries are consecutive in the burst. */
			struct conn *c = sw->tslot[m->slot];
			if (c != to.c) {
				if (to.c)
					conn_output(sw, to.c, to.iov, to.end, to.n, to.first);
				to.c = c;
				to.n = 0;
				to.first = (uint32_t)(m->q - 2 - c->in);
			}
			if (m->verdict == DP_SEND) {
				uint8_t *f = m->out - 2;
				f[0] = (uint8_t)(m->outlen >> 8);
				f[1] = (uint8_t)m->outlen;
				to.iov[to.n].iov_base = f;
				to.iov[to.n].iov_len = m->outlen + 2u;
				to.end[to.n++] = (uint32_t)(m->q + m->qlen - c->in);
			}
			continue;
		}
		if (m->verdict != DP_SEND)
			continue;
		struct udp_slot *us = &sw->uslot[m->slot];
		if (cnt && us->sock != cur) {
			udp_send(sw, cur, cnt);
			cnt = 0;
		}
		cur = us->sock;
		struct msghdr *rh = &sw->rx[m->slot].msg_hdr;
		struct msghdr *th = &sw->tx[cnt++].msg_hdr;
		us->iov_tx.iov_base = m->out;
		us->iov_tx.iov_len = m->outlen;
		th->msg_name = &us->peer;
		th->msg_namelen = rh->msg_namelen;
		th->msg_iov = &us->iov_tx;
		th->msg_iovlen = 1;
		th->msg_controllen = sw->udp[cur].pktinfo ? udp_reply_control(us, (socklen_t)rh->msg_controllen) : 0;
		th->msg_control = th->msg_controllen ? us->cmsg.buf : NULL;
		th->msg_flags = 0;
	}
	if (cnt)
		udp_send(sw, cur, cnt);
	if (to.c)
		conn_output(sw, to.c, to.iov, to.end, to.n, to.first);
	conns_reap(sw);
}

static const struct dp_backend_ops sock_ops = {
	.rx_burst = sock_rx_burst,
	.tx_burst = sock_tx_burst,
};

static void *
worker_main(void *arg)
{
	struct sock_worker *sw = arg;
	dp_loop_run(sw->w, &sock_ops, sw);
	return NULL;
}

/* ---- setup and teardown ---- */

static void
addr_str(const struct dp_listen *l, char *buf, size_t len)
{
	char host[INET6_ADDRSTRLEN] = "?";
	const union sock_addr *a = (const union sock_addr *)&l->addr;
	if (a->sa.sa_family == AF_INET) {
		inet_ntop(AF_INET, &a->v4.sin_addr, host, sizeof(host));
		snprintf(buf, len, "%s:%u", host, ntohs(a->v4.sin_port));
	} else if (a->sa.sa_family == AF_INET6) {
		inet_ntop(AF_INET6, &a->v6.sin6_addr, host, sizeof(host));
		snprintf(buf, len, "[%s]:%u", host, ntohs(a->v6.sin6_port));
	} else {
		snprintf(buf, len, "address family %u", a->sa.sa_family);
	}
}

static bool
addr_wildcard(const struct dp_listen *l)
{
	const union sock_addr *a = (const union sock_addr *)&l->addr;
	if (a->sa.sa_family == AF_INET)
		return a->v4.sin_addr.s_addr == htonl(INADDR_ANY);
	return IN6_IS_ADDR_UNSPECIFIED(&a->v6.sin6_addr);
}

static int
setopt(int fd, int level, int name, int val)
{
	return setsockopt(fd, level, name, &val, sizeof(val)) < 0 ? -errno : 0;
}

/* A socket of this type bound to l with SO_REUSEPORT (and IPV6_V6ONLY for IPv6). */
static int
sock_bind(const struct dp_listen *l, int type)
{
	int family = l->addr.ss_family;
	if (family != AF_INET && family != AF_INET6)
		return -EAFNOSUPPORT;
	int fd = socket(family, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	int rc = setopt(fd, SOL_SOCKET, SO_REUSEPORT, 1);
	if (!rc && type == SOCK_STREAM)
		rc = setopt(fd, SOL_SOCKET, SO_REUSEADDR, 1);
	if (!rc && family == AF_INET6)
		rc = setopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, 1);
	if (!rc && type == SOCK_DGRAM && addr_wildcard(l))
		rc = family == AF_INET ? setopt(fd, IPPROTO_IP, IP_PKTINFO, 1)
				       : setopt(fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, 1);
	if (!rc && type == SOCK_DGRAM) {
		/*
		 * Best effort: a deeper queue absorbs bursts; ignoring path MTU
		 * updates keeps forged ICMP from shrinking our replies.
		 */
		setopt(fd, SOL_SOCKET, SO_RCVBUF, UDP_RCVBUF);
		if (family == AF_INET)
			setopt(fd, IPPROTO_IP, IP_MTU_DISCOVER, IP_PMTUDISC_OMIT);
		else
			setopt(fd, IPPROTO_IPV6, IPV6_MTU_DISCOVER, IPV6_PMTUDISC_OMIT);
	}
	if (!rc && bind(fd, (const struct sockaddr *)&l->addr, l->addrlen) < 0)
		rc = -errno;
	if (!rc && type == SOCK_STREAM && listen(fd, TCP_BACKLOG) < 0)
		rc = -errno;
	if (rc) {
		close(fd);
		return rc;
	}
	return fd;
}

/*
 * Every worker binds l with SO_REUSEPORT, and so could another process of
 * the same user: the kernel would then split the queries between the two
 * servers without a word. A bind without SO_REUSEPORT first fails with
 * EADDRINUSE when anyone else holds the address, making that a start-up
 * error instead.
 */
static int
addr_check_free(const struct dp_listen *l, int type)
{
	int fd = socket(l->addr.ss_family, type | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	int rc = 0;
	if (type == SOCK_STREAM)
		rc = setopt(fd, SOL_SOCKET, SO_REUSEADDR, 1); /* TIME_WAIT is no owner */
	if (!rc && l->addr.ss_family == AF_INET6)
		rc = setopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, 1);
	if (!rc && bind(fd, (const struct sockaddr *)&l->addr, l->addrlen) < 0)
		rc = -errno;
	close(fd);
	return rc;
}

static void
worker_free(struct sock_worker *sw)
{
	if (!sw)
		return;
	while (sw->list[L_LRU].head)
		conn_close(sw, sw->list[L_LRU].head);
	conns_reap(sw);
	for (unsigned i = 0; i < sw->nsock; i++) {
		if (sw->udp[i].fd >= 0)
			close(sw->udp[i].fd);
		if (sw->lst[i].fd >= 0)
			close(sw->lst[i].fd);
	}
	if (sw->epfd >= 0)
		close(sw->epfd);
	free(sw->udp);
	free(sw->lst);
	free(sw->bufs);
	free(sw);
}

static int
epoll_add(int epfd, int fd, void *src)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.ptr = src };
	return epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev) < 0 ? -errno : 0;
}

/* Sockets, epoll set and buffers of one worker. On error err names the address. */
static int
worker_new(const struct dp_socket_config *cfg, struct sock_worker **out, char *err, size_t errlen)
{
	struct sock_worker *sw;
	if (posix_memalign((void **)&sw, 64, sizeof(*sw)))
		goto nomem;
	memset(sw, 0, sizeof(*sw));
	sw->epfd = -1;
	sw->idle_ms = cfg->tcp_idle_ms > 0 ? (uint32_t)cfg->tcp_idle_ms : TCP_IDLE_MS_DEFAULT;
	sw->max_conns = cfg->tcp_max_conns ? cfg->tcp_max_conns : TCP_MAX_CONNS_DEFAULT;
	sw->udp = calloc(cfg->nlisten, sizeof(*sw->udp));
	sw->lst = calloc(cfg->nlisten, sizeof(*sw->lst));
	sw->bufs = malloc(BUFS_SIZE);
	if (!sw->udp || !sw->lst || !sw->bufs) {
		worker_free(sw);
		goto nomem;
	}
	for (unsigned j = 0; j < DP_BURST; j++) {
		struct udp_slot *us = &sw->uslot[j];
		struct msghdr *h = &sw->rx[j].msg_hdr;
		us->iov_rx.iov_base = udp_qbuf(sw, j);
		us->iov_rx.iov_len = UDP_BUF;
		h->msg_name = &us->peer;
		h->msg_iov = &us->iov_rx;
		h->msg_iovlen = 1;
		h->msg_control = us->cmsg.buf;
	}
	sw->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (sw->epfd < 0) {
		int rc = -errno;
		snprintf(err, errlen, "epoll_create1: %s", strerror(-rc));
		worker_free(sw);
		return rc;
	}
	for (size_t i = 0; i < cfg->nlisten; i++) {
		const struct dp_listen *l = &cfg->listen[i];
		struct sock_udp *us = &sw->udp[i];
		struct sock_listen *ls = &sw->lst[i];
		us->kind = SRC_UDP;
		us->pktinfo = addr_wildcard(l);
		ls->kind = SRC_LISTEN;
		us->fd = sock_bind(l, SOCK_DGRAM);
		ls->fd = us->fd < 0 ? -1 : sock_bind(l, SOCK_STREAM);
		sw->nsock++;
		int rc = us->fd < 0 ? us->fd : ls->fd < 0 ? ls->fd : 0;
		if (!rc)
			rc = epoll_add(sw->epfd, us->fd, us);
		if (!rc)
			rc = epoll_add(sw->epfd, ls->fd, ls);
		if (rc) {
			char a[INET6_ADDRSTRLEN + 16];
			addr_str(l, a, sizeof(a));
			snprintf(err, errlen, "%s: %s", a, strerror(-rc));
			worker_free(sw);
			return rc;
		}
	}
	*out = sw;
	return 0;
nomem:
	snprintf(err, errlen, "socket backend: %s", strerror(ENOMEM));
	return -ENOMEM;
}

/* The CPU for worker i: the (i mod count)-th CPU this process may run on. */
static int
worker_cpu(unsigned i)
{
	cpu_set_t set;
	if (sched_getaffinity(0, sizeof(set), &set) < 0)
		return -1;
	int count = CPU_COUNT(&set);
	if (count <= 0)
		return -1;
	int want = (int)(i % (unsigned)count);
	for (int cpu = 0; cpu < CPU_SETSIZE; cpu++) {
		if (CPU_ISSET(cpu, &set) && want-- == 0)
			return cpu;
	}
	return -1;
}

static void
socket_free(struct dp_socket *s)
{
	for (unsigned i = 0; i < s->nworkers; i++) {
		struct sock_worker *sw = s->sw[i];
		if (!sw)
			continue;
		if (sw->w) {
			dp_worker_fini(sw->w);
			free(sw->w);
		}
		worker_free(sw);
	}
	free(s->sw);
	free(s->workers);
	free(s);
}

static void
socket_join(struct dp_socket *s)
{
	/* Relaxed: the flag only ends the loops; pthread_join orders everything after. */
	atomic_store_explicit(&s->rt->stop, true, memory_order_relaxed);
	for (unsigned i = 0; i < s->nworkers; i++) {
		if (s->sw[i] && s->sw[i]->running) {
			pthread_join(s->sw[i]->thread, NULL);
			s->sw[i]->running = false;
		}
	}
}

static int
socket_threads(struct dp_socket *s, const struct dp_socket_config *cfg, char *err, size_t errlen)
{
	/* Workers take no signals; the daemon's main thread handles them. */
	sigset_t all, old;
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	int rc = 0;
	for (unsigned i = 0; i < s->nworkers && !rc; i++) {
		struct sock_worker *sw = s->sw[i];
		rc = -pthread_create(&sw->thread, NULL, worker_main, sw);
		if (rc) {
			snprintf(err, errlen, "worker %u: %s", i, strerror(-rc));
			break;
		}
		sw->running = true;
		char name[24];
		snprintf(name, sizeof(name), "sigedge-w%u", cfg->first_id + i);
		name[15] = '\0';  /* the kernel's limit */
		pthread_setname_np(sw->thread, name);
		if (cfg->pin) {
			int cpu = worker_cpu(i);
			cpu_set_t set;
			CPU_ZERO(&set);
			if (cpu >= 0)
				CPU_SET(cpu, &set);
			rc = cpu < 0 ? -EINVAL : -pthread_setaffinity_np(sw->thread, sizeof(set), &set);
			if (rc)
				snprintf(err, errlen, "pin worker %u: %s", i, strerror(-rc));
		}
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return rc;
}

int
dp_socket_start(struct dp_runtime *rt, const struct dp_socket_config *cfg,
		struct dp_socket **out, char *err, size_t errlen)
{
	if (!cfg->workers || !cfg->nlisten) {
		snprintf(err, errlen, "socket backend: %s", cfg->workers ? "no listen address" : "no workers");
		return -EINVAL;
	}
	struct dp_socket *s = calloc(1, sizeof(*s));
	if (s) {
		s->rt = rt;
		s->sw = calloc(cfg->workers, sizeof(*s->sw));
		s->workers = calloc(cfg->workers, sizeof(*s->workers));
	}
	if (!s || !s->sw || !s->workers) {
		if (s) {
			free(s->sw);
			free(s->workers);
			free(s);
		}
		snprintf(err, errlen, "socket backend: %s", strerror(ENOMEM));
		return -ENOMEM;
	}
	s->nworkers = cfg->workers;

	int rc = 0;
	for (size_t i = 0; i < cfg->nlisten && !rc; i++) {
		const struct dp_listen *l = &cfg->listen[i];
		if (l->addr.ss_family != AF_INET && l->addr.ss_family != AF_INET6)
			rc = -EAFNOSUPPORT;
		if (!rc)
			rc = addr_check_free(l, SOCK_DGRAM);
		if (!rc)
			rc = addr_check_free(l, SOCK_STREAM);
		if (rc) {
			char a[INET6_ADDRSTRLEN + 16];
			addr_str(l, a, sizeof(a));
			snprintf(err, errlen, "%s: %s%s", a, strerror(-rc),
				 rc == -EADDRINUSE ? " (another server is listening there)" : "");
		}
	}
	for (unsigned i = 0; i < cfg->workers && !rc; i++)
		rc = worker_new(cfg, &s->sw[i], err, errlen);
	for (unsigned i = 0; i < cfg->workers && !rc; i++) {
		struct dp_worker *w = aligned_alloc(64, sizeof(*w));
		if (!w) {
			rc = -ENOMEM;
			snprintf(err, errlen, "socket backend: %s", strerror(ENOMEM));
			break;
		}
		memset(w, 0, sizeof(*w));
		rc = dp_worker_init(w, rt, cfg->first_id + i);
		if (rc) {
			free(w);
			snprintf(err, errlen, "worker %u: %s", i, strerror(-rc));
			break;
		}
		s->sw[i]->w = w;
		s->workers[i] = w;
	}
	if (!rc) {
		/* Relaxed: pthread_create orders this store before the workers start. */
		atomic_store_explicit(&rt->stop, false, memory_order_relaxed);
		rc = socket_threads(s, cfg, err, errlen);
	}
	if (rc) {
		socket_join(s);
		socket_free(s);
		return rc;
	}
	*out = s;
	return 0;
}

void
dp_socket_stop(struct dp_socket *s)
{
	if (!s)
		return;
	socket_join(s);
	socket_free(s);
}

size_t
dp_socket_workers(const struct dp_socket *s, struct dp_worker *const **out)
{
	*out = s->workers;
	return s->nworkers;
}
