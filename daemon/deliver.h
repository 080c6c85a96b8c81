/* deliver: sends what the outbox holds and records each result. */
#ifndef NOMD_DELIVER_H
#define NOMD_DELIVER_H

#include <glib.h>

#include "config.h"
#include "store.h"

struct deliver_stats {
	int sent;
	int deferred;
	int failed;
};

/* Send every pending outbox row once. FALSE only when the store fails. */
gboolean deliver_pending(const struct nomd_config *cfg, struct store *st, struct deliver_stats *stats,
			 GError **error);

#endif
