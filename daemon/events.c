/* events: see events.h. The store says who needs which mail; every mail
 * has an idempotency key naming its cause ("invite:INVITATION:SEQUENCE",
 * "cancel:INVITATION", "event-reminder:INVITATION"), so a pass repeated
 * after a crash sends nothing twice. */
#include "events.h"

#include <string.h>

#include "../parsers/ical.h"
#include "log.h"
#include "outbox.h"

char *events_when(const struct event_record *e)
{
	g_autoptr(GTimeZone) tz = g_time_zone_new_identifier(e->timezone);
	if (!tz)
		tz = g_time_zone_new_utc();
	g_autoptr(GDateTime) utc = g_date_time_new_from_unix_utc(e->starts_at);
	g_autoptr(GDateTime) start = g_date_time_to_timezone(utc, tz);
	g_autoptr(GDateTime) end = g_date_time_add_seconds(start, e->duration);
	g_autofree char *day = g_date_time_format(start, "%A");
	g_autofree char *month = g_date_time_format(start, "%B %Y, %H:%M");
	g_autofree char *until = g_date_time_format(end, "%H:%M (%Z)");
	return g_strdup_printf("%s %d %s to %s", day, g_date_time_get_day_of_month(start), month, until);
}

/* The event's words for a notice about it. */
static void describe(const struct event_record *e, char *when, struct notice *n)
{
	n->event_title = e->title;
	n->event_when = when;
	n->event_where = e->location;
	n->event_url = e->online_url;
	n->event_description = e->description;
	n->event_topic = e->topic;
	n->event_presenters = e->presenters;
}

/* What a calendar shows of the event: its topic and presenters, then its
 * description. */
static char *calendar_text(const struct event_record *e)
{
	GString *s = g_string_new(NULL);
	if (e->topic)
		g_string_append_printf(s, "Topic: %s\n", e->topic);
	if (e->presenters)
		g_string_append_printf(s, "Presenters: %s\n", e->presenters);
	if (e->description)
		g_string_append_printf(s, "%s%s", s->len ? "\n" : "", e->description);
	return g_string_free(s, s->len == 0);
}

static void person_of(const struct nomd_config *cfg, const struct invitation_view *v, struct notice *n)
{
	const struct organisation *org = config_find_organisation(cfg, v->organisation);
	n->person = (struct notice_person){
		.name = v->name, .email = v->email, .role = v->role, .organisation = org ? org->name : v->organisation
	};
}

/* The invitation (or cancellation) of one invitee, queued and marked. */
static gboolean send_invitation(const struct nomd_config *cfg, struct store *st, const struct invitation_view *v,
				gint64 now, GError **error)
{
	const struct event_record *e = v->event;
	/* The event called off, or the invitee no longer taking part. */
	gboolean cancel = g_strcmp0(e->status, "cancelled") == 0 || v->status != NOMINEE_ACCEPTED;
	g_autofree char *text = calendar_text(e);
	struct ical_event ie = {
		.uid = e->uid,
		.sequence = e->sequence,
		.title = e->title,
		.description = text,
		.location = e->location,
		.url = e->online_url,
		.start = e->starts_at,
		.duration = e->duration,
		.tzid = e->timezone,
		.organizer_email = cfg->smtp.from_address,
		.organizer_name = cfg->smtp.from_name,
		.attendee_email = v->email,
		.attendee_name = v->name,
		.stamp = now,
	};
	g_autofree char *calendar = ical_build(cancel ? ICAL_CANCEL : ICAL_REQUEST, &ie, error);
	if (!calendar)
		return FALSE;
	g_autofree char *when = events_when(e);
	struct notice n = { 0 };
	person_of(cfg, v, &n);
	describe(e, when, &n);
	const struct outmail m = { .cause = cancel ? OUTBOX_CANCELLATION : OUTBOX_INVITATION,
				   .to = v->email,
				   .nominee = v->nominee,
				   .invitation = v->id,
				   .sequence = e->sequence,
				   .calendar = calendar,
				   .calendar_method = cancel ? "CANCEL" : "REQUEST" };
	return outbox_queue_notice(cfg, st, cancel ? NOTICE_EVENT_CANCELLED : NOTICE_INVITATION, &n, &m, error) &&
	       store_invitation_sent(st, v->id, e->sequence, cancel, error);
}

