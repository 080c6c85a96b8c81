/* nomctl_mentoring: pairs after their introduction, for staff: `nomctl
 * pairs` with each pair's first meeting, last answer and health, `nomctl
 * pair --rematch` and `nomctl feedback`. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "clock.h"
#include "mentoring.h"
#include "nomctl.h"
#include "util.h"

struct pairs_view {
	GHashTable *records; /* pair row -> struct pair_record */
	struct printer *pr;
	gint64 now;
};

/* "good (member): the words" */
static char *answer_text(const struct pair_record *p, const struct ask_record *a)
{
	if (!a)
		return g_strdup("");
	const char *side = a->nominee == p->member ? "member" : "mentor";
	const char *said = a->answer == ANSWER_NONE ? "words" : answer_name(a->answer);
	return a->words && *a->words ? g_strdup_printf("%s (%s): %s", said, side, a->words)
				     : g_strdup_printf("%s (%s)", said, side);
}

/* A pair's row with what its answers say after it. */
static void print_pair(void *data, int n, const char *const *names, const char *const *values)
{
	struct pairs_view *v = data;
	gint64 id = values[0] ? g_ascii_strtoll(values[0], NULL, 10) : 0;
	const struct pair_record *p = g_hash_table_lookup(v->records, &id);
	struct pair_state s = { .meeting = MEETING_NOT_ASKED };
	if (p)
		mentoring_health(p, v->now, &s);
	g_autofree char *last = p ? answer_text(p, s.last) : g_strdup("");
	g_autofree char *flagged = p && s.flagged && s.flagged->words && *s.flagged->words
					   ? g_strdup_printf("%s: %s", s.why, s.flagged->words)
					   : g_strdup(s.why ? s.why : "");
	gboolean ended = p && p->ended;
	const char *more_names[] = { "meeting", "last_answer", "health", "attention" };
	const char *more[] = { meeting_state_name(s.meeting), last, ended ? "ended" : pair_health_name(s.health),
			       ended ? "" : flagged };
	g_autofree const char **all_names = g_new0(const char *, n + 4);
	g_autofree const char **all = g_new0(const char *, n + 4);
	for (int i = 0; i < n; i++)
		all_names[i] = names[i], all[i] = values[i];
	for (int i = 0; i < 4; i++)
		all_names[n + i] = more_names[i], all[n + i] = more[i];
	print_row(v->pr, n + 4, all_names, all);
}

int nomctl_pairs(const struct nomctl_run *r)
{
	struct printer pr = { .format = print_format(r->format) };
	g_autoptr(GError) error = NULL;
	g_autoptr(GPtrArray) records = NULL;
	if (!store_pair_records(*r->st, FALSE, &records, &error)) {
		fprintf(stderr, "nomctl: %s\n", error->message);
		return EX_SOFTWARE;
	}
	g_autoptr(GHashTable) by_id = g_hash_table_new(g_int64_hash, g_int64_equal);
	for (guint i = 0; i < records->len; i++) {
		struct pair_record *p = records->pdata[i];
		g_hash_table_insert(by_id, &p->id, p);
	}
	struct pairs_view v = { .records = by_id, .pr = &pr, .now = clock_now() };
	if (!store_each_pair(*r->st, FALSE, print_pair, &v, &error)) {
		fprintf(stderr, "nomctl: %s\n", error->message);
		return EX_SOFTWARE;
	}
	print_end(&pr);
	return EX_OK;
}

int nomctl_rematch(const struct nomctl_run *r, const char *email, const char *why, gboolean dry_run, gboolean table)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(rematch) m = NULL;
	if (!mentoring_rematch(r->cfg, *r->st, email, why, dry_run, &m, &error)) {
		fprintf(stderr, "nomctl: %s\n", error->message);
		return g_error_matches(error, MENTORING_ERROR, MENTORING_ERROR_NOT_PAIRED) ? EX_DATAERR : EX_SOFTWARE;
	}
	g_autofree char *member = terminal_text(m->member->email, FALSE);
	g_autofree char *mentor = terminal_text(m->old_mentor->email, FALSE);
	if (table)
		printf("%s the pair of %s with %s\n\n", dry_run ? "Would end" : "Ended", member, mentor);
	nomctl_print_plan(r->cfg, m->pool, m->plan, print_format(r->format), table);
	if (!dry_run)
		fprintf(stderr, "nomctl: pair of %s ended; %u new pair(s); %u notice(s) queued for nomd to send\n",
			member, m->plan->pairs->len, m->notices);
	return EX_OK;
}

struct feedback_view {
	struct printer *pr;
	GPtrArray *rows; /* for the table: each row's values, NULL-ended */
	int ratings[6];
};

static void keep_feedback(void *data, int n, const char *const *names, const char *const *values)
{
	struct feedback_view *v = data;
	int rating = n > 4 && values[4] ? atoi(values[4]) : 0;
	if (rating >= 1 && rating <= 5)
		v->ratings[rating]++;
	if (v->pr) {
		print_row(v->pr, n, names, values);
		return;
	}
	char **row = g_new0(char *, n + 1);
	for (int i = 0; i < n; i++)
		row[i] = g_strdup(values[i] ? values[i] : "");
	g_ptr_array_add(v->rows, row);
}

int nomctl_feedback(const struct nomctl_run *r)
{
	gboolean table = !r->format || strcmp(r->format, "table") == 0;
	struct printer pr = { .format = print_format(r->format) };
	g_autoptr(GPtrArray) rows = g_ptr_array_new_with_free_func((GDestroyNotify)g_strfreev);
	struct feedback_view v = { .pr = table ? NULL : &pr, .rows = rows };
	g_autoptr(GError) error = NULL;
	if (!store_each_feedback(*r->st, keep_feedback, &v, &error)) {
		fprintf(stderr, "nomctl: %s\n", error->message);
		return EX_SOFTWARE;
	}
	if (!table) {
		print_end(&pr);
		return EX_OK;
	}
	int rated = 0, sum = 0;
	for (int i = 1; i <= 5; i++)
		rated += v.ratings[i], sum += i * v.ratings[i];
	printf("%u answer(s), %d with a rating", rows->len, rated);
	if (rated)
		printf(": average %.1f of 5 (5: %d, 4: %d, 3: %d, 2: %d, 1: %d)", (double)sum / rated, v.ratings[5],
		       v.ratings[4], v.ratings[3], v.ratings[2], v.ratings[1]);
	printf("\n");
	for (guint i = 0; i < rows->len; i++) {
		char **row = rows->pdata[i]; /* organisation role name email rating comment answered_at */
		const struct organisation *org = config_find_organisation(r->cfg, row[0]);
		g_autofree char *who =
			g_strdup_printf("%s <%s>, %s, %s", row[2], row[3], row[1], org ? org->name : row[0]);
		g_autofree char *shown = terminal_text(who, FALSE);
		g_autofree char *comment = terminal_text(row[5], FALSE);
		printf("\n  %s  %s\n  %s\n", *row[4] ? row[4] : "-", shown, *comment ? comment : "(no comment)");
	}
	return EX_OK;
}
