/* store_mentoring: what each side of a pair is asked after the
 * introduction (have you met, how is it going, feedback at the end) and
 * what they answered. Part of the store; see store.h. */
#include "store_internal.h"

void ask_record_free(struct ask_record *a)
{
	if (!a)
		return;
	g_free(a->words);
	g_free(a);
}

void pair_record_free(struct pair_record *p)
{
	if (!p)
		return;
	if (p->asks)
		g_ptr_array_unref(p->asks);
	g_free(p);
}

void ask_view_free(struct ask_view *v)
{
	if (!v)
		return;
	g_free(v->token);
	g_free(v->email);
	g_free(v->name);
	g_free(v->role);
	g_free(v->organisation);
	g_free(v);
}

#define PAIR_COLUMNS "p.id, p.member, p.mentor, unixepoch(p.created_at), p.ended_at IS NOT NULL"
#define ASK_COLUMNS "a.id, a.pair, a.nominee, a.kind, a.sequence, a.asked_at, a.answer, a.words, a.answered_at"

/* One row of ASK_COLUMNS; NULL (and `error`) for a kind or answer the
 * schema's CHECK does not allow: the file was changed by hand. */
static struct ask_record *read_ask(struct store *st, sqlite3_stmt *stmt, GError **error)
{
	struct ask_record *a = g_new0(struct ask_record, 1);
	a->id = sqlite3_column_int64(stmt, 0);
	a->pair = sqlite3_column_int64(stmt, 1);
	a->nominee = sqlite3_column_int64(stmt, 2);
	const char *kind = (const char *)sqlite3_column_text(stmt, 3);
	const char *answer = (const char *)sqlite3_column_text(stmt, 6);
	if (!ask_kind_from_name(kind, &a->kind) || (answer && !answer_from_name(answer, &a->answer))) {
		g_set_error(error, STORE_ERROR, SQLITE_CORRUPT, "%s: ask %" G_GINT64_FORMAT ": unknown %s/%s", st->path,
			    a->id, kind ? kind : "NULL", answer ? answer : "NULL");
		ask_record_free(a);
		return NULL;
	}
	a->sequence = sqlite3_column_int(stmt, 4);
	a->asked_at = sqlite3_column_int64(stmt, 5);
	a->words = store_column_dup(stmt, 7);
	a->answered_at = sqlite3_column_int64(stmt, 8);
	return a;
}

static struct pair_record *read_pair(sqlite3_stmt *stmt)
{
	struct pair_record *p = g_new0(struct pair_record, 1);
	p->id = sqlite3_column_int64(stmt, 0);
	p->member = sqlite3_column_int64(stmt, 1);
	p->mentor = sqlite3_column_int64(stmt, 2);
	p->created_at = sqlite3_column_int64(stmt, 3);
	p->ended = sqlite3_column_int(stmt, 4);
	p->asks = g_ptr_array_new_with_free_func((GDestroyNotify)ask_record_free);
	return p;
}

/* The pairs a query finds, then their asks; `where` narrows both (?1:
 * `arg`, when it has it). */
static gboolean load_pairs(struct store *st, const char *where, gint64 arg, GPtrArray **out, GError **error)
{
	g_autofree char *pairs_sql =
		g_strdup_printf("SELECT " PAIR_COLUMNS " FROM pairs p WHERE %s ORDER BY p.id", where);
	g_autofree char *asks_sql = g_strdup_printf("SELECT " ASK_COLUMNS " FROM pair_asks a JOIN pairs p"
						    " ON p.id = a.pair WHERE %s ORDER BY a.id",
						    where);
	g_autoptr(GPtrArray) list = g_ptr_array_new_with_free_func((GDestroyNotify)pair_record_free);
	g_autoptr(GHashTable) by_id = g_hash_table_new(g_int64_hash, g_int64_equal);
	g_autoptr(sqlite3_stmt) stmt = store_prepare(st, pairs_sql, error);
	if (!stmt)
		return FALSE;
	if (sqlite3_bind_parameter_count(stmt))
		sqlite3_bind_int64(stmt, 1, arg);
	int rc;
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		struct pair_record *p = read_pair(stmt);
		g_ptr_array_add(list, p);
		g_hash_table_insert(by_id, &p->id, p);
	}
	if (rc != SQLITE_DONE)
		return store_fail(st, error, "read pairs");
	g_autoptr(sqlite3_stmt) asks = store_prepare(st, asks_sql, error);
	if (!asks)
		return FALSE;
	if (sqlite3_bind_parameter_count(asks))
		sqlite3_bind_int64(asks, 1, arg);
	while ((rc = sqlite3_step(asks)) == SQLITE_ROW) {
		struct ask_record *a = read_ask(st, asks, error);
		if (!a)
			return FALSE;
		struct pair_record *p = g_hash_table_lookup(by_id, &a->pair);
		if (p)
			g_ptr_array_add(p->asks, a);
		else
			ask_record_free(a);
	}
	if (rc != SQLITE_DONE)
		return store_fail(st, error, "read pair asks");
	*out = g_steal_pointer(&list);
	return TRUE;
}

