/* store: the database itself: opening it, the schema and its migrations,
 * transactions and when commits are durable, errors, and the statement
 * helpers every store file uses (store_internal.h). What is stored lives
 * in store_inbox.c (messages, nominees, checkpoint, attempts),
 * store_outbox.c, store_report.c, store_people.c, store_events.c and
 * store_forget.c.
 *
 * Every statement is prepared with bound parameters; the schema version
 * lives in PRAGMA user_version and is raised inside the migration's own
 * transaction. synchronous=FULL because these records gate an IMAP move
 * and an SMTP send; a batch of messages commits lazily and is made durable
 * at once (store_sync) before its move. */
#include "store.h"

#include <sqlite3.h>
#include <unistd.h>

#include "store_internal.h"
#include "util.h"

/* clang-format off */
G_DEFINE_QUARK(nomd-store-error-quark, store_error)
/* clang-format on */

#define SCHEMA_VERSION 15
#define BUSY_TIMEOUT_MS 10000

static const char *const migrations[SCHEMA_VERSION] = {
	/* 1: messages, nominees, outbox */
	"CREATE TABLE messages ("
	"  id INTEGER PRIMARY KEY,"
	"  message_id TEXT,"
	"  sha256 TEXT NOT NULL,"
	"  sender TEXT,"
	"  organisation TEXT,"
	"  outcome TEXT NOT NULL CHECK (outcome IN ('accepted','partial','rejected','held','ignored')),"
	"  reasons TEXT NOT NULL DEFAULT '',"
	"  subject TEXT NOT NULL DEFAULT '',"
	"  received_at TEXT NOT NULL,"
	"  processed_at TEXT NOT NULL,"
	"  size INTEGER NOT NULL);"
	"CREATE UNIQUE INDEX messages_identity ON messages (coalesce(message_id, ''), sha256);"
	"CREATE INDEX messages_by_id ON messages (message_id);"
	"CREATE TABLE nominees ("
	"  id INTEGER PRIMARY KEY,"
	"  message INTEGER NOT NULL REFERENCES messages(id),"
	"  organisation TEXT NOT NULL,"
	"  role TEXT NOT NULL CHECK (role IN ('member','mentor')),"
	"  name TEXT, email TEXT, email_key TEXT,"
	"  job_title TEXT, service TEXT, service_type TEXT, years INTEGER,"
	"  aspiration TEXT, expertise TEXT,"
	"  status TEXT NOT NULL CHECK (status IN ('accepted','refused','withdrawn')),"
	"  reason TEXT,"
	"  nominated_by TEXT);"
	"CREATE UNIQUE INDEX nominees_accepted_email ON nominees (email_key) WHERE status = 'accepted';"
	"CREATE INDEX nominees_org ON nominees (organisation, role, status);"
	"CREATE TABLE outbox ("
	"  id INTEGER PRIMARY KEY,"
	"  idem_key TEXT NOT NULL UNIQUE,"
	"  message INTEGER REFERENCES messages(id),"
	"  envelope_from TEXT NOT NULL,"
	"  recipient TEXT NOT NULL,"
	"  body BLOB NOT NULL,"
	"  status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending','sent','failed')),"
	"  attempts INTEGER NOT NULL DEFAULT 0,"
	"  last_error TEXT,"
	"  created_at TEXT NOT NULL,"
	"  sent_at TEXT);"
	"CREATE INDEX outbox_by_status ON outbox (status, id);",
	/* 2: IMAP checkpoint, per-message attempt counts, failure detail */
	"ALTER TABLE messages ADD COLUMN detail TEXT;"
	"CREATE TABLE checkpoints ("
	"  mailbox TEXT PRIMARY KEY,"
	"  uidvalidity INTEGER NOT NULL,"
	"  last_uid INTEGER NOT NULL);"
	"CREATE TABLE attempts ("
	"  uidvalidity INTEGER NOT NULL,"
	"  uid INTEGER NOT NULL,"
	"  starts INTEGER NOT NULL,"
	"  failures INTEGER NOT NULL DEFAULT 0,"
	"  last_error TEXT,"
	"  PRIMARY KEY (uidvalidity, uid));",
	/* 3: warnings, location and format, amendments, withdrawals, bounces */
	"ALTER TABLE messages ADD COLUMN warnings TEXT NOT NULL DEFAULT '';"
	"ALTER TABLE nominees ADD COLUMN location TEXT;"
	"ALTER TABLE nominees ADD COLUMN format TEXT;"
	"ALTER TABLE nominees ADD COLUMN warnings TEXT NOT NULL DEFAULT '';"
	"ALTER TABLE nominees ADD COLUMN updated_at TEXT;"
	"ALTER TABLE outbox ADD COLUMN message_id TEXT;"
	"ALTER TABLE outbox ADD COLUMN bounce TEXT;"
	"CREATE INDEX outbox_by_message_id ON outbox (message_id);"
	"CREATE INDEX outbox_by_recipient ON outbox (recipient, created_at);"
	"ALTER TABLE outbox ADD COLUMN next_attempt_at INTEGER NOT NULL DEFAULT 0;"
	"ALTER TABLE messages ADD COLUMN uidvalidity INTEGER;"
	"ALTER TABLE messages ADD COLUMN uid INTEGER;"
	"CREATE INDEX messages_by_uid ON messages (uidvalidity, uid);",
	/* 4: consent (welcome, reminder, answer), mail about a nominee, pairs */
	"ALTER TABLE nominees ADD COLUMN consent TEXT NOT NULL DEFAULT 'pending'"
	"  CHECK (consent IN ('pending','confirmed','declined'));"
	"ALTER TABLE nominees ADD COLUMN consent_at TEXT;"
	"ALTER TABLE nominees ADD COLUMN token TEXT;"
	"ALTER TABLE nominees ADD COLUMN welcomed_at INTEGER;"
	"ALTER TABLE nominees ADD COLUMN reminded_at INTEGER;"
	"CREATE UNIQUE INDEX nominees_token ON nominees (token);"
	"ALTER TABLE outbox ADD COLUMN nominee INTEGER REFERENCES nominees(id);"
	"CREATE INDEX outbox_by_nominee ON outbox (nominee);"
	"CREATE TABLE pairs ("
	"  id INTEGER PRIMARY KEY,"
	"  member INTEGER NOT NULL REFERENCES nominees(id),"
	"  mentor INTEGER NOT NULL REFERENCES nominees(id),"
	"  score INTEGER NOT NULL,"
	"  reasons TEXT NOT NULL DEFAULT '',"
	"  pinned INTEGER NOT NULL DEFAULT 0,"
	"  created_at TEXT NOT NULL,"
	"  ended_at TEXT,"
	"  ended_reason TEXT);"
	"CREATE UNIQUE INDEX pairs_active_member ON pairs (member) WHERE ended_at IS NULL;"
	"CREATE INDEX pairs_by_mentor ON pairs (mentor, ended_at);",
	/* 5: events, invitations and answers, the digest's periods */
	"CREATE TABLE events ("
	"  id INTEGER PRIMARY KEY,"
	"  uid TEXT NOT NULL UNIQUE,"
	"  title TEXT NOT NULL,"
	"  description TEXT,"
	"  starts_at INTEGER NOT NULL,"
	"  duration INTEGER NOT NULL CHECK (duration > 0),"
	"  timezone TEXT NOT NULL,"
	"  location TEXT,"
	"  online_url TEXT,"
	"  audience TEXT NOT NULL CHECK (audience IN ('members','mentors','all')),"
	"  capacity INTEGER CHECK (capacity IS NULL OR capacity > 0),"
	"  sequence INTEGER NOT NULL DEFAULT 0,"
	"  status TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active','cancelled')),"
	"  created_at TEXT NOT NULL,"
	"  updated_at TEXT);"
	"CREATE TABLE invitations ("
	"  id INTEGER PRIMARY KEY,"
	"  event INTEGER NOT NULL REFERENCES events(id),"
	"  nominee INTEGER NOT NULL REFERENCES nominees(id),"
	"  answer TEXT NOT NULL DEFAULT 'none'"
	"    CHECK (answer IN ('none','accepted','declined','tentative','waiting')),"
	"  answered_at TEXT,"
	"  waiting_since INTEGER,"
	"  sent_sequence INTEGER NOT NULL DEFAULT -1,"
	"  cancel_sent INTEGER NOT NULL DEFAULT 0,"
	"  reminded INTEGER NOT NULL DEFAULT 0,"
	"  UNIQUE (event, nominee));"
	"ALTER TABLE outbox ADD COLUMN invitation INTEGER REFERENCES invitations(id);"
	"CREATE INDEX outbox_by_invitation ON outbox (invitation);"
	"CREATE TABLE digests ("
	"  period TEXT PRIMARY KEY,"
	"  due_at INTEGER NOT NULL,"
	"  message_mark INTEGER NOT NULL,"
	"  sent_at TEXT NOT NULL);"
	/* An erasure leaves only that it happened and how much it touched. */
	"CREATE TABLE erasures ("
	"  id INTEGER PRIMARY KEY,"
	"  at TEXT NOT NULL,"
	"  nominees INTEGER NOT NULL,"
	"  mails INTEGER NOT NULL,"
	"  messages INTEGER NOT NULL);",
	/* 6: the hourly reply limit and the service-type check run for every
	 * message; without these they scan the outbox (bodies included) and
	 * the nominees. NOCASE folds ASCII as lower() did. */
	"CREATE INDEX outbox_by_recipient_nocase ON outbox (recipient COLLATE NOCASE, created_at, message);"
	"DROP INDEX outbox_by_recipient;"
	"CREATE INDEX nominees_org_types ON nominees (organisation, status, service_type);",
	/* 7: the sender writes here before each batch: nothing is sent from a
	 * database that could not then record it as sent. */
	"CREATE TABLE sender ("
	"  id INTEGER PRIMARY KEY CHECK (id = 1),"
	"  batch_at TEXT NOT NULL,"
	"  pid INTEGER NOT NULL);",
	/* 8: store_sync writes here: a commit under synchronous=FULL makes
	 * the messages committed lazily before it durable. */
	"CREATE TABLE syncs ("
	"  id INTEGER PRIMARY KEY CHECK (id = 1),"
	"  synced_at TEXT NOT NULL,"
	"  pid INTEGER NOT NULL);",
	/* 9: destructive commands from unauthenticated mail wait here for the
	 * nominator's reply; the token is only in the mail sent to them. */
	"CREATE TABLE confirmations ("
	"  id INTEGER PRIMARY KEY,"
	"  token TEXT NOT NULL UNIQUE,"
	"  command TEXT NOT NULL CHECK (command IN ('withdraw')),"
	"  argument TEXT NOT NULL,"
	"  organisation TEXT NOT NULL,"
	"  nominator TEXT NOT NULL,"
	"  message INTEGER REFERENCES messages(id),"
	"  created_at INTEGER NOT NULL,"
	"  expires_at INTEGER NOT NULL,"
	"  done_at INTEGER);",
	/* 10: who each mail and each message names, so that an erasure finds
	 * them by person, not by searching encoded text (for mail queued
	 * before this, erasure has only its search of decoded bodies). A
	 * message names the nominees recorded or amended from it. */
	"CREATE TABLE outbox_mentions ("
	"  outbox INTEGER NOT NULL REFERENCES outbox(id),"
	"  nominee INTEGER NOT NULL REFERENCES nominees(id),"
	"  PRIMARY KEY (outbox, nominee)) WITHOUT ROWID;"
	"CREATE INDEX outbox_mentions_by_nominee ON outbox_mentions (nominee);"
	"CREATE TABLE message_mentions ("
	"  message INTEGER NOT NULL REFERENCES messages(id),"
	"  nominee INTEGER NOT NULL REFERENCES nominees(id),"
	"  PRIMARY KEY (message, nominee)) WITHOUT ROWID;"
	"CREATE INDEX message_mentions_by_nominee ON message_mentions (nominee);"
	"INSERT INTO message_mentions (message, nominee) SELECT message, id FROM nominees;"
	"CREATE TRIGGER nominee_named AFTER INSERT ON nominees BEGIN"
	"  INSERT OR IGNORE INTO message_mentions (message, nominee) VALUES (NEW.message, NEW.id); END;"
	"CREATE TRIGGER nominee_named_again AFTER UPDATE OF message ON nominees BEGIN"
	"  INSERT OR IGNORE INTO message_mentions (message, nominee) VALUES (NEW.message, NEW.id); END;",
	/* 11: the outbox holds facts (the template and what fills it, a
	 * serialised GVariant), rendered at delivery; `body` stays empty for
	 * them and holds the MIME of mail queued before. */
	"ALTER TABLE outbox ADD COLUMN kind TEXT;"
	"ALTER TABLE outbox ADD COLUMN facts TEXT;",
	/* 12: a nominee whose address did not work (a permanent failure or
	 * bounce of mail to it): why, and when it was noticed. */
	"ALTER TABLE nominees ADD COLUMN undeliverable TEXT;"
	"ALTER TABLE nominees ADD COLUMN undeliverable_at TEXT;"
	/* What store_undeliverable_due reads after every batch: the few
	 * failed or bounced rows, not the whole outbox. */
	"CREATE INDEX outbox_undelivered ON outbox (nominee) WHERE status = 'failed' OR bounce IS NOT NULL;",
	/* 13: what each side of a pair is asked after the introduction (have
	 * you met, how is it going, feedback at the end) and what they said:
	 * the answer, their own words and the message that brought them. */
	"CREATE TABLE pair_asks ("
	"  id INTEGER PRIMARY KEY,"
	"  pair INTEGER NOT NULL REFERENCES pairs(id),"
	"  nominee INTEGER NOT NULL REFERENCES nominees(id),"
	"  kind TEXT NOT NULL CHECK (kind IN ('meeting','checkin','feedback')),"
	"  sequence INTEGER NOT NULL CHECK (sequence > 0),"
	"  token TEXT NOT NULL UNIQUE,"
	"  asked_at INTEGER NOT NULL,"
	"  answer TEXT CHECK (answer IN ('met','not_yet','good','ok','help','1','2','3','4','5')),"
	"  words TEXT,"
	"  answered_at INTEGER,"
	"  message INTEGER REFERENCES messages(id),"
	"  UNIQUE (pair, nominee, kind, sequence));"
	"CREATE INDEX pair_asks_by_nominee ON pair_asks (nominee);"
	"CREATE INDEX pair_asks_by_message ON pair_asks (message) WHERE message IS NOT NULL;",
	/* 14: the values of a programme's own fields (programme.fields),
	 * one row each; erased with the nominee. */
	"CREATE TABLE nominee_fields ("
	"  nominee INTEGER NOT NULL REFERENCES nominees(id),"
	"  field TEXT NOT NULL,"
	"  value TEXT NOT NULL,"
	"  PRIMARY KEY (nominee, field));",
	/* 15: an event's topic and presenters, shown in its invitation. */
	"ALTER TABLE events ADD COLUMN topic TEXT;"
	"ALTER TABLE events ADD COLUMN presenters TEXT;",
};

