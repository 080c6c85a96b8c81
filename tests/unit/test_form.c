/* Unit tests: the v1 plain-text nomination form. */
#include <string.h>

#include "../../parsers/form.h"
#include "tap.h"

static const struct nominee *nth(const struct form *f, guint i)
{
	return i < f->nominees->len ? f->nominees->pdata[i] : NULL;
}

/* An awards programme's form: a person or a team, in a category, with a
 * citation of at most `limit` words. */
static struct form_spec *awards_spec(guint limit)
{
	struct form_spec *s = form_spec_new();
	static const char *const person[] = { "person", "nominee", NULL };
	static const char *const categories[] = { "Innovation", "Digital", "Team of the Year", NULL };
	static const char *const citation[] = { "why they deserve it", NULL };
	gboolean ok = form_spec_add_role(s, "individual", "Individual", person, NULL) &&
		      form_spec_add_role(s, "team", "Team", NULL, NULL) &&
		      form_spec_add_field(s, "category", FIELD_CHOICE, "Category", NULL, categories, 0, NULL) &&
		      form_spec_add_field(s, "citation", FIELD_LONG, "Citation", citation, NULL, limit, NULL) &&
		      form_spec_add_field(s, "size", FIELD_NUMBER, "Team size", NULL, NULL, 0, NULL) &&
		      form_spec_finish(s, NULL);
	g_assert(ok);
	return s;
}

/* Why a spec is refused, or NULL when it is not. */
static char *spec_error(const char *id, enum form_field_type type, const char *label, const char *const *choices,
			guint words)
{
	g_autoptr(form_spec) s = form_spec_new();
	static const char *const mentee[] = { "mentee", NULL };
	g_assert(form_spec_add_role(s, "member", "Member", mentee, NULL));
	g_autoptr(GError) e = NULL;
	if (form_spec_add_field(s, "job_title", FIELD_TEXT, "Job title", NULL, NULL, 0, NULL) &&
	    form_spec_add_field(s, id, type, label, NULL, choices, words, &e))
		return NULL;
	return g_strdup(e ? e->message : "?");
}

