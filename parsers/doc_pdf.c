/* doc_pdf: PDF through poppler-glib. A fillable form's fields come first:
 * each field's name (or, when the name says nothing, its tooltip) like
 * "Member 1 Name", "mentor2_email" or "Organisation" is split into a
 * section and a label, and the fields are written out section by section
 * in the order they first appear ("Member 1", "Name: ..."). When no field
 * gives a nominee, the text of each page follows (a printed form, or one
 * typed over a PDF). No text at all is a scan: DOC_NO_TEXT. */
#include "doc_read.h"

#include <poppler.h>
#include <string.h>

#include "form.h"

G_DEFINE_AUTOPTR_CLEANUP_FUNC(PopplerDocument, g_object_unref)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(PopplerPage, g_object_unref)

/* poppler reports damage on stderr, quoting names from the document;
 * nomd-reader's stderr carries only its own one-line detail. poppler-glib
 * has no way to set the core's error callback, so it is called by its C++
 * name (poppler 22.12: void setErrorCallback(ErrorCallback)); a poppler
 * that changes it fails to link rather than misbehave. */
typedef void (*poppler_error_cb)(int category, long long pos, const char *message);
extern void poppler_core_set_error_callback(poppler_error_cb cb) __asm__("_Z16setErrorCallbackPFv13ErrorCategoryxPKcE");

static void drop_error(int category, long long pos, const char *message)
{
}

static void quiet_poppler(void)
{
	static gsize once;
	if (g_once_init_enter(&once)) {
		poppler_core_set_error_callback(drop_error);
		g_once_init_leave(&once, 1);
	}
}

static enum doc_status fail(enum doc_status st, char **detail, const char *text)
{
	if (detail)
		*detail = g_strdup(text);
	return st;
}

/* A field name split up: "member1_email" is member, 1, "email". */
struct field_name {
	gboolean has_role;
	enum nominee_role role;
	guint number;
	char *label; /* lower case, single-spaced; "" when none */
};

static void field_name_clear(struct field_name *f)
{
	g_free(f->label);
}

/* Words of a name: letters and digits, split where one turns into the
 * other ("member1" -> "member 1") and at anything else. */
static char **name_words(const char *name)
{
	GString *s = g_string_new(NULL);
	char prev = ' ';
	for (const char *p = name; *p; p++) {
		char c = g_ascii_tolower(*p);
		gboolean alnum = g_ascii_isalnum(c) || (guchar)c >= 0x80;
		if (!alnum)
			c = ' ';
		else if (prev != ' ' && g_ascii_isdigit(c) != g_ascii_isdigit(prev))
			g_string_append_c(s, ' ');
		g_string_append_c(s, c);
		prev = c;
	}
	char **words = g_strsplit(s->str, " ", -1);
	g_string_free(s, TRUE);
	return words;
}

static void parse_field_name(const struct form_spec *spec, const char *name, struct field_name *f)
{
	memset(f, 0, sizeof *f);
	g_auto(GStrv) words = name_words(name ? name : "");
	GString *label = g_string_new(NULL);
	for (size_t i = 0; words[i]; i++) {
		if (!*words[i])
			continue;
		if (!f->has_role && form_role_value_spec(spec, words[i], &f->role)) {
			f->has_role = TRUE;
			guint64 n;
			if (words[i + 1] && g_ascii_string_to_unsigned(words[i + 1], 10, 1, 999, &n, NULL)) {
				f->number = (guint)n;
				i++;
			}
			continue;
		}
		if (label->len)
			g_string_append_c(label, ' ');
		g_string_append(label, words[i]);
	}
	f->label = g_string_free(label, FALSE);
}

/* A label the form reader knows; "organisation name" is the organisation. */
static const char *known_label(const struct form_spec *spec, const char *label)
{
	if (strstr(label, "organisation") || strstr(label, "organization"))
		return "organisation";
	return *label && form_column_kind_spec(spec, label) != FORM_COLUMN_OTHER ? label : NULL;
}

/* One section of the output: "Member 1" and its lines, or the lines
 * before any section (has_role FALSE). */
struct section {
	gboolean has_role;
	enum nominee_role role;
	guint number;
	GString *lines;
};

static void section_free(struct section *s)
{
	g_string_free(s->lines, TRUE);
	g_free(s);
}

static struct section *section_for(GPtrArray *sections, const struct field_name *f)
{
	for (guint i = 0; i < sections->len; i++) {
		struct section *s = sections->pdata[i];
		if (s->has_role == f->has_role && (!f->has_role || (s->role == f->role && s->number == f->number)))
			return s;
	}
	struct section *s = g_new0(struct section, 1);
	s->has_role = f->has_role;
	s->role = f->role;
	s->number = f->number;
	s->lines = g_string_new(NULL);
	g_ptr_array_add(sections, s);
	return s;
}

/* A value on one line, valid UTF-8, trimmed, at most DOC_MAX_CELL bytes. */
static char *clean_value(const char *raw)
{
	g_autofree char *valid = g_utf8_make_valid(raw, -1);
	g_strdelimit(valid, "\r\n\t\f\v", ' ');
	g_strstrip(valid);
	if (strlen(valid) > DOC_MAX_CELL) {
		const char *end = g_utf8_find_prev_char(valid, valid + DOC_MAX_CELL + 1);
		valid[end ? end - valid : 0] = '\0';
		g_strchomp(valid);
	}
	return g_steal_pointer(&valid);
}

