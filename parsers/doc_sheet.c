/* doc_sheet: not written yet (placeholder while the readers land). */
#include "doc_read.h"

enum doc_status doc_read_xlsx(struct doc_zip *z, GString *out, char **detail)
{
	if (detail)
		*detail = g_strdup("this format is not read yet");
	return DOC_UNSUPPORTED;
}

enum doc_status doc_read_ods(struct doc_zip *z, GString *out, char **detail)
{
	if (detail)
		*detail = g_strdup("this format is not read yet");
	return DOC_UNSUPPORTED;
}

