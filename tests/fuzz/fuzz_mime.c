/* fuzz_mime: libFuzzer target for the MIME walk alone, parsers/mime.h.
 *
 * One input is the raw bytes of one fetched message; mime_parse() reads it
 * and every field of the result is checked against what mime.h promises:
 *
 *   - subject never NULL, one line (no control bytes), valid UTF-8, at most
 *     MIME_MAX_SUBJECT bytes; the other header values (Auto-Submitted,
 *     Precedence, Return-Path, X-Auto-Response-Suppress, the DSN's Action
 *     and Status, the limit hit) one line, valid UTF-8, capped;
 *   - message_id, in_reply_to, every reference and dsn_message_id pass
 *     msgid_valid(); at most MIME_MAX_REFERENCES references;
 *   - from and dsn_recipient pass email_valid(); from is set only when
 *     exactly one mailbox in one From header claims authorship;
 *   - text valid UTF-8, at most MIME_MAX_TEXT bytes; at most
 *     MIME_MAX_AUTH_RESULTS Authentication-Results, each one line;
 *   - at most MIME_MAX_CSV_PARTS spreadsheets of at most MIME_MAX_CSV bytes,
 *     at most MIME_MAX_CALENDAR_PARTS calendar parts of at most
 *     MIME_MAX_CALENDAR bytes; lists never NULL;
 *   - a message GMime could not parse carries nothing; a "Fwd:" subject
 *     marks a forward;
 *   - parsing is deterministic: one input in eight is parsed twice and the
 *     two results must agree (GMime keeps global state: a cache or option
 *     that leaks from one message into the next would show here);
 *   - memory is bounded before parsing: one input in sixteen is grown to
 *     about 1 MiB by repeating its tail (the first byte says where the
 *     tail starts: a boundary line, a header field, an address...), and
 *     the parse of it may hold at most MEM_BOUND live heap bytes. A flood
 *     of 1 MiB of empty parts took 200 MB before the pre-scan.
 *
 * A GLib critical (failed precondition) is a crash too. Replay an input:
 *   build/fuzz/fuzz_mime FILE */
#define FUZZ_TARGET "fuzz_mime"
#include "fuzz_common.h"

#include "../../daemon/util.h"
#include "../../parsers/mime.h"

static void check_one_line(const char *what, const char *s, gsize cap)
{
	if (!s)
		return;
	fuzz_check_utf8(what, s);
	CHECK(strlen(s) <= cap, "%s is %zu bytes, over its cap of %zu", what, strlen(s), (size_t)cap);
	for (const char *p = s; *p; p++)
		CHECK((unsigned char)*p >= 0x20 && *p != 0x7f, "%s holds control byte 0x%02x", what, (unsigned char)*p);
}

static void check_msgid(const char *what, const char *id)
{
	if (!id)
		return;
	CHECK(strlen(id) <= MSGID_MAX, "%s is %zu bytes", what, strlen(id));
	CHECK(msgid_valid(id), "%s fails msgid_valid: %s", what, id);
}

static void check_parts(const char *what, const GPtrArray *parts, guint max_parts, gsize cap)
{
	CHECK(parts != NULL, "%s list is NULL", what);
	CHECK(parts->len <= max_parts, "%u %s parts kept, over %u", parts->len, what, max_parts);
	for (guint i = 0; i < parts->len; i++) {
		CHECK(parts->pdata[i] != NULL, "%s part %u is NULL", what, i);
		CHECK(g_bytes_get_size(parts->pdata[i]) <= cap, "%s part of %zu bytes, over %zu", what,
		      g_bytes_get_size(parts->pdata[i]), (size_t)cap);
	}
}

