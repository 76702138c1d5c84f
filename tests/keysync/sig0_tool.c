/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Test helper for the SIG(0) interop test: signs or verifies one message
 * given in hex with keysync/sig0 and a key in BIND key-file form.
 *   sig0_tool sign KEYPATH TIME HEXMSG [HEXREQUEST]   -> "HEXSIGNED"
 *   sig0_tool verify KEYPATH TIME HEXMSG [HEXREQUEST] -> "RC RCODE ERROR"
 * KEYPATH names a Kzone.+AAA+TTTTT pair (sign_keyfile_load); verify reads
 * only its .key file.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dns/err.h"
#include "dns/wire.h"
#include "keysync/sig0.h"
#include "sign/keyfile.h"
#include "tests/keysync/tool_hex.h"

int
main(int argc, char **argv)
{
	static uint8_t msg[DNS_MSG_MAX], req[DNS_MSG_MAX];
	struct sign_key *key;
	struct ksync_sig0_result r;
	size_t reqlen = 0, out;
	char err[512];
	int rc;

	if (argc < 5 || argc > 6 || (strcmp(argv[1], "sign") && strcmp(argv[1], "verify"))) {
		fprintf(stderr, "usage: %s sign|verify KEYPATH TIME HEXMSG [HEXREQUEST]\n", argv[0]);
		return 2;
	}
	int signing = strcmp(argv[1], "sign") == 0;
	rc = sign_keyfile_load(argv[2], NULL, signing ? 0 : SIGN_KEYFILE_PUBLIC, &key, err,
			       sizeof(err));
	if (rc < 0) {
		fprintf(stderr, "%s\n", err);
		return 2;
	}
	uint64_t now = strtoull(argv[3], NULL, 10);
	size_t len = unhex(argv[4], msg, sizeof(msg));
	if (argc == 6)
		reqlen = unhex(argv[5], req, sizeof(req));
	if (signing) {
		rc = ksync_sig0_sign(msg, len, sizeof(msg), key, now, reqlen ? req : NULL, reqlen,
				     &out);
		if (rc == 0) {
			puthex(msg, out);
			printf("\n");
		} else {
			fprintf(stderr, "sign: %s\n", dns_strerror(rc));
		}
	} else {
		const struct sign_key *keys[] = { key };
		rc = ksync_sig0_verify(msg, len, keys, 1, now, reqlen ? req : NULL, reqlen, &r);
		printf("%d %u %u\n", rc, r.rcode, r.error);
		rc = 0;
	}
	sign_key_free(key);
	return rc < 0 ? 1 : 0;
}
