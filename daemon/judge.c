/* judge: mail from a sender, a command or nominations. The sender must
 * be one the programme takes (programme.senders: a nominator of the
 * organisation, an address at its domains, or anyone for the organisation
 * the form names), authenticate when the programme requires it, pass the
 * reply gate, and attach no document that stopped the reader at a limit.
 * Then commands (FORM or JOIN, STATUS, WITHDRAW and its confirmation), or
 * each nominee on its own, in form order: closing date, name and address,
 * the role said (two roles), the registrant themselves (domain senders),
 * the programme's fields, duplicates (in this message, or accepted for
 * another organisation; the same organisation sending someone again
 * amends the entry, unless someone else sent it where anyone may send),
 * the quota for the role, then a choice's places per organisation.
 * Accepted nominees may carry warnings (years for the role, external
 * address); the message may carry unbalanced and narrow_services
 * warnings. Pure, like the rest of decide: the state only through its
 * callbacks. */
#include "decide_internal.h"

#include <string.h>

#include "origin.h"
#include "util.h"

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

static gboolean same_address(const char *a, const char *b)
{
	g_autofree char *ka = email_key(a), *kb = email_key(b);
	return g_strcmp0(ka, kb) == 0;
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
	const struct decide_state *state;
	const struct organisation *org;
	const char *sender;
	GHashTable *choices; /* "field\x1f" "choice" -> places taken in this message */
	GHashTable *seen;    /* addresses in this message */
	GHashTable *types;   /* service types after this message */
	int *members, *mentors;
	int typed;
	gboolean closed;
};

/* The organisation and role an address is accepted under, looked up once
 * per nominee before judging (NULLs when the address is new or unusable). */
struct owner {
	char *org, *role;
	gboolean others; /* made by someone else, where that matters (senders domain, anyone) */
};

/* What the programme's form refuses in a nominee's values: a required
 * field left out, a choice not offered, not a number, a long text over
 * its limit; NULL when nothing. */
static const char *spec_refusal(const struct nomd_config *cfg, const struct nominee *n)
{
	if (nominee_missing(n, config_form(cfg)))
		return REASON_FIELD_MISSING;
	switch (n->problem) {
	case FORM_NOT_A_CHOICE: return REASON_NOT_A_CHOICE;
	case FORM_NOT_A_NUMBER: return REASON_NOT_A_NUMBER;
	case FORM_TOO_LONG: return REASON_TOO_LONG;
	case FORM_OK: break;
	}
	return NULL;
}

/* The key of a field's choice among the places this message takes. */
static char *choice_key(const struct form_field *f, const char *choice)
{
	return g_strdup_printf("%s\x1f%s", f->id, choice);
}

/* The field that limits its choices per organisation (an award's
 * category) with no place left for `n`'s choice, or NULL; then `n` takes
 * a place of each. */
