/* reply: what nomd says back to a nominator, from the templates: a subject
 * (the text template's first line, "Subject: ..."), a text and an HTML
 * version. Pure: a decision in, words out. compose.c makes the mail. */
#ifndef NOMD_REPLY_H
#define NOMD_REPLY_H

#include <glib.h>

#include "config.h"
#include "decide.h"

struct reply_templates;

struct reply_out {
	char *subject;
	char *text;
	char *html;
};

/* One line of a STATUS listing. */
struct status_entry {
	char *role, *name, *email;
};

gboolean reply_templates_load(const char *dir, struct reply_templates **out, GError **error);
void reply_templates_free(struct reply_templates *t);
/* The reply to a message whose decision says to reply. `subject`: the
 * original's; `status`: the organisation's nominees (STATUS only, may be NULL). */
struct reply_out *reply_render(const struct nomd_config *cfg, const struct reply_templates *t,
			       const struct decision *d, const char *subject, GPtrArray *status);
/* The alert to staff when mail from `sender` passes the reply limit. */
struct reply_out *reply_render_reply_limit(const struct nomd_config *cfg, const struct reply_templates *t,
					   const char *sender);
void reply_out_free(struct reply_out *r);
void status_entry_free(struct status_entry *e);

typedef struct reply_templates reply_templates;
typedef struct reply_out reply_out;
G_DEFINE_AUTOPTR_CLEANUP_FUNC(reply_templates, reply_templates_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(reply_out, reply_out_free)

#endif
