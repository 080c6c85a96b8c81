/* doc_sheet: Excel .xlsx. The workbook names its sheets in order, its
 * relationships say which part holds each; text cells point into the
 * shared strings. Each worksheet goes through doc_table with
 * DOC_TABLE_SHEET, its cells placed by their reference ("C3") so that a
 * gap in a row stays a gap. */
#include <string.h>

#include "doc_read.h"
#include "doc_table.h"
#include "doc_xml.h"
#include "doc_zip.h"

/* Bytes of one cell or shared string gathered before doc_table caps it. */
#define SHEET_MAX_CELL (4 * DOC_MAX_CELL)

struct book {
	GPtrArray *sheet_ids; /* r:id of each sheet, in order */
	GHashTable *targets;  /* relationship id -> part path */
	GPtrArray *strings;   /* the shared strings */
	GString *text;	      /* the string or cell being read */
	gboolean in_text;     /* inside <t> (or <v>): its text counts */
	guint cells;	      /* cells looked at, in all */
	/* The cell and row being read. */
	guint col, next_col;
	char *type;
	char *row[DOC_MAX_COLUMNS];
	guint row_len;
	struct doc_table *table;
};

static void append_text(struct book *b, const char *s)
{
	if (b->in_text && b->text->len < SHEET_MAX_CELL)
		g_string_append_len(b->text, s, MIN(strlen(s), SHEET_MAX_CELL - b->text->len));
}

/* xl/workbook.xml: <sheet name=".." sheetId="1" r:id="rId1"/>. */
static enum doc_status workbook_event(struct doc_xml *x, enum doc_xml_event ev, void *data, char **detail)
{
	struct book *b = data;
	if (ev == DOC_XML_START && doc_xml_is(x, "sheet") && b->sheet_ids->len < DOC_MAX_SHEETS) {
		char *id = doc_xml_attr(x, "id");
		if (id)
			g_ptr_array_add(b->sheet_ids, id);
	}
	return DOC_OK;
}

/* xl/_rels/workbook.xml.rels: <Relationship Id="rId1" Type="...worksheet"
 * Target="worksheets/sheet1.xml"/>; a target is relative to xl/, or from
 * the top of the package when it starts with '/'. */
static enum doc_status rels_event(struct doc_xml *x, enum doc_xml_event ev, void *data, char **detail)
{
	struct book *b = data;
	if (ev != DOC_XML_START || !doc_xml_is(x, "Relationship"))
		return DOC_OK;
	g_autofree char *id = doc_xml_attr(x, "Id");
	g_autofree char *type = doc_xml_attr(x, "Type");
	g_autofree char *target = doc_xml_attr(x, "Target");
	g_autofree char *mode = doc_xml_attr(x, "TargetMode");
	if (!id || !type || !target || (mode && strcmp(mode, "External") == 0) || !g_str_has_suffix(type, "/worksheet"))
		return DOC_OK;
	char *path = target[0] == '/' ? g_strdup(target + 1) : g_strconcat("xl/", target, NULL);
	g_hash_table_replace(b->targets, g_steal_pointer(&id), path);
	return DOC_OK;
}

/* xl/sharedStrings.xml: <si><t>text</t></si>, or rich text
 * <si><r><t>te</t></r><r><t>xt</t></r></si>; <rPh> is a phonetic
 * reading, not text. */
static enum doc_status strings_event(struct doc_xml *x, enum doc_xml_event ev, void *data, char **detail)
{
	struct book *b = data;
	if (ev == DOC_XML_START) {
		if (doc_xml_is(x, "rPh"))
			doc_xml_skip(x);
		else if (doc_xml_is(x, "si"))
			g_string_truncate(b->text, 0);
		else if (doc_xml_is(x, "t"))
			b->in_text = TRUE;
	} else if (ev == DOC_XML_END) {
		if (doc_xml_is(x, "t"))
			b->in_text = FALSE;
		else if (doc_xml_is(x, "si") && b->strings->len < DOC_MAX_CELLS)
			g_ptr_array_add(b->strings, g_strdup(b->text->str));
	} else if (ev == DOC_XML_TEXT) {
		append_text(b, doc_xml_text(x));
	}
	return DOC_OK;
}

/* The column of a reference: "C3" is 2; -1 when there is none. */
static int ref_column(const char *ref)
{
	int col = 0;
	const char *p = ref;
	for (; p && g_ascii_isalpha(*p) && col <= 16384; p++)
		col = col * 26 + (g_ascii_toupper(*p) - 'A' + 1);
	return p && p != ref ? col - 1 : -1;
}

/* A cell's text by its type: shared string, boolean, number, or as is. */
static char *cell_text(struct book *b)
{
	const char *v = b->text->str;
	const char *type = b->type ? b->type : "n";
	if (strcmp(type, "s") == 0) {
		char *end = NULL;
		guint64 i = g_ascii_strtoull(v, &end, 10);
		return g_strdup(end != v && i < b->strings->len ? (const char *)b->strings->pdata[i] : "");
	}
	if (strcmp(type, "b") == 0)
		return g_strdup(strcmp(v, "1") == 0 ? "TRUE" : "FALSE");
	if (strcmp(type, "n") == 0)
		return doc_number_text(v);
	return g_strdup(v); /* str, inlineStr, d (ISO date), e (#N/A) */
}

