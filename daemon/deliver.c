/* deliver: outbox to SMTP. A row is marked sent only after the server
 * accepted it; the Message-ID stays the same on every attempt. */
#include "deliver.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <sys/file.h>
#include <sys/statvfs.h>
#include <sys/wait.h>
#include <unistd.h>

#include "chart.h"
#include "log.h"
#include "notify.h"
#include "outbox.h"
#include "smtp.h"
#include "util.h"

#define DELIVER_BATCH 200
/* Like Postfix's queue_minfree: below this much free space beside the
 * database nothing is sent, as the mark "sent" might not fit afterwards and
 * the mail would go again. */
#define DELIVER_MIN_FREE_BYTES (1024 * 1024)

static gboolean enough_space(const struct nomd_config *cfg, GError **error)
{
	g_autofree char *dir = g_path_get_dirname(cfg->database);
	struct statvfs vfs;
	if (statvfs(dir, &vfs) < 0)
		return TRUE; /* unknown: the writes will tell */
	guint64 avail = (guint64)vfs.f_bavail * vfs.f_frsize;
	if (avail >= DELIVER_MIN_FREE_BYTES)
		return TRUE;
	g_autofree char *have = g_format_size(avail);
	g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_NOSPC,
		    "only %s free on the database's file system (%s); nothing is sent until there is"
		    " at least 1 MiB, so that every mail sent can be recorded as sent",
		    have, dir);
	return FALSE;
}

/* The monotonic time `patience` seconds from now; -1: never. */
static gint64 deadline_after(int patience)
{
	return patience < 0 ? G_MAXINT64 : g_get_monotonic_time() + (gint64)patience * G_USEC_PER_SEC;
}

int deliver_retry_delay(const struct nomd_config *cfg, int failures)
{
	return (int)backoff_jittered(cfg->smtp.retry_min, cfg->smtp.retry_max, failures);
}

/* The mail is out: it must be recorded as sent before anything else goes,
 * or it would go again. A database that cannot be written now (the disk
 * full) usually can be soon: keep trying, sending nothing meanwhile, for
 * `patience` seconds (-1: until told to stop). */
static gboolean record_sent(struct store *st, const struct outbox_item *it, int patience, gboolean (*should_stop)(void),
			    GError **error)
{
	gint64 wait_ms = 250;
	gint64 give_up = deadline_after(patience);
	for (;;) {
		g_autoptr(GError) local = NULL;
		if (store_outbox_sent(st, it->id, &local)) {
			if (wait_ms > 250)
				log_info("outbox #%" G_GINT64_FORMAT " recorded as sent at last", it->id);
			return TRUE;
		}
		if (!store_error_is_environment(local) || (should_stop && should_stop()) ||
		    g_get_monotonic_time() >= give_up) {
			g_set_error(error, local->domain, local->code,
				    "outbox #%" G_GINT64_FORMAT " was sent but could not be recorded, so it may go"
				    " again: %s",
				    it->id, local->message);
			return FALSE;
		}
		if (wait_ms == 250)
			log_error("outbox #%" G_GINT64_FORMAT " was sent but cannot be recorded yet: %s; sending"
				  " nothing more until it is",
				  it->id, local->message);
		gint64 until = g_get_monotonic_time() + wait_ms * 1000;
		while (g_get_monotonic_time() < until && !(should_stop && should_stop()))
			g_usleep(100000);
		wait_ms = MIN(wait_ms * 2, 8000);
	}
}

/* FALSE with *error only when the store fails; *stop when the server
 * takes no mail now, so the rest of the batch waits, the mail in hand
 * with it: an outage or a refused login is no fault of that mail's, and
 * must neither fail it nor put it behind the others. */
