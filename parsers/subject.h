/* subject: reading a Subject line as people and their mail programs write
 * it. Pure: no I/O; depends on GLib only. */
#ifndef NOMD_SUBJECT_H
#define NOMD_SUBJECT_H

#include <glib.h>

/* The subject after any number of reply and forward prefixes ("Re:",
 * "Fw:", "Fwd:", any case) and the blanks (spaces, tabs) around them:
 * "RE: Fwd:  re:Form" -> "Form". Points into `subject`; "" for NULL. */
const char *subject_clean(const char *subject);

/* A token nomd put in a subject, lower case: "[ref 3f9a2c71d0e4]" in
 * consent mail, "[confirm ...]" in a confirmation request, for `word`
 * "ref" or "confirm". 8 to 32 hex digits; NULL when there is none. */
char *subject_token(const char *subject, const char *word);

#endif
