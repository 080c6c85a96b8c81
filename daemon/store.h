/* store: nomd's state in SQLite: processed messages, nominees and the
 * outbox of mail to send. Owns the schema and its migrations. Only this
 * module includes sqlite3.h; callers see nomd's own types. */
#ifndef NOMD_STORE_H
#define NOMD_STORE_H

#include <glib.h>

#include "../parsers/answer.h"
#include "../parsers/form.h"
#include "states.h"

#define STORE_ERROR (store_error_quark())
GQuark store_error_quark(void);
/* TRUE for failures of the database's surroundings, not of what was
 * written: the disk full, the file read-only or unreadable, an I/O error,
 * the lock held too long, no memory. They pass when the cause is fixed,
 * so they are never charged to a message. */
gboolean store_error_is_environment(const GError *error);

struct store;

/* For the NOMD_FAULT test hook: the failure a lock held too long gives. */
gboolean store_fail_busy(struct store *st, GError **error);

struct message_record {
	const char *message_id; /* may be NULL */
	const char *sha256;
	const char *sender;	  /* may be NULL */
	const char *organisation; /* id, may be NULL */
	const char *outcome;
	const char *reasons; /* space-separated codes */
	const char *subject;
	const char *received_at;
	gint64 size;
	const char *detail;	  /* what went wrong, for unprocessable mail; may be NULL */
	const char *warnings;	  /* space-separated codes */
	guint32 uidvalidity, uid; /* where it was on the server; uid 0: unknown */
};

struct nominee_record {
	const char *organisation;
	const char *role;
	const char *name;
	const char *email;
	const char *job_title;
	const char *service;
	const char *service_type;
	int years; /* -1: unknown */
	const char *aspiration;
	const char *expertise;
	const char *location;
	const char *format;
	const char *status;   /* accepted | refused */
	const char *reason;   /* NULL when accepted */
	const char *warnings; /* space-separated codes */
	const char *nominated_by;
	const GPtrArray *values; /* struct form_value *: the programme's own fields; NULL: none */
};

struct outbox_item {
	gint64 id;
	char *envelope_from; /* "" for the null sender */
	char *recipient;
	GBytes *body;		/* the MIME of mail queued before schema 11; else empty */
	GBytes *facts;		/* what delivery renders (outbox.c); NULL for the above */
	gboolean facts_printed; /* facts in the text form of 0.16 */
	char *message_id;	/* without brackets, fixed when queued */
	int attempts;
};

gboolean store_open(const char *path, struct store **out, GError **error);
void store_close(struct store *st);

/* One write transaction (BEGIN IMMEDIATE) around a message's effects. */
gboolean store_begin(struct store *st, GError **error);
gboolean store_commit(struct store *st, GError **error);
void store_rollback(struct store *st);

/* Whether this exact message was already applied; its outcome if so. */
gboolean store_find_message(struct store *st, const char *message_id, const char *sha256, char **outcome,
			    GError **error);
/* The outcome of the message recorded from this server UID, if any: a
 * message left in the inbox by a crash is recognised without fetching it. */
gboolean store_find_by_uid(struct store *st, guint32 uidvalidity, guint32 uid, char **outcome, GError **error);
gboolean store_org_counts(struct store *st, const char *org_id, int *members, int *mentors, GError **error);
gboolean store_message_id_known(struct store *st, const char *message_id, gboolean *known, GError **error);

gboolean store_add_message(struct store *st, const struct message_record *rec, gint64 *row, GError **error);
gboolean store_add_nominee(struct store *st, gint64 message_row, const struct nominee_record *rec, GError **error);
/* A nominee of `org_id` whose address did not work, sent again under the
 * same name with another address: the old record is withdrawn
 * ("replaced"). The counts against the quota leave such nominees out. */
gboolean store_replace_undeliverable(struct store *st, const char *org_id, const char *name, const char *email,
				     GError **error);
