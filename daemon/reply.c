/* reply: fills the reply templates. Each kind of reply is a pair in
 * templates/: NAME.txt (first line "Subject: ...") and NAME.html, the
 * HTML one the body that layout.html frames. */
#include "reply.h"

#include <string.h>

#include <gio/gio.h>

#include "../parsers/subject.h"
#include "listing.h"
#include "template.h"
#include "util.h"

enum kind { K_CONFIRMATION, K_PROBLEM, K_FORM, K_STATUS, K_WITHDRAW, K_WITHDRAW_CONFIRM, K_REPLY_LIMIT, K_COUNT };

static const char *const kind_names[] = {
	[K_CONFIRMATION] = "confirmation",
	[K_PROBLEM] = "form-problem",
	[K_FORM] = "form",
	[K_STATUS] = "status",
	[K_WITHDRAW] = "withdraw",
	[K_WITHDRAW_CONFIRM] = "withdraw-confirm",
	[K_REPLY_LIMIT] = "staff-reply-limit",
};
_Static_assert(G_N_ELEMENTS(kind_names) == K_COUNT, "a template for every kind of reply");

/* Every name any reply template may use. */
static const char *const names[] = {
	"programme", "organisation", "from_address", "members",	 "max_members", "mentors",     "max_mentors",
	"subject",   "blank_form",   "summary",	     "nominees", "name",	"email",       "role",
	"accepted",  "refused",	     "amended",	     "reason",	 "notes",	"warnings",    "text",
	"problem",   "status_list",  "withdrawn",    "sender",	 "limit",	"held_folder", "token",
	"expires",   "own_fields",   "label",	     "hint",	 NULL,
};

static const char *const notice_files[] = {
	[NOTICE_WELCOME] = "welcome",
	[NOTICE_REMINDER] = "consent-reminder",
	[NOTICE_CONSENT_THANKS] = "consent-thanks",
	[NOTICE_CONSENT_DECLINED] = "consent-declined",
	[NOTICE_NOMINEE_DECLINED] = "nominee-declined",
	[NOTICE_CONSENT_UNCLEAR] = "consent-unclear",
	[NOTICE_CONSENT_INACTIVE] = "consent-inactive",
	[NOTICE_PAIR] = "pair-introduction",
	[NOTICE_PAIR_ENDED] = "pair-ended",
	[NOTICE_INVITATION] = "invitation",
	[NOTICE_EVENT_CANCELLED] = "event-cancelled",
	[NOTICE_EVENT_REMINDER] = "event-reminder",
	[NOTICE_RSVP] = "rsvp",
	[NOTICE_RSVP_PROMOTED] = "rsvp-promoted",
	[NOTICE_RSVP_CLOSED] = "rsvp-closed",
	[NOTICE_UNDELIVERABLE] = "nominee-undeliverable",
	[NOTICE_FIRST_MEETING] = "first-meeting",
	[NOTICE_CHECKIN] = "checkin",
	[NOTICE_FEEDBACK] = "feedback-request",
	[NOTICE_ANSWER_THANKS] = "answer-thanks",
	[NOTICE_ANSWER_UNCLEAR] = "answer-unclear",
	[NOTICE_REMATCHED] = "pair-rematched",
};
_Static_assert(G_N_ELEMENTS(notice_files) == NOTICE_COUNT, "a template for every kind of notice");

/* Every name a notice template may use. */
static const char *const notice_names[] = {
	"programme",
	"from_address",
	"person_name",
	"person_email",
	"person_role",
	"person_organisation",
	"is_member",
	"is_mentor",
	"nominator",
	"token",
	"privacy",
	"reminder_days",
	"partner_name",
	"partner_email",
	"partner_role",
	"partner_organisation",
	"partner_job_title",
	"partner_service",
	"partner_aspiration",
	"partner_expertise",
	"partner_format",
	"partner_location",
	"why",
	"event_title",
	"event_when",
	"event_where",
	"event_url",
	"event_description",
	"event_topic",
	"event_presenters",
	"accepted",
	"declined",
	"tentative",
	"waiting",
	"is_meeting",
	"is_checkin",
	"is_feedback",
	"again",
	"said_met",
	"said_not_yet",
	"said_good",
	"said_ok",
	"said_help",
	"rating",
	"checkin_days",
	"ends",
	NULL,
};

static const char *const round_files[] = {
	[ROUND_CALL] = "call",
	[ROUND_CHASER] = "chaser",
	[ROUND_CLOSED] = "round-closed",
};
_Static_assert(G_N_ELEMENTS(round_files) == ROUND_KIND_COUNT, "a template for every kind of round mail");

