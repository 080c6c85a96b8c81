/* store_outbox: mail waiting to be sent and what became of it: queued
 * once per cause (idempotency key) with the nominees it names, handed to
 * the sender when due, marked sent, retried or failed, bounces recorded
 * against it; the counts nomctl and the reply limit read. Part of the
 * store; see store.h. */
#include "store_internal.h"
#include "util.h"

/* Record that outbox row `row` names `nominee` (0: nobody), or, with
 * `message_row`, every nominee recorded from that message. */
static gboolean mention(struct store *st, gint64 row, gint64 nominee, gint64 message_row, GError **error)
{
	if (nominee <= 0 && message_row <= 0)
		return TRUE;
	g_autoptr(sqlite3_stmt) stmt =
		store_prepare(st,
			      "INSERT OR IGNORE INTO outbox_mentions (outbox, nominee)"
			      " SELECT ?1, ?2 WHERE ?2 > 0"
			      " UNION SELECT ?1, nominee FROM message_mentions WHERE message = ?3",
			      error);
	if (!stmt)
		return FALSE;
	sqlite3_bind_int64(stmt, 1, row);
	sqlite3_bind_int64(stmt, 2, nominee);
	sqlite3_bind_int64(stmt, 3, message_row);
	return store_step_done(st, stmt, error);
}

gboolean store_outbox_add(struct store *st, const struct outbox_row *r, GError **error)
{
	g_autoptr(sqlite3_stmt) stmt = store_prepare(
		st,
		"INSERT INTO outbox (idem_key, message, envelope_from, recipient, body, created_at, message_id, "
		"nominee,"
		" invitation, kind, facts) VALUES (?1, ?2, ?3, ?4, coalesce(?5, X''), ?6, ?7, ?8, ?9, ?10, ?11)"
		" ON CONFLICT (idem_key) DO NOTHING",
		error);
	if (!stmt)
		return FALSE;
	g_autofree char *now = utc_now_iso();
	store_bind_text(stmt, 1, r->idem_key);
	if (r->message_row > 0)
		sqlite3_bind_int64(stmt, 2, r->message_row);
	else
		sqlite3_bind_null(stmt, 2);
	store_bind_text(stmt, 3, r->envelope_from ? r->envelope_from : "");
	store_bind_text(stmt, 4, r->recipient);
	if (r->body) {
		gsize len = 0;
		const void *data = g_bytes_get_data(r->body, &len);
		sqlite3_bind_blob64(stmt, 5, data, len, SQLITE_TRANSIENT);
	}
	store_bind_text(stmt, 6, now);
	store_bind_text(stmt, 7, r->message_id);
	if (r->nominee > 0)
		sqlite3_bind_int64(stmt, 8, r->nominee);
	if (r->invitation > 0)
		sqlite3_bind_int64(stmt, 9, r->invitation);
	if (r->kind)
		store_bind_text(stmt, 10, r->kind);
	if (r->facts) {
		gsize len = 0;
		const void *data = g_bytes_get_data(r->facts, &len);
		sqlite3_bind_blob64(stmt, 11, data, len, SQLITE_STATIC);
	}
	if (!store_step_done(st, stmt, error))
		return FALSE;
	if (sqlite3_changes(st->db) == 0) /* queued before, with its mentions */
		return TRUE;
	gint64 row = sqlite3_last_insert_rowid(st->db);
	if (!mention(st, row, r->nominee, r->message_row, error))
		return FALSE;
	for (guint i = 0; i < r->n_also; i++)
		if (!mention(st, row, r->also[i], 0, error))
			return FALSE;
	return TRUE;
}

gboolean store_outbox_queued_at(struct store *st, const char *idem_key, char **at, GError **error)
{
	*at = NULL;
	g_autoptr(sqlite3_stmt) stmt = store_prepare(st, "SELECT created_at FROM outbox WHERE idem_key = ?1", error);
	if (!stmt)
		return FALSE;
	store_bind_text(stmt, 1, idem_key);
	return store_step_text(st, stmt, "read the outbox", at, error);
}

void outbox_item_free(struct outbox_item *item)
{
	if (!item)
		return;
	g_free(item->envelope_from);
	g_free(item->recipient);
	g_free(item->message_id);
	if (item->facts)
		g_bytes_unref(item->facts);
	if (item->body)
		g_bytes_unref(item->body);
	g_free(item);
}

#define OUTBOX_ITEM_COLUMNS "id, envelope_from, recipient, body, attempts, message_id, facts"

