/* SPDX-License-Identifier: BSD-3-Clause */
#include "control/dnsserver.h"

#include <errno.h>
#include <limits.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "control/opts.h"
#include "dns/wire.h"

#define UDP_READS_MAX 16         /* datagrams read per readiness */
#define ACCEPTS_MAX 16           /* connections accepted per readiness */
#define BIND_TRIES 8             /* port 0: tries for a port free for both UDP and TCP */
#define FRAME_MAX (2 + DNS_MSG_MAX)

struct listener {
	struct dp_listen addr;       /* as bound */
	int udp, tcp;
	short udp_rev, tcp_rev;      /* this round's poll results */
};

struct conn {
	int fd;
	short revents;               /* this round's poll result */
	bool eof;
	uint64_t last;               /* last time an octet moved */
	struct sockaddr_storage peer;
	socklen_t peerlen;
	size_t inlen, outlen, outoff;
	uint8_t in[FRAME_MAX];       /* framed requests */
	uint8_t out[FRAME_MAX];      /* one framed reply */
};

struct ctl_dnss {
	struct listener *l;
	size_t nl;
	struct conn **c;             /* max_conns slots, nc used */
	size_t nc, max_conns;
	unsigned idle_ms;
	ctl_dnss_handler *handler;
	void *arg;
	uint8_t ubuf[DNS_MSG_MAX];   /* UDP request */
	uint8_t reply[DNS_MSG_MAX];  /* UDP reply */
};

static uint64_t
now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/*
 * A socket of this type bound to a. SO_REUSEADDR only for TCP (restarts
 * despite connections in TIME_WAIT): on UDP it would let a second process
 * bind the same address and take the datagrams.
 */
static int
bind_one(int type, const struct dp_listen *a)
{
	int one = 1;
	int fd = socket(a->addr.ss_family, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if ((type == SOCK_STREAM &&
	     setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0) ||
	    (a->addr.ss_family == AF_INET6 &&
	     setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one)) < 0) ||
	    bind(fd, (const struct sockaddr *)&a->addr, a->addrlen) < 0 ||
	    (type == SOCK_STREAM && listen(fd, SOMAXCONN) < 0)) {
		int rc = -errno;
		close(fd);
		return rc;
	}
	return fd;
}

static void
listener_close(struct listener *l)
{
	if (l->udp >= 0)
		close(l->udp);
	if (l->tcp >= 0)
		close(l->tcp);
	l->udp = l->tcp = -1;
}

/* Bind l->addr for UDP and TCP; a port of 0 becomes one both could bind. */
static int
listener_open(struct listener *l)
{
	const struct dp_listen want = l->addr;
	for (unsigned t = 0;; t++) {
		l->tcp = -1;
		l->udp = bind_one(SOCK_DGRAM, &want);
		if (l->udp < 0)
			return l->udp;
		l->addr.addrlen = sizeof(l->addr.addr);
		if (getsockname(l->udp, (struct sockaddr *)&l->addr.addr, &l->addr.addrlen) < 0) {
			int rc = -errno;
			listener_close(l);
			return rc;
		}
		l->tcp = bind_one(SOCK_STREAM, &l->addr);
		if (l->tcp >= 0)
			return 0;
		int rc = l->tcp;
		listener_close(l);
		/* The port the kernel chose for UDP may be taken for TCP: choose again. */
		bool chosen = (want.addr.ss_family == AF_INET6 ?
			       ((const struct sockaddr_in6 *)&want.addr)->sin6_port :
			       ((const struct sockaddr_in *)&want.addr)->sin_port) == 0;
		if (rc != -EADDRINUSE || !chosen || t + 1 == BIND_TRIES)
			return rc;
	}
}

