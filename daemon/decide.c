/* decide: the programme's rules, in the order they apply.
 *
 *  1. Mail that is not from a person is never answered: unreadable mail
 *     and mail past the MIME limits is held; our own mail coming back,
 *     bounces and automatic replies (RFC 3834 and autoresponder habits)
 *     are ignored, a bounce of our mail noting the failed recipient.
 *  2. A second copy of a recorded Message-ID is held unanswered.
 *  3. A reply to a welcome or reminder (found by the reference in its
 *     subject, or by In-Reply-To) is the nominee's answer: YES confirms,
 *     NO withdraws, anything else is held for staff with a reply asking
 *     again. An answer to an event invitation (a calendar's iTIP REPLY,
 *     or words in a reply to the invitation) comes first: yes, no, maybe,
 *     or the waiting list when the event is full. Either counts only from
 *     the person's own address (and authenticated when the programme
 *     requires it); from anyone else it is held with no effect.
 *  4. Otherwise the sender must be exactly one From mailbox (else held as
 *     ambiguous_sender), a nominator of the organisation (else held as
 *     not_authorised: no backscatter to forged or stray mail), and, when
 *     the programme requires it, authenticated (else held); past the
 *     hourly reply limit for that address it is held (reply_limit).
 *  5. Commands in the subject (FORM, STATUS, WITHDRAW address). A
 *     WITHDRAW from mail that did not authenticate only asks the
 *     nominator's mailbox to confirm (a token in the subject, 7 days);
 *     their reply with it carries it out.
 *  6. Each nominee on its own, in form order: closing date, required
 *     fields, address syntax, duplicates (in this message, or accepted for
 *     another organisation; the same organisation sending someone again
 *     amends the entry), then the quota for the role. Accepted nominees
 *     may carry warnings (career stage, external address); the message
 *     may carry unbalanced and narrow_services warnings. */
#include "decide.h"

#include <string.h>

#include "../parsers/ical.h"
#include "../parsers/subject.h"
#include "sender.h"
#include "util.h"

static const char *const outcome_names[] = {
	[OUTCOME_ACCEPTED] = "accepted", [OUTCOME_PARTIAL] = "partial", [OUTCOME_REJECTED] = "rejected",
	[OUTCOME_HELD] = "held",	 [OUTCOME_IGNORED] = "ignored",
};
_Static_assert(G_N_ELEMENTS(outcome_names) == OUTCOME_COUNT, "a name for every outcome");

const char *outcome_name(enum outcome o)
{
	return (unsigned)o < OUTCOME_COUNT ? outcome_names[o] : "?";
}

