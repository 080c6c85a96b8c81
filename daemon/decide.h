/* decide: the programme's rules. A pure function from a parsed message,
 * its form, a read-only view of the current state and the time the message
 * arrived, to an outcome, one verdict per nominee (refusal reason,
 * warnings, amendment), commands to carry out, and whether and how to
 * answer. No I/O happens here: the state is reached only through the
 * callbacks in `decide_state`. */
#ifndef NOMD_DECIDE_H
#define NOMD_DECIDE_H

#include <glib.h>

#include "../parsers/answer.h"
#include "../parsers/form.h"
#include "../parsers/ical.h"
#include "../parsers/mime.h"
#include "config.h"
#include "states.h"

enum outcome { OUTCOME_ACCEPTED, OUTCOME_PARTIAL, OUTCOME_REJECTED, OUTCOME_HELD, OUTCOME_IGNORED, OUTCOME_COUNT };

/* Stable codes, stored and exported as they are. Refusals of a nominee: */
#define REASON_QUOTA_EXCEEDED "quota_exceeded"
#define REASON_DUPLICATE "duplicate"
#define REASON_INVALID_EMAIL "invalid_email"
#define REASON_MISSING_FIELD "missing_field"
#define REASON_CLOSED "closed"
/* ... of a message: */
#define REASON_NOT_AUTHORISED "not_authorised"
#define REASON_UNKNOWN_ORGANISATION "unknown_organisation"
#define REASON_WRONG_ORGANISATION "wrong_organisation" /* a nominator, for another organisation */
/* A programme's own fields (programme.fields): per nominee. */
#define REASON_FIELD_MISSING "field_missing" /* a required field left out */
#define REASON_ROLE_MISSING "role_missing"   /* two roles, and the form said neither */
#define REASON_NOT_YOURSELF "not_yourself"   /* a registration about someone other than its sender */
#define REASON_NOT_YOURS "not_yours"	     /* someone else's nomination, sent again or withdrawn */
#define REASON_CHOICE_FULL "choice_full"     /* an organisation's nominations with that choice are all taken */
#define REASON_NOT_A_CHOICE "not_a_choice"
#define REASON_NOT_A_NUMBER "not_a_number"
#define REASON_TOO_LONG "too_long" /* a long text past its word limit */
#define REASON_NO_NOMINATIONS "no_nominations_found"
#define REASON_AMBIGUOUS_SENDER "ambiguous_sender"
#define REASON_UNAUTHENTICATED "unauthenticated"
#define REASON_AUTOMATIC "automatic"
#define REASON_OWN_MAIL "own_mail"
#define REASON_BOUNCE "bounce"
#define REASON_UNPARSEABLE "unparseable"
#define REASON_TOO_LARGE "too_large"
#define REASON_TOO_COMPLEX "too_complex"
#define REASON_REPEATED "repeated_message"
/* An attached document that could not be read, and no nominations
 * elsewhere in the message: */