/* One outgoing mail, as the outbox records it. */
struct outbox_row {
	const char *idem_key; /* a repeated cause is a no-op, not a second mail */
	gint64 message_row;   /* the message it answers (0: none) */
	gint64 nominee;	      /* the nominee it is about (0: none): a reply can be traced back */
	gint64 invitation;    /* the invitation it carries (0: none): likewise */
	const gint64 *also;   /* other nominees it names, for erasure */
	guint n_also;
	const char *envelope_from; /* "" for the null sender */
	const char *recipient;
	const char *message_id;
	const char *kind; /* the template (for listings) */
	GBytes *facts;	  /* what delivery renders (outbox.c) */
	GBytes *body;	  /* finished MIME instead of facts (tests); NULL: none */
};
/* Queue `r` unless its key was queued before. Every queued mail is recorded
 * as naming `nominee`, `also` and the nominees recorded from `message_row`. */
gboolean store_outbox_add(struct store *st, const struct outbox_row *r, GError **error);
/* When the mail under `idem_key` was queued (*at NULL: never). */
gboolean store_outbox_queued_at(struct store *st, const char *idem_key, char **at, GError **error);

/* The distinct service types of an organisation's accepted nominees, and
 * how many nominees have one. */
gboolean store_org_service_types(struct store *st, const char *org_id, GPtrArray **types, int *typed, GError **error);
/* The organisation and role an address is accepted under, and who sent
 * that nomination (as they wrote their address); NULLs if none. Any of
 * the three may be NULL when not wanted. */
gboolean store_email_owner(struct store *st, const char *email_key, char **org_id, char **role, char **by,
			   GError **error);
/* Accepted nominees of `org_id` whose own field `field_id` is `choice`,
 * leaving out `except_key`'s. */
gboolean store_choice_count(struct store *st, const char *org_id, const char *field_id, const char *choice,
			    const char *except_key, int *count, GError **error);
/* Whether the outbox holds mail with this Message-ID. */
gboolean store_sent_by_us(struct store *st, const char *message_id, gboolean *found, GError **error);
/* A nominee sent again by the same organisation: update the entry. */
gboolean store_amend_nominee(struct store *st, gint64 message_row, const struct nominee_record *rec, GError **error);
/* A delivery failure report about mail we sent. */
gboolean store_mark_bounce(struct store *st, const char *message_id, const char *detail, GError **error);

/* Outbox: pending rows due by `now`, with id above `after_id`, oldest
 * first, at most `limit`. */
/* Row `id` (*item NULL when there is none; outbox_item_free). */
gboolean store_outbox_item(struct store *st, gint64 id, struct outbox_item **item, GError **error);
gboolean store_outbox_pending(struct store *st, gint64 after_id, int limit, gint64 now, GPtrArray **items,
			      GError **error);
/* Lazy commits (synchronous=NORMAL) survive a crash of nomd but not a
 * power cut until the next store_sync: for a batch of messages, which is
 * synced once before it is moved on the server. Off again with FALSE. */
gboolean store_set_lazy_commits(struct store *st, gboolean lazy, GError **error);
/* Makes every transaction committed so far durable (one fsync). */
gboolean store_sync(struct store *st, GError **error);
/* A write before each batch of sending: fails when the database cannot be
 * written, so that nothing is sent that could not be recorded. */
gboolean store_sender_batch(struct store *st, GError **error);
gboolean store_outbox_sent(struct store *st, gint64 id, GError **error);
/* A failed attempt: tried again `retry_in` seconds from `now`, unless it is
 * `permanent` or the message is older than `max_age` seconds (then failed:
 * *failed says which it became). */
gboolean store_outbox_failed(struct store *st, gint64 id, gboolean permanent, gint64 now, int retry_in, int max_age,
			     const char *error_text, gboolean *failed, GError **error);
/* When the next pending row is due, in seconds since the epoch (0: none
 * pending; a row due at once gives 1). */
gboolean store_outbox_next_due(struct store *st, gint64 *when, GError **error);
/* How many outgoing messages wait and how many failed; `oldest` (may be
 * NULL) the queued time of the oldest waiting one (ISO 8601), or NULL. */
gboolean store_outbox_counts(struct store *st, gint64 *pending, gint64 *failed, char **oldest);
/* Requeue failed row `id`, or every failed row with id 0; *changed says
 * how many were. */
