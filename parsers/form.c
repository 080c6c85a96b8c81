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

/* What a label names: the organisation, a field of the spec, or nothing. */
struct label {
	gboolean organisation;
	const struct form_field *field;
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
	if (n->values)
		g_ptr_array_unref(n->values);
	g_free(n->problem_field);
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

static char *clean_value(const char *s)
{
	return form_collapse_blanks(s, FORM_MAX_VALUE);
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

static struct label lookup_label(const struct form_spec *spec, const char *label)
{
	g_autofree char *plain = strip_emphasis(label);
	g_autofree char *clean = clean_value(plain);
	g_autofree char *folded = form_spec_fold(clean);
	/* "Email address (work)" and "Name of nominee" are not worth guessing;
	 * a trailing "(optional)" is. */
	char *opt = strstr(folded, " (optional)");
	if (opt)
		*opt = '\0';
	struct label found = { form_spec_organisation_label(folded), NULL };
	if (!found.organisation)
		found.field = form_spec_field(spec, folded);
	return found;
}

static gboolean known(struct label l)
{
	return l.organisation || l.field;
}

/* Whether a label (folded) names the role column: "Role", "Member or
 * mentor", or the spec's own two roles the same way. */
static gboolean role_label(const struct form_spec *spec, const char *folded)
{
	for (size_t i = 0; i < G_N_ELEMENTS(role_columns); i++)
		if (strcmp(folded, role_columns[i]) == 0)
			return TRUE;
	return form_spec_role_column(spec, folded);
}

static gboolean role_line(const struct form_spec *spec, const char *label, const char *value, enum nominee_role *role);

/* "Member", "Mentee 2", "[Mentor 1]", "-- Member #2 --", "Mentor:": a
 * section heading, the index of its role in `spec`, or -1. */
static int section_role(const struct form_spec *spec, const char *line)
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
	/* The number after the role word: "2", "#2", "(2)", "No. 2". */
	while (end > p && (g_ascii_isdigit(end[-1]) || strchr(" \t#()[]", end[-1])))
		end--;
	if (end - p >= 3 && g_ascii_strncasecmp(end - 3, "no.", 3) == 0 && (end - p == 3 || end[-4] == ' '))
		end -= 3;
	while (end > p && (end[-1] == ' ' || end[-1] == '\t'))
		end--;
	/* A role word may be several words, in any language's letters
	 * ("Young person", "Màthair"). */
	for (const char *c = p; c < end; c = g_utf8_next_char(c)) {
		gunichar u = g_utf8_get_char_validated(c, end - c);
		if (u == (gunichar)-1 || u == (gunichar)-2 || !(g_unichar_isalpha(u) || u == ' ' || u == '-'))
			return -1;
	}
	return end > p ? form_spec_role(spec, p, end - p) : -1;
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

/* The first problem of a nominee's values is the one the rules say. */
static void problem(struct nominee *n, const struct form_field *f, enum form_problem p, guint words)
{
	if (n->problem != FORM_OK)
		return;
	n->problem = p;
	n->problem_field = g_strdup(f->id);
	n->words = words;
}

static guint count_words(const char *s)
{
	guint words = 0;
	gboolean in = FALSE;
	for (const char *p = s; *p; p++) {
		gboolean blank = g_ascii_isspace(*p);
		words += !blank && !in;
		in = !blank;
	}
	return words;
}

static struct form_value *value_of(struct nominee *n, const char *id)
{
	for (guint i = 0; n->values && i < n->values->len; i++) {
		struct form_value *v = n->values->pdata[i];
		if (strcmp(v->id, id) == 0)
			return v;
	}
	return NULL;
}

static void form_value_free(struct form_value *v)
{
	g_free(v->id);
	g_free(v->value);
	g_free(v);
}

/* A value of a field nomd keeps by id, typed as the spec says. */
static void set_other(struct nominee *n, const struct form_field *f, const char *value)
{
	if (!*value || value_of(n, f->id))
		return;
	g_autofree char *kept = g_strdup(value);
	if (f->type == FIELD_CHOICE) {
		const char *choice = form_spec_choice(f, value);
		if (choice) {
			g_free(kept);
			kept = g_strdup(choice);
		} else {
			problem(n, f, FORM_NOT_A_CHOICE, 0);
		}
	} else if (f->type == FIELD_NUMBER) {
		char *end = NULL;
		g_ascii_strtoll(value, &end, 10);
		if (end == value || *end)
			problem(n, f, FORM_NOT_A_NUMBER, 0);
	} else if (f->type == FIELD_EMAIL) {
		g_free(kept);
		kept = extract_email(value);
	}
	if (!n->values)
		n->values = g_ptr_array_new_with_free_func((GDestroyNotify)form_value_free);
	struct form_value *v = g_new0(struct form_value, 1);
	v->id = g_strdup(f->id);
	v->value = g_steal_pointer(&kept);
	g_ptr_array_add(n->values, v);
}

/* Where a nominee keeps the text of one of nomd's own fields; NULL for
 * years (a number) and for fields kept by id. */
static char **text_slot(struct nominee *n, enum form_slot slot)
{
	switch (slot) {
	case SLOT_NAME: return &n->name;
	case SLOT_EMAIL: return &n->email;
	case SLOT_JOB_TITLE: return &n->job_title;
	case SLOT_SERVICE: return &n->service;
	case SLOT_SERVICE_TYPE: return &n->service_type;
	case SLOT_ASPIRATION: return &n->aspiration;
	case SLOT_EXPERTISE: return &n->expertise;
	case SLOT_LOCATION: return &n->location;
	case SLOT_FORMAT: return &n->format;
	case SLOT_YEARS:
	case SLOT_NONE:
	case SLOT_COUNT: break;
	}
	return NULL;
}

static void set_field(struct nominee *n, const struct form_field *f, const char *value)
{
	if (is_hint(value))
		return;
	if (f->type == FIELD_LONG && f->max_words) {
		guint words = count_words(value);
		if (words > f->max_words)
			problem(n, f, FORM_TOO_LONG, words);
	}
	if (f->slot == SLOT_YEARS) {
		n->years = n->years < 0 && *value ? parse_years(value) : n->years;
		return;
	}
	char **slot = text_slot(n, f->slot);
	if (!slot) {
		set_other(n, f, value);
		return;
	}
	g_autofree char *kept = f->slot == SLOT_EMAIL	       ? extract_email(value)
				: f->slot == SLOT_SERVICE_TYPE ? g_utf8_strdown(value, -1)
				: f->slot == SLOT_FORMAT       ? (*value ? normalise_format(value) : g_strdup(""))
							       : g_strdup(value);
	set_text(slot, kept);
}

gboolean nominee_has(const struct nominee *n, const struct form_field *f)
{
	if (f->slot == SLOT_YEARS)
		return n->years >= 0;
	const char *v = nominee_value(n, f->id);
	return v && *v;
}

const struct form_field *nominee_missing(const struct nominee *n, const struct form_spec *spec)
{
	for (guint i = 0; i < spec->fields->len; i++) {
		const struct form_field *f = spec->fields->pdata[i];
		if (f->required && !nominee_has(n, f))
			return f;
	}
	const struct form_role *r = (guint)n->role < spec->roles->len ? spec->roles->pdata[n->role] : NULL;
	for (guint i = 0; r && i < r->requires->len; i++) {
		const struct form_field *f = form_spec_field_by_id(spec, r->requires->pdata[i]);
		if (f && !nominee_has(n, f))
			return f;
	}
	return NULL;
}

const char *nominee_value(const struct nominee *n, const char *id)
{
	char **slot = text_slot((struct nominee *)n, form_slot_of(id));
	if (slot)
		return *slot;
	const struct form_value *v = value_of((struct nominee *)n, id);
	return v ? v->value : NULL;
}

static struct nominee *add_nominee(struct form *f, enum nominee_role role)
{
	if (f->nominees->len >= FORM_MAX_NOMINEES) {
		f->dropped++;
		return NULL;
	}
	struct nominee *n = g_new0(struct nominee, 1);
	n->role = role;
	n->role_said = TRUE;
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

/* A long text being read: the lines after its label, up to the next
 * label, section, signature or quoted history. */
struct long_text {
	struct nominee *n;
	const struct form_field *field;
	GString *text;
	gboolean paragraph; /* a blank line came since the last text */
};

static void long_add(struct long_text *lt, const char *line)
{
	if (!lt->field || lt->text->len >= FORM_MAX_LONG)
		return;
	g_autofree char *clean = form_collapse_blanks(line, FORM_MAX_LONG);
	if (!*clean)
		return;
	if (lt->text->len)
		g_string_append(lt->text, lt->paragraph ? "\n\n" : " ");
	lt->paragraph = FALSE;
	g_string_append(lt->text, clean);
	if (lt->text->len > FORM_MAX_LONG) {
		g_string_truncate(lt->text, FORM_MAX_LONG);
		const char *end;
		if (!g_utf8_validate(lt->text->str, lt->text->len, &end))
			g_string_truncate(lt->text, end - lt->text->str);
	}
}

static void long_end(struct long_text *lt)
{
	if (lt->field && lt->n)
		set_field(lt->n, lt->field, lt->text->str);
	lt->field = NULL;
	lt->n = NULL;
	lt->paragraph = FALSE;
	g_string_truncate(lt->text, 0);
}

struct form *form_parse(const char *text, gboolean forwarded)
{
	return form_parse_spec(text, forwarded, form_spec_builtin());
}

struct form *form_parse_spec(const char *text, gboolean forwarded, const struct form_spec *spec)
{
	struct form *f = form_new();
	if (!text)
		return f;
	g_autofree char *norm = normalise_spaces(text, strnlen(text, FORM_MAX_TEXT));
	/* CRLF and a lone CR end a line as LF does: one line, not two. */
	char *w = norm;
	for (const char *p = norm; *p; p++)
		if (*p != '\r')
			*w++ = *p;
		else if (p[1] != '\n')
			*w++ = '\n';
	*w = '\0';
	g_auto(GStrv) lines = g_strsplit(norm, "\n", -1);
	struct nominee *cur = NULL;
	gboolean cur_role_line = FALSE; /* cur's role came from a "Role:" line */
	gboolean in_signature = FALSE, in_headers = FALSE;
	g_autoptr(GString) long_buf = g_string_new(NULL);
	struct long_text lt = { .text = long_buf };

	for (size_t i = 0; lines[i]; i++) {
		gboolean sig = strcmp(lines[i], "-- ") == 0 || strcmp(lines[i], "--") == 0;
		char *line = g_strstrip(lines[i]);
		if (*line == '>')
			continue;
		if (forward_marker(line)) {
			/* What follows is a forwarded message: read it. */
			long_end(&lt);
			in_signature = FALSE;
			in_headers = TRUE;
			continue;
		}
		if (in_headers) {
			if (header_line(line))
				continue;
			in_headers = FALSE;
		}
		if (sig || (cur && sign_off(line))) {
			long_end(&lt);
			in_signature = TRUE;
			continue;
		}
		if (in_signature)
			continue;
		if (*line == '\0') {
			lt.paragraph = lt.field != NULL;
			continue;
		}
		if (history_marker(lines, i)) {
			long_end(&lt);
			if (!forwarded)
				break;
			in_headers = TRUE;
			continue;
		}
		int role = section_role(spec, line);
		if (role >= 0) {
			long_end(&lt);
			cur = add_nominee(f, role);
			cur_role_line = FALSE;
			continue;
		}
		g_autofree char *whole = g_strdup(line);
		const char *body = skip_bullet(line);
		char *colon = strchr(body, ':');
		char *tab = strchr(body, '\t');
		char *split = colon ? colon : tab;
		struct label label = { FALSE, NULL };
		if (split) {
			*split = '\0';
			enum nominee_role said;
			if (role_line(spec, body, split + 1, &said)) {
				/* "Role: Mentor" names the role of the nominee it
				 * opens, or of one a heading has not named. */
				long_end(&lt);
				if (cur && !cur_role_line)
					cur->role = said;
				else
					cur = add_nominee(f, said);
				if (cur)
					cur->role_said = TRUE;
				cur_role_line = TRUE;
				continue;
			}
			label = lookup_label(spec, body);
		}
		if (!known(label)) {
			/* Text with no label of the form: a long text goes on. */
			long_add(&lt, whole);
			continue;
		}
		long_end(&lt);
		const char *rest = split + 1;
		while (*rest == '*' || *rest == '_' || *rest == ' ' || *rest == '\t')
			rest++;
		if (label.organisation) {
			g_autofree char *value = clean_value(rest);
			if (!f->organisation && *value && !is_hint(value))
				f->organisation = g_steal_pointer(&value);
			continue;
		}
		/* A field outside any section belongs to no nominee, unless
		 * the form has none; a section past the cap is dropped
		 * whole, not merged. */
		if (!cur && spec->unsectioned && f->nominees->len == 0 && !f->dropped) {
			cur = add_nominee(f, 0);
			cur->role_said = spec->roles->len == 1;
		}
		if (!cur)
			continue;
		if (label.field->type == FIELD_LONG) {
			lt.n = cur;
			lt.field = label.field;
			/* The blank form's hint beside the label is not the text. */
			g_autofree char *first = clean_value(rest);
			if (!is_hint(first))
				long_add(&lt, rest);
			continue;
		}
		g_autofree char *value = clean_value(rest);
		set_field(cur, label.field, value);
	}
	long_end(&lt);
	drop_untouched(f);
	return f;
}

static gboolean role_value(const struct form_spec *spec, const char *v, enum nominee_role *role)
{
	g_autofree char *clean = clean_value(v);
	int r = form_spec_role(spec, clean, strlen(clean));
	if (r >= 0)
		*role = r;
	return r >= 0;
}

static gboolean role_line(const struct form_spec *spec, const char *label, const char *value, enum nominee_role *role)
{
	g_autofree char *plain = strip_emphasis(label);
	g_autofree char *clean = clean_value(plain);
	g_autofree char *folded = form_spec_fold(clean);
	g_autofree char *v = strip_emphasis(value);
	return role_label(spec, folded) && role_value(spec, v, role);
}

gboolean form_role_value(const char *v, enum nominee_role *role)
{
	return role_value(form_spec_builtin(), v, role);
}

gboolean form_role_value_spec(const struct form_spec *spec, const char *v, enum nominee_role *role)
{
	return role_value(spec, v, role);
}

enum form_column form_column_kind(const char *label)
{
	return form_column_kind_spec(form_spec_builtin(), label);
}

enum form_column form_column_kind_spec(const struct form_spec *spec, const char *label)
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
	g_autofree char *words = form_spec_fold(folded);
	if (form_spec_role_column(spec, words))
		return FORM_COLUMN_ROLE;
	struct label l = lookup_label(spec, folded);
	if (!l.field)
		return l.organisation ? FORM_COLUMN_FIELD : FORM_COLUMN_OTHER;
	return l.field->slot == SLOT_NAME    ? FORM_COLUMN_NAME
	       : l.field->slot == SLOT_EMAIL ? FORM_COLUMN_EMAIL
					     : FORM_COLUMN_FIELD;
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
	form_add_rows_spec(f, rows, form_spec_builtin());
}

void form_add_rows_spec(struct form *f, GPtrArray *rows, const struct form_spec *spec)
{
	for (guint r = 0; rows && r < rows->len; r++) {
		GHashTable *row = rows->pdata[r];
		enum nominee_role role = ROLE_MEMBER;
		gboolean have_role = FALSE;
		const char *role_key = NULL;
		GHashTableIter ri;
		gpointer rk, rv;
		g_hash_table_iter_init(&ri, row);
		while (!have_role && g_hash_table_iter_next(&ri, &rk, &rv)) {
			g_autofree char *folded = form_spec_fold(rk);
			if (rv && role_label(spec, folded) && role_value(spec, rv, &role)) {
				have_role = TRUE;
				role_key = rk;
			}
		}
		/* Without a role a row is not a nomination (a notes row, a
		 * total), unless the programme has one role; a row of it
		 * without a name or an email is left out at the end. */
		if (!have_role && spec->roles->len != 1)
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
			struct label l = lookup_label(spec, key);
			g_autofree char *clean = form_collapse_blanks(
				value ? value : "",
				l.field && l.field->type == FIELD_LONG ? FORM_MAX_LONG : FORM_MAX_VALUE);
			if (l.organisation) {
				if (!f->organisation && *clean)
					f->organisation = g_strdup(clean);
			} else if (l.field) {
				set_field(n, l.field, clean);
			}
		}
	}
	drop_untouched(f);
}
