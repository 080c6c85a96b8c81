/* nomctl_print: nomctl's rows as JSON, CSV or a table (see
 * nomctl_print.h). */
#include "nomctl_print.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "util.h"
#include "xlsx.h"

enum format print_format(const char *format)
{
	if (!format)
		return isatty(STDOUT_FILENO) ? FMT_TABLE : FMT_JSON;
	return strcmp(format, "csv") == 0     ? FMT_CSV
	       : strcmp(format, "table") == 0 ? FMT_TABLE
	       : strcmp(format, "xlsx") == 0  ? FMT_XLSX
					      : FMT_JSON;
}

/* `s` cut to `width` columns, "…" (one column) marking the cut. */
static char *cut_to(const char *s, gsize width)
{
	if (text_width(s) <= width)
		return g_strdup(s);
	GString *out = g_string_new(NULL);
	gsize used = 0;
	for (const char *p = s; *p && width > 0; p = g_utf8_next_char(p)) {
		gunichar c = g_utf8_get_char(p);
		gsize w = unichar_width(c);
		if (used + w > width - 1)
			break;
		g_string_append_unichar(out, c);
		used += w;
	}
	if (width > 0)
		g_string_append(out, "…");
	return g_string_free(out, FALSE);
}

/* The terminal's width in columns: the terminal's own, else COLUMNS;
 * 0 when neither says (a pipe: nothing is cut). */
static gsize terminal_columns(void)
{
	struct winsize ws;
	if (isatty(STDOUT_FILENO) && ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0)
		return ws.ws_col;
	const char *env = g_getenv("COLUMNS");
	gint64 cols = env ? g_ascii_strtoll(env, NULL, 10) : 0;
	return cols > 0 && cols < 10000 ? (gsize)cols : 0;
}

/* Colour (the header in bold) only on a terminal, never with NO_COLOR. */
static gboolean use_colour(void)
{
	const char *no = g_getenv("NO_COLOR");
	return isatty(STDOUT_FILENO) && !(no && *no);
}

#define TABLE_GAP 2
#define TABLE_MIN_WIDTH 6

/* Column widths that fit `columns` (0: any): the widest shrinks first,
 * to TABLE_MIN_WIDTH at the least; what still does not fit is left out
 * from the right. Returns how many columns are shown. */
static guint fit_widths(gsize *width, guint n, gsize columns)
{
	if (!columns)
		return n;
	for (;;) {
		gsize total = (n ? (n - 1) * TABLE_GAP : 0), widest = 0;
		for (guint i = 0; i < n; i++) {
			total += width[i];
			if (width[i] > width[widest])
				widest = i;
		}
		if (total <= columns)
			return n;
		if (width[widest] > TABLE_MIN_WIDTH)
			width[widest]--;
		else if (n > 1)
			n--;
		else
			return n;
	}
}

static void print_table(struct printer *pr)
{
	/* A column empty in every row says nothing to a person (CSV and
	 * JSON keep it). */
	g_autoptr(GArray) cols = g_array_new(FALSE, FALSE, sizeof(guint));
	for (guint i = 0; i < pr->names->len; i++) {
		gboolean any = pr->cells->len == 0;
		for (guint r = 0; r < pr->cells->len && !any; r++)
			any = *((char **)pr->cells->pdata[r])[i] != '\0';
		if (any)
			g_array_append_val(cols, i);
	}
	guint n = cols->len;
	g_autofree gsize *width = g_new0(gsize, n ? n : 1);
	for (guint k = 0; k < n; k++) {
		guint i = g_array_index(cols, guint, k);
		width[k] = text_width(pr->names->pdata[i]);
		for (guint r = 0; r < pr->cells->len; r++)
			width[k] = MAX(width[k], text_width(((char **)pr->cells->pdata[r])[i]));
	}
	guint shown = fit_widths(width, n, terminal_columns());
	gboolean bold = use_colour();
	g_autoptr(GString) out = g_string_new(NULL);
	for (guint r = 0; r <= pr->cells->len; r++) {
		char **row = r ? pr->cells->pdata[r - 1] : (char **)pr->names->pdata;
		if (!r && bold)
			g_string_append(out, "\033[1m");
		gsize pad = 0;
		for (guint k = 0; k < shown; k++) {
			g_autofree char *cell = cut_to(row[g_array_index(cols, guint, k)], width[k]);
			for (; pad; pad--)
				g_string_append_c(out, ' ');
			g_string_append(out, cell);
			pad = (k + 1 < shown) ? width[k] - text_width(cell) + TABLE_GAP : 0;
		}
		if (!r && bold)
			g_string_append(out, "\033[0m");
		g_string_append_c(out, '\n');
	}
	if (!pr->cells->len)
		g_string_append(out, "(none)\n");
	fputs(out->str, stdout);
	fflush(stdout);
	if (shown < n)
		fprintf(stderr, "nomctl: %u more column(s) (%s ...) do not fit; --format csv or json shows them all\n",
			n - shown, (const char *)pr->names->pdata[g_array_index(cols, guint, shown)]);
}

