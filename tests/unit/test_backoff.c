/* Unit tests: the retry backoff shared by reconnection and the outbox
 * (daemon/util.c): it doubles, stops at its cap, and its jitter stays
 * within [ceiling / 2, ceiling]. */
#include "../../daemon/util.h"
#include "tap.h"

/* Many draws for attempt n: all within the bound, and spread over it
 * (a constant delay would put many daemons in step). */
static void jitter_within(gint64 base, gint64 cap, int n, gint64 want_ceiling)
{
	gint64 lo = G_MAXINT64, hi = 0;
	for (int i = 0; i < 2000; i++) {
		gint64 d = backoff_jittered(base, cap, n);
		lo = MIN(lo, d);
		hi = MAX(hi, d);
	}
	ok(lo >= want_ceiling / 2 && hi <= want_ceiling,
	   "base %" G_GINT64_FORMAT " n %d: delays in [%" G_GINT64_FORMAT ", %" G_GINT64_FORMAT
	   "] (saw %" G_GINT64_FORMAT "..%" G_GINT64_FORMAT ")",
	   base, n, want_ceiling / 2, want_ceiling, lo, hi);
	ok(hi - lo > want_ceiling / 4, "base %" G_GINT64_FORMAT " n %d: jittered, not one value", base, n);
}

int main(void)
{
	/* Reconnection: 1 s doubling to 5 min. */
	gint64 want = 1000;
	gboolean doubles = TRUE;
	for (int n = 0; n <= 8; n++, want *= 2) {
		gint64 got = backoff_ceiling(1000, 300000, n);
		if (got != want) {
			printf("# n %d: %" G_GINT64_FORMAT ", want %" G_GINT64_FORMAT "\n", n, got, want);
			doubles = FALSE;
		}
	}
	ok(doubles, "1 s, 2 s, 4 s ... 256 s: each step doubles the last");
	is_int(backoff_ceiling(1000, 300000, 9), 300000, "then the cap: 300 s, not 512 s");
	is_int(backoff_ceiling(1000, 300000, 40), 300000, "and it stays there (no overflow after many failures)");
	is_int(backoff_ceiling(1000, 300000, G_MAXINT), 300000, "even after G_MAXINT failures");
	/* A refused login starts at 60 s: the floor above a smaller cap wins. */
	is_int(backoff_ceiling(60000, 30000, 0), 60000, "a base above the cap is the delay, not cut to the cap");
	is_int(backoff_ceiling(60000, 300000, 2), 240000, "60 s doubling: 240 s at the third step");
	/* The outbox: smtp.retry_min 60 doubling to smtp.retry_max 3600. */
	is_int(backoff_ceiling(60, 3600, 0), 60, "outbox: retry_min first");
	is_int(backoff_ceiling(60, 3600, 5), 1920, "outbox: 60 * 2^5");
	is_int(backoff_ceiling(60, 3600, 6), 3600, "outbox: capped at retry_max");
	is_int(backoff_ceiling(7, 7, 3), 7, "retry_min == retry_max: never grows");

	jitter_within(1000, 300000, 0, 1000);
	jitter_within(1000, 300000, 3, 8000);
	jitter_within(1000, 300000, 20, 300000);
	jitter_within(60, 3600, 2, 240);
	is_int(backoff_jittered(1, 1, 0) <= 1 && backoff_jittered(1, 1, 0) >= 0, 1, "a 1-unit delay stays 0..1");
	return tap_done();
}