static gboolean deliver_one(const struct nomd_config *cfg, const struct reply_templates *t, struct store *st,
			    struct smtp_client *smtp, const struct outbox_item *it, int patience,
			    gboolean (*should_stop)(void), struct deliver_stats *stats, gboolean *stop, GError **error)
{
	g_autoptr(GError) unwritten = NULL;
	g_autoptr(GBytes) mail = outbox_mail(cfg, t, it, &unwritten);
	if (!mail) {
		/* It would not render any better on the next try: failed, saying why. */
		g_autofree char *reason = g_strdup_printf("could not be written: %s", unwritten->message);
		gboolean failed = FALSE;
		if (!store_outbox_failed(st, it->id, TRUE, g_get_real_time() / G_USEC_PER_SEC, 0, cfg->smtp.max_age,
					 reason, &failed, error))
			return FALSE;
		stats->failed++;
		log_warn("outbox #%" G_GINT64_FORMAT " failed: %s", it->id, reason);
		return TRUE;
	}
	g_autofree char *why = NULL, *reply = NULL;
	enum smtp_result r = smtp_send(smtp, it->envelope_from, it->recipient, mail, &reply, &why);
	if (r == SMTP_SENT) {
		stats->sent++;
		log_info("sent outbox #%" G_GINT64_FORMAT ": %s", it->id, reply);
		return record_sent(st, it, patience, should_stop, error);
	}
	if (r == SMTP_NO_SERVICE) {
		g_strlcpy(stats->held, why, sizeof stats->held);
		*stop = TRUE;
		return TRUE;
	}
	int delay = deliver_retry_delay(cfg, it->attempts);
	gboolean failed = FALSE;
	if (!store_outbox_failed(st, it->id, r == SMTP_PERMANENT, g_get_real_time() / G_USEC_PER_SEC, delay,
				 cfg->smtp.max_age, why, &failed, error))
		return FALSE;
	/* The store says what became of it: a deferral past smtp.max_age fails. */
	if (failed) {
		stats->failed++;
		log_warn("outbox #%" G_GINT64_FORMAT " failed%s: %s", it->id,
			 r == SMTP_PERMANENT ? "" : " (older than smtp.max_age)", why);
	} else {
		stats->deferred++;
		log_warn("outbox #%" G_GINT64_FORMAT " deferred %d s: %s", it->id, delay, why);
	}
	return TRUE;
}

/* Every row due now and not in `tried`, over `smtp`; stats added to, and
 * each row tried added to `tried`: a row is tried once per run, even
 * when it stays pending, however many passes the run makes. */
static gboolean deliver_pass(const struct nomd_config *cfg, const struct reply_templates *t, struct store *st,
			     struct smtp_client *smtp, GHashTable *tried, int patience, gboolean (*should_stop)(void),
			     struct deliver_stats *stats, GError **error)
{
	gint64 now = g_get_real_time() / G_USEC_PER_SEC;
	gint64 last = 0;
	for (;;) {
		g_autoptr(GPtrArray) items = NULL;
		if (!store_outbox_pending(st, last, DELIVER_BATCH, now, &items, error))
			return FALSE;
		if (items->len == 0)
			return TRUE;
		if (!enough_space(cfg, error) || !store_sender_batch(st, error))
			return FALSE;
		gboolean ok = TRUE, done = FALSE;
		for (guint i = 0; ok && !done && i < items->len; i++) {
			const struct outbox_item *it = items->pdata[i];
			if ((done = should_stop && should_stop()))
				break;
			last = it->id;
			if (!g_hash_table_add(tried, g_memdup2(&it->id, sizeof it->id)))
				continue;
			/* Before every mail: the marks are committed lazily, into
			 * WAL pages that may already exist, so a disk filling
			 * mid-batch shows no write error until the sync. */
			ok = enough_space(cfg, error) &&
			     deliver_one(cfg, t, st, smtp, it, patience, should_stop, stats, &done, error);
		}
		/* The batch's marks, durable with one fsync (see child_main),
		 * whatever ended it. */
		g_autoptr(GError) unsynced = NULL;
		gboolean synced = store_sync(st, &unsynced);
		if (!ok)
			return FALSE;
		if (!synced) {
			g_propagate_error(error, g_steal_pointer(&unsynced));
			return FALSE;
		}
		if (done)
			return TRUE;
	}
}

static pid_t parent_pid;
static volatile sig_atomic_t child_stop;

static void on_child_term(int sig)
{
	(void)sig;
	child_stop = 1;
}

/* The child stops between messages when asked to, or when the daemon that
 * started it is gone (the next daemon's sender takes over). */
static gboolean child_should_stop(void)
{
	return child_stop || getppid() != parent_pid;
}

/* What the sender hands back through the pipe: one write, under
 * PIPE_BUF, so it arrives whole. Its error is logged by the caller, which
 * logs a failure that repeats only once. */
struct child_result {
	struct deliver_stats stats;
	char error[1024];
};
G_STATIC_ASSERT(sizeof(struct child_result) <= PIPE_BUF);

static int child_fail(struct child_result *res, int out_fd, const char *fmt, ...) G_GNUC_PRINTF(3, 4);

static int child_fail(struct child_result *res, int out_fd, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	g_vsnprintf(res->error, sizeof res->error, fmt, ap);
	va_end(ap);
	if (write(out_fd, res, sizeof *res) != (ssize_t)sizeof *res)
		log_error("delivery: %s", res->error); /* the parent is gone: say it here */
	return 1;
}

