/* csv: reads a nomination spreadsheet exported as CSV into rows keyed by
 * column label. Owns the CSV dialect (quoting, delimiter, encoding, caps);
 * knows nothing of what the columns mean. Uses libcsv, which stays
 * private to csv.c (its own header is also called csv.h: never put
 * parsers/ on the include path with -I).
 *
 * Rules:
 *  - Input over CSV_MAX_INPUT bytes is refused (CSV_ERROR_TOO_LARGE).
 *    A UTF-8 byte order mark at the start is skipped; a UTF-16 one is
 *    refused (CSV_ERROR_ENCODING: Excel's "Unicode text" is not CSV).
 *  - RFC 4180 quoting: "a,b", "say ""hi""" and quoted line breaks. Blanks
 *    around unquoted cells are dropped (libcsv). CRLF, LF or CR end rows.
 *  - The delimiter is ',' or ';', whichever occurs more often outside
 *    quotes in the header line (the first line with anything besides
 *    blanks, delimiters and quotes); ',' on a tie.
 *  - The first row with a non-empty cell is the header. Labels are
 *    trimmed, runs of blanks made one space, NFC-normalised and
 *    case-folded ("  Job   Title " -> "job title"). A column with an
 *    empty label, or a label already seen, is ignored.
 *  - Each later row with a non-empty cell becomes a GHashTable of label ->
 *    value, UTF-8 strings owned by the table (the labels are GRefStrings
 *    shared by all rows: read them, never free them); every label is present
 *    ("" for a missing cell). Cells past the header's columns are ignored.
 *    Values are trimmed (Unicode blanks too) and line breaks made "\n".
 *  - Caps: CSV_MAX_ROWS data rows (later rows are ignored),
 *    CSV_MAX_COLUMNS columns, CSV_MAX_CELL bytes of a value or label (cut
 *    after a whole character).
 *  - Encoding, cell by cell: valid UTF-8 is kept; anything else is read
 *    as Windows-1252 (Excel's usual export) and, failing that, made valid
 *    with U+FFFD. NUL bytes become spaces. (',', ';', '"', CR and LF never
 *    occur inside a UTF-8 or Windows-1252 character, so the split is
 *    done on bytes first.)
 *  - A quoted cell still open at the end of the input is an error
 *    (CSV_ERROR_UNTERMINATED_QUOTE, naming the row): it has swallowed
 *    every row after it, so a partial result would silently lose them. */
#ifndef NOMD_CSV_H
#define NOMD_CSV_H

#include <glib.h>

#define CSV_MAX_INPUT (1024 * 1024)
#define CSV_MAX_ROWS 2000
#define CSV_MAX_COLUMNS 64
#define CSV_MAX_CELL 1000

#define CSV_READ_ERROR (csv_read_error_quark())
GQuark csv_read_error_quark(void);

enum csv_read_error_code {
	CSV_ERROR_TOO_LARGE,
	CSV_ERROR_ENCODING,
	CSV_ERROR_UNTERMINATED_QUOTE,
	CSV_ERROR_PARSE, /* libcsv failed (out of memory) */
};

/* On success *rows is a new GPtrArray of GHashTable * (it frees them); an
 * empty input, or a header alone, gives an empty array. On failure *rows
 * is left alone and error is set. */
gboolean csv_read_rows(const char *data, gsize len, GPtrArray **rows, GError **error);

#endif
