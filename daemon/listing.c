/* listing: see listing.h. */
#include "listing.h"

#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "mentoring.h"
#include "round.h"
#include "util.h"

struct pairs_view {
	GHashTable *records; /* pair row -> struct pair_record */
	store_row_fn fn;
	void *ctx;
	gint64 now;
};

/* "good (member): the words" */
static char *answer_text(const struct pair_record *p, const struct ask_record *a)
{
	if (!a)
		return g_strdup("");
	const char *side = a->nominee == p->member ? "member" : "mentor";
	const char *said = a->answer == ANSWER_NONE ? "words" : answer_name(a->answer);
	return a->words && *a->words ? g_strdup_printf("%s (%s): %s", said, side, a->words)
				     : g_strdup_printf("%s (%s)", said, side);
}

/* A pair's row with what its answers say after it. */
static void pair_row(void *data, int n, const char *const *names, const char *const *values)
{
	struct pairs_view *v = data;
	gint64 id = values[0] ? g_ascii_strtoll(values[0], NULL, 10) : 0;
	const struct pair_record *p = g_hash_table_lookup(v->records, &id);
	struct pair_state s = { .meeting = MEETING_NOT_ASKED };
	if (p)
		mentoring_health(p, v->now, &s);
	g_autofree char *last = p ? answer_text(p, s.last) : g_strdup("");
	g_autofree char *flagged = p && s.flagged && s.flagged->words && *s.flagged->words
					   ? g_strdup_printf("%s: %s", s.why, s.flagged->words)
					   : g_strdup(s.why ? s.why : "");
	gboolean ended = p && p->ended;
	const char *more_names[] = { "meeting", "last_answer", "health", "attention" };
	const char *more[] = { meeting_state_name(s.meeting), last, ended ? "ended" : pair_health_name(s.health),
			       ended ? "" : flagged };
	g_autofree const char **all_names = g_new0(const char *, n + 4);
	g_autofree const char **all = g_new0(const char *, n + 4);
	for (int i = 0; i < n; i++)
		all_names[i] = names[i], all[i] = values[i];
	for (int i = 0; i < 4; i++)
		all_names[n + i] = more_names[i], all[n + i] = more[i];
	v->fn(v->ctx, n + 4, all_names, all);
}

gboolean listing_each_pair(struct store *st, store_row_fn fn, void *ctx, GError **error)
{
	g_autoptr(GPtrArray) records = NULL;
	if (!store_pair_records(st, FALSE, &records, error))
		return FALSE;
	g_autoptr(GHashTable) by_id = g_hash_table_new(g_int64_hash, g_int64_equal);
	for (guint i = 0; i < records->len; i++) {
		struct pair_record *p = records->pdata[i];
		g_hash_table_insert(by_id, &p->id, p);
	}
	struct pairs_view v = { .records = by_id, .fn = fn, .ctx = ctx, .now = clock_now() };
	return store_each_pair(st, FALSE, pair_row, &v, error);
}

gboolean listing_each_event(struct store *st, store_row_fn fn, void *ctx, GError **error)
{
	g_autoptr(GPtrArray) events = NULL;
	if (!store_events(st, FALSE, 0, &events, error))
		return FALSE;
	const char *names[] = { "id",	    "uid",	  "title",    "start",	   "timezone", "duration_minutes",
				"location", "online_url", "audience", "capacity",  "status",   "sequence",
				"invited",  "accepted",	  "declined", "tentative", "waiting" };
	for (guint i = 0; i < events->len; i++) {
		const struct event_record *e = events->pdata[i];
		g_autoptr(GDateTime) utc = g_date_time_new_from_unix_utc(e->starts_at);
		g_autofree char *start = g_date_time_format(utc, "%Y-%m-%dT%H:%M:%SZ");
		char *nums[9];
		int values_n[] = { e->duration / 60, e->capacity, e->sequence,	e->invited,
				   e->accepted,	     e->declined, e->tentative, e->waiting };
		for (size_t k = 0; k < G_N_ELEMENTS(values_n); k++)
			nums[k] = g_strdup_printf("%d", values_n[k]);
		nums[8] = g_strdup_printf("%" G_GINT64_FORMAT, e->id);
		const char *values[] = {
			nums[8],   e->uid,	e->title,      start,	    e->timezone,
			nums[0],   e->location, e->online_url, e->audience, e->capacity ? nums[1] : NULL,
			e->status, nums[2],	nums[3],       nums[4],	    nums[5],
			nums[6],   nums[7]
		};
		fn(ctx, G_N_ELEMENTS(names), names, values);
		for (size_t k = 0; k < G_N_ELEMENTS(nums); k++)
			g_free(nums[k]);
	}
	return TRUE;
}

