/* store_inbox: what nomd took from the mailbox: the messages it
 * recorded and the nominees recorded or amended from them, with what the
 * rules ask of those (counts and service types per organisation, who holds
 * an address); the IMAP checkpoint; the attempts at each server message.
 * Part of the store; see store.h. */
#include "store_internal.h"
#include "util.h"

gboolean store_find_message(struct store *st, const char *message_id, const char *sha256, char **outcome,
			    GError **error)
{
	g_autoptr(sqlite3_stmt) stmt = store_prepare(
		st, "SELECT outcome FROM messages WHERE coalesce(message_id, '') = coalesce(?1, '') AND sha256 = ?2",
		error);
	if (!stmt)
		return FALSE;
	store_bind_text(stmt, 1, message_id);
	store_bind_text(stmt, 2, sha256);
	return store_step_text(st, stmt, "find message", outcome, error);
}

gboolean store_find_by_uid(struct store *st, guint32 uidvalidity, guint32 uid, char **outcome, GError **error)
{
	g_autoptr(sqlite3_stmt) stmt =
		store_prepare(st, "SELECT outcome FROM messages WHERE uidvalidity = ?1 AND uid = ?2", error);
	if (!stmt)
		return FALSE;
	sqlite3_bind_int64(stmt, 1, uidvalidity);
	sqlite3_bind_int64(stmt, 2, uid);
	return store_step_text(st, stmt, "find message by UID", outcome, error);
}

gboolean store_message_id_known(struct store *st, const char *message_id, gboolean *known, GError **error)
{
	return store_exists(st, "SELECT 1 FROM messages WHERE message_id = ?1", message_id, known, error);
}

gboolean store_add_message(struct store *st, const struct message_record *rec, gint64 *row, GError **error)
{
	g_autoptr(sqlite3_stmt) stmt =
		store_prepare(st,
			      "INSERT INTO messages (message_id, sha256, sender, organisation, outcome,"
			      " reasons, subject, received_at, processed_at, size, detail, warnings,"
			      " uidvalidity, uid)"
			      " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)",
			      error);
	if (!stmt)
		return FALSE;
	g_autofree char *now = utc_now_iso();
	store_bind_text(stmt, 1, rec->message_id);
	store_bind_text(stmt, 2, rec->sha256);
	store_bind_text(stmt, 3, rec->sender);
	store_bind_text(stmt, 4, rec->organisation);
	store_bind_text(stmt, 5, rec->outcome);
	store_bind_text(stmt, 6, rec->reasons ? rec->reasons : "");
	store_bind_text(stmt, 7, rec->subject ? rec->subject : "");
	store_bind_text(stmt, 8, rec->received_at ? rec->received_at : now);
	store_bind_text(stmt, 9, now);
	sqlite3_bind_int64(stmt, 10, rec->size);
	store_bind_text(stmt, 11, rec->detail);
	store_bind_text(stmt, 12, rec->warnings ? rec->warnings : "");
	if (rec->uid) {
		sqlite3_bind_int64(stmt, 13, rec->uidvalidity);
		sqlite3_bind_int64(stmt, 14, rec->uid);
	}
	if (!store_step_done(st, stmt, error))
		return FALSE;
	*row = sqlite3_last_insert_rowid(st->db);
	return TRUE;
}

/* The fields of a nominee, bound as ?2..?17 in the same order for the
 * INSERT and the amending UPDATE. */
static void bind_nominee(sqlite3_stmt *stmt, const struct nominee_record *r)
{
	store_bind_text(stmt, 2, r->organisation);
	store_bind_text(stmt, 3, r->role);
	store_bind_text(stmt, 4, r->name);
	store_bind_text(stmt, 5, r->email);
	store_bind_text(stmt, 6, r->job_title);
	store_bind_text(stmt, 7, r->service);
	store_bind_text(stmt, 8, r->service_type);
	if (r->years >= 0)
		sqlite3_bind_int(stmt, 9, r->years);
	else
		sqlite3_bind_null(stmt, 9);
	store_bind_text(stmt, 10, r->aspiration);
	store_bind_text(stmt, 11, r->expertise);
	store_bind_text(stmt, 12, r->location);
	store_bind_text(stmt, 13, r->format);
	store_bind_text(stmt, 14, r->warnings ? r->warnings : "");
	store_bind_text(stmt, 15, r->nominated_by);
	store_bind_text(stmt, 16, r->status);
	store_bind_text(stmt, 17, r->reason);
}

