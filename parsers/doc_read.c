/* doc_read: tells a document's format from its first bytes (never from
 * its name or declared type, both of which the sender chose) and hands
 * it to the reader for that format. */
#include "doc_read.h"

#include <string.h>

#include "doc_zip.h"

#define PDF_MAGIC_WITHIN 1024
#define OLE2_MAGIC "\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
#define ODF_TEXT "application/vnd.oasis.opendocument.text"
#define ODF_SHEET "application/vnd.oasis.opendocument.spreadsheet"

static enum doc_status fail(enum doc_status st, char **detail, const char *text)
{
	if (detail && !*detail)
		*detail = g_strdup(text);
	return st;
}

static gboolean starts_with(const guint8 *data, gsize len, const char *magic, gsize n)
{
	return len >= n && memcmp(data, magic, n) == 0;
}

/* Acrobat accepts "%PDF-" anywhere in the first kilobyte (after a mail
 * gateway's junk, say); so does nomd. */
static gboolean is_pdf(const guint8 *data, gsize len)
{
	gsize n = MIN(len, (gsize)PDF_MAGIC_WITHIN);
	return n >= 5 && memmem(data, n, "%PDF-", 5) != NULL;
}

/* The OpenDocument "mimetype" member, if any, equals `type`. */
static gboolean odf_type_is(struct doc_zip *z, const char *type)
{
	if (!doc_zip_has(z, "mimetype"))
		return FALSE;
	g_autoptr(GBytes) b = NULL;
	g_autofree char *ignored = NULL;
	if (doc_zip_read(z, "mimetype", &b, &ignored) != DOC_OK)
		return FALSE;
	gsize n;
	const char *s = g_bytes_get_data(b, &n);
	return n == strlen(type) && memcmp(s, type, n) == 0;
}

static enum doc_status read_package(const guint8 *data, gsize len, const struct form_spec *spec, GString *out,
				    char **detail)
{
	g_autoptr(doc_zip) z = NULL;
	enum doc_status st = doc_zip_open(data, len, &z, detail);
	if (st != DOC_OK)
		return st;
	if (odf_type_is(z, ODF_TEXT))
		return doc_read_odt(z, spec, out, detail);
	if (odf_type_is(z, ODF_SHEET))
		return doc_read_ods(z, spec, out, detail);
	if (doc_zip_has(z, "word/document.xml"))
		return doc_read_docx(z, spec, out, detail);
	if (doc_zip_has(z, "xl/workbook.xml"))
		return doc_read_xlsx(z, spec, out, detail);
	return fail(DOC_UNREADABLE, detail, "ZIP archive that is not a Word, Excel or OpenDocument file");
}

/* The cap on text written back, cut at a line's end where there is one,
 * never inside a character. */
static void cap_text(GString *out)
{
	if (out->len <= DOC_MAX_TEXT)
		return;
	gsize n = DOC_MAX_TEXT;
	const char *nl = g_strrstr_len(out->str, n, "\n");
	if (nl)
		n = nl - out->str + 1;
	else
		while (n > 0 && (out->str[n] & 0xc0) == 0x80)
			n--;
	g_string_truncate(out, n);
}

static enum doc_status dispatch(const guint8 *data, gsize len, const struct form_spec *spec, GString *out,
				char **detail)
{
	if (is_pdf(data, len))
		return doc_read_pdf(data, len, spec, out, detail);
	if (starts_with(data, len, OLE2_MAGIC, 8))
		return doc_read_xls(data, len, spec, out, detail);
	if (starts_with(data, len, "{\\rtf", 5))
		return fail(DOC_UNSUPPORTED, detail, "RTF document");
	if (starts_with(data, len, "PK\x03\x04", 4))
		return read_package(data, len, spec, out, detail);
	return fail(DOC_UNREADABLE, detail, "not a PDF, Word, Excel or OpenDocument file");
}

enum doc_status doc_read(const guint8 *data, gsize len, const struct form_spec *spec, GString *out, char **detail)
{
	enum doc_status st = dispatch(data, len, spec, out, detail);
	cap_text(out);
	return st;
}
