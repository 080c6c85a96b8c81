/* form: the nomination form, as people really send it.
 *
 *   Organisation: Fife Council
 *   Member 1          (also "Mentee", "Mentor", "[Mentor 2]", "-- Member --", "Member:")
 *   Name: ...         (synonyms below; bullets and **bold** around labels are ignored)
 *   Email: ...
 *
 * Fields before the first section belong to the message; unknown labels
 * are ignored so that a covering note does not spoil the form. Quoted
 * history ("> " lines, "On ... wrote:", Outlook's From:/Sent: block) ends
 * the form, unless the message is a forward, where the forwarded headers
 * are skipped and the forwarded form is read. A signature ("-- ", or a
 * sign-off such as "Kind regards" after the form) is skipped up to a
 * forwarded message, if one follows. Within a section the first value of
 * a field stands. */
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
	F_LOCATION,
	F_FORMAT,
	F_ROLE, /* spreadsheets only: member / mentor */
};

static const struct {
	const char *label;
	enum field field;
} labels[] = {
	{ "organisation", F_ORGANISATION },
	{ "organization", F_ORGANISATION },
	{ "council", F_ORGANISATION },
	{ "council / organisation", F_ORGANISATION },
	{ "council/organisation", F_ORGANISATION },
	{ "organisation / council", F_ORGANISATION },
	{ "organisation/council", F_ORGANISATION },
	{ "organisation name", F_ORGANISATION },
	{ "organization name", F_ORGANISATION },
	{ "name of organisation", F_ORGANISATION },
	{ "name of organization", F_ORGANISATION },
	{ "council name", F_ORGANISATION },
	{ "name", F_NAME },
	{ "full name", F_NAME },
	{ "nominee name", F_NAME },
	{ "email", F_EMAIL },
	{ "e-mail", F_EMAIL },
	{ "email address", F_EMAIL },
	{ "e-mail address", F_EMAIL },
	{ "job title", F_JOB_TITLE },
	{ "role", F_JOB_TITLE },
	{ "position", F_JOB_TITLE },
	{ "job role", F_JOB_TITLE },
	{ "service", F_SERVICE },
	{ "service area", F_SERVICE },
	{ "department", F_SERVICE },
	{ "service type", F_SERVICE_TYPE },
	{ "category", F_SERVICE_TYPE },
	{ "years in local government", F_YEARS },
	{ "years of experience", F_YEARS },
	{ "experience (years)", F_YEARS },
	{ "years", F_YEARS },
	{ "aspiration", F_ASPIRATION },
	{ "aspirations", F_ASPIRATION },
	{ "career aspiration", F_ASPIRATION },
	{ "career aspirations", F_ASPIRATION },
	{ "expertise", F_EXPERTISE },
	{ "areas of expertise", F_EXPERTISE },
	{ "location", F_LOCATION },
	{ "region", F_LOCATION },
	{ "format", F_FORMAT },
	{ "preferred format", F_FORMAT },
};

/* Spreadsheet columns that say member or mentor. */
static const char *const role_columns[] = { "role",	     "nominee type", "type",	      "member or mentor",
					    "member/mentor", "nomination",   "programme role" };

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
	g_free(n->location);
	g_free(n->format);
	g_free(n);
}

struct form *form_new(void)
{
	struct form *f = g_new0(struct form, 1);
	f->nominees = g_ptr_array_new_with_free_func((GDestroyNotify)nominee_free);
	return f;
}

void form_free(struct form *f)
{
	if (!f)
		return;
	g_free(f->organisation);
	g_ptr_array_unref(f->nominees);
	g_free(f);
}

/* Collapse runs of blanks into one space; the result is capped on a
 * character boundary. */