static void row_clear(struct book *b)
{
	for (guint c = 0; c < DOC_MAX_COLUMNS; c++)
		g_clear_pointer(&b->row[c], g_free);
	b->row_len = b->next_col = 0;
}

static void row_flush(struct book *b)
{
	doc_table_row(b->table);
	for (guint c = 0; c < b->row_len; c++)
		doc_table_cell(b->table, b->row[c] ? b->row[c] : "", -1);
	row_clear(b);
}

static enum doc_status cell_start(struct doc_xml *x, struct book *b, char **detail)
{
	if (++b->cells > DOC_MAX_CELLS) {
		if (detail)
			*detail = g_strdup_printf("workbook has more than %d cells", DOC_MAX_CELLS);
		return DOC_TOO_COMPLEX;
	}
	g_autofree char *ref = doc_xml_attr(x, "r");
	int col = ref ? ref_column(ref) : -1;
	b->col = col >= 0 ? (guint)col : b->next_col;
	b->next_col = b->col + 1;
	g_free(b->type);
	b->type = doc_xml_attr(x, "t");
	g_string_truncate(b->text, 0);
	return DOC_OK;
}

static void cell_end(struct book *b)
{
	if (b->col < DOC_MAX_COLUMNS) {
		g_free(b->row[b->col]);
		b->row[b->col] = cell_text(b);
		b->row_len = MAX(b->row_len, b->col + 1);
	}
	g_clear_pointer(&b->type, g_free);
}

/* A worksheet: <sheetData><row r="3"><c r="B3" t="s"><v>0</v></c>...;
 * an inline string is <c t="inlineStr"><is><t>text</t></is></c>; a
 * formula's <f> is not its value. */
static enum doc_status sheet_event(struct doc_xml *x, enum doc_xml_event ev, void *data, char **detail)
{
	struct book *b = data;
	if (ev == DOC_XML_START) {
		if (doc_xml_is(x, "f") || doc_xml_is(x, "rPh") || doc_xml_is(x, "extLst"))
			doc_xml_skip(x);
		else if (doc_xml_is(x, "row"))
			row_clear(b);
		else if (doc_xml_is(x, "c"))
			return cell_start(x, b, detail);
		else if (doc_xml_is(x, "v") || doc_xml_is(x, "t"))
			b->in_text = TRUE;
	} else if (ev == DOC_XML_END) {
		if (doc_xml_is(x, "v") || doc_xml_is(x, "t"))
			b->in_text = FALSE;
		else if (doc_xml_is(x, "c"))
			cell_end(b);
		else if (doc_xml_is(x, "row"))
			row_flush(b);
	} else if (ev == DOC_XML_TEXT) {
		append_text(b, doc_xml_text(x));
	}
	return DOC_OK;
}

/* Read part `path` of the package through `fn`; an absent optional part
 * is no part. */
static enum doc_status book_part(struct doc_zip *z, const char *path, gboolean optional, doc_xml_handler fn,
				 struct book *b, char **detail)
{
	if (optional && !doc_zip_has(z, path))
		return DOC_OK;
	g_autoptr(GBytes) bytes = NULL;
	enum doc_status st = doc_zip_read(z, path, &bytes, detail);
	if (st != DOC_OK)
		return st;
	b->in_text = FALSE;
	return doc_xml_walk(bytes, path, fn, b, detail);
}

static void book_clear(struct book *b)
{
	g_ptr_array_unref(b->sheet_ids);
	g_hash_table_unref(b->targets);
	g_ptr_array_unref(b->strings);
	g_string_free(b->text, TRUE);
	g_free(b->type);
	row_clear(b);
	doc_table_free(b->table);
}

static enum doc_status read_sheets(struct doc_zip *z, struct book *b, const struct form_spec *spec, GString *out,
				   char **detail)
{
	enum doc_status st = book_part(z, "xl/workbook.xml", FALSE, workbook_event, b, detail);
	if (st == DOC_OK)
		st = book_part(z, "xl/_rels/workbook.xml.rels", FALSE, rels_event, b, detail);
	if (st == DOC_OK)
		st = book_part(z, "xl/sharedStrings.xml", TRUE, strings_event, b, detail);
	for (guint i = 0; st == DOC_OK && i < b->sheet_ids->len; i++) {
		const char *path = g_hash_table_lookup(b->targets, b->sheet_ids->pdata[i]);
		if (!path || !doc_zip_has(z, path))
			continue; /* a chart sheet, or a dangling reference */
		b->table = doc_table_new(DOC_TABLE_SHEET, spec);
		st = book_part(z, path, FALSE, sheet_event, b, detail);
		if (st == DOC_OK) {
			if (b->row_len)
				row_flush(b);
			doc_table_emit(b->table, out);
		}
		g_clear_pointer(&b->table, doc_table_free);
	}
	return st;
}

enum doc_status doc_read_xlsx(struct doc_zip *z, const struct form_spec *spec, GString *out, char **detail)
{
	struct book b = {
		.sheet_ids = g_ptr_array_new_with_free_func(g_free),
		.targets = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free),
		.strings = g_ptr_array_new_with_free_func(g_free),
		.text = g_string_new(NULL),
	};
	enum doc_status st = read_sheets(z, &b, spec, out, detail);
	book_clear(&b);
	return st;
}
