/* deliver: outbox to SMTP. A row is marked sent only after the server
 * accepted it; the Message-ID stays the same on every attempt. */
#include "deliver.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <sys/file.h>
#include <sys/wait.h>
#include <unistd.h>

#include "log.h"
#include "smtp.h"

#define DELIVER_BATCH 200

/* Seconds before the next try: retry_min doubling per attempt, capped at
 * retry_max, with jitter so that a queue does not retry in step. */
static int retry_delay(const struct nomd_config *cfg, int attempts)
{
	gint64 d = cfg->smtp.retry_min;
	for (int i = 0; i < attempts && d < cfg->smtp.retry_max; i++)
		d *= 2;
	d = MIN(d, cfg->smtp.retry_max);
	return (int)(d / 2 + g_random_int_range(0, (gint32)(d / 2) + 1));
}

/* FALSE with *error only when the store fails; *stop when the server
 * could not be reached, so the rest of the batch waits. */
static gboolean deliver_one(const struct nomd_config *cfg, struct store *st, struct smtp_client *smtp,
			    const struct outbox_item *it, struct deliver_stats *stats, gboolean *stop, GError **error)
{
	g_autofree char *why = NULL;
	enum smtp_result r = smtp_send(smtp, it->envelope_from, it->recipient, it->body, &why);
	if (r == SMTP_SENT) {
		stats->sent++;
		log_info("sent outbox #%" G_GINT64_FORMAT " to %s", it->id, it->recipient);
		return store_outbox_sent(st, it->id, error);
	}
	int delay = retry_delay(cfg, it->attempts);
	if (r == SMTP_PERMANENT) {
		stats->failed++;
		log_warn("outbox #%" G_GINT64_FORMAT " to %s failed: %s", it->id, it->recipient, why);
	} else {
		stats->deferred++;
		log_warn("outbox #%" G_GINT64_FORMAT " to %s deferred %d s: %s", it->id, it->recipient, delay, why);
		*stop = r == SMTP_UNREACHABLE;
	}
	return store_outbox_failed(st, it->id, r == SMTP_PERMANENT, g_get_real_time() / G_USEC_PER_SEC, delay,
				   cfg->smtp.max_age, why, error);
}

gboolean deliver_pending(const struct nomd_config *cfg, struct store *st, gboolean (*should_stop)(void),
			 struct deliver_stats *stats, GError **error)
{
	*stats = (struct deliver_stats){ 0 };
	g_autoptr(smtp_client) smtp = smtp_client_new(cfg);
	gint64 now = g_get_real_time() / G_USEC_PER_SEC;
	/* Each row is tried once per run, even when it stays pending. */
	gint64 last = 0;
	for (;;) {
		g_autoptr(GPtrArray) items = NULL;
		if (!store_outbox_pending(st, last, DELIVER_BATCH, now, &items, error))
			return FALSE;
		if (items->len == 0)
			return TRUE;
		for (guint i = 0; i < items->len; i++) {
			if (should_stop && should_stop())
				return TRUE;
			const struct outbox_item *it = items->pdata[i];
			last = it->id;
			gboolean unreachable = FALSE;
			if (!deliver_one(cfg, st, smtp, it, stats, &unreachable, error))
				return FALSE;
			if (unreachable)
				return TRUE;
		}
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

static int child_main(const struct nomd_config *cfg, int out_fd)
{
	/* Keep nothing of the parent's but stdio and the result pipe: an
	 * inherited IMAP connection would outlive a killed parent and count
	 * against the server's connection limit. */
	if (out_fd > 3)
		close_range(3, out_fd - 1, 0);
	close_range(out_fd + 1, ~0U, 0);

	struct sigaction sa = { 0 };
	sa.sa_handler = on_child_term;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sa.sa_handler = SIG_DFL;
	sigaction(SIGHUP, &sa, NULL);

	g_autoptr(GError) error = NULL;
	g_autofree char *lock_path = g_strconcat(cfg->database, ".deliver-lock", NULL);
	int lock = open(lock_path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (lock < 0) {
		log_error("delivery: cannot open %s: %s", lock_path, g_strerror(errno));
		return 1;
	}
	/* Wait for a sender still finishing after its daemon died. */
	while (flock(lock, LOCK_EX) < 0) {
		if (errno != EINTR || child_should_stop())
			return 1;
	}
	struct store *st = NULL;
	if (!store_open(cfg->database, &st, &error)) {
		log_error("delivery: %s", error->message);
		return 1;
	}
	struct deliver_stats stats;
	gboolean ok = deliver_pending(cfg, st, child_should_stop, &stats, &error);
	if (!ok)
		log_error("delivery: %s", error->message);
	store_close(st);
	if (write(out_fd, &stats, sizeof stats) != (ssize_t)sizeof stats)
		return 1;
	return ok ? 0 : 1;
}

static gboolean run_child(const struct nomd_config *cfg, struct deliver_stats *stats, GError **error)
{
	int fds[2];
	if (pipe2(fds, O_CLOEXEC) < 0) {
		g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(errno), "delivery: pipe: %s",
			    g_strerror(errno));
		return FALSE;
	}
	parent_pid = getpid();
	fflush(stderr);
	pid_t pid = fork();
	if (pid < 0) {
		g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(errno), "delivery: fork: %s",
			    g_strerror(errno));
		close(fds[0]);
		close(fds[1]);
		return FALSE;
	}
	if (pid == 0) {
		close(fds[0]);
		/* _exit skips the parent's atexit work. */
		_exit(child_main(cfg, fds[1]));
	}
	close(fds[1]);
	ssize_t n;
	do
		n = read(fds[0], stats, sizeof *stats);
	while (n < 0 && errno == EINTR);
	close(fds[0]);
	int status = 0;
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (n != (ssize_t)sizeof *stats || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		*stats = (struct deliver_stats){ 0 };
		g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_FAILED, "delivery process failed (status %d)", status);
		return FALSE;
	}
	return TRUE;
}

gboolean deliver_isolated(const struct nomd_config *cfg, struct store **st, struct deliver_stats *stats,
			  GError **error)
{
	*stats = (struct deliver_stats){ 0 };
	/* SQLite keeps per-process state about open files and shared-memory
	 * locks; a child inheriting it can lose commits. Fork with none open. */
	store_close(*st);
	*st = NULL;
	gboolean ok = run_child(cfg, stats, error);
	g_autoptr(GError) reopen = NULL;
	if (!store_open(cfg->database, st, &reopen)) {
		if (ok)
			g_propagate_error(error, g_steal_pointer(&reopen));
		return FALSE;
	}
	return ok;
}
