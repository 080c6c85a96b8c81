/* Unit tests: event invitations and replies (parsers/ical.c). What is
 * built is read back with libical itself, as a calendar would. */

/* libical's PARTSTAT constants share names with ical.h's: see ical.c. */
#define ICAL_PARTSTAT_NONE LIBICAL_PARTSTAT_NONE
#define ICAL_PARTSTAT_ACCEPTED LIBICAL_PARTSTAT_ACCEPTED
#define ICAL_PARTSTAT_DECLINED LIBICAL_PARTSTAT_DECLINED
#define ICAL_PARTSTAT_TENTATIVE LIBICAL_PARTSTAT_TENTATIVE
#include <libical/ical.h>
#undef ICAL_PARTSTAT_NONE
#undef ICAL_PARTSTAT_ACCEPTED
#undef ICAL_PARTSTAT_DECLINED
#undef ICAL_PARTSTAT_TENTATIVE

#include "../../parsers/ical.h"
#include "tap.h"

#include <sys/stat.h>
#include <unistd.h>

G_DEFINE_AUTOPTR_CLEANUP_FUNC(icalcomponent, icalcomponent_free)

#define JAN_START G_GINT64_CONSTANT(1768501800) /* 2026-01-15 18:30 UTC = 18:30 GMT */
#define JUL_START G_GINT64_CONSTANT(1784050200) /* 2026-07-14 17:30 UTC = 18:30 BST */
#define STAMP G_GINT64_CONSTANT(1767225600)	/* 2026-01-01 00:00 UTC */

static struct ical_event sample(gint64 start)
{
	return (struct ical_event){
		.uid = "event-7@nomd.example",
		.sequence = 2,
		.title = "Mentoring evening",
		.description = "Meet your mentor.",
		.location = "Adam Smith Theatre, Kirkcaldy",
		.url = NULL,
		.start = start,
		.duration = 90 * 60,
		.tzid = "Europe/London",
		.organizer_email = "events@nomd.example",
		.organizer_name = "Programme Team",
		.attendee_email = "alex.smith@fife.example",
		.attendee_name = "Smith, Alex",
		.stamp = STAMP,
	};
}

/* The text, or NULL with the error shown and its code in *code. */
static char *build(enum ical_method m, const struct ical_event *e, int *code)
{
	g_autoptr(GError) error = NULL;
	char *text = ical_build(m, e, &error);
	if (code)
		*code = error && error->domain == ICAL_ERROR ? error->code : -1;
	if (!text)
		printf("# error: %s\n", error ? error->message : "(none set)");
	return text;
}

/* CRLF after every line and nowhere else; longest line in octets. */
static gboolean crlf_only(const char *text, gsize *longest)
{
	gsize line = 0, max = 0;
	gboolean ok = *text != '\0';
	for (const char *p = text; *p; p++) {
		if (*p == '\r') {
			ok = ok && p[1] == '\n';
			max = MAX(max, line);
			line = 0;
			if (p[1] == '\n')
				p++;
		} else if (*p == '\n') {
			ok = FALSE;
		} else {
			line++;
		}
	}
	*longest = MAX(max, line);
	return ok && line == 0; /* the last line ends too */
}

/* Every physical line valid UTF-8 on its own: folds never split a character. */
static gboolean lines_utf8(const char *text)
{
	g_auto(GStrv) lines = g_strsplit(text, "\r\n", -1);
	for (char **l = lines; *l; l++)
		if (!g_utf8_validate(*l, -1, NULL))
			return FALSE;
	return TRUE;
}

static icalcomponent *vevent_of(icalcomponent *cal)
{
	return cal ? icalcomponent_get_first_component(cal, ICAL_VEVENT_COMPONENT) : NULL;
}

static GPtrArray *strings; /* kept until the end, so checks can take plain strings */

static const char *keep(char *s)
{
	if (s)
		g_ptr_array_add(strings, s);
	return s;
}

/* A parameter's value as text ("TRUE", "NEEDS-ACTION", a CN), or NULL. */
static const char *param(icalproperty *p, icalparameter_kind kind)
{
	const char *name = icalparameter_kind_to_string(kind);
	char *v = p && name ? icalproperty_get_parameter_as_string_r(p, name) : NULL;
	const char *out = keep(g_strdup(v));
	free(v);
	return out;
}

/* The TZID of a DTSTART/DTEND, or NULL. */
static const char *tzid_of(icalproperty *p)
{
	icalparameter *par = p ? icalproperty_get_first_parameter(p, ICAL_TZID_PARAMETER) : NULL;
	return par ? icalparameter_get_tzid(par) : NULL;
}

/* "YYYYMMDDTHHMMSS" (with Z for UTC) of a DTSTART/DTEND, for g_free. */
static char *local_of(icalproperty *p)
{
	if (!p)
		return NULL;
	char *s = icaltime_as_ical_string_r(icalvalue_get_datetime(icalproperty_get_value(p)));
	char *out = g_strdup(s);
	icalmemory_free_buffer(s);
	return out;
}

