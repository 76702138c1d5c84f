/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Publication of new views to the workers (DESIGN.md section 3): one release
 * store of the new struct dp_view into rt->view, an epoch grace period on the
 * control thread's own ck_epoch record, then the old view and its zone set
 * are freed.
 *
 * Threading: control thread only; the publisher is the only writer of
 * rt->view.
 */
#ifndef SIGEDGE_CTL_PUBLISH_H
#define SIGEDGE_CTL_PUBLISH_H

#include <ck_epoch.h>

#include "dataplane/core/engine.h"
#include "dataplane/core/worker.h"

struct ctl_publisher {
	struct dp_runtime *rt;
	ck_epoch_record_t *rec;  /* the control thread's record in rt->epoch */
	struct dp_view *current; /* what rt->view points to; owned */
};

/*
 * Take the control thread's epoch record from rt (initialised with
 * dp_runtime_init; rt->view starts out NULL). Returns 0 or -ENOMEM.
 */
int ctl_publish_init(struct ctl_publisher *p, struct dp_runtime *rt);

/*
 * Make v (malloc'd, with a zone set from dns_zoneset_new in v->zones, and
 * v->slots NULL or in the same allocation as v) the view the workers use.
 * Takes ownership of v and its zone set. Returns after no worker can still
 * be using the previous view, which is then freed with its zone set.
 */
void ctl_publish_view(struct ctl_publisher *p, struct dp_view *v);

/*
 * Make t (NULL: unsigned) the key table in slot, which lives as long as its
 * zone is served. When t signs alike the table it replaces
 * (sign_keytable_signs_alike), it first takes over that table's
 * sig_generation, so the workers' cached signatures stay in use. Takes
 * ownership of t. Returns after no worker can still be
 * using the table slot held before, which is then freed.
 */
void ctl_publish_keytable(struct ctl_publisher *p, struct dp_zone_slot *slot,
			  struct sign_keytable *t);

/* Free the current view. Only after every worker has stopped. */
void ctl_publish_fini(struct ctl_publisher *p);

#endif
