/* config: the configuration file, read through one table of keys.
 *
 * Every scalar setting is described once in `keys` (path, type, bounds,
 * default); anything in the file that the table does not know is an error,
 * so a misspelt key never passes silently. Organisations are a list of
 * groups and are checked by hand below. Errors read "FILE:LINE: message". */
#include "config_internal.h"

#include <gio/gio.h>
#include <libconfig.h>
#include <stddef.h>
#include <string.h>
#include <sys/stat.h>

#include "schedule.h"
#include "util.h"

#ifndef NOMD_READER
#define NOMD_READER "nomd-reader"
#endif

/* clang-format off */
G_DEFINE_QUARK(nomd-config-error-quark, config_error)
/* clang-format on */

enum key_type { KT_STRING, KT_TEXT, KT_INT, KT_INT64, KT_BOOL, KT_DURATION, KT_SECURITY, KT_ADDRESS_LIST, KT_DAYS };

struct key {
	const char *path;
	enum key_type type;
	size_t offset;
	gint64 min, max;
	const char *def_string;
	gint64 def_int;
	gboolean required;
};

#define OFF(field) offsetof(struct nomd_config, field)

/* One key per line: a table, laid out by hand. */
/* clang-format off */
static const struct key keys[] = {
	{ .path = "database", .type = KT_STRING, .offset = OFF(database), .def_string = "/var/lib/nomd/nomd.db" },
	/* Staff overrides of the built-in templates; "": none. */
	{ .path = "templates", .type = KT_STRING, .offset = OFF(templates), .def_string = "" },
	{ .path = "imap.host", .type = KT_STRING, .offset = OFF(imap.host), .required = TRUE },
	{ .path = "imap.port", .type = KT_INT, .offset = OFF(imap.port), .min = 1, .max = 65535, .def_int = 0 },
	{ .path = "imap.security", .type = KT_SECURITY, .offset = OFF(imap.security), .def_string = "tls" },
	{ .path = "imap.ca_file", .type = KT_STRING, .offset = OFF(imap.ca_file) },
	{ .path = "imap.user", .type = KT_STRING, .offset = OFF(imap.user), .required = TRUE },
	{ .path = "imap.password", .type = KT_STRING, .offset = OFF(imap.password) },
	{ .path = "imap.password_file", .type = KT_STRING, .offset = OFF(imap.password_file) },
	{ .path = "imap.inbox", .type = KT_STRING, .offset = OFF(imap.inbox), .def_string = "INBOX" },
	{ .path = "imap.processed", .type = KT_STRING, .offset = OFF(imap.processed), .def_string = "Processed" },
	{ .path = "imap.rejected", .type = KT_STRING, .offset = OFF(imap.rejected), .def_string = "Rejected" },
	{ .path = "imap.held", .type = KT_STRING, .offset = OFF(imap.held), .def_string = "Held" },
	{ .path = "imap.ignored", .type = KT_STRING, .offset = OFF(imap.ignored), .def_string = "Ignored" },
	{ .path = "imap.timeout_seconds", .type = KT_INT, .offset = OFF(imap.timeout_seconds), .min = 1, .max = 3600, .def_int = 60 },
	{ .path = "imap.poll_seconds", .type = KT_INT, .offset = OFF(imap.poll_seconds), .min = 1, .max = 86400, .def_int = 60 },
	{ .path = "imap.idle_seconds", .type = KT_INT, .offset = OFF(imap.idle_seconds), .min = 5, .max = 1740, .def_int = 1500 },
	{ .path = "imap.batch_size", .type = KT_INT, .offset = OFF(imap.batch_size), .min = 1, .max = 1000, .def_int = 50 },
	{ .path = "imap.batch_bytes", .type = KT_INT64, .offset = OFF(imap.batch_bytes), .min = 1024, .max = 1073741824,
	  .def_int = 2 * 1024 * 1024 },
	{ .path = "imap.max_message_bytes", .type = KT_INT64, .offset = OFF(imap.max_message_bytes), .min = 1024, .max = 1073741824,
	  .def_int = 10 * 1024 * 1024 },
	{ .path = "smtp.url", .type = KT_STRING, .offset = OFF(smtp.url), .required = TRUE },
	{ .path = "smtp.security", .type = KT_SECURITY, .offset = OFF(smtp.security), .def_string = "starttls" },
	{ .path = "smtp.ca_file", .type = KT_STRING, .offset = OFF(smtp.ca_file) },
	{ .path = "smtp.user", .type = KT_STRING, .offset = OFF(smtp.user) },
	{ .path = "smtp.password", .type = KT_STRING, .offset = OFF(smtp.password) },
	{ .path = "smtp.password_file", .type = KT_STRING, .offset = OFF(smtp.password_file) },
	{ .path = "smtp.from", .type = KT_STRING, .offset = OFF(smtp.from), .required = TRUE },
	{ .path = "smtp.timeout_seconds", .type = KT_INT, .offset = OFF(smtp.timeout_seconds), .min = 1, .max = 3600, .def_int = 60 },
	{ .path = "smtp.max_age", .type = KT_DURATION, .offset = OFF(smtp.max_age), .min = 60, .max = 30 * 86400, .def_int = 3 * 86400 },
	{ .path = "smtp.retry_min", .type = KT_DURATION, .offset = OFF(smtp.retry_min), .min = 1, .max = 3600, .def_int = 60 },
	{ .path = "smtp.retry_max", .type = KT_DURATION, .offset = OFF(smtp.retry_max), .min = 1, .max = 86400, .def_int = 3600 },
	{ .path = "smtp.max_replies_per_sender_per_hour", .type = KT_INT, .offset = OFF(smtp.max_replies_per_sender_per_hour), .min = 1, .max = 10000, .def_int = 10 },
	{ .path = "programme.name", .type = KT_STRING, .offset = OFF(programme.name),
	  .def_string = "Local Government Connect Network" },
	{ .path = "programme.max_members", .type = KT_INT, .offset = OFF(programme.max_members), .min = 0, .max = 1000, .def_int = 5 },
	{ .path = "programme.max_mentors", .type = KT_INT, .offset = OFF(programme.max_mentors), .min = 0, .max = 1000, .def_int = 5 },
	{ .path = "programme.equal_numbers", .type = KT_BOOL, .offset = OFF(programme.equal_numbers), .def_int = 1 },
	{ .path = "programme.senders", .type = KT_STRING, .offset = OFF(programme.senders), .def_string = "nominators" },
	{ .path = "programme.closes", .type = KT_STRING, .offset = OFF(programme.closes) },
	/* Names the round in the keys of its call, chasers and summaries: a new name, a new round. */
	{ .path = "programme.round", .type = KT_STRING, .offset = OFF(programme.round), .def_string = "1" },
	/* Days before the close that chasers go; a list such as [14, 7, 2]. */
	{ .path = "programme.chase_days", .type = KT_DAYS, .offset = OFF(programme.chase_days), .min = 1, .max = 365 },
	{ .path = "programme.close_summary", .type = KT_BOOL, .offset = OFF(programme.close_summary), .def_int = 1 },
	/* The end of the programme year: paired people are asked for feedback. */
	{ .path = "programme.ends", .type = KT_STRING, .offset = OFF(programme.ends) },
	{ .path = "programme.member_max_years", .type = KT_INT, .offset = OFF(programme.member_max_years), .min = 0, .max = 80, .def_int = 5 },
	{ .path = "programme.mentor_min_years", .type = KT_INT, .offset = OFF(programme.mentor_min_years), .min = 0, .max = 80, .def_int = 10 },
	{ .path = "programme.require_authentication", .type = KT_BOOL, .offset = OFF(programme.require_authentication) },
	{ .path = "programme.retain_days", .type = KT_INT, .offset = OFF(programme.retain_days), .min = 0, .max = 3650, .def_int = 0 },
	{ .path = "programme.trusted_authserv_id", .type = KT_STRING, .offset = OFF(programme.trusted_authserv_id) },
	{ .path = "programme.own_received_headers", .type = KT_INT, .offset = OFF(programme.own_received_headers), .min = 0, .max = 8, .def_int = 0 },
	{ .path = "consent.enabled", .type = KT_BOOL, .offset = OFF(consent.enabled), .def_int = 1 },
	{ .path = "consent.reminder_days", .type = KT_INT, .offset = OFF(consent.reminder_days), .min = 0, .max = 90, .def_int = 7 },
	{ .path = "consent.privacy_notice", .type = KT_TEXT, .offset = OFF(consent.privacy_notice),
	  .def_string = "We hold your name, work email address, job title, service and the details your chief "
			"executive gave us, so that we can match you with a partner and invite you to the "
			"programme's events. Only the programme team sees them; pairing notices share your name, "
			"organisation, job title and email with your partner. We keep them until the end of the "
			"programme year. To be removed at any time, reply NO or write to us." },
	{ .path = "pairing.enabled", .type = KT_BOOL, .offset = OFF(pairing.enabled), .def_int = 1 },
	{ .path = "pairing.require_consent", .type = KT_BOOL, .offset = OFF(pairing.require_consent), .def_int = 1 },
	{ .path = "pairing.mentor_capacity", .type = KT_INT, .offset = OFF(pairing.mentor_capacity), .min = 1, .max = 10, .def_int = 1 },
	{ .path = "pairing.copy_staff", .type = KT_BOOL, .offset = OFF(pairing.copy_staff) },
	{ .path = "pairing.weight_aspiration", .type = KT_INT, .offset = OFF(pairing.weight_aspiration), .min = 0, .max = 1000, .def_int = 10 },
	{ .path = "pairing.weight_seniority", .type = KT_INT, .offset = OFF(pairing.weight_seniority), .min = 0, .max = 1000, .def_int = 15 },
	{ .path = "pairing.weight_same_service", .type = KT_INT, .offset = OFF(pairing.weight_same_service), .min = 0, .max = 1000, .def_int = 10 },
	{ .path = "pairing.weight_same_type", .type = KT_INT, .offset = OFF(pairing.weight_same_type), .min = 0, .max = 1000, .def_int = 5 },
	{ .path = "pairing.weight_format", .type = KT_INT, .offset = OFF(pairing.weight_format), .min = 0, .max = 1000, .def_int = 10 },
	{ .path = "pairing.weight_region", .type = KT_INT, .offset = OFF(pairing.weight_region), .min = 0, .max = 1000, .def_int = 10 },
	{ .path = "pairing.prefer_cross_discipline", .type = KT_BOOL, .offset = OFF(pairing.prefer_cross_discipline) },
	/* After pairing: days to the first-meeting question, and between check-ins; 0: none. */
	{ .path = "mentoring.first_meeting_days", .type = KT_INT, .offset = OFF(mentoring.first_meeting_days), .min = 0, .max = 365, .def_int = 14 },
	{ .path = "mentoring.checkin_days", .type = KT_INT, .offset = OFF(mentoring.checkin_days), .min = 0, .max = 365, .def_int = 30 },
	{ .path = "events.enabled", .type = KT_BOOL, .offset = OFF(events.enabled), .def_int = 1 },
	{ .path = "events.reminder_days", .type = KT_INT, .offset = OFF(events.reminder_days), .min = 0, .max = 60, .def_int = 2 },
	{ .path = "events.require_consent", .type = KT_BOOL, .offset = OFF(events.require_consent), .def_int = 1 },
	{ .path = "documents.enabled", .type = KT_BOOL, .offset = OFF(documents.enabled), .def_int = 1 },
	{ .path = "documents.reader", .type = KT_STRING, .offset = OFF(documents.reader), .def_string = NOMD_READER },
	{ .path = "documents.memory_limit", .type = KT_INT, .offset = OFF(documents.memory_limit), .min = 64, .max = 4096, .def_int = 256 },
	{ .path = "documents.cpu_seconds", .type = KT_INT, .offset = OFF(documents.cpu_seconds), .min = 1, .max = 300, .def_int = 10 },
	{ .path = "documents.timeout", .type = KT_INT, .offset = OFF(documents.timeout), .min = 1, .max = 600, .def_int = 30 },
	{ .path = "staff.digest", .type = KT_STRING, .offset = OFF(digest), .def_string = "daily 08:00" },
	/* The digest's attachment: the round as a workbook, current nominees as CSV, or nothing. */
	{ .path = "staff.digest_attachment", .type = KT_STRING, .offset = OFF(digest_attachment), .def_string = "xlsx" },
	{ .path = "staff.timezone", .type = KT_STRING, .offset = OFF(timezone), .def_string = "Europe/London" },
	{ .path = "staff.addresses", .type = KT_ADDRESS_LIST, .offset = OFF(staff) },
};
/* clang-format on */

