/* notify: telling the service manager how nomd is (sd_notify): READY
 * once running, STATUS in words as the state changes, WATCHDOG pings, and
 * STOPPING/RELOADING. Does nothing when not started by systemd (no
 * NOTIFY_SOCKET). Only this module includes libsystemd. */
#ifndef NOMD_NOTIFY_H
#define NOMD_NOTIFY_H

#include <glib.h>

void notify_ready(void);
void notify_stopping(void);
void notify_reloading(void);
G_GNUC_PRINTF(1, 2) void notify_status(const char *fmt, ...);
/* How often the watchdog wants a ping, in milliseconds (half WatchdogSec
 * as systemd advises); 0 when there is no watchdog. */
gint64 notify_watchdog_ms(void);
/* A ping, at most every notify_watchdog_ms(); cheap to call often. */
void notify_watchdog(void);

#endif
