/* SPDX-License-Identifier: BSD-3-Clause */
#include "control/dnsclient.h"

#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "dns/name.h"
#include "dns/wire.h"

#define UDP_READS_MAX 16         /* datagrams read per readiness */

enum req_state { REQ_UDP, REQ_TCP_CONNECT, REQ_TCP_WRITE, REQ_TCP_READ, REQ_DONE };

struct req {
	enum req_state st;
	int fd;
	short revents;               /* this round's poll result */
	struct sockaddr_storage to;
	socklen_t tolen;
	uint8_t *frame;              /* 2-octet length, then the message */
	size_t len;                  /* message length */
	size_t woff;                 /* TCP: octets of frame written */
	uint8_t *rbuf;               /* TCP: framed input, 2 + DNS_MSG_MAX */
	size_t rlen;
	unsigned timeout_ms;
	uint64_t deadline;
	ctl_dnsc_done *done;
	void *arg;
};

struct ctl_dnsc {
	struct req **r;
	size_t n, cap;
	bool busy;                   /* in process or free: finished requests stay until the sweep */
	uint8_t ubuf[DNS_MSG_MAX];   /* UDP input */
};

static uint64_t
now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/*
 * Both messages have the same question section: count, names (ignoring
 * case), types and classes. A message against itself checks that its
 * question section is well formed.
 */
static bool
same_question(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen)
{
	if (alen < DNS_HDR_LEN || blen < DNS_HDR_LEN || dns_get16(a + 4) != dns_get16(b + 4))
		return false;
	size_t pa = DNS_HDR_LEN, pb = DNS_HDR_LEN;
	for (unsigned i = dns_get16(a + 4); i > 0; i--) {
		uint8_t na[DNS_NAME_MAXLEN], nb[DNS_NAME_MAXLEN];
		size_t la, lb;
		if (dns_name_unpack(a, alen, &pa, na, &la) < 0 ||
		    dns_name_unpack(b, blen, &pb, nb, &lb) < 0 ||
		    pa + 4 > alen || pb + 4 > blen ||
		    !dns_name_equal(na, nb) || memcmp(a + pa, b + pb, 4) != 0)
			return false;
		pa += 4;
		pb += 4;
	}
	return true;
}

static bool
is_reply(const struct req *r, const uint8_t *m, size_t len)
{
	const uint8_t *q = r->frame + 2;
	return len >= DNS_HDR_LEN && (dns_get16(m + 2) & DNS_QR) && memcmp(m, q, 2) == 0 &&
	       same_question(q, r->len, m, len);
}

static void
req_free(struct req *r)
{
	if (r->fd >= 0)
		close(r->fd);
	free(r->frame);
	free(r->rbuf);
	free(r);
}

/* Drop finished requests from the set. */
static void
sweep(struct ctl_dnsc *c)
{
	size_t k = 0;
	for (size_t i = 0; i < c->n; i++) {
		if (c->r[i]->st == REQ_DONE)
			req_free(c->r[i]);
		else
			c->r[k++] = c->r[i];
	}
	c->n = k;
}

/* Complete r: its descriptor is closed and done called; r stays until the sweep. */
static void
finish(struct req *r, int rc, const uint8_t *reply, size_t rlen)
{
	close(r->fd);
	r->fd = -1;
	r->st = REQ_DONE;
	r->done(r->arg, rc, reply, rlen);
}

