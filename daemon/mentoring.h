/* mentoring: what happens to a pair after its introduction, by mail. Each
 * side is asked whether they have met (mentoring.first_meeting_days after
 * the introduction, once more as long as nobody says MET), how it is going
 * every mentoring.checkin_days while the pair lasts, and for feedback on
 * programme.ends. Answers count only from the person's own address (the
 * reference in the subject finds the question, never speaks for them).
 * From the answers comes each pair's health: on track, quiet, or needs
 * help. Staff can end a pair that is not working and pair the member
 * with the best mentor available (rematch). Every mail is queued under its
 * idempotency key in the transaction that records it; a question missed
 * while nomd was down goes once at the next start (a check-in: only the
 * latest). */
#ifndef NOMD_MENTORING_H
#define NOMD_MENTORING_H

#include <glib.h>

#include "../parsers/mime.h"
#include "config.h"
#include "decide.h"
#include "pairing.h"
#include "pairing_run.h"
#include "store.h"

/* An answer is waited for this long before its silence counts. */
#define MENTORING_ANSWER_WAIT (7 * 86400)
/* Feedback is asked for this long after programme.ends, and no later. */
#define MENTORING_FEEDBACK_WINDOW (14 * 86400)

/* A question due to one side of a pair. */
struct due_ask {
	gint64 nominee;
	enum ask_kind kind;
	int sequence;
};

/* The questions due at `now` to the sides of pair `p` (appended to `out`,
 * of struct due_ask). Pure. */
void mentoring_due(const struct nomd_config *cfg, const struct pair_record *p, gint64 now, GArray *out);

/* Whether a pair has met, as its answers say. */
enum meeting_state { MEETING_NOT_ASKED, MEETING_ASKED, MEETING_NOT_YET, MEETING_MET, MEETING_STATE_COUNT };
const char *meeting_state_name(enum meeting_state m); /* "not asked", "asked", "not yet", "met" */

struct pair_state {
	enum meeting_state meeting;
	enum pair_health health;
	const char *why;		  /* why it is not on track (static words); NULL when it is */
	const struct ask_record *flagged; /* the answer behind it (HELP, NOT YET), or NULL */
	const struct ask_record *last;	  /* the latest answer of either side, or NULL */
};
/* How pair `p` is doing at `now`, from its answers. Pure; the state
 * borrows from `p`. Needs help: a side said NOT YET (and nobody MET), or
 * nobody answered the first-meeting question asked twice; a side's latest
 * check-in answer is HELP. Quiet: nobody in the pair answered its last
 * two check-ins. The latest question counts as unanswered only
 * MENTORING_ANSWER_WAIT after it was asked. */
void mentoring_health(const struct pair_record *p, gint64 now, struct pair_state *out);

/* The questions due at `now`, queued; *queued counts mails. */
gboolean mentoring_schedule(const struct nomd_config *cfg, struct store *st, gint64 now, guint *queued, GError **error);

/* Inside the caller's transaction: the answer a decision read (d->ask),
 * stored, and the reply to it; `sha`: the message's SHA-256, the cause of
 * the reply. */
gboolean mentoring_apply_answer(const struct nomd_config *cfg, struct store *st, const struct parsed_message *msg,
				const struct decision *d, gint64 message_row, const char *sha, GError **error);

/* A rematch: the member's pair ended, and the best mentor available for
 * them other than the one they had. */
struct rematch {
	struct person *member, *old_mentor;
	struct pairing_pool *pool;
	struct pairing_plan *plan; /* at most one pair: the member's */
	guint notices;		   /* mails queued (not for a dry run) */
};
void rematch_free(struct rematch *r);
typedef struct rematch rematch;
G_DEFINE_AUTOPTR_CLEANUP_FUNC(rematch, rematch_free)

/* Feedback at the end: ratings counted as rows of store_each_feedback
 * come, then said in one sentence ("3 answer(s), 2 with a rating:
 * average 4.0 of 5 (5: 1, 4: 0, 3: 1, 2: 0, 1: 0)"), by the digest and
 * nomctl feedback alike. */
struct feedback_tally {
	guint answers;
	int rated, sum, count[6]; /* count[1..5] */
};
void mentoring_tally(struct feedback_tally *t, const char *rating);
char *mentoring_tally_text(const struct feedback_tally *t);

/* Plan (and unless `dry_run`, carry out in one transaction: end the pair,
 * tell both kindly, record the new pair and introduce it) the rematch of
 * the member at `email`. FALSE with MENTORING_ERROR_NOT_PAIRED when that
 * address is no accepted member with a pair. */
#define MENTORING_ERROR (mentoring_error_quark())
GQuark mentoring_error_quark(void);
enum { MENTORING_ERROR_NOT_PAIRED };
gboolean mentoring_rematch(const struct nomd_config *cfg, struct store *st, const char *email, const char *why,
			   gboolean dry_run, struct rematch **out, GError **error);

#endif
