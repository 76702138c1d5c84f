/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A growable text buffer for control socket replies.
 * Threading: one owner at a time.
 */
#ifndef SIGEDGE_CTL_BUF_H
#define SIGEDGE_CTL_BUF_H

#include <stdbool.h>
#include <stddef.h>

struct ctl_buf {
	char *data;      /* NUL-terminated once anything was written; owned */
	size_t len;
	size_t cap;
	bool failed;     /* an allocation failed; the text is incomplete */
};

/* Append formatted text; on allocation failure sets b->failed. */
void ctl_buf_printf(struct ctl_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Free the data and reset to empty. */
void ctl_buf_free(struct ctl_buf *b);

#endif