static void json_string(GString *out, const char *s)
{
	g_string_append_c(out, '"');
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		switch (*p) {
		case '"': g_string_append(out, "\\\""); break;
		case '\\': g_string_append(out, "\\\\"); break;
		case '\n': g_string_append(out, "\\n"); break;
		case '\r': g_string_append(out, "\\r"); break;
		case '\t': g_string_append(out, "\\t"); break;
		default: {
			/* Every character a terminal would act on is escaped:
			 * the same string to a parser, inert on a screen. */
			gunichar c = *p < 0x80 ? *p : g_utf8_get_char_validated((const char *)p, -1);
			if (terminal_control(c)) {
				g_string_append_printf(out, "\\u%04x", c);
				p = (const unsigned char *)g_utf8_next_char(p) - 1;
			} else {
				g_string_append_c(out, *p);
			}
		}
		}
	}
	g_string_append_c(out, '"');
}

/* The workbook to --output: written whole, then renamed into place. */
static gboolean write_book(struct printer *pr)
{
	g_autoptr(xlsx) book = g_steal_pointer(&pr->book);
	if (!book) {
		book = xlsx_new(pr->timezone);
		xlsx_sheet(book, pr->sheet ? pr->sheet : "Sheet1");
	}
	g_autoptr(GError) error = NULL;
	if (!xlsx_write_file(book, pr->output, &error)) {
		fprintf(stderr, "nomctl: %s\n", error->message);
		return FALSE;
	}
	fprintf(stderr, "nomctl: %u row(s) written to %s\n", pr->rows, pr->output);
	return TRUE;
}

gboolean print_end(struct printer *pr)
{
	if (pr->format == FMT_JSON)
		fputs(pr->rows ? "\n]\n" : "[]\n", stdout);
	if (pr->format == FMT_XLSX)
		return write_book(pr);
	if (pr->format != FMT_TABLE)
		return TRUE;
	if (pr->names)
		print_table(pr);
	else
		fputs("(none)\n", stdout);
	g_clear_pointer(&pr->names, g_ptr_array_unref);
	g_clear_pointer(&pr->cells, g_ptr_array_unref);
	return TRUE;
}

/* A row kept for the table: each cell on one line, inert on a screen. */
static void keep_table_row(struct printer *pr, int n, const char *const *names, const char *const *values)
{
	if (!pr->names) {
		pr->names = g_ptr_array_new_with_free_func(g_free);
		for (int i = 0; i < n; i++)
			g_ptr_array_add(pr->names, g_strdup(names[i]));
		pr->cells = g_ptr_array_new_with_free_func((GDestroyNotify)g_strfreev);
	}
	char **row = g_new0(char *, pr->names->len + 1);
	for (guint i = 0; i < pr->names->len; i++)
		row[i] = terminal_text((int)i < n && values[i] ? values[i] : "", FALSE);
	g_ptr_array_add(pr->cells, row);
}

void print_row(void *data, int n, const char *const *names, const char *const *values)
{
	struct printer *pr = data;
	if (pr->format == FMT_XLSX) {
		if (!pr->book) {
			pr->book = xlsx_new(pr->timezone);
			xlsx_sheet(pr->book, pr->sheet ? pr->sheet : "Sheet1");
		}
		xlsx_row(pr->book, n, names, values);
		pr->rows++;
		return;
	}
	if (pr->format == FMT_TABLE) {
		keep_table_row(pr, n, names, values);
		pr->rows++;
		return;
	}
	g_autoptr(GString) out = g_string_new(NULL);
	if (pr->format == FMT_CSV) {
		if (pr->rows == 0) {
			for (int i = 0; i < n; i++)
				g_string_append_printf(out, "%s%s", i ? "," : "", names[i]);
			g_string_append(out, "\r\n");
		}
		/* CSV to a file or a pipe stays exact; on a screen, what mail
		 * supplied must not drive the terminal. */
		gboolean tty = isatty(STDOUT_FILENO);
		for (int i = 0; i < n; i++) {
			if (i)
				g_string_append_c(out, ',');
			g_autofree char *shown = tty ? terminal_text(values[i], TRUE) : NULL;
			csv_append_field(out, tty ? shown : values[i]);
		}
		g_string_append(out, "\r\n");
	} else {
		g_string_append(out, pr->rows ? ",\n  {" : "[\n  {");
		for (int i = 0; i < n; i++) {
			g_string_append_printf(out, "%s\"%s\": ", i ? ", " : "", names[i]);
			if (strcmp(names[i], "reasons") == 0) {
				g_auto(GStrv) codes = g_strsplit(values[i] ? values[i] : "", " ", -1);
				g_string_append_c(out, '[');
				for (int k = 0, first = 1; codes[k]; k++) {
					if (!*codes[k])
						continue;
					g_string_append(out, first ? "" : ", ");
					json_string(out, codes[k]);
					first = 0;
				}
				g_string_append_c(out, ']');
			} else if (!values[i] || (!*values[i] && column_is_number(names[i]))) {
				g_string_append(out, "null");
			} else if (column_is_number(names[i])) {
				g_string_append(out, values[i]);
			} else {
				json_string(out, values[i]);
			}
		}
		g_string_append_c(out, '}');
	}
	fputs(out->str, stdout);
	pr->rows++;
}
