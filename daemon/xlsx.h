/* xlsx: Excel workbooks (.xlsx) of nomd's listings, for staff who live
 * in Excel. The only module that includes libxlsxwriter. A workbook is
 * filled sheet by sheet from rows as the store gives them (a
 * store_row_fn), then written: a bold header row that stays put, an
 * autofilter, column widths from the content, numbers as numbers, times
 * as Excel dates in staff.timezone, and every other cell as text, so a
 * name that looks like a formula stays a name. */
#ifndef NOMD_XLSX_H
#define NOMD_XLSX_H

#include <glib.h>

#define XLSX_TYPE "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

struct xlsx;

/* Times are shown in `timezone` (an IANA name; UTC when unknown). */
struct xlsx *xlsx_new(const char *timezone);
void xlsx_free(struct xlsx *wb);
/* Start a sheet named `name` (at most 31 characters, none of []:*?/\). */
void xlsx_sheet(struct xlsx *wb, const char *name);
/* A store_row_fn: one row of the current sheet; the first row's names
 * are its header. */
void xlsx_row(void *wb, int n, const char *const *names, const char *const *values);
/* Header-only sheets keep these names when no row comes. */
void xlsx_header(struct xlsx *wb, int n, const char *const *names);
/* The workbook as bytes. libxlsxwriter 1.1.4 writes only to a file: it
 * goes through a private temporary folder, removed afterwards. */
GBytes *xlsx_bytes(struct xlsx *wb, GError **error);

/* The workbook written to `path` whole (a new file renamed into place),
 * mode 0640: it holds people's data. */
gboolean xlsx_write_file(struct xlsx *wb, const char *path, GError **error);

typedef struct xlsx xlsx;
G_DEFINE_AUTOPTR_CLEANUP_FUNC(xlsx, xlsx_free)

#endif
