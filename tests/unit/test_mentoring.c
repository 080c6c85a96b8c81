/* Unit tests: what a pair is asked when, and how its answers read as
 * health (daemon/mentoring.c), without a store or servers; and the answer
 * reader's words for those questions (parsers/answer.c). */
#include <glib/gstdio.h>
#include <string.h>

#include "../../daemon/config.h"
#include "../../daemon/mentoring.h"
#include "tap.h"
#include "testcfg.h"

static struct nomd_config *load(const char *extra, GError **error)
{
	g_autofree char *text = g_strdup_printf("imap = { host = \"h\"; user = \"u\"; password = \"p\"; };\n"
						"smtp = { url = \"smtp://h\"; from = \"team@example.org\"; };\n%s\n"
						"organisations = ( { id = \"fife\"; name = \"Fife Council\"; "
						"nominators = [ \"ce@fife.example\" ]; } );\n",
						extra);
	return test_config_load(text, error);
}

#define DAY 86400
#define T0 1800000000 /* the pair's introduction */

static struct pair_record *pair_new(void)
{
	struct pair_record *p = g_new0(struct pair_record, 1);
	*p = (struct pair_record){ .id = 3, .member = 10, .mentor = 20, .created_at = T0 };
	p->asks = g_ptr_array_new_with_free_func((GDestroyNotify)ask_record_free);
	return p;
}

static struct ask_record *asked(struct pair_record *p, gint64 who, enum ask_kind k, int seq, gint64 at)
{
	struct ask_record *a = g_new0(struct ask_record, 1);
	*a = (struct ask_record){
		.id = p->asks->len + 1, .pair = p->id, .nominee = who, .kind = k, .sequence = seq, .asked_at = at
	};
	g_ptr_array_add(p->asks, a);
	return a;
}

static void answered(struct ask_record *a, enum answer ans, const char *words, gint64 at)
{
	a->answer = ans;
	g_free(a->words);
	a->words = g_strdup(words);
	a->answered_at = at;
}

/* The questions due, as "kind:who:seq" joined by spaces. */
static char *due_at(const struct nomd_config *cfg, const struct pair_record *p, gint64 now)
{
	g_autoptr(GArray) due = g_array_new(FALSE, FALSE, sizeof(struct due_ask));
	mentoring_due(cfg, p, now, due);
	GString *s = g_string_new(NULL);
	for (guint i = 0; i < due->len; i++) {
		const struct due_ask *d = &g_array_index(due, struct due_ask, i);
		g_string_append_printf(s, "%s%s:%" G_GINT64_FORMAT ":%d", i ? " " : "", ask_kind_name(d->kind),
				       d->nominee, d->sequence);
	}
	return g_string_free(s, FALSE);
}