/* The values of the programme's own fields for nominee row `id`: a value
 * given replaces the one kept, as an amendment does. */
static gboolean put_values(struct store *st, gint64 id, const struct nominee_record *r, GError **error)
{
	for (guint i = 0; r->values && i < r->values->len; i++) {
		const struct form_value *v = r->values->pdata[i];
		g_autoptr(sqlite3_stmt) stmt = store_prepare(
			st, "INSERT OR REPLACE INTO nominee_fields (nominee, field, value) VALUES (?1, ?2, ?3)", error);
		if (!stmt)
			return FALSE;
		sqlite3_bind_int64(stmt, 1, id);
		store_bind_text(stmt, 2, v->id);
		store_bind_text(stmt, 3, v->value);
		if (!store_step_done(st, stmt, error))
			return FALSE;
	}
	return TRUE;
}

gboolean store_add_nominee(struct store *st, gint64 message_row, const struct nominee_record *r, GError **error)
{
	g_autoptr(sqlite3_stmt) stmt = store_prepare(
		st,
		"INSERT INTO nominees (message, organisation, role, name, email, email_key, job_title,"
		" service, service_type, years, aspiration, expertise, location, format, warnings,"
		" nominated_by, status, reason)"
		" VALUES (?1, ?2, ?3, ?4, ?5, lower(?5), ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17)",
		error);
	if (!stmt)
		return FALSE;
	sqlite3_bind_int64(stmt, 1, message_row);
	bind_nominee(stmt, r);
	return store_step_done(st, stmt, error) && put_values(st, sqlite3_last_insert_rowid(st->db), r, error);
}

gboolean store_replace_undeliverable(struct store *st, const char *org_id, const char *name, const char *email,
				     GError **error)
{
	g_autofree char *now = utc_now_iso();
	g_autoptr(sqlite3_stmt) stmt =
		store_prepare(st,
			      "UPDATE nominees SET status = 'withdrawn', reason = 'replaced', updated_at = ?4"
			      " WHERE organisation = ?1 AND status = 'accepted' AND undeliverable IS NOT NULL"
			      " AND lower(name) = lower(?2) AND email_key IS NOT lower(?3)",
			      error);
	if (!stmt)
		return FALSE;
	store_bind_text(stmt, 1, org_id);
	store_bind_text(stmt, 2, name);
	store_bind_text(stmt, 3, email);
	store_bind_text(stmt, 4, now);
	return store_step_done(st, stmt, error);
}

gboolean store_amend_nominee(struct store *st, gint64 message_row, const struct nominee_record *r, GError **error)
{
	/* Fields left out of the new entry keep their old values. */
	g_autoptr(sqlite3_stmt) stmt =
		store_prepare(st,
			      "UPDATE nominees SET message = ?1, role = ?3, name = ?4, email = ?5,"
			      " job_title = coalesce(?6, job_title), service = coalesce(?7, service),"
			      " service_type = coalesce(?8, service_type), years = coalesce(?9, years),"
			      " aspiration = coalesce(?10, aspiration), expertise = coalesce(?11, expertise),"
			      " location = coalesce(?12, location), format = coalesce(?13, format), warnings = ?14,"
			      " nominated_by = ?15, updated_at = ?18"
			      " WHERE email_key = lower(?5) AND status = 'accepted' AND organisation = ?2"
			      " AND ?16 = 'accepted' AND ?17 IS NULL RETURNING id",
			      error);
	if (!stmt)
		return FALSE;
	g_autofree char *now = utc_now_iso();
	sqlite3_bind_int64(stmt, 1, message_row);
	bind_nominee(stmt, r);
	store_bind_text(stmt, 18, now);
	/* The row amended, if any, for the values of the programme's fields. */
	g_autofree char *id = NULL;
	if (!store_step_text(st, stmt, "amend a nominee", &id, error))
		return FALSE;
	return !id || put_values(st, g_ascii_strtoll(id, NULL, 10), r, error);
}

gboolean store_org_counts(struct store *st, const char *org_id, int *members, int *mentors, GError **error)
{
	*members = *mentors = 0;
	g_autoptr(sqlite3_stmt) stmt = store_prepare(st,
						     "SELECT role, count(*) FROM nominees WHERE organisation = ?1"
						     " AND status = 'accepted' AND undeliverable IS NULL GROUP BY role",
						     error);
	if (!stmt)
		return FALSE;
	store_bind_text(stmt, 1, org_id);
	int rc;
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		const char *role = (const char *)sqlite3_column_text(stmt, 0);
		int n = sqlite3_column_int(stmt, 1);
		if (g_strcmp0(role, "mentor") == 0)
			*mentors = n;
		else
			*members = n;
	}
	if (rc != SQLITE_DONE)
		return store_fail(st, error, "count nominees");
	return TRUE;
}

