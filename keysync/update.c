/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include "dns/err.h"
#include "dns/rdata.h"
#include "dns/wire.h"
#include "keysync/msg.h"
#include "keysync/update.h"

/* Header offsets: ZOCOUNT, PRCOUNT, UPCOUNT and ADCOUNT reuse the query layout. */
#define ZOCOUNT_OFS 4
#define PRCOUNT_OFS 6
#define UPCOUNT_OFS 8
#define ADCOUNT_OFS 10
#define ZONE_PTR (0xc000 | DNS_HDR_LEN) /* compression pointer to the zone name */

static int
fail(struct ksync_update *u, uint8_t rcode, int rc)
{
	u->rcode = rcode;
	return rc;
}

/* Read one RR at *pos into rr (RDATA by pointer). */
static int
read_rr(const uint8_t *msg, size_t len, size_t *pos, struct ksync_update_rr *rr)
{
	struct dns_msg_rr m;
	if (dns_msg_read_rr(msg, len, pos, &m) != 0)
		return DNS_EMALFORMED;
	memcpy(rr->owner, m.owner, dns_name_len(m.owner));
	rr->type = m.type;
	rr->rclass = m.rclass;
	rr->ttl = m.ttl;
	rr->rdlen = m.rdlen;
	rr->rdata = m.rdlen ? msg + m.rdata : NULL;
	return 0;
}

/* RDATA that matches its type's layout (any layout for unknown types). */
static bool
rdata_ok(const uint8_t *msg, size_t len, const struct ksync_update_rr *rr)
{
	uint8_t scratch[DNS_MSG_MAX];
	size_t n;

	return dns_rdata_unpack(rr->type, msg, len, rr->rdata ? (size_t)(rr->rdata - msg) : 0,
				rr->rdlen, scratch, sizeof(scratch), &n) == 0;
}

/* RFC 2136 3.2.1-3.2.2: the form of a prerequisite, or -1 (FORMERR). */
static int
prereq_kind(const uint8_t *msg, size_t len, const struct ksync_update_rr *rr)
{
	switch (rr->rclass) {
	case DNS_C_ANY:
	case DNS_C_NONE:
		if (rr->rdlen != 0)
			return -1;
		if (rr->type == DNS_T_ANY)
			return rr->rclass == DNS_C_ANY ? KSYNC_PREREQ_NAME_IN_USE
						       : KSYNC_PREREQ_NAME_ABSENT;
		if (dns_type_is_meta(rr->type))
			return -1;
		return rr->rclass == DNS_C_ANY ? KSYNC_PREREQ_RRSET_EXISTS
					       : KSYNC_PREREQ_RRSET_ABSENT;
	case DNS_C_IN:
		if (dns_type_is_meta(rr->type) || !rdata_ok(msg, len, rr))
			return -1;
		return KSYNC_PREREQ_RRSET_EXISTS_VALUE;
	default:
		return -1;
	}
}

/* RFC 2136 3.4.1.3: the form of an update, or -1 (FORMERR). */
static int
update_op(const uint8_t *msg, size_t len, const struct ksync_update_rr *rr)
{
	switch (rr->rclass) {
	case DNS_C_IN:
		if (dns_type_is_meta(rr->type) || !rdata_ok(msg, len, rr))
			return -1;
		return KSYNC_UPDATE_ADD;
	case DNS_C_ANY:
		if (rr->ttl != 0 || rr->rdlen != 0)
			return -1;
		if (rr->type == DNS_T_ANY)
			return KSYNC_UPDATE_DELETE_NAME;
		return dns_type_is_meta(rr->type) ? -1 : KSYNC_UPDATE_DELETE_RRSET;
	case DNS_C_NONE:
		if (rr->ttl != 0 || dns_type_is_meta(rr->type) || !rdata_ok(msg, len, rr))
			return -1;
		return KSYNC_UPDATE_DELETE_RR;
	default:
		return -1;
	}
}

