/* digest: see digest.h. The text and HTML versions are written side by
 * side, section by section, from the same rows. */
#include "digest.h"

#include "chart.h"

#include <string.h>

#include "decide.h"
#include "events.h"
#include "listing.h"
#include "log.h"
#include "mentoring.h"
#include "outbox.h"
#include "reply.h"
#include "round.h"
#include "schedule.h"
#include "util.h"

void digest_free(struct digest *d)
{
	if (!d)
		return;
	g_free(d->subject);
	g_free(d->text);
	g_free(d->html_body);
	if (d->attachment)
		g_bytes_unref(d->attachment);
	g_free(d->attachment_name);
	g_free(d->chart);
	if (d->mentions)
		g_array_unref(d->mentions);
	g_free(d);
}

/* Rows of a report, each a NULL-ended copy of its values. */
static void keep_row(void *data, int n, const char *const *names, const char *const *values)
{
	char **row = g_new0(char *, n + 1);
	for (int i = 0; i < n; i++)
		row[i] = g_strdup(values[i] ? values[i] : "");
	g_ptr_array_add(data, row);
}

static gboolean rows_of(struct store *st, enum report r, gint64 mark, GPtrArray **out, GError **error)
{
	*out = g_ptr_array_new_with_free_func((GDestroyNotify)g_strfreev);
	return store_report(st, r, mark, keep_row, *out, error);
}

struct writer {
	GString *text, *html;
	GTimeZone *tz; /* staff's: times are shown in it */
};

#define WHEN_LONG "%A %-d %B %Y, %H:%M" /* "Thursday 19 February 2026, 08:30" */

/* A stored UTC time as staff read it, in their zone and `format`; NULL
 * for text that is not a time. */
static char *when_local(GTimeZone *tz, const char *iso, const char *format)
{
	g_autoptr(GDateTime) t = iso && *iso ? g_date_time_new_from_iso8601(iso, NULL) : NULL;
	if (!t)
		return NULL;
	g_autoptr(GDateTime) local = tz ? g_date_time_to_timezone(t, tz) : g_date_time_ref(t);
	return g_date_time_format(local, format);
}

/* "Thu 18 Feb 14:00"; text that is not a time as it is. */
static char *when_short(const struct writer *w, const char *iso)
{
	char *s = when_local(w->tz, iso, "%a %-d %b %H:%M");
	return s ? s : g_strdup(iso ? iso : "");
}

static void heading(struct writer *w, const char *title)
{
	g_string_append_printf(w->text, "\n%s\n", title);
	for (const char *p = title; *p; p = g_utf8_next_char(p))
		g_string_append_c(w->text, '-');
	g_string_append_c(w->text, '\n');
	g_autofree char *t = g_markup_escape_text(title, -1);
	g_string_append_printf(w->html, "<h2 style=\"font-size:17px;color:#1d4f7c;margin:24px 0 8px 0;\">%s</h2>\n", t);
}

/* A line of text, and the same as a paragraph. */
G_GNUC_PRINTF(2, 3)
static void line(struct writer *w, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	g_autofree char *s = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	/* Plain text wraps at 76 columns, on spaces. */
	const char *p = s;
	while (g_utf8_strlen(p, -1) > 76) {
		const char *cut = g_utf8_offset_to_pointer(p, 76);
		const char *space = cut;
		while (space > p && *space != ' ')
			space--;
		if (space == p)
			break;
		g_string_append_len(w->text, p, space - p);
		g_string_append_c(w->text, '\n');
		p = space + 1;
	}
	g_string_append_printf(w->text, "%s\n", p);
	g_autofree char *h = g_markup_escape_text(s, -1);
	g_string_append_printf(w->html, "<p style=\"margin:0 0 6px 0;\">%s</p>\n", h);
}

/* A table: the text version aligned in columns. */
static void table(struct writer *w, const char *const *header, guint ncols, GPtrArray *cells /* char ** rows */)
{
	/* Aligned by display width: accents, marks and wide characters too. */
	g_autofree int *width = g_new0(int, ncols);
	for (guint c = 0; c < ncols; c++)
		width[c] = (int)text_width(header[c]);
	for (guint r = 0; r < cells->len; r++)
		for (guint c = 0; c < ncols; c++)
			width[c] = MAX(width[c], (int)text_width(((char **)cells->pdata[r])[c]));
	g_string_append(w->html, "<table cellpadding=\"4\" cellspacing=\"0\" style=\"border-collapse:collapse;"
				 "font-size:14px;margin:0 0 8px 0;\">\n<tr>");
	for (guint c = 0; c < ncols; c++) {
		g_autofree char *h = g_markup_escape_text(header[c], -1);
		g_string_append_printf(w->html, "<th align=\"left\" style=\"border-bottom:2px solid #1d4f7c;\">%s</th>",
				       h);
		g_string_append_printf(w->text, "  %-*s", width[c] + (int)(strlen(header[c]) - text_width(header[c])),
				       header[c]);
	}
	g_string_append(w->html, "</tr>\n");
	while (w->text->len && w->text->str[w->text->len - 1] == ' ')
		g_string_truncate(w->text, w->text->len - 1);
	g_string_append_c(w->text, '\n');
	for (guint r = 0; r < cells->len; r++) {
		char **row = cells->pdata[r];
		g_string_append(w->html, "<tr>");
		for (guint c = 0; c < ncols; c++) {
			g_autofree char *h = g_markup_escape_text(row[c], -1);
			/* Long addresses and subjects may break: a phone is narrow. */
			g_string_append_printf(w->html,
					       "<td valign=\"top\" style=\"border-bottom:1px solid #dddddd;"
					       "overflow-wrap:anywhere;word-break:break-word;\">%s</td>",
					       h);
			g_string_append_printf(w->text, "  %-*s", width[c] + (int)(strlen(row[c]) - text_width(row[c])),
					       row[c]);
		}
		g_string_append(w->html, "</tr>\n");
		while (w->text->len && w->text->str[w->text->len - 1] == ' ')
			g_string_truncate(w->text, w->text->len - 1);
		g_string_append_c(w->text, '\n');
	}
	g_string_append(w->html, "</table>\n");
}

