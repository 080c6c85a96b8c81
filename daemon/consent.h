/* consent: every accepted nominee is asked to confirm (a welcome, then one
 * reminder) and their YES or NO is applied: confirmed, or withdrawn with
 * their pairs ended and their nominator told. Mail goes through the
 * outbox. */
#ifndef NOMD_CONSENT_H
#define NOMD_CONSENT_H

#include <glib.h>

#include "../parsers/mime.h"
#include "config.h"
#include "decide.h"
#include "reply.h"
#include "store.h"

/* Queue the welcome of every accepted nominee not yet welcomed, and the
 * reminders due at `now`, each nominee in its own transaction. *queued
 * counts the mails. */
gboolean consent_schedule(const struct nomd_config *cfg, struct store *st, gint64 now, guint *queued, GError **error);

/* Inside the caller's transaction: the effects of a nominee's answer
 * (decision with `consent` set) and the reply to it; `sha`: the
 * message's SHA-256, the cause of the reply. */
gboolean consent_apply_answer(const struct nomd_config *cfg, struct store *st, const struct parsed_message *msg,
			      const struct decision *d, gint64 message_row, const char *sha, GError **error);

#endif
