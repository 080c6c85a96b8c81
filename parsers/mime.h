/* mime: turns the raw bytes of one fetched message into nomd's own view of
 * it (sender, identifiers, subject, body text), using GMime. Only the
 * parsers include GMime for reading; nothing here trusts the input. */
#ifndef NOMD_MIME_H
#define NOMD_MIME_H

#include <glib.h>

#define MIME_MAX_SUBJECT 300
#define MIME_MAX_REFERENCES 20
#define MIME_MAX_TEXT (256 * 1024)

struct parsed_message {
	gboolean parsed;   /* FALSE: GMime could not make a message of it */
	char *message_id;  /* without brackets; NULL when absent or unusable */
	char *from;	   /* the single From mailbox; NULL unless exactly one */
	guint from_count;  /* mailboxes found in From */
	char *subject;	   /* decoded, one line, capped; never NULL */
	GPtrArray *references; /* valid msg-ids from References, oldest first */
	char *auto_submitted; /* Auto-Submitted value, NULL when absent */
	char *text;	      /* the body as UTF-8 text; NULL when none */
};

void mime_init(void);
struct parsed_message *mime_parse(const char *data, gsize len);
void parsed_message_free(struct parsed_message *m);

typedef struct parsed_message parsed_message;
G_DEFINE_AUTOPTR_CLEANUP_FUNC(parsed_message, parsed_message_free)

#endif
