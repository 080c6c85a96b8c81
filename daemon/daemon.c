/* daemon: the main loop and its connection states. */
#include "daemon.h"

#include <sysexits.h>
#include <unistd.h>

#include "clock.h"
#include "consent.h"
#include "deliver.h"
#include "digest.h"
#include "events.h"
#include "imap.h"
#include "ingest.h"
#include "log.h"
#include "mentoring.h"
#include "notify.h"
#include "people.h"
#include "round.h"
#include "schedule.h"
#include "util.h"
#include "version.h"

#define BACKOFF_MIN_MS 1000
#define BACKOFF_MAX_MS (5 * 60 * 1000)
#define AUTH_BACKOFF_MIN_MS (60 * 1000)
#define RETRY_FAILED_SECONDS 30
/* A database that failed for its surroundings (disk full, made read-only)
 * is tried again at least this often: staff fix those in minutes. */
#define STORE_RETRY_MAX_MS (30 * 1000)
#define DELIVERY_RETRY_MIN_S 2
#define DELIVERY_RETRY_MAX_S 60

enum state { ST_CONNECT, ST_SYNC, ST_WAIT, ST_BACKOFF };

static const char *const state_names[] = { "connect", "sync", "wait", "backoff" };

struct loop {
	const char *config_path;
	struct nomd_config **cfg;
	struct reply_templates **templates;
	struct store **st;
	const struct daemon_flags *flags;
	struct imap_conn *imap;
	struct ingest ing;
	enum state state;
	gboolean full;		       /* next sync looks at the whole inbox */
	int failures;		       /* consecutive, for the backoff */
	int backoff_floor;	       /* ms; raised after a refused login */
	gboolean store_trouble;	       /* the last failure was the database's */
	char *last_error;	       /* to log a repeated failure only once */
	char *delivery_error;	       /* the same for delivery; also in the status file */
	int delivery_failures;	       /* consecutive */
	gint64 delivery_retry_at;      /* monotonic seconds; no delivery before */
	struct deliver_job *sender;    /* sending beside the current pass, or NULL */
	gint64 state_since, last_sync; /* seconds since the epoch */
};

/* <database>.status, for `nomctl status`: written whole and renamed.
 * `mode` is "daemon" or "once" (a run of nomd --once, from cron). */
static void status_save(const struct nomd_config *cfg, const char *mode, const char *state, gint64 since,
			gint64 last_poll, const char *last_error, const char *delivery_error, int backlog)
{
	g_autoptr(GKeyFile) kf = g_key_file_new();
	g_autofree char *since_text = utc_iso(since);
	g_autofree char *poll = last_poll ? utc_iso(last_poll) : g_strdup("");
	g_key_file_set_int64(kf, "nomd", "pid", getpid());
	g_key_file_set_string(kf, "nomd", "version", nomd_version);
	g_key_file_set_string(kf, "nomd", "mode", mode);
	g_key_file_set_string(kf, "nomd", "state", state);
	g_key_file_set_string(kf, "nomd", "since", since_text);
	g_key_file_set_string(kf, "nomd", "last_poll", poll);
	g_key_file_set_string(kf, "nomd", "last_error", last_error ? last_error : "");
	g_key_file_set_string(kf, "nomd", "delivery_error", delivery_error ? delivery_error : "");
	g_key_file_set_integer(kf, "nomd", "backlog", backlog);
	g_autofree char *path = g_strconcat(cfg->database, ".status", NULL);
	g_autoptr(GError) error = NULL;
	if (!g_key_file_save_to_file(kf, path, &error))
		log_debug("status file: %s", error->message);
}

static void write_status(struct loop *l)
{
	status_save(*l->cfg, "daemon", state_names[l->state], l->state_since, l->last_sync, l->last_error,
		    l->delivery_error, l->ing.waiting);
}

/* After a run of nomd --once: what it did, unless a running daemon owns
 * the file (its picture is the one that matters). A failed run keeps the
 * time of the last poll that worked. */
