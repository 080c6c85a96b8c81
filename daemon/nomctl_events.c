/* nomctl_events: `nomctl event ...` and `nomctl digest ...`. Events are
 * recorded here; the invitations they cause are queued at once (and by
 * every nomd pass) and sent by nomd. */
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <sysexits.h>

#include "../parsers/ical.h"
#include "clock.h"
#include "deliver.h"
#include "digest.h"
#include "events.h"
#include "listing.h"
#include "nomctl.h"
#include "reply.h"
#include "schedule.h"
#include "util.h"

struct event_args {
	char *title, *start, *duration, *timezone, *online_url, *location, *audience, *capacity, *description;
	char *topic, *presenters;
};

static void event_args_clear(struct event_args *a)
{
	char **all[] = { &a->title,    &a->start,    &a->duration,    &a->timezone, &a->online_url, &a->location,
			 &a->audience, &a->capacity, &a->description, &a->topic,    &a->presenters };
	for (size_t i = 0; i < G_N_ELEMENTS(all); i++)
		g_clear_pointer(all[i], g_free);
}

static gboolean parse_event_args(int argc, char **argv, struct event_args *a)
{
	static const char *const names[] = { "--title",	      "--start",    "--duration",  "--timezone",
					     "--online-url",  "--location", "--audience",  "--capacity",
					     "--description", "--topic",    "--presenters" };
	char **slots[] = { &a->title,	 &a->start,    &a->duration,	&a->timezone, &a->online_url, &a->location,
			   &a->audience, &a->capacity, &a->description, &a->topic,    &a->presenters };
	for (int i = 0; i < argc; i++) {
		size_t k = 0;
		while (k < G_N_ELEMENTS(names) && strcmp(argv[i], names[k]) != 0)
			k++;
		if (k == G_N_ELEMENTS(names) || i + 1 >= argc) {
			fprintf(stderr, "nomctl: event: %s '%s'\n",
				k == G_N_ELEMENTS(names) ? "unknown argument" : "no value for", argv[i]);
			return FALSE;
		}
		if (strpbrk(argv[i + 1], "\r") || (k != 8 && strchr(argv[i + 1], '\n'))) {
			fprintf(stderr, "nomctl: event: %s must be one line\n", names[k]);
			return FALSE;
		}
		g_free(*slots[k]);
		*slots[k] = g_strdup(argv[++i]);
	}
	return TRUE;
}

/* An event lasts from five minutes to a week. */
#define EVENT_DURATION_MIN (5 * 60)
#define EVENT_DURATION_MAX (7 * 86400)

/* "2027-01-20 10:00" (or with T, and seconds) in `tzid`: seconds since the epoch, or -1. */
static gint64 parse_start(const char *v, const char *tzid)
{
	g_autoptr(GTimeZone) tz = g_time_zone_new_identifier(tzid);
	if (!tz)
		return -1;
	g_autofree char *iso = g_strdup(v);
	g_strstrip(iso);
	if (strlen(iso) > 10 && iso[10] == ' ')
		iso[10] = 'T';
	if (strlen(iso) == 16) {
		char *with_seconds = g_strconcat(iso, ":00", NULL);
		g_free(iso);
		iso = with_seconds;
	}
	g_autoptr(GDateTime) t = g_date_time_new_from_iso8601(iso, tz);
	return t ? g_date_time_to_unix(t) : -1;
}

/* The stored audience (a stored role name and "s", or "all") a word
 * staff type names, in the programme's own words; NULL, said why, for
 * none. */
static char *audience_named(const struct nomd_config *cfg, const char *word)
{
	if (g_ascii_strcasecmp(word, "all") == 0)
		return g_strdup("all");
	int role = config_role_named(cfg, word);
	if (role >= 0)
		return g_strconcat(config_stored_role(role), "s", NULL);
	g_autoptr(GString) words = g_string_new(NULL);
	for (int i = 0; i < cfg->n_roles; i++) {
		g_autofree char *w = config_role_word(cfg, i, TRUE);
		g_string_append_printf(words, "%s, ", w);
	}
	g_autofree char *shown = terminal_text(word, FALSE);
	fprintf(stderr, "nomctl: event: --audience '%s' is none of %sall\n", shown, words->str);
	return NULL;
}

