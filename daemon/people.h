/* people: mail about nominees once they are accepted, and what their
 * answers and their pairs change. Owns the welcome and its one reminder,
 * the effects of a YES or NO, ending the pairs of someone who leaves
 * (telling the partner), and recording a pairing plan with its notices.
 * Everything here queues mail through the outbox; delivery is elsewhere. */
#ifndef NOMD_PEOPLE_H
#define NOMD_PEOPLE_H

#include <glib.h>

#include "../parsers/mime.h"
#include "config.h"
#include "decide.h"
#include "pairing.h"
#include "reply.h"
#include "store.h"

/* Queue the welcome of every accepted nominee not yet welcomed, and the
 * reminders due at `now`, each nominee in its own transaction. *queued
 * counts the mails. */
gboolean people_schedule(const struct nomd_config *cfg, const struct reply_templates *t, struct store *st,
			 gint64 now, guint *queued, GError **error);

/* Inside the caller's transaction: the effects of a nominee's answer
 * (decision with `consent` set) and the reply to it; `sha`: the
 * message's SHA-256, the cause of the reply. */
gboolean people_apply_answer(const struct nomd_config *cfg, const struct reply_templates *t, struct store *st,
			     const struct parsed_message *msg, const struct decision *d, gint64 message_row,
			     const char *sha, GError **error);

/* Inside the caller's transaction: `who` stopped taking part (withdrawn or
 * declined): end their pairs and tell each partner. */
gboolean people_left(const struct nomd_config *cfg, const struct reply_templates *t, struct store *st,
		     const struct person *who, const char *why, GError **error);

/* Withdraw one accepted nominee with all that follows (staff, nomctl);
 * its own transaction. *found says whether the address was accepted. */
gboolean people_withdraw(const struct nomd_config *cfg, const struct reply_templates *t, struct store *st,
			 const char *email, const char *why, gboolean *found, GError **error);

/* The candidates for pairing: accepted, consent confirmed unless the
 * programme says otherwise, not already paired (mentors: below capacity).
 * `left_out` gets each excluded person with a reason (char *, "email: why"). */
struct pairing_pool {
	GPtrArray *members, *mentors; /* struct person *, owned */
	GArray *member_view, *mentor_view; /* struct pair_person, borrowing from the above */
	GPtrArray *left_out;		   /* char * */
};
gboolean people_pairing_pool(const struct nomd_config *cfg, struct store *st, struct pairing_pool **out,
			     GError **error);
void pairing_pool_free(struct pairing_pool *p);
void people_pairing_rules(const struct nomd_config *cfg, struct pairing_rules *rules);

/* Record a plan's pairs and queue a notice to both people of each (copied
 * to staff when configured); one transaction. */
gboolean people_commit_plan(const struct nomd_config *cfg, const struct reply_templates *t, struct store *st,
			    const struct pairing_pool *pool, const struct pairing_plan *plan, guint *notices,
			    GError **error);

typedef struct pairing_pool pairing_pool;
G_DEFINE_AUTOPTR_CLEANUP_FUNC(pairing_pool, pairing_pool_free)

#endif