static void write_once_status(const struct nomd_config *cfg, gint64 started, gboolean polled, int rc,
			      const char *last_error, const char *delivery_error, int backlog)
{
	g_autofree char *path = g_strconcat(cfg->database, ".status", NULL);
	g_autoptr(GKeyFile) old = g_key_file_new();
	gint64 last_poll = polled ? g_get_real_time() / G_USEC_PER_SEC : 0;
	if (g_key_file_load_from_file(old, path, G_KEY_FILE_NONE, NULL)) {
		g_autofree char *mode = g_key_file_get_string(old, "nomd", "mode", NULL);
		gint64 pid = g_key_file_get_int64(old, "nomd", "pid", NULL);
		if (g_strcmp0(mode, "once") != 0 && pid != getpid() && pid_alive(pid))
			return;
		g_autofree char *poll = g_key_file_get_string(old, "nomd", "last_poll", NULL);
		g_autoptr(GDateTime) t = poll && *poll ? g_date_time_new_from_iso8601(poll, NULL) : NULL;
		if (!polled && t)
			last_poll = g_date_time_to_unix(t);
	}
	status_save(cfg, "once", rc == EX_OK ? "finished" : "failed", started, last_poll, last_error, delivery_error,
		    backlog);
}

/* What the service manager shows (systemctl status) in each state. */
static void tell_status(struct loop *l)
{
	write_status(l);
	const struct nomd_config *cfg = *l->cfg;
	gint64 pending = 0, failed = 0;
	if (*l->st)
		store_outbox_counts(*l->st, &pending, &failed, NULL);
	switch (l->state) {
	case ST_CONNECT: notify_status("connecting to %s:%d", cfg->imap.host, cfg->imap.port); break;
	case ST_SYNC: notify_status("reading %s", cfg->imap.inbox); break;
	case ST_WAIT:
		notify_status("idle, %" G_GINT64_FORMAT " queued, %" G_GINT64_FORMAT
			      " failed; %d message(s) applied%s%s",
			      pending, failed, l->ing.stats.applied, l->delivery_error ? "; " : "",
			      l->delivery_error ? l->delivery_error : "");
		break;
	case ST_BACKOFF:
		notify_status("retrying in a moment: %s", l->last_error ? l->last_error : "connection failed");
		break;
	}
}

static void set_state(struct loop *l, enum state s)
{
	if (l->state != s) {
		log_debug("daemon state %s -> %s", state_names[l->state], state_names[s]);
		l->state_since = g_get_real_time() / G_USEC_PER_SEC;
	}
	l->state = s;
	tell_status(l);
}

static void drop_connection(struct loop *l)
{
	imap_close(l->imap);
	l->imap = NULL;
}

/* One log line per change: a failure repeated with the same text as
 * *last is quiet. */
static void log_error_once(char **last, const char *message)
{
	if (g_strcmp0(*last, message) == 0)
		return;
	log_error("%s", message);
	g_free(*last);
	*last = g_strdup(message);
}

/* The database failed for its surroundings (disk full, read-only, ...):
 * wait and open it again. The IMAP connection is not at fault and is
 * kept, so that a long outage is not a reconnection every 30 s. */
static void store_failed(struct loop *l, GError *error)
{
	l->store_trouble = TRUE;
	log_error_once(&l->last_error, error->message);
	set_state(l, ST_BACKOFF);
}

static void connection_failed(struct loop *l, GError *error)
{
	int floor = g_error_matches(error, IMAP_ERROR, IMAP_ERR_AUTH) ? AUTH_BACKOFF_MIN_MS : BACKOFF_MIN_MS;
	l->backoff_floor = floor;
	log_error_once(&l->last_error, error->message);
	drop_connection(l);
	set_state(l, ST_BACKOFF);
}

/* Sleep up to `ms`, waking each 100 ms to look at the flags. */
static void nap(const struct loop *l, gint64 ms)
{
	gint64 until = g_get_monotonic_time() + ms * 1000;
	while (!*l->flags->wake && g_get_monotonic_time() < until) {
		notify_watchdog();
		g_usleep(MIN(100000, MAX(0, until - g_get_monotonic_time())));
	}
}

/* Attempt k waits between floor * 2^(k-1) / 2 and floor * 2^(k-1). */
static gint64 backoff_ms(const struct loop *l)
{
	return backoff_jittered(l->backoff_floor, BACKOFF_MAX_MS, l->failures - 1);
}

/* Mail that time or new nominees make due: welcomes and their
 * reminders, invitations and theirs, the staff digest. */
