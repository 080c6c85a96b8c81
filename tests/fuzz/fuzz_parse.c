/* fuzz_parse: libFuzzer target for nomd's parse-and-validate step.
 *
 * One input is the raw bytes of one fetched message. It goes through what
 * ingest_apply() does with it, with an in-memory state instead of SQLite:
 *
 *   mime_parse -> form_parse (+ spreadsheet rows) -> decide -> reply_text
 *   -> compose_mail; then the decision is "committed" to the state and
 *   the same message is decided again, as a second copy (same Message-ID)
 *   and as a resend (new Message-ID).
 *
 * Every step's output is checked; a broken invariant prints what broke on
 * stderr and calls __builtin_trap(), which libFuzzer reports as a crash.
 *
 *   - parsed message: every string is valid UTF-8; header values are one
 *     line; Message-ID, References and From passed their validators; the
 *     caps in mime.h hold.
 *   - form: valid UTF-8, values trimmed, capped, without line breaks; at
 *     most FORM_MAX_NOMINEES nominees.
 *   - decision, against the rules stated in decide.h: codes are known and
 *     distinct; held and ignored mail, automatic mail, our own mail, mail
 *     from anyone but a configured nominator and mail past the hourly
 *     reply limit is never answered; an
 *     answer goes to a nominator of the organisation decided for; the
 *     outcome agrees with the verdicts; reasons are the distinct verdict
 *     codes in order; an accepted nominee has a name and a valid, unique
 *     address not held by another organisation; "amended" means the
 *     organisation already had that address; totals add up and never pass
 *     the quota; a command judges no nominee.
 *   - the second copy of a recorded Message-ID is held as
 *     repeated_message; a resend of the same form (new Message-ID) takes
 *     no new place, accepts only amendments and leaves the totals alone.
 *   - reply: UTF-8 text with no unfilled placeholder; compose_mail does
 *     not refuse it; the mail is strict CRLF, 7-bit, no NUL, lines of at
 *     most 998 bytes, only the headers nomd writes, each once (nothing from
 *     the message can add Bcc: or anything else); and it reads back with
 *     GMime addressed to the sender alone, from the programme, threaded to
 *     the message, with the subject and the body nomd wrote.
 *
 * The state is fresh for every input so that a crash file reproduces on its
 * own. The configuration is written to a temporary folder and loaded once,
 * in three variants chosen by the input's length (open; closed for
 * nominations; requiring DKIM/DMARC authentication). Templates come from
 * $NOMD_SOURCE/templates or the source tree the binary sits in. */
#include <glib/gstdio.h>
#include <gmime/gmime.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "../../daemon/compose.h"
#include "../../daemon/config.h"
#include "../../daemon/decide.h"
#include "../../daemon/log.h"
#include "../../daemon/origin.h"
#include "../../daemon/reply.h"
#include "../../daemon/util.h"
#include "../../parsers/form.h"
#include "../../parsers/gmime_glue.h"
#include "../../parsers/mime.h"
#if __has_include("../../parsers/csv.h")
#include "../../parsers/csv.h"
#define HAVE_CSV 1
#endif

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FAIL(...)                                                                                                      \
	do {                                                                                                           \
		fprintf(stderr, "fuzz_parse: invariant violated at %s:%d: ", __FILE__, __LINE__);                      \
		fprintf(stderr, __VA_ARGS__);                                                                          \
		fprintf(stderr, "\n");                                                                                 \
		fflush(stderr);                                                                                        \
		__builtin_trap();                                                                                      \
	} while (0)

#define CHECK(cond, ...)                                                                                               \
	do {                                                                                                           \
		if (!(cond))                                                                                           \
			FAIL(__VA_ARGS__);                                                                             \
	} while (0)

/* A check with a name can be switched off while its bug is being fixed,
 * to look for others: NOMD_FUZZ_IGNORE="reply-body,resend" (the names are
 * those of CHECK_NAMED below; "critical:PREFIX" lets a GLib critical whose
 * message starts with PREFIX pass). */
static char **ignored_checks;

static gboolean check_ignored(const char *name)
{
	return ignored_checks && g_strv_contains((const char *const *)ignored_checks, name);
}

#define CHECK_NAMED(name, cond, ...)                                                                                   \
	do {                                                                                                           \
		if (!(cond) && !check_ignored(name))                                                                   \
			FAIL("[" name "] " __VA_ARGS__);                                                               \
	} while (0)

/* ---- the fixed world every input is decided against ---------------------- */

/* Senders of the sample mail in tests/data and of the seeds are nominators,
 * so mutations of real forms reach the rules rather than "not_authorised". */
static const char config_common[] =
	"imap = { host = \"imap.invalid\"; user = \"u\"; password = \"p\"; };\n"
	"smtp = { url = \"smtp://smtp.invalid\";\n"
	"         from = \"Local Government Connect Network <connect@example.org>\"; };\n"
	"organisations = (\n"
	"  { id = \"fife\"; name = \"Fife Council\"; kind = \"council\";\n"
	"    nominators = [ \"ce@fife.example\", \"chief.executive@fife.example\" ];\n"
	"    domains = [ \"fife.example\" ]; },\n"
	"  { id = \"highland\"; name = \"The Highland Council\";\n"
	"    nominators = [ \"chief.executive@highland.example\" ]; domains = [ \"highland.example\" ]; },\n"
	"  { id = \"stirling\"; name = \"Stirling Council\";\n"
	"    nominators = [ \"chief.executive@stirling.example\" ]; },\n"
	"  { id = \"angus\"; name = \"Angus Council\";\n"
	"    nominators = [ \"ce@angus.example\", \"both@x.example\" ];\n"
	"    domains = [ \"angus.example\", \"x.example\" ]; },\n"
	"  { id = \"moray\"; name = \"The Moray Council\"; nominators = [ \"both@x.example\" ]; },\n"
	"  { id = \"eilean-siar\"; name = \"Comhairle nan Eilean Siar\";\n"
	"    nominators = [ \"ce@eilean-siar.example\" ]; },\n"
	"  { id = \"improvement-service\"; name = \"Improvement Service\"; kind = \"partner\"; nominators = [ ]; }\n"
	");\n";

enum variant { V_OPEN, V_CLOSED, V_AUTH, V_COUNT };

static const char *const variant_programme[V_COUNT] = {
	[V_OPEN] = "programme = { name = \"Local Government Connect Network\"; max_members = 3; max_mentors = 2;\n"
		   "  closes = \"2027-01-31\"; };\n",
	[V_CLOSED] = "programme = { name = \"Local Government Connect Network\"; max_members = 3; max_mentors = 2;\n"
		     "  closes = \"2026-11-01T17:00:00Z\"; };\n",
	[V_AUTH] = "programme = { name = \"Local Government Connect Network\"; max_members = 3; max_mentors = 2;\n"
		   "  require_authentication = true; trusted_authserv_id = \"mx.example.org\"; };\n",
};

/* When every message arrives: 2026-11-24T10:00:00Z. */
#define RECEIVED ((gint64)1795514400)

/* Nominees accepted before the message arrives: some room, none, a
 * nominee held by another organisation, one that can be amended. */