/* Every name a round template may use. */
static const char *const round_names[] = {
	"programme", "from_address", "organisation", "closes",	"days_left", "max_members", "max_mentors", "members",
	"mentors",   "blank_form",   "nominees",     "name",	"email",     "role",	    "confirmed",   "waiting",
	"to_fix",    "problem",	     "nothing_yet",  "unequal", "balance",   NULL,
};

/* Every name the HTML frame may use: it frames staff mail too. */
/* signed: the body is made from a text that ends with its own sign-off. */
static const char *const layout_names[] = { "programme", "from_address", "body", "to_staff", "signed", NULL };

struct reply_templates {
	struct template *layout;
	struct template *text[K_COUNT];
	struct template *html[K_COUNT];
	struct template *blank;
	struct template *notice_text[NOTICE_COUNT];
	struct template *notice_html[NOTICE_COUNT];
	struct template *round_text[ROUND_KIND_COUNT];
	struct template *round_html[ROUND_KIND_COUNT];
};

void reply_templates_free(struct reply_templates *t)
{
	if (!t)
		return;
	template_free(t->layout);
	for (int i = 0; i < K_COUNT; i++) {
		template_free(t->text[i]);
		template_free(t->html[i]);
	}
	template_free(t->blank);
	for (int i = 0; i < NOTICE_COUNT; i++) {
		template_free(t->notice_text[i]);
		template_free(t->notice_html[i]);
	}
	for (int i = 0; i < ROUND_KIND_COUNT; i++) {
		template_free(t->round_text[i]);
		template_free(t->round_html[i]);
	}
	g_free(t);
}

/* NAME.txt and NAME.html, each from `dir` when staff put it there. */
static gboolean load_pair(const char *dir, const char *name, const char *const *allowed, struct template **text,
			  struct template **html, GError **error)
{
	g_autofree char *txt = g_strconcat(name, ".txt", NULL);
	g_autofree char *htm = g_strconcat(name, ".html", NULL);
	*html = NULL;
	if (!(*text = template_open(dir, txt, allowed, error)))
		return FALSE;
	/* Words changed in the text alone are not left unchanged in the
	 * HTML: it is made from the text (see text_as_html). */
	if (dir && *dir) {
		g_autofree char *own_txt = g_build_filename(dir, txt, NULL);
		g_autofree char *own_htm = g_build_filename(dir, htm, NULL);
		if (g_file_test(own_txt, G_FILE_TEST_EXISTS) && !g_file_test(own_htm, G_FILE_TEST_EXISTS))
			return TRUE;
	}
	return (*html = template_open(dir, htm, allowed, error)) != NULL;
}

/* Whether a line of text starts a line of its own in HTML: a list item
 * or an indented line ("- Alex: accepted", "  STATUS ..."), or a short
 * one such as a sign-off's; other lines were wrapped and run on. */
static gboolean own_line(const char *line, const char *previous)
{
	return strchr("-*\xe2 \t", line[0]) || g_ascii_isdigit(line[0]) || strlen(previous) < 40;
}

/* A text part as the HTML body: escaped, a paragraph per run of lines,
 * wrapped lines run on, list items and short lines kept apart. */
static char *text_as_html(const char *text)
{
	GString *h = g_string_new(NULL);
	g_auto(GStrv) paragraphs = g_regex_split_simple("\\n[ \\t]*\\n", text, 0, 0);
	for (guint i = 0; paragraphs[i]; i++) {
		g_auto(GStrv) lines = g_strsplit(paragraphs[i], "\n", -1);
		g_autoptr(GString) p = g_string_new(NULL);
		const char *previous = NULL;
		for (guint k = 0; lines[k]; k++) {
			g_strchomp(lines[k]);
			if (!*lines[k])
				continue;
			g_autofree char *esc = g_markup_escape_text(lines[k], -1);
			if (previous)
				g_string_append(p, own_line(lines[k], previous) ? "<br>\n" : " ");
			g_string_append(p, previous ? esc : esc + strspn(esc, " \t"));
			previous = lines[k];
		}
		if (p->len)
			g_string_append_printf(h, "<p style=\"margin:0 0 16px 0;\">%s</p>\n", p->str);
	}
	return g_string_free(h, FALSE);
}

gboolean reply_templates_load(const char *dir, struct reply_templates **out, GError **error)
{
	/* A folder named but not there is a mistake, not "no overrides". */
	if (dir && *dir && !g_file_test(dir, G_FILE_TEST_IS_DIR)) {
		g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_NOENT, "templates: %s is not a folder", dir);
		return FALSE;
	}
	g_autoptr(reply_templates) t = g_new0(struct reply_templates, 1);
	if (!(t->layout = template_open(dir, "layout.html", layout_names, error)) ||
	    !(t->blank = template_open(dir, "blank-form.txt", names, error)))
		return FALSE;
	for (int i = 0; i < K_COUNT; i++)
		if (!load_pair(dir, kind_names[i], names, &t->text[i], &t->html[i], error))
			return FALSE;
	for (int i = 0; i < NOTICE_COUNT; i++)
		if (!load_pair(dir, notice_files[i], notice_names, &t->notice_text[i], &t->notice_html[i], error))
			return FALSE;
	for (int i = 0; i < ROUND_KIND_COUNT; i++)
		if (!load_pair(dir, round_files[i], round_names, &t->round_text[i], &t->round_html[i], error))
			return FALSE;
	*out = g_steal_pointer(&t);
	return TRUE;
}

