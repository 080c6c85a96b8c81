/* doc_pdf: not written yet (placeholder while the readers land). */
#include "doc_read.h"

enum doc_status doc_read_pdf(const guint8 *data, gsize len, GString *out, char **detail)
{
	if (detail)
		*detail = g_strdup("this format is not read yet");
	return DOC_UNSUPPORTED;
}

