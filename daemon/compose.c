/* compose: outgoing mail through GMime, written with CRLF line ends. */
#include "compose.h"

#include <gmime/gmime.h>
#include <string.h>

#include "../parsers/gmime_glue.h"
#include "util.h"

/* clang-format off */
G_DEFINE_QUARK(nomd-compose-error-quark, compose_error)
/* clang-format on */

/* A subject we write: one line, capped, and without "=?" so that no
 * encoded-word syntax from the original reaches GMime's header encoder
 * (which can fold inside such a fragment and break the header). */
static char *safe_subject(const char *subject)
{
	GString *out = g_string_new(NULL);
	for (const char *p = subject; *p && g_utf8_strlen(out->str, -1) < 150; p = g_utf8_next_char(p)) {
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			g_string_append_c(out, ' ');
		else if (p[0] == '=' && p[1] == '?')
			g_string_append(out, "= ");
		else
			g_string_append_len(out, p, g_utf8_next_char(p) - p);
	}
	return g_string_free(out, FALSE);
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

/* A UTF-8 text part. Always UTF-8: g_mime_text_part_set_text() would pick
 * Latin-1 for some names, and a later set_charset() relabels without
 * converting. GMime picks quoted-printable or base64 to keep it 7-bit. */
static GMimeObject *text_part(const char *subtype, const char *content_text)
{
	GMimeTextPart *part = g_mime_text_part_new_with_subtype(subtype);
	g_autoptr(GMimeStream) content = g_mime_stream_mem_new_with_buffer(content_text, strlen(content_text));
	g_autoptr(GMimeDataWrapper) wrapper =
		g_mime_data_wrapper_new_with_stream(content, GMIME_CONTENT_ENCODING_DEFAULT);
	g_mime_part_set_content(GMIME_PART(part), wrapper);
	g_mime_object_set_content_type_parameter(GMIME_OBJECT(part), "charset", "utf-8");
	g_mime_object_encode(GMIME_OBJECT(part), GMIME_ENCODING_CONSTRAINT_7BIT);
	return GMIME_OBJECT(part);
}

char *compose_message_id(const struct nomd_config *cfg, GError **error)
{
	mime_init();
	char *id = g_mime_utils_generate_message_id(cfg->smtp.from_domain);
	if (!msgid_valid(id)) {
		g_set_error(error, COMPOSE_ERROR, 0, "could not make a Message-ID for domain %s",
			    cfg->smtp.from_domain);
		g_free(id);
		return NULL;
	}
	return id;
}

void compose_thread(const struct parsed_message *orig, char **in_reply_to, char **references)
{
	*in_reply_to = *references = NULL;
	/* Only identifiers that passed msgid_valid reach these headers. */
	if (!orig->message_id)
		return;
	*in_reply_to = g_strdup_printf("<%s>", orig->message_id);
	GString *refs = g_string_new(NULL);
	for (guint i = 0; orig->references && i < orig->references->len; i++)
		g_string_append_printf(refs, "<%s> ", (const char *)orig->references->pdata[i]);
	g_string_append(refs, *in_reply_to);
	*references = g_string_free(refs, FALSE);
}

/* The common part of every message nomd writes: From, To, Subject, Date,
 * Message-ID, and the text alone or with an HTML alternative. */
/* A file as a MIME part, base64, so that its bytes arrive exactly. */
static GMimePart *file_part(const struct compose_attachment *att)
{
	g_auto(GStrv) media = g_strsplit(att->type, "/", 2);
	GMimePart *part = g_mime_part_new_with_type(media[0], media[1] ? media[1] : "octet-stream");
	if (g_str_has_prefix(att->type, "text/"))
		g_mime_object_set_content_type_parameter(GMIME_OBJECT(part), "charset", "utf-8");
	gsize len = 0;
	const void *data = g_bytes_get_data(att->data, &len);
	g_autoptr(GMimeStream) content = g_mime_stream_mem_new_with_buffer(data, len);
	g_autoptr(GMimeDataWrapper) wrapper =
		g_mime_data_wrapper_new_with_stream(content, GMIME_CONTENT_ENCODING_DEFAULT);
	g_mime_part_set_content(part, wrapper);
	g_mime_part_set_filename(part, att->filename);
	g_mime_part_set_content_encoding(part, GMIME_CONTENT_ENCODING_BASE64);
	return part;
}

/* The HTML part and the picture it shows, as one multipart/related;
 * takes `html`'s reference. */
static GMimeObject *with_picture(GMimeObject *html, const struct compose_attachment *img, const char *content_id)
{
	GMimeMultipart *related = g_mime_multipart_new_with_subtype("related");
	g_mime_object_set_content_type_parameter(GMIME_OBJECT(related), "type", "text/html");
	g_mime_multipart_add(related, html);
	g_object_unref(html);
	GMimePart *part = file_part(img);
	g_mime_object_set_disposition(GMIME_OBJECT(part), GMIME_DISPOSITION_INLINE);
	g_mime_part_set_filename(part, img->filename);
	g_mime_part_set_content_id(part, content_id);
	g_mime_multipart_add(related, GMIME_OBJECT(part));
	g_object_unref(part);
	return GMIME_OBJECT(related);
}

static GMimeMessage *new_message(const struct nomd_config *cfg, const struct compose_head *h, const char *subject,
				 const char *text, const char *html, GError **error)
{
	if (!email_valid(h->to)) {
		g_set_error(error, COMPOSE_ERROR, 0, "no valid address to write to");
		return NULL;
	}
	if (!msgid_valid(h->message_id)) {
		g_set_error(error, COMPOSE_ERROR, 0, "no valid Message-ID");
		return NULL;
	}
	GMimeMessage *msg = g_mime_message_new(TRUE);
	g_mime_message_add_mailbox(msg, GMIME_ADDRESS_TYPE_FROM, cfg->smtp.from_name, cfg->smtp.from_address);
	g_mime_message_add_mailbox(msg, GMIME_ADDRESS_TYPE_TO, NULL, h->to);
	/* GMime encodes the subject (RFC 2047). */
	g_autofree char *clean_subject = safe_subject(subject);
	g_mime_message_set_subject(msg, clean_subject, "utf-8");
	g_autoptr(GDateTime) date = g_date_time_new_from_unix_local(h->date);
	g_mime_message_set_date(msg, date);
	g_mime_message_set_message_id(msg, h->message_id);

	g_autofree char *body = clean_body(text);
	GMimeObject *plain = text_part("plain", body);
	if (!html) {
		g_mime_message_set_mime_part(msg, plain);
	} else {
		/* Text first: readers show the last alternative they understand. */
		g_autoptr(GMimeMultipart) alt = g_mime_multipart_new_with_subtype("alternative");
		g_autofree char *html_body = clean_body(html);
		GMimeObject *rich = text_part("html", html_body);
		g_mime_multipart_add(alt, plain);
		if (h->inline_image.data && h->content_id)
			rich = with_picture(rich, &h->inline_image, h->content_id);
		g_mime_multipart_add(alt, rich);
		g_object_unref(rich);
		g_mime_message_set_mime_part(msg, GMIME_OBJECT(alt));
	}
	g_object_unref(plain);
	return msg;
}

/* Every line of the header block is a field ("Name:") or a continuation
 * (starts with a blank): what strict parsers demand. */
static gboolean header_block_ok(const guint8 *data, gsize len)
{
	gboolean line_start = TRUE;
	for (gsize i = 0; i < len; i++) {
		if (line_start) {
			if (data[i] == '\r')
				return TRUE; /* the blank line ends the header */
			if (data[i] != ' ' && data[i] != '\t') {
				gsize j = i;
				while (j < len && data[j] > ' ' && data[j] < 0x7f && data[j] != ':')
					j++;
				if (j == i || j >= len || data[j] != ':')
					return FALSE;
			}
		}
		line_start = data[i] == '\n';
	}
	return FALSE;
}

static gboolean serialise(GMimeMessage *msg, GBytes **out, GError **error)
{
	g_autoptr(GMimeFormatOptions) fmt = g_mime_format_options_new();
	g_mime_format_options_set_newline_format(fmt, GMIME_NEWLINE_FORMAT_DOS);
	g_autoptr(GMimeStream) stream = g_mime_stream_mem_new();
	if (g_mime_object_write_to_stream(GMIME_OBJECT(msg), fmt, stream) < 0) {
		g_set_error(error, COMPOSE_ERROR, 0, "could not write the message");
		return FALSE;
	}
	GByteArray *bytes = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(stream));
	if (!strict_crlf(bytes->data, bytes->len) || !header_block_ok(bytes->data, bytes->len)) {
		g_set_error(error, COMPOSE_ERROR, COMPOSE_ERROR_SYNTAX,
			    "composed message is not well-formed 7-bit CRLF");
		return FALSE;
	}
	*out = g_bytes_new(bytes->data, bytes->len);
	return TRUE;
}