/* The HTML body in the shared frame; `data` gains "body". */
static char *frame(const struct reply_templates *t, struct tdata *data, char *body)
{
	/* The layout puts the body on lines of its own. */
	gsize n = strlen(body);
	if (n && body[n - 1] == '\n')
		body[n - 1] = '\0';
	tdata_set_take(data, "body", body);
	return template_render(t->layout, data);
}

void reply_out_free(struct reply_out *r)
{
	if (!r)
		return;
	g_free(r->subject);
	g_free(r->text);
	g_free(r->html);
	g_free(r);
}

void status_entry_free(struct status_entry *e)
{
	if (!e)
		return;
	g_free(e->role);
	g_free(e->name);
	g_free(e->email);
	g_free(e);
}

static const char *problem_text(const char *code)
{
	if (g_strcmp0(code, REASON_UNKNOWN_ORGANISATION) == 0)
		return "We could not tell which organisation your nominations are for. Please add a line such as "
		       "\"Organisation: Fife Council\" at the top of the form, using your organisation's name as the "
		       "programme knows it.";
	if (g_strcmp0(code, REASON_CLOSED) == 0)
		return "Nominations for this round have closed.";
	return "We could not find any nominations in your message. Each person needs a section that starts with a "
	       "line \"Member\" or \"Mentor\", followed by at least \"Name:\" and \"Email:\" lines.";
}

/* What went wrong with an attached document, naming it (the name is
 * sanitised by the MIME walk; the HTML template escapes it). */
static char *document_problem(const char *code, const char *file)
{
	static const char *const instead =
		"Please send the form as a Word file (.docx) or paste it into the body of your email.";
	if (g_strcmp0(code, REASON_DOC_NO_TEXT) == 0)
		return g_strdup_printf("%s holds no text we can read (it may be a scanned image). Please send the Word "
				       "form or type the form into the body of your email.",
				       file);
	if (g_strcmp0(code, REASON_DOC_UNSUPPORTED) == 0)
		return g_strdup_printf("We cannot read %s: it is in a format we do not read (such as an old Word .doc "
				       "file, RTF, or a password-protected file). %s",
				       file, instead);
	if (g_strcmp0(code, REASON_DOC_TOO_LARGE) == 0)
		return g_strdup_printf("%s is larger than the %d MiB we can read. %s", file,
				       DOC_MAX_INPUT / (1024 * 1024), instead);
	return g_strdup_printf("We could not read %s (the file seems damaged). %s", file, instead);
}

/* A nominee's warnings are "warnings", the message's "notes": inside a
 * nominee, a name the nominee lacks would be looked up outside it. */
static void add_warnings(struct tdata *scope, const char *const *codes, guint n)
{
	for (guint i = 0; i < n && codes[i]; i++)
		tdata_set(tdata_add_item(scope, "warnings"), "text", reason_text(codes[i]));
}

/* A refusal of the programme's form in its own words: which field, and
 * what it takes. NULL for any other reason. */
static char *field_reason(const struct nomd_config *cfg, const struct verdict *v)
{
	const struct form_spec *spec = config_form(cfg);
	const struct nominee *n = v->nominee;
	if (g_strcmp0(v->reason, REASON_ROLE_MISSING) == 0 && cfg->n_roles == 2)
		return g_strdup_printf("the form needs to say which: \"Role: %s\" or \"Role: %s\"", cfg->roles[0].label,
				       cfg->roles[1].label);
	const struct form_field *full = v->full;
	if (g_strcmp0(v->reason, REASON_CHOICE_FULL) == 0 && full)
		return g_strdup_printf("the organisation already has %u nomination%s with \"%s: %s\", as many as the "
				       "programme takes",
				       full->per_organisation, full->per_organisation == 1 ? "" : "s", full->label,
				       nominee_value(n, full->id));
	if (g_strcmp0(v->reason, REASON_FIELD_MISSING) == 0) {
		const struct form_field *missing = nominee_missing(n, spec);
		return missing ? g_strdup_printf("the form needs \"%s:\" filled in", missing->label) : NULL;
	}
	const struct form_field *f = n->problem_field ? form_spec_field_by_id(spec, n->problem_field) : NULL;
	if (!f)
		return NULL;
	if (g_strcmp0(v->reason, REASON_NOT_A_CHOICE) == 0) {
		g_autoptr(GString) list = g_string_new(NULL);
		for (guint i = 0; f->choices && i < f->choices->len; i++)
			g_string_append_printf(list, "%s%s", i ? "; " : "", (const char *)f->choices->pdata[i]);
		return g_strdup_printf("\"%s: %s\" is not one of the choices: %s", f->label,
				       nominee_value(n, f->id) ? nominee_value(n, f->id) : "", list->str);
	}
	if (g_strcmp0(v->reason, REASON_NOT_A_NUMBER) == 0)
		return g_strdup_printf("\"%s:\" takes a number", f->label);
	if (g_strcmp0(v->reason, REASON_TOO_LONG) == 0)
		return g_strdup_printf("\"%s:\" has %u words; the programme takes at most %u", f->label, n->words,
				       f->max_words);
	return NULL;
}