struct org_count {
	int members, mentors;
};

static void add_count(void *ctx, int n, const char *const *names, const char *const *values)
{
	(void)names;
	if (n < 3 || !values[0])
		return;
	struct org_count *c = g_new0(struct org_count, 1);
	c->members = atoi(values[1] ? values[1] : "0");
	c->mentors = atoi(values[2] ? values[2] : "0");
	g_hash_table_insert(ctx, g_strdup(values[0]), c);
}

char *listing_quota_text(const struct nomd_config *cfg, int role)
{
	int q = config_quota(cfg, role);
	return q == CONFIG_NO_QUOTA ? g_strdup("") : g_strdup_printf("%d", q);
}

enum org_state listing_org_state(const struct nomd_config *cfg, int members, int mentors)
{
	if (members + mentors == 0)
		return ORG_NONE_YET;
	if (cfg->n_roles == 2 && cfg->programme.equal_numbers && members != mentors)
		return ORG_UNEQUAL;
	if (round_quotas_met(cfg, members, mentors))
		return ORG_COMPLETE;
	return ORG_IN_PROGRESS;
}

gboolean listing_each_organisation(const struct nomd_config *cfg, struct store *st, store_row_fn fn, void *ctx,
				   GError **error)
{
	g_autoptr(GHashTable) counts = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	if (!store_report(st, REPORT_ORG_COUNTS, 0, add_count, counts, error))
		return FALSE;
	const char *names[] = { "organisation", "name",	       "kind",	      "members",
				"mentors",	"max_members", "max_mentors", "state" };
	g_autofree char *max_members = listing_quota_text(cfg, 0);
	g_autofree char *max_mentors = listing_quota_text(cfg, 1);
	for (guint i = 0; i < cfg->organisations->len; i++) {
		const struct organisation *o = cfg->organisations->pdata[i];
		const struct org_count *c = g_hash_table_lookup(counts, o->id);
		g_autofree char *members = g_strdup_printf("%d", c ? c->members : 0);
		g_autofree char *mentors = g_strdup_printf("%d", c ? c->mentors : 0);
		const char *values[] = {
			o->id,	     o->name,
			o->kind,     members,
			mentors,     max_members,
			max_mentors, org_state_name(listing_org_state(cfg, c ? c->members : 0, c ? c->mentors : 0))
		};
		fn(ctx, G_N_ELEMENTS(names), names, values);
	}
	return TRUE;
}

static gboolean each_held(struct store *st, store_row_fn fn, void *ctx, GError **error)
{
	return store_report(st, REPORT_HELD, 0, fn, ctx, error);
}

struct role_rows {
	const struct nomd_config *cfg;
	store_row_fn fn;
	void *ctx;
};

/* A row with its "role" column as the programme calls it. */
static void role_row(void *ctx, int n, const char *const *names, const char *const *values)
{
	struct role_rows *rr = ctx;
	const char *out[n > 0 ? n : 1];
	for (int i = 0; i < n; i++)
		out[i] = strcmp(names[i], "role") == 0 ? config_role_id(rr->cfg, values[i]) : values[i];
	rr->fn(rr->ctx, n, names, out);
}

gboolean listing_each_nominee(const struct nomd_config *cfg, struct store *st, store_row_fn fn, void *ctx,
			      GError **error)
{
	g_autoptr(GPtrArray) fields = config_own_fields(cfg);
	struct role_rows rr = { cfg, fn, ctx };
	return store_each_nominee_with(st, fields, role_row, &rr, error);
}

/* The field judges read nominations by: one that limits its choices per
 * organisation (an award's category), else the first choice field. */
const struct form_field *listing_judged_field(const struct nomd_config *cfg, const char *id)
{
	const struct form_spec *spec = config_form(cfg);
	if (id) {
		const struct form_field *f = form_spec_field_by_id(spec, id);
		return f && f->type == FIELD_CHOICE ? f : NULL;
	}
	const struct form_field *first = NULL;
	for (guint i = 0; i < spec->fields->len; i++) {
		const struct form_field *f = spec->fields->pdata[i];
		if (f->type == FIELD_CHOICE && f->per_organisation)
			return f;
		if (f->type == FIELD_CHOICE && !first)
			first = f;
	}
	return first;
}

struct judges_ctx {
	const struct nomd_config *cfg;
	const char *field, *choice;
	GPtrArray *header; /* the columns judges read, in order */
	struct xlsx *book;
};

