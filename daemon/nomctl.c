/* nomctl: the staff command line. Reads the same configuration as nomd,
 * prints what the store holds (JSON or CSV), and carries out staff
 * decisions: pairing, withdrawals, retries. Mail it causes is queued in
 * the outbox; the running nomd sends it. */
#include <stdio.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include "config.h"

#ifndef NOMD_CONFIG
#define NOMD_CONFIG "/usr/local/etc/nomd/nomd.conf"
#endif
#include "pairing.h"
#include "people.h"
#include "reply.h"
#include "store.h"
#include "util.h"

#include "nomctl.h"

/* Columns printed as JSON numbers or arrays rather than strings. */
static gboolean numeric_column(const char *name)
{
	static const char *const numeric[] = { "years",	  "size",     "attempts", "id",	     "score",
					       "capacity", "invited", "accepted", "declined", "tentative",
					       "waiting",  "sequence", "duration_minutes" };
	for (size_t i = 0; i < G_N_ELEMENTS(numeric); i++)
		if (strcmp(name, numeric[i]) == 0)
			return TRUE;
	return FALSE;
}

static void json_string(GString *out, const char *s)
{
	g_string_append_c(out, '"');
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		switch (*p) {
		case '"': g_string_append(out, "\\\""); break;
		case '\\': g_string_append(out, "\\\\"); break;
		case '\n': g_string_append(out, "\\n"); break;
		case '\r': g_string_append(out, "\\r"); break;
		case '\t': g_string_append(out, "\\t"); break;
		default: {
			/* Every character a terminal would act on is escaped:
			 * the same string to a parser, inert on a screen. */
			gunichar c = *p < 0x80 ? *p : g_utf8_get_char_validated((const char *)p, -1);
			if (terminal_control(c)) {
				g_string_append_printf(out, "\\u%04x", c);
				p = (const unsigned char *)g_utf8_next_char(p) - 1;
			} else {
				g_string_append_c(out, *p);
			}
		}
		}
	}
	g_string_append_c(out, '"');
}

void print_end(struct printer *pr)
{
	if (pr->format == FMT_JSON)
		fputs(pr->rows ? "\n]\n" : "[]\n", stdout);
}

void print_row(void *data, int n, const char *const *names, const char *const *values)
{
	struct printer *pr = data;
	g_autoptr(GString) out = g_string_new(NULL);
	if (pr->format == FMT_CSV) {
		if (pr->rows == 0) {
			for (int i = 0; i < n; i++)
				g_string_append_printf(out, "%s%s", i ? "," : "", names[i]);
			g_string_append(out, "\r\n");
		}
		/* CSV to a file or a pipe stays exact; on a screen, what mail
		 * supplied must not drive the terminal. */
		gboolean tty = isatty(STDOUT_FILENO);
		for (int i = 0; i < n; i++) {
			if (i)
				g_string_append_c(out, ',');
			g_autofree char *shown = tty ? terminal_text(values[i], TRUE) : NULL;
			csv_append_field(out, tty ? shown : values[i]);
		}
		g_string_append(out, "\r\n");
	} else {
		g_string_append(out, pr->rows ? ",\n  {" : "[\n  {");
		for (int i = 0; i < n; i++) {
			g_string_append_printf(out, "%s\"%s\": ", i ? ", " : "", names[i]);
			if (strcmp(names[i], "reasons") == 0) {
				g_auto(GStrv) codes = g_strsplit(values[i] ? values[i] : "", " ", -1);
				g_string_append_c(out, '[');
				for (int k = 0, first = 1; codes[k]; k++) {
					if (!*codes[k])
						continue;
					g_string_append(out, first ? "" : ", ");
					json_string(out, codes[k]);
					first = 0;
				}
				g_string_append_c(out, ']');
			} else if (!values[i]) {
				g_string_append(out, "null");
			} else if (numeric_column(names[i])) {
				g_string_append(out, values[i]);
			} else {
				json_string(out, values[i]);
			}
		}
		g_string_append_c(out, '}');
	}
	fputs(out->str, stdout);
	pr->rows++;
}