static const struct form_field *choice_full(struct judge_ctx *j, const struct nominee *n)
{
	const struct form_spec *spec = config_form(j->cfg);
	g_autofree char *email = email_key(n->email);
	for (int pass = 0; pass < 2; pass++)
		for (guint i = 0; i < spec->fields->len; i++) {
			const struct form_field *f = spec->fields->pdata[i];
			const char *choice = f->per_organisation ? nominee_value(n, f->id) : NULL;
			if (!choice || !j->state->choice_count)
				continue;
			g_autofree char *key = choice_key(f, choice);
			int here = GPOINTER_TO_INT(g_hash_table_lookup(j->choices, key));
			if (pass == 1) {
				g_hash_table_insert(j->choices, g_steal_pointer(&key), GINT_TO_POINTER(here + 1));
				continue;
			}
			int taken = j->state->choice_count(j->state->ctx, j->org->id, f->id, choice, email);
			if (taken + here >= (int)f->per_organisation)
				return f;
		}
	return NULL;
}

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
	if (!n->role_said && cfg->n_roles > 1) {
		v->reason = REASON_ROLE_MISSING;
		return;
	}
	if (!email_valid(n->email)) {
		v->reason = REASON_INVALID_EMAIL;
		return;
	}
	if (cfg->senders == SENDERS_DOMAIN && !same_address(n->email, j->sender)) {
		v->reason = REASON_NOT_YOURSELF;
		return;
	}
	const char *refused = spec_refusal(cfg, n);
	if (refused) {
		v->reason = refused;
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
		if (own->others) {
			v->reason = REASON_NOT_YOURS;
			return;
		}
		v->amended = TRUE;
	}
	int *count = n->role == ROLE_MENTOR ? j->mentors : j->members;
	int limit = config_quota(cfg, n->role);
	/* An amendment in the same role takes no new place. */
	gboolean new_place = !v->amended || g_strcmp0(owner_role, form_role_name(n->role)) != 0;
	if (new_place && limit != CONFIG_NO_QUOTA && *count >= limit) {
		v->reason = REASON_QUOTA_EXCEEDED;
		v->amended = FALSE;
		return;
	}
	if ((v->full = choice_full(j, n))) {
		v->reason = REASON_CHOICE_FULL;
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
	const struct programme_role *r = config_role(cfg, n->role);
	if (n->years >= 0 && r->max_years != CONFIG_NO_YEARS && n->years > r->max_years)
		add_warning(v, WARN_MEMBER_EXPERIENCED);
	if (n->years >= 0 && r->min_years != CONFIG_NO_YEARS && n->years < r->min_years)
		add_warning(v, WARN_MENTOR_INEXPERIENCED);
	if (!email_in_domains(j->org, n->email))
		add_warning(v, WARN_EXTERNAL_EMAIL);
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

/* Whether the accepted nomination of `key` came from someone other than
 * `sender`: where anyone may send, one sender's nomination is not
 * another's to change. */
static gboolean made_by_other(const struct nomd_config *cfg, const struct decide_state *state, const char *key,
			      const char *sender)
{
	if (cfg->senders == SENDERS_NOMINATORS || !state->nominated_by)
		return FALSE;
	g_autofree char *by = state->nominated_by(state->ctx, key);
	return !by || !same_address(by, sender);
}

/* Whether `sender` may send for `o`: one of its nominators, or (senders
 * domain) an address at its domains; anyone may send for any. */
static gboolean sends_for(const struct nomd_config *cfg, const struct organisation *o, const char *sender)
{
	switch (cfg->senders) {
	case SENDERS_NOMINATORS: return config_is_nominator(o, sender);
	case SENDERS_DOMAIN: return o->domains->len && email_in_domains(o, sender);
	case SENDERS_ANYONE:
	case SENDERS_COUNT: break;
	}
	return TRUE;
}

/* The organisations `sender` may send for, in configuration order. */
static GPtrArray *nominator_of(const struct nomd_config *cfg, const char *sender)
{
	GPtrArray *orgs = g_ptr_array_new();
	for (guint i = 0; i < cfg->organisations->len; i++) {
		const struct organisation *o = cfg->organisations->pdata[i];
		if (sends_for(cfg, o, sender))
			g_ptr_array_add(orgs, (gpointer)o);
	}
	return orgs;
}

gboolean judge_may_send(const struct nomd_config *cfg, const char *sender)
{
	g_autoptr(GPtrArray) orgs = nominator_of(cfg, sender);
	return orgs->len > 0;
}

/* The organisation the sender sends for, when exactly one. */
static const struct organisation *sole_organisation(const struct nomd_config *cfg, const char *sender, guint *count)
{
	g_autoptr(GPtrArray) orgs = nominator_of(cfg, sender);
	*count = orgs->len;
	return orgs->len == 1 ? orgs->pdata[0] : NULL;
}

static void org_summary_clear(struct org_summary *sum)
{
	g_clear_pointer(&sum->service_types, g_ptr_array_unref);
}

static void owners_free(struct owner *owners, guint n)
{
	for (guint i = 0; i < n; i++) {
		g_free(owners[i].org);
		g_free(owners[i].role);
	}
	g_free(owners);
}

/* The nominations of `form` for d->org, whose totals before this message
 * are in d->members, d->mentors and `sum`: one verdict per nominee, the
 * message's reasons, warnings and outcome. Returns d. */
static struct decision *judge_nominations(const struct nomd_config *cfg, const struct form *form, const char *sender,
					  const struct decide_state *state, struct decision *d,
					  const struct org_summary *sum)
{
	const struct organisation *org = d->org;
	g_autoptr(GHashTable) seen = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	g_autoptr(GHashTable) types = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	for (guint i = 0; sum->service_types && i < sum->service_types->len; i++)
		g_hash_table_add(types, g_strdup(sum->service_types->pdata[i]));
	g_autoptr(GHashTable) choices = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	struct judge_ctx j = {
		.cfg = cfg,
		.state = state,
		.choices = choices,
		.org = org,
		.sender = sender,
		.seen = seen,
		.types = types,
		.members = &d->members,
		.mentors = &d->mentors,
		.typed = sum->typed,
		.closed = cfg->programme.closes_at && state->received > cfg->programme.closes_at,
	};
	if (form->nominees->len == 0)
		return decision_finish(d, j.closed ? REASON_CLOSED : REASON_NO_NOMINATIONS, NULL);

	guint count_n = form->nominees->len;
	struct owner *owners = g_new0(struct owner, count_n);
	for (guint i = 0; i < count_n; i++) {
		const struct nominee *n = form->nominees->pdata[i];
		if (!n->email || !email_valid(n->email))
			continue;
		g_autofree char *key = email_key(n->email);
		state->email_owner(state->ctx, key, &owners[i].org, &owners[i].role);
		owners[i].others = owners[i].org && made_by_other(cfg, state, key, sender);
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
	owners_free(owners, count_n);
	guint accepted = 0;
	for (guint i = 0; i < d->verdicts->len; i++) {
		const struct verdict *v = &g_array_index(d->verdicts, struct verdict, i);
		if (v->reason)
			decision_add_code(d->reasons, v->reason);
		else
			accepted++;
		for (size_t w = 0; v->warnings[w]; w++)
			decision_add_code(d->warnings, v->warnings[w]);
	}
	if (accepted > 0) {
		if (cfg->n_roles == 2 && cfg->programme.equal_numbers && d->members != d->mentors)
			decision_add_code(d->warnings, WARN_UNBALANCED);
		if (j.typed >= 2 && g_hash_table_size(types) == 1)
			decision_add_code(d->warnings, WARN_NARROW_SERVICES);
	}
	d->outcome = accepted == form->nominees->len ? OUTCOME_ACCEPTED
		     : accepted > 0		     ? OUTCOME_PARTIAL
						     : OUTCOME_REJECTED;
	return d;
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
		decision_finish(d, REASON_CONFIRM_EXPIRED, c.argument);
		confirm_target_clear(&c);
		return d;
	}
	g_autofree char *sender = email_key(msg->from);
	if (g_strcmp0(sender, c.nominator) != 0 || g_strcmp0(c.organisation, d->org->id) != 0) {
		/* Another nominator holding the token: staff look. */
		d->outcome = OUTCOME_HELD;
		d->reply = FALSE;
		decision_finish(d, REASON_CONFIRM_SENDER, msg->from);
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
		return decision_finish(d, REASON_CMD_FORM, NULL);
	if (cmd == CMD_STATUS)
		return decision_finish(d, REASON_CMD_STATUS, NULL);
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
		return decision_finish(d, REASON_NOT_FOUND, arg);
	}
	if (made_by_other(cfg, state, key, msg->from)) {
		d->outcome = OUTCOME_REJECTED;
		g_clear_pointer(&d->withdraw, g_free);
		return decision_finish(d, REASON_NOT_YOURS, arg);
	}
	/* A From address is easily forged: unless the message authenticated,
	 * the nominator's own mailbox must confirm before anyone is removed. */
	if (!confirmed && !origin_authenticated(cfg, msg)) {
		d->command = CMD_WITHDRAW_PENDING;
		d->confirm_expires = state->received + CONFIRM_SECONDS;
		return decision_finish(d, REASON_CONFIRM_REQUESTED, arg);
	}
	if (g_strcmp0(role, "mentor") == 0)
		d->mentors--;
	else
		d->members--;
	return decision_finish(d, REASON_CMD_WITHDRAW, arg);
}

/* The sender of a command or of nominations must nominate for some
 * organisation (else held not_authorised: no backscatter to forged or
 * stray mail), authenticate when the programme requires it, and nominate
 * for the organisation the form names; then the reply gate; then no
 * document may have stopped the reader at a limit (staff look, nobody is
 * answered). From here on the sender is a known nominator and answering
 * is safe: the decision, rejected until judged, for the organisation,
 * whose totals are in `sum`. *settled when that decision is the answer
 * already. */
static struct decision *nominator_decision(const struct nomd_config *cfg, const struct parsed_message *msg,
					   const struct form *form, const struct decide_state *state,
					   struct org_summary *sum, gboolean *settled)
{
	*settled = TRUE;
	guint count = 0;
	const struct organisation *org = sole_organisation(cfg, msg->from, &count);
	/* Where anyone may send, the form's Organisation line decides. */
	if (count == 0 || (cfg->senders == SENDERS_ANYONE && cfg->organisations->len > 1))
		org = NULL;
	if (count == 0 && cfg->senders != SENDERS_ANYONE)
		return decide_held(REASON_NOT_AUTHORISED);
	if (cfg->programme.require_authentication && !origin_authenticated(cfg, msg))
		return decide_held(REASON_UNAUTHENTICATED);
	/* A known nominator writing for an organisation they do not nominate
	 * for (a chief executive's office that serves two, a form copied from
	 * a neighbour): answered, naming the ones they may nominate for. */
	const struct organisation *named =
		form->organisation ? config_find_organisation(cfg, form->organisation) : NULL;
	gboolean wrong = named && !sends_for(cfg, named, msg->from);
	if (form->organisation)
		org = named;
	gboolean limited = FALSE;
	struct decision *d = decide_reply_gate(cfg, msg, state, OUTCOME_REJECTED, &limited);
	if (limited)
		return d;
	if (cfg->senders != SENDERS_ANYONE && (wrong || (!org && count > 1)))
		d->nominates_for = nominator_of(cfg, msg->from);
	if (wrong)
		return decision_finish(d, REASON_WRONG_ORGANISATION, named->name);
	const struct mime_document *stuck = document_over_limit(msg);
	if (stuck) {
		decision_free(d);
		g_autofree char *what = g_strdup_printf("%s: %s", stuck->filename,
							stuck->detail ? stuck->detail : doc_status_name(stuck->status));
		return decision_finish(decision_new(OUTCOME_HELD), REASON_TOO_COMPLEX, what);
	}
	if (!org)
		return decision_finish(d, REASON_UNKNOWN_ORGANISATION, form->organisation);
	d->org = org;
	state->summary(state->ctx, org->id, sum);
	d->members = sum->members;
	d->mentors = sum->mentors;
	const char *unread_reason = NULL;
	const struct mime_document *unread = document_unread(msg, &unread_reason);
	if (unread) {
		d->document = g_strdup(unread->filename);
		d->document_reason = unread_reason;
		/* Nothing found, and a document we could not read: that is the answer. */
		if (form->nominees->len == 0)
			return decision_finish(d, unread_reason, unread->filename);
		decision_add_code(d->warnings, WARN_DOCUMENT_UNREAD);
	}
	*settled = FALSE;
	return d;
}

struct decision *judge_command(const struct nomd_config *cfg, const struct parsed_message *msg, const struct form *form,
			       const struct decide_state *state, struct classification *c)
{
	struct org_summary sum = { 0 };
	gboolean settled = TRUE;
	struct decision *d = nominator_decision(cfg, msg, form, state, &sum, &settled);
	org_summary_clear(&sum);
	if (settled)
		return d;
	return decide_command(cfg, msg, d, c->command, c->token, c->argument, state);
}

struct decision *judge_nomination(const struct nomd_config *cfg, const struct parsed_message *msg,
				  const struct form *form, const struct decide_state *state, struct classification *c)
{
	struct org_summary sum = { 0 };
	gboolean settled = TRUE;
	struct decision *d = nominator_decision(cfg, msg, form, state, &sum, &settled);
	if (!settled) {
		d = judge_nominations(cfg, form, msg->from, state, d, &sum);
		/* Someone registering themselves is asked to confirm by the
		 * welcome to their own address: that one mail is the answer. */
		gboolean amended = FALSE;
		for (guint i = 0; i < d->verdicts->len; i++)
			amended |= g_array_index(d->verdicts, struct verdict, i).amended;
		if (cfg->senders == SENDERS_DOMAIN && cfg->consent.enabled && d->outcome == OUTCOME_ACCEPTED &&
		    !amended)
			d->reply = FALSE;
	}
	org_summary_clear(&sum);
	return d;
}