static void check_message(const struct parsed_message *m)
{
	CHECK(m != NULL, "mime_parse returned NULL");
	CHECK(m->subject != NULL, "subject is NULL");
	CHECK(m->references != NULL && m->auth_results != NULL, "a list is NULL");
	check_one_line("subject", m->subject, MIME_MAX_SUBJECT);
	if (*m->subject)
		CHECK(!g_ascii_isspace(m->subject[0]) && !g_ascii_isspace(m->subject[strlen(m->subject) - 1]),
		      "subject not trimmed: \"%s\"", m->subject);
	check_one_line("limit", m->limit, 300);
	check_one_line("auto_submitted", m->auto_submitted, 300);
	check_one_line("precedence", m->precedence, 300);
	check_one_line("return_path", m->return_path, 300);
	check_one_line("suppress", m->suppress, 300);
	check_one_line("dsn_action", m->dsn_action, 300);
	check_one_line("dsn_status", m->dsn_status, 300);

	check_msgid("message_id", m->message_id);
	check_msgid("in_reply_to", m->in_reply_to);
	check_msgid("dsn_message_id", m->dsn_message_id);
	CHECK(m->references->len <= MIME_MAX_REFERENCES, "%u references kept", m->references->len);
	for (guint i = 0; i < m->references->len; i++)
		check_msgid("reference", m->references->pdata[i]);

	if (m->dsn_recipient) {
		CHECK(strlen(m->dsn_recipient) <= EMAIL_MAX, "dsn_recipient is %zu bytes", strlen(m->dsn_recipient));
		CHECK(email_valid(m->dsn_recipient), "dsn_recipient fails email_valid: %s", m->dsn_recipient);
	}
	if (m->from) {
		CHECK(strlen(m->from) <= EMAIL_MAX, "from is %zu bytes", strlen(m->from));
		CHECK(email_valid(m->from), "from fails email_valid: %s", m->from);
		CHECK(m->from_count == 1, "from set with %u mailboxes in From", m->from_count);
		CHECK(m->from_headers <= 1, "from set with %u From headers", m->from_headers);
	}

	CHECK(m->auth_results->len <= MIME_MAX_AUTH_RESULTS, "%u Authentication-Results kept", m->auth_results->len);
	for (guint i = 0; i < m->auth_results->len; i++)
		check_one_line("Authentication-Results", m->auth_results->pdata[i], 2000);
	check_parts("spreadsheet", m->csv, MIME_MAX_CSV_PARTS, MIME_MAX_CSV);
	check_parts("calendar", m->calendar, MIME_MAX_CALENDAR_PARTS, MIME_MAX_CALENDAR);

	if (m->text) {
		fuzz_check_utf8("text", m->text);
		CHECK(strlen(m->text) <= MIME_MAX_TEXT, "text is %zu bytes, over MIME_MAX_TEXT", strlen(m->text));
	}
	if (!m->parsed)
		CHECK(!m->from && !m->message_id && !m->in_reply_to && !m->text && !m->auto_submitted &&
			      !m->precedence && !m->return_path && !m->dsn_recipient && !m->dsn_message_id &&
			      !*m->subject && m->references->len == 0 && m->auth_results->len == 0 &&
			      m->csv->len == 0 && m->calendar->len == 0 && m->from_count == 0,
		      "a message GMime could not parse carries fields");
	static const char *const fwd[] = { "fwd:", "fw:" };
	for (size_t i = 0; i < G_N_ELEMENTS(fwd); i++)
		if (g_ascii_strncasecmp(m->subject, fwd[i], strlen(fwd[i])) == 0)
			CHECK(m->forwarded, "subject \"%s\" but not marked forwarded", m->subject);
}

static gboolean same_bytes_list(const GPtrArray *a, const GPtrArray *b)
{
	if (a->len != b->len)
		return FALSE;
	for (guint i = 0; i < a->len; i++)
		if (!g_bytes_equal(a->pdata[i], b->pdata[i]))
			return FALSE;
	return TRUE;
}

static gboolean same_str_list(const GPtrArray *a, const GPtrArray *b)
{
	if (a->len != b->len)
		return FALSE;
	for (guint i = 0; i < a->len; i++)
		if (g_strcmp0(a->pdata[i], b->pdata[i]) != 0)
			return FALSE;
	return TRUE;
}

