/* reply: what nomd says back to a nominator, from the templates: a subject
 * (the text template's first line, "Subject: ..."), a text and an HTML
 * version. Pure: a decision in, words out. compose.c makes the mail. */
#ifndef NOMD_REPLY_H
#define NOMD_REPLY_H

#include <glib.h>

#include "config.h"
#include "decide.h"

struct reply_templates;

struct reply_out {
	char *subject;
	char *text;
	char *html;
};

/* One line of a STATUS listing. */
struct status_entry {
	char *role, *name, *email;
};

/* The built-in templates, each replaced by the file of the same name in
 * `dir` when there (`dir` NULL or "": built-in only). All are checked. */
gboolean reply_templates_load(const char *dir, struct reply_templates **out, GError **error);
void reply_templates_free(struct reply_templates *t);
/* The reply to a message whose decision says to reply. `subject`: the
 * original's; `status`: the organisation's nominees (STATUS only, may be NULL). */
struct reply_out *reply_render(const struct nomd_config *cfg, const struct reply_templates *t, const struct decision *d,
			       const char *subject, GPtrArray *status);
/* The alert to staff when mail from `sender` passes the reply limit. */
struct reply_out *reply_render_reply_limit(const struct nomd_config *cfg, const struct reply_templates *t,
					   const char *sender);
/* Mail about one nominee, to them, their nominator or their partner. */
enum notice_kind {
	NOTICE_WELCOME,		 /* to a newly accepted nominee: confirm YES or NO */
	NOTICE_REMINDER,	 /* the same, once, days later */
	NOTICE_CONSENT_THANKS,	 /* answer to YES */
	NOTICE_CONSENT_DECLINED, /* answer to NO */
	NOTICE_NOMINEE_DECLINED, /* to the nominator: their nominee said NO */
	NOTICE_CONSENT_UNCLEAR,	 /* answer to a reply that says neither */
	NOTICE_CONSENT_INACTIVE, /* answer about a nomination no longer active */
	NOTICE_PAIR,		 /* introduces the partner */
	NOTICE_PAIR_ENDED,	 /* the partner left */
	NOTICE_INVITATION,	 /* an event: its calendar invitation rides along */
	NOTICE_EVENT_CANCELLED,	 /* the same event called off */
	NOTICE_EVENT_REMINDER,	 /* days before */
	NOTICE_RSVP,		 /* answer to an RSVP: accepted, declined, tentative or waiting */
	NOTICE_RSVP_PROMOTED,	 /* from the waiting list to a place */
	NOTICE_RSVP_CLOSED,	 /* an RSVP for an event cancelled or over */
	NOTICE_UNDELIVERABLE,	 /* to the nominator: their nominee's address did not work */
	NOTICE_FIRST_MEETING,	 /* to a paired person: have you met? MET or NOT YET */
	NOTICE_CHECKIN,		 /* how is it going? GOOD, OK or HELP */
	NOTICE_FEEDBACK,	 /* at the programme's end: a rating 1 to 5 and what worked */
	NOTICE_ANSWER_THANKS,	 /* answer to one of those three */
	NOTICE_ANSWER_UNCLEAR,	 /* answer to a reply that gives none of the words asked for */
	NOTICE_REMATCHED,	 /* to each side: staff ended the pair to find a better one */
	NOTICE_COUNT
};

struct notice_person {
	const char *name, *email, *role, *organisation, *job_title, *service, *aspiration, *expertise, *format,
		*location;
};

struct notice {
	struct notice_person person;  /* who the mail is about (and, but for NOMINEE_DECLINED, to) */
	struct notice_person partner; /* pairing notices */
	const char *nominator;
	const char *token; /* consent reference; kept in the subject */
	const char *why;
	/* Events. */
	const char *event_title, *event_when, *event_where, *event_url, *event_description;
	const char *event_topic, *event_presenters;
	enum rsvp answer; /* RSVP notices; RSVP_NONE in the others */
	/* The questions to a pair (NOTICE_FIRST_MEETING to NOTICE_ANSWER_UNCLEAR). */
	enum ask_kind ask;
	gboolean again;	  /* the first-meeting question asked a second time */
	enum answer said; /* NOTICE_ANSWER_THANKS: what the person answered */
	const char *ends; /* the programme's end, as people write it */
};

/* Mail of the round to an organisation's nominators (round.c): the call,
 * a chaser before the close, what it nominated after the close. */
enum round_kind { ROUND_CALL, ROUND_CHASER, ROUND_CLOSED, ROUND_KIND_COUNT };

struct round_person {
	const char *name, *email, *role;
	gboolean confirmed;  /* accepted nominees: said YES */
	const char *problem; /* refused nominees: what to send instead */
};

struct round_letter {
	const char *organisation;  /* its name */
	const char *closes;	   /* the closing date, as people write it */
	int days_left;		   /* whole days to the close, at least 1 (chasers) */
	int members, mentors;	   /* accepted */
	const char *balance;	   /* what would make the numbers equal ("2 more mentors"); "" or NULL: they are */
	const GPtrArray *nominees; /* of struct round_person: accepted */
	const GPtrArray *to_fix;   /* of struct round_person: refused for a reason they can fix */
};

void reply_out_free(struct reply_out *r);

/* What a mail will say, before it is rendered: the template and the facts
 * that fill it. The outbox keeps these, and delivery renders them with the
 * templates of the day, so a template fixed by staff reaches mail already
 * queued. */
struct reply_facts {
	char *template; /* a template pair's name ("confirmation", "welcome"), or REPLY_DIGEST */
	struct tdata *data;
	char *fallback_subject; /* when the text template gives none */
	/* A reference that finds a record: when the subject lacks `token`,
	 * `tag` ("[ref ...]") is added to it, however staff edit the template. */
	char *token, *tag;
};
/* The digest: subject, text and HTML body written by digest.c, framed. */
#define REPLY_DIGEST "digest"

struct reply_facts *reply_facts_of(const struct nomd_config *cfg, const struct decision *d, const char *subject,
				   GPtrArray *status);
struct reply_facts *reply_facts_notice(const struct nomd_config *cfg, enum notice_kind k, const struct notice *n);
struct reply_facts *reply_facts_round(const struct nomd_config *cfg, enum round_kind k, const struct round_letter *l);
struct reply_facts *reply_facts_reply_limit(const struct nomd_config *cfg, const char *sender);
struct reply_facts *reply_facts_digest(const struct nomd_config *cfg, const char *subject, const char *text,
				       const char *html_body);
/* The words of `f` (whose data gains what rendering adds), or NULL when
 * no template has its name. */
struct reply_out *reply_facts_render(const struct reply_templates *t, struct reply_facts *f, GError **error);
void reply_facts_free(struct reply_facts *f);
void status_entry_free(struct status_entry *e);

typedef struct reply_templates reply_templates;
typedef struct reply_out reply_out;
G_DEFINE_AUTOPTR_CLEANUP_FUNC(reply_templates, reply_templates_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(reply_out, reply_out_free)
typedef struct reply_facts reply_facts;
G_DEFINE_AUTOPTR_CLEANUP_FUNC(reply_facts, reply_facts_free)

/* The blank form as a Word document, attached to the FORM reply: made at
 * build time by nomd-reader --make-form and built into nomd (GResource). */
#define REPLY_FORM_FILENAME "nomination-form.docx"
#define REPLY_FORM_TYPE "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
GBytes *reply_form_document(GError **error);
/* The text blank form (blank-form.txt) as a reply shows it: a programme's
 * Word form is made from it (formdoc.h). */
char *reply_blank_form(const struct nomd_config *cfg, const struct reply_templates *t);

#endif
