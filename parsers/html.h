/* html: turns an HTML mail body into the plain text the form reader reads.
 * Owns the rendering rules (which elements break lines, how a table row
 * becomes one "Label: value" line) and the rule for what is quoted
 * history; knows nothing of the form itself. Uses libxml2's HTML parser.
 *
 * Rules, in order of precedence:
 *  - Never shown: <head>, <title>, <script>, <style>, <template>, <xml>,
 *    <iframe>, comments (so Outlook's <!--[if mso]> blocks), processing
 *    instructions, Word's <o:p> with whatever it holds, elements with the
 *    `hidden` attribute or a style of display:none or mso-hide:all, and the
 *    markers of Outlook's downlevel conditionals (<![if ...]>, <![endif]>).
 *  - Quoted history (unless HTML_KEEP_QUOTED): a <blockquote> is dropped
 *    with what it holds. An element whose id or class contains
 *    divRplyFwdMsg, gmail_quote, OLK_SRC_BODY_SECTION, yahoo_quoted or
 *    moz-cite-prefix (ASCII case-insensitive) is dropped together with
 *    everything after it in the document. Forward exception: either kind
 *    is kept, as ordinary content, when "forwarded message" (ASCII
 *    case-insensitive) appears in the last line of text before it or in
 *    the first 256 bytes of its own text (Gmail writes
 *    "---------- Forwarded message ---------" inside div.gmail_quote,
 *    Apple Mail "Begin forwarded message:" inside its blockquote).
 *  - Block elements (p, div, li, h1-h6, table, tr, pre, hr, section, ...)
 *    start and end a line; <br> ends one. A paragraph with no visible
 *    text (Outlook's <p>&nbsp;</p>) is a blank line. Inline elements (b,
 *    i, span, a, font, ...) add nothing. Runs of blanks, including U+00A0
 *    and the other Unicode spaces, become one space; zero-width spaces,
 *    soft hyphens and control characters are dropped; inside <pre> line
 *    breaks are kept.
 *  - A table row without a nested table or row is one line. Empty cells
 *    (spacers, unanswered fields) are left out; then one cell is its text,
 *    two cells are "Label: value" (a label that already ends with ':'
 *    gets just a space), and more are joined with " | ". Nested tables
 *    mean layout: a row that holds a table or row is not a line, its
 *    cells are blocks and the inner rows become lines of their own.
 *  - The result is UTF-8, lines trimmed, no blank line at either end, at
 *    most one blank line in a row, no trailing newline, and at most
 *    HTML_MAX_TEXT bytes, cut after a whole character.
 *
 * Input bytes that are not UTF-8 become U+FFFD, NUL bytes spaces; only the
 * first HTML_MAX_INPUT bytes are read. libxml2 (2.9) stops building the
 * tree at 256 levels of nesting: text after such a point is lost. */
#ifndef NOMD_HTML_H
#define NOMD_HTML_H

#include <glib.h>

#define HTML_MAX_INPUT (2 * 1024 * 1024) /* bytes of HTML parsed: libxml2 needs ~25x in memory */
#define HTML_MAX_TEXT (256 * 1024)	 /* bytes of text produced */
#define HTML_MAX_CELLS 64		 /* cells of one row kept apart; more are merged */

enum html_flags {
	HTML_KEEP_QUOTED = 1 << 0, /* keep blockquotes and reply history (a forward) */
};

/* The text of an HTML body. Never NULL: empty, absent or unusable input
 * gives "". The caller frees the result with g_free. */
char *html_to_text(const char *html, gsize len);
/* The same with html_flags. */
char *html_to_text_full(const char *html, gsize len, guint flags);

#endif
