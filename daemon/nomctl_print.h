/* nomctl_print: nomctl's output. Rows as a JSON array of objects or as
 * CSV, with whatever mail supplied made inert on a terminal. */
#ifndef NOMD_NOMCTL_PRINT_H
#define NOMD_NOMCTL_PRINT_H

#include <glib.h>

enum format { FMT_JSON, FMT_CSV };

struct printer {
	enum format format;
	guint rows;
};

/* --format as given (NULL: not given): CSV for "csv", JSON otherwise. */
enum format print_format(const char *format);
/* A store_row_fn: one row as a JSON object or a CSV line (header first). */
void print_row(void *data, int n, const char *const *names, const char *const *values);
/* Close the JSON array (nothing for CSV). */
void print_end(struct printer *pr);

#endif
