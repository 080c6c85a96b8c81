/* ingest: the path of one message from the inbox to its effects:
 * fetch -> parse -> decide -> commit (one transaction) -> move.
 * The transaction commits before the message is moved on the server, so
 * a crash in between only leaves a recorded message to move next time. */
#ifndef NOMD_INGEST_H
#define NOMD_INGEST_H

#include <glib.h>
#include <signal.h>

#include "config.h"
#include "reply.h"
#include "store.h"

struct ingest_stats {
	int seen;
	int applied;
	int already; /* recorded before, only moved now */
	int accepted, partial, rejected, held;
};

/* Apply one raw message to the store; *outcome is its outcome name. */
gboolean ingest_apply(const struct nomd_config *cfg, const struct reply_templates *t, struct store *st,
		      GBytes *raw, gint64 internal_date, char **outcome, struct ingest_stats *stats,
		      GError **error);
/* The configured mailbox for an outcome name. */
const char *ingest_mailbox_for(const struct nomd_config *cfg, const char *outcome);
/* One pass over the inbox. Stops early (successfully) once *stop is set. */
gboolean ingest_run(const struct nomd_config *cfg, const struct reply_templates *t, struct store *st,
		    const volatile sig_atomic_t *stop, struct ingest_stats *stats, GError **error);

#endif