static const char *const groups[] = { "imap",	   "smtp",   "programme", "consent", "pairing",
				      "mentoring", "events", "documents", "staff" };
static const char *const org_keys[] = { "id", "name", "kind", "nominators", "domains" };

const char *config_security_name(enum security s)
{
	switch (s) {
	case SEC_TLS: return "tls";
	case SEC_STARTTLS: return "starttls";
	case SEC_NONE: return "none";
	}
	return "?";
}

static void organisation_free(struct organisation *o)
{
	if (!o)
		return;
	g_free(o->id);
	g_free(o->name);
	g_free(o->kind);
	g_ptr_array_unref(o->nominators);
	g_ptr_array_unref(o->domains);
	g_free(o);
}

void config_free(struct nomd_config *cfg)
{
	if (!cfg)
		return;
	for (size_t i = 0; i < G_N_ELEMENTS(keys); i++) {
		void *slot = (char *)cfg + keys[i].offset;
		if (keys[i].type == KT_STRING || keys[i].type == KT_TEXT)
			g_free(*(char **)slot);
	}
	g_free(cfg->path);
	g_free(cfg->instance);
	for (int i = 0; i < FORM_SPEC_MAX_ROLES; i++) {
		g_free(cfg->roles[i].id);
		g_free(cfg->roles[i].label);
		g_free(cfg->roles[i].plural);
	}
	form_spec_free(cfg->form);
	g_free(cfg->form_text);
	g_free(cfg->smtp.from_name);
	g_free(cfg->smtp.from_address);
	g_free(cfg->smtp.from_domain);
	if (cfg->staff)
		g_ptr_array_unref(cfg->staff);
	if (cfg->programme.chase_days)
		g_array_unref(cfg->programme.chase_days);
	if (cfg->organisations)
		g_ptr_array_unref(cfg->organisations);
	g_free(cfg);
}