static void fill_nominees(const struct nomd_config *cfg, struct tdata *data, const struct decision *d)
{
	for (guint i = 0; i < d->verdicts->len; i++) {
		const struct verdict *v = &g_array_index(d->verdicts, struct verdict, i);
		const struct nominee *n = v->nominee;
		struct tdata *item = tdata_add_item(data, "nominees");
		tdata_set(item, "name", n->name && *n->name ? n->name : "(no name given)");
		tdata_set(item, "email", n->email ? n->email : "");
		tdata_set_take(item, "role", config_role_word(cfg, n->role, FALSE));
		tdata_set_flag(item, "accepted", v->reason == NULL);
		tdata_set_flag(item, "refused", v->reason != NULL);
		tdata_set_flag(item, "amended", v->amended);
		g_autofree char *own = v->reason ? field_reason(cfg, v) : NULL;
		tdata_set(item, "reason", own ? own : v->reason ? reason_text(v->reason) : "");
		add_warnings(item, v->warnings, G_N_ELEMENTS(v->warnings));
	}
	/* Message-level notes; warnings of single nominees are shown with them. */
	for (guint i = 0; i < d->warnings->len; i++) {
		const char *w = d->warnings->pdata[i];
		if (strcmp(w, WARN_UNBALANCED) == 0 && cfg->n_roles == 2) {
			g_autofree char *a = config_role_word(cfg, 0, TRUE), *b = config_role_word(cfg, 1, TRUE);
			tdata_set_take(tdata_add_item(data, "notes"), "text",
				       g_strdup_printf("the programme asks for equal numbers of %s and %s", a, b));
		} else if (strcmp(w, WARN_NARROW_SERVICES) == 0) {
			tdata_set(tdata_add_item(data, "notes"), "text", reason_text(w));
		}
	}
	if (d->document) {
		/* The template ends the note with a full stop. */
		g_autofree char *note = document_problem(d->document_reason, d->document);
		note[strlen(note) - 1] = '\0';
		tdata_set_take(tdata_add_item(data, "notes"), "text",
			       g_strdup_printf("the nominations above are the ones we could read. %s", note));
	}
}

static char *summary(const struct decision *d)
{
	guint total = d->verdicts->len, accepted = 0;
	for (guint i = 0; i < total; i++)
		accepted += g_array_index(d->verdicts, struct verdict, i).reason == NULL;
	if (accepted == total)
		return total == 1 ? g_strdup("Your nomination has been accepted.")
				  : g_strdup_printf("All %u nominations have been accepted.", total);
	if (accepted == 0)
		return total == 1
			       ? g_strdup("Your nomination could not be accepted; the reason is below.")
			       : g_strdup_printf("None of the %u nominations could be accepted; the reasons are below.",
						 total);
	return g_strdup_printf("%u of %u nominations have been accepted; the others are explained below.", accepted,
			       total);
}

/* The organisation(s) a nominator may nominate for, when the form names
 * another or none of several: which, and what to write. */
static char *organisation_problem(const struct decision *d, const char *code)
{
	guint n = d->nominates_for->len;
	g_autofree const char **names = g_new(const char *, n);
	for (guint i = 0; i < n; i++)
		names[i] = ((const struct organisation *)d->nominates_for->pdata[i])->name;
	g_autofree char *list = words_joined(names, n, "and");
	const char *first = ((const struct organisation *)d->nominates_for->pdata[0])->name;
	if (g_strcmp0(code, REASON_WRONG_ORGANISATION) == 0)
		return g_strdup_printf("These nominations are for %s, but this address nominates only for %s, so "
				       "nothing was recorded. Nominations for %s need to come from its own nominator. "
				       "To nominate for %s, send the form again with the line \"Organisation: %s\" at "
				       "the top.",
				       d->detail, list, d->detail, n == 1 ? first : "one of yours", first);
	return g_strdup_printf("This address nominates for %s, and we could not tell which of them your "
			       "nominations are for. Please add a line such as \"Organisation: %s\" at the top of the "
			       "form.",
			       list, first);
}