/* The instant a DTSTART/DTEND means, by the VTIMEZONE in the same text
 * (not libical's own zone data), as a receiving calendar reads it. */
static gint64 instant_of(icalcomponent *cal, icalproperty *p)
{
	if (!p)
		return -1;
	struct icaltimetype t = icalvalue_get_datetime(icalproperty_get_value(p));
	const char *tzid = tzid_of(p);
	if (!tzid)
		return icaltime_is_utc(t) ? (gint64)icaltime_as_timet(t) : -1;
	icaltimezone *zone = icalcomponent_get_timezone(cal, tzid);
	return zone ? (gint64)icaltime_as_timet_with_zone(t, zone) : -1;
}

static icalproperty *prop(icalcomponent *c, icalproperty_kind kind)
{
	return c ? icalcomponent_get_first_property(c, kind) : NULL;
}

static gboolean read_reply(const char *text, struct ical_reply *r)
{
	return ical_read_reply(text, strlen(text), r);
}

/* Outlook: CRLF, METHOD:REPLY, a Windows-named VTIMEZONE first, quoted CN,
 * MAILTO: in upper case, a folded SUMMARY. */
static const char outlook[] = "BEGIN:VCALENDAR\r\n"
			      "METHOD:REPLY\r\n"
			      "PRODID:Microsoft Exchange Server 2010\r\n"
			      "VERSION:2.0\r\n"
			      "BEGIN:VTIMEZONE\r\n"
			      "TZID:GMT Standard Time\r\n"
			      "BEGIN:STANDARD\r\n"
			      "DTSTART:16010101T020000\r\n"
			      "TZOFFSETFROM:+0100\r\n"
			      "TZOFFSETTO:+0000\r\n"
			      "RRULE:FREQ=YEARLY;INTERVAL=1;BYDAY=-1SU;BYMONTH=10\r\n"
			      "END:STANDARD\r\n"
			      "BEGIN:DAYLIGHT\r\n"
			      "DTSTART:16010101T010000\r\n"
			      "TZOFFSETFROM:+0000\r\n"
			      "TZOFFSETTO:+0100\r\n"
			      "RRULE:FREQ=YEARLY;INTERVAL=1;BYDAY=-1SU;BYMONTH=3\r\n"
			      "END:DAYLIGHT\r\n"
			      "END:VTIMEZONE\r\n"
			      "BEGIN:VEVENT\r\n"
			      "ATTENDEE;PARTSTAT=ACCEPTED;CN=\"Smith, Alex\":MAILTO:Alex.Smith@fife.example\r\n"
			      "COMMENT;LANGUAGE=en-GB:\\n\r\n"
			      "SUMMARY;LANGUAGE=en-GB:Accepted: Mentoring evening at the Adam Smith Theat\r\n"
			      " re\\, Kirkcaldy\r\n"
			      "DTSTART;TZID=GMT Standard Time:20260714T183000\r\n"
			      "DTEND;TZID=GMT Standard Time:20260714T200000\r\n"
			      "UID:event-7@nomd.example\r\n"
			      "CLASS:PUBLIC\r\n"
			      "PRIORITY:5\r\n"
			      "DTSTAMP:20260702T101500Z\r\n"
			      "TRANSP:OPAQUE\r\n"
			      "STATUS:CONFIRMED\r\n"
			      "SEQUENCE:2\r\n"
			      "LOCATION;LANGUAGE=en-GB:Adam Smith Theatre\r\n"
			      "X-MICROSOFT-CDO-APPT-SEQUENCE:2\r\n"
			      "X-MICROSOFT-CDO-OWNERAPPTID:-1\r\n"
			      "X-MICROSOFT-CDO-BUSYSTATUS:BUSY\r\n"
			      "END:VEVENT\r\n"
			      "END:VCALENDAR\r\n";

/* Gmail: ATTENDEE folded inside its parameters, X-NUM-GUESTS. */
static const char gmail[] = "BEGIN:VCALENDAR\r\n"
			    "PRODID:-//Google Inc//Google Calendar 70.9054//EN\r\n"
			    "VERSION:2.0\r\n"
			    "CALSCALE:GREGORIAN\r\n"
			    "METHOD:REPLY\r\n"
			    "BEGIN:VEVENT\r\n"
			    "DTSTART:20260714T173000Z\r\n"
			    "DTEND:20260714T190000Z\r\n"
			    "DTSTAMP:20260702T101500Z\r\n"
			    "ORGANIZER;CN=Programme Team:mailto:events@nomd.example\r\n"
			    "UID:event-9@nomd.example\r\n"
			    "ATTENDEE;CUTYPE=INDIVIDUAL;ROLE=REQ-PARTICIPANT;PARTSTAT=DECLINED;CN=Jo Bl\r\n"
			    " oggs;X-NUM-GUESTS=0:mailto:jo.bloggs@gmail.example\r\n"
			    "CREATED:20260701T090000Z\r\n"
			    "DESCRIPTION:\r\n"
			    "LAST-MODIFIED:20260702T101500Z\r\n"
			    "LOCATION:\r\n"
			    "SEQUENCE:3\r\n"
			    "STATUS:CONFIRMED\r\n"
			    "SUMMARY:Mentoring evening\r\n"
			    "TRANSP:OPAQUE\r\n"
			    "END:VEVENT\r\n"
			    "END:VCALENDAR\r\n";

