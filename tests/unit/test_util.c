/* Unit tests: text from mail made fit for a terminal, and lengths of time
 * (daemon/util.c). */
#include <string.h>

#include "../../daemon/util.h"
#include "tap.h"

static void shows(const char *in, gboolean multiline, const char *want, const char *what)
{
	g_autofree char *got = terminal_text(in, multiline);
	is_str(got, want, "%s", what);
}

/* No byte a terminal acts on: C0 (but those allowed), DEL, C1 in UTF-8. */
static gboolean inert(const char *s, gboolean multiline)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if ((*p < 0x20 && !(multiline && (*p == '\n' || *p == '\t'))) || *p == 0x7f)
			return FALSE;
		if (*p == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f)
			return FALSE;
	}
	return g_utf8_validate(s, -1, NULL);
}

int main(void)
{
	shows("Ann O'Neill", FALSE, "Ann O'Neill", "plain text unchanged");
	shows("Siân Jones – Cymraeg", FALSE, "Siân Jones – Cymraeg", "UTF-8 letters and dashes unchanged");
	shows("Eve\x1b[2J\x1b[H Smith", FALSE, "Eve Smith", "CSI sequences (clear screen, cursor home) removed whole");
	shows("Eve\x1b[38;2;255;0;0mRed\x1b[0m", FALSE, "EveRed", "colour sequences with parameters removed");
	shows("a\x1b]0;pwned title\x07"
	      "b",
	      FALSE, "ab", "OSC (window title) up to BEL removed");
	shows("a\x1b]8;;https://evil.example/\x1b\\link\x1b]8;;\x1b\\b", FALSE, "alinkb",
	      "OSC 8 hyperlinks up to ST removed, the text kept");
	shows("a\x1bPq#0;2;0;0;0\x1b\\b", FALSE, "ab", "DCS removed");
	shows("a\x1b(0b\x1b"
	      "7c",
	      FALSE, "abc", "charset and save-cursor escapes removed");
	shows("a\xc2\x9b"
	      "31mb",
	      FALSE, "ab", "C1 CSI (U+009B) removed with its parameters");
	shows("a\xc2\x9d"
	      "0;t\xc2\x9c"
	      "b",
	      FALSE, "ab", "C1 OSC up to C1 ST removed");
	shows("a\xc2\x85"
	      "b\x7f"
	      "c\x08"
	      "d\x07"
	      "e\r",
	      FALSE, "abcde", "NEL, DEL, BS, BEL, CR removed");
	shows("a\xe2\x80\xae"
	      "cba\xe2\x81\xa9",
	      FALSE, "acba", "bidirectional overrides removed");
	shows("line 1\nline\t2", FALSE, "line 1 line 2", "one line: breaks and tabs become spaces");
	shows("line 1\nline\t2\r\n", TRUE, "line 1\nline\t2\n", "multiline: breaks and tabs kept, CR removed");
	shows("bad \x9b"
	      "31m byte",
	      FALSE,
	      "bad \xef\xbf\xbd"
	      "31m byte",
	      "a raw 0x9B byte (CSI to a Latin-1 terminal) becomes U+FFFD");
	shows("trailing\x1b", FALSE, "trailing", "a lone ESC at the end removed");
	shows("unterminated\x1b]0;title", FALSE, "unterminated", "an unterminated OSC swallows only its own text");
	ok(terminal_text(NULL, FALSE) == NULL, "NULL stays NULL");
	/* Every byte value, alone and after ESC: nothing active comes out. */
	gboolean all_inert = TRUE;
	for (int b = 1; b < 256; b++) {
		char in[8] = { 'x', (char)b, 'y', '\x1b', (char)b, 'z', 0 };
		g_autofree char *one = terminal_text(in, FALSE);
		g_autofree char *many = terminal_text(in, TRUE);
		if (!inert(one, FALSE) || !inert(many, TRUE)) {
			printf("# byte 0x%02x left something active\n", b);
			all_inert = FALSE;
		}
	}
	ok(all_inert, "no byte value, alone or after ESC, leaves a control character");

	/* One duration rule for the configuration and for nomctl. */
	static const struct {
		const char *in;
		gint64 want;
	} durations[] = {
		{ "90", 90 },
		{ "90s", 90 },
		{ "15m", 900 },
		{ "2h", 7200 },
		{ "3d", 259200 },
		{ "1h30m", 5400 },
		{ "1d12h", 129600 },
		{ "0", 0 },
		{ "", -1 },
		{ "h", -1 },
		{ "1h30", -1 },
		{ "-5m", -1 },
		{ "5 m", -1 },
		{ "5x", -1 },
		{ "2hh", -1 },
		{ "367d", -1 },
		{ "99999999999999999999", -1 },
	};
	for (size_t i = 0; i < G_N_ELEMENTS(durations); i++)
		ok(duration_parse(durations[i].in) == durations[i].want, "duration '%s' is %" G_GINT64_FORMAT,
		   durations[i].in, durations[i].want);
	ok(duration_parse(NULL) == -1, "no duration is -1");
	{
		const char *w[] = { "Angus", "Fife", "Moray" };
		g_autofree char *one = words_joined(w, 1, "and");
		g_autofree char *two = words_joined(w, 2, "or");
		g_autofree char *three = words_joined(w, 3, "and");
		ok(g_str_equal(one, "Angus") && g_str_equal(two, "Angus or Fife") &&
			   g_str_equal(three, "Angus, Fife and Moray"),
		   "words_joined: one, two, three");
	}
	return tap_done();
}