static void usage(void)
{
	fputs("usage: nomctl [-c FILE] export [--format json|csv]     nominees, with consent\n"
	      "       nomctl -c FILE messages [--format json|csv]   every message and its outcome\n"
	      "       nomctl -c FILE outbox [--format json|csv]     mail queued and sent\n"
	      "       nomctl -c FILE outbox retry ID|--failed       send a failed mail (or all) again\n"
	      "       nomctl -c FILE pairs [--format json|csv]      pairs, current and ended\n"
	      "       nomctl -c FILE pair --dry-run|--commit [--format table|json|csv]\n"
	      "                      [--pin MEMBER_EMAIL MENTOR_EMAIL]... [--forbid MEMBER_EMAIL MENTOR_EMAIL]...\n"
	      "       nomctl -c FILE withdraw EMAIL                 withdraw a nominee; a partner is told\n"
	      "       nomctl -c FILE event add --title T --start \"YYYY-MM-DD HH:MM\" --duration 2h\n"
	      "                      [--timezone Europe/London] (--online-url URL | --location TEXT)\n"
	      "                      --audience members|mentors|all [--capacity N] [--description TEXT]\n"
	      "       nomctl -c FILE event update ID [the same options]   invitees get the update\n"
	      "       nomctl -c FILE event cancel ID                invitees get a cancellation\n"
	      "       nomctl -c FILE event list [--format json|csv] events and their answers\n"
	      "       nomctl -c FILE digest --preview|--send        the staff digest, now\n"
	      "       nomctl -c FILE status [--format json|csv]     how nomd is doing\n"
	      "       nomctl -c FILE forget [--keep-mail] EMAIL     erase a person's data everywhere\n"
	      "       nomctl -c FILE reprocess MESSAGE_ID           apply a held message again\n"
	      "       nomctl templates export [--force] DIR         the built-in templates, to edit\n",
	      stderr);
}