/* Apple Calendar as some relays pass it on: LF only, no SEQUENCE. */
static const char apple[] =
	"BEGIN:VCALENDAR\n"
	"VERSION:2.0\n"
	"PRODID:-//Apple Inc.//iPhone OS 17.5//EN\n"
	"METHOD:REPLY\n"
	"CALSCALE:GREGORIAN\n"
	"BEGIN:VEVENT\n"
	"ATTENDEE;CN=\"Sam O'Neil\";CUTYPE=INDIVIDUAL;EMAIL=\"sam@icloud.example\";PARTSTAT=TENTATIVE;\n"
	" ROLE=REQ-PARTICIPANT:mailto:Sam@iCloud.example\n"
	"DTEND;TZID=Europe/London:20260714T200000\n"
	"DTSTAMP:20260703T080000Z\n"
	"DTSTART;TZID=Europe/London:20260714T183000\n"
	"ORGANIZER;CN=Programme Team:mailto:events@nomd.example\n"
	"UID:event-11@nomd.example\n"
	"X-APPLE-TRAVEL-ADVISORY-BEHAVIOR:AUTOMATIC\n"
	"END:VEVENT\n"
	"END:VCALENDAR\n";

/* text with the first "from" replaced by "to", for g_free. */
static char *replace(const char *text, const char *from, const char *to)
{
	const char *at = strstr(text, from);
	if (!at)
		return g_strdup(text);
	return g_strdup_printf("%.*s%s%s", (int)(at - text), text, to, at + strlen(from));
}

/* Everything written to stderr between quiet_begin() and quiet_end()
 * goes to a temporary file; quiet_end() says how many bytes it got. */
static int quiet_saved = -1, quiet_fd = -1;

static void quiet_begin(void)
{
	g_autofree char *path = NULL;
	fflush(stderr);
	quiet_fd = g_file_open_tmp("test_ical-XXXXXX", &path, NULL);
	if (path)
		unlink(path);
	quiet_saved = dup(2);
	if (quiet_fd >= 0)
		dup2(quiet_fd, 2);
}

static long quiet_end(void)
{
	fflush(stderr);
	struct stat st = { 0 };
	long size = quiet_fd >= 0 && fstat(quiet_fd, &st) == 0 ? (long)st.st_size : -1;
	dup2(quiet_saved, 2);
	close(quiet_saved);
	if (quiet_fd >= 0)
		close(quiet_fd);
	return size;
}

/* A read reply keeps its promises. */
static gboolean reply_sane(const struct ical_reply *r)
{
	if (!r->uid || !*r->uid || !g_utf8_validate(r->uid, -1, NULL) || strlen(r->uid) > ICAL_MAX_UID)
		return FALSE;
	if (!r->attendee || !strchr(r->attendee, '@') || g_str_has_prefix(r->attendee, "mailto:"))
		return FALSE;
	g_autofree char *low = g_ascii_strdown(r->attendee, -1);
	return strcmp(low, r->attendee) == 0 && r->sequence >= 0 && r->partstat >= ICAL_PARTSTAT_NONE &&
	       r->partstat <= ICAL_PARTSTAT_TENTATIVE;
}

