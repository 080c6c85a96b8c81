/* doc_word: Word .docx. The headers (where councils put the organisation)
 * come first, then the body; footers, comments and footnotes are left
 * out, and so is deleted text of tracked changes. Paragraphs are lines,
 * tables go through doc_table (doc_flow). */
#include <string.h>

#include "doc_flow.h"
#include "doc_read.h"
#include "doc_table.h"
#include "doc_xml.h"
#include "doc_zip.h"

/* Elements whose content is never text of the form: properties (w:pPr
 * holds tab stops named w:tab), deleted and moved-away text, field
 * codes, and the fallback copy of a text box (mc:Fallback repeats
 * mc:Choice). */
static gboolean skipped(struct doc_xml *x)
{
	static const char *const names[] = { "pPr",	"rPr", "sectPr",  "tblPr",    "trPr",	   "tcPr",
					     "tblGrid", "del", "delText", "moveFrom", "instrText", "Fallback" };
	for (size_t i = 0; i < G_N_ELEMENTS(names); i++)
		if (doc_xml_is(x, names[i]))
			return TRUE;
	return FALSE;
}

struct word {
	struct doc_flow *flow;
	gboolean in_t; /* inside w:t: its text is the document's */
};

static void word_start(struct doc_xml *x, struct word *w)
{
	struct doc_flow *f = w->flow;
	if (skipped(x))
		doc_xml_skip(x);
	else if (doc_xml_is(x, "p"))
		doc_flow_para_start(f);
	else if (doc_xml_is(x, "t"))
		w->in_t = TRUE;
	else if (doc_xml_is(x, "tab") || doc_xml_is(x, "ptab"))
		doc_flow_text(f, "\t", 1);
	else if (doc_xml_is(x, "br") || doc_xml_is(x, "cr"))
		doc_flow_text(f, "\n", 1);
	else if (doc_xml_is(x, "noBreakHyphen"))
		doc_flow_text(f, "-", 1);
	else if (doc_xml_is(x, "tbl"))
		doc_flow_table_start(f);
	else if (doc_xml_is(x, "tr"))
		doc_flow_row_start(f);
	else if (doc_xml_is(x, "tc"))
		doc_flow_cell_start(f);
}

static void word_end(struct doc_xml *x, struct word *w)
{
	struct doc_flow *f = w->flow;
	if (doc_xml_is(x, "p"))
		doc_flow_para_end(f);
	else if (doc_xml_is(x, "t"))
		w->in_t = FALSE;
	else if (doc_xml_is(x, "tbl"))
		doc_flow_table_end(f);
	else if (doc_xml_is(x, "tr"))
		doc_flow_row_end(f, 1);
	else if (doc_xml_is(x, "tc"))
		doc_flow_cell_end(f, NULL, 1);
}

static enum doc_status word_event(struct doc_xml *x, enum doc_xml_event ev, void *data, char **detail)
{
	struct word *w = data;
	if (ev == DOC_XML_START)
		word_start(x, w);
	else if (ev == DOC_XML_END)
		word_end(x, w);
	else if (ev == DOC_XML_TEXT && w->in_t)
		doc_flow_text(w->flow, doc_xml_text(x), -1);
	return DOC_OK;
}

/* One part of the document (the body, a header) into lines. */
static enum doc_status word_part(struct doc_zip *z, const char *path, const struct form_spec *spec, GString *out,
				 char **detail)
{
	g_autoptr(GBytes) bytes = NULL;
	enum doc_status st = doc_zip_read(z, path, &bytes, detail);
	if (st != DOC_OK)
		return st;
	g_autoptr(doc_flow) f = doc_flow_new(out, 0, spec);
	struct word w = { .flow = f };
	st = doc_xml_walk(bytes, path, word_event, &w, detail);
	if (st == DOC_OK)
		doc_flow_finish(f);
	return st;
}

enum doc_status doc_read_docx(struct doc_zip *z, const struct form_spec *spec, GString *out, char **detail)
{
	g_autoptr(GPtrArray) parts = doc_zip_list(z, "word");
	for (guint i = 0; i < parts->len; i++) {
		const char *name = parts->pdata[i];
		if (!g_str_has_prefix(name, "header") || !g_str_has_suffix(name, ".xml"))
			continue;
		g_autofree char *path = g_strconcat("word/", name, NULL);
		enum doc_status st = word_part(z, path, spec, out, detail);
		if (st != DOC_OK)
			return st;
	}
	return word_part(z, "word/document.xml", spec, out, detail);
}
