/* pairing: scores and the plan. */
#include "pairing.h"

#include <string.h>

#include "assign.h"

static const char *const stop_words[] = { "a",	  "an",	     "and",  "the",  "of",   "for",  "in",   "to",
					  "on",	  "with",    "at",   "by",   "or",   "my",   "be",   "become",
					  "work", "working", "role", "post", "into", "more", "lead", "team" };
static const char *const seniority_words[] = { "director", "head",	"chief",  "executive",
					       "manager",  "principal", "leader", "senior" };

void pairing_default_weights(struct pairing_weights *w)
{
	*w = (struct pairing_weights){ .aspiration = 10,
				       .seniority = 15,
				       .same_service = 10,
				       .same_type = 5,
				       .prefer_cross = FALSE,
				       .format = 10,
				       .region = 10 };
}

static gboolean in_list(const char *const *list, size_t n, const char *word)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(list[i], word) == 0)
			return TRUE;
	return FALSE;
}

/* The distinct content words of a text, case-folded. */
static GHashTable *words(const char *text)
{
	GHashTable *set = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	if (!text)
		return set;
	g_autofree char *folded = g_utf8_casefold(text, -1);
	for (char *p = folded; *p; p++)
		if (!g_ascii_isalnum(*p) && !((unsigned char)*p & 0x80))
			*p = ' ';
	g_auto(GStrv) parts = g_strsplit(folded, " ", -1);
	for (size_t i = 0; parts[i]; i++)
		if (strlen(parts[i]) > 2 && !in_list(stop_words, G_N_ELEMENTS(stop_words), parts[i]))
			g_hash_table_add(set, g_strdup(parts[i]));
	return set;
}

static gboolean any_seniority(GHashTable *set)
{
	for (size_t i = 0; i < G_N_ELEMENTS(seniority_words); i++)
		if (g_hash_table_contains(set, seniority_words[i]))
			return TRUE;
	return FALSE;
}

static gboolean same_text(const char *a, const char *b)
{
	if (!a || !b || !*a || !*b)
		return FALSE;
	g_autofree char *x = g_utf8_casefold(a, -1), *y = g_utf8_casefold(b, -1);
	return strcmp(x, y) == 0;
}

static void note(GString *why, const char *fmt, ...) G_GNUC_PRINTF(2, 3);
static void note(GString *why, const char *fmt, ...)
{
	if (!why)
		return;
	va_list ap;
	va_start(ap, fmt);
	if (why->len)
		g_string_append(why, "; ");
	g_string_append_vprintf(why, fmt, ap);
	va_end(ap);
}

