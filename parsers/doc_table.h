/* doc_table: turns a table (a Word or OpenDocument table, a worksheet)
 * into lines of the form's language, so that every rule of the form
 * reader applies to documents unchanged. Follows a form spec (the
 * programme's roles and field labels; the built-in one when none is
 * given), through form.c's column kinds.
 *
 * Rules:
 *  - Cells are trimmed, line breaks and runs of blanks made one space,
 *    capped at DOC_MAX_CELL bytes; empty cells are left out of the line
 *    rule below. Rows past DOC_MAX_ROWS and cells past DOC_MAX_COLUMNS
 *    are ignored.
 *  - The header row is the first row, among the first 50, that has a
 *    name or email column and a role column ("Member or mentor", "Role",
 *    "Type", or the spec's two roles joined: "Mentee or mentor"). Each
 *    later row whose role cell names one of the spec's roles becomes a
 *    section: a line with that role's label ("Member", "Mentor"), then
 *    one line "Label: value" for each other non-empty cell under a
 *    labelled column. Later rows without a role (notes, totals) are left
 *    out.
 *  - A spec of one role ("Nominee") needs no role column: a row with a
 *    name or email column and at least one more column the spec knows
 *    ("Name | Email", "Name | Citation") is a header too, and each later
 *    row that has a name or an email (or a role cell naming the role) is
 *    a section of that role. A two-column "Label | value" table does not
 *    look like that, so the blank form's tables still follow the line
 *    rule.
 *  - Rows above the header, and every row of a table without one, follow
 *    the line rule: one cell is its text ("Member 1"), two are
 *    "Label: value", more are joined with " | ".
 *  - DOC_TABLE_SHEET: a worksheet. Without a header row it is left out
 *    whole (a guidance or lookup sheet). */
#ifndef NOMD_DOC_TABLE_H
#define NOMD_DOC_TABLE_H

#include <glib.h>

#include "form_spec.h"

enum doc_table_flags {
	DOC_TABLE_SHEET = 1 << 0,
};

struct doc_table;

/* `spec` (borrowed, outliving the table): the programme's form; NULL for
 * the built-in one. */
struct doc_table *doc_table_new(guint flags, const struct form_spec *spec);
void doc_table_free(struct doc_table *t);
/* Start a new row; later cells go into it. */
void doc_table_row(struct doc_table *t);
/* Add a cell to the current row (a row is started if none is). `len` -1:
 * NUL-terminated. Cells that are not valid UTF-8 are made valid. An
 * empty cell still counts for column positions. */
void doc_table_cell(struct doc_table *t, const char *text, gssize len);
/* Append the table's lines to `out`, each ending in "\n". */
void doc_table_emit(const struct doc_table *t, GString *out);

/* Append one line of document text to `out`: made valid UTF-8, trimmed,
 * each run of blanks made one space (one tab, if the run holds a tab: a
 * tab separates a label from its value in the form); nothing when empty
 * or when `out` would grow past DOC_MAX_TEXT. Every line the readers
 * write goes through here. */
void doc_text_line(GString *out, const char *text, gssize len);
/* A number cell as people wrote it: "3" for 3.0, else up to 15
 * significant digits; not a number: a copy of `value`. */
char *doc_number_text(const char *value);

typedef struct doc_table doc_table;
G_DEFINE_AUTOPTR_CLEANUP_FUNC(doc_table, doc_table_free)

#endif
