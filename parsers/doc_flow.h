/* doc_flow: the text of a word-processing document (Word or
 * OpenDocument) as its reader walks it: paragraphs become lines, tables
 * go through doc_table. A paragraph inside a table cell adds to the
 * cell's text; a table inside a cell is a table of its own, written out
 * when it ends (before the table around it). */
#ifndef NOMD_DOC_FLOW_H
#define NOMD_DOC_FLOW_H

#include <glib.h>

#include "form_spec.h"

struct doc_flow;

/* Lines are appended to `out` (borrowed). `table_flags` and `spec`
 * (borrowed; NULL: the built-in form) go to every doc_table; with
 * DOC_TABLE_SHEET, text outside tables is left out. */
struct doc_flow *doc_flow_new(GString *out, guint table_flags, const struct form_spec *spec);
void doc_flow_free(struct doc_flow *f);

void doc_flow_para_start(struct doc_flow *f);
void doc_flow_para_end(struct doc_flow *f);
/* Text of the current paragraph (ignored outside one); "\n" breaks the
 * line, "\t" separates a label from its value. */
void doc_flow_text(struct doc_flow *f, const char *text, gssize len);

void doc_flow_table_start(struct doc_flow *f);
void doc_flow_table_end(struct doc_flow *f);
void doc_flow_row_start(struct doc_flow *f);
/* The row ends, `repeat` times over (an empty row counts once). */
void doc_flow_row_end(struct doc_flow *f, guint repeat);
void doc_flow_cell_start(struct doc_flow *f);
/* The cell ends, `repeat` times over; its text is `value`, or when NULL
 * the paragraphs in it joined with a space. */
void doc_flow_cell_end(struct doc_flow *f, const char *value, guint repeat);
/* Tables left open (a damaged document) are written out. */
void doc_flow_finish(struct doc_flow *f);

typedef struct doc_flow doc_flow;
G_DEFINE_AUTOPTR_CLEANUP_FUNC(doc_flow, doc_flow_free)

#endif