const char *reason_text(const char *code)
{
	static const struct {
		const char *code, *text;
	} texts[] = {
		{ REASON_QUOTA_EXCEEDED, "your organisation has already nominated as many people for this role as the programme allows" },
		{ REASON_DUPLICATE, "this person has already been nominated" },
		{ REASON_INVALID_EMAIL, "the email address is not a valid address" },
		{ REASON_MISSING_FIELD, "both a name and an email address are needed" },
		{ REASON_CLOSED, "nominations for this round have closed" },
		{ REASON_NOT_AUTHORISED, "the sender is not a nominator for this organisation" },
		{ REASON_UNKNOWN_ORGANISATION, "we could not tell which organisation the nominations are for" },
		{ REASON_NO_NOMINATIONS, "we found no Member or Mentor sections in the message" },
		{ REASON_AMBIGUOUS_SENDER, "the message does not have exactly one sender" },
		{ REASON_UNAUTHENTICATED, "the sender's domain did not authenticate the message" },
		{ REASON_AUTOMATIC, "the message was sent automatically" },
		{ REASON_OWN_MAIL, "the message is our own mail" },
		{ REASON_BOUNCE, "a delivery failure report about our mail" },
		{ REASON_UNPARSEABLE, "the message could not be read as email" },
		{ REASON_TOO_LARGE, "the message is larger than the limit" },
		{ REASON_TOO_COMPLEX, "the message is nested too deeply or has too many parts or header fields" },
		{ REASON_REPEATED, "the same message was received before" },
		{ REASON_DOC_UNREADABLE, "an attached document could not be read (damaged, or not a format we read)" },
		{ REASON_DOC_UNSUPPORTED, "an attached document is in a format we do not read (legacy .doc, RTF, encrypted)" },
		{ REASON_DOC_NO_TEXT, "an attached document holds no text we can read (a scanned image?)" },
		{ REASON_DOC_TOO_LARGE, "an attached document is larger than the limit" },
		{ WARN_DOCUMENT_UNREAD, "an attached document could not be read; the nominations elsewhere in the message were" },
		{ REASON_UNPROCESSABLE, "the message could not be processed" },
		{ REASON_NOT_FOUND, "no nomination from your organisation has that address" },
		{ REASON_REPLY_LIMIT, "too many automatic replies to this address in the last hour" },
		{ REASON_CONSENT_CONFIRMED, "the nominee confirmed their place" },
		{ REASON_CONSENT_DECLINED, "the nominee declined their place" },
		{ REASON_CONSENT_UNCLEAR, "the nominee's answer was neither YES nor NO" },
		{ REASON_NOMINATION_INACTIVE, "the nomination is no longer active" },
		{ REASON_CONSENT_SENDER, "an answer to a welcome came from an address other than the nominee's" },
		{ REASON_RSVP_ACCEPTED, "the invitee will come" },
		{ REASON_RSVP_DECLINED, "the invitee will not come" },
		{ REASON_RSVP_TENTATIVE, "the invitee might come" },
		{ REASON_RSVP_WAITING, "the invitee would come but the event is full: waiting list" },
		{ REASON_RSVP_UNCLEAR, "a reply to an invitation that says neither yes nor no" },
		{ REASON_RSVP_SENDER, "an answer to an invitation came from an address other than the invitee's" },
		{ REASON_EVENT_CLOSED, "the event is cancelled or over" },
		{ REASON_CMD_FORM, "the blank form was sent" },
		{ REASON_CMD_STATUS, "the current nominations were sent" },
		{ REASON_CMD_WITHDRAW, "the nomination was withdrawn" },
		{ REASON_CONFIRM_REQUESTED, "the nominator was asked to confirm by reply" },
		{ REASON_CONFIRM_EXPIRED, "the confirmation has expired, was used already, or is unknown: please send the request again" },
		{ REASON_CONFIRM_SENDER, "a confirmation came from an address other than the one asked" },
		{ WARN_UNBALANCED, "the programme asks for equal numbers of members and mentors" },
		{ WARN_MEMBER_EXPERIENCED, "members are meant to be early in their local government career" },
		{ WARN_MENTOR_INEXPERIENCED, "mentors are meant to be experienced in local government" },
		{ WARN_NARROW_SERVICES, "the programme asks for nominees from a range of corporate, strategic and operational services" },
		{ WARN_EXTERNAL_EMAIL, "the email address is not at your organisation's domain" },
		{ WARN_NO_REPLY, "the sender asked for no automatic replies" },
	};
	for (size_t i = 0; i < G_N_ELEMENTS(texts); i++)
		if (strcmp(texts[i].code, code) == 0)
			return texts[i].text;
	return code;
}

void decision_free(struct decision *d)
{
	if (!d)
		return;
	g_ptr_array_unref(d->reasons);
	g_ptr_array_unref(d->warnings);
	g_array_unref(d->verdicts);
	g_free(d->withdraw);
	g_free(d->confirm_token);
	g_free(d->detail);
	g_free(d->bounce_id);
	g_free(d->bounce_rcpt);
	g_free(d->document);
	if (d->consent) {
		consent_target_clear(d->consent);
		g_free(d->consent);
	}
	if (d->rsvp) {
		rsvp_target_clear(d->rsvp);
		g_free(d->rsvp);
	}
	g_free(d);
}

static struct decision *decision_new(enum outcome o)
{
	struct decision *d = g_new0(struct decision, 1);
	d->outcome = o;
	d->reasons = g_ptr_array_new();
	d->warnings = g_ptr_array_new();
	d->verdicts = g_array_new(FALSE, TRUE, sizeof(struct verdict));
	return d;
}

static void add_code(GPtrArray *list, const char *code)
{
	for (guint i = 0; i < list->len; i++)
		if (strcmp(list->pdata[i], code) == 0)
			return;
	g_ptr_array_add(list, (gpointer)code);
}

static struct decision *finish(struct decision *d, const char *reason, const char *detail)
{
	add_code(d->reasons, reason);
	if (detail && !d->detail)
		d->detail = g_strdup(detail);
	return d;
}

struct decision *decide_held(const char *reason)
{
	return finish(decision_new(OUTCOME_HELD), reason, NULL);
}

void consent_target_clear(struct consent_target *t)
{
	g_free(t->email);
	g_free(t->name);
	g_free(t->role);
	g_free(t->organisation);
	g_free(t->token);
	g_free(t->nominated_by);
	*t = (struct consent_target){ 0 };
}

void confirm_target_clear(struct confirm_target *c)
{
	g_free(c->command);
	g_free(c->argument);
	g_free(c->organisation);
	g_free(c->nominator);
	*c = (struct confirm_target){ 0 };
}

