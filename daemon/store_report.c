/* store_report: what staff read: the listings of nomctl (nominees,
 * messages, the outbox, an organisation's nominees) and the staff digest,
 * its reports, the nominees it names and the periods already sent. Part of
 * the store; see store.h. */
#include "store_internal.h"
#include "util.h"

#define NOMINEE_COLUMNS                                                                                                \
	"SELECT n.organisation, n.role, n.name, n.email, n.job_title, n.service, n.service_type,"                      \
	" n.years, n.aspiration, n.expertise, n.location, n.format, n.status, n.reason, n.warnings,"                   \
	" CASE WHEN n.status = 'refused' THEN NULL ELSE n.consent END AS consent,"                                     \
	" n.nominated_by, m.message_id, m.received_at, n.updated_at, n.undeliverable"

gboolean store_each_nominee(struct store *st, store_row_fn fn, void *ctx, GError **error)
{
	return store_each_nominee_with(st, NULL, fn, ctx, error);
}

gboolean store_each_nominee_with(struct store *st, const GPtrArray *fields, store_row_fn fn, void *ctx, GError **error)
{
	/* A column per field, named by its id (config checks it: a-z, 0-9
	 * and _), its value bound. */
	guint n = fields ? fields->len : 0;
	g_autoptr(GString) sql = g_string_new(NOMINEE_COLUMNS);
	for (guint i = 0; i < n; i++)
		g_string_append_printf(
			sql, ", (SELECT value FROM nominee_fields WHERE nominee = n.id AND field = ?%u) AS \"%s\"",
			i + 1, (const char *)fields->pdata[i]);
	g_string_append(sql, " FROM nominees n JOIN messages m ON m.id = n.message ORDER BY n.id");
	g_autoptr(sqlite3_stmt) stmt = store_prepare(st, sql->str, error);
	if (!stmt)
		return FALSE;
	for (guint i = 0; i < n; i++)
		store_bind_text(stmt, (int)i + 1, fields->pdata[i]);
	return store_each_step(st, stmt, "read nominees", fn, ctx, error);
}

gboolean store_each_message(struct store *st, store_row_fn fn, void *ctx, GError **error)
{
	return store_each_row(
		st,
		"SELECT message_id, sender AS \"from\", organisation, outcome, reasons, warnings, subject,"
		" received_at, processed_at, size, sha256, detail FROM messages ORDER BY id",
		fn, ctx, error);
}

gboolean store_each_outbox(struct store *st, store_row_fn fn, void *ctx, GError **error)
{
	return store_each_row(
		st,
		"SELECT id, recipient, message_id, status, attempts, last_error, created_at, sent_at, bounce,"
		" CASE WHEN status = 'pending' AND next_attempt_at > 0"
		" THEN strftime('%Y-%m-%dT%H:%M:%SZ', next_attempt_at, 'unixepoch') END AS next_attempt, kind"
		" FROM outbox ORDER BY id",
		fn, ctx, error);
}

gboolean store_each_org_nominee(struct store *st, const char *org_id, const char *by, store_row_fn fn, void *ctx,
				GError **error)
{
	g_autoptr(sqlite3_stmt) stmt =
		store_prepare(st,
			      "SELECT role, name, email FROM nominees WHERE organisation = ?1"
			      " AND status = 'accepted' AND (?2 IS NULL OR lower(nominated_by) = lower(?2))"
			      " ORDER BY role DESC, id",
			      error);
	if (!stmt)
		return FALSE;
	store_bind_text(stmt, 1, org_id);
	store_bind_text(stmt, 2, by);
	return store_each_step(st, stmt, "read nominees", fn, ctx, error);
}