static gboolean send_reminder(const struct nomd_config *cfg, struct store *st, const struct invitation_view *v,
			      GError **error)
{
	g_autofree char *when = events_when(v->event);
	struct notice n = { .answer = v->answer };
	person_of(cfg, v, &n);
	describe(v->event, when, &n);
	/* Kept with the invitation: a YES or NO to the reminder counts. */
	const struct outmail m = {
		.cause = OUTBOX_EVENT_REMINDER, .to = v->email, .nominee = v->nominee, .invitation = v->id
	};
	return outbox_queue_notice(cfg, st, NOTICE_EVENT_REMINDER, &n, &m, error) &&
	       store_invitation_reminded(st, v->id, error);
}

static gboolean schedule_in_transaction(const struct nomd_config *cfg, struct store *st, gint64 now, guint *queued,
					GError **error)
{
	int created = 0;
	if (!store_invite_audiences(st, now, cfg->events.require_consent, &created, error))
		return FALSE;
	g_autoptr(GPtrArray) due = NULL;
	if (!store_invitations(st, INVITATIONS_TO_SEND, now, 0, &due, error))
		return FALSE;
	for (guint i = 0; i < due->len; i++) {
		if (!send_invitation(cfg, st, due->pdata[i], now, error))
			return FALSE;
		(*queued)++;
	}
	if (cfg->events.reminder_days == 0)
		return TRUE;
	g_autoptr(GPtrArray) remind = NULL;
	if (!store_invitations(st, INVITATIONS_TO_REMIND, now, now + (gint64)cfg->events.reminder_days * 86400, &remind,
			       error))
		return FALSE;
	for (guint i = 0; i < remind->len; i++) {
		if (!send_reminder(cfg, st, remind->pdata[i], error))
			return FALSE;
		(*queued)++;
	}
	return TRUE;
}

gboolean events_schedule(const struct nomd_config *cfg, struct store *st, gint64 now, guint *queued, GError **error)
{
	*queued = 0;
	if (!store_begin(st, error))
		return FALSE;
	if (!schedule_in_transaction(cfg, st, now, queued, error) || !store_commit(st, error)) {
		store_rollback(st);
		*queued = 0;
		return FALSE;
	}
	return TRUE;
}

gboolean events_apply_rsvp(const struct nomd_config *cfg, struct store *st, const struct parsed_message *msg,
			   const struct decision *d, gint64 message_row, const char *sha, GError **error)
{
	gint64 now = g_get_real_time() / G_USEC_PER_SEC;
	g_autoptr(event_record) e = NULL;
	if (!store_event_by_id(st, d->rsvp->event, &e, error))
		return FALSE;
	if (!e)
		return TRUE;
	enum rsvp answer = d->rsvp_answer;
	enum notice_kind kind = answer != RSVP_NONE ? NOTICE_RSVP : NOTICE_RSVP_CLOSED;
	if (answer != RSVP_NONE) {
		if (!store_set_answer(st, d->rsvp->id, answer, now, error))
			return FALSE;
		/* A place given up goes to the first person waiting. */
		gboolean freed = d->rsvp->answer == RSVP_ACCEPTED && answer != RSVP_ACCEPTED;
		g_autoptr(invitation_view) next = NULL;
		if (freed && !store_first_waiting(st, e->id, &next, error))
			return FALSE;
		if (next) {
			if (!store_set_answer(st, next->id, RSVP_ACCEPTED, now, error))
				return FALSE;
			g_autofree char *when = events_when(e);
			struct notice n = { .answer = RSVP_ACCEPTED };
			person_of(cfg, next, &n);
			describe(e, when, &n);
			const struct outmail m = { .cause = OUTBOX_PROMOTED,
						   .cause_text = sha,
						   .to = next->email,
						   .nominee = next->nominee,
						   .invitation = next->id };
			if (!outbox_queue_notice(cfg, st, NOTICE_RSVP_PROMOTED, &n, &m, error))
				return FALSE;
			log_info("event %" G_GINT64_FORMAT ": nominee %" G_GINT64_FORMAT
				 " moved up from the waiting list",
				 e->id, next->nominee);
		}
	}
	if (!d->reply)
		return TRUE;
	g_autofree char *when = events_when(e);
	struct notice n = { .answer = answer, .person = { .name = d->rsvp->name, .email = d->rsvp->email } };
	describe(e, when, &n);
	const struct outmail m = {
		.cause = OUTBOX_REPLY, .cause_text = sha, .answers = msg, .message_row = message_row
	};
	return outbox_queue_notice(cfg, st, kind, &n, &m, error);
}
