/* nomd-reader: reads one office or PDF document from standard input and
 * writes the form it holds, as text in the form's language, to standard
 * output. nomd runs it in a child with memory, CPU and time limits; the
 * reader itself enters a sandbox (parsers/doc_sandbox.h) before it looks
 * at the document.
 *
 *   nomd-reader < document                 the form as text; exit 0, or
 *                                          DOC_EXIT(status) with a one-line
 *                                          detail on stderr
 *   nomd-reader --make-form [--sections N] < blank-form.txt > form.docx
 *   nomd-reader --help | --version */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include "../parsers/doc_read.h"
#include "../parsers/doc_sandbox.h"
#include "version.h"

/* The blank form is a page of text; a larger one is a mistake. */
#define MAX_FORM_TEXT (64 * 1024)
#define MAX_SECTIONS 20

static const char usage[] = "usage: nomd-reader < document\n"
			    "       nomd-reader --make-form [--sections N] < blank-form.txt > form.docx\n"
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

static int read_document(void)
{
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
	g_autoptr(GString) out = g_string_new(NULL);
	g_autofree char *detail = NULL;
	enum doc_status st = doc_read(in->data, in->len, out, &detail);
	if (st != DOC_OK) {
		fprintf(stderr, "%s\n", detail ? detail : doc_status_name(st));
		return DOC_EXIT(st);
	}
	return write_all(out->str, MIN(out->len, (gsize)DOC_MAX_TEXT)) ? 0 : EX_IOERR;
}

static int make_form(guint sections)
{
	gboolean too_large;
	g_autoptr(GByteArray) in = read_stdin(MAX_FORM_TEXT, &too_large);
	if (!in || too_large) {
		fprintf(stderr, "nomd-reader: the form text is %s\n", in ? "too long" : "unreadable");
		return in ? EX_DATAERR : EX_IOERR;
	}
	int rc = enter_sandbox();
	if (rc)
		return rc;
	g_byte_array_append(in, (const guint8 *)"", 1);
	g_autoptr(GBytes) docx = NULL;
	g_autoptr(GError) error = NULL;
	if (!doc_write_form_docx((const char *)in->data, sections, &docx, &error)) {
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
	if (argc == 1)
		return read_document();
	if (argc == 2 && strcmp(argv[1], "--help") == 0) {
		fputs(usage, stdout);
		return 0;
	}
	if (argc == 2 && strcmp(argv[1], "--version") == 0) {
		printf("nomd-reader %s\n", nomd_version);
		return 0;
	}
	guint sections = 1;
	if (strcmp(argv[1], "--make-form") == 0 &&
	    (argc == 2 || (argc == 4 && strcmp(argv[2], "--sections") == 0 && parse_sections(argv[3], &sections))))
		return make_form(sections);
	fputs(usage, stderr);
	return EX_USAGE;
}
