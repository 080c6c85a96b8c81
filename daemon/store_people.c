/* store_people: nominees as people once accepted: their consent (welcome,
 * reminder, answer) and their pairs; and the confirmations that commands
 * from unauthenticated mail wait for. Part of the store; see store.h. */
#include <string.h>

#include "store_internal.h"
#include "util.h"

/* Every query below reads these columns in this order (see read_person). */
#define PERSON_COLUMNS                                                                                                 \
	"n.id, n.organisation, n.role, n.name, n.email, n.job_title, n.service, n.service_type, n.aspiration,"         \
	" n.expertise, n.location, n.format, n.nominated_by, n.status, n.consent, n.token, n.years,"                   \
	" n.welcomed_at, (SELECT count(*) FROM pairs p WHERE (p.member = n.id OR p.mentor = n.id)"                     \
	" AND p.ended_at IS NULL), n.undeliverable"

void person_free(struct person *p)
{
	if (!p)
		return;
	g_free(p->organisation);
	g_free(p->role);
	g_free(p->name);
	g_free(p->email);
	g_free(p->job_title);
	g_free(p->service);
	g_free(p->service_type);
	g_free(p->aspiration);
	g_free(p->expertise);
	g_free(p->location);
	g_free(p->format);
	g_free(p->nominated_by);
	g_free(p->token);
	g_free(p->undeliverable);
	g_free(p);
}

/* One row, or NULL (and `error` set) when its status or consent is not a
 * state nomd knows: the schema's CHECK allows none, so the file was
 * changed by hand. */
static struct person *read_person(struct store *st, sqlite3_stmt *stmt, GError **error)
{
	g_autoptr(person) p = g_new0(struct person, 1);
	p->id = sqlite3_column_int64(stmt, 0);
	char **text[] = {
		&p->organisation, &p->role,	  &p->name,	 &p->email,    &p->job_title, &p->service,
		&p->service_type, &p->aspiration, &p->expertise, &p->location, &p->format,    &p->nominated_by
	};
	for (size_t i = 0; i < G_N_ELEMENTS(text); i++)
		*text[i] = store_column_dup(stmt, (int)i + 1);
	const char *status = (const char *)sqlite3_column_text(stmt, 13);
	const char *consent = (const char *)sqlite3_column_text(stmt, 14);
	if (!nominee_status_from_name(status, &p->status) || !consent_from_name(consent, &p->consent)) {
		g_set_error(error, STORE_ERROR, SQLITE_CORRUPT, "%s: nominee %" G_GINT64_FORMAT ": unknown state %s/%s",
			    st->path, p->id, status ? status : "NULL", consent ? consent : "NULL");
		return NULL;
	}
	p->token = store_column_dup(stmt, 15);
	p->years = sqlite3_column_type(stmt, 16) == SQLITE_NULL ? -1 : sqlite3_column_int(stmt, 16);
	p->welcomed_at = sqlite3_column_int64(stmt, 17);
	p->active_pairs = sqlite3_column_int(stmt, 18);
	p->undeliverable = store_column_dup(stmt, 19);
	return g_steal_pointer(&p);
}

/* All rows of a prepared person query into `out`. */
static gboolean read_people(struct store *st, sqlite3_stmt *stmt, GPtrArray *out, GError **error)
{
	int rc;
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		struct person *p = read_person(st, stmt, error);
		if (!p)
			return FALSE;
		g_ptr_array_add(out, p);
	}
	if (rc != SQLITE_DONE)
		return store_fail(st, error, "read nominees");
	return TRUE;
}

gboolean store_people(struct store *st, enum people_query q, gint64 before, gint64 after_id, int limit, GPtrArray **out,
		      GError **error)
{
	static const char *const where[] = {
		[PEOPLE_UNWELCOMED] = "n.status = 'accepted' AND n.welcomed_at IS NULL",
		[PEOPLE_REMINDER_DUE] = "n.status = 'accepted' AND n.consent = 'pending' AND n.welcomed_at <= ?1"
					" AND n.reminded_at IS NULL",
		[PEOPLE_ACCEPTED] = "n.status = 'accepted'",
	};
	g_autofree char *sql = g_strdup_printf("SELECT " PERSON_COLUMNS " FROM nominees n WHERE %s AND n.id > ?2"
					       " ORDER BY n.id LIMIT ?3",
					       where[q]);
	g_autoptr(sqlite3_stmt) stmt = store_prepare(st, sql, error);
	if (!stmt)
		return FALSE;
	if (q == PEOPLE_REMINDER_DUE)
		sqlite3_bind_int64(stmt, 1, before);
	sqlite3_bind_int64(stmt, 2, after_id);
	sqlite3_bind_int(stmt, 3, limit);
	g_autoptr(GPtrArray) list = g_ptr_array_new_with_free_func((GDestroyNotify)person_free);
	if (!read_people(st, stmt, list, error))
		return FALSE;
	*out = g_steal_pointer(&list);
	return TRUE;
}

