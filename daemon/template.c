/* template: {{name}} substitution over staff-editable text files. */
#include "template.h"

#include <string.h>

G_DEFINE_QUARK(nomd-template-error-quark, template_error)

struct template {
	char *path;
	char *text;
};

void template_free(struct template *t)
{
	if (!t)
		return;
	g_free(t->path);
	g_free(t->text);
	g_free(t);
}

static gboolean name_allowed(const char *name, gsize len, const char *const *allowed)
{
	for (const char *const *a = allowed; *a; a++)
		if (strlen(*a) == len && strncmp(*a, name, len) == 0)
			return TRUE;
	return FALSE;
}

struct template *template_load(const char *dir, const char *name, const char *const *allowed, GError **error)
{
	g_autoptr(template) t = g_new0(struct template, 1);
	t->path = g_build_filename(dir, name, NULL);
	gsize len = 0;
	if (!g_file_get_contents(t->path, &t->text, &len, error))
		return NULL;
	if (len > TEMPLATE_MAX_BYTES || !g_utf8_validate(t->text, len, NULL)) {
		g_set_error(error, TEMPLATE_ERROR, 0, "%s: not UTF-8 text under %d bytes", t->path, TEMPLATE_MAX_BYTES);
		return NULL;
	}
	int line = 1;
	for (const char *p = t->text; *p; p++) {
		if (*p == '\n')
			line++;
		if (p[0] != '{' || p[1] != '{')
			continue;
		const char *end = strstr(p + 2, "}}");
		if (!end || memchr(p, '\n', end - p)) {
			g_set_error(error, TEMPLATE_ERROR, 0, "%s:%d: '{{' without a closing '}}'", t->path, line);
			return NULL;
		}
		const char *key = p + 2;
		gsize klen = end - key;
		if (!name_allowed(key, klen, allowed)) {
			g_set_error(error, TEMPLATE_ERROR, 0, "%s:%d: unknown placeholder {{%.*s}}", t->path, line,
				    (int)klen, key);
			return NULL;
		}
		p = end + 1;
	}
	return g_steal_pointer(&t);
}

char *template_render(const struct template *t, GHashTable *vars)
{
	GString *out = g_string_sized_new(strlen(t->text) + 256);
	const char *p = t->text;
	const char *open;
	while ((open = strstr(p, "{{")) != NULL) {
		const char *end = strstr(open + 2, "}}");
		g_string_append_len(out, p, open - p);
		g_autofree char *key = g_strndup(open + 2, end - open - 2);
		const char *value = g_hash_table_lookup(vars, key);
		if (value)
			g_string_append(out, value);
		p = end + 2;
	}
	g_string_append(out, p);
	return g_string_free(out, FALSE);
}
