/* nomctl: the staff command line. Reads the same configuration as nomd,
 * prints what the store holds (JSON or CSV), and carries out staff
 * decisions: pairing, withdrawals, retries. Mail it causes is queued in
 * the outbox; the running nomd sends it. */
#include <stdio.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include "chart.h"
#include "config.h"

#ifndef NOMD_CONFIG
#define NOMD_CONFIG "/usr/local/etc/nomd/nomd.conf"
#endif
#include "outbox.h"
#include "pairing_run.h"
#include "people.h"
#include "reply.h"
#include "store.h"
#include "util.h"
#include "version.h"

#include "listing.h"
#include "nomctl.h"

static void usage(void);

struct pair_args {
	gboolean dry_run, commit;
	GPtrArray *pins, *forbids; /* of char *[2] */
	const char *rematch;	   /* a member's address */
	const char *why;	   /* --why: the rematch's reason, as both are told it */
};

static void free_couple(gpointer p)
{
	g_strfreev(p);
}

/* The arguments after "pair": flags and address couples. */
static gboolean parse_pair_args(int argc, char **argv, struct pair_args *a)
{
	for (int i = 0; i < argc; i++) {
		if (strcmp(argv[i], "--dry-run") == 0) {
			a->dry_run = TRUE;
		} else if (strcmp(argv[i], "--commit") == 0) {
			a->commit = TRUE;
		} else if (strcmp(argv[i], "--pin") == 0 || strcmp(argv[i], "--forbid") == 0) {
			if (i + 2 >= argc || !email_valid(argv[i + 1]) || !email_valid(argv[i + 2])) {
				fprintf(stderr, "nomctl: %s needs a member's and a mentor's email address\n", argv[i]);
				return FALSE;
			}
			char **couple = g_new0(char *, 3);
			couple[0] = g_strdup(argv[i + 1]);
			couple[1] = g_strdup(argv[i + 2]);
			g_ptr_array_add(strcmp(argv[i], "--pin") == 0 ? a->pins : a->forbids, couple);
			i += 2;
		} else if (strcmp(argv[i], "--rematch") == 0 || strcmp(argv[i], "--why") == 0) {
			gboolean rematch = strcmp(argv[i], "--rematch") == 0;
			if (i + 1 >= argc || (rematch && !email_valid(argv[i + 1]))) {
				fprintf(stderr, "nomctl: %s needs %s\n", argv[i],
					rematch ? "a member's email address" : "a reason");
				return FALSE;
			}
			*(rematch ? &a->rematch : &a->why) = argv[++i];
		} else {
			fprintf(stderr, "nomctl: pair: unknown argument '%s'\n", argv[i]);
			return FALSE;
		}
	}
	if (a->rematch && (a->pins->len || a->forbids->len)) {
		fputs("nomctl: pair --rematch takes no --pin or --forbid\n", stderr);
		return FALSE;
	}
	/* --rematch acts unless it is a dry run. */
	if (a->rematch && !a->dry_run)
		a->commit = TRUE;
	if (a->dry_run == a->commit) {
		fputs("nomctl: pair needs exactly one of --dry-run and --commit\n", stderr);
		return FALSE;
	}
	if (a->why && !a->rematch) {
		fputs("nomctl: --why goes with --rematch\n", stderr);
		return FALSE;
	}
	return TRUE;
}

static char *person_label(const struct nomd_config *cfg, const struct person *p)
{
	const struct organisation *org = config_find_organisation(cfg, p->organisation);
	g_autofree char *label =
		g_strdup_printf("%s <%s>, %s", p->name ? p->name : "", p->email, org ? org->name : p->organisation);
	return terminal_text(label, FALSE);
}

