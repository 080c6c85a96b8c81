/* reply: fills the reply templates. Every template may use the common
 * placeholders; each also has its own (see the tables below). */
#include "reply.h"

#include <string.h>

#include "template.h"

enum kind { T_CONFIRMATION, T_PROBLEM, T_FORM, T_STATUS, T_WITHDRAW, T_BLANK, T_COUNT };

static const struct {
	const char *file;
	const char *const vars[8];
} files[T_COUNT] = {
	[T_CONFIRMATION] = { "confirmation.txt", { "summary", "nominees", "notes" } },
	[T_PROBLEM] = { "form-problem.txt", { "problem", "blank_form" } },
	[T_FORM] = { "form.txt", { "blank_form" } },
	[T_STATUS] = { "status.txt", { "status_list" } },
	[T_WITHDRAW] = { "withdraw.txt", { "result" } },
	[T_BLANK] = { "blank-form.txt", { NULL } },
};

static const char *const common_vars[] = { "programme",	  "organisation", "from_address", "members",
					    "max_members", "mentors",	  "max_mentors" };

struct reply_templates {
	struct template *t[T_COUNT];
};

void reply_templates_free(struct reply_templates *t)
{
	if (!t)
		return;
	for (int i = 0; i < T_COUNT; i++)
		template_free(t->t[i]);
	g_free(t);
}

gboolean reply_templates_load(const char *dir, struct reply_templates **out, GError **error)
{
	g_autoptr(reply_templates) t = g_new0(struct reply_templates, 1);
	for (int i = 0; i < T_COUNT; i++) {
		g_autoptr(GPtrArray) allowed = g_ptr_array_new();
		for (size_t k = 0; k < G_N_ELEMENTS(common_vars); k++)
			g_ptr_array_add(allowed, (gpointer)common_vars[k]);
		for (size_t k = 0; files[i].vars[k]; k++)
			g_ptr_array_add(allowed, (gpointer)files[i].vars[k]);
		g_ptr_array_add(allowed, NULL);
		t->t[i] = template_load(dir, files[i].file, (const char *const *)allowed->pdata, error);
		if (!t->t[i])
			return FALSE;
	}
	*out = g_steal_pointer(&t);
	return TRUE;
}

static void append_warnings(GString *s, const char *const *warnings)
{
	for (size_t w = 0; warnings[w]; w++)
		g_string_append_printf(s, "\n  Note: %s.", reason_text(warnings[w]));
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
		else if (v->amended)
			g_string_append(s, "accepted; this updates the details we already held.");
		else
			g_string_append(s, "accepted.");
		append_warnings(s, v->warnings);
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

/* Message-level warnings, as a paragraph (empty when there are none). */
static char *notes(const struct decision *d)
{
	GString *s = g_string_new(NULL);
	for (guint i = 0; i < d->warnings->len; i++) {
		const char *w = d->warnings->pdata[i];
		if (strcmp(w, "unbalanced") == 0 || strcmp(w, "narrow_services") == 0)
			g_string_append_printf(s, "\nPlease note: %s.\n", reason_text(w));
	}
	return g_string_free(s, FALSE);
}

static char *problem(const struct decision *d)
{
	const char *code = d->reasons->len ? d->reasons->pdata[0] : REASON_NO_NOMINATIONS;
	if (g_strcmp0(code, REASON_UNKNOWN_ORGANISATION) == 0)
		return g_strdup("We could not tell which organisation your nominations are for. Please add a line "
				"such as \"Organisation: Fife Council\" at the top of the form, using your "
				"organisation's name as the programme knows it.");
	if (g_strcmp0(code, REASON_CLOSED) == 0)
		return g_strdup("Nominations for this round have closed.");
	return g_strdup("We could not find any nominations in your message. Each person needs a section that starts "
			"with a line \"Member\" or \"Mentor\", followed by at least \"Name:\" and \"Email:\" lines.");
}

char *reply_text(const struct nomd_config *cfg, const struct reply_templates *t, const struct decision *d,
		 const char *status_list)
{
	g_autoptr(GHashTable) vars = g_hash_table_new_full(g_str_hash, g_str_equal, NULL, g_free);
	g_hash_table_insert(vars, "programme", g_strdup(cfg->programme.name));
	g_hash_table_insert(vars, "organisation", g_strdup(d->org ? d->org->name : "your organisation"));
	g_hash_table_insert(vars, "from_address", g_strdup(cfg->smtp.from_address));
	g_hash_table_insert(vars, "members", g_strdup_printf("%d", d->members));
	g_hash_table_insert(vars, "mentors", g_strdup_printf("%d", d->mentors));
	g_hash_table_insert(vars, "max_members", g_strdup_printf("%d", cfg->programme.max_members));
	g_hash_table_insert(vars, "max_mentors", g_strdup_printf("%d", cfg->programme.max_mentors));
	g_hash_table_insert(vars, "blank_form", template_render(t->t[T_BLANK], vars));
	switch (d->command) {
	case CMD_FORM: return template_render(t->t[T_FORM], vars);
	case CMD_STATUS:
		g_hash_table_insert(vars, "status_list",
				    g_strdup(status_list && *status_list ? status_list : "(no nominations yet)"));
		return template_render(t->t[T_STATUS], vars);
	case CMD_WITHDRAW:
	case CMD_NONE: break;
	}
	if (d->command == CMD_WITHDRAW || (d->reasons->len && g_strcmp0(d->reasons->pdata[0], REASON_NOT_FOUND) == 0)) {
		g_hash_table_insert(vars, "result",
				    d->withdraw ? g_strdup_printf("The nomination of %s has been withdrawn and their "
								  "place is free again.", d->withdraw)
						: g_strdup_printf("We could not withdraw %s: %s.", d->detail ? d->detail : "",
								  reason_text(REASON_NOT_FOUND)));
		return template_render(t->t[T_WITHDRAW], vars);
	}
	if (d->verdicts->len == 0) {
		g_hash_table_insert(vars, "problem", problem(d));
		return template_render(t->t[T_PROBLEM], vars);
	}
	g_hash_table_insert(vars, "summary", summary(d));
	g_hash_table_insert(vars, "nominees", nominee_lines(d));
	g_hash_table_insert(vars, "notes", notes(d));
	return template_render(t->t[T_CONFIRMATION], vars);
}
