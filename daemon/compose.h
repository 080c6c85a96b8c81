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

/* A reply to `orig` (which must have a valid From): `text`, and `html` as
 * its alternative when not NULL. Sets *message_id (without brackets) to the
 * reply's own identifier. */
gboolean compose_reply(const struct nomd_config *cfg, const struct parsed_message *orig, const char *subject,
		       const char *text, const char *html, GBytes **out, char **message_id, GError **error);

/* A file sent with a message: `type` such as "text/csv", `filename`. */
struct compose_attachment {
	GBytes *data;
	const char *type;
	const char *filename;
};
/* compose_reply with the attachment `att` (NULL: none) after the text. */
gboolean compose_reply_attached(const struct nomd_config *cfg, const struct parsed_message *orig,
				const char *subject, const char *text, const char *html,
				const struct compose_attachment *att, GBytes **out, char **message_id, GError **error);

/* A message nomd starts itself (to staff, to nominees): Auto-Submitted:
 * auto-generated. */
gboolean compose_notice(const struct nomd_config *cfg, const char *to, const char *subject, const char *text,
			const char *html, GBytes **out, char **message_id, GError **error);
/* An event invitation: text and HTML, then the iCalendar `calendar`
 * (text/calendar; method=`method`) as the last alternative. */
gboolean compose_invitation(const struct nomd_config *cfg, const char *to, const char *subject, const char *text,
			    const char *html, const char *calendar, const char *method, GBytes **out, char **message_id,
			    GError **error);
/* A notice with one attachment (`type` such as "text/csv", `filename`). */
gboolean compose_with_attachment(const struct nomd_config *cfg, const char *to, const char *subject,
				 const char *text, const char *html, GBytes *attachment, const char *type,
				 const char *filename, GBytes **out, char **message_id, GError **error);
/* The same with copies to `cc` (addresses; may be NULL). */
gboolean compose_notice_cc(const struct nomd_config *cfg, const char *to, const GPtrArray *cc, const char *subject,
			   const char *text, const char *html, GBytes **out, char **message_id, GError **error);

#endif
