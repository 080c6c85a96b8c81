/* Unit tests: nomination spreadsheets as CSV (parsers/csv.c). */
#include "../../parsers/csv.h"
#include "tap.h"

/* Rows of a CSV text, or NULL with the error code in *code. */
static GPtrArray *read_csv(const char *data, gsize len, int *code)
{
	GPtrArray *rows = NULL;
	g_autoptr(GError) error = NULL;
	if (!csv_read_rows(data, len, &rows, &error)) {
		if (code)
			*code = error && error->domain == CSV_READ_ERROR ? error->code : -1;
		printf("# error: %s\n", error ? error->message : "(none set)");
		return NULL;
	}
	if (code)
		*code = -1;
	return rows;
}

static GPtrArray *read_str(const char *data)
{
	return read_csv(data, strlen(data), NULL);
}

static const char *cell(GPtrArray *rows, guint r, const char *label)
{
	if (!rows || r >= rows->len)
		return NULL;
	return g_hash_table_lookup(rows->pdata[r], label);
}

/* Every key and value valid UTF-8 and within the caps. */
static gboolean rows_sane(GPtrArray *rows)
{
	if (!rows || rows->len > CSV_MAX_ROWS)
		return FALSE;
	for (guint i = 0; i < rows->len; i++) {
		GHashTableIter it;
		gpointer k, v;
		if (g_hash_table_size(rows->pdata[i]) > CSV_MAX_COLUMNS)
			return FALSE;
		g_hash_table_iter_init(&it, rows->pdata[i]);
		while (g_hash_table_iter_next(&it, &k, &v))
			if (!g_utf8_validate(k, -1, NULL) || !g_utf8_validate(v, -1, NULL) || strlen(v) > CSV_MAX_CELL)
				return FALSE;
	}
	return TRUE;
}

