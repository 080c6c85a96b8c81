/* fuzz_form: libFuzzer target for the form and spreadsheet readers,
 * parsers/form.h and parsers/csv.h.
 *
 * One input is body text, optionally followed by a spreadsheet:
 *
 *   TEXT                      the text; the whole input is also read as CSV
 *   TEXT "\n%%csv\n" CSV      the text, and the bytes after the separator as CSV
 *
 * The text is made valid UTF-8 first (g_utf8_make_valid, NUL bytes
 * included), as mime_parse() hands it over, then read with
 * form_parse(text, FALSE) and form_parse(text, TRUE) (a forward). The CSV
 * bytes go to csv_read_rows() as they are (it owns their encoding) and its
 * rows to form_add_rows(), on top of the forwarded form and on an empty one.
 * The text is also read with a programme's own spec (form_parse_spec: two
 * roles, a choice, a long text of at most 30 words, a number).
 *
 * Checked, as form.h and csv.h promise:
 *   - a form is never NULL, nor its nominee list; at most FORM_MAX_NOMINEES
 *     nominees; every value (and the organisation) valid UTF-8, at most
 *     FORM_MAX_VALUE bytes, without line breaks, trimmed; years -1..80; the
 *     role a known one; from_csv set exactly on the spreadsheet's nominees;
 *     form_add_rows() keeps the form's own nominees and organisation;
 *   - with a spec: roles within it; a value of a field the spec has, valid
 *     UTF-8, within FORM_MAX_LONG (a long text) or FORM_MAX_VALUE; a
 *     choice one of the spec's unless a problem was found; a problem names
 *     a field of the spec, and a long text too long says how long;
 *   - csv_read_rows(): on success at most CSV_MAX_ROWS rows, each holding
 *     the same labels, at most CSV_MAX_COLUMNS; labels non-empty,
 *     case-folded, trimmed, single-spaced, at most CSV_MAX_CELL bytes;
 *     values valid UTF-8, trimmed (Unicode blanks too), without CR, at most
 *     CSV_MAX_CELL bytes; on failure a CSV_READ_ERROR and *rows untouched.
 *
 * Replay an input: build/fuzz/fuzz_form FILE */
#define FUZZ_TARGET "fuzz_form"
#include "fuzz_common.h"

#include "../../parsers/csv.h"
#include "../../parsers/form.h"

#define CSV_SEPARATOR "\n%%csv\n"

static void check_value(const char *what, const char *v)
{
	if (!v)
		return;
	fuzz_check_utf8(what, v);
	CHECK_NAMED("form-value-cap", strlen(v) <= FORM_MAX_VALUE, "%s is %zu bytes, over FORM_MAX_VALUE", what,
		    strlen(v));
	CHECK(!strpbrk(v, "\r\n"), "%s holds a line break", what);
	if (*v)
		CHECK_NAMED("form-value-trim", !g_ascii_isspace(v[0]) && !g_ascii_isspace(v[strlen(v) - 1]),
			    "%s is not trimmed: \"%s\"", what, v);
}

static void check_form(const struct form *f, gboolean csv_allowed)
{
	CHECK(f != NULL && f->nominees != NULL, "no form or no nominee list");
	check_value("organisation", f->organisation);
	CHECK(f->nominees->len <= FORM_MAX_NOMINEES, "%u nominees, over FORM_MAX_NOMINEES", f->nominees->len);
	for (guint i = 0; i < f->nominees->len; i++) {
		const struct nominee *n = f->nominees->pdata[i];
		CHECK(n != NULL, "nominee %u is NULL", i);
		CHECK(n->role == ROLE_MEMBER || n->role == ROLE_MENTOR, "nominee %u has role %d", i, (int)n->role);
		CHECK(strcmp(form_role_name(n->role), n->role == ROLE_MENTOR ? "mentor" : "member") == 0,
		      "form_role_name(%d) is %s", (int)n->role, form_role_name(n->role));
		check_value("name", n->name);
		check_value("email", n->email);
		check_value("job_title", n->job_title);
		check_value("service", n->service);
		check_value("service_type", n->service_type);
		check_value("aspiration", n->aspiration);
		check_value("expertise", n->expertise);
		check_value("location", n->location);
		check_value("format", n->format);
		CHECK(n->years >= -1 && n->years <= 80, "nominee %u has years %d", i, n->years);
		CHECK(csv_allowed || !n->from_csv, "nominee %u of a body text marked from_csv", i);
	}
}

static gboolean blank_at(const char *s)
{
	return g_unichar_isspace(g_utf8_get_char(s));
}

