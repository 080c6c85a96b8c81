/* fuzz_template: libFuzzer target for the template engine, daemon/template.h.
 *
 * One input is the text of one template. template_load() reads only files,
 * so the input is written to a temporary folder of this process (made once,
 * removed at exit) as t.txt and as t.html, and each is loaded with a fixed
 * list of allowed names: every placeholder templates/ uses plus a few of
 * our own (items, sub, flag, off, empty). Each loaded template is rendered
 * with values that hold HTML metacharacters ("<!V!>&'\"", non-ASCII text),
 * flags on and off, an empty string, and lists (nominees, status_list,
 * items, ...) with nested lists in their items; and again with the same
 * values free of metacharacters.
 *
 * Checked:
 *   - a load either gives a template and no error, or NULL and a GError
 *     whose message starts with the file's path (then ":LINE:" with a line
 *     of the file, or ": "); t.txt and t.html load or fail alike, with the
 *     same message;
 *   - the output is valid UTF-8 (the input must be, or the load fails);
 *   - escaping: in the .html rendering no '<' of a {{name}} value comes
 *     out raw: without {{{ }}} in the template (and no "!V!" of its own)
 *     "<!V!" never appears; a template with {{{ }}} is also checked with
 *     every {{{ and }}} made {{ and }};
 *   - with values free of metacharacters the .html and .txt renderings are
 *     the same text (the only difference between them is the escaping),
 *     and with metacharacters they insert as many values.
 *
 * Replay an input: build/fuzz/fuzz_template FILE */
#define FUZZ_TARGET "fuzz_template"
#include "fuzz_common.h"

#include <fcntl.h>
#include <glib/gstdio.h>
#include <unistd.h>

#include "../../daemon/template.h"

/* The names templates/ uses (daemon/reply.c, notify.c, events.c), and ours. */
static const char *const allowed[] = { "accepted", "amended", "blank_form", "declined", "email", "event_description",
				       "event_title", "event_url", "event_when", "event_where", "from_address",
				       "held_folder", "is_member", "is_mentor", "limit", "max_members", "max_mentors",
				       "members", "mentors", "name", "nominator", "nominees", "notes", "organisation",
				       "partner_aspiration", "partner_email", "partner_expertise", "partner_format",
				       "partner_job_title", "partner_location", "partner_name", "partner_organisation",
				       "partner_service", "person_email", "person_name", "person_organisation",
				       "person_role", "privacy", "problem", "programme", "reason", "refused",
				       "reminder_days", "role", "sender", "status_list", "subject", "summary",
				       "tentative", "text", "token", "waiting", "warnings", "why", "withdrawn",
				       /* ours */
				       "items", "sub", "flag", "off", "empty", NULL };

/* Flags and lists; every other allowed name is a string. */
static const char *const flags_on[] = { "is_member", "flag", "accepted", NULL };
static const char *const flags_off[] = { "is_mentor", "withdrawn", "off", "tentative", NULL };
static const char *const lists[] = { "nominees", "status_list", "notes", "warnings",
				     "declined", "waiting",	"items", NULL };

#define MARK "<!V!>"

static char *dir, *path_txt, *path_html;

static gboolean listed(const char *const *list, const char *name)
{
	return g_strv_contains(list, name);
}

/* A value for `name` at nesting `level`: with metacharacters, or plain. */
static char *value_of(const char *name, int level, gboolean meta)
{
	if (meta)
		return g_strdup_printf(MARK "%s%d & 'Siobhán' \"Ní\" ✓ </p>", name, level);
	return g_strdup_printf("%s %d Siobhán Ní ✓", name, level);
}

static void set_strings(struct tdata *d, int level, gboolean meta)
{
	for (const char *const *n = allowed; *n; n++)
		if (!listed(flags_on, *n) && !listed(flags_off, *n) && !listed(lists, *n) && strcmp(*n, "empty") != 0 &&
		    strcmp(*n, "sub") != 0)
			tdata_set_take(d, *n, value_of(*n, level, meta));
}

