/* doc_odf: OpenDocument text (.odt) and spreadsheets (.ods), both from
 * content.xml: paragraphs and tables through doc_flow, each sheet of a
 * spreadsheet a table with DOC_TABLE_SHEET. ODF compresses runs of equal
 * rows and cells with number-rows-repeated / number-columns-repeated: a
 * sheet's "rest" is one empty row repeated a million times, which must
 * cost nothing, so repeats are capped at what doc_table keeps. */
#include <string.h>

#include "doc_flow.h"
#include "doc_read.h"
#include "doc_table.h"
#include "doc_xml.h"
#include "doc_zip.h"

/* Blanks one text:s may stand for. */
#define ODF_MAX_SPACES 64

struct odf {
	struct doc_xml *x;
	struct doc_flow *flow;
	gboolean sheet;
	guint tables;	   /* tables open */
	guint sheets;	   /* top-level tables seen */
	guint cells;	   /* cells looked at */
	guint row_repeat;  /* of the open row */
	guint cell_repeat; /* of the open cell */
	char *cell_value;  /* a typed cell's value (office:value...) */
};

/* Content that is not the form: comments, footnotes, deleted text. */
static gboolean skipped(struct doc_xml *x)
{
	static const char *const names[] = { "annotation",	"note",	   "tracked-changes", "automatic-styles",
					     "font-face-decls", "scripts", "forms",	      "named-expressions" };
	for (size_t i = 0; i < G_N_ELEMENTS(names); i++)
		if (doc_xml_is(x, names[i]))
			return TRUE;
	return FALSE;
}

/* A repeat count attribute, 1 when absent or nonsense, capped. */
static guint repeat_attr(struct doc_xml *x, const char *name, guint cap)
{
	g_autofree char *v = doc_xml_attr(x, name);
	guint64 n = v ? g_ascii_strtoull(v, NULL, 10) : 1;
	return n < 1 ? 1 : (guint)MIN(n, (guint64)cap);
}

/* The value of a typed cell: the number, date or truth value itself,
 * not its display text ("3" rather than "3.00"); NULL for text. */
static char *typed_value(struct doc_xml *x)
{
	g_autofree char *type = doc_xml_attr(x, "value-type");
	if (!type || strcmp(type, "string") == 0)
		return NULL;
	const char *attr = strcmp(type, "date") == 0	  ? "date-value"
			   : strcmp(type, "time") == 0	  ? "time-value"
			   : strcmp(type, "boolean") == 0 ? "boolean-value"
							  : "value";
	g_autofree char *v = doc_xml_attr(x, attr);
	if (!v)
		return NULL;
	if (strcmp(attr, "value") == 0)
		return doc_number_text(v);
	return g_steal_pointer(&v);
}

static enum doc_status odf_start(struct odf *o, char **detail)
{
	struct doc_xml *x = o->x;
	if (skipped(x)) {
		doc_xml_skip(x);
	} else if (doc_xml_is(x, "p") || doc_xml_is(x, "h")) {
		doc_flow_para_start(o->flow);
	} else if (doc_xml_is(x, "tab")) {
		doc_flow_text(o->flow, "\t", 1);
	} else if (doc_xml_is(x, "line-break")) {
		doc_flow_text(o->flow, "\n", 1);
	} else if (doc_xml_is(x, "s")) {
		guint n = repeat_attr(x, "c", ODF_MAX_SPACES);
		for (guint i = 0; i < n; i++)
			doc_flow_text(o->flow, " ", 1);
	} else if (doc_xml_is(x, "table")) {
		if (o->tables == 0 && o->sheet && ++o->sheets > DOC_MAX_SHEETS) {
			doc_xml_skip(x);
			return DOC_OK;
		}
		o->tables++;
		doc_flow_table_start(o->flow);
	} else if (doc_xml_is(x, "table-row")) {
		o->row_repeat = repeat_attr(x, "number-rows-repeated", DOC_MAX_ROWS);
		doc_flow_row_start(o->flow);
	} else if (doc_xml_is(x, "table-cell") || doc_xml_is(x, "covered-table-cell")) {
		if (++o->cells > DOC_MAX_CELLS) {
			if (detail)
				*detail = g_strdup_printf("content.xml has more than %d cells", DOC_MAX_CELLS);
			return DOC_TOO_COMPLEX;
		}
		o->cell_repeat = repeat_attr(x, "number-columns-repeated", DOC_MAX_COLUMNS);
		g_free(o->cell_value);
		o->cell_value = typed_value(x);
		doc_flow_cell_start(o->flow);
	}
	return DOC_OK;
}

static void odf_end(struct odf *o)
{
	struct doc_xml *x = o->x;
	if (doc_xml_is(x, "p") || doc_xml_is(x, "h")) {
		doc_flow_para_end(o->flow);
	} else if (doc_xml_is(x, "table") && o->tables) {
		o->tables--;
		doc_flow_table_end(o->flow);
	} else if (doc_xml_is(x, "table-row")) {
		doc_flow_row_end(o->flow, o->row_repeat);
		o->row_repeat = 1;
	} else if (doc_xml_is(x, "table-cell") || doc_xml_is(x, "covered-table-cell")) {
		doc_flow_cell_end(o->flow, o->cell_value, o->cell_repeat);
		g_clear_pointer(&o->cell_value, g_free);
		o->cell_repeat = 1;
	}
}

static enum doc_status odf_event(struct doc_xml *x, enum doc_xml_event ev, void *data, char **detail)
{
	struct odf *o = data;
	o->x = x;
	if (ev == DOC_XML_START)
		return odf_start(o, detail);
	if (ev == DOC_XML_END)
		odf_end(o);
	else if (ev == DOC_XML_TEXT)
		doc_flow_text(o->flow, doc_xml_text(x), -1);
	return DOC_OK;
}

static enum doc_status odf_read(struct doc_zip *z, gboolean sheet, const struct form_spec *spec, GString *out,
				char **detail)
{
	g_autoptr(GBytes) bytes = NULL;
	enum doc_status st = doc_zip_read(z, "content.xml", &bytes, detail);
	if (st != DOC_OK)
		return st;
	g_autoptr(doc_flow) flow = doc_flow_new(out, sheet ? DOC_TABLE_SHEET : 0, spec);
	struct odf o = { .flow = flow, .sheet = sheet, .row_repeat = 1, .cell_repeat = 1 };
	st = doc_xml_walk(bytes, "content.xml", odf_event, &o, detail);
	g_free(o.cell_value);
	if (st == DOC_OK)
		doc_flow_finish(flow);
	return st;
}

enum doc_status doc_read_odt(struct doc_zip *z, const struct form_spec *spec, GString *out, char **detail)
{
	return odf_read(z, FALSE, spec, out, detail);
}

enum doc_status doc_read_ods(struct doc_zip *z, const struct form_spec *spec, GString *out, char **detail)
{
	return odf_read(z, TRUE, spec, out, detail);
}
