/* reply: what nomd says back to a nominator, as text from the templates.
 * Pure: a decision in, words out. compose.c turns the words into mail. */
#ifndef NOMD_REPLY_H
#define NOMD_REPLY_H

#include <glib.h>

#include "config.h"
#include "decide.h"

struct reply_templates;

gboolean reply_templates_load(const char *dir, struct reply_templates **out, GError **error);
void reply_templates_free(struct reply_templates *t);
/* The body text of the reply to a message whose decision says to reply.
 * `status_list`: the organisation's nominees, one per line (STATUS only). */
char *reply_text(const struct nomd_config *cfg, const struct reply_templates *t, const struct decision *d,
		 const char *status_list);

typedef struct reply_templates reply_templates;
G_DEFINE_AUTOPTR_CLEANUP_FUNC(reply_templates, reply_templates_free)

#endif