static struct tdata *make_data(gboolean meta)
{
	struct tdata *d = tdata_new();
	set_strings(d, 0, meta);
	tdata_set(d, "empty", "");
	for (const char *const *n = flags_on; *n; n++)
		tdata_set_flag(d, *n, TRUE);
	for (const char *const *n = flags_off; *n; n++)
		tdata_set_flag(d, *n, FALSE);
	/* Two items a list; an item sets a few names of its own (shadowing the
	 * outer ones), flags that differ between items, and a nested list. */
	for (const char *const *l = lists; *l; l++) {
		for (int i = 1; i <= 2; i++) {
			struct tdata *item = tdata_add_item(d, *l);
			static const char *const own[] = { "name", "email", "role", "reason", "text", "person_name" };
			for (size_t k = 0; k < G_N_ELEMENTS(own); k++)
				tdata_set_take(item, own[k], value_of(own[k], i, meta));
			tdata_set_flag(item, "accepted", i == 1);
			tdata_set_flag(item, "refused", i == 2);
			tdata_set_flag(item, "amended", i == 2);
			tdata_set(item, "empty", i == 1 ? "" : "not empty");
			struct tdata *sub = tdata_add_item(item, "sub");
			tdata_set_take(sub, "text", value_of("subtext", i, meta));
			struct tdata *warn = tdata_add_item(item, "warnings");
			tdata_set_take(warn, "text", value_of("warning", i, meta));
		}
	}
	return d;
}

static struct tdata *data_meta, *data_plain;

static void cleanup(void)
{
	if (path_txt)
		g_unlink(path_txt);
	if (path_html)
		g_unlink(path_html);
	if (dir)
		g_rmdir(dir);
}

static void write_file(const char *path, const void *data, size_t size)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	CHECK(fd >= 0, "cannot write %s", path);
	const char *p = data;
	while (size > 0) {
		ssize_t n = write(fd, p, size);
		CHECK(n > 0, "cannot write %s", path);
		p += n;
		size -= (size_t)n;
	}
	close(fd);
}

static void check_error(const GError *error, const char *path, gsize lines)
{
	CHECK(error != NULL, "template_load of %s failed without an error", path);
	CHECK(error->domain == TEMPLATE_ERROR || error->domain == G_FILE_ERROR, "a %s error: %s",
	      g_quark_to_string(error->domain), error->message);
	fuzz_check_utf8("error message", error->message);
	const char *m = error->message;
	CHECK(g_str_has_prefix(m, path) && m[strlen(path)] == ':', "error does not start with \"%s:\": %s", path, m);
	const char *rest = m + strlen(path) + 1;
	if (g_ascii_isdigit(*rest)) {
		char *end = NULL;
		guint64 line = g_ascii_strtoull(rest, &end, 10);
		CHECK(*end == ':' && end[1] == ' ', "error is not FILE:LINE: message: %s", m);
		CHECK(line >= 1 && line <= lines, "error names line %" G_GUINT64_FORMAT " of a %zu-line file: %s", line,
		      (size_t)lines, m);
	} else {
		CHECK(*rest == ' ', "error is not \"FILE: message\": %s", m);
	}
}

static char *render_checked(const struct template *t, const struct tdata *d, const char *what)
{
	char *out = template_render(t, d);
	CHECK(out != NULL, "template_render of %s returned NULL", what);
	fuzz_check_utf8(what, out);
	return out;
}

