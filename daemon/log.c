/* log: one line per event on stderr with a level prefix. */
#include "log.h"

#include <stdarg.h>
#include <stdio.h>
#include <unistd.h>

static enum log_level current_level = LOG_LVL_INFO;
static char *log_name; /* NULL: "nomd" */
static gboolean progress_on;
static char *progress_text; /* the line shown; NULL: none */

static const char *const level_names[] = { "error", "warning", "info", "debug" };

void log_set_name(const char *name)
{
	g_free(log_name);
	log_name = g_strdup(name);
}

void log_set_level(enum log_level level)
{
	current_level = level;
}

gboolean log_enabled(enum log_level level)
{
	return level <= current_level;
}

void log_msg(enum log_level level, const char *fmt, ...)
{
	if (!log_enabled(level))
		return;
	va_list ap;
	va_start(ap, fmt);
	g_autofree char *text = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	/* Keep every event on one line, whatever the text carries. */
	for (char *p = text; *p; p++)
		if (*p == '\n' || *p == '\r')
			*p = ' ';
	/* Above the progress line, which is drawn again under it. */
	if (progress_text)
		fputs("\r\033[K", stderr);
	fprintf(stderr, "%s[%d]: %s: %s\n", log_name ? log_name : "nomd", (int)getpid(), level_names[level], text);
	if (progress_text)
		fputs(progress_text, stderr);
}

void log_enable_progress(void)
{
	progress_on = TRUE;
}

void log_progress(const char *what, guint done, guint total, gint64 started)
{
	if (!progress_on)
		return;
	double seconds = (double)(g_get_monotonic_time() - started) / G_USEC_PER_SEC;
	double rate = seconds > 0 ? done / seconds : 0;
	g_free(progress_text);
	if (done >= total || rate <= 0)
		progress_text = g_strdup_printf("nomd: %u of %u %s in %.0f s", done, total, what, seconds);
	else
		progress_text = g_strdup_printf("nomd: %u of %u %s, %.0f/s, about %.0f s left", done, total, what, rate,
						(total - done) / rate);
	fprintf(stderr, "\r\033[K%s", progress_text);
	fflush(stderr);
}

void log_progress_end(void)
{
	if (!progress_text)
		return;
	fputc('\n', stderr);
	g_clear_pointer(&progress_text, g_free);
}
