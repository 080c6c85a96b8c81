/* fuzz_office: libFuzzer target for the office readers of nomd-reader:
 * parsers/doc_zip.h, doc_xml.h, doc_table.h and doc_read_docx, _odt,
 * _xlsx, _ods.
 *
 * One input is either
 *
 *   a ZIP package ("PK..."), read as it is: doc_zip_open(), then each of
 *   the four readers, then doc_read() (the dispatcher), or
 *
 *   members of a package, each "%%NAME\n" then its bytes up to the next
 *   "\n%%" line ("%%word/document.xml\n<w:document ...>"), put into a ZIP
 *   (stored, not deflated, so that the fuzzer mutates the XML itself)
 *   and read by the four readers; the bytes are also fed to doc_table as
 *   rows (lines) of cells (split at '|'), with and without
 *   DOC_TABLE_SHEET.
 *
 * Checked, as doc_read.h and doc_table.h promise:
 *   - a status in range; DOC_OK or not, the text is valid UTF-8, at most
 *     DOC_MAX_TEXT bytes, whole lines, none empty, none starting or ending
 *     with a blank;
 *   - on failure a detail (doc_read may have none): printable ASCII, at
 *     most DOC_MAX_DETAIL bytes;
 *   - the heap a read takes stays under 96 MiB ("office-heap").
 *
 * Seeds: tests/fuzz/seeds-office/ (tests/fuzz/office_seeds.py makes them
 * from tests/lib/documents.py). Replay: build/fuzz/fuzz_office FILE */
#define FUZZ_TARGET "fuzz_office"
#include "fuzz_common.h"

#include "../../parsers/doc_read.h"
#include "../../parsers/doc_table.h"
#include "../../parsers/doc_zip.h"

#define OFFICE_MAX_HEAP (96u << 20)

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	fuzz_common_init_guards(FUZZ_READER_GUARDS);
	return 0;
}

static guint32 crc32_of(const guint8 *p, gsize n)
{
	guint32 crc = 0xffffffffu;
	for (gsize i = 0; i < n; i++) {
		crc ^= p[i];
		for (int k = 0; k < 8; k++)
			crc = (crc >> 1) ^ (0xedb88320u & (0u - (crc & 1)));
	}
	return ~crc;
}

static void put16(GByteArray *b, guint v)
{
	guint8 x[2] = { v & 0xff, (v >> 8) & 0xff };
	g_byte_array_append(b, x, 2);
}

static void put32(GByteArray *b, guint32 v)
{
	put16(b, v & 0xffff);
	put16(b, v >> 16);
}

/* A stored ZIP of the "%%NAME\n" sections of the input. */
static GByteArray *make_zip(const guint8 *data, size_t size)
{
	GByteArray *zip = g_byte_array_new(), *central = g_byte_array_new();
	g_autofree char *text = g_strndup((const char *)data, size); /* up to a NUL: fine */
	g_auto(GStrv) parts = g_strsplit(text, "%%", -1);
	guint count = 0;
	for (size_t i = 0; parts[i] && count < 100; i++) {
		char *nl = strchr(parts[i], '\n');
		if (!nl || nl == parts[i])
			continue;
		*nl = '\0';
		const char *name = parts[i], *body = nl + 1;
		gsize blen = strlen(body);
		if (blen && body[blen - 1] == '\n')
			blen--;
		guint32 crc = crc32_of((const guint8 *)body, blen), offset = zip->len;
		gsize nlen = MIN(strlen(name), 200);
		put32(zip, 0x04034b50), put16(zip, 20), put16(zip, 0), put16(zip, 0), put32(zip, 0);
		put32(zip, crc), put32(zip, blen), put32(zip, blen), put16(zip, nlen), put16(zip, 0);
		g_byte_array_append(zip, (const guint8 *)name, nlen);
		g_byte_array_append(zip, (const guint8 *)body, blen);
		put32(central, 0x02014b50), put16(central, 20), put16(central, 20), put16(central, 0);
		put16(central, 0), put32(central, 0), put32(central, crc), put32(central, blen), put32(central, blen);
		put16(central, nlen), put16(central, 0), put16(central, 0), put16(central, 0), put16(central, 0);
		put32(central, 0), put32(central, offset);
		g_byte_array_append(central, (const guint8 *)name, nlen);
		count++;
	}
	guint32 start = zip->len;
	g_byte_array_append(zip, central->data, central->len);
	put32(zip, 0x06054b50), put16(zip, 0), put16(zip, 0), put16(zip, count), put16(zip, count);
	put32(zip, central->len), put32(zip, start), put16(zip, 0);
	g_byte_array_unref(central);
	return zip;
}

