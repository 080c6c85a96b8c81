/* Unit tests: the programme's rules, with an in-memory fake of the state. */
#include <glib/gstdio.h>
#include <string.h>
#include <sys/stat.h>

#include "../../daemon/decide.h"
#include "tap.h"

struct fake {
	int members, mentors, recent;
	GHashTable *known;
};

static void fake_summary(void *ctx, const char *org, struct org_summary *out)
{
	struct fake *f = ctx;
	*out = (struct org_summary){ .members = f->members, .mentors = f->mentors };
}

/* Known addresses map to "org role". */
static gboolean fake_owner(void *ctx, const char *key, char **org, char **role)
{
	struct fake *f = ctx;
	const char *v = g_hash_table_lookup(f->known, key);
	if (!v)
		return FALSE;
	g_auto(GStrv) parts = g_strsplit(v, " ", 2);
	*org = g_strdup(parts[0]);
	*role = g_strdup(parts[1]);
	return TRUE;
}

static int fake_recent(void *ctx, const char *address)
{
	return ((struct fake *)ctx)->recent;
}

/* Mail we sent: these Message-IDs only, not every one on our domain. */
static gboolean fake_sent(void *ctx, const char *id)
{
	return g_str_equal(id, "abc@example.org") || g_str_equal(id, "sent-1@example.org");
}

static gboolean fake_message_known(void *ctx, const char *id)
{
	return g_str_equal(id, "seen@fife.example");
}

/* One nominee, alex@angus.example (accepted, token 0123456789ab), whose
 * welcome had Message-ID welcome-1@example.org; "gone@angus.example" was
 * withdrawn (token fedcba987654). */
static gboolean fake_consent(void *ctx, const char *token, const char *const *ids, guint n, struct consent_target *out)
{
	gboolean alex = g_strcmp0(token, "0123456789ab") == 0, gone = g_strcmp0(token, "fedcba987654") == 0;
	for (guint i = 0; i < n && !alex && !gone; i++)
		alex |= g_str_equal(ids[i], "welcome-1@example.org");
	if (!alex && !gone)
		return FALSE;
	*out = (struct consent_target){ .id = alex ? 7 : 8,
					.email = g_strdup(alex ? "alex@angus.example" : "gone@angus.example"),
					.organisation = g_strdup("angus"),
					.role = g_strdup("member"),
					.status = alex ? NOMINEE_ACCEPTED : NOMINEE_WITHDRAWN,
					.consent = CONSENT_PENDING };
	return TRUE;
}

/* One invitation: alex@angus.example to event ev-1@example.org, whose
 * invitation mail was invite-1@example.org. */
static struct {
	int capacity, accepted;
	const char *answer, *event_status;
} invite = { 2, 0, "none", "active" };

/* The answer a decision read, by its name; NULL when it read none. */
static const char *rsvp_of(const struct decision *d)
{
	return d->rsvp_answer == RSVP_NONE ? NULL : rsvp_name(d->rsvp_answer);
}

static gboolean fake_invitation(void *ctx, const char *uid, const char *attendee, const char *const *ids, guint n,
				struct rsvp_target *out)
{
	gboolean found = uid && g_str_equal(uid, "ev-1@example.org") && g_str_equal(attendee, "alex@angus.example");
	for (guint i = 0; !uid && i < n; i++)
		found |= g_str_equal(ids[i], "invite-1@example.org");
	enum rsvp answer = RSVP_NONE;
	if (!found || !rsvp_from_name(invite.answer, &answer))
		return FALSE;
	*out = (struct rsvp_target){ .id = 11,
				     .event = 5,
				     .email = g_strdup("alex@angus.example"),
				     .answer = answer,
				     .nominee_status = NOMINEE_ACCEPTED,
				     .event_status = g_strdup(invite.event_status),
				     .starts_at = 4102444800, /* 2100 */
				     .capacity = invite.capacity,
				     .accepted = invite.accepted };
	return TRUE;
}

/* Questions to a pair: to sam@fife.example (a member) with token
 * aaaa11112222 (a check-in; its mail was checkin-1@example.org) and
 * bbbb11112222 (the first meeting), cccc11112222 (feedback); dddd11112222
 * was to a pair since ended. */
static gboolean fake_ask(void *ctx, const char *token, const char *const *ids, guint n, struct ask_target *out)
{
	static const struct {
		const char *token;
		enum ask_kind kind;
		gboolean active;
	} asks[] = { { "aaaa11112222", ASK_CHECKIN, TRUE },
		     { "bbbb11112222", ASK_MEETING, TRUE },
		     { "cccc11112222", ASK_FEEDBACK, TRUE },
		     { "dddd11112222", ASK_CHECKIN, FALSE } };
	int found = -1;
	for (guint i = 0; i < G_N_ELEMENTS(asks); i++)
		if (g_strcmp0(token, asks[i].token) == 0)
			found = (int)i;
	for (guint i = 0; i < n && found < 0; i++)
		if (g_str_equal(ids[i], "checkin-1@example.org"))
			found = 0;
	if (found < 0)
		return FALSE;
	*out = (struct ask_target){ .id = 30 + found,
				    .pair = 3,
				    .nominee = 9,
				    .kind = asks[found].kind,
				    .token = g_strdup(asks[found].token),
				    .email = g_strdup("sam@fife.example"),
				    .status = NOMINEE_ACCEPTED,
				    .pair_active = asks[found].active };
	return TRUE;
}

/* Confirmations waiting: a WITHDRAW of kept@fife.example sent to
 * ce@fife.example, good until 1000 + 7 days; "used" was used. */
static gboolean fake_confirmation(void *ctx, const char *token, struct confirm_target *out)
{
	gboolean open = g_str_equal(token, "aaaabbbbccccddddeeeeffff"), used = g_str_equal(token, "0000111122223333");
	if (!open && !used)
		return FALSE;
	*out = (struct confirm_target){ .command = g_strdup("withdraw"),
					.argument = g_strdup("kept@fife.example"),
					.organisation = g_strdup("fife"),
					.nominator = g_strdup("ce@fife.example"),
					.expires_at = 1000 + CONFIRM_SECONDS,
					.done = used };
	return TRUE;
}

static GBytes *itip_reply(const char *partstat)
{
	g_autofree char *text = g_strdup_printf(
		"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\nMETHOD:REPLY\r\nBEGIN:VEVENT\r\n"
		"UID:ev-1@example.org\r\nDTSTAMP:20261125T100000Z\r\nDTSTART:21000101T100000Z\r\nSEQUENCE:0\r\n"
		"ATTENDEE;PARTSTAT=%s;CN=Alex:mailto:Alex@angus.example\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n",
		partstat);
	return g_bytes_new(text, strlen(text));
}

static struct nomd_config *load_cfg_with(const char *definition)
{
	g_autofree char *dir = g_dir_make_tmp("nomd-decide-XXXXXX", NULL);
	g_autofree char *path = g_build_filename(dir, "t.conf", NULL);
	g_autofree char *text = g_strdup_printf("imap = { host = \"h\"; user = \"u\"; password = \"p\"; };\n"
						"smtp = { url = \"smtp://h\"; from = \"team@example.org\"; };\n"
						"%s",
						definition);
	g_file_set_contents(path, text, -1, NULL);
	struct nomd_config *cfg = NULL;
	g_autoptr(GError) error = NULL;
	if (!config_load(path, &cfg, &error))
		printf("# %s\n", error->message);
	return cfg;
}

static struct nomd_config *load_cfg(void)
{
	return load_cfg_with(
		"programme = { max_members = 2; max_mentors = 1; };\n"
		"organisations = ( { id = \"fife\"; name = \"Fife Council\"; nominators = [ \"ce@fife.example\" ]; "
		"domains = [ \"fife.example\" ]; },\n"
		"  { id = \"angus\"; name = \"Angus Council\"; nominators = [ \"ce@angus.example\", \"both@x.example\" "
		"]; },\n"
		"  { id = \"moray\"; name = \"The Moray Council\"; nominators = [ \"both@x.example\" ]; } );\n");
}

static struct parsed_message *msg_from(const char *from)
{
	struct parsed_message *m = g_new0(struct parsed_message, 1);
	m->parsed = TRUE;
	m->from = g_strdup(from);
	m->from_count = from ? 1 : 0;
	m->from_headers = 1;
	m->auth_results = g_ptr_array_new_with_free_func(g_free);
	m->csv = g_ptr_array_new_with_free_func((GDestroyNotify)g_bytes_unref);
	m->subject = g_strdup("Nominations");
	m->references = g_ptr_array_new_with_free_func(g_free);
	m->calendar = g_ptr_array_new_with_free_func((GDestroyNotify)g_bytes_unref);
	return m;
}

static gboolean has_code(GPtrArray *codes, const char *code)
{
	for (guint i = 0; i < codes->len; i++)
		if (g_str_equal(codes->pdata[i], code))
			return TRUE;
	return FALSE;
}

static const struct verdict *verdict_at(const struct decision *d, guint i)
{
	return i < d->verdicts->len ? &g_array_index(d->verdicts, struct verdict, i) : NULL;
}