/* The plan as rows: pairs, then who is left unpaired and why. */
void nomctl_print_plan(const struct nomd_config *cfg, const struct pairing_pool *pool, const struct pairing_plan *plan,
		       enum format format, gboolean table)
{
	if (table) {
		printf("%u pair(s) proposed\n", plan->pairs->len);
		for (guint i = 0; i < plan->pairs->len; i++) {
			const struct planned_pair *pp = &g_array_index(plan->pairs, struct planned_pair, i);
			g_autofree char *m = person_label(cfg, pool->members->pdata[pp->member]);
			g_autofree char *t = person_label(cfg, pool->mentors->pdata[pp->mentor]);
			g_autofree char *why = terminal_text(pp->why, FALSE);
			printf("\n  member  %s\n  mentor  %s\n  score   %d%s%s\n", m, t, pp->score, *why ? ": " : "",
			       why);
		}
		guint unpaired = plan->unpaired->len + pool->left_out->len;
		if (unpaired)
			printf("\n%u left unpaired\n", unpaired);
		for (guint i = 0; i < plan->unpaired->len; i++) {
			const struct unpaired *u = &g_array_index(plan->unpaired, struct unpaired, i);
			const struct person *p = (u->is_mentor ? pool->mentors : pool->members)->pdata[u->index];
			g_autofree char *label = person_label(cfg, p);
			g_autofree char *why = terminal_text(u->why, FALSE);
			printf("  %-6s  %s: %s\n", p->role, label, why);
		}
		for (guint i = 0; i < pool->left_out->len; i++) {
			g_autofree char *line = terminal_text(pool->left_out->pdata[i], FALSE);
			printf("  %s\n", line);
		}
		for (guint i = 0; i < plan->problems->len; i++) {
			g_autofree char *line = terminal_text(plan->problems->pdata[i], FALSE);
			printf("warning: %s\n", line);
		}
		return;
	}
	struct printer pr = { .format = format };
	const char *names[] = {
		"kind", "member", "member_organisation", "mentor", "mentor_organisation", "score", "why"
	};
	for (guint i = 0; i < plan->pairs->len; i++) {
		const struct planned_pair *pp = &g_array_index(plan->pairs, struct planned_pair, i);
		const struct person *m = pool->members->pdata[pp->member], *t = pool->mentors->pdata[pp->mentor];
		g_autofree char *score = g_strdup_printf("%d", pp->score);
		const char *values[] = { "pair", m->email, m->organisation, t->email, t->organisation, score, pp->why };
		print_row(&pr, G_N_ELEMENTS(names), names, values);
	}
	for (guint i = 0; i < plan->unpaired->len; i++) {
		const struct unpaired *u = &g_array_index(plan->unpaired, struct unpaired, i);
		const struct person *p = (u->is_mentor ? pool->mentors : pool->members)->pdata[u->index];
		const char *values[] = { "unpaired",
					 u->is_mentor ? NULL : p->email,
					 u->is_mentor ? NULL : p->organisation,
					 u->is_mentor ? p->email : NULL,
					 u->is_mentor ? p->organisation : NULL,
					 NULL,
					 u->why };
		print_row(&pr, G_N_ELEMENTS(names), names, values);
	}
	for (guint i = 0; i < pool->left_out->len; i++) {
		const char *values[] = { "not_eligible", NULL, NULL, NULL, NULL, NULL, pool->left_out->pdata[i] };
		print_row(&pr, G_N_ELEMENTS(names), names, values);
	}
	for (guint i = 0; i < plan->problems->len; i++) {
		const char *values[] = { "problem", NULL, NULL, NULL, NULL, NULL, plan->problems->pdata[i] };
		print_row(&pr, G_N_ELEMENTS(names), names, values);
	}
	print_end(&pr);
}

