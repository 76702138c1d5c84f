/* SPDX-License-Identifier: BSD-3-Clause */
#include "keysync/msg.h"

#include <string.h>

#include "dns/err.h"
#include "dns/name.h"
#include "dns/rdata.h"
#include "dns/wire.h"
#include "keysync/update.h"

int
ksync_msg_request(uint8_t *buf, size_t cap, uint16_t id, unsigned opcode, const uint8_t *name,
		  uint16_t type)
{
	size_t nlen = dns_name_len(name);
	if (cap < DNS_HDR_LEN + nlen + 4)
		return DNS_ESPACE;
	memset(buf, 0, DNS_HDR_LEN);
	dns_put16(buf, id);
	dns_put16(buf + 2, (uint16_t)(opcode << 11 | (opcode == DNS_OP_NOTIFY ? DNS_AA : 0)));
	dns_put16(buf + 4, 1);
	memcpy(buf + DNS_HDR_LEN, name, nlen);
	dns_put16(buf + DNS_HDR_LEN + nlen, type);
	dns_put16(buf + DNS_HDR_LEN + nlen + 2, DNS_C_IN);
	return (int)(DNS_HDR_LEN + nlen + 4);
}

int
ksync_msg_query(uint8_t *buf, size_t cap, uint16_t id, const uint8_t *name, uint16_t type)
{
	int n = ksync_msg_request(buf, cap, id, DNS_OP_QUERY, name, type);
	if (n < 0 || cap - (size_t)n < 11)
		return DNS_ESPACE;
	/* OPT: root owner, type, payload size, extended rcode 0, version 0, DO, no options. */
	uint8_t *p = buf + n;
	p[0] = 0;
	dns_put16(p + 1, DNS_T_OPT);
	dns_put16(p + 3, KSYNC_EDNS_UDP);
	dns_put32(p + 5, DNS_EDNS_DO);
	dns_put16(p + 9, 0);
	dns_put16(buf + 10, 1);
	return n + 11;
}

int
ksync_msg_push(uint8_t *buf, size_t cap, uint16_t id, const uint8_t *apex,
	       const struct ksync_diff *diff)
{
	struct ksync_update_builder b;
	int rc = ksync_update_build_start(&b, buf, cap, id, apex);
	for (size_t i = 0; rc == 0 && i < diff->ndel; i++)
		rc = ksync_update_build_delete_rr(&b, apex, diff->del[i]->type, diff->del[i]->rdata,
						  diff->del[i]->rdlen);
	for (size_t i = 0; rc == 0 && i < diff->nadd; i++)
		rc = ksync_update_build_add(&b, apex, diff->add[i]->type, diff->add[i]->ttl,
					    diff->add[i]->rdata, diff->add[i]->rdlen);
	return rc ? rc : (int)b.len;
}

int
ksync_msg_answer(const uint8_t *reply, size_t len, const uint8_t *name, uint16_t type,
		 uint8_t *buf, size_t cap, struct dns_rrset *out, uint8_t *rcode)
{
	uint8_t owner[DNS_NAME_MAXLEN];
	size_t pos = DNS_HDR_LEN, olen, used = 0;

	*out = (struct dns_rrset){ .type = type, .rdata = buf };
	if (len < DNS_HDR_LEN || !(dns_get16(reply + 2) & DNS_QR) || dns_get16(reply + 4) != 1)
		return DNS_EMALFORMED;
	*rcode = DNS_RCODE(dns_get16(reply + 2));
	if (dns_name_unpack(reply, len, &pos, owner, &olen) < 0 || len - pos < 4)
		return DNS_EMALFORMED;
	pos += 4;
	unsigned an = dns_get16(reply + 6);
	for (unsigned i = 0; i < an; i++) {
		struct dns_msg_rr rr;
		if (dns_msg_read_rr(reply, len, &pos, &rr) != 0)
			return DNS_EMALFORMED;
		if (*rcode != DNS_R_NOERROR || rr.type != type || rr.rclass != DNS_C_IN ||
		    !dns_name_equal(rr.owner, name))
			continue;
		/* The RDATA must match its type's layout: what is read here is imported and stored. */
		size_t n;
		if (cap - used < 2u)
			return DNS_ESPACE;
		int rc = dns_rdata_unpack(rr.type, reply, len, rr.rdata, rr.rdlen, buf + used + 2,
					  cap - used - 2, &n);
		if (rc == DNS_ESPACE)
			return DNS_ESPACE;
		if (rc < 0 || n > UINT16_MAX)
			return DNS_EMALFORMED;
		dns_put16(buf + used, (uint16_t)n);
		used += 2u + n;
		out->ttl = out->count == 0 || rr.ttl < out->ttl ? rr.ttl : out->ttl;
		out->count++;
	}
	out->rdlen = (uint32_t)used;
	return 0;
}
