/* events: the programme's events as mail. Owns who is invited (accepted
 * nominees of the event's audience), the invitation with its iCalendar
 * REQUEST, updates (SEQUENCE raised) and cancellations (CANCEL), one
 * reminder events.reminder_days before, and what an RSVP changes: the
 * answer, the waiting list when the event is full (a decline moves the
 * first person waiting up, who is told) and the acknowledgement. */
#ifndef NOMD_EVENTS_H
#define NOMD_EVENTS_H

#include <glib.h>

#include "../parsers/mime.h"
#include "config.h"
#include "decide.h"
#include "reply.h"
#include "store.h"

/* Invite whoever is not yet invited, send what changed (updates,
 * cancellations) and the reminders due at `now`; one transaction.
 * *queued counts the mails. */
gboolean events_schedule(const struct nomd_config *cfg, struct store *st, gint64 now, guint *queued, GError **error);

/* Inside the caller's transaction: record an RSVP (decision with `rsvp`
 * set), move the waiting list on, and queue the acknowledgement; `sha`:
 * the message's SHA-256, the cause of the reply. */
gboolean events_apply_rsvp(const struct nomd_config *cfg, struct store *st, const struct parsed_message *msg,
			   const struct decision *d, gint64 message_row, const char *sha, GError **error);

/* "Wednesday 20 January 2027, 10:00 to 12:00 (GMT)", in the event's zone. */
char *events_when(const struct event_record *e);

#endif
