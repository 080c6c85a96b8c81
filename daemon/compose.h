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

/* Who a mail goes to and what rides with it. */
struct compose_head {
	/* A reply to `answers` (which must have a valid From): to its From,
	 * threaded under it, Auto-Submitted: auto-replied. Otherwise to `to`,
	 * auto-generated. */
	const struct parsed_message *answers;
	const char *to;
	const GPtrArray *cc; /* copies (addresses; may be NULL) */
	/* An event: the iCalendar text (text/calendar; method=...) as the
	 * last alternative to the text and HTML. */
	const char *calendar, *calendar_method;
	struct compose_attachment attachment; /* .data NULL: none */
};

/* The one way nomd writes a mail: `text`, and `html` as its alternative
 * when not NULL, under `h`. Sets *message_id (without brackets) to the
 * mail's own identifier. */
gboolean compose_mail(const struct nomd_config *cfg, const struct compose_head *h, const char *subject,
		      const char *text, const char *html, GBytes **out, char **message_id, GError **error);

#endif
