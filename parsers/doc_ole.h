/* doc_ole: legacy Office OLE2 compound files, through libgsf. */
#ifndef NOMD_DOC_OLE_H
#define NOMD_DOC_OLE_H

#include <glib.h>

#include "document.h"

/* The Excel workbook stream ("Workbook", or "Book" of Excel 5/95) of an
 * OLE2 file, wrapped alone in a fresh OLE2 file that libgsf writes: FreeXL
 * then parses only the BIFF records, never the sender's container (its
 * directory parsing over-reads on crafted names). No workbook stream: a
 * "WordDocument" stream (legacy Word .doc) or an "EncryptedPackage" (a
 * password-protected .docx or .xlsx) is DOC_UNSUPPORTED, anything else,
 * an OLE2 file libgsf cannot open included, DOC_UNREADABLE; a stream over
 * DOC_MAX_INPUT bytes is DOC_TOO_COMPLEX. Sets *detail on failure. */
enum doc_status doc_ole_workbook(const guint8 *data, gsize len, GBytes **out, char **detail);

#endif