static int run_pair(const struct nomctl_run *r)
{
	const struct nomd_config *cfg = r->cfg;
	struct store *st = *r->st;
	const char *format = r->format;
	struct pair_args a = { .pins = g_ptr_array_new_with_free_func(free_couple),
			       .forbids = g_ptr_array_new_with_free_func(free_couple) };
	g_autoptr(GPtrArray) pins = a.pins, forbids = a.forbids;
	if (!parse_pair_args(r->argc, r->argv, &a)) {
		usage();
		return EX_USAGE;
	}
	gboolean table = !format || strcmp(format, "table") == 0;
	enum format fmt = print_format(format);
	g_autoptr(GError) error = NULL;
	g_autoptr(reply_templates) t = NULL;
	if (a.commit && !reply_templates_load(cfg->templates, &t, &error)) {
		fprintf(stderr, "nomctl: %s\n", error->message);
		return EX_CONFIG;
	}
	if (a.rematch)
		return nomctl_rematch(r, a.rematch, a.why, a.dry_run, table);
	/* With --commit the plan is made and recorded in one transaction, so
	 * nobody withdraws in between. */
	if (a.commit && !store_begin(st, &error)) {
		fprintf(stderr, "nomctl: %s\n", error->message);
		return EX_TEMPFAIL;
	}
	g_autoptr(pairing_pool) pool = NULL;
	struct pairing_rules rules;
	pairing_rules_from_config(cfg, &rules);
	rules.pins = pins;
	rules.forbids = forbids;
	guint notices = 0;
	if (!pairing_pool_load(cfg, st, &pool, &error)) {
		store_rollback(st);
		fprintf(stderr, "nomctl: %s\n", error->message);
		return EX_SOFTWARE;
	}
	g_autoptr(pairing_plan) plan = pairing_make_plan(
		&rules, (const struct pair_person *)(void *)pool->member_view->data, pool->member_view->len,
		(const struct pair_person *)(void *)pool->mentor_view->data, pool->mentor_view->len);
	if (a.commit && (!pairing_commit(cfg, st, pool, plan, &notices, &error) || !store_commit(st, &error))) {
		store_rollback(st);
		fprintf(stderr, "nomctl: pairs not recorded: %s\n", error->message);
		return EX_SOFTWARE;
	}
	nomctl_print_plan(cfg, pool, plan, fmt, table);
	if (a.commit)
		fprintf(stderr, "nomctl: %u pair(s) recorded; %u notice(s) queued for nomd to send\n", plan->pairs->len,
			notices);
	return EX_OK;
}

static int run_withdraw(const struct nomctl_run *r)
{
	const struct nomd_config *cfg = r->cfg;
	struct store *st = *r->st;
	const char *email = r->argv[0];
	g_autoptr(GError) error = NULL;
	g_autoptr(reply_templates) t = NULL;
	gboolean found = FALSE;
	if (!email_valid(email)) {
		fprintf(stderr, "nomctl: '%s' is not an email address\n", email);
		return EX_USAGE;
	}
	if (!reply_templates_load(cfg->templates, &t, &error)) {
		fprintf(stderr, "nomctl: %s\n", error->message);
		return EX_CONFIG;
	}
	if (!people_withdraw(cfg, st, email, "withdrawn by the programme team", &found, &error)) {
		fprintf(stderr, "nomctl: %s\n", error->message);
		return EX_SOFTWARE;
	}
	if (!found) {
		fprintf(stderr, "nomctl: no accepted nominee has the address %s\n", email);
		return EX_DATAERR;
	}
	printf("%s withdrawn\n", email);
	return EX_OK;
}

/* ID, or --failed: every failed mail (after a fault now fixed). */
static int run_retry(const struct nomctl_run *r)
{
	struct store *st = *r->st;
	const char *arg = r->argv[0];
	g_autoptr(GError) error = NULL;
	gboolean all = strcmp(arg, "--failed") == 0;
	char *end = NULL;
	gint64 id = all ? 0 : g_ascii_strtoll(arg, &end, 10);
	gint64 changed = 0;
	if (!all && (!end || *end || id <= 0)) {
		fprintf(stderr, "nomctl: '%s' is not an outbox id\n", arg);
		return EX_USAGE;
	}
	if (!store_outbox_retry(st, id, &changed, &error)) {
		fprintf(stderr, "nomctl: %s\n", error->message);
		return EX_SOFTWARE;
	}
	if (all) {
		printf("%" G_GINT64_FORMAT " failed mail(s) queued again\n", changed);
		return EX_OK;
	}
	if (!changed) {
		fprintf(stderr, "nomctl: outbox #%" G_GINT64_FORMAT " is not a failed message\n", id);
		return EX_DATAERR;
	}
	printf("outbox #%" G_GINT64_FORMAT " queued again\n", id);
	return EX_OK;
}

