/* store_events: events, who is invited and what they answered. Part of
 * the store; see store.h. */
#include "store_internal.h"
#include "util.h"

/* Every event query reads these columns in this order (see read_event). */
#define EVENT_COLUMNS                                                                                                  \
	"e.id, e.uid, e.title, e.description, e.timezone, e.location, e.online_url, e.audience, e.status,"             \
	" e.starts_at, e.duration, coalesce(e.capacity, 0), e.sequence,"                                               \
	" (SELECT count(*) FROM invitations i WHERE i.event = e.id),"                                                  \
	" (SELECT count(*) FROM invitations i WHERE i.event = e.id AND i.answer = 'accepted'),"                        \
	" (SELECT count(*) FROM invitations i WHERE i.event = e.id AND i.answer = 'declined'),"                        \
	" (SELECT count(*) FROM invitations i WHERE i.event = e.id AND i.answer = 'tentative'),"                       \
	" (SELECT count(*) FROM invitations i WHERE i.event = e.id AND i.answer = 'waiting'),"                         \
	" e.topic, e.presenters"
#define EVENT_NCOLS 20

/* ... and invitation queries these, then the event's. */
#define INVITATION_COLUMNS                                                                                             \
	"i.id, i.nominee, i.answer, i.sent_sequence, i.cancel_sent, i.reminded, n.email, n.name, n.role,"              \
	" n.organisation, n.status, " EVENT_COLUMNS
#define INVITATION_NCOLS 11

void event_record_free(struct event_record *e)
{
	if (!e)
		return;
	g_free(e->uid);
	g_free(e->title);
	g_free(e->description);
	g_free(e->timezone);
	g_free(e->location);
	g_free(e->online_url);
	g_free(e->audience);
	g_free(e->status);
	g_free(e->topic);
	g_free(e->presenters);
	g_free(e);
}

void invitation_view_free(struct invitation_view *v)
{
	if (!v)
		return;
	g_free(v->email);
	g_free(v->name);
	g_free(v->role);
	g_free(v->organisation);
	event_record_free(v->event);
	g_free(v);
}

static struct event_record *read_event(sqlite3_stmt *stmt, int c)
{
	struct event_record *e = g_new0(struct event_record, 1);
	e->id = sqlite3_column_int64(stmt, c);
	char **texts[] = { &e->uid,	 &e->title,	 &e->description, &e->timezone,
			   &e->location, &e->online_url, &e->audience,	  &e->status };
	for (size_t i = 0; i < G_N_ELEMENTS(texts); i++)
		*texts[i] = store_column_dup(stmt, c + 1 + (int)i);
	e->starts_at = sqlite3_column_int64(stmt, c + 9);
	e->duration = sqlite3_column_int(stmt, c + 10);
	e->capacity = sqlite3_column_int(stmt, c + 11);
	e->sequence = sqlite3_column_int(stmt, c + 12);
	e->invited = sqlite3_column_int(stmt, c + 13);
	e->accepted = sqlite3_column_int(stmt, c + 14);
	e->declined = sqlite3_column_int(stmt, c + 15);
	e->tentative = sqlite3_column_int(stmt, c + 16);
	e->waiting = sqlite3_column_int(stmt, c + 17);
	e->topic = store_column_dup(stmt, c + 18);
	e->presenters = store_column_dup(stmt, c + 19);
	return e;
}

/* One row, or NULL (and `error` set) when its answer or the nominee's
 * status is not a state nomd knows (the schema's CHECK allows none). */