int main(void)
{
	{
		g_autoptr(form) f = form_parse("Organisation: Fife Council\n"
					       "\n"
					       "Member\n"
					       "Name: Alex Morgan\n"
					       "Email: alex.morgan@fife.example\n"
					       "Job title: Graduate Policy Officer\n"
					       "Service: Policy and Performance\n"
					       "Service type: Corporate\n"
					       "Years in local government: 2\n"
					       "Aspiration: Head of Service\n"
					       "\n"
					       "Mentor 2\n"
					       "  NAME :   Jo   Smith  \r\n"
					       "email: jo.smith@fife.example\n"
					       "Expertise: Budgets, scrutiny\n",
					       FALSE);
		is_str(f->organisation, "Fife Council", "organisation read");
		is_int(f->nominees->len, 2, "two sections");
		const struct nominee *m = nth(f, 0), *t = nth(f, 1);
		ok(m && m->role == ROLE_MEMBER, "first is a member");
		is_str(m->name, "Alex Morgan", "member name");
		is_str(m->email, "alex.morgan@fife.example", "member email");
		is_str(m->job_title, "Graduate Policy Officer", "job title");
		is_str(m->service, "Policy and Performance", "service");
		is_str(m->service_type, "corporate", "service type folded to lower case");
		is_int(m->years, 2, "years");
		is_str(m->aspiration, "Head of Service", "aspiration");
		ok(t && t->role == ROLE_MENTOR, "numbered mentor heading");
		is_str(t->name, "Jo Smith", "labels case-insensitive, blanks collapsed");
		is_str(t->expertise, "Budgets, scrutiny", "expertise");
		is_int(t->years, -1, "years absent");
	}
	{
		g_autoptr(form) f = form_parse("Hello,\nplease find our nominations.\nMember\nName: A\n", FALSE);
		ok(f->organisation == NULL, "organisation absent");
		is_int(f->nominees->len, 1, "covering text ignored");
		ok(nth(f, 0)->email == NULL, "missing email stays NULL");
	}
	{
		g_autoptr(form) f = form_parse("Members of our team are keen.\nMentoring matters.\n", FALSE);
		is_int(f->nominees->len, 0, "words starting with member/mentor are not headings");
	}
	{
		g_autoptr(form) f = form_parse(NULL, FALSE);
		is_int(f->nominees->len, 0, "no text, no nominees");
	}
	{
		GString *big = g_string_new(NULL);
		for (int i = 0; i < FORM_MAX_NOMINEES + 10; i++)
			g_string_append_printf(big, "Member\nName: N%d\nEmail: n%d@x.example\n", i, i);
		g_autoptr(form) f = form_parse(big->str, FALSE);
		is_int(f->nominees->len, FORM_MAX_NOMINEES, "sections capped");
		g_string_free(big, TRUE);
	}
	{
		GString *big = g_string_new("Member\nName: ");
		for (int i = 0; i < 10000; i++)
			g_string_append(big, "é");
		g_autoptr(form) f = form_parse(big->str, FALSE);
		const char *name = nth(f, 0)->name;
		ok(strlen(name) <= FORM_MAX_VALUE, "value capped at %d bytes", FORM_MAX_VALUE);
		ok(g_utf8_validate(name, -1, NULL), "capped value is still valid UTF-8");
		g_string_free(big, TRUE);
	}
	{
		g_autoptr(form) f = form_parse("Member\nName: A\nYears in local government: lots\n", FALSE);
		is_int(nth(f, 0)->years, -1, "non-numeric years ignored");
	}
	{
		g_autoptr(form) f = form_parse("[Mentee 1]\n"
					       "\xe2\x80\xa2 **Full name:** Siobh\xc3\xa1n\xc2\xa0N\xc3\xad Bhriain\n"
					       "* E-mail address: Siobhan <siobhan@fife.example>\n"
					       "Position: Trainee Accountant\n"
					       "Department: Finance\n"
					       "Category: Operational\n"
					       "Experience (years): 3 years\n"
					       "Career aspiration: Director\n"
					       "Region: Central Belt\n"
					       "Preferred format: In-person\n"
					       "-- Mentor #2 --\n"
					       "Name\tJo Smith\n"
					       "Email: mailto:jo@fife.example\n"
					       "Areas of expertise: Scrutiny\n"
					       "Format: Teams / online\n"
					       "MENTOR:\n"
					       "Name: Kim\n"
					       "Email: kim@fife.example <mailto:kim@fife.example>\n"
					       "Format: no preference\n",
					       FALSE);
		is_int(f->nominees->len, 3, "bracketed, dashed and colon headings");
		const struct nominee *a = nth(f, 0), *b = nth(f, 1), *c = nth(f, 2);
		ok(a && a->role == ROLE_MEMBER, "Mentee is a member");
		is_str(a->name, "Siobh\xc3\xa1n N\xc3\xad Bhriain", "bullet, bold and no-break space handled");
		is_str(a->email, "siobhan@fife.example", "address taken out of a display form");
		is_str(a->job_title, "Trainee Accountant", "Position synonym");
		is_str(a->service, "Finance", "Department synonym");
		is_str(a->service_type, "operational", "Category synonym");
		is_int(a->years, 3, "Experience (years) with a unit");
		is_str(a->aspiration, "Director", "Career aspiration synonym");
		is_str(a->location, "Central Belt", "Region synonym");
		is_str(a->format, "in person", "format normalised");
		is_str(b->name, "Jo Smith", "tab-separated label");
		is_str(b->email, "jo@fife.example", "mailto: stripped");
		is_str(b->expertise, "Scrutiny", "Areas of expertise synonym");
		is_str(b->format, "online", "online recognised");
		is_str(c->email, "kim@fife.example", "Outlook's address <mailto:...> form");
		is_str(c->format, "either", "no preference is either");
	}
	{
		g_autoptr(form) f =
			form_parse("Member\nName: Top\nEmail: top@x.example\n\n"
				   "On Tue, 24 Nov 2026 at 10:00, Programme Team <team@example.org>\nwrote:\n"
				   "> Member\n> Name: quoted\n"
				   "Member\nName: Under the quote\n",
				   FALSE);
		is_int(f->nominees->len, 1, "quoted history after 'On ... wrote:' ignored");
		g_autoptr(form) g = form_parse("Mentor\nName: Top\nEmail: top@x.example\n"
					       "________________________________\n"
					       "From: Programme Team <team@example.org>\n"
					       "Sent: 24 November 2026 10:00\n"
					       "To: Chief Executive\n"
					       "Subject: Nominations\n\n"
					       "Member\nName:\nEmail:\n",
					       FALSE);
		is_int(g->nominees->len, 1, "Outlook's From/Sent block ends the form (blank form below ignored)");
		g_autoptr(form) h =
			form_parse("Please see below.\n-- \nJane Office\nMember\nName: in signature\n"
				   "---------- Forwarded message ---------\n"
				   "From: Depute <depute@fife.example>\n"
				   "Date: Mon, 23 Nov 2026\n"
				   "Subject: draft nominations\n"
				   "To: Jane\n\n"
				   "Organisation: Fife Council\nMember\nName: Forwarded\nEmail: fw@fife.example\n",
				   FALSE);
		is_int(h->nominees->len, 1, "signature skipped, forwarded form read");
		is_str(nth(h, 0) ? nth(h, 0)->name : NULL, "Forwarded", "the forwarded nominee");
		is_str(h->organisation, "Fife Council", "organisation from the forwarded form");
		g_autoptr(form) k =
			form_parse("FYI\n\nFrom: Depute <depute@fife.example>\nSent: Monday\nTo: Jane\n"
				   "Subject: nominations\n\nMentor\nName: Outlook forward\nEmail: of@fife.example\n",
				   TRUE);
		is_int(k->nominees->len, 1, "an Outlook forward (flagged by the caller) is read past its header block");
	}
	{
		g_autoptr(form) f = form_new();
		g_autoptr(GPtrArray) rows = g_ptr_array_new_with_free_func((GDestroyNotify)g_hash_table_unref);
		const char *data[][6] = {
			{ "role", "Mentor", "full name", "Ann Lee", "email", "ann@x.example" },
			{ "role", "notes", "full name", "Not a nominee", "email", "n@x.example" },
			{ "type", "mentee", "name", "Bo", "e-mail", "bo@x.example" },
		};
		for (size_t r = 0; r < G_N_ELEMENTS(data); r++) {
			GHashTable *row = g_hash_table_new(g_str_hash, g_str_equal);
			for (int c = 0; c < 6; c += 2)
				g_hash_table_insert(row, (gpointer)data[r][c], (gpointer)data[r][c + 1]);
			g_ptr_array_add(rows, row);
		}
		form_add_rows(f, rows);
		is_int(f->nominees->len, 2, "CSV rows with a role become nominees; others are skipped");
		ok(nth(f, 0)->role == ROLE_MENTOR && nth(f, 0)->from_csv, "role column read");
		is_str(nth(f, 1)->email, "bo@x.example", "labels in CSV use the same synonyms");
	}
	{
		g_autoptr(form) f =
			form_parse("Organisation: (your organisation's name)\n"
				   "Member 1\nName: Filled\nEmail: filled@x.example<mailto:filled@x.example>\n"
				   "Format: (online, in person or either)\n"
				   "Mentor 1\nName:\nEmail:\nService type: (corporate, strategic or operational)\n",
				   FALSE);
		is_int(f->nominees->len, 1, "an untouched section of the blank form is not a nominee");
		ok(f->organisation == NULL, "the blank form's hint is not an organisation");
		is_str(nth(f, 0)->email, "filled@x.example", "Outlook's addr<mailto:addr> without a space");
		ok(nth(f, 0)->format == NULL, "a hint left in place is no answer");
	}
	{
		/* The labels of Word and Excel forms councils send. */
		g_autoptr(form) f = form_parse("Council / organisation: Highland Council\n"
					       "Member 1\nName: Alex\nEmail address: alex@x.example\n",
					       FALSE);
		is_str(f->organisation, "Highland Council", "\"Council / organisation\" is the organisation");
		g_autoptr(form) g = form_parse("Name of organisation: Fife Council\nMember\nName: Bo\n", FALSE);
		is_str(g->organisation, "Fife Council", "\"Name of organisation\" is the organisation");
		is_int(g->nominees->len, 1, "and not a nominee's name");
		ok(form_column_kind("Council/Organisation:") == FORM_COLUMN_FIELD,
		   "a table column of that label is a field");
		ok(form_column_kind("Member or mentor") == FORM_COLUMN_ROLE, "a role column");
		ok(form_column_kind("Full name") == FORM_COLUMN_NAME, "a name column");
		ok(form_column_kind("E-mail address") == FORM_COLUMN_EMAIL, "an email column");
		ok(form_column_kind("Notes") == FORM_COLUMN_OTHER, "a column the form does not know");
	}
	{
		/* A programme's own roles and fields. */
		g_autoptr(form_spec) spec = awards_spec(20);
		g_autoptr(form) f = form_parse_spec(
			"Organisation: Fife Council\n\n"
			"Team\nName: Roads Digital Team\nEmail: roads@fife.example\nCategory:  digital \n"
			"Citation: The team rebuilt the pothole reporting service.\nIt now answers in a day.\n\n"
			"Residents noticed: complaints fell by half.\nTeam size: 12\n\n"
			"Person\nName: Ann Lee\nEmail: ann@fife.example\nCategory: Gardening\n"
			"Why they deserve it: one two three four five six seven eight nine ten eleven twelve\n"
			"thirteen fourteen fifteen sixteen seventeen eighteen nineteen twenty twenty-one\n\n"
			"Individual\nName: Bo Wu\nEmail: bo@fife.example\nCitation: short and sweet\n"
			"Kind regards\nJo Smith\nChief Executive\n",
			FALSE, spec);
		is_int(f->nominees->len, 3, "three nominations under the programme's own role words");
		const struct nominee *team = nth(f, 0), *ann = nth(f, 1), *bo = nth(f, 2);
		ok(team && team->role == 1 && ann && ann->role == 0 && bo && bo->role == 0,
		   "Team is the second role; Person and Individual the first");
		is_str(team ? nominee_value(team, "category") : NULL, "Digital", "a choice as the programme writes it");
		is_str(team ? nominee_value(team, "citation") : NULL,
		       "The team rebuilt the pothole reporting service. It now answers in a day.\n\n"
		       "Residents noticed: complaints fell by half.",
		       "a long text runs over lines and paragraphs to the next label, a colon in it or not");
		is_str(team ? nominee_value(team, "size") : NULL, "12", "a number field");
		ok(team && team->problem == FORM_OK, "nothing wrong with the team's");
		ok(ann && ann->problem == FORM_NOT_A_CHOICE && g_strcmp0(ann->problem_field, "category") == 0,
		   "a category not offered: the first problem, named");
		is_str(bo ? nominee_value(bo, "citation") : NULL, "short and sweet",
		       "the sign-off ends a long text: the signature is not in it");
		g_autoptr(form_spec) tight = awards_spec(20);
		g_autoptr(form) g = form_parse_spec("Team\nName: T\nEmail: t@x.example\nCategory: Innovation\n"
						    "Citation: one two three four five six seven eight nine ten\n"
						    "eleven twelve thirteen fourteen fifteen sixteen seventeen\n"
						    "eighteen nineteen twenty twenty-one twenty-two\n",
						    FALSE, tight);
		const struct nominee *t = nth(g, 0);
		ok(t && t->problem == FORM_TOO_LONG && t->words == 22 && g_strcmp0(t->problem_field, "citation") == 0,
		   "22 words where 20 are allowed: too long, and how long (%u)", t ? t->words : 0);
		ok(t && strlen(nominee_value(t, "citation")) > 100, "and kept whole for staff to see");
		g_autoptr(form) h = form_parse_spec("Member\nName: X\nEmail: x@x.example\n", FALSE, tight);
		is_int(h->nominees->len, 0, "another programme's role words start no section");
		g_autoptr(form) crlf =
			form_parse_spec("Team\r\nName: T\r\nEmail: t@x.example\r\nCitation: one\r\ntwo\r\n\r\n"
					"three\rfour\r\n",
					FALSE, tight);
		is_str(crlf->nominees->len ? nominee_value(nth(crlf, 0), "citation") : NULL, "one two\n\nthree four",
		       "CRLF and CR end lines as LF does: no paragraph between every line");
		g_autoptr(form) y = form_parse("Member\nName: Y\nEmail: y@x.example\nYears: 0\n\nMentor\nName: Z\n"
					       "Email: z@x.example\nYears: many\n",
					       FALSE);
		const struct form_field *years = form_spec_field_by_id(form_spec_builtin(), "years");
		ok(y->nominees->len == 2 && nominee_has(nth(y, 0), years) && !nominee_has(nth(y, 1), years),
		   "years given: 0 is a number of them, 'many' none");
		g_autoptr(form) m = form_parse("Member\nName: X\nEmail: x@x.example\nCitation: not here\n", FALSE);
		ok(m->nominees->len == 1 && !nth(m, 0)->values, "the built-in form keeps no field it does not have");
	}
	{
		/* Spreadsheet rows read the programme's labels and role words. */
		g_autoptr(form_spec) spec = awards_spec(0);
		g_autoptr(form) f = form_new();
		g_autoptr(GPtrArray) rows = g_ptr_array_new_with_free_func((GDestroyNotify)g_hash_table_unref);
		GHashTable *row = g_hash_table_new(g_str_hash, g_str_equal);
		g_hash_table_insert(row, "type", "Team");
		g_hash_table_insert(row, "name", "Bins Team");
		g_hash_table_insert(row, "email", "bins@x.example");
		g_hash_table_insert(row, "category", "team of the  year");
		g_ptr_array_add(rows, row);
		form_add_rows_spec(f, rows, spec);
		ok(f->nominees->len == 1 && nth(f, 0)->role == 1 &&
			   g_strcmp0(nominee_value(nth(f, 0), "category"), "Team of the Year") == 0,
		   "a row: the role by the programme's word, the choice as written");
	}
	{
		/* A form about its sender or with one role: fields before any
		 * heading are the nominee's. */
		g_autoptr(form_spec) one = form_spec_new();
		ok(form_spec_add_role(one, "nominee", "Nominee", NULL, NULL) && form_spec_finish(one, NULL),
		   "one role");
		one->unsectioned = TRUE;
		g_autoptr(form) f =
			form_parse_spec("Hello,\n\nName: Eilidh Ross\nEmail: eilidh@x.example\n\nThanks\n", FALSE, one);
		ok(f->nominees->len == 1 && nth(f, 0)->role == 0 && nth(f, 0)->role_said &&
			   g_strcmp0(nth(f, 0)->name, "Eilidh Ross") == 0,
		   "no heading: one nominee of the one role");
		g_autoptr(form) b =
			form_parse_spec("Name: Eilidh Ross\nEmail: eilidh@x.example\n", FALSE, form_spec_builtin());
		ok(b->nominees->len == 0, "the built-in form: fields outside a section are nobody's");
		g_autoptr(form_spec) two = form_spec_new();
		static const char *const mentee[] = { "Màthair", NULL };
		ok(form_spec_add_role(two, "mentee", "Mentee", mentee, NULL) &&
			   form_spec_add_role(two, "mentor", "Mentor", NULL, NULL) && form_spec_finish(two, NULL),
		   "two roles");
		two->unsectioned = TRUE;
		g_autoptr(form) r = form_parse_spec("Name: Jo Bell\nMentee or mentor: Mentor\nEmail: jo@x.example\n"
						    "Role: Mentee\nName: Al Kerr\nEmail: al@x.example\n",
						    FALSE, two);
		ok(r->nominees->len == 2 && nth(r, 0)->role == 1 && nth(r, 0)->role_said &&
			   g_strcmp0(nth(r, 0)->email, "jo@x.example") == 0 && nth(r, 1)->role == 0 &&
			   g_strcmp0(nth(r, 1)->name, "Al Kerr") == 0,
		   "a role line names the role of the first, and opens the next");
		g_autoptr(form) u = form_parse_spec("Name: Jo Bell\nEmail: jo@x.example\n", FALSE, two);
		ok(u->nominees->len == 1 && !nth(u, 0)->role_said, "two roles and no word of which: left to the rules");
		g_autoptr(form) g = form_parse_spec("Màthair 1\nName: Ùna\nEmail: una@x.example\n", FALSE, two);
		ok(g->nominees->len == 1 && nth(g, 0)->role == 0, "a heading in a role word with accents");
		g_autoptr(form_spec) yp = form_spec_new();
		ok(form_spec_add_role(yp, "young", "Young person", NULL, NULL) &&
			   form_spec_add_role(yp, "adult", "Adult", NULL, NULL) && form_spec_finish(yp, NULL),
		   "a role of two words");
		g_autoptr(form) y = form_parse_spec("Young person No. 2\nName: Y\nEmail: y@x.example\n[Adult 1]\n"
						    "Name: A\nEmail: a@x.example\nYoung person or adult: Adult\n",
						    FALSE, yp);
		ok(y->nominees->len == 2 && nth(y, 0)->role == 0 && nth(y, 1)->role == 1,
		   "headings of two words, numbered either way");
		g_autoptr(form) j = form_parse_spec("Member 1\nName: X\nRole: Senior officer\nEmail: x@x.example\n",
						    FALSE, form_spec_builtin());
		ok(j->nominees->len == 1 && g_strcmp0(nth(j, 0)->job_title, "Senior officer") == 0,
		   "Role: with no role word is the job title still");
	}
	{
		/* A definition with a mistake says what it is. */
		static const char *const two[] = { "A", "B", NULL };
		g_autofree char *e1 = spec_error("email", FIELD_TEXT, "Contact", NULL, 0);
		g_autofree char *e2 = spec_error("pick", FIELD_CHOICE, "Pick", NULL, 0);
		g_autofree char *e3 = spec_error("note", FIELD_TEXT, "Note", NULL, 100);
		g_autofree char *e4 = spec_error("title", FIELD_TEXT, "Job title", NULL, 0);
		g_autofree char *e5 = spec_error("who", FIELD_TEXT, "Mentee", NULL, 0);
		g_autofree char *e6 = spec_error("Bad-Id", FIELD_TEXT, "Bad", NULL, 0);
		g_autofree char *e7 = spec_error("job_title", FIELD_TEXT, "Post", NULL, 0);
		g_autofree char *e8 = spec_error("pick", FIELD_CHOICE, "Pick", two, 0);
		is_str(e1, "field email is nomd's own, of type email", "nomd's own field keeps its type");
		is_str(e2, "field pick: choices go with type choice, 1 to 50 of them", "a choice needs choices");
		is_str(e3, "field note: a word limit goes with type long, at most 5000",
		       "a word limit needs long text");
		is_str(e4, "field title: the label 'Job title' is taken already (by job_title)",
		       "a label is one field's");
		is_str(e5, "field who: the label 'Mentee' is taken already (by member)", "a role word is no label");
		is_str(e6, "'Bad-Id' is not a field id (a-z, 0-9 and _, starting with a letter)", "ids are plain");
		is_str(e7, "field job_title is defined twice (organisation is always there)", "one field, once");
		ok(e8 == NULL, "a good choice field is taken");
		g_autofree char *e10 = spec_error("council", FIELD_TEXT, "Council name", NULL, 0);
		is_str(e10, "field council: the label 'Council name' is taken already (by the organisation line)",
		       "the organisation's labels are the form's own");
		g_autoptr(form_spec) s = form_spec_new();
		g_autoptr(GError) e = NULL;
		ok(form_spec_add_role(s, "a", "A", NULL, NULL) && form_spec_add_role(s, "b", "B", NULL, NULL) &&
			   !form_spec_add_role(s, "c", "C", NULL, &e),
		   "a third role: refused (%s)", e ? e->message : "");
		g_autoptr(form_spec) none = form_spec_new();
		g_autoptr(GError) e9 = NULL;
		ok(!form_spec_finish(none, &e9), "no role at all: refused");
		ok(form_spec_finish(s, NULL) && form_spec_field_by_id(s, "name") && form_spec_field_by_id(s, "email"),
		   "name and email come with every form");
	}
	return tap_done();
}