/* The mail as it goes (or went) to SMTP, rendered with today's templates. */
static int run_show(const struct nomctl_run *r)
{
	char *end = NULL;
	gint64 id = g_ascii_strtoll(r->argv[0], &end, 10);
	if (!end || *end || id <= 0) {
		fprintf(stderr, "nomctl: '%s' is not an outbox id\n", r->argv[0]);
		return EX_USAGE;
	}
	g_autoptr(GError) error = NULL;
	g_autoptr(reply_templates) t = NULL;
	if (!reply_templates_load(r->cfg->templates, &t, &error)) {
		fprintf(stderr, "nomctl: %s\n", error->message);
		return EX_CONFIG;
	}
	g_autoptr(outbox_item) it = NULL;
	if (!store_outbox_item(*r->st, id, &it, &error)) {
		fprintf(stderr, "nomctl: %s\n", error->message);
		return EX_SOFTWARE;
	}
	if (!it) {
		fprintf(stderr, "nomctl: no outbox #%" G_GINT64_FORMAT "\n", id);
		return EX_DATAERR;
	}
	g_autoptr(GBytes) mail = outbox_mail(r->cfg, t, it, &error);
	if (!mail) {
		fprintf(stderr, "nomctl: outbox #%" G_GINT64_FORMAT ": %s\n", id, error->message);
		return EX_DATAERR;
	}
	gsize len = 0;
	const char *data = g_bytes_get_data(mail, &len);
	/* 7-bit MIME; on a screen still nothing a terminal would act on. */
	g_autofree char *text = g_strndup(data, len);
	g_autofree char *shown = isatty(STDOUT_FILENO) ? terminal_text(text, TRUE) : NULL;
	fputs(shown ? shown : text, stdout);
	return EX_OK;
}

struct printer nomctl_printer(const struct nomctl_run *r, const char *sheet)
{
	return (struct printer){ .format = print_format(r->format),
				 .output = r->output,
				 .sheet = sheet,
				 .timezone = r->cfg ? r->cfg->timezone : NULL };
}

int nomctl_print_end(struct printer *pr)
{
	return print_end(pr) ? EX_OK : EX_CANTCREAT;
}

/* A listing from the store alone (`each`), or as the configuration shapes
 * it (`by_config`). */
static int print_listing(const struct nomctl_run *r, const char *sheet,
			 gboolean (*each)(struct store *, store_row_fn, void *, GError **),
			 gboolean (*by_config)(const struct nomd_config *, struct store *, store_row_fn, void *,
					       GError **))
{
	struct printer pr = nomctl_printer(r, sheet);
	g_autoptr(GError) error = NULL;
	if (!(each ? each(*r->st, print_row, &pr, &error) : by_config(r->cfg, *r->st, print_row, &pr, &error))) {
		fprintf(stderr, "nomctl: %s\n", error->message);
		return EX_SOFTWARE;
	}
	return nomctl_print_end(&pr);
}

static int run_export(const struct nomctl_run *r)
{
	return print_listing(r, "Nominees", NULL, listing_each_nominee);
}

static int run_messages(const struct nomctl_run *r)
{
	return print_listing(r, "Messages", store_each_message, NULL);
}

static int run_outbox(const struct nomctl_run *r)
{
	return print_listing(r, "Outbox", store_each_outbox, NULL);
}

/* Every command: usage, dispatch and the argument count read this table.
 * A new command is one row here and its handler. Rows with the same name
 * and a subcommand each ("event add") are listed in usage in this order. */
