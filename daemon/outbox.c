/* outbox: composes and queues every mail nomd sends, one way. */
#include "outbox.h"

#include <string.h>

#include "chart.h"
#include "formdoc.h"
#include "template.h"

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
	[OUTBOX_CALL] = "call:{cause}",
	[OUTBOX_CHASER] = "chase:{cause}",
	[OUTBOX_ROUND_CLOSED] = "round-closed:{cause}",
	[OUTBOX_UNDELIVERABLE] = "undeliverable:{nominee}",
	[OUTBOX_ASK] = "ask:{cause}",
	[OUTBOX_REMATCH] = "rematch:{pair}:{nominee}",
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

/* Facts are a GVariant a{sv}, typed and read back by GLib, kept in its
 * serialised form (little-endian, whatever the machine): writing it costs
 * a copy, where its text form cost a seventh of ingest. Rows queued by
 * 0.16 development builds hold the text form; they still read. */
#define FACTS_TYPE G_VARIANT_TYPE_VARDICT
/* A row's facts larger than this are refused when read back. */
#define FACTS_MAX (16 * 1024 * 1024)

static void put_string(GVariantDict *d, const char *key, const char *value)
{
	if (value)
		g_variant_dict_insert_value(d, key, g_variant_new_string(value));
}

GBytes *outbox_facts_encode(GVariant *facts)
{
	g_autoptr(GVariant) normal = g_variant_get_normal_form(facts);
	if (G_BYTE_ORDER == G_BIG_ENDIAN) {
		g_autoptr(GVariant) swapped = g_variant_byteswap(normal);
		return g_variant_get_data_as_bytes(swapped);
	}
	return g_variant_get_data_as_bytes(normal);
}

GVariant *outbox_facts_decode(GBytes *facts, gboolean printed, GError **error)
{
	gsize len = facts ? g_bytes_get_size(facts) : 0;
	if (len == 0 || len > FACTS_MAX) {
		g_set_error(error, COMPOSE_ERROR, COMPOSE_ERROR_FAILED, "no facts to write the mail from");
		return NULL;
	}
	if (printed) {
		g_autofree char *text = g_strndup(g_bytes_get_data(facts, NULL), len);
		g_autoptr(GError) local = NULL;
		GVariant *v = g_variant_parse(FACTS_TYPE, text, NULL, NULL, &local);
		if (!v)
			g_set_error(error, COMPOSE_ERROR, COMPOSE_ERROR_FAILED, "the facts do not read: %s",
				    local->message);
		return v;
	}
	/* Not trusted: GLib checks the framing as it reads, and what does
	 * not frame reads as empty, never past the end. */
	g_autoptr(GVariant) v = g_variant_ref_sink(g_variant_new_from_bytes(FACTS_TYPE, facts, FALSE));
	return G_BYTE_ORDER == G_BIG_ENDIAN ? g_variant_byteswap(v) : g_variant_get_normal_form(v);
}

static GBytes *facts_bytes(const struct outmail *m, const struct reply_facts *words, const char *to,
			   const char *in_reply_to, const char *references, gint64 date)
{
	g_auto(GVariantDict) d;
	g_variant_dict_init(&d, NULL);
	put_string(&d, "template", words->template);
	g_variant_dict_insert_value(&d, "data", tdata_to_variant(words->data));
	put_string(&d, "fallback", words->fallback_subject);
	put_string(&d, "token", words->token);
	put_string(&d, "tag", words->tag);
	put_string(&d, "to", to);
	if (m->cc && m->cc->len)
		g_variant_dict_insert_value(&d, "cc",
					    g_variant_new_strv((const char *const *)m->cc->pdata, m->cc->len));
	g_variant_dict_insert_value(&d, "reply", g_variant_new_boolean(m->answers != NULL));
	put_string(&d, "in_reply_to", in_reply_to);
	put_string(&d, "references", references);
	g_variant_dict_insert_value(&d, "date", g_variant_new_int64(date));
	put_string(&d, "calendar", m->calendar);
	put_string(&d, "calendar_method", m->calendar_method);
	put_string(&d, "chart", m->chart);
	if (m->attachment)
		g_variant_dict_insert_value(&d, "attachment_data",
					    g_variant_new_from_bytes(G_VARIANT_TYPE_BYTESTRING, m->attachment, TRUE));
	put_string(&d, "attachment_type", m->attachment_type);
	put_string(&d, "attachment_name", m->attachment_name);
	if (m->attach_form)
		g_variant_dict_insert_value(&d, "form", g_variant_new_boolean(TRUE));
	g_autoptr(GVariant) v = g_variant_ref_sink(g_variant_dict_end(&d));
	return outbox_facts_encode(v);
}

