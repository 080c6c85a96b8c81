/* document: the status names and exit codes nomd and nomd-reader share. */
#include "document.h"

#include <string.h>

static const char *const status_names[DOC_STATUS_COUNT] = {
	"read", "unreadable", "unsupported", "no_text", "too_large", "too_complex", "failed",
};

const char *doc_status_name(enum doc_status s)
{
	return (unsigned)s < DOC_STATUS_COUNT ? status_names[s] : "failed";
}

enum doc_status doc_status_from_exit(int code)
{
	if (code == 0)
		return DOC_OK;
	if (code > DOC_EXIT_BASE && code < DOC_EXIT(DOC_STATUS_COUNT))
		return (enum doc_status)(code - DOC_EXIT_BASE);
	return DOC_FAILED;
}

char *doc_detail_clean(char *detail)
{
	if (!detail)
		return NULL;
	for (char *p = detail; *p; p++)
		if (*p < 0x20 || *p > 0x7e)
			*p = '?';
	if (strlen(detail) > DOC_MAX_DETAIL)
		detail[DOC_MAX_DETAIL] = '\0';
	return detail;
}
