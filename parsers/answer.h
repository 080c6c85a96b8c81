/* answer: reads the answer at the top of a reply to a question nomd asked
 * by mail: YES or NO (consent, invitations), MET or NOT YET (the first
 * meeting), GOOD, OK or HELP (a check-in), 1 to 5 (feedback). Owns the
 * rules for where the person's own new text ends and which first words
 * count as an answer; knows nothing of mail, nominees or what an answer
 * leads to. Pure: no I/O; only answer_own_text allocates.
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
 *  - The mentoring questions read their own words only (after the
 *    greetings, so "good morning" still greets). MEETING: met, "we met",
 *    "we have met", "we've met", "have met", and yes; "not yet", "not
 *    met", "we haven't met", "we have not met", and no. CHECKIN: good,
 *    great, "very good", "going well", "really well", excellent;
 *    ok, okay, fine, alright, "so so"; help, struggling, "not good",
 *    "not great", "not well", "not so good". RATING: 1 to 5 or one to
 *    five, also after "rating", "score", "i'd give it", "i would give
 *    it", "i give it", "i'd say", "i would say" ("Rating: 4", "4/5").
 *  - Words are whole: "Yesterday" and "Noted" are not answers. Anything
 *    else, including no new text at all, is ANSWER_NONE. Invalid UTF-8
 *    is read as opaque letters (it never matches a word). */
#ifndef NOMD_ANSWER_H
#define NOMD_ANSWER_H

#include <glib.h>

#define ANSWER_MAX_TEXT 4096

enum question { QUESTION_CONSENT, QUESTION_MEETING, QUESTION_CHECKIN, QUESTION_RATING };

enum answer {
	ANSWER_NONE,
	ANSWER_YES,
	ANSWER_NO,
	ANSWER_MET,
	ANSWER_NOT_YET,
	ANSWER_GOOD,
	ANSWER_OK,
	ANSWER_HELP,
	ANSWER_RATING_1, /* ANSWER_RATING_1 + n - 1: a rating of n, 1..5 */
	ANSWER_COUNT = ANSWER_RATING_1 + 5
};

/* The answer to `q` a person gave at the top of a reply: the new text
 * above any quoted original, judged by its first words. */
enum answer answer_read_to(const char *text, enum question q); /* text may be NULL -> ANSWER_NONE */
/* answer_read_to(text, QUESTION_CONSENT): ANSWER_YES, ANSWER_NO or none. */
enum answer answer_read(const char *text);

/* "none", "yes", "no", "met", "not_yet", "good", "ok", "help", "1".."5":
 * as stored. */
const char *answer_name(enum answer a);
gboolean answer_from_name(const char *name, enum answer *out);

/* The person's own new text (above any quoted history or signature), its
 * lines joined by spaces, valid UTF-8 without control characters, at most
 * `max` characters (cut ones end in "…"). Newly allocated; "" when there
 * is none. */
char *answer_own_text(const char *text, gsize max);

#endif
