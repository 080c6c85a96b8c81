/* round: a round of nominations as nomd runs it by mail, to each
 * organisation's nominators: the call (nomctl call), chasers in the days
 * before the close to organisations whose nominations are missing or
 * incomplete (programme.chase_days), and after the close a summary of what
 * each organisation nominated (programme.close_summary). Every mail goes
 * once per organisation and round (programme.round), under its
 * idempotency key, queued in the transaction that decides it; a chaser
 * or summary missed while nomd was down goes once at the next start, a
 * chaser never after the close. */
#ifndef NOMD_ROUND_H
#define NOMD_ROUND_H

#include <glib.h>

#include "config.h"
#include "store.h"

/* The chaser due at `now`: the fewest of programme.chase_days whose day
 * has come, as long as the round is open; 0: none. */
int round_chaser_due(const struct nomd_config *cfg, gint64 now);

/* Whether an organisation with these accepted nominees and `to_fix`
 * refusals it can put right gets a chaser: one with nothing, unequal
 * numbers or something to fix; never one with both quotas full. */
enum round_need { ROUND_NEED_NONE, ROUND_NEED_NOTHING_YET, ROUND_NEED_INCOMPLETE };
/* What would make the numbers equal within the quotas ("2 more
 * mentors"); "" when nothing can: the rule chasers go by. */
char *round_balance(const struct nomd_config *cfg, int members, int mentors);
/* Every role has a quota: an organisation can be complete. */
gboolean round_has_quotas(const struct nomd_config *cfg);
/* Every role has a quota and the counts reach it. */
gboolean round_quotas_met(const struct nomd_config *cfg, int members, int mentors);
enum round_need round_chaser_need(const struct nomd_config *cfg, int members, int mentors, guint to_fix);

/* Whether the summaries are due: after the close, for 14 days (an old
 * round is not summarised by a newly installed nomd). */
gboolean round_close_due(const struct nomd_config *cfg, gint64 now);

/* Whole days left before the close at `now`, rounded up. */
gint64 round_days_left(const struct nomd_config *cfg, gint64 now);

/* A date as people write it ("Friday 31 January 2027", with the time
 * when it is not the start or end of the day), in staff.timezone;
 * `as_configured` when the zone is unknown. */
char *round_date_text(const struct nomd_config *cfg, gint64 at, const char *as_configured);
/* The closing date so. */
char *round_closes_text(const struct nomd_config *cfg);

/* The call, organisation by organisation, as `nomctl call` shows it. */
struct round_call_line {
	const struct organisation *org;
	const char *to; /* the first nominator; NULL: none configured */
	guint copies;	/* the other nominators */
	char *sent_at;	/* when it was queued before; NULL: not yet */
};
void round_call_line_free(struct round_call_line *l);

/* Every organisation's line; with `send`, the call queued (in one
 * transaction) to each not called before, *queued counting them. */
gboolean round_call(const struct nomd_config *cfg, struct store *st, gboolean send, GPtrArray **lines, guint *queued,
		    GError **error);

/* What the round has sent, for the staff digest. */
struct round_report {
	GPtrArray *not_called; /* names of organisations the call has not reached */
	guint called;	       /* organisations that had it */
	guint answered;	       /* of those, organisations that have nominated */
	guint chased[16];      /* per programme.chase_days entry, in its order: organisations chased */
	guint summarised;      /* organisations sent their summary */
};
void round_report_clear(struct round_report *r);
gboolean round_report(const struct nomd_config *cfg, struct store *st, struct round_report *r, GError **error);

/* The chasers and summaries due at `now`, queued; *queued counts mails. */
gboolean round_schedule(const struct nomd_config *cfg, struct store *st, gint64 now, guint *queued, GError **error);

#endif
