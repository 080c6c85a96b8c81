/* round: see round.h. Deciding who gets what is pure (round_chaser_due,
 * round_chaser_need, round_close_due); the rest reads the store, writes
 * the letters and queues them. */
#include "round.h"

#include <stdlib.h>
#include <string.h>

#include "decide.h"
#include "log.h"
#include "outbox.h"
#include "reply.h"

/* The summaries go for this long after the close, and no later. */
#define CLOSE_SUMMARY_WINDOW (14 * 86400)

int round_chaser_due(const struct nomd_config *cfg, gint64 now)
{
	gint64 closes = cfg->programme.closes_at;
	if (!closes || now >= closes)
		return 0;
	int due = 0;
	/* Most days first: the last one whose day has come is the fewest. */
	for (guint i = 0; i < cfg->programme.chase_days->len; i++) {
		int days = g_array_index(cfg->programme.chase_days, int, i);
		if (now >= closes - (gint64)days * 86400)
			due = days;
	}
	return due;
}

char *round_balance(const struct nomd_config *cfg, int members, int mentors)
{
	if (cfg->n_roles != 2 || !cfg->programme.equal_numbers)
		return g_strdup("");
	int q0 = config_quota(cfg, 0), q1 = config_quota(cfg, 1);
	int more_mentors = (q1 == CONFIG_NO_QUOTA ? members : MIN(members, q1)) - mentors;
	int more_members = (q0 == CONFIG_NO_QUOTA ? mentors : MIN(mentors, q0)) - members;
	int role = more_mentors > 0 ? 1 : more_members > 0 ? 0 : -1;
	if (role < 0)
		return g_strdup("");
	int more = role ? more_mentors : more_members;
	g_autofree char *word = config_role_word(cfg, role, more != 1);
	return g_strdup_printf("%d more %s", more, word);
}

gboolean round_has_quotas(const struct nomd_config *cfg)
{
	for (int r = 0; r < cfg->n_roles; r++)
		if (config_quota(cfg, r) == CONFIG_NO_QUOTA)
			return FALSE;
	return TRUE;
}

gboolean round_quotas_met(const struct nomd_config *cfg, int members, int mentors)
{
	return round_has_quotas(cfg) && members >= config_quota(cfg, 0) &&
	       (cfg->n_roles < 2 || mentors >= config_quota(cfg, 1));
}

enum round_need round_chaser_need(const struct nomd_config *cfg, int members, int mentors, guint to_fix)
{
	if (round_quotas_met(cfg, members, mentors))
		return ROUND_NEED_NONE;
	if (members + mentors == 0 && to_fix == 0)
		return ROUND_NEED_NOTHING_YET;
	g_autofree char *balance = round_balance(cfg, members, mentors);
	return *balance || to_fix ? ROUND_NEED_INCOMPLETE : ROUND_NEED_NONE;
}

gint64 round_days_left(const struct nomd_config *cfg, gint64 now)
{
	return (cfg->programme.closes_at - now + 86399) / 86400;
}

gboolean round_close_due(const struct nomd_config *cfg, gint64 now)
{
	gint64 closes = cfg->programme.closes_at;
	return cfg->programme.close_summary && closes && now >= closes && now < closes + CLOSE_SUMMARY_WINDOW;
}

char *round_date_text(const struct nomd_config *cfg, gint64 at, const char *as_configured)
{
	g_autoptr(GTimeZone) tz = g_time_zone_new_identifier(cfg->timezone);
	g_autoptr(GDateTime) utc = g_date_time_new_from_unix_utc(at);
	g_autoptr(GDateTime) t = tz && utc ? g_date_time_to_timezone(utc, tz) : NULL;
	if (!t)
		return g_strdup(as_configured ? as_configured : "");
	int h = g_date_time_get_hour(t), m = g_date_time_get_minute(t);
	gboolean whole_day = (h == 23 && m == 59) || (h == 0 && m == 0);
	return g_date_time_format(t, whole_day ? "%A %-d %B %Y" : "%A %-d %B %Y at %H:%M");
}

char *round_closes_text(const struct nomd_config *cfg)
{
	return round_date_text(cfg, cfg->programme.closes_at, cfg->programme.closes);
}

