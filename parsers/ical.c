/* ical: event invitations and replies (rules in ical.h) on top of
 * libical. Owns the checks on what goes out and comes in; libical does
 * the escaping, folding, zone rules and parsing. */

/* libical names its PARTSTAT parameter values ICAL_PARTSTAT_ACCEPTED and
 * so on, as ical.h names its own: rename libical's while its header is
 * read, so both can be used here. */
#define ICAL_PARTSTAT_NONE LIBICAL_PARTSTAT_NONE
#define ICAL_PARTSTAT_ACCEPTED LIBICAL_PARTSTAT_ACCEPTED
#define ICAL_PARTSTAT_DECLINED LIBICAL_PARTSTAT_DECLINED
#define ICAL_PARTSTAT_TENTATIVE LIBICAL_PARTSTAT_TENTATIVE
#include <libical/ical.h>
#undef ICAL_PARTSTAT_NONE
#undef ICAL_PARTSTAT_ACCEPTED
#undef ICAL_PARTSTAT_DECLINED
#undef ICAL_PARTSTAT_TENTATIVE

#include "ical.h"

#include <stdlib.h>
#include <string.h>

#define ICAL_PRODID "-//nomd//nomd//EN"
#define ICAL_MAX_TZID 64
#define ICAL_MAX_TIME G_GINT64_CONSTANT(253402300799) /* 9999-12-31T23:59:59Z */
#define ICAL_ZONE_LEAD (366 * 24 * 3600)	      /* VTIMEZONE rules kept from this long before the event */
#define ICAL_MAX_LINE 8000			      /* octets of an unfolded line read from a reply */

/* clang-format off */
G_DEFINE_QUARK(nomd-ical-error-quark, ical_error)
/* clang-format on */

G_DEFINE_AUTOPTR_CLEANUP_FUNC(icalcomponent, icalcomponent_free)

/* libical's errors abort by default in some builds and set a global
 * errno: make them non-fatal (so libical never prints or aborts either)
 * and start each call clean. */
static void ical_lib_init(void)
{
	icalerror_set_errors_are_fatal(0);
	icalerror_clear_errno();
}

/* Zone names as the tz database spells them; nothing that could walk out
 * of the zone directory ('.' or a leading '/'), and not the "right/"
 * copies, which count leap seconds (offsets like +0100 and 27 s). */
static gboolean ical_tzid_well_formed(const char *tzid)
{
	if (!tzid || !*tzid || strlen(tzid) > ICAL_MAX_TZID || tzid[0] == '/' || tzid[0] == '-' ||
	    g_str_has_prefix(tzid, "right/"))
		return FALSE;
	for (const char *p = tzid; *p; p++)
		if (!g_ascii_isalnum(*p) && !strchr("/_+-", *p))
			return FALSE;
	return TRUE;
}

/* libical's zone for tzid, with its VTIMEZONE, or NULL. */
static icaltimezone *ical_zone(const char *tzid)
{
	if (!ical_tzid_well_formed(tzid))
		return NULL;
	ical_lib_init();
	icaltimezone *zone = icaltimezone_get_builtin_timezone(tzid);
	if (!zone || zone == icaltimezone_get_utc_timezone() || !icaltimezone_get_component(zone))
		return NULL;
	return zone;
}

gboolean ical_zone_known(const char *tzid)
{
	return ical_zone(tzid) != NULL;
}

/* Valid UTF-8 (NULL allowed when optional). */
static gboolean ical_utf8_ok(const char *s, gboolean optional)
{
	return s ? g_utf8_validate(s, -1, NULL) : optional;
}

/* One word with an '@' inside: it goes out after "mailto:" unescaped. */
static gboolean ical_address_ok(const char *addr)
{
	if (!addr || !g_utf8_validate(addr, -1, NULL))
		return FALSE;
	gsize len = strlen(addr);
	const char *at = strchr(addr, '@');
	if (len == 0 || len > ICAL_MAX_ADDRESS || !at || at == addr || !at[1])
		return FALSE;
	for (const char *p = addr; *p; p++)
		if ((guchar)*p <= ' ' || *p == 0x7f || strchr("<>\"(),;:\\", *p))
			return FALSE;
	return TRUE;
}

/* A URI: no blanks or control characters, which could break the line. */
static gboolean ical_url_ok(const char *url)
{
	if (!url || !*url || !g_utf8_validate(url, -1, NULL))
		return FALSE;
	for (const char *p = url; *p; p++)
		if ((guchar)*p <= ' ' || *p == 0x7f || *p == '"')
			return FALSE;
	return TRUE;
}

