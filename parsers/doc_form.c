/* doc_form: the blank nomination form as a Word document, made from the
 * text form (templates/blank-form.txt) so that the two never drift apart.
 * A "Label: (hint)" line becomes a row of a two-column table, label left,
 * answer right (the hint stays there, in grey: form.c ignores a value in
 * parentheses, so an untouched hint is no answer); a section line
 * ("Member 1") becomes a heading, and each role's first section is
 * repeated `sections` times; any other line is a paragraph. Read back
 * through doc_read_docx, a filled copy gives the form's own lines. The
 * roles and labels are those of the spec the form is made for: a
 * programme's own fields become rows too, and its roles' labels head the
 * sections. A long field's answer goes in its cell, so its hint is the
 * word limit alone, whatever the text form says of lines below. */
#include "doc_read.h"

#include <string.h>

#include "doc_zip.h"
#include "form.h"

#define W_NS "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
#define REL_NS "http://schemas.openxmlformats.org/package/2006/relationships"
#define OFFICE_REL "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
#define LABEL_WIDTH 3400 /* twentieths of a point */
#define ANSWER_WIDTH 5600

static const char content_types[] =
	"<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n"
	"<Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\">"
	"<Default Extension=\"rels\" ContentType=\"application/vnd.openxmlformats-package.relationships+xml\"/>"
	"<Default Extension=\"xml\" ContentType=\"application/xml\"/>"
	"<Override PartName=\"/word/document.xml\" "
	"ContentType=\"application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml\"/>"
	"<Override PartName=\"/word/styles.xml\" "
	"ContentType=\"application/vnd.openxmlformats-officedocument.wordprocessingml.styles+xml\"/>"
	"</Types>";

static const char package_rels[] = "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n"
				   "<Relationships xmlns=\"" REL_NS "\">"
				   "<Relationship Id=\"rId1\" Type=\"" OFFICE_REL "/officeDocument\" "
				   "Target=\"word/document.xml\"/></Relationships>";

static const char document_rels[] = "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n"
				    "<Relationships xmlns=\"" REL_NS "\">"
				    "<Relationship Id=\"rId1\" Type=\"" OFFICE_REL "/styles\" Target=\"styles.xml\"/>"
				    "</Relationships>";

static const char styles[] =
	"<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n"
	"<w:styles xmlns:w=\"" W_NS "\">"
	"<w:docDefaults><w:rPrDefault><w:rPr><w:rFonts w:ascii=\"Arial\" w:hAnsi=\"Arial\" w:cs=\"Arial\"/>"
	"<w:sz w:val=\"22\"/></w:rPr></w:rPrDefault>"
	"<w:pPrDefault><w:pPr><w:spacing w:after=\"120\"/></w:pPr></w:pPrDefault></w:docDefaults>"
	"<w:style w:type=\"paragraph\" w:default=\"1\" w:styleId=\"Normal\"><w:name w:val=\"Normal\"/></w:style>"
	"<w:style w:type=\"paragraph\" w:styleId=\"Heading2\"><w:name w:val=\"heading 2\"/>"
	"<w:basedOn w:val=\"Normal\"/><w:next w:val=\"Normal\"/><w:qFormat/>"
	"<w:pPr><w:keepNext/><w:spacing w:before=\"360\" w:after=\"120\"/><w:outlineLvl w:val=\"1\"/></w:pPr>"
	"<w:rPr><w:b/><w:sz w:val=\"28\"/></w:rPr></w:style>"
	"</w:styles>";

/* Text as XML character data: valid UTF-8, no control characters (XML 1.0
 * has no way to write them), markup escaped. */
static void xml_text(GString *x, const char *text)
{
	g_autofree char *valid = g_utf8_make_valid(text, -1);
	for (char *p = valid; *p; p++)
		if ((guchar)*p < 0x20 && *p != '\t')
			*p = ' ';
	g_autofree char *escaped = g_markup_escape_text(valid, -1);
	g_string_append(x, escaped);
}

/* A run of text; `style` is run properties ("<w:b/>") or "". */
static void run(GString *x, const char *text, const char *style)
{
	g_string_append_printf(x, "<w:r>%s%s%s<w:t xml:space=\"preserve\">", *style ? "<w:rPr>" : "", style,
			       *style ? "</w:rPr>" : "");
	xml_text(x, text);
	g_string_append(x, "</w:t></w:r>");
}

