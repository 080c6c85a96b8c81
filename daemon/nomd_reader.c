/* nomd-reader: reads one office or PDF document from standard input and
 * writes the form it holds, as text in the form's language, to standard
 * output. nomd runs it in a child with memory, CPU and time limits; the
 * reader itself enters a sandbox (parsers/doc_sandbox.h) before it looks
 * at the document.
 *
 *   nomd-reader [--spec] < document        the form as text; exit 0, or
 *                                          DOC_EXIT(status) with a one-line
 *                                          detail on stderr
 *   nomd-reader --make-form [--sections N] [--spec] < blank-form.txt > form.docx
 *   nomd-reader --help | --version
 *
 * With --spec, the programme's form (its roles and fields) comes first
 * on standard input, framed as document.h says; without it the reader
 * follows the built-in form. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include "../parsers/doc_read.h"
#include "../parsers/doc_sandbox.h"
#include "../parsers/form_spec.h"
#include "version.h"

/* The blank form is a page of text; a larger one is a mistake. */
#define MAX_FORM_TEXT (64 * 1024)
#define MAX_SECTIONS 20

static const char usage[] = "usage: nomd-reader [--spec] < document\n"
			    "       nomd-reader --make-form [--sections N] [--spec] < blank-form.txt > form.docx\n"
			    "       nomd-reader --help | --version\n";

/* All of standard input, up to `cap` bytes; *too_large when there is more. */
static GByteArray *read_stdin(gsize cap, gboolean *too_large)
{
	GByteArray *in = g_byte_array_new();
	guint8 buf[65536];
	*too_large = FALSE;
	for (;;) {
		ssize_t n = read(0, buf, sizeof buf);
		if (n == 0)
			return in;
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			g_byte_array_unref(in);
			return NULL;
		}
		if (in->len + (gsize)n > cap) {
			*too_large = TRUE;
			return in;
		}
		g_byte_array_append(in, buf, n);
	}
}

