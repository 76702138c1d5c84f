/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Immutable zone snapshots and zone sets.
 *
 * A snapshot is built once by the control thread from an RFC 1035 zone file
 * (parsed by ldns) and is never modified afterwards, so workers read it
 * without locks. It holds one node per owner name, plus empty non-terminals,
 * each with its RRsets in wire form, and a hash index (lowercased wire name
 * -> node) for exact and closest-encloser lookup.
 *
 * Threading: dns_zone_load/ref/unref and dns_zoneset_new/free run on the
 * control thread only; lookups are pure reads, safe from any thread while
 * the object is reachable (the caller guarantees that, e.g. with ck_epoch).
 */
#ifndef SIGEDGE_DNS_ZONE_H
#define SIGEDGE_DNS_ZONE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dns/name.h"

/* One RRset. RRs are in canonical RDATA order (RFC 4034 6.3), duplicates removed. */
struct dns_rrset {
	uint16_t type;
	uint16_t count;          /* number of RRs */
	uint32_t ttl;            /* one TTL per RRset (the lowest seen, RFC 2181 5.2) */
	uint32_t rdlen;          /* length of the rdata blob */
	const uint8_t *rdata;    /* count x { u16 RDLENGTH (big endian), RDATA }, names uncompressed */
};

/* Node flags. */
#define DNS_NODE_APEX    0x01  /* the zone apex */
#define DNS_NODE_DELEG   0x02  /* has NS and is not the apex: a zone cut */
#define DNS_NODE_NONAUTH 0x04  /* strictly below a zone cut (glue or occluded data) */
#define DNS_NODE_ENT     0x08  /* empty non-terminal: no RRsets, only descendants */
#define DNS_NODE_WILD    0x10  /* the node's own first label is "*" */

struct dns_node {
	const uint8_t *name;             /* lowercased wire form */
	uint8_t name_len;
	uint8_t labels;                  /* label count, root not counted */
	uint16_t flags;                  /* DNS_NODE_* */
	uint16_t rrset_count;
	const struct dns_rrset *rrsets;  /* sorted by type */
	const struct dns_node *parent;   /* the node one label up; NULL at the apex */
	const struct dns_node *cut;      /* topmost zone cut at or above this node, else NULL */
	const struct dns_node *wildcard; /* the child "*.<this name>" if it exists, else NULL */
};

/* Result of dns_zone_lookup. */
struct dns_lookup {
	const struct dns_node *node;     /* exact match, or NULL */
	const struct dns_node *encloser; /* closest encloser: node itself on exact match */
	const struct dns_node *cut;      /* zone cut at or above the name, else NULL */
};

struct dns_zone;

/*
 * Load a zone file. origin is the apex in presentation form; path the file.
 * The file may use $ORIGIN, $TTL, $INCLUDE as ldns accepts them. The zone must
 * have exactly one SOA, at the apex, and NS at the apex; every owner must be
 * at or below the apex; CNAME may not share a node with other data (except
 * DNSSEC types); class IN only.
 * On error returns a negative code and writes "FILE:LINE: reason" to err.
 */
int dns_zone_load(const char *origin, const char *path, struct dns_zone **out,
		  char *err, size_t errlen);

/* Reference counting, control thread only. A new zone has one reference. */
void dns_zone_ref(struct dns_zone *z);
void dns_zone_unref(struct dns_zone *z);

/* Accessors. */
const struct dns_node *dns_zone_apex(const struct dns_zone *z);
const uint8_t *dns_zone_name(const struct dns_zone *z); /* lowercased wire form */
uint32_t dns_zone_serial(const struct dns_zone *z);
uint32_t dns_zone_max_ttl(const struct dns_zone *z); /* the largest TTL in the zone file */
size_t dns_zone_node_count(const struct dns_zone *z);
const char *dns_zone_path(const struct dns_zone *z);

/*
 * Look up a name (its lwire and lofs are used) that is at or below the apex.
 * Fills out; returns 0, or DNS_ENOTFOUND when the name is not at or below
 * this zone's apex.
 */
int dns_zone_lookup(const struct dns_zone *z, const struct dns_name *name,
		    struct dns_lookup *out);

/* The node's RRset of this type, or NULL. */
const struct dns_rrset *dns_node_rrset(const struct dns_node *n, uint16_t type);

/*
 * Walk the RRs of an RRset: start with pos = 0; each call returns the next
 * RDATA and its length, or NULL at the end.
 */
static inline const uint8_t *
dns_rrset_next(const struct dns_rrset *rs, uint32_t *pos, uint16_t *rdlen)
{
	if (*pos >= rs->rdlen)
		return NULL;
	const uint8_t *p = rs->rdata + *pos;
	*rdlen = (uint16_t)(p[0] << 8 | p[1]);
	*pos += 2u + *rdlen;
	return p + 2;
}

/* Whether rs holds an RDATA equal to rdata[0..len), octet for octet. */
bool dns_rrset_has(const struct dns_rrset *rs, const uint8_t *rdata, size_t len);

/* A set of zones served together; longest-match selection by query name. */
struct dns_zoneset;

/*
 * Build a set from n zones (each gets a reference). Zones must have distinct
 * apexes. Returns NULL on allocation failure or duplicate apex.
 */
struct dns_zoneset *dns_zoneset_new(struct dns_zone *const *zones, size_t n);
void dns_zoneset_free(struct dns_zoneset *zs); /* drops the references */

size_t dns_zoneset_count(const struct dns_zoneset *zs);
struct dns_zone *dns_zoneset_at(const struct dns_zoneset *zs, size_t i);

/*
 * The zone with the longest apex that is equal to or above name, or NULL.
 * When idx is not NULL and a zone is found, *idx is its position in the set
 * (the i of dns_zoneset_at), so tables indexed like the set can be consulted.
 */
const struct dns_zone *dns_zoneset_find(const struct dns_zoneset *zs, const struct dns_name *name,
					size_t *idx);

#endif
