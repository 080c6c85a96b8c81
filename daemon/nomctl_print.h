/* nomctl_print: nomctl's output. Rows as a JSON array of objects, as CSV,
 * or as a table for people: columns aligned by display width (accents
 * and wide characters line up), long cells cut with an ellipsis to the
 * terminal's width, the header in bold on a terminal unless NO_COLOR is
 * set. Whatever mail supplied is made inert on a terminal. */
#ifndef NOMD_NOMCTL_PRINT_H
#define NOMD_NOMCTL_PRINT_H

#include <glib.h>

enum format { FMT_JSON, FMT_CSV, FMT_TABLE, FMT_XLSX };

struct printer {
	enum format format;
	guint rows;
	GPtrArray *names; /* FMT_TABLE: the header, then ... */
	GPtrArray *cells; /* ... each row's cells (char **), printed by print_end */
	/* FMT_XLSX: the workbook's file, its one sheet, the zone of its times. */
	const char *output, *sheet, *timezone;
	struct xlsx *book;
};

/* --format as given: "csv", "table", "xlsx" or "json"; not given (NULL):
 * a table when standard output is a terminal, JSON into a pipe or file. */
enum format print_format(const char *format);

/* A store_row_fn: one row as a JSON object or a CSV line (header first). */
void print_row(void *data, int n, const char *const *names, const char *const *values);
/* Close the JSON array; print the table; write the workbook (nothing
 * more for CSV). FALSE (said on stderr) when the workbook could not be
 * written. */
gboolean print_end(struct printer *pr);

#endif
