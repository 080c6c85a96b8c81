/* crashmark: a line per crash, written from the signal handler with
 * write(2) only, read back and cleared by the next pass. */
#include "crashmark.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static int mark_fd = -1;
static char *mark_path;
/* "UIDVALIDITY UID " prepared outside the handler; empty when idle. */
static char in_hand[48];
static volatile sig_atomic_t in_hand_len;

static void on_crash(int sig)
{
	if (mark_fd >= 0 && in_hand_len > 0) {
		char buf[sizeof in_hand + 8];
		int n = in_hand_len;
		memcpy(buf, in_hand, n);
		/* The signal number, by hand: snprintf is not async-signal-safe. */
		if (sig >= 10)
			buf[n++] = (char)('0' + sig / 10);
		buf[n++] = (char)('0' + sig % 10);
		buf[n++] = '\n';
		ssize_t w = write(mark_fd, buf, n);
		(void)w;
	}
	/* SA_RESETHAND restored the default action: die as we would have. */
	raise(sig);
}

gboolean crashmark_init(const char *path, GError **error)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
	if (fd < 0) {
		g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(errno), "%s: %s", path, g_strerror(errno));
		return FALSE;
	}
	if (mark_fd >= 0)
		close(mark_fd);
	mark_fd = fd;
	g_free(mark_path);
	mark_path = g_strdup(path);
	struct sigaction sa = { 0 };
	sa.sa_handler = on_crash;
	sa.sa_flags = SA_RESETHAND | SA_NODEFER;
	sigemptyset(&sa.sa_mask);
	const int sigs[] = { SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT };
	for (size_t i = 0; i < G_N_ELEMENTS(sigs); i++)
		sigaction(sigs[i], &sa, NULL);
	return TRUE;
}

void crashmark_set(guint32 uidvalidity, guint32 uid)
{
	in_hand_len = 0;
	int n = snprintf(in_hand, sizeof in_hand, "%u %u ", uidvalidity, uid);
	in_hand_len = n > 0 && n < (int)sizeof in_hand ? n : 0;
}

void crashmark_clear(void)
{
	in_hand_len = 0;
}

GArray *crashmark_collect(void)
{
	GArray *out = g_array_new(FALSE, TRUE, sizeof(struct crash_record));
	if (!mark_path)
		return out;
	g_autofree char *text = NULL;
	if (!g_file_get_contents(mark_path, &text, NULL, NULL) || !*text)
		return out;
	g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
	for (size_t i = 0; lines[i]; i++) {
		struct crash_record r = { 0 };
		if (sscanf(lines[i], "%u %u %d", &r.uidvalidity, &r.uid, &r.signal) == 3)
			g_array_append_val(out, r);
	}
	if (ftruncate(mark_fd, 0) < 0)
		g_warning("cannot empty %s: %s", mark_path, g_strerror(errno));
	return out;
}
