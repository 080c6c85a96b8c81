/* people: see people.h. Every mail is queued through outbox.c under a key
 * made from what caused it (a welcome, a pair), so doing the same thing
 * twice never mails twice. */
#include "people.h"

#include <string.h>

#include "outbox.h"
#include "log.h"
#include "util.h"

static void notice_person_from(const struct nomd_config *cfg, const struct person *p, struct notice_person *out)
{
	const struct organisation *org = config_find_organisation(cfg, p->organisation);
	*out = (struct notice_person){
		.name = p->name,
		.email = p->email,
		.role = p->role,
		.organisation = org ? org->name : p->organisation,
		.job_title = p->job_title,
		.service = p->service,
		.aspiration = p->aspiration,
		.expertise = p->expertise,
		.format = p->format,
		.location = p->location,
	};
}

/* Render a notice and queue it as `m` says. */
static gboolean queue_notice(const struct nomd_config *cfg, const struct reply_templates *t, struct store *st,
			     enum notice_kind kind, const struct notice *n, const struct outmail *m, GError **error)
{
	g_autoptr(reply_facts) r = reply_facts_notice(cfg, kind, n);
	return outbox_queue(cfg, st, m, r, error);
}

/* Compose and queue one welcome or reminder; the caller holds the
 * transaction. */
static gboolean ask_consent(const struct nomd_config *cfg, const struct reply_templates *t, struct store *st,
			    const struct person *p, gboolean reminder, gint64 now, GError **error)
{
	g_autofree char *token = p->token ? g_strdup(p->token) : random_hex(6); /* 12 hex digits */
	struct notice n = { .nominator = p->nominated_by, .token = token };
	notice_person_from(cfg, p, &n.person);
	const struct outmail m = {
		.cause = reminder ? OUTBOX_CONSENT_REMINDER : OUTBOX_WELCOME, .to = p->email, .nominee = p->id
	};
	return queue_notice(cfg, t, st, reminder ? NOTICE_REMINDER : NOTICE_WELCOME, &n, &m, error) &&
	       (reminder ? store_set_reminded(st, p->id, now, error) : store_set_welcomed(st, p->id, token, now, error));
}

/* Welcomes go in pages, each page one transaction: memory stays flat with
 * a backlog of thousands, and a page costs one fsync, not one per person.
 * A failure rolls back the page; its idempotency keys make the retry safe. */
#define PEOPLE_PAGE 200

gboolean people_schedule(const struct nomd_config *cfg, const struct reply_templates *t, struct store *st,
			 gint64 now, guint *queued, GError **error)
{
	*queued = 0;
	for (int pass = 0; pass < 2; pass++) {
		gboolean reminder = pass == 1;
		if (reminder && cfg->consent.reminder_days == 0)
			break;
		gint64 before = now - (gint64)cfg->consent.reminder_days * 86400;
		for (gint64 after = 0;;) {
			g_autoptr(GPtrArray) due = NULL;
			if (!store_people(st, reminder ? PEOPLE_REMINDER_DUE : PEOPLE_UNWELCOMED, before, after,
					  PEOPLE_PAGE, &due, error))
				return FALSE;
			if (due->len == 0)
				break;
			if (!store_begin(st, error))
				return FALSE;
			for (guint i = 0; i < due->len; i++) {
				const struct person *p = due->pdata[i];
				if (!ask_consent(cfg, t, st, p, reminder, now, error)) {
					store_rollback(st);
					return FALSE;
				}
				after = p->id;
			}
			if (!store_commit(st, error)) {
				store_rollback(st);
				return FALSE;
			}
			for (guint i = 0; i < due->len; i++) {
				const struct person *p = due->pdata[i];
				log_info("nominee %" G_GINT64_FORMAT ": %s queued", p->id,
					 reminder ? "consent reminder" : "welcome");
			}
			*queued += due->len;
		}
	}
	return TRUE;
}

