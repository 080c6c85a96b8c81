/* form: the plain-text nomination form, v1.
 *
 *   Organisation: Fife Council
 *   Member            (or "Mentor", optionally numbered: "Mentor 2")
 *   Name: ...
 *   Email: ...
 *
 * Labels are case-insensitive and surrounding blanks do not matter. Fields
 * before the first section belong to the message; unknown labels are
 * ignored so that a covering note does not spoil the form. */
#include "form.h"

#include <string.h>

enum field {
	F_NONE,
	F_ORGANISATION,
	F_NAME,
	F_EMAIL,
	F_JOB_TITLE,
	F_SERVICE,
	F_SERVICE_TYPE,
	F_YEARS,
	F_ASPIRATION,
	F_EXPERTISE,
};

static const struct {
	const char *label;
	enum field field;
} labels[] = {
	{ "organisation", F_ORGANISATION },
	{ "organization", F_ORGANISATION },
	{ "name", F_NAME },
	{ "email", F_EMAIL },
	{ "job title", F_JOB_TITLE },
	{ "service", F_SERVICE },
	{ "service type", F_SERVICE_TYPE },
	{ "years in local government", F_YEARS },
	{ "aspiration", F_ASPIRATION },
	{ "expertise", F_EXPERTISE },
};

const char *form_role_name(enum nominee_role role)
{
	return role == ROLE_MENTOR ? "mentor" : "member";
}

void nominee_free(struct nominee *n)
{
	if (!n)
		return;
	g_free(n->name);
	g_free(n->email);
	g_free(n->job_title);
	g_free(n->service);
	g_free(n->service_type);
	g_free(n->aspiration);
	g_free(n->expertise);
	g_free(n);
}

void form_free(struct form *f)
{
	if (!f)
		return;
	g_free(f->organisation);
	g_ptr_array_unref(f->nominees);
	g_free(f);
}

/* Collapse runs of blanks into one space; the result is capped. */
static char *clean_value(const char *s)
{
	GString *out = g_string_sized_new(64);
	gboolean space = FALSE;
	for (const char *p = s; *p && out->len < FORM_MAX_VALUE; p++) {
		if (g_ascii_isspace(*p)) {
			space = out->len > 0;
			continue;
		}
		if (space)
			g_string_append_c(out, ' ');
		space = FALSE;
		g_string_append_c(out, *p);
	}
	/* Never cut a UTF-8 sequence in half at the cap. */
	const char *end;
	if (!g_utf8_validate(out->str, out->len, &end))
		g_string_truncate(out, end - out->str);
	return g_string_free(out, FALSE);
}

static enum field lookup_label(const char *label)
{
	g_autofree char *clean = clean_value(label);
	g_autofree char *folded = g_ascii_strdown(clean, -1);
	for (size_t i = 0; i < G_N_ELEMENTS(labels); i++)
		if (strcmp(folded, labels[i].label) == 0)
			return labels[i].field;
	return F_NONE;
}

/* "Member", "Mentor", "Mentor 2": a section heading, or -1. */
static int section_role(const char *line)
{
	static const struct {
		const char *word;
		enum nominee_role role;
	} heads[] = { { "member", ROLE_MEMBER }, { "mentor", ROLE_MENTOR } };
	for (size_t i = 0; i < G_N_ELEMENTS(heads); i++) {
		size_t n = strlen(heads[i].word);
		if (g_ascii_strncasecmp(line, heads[i].word, n) != 0)
			continue;
		const char *p = line + n;
		while (*p == ' ' || *p == '\t')
			p++;
		while (g_ascii_isdigit(*p))
			p++;
		while (*p == ' ' || *p == '\t')
			p++;
		if (*p == '\0')
			return heads[i].role;
	}
	return -1;
}

static int parse_years(const char *v)
{
	char *end = NULL;
	gint64 n = g_ascii_strtoll(v, &end, 10);
	if (end == v || n < 0 || n > 80)
		return -1;
	while (*end == ' ')
		end++;
	if (*end != '\0' && g_ascii_strncasecmp(end, "year", 4) != 0)
		return -1;
	return (int)n;
}

static void set_field(char **slot, const char *value)
{
	g_free(*slot);
	*slot = *value ? g_strdup(value) : NULL;
}

struct form *form_parse(const char *text)
{
	struct form *f = g_new0(struct form, 1);
	f->nominees = g_ptr_array_new_with_free_func((GDestroyNotify)nominee_free);
	if (!text)
		return f;

	size_t len = strnlen(text, FORM_MAX_TEXT);
	g_autofree char *copy = g_strndup(text, len);
	g_auto(GStrv) lines = g_strsplit_set(copy, "\r\n", -1);
	struct nominee *cur = NULL;

	for (size_t i = 0; lines[i]; i++) {
		char *line = g_strstrip(lines[i]);
		if (*line == '\0')
			continue;
		int role = section_role(line);
		if (role >= 0) {
			if (f->nominees->len >= FORM_MAX_NOMINEES) {
				cur = NULL;
				continue;
			}
			cur = g_new0(struct nominee, 1);
			cur->role = role;
			cur->years = -1;
			g_ptr_array_add(f->nominees, cur);
			continue;
		}
		char *colon = strchr(line, ':');
		if (!colon)
			continue;
		*colon = '\0';
		enum field field = lookup_label(line);
		g_autofree char *value = clean_value(colon + 1);
		if (field == F_ORGANISATION) {
			if (!f->organisation && *value)
				f->organisation = g_steal_pointer(&value);
			continue;
		}
		/* A field outside any section belongs to no nominee; a
		 * section past the cap is dropped whole, not merged. */
		if (!cur)
			continue;
		switch (field) {
		case F_NAME: set_field(&cur->name, value); break;
		case F_EMAIL: set_field(&cur->email, value); break;
		case F_JOB_TITLE: set_field(&cur->job_title, value); break;
		case F_SERVICE: set_field(&cur->service, value); break;
		case F_SERVICE_TYPE: {
			g_autofree char *low = g_utf8_strdown(value, -1);
			set_field(&cur->service_type, low);
			break;
		}
		case F_YEARS: cur->years = parse_years(value); break;
		case F_ASPIRATION: set_field(&cur->aspiration, value); break;
		case F_EXPERTISE: set_field(&cur->expertise, value); break;
		case F_NONE:
		case F_ORGANISATION: break;
		}
	}
	return f;
}
