/* store_forget: data protection. Erasure on request, retention of sent
 * mail, and releasing a held message. Part of the store; see store.h. */
#include <string.h>

#include "../parsers/mime_text.h"
#include "store_internal.h"
#include "util.h"

/* Run `sql` with ?1 bound to `value` (text) and ?2 to `number`; add the
 * rows it changed to *changed (may be NULL). */
static gboolean run(struct store *st, const char *sql, const char *value, gint64 number, int *changed, GError **error)
{
	g_autoptr(sqlite3_stmt) stmt = store_prepare(st, sql, error);
	if (!stmt)
		return FALSE;
	int params = sqlite3_bind_parameter_count(stmt);
	if (params >= 1)
		store_bind_text(stmt, 1, value);
	if (params >= 2)
		sqlite3_bind_int64(stmt, 2, number);
	if (!store_step_done(st, stmt, error))
		return FALSE;
	if (changed)
		*changed += sqlite3_changes(st->db);
	return TRUE;
}

/* The texts that identify the person: the address as given and as
 * stored, lower case, and their names. */
static gboolean traces(struct store *st, const char *email, GArray *ids, GPtrArray *texts, GError **error)
{
	g_ptr_array_add(texts, g_strdup(email));
	g_ptr_array_add(texts, g_ascii_strdown(email, -1));
	g_autoptr(sqlite3_stmt) stmt =
		store_prepare(st, "SELECT id, email, name FROM nominees WHERE email_key = lower(?1)", error);
	if (!stmt)
		return FALSE;
	store_bind_text(stmt, 1, email);
	int rc;
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		gint64 id = sqlite3_column_int64(stmt, 0);
		g_array_append_val(ids, id);
		for (int c = 1; c <= 2; c++) {
			const char *t = (const char *)sqlite3_column_text(stmt, c);
			/* A name of one or two letters would erase half the database. */
			if (t && strlen(t) >= 3)
				g_ptr_array_add(texts, g_strdup(t));
		}
	}
	if (rc != SQLITE_DONE)
		return store_fail(st, error, "find the person");
	return TRUE;
}

/* Mail not yet sent is not sent empty: it fails, saying why. */
#define ERASED_UNSENT                                                                                                  \
	" last_error = CASE WHEN status = 'pending' THEN 'erased before it was sent' ELSE last_error END,"             \
	" status = CASE WHEN status = 'pending' THEN 'failed' ELSE status END"

/* The outbox rows whose decoded text (subject, bodies, attachments) holds
 * one of `texts`: names and addresses stand there quoted-printable, RFC
 * 2047 or base64 encoded, where no search of the stored bytes finds them.
 * The net under the recorded mentions, and the only one for mail queued
 * before they were recorded (schema 9). */
static gboolean decoded_matches(struct store *st, GPtrArray *texts, GArray *rows, GError **error)
{
	g_autoptr(GPtrArray) folded = g_ptr_array_new_with_free_func(g_free);
	for (guint i = 0; i < texts->len; i++)
		g_ptr_array_add(folded, mime_fold(texts->pdata[i], -1));
	g_autoptr(sqlite3_stmt) stmt = store_prepare(st, "SELECT id, body FROM outbox WHERE length(body) > 0", error);
	if (!stmt)
		return FALSE;
	int rc;
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		g_autofree char *text =
			mime_searchable_text(sqlite3_column_blob(stmt, 1), sqlite3_column_bytes(stmt, 1));
		for (guint i = 0; i < folded->len; i++) {
			if (strstr(text, folded->pdata[i])) {
				gint64 id = sqlite3_column_int64(stmt, 0);
				g_array_append_val(rows, id);
				break;
			}
		}
	}
	if (rc != SQLITE_DONE)
		return store_fail(st, error, "read the outbox");
	return TRUE;
}