void rsvp_target_clear(struct rsvp_target *t)
{
	g_free(t->email);
	g_free(t->name);
	g_free(t->event_status);
	*t = (struct rsvp_target){ 0 };
}

static void rsvp_target_free(struct rsvp_target *t)
{
	if (t) {
		rsvp_target_clear(t);
		g_free(t);
	}
}

static void consent_target_free(struct consent_target *t)
{
	if (t) {
		consent_target_clear(t);
		g_free(t);
	}
}

/* The one gate in front of every answer. Past the hourly limit of
 * automatic replies to the sender nothing more is answered and staff are
 * told: a held reply_limit decision, and *limited. (A loop with an
 * autoresponder that marks nothing as automatic ends here.) Else a new
 * decision with outcome `o` that answers, unless the sender asked for no
 * automatic replies: then staff see reply_suppressed instead. */
static struct decision *reply_gate(const struct nomd_config *cfg, const struct parsed_message *msg,
				   const struct decide_state *state, enum outcome o, gboolean *limited)
{
	*limited = state->recent_replies(state->ctx, msg->from) >= cfg->smtp.max_replies_per_sender_per_hour;
	if (*limited)
		return finish(decision_new(OUTCOME_HELD), REASON_REPLY_LIMIT, msg->from);
	struct decision *d = decision_new(o);
	d->reply = !sender_suppresses_reply(msg);
	if (!d->reply)
		add_code(d->warnings, WARN_NO_REPLY);
	return d;
}

/* The message it answers first, then the thread from newest. */
static GPtrArray *thread_ids(const struct parsed_message *msg)
{
	GPtrArray *ids = g_ptr_array_new();
	if (msg->in_reply_to)
		g_ptr_array_add(ids, msg->in_reply_to);
	for (guint i = msg->references ? msg->references->len : 0; i > 0; i--)
		g_ptr_array_add(ids, msg->references->pdata[i - 1]);
	return ids;
}

/* The invitation this message answers, by its calendar reply or by the
 * mail it replies to; *reply gets the calendar's answer when there is one. */
static struct rsvp_target *find_invitation(const struct parsed_message *msg, const struct decide_state *state,
					   gboolean calendar_only, struct ical_reply *reply)
{
	if (!state->invitation)
		return NULL;
	struct rsvp_target *t = g_new0(struct rsvp_target, 1);
	for (guint i = 0; msg->calendar && i < msg->calendar->len; i++) {
		gsize len = 0;
		const char *data = g_bytes_get_data(msg->calendar->pdata[i], &len);
		ical_reply_clear(reply);
		if (ical_read_reply(data, len, reply) &&
		    state->invitation(state->ctx, reply->uid, reply->attendee, NULL, 0, t))
			return t;
	}
	ical_reply_clear(reply);
	g_autoptr(GPtrArray) ids = thread_ids(msg);
	if (!calendar_only && ids->len && state->invitation(state->ctx, NULL, NULL, (const char *const *)ids->pdata, ids->len, t))
		return t;
	rsvp_target_free(t);
	return NULL;
}

/* Why an answer (consent, RSVP) about `owner` does not count, or NULL when
 * it does. A reference, an event UID or an ATTENDEE in the mail only finds
 * the record: everyone it was sent to holds them. Only the person it is
 * about may answer, from their own address, authenticated when the
 * programme asks for that as it does of nominators. */
static const char *answer_refused(const struct nomd_config *cfg, const struct parsed_message *msg,
				  const char *owner, const char *wrong_sender)
{
	if (msg->from_headers != 1 || msg->from_count != 1 || !msg->from)
		return REASON_AMBIGUOUS_SENDER;
	g_autofree char *sender = email_key(msg->from);
	g_autofree char *key = email_key(owner);
	if (g_strcmp0(sender, key) != 0)
		return wrong_sender;
	if (cfg->programme.require_authentication && !sender_authenticated(cfg, msg))
		return REASON_UNAUTHENTICATED;
	return NULL;
}