static void paragraph(GString *x, const char *text, const char *pstyle)
{
	g_string_append(x, "<w:p>");
	if (pstyle)
		g_string_append_printf(x, "<w:pPr><w:pStyle w:val=\"%s\"/></w:pPr>", pstyle);
	if (*text)
		run(x, text, "");
	g_string_append(x, "</w:p>");
}

static void cell(GString *x, guint width, const char *text, const char *style)
{
	g_string_append_printf(x, "<w:tc><w:tcPr><w:tcW w:w=\"%u\" w:type=\"dxa\"/></w:tcPr><w:p>", width);
	if (*text)
		run(x, text, style);
	g_string_append(x, "</w:p></w:tc>");
}

static void table_start(GString *x)
{
	g_string_append(x, "<w:tbl><w:tblPr><w:tblW w:w=\"0\" w:type=\"auto\"/><w:tblBorders>");
	static const char *const sides[] = { "top", "left", "bottom", "right", "insideH", "insideV" };
	for (size_t i = 0; i < G_N_ELEMENTS(sides); i++)
		g_string_append_printf(x, "<w:%s w:val=\"single\" w:sz=\"4\" w:space=\"0\" w:color=\"808080\"/>",
				       sides[i]);
	g_string_append_printf(x,
			       "</w:tblBorders><w:tblLayout w:type=\"fixed\"/></w:tblPr>"
			       "<w:tblGrid><w:gridCol w:w=\"%d\"/><w:gridCol w:w=\"%d\"/></w:tblGrid>",
			       LABEL_WIDTH, ANSWER_WIDTH);
}

/* One row: "Service type" | "(corporate, strategic or operational)". */
static void table_row(GString *x, const char *label, const char *hint)
{
	g_string_append(x, "<w:tr>");
	cell(x, LABEL_WIDTH, label, "<w:b/>");
	cell(x, ANSWER_WIDTH, hint, "<w:i/><w:color w:val=\"808080\"/>");
	g_string_append(x, "</w:tr>");
}

/* The blank form's lines, sorted into what the document is made of. */
enum line_kind { LINE_BLANK, LINE_SECTION, LINE_FIELD, LINE_TEXT };

struct line {
	enum line_kind kind;
	enum nominee_role role; /* LINE_SECTION */
	char *label;		/* LINE_FIELD: "Name"; else the whole line */
	char *hint;		/* LINE_FIELD: what follows the colon */
};

/* "Member 1", "Mentor": a section line. */
static gboolean section_line(const struct form_spec *spec, const char *line, enum nominee_role *role)
{
	g_auto(GStrv) words = g_strsplit(line, " ", 3);
	if (!words[0] || !form_role_value_spec(spec, words[0], role))
		return FALSE;
	guint64 n;
	return !words[1] || (!words[2] && g_ascii_string_to_unsigned(words[1], 10, 0, 999, &n, NULL));
}

/* The hint of a long field in the Word form: its word limit, if any. */
static char *long_hint(const struct form_spec *spec, const char *label, const char *hint)
{
	g_autofree char *folded = form_spec_fold(label);
	const struct form_field *f = form_spec_field(spec, folded);
	if (!f || f->type != FIELD_LONG)
		return g_strdup(hint);
	return f->max_words ? g_strdup_printf("(up to %u words)", f->max_words) : g_strdup("");
}

static struct line classify(const struct form_spec *spec, const char *raw)
{
	g_autofree char *text = g_strstrip(g_strdup(raw));
	struct line l = { .kind = LINE_TEXT };
	const char *colon = strchr(text, ':');
	g_autofree char *label = colon ? g_strstrip(g_strndup(text, colon - text)) : NULL;
	if (!*text)
		l.kind = LINE_BLANK;
	else if (section_line(spec, text, &l.role))
		l.kind = LINE_SECTION;
	else if (label && *label && form_column_kind_spec(spec, label) != FORM_COLUMN_OTHER) {
		l.kind = LINE_FIELD;
		g_autofree char *hint = g_strstrip(g_strdup(colon + 1));
		l.hint = long_hint(spec, label, hint);
		l.label = g_steal_pointer(&label);
		return l;
	}
	l.label = g_steal_pointer(&text);
	return l;
}