static const char *org_name(const struct nomd_config *cfg, const char *id)
{
	const struct organisation *o = config_find_organisation(cfg, id);
	return o ? o->name : id;
}

static char **cells(int n, ...)
{
	char **row = g_new0(char *, n + 1);
	va_list ap;
	va_start(ap, n);
	for (int i = 0; i < n; i++)
		row[i] = va_arg(ap, char *); /* taken */
	va_end(ap);
	return row;
}

static gboolean section_new(const struct nomd_config *cfg, struct store *st, gint64 mark, struct writer *w,
			    guint *count, GError **error)
{
	g_autoptr(GPtrArray) rows = NULL;
	if (!rows_of(st, REPORT_NEW_NOMINEES, mark, &rows, error))
		return FALSE;
	*count = rows->len;
	heading(w, "New nominations since the last digest");
	if (rows->len == 0) {
		line(w, "None.");
		return TRUE;
	}
	g_autoptr(GPtrArray) out = g_ptr_array_new_with_free_func((GDestroyNotify)g_strfreev);
	for (guint i = 0; i < rows->len; i++) {
		char **r = rows->pdata[i]; /* organisation role name email status reason nominated_by */
		g_autofree char *status = *r[5] ? g_strdup_printf("%s (%s)", r[4], r[5]) : g_strdup(r[4]);
		g_ptr_array_add(out, cells(5, g_strdup(org_name(cfg, r[0])), g_strdup(r[1]), g_strdup(r[2]),
					   g_strdup(r[3]), g_steal_pointer(&status)));
	}
	const char *header[] = { "Organisation", "Role", "Name", "Email", "Status" };
	table(w, header, 5, out);
	return TRUE;
}

#define BAR_PX 80 /* two bars and a name fit a phone's width */

/* A bar `done` of `of`, BAR_PX wide: two cells of a table (Outlook's Word
 * renderer draws no CSS widths, gradients or SVG), then the same in
 * words for people who cannot see it. */
static void html_bar(GString *h, int done, int of, const char *colour, const char *words)
{
	int fill = of > 0 ? MIN(MAX(done, 0), of) * BAR_PX / of : 0;
	g_string_append_printf(h,
			       "<table role=\"presentation\" cellpadding=\"0\" cellspacing=\"0\" width=\"%d\""
			       " style=\"border-collapse:collapse;width:%dpx;\"><tr>",
			       BAR_PX, BAR_PX);
	if (fill > 0)
		g_string_append_printf(h,
				       "<td width=\"%d\" height=\"10\" bgcolor=\"%s\" style=\"width:%dpx;height:10px;"
				       "background:%s;font-size:1px;line-height:1px;\">&nbsp;</td>",
				       fill, colour, fill, colour);
	if (fill < BAR_PX)
		g_string_append_printf(
			h,
			"<td width=\"%d\" height=\"10\" bgcolor=\"#d9d9d9\" style=\"width:%dpx;height:10px;"
			"background:#d9d9d9;font-size:1px;line-height:1px;\">&nbsp;</td>",
			BAR_PX - fill, BAR_PX - fill);
	g_autofree char *w = g_markup_escape_text(words, -1);
	g_string_append_printf(
		h, "</tr></table><div style=\"font-size:12px;color:#444444;white-space:nowrap;\">%s</div>", w);
}

/* "3 of 5 members", "3 members" for a role without a quota; without
 * `word`, "3 of 5" or "3". */
static char *role_count(const struct nomd_config *cfg, int role, int n, gboolean word)
{
	int q = config_quota(cfg, role);
	g_autofree char *w = word ? config_role_word(cfg, role, !(q == CONFIG_NO_QUOTA && n == 1)) : NULL;
	g_autofree char *of = q == CONFIG_NO_QUOTA ? g_strdup_printf("%d", n) : g_strdup_printf("%d of %d", n, q);
	return word ? g_strdup_printf("%s %s", of, w) : g_steal_pointer(&of);
}

/* Every organisation: its count of each role as a bar (against the
 * quota, or the largest count when the role has none), coloured by
 * state; `states` counts them per state. */
