/* compose: outgoing mail through GMime, written with CRLF line ends. */
#include "compose.h"

#include <gmime/gmime.h>
#include <string.h>

#include "../parsers/gmime_glue.h"
#include "util.h"

G_DEFINE_QUARK(nomd-compose-error-quark, compose_error)

static char *reply_subject(const char *subject)
{
	const char *s = subject ? subject : "";
	/* One "Re:" is enough however many the thread has collected. */
	while (g_ascii_strncasecmp(s, "re:", 3) == 0) {
		s += 3;
		while (*s == ' ' || *s == '\t')
			s++;
	}
	return *s ? g_strdup_printf("Re: %s", s) : g_strdup("Re: your nominations");
}

/* LF-only text, without control bytes other than tab and newline. */
static char *clean_body(const char *text)
{
	GString *out = g_string_sized_new(strlen(text));
	for (const char *p = text; *p; p++) {
		if (*p == '\r')
			continue;
		if ((unsigned char)*p < 0x20 && *p != '\n' && *p != '\t')
			continue;
		g_string_append_c(out, *p);
	}
	if (out->len == 0 || out->str[out->len - 1] != '\n')
		g_string_append_c(out, '\n');
	return g_string_free(out, FALSE);
}

static gboolean strict_crlf(const guint8 *data, gsize len)
{
	for (gsize i = 0; i < len; i++) {
		if (data[i] == '\n' && (i == 0 || data[i - 1] != '\r'))
			return FALSE;
		if (data[i] == '\r' && (i + 1 >= len || data[i + 1] != '\n'))
			return FALSE;
		if (data[i] == 0 || data[i] > 0x7f)
			return FALSE;
	}
	return TRUE;
}

gboolean compose_reply(const struct nomd_config *cfg, const struct parsed_message *orig, const char *text,
		       GBytes **out, char **message_id, GError **error)
{
	mime_init();
	if (!email_valid(orig->from)) {
		g_set_error(error, COMPOSE_ERROR, 0, "no valid address to reply to");
		return FALSE;
	}
	g_autoptr(GMimeMessage) msg = g_mime_message_new(TRUE);
	GMimeObject *obj = GMIME_OBJECT(msg);
	g_mime_message_add_mailbox(msg, GMIME_ADDRESS_TYPE_FROM, cfg->smtp.from_name, cfg->smtp.from_address);
	g_mime_message_add_mailbox(msg, GMIME_ADDRESS_TYPE_TO, NULL, orig->from);
	g_autofree char *subject = reply_subject(orig->subject);
	g_mime_message_set_subject(msg, subject, "utf-8");
	g_autoptr(GDateTime) now = g_date_time_new_now_local();
	g_mime_message_set_date(msg, now);

	g_autofree char *id = g_mime_utils_generate_message_id(cfg->smtp.from_domain);
	if (!msgid_valid(id)) {
		g_set_error(error, COMPOSE_ERROR, 0, "could not make a Message-ID for domain %s", cfg->smtp.from_domain);
		return FALSE;
	}
	g_mime_message_set_message_id(msg, id);

	/* Only identifiers that passed msgid_valid reach these headers. */
	if (orig->message_id) {
		g_autofree char *irt = g_strdup_printf("<%s>", orig->message_id);
		g_mime_object_set_header(obj, "In-Reply-To", irt, NULL);
		GString *refs = g_string_new(NULL);
		for (guint i = 0; orig->references && i < orig->references->len; i++)
			g_string_append_printf(refs, "<%s> ", (const char *)orig->references->pdata[i]);
		g_string_append(refs, irt);
		g_mime_object_set_header(obj, "References", refs->str, NULL);
		g_string_free(refs, TRUE);
	}
	g_mime_object_set_header(obj, "Auto-Submitted", "auto-replied", NULL);

	g_autoptr(GMimeTextPart) part = g_mime_text_part_new_with_subtype("plain");
	g_autofree char *body = clean_body(text);
	/* Always UTF-8: g_mime_text_part_set_text() would pick Latin-1 for
	 * some names, and a later set_charset() relabels without converting. */
	g_autoptr(GMimeStream) content = g_mime_stream_mem_new_with_buffer(body, strlen(body));
	g_autoptr(GMimeDataWrapper) wrapper = g_mime_data_wrapper_new_with_stream(content, GMIME_CONTENT_ENCODING_DEFAULT);
	g_mime_part_set_content(GMIME_PART(part), wrapper);
	g_mime_object_set_content_type_parameter(GMIME_OBJECT(part), "charset", "utf-8");
	g_mime_object_encode(GMIME_OBJECT(part), GMIME_ENCODING_CONSTRAINT_7BIT);
	g_mime_message_set_mime_part(msg, GMIME_OBJECT(part));

	g_autoptr(GMimeFormatOptions) fmt = g_mime_format_options_new();
	g_mime_format_options_set_newline_format(fmt, GMIME_NEWLINE_FORMAT_DOS);
	g_autoptr(GMimeStream) stream = g_mime_stream_mem_new();
	if (g_mime_object_write_to_stream(obj, fmt, stream) < 0) {
		g_set_error(error, COMPOSE_ERROR, 0, "could not write the message");
		return FALSE;
	}
	GByteArray *bytes = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(stream));
	if (!strict_crlf(bytes->data, bytes->len)) {
		g_set_error(error, COMPOSE_ERROR, 0, "composed message is not strict 7-bit CRLF");
		return FALSE;
	}
	*out = g_bytes_new(bytes->data, bytes->len);
	*message_id = g_steal_pointer(&id);
	return TRUE;
}