struct pair_args {
	gboolean dry_run, commit;
	GPtrArray *pins, *forbids; /* of char *[2] */
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
		} else {
			fprintf(stderr, "nomctl: pair: unknown argument '%s'\n", argv[i]);
			return FALSE;
		}
	}
	if (a->dry_run == a->commit) {
		fputs("nomctl: pair needs exactly one of --dry-run and --commit\n", stderr);
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
static void print_plan(const struct nomd_config *cfg, const struct pairing_pool *pool, const struct pairing_plan *plan,
		       enum format format, gboolean table)
{
	if (table) {
		printf("%u pair(s) proposed\n", plan->pairs->len);
		for (guint i = 0; i < plan->pairs->len; i++) {
			const struct planned_pair *pp = &g_array_index(plan->pairs, struct planned_pair, i);
			g_autofree char *m = person_label(cfg, pool->members->pdata[pp->member]);
			g_autofree char *t = person_label(cfg, pool->mentors->pdata[pp->mentor]);
			g_autofree char *why = terminal_text(pp->why, FALSE);
			printf("\n  member  %s\n  mentor  %s\n  score   %d%s%s\n", m, t, pp->score, *why ? ": " : "", why);
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
	const char *names[] = { "kind", "member", "member_organisation", "mentor", "mentor_organisation", "score", "why" };
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
		const char *values[] = { "unpaired", u->is_mentor ? NULL : p->email, u->is_mentor ? NULL : p->organisation,
					 u->is_mentor ? p->email : NULL, u->is_mentor ? p->organisation : NULL, NULL, u->why };
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
	if (format == FMT_JSON)
		fputs(pr.rows ? "\n]\n" : "[]\n", stdout);
}

static int run_pair(const struct nomd_config *cfg, struct store *st, int argc, char **argv, const char *format)
{
	struct pair_args a = { .pins = g_ptr_array_new_with_free_func(free_couple),
			       .forbids = g_ptr_array_new_with_free_func(free_couple) };
	g_autoptr(GPtrArray) pins = a.pins, forbids = a.forbids;
	if (!parse_pair_args(argc, argv, &a)) {
		usage();
		return EX_USAGE;
	}
	gboolean table = !format || strcmp(format, "table") == 0;
	enum format fmt = format && strcmp(format, "csv") == 0 ? FMT_CSV : FMT_JSON;
	g_autoptr(GError) error = NULL;
	g_autoptr(reply_templates) t = NULL;
	if (a.commit && !reply_templates_load(cfg->templates, &t, &error)) {
		fprintf(stderr, "nomctl: %s\n", error->message);
		return EX_CONFIG;
	}
	/* With --commit the plan is made and recorded in one transaction, so
	 * nobody withdraws in between. */
	if (a.commit && !store_begin(st, &error)) {
		fprintf(stderr, "nomctl: %s\n", error->message);
		return EX_TEMPFAIL;
	}
	g_autoptr(pairing_pool) pool = NULL;
	struct pairing_rules rules;
	people_pairing_rules(cfg, &rules);
	rules.pins = pins;
	rules.forbids = forbids;
	guint notices = 0;
	if (!people_pairing_pool(cfg, st, &pool, &error)) {
		store_rollback(st);
		fprintf(stderr, "nomctl: %s\n", error->message);
		return EX_SOFTWARE;
	}
	g_autoptr(pairing_plan) plan =
		pairing_make_plan(&rules, (const struct pair_person *)(void *)pool->member_view->data, pool->member_view->len,
				  (const struct pair_person *)(void *)pool->mentor_view->data, pool->mentor_view->len);
	if (a.commit && (!people_commit_plan(cfg, t, st, pool, plan, &notices, &error) || !store_commit(st, &error))) {
		store_rollback(st);
		fprintf(stderr, "nomctl: pairs not recorded: %s\n", error->message);
		return EX_SOFTWARE;
	}
	print_plan(cfg, pool, plan, fmt, table);
	if (a.commit)
		fprintf(stderr, "nomctl: %u pair(s) recorded; %u notice(s) queued for nomd to send\n", plan->pairs->len,
			notices);
	return EX_OK;
}

static int run_withdraw(const struct nomd_config *cfg, struct store *st, const char *email)
{
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
	if (!people_withdraw(cfg, t, st, email, "withdrawn by the programme team", &found, &error)) {
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
static int run_retry(struct store *st, const char *arg)
{
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

static gboolean each_pair(struct store *st, store_row_fn fn, void *ctx, GError **error)
{
	return store_each_pair(st, FALSE, fn, ctx, error);
}

static int run_listing(struct store *st, const char *command, const char *format)
{
	gboolean (*each)(struct store *, store_row_fn, void *, GError **) =
		strcmp(command, "export") == 0	   ? store_each_nominee
		: strcmp(command, "messages") == 0 ? store_each_message
		: strcmp(command, "outbox") == 0   ? store_each_outbox
						   : each_pair;
	struct printer pr = { .format = format && strcmp(format, "csv") == 0 ? FMT_CSV : FMT_JSON };
	g_autoptr(GError) error = NULL;
	if (!each(st, print_row, &pr, &error)) {
		fprintf(stderr, "nomctl: %s\n", error->message);
		return EX_SOFTWARE;
	}
	if (pr.format == FMT_JSON)
		fputs(pr.rows ? "\n]\n" : "[]\n", stdout);
	return EX_OK;
}

/* Which commands take which arguments. */
static gboolean command_shape_ok(const char *command, int nargs, char **args)
{
	if (strcmp(command, "export") == 0 || strcmp(command, "messages") == 0 || strcmp(command, "pairs") == 0)
		return nargs == 0;
	if (strcmp(command, "outbox") == 0)
		return nargs == 0 || (nargs == 2 && strcmp(args[0], "retry") == 0);
	if (strcmp(command, "withdraw") == 0 || strcmp(command, "forget") == 0 || strcmp(command, "reprocess") == 0)
		return nargs == 1;
	if (strcmp(command, "status") == 0)
		return nargs == 0;
	return strcmp(command, "pair") == 0 || strcmp(command, "event") == 0 || strcmp(command, "digest") == 0 ||
	       strcmp(command, "templates") == 0;
}

int main(int argc, char **argv)
{
	g_autofree char *config_path = NULL;
	g_autofree char *format = NULL;
	gboolean keep_mail = FALSE;
	GOptionEntry entries[] = {
		{ "config", 'c', 0, G_OPTION_ARG_FILENAME, &config_path, "Configuration file", "FILE" },
		{ "format", 'f', 0, G_OPTION_ARG_STRING, &format, "Output format: json (default; pair: table) or csv",
		  "FORMAT" },
		{ "keep-mail", 0, 0, G_OPTION_ARG_NONE, &keep_mail, "forget: leave the messages on the server", NULL },
		{ NULL, 0, 0, 0, NULL, NULL, NULL },
	};
	g_autoptr(GOptionContext) ctx = g_option_context_new("COMMAND - nomd staff tool");
	g_option_context_add_main_entries(ctx, entries, NULL);
	g_option_context_set_summary(ctx, "Commands: export, messages, outbox, pairs, pair, withdraw, event, digest, status, forget, reprocess, templates");
	/* pair's own flags (--pin A B) are read below. */
	g_option_context_set_ignore_unknown_options(ctx, TRUE);
	g_autoptr(GError) error = NULL;
	if (g_option_context_parse(ctx, &argc, &argv, &error) && !config_path)
		config_path = g_strdup(NOMD_CONFIG);
	if (error || argc < 2 ||
	    !command_shape_ok(argv[1], argc - 2, argv + 2)) {
		if (error)
			fprintf(stderr, "nomctl: %s\n", error->message);
		else if (argc >= 2)
			fprintf(stderr, "nomctl: unknown command or arguments: %s\n", argv[1]);
		usage();
		return EX_USAGE;
	}
	if (format && strcmp(format, "csv") != 0 && strcmp(format, "json") != 0 &&
	    !(strcmp(format, "table") == 0 && strcmp(argv[1], "pair") == 0)) {
		fprintf(stderr, "nomctl: unknown format '%s'\n", format);
		return EX_USAGE;
	}
	const char *command = argv[1];
	if (strcmp(command, "templates") == 0)
		return nomctl_templates(argc - 2, argv + 2);
	g_autoptr(nomd_config) cfg = NULL;
	if (!config_load(config_path, &cfg, &error)) {
		fprintf(stderr, "%s\n", error->message);
		return EX_CONFIG;
	}
	struct store *st = NULL;
	if (!store_open(cfg->database, &st, &error)) {
		fprintf(stderr, "nomctl: %s\n", error->message);
		return EX_UNAVAILABLE;
	}
	int rc;
	if (strcmp(command, "outbox") == 0 && argc == 4)
		rc = run_retry(st, argv[3]);
	else if (strcmp(command, "pair") == 0)
		rc = run_pair(cfg, st, argc - 2, argv + 2, format);
	else if (strcmp(command, "withdraw") == 0)
		rc = run_withdraw(cfg, st, argv[2]);
	else if (strcmp(command, "status") == 0)
		rc = nomctl_status(cfg, st, format);
	else if (strcmp(command, "forget") == 0)
		rc = nomctl_forget(cfg, st, argv[2], keep_mail);
	else if (strcmp(command, "reprocess") == 0)
		rc = nomctl_reprocess(cfg, st, argv[2]);
	else if (strcmp(command, "event") == 0)
		rc = nomctl_event(cfg, st, argc - 2, argv + 2, format);
	else if (strcmp(command, "digest") == 0)
		rc = nomctl_digest(cfg, &st, argc - 2, argv + 2);
	else
		rc = run_listing(st, command, format);
	store_close(st);
	return rc;
}
