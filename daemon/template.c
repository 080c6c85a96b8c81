/* template: a mustache subset over staff-editable files. The text is
 * parsed once, at load, into a tree of nodes; rendering walks the tree with
 * a stack of scopes. */
#include "template.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <gio/gio.h>

/* clang-format off */
G_DEFINE_QUARK(nomd-template-error-quark, template_error)
/* clang-format on */

enum node_kind { N_TEXT, N_VAR, N_RAW, N_SECTION, N_INVERTED };

struct node {
	enum node_kind kind;
	char *text;	     /* N_TEXT: the text; others: the name */
	GPtrArray *children; /* sections: struct node * */
};

struct template
{
	char *path;
	gboolean html;
	GPtrArray *nodes;
};

enum value_kind { V_STRING, V_FLAG, V_LIST };

struct value {
	enum value_kind kind;
	char *str;
	gboolean flag;
	GPtrArray *items; /* of struct tdata * */
};

struct tdata {
	GHashTable *values; /* name -> struct value * */
};

static void value_free(struct value *v)
{
	g_free(v->str);
	if (v->items)
		g_ptr_array_unref(v->items);
	g_free(v);
}

struct tdata *tdata_new(void)
{
	struct tdata *d = g_new0(struct tdata, 1);
	d->values = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, (GDestroyNotify)value_free);
	return d;
}

void tdata_free(struct tdata *d)
{
	if (!d)
		return;
	g_hash_table_unref(d->values);
	g_free(d);
}

void tdata_set_take(struct tdata *d, const char *name, char *value)
{
	struct value *v = g_new0(struct value, 1);
	v->kind = V_STRING;
	v->str = value ? value : g_strdup("");
	g_hash_table_replace(d->values, g_strdup(name), v);
}

void tdata_set(struct tdata *d, const char *name, const char *value)
{
	tdata_set_take(d, name, g_strdup(value ? value : ""));
}

void tdata_set_flag(struct tdata *d, const char *name, gboolean on)
{
	struct value *v = g_new0(struct value, 1);
	v->kind = V_FLAG;
	v->flag = on;
	g_hash_table_replace(d->values, g_strdup(name), v);
}

const char *tdata_get(const struct tdata *d, const char *name)
{
	const struct value *v = g_hash_table_lookup(d->values, name);
	return v && v->kind == V_STRING ? v->str : "";
}

/* The list `name`, made (empty) when missing. */
static struct value *tdata_add_list(struct tdata *d, const char *name)
{
	struct value *v = g_hash_table_lookup(d->values, name);
	if (!v || v->kind != V_LIST) {
		v = g_new0(struct value, 1);
		v->kind = V_LIST;
		v->items = g_ptr_array_new_with_free_func((GDestroyNotify)tdata_free);
		g_hash_table_replace(d->values, g_strdup(name), v);
	}
	return v;
}