/* Lines from `from` up to the next section line (or the end), as
 * paragraphs and tables. */
static void write_lines(const struct form_spec *spec, GString *x, char **lines, gsize from)
{
	gboolean in_table = FALSE;
	for (gsize i = from; lines[i]; i++) {
		struct line l = classify(spec, lines[i]);
		gboolean stop = l.kind == LINE_SECTION;
		if (in_table && l.kind != LINE_FIELD) {
			g_string_append(x, "</w:tbl>");
			in_table = FALSE;
		}
		if (l.kind == LINE_FIELD) {
			if (!in_table)
				table_start(x);
			in_table = TRUE;
			table_row(x, l.label, l.hint);
		} else if (l.kind == LINE_TEXT) {
			paragraph(x, l.label, NULL);
		}
		g_free(l.label);
		g_free(l.hint);
		if (stop)
			break;
	}
	if (in_table)
		g_string_append(x, "</w:tbl>");
}

/* Where each role's first section starts, in the order the roles come. */
static guint section_starts(const struct form_spec *spec, char **lines, gsize *starts, enum nominee_role *roles)
{
	guint n = 0;
	for (gsize i = 0; lines[i] && n < 2; i++) {
		enum nominee_role role;
		g_autofree char *t = g_strstrip(g_strdup(lines[i]));
		if (!section_line(spec, t, &role) || (n == 1 && roles[0] == role))
			continue;
		roles[n] = role;
		starts[n++] = i + 1;
	}
	return n;
}

static GString *document_xml(const struct form_spec *spec, const char *form_text, guint sections)
{
	GString *x = g_string_new("<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n"
				  "<w:document xmlns:w=\"" W_NS "\"><w:body>");
	g_auto(GStrv) all = g_strsplit_set(form_text, "\r\n", -1);
	/* A template's tags ({{...}}: a programme's own fields, filled in
	 * when mail is written) have no place in the built-in document. */
	g_autoptr(GPtrArray) kept = g_ptr_array_new();
	for (gsize i = 0; all[i]; i++)
		if (!strstr(all[i], "{{"))
			g_ptr_array_add(kept, all[i]);
	g_ptr_array_add(kept, NULL);
	char **lines = (char **)kept->pdata;
	gsize starts[2];
	enum nominee_role roles[2];
	guint n = section_starts(spec, lines, starts, roles);
	write_lines(spec, x, lines, 0);
	for (guint r = 0; r < n; r++)
		for (guint i = 1; i <= sections; i++) {
			const struct form_role *role = spec->roles->pdata[roles[r]];
			g_autofree char *heading = g_strdup_printf("%s %u", role->label, i);
			paragraph(x, heading, "Heading2");
			write_lines(spec, x, lines, starts[r]);
		}
	paragraph(x, "", NULL);
	g_string_append(x, "<w:sectPr><w:pgSz w:w=\"11906\" w:h=\"16838\"/>"
			   "<w:pgMar w:top=\"1440\" w:right=\"1440\" w:bottom=\"1440\" w:left=\"1440\" "
			   "w:header=\"708\" w:footer=\"708\" w:gutter=\"0\"/></w:sectPr></w:body></w:document>");
	return x;
}

gboolean doc_write_form_docx(const char *form_text, guint sections, const struct form_spec *spec, GBytes **out,
			     GError **error)
{
	g_autoptr(GString) doc = document_xml(spec ? spec : form_spec_builtin(), form_text, MAX(sections, 1));
	const struct {
		const char *path, *data;
		gsize len;
	} parts[] = {
		{ "[Content_Types].xml", content_types, sizeof content_types - 1 },
		{ "_rels/.rels", package_rels, sizeof package_rels - 1 },
		{ "word/document.xml", doc->str, doc->len },
		{ "word/_rels/document.xml.rels", document_rels, sizeof document_rels - 1 },
		{ "word/styles.xml", styles, sizeof styles - 1 },
	};
	struct doc_zip_writer *w = doc_zip_writer_new();
	for (size_t i = 0; i < G_N_ELEMENTS(parts); i++)
		if (!doc_zip_writer_add(w, parts[i].path, parts[i].data, parts[i].len, FALSE, error)) {
			doc_zip_writer_free(w);
			return FALSE;
		}
	*out = doc_zip_writer_finish(w, error);
	return *out != NULL;
}
