/* ingest: one pass over the nomination inbox. */
#include "ingest.h"

#include <string.h>

#include "../parsers/form.h"
#include "../parsers/mime.h"
#include "compose.h"
#include "decide.h"
#include "imap.h"
#include "log.h"
#include "util.h"

struct state_ctx {
	struct store *st;
	GError *error; /* the first store failure seen by decide's callbacks */
};

static void state_counts(void *data, const char *org_id, int *members, int *mentors)
{
	struct state_ctx *ctx = data;
	if (!ctx->error)
		store_org_counts(ctx->st, org_id, members, mentors, &ctx->error);
}

static gboolean state_email_known(void *data, const char *key)
{
	struct state_ctx *ctx = data;
	gboolean known = FALSE;
	if (!ctx->error)
		store_email_known(ctx->st, key, &known, &ctx->error);
	return known;
}

static gboolean state_message_known(void *data, const char *message_id)
{
	struct state_ctx *ctx = data;
	gboolean known = FALSE;
	if (!ctx->error)
		store_message_id_known(ctx->st, message_id, &known, &ctx->error);
	return known;
}

const char *ingest_mailbox_for(const struct nomd_config *cfg, const char *outcome)
{
	if (strcmp(outcome, "accepted") == 0 || strcmp(outcome, "partial") == 0)
		return cfg->imap.processed;
	if (strcmp(outcome, "rejected") == 0)
		return cfg->imap.rejected;
	return cfg->imap.held;
}

static char *iso_time(gint64 unix_time)
{
	if (unix_time <= 0)
		return utc_now_iso();
	g_autoptr(GDateTime) t = g_date_time_new_from_unix_utc(unix_time);
	return g_date_time_format(t, "%Y-%m-%dT%H:%M:%SZ");
}

static char *join_reasons(const struct decision *d)
{
	GString *s = g_string_new(NULL);
	for (guint i = 0; i < d->reasons->len; i++)
		g_string_append_printf(s, "%s%s", i ? " " : "", (const char *)d->reasons->pdata[i]);
	return g_string_free(s, FALSE);
}

static void count_outcome(struct ingest_stats *stats, enum outcome o)
{
	switch (o) {
	case OUTCOME_ACCEPTED: stats->accepted++; break;
	case OUTCOME_PARTIAL: stats->partial++; break;
	case OUTCOME_REJECTED: stats->rejected++; break;
	case OUTCOME_HELD: stats->held++; break;
	}
}

/* Everything one message changes, inside the caller's transaction. */
static gboolean commit_effects(const struct nomd_config *cfg, const struct reply_templates *t, struct store *st,
			       const struct parsed_message *msg, const struct decision *d, const char *sha,
			       gsize size, gint64 internal_date, GError **error)
{
	g_autofree char *reasons = join_reasons(d);
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
	};
	gint64 row = 0;
	if (!store_add_message(st, &rec, &row, error))
		return FALSE;
	for (guint i = 0; i < d->verdicts->len; i++) {
		const struct verdict *v = &g_array_index(d->verdicts, struct verdict, i);
		const struct nominee *n = v->nominee;
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
			.status = v->reason ? "refused" : "accepted",
			.reason = v->reason,
			.nominated_by = msg->from,
		};
		if (!store_add_nominee(st, row, &nr, error))
			return FALSE;
	}
	if (!d->reply)
		return TRUE;
	g_autofree char *text = reply_text(cfg, t, d);
	g_autoptr(GBytes) mail = NULL;
	g_autofree char *reply_id = NULL;
	if (!compose_reply(cfg, msg, text, &mail, &reply_id, error))
		return FALSE;
	g_autofree char *key = g_strdup_printf("reply:%s", sha);
	/* Automatic replies go from the null sender (RFC 3834). */
	return store_queue_mail(st, row, key, "", msg->from, mail, error);
}