/* TEXT for libical to escape: line breaks as "\n", other controls spaces. */
static char *ical_text(const char *s)
{
	GString *out = g_string_sized_new(strlen(s));
	for (const char *p = s; *p; p++) {
		if (*p == '\r') {
			g_string_append_c(out, '\n');
			if (p[1] == '\n')
				p++;
		} else if (*p == '\n' || *p == '\t' || ((guchar)*p >= ' ' && *p != 0x7f)) {
			g_string_append_c(out, *p);
		} else {
			g_string_append_c(out, ' ');
		}
	}
	return g_string_free(out, FALSE);
}

/* A CN value: one line, no '"'; NULL when nothing is left. */
static char *ical_cn(const char *name)
{
	if (!name)
		return NULL;
	char *cn = g_strdup(name);
	for (char *p = cn; *p; p++) {
		if ((guchar)*p < ' ' || *p == 0x7f)
			*p = ' ';
		else if (*p == '"')
			*p = '\'';
	}
	g_strstrip(cn);
	if (!*cn)
		g_clear_pointer(&cn, g_free);
	return cn;
}

static struct icaltimetype ical_utc_time(gint64 t)
{
	return icaltime_from_timet_with_zone((time_t)t, 0, icaltimezone_get_utc_timezone());
}

/* DTSTART or DTEND at t: local time of zone with TZID=tzid, or UTC when
 * that local time occurs twice. libical resolves a doubled local time by
 * its is_daylight flag, so the time is unambiguous when both settings
 * give t back. */
static icalproperty *ical_time_property(icalproperty_kind kind, gint64 t, icaltimezone *zone, const char *tzid)
{
	struct icaltimetype local = icaltime_convert_to_zone(ical_utc_time(t), zone);
	struct icaltimetype probe = local;
	probe.is_daylight = 0;
	gboolean single = icaltime_as_timet_with_zone(probe, zone) == (time_t)t;
	probe.is_daylight = 1;
	single = single && icaltime_as_timet_with_zone(probe, zone) == (time_t)t;
	icalproperty *prop = icalproperty_new(kind);
	if (single) {
		icalproperty_set_value(prop, icalvalue_new_datetime(local));
		icalproperty_set_parameter(prop, icalparameter_new_tzid(tzid));
	} else {
		icalproperty_set_value(prop, icalvalue_new_datetime(ical_utc_time(t)));
	}
	return prop;
}

/* ORGANIZER or ATTENDEE: mailto:address, with CN when there is a name. */
static icalproperty *ical_person(icalproperty_kind kind, const char *email, const char *name)
{
	g_autofree char *uri = g_strconcat("mailto:", email, NULL);
	icalproperty *prop = icalproperty_new(kind);
	icalproperty_set_value(prop, icalvalue_new_caladdress(uri));
	g_autofree char *cn = ical_cn(name);
	if (cn)
		icalproperty_add_parameter(prop, icalparameter_new_cn(cn));
	return prop;
}

/* The zone's VTIMEZONE, trimmed to the event's years and named tzid. */
static icalcomponent *ical_vtimezone(icaltimezone *zone, const char *tzid, gint64 start)
{
	icalcomponent *vtz = icalcomponent_new_clone(icaltimezone_get_component(zone));
	if (!vtz)
		return NULL;
	/* The full history (London: from 1847, 8 KB) says nothing about this
	 * event; ms_compatible keeps each rule's first DTSTART as Outlook wants. */
	gint64 from = start > ICAL_ZONE_LEAD ? start - ICAL_ZONE_LEAD : 0;
	icaltimezone_truncate_vtimezone(vtz, ical_utc_time(from), icaltime_null_time(), 1);
	icalproperty *id = icalcomponent_get_first_property(vtz, ICAL_TZID_PROPERTY);
	if (id)
		icalproperty_set_tzid(id, tzid);
	else
		icalcomponent_add_property(vtz, icalproperty_new_tzid(tzid));
	return vtz;
}