static const struct {
	const char *email, *name, *org, *role, *service_type;
} initial_nominees[] = {
	{ "taken@fife.example", "Taken Already", "angus", "member", "corporate" },
	{ "priya.nair@fife.example", "Priya Nair", "fife", "member", "operational" },
	{ "alex.morgan@fife.example", "Alex Morgan", "fife", "mentor", NULL },
	{ "mentor.one@highland.example", "Mentor One", "highland", "mentor", "strategic" },
	{ "s1@stirling.example", "S One", "stirling", "member", "corporate" },
	{ "s2@stirling.example", "S Two", "stirling", "member", "corporate" },
	{ "s3@stirling.example", "S Three", "stirling", "member", NULL },
	{ "s4@stirling.example", "S Four", "stirling", "mentor", NULL },
	{ "s5@stirling.example", "S Five", "stirling", "mentor", NULL },
	{ "a1@angus.example", "A One", "angus", "member", "strategic" },
};
/* A Message-ID already recorded, and mail we sent (for bounces). */
static const char *const initial_msgids[] = { "seen@fife.example", NULL };
static const char *const initial_sent[] = { "reply-1@example.org", "01-fife-reply@example.org", NULL };

static struct nomd_config *cfgs[V_COUNT];
static struct nomd_config *cfg; /* the variant of the current input */
static struct reply_templates *templates;

/* ---- the in-memory state (what the store keeps in SQLite) ----------------- */

struct entry {
	char *name, *org, *role, *service_type;
};

static void entry_free(struct entry *e)
{
	g_free(e->name);
	g_free(e->org);
	g_free(e->role);
	g_free(e->service_type);
	g_free(e);
}

static struct entry *entry_new(const char *name, const char *org, const char *role, const char *service_type)
{
	struct entry *e = g_new0(struct entry, 1);
	e->name = g_strdup(name);
	e->org = g_strdup(org);
	e->role = g_strdup(role);
	e->service_type = service_type && *service_type ? g_strdup(service_type) : NULL;
	return e;
}

/* A new callback in decide_state would be NULL here and crash at its first
 * call: fail the build instead, so that the fake state learns it. */
_Static_assert(sizeof(struct decide_state) == 12 * sizeof(void *) + sizeof(gint64),
	       "struct decide_state changed: give the fake state in tests/fuzz/fuzz_parse.c the new callbacks");

struct fake_state {
	GHashTable *replies;	/* lower-cased address -> replies in the last hour */
	GHashTable *nominees;	/* lower-cased address -> struct entry */
	GHashTable *msgids;	/* Message-IDs of recorded messages */
	GHashTable *sent;	/* Message-IDs of mail we sent */
	gboolean forget_msgids; /* answer message_known() with FALSE: a resend */
};

static struct fake_state *fake_new(void)
{
	struct fake_state *f = g_new0(struct fake_state, 1);
	f->replies = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	/* One nominator is past the hourly reply limit (default 10). */
	g_hash_table_insert(f->replies, g_strdup("ce@angus.example"), GINT_TO_POINTER(10));
	f->nominees = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, (GDestroyNotify)entry_free);
	f->msgids = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	f->sent = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	for (size_t i = 0; i < G_N_ELEMENTS(initial_nominees); i++)
		g_hash_table_insert(f->nominees, g_strdup(initial_nominees[i].email),
				    entry_new(initial_nominees[i].name, initial_nominees[i].org,
					      initial_nominees[i].role, initial_nominees[i].service_type));
	for (const char *const *m = initial_msgids; *m; m++)
		g_hash_table_add(f->msgids, g_strdup(*m));
	for (const char *const *m = initial_sent; *m; m++)
		g_hash_table_add(f->sent, g_strdup(*m));
	return f;
}

static void fake_free(struct fake_state *f)
{
	g_hash_table_unref(f->replies);
	g_hash_table_unref(f->nominees);
	g_hash_table_unref(f->msgids);
	g_hash_table_unref(f->sent);
	g_free(f);
}

struct counts {
	int members, mentors;
};

static struct counts fake_counts(const struct fake_state *f, const char *org_id)
{
	struct counts c = { 0, 0 };
	GHashTableIter it;
	gpointer k, v;
	g_hash_table_iter_init(&it, f->nominees);
	while (g_hash_table_iter_next(&it, &k, &v)) {
		const struct entry *e = v;
		if (strcmp(e->org, org_id) != 0)
			continue;
		if (strcmp(e->role, "mentor") == 0)
			c.mentors++;
		else
			c.members++;
	}
	return c;
}

static void cb_summary(void *ctx, const char *org_id, struct org_summary *out)
{
	struct fake_state *f = ctx;
	CHECK(org_id != NULL, "summary() asked with a NULL organisation");
	struct counts c = fake_counts(f, org_id);
	*out = (struct org_summary){ .members = c.members, .mentors = c.mentors };
	out->service_types = g_ptr_array_new_with_free_func(g_free);
	GHashTableIter it;
	gpointer k, v;
	g_hash_table_iter_init(&it, f->nominees);
	while (g_hash_table_iter_next(&it, &k, &v)) {
		const struct entry *e = v;
		if (strcmp(e->org, org_id) != 0 || !e->service_type)
			continue;
		out->typed++;
		gboolean listed = FALSE;
		for (guint i = 0; i < out->service_types->len; i++)
			listed |= strcmp(out->service_types->pdata[i], e->service_type) == 0;
		if (!listed)
			g_ptr_array_add(out->service_types, g_strdup(e->service_type));
	}
}

static gboolean cb_email_owner(void *ctx, const char *key, char **org_id, char **role)
{
	struct fake_state *f = ctx;
	CHECK(key != NULL, "email_owner() asked with NULL");
	/* The store keys addresses lower-cased; decide must ask that way. */
	g_autofree char *low = g_ascii_strdown(key, -1);
	CHECK(strcmp(low, key) == 0, "email_owner() asked with a key that is not lower-case: %s", key);
	const struct entry *e = g_hash_table_lookup(f->nominees, key);
	*org_id = e ? g_strdup(e->org) : NULL;
	*role = e ? g_strdup(e->role) : NULL;
	return e != NULL;
}

/* Every nomination was sent by someone else: where that matters (anyone
 * may send), the rules must refuse to change it, never crash. */
static char *cb_nominated_by(void *ctx, const char *key)
{
	struct fake_state *f = ctx;
	CHECK(key != NULL, "nominated_by() asked with NULL");
	return g_hash_table_contains(f->nominees, key) ? g_strdup("someone.else@example.net") : NULL;
}

static int cb_choice_count(void *ctx, const char *org_id, const char *field_id, const char *choice,
			   const char *except_key)
{
	(void)ctx;
	(void)except_key;
	CHECK(org_id && field_id && choice, "choice_count() asked with NULL");
	return 1;
}

static gboolean cb_message_known(void *ctx, const char *message_id)
{
	struct fake_state *f = ctx;
	CHECK(message_id != NULL, "message_known() asked with NULL");
	return !f->forget_msgids && g_hash_table_contains(f->msgids, message_id);
}

static gboolean cb_sent_by_us(void *ctx, const char *message_id)
{
	struct fake_state *f = ctx;
	CHECK(message_id != NULL, "sent_by_us() asked with NULL");
	return g_hash_table_contains(f->sent, message_id);
}

/* No question to a pair was ever sent here: their answers are fuzzed
 * through answer_read_to() and answer_own_text() directly. */
static gboolean cb_ask_target(void *ctx, const char *token, const char *const *ids, guint n, struct ask_target *out)
{
	return FALSE;
}

/* No welcome was ever sent here: consent answers are fuzzed through
 * answer_read() directly. */
static gboolean cb_consent_target(void *ctx, const char *token, const char *const *ids, guint n,
				  struct consent_target *out)
{
	return FALSE;
}

/* No command waits for confirmation: a reply with a token is refused. */
static gboolean cb_confirmation(void *ctx, const char *token, struct confirm_target *out)
{
	return FALSE;
}

/* No invitations either: calendar parts are fuzzed through ical_read_reply(). */
static gboolean cb_invitation(void *ctx, const char *uid, const char *attendee, const char *const *ids, guint n,
			      struct rsvp_target *out)
{
	return FALSE;
}

