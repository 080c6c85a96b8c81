/* template: the email texts staff can edit (built in, overridden file by
 * file from the `templates` folder), in a small
 * mustache subset: {{name}} (HTML-escaped in .html templates), {{{name}}}
 * raw, {{#name}}...{{/name}} (a list: once per item; a flag or non-empty
 * value: once), {{^name}}...{{/name}} (when empty, false or missing). A
 * section tag alone on its line takes the line with it. A name the caller
 * does not know, or an unbalanced section, is an error found when the
 * template is loaded (nomd --check-config), never when mailing. */
#ifndef NOMD_TEMPLATE_H
#define NOMD_TEMPLATE_H

#include <glib.h>

#define TEMPLATE_ERROR (template_error_quark())
GQuark template_error_quark(void);

#define TEMPLATE_MAX_BYTES (64 * 1024)
#define TEMPLATE_MAX_DEPTH 8

struct template;
/* Values for one render: strings, flags, and lists of nested scopes. */
struct tdata;

struct tdata *tdata_new(void);
void tdata_free(struct tdata *d);
void tdata_set(struct tdata *d, const char *name, const char *value);
void tdata_set_take(struct tdata *d, const char *name, char *value);
void tdata_set_flag(struct tdata *d, const char *name, gboolean on);
/* The string `name` ("" when missing or not a string). */
const char *tdata_get(const struct tdata *d, const char *name);
/* Append an item to list `name` and return it (owned by `d`). */
struct tdata *tdata_add_item(struct tdata *d, const char *name);

/* The values as a GVariant of type a{sv} (strings "s", flags "b", lists
 * "aa{sv}"), and back: how the outbox keeps what a mail will say. A
 * variant of another shape is refused. */
GVariant *tdata_to_variant(const struct tdata *d);
struct tdata *tdata_from_variant(GVariant *v, GError **error);

/* Load DIR/NAME; every name used must be one of `allowed` (NULL-ended). */
struct template *template_load(const char *dir, const char *name, const char *const *allowed, GError **error);

/* The shipped templates are built into the binaries (GResource, made from
 * templates/ by the Makefile). Staff override them file by file: NAME in
 * the folder `overrides` (NULL or "": none) replaces the built-in NAME. */
#define TEMPLATE_RESOURCE_PATH "/org/nomd/templates/"
struct template *template_open(const char *overrides, const char *name, const char *const *allowed, GError **error);
/* The text of the built-in NAME. */
GBytes *template_builtin(const char *name, GError **error);
/* The built-in templates' file names, sorted (g_strfreev). */
char **template_builtin_names(void);
/* Write every built-in template into `dir`, made if missing. Unless
 * `force`, refuses (writing nothing) when any of the files exists. */
gboolean template_export(const char *dir, gboolean force, guint *written, GError **error);
char *template_render(const struct template *t, const struct tdata *data);
void template_free(struct template *t);

typedef struct template template;
typedef struct tdata tdata;
G_DEFINE_AUTOPTR_CLEANUP_FUNC(template, template_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(tdata, tdata_free)

#endif
