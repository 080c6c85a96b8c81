/* docread: one document through nomd-reader in a child process (and the
 * programme's blank Word form, made by the same reader the same way).
 *
 * A programme with its own form definition is handed to the reader ahead
 * of the document (nomd-reader --spec, framed as document.h says); the
 * built-in programme's reader runs without one, as it always has.
 *
 * The child gets the document on standard input, an empty environment,
 * "/" as its directory, its own process group, and limits set before exec:
 * address space (documents.memory_limit), CPU (documents.cpu_seconds: SIGXCPU,
 * then SIGKILL a second later), no file may be written, no core, few
 * descriptors. nomd feeds its input and drains its output together (poll,
 * non-blocking), so neither side waits on the other; output past the text
 * cap, or time past documents.timeout, kills the whole group. Every path
 * reaps the child and closes every pipe. */
#include "docread.h"

#include <errno.h>
#include <glib-unix.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "notify.h"
#include "util.h"

#define DOCREAD_MAX_FDS 16

struct limits {
	rlim_t memory, cpu;
};

/* In the child, between fork and exec: async-signal-safe calls only. */
static void child_setup(gpointer data)
{
	const struct limits *l = data;
	struct rlimit zero = { 0, 0 }, fds = { DOCREAD_MAX_FDS, DOCREAD_MAX_FDS };
	struct rlimit cpu = { l->cpu, l->cpu + 1 };
	/* The reader opens no file for writing (its seccomp filter refuses
	 * it); the one file it fills, the memfd FreeXL reads a workbook
	 * from, is bounded by the size of a document. */
	struct rlimit fsize = { 2 * DOC_MAX_INPUT, 2 * DOC_MAX_INPUT };
	setpgid(0, 0);
#ifndef __SANITIZE_ADDRESS__
	/* A reader built with AddressSanitizer (as nomd is, then) reserves
	 * terabytes of address space for its shadow memory and would not
	 * start under any RLIMIT_AS: sanitized builds go without it. */
	struct rlimit as = { l->memory, l->memory };
	setrlimit(RLIMIT_AS, &as);
#endif
	setrlimit(RLIMIT_CPU, &cpu);
	setrlimit(RLIMIT_FSIZE, &fsize);
	setrlimit(RLIMIT_CORE, &zero);
	setrlimit(RLIMIT_NOFILE, &fds);
	/* nomd ignores these; ignored signals survive exec. */
	signal(SIGPIPE, SIG_DFL);
	signal(SIGXFSZ, SIG_DFL);
	sigset_t none;
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
}

enum stop { STOP_NONE, STOP_TIMEOUT, STOP_FLOOD };

struct run {
	int in, out, err;
	const guint8 *head, *data; /* standard input: the spec's frame, then the document */
	gsize head_len, len, written;
	gsize cap; /* bytes of output past which the reader floods */
	GString *text, *detail;
	gint64 deadline; /* monotonic, microseconds */
};

/* What became of one run of the reader. */
struct outcome {
	enum stop stop;
	gboolean timed_out;
	int status;
	struct rusage ru;
};

static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

/* Reads what is there from *fd into `into` (keeping at most `keep` bytes
 * in all); closes *fd at end of file or on an error. FALSE when more than
 * `limit` bytes came in all. */
static gboolean drain(int *fd, GString *into, gsize keep, gsize limit, gsize *total)
{
	char buf[64 * 1024];
	ssize_t n = read(*fd, buf, sizeof buf);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return TRUE;
	if (n <= 0) {
		close_fd(fd);
		return TRUE;
	}
	*total += n;
	if (into->len < keep)
		g_string_append_len(into, buf, MIN((gsize)n, keep - into->len));
	return *total <= limit;
}

static void feed(struct run *r)
{
	gboolean in_head = r->written < r->head_len;
	const guint8 *from = in_head ? r->head + r->written : r->data + (r->written - r->head_len);
	gsize left = in_head ? r->head_len - r->written : r->head_len + r->len - r->written;
	gsize chunk = MIN(left, (gsize)64 * 1024);
	ssize_t n = chunk ? write(r->in, from, chunk) : 0;
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n < 0) {
		/* EPIPE: the reader stopped reading; its answer says why. */
		close_fd(&r->in);
		return;
	}
	r->written += n;
	if (r->written >= r->head_len + r->len)
		close_fd(&r->in);
}

