/* Unit tests: a form spec as text for nomd-reader (form_spec_to_text and
 * form_spec_from_text) round trip, and what the reader refuses; the
 * column kinds a spec gives a table's header. */
#include <string.h>

#include "../../parsers/form.h"
#include "tap.h"

/* Whether two string arrays (either may be NULL) hold the same strings. */
static gboolean same_strings(const GPtrArray *a, const GPtrArray *b)
{
	if (!a || !b)
		return a == b;
	if (a->len != b->len)
		return FALSE;
	for (guint i = 0; i < a->len; i++)
		if (strcmp(a->pdata[i], b->pdata[i]) != 0)
			return FALSE;
	return TRUE;
}

/* The first difference between two specs, or NULL. */
static char *spec_diff(const struct form_spec *a, const struct form_spec *b)
{
	if (a->unsectioned != b->unsectioned)
		return g_strdup("unsectioned");
	if (a->roles->len != b->roles->len || a->fields->len != b->fields->len)
		return g_strdup_printf("%u/%u roles, %u/%u fields", a->roles->len, b->roles->len, a->fields->len,
				       b->fields->len);
	for (guint i = 0; i < a->roles->len; i++) {
		const struct form_role *x = a->roles->pdata[i], *y = b->roles->pdata[i];
		if (strcmp(x->id, y->id) || strcmp(x->label, y->label) || !same_strings(x->words, y->words))
			return g_strdup_printf("role %s", x->id);
	}
	for (guint i = 0; i < a->fields->len; i++) {
		const struct form_field *x = a->fields->pdata[i], *y = b->fields->pdata[i];
		if (strcmp(x->id, y->id) || x->type != y->type || strcmp(x->label, y->label) ||
		    !same_strings(x->labels, y->labels) || !same_strings(x->choices, y->choices) ||
		    x->max_words != y->max_words || x->slot != y->slot || x->required != y->required)
			return g_strdup_printf("field %s", x->id);
	}
	return NULL;
}

/* `s` to text and back: NULL when the copy is the same, else why not. */
static char *round_trip(const struct form_spec *s)
{
	g_autoptr(GError) e = NULL;
	gsize len = 0;
	g_autofree char *text = form_spec_to_text(s, &len, &e);
	if (!text)
		return g_strdup(e->message);
	if (len != strlen(text))
		return g_strdup("the length is not the text's");
	g_autoptr(form_spec) back = form_spec_from_text(text, len, &e);
	if (!back)
		return g_strdup(e->message);
	return spec_diff(s, back);
}

/* A programme as a configuration builds one: roles, own fields (odd
 * characters in labels and choices), then nomd's own fields. */
static struct form_spec *awards_spec(gboolean one_role)
{
	struct form_spec *s = form_spec_new();
	static const char *const person[] = { "person", "Nominée", NULL };
	static const char *const choices[] = { "Innovation; digital", " Team of the Year ", "[Other]", "A=B\\C", NULL };
	static const char *const citation[] = { "Why they deserve it", "Citation (200 words)", NULL };
	gboolean ok = form_spec_add_role(s, "individual", "Individual", person, NULL) &&
		      (one_role || form_spec_add_role(s, "team", "Team", NULL, NULL)) &&
		      form_spec_add_field(s, "category", FIELD_CHOICE, "Category", NULL, choices, 0, NULL) &&
		      form_spec_add_field(s, "citation", FIELD_LONG, "  Citation  ", citation, NULL, 200, NULL) &&
		      form_spec_add_field(s, "size", FIELD_NUMBER, "Team size #", NULL, NULL, 0, NULL) &&
		      form_spec_add_field(s, "aspiration", FIELD_LONG, "Ambition", NULL, NULL, 0, NULL);
	g_assert(ok);
	form_spec_require(s, "category");
	form_spec_add_builtin_fields(s);
	g_assert(form_spec_finish(s, NULL));
	s->unsectioned = one_role;
	return s;
}

static char *refused(const char *text)
{
	g_autoptr(GError) e = NULL;
	g_autoptr(form_spec) s = form_spec_from_text(text, strlen(text), &e);
	if (s)
		return NULL;
	return g_strdup(e ? e->message : "no error set");
}