static gboolean one_person(struct store *st, const char *sql, gint64 id, const char *text, struct person **out,
			   GError **error)
{
	*out = NULL;
	g_autoptr(sqlite3_stmt) stmt = store_prepare(st, sql, error);
	if (!stmt)
		return FALSE;
	if (text)
		store_bind_text(stmt, 1, text);
	else
		sqlite3_bind_int64(stmt, 1, id);
	g_autoptr(GPtrArray) list = g_ptr_array_new_with_free_func((GDestroyNotify)person_free);
	if (!read_people(st, stmt, list, error))
		return FALSE;
	if (list->len)
		*out = g_ptr_array_steal_index(list, 0);
	return TRUE;
}

gboolean store_person_by_id(struct store *st, gint64 id, struct person **out, GError **error)
{
	return one_person(st, "SELECT " PERSON_COLUMNS " FROM nominees n WHERE n.id = ?1", id, NULL, out, error);
}

gboolean store_person_by_email(struct store *st, const char *email, struct person **out, GError **error)
{
	return one_person(st,
			  "SELECT " PERSON_COLUMNS " FROM nominees n WHERE n.email_key = lower(?1)"
			  " AND n.status = 'accepted'",
			  0, email, out, error);
}

gboolean store_consent_target(struct store *st, const char *token, const char *const *message_ids, guint n,
			      struct person **out, GError **error)
{
	*out = NULL;
	if (token) {
		if (!one_person(st, "SELECT " PERSON_COLUMNS " FROM nominees n WHERE n.token = lower(?1)", 0, token,
				out, error))
			return FALSE;
		if (*out)
			return TRUE;
	}
	/* Only the welcome and the reminder ask for an answer. */
	for (guint i = 0; i < n; i++) {
		if (!one_person(
			    st,
			    "SELECT " PERSON_COLUMNS " FROM outbox o JOIN nominees n ON n.id = o.nominee"
			    " WHERE o.message_id = ?1 AND (o.idem_key LIKE 'welcome:%' OR o.idem_key LIKE 'reminder:%')"
			    " LIMIT 1",
			    0, message_ids[i], out, error))
			return FALSE;
		if (*out)
			return TRUE;
	}
	return TRUE;
}

/* An UPDATE of one row: ?1 the row, ?2 a text, ?3 a number (either unused). */
static gboolean update_one(struct store *st, const char *sql, gint64 id, const char *text, gint64 number,
			   GError **error)
{
	g_autoptr(sqlite3_stmt) stmt = store_prepare(st, sql, error);
	if (!stmt)
		return FALSE;
	sqlite3_bind_int64(stmt, 1, id);
	store_bind_text(stmt, 2, text);
	sqlite3_bind_int64(stmt, 3, number);
	return store_step_done(st, stmt, error);
}

gboolean store_set_welcomed(struct store *st, gint64 id, const char *token, gint64 when, GError **error)
{
	return update_one(st, "UPDATE nominees SET token = coalesce(token, ?2), welcomed_at = ?3 WHERE id = ?1", id,
			  token, when, error);
}

gboolean store_set_reminded(struct store *st, gint64 id, gint64 when, GError **error)
{
	return update_one(st, "UPDATE nominees SET reminded_at = ?3 WHERE id = ?1", id, NULL, when, error);
}

gboolean store_set_consent(struct store *st, gint64 id, enum consent consent, GError **error)
{
	return update_one(st,
			  "UPDATE nominees SET consent = ?2, consent_at = CASE WHEN consent = ?2 THEN consent_at"
			  " ELSE strftime('%Y-%m-%dT%H:%M:%SZ', ?3, 'unixepoch') END WHERE id = ?1",
			  id, consent_name(consent), g_get_real_time() / G_USEC_PER_SEC, error);
}