static char *problem(const struct decision *d)
{
	const char *code = d->reasons->len ? d->reasons->pdata[0] : REASON_NO_NOMINATIONS;
	if (d->document && d->document_reason && g_strcmp0(code, d->document_reason) == 0)
		return document_problem(code, d->document);
	if (d->nominates_for && d->nominates_for->len &&
	    (g_strcmp0(code, REASON_WRONG_ORGANISATION) == 0 || g_strcmp0(code, REASON_UNKNOWN_ORGANISATION) == 0))
		return organisation_problem(d, code);
	return g_strdup(problem_text(code));
}

static enum kind choose(const struct decision *d)
{
	if (d->command == CMD_FORM)
		return K_FORM;
	if (d->command == CMD_STATUS)
		return K_STATUS;
	if (d->command == CMD_WITHDRAW || d->command == CMD_CONFIRM)
		return K_WITHDRAW;
	if (d->command == CMD_WITHDRAW_PENDING)
		return K_WITHDRAW_CONFIRM;
	return d->verdicts->len ? K_CONFIRMATION : K_PROBLEM;
}

/* "Subject: ..." on the first line of the text, taken off it. */
static char *take_subject(char **text)
{
	if (g_ascii_strncasecmp(*text, "subject:", 8) != 0)
		return NULL;
	char *nl = strchr(*text, '\n');
	g_autofree char *line = nl ? g_strndup(*text + 8, nl - *text - 8) : g_strdup(*text + 8);
	char *rest = g_strdup(nl ? nl + 1 : "");
	while (*rest == '\n') /* the blank line after the subject */
		memmove(rest, rest + 1, strlen(rest));
	g_free(*text);
	*text = rest;
	return g_strdup(g_strstrip(line));
}

void reply_facts_free(struct reply_facts *f)
{
	if (!f)
		return;
	g_free(f->template);
	tdata_free(f->data);
	g_free(f->fallback_subject);
	g_free(f->token);
	g_free(f->tag);
	g_free(f);
}

/* The programme's own fields for the blank form: each label, and in
 * brackets (which the form reader takes for a hint, not an answer) what
 * it takes. */
static void add_own_fields(const struct nomd_config *cfg, struct tdata *data)
{
	const struct form_spec *spec = config_form(cfg);
	for (guint i = 0; i < spec->fields->len; i++) {
		const struct form_field *f = spec->fields->pdata[i];
		if (f->slot != SLOT_NONE)
			continue;
		struct tdata *item = tdata_add_item(data, "own_fields");
		tdata_set(item, "label", f->label);
		g_autoptr(GString) hint = g_string_new(NULL);
		if (f->choices) {
			g_autofree char *list =
				words_joined((const char *const *)f->choices->pdata, f->choices->len, "or");
			g_string_printf(hint, "(%s)", list);
		} else if (f->type == FIELD_LONG && f->max_words)
			g_string_printf(hint, "(up to %u words, on the lines below)", f->max_words);
		else if (f->type == FIELD_LONG)
			g_string_assign(hint, "(on the lines below)");
		else if (f->type == FIELD_NUMBER)
			g_string_assign(hint, "(a number)");
		tdata_set(item, "hint", hint->str);
	}
}

static struct reply_facts *facts_new(const char *template, const struct nomd_config *cfg)
{
	struct reply_facts *f = g_new0(struct reply_facts, 1);
	f->template = g_strdup(template);
	f->data = tdata_new();
	tdata_set(f->data, "programme", cfg->programme.name);
	tdata_set(f->data, "from_address", cfg->smtp.from_address);
	add_own_fields(cfg, f->data);
	return f;
}

/* The text and HTML templates named `name`; *is_reply when it answers a
 * nominator (the blank form may be shown). */
static gboolean find_pair(const struct reply_templates *t, const char *name, const struct template **text,
			  const struct template **html, gboolean *is_reply)
{
	for (int i = 0; i < K_COUNT; i++)
		if (strcmp(name, kind_names[i]) == 0) {
			*text = t->text[i], *html = t->html[i], *is_reply = TRUE;
			return TRUE;
		}
	for (int i = 0; i < NOTICE_COUNT; i++)
		if (strcmp(name, notice_files[i]) == 0) {
			*text = t->notice_text[i], *html = t->notice_html[i], *is_reply = FALSE;
			return TRUE;
		}
	/* Mail to nominators: the blank form may be shown, as in a reply. */
	for (int i = 0; i < ROUND_KIND_COUNT; i++)
		if (strcmp(name, round_files[i]) == 0) {
			*text = t->round_text[i], *html = t->round_html[i], *is_reply = TRUE;
			return TRUE;
		}
	return FALSE;
}