static int cb_recent_replies(void *ctx, const char *address)
{
	struct fake_state *f = ctx;
	CHECK(address != NULL, "recent_replies() asked with NULL");
	g_autofree char *key = g_ascii_strdown(address, -1);
	return GPOINTER_TO_INT(g_hash_table_lookup(f->replies, key));
}

/* What ingest commits: the message (any outcome), accepted and amended
 * nominees, a withdrawal. */
static void fake_commit(struct fake_state *f, const struct parsed_message *msg, const struct decision *d)
{
	if (msg->message_id)
		g_hash_table_add(f->msgids, g_strdup(msg->message_id));
	if (d->reply) {
		g_autofree char *key = g_ascii_strdown(msg->from, -1);
		int n = GPOINTER_TO_INT(g_hash_table_lookup(f->replies, key));
		g_hash_table_insert(f->replies, g_steal_pointer(&key), GINT_TO_POINTER(n + 1));
	}
	for (guint i = 0; i < d->verdicts->len; i++) {
		const struct verdict *v = &g_array_index(d->verdicts, struct verdict, i);
		if (v->reason)
			continue;
		const struct nominee *n = v->nominee;
		g_hash_table_insert(f->nominees, email_key(n->email),
				    entry_new(n->name, d->org->id, form_role_name(n->role), n->service_type));
	}
	if (d->command == CMD_WITHDRAW && d->withdraw) {
		g_autofree char *key = email_key(d->withdraw);
		g_hash_table_remove(f->nominees, key);
	}
}

/* The organisation's nominees as ingest lists them for STATUS. */
static GPtrArray *fake_status_list(const struct fake_state *f, const char *org_id)
{
	GPtrArray *list = g_ptr_array_new_with_free_func((GDestroyNotify)status_entry_free);
	g_autoptr(GList) keys = g_hash_table_get_keys(f->nominees);
	keys = g_list_sort(keys, (GCompareFunc)strcmp);
	for (GList *l = keys; l; l = l->next) {
		const struct entry *e = g_hash_table_lookup(f->nominees, l->data);
		if (strcmp(e->org, org_id) != 0)
			continue;
		struct status_entry *se = g_new0(struct status_entry, 1);
		se->role = g_strdup(e->role);
		se->name = g_strdup(e->name ? e->name : "");
		se->email = g_strdup(l->data);
		g_ptr_array_add(list, se);
	}
	return list;
}

/* ---- invariants on the parsed message and the form ------------------------ */

static void check_utf8(const char *what, const char *s)
{
	if (s)
		CHECK(g_utf8_validate(s, -1, NULL), "%s is not valid UTF-8", what);
}

static void check_one_line(const char *what, const char *s, gsize cap)
{
	if (!s)
		return;
	check_utf8(what, s);
	CHECK(strlen(s) <= cap, "%s is %zu bytes, over its cap of %zu", what, strlen(s), (size_t)cap);
	for (const char *p = s; *p; p++)
		CHECK((unsigned char)*p >= 0x20 && *p != 0x7f, "%s holds control byte 0x%02x", what, (unsigned char)*p);
}

static void check_message(const struct parsed_message *m)
{
	CHECK(m != NULL, "mime_parse returned NULL");
	CHECK(m->subject != NULL, "subject is NULL");
	CHECK(m->references != NULL && m->auth_results != NULL && m->csv != NULL, "a list is NULL");
	check_one_line("subject", m->subject, MIME_MAX_SUBJECT);
	check_one_line("limit", m->limit, 300);
	check_one_line("auto_submitted", m->auto_submitted, 300);
	check_one_line("precedence", m->precedence, 300);
	check_one_line("return_path", m->return_path, 300);
	check_one_line("suppress", m->suppress, 300);
	check_one_line("dsn_action", m->dsn_action, 300);
	check_one_line("dsn_status", m->dsn_status, 300);
	if (m->message_id)
		CHECK(msgid_valid(m->message_id), "message_id fails msgid_valid: %s", m->message_id);
	if (m->dsn_message_id)
		CHECK(msgid_valid(m->dsn_message_id), "dsn_message_id fails msgid_valid: %s", m->dsn_message_id);
	if (m->dsn_recipient)
		CHECK(email_valid(m->dsn_recipient), "dsn_recipient fails email_valid: %s", m->dsn_recipient);
	if (m->from) {
		CHECK(email_valid(m->from), "from fails email_valid: %s", m->from);
		CHECK(m->from_count == 1, "from set with from_count %u", m->from_count);
	}
	CHECK(m->references->len <= MIME_MAX_REFERENCES, "%u references kept", m->references->len);
	for (guint i = 0; i < m->references->len; i++)
		CHECK(msgid_valid(m->references->pdata[i]), "reference fails msgid_valid: %s",
		      (const char *)m->references->pdata[i]);
	CHECK(m->auth_results->len <= MIME_MAX_AUTH_RESULTS, "%u Authentication-Results kept", m->auth_results->len);
	for (guint i = 0; i < m->auth_results->len; i++)
		check_one_line("Authentication-Results", m->auth_results->pdata[i], 2000);
	CHECK(m->csv->len <= MIME_MAX_CSV_PARTS, "%u spreadsheets kept", m->csv->len);
	for (guint i = 0; i < m->csv->len; i++)
		CHECK(g_bytes_get_size(m->csv->pdata[i]) <= MIME_MAX_CSV, "spreadsheet of %zu bytes",
		      g_bytes_get_size(m->csv->pdata[i]));
	if (m->text) {
		check_utf8("text", m->text);
		CHECK(strlen(m->text) <= MIME_MAX_TEXT, "text is %zu bytes", strlen(m->text));
	}
	if (!m->parsed)
		CHECK(!m->from && !m->message_id && !m->text && !m->auto_submitted && m->references->len == 0 &&
			      m->csv->len == 0,
		      "unparsed message carries fields");
}

static void check_value(const char *what, const char *v)
{
	if (!v)
		return;
	check_utf8(what, v);
	CHECK_NAMED("form-value-cap", strlen(v) <= FORM_MAX_VALUE, "%s is %zu bytes, over FORM_MAX_VALUE", what,
		    strlen(v));
	CHECK(!strpbrk(v, "\r\n"), "%s holds a line break", what);
	if (*v)
		CHECK_NAMED("form-value-trim", !g_ascii_isspace(v[0]) && !g_ascii_isspace(v[strlen(v) - 1]),
			    "%s is not trimmed: \"%s\"", what, v);
}

static void check_form(const struct form *f)
{
	CHECK(f != NULL && f->nominees != NULL, "form_parse returned no form");
	check_value("organisation", f->organisation);
	CHECK(f->nominees->len <= FORM_MAX_NOMINEES, "%u nominees", f->nominees->len);
	for (guint i = 0; i < f->nominees->len; i++) {
		const struct nominee *n = f->nominees->pdata[i];
		CHECK(n != NULL, "NULL nominee");
		CHECK(n->role == ROLE_MEMBER || n->role == ROLE_MENTOR, "bad role %d", n->role);
		check_value("name", n->name);
		check_value("email", n->email);
		check_value("job_title", n->job_title);
		check_value("service", n->service);
		check_value("service_type", n->service_type);
		check_value("aspiration", n->aspiration);
		check_value("expertise", n->expertise);
		check_value("location", n->location);
		check_value("format", n->format);
		CHECK(n->years >= -1 && n->years <= 80, "years %d", n->years);
	}
}

/* ---- the decision against the rules in decide.h --------------------------- */

static gboolean known_code(const char *c)
{
	/* reason_text() gives back the code itself for a code it does not know. */
	return c && reason_text(c) != c && strcmp(reason_text(c), c) != 0;
}

