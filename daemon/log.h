/* log: one line per event on stderr, with a level. Owns the verbosity. */
#ifndef NOMD_LOG_H
#define NOMD_LOG_H

#include <glib.h>

enum log_level { LOG_LVL_ERROR, LOG_LVL_WARN, LOG_LVL_INFO, LOG_LVL_DEBUG };

void log_set_level(enum log_level level);
gboolean log_enabled(enum log_level level);
void log_msg(enum log_level level, const char *fmt, ...) G_GNUC_PRINTF(2, 3);

#define log_error(...) log_msg(LOG_LVL_ERROR, __VA_ARGS__)
#define log_warn(...) log_msg(LOG_LVL_WARN, __VA_ARGS__)
#define log_info(...) log_msg(LOG_LVL_INFO, __VA_ARGS__)
#define log_debug(...) log_msg(LOG_LVL_DEBUG, __VA_ARGS__)

#endif