static void run_schedule(const struct nomd_config *cfg, struct store *st)
{
	gint64 now = clock_now();
	guint queued = 0;
	g_autoptr(GError) error = NULL;
	if (!consent_schedule(cfg, st, now, &queued, &error))
		log_error("consent mail: %s", error->message);
	else if (queued)
		log_info("consent mail: %u queued", queued);
	g_clear_error(&error);
	if (!events_schedule(cfg, st, now, &queued, &error))
		log_error("event mail: %s", error->message);
	else if (queued)
		log_info("event mail: %u queued", queued);
	g_clear_error(&error);
	if (!round_schedule(cfg, st, now, &queued, &error))
		log_error("round mail: %s", error->message);
	g_clear_error(&error);
	if (!mentoring_schedule(cfg, st, now, &queued, &error))
		log_error("questions to pairs: %s", error->message);
	g_clear_error(&error);
	if (!people_undeliverable(cfg, st, &queued, &error))
		log_error("addresses that did not work: %s", error->message);
	g_clear_error(&error);
	int purged = 0;
	if (cfg->programme.retain_days &&
	    !store_purge_bodies(st, now - (gint64)cfg->programme.retain_days * 86400, &purged, &error))
		log_error("retention: %s", error->message);
	else if (purged)
		log_info("retention: bodies of %d sent message(s) older than %d days emptied", purged,
			 cfg->programme.retain_days);
	g_clear_error(&error);
	gboolean digest = FALSE;
	if (!digest_run(cfg, st, now, FALSE, &digest, &error))
		log_error("digest: %s", error->message);
}

static gint64 monotonic_s(void)
{
	return g_get_monotonic_time() / G_USEC_PER_SEC;
}

/* A batch is committed: queue what it made due (welcomes), make that
 * durable too (the sender must never send what a power cut could undo),
 * and wake the sender. The daemon's passes and nomd --once share it. */
static void batch_committed(const struct nomd_config *cfg, struct store *st, struct deliver_job *sender)
{
	g_autoptr(GError) error = NULL;
	run_schedule(cfg, st);
	if (!store_sync(st, &error)) {
		log_error("%s", error->message);
		return;
	}
	deliver_kick(sender);
}

static void loop_batch_done(void *data)
{
	struct loop *l = data;
	batch_committed(*l->cfg, *l->st, l->sender);
}

/* What a delivery pass came to. One that failed (the database full or
 * read-only, the sender unable to start), or that the SMTP server refused
 * (unreachable, the login refused), is tried again after a growing pause,
 * not at every wake-up, and the same failure is logged once. */
static void delivery_outcome(struct loop *l, gboolean ok, const struct deliver_stats *out, const GError *error)
{
	if (out->sent || out->deferred || out->failed)
		log_info("outbox: %d sent, %d deferred, %d failed", out->sent, out->deferred, out->failed);
	/* Mail went before this run stopped: delivery worked in between, so
	 * a failure now is news even when it reads like the last one. */
	if (out->sent && l->delivery_error) {
		log_info("delivery works again");
		g_clear_pointer(&l->delivery_error, g_free);
	}
	if (ok && !out->held[0]) {
		if (l->delivery_error)
			log_info("delivery works again");
		l->delivery_failures = 0;
		l->delivery_retry_at = 0;
		g_clear_pointer(&l->delivery_error, g_free);
		return;
	}
	/* The server's refusal waits like a deferred mail (staff may need
	 * hours to replace a password; a login tried every few seconds may
	 * lock the account); our own trouble is fixed in minutes. */
	int delay = ok ? deliver_retry_delay(*l->cfg, l->delivery_failures)
		       : (int)backoff_ceiling(DELIVERY_RETRY_MIN_S, DELIVERY_RETRY_MAX_S, l->delivery_failures);
	g_autofree char *why =
		ok ? g_strdup_printf("outbox on hold, no mail failed: %s", out->held) : g_strdup(error->message);
	log_error_once(&l->delivery_error, why);
	l->delivery_failures++;
	l->delivery_retry_at = monotonic_s() + delay;
	log_debug("delivery: next try in %d s", delay);
}