int
ctl_dnss_open(const struct ctl_dnss_config *cfg, struct ctl_dnss **out, char *err,
	      size_t errlen)
{
	struct ctl_dnss *s = calloc(1, sizeof(*s));
	size_t max = cfg->max_conns ? cfg->max_conns : CTL_DNSS_CONNS_MAX;
	if (!s || !(s->c = calloc(max, sizeof(*s->c))) ||
	    (cfg->nlisten && !(s->l = calloc(cfg->nlisten, sizeof(*s->l))))) {
		ctl_dnss_free(s);
		snprintf(err, errlen, "%s", strerror(ENOMEM));
		return -ENOMEM;
	}
	s->max_conns = max;
	s->idle_ms = cfg->idle_ms ? cfg->idle_ms : CTL_DNSS_IDLE_MS;
	s->handler = cfg->handler;
	s->arg = cfg->arg;
	for (size_t i = 0; i < cfg->nlisten; i++) {
		struct listener *l = &s->l[s->nl];
		l->addr = cfg->listen[i];
		int rc = listener_open(l);
		if (rc < 0) {
			char a[128];
			if (ctl_addr_format(&cfg->listen[i], a, sizeof(a)) < 0)
				snprintf(a, sizeof(a), "listen address %zu", i + 1);
			snprintf(err, errlen, "%s: %s", a, strerror(-rc));
			ctl_dnss_free(s);
			return rc;
		}
		s->nl++;
	}
	*out = s;
	return 0;
}

void
ctl_dnss_addr(const struct ctl_dnss *s, size_t i, struct dp_listen *out)
{
	*out = s->l[i].addr;
}

size_t
ctl_dnss_conns(const struct ctl_dnss *s)
{
	return s->nc;
}

static void
conn_close(struct ctl_dnss *s, size_t i)
{
	close(s->c[i]->fd);
	free(s->c[i]);
	s->c[i] = s->c[--s->nc];
}

/* Write what is pending. Returns false when the connection failed. */
static bool
conn_flush(struct conn *c)
{
	while (c->outoff < c->outlen) {
		ssize_t n = send(c->fd, c->out + c->outoff, c->outlen - c->outoff, MSG_NOSIGNAL);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return errno == EAGAIN || errno == EWOULDBLOCK;
		}
		c->outoff += (size_t)n;
		c->last = now_ms();
	}
	c->outlen = c->outoff = 0;
	return true;
}

/* One read. Returns false when the connection failed. */
static bool
conn_read(struct conn *c)
{
	ssize_t n = recv(c->fd, c->in + c->inlen, sizeof(c->in) - c->inlen, 0);
	if (n < 0)
		return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR;
	if (n == 0)
		c->eof = true;
	c->inlen += (size_t)n;
	c->last = now_ms();
	return true;
}

/*
 * Answer the complete requests in order while nothing waits to be written.
 * Returns false for a length of 0 or a failed write.
 */
static bool
conn_answer(struct ctl_dnss *s, struct conn *c)
{
	while (c->outlen == 0 && c->inlen >= 2) {
		size_t mlen = dns_get16(c->in);
		if (mlen == 0)
			return false;
		if (c->inlen < 2 + mlen)
			break;
		size_t rlen = s->handler(s->arg, c->in + 2, mlen, (const struct sockaddr *)&c->peer,
					 c->peerlen, true, c->out + 2, DNS_MSG_MAX);
		c->inlen -= 2 + mlen;
		memmove(c->in, c->in + 2 + mlen, c->inlen);
		if (rlen == 0)
			continue;
		dns_put16(c->out, (uint16_t)rlen);
		c->outlen = 2 + rlen;
		if (!conn_flush(c))
			return false;
	}
	return true;
}

/* Returns false when the connection is to be closed. */
static bool
conn_event(struct ctl_dnss *s, struct conn *c, short ev)
{
	if (c->outlen && !conn_flush(c))
		return false;
	if (!c->outlen && (ev & (POLLIN | POLLHUP | POLLERR)) && !conn_read(c))
		return false;
	if (!conn_answer(s, c))
		return false;
	/* At EOF with nothing to write, what is left is at most a partial request. */
	return !(c->eof && c->outlen == 0);
}

static void
udp_serve(struct ctl_dnss *s, int fd)
{
	for (unsigned i = 0; i < UDP_READS_MAX; i++) {
		struct sockaddr_storage from;
		socklen_t fromlen = sizeof(from);
		ssize_t n = recvfrom(fd, s->ubuf, sizeof(s->ubuf), 0, (struct sockaddr *)&from,
				     &fromlen);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return;
		}
		size_t rlen = s->handler(s->arg, s->ubuf, (size_t)n, (const struct sockaddr *)&from,
					 fromlen, false, s->reply, sizeof(s->reply));
		if (rlen)
			sendto(fd, s->reply, rlen, MSG_DONTWAIT, (const struct sockaddr *)&from, fromlen);
	}
}

