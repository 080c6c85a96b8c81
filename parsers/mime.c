/* mime: the MIME walk, v1. Reads the outer headers and the first text/plain
 * part that is not an attachment. Charsets GMime cannot convert fall back to
 * Windows-1252, the usual culprit, and then to a lossy but valid UTF-8. */
#include "mime.h"

#include <gmime/gmime.h>
#include <string.h>

#include "gmime_glue.h"

#include "../daemon/util.h"

void mime_init(void)
{
	static gsize done = 0;
	if (g_once_init_enter(&done)) {
		g_mime_init();
		g_once_init_leave(&done, 1);
	}
}

void parsed_message_free(struct parsed_message *m)
{
	if (!m)
		return;
	g_free(m->message_id);
	g_free(m->from);
	g_free(m->subject);
	if (m->references)
		g_ptr_array_unref(m->references);
	g_free(m->auto_submitted);
	g_free(m->text);
	g_free(m);
}

/* Any bytes to valid UTF-8, capped at `cap` bytes on a character boundary. */
static char *to_utf8(const char *s, gsize len, gsize cap)
{
	if (!s || len == 0)
		return g_strdup("");
	char *out = NULL;
	if (g_utf8_validate(s, len, NULL))
		out = g_strndup(s, len);
	else
		out = g_convert(s, len, "UTF-8", "WINDOWS-1252", NULL, NULL, NULL);
	if (!out)
		out = g_utf8_make_valid(s, len);
	if (strlen(out) > cap) {
		const char *end = g_utf8_find_prev_char(out, out + cap + 1);
		out[end ? end - out : 0] = '\0';
	}
	return out;
}

static char *one_line(const char *s, gsize cap)
{
	if (!s)
		return g_strdup("");
	g_autofree char *u = to_utf8(s, strlen(s), cap);
	for (char *p = u; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = ' ';
	return g_strdup(g_strstrip(u));
}

static gboolean is_attachment(GMimeObject *part)
{
	GMimeContentDisposition *d = g_mime_object_get_content_disposition(part);
	return d && g_mime_content_disposition_is_attachment(d);
}

static char *text_of(GMimeTextPart *part)
{
	GMimeDataWrapper *content = g_mime_part_get_content(GMIME_PART(part));
	if (!content)
		return NULL;
	/* Decode the transfer encoding ourselves so the charset fallback sees
	 * the raw bytes rather than GMime's already-dropped sequences. */
	g_autoptr(GMimeStream) mem = g_mime_stream_mem_new();
	g_mime_data_wrapper_write_to_stream(content, mem);
	GByteArray *bytes = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(mem));
	gsize len = MIN(bytes->len, (gsize)MIME_MAX_TEXT * 2);
	const char *charset = g_mime_text_part_get_charset(part);
	char *out = NULL;
	if (charset && g_ascii_strcasecmp(charset, "utf-8") != 0 && g_ascii_strcasecmp(charset, "us-ascii") != 0) {
		const char *iconv_name = g_mime_charset_iconv_name(charset);
		out = g_convert((const char *)bytes->data, len, "UTF-8", iconv_name, NULL, NULL, NULL);
	}
	if (out) {
		char *capped = to_utf8(out, strlen(out), MIME_MAX_TEXT);
		g_free(out);
		return capped;
	}
	/* An embedded NUL would end the text early; treat it as a space. */
	g_autofree char *copy = g_memdup2(bytes->data, len);
	for (gsize i = 0; i < len; i++)
		if (copy[i] == '\0')
			copy[i] = ' ';
	return to_utf8(copy, len, MIME_MAX_TEXT);
}

static char *find_text(GMimeObject *top)
{
	if (!top)
		return NULL;
	if (GMIME_IS_TEXT_PART(top))
		return is_attachment(top) ? NULL : text_of(GMIME_TEXT_PART(top));
	if (!GMIME_IS_MULTIPART(top))
		return NULL;
	GMimePartIter *iter = g_mime_part_iter_new(top);
	char *text = NULL;
	do {
		GMimeObject *part = g_mime_part_iter_get_current(iter);
		if (!part || !GMIME_IS_TEXT_PART(part) || is_attachment(part))
			continue;
		GMimeContentType *ct = g_mime_object_get_content_type(part);
		if (g_mime_content_type_is_type(ct, "text", "plain")) {
			text = text_of(GMIME_TEXT_PART(part));
			break;
		}
	} while (g_mime_part_iter_next(iter));
	g_mime_part_iter_free(iter);
	return text;
}

static void read_from(struct parsed_message *m, GMimeMessage *msg)
{
	InternetAddressList *list = g_mime_message_get_from(msg);
	if (!list)
		return;
	/* Flatten groups: what matters is how many mailboxes claim authorship. */
	const char *only = NULL;
	for (int i = 0; i < internet_address_list_length(list); i++) {
		InternetAddress *a = internet_address_list_get_address(list, i);
		if (INTERNET_ADDRESS_IS_MAILBOX(a)) {
			m->from_count++;
			only = internet_address_mailbox_get_addr(INTERNET_ADDRESS_MAILBOX(a));
		} else if (INTERNET_ADDRESS_IS_GROUP(a)) {
			InternetAddressList *members = internet_address_group_get_members(INTERNET_ADDRESS_GROUP(a));
			m->from_count += members ? internet_address_list_length(members) : 0;
		}
	}
	if (m->from_count == 1 && only && email_valid(only))
		m->from = g_strdup(only);
}

static void read_references(struct parsed_message *m, GMimeMessage *msg)
{
	m->references = g_ptr_array_new_with_free_func(g_free);
	const char *value = g_mime_object_get_header(GMIME_OBJECT(msg), "References");
	if (!value)
		return;
	g_autoptr(GMimeReferences) refs = g_mime_references_parse(NULL, value);
	if (!refs)
		return;
	int n = g_mime_references_length(refs);
	/* Keep the newest few: enough to thread, never an unbounded header. */
	for (int i = MAX(0, n - MIME_MAX_REFERENCES); i < n; i++) {
		const char *id = g_mime_references_get_message_id(refs, i);
		if (msgid_valid(id))
			g_ptr_array_add(m->references, g_strdup(id));
	}
}

struct parsed_message *mime_parse(const char *data, gsize len)
{
	mime_init();
	struct parsed_message *m = g_new0(struct parsed_message, 1);
	m->subject = g_strdup("");
	m->references = NULL;

	if (!data || len == 0) {
		m->references = g_ptr_array_new_with_free_func(g_free);
		return m;
	}
	g_autoptr(GMimeStream) stream = g_mime_stream_mem_new_with_buffer(data, len);
	g_autoptr(GMimeParser) parser = g_mime_parser_new_with_stream(stream);
	g_autoptr(GMimeMessage) msg = g_mime_parser_construct_message(parser, NULL);
	if (!msg) {
		m->references = g_ptr_array_new_with_free_func(g_free);
		return m;
	}
	m->parsed = TRUE;
	const char *id = g_mime_message_get_message_id(msg);
	if (msgid_valid(id))
		m->message_id = g_strdup(id);
	read_from(m, msg);
	g_free(m->subject);
	m->subject = one_line(g_mime_message_get_subject(msg), MIME_MAX_SUBJECT);
	read_references(m, msg);
	const char *auto_sub = g_mime_object_get_header(GMIME_OBJECT(msg), "Auto-Submitted");
	if (auto_sub)
		m->auto_submitted = one_line(auto_sub, 100);
	m->text = find_text(g_mime_message_get_mime_part(msg));
	return m;
}