struct reply_out *reply_facts_render(const struct reply_templates *t, struct reply_facts *f, GError **error)
{
	struct reply_out *r = g_new0(struct reply_out, 1);
	if (strcmp(f->template, REPLY_DIGEST) == 0) {
		/* Written by digest.c, not from a template; framed like the rest. */
		r->subject = g_strdup(tdata_get(f->data, "subject"));
		r->text = g_strdup(tdata_get(f->data, "text"));
		r->html = frame(t, f->data, g_strdup(tdata_get(f->data, "body")));
		return r;
	}
	const struct template *text = NULL, *html = NULL;
	gboolean is_reply = FALSE;
	if (!find_pair(t, f->template, &text, &html, &is_reply)) {
		g_set_error(error, TEMPLATE_ERROR, 0, "no template %s", f->template);
		reply_out_free(r);
		return NULL;
	}
	if (is_reply)
		tdata_set_take(f->data, "blank_form", template_render(t->blank, f->data));
	r->text = template_render(text, f->data);
	r->subject = take_subject(&r->text);
	if (!r->subject || !*r->subject) {
		g_free(r->subject);
		r->subject = g_strdup(f->fallback_subject ? f->fallback_subject : "");
	}
	tdata_set_flag(f->data, "signed", html == NULL);
	r->html = frame(t, f->data, html ? template_render(html, f->data) : text_as_html(r->text));
	/* A reference that finds a record stays in the subject however staff
	 * edit the template. */
	if (f->token && *f->token && !strstr(r->subject, f->token)) {
		char *with = g_strdup_printf("%s %s", r->subject, f->tag);
		g_free(r->subject);
		r->subject = with;
	}
	return r;
}

/* Facts rendered at once: previews, tests. */
static struct reply_out *render_now(const struct reply_templates *t, struct reply_facts *f)
{
	g_autoptr(GError) error = NULL;
	struct reply_out *r = reply_facts_render(t, f, &error);
	reply_facts_free(f);
	if (!r)
		g_error("reply: %s", error->message); /* every template is loaded, by name */
	return r;
}

static void set_person(const struct nomd_config *cfg, struct tdata *data, const char *prefix,
		       const struct notice_person *p)
{
	/* The role in the programme's word ("mentee"), not the stored one. */
	g_autofree char *role = config_stored_role_word(cfg, p->role);
	const struct {
		const char *name, *value;
	} fields[] = {
		{ "name", p->name },
		{ "email", p->email },
		{ "role", role },
		{ "organisation", p->organisation },
		{ "job_title", p->job_title },
		{ "service", p->service },
		{ "aspiration", p->aspiration },
		{ "expertise", p->expertise },
		{ "format", p->format },
		{ "location", p->location },
	};
	for (size_t i = 0; i < G_N_ELEMENTS(fields); i++) {
		if (!fields[i].value || !*fields[i].value)
			continue;
		g_autofree char *key = g_strconcat(prefix, fields[i].name, NULL);
		tdata_set(data, key, fields[i].value);
	}
}

