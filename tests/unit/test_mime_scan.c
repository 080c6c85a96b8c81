/* Unit tests: the pre-scan that holds a message over the part and header
 * caps before GMime builds it (parsers/mime_scan.c), and mime_parse() on
 * top of it. tests/integration/worst_shapes.t measures the memory. */
#include <gmime/gmime.h>

#include "../../parsers/mime.h"
#include "../../parsers/mime_scan.h"
#include "tap.h"

#define HEAD "From: a@b.example\r\nSubject: s\r\nMIME-Version: 1.0\r\n"

/* A multipart whose Content-Type value is `ct`, with n parts of `part`. */
static GString *multipart(const char *ct, guint n, const char *delimiter, const char *part)
{
	GString *s = g_string_new(HEAD);
	g_string_append_printf(s, "Content-Type: %s\r\n\r\npreamble\r\n", ct);
	for (guint i = 0; i < n; i++)
		g_string_append_printf(s, "%s\r\n%s", delimiter, part);
	g_string_append_printf(s, "%s--\r\n", delimiter);
	return s;
}

static const char *scan(GString *s)
{
	return mime_scan(s->str, s->len);
}

static void test_parts(void)
{
	const char *ct = "multipart/mixed; boundary=\"b\"";
	g_autoptr(GString) under = multipart(ct, MIME_SCAN_MAX_PARTS - 1, "--b", "\r\n");
	ok(scan(under) == NULL, "%u empty parts pass the scan", MIME_SCAN_MAX_PARTS - 1);
	g_autoptr(GString) over = multipart(ct, MIME_SCAN_MAX_PARTS, "--b", "\r\n");
	is_str(scan(over), "number of MIME parts", "%u empty parts do not", MIME_SCAN_MAX_PARTS);
	g_autoptr(parsed_message) m = mime_parse(over->str, over->len);
	ok(m->parsed && g_strcmp0(m->limit, "number of MIME parts") == 0, "mime_parse holds them");

	/* Boundaries as GMime reads them, however they are written. */
	static const char *const forms[] = {
		"multipart/mixed;\r\n\tboundary=\"b\"", "multipart/mixed; boundary*0=\"b\"",
		"multipart/mixed; boundary*=''b",	"multipart/mixed; boundary==?utf-8?q?b?=",
		"MULTIPART/Mixed; x=\"1\"; BOUNDARY=b",
	};
	for (size_t i = 0; i < G_N_ELEMENTS(forms); i++) {
		g_autoptr(GString) s = multipart(forms[i], MIME_SCAN_MAX_PARTS, "--b", "\r\n");
		g_autoptr(parsed_message) p = mime_parse(s->str, s->len);
		/* The walk's cap shows GMime splits there; the scan's is looser. */
		g_autoptr(GString) cut = multipart(forms[i], MIME_MAX_PARTS, "--b", "\r\n");
		g_autoptr(parsed_message) few = mime_parse(cut->str, cut->len);
		g_autofree char *name = g_strescape(forms[i], NULL);
		ok(scan(cut) == NULL && g_strcmp0(few->limit, "number of MIME parts") == 0 && scan(s) != NULL,
		   "boundary written as %s counted", name);
	}
	g_autoptr(GString) blanks = multipart(ct, MIME_SCAN_MAX_PARTS, "--b \t", "\r\n");
	ok(scan(blanks) != NULL, "a delimiter followed by blanks counts");
	g_autoptr(GString) other = multipart(ct, MIME_SCAN_MAX_PARTS, "--bx", "\r\n");
	ok(scan(other) == NULL, "a line that only starts with the boundary does not");
}

static void test_messages(void)
{
	g_autoptr(GString) nested = g_string_new(HEAD);
	for (guint i = 0; i < MIME_SCAN_MAX_PARTS; i++)
		g_string_append(nested, "Content-Type: message/rfc822\r\n\r\n");
	g_string_append(nested, "x\r\n");
	is_str(scan(nested), "number of MIME parts", "message/rfc822 nested %u deep is held", MIME_SCAN_MAX_PARTS);

	/* A base64 message part is a leaf to GMime: its lines are not headers. */
	g_autoptr(GString) encoded = g_string_new(HEAD "Content-Type: message/rfc822\r\n"
						       "Content-Transfer-Encoding: base64\r\n\r\n");
	for (guint i = 0; i < MIME_MAX_HEADER_FIELDS + 10; i++)
		g_string_append(encoded, "WC1BOiBiDQo=\r\n");
	ok(scan(encoded) == NULL, "a base64 message/rfc822 part is not read as headers");

	/* In a digest, a part without a type is a message of its own: two
	 * objects to GMime. */
	guint half = MIME_SCAN_MAX_PARTS / 2 + 1;
	g_autoptr(GString) digest = multipart("multipart/digest; boundary=d", half, "--d", "\r\n");
	ok(scan(digest) != NULL, "%u digest parts are held", half);
	g_autoptr(GString) mixed = multipart("multipart/mixed; boundary=d", half, "--d", "\r\n");
	ok(scan(mixed) == NULL, "%u mixed parts are not", half);
}

static void test_headers(void)
{
	g_autoptr(GString) many = g_string_new(HEAD);
	for (guint i = 0; i < MIME_MAX_HEADER_FIELDS; i++)
		g_string_append(many, "X-A: b\r\n");
	g_string_append(many, "\r\nbody\r\n");
	is_str(scan(many), "number of header fields", "%u header fields are held", MIME_MAX_HEADER_FIELDS);

	g_autoptr(GString) big = g_string_new(HEAD "Cc: a@b");
	while (big->len <= MIME_MAX_HEADER_BYTES)
		g_string_append(big, ",\r\n a@b");
	g_string_append(big, "\r\n\r\nbody\r\n");
	is_str(scan(big), "size of the header", "a header over %d bytes is held", MIME_MAX_HEADER_BYTES);

	/* Part headers count too. */
	g_autoptr(GString) parts = multipart("multipart/mixed; boundary=b", 10, "--b",
					     "X-A: b\r\nX-A: b\r\nX-A: b\r\nX-A: b\r\nX-A: b\r\nX-A: b\r\n"
					     "X-A: b\r\nX-A: b\r\nX-A: b\r\nX-A: b\r\nX-A: b\r\nX-A: b\r\n\r\n");
	ok(scan(parts) == NULL, "120 part header fields pass");
	g_autoptr(GString) body = g_string_new(HEAD "\r\n");
	for (guint i = 0; i < MIME_MAX_HEADER_FIELDS + 10; i++)
		g_string_append(body, "Name: Alex\r\n");
	ok(scan(body) == NULL, "lines of the body are not header fields");
}

static void test_ordinary(void)
{
	static const char *const files[] = { "tests/data/01-fife.eml", "tests/data/02-highland.eml",
					     "tests/data/03-stirling.eml", "tests/data/04-unknown.eml" };
	for (size_t i = 0; i < G_N_ELEMENTS(files); i++) {
		g_autofree char *path = tap_source_path(files[i]);
		g_autofree char *data = NULL;
		gsize len = 0;
		ok(g_file_get_contents(path, &data, &len, NULL) && mime_scan(data, len) == NULL, "%s passes the scan",
		   files[i]);
	}
	ok(mime_scan("", 0) == NULL, "an empty message passes");
}

int main(void)
{
	mime_init();
	test_parts();
	test_messages();
	test_headers();
	test_ordinary();
	return tap_done();
}
