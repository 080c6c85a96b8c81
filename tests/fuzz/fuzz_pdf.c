/* fuzz_pdf: libFuzzer target for the reader's PDF and legacy Excel paths:
 * doc_read() (the dispatcher, which tells the format from the bytes) on
 * every input, then doc_read_pdf() and doc_read_xls() directly on the
 * inputs the dispatcher did not give them (no "%PDF-" in the first
 * kilobyte, no OLE2 magic), since poppler and FreeXL look at any bytes
 * they are handed. Seeds: tests/fuzz/seeds-pdf/ (fillable, printed,
 * scanned and encrypted PDFs, an .xls, bare OLE2 files).
 *
 * Checked, as doc_read.h promises:
 *   - the status is a known one, never DOC_TOO_LARGE (the caller's cap);
 *   - DOC_OK: the text is valid UTF-8, without NUL bytes, and from
 *     doc_read() at most DOC_MAX_TEXT bytes;
 *   - any other status: a detail, one line of valid UTF-8.
 *
 * Replay an input: build/fuzz/fuzz_pdf FILE */
#define FUZZ_TARGET "fuzz_pdf"
#include "fuzz_common.h"

#include "../../parsers/doc_read.h"

typedef enum doc_status (*reader_fn)(const guint8 *data, gsize len, const struct form_spec *spec, GString *out,
				     char **detail);

static void check(const char *what, reader_fn fn, const guint8 *data, size_t size, gboolean capped)
{
	g_autoptr(GString) out = g_string_new(NULL);
	char *detail = NULL;
	enum doc_status st = fn(data, size, NULL, out, &detail);
	CHECK((unsigned)st < DOC_STATUS_COUNT && st != DOC_TOO_LARGE, "%s: status %d", what, (int)st);
	if (st == DOC_OK) {
		CHECK(g_utf8_validate(out->str, out->len, NULL), "%s: text is not valid UTF-8", what);
		CHECK(!capped || out->len <= DOC_MAX_TEXT, "%s: %zu bytes of text, over DOC_MAX_TEXT", what, out->len);
	} else {
		CHECK(detail && *detail, "%s: status %s without a detail", what, doc_status_name(st));
		CHECK(g_utf8_validate(detail, -1, NULL) && !strchr(detail, '\n'),
		      "%s: the detail is not one line of UTF-8", what);
	}
	g_free(detail);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	fuzz_common_init_guards(FUZZ_READER_GUARDS);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > DOC_MAX_INPUT)
		return 0;
	check("doc_read", doc_read, data, size, TRUE);
	if (!memmem(data, MIN(size, 1024), "%PDF-", 5))
		check("doc_read_pdf", doc_read_pdf, data, size, FALSE);
	if (size < 8 || memcmp(data, "\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", 8) != 0)
		check("doc_read_xls", doc_read_xls, data, size, FALSE);
	return 0;
}
