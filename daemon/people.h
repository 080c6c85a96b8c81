/* people: accepted nominees leaving (withdrawn, or declining), ending
 * their pairs and telling each partner; and the notice about a nominee
 * that consent.c and pairing_run.c queue too. Mail goes through the
 * outbox; delivery is elsewhere. */
#ifndef NOMD_PEOPLE_H
#define NOMD_PEOPLE_H

#include <glib.h>

#include "../parsers/mime.h"
#include "config.h"
#include "decide.h"
#include "outbox.h"
#include "reply.h"
#include "store.h"

/* A notice's view of nominee `p` (borrowing from it). */
void people_notice_person(const struct nomd_config *cfg, const struct person *p, struct notice_person *out);

/* Inside the caller's transaction: `who` stopped taking part (withdrawn or
 * declined): end their pairs and tell each partner. */
gboolean people_left(const struct nomd_config *cfg, struct store *st, const struct person *who, const char *why,
		     GError **error);

/* Withdraw one accepted nominee with all that follows (staff, nomctl);
 * its own transaction. *found says whether the address was accepted. */
/* Each accepted nominee whose address has not worked is marked so, and
 * their nominator told once how to send a working one; *queued counts
 * them. */
gboolean people_undeliverable(const struct nomd_config *cfg, struct store *st, guint *queued, GError **error);

gboolean people_withdraw(const struct nomd_config *cfg, struct store *st, const char *email, const char *why,
			 gboolean *found, GError **error);

#endif
