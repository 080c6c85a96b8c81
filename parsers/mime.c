/* mime: the MIME walk.
 *
 * Each message level (the outer message, and each forwarded message/rfc822
 * inside it) contributes its first text/plain part that is not an
 * attachment, or failing that its first text/html part converted to text.
 * Forwarded levels are appended after a "Forwarded message" marker, which
 * the form reader understands. Charsets GMime cannot convert fall back to
 * Windows-1252, the usual culprit, and then to lossy but valid UTF-8.
 * Depth, part count and decoded bytes are capped; hitting a cap sets
 * `limit` and the walk stops. */
#include "mime.h"

#include <gmime/gmime.h>
#include <string.h>

#include "address.h"
#include "gmime_glue.h"
#include "html.h"
#include "mime_scan.h"

#define FORWARD_MARKER "\n\n---------- Forwarded message ---------\n"

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
	g_free(m->limit);
	g_free(m->message_id);
	g_free(m->from);
	g_free(m->subject);
	if (m->references)
		g_ptr_array_unref(m->references);
	g_free(m->in_reply_to);
	g_free(m->auto_submitted);
	g_free(m->precedence);
	g_free(m->return_path);
	g_free(m->suppress);
	if (m->auth_results)
		g_ptr_array_unref(m->auth_results);
	g_free(m->text);
	if (m->csv)
		g_ptr_array_unref(m->csv);
	if (m->calendar)
		g_ptr_array_unref(m->calendar);
	if (m->documents)
		g_ptr_array_unref(m->documents);
	g_free(m->dsn_recipient);
	g_free(m->dsn_action);
	g_free(m->dsn_status);
	g_free(m->dsn_message_id);
	g_free(m->dsn_diagnostic);
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

static void mime_document_free(struct mime_document *d)
{
	if (!d)
		return;
	g_free(d->filename);
	g_free(d->content_type);
	if (d->data)
		g_bytes_unref(d->data);
	g_free(d->detail);
	g_free(d);
}

struct walk {
	struct parsed_message *m;
	guint parts;
	gsize decoded;
	gsize document_bytes; /* decoded from documents: their own budget */
	GString *text;	      /* all levels so far */
};

static gboolean over_limit(struct walk *w, const char *what)
{
	if (!w->m->limit)
		w->m->limit = g_strdup(what);
	return FALSE;
}

static gboolean is_attachment(GMimeObject *part)
{
	GMimeContentDisposition *d = g_mime_object_get_content_disposition(part);
	return d && g_mime_content_disposition_is_attachment(d);
}

/* The content of a part, decoded as GMime's own write_to_stream() does. */
static GMimeStream *decoded_stream(GMimeDataWrapper *content)
{
	GMimeStream *raw = g_mime_data_wrapper_get_stream(content);
	g_mime_stream_reset(raw);
	GMimeContentEncoding enc = g_mime_data_wrapper_get_encoding(content);
	if (enc != GMIME_CONTENT_ENCODING_BASE64 && enc != GMIME_CONTENT_ENCODING_QUOTEDPRINTABLE &&
	    enc != GMIME_CONTENT_ENCODING_UUENCODE)
		return g_object_ref(raw);
	GMimeStream *filtered = g_mime_stream_filter_new(raw);
	g_autoptr(GMimeFilter) filter = g_mime_filter_basic_new(enc, FALSE);
	g_mime_stream_filter_add(GMIME_STREAM_FILTER(filtered), filter);
	return filtered;
}

/* Decodes a leaf part into `out`, keeping at most `cap` bytes and counting
 * every byte decoded in *used. Read in chunks: only what is kept is held,
 * never the whole part. With `stop`, reading ends as soon as more than
 * `cap` bytes came (*over is set): a part past its cap is never decoded to
 * the end. FALSE when *used passes `budget`. */
