/* nomctl_admin: `nomctl status`, `nomctl forget EMAIL`, `nomctl
 * reprocess MESSAGE_ID` and `nomctl templates export DIR`: how nomd is
 * doing, a data-subject erasure, a held message applied again once staff
 * fixed its cause, and the built-in templates for staff to edit. */
#include <stdio.h>
#include <string.h>
#include <sysexits.h>

#include "clock.h"
#include "imap.h"
#include "nomctl.h"
#include "schedule.h"
#include "template.h"
#include "util.h"
#include "version.h"

struct status_line {
	const char *name;
	char *value;
};

static void add(GPtrArray *lines, const char *name, char *value)
{
	struct status_line *l = g_new0(struct status_line, 1);
	l->name = name;
	l->value = value;
	g_ptr_array_add(lines, l);
}

static void free_line(gpointer p)
{
	struct status_line *l = p;
	g_free(l->value);
	g_free(l);
}

static void keep_outcome(void *data, int n, const char *const *names, const char *const *values)
{
	GString *s = data;
	g_string_append_printf(s, "%s%s %s", s->len ? ", " : "", values[1], values[0]);
}

int nomctl_status(const struct nomctl_run *r)
{
	const struct nomd_config *cfg = r->cfg;
	struct store *st = *r->st;
	const char *format = r->format;
	g_autoptr(GPtrArray) lines = g_ptr_array_new_with_free_func(free_line);
	/* This nomctl's version; the daemon's is what it wrote, below. */
	add(lines, "version", g_strdup(nomd_version));
	/* What the daemon last wrote about itself (see daemon.c). */
	g_autofree char *path = g_strconcat(cfg->database, ".status", NULL);
	g_autoptr(GKeyFile) kf = g_key_file_new();
	if (g_key_file_load_from_file(kf, path, G_KEY_FILE_NONE, NULL)) {
		gint64 pid = g_key_file_get_int64(kf, "nomd", "pid", NULL);
		g_autofree char *state = g_key_file_get_string(kf, "nomd", "state", NULL);
		g_autofree char *mode = g_key_file_get_string(kf, "nomd", "mode", NULL);
		if (g_strcmp0(mode, "once") == 0) {
			/* Written by nomd --once (cron): no daemon, the last run. */
			add(lines, "daemon",
			    g_strdup_printf("not running; last run by nomd --once (pid %" G_GINT64_FORMAT ")", pid));
			add(lines, "state", g_strdup(state ? state : "-"));
		} else {
			gboolean alive = pid_alive(pid);
			add(lines, "daemon",
			    g_strdup_printf("%s (pid %" G_GINT64_FORMAT ")", alive ? "running" : "not running", pid));
			add(lines, "state", g_strdup(alive ? state : "stopped"));
		}
		char *version = g_key_file_get_string(kf, "nomd", "version", NULL);
		add(lines, "daemon_version", version ? version : g_strdup("-"));
		/* delivery_error: why the outbox is on hold (the SMTP server
		 * unreachable, the login refused), or why sending failed. */
		const char *keys[] = { "since", "last_poll", "last_error", "delivery_error", "backlog" };
		for (size_t i = 0; i < G_N_ELEMENTS(keys); i++) {
			char *v = g_key_file_get_string(kf, "nomd", keys[i], NULL);
			add(lines, keys[i],
			    v && *v ? v : (g_free(v), g_strdup(strcmp(keys[i], "backlog") == 0 ? "0" : "-")));
		}
	} else {
		add(lines, "daemon", g_strdup("no status yet: nomd has not run with this database"));
	}
	gint64 pending = 0, failed = 0;
	g_autofree char *oldest = NULL;
	store_outbox_counts(st, &pending, &failed, &oldest);
	add(lines, "outbox_pending", g_strdup_printf("%" G_GINT64_FORMAT, pending));
	add(lines, "outbox_failed", g_strdup_printf("%" G_GINT64_FORMAT, failed));
	add(lines, "outbox_oldest_pending", g_strdup(oldest ? oldest : "-"));
	g_autoptr(GError) error = NULL;
	gint64 mark = 0;
	g_autofree char *last = NULL;
	if (!store_last_digest(st, &mark, &last, &error)) {
		fprintf(stderr, "nomctl: %s\n", error->message);
		return EX_SOFTWARE;
	}
	add(lines, "last_digest", g_strdup(last ? last : "-"));
	g_autoptr(schedule) s = NULL;
	if (schedule_parse(cfg->digest, cfg->timezone, &s, NULL) && s) {
		g_autoptr(GDateTime) next = g_date_time_new_from_unix_utc(schedule_next_due(s, clock_now()));
		add(lines, "next_digest", g_date_time_format(next, "%Y-%m-%dT%H:%M:%SZ"));
	} else {
		add(lines, "next_digest", g_strdup("off"));
	}
	g_autoptr(GString) outcomes = g_string_new(NULL);
	if (!store_report(st, REPORT_OUTCOMES, 0, keep_outcome, outcomes, &error)) {
		fprintf(stderr, "nomctl: %s\n", error->message);
		return EX_SOFTWARE;
	}
	add(lines, "messages", g_strdup(outcomes->len ? outcomes->str : "none yet"));

	if (format && (strcmp(format, "json") == 0 || strcmp(format, "csv") == 0)) {
		struct printer pr = { .format = print_format(format) };
		g_autofree const char **names = g_new0(const char *, lines->len);
		g_autofree const char **values = g_new0(const char *, lines->len);
		for (guint i = 0; i < lines->len; i++) {
			const struct status_line *l = lines->pdata[i];
			names[i] = l->name;
			values[i] = l->value;
		}
		print_row(&pr, (int)lines->len, names, values);
		return print_end(&pr) ? EX_OK : EX_CANTCREAT;
	}
	for (guint i = 0; i < lines->len; i++) {
		const struct status_line *l = lines->pdata[i];
		g_autofree char *value = terminal_text(l->value, FALSE);
		printf("%-22s %s\n", l->name, value);
	}
	return EX_OK;
}