struct reply_facts *reply_facts_notice(const struct nomd_config *cfg, enum notice_kind k, const struct notice *n)
{
	struct reply_facts *f = facts_new(notice_files[k], cfg);
	struct tdata *data = f->data;
	set_person(cfg, data, "person_", &n->person);
	set_person(cfg, data, "partner_", &n->partner);
	if (!n->person.name || !*n->person.name)
		tdata_set(data, "person_name", "colleague");
	tdata_set_flag(data, "is_member", g_strcmp0(n->person.role, "member") == 0);
	tdata_set_flag(data, "is_mentor", g_strcmp0(n->person.role, "mentor") == 0);
	tdata_set(data, "nominator", n->nominator ? n->nominator : cfg->smtp.from_address);
	/* Only mail to the nominee about their answer carries the reference:
	 * it finds what they answer (only their own address counts). */
	gboolean asks = k <= NOTICE_CONSENT_DECLINED || k == NOTICE_CONSENT_UNCLEAR || k == NOTICE_CONSENT_INACTIVE ||
			(k >= NOTICE_FIRST_MEETING && k <= NOTICE_ANSWER_UNCLEAR);
	const char *token = asks && n->token && *n->token ? n->token : NULL;
	tdata_set(data, "token", token ? token : "");
	tdata_set(data, "privacy", cfg->consent.privacy_notice);
	tdata_set_take(data, "reminder_days", g_strdup_printf("%d", cfg->consent.reminder_days));
	tdata_set(data, "why", n->why);
	tdata_set(data, "event_title", n->event_title);
	tdata_set(data, "event_when", n->event_when);
	tdata_set(data, "event_where", n->event_where);
	tdata_set(data, "event_url", n->event_url);
	tdata_set(data, "event_description", n->event_description);
	tdata_set(data, "event_topic", n->event_topic);
	tdata_set(data, "event_presenters", n->event_presenters);
	for (enum rsvp a = RSVP_NONE + 1; a < RSVP_COUNT; a++) /* {{#accepted}} ... {{#waiting}} */
		tdata_set_flag(data, rsvp_name(a), n->answer == a);
	gboolean about_ask = k >= NOTICE_FIRST_MEETING && k <= NOTICE_ANSWER_UNCLEAR;
	tdata_set_flag(data, "is_meeting", about_ask && n->ask == ASK_MEETING);
	tdata_set_flag(data, "is_checkin", about_ask && n->ask == ASK_CHECKIN);
	tdata_set_flag(data, "is_feedback", about_ask && n->ask == ASK_FEEDBACK);
	tdata_set_flag(data, "again", n->again);
	const struct {
		const char *flag;
		enum answer a;
	} said[] = { { "said_met", ANSWER_MET },
		     { "said_not_yet", ANSWER_NOT_YET },
		     { "said_good", ANSWER_GOOD },
		     { "said_ok", ANSWER_OK },
		     { "said_help", ANSWER_HELP } };
	for (size_t i = 0; i < G_N_ELEMENTS(said); i++)
		tdata_set_flag(data, said[i].flag, k == NOTICE_ANSWER_THANKS && n->said == said[i].a);
	gboolean rated = k == NOTICE_ANSWER_THANKS && n->said >= ANSWER_RATING_1 && n->said < ANSWER_COUNT;
	tdata_set(data, "rating", rated ? answer_name(n->said) : "");
	tdata_set_take(data, "checkin_days", g_strdup_printf("%d", cfg->mentoring.checkin_days));
	tdata_set(data, "ends", n->ends);
	f->fallback_subject = g_strdup(cfg->programme.name);
	/* The reference is how an answer finds its nominee. */
	if (token) {
		f->token = g_strdup(token);
		f->tag = g_strdup_printf("[ref %s]", token);
	}
	return f;
}

static void add_round_people(const struct nomd_config *cfg, struct tdata *data, const char *list,
			     const GPtrArray *people)
{
	for (guint i = 0; people && i < people->len; i++) {
		const struct round_person *p = people->pdata[i];
		struct tdata *item = tdata_add_item(data, list);
		tdata_set(item, "name", p->name && *p->name ? p->name : "(no name given)");
		tdata_set(item, "email", p->email && *p->email ? p->email : "(no address given)");
		tdata_set_take(item, "role", config_stored_role_word(cfg, p->role));
		tdata_set_flag(item, "confirmed", p->confirmed);
		tdata_set(item, "problem", p->problem);
	}
}

struct reply_facts *reply_facts_round(const struct nomd_config *cfg, enum round_kind k, const struct round_letter *l)
{
	struct reply_facts *f = facts_new(round_files[k], cfg);
	struct tdata *data = f->data;
	tdata_set(data, "organisation", l->organisation);
	tdata_set(data, "closes", l->closes);
	tdata_set_take(data, "days_left", g_strdup_printf("%d", l->days_left));
	tdata_set_take(data, "members", g_strdup_printf("%d", l->members));
	tdata_set_take(data, "mentors", g_strdup_printf("%d", l->mentors));
	tdata_set_take(data, "max_members", listing_quota_text(cfg, 0));
	tdata_set_take(data, "max_mentors", listing_quota_text(cfg, 1));
	add_round_people(cfg, data, "nominees", l->nominees);
	add_round_people(cfg, data, "to_fix", l->to_fix);
	gboolean waiting = FALSE;
	for (guint i = 0; l->nominees && i < l->nominees->len; i++)
		waiting |= !((const struct round_person *)l->nominees->pdata[i])->confirmed;
	tdata_set_flag(data, "waiting", waiting);
	tdata_set_flag(data, "nothing_yet", l->members + l->mentors == 0 && (!l->to_fix || !l->to_fix->len));
	tdata_set_flag(data, "unequal", l->balance && *l->balance);
	tdata_set(data, "balance", l->balance ? l->balance : "");
	f->fallback_subject = g_strdup(cfg->programme.name);
	return f;
}

