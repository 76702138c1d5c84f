/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Outbound DNS requests for the control thread (queries, UPDATEs and
 * NOTIFYs to multi-signer peers): a set of outstanding requests, each sent
 * once and completed by its reply, an error or its deadline. Nothing blocks:
 * the owner polls the descriptors from ctl_dnsc_pollfds and hands the
 * results to ctl_dnsc_process, which also expires deadlines (CLOCK_MONOTONIC).
 *
 * UDP: every request has its own socket, connected to the server, so the
 * kernel delivers only datagrams from the server's address and port and
 * reports an ICMP port or host unreachable as an error. A reply counts when
 * it has QR set, the request's ID and the request's question section (names
 * compared without regard to case); anything else is ignored and the
 * request keeps waiting. A reply with TC set sends the same message again
 * over TCP with a fresh timeout.
 *
 * TCP (requests longer than CTL_DNSC_UDP_MAX, CTL_DNSC_TCP, or after TC):
 * a non-blocking connect, the message with its 2-octet length (RFC 1035
 * 4.2.2), and one matching reply read back; the connection is then closed.
 *
 * The caller builds the message, including a random ID. Threading: one
 * owner thread (the control thread); nothing here is thread-safe.
 */
#ifndef SIGEDGE_CTL_DNSCLIENT_H
#define SIGEDGE_CTL_DNSCLIENT_H

#include <poll.h>
#include <stddef.h>
#include <stdint.h>

#include "dataplane/io/socket.h"

/* Longer messages go by TCP (the DNS flag day 2020 payload size). */
#define CTL_DNSC_UDP_MAX 1232

/* ctl_dnsc_send flags. */
#define CTL_DNSC_TCP 0x1u        /* send by TCP whatever the size */

struct ctl_dnsc;

/*
 * A request's completion, called exactly once per accepted request (unless
 * it is cancelled): rc 0 with the reply (valid only during the call), or
 * -ETIMEDOUT, -ECONNREFUSED (ICMP port unreachable, or a refused TCP
 * connection), -ECONNRESET (the TCP connection closed before the reply),
 * -ECANCELED (ctl_dnsc_free) or another negative errno, with reply NULL.
 * It may call ctl_dnsc_send and ctl_dnsc_cancel, not ctl_dnsc_process or
 * ctl_dnsc_free.
 */
typedef void ctl_dnsc_done(void *arg, int rc, const uint8_t *reply, size_t rlen);

/* A new, empty set, or NULL when out of memory. */
struct ctl_dnsc *ctl_dnsc_new(void);

/*
 * Send msg (copied; at least a header and a well-formed question section)
 * to the server at to and wait at most timeout_ms for its reply. Returns
 * 0, after which done(arg, ...) is called exactly once from
 * ctl_dnsc_process or ctl_dnsc_free (never from here); or a negative errno
 * (-EINVAL for a malformed or empty message, a socket, connect or send
 * error) and done is never called.
 */
int ctl_dnsc_send(struct ctl_dnsc *c, const struct dp_listen *to, const uint8_t *msg, size_t len,
		  unsigned flags, unsigned timeout_ms, ctl_dnsc_done *done, void *arg);

/*
 * Drop every outstanding request whose arg is arg without calling their
 * done (e.g. for a zone being removed). Returns how many were dropped.
 */
size_t ctl_dnsc_cancel(struct ctl_dnsc *c, const void *arg);

/* The number of outstanding requests. */
size_t ctl_dnsc_pending(const struct ctl_dnsc *c);

/*
 * Fill pf with the descriptors to poll (revents cleared). Returns how many
 * c needs; when that is more than cap only the first cap were written and
 * the caller should retry with a larger array.
 */
size_t ctl_dnsc_pollfds(const struct ctl_dnsc *c, struct pollfd *pf, size_t cap);

/* Milliseconds until the next deadline (0: one has passed), -1 when idle. */
int ctl_dnsc_timeout_ms(const struct ctl_dnsc *c);

/*
 * Handle the poll results pf[0..n) (entries for descriptors that are not
 * c's are ignored, so one array may hold several owners' descriptors) and
 * every passed deadline, calling the completions.
 */
void ctl_dnsc_process(struct ctl_dnsc *c, const struct pollfd *pf, size_t n);

/* Complete every outstanding request with -ECANCELED, then free c. NULL is a no-op. */
void ctl_dnsc_free(struct ctl_dnsc *c);

#endif
