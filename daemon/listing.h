/* listing: the rows of nomd's listings that take more than one store
 * query, for nomctl (tables, JSON, CSV, workbooks) and the digest's
 * workbook: pairs with how each is doing, events with their answers,
 * organisations with their counts and state; and the whole round as one
 * workbook. */
#ifndef NOMD_LISTING_H
#define NOMD_LISTING_H

#include <glib.h>

#include "config.h"
#include "store.h"
#include "xlsx.h"

/* Pairs, current and ended, each with meeting, last_answer, health and
 * attention after the store's columns. */
gboolean listing_each_pair(struct store *st, store_row_fn fn, void *ctx, GError **error);
/* Events, soonest first, with their answers. */
gboolean listing_each_event(struct store *st, store_row_fn fn, void *ctx, GError **error);
/* Where an organisation with these accepted nominees stands: complete
 * when both quotas are full, unequal when members and mentors differ. */
enum org_state listing_org_state(const struct nomd_config *cfg, int members, int mentors);
/* A role's quota as a listing shows it: "5", or "" for none. */
char *listing_quota_text(const struct nomd_config *cfg, int role);
/* Every configured organisation: counts, quotas and state. */
/* Every nominee (store_each_nominee's columns), then a column for each of
 * the programme's own fields. */
gboolean listing_each_nominee(const struct nomd_config *cfg, struct store *st, store_row_fn fn, void *ctx,
			      GError **error);
gboolean listing_each_organisation(const struct nomd_config *cfg, struct store *st, store_row_fn fn, void *ctx,
				   GError **error);
/* The choice field judges read by: `id`'s, or one limited per
 * organisation (an award's category), else the first; NULL when none. */
const struct form_field *listing_judged_field(const struct nomd_config *cfg, const char *id);
/* A sheet per choice of `field`, each with the accepted nominations of
 * that choice: who, from where, and the programme's own fields. */
gboolean listing_judges(const struct nomd_config *cfg, struct store *st, const struct form_field *field,
			struct xlsx *book, GError **error);
/* Sheets Nominees, Organisations, Pairs, Events and Held mail. */
gboolean listing_workbook(const struct nomd_config *cfg, struct store *st, struct xlsx *book, GError **error);

#endif
