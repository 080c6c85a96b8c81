/* ingest: from the nomination inbox to committed effects. */
#include "ingest.h"

#include <string.h>

#include <signal.h>
#include <stdlib.h>

#include "../parsers/csv.h"
#include "../parsers/form.h"
#include "../parsers/mime.h"
#include "compose.h"
#include "consent.h"
#include "crashmark.h"
#include "decide.h"
#include "docread.h"
#include "events.h"
#include "imap.h"
#include "log.h"
#include "mentoring.h"
#include "notify.h"
#include "outbox.h"
#include "people.h"
#include "util.h"

struct state_ctx {
	struct store *st;
	gint64 now;    /* for the reply limit */
	GError *error; /* the first store failure seen by decide's callbacks */
};

static void state_summary(void *data, const char *org_id, struct org_summary *out)
{
	struct state_ctx *ctx = data;
	*out = (struct org_summary){ 0 };
	if (!ctx->error && store_org_counts(ctx->st, org_id, &out->members, &out->mentors, &ctx->error))
		store_org_service_types(ctx->st, org_id, &out->service_types, &out->typed, &ctx->error);
}

static gboolean state_email_owner(void *data, const char *key, char **org_id, char **role)
{
	struct state_ctx *ctx = data;
	*org_id = *role = NULL;
	if (!ctx->error)
		store_email_owner(ctx->st, key, org_id, role, NULL, &ctx->error);
	return *org_id != NULL;
}

static char *state_nominated_by(void *data, const char *key)
{
	struct state_ctx *ctx = data;
	char *by = NULL;
	if (!ctx->error)
		store_email_owner(ctx->st, key, NULL, NULL, &by, &ctx->error);
	return by;
}

static int state_choice_count(void *data, const char *org_id, const char *field_id, const char *choice,
			      const char *except_key)
{
	struct state_ctx *ctx = data;
	int n = 0;
	if (!ctx->error)
		store_choice_count(ctx->st, org_id, field_id, choice, except_key, &n, &ctx->error);
	return n;
}

static gboolean state_message_known(void *data, const char *message_id)
{
	struct state_ctx *ctx = data;
	gboolean known = FALSE;
	if (!ctx->error)
		store_message_id_known(ctx->st, message_id, &known, &ctx->error);
	return known;
}

static gboolean state_sent_by_us(void *data, const char *message_id)
{
	struct state_ctx *ctx = data;
	gboolean found = FALSE;
	if (!ctx->error)
		store_sent_by_us(ctx->st, message_id, &found, &ctx->error);
	return found;
}

static int state_recent_replies(void *data, const char *address)
{
	struct state_ctx *ctx = data;
	int count = 0;
	if (!ctx->error)
		store_replies_since(ctx->st, address, ctx->now - 3600, &count, &ctx->error);
	return count;
}

static gboolean state_consent_target(void *data, const char *token, const char *const *ids, guint n,
				     struct consent_target *out)
{
	struct state_ctx *ctx = data;
	g_autoptr(person) p = NULL;
	if (ctx->error || !store_consent_target(ctx->st, token, ids, n, &p, &ctx->error) || !p)
		return FALSE;
	*out = (struct consent_target){
		.id = p->id,
		.email = g_strdup(p->email),
		.name = g_strdup(p->name),
		.role = g_strdup(p->role),
		.organisation = g_strdup(p->organisation),
		.status = p->status,
		.consent = p->consent,
		.token = g_strdup(p->token),
		.nominated_by = g_strdup(p->nominated_by),
	};
	return TRUE;
}

static gboolean state_ask_target(void *data, const char *token, const char *const *ids, guint n, struct ask_target *out)
{
	struct state_ctx *ctx = data;
	g_autoptr(ask_view) v = NULL;
	if (ctx->error || !store_find_ask(ctx->st, token, ids, n, &v, &ctx->error) || !v)
		return FALSE;
	*out = (struct ask_target){
		.id = v->id,
		.pair = v->pair,
		.nominee = v->nominee,
		.kind = v->kind,
		.token = g_steal_pointer(&v->token),
		.email = g_steal_pointer(&v->email),
		.name = g_steal_pointer(&v->name),
		.status = v->status,
		.pair_active = v->pair_active,
	};
	return TRUE;
}

static gboolean state_invitation(void *data, const char *uid, const char *attendee, const char *const *ids, guint n,
				 struct rsvp_target *out)
{
	struct state_ctx *ctx = data;
	g_autoptr(invitation_view) v = NULL;
	if (ctx->error || !store_find_invitation(ctx->st, uid, attendee, ids, n, &v, &ctx->error) || !v)
		return FALSE;
	*out = (struct rsvp_target){
		.id = v->id,
		.event = v->event->id,
		.email = g_strdup(v->email),
		.name = g_strdup(v->name),
		.answer = v->answer,
		.nominee_status = v->status,
		.event_status = g_strdup(v->event->status),
		.starts_at = v->event->starts_at,
		.capacity = v->event->capacity,
		.accepted = v->event->accepted,
	};
	return TRUE;
}