static struct outbox_item *outbox_item_read(sqlite3_stmt *stmt)
{
	struct outbox_item *it = g_new0(struct outbox_item, 1);
	it->id = sqlite3_column_int64(stmt, 0);
	it->envelope_from = store_column_dup(stmt, 1);
	it->recipient = store_column_dup(stmt, 2);
	it->body = g_bytes_new(sqlite3_column_blob(stmt, 3), sqlite3_column_bytes(stmt, 3));
	it->attempts = sqlite3_column_int(stmt, 4);
	it->message_id = store_column_dup(stmt, 5);
	if (sqlite3_column_type(stmt, 6) != SQLITE_NULL) {
		it->facts_printed = sqlite3_column_type(stmt, 6) == SQLITE_TEXT;
		it->facts = g_bytes_new(sqlite3_column_blob(stmt, 6), sqlite3_column_bytes(stmt, 6));
	}
	return it;
}

/* Every row `stmt` yields, into *items (outbox_item_free). */
static gboolean read_items(struct store *st, sqlite3_stmt *stmt, GPtrArray **items, GError **error)
{
	g_autoptr(GPtrArray) list = g_ptr_array_new_with_free_func((GDestroyNotify)outbox_item_free);
	int rc;
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW)
		g_ptr_array_add(list, outbox_item_read(stmt));
	if (rc != SQLITE_DONE)
		return store_fail(st, error, "read outbox");
	*items = g_steal_pointer(&list);
	return TRUE;
}

gboolean store_outbox_item(struct store *st, gint64 id, struct outbox_item **item, GError **error)
{
	*item = NULL;
	g_autoptr(sqlite3_stmt) stmt =
		store_prepare(st, "SELECT " OUTBOX_ITEM_COLUMNS " FROM outbox WHERE id = ?1", error);
	if (!stmt)
		return FALSE;
	sqlite3_bind_int64(stmt, 1, id);
	g_autoptr(GPtrArray) list = NULL;
	if (!read_items(st, stmt, &list, error))
		return FALSE;
	if (list->len)
		*item = g_ptr_array_steal_index(list, 0);
	return TRUE;
}

gboolean store_outbox_pending(struct store *st, gint64 after_id, int limit, gint64 now, GPtrArray **items,
			      GError **error)
{
	g_autoptr(sqlite3_stmt) stmt =
		store_prepare(st,
			      "SELECT " OUTBOX_ITEM_COLUMNS " FROM outbox"
			      " WHERE status = 'pending' AND id > ?2 AND next_attempt_at <= ?3 ORDER BY id LIMIT ?1",
			      error);
	if (!stmt)
		return FALSE;
	sqlite3_bind_int(stmt, 1, limit);
	sqlite3_bind_int64(stmt, 2, after_id);
	sqlite3_bind_int64(stmt, 3, now);
	return read_items(st, stmt, items, error);
}

gboolean store_sender_batch(struct store *st, GError **error)
{
	return store_touch_marker(st,
				  "INSERT INTO sender (id, batch_at, pid) VALUES (1, ?1, ?2)"
				  " ON CONFLICT (id) DO UPDATE SET batch_at = ?1, pid = ?2",
				  error);
}

gboolean store_outbox_sent(struct store *st, gint64 id, GError **error)
{
	g_autoptr(sqlite3_stmt) stmt = store_prepare(st,
						     "UPDATE outbox SET status = 'sent', attempts = attempts + 1, "
						     "sent_at = ?2, last_error = NULL WHERE id = ?1",
						     error);
	if (!stmt)
		return FALSE;
	g_autofree char *now = utc_now_iso();
	sqlite3_bind_int64(stmt, 1, id);
	store_bind_text(stmt, 2, now);
	return store_step_done(st, stmt, error);
}

gboolean store_outbox_failed(struct store *st, gint64 id, gboolean permanent, gint64 now, int retry_in, int max_age,
			     const char *error_text, gboolean *failed, GError **error)
{
	/* A message older than max_age is given up, like a permanent failure. */
	g_autoptr(sqlite3_stmt) stmt =
		store_prepare(st,
			      "UPDATE outbox SET attempts = attempts + 1, last_error = ?2, next_attempt_at = ?4 + ?5,"
			      " status = CASE WHEN ?3 OR ?4 - CAST(strftime('%s', created_at) AS INTEGER) >= ?6"
			      " THEN 'failed' ELSE 'pending' END"
			      " WHERE id = ?1 RETURNING status = 'failed'",
			      error);
	if (!stmt)
		return FALSE;
	sqlite3_bind_int64(stmt, 1, id);
	store_bind_text(stmt, 2, error_text);
	sqlite3_bind_int(stmt, 3, permanent);
	sqlite3_bind_int64(stmt, 4, now);
	sqlite3_bind_int(stmt, 5, retry_in);
	sqlite3_bind_int(stmt, 6, max_age);
	*failed = permanent;
	int rc = sqlite3_step(stmt);
	if (rc == SQLITE_ROW) {
		*failed = sqlite3_column_int(stmt, 0) != 0;
		rc = sqlite3_step(stmt);
	}
	if (rc != SQLITE_DONE)
		return store_fail(st, error, "record a failed delivery");
	return TRUE;
}

