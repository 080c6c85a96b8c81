/* schedule: when a recurring job (the staff digest) is due, and nomd's
 * clock. A schedule is "daily HH:MM", "weekly DAY HH:MM" (DAY: mon..sun)
 * or "off", read in a time zone, so 08:00 stays 08:00 across summer time.
 * Each due time belongs to a period with a stable key ("2027-01-20" daily,
 * "2027-W03" weekly): a job done once per key is done once per period,
 * however often nomd restarts. Pure: the time comes from the caller
 * (clock_now()). */
#ifndef NOMD_SCHEDULE_H
#define NOMD_SCHEDULE_H

#include <glib.h>

#define SCHEDULE_ERROR (schedule_error_quark())
GQuark schedule_error_quark(void);

struct schedule;

/* NULL *out for "off". */
gboolean schedule_parse(const char *spec, const char *tzid, struct schedule **out, GError **error);
void schedule_free(struct schedule *s);
/* The latest due time at or before `now` (seconds since the epoch), with
 * its period key; 0 when none (never, for a schedule that is off). */
gint64 schedule_last_due(const struct schedule *s, gint64 now, char **period_key);
/* The first due time after `now`. */
gint64 schedule_next_due(const struct schedule *s, gint64 now);

typedef struct schedule schedule;
G_DEFINE_AUTOPTR_CLEANUP_FUNC(schedule, schedule_free)

#endif