/* Input in, output out, until both output pipes close, the time is up
 * or the output floods. */
static enum stop exchange(struct run *r)
{
	gsize out_total = 0, err_total = 0;
	while (r->out >= 0 || r->err >= 0) {
		gint64 left = r->deadline - g_get_monotonic_time();
		if (left <= 0)
			return STOP_TIMEOUT;
		struct pollfd p[3];
		nfds_t n = 0;
		int *fds[3];
		if (r->in >= 0)
			p[n] = (struct pollfd){ .fd = r->in, .events = POLLOUT }, fds[n++] = &r->in;
		if (r->out >= 0)
			p[n] = (struct pollfd){ .fd = r->out, .events = POLLIN }, fds[n++] = &r->out;
		if (r->err >= 0)
			p[n] = (struct pollfd){ .fd = r->err, .events = POLLIN }, fds[n++] = &r->err;
		int ready = poll(p, n, (int)MIN(left / 1000 + 1, 1000));
		notify_watchdog(); /* a slow document is work, not a hang */
		if (ready <= 0)
			continue; /* EINTR, or a second passed */
		for (nfds_t i = 0; i < n; i++) {
			if (!p[i].revents)
				continue;
			if (fds[i] == &r->in)
				feed(r);
			else if (fds[i] == &r->out && !drain(&r->out, r->text, r->cap, r->cap, &out_total))
				return STOP_FLOOD;
			else if (fds[i] == &r->err)
				drain(&r->err, r->detail, DOCREAD_MAX_DETAIL, G_MAXSIZE, &err_total);
		}
	}
	return STOP_NONE;
}

/* Waits for the child to end (killing its group at the deadline, or at
 * once when `kill_now`), then reaps it. Anything it left running in its
 * group is killed before the reaping, while its id cannot be reused. */
static void reap(GPid pid, gint64 deadline, gboolean kill_now, int *status, struct rusage *ru, gboolean *timed_out)
{
	siginfo_t info;
	for (;;) {
		if (kill_now || g_get_monotonic_time() >= deadline) {
			*timed_out = !kill_now;
			kill(-pid, SIGKILL);
			kill(pid, SIGKILL);
			break;
		}
		memset(&info, 0, sizeof info);
		int rc = waitid(P_PID, pid, &info, WEXITED | WNOHANG | WNOWAIT);
		if (rc == 0 && info.si_pid == pid) {
			kill(-pid, SIGKILL);
			break;
		}
		if (rc < 0 && errno == ECHILD)
			break;
		g_usleep(10 * 1000);
	}
	while (wait4(pid, status, 0, ru) < 0 && errno == EINTR)
		;
}

static const char *signal_name(int sig)
{
	const char *abbrev = sigabbrev_np(sig);
	static char buf[32];
	if (!abbrev) {
		g_snprintf(buf, sizeof buf, "%d", sig);
		return buf;
	}
	g_snprintf(buf, sizeof buf, "SIG%s", abbrev);
	return buf;
}

/* The first line of what the reader said on standard error, fit for a log. */
static char *first_line(const GString *s)
{
	g_autofree char *line = g_strndup(s->str, strcspn(s->str, "\r\n"));
	char *clean = terminal_text(line, FALSE);
	return *g_strstrip(clean) ? clean : (g_free(clean), NULL);
}

