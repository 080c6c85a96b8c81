/* Unit tests: the mustache-subset template engine. */
#include <glib/gstdio.h>

#include "../../daemon/template.h"
#include "tap.h"

static char *dir;
static const char *const allowed[] = { "name", "items", "flag", "empty", "text", "html", NULL };

static char *render(const char *file, const char *text, const struct tdata *data, GError **error)
{
	g_autofree char *path = g_build_filename(dir, file, NULL);
	g_file_set_contents(path, text, -1, NULL);
	g_autoptr(template) t = template_load(dir, file, allowed, error);
	return t ? template_render(t, data) : NULL;
}

int main(void)
{
	dir = g_dir_make_tmp("nomd-template-XXXXXX", NULL);
	g_autoptr(tdata) d = tdata_new();
	tdata_set(d, "name", "Siobhán <&> \"Ní\"");
	tdata_set_flag(d, "flag", TRUE);
	tdata_set(d, "empty", "");
	tdata_set(tdata_add_item(d, "items"), "text", "one");
	tdata_set(tdata_add_item(d, "items"), "text", "two");
	g_autoptr(GError) e = NULL;

	g_autofree char *a = render("a.txt", "Hi {{name}}!\n", d, &e);
	is_str(a, "Hi Siobhán <&> \"Ní\"!\n", "text templates are not escaped");
	g_autofree char *b = render("b.html", "<p>{{name}}</p><p>{{{name}}}</p>", d, &e);
	is_str(b, "<p>Siobhán &lt;&amp;&gt; &quot;Ní&quot;</p><p>Siobhán <&> \"Ní\"</p>",
	       "{{ }} escaped in HTML, {{{ }}} raw");
	g_autofree char *c = render("c.txt", "List:\n{{#items}}\n- {{text}}\n{{/items}}\nEnd\n", d, &e);
	is_str(c, "List:\n- one\n- two\nEnd\n", "a list repeats; standalone section lines vanish");
	g_autofree char *f =
		render("f.txt",
		       "{{#flag}}on{{/flag}}{{^flag}}off{{/flag}} {{#empty}}x{{/empty}}{{^empty}}none{{/empty}} "
		       "{{^missing_is_not_allowed}}{{/missing_is_not_allowed}}",
		       d, &e);
	ok(f == NULL && e && strstr(e->message, "unknown placeholder"),
	   "a name the caller does not know is refused: %s", e ? e->message : "");
	g_clear_error(&e);
	g_autofree char *empty = render("e.txt", "a{{}}b", d, &e);
	ok(empty == NULL && e && strstr(e->message, "unknown placeholder {{}}"),
	   "an empty tag is refused, not read past");
	g_clear_error(&e);
	g_autofree char *g = render(
		"g.txt", "{{#flag}}on{{/flag}}{{^flag}}off{{/flag}} {{#empty}}x{{/empty}}{{^empty}}none{{/empty}}", d,
		&e);
	is_str(g, "on none", "flags and empty values in sections and inverted sections");
	g_autofree char *h = render("h.txt", "{{#items}}{{name}}:{{text}} {{/items}}", d, &e);
	is_str(h, "Siobhán <&> \"Ní\":one Siobhán <&> \"Ní\":two ", "inner scopes see outer names");
	g_autofree char *i = render("i.txt", "{{#items}}never closed\n", d, &e);
	ok(i == NULL && e && strstr(e->message, "never closed"), "an unclosed section is refused: %s",
	   e ? e->message : "");
	g_clear_error(&e);
	g_autofree char *j = render("j.txt", "line one\n{{/items}}\n", d, &e);
	ok(j == NULL && e && strstr(e->message, "j.txt:2:"), "a stray close names its line: %s", e ? e->message : "");
	g_clear_error(&e);
	g_autofree char *k = render("k.txt", "{{name", d, &e);
	ok(k == NULL && e, "an unterminated tag is refused");
	g_clear_error(&e);

	/* Built in: every shipped template, the same text as templates/. */
	g_auto(GStrv) names = template_builtin_names();
	g_autofree char *shipped_dir = tap_source_path("templates");
	guint same = 0, count = g_strv_length(names);
	for (guint n = 0; n < count; n++) {
		g_autofree char *path = g_build_filename(shipped_dir, names[n], NULL);
		g_autofree char *want = NULL;
		g_autoptr(GBytes) got = template_builtin(names[n], NULL);
		gsize len = 0;
		same += got && g_file_get_contents(path, &want, &len, NULL) && len == g_bytes_get_size(got) &&
			memcmp(want, g_bytes_get_data(got, NULL), len) == 0;
	}
	ok(count > 40 && same == count, "%u templates built in, each as in templates/ (%u the same)", count, same);
	ok(g_strv_contains((const char *const *)names, "layout.html") &&
		   g_strv_contains((const char *const *)names, "blank-form.txt"),
	   "the frame and the blank form among them");

	/* Overrides: a file in the folder wins; missing ones come built in. */
	static const char *const page[] = { "programme", "from_address", "body", "to_staff", "signed", NULL };
	g_autofree char *over = g_build_filename(dir, "over", NULL);
	g_mkdir(over, 0700);
	g_autofree char *layout_path = g_build_filename(over, "layout.html", NULL);
	g_file_set_contents(layout_path, "<main>{{{body}}}</main>\n", -1, NULL);
	g_autoptr(tdata) pd = tdata_new();
	tdata_set(pd, "body", "<p>x</p>");
	g_autoptr(template) mine = template_open(over, "layout.html", page, &e);
	g_autofree char *mine_out = mine ? template_render(mine, pd) : NULL;
	is_str(mine_out, "<main><p>x</p></main>\n", "an override replaces the built-in file of its name");
	g_clear_error(&e);
	static const char *const form_names[] = { "own_fields", "label", "hint", NULL };
	g_autoptr(template) built = template_open(over, "blank-form.txt", form_names, &e);
	ok(built != NULL, "a file not in the folder comes built in");
	g_clear_error(&e);
	g_autoptr(template) none = template_open(NULL, "layout.html", page, &e);
	g_autofree char *none_out = none ? template_render(none, pd) : NULL;
	ok(none_out && strstr(none_out, "<!DOCTYPE html>") && strstr(none_out, "<p>x</p>"),
	   "no folder: the built-in frame, the body inserted raw");
	g_clear_error(&e);
	g_file_set_contents(layout_path, "<main>\n{{{body}}}\n{{#to_staff}}\n", -1, NULL);
	g_autoptr(template) broken = template_open(over, "layout.html", page, &e);
	ok(broken == NULL && e && g_str_has_prefix(e->message, layout_path) && strstr(e->message, "never closed"),
	   "a broken override is reported under its own path: %s", e ? e->message : "");
	g_clear_error(&e);
	g_autoptr(template) unknown = template_open(over, "no-such.txt", page, &e);
	ok(unknown == NULL && e, "a name neither in the folder nor built in: an error");
	g_clear_error(&e);

	/* Export: every built-in file; a second time refused, unless forced. */
	g_autofree char *exp = g_build_filename(dir, "exp", "sub", NULL);
	guint written = 0;
	gboolean exported = template_export(exp, FALSE, &written, &e);
	ok(exported && written == count, "export writes %u files into a new folder", written);
	g_clear_error(&e);
	g_autofree char *exp_welcome = g_build_filename(exp, "welcome.txt", NULL);
	g_file_set_contents(exp_welcome, "edited", -1, NULL);
	exported = template_export(exp, FALSE, &written, &e);
	ok(!exported && g_error_matches(e, G_FILE_ERROR, G_FILE_ERROR_EXIST) && written == 0,
	   "exporting over existing files is refused: %s", e ? e->message : "");
	g_clear_error(&e);
	g_autofree char *kept = NULL;
	g_file_get_contents(exp_welcome, &kept, NULL, NULL);
	is_str(kept, "edited", "and writes nothing");
	ok(template_export(exp, TRUE, &written, &e) && written == count, "forced, it overwrites");
	g_clear_error(&e);
	return tap_done();
}