static struct invitation_view *read_invitation(struct store *st, sqlite3_stmt *stmt, GError **error)
{
	g_autoptr(invitation_view) v = g_new0(struct invitation_view, 1);
	v->id = sqlite3_column_int64(stmt, 0);
	v->nominee = sqlite3_column_int64(stmt, 1);
	v->sent_sequence = sqlite3_column_int(stmt, 3);
	v->cancel_sent = sqlite3_column_int(stmt, 4) != 0;
	v->reminded = sqlite3_column_int(stmt, 5) != 0;
	v->email = store_column_dup(stmt, 6);
	v->name = store_column_dup(stmt, 7);
	v->role = store_column_dup(stmt, 8);
	v->organisation = store_column_dup(stmt, 9);
	v->event = read_event(stmt, INVITATION_NCOLS);
	const char *answer = (const char *)sqlite3_column_text(stmt, 2);
	const char *status = (const char *)sqlite3_column_text(stmt, 10);
	if (!rsvp_from_name(answer, &v->answer) || !nominee_status_from_name(status, &v->status)) {
		g_set_error(error, STORE_ERROR, SQLITE_CORRUPT,
			    "%s: invitation %" G_GINT64_FORMAT ": unknown state %s/%s", st->path, v->id,
			    answer ? answer : "NULL", status ? status : "NULL");
		return NULL;
	}
	return g_steal_pointer(&v);
}

/* All rows of a prepared event or invitation query, into a new array. */
static gboolean read_all(struct store *st, sqlite3_stmt *stmt, gboolean invitations, GPtrArray **out, GError **error)
{
	g_autoptr(GPtrArray) list = g_ptr_array_new_with_free_func(invitations ? (GDestroyNotify)invitation_view_free
									       : (GDestroyNotify)event_record_free);
	int rc;
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		gpointer row = invitations ? (gpointer)read_invitation(st, stmt, error) : (gpointer)read_event(stmt, 0);
		if (!row)
			return FALSE;
		g_ptr_array_add(list, row);
	}
	if (rc != SQLITE_DONE)
		return store_fail(st, error, invitations ? "read invitations" : "read events");
	*out = g_steal_pointer(&list);
	return TRUE;
}

/* The fields of an event bound as ?2..?13 (the INSERT and the UPDATE). */
static void bind_event(sqlite3_stmt *stmt, const struct event_record *e)
{
	store_bind_text(stmt, 2, e->title);
	store_bind_text(stmt, 3, e->description);
	sqlite3_bind_int64(stmt, 4, e->starts_at);
	sqlite3_bind_int(stmt, 5, e->duration);
	store_bind_text(stmt, 6, e->timezone);
	store_bind_text(stmt, 7, e->location);
	store_bind_text(stmt, 8, e->online_url);
	store_bind_text(stmt, 9, e->audience);
	if (e->capacity > 0)
		sqlite3_bind_int(stmt, 10, e->capacity);
	else
		sqlite3_bind_null(stmt, 10);
	g_autofree char *now = utc_now_iso();
	store_bind_text(stmt, 11, now);
	store_bind_text(stmt, 12, e->topic);
	store_bind_text(stmt, 13, e->presenters);
}

gboolean store_add_event(struct store *st, const struct event_record *e, gint64 *id, GError **error)
{
	g_autoptr(sqlite3_stmt) stmt = store_prepare(st,
						     "INSERT INTO events (uid, title, description, starts_at, duration,"
						     " timezone, location, online_url, audience, capacity, created_at,"
						     " topic, presenters)"
						     " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
						     error);
	if (!stmt)
		return FALSE;
	store_bind_text(stmt, 1, e->uid);
	bind_event(stmt, e);
	if (!store_step_done(st, stmt, error))
		return FALSE;
	*id = sqlite3_last_insert_rowid(st->db);
	return TRUE;
}

gboolean store_update_event(struct store *st, const struct event_record *e, GError **error)
{
	g_autoptr(sqlite3_stmt) stmt =
		store_prepare(st,
			      "UPDATE events SET title = ?2, description = ?3, starts_at = ?4, duration = ?5,"
			      " timezone = ?6, location = ?7, online_url = ?8, audience = ?9, capacity = ?10,"
			      " updated_at = ?11, topic = ?12, presenters = ?13, sequence = sequence + 1 WHERE id = ?1 "
			      "AND status = 'active'",
			      error);
	if (!stmt)
		return FALSE;
	sqlite3_bind_int64(stmt, 1, e->id);
	bind_event(stmt, e);
	return store_step_done(st, stmt, error);
}