static struct decision *decide_rsvp(const struct nomd_config *cfg, const struct parsed_message *msg,
				    const struct decide_state *state, struct rsvp_target *t,
				    const struct ical_reply *cal)
{
	gboolean by_calendar = cal->uid != NULL;
	const char *refused = answer_refused(cfg, msg, t->email, REASON_RSVP_SENDER);
	if (refused) {
		rsvp_target_free(t);
		return finish(decision_new(OUTCOME_HELD), refused, msg->from);
	}
	gboolean limited = FALSE;
	struct decision *d = reply_gate(cfg, msg, state, OUTCOME_ACCEPTED, &limited);
	if (limited) {
		rsvp_target_free(t);
		return d;
	}
	d->rsvp = t;
	d->rsvp_by_calendar = by_calendar;
	if (g_strcmp0(t->event_status, "active") != 0 || t->starts_at <= state->received ||
	    t->nominee_status != NOMINEE_ACCEPTED) {
		d->outcome = OUTCOME_REJECTED;
		return finish(d, REASON_EVENT_CLOSED, t->event_status);
	}
	enum rsvp answer = RSVP_NONE;
	if (by_calendar) {
		answer = cal->partstat == ICAL_PARTSTAT_ACCEPTED    ? RSVP_ACCEPTED
			 : cal->partstat == ICAL_PARTSTAT_DECLINED  ? RSVP_DECLINED
			 : cal->partstat == ICAL_PARTSTAT_TENTATIVE ? RSVP_TENTATIVE
								    : RSVP_NONE;
	} else {
		enum answer a = answer_read(msg->text);
		answer = a == ANSWER_YES ? RSVP_ACCEPTED : a == ANSWER_NO ? RSVP_DECLINED : RSVP_NONE;
	}
	if (answer == RSVP_NONE) {
		/* A question about the event: for a person to answer. */
		d->outcome = OUTCOME_HELD;
		d->reply = FALSE;
		return finish(d, REASON_RSVP_UNCLEAR, NULL);
	}
	/* A yes to a full event waits; a place already held is kept. */
	if (answer == RSVP_ACCEPTED && t->answer != RSVP_ACCEPTED &&
	    (t->answer == RSVP_WAITING || (t->capacity > 0 && t->accepted >= t->capacity)))
		answer = RSVP_WAITING;
	d->rsvp_answer = answer;
	static const char *const reasons[] = {
		[RSVP_ACCEPTED] = REASON_RSVP_ACCEPTED,
		[RSVP_DECLINED] = REASON_RSVP_DECLINED,
		[RSVP_TENTATIVE] = REASON_RSVP_TENTATIVE,
		[RSVP_WAITING] = REASON_RSVP_WAITING,
	};
	_Static_assert(G_N_ELEMENTS(reasons) == RSVP_COUNT, "a reason for every RSVP answer");
	return finish(d, reasons[answer], NULL);
}

/* A reply to a welcome or reminder, when this message is one: its target. */
static struct consent_target *find_consent_target(const struct parsed_message *msg, const struct decide_state *state)
{
	g_autofree char *token = subject_token(msg->subject, "ref");
	g_autoptr(GPtrArray) ids = thread_ids(msg);
	if ((!token && ids->len == 0) || !state->consent_target)
		return NULL;
	struct consent_target *t = g_new0(struct consent_target, 1);
	if (!state->consent_target(state->ctx, token, (const char *const *)ids->pdata, ids->len, t)) {
		consent_target_free(t);
		return NULL;
	}
	return t;
}

static struct decision *decide_consent(const struct nomd_config *cfg, const struct parsed_message *msg,
				       const struct decide_state *state, struct consent_target *t)
{
	/* The reference finds the nominee; it never speaks for them. */
	const char *refused = answer_refused(cfg, msg, t->email, REASON_CONSENT_SENDER);
	if (refused) {
		consent_target_free(t);
		return finish(decision_new(OUTCOME_HELD), refused, msg->from);
	}
	gboolean limited = FALSE;
	struct decision *d = reply_gate(cfg, msg, state, OUTCOME_ACCEPTED, &limited);
	if (limited) {
		consent_target_free(t);
		return d;
	}
	d->consent = t;
	d->org = config_find_organisation(cfg, t->organisation);
	if (t->status != NOMINEE_ACCEPTED) {
		d->outcome = OUTCOME_REJECTED;
		return finish(d, REASON_NOMINATION_INACTIVE, nominee_status_name(t->status));
	}
	d->answer = answer_read(msg->text);
	if (d->answer == ANSWER_NONE) {
		/* A new message with the answer only in its subject. */
		d->answer = answer_read(subject_clean(msg->subject));
	}
	switch (d->answer) {
	case ANSWER_YES: return finish(d, REASON_CONSENT_CONFIRMED, NULL);
	case ANSWER_NO: return finish(d, REASON_CONSENT_DECLINED, NULL);
	case ANSWER_NONE: break;
	}
	/* Perhaps a question: staff read it; the nominee is asked again. */
	d->outcome = OUTCOME_HELD;
	return finish(d, REASON_CONSENT_UNCLEAR, NULL);
}

