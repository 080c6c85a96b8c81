/* test_store: the store's statement cache, the reply-limit count, the
 * paged reading of people and the lazy commits of a batch, on a real
 * SQLite file in a temp directory. White-box where it must be: the
 * synchronous setting is read through the store's own connection. */
#include <glib/gstdio.h>
#include <sqlite3.h>

#include "../../daemon/store.h"
#include "../../daemon/store_internal.h"
#include "../../daemon/util.h"
#include "tap.h"

static gint64 add_message(struct store *st, const char *id)
{
	struct message_record m = { .message_id = id,
				    .sha256 = id,
				    .sender = "ce@fife.example",
				    .organisation = "fife",
				    .outcome = "accepted",
				    .reasons = "",
				    .subject = "s",
				    .received_at = "2026-11-25T10:00:00Z" };
	gint64 row = 0;
	g_autoptr(GError) error = NULL;
	if (!store_add_message(st, &m, &row, &error))
		printf("# add_message: %s\n", error->message);
	return row;
}

static gboolean add_nominee(struct store *st, gint64 msg, const char *email)
{
	struct nominee_record r = { .organisation = "fife",
				    .role = "member",
				    .name = "A Person",
				    .email = email,
				    .years = -1,
				    .status = "accepted",
				    .nominated_by = "ce@fife.example" };
	g_autoptr(GError) error = NULL;
	if (!store_add_nominee(st, msg, &r, &error)) {
		printf("# add_nominee: %s\n", error->message);
		return FALSE;
	}
	return TRUE;
}

struct rows {
	int n;
	int nested;
	struct store *st;
};

static void count_row(void *ctx, int n, const char *const *names, const char *const *values)
{
	(*(int *)ctx)++;
}

/* A callback that runs the same query again while the outer one is still
 * stepping: the cache must hand out a second statement, not the busy one. */
static void count_nested(void *ctx, int n, const char *const *names, const char *const *values)
{
	struct rows *r = ctx;
	r->n++;
	g_autoptr(GError) error = NULL;
	if (!store_each_nominee(r->st, count_row, &r->nested, &error))
		printf("# nested: %s\n", error->message);
}

/* PRAGMA synchronous on the store's connection: 1 NORMAL, 2 FULL. */
static int synchronous(struct store *st)
{
	sqlite3_stmt *stmt = NULL;
	int v = -1;
	if (sqlite3_prepare_v2(st->db, "PRAGMA synchronous", -1, &stmt, NULL) == SQLITE_OK &&
	    sqlite3_step(stmt) == SQLITE_ROW)
		v = sqlite3_column_int(stmt, 0);
	sqlite3_finalize(stmt);
	return v;
}

static int count_of(struct store *st, const char *sql)
{
	sqlite3_stmt *stmt = NULL;
	int v = -1;
	if (sqlite3_prepare_v2(st->db, sql, -1, &stmt, NULL) == SQLITE_OK && sqlite3_step(stmt) == SQLITE_ROW)
		v = sqlite3_column_int(stmt, 0);
	sqlite3_finalize(stmt);
	return v;
}

/* A batch of messages commits lazily and is synced once before its move;
 * every other commit stays durable on its own. */
static void test_lazy_commits(struct store *st)
{
	g_autoptr(GError) error = NULL;
	is_int(synchronous(st), 2, "commits are durable each (synchronous=FULL) by default");
	ok(store_set_lazy_commits(st, TRUE, &error), "lazy commits on");
	is_int(synchronous(st), 1, "then synchronous=NORMAL");
	ok(store_attempt_begin(st, 7, 1, &error), "an attempt mark meanwhile");
	is_int(synchronous(st), 1, "leaves the commits lazy");
	ok(store_begin(st, &error) && store_set_checkpoint(st, "INBOX", 7, 1, FALSE, &error) &&
		   store_commit(st, &error),
	   "a message's transaction, committed lazily");
	ok(store_sync(st, &error), "store_sync");
	is_int(count_of(st, "SELECT count(*) FROM syncs"), 1, "wrote its row (a FULL commit must write)");
	is_int(synchronous(st), 1, "and the commits after it are lazy again");
	ok(store_sync(st, &error), "a second store_sync");
	is_int(count_of(st, "SELECT count(*) FROM syncs"), 1, "updates the one row");
	ok(store_set_lazy_commits(st, FALSE, &error), "lazy commits off");
	ok(store_attempt_begin(st, 7, 2, &error), "an attempt mark");
	is_int(synchronous(st), 2, "durable commits again, also after an attempt mark");
}

static gint64 nominee_id(struct store *st, const char *email)
{
	g_autofree char *sql = g_strdup_printf("SELECT id FROM nominees WHERE email = '%s'", email);
	return count_of(st, sql);
}