gboolean people_left(const struct nomd_config *cfg, const struct reply_templates *t, struct store *st,
		     const struct person *who, const char *why, GError **error)
{
	g_autoptr(GArray) partners = g_array_new(FALSE, FALSE, sizeof(gint64));
	if (!store_end_pairs(st, who->id, why, partners, error))
		return FALSE;
	for (guint i = 0; i < partners->len; i++) {
		g_autoptr(person) partner = NULL;
		if (!store_person_by_id(st, g_array_index(partners, gint64, i), &partner, error))
			return FALSE;
		if (!partner || partner->status != NOMINEE_ACCEPTED)
			continue;
		/* Why someone left is theirs: the partner hears only that they did;
		 * staff see the reason on the pair. */
		struct notice n = { 0 };
		notice_person_from(cfg, partner, &n.person);
		notice_person_from(cfg, who, &n.partner);
		const struct outmail m = {
			.cause = OUTBOX_PAIR_ENDED, .to = partner->email, .nominee = partner->id, .partner = who->id
		};
		if (!queue_notice(cfg, t, st, NOTICE_PAIR_ENDED, &n, &m, error))
			return FALSE;
		log_info("pair of nominees %" G_GINT64_FORMAT " and %" G_GINT64_FORMAT " ended (%s); partner told",
			 who->id, partner->id, why);
	}
	return TRUE;
}

gboolean people_apply_answer(const struct nomd_config *cfg, const struct reply_templates *t, struct store *st,
			     const struct parsed_message *msg, const struct decision *d, gint64 message_row,
			     const char *sha, GError **error)
{
	g_autoptr(person) p = NULL;
	if (!store_person_by_id(st, d->consent->id, &p, error))
		return FALSE;
	if (!p) /* gone since decide looked: nothing to change */
		return TRUE;
	const char *code = d->reasons->len ? d->reasons->pdata[0] : REASON_CONSENT_UNCLEAR;
	enum notice_kind kind = NOTICE_CONSENT_UNCLEAR;
	struct notice n = { .nominator = p->nominated_by, .token = p->token };
	notice_person_from(cfg, p, &n.person);
	if (strcmp(code, REASON_CONSENT_CONFIRMED) == 0) {
		kind = NOTICE_CONSENT_THANKS;
		if (!store_set_consent(st, p->id, CONSENT_CONFIRMED, error))
			return FALSE;
	} else if (strcmp(code, REASON_CONSENT_DECLINED) == 0) {
		kind = NOTICE_CONSENT_DECLINED;
		gboolean changed = FALSE;
		if (!store_set_consent(st, p->id, CONSENT_DECLINED, error) || !store_withdraw_id(st, p->id, &changed, error) ||
		    !people_left(cfg, t, st, p, "declined to take part", error))
			return FALSE;
		/* The nominator may offer the freed place to someone else. */
		const struct outmail m = { .cause = OUTBOX_DECLINED, .to = p->nominated_by, .nominee = p->id };
		if (changed && p->nominated_by && !queue_notice(cfg, t, st, NOTICE_NOMINEE_DECLINED, &n, &m, error))
			return FALSE;
	} else if (strcmp(code, REASON_NOMINATION_INACTIVE) == 0) {
		kind = NOTICE_CONSENT_INACTIVE;
	}
	if (!d->reply)
		return TRUE;
	const struct outmail m = {
		.cause = OUTBOX_REPLY, .cause_text = sha, .answers = msg, .message_row = message_row, .nominee = p->id
	};
	return queue_notice(cfg, t, st, kind, &n, &m, error);
}

gboolean people_withdraw(const struct nomd_config *cfg, const struct reply_templates *t, struct store *st,
			 const char *email, const char *why, gboolean *found, GError **error)
{
	*found = FALSE;
	if (!store_begin(st, error))
		return FALSE;
	g_autoptr(person) p = NULL;
	gboolean ok = store_person_by_email(st, email, &p, error);
	if (ok && p)
		ok = store_withdraw_id(st, p->id, found, error) && people_left(cfg, t, st, p, why, error);
	ok = ok && store_commit(st, error);
	if (!ok)
		store_rollback(st);
	return ok;
}

void people_pairing_rules(const struct nomd_config *cfg, struct pairing_rules *rules)
{
	*rules = (struct pairing_rules){
		.w = {
			.aspiration = cfg->pairing.weight_aspiration,
			.seniority = cfg->pairing.weight_seniority,
			.same_service = cfg->pairing.weight_same_service,
			.same_type = cfg->pairing.weight_same_type,
			.prefer_cross = cfg->pairing.prefer_cross_discipline,
			.format = cfg->pairing.weight_format,
			.region = cfg->pairing.weight_region,
		},
		.mentor_capacity = cfg->pairing.mentor_capacity,
	};
}

