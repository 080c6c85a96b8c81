/* mime: turns the raw bytes of one fetched message into nomd's own view of
 * it: sender facts, identifiers, the header facts the rules need (automatic
 * mail, authentication results), the body text (text/plain, else text/html
 * converted; forwarded messages appended), spreadsheet attachments, office
 * and PDF documents (kept as bytes: nomd-reader reads them, never nomd),
 * and delivery-status reports. Uses GMime; nothing here trusts the input and
 * every walk is bounded (depth, parts, decoded bytes). */
#ifndef NOMD_MIME_H
#define NOMD_MIME_H

#include <glib.h>

#include "document.h"

#define MIME_MAX_SUBJECT 300
#define MIME_MAX_REFERENCES 20
#define MIME_MAX_TEXT (256 * 1024)
#define MIME_MAX_DEPTH 8
#define MIME_MAX_PARTS 64
#define MIME_MAX_DECODED (4 * 1024 * 1024) /* bytes decoded from all parts read */
#define MIME_MAX_CSV (1024 * 1024)
#define MIME_MAX_CSV_PARTS 4
#define MIME_MAX_AUTH_RESULTS 8
#define MIME_MAX_CALENDAR (256 * 1024)
#define MIME_MAX_CALENDAR_PARTS 2
#define MIME_MAX_DOCUMENTS 4
#define MIME_MAX_DOCUMENT_BYTES (2 * DOC_MAX_INPUT) /* decoded from all documents */
#define MIME_MAX_FILENAME 100			    /* characters of a document's name */

/* An attached Word, Excel, OpenDocument or PDF file. */
struct mime_document {
	char *filename;	    /* one line, no path, no control characters; never NULL */
	char *content_type; /* "type/subtype" as sent, lower case */
	GBytes *data;	    /* decoded; NULL when over DOC_MAX_INPUT */
	/* What reading it gave. `settled` is FALSE until the reader ran on it
	 * (or the walk found it too large); `limit` marks a DOC_FAILED that a
	 * limit caused (time, memory), rather than a crash. */
	gboolean settled;
	enum doc_status status;
	gboolean limit;
	char *detail; /* for the log: one line, escaped */
};

struct parsed_message {
	gboolean parsed;       /* FALSE: GMime could not make a message of it */
	char *limit;	       /* set when a cap was hit: which, in words */
	char *message_id;      /* without brackets; NULL when absent or unusable */
	char *from;	       /* the single From mailbox; NULL unless exactly one */
	guint from_count;      /* mailboxes found in From */
	guint from_headers;    /* From header fields */
	char *subject;	       /* decoded, one line, capped; never NULL */
	GPtrArray *references; /* valid msg-ids from References, oldest first */
	char *in_reply_to;     /* the first valid msg-id of In-Reply-To, or NULL */
	char *auto_submitted;  /* header values, one line each, NULL when absent */
	char *precedence;
	char *return_path;
	char *suppress;				 /* X-Auto-Response-Suppress */
	gboolean autoreply_header;		 /* X-Autoreply or X-Autorespond present */
	gboolean is_report;			 /* multipart/report */
	GPtrArray *auth_results;		 /* Authentication-Results values, top first */
	guint auth_trace[MIME_MAX_AUTH_RESULTS]; /* Received fields above each */
	char *text;				 /* the body as UTF-8 text; NULL when none */
	gboolean text_from_html;
	gboolean forwarded;   /* a forward: Fwd/FW subject or a message/rfc822 part */
	GPtrArray *csv;	      /* GBytes of spreadsheet attachments */
	GPtrArray *calendar;  /* GBytes of text/calendar parts (.ics), as sent */
	GPtrArray *documents; /* struct mime_document, at most MIME_MAX_DOCUMENTS */
	/* A delivery status notification: the failed recipient and the
	 * Message-ID of the message that bounced. */
	char *dsn_recipient;
	char *dsn_action;
	char *dsn_status;
	char *dsn_message_id;
	char *dsn_diagnostic; /* what the failing server said (one line, capped) */
};

void mime_init(void);
struct parsed_message *mime_parse(const char *data, gsize len);
void parsed_message_free(struct parsed_message *m);

typedef struct parsed_message parsed_message;
G_DEFINE_AUTOPTR_CLEANUP_FUNC(parsed_message, parsed_message_free)

#endif