static void org_bars(const struct nomd_config *cfg, GHashTable *counts, GString *h, int states[ORG_STATE_COUNT])
{
	int most[FORM_SPEC_MAX_ROLES] = { 0 };
	for (guint i = 0; i < cfg->organisations->len; i++) {
		char **r = g_hash_table_lookup(counts, ((const struct organisation *)cfg->organisations->pdata[i])->id);
		for (int k = 0; r && k < cfg->n_roles; k++)
			most[k] = MAX(most[k], atoi(r[1 + k]));
	}
	g_string_append(h, "<table role=\"presentation\" cellpadding=\"4\" cellspacing=\"0\" width=\"100%\""
			   " style=\"border-collapse:collapse;font-size:14px;margin:8px 0;\">\n<tr>"
			   "<th align=\"left\" style=\"border-bottom:2px solid #1d4f7c;\">Organisation</th>");
	for (int k = 0; k < cfg->n_roles; k++) {
		g_autofree char *plural = g_markup_escape_text(cfg->roles[k].plural, -1);
		g_string_append_printf(h, "<th align=\"left\" style=\"border-bottom:2px solid #1d4f7c;\">%s</th>",
				       plural);
	}
	g_string_append(h, "</tr>\n");
	for (guint i = 0; i < cfg->organisations->len; i++) {
		const struct organisation *o = cfg->organisations->pdata[i];
		char **r = g_hash_table_lookup(counts, o->id);
		int n[FORM_SPEC_MAX_ROLES] = { r ? atoi(r[1]) : 0, r ? atoi(r[2]) : 0 };
		enum org_state state = listing_org_state(cfg, n[0], n[1]);
		const char *colour = chart_state_colour(state);
		states[state]++;
		g_autofree char *name = g_markup_escape_text(o->name, -1);
		/* The state in words under the name, not a column of its own:
		 * a phone has room for the name and two bars. */
		g_string_append_printf(h,
				       "<tr><td valign=\"top\" style=\"border-bottom:1px solid #dddddd;\">%s<br>"
				       "<span style=\"font-size:12px;color:%s;\">&#9632;</span> "
				       "<span style=\"font-size:12px;font-weight:bold;color:%s;\">%s</span></td>",
				       name, colour, chart_state_ink(state), org_state_name(state));
		for (int k = 0; k < cfg->n_roles; k++) {
			int q = config_quota(cfg, k);
			g_autofree char *words = role_count(cfg, k, n[k], TRUE);
			g_string_append(h, "<td valign=\"top\" style=\"border-bottom:1px solid #dddddd;"
					   "padding-top:10px;\">");
			html_bar(h, n[k], q == CONFIG_NO_QUOTA ? most[k] : q, colour, words);
			g_string_append(h, "</td>");
		}
		g_string_append(h, "</tr>\n");
	}
	g_string_append(h, "</table>\n");
}

/* The chart of `states` (drawn when the mail is sent), with its facts as
 * alt text for a mail client that shows no images. */
static void chart_img(const int states[ORG_STATE_COUNT], GString *h)
{
	g_autoptr(GString) alt = g_string_new("Organisations by state:");
	for (int i = 0; i < ORG_STATE_COUNT; i++)
		g_string_append_printf(alt, "%s %d %s", i ? "," : "", states[i], org_state_name(i));
	g_string_append_printf(h,
			       "<p style=\"margin:8px 0;\"><img src=\"cid:%s\" width=\"%d\" height=\"%d\" alt=\"%s\""
			       " style=\"display:block;border:0;max-width:100%%;height:auto;\"></p>\n",
			       CHART_CONTENT_ID, CHART_WIDTH, CHART_HEIGHT, alt->str);
}

static void section_organisations(const struct nomd_config *cfg, const GPtrArray *rows, struct writer *w,
				  int states[ORG_STATE_COUNT])
{
	g_autoptr(GHashTable) counts = g_hash_table_new(g_str_hash, g_str_equal);
	for (guint i = 0; i < rows->len; i++)
		g_hash_table_insert(counts, ((char **)rows->pdata[i])[0], rows->pdata[i]);
	g_autoptr(GPtrArray) none = g_ptr_array_new();
	g_autoptr(GPtrArray) out = g_ptr_array_new_with_free_func((GDestroyNotify)g_strfreev);
	for (guint i = 0; i < cfg->organisations->len; i++) {
		const struct organisation *o = cfg->organisations->pdata[i];
		char **r = g_hash_table_lookup(counts, o->id);
		if (!r) {
			g_ptr_array_add(none, o->name);
			continue;
		}
		int members = atoi(r[1]), mentors = atoi(r[2]);
		gboolean unequal = listing_org_state(cfg, members, mentors) == ORG_UNEQUAL;
		g_ptr_array_add(
			out, cfg->n_roles == 2
				     ? cells(4, g_strdup(o->name), role_count(cfg, 0, members, FALSE),
					     role_count(cfg, 1, mentors, FALSE), g_strdup(unequal ? "unbalanced" : ""))
				     : cells(3, g_strdup(o->name), role_count(cfg, 0, members, FALSE), g_strdup("")));
	}
	heading(w, "Organisations with no nominations yet");
	if (none->len == 0)
		line(w, "None: every organisation has nominated.");
	else {
		line(w, "%u of %u:", none->len, cfg->organisations->len);
		g_ptr_array_add(none, NULL);
		g_autofree char *names = g_strjoinv(", ", (char **)none->pdata);
		line(w, "%s", names);
	}
	heading(w, "Nominations by organisation");
	if (out->len == 0)
		line(w, "None yet.");
	/* The text keeps its table; the HTML shows every organisation as bars. */
	g_autoptr(GString) scratch = g_string_new(NULL);
	struct writer text_only = { w->text, scratch, w->tz };
	const char *header[] = { "Organisation", cfg->roles[0].plural,
				 cfg->n_roles == 2 ? cfg->roles[1].plural : "Note", "Note" };
	if (out->len)
		table(&text_only, header, cfg->n_roles + 2, out);
	g_autoptr(GString) bars = g_string_new(NULL);
	org_bars(cfg, counts, bars, states);
	chart_img(states, w->html);
	g_string_append(w->html, bars->str);
}