struct tdata *tdata_add_item(struct tdata *d, const char *name)
{
	struct value *v = tdata_add_list(d, name);
	struct tdata *item = tdata_new();
	g_ptr_array_add(v->items, item);
	return item;
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

GVariant *tdata_to_variant(const struct tdata *d)
{
	GVariantBuilder b;
	g_variant_builder_init(&b, G_VARIANT_TYPE_VARDICT);
	/* Sorted, so that the same values always print the same. */
	g_autofree gpointer *names = g_hash_table_get_keys_as_array(d->values, NULL);
	guint n = g_hash_table_size(d->values);
	qsort(names, n, sizeof *names, by_name);
	for (guint i = 0; i < n; i++) {
		const struct value *v = g_hash_table_lookup(d->values, names[i]);
		GVariant *value = NULL;
		if (v->kind == V_STRING) {
			value = g_variant_new_string(v->str);
		} else if (v->kind == V_FLAG) {
			value = g_variant_new_boolean(v->flag);
		} else {
			GVariantBuilder items;
			g_variant_builder_init(&items, G_VARIANT_TYPE("aa{sv}"));
			for (guint k = 0; k < v->items->len; k++)
				g_variant_builder_add_value(&items, tdata_to_variant(v->items->pdata[k]));
			value = g_variant_builder_end(&items);
		}
		g_variant_builder_add(&b, "{sv}", (const char *)names[i], value);
	}
	return g_variant_builder_end(&b);
}

static gboolean from_variant(struct tdata *d, GVariant *v, int depth, GError **error)
{
	if (depth > TEMPLATE_MAX_DEPTH || !g_variant_is_of_type(v, G_VARIANT_TYPE_VARDICT)) {
		g_set_error(error, TEMPLATE_ERROR, 0, "the facts are not a dictionary of values");
		return FALSE;
	}
	GVariantIter iter;
	const char *name;
	GVariant *value;
	g_variant_iter_init(&iter, v);
	while (g_variant_iter_loop(&iter, "{&sv}", &name, &value)) {
		if (g_variant_is_of_type(value, G_VARIANT_TYPE_STRING)) {
			tdata_set(d, name, g_variant_get_string(value, NULL));
		} else if (g_variant_is_of_type(value, G_VARIANT_TYPE_BOOLEAN)) {
			tdata_set_flag(d, name, g_variant_get_boolean(value));
		} else if (g_variant_is_of_type(value, G_VARIANT_TYPE("aa{sv}"))) {
			gsize n = g_variant_n_children(value);
			if (n == 0) /* an empty list is a list all the same */
				tdata_add_list(d, name);
			for (gsize i = 0; i < n; i++) {
				g_autoptr(GVariant) item = g_variant_get_child_value(value, i);
				if (!from_variant(tdata_add_item(d, name), item, depth + 1, error)) {
					g_variant_unref(value);
					return FALSE;
				}
			}
		} else {
			g_set_error(error, TEMPLATE_ERROR, 0, "the fact '%s' is of type %s", name,
				    g_variant_get_type_string(value));
			g_variant_unref(value);
			return FALSE;
		}
	}
	return TRUE;
}

struct tdata *tdata_from_variant(GVariant *v, GError **error)
{
	g_autoptr(tdata) d = tdata_new();
	if (!from_variant(d, v, 0, error))
		return NULL;
	return g_steal_pointer(&d);
}

static void node_free(struct node *n)
{
	if (!n)
		return;
	g_free(n->text);
	if (n->children)
		g_ptr_array_unref(n->children);
	g_free(n);
}

void template_free(struct template *t)
{
	if (!t)
		return;
	g_free(t->path);
	if (t->nodes)
		g_ptr_array_unref(t->nodes);
	g_free(t);
}

static GPtrArray *node_list(void)
{
	return g_ptr_array_new_with_free_func((GDestroyNotify)node_free);
}

static void add_text(GPtrArray *into, const char *s, gsize len)
{
	if (len == 0)
		return;
	struct node *last = into->len ? into->pdata[into->len - 1] : NULL;
	if (last && last->kind == N_TEXT) {
		char *joined = g_strdup_printf("%s%.*s", last->text, (int)len, s);
		g_free(last->text);
		last->text = joined;
		return;
	}
	struct node *n = g_new0(struct node, 1);
	n->kind = N_TEXT;
	n->text = g_strndup(s, len);
	g_ptr_array_add(into, n);
}

struct parser {
	const struct template *t;
	const char *const *allowed;
	GPtrArray *stack[TEMPLATE_MAX_DEPTH + 1]; /* open node lists */
	struct node *open[TEMPLATE_MAX_DEPTH + 1];
	int depth;
	int line;
};

static gboolean name_ok(const char *const *allowed, const char *name)
{
	for (const char *const *a = allowed; *a; a++)
		if (strcmp(*a, name) == 0)
			return TRUE;
	return FALSE;
}

/* One tag, its text between the braces given (without them). */
static gboolean add_tag(struct parser *p, const char *tag, gboolean raw, GError **error)
{
	/* strchr() finds the NUL of an empty tag: test tag[0] first. */
	g_autofree char *name = g_strstrip(g_strdup(raw ? tag : tag + (tag[0] && strchr("#^/", tag[0]) ? 1 : 0)));
	g_strstrip(name);
	if (!*name || !name_ok(p->allowed, name)) {
		g_set_error(error, TEMPLATE_ERROR, 0, "%s:%d: unknown placeholder {{%s}}", p->t->path, p->line, tag);
		return FALSE;
	}
	GPtrArray *into = p->stack[p->depth];
	if (!raw && tag[0] == '/') {
		if (p->depth == 0 || strcmp(p->open[p->depth]->text, name) != 0) {
			g_set_error(error, TEMPLATE_ERROR, 0, "%s:%d: {{/%s}} closes no open section", p->t->path,
				    p->line, name);
			return FALSE;
		}
		p->depth--;
		return TRUE;
	}
	struct node *n = g_new0(struct node, 1);
	n->text = g_steal_pointer(&name);
	g_ptr_array_add(into, n);
	if (raw) {
		n->kind = N_RAW;
	} else if (tag[0] == '#' || tag[0] == '^') {
		n->kind = tag[0] == '#' ? N_SECTION : N_INVERTED;
		if (p->depth == TEMPLATE_MAX_DEPTH) {
			g_set_error(error, TEMPLATE_ERROR, 0, "%s:%d: sections nested too deeply", p->t->path, p->line);
			return FALSE;
		}
		n->children = node_list();
		p->depth++;
		p->stack[p->depth] = n->children;
		p->open[p->depth] = n;
	} else {
		n->kind = N_VAR;
	}
	return TRUE;
}

/* A line that is only one section tag vanishes with its line break. */
static gboolean standalone_section(const char *line, char **tag)
{
	g_autofree char *s = g_strstrip(g_strdup(line));
	size_t n = strlen(s);
	if (n < 5 || strncmp(s, "{{", 2) != 0 || strcmp(s + n - 2, "}}") != 0 || !strchr("#^/", s[2]) ||
	    strstr(s + 2, "{{") || strstr(s, "}}") != s + n - 2)
		return FALSE;
	*tag = g_strndup(s + 2, n - 4);
	return TRUE;
}

static gboolean parse_line(struct parser *p, const char *line, gboolean newline, GError **error)
{
	g_autofree char *section = NULL;
	if (standalone_section(line, &section))
		return add_tag(p, section, FALSE, error);
	const char *s = line;
	const char *open;
	while ((open = strstr(s, "{{")) != NULL) {
		add_text(p->stack[p->depth], s, open - s);
		gboolean raw = open[2] == '{';
		const char *close = strstr(open + (raw ? 3 : 2), raw ? "}}}" : "}}");
		if (!close) {
			g_set_error(error, TEMPLATE_ERROR, 0, "%s:%d: '{{' without a closing '}}'", p->t->path,
				    p->line);
			return FALSE;
		}
		g_autofree char *tag = g_strndup(open + (raw ? 3 : 2), close - open - (raw ? 3 : 2));
		if (!add_tag(p, tag, raw, error))
			return FALSE;
		s = close + (raw ? 3 : 2);
	}
	add_text(p->stack[p->depth], s, strlen(s));
	if (newline)
		add_text(p->stack[p->depth], "\n", 1);
	return TRUE;
}

/* Parse `text` (not NUL-ended, `len` bytes); `path` names it in errors. */
static struct template *template_parse(const char *path, const char *text, gsize len, const char *const *allowed,
				       GError **error)
{
	g_autoptr(template) t = g_new0(struct template, 1);
	t->path = g_strdup(path);
	t->html = g_str_has_suffix(path, ".html");
	t->nodes = node_list();
	if (len > TEMPLATE_MAX_BYTES || !g_utf8_validate_len(text, len, NULL)) {
		g_set_error(error, TEMPLATE_ERROR, 0, "%s: not UTF-8 text under %d bytes", t->path, TEMPLATE_MAX_BYTES);
		return NULL;
	}
	g_autofree char *copy = g_strndup(text, len);
	struct parser p = { .t = t, .allowed = allowed, .stack = { t->nodes } };
	g_auto(GStrv) lines = g_strsplit(copy, "\n", -1);
	for (size_t i = 0; lines[i]; i++) {
		p.line = (int)i + 1;
		if (!parse_line(&p, lines[i], lines[i + 1] != NULL, error))
			return NULL;
	}
	if (p.depth != 0) {
		g_set_error(error, TEMPLATE_ERROR, 0, "%s: {{#%s}} is never closed", t->path, p.open[p.depth]->text);
		return NULL;
	}
	return g_steal_pointer(&t);
}

struct template *template_load(const char *dir, const char *name, const char *const *allowed, GError **error)
{
	g_autofree char *path = g_build_filename(dir, name, NULL);
	g_autofree char *text = NULL;
	gsize len = 0;
	if (!g_file_get_contents(path, &text, &len, error))
		return NULL;
	return template_parse(path, text, len, allowed, error);
}

GBytes *template_builtin(const char *name, GError **error)
{
	g_autofree char *path = g_strconcat(TEMPLATE_RESOURCE_PATH, name, NULL);
	return g_resources_lookup_data(path, G_RESOURCE_LOOKUP_FLAGS_NONE, error);
}

struct template *template_open(const char *overrides, const char *name, const char *const *allowed, GError **error)
{
	if (overrides && *overrides) {
		g_autofree char *path = g_build_filename(overrides, name, NULL);
		if (g_file_test(path, G_FILE_TEST_EXISTS))
			return template_load(overrides, name, allowed, error);
	}
	g_autoptr(GBytes) text = template_builtin(name, error);
	if (!text)
		return NULL;
	g_autofree char *label = g_strconcat("built-in ", name, NULL);
	gsize len = 0;
	const char *data = g_bytes_get_data(text, &len);
	return template_parse(label, data, len, allowed, error);
}

static int compare_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

char **template_builtin_names(void)
{
	g_auto(GStrv) names =
		g_resources_enumerate_children(TEMPLATE_RESOURCE_PATH, G_RESOURCE_LOOKUP_FLAGS_NONE, NULL);
	if (!names)
		return g_new0(char *, 1);
	qsort(names, g_strv_length(names), sizeof *names, compare_names);
	return g_steal_pointer(&names);
}

gboolean template_export(const char *dir, gboolean force, guint *written, GError **error)
{
	*written = 0;
	if (g_mkdir_with_parents(dir, 0755) != 0) {
		int e = errno;
		g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(e), "%s: %s", dir, g_strerror(e));
		return FALSE;
	}
	g_auto(GStrv) names = template_builtin_names();
	/* Every file checked before any is written: a refusal changes nothing. */
	for (char **n = names; !force && *n; n++) {
		g_autofree char *path = g_build_filename(dir, *n, NULL);
		if (g_file_test(path, G_FILE_TEST_EXISTS)) {
			g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_EXIST, "%s exists (--force replaces it)", path);
			return FALSE;
		}
	}
	for (char **n = names; *n; n++) {
		g_autofree char *path = g_build_filename(dir, *n, NULL);
		g_autoptr(GBytes) text = template_builtin(*n, error);
		gsize len = 0;
		const char *data = text ? g_bytes_get_data(text, &len) : NULL;
		if (!text || !g_file_set_contents(path, data, (gssize)len, error))
			return FALSE;
		(*written)++;
	}
	return TRUE;
}

