/* answer: the YES/NO reader (rules in answer.h). Works on slices of the
 * caller's text, never past ANSWER_MAX_TEXT bytes, and allocates nothing. */
#include "answer.h"

#include <string.h>

#define ANSWER_WORDS 5	   /* the longest phrase, "i would give it 4" */
#define ANSWER_WORD_MAX 16 /* longer words match nothing, so need not be kept */

struct span {
	const char *p;
	gsize len;
};

enum kind {
	KIND_OTHER,
	KIND_YES,
	KIND_NO,
	KIND_GREETING,
	KIND_MET,
	KIND_NOT_YET,
	KIND_GOOD,
	KIND_OK,
	KIND_HELP,
	KIND_RATING_1, /* ... to KIND_RATING_1 + 4 */
};

/* clang-format off */
/* First match wins, so the exceptions come before "no". */
static const struct {
	const char *words; /* lower case, one space between words */
	enum kind kind;
} phrases[] = {
	/* "No problem, count me in" agrees: better asked again than dropped. */
	{ "no problem", KIND_OTHER }, { "no worries", KIND_OTHER },

	{ "yes", KIND_YES }, { "y", KIND_YES }, { "yeah", KIND_YES }, { "yep", KIND_YES },
	{ "confirm", KIND_YES }, { "confirmed", KIND_YES }, { "agree", KIND_YES }, { "agreed", KIND_YES },
	{ "accept", KIND_YES }, { "accepted", KIND_YES }, { "i confirm", KIND_YES }, { "i agree", KIND_YES },
	{ "i accept", KIND_YES }, { "happy to", KIND_YES },
	/* Answers to event invitations. */
	{ "not attending", KIND_NO }, { "attend", KIND_YES }, { "attending", KIND_YES }, { "i will attend", KIND_YES },
	{ "i'll attend", KIND_YES }, { "i'll be there", KIND_YES }, { "count me in", KIND_YES },

	{ "no", KIND_NO }, { "n", KIND_NO }, { "nope", KIND_NO }, { "decline", KIND_NO }, { "declined", KIND_NO },
	{ "i decline", KIND_NO }, { "not interested", KIND_NO }, { "i do not", KIND_NO }, { "i don't", KIND_NO },
	{ "i dont", KIND_NO }, { "i can't", KIND_NO }, { "i cant", KIND_NO }, { "i cannot", KIND_NO },
	{ "unable", KIND_NO }, { "withdraw", KIND_NO }, { "please remove", KIND_NO }, { "remove me", KIND_NO },
	{ "opt out", KIND_NO }, { "cannot attend", KIND_NO }, { "can't attend", KIND_NO },
	/* Refusals as people write them: an apology or regret comes first. */
	{ "sorry no", KIND_NO }, { "sorry i can't", KIND_NO }, { "sorry i cant", KIND_NO },
	{ "sorry i cannot", KIND_NO }, { "sorry i won't", KIND_NO }, { "sorry can't", KIND_NO },
	{ "sorry cannot", KIND_NO }, { "sorry unable", KIND_NO }, { "unfortunately not", KIND_NO },
	{ "unfortunately no", KIND_NO }, { "unfortunately i can't", KIND_NO }, { "unfortunately i cannot", KIND_NO },
	{ "unfortunately i won't", KIND_NO }, { "i'm afraid not", KIND_NO }, { "afraid not", KIND_NO },
	{ "i'm afraid i can't", KIND_NO }, { "i'm afraid i cannot", KIND_NO }, { "i'm unable", KIND_NO },
	{ "i am unable", KIND_NO }, { "i won't be able", KIND_NO }, { "i will not be able", KIND_NO },
	{ "can't make", KIND_NO }, { "cannot make", KIND_NO },

	{ "hi", KIND_GREETING }, { "hey", KIND_GREETING }, { "hello", KIND_GREETING }, { "dear", KIND_GREETING },
	{ "good morning", KIND_GREETING }, { "good afternoon", KIND_GREETING }, { "good evening", KIND_GREETING },
	{ "thanks", KIND_GREETING }, { "thank you", KIND_GREETING }, { "many thanks", KIND_GREETING },

	/* After the greetings: "good morning" greets, "good" answers. Words
	 * of the mentoring questions; each question takes only its own. */
	{ "met", KIND_MET }, { "we met", KIND_MET }, { "we have met", KIND_MET }, { "we've met", KIND_MET },
	{ "have met", KIND_MET }, { "not yet", KIND_NOT_YET }, { "not met", KIND_NOT_YET },
	{ "we haven't met", KIND_NOT_YET }, { "we have not met", KIND_NOT_YET }, { "notyet", KIND_NOT_YET },
	{ "not good", KIND_HELP }, { "not great", KIND_HELP }, { "not well", KIND_HELP },
	{ "not so good", KIND_HELP }, { "help", KIND_HELP }, { "struggling", KIND_HELP },
	{ "good", KIND_GOOD }, { "great", KIND_GOOD }, { "very good", KIND_GOOD }, { "going well", KIND_GOOD },
	{ "really well", KIND_GOOD }, { "excellent", KIND_GOOD },
	{ "ok", KIND_OK }, { "okay", KIND_OK }, { "fine", KIND_OK }, { "alright", KIND_OK }, { "so so", KIND_OK },
	{ "1", KIND_RATING_1 }, { "2", KIND_RATING_1 + 1 }, { "3", KIND_RATING_1 + 2 }, { "4", KIND_RATING_1 + 3 },
	{ "5", KIND_RATING_1 + 4 }, { "one", KIND_RATING_1 }, { "two", KIND_RATING_1 + 1 },
	{ "three", KIND_RATING_1 + 2 }, { "four", KIND_RATING_1 + 3 }, { "five", KIND_RATING_1 + 4 },
};

