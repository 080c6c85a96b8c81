/* outbox: composes and queues every mail nomd sends, one way. */
#include "outbox.h"

#include <string.h>

/* Every idempotency key, one shape per cause. {field} is filled in from
 * the mail; the shapes are those the outbox has always used, so mail
 * queued by an earlier version is still recognised. A copy adds
 * ":cc:ADDRESS". */
static const char *const key_shapes[] = {
	[OUTBOX_REPLY] = "reply:{cause}",
	[OUTBOX_REPLY_LIMIT] = "reply-limit:{cause}:{to}",
	[OUTBOX_WELCOME] = "welcome:{nominee}",
	[OUTBOX_CONSENT_REMINDER] = "reminder:{nominee}",
	[OUTBOX_DECLINED] = "declined:{nominee}",
	[OUTBOX_PAIR] = "pair:{pair}:{cause}",
	[OUTBOX_PAIR_ENDED] = "pair-ended:{partner}:{nominee}",
	[OUTBOX_INVITATION] = "invite:{invitation}:{sequence}",
	[OUTBOX_CANCELLATION] = "cancel:{invitation}",
	[OUTBOX_EVENT_REMINDER] = "event-reminder:{invitation}",
	[OUTBOX_PROMOTED] = "promoted:{invitation}:reply:{cause}",
	[OUTBOX_DIGEST] = "digest:{cause}:{to}",
};
_Static_assert(G_N_ELEMENTS(key_shapes) == OUTBOX_CAUSE_COUNT, "a key shape for every cause");

const char *outbox_key_shape(enum outbox_cause c)
{
	return (unsigned)c < OUTBOX_CAUSE_COUNT ? key_shapes[c] : NULL;
}

/* The value of {name} in a key; the names are the table's own. */
static char *key_field(const struct outmail *m, const char *name, gsize len)
{
#define IS(s) (len == sizeof(s) - 1 && strncmp(name, s, len) == 0)
	if (IS("cause"))
		return g_strdup(m->cause_text ? m->cause_text : "");
	if (IS("to"))
		return g_strdup(m->to ? m->to : "");
	if (IS("nominee"))
		return g_strdup_printf("%" G_GINT64_FORMAT, m->nominee);
	if (IS("partner"))
		return g_strdup_printf("%" G_GINT64_FORMAT, m->partner);
	if (IS("invitation"))
		return g_strdup_printf("%" G_GINT64_FORMAT, m->invitation);
	if (IS("pair"))
		return g_strdup_printf("%" G_GINT64_FORMAT, m->pair);
	if (IS("sequence"))
		return g_strdup_printf("%d", m->sequence);
#undef IS
	g_error("outbox: no key field {%.*s}", (int)len, name);
}

char *outbox_key(const struct outmail *m, const char *copy_to)
{
	const char *shape = outbox_key_shape(m->cause);
	g_return_val_if_fail(shape != NULL, NULL);
	GString *key = g_string_new(NULL);
	for (const char *p = shape; *p;) {
		const char *open = strchr(p, '{');
		if (!open) {
			g_string_append(key, p);
			break;
		}
		g_string_append_len(key, p, open - p);
		const char *close = strchr(open, '}');
		g_autofree char *value = key_field(m, open + 1, close - open - 1);
		g_string_append(key, value);
		p = close + 1;
	}
	if (copy_to)
		g_string_append_printf(key, ":cc:%s", copy_to);
	return g_string_free(key, FALSE);
}

gboolean outbox_queue(const struct nomd_config *cfg, struct store *st, const struct outmail *m,
		      const struct reply_out *words, GError **error)
{
	const struct compose_head head = {
		.answers = m->answers,
		.to = m->to,
		.cc = m->cc,
		.calendar = m->calendar,
		.calendar_method = m->calendar_method,
		.attachment = m->attachment,
	};
	g_autoptr(GBytes) mail = NULL;
	g_autofree char *id = NULL;
	if (!compose_mail(cfg, &head, words->subject, words->text, words->html, &mail, &id, error))
		return FALSE;
	g_autoptr(GArray) also = g_array_new(FALSE, FALSE, sizeof(gint64));
	if (m->partner > 0)
		g_array_append_val(also, m->partner);
	if (m->n_mentions)
		g_array_append_vals(also, m->mentions, m->n_mentions);
	struct outbox_row row = {
		.message_row = m->message_row,
		.nominee = m->nominee,
		.invitation = m->invitation,
		.also = (const gint64 *)(void *)also->data,
		.n_also = also->len,
		/* Automatic replies go from the null sender (RFC 3834). */
		.envelope_from = m->answers ? "" : cfg->smtp.from_address,
		.recipient = m->answers ? m->answers->from : m->to,
		.message_id = id,
		.body = mail,
	};
	g_autofree char *key = outbox_key(m, NULL);
	row.idem_key = key;
	if (!store_outbox_add(st, &row, error))
		return FALSE;
	for (guint i = 0; m->cc && i < m->cc->len; i++) {
		g_autofree char *copy_key = outbox_key(m, m->cc->pdata[i]);
		row.idem_key = copy_key;
		row.recipient = m->cc->pdata[i];
		if (!store_outbox_add(st, &row, error))
			return FALSE;
	}
	return TRUE;
}