gboolean store_outbox_retry(struct store *st, gint64 id, gint64 *changed, GError **error);
/* Replies to messages queued for `address` since `since`. */
gboolean store_replies_since(struct store *st, const char *address, gint64 since, int *count, GError **error);
void outbox_item_free(struct outbox_item *item);

/* IMAP checkpoint: the UIDVALIDITY and highest processed UID of a mailbox.
 * Setting it only raises last_uid, unless `reset` or the UIDVALIDITY changed. */
gboolean store_checkpoint(struct store *st, const char *mailbox, guint32 *uidvalidity, guint32 *last_uid,
			  GError **error);
gboolean store_set_checkpoint(struct store *st, const char *mailbox, guint32 uidvalidity, guint32 last_uid,
			      gboolean reset, GError **error);

/* Attempts at one server message: `starts` is counted before each try, so a
 * try that never ended (nomd died) shows as starts above failures;
 * `failures` counts tries that ended in an error or a recorded crash. */
gboolean store_attempts(struct store *st, guint32 uidvalidity, guint32 uid, int *starts, int *failures,
			char **last_error, GError **error);
gboolean store_attempt_begin(struct store *st, guint32 uidvalidity, guint32 uid, GError **error);
gboolean store_attempt_failed(struct store *st, guint32 uidvalidity, guint32 uid, const char *error_text,
			      GError **error);
/* Take back the start of an attempt that failed for the database's
 * surroundings (store_error_is_environment), not for the message. */
gboolean store_attempt_abandon(struct store *st, guint32 uidvalidity, guint32 uid, GError **error);
/* Inside the transaction that records the message. */
gboolean store_attempt_clear(struct store *st, guint32 uidvalidity, guint32 uid, GError **error);

/* Reports for nomctl: one callback per row with column names and values
 * (NULL for SQL NULL). */
typedef void (*store_row_fn)(void *ctx, int ncols, const char *const *names, const char *const *values);
gboolean store_each_nominee(struct store *st, store_row_fn fn, void *ctx, GError **error);
/* The same, with a column for each of `fields` (the programme's own, by
 * id: a-z, 0-9 and _ only) after the usual ones. */
gboolean store_each_nominee_with(struct store *st, const GPtrArray *fields, store_row_fn fn, void *ctx, GError **error);
gboolean store_each_message(struct store *st, store_row_fn fn, void *ctx, GError **error);
/* An organisation's nominees as the round reports them: id, kind
 * ("accepted", or "fix": refused for a reason the nominator can put
 * right, and not sent again since), role, name, email, consent, reason. */
gboolean store_each_round_nominee(struct store *st, const char *org_id, store_row_fn fn, void *ctx, GError **error);
/* The idempotency keys starting with `prefix`, copies left out: idem_key. */
gboolean store_each_outbox_key(struct store *st, const char *prefix, store_row_fn fn, void *ctx, GError **error);
/* Each organisation with a nominee recorded: organisation. */
gboolean store_each_nominating_org(struct store *st, store_row_fn fn, void *ctx, GError **error);
gboolean store_each_outbox(struct store *st, store_row_fn fn, void *ctx, GError **error);
/* An organisation's accepted nominees: role, name, email. */
/* `by` non-NULL: only those that address sent. */
gboolean store_each_org_nominee(struct store *st, const char *org_id, const char *by, store_row_fn fn, void *ctx,
				GError **error);

/* People: one accepted (or once accepted) nominee, with consent and pairs. */
struct person {
	gint64 id;
	char *organisation, *role, *name, *email, *job_title, *service, *service_type;
	char *aspiration, *expertise, *location, *format, *nominated_by;
	enum nominee_status status;
	enum consent consent;
	char *token; /* the reference in consent mail; NULL before the welcome */
	int years;   /* -1: unknown */
	gint64 welcomed_at;
	int active_pairs;
	char *undeliverable; /* why mail to the address failed for good; NULL: it works */
};
void person_free(struct person *p);

enum people_query {
	PEOPLE_UNWELCOMED,   /* accepted, no welcome queued yet */
	PEOPLE_REMINDER_DUE, /* accepted, consent pending, welcomed by `before`, not reminded */
	PEOPLE_ACCEPTED,     /* every accepted nominee (for pairing) */
};
/* Those with a row id above `after_id`, in id order, at most `limit` (-1: all). */
gboolean store_people(struct store *st, enum people_query q, gint64 before, gint64 after_id, int limit, GPtrArray **out,
		      GError **error);
