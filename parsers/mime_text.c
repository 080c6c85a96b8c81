/* mime_text: see mime_text.h. Only nomd's own composed mail comes here:
 * it is parsed, never re-serialised. */
#include "mime_text.h"

#include <gmime/gmime.h>

#include "gmime_glue.h"
#include "mime.h"

char *mime_fold(const char *text, gssize len)
{
	if (len < 0)
		len = (gssize)strlen(text);
	if (!g_utf8_validate(text, len, NULL))
		return g_ascii_strdown(text, len);
	g_autofree char *folded = g_utf8_casefold(text, len);
	return g_utf8_normalize(folded, -1, G_NORMALIZE_ALL_COMPOSE);
}

static void add_headers(GString *out, GMimeObject *obj)
{
	GMimeHeaderList *headers = g_mime_object_get_header_list(obj);
	int n = g_mime_header_list_get_count(headers);
	for (int i = 0; i < n; i++) {
		GMimeHeader *h = g_mime_header_list_get_header_at(headers, i);
		const char *raw = g_mime_header_get_raw_value(h);
		g_autofree char *decoded = raw ? g_mime_utils_header_decode_text(NULL, raw) : NULL;
		g_string_append(out, decoded ? decoded : "");
		g_string_append_c(out, '\n');
	}
}

static void add_part(GMimeObject *parent, GMimeObject *part, gpointer data)
{
	GString *out = data;
	add_headers(out, part);
	if (!GMIME_IS_PART(part))
		return;
	GMimeDataWrapper *content = g_mime_part_get_content(GMIME_PART(part));
	if (!content)
		return;
	g_autoptr(GMimeStream) mem = g_mime_stream_mem_new();
	if (g_mime_data_wrapper_write_to_stream(content, mem) < 0)
		return;
	GByteArray *bytes = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(mem));
	g_string_append_len(out, (const char *)bytes->data, bytes->len);
	g_string_append_c(out, '\n');
}

char *mime_searchable_text(const void *data, gsize len)
{
	mime_init();
	g_autoptr(GString) text = g_string_new(NULL);
	g_autoptr(GMimeStream) stream = g_mime_stream_mem_new_with_buffer(data, len);
	g_autoptr(GMimeParser) parser = g_mime_parser_new_with_stream(stream);
	g_autoptr(GMimeMessage) msg = g_mime_parser_construct_message(parser, NULL);
	if (msg) {
		add_headers(text, GMIME_OBJECT(msg));
		g_mime_message_foreach(msg, add_part, text);
	}
	return mime_fold(text->str, (gssize)text->len);
}
