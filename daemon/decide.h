/* decide: the programme's rules, v1. A pure function from a parsed message,
 * its form and a read-only view of the current state to an outcome, one
 * verdict per nominee, and what the reply must say. No I/O happens here:
 * the state is reached only through the callbacks in `decide_state`. */
#ifndef NOMD_DECIDE_H
#define NOMD_DECIDE_H

#include <glib.h>

#include "../parsers/form.h"
#include "../parsers/mime.h"
#include "config.h"

enum outcome { OUTCOME_ACCEPTED, OUTCOME_PARTIAL, OUTCOME_REJECTED, OUTCOME_HELD };

/* Stable reason codes, stored and exported as they are. */
#define REASON_QUOTA_EXCEEDED "quota_exceeded"
#define REASON_DUPLICATE "duplicate"
#define REASON_INVALID_EMAIL "invalid_email"
#define REASON_MISSING_FIELD "missing_field"
#define REASON_NOT_AUTHORISED "not_authorised"
#define REASON_UNKNOWN_ORGANISATION "unknown_organisation"
#define REASON_NO_NOMINATIONS "no_nominations_found"
#define REASON_AUTO_SUBMITTED "auto_submitted"
#define REASON_UNPARSEABLE "unparseable"
#define REASON_TOO_LARGE "too_large"
#define REASON_REPEATED "repeated_message"
#define REASON_UNPROCESSABLE "unprocessable"

struct decide_state {
	/* Accepted members and mentors of an organisation so far. */
	void (*counts)(void *ctx, const char *org_id, int *members, int *mentors);
	/* Whether an address (lower-cased) has already been nominated. */
	gboolean (*email_known)(void *ctx, const char *email_key);
	/* Whether a message with this Message-ID was already recorded. */
	gboolean (*message_known)(void *ctx, const char *message_id);
	void *ctx;
};

struct verdict {
	const struct nominee *nominee; /* borrowed from the form */
	const char *reason;	       /* NULL when accepted */
};

struct decision {
	enum outcome outcome;
	const struct organisation *org; /* NULL when none could be settled */
	GPtrArray *reasons;		/* distinct codes (static strings), in order */
	GArray *verdicts;		/* struct verdict, in form order */
	int members, mentors;		/* the organisation's totals afterwards */
	gboolean reply;			/* whether the sender gets an answer */
};

const char *outcome_name(enum outcome o);
/* Plain words for a reason code, for people rather than programs. */
const char *reason_text(const char *code);

struct decision *decide(const struct nomd_config *cfg, const struct parsed_message *msg,
			const struct form *form, const struct decide_state *state);
/* A message that never reached the rules (unparseable, too large). */
struct decision *decide_held(const char *reason);
void decision_free(struct decision *d);

typedef struct decision decision;
G_DEFINE_AUTOPTR_CLEANUP_FUNC(decision, decision_free)

#endif