static gboolean state_confirmation(void *data, const char *token, struct confirm_target *out)
{
	struct state_ctx *ctx = data;
	g_autoptr(confirmation) c = NULL;
	if (ctx->error || !store_find_confirmation(ctx->st, token, &c, &ctx->error) || !c)
		return FALSE;
	*out = (struct confirm_target){
		.command = g_steal_pointer(&c->command),
		.argument = g_steal_pointer(&c->argument),
		.organisation = g_steal_pointer(&c->organisation),
		.nominator = g_steal_pointer(&c->nominator),
		.expires_at = c->expires_at,
		.done = c->done_at != 0,
	};
	return TRUE;
}

const char *ingest_mailbox_for(const struct nomd_config *cfg, const char *outcome)
{
	if (strcmp(outcome, "accepted") == 0 || strcmp(outcome, "partial") == 0)
		return cfg->imap.processed;
	if (strcmp(outcome, "rejected") == 0)
		return cfg->imap.rejected;
	if (strcmp(outcome, "ignored") == 0)
		return cfg->imap.ignored;
	return cfg->imap.held;
}

static char *iso_time(gint64 unix_time)
{
	return unix_time > 0 ? utc_iso(unix_time) : utc_now_iso();
}

static char *join_codes(const char *const *codes, guint n)
{
	GString *s = g_string_new(NULL);
	for (guint i = 0; i < n && codes[i]; i++)
		g_string_append_printf(s, "%s%s", i ? " " : "", codes[i]);
	return g_string_free(s, FALSE);
}

static char *join_reasons(const struct decision *d)
{
	return join_codes((const char *const *)d->reasons->pdata, d->reasons->len);
}

static void count_outcome(struct ingest_stats *stats, enum outcome o)
{
	switch (o) {
	case OUTCOME_ACCEPTED: stats->accepted++; break;
	case OUTCOME_PARTIAL: stats->partial++; break;
	case OUTCOME_REJECTED: stats->rejected++; break;
	case OUTCOME_HELD: stats->held++; break;
	case OUTCOME_IGNORED: stats->ignored++; break;
	case OUTCOME_COUNT: break;
	}
}

/* Inside a message's transaction: the checkpoint moves past it and its
 * attempt count goes. */
static gboolean commit_origin(struct store *st, const struct origin *o, GError **error)
{
	if (!o)
		return TRUE;
	return store_set_checkpoint(st, o->mailbox, o->uidvalidity, o->uid, FALSE, error) &&
	       store_attempt_clear(st, o->uidvalidity, o->uid, error);
}

static void add_status_entry(void *data, int n, const char *const *names, const char *const *values)
{
	struct status_entry *e = g_new0(struct status_entry, 1);
	e->role = g_strdup(values[0]);
	e->name = g_strdup(values[1]);
	e->email = g_strdup(values[2]);
	g_ptr_array_add(data, e);
}

/* One alert per address and hour, to every staff address. */
static gboolean alert_staff_reply_limit(const struct nomd_config *cfg, struct store *st, const char *sender,
					GError **error)
{
	g_autoptr(GDateTime) now = g_date_time_new_now_utc();
	g_autofree char *hour = g_date_time_format(now, "%Y-%m-%dT%H");
	g_autoptr(reply_facts) r = reply_facts_reply_limit(cfg, sender);
	g_autofree char *cause = g_strdup_printf("%s:%s", sender, hour);
	for (guint i = 0; i < cfg->staff->len; i++) {
		const struct outmail m = { .cause = OUTBOX_REPLY_LIMIT,
					   .cause_text = cause,
					   .to = cfg->staff->pdata[i] };
		if (!outbox_queue(cfg, st, &m, r, error))
			return FALSE;
	}
	return TRUE;
}

/* A nominator's WITHDRAW: the nominee goes, and so do their pairs. */
static gboolean withdraw_effects(const struct nomd_config *cfg, struct store *st, const struct decision *d,
				 GError **error)
{
	g_autoptr(person) p = NULL;
	if (!store_person_by_email(st, d->withdraw, &p, error))
		return FALSE;
	if (!p || g_strcmp0(p->organisation, d->org->id) != 0)
		return TRUE;
	gboolean changed = FALSE;
	return store_withdraw_id(st, p->id, &changed, error) &&
	       people_left(cfg, st, p, "withdrawn by their organisation", error);
}

