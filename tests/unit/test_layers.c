/* The layers of the source tree: parsers/ depends on nothing in daemon/
 * (the parsers are built into nomd-reader and fuzzed alone), so no file
 * there may include a daemon header. Reads the sources: run from the top
 * of the tree, or with NOMD_SOURCE naming it. */
#include <string.h>

#include "tap.h"

/* The #include lines of `text` that reach into daemon/, as one string. */
static char *daemon_includes(const char *text)
{
	GString *found = g_string_new(NULL);
	g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
	for (char **l = lines; *l; l++) {
		const char *p = *l;
		while (*p == ' ' || *p == '\t')
			p++;
		if (*p != '#')
			continue;
		for (p++; *p == ' ' || *p == '\t'; p++)
			;
		if (g_str_has_prefix(p, "include") && strstr(p, "daemon/"))
			g_string_append_printf(found, "%s%s", found->len ? "; " : "", g_strstrip(*l));
	}
	return g_string_free(found, FALSE);
}

int main(void)
{
	g_autofree char *none = daemon_includes("#include <glib.h>\n#include \"address.h\"\n");
	g_autofree char *one = daemon_includes("#include \"x.h\"\n  #  include \"../daemon/util.h\"\n");
	ok(strcmp(none, "") == 0 && strcmp(one, "#  include \"../daemon/util.h\"") == 0,
	   "the check finds an include of a daemon header, also indented");
	g_autofree char *dir = tap_source_path("parsers");
	g_autoptr(GError) error = NULL;
	g_autoptr(GDir) d = g_dir_open(dir, 0, &error);
	if (!ok(d != NULL, "parsers/ readable (%s)", error ? error->message : dir))
		return tap_done();
	int files = 0;
	GString *bad = g_string_new(NULL);
	for (const char *name; (name = g_dir_read_name(d));) {
		if (!g_str_has_suffix(name, ".c") && !g_str_has_suffix(name, ".h"))
			continue;
		g_autofree char *path = g_build_filename(dir, name, NULL);
		g_autofree char *text = NULL;
		if (!g_file_get_contents(path, &text, NULL, NULL))
			continue;
		files++;
		g_autofree char *inc = daemon_includes(text);
		if (*inc)
			g_string_append_printf(bad, " parsers/%s: %s", name, inc);
	}
	ok(files > 10, "read the parsers' sources (%d files)", files);
	ok(bad->len == 0, "no file in parsers/ includes a header from daemon/%s", bad->str);
	g_string_free(bad, TRUE);
	return tap_done();
}
