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
	g_autofree char *f = render("f.txt", "{{#flag}}on{{/flag}}{{^flag}}off{{/flag}} {{#empty}}x{{/empty}}{{^empty}}none{{/empty}} "
					     "{{^missing_is_not_allowed}}{{/missing_is_not_allowed}}", d, &e);
	ok(f == NULL && e && strstr(e->message, "unknown placeholder"), "a name the caller does not know is refused: %s",
	   e ? e->message : "");
	g_clear_error(&e);
	g_autofree char *empty = render("e.txt", "a{{}}b", d, &e);
	ok(empty == NULL && e && strstr(e->message, "unknown placeholder {{}}"), "an empty tag is refused, not read past");
	g_clear_error(&e);
	g_autofree char *g = render("g.txt", "{{#flag}}on{{/flag}}{{^flag}}off{{/flag}} {{#empty}}x{{/empty}}{{^empty}}none{{/empty}}", d, &e);
	is_str(g, "on none", "flags and empty values in sections and inverted sections");
	g_autofree char *h = render("h.txt", "{{#items}}{{name}}:{{text}} {{/items}}", d, &e);
	is_str(h, "Siobhán <&> \"Ní\":one Siobhán <&> \"Ní\":two ", "inner scopes see outer names");
	g_autofree char *i = render("i.txt", "{{#items}}never closed\n", d, &e);
	ok(i == NULL && e && strstr(e->message, "never closed"), "an unclosed section is refused: %s", e ? e->message : "");
	g_clear_error(&e);
	g_autofree char *j = render("j.txt", "line one\n{{/items}}\n", d, &e);
	ok(j == NULL && e && strstr(e->message, "j.txt:2:"), "a stray close names its line: %s", e ? e->message : "");
	g_clear_error(&e);
	g_autofree char *k = render("k.txt", "{{name", d, &e);
	ok(k == NULL && e, "an unterminated tag is refused");
	g_clear_error(&e);
	return tap_done();
}
