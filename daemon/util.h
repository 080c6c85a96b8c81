/* util: small checks on untrusted strings shared by several modules. */
#ifndef NOMD_UTIL_H
#define NOMD_UTIL_H

#include <glib.h>

/* email_valid, email_key, msgid_valid: shared with the parsers, which
 * depend on nothing in daemon/. */
#include "../parsers/address.h"

/* `bytes` random bytes from the kernel as lower-case hex: references and
 * tokens that find records in mail nomd sent. */
char *random_hex(gsize bytes);
/* A length of time, one rule everywhere: one or more parts of digits and a
 * unit (s, m, h, d), as "90s", "15m", "1h30m", "3d"; a bare number is
 * seconds. Seconds, or -1 when `v` is not one or exceeds a year. */
gint64 duration_parse(const char *v);
/* Hex SHA-256 of a buffer. */
char *sha256_hex(const void *data, gsize len);
/* Current UTC time as ISO 8601 ("2026-11-25T14:02:03Z"). */
char *utc_now_iso(void);
char *utc_iso(gint64 unix_time); /* "2027-01-31T09:00:00Z" */
/* Whether process `pid` exists, also when it runs as another user
 * (systemd's DynamicUser=): kill(pid, 0) then fails with EPERM. */
gboolean pid_alive(gint64 pid);
/* The columns a character, and a string, take on a terminal or in a
 * monospaced text: wide characters two, marks and other zero-width
 * characters none. */
gsize unichar_width(gunichar c);
gsize text_width(const char *s);
/* `n` words as a list in prose: "A", "A and B", "A, B and C" (`last` the
 * word before the last: "and", "or"). */
char *words_joined(const char *const *words, guint n, const char *last);
/* Whether a listing's column (by name) holds numbers: JSON numbers,
 * spreadsheet numbers. */
gboolean column_is_number(const char *name);
/* Append one CSV cell (RFC 4180), made safe against formula injection. */
void csv_append_field(GString *out, const char *s);
/* Mail-supplied text fit for a terminal: valid UTF-8 without escape
 * sequences, other control characters or bidirectional overrides, which
 * could rewrite or hide what staff see. Line breaks and tabs are kept
 * when `multiline`, else become spaces. NULL for NULL. */
char *terminal_text(const char *s, gboolean multiline);
/* A character terminal_text removes: C0, DEL, C1, bidirectional controls. */
gboolean terminal_control(gunichar c);
/* A retry delay: `base` doubled `n` times, at most max(`cap`, `base`). */
gint64 backoff_ceiling(gint64 base, gint64 cap, int n);
/* A delay picked at random in [ceiling / 2, ceiling] of backoff_ceiling(),
 * so that many clients (or many queued mails) never retry in step. */
gint64 backoff_jittered(gint64 base, gint64 cap, int n);
/* Read a secret from a file: the first line, without its line ending. */
gboolean read_secret_file(const char *path, char **out, GError **error);

#endif