/* Load the input written as t.txt and t.html; returns whether they loaded. */
static gboolean load_both(const char *text, gsize size, struct template **txt, struct template **html)
{
	gsize lines = 1;
	for (gsize i = 0; i < size; i++)
		lines += text[i] == '\n';
	write_file(path_txt, text, size);
	write_file(path_html, text, size);
	GError *e_txt = NULL, *e_html = NULL;
	*txt = template_load(dir, "t.txt", allowed, &e_txt);
	*html = template_load(dir, "t.html", allowed, &e_html);
	if (*txt)
		CHECK(e_txt == NULL, "template_load succeeded and set an error: %s", e_txt->message);
	else
		check_error(e_txt, path_txt, lines);
	if (*html)
		CHECK(e_html == NULL, "template_load succeeded and set an error: %s", e_html->message);
	else
		check_error(e_html, path_html, lines);
	CHECK(!*txt == !*html, "t.txt %s but t.html %s", *txt ? "loads" : e_txt->message,
	      *html ? "loads" : e_html->message);
	if (e_txt && e_html)
		CHECK(strcmp(e_txt->message + strlen(path_txt), e_html->message + strlen(path_html)) == 0,
		      "t.txt and t.html fail differently: %s / %s", e_txt->message, e_html->message);
	g_clear_error(&e_txt);
	g_clear_error(&e_html);
	return *txt != NULL;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fuzz_common_init();
	dir = g_dir_make_tmp("nomd-fuzz-template-XXXXXX", NULL);
	if (!dir) {
		fprintf(stderr, FUZZ_TARGET ": no temporary folder\n");
		exit(2);
	}
	path_txt = g_build_filename(dir, "t.txt", NULL);
	path_html = g_build_filename(dir, "t.html", NULL);
	atexit(cleanup);
	data_meta = make_data(TRUE);
	data_plain = make_data(FALSE);

	/* A file that is not there: a GError, not a crash. */
	g_autoptr(GError) error = NULL;
	g_autoptr(template) missing = template_load(dir, "missing.txt", allowed, &error);
	CHECK(missing == NULL && error != NULL, "a missing template loaded");
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *text = (const char *)data;
	/* NOMD_FUZZ_IGNORE=template-empty-tag: skip "{{}}" (add_tag() reads
	 * past the end of an empty tag) to look for other bugs. */
	if (fuzz_skip("template-empty-tag", size >= 4 && memmem(text, size, "{{}}", 4)))
		return 0;

	g_autoptr(template) txt = NULL;
	g_autoptr(template) html = NULL;
	if (!load_both(text, size, &txt, &html))
		return 0;

	g_autofree char *out_txt = render_checked(txt, data_meta, "text rendering");
	g_autofree char *out_html = render_checked(html, data_meta, "HTML rendering");
	g_autofree char *plain_txt = render_checked(txt, data_plain, "text rendering");
	g_autofree char *plain_html = render_checked(html, data_plain, "HTML rendering");
	/* The template may spell the mark itself, also in pieces a tag
	 * joins ("<!V{{/items}}!"): then the values are not what shows it. */
	gboolean own_mark =
		memmem(text, size, "!V!", 3) != NULL || strstr(plain_txt, "!V!") || strstr(plain_html, "!V!");
	gboolean raw_tags = memmem(text, size, "{{{", 3) != NULL;
	if (!own_mark)
		CHECK(fuzz_count(out_txt, "!V!") == fuzz_count(out_html, "!V!"),
		      "the .txt rendering inserts %zu values, the .html one %zu", fuzz_count(out_txt, "!V!"),
		      fuzz_count(out_html, "!V!"));
	if (!own_mark && !raw_tags)
		CHECK_NAMED("template-escape", !strstr(out_html, "<!V!"),
			    "a {{name}} value comes out unescaped in HTML: ...%.80s", strstr(out_html, "<!V!"));

	CHECK(strcmp(plain_txt, plain_html) == 0,
	      "with plain values the .html and .txt renderings differ (%zu and %zu bytes)", strlen(plain_html),
	      strlen(plain_txt));

	if (raw_tags && !own_mark) {
		/* The same with every {{{ and }}} made {{ and }}: no raw tags. */
		g_autofree char *flat = g_strndup(text, size);
		GString *s = g_string_new(NULL);
		for (const char *p = flat; *p;) {
			if (strncmp(p, "{{{", 3) == 0 || strncmp(p, "}}}", 3) == 0) {
				g_string_append_len(s, p, 2);
				p += 3;
			} else {
				g_string_append_c(s, *p++);
			}
		}
		g_autoptr(template) t2 = NULL;
		g_autoptr(template) h2 = NULL;
		if (load_both(s->str, s->len, &t2, &h2)) {
			g_autofree char *out2 = render_checked(h2, data_meta, "HTML rendering");
			CHECK_NAMED("template-escape", !strstr(out2, "<!V!"),
				    "a {{name}} value comes out unescaped in HTML: ...%.80s", strstr(out2, "<!V!"));
		}
		g_string_free(s, TRUE);
	}
	return 0;
}
