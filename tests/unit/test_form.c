/* Unit tests: the v1 plain-text nomination form. */
#include "../../parsers/form.h"
#include "tap.h"

static const struct nominee *nth(const struct form *f, guint i)
{
	return i < f->nominees->len ? f->nominees->pdata[i] : NULL;
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
	return tap_done();
}
