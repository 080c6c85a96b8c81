/* mentoring: see mentoring.h. What is due and how a pair is doing are pure
 * (mentoring_due, mentoring_health); the rest reads the store, queues the
 * mail and records it. */
#include "mentoring.h"

#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "log.h"
#include "outbox.h"
#include "people.h"
#include "round.h"
#include "util.h"

/* clang-format off */
G_DEFINE_QUARK(nomd-mentoring-error-quark, mentoring_error)
/* clang-format on */

#define DAY 86400

static const char *const meeting_names[] = {
	[MEETING_NOT_ASKED] = "not asked",
	[MEETING_ASKED] = "asked",
	[MEETING_NOT_YET] = "not yet",
	[MEETING_MET] = "met",
};
G_STATIC_ASSERT(G_N_ELEMENTS(meeting_names) == MEETING_STATE_COUNT);

const char *meeting_state_name(enum meeting_state m)
{
	return (unsigned)m < MEETING_STATE_COUNT ? meeting_names[m] : "?";
}

static const struct ask_record *find_ask(const struct pair_record *p, gint64 nominee, enum ask_kind k, int sequence)
{
	for (guint i = 0; i < p->asks->len; i++) {
		const struct ask_record *a = p->asks->pdata[i];
		if (a->nominee == nominee && a->kind == k && a->sequence == sequence)
			return a;
	}
	return NULL;
}

static gboolean pair_met(const struct pair_record *p)
{
	for (guint i = 0; i < p->asks->len; i++) {
		const struct ask_record *a = p->asks->pdata[i];
		if (a->kind == ASK_MEETING && a->answer == ANSWER_MET)
			return TRUE;
	}
	return FALSE;
}

static void add_due(GArray *out, gint64 nominee, enum ask_kind kind, int sequence)
{
	struct due_ask d = { .nominee = nominee, .kind = kind, .sequence = sequence };
	g_array_append_val(out, d);
}

void mentoring_due(const struct nomd_config *cfg, const struct pair_record *p, gint64 now, GArray *out)
{
	if (p->ended || now < p->created_at)
		return;
	const gint64 sides[2] = { p->member, p->mentor };
	gint64 ends = cfg->programme.ends_at;
	if (ends && now >= ends) {
		/* The year is over: only feedback, and not long after. */
		for (int s = 0; s < 2 && now < ends + MENTORING_FEEDBACK_WINDOW; s++)
			if (!find_ask(p, sides[s], ASK_FEEDBACK, 1))
				add_due(out, sides[s], ASK_FEEDBACK, 1);
		return;
	}
	gint64 meeting = (gint64)cfg->mentoring.first_meeting_days * DAY;
	if (meeting && !pair_met(p)) {
		for (int s = 0; s < 2; s++) {
			if (!find_ask(p, sides[s], ASK_MEETING, 1)) {
				if (now >= p->created_at + meeting)
					add_due(out, sides[s], ASK_MEETING, 1);
			} else if (!find_ask(p, sides[s], ASK_MEETING, 2) && now >= p->created_at + 2 * meeting) {
				add_due(out, sides[s], ASK_MEETING, 2);
			}
		}
	}
	/* Only the latest check-in due: one missed while nomd was down is
	 * not worth two mails at once. */
	gint64 every = (gint64)cfg->mentoring.checkin_days * DAY;
	int period = every ? (int)((now - p->created_at) / every) : 0;
	for (int s = 0; s < 2 && period >= 1; s++)
		if (!find_ask(p, sides[s], ASK_CHECKIN, period))
			add_due(out, sides[s], ASK_CHECKIN, period);
}

/* A side's latest answered check-in, or NULL. */
static const struct ask_record *last_checkin_answer(const struct pair_record *p, gint64 nominee)
{
	const struct ask_record *answered = NULL;
	for (guint i = 0; i < p->asks->len; i++) {
		const struct ask_record *a = p->asks->pdata[i];
		if (a->nominee == nominee && a->kind == ASK_CHECKIN && a->answered_at && a->answer != ANSWER_NONE &&
		    (!answered || a->sequence > answered->sequence))
			answered = a;
	}
	return answered;
}

/* Whether nobody in the pair answered its last two check-ins, the later
 * asked at least MENTORING_ANSWER_WAIT ago. */
