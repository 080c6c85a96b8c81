/* decide: the programme's rules. classify() says what a message is (the
 * first class that fits, in this order); one function per class decides
 * it; the nominations themselves are judged in judge.c.
 *
 *  1. Mail that is not from a person is never answered: unreadable mail
 *     and mail past the MIME limits is held (broken); our own mail coming
 *     back, bounces and automatic replies (RFC 3834 and autoresponder
 *     habits) are ignored, a bounce of our mail noting the failed
 *     recipient.
 *  2. A second copy of a recorded Message-ID is held unanswered, and so is
 *     mail without exactly one From mailbox (ambiguous_sender).
 *  3. An answer to an event invitation (a calendar's iTIP REPLY, also one
 *     marked automatic, or words in a reply to the invitation): yes, no,
 *     maybe, or the waiting list when the event is full. Then a reply to a
 *     welcome or reminder (found by the reference in its subject, or by
 *     In-Reply-To) is the nominee's answer: YES confirms, NO withdraws,
 *     anything else is held for staff with a reply asking again. Either
 *     counts only from the person's own address (and authenticated when
 *     the programme requires it); from anyone else it is held with no
 *     effect. So does a paired person's answer to a question after
 *     pairing (have you met, how is it going, feedback): read, stored and
 *     thanked; words that answer nothing are held for staff.
 *  4. Otherwise the sender must be a nominator of the organisation (else
 *     held as not_authorised: no backscatter to forged or stray mail),
 *     and, when the programme requires it, authenticated (else held).
 *  5. Commands in the subject (FORM, STATUS, WITHDRAW address) of a
 *     message without nominations. A WITHDRAW from mail that did not
 *     authenticate only asks the nominator's mailbox to confirm (a token in
 *     the subject, 7 days); their reply with it carries it out.
 *  6. Anything else is nominations (judge.c).
 * Every answer passes one gate (decide_reply_gate): past the hourly reply
 * limit for the address it is held (reply_limit), and a sender who asked
 * for no automatic replies gets none. */
#include "decide_internal.h"

#include <string.h>

#include "../parsers/subject.h"
#include "origin.h"
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
		{ REASON_QUOTA_EXCEEDED,
		  "your organisation has already nominated as many people for this role as the programme allows" },
		{ REASON_DUPLICATE, "this person has already been nominated" },
		{ REASON_INVALID_EMAIL, "the email address is not a valid address" },
		{ REASON_MISSING_FIELD, "both a name and an email address are needed" },
		{ REASON_CLOSED, "nominations for this round have closed" },
		{ REASON_NOT_AUTHORISED, "the sender is not a nominator for this organisation" },
		{ REASON_UNKNOWN_ORGANISATION, "we could not tell which organisation the nominations are for" },
		{ REASON_FIELD_MISSING, "the form leaves out a field the programme needs" },
		{ REASON_ROLE_MISSING, "the form does not say which role the person is for" },
		{ REASON_NOT_YOURSELF,
		  "a registration must be about its sender: each person registers from their own address" },
		{ REASON_NOT_YOURS, "someone else made this nomination: only they can change or withdraw it" },
		{ REASON_CHOICE_FULL,
		  "the organisation has as many nominations with that choice (such as a category) as the programme "
		  "allows" },
		{ REASON_NOT_A_CHOICE, "a field holds something other than one of its choices" },
		{ REASON_NOT_A_NUMBER, "a field that takes a number holds something else" },
		{ REASON_TOO_LONG, "a text is longer than the programme allows" },
		{ REASON_WRONG_ORGANISATION,
		  "the sender nominates for another organisation than the one the form names" },
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
		{ REASON_DOC_UNSUPPORTED,
		  "an attached document is in a format we do not read (legacy .doc, RTF, encrypted)" },
		{ REASON_DOC_NO_TEXT, "an attached document holds no text we can read (a scanned image?)" },
		{ REASON_DOC_TOO_LARGE, "an attached document is larger than the limit" },
		{ WARN_DOCUMENT_UNREAD,
		  "an attached document could not be read; the nominations elsewhere in the message were" },
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
		{ REASON_MEETING_MET, "the pair have met" },
		{ REASON_MEETING_NOT_YET, "the pair have not met yet" },
		{ REASON_CHECKIN_GOOD, "a check-in: going well" },
		{ REASON_CHECKIN_OK, "a check-in: going OK" },
		{ REASON_CHECKIN_HELP, "a check-in: asks for help" },
		{ REASON_FEEDBACK, "feedback on the programme" },
		{ REASON_ANSWER_UNCLEAR, "a reply to a question after pairing that gives none of the words asked for" },
		{ REASON_ANSWER_SENDER, "an answer about a pair came from an address other than the person's" },
		{ REASON_PAIR_ENDED, "an answer about a pair that has ended" },
		{ REASON_CMD_FORM, "the blank form was sent" },
		{ REASON_CMD_STATUS, "the current nominations were sent" },
		{ REASON_CMD_WITHDRAW, "the nomination was withdrawn" },
		{ REASON_CONFIRM_REQUESTED, "the nominator was asked to confirm by reply" },
		{ REASON_CONFIRM_EXPIRED,
		  "the confirmation has expired, was used already, or is unknown: please send the request again" },
		{ REASON_CONFIRM_SENDER, "a confirmation came from an address other than the one asked" },
		{ WARN_UNBALANCED, "the programme asks for equal numbers of members and mentors" },
		{ WARN_MEMBER_EXPERIENCED, "members are meant to be early in their local government career" },
		{ WARN_MENTOR_INEXPERIENCED, "mentors are meant to be experienced in local government" },
		{ WARN_NARROW_SERVICES,
		  "the programme asks for nominees from a range of corporate, strategic and operational services" },
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
	if (d->nominates_for)
		g_ptr_array_unref(d->nominates_for);
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
	if (d->ask) {
		ask_target_clear(d->ask);
		g_free(d->ask);
	}
	g_free(d->words);
	g_free(d);
}

