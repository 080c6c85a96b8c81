/* Unit tests: reading reply and forward prefixes and nomd's tokens off a
 * Subject line. */
#include "../../parsers/subject.h"
#include "tap.h"

int main(void)
{
	static const struct {
		const char *in, *out, *name;
	} clean[] = {
		{ "Form", "Form", "no prefix: unchanged" },
		{ "Re: Form", "Form", "one Re:" },
		{ "RE: re:Re:  Form", "Form", "several, any case, with and without blanks" },
		{ "Fwd: Fw: FWD: status", "status", "forward prefixes too" },
		{ "Re: Fwd: RE:\tWITHDRAW a@b.example", "WITHDRAW a@b.example", "mixed, a tab after one" },
		{ "  \tRe:  Yes", "Yes", "blanks before the first prefix" },
		{ "Re:", "", "a prefix alone: nothing left" },
		{ "", "", "empty" },
		{ "Regarding Form", "Regarding Form", "a word that starts like a prefix is kept" },
		{ "Fwdx: Form", "Fwdx: Form", "an unknown prefix is kept" },
		{ "Form Re: x", "Form Re: x", "a prefix later in the subject is kept" },
		{ "AW: Form", "AW: Form", "AW: is not a prefix we strip" },
	};
	for (size_t i = 0; i < G_N_ELEMENTS(clean); i++)
		is_str(subject_clean(clean[i].in), clean[i].out, "subject_clean: %s", clean[i].name);
	is_str(subject_clean(NULL), "", "subject_clean: NULL reads as empty");
	const char *s = "Re: Form";
	ok(subject_clean(s) == s + 4, "subject_clean points into the subject, no copy");

	static const struct {
		const char *in, *word, *out, *name;
	} tokens[] = {
		{ "Re: Welcome [ref 0123456789AB]", "ref", "0123456789ab", "a reference, lower-cased" },
		{ "Re: x [REF:deadbeef]", "ref", "deadbeef", "case of the word, a colon" },
		{ "Re: x [ref 1234567]", "ref", NULL, "seven digits: too short" },
		{ "Re: x [ref 0123456789abcdef0123456789abcdef0]", "ref", NULL, "33 digits: too long" },
		{ "Re: x [ref 0123456789ag]", "ref", NULL, "not hex" },
		{ "Re: x [ref 0123456789ab", "ref", NULL, "no closing bracket" },
		{ "Re: x [confirm aaaabbbbccccdddd]", "ref", NULL, "another word" },
		{ "[x] Re: [confirm aaaabbbbccccdddd]", "confirm", "aaaabbbbccccdddd", "the second bracket" },
	};
	for (size_t i = 0; i < G_N_ELEMENTS(tokens); i++) {
		g_autofree char *t = subject_token(tokens[i].in, tokens[i].word);
		is_str(t, tokens[i].out, "subject_token: %s", tokens[i].name);
	}
	g_autofree char *none = subject_token(NULL, "ref");
	ok(none == NULL, "subject_token: no subject, no token");
	return tap_done();
}