/* Fill `error` with "FILE:LINE: message" for a setting. */
G_GNUC_PRINTF(4, 5)
gboolean config_fail_at(GError **error, const char *path, const config_setting_t *s, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	g_autofree char *msg = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	const char *file = s ? config_setting_source_file(s) : NULL;
	unsigned line = s ? config_setting_source_line(s) : 0;
	g_set_error(error, CONFIG_ERROR, 0, "%s:%u: %s", file ? file : path, line, msg);
	return FALSE;
}

static gboolean read_address_list(const char *path, const config_setting_t *s, const char *what, GPtrArray *out,
				  gboolean domains, GError **error)
{
	if (!config_setting_is_array(s) && !config_setting_is_list(s))
		return config_fail_at(error, path, s, "%s must be a list of strings", what);
	for (int i = 0; i < config_setting_length(s); i++) {
		const config_setting_t *e = config_setting_get_elem(s, i);
		const char *v = config_setting_get_string(e);
		if (!v)
			return config_fail_at(error, path, e, "%s must be a list of strings", what);
		g_autofree char *probe = domains ? g_strconcat("x@", v, NULL) : g_strdup(v);
		if (!email_valid(probe))
			return config_fail_at(error, path, e, "%s: '%s' is not a valid %s", what, v,
					      domains ? "domain" : "email address");
		g_ptr_array_add(out, g_ascii_strdown(v, -1));
	}
	return TRUE;
}

static int days_descending(gconstpointer a, gconstpointer b)
{
	return *(const int *)b - *(const int *)a;
}

/* A list or array of whole days within the key's bounds, at most 16,
 * none twice; kept from the most days to the fewest. */
static gboolean read_days(const char *path, const config_setting_t *s, const struct key *k, GArray *days,
			  GError **error)
{
	if (!config_setting_is_aggregate(s) || config_setting_length(s) > 16)
		return config_fail_at(error, path, s,
				      "'%s' must be a list of at most 16 numbers of days, such as [14, 7, 2]", k->path);
	for (int i = 0; i < config_setting_length(s); i++) {
		const config_setting_t *e = config_setting_get_elem(s, i);
		int t = config_setting_type(e);
		gint64 v = t == CONFIG_TYPE_INT || t == CONFIG_TYPE_INT64 ? config_setting_get_int64(e) : -1;
		if (v < k->min || v > k->max)
			return config_fail_at(error, path, e,
					      "'%s' must hold numbers of days between %" G_GINT64_FORMAT
					      " and %" G_GINT64_FORMAT,
					      k->path, k->min, k->max);
		for (guint j = 0; j < days->len; j++)
			if (g_array_index(days, int, j) == v)
				return config_fail_at(error, path, e, "'%s' names %d days twice", k->path, (int)v);
		int d = (int)v;
		g_array_append_val(days, d);
	}
	g_array_sort(days, days_descending);
	return TRUE;
}