/* Words that may come before a rating: "Rating: 4", "I'd give it 4". */
static const char *const rating_leads[] = {
	"rating", "score", "i'd give it", "i would give it", "i give it", "i'd say", "i would say",
};
/* clang-format on */

/* The next line of text[0, n) from *pos, without its LF, CRLF or CR. */
static gboolean next_line(const char *text, gsize n, gsize *pos, struct span *line)
{
	if (*pos >= n)
		return FALSE;
	const char *s = text + *pos;
	gsize rest = n - *pos, i = 0;
	while (i < rest && s[i] != '\n' && s[i] != '\r')
		i++;
	*line = (struct span){ s, i };
	if (i < rest && s[i] == '\r')
		i++;
	if (i < rest && s[i] == '\n') /* after the CR of a CRLF, or alone */
		i++;
	*pos += i;
	return TRUE;
}

static struct span trim(struct span s)
{
	while (s.len && g_ascii_isspace(s.p[0]))
		s.p++, s.len--;
	while (s.len && g_ascii_isspace(s.p[s.len - 1]))
		s.len--;
	return s;
}

static gboolean starts_ci(struct span s, const char *prefix)
{
	gsize n = strlen(prefix);
	return s.len >= n && g_ascii_strncasecmp(s.p, prefix, n) == 0;
}

static gboolean ends_ci(struct span s, const char *suffix)
{
	gsize n = strlen(suffix);
	return s.len >= n && g_ascii_strncasecmp(s.p + s.len - n, suffix, n) == 0;
}

/* "From:", "*Sent:*" and the like: Outlook's header lines, bold or not. */
static gboolean header_named(struct span s, const char *name)
{
	s = trim(s);
	while (s.len && s.p[0] == '*')
		s.p++, s.len--;
	return starts_ci(s, name);
}

/* "-----Original Message-----", "-------- Original Message --------". */
static gboolean original_message(struct span s)
{
	static const char mid[] = "original message";
	gsize i = 0, dashes = 0;
	while (i < s.len && s.p[i] == '-')
		i++;
	if (i < 2)
		return FALSE;
	while (i < s.len && s.p[i] == ' ')
		i++;
	if (s.len - i < sizeof mid - 1 || g_ascii_strncasecmp(s.p + i, mid, sizeof mid - 1) != 0)
		return FALSE;
	for (i += sizeof mid - 1; i < s.len && s.p[i] == ' '; i++)
		;
	for (; i < s.len && s.p[i] == '-'; i++)
		dashes++;
	return dashes >= 2 && i == s.len;
}

/* Whether line, which ends at pos, starts quoted history or a signature. */
static gboolean history_starts(const char *text, gsize n, gsize pos, struct span line)
{
	struct span t = trim(line), next;
	if (t.len && t.p[0] == '>')
		return TRUE;
	if (line.len >= 2 && line.p[0] == '-' && line.p[1] == '-' &&
	    trim((struct span){ line.p + 2, line.len - 2 }).len == 0)
		return TRUE;
	gsize underscores = 0;
	while (underscores < t.len && t.p[underscores] == '_')
		underscores++;
	if (t.len >= 10 && underscores == t.len)
		return TRUE;
	if (original_message(t))
		return TRUE;
	if (starts_ci(t, "on ")) {
		gsize at = pos;
		return ends_ci(t, "wrote:") || (next_line(text, n, &at, &next) && ends_ci(trim(next), "wrote:"));
	}
	if (header_named(line, "from:")) {
		gsize at = pos;
		for (int k = 0; k < 4 && next_line(text, n, &at, &next); k++)
			if (header_named(next, "sent:") || header_named(next, "date:") || header_named(next, "to:") ||
			    header_named(next, "subject:"))
				return TRUE;
	}
	return FALSE;
}