gboolean ingest_apply(const struct nomd_config *cfg, const struct reply_templates *t, struct store *st,
		      GBytes *raw, gint64 internal_date, char **outcome, struct ingest_stats *stats,
		      GError **error)
{
	gsize len = 0;
	const char *data = g_bytes_get_data(raw, &len);
	g_autofree char *sha = sha256_hex(data, len);
	g_autoptr(parsed_message) msg = mime_parse(data, len);
	stats->seen++;

	if (!store_find_message(st, msg->message_id, sha, outcome, error))
		return FALSE;
	if (*outcome) {
		stats->already++;
		log_info("message %s already recorded (%s); only moving it", msg->message_id ? msg->message_id : sha,
			 *outcome);
		return TRUE;
	}

	g_autoptr(form) f = form_parse(msg->text);
	if (!store_begin(st, error))
		return FALSE;
	struct state_ctx sctx = { .st = st };
	struct decide_state state = { state_counts, state_email_known, state_message_known, &sctx };
	g_autoptr(decision) d = decide(cfg, msg, f, &state);
	if (sctx.error) {
		g_propagate_error(error, sctx.error);
		store_rollback(st);
		return FALSE;
	}
	if (!commit_effects(cfg, t, st, msg, d, sha, len, internal_date, error) || !store_commit(st, error)) {
		store_rollback(st);
		return FALSE;
	}
	stats->applied++;
	count_outcome(stats, d->outcome);
	g_autofree char *reasons = join_reasons(d);
	log_info("message %s from %s organisation=%s outcome=%s%s%s", msg->message_id ? msg->message_id : "(none)",
		 msg->from ? msg->from : "(unknown)", d->org ? d->org->id : "-", outcome_name(d->outcome),
		 *reasons ? " reasons=" : "", reasons);
	*outcome = g_strdup(outcome_name(d->outcome));
	return TRUE;
}

/* A message over the size limit is recorded and held without being read. */
static gboolean record_too_large(struct store *st, guint32 uidvalidity, const struct imap_msg_info *info,
				 char **outcome, struct ingest_stats *stats, GError **error)
{
	g_autofree char *identity = g_strdup_printf("too-large:%u:%u:%u", uidvalidity, info->uid, info->size);
	stats->seen++;
	if (!store_find_message(st, NULL, identity, outcome, error))
		return FALSE;
	if (*outcome) {
		stats->already++;
		return TRUE;
	}
	g_autoptr(decision) d = decide_held(REASON_TOO_LARGE);
	g_autofree char *received = iso_time(info->internal_date);
	struct message_record rec = { .sha256 = identity, .outcome = "held", .reasons = REASON_TOO_LARGE,
				      .received_at = received, .size = info->size };
	gint64 row = 0;
	if (!store_begin(st, error))
		return FALSE;
	if (!store_add_message(st, &rec, &row, error) || !store_commit(st, error)) {
		store_rollback(st);
		return FALSE;
	}
	log_warn("message UID %u is %u bytes, over imap.max_message_bytes: held", info->uid, info->size);
	stats->applied++;
	stats->held++;
	*outcome = g_strdup("held");
	return TRUE;
}

gboolean ingest_run(const struct nomd_config *cfg, const struct reply_templates *t, struct store *st,
		    const volatile sig_atomic_t *stop, struct ingest_stats *stats, GError **error)
{
	*stats = (struct ingest_stats){ 0 };
	g_autoptr(imap_conn) imap = NULL;
	if (!imap_open(cfg, &imap, error))
		return FALSE;
	const char *targets[] = { cfg->imap.processed, cfg->imap.rejected, cfg->imap.held };
	for (size_t i = 0; i < G_N_ELEMENTS(targets); i++)
		if (!imap_ensure_mailbox(imap, targets[i], error))
			return FALSE;
	guint32 uidvalidity = 0, exists = 0;
	if (!imap_select(imap, cfg->imap.inbox, &uidvalidity, &exists, error))
		return FALSE;
	if (exists == 0)
		return TRUE;
	g_autoptr(GArray) infos = NULL;
	if (!imap_list(imap, &infos, error))
		return FALSE;
	log_info("%u message(s) in %s", infos->len, cfg->imap.inbox);
	for (guint i = 0; i < infos->len && !(stop && *stop); i++) {
		const struct imap_msg_info *info = &g_array_index(infos, struct imap_msg_info, i);
		g_autofree char *outcome = NULL;
		if ((gint64)info->size > cfg->imap.max_message_bytes) {
			if (!record_too_large(st, uidvalidity, info, &outcome, stats, error))
				return FALSE;
		} else {
			g_autoptr(GBytes) raw = NULL;
			if (!imap_fetch(imap, info->uid, &raw, error) ||
			    !ingest_apply(cfg, t, st, raw, info->internal_date, &outcome, stats, error))
				return FALSE;
		}
		if (!imap_move(imap, info->uid, ingest_mailbox_for(cfg, outcome), error))
			return FALSE;
	}
	return TRUE;
}
