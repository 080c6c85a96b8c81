/* Unit tests: the digest schedule, across days, weeks and summer time. */
#include <stdlib.h>

#include "../../daemon/clock.h"
#include "../../daemon/schedule.h"
#include "tap.h"

static gint64 at(const char *iso)
{
	g_autoptr(GTimeZone) utc = g_time_zone_new_utc();
	g_autoptr(GDateTime) t = g_date_time_new_from_iso8601(iso, utc);
	return t ? g_date_time_to_unix(t) : -1;
}

int main(void)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(schedule) daily = NULL;
	ok(schedule_parse("daily 08:00", "Europe/London", &daily, &error) && daily, "daily 08:00 parses");
	g_autofree char *k1 = NULL, *k2 = NULL, *k3 = NULL, *k4 = NULL;
	is_int(schedule_last_due(daily, at("2027-01-20T07:59:59Z"), &k1), at("2027-01-19T08:00:00Z"),
	       "a second before 08:00 the last due time is yesterday's");
	is_str(k1, "2027-01-19", "with yesterday's key");
	is_int(schedule_last_due(daily, at("2027-01-20T08:00:00Z"), &k2), at("2027-01-20T08:00:00Z"),
	       "at 08:00 it is today's");
	is_str(k2, "2027-01-20", "today's key");
	is_int(schedule_last_due(daily, at("2027-07-20T07:30:00Z"), &k3), at("2027-07-20T07:00:00Z"),
	       "in summer 08:00 is 07:00 UTC");
	is_str(k3, "2027-07-20", "key by the local date");
	is_int(schedule_next_due(daily, at("2027-01-20T08:00:00Z")), at("2027-01-21T08:00:00Z"), "next: tomorrow");
	/* The clocks go forward on 28 March 2027 and back on 31 October. */
	is_int(schedule_next_due(daily, at("2027-03-27T09:00:00Z")), at("2027-03-28T07:00:00Z"),
	       "across the spring change: 08:00 BST the next morning (23 hours later)");
	is_int(schedule_next_due(daily, at("2027-10-30T08:00:00Z")), at("2027-10-31T08:00:00Z"),
	       "across the autumn change: 08:00 GMT (25 hours later)");
	is_int(schedule_last_due(daily, at("2027-03-28T06:30:00Z"), &k4), at("2027-03-27T08:00:00Z"),
	       "07:30 BST on the change day: still yesterday's");

	g_autoptr(schedule) weekly = NULL;
	ok(schedule_parse("weekly mon 09:30", "Europe/London", &weekly, &error), "weekly mon 09:30 parses");
	g_autofree char *w1 = NULL, *w2 = NULL;
	is_int(schedule_last_due(weekly, at("2027-01-20T12:00:00Z"), &w1), at("2027-01-18T09:30:00Z"),
	       "on a Wednesday the last due time is Monday's");
	is_str(w1, "2027-W03", "ISO week key");
	is_int(schedule_last_due(weekly, at("2027-01-18T09:29:00Z"), &w2), at("2027-01-11T09:30:00Z"),
	       "a minute early on Monday: the week before");
	is_str(w2, "2027-W02", "the week before's key");
	is_int(schedule_next_due(weekly, at("2027-01-18T09:30:00Z")), at("2027-01-25T09:30:00Z"), "next: a week on");
	g_autoptr(schedule) sunday = NULL;
	ok(schedule_parse("weekly Sunday 18:00", "Europe/London", &sunday, &error), "full day names too");

	g_autoptr(schedule) off = NULL;
	ok(schedule_parse("off", "Europe/London", &off, &error) && off == NULL, "off: no schedule");
	is_int(schedule_last_due(off, at("2027-01-20T12:00:00Z"), NULL), 0, "and never due");
	const char *bad[] = { "daily", "daily 8:00", "daily 24:00", "weekly 09:00", "weekly xyz 09:00", "hourly", "" };
	for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
		g_autoptr(schedule) s = NULL;
		g_autoptr(GError) e = NULL;
		ok(!schedule_parse(bad[i], "Europe/London", &s, &e) && e, "'%s' refused", bad[i]);
	}
	g_autoptr(schedule) nozone = NULL;
	g_autoptr(GError) ze = NULL;
	ok(!schedule_parse("daily 08:00", "Mars/Olympus", &nozone, &ze) && ze, "unknown zone refused");

	g_setenv("NOMD_NOW", "2027-01-20T08:00:00Z", TRUE);
	is_int(clock_now(), at("2027-01-20T08:00:00Z"), "NOMD_NOW sets the clock");
	g_unsetenv("NOMD_NOW");
	ok(llabs(clock_now() - g_get_real_time() / G_USEC_PER_SEC) <= 1, "else the real time");
	return tap_done();
}