/* Remove from the folders nomd files mail into every message with one of
 * these Message-IDs; *removed counts them. */
static gboolean remove_originals(const struct nomd_config *cfg, const GPtrArray *ids, guint *removed, GError **error)
{
	*removed = 0;
	g_autoptr(imap_conn) imap = NULL;
	if (!imap_open(cfg, &imap, error))
		return FALSE;
	const char *folders[] = { cfg->imap.processed, cfg->imap.rejected, cfg->imap.held, cfg->imap.ignored };
	for (size_t f = 0; f < G_N_ELEMENTS(folders); f++) {
		gboolean seen = FALSE;
		for (size_t g = 0; g < f; g++)
			seen = seen || g_strcmp0(folders[g], folders[f]) == 0;
		if (!folders[f] || seen)
			continue;
		guint32 validity = 0, exists = 0;
		g_autoptr(GArray) uids = g_array_new(FALSE, FALSE, sizeof(guint32));
		if (!imap_ensure_mailbox(imap, folders[f], error) ||
		    !imap_select(imap, folders[f], &validity, &exists, error))
			return FALSE;
		for (guint i = 0; i < ids->len; i++) {
			g_autoptr(GArray) found = NULL;
			if (!msgid_valid(ids->pdata[i]))
				continue;
			if (!imap_search_message_id(imap, ids->pdata[i], &found, error))
				return FALSE;
			g_array_append_vals(uids, found->data, found->len);
		}
		if (!imap_delete(imap, (const guint32 *)(void *)uids->data, uids->len, error))
			return FALSE;
		*removed += uids->len;
	}
	return TRUE;
}

int nomctl_forget(const struct nomctl_run *r)
{
	const struct nomd_config *cfg = r->cfg;
	struct store *st = *r->st;
	const char *email = r->argv[0];
	gboolean keep_mail = r->keep_mail;
	if (!email_valid(email)) {
		fprintf(stderr, "nomctl: '%s' is not an email address\n", email);
		return EX_USAGE;
	}
	g_autoptr(GError) error = NULL;
	/* The server first: once the database forgets, nothing links the
	 * person to their messages, and a failure here can be run again. */
	g_autoptr(GPtrArray) ids = NULL;
	guint removed = 0;
	if (!store_forget_message_ids(st, email, &ids, &error)) {
		fprintf(stderr, "nomctl: %s\n", error->message);
		return EX_SOFTWARE;
	}
	if (!keep_mail && ids->len > 0 && !remove_originals(cfg, ids, &removed, &error)) {
		fprintf(stderr,
			"nomctl: the messages naming them could not be removed from the server, so nothing"
			" was erased: %s\n(run it again, or with --keep-mail to leave the messages there)\n",
			error->message);
		return EX_UNAVAILABLE;
	}
	struct erasure e;
	if (!store_forget(st, email, &e, &error)) {
		fprintf(stderr, "nomctl: %s\n", error->message);
		return store_error_is_environment(error) ? EX_TEMPFAIL : EX_SOFTWARE;
	}
	/* Said once here; the database keeps only the counts. */
	printf("erased: %d nominee record(s), %d mail(s), %d message record(s)\n", e.nominees, e.mails, e.messages);
	if (keep_mail)
		printf("kept on the server: %u message(s) naming them (--keep-mail)\n", ids->len);
	else
		printf("removed from the server: %u message(s)\n", removed);
	return EX_OK;
}

