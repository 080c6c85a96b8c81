/* docread: runs nomd-reader on one attached document, in a child process
 * with limits (address space, CPU, no files, few descriptors, an empty
 * environment, a wall-clock timeout), and reads back its text or status.
 * nomd never parses an office or PDF file itself. Expects SIGPIPE to be
 * ignored (nomd.c does): a reader that stops reading its input early must
 * not kill nomd. */
#ifndef NOMD_DOCREAD_H
#define NOMD_DOCREAD_H

#include <glib.h>

#include "../parsers/mime.h"
#include "config.h"

/* Bytes of output kept past DOC_MAX_TEXT before the reader counts as
 * flooding (the cap is the reader's own; this is the backstop). */
#define DOCREAD_TEXT_SLACK 4096
/* Bytes of the reader's standard error kept for the log. */
#define DOCREAD_MAX_DETAIL 300

/* Reads `doc` (doc->data) and settles it: status, limit, detail. On
 * DOC_OK *text is the reader's output, valid UTF-8. FALSE (with `error`)
 * only when the reader could not be run at all: a fault of this machine,
 * not of the document. */
gboolean docread_run(const struct nomd_config *cfg, struct mime_document *doc, char **text, GError **error);

/* Bytes of Word form nomd-reader --make-form may write. */
#define DOCREAD_MAX_FORM (1024 * 1024)
/* The blank form as a Word document, made by nomd-reader --make-form
 * from `form_text` (the text blank form) with `sections` of each role,
 * in a child as documents are read, following the programme's form;
 * NULL with `error` when the reader fails. */
GBytes *docread_make_form(const struct nomd_config *cfg, const char *form_text, guint sections, GError **error);

#endif
