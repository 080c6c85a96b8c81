/* nomctl: the staff command line. Reads the same configuration as nomd and
 * prints what the store holds, as JSON or CSV. */
#include <stdio.h>
#include <string.h>
#include <sysexits.h>

#include "config.h"
#include "store.h"

enum format { FMT_JSON, FMT_CSV };

struct printer {
	enum format format;
	guint rows;
};

/* Columns printed as JSON numbers or arrays rather than strings. */
static gboolean numeric_column(const char *name)
{
	return strcmp(name, "years") == 0 || strcmp(name, "size") == 0 || strcmp(name, "attempts") == 0 ||
	       strcmp(name, "id") == 0;
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
		default:
			if (*p < 0x20)
				g_string_append_printf(out, "\\u%04x", *p);
			else
				g_string_append_c(out, *p);
		}
	}
	g_string_append_c(out, '"');
}

static void csv_field(GString *out, const char *s)
{
	if (!s)
		return;
	/* A cell starting with = + - @ would be run as a formula by a spreadsheet. */
	gboolean formula = strchr("=+-@\t\r", s[0]) != NULL && s[0] != '\0';
	if (!formula && !strpbrk(s, ",\"\r\n")) {
		g_string_append(out, s);
		return;
	}
	g_string_append_c(out, '"');
	if (formula)
		g_string_append_c(out, '\'');
	for (const char *p = s; *p; p++) {
		if (*p == '"')
			g_string_append_c(out, '"');
		g_string_append_c(out, *p);
	}
	g_string_append_c(out, '"');
}

static void print_row(void *data, int n, const char *const *names, const char *const *values)
{
	struct printer *pr = data;
	g_autoptr(GString) out = g_string_new(NULL);
	if (pr->format == FMT_CSV) {
		if (pr->rows == 0) {
			for (int i = 0; i < n; i++)
				g_string_append_printf(out, "%s%s", i ? "," : "", names[i]);
			g_string_append(out, "\r\n");
		}
		for (int i = 0; i < n; i++) {
			if (i)
				g_string_append_c(out, ',');
			csv_field(out, values[i]);
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

static void usage(void)
{
	fputs("usage: nomctl -c FILE export [--format json|csv]\n"
	      "       nomctl -c FILE messages [--format json|csv]\n"
	      "       nomctl -c FILE outbox [--format json|csv]\n"
	      "       nomctl -c FILE outbox retry ID\n",
	      stderr);
}

int main(int argc, char **argv)
{
	g_autofree char *config_path = NULL;
	g_autofree char *format = NULL;
	GOptionEntry entries[] = {
		{ "config", 'c', 0, G_OPTION_ARG_FILENAME, &config_path, "Configuration file", "FILE" },
		{ "format", 'f', 0, G_OPTION_ARG_STRING, &format, "Output format: json (default) or csv", "FORMAT" },
		{ NULL, 0, 0, 0, NULL, NULL, NULL },
	};
	g_autoptr(GOptionContext) ctx = g_option_context_new("COMMAND - nomd staff tool");
	g_option_context_add_main_entries(ctx, entries, NULL);
	g_option_context_set_summary(ctx, "Commands: export, messages, outbox");
	g_autoptr(GError) error = NULL;
	if (!g_option_context_parse(ctx, &argc, &argv, &error) || argc < 2 || !config_path ||
	    (argc > 2 && !(argc == 4 && strcmp(argv[1], "outbox") == 0 && strcmp(argv[2], "retry") == 0))) {
		if (error)
			fprintf(stderr, "nomctl: %s\n", error->message);
		usage();
		return EX_USAGE;
	}
	struct printer pr = { .format = FMT_JSON };
	if (format && strcmp(format, "csv") == 0)
		pr.format = FMT_CSV;
	else if (format && strcmp(format, "json") != 0) {
		fprintf(stderr, "nomctl: unknown format '%s'\n", format);
		return EX_USAGE;
	}
	const char *command = argv[1];
	gboolean (*each)(struct store *, store_row_fn, void *, GError **) = NULL;
	if (strcmp(command, "export") == 0)
		each = store_each_nominee;
	else if (strcmp(command, "messages") == 0)
		each = store_each_message;
	else if (strcmp(command, "outbox") == 0)
		each = store_each_outbox;
	else {
		fprintf(stderr, "nomctl: unknown command '%s'\n", command);
		usage();
		return EX_USAGE;
	}

	g_autoptr(nomd_config) cfg = NULL;
	if (!config_load(config_path, &cfg, &error)) {
		fprintf(stderr, "%s\n", error->message);
		return EX_CONFIG;
	}
	struct store *st = NULL;
	if (!store_open(cfg->database, &st, &error)) {
		fprintf(stderr, "nomctl: %s\n", error->message);
		return EX_UNAVAILABLE;
	}
	if (argc == 4) {
		char *end = NULL;
		gint64 id = g_ascii_strtoll(argv[3], &end, 10);
		gboolean changed = FALSE;
		if (!end || *end || id <= 0) {
			fprintf(stderr, "nomctl: '%s' is not an outbox id\n", argv[3]);
			store_close(st);
			return EX_USAGE;
		}
		gboolean done = store_outbox_retry(st, id, &changed, &error);
		store_close(st);
		if (!done) {
			fprintf(stderr, "nomctl: %s\n", error->message);
			return EX_SOFTWARE;
		}
		if (!changed) {
			fprintf(stderr, "nomctl: outbox #%" G_GINT64_FORMAT " is not a failed message\n", id);
			return EX_DATAERR;
		}
		printf("outbox #%" G_GINT64_FORMAT " queued again\n", id);
		return EX_OK;
	}
	gboolean ok = each(st, print_row, &pr, &error);
	store_close(st);
	if (!ok) {
		fprintf(stderr, "nomctl: %s\n", error->message);
		return EX_SOFTWARE;
	}
	if (pr.format == FMT_JSON)
		fputs(pr.rows ? "\n]\n" : "[]\n", stdout);
	return EX_OK;
}