static void test_due(const struct nomd_config *cfg)
{
	g_autoptr(pair_record) p = pair_new();
	g_autofree char *d0 = due_at(cfg, p, T0 + 13 * DAY);
	is_str(d0, "", "nothing in the first 13 days");
	g_autofree char *d1 = due_at(cfg, p, T0 + 14 * DAY);
	is_str(d1, "meeting:10:1 meeting:20:1", "day 14: both asked whether they have met");
	asked(p, 10, ASK_MEETING, 1, T0 + 14 * DAY);
	struct ask_record *m20 = asked(p, 20, ASK_MEETING, 1, T0 + 14 * DAY);
	g_autofree char *d2 = due_at(cfg, p, T0 + 20 * DAY);
	is_str(d2, "", "asked: nothing more until day 28");
	g_autofree char *d3 = due_at(cfg, p, T0 + 28 * DAY);
	is_str(d3, "meeting:10:2 meeting:20:2", "day 28, nobody said MET: asked again");
	answered(m20, ANSWER_MET, "coffee", T0 + 27 * DAY);
	g_autofree char *d4 = due_at(cfg, p, T0 + 28 * DAY);
	is_str(d4, "", "one side said MET: nobody is asked again");
	g_autofree char *d5 = due_at(cfg, p, T0 + 30 * DAY);
	is_str(d5, "checkin:10:1 checkin:20:1", "day 30: the first check-in to both");
	asked(p, 10, ASK_CHECKIN, 1, T0 + 30 * DAY);
	asked(p, 20, ASK_CHECKIN, 1, T0 + 30 * DAY);
	g_autofree char *d6 = due_at(cfg, p, T0 + 59 * DAY);
	is_str(d6, "", "check-in 1 sent: nothing until day 60");
	g_autofree char *d7 = due_at(cfg, p, T0 + 125 * DAY);
	is_str(d7, "checkin:10:4 checkin:20:4", "after downtime: only the latest check-in (4), not 2 and 3");
	gint64 ends = cfg->programme.ends_at;
	g_autofree char *d8 = due_at(cfg, p, ends);
	is_str(d8, "feedback:10:1 feedback:20:1", "programme.ends: feedback, no check-in");
	asked(p, 10, ASK_FEEDBACK, 1, ends);
	g_autofree char *d9 = due_at(cfg, p, ends + DAY);
	is_str(d9, "feedback:20:1", "feedback once per person");
	g_autofree char *d10 = due_at(cfg, p, ends + MENTORING_FEEDBACK_WINDOW);
	is_str(d10, "", "long after the end: nothing");
	p->ended = TRUE;
	g_autofree char *d11 = due_at(cfg, p, T0 + 300 * DAY);
	is_str(d11, "", "an ended pair is asked nothing");
	g_autoptr(pair_record) late = pair_new();
	g_autofree char *d12 = due_at(cfg, late, T0 - DAY);
	is_str(d12, "", "a clock before the introduction: nothing");
}

static void test_health(void)
{
	struct pair_state s;
	g_autoptr(pair_record) p = pair_new();
	mentoring_health(p, T0, &s);
	ok(s.meeting == MEETING_NOT_ASKED && s.health == HEALTH_ON_TRACK && !s.why && !s.last,
	   "a new pair: on track, not asked");
	struct ask_record *a = asked(p, 10, ASK_MEETING, 1, T0 + 14 * DAY);
	struct ask_record *b = asked(p, 20, ASK_MEETING, 1, T0 + 14 * DAY);
	mentoring_health(p, T0 + 40 * DAY, &s);
	ok(s.meeting == MEETING_ASKED && s.health == HEALTH_ON_TRACK, "asked once, no answer: on track");
	answered(a, ANSWER_NOT_YET, "diaries", T0 + 15 * DAY);
	mentoring_health(p, T0 + 15 * DAY, &s);
	ok(s.meeting == MEETING_NOT_YET && s.health == HEALTH_NEEDS_HELP && s.flagged == a && s.last == a,
	   "NOT YET: needs a person, with their words");
	answered(b, ANSWER_MET, NULL, T0 + 16 * DAY);
	mentoring_health(p, T0 + 16 * DAY, &s);
	ok(s.meeting == MEETING_MET && s.health == HEALTH_ON_TRACK && s.last == b, "the other side said MET: met");
	g_autoptr(pair_record) q = pair_new();
	asked(q, 10, ASK_MEETING, 1, T0 + 14 * DAY);
	asked(q, 10, ASK_MEETING, 2, T0 + 28 * DAY);
	mentoring_health(q, T0 + 34 * DAY, &s);
	ok(s.health == HEALTH_ON_TRACK, "asked twice, the second 6 days ago: still waiting");
	mentoring_health(q, T0 + 35 * DAY, &s);
	ok(s.health == HEALTH_NEEDS_HELP && g_str_equal(s.why, "no answer about a first meeting, asked twice"),
	   "asked twice, a week without an answer: needs a person");
	g_autoptr(pair_record) r = pair_new();
	struct ask_record *c1 = asked(r, 20, ASK_CHECKIN, 1, T0 + 30 * DAY);
	struct ask_record *c2 = asked(r, 20, ASK_CHECKIN, 2, T0 + 60 * DAY);
	answered(asked(r, 10, ASK_MEETING, 1, T0 + 14 * DAY), ANSWER_MET, NULL, T0 + 14 * DAY);
	mentoring_health(r, T0 + 66 * DAY, &s);
	ok(s.health == HEALTH_ON_TRACK, "two check-ins unanswered, the second 6 days old: on track");
	mentoring_health(r, T0 + 67 * DAY, &s);
	ok(s.health == HEALTH_QUIET && g_str_equal(pair_health_name(s.health), "quiet"),
	   "two check-ins unanswered a week on: quiet");
	struct ask_record *m2 = asked(r, 10, ASK_CHECKIN, 2, T0 + 60 * DAY);
	answered(m2, ANSWER_OK, NULL, T0 + 67 * DAY);
	mentoring_health(r, T0 + 67 * DAY, &s);
	ok(s.health == HEALTH_ON_TRACK, "the other side answered the latest: not quiet");
	answered(c1, ANSWER_HELP, "my mentor cancelled twice", T0 + 68 * DAY);
	mentoring_health(r, T0 + 68 * DAY, &s);
	ok(s.health == HEALTH_NEEDS_HELP && s.flagged == c1 && g_str_equal(s.why, "asked for help in a check-in"),
	   "HELP (even late, to an older check-in): needs help, with the words");
	answered(c2, ANSWER_GOOD, "sorted now", T0 + 69 * DAY);
	mentoring_health(r, T0 + 69 * DAY, &s);
	ok(s.health == HEALTH_ON_TRACK && s.last == c2, "a later GOOD from the same side clears it");
	is_str(meeting_state_name(MEETING_NOT_YET), "not yet", "meeting state names");
	is_str(pair_health_name(HEALTH_NEEDS_HELP), "needs help", "health names");
}