gboolean decide_reads_documents(const struct nomd_config *cfg, const struct parsed_message *msg)
{
	if (!cfg->documents.enabled || !msg->parsed || msg->limit || !msg->documents || msg->documents->len == 0)
		return FALSE;
	if (msg->from_headers != 1 || msg->from_count != 1 || !msg->from)
		return FALSE;
	if (sender_is_us(cfg, msg) || sender_automatic(msg))
		return FALSE;
	if (cfg->programme.require_authentication && !sender_authenticated(cfg, msg))
		return FALSE;
	for (guint i = 0; i < cfg->organisations->len; i++)
		if (config_is_nominator(cfg->organisations->pdata[i], msg->from))
			return TRUE;
	return FALSE;
}

/* A document the reader gave up on at a limit (time, memory, CPU, a
 * bomb): staff look at the message, nobody is answered. */
static const struct mime_document *document_over_limit(const struct parsed_message *msg)
{
	for (guint i = 0; msg->documents && i < msg->documents->len; i++) {
		const struct mime_document *doc = msg->documents->pdata[i];
		if (doc->settled && (doc->status == DOC_TOO_COMPLEX || (doc->status == DOC_FAILED && doc->limit)))
			return doc;
	}
	return NULL;
}

/* The first document that could not be read, and the code saying why. A
 * reader that crashed counts as a file it could not read. */
static const struct mime_document *document_unread(const struct parsed_message *msg, const char **reason)
{
	for (guint i = 0; msg->documents && i < msg->documents->len; i++) {
		const struct mime_document *doc = msg->documents->pdata[i];
		if (!doc->settled)
			continue;
		switch (doc->status) {
		case DOC_OK:
		case DOC_TOO_COMPLEX:
		case DOC_STATUS_COUNT: continue;
		case DOC_UNSUPPORTED: *reason = REASON_DOC_UNSUPPORTED; return doc;
		case DOC_NO_TEXT: *reason = REASON_DOC_NO_TEXT; return doc;
		case DOC_TOO_LARGE: *reason = REASON_DOC_TOO_LARGE; return doc;
		case DOC_UNREADABLE:
		case DOC_FAILED: *reason = REASON_DOC_UNREADABLE; return doc;
		}
	}
	return NULL;
}

/* The organisation the sender nominates for, when exactly one. */
static const struct organisation *sole_organisation(const struct nomd_config *cfg, const char *sender,
						    guint *count)
{
	const struct organisation *found = NULL;
	*count = 0;
	for (guint i = 0; i < cfg->organisations->len; i++) {
		const struct organisation *o = cfg->organisations->pdata[i];
		if (config_is_nominator(o, sender)) {
			found = o;
			(*count)++;
		}
	}
	return *count == 1 ? found : NULL;
}

/* "FORM", "STATUS", "WITHDRAW alex@x" after any Re:/Fwd: prefixes. */
static enum command parse_command(const char *subject, char **arg)
{
	g_autofree char *word = g_strdup(subject_clean(subject));
	char *space = strchr(word, ' ');
	const char *rest = space ? g_strstrip(space + 1) : "";
	if (space)
		*space = '\0';
	if (g_ascii_strcasecmp(word, "form") == 0 && !*rest)
		return CMD_FORM;
	if (g_ascii_strcasecmp(word, "status") == 0 && !*rest)
		return CMD_STATUS;
	if (g_ascii_strcasecmp(word, "withdraw") == 0 && *rest && !strchr(rest, ' ')) {
		*arg = g_strdup(rest);
		return CMD_WITHDRAW;
	}
	return CMD_NONE;
}

static gboolean email_in_domains(const struct organisation *org, const char *email)
{
	if (org->domains->len == 0)
		return TRUE;
	const char *dom = strrchr(email, '@') + 1;
	for (guint i = 0; i < org->domains->len; i++) {
		const char *d = org->domains->pdata[i];
		size_t n = strlen(d), m = strlen(dom);
		if (g_ascii_strcasecmp(dom, d) == 0 ||
		    (m > n && dom[m - n - 1] == '.' && g_ascii_strcasecmp(dom + m - n, d) == 0))
			return TRUE;
	}
	return FALSE;
}

static void add_warning(struct verdict *v, const char *code)
{
	for (size_t i = 0; i + 1 < G_N_ELEMENTS(v->warnings); i++)
		if (!v->warnings[i]) {
			v->warnings[i] = code;
			return;
		}
}