static gboolean in_list(const GPtrArray *list, const char *code)
{
	for (guint i = 0; i < list->len; i++)
		if (strcmp(list->pdata[i], code) == 0)
			return TRUE;
	return FALSE;
}

static gboolean automatic_by_headers(const struct parsed_message *m)
{
	if (m->is_report)
		return TRUE;
	if (m->auto_submitted && *m->auto_submitted && g_ascii_strcasecmp(m->auto_submitted, "no") != 0)
		return TRUE;
	if (m->precedence &&
	    (g_ascii_strcasecmp(m->precedence, "bulk") == 0 || g_ascii_strcasecmp(m->precedence, "junk") == 0 ||
	     g_ascii_strcasecmp(m->precedence, "list") == 0 || g_ascii_strcasecmp(m->precedence, "auto_reply") == 0))
		return TRUE;
	if (m->return_path && (strcmp(m->return_path, "<>") == 0 || strcmp(m->return_path, "") == 0))
		return TRUE;
	return FALSE;
}

static guint nominator_orgs(const char *from)
{
	guint n = 0;
	for (guint i = 0; from && i < cfg->organisations->len; i++)
		n += config_is_nominator(cfg->organisations->pdata[i], from);
	return n;
}

static void check_codes(const struct decision *d)
{
	for (guint i = 0; i < d->reasons->len; i++) {
		CHECK(known_code(d->reasons->pdata[i]), "unknown reason code %s", (const char *)d->reasons->pdata[i]);
		for (guint j = 0; j < i; j++)
			CHECK(strcmp(d->reasons->pdata[i], d->reasons->pdata[j]) != 0, "reason %s listed twice",
			      (const char *)d->reasons->pdata[i]);
	}
	for (guint i = 0; i < d->warnings->len; i++) {
		CHECK(known_code(d->warnings->pdata[i]), "unknown warning code %s",
		      (const char *)d->warnings->pdata[i]);
		for (guint j = 0; j < i; j++)
			CHECK(strcmp(d->warnings->pdata[i], d->warnings->pdata[j]) != 0, "warning %s listed twice",
			      (const char *)d->warnings->pdata[i]);
	}
}

/* `st` is the state as decide saw it. */
static void check_decision(const struct parsed_message *m, const struct form *f, const struct fake_state *st,
			   const struct decision *d)
{
	CHECK(d != NULL && d->reasons != NULL && d->warnings != NULL && d->verdicts != NULL,
	      "decide returned an incomplete decision");
	CHECK(strcmp(outcome_name(d->outcome), "?") != 0, "outcome %d", (int)d->outcome);
	check_codes(d);

	if (d->outcome == OUTCOME_HELD || d->outcome == OUTCOME_IGNORED) {
		CHECK(!d->reply, "%s message is answered", outcome_name(d->outcome));
		CHECK(d->verdicts->len == 0, "%s message has %u verdicts", outcome_name(d->outcome), d->verdicts->len);
		CHECK(d->command == CMD_NONE, "%s message runs a command", outcome_name(d->outcome));
		CHECK(d->reasons->len == 1, "%s message with %u reasons", outcome_name(d->outcome), d->reasons->len);
	}
	if (!m->parsed)
		CHECK(d->outcome == OUTCOME_HELD && in_list(d->reasons, REASON_UNPARSEABLE), "unparsed mail not held");

	/* No backscatter, no mail loops. */
	if (d->reply) {
		CHECK(m->from && email_valid(m->from), "answer to a sender without a valid address");
		CHECK(nominator_orgs(m->from) > 0, "answer to %s, who nominates for no organisation", m->from);
		CHECK(!automatic_by_headers(m), "automatic mail (report, Auto-Submitted, Precedence or null "
						"Return-Path) is answered");
		CHECK(g_ascii_strcasecmp(m->from, cfg->smtp.from_address) != 0, "our own mail is answered");
		CHECK(!m->limit, "mail past the MIME limits (%s) is answered", m->limit);
		CHECK(m->from_headers == 1 && m->from_count == 1,
		      "mail with %u From fields and %u mailboxes is answered", m->from_headers, m->from_count);
		if (cfg->programme.require_authentication) {
			/* At least a result from the trusted server must be there,
			 * above the Received fields the message came with. */
			gboolean trusted = FALSE;
			for (guint i = 0; i < m->auth_results->len; i++)
				trusted |= m->auth_trace[i] <= (guint)cfg->programme.own_received_headers &&
					   g_ascii_strncasecmp(m->auth_results->pdata[i],
							       cfg->programme.trusted_authserv_id,
							       strlen(cfg->programme.trusted_authserv_id)) == 0;
			CHECK(trusted, "answered without Authentication-Results from %s",
			      cfg->programme.trusted_authserv_id);
		}
	}
	CHECK(!(d->reply && m->message_id && cb_message_known((void *)st, m->message_id)),
	      "a second copy of a recorded Message-ID is answered");
	CHECK(!(d->reply && cb_recent_replies((void *)st, m->from) >= cfg->smtp.max_replies_per_sender_per_hour),
	      "answered past the hourly reply limit for %s", m->from);
	if (d->org) {
		CHECK(m->from && config_is_nominator(d->org, m->from), "decided for %s, which %s does not nominate for",
		      d->org->id, m->from ? m->from : "(no sender)");
		CHECK(d->outcome != OUTCOME_HELD && d->outcome != OUTCOME_IGNORED, "%s with an organisation",
		      outcome_name(d->outcome));
	}

	/* Commands. */
	if (d->command != CMD_NONE) {
		CHECK(d->org != NULL, "command without an organisation");
		CHECK(d->verdicts->len == 0, "command with verdicts");
		CHECK(d->reasons->len == 1, "command with %u reasons", d->reasons->len);
		struct counts before = fake_counts(st, d->org->id);
		CHECK(d->command != CMD_WITHDRAW || !d->withdraw || origin_authenticated(cfg, m),
		      "a WITHDRAW acted on without authentication or a confirmation");
		if (d->command == CMD_WITHDRAW_PENDING) {
			g_autofree char *key = email_key(d->withdraw);
			const struct entry *e = key ? g_hash_table_lookup(st->nominees, key) : NULL;
			CHECK(e && strcmp(e->org, d->org->id) == 0 && in_list(d->reasons, REASON_CONFIRM_REQUESTED) &&
				      d->reply == !origin_suppresses_reply(m),
			      "a confirmation asked for %s, not a nominee of %s", d->withdraw, d->org->id);
		}
		if (d->command == CMD_WITHDRAW && d->withdraw) {
			CHECK(d->outcome == OUTCOME_ACCEPTED && in_list(d->reasons, REASON_CMD_WITHDRAW),
			      "withdrawal not accepted");
			g_autofree char *key = email_key(d->withdraw);
			const struct entry *e = g_hash_table_lookup(st->nominees, key);
			CHECK(e && strcmp(e->org, d->org->id) == 0, "withdraws %s, not a nominee of %s", d->withdraw,
			      d->org->id);
			gboolean mentor = strcmp(e->role, "mentor") == 0;
			CHECK(d->members == before.members - !mentor && d->mentors == before.mentors - mentor,
			      "totals %d/%d after withdrawing one of %d/%d", d->members, d->mentors, before.members,
			      before.mentors);
		} else {
			CHECK(d->members == before.members && d->mentors == before.mentors,
			      "a command moved the totals");
		}
		return;
	}
	CHECK(d->withdraw == NULL, "withdraw set without a WITHDRAW command");

	if (d->verdicts->len == 0) {
		if (d->outcome != OUTCOME_HELD && d->outcome != OUTCOME_IGNORED)
			CHECK(d->outcome == OUTCOME_REJECTED && d->reasons->len == 1,
			      "%s with no verdicts and %u reasons", outcome_name(d->outcome), d->reasons->len);
		return;
	}

	/* Nominees were judged. */
	CHECK(d->org != NULL, "verdicts without an organisation");
	CHECK(d->verdicts->len == f->nominees->len, "%u verdicts for %u nominees", d->verdicts->len, f->nominees->len);
	g_autoptr(GHashTable) accepted_keys = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	g_autoptr(GPtrArray) want_reasons = g_ptr_array_new();
	struct counts before = fake_counts(st, d->org->id);
	int members = before.members, mentors = before.mentors;
	guint accepted = 0;
	for (guint i = 0; i < f->nominees->len; i++) {
		const struct verdict *v = &g_array_index(d->verdicts, struct verdict, i);
		const struct nominee *n = f->nominees->pdata[i];
		CHECK(v->nominee == n, "verdict %u is not about nominee %u", i, i);
		CHECK(v->warnings[G_N_ELEMENTS(v->warnings) - 1] == NULL, "verdict %u: warnings not NULL-terminated",
		      i);
		for (size_t w = 0; v->warnings[w]; w++)
			CHECK(known_code(v->warnings[w]) && in_list(d->warnings, v->warnings[w]),
			      "verdict %u: warning %s unknown or not in the message's list", i, v->warnings[w]);
		if (v->reason) {
			CHECK(known_code(v->reason), "verdict %u: unknown reason", i);
			CHECK(!v->amended, "refused nominee %u marked amended", i);
			CHECK(!v->warnings[0], "refused nominee %u has warnings", i);
			if (!in_list(want_reasons, v->reason))
				g_ptr_array_add(want_reasons, (gpointer)v->reason);
			continue;
		}
		accepted++;
		CHECK(n->name && *n->name && n->email && *n->email, "nominee %u accepted without a name or address", i);
		CHECK(email_valid(n->email), "nominee %u accepted with an invalid address", i);
		g_autofree char *key = email_key(n->email);
		CHECK(!g_hash_table_contains(accepted_keys, key), "nominee %u <%s> accepted twice in one message", i,
		      n->email);
		const struct entry *e = g_hash_table_lookup(st->nominees, key);
		CHECK(!e || strcmp(e->org, d->org->id) == 0, "nominee %u <%s> accepted for %s but held by %s", i,
		      n->email, d->org->id, e ? e->org : "");
		CHECK(v->amended == (e != NULL), "nominee %u: amended is %d, but the address is %s", i, v->amended,
		      e ? "known" : "new");
		g_hash_table_add(accepted_keys, g_steal_pointer(&key));
	}
	/* The quota, replayed as decide.c judges it: amendments (which may
	 * free a place by changing role) first, then new nominees. */
	for (int pass = 0; pass < 2; pass++) {
		for (guint i = 0; i < f->nominees->len; i++) {
			const struct verdict *v = &g_array_index(d->verdicts, struct verdict, i);
			const struct nominee *n = f->nominees->pdata[i];
			if (v->reason || v->amended != (pass == 0))
				continue;
			g_autofree char *key = email_key(n->email);
			const struct entry *e = g_hash_table_lookup(st->nominees, key);
			int *count = n->role == ROLE_MENTOR ? &mentors : &members;
			int limit = n->role == ROLE_MENTOR ? cfg->programme.max_mentors : cfg->programme.max_members;
			if (!e || strcmp(e->role, form_role_name(n->role)) != 0) {
				(*count)++;
				CHECK(*count <= limit ||
					      *count <= (n->role == ROLE_MENTOR ? before.mentors : before.members),
				      "nominee %u <%s> accepted over the quota of %d %ss", i, n->email, limit,
				      form_role_name(n->role));
				if (e) /* moved from the other role */
					(*(n->role == ROLE_MENTOR ? &members : &mentors))--;
			}
		}
	}
	CHECK(d->reasons->len == want_reasons->len, "%u reasons for %u distinct verdict codes", d->reasons->len,
	      want_reasons->len);
	for (guint i = 0; i < want_reasons->len; i++)
		CHECK(strcmp(d->reasons->pdata[i], want_reasons->pdata[i]) == 0, "reason %u is %s, expected %s", i,
		      (const char *)d->reasons->pdata[i], (const char *)want_reasons->pdata[i]);
	enum outcome want = accepted == f->nominees->len ? OUTCOME_ACCEPTED
			    : accepted > 0		 ? OUTCOME_PARTIAL
							 : OUTCOME_REJECTED;
	CHECK(d->outcome == want, "outcome %s with %u of %u accepted", outcome_name(d->outcome), accepted,
	      f->nominees->len);
	CHECK(d->members == members && d->mentors == mentors, "totals %d/%d, expected %d/%d", d->members, d->mentors,
	      members, mentors);
	CHECK(d->members >= 0 && d->mentors >= 0, "negative totals");
}

