/* decide: the programme's rules, v1.
 *
 *  - Automatic mail (Auto-Submitted other than "no") is held: answering it
 *    is how mail loops start.
 *  - A second copy of a recorded Message-ID (sent twice, or delivered twice
 *    with different trace headers) is held unanswered: its original was
 *    already applied and answered.
 *  - The sender must be the single From mailbox and a nominator of the
 *    organisation; otherwise the message is held and nobody is answered,
 *    so forged or stray mail causes no backscatter.
 *  - Each nominee is judged on its own, in form order: required fields,
 *    address syntax, duplicates (earlier messages and earlier in this one),
 *    then the organisation's cumulative quota for the role. */
#include "decide.h"

#include <string.h>

#include "util.h"

const char *outcome_name(enum outcome o)
{
	switch (o) {
	case OUTCOME_ACCEPTED: return "accepted";
	case OUTCOME_PARTIAL: return "partial";
	case OUTCOME_REJECTED: return "rejected";
	case OUTCOME_HELD: return "held";
	}
	return "?";
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
		{ REASON_NOT_AUTHORISED, "the sender is not a nominator for this organisation" },
		{ REASON_UNKNOWN_ORGANISATION, "we could not tell which organisation the nominations are for" },
		{ REASON_NO_NOMINATIONS, "we found no Member or Mentor sections in the message" },
		{ REASON_AUTO_SUBMITTED, "the message was sent automatically" },
		{ REASON_UNPARSEABLE, "the message could not be read as email" },
		{ REASON_TOO_LARGE, "the message is larger than the limit" },
		{ REASON_REPEATED, "the same message was received before" },
		{ REASON_UNPROCESSABLE, "the message could not be processed" },
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
	g_array_unref(d->verdicts);
	g_free(d);
}

static struct decision *decision_new(void)
{
	struct decision *d = g_new0(struct decision, 1);
	d->reasons = g_ptr_array_new();
	d->verdicts = g_array_new(FALSE, TRUE, sizeof(struct verdict));
	return d;
}

static void add_reason(struct decision *d, const char *code)
{
	for (guint i = 0; i < d->reasons->len; i++)
		if (strcmp(d->reasons->pdata[i], code) == 0)
			return;
	g_ptr_array_add(d->reasons, (gpointer)code);
}

struct decision *decide_held(const char *reason)
{
	struct decision *d = decision_new();
	d->outcome = OUTCOME_HELD;
	add_reason(d, reason);
	return d;
}

static gboolean is_automatic(const struct parsed_message *msg)
{
	return msg->auto_submitted && *msg->auto_submitted && g_ascii_strcasecmp(msg->auto_submitted, "no") != 0;
}

/* The organisation the sender nominates for, when the form does not say. */
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

static const char *judge(const struct nomd_config *cfg, const struct nominee *n, const struct decide_state *st,
			 GHashTable *seen, int *members, int *mentors)
{
	if (!n->name || !*n->name || !n->email || !*n->email)
		return REASON_MISSING_FIELD;
	if (!email_valid(n->email))
		return REASON_INVALID_EMAIL;
	g_autofree char *key = email_key(n->email);
	if (g_hash_table_contains(seen, key) || st->email_known(st->ctx, key))
		return REASON_DUPLICATE;
	int *count = n->role == ROLE_MENTOR ? mentors : members;
	int limit = n->role == ROLE_MENTOR ? cfg->programme.max_mentors : cfg->programme.max_members;
	if (*count >= limit)
		return REASON_QUOTA_EXCEEDED;
	(*count)++;
	g_hash_table_add(seen, g_steal_pointer(&key));
	return NULL;
}

struct decision *decide(const struct nomd_config *cfg, const struct parsed_message *msg,
			const struct form *form, const struct decide_state *state)
{
	if (!msg->parsed)
		return decide_held(REASON_UNPARSEABLE);
	if (is_automatic(msg))
		return decide_held(REASON_AUTO_SUBMITTED);
	if (msg->message_id && state->message_known(state->ctx, msg->message_id))
		return decide_held(REASON_REPEATED);

	struct decision *d = decision_new();
	d->outcome = OUTCOME_HELD;
	guint count = 0;
	const struct organisation *home = msg->from ? sole_organisation(cfg, msg->from, &count) : NULL;
	if (!msg->from || (count == 0)) {
		add_reason(d, REASON_NOT_AUTHORISED);
		return d;
	}
	/* From here on the sender is a known nominator: answering is safe. */
	const struct organisation *org = home;
	if (form->organisation) {
		org = config_find_organisation(cfg, form->organisation);
		if (org && !config_is_nominator(org, msg->from)) {
			add_reason(d, REASON_NOT_AUTHORISED);
			return d;
		}
	}
	d->reply = TRUE;
	d->outcome = OUTCOME_REJECTED;
	if (!org) {
		add_reason(d, REASON_UNKNOWN_ORGANISATION);
		return d;
	}
	d->org = org;
	state->counts(state->ctx, org->id, &d->members, &d->mentors);
	if (form->nominees->len == 0) {
		add_reason(d, REASON_NO_NOMINATIONS);
		return d;
	}

	g_autoptr(GHashTable) seen = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	guint accepted = 0;
	for (guint i = 0; i < form->nominees->len; i++) {
		struct verdict v = { .nominee = form->nominees->pdata[i] };
		v.reason = judge(cfg, v.nominee, state, seen, &d->members, &d->mentors);
		if (v.reason)
			add_reason(d, v.reason);
		else
			accepted++;
		g_array_append_val(d->verdicts, v);
	}
	d->outcome = accepted == form->nominees->len ? OUTCOME_ACCEPTED
		     : accepted > 0			 ? OUTCOME_PARTIAL
							 : OUTCOME_REJECTED;
	return d;
}