static gboolean forget_in_transaction(struct store *st, const char *email, struct erasure *out, GError **error)
{
	g_autoptr(GArray) ids = g_array_new(FALSE, FALSE, sizeof(gint64));
	g_autoptr(GPtrArray) texts = g_ptr_array_new_with_free_func(g_free);
	g_autoptr(GArray) rows = g_array_new(FALSE, FALSE, sizeof(gint64));
	if (!traces(st, email, ids, texts, error) || !decoded_matches(st, texts, rows, error))
		return FALSE;
	int nominees = 0, mails = 0, messages = 0;
	g_autofree char *now = utc_now_iso();
	/* Bodies emptied, rows kept for counts. */
	for (guint i = 0; i < rows->len; i++)
		if (!run(st, "UPDATE outbox SET body = X'', facts = NULL," ERASED_UNSENT " WHERE id = ?2", NULL,
			 g_array_index(rows, gint64, i), &mails, error))
			return FALSE;
	for (guint i = 0; i < ids->len; i++) {
		gint64 id = g_array_index(ids, gint64, i);
		/* Mail to them or naming them (their pairs' notices, the digests
		 * that listed them), and the answers to the message that named
		 * them. */
		if (!run(st,
			 "UPDATE outbox SET body = X'', facts = NULL, invitation = NULL," ERASED_UNSENT
			 " WHERE (nominee = ?2"
			 " OR invitation IN (SELECT id FROM invitations WHERE nominee = ?2)"
			 " OR message IN (SELECT message FROM message_mentions WHERE nominee = ?2)"
			 " OR message = (SELECT message FROM nominees WHERE id = ?2)"
			 " OR id IN (SELECT outbox FROM outbox_mentions WHERE nominee = ?2))"
			 " AND (length(body) > 0 OR facts IS NOT NULL OR invitation IS NOT NULL OR status = 'pending')",
			 NULL, id, &mails, error) ||
		    !run(st, "DELETE FROM invitations WHERE nominee = ?2", NULL, id, NULL, error) ||
		    /* Their answers, and their partners' about the pair. */
		    !run(st,
			 "DELETE FROM pair_asks WHERE nominee = ?2"
			 " OR pair IN (SELECT id FROM pairs WHERE member = ?2 OR mentor = ?2)",
			 NULL, id, NULL, error) ||
		    !run(st, "DELETE FROM pairs WHERE member = ?2 OR mentor = ?2", NULL, id, NULL, error) ||
		    !run(st, "DELETE FROM nominee_fields WHERE nominee = ?2", NULL, id, NULL, error) ||
		    !run(st,
			 "UPDATE nominees SET name = NULL, email = NULL, email_key = NULL, job_title = NULL,"
			 " service = NULL, service_type = NULL, years = NULL, aspiration = NULL, expertise = NULL,"
			 " location = NULL, format = NULL, warnings = '', token = NULL, consent_at = NULL,"
			 " undeliverable = CASE WHEN undeliverable IS NULL THEN NULL ELSE '[erased]' END,"
			 " status = CASE WHEN status = 'accepted' THEN 'withdrawn' ELSE status END,"
			 " updated_at = ?1 WHERE id = ?2",
			 now, id, &nominees, error))
			return FALSE;
	}
	/* Wherever else the address or a name stands in text. */
	for (guint i = 0; i < texts->len; i++) {
		const char *t = texts->pdata[i];
		if (!run(st,
			 "UPDATE outbox SET body = X'', facts = NULL," ERASED_UNSENT ","
			 " recipient = CASE WHEN lower(recipient) = lower(?1) THEN '[erased]' ELSE recipient END,"
			 " last_error = replace(last_error, ?1, '[erased]'), bounce = replace(bounce, ?1, '[erased]')"
			 " WHERE instr(body, CAST(?1 AS BLOB)) > 0 OR lower(recipient) = lower(?1)"
			 " OR instr(last_error, ?1) > 0 OR instr(bounce, ?1) > 0",
			 t, 0, NULL, error) ||
		    !run(st,
			 "UPDATE messages SET sender = CASE WHEN lower(sender) = lower(?1) THEN '[erased]' ELSE sender "
			 "END,"
			 " subject = replace(subject, ?1, '[erased]'), detail = replace(detail, ?1, '[erased]')"
			 " WHERE lower(sender) = lower(?1) OR instr(subject, ?1) > 0 OR instr(detail, ?1) > 0",
			 t, 0, &messages, error) ||
		    !run(st,
			 "UPDATE nominees SET nominated_by = replace(nominated_by, ?1, '[erased]')"
			 " WHERE instr(nominated_by, ?1) > 0",
			 t, 0, NULL, error) ||
		    !run(st,
			 "UPDATE attempts SET last_error = replace(last_error, ?1, '[erased]') WHERE instr(last_error, "
			 "?1) > 0",
			 t, 0, NULL, error) ||
		    !run(st, "DELETE FROM confirmations WHERE lower(argument) = lower(?1)", t, 0, NULL, error))
			return FALSE;
	}
	*out = (struct erasure){ nominees, mails, messages };
	g_autoptr(sqlite3_stmt) stmt = store_prepare(
		st, "INSERT INTO erasures (at, nominees, mails, messages) VALUES (?1, ?2, ?3, ?4)", error);
	if (!stmt)
		return FALSE;
	store_bind_text(stmt, 1, now);
	sqlite3_bind_int(stmt, 2, nominees);
	sqlite3_bind_int(stmt, 3, mails);
	sqlite3_bind_int(stmt, 4, messages);
	return store_step_done(st, stmt, error);
}

