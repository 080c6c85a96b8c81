/* log: one line per event on stderr, with a level. Owns the verbosity,
 * and the one progress line `nomd --once` keeps on a terminal (never in
 * a pipe or the journal): log lines go above it. */
#ifndef NOMD_LOG_H
#define NOMD_LOG_H

#include <glib.h>

enum log_level { LOG_LVL_ERROR, LOG_LVL_WARN, LOG_LVL_INFO, LOG_LVL_DEBUG };

void log_set_level(enum log_level level);
/* The name lines start with ("nomd@awards"); "nomd" until set. */
void log_set_name(const char *name);
gboolean log_enabled(enum log_level level);
void log_msg(enum log_level level, const char *fmt, ...) G_GNUC_PRINTF(2, 3);

/* Show progress lines from now on (the caller checked stderr is a terminal). */
void log_enable_progress(void);
/* Redraw the progress line: `done` of `total` `what`, the rate since
 * `started` (monotonic microseconds) and the time left; nothing unless
 * enabled. log_progress_end() leaves its last state on a line of its own. */
void log_progress(const char *what, guint done, guint total, gint64 started);
void log_progress_end(void);

#define log_error(...) log_msg(LOG_LVL_ERROR, __VA_ARGS__)
#define log_warn(...) log_msg(LOG_LVL_WARN, __VA_ARGS__)
#define log_info(...) log_msg(LOG_LVL_INFO, __VA_ARGS__)
#define log_debug(...) log_msg(LOG_LVL_DEBUG, __VA_ARGS__)

#endif
