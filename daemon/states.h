/* states: the states of a nominee, of their consent, of an answer to an
 * invitation, what a pair is asked and how it is doing, as enums with one name table each. The names are what the
 * database stores (its CHECK constraints list the same words) and what
 * nomctl and the templates show; code decides on the enums and converts
 * only where a state is read from or written to the store. */
#ifndef NOMD_STATES_H
#define NOMD_STATES_H

#include <glib.h>

/* A nomination: taken, refused by the rules, or withdrawn (by command or a
 * declined consent). */
enum nominee_status { NOMINEE_ACCEPTED, NOMINEE_REFUSED, NOMINEE_WITHDRAWN, NOMINEE_STATUS_COUNT };

/* A nominee's answer to the welcome. */
enum consent { CONSENT_PENDING, CONSENT_CONFIRMED, CONSENT_DECLINED, CONSENT_COUNT };

/* An invitee's answer to an event invitation; RSVP_NONE: none yet (and,
 * in a decision, no answer read). */
enum rsvp { RSVP_NONE, RSVP_ACCEPTED, RSVP_DECLINED, RSVP_TENTATIVE, RSVP_WAITING, RSVP_COUNT };

/* What nomd asks each side of a pair: whether they have met, how it is
 * going, and at the end of the programme for feedback. */
enum ask_kind { ASK_MEETING, ASK_CHECKIN, ASK_FEEDBACK, ASK_KIND_COUNT };

/* How a pair is doing, as staff see it (derived from the answers). */
enum pair_health { HEALTH_ON_TRACK, HEALTH_QUIET, HEALTH_NEEDS_HELP, HEALTH_COUNT };

/* Where an organisation's nominations stand: nothing yet, some, both
 * quotas full, or members and mentors unequal. */
enum org_state { ORG_NONE_YET, ORG_IN_PROGRESS, ORG_COMPLETE, ORG_UNEQUAL, ORG_STATE_COUNT };

const char *nominee_status_name(enum nominee_status s);
const char *org_state_name(enum org_state s);	  /* "none yet", "in progress", "complete", "unequal" */
const char *ask_kind_name(enum ask_kind k);	  /* "meeting", "checkin", "feedback" */
const char *pair_health_name(enum pair_health h); /* "on track", "quiet", "needs help" */
gboolean ask_kind_from_name(const char *name, enum ask_kind *out);
const char *consent_name(enum consent c);
const char *rsvp_name(enum rsvp r);
/* The state a name stands for; FALSE (and *out unchanged) for NULL or a
 * name not in the table. */
gboolean nominee_status_from_name(const char *name, enum nominee_status *out);
gboolean consent_from_name(const char *name, enum consent *out);
gboolean rsvp_from_name(const char *name, enum rsvp *out);

#endif