static gboolean read_key(const char *path, config_t *cf, const struct key *k, struct nomd_config *cfg, GError **error)
{
	void *slot = (char *)cfg + k->offset;
	const config_setting_t *s = config_lookup(cf, k->path);
	if (!s) {
		if (k->required)
			return config_fail_at(error, path, NULL, "missing required setting '%s'", k->path);
		switch (k->type) {
		case KT_STRING:
		case KT_TEXT: *(char **)slot = g_strdup(k->def_string); break;
		case KT_INT: *(int *)slot = (int)k->def_int; break;
		case KT_INT64: *(gint64 *)slot = k->def_int; break;
		case KT_BOOL: *(gboolean *)slot = k->def_int != 0; break;
		case KT_DURATION: *(int *)slot = (int)k->def_int; break;
		case KT_SECURITY:
			*(enum security *)slot = strcmp(k->def_string, "tls") == 0 ? SEC_TLS : SEC_STARTTLS;
			break;
		case KT_ADDRESS_LIST: *(GPtrArray **)slot = g_ptr_array_new_with_free_func(g_free); break;
		case KT_DAYS: *(GArray **)slot = g_array_new(FALSE, FALSE, sizeof(int)); break;
		}
		return TRUE;
	}
	switch (k->type) {
	case KT_STRING:
	case KT_TEXT:
	case KT_SECURITY: {
		const char *v = config_setting_get_string(s);
		if (!v)
			return config_fail_at(error, path, s, "'%s' must be a string", k->path);
		if (k->type == KT_TEXT) {
			/* Body text only: line breaks are fine, other controls are not. */
			for (const char *p = v; *p; p++)
				if ((unsigned char)*p < 0x20 && *p != '\n' && *p != '\t')
					return config_fail_at(error, path, s,
							      "'%s' must not contain control characters", k->path);
			if (!g_utf8_validate(v, -1, NULL))
				return config_fail_at(error, path, s, "'%s' must be UTF-8", k->path);
			*(char **)slot = g_strdup(v);
		} else if (k->type == KT_STRING) {
			if (strpbrk(v, "\r\n"))
				return config_fail_at(error, path, s, "'%s' must not contain a line break", k->path);
			/* Names and folders go into mail labelled UTF-8. */
			if (!g_utf8_validate(v, -1, NULL))
				return config_fail_at(error, path, s, "'%s' must be UTF-8", k->path);
			*(char **)slot = g_strdup(v);
		} else if (strcmp(v, "tls") == 0) {
			*(enum security *)slot = SEC_TLS;
		} else if (strcmp(v, "starttls") == 0) {
			*(enum security *)slot = SEC_STARTTLS;
		} else if (strcmp(v, "none") == 0) {
			*(enum security *)slot = SEC_NONE;
		} else {
			return config_fail_at(error, path, s, "'%s' must be tls, starttls or none, not '%s'", k->path,
					      v);
		}
		return TRUE;
	}
	case KT_INT:
	case KT_INT64: {
		int t = config_setting_type(s);
		if (t != CONFIG_TYPE_INT && t != CONFIG_TYPE_INT64)
			return config_fail_at(error, path, s, "'%s' must be an integer", k->path);
		/* libconfig wraps large values silently; the bounds catch most. */
		gint64 v = config_setting_get_int64(s);
		if (v < k->min || v > k->max)
			return config_fail_at(error, path, s,
					      "'%s' must be between %" G_GINT64_FORMAT " and %" G_GINT64_FORMAT,
					      k->path, k->min, k->max);
		if (k->type == KT_INT)
			*(int *)slot = (int)v;
		else
			*(gint64 *)slot = v;
		return TRUE;
	}
	case KT_DURATION: {
		gint64 v = -1;
		int t = config_setting_type(s);
		if (t == CONFIG_TYPE_INT || t == CONFIG_TYPE_INT64)
			v = config_setting_get_int64(s);
		else if (t == CONFIG_TYPE_STRING)
			v = duration_parse(config_setting_get_string(s));
		if (v < k->min || v > k->max)
			return config_fail_at(error, path, s,
					      "'%s' must be a duration between %" G_GINT64_FORMAT
					      " s and %" G_GINT64_FORMAT
					      " s: seconds, or a number with s, m, h or d (\"3d\")",
					      k->path, k->min, k->max);
		*(int *)slot = (int)v;
		return TRUE;
	}
	case KT_BOOL:
		if (config_setting_type(s) != CONFIG_TYPE_BOOL)
			return config_fail_at(error, path, s, "'%s' must be true or false", k->path);
		*(gboolean *)slot = config_setting_get_bool(s) != 0;
		return TRUE;
	case KT_ADDRESS_LIST: {
		GPtrArray *list = g_ptr_array_new_with_free_func(g_free);
		*(GPtrArray **)slot = list;
		return read_address_list(path, s, k->path, list, FALSE, error);
	}
	case KT_DAYS: {
		GArray *days = g_array_new(FALSE, FALSE, sizeof(int));
		*(GArray **)slot = days;
		return read_days(path, s, k, days, error);
	}
	}
	return TRUE;
}

static gboolean known_key(const char *path)
{
	for (size_t i = 0; i < G_N_ELEMENTS(keys); i++)
		if (strcmp(keys[i].path, path) == 0)
			return TRUE;
	return FALSE;
}