void undeliverable_free(struct undeliverable *u)
{
	if (!u)
		return;
	g_free(u->why);
	g_free(u);
}

static void add_undeliverable(void *ctx, int n, const char *const *names, const char *const *values)
{
	(void)names;
	if (n < 2)
		return;
	struct undeliverable *u = g_new0(struct undeliverable, 1);
	u->nominee = g_ascii_strtoll(values[0], NULL, 10);
	u->why = g_strdup(values[1]);
	g_ptr_array_add(ctx, u);
}

gboolean store_undeliverable_due(struct store *st, GPtrArray **out, GError **error)
{
	*out = g_ptr_array_new_with_free_func((GDestroyNotify)undeliverable_free);
	/* Mail to the nominee's own address that failed for good (not a
	 * template that no longer renders), or whose report says it failed.
	 * Read after every batch: CROSS JOIN keeps the few failed or bounced
	 * rows (outbox_undelivered) as the outer loop, not every nominee. */
	return store_each_row(
		st,
		"SELECT n.id, min(coalesce(o.bounce, o.last_error)) FROM outbox o"
		" CROSS JOIN nominees n ON n.id = o.nominee AND lower(o.recipient) = lower(n.email)"
		" WHERE (o.status = 'failed' OR o.bounce IS NOT NULL)" /* outbox_undelivered */
		" AND ((o.status = 'failed' AND coalesce(o.last_error, '') NOT LIKE 'could not be written%')"
		" OR instr(o.bounce, ': failed') > 0)"
		" AND n.status = 'accepted' AND n.undeliverable IS NULL"
		" GROUP BY n.id ORDER BY n.id",
		add_undeliverable, *out, error);
}

gboolean store_set_undeliverable(struct store *st, gint64 id, const char *why, GError **error)
{
	g_autofree char *now = utc_now_iso();
	g_autoptr(sqlite3_stmt) stmt =
		store_prepare(st, "UPDATE nominees SET undeliverable = ?2, undeliverable_at = ?3 WHERE id = ?1", error);
	if (!stmt)
		return FALSE;
	sqlite3_bind_int64(stmt, 1, id);
	store_bind_text(stmt, 2, why && *why ? why : "failed");
	store_bind_text(stmt, 3, now);
	return store_step_done(st, stmt, error);
}

gboolean store_withdraw_id(struct store *st, gint64 id, gboolean *changed, GError **error)
{
	g_autofree char *now = utc_now_iso();
	if (!update_one(
		    st,
		    "UPDATE nominees SET status = 'withdrawn', updated_at = ?2 WHERE id = ?1 AND status = 'accepted'",
		    id, now, 0, error))
		return FALSE;
	*changed = sqlite3_changes(st->db) > 0;
	return TRUE;
}

gboolean store_add_pair(struct store *st, gint64 member, gint64 mentor, int score, const char *reasons, gboolean pinned,
			gint64 now, gint64 *id, GError **error)
{
	g_autoptr(sqlite3_stmt) stmt =
		store_prepare(st,
			      "INSERT INTO pairs (member, mentor, score, reasons, pinned, created_at)"
			      " VALUES (?1, ?2, ?3, ?4, ?5, strftime('%Y-%m-%dT%H:%M:%SZ', ?6, 'unixepoch'))",
			      error);
	if (!stmt)
		return FALSE;
	sqlite3_bind_int64(stmt, 1, member);
	sqlite3_bind_int64(stmt, 2, mentor);
	sqlite3_bind_int(stmt, 3, score);
	store_bind_text(stmt, 4, reasons ? reasons : "");
	sqlite3_bind_int(stmt, 5, pinned);
	sqlite3_bind_int64(stmt, 6, now);
	if (!store_step_done(st, stmt, error))
		return FALSE;
	*id = sqlite3_last_insert_rowid(st->db);
	return TRUE;
}

gboolean store_end_pairs(struct store *st, gint64 nominee, const char *reason, GArray *partners, GError **error)
{
	g_autoptr(sqlite3_stmt) stmt = store_prepare(st,
						     "UPDATE pairs SET ended_at = ?2, ended_reason = ?3"
						     " WHERE (member = ?1 OR mentor = ?1) AND ended_at IS NULL"
						     " RETURNING CASE WHEN member = ?1 THEN mentor ELSE member END",
						     error);
	if (!stmt)
		return FALSE;
	g_autofree char *now = utc_now_iso();
	sqlite3_bind_int64(stmt, 1, nominee);
	store_bind_text(stmt, 2, now);
	store_bind_text(stmt, 3, reason);
	int rc;
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		gint64 other = sqlite3_column_int64(stmt, 0);
		if (partners)
			g_array_append_val(partners, other);
	}
	if (rc != SQLITE_DONE)
		return store_fail(st, error, "end pairs");
	return TRUE;
}

