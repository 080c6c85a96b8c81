/* Unit tests: the round's decisions (daemon/round.c) without a store or
 * servers: which chaser is due when, who needs one, when the summaries
 * go, and the configuration that drives them. */
#include <glib/gstdio.h>
#include <string.h>

#include "../../daemon/config.h"
#include "../../daemon/round.h"
#include "tap.h"
#include "testcfg.h"

static struct nomd_config *load(const char *programme, GError **error)
{
	g_autofree char *text = g_strdup_printf("imap = { host = \"h\"; user = \"u\"; password = \"p\"; };\n"
						"smtp = { url = \"smtp://h\"; from = \"team@example.org\"; };\n"
						"programme = { max_members = 3; max_mentors = 3; %s };\n"
						"organisations = ( { id = \"fife\"; name = \"Fife Council\"; "
						"nominators = [ \"ce@fife.example\" ]; } );\n",
						programme);
	return test_config_load(text, error);
}

#define DAY 86400

int main(void)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(nomd_config) cfg = load("closes = \"2027-01-31T17:00:00Z\"; chase_days = [2, 14, 7];", &error);
	ok(cfg != NULL, "a configuration with chase_days loads (%s)", error ? error->message : "");
	if (!cfg)
		return tap_done();
	gint64 closes = cfg->programme.closes_at;
	ok(cfg->programme.chase_days->len == 3 && g_array_index(cfg->programme.chase_days, int, 0) == 14 &&
		   g_array_index(cfg->programme.chase_days, int, 2) == 2,
	   "chase_days are kept from the most days to the fewest");
	is_str(cfg->programme.round, "1", "the round is called \"1\" unless named");
	ok(cfg->programme.close_summary, "summaries after the close are on unless turned off");

	const struct {
		gint64 now;
		int want;
		const char *what;
	} due[] = {
		{ closes - 30 * DAY, 0, "a month before: no chaser" },
		{ closes - 14 * DAY - 1, 0, "a second before the 14th day: none" },
		{ closes - 14 * DAY, 14, "14 days before: the 14-day chaser" },
		{ closes - 8 * DAY, 14, "8 days before: still the 14-day one (sent once by its key)" },
		{ closes - 7 * DAY, 7, "7 days before: the 7-day one" },
		{ closes - 1 * DAY, 2, "a day before, the 7-day one missed: the 2-day one only" },
		{ closes - 1, 2, "a second before the close: the 2-day one" },
		{ closes, 0, "at the close: none" },
		{ closes + 3 * DAY, 0, "after it: none" },
	};
	for (size_t i = 0; i < G_N_ELEMENTS(due); i++)
		ok(round_chaser_due(cfg, due[i].now) == due[i].want, "%s", due[i].what);

	ok(!round_close_due(cfg, closes - 1), "summaries: not before the close");
	ok(round_close_due(cfg, closes), "at the close");
	ok(round_close_due(cfg, closes + 13 * DAY), "within two weeks of it");
	ok(!round_close_due(cfg, closes + 14 * DAY), "not after (an old round is not summarised)");

	const struct {
		int members, mentors;
		guint to_fix;
		enum round_need want;
		const char *what;
	} need[] = {
		{ 0, 0, 0, ROUND_NEED_NOTHING_YET, "nothing nominated: a reminder" },
		{ 0, 0, 1, ROUND_NEED_INCOMPLETE, "only a refused nominee to correct: what to fix" },
		{ 2, 1, 0, ROUND_NEED_INCOMPLETE, "unequal numbers: what would complete them" },
		{ 1, 1, 0, ROUND_NEED_NONE, "equal numbers, nothing to fix: no chaser" },
		{ 1, 1, 2, ROUND_NEED_INCOMPLETE, "equal numbers and something to fix: a chaser" },
		{ 3, 3, 0, ROUND_NEED_NONE, "both quotas full: nothing" },
		{ 3, 3, 1, ROUND_NEED_NONE, "full, with an old refusal: still nothing" },
	};
	for (size_t i = 0; i < G_N_ELEMENTS(need); i++)
		ok(round_chaser_need(cfg, need[i].members, need[i].mentors, need[i].to_fix) == need[i].want, "%s",
		   need[i].what);

	g_autofree char *text = round_closes_text(cfg);
	is_str(text, "Sunday 31 January 2027 at 17:00", "the closing date as people write it, in UK time");
	g_autoptr(nomd_config) eod = load("closes = \"2027-06-30\";", NULL);
	g_autofree char *text2 = eod ? round_closes_text(eod) : NULL;
	is_str(text2, "Wednesday 30 June 2027", "a date alone: the day, no time");

	const struct {
		const char *programme, *want;
	} bad[] = {
		{ "chase_days = [14, 7];", "needs 'programme.closes'" },
		{ "closes = \"2027-01-31\"; chase_days = [7, 7];", "names 7 days twice" },
		{ "closes = \"2027-01-31\"; chase_days = [0];", "between 1 and 365" },
		{ "closes = \"2027-01-31\"; chase_days = 7;", "must be a list" },
		{ "round = \"2027 spring\";", "without spaces or colons" },
	};
	for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
		g_autoptr(GError) e = NULL;
		g_autoptr(nomd_config) c = load(bad[i].programme, &e);
		ok(!c && e && strstr(e->message, bad[i].want) && strstr(e->message, "t.conf:"),
		   "refused with FILE:LINE: %s (%s)", bad[i].programme, e ? e->message : "loaded");
	}
	return tap_done();
}
