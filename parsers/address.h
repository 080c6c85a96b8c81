/* address: syntax checks on mail addresses and message identifiers,
 * shared by the parsers and the daemon. Depends on GLib only. */
#ifndef NOMD_ADDRESS_H
#define NOMD_ADDRESS_H

#include <glib.h>

#define EMAIL_MAX 254
#define MSGID_MAX 250

/* A plain addr-spec (local@domain.tld) safe to put in a header or an SMTP
 * envelope: printable ASCII, no blanks, quotes, brackets or control bytes. */
gboolean email_valid(const char *s);
/* The comparison key of an address: lower-cased. */
char *email_key(const char *s);
/* A message identifier without its angle brackets: id-left@id-right,
 * printable ASCII only, no blanks or brackets. */
gboolean msgid_valid(const char *s);

#endif
