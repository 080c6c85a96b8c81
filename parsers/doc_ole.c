/* doc_ole: the only place that reads or writes OLE2 compound files
 * (parsers/doc_ole.h). Only the directory and the workbook stream are
 * read; the stream's contents are copied, not interpreted. */
#include "doc_ole.h"

#include <gsf/gsf-infile-msole.h>
#include <gsf/gsf-infile.h>
#include <gsf/gsf-input-memory.h>
#include <gsf/gsf-outfile-msole.h>
#include <gsf/gsf-outfile.h>
#include <gsf/gsf-output-memory.h>

G_DEFINE_AUTOPTR_CLEANUP_FUNC(GsfInput, g_object_unref)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(GsfInfile, g_object_unref)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(GsfOutput, g_object_unref)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(GsfOutfile, g_object_unref)

#define CHUNK 65536

static enum doc_status fail(enum doc_status st, char **detail, const char *text)
{
	if (detail)
		*detail = g_strdup(text);
	return st;
}

/* Why an OLE2 file without a workbook is not read. */
static enum doc_status not_a_workbook(GsfInfile *ole, char **detail)
{
	g_autoptr(GsfInput) word = gsf_infile_child_by_name(ole, "WordDocument");
	if (word)
		return fail(DOC_UNSUPPORTED, detail, "legacy Word .doc document");
	g_autoptr(GsfInput) encrypted = gsf_infile_child_by_name(ole, "EncryptedPackage");
	if (encrypted)
		return fail(DOC_UNSUPPORTED, detail, "password-protected Office document");
	return fail(DOC_UNREADABLE, detail, "OLE2 file that is neither an Excel workbook nor a Word document");
}

/* The stream's bytes, read in chunks up to DOC_MAX_INPUT (its declared
 * size is the sender's word). */
static enum doc_status read_stream(GsfInput *in, GByteArray *buf, char **detail)
{
	for (gsf_off_t left = gsf_input_remaining(in); left > 0; left = gsf_input_remaining(in)) {
		size_t n = (size_t)MIN(left, (gsf_off_t)CHUNK);
		if (buf->len + n > DOC_MAX_INPUT)
			return fail(DOC_TOO_COMPLEX, detail, "Excel workbook stream over the input cap");
		const guint8 *p = gsf_input_read(in, n, NULL);
		if (!p)
			return fail(DOC_UNREADABLE, detail, "damaged OLE2 compound file");
		g_byte_array_append(buf, p, n);
	}
	return DOC_OK;
}

static GBytes *wrap_stream(const char *name, const GByteArray *buf)
{
	g_autoptr(GsfOutput) sink = gsf_output_memory_new();
	g_autoptr(GsfOutfile) ole = gsf_outfile_msole_new(sink);
	g_autoptr(GsfOutput) stream = gsf_outfile_new_child(ole, name, FALSE);
	gboolean ok = gsf_output_write(stream, buf->len, buf->data);
	ok = gsf_output_close(stream) && ok;
	ok = gsf_output_close(GSF_OUTPUT(ole)) && ok; /* closes the sink too */
	ok = (gsf_output_is_closed(sink) || gsf_output_close(sink)) && ok;
	if (!ok)
		return NULL;
	return g_bytes_new(gsf_output_memory_get_bytes(GSF_OUTPUT_MEMORY(sink)), gsf_output_size(sink));
}

enum doc_status doc_ole_workbook(const guint8 *data, gsize len, GBytes **out, char **detail)
{
	g_autoptr(GsfInput) input = gsf_input_memory_new(data, len, FALSE);
	g_autoptr(GError) error = NULL;
	g_autoptr(GsfInfile) ole = gsf_infile_msole_new(input, &error);
	if (!ole)
		return fail(DOC_UNREADABLE, detail, "damaged OLE2 compound file");
	const char *name = "Workbook";
	g_autoptr(GsfInput) book = gsf_infile_child_by_name(ole, name);
	if (!book)
		book = gsf_infile_child_by_name(ole, name = "Book");
	if (!book)
		return not_a_workbook(ole, detail);
	g_autoptr(GByteArray) buf = g_byte_array_new();
	enum doc_status st = read_stream(book, buf, detail);
	if (st != DOC_OK)
		return st;
	*out = wrap_stream(name, buf);
	return *out ? DOC_OK : fail(DOC_FAILED, detail, "could not copy the workbook stream");
}