int nomctl_reprocess(const struct nomctl_run *r)
{
	const struct nomd_config *cfg = r->cfg;
	struct store *st = *r->st;
	const char *message_id = r->argv[0];
	g_autofree char *id = g_strdup(message_id);
	if (*id == '<' && g_str_has_suffix(id, ">")) {
		memmove(id, id + 1, strlen(id));
		id[strlen(id) - 1] = '\0';
	}
	if (!msgid_valid(id)) {
		fprintf(stderr, "nomctl: '%s' is not a Message-ID\n", message_id);
		return EX_USAGE;
	}
	g_autoptr(GError) error = NULL;
	g_autoptr(imap_conn) imap = NULL;
	guint32 validity = 0, exists = 0;
	g_autoptr(GArray) uids = NULL;
	if (!imap_open(cfg, &imap, &error) || !imap_select(imap, cfg->imap.held, &validity, &exists, &error) ||
	    !imap_search_message_id(imap, id, &uids, &error)) {
		fprintf(stderr, "nomctl: %s\n", error->message);
		return EX_UNAVAILABLE;
	}
	if (uids->len == 0) {
		fprintf(stderr, "nomctl: no message <%s> in %s\n", id, cfg->imap.held);
		return EX_DATAERR;
	}
	/* The record changes and the message moves together: nomd cannot
	 * record it (that needs the write lock) while it is being moved. */
	gboolean found = FALSE;
	if (!store_begin(st, &error) || !store_release_held(st, id, &found, &error)) {
		store_rollback(st);
		fprintf(stderr, "nomctl: %s\n", error->message);
		return EX_SOFTWARE;
	}
	if (!found) {
		store_rollback(st);
		fprintf(stderr, "nomctl: <%s> is not recorded as held\n", id);
		return EX_DATAERR;
	}
	if (!imap_move(imap, (const guint32 *)(void *)uids->data, uids->len, cfg->imap.inbox, &error)) {
		store_rollback(st);
		fprintf(stderr, "nomctl: %s\n", error->message);
		return EX_UNAVAILABLE;
	}
	if (!store_commit(st, &error)) {
		fprintf(stderr, "nomctl: moved to %s, but the record was not released: %s\n", cfg->imap.inbox,
			error->message);
		return EX_SOFTWARE;
	}
	printf("<%s> moved from %s to %s; nomd applies it again on its next pass\n", id, cfg->imap.held,
	       cfg->imap.inbox);
	return EX_OK;
}

/* nomctl templates export [--force] DIR: the built-in templates, for
 * staff to edit and name as `templates`. Needs no configuration. */
int nomctl_templates_export(const struct nomctl_run *r)
{
	const char *dir = NULL;
	gboolean force = FALSE;
	gboolean ok = TRUE;
	for (int i = 0; ok && i < r->argc; i++) {
		if (strcmp(r->argv[i], "--force") == 0)
			force = TRUE;
		else if (!dir && r->argv[i][0] != '-')
			dir = r->argv[i];
		else
			ok = FALSE;
	}
	if (!ok || !dir) {
		fputs("nomctl: usage: nomctl templates export [--force] DIR\n", stderr);
		return EX_USAGE;
	}
	g_autoptr(GError) error = NULL;
	guint written = 0;
	if (!template_export(dir, force, &written, &error)) {
		fprintf(stderr, "nomctl: templates: %s\n", error->message);
		return g_error_matches(error, G_FILE_ERROR, G_FILE_ERROR_EXIST) ? EX_CANTCREAT : EX_IOERR;
	}
	printf("%u templates written to %s\n", written, dir);
	return EX_OK;
}
