/* doc_zip_write: the writing half of doc_zip.h, a ZIP package built in
 * memory through libgsf (the blank form as .docx). Members are named by
 * their full path, so no directory entries are written: OOXML packages
 * have none. */
#include "doc_zip.h"

#include <gsf/gsf-outfile-zip.h>
#include <gsf/gsf-outfile.h>
#include <gsf/gsf-output-memory.h>

struct doc_zip_writer {
	GsfOutput *sink;
	GsfOutfile *zip;
};

static gboolean write_failed(GError **error, const char *what)
{
	g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_FAILED, "libgsf could not write %s", what);
	return FALSE;
}

struct doc_zip_writer *doc_zip_writer_new(void)
{
	struct doc_zip_writer *w = g_new0(struct doc_zip_writer, 1);
	w->sink = gsf_output_memory_new();
	w->zip = gsf_outfile_zip_new(w->sink, NULL);
	return w;
}

void doc_zip_writer_free(struct doc_zip_writer *w)
{
	if (!w)
		return;
	if (w->zip)
		g_object_unref(w->zip);
	g_object_unref(w->sink);
	g_free(w);
}

gboolean doc_zip_writer_add(struct doc_zip_writer *w, const char *path, const char *data, gsize len, gboolean stored,
			    GError **error)
{
	if (!w->zip)
		return write_failed(error, "zip writer");
	GsfOutput *member = gsf_outfile_new_child_full(w->zip, path, FALSE, "compression-level",
						       stored ? GSF_ZIP_STORED : GSF_ZIP_DEFLATED, NULL);
	if (!member)
		return write_failed(error, path);
	gboolean ok = gsf_output_write(member, len, (const guint8 *)data);
	ok = gsf_output_close(member) && ok;
	g_object_unref(member);
	if (!ok)
		return write_failed(error, path);
	return TRUE;
}

GBytes *doc_zip_writer_finish(struct doc_zip_writer *w, GError **error)
{
	GBytes *out = NULL;
	if (!w->zip || !gsf_output_close(GSF_OUTPUT(w->zip)) || !gsf_output_close(w->sink)) {
		write_failed(error, "finishing the zip archive");
	} else {
		const guint8 *data = gsf_output_memory_get_bytes(GSF_OUTPUT_MEMORY(w->sink));
		out = g_bytes_new(data, gsf_output_size(w->sink));
	}
	doc_zip_writer_free(w);
	return out;
}