/* Open the TCP connection (the deadline starts again). Returns 0 or a negative errno. */
static int
tcp_start(struct req *r)
{
	if (!r->rbuf && !(r->rbuf = malloc(2 + DNS_MSG_MAX)))
		return -ENOMEM;
	int fd = socket(r->to.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (r->fd >= 0)
		close(r->fd);
	r->fd = fd;
	r->woff = 0;
	r->rlen = 0;
	r->deadline = now_ms() + r->timeout_ms;
	if (connect(fd, (const struct sockaddr *)&r->to, r->tolen) == 0)
		r->st = REQ_TCP_WRITE;
	else if (errno == EINPROGRESS)
		r->st = REQ_TCP_CONNECT;
	else
		return -errno;
	return 0;
}

static int
udp_start(struct req *r)
{
	r->fd = socket(r->to.ss_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (r->fd < 0)
		return -errno;
	r->st = REQ_UDP;
	r->deadline = now_ms() + r->timeout_ms;
	if (connect(r->fd, (const struct sockaddr *)&r->to, r->tolen) < 0 ||
	    send(r->fd, r->frame + 2, r->len, 0) < 0)
		return -errno;
	return 0;
}

int
ctl_dnsc_send(struct ctl_dnsc *c, const struct dp_listen *to, const uint8_t *msg, size_t len,
	      unsigned flags, unsigned timeout_ms, ctl_dnsc_done *done, void *arg)
{
	if (len > DNS_MSG_MAX || !same_question(msg, len, msg, len) ||
	    to->addrlen > sizeof(to->addr))
		return -EINVAL;
	if (c->n == c->cap) {
		size_t ncap = c->cap ? c->cap * 2 : 8;
		struct req **nr = realloc(c->r, ncap * sizeof(*nr));
		if (!nr)
			return -ENOMEM;
		c->r = nr;
		c->cap = ncap;
	}
	struct req *r = calloc(1, sizeof(*r));
	if (!r || !(r->frame = malloc(len + 2))) {
		free(r);
		return -ENOMEM;
	}
	r->fd = -1;
	memcpy(&r->to, &to->addr, to->addrlen);
	r->tolen = to->addrlen;
	dns_put16(r->frame, (uint16_t)len);
	memcpy(r->frame + 2, msg, len);
	r->len = len;
	r->timeout_ms = timeout_ms;
	r->done = done;
	r->arg = arg;
	int rc = (flags & CTL_DNSC_TCP) || len > CTL_DNSC_UDP_MAX ? tcp_start(r) : udp_start(r);
	if (rc < 0) {
		req_free(r);
		return rc;
	}
	c->r[c->n++] = r;
	return 0;
}

/*
 * After a failed recv or send: true to try again at once (EINTR); else r
 * waits for the next readiness (EAGAIN) or has failed with errno.
 */
static bool
io_retry(struct req *r)
{
	if (errno == EINTR)
		return true;
	if (errno != EAGAIN && errno != EWOULDBLOCK)
		finish(r, -errno, NULL, 0);
	return false;
}

static void
udp_input(struct ctl_dnsc *c, struct req *r)
{
	for (unsigned i = 0; i < UDP_READS_MAX; i++) {
		ssize_t n = recv(r->fd, c->ubuf, sizeof(c->ubuf), 0);
		if (n < 0) {
			if (io_retry(r))
				continue;
			return;
		}
		if (!is_reply(r, c->ubuf, (size_t)n))
			continue;
		if (dns_get16(c->ubuf + 2) & DNS_TC) {
			int rc = tcp_start(r);
			if (rc < 0)
				finish(r, rc, NULL, 0);
		} else {
			finish(r, 0, c->ubuf, (size_t)n);
		}
		return;
	}
}

static void
tcp_output(struct req *r)
{
	while (r->woff < r->len + 2) {
		ssize_t n = send(r->fd, r->frame + r->woff, r->len + 2 - r->woff, MSG_NOSIGNAL);
		if (n < 0) {
			if (io_retry(r))
				continue;
			return;
		}
		r->woff += (size_t)n;
	}
	r->st = REQ_TCP_READ;
}

static void
tcp_input(struct req *r)
{
	ssize_t n = recv(r->fd, r->rbuf + r->rlen, 2 + DNS_MSG_MAX - r->rlen, 0);
	if (n <= 0) {
		if (n == 0)
			finish(r, -ECONNRESET, NULL, 0);
		else
			io_retry(r);
		return;
	}
	r->rlen += (size_t)n;
	size_t mlen;
	while (r->rlen >= 2 && r->rlen >= 2 + (mlen = dns_get16(r->rbuf))) {
		if (is_reply(r, r->rbuf + 2, mlen)) {
			finish(r, 0, r->rbuf + 2, mlen);
			return;
		}
		r->rlen -= 2 + mlen;
		memmove(r->rbuf, r->rbuf + 2 + mlen, r->rlen);
	}
}

static void
handle(struct ctl_dnsc *c, struct req *r, short ev)
{
	switch (r->st) {
	case REQ_UDP:
		if (ev & (POLLIN | POLLERR | POLLHUP))
			udp_input(c, r);
		break;
	case REQ_TCP_CONNECT: {
		int err = 0;
		socklen_t elen = sizeof(err);
		if (getsockopt(r->fd, SOL_SOCKET, SO_ERROR, &err, &elen) < 0)
			err = errno;
		if (err || !(ev & POLLOUT)) {
			finish(r, err ? -err : -ECONNRESET, NULL, 0);
			break;
		}
		r->st = REQ_TCP_WRITE;
	}
		/* fall through */
	case REQ_TCP_WRITE:
		tcp_output(r);
		break;
	case REQ_TCP_READ:
		tcp_input(r);
		break;
	case REQ_DONE:
		break;
	}
}

struct ctl_dnsc *
ctl_dnsc_new(void)
{
	return calloc(1, sizeof(struct ctl_dnsc));
}

size_t
ctl_dnsc_cancel(struct ctl_dnsc *c, const void *arg)
{
	size_t k = 0;
	for (size_t i = 0; i < c->n; i++) {
		struct req *r = c->r[i];
		if (r->st != REQ_DONE && r->arg == arg) {
			close(r->fd);
			r->fd = -1;
			r->st = REQ_DONE;
			k++;
		}
	}
	if (!c->busy)
		sweep(c);
	return k;
}

size_t
ctl_dnsc_pending(const struct ctl_dnsc *c)
{
	size_t k = 0;
	for (size_t i = 0; i < c->n; i++)
		k += c->r[i]->st != REQ_DONE;
	return k;
}

size_t
ctl_dnsc_pollfds(const struct ctl_dnsc *c, struct pollfd *pf, size_t cap)
{
	size_t k = 0;
	for (size_t i = 0; i < c->n; i++) {
		const struct req *r = c->r[i];
		if (r->st == REQ_DONE)
			continue;
		if (k < cap)
			pf[k] = (struct pollfd){
				.fd = r->fd,
				.events = r->st == REQ_UDP || r->st == REQ_TCP_READ ? POLLIN : POLLOUT,
			};
		k++;
	}
	return k;
}

int
ctl_dnsc_timeout_ms(const struct ctl_dnsc *c)
{
	uint64_t now = now_ms(), next = UINT64_MAX;
	for (size_t i = 0; i < c->n; i++)
		if (c->r[i]->st != REQ_DONE && c->r[i]->deadline < next)
			next = c->r[i]->deadline;
	if (next == UINT64_MAX)
		return -1;
	if (next <= now)
		return 0;
	return next - now > INT_MAX ? INT_MAX : (int)(next - now);
}

void
ctl_dnsc_process(struct ctl_dnsc *c, const struct pollfd *pf, size_t n)
{
	/*
	 * Results are attached to the requests before any completion runs: a
	 * completion may close descriptors and open new ones with the same
	 * numbers, which must not inherit this round's results.
	 */
	for (size_t k = 0; k < n; k++) {
		if (!pf[k].revents)
			continue;
		for (size_t i = 0; i < c->n; i++)
			if (c->r[i]->st != REQ_DONE && c->r[i]->fd == pf[k].fd)
				c->r[i]->revents = pf[k].revents;
	}
	c->busy = true;
	for (size_t i = 0; i < c->n; i++) {
		struct req *r = c->r[i];
		short ev = r->revents;
		r->revents = 0;
		if (ev)
			handle(c, r, ev);
	}
	uint64_t now = now_ms();
	for (size_t i = 0; i < c->n; i++)
		if (c->r[i]->st != REQ_DONE && c->r[i]->deadline <= now)
			finish(c->r[i], -ETIMEDOUT, NULL, 0);
	c->busy = false;
	sweep(c);
}

void
ctl_dnsc_free(struct ctl_dnsc *c)
{
	if (!c)
		return;
	c->busy = true;
	for (size_t i = 0; i < c->n; i++)
		if (c->r[i]->st != REQ_DONE)
			finish(c->r[i], -ECANCELED, NULL, 0);
	for (size_t i = 0; i < c->n; i++)
		req_free(c->r[i]);
	free(c->r);
	free(c);
}
