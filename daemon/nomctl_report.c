/* nomctl_report: `nomctl report --output FILE.xlsx`, the round in one
 * workbook for staff (listing_workbook), and `nomctl judges`, the
 * nominations a sheet per category (listing_judges). */
#include <stdio.h>
#include <sysexits.h>

#include "listing.h"
#include "nomctl.h"

/* The round's workbook, or (with `field`) the judges' one, written to
 * --output; `what` says what was written. */
static int write_book(const struct nomctl_run *r, const struct form_field *field, const char *what)
{
	g_autoptr(xlsx) book = xlsx_new(r->cfg->timezone);
	g_autoptr(GError) error = NULL;
	gboolean filled = field ? listing_judges(r->cfg, *r->st, field, book, &error)
				: listing_workbook(r->cfg, *r->st, book, &error);
	if (!filled) {
		fprintf(stderr, "nomctl: %s\n", error->message);
		return EX_SOFTWARE;
	}
	if (!xlsx_write_file(book, r->output, &error)) {
		fprintf(stderr, "nomctl: %s\n", error->message);
		return EX_CANTCREAT;
	}
	fprintf(stderr, "nomctl: %s written to %s\n", what, r->output);
	return EX_OK;
}

int nomctl_report(const struct nomctl_run *r)
{
	return write_book(r, NULL, "report");
}

int nomctl_judges(const struct nomctl_run *r)
{
	const char *id = r->argc > 0 ? r->argv[0] : NULL;
	const struct form_field *field = listing_judged_field(r->cfg, id);
	if (!field) {
		fprintf(stderr, "nomctl: judges: %s\n",
			id ? "no choice field of that id in the programme's form"
			   : "the programme's form has no choice field (such as a category) to sort by");
		return EX_CONFIG;
	}
	g_autofree char *what = g_strdup_printf("a sheet for each %s", field->label);
	return write_book(r, field, what);
}
