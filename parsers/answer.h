/* answer: reads a YES or NO from the reply to nomd's welcome message. Owns
 * the rules for where the person's own new text ends and which first
 * words count as an answer; knows nothing of mail, nominees or what an
 * answer leads to. Pure: no I/O, no allocation.
 *
 * Rules:
 *  - At most ANSWER_MAX_TEXT bytes are read. Lines end at LF, CRLF or CR.
 *  - The new text ends at the first line that starts quoted history or a
 *    signature: a line starting '>' (after blanks); "On ... wrote:" on one
 *    line or wrapped over two; "From:" followed within 4 lines by "Sent:",
 *    "Date:", "To:" or "Subject:" (Outlook); "--Original Message--" with
 *    2 or more dashes each side; a line of 10 or more underscores; the
 *    signature delimiter "--" or "-- " alone on a line. Case is ignored.
 *  - The first non-blank line is judged by its first words: punctuation
 *    and blanks around words are ignored, ASCII case is ignored, and a
 *    typographic apostrophe counts as '. YES: yes, y, yeah, yep, confirm(ed),
 *    agree(d), accept(ed), "i confirm", "i agree", "i accept", "happy to",
 *    attend(ing), "i will attend", "i'll attend", "i'll be there",
 *    "count me in".
 *    NO: no, n, nope, decline(d), "i decline", "not interested", "i do
 *    not", "i don't", "i can't", "i cannot" (and "i dont", "i cant"),
 *    unable, withdraw, "please remove", "remove me", "opt out",
 *    "not attending", "cannot attend", "can't attend".
 *    "No problem" and "no worries" are not a refusal: ANSWER_NONE.
 *  - A line opening with a greeting (hi, hey, hello, dear, good morning,
 *    good afternoon, good evening, thanks, thank you, many thanks) is
 *    skipped and the next non-blank line judged instead, at most twice.
 *  - Words are whole: "Yesterday" and "Noted" are not answers. Anything
 *    else, including no new text at all, is ANSWER_NONE. Invalid UTF-8
 *    is read as opaque letters (it never matches a word). */
#ifndef NOMD_ANSWER_H
#define NOMD_ANSWER_H

#include <glib.h>

#define ANSWER_MAX_TEXT 4096

enum answer { ANSWER_NONE, ANSWER_YES, ANSWER_NO };

/* The answer a person gave at the top of a reply: the new text above any
 * quoted original, judged by its first words. */
enum answer answer_read(const char *text); /* text may be NULL -> ANSWER_NONE */

const char *answer_name(enum answer a); /* "none", "yes", "no" */

#endif
