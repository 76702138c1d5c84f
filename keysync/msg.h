/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The requests keysync sends to peers and what it reads from their
 * replies: queries for the apex key RRsets, NOTIFY (RFC 1996), the UPDATE
 * that brings a peer in line (keysync/sync.h), and the RRset an answer
 * holds.
 *
 * Pure: writes only into the caller's buffers; any thread.
 */
#ifndef SIGEDGE_KEYSYNC_MSG_H
#define SIGEDGE_KEYSYNC_MSG_H

#include <stddef.h>
#include <stdint.h>

#include "dns/zone.h"
#include "keysync/sync.h"

#ifdef __cplusplus
extern "C" {
#endif

#define KSYNC_EDNS_UDP 1232   /* the payload size our queries advertise */

/*
 * Header and question (name, type, class IN) of a request with opcode
 * (DNS_OP_QUERY, DNS_OP_NOTIFY with AA set, DNS_OP_UPDATE, where the
 * question is the zone section), ID id. Returns the length or DNS_ESPACE.
 */
int ksync_msg_request(uint8_t *buf, size_t cap, uint16_t id, unsigned opcode,
		      const uint8_t *name, uint16_t type);

/* A query for (name, type) with EDNS (KSYNC_EDNS_UDP, DO set). Returns the length or DNS_ESPACE. */
int ksync_msg_query(uint8_t *buf, size_t cap, uint16_t id, const uint8_t *name, uint16_t type);

/*
 * The UPDATE of zone apex that adds diff->add (class IN, their TTL) and
 * deletes diff->del (class NONE). Returns the length or DNS_ESPACE.
 */
int ksync_msg_push(uint8_t *buf, size_t cap, uint16_t id, const uint8_t *apex,
		   const struct ksync_diff *diff);

/*
 * The RRset (name, type, class IN) in the answer section of reply, copied
 * into buf[0..cap) in dns_rrset layout (out->rdata points into buf; TTL
 * the lowest seen). The reply must have QR set and one question; *rcode
 * gets its rcode. Each RDATA of the RRset is checked against its type's
 * layout (dns_rdata_unpack). Returns 0 (out->count 0 when the answer holds
 * none, or the rcode is not NOERROR), DNS_EMALFORMED (also for an RDATA of
 * the RRset that does not match), DNS_ESPACE. A truncated (TC)
 * reply gives what it holds: the caller asks again over TCP first
 * (control/dnsclient.h does).
 */
int ksync_msg_answer(const uint8_t *reply, size_t len, const uint8_t *name, uint16_t type,
		     uint8_t *buf, size_t cap, struct dns_rrset *out, uint8_t *rcode);

#ifdef __cplusplus
}
#endif

#endif