/* One figure of the headline strip. */
static void glance_cell(GString *h, const char *figure, const char *label)
{
	g_autofree char *f = g_markup_escape_text(figure, -1);
	g_autofree char *l = g_markup_escape_text(label, -1);
	g_string_append_printf(h,
			       "<td class=\"nomd-glance\" width=\"20%%\" valign=\"top\""
			       " style=\"padding:8px;border:1px solid #d9d9d9;\">"
			       "<div style=\"font-size:22px;font-weight:bold;color:#1d4f7c;\">%s</div>"
			       "<div style=\"font-size:12px;color:#444444;\">%s</div></td>",
			       f, l);
}

/* The round at a glance, first: nominations in, organisations complete,
 * consent confirmed, pairs made, the next event and its yes count. */
static gboolean section_glance(const struct nomd_config *cfg, struct store *st, gint64 now, const GPtrArray *counts,
			       struct writer *w, GError **error)
{
	g_autoptr(GPtrArray) people = NULL, events = NULL;
	if (!rows_of(st, REPORT_PEOPLE, 0, &people, error) || !store_events(st, TRUE, now, &events, error))
		return FALSE;
	int nominated = 0, complete = 0, confirmed = 0, pairs = 0;
	for (guint i = 0; i < counts->len; i++) {
		char **r = counts->pdata[i]; /* organisation members mentors */
		nominated += atoi(r[1]) + atoi(r[2]);
		complete += listing_org_state(cfg, atoi(r[1]), atoi(r[2])) == ORG_COMPLETE;
	}
	for (guint i = 0; i < people->len; i++) {
		char **r = people->pdata[i]; /* role consent people paired */
		confirmed += strcmp(r[1], "confirmed") == 0 ? atoi(r[2]) : 0;
		/* A member is in one pair at most: paired members are pairs. */
		pairs += strcmp(r[0], "member") == 0 ? atoi(r[3]) : 0;
	}
	const struct event_record *next = events->len ? events->pdata[0] : NULL;
	g_autofree char *when = next ? events_when(next) : NULL;
	g_autofree char *f_nominated = g_strdup_printf("%d", nominated);
	g_autofree char *f_complete = g_strdup_printf("%d of %u", complete, cfg->organisations->len);
	g_autofree char *f_confirmed = g_strdup_printf("%d", confirmed);
	g_autofree char *f_pairs = g_strdup_printf("%d", pairs);
	g_autofree char *f_yes = next ? g_strdup_printf("%d yes", next->accepted) : g_strdup("none");
	g_autofree char *l_event = next ? g_strdup_printf("%s, %s", next->title, when) : g_strdup("next event");
	g_string_append(w->html, "<table role=\"presentation\" cellpadding=\"0\" cellspacing=\"0\" width=\"100%\""
				 " style=\"border-collapse:collapse;margin:12px 0;\"><tr>");
	/* The stages the programme runs, each a figure. */
	glance_cell(w->html, f_nominated, "nominations in");
	if (round_has_quotas(cfg))
		glance_cell(w->html, f_complete, "organisations complete");
	if (cfg->consent.enabled)
		glance_cell(w->html, f_confirmed, "confirmed their place");
	if (cfg->pairing.enabled)
		glance_cell(w->html, f_pairs, "pairs");
	if (cfg->events.enabled)
		glance_cell(w->html, f_yes, l_event);
	g_string_append(w->html, "</tr></table>\n");
	/* The same facts in words, for the text part. */
	g_autoptr(GString) scratch = g_string_new(NULL);
	struct writer text_only = { w->text, scratch, w->tz };
	g_autofree char *event = next ? g_strdup_printf("next event %s, %s: %d yes", next->title, when, next->accepted)
				      : g_strdup("no event planned");
	g_autoptr(GString) facts = g_string_new(NULL);
	g_string_append_printf(facts, "At a glance: %d nominations in", nominated);
	if (round_has_quotas(cfg))
		g_string_append_printf(facts, "; %d of %u organisations complete", complete, cfg->organisations->len);
	if (cfg->consent.enabled)
		g_string_append_printf(facts, "; %d confirmed their place", confirmed);
	if (cfg->pairing.enabled)
		g_string_append_printf(facts, "; %d pairs", pairs);
	if (cfg->events.enabled)
		g_string_append_printf(facts, "; %s", event);
	g_string_append_c(w->text, '\n');
	line(&text_only, "%s.", facts->str);
	return TRUE;
}

