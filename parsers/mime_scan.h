/* mime_scan: a look at the raw bytes of a message before GMime builds a
 * tree of it. GMime makes an object of every part and every header field
 * before nomd can count them: 10 MiB of empty parts or of short header
 * fields cost it gigabytes. The scan counts what would become objects, in
 * one pass, allocating nothing, and says which cap a message is over.
 *
 * It follows GMime's grammar loosely and errs towards counting more: a
 * part is each line that is a delimiter of a boundary declared so far in a
 * Content-Type field (all of them, not only the enclosing ones), plus each
 * header block of a message/rfc822 (or global, news) part; a multipart
 * whose boundary it cannot read (RFC 2231 continuations) makes every line
 * starting with "--" a delimiter. Header blocks are the message's, each
 * part's and each nested message's, up to their blank line. The part cap
 * here is looser than the walk's (MIME_MAX_PARTS), so that a message the
 * walk would read is not held for a miscount. */
#ifndef NOMD_MIME_SCAN_H
#define NOMD_MIME_SCAN_H

#include <glib.h>

#define MIME_SCAN_MAX_PARTS 256		   /* parts GMime may build */
#define MIME_SCAN_MAX_BOUNDARIES 64	   /* distinct boundaries remembered */
#define MIME_MAX_HEADER_FIELDS 2000	   /* in all header blocks together */
#define MIME_MAX_HEADER_BYTES (256 * 1024) /* of all header blocks together */

/* NULL when the message is within the caps, else the cap it is over, in
 * words (a static string). */
const char *mime_scan(const char *data, gsize len);

#endif
