/* clock: see clock.h. */
#include "clock.h"

gint64 clock_now(void)
{
	const char *fake = g_getenv("NOMD_NOW");
	if (fake && *fake) {
		g_autoptr(GTimeZone) utc = g_time_zone_new_utc();
		g_autoptr(GDateTime) t = g_date_time_new_from_iso8601(fake, utc);
		if (t)
			return g_date_time_to_unix(t);
	}
	return g_get_real_time() / G_USEC_PER_SEC;
}