static void check_text(const char *what, const GString *out)
{
	CHECK(g_utf8_validate(out->str, out->len, NULL), "%s: text is not valid UTF-8", what);
	CHECK(out->len <= DOC_MAX_TEXT, "%s: %zu bytes of text, over DOC_MAX_TEXT", what, out->len);
	CHECK(out->len == 0 || out->str[out->len - 1] == '\n', "%s: text does not end in a line break", what);
	const char *line = out->str;
	for (const char *nl; (nl = memchr(line, '\n', out->str + out->len - line)); line = nl + 1) {
		CHECK(nl > line, "%s: an empty line", what);
		CHECK(!g_ascii_isspace(line[0]) && !g_ascii_isspace(nl[-1]), "%s: a line not trimmed", what);
	}
}

static void check_status(const char *what, enum doc_status st, const char *detail)
{
	CHECK((unsigned)st < DOC_STATUS_COUNT, "%s: status %d", what, (int)st);
	if (st == DOC_OK)
		return;
	/* doc_read.h allows a reader to give no detail; these always do. */
	CHECK_NAMED("office-detail", detail != NULL || strcmp(what, "doc_read") == 0, "%s: %s without a detail", what,
		    doc_status_name(st));
	if (!detail)
		return;
	CHECK(strlen(detail) <= DOC_MAX_DETAIL, "%s: detail of %zu bytes", what, strlen(detail));
	for (const char *p = detail; *p; p++)
		CHECK(*p >= 0x20 && *p <= 0x7e, "%s: detail has byte 0x%02x", what, (guchar)*p);
}

static void read_package(const guint8 *data, size_t size, gboolean dispatch)
{
	static const struct {
		const char *name;
		enum doc_status (*read)(struct doc_zip *, const struct form_spec *, GString *, char **);
	} readers[] = {
		{ "docx", doc_read_docx }, { "odt", doc_read_odt }, { "xlsx", doc_read_xlsx }, { "ods", doc_read_ods }
	};
	for (size_t i = 0; i < G_N_ELEMENTS(readers); i++) {
		g_autoptr(GString) out = g_string_new(NULL);
		g_autofree char *detail = NULL;
		fuzz_heap_begin();
		{
			g_autoptr(doc_zip) z = NULL;
			enum doc_status st = doc_zip_open(data, size, &z, &detail);
			check_status("doc_zip_open", st, detail);
			if (st == DOC_OK) {
				st = readers[i].read(z, NULL, out, &detail);
				check_status(readers[i].name, st, detail);
				check_text(readers[i].name, out);
			}
		}
		size_t peak = fuzz_heap_peak();
		CHECK_NAMED("office-heap", peak <= OFFICE_MAX_HEAP, "%s took %zu bytes of heap", readers[i].name, peak);
	}
	if (dispatch) {
		g_autoptr(GString) out = g_string_new(NULL);
		g_autofree char *detail = NULL;
		enum doc_status st = doc_read(data, size, NULL, out, &detail);
		check_status("doc_read", st, detail);
		check_text("doc_read", out);
	}
}

/* A programme of one role with fields of its own: tables need no role
 * column. */
static const struct form_spec *one_role_spec(void)
{
	static struct form_spec *spec;
	if (!spec) {
		static const char *const choices[] = { "Innovation", "Digital", NULL };
		spec = form_spec_new();
		gboolean ok = form_spec_add_role(spec, "nominee", "Nominee", NULL, NULL) &&
			      form_spec_add_field(spec, "category", FIELD_CHOICE, "Category", NULL, choices, 0, NULL) &&
			      form_spec_add_field(spec, "citation", FIELD_LONG, "Citation", NULL, NULL, 50, NULL);
		form_spec_add_builtin_fields(spec);
		g_assert(ok && form_spec_finish(spec, NULL));
	}
	return spec;
}

/* The input as a table: lines are rows, '|' separates cells. */
static void read_table(const guint8 *data, size_t size, guint flags, const struct form_spec *spec)
{
	g_autoptr(doc_table) t = doc_table_new(flags, spec);
	const char *p = (const char *)data, *end = p + size, *cell = p;
	for (; p <= end; p++) {
		if (p == end || *p == '|' || *p == '\n') {
			doc_table_cell(t, cell, p - cell);
			if (p < end && *p == '\n')
				doc_table_row(t);
			cell = p + 1;
		}
	}
	g_autoptr(GString) out = g_string_new(NULL);
	doc_table_emit(t, out);
	check_text("doc_table", out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size >= 2 && data[0] == 'P' && data[1] == 'K') {
		read_package(data, size, TRUE);
		return 0;
	}
	g_autoptr(GByteArray) zip = make_zip(data, size);
	read_package(zip->data, zip->len, FALSE);
	read_table(data, size, 0, NULL);
	read_table(data, size, DOC_TABLE_SHEET, NULL);
	read_table(data, size, DOC_TABLE_SHEET, one_role_spec());
	return 0;
}
