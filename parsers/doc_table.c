/* doc_table: tables into the form's language (rules in doc_table.h). The
 * labels are those of the spec the table was made with, through form.c's
 * form_column_kind_spec() and form_role_value_spec(), so a table and a
 * typed form read alike. */
#include "doc_table.h"

#include <math.h>
#include <string.h>

#include "document.h"
#include "form.h"

/* Rows searched for the header, from the top. */
#define TABLE_HEADER_ROWS 50

struct doc_table {
	guint flags;
	const struct form_spec *spec; /* borrowed */
	GPtrArray *rows;	      /* of GPtrArray of char *, cleaned */
	gsize bytes;		      /* cell text kept, in all */
	gboolean full;		      /* DOC_MAX_ROWS reached: later rows are ignored */
};

/* Valid UTF-8, control characters and blank runs made one space (one tab
 * if `tabs` and the run holds one), trimmed, at most `cap` bytes cut on a
 * character boundary. */
static char *clean_text(const char *text, gssize len, gsize cap, gboolean tabs)
{
	if (!text)
		return g_strdup("");
	if (len < 0)
		len = strlen(text);
	g_autofree char *valid = g_utf8_make_valid(text, len);
	GString *out = g_string_sized_new(MIN((gsize)len, cap) + 1);
	gboolean blank = FALSE, tab = FALSE;
	for (const char *p = valid; *p; p++) {
		guchar c = *p;
		if (c < 0x20 || c == 0x7f) {
			blank = TRUE;
			tab = tab || c == '\t';
			continue;
		}
		if (c == ' ') {
			blank = TRUE;
			continue;
		}
		if (blank && out->len) {
			if (out->len + 1 >= cap)
				break;
			g_string_append_c(out, tabs && tab ? '\t' : ' ');
		}
		blank = tab = FALSE;
		if (out->len + 1 > cap)
			break;
		g_string_append_c(out, c);
	}
	/* The cap may have cut a character in two. */
	const char *end;
	if (!g_utf8_validate(out->str, out->len, &end))
		g_string_truncate(out, end - out->str);
	while (out->len && (out->str[out->len - 1] == ' ' || out->str[out->len - 1] == '\t'))
		g_string_truncate(out, out->len - 1);
	return g_string_free(out, FALSE);
}

void doc_text_line(GString *out, const char *text, gssize len)
{
	g_autofree char *line = clean_text(text, len, DOC_MAX_TEXT, TRUE);
	gsize n = strlen(line);
	if (n == 0 || out->len + n + 1 > DOC_MAX_TEXT)
		return;
	g_string_append_len(out, line, n);
	g_string_append_c(out, '\n');
}

char *doc_number_text(const char *value)
{
	if (!value)
		return g_strdup("");
	g_autofree char *trimmed = g_strstrip(g_strdup(value));
	char *end = NULL;
	double x = g_ascii_strtod(trimmed, &end);
	if (!*trimmed || end == trimmed || *end || !isfinite(x))
		return g_strdup(value);
	if (x > -1e15 && x < 1e15 && x == (double)(gint64)x)
		return g_strdup_printf("%" G_GINT64_FORMAT, (gint64)x);
	char buf[G_ASCII_DTOSTR_BUF_SIZE];
	return g_strdup(g_ascii_formatd(buf, sizeof buf, "%.15g", x));
}

struct doc_table *doc_table_new(guint flags, const struct form_spec *spec)
{
	struct doc_table *t = g_new0(struct doc_table, 1);
	t->flags = flags;
	t->spec = spec ? spec : form_spec_builtin();
	t->rows = g_ptr_array_new_with_free_func((GDestroyNotify)g_ptr_array_unref);
	return t;
}

void doc_table_free(struct doc_table *t)
{
	if (!t)
		return;
	g_ptr_array_unref(t->rows);
	g_free(t);
}

void doc_table_row(struct doc_table *t)
{
	if (t->rows->len >= DOC_MAX_ROWS) {
		t->full = TRUE;
		return;
	}
	g_ptr_array_add(t->rows, g_ptr_array_new_with_free_func(g_free));
}

void doc_table_cell(struct doc_table *t, const char *text, gssize len)
{
	if (!t->rows->len)
		doc_table_row(t);
	if (t->full)
		return;
	GPtrArray *row = t->rows->pdata[t->rows->len - 1];
	if (row->len >= DOC_MAX_COLUMNS)
		return;
	/* Past DOC_MAX_TEXT of cells the text could not be written back
	 * anyway: keep the position only. */
	char *cell = t->bytes < DOC_MAX_TEXT ? clean_text(text, len, DOC_MAX_CELL, FALSE) : g_strdup("");
	t->bytes += strlen(cell);
	g_ptr_array_add(row, cell);
}

