/* template: the email texts staff can edit, in templates/. A template is
 * plain UTF-8 text with {{name}} placeholders; a name the caller does not
 * supply is an error, found when the template is loaded, not when mailing. */
#ifndef NOMD_TEMPLATE_H
#define NOMD_TEMPLATE_H

#include <glib.h>

#define TEMPLATE_ERROR (template_error_quark())
GQuark template_error_quark(void);

#define TEMPLATE_MAX_BYTES (64 * 1024)

struct template;

/* Load DIR/NAME and check every placeholder is one of `allowed` (NULL-ended). */
struct template *template_load(const char *dir, const char *name, const char *const *allowed, GError **error);
/* Render with `vars` (name -> value); a missing value renders empty. */
char *template_render(const struct template *t, GHashTable *vars);
void template_free(struct template *t);

typedef struct template template;
G_DEFINE_AUTOPTR_CLEANUP_FUNC(template, template_free)

#endif