/* Fill `e` from the arguments given; FALSE (said why) when one is wrong. */
static gboolean apply_args(const struct nomd_config *cfg, const struct event_args *a, struct event_record *e)
{
	if (a->title) {
		g_free(e->title);
		e->title = g_strdup(a->title);
	}
	if (a->timezone) {
		g_autoptr(GTimeZone) tz = g_time_zone_new_identifier(a->timezone);
		if (!tz || !ical_zone_known(a->timezone)) {
			fprintf(stderr, "nomctl: event: unknown time zone '%s' (such as Europe/London)\n", a->timezone);
			return FALSE;
		}
		g_free(e->timezone);
		e->timezone = g_strdup(a->timezone);
	}
	if (a->start) {
		gint64 t = parse_start(a->start, e->timezone);
		if (t < 0) {
			fprintf(stderr, "nomctl: event: --start '%s' is not \"YYYY-MM-DD HH:MM\"\n", a->start);
			return FALSE;
		}
		e->starts_at = t;
	}
	if (a->duration) {
		gint64 d = duration_parse(a->duration);
		if (d < EVENT_DURATION_MIN || d > EVENT_DURATION_MAX) {
			fprintf(stderr,
				"nomctl: event: --duration '%s' is not a length from 5m to 7d with its unit, such as "
				"2h, 90m "
				"or 1h30m\n",
				a->duration);
			return FALSE;
		}
		e->duration = (int)d;
	}
	if (a->online_url) {
		if (!g_str_has_prefix(a->online_url, "https://") && !g_str_has_prefix(a->online_url, "http://")) {
			fprintf(stderr, "nomctl: event: --online-url must start with https:// or http://\n");
			return FALSE;
		}
		g_free(e->online_url);
		e->online_url = g_strdup(a->online_url);
	}
	if (a->location) {
		g_free(e->location);
		e->location = *a->location ? g_strdup(a->location) : NULL;
	}
	/* "" clears a text that may be left out. */
	struct {
		const char *given;
		char **slot;
	} optional[] = { { a->description, &e->description },
			 { a->topic, &e->topic },
			 { a->presenters, &e->presenters } };
	for (size_t i = 0; i < G_N_ELEMENTS(optional); i++)
		if (optional[i].given) {
			g_free(*optional[i].slot);
			*optional[i].slot = *optional[i].given ? g_strdup(optional[i].given) : NULL;
		}
	if (a->audience) {
		char *stored = audience_named(cfg, a->audience);
		if (!stored)
			return FALSE;
		g_free(e->audience);
		e->audience = stored;
	}
	if (a->capacity) {
		char *end = NULL;
		gint64 n = g_ascii_strtoll(a->capacity, &end, 10);
		if (!end || *end || n < 0 || n > 100000) {
			fprintf(stderr, "nomctl: event: --capacity must be a number (0: no limit)\n");
			return FALSE;
		}
		e->capacity = (int)n;
	}
	return TRUE;
}

/* Queue what the change causes; say how much. */
static int queue_now(const struct nomd_config *cfg, struct store *st, const char *what)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(reply_templates) t = NULL;
	guint queued = 0;
	if (!reply_templates_load(cfg->templates, &t, &error) ||
	    !events_schedule(cfg, st, clock_now(), &queued, &error)) {
		fprintf(stderr, "nomctl: %s, but the invitations were not queued: %s\n", what, error->message);
		return EX_SOFTWARE;
	}
	fprintf(stderr, "nomctl: %s; %u mail(s) queued for nomd to send\n", what, queued);
	return EX_OK;
}

static char *new_uid(const struct nomd_config *cfg)
{
	guint8 b[8];
	if (getrandom(b, sizeof b, 0) != (ssize_t)sizeof b)
		for (size_t i = 0; i < sizeof b; i++)
			b[i] = (guint8)g_random_int();
	return g_strdup_printf("nomd-%02x%02x%02x%02x%02x%02x%02x%02x@%s", b[0], b[1], b[2], b[3], b[4], b[5], b[6],
			       b[7], cfg->smtp.from_domain);
}

static gint64 parse_id(const char *v)
{
	char *end = NULL;
	gint64 id = v ? g_ascii_strtoll(v, &end, 10) : 0;
	return end && !*end && id > 0 ? id : 0;
}

static int event_add(const struct nomd_config *cfg, struct store *st, const struct event_args *a)
{
	if (!a->title || !a->start || !a->duration || !a->audience || (!a->online_url && !a->location)) {
		fputs("nomctl: event add needs --title, --start, --duration, --audience and --online-url or "
		      "--location\n",
		      stderr);
		return EX_USAGE;
	}
	g_autoptr(event_record) e = g_new0(struct event_record, 1);
	e->timezone = g_strdup("Europe/London");
	if (!apply_args(cfg, a, e))
		return EX_USAGE;
	if (e->starts_at <= clock_now()) {
		fputs("nomctl: event: the start is in the past\n", stderr);
		return EX_USAGE;
	}
	e->uid = new_uid(cfg);
	g_autoptr(GError) error = NULL;
	if (!store_add_event(st, e, &e->id, &error)) {
		fprintf(stderr, "nomctl: %s\n", error->message);
		return EX_SOFTWARE;
	}
	printf("%" G_GINT64_FORMAT "\n", e->id);
	g_autofree char *what = g_strdup_printf("event %" G_GINT64_FORMAT " added", e->id);
	return queue_now(cfg, st, what);
}