static gboolean ical_check_event(const struct ical_event *e, GError **error)
{
	const char *bad = NULL;
	if (!e)
		bad = "no event";
	else if (!e->uid || !*e->uid || !ical_utf8_ok(e->uid, FALSE))
		bad = "uid";
	else if (!e->title || !*e->title || !ical_utf8_ok(e->title, FALSE))
		bad = "title";
	else if (!ical_utf8_ok(e->description, TRUE))
		bad = "description";
	else if (!ical_utf8_ok(e->location, TRUE))
		bad = "location";
	else if (e->url && !ical_url_ok(e->url))
		bad = "url";
	else if (e->sequence < 0)
		bad = "sequence";
	else if (e->start < 0 || e->start > ICAL_MAX_TIME)
		bad = "start";
	else if (e->duration <= 0 || e->start + e->duration > ICAL_MAX_TIME)
		bad = "duration";
	else if (e->stamp < 0 || e->stamp > ICAL_MAX_TIME)
		bad = "stamp";
	else if (!ical_address_ok(e->organizer_email))
		bad = "organizer address";
	else if (!ical_utf8_ok(e->organizer_name, TRUE))
		bad = "organizer name";
	else if (!ical_address_ok(e->attendee_email))
		bad = "attendee address";
	else if (!ical_utf8_ok(e->attendee_name, TRUE))
		bad = "attendee name";
	if (bad)
		g_set_error(error, ICAL_ERROR, ICAL_ERR_INVALID, "invitation: bad %s", bad);
	return bad == NULL;
}

char *ical_build(enum ical_method m, const struct ical_event *e, GError **error)
{
	if (m != ICAL_REQUEST && m != ICAL_CANCEL) {
		g_set_error(error, ICAL_ERROR, ICAL_ERR_INVALID, "invitation: unknown method %d", (int)m);
		return NULL;
	}
	if (!ical_check_event(e, error))
		return NULL;
	icaltimezone *zone = ical_zone(e->tzid);
	if (!zone) {
		g_set_error(error, ICAL_ERROR, ICAL_ERR_ZONE, "invitation: unknown time zone \"%s\"",
			    e->tzid ? e->tzid : "");
		return NULL;
	}
	ical_lib_init();

	g_autoptr(icalcomponent) cal = icalcomponent_new(ICAL_VCALENDAR_COMPONENT);
	icalcomponent *vtz = ical_vtimezone(zone, e->tzid, e->start);
	icalcomponent *ev = icalcomponent_new(ICAL_VEVENT_COMPONENT);
	if (!cal || !vtz || !ev) {
		if (vtz)
			icalcomponent_free(vtz);
		if (ev)
			icalcomponent_free(ev);
		g_set_error(error, ICAL_ERROR, ICAL_ERR_LIBICAL, "invitation: libical failed");
		return NULL;
	}
	icalcomponent_add_property(cal, icalproperty_new_prodid(ICAL_PRODID));
	icalcomponent_add_property(cal, icalproperty_new_version("2.0"));
	icalcomponent_add_property(
		cal, icalproperty_new_method(m == ICAL_REQUEST ? ICAL_METHOD_REQUEST : ICAL_METHOD_CANCEL));
	icalcomponent_add_component(cal, vtz);
	icalcomponent_add_component(cal, ev);

	icalcomponent_add_property(ev, icalproperty_new_uid(e->uid));
	icalcomponent_add_property(ev, icalproperty_new_sequence(e->sequence));
	icalcomponent_add_property(ev, icalproperty_new_dtstamp(ical_utc_time(e->stamp)));
	icalcomponent_add_property(ev, ical_time_property(ICAL_DTSTART_PROPERTY, e->start, zone, e->tzid));
	icalcomponent_add_property(ev, ical_time_property(ICAL_DTEND_PROPERTY, e->start + e->duration, zone, e->tzid));
	g_autofree char *title = ical_text(e->title);
	icalcomponent_add_property(ev, icalproperty_new_summary(title));

	/* Calendars show DESCRIPTION and LOCATION; not all show URL. */
	g_autofree char *description = e->description ? ical_text(e->description) : NULL;
	if (e->url) {
		gboolean sep = description && *description && !g_str_has_suffix(description, "\n");
		char *with_url = g_strconcat(description ? description : "", sep ? "\n" : "", e->url, NULL);
		g_free(description);
		description = with_url;
	}
	if (description && *description)
		icalcomponent_add_property(ev, icalproperty_new_description(description));
	g_autofree char *location = e->location ? ical_text(e->location) : NULL;
	if (location && *location)
		icalcomponent_add_property(ev, icalproperty_new_location(location));
	else if (e->url)
		icalcomponent_add_property(ev, icalproperty_new_location(e->url));
	if (e->url)
		icalcomponent_add_property(ev, icalproperty_new_url(e->url));
	if (m == ICAL_CANCEL)
		icalcomponent_add_property(ev, icalproperty_new_status(ICAL_STATUS_CANCELLED));

	icalcomponent_add_property(ev, ical_person(ICAL_ORGANIZER_PROPERTY, e->organizer_email, e->organizer_name));
	icalproperty *att = ical_person(ICAL_ATTENDEE_PROPERTY, e->attendee_email, e->attendee_name);
	icalproperty_add_parameter(att, icalparameter_new_role(ICAL_ROLE_REQPARTICIPANT));
	if (m == ICAL_REQUEST) {
		icalproperty_add_parameter(att, icalparameter_new_partstat(ICAL_PARTSTAT_NEEDSACTION));
		icalproperty_add_parameter(att, icalparameter_new_rsvp(ICAL_RSVP_TRUE));
	}
	icalcomponent_add_property(ev, att);

	char *text = icalcomponent_as_ical_string_r(cal);
	if (!text) {
		g_set_error(error, ICAL_ERROR, ICAL_ERR_LIBICAL, "invitation: libical failed");
		return NULL;
	}
	char *out = g_strdup(text);
	icalmemory_free_buffer(text);
	return out;
}