struct judge_ctx {
	const struct nomd_config *cfg;
	const struct organisation *org;
	const struct decide_state *state;
	GHashTable *seen;   /* addresses in this message */
	GHashTable *types;  /* service types after this message */
	int *members, *mentors;
	int typed;
	gboolean closed;
};

/* The organisation and role an address is accepted under, looked up once
 * per nominee before judging (NULLs when the address is new or unusable). */
struct owner {
	char *org, *role;
};

static void judge(struct judge_ctx *j, struct verdict *v, const struct owner *own)
{
	const struct nominee *n = v->nominee;
	const struct nomd_config *cfg = j->cfg;
	if (j->closed) {
		v->reason = REASON_CLOSED;
		return;
	}
	if (!n->name || !*n->name || !n->email || !*n->email) {
		v->reason = REASON_MISSING_FIELD;
		return;
	}
	if (!email_valid(n->email)) {
		v->reason = REASON_INVALID_EMAIL;
		return;
	}
	g_autofree char *key = email_key(n->email);
	if (g_hash_table_contains(j->seen, key)) {
		v->reason = REASON_DUPLICATE;
		return;
	}
	const char *owner_role = own->role;
	if (own->org) {
		if (g_strcmp0(own->org, j->org->id) != 0) {
			v->reason = REASON_DUPLICATE;
			return;
		}
		v->amended = TRUE;
	}
	int *count = n->role == ROLE_MENTOR ? j->mentors : j->members;
	int limit = n->role == ROLE_MENTOR ? cfg->programme.max_mentors : cfg->programme.max_members;
	/* An amendment in the same role takes no new place. */
	gboolean new_place = !v->amended || g_strcmp0(owner_role, form_role_name(n->role)) != 0;
	if (new_place && *count >= limit) {
		v->reason = REASON_QUOTA_EXCEEDED;
		v->amended = FALSE;
		return;
	}
	if (new_place) {
		(*count)++;
		if (v->amended) /* the old place in the other role is freed */
			(*(n->role == ROLE_MENTOR ? j->members : j->mentors))--;
	}
	g_hash_table_add(j->seen, g_steal_pointer(&key));
	if (n->service_type && *n->service_type) {
		g_hash_table_add(j->types, g_strdup(n->service_type));
		j->typed++;
	}
	if (n->role == ROLE_MEMBER && n->years >= 0 && n->years > cfg->programme.member_max_years)
		add_warning(v, WARN_MEMBER_EXPERIENCED);
	if (n->role == ROLE_MENTOR && n->years >= 0 && n->years < cfg->programme.mentor_min_years)
		add_warning(v, WARN_MENTOR_INEXPERIENCED);
	if (!email_in_domains(j->org, n->email))
		add_warning(v, WARN_EXTERNAL_EMAIL);
}

/* A reply confirming a command: it holds when its token is known, unused
 * and in date, and it comes from the nominator the request went to. Then
 * *arg is the command's argument and NULL is returned; else the decision. */
static struct decision *confirm_command(const struct parsed_message *msg, struct decision *d, const char *token,
					const struct decide_state *state, char **arg)
{
	struct confirm_target c = { 0 };
	if (!state->confirmation || !state->confirmation(state->ctx, token, &c) || c.done ||
	    state->received > c.expires_at || g_strcmp0(c.command, "withdraw") != 0) {
		d->outcome = OUTCOME_REJECTED;
		finish(d, REASON_CONFIRM_EXPIRED, c.argument);
		confirm_target_clear(&c);
		return d;
	}
	g_autofree char *sender = email_key(msg->from);
	if (g_strcmp0(sender, c.nominator) != 0 || g_strcmp0(c.organisation, d->org->id) != 0) {
		/* Another nominator holding the token: staff look. */
		d->outcome = OUTCOME_HELD;
		d->reply = FALSE;
		finish(d, REASON_CONFIRM_SENDER, msg->from);
		confirm_target_clear(&c);
		return d;
	}
	d->confirm_token = g_strdup(token);
	*arg = g_steal_pointer(&c.argument);
	confirm_target_clear(&c);
	return NULL;
}