int main(void)
{
	{
		g_autofree char *why = round_trip(form_spec_builtin());
		ok(!why, "the built-in spec round trips (%s)", why ? why : "same");
		g_autoptr(form_spec) two = awards_spec(FALSE);
		g_autofree char *why2 = round_trip(two);
		ok(!why2,
		   "a programme's own spec round trips: synonyms, choices with ';' and blanks, limits, "
		   "required (%s)",
		   why2 ? why2 : "same");
		g_autoptr(form_spec) one = awards_spec(TRUE);
		g_autofree char *why1 = round_trip(one);
		ok(!why1, "a spec of one role round trips (%s)", why1 ? why1 : "same");
		g_autoptr(form_spec) plain = form_spec_new();
		form_spec_add_builtin_roles(plain);
		form_spec_add_builtin_fields(plain);
		g_assert(form_spec_finish(plain, NULL));
		g_autofree char *a = form_spec_to_text(plain, NULL, NULL);
		g_autofree char *b = form_spec_to_text(form_spec_builtin(), NULL, NULL);
		is_str(a, b, "the same spec, the same text");
	}
	{
		g_autofree char *ver = refused("[spec]\nversion=2\n[role member]\nlabel=Member\n");
		ok(ver && strstr(ver, "version"), "another version is refused (%s)", ver);
		g_autofree char *none = refused("[spec]\nversion=1\n");
		ok(none && strstr(none, "role"), "a spec without a role is refused (%s)", none);
		g_autofree char *junk = refused("not a key file\x01");
		ok(junk != NULL, "text that is no key file is refused (%s)", junk);
		g_autofree char *part = refused("[spec]\nversion=1\n[role member]\nlabel=Member\n[rules x]\na=b\n");
		ok(part && strstr(part, "unknown"), "an unknown part is refused (%s)", part);
		g_autofree char *type = refused("[spec]\nversion=1\n[role member]\nlabel=Member\n"
						"[field x]\nlabel=X\ntype=date\n");
		ok(type && strstr(type, "type"), "a field of no known type is refused (%s)", type);
		g_autofree char *words = refused("[spec]\nversion=1\n[role member]\nlabel=Member\n"
						 "[field x]\nlabel=X\ntype=long\nmax_words=99999999\n");
		ok(words != NULL, "a word limit past the cap is refused (%s)", words);
		g_autofree char *three = refused("[spec]\nversion=1\n[role a]\nlabel=A\n[role b]\nlabel=B\n"
						 "[role c]\nlabel=C\n");
		ok(three && strstr(three, "one or two roles"), "three roles are refused (%s)", three);
		g_autofree char *twice =
			refused("[spec]\nversion=1\n[role a]\nlabel=A\n[field x]\nlabel=A\ntype=text\n");
		ok(twice && strstr(twice, "taken"), "a label two parts claim is refused (%s)", twice);
		g_autofree char *bad = refused("[spec]\nversion=1\n[role member]\nlabel=Memb\xff\n");
		ok(bad != NULL, "bytes that are not UTF-8 are refused (%s)", bad);
		g_autoptr(GError) e = NULL;
		g_autoptr(form_spec) nul = form_spec_from_text("[spec]\0version=1\n", 17, &e);
		ok(!nul && e, "a NUL is refused");
		GString *big = g_string_new("[spec]\nversion=1\n[role member]\nlabel=Member\n#");
		while (big->len <= FORM_SPEC_MAX_TEXT)
			g_string_append(big, "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx");
		g_autofree char *large = refused(big->str);
		g_string_free(big, TRUE);
		ok(large && strstr(large, "at most"), "a spec past FORM_SPEC_MAX_TEXT is refused (%s)", large);
	}
	{
		g_autoptr(form_spec) two = awards_spec(FALSE);
		ok(form_column_kind_spec(two, "Individual or team") == FORM_COLUMN_ROLE &&
			   form_column_kind_spec(two, "team / person:") == FORM_COLUMN_ROLE,
		   "a column naming both of a programme's roles says the role");
		ok(form_column_kind_spec(two, "Individual or individual") == FORM_COLUMN_OTHER &&
			   form_column_kind_spec(two, "Team or mentor") == FORM_COLUMN_OTHER,
		   "not one role twice, nor a role of another programme");
		ok(form_column_kind_spec(two, "Why they deserve it") == FORM_COLUMN_FIELD &&
			   form_column_kind_spec(two, "CATEGORY:") == FORM_COLUMN_FIELD,
		   "the programme's own labels are fields");
		ok(form_column_kind("Category") == FORM_COLUMN_FIELD &&
			   form_column_kind("Citation") == FORM_COLUMN_OTHER,
		   "the built-in spec knows none of them (category is its service type)");
		ok(form_column_kind("Mentee or mentor") == FORM_COLUMN_ROLE,
		   "the built-in roles joined: a role column");
		enum nominee_role r = ROLE_MEMBER;
		ok(form_role_value_spec(two, " Team ", &r) && r == 1 && form_role_value_spec(two, "nominée", &r) &&
			   r == 0 && !form_role_value_spec(two, "mentor", &r),
		   "a cell names one of the programme's roles, and no other");
		g_autoptr(form_spec) one = awards_spec(TRUE);
		ok(form_column_kind_spec(one, "Individual or team") == FORM_COLUMN_OTHER,
		   "one role: no column names two");
	}
	return tap_done();
}