gboolean store_error_is_environment(const GError *error)
{
	if (!error || error->domain != STORE_ERROR)
		return FALSE;
	switch (error->code & 0xff) {
	case SQLITE_FULL:
	case SQLITE_IOERR:
	case SQLITE_READONLY:
	case SQLITE_CANTOPEN:
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
	case SQLITE_NOMEM:
	case SQLITE_PERM:
	case SQLITE_NOLFS: return TRUE;
	default: return FALSE;
	}
}

gboolean store_fail(struct store *st, GError **error, const char *what)
{
	g_set_error(error, STORE_ERROR, sqlite3_errcode(st->db), "%s: %s: %s", st->path, what, sqlite3_errmsg(st->db));
	return FALSE;
}

gboolean store_fail_busy(struct store *st, GError **error)
{
	g_set_error(error, STORE_ERROR, SQLITE_BUSY, "%s: %s (injected by NOMD_FAULT)", st->path,
		    sqlite3_errstr(SQLITE_BUSY));
	return FALSE;
}

gboolean store_exec(struct store *st, const char *sql, GError **error)
{
	char *msg = NULL;
	if (sqlite3_exec(st->db, sql, NULL, NULL, &msg) == SQLITE_OK)
		return TRUE;
	g_set_error(error, STORE_ERROR, sqlite3_errcode(st->db), "%s: %s", st->path, msg ? msg : "error");
	sqlite3_free(msg);
	return FALSE;
}