int main(void)
{
	/* A failed precondition inside the reader is a bug, not a warning. */
	g_log_set_always_fatal(G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_WARNING);
	{
		g_autoptr(GPtrArray) rows =
			read_str("\xEF\xBB\xBF"
				 "Name;Email;Member/Mentor;Notes\r\n"
				 "\"Morgan; Alex\";alex@fife.example;Member;\"Says \"\"hi\"\", twice\"\r\n"
				 "Jo Smith ; jo@fife.example ;Mentor;\r\n");
		ok(rows && rows->len == 2, "BOM + semicolons: two rows");
		is_str(cell(rows, 0, "name"), "Morgan; Alex",
		       "BOM skipped from the first label; quoted delimiter kept");
		is_str(cell(rows, 0, "notes"), "Says \"hi\", twice", "doubled quotes and a comma inside quotes");
		is_str(cell(rows, 0, "member/mentor"), "Member", "label case-folded");
		is_str(cell(rows, 1, "name"), "Jo Smith", "blanks around unquoted cells dropped");
		is_str(cell(rows, 1, "notes"), "", "empty last cell is an empty string");
	}
	{
		g_autoptr(GPtrArray) rows = read_str("Name,Email\r\nSiobh\xe1n N\xed Bhriain,siobhan@x.example\r\n"
						     "Zo\xc3\xab Brown,zoe@x.example\r\n");
		is_str(cell(rows, 0, "name"), "Siobh\xc3\xa1n N\xc3\xad Bhriain",
		       "Windows-1252 name converted to UTF-8");
		is_str(cell(rows, 1, "name"), "Zo\xc3\xab Brown", "a UTF-8 cell in the same file left alone");
	}
	{
		int code = 0;
		static const char text[] = "Name,Email\nAlex,a@x.example\n\"Jo,j@x.example\nSam,s@x.example\n";
		GPtrArray *rows = read_csv(text, strlen(text), &code);
		ok(rows == NULL && code == CSV_ERROR_UNTERMINATED_QUOTE, "unterminated quote is an error, not a guess");
		GPtrArray *untouched = (GPtrArray *)&code;
		g_autoptr(GError) error = NULL;
		ok(!csv_read_rows(text, strlen(text), &untouched, &error) && untouched == (GPtrArray *)&code && error &&
			   strstr(error->message, "row 3"),
		   "the error names row 3 and leaves *rows alone");
		static const char closed_badly[] = "Name,Note\nAlex,\"5 ft\" tall\n";
		GPtrArray *r2 = read_csv(closed_badly, strlen(closed_badly), &code);
		ok(r2 == NULL && code == CSV_ERROR_UNTERMINATED_QUOTE, "text after a closing quote: error, no crash");
	}
	{
		g_autoptr(GPtrArray) rows = read_str("Name,Note\nAlex,5'10\" tall\n");
		is_str(cell(rows, 0, "note"), "5'10\" tall", "a stray quote inside an unquoted cell is text");
	}
	{
		g_autoptr(GPtrArray) rows = read_str("Name,Email\nAlex,a@x.example,surplus,more,cells\nJo\n");
		ok(rows && rows->len == 2 && g_hash_table_size(rows->pdata[0]) == 2, "cells beyond the header ignored");
		is_str(cell(rows, 1, "email"), "", "a short row has empty values for the missing cells");
	}
	{
		static const char *const ends[] = { "\r\n", "\n", "\r" };
		gboolean same = TRUE;
		for (gsize i = 0; i < G_N_ELEMENTS(ends); i++) {
			g_autofree char *text = g_strjoin(ends[i], "Name,Address", "Alex,\"1 High St", "Kirkcaldy\"",
							  "", "Jo,2 Low Rd", NULL);
			g_autoptr(GPtrArray) rows = read_str(text);
			same = same && rows && rows->len == 2 &&
			       g_strcmp0(cell(rows, 0, "address"), "1 High St\nKirkcaldy") == 0 &&
			       g_strcmp0(cell(rows, 1, "address"), "2 Low Rd") == 0;
		}
		ok(same, "CRLF, LF and CR line ends read the same, quoted line break becomes \\n");
	}
	{
		g_autoptr(GPtrArray) rows = read_str("\n\n,,\n  Job \xc2\xa0 Title ,E-MAIL,,Name,name\n\n"
						     "Officer,a@x.example,ignored,First,Second\n \t, ,\n,,,,\n");
		ok(rows && rows->len == 1, "blank lines and rows of empty cells skipped");
		is_str(cell(rows, 0, "job title"), "Officer", "label trimmed, blanks (nbsp too) collapsed, folded");
		is_str(cell(rows, 0, "e-mail"), "a@x.example", "upper-case label folded");
		is_str(cell(rows, 0, "name"), "First", "duplicate label: the first column wins");
		ok(rows && g_hash_table_size(rows->pdata[0]) == 3 && !cell(rows, 0, ""), "unnamed column ignored");
	}
	{
		g_autoptr(GPtrArray) a = read_str("\"Name; full\",Email,Role\n\"A; B\",a@x.example,member\n");
		g_autoptr(GPtrArray) b = read_str("\"Name, full\";Email\n\"A, B\";a@x.example\n");
		is_str(cell(a, 0, "name; full"), "A; B", "semicolons inside quotes do not count: comma chosen");
		is_str(cell(b, 0, "name, full"), "A, B", "commas inside quotes do not count: semicolon chosen");
	}
	{
		g_autoptr(GPtrArray) e = read_csv("", 0, NULL);
		g_autoptr(GPtrArray) n = read_csv(NULL, 10, NULL);
		g_autoptr(GPtrArray) h = read_str("Name,Email\r\n");
		ok(e && e->len == 0 && n && n->len == 0 && h && h->len == 0, "empty input or header alone: no rows");
	}
	{
		GString *big = g_string_new("Name,Email\n");
		for (int i = 0; i < CSV_MAX_ROWS + 500; i++)
			g_string_append_printf(big, "N%d,n%d@x.example\n", i, i);
		g_autoptr(GPtrArray) rows = read_csv(big->str, big->len, NULL);
		ok(rows && rows->len == CSV_MAX_ROWS, "rows capped at %d", CSV_MAX_ROWS);
		is_str(cell(rows, CSV_MAX_ROWS - 1, "name"), "N1999", "the first rows are the ones kept");

		g_string_assign(big, "");
		for (int i = 0; i < 100; i++)
			g_string_append_printf(big, "%sC%d", i ? "," : "", i);
		g_string_append(big, "\n\"");
		for (int i = 0; i < 3000; i++)
			g_string_append(big, "\xc3\xa9");
		g_string_append(big, "\",x\n");
		g_autoptr(GPtrArray) wide = read_csv(big->str, big->len, NULL);
		ok(wide && g_hash_table_size(wide->pdata[0]) == CSV_MAX_COLUMNS && !cell(wide, 0, "c64"),
		   "columns capped at %d", CSV_MAX_COLUMNS);
		const char *long_cell = cell(wide, 0, "c0");
		ok(long_cell && strlen(long_cell) == CSV_MAX_CELL && g_utf8_validate(long_cell, -1, NULL),
		   "a long cell cut to %d bytes on a character boundary", CSV_MAX_CELL);
		g_autoptr(GString) cp = g_string_new("Name\n");
		for (int i = 0; i < 1500; i++)
			g_string_append_c(cp, '\xe9');
		g_autoptr(GPtrArray) conv = read_csv(cp->str, cp->len, NULL);
		const char *c = cell(conv, 0, "name");
		ok(c && strlen(c) == CSV_MAX_CELL && g_utf8_validate(c, -1, NULL), "the cap applies after conversion");

		g_string_set_size(big, CSV_MAX_INPUT + 1);
		memset(big->str, 'a', big->len);
		int code = 0;
		ok(!read_csv(big->str, big->len, &code) && code == CSV_ERROR_TOO_LARGE, "input over 1 MiB refused");
		g_string_free(big, TRUE);
	}
	{
		int code = 0;
		static const char utf16[] = "\xff\xfeN\0a\0m\0e\0";
		ok(!read_csv(utf16, sizeof utf16 - 1, &code) && code == CSV_ERROR_ENCODING, "UTF-16 refused clearly");
		static const char odd[] = "Name,Note\nA\x81"
					  "B,x\0y\n";
		g_autoptr(GPtrArray) rows = read_csv(odd, sizeof odd - 1, NULL);
		ok(rows_sane(rows) && g_strcmp0(cell(rows, 0, "note"), "x y") == 0 &&
			   g_str_has_prefix(cell(rows, 0, "name"), "A") &&
			   g_utf8_validate(cell(rows, 0, "name"), -1, NULL),
		   "bytes outside Windows-1252 made valid, NUL read as a space");
	}
	{
		/* Random splices of CSV pieces and stray bytes never crash, and
		 * whatever comes back keeps the promises. */
		static const char *const bits[] = { ",",    ";",    "\"",	    "\"\"", "\n",   "\r\n",
						    "\r",   "Name", "Email",	    " ",    "\xe9", "\xc3\xa9",
						    "\x81", "\0",   "\xef\xbb\xbf", "x",    "\t" };
		GRand *rand = g_rand_new_with_seed(7);
		gboolean all = TRUE;
		for (int round = 0; round < 500 && all; round++) {
			GString *s = g_string_new(NULL);
			int n = g_rand_int_range(rand, 0, 300);
			for (int i = 0; i < n; i++) {
				const char *b = bits[g_rand_int_range(rand, 0, G_N_ELEMENTS(bits))];
				g_string_append_len(s, b, *b ? (gssize)strlen(b) : 1);
			}
			GPtrArray *rows = NULL;
			g_autoptr(GError) error = NULL;
			if (csv_read_rows(s->str, s->len, &rows, &error)) {
				all = rows_sane(rows);
				g_ptr_array_unref(rows);
			} else {
				all = error && error->domain == CSV_READ_ERROR &&
				      g_utf8_validate(error->message, -1, NULL);
			}
			g_string_free(s, TRUE);
		}
		g_rand_free(rand);
		ok(all, "500 random inputs: valid rows or a CSV_READ_ERROR");
	}
	return tap_done();
}