static char *clean_value(const char *s)
{
	GString *out = g_string_sized_new(64);
	gboolean space = FALSE;
	for (const char *p = s; *p; p++) {
		if (g_ascii_isspace(*p)) {
			space = out->len > 0;
			continue;
		}
		if (out->len + (space ? 2 : 1) > FORM_MAX_VALUE)
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

/* Unicode spaces become ASCII spaces, invisible characters go. */
static char *normalise_spaces(const char *text, gsize len)
{
	GString *out = g_string_sized_new(len);
	const char *end = text + len;
	for (const char *p = text; p < end && *p;) {
		gunichar c = g_utf8_get_char_validated(p, end - p);
		const char *next = (c == (gunichar)-1 || c == (gunichar)-2) ? p + 1 : g_utf8_next_char(p);
		if (c == 0x200B || c == 0x200C || c == 0x200D || c == 0xFEFF || c == 0x00AD)
			; /* zero-width and soft hyphen */
		else if (c == 0x00A0 || c == 0x2007 || c == 0x202F || c == 0x3000 || (c >= 0x2000 && c <= 0x200A))
			g_string_append_c(out, ' ');
		else
			g_string_append_len(out, p, next - p);
		p = next;
	}
	return g_string_free(out, FALSE);
}

/* Leading bullets and emphasis markers around a label: "• **Name:**". */
static const char *skip_bullet(const char *line)
{
	static const char *const bullets[] = { "\xe2\x80\xa2",
					       "\xc2\xb7",
					       "\xe2\x97\xa6",
					       "\xe2\x96\xaa",
					       "\xe2\x80\x93",
					       "\xe2\x80\x94",
					       "-",
					       "*",
					       "+" };
	for (size_t i = 0; i < G_N_ELEMENTS(bullets); i++) {
		size_t n = strlen(bullets[i]);
		if (strncmp(line, bullets[i], n) == 0 && (line[n] == ' ' || line[n] == '\t'))
			return g_strchug((char *)line + n);
	}
	return line;
}

static char *strip_emphasis(const char *s)
{
	GString *out = g_string_new(NULL);
	for (const char *p = s; *p; p++)
		if (*p != '*' && *p != '_')
			g_string_append_c(out, *p);
	return g_string_free(out, FALSE);
}

static enum field lookup_label(const char *label)
{
	g_autofree char *plain = strip_emphasis(label);
	g_autofree char *clean = clean_value(plain);
	g_autofree char *folded = g_utf8_strdown(clean, -1);
	/* "Email address (work)" and "Name of nominee" are not worth guessing;
	 * a trailing "(optional)" is. */
	char *opt = strstr(folded, " (optional)");
	if (opt)
		*opt = '\0';
	for (size_t i = 0; i < G_N_ELEMENTS(labels); i++)
		if (strcmp(folded, labels[i].label) == 0)
			return labels[i].field;
	return F_NONE;
}

static gboolean role_word(const char *word, size_t n, enum nominee_role *role)
{
	static const struct {
		const char *word;
		enum nominee_role role;
	} words[] = { { "member", ROLE_MEMBER }, { "mentee", ROLE_MEMBER }, { "mentor", ROLE_MENTOR } };
	for (size_t i = 0; i < G_N_ELEMENTS(words); i++)
		if (n == strlen(words[i].word) && g_ascii_strncasecmp(word, words[i].word, n) == 0) {
			*role = words[i].role;
			return TRUE;
		}
	return FALSE;
}

/* "Member", "Mentee 2", "[Mentor 1]", "-- Member #2 --", "Mentor:": a
 * section heading, or -1. */
static int section_role(const char *line)
{
	g_autofree char *s = strip_emphasis(line);
	const char *trim = "[](){}<>-=:#.\xe2\x80\x93 \t";
	char *p = s;
	while (*p && strchr(trim, *p))
		p++;
	char *end = p + strlen(p);
	while (end > p && strchr(trim, end[-1]))
		end--;
	*end = '\0';
	const char *w = p;
	while (g_ascii_isalpha(*p))
		p++;
	enum nominee_role role;
	if (!role_word(w, p - w, &role))
		return -1;
	while (*p == ' ' || *p == '\t' || *p == '#' || *p == '(' || *p == ')' || *p == '[' || *p == ']')
		p++;
	if (g_ascii_strncasecmp(p, "no.", 3) == 0)
		p += 3;
	while (*p == ' ')
		p++;
	while (g_ascii_isdigit(*p))
		p++;
	while (*p == ' ' || *p == ')' || *p == ']')
		p++;
	return *p == '\0' ? (int)role : -1;
}

static int parse_years(const char *v)
{
	char *end = NULL;
	while (*v == '~' || *v == ' ')
		v++;
	gint64 n = g_ascii_strtoll(v, &end, 10);
	if (end == v || n < 0 || n > 80)
		return -1;
	while (*end == ' ' || *end == '+')
		end++;
	if (*end != '\0' && g_ascii_strncasecmp(end, "year", 4) != 0 && g_ascii_strncasecmp(end, "yr", 2) != 0)
		return -1;
	return (int)n;
}

/* The address in "Alex <alex@x>", "alex@x <mailto:alex@x>",
 * "alex@x<mailto:alex@x>" (Outlook's plain text), "mailto:alex@x". */
static char *extract_email(const char *v)
{
	g_autofree char *flat = g_strdup(v);
	for (char *p = flat; *p; p++)
		if (strchr("<>()[]\"',;", *p))
			*p = ' ';
	g_auto(GStrv) words = g_strsplit_set(flat, " \t", -1);
	for (size_t i = 0; words[i]; i++) {
		char *w = words[i];
		if (g_ascii_strncasecmp(w, "mailto:", 7) == 0)
			w += 7;
		if (!strchr(w, '@'))
			continue;
		char *e = w + strlen(w);
		while (e > w && e[-1] == '.')
			e--;
		return g_strndup(w, e - w);
	}
	return g_strdup(v);
}

static char *normalise_format(const char *v)
{
	g_autofree char *low = g_utf8_strdown(v, -1);
	if (strstr(low, "either") || strstr(low, "both") || strstr(low, "no preference"))
		return g_strdup("either");
	if (strstr(low, "person") || strstr(low, "face"))
		return g_strdup("in person");
	if (strstr(low, "online") || strstr(low, "virtual") || strstr(low, "remote") || strstr(low, "teams"))
		return g_strdup("online");
	return g_steal_pointer(&low);
}

/* "(corporate, strategic or operational)": the blank form's hint, not an
 * answer. */
static gboolean is_hint(const char *value)
{
	size_t n = strlen(value);
	return n >= 2 && value[0] == '(' && value[n - 1] == ')';
}

/* The first value given for a field in a section stands: a later one is
 * usually a signature ("Email: ceo@...") or pasted noise. */
static void set_text(char **slot, const char *value)
{
	if (!*slot && *value)
		*slot = g_strdup(value);
}

static void set_field(struct nominee *n, enum field field, const char *value)
{
	if (is_hint(value))
		return;
	switch (field) {
	case F_NAME: set_text(&n->name, value); break;
	case F_EMAIL: {
		g_autofree char *e = extract_email(value);
		set_text(&n->email, e);
		break;
	}
	case F_JOB_TITLE: set_text(&n->job_title, value); break;
	case F_SERVICE: set_text(&n->service, value); break;
	case F_SERVICE_TYPE: {
		g_autofree char *low = g_utf8_strdown(value, -1);
		set_text(&n->service_type, low);
		break;
	}
	case F_YEARS: n->years = n->years < 0 && *value ? parse_years(value) : n->years; break;
	case F_ASPIRATION: set_text(&n->aspiration, value); break;
	case F_EXPERTISE: set_text(&n->expertise, value); break;
	case F_LOCATION: set_text(&n->location, value); break;
	case F_FORMAT: {
		g_autofree char *fmt = *value ? normalise_format(value) : g_strdup("");
		set_text(&n->format, fmt);
		break;
	}
	case F_NONE:
	case F_ORGANISATION:
	case F_ROLE: break;
	}
}

static struct nominee *add_nominee(struct form *f, enum nominee_role role)
{
	if (f->nominees->len >= FORM_MAX_NOMINEES) {
		f->dropped++;
		return NULL;
	}
	struct nominee *n = g_new0(struct nominee, 1);
	n->role = role;
	n->years = -1;
	g_ptr_array_add(f->nominees, n);
	return n;
}

static gboolean starts_with_ci(const char *s, const char *prefix)
{
	return g_ascii_strncasecmp(s, prefix, strlen(prefix)) == 0;
}

/* "Kind regards," and the like: what follows is a signature. */
static gboolean sign_off(const char *line)
{
	static const char *const phrases[] = { "kind regards",	  "regards",	      "best regards", "warm regards",
					       "best wishes",	  "many thanks",      "thanks",	      "thank you",
					       "yours sincerely", "yours faithfully", "with thanks",  "all the best",
					       "cheers" };
	g_autofree char *low = g_utf8_strdown(line, -1);
	size_t n = strlen(low);
	while (n && strchr(",.!", low[n - 1]))
		low[--n] = '\0';
	for (size_t i = 0; i < G_N_ELEMENTS(phrases); i++)
		if (strcmp(low, phrases[i]) == 0)
			return TRUE;
	return FALSE;
}

static gboolean forward_marker(const char *line)
{
	g_autofree char *low = g_ascii_strdown(line, -1);
	return strstr(low, "forwarded message") != NULL || strstr(low, "begin forwarded message") != NULL ||
	       g_str_has_prefix(low, "-------- original message") || g_str_has_prefix(low, "-----original message");
}

/* Header lines of a quoted or forwarded block. */
static gboolean header_line(const char *line)
{
	static const char *const names[] = { "from:", "sent:", "date:", "to:", "cc:", "subject:", "reply-to:" };
	for (size_t i = 0; i < G_N_ELEMENTS(names); i++)
		if (starts_with_ci(line, names[i]))
			return TRUE;
	return FALSE;
}

/* "On Tue, 24 Nov 2026, Jo <jo@x> wrote:" (possibly wrapped over two
 * lines), "-----Original Message-----", or Outlook's "From: ... Sent:". */
static gboolean history_marker(char **lines, size_t i)
{
	const char *l = lines[i];
	if (starts_with_ci(l, "on ") &&
	    (g_str_has_suffix(l, "wrote:") || (lines[i + 1] && g_str_has_suffix(g_strstrip(lines[i + 1]), "wrote:"))))
		return TRUE;
	if (starts_with_ci(l, "-----original message") || starts_with_ci(l, "-------- original message"))
		return TRUE;
	if (starts_with_ci(l, "from:")) {
		for (size_t k = 1; k <= 3 && lines[i + k]; k++) {
			const char *n = g_strstrip(lines[i + k]);
			if (starts_with_ci(n, "sent:") || starts_with_ci(n, "date:"))
				return TRUE;
		}
	}
	return FALSE;
}

/* A section with neither name nor email is the blank form (pasted, quoted
 * or left unfilled), not a nomination. */
static void drop_untouched(struct form *f)
{
	for (guint i = f->nominees->len; i-- > 0;) {
		const struct nominee *n = f->nominees->pdata[i];
		if (!n->name && !n->email)
			g_ptr_array_remove_index(f->nominees, i);
	}
}

struct form *form_parse(const char *text, gboolean forwarded)
{
	struct form *f = form_new();
	if (!text)
		return f;
	g_autofree char *norm = normalise_spaces(text, strnlen(text, FORM_MAX_TEXT));
	g_auto(GStrv) lines = g_strsplit_set(norm, "\r\n", -1);
	struct nominee *cur = NULL;
	gboolean in_signature = FALSE, in_headers = FALSE;

	for (size_t i = 0; lines[i]; i++) {
		gboolean sig = strcmp(lines[i], "-- ") == 0 || strcmp(lines[i], "--") == 0;
		char *line = g_strstrip(lines[i]);
		if (*line == '>')
			continue;
		if (forward_marker(line)) {
			/* What follows is a forwarded message: read it. */
			in_signature = FALSE;
			in_headers = TRUE;
			continue;
		}
		if (in_headers) {
			if (header_line(line))
				continue;
			if (*line == '\0')
				in_headers = FALSE;
			else
				in_headers = FALSE;
		}
		if (sig || (cur && sign_off(line))) {
			in_signature = TRUE;
			continue;
		}
		if (in_signature || *line == '\0')
			continue;
		if (history_marker(lines, i)) {
			if (!forwarded)
				break;
			in_headers = TRUE;
			continue;
		}
		int role = section_role(line);
		if (role >= 0) {
			cur = add_nominee(f, role);
			continue;
		}
		const char *body = skip_bullet(line);
		char *colon = strchr(body, ':');
		char *tab = strchr(body, '\t');
		char *split = colon ? colon : tab;
		if (!split)
			continue;
		*split = '\0';
		enum field field = lookup_label(body);
		const char *rest = split + 1;
		while (*rest == '*' || *rest == '_' || *rest == ' ' || *rest == '\t')
			rest++;
		g_autofree char *value = clean_value(rest);
		if (field == F_ORGANISATION) {
			if (!f->organisation && *value && !is_hint(value))
				f->organisation = g_steal_pointer(&value);
			continue;
		}
		/* A field outside any section belongs to no nominee; a
		 * section past the cap is dropped whole, not merged. */
		if (cur && field != F_NONE)
			set_field(cur, field, value);
	}
	drop_untouched(f);
	return f;
}

gboolean form_role_value(const char *v, enum nominee_role *role)
{
	g_autofree char *clean = clean_value(v);
	return role_word(clean, strlen(clean), role);
}

enum form_column form_column_kind(const char *label)
{
	g_autofree char *plain = strip_emphasis(label ? label : "");
	g_autofree char *clean = clean_value(plain);
	gsize n = strlen(clean);
	while (n && clean[n - 1] == ':')
		clean[--n] = '\0';
	g_autofree char *folded = g_utf8_strdown(clean, -1);
	for (size_t i = 0; i < G_N_ELEMENTS(role_columns); i++)
		if (strcmp(folded, role_columns[i]) == 0)
			return FORM_COLUMN_ROLE;
	switch (lookup_label(folded)) {
	case F_NONE: return FORM_COLUMN_OTHER;
	case F_NAME: return FORM_COLUMN_NAME;
	case F_EMAIL: return FORM_COLUMN_EMAIL;
	default: return FORM_COLUMN_FIELD;
	}
}

void form_merge(struct form *into, struct form *from)
{
	if (!into->organisation && from->organisation)
		into->organisation = g_steal_pointer(&from->organisation);
	into->dropped += from->dropped;
	for (guint i = 0; i < from->nominees->len; i++) {
		if (into->nominees->len >= FORM_MAX_NOMINEES) {
			into->dropped += from->nominees->len - i;
			break;
		}
		g_ptr_array_add(into->nominees, g_steal_pointer(&from->nominees->pdata[i]));
	}
	g_ptr_array_set_size(from->nominees, 0);
}

void form_add_rows(struct form *f, GPtrArray *rows)
{
	for (guint r = 0; rows && r < rows->len; r++) {
		GHashTable *row = rows->pdata[r];
		enum nominee_role role = ROLE_MEMBER;
		gboolean have_role = FALSE;
		const char *role_key = NULL;
		for (size_t i = 0; i < G_N_ELEMENTS(role_columns) && !have_role; i++) {
			const char *v = g_hash_table_lookup(row, role_columns[i]);
			if (v && form_role_value(v, &role)) {
				have_role = TRUE;
				role_key = role_columns[i];
			}
		}
		/* Without a role a row is not a nomination (a notes row, a total). */
		if (!have_role)
			continue;
		struct nominee *n = add_nominee(f, role);
		if (!n)
			continue;
		n->from_csv = TRUE;
		GHashTableIter it;
		gpointer key, value;
		g_hash_table_iter_init(&it, row);
		while (g_hash_table_iter_next(&it, &key, &value)) {
			if (g_strcmp0(key, role_key) == 0)
				continue;
			enum field field = lookup_label(key);
			g_autofree char *clean = clean_value(value ? value : "");
			if (field == F_ORGANISATION) {
				if (!f->organisation && *clean)
					f->organisation = g_strdup(clean);
			} else if (field != F_NONE) {
				set_field(n, field, clean);
			}
		}
	}
	drop_untouched(f);
}