static gboolean read_decoded(GMimePart *part, GByteArray *out, gsize cap, gboolean stop, gboolean *over, gsize *used,
			     gsize budget)
{
	GMimeDataWrapper *content = g_mime_part_get_content(part);
	if (!content || !g_mime_data_wrapper_get_stream(content))
		return TRUE;
	g_autoptr(GMimeStream) in = decoded_stream(content);
	char buf[16 * 1024];
	gssize n;
	gsize seen = 0;
	gboolean ok = TRUE;
	while ((n = g_mime_stream_read(in, buf, sizeof buf)) > 0) {
		if (*used + n > budget) {
			ok = FALSE;
			break;
		}
		*used += n;
		seen += n;
		if (out->len < cap)
			g_byte_array_append(out, (const guint8 *)buf, MIN((gsize)n, cap - out->len));
		if (stop && seen > cap) {
			*over = TRUE;
			break;
		}
	}
	g_mime_stream_reset(g_mime_data_wrapper_get_stream(content));
	return ok;
}

/* The decoded bytes of a leaf part, capped; NULL past the message budget. */
static GByteArray *decoded_bytes(struct walk *w, GMimePart *part, gsize cap)
{
	GByteArray *out = g_byte_array_new();
	if (!read_decoded(part, out, cap, FALSE, NULL, &w->decoded, MIME_MAX_DECODED)) {
		over_limit(w, "decoded size");
		g_byte_array_unref(out);
		return NULL;
	}
	return out;
}

/* format=flowed (RFC 3676): soft line breaks end in a space. */
static char *unflow(const char *text, gboolean delsp)
{
	GString *out = g_string_sized_new(strlen(text));
	g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
	for (size_t i = 0; lines[i]; i++) {
		char *l = lines[i];
		size_t n = strlen(l);
		if (n && l[n - 1] == '\r')
			l[--n] = '\0';
		if (l[0] == ' ')
			memmove(l, l + 1, n--); /* space-stuffing */
		gboolean soft = n > 0 && l[n - 1] == ' ' && strcmp(l, "-- ") != 0;
		if (soft && delsp)
			l[--n] = '\0';
		g_string_append(out, l);
		if (!soft && lines[i + 1])
			g_string_append_c(out, '\n');
	}
	return g_string_free(out, FALSE);
}

static char *text_of(struct walk *w, GMimeTextPart *part)
{
	g_autoptr(GByteArray) bytes = decoded_bytes(w, GMIME_PART(part), (gsize)MIME_MAX_TEXT * 2);
	if (!bytes)
		return NULL;
	const char *charset = g_mime_text_part_get_charset(part);
	g_autofree char *converted = NULL;
	if (bytes->len && charset && g_ascii_strcasecmp(charset, "utf-8") != 0 &&
	    g_ascii_strcasecmp(charset, "us-ascii") != 0)
		converted = g_convert((const char *)bytes->data, bytes->len, "UTF-8",
				      g_mime_charset_iconv_name(charset), NULL, NULL, NULL);
	char *text;
	if (converted) {
		text = to_utf8(converted, strlen(converted), MIME_MAX_TEXT);
	} else {
		/* An embedded NUL would end the text early; treat it as a space. */
		for (guint i = 0; i < bytes->len; i++)
			if (bytes->data[i] == '\0')
				bytes->data[i] = ' ';
		text = to_utf8((const char *)bytes->data, bytes->len, MIME_MAX_TEXT);
	}
	GMimeContentType *ct = g_mime_object_get_content_type(GMIME_OBJECT(part));
	const char *format = g_mime_content_type_get_parameter(ct, "format");
	if (format && g_ascii_strcasecmp(format, "flowed") == 0) {
		const char *delsp = g_mime_content_type_get_parameter(ct, "delsp");
		char *flat = unflow(text, delsp && g_ascii_strcasecmp(delsp, "yes") == 0);
		g_free(text);
		text = flat;
	}
	return text;
}

static gboolean is_csv(GMimeObject *part)
{
	GMimeContentType *ct = g_mime_object_get_content_type(part);
	if (g_mime_content_type_is_type(ct, "text", "csv") || g_mime_content_type_is_type(ct, "application", "csv") ||
	    g_mime_content_type_is_type(ct, "application", "vnd.ms-excel"))
		return TRUE;
	const char *name = g_mime_part_get_filename(GMIME_PART(part));
	return name && g_mime_content_type_is_type(ct, "application", "octet-stream") && g_str_has_suffix(name, ".csv");
}