#define REASON_DOC_UNREADABLE "document_unreadable"
#define REASON_DOC_UNSUPPORTED "document_unsupported"
#define REASON_DOC_NO_TEXT "document_no_text"
#define REASON_DOC_TOO_LARGE "document_too_large"
#define REASON_UNPROCESSABLE "unprocessable"
#define REASON_NOT_FOUND "not_found"
#define REASON_REPLY_LIMIT "reply_limit"
/* Answers from nominees to the welcome (consent): */
#define REASON_CONSENT_CONFIRMED "consent_confirmed"
#define REASON_CONSENT_DECLINED "consent_declined"
#define REASON_CONSENT_UNCLEAR "consent_unclear"
#define REASON_NOMINATION_INACTIVE "nomination_inactive"
#define REASON_CONSENT_SENDER "consent_wrong_sender"
/* Answers to event invitations: */
#define REASON_RSVP_ACCEPTED "rsvp_accepted"
#define REASON_RSVP_DECLINED "rsvp_declined"
#define REASON_RSVP_TENTATIVE "rsvp_tentative"
#define REASON_RSVP_WAITING "rsvp_waiting"
#define REASON_RSVP_UNCLEAR "rsvp_unclear"
#define REASON_RSVP_SENDER "rsvp_wrong_sender"
#define REASON_EVENT_CLOSED "event_closed"
/* Answers from paired people to the questions after pairing: */
#define REASON_MEETING_MET "meeting_met"
#define REASON_MEETING_NOT_YET "meeting_not_yet"
#define REASON_CHECKIN_GOOD "checkin_good"
#define REASON_CHECKIN_OK "checkin_ok"
#define REASON_CHECKIN_HELP "checkin_help"
#define REASON_FEEDBACK "feedback_received"
#define REASON_ANSWER_UNCLEAR "answer_unclear"
#define REASON_ANSWER_SENDER "answer_wrong_sender"
#define REASON_PAIR_ENDED "pair_ended"
/* Commands carried out: */
#define REASON_CMD_FORM "command_form"
#define REASON_CMD_STATUS "command_status"
#define REASON_CMD_WITHDRAW "command_withdraw"
/* A destructive command from mail that did not authenticate waits for the
 * nominator to confirm it by replying: */
#define REASON_CONFIRM_REQUESTED "confirmation_requested"
#define REASON_CONFIRM_EXPIRED "confirmation_expired"
#define REASON_CONFIRM_SENDER "confirmation_wrong_sender"
/* Warnings: accepted, but staff and the nominator should know. */
#define WARN_UNBALANCED "unbalanced"
#define WARN_MEMBER_EXPERIENCED "member_experienced"
#define WARN_MENTOR_INEXPERIENCED "mentor_inexperienced"
#define WARN_NARROW_SERVICES "narrow_services"
#define WARN_EXTERNAL_EMAIL "external_email"
#define WARN_NO_REPLY "reply_suppressed"
#define WARN_DOCUMENT_UNREAD "document_unread" /* nominations read, but not from every document */

/* CMD_WITHDRAW_PENDING: a WITHDRAW waiting for confirmation (the reply asks
 * for it); CMD_CONFIRM: a reply confirming one ("[confirm TOKEN]"), which
 * becomes CMD_WITHDRAW when it holds. */
enum command { CMD_NONE, CMD_FORM, CMD_STATUS, CMD_WITHDRAW, CMD_WITHDRAW_PENDING, CMD_CONFIRM };

/* How long a confirmation request stays good. */
#define CONFIRM_SECONDS (7 * 86400)

/* A command waiting for confirmation, as the state knows it. */
struct confirm_target {
	char *command, *argument, *organisation;
	char *nominator; /* the address it was sent to, lower case */
	gint64 expires_at;
	gboolean done;
};
void confirm_target_clear(struct confirm_target *c);

/* An organisation's accepted nominees, as the state knows them. */
struct org_summary {
	int members, mentors;
	GPtrArray *service_types; /* distinct, lower case (owned, g_free) */
	int typed;		  /* nominees with a service type */
};

/* The nominee a reply to a welcome or reminder is about. */
struct consent_target {
	gint64 id;
	char *email, *name, *role, *organisation, *token, *nominated_by;
	enum nominee_status status;
	enum consent consent;
};
void consent_target_clear(struct consent_target *t);

/* The invitation an RSVP answers, and the state of its event. */
struct rsvp_target {
	gint64 id, event;
	char *email, *name;		    /* the invitee */
	enum rsvp answer;		    /* their answer so far */
	enum nominee_status nominee_status; /* accepted, or withdrawn since */
	char *event_status;		    /* active | cancelled */
	gint64 starts_at;
	int capacity, accepted; /* 0: no limit */
};
void rsvp_target_clear(struct rsvp_target *t);

/* A paired person's own words kept with their answer, in characters. */
#define ASK_WORDS_MAX 1000