/* Only when a round is configured (programme.closes). */
static gboolean section_round(const struct nomd_config *cfg, struct store *st, gint64 now, struct writer *w,
			      GError **error)
{
	if (!cfg->programme.closes_at)
		return TRUE;
	struct round_report r;
	if (!round_report(cfg, st, &r, error)) {
		round_report_clear(&r);
		return FALSE;
	}
	heading(w, "The round");
	g_autofree char *closes = round_closes_text(cfg);
	if (now < cfg->programme.closes_at)
		line(w, "Round %s: nominations close on %s, in %" G_GINT64_FORMAT " day(s).", cfg->programme.round,
		     closes, round_days_left(cfg, now));
	else
		line(w, "Round %s: nominations closed on %s.", cfg->programme.round, closes);
	line(w, "Call for nominations: sent to %u of %u organisations; %u have nominated.", r.called,
	     cfg->organisations->len, r.answered);
	if (r.called && r.not_called->len) {
		g_ptr_array_add(r.not_called, NULL);
		g_autofree char *names = g_strjoinv(", ", (char **)r.not_called->pdata);
		line(w, "Not sent to: %s (nomctl call --send reaches them).", names);
	} else if (!r.called) {
		line(w, "nomctl call --dry-run shows whom it goes to; --send sends it.");
	}
	GArray *days = cfg->programme.chase_days;
	for (guint k = 0; k < days->len && k < G_N_ELEMENTS(r.chased); k++)
		line(w, "Chasers %d days before the close: sent to %u organisation(s).", g_array_index(days, int, k),
		     r.chased[k]);
	if (now >= cfg->programme.closes_at)
		line(w, "Summaries after the close: sent to %u organisation(s).", r.summarised);
	round_report_clear(&r);
	return TRUE;
}

static gboolean section_held(struct store *st, gint64 mark, struct writer *w, guint *count, GError **error)
{
	g_autoptr(GPtrArray) rows = NULL;
	if (!rows_of(st, REPORT_HELD, mark, &rows, error))
		return FALSE;
	*count = rows->len;
	heading(w, "Held mail that needs a person");
	if (rows->len == 0) {
		line(w, "None.");
		return TRUE;
	}
	/* The text keeps the codes nomctl messages shows; the HTML says why
	 * in words. */
	g_autoptr(GPtrArray) codes = g_ptr_array_new_with_free_func((GDestroyNotify)g_strfreev);
	g_autoptr(GPtrArray) words = g_ptr_array_new_with_free_func((GDestroyNotify)g_strfreev);
	for (guint i = 0; i < rows->len; i++) {
		char **r = rows->pdata[i]; /* sender subject reasons detail received_at */
		g_autofree char *why = *r[3] ? g_strdup_printf("%s: %s", r[2], r[3]) : g_strdup(r[2]);
		g_autoptr(GString) said = g_string_new(NULL);
		g_auto(GStrv) each = g_strsplit(r[2], " ", -1);
		for (guint k = 0; each[k]; k++)
			if (*each[k])
				g_string_append_printf(said, "%s%s", said->len ? "; " : "", reason_text(each[k]));
		if (*r[3])
			g_string_append_printf(said, " (%s)", r[3]);
		const char *from = *r[0] ? r[0] : "(unknown)";
		g_ptr_array_add(codes,
				cells(4, g_strdup(from), g_strdup(r[1]), g_steal_pointer(&why), when_short(w, r[4])));
		g_ptr_array_add(words, cells(4, g_strdup(from), g_strdup(r[1]),
					     g_string_free(g_steal_pointer(&said), FALSE), when_short(w, r[4])));
	}
	const char *header[] = { "From", "Subject", "Why held", "Received" };
	g_autoptr(GString) scratch = g_string_new(NULL);
	table(&(struct writer){ w->text, scratch, w->tz }, header, 4, codes);
	table(&(struct writer){ scratch, w->html, w->tz }, header, 4, words);
	return TRUE;
}

static gboolean section_mail(struct store *st, gint64 mark, struct writer *w, guint *count, GError **error)
{
	g_autoptr(GPtrArray) rows = NULL;
	if (!rows_of(st, REPORT_MAIL_PROBLEMS, mark, &rows, error))
		return FALSE;
	*count = rows->len;
	heading(w, "Outgoing mail that failed or bounced");
	if (rows->len == 0) {
		line(w, "None.");
		return TRUE;
	}
	g_autoptr(GPtrArray) out = g_ptr_array_new_with_free_func((GDestroyNotify)g_strfreev);
	for (guint i = 0; i < rows->len; i++) {
		char **r = rows->pdata[i];
		g_ptr_array_add(out, cells(4, g_strdup(r[0]), g_strdup(r[1]), g_strdup(r[2]), when_short(w, r[3])));
	}
	const char *header[] = { "To", "Problem", "Detail", "When" };
	table(w, header, 4, out);
	line(w, "nomctl outbox lists them; nomctl outbox retry ID sends one again, --failed all.");
	return TRUE;
}

/* Only when there are any: the nominators were told, staff may chase. */
static gboolean section_undeliverable(const struct nomd_config *cfg, struct store *st, struct writer *w, GError **error)
{
	g_autoptr(GPtrArray) rows = NULL;
	if (!rows_of(st, REPORT_UNDELIVERABLE, 0, &rows, error))
		return FALSE;
	if (rows->len == 0)
		return TRUE;
	heading(w, "Nominees whose address did not work");
	g_autoptr(GPtrArray) out = g_ptr_array_new_with_free_func((GDestroyNotify)g_strfreev);
	for (guint i = 0; i < rows->len; i++) {
		char **r = rows->pdata[i]; /* organisation role name email why since */
		g_ptr_array_add(out, cells(5, g_strdup(org_name(cfg, r[0])), g_strdup(r[2]), g_strdup(r[3]),
					   g_strdup(r[4]), g_strdup(r[5])));
	}
	const char *header[] = { "Organisation", "Name", "Email", "What the server said", "Since" };
	table(w, header, 5, out);
	line(w, "Each nominator was told once; a nomination sent again under the same name replaces the old one.");
	return TRUE;
}