/* What the child's end says about the document. */
static void settle(const struct nomd_config *cfg, struct mime_document *doc, enum stop stop, gboolean timed_out,
		   int status, const struct rusage *ru, const GString *err)
{
	g_autofree char *said = first_line(err);
	/* Near the address-space limit when it failed: memory, not a bug. The
	 * child's peak includes nomd's own pages, copied by the fork before
	 * exec: only a peak above nomd's own is the reader's. */
	struct rusage self = { 0 };
	getrusage(RUSAGE_SELF, &self);
	gint64 half = (gint64)cfg->documents.memory_limit * 1024 / 2; /* KiB, as ru_maxrss */
	gboolean big = ru->ru_maxrss >= half && ru->ru_maxrss > self.ru_maxrss;
	gint64 cpu = ru->ru_utime.tv_sec + ru->ru_stime.tv_sec;
	doc->settled = TRUE;
	doc->limit = FALSE;
	if (stop == STOP_FLOOD) {
		doc->status = DOC_TOO_COMPLEX;
		doc->detail = g_strdup_printf("wrote more than %d KiB of text", DOC_MAX_TEXT / 1024);
	} else if (stop == STOP_TIMEOUT || timed_out) {
		doc->status = DOC_FAILED;
		doc->limit = TRUE;
		doc->detail = g_strdup_printf("timed out after %d s", cfg->documents.timeout);
	} else if (WIFSIGNALED(status)) {
		int sig = WTERMSIG(status);
		doc->status = DOC_FAILED;
		if (sig == SIGXCPU || (sig == SIGKILL && cpu >= cfg->documents.cpu_seconds)) {
			doc->limit = TRUE;
			doc->detail = g_strdup_printf("CPU time limit (%d s)", cfg->documents.cpu_seconds);
		} else if (big) {
			doc->limit = TRUE;
			doc->detail = g_strdup_printf("out of memory (%s, limit %d MiB)", signal_name(sig),
						      cfg->documents.memory_limit);
		} else {
			doc->detail = g_strdup_printf("the reader crashed (%s)%s%s", signal_name(sig), said ? ": " : "",
						      said ? said : "");
		}
	} else {
		int code = WEXITSTATUS(status);
		doc->status = doc_status_from_exit(code);
		if (doc->status == DOC_FAILED && big) {
			doc->limit = TRUE;
			doc->detail = g_strdup_printf("out of memory (exit status %d, limit %d MiB)", code,
						      cfg->documents.memory_limit);
		} else if (doc->status != DOC_OK) {
			doc->detail = said ? g_steal_pointer(&said) : g_strdup_printf("exit status %d", code);
		}
	}
}

/* The programme's spec framed for nomd-reader --spec (document.h); NULL
 * (no error) for the built-in programme, which the reader knows. */
static GBytes *spec_frame(const struct nomd_config *cfg)
{
	if (!cfg->form_text)
		return NULL;
	GString *frame = g_string_new(NULL);
	g_string_printf(frame, "%zu\n", strlen(cfg->form_text));
	g_string_append(frame, cfg->form_text);
	gsize n = frame->len;
	return g_bytes_new_take(g_string_free(frame, FALSE), n);
}

/* One run of the reader with `args` after its path; standard input is
 * `head` (may be NULL) then `data`; at most `cap` bytes of output go
 * into *out. FALSE only when it could not be started. */
static gboolean run_reader(const struct nomd_config *cfg, const char *const *args, GBytes *head, GBytes *data,
			   gsize cap, GString **out, GString **detail, struct outcome *o, GError **error)
{
	g_autoptr(GPtrArray) argv = g_ptr_array_new();
	g_ptr_array_add(argv, cfg->documents.reader);
	for (gsize i = 0; args && args[i]; i++)
		g_ptr_array_add(argv, (gpointer)args[i]);
	g_ptr_array_add(argv, NULL);
	/* An empty environment; a sanitized build hands on its report options. */
	g_autoptr(GStrvBuilder) env = g_strv_builder_new();
	g_strv_builder_add(env, "LANG=C.UTF-8");
#ifdef __SANITIZE_ADDRESS__
	static const char *const keep[] = { "ASAN_OPTIONS", "UBSAN_OPTIONS", "LSAN_OPTIONS" };
	for (size_t i = 0; i < G_N_ELEMENTS(keep); i++) {
		if (!g_getenv(keep[i]))
			continue;
		g_autofree char *pair = g_strdup_printf("%s=%s", keep[i], g_getenv(keep[i]));
		g_strv_builder_add(env, pair);
	}
#endif
	g_auto(GStrv) envp = g_strv_builder_end(env);
	struct limits lim = { .memory = (rlim_t)cfg->documents.memory_limit * 1024 * 1024,
			      .cpu = (rlim_t)cfg->documents.cpu_seconds };
	GPid pid = 0;
	struct run r = { .in = -1, .out = -1, .err = -1, .cap = cap };
	if (!g_spawn_async_with_pipes_and_fds("/", (const char *const *)argv->pdata, (const char *const *)envp,
					      G_SPAWN_DO_NOT_REAP_CHILD, child_setup, &lim, -1, -1, -1, NULL, NULL, 0,
					      &pid, &r.in, &r.out, &r.err, error))
		return FALSE;
	g_unix_set_fd_nonblocking(r.in, TRUE, NULL);
	g_unix_set_fd_nonblocking(r.out, TRUE, NULL);
	g_unix_set_fd_nonblocking(r.err, TRUE, NULL);
	if (head)
		r.head = g_bytes_get_data(head, &r.head_len);
	r.data = g_bytes_get_data(data, &r.len);
	r.text = g_string_new(NULL);
	r.detail = g_string_new(NULL);
	r.deadline = g_get_monotonic_time() + (gint64)cfg->documents.timeout * G_USEC_PER_SEC;
	if (r.head_len + r.len == 0)
		close_fd(&r.in);
	*o = (struct outcome){ .stop = exchange(&r) };
	close_fd(&r.in);
	close_fd(&r.out);
	close_fd(&r.err);
	reap(pid, r.deadline, o->stop != STOP_NONE, &o->status, &o->ru, &o->timed_out);
	*out = r.text;
	*detail = r.detail;
	return TRUE;
}

