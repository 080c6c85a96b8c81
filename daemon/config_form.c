/* config_form: `programme.fields`, the programme's own fields on top of
 * the Connect Network's form: each a group { id; label; synonyms; type;
 * choices; max_words; required; }, checked by form_spec and refused at
 * its FILE:LINE. Part of config; see config.h. */
#include "config_internal.h"

#include <string.h>

static const char *const field_keys[] = { "id", "label", "synonyms", "type", "choices", "max_words", "required" };

/* A list of strings as a NULL-terminated vector of borrowed strings. */
static gboolean strings(const char *path, const config_setting_t *s, const char *what, GPtrArray *out, GError **error)
{
	if (!s)
		return TRUE;
	if (!config_setting_is_array(s) && !config_setting_is_list(s))
		return config_fail_at(error, path, s, "%s must be a list of strings", what);
	for (int i = 0; i < config_setting_length(s); i++) {
		const config_setting_t *e = config_setting_get_elem(s, i);
		const char *v = config_setting_get_string(e);
		if (!v || strpbrk(v, "\r\n") || !g_utf8_validate(v, -1, NULL))
			return config_fail_at(error, path, e, "%s must be a list of strings, each one line", what);
		g_ptr_array_add(out, (gpointer)v);
	}
	return TRUE;
}

static gboolean read_field(const char *path, config_setting_t *s, struct form_spec *spec, GError **error)
{
	if (!config_setting_is_group(s))
		return config_fail_at(error, path, s, "each field must be a group { id = ...; label = ...; }");
	if (!config_known_members(path, s, field_keys, G_N_ELEMENTS(field_keys), "field", error))
		return FALSE;
	const char *id = NULL, *label = NULL, *type_name = "text";
	if (!config_setting_lookup_string(s, "id", &id))
		return config_fail_at(error, path, s, "field without a string 'id'");
	if (!config_setting_lookup_string(s, "label", &label))
		return config_fail_at(error, path, s, "field %s without a string 'label'", id);
	config_setting_lookup_string(s, "type", &type_name);
	enum form_field_type type;
	if (!form_field_type_parse(type_name, &type))
		return config_fail_at(error, path, config_setting_get_member(s, "type"),
				      "field %s: type must be text, email, number, choice or long", id);
	int max_words = 0, required = 0;
	config_setting_t *mw = config_setting_get_member(s, "max_words");
	if (mw && (config_setting_type(mw) != CONFIG_TYPE_INT || (max_words = config_setting_get_int(mw)) < 1))
		return config_fail_at(error, path, mw, "field %s: max_words must be a whole number of 1 or more", id);
	config_setting_t *rq = config_setting_get_member(s, "required");
	if (rq && config_setting_type(rq) != CONFIG_TYPE_BOOL)
		return config_fail_at(error, path, rq, "field %s: required must be true or false", id);
	required = rq ? config_setting_get_bool(rq) : 0;
	g_autoptr(GPtrArray) synonyms = g_ptr_array_new();
	g_autoptr(GPtrArray) choices = g_ptr_array_new();
	if (!strings(path, config_setting_get_member(s, "synonyms"), "synonyms", synonyms, error) ||
	    !strings(path, config_setting_get_member(s, "choices"), "choices", choices, error))
		return FALSE;
	g_ptr_array_add(synonyms, NULL);
	g_ptr_array_add(choices, NULL);
	g_autoptr(GError) local = NULL;
	if (!form_spec_add_field(spec, id, type, label, (const char *const *)synonyms->pdata,
				 choices->len > 1 ? (const char *const *)choices->pdata : NULL, (guint)max_words,
				 &local))
		return config_fail_at(error, path, s, "%s", local->message);
	if (required)
		form_spec_require(spec, id);
	return TRUE;
}

gboolean config_read_form(const char *path, config_t *cf, struct nomd_config *cfg, GError **error)
{
	config_setting_t *fields = config_lookup(cf, "programme.fields");
	if (!fields)
		return TRUE;
	if (!config_setting_is_list(fields))
		return config_fail_at(error, path, fields, "programme.fields must be a list ( { ... }, ... )");
	g_autoptr(form_spec) spec = form_spec_new();
	form_spec_add_builtin_roles(spec);
	for (int i = 0; i < config_setting_length(fields); i++)
		if (!read_field(path, config_setting_get_elem(fields, i), spec, error))
			return FALSE;
	form_spec_add_builtin_fields(spec);
	g_autoptr(GError) local = NULL;
	if (!form_spec_finish(spec, &local))
		return config_fail_at(error, path, fields, "%s", local->message);
	cfg->form = g_steal_pointer(&spec);
	return TRUE;
}

const struct form_spec *config_form(const struct nomd_config *cfg)
{
	return cfg->form ? cfg->form : form_spec_builtin();
}

GPtrArray *config_own_fields(const struct nomd_config *cfg)
{
	GPtrArray *ids = g_ptr_array_new();
	const struct form_spec *spec = config_form(cfg);
	for (guint i = 0; i < spec->fields->len; i++) {
		const struct form_field *f = spec->fields->pdata[i];
		if (f->slot == SLOT_NONE)
			g_ptr_array_add(ids, f->id);
	}
	return ids;
}