static gboolean checkins_unanswered(const struct pair_record *p, gint64 now)
{
	int last = 0, before = 0;
	gint64 last_asked = 0;
	for (guint i = 0; i < p->asks->len; i++) {
		const struct ask_record *a = p->asks->pdata[i];
		if (a->kind != ASK_CHECKIN)
			continue;
		if (a->sequence > last) {
			before = last;
			last = a->sequence;
		} else if (a->sequence < last && a->sequence > before) {
			before = a->sequence;
		}
		if (a->sequence == last)
			last_asked = MAX(last_asked, a->asked_at);
	}
	if (!before || now < last_asked + MENTORING_ANSWER_WAIT)
		return FALSE;
	for (guint i = 0; i < p->asks->len; i++) {
		const struct ask_record *a = p->asks->pdata[i];
		if (a->kind == ASK_CHECKIN && (a->sequence == last || a->sequence == before) && a->answered_at)
			return FALSE;
	}
	return TRUE;
}

void mentoring_health(const struct pair_record *p, gint64 now, struct pair_state *out)
{
	*out = (struct pair_state){ .meeting = MEETING_NOT_ASKED, .health = HEALTH_ON_TRACK };
	const struct ask_record *not_yet = NULL;
	gint64 asked_again = 0;
	for (guint i = 0; i < p->asks->len; i++) {
		const struct ask_record *a = p->asks->pdata[i];
		if (a->answered_at && (!out->last || a->answered_at >= out->last->answered_at))
			out->last = a;
		if (a->kind != ASK_MEETING)
			continue;
		out->meeting = MAX(out->meeting, MEETING_ASKED);
		if (a->answer == ANSWER_MET)
			out->meeting = MEETING_MET;
		else if (a->answer == ANSWER_NOT_YET && out->meeting != MEETING_MET) {
			out->meeting = MEETING_NOT_YET;
			not_yet = a;
		}
		if (a->sequence == 2)
			asked_again = MAX(asked_again, a->asked_at);
	}
	const gint64 sides[2] = { p->member, p->mentor };
	const struct ask_record *help = NULL;
	for (int s = 0; s < 2 && !help; s++) {
		const struct ask_record *answered = last_checkin_answer(p, sides[s]);
		if (answered && answered->answer == ANSWER_HELP)
			help = answered;
	}
	gboolean quiet = checkins_unanswered(p, now);
	if (help) {
		out->health = HEALTH_NEEDS_HELP;
		out->why = "asked for help in a check-in";
		out->flagged = help;
	} else if (out->meeting == MEETING_NOT_YET) {
		out->health = HEALTH_NEEDS_HELP;
		out->why = "have not met yet";
		out->flagged = not_yet;
	} else if (out->meeting == MEETING_ASKED && asked_again && now >= asked_again + MENTORING_ANSWER_WAIT) {
		out->health = HEALTH_NEEDS_HELP;
		out->why = "no answer about a first meeting, asked twice";
	} else if (quiet) {
		out->health = HEALTH_QUIET;
		out->why = "no answer to the last two check-ins";
	}
}

static const enum notice_kind ask_notices[] = {
	[ASK_MEETING] = NOTICE_FIRST_MEETING,
	[ASK_CHECKIN] = NOTICE_CHECKIN,
	[ASK_FEEDBACK] = NOTICE_FEEDBACK,
};
G_STATIC_ASSERT(G_N_ELEMENTS(ask_notices) == ASK_KIND_COUNT);

/* Record question `q` to `who` (whose partner is `partner`) and queue its
 * mail; the caller holds the transaction. */
static gboolean ask_one(const struct nomd_config *cfg, struct store *st, const struct pair_record *p,
			const struct due_ask *q, const struct person *who, const struct person *partner, gint64 now,
			GError **error)
{
	g_autofree char *token = random_hex(6);
	g_autofree char *ends =
		cfg->programme.ends_at ? round_date_text(cfg, cfg->programme.ends_at, cfg->programme.ends) : NULL;
	struct notice n = {
		.token = token, .ask = q->kind, .again = q->sequence > 1 && q->kind == ASK_MEETING, .ends = ends
	};
	people_notice_person(cfg, who, &n.person);
	people_notice_person(cfg, partner, &n.partner);
	g_autofree char *cause = g_strdup_printf("%s:%" G_GINT64_FORMAT ":%" G_GINT64_FORMAT ":%d",
						 ask_kind_name(q->kind), p->id, who->id, q->sequence);
	const struct outmail m = { .cause = OUTBOX_ASK,
				   .cause_text = cause,
				   .to = who->email,
				   .nominee = who->id,
				   .partner = partner->id,
				   .pair = p->id };
	return store_add_ask(st, p->id, who->id, q->kind, q->sequence, token, now, error) &&
	       outbox_queue_notice(cfg, st, ask_notices[q->kind], &n, &m, error);
}