/* Exactly `len` bytes of standard input into `buf`. */
static gboolean read_exactly(char *buf, gsize len)
{
	gsize got = 0;
	while (got < len) {
		ssize_t n = read(0, buf + got, len - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return FALSE;
		got += n;
	}
	return TRUE;
}

/* The framed spec at the start of standard input (document.h), as text;
 * NULL when the frame is wrong. Parsed once the sandbox is on. */
static GString *read_spec_text(void)
{
	char digits[DOC_SPEC_MAX_DIGITS + 1];
	gsize n = 0;
	for (;;) {
		char c;
		if (!read_exactly(&c, 1))
			return NULL;
		if (c == '\n')
			break;
		if (!g_ascii_isdigit(c) || n == DOC_SPEC_MAX_DIGITS)
			return NULL;
		digits[n++] = c;
	}
	digits[n] = '\0';
	guint64 len;
	if (!g_ascii_string_to_unsigned(digits, 10, 1, FORM_SPEC_MAX_TEXT, &len, NULL))
		return NULL;
	GString *text = g_string_sized_new(len + 1);
	if (!read_exactly(text->str, len)) {
		g_string_free(text, TRUE);
		return NULL;
	}
	g_string_set_size(text, len);
	return text;
}

/* The spec read from the frame, or the built-in one; NULL (said on
 * stderr) when the frame does not hold a spec. */
static const struct form_spec *parse_spec(const GString *text, struct form_spec **owned)
{
	*owned = NULL;
	if (!text)
		return form_spec_builtin();
	g_autoptr(GError) error = NULL;
	if (!(*owned = form_spec_from_text(text->str, text->len, &error)))
		fprintf(stderr, "nomd-reader: the form's definition: %s\n", error->message);
	return *owned;
}

static gboolean write_all(const void *data, gsize len)
{
	return fwrite(data, 1, len, stdout) == len && fflush(stdout) == 0;
}

/* Libraries' warnings (libgsf, poppler-glib) may quote the document;
 * stderr carries only the reader's own detail line. */
static void drop_log(const char *domain, GLogLevelFlags level, const char *message, gpointer data)
{
}

static int enter_sandbox(void)
{
	g_autoptr(GError) error = NULL;
	if (doc_sandbox_enter(&error))
		return 0;
	fprintf(stderr, "nomd-reader: sandbox: %s\n", error->message);
	return EX_OSERR;
}

static int read_document(gboolean with_spec)
{
	g_autoptr(GString) spec_text = with_spec ? read_spec_text() : NULL;
	if (with_spec && !spec_text) {
		fprintf(stderr, "nomd-reader: no form definition ahead of the document\n");
		return EX_DATAERR;
	}
	gboolean too_large;
	g_autoptr(GByteArray) in = read_stdin(DOC_MAX_INPUT, &too_large);
	if (!in) {
		fprintf(stderr, "nomd-reader: reading standard input: %s\n", g_strerror(errno));
		return EX_IOERR;
	}
	if (too_large) {
		fprintf(stderr, "document over %d bytes\n", DOC_MAX_INPUT);
		return DOC_EXIT(DOC_TOO_LARGE);
	}
	int rc = enter_sandbox();
	if (rc)
		return rc;
	g_autoptr(form_spec) owned = NULL;
	const struct form_spec *spec = parse_spec(spec_text, &owned);
	if (!spec)
		return EX_DATAERR;
	g_autoptr(GString) out = g_string_new(NULL);
	g_autofree char *detail = NULL;
	enum doc_status st = doc_read(in->data, in->len, spec, out, &detail);
	if (st != DOC_OK) {
		fprintf(stderr, "%s\n", detail ? detail : doc_status_name(st));
		return DOC_EXIT(st);
	}
	return write_all(out->str, MIN(out->len, (gsize)DOC_MAX_TEXT)) ? 0 : EX_IOERR;
}

static int make_form(guint sections, gboolean with_spec)
{
	g_autoptr(GString) spec_text = with_spec ? read_spec_text() : NULL;
	if (with_spec && !spec_text) {
		fprintf(stderr, "nomd-reader: no form definition ahead of the form text\n");
		return EX_DATAERR;
	}
	gboolean too_large;
	g_autoptr(GByteArray) in = read_stdin(MAX_FORM_TEXT, &too_large);
	if (!in || too_large) {
		fprintf(stderr, "nomd-reader: the form text is %s\n", in ? "too long" : "unreadable");
		return in ? EX_DATAERR : EX_IOERR;
	}
	int rc = enter_sandbox();
	if (rc)
		return rc;
	g_autoptr(form_spec) owned = NULL;
	const struct form_spec *spec = parse_spec(spec_text, &owned);
	if (!spec)
		return EX_DATAERR;
	g_byte_array_append(in, (const guint8 *)"", 1);
	g_autoptr(GBytes) docx = NULL;
	g_autoptr(GError) error = NULL;
	if (!doc_write_form_docx((const char *)in->data, sections, spec, &docx, &error)) {
		fprintf(stderr, "nomd-reader: %s\n", error->message);
		return EX_DATAERR;
	}
	gsize len;
	const void *data = g_bytes_get_data(docx, &len);
	return write_all(data, len) ? 0 : EX_IOERR;
}

static gboolean parse_sections(const char *arg, guint *sections)
{
	guint64 n;
	if (!arg || !g_ascii_string_to_unsigned(arg, 10, 1, MAX_SECTIONS, &n, NULL))
		return FALSE;
	*sections = (guint)n;
	return TRUE;
}

int main(int argc, char **argv)
{
	g_log_set_default_handler(drop_log, NULL);
	if (argc == 2 && strcmp(argv[1], "--help") == 0) {
		fputs(usage, stdout);
		return 0;
	}
	if (argc == 2 && strcmp(argv[1], "--version") == 0) {
		printf("nomd-reader %s\n", nomd_version);
		return 0;
	}
	gboolean form = FALSE, with_spec = FALSE, sections_given = FALSE;
	guint sections = 1;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--make-form") == 0 && !form)
			form = TRUE;
		else if (strcmp(argv[i], DOC_SPEC_OPTION) == 0 && !with_spec)
			with_spec = TRUE;
		else if (strcmp(argv[i], "--sections") == 0 && !sections_given && i + 1 < argc &&
			 parse_sections(argv[i + 1], &sections)) {
			sections_given = TRUE;
			i++;
		} else {
			fputs(usage, stderr);
			return EX_USAGE;
		}
	}
	if (sections_given && !form) {
		fputs(usage, stderr);
		return EX_USAGE;
	}
	return form ? make_form(sections, with_spec) : read_document(with_spec);
}