/* The character at p (before end) and its length; invalid bytes are one
 * opaque character, (gunichar)-1. */
static gunichar char_at(const char *p, const char *end, gsize *step)
{
	gunichar c = g_utf8_get_char_validated(p, end - p);
	if (c == (gunichar)-1 || c == (gunichar)-2) {
		*step = 1;
		return (gunichar)-1;
	}
	*step = g_utf8_skip[*(const guchar *)p];
	return c;
}

static gboolean word_char(gunichar c)
{
	return c == (gunichar)-1 || c == '\'' || c == 0x2019 || g_unichar_isalnum(c);
}

static gboolean blank(struct span s)
{
	gsize step;
	for (const char *p = s.p, *end = s.p + s.len; p < end; p += step) {
		gunichar c = char_at(p, end, &step);
		if (c == (gunichar)-1 || (!g_unichar_isspace(c) && g_unichar_type(c) != G_UNICODE_FORMAT))
			return FALSE;
	}
	return TRUE;
}

/* The first words of a line, ASCII lower case, ’ as ', apostrophes at the
 * ends dropped ("'Yes'"); returns how many. */
static int first_words(struct span s, char words[ANSWER_WORDS][ANSWER_WORD_MAX])
{
	const char *p = s.p, *end = s.p + s.len;
	int count = 0;
	gsize step;
	while (p < end && count < ANSWER_WORDS) {
		gunichar c = char_at(p, end, &step);
		if (!word_char(c)) {
			p += step;
			continue;
		}
		char *w = words[count++];
		gsize len = 0;
		gboolean fits = TRUE;
		for (; p < end && word_char(c = char_at(p, end, &step)); p += step) {
			gsize add = c == 0x2019 ? 1 : step;
			if (len + add >= ANSWER_WORD_MAX) {
				fits = FALSE;
				continue;
			}
			if (c == 0x2019)
				w[len++] = '\'';
			else if (c < 0x80)
				w[len++] = g_ascii_tolower(*p);
			else
				memcpy(w + len, p, step), len += step;
		}
		gsize start = 0;
		while (len && w[len - 1] == '\'')
			len--;
		while (start < len && w[start] == '\'')
			start++;
		memmove(w, w + start, len - start);
		w[len - start] = '\0';
		if (!fits)
			strcpy(w, "#"); /* never a word of a phrase */
	}
	return count;
}

static gboolean phrase_matches(const char *phrase, char words[ANSWER_WORDS][ANSWER_WORD_MAX], int count)
{
	for (int i = 0; *phrase; i++) {
		gsize n = strcspn(phrase, " ");
		if (i >= count || strlen(words[i]) != n || memcmp(words[i], phrase, n) != 0)
			return FALSE;
		phrase += n + (phrase[n] == ' ');
	}
	return TRUE;
}

/* The kind of the first words of `line`; for a rating, also after one of
 * rating_leads. */
static enum kind judge(struct span line, enum question q)
{
	char words[ANSWER_WORDS][ANSWER_WORD_MAX];
	int count = first_words(line, words);
	for (gsize i = 0; i < G_N_ELEMENTS(phrases); i++)
		if (phrase_matches(phrases[i].words, words, count))
			return phrases[i].kind;
	if (q != QUESTION_RATING)
		return KIND_OTHER;
	for (gsize i = 0; i < G_N_ELEMENTS(rating_leads); i++) {
		if (!phrase_matches(rating_leads[i], words, count))
			continue;
		int skip = 1;
		for (const char *p = rating_leads[i]; *p; p++)
			skip += *p == ' ';
		for (gsize k = 0; skip < count && k < G_N_ELEMENTS(phrases); k++)
			if (phrases[k].kind >= KIND_RATING_1 && phrases[k].kind <= KIND_RATING_1 + 4 &&
			    strcmp(phrases[k].words, words[skip]) == 0)
				return phrases[k].kind;
	}
	return KIND_OTHER;
}