static gboolean check_unknown(const char *path, config_t *cf, GError **error)
{
	config_setting_t *root = config_root_setting(cf);
	for (int i = 0; i < config_setting_length(root); i++) {
		config_setting_t *s = config_setting_get_elem(root, i);
		const char *name = config_setting_name(s);
		if (strcmp(name, "organisations") == 0 || known_key(name))
			continue;
		gboolean is_group = FALSE;
		for (size_t g = 0; g < G_N_ELEMENTS(groups); g++)
			is_group |= strcmp(name, groups[g]) == 0;
		if (!is_group)
			return config_fail_at(error, path, s, "unknown setting '%s'", name);
		if (!config_setting_is_group(s))
			return config_fail_at(error, path, s, "'%s' must be a group { ... }", name);
		for (int j = 0; j < config_setting_length(s); j++) {
			config_setting_t *c = config_setting_get_elem(s, j);
			g_autofree char *full = g_strdup_printf("%s.%s", name, config_setting_name(c));
			if (!known_key(full) && strcmp(full, "programme.fields") != 0 &&
			    strcmp(full, "programme.roles") != 0)
				return config_fail_at(error, path, c, "unknown setting '%s'", full);
		}
	}
	return TRUE;
}

gboolean config_known_members(const char *path, const config_setting_t *s, const char *const *names, gsize n,
			      const char *what, GError **error)
{
	for (int j = 0; j < config_setting_length(s); j++) {
		const config_setting_t *c = config_setting_get_elem(s, j);
		gboolean ok = FALSE;
		for (gsize k = 0; k < n; k++)
			ok |= strcmp(config_setting_name(c), names[k]) == 0;
		if (!ok)
			return config_fail_at(error, path, c, "unknown %s setting '%s'", what, config_setting_name(c));
	}
	return TRUE;
}

static gboolean read_organisation(const char *path, config_setting_t *s, struct nomd_config *cfg, GError **error)
{
	if (!config_setting_is_group(s))
		return config_fail_at(error, path, s, "each organisation must be a group { id = ...; name = ...; }");
	if (!config_known_members(path, s, org_keys, G_N_ELEMENTS(org_keys), "organisation", error))
		return FALSE;
	struct organisation *o = g_new0(struct organisation, 1);
	o->nominators = g_ptr_array_new_with_free_func(g_free);
	o->domains = g_ptr_array_new_with_free_func(g_free);
	g_ptr_array_add(cfg->organisations, o);

	const char *id = NULL, *name = NULL, *kind = "council";
	if (!config_setting_lookup_string(s, "id", &id) || !*id)
		return config_fail_at(error, path, s, "organisation without a string 'id'");
	for (const char *p = id; *p; p++)
		if (!(g_ascii_islower(*p) || g_ascii_isdigit(*p) || *p == '-' || *p == '_'))
			return config_fail_at(error, path, config_setting_get_member(s, "id"),
					      "organisation id '%s' may hold only a-z, 0-9, '-' and '_'", id);
	if (!config_setting_lookup_string(s, "name", &name) || !*name)
		return config_fail_at(error, path, s, "organisation '%s' without a string 'name'", id);
	if (strpbrk(name, "\r\n") || !g_utf8_validate(name, -1, NULL))
		return config_fail_at(error, path, config_setting_get_member(s, "name"),
				      "organisation name must be one line of UTF-8");
	config_setting_lookup_string(s, "kind", &kind);
	if (strcmp(kind, "council") != 0 && strcmp(kind, "partner") != 0)
		return config_fail_at(error, path, config_setting_get_member(s, "kind"),
				      "organisation '%s': kind must be council or partner", id);
	for (guint i = 0; i + 1 < cfg->organisations->len; i++) {
		const struct organisation *other = cfg->organisations->pdata[i];
		if (strcmp(other->id, id) == 0 || g_ascii_strcasecmp(other->name, name) == 0)
			return config_fail_at(error, path, s, "organisation '%s' (%s) is listed twice", id, name);
		/* A form names its organisation by id or by name: each must
		 * point to one organisation only. */
		if (g_ascii_strcasecmp(other->name, id) == 0 || g_ascii_strcasecmp(other->id, name) == 0)
			return config_fail_at(error, path, s, "organisation '%s' (%s) is ambiguous with '%s' (%s)", id,
					      name, other->id, other->name);
	}
	o->id = g_strdup(id);
	o->name = g_strdup(name);
	o->kind = g_strdup(kind);
	config_setting_t *n = config_setting_get_member(s, "nominators");
	if (n && !read_address_list(path, n, "nominators", o->nominators, FALSE, error))
		return FALSE;
	config_setting_t *d = config_setting_get_member(s, "domains");
	if (d && !read_address_list(path, d, "domains", o->domains, TRUE, error))
		return FALSE;
	return TRUE;
}

/* "Name <addr@domain>" or "addr@domain". */
static gboolean split_from(struct nomd_config *cfg)
{
	const char *from = cfg->smtp.from;
	const char *lt = strrchr(from, '<');
	g_autofree char *addr = NULL;
	if (lt) {
		const char *gt = strchr(lt, '>');
		if (!gt || gt[1] != '\0')
			return FALSE;
		addr = g_strndup(lt + 1, gt - lt - 1);
		g_autofree char *name = g_strndup(from, lt - from);
		g_strstrip(name);
		if (name[0] == '"' && strlen(name) >= 2 && name[strlen(name) - 1] == '"') {
			name[strlen(name) - 1] = '\0';
			memmove(name, name + 1, strlen(name));
		}
		cfg->smtp.from_name = *name ? g_steal_pointer(&name) : NULL;
	} else {
		addr = g_strstrip(g_strdup(from));
	}
	if (!email_valid(addr))
		return FALSE;
	cfg->smtp.from_domain = g_ascii_strdown(strchr(addr, '@') + 1, -1);
	cfg->smtp.from_address = g_steal_pointer(&addr);
	return TRUE;
}

/* "localhost", 127.0.0.0/8 or ::1: the only hosts a password may be sent
 * to in clear, as it never leaves the machine. */
static gboolean host_is_loopback(const char *host)
{
	if (g_ascii_strcasecmp(host, "localhost") == 0)
		return TRUE;
	g_autoptr(GInetAddress) a = g_inet_address_new_from_string(host);
	return a && g_inet_address_get_is_loopback(a);
}

