/* compose: builds outgoing mail with GMime. Owns every header nomd writes;
 * values that came from mail are validated or encoded here so they can
 * never add a header or a line break. Output is strict CRLF, 7-bit. */
#ifndef NOMD_COMPOSE_H
#define NOMD_COMPOSE_H

#include <glib.h>

#include "../parsers/mime.h"
#include "config.h"

#define COMPOSE_ERROR (compose_error_quark())
GQuark compose_error_quark(void);
enum compose_error_code { COMPOSE_ERROR_FAILED, COMPOSE_ERROR_SYNTAX };

/* A file sent with a message: `type` such as "text/csv", `filename`. */
struct compose_attachment {
	GBytes *data;
	const char *type;
	const char *filename;
};

/* Who a mail goes to, what it answers and what rides with it. */
struct compose_head {
	const char *to;
	const GPtrArray *cc;	 /* copies (addresses; may be NULL) */
	gboolean reply;		 /* an automatic reply: Auto-Submitted: auto-replied */
	const char *in_reply_to; /* threading, from compose_thread(); NULL: none */
	const char *references;
	/* Fixed when the mail was queued, so that a mail sent again after a
	 * crash is the same mail: without brackets; seconds since the epoch. */
	const char *message_id;
	gint64 date;
	/* An event: the iCalendar text (text/calendar; method=...) as the
	 * last alternative to the text and HTML. */
	const char *calendar, *calendar_method;
	struct compose_attachment attachment; /* .data NULL: none */
	/* A picture the HTML shows (<img src="cid:CONTENT_ID">): with the HTML
	 * in a multipart/related. .data NULL: none. */
	struct compose_attachment inline_image;
	const char *content_id;
};

/* A new Message-ID (without brackets) in smtp.from_domain. */
char *compose_message_id(const struct nomd_config *cfg, GError **error);
/* The In-Reply-To and References of a reply to `orig` (NULL when it has no
 * Message-ID). */
void compose_thread(const struct parsed_message *orig, char **in_reply_to, char **references);
/* The one way nomd writes a mail: `text`, and `html` as its alternative
 * when not NULL, under `h`. */
gboolean compose_mail(const struct nomd_config *cfg, const struct compose_head *h, const char *subject,
		      const char *text, const char *html, GBytes **out, GError **error);

#endif
