/* digest: the programme team's morning picture, on the staff.digest
 * schedule. Owns its contents: new nominations since the last digest by
 * organisation; organisations with none yet; each organisation's members
 * and mentors against the quota, with imbalances; held mail that needs a
 * person; failed and bounced outgoing mail; consent and pairing; upcoming
 * events with their answers (HTML in the templates' shared frame); and a spreadsheet (CSV, UTF-8 with a byte
 * order mark so Excel reads it) of every current nominee. Sent exactly
 * once per period: the outbox rows and the period's mark are written in
 * one transaction, so restarts, downtime and crashes never send twice and
 * a missed digest goes once, at the next start. */
#ifndef NOMD_DIGEST_H
#define NOMD_DIGEST_H

#include <glib.h>

#include "config.h"
#include "reply.h"
#include "store.h"

struct digest {
	char *subject, *text, *html;
	char *html_body; /* the HTML before layout.html frames it */
	/* staff.digest_attachment: the round as a workbook
	 * ("nominations-2027-01-20.xlsx"), current nominees as CSV with a
	 * byte order mark ("nominees-2027-01-20.csv"), or none (NULL). */
	GBytes *attachment;
	char *attachment_name;
	const char *attachment_type;
	GArray *mentions; /* the nominee rows (gint64) it names */
	char *chart;	  /* organisations per state (chart_counts_text), drawn when sent */
};

/* The digest at `now` covering what happened since the last one. */
gboolean digest_build(const struct nomd_config *cfg, struct store *st, gint64 now, struct digest **out, GError **error);
void digest_free(struct digest *d);

/* When the current period's digest is due and not yet sent, queue it to
 * every staff address. *queued says whether it did; `force` sends now
 * under a period of its own (nomctl digest --send). */
gboolean digest_run(const struct nomd_config *cfg, struct store *st, gint64 now, gboolean force, gboolean *queued,
		    GError **error);

typedef struct digest digest;
G_DEFINE_AUTOPTR_CLEANUP_FUNC(digest, digest_free)

#endif