static void check_cell(const char *what, const char *v, gboolean label)
{
	CHECK(v != NULL, "a %s is NULL", what);
	fuzz_check_utf8(what, v);
	if (label)
		CHECK_NAMED("csv-label-cap", strlen(v) <= CSV_MAX_CELL,
			    "a label of %zu bytes, over CSV_MAX_CELL: \"%.60s...\"", strlen(v), v);
	else
		CHECK_NAMED("csv-value-cap", strlen(v) <= CSV_MAX_CELL,
			    "a value of %zu bytes, over CSV_MAX_CELL: \"%.60s...\"", strlen(v), v);
	if (*v) {
		const char *last = g_utf8_find_prev_char(v, v + strlen(v));
		CHECK_NAMED("csv-trim", !blank_at(v) && !(last && blank_at(last)), "%s not trimmed: \"%s\"", what, v);
	}
}

static void check_rows(const GPtrArray *rows)
{
	CHECK(rows != NULL, "csv_read_rows succeeded with no rows array");
	CHECK(rows->len <= CSV_MAX_ROWS, "%u rows, over CSV_MAX_ROWS", rows->len);
	GHashTable *first = rows->len ? rows->pdata[0] : NULL;
	for (guint r = 0; r < rows->len; r++) {
		GHashTable *row = rows->pdata[r];
		CHECK(row != NULL, "row %u is NULL", r);
		CHECK(g_hash_table_size(row) <= CSV_MAX_COLUMNS, "row %u has %u columns", r, g_hash_table_size(row));
		CHECK(g_hash_table_size(row) == g_hash_table_size(first), "row %u has %u labels, row 0 has %u", r,
		      g_hash_table_size(row), g_hash_table_size(first));
		GHashTableIter it;
		gpointer k, v;
		g_hash_table_iter_init(&it, row);
		while (g_hash_table_iter_next(&it, &k, &v)) {
			const char *label = k, *value = v;
			CHECK(g_hash_table_contains(first, label), "label \"%s\" of row %u is not in row 0", label, r);
			check_cell("value", value, FALSE);
			CHECK(!strchr(value, '\r'), "a value holds CR");
			if (r > 0)
				continue; /* the same labels every row */
			check_cell("label", label, TRUE);
			CHECK(*label, "an empty label");
			CHECK(!strstr(label, "  "), "label \"%s\" has a run of blanks", label);
			for (const char *p = label; *p; p = g_utf8_next_char(p))
				CHECK(!g_unichar_isspace(g_utf8_get_char(p)) || *p == ' ',
				      "label \"%s\" holds a blank other than a space", label);
			g_autofree char *folded = g_utf8_casefold(label, -1);
			CHECK_NAMED("csv-label-fold", strcmp(folded, label) == 0, "label \"%s\" is not case-folded",
				    label);
		}
	}
}

static gsize count_lines(const char *s)
{
	gsize n = 1;
	for (; *s; s++)
		n += *s == '\n' || *s == '\r';
	return n;
}

/* The spreadsheet's nominees on top of `f`: the form's own stay. */
static void add_rows_checked(struct form *f, GPtrArray *rows, gsize text_lines)
{
	guint before = f->nominees->len, dropped = f->dropped;
	g_autofree struct nominee **own = g_memdup2(f->nominees->pdata, before * sizeof(void *));
	const char *org = f->organisation;
	form_add_rows(f, rows);
	check_form(f, TRUE);
	CHECK(f->nominees->len >= before, "form_add_rows lost nominees: %u before, %u after", before, f->nominees->len);
	for (guint i = 0; i < before; i++)
		CHECK(f->nominees->pdata[i] == own[i], "form_add_rows replaced the form's nominee %u", i);
	for (guint i = before; i < f->nominees->len; i++)
		CHECK(((struct nominee *)f->nominees->pdata[i])->from_csv, "a spreadsheet nominee not marked from_csv");
	if (org)
		CHECK(f->organisation == org, "form_add_rows replaced the organisation \"%s\"", org);
	CHECK(f->dropped >= dropped && f->dropped <= dropped + (rows ? rows->len : 0),
	      "dropped went from %u to %u with %u rows", dropped, f->dropped, rows ? rows->len : 0);
	CHECK(before <= text_lines, "more nominees than lines");
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fuzz_common_init();
	g_autoptr(form) none = form_parse(NULL, FALSE);
	check_form(none, FALSE);
	CHECK(none->nominees->len == 0 && !none->organisation, "form_parse(NULL) found something");
	form_add_rows(none, NULL);
	check_form(none, FALSE);

	/* FORM_MAX_TEXT cuts the text inside a two-byte character. */
	GString *big = g_string_new("Member 1\nName: Alex Morgan\nEmail: ");
	while (big->len < FORM_MAX_TEXT - 1)
		g_string_append_c(big, 'a');
	g_string_append(big, "\xc3\xa9@x.example\n");
	g_autoptr(form) cut = form_parse(big->str, FALSE);
	check_form(cut, FALSE);
	g_string_free(big, TRUE);

	g_autoptr(GPtrArray) rows = NULL;
	g_autoptr(GError) error = NULL;
	CHECK(csv_read_rows(NULL, 0, &rows, &error) && rows && rows->len == 0, "csv_read_rows(NULL) failed");
	return 0;
}