gboolean store_org_service_types(struct store *st, const char *org_id, GPtrArray **types, int *typed, GError **error)
{
	*typed = 0;
	g_autoptr(sqlite3_stmt) stmt =
		store_prepare(st,
			      "SELECT service_type, count(*) FROM nominees WHERE organisation = ?1"
			      " AND status = 'accepted' AND coalesce(service_type, '') != ''"
			      " GROUP BY service_type",
			      error);
	if (!stmt)
		return FALSE;
	store_bind_text(stmt, 1, org_id);
	g_autoptr(GPtrArray) list = g_ptr_array_new_with_free_func(g_free);
	int rc;
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		g_ptr_array_add(list, store_column_dup(stmt, 0));
		*typed += sqlite3_column_int(stmt, 1);
	}
	if (rc != SQLITE_DONE)
		return store_fail(st, error, "read service types");
	*types = g_steal_pointer(&list);
	return TRUE;
}

gboolean store_email_owner(struct store *st, const char *email_key, char **org_id, char **role, char **by,
			   GError **error)
{
	char **out[] = { org_id, role, by };
	for (size_t i = 0; i < G_N_ELEMENTS(out); i++)
		if (out[i])
			*out[i] = NULL;
	g_autoptr(sqlite3_stmt) stmt = store_prepare(
		st,
		"SELECT organisation, role, nominated_by FROM nominees WHERE email_key = ?1 AND status = 'accepted'",
		error);
	if (!stmt)
		return FALSE;
	store_bind_text(stmt, 1, email_key);
	int rc = sqlite3_step(stmt);
	if (rc == SQLITE_ROW) {
		for (size_t i = 0; i < G_N_ELEMENTS(out); i++)
			if (out[i])
				*out[i] = store_column_dup(stmt, (int)i);
	} else if (rc != SQLITE_DONE) {
		return store_fail(st, error, "look up nominee");
	}
	return TRUE;
}

gboolean store_choice_count(struct store *st, const char *org_id, const char *field_id, const char *choice,
			    const char *except_key, int *count, GError **error)
{
	*count = 0;
	g_autoptr(sqlite3_stmt) stmt =
		store_prepare(st,
			      "SELECT count(*) FROM nominees n JOIN nominee_fields f ON f.nominee = n.id"
			      " WHERE n.organisation = ?1 AND n.status = 'accepted' AND f.field = ?2 AND f.value = ?3"
			      " AND n.email_key IS NOT ?4",
			      error);
	if (!stmt)
		return FALSE;
	store_bind_text(stmt, 1, org_id);
	store_bind_text(stmt, 2, field_id);
	store_bind_text(stmt, 3, choice);
	store_bind_text(stmt, 4, except_key);
	if (sqlite3_step(stmt) != SQLITE_ROW)
		return store_fail(st, error, "count nominations by choice");
	*count = sqlite3_column_int(stmt, 0);
	return TRUE;
}

gboolean store_checkpoint(struct store *st, const char *mailbox, guint32 *uidvalidity, guint32 *last_uid,
			  GError **error)
{
	*uidvalidity = *last_uid = 0;
	g_autoptr(sqlite3_stmt) stmt =
		store_prepare(st, "SELECT uidvalidity, last_uid FROM checkpoints WHERE mailbox = ?1", error);
	if (!stmt)
		return FALSE;
	store_bind_text(stmt, 1, mailbox);
	int rc = sqlite3_step(stmt);
	if (rc == SQLITE_ROW) {
		*uidvalidity = (guint32)sqlite3_column_int64(stmt, 0);
		*last_uid = (guint32)sqlite3_column_int64(stmt, 1);
	} else if (rc != SQLITE_DONE) {
		return store_fail(st, error, "read checkpoint");
	}
	return TRUE;
}