/* Compiling a statement costs more than running most of ours, and the same
 * few dozen run for every message and mail. The cache is per store; the
 * statements lent out are tracked here, for every store of the process
 * (nomd is single-threaded), so that store_release() knows a cached
 * statement from one made for a nested use of the same SQL. */
#define STMT_CACHE_MAX 256
static GHashTable *lent;

sqlite3_stmt *store_prepare(struct store *st, const char *sql, GError **error)
{
	if (!lent)
		lent = g_hash_table_new(NULL, NULL);
	sqlite3_stmt *stmt = g_hash_table_lookup(st->stmts, sql);
	if (stmt && !g_hash_table_contains(lent, stmt)) {
		g_hash_table_add(lent, stmt);
		return stmt;
	}
	gboolean keep = !stmt && g_hash_table_size(st->stmts) < STMT_CACHE_MAX;
	stmt = NULL;
	if (sqlite3_prepare_v3(st->db, sql, -1, keep ? SQLITE_PREPARE_PERSISTENT : 0, &stmt, NULL) != SQLITE_OK) {
		store_fail(st, error, "prepare");
		return NULL;
	}
	if (keep) {
		g_hash_table_insert(st->stmts, g_strdup(sql), stmt);
		g_hash_table_add(lent, stmt);
	}
	return stmt;
}

