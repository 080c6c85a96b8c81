/* chart: see chart.h. Text is drawn in DejaVu Sans (fonts-dejavu-core),
 * so the picture is the same on every machine that has it. */
#include "chart.h"

#include <cairo.h>
#include <fontconfig/fontconfig.h>
#include <stdlib.h>
#include <string.h>

/* Mid-tones that read on a light and on a dark background. */
static const char *const colours[] = {
	[ORG_NONE_YET] = "#9e9e9e",
	[ORG_IN_PROGRESS] = "#e69f00",
	[ORG_COMPLETE] = "#2e7d32",
	[ORG_UNEQUAL] = "#c62828",
};
G_STATIC_ASSERT(G_N_ELEMENTS(colours) == ORG_STATE_COUNT);

/* The same hues dark enough for small text on white (4.5:1 or more). */
static const char *const inks[] = {
	[ORG_NONE_YET] = "#616161",
	[ORG_IN_PROGRESS] = "#8a5a00",
	[ORG_COMPLETE] = "#2e7d32",
	[ORG_UNEQUAL] = "#c62828",
};
G_STATIC_ASSERT(G_N_ELEMENTS(inks) == ORG_STATE_COUNT);

const char *chart_state_colour(enum org_state s)
{
	return (unsigned)s < ORG_STATE_COUNT ? colours[s] : "#9e9e9e";
}

const char *chart_state_ink(enum org_state s)
{
	return (unsigned)s < ORG_STATE_COUNT ? inks[s] : "#616161";
}

static void set_colour(cairo_t *cr, const char *hex)
{
	unsigned v = (unsigned)strtoul(hex + 1, NULL, 16);
	cairo_set_source_rgb(cr, ((v >> 16) & 0xff) / 255.0, ((v >> 8) & 0xff) / 255.0, (v & 0xff) / 255.0);
}

char *chart_counts_text(const int counts[ORG_STATE_COUNT])
{
	return g_strdup_printf("%d,%d,%d,%d", counts[0], counts[1], counts[2], counts[3]);
}

gboolean chart_counts_parse(const char *text, int counts[ORG_STATE_COUNT])
{
	if (!text || strlen(text) > 64)
		return FALSE;
	g_auto(GStrv) parts = g_strsplit(text, ",", -1);
	if (g_strv_length(parts) != ORG_STATE_COUNT)
		return FALSE;
	for (int i = 0; i < ORG_STATE_COUNT; i++) {
		guint64 v = 0;
		if (!g_ascii_string_to_unsigned(parts[i], 10, 0, 100000, &v, NULL))
			return FALSE;
		counts[i] = (int)v;
	}
	return TRUE;
}

static cairo_status_t append_png(void *closure, const unsigned char *data, unsigned int length)
{
	g_byte_array_append(closure, data, length);
	return CAIRO_STATUS_SUCCESS;
}

#define LABEL_W 110 /* the state names */
#define ROW_H 30
#define TOP 15

GBytes *chart_png(const int counts[ORG_STATE_COUNT], GError **error)
{
	int most = 1;
	for (int i = 0; i < ORG_STATE_COUNT; i++)
		most = MAX(most, counts[i]);
	cairo_surface_t *surface = cairo_image_surface_create(CAIRO_FORMAT_RGB24, CHART_WIDTH, CHART_HEIGHT);
	cairo_t *cr = cairo_create(surface);
	cairo_set_source_rgb(cr, 1, 1, 1);
	cairo_paint(cr);
	cairo_select_font_face(cr, "DejaVu Sans", CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_NORMAL);
	cairo_set_font_size(cr, 13);
	double room = CHART_WIDTH - LABEL_W - 60; /* the counts after the bars */
	for (int i = 0; i < ORG_STATE_COUNT; i++) {
		double y = TOP + i * ROW_H;
		cairo_set_source_rgb(cr, 0.13, 0.13, 0.13);
		cairo_move_to(cr, 8, y + 15);
		cairo_show_text(cr, org_state_name(i));
		double w = counts[i] ? MAX(2.0, room * counts[i] / most) : 0;
		set_colour(cr, colours[i]);
		cairo_rectangle(cr, LABEL_W, y + 2, w, ROW_H - 10);
		cairo_fill(cr);
		g_autofree char *n = g_strdup_printf("%d", counts[i]);
		cairo_set_source_rgb(cr, 0.13, 0.13, 0.13);
		cairo_move_to(cr, LABEL_W + w + 8, y + 15);
		cairo_show_text(cr, n);
	}
	cairo_status_t status = cairo_status(cr);
	g_autoptr(GByteArray) png = g_byte_array_new();
	if (status == CAIRO_STATUS_SUCCESS)
		status = cairo_surface_write_to_png_stream(surface, append_png, png);
	cairo_destroy(cr);
	cairo_surface_destroy(surface);
	if (status != CAIRO_STATUS_SUCCESS) {
		g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_FAILED, "chart: %s", cairo_status_to_string(status));
		return NULL;
	}
	return g_byte_array_free_to_bytes(g_steal_pointer(&png));
}

void chart_release(void)
{
	cairo_debug_reset_static_data();
	FcFini();
}
