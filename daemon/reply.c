/* reply: fills the confirmation and form-problem templates. */
#include "reply.h"

#include "template.h"

struct reply_templates {
	struct template *confirmation;
	struct template *problem;
};

static const char *const confirmation_vars[] = { "programme",	"organisation", "summary",     "nominees",
						 "members",	"max_members",	"mentors",     "max_mentors",
						 "from_address", NULL };
static const char *const problem_vars[] = { "programme", "organisation", "problem", "from_address", NULL };

void reply_templates_free(struct reply_templates *t)
{
	if (!t)
		return;
	template_free(t->confirmation);
	template_free(t->problem);
	g_free(t);
}

gboolean reply_templates_load(const char *dir, struct reply_templates **out, GError **error)
{
	g_autoptr(reply_templates) t = g_new0(struct reply_templates, 1);
	t->confirmation = template_load(dir, "confirmation.txt", confirmation_vars, error);
	if (!t->confirmation)
		return FALSE;
	t->problem = template_load(dir, "form-problem.txt", problem_vars, error);
	if (!t->problem)
		return FALSE;
	*out = g_steal_pointer(&t);
	return TRUE;
}

static char *nominee_lines(const struct decision *d)
{
	GString *s = g_string_new(NULL);
	for (guint i = 0; i < d->verdicts->len; i++) {
		const struct verdict *v = &g_array_index(d->verdicts, struct verdict, i);
		const struct nominee *n = v->nominee;
		g_string_append_printf(s, "%s- %s%s%s%s (%s): ", i ? "\n" : "",
				       n->name && *n->name ? n->name : "(no name given)", n->email ? " <" : "",
				       n->email ? n->email : "", n->email ? ">" : "", form_role_name(n->role));
		if (v->reason)
			g_string_append_printf(s, "not accepted, because %s.", reason_text(v->reason));
		else
			g_string_append(s, "accepted.");
	}
	return g_string_free(s, FALSE);
}

static char *summary(const struct decision *d)
{
	guint total = d->verdicts->len, accepted = 0;
	for (guint i = 0; i < total; i++)
		accepted += g_array_index(d->verdicts, struct verdict, i).reason == NULL;
	if (accepted == total)
		return total == 1 ? g_strdup("Your nomination has been accepted.")
				  : g_strdup_printf("All %u nominations have been accepted.", total);
	if (accepted == 0)
		return total == 1 ? g_strdup("Your nomination could not be accepted; the reason is below.")
				  : g_strdup_printf("None of the %u nominations could be accepted; the reasons are below.",
						    total);
	return g_strdup_printf("%u of %u nominations have been accepted; the others are explained below.", accepted,
			       total);
}

static char *problem(const struct decision *d)
{
	const char *code = d->reasons->len ? d->reasons->pdata[0] : REASON_NO_NOMINATIONS;
	if (g_strcmp0(code, REASON_UNKNOWN_ORGANISATION) == 0)
		return g_strdup("We could not tell which organisation your nominations are for. Please add a line "
				"such as \"Organisation: Fife Council\" at the top of the form, using your "
				"organisation's name as the programme knows it.");
	return g_strdup("We could not find any nominations in your message. Each person needs a section that starts "
			"with a line \"Member\" or \"Mentor\", followed by at least \"Name:\" and \"Email:\" lines.");
}

char *reply_text(const struct nomd_config *cfg, const struct reply_templates *t, const struct decision *d)
{
	g_autoptr(GHashTable) vars = g_hash_table_new_full(g_str_hash, g_str_equal, NULL, g_free);
	g_hash_table_insert(vars, "programme", g_strdup(cfg->programme.name));
	g_hash_table_insert(vars, "organisation", g_strdup(d->org ? d->org->name : "your organisation"));
	g_hash_table_insert(vars, "from_address", g_strdup(cfg->smtp.from_address));
	if (d->verdicts->len == 0) {
		g_hash_table_insert(vars, "problem", problem(d));
		return template_render(t->problem, vars);
	}
	g_hash_table_insert(vars, "summary", summary(d));
	g_hash_table_insert(vars, "nominees", nominee_lines(d));
	g_hash_table_insert(vars, "members", g_strdup_printf("%d", d->members));
	g_hash_table_insert(vars, "mentors", g_strdup_printf("%d", d->mentors));
	g_hash_table_insert(vars, "max_members", g_strdup_printf("%d", cfg->programme.max_members));
	g_hash_table_insert(vars, "max_mentors", g_strdup_printf("%d", cfg->programme.max_mentors));
	return template_render(t->confirmation, vars);
}
