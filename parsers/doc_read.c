/* doc_read: placeholder dispatcher while the readers land. */
#include "doc_read.h"

#include <string.h>

#include "doc_zip.h"

enum doc_status doc_read(const guint8 *data, gsize len, GString *out, char **detail)
{
	if (len >= 5 && memcmp(data, "%PDF-", 5) == 0)
		return doc_read_pdf(data, len, out, detail);
	if (len >= 8 && memcmp(data, "\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", 8) == 0)
		return doc_read_xls(data, len, out, detail);
	g_autoptr(doc_zip) z = NULL;
	enum doc_status st = doc_zip_open(data, len, &z, detail);
	if (st != DOC_OK)
		return st;
	if (doc_zip_has(z, "word/document.xml"))
		return doc_read_docx(z, out, detail);
	if (doc_zip_has(z, "xl/workbook.xml"))
		return doc_read_xlsx(z, out, detail);
	return DOC_UNREADABLE;
}

gboolean doc_write_form_docx(const char *form_text, guint sections, GBytes **out, GError **error)
{
	g_set_error_literal(error, G_FILE_ERROR, G_FILE_ERROR_NOSYS, "not written yet");
	return FALSE;
}