/* The questions due to one pair's sides, in one transaction. Someone
 * whose address does not work is not asked (nor counted as silent). */
static gboolean ask_pair(const struct nomd_config *cfg, struct store *st, const struct pair_record *p,
			 const GArray *due, gint64 now, guint *queued, GError **error)
{
	g_autoptr(person) member = NULL;
	g_autoptr(person) mentor = NULL;
	if (!store_person_by_id(st, p->member, &member, error) || !store_person_by_id(st, p->mentor, &mentor, error))
		return FALSE;
	if (!member || !mentor)
		return TRUE;
	if (!store_begin(st, error))
		return FALSE;
	guint asked = 0;
	for (guint i = 0; i < due->len; i++) {
		const struct due_ask *q = &g_array_index(due, struct due_ask, i);
		const struct person *who = q->nominee == member->id ? member : mentor;
		const struct person *partner = who == member ? mentor : member;
		if (who->status != NOMINEE_ACCEPTED || who->undeliverable || !who->email)
			continue;
		if (!ask_one(cfg, st, p, q, who, partner, now, error)) {
			store_rollback(st);
			return FALSE;
		}
		log_info("pair %" G_GINT64_FORMAT ": %s question %d queued to nominee %" G_GINT64_FORMAT, p->id,
			 ask_kind_name(q->kind), q->sequence, who->id);
		asked++;
	}
	if (!store_commit(st, error)) {
		store_rollback(st);
		return FALSE;
	}
	*queued += asked;
	return TRUE;
}

gboolean mentoring_schedule(const struct nomd_config *cfg, struct store *st, gint64 now, guint *queued, GError **error)
{
	*queued = 0;
	if (!cfg->mentoring.first_meeting_days && !cfg->mentoring.checkin_days && !cfg->programme.ends_at)
		return TRUE;
	/* Read first; a transaction only for a pair with something due (this
	 * runs after every batch, and most runs find nothing). */
	g_autoptr(GPtrArray) pairs = NULL;
	if (!store_pair_records(st, TRUE, &pairs, error))
		return FALSE;
	g_autoptr(GArray) due = g_array_new(FALSE, FALSE, sizeof(struct due_ask));
	for (guint i = 0; i < pairs->len; i++) {
		g_array_set_size(due, 0);
		mentoring_due(cfg, pairs->pdata[i], now, due);
		if (due->len && !ask_pair(cfg, st, pairs->pdata[i], due, now, queued, error))
			return FALSE;
	}
	return TRUE;
}

gboolean mentoring_apply_answer(const struct nomd_config *cfg, struct store *st, const struct parsed_message *msg,
				const struct decision *d, gint64 message_row, const char *sha, GError **error)
{
	const struct ask_target *t = d->ask;
	const char *code = d->reasons->len ? d->reasons->pdata[0] : REASON_ANSWER_UNCLEAR;
	if (strcmp(code, REASON_PAIR_ENDED) == 0)
		return TRUE;
	gboolean clear = strcmp(code, REASON_ANSWER_UNCLEAR) != 0;
	if (clear && !store_answer_ask(st, t->id, d->answer, d->words, message_row, clock_now(), error))
		return FALSE;
	if (!d->reply)
		return TRUE;
	g_autoptr(person) p = NULL;
	if (!store_person_by_id(st, t->nominee, &p, error))
		return FALSE;
	if (!p)
		return TRUE;
	struct notice n = { .token = t->token, .ask = t->kind, .said = d->answer };
	people_notice_person(cfg, p, &n.person);
	const struct outmail m = {
		.cause = OUTBOX_REPLY, .cause_text = sha, .answers = msg, .message_row = message_row, .nominee = p->id
	};
	return outbox_queue_notice(cfg, st, clear ? NOTICE_ANSWER_THANKS : NOTICE_ANSWER_UNCLEAR, &n, &m, error);
}

void rematch_free(struct rematch *r)
{
	if (!r)
		return;
	person_free(r->member);
	person_free(r->old_mentor);
	pairing_pool_free(r->pool);
	pairing_plan_free(r->plan);
	g_free(r);
}

/* Each side of the ended pair told, kindly; the caller holds the
 * transaction. */