/* Everything one message changes, inside the caller's transaction. */
static gboolean commit_effects(const struct nomd_config *cfg, struct store *st, const struct parsed_message *msg,
			       const struct decision *d, const char *sha, gsize size, const struct origin *o,
			       GError **error)
{
	gint64 internal_date = o ? o->internal_date : 0;
	g_autofree char *reasons = join_reasons(d);
	g_autofree char *warnings = join_codes((const char *const *)d->warnings->pdata, d->warnings->len);
	g_autofree char *received = iso_time(internal_date);
	struct message_record rec = {
		.message_id = msg->message_id,
		.sha256 = sha,
		.sender = msg->from,
		.organisation = d->org ? d->org->id : NULL,
		.outcome = outcome_name(d->outcome),
		.reasons = reasons,
		.subject = msg->subject,
		.received_at = received,
		.size = (gint64)size,
		.detail = d->detail,
		.warnings = warnings,
		.uidvalidity = o ? o->uidvalidity : 0,
		.uid = o ? o->uid : 0,
	};
	gint64 row = 0;
	if (!store_add_message(st, &rec, &row, error))
		return FALSE;
	for (guint i = 0; i < d->verdicts->len; i++) {
		const struct verdict *v = &g_array_index(d->verdicts, struct verdict, i);
		const struct nominee *n = v->nominee;
		g_autofree char *nwarn = join_codes(v->warnings, G_N_ELEMENTS(v->warnings));
		struct nominee_record nr = {
			.organisation = d->org->id,
			.role = form_role_name(n->role),
			.name = n->name,
			.email = n->email,
			.job_title = n->job_title,
			.service = n->service,
			.service_type = n->service_type,
			.years = n->years,
			.aspiration = n->aspiration,
			.expertise = n->expertise,
			.location = n->location,
			.format = n->format,
			.status = nominee_status_name(v->reason ? NOMINEE_REFUSED : NOMINEE_ACCEPTED),
			.reason = v->reason,
			.warnings = nwarn,
			.nominated_by = msg->from,
			.values = n->values,
		};
		if (!(v->amended ? store_amend_nominee(st, row, &nr, error) : store_add_nominee(st, row, &nr, error)))
			return FALSE;
		if (!v->reason && !v->amended && !store_replace_undeliverable(st, d->org->id, n->name, n->email, error))
			return FALSE;
	}
	if (d->command == CMD_WITHDRAW && d->withdraw && !withdraw_effects(cfg, st, d, error))
		return FALSE;
	if (d->command == CMD_WITHDRAW && d->confirm_token &&
	    !store_confirmation_done(st, d->confirm_token, g_get_real_time() / G_USEC_PER_SEC, error))
		return FALSE;
	if (d->command == CMD_WITHDRAW_PENDING) {
		struct confirmation c = { .token = d->confirm_token,
					  .command = "withdraw",
					  .argument = d->withdraw,
					  .organisation = d->org->id,
					  .nominator = msg->from,
					  .expires_at = d->confirm_expires };
		if (!store_add_confirmation(st, &c, row, g_get_real_time() / G_USEC_PER_SEC, error))
			return FALSE;
	}
	if (d->consent)
		return consent_apply_answer(cfg, st, msg, d, row, sha, error);
	if (d->rsvp)
		return events_apply_rsvp(cfg, st, msg, d, row, sha, error);
	if (d->ask)
		return mentoring_apply_answer(cfg, st, msg, d, row, sha, error);
	if (d->bounce_id && !store_mark_bounce(st, d->bounce_id, d->detail, error))
		return FALSE;
	if (d->reasons->len && g_strcmp0(d->reasons->pdata[0], REASON_REPLY_LIMIT) == 0 &&
	    !alert_staff_reply_limit(cfg, st, msg->from, error))
		return FALSE;
	if (!d->reply)
		return TRUE;
	g_autoptr(GPtrArray) listing = g_ptr_array_new_with_free_func((GDestroyNotify)status_entry_free);
	/* Where anyone at an organisation (or anyone) may send, a sender sees
	 * only what they sent. */
	const char *by = cfg->senders == SENDERS_NOMINATORS ? NULL : msg->from;
	if (d->command == CMD_STATUS && !store_each_org_nominee(st, d->org->id, by, add_status_entry, listing, error))
		return FALSE;
	g_autoptr(reply_facts) r = reply_facts_of(cfg, d, msg->subject, listing);
	struct outmail m = { .cause = OUTBOX_REPLY, .cause_text = sha, .answers = msg, .message_row = row };
	m.attach_form = d->command == CMD_FORM; /* the Word form goes with the text one */
	return outbox_queue(cfg, st, &m, r, error);
}

