/* Unit tests: YES/NO replies to the welcome message (parsers/answer.c). */
#include "../../parsers/answer.h"
#include "tap.h"

/* The answer's name, so a failure shows what was read. */
static const char *read_name(const char *text)
{
	return answer_name(answer_read(text));
}

#define QUOTE_GMAIL                                                                                                    \
	"On Tue, 24 Nov 2026 at 10:02, Scottish Mentoring Network <nominations@example.org> wrote:\n"                  \
	"> Welcome to the programme.\n> ... please reply YES or NO ...\n"

#define QUOTE_OUTLOOK                                                                                                  \
	"From: Mentoring Network <nominations@example.org>\r\n"                                                        \
	"Sent: 24 November 2026 10:02\r\n"                                                                             \
	"To: Alex Smith <alex@fife.gov.uk>\r\n"                                                                        \
	"Subject: Welcome to the Scottish Mentoring Network\r\n\r\n"                                                   \
	"Please reply YES to confirm or NO to decline.\r\n"

int main(void)
{
	/* Plain answers. */
	is_str(read_name("YES"), "yes", "plain YES");
	is_str(read_name("yes\n"), "yes", "yes with a line break");
	is_str(read_name("Yes."), "yes", "Yes with a full stop");
	is_str(read_name("Yes!"), "yes", "Yes with an exclamation mark");
	is_str(read_name("YES, count me in"), "yes", "YES with a comma");
	is_str(read_name("  yes please"), "yes", "leading blanks and more words");
	is_str(read_name("*Yes*"), "yes", "bold markers around the word");
	is_str(read_name("\"yes\""), "yes", "quotes around the word");
	is_str(read_name("y"), "yes", "y alone");
	is_str(read_name("Yep, see you there"), "yes", "yep");
	is_str(read_name("Confirmed."), "yes", "confirmed");
	is_str(read_name("I confirm"), "yes", "I confirm");
	is_str(read_name("I agree to take part"), "yes", "I agree");
	is_str(read_name("Happy to take part"), "yes", "happy to");
	is_str(read_name("No"), "no", "plain No");
	is_str(read_name("NO thanks"), "no", "NO thanks");
	is_str(read_name("No thanks"), "no", "No thanks is a no, not a greeting");
	is_str(read_name("Nope"), "no", "nope");
	is_str(read_name("n"), "no", "n alone");
	is_str(read_name("Declined, sorry"), "no", "declined");
	is_str(read_name("I can't commit this year, sorry"), "no", "I can't");
	is_str(read_name("I can\xe2\x80\x99t commit this year"), "no", "I can't with a typographic apostrophe");
	is_str(read_name("I don't have the time"), "no", "I don't");
	is_str(read_name("I do not wish to continue"), "no", "I do not");
	is_str(read_name("Not interested."), "no", "not interested");
	is_str(read_name("Please remove me from the list"), "no", "please remove");
	is_str(read_name("Remove me"), "no", "remove me");
	is_str(read_name("Opt out"), "no", "opt out");
	is_str(read_name("Unable to attend this year"), "no", "unable");

	/* Whole words only; unclear replies are nobody's answer. */
	is_str(read_name("Yesterday I was away, what is this?"), "none", "Yesterday is not yes");
	is_str(read_name("Noted"), "none", "Noted is not no");
	is_str(read_name("Not now"), "none", "Not now is unclear");
	is_str(read_name("Maybe, can we talk?"), "none", "maybe");
	is_str(read_name("What is this?"), "none", "a question");
	is_str(read_name("No problem, count me in"), "none", "no problem is not a refusal");
	is_str(read_name("I'm happy to"), "none", "I'm happy to is not judged (first words only)");

	/* Greetings before the answer. */
	is_str(read_name("Hi team,\n\nYes, happy to take part"), "yes", "greeting then yes");
	is_str(read_name("Thank you.\nNo, I'm afraid I can't commit this year"), "no", "thank you then no");
	is_str(read_name("Dear Network,\r\nMany thanks for this.\r\n\r\nYes"), "yes", "two greeting lines then yes");
	is_str(read_name("Hi,\nHello,\nThanks,\nYes"), "none", "no more than two greeting lines skipped");
	is_str(read_name("Hi Alex,\n"), "none", "only a greeting");

	/* Quoted history never counts. */
	is_str(read_name("Yes\n\n" QUOTE_GMAIL), "yes", "Gmail reply: yes above the quote");
	is_str(read_name("Yes\n\nOn Tue, 24 Nov 2026 at 10:02, Scottish Mentoring Network\n"
			 "<nominations@example.org> wrote:\n> ... please reply YES or NO ...\n"),
	       "yes", "Gmail reply with On ... wrote: over two lines");
	is_str(read_name("\n\n" QUOTE_GMAIL), "none", "nothing above the Gmail quote");
	is_str(read_name("On Tue, 24 Nov 2026 at 10:02, Scottish Mentoring Network\n"
			 "<nominations@example.org> wrote:\nYES to confirm\n"),
	       "none", "two-line On ... wrote: with no new text, unquoted original below");
	is_str(read_name("> Please reply YES or NO\n\nyes"), "none", "a > line ends the new text");
	is_str(read_name("No\r\n\r\n" QUOTE_OUTLOOK), "no", "Outlook plain text, CRLF");
	is_str(read_name("\r\n" QUOTE_OUTLOOK), "none", "nothing above the Outlook header block");
	is_str(read_name("*From:* Mentoring Network\n*Sent:* 24 November 2026\n\nReply YES"), "none",
	       "bold Outlook header block");
	is_str(read_name("Yes\n\n-----Original Message-----\nFrom: nominations@example.org\nReply YES or NO\n"), "yes",
	       "yes above -----Original Message-----");
	is_str(read_name("-------- Original Message --------\nReply YES or NO\n"), "none",
	       "Original Message with spaced dashes");
	is_str(read_name("________________________________\nFrom: x\nReply YES\n"), "none", "a line of underscores");
	is_str(read_name("-- \nAlex Smith\nFife Council\n\n" QUOTE_GMAIL), "none", "only a signature above the quote");
	is_str(read_name("--\nYes"), "none", "signature delimiter without the space");
	is_str(read_name("Alex Smith\nFife Council\n\n" QUOTE_GMAIL), "none", "a signature without a delimiter");
	is_str(read_name("From: Alex\nYes\n"), "none", "From: with no header after it is not history, nor an answer");

	/* Odd input. */
	is_str(read_name(NULL), "none", "NULL");
	is_str(read_name(""), "none", "empty string");
	is_str(read_name("\r\n \t\r\n"), "none", "only blanks");
	is_str(read_name("\xef\xbb\xbfYes"), "yes", "a byte order mark before yes");
	is_str(read_name("\xc2\xa0\xc2\xa0Yes\xc2\xa0please"), "yes", "no-break spaces around yes");
	is_str(read_name("\xff\xfe\x80yes\xc3"), "none", "invalid UTF-8 glued to yes");
	is_str(read_name("\xc3\n\xff\xfe\nyes"), "none", "invalid UTF-8 lines are not blank");
	is_str(read_name("yes\xc3\xa9"), "none", "a letter after yes makes another word");
	is_str(read_name("Yes\r\rOn Tue, Jo wrote:\r> no"), "yes", "bare CR line ends");
	{
		gsize n = 100 * 1024;
		char *big = g_malloc(n + 1);
		memset(big, 'a', n);
		big[n] = '\0';
		is_str(read_name(big), "none", "100 KB of one word");
		memset(big, '\n', n);
		memcpy(big + n - 4, "yes\n", 4);
		is_str(read_name(big), "none", "an answer past the 4096-byte cap is not read");
		memcpy(big + 10, "yes", 3);
		is_str(read_name(big), "yes", "an answer within the cap is read");
		g_free(big);
	}
	{
		/* The cap ends the text: nothing beyond it is looked at. */
		char *text = g_malloc(ANSWER_MAX_TEXT + 16);
		memset(text, ' ', ANSWER_MAX_TEXT + 15);
		memcpy(text + ANSWER_MAX_TEXT - 3, "yes", 3);
		text[ANSWER_MAX_TEXT + 15] = '\0';
		is_str(read_name(text), "yes", "a word ending exactly at the cap");
		memcpy(text + ANSWER_MAX_TEXT - 2, "yes", 3);
		is_str(read_name(text), "none", "a word cut by the cap");
		g_free(text);
	}

	is_str(answer_name(ANSWER_NONE), "none", "answer_name(ANSWER_NONE)");
	is_str(answer_name(ANSWER_YES), "yes", "answer_name(ANSWER_YES)");
	is_str(answer_name(ANSWER_NO), "no", "answer_name(ANSWER_NO)");
	/* Answers to event invitations. */
	is_int(answer_read("I will attend.\n"), ANSWER_YES, "I will attend: yes");
	is_int(answer_read("Attending\n"), ANSWER_YES, "Attending: yes");
	is_int(answer_read("Not attending, sorry\n"), ANSWER_NO, "Not attending: no");
	is_int(answer_read("I'll be there\n"), ANSWER_YES, "I'll be there: yes");
	is_int(answer_read("Cannot attend this one\n"), ANSWER_NO, "Cannot attend: no");
	/* Regrets as people write them. */
	is_str(read_name("Sorry, I can't make that date"), "no", "Sorry, I can't");
	is_str(read_name("Sorry \xe2\x80\x93 I can\xe2\x80\x99t make it"), "no", "Sorry - I can't, typographic");
	is_str(read_name("Sorry, no."), "no", "Sorry, no");
	is_str(read_name("Unfortunately not this time"), "no", "unfortunately not");
	is_str(read_name("Unfortunately I cannot attend"), "no", "unfortunately I cannot");
	is_str(read_name("I'm afraid I can't be there"), "no", "I'm afraid I can't");
	is_str(read_name("I won't be able to come"), "no", "I won't be able");
	is_str(read_name("Can't make it, sorry"), "no", "can't make it");
	is_str(read_name("Sorry for the slow reply, what is this about?"), "none", "an apology alone answers nothing");
	is_str(read_name("Sorry not sure what this is"), "none", "sorry not sure is no answer");
	return tap_done();
}