/* Start the sender for a pass, so that each batch's replies go while the
 * next is read (unless delivery is waiting out a failure). The store is
 * closed for the fork and opened again: FALSE (*error set) when it cannot
 * be, and *l->st is then NULL. */
static gboolean delivery_begin(struct loop *l, GError **error)
{
	if (monotonic_s() < l->delivery_retry_at)
		return TRUE;
	/* No database connection may cross the fork. */
	store_close(*l->st);
	*l->st = l->ing.st = NULL;
	g_autoptr(GError) start = NULL;
	l->sender = deliver_start(*l->cfg, *l->templates, DELIVER_PATIENCE_UNTIL_STOPPED, &start);
	if (!l->sender) {
		const struct deliver_stats none = { 0 };
		delivery_outcome(l, FALSE, &none, start);
	}
	if (!store_open((*l->cfg)->database, l->st, error))
		return FALSE;
	l->ing.st = *l->st;
	deliver_kick(l->sender); /* mail due from before goes now too */
	return TRUE;
}

/* The pass is over: the sender's last round takes all that was committed. */
static void delivery_end(struct loop *l)
{
	if (!l->sender)
		return;
	g_autoptr(GError) error = NULL;
	struct deliver_stats out;
	gboolean ok = deliver_finish(g_steal_pointer(&l->sender), *l->flags->stop, &out, &error);
	delivery_outcome(l, ok, &out, error);
}

static void step_connect(struct loop *l)
{
	const struct nomd_config *cfg = *l->cfg;
	g_autoptr(GError) error = NULL;
	if (!imap_open(cfg, &l->imap, &error)) {
		connection_failed(l, error);
		return;
	}
	if (!ingest_prepare(cfg, l->imap, &error)) {
		connection_failed(l, error);
		return;
	}
	log_info("connected to %s:%d (%s), %s", cfg->imap.host, cfg->imap.port,
		 config_security_name(cfg->imap.security), imap_has_idle(l->imap) ? "waiting with IDLE" : "polling");
	l->full = TRUE;
	set_state(l, ST_SYNC);
}

static void step_sync(struct loop *l)
{
	g_autoptr(GError) error = NULL;
	l->ing.cfg = *l->cfg;
	l->ing.retry_soon = FALSE;
	if (!delivery_begin(l, &error)) {
		delivery_end(l);
		store_failed(l, error);
		return;
	}
	l->ing.batch_done = l->sender ? loop_batch_done : NULL;
	l->ing.batch_data = l;
	gboolean ok = ingest_sync(&l->ing, l->imap, l->full, &error);
	if (ok)
		run_schedule(*l->cfg, *l->st);
	delivery_end(l);
	if (!ok) {
		/* The pass may have left a failed message below the checkpoint
		 * (or one committed but not moved): the next looks at them all. */
		l->full = TRUE;
		if (store_error_is_environment(error)) {
			/* Open it afresh before the next try: a connection made
			 * while the file was read-only stays read-only. */
			store_close(*l->st);
			*l->st = l->ing.st = NULL;
			store_failed(l, error);
			return;
		}
		connection_failed(l, error);
		return;
	}
	/* Only now is a failure over: one that comes back after a reconnection
	 * but before a pass succeeds is the same failure, already logged. */
	g_clear_pointer(&l->last_error, g_free);
	l->store_trouble = FALSE;
	l->full = l->ing.retry_soon;
	l->last_sync = g_get_real_time() / G_USEC_PER_SEC;
	set_state(l, ST_WAIT);
}

/* Seconds until queued mail is due again (a large number when none is). */
static int outbox_due_in(struct loop *l)
{
	gint64 due = 0;
	g_autoptr(GError) error = NULL;
	if (!store_outbox_next_due(*l->st, &due, &error)) {
		log_error("%s", error->message);
		return RETRY_FAILED_SECONDS;
	}
	if (due == 0)
		return G_MAXINT;
	gint64 in = due - g_get_real_time() / G_USEC_PER_SEC;
	in = MAX(in, l->delivery_retry_at - monotonic_s());
	return (int)CLAMP(in, 1, G_MAXINT);
}