/* Only when the programme asks for consent or pairs people. */
static gboolean section_people(const struct nomd_config *cfg, struct store *st, struct writer *w, GError **error)
{
	if (!cfg->consent.enabled && !cfg->pairing.enabled)
		return TRUE;
	g_autoptr(GPtrArray) rows = NULL;
	if (!rows_of(st, REPORT_PEOPLE, 0, &rows, error))
		return FALSE;
	heading(w, cfg->pairing.enabled ? "Consent and pairing" : "Consent");
	int total[2][CONSENT_COUNT] = { { 0 } }, paired[2] = { 0 };
	for (guint i = 0; i < rows->len; i++) {
		char **r = rows->pdata[i]; /* role consent people paired */
		int role = strcmp(r[0], "mentor") == 0;
		enum consent c;
		if (consent_from_name(r[1], &c))
			total[role][c] += atoi(r[2]);
		paired[role] += atoi(r[3]);
	}
	for (int role = 0; role < cfg->n_roles; role++) {
		g_autofree char *pairs =
			cfg->pairing.enabled ? g_strdup_printf("; %d paired", paired[role]) : g_strdup("");
		line(w, "%s: %d confirmed, %d not yet answered%s.", cfg->roles[role].plural,
		     total[role][CONSENT_CONFIRMED], total[role][CONSENT_PENDING], pairs);
	}
	if (cfg->pairing.enabled)
		line(w, "nomctl pair --dry-run shows who could be paired now.");
	return TRUE;
}

/* A person as staff read them in a row: "Name (Organisation)". */
static char *who(const struct nomd_config *cfg, const struct person *p)
{
	if (!p)
		return g_strdup("(erased)");
	return g_strdup_printf("%s (%s)",
			       p->name && *p->name ? p->name
			       : p->email	   ? p->email
						   : "?",
			       org_name(cfg, p->organisation));
}

/* Pairs whose answers say a person should look: a HELP, a first meeting
 * that has not happened, silence. Only when there are pairs. */
static gboolean section_pairs(const struct nomd_config *cfg, struct store *st, gint64 now, struct writer *w,
			      GError **error)
{
	g_autoptr(GPtrArray) pairs = NULL;
	if (!store_pair_records(st, TRUE, &pairs, error))
		return FALSE;
	if (pairs->len == 0)
		return TRUE;
	heading(w, "Pairs that need a person");
	g_autoptr(GPtrArray) out = g_ptr_array_new_with_free_func((GDestroyNotify)g_strfreev);
	guint met = 0;
	for (guint i = 0; i < pairs->len; i++) {
		const struct pair_record *p = pairs->pdata[i];
		struct pair_state s;
		mentoring_health(p, now, &s);
		met += s.meeting == MEETING_MET;
		if (s.health == HEALTH_ON_TRACK)
			continue;
		g_autoptr(person) member = NULL;
		g_autoptr(person) mentor = NULL;
		if (!store_person_by_id(st, p->member, &member, error) ||
		    !store_person_by_id(st, p->mentor, &mentor, error))
			return FALSE;
		const char *words = s.flagged && s.flagged->words ? s.flagged->words : "";
		g_ptr_array_add(out, cells(5, who(cfg, member), who(cfg, mentor), g_strdup(pair_health_name(s.health)),
					   g_strdup(s.why), g_strdup(words)));
	}
	line(w, "%u pair(s); %u have said they have met.", pairs->len, met);
	if (out->len == 0) {
		line(w, "None: every pair is on track.");
		return TRUE;
	}
	const char *header[] = { "Member", "Mentor", "Health", "Why", "In their words" };
	table(w, header, 5, out);
	line(w, "nomctl pairs shows every pair; nomctl pair --rematch MEMBER_EMAIL --dry-run proposes a new mentor.");
	return TRUE;
}

/* What paired people answered since the last digest: check-ins and the
 * first meeting (feedback has its own section). Only when there are any. */
static gboolean section_answers(const struct nomd_config *cfg, struct store *st, gint64 mark, struct writer *w,
				GError **error)
{
	g_autoptr(GPtrArray) rows = g_ptr_array_new_with_free_func((GDestroyNotify)g_strfreev);
	if (!store_each_ask_answer(st, mark, keep_row, rows, error))
		return FALSE;
	g_autoptr(GPtrArray) out = g_ptr_array_new_with_free_func((GDestroyNotify)g_strfreev);
	for (guint i = 0; i < rows->len; i++) {
		char **r = rows->pdata[i]; /* kind answer words answered_at organisation role name email pair */
		if (strcmp(r[0], "feedback") == 0)
			continue;
		/* The words as people wrote them: "not_yet" is NOT YET. */
		g_autofree char *said = g_ascii_strup(r[1], -1);
		g_strdelimit(said, "_", ' ');
		g_ptr_array_add(out, cells(5, g_strdup_printf("%s (%s)", *r[6] ? r[6] : r[7], org_name(cfg, r[4])),
					   g_strdup(r[5]),
					   g_strdup(strcmp(r[0], "meeting") == 0 ? "first meeting" : "check-in"),
					   g_steal_pointer(&said), g_strdup(r[2])));
	}
	if (out->len == 0)
		return TRUE;
	heading(w, "Answers from pairs since the last digest");
	const char *header[] = { "Who", "Role", "Asked", "Answer", "In their words" };
	table(w, header, 5, out);
	return TRUE;
}