void round_call_line_free(struct round_call_line *l)
{
	if (!l)
		return;
	g_free(l->sent_at);
	g_free(l);
}

/* The mail to `org`'s nominators: to the first, a copy to each other. */
static void address_org(const struct organisation *org, struct outmail *m, GPtrArray *cc)
{
	m->to = org->nominators->len ? org->nominators->pdata[0] : NULL;
	for (guint i = 1; i < org->nominators->len; i++)
		g_ptr_array_add(cc, org->nominators->pdata[i]);
	m->cc = cc;
}

/* What the store holds of an organisation, as the letters show it. */
struct org_nominees {
	GPtrArray *nominees; /* of struct round_person, strings owned by `strings` */
	GPtrArray *to_fix;
	GArray *ids; /* every nominee named */
	GPtrArray *strings;
	int members, mentors;
};

static void org_nominees_clear(struct org_nominees *s)
{
	g_clear_pointer(&s->nominees, g_ptr_array_unref);
	g_clear_pointer(&s->to_fix, g_ptr_array_unref);
	g_clear_pointer(&s->ids, g_array_unref);
	g_clear_pointer(&s->strings, g_ptr_array_unref);
}

static const char *keep(struct org_nominees *s, const char *v)
{
	char *copy = g_strdup(v);
	g_ptr_array_add(s->strings, copy);
	return copy;
}

static void add_round_row(void *ctx, int n, const char *const *names, const char *const *values)
{
	(void)names;
	struct org_nominees *s = ctx;
	if (n < 7)
		return;
	struct round_person *p = g_new0(struct round_person, 1);
	gint64 id = g_ascii_strtoll(values[0], NULL, 10);
	g_array_append_val(s->ids, id);
	p->role = keep(s, values[2]);
	p->name = keep(s, values[3]);
	p->email = keep(s, values[4]);
	if (g_strcmp0(values[1], "accepted") == 0) {
		enum consent c = CONSENT_PENDING;
		consent_from_name(values[5], &c);
		p->confirmed = c == CONSENT_CONFIRMED;
		if (g_strcmp0(p->role, "mentor") == 0)
			s->mentors++;
		else
			s->members++;
		g_ptr_array_add(s->nominees, p);
	} else {
		p->problem = reason_text(values[6]);
		g_ptr_array_add(s->to_fix, p);
	}
}

static gboolean org_nominees_read(struct store *st, const char *org_id, struct org_nominees *s, GError **error)
{
	*s = (struct org_nominees){
		.nominees = g_ptr_array_new_with_free_func(g_free),
		.to_fix = g_ptr_array_new_with_free_func(g_free),
		.ids = g_array_new(FALSE, FALSE, sizeof(gint64)),
		.strings = g_ptr_array_new_with_free_func(g_free),
	};
	return store_each_round_nominee(st, org_id, add_round_row, s, error);
}

static const enum outbox_cause round_causes[] = {
	[ROUND_CALL] = OUTBOX_CALL,
	[ROUND_CHASER] = OUTBOX_CHASER,
	[ROUND_CLOSED] = OUTBOX_ROUND_CLOSED,
};
G_STATIC_ASSERT(G_N_ELEMENTS(round_causes) == ROUND_KIND_COUNT);

/* The cause of round mail `k` to `org` in this round ("round:org", and
 * ":days" for a chaser), as its idempotency key holds it. */
static char *letter_cause(const struct nomd_config *cfg, enum round_kind k, const struct organisation *org, int days)
{
	return k == ROUND_CHASER ? g_strdup_printf("%s:%s:%d", cfg->programme.round, org->id, days)
				 : g_strdup_printf("%s:%s", cfg->programme.round, org->id);
}

/* When round mail `k` under `cause` was queued (*at NULL: not yet). */
static gboolean letter_queued_at(struct store *st, enum round_kind k, const char *cause, char **at, GError **error)
{
	struct outmail probe = { .cause = round_causes[k], .cause_text = cause };
	g_autofree char *key = outbox_key(&probe, NULL);
	return store_outbox_queued_at(st, key, at, error);
}

/* Queue round mail `k` to `org`'s nominators under `cause`, naming what
 * `s` holds. The caller found it not queued before; the outbox's key
 * keeps a race from queuing it twice. */