int pairing_score(const struct pairing_weights *w, const struct pair_person *member, const struct pair_person *mentor,
		  GString *why)
{
	int score = 0;
	g_autoptr(GHashTable) want = words(member->aspiration);
	g_autofree char *offer_text = g_strjoin(" ", mentor->job_title ? mentor->job_title : "",
						mentor->expertise ? mentor->expertise : "", NULL);
	g_autoptr(GHashTable) offer = words(offer_text);
	/* Sorted, so that the explanation reads the same every time. */
	g_autoptr(GPtrArray) shared = g_ptr_array_new();
	GHashTableIter it;
	gpointer key;
	g_hash_table_iter_init(&it, want);
	while (g_hash_table_iter_next(&it, &key, NULL))
		if (g_hash_table_contains(offer, key))
			g_ptr_array_add(shared, key);
	g_ptr_array_sort(shared, (GCompareFunc)g_strcmp0);
	if (shared->len) {
		int n = MIN((int)shared->len, 3);
		score += n * w->aspiration;
		GString *list = g_string_new(NULL);
		for (int i = 0; i < n; i++)
			g_string_append_printf(list, "%s%s", i ? ", " : "", (const char *)shared->pdata[i]);
		note(why, "aspiration matches the mentor's role or expertise: %s", list->str);
		g_string_free(list, TRUE);
	}
	g_autoptr(GHashTable) title = words(mentor->job_title);
	if (any_seniority(want) && any_seniority(title)) {
		score += w->seniority;
		note(why, "the mentor holds the kind of senior post the member aspires to");
	}
	if (same_text(member->service, mentor->service)) {
		score += w->same_service;
		note(why, "same service (%s)", mentor->service);
	}
	gboolean same_type = same_text(member->service_type, mentor->service_type);
	if (member->service_type && mentor->service_type && *member->service_type && *mentor->service_type) {
		if (same_type && !w->prefer_cross) {
			score += w->same_type;
			note(why, "same service type (%s)", mentor->service_type);
		} else if (!same_type && w->prefer_cross) {
			score += w->same_type;
			note(why, "different service types (%s and %s)", member->service_type, mentor->service_type);
		}
	}
	const char *mf = member->format, *tf = mentor->format;
	if (mf && tf && *mf && *tf) {
		gboolean either = !strcmp(mf, "either") || !strcmp(tf, "either");
		if (either || !strcmp(mf, tf)) {
			score += w->format;
			note(why, "formats suit each other (%s, %s)", mf, tf);
		} else {
			score -= w->format;
			note(why, "formats clash (%s, %s)", mf, tf);
		}
		gboolean in_person = strcmp(mf, "online") != 0 && strcmp(tf, "online") != 0;
		if (in_person && same_text(member->location, mentor->location)) {
			score += w->region;
			note(why, "same region for meeting in person (%s)", mentor->location);
		}
	}
	return score;
}

static gboolean listed(GPtrArray *list, const char *member, const char *mentor)
{
	for (guint i = 0; list && i < list->len; i++) {
		char **pair = list->pdata[i];
		if (g_ascii_strcasecmp(pair[0], member) == 0 && g_ascii_strcasecmp(pair[1], mentor) == 0)
			return TRUE;
	}
	return FALSE;
}

static gboolean allowed(const struct pairing_rules *rules, const struct pair_person *member,
			const struct pair_person *mentor)
{
	return g_strcmp0(member->org, mentor->org) != 0 && !listed(rules->forbids, member->email, mentor->email);
}

void pairing_plan_free(struct pairing_plan *p)
{
	if (!p)
		return;
	for (guint i = 0; i < p->pairs->len; i++)
		g_free(g_array_index(p->pairs, struct planned_pair, i).why);
	g_array_unref(p->pairs);
	g_array_unref(p->unpaired);
	g_ptr_array_unref(p->problems);
	g_free(p);
}

static void add_pair(struct pairing_plan *plan, const struct pairing_rules *rules, const struct pair_person *members,
		     guint m, const struct pair_person *mentors, guint t, gboolean pinned)
{
	GString *why = g_string_new(NULL);
	if (pinned)
		g_string_append(why, "pinned by staff");
	struct planned_pair pp = { .member = m, .mentor = t, .pinned = pinned };
	pp.score = pairing_score(&rules->w, &members[m], &mentors[t], why);
	pp.why = g_string_free(why, FALSE);
	g_array_append_val(plan->pairs, pp);
}