static gboolean has_warning(const struct verdict *v, const char *code)
{
	for (size_t i = 0; v && v->warnings[i]; i++)
		if (g_str_equal(v->warnings[i], code))
			return TRUE;
	return FALSE;
}

static const char *reason_at(const struct decision *d, guint i)
{
	return i < d->verdicts->len ? g_array_index(d->verdicts, struct verdict, i).reason : "(missing)";
}

/* A message from `from` with one attached document, settled as given. */
static struct parsed_message *msg_with_document(const char *from, const char *name, gboolean settled,
						enum doc_status status, gboolean limit)
{
	struct parsed_message *m = msg_from(from);
	m->documents = g_ptr_array_new();
	struct mime_document *doc = g_new0(struct mime_document, 1);
	doc->filename = g_strdup(name);
	doc->content_type = g_strdup("application/pdf");
	doc->settled = settled;
	doc->status = status;
	doc->limit = limit;
	doc->detail = g_strdup(limit ? "timed out after 30 s" : "damaged");
	g_ptr_array_add(m->documents, doc);
	return m;
}

static void free_documents(struct parsed_message *m)
{
	for (guint i = 0; i < m->documents->len; i++) {
		struct mime_document *doc = m->documents->pdata[i];
		g_free(doc->filename);
		g_free(doc->content_type);
		g_free(doc->detail);
		g_free(doc);
	}
	g_ptr_array_set_size(m->documents, 0);
}

static void test_documents(struct nomd_config *cfg, const struct decide_state *st)
{
	g_autoptr(form) none = form_parse("", FALSE);
	g_autoptr(form) one = form_parse("Member\nName: A\nEmail: a@fife.example\n", FALSE);
	{
		g_autoptr(parsed_message) m =
			msg_with_document("stranger@evil.example", "f.docx", FALSE, DOC_OK, FALSE);
		ok(!decide_reads_documents(cfg, m), "a stranger's document is not to be read");
		g_autoptr(decision) d = decide(cfg, m, none, st);
		ok(g_str_equal(outcome_name(d->outcome), "held") && has_code(d->reasons, REASON_NOT_AUTHORISED) &&
			   !d->reply,
		   "and the message is held not_authorised, unanswered");
		free_documents(m);
	}
	{
		g_autoptr(parsed_message) m = msg_with_document("ce@fife.example", "f.docx", FALSE, DOC_OK, FALSE);
		ok(decide_reads_documents(cfg, m), "a nominator's document is read");
		m->from_count = 2;
		ok(!decide_reads_documents(cfg, m), "not with two From mailboxes");
		m->from_count = 1;
		m->auto_submitted = g_strdup("auto-replied");
		ok(!decide_reads_documents(cfg, m), "not in automatic mail");
		g_clear_pointer(&m->auto_submitted, g_free);
		m->limit = g_strdup("number of MIME parts");
		ok(!decide_reads_documents(cfg, m), "not past the MIME limits");
		g_clear_pointer(&m->limit, g_free);
		cfg->documents.enabled = FALSE;
		ok(!decide_reads_documents(cfg, m), "not with documents.enabled = false");
		cfg->documents.enabled = TRUE;
		cfg->programme.require_authentication = TRUE;
		ok(!decide_reads_documents(cfg, m), "not unauthenticated when authentication is required");
		cfg->programme.require_authentication = FALSE;
		free_documents(m);
	}
	{
		g_autoptr(parsed_message) m = msg_with_document("ce@fife.example", "slow.pdf", TRUE, DOC_FAILED, TRUE);
		g_autoptr(decision) d = decide(cfg, m, one, st);
		ok(g_str_equal(outcome_name(d->outcome), "held") && has_code(d->reasons, REASON_TOO_COMPLEX) &&
			   !d->reply,
		   "a document stopped at a limit: held too_complex, unanswered, even beside nominations");
		ok(d->detail && strstr(d->detail, "slow.pdf") && strstr(d->detail, "timed out"),
		   "the detail names the file and the limit");
		free_documents(m);
	}
	{
		g_autoptr(parsed_message) m =
			msg_with_document("ce@fife.example", "bomb.xlsx", TRUE, DOC_TOO_COMPLEX, FALSE);
		g_autoptr(decision) d = decide(cfg, m, none, st);
		ok(g_str_equal(outcome_name(d->outcome), "held") && has_code(d->reasons, REASON_TOO_COMPLEX),
		   "a document past the reader's caps: held too_complex");
		free_documents(m);
	}
	{
		g_autoptr(parsed_message) m =
			msg_with_document("ce@fife.example", "nominations.docx", TRUE, DOC_UNREADABLE, FALSE);
		g_autoptr(decision) d = decide(cfg, m, none, st);
		ok(g_str_equal(outcome_name(d->outcome), "rejected") && has_code(d->reasons, REASON_DOC_UNREADABLE) &&
			   d->reply,
		   "nothing found and an unreadable document: rejected document_unreadable, answered");
		is_str(d->document, "nominations.docx", "the decision names the file for the reply");
		free_documents(m);
	}
	{
		g_autoptr(parsed_message) m =
			msg_with_document("ce@fife.example", "crash.docx", TRUE, DOC_FAILED, FALSE);
		g_autoptr(decision) d = decide(cfg, m, none, st);
		ok(has_code(d->reasons, REASON_DOC_UNREADABLE) && d->outcome == OUTCOME_REJECTED,
		   "a reader that crashed (no limit): the file counts as unreadable");
		free_documents(m);
	}
	{
		static const struct {
			enum doc_status status;
			const char *code;
		} cases[] = { { DOC_UNSUPPORTED, REASON_DOC_UNSUPPORTED },
			      { DOC_NO_TEXT, REASON_DOC_NO_TEXT },
			      { DOC_TOO_LARGE, REASON_DOC_TOO_LARGE } };
		for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
			g_autoptr(parsed_message) m =
				msg_with_document("ce@fife.example", "x.pdf", TRUE, cases[i].status, FALSE);
			g_autoptr(decision) d = decide(cfg, m, none, st);
			ok(d->outcome == OUTCOME_REJECTED && has_code(d->reasons, cases[i].code), "%s: rejected %s",
			   doc_status_name(cases[i].status), cases[i].code);
			free_documents(m);
		}
	}
	{
		g_autoptr(parsed_message) m =
			msg_with_document("ce@fife.example", "scan.pdf", TRUE, DOC_NO_TEXT, FALSE);
		g_autoptr(decision) d = decide(cfg, m, one, st);
		ok(d->outcome == OUTCOME_ACCEPTED && has_code(d->warnings, WARN_DOCUMENT_UNREAD) && d->reply,
		   "nominations found and a document unread: accepted with a note");
		is_str(d->document, "scan.pdf", "the note names the file");
		free_documents(m);
	}
	{
		g_autoptr(parsed_message) m = msg_with_document("ce@fife.example", "ok.docx", TRUE, DOC_OK, FALSE);
		g_autoptr(decision) d = decide(cfg, m, one, st);
		ok(d->outcome == OUTCOME_ACCEPTED && !d->document && !has_code(d->warnings, WARN_DOCUMENT_UNREAD),
		   "a document read: no note");
		free_documents(m);
	}
}

/* One reply gate for every answer: nominations, commands, consent and
 * RSVPs alike are held past the hourly limit, and unanswered (with the
 * reply_suppressed warning) when the sender asked for no replies. */
static void test_reply_gate(struct nomd_config *cfg, const struct decide_state *st, struct fake *fake)
{
	struct {
		const char *from, *subject, *in_reply_to, *text, *kind;
	} cases[] = {
		{ "ce@fife.example", "Nominations", NULL, "Member\nName: A\nEmail: gate@fife.example\n",
		  "nominations" },
		{ "ce@fife.example", "STATUS", NULL, "", "a command" },
		{ "alex@angus.example", "Re: Welcome [ref 0123456789ab]", NULL, "Yes\n", "a consent answer" },
		{ "alex@angus.example", "Re: Invitation", "invite-1@example.org", "Yes\n", "an RSVP" },
	};
	for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_autoptr(parsed_message) m = msg_from(cases[i].from);
		g_free(m->subject);
		m->subject = g_strdup(cases[i].subject);
		m->in_reply_to = g_strdup(cases[i].in_reply_to);
		m->text = g_strdup(cases[i].text);
		g_autoptr(form) f = form_parse(m->text, FALSE);
		fake->recent = cfg->smtp.max_replies_per_sender_per_hour;
		g_autoptr(decision) limited = decide(cfg, m, f, st);
		ok(limited->outcome == OUTCOME_HELD && has_code(limited->reasons, REASON_REPLY_LIMIT) &&
			   !limited->reply && !limited->consent && !limited->rsvp && limited->command == CMD_NONE,
		   "%s past the reply limit: held reply_limit, no effect, no reply", cases[i].kind);
		is_str(limited->detail, cases[i].from, "%s past the reply limit: the detail names the sender",
		       cases[i].kind);
		fake->recent = cfg->smtp.max_replies_per_sender_per_hour - 1;
		g_autoptr(decision) under = decide(cfg, m, f, st);
		ok(under->outcome == OUTCOME_ACCEPTED && under->reply && !has_code(under->warnings, WARN_NO_REPLY),
		   "%s one below the limit: decided and answered", cases[i].kind);
		fake->recent = 0;
		m->suppress = g_strdup("OOF, AutoReply");
		g_autoptr(decision) quiet = decide(cfg, m, f, st);
		ok(quiet->outcome == OUTCOME_ACCEPTED && !quiet->reply && has_code(quiet->warnings, WARN_NO_REPLY),
		   "%s asking for no automatic replies: decided, not answered, staff told", cases[i].kind);
	}
}