/* Accepted nominees whose address has not worked (mail to it failed for
 * good, or came back as failed) and who are not yet marked so. */
struct undeliverable {
	gint64 nominee;
	char *why; /* the server's words, or the bounce's */
};
void undeliverable_free(struct undeliverable *u);
gboolean store_undeliverable_due(struct store *st, GPtrArray **out, GError **error);
gboolean store_set_undeliverable(struct store *st, gint64 id, const char *why, GError **error);
/* One person by row, or the accepted one with this address; *out NULL if none. */
gboolean store_person_by_id(struct store *st, gint64 id, struct person **out, GError **error);
gboolean store_person_by_email(struct store *st, const char *email, struct person **out, GError **error);
/* The person a consent reply is about: by the token in its subject, else
 * by the welcome or reminder it answers (In-Reply-To, References). */
gboolean store_consent_target(struct store *st, const char *token, const char *const *message_ids, guint n,
			      struct person **out, GError **error);
gboolean store_set_welcomed(struct store *st, gint64 id, const char *token, gint64 when, GError **error);
gboolean store_set_reminded(struct store *st, gint64 id, gint64 when, GError **error);
gboolean store_set_consent(struct store *st, gint64 id, enum consent consent, GError **error);
/* A destructive command from mail that did not authenticate, waiting for
 * the nominator to confirm it by replying (token in the subject). */
struct confirmation {
	char *token, *command, *argument, *organisation, *nominator; /* nominator: address, lower case */
	gint64 expires_at, done_at;				     /* seconds; done_at 0: not yet */
};
void confirmation_free(struct confirmation *c);
typedef struct confirmation confirmation;
G_DEFINE_AUTOPTR_CLEANUP_FUNC(confirmation, confirmation_free)
gboolean store_add_confirmation(struct store *st, const struct confirmation *c, gint64 message, gint64 now,
				GError **error);
/* By token (lower case); *out NULL when none. */
gboolean store_find_confirmation(struct store *st, const char *token, struct confirmation **out, GError **error);
gboolean store_confirmation_done(struct store *st, const char *token, gint64 when, GError **error);
/* Withdraw one accepted nominee by row; *changed says whether it was accepted. */
gboolean store_withdraw_id(struct store *st, gint64 id, gboolean *changed, GError **error);

/* Pairs: a member and a mentor (nominee rows); ended, never deleted.
 * `now`: when it is made (the clock's, so tests can move it). */
gboolean store_add_pair(struct store *st, gint64 member, gint64 mentor, int score, const char *reasons, gboolean pinned,
			gint64 now, gint64 *id, GError **error);
/* End the active pairs of a nominee; `partners` gets the other side's rows
 * (gint64) when not NULL. */
gboolean store_end_pairs(struct store *st, gint64 nominee, const char *reason, GArray *partners, GError **error);
gboolean store_each_pair(struct store *st, gboolean active_only, store_row_fn fn, void *ctx, GError **error);

/* What each side of a pair was asked after the introduction, and what
 * they answered (store_mentoring.c). */
struct ask_record {
	gint64 id, pair, nominee;
	enum ask_kind kind;
	int sequence; /* meeting: 1, 2 (asked again); checkin: periods since pairing; feedback: 1 */
	gint64 asked_at;
	enum answer answer; /* ANSWER_NONE: none read */
	char *words;	    /* the person's own text; NULL: no answer */
	gint64 answered_at; /* 0: no answer */
};
void ask_record_free(struct ask_record *a);

struct pair_record {
	gint64 id, member, mentor; /* nominee rows */
	gint64 created_at;	   /* seconds since the epoch */
	gboolean ended;
	GPtrArray *asks; /* struct ask_record *, in the order asked */
};
void pair_record_free(struct pair_record *p);
typedef struct pair_record pair_record;
G_DEFINE_AUTOPTR_CLEANUP_FUNC(pair_record, pair_record_free)

