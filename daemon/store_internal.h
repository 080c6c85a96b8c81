/* store_internal: what the store's own files share. Never included outside
 * daemon/store*.c: the rest of nomd sees only store.h. */
#ifndef NOMD_STORE_INTERNAL_H
#define NOMD_STORE_INTERNAL_H

#include <sqlite3.h>

#include "store.h"

/* Statements come from store_prepare() and go back through g_autoptr:
 * a cached one is reset for the next caller, any other finalised. */
void store_release(sqlite3_stmt *stmt);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(sqlite3_stmt, store_release)

struct store {
	sqlite3 *db;
	char *path;
	GHashTable *stmts; /* SQL text -> its prepared statement, kept until close */
	gboolean lazy;	   /* commits under synchronous=NORMAL (store_set_lazy_commits) */
};

/* Fill `error` with the database's last error; returns FALSE. */
gboolean store_fail(struct store *st, GError **error, const char *what);
/* Run fixed SQL text, one or more statements, outside the statement cache
 * (migrations, pragmas, VACUUM). */
gboolean store_exec(struct store *st, const char *sql, GError **error);
/* The statement for `sql`, compiled once per store and then reused (SQL
 * built at run time must come from a fixed set of texts, as all of it
 * does: values are always bound). */
sqlite3_stmt *store_prepare(struct store *st, const char *sql, GError **error);
/* NULL binds SQL NULL. */
void store_bind_text(sqlite3_stmt *stmt, int i, const char *v);
gboolean store_step_done(struct store *st, sqlite3_stmt *stmt, GError **error);
/* The first column of the statement's first row as a new string into
 * *out; NULL when there is no row (or it is SQL NULL). */
gboolean store_step_text(struct store *st, sqlite3_stmt *stmt, const char *what, char **out, GError **error);
/* Column `i` of the current row as a new string; NULL for SQL NULL. */
char *store_column_dup(sqlite3_stmt *stmt, int i);
/* Every row of a prepared statement to `fn`, with its column names;
 * `what` names the read in an error. */
gboolean store_each_step(struct store *st, sqlite3_stmt *stmt, const char *what, store_row_fn fn, void *ctx,
			 GError **error);
/* store_each_step for fixed SQL without parameters. */
gboolean store_each_row(struct store *st, const char *sql, store_row_fn fn, void *ctx, GError **error);
/* Write the one row of a marker table (sender, syncs): ?1 the time, ?2
 * our pid. The same values twice in one second leave the page clean: a
 * caller that needs a real write deletes the row first (store_sync). */
gboolean store_touch_marker(struct store *st, const char *sql, GError **error);
/* PRAGMA synchronous for the commits to come: FULL makes each durable on
 * its own, NORMAL leaves that to the next FULL one (or checkpoint). */
gboolean store_set_synchronous(struct store *st, gboolean full, GError **error);
gboolean store_exists(struct store *st, const char *sql, const char *value, gboolean *found, GError **error);

#endif
