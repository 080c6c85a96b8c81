/* pairing_run: see pairing_run.h. */
#include "pairing_run.h"

#include "clock.h"
#include "outbox.h"
#include "people.h"

void pairing_rules_from_config(const struct nomd_config *cfg, struct pairing_rules *rules)
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

gboolean pairing_pool_load(const struct nomd_config *cfg, struct store *st, struct pairing_pool **out, GError **error)
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
			continue;	/* paired already */
		if (p->undeliverable) { /* a partner could not reach them */
			g_ptr_array_add(pool->left_out,
					g_strdup_printf("%s (%s): the address did not work", p->email, p->role));
			continue;
		}
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

gboolean pairing_pool_keep_member(struct pairing_pool *p, const struct person *member)
{
	for (guint i = p->members->len; i > 0; i--)
		if (((struct person *)p->members->pdata[i - 1])->id != member->id)
			g_ptr_array_remove_index(p->members, i - 1);
	/* Why anyone else was left out is not this member's business. */
	g_autofree char *prefix = g_strdup_printf("%s (", member->email);
	for (guint i = p->left_out->len; i > 0; i--)
		if (!g_str_has_prefix(p->left_out->pdata[i - 1], prefix))
			g_ptr_array_remove_index(p->left_out, i - 1);
	g_array_set_size(p->member_view, 0);
	for (guint i = 0; i < p->members->len; i++) {
		struct pair_person v = view_of(p->members->pdata[i]);
		g_array_append_val(p->member_view, v);
	}
	return p->members->len == 1;
}

gboolean pairing_commit(const struct nomd_config *cfg, struct store *st, const struct pairing_pool *pool,
			const struct pairing_plan *plan, guint *notices, GError **error)
{
	*notices = 0;
	const GPtrArray *cc = cfg->pairing.copy_staff ? cfg->staff : NULL;
	for (guint i = 0; i < plan->pairs->len; i++) {
		const struct planned_pair *pp = &g_array_index(plan->pairs, struct planned_pair, i);
		const struct person *member = pool->members->pdata[pp->member];
		const struct person *mentor = pool->mentors->pdata[pp->mentor];
		gint64 pair_id = 0;
		if (!store_add_pair(st, member->id, mentor->id, pp->score, pp->why, pp->pinned, clock_now(), &pair_id,
				    error))
			return FALSE;
		/* Each side hears about the other. */
		const struct person *sides[2][2] = { { mentor, member }, { member, mentor } };
		for (int s = 0; s < 2; s++) {
			struct notice n = { .why = pp->why };
			people_notice_person(cfg, sides[s][0], &n.person);
			people_notice_person(cfg, sides[s][1], &n.partner);
			const struct outmail m = { .cause = OUTBOX_PAIR,
						   .cause_text = sides[s][0]->role,
						   .to = sides[s][0]->email,
						   .cc = cc,
						   .nominee = sides[s][0]->id,
						   .partner = sides[s][1]->id,
						   .pair = pair_id };
			if (!outbox_queue_notice(cfg, st, NOTICE_PAIR, &n, &m, error))
				return FALSE;
			(*notices)++;
		}
	}
	return TRUE;
}
