/* outbox: the one way nomd queues a mail, and the one way a queued mail
 * becomes MIME. A mail is queued as facts: the template and what fills it
 * (reply.c), who it goes to, what it answers, what rides with it, its
 * Message-ID and Date, and the nominees, invitation and pair it is about.
 * Delivery renders and composes it (outbox_render), so ingest composes
 * nothing, a template fixed by staff reaches mail already queued, and a
 * person is erased from the outbox by id. Its idempotency key follows the
 * shape its cause has in one table, so the same cause never queues a
 * second mail. */
#ifndef NOMD_OUTBOX_H
#define NOMD_OUTBOX_H

#include <glib.h>

#include "compose.h"
#include "config.h"
#include "reply.h"
#include "store.h"

/* Why a mail is sent: each cause has one key shape (outbox.c). */
enum outbox_cause {
	OUTBOX_REPLY,		 /* the answer to a message; cause: its SHA-256 */
	OUTBOX_REPLY_LIMIT,	 /* staff told of a sender past the limit; cause: "sender:hour" */
	OUTBOX_WELCOME,		 /* a nominee asked to confirm */
	OUTBOX_CONSENT_REMINDER, /* the same, days later */
	OUTBOX_DECLINED,	 /* the nominator told their nominee said no */
	OUTBOX_PAIR,		 /* a pair introduced; cause: the side's role */
	OUTBOX_PAIR_ENDED,	 /* a partner told the other left */
	OUTBOX_INVITATION,	 /* an event invitation, per SEQUENCE */
	OUTBOX_CANCELLATION,	 /* the event called off */
	OUTBOX_EVENT_REMINDER,	 /* days before the event */
	OUTBOX_PROMOTED,	 /* a place from the waiting list; cause: the freeing message's SHA-256 */
	OUTBOX_DIGEST,		 /* the staff digest; cause: the period */
	OUTBOX_CALL,		 /* the call for nominations; cause: "round:organisation" */
	OUTBOX_CHASER,		 /* a chaser; cause: "round:organisation:days before the close" */
	OUTBOX_ROUND_CLOSED,	 /* what an organisation nominated; cause: "round:organisation" */
	OUTBOX_UNDELIVERABLE,	 /* the nominator told their nominee's address did not work */
	OUTBOX_ASK,		 /* a paired person asked; cause: "kind:pair:nominee:sequence" */
	OUTBOX_REMATCH,		 /* each side told a pair is ended to rematch it */
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
	/* The digest's chart: organisations per state (chart_counts_text),
	 * drawn when the mail is sent and carried inline. */
	const char *chart;
	/* A file sent with it (the digest's workbook or spreadsheet). */
	GBytes *attachment;
	const char *attachment_type, *attachment_name;
	gboolean attach_form; /* the blank form as a Word document */
};

/* Queue `words` for `m` (each copy too), unless its key was queued before.
 * The caller holds the transaction. */
gboolean outbox_queue(const struct nomd_config *cfg, struct store *st, const struct outmail *m,
		      const struct reply_facts *words, GError **error);

/* outbox_queue of notice `kind` about `n` (reply_facts_notice). */
gboolean outbox_queue_notice(const struct nomd_config *cfg, struct store *st, enum notice_kind kind,
			     const struct notice *n, const struct outmail *m, GError **error);

/* The mail a queued row's facts make, as it goes to SMTP. FALSE when the
 * facts cannot be read or no longer render (a reason to fail the row, not
 * to retry it). */
gboolean outbox_render(const struct nomd_config *cfg, const struct reply_templates *t, const struct outbox_item *it,
		       GBytes **out, GError **error);

/* Facts as a row keeps them, and back: NULL (with *error) for facts that
 * are missing, too large or (printed: the text form of 0.16) do not parse.
 * Bytes that do not frame read as an empty dictionary. */
GBytes *outbox_facts_encode(GVariant *facts);
GVariant *outbox_facts_decode(GBytes *facts, gboolean printed, GError **error);

/* The idempotency key of `m` (for one copy: `copy_to`, else NULL). */
char *outbox_key(const struct outmail *m, const char *copy_to);
/* The key shape of `c`, as outbox_key fills it in (for tests and docs). */
const char *outbox_key_shape(enum outbox_cause c);

/* The mail row `it` holds: rendered from its facts with the templates of
 * the day, or (queued before facts) its MIME as stored. NULL when there is
 * nothing to send (erased) or its facts no longer render. */
GBytes *outbox_mail(const struct nomd_config *cfg, const struct reply_templates *t, const struct outbox_item *it,
		    GError **error);

#endif