/* Test hook: NOMD_FAULT holds KIND:TEXT items, separated by spaces; on
 * any message whose raw bytes contain TEXT, "fail" fails processing,
 * "crash" aborts, "kill" dies of SIGKILL (no crash record), "busy" fails
 * as a database lock held too long does, "sleep" holds it 3 s first (a
 * signal arrives with a message in hand).
 * Unset in production. */
static gboolean injected_fault(struct store *st, const char *data, gsize len, GError **error)
{
	const char *spec = g_getenv("NOMD_FAULT");
	if (!spec || !*spec)
		return FALSE;
	g_auto(GStrv) items = g_strsplit(spec, " ", -1);
	for (size_t i = 0; items[i]; i++) {
		const char *colon = strchr(items[i], ':');
		if (!colon || !colon[1] || !g_strstr_len(data, len, colon + 1))
			continue;
		if (g_str_has_prefix(items[i], "crash:"))
			abort();
		if (g_str_has_prefix(items[i], "kill:"))
			raise(SIGKILL);
		if (g_str_has_prefix(items[i], "sleep:")) {
			log_info("injected delay (NOMD_FAULT): holding the message 3 s");
			g_usleep(3 * G_USEC_PER_SEC);
		}
		if (g_str_has_prefix(items[i], "busy:"))
			return !store_fail_busy(st, error);
		if (g_str_has_prefix(items[i], "fail:")) {
			g_set_error_literal(error, G_FILE_ERROR, G_FILE_ERROR_FAILED, "injected fault (NOMD_FAULT)");
			return TRUE;
		}
	}
	return FALSE;
}

/* The attached documents, each through nomd-reader; what they hold joins
 * the form. Each is logged by status (the detail is sanitised by docread;
 * the name, sanitised by the MIME walk, only at debug). FALSE only when the reader could
 * not be run at all. */
static gboolean read_documents(const struct nomd_config *cfg, struct parsed_message *msg, struct form *f,
			       const char *id, GError **error)
{
	for (guint i = 0; i < msg->documents->len; i++) {
		struct mime_document *doc = msg->documents->pdata[i];
		g_autofree char *text = NULL;
		if (!doc->settled && !docread_run(cfg, doc, &text, error)) {
			g_prefix_error(error, "%s: cannot run %s: ", doc->filename, cfg->documents.reader);
			return FALSE;
		}
		/* A file name may name a person ("Alex Smith.docx"): info lines,
		 * which outlive erasures, give only its place in the message. */
		g_autofree char *name = terminal_text(doc->filename, FALSE);
		log_info("message %s: document %u: %s%s%s", id, i + 1, doc_status_name(doc->status),
			 doc->detail ? ": " : "", doc->detail ? doc->detail : "");
		log_debug("message %s: document %u is %s", id, i + 1, name);
		if (doc->status != DOC_OK)
			continue;
		g_autoptr(form) read = form_parse_spec(text, FALSE, config_form(cfg));
		form_merge(f, read);
	}
	return TRUE;
}

/* "a.docx (read), b.pdf (no_text)", for the message's record. */
static char *documents_summary(const struct parsed_message *msg)
{
	GString *s = g_string_new("documents: ");
	guint n = 0;
	for (guint i = 0; i < msg->documents->len; i++) {
		const struct mime_document *doc = msg->documents->pdata[i];
		if (doc->settled)
			g_string_append_printf(s, "%s%s (%s)", n++ ? ", " : "", doc->filename,
					       doc_status_name(doc->status));
	}
	return n ? g_string_free(s, FALSE) : (g_string_free(s, TRUE), NULL);
}

static gboolean only_move(struct ingest *ing, const struct origin *o, GError **error)
{
	if (!o)
		return TRUE;
	if (!store_begin(ing->st, error))
		return FALSE;
	if (!commit_origin(ing->st, o, error) || !store_commit(ing->st, error)) {
		store_rollback(ing->st);
		return FALSE;
	}
	return TRUE;
}

