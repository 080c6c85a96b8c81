/* ical: the programme's event invitations as iCalendar (RFC 5545) iTIP
 * messages (RFC 5546): builds the REQUEST and CANCEL texts sent to
 * attendees and reads the REPLY they send back. Owns the iCalendar text
 * and its checks; knows nothing of mail or of the store. Wraps libical,
 * which stays private to ical.c: no other nomd file includes it.
 *
 * Rules for ical_build:
 *  - The text is a whole VCALENDAR with CRLF line ends, folded at 75
 *    octets (never inside a UTF-8 character): PRODID "-//nomd//nomd//EN",
 *    VERSION 2.0, METHOD, one VTIMEZONE and one VEVENT.
 *  - The VTIMEZONE is libical's description of tzid from the system zone
 *    data (/usr/share/zoneinfo on Debian), cut to the rules in force from
 *    a year before the event on, with TZID set to tzid itself (libical
 *    would say "/freeassociation.sourceforge.net/Europe/London").
 *  - DTSTART and DTEND are local times of tzid with TZID=tzid. The one
 *    exception: a local time that occurs twice (the hour the clocks go
 *    back) is written in UTC ("...Z", no TZID), since readers disagree
 *    on which of the two it means (RFC 5545 says the first; libical
 *    takes the second).
 *  - DESCRIPTION is description, then url on its own line when set;
 *    LOCATION is location, or url when there is no location; URL is url.
 *  - REQUEST: ATTENDEE;CN=..;ROLE=REQ-PARTICIPANT;PARTSTAT=NEEDS-ACTION;
 *    RSVP=TRUE. CANCEL: STATUS:CANCELLED and ATTENDEE;CN=..;
 *    ROLE=REQ-PARTICIPANT, with the UID of the request and the (raised)
 *    SEQUENCE given.
 *  - Text (title, description, location) is escaped by libical; CR LF
 *    and lone CR become LF, other control characters a space. In CN
 *    (names) every control character, CR and LF included, becomes a
 *    space and '"' becomes '\'' (a parameter cannot hold '"'; libical's
 *    RFC 6868 "^'" shows as such in Outlook). Empty names are left out.
 *  - Bad input is an error (ICAL_ERR_INVALID): strings that are not
 *    UTF-8, an empty uid or title, a negative sequence, duration <= 0,
 *    times outside 1970..9999, addresses that are not one word with an
 *    '@' inside, or a url with blanks or control characters (addresses
 *    and urls go out unescaped: a CR LF there would add properties).
 *  - "UTC" and "GMT" are libical's own zone with no VTIMEZONE: use
 *    "Etc/UTC". Zone names are letters, digits and "/_+-" only, so a
 *    name never leaves the zone directory; "right/..." (leap seconds
 *    counted) is refused.
 *
 * Rules for ical_read_reply: see below.
 *
 * libical keeps global state (the zone cache, icalerrno, whether errors
 * abort): call this module from one thread only. */
#ifndef NOMD_ICAL_H
#define NOMD_ICAL_H

#include <glib.h>

#define ICAL_ERROR (ical_error_quark())
GQuark ical_error_quark(void);

/* Not ICAL_ERROR_*: libical has ICAL_ERROR_FATAL and friends. */
enum ical_error_code {
	ICAL_ERR_INVALID, /* a field of the event is missing or unusable */
	ICAL_ERR_ZONE,	  /* tzid is not a zone libical can describe */
	ICAL_ERR_LIBICAL, /* libical failed (out of memory) */
};

struct ical_event {
	const char *uid; /* stable per event, e.g. "event-7@example.org" */
	int sequence;	 /* raised on each update */
	const char *title;
	const char *description;		      /* may be NULL */
	const char *location;			      /* may be NULL */
	const char *url;			      /* online meeting link, may be NULL */
	gint64 start;				      /* seconds since the epoch (UTC) */
	int duration;				      /* seconds, > 0 */
	const char *tzid;			      /* IANA zone the event is held in, e.g. "Europe/London" */
	const char *organizer_email, *organizer_name; /* name may be NULL */
	const char *attendee_email, *attendee_name;   /* name may be NULL */
	gint64 stamp;				      /* DTSTAMP, seconds since the epoch */
};

enum ical_method { ICAL_REQUEST, ICAL_CANCEL };

/* The VCALENDAR text (rules above), for g_free; NULL with error set for
 * an unknown zone (ICAL_ERR_ZONE) or bad input (ICAL_ERR_INVALID). */
char *ical_build(enum ical_method m, const struct ical_event *e, GError **error);

/* Whether tzid names a zone libical can describe (and so ical_build
 * accepts). Loads the zone into libical's cache. */
gboolean ical_zone_known(const char *tzid);

/* The same names as libical's own PARTSTAT constants: ical.c renames
 * libical's while reading its header. */
enum ical_partstat { ICAL_PARTSTAT_NONE, ICAL_PARTSTAT_ACCEPTED, ICAL_PARTSTAT_DECLINED, ICAL_PARTSTAT_TENTATIVE };

/* "none", "accepted", "declined", "tentative" ("none" for anything else). */
const char *ical_partstat_name(enum ical_partstat p);

struct ical_reply {
	char *uid;
	char *attendee; /* lower-case address, without "mailto:" */
	enum ical_partstat partstat;
	int sequence; /* 0 when absent (or negative) */
};

#define ICAL_MAX_BYTES (256 * 1024)
#define ICAL_MAX_UID 1024
#define ICAL_MAX_ADDRESS 254

/* The iTIP REPLY in a text/calendar body, into *out (free with
 * ical_reply_clear; *out is overwritten, so clear an earlier reply in it
 * first). TRUE when:
 *  - len is 1..ICAL_MAX_BYTES and libical finds a VCALENDAR (the first,
 *    if there are several; a NUL byte ends the text);
 *  - its METHOD is REPLY, or it has no METHOD and the VEVENT's ATTENDEE
 *    has PARTSTAT ACCEPTED, DECLINED or TENTATIVE (some clients send
 *    replies so); any other METHOD (REQUEST, CANCEL, ...) is FALSE;
 *  - its first VEVENT has a UID of 1..ICAL_MAX_UID bytes of UTF-8
 *    without control characters;
 *  - that VEVENT has exactly one ATTENDEE (a REPLY speaks for one
 *    attendee, RFC 5546 3.2.3; several would leave it unclear whose
 *    answer it is), whose value is an address with an '@' inside, with
 *    or without "mailto:" in any case.
 * partstat is NONE for a REPLY whose PARTSTAT is missing or another
 * value (NEEDS-ACTION, DELEGATED, X-...). LF-only line ends, folded
 * lines, quoted parameters, X- properties and a VTIMEZONE first are all
 * read (libical); lines over 8000 octets once unfolded are skipped. On
 * FALSE *out is all zero. Never crashes on hostile input, and libical
 * prints nothing: its errors are made non-fatal, and it is given only
 * the first VCALENDAR, so it never warns of an END without a BEGIN. */
gboolean ical_read_reply(const char *data, gsize len, struct ical_reply *out);
void ical_reply_clear(struct ical_reply *r);

#endif