void pairing_pool_free(struct pairing_pool *p)
{
	if (!p)
		return;
	g_array_unref(p->member_view);
	g_array_unref(p->mentor_view);
	g_ptr_array_unref(p->members);
	g_ptr_array_unref(p->mentors);
	g_ptr_array_unref(p->left_out);
	g_free(p);
}

static struct pair_person view_of(const struct person *p)
{
	return (struct pair_person){
		.email = p->email,
		.org = p->organisation,
		.name = p->name,
		.job_title = p->job_title,
		.service = p->service,
		.service_type = p->service_type,
		.aspiration = p->aspiration,
		.expertise = p->expertise,
		.location = p->location,
		.format = p->format,
		.taken = g_strcmp0(p->role, "mentor") == 0 ? p->active_pairs : 0,
	};
}

gboolean people_pairing_pool(const struct nomd_config *cfg, struct store *st, struct pairing_pool **out,
			     GError **error)
{
	g_autoptr(GPtrArray) all = NULL;
	if (!store_people(st, PEOPLE_ACCEPTED, 0, 0, -1, &all, error))
		return FALSE;
	g_autoptr(pairing_pool) pool = g_new0(struct pairing_pool, 1);
	pool->members = g_ptr_array_new_with_free_func((GDestroyNotify)person_free);
	pool->mentors = g_ptr_array_new_with_free_func((GDestroyNotify)person_free);
	pool->left_out = g_ptr_array_new_with_free_func(g_free);
	for (guint i = 0; i < all->len; i++) {
		struct person *p = all->pdata[i];
		gboolean mentor = g_strcmp0(p->role, "mentor") == 0;
		if (mentor ? p->active_pairs >= cfg->pairing.mentor_capacity : p->active_pairs > 0)
			continue; /* paired already */
		if (cfg->pairing.require_consent && p->consent != CONSENT_CONFIRMED) {
			g_ptr_array_add(pool->left_out, g_strdup_printf("%s (%s): consent %s", p->email, p->role,
									consent_name(p->consent)));
			continue;
		}
		g_ptr_array_add(mentor ? pool->mentors : pool->members, p);
		all->pdata[i] = NULL; /* now owned by the pool */
	}
	/* The views borrow from the people, which no longer move. */
	pool->member_view = g_array_new(FALSE, TRUE, sizeof(struct pair_person));
	pool->mentor_view = g_array_new(FALSE, TRUE, sizeof(struct pair_person));
	for (guint i = 0; i < pool->members->len; i++) {
		struct pair_person v = view_of(pool->members->pdata[i]);
		g_array_append_val(pool->member_view, v);
	}
	for (guint i = 0; i < pool->mentors->len; i++) {
		struct pair_person v = view_of(pool->mentors->pdata[i]);
		g_array_append_val(pool->mentor_view, v);
	}
	*out = g_steal_pointer(&pool);
	return TRUE;
}

gboolean people_commit_plan(const struct nomd_config *cfg, const struct reply_templates *t, struct store *st,
			    const struct pairing_pool *pool, const struct pairing_plan *plan, guint *notices,
			    GError **error)
{
	*notices = 0;
	const GPtrArray *cc = cfg->pairing.copy_staff ? cfg->staff : NULL;
	for (guint i = 0; i < plan->pairs->len; i++) {
		const struct planned_pair *pp = &g_array_index(plan->pairs, struct planned_pair, i);
		const struct person *member = pool->members->pdata[pp->member];
		const struct person *mentor = pool->mentors->pdata[pp->mentor];
		gint64 pair_id = 0;
		if (!store_add_pair(st, member->id, mentor->id, pp->score, pp->why, pp->pinned, &pair_id, error))
			return FALSE;
		/* Each side hears about the other. */
		const struct person *sides[2][2] = { { mentor, member }, { member, mentor } };
		for (int s = 0; s < 2; s++) {
			struct notice n = { .why = pp->why };
			notice_person_from(cfg, sides[s][0], &n.person);
			notice_person_from(cfg, sides[s][1], &n.partner);
			const struct outmail m = { .cause = OUTBOX_PAIR,
						   .cause_text = sides[s][0]->role,
						   .to = sides[s][0]->email,
						   .cc = cc,
						   .nominee = sides[s][0]->id,
						   .partner = sides[s][1]->id,
						   .pair = pair_id };
			if (!queue_notice(cfg, t, st, NOTICE_PAIR, &n, &m, error))
				return FALSE;
			(*notices)++;
		}
	}
	return TRUE;
}