gboolean ingest_apply(struct ingest *ing, GBytes *raw, const struct origin *o, char **outcome, GError **error)
{
	const struct nomd_config *cfg = ing->cfg;
	struct store *st = ing->st;
	gsize len = 0;
	const char *data = g_bytes_get_data(raw, &len);
	if (injected_fault(st, data, len, error))
		return FALSE;
	g_autofree char *sha = sha256_hex(data, len);
	g_autoptr(parsed_message) msg = mime_parse(data, len);
	ing->stats.seen++;

	if (!store_find_message(st, msg->message_id, sha, outcome, error))
		return FALSE;
	if (*outcome) {
		ing->stats.already++;
		log_info("message %s already recorded (%s); only moving it", msg->message_id ? msg->message_id : sha,
			 *outcome);
		return only_move(ing, o, error);
	}

	g_autoptr(form) f = form_parse_spec(msg->text, msg->forwarded, config_form(cfg));
	for (guint i = 0; i < msg->csv->len; i++) {
		gsize csv_len = 0;
		const char *csv_data = g_bytes_get_data(msg->csv->pdata[i], &csv_len);
		g_autoptr(GPtrArray) rows = NULL;
		g_autoptr(GError) csv_error = NULL;
		if (csv_read_rows(csv_data, csv_len, &rows, &csv_error))
			form_add_rows_spec(f, rows, config_form(cfg));
		else
			log_warn("message %s: spreadsheet not read: %s", msg->message_id ? msg->message_id : sha,
				 csv_error->message);
	}
	/* Before the transaction: a document may take documents.timeout. */
	if (decide_reads_documents(cfg, msg) &&
	    !read_documents(cfg, msg, f, msg->message_id ? msg->message_id : sha, error))
		return FALSE;
	decide_complete_form(cfg, msg, f);
	if (!store_begin(st, error))
		return FALSE;
	gint64 received = o && o->internal_date ? o->internal_date : g_get_real_time() / G_USEC_PER_SEC;
	/* Replies are counted by when they were queued, that is, by now. */
	struct state_ctx sctx = { .st = st, .now = g_get_real_time() / G_USEC_PER_SEC };
	struct decide_state state = {
		.summary = state_summary,
		.email_owner = state_email_owner,
		.nominated_by = state_nominated_by,
		.choice_count = state_choice_count,
		.message_known = state_message_known,
		.sent_by_us = state_sent_by_us,
		.recent_replies = state_recent_replies,
		.consent_target = state_consent_target,
		.ask_target = state_ask_target,
		.invitation = state_invitation,
		.confirmation = state_confirmation,
		.ctx = &sctx,
		.received = received,
	};
	g_autoptr(decision) d = decide(cfg, msg, f, &state);
	if (sctx.error) {
		g_propagate_error(error, sctx.error);
		store_rollback(st);
		return FALSE;
	}
	/* The token goes only to the nominator's mailbox: whoever replies
	 * with it, from that address, controls it. 96 bits. */
	if (d->command == CMD_WITHDRAW_PENDING)
		d->confirm_token = random_hex(12);
	if (!d->detail)
		d->detail = documents_summary(msg);
	if (!commit_effects(cfg, st, msg, d, sha, len, o, error) || !commit_origin(st, o, error) ||
	    !store_commit(st, error)) {
		store_rollback(st);
		return FALSE;
	}
	ing->stats.applied++;
	count_outcome(&ing->stats, d->outcome);
	g_autofree char *reasons = join_reasons(d);
	/* Addresses and names stay out of info lines: the log outlives erasures. */
	log_info("message %s organisation=%s outcome=%s%s%s", msg->message_id ? msg->message_id : "(none)",
		 d->org ? d->org->id : "-", outcome_name(d->outcome), *reasons ? " reasons=" : "", reasons);
	log_debug("message %s from %s", msg->message_id ? msg->message_id : "(none)",
		  msg->from ? msg->from : "(unknown)");
	*outcome = g_strdup(outcome_name(d->outcome));
	return TRUE;
}

/* Record and hold a message without reading it: too large, or it failed
 * every attempt. Its identity is its place on the server. */
static gboolean hold_unread(struct ingest *ing, const struct origin *o, guint32 size, const char *reason,
			    const char *detail, GError **error)
{
	struct store *st = ing->st;
	g_autofree char *identity = g_strdup_printf("%s:%u:%u", reason, o->uidvalidity, o->uid);
	g_autofree char *known = NULL;
	ing->stats.seen++;
	if (!store_find_message(st, NULL, identity, &known, error))
		return FALSE;
	if (known) {
		ing->stats.already++;
		return only_move(ing, o, error);
	}
	g_autofree char *received = iso_time(o->internal_date);
	struct message_record rec = { .sha256 = identity,
				      .outcome = "held",
				      .reasons = reason,
				      .received_at = received,
				      .size = size,
				      .detail = detail,
				      .uidvalidity = o->uidvalidity,
				      .uid = o->uid };
	gint64 row = 0;
	if (!store_begin(st, error))
		return FALSE;
	if (!store_add_message(st, &rec, &row, error) || !commit_origin(st, o, error) || !store_commit(st, error)) {
		store_rollback(st);
		return FALSE;
	}
	log_warn("message UID %u held as %s%s%s", o->uid, reason, detail ? ": " : "", detail ? detail : "");
	ing->stats.applied++;
	ing->stats.held++;
	return TRUE;
}