gboolean outbox_queue(const struct nomd_config *cfg, struct store *st, const struct outmail *m,
		      const struct reply_facts *words, GError **error)
{
	/* Fixed now: a mail sent again after a crash is the same mail. */
	g_autofree char *id = compose_message_id(cfg, error);
	if (!id)
		return FALSE;
	g_autofree char *in_reply_to = NULL, *references = NULL;
	if (m->answers)
		compose_thread(m->answers, &in_reply_to, &references);
	/* A reply goes to the From of what it answers. */
	const char *to = m->answers ? m->answers->from : m->to;
	g_autoptr(GBytes) facts =
		facts_bytes(m, words, to, in_reply_to, references, g_get_real_time() / G_USEC_PER_SEC);
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
		.recipient = to,
		.message_id = id,
		.kind = words->template,
		.facts = facts,
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

gboolean outbox_queue_notice(const struct nomd_config *cfg, struct store *st, enum notice_kind kind,
			     const struct notice *n, const struct outmail *m, GError **error)
{
	g_autoptr(reply_facts) words = reply_facts_notice(cfg, kind, n);
	return outbox_queue(cfg, st, m, words, error);
}

static const char *get_string(GVariantDict *d, const char *key)
{
	const char *s = NULL;
	return g_variant_dict_lookup(d, key, "&s", &s) ? s : NULL;
}

gboolean outbox_render(const struct nomd_config *cfg, const struct reply_templates *t, const struct outbox_item *it,
		       GBytes **out, GError **error)
{
	g_autoptr(GVariant) v = outbox_facts_decode(it->facts, it->facts_printed, error);
	if (!v)
		return FALSE;
	g_auto(GVariantDict) d;
	g_variant_dict_init(&d, v);
	g_autoptr(GVariant) data = g_variant_dict_lookup_value(&d, "data", FACTS_TYPE);
	const char *template = get_string(&d, "template");
	if (!template || !data) {
		g_set_error(error, COMPOSE_ERROR, COMPOSE_ERROR_FAILED, "the facts name no template");
		return FALSE;
	}
	struct reply_facts words = {
		.template = (char *)template,
		.fallback_subject = (char *)get_string(&d, "fallback"),
		.token = (char *)get_string(&d, "token"),
		.tag = (char *)get_string(&d, "tag"),
	};
	g_autoptr(tdata) filled = tdata_from_variant(data, error);
	if (!filled)
		return FALSE;
	words.data = filled;
	g_autoptr(reply_out) r = reply_facts_render(t, &words, error);
	if (!r)
		return FALSE;
	g_autofree const char **cc = NULL;
	g_variant_dict_lookup(&d, "cc", "^a&s", &cc);
	g_autoptr(GPtrArray) copies = g_ptr_array_new();
	for (guint i = 0; cc && cc[i]; i++)
		g_ptr_array_add(copies, (gpointer)cc[i]);
	gboolean reply = FALSE;
	g_variant_dict_lookup(&d, "reply", "b", &reply);
	gint64 date = 0;
	g_variant_dict_lookup(&d, "date", "x", &date);
	struct compose_head head = {
		.to = get_string(&d, "to"),
		.cc = copies,
		.reply = reply,
		.in_reply_to = get_string(&d, "in_reply_to"),
		.references = get_string(&d, "references"),
		.message_id = it->message_id,
		.date = date,
		.calendar = get_string(&d, "calendar"),
		.calendar_method = get_string(&d, "calendar_method"),
	};
	g_autoptr(GBytes) attachment = NULL;
	g_autoptr(GVariant) file = g_variant_dict_lookup_value(&d, "attachment_data", G_VARIANT_TYPE_BYTESTRING);
	/* "attachment": a text file, as rows queued by 0.16 development builds hold it. */
	const char *text = get_string(&d, "attachment");
	gboolean form = FALSE;
	if (file || text) {
		attachment = file ? g_variant_get_data_as_bytes(file) : g_bytes_new(text, strlen(text));
		head.attachment = (struct compose_attachment){ attachment, get_string(&d, "attachment_type"),
							       get_string(&d, "attachment_name") };
	} else if (g_variant_dict_lookup(&d, "form", "b", &form) && form) {
		if (!formdoc_get(cfg, t, &attachment, error))
			return FALSE;
		if (attachment)
			head.attachment =
				(struct compose_attachment){ attachment, REPLY_FORM_TYPE, REPLY_FORM_FILENAME };
	}
	/* The chart is drawn now, in the sender: nothing in ingest pays for it. */
	int states[ORG_STATE_COUNT];
	g_autoptr(GBytes) picture = NULL;
	if (chart_counts_parse(get_string(&d, "chart"), states)) {
		if (!(picture = chart_png(states, error)))
			return FALSE;
		head.inline_image = (struct compose_attachment){ picture, "image/png", "round-chart.png" };
		head.content_id = CHART_CONTENT_ID;
	}
	if (head.attachment.data && (!head.attachment.type || !head.attachment.filename)) {
		g_set_error(error, COMPOSE_ERROR, COMPOSE_ERROR_FAILED, "an attachment without its type or name");
		return FALSE;
	}
	return compose_mail(cfg, &head, r->subject, r->text, r->html, out, error);
}

GBytes *outbox_mail(const struct nomd_config *cfg, const struct reply_templates *t, const struct outbox_item *it,
		    GError **error)
{
	if (it->facts) {
		GBytes *mail = NULL;
		return outbox_render(cfg, t, it, &mail, error) ? mail : NULL;
	}
	if (!it->body || g_bytes_get_size(it->body) == 0) {
		g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_NOENT, "nothing to send: its content was erased");
		return NULL;
	}
	return g_bytes_ref(it->body);
}