static void test_answers(void)
{
	const struct {
		const char *text;
		enum question q;
		enum answer want;
	} cases[] = {
		{ "MET\n", QUESTION_MEETING, ANSWER_MET },
		{ "We have met, twice!\n", QUESTION_MEETING, ANSWER_MET },
		{ "Yes\n", QUESTION_MEETING, ANSWER_MET },
		{ "Not yet - diaries\n", QUESTION_MEETING, ANSWER_NOT_YET },
		{ "No\n", QUESTION_MEETING, ANSWER_NOT_YET },
		{ "notyet\n", QUESTION_MEETING, ANSWER_NOT_YET },
		{ "Good morning,\n\nGOOD thanks\n", QUESTION_CHECKIN, ANSWER_GOOD },
		{ "Going well\n", QUESTION_CHECKIN, ANSWER_GOOD },
		{ "ok\n", QUESTION_CHECKIN, ANSWER_OK },
		{ "Help!\n", QUESTION_CHECKIN, ANSWER_HELP },
		{ "Not good, to be honest\n", QUESTION_CHECKIN, ANSWER_HELP },
		{ "Good\n", QUESTION_MEETING, ANSWER_NONE },
		{ "MET\n", QUESTION_CHECKIN, ANSWER_NONE },
		{ "OK\n", QUESTION_CONSENT, ANSWER_NONE },
		{ "Help\n", QUESTION_CONSENT, ANSWER_NONE },
		{ "4\n", QUESTION_RATING, ANSWER_RATING_1 + 3 },
		{ "4/5 - great year\n", QUESTION_RATING, ANSWER_RATING_1 + 3 },
		{ "Rating: 5\n", QUESTION_RATING, ANSWER_RATING_1 + 4 },
		{ "I would give it 3\n", QUESTION_RATING, ANSWER_RATING_1 + 2 },
		{ "one\n", QUESTION_RATING, ANSWER_RATING_1 },
		{ "6\n", QUESTION_RATING, ANSWER_NONE },
		{ "10/10\n", QUESTION_RATING, ANSWER_NONE },
		{ "Rating: 4\n", QUESTION_CHECKIN, ANSWER_NONE },
		{ "> GOOD\n", QUESTION_CHECKIN, ANSWER_NONE },
		{ "Yes\n", QUESTION_CONSENT, ANSWER_YES },
	};
	for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_autofree char *shown = g_strescape(cases[i].text, NULL);
		is_str(answer_name(answer_read_to(cases[i].text, cases[i].q)), answer_name(cases[i].want), "%s (%d)",
		       shown, cases[i].q);
	}
	enum answer a = ANSWER_NONE;
	ok(answer_from_name("not_yet", &a) && a == ANSWER_NOT_YET && answer_from_name("5", &a) &&
		   a == ANSWER_RATING_1 + 4 && !answer_from_name("maybe", &a),
	   "answer names read back");
	g_autofree char *w1 =
		answer_own_text("HELP\r\nWe cannot find a time.\r\n\r\nOn Monday, x wrote:\r\n> q\r\n", 100);
	is_str(w1, "HELP We cannot find a time.", "their own words: lines joined, the quote left out");
	g_autofree char *w2 = answer_own_text("GOOD \xc3\xa9t\xc3\xa9 and more\n", 6);
	is_str(w2, "GOOD \xc3\xa9\xe2\x80\xa6", "cut on a character, marked");
	g_autofree char *w3 = answer_own_text("bad \xff byte\n", 100);
	is_str(w3, "bad \xef\xbf\xbd byte", "invalid UTF-8 made valid");
	g_autofree char *w4 = answer_own_text(NULL, 100);
	is_str(w4, "", "no text: empty");
}