static const struct nomctl_command commands[] = {
	/* name, sub, args, help, min and max arguments, flags, handler */
	{ "export", NULL, "[--format table|json|csv|xlsx --output FILE]", "nominees, with consent", 0, 0,
	  NOMCTL_TABLE | NOMCTL_XLSX, run_export },
	{ "messages", NULL, "[--format table|json|csv|xlsx --output FILE]", "every message and its outcome", 0, 0,
	  NOMCTL_TABLE | NOMCTL_XLSX, run_messages },
	{ "outbox", NULL, "[--format table|json|csv|xlsx --output FILE]", "mail queued and sent", 0, 0,
	  NOMCTL_TABLE | NOMCTL_XLSX, run_outbox },
	{ "outbox", "retry", "ID|--failed", "send a failed mail (or all) again", 1, 1, 0, run_retry },
	{ "outbox", "show", "ID", "the mail as it goes out, in today's templates", 1, 1, 0, run_show },
	{ "pairs", NULL, "[--format table|json|csv|xlsx --output FILE]",
	  "pairs, current and ended, and how each is doing", 0, 0, NOMCTL_TABLE | NOMCTL_XLSX, nomctl_pairs },
	{ "pair", NULL,
	  "--dry-run|--commit [--format table|json|csv]\n"
	  "[--pin MEMBER_EMAIL MENTOR_EMAIL]... [--forbid MEMBER_EMAIL MENTOR_EMAIL]...",
	  "propose pairs, or record them and tell them", 0, -1, NOMCTL_TABLE | NOMCTL_PAIRING, run_pair },
	{ "pair", NULL, "--rematch MEMBER_EMAIL [--dry-run] [--why TEXT] [--format table|json|csv]",
	  "end a member's pair and pair them again", 0, -1, NOMCTL_TABLE | NOMCTL_PAIRING, run_pair },
	{ "feedback", NULL, "[--format table|json|csv|xlsx --output FILE]",
	  "ratings and comments at the programme's end", 0, 0, NOMCTL_TABLE | NOMCTL_XLSX, nomctl_feedback },
	{ "report", NULL, "--output FILE.xlsx", "every sheet in one workbook: nominees, organisations, pairs, ...", 0,
	  0, NOMCTL_XLSX | NOMCTL_XLSX_ONLY, nomctl_report },
	{ "judges", NULL, "[FIELD] --output FILE.xlsx",
	  "accepted nominations for judges, a sheet per category (or FIELD's choices)", 0, 1,
	  NOMCTL_XLSX | NOMCTL_XLSX_ONLY, nomctl_judges },
	{ "withdraw", NULL, "EMAIL", "withdraw a nominee; a partner is told", 1, 1, 0, run_withdraw },
	{ "event", "add",
	  "--title T --start \"YYYY-MM-DD HH:MM\" --duration 2h\n"
	  "[--timezone Europe/London] (--online-url URL | --location TEXT)\n"
	  "--audience ROLE|all [--capacity N] [--description TEXT]\n"
	  "[--topic TEXT] [--presenters TEXT]",
	  "invite the audience", 0, -1, NOMCTL_EVENTS, nomctl_event_add },
	{ "event", "update", "ID [the same options]", "invitees get the update", 1, -1, NOMCTL_EVENTS,
	  nomctl_event_update },
	{ "event", "cancel", "ID", "invitees get a cancellation", 1, 1, NOMCTL_EVENTS, nomctl_event_cancel },
	{ "event", "list", "[--format table|json|csv|xlsx --output FILE]", "events and their answers", 0, 0,
	  NOMCTL_TABLE | NOMCTL_XLSX, nomctl_event_list },
	{ "call", NULL, "--dry-run|--send", "the call for nominations, to each organisation once", 1, 1, 0,
	  nomctl_call },
	{ "digest", NULL, "--preview|--send", "the staff digest, now", 1, 1, 0, nomctl_digest },
	{ "status", NULL, "[--format table|json|csv]", "how nomd is doing", 0, 0, NOMCTL_TABLE, nomctl_status },
	{ "forget", NULL, "[--keep-mail] EMAIL", "erase a person's data everywhere", 1, 1, 0, nomctl_forget },
	{ "reprocess", NULL, "MESSAGE_ID", "apply a held message again", 1, 1, 0, nomctl_reprocess },
	{ "templates", "export", "[--force] DIR", "the built-in templates, to edit", 1, 2, NOMCTL_NO_CONFIG,
	  nomctl_templates_export },
};

