/* mime_scan: the pre-scan (rules in mime_scan.h). Content-Type fields are
 * read with GMime's own parser, so that a boundary is the string GMime will
 * look for however it was written (quoted, RFC 2231, encoded-words). */
#include "mime_scan.h"

#include <gmime/gmime.h>
#include <string.h>

#include "gmime_glue.h"

enum field_kind { FIELD_OTHER, FIELD_CONTENT_TYPE, FIELD_ENCODING };

struct boundary {
	char *text;
	gsize len;
	gboolean digest; /* multipart/digest: a part without a type is a message */
};

struct scan {
	struct boundary bounds[MIME_SCAN_MAX_BOUNDARIES];
	guint n_bounds;
	guint parts;
	guint fields;
	gsize header_bytes;
	const char *limit;
	/* The header block being read. */
	gboolean in_headers;
	gboolean typed;	    /* it has a Content-Type */
	gboolean message;   /* a message/rfc822 (global, news) part */
	gboolean encoded;   /* base64 or quoted-printable: GMime keeps it a leaf */
	gboolean in_digest; /* its part of a multipart/digest */
	const char *field;  /* the field being read, up to `field_end` */
	const char *field_end;
	enum field_kind kind;
};

static gboolean is_rfc822(const char *subtype)
{
	static const char *const names[] = { "rfc822", "rfc2822", "global", "news" };
	for (size_t i = 0; i < G_N_ELEMENTS(names); i++)
		if (g_ascii_strcasecmp(subtype, names[i]) == 0)
			return TRUE;
	return FALSE;
}

static void remember_boundary(struct scan *s, const char *text, gboolean digest)
{
	gsize len = strlen(text);
	for (guint i = 0; i < s->n_bounds; i++)
		if (s->bounds[i].len == len && memcmp(s->bounds[i].text, text, len) == 0) {
			s->bounds[i].digest |= digest;
			return;
		}
	if (s->n_bounds == MIME_SCAN_MAX_BOUNDARIES) {
		/* Each boundary is a multipart: as many as this is a flood of parts. */
		s->limit = "number of MIME parts";
		return;
	}
	s->bounds[s->n_bounds++] = (struct boundary){ g_strdup(text), len, digest };
}

/* The value of a Content-Type field, as GMime will read it. */
static void read_content_type(struct scan *s, const char *value, gsize len)
{
	g_autofree char *text = g_strndup(value, len);
	g_autoptr(GMimeContentType) ct = g_mime_content_type_parse(NULL, text);
	s->typed = TRUE;
	if (!ct)
		return;
	if (g_mime_content_type_is_type(ct, "message", "*") && is_rfc822(g_mime_content_type_get_media_subtype(ct)))
		s->message = TRUE;
	const char *boundary = g_mime_content_type_get_parameter(ct, "boundary");
	if (g_mime_content_type_is_type(ct, "multipart", "*") && boundary)
		remember_boundary(s, boundary, g_mime_content_type_is_type(ct, "multipart", "digest"));
}

static void read_encoding(struct scan *s, const char *value, gsize len)
{
	g_autofree char *text = g_strstrip(g_strndup(value, len));
	GMimeContentEncoding e = g_mime_content_encoding_from_string(text);
	if (e == GMIME_CONTENT_ENCODING_BASE64 || e == GMIME_CONTENT_ENCODING_QUOTEDPRINTABLE)
		s->encoded = TRUE;
}

static void end_field(struct scan *s)
{
	if (!s->field)
		return;
	const char *colon = memchr(s->field, ':', s->field_end - s->field);
	if (colon && s->kind == FIELD_CONTENT_TYPE)
		read_content_type(s, colon + 1, s->field_end - colon - 1);
	else if (colon && s->kind == FIELD_ENCODING)
		read_encoding(s, colon + 1, s->field_end - colon - 1);
	s->field = NULL;
}