/* The same form sent again with a new Message-ID, after the first was
 * committed: nothing new is accepted and the totals stay. */
static void check_resend(const struct decision *first, const struct decision *again)
{
	if (in_list(first->reasons, REASON_REPEATED) || in_list(again->reasons, REASON_REPLY_LIMIT))
		return; /* the first time was already a repeat; the resend hit the reply limit */
	CHECK_NAMED("resend",
		    again->outcome == first->outcome || first->verdicts->len > 0 || first->command != CMD_NONE,
		    "resend: %s after %s", outcome_name(again->outcome), outcome_name(first->outcome));
	if (first->command != CMD_NONE || first->verdicts->len == 0)
		return;
	CHECK_NAMED("resend", again->verdicts->len == first->verdicts->len, "resend judged %u nominees, first time %u",
		    again->verdicts->len, first->verdicts->len);
	for (guint i = 0; i < again->verdicts->len; i++) {
		const struct verdict *v1 = &g_array_index(first->verdicts, struct verdict, i);
		const struct verdict *v2 = &g_array_index(again->verdicts, struct verdict, i);
		if (!v2->reason)
			CHECK_NAMED("resend", v2->amended, "resend: nominee %u <%s> takes a new place", i,
				    v2->nominee->email ? v2->nominee->email : "");
		if (!v1->reason)
			CHECK_NAMED("resend", !v2->reason, "resend: nominee %u <%s> accepted first, now %s", i,
				    v1->nominee->email ? v1->nominee->email : "", v2->reason);
	}
	CHECK_NAMED("resend", again->members == first->members && again->mentors == first->mentors,
		    "resend moves the totals from %d/%d to %d/%d", first->members, first->mentors, again->members,
		    again->mentors);
}

/* ---- the reply ------------------------------------------------------------ */

static const char *const reply_headers[] = { "From",
					     "To",
					     "Subject",
					     "Date",
					     "Message-Id",
					     "In-Reply-To",
					     "References",
					     "Auto-Submitted",
					     "MIME-Version",
					     "Content-Type",
					     "Content-Transfer-Encoding" };

/* The reply subject compose.c is meant to write (reply_subject()). */
static char *expected_subject(const char *subject)
{
	/* Any number of "Re:", "Fw:" and "Fwd:" (any case), with the blanks
	 * around them, go (written out here, not taken from subject.c). */
	const char *s = subject ? subject : "";
	for (size_t n = 1; n;) {
		while (*s == ' ' || *s == '\t')
			s++;
		n = g_ascii_strncasecmp(s, "re:", 3) == 0 || g_ascii_strncasecmp(s, "fw:", 3) == 0 ? 3
		    : g_ascii_strncasecmp(s, "fwd:", 4) == 0					   ? 4
												   : 0;
		s += n;
	}
	/* As compose.c writes it: one line, at most 150 characters, "=?"
	 * broken up so no encoded-word syntax reaches the header encoder. */
	g_autofree char *full = *s ? g_strdup_printf("Re: %s", s) : g_strdup("Re: your nominations");
	GString *safe = g_string_new(NULL);
	for (const char *p = full; *p && g_utf8_strlen(safe->str, -1) < 150; p = g_utf8_next_char(p)) {
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			g_string_append_c(safe, ' ');
		else if (p[0] == '=' && p[1] == '?')
			g_string_append(safe, "= ");
		else
			g_string_append_len(safe, p, g_utf8_next_char(p) - p);
	}
	return g_string_free(safe, FALSE);
}

