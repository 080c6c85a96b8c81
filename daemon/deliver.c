/* deliver: outbox to SMTP. A row is marked sent only after the server
 * accepted it; delivery is therefore at least once, with a Message-ID
 * that stays the same on every attempt. */
#include "deliver.h"

#include "log.h"
#include "smtp.h"

#define DELIVER_BATCH 200

static gboolean deliver_one(const struct nomd_config *cfg, struct store *st, struct smtp_client *smtp,
			    const struct outbox_item *it, struct deliver_stats *stats, GError **error)
{
	g_autofree char *why = NULL;
	enum smtp_result r = smtp_send(smtp, it->envelope_from, it->recipient, it->body, &why);
	if (r == SMTP_SENT) {
		stats->sent++;
		log_info("sent outbox #%" G_GINT64_FORMAT " to %s", it->id, it->recipient);
		return store_outbox_sent(st, it->id, error);
	}
	if (r == SMTP_PERMANENT) {
		stats->failed++;
		log_warn("outbox #%" G_GINT64_FORMAT " to %s failed: %s", it->id, it->recipient, why);
	} else {
		stats->deferred++;
		log_warn("outbox #%" G_GINT64_FORMAT " to %s deferred: %s", it->id, it->recipient, why);
	}
	return store_outbox_failed(st, it->id, r == SMTP_PERMANENT, cfg->smtp.max_attempts, why, error);
}

gboolean deliver_pending(const struct nomd_config *cfg, struct store *st, struct deliver_stats *stats,
			 GError **error)
{
	*stats = (struct deliver_stats){ 0 };
	g_autoptr(smtp_client) smtp = smtp_client_new(cfg);
	/* Each row is tried once per run, even when it stays pending. */
	gint64 last = 0;
	for (;;) {
		g_autoptr(GPtrArray) items = NULL;
		if (!store_outbox_pending(st, last, DELIVER_BATCH, &items, error))
			return FALSE;
		if (items->len == 0)
			return TRUE;
		for (guint i = 0; i < items->len; i++) {
			const struct outbox_item *it = items->pdata[i];
			last = it->id;
			if (!deliver_one(cfg, st, smtp, it, stats, error))
				return FALSE;
		}
	}
}
