/* doc_xls: legacy Excel workbooks (BIFF in an OLE2 file) through FreeXL.
 * FreeXL gets only the workbook stream, rewrapped by doc_ole in a clean
 * OLE2 file (FreeXL 1.0.6 over-reads the stack on crafted directory
 * entries); an OLE2 file without one is named there (legacy Word, say).
 * FreeXL reads only from a path, so the bytes go into a memfd that FreeXL
 * opens as /proc/self/fd/N: nothing touches the disk, and the sandbox
 * (which forbids creating files) needs no exception. Each worksheet goes
 * through doc_table as a sheet. */
#include "doc_read.h"

#include <errno.h>
#include <freexl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "doc_ole.h"
#include "doc_table.h"

static enum doc_status fail(enum doc_status st, char **detail, char *text)
{
	if (detail)
		*detail = text;
	else
		g_free(text);
	return st;
}

/* A memfd holding the bytes, or -1. */
static int memfd_with(const guint8 *data, gsize len)
{
	int fd = memfd_create("nomd-xls", MFD_CLOEXEC);
	if (fd < 0)
		return -1;
	for (gsize off = 0; off < len;) {
		ssize_t n = write(fd, data + off, len - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			close(fd);
			return -1;
		}
		off += n;
	}
	return fd;
}

/* One cell's text: integers as "3", other numbers as the shortest text
 * that reads back the same, dates and times as FreeXL gives them. */
static char *cell_text(const FreeXL_CellValue *v)
{
	switch (v->type) {
	case FREEXL_CELL_INT: return g_strdup_printf("%d", v->value.int_value);
	case FREEXL_CELL_DOUBLE: {
		double d = v->value.double_value;
		if (d == (double)(gint64)d && d > -1e15 && d < 1e15)
			return g_strdup_printf("%" G_GINT64_FORMAT, (gint64)d);
		char buf[G_ASCII_DTOSTR_BUF_SIZE];
		return g_strdup(g_ascii_dtostr(buf, sizeof buf, d));
	}
	case FREEXL_CELL_TEXT:
	case FREEXL_CELL_SST_TEXT:
	case FREEXL_CELL_DATE:
	case FREEXL_CELL_DATETIME:
	case FREEXL_CELL_TIME: return g_strdup(v->value.text_value ? v->value.text_value : "");
	default: return g_strdup("");
	}
}

/* The active worksheet into `out`; *cells counts toward DOC_MAX_CELLS. */
static enum doc_status read_sheet(const void *xls, guint *cells, const struct form_spec *spec, GString *out,
				  char **detail)
{
	unsigned int rows = 0;
	unsigned short cols = 0;
	if (freexl_worksheet_dimensions(xls, &rows, &cols) != FREEXL_OK)
		return fail(DOC_UNREADABLE, detail, g_strdup("damaged worksheet"));
	rows = MIN(rows, (unsigned)DOC_MAX_ROWS);
	cols = MIN(cols, (unsigned short)DOC_MAX_COLUMNS);
	g_autoptr(doc_table) t = doc_table_new(DOC_TABLE_SHEET, spec);
	for (unsigned r = 0; r < rows; r++) {
		doc_table_row(t);
		for (unsigned short c = 0; c < cols; c++) {
			if (++*cells > DOC_MAX_CELLS)
				return fail(DOC_TOO_COMPLEX, detail, g_strdup_printf("over %d cells", DOC_MAX_CELLS));
			FreeXL_CellValue v;
			g_autofree char *text = NULL;
			if (freexl_get_cell_value(xls, r, c, &v) == FREEXL_OK)
				text = cell_text(&v);
			doc_table_cell(t, text ? text : "", -1);
		}
	}
	doc_table_emit(t, out);
	return DOC_OK;
}

static enum doc_status read_workbook(const void *xls, const struct form_spec *spec, GString *out, char **detail)
{
	unsigned int protection = FREEXL_BIFF_PLAIN, sheets = 0;
	if (freexl_get_info(xls, FREEXL_BIFF_PASSWORD, &protection) == FREEXL_OK && protection != FREEXL_BIFF_PLAIN)
		return fail(DOC_UNSUPPORTED, detail, g_strdup("password-protected Excel workbook"));
	if (freexl_get_info(xls, FREEXL_BIFF_SHEET_COUNT, &sheets) != FREEXL_OK)
		return fail(DOC_UNREADABLE, detail, g_strdup("damaged Excel workbook"));
	guint cells = 0;
	for (unsigned i = 0; i < MIN(sheets, (unsigned)DOC_MAX_SHEETS); i++) {
		if (freexl_select_active_worksheet(xls, (unsigned short)i) != FREEXL_OK)
			return fail(DOC_UNREADABLE, detail, g_strdup("damaged Excel workbook"));
		enum doc_status st = read_sheet(xls, &cells, spec, out, detail);
		if (st != DOC_OK)
			return st;
	}
	return DOC_OK;
}

enum doc_status doc_read_xls(const guint8 *data, gsize len, const struct form_spec *spec, GString *out, char **detail)
{
	g_autoptr(GBytes) book = NULL;
	enum doc_status st = doc_ole_workbook(data, len, &book, detail);
	if (st != DOC_OK)
		return st;
	gsize book_len;
	const guint8 *book_data = g_bytes_get_data(book, &book_len);
	int fd = memfd_with(book_data, book_len);
	if (fd < 0)
		return fail(DOC_FAILED, detail, g_strdup_printf("memfd: %s", g_strerror(errno)));
	g_autofree char *path = g_strdup_printf("/proc/self/fd/%d", fd);
	const void *xls = NULL;
	int rc = freexl_open(path, &xls);
	if (rc == FREEXL_OK)
		st = read_workbook(xls, spec, out, detail);
	else if (rc == FREEXL_INSUFFICIENT_MEMORY)
		st = fail(DOC_TOO_COMPLEX, detail, g_strdup("Excel workbook too large to open"));
	else
		st = fail(DOC_UNREADABLE, detail, g_strdup_printf("damaged Excel workbook (FreeXL error %d)", rc));
	if (xls)
		freexl_close(xls);
	close(fd);
	return st;
}