/* An iCalendar part: inline (Outlook, Gmail) or attached as .ics (Apple). */
static gboolean is_calendar(GMimeObject *part)
{
	GMimeContentType *ct = g_mime_object_get_content_type(part);
	if (g_mime_content_type_is_type(ct, "text", "calendar") ||
	    g_mime_content_type_is_type(ct, "application", "ics"))
		return TRUE;
	const char *name = g_mime_part_get_filename(GMIME_PART(part));
	return name && g_mime_content_type_is_type(ct, "application", "octet-stream") && g_str_has_suffix(name, ".ics");
}

static gboolean name_has_suffix(const char *name, const char *const *suffixes)
{
	size_t n = name ? strlen(name) : 0;
	for (size_t i = 0; suffixes[i]; i++) {
		size_t k = strlen(suffixes[i]);
		if (n > k && g_ascii_strcasecmp(name + n - k, suffixes[i]) == 0)
			return TRUE;
	}
	return FALSE;
}

static const char *const document_suffixes[] = { ".docx", ".docm", ".xlsx", ".xls", ".ods", ".odt", ".pdf", NULL };

/* Whether the decoded content starts like a document: a ZIP package (Word,
 * Excel, OpenDocument), a PDF, or an OLE2 file (legacy Excel, Word). */
static gboolean starts_like_document(GMimePart *part)
{
	static const guint8 ole2[] = { 0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1 };
	GMimeDataWrapper *content = g_mime_part_get_content(part);
	if (!content || !g_mime_data_wrapper_get_stream(content))
		return FALSE;
	g_autoptr(GMimeStream) in = decoded_stream(content);
	guint8 head[8] = { 0 };
	gssize got = 0, n;
	while (got < (gssize)sizeof head && (n = g_mime_stream_read(in, (char *)head + got, sizeof head - got)) > 0)
		got += n;
	g_mime_stream_reset(g_mime_data_wrapper_get_stream(content));
	return (got >= 4 && memcmp(head, "PK\x03\x04", 4) == 0) || (got >= 5 && memcmp(head, "%PDF-", 5) == 0) ||
	       (got == sizeof ole2 && memcmp(head, ole2, sizeof ole2) == 0);
}

/* A Word, Excel, OpenDocument or PDF attachment: by its type, by its name,
 * or, sent as application/octet-stream (or application/vnd.ms-excel, also
 * used for CSV), by its first bytes. A .csv or .ics name keeps its own
 * meaning. */
static gboolean is_document(GMimeObject *part)
{
	static const char *const own[] = { ".csv", ".ics", NULL };
	GMimeContentType *ct = g_mime_object_get_content_type(part);
	const char *name = g_mime_part_get_filename(GMIME_PART(part));
	if (name_has_suffix(name, own))
		return FALSE;
	const char *type = g_mime_content_type_get_media_type(ct);
	const char *sub = g_mime_content_type_get_media_subtype(ct);
	if (type && sub && g_ascii_strcasecmp(type, "application") == 0 &&
	    (g_ascii_strncasecmp(sub, "vnd.openxmlformats-officedocument.", 34) == 0 ||
	     g_ascii_strncasecmp(sub, "vnd.oasis.opendocument.", 23) == 0 ||
	     g_ascii_strncasecmp(sub, "vnd.ms-excel.", 13) == 0 || g_ascii_strcasecmp(sub, "pdf") == 0 ||
	     g_ascii_strcasecmp(sub, "msword") == 0))
		return TRUE;
	if (name_has_suffix(name, document_suffixes))
		return TRUE;
	return (g_mime_content_type_is_type(ct, "application", "octet-stream") ||
		g_mime_content_type_is_type(ct, "application", "vnd.ms-excel")) &&
	       starts_like_document(GMIME_PART(part));
}

/* A mail-controlled file name made fit for a log line and a reply: the
 * last path component, valid UTF-8, no control, format or separator
 * characters (no bidirectional overrides that would show "exe.docx" as
 * "xcod.exe"), at most MIME_MAX_FILENAME characters. */
