/* form_spec: see form_spec.h. */
#include "form_spec.h"

#include <string.h>

#define SPEC_ERROR (g_quark_from_static_string("form-spec"))

static const char *const type_names[] = { "text", "email", "number", "choice", "long" };
G_STATIC_ASSERT(G_N_ELEMENTS(type_names) == FIELD_TYPE_COUNT);

/* nomd's own fields: their ids, the type they must have (text ones may
 * be long), and the labels the Connect Network's form has always taken. */
static const struct {
	const char *id;
	enum form_field_type type;
	const char *label;
	const char *const synonyms[8];
} slots[SLOT_COUNT] = {
	[SLOT_NAME] = { "name", FIELD_TEXT, "Name", { "full name", "nominee name" } },
	[SLOT_EMAIL] = { "email", FIELD_EMAIL, "Email", { "e-mail", "email address", "e-mail address" } },
	[SLOT_JOB_TITLE] = { "job_title", FIELD_TEXT, "Job title", { "role", "position", "job role" } },
	[SLOT_SERVICE] = { "service", FIELD_TEXT, "Service", { "service area", "department" } },
	[SLOT_SERVICE_TYPE] = { "service_type", FIELD_TEXT, "Service type", { "category" } },
	[SLOT_YEARS] = { "years",
			 FIELD_NUMBER,
			 "Years in local government",
			 { "years of experience", "experience (years)", "years" } },
	[SLOT_ASPIRATION] = { "aspiration",
			      FIELD_TEXT,
			      "Aspiration",
			      { "aspirations", "career aspiration", "career aspirations" } },
	[SLOT_EXPERTISE] = { "expertise", FIELD_TEXT, "Expertise", { "areas of expertise" } },
	[SLOT_LOCATION] = { "location", FIELD_TEXT, "Location", { "region" } },
	[SLOT_FORMAT] = { "format", FIELD_TEXT, "Format", { "preferred format" } },
};

/* The organisation a form is for: a line of the message, not of a
 * nominee, the same in every programme. */
static const char *const organisation_labels[] = {
	"organisation",		  "organization",	  "council",
	"council / organisation", "council/organisation", "organisation / council",
	"organisation/council",	  "organisation name",	  "organization name",
	"name of organisation",	  "name of organization", "council name",
};

gboolean form_spec_organisation_label(const char *folded)
{
	for (size_t i = 0; i < G_N_ELEMENTS(organisation_labels); i++)
		if (strcmp(folded, organisation_labels[i]) == 0)
			return TRUE;
	return FALSE;
}

const char *form_field_type_name(enum form_field_type t)
{
	return (unsigned)t < FIELD_TYPE_COUNT ? type_names[t] : "?";
}

gboolean form_field_type_parse(const char *name, enum form_field_type *t)
{
	for (int i = 0; i < FIELD_TYPE_COUNT; i++)
		if (g_strcmp0(name, type_names[i]) == 0) {
			*t = i;
			return TRUE;
		}
	return FALSE;
}

char *form_collapse_blanks(const char *s, gsize cap)
{
	GString *out = g_string_sized_new(64);
	gboolean space = FALSE;
	for (const char *p = s; *p; p++) {
		if (g_ascii_isspace(*p)) {
			space = out->len > 0;
			continue;
		}
		if (out->len + (space ? 2 : 1) > cap)
			break;
		if (space)
			g_string_append_c(out, ' ');
		space = FALSE;
		g_string_append_c(out, *p);
	}
	/* The cap may have cut a character in two: drop the piece, and any
	 * blank it leaves at the end. */
	const char *end;
	if (!g_utf8_validate(out->str, out->len, &end))
		g_string_truncate(out, end - out->str);
	while (out->len && out->str[out->len - 1] == ' ')
		g_string_truncate(out, out->len - 1);
	return g_string_free(out, FALSE);
}

char *form_spec_fold(const char *s)
{
	g_autofree char *low = g_utf8_casefold(s, -1);
	return form_collapse_blanks(low, G_MAXSIZE);
}

static void field_free(struct form_field *f)
{
	if (!f)
		return;
	g_free(f->id);
	g_free(f->label);
	g_ptr_array_unref(f->labels);
	if (f->choices)
		g_ptr_array_unref(f->choices);
	g_free(f);
}

static void role_free(struct form_role *r)
{
	if (!r)
		return;
	g_free(r->id);
	g_free(r->label);
	g_ptr_array_unref(r->words);
	g_ptr_array_unref(r->requires);
	g_free(r);
}