void store_release(sqlite3_stmt *stmt)
{
	if (lent && g_hash_table_remove(lent, stmt)) {
		sqlite3_reset(stmt);
		sqlite3_clear_bindings(stmt);
	} else {
		sqlite3_finalize(stmt);
	}
}

/* Run one statement that returns no rows, through the cache. */
static gboolean run_cached(struct store *st, const char *sql, GError **error)
{
	g_autoptr(sqlite3_stmt) stmt = store_prepare(st, sql, error);
	return stmt && store_step_done(st, stmt, error);
}

static void cached_free(gpointer stmt)
{
	if (lent)
		g_hash_table_remove(lent, stmt);
	sqlite3_finalize(stmt);
}

void store_bind_text(sqlite3_stmt *stmt, int i, const char *v)
{
	if (v)
		sqlite3_bind_text(stmt, i, v, -1, SQLITE_TRANSIENT);
	else
		sqlite3_bind_null(stmt, i);
}

gboolean store_step_done(struct store *st, sqlite3_stmt *stmt, GError **error)
{
	if (sqlite3_step(stmt) != SQLITE_DONE)
		return store_fail(st, error, "write");
	return TRUE;
}

gboolean store_step_text(struct store *st, sqlite3_stmt *stmt, const char *what, char **out, GError **error)
{
	*out = NULL;
	int rc = sqlite3_step(stmt);
	if (rc == SQLITE_ROW)
		*out = store_column_dup(stmt, 0);
	else if (rc != SQLITE_DONE)
		return store_fail(st, error, what);
	return TRUE;
}