/* The body compose.c is meant to send (clean_body()): no CR, no control
 * bytes but tab and newline, ending with a newline. */
static char *expected_body(const char *text)
{
	GString *out = g_string_new(NULL);
	for (const char *p = text; *p; p++)
		if (*p != '\r' && ((unsigned char)*p >= 0x20 || *p == '\n' || *p == '\t'))
			g_string_append_c(out, *p);
	if (out->len == 0 || out->str[out->len - 1] != '\n')
		g_string_append_c(out, '\n');
	return g_string_free(out, FALSE);
}

/* Runs of white space as one space, none at the ends. */
static char *squeeze(const char *s)
{
	g_auto(GStrv) words = g_strsplit_set(s ? s : "", " \t\r\n", -1);
	GString *out = g_string_new(NULL);
	for (char **w = words; *w; w++)
		if (**w)
			g_string_append_printf(out, "%s%s", out->len ? " " : "", *w);
	return g_string_free(out, FALSE);
}

static char *without_cr(const char *s)
{
	GString *out = g_string_new(NULL);
	for (const char *p = s; *p; p++)
		if (*p != '\r')
			g_string_append_c(out, *p);
	return g_string_free(out, FALSE);
}

/* The header values as written, unfolded: lower-case name -> value. */
static void add_header(GHashTable *values, const char *name, GString *value)
{
	if (!name)
		return;
	g_autofree char *squeezed = squeeze(value->str);
	g_hash_table_insert(values, g_ascii_strdown(name, -1), g_steal_pointer(&squeezed));
}

static void check_mail_bytes(const struct parsed_message *orig, const guint8 *d, gsize len)
{
	CHECK(len > 0, "empty reply");
	gsize line_start = 0, head_end = 0;
	for (gsize i = 0; i < len; i++) {
		CHECK(d[i] != 0 && d[i] <= 0x7f, "reply byte %zu is 0x%02x: not 7-bit text", i, d[i]);
		if (d[i] == '\r')
			CHECK(i + 1 < len && d[i + 1] == '\n', "bare CR at byte %zu of the reply", i);
		if (d[i] == '\n') {
			CHECK(i > 0 && d[i - 1] == '\r', "bare LF at byte %zu of the reply", i);
			CHECK(i - 1 - line_start <= 998, "reply line of %zu bytes at byte %zu", i - 1 - line_start,
			      line_start);
			if (!head_end && i - 1 == line_start)
				head_end = line_start; /* the empty line */
			line_start = i + 1;
		}
	}
	CHECK(len - line_start <= 998, "last reply line too long");
	CHECK(head_end > 0, "reply has no empty line after its headers");

	/* The header block: only nomd's own headers, each once. */
	guint seen[G_N_ELEMENTS(reply_headers)] = { 0 };
	g_autofree char *head = g_strndup((const char *)d, head_end);
	g_auto(GStrv) lines = g_strsplit(head, "\r\n", -1);
	g_autoptr(GHashTable) values = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	g_autoptr(GString) value = g_string_new(NULL);
	g_autofree char *name = NULL;
	for (guint i = 0; lines[i]; i++) {
		const char *l = lines[i];
		if (!*l && !lines[i + 1])
			break; /* the split after the final CRLF */
		CHECK(*l, "empty line inside the reply header block");
		if (*l == ' ' || *l == '\t') {
			CHECK(i > 0, "reply starts with a continuation line");
			CHECK(strspn(l, " \t") < strlen(l), "whitespace-only continuation line in the reply header");
			g_string_append(value, l);
			continue;
		}
		const char *colon = strchr(l, ':');
		if (!colon || colon == l || strcspn(l, " \t") < (size_t)(colon - l)) {
			/* Neither a field nor a continuation: a parser ends the
			 * header block here, and what follows is body. */
			CHECK_NAMED("reply-header-syntax", FALSE, "reply header line that is not a field: %.80s", l);
			continue;
		}
		add_header(values, name, value);
		g_free(name);
		name = g_strndup(l, colon - l);
		g_string_assign(value, colon + 1);
		gboolean known = FALSE;
		for (size_t k = 0; k < G_N_ELEMENTS(reply_headers); k++)
			if (g_ascii_strcasecmp(name, reply_headers[k]) == 0) {
				seen[k]++;
				known = TRUE;
			}
		CHECK(known, "header injected into the reply: %.80s", l);
	}
	add_header(values, name, value);
	for (size_t k = 0; k < G_N_ELEMENTS(reply_headers); k++) {
		gboolean threading =
			strcmp(reply_headers[k], "In-Reply-To") == 0 || strcmp(reply_headers[k], "References") == 0;
		gboolean optional = strcmp(reply_headers[k], "Content-Transfer-Encoding") == 0;
		guint want = threading ? (orig->message_id ? 1 : 0) : 1;
		if (optional)
			CHECK(seen[k] <= 1, "reply has %u %s headers", seen[k], reply_headers[k]);
		else
			CHECK(seen[k] == want, "reply has %u %s headers, expected %u", seen[k], reply_headers[k], want);
	}

	/* Threading: the identifiers nomd meant to send, as written. */
	if (orig->message_id) {
		g_autofree char *irt = g_strdup_printf("<%s>", orig->message_id);
		const char *got = g_hash_table_lookup(values, "in-reply-to");
		CHECK_NAMED("reply-threading", g_strcmp0(got, irt) == 0, "In-Reply-To written as %s, meant %s", got,
			    irt);
		GString *want = g_string_new(NULL);
		for (guint i = 0; i < orig->references->len; i++)
			g_string_append_printf(want, "<%s> ", (const char *)orig->references->pdata[i]);
		g_string_append(want, irt);
		const char *refs = g_hash_table_lookup(values, "references");
		CHECK_NAMED("reply-threading", g_strcmp0(refs, want->str) == 0, "References written as %s, meant %s",
			    refs, want->str);
		g_string_free(want, TRUE);
	}
}

static const char *mailbox_addr(InternetAddressList *list)
{
	if (!list || internet_address_list_length(list) != 1)
		return NULL;
	InternetAddress *a = internet_address_list_get_address(list, 0);
	return INTERNET_ADDRESS_IS_MAILBOX(a) ? internet_address_mailbox_get_addr(INTERNET_ADDRESS_MAILBOX(a)) : NULL;
}