/* The bodies of a batch's messages, fetched ahead, a run of them per UID
 * FETCH (imap.batch_size messages and imap.batch_bytes at most): a round
 * trip per run, not per message. The fetch for a run is made when its
 * first message is in hand, after the attempt at that one is counted, so
 * a connection lost then is charged to nobody and an attempt at the others
 * is counted only when each comes. */
struct prefetch {
	const struct imap_msg_info *infos; /* the batch, ascending */
	guint n;
	GPtrArray *bodies; /* GBytes, or NULL, by index in infos */
	guint end;	   /* the runs fetched cover infos below this */
	gboolean single;   /* a run's fetch was refused: one at a time now */
};

static gboolean fetch_run(const struct nomd_config *cfg, struct imap_conn *imap, struct prefetch *pf, guint first,
			  GError **error)
{
	guint span = imap_batch_take(pf->infos + first, pf->n - first, cfg->imap.max_message_bytes,
				     (guint)cfg->imap.batch_size, cfg->imap.batch_bytes);
	g_autoptr(GArray) uids = g_array_sized_new(FALSE, FALSE, sizeof(guint32), span);
	g_autoptr(GArray) at = g_array_sized_new(FALSE, FALSE, sizeof(guint), span);
	for (guint i = first; i < first + span; i++) {
		if ((gint64)pf->infos[i].size > cfg->imap.max_message_bytes)
			continue;
		g_array_append_val(uids, pf->infos[i].uid);
		g_array_append_val(at, i);
	}
	/* Bodies left from the run before (messages found recorded) go now:
	 * one run's bytes in memory at a time. */
	for (guint i = 0; i < first; i++)
		g_clear_pointer(&pf->bodies->pdata[i], g_bytes_unref);
	g_autofree GBytes **got = g_new0(GBytes *, MAX(uids->len, 1));
	if (!imap_fetch_bodies(imap, (const guint32 *)uids->data, uids->len, got, error))
		return FALSE;
	for (guint k = 0; k < uids->len; k++)
		pf->bodies->pdata[g_array_index(at, guint, k)] = got[k];
	pf->end = first + span;
	return TRUE;
}

/* The body of the batch's message `i`. One the server left out of its
 * run's answer is asked for alone, as is every one after a run was
 * refused: then only the message at fault is charged for it. */
static gboolean prefetched_body(const struct nomd_config *cfg, struct imap_conn *imap, struct prefetch *pf, guint i,
				GBytes **raw, GError **error)
{
	if (i >= pf->end && !pf->single) {
		g_autoptr(GError) local = NULL;
		if (!fetch_run(cfg, imap, pf, i, &local)) {
			if (g_error_matches(local, IMAP_ERROR, IMAP_ERR_CONNECT)) {
				g_propagate_error(error, g_steal_pointer(&local));
				return FALSE;
			}
			log_warn("fetching a run of messages failed, fetching one at a time: %s", local->message);
			pf->single = TRUE;
		}
	}
	*raw = g_steal_pointer(&pf->bodies->pdata[i]);
	return *raw || imap_fetch(imap, pf->infos[i].uid, raw, error);
}

/* One message, the batch's `i`. *dest is where it goes, or NULL to leave
 * it in the inbox. FALSE only for failures of the connection or the store. */