static char *document_filename(const char *raw)
{
	if (!raw)
		return g_strdup("attachment");
	const char *base = raw;
	for (const char *p = raw; *p; p++)
		if (*p == '/' || *p == '\\')
			base = p + 1;
	g_autofree char *u = to_utf8(base, strlen(base), 4 * MIME_MAX_FILENAME);
	GString *out = g_string_new(NULL);
	glong chars = 0;
	for (const char *p = u; *p && chars < MIME_MAX_FILENAME; p = g_utf8_next_char(p)) {
		gunichar c = g_utf8_get_char(p);
		GUnicodeType t = g_unichar_type(c);
		if (t == G_UNICODE_CONTROL || t == G_UNICODE_FORMAT || t == G_UNICODE_LINE_SEPARATOR ||
		    t == G_UNICODE_PARAGRAPH_SEPARATOR || t == G_UNICODE_UNASSIGNED || t == G_UNICODE_PRIVATE_USE)
			c = ' ';
		if (c == ' ' && (out->len == 0 || out->str[out->len - 1] == ' '))
			continue;
		g_string_append_unichar(out, c);
		chars++;
	}
	g_strchomp(out->str);
	out->len = strlen(out->str);
	if (out->len == 0)
		g_string_assign(out, "attachment");
	return g_string_free(out, FALSE);
}

static void add_document(struct walk *w, GMimePart *part)
{
	if (w->m->documents->len >= MIME_MAX_DOCUMENTS)
		return;
	struct mime_document *d = g_new0(struct mime_document, 1);
	d->filename = document_filename(g_mime_part_get_filename(part));
	GMimeContentType *ct = g_mime_object_get_content_type(GMIME_OBJECT(part));
	g_autofree char *type = g_strdup_printf("%s/%s", g_mime_content_type_get_media_type(ct),
						g_mime_content_type_get_media_subtype(ct));
	d->content_type = g_ascii_strdown(type, -1);
	/* Sized from the encoded length (base64: 3 bytes in 4), so that the
	 * buffer does not double its way up past the document. */
	GMimeDataWrapper *content = g_mime_part_get_content(part);
	gint64 raw = content && g_mime_data_wrapper_get_stream(content)
			     ? g_mime_stream_length(g_mime_data_wrapper_get_stream(content))
			     : 0;
	GByteArray *bytes = g_byte_array_sized_new((guint)CLAMP(raw / 4 * 3 + 1024, 0, DOC_MAX_INPUT + 1));
	gboolean over = FALSE;
	if (!read_decoded(part, bytes, DOC_MAX_INPUT, TRUE, &over, &w->document_bytes, MIME_MAX_DOCUMENT_BYTES)) {
		g_byte_array_unref(bytes);
		mime_document_free(d);
		over_limit(w, "decoded size of documents");
		return;
	}
	if (over) {
		g_byte_array_unref(bytes);
		d->settled = TRUE;
		d->status = DOC_TOO_LARGE;
		d->detail = g_strdup_printf("over %d MiB", DOC_MAX_INPUT / (1024 * 1024));
	} else {
		d->data = g_byte_array_free_to_bytes(bytes);
	}
	g_ptr_array_add(w->m->documents, d);
}

/* A header value out of a delivery-status or headers block. */
static char *field_value(const char *block, const char *name)
{
	g_auto(GStrv) lines = g_strsplit(block, "\n", -1);
	for (size_t i = 0; lines[i]; i++) {
		if (g_ascii_strncasecmp(lines[i], name, strlen(name)) != 0 || lines[i][strlen(name)] != ':')
			continue;
		return one_line(lines[i] + strlen(name) + 1, 300);
	}
	return NULL;
}

