/* config_form: the programme's definition: `programme.roles` (one or
 * two, each a group { id; label; plural; synonyms; quota; min_years;
 * max_years; requires; }, else the Connect Network's member and mentor),
 * `programme.fields` (its own fields on top of the Connect Network's
 * form: each a group { id; label; synonyms; type; choices; max_words;
 * required; per_organisation; }), `programme.senders`, and what they ask
 * of the stages; each checked by form_spec and refused at its FILE:LINE.
 * Part of config; see config.h. */
#include "config_internal.h"

#include <string.h>

static const char *const field_keys[] = { "id",	     "label",	  "synonyms", "type",
					  "choices", "max_words", "required", "per_organisation" };
static const char *const role_keys[] = { "id",	  "label",     "plural",    "synonyms",
					 "quota", "min_years", "max_years", "requires" };
static const char *const senders_names[SENDERS_COUNT] = { "nominators", "domain", "anyone" };

const char *config_senders_name(enum senders s)
{
	return s < SENDERS_COUNT ? senders_names[s] : "?";
}

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

/* A whole number from `min` to `max` in member `key` of `s`, or `*out`
 * left as it is when absent. */
static gboolean whole(const char *path, const config_setting_t *s, const char *key, const char *what, int min, int max,
		      int *out, GError **error)
{
	const config_setting_t *v = config_setting_get_member(s, key);
	if (!v)
		return TRUE;
	if (config_setting_type(v) != CONFIG_TYPE_INT || config_setting_get_int(v) < min ||
	    config_setting_get_int(v) > max)
		return config_fail_at(error, path, v, "%s: %s must be a whole number from %d to %d", what, key, min,
				      max);
	*out = config_setting_get_int(v);
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
	int per_org = 0;
	g_autofree char *what = g_strdup_printf("field %s", id);
	if (!whole(path, s, "per_organisation", what, 1, 1000, &per_org, error))
		return FALSE;
	if (per_org && type != FIELD_CHOICE)
		return config_fail_at(error, path, config_setting_get_member(s, "per_organisation"),
				      "field %s: per_organisation limits each choice of a choice field", id);
	((struct form_field *)form_spec_field_by_id(spec, id))->per_organisation = (guint)per_org;
	return TRUE;
}

static gboolean read_role(const char *path, config_setting_t *s, struct form_spec *spec, struct programme_role *r,
			  GError **error)
{
	if (!config_setting_is_group(s))
		return config_fail_at(error, path, s, "each role must be a group { id = ...; label = ...; }");
	if (!config_known_members(path, s, role_keys, G_N_ELEMENTS(role_keys), "role", error))
		return FALSE;
	const char *id = NULL, *label = NULL, *plural = NULL;
	if (!config_setting_lookup_string(s, "id", &id))
		return config_fail_at(error, path, s, "role without a string 'id'");
	if (!config_setting_lookup_string(s, "label", &label))
		return config_fail_at(error, path, s, "role %s without a string 'label'", id);
	g_autofree char *what = g_strdup_printf("role %s", id);
	r->quota = CONFIG_NO_QUOTA;
	r->min_years = r->max_years = CONFIG_NO_YEARS;
	if (!whole(path, s, "quota", what, 1, 1000, &r->quota, error) ||
	    !whole(path, s, "min_years", what, 0, 80, &r->min_years, error) ||
	    !whole(path, s, "max_years", what, 0, 80, &r->max_years, error))
		return FALSE;
	if (config_setting_lookup_string(s, "plural", &plural) &&
	    (!*plural || strpbrk(plural, "\r\n") || !g_utf8_validate(plural, -1, NULL)))
		return config_fail_at(error, path, config_setting_get_member(s, "plural"),
				      "role %s: plural must be one line", id);
	g_autoptr(GPtrArray) synonyms = g_ptr_array_new();
	if (!strings(path, config_setting_get_member(s, "synonyms"), "synonyms", synonyms, error))
		return FALSE;
	g_ptr_array_add(synonyms, NULL);
	g_autoptr(GError) local = NULL;
	if (!form_spec_add_role(spec, id, label, (const char *const *)synonyms->pdata, &local))
		return config_fail_at(error, path, s, "%s", local->message);
	r->id = g_strdup(id);
	r->label = g_strdup(label);
	r->plural = plural ? g_strdup(plural) : g_strdup_printf("%ss", label);
	return TRUE;
}

