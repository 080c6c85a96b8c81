/* xlsx: see xlsx.h. */
#include "xlsx.h"

#include <glib/gstdio.h>
#include <string.h>
#include <xlsxwriter.h>

#include "util.h"

/* Excel's own limits: cell text, and a width that stays readable. */
#define CELL_MAX_CHARS 32767
#define WIDTH_MIN 8
#define WIDTH_MAX 50

struct sheet {
	char *name;
	GPtrArray *names; /* char * */
	GPtrArray *rows;  /* GStrv, as many cells as names ("" for a missing value) */
};

struct xlsx {
	GTimeZone *tz;
	GPtrArray *sheets; /* struct sheet * */
};

static void sheet_free(struct sheet *s)
{
	g_free(s->name);
	g_ptr_array_unref(s->names);
	g_ptr_array_unref(s->rows);
	g_free(s);
}

struct xlsx *xlsx_new(const char *timezone)
{
	struct xlsx *wb = g_new0(struct xlsx, 1);
	wb->tz = timezone ? g_time_zone_new_identifier(timezone) : NULL;
	if (!wb->tz)
		wb->tz = g_time_zone_new_utc();
	wb->sheets = g_ptr_array_new_with_free_func((GDestroyNotify)sheet_free);
	return wb;
}

void xlsx_free(struct xlsx *wb)
{
	if (!wb)
		return;
	g_time_zone_unref(wb->tz);
	g_ptr_array_unref(wb->sheets);
	g_free(wb);
}

void xlsx_sheet(struct xlsx *wb, const char *name)
{
	struct sheet *s = g_new0(struct sheet, 1);
	s->name = g_strdup(name);
	s->names = g_ptr_array_new_with_free_func(g_free);
	s->rows = g_ptr_array_new_with_free_func((GDestroyNotify)g_strfreev);
	g_ptr_array_add(wb->sheets, s);
}

static struct sheet *current(struct xlsx *wb)
{
	if (wb->sheets->len == 0)
		xlsx_sheet(wb, "Sheet1");
	return wb->sheets->pdata[wb->sheets->len - 1];
}

void xlsx_header(struct xlsx *wb, int n, const char *const *names)
{
	struct sheet *s = current(wb);
	if (s->names->len)
		return;
	for (int i = 0; i < n; i++)
		g_ptr_array_add(s->names, g_strdup(names[i]));
}

void xlsx_row(void *data, int n, const char *const *names, const char *const *values)
{
	struct xlsx *wb = data;
	struct sheet *s = current(wb);
	xlsx_header(wb, n, names);
	char **row = g_new0(char *, s->names->len + 1);
	for (guint i = 0; i < s->names->len; i++)
		row[i] = g_strdup((int)i < n && values[i] ? values[i] : "");
	g_ptr_array_add(s->rows, row);
}

/* Text as a cell may hold it: valid UTF-8, no control characters but
 * tab and line feed (XML allows no others), within Excel's length. */
static char *cell_text(const char *v)
{
	char *t = g_utf8_make_valid(v, -1);
	for (char *p = t; *p; p++)
		if (((guchar)*p < 0x20 && *p != '\t' && *p != '\n') || *p == 0x7f)
			*p = ' ';
	if (g_utf8_strlen(t, -1) > CELL_MAX_CHARS)
		*g_utf8_offset_to_pointer(t, CELL_MAX_CHARS) = '\0';
	return t;
}

/* An ISO 8601 time in a column whose name says it holds one. */
static gboolean cell_time(const struct xlsx *wb, const char *name, const char *v, lxw_datetime *out)
{
	if (!g_str_has_suffix(name, "_at") && strcmp(name, "start") != 0)
		return FALSE;
	g_autoptr(GDateTime) utc = g_date_time_new_from_iso8601(v, NULL);
	if (!utc)
		return FALSE;
	g_autoptr(GDateTime) t = g_date_time_to_timezone(utc, wb->tz);
	*out = (lxw_datetime){ .year = g_date_time_get_year(t),
			       .month = g_date_time_get_month(t),
			       .day = g_date_time_get_day_of_month(t),
			       .hour = g_date_time_get_hour(t),
			       .min = g_date_time_get_minute(t),
			       .sec = g_date_time_get_second(t) };
	return out->year >= 1900;
}

static gboolean cell_number(const char *name, const char *v, double *out)
{
	if (!column_is_number(name) || !*v)
		return FALSE;
	char *end = NULL;
	*out = g_ascii_strtod(v, &end);
	return end && !*end;
}

