/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Socket backend (the default). Each worker owns one SO_REUSEPORT UDP socket
 * per listen address, read and written in bursts with recvmmsg/sendmmsg
 * through the shared loop (dataplane/io/loop.h), and serves TCP (RFC 7766:
 * 2-octet length framing, pipelined queries, idle timeout) through epoll on
 * SO_REUSEPORT listeners of its own.
 *
 * UDP: a wildcard address (0.0.0.0 or ::) gets IP_PKTINFO/IPV6_RECVPKTINFO,
 * and each reply leaves from the address its query was sent to. Datagrams
 * longer than 4096 octets are dropped.
 *
 * TCP, per worker: queries are answered in order, several per segment or
 * one split over segments. A message length of 0, or above 4094 (the
 * per-connection input buffer), EOF once the queries before it are answered,
 * or a read error close the connection. A connection is idle when no byte
 * moved either way for tcp_idle_ms; idle ones are closed. At tcp_max_conns,
 * a new connection closes the least recently active one. Writes never block:
 * when the kernel takes only part of the replies, the worker takes no more
 * queries from that peer until it has read: the rest of a reply already
 * begun waits in a 16 KiB buffer (a longer rest closes the connection), and
 * the queries of replies not begun are answered again then. A peer that
 * stops reading is closed by the idle timeout.
 */
#ifndef SIGEDGE_DP_SOCKET_H
#define SIGEDGE_DP_SOCKET_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>

#include "dataplane/core/worker.h"

struct dp_listen {
	struct sockaddr_storage addr;  /* IPv4 or IPv6 address and port */
	socklen_t addrlen;
};

struct dp_socket_config {
	const struct dp_listen *listen;
	size_t nlisten;              /* >= 1 */
	unsigned workers;            /* number of worker threads (>= 1) */
	int tcp_idle_ms;             /* close idle TCP connections after this (<= 0: 10000) */
	unsigned tcp_max_conns;      /* per worker (0: 256) */
	bool pin;                    /* pin worker i to the (i mod n)-th of the n CPUs the
				      * calling thread may run on (so taskset is honoured) */
	unsigned first_id;           /* worker i takes id first_id + i (its signer contexts
				      * and budgets; see dp_worker_init): 0, unless another
				      * backend's workers share rt and hold the ids below */
};

struct dp_socket;

/*
 * Bind every address (UDP and TCP), register the workers with rt, clear
 * rt->stop and start the threads (named "sigedge-w0"...; they block all
 * signals). rt->view must already be published. Returns 0, or a negative
 * errno with nothing left running and err saying what failed and why
 * ("ADDRESS: reason" for a socket or bind error).
 * Threading: control thread (workers take their epoch records from rt with
 * dp_worker_init, which only the control thread may call).
 */
int dp_socket_start(struct dp_runtime *rt, const struct dp_socket_config *cfg,
		    struct dp_socket **out, char *err, size_t errlen);

/*
 * Set rt->stop, join the threads, close the sockets and connections, release
 * the workers' epoch records to rt and free the workers. rt can be used for
 * a new start.
 * Threading: control thread.
 */
void dp_socket_stop(struct dp_socket *s);

/* The workers, for summing statistics (valid until dp_socket_stop). */
size_t dp_socket_workers(const struct dp_socket *s, struct dp_worker *const **out);

#endif
