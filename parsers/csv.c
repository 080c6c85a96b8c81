/* csv: the spreadsheet reader (rules in csv.h) on top of libcsv. Owns the
 * delimiter guess, the header, and the cleaning of each cell; libcsv only
 * splits bytes into cells and rows. */
#include "csv.h"

/* Angle brackets: libcsv's header, not ours (the quote form would search
 * this directory first and find parsers/csv.h). */
#include <csv.h>
#include <string.h>

#define CSV_CHUNK (64 * 1024) /* bytes fed to libcsv at a time, so the row cap stops early */

/* clang-format off */
G_DEFINE_QUARK(nomd-csv-read-error-quark, csv_read_error)
/* clang-format on */

struct csv_reader {
	GPtrArray *cells;  /* of char *: the row being read, cleaned */
	GPtrArray *labels; /* of char *, NULL for an ignored column; NULL before the header */
	GPtrArray *rows;   /* of GHashTable * */
	guint records;	   /* rows libcsv has ended, for messages */
	gboolean done;	   /* the row cap was reached */
};

/* Strip blanks at both ends in place, U+00A0 and other Unicode spaces too. */
static void csv_trim(char *text)
{
	char *start = text;
	while (*start && g_unichar_isspace(g_utf8_get_char(start)))
		start = g_utf8_next_char(start);
	char *end = start + strlen(start);
	while (end > start) {
		char *prev = g_utf8_prev_char(end);
		if (!g_unichar_isspace(g_utf8_get_char(prev)))
			break;
		end = prev;
	}
	memmove(text, start, end - start);
	text[end - start] = '\0';
}

/* Valid UTF-8 from one raw cell, trimmed and capped (see csv.h). */
static char *csv_clean_cell(const char *raw, gsize n)
{
	g_autofree char *bytes = g_malloc(n + 1);
	for (gsize i = 0; i < n; i++)
		bytes[i] = raw[i] ? raw[i] : ' ';
	bytes[n] = '\0';
	char *text = NULL;
	if (g_utf8_validate(bytes, n, NULL))
		text = g_steal_pointer(&bytes);
	else if (!(text = g_convert(bytes, n, "UTF-8", "WINDOWS-1252", NULL, NULL, NULL)))
		text = g_utf8_make_valid(bytes, n); /* bytes 0x81, 0x8D, ... are not Windows-1252 */

	/* Quoted line breaks, in whatever form, become "\n". */
	char *w = text;
	for (const char *r = text; *r; r++) {
		if (*r == '\r') {
			*w++ = '\n';
			if (r[1] == '\n')
				r++;
		} else {
			*w++ = *r;
		}
	}
	*w = '\0';
	csv_trim(text);
	gsize len = strlen(text);
	if (len > CSV_MAX_CELL) {
		gsize cut = CSV_MAX_CELL;
		while (cut > 0 && ((guchar)text[cut] & 0xC0) == 0x80)
			cut--; /* back to the start of the character that straddles the cap */
		text[cut] = '\0';
		csv_trim(text);
	}
	return text;
}

/* "  Job \n Title" -> "job title": the form a caller can look up. */
static char *csv_label(const char *cell)
{
	GString *s = g_string_new(NULL);
	gboolean blank = FALSE;
	for (const char *p = cell; *p; p = g_utf8_next_char(p)) {
		gunichar c = g_utf8_get_char(p);
		if (g_unichar_isspace(c)) {
			blank = s->len > 0;
			continue;
		}
		if (blank)
			g_string_append_c(s, ' ');
		blank = FALSE;
		g_string_append_unichar(s, c);
	}
	g_autofree char *nfc = g_utf8_normalize(s->str, s->len, G_NORMALIZE_DEFAULT_COMPOSE);
	g_string_free(s, TRUE);
	/* Folding can triple the length (U+0390): the cap is kept after it. */
	char *folded = g_utf8_casefold(nfc ? nfc : "", -1);
	if (strlen(folded) > CSV_MAX_CELL) {
		gsize cut = CSV_MAX_CELL;
		while (cut > 0 && ((guchar)folded[cut] & 0xC0) == 0x80)
			cut--;
		folded[cut] = '\0';
	}
	return folded;
}

static gboolean csv_row_empty(GPtrArray *cells)
{
	for (guint i = 0; i < cells->len; i++)
		if (*(const char *)cells->pdata[i])
			return FALSE;
	return TRUE;
}

/* An ignored column has no label. */
static void csv_label_release(gpointer label)
{
	if (label)
		g_ref_string_release(label);
}

/* Labels are reference-counted strings shared by every row: 64 labels of
 * 1000 bytes copied into 2000 rows would be 128 MB. */
static void csv_take_header(struct csv_reader *r)
{
	r->labels = g_ptr_array_new_with_free_func(csv_label_release);
	for (guint i = 0; i < r->cells->len; i++) {
		g_autofree char *folded = csv_label(r->cells->pdata[i]);
		gboolean seen = FALSE;
		for (guint k = 0; k < r->labels->len && !seen; k++)
			seen = g_strcmp0(r->labels->pdata[k], folded) == 0;
		/* The first column of a name wins; an unnamed one cannot be asked for. */
		g_ptr_array_add(r->labels, *folded && !seen ? g_ref_string_new(folded) : NULL);
	}
}