static struct decision *decide_command(const struct nomd_config *cfg, const struct parsed_message *msg,
				       struct decision *d, enum command cmd, const char *token, char *arg,
				       const struct decide_state *state)
{
	d->command = cmd;
	d->outcome = OUTCOME_ACCEPTED;
	if (cmd == CMD_FORM)
		return finish(d, REASON_CMD_FORM, NULL);
	if (cmd == CMD_STATUS)
		return finish(d, REASON_CMD_STATUS, NULL);
	g_autofree char *confirmed = NULL;
	if (cmd == CMD_CONFIRM) {
		struct decision *refused = confirm_command(msg, d, token, state, &confirmed);
		if (refused)
			return refused;
		arg = confirmed;
		d->command = CMD_WITHDRAW;
	}
	g_autofree char *key = email_key(arg);
	g_autofree char *owner = NULL, *role = NULL;
	d->withdraw = g_strdup(arg);
	if (!email_valid(arg) || !state->email_owner(state->ctx, key, &owner, &role) ||
	    g_strcmp0(owner, d->org->id) != 0) {
		d->outcome = OUTCOME_REJECTED;
		g_clear_pointer(&d->withdraw, g_free);
		return finish(d, REASON_NOT_FOUND, arg);
	}
	/* A From address is easily forged: unless the message authenticated,
	 * the nominator's own mailbox must confirm before anyone is removed. */
	if (!confirmed && !sender_authenticated(cfg, msg)) {
		d->command = CMD_WITHDRAW_PENDING;
		d->confirm_expires = state->received + CONFIRM_SECONDS;
		return finish(d, REASON_CONFIRM_REQUESTED, arg);
	}
	if (g_strcmp0(role, "mentor") == 0)
		d->mentors--;
	else
		d->members--;
	return finish(d, REASON_CMD_WITHDRAW, arg);
}