/* Read the reply back as its recipient's mail program would. */
static void check_mail_reads_back(const struct parsed_message *orig, const char *text, const guint8 *d, gsize len)
{
	g_autoptr(GMimeStream) stream = g_mime_stream_mem_new_with_buffer((const char *)d, len);
	g_autoptr(GMimeParser) parser = g_mime_parser_new_with_stream(stream);
	g_autoptr(GMimeMessage) r = g_mime_parser_construct_message(parser, NULL);
	CHECK(r != NULL, "the reply does not parse as a message");

	const char *to = mailbox_addr(g_mime_message_get_to(r));
	CHECK(g_strcmp0(to, orig->from) == 0, "reply goes to %s, not the sender %s", to ? to : "(not one mailbox)",
	      orig->from);
	InternetAddressList *cc = g_mime_message_get_cc(r), *bcc = g_mime_message_get_bcc(r);
	CHECK(!cc || internet_address_list_length(cc) == 0, "reply has Cc");
	CHECK(!bcc || internet_address_list_length(bcc) == 0, "reply has Bcc");
	const char *from = mailbox_addr(g_mime_message_get_from(r));
	CHECK(g_strcmp0(from, cfg->smtp.from_address) == 0, "reply comes from %s", from ? from : "(not one mailbox)");

	GMimeObject *obj = GMIME_OBJECT(r);
	CHECK(g_strcmp0(g_mime_object_get_header(obj, "Auto-Submitted"), "auto-replied") == 0,
	      "reply not marked Auto-Submitted: auto-replied");

	g_autofree char *want_subject = expected_subject(orig->subject);
	g_autofree char *want_sq = squeeze(want_subject);
	g_autofree char *got_sq = squeeze(g_mime_message_get_subject(r));
	/* GMime's own decoder can lose characters across consecutive base64
	 * encoded-words (upstream #133), which it uses for mostly non-ASCII
	 * subjects; other readers decode them correctly (the corpus test reads
	 * replies with Python). So the round trip is compared for ASCII
	 * subjects only, which GMime writes without encoded-words. */
	gboolean ascii_only = TRUE;
	for (const char *p = want_subject; *p; p++)
		ascii_only &= (unsigned char)*p < 0x80;
	CHECK_NAMED("reply-subject", !ascii_only || strcmp(got_sq, want_sq) == 0,
		    "reply subject reads back as \"%s\", expected \"%s\"", got_sq, want_sq);

	GMimeObject *top = g_mime_message_get_mime_part(r);
	CHECK(top && GMIME_IS_MULTIPART(top) && g_mime_multipart_get_count(GMIME_MULTIPART(top)) == 2,
	      "reply is not multipart/alternative with two parts");
	GMimeObject *body = g_mime_multipart_get_part(GMIME_MULTIPART(top), 0);
	GMimeObject *rich = g_mime_multipart_get_part(GMIME_MULTIPART(top), 1);
	CHECK(GMIME_IS_TEXT_PART(body) &&
		      g_mime_content_type_is_type(g_mime_object_get_content_type(body), "text", "plain"),
	      "first alternative is not text/plain");
	CHECK(GMIME_IS_TEXT_PART(rich) &&
		      g_mime_content_type_is_type(g_mime_object_get_content_type(rich), "text", "html"),
	      "second alternative is not text/html");
	g_autofree char *got_body = g_mime_text_part_get_text(GMIME_TEXT_PART(body));
	CHECK(got_body != NULL, "reply body has no text");
	g_autofree char *got_lf = without_cr(got_body);
	g_autofree char *want_body = expected_body(text);
	if (strcmp(got_lf, want_body) != 0) {
		gsize i = 0;
		while (got_lf[i] && got_lf[i] == want_body[i])
			i++;
		CHECK_NAMED("reply-body", FALSE,
			    "reply body reads back differently from byte %zu: got \"%.40s\", wrote \"%.40s\"", i,
			    got_lf + i, want_body + i);
	}
}

/* Every placeholder nomd's templates use (daemon/reply.c). */
static const char *const placeholders[] = { "programme", "organisation", "from_address", "members",  "max_members",
					    "mentors",	 "max_mentors",	 "summary",	 "nominees", "notes",
					    "problem",	 "blank_form",	 "status_list",	 "result" };

static gboolean has_text(const void *hay, gsize len, const char *needle)
{
	return hay && memmem(hay, len, needle, strlen(needle)) != NULL;
}

/* A placeholder left in the text, unless the sender wrote it themselves. */
static void check_placeholders(const char *text, const struct parsed_message *m, const uint8_t *data, size_t size)
{
	for (size_t i = 0; i < G_N_ELEMENTS(placeholders); i++) {
		g_autofree char *p = g_strdup_printf("{{%s}}", placeholders[i]);
		if (!strstr(text, p))
			continue;
		gboolean theirs = has_text(data, size, p) || (m->text && strstr(m->text, p)) || strstr(m->subject, p);
		for (guint c = 0; !theirs && c < m->csv->len; c++) {
			gsize n = 0;
			const void *b = g_bytes_get_data(m->csv->pdata[c], &n);
			theirs = has_text(b, n, p);
		}
		CHECK(theirs, "reply text has the unfilled placeholder %s", p);
	}
}

static void check_reply(const struct parsed_message *m, const struct decision *d, const struct fake_state *st,
			const uint8_t *data, size_t size)
{
	g_autoptr(GPtrArray) listing = d->command == CMD_STATUS && d->org ? fake_status_list(st, d->org->id) : NULL;
	g_autoptr(reply_out) r = reply_render(cfg, templates, d, m->subject, listing);
	const char *text = r->text;
	CHECK(text && *text && r->html && *r->html && r->subject, "reply_render returned no text, HTML or subject");
	check_utf8("reply HTML", r->html);
	check_placeholders(r->html, m, data, size);
	check_utf8("reply text", text);
	check_placeholders(text, m, data, size);

	g_autoptr(GBytes) mail = NULL;
	g_autofree char *reply_id = NULL;
	g_autoptr(GError) error = NULL;
	/* A refusal here makes ingest fail the message: it would be retried,
	 * then held as unprocessable, and the nominator never answered. */
	g_autofree char *in_reply_to = NULL, *references = NULL;
	compose_thread(m, &in_reply_to, &references);
	reply_id = compose_message_id(cfg, &error);
	const struct compose_head head = { .to = m->from,
					   .reply = TRUE,
					   .in_reply_to = in_reply_to,
					   .references = references,
					   .message_id = reply_id,
					   .date = g_get_real_time() / G_USEC_PER_SEC };
	if (!reply_id || !compose_mail(cfg, &head, r->subject, r->text, r->html, &mail, &error))
		FAIL("compose_mail refused the reply: %s", error ? error->message : "(no error)");
	CHECK(mail != NULL && reply_id != NULL, "compose_mail returned no mail or no Message-ID");
	CHECK(msgid_valid(reply_id), "reply Message-ID is invalid: %s", reply_id);
	gsize len = 0;
	const guint8 *bytes = g_bytes_get_data(mail, &len);
	if (g_getenv("NOMD_FUZZ_DEBUG")) /* to see what a failing input made */
		fprintf(stderr, "---- reply text\n%s\n---- composed reply\n%.*s\n----\n", text, (int)len,
			(const char *)bytes);
	check_mail_bytes(m, bytes, len);
	check_mail_reads_back(m, text, bytes, len);
}

/* ---- libFuzzer entry points ----------------------------------------------- */

static void log_handler(const gchar *domain, GLogLevelFlags level, const gchar *message, gpointer data)
{
	if (!(level & (G_LOG_LEVEL_ERROR | G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_WARNING)))
		return;
	fprintf(stderr, "fuzz_parse: %s%s%s: %s\n", domain ? domain : "", domain ? "-" : "",
		(level & G_LOG_LEVEL_WARNING) ? "WARNING" : "CRITICAL", message);
	fflush(stderr);
	/* NOMD_FUZZ_IGNORE="critical:g_convert" lets criticals whose message
	 * starts with "g_convert" pass, while their bug is being fixed. */
	for (char **c = ignored_checks; c && *c; c++)
		if (g_str_has_prefix(*c, "critical:") && g_str_has_prefix(message, *c + strlen("critical:")))
			return;
	/* A GLib critical is a failed precondition: a bug, not bad input. */
	if ((level & (G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_ERROR)) || g_getenv("NOMD_FUZZ_FATAL_WARNINGS"))
		__builtin_trap();
}

static gboolean is_source_root(const char *dir)
{
	g_autofree char *probe = g_build_filename(dir, "templates", "confirmation.txt", NULL);
	g_autofree char *probe2 = g_build_filename(dir, "parsers", "mime.h", NULL);
	return g_file_test(probe, G_FILE_TEST_IS_REGULAR) && g_file_test(probe2, G_FILE_TEST_IS_REGULAR);
}