static void read_dsn(struct walk *w, GMimePart *part)
{
	g_autoptr(GByteArray) bytes = decoded_bytes(w, part, 64 * 1024);
	if (!bytes)
		return;
	g_autofree char *text = to_utf8((const char *)bytes->data, bytes->len, 64 * 1024);
	g_autofree char *rcpt = field_value(text, "Final-Recipient");
	if (!rcpt)
		rcpt = field_value(text, "Original-Recipient");
	if (rcpt && !w->m->dsn_recipient) {
		const char *semi = strchr(rcpt, ';');
		g_autofree char *addr = g_strdup(g_strstrip(semi ? (char *)semi + 1 : rcpt));
		if (email_valid(addr))
			w->m->dsn_recipient = g_steal_pointer(&addr);
	}
	if (!w->m->dsn_action)
		w->m->dsn_action = field_value(text, "Action");
	if (!w->m->dsn_status)
		w->m->dsn_status = field_value(text, "Status");
	if (!w->m->dsn_diagnostic) {
		/* "smtp; 550 5.1.1 <x@y>: Recipient address rejected": the words after the type. */
		g_autofree char *code = field_value(text, "Diagnostic-Code");
		const char *semi = code ? strchr(code, ';') : NULL;
		if (code && *code)
			w->m->dsn_diagnostic = g_strdup(g_strstrip(semi ? (char *)semi + 1 : code));
	}
}

/* "<id@domain>" (or a bare id@domain) to id@domain; NULL unless valid. */
static char *clean_msgid(const char *value)
{
	if (!value)
		return NULL;
	g_autofree char *v = g_strstrip(g_strdup(value));
	char *p = v;
	if (*p == '<') {
		p++;
		char *gt = strchr(p, '>');
		if (!gt || g_strstrip(gt + 1)[0] != '\0')
			return NULL;
		*gt = '\0';
	}
	return msgid_valid(p) ? g_strdup(p) : NULL;
}

static void walk_object(struct walk *w, GMimeObject *obj, guint depth, GString *plain, GString *html);

static void walk_level(struct walk *w, GMimeObject *top, guint depth, gboolean forwarded)
{
	g_autoptr(GString) plain = g_string_new(NULL);
	g_autoptr(GString) html = g_string_new(NULL);
	walk_object(w, top, depth, plain, html);
	const char *text = plain->len ? plain->str : NULL;
	g_autofree char *converted = NULL;
	if (!text && html->len) {
		/* In a forward the "quoted" part is what was forwarded. */
		converted =
			html_to_text_full(html->str, html->len, forwarded || w->m->forwarded ? HTML_KEEP_QUOTED : 0);
		text = converted;
		w->m->text_from_html = TRUE;
	}
	if (!text)
		return;
	if (forwarded)
		g_string_append(w->text, FORWARD_MARKER);
	g_string_append(w->text, text);
}

static void walk_object(struct walk *w, GMimeObject *obj, guint depth, GString *plain, GString *html)
{
	if (!obj || w->m->limit)
		return;
	if (depth > MIME_MAX_DEPTH) {
		over_limit(w, "MIME nesting depth");
		return;
	}
	if (++w->parts > MIME_MAX_PARTS) {
		over_limit(w, "number of MIME parts");
		return;
	}
	if (GMIME_IS_MULTIPART(obj)) {
		GMimeMultipart *mp = GMIME_MULTIPART(obj);
		GMimeContentType *ct = g_mime_object_get_content_type(obj);
		if (g_mime_content_type_is_type(ct, "multipart", "report"))
			w->m->is_report = TRUE;
		int n = g_mime_multipart_get_count(mp);
		for (int i = 0; i < n && !w->m->limit; i++)
			walk_object(w, g_mime_multipart_get_part(mp, i), depth + 1, plain, html);
		return;
	}
	if (GMIME_IS_MESSAGE_PART(obj)) {
		GMimeMessage *inner = g_mime_message_part_get_message(GMIME_MESSAGE_PART(obj));
		if (!inner)
			return;
		if (w->m->is_report) {
			/* The returned copy of a message that bounced. */
			if (!w->m->dsn_message_id)
				w->m->dsn_message_id = clean_msgid(g_mime_message_get_message_id(inner));
			return;
		}
		w->m->forwarded = TRUE;
		walk_level(w, g_mime_message_get_mime_part(inner), depth + 1, TRUE);
		return;
	}
	if (!GMIME_IS_PART(obj))
		return;
	GMimeContentType *ct = g_mime_object_get_content_type(obj);
	if (g_mime_content_type_is_type(ct, "message", "delivery-status") ||
	    g_mime_content_type_is_type(ct, "message", "global-delivery-status")) {
		read_dsn(w, GMIME_PART(obj));
		return;
	}
	if (g_mime_content_type_is_type(ct, "text", "rfc822-headers")) {
		g_autoptr(GByteArray) bytes = decoded_bytes(w, GMIME_PART(obj), 64 * 1024);
		if (bytes && !w->m->dsn_message_id) {
			g_autofree char *text = to_utf8((const char *)bytes->data, bytes->len, 64 * 1024);
			g_autofree char *id = field_value(text, "Message-ID");
			w->m->dsn_message_id = clean_msgid(id);
		}
		return;
	}
	if (is_document(obj)) {
		add_document(w, GMIME_PART(obj));
		return;
	}
	if (is_csv(obj)) {
		if (w->m->csv->len >= MIME_MAX_CSV_PARTS)
			return;
		g_autoptr(GByteArray) bytes = decoded_bytes(w, GMIME_PART(obj), MIME_MAX_CSV);
		if (bytes)
			g_ptr_array_add(w->m->csv, g_bytes_new(bytes->data, bytes->len));
		return;
	}
	if (is_calendar(obj)) {
		if (w->m->calendar->len >= MIME_MAX_CALENDAR_PARTS)
			return;
		g_autoptr(GByteArray) bytes = decoded_bytes(w, GMIME_PART(obj), MIME_MAX_CALENDAR);
		if (bytes)
			g_ptr_array_add(w->m->calendar, g_bytes_new(bytes->data, bytes->len));
		return;
	}
	if (!GMIME_IS_TEXT_PART(obj) || is_attachment(obj))
		return;
	gboolean is_plain = g_mime_content_type_is_type(ct, "text", "plain");
	gboolean is_html = g_mime_content_type_is_type(ct, "text", "html");
	if ((is_plain && plain->len) || (is_html && html->len) || (!is_plain && !is_html))
		return;
	g_autofree char *text = text_of(w, GMIME_TEXT_PART(obj));
	if (text)
		g_string_append(is_plain ? plain : html, text);
}

