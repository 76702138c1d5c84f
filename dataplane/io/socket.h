/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Socket backend (the default). Each worker owns one SO_REUSEPORT UDP socket
 * per listen address, read and written in bursts with recvmmsg/sendmmsg
 * through the shared loop (dataplane/io/loop.h), and serves TCP (RFC 7766:
 * 2-octet length framing, pipelined queries, idle timeout) through epoll on
 * SO_REUSEPORT listeners of its own.
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
	size_t nlisten;
	unsigned workers;            /* number of worker threads (>= 1) */
	int tcp_idle_ms;             /* close idle TCP connections after this (default 10000) */
	unsigned tcp_max_conns;      /* per worker (default 256) */
	bool pin;                    /* pin worker i to CPU i modulo the CPU count */
};

struct dp_socket;

/*
 * Bind every address (UDP and TCP), register the workers with rt, and start
 * the threads. rt->view must already be published. On failure nothing is
 * left running and err says which address failed and why.
 * Threading: control thread.
 */
int dp_socket_start(struct dp_runtime *rt, const struct dp_socket_config *cfg,
		    struct dp_socket **out, char *err, size_t errlen);

/* Set rt->stop, join the threads, close the sockets, free. */
void dp_socket_stop(struct dp_socket *s);

/* The workers, for summing statistics (valid until dp_socket_stop). */
size_t dp_socket_workers(const struct dp_socket *s, struct dp_worker *const **out);

#endif
