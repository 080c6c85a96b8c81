/* subject: see subject.h. */
#include "subject.h"

#include <string.h>

static const char *skip_blanks(const char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	return s;
}

const char *subject_clean(const char *subject)
{
	static const char *const prefixes[] = { "fwd:", "re:", "fw:" };
	const char *s = skip_blanks(subject ? subject : "");
	for (gboolean more = TRUE; more;) {
		more = FALSE;
		for (size_t i = 0; i < G_N_ELEMENTS(prefixes); i++) {
			size_t n = strlen(prefixes[i]);
			if (g_ascii_strncasecmp(s, prefixes[i], n) == 0) {
				s = skip_blanks(s + n);
				more = TRUE;
				break;
			}
		}
	}
	return s;
}

char *subject_token(const char *subject, const char *word)
{
	size_t n = strlen(word);
	for (const char *p = subject; p && (p = strchr(p, '[')); p++) {
		if (g_ascii_strncasecmp(p + 1, word, n) != 0)
			continue;
		const char *q = p + 1 + n;
		while (*q == ' ' || *q == ':')
			q++;
		const char *start = q;
		while (g_ascii_isxdigit(*q))
			q++;
		if (*q == ']' && q - start >= 8 && q - start <= 32)
			return g_ascii_strdown(start, q - start);
	}
	return NULL;
}