gboolean store_each_round_nominee(struct store *st, const char *org_id, store_row_fn fn, void *ctx, GError **error)
{
	/* A refusal is fixable when the nominator can send the person again
	 * (a name or address missing or wrong: REASON_MISSING_FIELD and
	 * REASON_INVALID_EMAIL of decide.h), and still open when no
	 * nomination of the same address or name came after it. */
	g_autoptr(sqlite3_stmt) stmt = store_prepare(
		st,
		"SELECT id, 'accepted' AS kind, role, name, email, consent, NULL AS reason FROM nominees"
		" WHERE organisation = ?1 AND status = 'accepted'"
		" UNION ALL SELECT n.id, 'fix', n.role, n.name, n.email, NULL, n.reason FROM nominees n"
		" WHERE n.organisation = ?1 AND n.status = 'refused' AND n.reason IN ('missing_field', 'invalid_email')"
		" AND NOT EXISTS (SELECT 1 FROM nominees a WHERE a.organisation = n.organisation AND a.id > n.id"
		" AND a.status IN ('accepted', 'withdrawn')"
		" AND ((n.email_key IS NOT NULL AND a.email_key = n.email_key)"
		" OR (coalesce(n.name, '') <> '' AND lower(a.name) = lower(n.name))))"
		" ORDER BY kind, role DESC, id",
		error);
	if (!stmt)
		return FALSE;
	store_bind_text(stmt, 1, org_id);
	return store_each_step(st, stmt, "read nominees", fn, ctx, error);
}

gboolean store_each_outbox_key(struct store *st, const char *prefix, store_row_fn fn, void *ctx, GError **error)
{
	g_autoptr(sqlite3_stmt) stmt =
		store_prepare(st,
			      "SELECT idem_key FROM outbox WHERE substr(idem_key, 1, length(?1)) = ?1"
			      " AND instr(idem_key, ':cc:') = 0 ORDER BY id",
			      error);
	if (!stmt)
		return FALSE;
	store_bind_text(stmt, 1, prefix);
	return store_each_step(st, stmt, "read the outbox", fn, ctx, error);
}

gboolean store_each_nominating_org(struct store *st, store_row_fn fn, void *ctx, GError **error)
{
	/* A nomination refused because the round had closed is not one. */
	return store_each_row(st,
			      "SELECT DISTINCT organisation FROM nominees"
			      " WHERE status <> 'refused' OR reason IS NOT 'closed' ORDER BY organisation",
			      fn, ctx, error);
}

gboolean store_report(struct store *st, enum report r, gint64 mark, store_row_fn fn, void *ctx, GError **error)
{
	static const char *const sql[] = {
		[REPORT_NEW_NOMINEES] =
			"SELECT n.organisation, n.role, n.name, n.email, n.status, n.reason, n.nominated_by"
			" FROM nominees n WHERE n.message > ?1 ORDER BY n.organisation, n.role, n.id",
		[REPORT_ORG_COUNTS] =
			"SELECT organisation, sum(role = 'member') AS members, sum(role = 'mentor') AS mentors"
			" FROM nominees WHERE status = 'accepted'"
			" GROUP BY organisation ORDER BY organisation",
		[REPORT_HELD] = "SELECT sender, subject, reasons, detail, received_at FROM messages"
				" WHERE outcome = 'held' AND id > ?1 ORDER BY id",
		[REPORT_MAIL_PROBLEMS] =
			"SELECT recipient, 'failed' AS problem, last_error AS detail, created_at AS at FROM outbox"
			" WHERE status = 'failed'"
			" UNION ALL SELECT substr(detail, 1, instr(detail, ':') - 1), 'bounced', detail, received_at"
			" FROM messages WHERE id > ?1 AND ' ' || reasons || ' ' LIKE '% bounce %'",
		[REPORT_PEOPLE] = "SELECT n.role, n.consent, count(*) AS people,"
				  " sum(EXISTS (SELECT 1 FROM pairs p WHERE (p.member = n.id OR p.mentor = n.id)"
				  " AND p.ended_at IS NULL)) AS paired"
				  " FROM nominees n WHERE n.status = 'accepted' GROUP BY n.role, n.consent"
				  " ORDER BY n.role, n.consent",
		[REPORT_OUTCOMES] =
			"SELECT outcome, count(*) AS messages FROM messages GROUP BY outcome ORDER BY outcome",
		[REPORT_UNDELIVERABLE] = "SELECT organisation, role, name, email, undeliverable, undeliverable_at"
					 " FROM nominees WHERE status = 'accepted' AND undeliverable IS NOT NULL"
					 " ORDER BY organisation, id",
	};
	g_autoptr(sqlite3_stmt) stmt = store_prepare(st, sql[r], error);
	if (!stmt)
		return FALSE;
	if (sqlite3_bind_parameter_count(stmt) >= 1)
		sqlite3_bind_int64(stmt, 1, mark);
	return store_each_step(st, stmt, "read report", fn, ctx, error);
}