struct decision *decide(const struct nomd_config *cfg, const struct parsed_message *msg,
			const struct form *form, const struct decide_state *state)
{
	if (!msg->parsed)
		return decide_held(REASON_UNPARSEABLE);
	if (msg->limit)
		return finish(decision_new(OUTCOME_HELD), REASON_TOO_COMPLEX, msg->limit);
	if (sender_is_us(cfg, msg) || (msg->message_id && state->sent_by_us(state->ctx, msg->message_id)))
		return finish(decision_new(OUTCOME_IGNORED), REASON_OWN_MAIL, NULL);
	const char *automatic = sender_automatic(msg);
	if (automatic) {
		struct decision *d = decision_new(OUTCOME_IGNORED);
		if (msg->is_report && msg->dsn_message_id && state->sent_by_us(state->ctx, msg->dsn_message_id)) {
			d->bounce_id = g_strdup(msg->dsn_message_id);
			d->bounce_rcpt = g_strdup(msg->dsn_recipient);
			g_autofree char *what = g_strdup_printf("%s: %s %s", msg->dsn_recipient ? msg->dsn_recipient : "?",
								msg->dsn_action ? msg->dsn_action : "failed",
								msg->dsn_status ? msg->dsn_status : "");
			return finish(d, REASON_BOUNCE, g_strstrip(what));
		}
		/* Google marks its calendar's answers as automatic: the answer
		 * counts, but nothing automatic is ever answered. */
		struct ical_reply cal = { 0 };
		struct rsvp_target *invitation =
			msg->from && !msg->is_report ? find_invitation(msg, state, TRUE, &cal) : NULL;
		if (invitation) {
			decision_free(d);
			d = decide_rsvp(cfg, msg, state, invitation, &cal);
			ical_reply_clear(&cal);
			d->reply = FALSE;
			return d;
		}
		return finish(d, REASON_AUTOMATIC, automatic);
	}
	if (msg->message_id && state->message_known(state->ctx, msg->message_id))
		return decide_held(REASON_REPEATED);
	if (msg->from_headers != 1 || msg->from_count != 1 || !msg->from)
		return decide_held(REASON_AMBIGUOUS_SENDER);
	struct ical_reply cal = { 0 };
	struct rsvp_target *invitation = find_invitation(msg, state, FALSE, &cal);
	if (invitation) {
		struct decision *d = decide_rsvp(cfg, msg, state, invitation, &cal);
		ical_reply_clear(&cal);
		return d;
	}
	struct consent_target *target = find_consent_target(msg, state);
	if (target)
		return decide_consent(cfg, msg, state, target);

	guint count = 0;
	const struct organisation *home = sole_organisation(cfg, msg->from, &count);
	if (count == 0)
		return decide_held(REASON_NOT_AUTHORISED);
	if (cfg->programme.require_authentication && !sender_authenticated(cfg, msg))
		return decide_held(REASON_UNAUTHENTICATED);
	const struct organisation *org = home;
	if (form->organisation) {
		org = config_find_organisation(cfg, form->organisation);
		if (org && !config_is_nominator(org, msg->from))
			return decide_held(REASON_NOT_AUTHORISED);
	}
	gboolean limited = FALSE;
	struct decision *d = reply_gate(cfg, msg, state, OUTCOME_REJECTED, &limited);
	if (limited)
		return d;
	const struct mime_document *stuck = document_over_limit(msg);
	if (stuck) {
		/* Staff look at the message; nobody is answered. */
		decision_free(d);
		g_autofree char *what = g_strdup_printf("%s: %s", stuck->filename,
							stuck->detail ? stuck->detail : doc_status_name(stuck->status));
		return finish(decision_new(OUTCOME_HELD), REASON_TOO_COMPLEX, what);
	}
	/* From here on the sender is a known nominator: answering is safe. */
	if (!org)
		return finish(d, REASON_UNKNOWN_ORGANISATION, form->organisation);
	d->org = org;
	struct org_summary sum = { 0 };
	state->summary(state->ctx, org->id, &sum);
	d->members = sum.members;
	d->mentors = sum.mentors;

	g_autofree char *arg = NULL;
	enum command cmd = parse_command(msg->subject, &arg);
	g_autofree char *token = subject_token(msg->subject, "confirm");
	if (token)
		cmd = CMD_CONFIRM;
	const char *unread_reason = NULL;
	const struct mime_document *unread = document_unread(msg, &unread_reason);
	if (unread) {
		d->document = g_strdup(unread->filename);
		d->document_reason = unread_reason;
	}
	/* Nothing found, and a document we could not read: that is the answer. */
	if (unread && form->nominees->len == 0) {
		if (sum.service_types)
			g_ptr_array_unref(sum.service_types);
		return finish(d, unread_reason, unread->filename);
	}
	if (unread)
		add_code(d->warnings, WARN_DOCUMENT_UNREAD);
	/* "Re: Form" above a filled-in form is a nomination, not a command. */
	if (cmd != CMD_NONE && form->nominees->len == 0) {
		if (sum.service_types)
			g_ptr_array_unref(sum.service_types);
		return decide_command(cfg, msg, d, cmd, token, arg, state);
	}

	g_autoptr(GHashTable) seen = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	g_autoptr(GHashTable) types = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	for (guint i = 0; sum.service_types && i < sum.service_types->len; i++)
		g_hash_table_add(types, g_strdup(sum.service_types->pdata[i]));
	if (sum.service_types)
		g_ptr_array_unref(sum.service_types);
	struct judge_ctx j = {
		.cfg = cfg,
		.org = org,
		.state = state,
		.seen = seen,
		.types = types,
		.members = &d->members,
		.mentors = &d->mentors,
		.typed = sum.typed,
		.closed = cfg->programme.closes_at && state->received > cfg->programme.closes_at,
	};
	if (form->nominees->len == 0)
		return finish(d, j.closed ? REASON_CLOSED : REASON_NO_NOMINATIONS, NULL);

	guint count_n = form->nominees->len;
	g_autofree struct owner *owners = g_new0(struct owner, count_n);
	for (guint i = 0; i < count_n; i++) {
		const struct nominee *n = form->nominees->pdata[i];
		if (!n->email || !email_valid(n->email))
			continue;
		g_autofree char *key = email_key(n->email);
		state->email_owner(state->ctx, key, &owners[i].org, &owners[i].role);
	}
	/* Amendments first: a role change may free a place, and the answer
	 * must not depend on where in the form it stands. */
	g_array_set_size(d->verdicts, count_n);
	for (int pass = 0; pass < 2; pass++) {
		for (guint i = 0; i < count_n; i++) {
			gboolean amendment = g_strcmp0(owners[i].org, org->id) == 0;
			if (amendment != (pass == 0))
				continue;
			struct verdict *v = &g_array_index(d->verdicts, struct verdict, i);
			v->nominee = form->nominees->pdata[i];
			judge(&j, v, &owners[i]);
		}
	}
	for (guint i = 0; i < count_n; i++) {
		g_free(owners[i].org);
		g_free(owners[i].role);
	}
	guint accepted = 0;
	for (guint i = 0; i < d->verdicts->len; i++) {
		const struct verdict *v = &g_array_index(d->verdicts, struct verdict, i);
		if (v->reason)
			add_code(d->reasons, v->reason);
		else
			accepted++;
		for (size_t w = 0; v->warnings[w]; w++)
			add_code(d->warnings, v->warnings[w]);
	}
	if (accepted > 0) {
		if (d->members != d->mentors)
			add_code(d->warnings, WARN_UNBALANCED);
		if (j.typed >= 2 && g_hash_table_size(types) == 1)
			add_code(d->warnings, WARN_NARROW_SERVICES);
	}
	d->outcome = accepted == form->nominees->len ? OUTCOME_ACCEPTED
		     : accepted > 0			 ? OUTCOME_PARTIAL
							 : OUTCOME_REJECTED;
	return d;
}