const char *ical_partstat_name(enum ical_partstat p)
{
	switch (p) {
	case ICAL_PARTSTAT_ACCEPTED: return "accepted";
	case ICAL_PARTSTAT_DECLINED: return "declined";
	case ICAL_PARTSTAT_TENTATIVE: return "tentative";
	case ICAL_PARTSTAT_NONE:
	default: return "none";
	}
}

void ical_reply_clear(struct ical_reply *r)
{
	if (!r)
		return;
	g_clear_pointer(&r->uid, g_free);
	g_clear_pointer(&r->attendee, g_free);
	r->partstat = ICAL_PARTSTAT_NONE;
	r->sequence = 0;
}

/* The reply's answer; NONE for anything but the three. */
static enum ical_partstat ical_partstat_of(icalproperty *attendee)
{
	icalparameter *param = icalproperty_get_first_parameter(attendee, ICAL_PARTSTAT_PARAMETER);
	if (!param)
		return ICAL_PARTSTAT_NONE;
	switch (icalparameter_get_partstat(param)) {
	case LIBICAL_PARTSTAT_ACCEPTED: return ICAL_PARTSTAT_ACCEPTED;
	case LIBICAL_PARTSTAT_DECLINED: return ICAL_PARTSTAT_DECLINED;
	case LIBICAL_PARTSTAT_TENTATIVE: return ICAL_PARTSTAT_TENTATIVE;
	default: return ICAL_PARTSTAT_NONE;
	}
}

/* "MAILTO:Alex@Fife.example" -> "alex@fife.example", or NULL. */
static char *ical_reply_address(icalproperty *attendee)
{
	const char *value = icalproperty_get_attendee(attendee);
	if (!value)
		return NULL;
	while (g_ascii_isspace(*value))
		value++;
	if (g_ascii_strncasecmp(value, "mailto:", 7) == 0)
		value += 7;
	g_autofree char *addr = g_strdup(value);
	g_strchomp(addr);
	if (!ical_address_ok(addr))
		return NULL;
	return g_ascii_strdown(addr, -1);
}

static gboolean ical_uid_ok(const char *uid)
{
	if (!uid || !*uid || strlen(uid) > ICAL_MAX_UID || !g_utf8_validate(uid, -1, NULL))
		return FALSE;
	for (const char *p = uid; *p; p++)
		if ((guchar)*p < ' ' || *p == 0x7f)
			return FALSE;
	return TRUE;
}

/* Blanks libical trims from the end of a property name. */
static gboolean ical_is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\v' || c == '\f';
}

/* For the BEGIN and END lines: whether line is "name:..." or
 * "name;...", in any case and with blanks before the separator, and
 * then *value is what follows the separator. */
static gboolean ical_line_is(const char *line, const char *name, const char **value)
{
	gsize end = strcspn(line, ";:");
	if (!line[end])
		return FALSE;
	gsize len = end;
	while (len > 0 && ical_is_blank(line[len - 1]))
		len--;
	if (len != strlen(name) || g_ascii_strncasecmp(line, name, len) != 0)
		return FALSE;
	*value = line + end + 1;
	return TRUE;
}

