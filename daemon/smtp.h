/* smtp: delivers composed mail over SMTP with libcurl, one recipient per
 * transaction, over one reused connection. Only this module includes curl. */
#ifndef NOMD_SMTP_H
#define NOMD_SMTP_H

#include <glib.h>

#include "config.h"

/* TEMPORARY and PERMANENT: the mail's recipient or content was refused
 * (at RCPT TO or DATA, or the line was lost while it went). NO_SERVICE:
 * nothing got as far as this mail's recipient: the server unreachable, or
 * its connection, STARTTLS, our login (AUTH) or our sender (MAIL FROM)
 * refused, with any code. The rest of a batch would fail the same way,
 * and none of it is this mail's fault. */
enum smtp_result { SMTP_SENT, SMTP_TEMPORARY, SMTP_PERMANENT, SMTP_NO_SERVICE };

struct smtp_client;

struct smtp_client *smtp_client_new(const struct nomd_config *cfg);
void smtp_client_free(struct smtp_client *c);
/* Send `body` (strict CRLF) from `envelope_from` ("" for the null sender)
 * to one recipient. Sent: *reply holds the server's final answer (for
 * Postfix "250 2.0.0 Ok: queued as ID", which traces the mail in its
 * log). On failure *error_text says why, in one line. */
enum smtp_result smtp_send(struct smtp_client *c, const char *envelope_from, const char *recipient, GBytes *body,
			   char **reply, char **error_text);

typedef struct smtp_client smtp_client;
G_DEFINE_AUTOPTR_CLEANUP_FUNC(smtp_client, smtp_client_free)

#endif