static const struct form_spec *awards_spec(void)
{
	static struct form_spec *spec;
	if (!spec) {
		static const char *const choices[] = { "Innovation", "Team of the Year", NULL };
		static const char *const person[] = { "person", NULL };
		spec = form_spec_new();
		gboolean ok = form_spec_add_role(spec, "individual", "Individual", person, NULL) &&
			      form_spec_add_role(spec, "team", "Team", NULL, NULL) &&
			      form_spec_add_field(spec, "category", FIELD_CHOICE, "Category", NULL, choices, 0, NULL) &&
			      form_spec_add_field(spec, "citation", FIELD_LONG, "Citation", NULL, NULL, 30, NULL) &&
			      form_spec_add_field(spec, "size", FIELD_NUMBER, "Team size", NULL, NULL, 0, NULL) &&
			      form_spec_finish(spec, NULL);
		CHECK(ok, "the fuzz target's own spec was refused");
	}
	return spec;
}

static void check_spec_form(const struct form *f, const struct form_spec *spec)
{
	CHECK(f != NULL && f->nominees->len <= FORM_MAX_NOMINEES, "a spec's form: none, or too many nominees");
	for (guint i = 0; i < f->nominees->len; i++) {
		const struct nominee *n = f->nominees->pdata[i];
		CHECK((guint)n->role < spec->roles->len, "nominee %u has role %d of %u", i, (int)n->role,
		      spec->roles->len);
		for (guint k = 0; n->values && k < n->values->len; k++) {
			const struct form_value *v = n->values->pdata[k];
			const struct form_field *field = form_spec_field_by_id(spec, v->id);
			CHECK(field != NULL, "a value of field %s, which the spec has not", v->id);
			fuzz_check_utf8(v->id, v->value);
			gsize cap = field->type == FIELD_LONG ? FORM_MAX_LONG : FORM_MAX_VALUE;
			CHECK(strlen(v->value) <= cap, "%s is %zu bytes, over %zu", v->id, strlen(v->value), cap);
			if (field->type == FIELD_CHOICE)
				CHECK(form_spec_choice(field, v->value) || n->problem != FORM_OK,
				      "%s is \"%s\", not a choice, and no problem said", v->id, v->value);
		}
		if (n->problem != FORM_OK)
			CHECK(n->problem_field && form_spec_field_by_id(spec, n->problem_field) &&
				      (n->problem != FORM_TOO_LONG || n->words > 30),
			      "nominee %u: problem %d on %s with %u words", i, (int)n->problem,
			      n->problem_field ? n->problem_field : "(none)", n->words);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *bytes = (const char *)data;
	const char *sep = size ? memmem(bytes, size, CSV_SEPARATOR, strlen(CSV_SEPARATOR)) : NULL;
	gsize text_len = sep ? (gsize)(sep - bytes) : size;
	const char *csv = sep ? sep + strlen(CSV_SEPARATOR) : bytes;
	gsize csv_len = sep ? size - text_len - strlen(CSV_SEPARATOR) : size;

	/* Body text reaches the form as valid UTF-8 (mime_parse makes it so). */
	g_autofree char *text = g_utf8_make_valid(text_len ? bytes : "", text_len);
	gsize lines = count_lines(text);

	g_autoptr(form) plain = form_parse(text, FALSE);
	check_form(plain, FALSE);
	CHECK(plain->nominees->len <= lines, "more nominees than lines");
	g_autoptr(form) fwd = form_parse(text, TRUE);
	check_form(fwd, FALSE);
	g_autoptr(form) own = form_parse_spec(text, FALSE, awards_spec());
	check_spec_form(own, awards_spec());

	/* A copy of exactly csv_len bytes: ASan sees a read past its end. */
	g_autofree char *sheet = g_memdup2(csv, csv_len);
	GPtrArray *const untouched = (GPtrArray *)&untouched;
	GPtrArray *rows = untouched;
	g_autoptr(GError) error = NULL;
	if (csv_read_rows(sheet, csv_len, &rows, &error)) {
		CHECK(error == NULL, "csv_read_rows succeeded and set an error");
		CHECK(rows != untouched, "csv_read_rows succeeded without setting rows");
		check_rows(rows);
		if (csv_len == 0)
			CHECK(rows->len == 0, "an empty spreadsheet gave %u rows", rows->len);
		add_rows_checked(fwd, rows, lines);
		g_autoptr(form) only = form_new();
		add_rows_checked(only, rows, 0);
		CHECK(only->nominees->len <= rows->len, "%u nominees from %u rows", only->nominees->len, rows->len);
		g_ptr_array_unref(rows);
	} else {
		CHECK(error != NULL, "csv_read_rows failed without an error");
		CHECK(error->domain == CSV_READ_ERROR, "csv_read_rows failed with a %s error: %s",
		      g_quark_to_string(error->domain), error->message);
		CHECK(rows == untouched, "csv_read_rows failed and changed *rows");
		fuzz_check_utf8("CSV error message", error->message);
	}
	return 0;
}