static gboolean tell_rematched(const struct nomd_config *cfg, struct store *st, gint64 pair,
			       const struct person *member, const struct person *mentor, const char *why,
			       guint *notices, GError **error)
{
	const struct person *sides[2][2] = { { member, mentor }, { mentor, member } };
	for (int s = 0; s < 2; s++) {
		struct notice n = { .why = why };
		people_notice_person(cfg, sides[s][0], &n.person);
		people_notice_person(cfg, sides[s][1], &n.partner);
		const struct outmail m = { .cause = OUTBOX_REMATCH,
					   .to = sides[s][0]->email,
					   .cc = cfg->pairing.copy_staff ? cfg->staff : NULL,
					   .nominee = sides[s][0]->id,
					   .partner = sides[s][1]->id,
					   .pair = pair };
		if (sides[s][0]->email && !outbox_queue_notice(cfg, st, NOTICE_REMATCHED, &n, &m, error))
			return FALSE;
		*notices += sides[s][0]->email != NULL;
	}
	return TRUE;
}

/* Inside the transaction: end the pair, plan the member's new one and,
 * for real, tell and record. */
static gboolean rematch_in(const struct nomd_config *cfg, struct store *st, struct rematch *r,
			   const struct pair_record *pair, const char *why, gboolean dry_run, GError **error)
{
	g_autofree char *reason = g_strdup_printf("rematched%s%s", why && *why ? ": " : "", why ? why : "");
	if (!store_end_pairs(st, r->member->id, reason, NULL, error) || !pairing_pool_load(cfg, st, &r->pool, error))
		return FALSE;
	pairing_pool_keep_member(r->pool, r->member);
	struct pairing_rules rules;
	pairing_rules_from_config(cfg, &rules);
	/* Never the mentor they had. */
	g_autoptr(GPtrArray) forbids = g_ptr_array_new_with_free_func((GDestroyNotify)g_strfreev);
	char **couple = g_new0(char *, 3);
	couple[0] = g_strdup(r->member->email);
	couple[1] = g_strdup(r->old_mentor->email);
	g_ptr_array_add(forbids, couple);
	rules.forbids = forbids;
	r->plan = pairing_make_plan(
		&rules, (const struct pair_person *)(void *)r->pool->member_view->data, r->pool->member_view->len,
		(const struct pair_person *)(void *)r->pool->mentor_view->data, r->pool->mentor_view->len);
	if (dry_run)
		return TRUE;
	guint introductions = 0;
	return tell_rematched(cfg, st, pair->id, r->member, r->old_mentor, why, &r->notices, error) &&
	       pairing_commit(cfg, st, r->pool, r->plan, &introductions, error) && (r->notices += introductions, TRUE);
}

gboolean mentoring_rematch(const struct nomd_config *cfg, struct store *st, const char *email, const char *why,
			   gboolean dry_run, struct rematch **out, GError **error)
{
	*out = NULL;
	g_autoptr(rematch) r = g_new0(struct rematch, 1);
	g_autoptr(pair_record) pair = NULL;
	if (!store_person_by_email(st, email, &r->member, error))
		return FALSE;
	if (r->member && g_strcmp0(r->member->role, "member") == 0 &&
	    !store_member_pair(st, r->member->id, &pair, error))
		return FALSE;
	if (pair && !store_person_by_id(st, pair->mentor, &r->old_mentor, error))
		return FALSE;
	if (!pair || !r->old_mentor) {
		g_set_error(error, MENTORING_ERROR, MENTORING_ERROR_NOT_PAIRED, "%s is not a member with a pair",
			    email);
		return FALSE;
	}
	/* A dry run is the real thing rolled back: the plan sees the pair
	 * ended, as it would be. */
	if (!store_begin(st, error))
		return FALSE;
	gboolean ok = rematch_in(cfg, st, r, pair, why, dry_run, error) && (dry_run || store_commit(st, error));
	if (!ok || dry_run)
		store_rollback(st);
	if (!ok)
		return FALSE;
	*out = g_steal_pointer(&r);
	return TRUE;
}

void mentoring_tally(struct feedback_tally *t, const char *rating)
{
	int r = rating ? atoi(rating) : 0;
	t->answers++;
	if (r >= 1 && r <= 5)
		t->count[r]++, t->rated++, t->sum += r;
}

char *mentoring_tally_text(const struct feedback_tally *t)
{
	if (!t->rated)
		return g_strdup_printf("%u answer(s), none with a rating.", t->answers);
	return g_strdup_printf("%u answer(s), %d with a rating: average %.1f of 5 (5: %d, 4: %d, 3: %d, 2: %d, 1: %d).",
			       t->answers, t->rated, (double)t->sum / t->rated, t->count[5], t->count[4], t->count[3],
			       t->count[2], t->count[1]);
}