/* A text field's text, a choice field's selection, else NULL. */
static char *field_value(PopplerFormField *field)
{
	switch (poppler_form_field_get_field_type(field)) {
	case POPPLER_FORM_FIELD_TEXT: return poppler_form_field_text_get_text(field);
	case POPPLER_FORM_FIELD_CHOICE: {
		if (poppler_form_field_choice_is_editable(field))
			return poppler_form_field_choice_get_text(field);
		GString *s = g_string_new(NULL);
		gint n = MIN(poppler_form_field_choice_get_n_items(field), DOC_MAX_COLUMNS);
		for (gint i = 0; i < n; i++) {
			if (!poppler_form_field_choice_is_item_selected(field, i))
				continue;
			g_autofree char *item = poppler_form_field_choice_get_item(field, i);
			g_string_append_printf(s, "%s%s", s->len ? ", " : "", item ? item : "");
		}
		return g_string_free(s, FALSE);
	}
	default: return NULL;
	}
}

/* The field's section and label, from its name, else its tooltip. */
static const char *field_place(const struct form_spec *spec, PopplerFormField *field, struct field_name *where)
{
	g_autofree char *name = poppler_form_field_get_name(field);
	if (!name)
		name = poppler_form_field_get_partial_name(field);
	g_autofree char *tip = poppler_form_field_get_alternate_ui_name(field);
	struct field_name by_tip;
	parse_field_name(spec, name, where);
	parse_field_name(spec, tip, &by_tip);
	if (!where->has_role && by_tip.has_role) {
		where->has_role = TRUE;
		where->role = by_tip.role;
		where->number = by_tip.number;
	}
	const char *label = known_label(spec, where->label);
	if (!label && (label = known_label(spec, by_tip.label))) {
		g_free(where->label);
		where->label = g_strdup(label);
		label = where->label;
	}
	field_name_clear(&by_tip);
	return label;
}

static void add_field(const struct form_spec *spec, PopplerFormField *field, GPtrArray *sections)
{
	g_autofree char *raw = field_value(field);
	g_autofree char *value = raw ? clean_value(raw) : NULL;
	if (!value || !*value)
		return;
	struct field_name where;
	const char *label = field_place(spec, field, &where);
	if (label) {
		struct section *s = section_for(sections, &where);
		g_string_append_printf(s->lines, "%c%s: %s\n", g_ascii_toupper(label[0]), label + 1, value);
	}
	field_name_clear(&where);
}

/* The fields of the first pages, as form lines; TRUE if any section (a
 * nominee) came of them. */
static gboolean read_fields(const struct form_spec *spec, PopplerDocument *doc, int pages, GString *out)
{
	g_autoptr(GPtrArray) sections = g_ptr_array_new_with_free_func((GDestroyNotify)section_free);
	guint fields = 0;
	for (int i = 0; i < pages && fields < DOC_MAX_CELLS; i++) {
		g_autoptr(PopplerPage) page = poppler_document_get_page(doc, i);
		/* poppler lists a page's fields last to first */
		GList *map = page ? g_list_reverse(poppler_page_get_form_field_mapping(page)) : NULL;
		for (GList *l = map; l && fields++ < DOC_MAX_CELLS; l = l->next)
			add_field(spec, ((PopplerFormFieldMapping *)l->data)->field, sections);
		poppler_page_free_form_field_mapping(map);
	}
	gboolean nominee = FALSE;
	for (guint pass = 0; pass < 2; pass++)
		for (guint i = 0; i < sections->len; i++) {
			const struct section *s = sections->pdata[i];
			if (s->has_role != (pass == 1))
				continue;
			if (s->has_role) {
				const char *role = ((const struct form_role *)spec->roles->pdata[s->role])->label;
				g_string_append_printf(out, s->number ? "%s %u\n" : "%s\n", role, s->number);
				nominee = TRUE;
			}
			g_string_append_len(out, s->lines->str, s->lines->len);
		}
	return nominee;
}

/* The text of the first pages; TRUE if there was any. */
static gboolean read_text(PopplerDocument *doc, int pages, GString *out)
{
	gboolean any = FALSE;
	for (int i = 0; i < pages && out->len < DOC_MAX_TEXT; i++) {
		g_autoptr(PopplerPage) page = poppler_document_get_page(doc, i);
		g_autofree char *raw = page ? poppler_page_get_text(page) : NULL;
		if (!raw)
			continue;
		g_autofree char *text = g_utf8_make_valid(raw, -1);
		for (const char *p = text; *p && !any; p++)
			any = !g_ascii_isspace(*p);
		g_string_append(out, text);
		if (out->len && out->str[out->len - 1] != '\n')
			g_string_append_c(out, '\n');
	}
	return any;
}

static enum doc_status open_error(const GError *error, char **detail)
{
	if (g_error_matches(error, POPPLER_ERROR, POPPLER_ERROR_ENCRYPTED))
		return fail(DOC_UNSUPPORTED, detail, "password-protected PDF");
	return fail(DOC_UNREADABLE, detail, "damaged PDF");
}

enum doc_status doc_read_pdf(const guint8 *data, gsize len, const struct form_spec *spec, GString *out, char **detail)
{
	if (!spec)
		spec = form_spec_builtin();
	quiet_poppler();
	g_autoptr(GBytes) bytes = g_bytes_new_static(data, len);
	g_autoptr(GError) error = NULL;
	g_autoptr(PopplerDocument) doc = poppler_document_new_from_bytes(bytes, NULL, &error);
	if (!doc)
		return open_error(error, detail);
	int pages = MIN(poppler_document_get_n_pages(doc), DOC_MAX_PAGES);
	gsize start = out->len;
	if (read_fields(spec, doc, pages, out))
		return DOC_OK;
	gboolean fields = out->len > start;
	if (!read_text(doc, pages, out) && !fields)
		return fail(DOC_NO_TEXT, detail, "PDF without text (a scan?)");
	return DOC_OK;
}
