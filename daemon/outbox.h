/* outbox: the one way nomd queues a mail. A mail is its words (rendered
 * from the templates by reply.c), who it goes to, what it answers, what
 * rides with it, and the nominees, invitation and pair it is about; its
 * idempotency key follows the shape its cause has in one table, so the
 * same cause never queues a second mail. */
#ifndef NOMD_OUTBOX_H
#define NOMD_OUTBOX_H

#include <glib.h>

#include "compose.h"
#include "config.h"
#include "reply.h"
#include "store.h"

/* Why a mail is sent: each cause has one key shape (outbox.c). */
enum outbox_cause {
	OUTBOX_REPLY,		/* the answer to a message; cause: its SHA-256 */
	OUTBOX_REPLY_LIMIT,	/* staff told of a sender past the limit; cause: "sender:hour" */
	OUTBOX_WELCOME,		/* a nominee asked to confirm */
	OUTBOX_CONSENT_REMINDER, /* the same, days later */
	OUTBOX_DECLINED,	/* the nominator told their nominee said no */
	OUTBOX_PAIR,		/* a pair introduced; cause: the side's role */
	OUTBOX_PAIR_ENDED,	/* a partner told the other left */
	OUTBOX_INVITATION,	/* an event invitation, per SEQUENCE */
	OUTBOX_CANCELLATION,	/* the event called off */
	OUTBOX_EVENT_REMINDER,	/* days before the event */
	OUTBOX_PROMOTED,	/* a place from the waiting list; cause: the freeing message's SHA-256 */
	OUTBOX_DIGEST,		/* the staff digest; cause: the period */
	OUTBOX_CAUSE_COUNT
};

struct outmail {
	enum outbox_cause cause;
	const char *cause_text; /* as the cause above says; NULL when it takes none */
	/* A reply to `answers` goes to its From from the null sender, threaded;
	 * anything else to `to` (and a copy to each of `cc`, the same message). */
	const struct parsed_message *answers;
	const char *to;
	const GPtrArray *cc;
	gint64 message_row; /* the message answered: its nominees are named too */
	gint64 nominee;	    /* the nominee it is about */
	gint64 partner;	    /* another nominee it names */
	gint64 invitation;
	gint64 pair;
	int sequence; /* OUTBOX_INVITATION */
	/* More nominees it names (the digest). */
	const gint64 *mentions;
	guint n_mentions;
	const char *calendar, *calendar_method;
	struct compose_attachment attachment;
};

/* Compose `words` for `m` and queue it (each copy too), unless its key was
 * queued before. The caller holds the transaction. */
gboolean outbox_queue(const struct nomd_config *cfg, struct store *st, const struct outmail *m,
		      const struct reply_out *words, GError **error);

/* The idempotency key of `m` (for one copy: `copy_to`, else NULL). */
char *outbox_key(const struct outmail *m, const char *copy_to);
/* The key shape of `c`, as outbox_key fills it in (for tests and docs). */
const char *outbox_key_shape(enum outbox_cause c);

#endif