/* The first VCALENDAR in text, for libical to parse: from its BEGIN to
 * the matching END (by nesting), unfolded, one line per LF, or NULL when
 * there is none. Why: libical prints a warning on stderr for each END it
 * meets outside a component, and a hostile body could hold thousands.
 * Lines are split, unfolded and named as libical does (CR LF, LF or a
 * lone CR end a line; one that starts with a blank continues the one
 * before; the name runs to the first ';' or ':'), and libical reads this
 * text, not the original, so it counts the same nesting. Lines over
 * ICAL_MAX_LINE octets are dropped: nothing read here is that long. */
static char *ical_first_calendar(const char *text)
{
	if (g_str_has_prefix(text, "\xEF\xBB\xBF"))
		text += 3;
	g_autoptr(GString) out = g_string_new(NULL);
	g_autoptr(GString) line = g_string_new(NULL);
	int depth = 0;
	const char *p = text;
	while (*p) {
		g_string_truncate(line, 0);
		for (;;) {
			gsize n = strcspn(p, "\r\n");
			g_string_append_len(line, p, n);
			p += n;
			if (!*p)
				break;
			if (*p == '\r')
				p++;
			if (*p == '\n')
				p++;
			if (*p != ' ' && *p != '\t')
				break;
			p++; /* a folded line: drop the break and one blank */
		}
		if (line->len > ICAL_MAX_LINE)
			continue;
		const char *value = NULL;
		gboolean begin = ical_line_is(line->str, "BEGIN", &value);
		gboolean end = !begin && ical_line_is(line->str, "END", &value);
		if (depth == 0) {
			g_autofree char *kind = begin ? g_strstrip(g_strdup(value)) : NULL;
			if (!kind || g_ascii_strcasecmp(kind, "VCALENDAR") != 0)
				continue;
		}
		g_string_append_len(out, line->str, line->len);
		g_string_append_c(out, '\n');
		depth += begin ? 1 : end ? -1 : 0;
		if (depth == 0)
			return g_string_free(g_steal_pointer(&out), FALSE);
	}
	/* No END: libical returns nothing for a calendar left open. */
	return out->len ? g_string_free(g_steal_pointer(&out), FALSE) : NULL;
}

gboolean ical_read_reply(const char *data, gsize len, struct ical_reply *out)
{
	if (!out)
		return FALSE;
	memset(out, 0, sizeof *out);
	if (!data || len == 0 || len > ICAL_MAX_BYTES)
		return FALSE;

	/* libical reads a C string (a NUL byte ends it). */
	g_autofree char *text = g_strndup(data, len);
	g_autofree char *calendar = ical_first_calendar(text);
	if (!calendar)
		return FALSE;
	ical_lib_init();
	g_autoptr(icalcomponent) cal = icalparser_parse_string(calendar);
	if (!cal || icalcomponent_isa(cal) != ICAL_VCALENDAR_COMPONENT)
		return FALSE;

	icalproperty *method = icalcomponent_get_first_property(cal, ICAL_METHOD_PROPERTY);
	gboolean is_reply = method && icalproperty_get_method(method) == ICAL_METHOD_REPLY;
	if (method && !is_reply)
		return FALSE;

	icalcomponent *ev = icalcomponent_get_first_component(cal, ICAL_VEVENT_COMPONENT);
	if (!ev || icalcomponent_count_properties(ev, ICAL_ATTENDEE_PROPERTY) != 1)
		return FALSE;
	icalproperty *uid_prop = icalcomponent_get_first_property(ev, ICAL_UID_PROPERTY);
	const char *uid = uid_prop ? icalproperty_get_uid(uid_prop) : NULL;
	if (!ical_uid_ok(uid))
		return FALSE;
	icalproperty *attendee = icalcomponent_get_first_property(ev, ICAL_ATTENDEE_PROPERTY);
	enum ical_partstat partstat = ical_partstat_of(attendee);
	if (!is_reply && partstat == ICAL_PARTSTAT_NONE)
		return FALSE;
	char *addr = ical_reply_address(attendee);
	if (!addr)
		return FALSE;

	icalproperty *seq = icalcomponent_get_first_property(ev, ICAL_SEQUENCE_PROPERTY);
	int sequence = seq ? icalproperty_get_sequence(seq) : 0;
	out->uid = g_strdup(uid);
	out->attendee = addr;
	out->partstat = partstat;
	out->sequence = sequence > 0 ? sequence : 0;
	return TRUE;
}
