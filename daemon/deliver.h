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
/* A sender in a child process with its own database connection, for the
 * whole of an ingest pass: it sends what is due at each deliver_kick (the
 * caller kicks after each durable commit), and once more when
 * deliver_finish ends the kicks, so that nothing committed before that
 * waits for the next run. A server that takes no mail is not asked again
 * until the next job. No database connection may be open in this process
 * when it is started (see deliver_isolated). NULL when it could not start. */
struct deliver_job;
struct deliver_job *deliver_start(const struct nomd_config *cfg, const struct reply_templates *t, int patience,
				  GError **error);
void deliver_kick(struct deliver_job *job);
/* End the kicks and wait for the sender's last pass, or, with `stop`, ask it
 * to stop after the mail in hand. Frees `job`. FALSE when the sender
 * failed or could not run. */
gboolean deliver_finish(struct deliver_job *job, gboolean stop, struct deliver_stats *stats, GError **error);
/* One pass in a child process with its own database connection; waits for
 * it. *st is closed before the fork (an SQLite connection must not cross a
 * fork, not even unused) and opened again afterwards; on failure to reopen
 * *st is NULL and FALSE is returned. */
gboolean deliver_isolated(const struct nomd_config *cfg, const struct reply_templates *t, struct store **st,
			  int patience, struct deliver_stats *stats, GError **error);

#endif