char *store_column_dup(sqlite3_stmt *stmt, int i)
{
	return g_strdup((const char *)sqlite3_column_text(stmt, i));
}

gboolean store_each_step(struct store *st, sqlite3_stmt *stmt, const char *what, store_row_fn fn, void *ctx,
			 GError **error)
{
	int n = sqlite3_column_count(stmt);
	g_autofree const char **names = g_new0(const char *, n);
	g_autofree const char **values = g_new0(const char *, n);
	for (int i = 0; i < n; i++)
		names[i] = sqlite3_column_name(stmt, i);
	int rc;
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		for (int i = 0; i < n; i++)
			values[i] = (const char *)sqlite3_column_text(stmt, i);
		fn(ctx, n, names, values);
	}
	if (rc != SQLITE_DONE)
		return store_fail(st, error, what);
	return TRUE;
}

gboolean store_each_row(struct store *st, const char *sql, store_row_fn fn, void *ctx, GError **error)
{
	g_autoptr(sqlite3_stmt) stmt = store_prepare(st, sql, error);
	return stmt && store_each_step(st, stmt, "read", fn, ctx, error);
}

gboolean store_exists(struct store *st, const char *sql, const char *value, gboolean *found, GError **error)
{
	*found = FALSE;
	g_autoptr(sqlite3_stmt) stmt = store_prepare(st, sql, error);
	if (!stmt)
		return FALSE;
	store_bind_text(stmt, 1, value);
	int rc = sqlite3_step(stmt);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return store_fail(st, error, "look up");
	*found = rc == SQLITE_ROW;
	return TRUE;
}

static int schema_version(struct store *st, GError **error)
{
	g_autoptr(sqlite3_stmt) stmt = store_prepare(st, "PRAGMA user_version", error);
	if (!stmt)
		return -1;
	if (sqlite3_step(stmt) != SQLITE_ROW) {
		store_fail(st, error, "read schema version");
		return -1;
	}
	return sqlite3_column_int(stmt, 0);
}