/* The row's table takes the cleaned cells over instead of copying them. */
static void csv_take_row(struct csv_reader *r)
{
	GHashTable *row = g_hash_table_new_full(g_str_hash, g_str_equal, (GDestroyNotify)g_ref_string_release, g_free);
	for (guint i = 0; i < r->labels->len; i++) {
		char *label = r->labels->pdata[i];
		if (!label)
			continue;
		char *value = i < r->cells->len ? g_steal_pointer(&r->cells->pdata[i]) : g_strdup("");
		g_hash_table_insert(row, g_ref_string_acquire(label), value);
	}
	g_ptr_array_add(r->rows, row);
	if (r->rows->len >= CSV_MAX_ROWS)
		r->done = TRUE;
}

/* libcsv: one cell read. Cells no column will hold are not even cleaned. */
static void csv_on_cell(void *data, size_t n, void *user)
{
	struct csv_reader *r = user;
	guint keep = r->labels ? r->labels->len : CSV_MAX_COLUMNS;
	if (r->done || r->cells->len >= keep)
		return;
	g_ptr_array_add(r->cells, csv_clean_cell(data ? data : "", data ? n : 0));
}

/* libcsv: the end of a row (blank lines never get here). */
static void csv_on_row(int terminator, void *user)
{
	struct csv_reader *r = user;
	if (r->done)
		return;
	r->records++;
	if (!csv_row_empty(r->cells)) {
		if (!r->labels)
			csv_take_header(r);
		else
			csv_take_row(r);
	}
	g_ptr_array_set_size(r->cells, 0);
}

/* ',' or ';', whichever is more common outside quotes on the first line
 * that has anything besides blanks, delimiters and quotes. */
static unsigned char csv_guess_delimiter(const char *p, gsize len)
{
	gsize i = 0;
	while (i < len) {
		guint commas = 0, semicolons = 0;
		gboolean quoted = FALSE, content = FALSE;
		for (; i < len; i++) {
			char ch = p[i];
			if (ch == '"')
				quoted = !quoted; /* a doubled quote toggles twice: no change */
			else if (!quoted && (ch == '\r' || ch == '\n'))
				break;
			else if (!quoted && ch == ',')
				commas++;
			else if (!quoted && ch == ';')
				semicolons++;
			else if (ch != ' ' && ch != '\t' && ch != '\r' && ch != '\n')
				content = TRUE;
		}
		if (content)
			return semicolons > commas ? ';' : ',';
		i++;
	}
	return ',';
}

gboolean csv_read_rows(const char *data, gsize len, GPtrArray **rows, GError **error)
{
	g_return_val_if_fail(rows != NULL, FALSE);
	if (!data)
		len = 0;
	if (len > CSV_MAX_INPUT) {
		g_set_error(error, CSV_READ_ERROR, CSV_ERROR_TOO_LARGE,
			    "the spreadsheet is %" G_GSIZE_FORMAT " bytes, more than the %d allowed", len,
			    CSV_MAX_INPUT);
		return FALSE;
	}
	const guchar *u = (const guchar *)data;
	if (len >= 2 && ((u[0] == 0xFF && u[1] == 0xFE) || (u[0] == 0xFE && u[1] == 0xFF))) {
		g_set_error_literal(error, CSV_READ_ERROR, CSV_ERROR_ENCODING,
				    "the spreadsheet is UTF-16 text, not CSV: save it as \"CSV UTF-8\"");
		return FALSE;
	}
	if (len >= 3 && memcmp(data, "\xEF\xBB\xBF", 3) == 0) {
		data += 3;
		len -= 3;
	}

	struct csv_parser parser;
	if (csv_init(&parser, 0) != 0) {
		g_set_error_literal(error, CSV_READ_ERROR, CSV_ERROR_PARSE, "cannot start the CSV parser");
		return FALSE;
	}
	csv_set_delim(&parser, csv_guess_delimiter(data, len));
	struct csv_reader r = { 0 };
	r.cells = g_ptr_array_new_with_free_func(g_free);
	r.rows = g_ptr_array_new_with_free_func((GDestroyNotify)g_hash_table_unref);
	gboolean ok = TRUE;
	for (gsize off = 0; off < len && !r.done && ok; off += CSV_CHUNK) {
		gsize n = MIN((gsize)CSV_CHUNK, len - off);
		if (csv_parse(&parser, data + off, n, csv_on_cell, csv_on_row, &r) != n) {
			g_set_error(error, CSV_READ_ERROR, CSV_ERROR_PARSE, "cannot read the spreadsheet: %s",
				    csv_strerror(csv_error(&parser)));
			ok = FALSE;
		}
	}
	if (ok && !r.done) {
		/* Lax while reading (a stray quote inside a cell is kept as
		 * text), strict at the end: a quote still open has swallowed
		 * the rest of the file and is reported, not taken as a cell. */
		csv_set_opts(&parser, CSV_STRICT | CSV_STRICT_FINI);
		if (csv_fini(&parser, csv_on_cell, csv_on_row, &r) != 0) {
			g_set_error(error, CSV_READ_ERROR, CSV_ERROR_UNTERMINATED_QUOTE,
				    "a quoted cell in row %u of the spreadsheet is never closed", r.records + 1);
			ok = FALSE;
		}
	}
	csv_free(&parser);
	g_ptr_array_unref(r.cells);
	if (r.labels)
		g_ptr_array_unref(r.labels);
	if (!ok) {
		g_ptr_array_unref(r.rows);
		return FALSE;
	}
	*rows = r.rows;
	return TRUE;
}