/* Where the help text starts, and where a synopsis continues. */
#define HELP_COLUMN 54
#define USAGE_WIDTH 100
#define CONTINUED "                      "

static void usage(void)
{
	g_autoptr(GString) out = g_string_new(NULL);
	for (size_t i = 0; i < G_N_ELEMENTS(commands); i++) {
		const struct nomctl_command *c = &commands[i];
		g_auto(GStrv) parts = g_strsplit(c->args ? c->args : "", "\n", -1);
		g_autofree char *line = g_strdup_printf(
			"%s %s%s%s%s%s", i ? "       nomctl -c FILE" : "usage: nomctl [-c FILE | -p NAME]", c->name,
			c->sub ? " " : "", c->sub ? c->sub : "", *parts[0] ? " " : "", parts[0]);
		/* The help beside the synopsis when it fits, else under it. */
		int width = MAX(HELP_COLUMN, (int)strlen(line) + 2);
		gboolean beside = width + strlen(c->help) <= USAGE_WIDTH;
		if (beside)
			g_string_append_printf(out, "%-*s%s\n", width, line, c->help);
		else
			g_string_append_printf(out, "%s\n", line);
		for (int k = 1; parts[k]; k++)
			g_string_append_printf(out, CONTINUED "%s\n", parts[k]);
		if (!beside)
			g_string_append_printf(out, CONTINUED "%s\n", c->help);
	}
	fputs(out->str, stderr);
}

/* The row for argv (the command, then its arguments), or NULL (said why). */
static const struct nomctl_command *find_command(int argc, char **argv, int *used)
{
	const struct nomctl_command *plain = NULL;
	g_autoptr(GString) subs = g_string_new(NULL);
	for (size_t i = 0; i < G_N_ELEMENTS(commands); i++) {
		const struct nomctl_command *c = &commands[i];
		if (strcmp(c->name, argv[0]) != 0)
			continue;
		if (!c->sub) {
			plain = c;
		} else if (argc > 1 && strcmp(c->sub, argv[1]) == 0) {
			*used = 2;
			return c;
		} else {
			g_string_append_printf(subs, "%s%s", subs->len ? ", " : "", c->sub);
		}
	}
	*used = 1;
	if (!plain && subs->len)
		fprintf(stderr, "nomctl: %s needs one of: %s\n", argv[0], subs->str);
	else if (!plain)
		fprintf(stderr, "nomctl: unknown command: %s\n", argv[0]);
	return plain;
}

/* "export, messages, ...": each name once, for --help. */
static char *command_names(void)
{
	GString *s = g_string_new("Commands: ");
	for (size_t i = 0; i < G_N_ELEMENTS(commands); i++)
		if (i == 0 || strcmp(commands[i - 1].name, commands[i].name) != 0)
			g_string_append_printf(s, "%s%s", i ? ", " : "", commands[i].name);
	return g_string_free(s, FALSE);
}