struct form_spec *form_spec_new(void)
{
	struct form_spec *s = g_new0(struct form_spec, 1);
	s->roles = g_ptr_array_new_with_free_func((GDestroyNotify)role_free);
	s->fields = g_ptr_array_new_with_free_func((GDestroyNotify)field_free);
	return s;
}

void form_spec_free(struct form_spec *s)
{
	if (!s)
		return;
	g_ptr_array_unref(s->roles);
	g_ptr_array_unref(s->fields);
	g_free(s);
}

/* An id: a lower-case letter, then letters, digits and '_', at most 32. */
static gboolean id_ok(const char *id)
{
	gsize n = id ? strlen(id) : 0;
	if (n == 0 || n > 32 || !g_ascii_islower(id[0]))
		return FALSE;
	for (gsize i = 0; i < n; i++)
		if (!g_ascii_islower(id[i]) && !g_ascii_isdigit(id[i]) && id[i] != '_')
			return FALSE;
	return TRUE;
}

/* The role a folded word names, or -1. */
static int role_index(const struct form_spec *s, const char *w)
{
	for (guint i = 0; i < s->roles->len; i++) {
		const struct form_role *r = s->roles->pdata[i];
		for (guint k = 0; k < r->words->len; k++)
			if (strcmp(r->words->pdata[k], w) == 0)
				return (int)i;
	}
	return -1;
}

/* What already answers to the folded word or label `w`, or NULL. */
static const char *claimed(const struct form_spec *s, const char *w)
{
	const struct form_field *f = form_spec_field(s, w);
	int r = role_index(s, w);
	return f ? f->id : r >= 0 ? ((const struct form_role *)s->roles->pdata[r])->id : NULL;
}

/* The label and its synonyms, folded, each claimed by nothing else. */
static gboolean take_labels(const struct form_spec *s, const char *what, const char *label, const char *const *synonyms,
			    GPtrArray **out, GError **error)
{
	g_autoptr(GPtrArray) labels = g_ptr_array_new_with_free_func(g_free);
	for (int i = -1; i < 0 || (synonyms && synonyms[i]); i++) {
		const char *l = i < 0 ? label : synonyms[i];
		g_autofree char *f = form_spec_fold(l ? l : "");
		if (!*f || strlen(f) > 60 || strchr(f, ':')) {
			g_set_error(error, SPEC_ERROR, 0, "%s: '%s' is not a label (1 to 60 characters, no ':')", what,
				    l ? l : "");
			return FALSE;
		}
		const char *owner = form_spec_organisation_label(f) ? "the organisation line" : claimed(s, f);
		gboolean again = FALSE;
		for (guint k = 0; k < labels->len; k++)
			again |= strcmp(labels->pdata[k], f) == 0;
		if (owner || again) {
			g_set_error(error, SPEC_ERROR, 0, "%s: the label '%s' is taken already (by %s)", what, l,
				    owner ? owner : what);
			return FALSE;
		}
		if (labels->len >= FORM_SPEC_MAX_LABELS) {
			g_set_error(error, SPEC_ERROR, 0, "%s: more than %d labels", what, FORM_SPEC_MAX_LABELS);
			return FALSE;
		}
		g_ptr_array_add(labels, g_steal_pointer(&f));
	}
	*out = g_steal_pointer(&labels);
	return TRUE;
}

gboolean form_spec_add_role(struct form_spec *s, const char *id, const char *label, const char *const *synonyms,
			    GError **error)
{
	if (!id_ok(id)) {
		g_set_error(error, SPEC_ERROR, 0, "'%s' is not a role id (a-z, 0-9 and _, starting with a letter)",
			    id ? id : "");
		return FALSE;
	}
	if (s->roles->len >= FORM_SPEC_MAX_ROLES) {
		g_set_error(error, SPEC_ERROR, 0, "role %s: a programme has one or two roles", id);
		return FALSE;
	}
	for (guint i = 0; i < s->roles->len; i++)
		if (strcmp(((struct form_role *)s->roles->pdata[i])->id, id) == 0) {
			g_set_error(error, SPEC_ERROR, 0, "role %s is defined twice", id);
			return FALSE;
		}
	g_autofree char *what = g_strdup_printf("role %s", id);
	GPtrArray *words = NULL;
	if (!take_labels(s, what, label, synonyms, &words, error))
		return FALSE;
	struct form_role *r = g_new0(struct form_role, 1);
	r->id = g_strdup(id);
	r->label = g_strdup(label);
	r->words = words;
	r->requires = g_ptr_array_new_with_free_func(g_free);
	g_ptr_array_add(s->roles, r);
	return TRUE;
}