gboolean store_pair_records(struct store *st, gboolean active_only, GPtrArray **out, GError **error)
{
	return load_pairs(st, active_only ? "p.ended_at IS NULL" : "1", 0, out, error);
}

gboolean store_member_pair(struct store *st, gint64 member, struct pair_record **out, GError **error)
{
	*out = NULL;
	g_autoptr(GPtrArray) list = NULL;
	if (!load_pairs(st, "p.member = ?1 AND p.ended_at IS NULL", member, &list, error))
		return FALSE;
	if (list->len)
		*out = g_ptr_array_steal_index(list, 0);
	return TRUE;
}

gboolean store_add_ask(struct store *st, gint64 pair, gint64 nominee, enum ask_kind kind, int sequence,
		       const char *token, gint64 now, GError **error)
{
	g_autoptr(sqlite3_stmt) stmt =
		store_prepare(st,
			      "INSERT INTO pair_asks (pair, nominee, kind, sequence, token, asked_at)"
			      " VALUES (?1, ?2, ?3, ?4, lower(?5), ?6)",
			      error);
	if (!stmt)
		return FALSE;
	sqlite3_bind_int64(stmt, 1, pair);
	sqlite3_bind_int64(stmt, 2, nominee);
	store_bind_text(stmt, 3, ask_kind_name(kind));
	sqlite3_bind_int(stmt, 4, sequence);
	store_bind_text(stmt, 5, token);
	sqlite3_bind_int64(stmt, 6, now);
	return store_step_done(st, stmt, error);
}

#define ASK_VIEW_COLUMNS                                                                                               \
	"a.id, a.pair, a.nominee, a.kind, a.sequence, n.email, n.name, n.role, n.organisation, n.status,"              \
	" p.ended_at IS NULL, a.token"

/* The first row of a query of ASK_VIEW_COLUMNS with ?1 bound to `key`. */
static gboolean one_ask(struct store *st, const char *sql, const char *key, struct ask_view **out, GError **error)
{
	g_autoptr(sqlite3_stmt) stmt = store_prepare(st, sql, error);
	if (!stmt)
		return FALSE;
	store_bind_text(stmt, 1, key);
	int rc = sqlite3_step(stmt);
	if (rc == SQLITE_DONE)
		return TRUE;
	if (rc != SQLITE_ROW)
		return store_fail(st, error, "find ask");
	g_autoptr(ask_view) v = g_new0(struct ask_view, 1);
	v->id = sqlite3_column_int64(stmt, 0);
	v->pair = sqlite3_column_int64(stmt, 1);
	v->nominee = sqlite3_column_int64(stmt, 2);
	const char *kind = (const char *)sqlite3_column_text(stmt, 3);
	const char *status = (const char *)sqlite3_column_text(stmt, 9);
	if (!ask_kind_from_name(kind, &v->kind) || !nominee_status_from_name(status, &v->status)) {
		g_set_error(error, STORE_ERROR, SQLITE_CORRUPT, "%s: ask %" G_GINT64_FORMAT ": unknown %s/%s", st->path,
			    v->id, kind ? kind : "NULL", status ? status : "NULL");
		return FALSE;
	}
	v->sequence = sqlite3_column_int(stmt, 4);
	v->email = store_column_dup(stmt, 5);
	v->name = store_column_dup(stmt, 6);
	v->role = store_column_dup(stmt, 7);
	v->organisation = store_column_dup(stmt, 8);
	v->pair_active = sqlite3_column_int(stmt, 10);
	v->token = store_column_dup(stmt, 11);
	*out = g_steal_pointer(&v);
	return TRUE;
}