gboolean docread_run(const struct nomd_config *cfg, struct mime_document *doc, char **text, GError **error)
{
	*text = NULL;
	g_autoptr(GBytes) head = spec_frame(cfg);
	static const char *const with_spec[] = { DOC_SPEC_OPTION, NULL };
	GString *out = NULL, *detail = NULL;
	struct outcome o;
	if (!run_reader(cfg, head ? with_spec : NULL, head, doc->data, DOC_MAX_TEXT + DOCREAD_TEXT_SLACK, &out, &detail,
			&o, error))
		return FALSE;
	settle(cfg, doc, o.stop, o.timed_out, o.status, &o.ru, detail);
	g_string_free(detail, TRUE);
	if (doc->status == DOC_OK) {
		/* The reader's text is promised valid UTF-8; a NUL would end it. */
		for (gsize i = 0; i < out->len; i++)
			if (out->str[i] == '\0')
				out->str[i] = ' ';
		*text = g_utf8_make_valid(out->str, out->len);
	}
	g_string_free(out, TRUE);
	return TRUE;
}

GBytes *docread_make_form(const struct nomd_config *cfg, const char *form_text, guint sections, GError **error)
{
	g_autoptr(GBytes) head = spec_frame(cfg);
	g_autofree char *n = g_strdup_printf("%u", sections);
	const char *const args[] = { "--make-form", "--sections", n, head ? DOC_SPEC_OPTION : NULL, NULL };
	g_autoptr(GBytes) data = g_bytes_new(form_text, strlen(form_text));
	GString *out = NULL, *detail = NULL;
	struct outcome o;
	if (!run_reader(cfg, args, head, data, DOCREAD_MAX_FORM, &out, &detail, &o, error))
		return NULL;
	g_autofree char *said = first_line(detail);
	g_string_free(detail, TRUE);
	g_autofree char *why = NULL;
	if (o.stop == STOP_FLOOD)
		why = g_strdup_printf("wrote more than %d KiB", DOCREAD_MAX_FORM / 1024);
	else if (o.stop != STOP_NONE || o.timed_out)
		why = g_strdup_printf("timed out after %d s", cfg->documents.timeout);
	else if (WIFSIGNALED(o.status))
		why = g_strdup_printf("killed by %s", signal_name(WTERMSIG(o.status)));
	else if (WEXITSTATUS(o.status) != 0)
		why = g_strdup_printf("exit status %d", WEXITSTATUS(o.status));
	if (why) {
		g_string_free(out, TRUE);
		g_set_error(error, G_SPAWN_ERROR, G_SPAWN_ERROR_FAILED, "nomd-reader --make-form: %s%s%s", why,
			    said ? ": " : "", said ? said : "");
		return NULL;
	}
	gsize len = out->len;
	return g_bytes_new_take(g_string_free(out, FALSE), len);
}
