/* SPDX-License-Identifier: BSD-3-Clause */
#include "sign/keystate.h"

#include <stdbool.h>

/* A time that has passed at now; unset counts as passed when unset_passed. */
static bool
passed(int64_t t, int64_t now, bool unset_passed)
{
	return t ? t <= now : unset_passed;
}

unsigned
sign_key_state(const struct sign_key_timing *t, int64_t now)
{
	unsigned s = 0;

	if ((passed(t->publish, now, true) || passed(t->activate, now, true)) &&
	    !passed(t->remove, now, false))
		s |= SIGN_KEY_PUBLISHED;
	if ((s & SIGN_KEY_PUBLISHED) && passed(t->activate, now, true) &&
	    !passed(t->inactive, now, false))
		s |= SIGN_KEY_ACTIVE;
	if (passed(t->revoke, now, false))
		s |= SIGN_KEY_REVOKED;
	if (passed(t->sync_publish, now, true) && !passed(t->sync_remove, now, false))
		s |= SIGN_KEY_SYNC;
	return s;
}

int64_t
sign_key_next_event(const struct sign_key_timing *t, int64_t now)
{
	const int64_t v[] = { t->publish, t->activate, t->revoke, t->inactive, t->remove,
			      t->sync_publish, t->sync_remove };
	int64_t next = 0;

	for (unsigned i = 0; i < sizeof(v) / sizeof(v[0]); i++)
		if (v[i] > now && (next == 0 || v[i] < next))
			next = v[i];
	return next;
}