/* programme.roles into `spec` and cfg->roles; without it, the Connect
 * Network's two with the quotas and years of programme.max_members and
 * the rest. */
static gboolean read_roles(const char *path, config_t *cf, struct nomd_config *cfg, struct form_spec *spec,
			   GError **error)
{
	config_setting_t *roles = config_lookup(cf, "programme.roles");
	if (!roles) {
		form_spec_add_builtin_roles(spec);
		const struct programme_role builtin[] = {
			{ "member", "Member", "Members", cfg->programme.max_members, CONFIG_NO_YEARS,
			  cfg->programme.member_max_years },
			{ "mentor", "Mentor", "Mentors", cfg->programme.max_mentors, cfg->programme.mentor_min_years,
			  CONFIG_NO_YEARS },
		};
		for (int i = 0; i < 2; i++) {
			cfg->roles[i] = builtin[i];
			cfg->roles[i].id = g_strdup(builtin[i].id);
			cfg->roles[i].label = g_strdup(builtin[i].label);
			cfg->roles[i].plural = g_strdup(builtin[i].plural);
		}
		cfg->n_roles = 2;
		return TRUE;
	}
	static const char *const builtin_keys[] = { "programme.max_members", "programme.max_mentors",
						    "programme.member_max_years", "programme.mentor_min_years" };
	for (gsize i = 0; i < G_N_ELEMENTS(builtin_keys); i++) {
		config_setting_t *k = config_lookup(cf, builtin_keys[i]);
		if (k)
			return config_fail_at(error, path, k,
					      "'%s' is for the built-in roles; with programme.roles, give each "
					      "role its quota, min_years or max_years",
					      builtin_keys[i]);
	}
	if (!config_setting_is_list(roles) || config_setting_length(roles) < 1 ||
	    config_setting_length(roles) > FORM_SPEC_MAX_ROLES)
		return config_fail_at(error, path, roles,
				      "programme.roles must be a list of one or two roles "
				      "( { id = ...; label = ...; }, ... )");
	for (int i = 0; i < config_setting_length(roles); i++) {
		if (!read_role(path, config_setting_get_elem(roles, i), spec, &cfg->roles[i], error))
			return FALSE;
		cfg->n_roles = i + 1;
	}
	return TRUE;
}

/* Each role's `requires`, once every field is known. */
static gboolean read_requires(const char *path, config_t *cf, struct form_spec *spec, GError **error)
{
	config_setting_t *roles = config_lookup(cf, "programme.roles");
	for (int i = 0; roles && i < config_setting_length(roles); i++) {
		config_setting_t *req = config_setting_get_member(config_setting_get_elem(roles, i), "requires");
		g_autoptr(GPtrArray) ids = g_ptr_array_new();
		if (!strings(path, req, "requires", ids, error))
			return FALSE;
		for (guint k = 0; k < ids->len; k++)
			if (!form_spec_role_requires(spec, i, ids->pdata[k]))
				return config_fail_at(error, path, config_setting_get_elem(req, k),
						      "requires: the form has no field '%s'",
						      (const char *)ids->pdata[k]);
	}
	return TRUE;
}

static gboolean read_senders(const char *path, config_t *cf, struct nomd_config *cfg, GError **error)
{
	for (int i = 0; i < SENDERS_COUNT; i++)
		if (strcmp(cfg->programme.senders, senders_names[i]) == 0) {
			cfg->senders = i;
			return TRUE;
		}
	return config_fail_at(error, path, config_lookup(cf, "programme.senders"),
			      "'programme.senders' must be \"nominators\", \"domain\" or \"anyone\"");
}

gboolean config_read_form(const char *path, config_t *cf, struct nomd_config *cfg, GError **error)
{
	if (!read_senders(path, cf, cfg, error))
		return FALSE;
	g_autoptr(form_spec) spec = form_spec_new();
	if (!read_roles(path, cf, cfg, spec, error))
		return FALSE;
	config_setting_t *fields = config_lookup(cf, "programme.fields");
	if (!fields && !config_lookup(cf, "programme.roles") && cfg->senders == SENDERS_NOMINATORS)
		return TRUE;
	/* A form about its sender, or of one role, needs no heading. */
	spec->unsectioned = cfg->n_roles == 1 || cfg->senders != SENDERS_NOMINATORS;
	if (fields && !config_setting_is_list(fields))
		return config_fail_at(error, path, fields, "programme.fields must be a list ( { ... }, ... )");
	for (int i = 0; fields && i < config_setting_length(fields); i++)
		if (!read_field(path, config_setting_get_elem(fields, i), spec, error))
			return FALSE;
	form_spec_add_builtin_fields(spec);
	if (!read_requires(path, cf, spec, error))
		return FALSE;
	g_autoptr(GError) local = NULL;
	if (!form_spec_finish(spec, &local) || !(cfg->form_text = form_spec_to_text(spec, NULL, &local)))
		return config_fail_at(error, path, fields ? fields : config_lookup(cf, "programme.roles"), "%s",
				      local->message);
	cfg->form = g_steal_pointer(&spec);
	return TRUE;
}

