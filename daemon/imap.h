/* imap: the nomination inbox over IMAP (libetpan), with the server
 * certificate verified by GnuTLS because libetpan checks nothing itself.
 * Only this module includes libetpan; callers see nomd's own types. */
#ifndef NOMD_IMAP_H
#define NOMD_IMAP_H

#include <glib.h>

#include "config.h"

#define IMAP_ERROR (imap_error_quark())
GQuark imap_error_quark(void);

struct imap_conn;

struct imap_msg_info {
	guint32 uid;
	guint32 size;	    /* RFC822.SIZE */
	gint64 internal_date; /* seconds since the epoch, 0 when unknown */
};

/* Connect, secure the connection as configured, verify the certificate,
 * log in. */
gboolean imap_open(const struct nomd_config *cfg, struct imap_conn **out, GError **error);
void imap_close(struct imap_conn *c);

gboolean imap_select(struct imap_conn *c, const char *mailbox, guint32 *uidvalidity, guint32 *exists,
		     GError **error);
/* UID, size and arrival time of every message in the selected mailbox. */
gboolean imap_list(struct imap_conn *c, GArray **infos, GError **error);
/* The whole message, without setting \Seen (BODY.PEEK[]). */
gboolean imap_fetch(struct imap_conn *c, guint32 uid, GBytes **body, GError **error);
gboolean imap_ensure_mailbox(struct imap_conn *c, const char *name, GError **error);
/* UID MOVE where offered, else COPY, \Deleted and (UID) EXPUNGE. */
gboolean imap_move(struct imap_conn *c, guint32 uid, const char *mailbox, GError **error);

typedef struct imap_conn imap_conn;
G_DEFINE_AUTOPTR_CLEANUP_FUNC(imap_conn, imap_close)

#endif
