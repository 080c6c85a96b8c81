/* nomctl_mentoring: pairs after their introduction, for staff: `nomctl
 * pairs` with each pair's first meeting, last answer and health, `nomctl
 * pair --rematch` and `nomctl feedback`. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "listing.h"
#include "mentoring.h"
#include "nomctl.h"
#include "util.h"

int nomctl_pairs(const struct nomctl_run *r)
{
	struct printer pr = nomctl_printer(r, "Pairs");
	g_autoptr(GError) error = NULL;
	if (!listing_each_pair(*r->st, print_row, &pr, &error)) {
		fprintf(stderr, "nomctl: %s\n", error->message);
		return EX_SOFTWARE;
	}
	return nomctl_print_end(&pr);
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
	struct feedback_tally tally;
};

static void keep_feedback(void *data, int n, const char *const *names, const char *const *values)
{
	struct feedback_view *v = data;
	mentoring_tally(&v->tally, n > 4 ? values[4] : NULL);
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
	struct printer pr = nomctl_printer(r, "Feedback");
	g_autoptr(GPtrArray) rows = g_ptr_array_new_with_free_func((GDestroyNotify)g_strfreev);
	struct feedback_view v = { .pr = table ? NULL : &pr, .rows = rows };
	g_autoptr(GError) error = NULL;
	if (!store_each_feedback(*r->st, keep_feedback, &v, &error)) {
		fprintf(stderr, "nomctl: %s\n", error->message);
		return EX_SOFTWARE;
	}
	if (!table)
		return nomctl_print_end(&pr);
	g_autofree char *summary = mentoring_tally_text(&v.tally);
	printf("%s\n", summary);
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