/* The message's body becomes the first part of a multipart/mixed, the
 * attachment the second: base64, so that its bytes (a byte order mark,
 * CRLF rows, a binary document) arrive exactly as written. */
static void attach(GMimeMessage *msg, const struct compose_attachment *att)
{
	g_autoptr(GMimeMultipart) mixed = g_mime_multipart_new_with_subtype("mixed");
	g_mime_multipart_add(mixed, g_mime_message_get_mime_part(msg));
	GMimePart *part = file_part(att);
	g_mime_multipart_add(mixed, GMIME_OBJECT(part));
	g_object_unref(part);
	g_mime_message_set_mime_part(msg, GMIME_OBJECT(mixed));
}

/* The calendar as the last alternative: Outlook, Gmail and Apple Mail show
 * their Accept and Decline buttons for it. */
static gboolean add_calendar(GMimeMessage *msg, const char *calendar, const char *method, GError **error)
{
	GMimeObject *body = g_mime_message_get_mime_part(msg);
	if (!GMIME_IS_MULTIPART(body)) {
		g_set_error(error, COMPOSE_ERROR, COMPOSE_ERROR_FAILED, "an invitation needs an HTML part");
		return FALSE;
	}
	GMimeObject *cal = text_part("calendar", calendar);
	g_mime_object_set_content_type_parameter(cal, "method", method);
	g_mime_multipart_add(GMIME_MULTIPART(body), cal);
	g_object_unref(cal);
	return TRUE;
}