static int body_length(struct store *st, const char *idem_key)
{
	g_autofree char *sql = g_strdup_printf("SELECT length(body) FROM outbox WHERE idem_key = '%s'", idem_key);
	return count_of(st, sql);
}

/* Mail that names a person only by row (a notice to their partner, a
 * digest) is found by its recorded mentions; mail from before mentions
 * were recorded, by its decoded text. */
/* One outbox row, as outbox_queue would store it. */
static gboolean queue_row(struct store *st, gint64 message_row, gint64 nominee, const gint64 *also, guint n_also,
			  const char *key, const char *to, const char *id, GBytes *body, GError **error)
{
	const struct outbox_row r = { .idem_key = key,
				      .message_row = message_row,
				      .nominee = nominee,
				      .also = also,
				      .n_also = n_also,
				      .envelope_from = "",
				      .recipient = to,
				      .message_id = id,
				      .body = body };
	return store_outbox_add(st, &r, error);
}

static void test_forget_mentions(const char *dir)
{
	g_autofree char *path = g_build_filename(dir, "forget.db", NULL);
	struct store *st = NULL;
	g_autoptr(GError) error = NULL;
	ok(store_open(path, &st, &error), "open a database for erasure");
	gint64 msg = add_message(st, "<n1@fife.example>");
	ok(add_nominee(st, msg, "gone@fife.example") && add_nominee(st, msg, "stays@fife.example"), "two nominees");
	gint64 gone = nominee_id(st, "gone@fife.example"), stays = nominee_id(st, "stays@fife.example");
	/* Nothing in these bodies is the person's name or address. */
	static const char notice[] = "Subject: your pair ended\r\n\r\nopaque\r\n";
	g_autoptr(GBytes) opaque = g_bytes_new_static(notice, sizeof notice - 1);
	ok(queue_row(st, 0, stays, &gone, 1, "ended", "stays@fife.example", "<e@nomd>", opaque, &error),
	   "a notice to the partner that names the person");
	ok(queue_row(st, 0, stays, NULL, 0, "other", "stays@fife.example", "<o@nomd>", opaque, &error),
	   "a notice to the partner about someone else");
	ok(queue_row(st, 0, 0, &gone, 1, "digest", "staff@example.org", "<d@nomd>", opaque, &error),
	   "a digest naming the person, still pending");
	ok(queue_row(st, 0, 0, &gone, 1, "digest", "staff@example.org", "<d@nomd>", opaque, &error) &&
		   count_of(st, "SELECT count(*) FROM outbox_mentions") == 4,
	   "queued again under the same key: no second row, no second mention");
	/* As if queued before schema 10: no mention (none for mail about no
	 * nominee and no message), the name encoded. */
	static const char legacy[] = "Subject: =?utf-8?b?U2lvYmjDoW4gTsOtIEJocmlhaW4=?=\r\n"
				     "Content-Type: text/plain; charset=utf-8\r\n"
				     "Content-Transfer-Encoding: quoted-printable\r\n\r\nHello\r\n";
	g_autoptr(GBytes) old = g_bytes_new_static(legacy, sizeof legacy - 1);
	ok(queue_row(st, 0, 0, NULL, 0, "legacy", "staff@example.org", "<l@nomd>", old, &error), "a legacy mail");
	ok(queue_row(st, 0, 0, NULL, 0, "legacy-other", "staff@example.org", "<l2@nomd>", opaque, &error),
	   "and one naming nobody");
	sqlite3_exec(st->db, "UPDATE nominees SET name = 'Siobhán Ní Bhriain' WHERE email = 'gone@fife.example'", NULL,
		     NULL, NULL);
	struct erasure e;
	ok(store_forget(st, "GONE@fife.example", &e, &error), "forget");
	if (error)
		printf("# %s\n", error->message);
	is_int(body_length(st, "ended"), 0, "the partner's notice naming them is emptied");
	is_int(body_length(st, "digest"), 0, "and the digest");
	is_int(count_of(st, "SELECT count(*) FROM outbox WHERE idem_key = 'digest' AND status = 'failed'"
			    " AND last_error = 'erased before it was sent'"),
	       1, "which, unsent, fails instead of going out empty");
	is_int(body_length(st, "legacy"), 0, "the legacy mail with the name in RFC 2047 is emptied");
	ok(body_length(st, "other") > 0 && body_length(st, "legacy-other") > 0, "mail naming others is kept");
	is_int(e.mails, 3, "three mails counted");
	store_close(st);
	g_autofree char *wal = g_strconcat(path, "-wal", NULL);
	g_autofree char *shm = g_strconcat(path, "-shm", NULL);
	g_unlink(wal);
	g_unlink(shm);
	g_unlink(path);
}