struct pairing_plan *pairing_make_plan(const struct pairing_rules *rules, const struct pair_person *members,
				       guint n_members, const struct pair_person *mentors, guint n_mentors)
{
	struct pairing_plan *plan = g_new0(struct pairing_plan, 1);
	plan->pairs = g_array_new(FALSE, TRUE, sizeof(struct planned_pair));
	plan->unpaired = g_array_new(FALSE, TRUE, sizeof(struct unpaired));
	plan->problems = g_ptr_array_new_with_free_func(g_free);
	int capacity = MAX(1, rules->mentor_capacity);
	g_autofree gboolean *member_done = g_new0(gboolean, n_members);
	g_autofree int *mentor_left = g_new(int, n_mentors);
	for (guint t = 0; t < n_mentors; t++)
		mentor_left[t] = MAX(0, capacity - mentors[t].taken);

	/* Pins first: kept when allowed, reported when not. */
	for (guint i = 0; rules->pins && i < rules->pins->len; i++) {
		char **pin = rules->pins->pdata[i];
		gint m = -1, t = -1;
		for (guint k = 0; k < n_members; k++)
			if (g_ascii_strcasecmp(members[k].email, pin[0]) == 0)
				m = (gint)k;
		for (guint k = 0; k < n_mentors; k++)
			if (g_ascii_strcasecmp(mentors[k].email, pin[1]) == 0)
				t = (gint)k;
		const char *problem = m < 0		    ? "the member is not eligible"
				      : t < 0		    ? "the mentor is not eligible"
				      : member_done[m]	    ? "the member is already pinned"
				      : mentor_left[t] == 0 ? "the mentor has no place left"
				      : g_strcmp0(members[m].org, mentors[t].org) == 0
					      ? "they are from the same organisation"
					      : NULL;
		if (problem) {
			g_ptr_array_add(plan->problems,
					g_strdup_printf("pin %s - %s not kept: %s", pin[0], pin[1], problem));
			continue;
		}
		add_pair(plan, rules, members, (guint)m, mentors, (guint)t, TRUE);
		member_done[m] = TRUE;
		mentor_left[t]--;
	}

	/* The rest: members against every remaining mentor place. */
	g_autoptr(GArray) rows = g_array_new(FALSE, FALSE, sizeof(guint));
	g_autoptr(GArray) cols = g_array_new(FALSE, FALSE, sizeof(guint));
	for (guint m = 0; m < n_members; m++)
		if (!member_done[m])
			g_array_append_val(rows, m);
	for (guint t = 0; t < n_mentors; t++)
		for (int k = 0; k < mentor_left[t]; k++)
			g_array_append_val(cols, t);
	guint nr = rows->len, nc = cols->len;
	g_autofree int32_t *score = g_new0(int32_t, (gsize)MAX(1, nr * nc));
	g_autofree uint8_t *ok = g_new0(uint8_t, (gsize)MAX(1, nr * nc));
	for (guint r = 0; r < nr; r++)
		for (guint c = 0; c < nc; c++) {
			const struct pair_person *a = &members[g_array_index(rows, guint, r)];
			const struct pair_person *b = &mentors[g_array_index(cols, guint, c)];
			ok[(gsize)r * nc + c] = allowed(rules, a, b);
			score[(gsize)r * nc + c] = ok[(gsize)r * nc + c] ? pairing_score(&rules->w, a, b, NULL) : 0;
		}
	g_autofree int *match = g_new(int, MAX(1, nr));
	assign_solve((int)nr, (int)nc, score, ok, match);
	g_autofree gboolean *mentor_used = g_new0(gboolean, n_mentors);
	for (guint t = 0; t < n_mentors; t++)
		mentor_used[t] = mentor_left[t] < capacity;
	for (guint r = 0; r < nr; r++) {
		guint m = g_array_index(rows, guint, r);
		if (match[r] >= 0) {
			guint t = g_array_index(cols, guint, match[r]);
			add_pair(plan, rules, members, m, mentors, t, FALSE);
			mentor_used[t] = TRUE;
			continue;
		}
		gboolean any = FALSE;
		for (guint c = 0; c < nc && !any; c++)
			any = ok[(gsize)r * nc + c];
		struct unpaired u = { FALSE, m,
				      any ? "every suitable mentor place went to another member"
					  : "no mentor from another organisation is available" };
		g_array_append_val(plan->unpaired, u);
	}
	for (guint t = 0; t < n_mentors; t++)
		if (!mentor_used[t]) {
			struct unpaired u = { TRUE, t, "no member from another organisation needed a mentor" };
			g_array_append_val(plan->unpaired, u);
		}
	return plan;
}
