/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Inbound DNS for the control thread (UPDATE and NOTIFY from multi-signer
 * peers on the keysync listen addresses): UDP and TCP listeners on a list
 * of addresses, every request handed to one handler, nothing blocking. The
 * owner polls the descriptors from ctl_dnss_pollfds and hands the results
 * to ctl_dnss_process, which also closes idle connections (CLOCK_MONOTONIC).
 *
 * UDP: up to a small batch of datagrams per readiness, each reply sent back
 * with sendto (a reply the kernel does not take at once is dropped).
 *
 * TCP (RFC 7766): non-blocking accept; requests framed with a 2-octet
 * length, several per connection and split anywhere, answered in order. A
 * reply the kernel does not take at once waits in the connection's buffer,
 * and the connection reads nothing more until it is written. A message
 * length of 0 closes the connection; so do EOF (once the replies to the
 * requests before it are written) and read or write errors. A connection is
 * idle when no octet moved either way for idle_ms; idle ones are closed. At
 * max_conns, a new connection closes the least recently active one.
 *
 * Threading: one owner thread (the control thread); nothing here is
 * thread-safe.
 */
#ifndef SIGEDGE_CTL_DNSSERVER_H
#define SIGEDGE_CTL_DNSSERVER_H

#include <poll.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "dataplane/io/socket.h"

#define CTL_DNSS_IDLE_MS 10000   /* default idle timeout of a TCP connection */
#define CTL_DNSS_CONNS_MAX 64    /* default limit on TCP connections */

/*
 * Answer one request: req[0..len) from the peer at from (over TCP when tcp).
 * Writes the reply, at most cap octets, to reply and returns its length, or
 * 0 to send nothing. cap is 65535 for UDP and TCP alike: the handler keeps
 * UDP replies within what the peer can take, setting TC where needed.
 * req and reply are valid only during the call. It must not call into the
 * server.
 */
typedef size_t ctl_dnss_handler(void *arg, const uint8_t *req, size_t len,
				const struct sockaddr *from, socklen_t fromlen, bool tcp,
				uint8_t *reply, size_t cap);

struct ctl_dnss_config {
	const struct dp_listen *listen;
	size_t nlisten;              /* may be 0: nothing to serve */
	ctl_dnss_handler *handler;
	void *arg;                   /* handler's first argument */
	unsigned idle_ms;            /* 0: CTL_DNSS_IDLE_MS */
	unsigned max_conns;          /* 0: CTL_DNSS_CONNS_MAX */
};

struct ctl_dnss;

/*
 * Bind UDP and TCP on every address (SO_REUSEADDR; IPv6 ones IPV6_V6ONLY).
 * Port 0 binds both to one port the kernel chooses (see ctl_dnss_addr).
 * Returns 0, or a negative errno with nothing left open and err saying
 * "ADDRESS: reason".
 */
int ctl_dnss_open(const struct ctl_dnss_config *cfg, struct ctl_dnss **out, char *err,
		  size_t errlen);

/* The address listen entry i is bound to (its port filled in when it was 0). */
void ctl_dnss_addr(const struct ctl_dnss *s, size_t i, struct dp_listen *out);

/* The number of open TCP connections. */
size_t ctl_dnss_conns(const struct ctl_dnss *s);

/*
 * Fill pf with the descriptors to poll (revents cleared). Returns how many
 * s needs; when that is more than cap only the first cap were written and
 * the caller should retry with a larger array.
 */
size_t ctl_dnss_pollfds(const struct ctl_dnss *s, struct pollfd *pf, size_t cap);

/* Milliseconds until the next idle connection is due (0: one is), -1 when none. */
int ctl_dnss_timeout_ms(const struct ctl_dnss *s);

/*
 * Handle the poll results pf[0..n) (entries for descriptors that are not
 * s's are ignored) and close the idle connections.
 */
void ctl_dnss_process(struct ctl_dnss *s, const struct pollfd *pf, size_t n);

/* Close every socket and connection and free s. NULL is a no-op. */
void ctl_dnss_free(struct ctl_dnss *s);

#endif
