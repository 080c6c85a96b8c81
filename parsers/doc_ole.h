/* doc_ole: what an OLE2 compound file (legacy Office) that is not an Excel
 * workbook FreeXL can read holds, told from its streams through libgsf. */
#ifndef NOMD_DOC_OLE_H
#define NOMD_DOC_OLE_H

#include <glib.h>

#include "document.h"

/* A "WordDocument" stream (legacy Word .doc) or an "EncryptedPackage"
 * (a password-protected .docx or .xlsx): DOC_UNSUPPORTED; anything else,
 * an OLE2 file libgsf cannot open included: DOC_UNREADABLE. Sets *detail. */
enum doc_status doc_ole_classify(const guint8 *data, gsize len, char **detail);

#endif