/* The question to a paired person a reply answers. */
struct ask_target {
	gint64 id, pair, nominee;
	enum ask_kind kind;
	char *token;	    /* the reference in its subject */
	char *email, *name; /* the person asked */
	enum nominee_status status;
	gboolean pair_active;
};
void ask_target_clear(struct ask_target *t);

struct decide_state {
	void (*summary)(void *ctx, const char *org_id, struct org_summary *out);
	/* The organisation and role an address (lower-cased) is accepted under. */
	gboolean (*email_owner)(void *ctx, const char *email_key, char **org_id, char **role);
	/* Who sent the accepted nomination of an address (lower-cased), or
	 * NULL; may be NULL itself when the programme's nominators are
	 * configured (then who sent it does not matter). */
	char *(*nominated_by)(void *ctx, const char *email_key);
	/* Accepted nominees of organisation `org_id` whose field `field_id`
	 * holds `choice`, the one with address `except_key` left out; may be
	 * NULL when no field limits its choices per organisation. */
	int (*choice_count)(void *ctx, const char *org_id, const char *field_id, const char *choice,
			    const char *except_key);
	/* Whether a message with this Message-ID was already recorded. */
	gboolean (*message_known)(void *ctx, const char *message_id);
	/* Whether we sent mail with this Message-ID (for bounces). */
	gboolean (*sent_by_us)(void *ctx, const char *message_id);
	/* Automatic replies queued for an address in the hour before `received`. */
	int (*recent_replies)(void *ctx, const char *address);
	/* The nominee whose welcome carries `token` in its subject, else whose
	 * welcome or reminder has one of `ids` as Message-ID. FALSE when none. */
	gboolean (*consent_target)(void *ctx, const char *token, const char *const *ids, guint n,
				   struct consent_target *out);
	/* The invitation to event `uid` of `attendee` (a calendar reply), or
	 * the one whose mail has one of `ids` as Message-ID. */
	gboolean (*invitation)(void *ctx, const char *uid, const char *attendee, const char *const *ids, guint n,
			       struct rsvp_target *out);
	/* The question to a paired person whose mail carries `token` in its
	 * subject, else whose mail has one of `ids` as Message-ID. */
	gboolean (*ask_target)(void *ctx, const char *token, const char *const *ids, guint n, struct ask_target *out);
	/* The command waiting for confirmation under `token`. */
	gboolean (*confirmation)(void *ctx, const char *token, struct confirm_target *out);
	void *ctx;
	gint64 received; /* when the message arrived, seconds since the epoch */
};

struct verdict {
	const struct nominee *nominee; /* borrowed from the form */
	const char *reason;	       /* NULL when accepted */
	gboolean amended;	       /* replaces this organisation's earlier entry */
	const char *warnings[4];       /* NULL-terminated */
	const struct form_field *full; /* REASON_CHOICE_FULL: the field whose choice is taken */
};

struct decision {
	enum outcome outcome;
	const struct organisation *org; /* NULL when none could be settled */
	GPtrArray *reasons;		/* distinct codes (static strings), in order */
	GPtrArray *warnings;		/* distinct warning codes, in order */
	GArray *verdicts;		/* struct verdict, in form order */
	int members, mentors;		/* the organisation's totals afterwards */
	gboolean reply;			/* whether the sender gets an answer */
	enum command command;
	char *withdraw; /* address to withdraw (CMD_WITHDRAW, CMD_WITHDRAW_PENDING) */
	/* CMD_WITHDRAW confirmed: the token to mark used. CMD_WITHDRAW_PENDING:
	 * NULL from decide; the caller draws a new one before replying. */
	char *confirm_token;
	gint64 confirm_expires; /* CMD_WITHDRAW_PENDING */
	char *detail;		/* a word for staff: why automatic, which limit */
	/* The organisations (const struct organisation *, the config's) the
	 * sender nominates for, when the reply must name them; else NULL. */
	GPtrArray *nominates_for;
	char *bounce_id;		/* Message-ID of our mail that bounced */
	char *bounce_rcpt;		/* and the recipient that failed */
	struct consent_target *consent; /* an answer to a welcome: whose */
	struct ask_target *ask;		/* an answer to a question after pairing: which */
	enum answer answer;		/* and what it said */
	char *words;			/* ask: the person's own text */
	struct rsvp_target *rsvp;	/* an answer to an invitation: which */
	enum rsvp rsvp_answer;		/* RSVP_NONE: none read (held for staff) */
	gboolean rsvp_by_calendar;	/* from a calendar (iTIP REPLY), not words */
	/* A document that could not be read (REASON_DOC_* or
	 * WARN_DOCUMENT_UNREAD): its sanitised name and the REASON_DOC_* code. */
	char *document;
	const char *document_reason;
};