/* What a kind of words answers to question `q`: a meeting asked about is
 * also answered by yes and no. */
static enum answer answer_of(enum kind kind, enum question q)
{
	switch (q) {
	case QUESTION_CONSENT: return kind == KIND_YES ? ANSWER_YES : kind == KIND_NO ? ANSWER_NO : ANSWER_NONE;
	case QUESTION_MEETING:
		return kind == KIND_MET || kind == KIND_YES	 ? ANSWER_MET
		       : kind == KIND_NOT_YET || kind == KIND_NO ? ANSWER_NOT_YET
								 : ANSWER_NONE;
	case QUESTION_CHECKIN:
		return kind == KIND_GOOD   ? ANSWER_GOOD
		       : kind == KIND_OK   ? ANSWER_OK
		       : kind == KIND_HELP ? ANSWER_HELP
					   : ANSWER_NONE;
	case QUESTION_RATING:
		return kind >= KIND_RATING_1 && kind <= KIND_RATING_1 + 4 ? ANSWER_RATING_1 + (kind - KIND_RATING_1)
									  : ANSWER_NONE;
	}
	return ANSWER_NONE;
}

/* The first line of the person's own text that is not blank nor a
 * greeting (at most two skipped); FALSE when history comes first. */
static gboolean first_line(const char *text, gsize n, enum question q, struct span *out, enum kind *kind)
{
	gsize pos = 0;
	int greetings = 0;
	struct span line;
	while (next_line(text, n, &pos, &line)) {
		if (history_starts(text, n, pos, line))
			return FALSE;
		if (blank(line))
			continue;
		*kind = judge(line, q);
		if (*kind == KIND_GREETING && greetings++ < 2)
			continue;
		*out = line;
		return TRUE;
	}
	return FALSE;
}

enum answer answer_read_to(const char *text, enum question q)
{
	if (!text)
		return ANSWER_NONE;
	struct span line;
	enum kind kind = KIND_OTHER;
	if (!first_line(text, strnlen(text, ANSWER_MAX_TEXT), q, &line, &kind))
		return ANSWER_NONE;
	return answer_of(kind, q);
}

enum answer answer_read(const char *text)
{
	return answer_read_to(text, QUESTION_CONSENT);
}

char *answer_own_text(const char *text, gsize max)
{
	GString *out = g_string_new(NULL);
	gsize n = text ? strnlen(text, ANSWER_MAX_TEXT) : 0, pos = 0;
	struct span line;
	while (next_line(text, n, &pos, &line) && !history_starts(text, n, pos, line)) {
		line = trim(line);
		if (!line.len)
			continue;
		if (out->len)
			g_string_append_c(out, ' ');
		g_string_append_len(out, line.p, line.len);
	}
	/* Cut on a character, never inside one; invalid bytes become U+FFFD,
	 * control characters spaces (the words reach staff's screens). */
	g_autofree char *valid = g_utf8_make_valid(out->str, out->len);
	g_string_free(out, TRUE);
	for (char *p = valid; *p; p++)
		if ((guchar)*p < 0x20 || *p == 0x7f)
			*p = ' ';
	if (g_utf8_strlen(valid, -1) > (glong)max) {
		char *cut = g_utf8_offset_to_pointer(valid, (glong)max);
		*cut = '\0';
		return g_strconcat(valid, "…", NULL);
	}
	return g_steal_pointer(&valid);
}

const char *answer_name(enum answer a)
{
	static const char *const names[] = {
		[ANSWER_NONE] = "none",	     [ANSWER_YES] = "yes",	   [ANSWER_NO] = "no",
		[ANSWER_MET] = "met",	     [ANSWER_NOT_YET] = "not_yet", [ANSWER_GOOD] = "good",
		[ANSWER_OK] = "ok",	     [ANSWER_HELP] = "help",	   [ANSWER_RATING_1] = "1",
		[ANSWER_RATING_1 + 1] = "2", [ANSWER_RATING_1 + 2] = "3",  [ANSWER_RATING_1 + 3] = "4",
		[ANSWER_RATING_1 + 4] = "5",
	};
	G_STATIC_ASSERT(G_N_ELEMENTS(names) == ANSWER_COUNT);
	return (unsigned)a < ANSWER_COUNT ? names[a] : "none";
}

gboolean answer_from_name(const char *name, enum answer *out)
{
	for (int a = 0; name && a < ANSWER_COUNT; a++)
		if (strcmp(name, answer_name(a)) == 0) {
			*out = a;
			return TRUE;
		}
	return FALSE;
}
