/* chart: the one picture in the staff digest, drawn with cairo: the
 * organisations by state (none yet, in progress, complete, unequal) as
 * horizontal bars with their counts, a PNG the mail carries inline. The
 * only module that includes cairo. The HTML around it gives the same
 * facts as alt text and in the tables, so the mail reads without it. */
#ifndef NOMD_CHART_H
#define NOMD_CHART_H

#include <glib.h>

#define CHART_WIDTH 480
#define CHART_HEIGHT 150
#define CHART_CONTENT_ID "round-chart@nomd"

#include "states.h"

/* A state's colour, "#rrggbb": the digest's bars and the chart's. */
const char *chart_state_colour(enum org_state s);
/* Its colour for words: darker where the fill is too light to read. */
const char *chart_state_ink(enum org_state s);

/* "20,5,3,4" (organisations per state, in enum order) and back; FALSE for
 * anything else, so a row's facts are read untrusted. */
char *chart_counts_text(const int counts[ORG_STATE_COUNT]);
gboolean chart_counts_parse(const char *text, int counts[ORG_STATE_COUNT]);

/* The PNG of these counts; NULL (with `error`) when cairo fails. */
GBytes *chart_png(const int counts[ORG_STATE_COUNT], GError **error);
/* Before a process that drew charts exits: cairo's and fontconfig's
 * caches freed, so that leak checkers see only nomd's own. */
void chart_release(void);

#endif