/* security = "none" only towards this machine; and no credentials in
 * smtp.url, where they would be a password outside the password settings
 * (and in every log line that shows the URL). */
static gboolean check_clear_text(const char *path, config_t *cf, const struct nomd_config *cfg, GError **error)
{
	g_autoptr(GUri) uri = g_uri_parse(cfg->smtp.url, G_URI_FLAGS_NON_DNS, NULL);
	if (!uri || !g_uri_get_host(uri) || !*g_uri_get_host(uri))
		return config_fail_at(error, path, config_lookup(cf, "smtp.url"),
				      "'smtp.url' is not a URL with a host: '%s'", cfg->smtp.url);
	if (g_uri_get_userinfo(uri))
		return config_fail_at(
			error, path, config_lookup(cf, "smtp.url"),
			"'smtp.url' holds a user name or password: set smtp.user and smtp.password_file instead");
	const char *services[] = { "imap", "smtp" };
	const char *hosts[] = { cfg->imap.host, g_uri_get_host(uri) };
	const enum security security[] = { cfg->imap.security, cfg->smtp.security };
	for (size_t i = 0; i < G_N_ELEMENTS(services); i++) {
		if (security[i] != SEC_NONE || host_is_loopback(hosts[i]))
			continue;
		g_autofree char *key = g_strdup_printf("%s.security", services[i]);
		return config_fail_at(
			error, path, config_lookup(cf, key),
			"'%s' is none, which sends the password in clear: only for a host on this machine "
			"(localhost, 127.0.0.1, ::1), not '%s'",
			key, hosts[i]);
	}
	return TRUE;
}

/* A secret must be readable by its owner alone (as msmtp insists). */
static gboolean private_file(const char *file, const char *what, GError **error)
{
	struct stat sb;
	if (stat(file, &sb) != 0)
		return TRUE; /* reading it says what is wrong */
	if ((sb.st_mode & 077) == 0)
		return TRUE;
	g_set_error(error, CONFIG_ERROR, 0,
		    "%s %s is readable by group or others (mode %04o): it holds a password; chmod 600 %s", what, file,
		    (unsigned)(sb.st_mode & 07777), file);
	return FALSE;
}

static gboolean resolve_password(const char *path, config_t *cf, const char *group, char **password,
				 char *password_file, GError **error)
{
	g_autofree char *pw_key = g_strdup_printf("%s.password", group);
	g_autofree char *file_key = g_strdup_printf("%s.password_file", group);
	if (*password && !**password)
		return config_fail_at(error, path, config_lookup(cf, pw_key), "'%s' is empty", pw_key);
	if (*password && password_file)
		return config_fail_at(error, path, config_lookup(cf, file_key),
				      "'%s' and '%s' are alternatives: set one", pw_key, file_key);
	if (!password_file)
		return TRUE;
	g_autofree char *dir = g_path_get_dirname(path);
	g_autofree char *full = g_path_is_absolute(password_file) ? g_strdup(password_file)
								  : g_build_filename(dir, password_file, NULL);
	/* Under systemd, LoadCredential= hands the file over by name. */
	const char *creds = g_getenv("CREDENTIALS_DIRECTORY");
	gboolean credential = FALSE;
	if (creds && *creds && !strchr(password_file, '/')) {
		g_autofree char *c = g_build_filename(creds, password_file, NULL);
		if (g_file_test(c, G_FILE_TEST_EXISTS)) {
			g_free(full);
			full = g_steal_pointer(&c);
			credential = TRUE;
		}
	}
	g_autoptr(GError) local = NULL;
	if ((!credential && !private_file(full, "password file", &local)) || !read_secret_file(full, password, &local))
		return config_fail_at(error, path, config_lookup(cf, file_key), "%s", local->message);
	return TRUE;
}

/* A date alone means the end of that day; times without an offset are UK
 * time, where the programme runs. */
/* An ISO 8601 date, or date and time, in UK time unless it says; a date
 * alone means `time_of_day` on it. */
static gboolean parse_date(const char *v, const char *time_of_day, gint64 *out)
{
	g_autofree char *full = strlen(v) == 10 ? g_strconcat(v, time_of_day, NULL) : g_strdup(v);
	for (char *p = full; *p; p++)
		if (*p == ' ')
			*p = 'T';
	g_autoptr(GTimeZone) uk = g_time_zone_new_identifier("Europe/London");
	g_autoptr(GDateTime) t = g_date_time_new_from_iso8601(full, uk ? uk : NULL);
	if (!t)
		return FALSE;
	*out = g_date_time_to_unix(t);
	return TRUE;
}

/* libconfig 1.5 exits the process when an @include names a folder or
 * something else it cannot read as a file: look before it does. */
static gboolean check_includes(const char *path, const char *dir, GError **error)
{
	g_autofree char *text = NULL;
	if (!g_file_get_contents(path, &text, NULL, NULL))
		return TRUE; /* libconfig says what is wrong with it */
	g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
	for (int i = 0; lines[i]; i++) {
		const char *l = lines[i];
		while (*l == ' ' || *l == '\t')
			l++;
		if (!g_str_has_prefix(l, "@include"))
			continue;
		const char *q = strchr(l, '"');
		const char *end = q ? strchr(q + 1, '"') : NULL;
		if (!end)
			continue;
		g_autofree char *name = g_strndup(q + 1, end - q - 1);
		g_autofree char *full = g_build_filename(dir, name, NULL);
		if (!g_file_test(full, G_FILE_TEST_IS_REGULAR)) {
			g_set_error(error, CONFIG_ERROR, 0,
				    "%s:%d: cannot include '%s': not a file (paths are relative to %s)", path, i + 1,
				    name, dir);
			return FALSE;
		}
	}
	return TRUE;
}