gboolean store_digest_mentions(struct store *st, gint64 mark, GArray **out, GError **error)
{
	*out = g_array_new(FALSE, FALSE, sizeof(gint64));
	/* The nominees of store_report's new and current nominees, held
	 * messages and mail problems. */
	g_autoptr(sqlite3_stmt) stmt = store_prepare(
		st,
		"SELECT id FROM nominees WHERE status = 'accepted' OR message > ?1"
		" UNION SELECT n.id FROM nominees n JOIN outbox o ON o.recipient = n.email_key COLLATE NOCASE"
		" WHERE o.status = 'failed'"
		" UNION SELECT n.id FROM nominees n JOIN messages m ON m.id > ?1 AND (m.outcome = 'held'"
		" OR ' ' || m.reasons || ' ' LIKE '% bounce %') AND (lower(m.sender) = n.email_key"
		" OR instr(lower(m.detail), n.email_key) > 0)",
		error);
	if (!stmt)
		return FALSE;
	sqlite3_bind_int64(stmt, 1, mark);
	int rc;
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		gint64 id = sqlite3_column_int64(stmt, 0);
		g_array_append_val(*out, id);
	}
	if (rc != SQLITE_DONE)
		return store_fail(st, error, "read the digest's nominees");
	return TRUE;
}

gboolean store_digest_sent(struct store *st, const char *period, gboolean *sent, GError **error)
{
	return store_exists(st, "SELECT 1 FROM digests WHERE period = ?1", period, sent, error);
}

gboolean store_mark_digest(struct store *st, const char *period, gint64 due_at, gint64 now, GError **error)
{
	/* The mark: everything recorded so far is in this digest. */
	g_autoptr(sqlite3_stmt) stmt = store_prepare(st,
						     "INSERT INTO digests (period, due_at, message_mark, sent_at)"
						     " VALUES (?1, ?2, (SELECT coalesce(max(id), 0) FROM messages), ?3)"
						     " ON CONFLICT (period) DO NOTHING",
						     error);
	if (!stmt)
		return FALSE;
	g_autofree char *sent = utc_iso(now);
	store_bind_text(stmt, 1, period);
	sqlite3_bind_int64(stmt, 2, due_at);
	store_bind_text(stmt, 3, sent);
	return store_step_done(st, stmt, error);
}

gboolean store_last_digest(struct store *st, gint64 *mark, char **sent_at, GError **error)
{
	*sent_at = NULL;
	*mark = 0;
	g_autoptr(sqlite3_stmt) stmt = store_prepare(
		st, "SELECT message_mark, sent_at FROM digests ORDER BY message_mark DESC, sent_at DESC LIMIT 1",
		error);
	if (!stmt)
		return FALSE;
	int rc = sqlite3_step(stmt);
	if (rc == SQLITE_ROW) {
		*mark = sqlite3_column_int64(stmt, 0);
		*sent_at = store_column_dup(stmt, 1);
	} else if (rc != SQLITE_DONE) {
		return store_fail(st, error, "read digests");
	}
	return TRUE;
}
