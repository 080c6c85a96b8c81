/* origin: pure checks on where an incoming message comes from: automatic mail
 * (RFC 3834 and the conventions of real autoresponders), mail that is our
 * own, and DKIM/DMARC results from a trusted Authentication-Results. */
#ifndef NOMD_ORIGIN_H
#define NOMD_ORIGIN_H

#include <glib.h>

#include "../parsers/mime.h"
#include "config.h"

/* Why the message is automatic ("Auto-Submitted", "out-of-office subject",
 * ...), or NULL when a person sent it. */
const char *origin_automatic(const struct parsed_message *msg);
/* From our own address. (Our mail coming back under another From is
 * known by its Message-ID, which only the store can say was ours: a
 * Message-ID merely on our domain may be a colleague's.) */
gboolean origin_is_us(const struct nomd_config *cfg, const struct parsed_message *msg);
/* The sender asked for no automatic answers (X-Auto-Response-Suppress). */
gboolean origin_suppresses_reply(const struct parsed_message *msg);
/* dmarc=pass for the From domain, or dkim=pass aligned with it, in an
 * Authentication-Results header that names programme.trusted_authserv_id
 * and stands above the first Received field our own servers did not add
 * (programme.own_received_headers of those come first). */
gboolean origin_authenticated(const struct nomd_config *cfg, const struct parsed_message *msg);

#endif
