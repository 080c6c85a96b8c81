/* mime_text: the text a message shows a reader, decoded, for searching
 * (nomd's own outgoing mail, when erasing a person). */
#ifndef NOMD_MIME_TEXT_H
#define NOMD_MIME_TEXT_H

#include <glib.h>

/* Every header value (RFC 2047 decoded) and every part's content
 * (quoted-printable and base64 decoded), case-folded and normalised
 * (NFKC) where it is UTF-8, one after the other. Never NULL. */
char *mime_searchable_text(const void *data, gsize len);
/* The same folding for what is searched for. */
char *mime_fold(const char *text, gssize len);

#endif