/* A programme name fit for a file name, a folder and a systemd instance. */
static gboolean programme_name_ok(const char *name)
{
	gsize n = strlen(name);
	if (n == 0 || n > 64 || name[0] == '-')
		return FALSE;
	for (gsize i = 0; i < n; i++)
		if (!g_ascii_isalnum(name[i]) && name[i] != '-' && name[i] != '_')
			return FALSE;
	return TRUE;
}

gboolean config_programme_path(const char *name, char **path, GError **error)
{
	if (!programme_name_ok(name)) {
		g_set_error(error, CONFIG_ERROR, 0,
			    "'%s' is not a programme name: letters, digits, '-' and '_', at most 64", name);
		return FALSE;
	}
	const char *dir = g_getenv("NOMD_CONFIG_DIR");
	g_autofree char *def = g_path_get_dirname(NOMD_CONFIG);
	g_autofree char *file = g_strconcat(name, ".conf", NULL);
	*path = g_build_filename(dir && *dir ? dir : def, file, NULL);
	return TRUE;
}

gboolean config_choose(const char *file, const char *programme, char **path, GError **error)
{
	*path = NULL;
	if (file && programme) {
		g_set_error(error, CONFIG_ERROR, 0, "-c FILE and -p NAME name the same thing: give one");
		return FALSE;
	}
	if (programme)
		return config_programme_path(programme, path, error);
	*path = g_strdup(file ? file : NOMD_CONFIG);
	return TRUE;
}

/* "awards" for .../awards.conf; NULL for nomd.conf or a name unfit. */
static char *instance_of(const char *path)
{
	g_autofree char *base = g_path_get_basename(path);
	if (!g_str_has_suffix(base, ".conf") || strcmp(base, "nomd.conf") == 0)
		return NULL;
	base[strlen(base) - strlen(".conf")] = '\0';
	return programme_name_ok(base) ? g_strdup(base) : NULL;
}

