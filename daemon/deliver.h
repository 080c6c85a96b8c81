/* deliver: sends what the outbox holds and records each result.
 *
 * Delivery runs in a child process of its own, holding an exclusive lock
 * next to the database. SMTP cannot tell a sender whether a message it
 * handed over just before dying was accepted; keeping the sender alive
 * when the main process crashes (a parser fault, an OOM kill, kill -9)
 * lets it record the answer for the message in hand, so the next run
 * never sends that message again. The lock keeps a new daemon's sender
 * from overlapping with one that is still finishing. */
#ifndef NOMD_DELIVER_H
#define NOMD_DELIVER_H

#include <glib.h>

#include "config.h"
#include "store.h"

struct deliver_stats {
	int sent;
	int deferred;
	int failed;
};

/* Send every pending outbox row once, in this process; stops between
 * messages when should_stop() says so. FALSE only when the store fails. */
gboolean deliver_pending(const struct nomd_config *cfg, struct store *st, gboolean (*should_stop)(void),
			 struct deliver_stats *stats, GError **error);
/* The same in a child process with its own database connection; waits for
 * it. *st is closed before the fork (an SQLite connection must not cross a
 * fork, not even unused) and opened again afterwards; on failure to reopen
 * *st is NULL and FALSE is returned. */
gboolean deliver_isolated(const struct nomd_config *cfg, struct store **st, struct deliver_stats *stats,
			  GError **error);

#endif
