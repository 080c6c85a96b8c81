/* states: name tables for the enums in states.h. */
#include "states.h"

#include <string.h>

static const char *const nominee_status_names[] = {
	[NOMINEE_ACCEPTED] = "accepted",
	[NOMINEE_REFUSED] = "refused",
	[NOMINEE_WITHDRAWN] = "withdrawn",
};
_Static_assert(G_N_ELEMENTS(nominee_status_names) == NOMINEE_STATUS_COUNT, "a name for every nominee status");

static const char *const consent_names[] = {
	[CONSENT_PENDING] = "pending",
	[CONSENT_CONFIRMED] = "confirmed",
	[CONSENT_DECLINED] = "declined",
};
_Static_assert(G_N_ELEMENTS(consent_names) == CONSENT_COUNT, "a name for every consent");

static const char *const rsvp_names[] = {
	[RSVP_NONE] = "none",		[RSVP_ACCEPTED] = "accepted", [RSVP_DECLINED] = "declined",
	[RSVP_TENTATIVE] = "tentative", [RSVP_WAITING] = "waiting",
};
_Static_assert(G_N_ELEMENTS(rsvp_names) == RSVP_COUNT, "a name for every RSVP answer");

static const char *const ask_kind_names[] = {
	[ASK_MEETING] = "meeting",
	[ASK_CHECKIN] = "checkin",
	[ASK_FEEDBACK] = "feedback",
};
_Static_assert(G_N_ELEMENTS(ask_kind_names) == ASK_KIND_COUNT, "a name for every kind of question");

static const char *const pair_health_names[] = {
	[HEALTH_ON_TRACK] = "on track",
	[HEALTH_QUIET] = "quiet",
	[HEALTH_NEEDS_HELP] = "needs help",
};
_Static_assert(G_N_ELEMENTS(pair_health_names) == HEALTH_COUNT, "a name for every pair health");

static const char *const org_state_names[] = {
	[ORG_NONE_YET] = "none yet",
	[ORG_IN_PROGRESS] = "in progress",
	[ORG_COMPLETE] = "complete",
	[ORG_UNEQUAL] = "unequal",
};
_Static_assert(G_N_ELEMENTS(org_state_names) == ORG_STATE_COUNT, "a name for every organisation state");

/* One lookup for every table: the index of `name`, or -1. */
static int index_of(const char *const *names, int n, const char *name)
{
	for (int i = 0; name && i < n; i++)
		if (strcmp(names[i], name) == 0)
			return i;
	return -1;
}

/* An enum value out of range (a caller's bug) names itself "?" rather than
 * reading past the table. */
static const char *name_of(const char *const *names, int n, int value)
{
	return value >= 0 && value < n ? names[value] : "?";
}

const char *nominee_status_name(enum nominee_status s)
{
	return name_of(nominee_status_names, NOMINEE_STATUS_COUNT, (int)s);
}

const char *org_state_name(enum org_state s)
{
	return name_of(org_state_names, ORG_STATE_COUNT, (int)s);
}

const char *ask_kind_name(enum ask_kind k)
{
	return name_of(ask_kind_names, ASK_KIND_COUNT, (int)k);
}

const char *pair_health_name(enum pair_health h)
{
	return name_of(pair_health_names, HEALTH_COUNT, (int)h);
}

gboolean ask_kind_from_name(const char *name, enum ask_kind *out)
{
	int i = index_of(ask_kind_names, ASK_KIND_COUNT, name);
	if (i < 0)
		return FALSE;
	*out = (enum ask_kind)i;
	return TRUE;
}

const char *consent_name(enum consent c)
{
	return name_of(consent_names, CONSENT_COUNT, (int)c);
}

const char *rsvp_name(enum rsvp r)
{
	return name_of(rsvp_names, RSVP_COUNT, (int)r);
}

gboolean nominee_status_from_name(const char *name, enum nominee_status *out)
{
	int i = index_of(nominee_status_names, NOMINEE_STATUS_COUNT, name);
	if (i < 0)
		return FALSE;
	*out = (enum nominee_status)i;
	return TRUE;
}

gboolean consent_from_name(const char *name, enum consent *out)
{
	int i = index_of(consent_names, CONSENT_COUNT, name);
	if (i < 0)
		return FALSE;
	*out = (enum consent)i;
	return TRUE;
}

gboolean rsvp_from_name(const char *name, enum rsvp *out)
{
	int i = index_of(rsvp_names, RSVP_COUNT, name);
	if (i < 0)
		return FALSE;
	*out = (enum rsvp)i;
	return TRUE;
}