static gboolean handle_one(struct ingest *ing, struct imap_conn *imap, struct prefetch *pf, guint i,
			   const struct origin *o, const char **dest, GError **error)
{
	guint32 size = pf->infos[i].size;
	const struct nomd_config *cfg = ing->cfg;
	*dest = NULL;
	g_autofree char *recorded = NULL;
	if (!store_find_by_uid(ing->st, o->uidvalidity, o->uid, &recorded, error))
		return FALSE;
	if (recorded) {
		/* Committed before a crash, not yet moved: only move it. */
		ing->stats.seen++;
		ing->stats.already++;
		log_info("message UID %u already recorded (%s); only moving it", o->uid, recorded);
		*dest = ingest_mailbox_for(cfg, recorded);
		return TRUE;
	}
	int starts = 0, failures = 0;
	g_autofree char *last_error = NULL;
	if (!store_attempts(ing->st, o->uidvalidity, o->uid, &starts, &failures, &last_error, error))
		return FALSE;
	/* Tries that never ended without a recorded crash (nomd was killed,
	 * the power went) say less about the message: allow one more. */
	if (failures >= INGEST_MAX_ATTEMPTS || starts - failures > INGEST_MAX_ATTEMPTS) {
		*dest = cfg->imap.held;
		return hold_unread(ing, o, size, REASON_UNPROCESSABLE,
				   failures ? last_error : "processing never finished (killed or timed out)", error);
	}
	if ((gint64)size > cfg->imap.max_message_bytes) {
		*dest = cfg->imap.held;
		g_autofree char *detail =
			g_strdup_printf("%u bytes, limit %" G_GINT64_FORMAT, size, cfg->imap.max_message_bytes);
		return hold_unread(ing, o, size, REASON_TOO_LARGE, detail, error);
	}
	if (!store_attempt_begin(ing->st, o->uidvalidity, o->uid, error))
		return FALSE;
	crashmark_set(o->uidvalidity, o->uid);
	g_autoptr(GBytes) raw = NULL;
	g_autofree char *outcome = NULL;
	g_autoptr(GError) local = NULL;
	gboolean fetched = prefetched_body(cfg, imap, pf, i, &raw, &local);
	gboolean applied = fetched && ingest_apply(ing, raw, o, &outcome, &local);
	crashmark_clear();
	if (!fetched) {
		/* A lost connection says nothing about the message: that try is
		 * not charged (a server that refuses this one message is). */
		if (g_error_matches(local, IMAP_ERROR, IMAP_ERR_CONNECT))
			store_attempt_abandon(ing->st, o->uidvalidity, o->uid, NULL);
		g_propagate_error(error, g_steal_pointer(&local));
		return FALSE;
	}
	if (applied) {
		*dest = ingest_mailbox_for(cfg, outcome);
		return TRUE;
	}
	if (store_error_is_environment(local)) {
		/* A full disk or a read-only database is no fault of the
		 * message: it stays in the inbox, uncharged, and the pass ends
		 * (the caller backs off and reopens the database). */
		store_attempt_abandon(ing->st, o->uidvalidity, o->uid, NULL);
		g_propagate_error(error, g_steal_pointer(&local));
		return FALSE;
	}
	log_error("message UID %u: attempt %d of %d failed: %s", o->uid, failures + 1, INGEST_MAX_ATTEMPTS,
		  local->message);
	if (!store_attempt_failed(ing->st, o->uidvalidity, o->uid, local->message, error))
		return FALSE;
	if (failures + 1 >= INGEST_MAX_ATTEMPTS) {
		*dest = cfg->imap.held;
		return hold_unread(ing, o, size, REASON_UNPROCESSABLE, local->message, error);
	}
	ing->stats.failed++;
	ing->retry_soon = TRUE;
	return TRUE;
}

/* Crashes recorded by the signal handler become failures of the message
 * that was in hand. */
static gboolean collect_crashes(struct ingest *ing, GError **error)
{
	g_autoptr(GArray) crashes = crashmark_collect();
	for (guint i = 0; i < crashes->len; i++) {
		const struct crash_record *c = &g_array_index(crashes, struct crash_record, i);
		g_autofree char *what = g_strdup_printf("nomd crashed while processing it (signal %d)", c->signal);
		log_warn("message UID %u: %s", c->uid, what);
		if (!store_attempt_failed(ing->st, c->uidvalidity, c->uid, what, error))
			return FALSE;
	}
	return TRUE;
}

/* Moves of one batch, grouped by destination: one command per folder.
 * The batch's commits were lazy: made durable first, in one fsync, as a
 * message leaves the inbox only once its effects are on disk. */
static gboolean move_batch(struct store *st, struct imap_conn *imap, GHashTable *moves, GError **error)
{
	if (g_hash_table_size(moves) == 0)
		return TRUE;
	if (!store_sync(st, error))
		return FALSE;
	GHashTableIter it;
	gpointer key, value;
	g_hash_table_iter_init(&it, moves);
	while (g_hash_table_iter_next(&it, &key, &value)) {
		GArray *uids = value;
		if (!imap_move(imap, (const guint32 *)uids->data, uids->len, key, error))
			return FALSE;
	}
	return TRUE;
}

static void unref_bytes(gpointer bytes)
{
	if (bytes)
		g_bytes_unref(bytes);
}

