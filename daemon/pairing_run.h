/* pairing_run: pairing applied to the programme (pairing.c is the pure
 * matching): the pool of candidates from the store, the rules from the
 * configuration, and a plan recorded with a notice to both people of each
 * pair. */
#ifndef NOMD_PAIRING_RUN_H
#define NOMD_PAIRING_RUN_H

#include <glib.h>

#include "config.h"
#include "pairing.h"
#include "store.h"

/* The candidates for pairing: accepted, consent confirmed unless the
 * programme says otherwise, not already paired (mentors: below capacity).
 * `left_out` gets each excluded person with a reason (char *, "email: why"). */
struct pairing_pool {
	GPtrArray *members, *mentors;	   /* struct person *, owned */
	GArray *member_view, *mentor_view; /* struct pair_person, borrowing from the above */
	GPtrArray *left_out;		   /* char * */
};
gboolean pairing_pool_load(const struct nomd_config *cfg, struct store *st, struct pairing_pool **out, GError **error);
void pairing_pool_free(struct pairing_pool *p);
/* Keep only `member` among the pool's members (a rematch plans for one),
 * and only their line of `left_out`; FALSE when they are not in the pool
 * (`left_out` may say why). */
gboolean pairing_pool_keep_member(struct pairing_pool *p, const struct person *member);
void pairing_rules_from_config(const struct nomd_config *cfg, struct pairing_rules *rules);

/* Record a plan's pairs and queue a notice to both people of each (copied
 * to staff when configured); one transaction. */
gboolean pairing_commit(const struct nomd_config *cfg, struct store *st, const struct pairing_pool *pool,
			const struct pairing_plan *plan, guint *notices, GError **error);

typedef struct pairing_pool pairing_pool;
G_DEFINE_AUTOPTR_CLEANUP_FUNC(pairing_pool, pairing_pool_free)

#endif