int main(int argc, char **argv)
{
	g_autofree char *config_file = NULL, *config_path = NULL;
	g_autofree char *programme = NULL;
	g_autofree char *format = NULL;
	g_autofree char *output = NULL;
	gboolean keep_mail = FALSE, version = FALSE;
	GOptionEntry entries[] = {
		{ "config", 'c', 0, G_OPTION_ARG_FILENAME, &config_file, "Configuration file", "FILE" },
		{ "programme", 'p', 0, G_OPTION_ARG_STRING, &programme,
		  "The programme NAME's configuration (NAME.conf), when several share the host", "NAME" },
		{ "format", 'f', 0, G_OPTION_ARG_STRING, &format,
		  "Output format: table (the default on a terminal), json (the default into a pipe) or csv", "FORMAT" },
		{ "output", 'o', 0, G_OPTION_ARG_FILENAME, &output, "The workbook to write (--format xlsx, report)",
		  "FILE" },
		{ "keep-mail", 0, 0, G_OPTION_ARG_NONE, &keep_mail, "forget: leave the messages on the server", NULL },
		{ "version", 0, 0, G_OPTION_ARG_NONE, &version, "Print the version and exit", NULL },
		{ NULL, 0, 0, 0, NULL, NULL, NULL },
	};
	g_autoptr(GOptionContext) ctx = g_option_context_new("COMMAND - nomd staff tool");
	g_option_context_add_main_entries(ctx, entries, NULL);
	g_autofree char *names = command_names();
	g_option_context_set_summary(ctx, names);
	/* pair's own flags (--pin A B) and event's are read by their handlers. */
	g_option_context_set_ignore_unknown_options(ctx, TRUE);
	g_autoptr(GError) error = NULL;
	if (!g_option_context_parse(ctx, &argc, &argv, &error)) {
		fprintf(stderr, "nomctl: %s\n", error->message);
		usage();
		return EX_USAGE;
	}
	if (version) {
		printf("nomctl %s\n", nomd_version);
		return EX_OK;
	}
	if (!config_choose(config_file, programme, &config_path, &error)) {
		fprintf(stderr, "nomctl: %s\n", error->message);
		return EX_USAGE;
	}
	int used = 0;
	const struct nomctl_command *cmd = argc >= 2 ? find_command(argc - 1, argv + 1, &used) : NULL;
	int nargs = argc - 1 - used;
	if (cmd && (nargs < cmd->min_args || (cmd->max_args >= 0 && nargs > cmd->max_args))) {
		fprintf(stderr, "nomctl: %s%s%s: wrong number of arguments\n", cmd->name, cmd->sub ? " " : "",
			cmd->sub ? cmd->sub : "");
		cmd = NULL;
	}
	if (!cmd) {
		usage();
		return EX_USAGE;
	}
	if (format && strcmp(format, "csv") != 0 && strcmp(format, "json") != 0 &&
	    !(strcmp(format, "table") == 0 && (cmd->flags & NOMCTL_TABLE)) &&
	    !(strcmp(format, "xlsx") == 0 && (cmd->flags & NOMCTL_XLSX))) {
		fprintf(stderr, "nomctl: unknown format '%s'\n", format);
		return EX_USAGE;
	}
	/* A workbook is a file, never a terminal's business. */
	if ((cmd->flags & NOMCTL_XLSX_ONLY) && !format)
		format = g_strdup("xlsx");
	gboolean xlsx = format && strcmp(format, "xlsx") == 0;
	if ((cmd->flags & NOMCTL_XLSX_ONLY) && (!output || !xlsx)) {
		fprintf(stderr, "nomctl: %s needs --output FILE.xlsx\n", cmd->name);
		return EX_USAGE;
	}
	if (xlsx != (output != NULL)) {
		fprintf(stderr, "nomctl: %s\n",
			xlsx ? "--format xlsx needs --output FILE" : "--output goes with --format xlsx");
		return EX_USAGE;
	}
	g_autoptr(nomd_config) cfg = NULL;
	struct store *st = NULL;
	if (!(cmd->flags & NOMCTL_NO_CONFIG)) {
		if (!config_load(config_path, &cfg, &error)) {
			fprintf(stderr, "%s\n", error->message);
			return EX_CONFIG;
		}
		const char *off = (cmd->flags & NOMCTL_PAIRING) && !cfg->pairing.enabled ? "pairing"
				  : (cmd->flags & NOMCTL_EVENTS) && !cfg->events.enabled ? "events"
											 : NULL;
		if (off) {
			fprintf(stderr, "nomctl: %s: this programme has no %s (%s.enabled = false in %s)\n", cmd->name,
				off, off, config_path);
			return EX_CONFIG;
		}
		if (!store_open(cfg->database, &st, &error)) {
			fprintf(stderr, "nomctl: %s\n", error->message);
			return EX_UNAVAILABLE;
		}
	}
	const struct nomctl_run run = {
		.cfg = cfg,
		.st = &st,
		.format = format,
		.output = output,
		.keep_mail = keep_mail,
		.argc = nargs,
		.argv = argv + 1 + used,
	};
	int rc = cmd->run(&run);
	if (st)
		store_close(st);
	chart_release(); /* outbox show may have drawn the digest's chart */
	return rc;
}
