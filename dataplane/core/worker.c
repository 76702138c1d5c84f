/* SPDX-License-Identifier: BSD-3-Clause */
#include "dataplane/core/worker.h"

static const char *const counter_names[DP_CNT__MAX] = {
	[DP_CNT_RX] = "rx",
	[DP_CNT_TX] = "tx",
	[DP_CNT_DROPPED] = "dropped",
	[DP_CNT_UDP] = "udp",
	[DP_CNT_TCP] = "tcp",
	[DP_CNT_EDNS] = "edns",
	[DP_CNT_DO] = "do",
	[DP_CNT_TRUNCATED] = "truncated",
	[DP_CNT_NOERROR] = "noerror",
	[DP_CNT_FORMERR] = "formerr",
	[DP_CNT_SERVFAIL] = "servfail",
	[DP_CNT_NXDOMAIN] = "nxdomain",
	[DP_CNT_NOTIMP] = "notimp",
	[DP_CNT_REFUSED] = "refused",
	[DP_CNT_BADVERS] = "badvers",
	[DP_CNT_NODATA] = "nodata",
	[DP_CNT_REFERRAL] = "referral",
	[DP_CNT_TCP_CONN] = "tcp-conn",
};

const char *
dp_counter_name(enum dp_counter c)
{
	return (unsigned)c < DP_CNT__MAX ? counter_names[c] : NULL;
}

int
dp_worker_init(struct dp_worker *w, struct dp_runtime *rt, unsigned id)
{
	w->rt = rt;
	w->id = id;
	for (unsigned i = 0; i < DP_CNT__MAX; i++)
		atomic_init(&w->cnt[i], 0);
	ck_epoch_register(&rt->epoch, &w->epoch_rec, NULL);
	return 0;
}
