/* crashmark: remembers which server message was in hand when nomd crashed
 * (SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT), so that the crash counts as
 * a failure of that message. A death without a signal handler (SIGKILL,
 * power loss) leaves no mark and is told apart from a crash. */
#ifndef NOMD_CRASHMARK_H
#define NOMD_CRASHMARK_H

#include <glib.h>

struct crash_record {
	guint32 uidvalidity;
	guint32 uid;
	int signal;
};

/* Open PATH (appending) and install the crash handlers. */
gboolean crashmark_init(const char *path, GError **error);
/* The message now in hand, or none. Async-signal-safe to read. */
void crashmark_set(guint32 uidvalidity, guint32 uid);
void crashmark_clear(void);
/* Crashes recorded so far (struct crash_record); empties the file. */
GArray *crashmark_collect(void);

#endif
