/* store_internal: what the store's own files share. Never included outside
 * daemon/store*.c: the rest of nomd sees only store.h. */
#ifndef NOMD_STORE_INTERNAL_H
#define NOMD_STORE_INTERNAL_H

#include <sqlite3.h>

#include "store.h"

G_DEFINE_AUTOPTR_CLEANUP_FUNC(sqlite3_stmt, sqlite3_finalize)

struct store {
	sqlite3 *db;
	char *path;
};

/* Fill `error` with the database's last error; returns FALSE. */
gboolean store_fail(struct store *st, GError **error, const char *what);
sqlite3_stmt *store_prepare(struct store *st, const char *sql, GError **error);
/* NULL binds SQL NULL. */
void store_bind_text(sqlite3_stmt *stmt, int i, const char *v);
gboolean store_step_done(struct store *st, sqlite3_stmt *stmt, GError **error);
gboolean store_each_row(struct store *st, const char *sql, store_row_fn fn, void *ctx, GError **error);
gboolean store_exists(struct store *st, const char *sql, const char *value, gboolean *found, GError **error);

#endif
