/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <stdlib.h>

#include "dataplane/core/worker.h"
#include "sign/sigcache.h"

/* record_of(entry): the ck_epoch_record that embeds a list entry. */
CK_STACK_CONTAINER(ck_epoch_record_t, record_next, record_of)

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
	[DP_CNT_SIGNED] = "signed",
	[DP_CNT_SIG_HIT] = "sigcache-hit",
	[DP_CNT_SIG_MISS] = "sigcache-miss",
	[DP_CNT_SIGN_LIMITED] = "sign-limited",
};

const char *
dp_counter_name(enum dp_counter c)
{
	return (unsigned)c < DP_CNT__MAX ? counter_names[c] : NULL;
}

void
dp_runtime_init(struct dp_runtime *rt)
{
	atomic_init(&rt->view, NULL);
	atomic_init(&rt->stop, false);
	rt->sigcache_entries = DP_SIGCACHE_DEFAULT;
	ck_epoch_init(&rt->epoch);
}

void
dp_runtime_fini(struct dp_runtime *rt)
{
	ck_stack_entry_t *e, *next;

	/* Every thread that used rt has been joined: the list is ours alone. */
	CK_STACK_FOREACH_SAFE(&rt->epoch.records, e, next)
		free(record_of(e));
	ck_epoch_init(&rt->epoch);
}

ck_epoch_record_t *
dp_epoch_record_get(struct dp_runtime *rt)
{
	ck_epoch_record_t *rec = ck_epoch_recycle(&rt->epoch, NULL);

	if (rec)
		return rec;
	rec = aligned_alloc(64, (sizeof(*rec) + 63) & ~(size_t)63);
	if (rec)
		ck_epoch_register(&rt->epoch, rec, NULL);
	return rec;
}

void
dp_epoch_record_put(ck_epoch_record_t *rec)
{
	ck_epoch_unregister(rec);
}

int
dp_zone_slot_init(struct dp_zone_slot *s, uint32_t sign_rate, unsigned nworkers)
{
	atomic_init(&s->keys, NULL);
	s->sign_rate = sign_rate;
	s->nbudget = sign_rate ? nworkers : 0;
	s->budget = NULL;
	if (!sign_rate)
		return 0;
	s->budget = aligned_alloc(64, nworkers * sizeof(*s->budget));
	if (!s->budget)
		return -ENOMEM;
	for (unsigned i = 0; i < nworkers; i++)
		s->budget[i] = (struct dp_sign_budget){ .credit = 1000ull * sign_rate };
	return 0;
}

void
dp_zone_slot_fini(struct dp_zone_slot *s)
{
	free(s->budget);
	s->budget = NULL;
	s->nbudget = 0;
}

int
dp_worker_init(struct dp_worker *w, struct dp_runtime *rt, unsigned id)
{
	w->rt = rt;
	w->id = id;
	for (unsigned i = 0; i < DP_CNT__MAX; i++)
		atomic_init(&w->cnt[i], 0);
	w->sigcache = NULL;
	w->sign_scratch = malloc(DP_SIGN_SCRATCH);
	if (!w->sign_scratch ||
	    sign_cache_create(rt->sigcache_entries, SIGN_CACHE_SLOT_RSA2048, &w->sigcache) < 0)
		goto fail;
	if (!(w->epoch_rec = dp_epoch_record_get(rt)))
		goto fail;
	return 0;
fail:
	sign_cache_free(w->sigcache);
	free(w->sign_scratch);
	w->sigcache = NULL;
	w->sign_scratch = NULL;
	return -ENOMEM;
}

void
dp_worker_fini(struct dp_worker *w)
{
	dp_epoch_record_put(w->epoch_rec);
	w->epoch_rec = NULL;
	sign_cache_free(w->sigcache);
	free(w->sign_scratch);
	w->sigcache = NULL;
	w->sign_scratch = NULL;
}
