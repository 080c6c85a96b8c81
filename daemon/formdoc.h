/* formdoc: the blank form as a Word document, the one FORM replies
 * attach. The built-in programme's is made at build time and built into
 * nomd (reply_form_document). A programme with its own form definition
 * gets its own, made from its text blank form (its fields, their hints,
 * its roles) by nomd-reader --make-form in a child, as documents are read
 * (docread_make_form). It is made once and kept while the definition and
 * the blank form stay the same (a reload that changes them makes it
 * again), never once per mail. */
#ifndef NOMD_FORMDOC_H
#define NOMD_FORMDOC_H

#include <glib.h>

#include "config.h"
#include "reply.h"

/* The sections of each role the Word form holds, as the build's. */
#define FORMDOC_SECTIONS 5

/* The Word form for the programme: TRUE and *docx (a reference). When the
 * reader could not make a programme's own form, TRUE and *docx NULL: the
 * reply goes without it (its text carries the form) and the failure is
 * logged; it is tried again after FORMDOC_RETRY_SECONDS. FALSE with
 * `error` only when the built-in form is missing from nomd. */
#define FORMDOC_RETRY_SECONDS 600
gboolean formdoc_get(const struct nomd_config *cfg, const struct reply_templates *t, GBytes **docx, GError **error);

#endif
