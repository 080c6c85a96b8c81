/* util: checks on untrusted strings, hashing, time, processes. */
#include "util.h"

#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/random.h>

gint64 duration_parse(const char *v)
{
	if (!v || !*v)
		return -1;
	gint64 total = 0;
	for (const char *p = v; *p;) {
		if (!g_ascii_isdigit(*p))
			return -1;
		char *end = NULL;
		gint64 n = g_ascii_strtoll(p, &end, 10);
		if (n > 366 * 86400)
			return -1;
		gint64 unit;
		switch (*end) {
		case '\0':
			if (p != v)
				return -1; /* "1h30": the last part needs its unit too */
			unit = 1;
			break;
		case 's': unit = 1; break;
		case 'm': unit = 60; break;
		case 'h': unit = 3600; break;
		case 'd': unit = 86400; break;
		default: return -1;
		}
		total += n * unit;
		if (total > 366 * 86400)
			return -1;
		p = *end ? end + 1 : end;
	}
	return total;
}

char *sha256_hex(const void *data, gsize len)
{
	return g_compute_checksum_for_data(G_CHECKSUM_SHA256, data, len);
}

char *utc_now_iso(void)
{
	g_autoptr(GDateTime) now = g_date_time_new_now_utc();
	return g_date_time_format(now, "%Y-%m-%dT%H:%M:%SZ");
}

char *utc_iso(gint64 unix_time)
{
	g_autoptr(GDateTime) t = g_date_time_new_from_unix_utc(unix_time);
	return g_date_time_format(t, "%Y-%m-%dT%H:%M:%SZ");
}

gboolean read_secret_file(const char *path, char **out, GError **error)
{
	g_autofree char *text = NULL;
	gsize len = 0;
	if (!g_file_get_contents(path, &text, &len, error))
		return FALSE;
	if (memchr(text, '\0', len)) {
		g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_INVAL, "%s: contains a NUL byte", path);
		return FALSE;
	}
	text[strcspn(text, "\r\n")] = '\0';
	if (!*text) {
		g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_INVAL, "%s: is empty", path);
		return FALSE;
	}
	*out = g_steal_pointer(&text);
	return TRUE;
}

/* One CSV cell: quoted when needed; a cell a spreadsheet would run as a
 * formula (= + - @) is prefixed with '. */
void csv_append_field(GString *out, const char *s)
{
	if (!s)
		return;
	/* A cell starting with = + - @ would be run as a formula by a spreadsheet. */
	gboolean formula = strchr("=+-@\t\r", s[0]) != NULL && s[0] != '\0';
	if (!formula && !strpbrk(s, ",\"\r\n")) {
		g_string_append(out, s);
		return;
	}
	g_string_append_c(out, '"');
	if (formula)
		g_string_append_c(out, '\'');
	for (const char *p = s; *p; p++) {
		if (*p == '"')
			g_string_append_c(out, '"');
		g_string_append_c(out, *p);
	}
	g_string_append_c(out, '"');
}

gint64 backoff_ceiling(gint64 base, gint64 cap, int n)
{
	gint64 d = base;
	for (int i = 0; i < n && d < cap; i++)
		d *= 2;
	return MIN(d, MAX(cap, base));
}

gint64 backoff_jittered(gint64 base, gint64 cap, int n)
{
	gint64 d = backoff_ceiling(base, cap, n);
	return d / 2 + g_random_int_range(0, (gint32)(d / 2) + 1);
}

gboolean pid_alive(gint64 pid)
{
	return pid > 0 && (kill((pid_t)pid, 0) == 0 || errno == EPERM);
}

char *random_hex(gsize bytes)
{
	g_autofree guint8 *b = g_malloc(bytes);
	if (getrandom(b, bytes, 0) != (ssize_t)bytes)
		for (gsize i = 0; i < bytes; i++)
			b[i] = (guint8)g_random_int();
	GString *s = g_string_sized_new(bytes * 2);
	for (gsize i = 0; i < bytes; i++)
		g_string_append_printf(s, "%02x", b[i]);
	return g_string_free(s, FALSE);
}