gboolean store_each_pair(struct store *st, gboolean active_only, store_row_fn fn, void *ctx, GError **error)
{
	return store_each_row(
		st,
		active_only ? "SELECT p.id, a.email AS member, a.organisation AS member_organisation,"
			      " b.email AS mentor, b.organisation AS mentor_organisation, p.score,"
			      " p.reasons AS why, p.created_at FROM pairs p JOIN nominees a ON a.id = p.member"
			      " JOIN nominees b ON b.id = p.mentor WHERE p.ended_at IS NULL ORDER BY p.id"
			    : "SELECT p.id, a.email AS member, a.organisation AS member_organisation,"
			      " b.email AS mentor, b.organisation AS mentor_organisation, p.score,"
			      " p.reasons AS why, p.created_at, p.ended_at, p.ended_reason FROM pairs p"
			      " JOIN nominees a ON a.id = p.member JOIN nominees b ON b.id = p.mentor"
			      " ORDER BY p.id",
		fn, ctx, error);
}

void confirmation_free(struct confirmation *c)
{
	if (!c)
		return;
	g_free(c->token);
	g_free(c->command);
	g_free(c->argument);
	g_free(c->organisation);
	g_free(c->nominator);
	g_free(c);
}

gboolean store_add_confirmation(struct store *st, const struct confirmation *c, gint64 message, gint64 now,
				GError **error)
{
	g_autoptr(sqlite3_stmt) stmt =
		store_prepare(st,
			      "INSERT INTO confirmations (token, command, argument, organisation,"
			      " nominator, message, created_at, expires_at)"
			      " VALUES (lower(?1), ?2, ?3, ?4, lower(?5), ?6, ?7, ?8)",
			      error);
	if (!stmt)
		return FALSE;
	store_bind_text(stmt, 1, c->token);
	store_bind_text(stmt, 2, c->command);
	store_bind_text(stmt, 3, c->argument);
	store_bind_text(stmt, 4, c->organisation);
	store_bind_text(stmt, 5, c->nominator);
	if (message)
		sqlite3_bind_int64(stmt, 6, message);
	sqlite3_bind_int64(stmt, 7, now);
	sqlite3_bind_int64(stmt, 8, c->expires_at);
	return store_step_done(st, stmt, error);
}

gboolean store_find_confirmation(struct store *st, const char *token, struct confirmation **out, GError **error)
{
	*out = NULL;
	g_autoptr(sqlite3_stmt) stmt =
		store_prepare(st,
			      "SELECT token, command, argument, organisation, nominator, expires_at,"
			      " coalesce(done_at, 0) FROM confirmations WHERE token = lower(?1)",
			      error);
	if (!stmt)
		return FALSE;
	store_bind_text(stmt, 1, token);
	int rc = sqlite3_step(stmt);
	if (rc == SQLITE_DONE)
		return TRUE;
	if (rc != SQLITE_ROW)
		return store_fail(st, error, "find confirmation");
	struct confirmation *c = g_new0(struct confirmation, 1);
	char **text[] = { &c->token, &c->command, &c->argument, &c->organisation, &c->nominator };
	for (size_t i = 0; i < G_N_ELEMENTS(text); i++)
		*text[i] = store_column_dup(stmt, (int)i);
	c->expires_at = sqlite3_column_int64(stmt, 5);
	c->done_at = sqlite3_column_int64(stmt, 6);
	*out = c;
	return TRUE;
}

gboolean store_confirmation_done(struct store *st, const char *token, gint64 when, GError **error)
{
	g_autoptr(sqlite3_stmt) stmt = store_prepare(
		st, "UPDATE confirmations SET done_at = ?2 WHERE token = lower(?1) AND done_at IS NULL", error);
	if (!stmt)
		return FALSE;
	store_bind_text(stmt, 1, token);
	sqlite3_bind_int64(stmt, 2, when);
	return store_step_done(st, stmt, error);
}