enum form_slot form_slot_of(const char *id)
{
	for (int i = 0; i < SLOT_COUNT; i++)
		if (strcmp(slots[i].id, id) == 0)
			return i;
	return SLOT_NONE;
}

gboolean form_spec_add_field(struct form_spec *s, const char *id, enum form_field_type type, const char *label,
			     const char *const *synonyms, const char *const *choices, guint max_words, GError **error)
{
	if (!id_ok(id)) {
		g_set_error(error, SPEC_ERROR, 0, "'%s' is not a field id (a-z, 0-9 and _, starting with a letter)",
			    id ? id : "");
		return FALSE;
	}
	if (strcmp(id, "organisation") == 0 || form_spec_field_by_id(s, id)) {
		g_set_error(error, SPEC_ERROR, 0, "field %s is defined twice (organisation is always there)", id);
		return FALSE;
	}
	if (s->fields->len >= FORM_SPEC_MAX_FIELDS) {
		g_set_error(error, SPEC_ERROR, 0, "field %s: more than %d fields", id, FORM_SPEC_MAX_FIELDS);
		return FALSE;
	}
	enum form_slot slot = form_slot_of(id);
	if (slot != SLOT_NONE && type != slots[slot].type && !(slots[slot].type == FIELD_TEXT && type == FIELD_LONG)) {
		g_set_error(error, SPEC_ERROR, 0, "field %s is nomd's own, of type %s", id,
			    form_field_type_name(slots[slot].type));
		return FALSE;
	}
	guint nchoices = choices ? g_strv_length((char **)choices) : 0;
	if ((type == FIELD_CHOICE) != (nchoices > 0) || nchoices > FORM_SPEC_MAX_CHOICES) {
		g_set_error(error, SPEC_ERROR, 0, "field %s: choices go with type choice, 1 to %d of them", id,
			    FORM_SPEC_MAX_CHOICES);
		return FALSE;
	}
	if ((max_words && type != FIELD_LONG) || max_words > FORM_MAX_WORDS) {
		g_set_error(error, SPEC_ERROR, 0, "field %s: a word limit goes with type long, at most %d", id,
			    FORM_MAX_WORDS);
		return FALSE;
	}
	g_autofree char *what = g_strdup_printf("field %s", id);
	GPtrArray *labels = NULL;
	if (!take_labels(s, what, label, synonyms, &labels, error))
		return FALSE;
	struct form_field *f = g_new0(struct form_field, 1);
	f->id = g_strdup(id);
	f->type = type;
	f->label = g_strdup(label);
	f->labels = labels;
	f->max_words = max_words;
	f->slot = slot;
	if (nchoices) {
		f->choices = g_ptr_array_new_with_free_func(g_free);
		for (guint i = 0; i < nchoices; i++)
			g_ptr_array_add(f->choices, g_strdup(choices[i]));
	}
	g_ptr_array_add(s->fields, f);
	return TRUE;
}

gboolean form_spec_finish(struct form_spec *s, GError **error)
{
	if (s->roles->len == 0) {
		g_set_error(error, SPEC_ERROR, 0, "a programme needs a role");
		return FALSE;
	}
	for (enum form_slot k = SLOT_NAME; k <= SLOT_EMAIL; k++)
		if (!form_spec_field_by_id(s, slots[k].id) &&
		    !form_spec_add_field(s, slots[k].id, slots[k].type, slots[k].label, slots[k].synonyms, NULL, 0,
					 error))
			return FALSE;
	return TRUE;
}

const struct form_field *form_spec_field_by_id(const struct form_spec *s, const char *id)
{
	for (guint i = 0; i < s->fields->len; i++) {
		const struct form_field *f = s->fields->pdata[i];
		if (strcmp(f->id, id) == 0)
			return f;
	}
	return NULL;
}

const struct form_field *form_spec_field(const struct form_spec *s, const char *folded)
{
	for (guint i = 0; i < s->fields->len; i++) {
		const struct form_field *f = s->fields->pdata[i];
		for (guint k = 0; k < f->labels->len; k++)
			if (strcmp(f->labels->pdata[k], folded) == 0)
				return f;
	}
	return NULL;
}

int form_spec_role(const struct form_spec *s, const char *word, gsize n)
{
	g_autofree char *w = g_strndup(word, n);
	g_autofree char *f = form_spec_fold(w);
	return role_index(s, f);
}

const char *form_spec_choice(const struct form_field *f, const char *value)
{
	if (!f->choices || !value)
		return NULL;
	g_autofree char *v = form_spec_fold(value);
	for (guint i = 0; i < f->choices->len; i++) {
		g_autofree char *c = form_spec_fold(f->choices->pdata[i]);
		if (strcmp(c, v) == 0)
			return f->choices->pdata[i];
	}
	return NULL;
}

