/* ingest: the path of messages from the inbox to their effects:
 * fetch -> parse -> decide -> commit (one transaction) -> move.
 * The transaction commits before the message is moved on the server, so
 * a crash in between only leaves a recorded message to move next time.
 * The same transaction raises the mailbox checkpoint (UIDVALIDITY and
 * highest processed UID); attempts are counted before each try so that a
 * message that keeps failing is held instead of blocking the inbox. */
#ifndef NOMD_INGEST_H
#define NOMD_INGEST_H

#include <glib.h>
#include <signal.h>

#include "config.h"
#include "imap.h"
#include "reply.h"
#include "store.h"

/* Tries a message gets before it is held as unprocessable. */
#define INGEST_MAX_ATTEMPTS 2

struct ingest_stats {
	int seen;
	int applied;
	int already; /* recorded before, only moved now */
	int failed;  /* left in the inbox after a failed attempt */
	int accepted, partial, rejected, held, ignored;
};

struct ingest {
	const struct nomd_config *cfg;
	struct store *st;
	const volatile sig_atomic_t *stop; /* checked between messages */
	struct ingest_stats stats;	   /* cumulative */
	gboolean retry_soon;		   /* a failed message waits in the inbox */
	int waiting;			   /* messages left in the inbox after the last sync */
	/* Called when a batch's commits are durable and it has been moved,
	 * with batch_data; may be NULL. May use st. */
	void (*batch_done)(void *data);
	void *batch_data;
};

/* Where a message sits on the server. */
struct origin {
	const char *mailbox;
	guint32 uidvalidity;
	guint32 uid;
	gint64 internal_date; /* 0 when unknown */
};

/* Apply one raw message; `o` may be NULL (no checkpoint). *outcome is the
 * outcome name, also when the message had been recorded before. */
gboolean ingest_apply(struct ingest *ing, GBytes *raw, const struct origin *o, char **outcome, GError **error);
/* The configured mailbox for an outcome name. */
const char *ingest_mailbox_for(const struct nomd_config *cfg, const char *outcome);
/* Create the folders messages are filed in, where missing. */
gboolean ingest_prepare(const struct nomd_config *cfg, struct imap_conn *imap, GError **error);
/* Select the inbox and process what is there: everything when `full`,
 * else what lies above the checkpoint. FALSE on an IMAP or store failure. */
gboolean ingest_sync(struct ingest *ing, struct imap_conn *imap, gboolean full, GError **error);

#endif
