/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Test helper for the TSIG interop test: signs or verifies one message
 * given in hex with keysync/tsig, so that dnspython can judge the result.
 *   tsig_tool sign KEY TIME HEXMSG [HEXREQUESTMAC]   -> "HEXSIGNED HEXMAC"
 *   tsig_tool verify KEY TIME HEXMSG [HEXREQUESTMAC] -> "RC RCODE ERROR HEXMAC"
 *   tsig_tool respond KEY TIME HEXREQUEST            -> "HEXREPLY"
 * respond answers a request as a server would: header and question (zone)
 * echoed, rcode NOERROR signed over the request MAC when the TSIG verified,
 * else the verification's rcode with the error reply's TSIG (RFC 8945 5.3.2).
 * KEY is "[alg:]name:base64secret".
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dns/err.h"
#include "dns/wire.h"
#include "keysync/tsig.h"
#include "tests/keysync/tool_hex.h"

static int
respond(const uint8_t *req, size_t len, uint64_t now, int verified, const struct ksync_tsig_result *r)
{
	uint8_t reply[DNS_MSG_MAX];
	struct dns_query q;
	size_t out;
	int rc;

	if (dns_query_parse(req, len, &q) == DNS_ETRUNC)
		return 1;
	memcpy(reply, req, q.question_end);
	dns_put16(reply + 2, (uint16_t)(DNS_QR | (q.flags & 0x7800) | r->rcode));
	dns_put16(reply + 4, q.question_end > DNS_HDR_LEN);
	memset(reply + 6, 0, 6);
	if (verified == 0)
		rc = ksync_tsig_sign(reply, q.question_end, sizeof(reply), r->key, now, r->mac,
				     r->mac_len, NULL, &out);
	else if (r->rcode == DNS_R_NOTAUTH)
		rc = ksync_tsig_sign_error(reply, q.question_end, sizeof(reply), r, now, &out);
	else
		rc = 0, out = q.question_end;
	if (rc < 0) {
		fprintf(stderr, "respond: %s\n", dns_strerror(rc));
		return 1;
	}
	puthex(reply, out);
	printf("\n");
	return 0;
}

int
main(int argc, char **argv)
{
	struct ksync_tsig_key key;
	struct ksync_tsig_result r;
	uint8_t msg[DNS_MSG_MAX], reqmac[KSYNC_TSIG_MAC_MAX], mac[KSYNC_TSIG_MAC_MAX];
	size_t reqlen = 0, out;
	char err[256];

	if (argc < 5 || argc > 6) {
		fprintf(stderr, "usage: %s sign|verify|respond KEY TIME HEXMSG [HEXREQUESTMAC]\n", argv[0]);
		return 2;
	}
	if (ksync_tsig_key_parse(argv[2], &key, err, sizeof(err)) < 0) {
		fprintf(stderr, "%s\n", err);
		return 2;
	}
	uint64_t now = strtoull(argv[3], NULL, 10);
	size_t len = unhex(argv[4], msg, sizeof(msg));
	if (argc == 6)
		reqlen = unhex(argv[5], reqmac, sizeof(reqmac));
	if (strcmp(argv[1], "sign") == 0) {
		int rc = ksync_tsig_sign(msg, len, sizeof(msg), &key, now, reqlen ? reqmac : NULL,
					 reqlen, mac, &out);
		if (rc < 0) {
			fprintf(stderr, "sign: %d\n", rc);
			return 1;
		}
		puthex(msg, out);
		printf(" ");
		puthex(mac, ksync_tsig_mac_len(&key));
		printf("\n");
		return 0;
	}
	int rc = ksync_tsig_verify(msg, len, &key, 1, now, reqlen ? reqmac : NULL, reqlen, &r);
	if (strcmp(argv[1], "respond") == 0)
		return respond(msg, len, now, rc, &r);
	printf("%d %u %u ", rc, r.rcode, r.error);
	puthex(r.mac, r.mac_len);
	printf("\n");
	return 0;
}