static int event_change(const struct nomd_config *cfg, struct store *st, gint64 id, const struct event_args *a,
			gboolean cancel)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(event_record) e = NULL;
	if (!store_event_by_id(st, id, &e, &error)) {
		fprintf(stderr, "nomctl: %s\n", error->message);
		return EX_SOFTWARE;
	}
	if (!e || strcmp(e->status, "active") != 0) {
		fprintf(stderr, "nomctl: no active event %" G_GINT64_FORMAT "\n", id);
		return EX_DATAERR;
	}
	gboolean changed = TRUE;
	if (cancel) {
		if (!store_cancel_event(st, id, &changed, &error)) {
			fprintf(stderr, "nomctl: %s\n", error->message);
			return EX_SOFTWARE;
		}
	} else {
		if (!apply_args(cfg, a, e))
			return EX_USAGE;
		if (!store_update_event(st, e, &error)) {
			fprintf(stderr, "nomctl: %s\n", error->message);
			return EX_SOFTWARE;
		}
	}
	g_autofree char *what = g_strdup_printf("event %" G_GINT64_FORMAT " %s", id, cancel ? "cancelled" : "updated");
	return queue_now(cfg, st, what);
}

/* update and cancel name the event first. */
static gint64 event_id(const struct nomctl_run *r, const char *sub)
{
	gint64 id = parse_id(r->argv[0]);
	if (!id)
		fprintf(stderr, "nomctl: event %s needs an event id\n", sub);
	return id;
}

int nomctl_event_add(const struct nomctl_run *r)
{
	struct event_args a = { 0 };
	int rc = parse_event_args(r->argc, r->argv, &a) ? event_add(r->cfg, *r->st, &a) : EX_USAGE;
	event_args_clear(&a);
	return rc;
}

int nomctl_event_update(const struct nomctl_run *r)
{
	gint64 id = event_id(r, "update");
	if (!id)
		return EX_USAGE;
	struct event_args a = { 0 };
	int rc =
		parse_event_args(r->argc - 1, r->argv + 1, &a) ? event_change(r->cfg, *r->st, id, &a, FALSE) : EX_USAGE;
	event_args_clear(&a);
	return rc;
}

int nomctl_event_cancel(const struct nomctl_run *r)
{
	gint64 id = event_id(r, "cancel");
	const struct event_args none = { 0 };
	return id ? event_change(r->cfg, *r->st, id, &none, TRUE) : EX_USAGE;
}

int nomctl_event_list(const struct nomctl_run *r)
{
	g_autoptr(GError) error = NULL;
	struct printer pr = nomctl_printer(r, "Events");
	if (!listing_each_event(*r->st, print_row, &pr, &error)) {
		fprintf(stderr, "nomctl: %s\n", error->message);
		return EX_SOFTWARE;
	}
	return nomctl_print_end(&pr);
}

int nomctl_digest(const struct nomctl_run *r)
{
	const struct nomd_config *cfg = r->cfg;
	struct store **st = r->st;
	int argc = r->argc;
	char **argv = r->argv;
	gboolean preview = argc == 1 && strcmp(argv[0], "--preview") == 0;
	gboolean send = argc == 1 && strcmp(argv[0], "--send") == 0;
	if (!preview && !send) {
		fputs("nomctl: digest needs --preview or --send\n", stderr);
		return EX_USAGE;
	}
	g_autoptr(GError) error = NULL;
	g_autoptr(reply_templates) t = NULL;
	if (!reply_templates_load(cfg->templates, &t, &error)) {
		fprintf(stderr, "nomctl: %s\n", error->message);
		return EX_CONFIG;
	}
	if (preview) {
		g_autoptr(digest) d = NULL;
		if (!digest_build(cfg, *st, clock_now(), &d, &error)) {
			fprintf(stderr, "nomctl: %s\n", error->message);
			return EX_SOFTWARE;
		}
		g_autofree char *subject = terminal_text(d->subject, FALSE);
		g_autofree char *text = terminal_text(d->text, TRUE);
		printf("Subject: %s\n\n%s", subject, text);
		return EX_OK;
	}
	gboolean queued = FALSE;
	if (!digest_run(cfg, *st, clock_now(), TRUE, &queued, &error)) {
		fprintf(stderr, "nomctl: %s\n", error->message);
		return EX_SOFTWARE;
	}
	/* Sent now, not at nomd's next pass. */
	struct deliver_stats out = { 0 };
	if (!deliver_isolated(cfg, t, st, DELIVER_PATIENCE_SHORT, &out, &error)) {
		fprintf(stderr, "nomctl: digest queued; sending failed: %s\n", error->message);
		return EX_TEMPFAIL;
	}
	if (out.held[0]) {
		fprintf(stderr, "nomctl: digest queued; nothing sent now: %s\n", out.held);
		return EX_TEMPFAIL;
	}
	fprintf(stderr, "nomctl: digest sent to %u staff address(es) (%d sent, %d deferred, %d failed)\n",
		cfg->staff->len, out.sent, out.deferred, out.failed);
	return out.deferred || out.failed ? EX_TEMPFAIL : EX_OK;
}