static gboolean sync_batch(struct ingest *ing, struct imap_conn *imap, guint32 uidvalidity, const guint32 *uids,
			   guint n, GError **error)
{
	g_autoptr(GArray) infos = NULL;
	if (!imap_info(imap, uids, n, &infos, error))
		return FALSE;
	g_autoptr(GHashTable) moves =
		g_hash_table_new_full(g_str_hash, g_str_equal, NULL, (GDestroyNotify)g_array_unref);
	g_autoptr(GPtrArray) bodies = g_ptr_array_new_full(infos->len, unref_bytes);
	g_ptr_array_set_size(bodies, infos->len);
	struct prefetch pf = { .infos = (const struct imap_msg_info *)infos->data, .n = infos->len, .bodies = bodies };
	gboolean ok = TRUE;
	for (guint i = 0; i < infos->len && ok && !(ing->stop && *ing->stop); i++) {
		const struct imap_msg_info *info = &g_array_index(infos, struct imap_msg_info, i);
		struct origin o = { ing->cfg->imap.inbox, uidvalidity, info->uid, info->internal_date };
		const char *dest = NULL;
		notify_watchdog(); /* a long backlog is work, not a hang */
		ok = handle_one(ing, imap, &pf, i, &o, &dest, error);
		if (!dest)
			continue;
		ing->waiting--;
		GArray *list = g_hash_table_lookup(moves, dest);
		if (!list) {
			list = g_array_new(FALSE, FALSE, sizeof(guint32));
			g_hash_table_insert(moves, (gpointer)dest, list);
		}
		g_array_append_val(list, info->uid);
	}
	/* Whatever was committed is moved, even when the batch stops early. */
	if (!ok) {
		/* Not when the sync fails too: then they stay in the inbox, and
		 * the next pass finds them recorded and only moves them. */
		g_autoptr(GError) ignored = NULL;
		move_batch(ing->st, imap, moves, &ignored);
		return FALSE;
	}
	if (!move_batch(ing->st, imap, moves, error))
		return FALSE;
	if (ing->batch_done && g_hash_table_size(moves))
		ing->batch_done(ing->batch_data);
	return TRUE;
}

gboolean ingest_prepare(const struct nomd_config *cfg, struct imap_conn *imap, GError **error)
{
	const char *targets[] = { cfg->imap.processed, cfg->imap.rejected, cfg->imap.held, cfg->imap.ignored };
	for (size_t i = 0; i < G_N_ELEMENTS(targets); i++)
		if (!imap_ensure_mailbox(imap, targets[i], error))
			return FALSE;
	return TRUE;
}

#define INGEST_PROGRESS_MIN 100

static gboolean sync_inbox(struct ingest *ing, struct imap_conn *imap, gboolean full, GError **error);

gboolean ingest_sync(struct ingest *ing, struct imap_conn *imap, gboolean full, GError **error)
{
	/* Each message is still one transaction, but fsynced once per batch
	 * (move_batch), not once per message. */
	if (!store_set_lazy_commits(ing->st, TRUE, error))
		return FALSE;
	gboolean ok = sync_inbox(ing, imap, full, error);
	g_autoptr(GError) local = NULL;
	if (!store_set_lazy_commits(ing->st, FALSE, ok ? &local : NULL) && ok) {
		g_propagate_error(error, g_steal_pointer(&local));
		return FALSE;
	}
	return ok;
}

static gboolean sync_inbox(struct ingest *ing, struct imap_conn *imap, gboolean full, GError **error)
{
	const struct nomd_config *cfg = ing->cfg;
	guint32 uidvalidity = 0, exists = 0, known_validity = 0, last_uid = 0;
	if (!collect_crashes(ing, error))
		return FALSE;
	if (!imap_select(imap, cfg->imap.inbox, &uidvalidity, &exists, error) ||
	    !store_checkpoint(ing->st, cfg->imap.inbox, &known_validity, &last_uid, error))
		return FALSE;
	if (known_validity != uidvalidity) {
		if (known_validity)
			log_warn("%s: UIDVALIDITY changed from %u to %u; rescanning, recorded messages are recognised",
				 cfg->imap.inbox, known_validity, uidvalidity);
		if (!store_set_checkpoint(ing->st, cfg->imap.inbox, uidvalidity, 0, TRUE, error))
			return FALSE;
		last_uid = 0;
		full = TRUE;
	}
	ing->waiting = 0;
	if (exists == 0)
		return TRUE;
	g_autoptr(GArray) uids = NULL;
	if (!imap_search(imap, full ? 0 : last_uid, &uids, error))
		return FALSE;
	ing->waiting = (int)uids->len;
	if (uids->len)
		log_info("%u message(s) to process in %s", uids->len, cfg->imap.inbox);
	/* A backlog worth waiting for shows its progress (on a terminal). */
	gboolean show = uids->len >= INGEST_PROGRESS_MIN;
	gint64 started = g_get_monotonic_time();
	gboolean ok = TRUE;
	for (guint i = 0; ok && i < uids->len && !(ing->stop && *ing->stop); i += cfg->imap.batch_size) {
		guint n = MIN((guint)cfg->imap.batch_size, uids->len - i);
		ok = sync_batch(ing, imap, uidvalidity, &g_array_index(uids, guint32, i), n, error);
		if (ok && show)
			log_progress("messages", i + n, uids->len, started);
	}
	if (show)
		log_progress_end();
	return ok;
}
