/* clock: the time the scheduled jobs (digests, reminders, events) see.
 * NOMD_NOW, an ISO 8601 time, sets it for tests; otherwise the real time. */
#ifndef NOMD_CLOCK_H
#define NOMD_CLOCK_H

#include <glib.h>

/* Seconds since the epoch. */
gint64 clock_now(void);

#endif