/* Copy the write-ahead log into the file and empty it. Another process
 * reading the database keeps the log's frames alive: that is a failure,
 * since the old page images in them still hold what was erased. */
static gboolean checkpoint(struct store *st, GError **error)
{
	sqlite3_stmt *stmt = NULL;
	if (sqlite3_prepare_v2(st->db, "PRAGMA wal_checkpoint(TRUNCATE)", -1, &stmt, NULL) != SQLITE_OK)
		return store_fail(st, error, "checkpoint");
	int rc = sqlite3_step(stmt);
	gboolean busy = rc == SQLITE_ROW && sqlite3_column_int(stmt, 0) != 0;
	sqlite3_finalize(stmt);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return store_fail(st, error, "checkpoint");
	if (busy) {
		g_set_error(error, STORE_ERROR, SQLITE_BUSY,
			    "%s: another process is reading the database (nomd, or a backup), so its write-ahead log"
			    " still holds the erased data: stop it and run the same command again",
			    st->path);
		return FALSE;
	}
	return TRUE;
}

gboolean store_forget(struct store *st, const char *email, struct erasure *out, GError **error)
{
	*out = (struct erasure){ 0 };
	/* Deleted and overwritten content is zeroed, not left in free pages. */
	if (!store_exec(st, "PRAGMA secure_delete = ON", error) || !store_begin(st, error))
		return FALSE;
	if (!forget_in_transaction(st, email, out, error) || !store_commit(st, error)) {
		store_rollback(st);
		return FALSE;
	}
	/* Old page images live on in the write-ahead log until a checkpoint;
	 * VACUUM rewrites the file without them. */
	return checkpoint(st, error) && store_exec(st, "VACUUM", error) && checkpoint(st, error);
}

gboolean store_forget_message_ids(struct store *st, const char *email, GPtrArray **out, GError **error)
{
	*out = g_ptr_array_new_with_free_func(g_free);
	/* The messages that named them, those they sent, and those answered
	 * by mail about them. */
	g_autoptr(sqlite3_stmt) stmt = store_prepare(
		st,
		"SELECT DISTINCT message_id FROM messages WHERE message_id IS NOT NULL AND (lower(sender) = lower(?1)"
		" OR id IN (SELECT mm.message FROM message_mentions mm JOIN nominees n ON n.id = mm.nominee"
		" WHERE n.email_key = lower(?1))"
		" OR id IN (SELECT o.message FROM outbox o JOIN nominees n ON n.id = o.nominee WHERE n.email_key = "
		"lower(?1))"
		" OR id IN (SELECT o.message FROM outbox o JOIN outbox_mentions om ON om.outbox = o.id"
		" JOIN nominees n ON n.id = om.nominee WHERE n.email_key = lower(?1)))"
		" ORDER BY id",
		error);
	if (!stmt)
		return FALSE;
	store_bind_text(stmt, 1, email);
	int rc;
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW)
		g_ptr_array_add(*out, store_column_dup(stmt, 0));
	if (rc != SQLITE_DONE)
		return store_fail(st, error, "find the person's messages");
	return TRUE;
}

gboolean store_purge_bodies(struct store *st, gint64 before, int *purged, GError **error)
{
	*purged = 0;
	return run(st,
		   "UPDATE outbox SET body = X'', facts = NULL WHERE status IN ('sent','failed')"
		   " AND (length(body) > 0 OR facts IS NOT NULL)"
		   " AND CAST(strftime('%s', coalesce(sent_at, created_at)) AS INTEGER) < ?2",
		   NULL, before, purged, error);
}

gboolean store_release_held(struct store *st, const char *message_id, gboolean *found, GError **error)
{
	int changed = 0;
	if (!run(st,
		 "UPDATE messages SET message_id = NULL, sha256 = 'released:' || id || ':' || sha256,"
		 " detail = trim(coalesce(detail, '') || ' (released by staff to be applied again)')"
		 " WHERE message_id = ?1 AND outcome = 'held'",
		 message_id, 0, &changed, error))
		return FALSE;
	*found = changed > 0;
	return TRUE;
}
