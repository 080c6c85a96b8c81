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
#include "reply.h"
#include "store.h"

struct deliver_stats {
	int sent;
	int deferred;
	int failed;
	/* Set when the pass ended early because the SMTP server took no mail
	 * (unreachable, or the login or sender refused): why, in one line.
	 * The mail still due was left as it was, charged nothing. */
	char held[512];
};

/* How long the sender keeps trying to record a mail it sent while the
 * database cannot be written, sending nothing else (a mail sent and not
 * recorded would go again later). The daemon waits until it is stopped;
 * `nomd --once` and nomctl, which a person or a timer waits for, not long. */
#define DELIVER_PATIENCE_UNTIL_STOPPED (-1)
#define DELIVER_PATIENCE_SHORT 10

/* Seconds to wait after `failures` failed tries: smtp.retry_min doubling
 * per try up to smtp.retry_max; jittered, between half and all of it. */
int deliver_retry_delay(const struct nomd_config *cfg, int failures);
/* Send every pending outbox row once, in this process, rendering each with
 * the templates `t`; stops between messages when should_stop() says so.
 * FALSE only when the store fails. */
gboolean deliver_pending(const struct nomd_config *cfg, const struct reply_templates *t, struct store *st,
			 int patience, gboolean (*should_stop)(void), struct deliver_stats *stats, GError **error);
/* The same in a child process with its own database connection; waits for
 * it. *st is closed before the fork (an SQLite connection must not cross a
 * fork, not even unused) and opened again afterwards; on failure to reopen
 * *st is NULL and FALSE is returned. */
gboolean deliver_isolated(const struct nomd_config *cfg, const struct reply_templates *t, struct store **st,
			  int patience, struct deliver_stats *stats, GError **error);

#endif