void form_spec_require(struct form_spec *s, const char *id)
{
	for (guint i = 0; i < s->fields->len; i++) {
		struct form_field *f = s->fields->pdata[i];
		if (strcmp(f->id, id) == 0)
			f->required = TRUE;
	}
}

gboolean form_spec_role_requires(struct form_spec *s, int role, const char *id)
{
	if (role < 0 || (guint)role >= s->roles->len || !form_spec_field_by_id(s, id))
		return FALSE;
	struct form_role *r = s->roles->pdata[role];
	g_ptr_array_add(r->requires, g_strdup(id));
	return TRUE;
}

void form_spec_add_builtin_roles(struct form_spec *s)
{
	static const char *const mentee[] = { "mentee", NULL };
	gboolean ok = form_spec_add_role(s, "member", "Member", mentee, NULL) &&
		      form_spec_add_role(s, "mentor", "Mentor", NULL, NULL);
	g_assert(ok);
}

void form_spec_add_builtin_fields(struct form_spec *s)
{
	for (int i = 0; i < SLOT_COUNT; i++) {
		if (form_spec_field_by_id(s, slots[i].id))
			continue;
		/* A label the programme gave another field stays that field's. */
		g_autoptr(GPtrArray) free_labels = g_ptr_array_new();
		for (int k = -1; k < 0 || slots[i].synonyms[k]; k++) {
			const char *l = k < 0 ? slots[i].label : slots[i].synonyms[k];
			g_autofree char *f = form_spec_fold(l);
			if (!claimed(s, f))
				g_ptr_array_add(free_labels, (gpointer)l);
		}
		if (free_labels->len == 0)
			continue;
		const char *label = free_labels->pdata[0];
		g_ptr_array_remove_index(free_labels, 0);
		g_ptr_array_add(free_labels, NULL);
		gboolean ok = form_spec_add_field(s, slots[i].id, slots[i].type, label,
						  (const char *const *)free_labels->pdata, NULL, 0, NULL);
		g_assert(ok);
	}
}

static gpointer build_builtin(gpointer unused)
{
	(void)unused;
	struct form_spec *s = form_spec_new();
	form_spec_add_builtin_roles(s);
	form_spec_add_builtin_fields(s);
	return s;
}

const struct form_spec *form_spec_builtin(void)
{
	static GOnce once = G_ONCE_INIT;
	return g_once(&once, build_builtin, NULL);
}

gboolean form_spec_role_column(const struct form_spec *s, const char *folded)
{
	if (s->roles->len != 2)
		return FALSE;
	const char *sep = strstr(folded, " or ");
	gsize skip = 4;
	if (!sep) {
		sep = strchr(folded, '/');
		skip = 1;
	}
	if (!sep)
		return FALSE;
	g_autofree char *a = g_strstrip(g_strndup(folded, sep - folded));
	g_autofree char *b = g_strstrip(g_strdup(sep + skip));
	int ra = role_index(s, a), rb = role_index(s, b);
	return ra >= 0 && rb >= 0 && ra != rb;
}

/* --- The spec as text, for nomd-reader. --- */

#define TEXT_GROUP "spec"
#define TEXT_VERSION 1

/* Elements `from`.. of an array of strings as a key's list, if any. */
static void set_list(GKeyFile *k, const char *group, const char *key, const GPtrArray *a, guint from)
{
	if (a && a->len > from)
		g_key_file_set_string_list(k, group, key, (const char *const *)a->pdata + from, a->len - from);
}

char *form_spec_to_text(const struct form_spec *s, gsize *len, GError **error)
{
	g_autoptr(GKeyFile) k = g_key_file_new();
	g_key_file_set_integer(k, TEXT_GROUP, "version", TEXT_VERSION);
	if (s->unsectioned)
		g_key_file_set_boolean(k, TEXT_GROUP, "unsectioned", TRUE);
	for (guint i = 0; i < s->roles->len; i++) {
		const struct form_role *r = s->roles->pdata[i];
		g_autofree char *group = g_strconcat("role ", r->id, NULL);
		g_key_file_set_string(k, group, "label", r->label);
		/* words[0] is the label, folded: the reader folds it again. */
		set_list(k, group, "synonyms", r->words, 1);
	}
	for (guint i = 0; i < s->fields->len; i++) {
		const struct form_field *f = s->fields->pdata[i];
		g_autofree char *group = g_strconcat("field ", f->id, NULL);
		g_key_file_set_string(k, group, "label", f->label);
		g_key_file_set_string(k, group, "type", form_field_type_name(f->type));
		set_list(k, group, "synonyms", f->labels, 1);
		set_list(k, group, "choices", f->choices, 0);
		if (f->max_words)
			g_key_file_set_integer(k, group, "max_words", (gint)f->max_words);
		if (f->required)
			g_key_file_set_boolean(k, group, "required", TRUE);
	}
	gsize n = 0;
	g_autofree char *text = g_key_file_to_data(k, &n, NULL);
	if (n > FORM_SPEC_MAX_TEXT) {
		g_set_error(error, SPEC_ERROR, 0, "the form's definition takes %zu bytes as text, over %d", n,
			    FORM_SPEC_MAX_TEXT);
		return NULL;
	}
	if (len)
		*len = n;
	return g_steal_pointer(&text);
}