/* What classify() makes of `m` with the form read from its text. */
static enum message_class class_of(const struct nomd_config *cfg, const struct parsed_message *m,
				   const struct decide_state *st, struct classification *c)
{
	g_autoptr(form) f = form_parse(m->text ? m->text : "", FALSE);
	return classify(cfg, m, f, st, c);
}

/* One message of each class, then the cases where two classes fit and
 * the order decides. */
static void test_classify(const struct nomd_config *cfg, const struct decide_state *st)
{
	struct classification c;
	ok(g_str_equal(message_class_name(CLASS_BROKEN), "broken") &&
		   g_str_equal(message_class_name(CLASS_NOMINATION), "nomination") &&
		   g_str_equal(message_class_name(CLASS_COUNT), "?"),
	   "every class has a name; past the end: ?");
	{
		g_autoptr(parsed_message) m = msg_from("ce@fife.example");
		m->text = g_strdup("Member\nName: A\nEmail: a@fife.example\n");
		is_str(message_class_name(class_of(cfg, m, st, &c)), "nomination", "a nominator's form: nomination");
		classification_clear(&c);
		m->parsed = FALSE;
		is_str(message_class_name(class_of(cfg, m, st, &c)), "broken", "unparsed mail: broken");
		classification_clear(&c);
		m->parsed = TRUE;
		m->limit = g_strdup("number of MIME parts");
		is_str(message_class_name(class_of(cfg, m, st, &c)), "broken", "past the MIME limits: broken");
		classification_clear(&c);
	}
	{
		g_autoptr(parsed_message) m = msg_from("team@example.org");
		m->auto_submitted = g_strdup("auto-replied");
		is_str(message_class_name(class_of(cfg, m, st, &c)), "own_mail",
		       "from our own address, also marked automatic: own_mail first");
		classification_clear(&c);
		g_autoptr(parsed_message) back = msg_from("ce@fife.example");
		back->message_id = g_strdup("abc@example.org");
		is_str(message_class_name(class_of(cfg, back, st, &c)), "own_mail",
		       "a Message-ID we sent, under another From: own_mail");
		classification_clear(&c);
		back->limit = g_strdup("header fields");
		is_str(message_class_name(class_of(cfg, back, st, &c)), "broken", "and past the limits: broken first");
		classification_clear(&c);
	}
	{
		g_autoptr(parsed_message) m = msg_from("ce@fife.example");
		m->auto_submitted = g_strdup("auto-replied");
		m->message_id = g_strdup("seen@fife.example");
		m->text = g_strdup("Member\nName: A\nEmail: a@fife.example\n");
		ok(class_of(cfg, m, st, &c) == CLASS_AUTOMATIC && c.automatic && !c.bounce,
		   "an auto-reply with a form and a known Message-ID: automatic, before repeated and nomination");
		classification_clear(&c);
		g_autoptr(parsed_message) r = msg_from("mailer-daemon@fife.example");
		r->is_report = TRUE;
		r->auto_submitted = g_strdup("auto-replied");
		r->dsn_message_id = g_strdup("sent-1@example.org");
		ok(class_of(cfg, r, st, &c) == CLASS_AUTOMATIC && c.bounce,
		   "a report about our mail: automatic, a bounce");
		classification_clear(&c);
		g_free(r->dsn_message_id);
		r->dsn_message_id = g_strdup("someone-else@fife.example");
		ok(class_of(cfg, r, st, &c) == CLASS_AUTOMATIC && !c.bounce,
		   "a report about mail not ours: automatic, no bounce");
		classification_clear(&c);
	}
	{
		g_autoptr(parsed_message) m = msg_from("alex@angus.example");
		m->message_id = g_strdup("seen@fife.example");
		g_free(m->subject);
		m->subject = g_strdup("Re: Welcome [ref 0123456789ab]");
		m->text = g_strdup("Yes\n");
		is_str(message_class_name(class_of(cfg, m, st, &c)), "repeated",
		       "a consent answer seen before: repeated, not consent");
		classification_clear(&c);
		g_clear_pointer(&m->message_id, g_free);
		ok(class_of(cfg, m, st, &c) == CLASS_CONSENT && c.consent && c.consent->id == 7,
		   "the same, new: consent, with the nominee found");
		classification_clear(&c);
		m->from_count = 2;
		is_str(message_class_name(class_of(cfg, m, st, &c)), "ambiguous",
		       "with two From mailboxes: ambiguous, before consent");
		classification_clear(&c);
		m->from_count = 1;
		m->in_reply_to = g_strdup("invite-1@example.org");
		ok(class_of(cfg, m, st, &c) == CLASS_RSVP && c.rsvp && !c.consent && !c.cal.uid,
		   "replying to an invitation with a welcome's reference too: rsvp first, by words");
		classification_clear(&c);
	}
	{
		g_autoptr(parsed_message) m = msg_from("alex@angus.example");
		g_ptr_array_add(m->calendar, itip_reply("ACCEPTED"));
		ok(class_of(cfg, m, st, &c) == CLASS_RSVP && c.rsvp && c.cal.uid && !c.automatic,
		   "a calendar reply: rsvp, by calendar");
		classification_clear(&c);
		m->auto_submitted = g_strdup("auto-generated");
		ok(class_of(cfg, m, st, &c) == CLASS_RSVP && c.rsvp && c.automatic,
		   "the same marked automatic: rsvp (an automatic one)");
		classification_clear(&c);
		m->is_report = TRUE;
		is_str(message_class_name(class_of(cfg, m, st, &c)), "automatic",
		       "inside a delivery report: automatic");
		classification_clear(&c);
		g_autoptr(parsed_message) w = msg_from("alex@angus.example");
		w->auto_submitted = g_strdup("auto-replied");
		w->in_reply_to = g_strdup("invite-1@example.org");
		is_str(message_class_name(class_of(cfg, w, st, &c)), "automatic",
		       "an auto-reply to an invitation, no calendar: automatic, not an answer");
		classification_clear(&c);
	}
	{
		static const struct {
			const char *subject, *text;
			enum message_class class;
			enum command command;
			const char *argument, *token, *name;
		} cases[] = {
			{ "Re: Fwd: status", "", CLASS_COMMAND, CMD_STATUS, NULL, NULL,
			  "STATUS after prefixes: a command" },
			{ "FORM", "", CLASS_COMMAND, CMD_FORM, NULL, NULL, "FORM: a command" },
			{ "WITHDRAW kept@fife.example", "", CLASS_COMMAND, CMD_WITHDRAW, "kept@fife.example", NULL,
			  "WITHDRAW with its address" },
			{ "Re: Withdraw [confirm aaaabbbbccccddddeeeeffff]", "Yes", CLASS_COMMAND, CMD_CONFIRM, NULL,
			  "aaaabbbbccccddddeeeeffff", "a reply with a confirmation token" },
			{ "Re: Form", "Member\nName: A\nEmail: a@fife.example\n", CLASS_NOMINATION, CMD_NONE, NULL,
			  NULL, "Re: Form above a filled-in form: nomination" },
			{ "Status of our nominations", "", CLASS_NOMINATION, CMD_NONE, NULL, NULL,
			  "a subject that merely starts with a command word: nomination" },
		};
		for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
			g_autoptr(parsed_message) m = msg_from("ce@fife.example");
			g_free(m->subject);
			m->subject = g_strdup(cases[i].subject);
			m->text = g_strdup(cases[i].text);
			enum message_class got = class_of(cfg, m, st, &c);
			ok(got == cases[i].class && c.class == got && c.command == cases[i].command &&
				   g_strcmp0(c.argument, cases[i].argument) == 0 &&
				   g_strcmp0(c.token, cases[i].token) == 0,
			   "%s", cases[i].name);
			if (got != cases[i].class)
				printf("# got %s\n", message_class_name(got));
			classification_clear(&c);
		}
		/* The class says what the message is, not whether the sender may. */
		g_autoptr(parsed_message) m = msg_from("stranger@evil.example");
		g_free(m->subject);
		m->subject = g_strdup("STATUS");
		is_str(message_class_name(class_of(cfg, m, st, &c)), "command",
		       "STATUS from a stranger: still a command");
		classification_clear(&c);
		g_autoptr(form) none = form_parse("", FALSE);
		g_autoptr(decision) d = decide(cfg, m, none, st);
		ok(d->outcome == OUTCOME_HELD && has_code(d->reasons, REASON_NOT_AUTHORISED) && d->command == CMD_NONE,
		   "and decided: held not_authorised, nothing done");
	}
}