static gboolean queue_letter(const struct nomd_config *cfg, struct store *st, enum round_kind k,
			     const struct organisation *org, const char *cause, const struct org_nominees *s,
			     int days_left, GError **error)
{
	g_autoptr(GPtrArray) cc = g_ptr_array_new();
	struct outmail m = { .cause = round_causes[k], .cause_text = cause };
	address_org(org, &m, cc);
	g_autofree char *closes = round_closes_text(cfg);
	g_autofree char *balance = s ? round_balance(cfg, s->members, s->mentors) : NULL;
	struct round_letter l = {
		.organisation = org->name,
		.closes = closes,
		.days_left = days_left,
		.members = s ? s->members : 0,
		.mentors = s ? s->mentors : 0,
		.balance = balance,
		.nominees = s ? s->nominees : NULL,
		.to_fix = s ? s->to_fix : NULL,
	};
	if (s && s->ids->len) {
		m.mentions = (const gint64 *)(void *)s->ids->data;
		m.n_mentions = s->ids->len;
	}
	/* The blank form goes where a form is asked for. */
	m.attach_form = k == ROUND_CALL || (k == ROUND_CHASER && l.members + l.mentors == 0);
	g_autoptr(reply_facts) words = reply_facts_round(cfg, k, &l);
	return outbox_queue(cfg, st, &m, words, error);
}

gboolean round_call(const struct nomd_config *cfg, struct store *st, gboolean send, GPtrArray **lines, guint *queued,
		    GError **error)
{
	*queued = 0;
	g_autoptr(GPtrArray) out = g_ptr_array_new_with_free_func((GDestroyNotify)round_call_line_free);
	if (send && !store_begin(st, error))
		return FALSE;
	gboolean ok = TRUE;
	for (guint i = 0; ok && i < cfg->organisations->len; i++) {
		const struct organisation *org = cfg->organisations->pdata[i];
		struct round_call_line *line = g_new0(struct round_call_line, 1);
		g_ptr_array_add(out, line);
		line->org = org;
		line->to = org->nominators->len ? org->nominators->pdata[0] : NULL;
		line->copies = org->nominators->len ? org->nominators->len - 1 : 0;
		g_autofree char *cause = letter_cause(cfg, ROUND_CALL, org, 0);
		ok = letter_queued_at(st, ROUND_CALL, cause, &line->sent_at, error);
		if (!ok || !send || line->sent_at || !line->to)
			continue;
		ok = queue_letter(cfg, st, ROUND_CALL, org, cause, NULL, 0, error);
		*queued += ok;
	}
	if (send)
		ok = ok && store_commit(st, error);
	if (!ok) {
		store_rollback(st);
		*queued = 0;
		return FALSE;
	}
	*lines = g_steal_pointer(&out);
	return TRUE;
}

/* One organisation's chaser or summary. What it needs is read first,
 * and a transaction opened only for mail to queue: the schedule runs after
 * every batch, and most runs find everything sent. */
static gboolean schedule_org(const struct nomd_config *cfg, struct store *st, const struct organisation *org,
			     enum round_kind k, int chase_days, gint64 now, guint *queued, GError **error)
{
	g_autofree char *cause = letter_cause(cfg, k, org, chase_days);
	g_autofree char *before = NULL;
	if (!org->nominators->len || !letter_queued_at(st, k, cause, &before, error) || before)
		return before || org->nominators->len == 0;
	struct org_nominees s;
	gboolean ok = org_nominees_read(st, org->id, &s, error);
	gboolean send = ok && (k != ROUND_CHASER ||
			       round_chaser_need(cfg, s.members, s.mentors, s.to_fix->len) != ROUND_NEED_NONE);
	if (send) {
		int days_left = (int)MAX(1, round_days_left(cfg, now));
		ok = store_begin(st, error) && queue_letter(cfg, st, k, org, cause, &s, days_left, error) &&
		     store_commit(st, error);
		if (!ok)
			store_rollback(st);
	}
	org_nominees_clear(&s);
	if (!ok)
		return FALSE;
	if (send) {
		log_info("organisation %s: %s queued", org->id,
			 k == ROUND_CHASER ? "chaser" : "summary of its nominations");
		(*queued)++;
	}
	return TRUE;
}