static const char *cell_at(const GPtrArray *row, guint c)
{
	return c < row->len ? row->pdata[c] : "";
}

/* "Label: value", or "Label: value" from a label that has its colon. */
static void label_line(GString *out, const char *label, const char *value)
{
	gsize n = strlen(label);
	g_autofree char *line = g_strdup_printf("%s%s %s", label, n && label[n - 1] == ':' ? "" : ":", value);
	doc_text_line(out, line, -1);
}

/* One cell: its text; two: "Label: value"; more: joined with " | ". */
static void plain_row(GString *out, const GPtrArray *row)
{
	g_autoptr(GPtrArray) cells = g_ptr_array_new();
	for (guint c = 0; c < row->len; c++)
		if (*(const char *)row->pdata[c])
			g_ptr_array_add(cells, row->pdata[c]);
	if (cells->len == 1) {
		doc_text_line(out, cells->pdata[0], -1);
	} else if (cells->len == 2) {
		label_line(out, cells->pdata[0], cells->pdata[1]);
	} else if (cells->len > 2) {
		g_ptr_array_add(cells, NULL);
		g_autofree char *line = g_strjoinv(" | ", (char **)cells->pdata);
		doc_text_line(out, line, -1);
	}
}

/* Whether `row` is a header: a name or email column, and a role column
 * (a programme of one role: or another column the form knows). */
static gboolean is_header(const struct doc_table *t, const GPtrArray *row)
{
	gboolean role = FALSE, who = FALSE;
	guint known = 0;
	for (guint c = 0; c < row->len; c++) {
		enum form_column k = form_column_kind_spec(t->spec, row->pdata[c]);
		role = role || k == FORM_COLUMN_ROLE;
		who = who || k == FORM_COLUMN_NAME || k == FORM_COLUMN_EMAIL;
		known += k == FORM_COLUMN_NAME || k == FORM_COLUMN_EMAIL || k == FORM_COLUMN_FIELD;
	}
	return who && (role || (t->spec->roles->len == 1 && known >= 2));
}

/* A row under the header: a section if a role column names a role. A
 * label such as "Role" is both a role column and the job title: the
 * first role column that holds a role word is the role, the others are
 * fields. In a programme of one role, a row without a role word is that
 * role's when it has a name or an email. */
static void section_row(const struct doc_table *t, GString *out, const GPtrArray *header, const guint8 *kinds,
			const GPtrArray *row)
{
	enum nominee_role role = ROLE_MEMBER;
	guint role_col = G_MAXUINT;
	for (guint c = 0; c < header->len && c < row->len && role_col == G_MAXUINT; c++)
		if (kinds[c] == FORM_COLUMN_ROLE && form_role_value_spec(t->spec, row->pdata[c], &role))
			role_col = c;
	gboolean who = FALSE;
	for (guint c = 0; c < header->len && c < row->len && !who; c++)
		who = (kinds[c] == FORM_COLUMN_NAME || kinds[c] == FORM_COLUMN_EMAIL) && *(const char *)row->pdata[c];
	if (role_col == G_MAXUINT && !(t->spec->roles->len == 1 && who))
		return;
	const struct form_role *r = t->spec->roles->pdata[role];
	doc_text_line(out, r->label, -1);
	for (guint c = 0; c < row->len && c < header->len; c++) {
		const char *label = header->pdata[c], *value = row->pdata[c];
		if (c != role_col && *label && *value)
			label_line(out, label, value);
	}
}

void doc_table_emit(const struct doc_table *t, GString *out)
{
	guint header = G_MAXUINT;
	for (guint r = 0; r < t->rows->len && r < TABLE_HEADER_ROWS && header == G_MAXUINT; r++)
		if (is_header(t, t->rows->pdata[r]))
			header = r;
	if (header == G_MAXUINT) {
		if (t->flags & DOC_TABLE_SHEET)
			return;
		for (guint r = 0; r < t->rows->len; r++)
			plain_row(out, t->rows->pdata[r]);
		return;
	}
	for (guint r = 0; r < header; r++)
		plain_row(out, t->rows->pdata[r]);
	const GPtrArray *head = t->rows->pdata[header];
	guint8 kinds[DOC_MAX_COLUMNS] = { 0 };
	for (guint c = 0; c < head->len; c++)
		kinds[c] = form_column_kind_spec(t->spec, cell_at(head, c));
	for (guint r = header + 1; r < t->rows->len; r++)
		section_row(t, out, head, kinds, t->rows->pdata[r]);
}