int main(void)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(nomd_config) cfg = load("programme = { ends = \"2027-06-30\"; };", &error);
	ok(cfg != NULL, "a configuration with programme.ends loads (%s)", error ? error->message : "");
	if (!cfg)
		return tap_done();
	ok(cfg->mentoring.first_meeting_days == 14 && cfg->mentoring.checkin_days == 30,
	   "defaults: first meeting after 14 days, check-ins every 30");
	g_autoptr(GDateTime) ends = g_date_time_new_from_unix_utc(cfg->programme.ends_at);
	g_autofree char *ends_text = g_date_time_format_iso8601(ends);
	is_str(ends_text, "2027-06-29T23:00:00Z", "a date alone ends at its start, UK time (BST)");
	cfg->programme.ends_at = T0 + 400 * DAY;
	test_due(cfg);
	test_health();
	test_answers();
	g_autoptr(GError) e2 = NULL;
	g_autoptr(nomd_config) bad = load("programme = { ends = \"end of June\"; };", &e2);
	ok(!bad && e2 && strstr(e2->message, "t.conf:3: 'programme.ends' must be an ISO 8601 date"),
	   "a bad programme.ends: FILE:LINE (%s)", e2 ? e2->message : "");
	g_autoptr(GError) e4 = NULL;
	g_autoptr(nomd_config) early = load("programme = { closes = \"2027-01-31\"; ends = \"2027-01-31\"; };", &e4);
	ok(!early && e4 && strstr(e4->message, "t.conf:3: 'programme.ends' must come after"),
	   "programme.ends not after programme.closes: refused (%s)", e4 ? e4->message : "");
	g_autoptr(GError) e3 = NULL;
	g_autoptr(nomd_config) neg = load("mentoring = { checkin_days = -1; };", &e3);
	ok(!neg && e3 && strstr(e3->message, "mentoring.checkin_days"), "mentoring.checkin_days below 0: refused");
	{
		struct feedback_tally t = { 0 };
		g_autofree char *none = mentoring_tally_text(&t);
		is_str(none, "0 answer(s), none with a rating.", "feedback: nothing yet");
		const char *ratings[] = { "5", "3", "", NULL, "9", "4" };
		for (size_t i = 0; i < G_N_ELEMENTS(ratings); i++)
			mentoring_tally(&t, ratings[i]);
		g_autofree char *text = mentoring_tally_text(&t);
		is_str(text, "6 answer(s), 3 with a rating: average 4.0 of 5 (5: 1, 4: 1, 3: 1, 2: 0, 1: 0).",
		       "feedback: words-only and out-of-range answers count as answers, not ratings");
	}
	return tap_done();
}
