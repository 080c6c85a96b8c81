/* doc_word: not written yet (placeholder while the readers land). */
#include "doc_read.h"

enum doc_status doc_read_docx(struct doc_zip *z, GString *out, char **detail)
{
	if (detail)
		*detail = g_strdup("this format is not read yet");
	return DOC_UNSUPPORTED;
}

enum doc_status doc_read_odt(struct doc_zip *z, GString *out, char **detail)
{
	if (detail)
		*detail = g_strdup("this format is not read yet");
	return DOC_UNSUPPORTED;
}