/* After ESC: the string sequences (OSC, DCS, SOS, PM, APC) that run to a
 * terminator, as against CSI and the short ones. */
static gboolean string_introducer(gunichar c)
{
	return c == ']' || c == 'P' || c == 'X' || c == '^' || c == '_';
}

/* Past a CSI's parameters and its final byte. */
static const char *skip_csi(const char *p)
{
	while (*p >= 0x20 && *p <= 0x3f)
		p++;
	return *p >= 0x40 && *p <= 0x7e ? p + 1 : p;
}

/* Past a string sequence's text and its terminator (BEL or ST). */
static const char *skip_string(const char *p)
{
	while (*p) {
		gunichar c = g_utf8_get_char(p);
		p = g_utf8_next_char(p);
		if (c == 0x07 || c == 0x9c)
			break;
		if (c == 0x1b && *p == '\\')
			return p + 1;
	}
	return p;
}

gboolean terminal_control(gunichar c)
{
	/* C0, DEL, C1; then the bidirectional controls. */
	return c < 0x20 || (c >= 0x7f && c <= 0x9f) || (c >= 0x202a && c <= 0x202e) || (c >= 0x2066 && c <= 0x2069) ||
	       c == 0x200e || c == 0x200f || c == 0x061c;
}

char *terminal_text(const char *s, gboolean multiline)
{
	if (!s)
		return NULL;
	g_autofree char *text = g_utf8_make_valid(s, -1);
	GString *out = g_string_sized_new(strlen(text));
	for (const char *p = text; *p;) {
		gunichar c = g_utf8_get_char(p);
		p = g_utf8_next_char(p);
		if (c == 0x1b && *p == '[') {
			p = skip_csi(p + 1);
		} else if (c == 0x1b && string_introducer((unsigned char)*p)) {
			p = skip_string(p + 1);
		} else if (c == 0x1b) {
			/* ESC, intermediates, one final byte: charset and mode changes. */
			while (*p >= 0x20 && *p <= 0x2f)
				p++;
			if (*p >= 0x30 && *p <= 0x7e)
				p++;
		} else if (c == 0x9b) {
			p = skip_csi(p);
		} else if (c == 0x90 || c == 0x98 || c == 0x9d || c == 0x9e || c == 0x9f) {
			p = skip_string(p);
		} else if (c == '\n' || c == '\t') {
			g_string_append_c(out, multiline ? (char)c : ' ');
		} else if (!terminal_control(c)) {
			g_string_append_unichar(out, c);
		}
	}
	return g_string_free(out, FALSE);
}

gboolean column_is_number(const char *name)
{
	static const char *const numeric[] = {
		"years",    "size",	   "attempts",	  "id",	     "score",	 "capacity",	     "invited",
		"accepted", "declined",	   "tentative",	  "waiting", "sequence", "duration_minutes", "members",
		"mentors",  "max_members", "max_mentors", "rating"
	};
	for (size_t i = 0; i < G_N_ELEMENTS(numeric); i++)
		if (strcmp(name, numeric[i]) == 0)
			return TRUE;
	return FALSE;
}

gsize unichar_width(gunichar c)
{
	return g_unichar_iszerowidth(c) ? 0 : g_unichar_iswide(c) ? 2 : 1;
}

gsize text_width(const char *s)
{
	gsize width = 0;
	for (const char *p = s; p && *p; p = g_utf8_next_char(p))
		width += unichar_width(g_utf8_get_char(p));
	return width;
}

char *words_joined(const char *const *words, guint n, const char *last)
{
	GString *s = g_string_new(NULL);
	for (guint i = 0; i < n; i++) {
		if (i > 0 && i + 1 == n)
			g_string_append_printf(s, " %s ", last);
		else if (i > 0)
			g_string_append(s, ", ");
		g_string_append(s, words[i]);
	}
	return g_string_free(s, FALSE);
}