static void read_from(struct parsed_message *m, GMimeMessage *msg)
{
	GMimeHeaderList *headers = g_mime_object_get_header_list(GMIME_OBJECT(msg));
	for (int i = 0; i < g_mime_header_list_get_count(headers); i++)
		if (g_ascii_strcasecmp(g_mime_header_get_name(g_mime_header_list_get_header_at(headers, i)), "From") ==
		    0)
			m->from_headers++;
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
	if (m->from_count == 1 && m->from_headers <= 1 && only && email_valid(only))
		m->from = g_strdup(only);
}

static void read_references(struct parsed_message *m, GMimeMessage *msg)
{
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

static void read_in_reply_to(struct parsed_message *m, GMimeMessage *msg)
{
	const char *value = g_mime_object_get_header(GMIME_OBJECT(msg), "In-Reply-To");
	if (!value || strlen(value) > 4096)
		return;
	g_autoptr(GMimeReferences) refs = g_mime_references_parse(NULL, value);
	if (refs && g_mime_references_length(refs) > 0 && msgid_valid(g_mime_references_get_message_id(refs, 0)))
		m->in_reply_to = g_strdup(g_mime_references_get_message_id(refs, 0));
}

static char *header_line(GMimeMessage *msg, const char *name)
{
	const char *v = g_mime_object_get_header(GMIME_OBJECT(msg), name);
	return v ? one_line(v, 300) : NULL;
}

static void read_headers(struct parsed_message *m, GMimeMessage *msg)
{
	m->auto_submitted = header_line(msg, "Auto-Submitted");
	m->precedence = header_line(msg, "Precedence");
	m->return_path = header_line(msg, "Return-Path");
	m->suppress = header_line(msg, "X-Auto-Response-Suppress");
	m->autoreply_header = g_mime_object_get_header(GMIME_OBJECT(msg), "X-Autoreply") != NULL ||
			      g_mime_object_get_header(GMIME_OBJECT(msg), "X-Autorespond") != NULL;
	GMimeHeaderList *headers = g_mime_object_get_header_list(GMIME_OBJECT(msg));
	guint received = 0;
	for (int i = 0; i < g_mime_header_list_get_count(headers); i++) {
		GMimeHeader *h = g_mime_header_list_get_header_at(headers, i);
		if (g_ascii_strcasecmp(g_mime_header_get_name(h), "Received") == 0)
			received++;
		if (g_ascii_strcasecmp(g_mime_header_get_name(h), "Authentication-Results") != 0)
			continue;
		if (m->auth_results->len >= MIME_MAX_AUTH_RESULTS)
			break;
		m->auth_trace[m->auth_results->len] = received;
		g_ptr_array_add(m->auth_results, one_line(g_mime_header_get_value(h), 2000));
	}
	static const char *const fwd[] = { "fwd:", "fw:", "tr:", "wg:", "rv:" };
	for (size_t i = 0; i < G_N_ELEMENTS(fwd); i++)
		if (g_ascii_strncasecmp(m->subject, fwd[i], strlen(fwd[i])) == 0)
			m->forwarded = TRUE;
}

static void on_warning(gint64 offset, GMimeParserWarning code, const gchar *item, gpointer data)
{
	struct parsed_message *m = data;
	if (code == GMIME_CRIT_NESTING_OVERFLOW && !m->limit)
		m->limit = g_strdup("MIME nesting depth");
}

/* The message in `stream`, into `m`. Every GMime object made here is
 * gone when it returns. */
static void parse_stream(struct parsed_message *m, GMimeStream *stream)
{
	g_autoptr(GMimeParser) parser = g_mime_parser_new_with_stream(stream);
	GMimeParserOptions *opts = g_mime_parser_options_new();
	g_mime_parser_options_set_warning_callback(opts, on_warning, m);
	g_autoptr(GMimeMessage) msg = g_mime_parser_construct_message(parser, opts);
	g_mime_parser_options_free(opts);
	if (!msg)
		return;
	m->parsed = TRUE;
	/* From the raw header: GMime repairs an unterminated "<id@dom." into an
	 * id the sender never wrote. */
	m->message_id = clean_msgid(g_mime_object_get_header(GMIME_OBJECT(msg), "Message-ID"));
	read_from(m, msg);
	g_free(m->subject);
	m->subject = one_line(g_mime_message_get_subject(msg), MIME_MAX_SUBJECT);
	read_references(m, msg);
	read_in_reply_to(m, msg);
	read_headers(m, msg);

	struct walk w = { .m = m, .text = g_string_new(NULL) };
	walk_level(&w, g_mime_message_get_mime_part(msg), 0, FALSE);
	if (w.text->len)
		m->text = to_utf8(w.text->str, w.text->len, MIME_MAX_TEXT);
	g_string_free(w.text, TRUE);
}

struct parsed_message *mime_parse(const char *data, gsize len)
{
	mime_init();
	struct parsed_message *m = g_new0(struct parsed_message, 1);
	m->subject = g_strdup("");
	m->references = g_ptr_array_new_with_free_func(g_free);
	m->auth_results = g_ptr_array_new_with_free_func(g_free);
	m->csv = g_ptr_array_new_with_free_func((GDestroyNotify)g_bytes_unref);
	m->calendar = g_ptr_array_new_with_free_func((GDestroyNotify)g_bytes_unref);
	m->documents = g_ptr_array_new_with_free_func((GDestroyNotify)mime_document_free);
	if (!data || len == 0)
		return m;
	const char *over = mime_scan(data, len);
	if (over) {
		/* Read far enough to hold it, without the tree that would cost. */
		m->parsed = TRUE;
		m->limit = g_strdup(over);
		return m;
	}

	/* GMime reads the caller's bytes where they are: a copy would double
	 * the largest thing nomd holds (a 10 MiB message). The array only
	 * borrows them, and gives them back untouched. */
	GByteArray *borrowed = g_byte_array_new_take((guint8 *)data, len);
	GMimeStream *stream = g_mime_stream_mem_new_with_byte_array(borrowed);
	g_mime_stream_mem_set_owner(GMIME_STREAM_MEM(stream), FALSE);
	parse_stream(m, stream);
	g_object_unref(stream);
	guint8 *back = g_byte_array_steal(borrowed, NULL);
	(void)back; /* the caller's, not ours to free */
	g_byte_array_unref(borrowed);
	return m;
}