/* The least recently active connection's index (s->nc > 0). */
static size_t
conn_oldest(const struct ctl_dnss *s)
{
	size_t k = 0;
	for (size_t i = 1; i < s->nc; i++)
		if (s->c[i]->last < s->c[k]->last)
			k = i;
	return k;
}

static void
tcp_accept(struct ctl_dnss *s, int lfd)
{
	for (unsigned i = 0; i < ACCEPTS_MAX; i++) {
		struct sockaddr_storage peer;
		socklen_t peerlen = sizeof(peer);
		int fd = accept4(lfd, (struct sockaddr *)&peer, &peerlen,
				 SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			return;
		}
		struct conn *c = malloc(sizeof(*c));
		if (!c) {
			close(fd);
			return;
		}
		if (s->nc == s->max_conns)
			conn_close(s, conn_oldest(s));
		*c = (struct conn){ .fd = fd, .last = now_ms(), .peer = peer, .peerlen = peerlen };
		s->c[s->nc++] = c;
	}
}

size_t
ctl_dnss_pollfds(const struct ctl_dnss *s, struct pollfd *pf, size_t cap)
{
	size_t k = 0;
#define PUT(f, ev) do { if (k < cap) pf[k] = (struct pollfd){ .fd = (f), .events = (ev) }; k++; } while (0)
	for (size_t i = 0; i < s->nl; i++) {
		PUT(s->l[i].udp, POLLIN);
		PUT(s->l[i].tcp, POLLIN);
	}
	for (size_t i = 0; i < s->nc; i++)
		PUT(s->c[i]->fd, s->c[i]->outlen ? POLLOUT : POLLIN);
#undef PUT
	return k;
}

int
ctl_dnss_timeout_ms(const struct ctl_dnss *s)
{
	if (s->nc == 0)
		return -1;
	uint64_t now = now_ms(), due = s->c[conn_oldest(s)]->last + s->idle_ms;
	if (due <= now)
		return 0;
	return due - now > INT_MAX ? INT_MAX : (int)(due - now);
}

void
ctl_dnss_process(struct ctl_dnss *s, const struct pollfd *pf, size_t n)
{
	/* Results are attached first: accepting may reuse a closed connection's number. */
	for (size_t k = 0; k < n; k++) {
		if (!pf[k].revents)
			continue;
		for (size_t i = 0; i < s->nl; i++) {
			if (s->l[i].udp == pf[k].fd)
				s->l[i].udp_rev = pf[k].revents;
			if (s->l[i].tcp == pf[k].fd)
				s->l[i].tcp_rev = pf[k].revents;
		}
		for (size_t i = 0; i < s->nc; i++)
			if (s->c[i]->fd == pf[k].fd)
				s->c[i]->revents = pf[k].revents;
	}
	/* Backwards, so that a close moving the last connection into slot i moves one done. */
	for (size_t i = s->nc; i-- > 0;) {
		short ev = s->c[i]->revents;
		s->c[i]->revents = 0;
		if (ev && !conn_event(s, s->c[i], ev))
			conn_close(s, i);
	}
	uint64_t now = now_ms();
	for (size_t i = s->nc; i-- > 0;)
		if (now - s->c[i]->last >= s->idle_ms)
			conn_close(s, i);
	for (size_t i = 0; i < s->nl; i++) {
		struct listener *l = &s->l[i];
		if (l->udp_rev)
			udp_serve(s, l->udp);
		if (l->tcp_rev)
			tcp_accept(s, l->tcp);
		l->udp_rev = l->tcp_rev = 0;
	}
}

void
ctl_dnss_free(struct ctl_dnss *s)
{
	if (!s)
		return;
	while (s->nc)
		conn_close(s, s->nc - 1);
	for (size_t i = 0; i < s->nl; i++)
		listener_close(&s->l[i]);
	free(s->l);
	free(s->c);
	free(s);
}