gboolean store_cancel_event(struct store *st, gint64 id, gboolean *changed, GError **error)
{
	g_autoptr(sqlite3_stmt) stmt = store_prepare(st,
						     "UPDATE events SET status = 'cancelled', sequence = sequence + 1,"
						     " updated_at = ?2 WHERE id = ?1 AND status = 'active'",
						     error);
	if (!stmt)
		return FALSE;
	g_autofree char *now = utc_now_iso();
	sqlite3_bind_int64(stmt, 1, id);
	store_bind_text(stmt, 2, now);
	if (!store_step_done(st, stmt, error))
		return FALSE;
	*changed = sqlite3_changes(st->db) > 0;
	return TRUE;
}

gboolean store_event_by_id(struct store *st, gint64 id, struct event_record **out, GError **error)
{
	*out = NULL;
	g_autoptr(sqlite3_stmt) stmt =
		store_prepare(st, "SELECT " EVENT_COLUMNS " FROM events e WHERE e.id = ?1", error);
	if (!stmt)
		return FALSE;
	sqlite3_bind_int64(stmt, 1, id);
	g_autoptr(GPtrArray) list = NULL;
	if (!read_all(st, stmt, FALSE, &list, error))
		return FALSE;
	if (list->len)
		*out = g_ptr_array_steal_index(list, 0);
	return TRUE;
}

gboolean store_events(struct store *st, gboolean upcoming, gint64 now, GPtrArray **out, GError **error)
{
	g_autoptr(sqlite3_stmt) stmt =
		store_prepare(st,
			      "SELECT " EVENT_COLUMNS " FROM events e WHERE NOT ?1 OR"
			      " (e.starts_at > ?2 AND e.status = 'active') ORDER BY e.starts_at, e.id",
			      error);
	if (!stmt)
		return FALSE;
	sqlite3_bind_int(stmt, 1, upcoming);
	sqlite3_bind_int64(stmt, 2, now);
	return read_all(st, stmt, FALSE, out, error);
}

gboolean store_invite_audiences(struct store *st, gint64 now, gboolean require_consent, int *created, GError **error)
{
	g_autoptr(sqlite3_stmt) stmt =
		store_prepare(st,
			      "INSERT INTO invitations (event, nominee)"
			      " SELECT e.id, n.id FROM events e JOIN nominees n"
			      " ON n.status = 'accepted' AND (e.audience = 'all' OR e.audience = n.role || 's')"
			      " WHERE e.status = 'active' AND e.starts_at > ?1 AND (NOT ?2 OR n.consent = 'confirmed')"
			      " ORDER BY e.id, n.id"
			      " ON CONFLICT (event, nominee) DO NOTHING",
			      error);
	if (!stmt)
		return FALSE;
	sqlite3_bind_int64(stmt, 1, now);
	sqlite3_bind_int(stmt, 2, require_consent);
	if (!store_step_done(st, stmt, error))
		return FALSE;
	*created = sqlite3_changes(st->db);
	return TRUE;
}

gboolean store_invitations(struct store *st, enum invitation_query q, gint64 now, gint64 until, GPtrArray **out,
			   GError **error)
{
	static const char *const where[] = {
		[INVITATIONS_TO_SEND] = "(e.status = 'active' AND e.starts_at > ?1 AND n.status = 'accepted'"
					" AND i.sent_sequence < e.sequence)"
					" OR (e.status = 'cancelled' AND i.sent_sequence >= 0 AND NOT i.cancel_sent)"
					/* Someone withdrawn loses the event from their calendar. */
					" OR (e.status = 'active' AND e.starts_at > ?1 AND n.status != 'accepted'"
					" AND n.email IS NOT NULL AND i.sent_sequence >= 0 AND NOT i.cancel_sent)",
		[INVITATIONS_TO_REMIND] = "e.status = 'active' AND e.starts_at > ?1 AND e.starts_at <= ?2"
					  " AND n.status = 'accepted' AND i.answer IN ('none','accepted','tentative')"
					  " AND i.sent_sequence >= 0 AND NOT i.reminded",
	};
	g_autofree char *sql = g_strdup_printf("SELECT " INVITATION_COLUMNS " FROM invitations i"
					       " JOIN events e ON e.id = i.event JOIN nominees n ON n.id = i.nominee"
					       " WHERE %s ORDER BY i.id",
					       where[q]);
	g_autoptr(sqlite3_stmt) stmt = store_prepare(st, sql, error);
	if (!stmt)
		return FALSE;
	sqlite3_bind_int64(stmt, 1, now);
	sqlite3_bind_int64(stmt, 2, until);
	return read_all(st, stmt, TRUE, out, error);
}

