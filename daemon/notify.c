/* notify: see notify.h. */
#include "notify.h"

#include <systemd/sd-daemon.h>

static gint64 last_ping;

void notify_ready(void)
{
	sd_notify(0, "READY=1\nSTATUS=starting");
}

void notify_stopping(void)
{
	sd_notify(0, "STOPPING=1\nSTATUS=stopping");
}

void notify_reloading(void)
{
	/* MONOTONIC_USEC would be needed only by Type=notify-reload (253+). */
	sd_notify(0, "RELOADING=1\nSTATUS=reloading the configuration");
}

void notify_status(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	g_autofree char *text = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	/* One line: a status never carries a newline into the protocol. */
	g_strdelimit(text, "\r\n", ' ');
	g_autofree char *msg = g_strconcat("STATUS=", text, NULL);
	sd_notify(0, msg);
}

gint64 notify_watchdog_ms(void)
{
	uint64_t usec = 0;
	if (sd_watchdog_enabled(0, &usec) <= 0)
		return 0;
	return MAX(1, (gint64)(usec / 2000));
}

void notify_watchdog(void)
{
	gint64 every = notify_watchdog_ms();
	gint64 now = g_get_monotonic_time() / 1000;
	if (every == 0 || (last_ping && now - last_ping < every))
		return;
	last_ping = now;
	sd_notify(0, "WATCHDOG=1");
}