/* The programme's end: ratings and what people wrote. Only when any. */
static gboolean section_feedback(const struct nomd_config *cfg, struct store *st, struct writer *w, GError **error)
{
	g_autoptr(GPtrArray) rows = g_ptr_array_new_with_free_func((GDestroyNotify)g_strfreev);
	if (!store_each_feedback(st, keep_row, rows, error))
		return FALSE;
	if (rows->len == 0)
		return TRUE;
	heading(w, "Feedback received");
	struct feedback_tally tally = { 0 };
	g_autoptr(GPtrArray) out = g_ptr_array_new_with_free_func((GDestroyNotify)g_strfreev);
	for (guint i = 0; i < rows->len; i++) {
		char **r = rows->pdata[i]; /* organisation role name email rating comment answered_at */
		mentoring_tally(&tally, r[4]);
		g_ptr_array_add(out, cells(4, g_strdup_printf("%s (%s)", *r[2] ? r[2] : r[3], org_name(cfg, r[0])),
					   g_strdup(r[1]), g_strdup(*r[4] ? r[4] : "-"), g_strdup(r[5])));
	}
	g_autofree char *summary = mentoring_tally_text(&tally);
	line(w, "%s", summary);
	const char *header[] = { "Who", "Role", "Rating", "What they wrote" };
	table(w, header, 4, out);
	line(w, "nomctl feedback --format csv gives them as a spreadsheet.");
	return TRUE;
}

static gboolean section_events(struct store *st, gint64 now, struct writer *w, GError **error)
{
	g_autoptr(GPtrArray) events = NULL;
	if (!store_events(st, TRUE, now, &events, error))
		return FALSE;
	heading(w, "Upcoming events");
	if (events->len == 0) {
		line(w, "None planned.");
		return TRUE;
	}
	g_autoptr(GPtrArray) out = g_ptr_array_new_with_free_func((GDestroyNotify)g_strfreev);
	for (guint i = 0; i < events->len; i++) {
		const struct event_record *e = events->pdata[i];
		int unanswered = e->invited - e->accepted - e->declined - e->tentative - e->waiting;
		g_ptr_array_add(out, cells(7, g_strdup(e->title), events_when(e), g_strdup_printf("%d", e->accepted),
					   g_strdup_printf("%d", e->declined), g_strdup_printf("%d", e->tentative),
					   g_strdup_printf("%d", e->waiting), g_strdup_printf("%d", unanswered)));
	}
	const char *header[] = { "Event", "When", "Yes", "No", "Maybe", "Waiting", "No answer" };
	table(w, header, 7, out);
	return TRUE;
}

static void keep_csv_row(void *data, int n, const char *const *names, const char *const *values)
{
	GString *csv = data;
	if (csv->len == 3) { /* only the byte order mark: the header first */
		for (int i = 0; i < n; i++) {
			if (i)
				g_string_append_c(csv, ',');
			csv_append_field(csv, names[i]);
		}
		g_string_append(csv, "\r\n");
	}
	for (int i = 0; i < n; i++) {
		if (i)
			g_string_append_c(csv, ',');
		csv_append_field(csv, values[i]);
	}
	g_string_append(csv, "\r\n");
}

/* The current nominees for the CSV: accepted ones, without the columns of
 * how they were judged; the programme's own fields stay, a column each. */
static void keep_current_row(void *data, int n, const char *const *names, const char *const *values)
{
	static const char *const judged[] = { "status", "reason", "warnings", "message_id", "updated_at" };
	const char *kept_names[n > 0 ? n : 1], *kept[n > 0 ? n : 1];
	int k = 0;
	for (int i = 0; i < n; i++) {
		if (strcmp(names[i], "status") == 0 && g_strcmp0(values[i], "accepted") != 0)
			return;
		gboolean drop = FALSE;
		for (size_t j = 0; j < G_N_ELEMENTS(judged); j++)
			drop |= strcmp(names[i], judged[j]) == 0;
		if (!drop) {
			kept_names[k] = names[i];
			kept[k++] = values[i];
		}
	}
	keep_csv_row(data, k, kept_names, kept);
}

/* The attachment staff.digest_attachment asks for, named for `day`. */
static gboolean attach(const struct nomd_config *cfg, struct store *st, const char *day, struct digest *d,
		       GError **error)
{
	if (strcmp(cfg->digest_attachment, "xlsx") == 0) {
		g_autoptr(xlsx) book = xlsx_new(cfg->timezone);
		if (!listing_workbook(cfg, st, book, error) || !(d->attachment = xlsx_bytes(book, error)))
			return FALSE;
		d->attachment_name = g_strdup_printf("nominations-%s.xlsx", day);
		d->attachment_type = XLSX_TYPE;
	} else if (strcmp(cfg->digest_attachment, "csv") == 0) {
		g_autoptr(GString) csv = g_string_new("\xEF\xBB\xBF");
		if (!listing_each_nominee(cfg, st, keep_current_row, csv, error))
			return FALSE;
		gsize len = csv->len;
		d->attachment = g_bytes_new_take(g_string_free(g_steal_pointer(&csv), FALSE), len);
		d->attachment_name = g_strdup_printf("nominees-%s.csv", day);
		d->attachment_type = "text/csv";
	}
	return TRUE;
}

