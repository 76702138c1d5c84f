/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sign/keystate: a key's state at a time from its timing metadata, with
 * BIND's meaning of unset times, each time counting from its own second,
 * and the next time the state may change.
 */
#include "../tap.h"
#include "sign/keystate.h"

#define T 1700000000

int
main(void)
{
	struct sign_key_timing t = { 0 };

	is_int(sign_key_state(&t, T), SIGN_KEY_STATE_DEFAULT,
	       "no timing: published, active, CDS, not revoked");
	is_int(sign_key_next_event(&t, T), 0, "no timing: no event");
	t.created = T + 100;
	is_int(sign_key_next_event(&t, T), 0, "Created is no event");

	t = (struct sign_key_timing){ .publish = T + 10 };
	is_int(sign_key_state(&t, T + 9), SIGN_KEY_STATE_DEFAULT,
	       "Publish later, Activate unset (passed): published and active");
	t.activate = T + 20;
	is_int(sign_key_state(&t, T + 9), SIGN_KEY_SYNC, "before Publish and Activate: pending");
	is_int(sign_key_state(&t, T + 10), SIGN_KEY_PUBLISHED | SIGN_KEY_SYNC,
	       "at Publish: published, not active");
	is_int(sign_key_state(&t, T + 20), SIGN_KEY_STATE_DEFAULT, "at Activate: active");
	is_int(sign_key_next_event(&t, T), T + 10, "next event: Publish");
	is_int(sign_key_next_event(&t, T + 10), T + 20, "then Activate");
	is_int(sign_key_next_event(&t, T + 20), 0, "then none");

	t = (struct sign_key_timing){ .activate = T + 5 };
	is_int(sign_key_state(&t, T), SIGN_KEY_PUBLISHED | SIGN_KEY_SYNC,
	       "Publish unset, Activate later: published (pre-published), not active");

	t = (struct sign_key_timing){ .publish = T + 50, .activate = T + 5 };
	is_int(sign_key_state(&t, T + 5), SIGN_KEY_STATE_DEFAULT,
	       "Activate passed before Publish: published and active");

	t = (struct sign_key_timing){ .inactive = T, .remove = T + 30 };
	is_int(sign_key_state(&t, T - 1), SIGN_KEY_STATE_DEFAULT, "before Inactive: active");
	is_int(sign_key_state(&t, T), SIGN_KEY_PUBLISHED | SIGN_KEY_SYNC,
	       "at Inactive: retired, still published");
	is_int(sign_key_state(&t, T + 30), SIGN_KEY_SYNC, "at Delete: not published");
	is_int(sign_key_next_event(&t, T - 1), T, "next event: Inactive");
	is_int(sign_key_next_event(&t, T), T + 30, "then Delete");

	t = (struct sign_key_timing){ .remove = T };
	is_int(sign_key_state(&t, T) & (SIGN_KEY_PUBLISHED | SIGN_KEY_ACTIVE), 0,
	       "Delete without Inactive: neither published nor signing");

	t = (struct sign_key_timing){ .revoke = T + 1 };
	is_int(sign_key_state(&t, T), SIGN_KEY_STATE_DEFAULT, "before Revoke: not revoked");
	is_int(sign_key_state(&t, T + 1), SIGN_KEY_STATE_DEFAULT | SIGN_KEY_REVOKED,
	       "at Revoke: revoked (still published)");
	is_int(sign_key_next_event(&t, T), T + 1, "next event: Revoke");

	t = (struct sign_key_timing){ .sync_publish = T + 2, .sync_remove = T + 4 };
	is_int(sign_key_state(&t, T + 1), SIGN_KEY_PUBLISHED | SIGN_KEY_ACTIVE,
	       "before SyncPublish: no CDS");
	is_int(sign_key_state(&t, T + 2), SIGN_KEY_STATE_DEFAULT, "at SyncPublish: CDS");
	is_int(sign_key_state(&t, T + 4), SIGN_KEY_PUBLISHED | SIGN_KEY_ACTIVE,
	       "at SyncDelete: no CDS");
	is_int(sign_key_next_event(&t, T), T + 2, "next event: SyncPublish");
	is_int(sign_key_next_event(&t, T + 2), T + 4, "then SyncDelete");

	t = (struct sign_key_timing){ .publish = T + 7, .activate = T + 6, .revoke = T + 3,
				      .inactive = T + 5, .remove = T + 8, .sync_publish = T + 4,
				      .sync_remove = T + 2 };
	is_int(sign_key_next_event(&t, T), T + 2, "the earliest of all seven times");
	is_int(sign_key_next_event(&t, T + 7), T + 8, "only later times count");
	return tap_done();
}