/* Until the next kick (TRUE) or the end of them (FALSE: the parent closed
 * its end), or until told to stop (FALSE). Kicks waiting are taken
 * together: one pass serves them all. */
static gboolean wait_kick(int kick_fd)
{
	while (!child_should_stop()) {
		struct pollfd p = { .fd = kick_fd, .events = POLLIN };
		int r = poll(&p, 1, 1000);
		if (r < 0 && errno != EINTR)
			return FALSE;
		if (r <= 0)
			continue;
		char buf[64];
		ssize_t n = read(kick_fd, buf, sizeof buf);
		if (n < 0 && errno == EINTR)
			continue;
		return n > 0;
	}
	return FALSE;
}

static void close_all_but(int a, int b)
{
	int lo = MIN(a, b), hi = MAX(a, b);
	if (lo > 3)
		close_range(3, lo - 1, 0);
	if (hi > lo + 1)
		close_range(lo + 1, hi - 1, 0);
	close_range(hi + 1, ~0U, 0);
}

static int child_main(const struct nomd_config *cfg, const struct reply_templates *t, int patience, int kick_fd,
		      int out_fd)
{
	/* Keep nothing of the parent's but stdio and the two pipes: an
	 * inherited IMAP connection would outlive a killed parent and count
	 * against the server's connection limit. */
	close_all_but(kick_fd, out_fd);

	struct sigaction sa = { 0 };
	sa.sa_handler = on_child_term;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sa.sa_handler = SIG_DFL;
	sigaction(SIGHUP, &sa, NULL);

	g_autoptr(GError) error = NULL;
	struct child_result res = { 0 };
	g_autofree char *lock_path = g_strconcat(cfg->database, ".deliver-lock", NULL);
	int lock = open(lock_path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (lock < 0)
		return child_fail(&res, out_fd, "cannot open %s: %s", lock_path, g_strerror(errno));
	/* Wait for a sender still finishing after its daemon died, or one
	 * waiting for a full disk: the daemon's own as long as it takes, a
	 * `nomd --once` or nomctl only for its patience. */
	gint64 give_up = deadline_after(patience);
	while (flock(lock, LOCK_EX | LOCK_NB) < 0) {
		if (errno != EWOULDBLOCK && errno != EINTR)
			return child_fail(&res, out_fd, "cannot lock %s: %s", lock_path, g_strerror(errno));
		if (child_should_stop())
			return 1;
		if (g_get_monotonic_time() >= give_up)
			return child_fail(&res, out_fd,
					  "another nomd process is sending (%s is locked); nothing sent now",
					  lock_path);
		g_usleep(100000);
	}
	struct store *st = NULL;
	if (!store_open(cfg->database, &st, &error))
		return child_fail(&res, out_fd, "%s", error->message);
	/* What became of each mail is committed as it happens, and made
	 * durable a batch at a time (deliver_pass): a crash of nomd loses no
	 * mark, a power cut at most a batch's, and those mails go once more
	 * with the same Message-ID, as the one in flight always could. One
	 * fsync per mail was a quarter of the sender's time. */
	if (!store_set_lazy_commits(st, TRUE, &error)) {
		store_close(st);
		return child_fail(&res, out_fd, "%s", error->message);
	}
	g_autoptr(smtp_client) smtp = smtp_client_new(cfg);
	g_autoptr(GHashTable) tried = g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free, NULL);
	/* A pass at each kick, and the last when the kicks end: by then the
	 * parent has committed all it will. A server that takes no mail is
	 * not asked again in this run. */
	gboolean ok = TRUE, more = TRUE;
	while (ok && more && !res.stats.held[0] && !child_should_stop()) {
		more = wait_kick(kick_fd);
		if (!child_should_stop())
			ok = deliver_pass(cfg, t, st, smtp, tried, patience, child_should_stop, &res.stats, &error);
	}
	store_close(st);
	chart_release();
	if (!ok)
		return child_fail(&res, out_fd, "%s", error->message);
	return write(out_fd, &res, sizeof res) == (ssize_t)sizeof res ? 0 : 1;
}

struct deliver_job {
	pid_t pid;
	int kick_fd;   /* the parent's end; -1 once closed */
	int result_fd; /* where the child's struct child_result comes */
};