struct reply_facts *reply_facts_reply_limit(const struct nomd_config *cfg, const char *sender)
{
	struct reply_facts *f = facts_new(kind_names[K_REPLY_LIMIT], cfg);
	tdata_set(f->data, "sender", sender);
	tdata_set_take(f->data, "limit", g_strdup_printf("%d", cfg->smtp.max_replies_per_sender_per_hour));
	tdata_set(f->data, "held_folder", cfg->imap.held);
	tdata_set_flag(f->data, "to_staff", TRUE);
	f->fallback_subject = g_strdup_printf("nomd: mail from %s held (reply limit)", sender);
	return f;
}

struct reply_out *reply_render_reply_limit(const struct nomd_config *cfg, const struct reply_templates *t,
					   const char *sender)
{
	return render_now(t, reply_facts_reply_limit(cfg, sender));
}

struct reply_facts *reply_facts_digest(const struct nomd_config *cfg, const char *subject, const char *text,
				       const char *html_body)
{
	struct reply_facts *f = facts_new(REPLY_DIGEST, cfg);
	tdata_set_flag(f->data, "to_staff", TRUE);
	tdata_set(f->data, "subject", subject);
	tdata_set(f->data, "text", text);
	tdata_set(f->data, "body", html_body);
	return f;
}

struct reply_facts *reply_facts_of(const struct nomd_config *cfg, const struct decision *d, const char *subject,
				   GPtrArray *status)
{
	enum kind k = choose(d);
	struct reply_facts *f = facts_new(kind_names[k], cfg);
	struct tdata *data = f->data;
	tdata_set(data, "organisation", d->org ? d->org->name : "your organisation");
	tdata_set_take(data, "members", g_strdup_printf("%d", d->members));
	tdata_set_take(data, "mentors", g_strdup_printf("%d", d->mentors));
	tdata_set_take(data, "max_members", listing_quota_text(cfg, 0));
	tdata_set_take(data, "max_mentors", listing_quota_text(cfg, 1));
	/* One "Re:" is enough however many Re: and Fwd: the thread has collected. */
	const char *s = subject_clean(subject);
	tdata_set(data, "subject", *s ? s : "your nominations");
	switch (k) {
	case K_CONFIRMATION:
		tdata_set_take(data, "summary", summary(d));
		fill_nominees(cfg, data, d);
		break;
	case K_PROBLEM: tdata_set_take(data, "problem", problem(d)); break;
	case K_STATUS:
		for (guint i = 0; status && i < status->len; i++) {
			const struct status_entry *e = status->pdata[i];
			struct tdata *item = tdata_add_item(data, "status_list");
			tdata_set(item, "name", e->name);
			tdata_set(item, "email", e->email);
			tdata_set_take(item, "role", config_stored_role_word(cfg, e->role));
		}
		break;
	case K_WITHDRAW:
		tdata_set_flag(data, "withdrawn", d->withdraw != NULL);
		tdata_set(data, "email", d->withdraw ? d->withdraw : d->detail ? d->detail : "the nomination");
		tdata_set(data, "reason", reason_text(d->reasons->len ? d->reasons->pdata[0] : REASON_NOT_FOUND));
		break;
	case K_WITHDRAW_CONFIRM: {
		tdata_set(data, "email", d->withdraw);
		tdata_set(data, "token", d->confirm_token);
		g_autoptr(GTimeZone) tz = g_time_zone_new_identifier(cfg->timezone);
		g_autoptr(GDateTime) utc = g_date_time_new_from_unix_utc(d->confirm_expires);
		g_autoptr(GDateTime) local = tz && utc ? g_date_time_to_timezone(utc, tz) : NULL;
		tdata_set_take(data, "expires",
			       local ? g_date_time_format(local, "%-d %B %Y, %H:%M") : g_strdup("7 days"));
		break;
	}
	case K_FORM:
	case K_REPLY_LIMIT:
	case K_COUNT: break;
	}
	f->fallback_subject = g_strdup_printf("Re: %s", subject && *subject ? subject : "your nominations");
	/* The token is how the confirmation finds its request. */
	if (k == K_WITHDRAW_CONFIRM && d->confirm_token) {
		f->token = g_strdup(d->confirm_token);
		f->tag = g_strdup_printf("[confirm %s]", d->confirm_token);
	}
	return f;
}

struct reply_out *reply_render(const struct nomd_config *cfg, const struct reply_templates *t, const struct decision *d,
			       const char *subject, GPtrArray *status)
{
	return render_now(t, reply_facts_of(cfg, d, subject, status));
}

GBytes *reply_form_document(GError **error)
{
	return g_resources_lookup_data("/org/nomd/" REPLY_FORM_FILENAME, G_RESOURCE_LOOKUP_FLAGS_NONE, error);
}

char *reply_blank_form(const struct nomd_config *cfg, const struct reply_templates *t)
{
	g_autoptr(reply_facts) f = facts_new("form", cfg);
	return template_render(t->blank, f->data);
}