static gboolean compose_with(const struct nomd_config *cfg, const struct compose_head *h, const char *subject,
			     const char *text, const char *html, GBytes **out, GError **error)
{
	g_autoptr(GMimeMessage) msg = new_message(cfg, h, subject, text, html, error);
	if (!msg)
		return FALSE;
	for (guint i = 0; h->cc && i < h->cc->len; i++)
		if (email_valid(h->cc->pdata[i]))
			g_mime_message_add_mailbox(msg, GMIME_ADDRESS_TYPE_CC, NULL, h->cc->pdata[i]);
	if (h->calendar && !add_calendar(msg, h->calendar, h->calendar_method, error))
		return FALSE;
	if (h->attachment.data)
		attach(msg, &h->attachment);
	GMimeObject *obj = GMIME_OBJECT(msg);
	/* The caller's threading headers come from compose_thread(). */
	if (h->in_reply_to)
		g_mime_object_set_header(obj, "In-Reply-To", h->in_reply_to, NULL);
	if (h->references)
		g_mime_object_set_header(obj, "References", h->references, NULL);
	g_mime_object_set_header(obj, "Auto-Submitted", h->reply ? "auto-replied" : "auto-generated", NULL);
	return serialise(msg, out, error);
}

gboolean compose_mail(const struct nomd_config *cfg, const struct compose_head *h, const char *subject,
		      const char *text, const char *html, GBytes **out, GError **error)
{
	mime_init();
	g_autoptr(GError) local = NULL;
	if (compose_with(cfg, h, subject, text, html, out, &local))
		return TRUE;
	if (!g_error_matches(local, COMPOSE_ERROR, COMPOSE_ERROR_SYNTAX)) {
		g_propagate_error(error, g_steal_pointer(&local));
		return FALSE;
	}
	/* Whatever upset the encoder (the original's subject, a name from a
	 * form), a plain subject will do. */
	return compose_with(cfg, h, h->reply ? "Re: your nominations" : cfg->programme.name, text, html, out, error);
}