static enum field_kind field_kind(const char *line, gsize n)
{
	const char *colon = memchr(line, ':', n);
	if (!colon)
		return FIELD_OTHER;
	gsize name = colon - line;
	while (name > 0 && (line[name - 1] == ' ' || line[name - 1] == '\t'))
		name--;
	if (name == 12 && g_ascii_strncasecmp(line, "Content-Type", 12) == 0)
		return FIELD_CONTENT_TYPE;
	if (name == 25 && g_ascii_strncasecmp(line, "Content-Transfer-Encoding", 25) == 0)
		return FIELD_ENCODING;
	return FIELD_OTHER;
}

static void begin_headers(struct scan *s, gboolean in_digest)
{
	s->in_headers = TRUE;
	s->typed = s->message = s->encoded = FALSE;
	s->in_digest = in_digest;
	s->field = NULL;
}

static void count_part(struct scan *s)
{
	if (++s->parts > MIME_SCAN_MAX_PARTS)
		s->limit = "number of MIME parts";
}

/* A blank line: a message part's content is a message with headers of its
 * own (unless encoded); anything else has a body. */
static void end_headers(struct scan *s)
{
	end_field(s);
	s->in_headers = FALSE;
	gboolean message = s->typed ? s->message : s->in_digest;
	if (message && !s->encoded) {
		count_part(s);
		begin_headers(s, FALSE);
	}
}

/* As GMime's is_boundary(): "--" boundary ["--"], then only blanks. Which
 * boundary it was, or -1. */
static int delimiter(const struct scan *s, const char *line, gsize n)
{
	if (n < 2 || line[0] != '-' || line[1] != '-')
		return -1;
	while (n > 2 && (line[n - 1] == ' ' || line[n - 1] == '\t'))
		n--;
	for (guint i = 0; i < s->n_bounds; i++) {
		gsize b = s->bounds[i].len;
		if (n < 2 + b || memcmp(line + 2, s->bounds[i].text, b) != 0)
			continue;
		if (n == 2 + b || (n == 4 + b && line[2 + b] == '-' && line[3 + b] == '-'))
			return (int)i;
	}
	return -1;
}

static gboolean is_end_delimiter(const struct scan *s, int i, const char *line, gsize n)
{
	while (n > 2 && (line[n - 1] == ' ' || line[n - 1] == '\t'))
		n--;
	return n == 4 + s->bounds[i].len;
}

static void scan_line(struct scan *s, const char *line, gsize n, gsize raw)
{
	int b = delimiter(s, line, n);
	if (b >= 0) {
		if (s->in_headers)
			end_field(s);
		if (is_end_delimiter(s, b, line, n)) {
			s->in_headers = FALSE; /* the epilogue */
		} else {
			count_part(s);
			begin_headers(s, s->bounds[b].digest);
		}
		return;
	}
	if (!s->in_headers)
		return;
	if (n == 0) {
		end_headers(s);
		return;
	}
	s->header_bytes += raw;
	if (s->header_bytes > MIME_MAX_HEADER_BYTES) {
		s->limit = "size of the header";
		return;
	}
	if ((line[0] == ' ' || line[0] == '\t') && s->field) {
		s->field_end = line + n; /* folded */
		return;
	}
	end_field(s);
	if (++s->fields > MIME_MAX_HEADER_FIELDS) {
		s->limit = "number of header fields";
		return;
	}
	s->field = line;
	s->field_end = line + n;
	s->kind = field_kind(line, n);
}

const char *mime_scan(const char *data, gsize len)
{
	struct scan s = { 0 };
	begin_headers(&s, FALSE);
	s.parts = 1;
	const char *p = data, *end = data + len;
	while (p < end && !s.limit) {
		const char *nl = memchr(p, '\n', end - p);
		const char *next = nl ? nl + 1 : end;
		gsize n = (nl ? nl : end) - p;
		if (n > 0 && p[n - 1] == '\r')
			n--;
		scan_line(&s, p, n, next - p);
		p = next;
	}
	if (!s.limit && s.in_headers)
		end_field(&s);
	for (guint i = 0; i < s.n_bounds; i++)
		g_free(s.bounds[i].text);
	return s.limit;
}