/* $NOMD_SOURCE, else the first folder above the executable (or argv[0],
 * or the working directory) that looks like nomd's source tree. */
static char *find_source_root(const char *argv0)
{
	const char *env = g_getenv("NOMD_SOURCE");
	if (env && *env)
		return g_strdup(env);
	g_autofree char *exe = g_file_read_link("/proc/self/exe", NULL);
	g_autofree char *cwd = g_get_current_dir();
	g_autofree char *arg = argv0 ? g_canonicalize_filename(argv0, cwd) : NULL;
	const char *starts[] = { exe, arg, cwd };
	for (size_t i = 0; i < G_N_ELEMENTS(starts); i++) {
		if (!starts[i])
			continue;
		char *dir = g_path_get_dirname(starts[i]);
		for (;;) {
			if (is_source_root(dir))
				return dir;
			char *up = g_path_get_dirname(dir);
			gboolean top = strcmp(up, dir) == 0;
			g_free(dir);
			dir = up;
			if (top)
				break;
		}
		g_free(dir);
	}
	return NULL;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	umask(077); /* the configs written below hold a password */
	/* GLib's slice allocator would hide leaks and overruns from ASan. */
	g_setenv("G_SLICE", "always-malloc", FALSE);
	/* Every domain (GLib, GObject, GMime) without a handler of its own. */
	g_log_set_default_handler(log_handler, NULL);
	log_set_level(LOG_LVL_ERROR);
	mime_init();
	const char *ignore = g_getenv("NOMD_FUZZ_IGNORE");
	if (ignore && *ignore)
		ignored_checks = g_strsplit_set(ignore, ", ", -1);

	g_autofree char *root = find_source_root(argc && *argc > 0 ? (*argv)[0] : NULL);
	if (!root) {
		fprintf(stderr, "fuzz_parse: cannot find nomd's source tree (templates/); set NOMD_SOURCE\n");
		exit(2);
	}
	g_autofree char *tdir = g_build_filename(root, "templates", NULL);
	g_autofree char *dir = g_dir_make_tmp("nomd-fuzz-XXXXXX", NULL);
	if (!dir) {
		fprintf(stderr, "fuzz_parse: no temporary folder\n");
		exit(2);
	}
	for (int v = 0; v < V_COUNT; v++) {
		g_autofree char *path = g_strdup_printf("%s/nomd-%d.conf", dir, v);
		g_autofree char *text = g_strdup_printf("database = \"%s/unused.db\";\ntemplates = \"%s\";\n%s%s", dir,
							tdir, variant_programme[v], config_common);
		g_autoptr(GError) error = NULL;
		if (!g_file_set_contents(path, text, -1, &error) || !config_load(path, &cfgs[v], &error)) {
			fprintf(stderr, "fuzz_parse: configuration %d: %s\n", v, error->message);
			exit(2);
		}
		g_unlink(path);
	}
	g_rmdir(dir);
	g_autoptr(GError) error = NULL;
	if (!reply_templates_load(cfgs[V_OPEN]->templates, &templates, &error)) {
		fprintf(stderr, "fuzz_parse: templates: %s\n", error->message);
		exit(2);
	}
	return 0;
}

/* What ingest does with spreadsheet attachments. */
static void add_spreadsheets(struct form *f, const struct parsed_message *msg)
{
#ifdef HAVE_CSV
	for (guint i = 0; i < msg->csv->len; i++) {
		gsize len = 0;
		const char *data = g_bytes_get_data(msg->csv->pdata[i], &len);
		g_autoptr(GPtrArray) rows = NULL;
		g_autoptr(GError) error = NULL;
		if (csv_read_rows(data, len, &rows, &error))
			form_add_rows(f, rows);
		else
			CHECK(error != NULL, "csv_read_rows failed without an error");
	}
#else
	(void)f;
	(void)msg;
#endif
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* A few lengths pick the closed or the authenticated programme. */
	cfg = cfgs[size % 16 == 13 ? V_CLOSED : size % 16 == 14 ? V_AUTH : V_OPEN];

	g_autoptr(parsed_message) msg = mime_parse((const char *)data, size);
	check_message(msg);
	g_autoptr(form) f = form_parse(msg->text, msg->forwarded);
	add_spreadsheets(f, msg);
	check_form(f);

	struct fake_state *st = fake_new();
	struct decide_state state = {
		.summary = cb_summary,
		.email_owner = cb_email_owner,
		.nominated_by = cb_nominated_by,
		.choice_count = cb_choice_count,
		.message_known = cb_message_known,
		.sent_by_us = cb_sent_by_us,
		.recent_replies = cb_recent_replies,
		.consent_target = cb_consent_target,
		.ask_target = cb_ask_target,
		.invitation = cb_invitation,
		.confirmation = cb_confirmation,
		.ctx = st,
		.received = RECEIVED,
	};
	g_autoptr(decision) d = decide(cfg, msg, f, &state);
	enum answer a = answer_read(msg->text);
	if (a != ANSWER_NONE && a != ANSWER_YES && a != ANSWER_NO)
		abort();
	/* Each question reads only its own answers; the person's own words
	 * are valid UTF-8 within their cap. */
	static const struct {
		enum question q;
		enum answer first, last;
	} questions[] = { { QUESTION_MEETING, ANSWER_MET, ANSWER_NOT_YET },
			  { QUESTION_CHECKIN, ANSWER_GOOD, ANSWER_HELP },
			  { QUESTION_RATING, ANSWER_RATING_1, ANSWER_COUNT - 1 } };
	for (size_t i = 0; i < G_N_ELEMENTS(questions); i++) {
		enum answer got = answer_read_to(msg->text, questions[i].q);
		if (got != ANSWER_NONE && (got < questions[i].first || got > questions[i].last))
			abort();
	}
	g_autofree char *words = answer_own_text(msg->text, 200);
	if (!g_utf8_validate(words, -1, NULL) || g_utf8_strlen(words, -1) > 201)
		abort();
	if (g_getenv("NOMD_FUZZ_DEBUG")) {
		fprintf(stderr, "---- from=%s subject=\"%s\" nominees=%u outcome=%s org=%s reply=%d command=%d",
			msg->from, msg->subject, f->nominees->len, outcome_name(d->outcome), d->org ? d->org->id : "-",
			d->reply, (int)d->command);
		for (guint i = 0; i < d->reasons->len; i++)
			fprintf(stderr, " %s", (const char *)d->reasons->pdata[i]);
		fprintf(stderr, "%s%s\n", d->detail ? " detail=" : "", d->detail ? d->detail : "");
	}
	check_decision(msg, f, st, d);
	if (d->reply)
		check_reply(msg, d, st, data, size);

	/* Committed; then a second copy, then a resend with a new Message-ID. */
	fake_commit(st, msg, d);
	g_autoptr(decision) copy = decide(cfg, msg, f, &state);
	check_codes(copy);
	if (msg->message_id && !copy->reply && copy->outcome != OUTCOME_IGNORED && msg->parsed && !msg->limit)
		CHECK(copy->outcome == OUTCOME_HELD && in_list(copy->reasons, REASON_REPEATED),
		      "second copy of <%s> is %s, not held as repeated_message", msg->message_id,
		      outcome_name(copy->outcome));
	CHECK(!(msg->message_id && copy->reply), "second copy of <%s> is answered again", msg->message_id);
	st->forget_msgids = TRUE;
	g_autoptr(decision) resend = decide(cfg, msg, f, &state);
	check_decision(msg, f, st, resend);
	check_resend(d, resend);
	fake_free(st);
	return 0;
}
