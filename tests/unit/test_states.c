/* The state name tables: every state has the name the database stores and
 * nomctl shows, names read back to the same state, and anything else is
 * refused rather than read as some state. */
#include <string.h>

#include "../../daemon/decide.h"
#include "../../daemon/states.h"
#include "tap.h"

int main(void)
{
	/* The words the schema's CHECK constraints allow, in enum order. */
	const char *status[] = { "accepted", "refused", "withdrawn" };
	const char *consent[] = { "pending", "confirmed", "declined" };
	const char *rsvp[] = { "none", "accepted", "declined", "tentative", "waiting" };
	gboolean names = TRUE, back = TRUE;
	for (int i = 0; i < NOMINEE_STATUS_COUNT; i++) {
		enum nominee_status s = NOMINEE_REFUSED;
		names &= strcmp(nominee_status_name(i), status[i]) == 0;
		back &= nominee_status_from_name(status[i], &s) && s == (enum nominee_status)i;
	}
	ok(names && back, "nominee status: accepted, refused, withdrawn, and back");
	names = back = TRUE;
	for (int i = 0; i < CONSENT_COUNT; i++) {
		enum consent c = CONSENT_DECLINED;
		names &= strcmp(consent_name(i), consent[i]) == 0;
		back &= consent_from_name(consent[i], &c) && c == (enum consent)i;
	}
	ok(names && back, "consent: pending, confirmed, declined, and back");
	names = back = TRUE;
	for (int i = 0; i < RSVP_COUNT; i++) {
		enum rsvp r = RSVP_WAITING;
		names &= strcmp(rsvp_name(i), rsvp[i]) == 0;
		back &= rsvp_from_name(rsvp[i], &r) && r == (enum rsvp)i;
	}
	ok(names && back, "RSVP: none, accepted, declined, tentative, waiting, and back");

	enum nominee_status s = NOMINEE_WITHDRAWN;
	ok(!nominee_status_from_name("Accepted", &s) && !nominee_status_from_name("", &s) &&
		   !nominee_status_from_name(NULL, &s) && s == NOMINEE_WITHDRAWN,
	   "an unknown status, other case, empty or NULL: refused, the state untouched");
	enum consent c = CONSENT_PENDING;
	ok(!consent_from_name("yes", &c) && !consent_from_name("confirmed ", &c) && c == CONSENT_PENDING,
	   "an unknown consent: refused");
	enum rsvp r = RSVP_NONE;
	ok(!rsvp_from_name("maybe", &r) && !rsvp_from_name("accept", &r) && r == RSVP_NONE,
	   "an unknown RSVP answer: refused");
	ok(strcmp(nominee_status_name((enum nominee_status)NOMINEE_STATUS_COUNT), "?") == 0 &&
		   strcmp(rsvp_name((enum rsvp) - 1), "?") == 0,
	   "a value outside the enum names itself \"?\", never reads past the table");
	const char *outcomes[] = { "accepted", "partial", "rejected", "held", "ignored" };
	gboolean all = TRUE;
	for (int i = 0; i < OUTCOME_COUNT; i++)
		all &= strcmp(outcome_name(i), outcomes[i]) == 0;
	ok(all, "outcome names as stored and logged");
	ok(strcmp(outcome_name(OUTCOME_COUNT), "?") == 0, "an outcome out of range: \"?\"");
	return tap_done();
}