gboolean config_load(const char *path, struct nomd_config **out, GError **error)
{
	g_autoptr(nomd_config) cfg = g_new0(struct nomd_config, 1);
	cfg->path = g_strdup(path);
	cfg->organisations = g_ptr_array_new_with_free_func((GDestroyNotify)organisation_free);

	config_t cf;
	config_init(&cf);
	g_autofree char *dir = g_path_get_dirname(path);
	/* @include resolves against the config file's folder, not the cwd. */
	config_set_include_dir(&cf, dir);
	gboolean ok = FALSE;

	if (!check_includes(path, dir, error))
		goto out;
	if (!config_read_file(&cf, path)) {
		const char *file = config_error_file(&cf);
		if (config_error_type(&cf) == CONFIG_ERR_FILE_IO && config_error_line(&cf) == 0)
			g_set_error(error, CONFIG_ERROR, 0, "%s: cannot read the file", file ? file : path);
		else
			g_set_error(error, CONFIG_ERROR, 0, "%s:%d: %s", file ? file : path, config_error_line(&cf),
				    config_error_text(&cf));
		goto out;
	}
	if (!check_unknown(path, &cf, error))
		goto out;
	for (size_t i = 0; i < G_N_ELEMENTS(keys); i++)
		if (!read_key(path, &cf, &keys[i], cfg, error))
			goto out;
	cfg->instance = instance_of(path);
	/* Programmes side by side keep their state apart unless told. */
	if (cfg->instance && !config_lookup(&cf, "database")) {
		g_autofree char *root = g_path_get_dirname(cfg->database);
		g_free(cfg->database);
		cfg->database = g_build_filename(root, cfg->instance, "nomd.db", NULL);
	}
	if (!config_read_form(path, &cf, cfg, error))
		goto out;
	/* A programme's templates sit beside its definition. */
	if (*cfg->templates && !g_path_is_absolute(cfg->templates)) {
		char *full = g_build_filename(dir, cfg->templates, NULL);
		g_free(cfg->templates);
		cfg->templates = full;
	}
	if (cfg->imap.port == 0)
		cfg->imap.port = cfg->imap.security == SEC_TLS ? 993 : 143;
	if (!split_from(cfg)) {
		config_fail_at(error, path, config_lookup(&cf, "smtp.from"),
			       "'smtp.from' must be an address or \"Name <address>\"");
		goto out;
	}
	const char *scheme = cfg->smtp.security == SEC_TLS ? "smtps://" : "smtp://";
	if (!g_str_has_prefix(cfg->smtp.url, scheme)) {
		config_fail_at(error, path, config_lookup(&cf, "smtp.url"),
			       "'smtp.url' must start with %s for security %s", scheme,
			       config_security_name(cfg->smtp.security));
		goto out;
	}
	if (!check_clear_text(path, &cf, cfg, error))
		goto out;
	if (!resolve_password(path, &cf, "imap", &cfg->imap.password, cfg->imap.password_file, error) ||
	    !resolve_password(path, &cf, "smtp", &cfg->smtp.password, cfg->smtp.password_file, error))
		goto out;
	/* A password written in a file (this one, or one it includes) makes
	 * that file a secret. */
	for (int i = 0; i < 2; i++) {
		config_setting_t *pw = config_lookup(&cf, i ? "smtp.password" : "imap.password");
		const char *file = pw ? config_setting_source_file(pw) : NULL;
		g_autofree char *full = !file || g_strcmp0(file, path) == 0 ? g_strdup(path)
					: g_path_is_absolute(file)	    ? g_strdup(file)
									    : g_build_filename(dir, file, NULL);
		g_autoptr(GError) local = NULL;
		if (pw && !private_file(full, "configuration file", &local)) {
			config_fail_at(error, path, pw, "%s (or move the password to a password_file)", local->message);
			goto out;
		}
	}
	/* A round closes at the end of its last day; a programme ends (and
	 * asks for feedback) from the start of its. */
	const struct {
		const char *key, *value, *time_of_day;
		gint64 *at;
	} dates[] = {
		{ "programme.closes", cfg->programme.closes, "T23:59:59", &cfg->programme.closes_at },
		{ "programme.ends", cfg->programme.ends, "T00:00:00", &cfg->programme.ends_at },
	};
	for (size_t i = 0; i < G_N_ELEMENTS(dates); i++) {
		if (dates[i].value && !parse_date(dates[i].value, dates[i].time_of_day, dates[i].at)) {
			config_fail_at(error, path, config_lookup(&cf, dates[i].key),
				       "'%s' must be an ISO 8601 date or date and time, such as \"2027-01-31\" or "
				       "\"2027-01-31T17:00:00Z\"",
				       dates[i].key);
			goto out;
		}
	}
	if (cfg->programme.ends_at && cfg->programme.ends_at <= cfg->programme.closes_at) {
		config_fail_at(
			error, path, config_lookup(&cf, "programme.ends"),
			"'programme.ends' must come after 'programme.closes': the programme runs after the round");
		goto out;
	}
	if (cfg->programme.chase_days->len && !cfg->programme.closes) {
		config_fail_at(error, path, config_lookup(&cf, "programme.chase_days"),
			       "'programme.chase_days' needs 'programme.closes': chasers go that many days before it");
		goto out;
	}
	if (!*cfg->programme.round || strpbrk(cfg->programme.round, ": ")) {
		config_fail_at(error, path, config_lookup(&cf, "programme.round"),
			       "'programme.round' must be a name without spaces or colons, such as \"2027\"");
		goto out;
	}
	if (cfg->programme.require_authentication && !cfg->programme.trusted_authserv_id) {
		config_fail_at(error, path, config_lookup(&cf, "programme.require_authentication"),
			       "'programme.require_authentication' needs 'programme.trusted_authserv_id'");
		goto out;
	}
	if (strcmp(cfg->digest_attachment, "xlsx") != 0 && strcmp(cfg->digest_attachment, "csv") != 0 &&
	    strcmp(cfg->digest_attachment, "none") != 0) {
		config_fail_at(error, path, config_lookup(&cf, "staff.digest_attachment"),
			       "'staff.digest_attachment' must be \"xlsx\", \"csv\" or \"none\"");
		goto out;
	}
	if (cfg->smtp.retry_min > cfg->smtp.retry_max) {
		config_fail_at(error, path, config_lookup(&cf, "smtp.retry_min"),
			       "'smtp.retry_min' is longer than 'smtp.retry_max'");
		goto out;
	}
	{
		/* The zone is checked even with the digest off: dates are shown in it. */
		g_autoptr(GTimeZone) tz = g_time_zone_new_identifier(cfg->timezone);
		if (!tz) {
			config_fail_at(error, path, config_lookup(&cf, "staff.timezone"),
				       "'%s' is not a time zone this system knows (such as Europe/London)",
				       cfg->timezone);
			goto out;
		}
	}
	{
		g_autoptr(schedule) digest = NULL;
		g_autoptr(GError) bad = NULL;
		if (!schedule_parse(cfg->digest, cfg->timezone, &digest, &bad)) {
			config_fail_at(error, path,
				       config_lookup(&cf, g_str_has_prefix(bad->message, "'") &&
									  strstr(bad->message, "time zone")
								  ? "staff.timezone"
								  : "staff.digest"),
				       "%s", bad->message);
			goto out;
		}
	}
	if (!cfg->imap.password) {
		config_fail_at(error, path, config_lookup(&cf, "imap"), "set 'imap.password' or 'imap.password_file'");
		goto out;
	}

	config_setting_t *orgs = config_lookup(&cf, "organisations");
	if (!orgs || config_setting_length(orgs) == 0) {
		config_fail_at(error, path, orgs, "no organisations are configured");
		goto out;
	}
	if (!config_setting_is_list(orgs)) {
		config_fail_at(error, path, orgs, "'organisations' must be a list ( { ... }, { ... } )");
		goto out;
	}
	for (int i = 0; i < config_setting_length(orgs); i++)
		if (!read_organisation(path, config_setting_get_elem(orgs, i), cfg, error))
			goto out;
	if (!config_check_programme(path, &cf, cfg, error))
		goto out;
	ok = TRUE;
out:
	config_destroy(&cf);
	if (ok)
		*out = g_steal_pointer(&cfg);
	return ok;
}

const struct organisation *config_find_organisation(const struct nomd_config *cfg, const char *id_or_name)
{
	if (!id_or_name)
		return NULL;
	for (guint i = 0; i < cfg->organisations->len; i++) {
		const struct organisation *o = cfg->organisations->pdata[i];
		if (g_ascii_strcasecmp(o->id, id_or_name) == 0 || g_utf8_collate(o->name, id_or_name) == 0 ||
		    g_ascii_strcasecmp(o->name, id_or_name) == 0)
			return o;
	}
	return NULL;
}

gboolean config_is_nominator(const struct organisation *org, const char *address)
{
	if (!org || !address)
		return FALSE;
	for (guint i = 0; i < org->nominators->len; i++)
		if (g_ascii_strcasecmp(org->nominators->pdata[i], address) == 0)
			return TRUE;
	return FALSE;
}

GPtrArray *config_warnings(const struct nomd_config *cfg)
{
	GPtrArray *out = g_ptr_array_new_with_free_func(g_free);
	if (!cfg->programme.require_authentication)
		g_ptr_array_add(out, g_strdup("'programme.require_authentication' is off: a forged From address of a "
					      "nominator or nominee is believed (WITHDRAW still asks the nominator to "
					      "confirm by mail)"));
	/* Not an error: the reader may be installed after the configuration. */
	if (cfg->documents.enabled && !g_file_test(cfg->documents.reader, G_FILE_TEST_IS_EXECUTABLE))
		g_ptr_array_add(out, g_strdup_printf("'documents.reader' %s is not an executable file: messages with "
						     "attached documents from nominators will fail and be held",
						     cfg->documents.reader));
	return out;
}
