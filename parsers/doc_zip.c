/* doc_zip: placeholder while the ZIP reader lands. */
#include "doc_zip.h"

enum doc_status doc_zip_open(const guint8 *data, gsize len, struct doc_zip **out, char **detail)
{
	if (detail)
		*detail = g_strdup("ZIP packages are not read yet");
	return DOC_UNSUPPORTED;
}

void doc_zip_free(struct doc_zip *z)
{
}

gboolean doc_zip_has(struct doc_zip *z, const char *path)
{
	return FALSE;
}

GPtrArray *doc_zip_list(struct doc_zip *z, const char *dir)
{
	return g_ptr_array_new_with_free_func(g_free);
}

enum doc_status doc_zip_read(struct doc_zip *z, const char *path, GBytes **out, char **detail)
{
	return DOC_UNREADABLE;
}
