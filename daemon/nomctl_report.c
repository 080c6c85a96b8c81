/* nomctl_report: `nomctl report --output FILE.xlsx`, the round in one
 * workbook for staff (listing_workbook). */
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