struct decision *decision_new(enum outcome o)
{
	struct decision *d = g_new0(struct decision, 1);
	d->outcome = o;
	d->reasons = g_ptr_array_new();
	d->warnings = g_ptr_array_new();
	d->verdicts = g_array_new(FALSE, TRUE, sizeof(struct verdict));
	return d;
}

void decision_add_code(GPtrArray *list, const char *code)
{
	for (guint i = 0; i < list->len; i++)
		if (strcmp(list->pdata[i], code) == 0)
			return;
	g_ptr_array_add(list, (gpointer)code);
}

struct decision *decision_finish(struct decision *d, const char *reason, const char *detail)
{
	decision_add_code(d->reasons, reason);
	if (detail && !d->detail)
		d->detail = g_strdup(detail);
	return d;
}

struct decision *decide_held(const char *reason)
{
	return decision_finish(decision_new(OUTCOME_HELD), reason, NULL);
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

void ask_target_clear(struct ask_target *t)
{
	g_free(t->token);
	g_free(t->email);
	g_free(t->name);
	*t = (struct ask_target){ 0 };
}

static void ask_target_free(struct ask_target *t)
{
	if (t) {
		ask_target_clear(t);
		g_free(t);
	}
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

struct decision *decide_reply_gate(const struct nomd_config *cfg, const struct parsed_message *msg,
				   const struct decide_state *state, enum outcome o, gboolean *limited)
{
	*limited = state->recent_replies(state->ctx, msg->from) >= cfg->smtp.max_replies_per_sender_per_hour;
	if (*limited)
		return decision_finish(decision_new(OUTCOME_HELD), REASON_REPLY_LIMIT, msg->from);
	struct decision *d = decision_new(o);
	d->reply = !origin_suppresses_reply(msg);
	if (!d->reply)
		decision_add_code(d->warnings, WARN_NO_REPLY);
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
	if (!calendar_only && ids->len &&
	    state->invitation(state->ctx, NULL, NULL, (const char *const *)ids->pdata, ids->len, t))
		return t;
	rsvp_target_free(t);
	return NULL;
}

/* Why an answer (consent, RSVP) about `owner` does not count, or NULL when
 * it does. A reference, an event UID or an ATTENDEE in the mail only finds
 * the record: everyone it was sent to holds them. Only the person it is
 * about may answer, from their own address, authenticated when the
 * programme asks for that as it does of nominators. */
static const char *answer_refused(const struct nomd_config *cfg, const struct parsed_message *msg, const char *owner,
				  const char *wrong_sender)
{
	if (msg->from_headers != 1 || msg->from_count != 1 || !msg->from)
		return REASON_AMBIGUOUS_SENDER;
	g_autofree char *sender = email_key(msg->from);
	g_autofree char *key = email_key(owner);
	if (g_strcmp0(sender, key) != 0)
		return wrong_sender;
	if (cfg->programme.require_authentication && !origin_authenticated(cfg, msg))
		return REASON_UNAUTHENTICATED;
	return NULL;
}

/* The gates every answer passes: its sender (answer_refused), then the
 * reply limit. *stop when the decision returned is final (held). */
static struct decision *answer_gates(const struct nomd_config *cfg, const struct parsed_message *msg,
				     const struct decide_state *state, const char *owner, const char *wrong_sender,
				     gboolean *stop)
{
	const char *refused = answer_refused(cfg, msg, owner, wrong_sender);
	*stop = refused != NULL;
	if (refused)
		return decision_finish(decision_new(OUTCOME_HELD), refused, msg->from);
	return decide_reply_gate(cfg, msg, state, OUTCOME_ACCEPTED, stop);
}

static struct decision *decide_rsvp(const struct nomd_config *cfg, const struct parsed_message *msg,
				    const struct decide_state *state, struct rsvp_target *t,
				    const struct ical_reply *cal)
{
	gboolean by_calendar = cal->uid != NULL;
	gboolean stop = FALSE;
	struct decision *d = answer_gates(cfg, msg, state, t->email, REASON_RSVP_SENDER, &stop);
	if (stop) {
		rsvp_target_free(t);
		return d;
	}
	d->rsvp = t;
	d->rsvp_by_calendar = by_calendar;
	if (g_strcmp0(t->event_status, "active") != 0 || t->starts_at <= state->received ||
	    t->nominee_status != NOMINEE_ACCEPTED) {
		d->outcome = OUTCOME_REJECTED;
		return decision_finish(d, REASON_EVENT_CLOSED, t->event_status);
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
		return decision_finish(d, REASON_RSVP_UNCLEAR, NULL);
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
	return decision_finish(d, reasons[answer], NULL);
}

/* The nominee a reply to a welcome or reminder is about, found by its
 * reference or its thread; NULL when it is none. */
static struct consent_target *find_consent_target(const struct decide_state *state, const char *token,
						  const GPtrArray *ids)
{
	if (!state->consent_target)
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
	gboolean stop = FALSE;
	struct decision *d = answer_gates(cfg, msg, state, t->email, REASON_CONSENT_SENDER, &stop);
	if (stop) {
		consent_target_free(t);
		return d;
	}
	d->consent = t;
	d->org = config_find_organisation(cfg, t->organisation);
	if (t->status != NOMINEE_ACCEPTED) {
		d->outcome = OUTCOME_REJECTED;
		return decision_finish(d, REASON_NOMINATION_INACTIVE, nominee_status_name(t->status));
	}
	d->answer = answer_read(msg->text);
	if (d->answer == ANSWER_NONE) {
		/* A new message with the answer only in its subject. */
		d->answer = answer_read(subject_clean(msg->subject));
	}
	switch (d->answer) {
	case ANSWER_YES: return decision_finish(d, REASON_CONSENT_CONFIRMED, NULL);
	case ANSWER_NO: return decision_finish(d, REASON_CONSENT_DECLINED, NULL);
	default: break; /* QUESTION_CONSENT reads nothing else */
	}
	/* Perhaps a question: staff read it; the nominee is asked again. */
	d->outcome = OUTCOME_HELD;
	return decision_finish(d, REASON_CONSENT_UNCLEAR, NULL);
}

/* The question to a paired person a reply answers, the same way. */
static struct ask_target *find_ask_target(const struct decide_state *state, const char *token, const GPtrArray *ids)
{
	if (!state->ask_target)
		return NULL;
	struct ask_target *t = g_new0(struct ask_target, 1);
	if (!state->ask_target(state->ctx, token, (const char *const *)ids->pdata, ids->len, t)) {
		ask_target_free(t);
		return NULL;
	}
	return t;
}

static struct decision *decide_ask(const struct nomd_config *cfg, const struct parsed_message *msg,
				   const struct decide_state *state, struct ask_target *t)
{
	gboolean stop = FALSE;
	struct decision *d = answer_gates(cfg, msg, state, t->email, REASON_ANSWER_SENDER, &stop);
	if (stop) {
		ask_target_free(t);
		return d;
	}
	d->ask = t;
	d->words = answer_own_text(msg->text, ASK_WORDS_MAX);
	if (!t->pair_active || t->status != NOMINEE_ACCEPTED) {
		/* Still worth a person's reading; nothing to record or say. */
		d->outcome = OUTCOME_HELD;
		d->reply = FALSE;
		return decision_finish(d, REASON_PAIR_ENDED, NULL);
	}
	static const enum question questions[] = {
		[ASK_MEETING] = QUESTION_MEETING,
		[ASK_CHECKIN] = QUESTION_CHECKIN,
		[ASK_FEEDBACK] = QUESTION_RATING,
	};
	G_STATIC_ASSERT(G_N_ELEMENTS(questions) == ASK_KIND_COUNT);
	d->answer = answer_read_to(msg->text, questions[t->kind]);
	if (d->answer == ANSWER_NONE) /* a new message with the answer only in its subject */
		d->answer = answer_read_to(subject_clean(msg->subject), questions[t->kind]);
	switch (d->answer) {
	case ANSWER_MET: return decision_finish(d, REASON_MEETING_MET, NULL);
	case ANSWER_NOT_YET: return decision_finish(d, REASON_MEETING_NOT_YET, NULL);
	case ANSWER_GOOD: return decision_finish(d, REASON_CHECKIN_GOOD, NULL);
	case ANSWER_OK: return decision_finish(d, REASON_CHECKIN_OK, NULL);
	case ANSWER_HELP: return decision_finish(d, REASON_CHECKIN_HELP, NULL);
	default: break;
	}
	if (d->answer >= ANSWER_RATING_1)
		return decision_finish(d, REASON_FEEDBACK, NULL);
	/* Feedback in words alone is still feedback. */
	if (t->kind == ASK_FEEDBACK && *d->words)
		return decision_finish(d, REASON_FEEDBACK, NULL);
	d->outcome = OUTCOME_HELD;
	return decision_finish(d, REASON_ANSWER_UNCLEAR, NULL);
}

void decide_complete_form(const struct nomd_config *cfg, const struct parsed_message *msg, struct form *form)
{
	if (cfg->senders != SENDERS_DOMAIN || !msg->from)
		return;
	for (guint i = 0; i < form->nominees->len; i++) {
		struct nominee *n = form->nominees->pdata[i];
		if (!n->email || !*n->email) {
			g_free(n->email);
			n->email = g_strdup(msg->from);
		}
	}
}

gboolean decide_reads_documents(const struct nomd_config *cfg, const struct parsed_message *msg)
{
	if (!cfg->documents.enabled || !msg->parsed || msg->limit || !msg->documents || msg->documents->len == 0)
		return FALSE;
	if (msg->from_headers != 1 || msg->from_count != 1 || !msg->from)
		return FALSE;
	if (origin_is_us(cfg, msg) || origin_automatic(msg))
		return FALSE;
	if (cfg->programme.require_authentication && !origin_authenticated(cfg, msg))
		return FALSE;
	return judge_may_send(cfg, msg->from);
}

/* "FORM", "STATUS", "WITHDRAW alex@x" after any Re:/Fwd: prefixes. */
static enum command parse_command(const char *subject, char **arg)
{
	g_autofree char *word = g_strdup(subject_clean(subject));
	char *space = strchr(word, ' ');
	const char *rest = space ? g_strstrip(space + 1) : "";
	if (space)
		*space = '\0';
	/* JOIN: what someone who registers themselves asks for the form by. */
	if ((g_ascii_strcasecmp(word, "form") == 0 || g_ascii_strcasecmp(word, "join") == 0) && !*rest)
		return CMD_FORM;
	if (g_ascii_strcasecmp(word, "status") == 0 && !*rest)
		return CMD_STATUS;
	if (g_ascii_strcasecmp(word, "withdraw") == 0 && *rest && !strchr(rest, ' ')) {
		*arg = g_strdup(rest);
		return CMD_WITHDRAW;
	}
	return CMD_NONE;
}

static const char *const class_names[] = {
	[CLASS_BROKEN] = "broken",	 [CLASS_OWN_MAIL] = "own_mail",
	[CLASS_AUTOMATIC] = "automatic", [CLASS_REPEATED] = "repeated",
	[CLASS_AMBIGUOUS] = "ambiguous", [CLASS_RSVP] = "rsvp",
	[CLASS_CONSENT] = "consent",	 [CLASS_ASK] = "ask",
	[CLASS_COMMAND] = "command",	 [CLASS_NOMINATION] = "nomination",
};
_Static_assert(G_N_ELEMENTS(class_names) == CLASS_COUNT, "a name for every class of message");

const char *message_class_name(enum message_class c)
{
	return (unsigned)c < CLASS_COUNT ? class_names[c] : "?";
}

void classification_clear(struct classification *c)
{
	rsvp_target_free(c->rsvp);
	ical_reply_clear(&c->cal);
	consent_target_free(c->consent);
	ask_target_free(c->ask);
	g_free(c->argument);
	g_free(c->token);
	*c = (struct classification){ 0 };
}

static enum message_class classify_message(const struct nomd_config *cfg, const struct parsed_message *msg,
					   const struct form *form, const struct decide_state *state,
					   struct classification *c)
{
	if (!msg->parsed || msg->limit)
		return CLASS_BROKEN;
	if (origin_is_us(cfg, msg) || (msg->message_id && state->sent_by_us(state->ctx, msg->message_id)))
		return CLASS_OWN_MAIL;
	c->automatic = origin_automatic(msg);
	if (c->automatic) {
		c->bounce = msg->is_report && msg->dsn_message_id && state->sent_by_us(state->ctx, msg->dsn_message_id);
		/* Google marks its calendar's answers as automatic: the answer
		 * counts (but is not answered). */
		if (msg->from && !msg->is_report && (c->rsvp = find_invitation(msg, state, TRUE, &c->cal)))
			return CLASS_RSVP;
		return CLASS_AUTOMATIC;
	}
	if (msg->message_id && state->message_known(state->ctx, msg->message_id))
		return CLASS_REPEATED;
	if (msg->from_headers != 1 || msg->from_count != 1 || !msg->from)
		return CLASS_AMBIGUOUS;
	if ((c->rsvp = find_invitation(msg, state, FALSE, &c->cal)))
		return CLASS_RSVP;
	/* An answer's reference and thread, read once for both kinds. */
	g_autofree char *token = subject_token(msg->subject, "ref");
	g_autoptr(GPtrArray) ids = thread_ids(msg);
	gboolean refs = token || ids->len;
	if (refs && (c->consent = find_consent_target(state, token, ids)))
		return CLASS_CONSENT;
	if (refs && (c->ask = find_ask_target(state, token, ids)))
		return CLASS_ASK;
	/* "Re: Form" above a filled-in form is a nomination, not a command. */
	if (form->nominees->len > 0)
		return CLASS_NOMINATION;
	c->command = parse_command(msg->subject, &c->argument);
	c->token = subject_token(msg->subject, "confirm");
	if (c->token)
		c->command = CMD_CONFIRM;
	return c->command != CMD_NONE ? CLASS_COMMAND : CLASS_NOMINATION;
}

enum message_class classify(const struct nomd_config *cfg, const struct parsed_message *msg, const struct form *form,
			    const struct decide_state *state, struct classification *out)
{
	*out = (struct classification){ 0 };
	return out->class = classify_message(cfg, msg, form, state, out);
}

static struct decision *decide_broken(const struct nomd_config *cfg, const struct parsed_message *msg,
				      const struct form *form, const struct decide_state *state,
				      struct classification *c)
{
	if (!msg->parsed)
		return decide_held(REASON_UNPARSEABLE);
	return decision_finish(decision_new(OUTCOME_HELD), REASON_TOO_COMPLEX, msg->limit);
}

static struct decision *decide_own_mail(const struct nomd_config *cfg, const struct parsed_message *msg,
					const struct form *form, const struct decide_state *state,
					struct classification *c)
{
	return decision_finish(decision_new(OUTCOME_IGNORED), REASON_OWN_MAIL, NULL);
}

static struct decision *decide_automatic(const struct nomd_config *cfg, const struct parsed_message *msg,
					 const struct form *form, const struct decide_state *state,
					 struct classification *c)
{
	struct decision *d = decision_new(OUTCOME_IGNORED);
	if (!c->bounce)
		return decision_finish(d, REASON_AUTOMATIC, c->automatic);
	d->bounce_id = g_strdup(msg->dsn_message_id);
	d->bounce_rcpt = g_strdup(msg->dsn_recipient);
	g_autofree char *what =
		g_strdup_printf("%s: %s %s%s%s%s", msg->dsn_recipient ? msg->dsn_recipient : "?",
				msg->dsn_action ? msg->dsn_action : "failed", msg->dsn_status ? msg->dsn_status : "",
				msg->dsn_diagnostic ? " (" : "", msg->dsn_diagnostic ? msg->dsn_diagnostic : "",
				msg->dsn_diagnostic ? ")" : "");
	return decision_finish(d, REASON_BOUNCE, g_strstrip(what));
}

static struct decision *decide_repeated(const struct nomd_config *cfg, const struct parsed_message *msg,
					const struct form *form, const struct decide_state *state,
					struct classification *c)
{
	return decide_held(REASON_REPEATED);
}

static struct decision *decide_ambiguous(const struct nomd_config *cfg, const struct parsed_message *msg,
					 const struct form *form, const struct decide_state *state,
					 struct classification *c)
{
	return decide_held(REASON_AMBIGUOUS_SENDER);
}

static struct decision *decide_rsvp_class(const struct nomd_config *cfg, const struct parsed_message *msg,
					  const struct form *form, const struct decide_state *state,
					  struct classification *c)
{
	struct decision *d = decide_rsvp(cfg, msg, state, g_steal_pointer(&c->rsvp), &c->cal);
	/* Nothing automatic is ever answered. */
	if (c->automatic)
		d->reply = FALSE;
	return d;
}

static struct decision *decide_consent_class(const struct nomd_config *cfg, const struct parsed_message *msg,
					     const struct form *form, const struct decide_state *state,
					     struct classification *c)
{
	return decide_consent(cfg, msg, state, g_steal_pointer(&c->consent));
}

static struct decision *decide_ask_class(const struct nomd_config *cfg, const struct parsed_message *msg,
					 const struct form *form, const struct decide_state *state,
					 struct classification *c)
{
	return decide_ask(cfg, msg, state, g_steal_pointer(&c->ask));
}

static class_rules *const class_deciders[] = {
	[CLASS_BROKEN] = decide_broken,		[CLASS_OWN_MAIL] = decide_own_mail,
	[CLASS_AUTOMATIC] = decide_automatic,	[CLASS_REPEATED] = decide_repeated,
	[CLASS_AMBIGUOUS] = decide_ambiguous,	[CLASS_RSVP] = decide_rsvp_class,
	[CLASS_CONSENT] = decide_consent_class, [CLASS_ASK] = decide_ask_class,
	[CLASS_COMMAND] = judge_command,	[CLASS_NOMINATION] = judge_nomination,
};
_Static_assert(G_N_ELEMENTS(class_deciders) == CLASS_COUNT, "rules for every class of message");

struct decision *decide(const struct nomd_config *cfg, const struct parsed_message *msg, const struct form *form,
			const struct decide_state *state)
{
	struct classification c;
	enum message_class class = classify(cfg, msg, form, state, &c);
	struct decision *d = class_deciders[class](cfg, msg, form, state, &c);
	classification_clear(&c);
	return d;
}