static gboolean update_invitation(struct store *st, const char *sql, gint64 id, gint64 number, const char *value,
				  GError **error)
{
	g_autoptr(sqlite3_stmt) stmt = store_prepare(st, sql, error);
	if (!stmt)
		return FALSE;
	sqlite3_bind_int64(stmt, 1, id);
	sqlite3_bind_int64(stmt, 2, number);
	store_bind_text(stmt, 3, value);
	return store_step_done(st, stmt, error);
}

gboolean store_invitation_sent(struct store *st, gint64 id, int sequence, gboolean cancel, GError **error)
{
	return update_invitation(st,
				 cancel ? "UPDATE invitations SET cancel_sent = 1 WHERE id = ?1"
					: "UPDATE invitations SET sent_sequence = ?2 WHERE id = ?1",
				 id, sequence, NULL, error);
}

gboolean store_invitation_reminded(struct store *st, gint64 id, GError **error)
{
	return update_invitation(st, "UPDATE invitations SET reminded = 1 WHERE id = ?1", id, 0, NULL, error);
}

gboolean store_set_answer(struct store *st, gint64 id, enum rsvp answer, gint64 now, GError **error)
{
	/* The waiting list keeps its order: a repeated yes keeps the place. */
	return update_invitation(st,
				 "UPDATE invitations SET answered_at = strftime('%Y-%m-%dT%H:%M:%SZ', ?2, 'unixepoch'),"
				 " waiting_since = CASE WHEN ?3 = 'waiting' THEN coalesce(waiting_since, ?2) END,"
				 " answer = ?3 WHERE id = ?1",
				 id, now, rsvp_name(answer), error);
}

/* One invitation: ?1 a number, ?2 and ?3 texts (unused ones stay unbound). */
static gboolean one_invitation(struct store *st, const char *sql, gint64 number, const char *a, const char *b,
			       struct invitation_view **out, GError **error)
{
	*out = NULL;
	g_autoptr(sqlite3_stmt) stmt = store_prepare(st, sql, error);
	if (!stmt)
		return FALSE;
	int params = sqlite3_bind_parameter_count(stmt);
	sqlite3_bind_int64(stmt, 1, number);
	if (params >= 2)
		store_bind_text(stmt, 2, a);
	if (params >= 3)
		store_bind_text(stmt, 3, b);
	g_autoptr(GPtrArray) list = NULL;
	if (!read_all(st, stmt, TRUE, &list, error))
		return FALSE;
	if (list->len)
		*out = g_ptr_array_steal_index(list, 0);
	return TRUE;
}

#define INVITATION_FROM " FROM invitations i JOIN events e ON e.id = i.event JOIN nominees n ON n.id = i.nominee"

gboolean store_find_invitation(struct store *st, const char *uid, const char *attendee, const char *const *ids, guint n,
			       struct invitation_view **out, GError **error)
{
	*out = NULL;
	if (uid && attendee)
		return one_invitation(st,
				      "SELECT " INVITATION_COLUMNS INVITATION_FROM
				      " WHERE e.uid = ?2 AND n.email_key = lower(?3)",
				      0, uid, attendee, out, error);
	for (guint i = 0; i < n && !*out; i++)
		if (!one_invitation(st,
				    "SELECT " INVITATION_COLUMNS INVITATION_FROM " JOIN outbox o ON o.invitation = i.id"
				    " WHERE o.message_id = ?2 LIMIT 1",
				    0, ids[i], NULL, out, error))
			return FALSE;
	return TRUE;
}

gboolean store_first_waiting(struct store *st, gint64 event, struct invitation_view **out, GError **error)
{
	return one_invitation(st,
			      "SELECT " INVITATION_COLUMNS INVITATION_FROM
			      " WHERE i.event = ?1 AND i.answer = 'waiting' AND n.status = 'accepted'"
			      " ORDER BY i.waiting_since, i.id LIMIT 1",
			      event, NULL, NULL, out, error);
}