static void step_wait(struct loop *l)
{
	const struct nomd_config *cfg = *l->cfg;
	/* A message that failed is retried soon, not only at the next mail;
	 * deferred outgoing mail is retried when due. */
	int seconds = l->full ? MIN(RETRY_FAILED_SECONDS, cfg->imap.idle_seconds) : cfg->imap.idle_seconds;
	seconds = MIN(seconds, outbox_due_in(l));
	/* Wake for the staff digest on time, not at the next resync. */
	g_autoptr(schedule) digest = NULL;
	if (schedule_parse(cfg->digest, cfg->timezone, &digest, NULL) && digest) {
		gint64 now = clock_now();
		seconds = (int)MIN((gint64)seconds, MAX(1, schedule_next_due(digest, now) - now + 1));
	}
	if (imap_has_idle(l->imap)) {
		/* In slices the watchdog can see, until mail comes or time is up. */
		gint64 slice = notify_watchdog_ms() ? MAX(1, notify_watchdog_ms() / 1000) : seconds;
		gint64 until = g_get_monotonic_time() / G_USEC_PER_SEC + seconds;
		gboolean activity = FALSE;
		while (!activity && !*l->flags->wake) {
			gint64 left = until - g_get_monotonic_time() / G_USEC_PER_SEC;
			if (left <= 0)
				break;
			g_autoptr(GError) error = NULL;
			if (!imap_idle(l->imap, (int)MIN(left, slice), l->flags->wake, &activity, &error)) {
				/* IDLE is only a hint: on any error reconnect and resync. */
				connection_failed(l, error);
				return;
			}
			notify_watchdog();
		}
	} else {
		nap(l, (gint64)MIN(seconds, l->full ? MIN(RETRY_FAILED_SECONDS, cfg->imap.poll_seconds)
						    : cfg->imap.poll_seconds) *
			       1000);
	}
	/* A wait that ended normally means the connection works. */
	l->failures = 0;
	set_state(l, ST_SYNC);
}

static void step_backoff(struct loop *l)
{
	l->failures++;
	gint64 ms = backoff_ms(l);
	if (l->store_trouble)
		ms = MIN(ms, STORE_RETRY_MAX_MS);
	log_info("%s in %.1f s (attempt %d)", l->imap ? "trying again" : "reconnecting", ms / 1000.0, l->failures);
	nap(l, ms);
	set_state(l, l->imap ? ST_SYNC : ST_CONNECT);
}

static void reload(struct loop *l)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(nomd_config) cfg = NULL;
	g_autoptr(reply_templates) t = NULL;
	if (!config_load(l->config_path, &cfg, &error) || !reply_templates_load(cfg->templates, &t, &error)) {
		log_error("reload refused, keeping the running configuration: %s", error->message);
		return;
	}
	if (g_strcmp0(cfg->database, (*l->cfg)->database) != 0)
		log_warn("reload: 'database' changes only on restart");
	config_free(*l->cfg);
	reply_templates_free(*l->templates);
	*l->cfg = g_steal_pointer(&cfg);
	*l->templates = g_steal_pointer(&t);
	log_info("configuration reloaded from %s", l->config_path);
	drop_connection(l);
	l->failures = 0;
	/* A new password or server is tried at once. */
	l->delivery_failures = 0;
	l->delivery_retry_at = 0;
	set_state(l, ST_CONNECT);
}

/* Open the database again after it failed; on failure, wait as after a
 * lost connection. Mail stays on the server meanwhile. */
static gboolean reopen_store(struct loop *l)
{
	g_autoptr(GError) error = NULL;
	if (store_open((*l->cfg)->database, l->st, &error)) {
		l->ing.st = *l->st;
		if (l->store_trouble)
			log_info("database %s is usable again", (*l->cfg)->database);
		return TRUE;
	}
	store_failed(l, error);
	step_backoff(l);
	return FALSE;
}

