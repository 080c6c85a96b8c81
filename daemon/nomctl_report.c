/* nomctl_report: `nomctl report --output FILE.xlsx`, the round in one
 * workbook for staff (listing_workbook), and `nomctl judges`, the
 * nominations a sheet per category (listing_judges). */
#include <stdio.h>
#include <sysexits.h>

#include "listing.h"
#include "nomctl.h"

int nomctl_report(const struct nomctl_run *r)
{
	const struct nomd_config *cfg = r->cfg;
	struct store *st = *r->st;
	g_autoptr(xlsx) book = xlsx_new(cfg->timezone);
	g_autoptr(GError) error = NULL;
	if (!listing_workbook(cfg, st, book, &error)) {
		fprintf(stderr, "nomctl: %s\n", error->message);
		return EX_SOFTWARE;
	}
	if (!xlsx_write_file(book, r->output, &error)) {
		fprintf(stderr, "nomctl: %s\n", error->message);
		return EX_CANTCREAT;
	}
	fprintf(stderr, "nomctl: report written to %s\n", r->output);
	return EX_OK;
}

int nomctl_judges(const struct nomctl_run *r)
{
	const struct nomd_config *cfg = r->cfg;
	const char *id = r->argc > 0 ? r->argv[0] : NULL;
	const struct form_field *field = listing_judged_field(cfg, id);
	if (!field) {
		fprintf(stderr, "nomctl: judges: %s\n",
			id ? "no choice field of that id in the programme's form"
			   : "the programme's form has no choice field (such as a category) to sort by");
		return EX_CONFIG;
	}
	g_autoptr(xlsx) book = xlsx_new(cfg->timezone);
	g_autoptr(GError) error = NULL;
	if (!listing_judges(cfg, *r->st, field, book, &error)) {
		fprintf(stderr, "nomctl: %s\n", error->message);
		return EX_SOFTWARE;
	}
	if (!xlsx_write_file(book, r->output, &error)) {
		fprintf(stderr, "nomctl: %s\n", error->message);
		return EX_CANTCREAT;
	}
	fprintf(stderr, "nomctl: a sheet for each %s written to %s\n", field->label, r->output);
	return EX_OK;
}