/* Every pair (only those not ended with `active_only`) with its asks, by row. */
gboolean store_pair_records(struct store *st, gboolean active_only, GPtrArray **out, GError **error);
/* The active pair of member `member` (by row); *out NULL when none. */
gboolean store_member_pair(struct store *st, gint64 member, struct pair_record **out, GError **error);
/* Record an ask; FALSE with a constraint error when asked before. */
gboolean store_add_ask(struct store *st, gint64 pair, gint64 nominee, enum ask_kind kind, int sequence,
		       const char *token, gint64 now, GError **error);

/* The ask a reply answers, with its person and whether the pair lasts. */
struct ask_view {
	gint64 id, pair, nominee;
	enum ask_kind kind;
	int sequence;
	char *token;
	char *email, *name, *role, *organisation;
	enum nominee_status status;
	gboolean pair_active;
};
void ask_view_free(struct ask_view *v);
typedef struct ask_view ask_view;
G_DEFINE_AUTOPTR_CLEANUP_FUNC(ask_view, ask_view_free)
/* By the token in the reply's subject, else by the ask's mail it replies
 * to (In-Reply-To, References); *out NULL when neither finds one. */
gboolean store_find_ask(struct store *st, const char *token, const char *const *message_ids, guint n,
			struct ask_view **out, GError **error);
/* The answer (ANSWER_NONE: words only), replacing any before. */
gboolean store_answer_ask(struct store *st, gint64 ask, enum answer a, const char *words, gint64 message, gint64 now,
			  GError **error);
/* Answers (kind, answer, words, answered_at as ISO text, and the person:
 * organisation, role, name, email; pair) brought by messages after row
 * `after_message`, oldest first. */
gboolean store_each_ask_answer(struct store *st, gint64 after_message, store_row_fn fn, void *ctx, GError **error);
/* Feedback received: organisation, role, name, email, rating ("" when
 * none was given), comment, answered_at; oldest first. */
gboolean store_each_feedback(struct store *st, store_row_fn fn, void *ctx, GError **error);

/* Events and invitations (store_events.c). */
struct event_record {
	gint64 id;
	char *uid, *title, *description, *timezone, *location, *online_url, *audience, *status;
	char *topic, *presenters; /* NULL: none */
	gint64 starts_at;	  /* seconds since the epoch */
	int duration;		  /* seconds */
	int capacity;		  /* 0: no limit */
	int sequence;
	/* Answers so far (read only). */
	int invited, accepted, declined, tentative, waiting;
};
void event_record_free(struct event_record *e);

/* One invitation with its event and invitee. */
struct invitation_view {
	gint64 id, nominee;
	enum rsvp answer;
	int sent_sequence; /* SEQUENCE of the last invitation queued; -1: none */
	gboolean cancel_sent, reminded;
	char *email, *name, *role, *organisation; /* the invitee */
	enum nominee_status status;		  /* of the nomination */
	struct event_record *event;
};
void invitation_view_free(struct invitation_view *v);

/* uid, title, starts_at, duration, timezone, audience required. */
gboolean store_add_event(struct store *st, const struct event_record *e, gint64 *id, GError **error);
/* Every field from `e`; SEQUENCE goes up by one. */
gboolean store_update_event(struct store *st, const struct event_record *e, GError **error);
gboolean store_cancel_event(struct store *st, gint64 id, gboolean *changed, GError **error);
gboolean store_event_by_id(struct store *st, gint64 id, struct event_record **out, GError **error);
/* All events, soonest first; only those not yet started (at `now`) when `upcoming`. */
gboolean store_events(struct store *st, gboolean upcoming, gint64 now, GPtrArray **out, GError **error);

/* Invite, to every active event not yet started, each accepted nominee of
 * its audience not yet invited (consent confirmed when `require_consent`). */
gboolean store_invite_audiences(struct store *st, gint64 now, gboolean require_consent, int *created, GError **error);
enum invitation_query {
	INVITATIONS_TO_SEND,   /* the current SEQUENCE (or the cancellation) not yet queued */
	INVITATIONS_TO_REMIND, /* events starting between `now` and `until`, not declined, not reminded */
};
gboolean store_invitations(struct store *st, enum invitation_query q, gint64 now, gint64 until, GPtrArray **out,
			   GError **error);