static const struct value *lookup(GPtrArray *scopes, const char *name)
{
	for (guint i = scopes->len; i-- > 0;) {
		const struct tdata *d = scopes->pdata[i];
		const struct value *v = g_hash_table_lookup(d->values, name);
		if (v)
			return v;
	}
	return NULL;
}

static gboolean truthy(const struct value *v)
{
	if (!v)
		return FALSE;
	switch (v->kind) {
	case V_STRING: return *v->str != '\0';
	case V_FLAG: return v->flag;
	case V_LIST: return v->items->len > 0;
	}
	return FALSE;
}

static void append_escaped(GString *out, const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '&': g_string_append(out, "&amp;"); break;
		case '<': g_string_append(out, "&lt;"); break;
		case '>': g_string_append(out, "&gt;"); break;
		case '"': g_string_append(out, "&quot;"); break;
		case '\'': g_string_append(out, "&#39;"); break;
		default: g_string_append_c(out, *s);
		}
	}
}

static void render_nodes(const struct template *t, GPtrArray *nodes, GPtrArray *scopes, GString *out)
{
	for (guint i = 0; i < nodes->len; i++) {
		const struct node *n = nodes->pdata[i];
		const struct value *v = n->kind == N_TEXT ? NULL : lookup(scopes, n->text);
		switch (n->kind) {
		case N_TEXT: g_string_append(out, n->text); break;
		case N_VAR:
		case N_RAW:
			if (v && v->kind == V_STRING) {
				if (t->html && n->kind == N_VAR)
					append_escaped(out, v->str);
				else
					g_string_append(out, v->str);
			}
			break;
		case N_SECTION:
			if (v && v->kind == V_LIST) {
				for (guint k = 0; k < v->items->len; k++) {
					g_ptr_array_add(scopes, v->items->pdata[k]);
					render_nodes(t, n->children, scopes, out);
					g_ptr_array_remove_index(scopes, scopes->len - 1);
				}
			} else if (truthy(v)) {
				render_nodes(t, n->children, scopes, out);
			}
			break;
		case N_INVERTED:
			if (!truthy(v))
				render_nodes(t, n->children, scopes, out);
			break;
		}
	}
}

char *template_render(const struct template *t, const struct tdata *data)
{
	GString *out = g_string_sized_new(4096);
	g_autoptr(GPtrArray) scopes = g_ptr_array_new();
	g_ptr_array_add(scopes, (gpointer)data);
	render_nodes(t, t->nodes, scopes, out);
	return g_string_free(out, FALSE);
}