/* A key's list as a NULL-terminated vector, or NULL when it is absent. */
static char **get_list(GKeyFile *k, const char *group, const char *key)
{
	return g_key_file_has_key(k, group, key, NULL) ? g_key_file_get_string_list(k, group, key, NULL, NULL) : NULL;
}

static gboolean role_from_text(GKeyFile *k, const char *group, struct form_spec *s, GError **error)
{
	g_autofree char *label = g_key_file_get_string(k, group, "label", error);
	g_auto(GStrv) synonyms = get_list(k, group, "synonyms");
	return label && form_spec_add_role(s, group + strlen("role "), label, (const char *const *)synonyms, error);
}

static gboolean field_from_text(GKeyFile *k, const char *group, struct form_spec *s, GError **error)
{
	const char *id = group + strlen("field ");
	g_autofree char *label = g_key_file_get_string(k, group, "label", error);
	if (!label)
		return FALSE;
	g_autofree char *type_name = g_key_file_get_string(k, group, "type", NULL);
	enum form_field_type type;
	if (!form_field_type_parse(type_name, &type)) {
		g_set_error(error, SPEC_ERROR, 0, "field %s: no type", id);
		return FALSE;
	}
	gint64 words =
		g_key_file_has_key(k, group, "max_words", NULL) ? g_key_file_get_int64(k, group, "max_words", NULL) : 0;
	if (words < 0 || words > FORM_MAX_WORDS) {
		g_set_error(error, SPEC_ERROR, 0, "field %s: max_words out of range", id);
		return FALSE;
	}
	g_auto(GStrv) synonyms = get_list(k, group, "synonyms");
	g_auto(GStrv) choices = get_list(k, group, "choices");
	if (!form_spec_add_field(s, id, type, label, (const char *const *)synonyms, (const char *const *)choices,
				 (guint)words, error))
		return FALSE;
	if (g_key_file_get_boolean(k, group, "required", NULL))
		form_spec_require(s, id);
	return TRUE;
}

struct form_spec *form_spec_from_text(const char *text, gsize len, GError **error)
{
	if (len > FORM_SPEC_MAX_TEXT || !g_utf8_validate(text, len, NULL) || memchr(text, '\0', len)) {
		g_set_error(error, SPEC_ERROR, 0, "the form's definition is not text of at most %d bytes",
			    FORM_SPEC_MAX_TEXT);
		return NULL;
	}
	g_autoptr(GKeyFile) k = g_key_file_new();
	if (!g_key_file_load_from_data(k, text, len, G_KEY_FILE_NONE, error))
		return NULL;
	if (!g_key_file_has_key(k, TEXT_GROUP, "version", NULL) ||
	    g_key_file_get_integer(k, TEXT_GROUP, "version", NULL) != TEXT_VERSION) {
		g_set_error(error, SPEC_ERROR, 0, "the form's definition is not version %d", TEXT_VERSION);
		return NULL;
	}
	g_autoptr(form_spec) s = form_spec_new();
	g_auto(GStrv) groups = g_key_file_get_groups(k, NULL);
	for (gsize i = 0; groups[i]; i++) {
		const char *g = groups[i];
		gboolean ok = TRUE;
		if (g_str_has_prefix(g, "role "))
			ok = role_from_text(k, g, s, error);
		else if (g_str_has_prefix(g, "field "))
			ok = field_from_text(k, g, s, error);
		else if (strcmp(g, TEXT_GROUP) != 0) {
			g_set_error(error, SPEC_ERROR, 0, "the form's definition has an unknown part");
			ok = FALSE;
		}
		if (!ok)
			return NULL;
	}
	if (!form_spec_finish(s, error))
		return NULL;
	s->unsectioned = g_key_file_get_boolean(k, TEXT_GROUP, "unsectioned", NULL);
	return g_steal_pointer(&s);
}