struct deliver_job *deliver_start(const struct nomd_config *cfg, const struct reply_templates *t, int patience,
				  GError **error)
{
	int kick[2], result[2];
	if (pipe2(kick, O_CLOEXEC) < 0) {
		g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(errno), "delivery: pipe: %s",
			    g_strerror(errno));
		return NULL;
	}
	if (pipe2(result, O_CLOEXEC) < 0) {
		g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(errno), "delivery: pipe: %s",
			    g_strerror(errno));
		close(kick[0]);
		close(kick[1]);
		return NULL;
	}
	parent_pid = getpid();
	fflush(stderr);
	pid_t pid = fork();
	if (pid < 0) {
		g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(errno), "delivery: fork: %s",
			    g_strerror(errno));
		close(kick[0]);
		close(kick[1]);
		close(result[0]);
		close(result[1]);
		return NULL;
	}
	if (pid == 0) {
		close(kick[1]);
		close(result[0]);
		/* _exit skips the parent's atexit work. */
		_exit(child_main(cfg, t, patience, kick[0], result[1]));
	}
	close(kick[0]);
	close(result[1]);
	/* A kick never blocks the parent: a full pipe holds kicks enough. */
	fcntl(kick[1], F_SETFL, O_NONBLOCK);
	struct deliver_job *job = g_new0(struct deliver_job, 1);
	*job = (struct deliver_job){ .pid = pid, .kick_fd = kick[1], .result_fd = result[0] };
	return job;
}

void deliver_kick(struct deliver_job *job)
{
	/* EAGAIN: kicks are waiting already; EPIPE: the sender ended, and
	 * deliver_finish will say why. */
	if (job && job->kick_fd >= 0 && write(job->kick_fd, "k", 1) < 0)
		log_debug("delivery: kick not sent: %s", g_strerror(errno));
}

gboolean deliver_finish(struct deliver_job *job, gboolean stop, struct deliver_stats *stats, GError **error)
{
	*stats = (struct deliver_stats){ 0 };
	close(job->kick_fd);
	if (stop)
		kill(job->pid, SIGTERM);
	struct child_result res = { 0 };
	ssize_t n = -1;
	gboolean forwarded = stop;
	/* Wait for the result with the watchdog fed: a long queue, or a
	 * database the sender waits on, is work, not a hang. A signal to the
	 * daemon (a stop, a reload) interrupts the wait: ask the sender to stop
	 * after the mail in hand rather than finish the whole queue first. */
	for (;;) {
		struct pollfd pfd = { .fd = job->result_fd, .events = POLLIN };
		int r = poll(&pfd, 1, 1000);
		notify_watchdog();
		if (r > 0) {
			do
				n = read(job->result_fd, &res, sizeof res);
			while (n < 0 && errno == EINTR);
			break;
		}
		if (r < 0 && errno != EINTR)
			break;
		if (r < 0 && !forwarded) {
			kill(job->pid, SIGTERM);
			forwarded = TRUE;
		}
	}
	close(job->result_fd);
	int status = 0;
	while (waitpid(job->pid, &status, 0) < 0 && errno == EINTR)
		;
	g_free(job);
	gboolean got = n == (ssize_t)sizeof res;
	res.error[sizeof res.error - 1] = '\0';
	res.stats.held[sizeof res.stats.held - 1] = '\0';
	*stats = got ? res.stats : (struct deliver_stats){ 0 };
	if (got && WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return TRUE;
	if (got && res.error[0])
		g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_FAILED, "delivery: %s", res.error);
	else if (WIFSIGNALED(status))
		g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_FAILED, "delivery process killed by signal %d (%s)",
			    WTERMSIG(status), g_strsignal(WTERMSIG(status)));
	else
		g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_FAILED, "delivery process failed (exit status %d)",
			    WIFEXITED(status) ? WEXITSTATUS(status) : -1);
	return FALSE;
}

gboolean deliver_isolated(const struct nomd_config *cfg, const struct reply_templates *t, struct store **st,
			  int patience, struct deliver_stats *stats, GError **error)
{
	*stats = (struct deliver_stats){ 0 };
	/* SQLite keeps per-process state about open files and shared-memory
	 * locks; a child inheriting it can lose commits. Fork with none open. */
	store_close(*st);
	*st = NULL;
	struct deliver_job *job = deliver_start(cfg, t, patience, error);
	gboolean ok = job && deliver_finish(job, FALSE, stats, error);
	g_autoptr(GError) reopen = NULL;
	if (!store_open(cfg->database, st, &reopen)) {
		if (ok)
			g_propagate_error(error, g_steal_pointer(&reopen));
		return FALSE;
	}
	return ok;
}