int main(void)
{
	g_autofree char *dir = g_dir_make_tmp("nomd-store-XXXXXX", NULL);
	g_autofree char *path = g_build_filename(dir, "nomd.db", NULL);
	struct store *st = NULL;
	g_autoptr(GError) error = NULL;
	ok(store_open(path, &st, &error), "open a new database");

	/* Reply counts: case-insensitive on the address, bounded in time,
	 * only replies to messages. */
	gint64 msg = add_message(st, "<m1@fife.example>");
	ok(msg > 0, "a message row");
	GBytes *body = g_bytes_new_static("x", 1);
	ok(queue_row(st, msg, 0, NULL, 0, "r1", "CE@Fife.Example", "<r1@nomd>", body, &error), "queue a reply");
	ok(queue_row(st, msg, 0, NULL, 0, "r2", "ce@fife.example", "<r2@nomd>", body, &error), "queue another");
	ok(queue_row(st, 0, 0, NULL, 0, "w1", "ce@fife.example", "<w1@nomd>", body, &error),
	   "queue a mail that answers no message");
	ok(queue_row(st, msg, 0, NULL, 0, "r3", "other@fife.example", "<r3@nomd>", body, &error),
	   "queue one to someone else");
	g_bytes_unref(body);
	gint64 now = g_get_real_time() / G_USEC_PER_SEC;
	int count = -1;
	ok(store_replies_since(st, "ce@FIFE.example", now - 3600, &count, &error), "count replies");
	is_int(count, 2, "two replies to the address in any case, the non-reply left out");
	ok(store_replies_since(st, "ce@fife.example", now + 5, &count, &error), "count from the future");
	is_int(count, 0, "none after now");
	ok(store_replies_since(st, "nobody@fife.example", now - 3600, &count, &error), "count for a stranger");
	is_int(count, 0, "none for an address never written to");

	/* The same statement, again and again: the answers stay right once it
	 * is reused from the cache, bindings included. */
	for (int i = 0; i < 3; i++) {
		ok(store_replies_since(st, i % 2 ? "other@fife.example" : "ce@fife.example", now - 3600, &count,
				       &error),
		   "count again (%d)", i);
		is_int(count, i % 2 ? 1 : 2, "the cached statement gives the right count (%d)", i);
	}

	/* People in pages. */
	gboolean all_added = TRUE;
	ok(store_begin(st, &error), "begin");
	for (int i = 0; i < 7; i++) {
		g_autofree char *email = g_strdup_printf("p%d@fife.example", i);
		all_added &= add_nominee(st, msg, email);
	}
	ok(store_commit(st, &error) && all_added, "seven nominees committed");
	gint64 after = 0;
	int pages = 0, seen = 0;
	for (;;) {
		GPtrArray *page = NULL;
		if (!store_people(st, PEOPLE_UNWELCOMED, 0, after, 3, &page, &error))
			break;
		if (page->len == 0) {
			g_ptr_array_unref(page);
			break;
		}
		pages++;
		seen += page->len;
		after = ((struct person *)page->pdata[page->len - 1])->id;
		g_ptr_array_unref(page);
	}
	is_int(pages, 3, "seven unwelcomed in pages of three: three pages");
	is_int(seen, 7, "every one seen once");
	GPtrArray *all = NULL;
	ok(store_people(st, PEOPLE_ACCEPTED, 0, 0, -1, &all, &error) && all->len == 7, "limit -1 reads them all");
	if (all)
		g_ptr_array_unref(all);

	struct rows r = { .st = st };
	ok(store_each_nominee(st, count_nested, &r, &error), "a query inside a query");
	is_int(r.n, 7, "the outer query sees every row");
	is_int(r.nested, 49, "the inner one, a second statement for the same SQL, sees every row each time");
	ok(store_each_nominee(st, count_nested, &r, &error) && r.n == 14, "and both work again afterwards");

	/* A failed transaction leaves the cached BEGIN and COMMIT usable. */
	ok(store_begin(st, &error), "begin");
	ok(!store_begin(st, &error), "a nested begin fails");
	g_clear_error(&error);
	store_rollback(st);
	ok(store_begin(st, &error) && store_commit(st, &error), "begin and commit after the failure");

	test_lazy_commits(st);
	test_forget_mentions(dir);

	store_close(st);
	st = NULL;
	ok(store_open(path, &st, &error), "reopen");
	ok(store_replies_since(st, "ce@fife.example", now - 3600, &count, &error) && count == 2,
	   "the index survives reopening: still two replies");
	store_close(st);

	g_autofree char *wal = g_strconcat(path, "-wal", NULL);
	g_autofree char *shm = g_strconcat(path, "-shm", NULL);
	g_unlink(wal);
	g_unlink(shm);
	g_unlink(path);
	g_rmdir(dir);
	return tap_done();
}