gboolean store_invitation_sent(struct store *st, gint64 id, int sequence, gboolean cancel, GError **error);
gboolean store_invitation_reminded(struct store *st, gint64 id, GError **error);
/* The invitation an answer is about: the event `uid` and the attendee's
 * address (a calendar reply), else the invitation mail it answers. */
gboolean store_find_invitation(struct store *st, const char *uid, const char *attendee, const char *const *ids, guint n,
			       struct invitation_view **out, GError **error);
gboolean store_set_answer(struct store *st, gint64 id, enum rsvp answer, gint64 now, GError **error);
/* The longest-waiting invitation of an event; *out NULL when none. */
gboolean store_first_waiting(struct store *st, gint64 event, struct invitation_view **out, GError **error);
/* The digest's period keys: whether one was sent; mark one sent. */
gboolean store_digest_sent(struct store *st, const char *period, gboolean *sent, GError **error);
gboolean store_mark_digest(struct store *st, const char *period, gint64 due_at, gint64 now, GError **error);

/* What the staff digest reports (store_report.c); rows to `fn`. "New"
 * means from a message recorded after the message row `mark`. */
enum report {
	REPORT_NEW_NOMINEES,  /* nominees recorded or amended by new messages */
	REPORT_ORG_COUNTS,    /* accepted members and mentors per organisation */
	REPORT_HELD,	      /* new held messages */
	REPORT_MAIL_PROBLEMS, /* outgoing mail failed, and new bounce reports */
	REPORT_PEOPLE,	      /* accepted nominees by role and consent, with active pairs */
	REPORT_OUTCOMES,      /* messages by outcome */
	REPORT_UNDELIVERABLE, /* accepted nominees whose address did not work */
};
gboolean store_report(struct store *st, enum report r, gint64 mark, store_row_fn fn, void *ctx, GError **error);
/* The nominee rows (gint64) a digest covering messages after `mark`
 * names: the new and the current nominees, and those whose address stands
 * among its held messages and mail problems. */
gboolean store_digest_mentions(struct store *st, gint64 mark, GArray **out, GError **error);
/* The last digest: the last message row it covered, and when it was
 * queued (ISO 8601 UTC; NULL and 0 when there was none). */
gboolean store_last_digest(struct store *st, gint64 *mark, char **sent_at, GError **error);

/* Data protection (store_forget.c). What an erasure touched. */
struct erasure {
	int nominees, mails, messages;
};
/* Erase every trace of the person with this address: their nominee rows
 * (kept as anonymous rows so counts stay right; accepted ones withdrawn),
 * their pairs and invitations, the bodies of mail to or about them, their
 * address and names in message records. Mail is found by the nominees it
 * was recorded as naming, and by its decoded text. Records only that an
 * erasure happened, then rewrites the file so no deleted page keeps a
 * copy; fails (SQLITE_BUSY) when another reader keeps the old pages in
 * the write-ahead log. */
gboolean store_forget(struct store *st, const char *email, struct erasure *out, GError **error);
/* The Message-IDs of the messages that named the person with this
 * address, that they sent, or that mail about them answered: to remove
 * from the server before the erasure (after it, nothing links them). */
gboolean store_forget_message_ids(struct store *st, const char *email, GPtrArray **out, GError **error);
/* Empty the bodies of mail sent or failed before `before` (seconds since
 * the epoch); *purged counts them. */
gboolean store_purge_bodies(struct store *st, gint64 before, int *purged, GError **error);
/* A held message whose cause staff fixed: its record stops matching the
 * message (Message-ID and digest), so that it is applied afresh. *found
 * says whether a held record had that Message-ID. Inside a transaction. */
gboolean store_release_held(struct store *st, const char *message_id, gboolean *found, GError **error);

typedef struct event_record event_record;
typedef struct invitation_view invitation_view;
G_DEFINE_AUTOPTR_CLEANUP_FUNC(event_record, event_record_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(invitation_view, invitation_view_free)

typedef struct person person;
G_DEFINE_AUTOPTR_CLEANUP_FUNC(person, person_free)

typedef struct outbox_item outbox_item;
G_DEFINE_AUTOPTR_CLEANUP_FUNC(outbox_item, outbox_item_free)

#endif