int
ksync_update_parse(const uint8_t *msg, size_t len, struct ksync_update_rr *rrs, size_t cap,
		   struct ksync_update *u)
{
	struct ksync_update_rr extra;
	size_t pos = DNS_HDR_LEN, nlen;

	memset(u, 0, sizeof(*u));
	if (len < DNS_HDR_LEN)
		return fail(u, DNS_R_FORMERR, DNS_ETRUNC);
	u->id = dns_get16(msg);
	u->flags = dns_get16(msg + 2);
	if (DNS_OPCODE(u->flags) != DNS_OP_UPDATE || (u->flags & DNS_QR))
		return fail(u, DNS_R_NOTIMP, -EINVAL);
	if (dns_get16(msg + ZOCOUNT_OFS) != 1)
		return fail(u, DNS_R_FORMERR, DNS_EMALFORMED);
	if (dns_name_unpack(msg, len, &pos, u->zone, &nlen) < 0 || len - pos < 4 ||
	    dns_get16(msg + pos) != DNS_T_SOA)
		return fail(u, DNS_R_FORMERR, DNS_EMALFORMED);
	if (dns_get16(msg + pos + 2) != DNS_C_IN)
		return fail(u, DNS_R_NOTAUTH, -EPERM);
	pos += 4;

	size_t npr = dns_get16(msg + PRCOUNT_OFS), nup = dns_get16(msg + UPCOUNT_OFS);
	if (npr + nup > cap)
		return fail(u, DNS_R_REFUSED, DNS_ESPACE);
	for (size_t i = 0; i < npr + nup; i++) {
		struct ksync_update_rr *rr = &rrs[i];
		int kind;
		if (read_rr(msg, len, &pos, rr) < 0)
			return fail(u, DNS_R_FORMERR, DNS_EMALFORMED);
		if (i < npr && rr->ttl != 0)
			return fail(u, DNS_R_FORMERR, DNS_EMALFORMED);
		if (!dns_name_is_sub(rr->owner, u->zone))
			return fail(u, DNS_R_NOTZONE, -EPERM);
		kind = i < npr ? prereq_kind(msg, len, rr) : update_op(msg, len, rr);
		if (kind < 0)
			return fail(u, DNS_R_FORMERR, DNS_EMALFORMED);
		rr->kind = (unsigned)kind;
	}
	for (unsigned i = dns_get16(msg + ADCOUNT_OFS); i > 0; i--)
		if (read_rr(msg, len, &pos, &extra) < 0)
			return fail(u, DNS_R_FORMERR, DNS_EMALFORMED);
	if (pos != len)
		return fail(u, DNS_R_FORMERR, DNS_EMALFORMED);
	u->prereq = rrs;
	u->nprereq = npr;
	u->update = rrs + npr;
	u->nupdate = nup;
	u->rcode = DNS_R_NOERROR;
	return 0;
}

static bool
key_type(uint16_t type)
{
	return type == DNS_T_DNSKEY || type == DNS_T_CDS || type == DNS_T_CDNSKEY;
}

/* At the apex, a key type, or (signed) an RRSIG over one (any RRSIG when it has no RDATA). */
static bool
in_scope(const struct ksync_update_rr *rr, const uint8_t *zone, bool with_sigs)
{
	if (!dns_name_equal(rr->owner, zone))
		return false;
	if (key_type(rr->type))
		return true;
	return with_sigs && rr->type == DNS_T_RRSIG &&
	       (rr->rdlen == 0 || (rr->rdlen >= 2 && key_type(dns_get16(rr->rdata))));
}

static uint8_t
scope(const struct ksync_update *u, bool with_sigs)
{
	for (size_t i = 0; i < u->nprereq; i++)
		if (!in_scope(&u->prereq[i], u->zone, with_sigs))
			return DNS_R_REFUSED;
	for (size_t i = 0; i < u->nupdate; i++)
		if (!in_scope(&u->update[i], u->zone, with_sigs))
			return DNS_R_REFUSED;
	return DNS_R_NOERROR;
}