int main(void)
{
	strings = g_ptr_array_new_with_free_func(g_free);
	/* REQUEST in January (GMT) and July (BST): both 18:30 local. */
	static const struct {
		gint64 start;
		const char *local, *end;
	} seasons[] = {
		{ JAN_START, "20260115T183000", "20260115T200000" },
		{ JUL_START, "20260714T183000", "20260714T200000" },
	};
	for (gsize i = 0; i < G_N_ELEMENTS(seasons); i++) {
		const char *season = i ? "July" : "January";
		struct ical_event e = sample(seasons[i].start);
		g_autofree char *text = build(ICAL_REQUEST, &e, NULL);
		ok(text != NULL, "%s: REQUEST built", season);
		if (!text)
			continue;
		gsize longest = 0;
		ok(crlf_only(text, &longest), "%s: CRLF ends every line, no bare LF or CR", season);
		ok(longest <= 75, "%s: no line over 75 octets (longest %zu)", season, longest);
		ok(g_str_has_prefix(text, "BEGIN:VCALENDAR\r\nPRODID:-//nomd//nomd//EN\r\nVERSION:2.0\r\n"),
		   "%s: PRODID and VERSION first", season);

		g_autoptr(icalcomponent) cal = icalparser_parse_string(text);
		icalcomponent *ev = vevent_of(cal);
		ok(cal && icalcomponent_isa(cal) == ICAL_VCALENDAR_COMPONENT && ev, "%s: libical reads it back",
		   season);
		ok(icalcomponent_get_method(cal) == ICAL_METHOD_REQUEST, "%s: METHOD:REQUEST", season);
		is_str(icalcomponent_get_uid(ev), "event-7@nomd.example", "%s: UID", season);
		is_int(icalcomponent_get_sequence(ev), 2, "%s: SEQUENCE", season);

		icalproperty *dtstart = prop(ev, ICAL_DTSTART_PROPERTY), *dtend = prop(ev, ICAL_DTEND_PROPERTY);
		g_autofree char *local = local_of(dtstart), *end_local = local_of(dtend);
		is_str(local, seasons[i].local, "%s: DTSTART in London time", season);
		is_str(tzid_of(dtstart), "Europe/London", "%s: DTSTART;TZID=Europe/London", season);
		is_str(end_local, seasons[i].end, "%s: DTEND in London time", season);
		is_str(tzid_of(dtend), "Europe/London", "%s: DTEND;TZID=Europe/London", season);
		is_int(instant_of(cal, dtstart), seasons[i].start, "%s: by the sent VTIMEZONE, DTSTART is the start",
		       season);
		is_int(instant_of(cal, dtend), seasons[i].start + 90 * 60, "%s: and DTEND start + duration", season);

		icalcomponent *vtz = icalcomponent_get_first_component(cal, ICAL_VTIMEZONE_COMPONENT);
		icalproperty *vtz_id = prop(vtz, ICAL_TZID_PROPERTY);
		is_str(vtz_id ? icalproperty_get_tzid(vtz_id) : NULL, "Europe/London",
		       "%s: VTIMEZONE with TZID:Europe/London", season);
		ok(strstr(text, "BEGIN:VTIMEZONE") < strstr(text, "BEGIN:VEVENT"), "%s: VTIMEZONE before VEVENT",
		   season);
		ok(strlen(text) < 4000, "%s: VTIMEZONE cut to recent rules (%zu bytes)", season, strlen(text));
		g_autofree char *dtstamp = local_of(prop(ev, ICAL_DTSTAMP_PROPERTY));
		is_str(dtstamp, "20260101T000000Z", "%s: DTSTAMP in UTC", season);

		icalproperty *org = prop(ev, ICAL_ORGANIZER_PROPERTY), *att = prop(ev, ICAL_ATTENDEE_PROPERTY);
		is_str(org ? icalproperty_get_organizer(org) : NULL, "mailto:events@nomd.example",
		       "%s: ORGANIZER mailto", season);
		is_str(param(org, ICAL_CN_PARAMETER), "Programme Team", "%s: ORGANIZER CN", season);
		is_str(att ? icalproperty_get_attendee(att) : NULL, "mailto:alex.smith@fife.example",
		       "%s: ATTENDEE mailto", season);
		is_str(param(att, ICAL_CN_PARAMETER), "Smith, Alex", "%s: ATTENDEE CN with a comma", season);
		is_str(param(att, ICAL_RSVP_PARAMETER), "TRUE", "%s: RSVP=TRUE", season);
		is_str(param(att, ICAL_PARTSTAT_PARAMETER), "NEEDS-ACTION", "%s: PARTSTAT=NEEDS-ACTION", season);
		is_str(param(att, ICAL_ROLE_PARAMETER), "REQ-PARTICIPANT", "%s: ROLE=REQ-PARTICIPANT", season);
		is_str(icalcomponent_get_summary(ev), "Mentoring evening", "%s: SUMMARY", season);
		is_str(icalcomponent_get_location(ev), "Adam Smith Theatre, Kirkcaldy", "%s: LOCATION", season);
		ok(!prop(ev, ICAL_STATUS_PROPERTY) && !prop(ev, ICAL_URL_PROPERTY), "%s: no STATUS, no URL", season);
	}

	{
		struct ical_event e = sample(JUL_START);
		e.sequence = 3;
		e.attendee_name = NULL;
		g_autofree char *text = build(ICAL_CANCEL, &e, NULL);
		g_autoptr(icalcomponent) cal = text ? icalparser_parse_string(text) : NULL;
		icalcomponent *ev = vevent_of(cal);
		ok(cal && icalcomponent_get_method(cal) == ICAL_METHOD_CANCEL, "CANCEL: METHOD:CANCEL");
		ok(ev && icalcomponent_get_status(ev) == ICAL_STATUS_CANCELLED, "CANCEL: STATUS:CANCELLED");
		ok(ev && g_strcmp0(icalcomponent_get_uid(ev), "event-7@nomd.example") == 0 &&
			   icalcomponent_get_sequence(ev) == 3,
		   "CANCEL: the request's UID with the raised SEQUENCE");
		icalproperty *att = prop(ev, ICAL_ATTENDEE_PROPERTY);
		ok(att && !param(att, ICAL_RSVP_PARAMETER) && !param(att, ICAL_CN_PARAMETER),
		   "CANCEL: ATTENDEE without RSVP; no CN when there is no name");
	}

	{
		/* People's text: commas, semicolons, a backslash, line breaks, Gaelic and accents. */
		struct ical_event e = sample(JUL_START);
		e.title = "Mentoring, Fife; Gàidhlig \\ é\nsecond line";
		e.description = "Line one\r\nLine two; with, punctuation\rLine three";
		e.location = NULL;
		e.url = "https://meet.example/j/123?pwd=a;b,c";
		g_autofree char *text = build(ICAL_REQUEST, &e, NULL);
		g_autoptr(icalcomponent) cal = text ? icalparser_parse_string(text) : NULL;
		icalcomponent *ev = vevent_of(cal);
		is_str(ev ? icalcomponent_get_summary(ev) : NULL, e.title,
		       "title with , ; \\ newline and non-ASCII round-trips");
		is_str(ev ? icalcomponent_get_description(ev) : NULL,
		       "Line one\nLine two; with, punctuation\nLine three\nhttps://meet.example/j/123?pwd=a;b,c",
		       "description: line breaks as \\n, the url on its own last line");
		is_str(ev ? icalcomponent_get_location(ev) : NULL, e.url, "no location: LOCATION is the url");
		icalproperty *url = prop(ev, ICAL_URL_PROPERTY);
		is_str(url ? icalproperty_get_url(url) : NULL, e.url, "URL property set");

		GString *long_title = g_string_new("Seisean Gàidhlig: ");
		for (int i = 0; i < 60; i++)
			g_string_append(long_title, "é");
		e.title = long_title->str;
		g_autofree char *folded = build(ICAL_REQUEST, &e, NULL);
		gsize longest = 0;
		g_autoptr(icalcomponent) cal2 = folded ? icalparser_parse_string(folded) : NULL;
		ok(folded && crlf_only(folded, &longest) && longest <= 75 && lines_utf8(folded),
		   "a long non-ASCII title folds at 75 octets between characters");
		is_str(vevent_of(cal2) ? icalcomponent_get_summary(vevent_of(cal2)) : NULL, long_title->str,
		       "and unfolds to the same title");
		g_string_free(long_title, TRUE);
	}

	{
		/* A name with CR LF cannot add a property; '"' cannot end the CN. */
		struct ical_event e = sample(JUL_START);
		e.attendee_name = "Alex\r\nX-INJECTED:1\r\nATTENDEE:mailto:eve@evil.example";
		e.organizer_name = "The \"Programme\"\nTeam";
		g_autofree char *text = build(ICAL_REQUEST, &e, NULL);
		g_autoptr(icalcomponent) cal = text ? icalparser_parse_string(text) : NULL;
		icalcomponent *ev = vevent_of(cal);
		ok(ev && icalcomponent_count_properties(ev, ICAL_ATTENDEE_PROPERTY) == 1 &&
			   icalcomponent_count_properties(ev, ICAL_X_PROPERTY) == 0 && !strstr(text, "\nX-INJECTED") &&
			   !strstr(text, "\nATTENDEE:mailto:eve"),
		   "CR LF in a CN injects no property");
		is_str(param(prop(ev, ICAL_ATTENDEE_PROPERTY), ICAL_CN_PARAMETER),
		       "Alex  X-INJECTED:1  ATTENDEE:mailto:eve@evil.example", "CR and LF in a CN become spaces");
		is_str(param(prop(ev, ICAL_ORGANIZER_PROPERTY), ICAL_CN_PARAMETER), "The 'Programme' Team",
		       "'\"' in a CN becomes '\\''");
	}

	{
		int code = 0;
		struct ical_event e = sample(JUL_START);
		e.tzid = "Mars/Olympus_Mons";
		g_autofree char *unknown = build(ICAL_REQUEST, &e, &code);
		ok(!unknown && code == ICAL_ERR_ZONE, "unknown zone: NULL and ICAL_ERR_ZONE");
		e.tzid = "../../../etc/passwd";
		g_autofree char *walk = build(ICAL_REQUEST, &e, &code);
		ok(!walk && code == ICAL_ERR_ZONE, "a zone name that walks out of the zone directory: refused");
		ok(ical_zone_known("Europe/London") && ical_zone_known("America/Argentina/Buenos_Aires") &&
			   ical_zone_known("Etc/UTC"),
		   "real zones known");
		ok(!ical_zone_known("Mars/Olympus_Mons") && !ical_zone_known("") && !ical_zone_known(NULL) &&
			   !ical_zone_known("UTC") && !ical_zone_known("Europe/London.ics") &&
			   !ical_zone_known("/etc/localtime"),
		   "made-up, empty, UTC (no VTIMEZONE) and path-like zones unknown");

		e = sample(JUL_START);
		e.attendee_email = "alex@fife.example\r\nX-EVIL:1";
		g_autofree char *evil = build(ICAL_REQUEST, &e, &code);
		ok(!evil && code == ICAL_ERR_INVALID, "CR LF in an address refused (libical would not escape it)");
		e = sample(JUL_START);
		e.url = "https://meet.example/a b";
		g_autofree char *blank_url = build(ICAL_REQUEST, &e, &code);
		e = sample(JUL_START);
		e.duration = 0;
		g_autofree char *no_length = build(ICAL_REQUEST, &e, &code);
		ok(!blank_url && !no_length && code == ICAL_ERR_INVALID, "a url with a blank, duration 0: refused");
		e = sample(JUL_START);
		e.title = "Caf\xe9";
		g_autofree char *latin1 = build(ICAL_REQUEST, &e, &code);
		e = sample(JUL_START);
		e.uid = "";
		g_autofree char *no_uid = build(ICAL_REQUEST, &e, &code);
		g_autofree char *no_event = build(ICAL_REQUEST, NULL, &code);
		ok(!latin1 && !no_uid && !no_event && code == ICAL_ERR_INVALID,
		   "non-UTF-8 title, empty uid, no event: refused");
	}

	{
		/* The hour the clocks go back happens twice: UTC, not a guess. */
		struct ical_event e =
			sample(G_GINT64_CONSTANT(1792891800)); /* 2026-10-25 01:30 UTC = 01:30 GMT, the second */
		e.duration = 3600;
		g_autofree char *text = build(ICAL_REQUEST, &e, NULL);
		g_autoptr(icalcomponent) cal = text ? icalparser_parse_string(text) : NULL;
		icalcomponent *ev = vevent_of(cal);
		icalproperty *dtstart = prop(ev, ICAL_DTSTART_PROPERTY), *dtend = prop(ev, ICAL_DTEND_PROPERTY);
		g_autofree char *start = local_of(dtstart), *end = local_of(dtend);
		ok(g_strcmp0(start, "20261025T013000Z") == 0 && !tzid_of(dtstart),
		   "doubled local time: DTSTART in UTC");
		ok(g_strcmp0(end, "20261025T023000") == 0 && g_strcmp0(tzid_of(dtend), "Europe/London") == 0 &&
			   instant_of(cal, dtend) == e.start + 3600,
		   "DTEND after the change: London time again");

		e.start -= 3600; /* 00:30 UTC = 01:30 BST, the first */
		g_autofree char *first = build(ICAL_REQUEST, &e, NULL);
		ok(first && strstr(first, "\r\nDTSTART:20261025T003000Z\r\n"), "the first 01:30 in UTC too");
	}

	{
		/* Other zones, by their own VTIMEZONE: southern summer, half
		 * hours, Lord Howe's half-hour DST, Dublin's winter "DAYLIGHT". */
		static const char *const zones[] = { "America/New_York",    "America/Sao_Paulo", "Asia/Kolkata",
						     "Australia/Lord_Howe", "Europe/Dublin",	 "Pacific/Chatham" };
		gboolean all = TRUE;
		for (gsize z = 0; z < G_N_ELEMENTS(zones); z++) {
			for (gint64 start = JAN_START; start <= JUL_START; start += JUL_START - JAN_START) {
				struct ical_event e = sample(start);
				e.tzid = zones[z];
				g_autofree char *text = build(ICAL_REQUEST, &e, NULL);
				g_autoptr(icalcomponent) cal = text ? icalparser_parse_string(text) : NULL;
				icalcomponent *ev = vevent_of(cal);
				icalproperty *dtstart = prop(ev, ICAL_DTSTART_PROPERTY),
					     *dtend = prop(ev, ICAL_DTEND_PROPERTY);
				gboolean right = g_strcmp0(tzid_of(dtstart), zones[z]) == 0 &&
						 instant_of(cal, dtstart) == start &&
						 instant_of(cal, dtend) == start + e.duration;
				if (!right)
					printf("# %s at %" G_GINT64_FORMAT ": wrong\n", zones[z], start);
				all = all && right;
			}
		}
		ok(all, "six more zones, January and July: DTSTART and DTEND mean the right instants");
	}

	{
		struct ical_reply r = { 0 };
		ok(read_reply(outlook, &r), "Outlook REPLY read");
		is_str(r.uid, "event-7@nomd.example", "Outlook: UID");
		is_str(r.attendee, "alex.smith@fife.example", "Outlook: MAILTO: dropped, address lower-cased");
		is_str(ical_partstat_name(r.partstat), "accepted", "Outlook: ACCEPTED");
		is_int(r.sequence, 2, "Outlook: SEQUENCE");
		ical_reply_clear(&r);

		ok(read_reply(gmail, &r) && g_strcmp0(r.attendee, "jo.bloggs@gmail.example") == 0 &&
			   r.partstat == ICAL_PARTSTAT_DECLINED && r.sequence == 3 &&
			   g_strcmp0(r.uid, "event-9@nomd.example") == 0,
		   "Gmail REPLY: attendee folded mid-parameter, DECLINED, SEQUENCE 3");
		ical_reply_clear(&r);

		ok(read_reply(apple, &r) && g_strcmp0(r.attendee, "sam@icloud.example") == 0 &&
			   r.partstat == ICAL_PARTSTAT_TENTATIVE && r.sequence == 0,
		   "Apple REPLY: LF line ends, TENTATIVE, no SEQUENCE is 0");
		ical_reply_clear(&r);
		ok(!r.uid && !r.attendee && r.partstat == ICAL_PARTSTAT_NONE, "ical_reply_clear empties it");

		g_autofree char *no_method = replace(outlook, "METHOD:REPLY\r\n", "");
		ok(read_reply(no_method, &r) && r.partstat == ICAL_PARTSTAT_ACCEPTED,
		   "no METHOD, one ATTENDEE with PARTSTAT=ACCEPTED: read as a reply");
		ical_reply_clear(&r);
		g_autofree char *no_method_na = replace(no_method, "PARTSTAT=ACCEPTED", "PARTSTAT=NEEDS-ACTION");
		ok(!read_reply(no_method_na, &r), "no METHOD and PARTSTAT=NEEDS-ACTION: not a reply");
		g_autofree char *delegated = replace(outlook, "PARTSTAT=ACCEPTED", "PARTSTAT=DELEGATED");
		ok(read_reply(delegated, &r) && r.partstat == ICAL_PARTSTAT_NONE,
		   "REPLY with PARTSTAT=DELEGATED: partstat none");
		ical_reply_clear(&r);

		g_autofree char *two =
			replace(gmail, "CREATED:", "ATTENDEE;PARTSTAT=ACCEPTED:mailto:sam@x.example\r\nCREATED:");
		ok(!read_reply(two, &r) && !r.uid && !r.attendee,
		   "REPLY with two ATTENDEEs: FALSE (whose answer?), out zeroed");
		g_autofree char *no_uid = replace(gmail, "UID:event-9@nomd.example\r\n", "");
		ok(!read_reply(no_uid, &r), "no UID: FALSE");
		g_autofree char *urn = replace(apple, "mailto:Sam@iCloud.example", "urn:uuid:3f1c8a0e");
		ok(!read_reply(urn, &r), "an attendee that is not an address: FALSE");
		g_autofree char *cancel = replace(gmail, "METHOD:REPLY", "METHOD:CANCEL");
		ok(!read_reply(cancel, &r), "METHOD:CANCEL: FALSE");
		g_autofree char *negative = replace(gmail, "SEQUENCE:3", "SEQUENCE:-5");
		ok(read_reply(negative, &r) && r.sequence == 0, "negative SEQUENCE read as 0");
		ical_reply_clear(&r);

		struct ical_event e = sample(JUL_START);
		g_autofree char *request = build(ICAL_REQUEST, &e, NULL);
		ok(request && !read_reply(request, &r), "our own REQUEST is not a reply");
		e.attendee_name = NULL;
		g_autofree char *request_one = build(ICAL_REQUEST, &e, NULL);
		g_autofree char *request_accepted =
			request_one ? replace(request_one, "NEEDS-ACTION", "ACCEPTED") : NULL;
		ok(request_accepted && !read_reply(request_accepted, &r),
		   "METHOD:REQUEST with PARTSTAT=ACCEPTED: still not a reply");

		static const char garbage[] = "\x00\xff\xfe BEGIN:VCALENDAR\r\n\x01\x02;;::\"\r\n END:VEVENT\n\xc3";
		ok(!ical_read_reply(garbage, sizeof garbage - 1, &r), "garbage bytes: FALSE");
		ok(!ical_read_reply("", 0, &r) && !ical_read_reply(NULL, 10, &r) && !ical_read_reply(outlook, 0, &r),
		   "empty or NULL input: FALSE");
		ok(!ical_read_reply(outlook, sizeof outlook - 1, NULL), "no place for the answer: FALSE");
		ok(!read_reply("BEGIN:VCALENDAR\r\nMETHOD:REPLY\r\nBEGIN:VEVENT\r\nUID:x\r\n", &r),
		   "cut off before the ATTENDEE: FALSE");

		/* Size cap: the same reply padded to just under and just over. */
		GString *big = g_string_new(NULL);
		g_string_append_len(big, gmail, strstr(gmail, "CREATED:") - gmail);
		while (big->len < 300 * 1024)
			g_string_append(big, "X-PAD:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n");
		g_string_append(big, strstr(gmail, "CREATED:"));
		ok(!ical_read_reply(big->str, big->len, &r), "a 300 KB reply: FALSE");
		g_string_free(big, TRUE);
		big = g_string_new(NULL);
		g_string_append_len(big, gmail, strstr(gmail, "CREATED:") - gmail);
		while (big->len < ICAL_MAX_BYTES - 2048)
			g_string_append(big, "X-PAD:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n");
		g_string_append(big, strstr(gmail, "CREATED:"));
		ok(big->len <= ICAL_MAX_BYTES && read_reply(big->str, &r) && r.partstat == ICAL_PARTSTAT_DECLINED,
		   "the same padded to just under 256 KiB: read");
		ical_reply_clear(&r);
		g_string_free(big, TRUE);

		/* What surrounds the calendar in a mail body. */
		g_autofree char *bom = g_strconcat("\xEF\xBB\xBFThe invitation was accepted.\r\nEND:VEVENT\r\n", gmail,
						   "END:VCALENDAR\r\n-- \r\nsent from a phone\r\n", NULL);
		ok(read_reply(bom, &r) && r.partstat == ICAL_PARTSTAT_DECLINED,
		   "byte order mark, text and stray ENDs around the calendar: read");
		ical_reply_clear(&r);
		g_autofree char *then_request = g_strconcat(gmail, request, NULL);
		g_autofree char *request_first = g_strconcat(request, gmail, NULL);
		gboolean first_read = read_reply(then_request, &r);
		ical_reply_clear(&r);
		ok(first_read && !read_reply(request_first, &r), "two calendars: the first is the one read");
		g_autofree char *lower = replace(apple, "METHOD:REPLY", "method:reply");
		ok(read_reply(lower, &r) && r.partstat == ICAL_PARTSTAT_TENTATIVE, "method:reply in lower case: read");
		ical_reply_clear(&r);
		g_autofree char *long_uid_value = g_strnfill(ICAL_MAX_UID + 1, 'u');
		g_autofree char *long_uid_line = g_strconcat("UID:", long_uid_value, NULL);
		g_autofree char *long_uid = replace(gmail, "UID:event-9@nomd.example", long_uid_line);
		ok(!read_reply(long_uid, &r), "a UID over %d bytes: FALSE", ICAL_MAX_UID);

		/* libical warns on stderr of each END outside a component: a
		 * body full of them must not flood the log. */
		GString *ends = g_string_new(NULL);
		for (int i = 0; i < 4000; i++)
			g_string_append(ends, "END:VEVENT\r\nEND:VCALENDAR\n");
		g_string_append(ends, gmail);
		for (int i = 0; i < 4000; i++)
			g_string_append(ends, "END:VCALENDAR\r\nBEGIN:VEVENT\r\n");
		quiet_begin();
		gboolean got = ical_read_reply(ends->str, ends->len, &r);
		long noise = quiet_end();
		ok(ends->len <= ICAL_MAX_BYTES && got && r.sequence == 3,
		   "a reply among 16000 stray END and BEGIN lines: read");
		is_int(noise, 0, "and libical printed nothing");
		ical_reply_clear(&r);
		g_string_free(ends, TRUE);

		is_str(ical_partstat_name(ICAL_PARTSTAT_NONE), "none", "partstat name: none");
		ok(strcmp(ical_partstat_name(ICAL_PARTSTAT_DECLINED), "declined") == 0 &&
			   strcmp(ical_partstat_name(ICAL_PARTSTAT_TENTATIVE), "tentative") == 0 &&
			   strcmp(ical_partstat_name((enum ical_partstat)42), "none") == 0,
		   "partstat names: declined, tentative; none for a stray value");
	}

	{
		/* Mutated replies (bytes changed, cut, spliced with iCalendar
		 * punctuation) never crash, and what is read keeps the promises. */
		static const char *const bits[] = { ":",
						    ";",
						    "\"",
						    ",",
						    "\r\n",
						    "\n",
						    " ",
						    "\r\n ",
						    "=",
						    "\\",
						    "BEGIN:VEVENT\r\n",
						    "END:VCALENDAR\r\n",
						    "ATTENDEE:",
						    "MAILTO:",
						    "@",
						    "\xc3",
						    "\0",
						    "TZID=",
						    "RRULE:FREQ=YEARLY;BYDAY=-1SU\r\n",
						    "BEGIN:VTIMEZONE\r\n" };
		const char *const seeds[] = { outlook, gmail, apple };
		GRand *rand = g_rand_new_with_seed(11);
		gboolean all = TRUE;
		int read = 0;
		quiet_begin();
		for (int round = 0; round < 3000 && all; round++) {
			const char *seed = seeds[round % G_N_ELEMENTS(seeds)];
			GString *s = g_string_new(seed);
			int n = g_rand_int_range(rand, 1, 8);
			for (int i = 0; i < n && s->len > 0; i++) {
				guint at = g_rand_int_range(rand, 0, s->len);
				switch (g_rand_int_range(rand, 0, 4)) {
				case 0: s->str[at] = (char)g_rand_int_range(rand, 0, 256); break;
				case 1: g_string_truncate(s, at); break;
				case 2: {
					gsize cut = g_rand_int_range(rand, 1, 40);
					g_string_erase(s, at, MIN(cut, s->len - at));
					break;
				}
				default: {
					const char *b = bits[g_rand_int_range(rand, 0, G_N_ELEMENTS(bits))];
					g_string_insert_len(s, at, b, *b ? (gssize)strlen(b) : 1);
				}
				}
			}
			struct ical_reply m = { 0 };
			if (ical_read_reply(s->str, s->len, &m)) {
				all = reply_sane(&m);
				read++;
			} else {
				all = !m.uid && !m.attendee;
			}
			ical_reply_clear(&m);
			g_string_free(s, TRUE);
		}
		g_rand_free(rand);
		long noise = quiet_end();
		ok(all, "3000 mutated replies: no crash, sane when read (%d read)", read);
		is_int(noise, 0, "and libical printed nothing for any of them");
	}

	/* libical caches every zone it loaded until told otherwise. */
	icaltimezone_free_builtin_timezones();
	g_ptr_array_free(strings, TRUE);
	return tap_done();
}
