/* imap: the nomination inbox over IMAP (libetpan), with the server
 * certificate verified by GnuTLS because libetpan checks nothing itself.
 * Only this module includes libetpan; callers see nomd's own types. */
#ifndef NOMD_IMAP_H
#define NOMD_IMAP_H

#include <glib.h>
#include <signal.h>

#include "config.h"

#define IMAP_ERROR (imap_error_quark())
GQuark imap_error_quark(void);

/* What kind of failure, so callers can choose how to retry. */
enum imap_error_code {
	IMAP_ERR_CONNECT,  /* unreachable, timed out, connection lost */
	IMAP_ERR_TLS,	   /* handshake or certificate verification failed */
	IMAP_ERR_AUTH,	   /* login refused */
	IMAP_ERR_PROTOCOL, /* a command failed or the reply made no sense */
};

struct imap_conn;

struct imap_msg_info {
	guint32 uid;
	guint32 size;	      /* RFC822.SIZE */
	gint64 internal_date; /* seconds since the epoch, 0 when unknown */
};

/* Connect, secure the connection as configured, verify the certificate,
 * log in. */
gboolean imap_open(const struct nomd_config *cfg, struct imap_conn **out, GError **error);
void imap_close(struct imap_conn *c);

gboolean imap_select(struct imap_conn *c, const char *mailbox, guint32 *uidvalidity, guint32 *exists, GError **error);
/* UIDs (guint32, ascending) of the selected mailbox's messages above `after_uid`. */
gboolean imap_search(struct imap_conn *c, guint32 after_uid, GArray **uids, GError **error);
/* UID, size and arrival time of the given UIDs (those still there). */
/* UIDs in the selected mailbox whose Message-ID is `message_id` (valid, without brackets). */
gboolean imap_search_message_id(struct imap_conn *c, const char *message_id, GArray **uids, GError **error);
gboolean imap_info(struct imap_conn *c, const guint32 *uids, guint n, GArray **infos, GError **error);
/* The whole message, without setting \Seen (BODY.PEEK[]). */
gboolean imap_fetch(struct imap_conn *c, guint32 uid, GBytes **body, GError **error);
/* The bodies of `uids` (ascending) in one UID FETCH: bodies[i] is that of
 * uids[i], or NULL when the server sent none. Each GBytes is to be unreffed. */
gboolean imap_fetch_bodies(struct imap_conn *c, const guint32 *uids, guint n, GBytes **bodies, GError **error);
/* How many of `infos` (ascending), from the first, one body fetch covers:
 * of those, the ones up to `max_message` bytes are fetched (larger ones
 * never are), at most `max_count` and `max_bytes` in all by RFC822.SIZE,
 * except that the first always goes, alone when over the budget. */
guint imap_batch_take(const struct imap_msg_info *infos, guint n, gint64 max_message, guint max_count,
		      gint64 max_bytes);
gboolean imap_ensure_mailbox(struct imap_conn *c, const char *name, GError **error);
/* UID MOVE where offered, else COPY, \Deleted and (UID) EXPUNGE. */
gboolean imap_move(struct imap_conn *c, const guint32 *uids, guint n, const char *mailbox, GError **error);
/* Remove messages from the selected mailbox for good: \Deleted, then UID
 * EXPUNGE (plain EXPUNGE without UIDPLUS). */
gboolean imap_delete(struct imap_conn *c, const guint32 *uids, guint n, GError **error);

gboolean imap_has_idle(struct imap_conn *c);
/* IDLE until the server says something, `max_seconds` pass, or *wake is
 * set (checked every second). TRUE with *activity telling which; FALSE
 * when the connection failed. Returns at once with *activity set when the
 * server announced new mail since the last imap_select. */
gboolean imap_idle(struct imap_conn *c, int max_seconds, const volatile sig_atomic_t *wake, gboolean *activity,
		   GError **error);

typedef struct imap_conn imap_conn;
G_DEFINE_AUTOPTR_CLEANUP_FUNC(imap_conn, imap_close)

#endif