gboolean digest_build(const struct nomd_config *cfg, struct store *st, gint64 now, struct digest **out, GError **error)
{
	g_autofree char *since = NULL;
	gint64 mark = 0;
	if (!store_last_digest(st, &mark, &since, error))
		return FALSE;
	g_autoptr(GTimeZone) tz = g_time_zone_new_identifier(cfg->timezone);
	g_autoptr(GDateTime) utc = g_date_time_new_from_unix_utc(now);
	g_autoptr(GDateTime) local = tz ? g_date_time_to_timezone(utc, tz) : g_date_time_ref(utc);
	g_autofree char *day = g_date_time_format(local, "%Y-%m-%d");
	g_autofree char *nice = g_date_time_format(local, WHEN_LONG);
	struct writer w = { g_string_new(NULL), g_string_new(NULL), tz };
	g_autoptr(GString) text = w.text;
	g_autoptr(GString) html = w.html;
	line(&w, "%s: staff digest for %s.", cfg->programme.name, nice);
	/* The last one's time as staff read times: in words, their zone. */
	g_autofree char *last_words = when_local(tz, since, WHEN_LONG);
	if (last_words)
		line(&w, "What came in since the last digest (%s), and what needs you.", last_words);
	else
		line(&w, "%s",
		     since ? "What came in since the last digest, and what needs you."
			   : "The first digest: everything so far, and what needs you.");
	guint fresh = 0, held = 0, problems = 0;
	int states[ORG_STATE_COUNT] = { 0 };
	/* The counts per organisation, read once: the strip and the bars. */
	g_autoptr(GPtrArray) org_counts = NULL;
	if (!rows_of(st, REPORT_ORG_COUNTS, 0, &org_counts, error) ||
	    !section_glance(cfg, st, now, org_counts, &w, error) || !section_new(cfg, st, mark, &w, &fresh, error) ||
	    !section_held(st, mark, &w, &held, error) || !section_mail(st, mark, &w, &problems, error) ||
	    !section_undeliverable(cfg, st, &w, error) || !section_round(cfg, st, now, &w, error))
		return FALSE;
	section_organisations(cfg, org_counts, &w, states);
	if (!section_people(cfg, st, &w, error) ||
	    (cfg->pairing.enabled &&
	     (!section_pairs(cfg, st, now, &w, error) || !section_answers(cfg, st, mark, &w, error))) ||
	    !section_feedback(cfg, st, &w, error) || (cfg->events.enabled && !section_events(st, now, &w, error)))
		return FALSE;
	struct digest *d = g_new0(struct digest, 1);
	if (!attach(cfg, st, day, d, error)) {
		digest_free(d);
		return FALSE;
	}
	line(&w, "%s", "");
	if (d->attachment && strcmp(cfg->digest_attachment, "xlsx") == 0)
		line(&w,
		     "Attached: the round as a workbook (%s): nominees, organisations, pairs, events and held mail.",
		     d->attachment_name);
	else if (d->attachment)
		line(&w, "Attached: every current nominee as a spreadsheet (%s).", d->attachment_name);
	d->subject = g_strdup_printf("%s digest %s: %u new, %u held, %u mail problem%s", cfg->programme.name, day,
				     fresh, held, problems, problems == 1 ? "" : "s");
	d->text = g_strdup(text->str);
	d->html_body = g_strdup(html->str);
	d->chart = chart_counts_text(states);
	if (!store_digest_mentions(st, mark, &d->mentions, error)) {
		digest_free(d);
		return FALSE;
	}
	*out = d;
	return TRUE;
}

static gboolean queue_digest(const struct nomd_config *cfg, struct store *st, gint64 now, const char *period,
			     gint64 due, GError **error)
{
	g_autoptr(digest) d = NULL;
	if (!digest_build(cfg, st, now, &d, error))
		return FALSE;
	g_autoptr(reply_facts) words = reply_facts_digest(cfg, d->subject, d->text, d->html_body);
	for (guint i = 0; i < cfg->staff->len; i++) {
		const struct outmail m = { .cause = OUTBOX_DIGEST,
					   .cause_text = period,
					   .to = cfg->staff->pdata[i],
					   .mentions = (const gint64 *)(void *)d->mentions->data,
					   .n_mentions = d->mentions->len,
					   .chart = d->chart,
					   .attachment = d->attachment,
					   .attachment_type = d->attachment_type,
					   .attachment_name = d->attachment_name };
		if (!outbox_queue(cfg, st, &m, words, error))
			return FALSE;
	}
	return store_mark_digest(st, period, due, now, error);
}

gboolean digest_run(const struct nomd_config *cfg, struct store *st, gint64 now, gboolean force, gboolean *queued,
		    GError **error)
{
	*queued = FALSE;
	g_autofree char *period = NULL;
	gint64 due = now;
	if (force) {
		g_autoptr(GDateTime) t = g_date_time_new_from_unix_utc(now);
		period = g_date_time_format(t, "manual-%Y-%m-%dT%H:%M:%SZ");
	} else {
		g_autoptr(schedule) s = NULL;
		if (!schedule_parse(cfg->digest, cfg->timezone, &s, error))
			return FALSE;
		due = schedule_last_due(s, now, &period);
		if (!due || cfg->staff->len == 0)
			return TRUE;
	}
	if (!store_begin(st, error))
		return FALSE;
	gboolean sent = FALSE;
	gboolean ok = store_digest_sent(st, period, &sent, error);
	if (ok && !sent)
		ok = queue_digest(cfg, st, now, period, due, error);
	ok = ok && store_commit(st, error);
	if (!ok) {
		store_rollback(st);
		return FALSE;
	}
	*queued = !sent;
	if (*queued)
		log_info("digest %s queued to %u staff address(es)", period, cfg->staff->len);
	return TRUE;
}