/* What a message is, before any rule about it applies. classify() tries
 * them in this order; the first that fits wins. */
enum message_class {
	CLASS_BROKEN,	  /* could not be read as mail, or past the MIME limits */
	CLASS_OWN_MAIL,	  /* our own mail coming back */
	CLASS_AUTOMATIC,  /* a bounce, an auto-reply, list or bulk mail */
	CLASS_REPEATED,	  /* a Message-ID already recorded */
	CLASS_AMBIGUOUS,  /* not exactly one From mailbox */
	CLASS_RSVP,	  /* an answer to an event invitation (also automatic) */
	CLASS_CONSENT,	  /* a nominee's answer to the welcome or a reminder */
	CLASS_ASK,	  /* a paired person's answer to a question after pairing */
	CLASS_COMMAND,	  /* FORM, STATUS, WITHDRAW or a confirmation, no nominees */
	CLASS_NOMINATION, /* anything else: read as nominations */
	CLASS_COUNT
};

/* What classify() found on the way, for the rules of that class. */
struct classification {
	enum message_class class;
	const char *automatic;		/* why automatic (CLASS_AUTOMATIC; an automatic RSVP) */
	gboolean bounce;		/* CLASS_AUTOMATIC: a delivery report about our mail */
	struct rsvp_target *rsvp;	/* CLASS_RSVP: the invitation answered */
	struct ical_reply cal;		/* CLASS_RSVP: the calendar's answer, when by calendar */
	struct consent_target *consent; /* CLASS_CONSENT: the nominee */
	struct ask_target *ask;		/* CLASS_ASK: the question */
	enum command command;		/* CLASS_COMMAND */
	char *argument;			/* WITHDRAW's address */
	char *token;			/* CMD_CONFIRM's token */
};
void classification_clear(struct classification *c);

const char *message_class_name(enum message_class c);
/* What the message is. Pure like decide(): the state only through its
 * callbacks, to find the invitation or nominee an answer is about, and
 * whether a Message-ID is ours or known. *out is cleared first and holds
 * what was found; classification_clear() it. */
enum message_class classify(const struct nomd_config *cfg, const struct parsed_message *msg, const struct form *form,
			    const struct decide_state *state, struct classification *out);

const char *outcome_name(enum outcome o);
/* Plain words for a code, for people rather than programs. */
const char *reason_text(const char *code);

/* What a form means from its sender, before it is judged: someone
 * registering themselves (senders domain) who leaves Email out means
 * their own address. */
void decide_complete_form(const struct nomd_config *cfg, const struct parsed_message *msg, struct form *form);

struct decision *decide(const struct nomd_config *cfg, const struct parsed_message *msg, const struct form *form,
			const struct decide_state *state);
/* Whether the message's attached documents may be read (by nomd-reader,
 * before decide): only when it could become a nomination, that is, it
 * parsed within the limits, is not automatic or our own, has exactly one
 * From, and that sender nominates for some organisation (and
 * authenticated, when the programme requires it). A stranger's attachment
 * is never opened. */
gboolean decide_reads_documents(const struct nomd_config *cfg, const struct parsed_message *msg);
/* A message that never reached the rules (too large, unprocessable). */
struct decision *decide_held(const char *reason);
void decision_free(struct decision *d);

typedef struct decision decision;
G_DEFINE_AUTOPTR_CLEANUP_FUNC(decision, decision_free)

#endif