uint8_t
ksync_update_scope(const struct ksync_update *u)
{
	return scope(u, false);
}

uint8_t
ksync_update_scope_signed(const struct ksync_update *u)
{
	return scope(u, true);
}

int
ksync_update_build_start(struct ksync_update_builder *b, uint8_t *buf, size_t cap, uint16_t id,
			 const uint8_t *zone)
{
	int n = ksync_msg_request(buf, cap, id, DNS_OP_UPDATE, zone, DNS_T_SOA);
	if (n < 0)
		return n;
	b->buf = buf;
	b->cap = cap;
	b->len = (size_t)n;
	b->section = 0;
	return 0;
}

static int
put_rr(struct ksync_update_builder *b, size_t count_ofs, const uint8_t *owner, uint16_t type,
       uint16_t rclass, uint32_t ttl, const uint8_t *rdata, uint16_t rdlen)
{
	bool apex = dns_name_equal(owner, b->buf + DNS_HDR_LEN);
	size_t olen = apex ? 2 : dns_name_len(owner);
	uint16_t count = dns_get16(b->buf + count_ofs);

	if (count == 0xffff || b->cap - b->len < olen + 10 + rdlen)
		return DNS_ESPACE;
	uint8_t *p = b->buf + b->len;
	if (apex)
		dns_put16(p, ZONE_PTR);
	else
		memcpy(p, owner, olen);
	p += olen;
	dns_put16(p, type);
	dns_put16(p + 2, rclass);
	dns_put32(p + 4, ttl);
	dns_put16(p + 8, rdlen);
	if (rdlen)
		memcpy(p + 10, rdata, rdlen);
	b->len += olen + 10 + rdlen;
	dns_put16(b->buf + count_ofs, (uint16_t)(count + 1));
	return 0;
}

int
ksync_update_build_prereq(struct ksync_update_builder *b, enum ksync_prereq_kind kind,
			  const uint8_t *owner, uint16_t type, const uint8_t *rdata,
			  uint16_t rdlen)
{
	bool value = kind == KSYNC_PREREQ_RRSET_EXISTS_VALUE;
	uint16_t rclass;

	if (b->section != 0 || value != (rdata != NULL) || (!value && rdlen))
		return -EINVAL;
	switch (kind) {
	case KSYNC_PREREQ_RRSET_EXISTS:
		rclass = DNS_C_ANY;
		break;
	case KSYNC_PREREQ_RRSET_EXISTS_VALUE:
		rclass = DNS_C_IN;
		break;
	case KSYNC_PREREQ_RRSET_ABSENT:
		rclass = DNS_C_NONE;
		break;
	case KSYNC_PREREQ_NAME_IN_USE:
		rclass = DNS_C_ANY;
		type = DNS_T_ANY;
		break;
	case KSYNC_PREREQ_NAME_ABSENT:
		rclass = DNS_C_NONE;
		type = DNS_T_ANY;
		break;
	default:
		return -EINVAL;
	}
	return put_rr(b, PRCOUNT_OFS, owner, type, rclass, 0, rdata, rdlen);
}

int
ksync_update_build_add(struct ksync_update_builder *b, const uint8_t *owner, uint16_t type,
		       uint32_t ttl, const uint8_t *rdata, uint16_t rdlen)
{
	b->section = 1;
	return put_rr(b, UPCOUNT_OFS, owner, type, DNS_C_IN, ttl, rdata, rdlen);
}

int
ksync_update_build_delete_rr(struct ksync_update_builder *b, const uint8_t *owner,
			     uint16_t type, const uint8_t *rdata, uint16_t rdlen)
{
	b->section = 1;
	return put_rr(b, UPCOUNT_OFS, owner, type, DNS_C_NONE, 0, rdata, rdlen);
}

int
ksync_update_build_delete_rrset(struct ksync_update_builder *b, const uint8_t *owner,
				uint16_t type)
{
	b->section = 1;
	return put_rr(b, UPCOUNT_OFS, owner, type, DNS_C_ANY, 0, NULL, 0);
}
