/* address: syntax checks on mail addresses and message identifiers, for
 * the parsers and the daemon alike. Depends on GLib only. */
#include "address.h"

#include <string.h>

static gboolean atext_ok(char c)
{
	/* RFC 5322 atext plus the dot; deliberately no quoted local parts. */
	return g_ascii_isalnum(c) || strchr("!#$%&'*+/=?^_`{|}~.-", c) != NULL;
}

gboolean email_valid(const char *s)
{
	if (!s)
		return FALSE;
	size_t len = strlen(s);
	if (len < 3 || len > EMAIL_MAX)
		return FALSE;
	const char *at = strchr(s, '@');
	if (!at || at == s || strchr(at + 1, '@'))
		return FALSE;
	for (const char *p = s; p < at; p++)
		if (!atext_ok(*p))
			return FALSE;
	if (s[0] == '.' || at[-1] == '.' || strstr(s, ".."))
		return FALSE;
	const char *dom = at + 1;
	size_t dlen = strlen(dom);
	if (dlen < 3 || !strchr(dom, '.') || dom[0] == '.' || dom[0] == '-' || dom[dlen - 1] == '.' ||
	    dom[dlen - 1] == '-')
		return FALSE;
	for (const char *p = dom; *p; p++)
		if (!(g_ascii_isalnum(*p) || *p == '-' || *p == '.'))
			return FALSE;
	return TRUE;
}

char *email_key(const char *s)
{
	return s ? g_ascii_strdown(s, -1) : NULL;
}

/* dot-atom-text: atext runs joined by single dots. */
static gboolean dot_atom(const char *s, size_t len)
{
	if (len == 0 || s[0] == '.' || s[len - 1] == '.')
		return FALSE;
	for (size_t i = 0; i < len; i++) {
		if (s[i] == '.' ? s[i + 1] == '.' : !atext_ok(s[i]))
			return FALSE;
	}
	return TRUE;
}

gboolean msgid_valid(const char *s)
{
	if (!s)
		return FALSE;
	size_t len = strlen(s);
	if (len < 3 || len > MSGID_MAX)
		return FALSE;
	/* RFC 5322 msg-id: dot-atom-text "@" (dot-atom-text / "[" dtext "]"),
	 * which is also what GMime writes back unchanged. */
	const char *at = strrchr(s, '@');
	if (!at || !dot_atom(s, at - s))
		return FALSE;
	const char *right = at + 1;
	size_t rlen = strlen(right);
	if (rlen >= 2 && right[0] == '[' && right[rlen - 1] == ']') {
		for (size_t i = 1; i + 1 < rlen; i++)
			if (right[i] <= ' ' || right[i] >= 0x7f || strchr("[]\\", right[i]))
				return FALSE;
		return TRUE;
	}
	return dot_atom(right, rlen);
}