/* What judges read of an accepted nomination with the sheet's choice: who,
 * from where, and the programme's own fields. */
static void judges_row(void *ctx, int n, const char *const *names, const char *const *values)
{
	struct judges_ctx *j = ctx;
	const char *status = NULL, *choice = NULL;
	for (int i = 0; i < n; i++) {
		if (strcmp(names[i], "status") == 0)
			status = values[i];
		if (strcmp(names[i], j->field) == 0)
			choice = values[i];
	}
	if (g_strcmp0(status, "accepted") != 0 || g_strcmp0(choice, j->choice) != 0)
		return;
	g_autoptr(GPtrArray) out = g_ptr_array_new();
	for (guint k = 0; k < j->header->len; k++) {
		const char *v = NULL;
		for (int i = 0; i < n && !v; i++)
			if (strcmp(names[i], j->header->pdata[k]) == 0)
				v = values[i] ? values[i] : "";
		const struct organisation *o =
			strcmp(j->header->pdata[k], "organisation") == 0 ? config_find_organisation(j->cfg, v) : NULL;
		g_ptr_array_add(out, (gpointer)(o ? o->name : v ? v : ""));
	}
	xlsx_row(j->book, (int)out->len, (const char *const *)j->header->pdata, (const char *const *)out->pdata);
}

/* A sheet name Excel takes: at most 31 characters, none of []:*?/\,
 * not used before in `book` (`used`). */
static char *sheet_name(const char *choice, GHashTable *used)
{
	g_autoptr(GString) s = g_string_new(NULL);
	for (const char *p = choice; *p && g_utf8_strlen(s->str, -1) < 28; p = g_utf8_next_char(p)) {
		gunichar c = g_utf8_get_char(p);
		g_string_append_unichar(s, strchr("[]:*?/\\", (int)(c < 128 ? c : 'x')) ? '-' : c);
	}
	char *name = g_strdup(s->str);
	for (int k = 2; g_hash_table_contains(used, name); k++) {
		g_free(name);
		name = g_strdup_printf("%s %d", s->str, k);
	}
	g_hash_table_add(used, g_strdup(name));
	return name;
}

gboolean listing_judges(const struct nomd_config *cfg, struct store *st, const struct form_field *field,
			struct xlsx *book, GError **error)
{
	g_autoptr(GHashTable) used = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	g_autoptr(GPtrArray) header = g_ptr_array_new();
	static const char *const who[] = { "name", "organisation", "email", "job_title" };
	for (size_t k = 0; k < G_N_ELEMENTS(who); k++)
		g_ptr_array_add(header, (gpointer)who[k]);
	g_autoptr(GPtrArray) own = config_own_fields(cfg);
	for (guint k = 0; k < own->len; k++)
		if (strcmp(own->pdata[k], field->id) != 0)
			g_ptr_array_add(header, own->pdata[k]);
	for (guint i = 0; i < field->choices->len; i++) {
		g_autofree char *name = sheet_name(field->choices->pdata[i], used);
		xlsx_sheet(book, name);
		xlsx_header(book, (int)header->len, (const char *const *)header->pdata);
		struct judges_ctx j = { cfg, field->id, field->choices->pdata[i], header, book };
		if (!listing_each_nominee(cfg, st, judges_row, &j, error))
			return FALSE;
	}
	return TRUE;
}

gboolean listing_workbook(const struct nomd_config *cfg, struct store *st, struct xlsx *book, GError **error)
{
	/* Each sheet from the store alone, or (`by_config`) as the
	 * configuration shapes it. */
	const struct {
		const char *sheet;
		gboolean (*each)(struct store *, store_row_fn, void *, GError **);
		gboolean (*by_config)(const struct nomd_config *, struct store *, store_row_fn, void *, GError **);
	} sheets[] = {
		{ "Nominees", NULL, listing_each_nominee }, { "Organisations", NULL, listing_each_organisation },
		{ "Pairs", listing_each_pair, NULL },	    { "Events", listing_each_event, NULL },
		{ "Held mail", each_held, NULL },
	};
	for (size_t i = 0; i < G_N_ELEMENTS(sheets); i++) {
		xlsx_sheet(book, sheets[i].sheet);
		gboolean ok = sheets[i].each ? sheets[i].each(st, xlsx_row, book, error)
					     : sheets[i].by_config(cfg, st, xlsx_row, book, error);
		if (!ok) {
			g_prefix_error(error, "%s: ", sheets[i].sheet);
			return FALSE;
		}
	}
	return TRUE;
}