static lxw_error write_sheet(const struct xlsx *wb, lxw_workbook *book, const struct sheet *s, lxw_format *bold,
			     lxw_format *date)
{
	lxw_worksheet *ws = workbook_add_worksheet(book, s->name);
	if (!ws)
		return LXW_ERROR_SHEETNAME_ALREADY_USED;
	guint ncols = s->names->len;
	/* Nothing came and no header was given: say so, not a blank sheet. */
	if (ncols == 0)
		return worksheet_write_string(ws, 0, 0, "None.", NULL);
	g_autofree gsize *width = g_new0(gsize, ncols);
	lxw_error rc = LXW_NO_ERROR;
	for (guint c = 0; c < ncols && !rc; c++) {
		width[c] = g_utf8_strlen(s->names->pdata[c], -1);
		rc = worksheet_write_string(ws, 0, (lxw_col_t)c, s->names->pdata[c], bold);
	}
	for (guint r = 0; r < s->rows->len && !rc; r++) {
		char **row = s->rows->pdata[r];
		for (guint c = 0; c < ncols && !rc; c++) {
			const char *name = s->names->pdata[c], *v = row[c];
			lxw_row_t at = (lxw_row_t)(r + 1);
			lxw_datetime when;
			double number;
			if (!*v)
				continue;
			if (cell_time(wb, name, v, &when)) {
				rc = worksheet_write_datetime(ws, at, (lxw_col_t)c, &when, date);
				width[c] = MAX(width[c], 16);
			} else if (cell_number(name, v, &number)) {
				rc = worksheet_write_number(ws, at, (lxw_col_t)c, number, NULL);
				width[c] = MAX(width[c], strlen(v));
			} else {
				g_autofree char *text = cell_text(v);
				rc = worksheet_write_string(ws, at, (lxw_col_t)c, text, NULL);
				width[c] = MAX(width[c], (gsize)g_utf8_strlen(text, -1));
			}
		}
	}
	for (guint c = 0; c < ncols && !rc; c++)
		rc = worksheet_set_column(ws, (lxw_col_t)c, (lxw_col_t)c, CLAMP(width[c] + 2, WIDTH_MIN, WIDTH_MAX),
					  NULL);
	if (!rc && ncols) {
		worksheet_freeze_panes(ws, 1, 0);
		rc = worksheet_autofilter(ws, 0, 0, (lxw_row_t)s->rows->len, (lxw_col_t)(ncols - 1));
	}
	return rc;
}

GBytes *xlsx_bytes(struct xlsx *wb, GError **error)
{
	g_autoptr(GError) local = NULL;
	g_autofree char *dir = g_dir_make_tmp("nomd-workbook-XXXXXX", &local);
	if (!dir) {
		g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_FAILED, "workbook: %s", local->message);
		return NULL;
	}
	g_autofree char *path = g_build_filename(dir, "book.xlsx", NULL);
	lxw_workbook_options options = { .tmpdir = dir };
	lxw_workbook *book = workbook_new_opt(path, &options);
	lxw_error rc = book ? LXW_NO_ERROR : LXW_ERROR_CREATING_TMPFILE;
	if (book) {
		lxw_format *bold = workbook_add_format(book);
		format_set_bold(bold);
		lxw_format *date = workbook_add_format(book);
		format_set_num_format(date, "yyyy-mm-dd hh:mm");
		for (guint i = 0; i < wb->sheets->len && !rc; i++)
			rc = write_sheet(wb, book, wb->sheets->pdata[i], bold, date);
		/* Closing writes the file, and frees the workbook either way. */
		lxw_error closed = workbook_close(book);
		rc = rc ? rc : closed;
	}
	GBytes *out = NULL;
	gchar *data = NULL;
	gsize len = 0;
	if (rc)
		g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_FAILED, "workbook: %s", lxw_strerror(rc));
	else if (!g_file_get_contents(path, &data, &len, &local))
		g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_FAILED, "workbook: %s", local->message);
	else
		out = g_bytes_new_take(data, len);
	g_unlink(path);
	g_rmdir(dir);
	return out;
}

gboolean xlsx_write_file(struct xlsx *wb, const char *path, GError **error)
{
	g_autoptr(GBytes) bytes = xlsx_bytes(wb, error);
	gsize len = 0;
	const char *data = bytes ? g_bytes_get_data(bytes, &len) : NULL;
	return bytes && g_file_set_contents_full(path, data, (gssize)len, G_FILE_SET_CONTENTS_CONSISTENT, 0640, error);
}