gboolean store_find_ask(struct store *st, const char *token, const char *const *message_ids, guint n,
			struct ask_view **out, GError **error)
{
	*out = NULL;
	if (token && !one_ask(st,
			      "SELECT " ASK_VIEW_COLUMNS " FROM pair_asks a JOIN nominees n ON n.id = a.nominee"
			      " JOIN pairs p ON p.id = a.pair WHERE a.token = lower(?1)",
			      token, out, error))
		return FALSE;
	/* The ask's own mail, by its key "ask:KIND:PAIR:NOMINEE:SEQUENCE". */
	for (guint i = 0; !*out && i < n; i++)
		if (!one_ask(st,
			     "SELECT " ASK_VIEW_COLUMNS " FROM outbox o JOIN pair_asks a"
			     " ON o.idem_key = 'ask:' || a.kind || ':' || a.pair || ':' || a.nominee || ':' || "
			     "a.sequence"
			     " JOIN nominees n ON n.id = a.nominee JOIN pairs p ON p.id = a.pair"
			     " WHERE o.message_id = ?1 AND o.idem_key LIKE 'ask:%' LIMIT 1",
			     message_ids[i], out, error))
			return FALSE;
	return TRUE;
}

gboolean store_answer_ask(struct store *st, gint64 ask, enum answer a, const char *words, gint64 message, gint64 now,
			  GError **error)
{
	g_autoptr(sqlite3_stmt) stmt = store_prepare(
		st, "UPDATE pair_asks SET answer = ?2, words = ?3, message = ?4, answered_at = ?5 WHERE id = ?1",
		error);
	if (!stmt)
		return FALSE;
	sqlite3_bind_int64(stmt, 1, ask);
	store_bind_text(stmt, 2, a == ANSWER_NONE ? NULL : answer_name(a));
	store_bind_text(stmt, 3, words ? words : "");
	if (message)
		sqlite3_bind_int64(stmt, 4, message);
	sqlite3_bind_int64(stmt, 5, now);
	return store_step_done(st, stmt, error);
}

gboolean store_each_ask_answer(struct store *st, gint64 after_message, store_row_fn fn, void *ctx, GError **error)
{
	g_autoptr(sqlite3_stmt) stmt = store_prepare(
		st,
		"SELECT a.kind, coalesce(a.answer, '') AS answer, a.words,"
		" strftime('%Y-%m-%dT%H:%M:%SZ', a.answered_at, 'unixepoch') AS answered_at,"
		" n.organisation, n.role, n.name, n.email, a.pair FROM pair_asks a JOIN nominees n ON n.id = a.nominee"
		" WHERE a.answered_at IS NOT NULL AND a.message > ?1 ORDER BY a.answered_at, a.id",
		error);
	if (!stmt)
		return FALSE;
	sqlite3_bind_int64(stmt, 1, after_message);
	return store_each_step(st, stmt, "read answers", fn, ctx, error);
}

gboolean store_each_feedback(struct store *st, store_row_fn fn, void *ctx, GError **error)
{
	return store_each_row(st,
			      "SELECT n.organisation, n.role, n.name, n.email, coalesce(a.answer, '') AS rating,"
			      " coalesce(a.words, '') AS comment,"
			      " strftime('%Y-%m-%dT%H:%M:%SZ', a.answered_at, 'unixepoch') AS answered_at"
			      " FROM pair_asks a JOIN nominees n ON n.id = a.nominee"
			      " WHERE a.kind = 'feedback' AND a.answered_at IS NOT NULL ORDER BY a.answered_at, a.id",
			      fn, ctx, error);
}
