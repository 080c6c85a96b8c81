/* doc_read: reads one office or PDF document from memory into text in the
 * form's language. Only nomd-reader links this (and libgsf, libxml2,
 * FreeXL, poppler-glib behind it); nomd never does.
 *
 * Every reader appends to `out` and returns a status; on any status but
 * DOC_OK, *detail (when `detail` is not NULL) is set to a short phrase for
 * the log ("zip member word/document.xml inflates past 32 MiB"), never
 * containing text from the document. Text written to `out` is valid UTF-8,
 * at most DOC_MAX_TEXT bytes in all. */
#ifndef NOMD_DOC_READ_H
#define NOMD_DOC_READ_H

#include <glib.h>

#include "document.h"
#include "form_spec.h"

struct doc_zip; /* doc_zip.h */

/* Any document: the format is told from the bytes (PDF, a ZIP package of
 * Word, Excel or OpenDocument, an OLE2 file of legacy Excel), not the
 * name. `spec` (every reader below takes one) is the programme's form:
 * its role words and labels tell table columns and PDF fields apart, and
 * its role labels head the sections written; NULL: the built-in form. */
enum doc_status doc_read(const guint8 *data, gsize len, const struct form_spec *spec, GString *out, char **detail);

/* Word .docx/.docm: headers, then the body: paragraphs and tables. */
enum doc_status doc_read_docx(struct doc_zip *z, const struct form_spec *spec, GString *out, char **detail);
/* OpenDocument text .odt: the same from content.xml. */
enum doc_status doc_read_odt(struct doc_zip *z, const struct form_spec *spec, GString *out, char **detail);
/* Excel .xlsx and OpenDocument .ods: each worksheet, through doc_table
 * with DOC_TABLE_SHEET. */
enum doc_status doc_read_xlsx(struct doc_zip *z, const struct form_spec *spec, GString *out, char **detail);
enum doc_status doc_read_ods(struct doc_zip *z, const struct form_spec *spec, GString *out, char **detail);
/* Legacy Excel .xls (an OLE2 file), through FreeXL. */
enum doc_status doc_read_xls(const guint8 *data, gsize len, const struct form_spec *spec, GString *out, char **detail);
/* PDF: the fields of a fillable form, else the text of each page. */
enum doc_status doc_read_pdf(const guint8 *data, gsize len, const struct form_spec *spec, GString *out, char **detail);

/* The blank nomination form as a Word document: `form_text` is the text
 * form (blank-form.txt: "Organisation: (...)", "Member 1", "Name:", ...);
 * each section becomes a heading and a two-column table, repeated so that
 * there are `sections` of each role. `spec` (NULL: the built-in form)
 * says which lines are sections and labels. The result reads back
 * through doc_read_docx into the same labels. */
gboolean doc_write_form_docx(const char *form_text, guint sections, const struct form_spec *spec, GBytes **out,
			     GError **error);

#endif
