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
					       "Expertise: Budgets, scrutiny\n");
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
		g_autoptr(form) f = form_parse("Hello,\nplease find our nominations.\nMember\nName: A\n");
		ok(f->organisation == NULL, "organisation absent");
		is_int(f->nominees->len, 1, "covering text ignored");
		ok(nth(f, 0)->email == NULL, "missing email stays NULL");
	}
	{
		g_autoptr(form) f = form_parse("Members of our team are keen.\nMentoring matters.\n");
		is_int(f->nominees->len, 0, "words starting with member/mentor are not headings");
	}
	{
		g_autoptr(form) f = form_parse(NULL);
		is_int(f->nominees->len, 0, "no text, no nominees");
	}
	{
		GString *big = g_string_new(NULL);
		for (int i = 0; i < FORM_MAX_NOMINEES + 10; i++)
			g_string_append_printf(big, "Member\nName: N%d\nEmail: n%d@x.example\n", i, i);
		g_autoptr(form) f = form_parse(big->str);
		is_int(f->nominees->len, FORM_MAX_NOMINEES, "sections capped");
		g_string_free(big, TRUE);
	}
	{
		GString *big = g_string_new("Member\nName: ");
		for (int i = 0; i < 10000; i++)
			g_string_append(big, "é");
		g_autoptr(form) f = form_parse(big->str);
		const char *name = nth(f, 0)->name;
		ok(strlen(name) <= FORM_MAX_VALUE, "value capped at %d bytes", FORM_MAX_VALUE);
		ok(g_utf8_validate(name, -1, NULL), "capped value is still valid UTF-8");
		g_string_free(big, TRUE);
	}
	{
		g_autoptr(form) f = form_parse("Member\nYears in local government: lots\n");
		is_int(nth(f, 0)->years, -1, "non-numeric years ignored");
	}
	return tap_done();
}
