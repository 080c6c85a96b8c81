/* doc_flow: paragraphs and tables of a text document into lines. */
#include "doc_flow.h"

#include <string.h>

#include "doc_table.h"
#include "document.h"

/* Bytes of a cell gathered before doc_table cleans and caps it: room for
 * blanks that collapse. */
#define FLOW_MAX_CELL (4 * DOC_MAX_CELL)

struct frame {
	struct doc_table *table;
	GPtrArray *row; /* the cells of the open row (char *) */
	GString *cell;	/* the open cell's paragraphs */
	gboolean in_cell;
	GString *outer_para; /* the paragraph around the table, if any */
	guint outer_depth;
};

struct doc_flow {
	GString *out;
	guint flags;
	const struct form_spec *spec;
	GPtrArray *frames; /* of struct frame *, the innermost last */
	GString *para;
	guint para_depth; /* paragraphs nest in text boxes */
};

static void frame_free(struct frame *fr)
{
	doc_table_free(fr->table);
	g_ptr_array_unref(fr->row);
	g_string_free(fr->cell, TRUE);
	if (fr->outer_para)
		g_string_free(fr->outer_para, TRUE);
	g_free(fr);
}

struct doc_flow *doc_flow_new(GString *out, guint table_flags, const struct form_spec *spec)
{
	struct doc_flow *f = g_new0(struct doc_flow, 1);
	f->out = out;
	f->flags = table_flags;
	f->spec = spec;
	f->frames = g_ptr_array_new_with_free_func((GDestroyNotify)frame_free);
	f->para = g_string_new(NULL);
	return f;
}

void doc_flow_free(struct doc_flow *f)
{
	if (!f)
		return;
	g_ptr_array_unref(f->frames);
	g_string_free(f->para, TRUE);
	g_free(f);
}

static struct frame *top(struct doc_flow *f)
{
	return f->frames->len ? f->frames->pdata[f->frames->len - 1] : NULL;
}

/* Append at most up to `cap` bytes in all. */
static void append_capped(GString *s, const char *text, gssize len, gsize cap)
{
	if (len < 0)
		len = strlen(text);
	if (s->len < cap)
		g_string_append_len(s, text, MIN((gsize)len, cap - s->len));
}

void doc_flow_para_start(struct doc_flow *f)
{
	if (f->para_depth++ == 0)
		g_string_truncate(f->para, 0);
	else
		doc_flow_text(f, "\n", 1);
}

void doc_flow_para_end(struct doc_flow *f)
{
	if (f->para_depth == 0)
		return;
	if (--f->para_depth > 0) {
		doc_flow_text(f, "\n", 1);
		return;
	}
	struct frame *fr = top(f);
	if (fr && fr->in_cell) {
		if (fr->cell->len)
			append_capped(fr->cell, " ", 1, FLOW_MAX_CELL);
		append_capped(fr->cell, f->para->str, f->para->len, FLOW_MAX_CELL);
		return;
	}
	if (f->flags & DOC_TABLE_SHEET)
		return;
	g_auto(GStrv) lines = g_strsplit(f->para->str, "\n", -1);
	for (size_t i = 0; lines[i]; i++)
		doc_text_line(f->out, lines[i], -1);
}

void doc_flow_text(struct doc_flow *f, const char *text, gssize len)
{
	if (f->para_depth)
		append_capped(f->para, text, len, DOC_MAX_TEXT);
}

void doc_flow_table_start(struct doc_flow *f)
{
	struct frame *fr = g_new0(struct frame, 1);
	fr->table = doc_table_new(f->flags, f->spec);
	fr->row = g_ptr_array_new_with_free_func(g_free);
	fr->cell = g_string_new(NULL);
	/* A table in a text box inside a paragraph: that paragraph waits. */
	if (f->para_depth) {
		fr->outer_para = f->para;
		fr->outer_depth = f->para_depth;
		f->para = g_string_new(NULL);
		f->para_depth = 0;
	}
	g_ptr_array_add(f->frames, fr);
}

void doc_flow_row_start(struct doc_flow *f)
{
	struct frame *fr = top(f);
	if (fr)
		g_ptr_array_set_size(fr->row, 0);
}

void doc_flow_row_end(struct doc_flow *f, guint repeat)
{
	struct frame *fr = top(f);
	if (!fr)
		return;
	gboolean empty = TRUE;
	for (guint c = 0; c < fr->row->len && empty; c++)
		empty = *(const char *)fr->row->pdata[c] == '\0';
	if (empty)
		repeat = 1;
	for (guint i = 0; i < MIN(repeat, (guint)DOC_MAX_ROWS); i++) {
		doc_table_row(fr->table);
		for (guint c = 0; c < fr->row->len; c++)
			doc_table_cell(fr->table, fr->row->pdata[c], -1);
	}
	g_ptr_array_set_size(fr->row, 0);
}

void doc_flow_cell_start(struct doc_flow *f)
{
	struct frame *fr = top(f);
	if (!fr)
		return;
	g_string_truncate(fr->cell, 0);
	fr->in_cell = TRUE;
}

void doc_flow_cell_end(struct doc_flow *f, const char *value, guint repeat)
{
	struct frame *fr = top(f);
	if (!fr)
		return;
	const char *text = value ? value : fr->cell->str;
	for (guint i = 0; i < repeat && fr->row->len < DOC_MAX_COLUMNS; i++)
		g_ptr_array_add(fr->row, g_strndup(text, FLOW_MAX_CELL));
	g_string_truncate(fr->cell, 0);
	fr->in_cell = FALSE;
}

void doc_flow_table_end(struct doc_flow *f)
{
	struct frame *fr = top(f);
	if (!fr)
		return;
	if (fr->row->len)
		doc_flow_row_end(f, 1);
	doc_table_emit(fr->table, f->out);
	if (fr->outer_para) {
		g_string_free(f->para, TRUE);
		f->para = g_steal_pointer(&fr->outer_para);
		f->para_depth = fr->outer_depth;
	}
	g_ptr_array_remove_index(f->frames, f->frames->len - 1);
}

void doc_flow_finish(struct doc_flow *f)
{
	while (f->frames->len)
		doc_flow_table_end(f);
}
