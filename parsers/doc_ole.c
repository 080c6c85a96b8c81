/* doc_ole: naming the legacy Office files nomd does not read, so that the
 * sender can be told why (parsers/doc_ole.h). Only the directory of the
 * compound file is looked at, never a stream's contents. */
#include "doc_ole.h"

#include <gsf/gsf-infile-msole.h>
#include <gsf/gsf-infile.h>
#include <gsf/gsf-input-memory.h>

G_DEFINE_AUTOPTR_CLEANUP_FUNC(GsfInput, g_object_unref)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(GsfInfile, g_object_unref)

static void set_detail(char **detail, const char *text)
{
	if (detail)
		*detail = g_strdup(text);
}

enum doc_status doc_ole_classify(const guint8 *data, gsize len, char **detail)
{
	g_autoptr(GsfInput) input = gsf_input_memory_new(data, len, FALSE);
	g_autoptr(GError) error = NULL;
	g_autoptr(GsfInfile) ole = gsf_infile_msole_new(input, &error);
	if (!ole) {
		set_detail(detail, "damaged OLE2 compound file");
		return DOC_UNREADABLE;
	}
	g_autoptr(GsfInput) word = gsf_infile_child_by_name(ole, "WordDocument");
	if (word) {
		set_detail(detail, "legacy Word .doc document");
		return DOC_UNSUPPORTED;
	}
	g_autoptr(GsfInput) encrypted = gsf_infile_child_by_name(ole, "EncryptedPackage");
	if (encrypted) {
		set_detail(detail, "password-protected Office document");
		return DOC_UNSUPPORTED;
	}
	set_detail(detail, "OLE2 file that is neither an Excel workbook nor a Word document");
	return DOC_UNREADABLE;
}