gboolean config_check_programme(const char *path, config_t *cf, const struct nomd_config *cfg, GError **error)
{
	if (cfg->pairing.enabled && cfg->n_roles != 2)
		return config_fail_at(error, path,
				      config_lookup(cf, "pairing.enabled") ? config_lookup(cf, "pairing.enabled")
									   : config_lookup(cf, "programme.roles"),
				      "pairing pairs the programme's two roles: with one role, set "
				      "pairing = { enabled = false; }");
	if (cfg->senders != SENDERS_DOMAIN)
		return TRUE;
	/* Nobody may be registered by someone else: the welcome asks the
	 * person, as consent. */
	if (!cfg->consent.enabled)
		return config_fail_at(error, path, config_lookup(cf, "consent.enabled"),
				      "programme.senders = \"domain\" needs consent: each person confirms their "
				      "registration by replying to the welcome");
	config_setting_t *orgs = config_lookup(cf, "organisations");
	for (guint i = 0; i < cfg->organisations->len; i++) {
		const struct organisation *o = cfg->organisations->pdata[i];
		if (o->domains->len == 0)
			return config_fail_at(error, path, config_setting_get_elem(orgs, i),
					      "organisation '%s' has no domains: with programme.senders = \"domain\" "
					      "people register from an address at their organisation's domains",
					      o->id);
	}
	return TRUE;
}

const struct programme_role *config_role(const struct nomd_config *cfg, int role)
{
	return role >= 0 && role < cfg->n_roles ? &cfg->roles[role] : NULL;
}

int config_quota(const struct nomd_config *cfg, int role)
{
	const struct programme_role *r = config_role(cfg, role);
	return r ? r->quota : CONFIG_NO_QUOTA;
}

/* The store's name of each role slot, whatever the programme calls it. */
static const char *const stored_roles[] = { "member", "mentor" };
G_STATIC_ASSERT(G_N_ELEMENTS(stored_roles) == FORM_SPEC_MAX_ROLES);

const char *config_stored_role(int role)
{
	return role >= 0 && role < (int)G_N_ELEMENTS(stored_roles) ? stored_roles[role] : NULL;
}

/* The programme's role a stored role name is: its index, or -1. */
static int role_of_stored(const char *stored)
{
	for (int i = 0; stored && i < (int)G_N_ELEMENTS(stored_roles); i++)
		if (strcmp(stored, stored_roles[i]) == 0)
			return i;
	return -1;
}

const char *config_role_id(const struct nomd_config *cfg, const char *stored)
{
	const struct programme_role *r = config_role(cfg, role_of_stored(stored));
	return r ? r->id : stored;
}

char *config_stored_role_word(const struct nomd_config *cfg, const char *stored)
{
	if (!stored)
		return NULL;
	int role = role_of_stored(stored);
	return role < cfg->n_roles && role >= 0 ? config_role_word(cfg, role, FALSE) : g_strdup(stored);
}

char *config_role_word(const struct nomd_config *cfg, int role, gboolean plural)
{
	const struct programme_role *r = config_role(cfg, role);
	if (!r)
		return g_strdup("");
	return g_utf8_strdown(plural ? r->plural : r->label, -1);
}

int config_role_named(const struct nomd_config *cfg, const char *word)
{
	g_autofree char *folded = g_utf8_casefold(word, -1);
	for (int i = 0; i < cfg->n_roles; i++) {
		const struct programme_role *r = &cfg->roles[i];
		g_autofree char *ids = g_strconcat(r->id, "s", NULL);
		const char *names[] = { r->id, ids, r->label, r->plural };
		for (size_t k = 0; k < G_N_ELEMENTS(names); k++) {
			g_autofree char *name = g_utf8_casefold(names[k], -1);
			if (strcmp(name, folded) == 0)
				return i;
		}
	}
	return -1;
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
