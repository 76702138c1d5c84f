/* SPDX-License-Identifier: BSD-3-Clause */
#include "control/publish.h"

#include <errno.h>
#include <stdlib.h>

#include "dns/zone.h"
#include "sign/keytable.h"

static void
view_free(struct dp_view *v)
{
	if (!v)
		return;
	/* The zone set was created non-const by the control thread; the view
	 * only exposes it read-only to the workers. */
	dns_zoneset_free((struct dns_zoneset *)v->zones);
	free(v);
}

int
ctl_publish_init(struct ctl_publisher *p, struct dp_runtime *rt)
{
	p->current = NULL;
	p->rec = dp_epoch_record_get(rt);
	/* p->rt stays NULL on failure: nothing for ctl_publish_fini to undo. */
	p->rt = p->rec ? rt : NULL;
	return p->rec ? 0 : -ENOMEM;
}

void
ctl_publish_view(struct ctl_publisher *p, struct dp_view *v)
{
	struct dp_view *old = p->current;

	/* Release: everything written into v and its zone set before this store
	 * is visible to a worker whose acquire load (dp_view_enter) sees v. */
	atomic_store_explicit(&p->rt->view, v, memory_order_release);
	p->current = v;
	if (!old)
		return;

	/*
	 * A worker can only hold old if it loaded rt->view inside an epoch
	 * section. ck_epoch_synchronize starts with a full fence, so the store
	 * above is globally visible before it inspects the records, and it
	 * returns only once every section that was active then has ended. A
	 * section that begins later sees v: ck_epoch_begin fences between
	 * marking the record active and the worker's load of rt->view, so either
	 * synchronize observed that section as active (and waited for it) or the
	 * worker's load comes after our store. Hence old is unreachable here.
	 */
	dp_epoch_synchronize(p->rt, p->rec);
	view_free(old);
}

void
ctl_publish_keytable(struct ctl_publisher *p, struct dp_zone_slot *slot, struct sign_keytable *t)
{
	/* Relaxed: the control thread is the only writer of the slot. */
	struct sign_keytable *old = (struct sign_keytable *)atomic_load_explicit(
		&slot->keys, memory_order_relaxed);

	/* Not yet published, so still ours to change: keep the cached signatures. */
	if (t && old && sign_keytable_signs_alike(old, t))
		t->sig_generation = old->sig_generation;
	/* Release: the table is complete before a worker's acquire load can see it. */
	atomic_store_explicit(&slot->keys, t, memory_order_release);
	if (!old)
		return;
	/* The same argument as for views (ctl_publish_view): workers load the slot
	 * only inside an epoch section, so after this no worker holds old. */
	dp_epoch_synchronize(p->rt, p->rec);
	sign_keytable_free(old);
}

void
ctl_publish_fini(struct ctl_publisher *p)
{
	view_free(p->current);
	p->current = NULL;
	/* Relaxed: every worker has been joined, so nobody reads rt->view any more. */
	atomic_store_explicit(&p->rt->view, NULL, memory_order_relaxed);
	dp_epoch_record_put(p->rec);
	p->rec = NULL;
}