static void check_same(const struct parsed_message *a, const struct parsed_message *b)
{
#define SAME_STR(f) CHECK(g_strcmp0(a->f, b->f) == 0, "parsed twice, " #f " differs: %s / %s", a->f, b->f)
#define SAME_INT(f) CHECK(a->f == b->f, "parsed twice, " #f " differs: %d / %d", (int)a->f, (int)b->f)
	SAME_INT(parsed);
	SAME_STR(limit);
	SAME_STR(message_id);
	SAME_STR(from);
	SAME_INT(from_count);
	SAME_INT(from_headers);
	SAME_STR(subject);
	SAME_STR(in_reply_to);
	SAME_STR(auto_submitted);
	SAME_STR(precedence);
	SAME_STR(return_path);
	SAME_STR(suppress);
	SAME_INT(autoreply_header);
	SAME_INT(is_report);
	SAME_STR(text);
	SAME_INT(text_from_html);
	SAME_INT(forwarded);
	SAME_STR(dsn_recipient);
	SAME_STR(dsn_action);
	SAME_STR(dsn_status);
	SAME_STR(dsn_message_id);
	CHECK(same_str_list(a->references, b->references), "parsed twice, references differ");
	CHECK(same_str_list(a->auth_results, b->auth_results), "parsed twice, Authentication-Results differ");
	CHECK(same_bytes_list(a->csv, b->csv), "parsed twice, spreadsheets differ");
	CHECK(same_bytes_list(a->calendar, b->calendar), "parsed twice, calendar parts differ");
#undef SAME_STR
#undef SAME_INT
}

#define GROWN_SIZE (1024 * 1024)
/* The message itself, GMime's copy, what is decoded, and what the caps in
 * mime_scan.h let GMime build (256 KiB of addresses are the costliest). */
#define MEM_BOUND(len) (4 * (len) + 32 * 1024 * 1024)

/* data[1..k) once, then data[k..size) until GROWN_SIZE, k from data[0]. */
static GByteArray *grown(const uint8_t *data, size_t size)
{
	size_t k = 1 + (size_t)data[0] * (size - 1) / 256;
	GByteArray *out = g_byte_array_sized_new(GROWN_SIZE + size);
	g_byte_array_append(out, data + 1, k - 1);
	guint start = out->len;
	g_byte_array_append(out, data + k, size - k);
	/* Doubling the repeats: sized above, so the source never moves. */
	while (out->len < GROWN_SIZE)
		g_byte_array_append(out, out->data + start, MIN(out->len - start, GROWN_SIZE - out->len));
	return out;
}

static void check_memory(const uint8_t *data, size_t size)
{
	g_autoptr(GByteArray) big = grown(data, size);
	fuzz_heap_begin();
	parsed_message *m = mime_parse((const char *)big->data, big->len);
	size_t peak = fuzz_heap_peak();
	check_message(m);
	parsed_message_free(m);
	CHECK(peak <= MEM_BOUND((size_t)big->len), "a message of %u bytes took %zu bytes of heap to parse, over %zu",
	      big->len, peak, (size_t)MEM_BOUND((size_t)big->len));
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fuzz_common_init();
	mime_init();
	/* The empty and absent message: a result, nothing in it. */
	g_autoptr(parsed_message) none = mime_parse(NULL, 0);
	check_message(none);
	CHECK(!none->parsed, "mime_parse(NULL, 0) parsed something");
	g_autoptr(parsed_message) empty = mime_parse("", 0);
	check_message(empty);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* libFuzzer hands over a buffer of exactly `size` bytes: ASan sees a
	 * read past the end of the message. */
	g_autoptr(parsed_message) m = mime_parse((const char *)data, size);
	check_message(m);
	if ((size & 7) == 0) {
		g_autoptr(parsed_message) again = mime_parse((const char *)data, size);
		check_same(m, again);
	}
	if ((size & 15) == 11)
		check_memory(data, size);
	return 0;
}