gboolean store_outbox_next_due(struct store *st, gint64 *when, GError **error)
{
	*when = 0;
	/* A row never tried has next_attempt_at 0: due at once, reported as 1. */
	g_autoptr(sqlite3_stmt) stmt =
		store_prepare(st, "SELECT max(1, min(next_attempt_at)) FROM outbox WHERE status = 'pending'", error);
	if (!stmt)
		return FALSE;
	if (sqlite3_step(stmt) != SQLITE_ROW)
		return store_fail(st, error, "read outbox");
	*when = sqlite3_column_type(stmt, 0) == SQLITE_NULL ? 0 : sqlite3_column_int64(stmt, 0);
	return TRUE;
}

gboolean store_outbox_counts(struct store *st, gint64 *pending, gint64 *failed, char **oldest)
{
	*pending = *failed = 0;
	if (oldest)
		*oldest = NULL;
	g_autoptr(sqlite3_stmt) stmt = store_prepare(st,
						     "SELECT count(*) FILTER (WHERE status = 'pending'),"
						     " count(*) FILTER (WHERE status = 'failed'),"
						     " min(created_at) FILTER (WHERE status = 'pending') FROM outbox",
						     NULL);
	if (!stmt || sqlite3_step(stmt) != SQLITE_ROW)
		return FALSE;
	*pending = sqlite3_column_int64(stmt, 0);
	*failed = sqlite3_column_int64(stmt, 1);
	if (oldest)
		*oldest = store_column_dup(stmt, 2);
	return TRUE;
}

gboolean store_outbox_retry(struct store *st, gint64 id, gint64 *changed, GError **error)
{
	*changed = 0;
	/* A fresh start: the age limit counts from now. */
	g_autoptr(sqlite3_stmt) stmt =
		store_prepare(st,
			      "UPDATE outbox SET status = 'pending', next_attempt_at = 0, created_at = ?2"
			      " WHERE (id = ?1 OR ?1 = 0) AND status = 'failed'"
			      " AND (length(body) > 0 OR facts IS NOT NULL)", /* not what was erased */
			      error);
	if (!stmt)
		return FALSE;
	g_autofree char *now = utc_now_iso();
	sqlite3_bind_int64(stmt, 1, id);
	store_bind_text(stmt, 2, now);
	if (!store_step_done(st, stmt, error))
		return FALSE;
	*changed = sqlite3_changes(st->db);
	return TRUE;
}

gboolean store_replies_since(struct store *st, const char *address, gint64 since, int *count, GError **error)
{
	*count = 0;
	g_autoptr(sqlite3_stmt) stmt = store_prepare(st,
						     "SELECT count(*) FROM outbox WHERE recipient = ?1 COLLATE NOCASE"
						     " AND created_at >= ?2 AND message IS NOT NULL",
						     error);
	if (!stmt)
		return FALSE;
	/* created_at is written by utc_now_iso(): a text comparison with the
	 * same format is the time comparison, and an index range. */
	g_autoptr(GDateTime) bound = g_date_time_new_from_unix_utc(since);
	g_autofree char *since_iso = bound ? g_date_time_format(bound, "%Y-%m-%dT%H:%M:%SZ") : g_strdup("");
	store_bind_text(stmt, 1, address);
	store_bind_text(stmt, 2, since_iso);
	if (sqlite3_step(stmt) != SQLITE_ROW)
		return store_fail(st, error, "count replies");
	*count = sqlite3_column_int(stmt, 0);
	return TRUE;
}

gboolean store_sent_by_us(struct store *st, const char *message_id, gboolean *found, GError **error)
{
	return store_exists(st, "SELECT 1 FROM outbox WHERE message_id = ?1", message_id, found, error);
}

gboolean store_mark_bounce(struct store *st, const char *message_id, const char *detail, GError **error)
{
	g_autoptr(sqlite3_stmt) stmt = store_prepare(st, "UPDATE outbox SET bounce = ?2 WHERE message_id = ?1", error);
	if (!stmt)
		return FALSE;
	store_bind_text(stmt, 1, message_id);
	store_bind_text(stmt, 2, detail);
	return store_step_done(st, stmt, error);
}