/* The answer and the commands read a subject after the same prefixes. */
/* Answers to the questions after pairing: found by the reference or the
 * thread, counted only from the person's own address. */
static void test_asks(const struct nomd_config *cfg, const struct decide_state *st)
{
	const struct {
		const char *from, *subject, *in_reply_to, *text;
		const char *outcome, *reason;
		enum answer answer;
		gboolean reply;
		const char *what;
	} cases[] = {
		{ "sam@fife.example", "Re: How is it going? [ref aaaa11112222]", NULL, "GOOD, thanks\n", "accepted",
		  REASON_CHECKIN_GOOD, ANSWER_GOOD, TRUE, "a check-in: GOOD" },
		{ "Sam@Fife.example", "Re: How is it going?", "checkin-1@example.org",
		  "Hi,\n\nHelp please. We have not managed to meet.\n\n> How is it going?\n", "accepted",
		  REASON_CHECKIN_HELP, ANSWER_HELP, TRUE, "HELP found by the thread, after a greeting" },
		{ "sam@fife.example", "Re: [ref bbbb11112222]", NULL, "Not yet\n", "accepted", REASON_MEETING_NOT_YET,
		  ANSWER_NOT_YET, TRUE, "the first meeting: NOT YET" },
		{ "sam@fife.example", "Re: [ref bbbb11112222]", NULL, "Yes, last Tuesday\n", "accepted",
		  REASON_MEETING_MET, ANSWER_MET, TRUE, "the first meeting: yes counts as MET" },
		{ "sam@fife.example", "Re: [ref aaaa11112222]", NULL, "Yes\n", "held", REASON_ANSWER_UNCLEAR,
		  ANSWER_NONE, TRUE, "a check-in answered yes: unclear, held and asked again" },
		{ "sam@fife.example", "Re: [ref cccc11112222]", NULL, "Rating: 4\nThe events were great.\n", "accepted",
		  REASON_FEEDBACK, ANSWER_RATING_1 + 3, TRUE, "feedback with a rating" },
		{ "sam@fife.example", "Re: [ref cccc11112222]", NULL, "The events were great.\n", "accepted",
		  REASON_FEEDBACK, ANSWER_NONE, TRUE, "feedback in words only: still feedback" },
		{ "eve@x.example", "Re: [ref aaaa11112222]", NULL, "HELP\n", "held", REASON_ANSWER_SENDER, ANSWER_NONE,
		  FALSE, "a stranger with the reference: held, no effect" },
		{ "ce@fife.example", "Re: How is it going?", "checkin-1@example.org", "GOOD\n", "held",
		  REASON_ANSWER_SENDER, ANSWER_NONE, FALSE, "the nominator answering for them: held" },
		{ "sam@fife.example", "Re: [ref dddd11112222]", NULL, "GOOD\n", "held", REASON_PAIR_ENDED, ANSWER_NONE,
		  FALSE, "an answer about a pair since ended: held for staff, no reply" },
	};
	for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_autoptr(parsed_message) m = msg_from(cases[i].from);
		g_free(m->subject);
		m->subject = g_strdup(cases[i].subject);
		m->in_reply_to = g_strdup(cases[i].in_reply_to);
		m->text = g_strdup(cases[i].text);
		struct classification c;
		enum message_class class = classify(cfg, m, NULL, st, &c);
		classification_clear(&c);
		g_autoptr(decision) d = decide(cfg, m, NULL, st);
		ok(class == CLASS_ASK && g_str_equal(outcome_name(d->outcome), cases[i].outcome) &&
			   has_code(d->reasons, cases[i].reason) && d->answer == cases[i].answer &&
			   d->reply == cases[i].reply && (d->ask != NULL) == (cases[i].reply || i == 9),
		   "%s", cases[i].what);
	}
	g_autoptr(parsed_message) m = msg_from("sam@fife.example");
	g_free(m->subject);
	m->subject = g_strdup("Re: [ref cccc11112222]");
	m->text = g_strdup("5\n\nIt worked: \x01 a good mentor\n-- \nSam\n");
	g_autoptr(decision) d = decide(cfg, m, NULL, st);
	is_str(d->words, "5 It worked:   a good mentor", "their words, the signature left out, no control character");
}

static void test_subject_prefixes(const struct nomd_config *cfg, const struct decide_state *st)
{
	g_autoptr(parsed_message) m = msg_from("alex@angus.example");
	g_free(m->subject);
	m->subject = g_strdup("Fwd: RE:\tYes [ref 0123456789ab]");
	g_autoptr(form) none = form_parse("", FALSE);
	g_autoptr(decision) d = decide(cfg, m, none, st);
	ok(d->answer == ANSWER_YES && has_code(d->reasons, REASON_CONSENT_CONFIRMED),
	   "an answer only in a subject behind Fwd: and Re: prefixes: read");
	g_autoptr(parsed_message) c = msg_from("ce@fife.example");
	g_free(c->subject);
	c->subject = g_strdup(" Fw: re:FORM");
	g_autoptr(decision) e = decide(cfg, c, none, st);
	ok(e->command == CMD_FORM && has_code(e->reasons, REASON_CMD_FORM),
	   "FORM behind Fw: and Re: prefixes: a command");
}

/* Every accepted nomination was sent by other@x.example. */
static char *fake_by(void *ctx, const char *key)
{
	return g_hash_table_contains(((struct fake *)ctx)->known, key) ? g_strdup("Other@x.example") : NULL;
}

/* A message from `from` with `subject` and the form `form` read by the
 * programme's spec (and completed as ingest does), decided. */
struct sender_case {
	const char *from, *subject, *form, *outcome, *reason;
	gboolean reply;
	const char *what;
};

static void check_case(const struct nomd_config *cfg, struct decide_state *st, const struct sender_case *c)
{
	g_autoptr(parsed_message) m = msg_from(c->from);
	g_free(m->subject);
	m->subject = g_strdup(c->subject);
	g_autoptr(form) f = form_parse_spec(c->form, FALSE, config_form(cfg));
	decide_complete_form(cfg, m, f);
	g_autoptr(decision) d = decide(cfg, m, f, st);
	const char *reason = d->reasons->len ? d->reasons->pdata[0] : NULL;
	ok(g_str_equal(outcome_name(d->outcome), c->outcome) && g_strcmp0(reason, c->reason) == 0 &&
		   d->reply == c->reply,
	   "%s (%s, %s)", c->what, outcome_name(d->outcome), reason ? reason : "-");
}

/* Self-registration (senders domain, two roles) and nominations by
 * anyone (one role, no pairing, no consent). */
static void test_senders(struct decide_state *st, struct fake *fake)
{
	static const char *const orgs =
		"organisations = ( { id = \"fife\"; name = \"Fife Council\"; domains = [ \"fife.example\" ]; },\n"
		"  { id = \"angus\"; name = \"Angus Council\"; domains = [ \"angus.example\" ]; } );\n";
	g_autofree char *self_text = g_strdup_printf(
		"programme = { senders = \"domain\"; roles = ( { id = \"mentee\"; label = \"Mentee\"; },"
		" { id = \"mentor\"; label = \"Mentor\"; } ); };\n%s",
		orgs);
	g_autoptr(nomd_config) self = load_cfg_with(self_text);
	ok(self != NULL, "a self-registration programme loads");
	if (!self)
		return;
	static const struct sender_case cases[] = {
		{ "jo@fife.example", "Nominations", "Mentee or mentor: Mentor\nName: Jo Bell\n", "accepted", NULL,
		  FALSE, "their own registration, Email left out: accepted, the welcome is the answer" },
		{ "jo@fife.example", "Nominations", "Mentee\nName: Pat Kerr\nEmail: pat@fife.example\n", "rejected",
		  REASON_NOT_YOURSELF, TRUE, "someone else's registration: refused, and told why" },
		{ "jo@fife.example", "Nominations", "Name: Jo Bell\nEmail: jo@fife.example\n", "rejected",
		  REASON_ROLE_MISSING, TRUE, "no word of which role: refused" },
		{ "jo@fife.example", "Nominations", "Organisation: Angus Council\nMentor\nName: Jo Bell\n", "rejected",
		  REASON_WRONG_ORGANISATION, TRUE, "an organisation whose domains are not the sender's" },
		{ "jo@gmail.example", "Nominations", "Mentor\nName: Jo Bell\n", "held", REASON_NOT_AUTHORISED, FALSE,
		  "an address at no organisation's domain: held, unanswered" },
	};
	for (size_t i = 0; i < G_N_ELEMENTS(cases); i++)
		check_case(self, st, &cases[i]);
	g_autofree char *anyone_text =
		g_strdup_printf("programme = { senders = \"anyone\"; roles = ( { id = \"nominee\"; label = "
				"\"Nominee\"; quota = 2; } ); };\n"
				"consent = { enabled = false; };\npairing = { enabled = false; };\n%s",
				orgs);
	g_autoptr(nomd_config) any = load_cfg_with(anyone_text);
	ok(any != NULL, "an awards-like programme loads");
	if (!any)
		return;
	g_hash_table_insert(fake->known, "mine@fife.example", "fife member");
	st->nominated_by = fake_by;
	static const struct sender_case any_cases[] = {
		{ "fan@gmail.example", "Nomination",
		  "Organisation: Fife Council\nName: Ann Reid\nEmail: ann@fife.example\n", "accepted", NULL, TRUE,
		  "a stranger's nomination for the organisation the form names" },
		{ "fan@gmail.example", "Nomination", "Name: Ann Reid\nEmail: ann@fife.example\n", "rejected",
		  REASON_UNKNOWN_ORGANISATION, TRUE, "no Organisation line: answered, which one?" },
		{ "fan@gmail.example", "Nomination",
		  "Organisation: Fife Council\nName: Mine\nEmail: mine@fife.example\n", "rejected", REASON_NOT_YOURS,
		  TRUE, "someone else's nomination sent again: not theirs to change" },
		{ "fan@gmail.example", "WITHDRAW mine@fife.example", "Organisation: Fife Council\n", "rejected",
		  REASON_NOT_YOURS, TRUE, "someone else's nomination withdrawn: not theirs to withdraw" },
	};
	for (size_t i = 0; i < G_N_ELEMENTS(any_cases); i++)
		check_case(any, st, &any_cases[i]);
	st->nominated_by = NULL;
	g_hash_table_remove(fake->known, "mine@fife.example");
}

