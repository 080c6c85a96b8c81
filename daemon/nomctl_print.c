/* nomctl_print: nomctl's rows as JSON or CSV (see nomctl_print.h). */
#include "nomctl_print.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "util.h"

enum format print_format(const char *format)
{
	return format && strcmp(format, "csv") == 0 ? FMT_CSV : FMT_JSON;
}

/* Columns printed as JSON numbers or arrays rather than strings. */
static gboolean numeric_column(const char *name)
{
	static const char *const numeric[] = { "years",	   "size",     "attempts",	  "id",	      "score",
					       "capacity", "invited",  "accepted",	  "declined", "tentative",
					       "waiting",  "sequence", "duration_minutes" };
	for (size_t i = 0; i < G_N_ELEMENTS(numeric); i++)
		if (strcmp(name, numeric[i]) == 0)
			return TRUE;
	return FALSE;
}

static void json_string(GString *out, const char *s)
{
	g_string_append_c(out, '"');
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		switch (*p) {
		case '"': g_string_append(out, "\\\""); break;
		case '\\': g_string_append(out, "\\\\"); break;
		case '\n': g_string_append(out, "\\n"); break;
		case '\r': g_string_append(out, "\\r"); break;
		case '\t': g_string_append(out, "\\t"); break;
		default: {
			/* Every character a terminal would act on is escaped:
			 * the same string to a parser, inert on a screen. */
			gunichar c = *p < 0x80 ? *p : g_utf8_get_char_validated((const char *)p, -1);
			if (terminal_control(c)) {
				g_string_append_printf(out, "\\u%04x", c);
				p = (const unsigned char *)g_utf8_next_char(p) - 1;
			} else {
				g_string_append_c(out, *p);
			}
		}
		}
	}
	g_string_append_c(out, '"');
}

void print_end(struct printer *pr)
{
	if (pr->format == FMT_JSON)
		fputs(pr->rows ? "\n]\n" : "[]\n", stdout);
}

void print_row(void *data, int n, const char *const *names, const char *const *values)
{
	struct printer *pr = data;
	g_autoptr(GString) out = g_string_new(NULL);
	if (pr->format == FMT_CSV) {
		if (pr->rows == 0) {
			for (int i = 0; i < n; i++)
				g_string_append_printf(out, "%s%s", i ? "," : "", names[i]);
			g_string_append(out, "\r\n");
		}
		/* CSV to a file or a pipe stays exact; on a screen, what mail
		 * supplied must not drive the terminal. */
		gboolean tty = isatty(STDOUT_FILENO);
		for (int i = 0; i < n; i++) {
			if (i)
				g_string_append_c(out, ',');
			g_autofree char *shown = tty ? terminal_text(values[i], TRUE) : NULL;
			csv_append_field(out, tty ? shown : values[i]);
		}
		g_string_append(out, "\r\n");
	} else {
		g_string_append(out, pr->rows ? ",\n  {" : "[\n  {");
		for (int i = 0; i < n; i++) {
			g_string_append_printf(out, "%s\"%s\": ", i ? ", " : "", names[i]);
			if (strcmp(names[i], "reasons") == 0) {
				g_auto(GStrv) codes = g_strsplit(values[i] ? values[i] : "", " ", -1);
				g_string_append_c(out, '[');
				for (int k = 0, first = 1; codes[k]; k++) {
					if (!*codes[k])
						continue;
					g_string_append(out, first ? "" : ", ");
					json_string(out, codes[k]);
					first = 0;
				}
				g_string_append_c(out, ']');
			} else if (!values[i]) {
				g_string_append(out, "null");
			} else if (numeric_column(names[i])) {
				g_string_append(out, values[i]);
			} else {
				json_string(out, values[i]);
			}
		}
		g_string_append_c(out, '}');
	}
	fputs(out->str, stdout);
	pr->rows++;
}
