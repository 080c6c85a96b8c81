/* consent: see consent.h. */
#include "consent.h"

#include <string.h>

#include "log.h"
#include "outbox.h"
#include "people.h"
#include "util.h"

/* Compose and queue one welcome or reminder; the caller holds the
 * transaction. */
static gboolean ask_consent(const struct nomd_config *cfg, struct store *st, const struct person *p, gboolean reminder,
			    gint64 now, GError **error)
{
	g_autofree char *token = p->token ? g_strdup(p->token) : random_hex(6); /* 12 hex digits */
	struct notice n = { .nominator = p->nominated_by, .token = token };
	people_notice_person(cfg, p, &n.person);
	const struct outmail m = { .cause = reminder ? OUTBOX_CONSENT_REMINDER : OUTBOX_WELCOME,
				   .to = p->email,
				   .nominee = p->id };
	return outbox_queue_notice(cfg, st, reminder ? NOTICE_REMINDER : NOTICE_WELCOME, &n, &m, error) &&
	       (reminder ? store_set_reminded(st, p->id, now, error)
			 : store_set_welcomed(st, p->id, token, now, error));
}

/* Welcomes go in pages, each page one transaction: memory stays flat with
 * a backlog of thousands, and a page costs one fsync, not one per person.
 * A failure rolls back the page; its idempotency keys make the retry safe. */
#define PEOPLE_PAGE 200

/* A programme that asks nobody (consent.enabled = false) takes each new
 * nominee as confirmed, with the token later mail finds them by, and
 * writes to nobody. */
static gboolean take_as_confirmed(const struct nomd_config *cfg, struct store *st, const struct person *p,
				  gboolean reminder, gint64 now, GError **error)
{
	(void)cfg;
	(void)reminder;
	g_autofree char *token = p->token ? g_strdup(p->token) : random_hex(6);
	return store_set_consent(st, p->id, CONSENT_CONFIRMED, error) &&
	       store_set_welcomed(st, p->id, token, now, error);
}

typedef gboolean (*person_step)(const struct nomd_config *cfg, struct store *st, const struct person *p,
				gboolean reminder, gint64 now, GError **error);

/* `step` for every person `kind` lists (`before` as it takes it), a page
 * to a transaction; *done counts them. Each is logged as `what` queued
 * once its page is committed (nothing when NULL). */
static gboolean in_pages(const struct nomd_config *cfg, struct store *st, enum people_query kind, gint64 before,
			 person_step step, gboolean reminder, const char *what, gint64 now, guint *done, GError **error)
{
	for (gint64 after = 0;;) {
		g_autoptr(GPtrArray) due = NULL;
		if (!store_people(st, kind, before, after, PEOPLE_PAGE, &due, error))
			return FALSE;
		if (due->len == 0)
			return TRUE;
		if (!store_begin(st, error))
			return FALSE;
		for (guint i = 0; i < due->len; i++) {
			const struct person *p = due->pdata[i];
			if (!step(cfg, st, p, reminder, now, error)) {
				store_rollback(st);
				return FALSE;
			}
			after = p->id;
		}
		if (!store_commit(st, error)) {
			store_rollback(st);
			return FALSE;
		}
		for (guint i = 0; what && i < due->len; i++)
			log_info("nominee %" G_GINT64_FORMAT ": %s queued", ((const struct person *)due->pdata[i])->id,
				 what);
		*done += due->len;
	}
}

gboolean consent_schedule(const struct nomd_config *cfg, struct store *st, gint64 now, guint *queued, GError **error)
{
	*queued = 0;
	if (!cfg->consent.enabled) {
		guint taken = 0;
		if (!in_pages(cfg, st, PEOPLE_UNWELCOMED, 0, take_as_confirmed, FALSE, NULL, now, &taken, error))
			return FALSE;
		if (taken)
			log_info("%u nominee(s) taken as confirmed: the programme asks no consent", taken);
		return TRUE;
	}
	gint64 before = now - (gint64)cfg->consent.reminder_days * 86400;
	return in_pages(cfg, st, PEOPLE_UNWELCOMED, before, ask_consent, FALSE, "welcome", now, queued, error) &&
	       (cfg->consent.reminder_days == 0 || in_pages(cfg, st, PEOPLE_REMINDER_DUE, before, ask_consent, TRUE,
							    "consent reminder", now, queued, error));
}

gboolean consent_apply_answer(const struct nomd_config *cfg, struct store *st, const struct parsed_message *msg,
			      const struct decision *d, gint64 message_row, const char *sha, GError **error)
{
	g_autoptr(person) p = NULL;
	if (!store_person_by_id(st, d->consent->id, &p, error))
		return FALSE;
	if (!p) /* gone since decide looked: nothing to change */
		return TRUE;
	const char *code = d->reasons->len ? d->reasons->pdata[0] : REASON_CONSENT_UNCLEAR;
	enum notice_kind kind = NOTICE_CONSENT_UNCLEAR;
	struct notice n = { .nominator = p->nominated_by, .token = p->token };
	people_notice_person(cfg, p, &n.person);
	if (strcmp(code, REASON_CONSENT_CONFIRMED) == 0) {
		kind = NOTICE_CONSENT_THANKS;
		if (!store_set_consent(st, p->id, CONSENT_CONFIRMED, error))
			return FALSE;
	} else if (strcmp(code, REASON_CONSENT_DECLINED) == 0) {
		kind = NOTICE_CONSENT_DECLINED;
		gboolean changed = FALSE;
		if (!store_set_consent(st, p->id, CONSENT_DECLINED, error) ||
		    !store_withdraw_id(st, p->id, &changed, error) ||
		    !people_left(cfg, st, p, "declined to take part", error))
			return FALSE;
		/* The nominator may offer the freed place to someone else. */
		const struct outmail m = { .cause = OUTBOX_DECLINED, .to = p->nominated_by, .nominee = p->id };
		if (changed && p->nominated_by && !outbox_queue_notice(cfg, st, NOTICE_NOMINEE_DECLINED, &n, &m, error))
			return FALSE;
	} else if (strcmp(code, REASON_NOMINATION_INACTIVE) == 0) {
		kind = NOTICE_CONSENT_INACTIVE;
	}
	if (!d->reply)
		return TRUE;
	const struct outmail m = {
		.cause = OUTBOX_REPLY, .cause_text = sha, .answers = msg, .message_row = message_row, .nominee = p->id
	};
	return outbox_queue_notice(cfg, st, kind, &n, &m, error);
}
