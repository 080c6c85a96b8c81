/* Unit tests: the digest's chart (daemon/chart.c): the counts it is
 * queued with, read back untrusted, and the PNG cairo draws of them. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../../daemon/chart.h"
#include "tap.h"

/* WCAG relative luminance of "#rrggbb". */
static double luminance(const char *hex)
{
	unsigned v = (unsigned)strtoul(hex + 1, NULL, 16);
	double c[3] = { ((v >> 16) & 0xff) / 255.0, ((v >> 8) & 0xff) / 255.0, (v & 0xff) / 255.0 };
	for (int i = 0; i < 3; i++)
		c[i] = c[i] <= 0.03928 ? c[i] / 12.92 : pow((c[i] + 0.055) / 1.055, 2.4);
	return 0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2];
}

int main(void)
{
	int counts[ORG_STATE_COUNT] = { 20, 5, 3, 4 };
	g_autofree char *text = chart_counts_text(counts);
	is_str(text, "20,5,3,4", "the counts as the outbox keeps them");
	int back[ORG_STATE_COUNT] = { 0 };
	ok(chart_counts_parse(text, back) && memcmp(back, counts, sizeof counts) == 0, "and back");
	const char *bad[] = { NULL,	  "",	      "1,2,3",	"1,2,3,4,5",	    "1,2,x,4",
			      "-1,2,3,4", "1,2,3,4 ", "1,,3,4", "99999999999,1,1,1" };
	for (size_t i = 0; i < G_N_ELEMENTS(bad); i++)
		ok(!chart_counts_parse(bad[i], back), "refused: %s", bad[i] ? bad[i] : "(null)");
	g_autoptr(GError) error = NULL;
	g_autoptr(GBytes) png = chart_png(counts, &error);
	gsize len = 0;
	const guint8 *p = png ? g_bytes_get_data(png, &len) : NULL;
	ok(p && len > 24 && memcmp(p, "\x89PNG\r\n\x1a\n", 8) == 0, "a PNG (%zu bytes)", len);
	ok(p && GUINT32_FROM_BE(*(const guint32 *)(p + 16)) == CHART_WIDTH &&
		   GUINT32_FROM_BE(*(const guint32 *)(p + 20)) == CHART_HEIGHT,
	   "of %d x %d", CHART_WIDTH, CHART_HEIGHT);
	const char *out = g_getenv("NOMD_CHART_OUT"); /* to look at it */
	if (out && p)
		g_file_set_contents(out, (const char *)p, (gssize)len, NULL);
	int none[ORG_STATE_COUNT] = { 0 };
	g_autoptr(GBytes) empty = chart_png(none, &error);
	ok(empty != NULL, "no organisations at all: still a picture");
	is_str(chart_state_colour(ORG_COMPLETE), "#2e7d32", "complete is green, as the bars");
	for (int st = 0; st < ORG_STATE_COUNT; st++) {
		double ratio = 1.05 / (luminance(chart_state_ink(st)) + 0.05);
		ok(ratio >= 4.5, "the word %s in %s on white: contrast %.1f:1", org_state_name(st), chart_state_ink(st),
		   ratio);
	}
	chart_release();
	return tap_done();
}