static void add_org_id(void *ctx, int n, const char *const *names, const char *const *values)
{
	(void)names;
	if (n >= 1 && values[0])
		g_hash_table_add(ctx, g_strdup(values[0]));
}

gboolean round_schedule(const struct nomd_config *cfg, struct store *st, gint64 now, guint *queued, GError **error)
{
	*queued = 0;
	int chase = round_chaser_due(cfg, now);
	if (!chase && !round_close_due(cfg, now))
		return TRUE;
	/* Every organisation may need a chaser; those that nominated get
	 * their summary. */
	g_autoptr(GHashTable) nominated = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	if (!chase && !store_each_nominating_org(st, add_org_id, nominated, error))
		return FALSE;
	for (guint i = 0; i < cfg->organisations->len; i++) {
		const struct organisation *org = cfg->organisations->pdata[i];
		if (!chase && !g_hash_table_contains(nominated, org->id))
			continue;
		if (!schedule_org(cfg, st, org, chase ? ROUND_CHASER : ROUND_CLOSED, chase, now, queued, error))
			return FALSE;
	}
	return TRUE;
}

void round_report_clear(struct round_report *r)
{
	g_clear_pointer(&r->not_called, g_ptr_array_unref);
}

static void add_key(void *ctx, int n, const char *const *names, const char *const *values)
{
	(void)names;
	if (n >= 1 && values[0])
		g_ptr_array_add(ctx, g_strdup(values[0]));
}

/* The keys queued for round mail of `cause` in this round, each with the
 * prefix "KIND:ROUND:" taken off (what stays: "ORG" or "ORG:DAYS"). */
static gboolean round_keys(const struct nomd_config *cfg, struct store *st, enum round_kind k, GPtrArray **out,
			   GError **error)
{
	g_autofree char *cause_text = g_strdup_printf("%s:", cfg->programme.round);
	struct outmail probe = { .cause = round_causes[k], .cause_text = cause_text };
	g_autofree char *prefix = outbox_key(&probe, NULL);
	g_autoptr(GPtrArray) keys = g_ptr_array_new_with_free_func(g_free);
	if (!store_each_outbox_key(st, prefix, add_key, keys, error))
		return FALSE;
	size_t skip = strlen(prefix);
	for (guint i = 0; i < keys->len; i++)
		memmove(keys->pdata[i], (char *)keys->pdata[i] + skip, strlen((char *)keys->pdata[i] + skip) + 1);
	*out = g_steal_pointer(&keys);
	return TRUE;
}

gboolean round_report(const struct nomd_config *cfg, struct store *st, struct round_report *r, GError **error)
{
	*r = (struct round_report){ .not_called = g_ptr_array_new() };
	g_autoptr(GPtrArray) calls = NULL, chases = NULL, summaries = NULL;
	if (!round_keys(cfg, st, ROUND_CALL, &calls, error) || !round_keys(cfg, st, ROUND_CHASER, &chases, error) ||
	    !round_keys(cfg, st, ROUND_CLOSED, &summaries, error))
		return FALSE;
	g_autoptr(GHashTable) called = g_hash_table_new(g_str_hash, g_str_equal);
	for (guint i = 0; i < calls->len; i++)
		g_hash_table_add(called, calls->pdata[i]);
	g_autoptr(GHashTable) nominated = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	if (!store_each_nominating_org(st, add_org_id, nominated, error))
		return FALSE;
	for (guint i = 0; i < cfg->organisations->len; i++) {
		const struct organisation *org = cfg->organisations->pdata[i];
		if (g_hash_table_contains(called, org->id)) {
			r->called++;
			r->answered += g_hash_table_contains(nominated, org->id);
		} else
			g_ptr_array_add(r->not_called, org->name);
	}
	for (guint i = 0; i < chases->len; i++) {
		const char *days = strrchr(chases->pdata[i], ':');
		int d = days ? atoi(days + 1) : 0;
		for (guint k = 0; k < cfg->programme.chase_days->len && k < G_N_ELEMENTS(r->chased); k++)
			r->chased[k] += g_array_index(cfg->programme.chase_days, int, k) == d;
	}
	r->summarised = summaries->len;
	return TRUE;
}