gboolean store_set_checkpoint(struct store *st, const char *mailbox, guint32 uidvalidity, guint32 last_uid,
			      gboolean reset, GError **error)
{
	/* Within one UIDVALIDITY the checkpoint only moves forward. */
	g_autoptr(sqlite3_stmt) stmt =
		store_prepare(st,
			      "INSERT INTO checkpoints (mailbox, uidvalidity, last_uid) VALUES (?1, ?2, ?3)"
			      " ON CONFLICT (mailbox) DO UPDATE SET uidvalidity = excluded.uidvalidity,"
			      " last_uid = CASE WHEN ?4 OR uidvalidity != excluded.uidvalidity THEN excluded.last_uid"
			      " ELSE max(last_uid, excluded.last_uid) END",
			      error);
	if (!stmt)
		return FALSE;
	store_bind_text(stmt, 1, mailbox);
	sqlite3_bind_int64(stmt, 2, uidvalidity);
	sqlite3_bind_int64(stmt, 3, last_uid);
	sqlite3_bind_int(stmt, 4, reset);
	return store_step_done(st, stmt, error);
}

gboolean store_attempts(struct store *st, guint32 uidvalidity, guint32 uid, int *starts, int *failures,
			char **last_error, GError **error)
{
	*starts = *failures = 0;
	*last_error = NULL;
	g_autoptr(sqlite3_stmt) stmt = store_prepare(
		st, "SELECT starts, failures, last_error FROM attempts WHERE uidvalidity = ?1 AND uid = ?2", error);
	if (!stmt)
		return FALSE;
	sqlite3_bind_int64(stmt, 1, uidvalidity);
	sqlite3_bind_int64(stmt, 2, uid);
	int rc = sqlite3_step(stmt);
	if (rc == SQLITE_ROW) {
		*starts = sqlite3_column_int(stmt, 0);
		*failures = sqlite3_column_int(stmt, 1);
		*last_error = store_column_dup(stmt, 2);
	} else if (rc != SQLITE_DONE) {
		return store_fail(st, error, "read attempts");
	}
	return TRUE;
}

gboolean store_attempt_begin(struct store *st, guint32 uidvalidity, guint32 uid, GError **error)
{
	/* This mark must survive a crash of nomd, not a power cut: an extra
	 * attempt after a power cut is harmless, an fsync per message is not.
	 * Within a lazy batch it already is so. */
	if (!st->lazy && !store_set_synchronous(st, FALSE, error))
		return FALSE;
	g_autoptr(sqlite3_stmt) stmt =
		store_prepare(st,
			      "INSERT INTO attempts (uidvalidity, uid, starts) VALUES (?1, ?2, 1)"
			      " ON CONFLICT (uidvalidity, uid) DO UPDATE SET starts = starts + 1",
			      error);
	gboolean ok = stmt != NULL;
	if (ok) {
		sqlite3_bind_int64(stmt, 1, uidvalidity);
		sqlite3_bind_int64(stmt, 2, uid);
		ok = store_step_done(st, stmt, error);
	}
	return (st->lazy || store_set_synchronous(st, TRUE, ok ? error : NULL)) && ok;
}

gboolean store_attempt_failed(struct store *st, guint32 uidvalidity, guint32 uid, const char *error_text,
			      GError **error)
{
	g_autoptr(sqlite3_stmt) stmt =
		store_prepare(st,
			      "INSERT INTO attempts (uidvalidity, uid, starts, failures, last_error)"
			      " VALUES (?1, ?2, 1, 1, ?3) ON CONFLICT (uidvalidity, uid)"
			      " DO UPDATE SET failures = failures + 1, last_error = ?3",
			      error);
	if (!stmt)
		return FALSE;
	sqlite3_bind_int64(stmt, 1, uidvalidity);
	sqlite3_bind_int64(stmt, 2, uid);
	store_bind_text(stmt, 3, error_text);
	return store_step_done(st, stmt, error);
}

gboolean store_attempt_abandon(struct store *st, guint32 uidvalidity, guint32 uid, GError **error)
{
	g_autoptr(sqlite3_stmt) stmt = store_prepare(st,
						     "UPDATE attempts SET starts = max(starts - 1, failures)"
						     " WHERE uidvalidity = ?1 AND uid = ?2",
						     error);
	if (!stmt)
		return FALSE;
	sqlite3_bind_int64(stmt, 1, uidvalidity);
	sqlite3_bind_int64(stmt, 2, uid);
	return store_step_done(st, stmt, error);
}

gboolean store_attempt_clear(struct store *st, guint32 uidvalidity, guint32 uid, GError **error)
{
	g_autoptr(sqlite3_stmt) stmt =
		store_prepare(st, "DELETE FROM attempts WHERE uidvalidity = ?1 AND uid = ?2", error);
	if (!stmt)
		return FALSE;
	sqlite3_bind_int64(stmt, 1, uidvalidity);
	sqlite3_bind_int64(stmt, 2, uid);
	return store_step_done(st, stmt, error);
}