int main(void)
{
	/* Configs below hold a password: private, as nomd insists. */
	umask(077);
	g_autoptr(nomd_config) cfg = load_cfg();
	struct fake fake = { .known = g_hash_table_new(g_str_hash, g_str_equal) };
	struct decide_state st = { .summary = fake_summary,
				   .email_owner = fake_owner,
				   .message_known = fake_message_known,
				   .sent_by_us = fake_sent,
				   .recent_replies = fake_recent,
				   .consent_target = fake_consent,
				   .ask_target = fake_ask,
				   .invitation = fake_invitation,
				   .confirmation = fake_confirmation,
				   .ctx = &fake,
				   .received = 1000 };
	g_hash_table_insert(fake.known, "taken@fife.example", "angus member");

	{
		g_autoptr(parsed_message) m = msg_from("CE@fife.example");
		g_autoptr(form) f = form_parse("Member\nName: A\nEmail: a@fife.example\n"
					       "Mentor\nName: B\nEmail: b@fife.example\n",
					       FALSE);
		g_autoptr(decision) d = decide(cfg, m, f, &st);
		is_str(outcome_name(d->outcome), "accepted", "valid form accepted");
		ok(d->org && g_str_equal(d->org->id, "fife"), "organisation from the sender");
		ok(d->reply, "sender gets a reply");
		is_int(d->members, 1, "members total afterwards");
		is_int(d->mentors, 1, "mentors total afterwards");
	}
	{
		g_autoptr(parsed_message) m = msg_from("ce@fife.example");
		g_autoptr(form) f = form_parse("Member\nName: A\nEmail: a@fife.example\n"
					       "Member\nName: A again\nEmail: A@Fife.example\n"
					       "Member\nName: Taken\nEmail: taken@fife.example\n"
					       "Member\nEmail: noname@fife.example\n"
					       "Member\nName: Bad\nEmail: bad@@fife\n"
					       "Member\nName: C\nEmail: c@fife.example\n"
					       "Member\nName: D\nEmail: d@fife.example\n",
					       FALSE);
		g_autoptr(decision) d = decide(cfg, m, f, &st);
		is_str(outcome_name(d->outcome), "partial", "some accepted: partial");
		ok(reason_at(d, 0) == NULL, "first accepted");
		is_str(reason_at(d, 1), "duplicate", "same address twice in one message (any case)");
		is_str(reason_at(d, 2), "duplicate", "address nominated before by another organisation");
		is_str(reason_at(d, 3), "missing_field", "missing name");
		is_str(reason_at(d, 4), "invalid_email", "bad address");
		ok(reason_at(d, 5) == NULL, "second member fits the quota of 2");
		is_str(reason_at(d, 6), "quota_exceeded", "third member over quota");
	}
	{
		fake.members = 2;
		fake.mentors = 1;
		g_autoptr(parsed_message) m = msg_from("ce@fife.example");
		g_autoptr(form) f = form_parse("Organisation: fife\nMember\nName: A\nEmail: z@fife.example\n", FALSE);
		g_autoptr(decision) d = decide(cfg, m, f, &st);
		is_str(outcome_name(d->outcome), "rejected", "quota already used by earlier mail: rejected");
		is_str(reason_at(d, 0), "quota_exceeded", "counts come from the state");
		ok(d->reply, "rejection is answered");
		fake.members = fake.mentors = 0;
	}
	{
		g_autoptr(parsed_message) m = msg_from("stranger@evil.example");
		g_autoptr(form) f =
			form_parse("Organisation: Fife Council\nMember\nName: A\nEmail: a@fife.example\n", FALSE);
		g_autoptr(decision) d = decide(cfg, m, f, &st);
		is_str(outcome_name(d->outcome), "held", "unknown sender held");
		ok(!d->reply, "no reply to an unknown sender");
		is_str(d->reasons->len ? d->reasons->pdata[0] : NULL, "not_authorised", "reason not_authorised");
		is_int(d->verdicts->len, 0, "no nominee judged");
	}
	{
		g_autoptr(parsed_message) m = msg_from("ce@fife.example");
		g_autoptr(form) f =
			form_parse("Organisation: Angus Council\nMember\nName: A\nEmail: a@fife.example\n", FALSE);
		g_autoptr(decision) d = decide(cfg, m, f, &st);
		is_str(outcome_name(d->outcome), "rejected",
		       "a nominator nominating for another organisation: rejected");
		ok(d->reply && d->verdicts->len == 0, "answered, nobody judged");
		is_str(d->reasons->len ? d->reasons->pdata[0] : NULL, "wrong_organisation",
		       "reason wrong_organisation");
		is_str(d->detail, "Angus Council", "the organisation the form named, for staff and the reply");
		ok(d->nominates_for && d->nominates_for->len == 1 &&
			   g_str_equal(((const struct organisation *)d->nominates_for->pdata[0])->id, "fife"),
		   "and the one the sender may nominate for");
	}
	{
		g_autoptr(parsed_message) m = msg_from("ce@fife.example");
		g_autoptr(form) f =
			form_parse("Organisation: Fyfe Cooncil\nMember\nName: A\nEmail: a@fife.example\n", FALSE);
		g_autoptr(decision) d = decide(cfg, m, f, &st);
		is_str(outcome_name(d->outcome), "rejected", "unknown organisation rejected");
		is_str(d->reasons->pdata[0], "unknown_organisation", "reason unknown_organisation");
		ok(d->reply, "known nominator is told");
	}
	{
		g_autoptr(parsed_message) m = msg_from("both@x.example");
		g_autoptr(form) f = form_parse("Member\nName: A\nEmail: a@x.example\n", FALSE);
		g_autoptr(decision) d = decide(cfg, m, f, &st);
		is_str(d->reasons->len ? d->reasons->pdata[0] : NULL, "unknown_organisation",
		       "nominator of two organisations must name one");
		ok(d->reply && d->nominates_for && d->nominates_for->len == 2,
		   "and is answered with the two they nominate for");
		g_autoptr(form) f2 =
			form_parse("Organisation: The Moray Council\nMember\nName: A\nEmail: a@x.example\n", FALSE);
		g_autoptr(decision) d2 = decide(cfg, m, f2, &st);
		is_str(outcome_name(d2->outcome), "accepted", "and can, by name");
		ok(d2->org && g_str_equal(d2->org->id, "moray"), "organisation from the form");
	}
	{
		g_autoptr(parsed_message) m = msg_from("ce@fife.example");
		g_autoptr(form) f = form_parse("Thanks for the reminder!\n", FALSE);
		g_autoptr(decision) d = decide(cfg, m, f, &st);
		is_str(outcome_name(d->outcome), "rejected", "no sections: rejected");
		is_str(d->reasons->pdata[0], "no_nominations_found", "reason no_nominations_found");
	}
	{
		g_autoptr(parsed_message) m = msg_from("ce@fife.example");
		m->auto_submitted = g_strdup("auto-replied");
		g_autoptr(form) f = form_parse("Member\nName: A\nEmail: a@fife.example\n", FALSE);
		g_autoptr(decision) d = decide(cfg, m, f, &st);
		is_str(outcome_name(d->outcome), "ignored", "automatic mail ignored");
		ok(!d->reply, "automatic mail never answered");
	}
	{
		g_autoptr(parsed_message) m = msg_from(NULL);
		m->from_count = 2;
		g_autoptr(form) f = form_parse("Member\nName: A\nEmail: a@fife.example\n", FALSE);
		g_autoptr(decision) d = decide(cfg, m, f, &st);
		is_str(outcome_name(d->outcome), "held", "two From mailboxes: held");
	}
	{
		g_autoptr(parsed_message) m = msg_from("ce@fife.example");
		m->parsed = FALSE;
		g_autoptr(form) f = form_parse(NULL, FALSE);
		g_autoptr(decision) d = decide(cfg, m, f, &st);
		is_str(outcome_name(d->outcome), "held", "unparseable: held");
		is_str(d->reasons->pdata[0], "unparseable", "reason unparseable");
	}
	{
		g_autoptr(parsed_message) m = msg_from("ce@fife.example");
		m->message_id = g_strdup("seen@fife.example");
		g_autoptr(form) f = form_parse("Member\nName: A\nEmail: new@fife.example\n", FALSE);
		g_autoptr(decision) d = decide(cfg, m, f, &st);
		is_str(outcome_name(d->outcome), "held", "second copy of a recorded Message-ID: held");
		is_str(d->reasons->pdata[0], "repeated_message", "reason repeated_message");
		ok(!d->reply, "and not answered again");
	}
	g_hash_table_insert(fake.known, "kept@fife.example", "fife member");
	{
		fake.members = 2;
		g_autoptr(parsed_message) m = msg_from("ce@fife.example");
		g_autoptr(form) f =
			form_parse("Member\nName: Kept Again\nEmail: KEPT@fife.example\nJob title: New\n", FALSE);
		g_autoptr(decision) d = decide(cfg, m, f, &st);
		is_str(outcome_name(d->outcome), "accepted", "same organisation sends a nominee again: accepted");
		ok(verdict_at(d, 0)->amended, "as an amendment");
		is_int(d->members, 2, "taking no second place (quota full yet accepted)");
		g_autoptr(form) g = form_parse("Mentor\nName: Kept\nEmail: kept@fife.example\n", FALSE);
		g_autoptr(decision) e = decide(cfg, m, g, &st);
		ok(verdict_at(e, 0)->amended && e->mentors == 1 && e->members == 1,
		   "a role change moves the place from members to mentors");
		fake.members = 0;
	}
	{
		g_autoptr(parsed_message) m = msg_from("ce@fife.example");
		g_free(m->subject);
		m->subject = g_strdup("RE: withdraw kept@fife.example");
		g_autoptr(form) f = form_parse(NULL, FALSE);
		fake.members = 1;
		g_autoptr(decision) p = decide(cfg, m, f, &st);
		ok(p->command == CMD_WITHDRAW_PENDING && g_strcmp0(p->withdraw, "kept@fife.example") == 0 &&
			   p->members == 1 && p->reply && has_code(p->reasons, "confirmation_requested") &&
			   p->confirm_expires == 1000 + 7 * 86400 && !p->confirm_token,
		   "an unauthenticated WITHDRAW only asks for confirmation, good for 7 days");
		cfg->programme.trusted_authserv_id = g_strdup("mx.example.org");
		g_ptr_array_add(m->auth_results, g_strdup("mx.example.org; dmarc=pass header.from=fife.example"));
		g_autoptr(decision) d = decide(cfg, m, f, &st);
		ok(d->command == CMD_WITHDRAW && g_strcmp0(d->withdraw, "kept@fife.example") == 0,
		   "an authenticated WITHDRAW command in the subject acts at once");
		is_int(d->members, 0, "frees the place");
		ok(d->reply && has_code(d->reasons, "command_withdraw"), "answered, code command_withdraw");
		g_ptr_array_set_size(m->auth_results, 0);
		g_clear_pointer(&cfg->programme.trusted_authserv_id, g_free);
		/* Replies to the confirmation request. */
		struct {
			const char *from, *subject;
			gint64 received;
			const char *outcome, *reason;
			enum command command;
			const char *name;
		} cases[] = {
			{ "ce@fife.example", "RE: Please confirm [confirm AAAABBBBCCCCDDDDEEEEFFFF]", 2000, "accepted",
			  "command_withdraw", CMD_WITHDRAW, "the nominator's reply with the token: withdrawn" },
			{ "ce@fife.example", "RE: Please confirm [confirm aaaabbbbccccddddeeeeffff]",
			  1000 + 7 * 86400 + 1, "rejected", "confirmation_expired", CMD_CONFIRM,
			  "after 7 days: expired, answered" },
			{ "ce@fife.example", "RE: Please confirm [confirm 0000111122223333]", 2000, "rejected",
			  "confirmation_expired", CMD_CONFIRM, "a used token: refused" },
			{ "ce@fife.example", "RE: Please confirm [confirm 9999888877776666]", 2000, "rejected",
			  "confirmation_expired", CMD_CONFIRM, "an unknown token: refused" },
			{ "ce@angus.example", "RE: Please confirm [confirm aaaabbbbccccddddeeeeffff]", 2000, "held",
			  "confirmation_wrong_sender", CMD_CONFIRM, "another organisation's nominator with it: held" },
			{ "eve@x.example", "RE: Please confirm [confirm aaaabbbbccccddddeeeeffff]", 2000, "held",
			  "not_authorised", CMD_NONE, "a stranger with it: held, not a nominator" },
		};
		for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
			g_autoptr(parsed_message) c = msg_from(cases[i].from);
			g_free(c->subject);
			c->subject = g_strdup(cases[i].subject);
			st.received = cases[i].received;
			g_autoptr(decision) r = decide(cfg, c, f, &st);
			gboolean good = g_str_equal(outcome_name(r->outcome), cases[i].outcome) &&
					has_code(r->reasons, cases[i].reason) && r->command == cases[i].command &&
					r->reply == (strcmp(cases[i].outcome, "held") != 0);
			if (cases[i].command == CMD_WITHDRAW)
				good = good && g_strcmp0(r->confirm_token, "aaaabbbbccccddddeeeeffff") == 0 &&
				       r->members == 0;
			ok(good, "%s", cases[i].name);
			if (!good)
				printf("# got %s %s\n", outcome_name(r->outcome),
				       r->reasons->len ? (const char *)r->reasons->pdata[0] : "-");
		}
		st.received = 1000;
		g_free(m->subject);
		m->subject = g_strdup("WITHDRAW taken@fife.example");
		g_autoptr(decision) e = decide(cfg, m, f, &st);
		is_str(outcome_name(e->outcome), "rejected", "withdrawing another organisation's nominee: rejected");
		ok(has_code(e->reasons, "not_found"), "not_found");
		g_free(m->subject);
		m->subject = g_strdup("Form");
		g_autoptr(decision) g = decide(cfg, m, f, &st);
		ok(g->command == CMD_FORM && g->reply, "FORM command");
		g_free(m->subject);
		m->subject = g_strdup("status");
		g_autoptr(decision) h = decide(cfg, m, f, &st);
		ok(h->command == CMD_STATUS && h->reply, "STATUS command");
		g_free(m->subject);
		m->subject = g_strdup("Status of our nominations");
		g_autoptr(decision) k = decide(cfg, m, f, &st);
		ok(k->command == CMD_NONE, "a subject that merely starts with 'status' is not a command");
		fake.members = 0;
	}
	{
		g_autoptr(parsed_message) m = msg_from("ce@fife.example");
		g_autoptr(form) f =
			form_parse("Member\nName: Old Hand\nEmail: old@gmail.example\nYears in local government: 12\n"
				   "Service type: corporate\n"
				   "Member\nName: Young\nEmail: young@fife.example\nService type: corporate\n",
				   FALSE);
		g_autoptr(decision) d = decide(cfg, m, f, &st);
		is_str(outcome_name(d->outcome), "accepted", "warnings do not refuse");
		ok(has_warning(verdict_at(d, 0), "member_experienced"), "member_experienced (12 > 5 years)");
		ok(has_warning(verdict_at(d, 0), "external_email"), "external_email (not at fife.example)");
		ok(!has_warning(verdict_at(d, 1), "external_email"), "no warning at the organisation's domain");
		ok(has_code(d->warnings, "unbalanced"), "unbalanced: two members, no mentor");
		ok(has_code(d->warnings, "narrow_services"), "narrow_services: all corporate");
		g_autoptr(form) g = form_parse(
			"Mentor\nName: New Mentor\nEmail: nm@fife.example\nYears in local government: 3\n", FALSE);
		g_autoptr(decision) e = decide(cfg, m, g, &st);
		ok(has_warning(verdict_at(e, 0), "mentor_inexperienced"), "mentor_inexperienced (3 < 10 years)");
	}
	{
		cfg->programme.closes_at = 1000;
		st.received = 2000;
		g_autoptr(parsed_message) m = msg_from("ce@fife.example");
		g_autoptr(form) f = form_parse("Member\nName: Late\nEmail: late@fife.example\n", FALSE);
		g_autoptr(decision) d = decide(cfg, m, f, &st);
		ok(g_str_equal(outcome_name(d->outcome), "rejected") && g_strcmp0(reason_at(d, 0), "closed") == 0,
		   "received after programme.closes: refused closed");
		st.received = 999;
		g_autoptr(decision) e = decide(cfg, m, f, &st);
		is_str(outcome_name(e->outcome), "accepted",
		       "received before the close: accepted, even if processed later");
		cfg->programme.closes_at = 0;
	}
	{
		g_autoptr(parsed_message) m = msg_from("ce@fife.example");
		m->from_headers = 2;
		g_autoptr(form) f = form_parse("Member\nName: A\nEmail: a1@fife.example\n", FALSE);
		g_autoptr(decision) d = decide(cfg, m, f, &st);
		ok(g_str_equal(outcome_name(d->outcome), "held") && has_code(d->reasons, "ambiguous_sender"),
		   "two From headers: held ambiguous_sender");
		m->from_headers = 1;
		m->suppress = g_strdup("OOF, AutoReply");
		g_autoptr(decision) e = decide(cfg, m, f, &st);
		ok(g_str_equal(outcome_name(e->outcome), "accepted") && !e->reply &&
			   has_code(e->warnings, "reply_suppressed"),
		   "X-Auto-Response-Suppress: processed, not answered");
	}
	{
		g_autoptr(parsed_message) m = msg_from("team@example.org");
		g_autoptr(form) f = form_parse("Member\nName: A\nEmail: a2@fife.example\n", FALSE);
		g_autoptr(decision) d = decide(cfg, m, f, &st);
		ok(g_str_equal(outcome_name(d->outcome), "ignored") && has_code(d->reasons, "own_mail"),
		   "our own mail: ignored");
		/* A colleague on our domain nominating: their mail server gives
		 * a Message-ID on our domain too. */
		g_autoptr(parsed_message) c = msg_from("ce@fife.example");
		c->message_id = g_strdup("CAF1234.5678@example.org");
		g_autoptr(decision) cd = decide(cfg, c, f, &st);
		ok(g_str_equal(outcome_name(cd->outcome), "accepted"),
		   "a Message-ID on our domain that we never sent: processed, not own mail (%s)",
		   outcome_name(cd->outcome));
		g_autoptr(parsed_message) back = msg_from("ce@fife.example");
		back->message_id = g_strdup("sent-1@example.org");
		g_autoptr(decision) bd = decide(cfg, back, f, &st);
		ok(g_str_equal(outcome_name(bd->outcome), "ignored") && has_code(bd->reasons, "own_mail"),
		   "a Message-ID we sent, under another From: our own mail, ignored");
		g_autoptr(parsed_message) r = msg_from("mailer-daemon@mx.fife.example");
		r->is_report = TRUE;
		r->dsn_message_id = g_strdup("abc@example.org");
		r->dsn_recipient = g_strdup("ce@fife.example");
		g_autoptr(decision) e = decide(cfg, r, f, &st);
		ok(g_str_equal(outcome_name(e->outcome), "ignored") && has_code(e->reasons, "bounce") &&
			   g_strcmp0(e->bounce_id, "abc@example.org") == 0,
		   "a bounce of our mail is noted");
		g_free(r->dsn_message_id);
		r->dsn_message_id = g_strdup("other@elsewhere.example");
		g_autoptr(decision) g = decide(cfg, r, f, &st);
		ok(has_code(g->reasons, "automatic") && !g->bounce_id, "a report about other mail is just automatic");
		g_autoptr(parsed_message) o = msg_from("ce@fife.example");
		g_free(o->subject);
		o->subject = g_strdup("Automatic reply: Nominations");
		g_autoptr(decision) h = decide(cfg, o, f, &st);
		ok(g_str_equal(outcome_name(h->outcome), "ignored") && !h->reply, "out-of-office subject: ignored");
	}
	{
		cfg->programme.require_authentication = TRUE;
		cfg->programme.trusted_authserv_id = g_strdup("mx.example.org");
		g_autoptr(parsed_message) m = msg_from("ce@fife.example");
		g_autoptr(form) f = form_parse("Member\nName: A\nEmail: a3@fife.example\n", FALSE);
		g_ptr_array_add(m->auth_results, g_strdup("evil.example; dmarc=pass header.from=fife.example"));
		g_autoptr(decision) d = decide(cfg, m, f, &st);
		ok(has_code(d->reasons, "unauthenticated"), "results from an untrusted server are ignored");
		g_ptr_array_add(m->auth_results, g_strdup("mx.example.org; spf=pass smtp.mailfrom=fife.example; "
							  "dkim=pass (good signature) header.d=mail.other.example"));
		g_autoptr(decision) e = decide(cfg, m, f, &st);
		ok(has_code(e->reasons, "unauthenticated"), "spf alone or unaligned dkim: held");
		g_ptr_array_add(m->auth_results,
				g_strdup("mx.example.org 1; dkim=pass header.i=@fife.example header.d=fife.example"));
		g_autoptr(decision) g = decide(cfg, m, f, &st);
		is_str(outcome_name(g->outcome), "accepted", "aligned dkim=pass from the trusted server: accepted");
		cfg->programme.require_authentication = FALSE;
	}
	{
		/* Where an Authentication-Results header stands decides whose it is. */
		cfg->programme.require_authentication = TRUE;
		g_autoptr(form) f = form_parse("Member\nName: A\nEmail: a3@fife.example\n", FALSE);
		g_autoptr(parsed_message) m = msg_from("ce@fife.example");
		g_ptr_array_add(m->auth_results, g_strdup("mx.example.org; dmarc=pass header.from=fife.example"));
		m->auth_trace[0] = 1;
		g_autoptr(decision) d = decide(cfg, m, f, &st);
		ok(has_code(d->reasons, "unauthenticated"),
		   "a pass with our authserv-id below a Received field: forged");
		cfg->programme.own_received_headers = 1;
		g_autoptr(decision) e = decide(cfg, m, f, &st);
		is_str(outcome_name(e->outcome), "accepted", "... unless our own servers add that Received field");
		m->auth_trace[0] = 2;
		g_autoptr(decision) g = decide(cfg, m, f, &st);
		ok(has_code(g->reasons, "unauthenticated"), "... and no further down");
		cfg->programme.own_received_headers = 0;
		g_autoptr(parsed_message) o = msg_from("ce@fife.example");
		g_ptr_array_add(o->auth_results, g_strdup("mx.example.org; dmarc=pass header.from=evil.example"));
		g_autoptr(decision) h = decide(cfg, o, f, &st);
		ok(has_code(h->reasons, "unauthenticated"), "a DMARC pass for another domain: not the sender's");
		g_autoptr(parsed_message) q = msg_from("ce@fife.example");
		g_ptr_array_add(q->auth_results, g_strdup("mx.example.org; dmarc=pass"));
		g_autoptr(decision) k = decide(cfg, q, f, &st);
		ok(has_code(k->reasons, "unauthenticated"), "a DMARC pass that names no domain: not believed");
		cfg->programme.require_authentication = FALSE;
	}
	{
		fake.recent = 10;
		g_autoptr(parsed_message) m = msg_from("ce@fife.example");
		g_autoptr(form) f = form_parse("Thanks!\n", FALSE);
		g_autoptr(decision) d = decide(cfg, m, f, &st);
		ok(g_str_equal(outcome_name(d->outcome), "held") && has_code(d->reasons, "reply_limit") && !d->reply,
		   "ten replies in the last hour: held, reply_limit, no reply");
		fake.recent = 9;
		g_autoptr(decision) e = decide(cfg, m, f, &st);
		ok(e->reply, "nine: still answered");
		fake.recent = 0;
	}
	{
		/* Answers to the welcome. */
		struct {
			const char *from, *subject, *in_reply_to, *text, *outcome, *reason;
			enum answer answer;
			const char *name;
		} cases[] = {
			{ "alex@angus.example", "Re: Welcome [ref 0123456789AB]", NULL, "Yes\n", "accepted",
			  "consent_confirmed", ANSWER_YES, "YES with the reference: confirmed" },
			{ "Alex@Angus.example", "Re: Welcome", "welcome-1@example.org", "No, sorry\n", "accepted",
			  "consent_declined", ANSWER_NO, "NO by In-Reply-To from the nominee: declined" },
			{ "alex@angus.example", "Re: Welcome [ref 0123456789ab]", NULL, "What does it involve?\n",
			  "held", "consent_unclear", ANSWER_NONE, "a question: held for staff, answered" },
			{ "pa@angus.example", "Re: Welcome [ref 0123456789ab]", NULL, "Yes\n", "held",
			  "consent_wrong_sender", ANSWER_NONE, "another address with the reference: held, no answer" },
			{ "eve@x.example", "Re: Welcome [ref 0123456789ab]", NULL, "No\n", "held",
			  "consent_wrong_sender", ANSWER_NONE,
			  "a stranger with the reference saying NO: held, nobody withdrawn" },
			{ "other@x.example", "Re: Welcome", "welcome-1@example.org", "Yes\n", "held",
			  "consent_wrong_sender", ANSWER_NONE, "In-Reply-To alone from another address: held" },
			{ "gone@angus.example", "Re: Welcome [ref fedcba987654]", NULL, "Yes\n", "rejected",
			  "nomination_inactive", ANSWER_NONE, "an answer about a withdrawn nomination" },
			{ "alex@angus.example", "YES [ref 0123456789ab]", NULL, NULL, "accepted", "consent_confirmed",
			  ANSWER_YES, "the answer only in the subject" },
			{ "alex@angus.example", "Re: Welcome [ref 99999999aaaa]", NULL, "Yes\n", "held",
			  "not_authorised", ANSWER_NONE, "an unknown reference is not an answer" },
		};
		for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
			g_autoptr(parsed_message) m = msg_from(cases[i].from);
			g_free(m->subject);
			m->subject = g_strdup(cases[i].subject);
			m->in_reply_to = g_strdup(cases[i].in_reply_to);
			m->text = g_strdup(cases[i].text);
			g_autoptr(form) f = form_parse(m->text, FALSE);
			g_autoptr(decision) d = decide(cfg, m, f, &st);
			ok(g_str_equal(outcome_name(d->outcome), cases[i].outcome) &&
				   has_code(d->reasons, cases[i].reason) && d->answer == cases[i].answer,
			   cases[i].name);
			if (!g_str_equal(outcome_name(d->outcome), cases[i].outcome) ||
			    !has_code(d->reasons, cases[i].reason))
				printf("# got %s %s\n", outcome_name(d->outcome),
				       d->reasons->len ? (const char *)d->reasons->pdata[0] : "-");
		}
		g_autoptr(parsed_message) m = msg_from("alex@angus.example");
		g_free(m->subject);
		m->subject = g_strdup("Re: Welcome [ref 0123456789ab]");
		m->text = g_strdup("Yes");
		fake.recent = 10;
		g_autoptr(decision) d = decide(cfg, m, NULL, &st);
		ok(g_str_equal(outcome_name(d->outcome), "held") && has_code(d->reasons, "reply_limit"),
		   "answers too are held past the reply limit");
		fake.recent = 0;
		g_autoptr(decision) e = decide(cfg, m, NULL, &st);
		ok(e->consent && e->consent->id == 7 && e->reply && e->org && g_str_equal(e->org->id, "angus"),
		   "the decision names the nominee and their organisation and answers");
	}
	{
		/* Answers to an event invitation. */
		struct {
			const char *from, *partstat, *in_reply_to, *text;
			int accepted;
			const char *answer, *event_status, *outcome, *reason, *rsvp, *name;
		} cases[] = {
			{ "alex@angus.example", "ACCEPTED", NULL, NULL, 0, "none", "active", "accepted",
			  "rsvp_accepted", "accepted", "calendar ACCEPTED: a place" },
			{ "pa@angus.example", "DECLINED", NULL, NULL, 0, "none", "active", "held", "rsvp_wrong_sender",
			  NULL, "calendar DECLINED naming the attendee, from another address: held" },
			{ "bob@angus.example", "ACCEPTED", NULL, NULL, 0, "none", "active", "held", "rsvp_wrong_sender",
			  NULL, "a second invitee's calendar reply naming the first: held" },
			{ "alex@angus.example", "TENTATIVE", NULL, NULL, 0, "none", "active", "accepted",
			  "rsvp_tentative", "tentative", "calendar TENTATIVE: maybe" },
			{ "alex@angus.example", "ACCEPTED", NULL, NULL, 2, "none", "active", "accepted", "rsvp_waiting",
			  "waiting", "yes to a full event: waiting list" },
			{ "alex@angus.example", "ACCEPTED", NULL, NULL, 2, "accepted", "active", "accepted",
			  "rsvp_accepted", "accepted", "yes again from someone holding a place: kept" },
			{ "alex@angus.example", NULL, "invite-1@example.org", "Yes, I'll be there\n", 0, "none",
			  "active", "accepted", "rsvp_accepted", "accepted", "a plain yes in reply to the invitation" },
			{ "alex@angus.example", NULL, "invite-1@example.org", "No, sorry\n", 0, "accepted", "active",
			  "accepted", "rsvp_declined", "declined", "a plain no" },
			{ "alex@angus.example", NULL, "invite-1@example.org", "Is there parking?\n", 0, "none",
			  "active", "held", "rsvp_unclear", NULL, "a question: held for staff" },
			{ "eve@x.example", NULL, "invite-1@example.org", "Yes\n", 0, "none", "active", "held",
			  "rsvp_wrong_sender", NULL, "words from another address: held" },
			{ "alex@angus.example", "ACCEPTED", NULL, NULL, 0, "none", "cancelled", "rejected",
			  "event_closed", NULL, "an answer to a cancelled event" },
		};
		for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
			invite.accepted = cases[i].accepted;
			invite.answer = cases[i].answer;
			invite.event_status = cases[i].event_status;
			g_autoptr(parsed_message) m = msg_from(cases[i].from);
			if (cases[i].partstat)
				g_ptr_array_add(m->calendar, itip_reply(cases[i].partstat));
			m->in_reply_to = g_strdup(cases[i].in_reply_to);
			m->text = g_strdup(cases[i].text);
			g_autoptr(form) f = form_parse(m->text, FALSE);
			g_autoptr(decision) d = decide(cfg, m, f, &st);
			gboolean good = g_str_equal(outcome_name(d->outcome), cases[i].outcome) &&
					has_code(d->reasons, cases[i].reason) &&
					g_strcmp0(rsvp_of(d), cases[i].rsvp) == 0;
			ok(good, "%s", cases[i].name);
			if (!good)
				printf("# got %s %s %s\n", outcome_name(d->outcome),
				       d->reasons->len ? (const char *)d->reasons->pdata[0] : "-", rsvp_of(d));
		}
		invite.accepted = 0;
		invite.answer = "none";
		invite.event_status = "active";
		g_autoptr(parsed_message) m = msg_from("alex@angus.example");
		m->in_reply_to = g_strdup("invite-1@example.org");
		m->text = g_strdup("Is there parking?\n");
		g_autoptr(decision) d = decide(cfg, m, NULL, &st);
		ok(!d->reply, "no automatic answer to a question about an event");
		/* Google marks calendar answers automatic: the same rule there. */
		g_autoptr(parsed_message) a = msg_from("eve@x.example");
		a->auto_submitted = g_strdup("auto-generated");
		g_ptr_array_add(a->calendar, itip_reply("DECLINED"));
		g_autoptr(decision) e = decide(cfg, a, NULL, &st);
		ok(g_str_equal(outcome_name(e->outcome), "held") && has_code(e->reasons, "rsvp_wrong_sender") &&
			   !e->rsvp && !e->reply,
		   "an automatic calendar reply from another address: held, no effect");
		g_free(a->from);
		a->from = g_strdup("alex@angus.example");
		g_autoptr(decision) g = decide(cfg, a, NULL, &st);
		ok(g->rsvp && g_strcmp0(rsvp_of(g), "declined") == 0 && !g->reply,
		   "the same from the attendee: counts, unanswered");
	}
	{
		/* Answers honour require_authentication as nominations do. */
		cfg->programme.require_authentication = TRUE;
		g_autoptr(parsed_message) m = msg_from("alex@angus.example");
		g_free(m->subject);
		m->subject = g_strdup("Re: Welcome [ref 0123456789ab]");
		m->text = g_strdup("No\n");
		g_autoptr(decision) d = decide(cfg, m, NULL, &st);
		ok(g_str_equal(outcome_name(d->outcome), "held") && has_code(d->reasons, "unauthenticated") &&
			   !d->consent,
		   "consent from the nominee's address without authentication: held");
		g_ptr_array_add(m->auth_results, g_strdup("mx.example.org; dmarc=pass header.from=angus.example"));
		g_autoptr(decision) e = decide(cfg, m, NULL, &st);
		ok(e->consent && e->answer == ANSWER_NO, "with DMARC pass from the trusted server: counts");
		g_autoptr(parsed_message) r = msg_from("alex@angus.example");
		g_ptr_array_add(r->calendar, itip_reply("ACCEPTED"));
		g_autoptr(decision) f = decide(cfg, r, NULL, &st);
		ok(has_code(f->reasons, "unauthenticated") && !f->rsvp, "an RSVP without authentication: held");
		cfg->programme.require_authentication = FALSE;
		/* Two From mailboxes: the answer is nobody's. */
		g_autoptr(parsed_message) two = msg_from("alex@angus.example");
		two->from_count = 2;
		g_free(two->subject);
		two->subject = g_strdup("Re: Welcome [ref 0123456789ab]");
		two->text = g_strdup("No\n");
		g_autoptr(decision) t = decide(cfg, two, NULL, &st);
		ok(has_code(t->reasons, "ambiguous_sender") && !t->consent, "an answer with two From mailboxes: held");
	}
	test_classify(cfg, &st);
	test_asks(cfg, &st);
	test_subject_prefixes(cfg, &st);
	test_reply_gate(cfg, &st, &fake);
	test_documents(cfg, &st);
	test_senders(&st, &fake);
	g_hash_table_unref(fake.known);
	return tap_done();
}
