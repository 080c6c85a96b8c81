/* people: see people.h. Every mail is queued through outbox.c under a key
 * made from what caused it, so doing the same thing twice never mails
 * twice. */
#include "people.h"

#include <string.h>

#include "log.h"
#include "outbox.h"

void people_notice_person(const struct nomd_config *cfg, const struct person *p, struct notice_person *out)
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

gboolean people_left(const struct nomd_config *cfg, struct store *st, const struct person *who, const char *why,
		     GError **error)
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
		people_notice_person(cfg, partner, &n.person);
		people_notice_person(cfg, who, &n.partner);
		const struct outmail m = {
			.cause = OUTBOX_PAIR_ENDED, .to = partner->email, .nominee = partner->id, .partner = who->id
		};
		if (!outbox_queue_notice(cfg, st, NOTICE_PAIR_ENDED, &n, &m, error))
			return FALSE;
		log_info("pair of nominees %" G_GINT64_FORMAT " and %" G_GINT64_FORMAT " ended (%s); partner told",
			 who->id, partner->id, why);
	}
	return TRUE;
}

static gboolean mark_undeliverable(const struct nomd_config *cfg, struct store *st, const struct undeliverable *u,
				   GError **error)
{
	g_autoptr(person) p = NULL;
	if (!store_person_by_id(st, u->nominee, &p, error))
		return FALSE;
	if (!p || p->status != NOMINEE_ACCEPTED)
		return TRUE;
	if (!store_set_undeliverable(st, p->id, u->why, error))
		return FALSE;
	if (!p->nominated_by)
		return TRUE;
	struct notice n = { .nominator = p->nominated_by, .why = u->why };
	people_notice_person(cfg, p, &n.person);
	const struct outmail m = { .cause = OUTBOX_UNDELIVERABLE, .to = p->nominated_by, .nominee = p->id };
	return outbox_queue_notice(cfg, st, NOTICE_UNDELIVERABLE, &n, &m, error);
}

gboolean people_undeliverable(const struct nomd_config *cfg, struct store *st, guint *queued, GError **error)
{
	*queued = 0;
	g_autoptr(GPtrArray) due = NULL;
	if (!store_undeliverable_due(st, &due, error))
		return FALSE;
	for (guint i = 0; i < due->len; i++) {
		const struct undeliverable *u = due->pdata[i];
		if (!store_begin(st, error))
			return FALSE;
		if (!mark_undeliverable(cfg, st, u, error) || !store_commit(st, error)) {
			store_rollback(st);
			return FALSE;
		}
		log_info("nominee %" G_GINT64_FORMAT ": address did not work; nominator told", u->nominee);
		(*queued)++;
	}
	return TRUE;
}

gboolean people_withdraw(const struct nomd_config *cfg, struct store *st, const char *email, const char *why,
			 gboolean *found, GError **error)
{
	*found = FALSE;
	if (!store_begin(st, error))
		return FALSE;
	g_autoptr(person) p = NULL;
	gboolean ok = store_person_by_email(st, email, &p, error);
	if (ok && p)
		ok = store_withdraw_id(st, p->id, found, error) && people_left(cfg, st, p, why, error);
	ok = ok && store_commit(st, error);
	if (!ok)
		store_rollback(st);
	return ok;
}
