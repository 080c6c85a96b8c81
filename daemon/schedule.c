/* schedule: see schedule.h. Due times are built from local dates and
 * clock times with GDateTime, never by adding seconds, so a day of 23 or
 * 25 hours keeps the job at the same wall-clock time. */
#include "schedule.h"

#include <string.h>

/* clang-format off */
G_DEFINE_QUARK(nomd-schedule-error-quark, schedule_error)
/* clang-format on */

struct schedule {
	GTimeZone *tz;
	int weekday; /* 0: daily; 1..7 Monday..Sunday (GLib's numbering) */
	int hour, minute;
};

void schedule_free(struct schedule *s)
{
	if (!s)
		return;
	if (s->tz)
		g_time_zone_unref(s->tz);
	g_free(s);
}

static int parse_weekday(const char *w)
{
	static const char *const days[] = { "mon", "tue", "wed", "thu", "fri", "sat", "sun" };
	for (int i = 0; i < 7; i++)
		if (g_ascii_strncasecmp(w, days[i], 3) == 0 && (strlen(w) == 3 || g_str_has_suffix(w, "day")))
			return i + 1;
	return 0;
}

static gboolean parse_clock(const char *v, int *hour, int *minute)
{
	return strlen(v) == 5 && g_ascii_isdigit(v[0]) && g_ascii_isdigit(v[1]) && v[2] == ':' &&
	       g_ascii_isdigit(v[3]) && g_ascii_isdigit(v[4]) && (*hour = (v[0] - '0') * 10 + v[1] - '0') < 24 &&
	       (*minute = (v[3] - '0') * 10 + v[4] - '0') < 60;
}

gboolean schedule_parse(const char *spec, const char *tzid, struct schedule **out, GError **error)
{
	*out = NULL;
	g_auto(GStrv) words = g_strsplit_set(spec ? spec : "", " \t", -1);
	g_autoptr(GPtrArray) w = g_ptr_array_new();
	for (int i = 0; words[i]; i++)
		if (*words[i])
			g_ptr_array_add(w, words[i]);
	if (w->len == 1 && g_ascii_strcasecmp(w->pdata[0], "off") == 0)
		return TRUE;
	g_autoptr(schedule) s = g_new0(struct schedule, 1);
	gboolean ok = FALSE;
	if (w->len == 2 && g_ascii_strcasecmp(w->pdata[0], "daily") == 0)
		ok = parse_clock(w->pdata[1], &s->hour, &s->minute);
	else if (w->len == 3 && g_ascii_strcasecmp(w->pdata[0], "weekly") == 0)
		ok = (s->weekday = parse_weekday(w->pdata[1])) != 0 && parse_clock(w->pdata[2], &s->hour, &s->minute);
	if (!ok) {
		g_set_error(
			error, SCHEDULE_ERROR, 0,
			"'%s' is not a schedule: use \"daily HH:MM\", \"weekly DAY HH:MM\" (DAY mon..sun) or \"off\"",
			spec ? spec : "");
		return FALSE;
	}
	s->tz = g_time_zone_new_identifier(tzid);
	if (!s->tz) {
		g_set_error(error, SCHEDULE_ERROR, 0,
			    "'%s' is not a time zone this system knows (such as Europe/London)", tzid ? tzid : "");
		return FALSE;
	}
	*out = g_steal_pointer(&s);
	return TRUE;
}

/* The due time on the local date of `day` (any time that day). */
static GDateTime *due_on(const struct schedule *s, GDateTime *day)
{
	return g_date_time_new(s->tz, g_date_time_get_year(day), g_date_time_get_month(day),
			       g_date_time_get_day_of_month(day), s->hour, s->minute, 0);
}

gint64 schedule_last_due(const struct schedule *s, gint64 now, char **period_key)
{
	if (period_key)
		*period_key = NULL;
	if (!s)
		return 0;
	g_autoptr(GDateTime) utc = g_date_time_new_from_unix_utc(now);
	g_autoptr(GDateTime) local = g_date_time_to_timezone(utc, s->tz);
	int back = s->weekday ? (g_date_time_get_day_of_week(local) - s->weekday + 7) % 7 : 0;
	g_autoptr(GDateTime) day = g_date_time_add_days(local, -back);
	g_autoptr(GDateTime) due = due_on(s, day);
	if (g_date_time_to_unix(due) > now) {
		g_autoptr(GDateTime) earlier = g_date_time_add_days(day, s->weekday ? -7 : -1);
		g_date_time_unref(due);
		due = due_on(s, earlier);
	}
	if (period_key)
		*period_key = g_date_time_format(due, s->weekday ? "%G-W%V" : "%Y-%m-%d");
	return g_date_time_to_unix(due);
}

gint64 schedule_next_due(const struct schedule *s, gint64 now)
{
	if (!s)
		return 0;
	/* The first hour after `now` whose latest due time is after `now`. */
	for (gint64 t = now + 60; t <= now + 8 * 86400; t += 60 * 60) {
		gint64 due = schedule_last_due(s, t, NULL);
		if (due > now)
			return due;
	}
	return now + 86400;
}
