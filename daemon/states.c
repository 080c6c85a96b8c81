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