static gboolean migrate(struct store *st, GError **error)
{
	if (!store_exec(st, "BEGIN IMMEDIATE", error))
		return FALSE;
	int version = schema_version(st, error);
	if (version < 0)
		goto fail;
	if (version > SCHEMA_VERSION) {
		g_set_error(error, STORE_ERROR, 0,
			    "%s: schema version %d is newer than this nomd understands (%d); upgrade nomd", st->path,
			    version, SCHEMA_VERSION);
		goto fail;
	}
	for (int v = version; v < SCHEMA_VERSION; v++) {
		g_autofree char *bump = g_strdup_printf("PRAGMA user_version = %d", v + 1);
		if (!store_exec(st, migrations[v], error) || !store_exec(st, bump, error))
			goto fail;
	}
	return store_exec(st, "COMMIT", error);
fail:
	store_rollback(st);
	return FALSE;
}

gboolean store_open(const char *path, struct store **out, GError **error)
{
	struct store *st = g_new0(struct store, 1);
	st->path = g_strdup(path);
	st->stmts = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, cached_free);
	if (sqlite3_open_v2(path, &st->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) != SQLITE_OK) {
		store_fail(st, error, "open");
		store_close(st);
		return FALSE;
	}
	sqlite3_busy_timeout(st->db, BUSY_TIMEOUT_MS);
	sqlite3_extended_result_codes(st->db, 1);
	/* SQLite falls back to a read-only connection when the file is not
	 * writable, and the first commit would fail much later: refuse now,
	 * so that the caller retries the open, not every write. */
	if (sqlite3_db_readonly(st->db, "main") == 1) {
		g_set_error(error, STORE_ERROR, SQLITE_READONLY,
			    "%s: readonly database: nomd cannot write it; check the permissions of the file, its -wal"
			    " and -shm files and its folder",
			    path);
		store_close(st);
		return FALSE;
	}
	/* synchronous and foreign_keys do not persist: set them on every open. */
	if (!store_exec(st, "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON;", error) ||
	    !migrate(st, error)) {
		store_close(st);
		return FALSE;
	}
	*out = st;
	return TRUE;
}

void store_close(struct store *st)
{
	if (!st)
		return;
	g_hash_table_destroy(st->stmts);
	sqlite3_close_v2(st->db);
	g_free(st->path);
	g_free(st);
}

gboolean store_begin(struct store *st, GError **error)
{
	return run_cached(st, "BEGIN IMMEDIATE", error);
}

gboolean store_commit(struct store *st, GError **error)
{
	return run_cached(st, "COMMIT", error);
}

void store_rollback(struct store *st)
{
	if (!sqlite3_get_autocommit(st->db))
		sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
}

gboolean store_set_synchronous(struct store *st, gboolean full, GError **error)
{
	return run_cached(st, full ? "PRAGMA synchronous = FULL" : "PRAGMA synchronous = NORMAL", error);
}

gboolean store_set_lazy_commits(struct store *st, gboolean lazy, GError **error)
{
	if (!store_set_synchronous(st, !lazy, error))
		return FALSE;
	st->lazy = lazy;
	return TRUE;
}

gboolean store_touch_marker(struct store *st, const char *sql, GError **error)
{
	g_autoptr(sqlite3_stmt) stmt = store_prepare(st, sql, error);
	if (!stmt)
		return FALSE;
	g_autofree char *now = utc_now_iso();
	store_bind_text(stmt, 1, now);
	sqlite3_bind_int64(stmt, 2, getpid());
	return store_step_done(st, stmt, error);
}

gboolean store_sync(struct store *st, GError **error)
{
	/* In WAL mode a commit under FULL fsyncs the log, and with it every
	 * frame written before: one fsync for all the lazy commits. It must
	 * write something, or there is no commit to sync; an update to the
	 * same values (two syncs in one second) leaves the page clean and
	 * syncs nothing, so the row is deleted and written again. */
	if (!store_set_synchronous(st, TRUE, error))
		return FALSE;
	gboolean ok = store_begin(st, error) && run_cached(st, "DELETE FROM syncs", error) &&
		      store_touch_marker(st, "INSERT INTO syncs (id, synced_at, pid) VALUES (1, ?1, ?2)", error) &&
		      store_commit(st, error);
	if (!ok)
		store_rollback(st);
	return store_set_synchronous(st, !st->lazy, ok ? error : NULL) && ok;
}