int daemon_run(const char *config_path, struct nomd_config **cfg, struct reply_templates **t, struct store **st,
	       const struct daemon_flags *flags)
{
	struct loop l = {
		.config_path = config_path,
		.cfg = cfg,
		.templates = t,
		.st = st,
		.flags = flags,
		.state = ST_CONNECT,
		.state_since = g_get_real_time() / G_USEC_PER_SEC,
		.backoff_floor = BACKOFF_MIN_MS,
		.ing = { .st = *st, .stop = flags->stop },
	};
	log_info("nomd %s started: %s on %s:%d", nomd_version, (*cfg)->imap.inbox, (*cfg)->imap.host,
		 (*cfg)->imap.port);
	notify_ready();
	while (!*flags->stop) {
		if (*flags->reload) {
			*flags->reload = 0;
			*flags->wake = *flags->stop;
			notify_reloading();
			reload(&l);
			notify_ready();
			continue;
		}
		/* Closed after it failed, or not reopened after delivery. */
		if (!*st && !reopen_store(&l))
			continue;
		notify_watchdog();
		switch (l.state) {
		case ST_CONNECT: step_connect(&l); break;
		case ST_SYNC: step_sync(&l); break;
		case ST_WAIT: step_wait(&l); break;
		case ST_BACKOFF: step_backoff(&l); break;
		}
	}
	notify_stopping();
	drop_connection(&l);
	g_free(l.last_error);
	g_free(l.delivery_error);
	log_info("stopped");
	return EX_OK;
}

/* nomd --once: the sender runs beside the pass, from the start, and sends
 * each batch's replies and welcomes while the next batches are read. */
struct once {
	const struct nomd_config *cfg;
	struct store **st;
	struct deliver_job *sender;
};

static void once_batch_done(void *data)
{
	struct once *o = data;
	batch_committed(o->cfg, *o->st, o->sender);
}

int daemon_once(const struct nomd_config *cfg, const struct reply_templates *t, struct store **st,
		const struct daemon_flags *flags)
{
	struct once o = { .cfg = cfg, .st = st };
	struct ingest ing = { .cfg = cfg, .stop = flags->stop, .batch_done = once_batch_done, .batch_data = &o };
	g_autoptr(GError) error = NULL;
	g_autoptr(imap_conn) imap = NULL;
	g_autofree char *first_error = NULL, *delivery_error = NULL;
	gint64 started = g_get_real_time() / G_USEC_PER_SEC;
	int rc = EX_OK;
	log_info("nomd %s: one pass over %s on %s:%d", nomd_version, cfg->imap.inbox, cfg->imap.host, cfg->imap.port);
	/* No database connection may cross the fork. */
	store_close(*st);
	*st = NULL;
	o.sender = deliver_start(cfg, t, DELIVER_PATIENCE_SHORT, &error);
	if (!o.sender) {
		delivery_error = g_strdup(error->message);
		g_clear_error(&error);
	}
	gboolean ok = store_open(cfg->database, st, &error);
	if (ok) {
		ing.st = *st;
		deliver_kick(o.sender); /* mail due from before goes now too */
		ok = imap_open(cfg, &imap, &error) && ingest_prepare(cfg, imap, &error) &&
		     ingest_sync(&ing, imap, TRUE, &error);
	}
	if (!ok) {
		log_error("%s", error->message);
		first_error = g_strdup(error->message);
		gboolean permanent = g_error_matches(error, IMAP_ERROR, IMAP_ERR_AUTH) ||
				     g_error_matches(error, IMAP_ERROR, IMAP_ERR_TLS);
		rc = permanent ? EX_UNAVAILABLE : EX_TEMPFAIL;
	}
	g_clear_pointer(&imap, imap_close);
	const struct ingest_stats *in = &ing.stats;
	log_info("inbox: %d seen, %d applied (%d accepted, %d partial, %d rejected, %d held), %d moved only, %d failed",
		 in->seen, in->applied, in->accepted, in->partial, in->rejected, in->held, in->already, in->failed);
	struct deliver_stats out = { 0 };
	g_clear_error(&error);
	if (*st)
		run_schedule(cfg, *st);
	/* The sender's last pass takes all that was committed. */
	if (o.sender && !deliver_finish(o.sender, *flags->stop, &out, &error))
		delivery_error = g_strdup(error->message);
	else if (o.sender && out.held[0])
		delivery_error = g_strdup_printf("outbox on hold, no mail failed: %s", out.held);
	if (delivery_error) {
		log_error("%s", delivery_error);
		rc = rc == EX_OK ? EX_TEMPFAIL : rc;
	}
	log_info("outbox: %d sent, %d deferred, %d failed", out.sent, out.deferred, out.failed);
	write_once_status(cfg, started, ok, rc, first_error, delivery_error, ing.waiting);
	return rc;
}
