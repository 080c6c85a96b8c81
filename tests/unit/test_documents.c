/* Unit tests: attached documents. The MIME walk's collection (types,
 * names, first bytes, the count and size caps, the file name made safe),
 * docread against fake readers that answer, fail, hang, flood, crash or
 * eat memory, and the reply that names an unreadable file. */
#include <dirent.h>
#include <glib/gstdio.h>
#include <signal.h>
#include <string.h>
#include <sys/stat.h>

#include "../../daemon/decide.h"
#include "../../daemon/docread.h"
#include "../../daemon/reply.h"
#include "../../parsers/mime.h"
#include "tap.h"

#define HEAD "From: ce@fife.example\r\nSubject: s\r\nMIME-Version: 1.0\r\n"

static char *tmp;

/* A multipart/mixed message with a text part and the given attachments,
 * each "headers\r\n\r\nbase64 body". */
static GString *message(const char *const *parts, guint n)
{
	GString *s = g_string_new(HEAD "Content-Type: multipart/mixed; boundary=\"b\"\r\n\r\n"
				       "--b\r\nContent-Type: text/plain\r\n\r\nSee attached.\r\n");
	for (guint i = 0; i < n; i++)
		g_string_append_printf(s, "--b\r\n%s\r\n", parts[i]);
	g_string_append(s, "--b--\r\n");
	return s;
}

static char *part(const char *headers, const void *data, gsize len)
{
	g_autofree char *b64 = g_base64_encode(data, len);
	return g_strdup_printf("%sContent-Transfer-Encoding: base64\r\n\r\n%s\r\n", headers, b64);
}

static struct parsed_message *parse_one(const char *headers, const void *data, gsize len)
{
	g_autofree char *p = part(headers, data, len);
	const char *parts[] = { p };
	g_autoptr(GString) m = message(parts, 1);
	return mime_parse(m->str, m->len);
}

static const struct mime_document *doc_at(const struct parsed_message *m, guint i)
{
	return i < m->documents->len ? m->documents->pdata[i] : NULL;
}

static void test_collect(void)
{
	static const char pdf[] = "%PDF-1.4 fake";
	static const char zip[] = "PK\x03\x04 fake";
	static const guint8 ole[] = { 0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1, 0, 0 };
	{
		g_autoptr(parsed_message) m = parse_one(
			"Content-Type: application/vnd.openxmlformats-officedocument.wordprocessingml.document\r\n"
			"Content-Disposition: attachment; filename=\"nominations.docx\"\r\n",
			zip, sizeof zip - 1);
		const struct mime_document *d = doc_at(m, 0);
		ok(m->documents->len == 1 && d, "a .docx by its type is collected");
		is_str(d ? d->filename : NULL, "nominations.docx", "with its name");
		is_str(d ? d->content_type : NULL,
		       "application/vnd.openxmlformats-officedocument.wordprocessingml.document", "and its type");
		ok(d && d->data && g_bytes_get_size(d->data) == sizeof zip - 1 &&
			   memcmp(g_bytes_get_data(d->data, NULL), zip, sizeof zip - 1) == 0,
		   "and its bytes, decoded");
		ok(d && !d->settled, "not settled until the reader runs");
		ok(m->text && g_str_has_prefix(m->text, "See attached."), "the body text is still read");
	}
	static const struct {
		const char *headers;
		const void *data;
		gsize len;
		gboolean document, csv;
		const char *what;
	} cases[] = {
		{ "Content-Type: application/pdf\r\n", pdf, sizeof pdf - 1, TRUE, FALSE, "application/pdf" },
		{ "Content-Type: application/msword\r\n", ole, sizeof ole, TRUE, FALSE, "application/msword" },
		{ "Content-Type: application/vnd.oasis.opendocument.spreadsheet\r\n", zip, sizeof zip - 1, TRUE, FALSE,
		  "an OpenDocument type" },
		{ "Content-Type: application/vnd.ms-excel.sheet.macroEnabled.12\r\n", zip, sizeof zip - 1, TRUE, FALSE,
		  "application/vnd.ms-excel.sheet.*" },
		{ "Content-Type: text/plain\r\nContent-Disposition: attachment; filename=form.ODT\r\n", zip,
		  sizeof zip - 1, TRUE, FALSE, "a name ending .ODT, whatever the type" },
		{ "Content-Type: application/octet-stream\r\n", pdf, sizeof pdf - 1, TRUE, FALSE,
		  "octet-stream starting %PDF-" },
		{ "Content-Type: application/octet-stream\r\n", zip, sizeof zip - 1, TRUE, FALSE,
		  "octet-stream starting PK" },
		{ "Content-Type: application/octet-stream\r\n", ole, sizeof ole, TRUE, FALSE,
		  "octet-stream starting with the OLE2 magic" },
		{ "Content-Type: application/octet-stream\r\n", "hello", 5, FALSE, FALSE, "octet-stream of text: not" },
		{ "Content-Type: application/vnd.ms-excel\r\nContent-Disposition: attachment; filename=list.csv\r\n",
		  zip, sizeof zip - 1, FALSE, TRUE, "vnd.ms-excel named .csv stays CSV" },
		{ "Content-Type: application/vnd.ms-excel\r\n", "a,b\r\n1,2\r\n", 10, FALSE, TRUE,
		  "vnd.ms-excel holding text stays CSV" },
		{ "Content-Type: application/vnd.ms-excel\r\n", ole, sizeof ole, TRUE, FALSE,
		  "vnd.ms-excel holding an OLE2 file is a document" },
		{ "Content-Type: application/vnd.ms-excel\r\n", zip, sizeof zip - 1, TRUE, FALSE,
		  "vnd.ms-excel holding a ZIP is a document" },
		{ "Content-Type: application/zip\r\n", zip, sizeof zip - 1, FALSE, FALSE, "application/zip: not" },
	};
	for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_autoptr(parsed_message) m = parse_one(cases[i].headers, cases[i].data, cases[i].len);
		ok(m->documents->len == (cases[i].document ? 1u : 0u) && m->csv->len == (cases[i].csv ? 1u : 0u), "%s",
		   cases[i].what);
	}
	{
		g_autoptr(parsed_message) m = parse_one("Content-Type: application/pdf\r\n", pdf, sizeof pdf - 1);
		is_str(doc_at(m, 0) ? doc_at(m, 0)->filename : NULL, "attachment", "no name: \"attachment\"");
	}
	{
		/* A path, a right-to-left override, CR LF and a tab, in RFC 2231. */
		g_autoptr(parsed_message) m =
			parse_one("Content-Type: application/pdf\r\nContent-Disposition: attachment;\r\n"
				  " filename*=utf-8''..%2F..%2Fetc%5Cform%E2%80%AEfdp.exe%0D%0ABcc%3A%20x%09y.pdf\r\n",
				  pdf, sizeof pdf - 1);
		const char *name = doc_at(m, 0) ? doc_at(m, 0)->filename : "";
		ok(!strpbrk(name, "/\\\r\n\t") && !strstr(name, "\xe2\x80\xae"),
		   "the name loses path, controls and bidi: %s", name);
		is_str(name, "form fdp.exe Bcc: x y.pdf", "what is left of it");
	}
	{
		g_autofree char *longname = g_strnfill(300, 'a');
		g_autofree char *headers = g_strdup_printf(
			"Content-Type: application/pdf\r\nContent-Disposition: attachment; filename=\"%s.pdf\"\r\n",
			longname);
		g_autoptr(parsed_message) m = parse_one(headers, pdf, sizeof pdf - 1);
		ok(doc_at(m, 0) && g_utf8_strlen(doc_at(m, 0)->filename, -1) == MIME_MAX_FILENAME,
		   "a long name is cut to %d characters", MIME_MAX_FILENAME);
	}
	{
		const char *parts[MIME_MAX_DOCUMENTS + 2];
		g_autofree char *p = part("Content-Type: application/pdf\r\n", pdf, sizeof pdf - 1);
		for (guint i = 0; i < G_N_ELEMENTS(parts); i++)
			parts[i] = p;
		g_autoptr(GString) raw = message(parts, G_N_ELEMENTS(parts));
		g_autoptr(parsed_message) m = mime_parse(raw->str, raw->len);
		ok(m->documents->len == MIME_MAX_DOCUMENTS && !m->limit, "at most %d documents are kept",
		   MIME_MAX_DOCUMENTS);
	}
	{
		gsize n = DOC_MAX_INPUT;
		g_autofree char *big = g_malloc(n + 1);
		memcpy(big, pdf, sizeof pdf - 1);
		memset(big + sizeof pdf - 1, 'x', n + 1 - (sizeof pdf - 1));
		g_autoptr(parsed_message) at = parse_one("Content-Type: application/pdf\r\n", big, n);
		ok(doc_at(at, 0) && doc_at(at, 0)->data && g_bytes_get_size(doc_at(at, 0)->data) == n && !at->limit,
		   "a document of DOC_MAX_INPUT bytes is kept");
		g_autoptr(parsed_message) over = parse_one("Content-Type: application/pdf\r\n", big, n + 1);
		const struct mime_document *d = doc_at(over, 0);
		ok(d && !d->data && d->settled && d->status == DOC_TOO_LARGE && !over->limit,
		   "one byte more: no data, settled too_large, the message not over a limit");
	}
}

/* `extra`: more configuration, e.g. a programme's own fields. */
static struct nomd_config *load_cfg_with(const char *reader, int timeout, int memory, const char *extra)
{
	g_autofree char *path = g_build_filename(tmp, "t.conf", NULL);
	g_autofree char *text =
		g_strdup_printf("imap = { host = \"h\"; user = \"u\"; password = \"p\"; };\n"
				"smtp = { url = \"smtp://h\"; from = \"team@example.org\"; };\n"
				"documents = { reader = \"%s\"; timeout = %d; memory_limit = %d; cpu_seconds = 2; };\n"
				"organisations = ( { id = \"fife\"; name = \"Fife Council\"; nominators = [ "
				"\"ce@fife.example\" ]; } );\n%s",
				reader, timeout, memory, extra);
	g_file_set_contents(path, text, -1, NULL);
	struct nomd_config *cfg = NULL;
	g_autoptr(GError) error = NULL;
	if (!config_load(path, &cfg, &error))
		printf("# %s\n", error->message);
	return cfg;
}

static struct nomd_config *load_cfg(const char *reader, int timeout, int memory)
{
	return load_cfg_with(reader, timeout, memory, "");
}

static char *script(const char *name, const char *body)
{
	char *path = g_build_filename(tmp, name, NULL);
	g_autofree char *text = g_strdup_printf("#!/bin/sh\n%s\n", body);
	g_file_set_contents(path, text, -1, NULL);
	g_chmod(path, 0700);
	return path;
}

/* Runs the reader `body` on `data` with `timeout`; the document settles. */
static struct mime_document *run_in(const char *body, const void *data, gsize len, int timeout, int memory, char **text)
{
	g_autofree char *path = script("reader", body);
	g_autoptr(nomd_config) cfg = load_cfg(path, timeout, memory);
	struct mime_document *doc = g_new0(struct mime_document, 1);
	doc->filename = g_strdup("f.pdf");
	doc->data = g_bytes_new(data, len);
	g_autoptr(GError) error = NULL;
	g_autofree char *out = NULL;
	if (!docread_run(cfg, doc, &out, &error))
		printf("# docread: %s\n", error->message);
	if (text)
		*text = g_steal_pointer(&out);
	return doc;
}

static struct mime_document *run(const char *body, const void *data, gsize len, int timeout, char **text)
{
	return run_in(body, data, len, timeout, 64, text);
}

static void doc_free(struct mime_document *d)
{
	g_free(d->filename);
	if (d->data)
		g_bytes_unref(d->data);
	g_free(d->detail);
	g_free(d);
}

static guint open_fds(void)
{
	guint n = 0;
	DIR *dir = opendir("/proc/self/fd");
	while (dir && readdir(dir))
		n++;
	if (dir)
		closedir(dir);
	return n;
}

static void test_docread(void)
{
	{
		g_autofree char *text = NULL;
		struct mime_document *d =
			run("cat >/dev/null; printf 'Member\\nName: Ann\\nEmail: ann@fife.example\\n'", "%PDF-", 5, 10,
			    &text);
		ok(d->settled && d->status == DOC_OK, "a reader that answers: read");
		is_str(text, "Member\nName: Ann\nEmail: ann@fife.example\n", "its text comes back");
		doc_free(d);
	}
	{
		g_autofree char *text = NULL;
		struct mime_document *d =
			run("cat >/dev/null; env | grep -v ^PWD=; ulimit -f; ulimit -n; ulimit -c", "x", 1, 10, &text);
#ifdef __SANITIZE_ADDRESS__
		ok(text && (g_str_has_prefix(text, "LANG=C.UTF-8\n") || strstr(text, "\nLANG=C.UTF-8\n")),
		   "the environment holds LANG (and, sanitized, the report options)");
#else
		is_str(text, "LANG=C.UTF-8\n32768\n16\n0\n",
		       "an empty environment but LANG; files up to 16 MiB (32768 blocks of 512 bytes: the .xls memfd), "
		       "16 descriptors, no core");
#endif
		doc_free(d);
	}
	{
		/* More than a pipe holds each way: written and read together. */
		gsize n = 4 * 1024 * 1024;
		g_autofree char *big = g_malloc0(n);
		g_autofree char *text = NULL;
		struct mime_document *d = run("wc -c; head -c 200000 /dev/zero | tr '\\0' a", big, n, 20, &text);
		ok(d->status == DOC_OK && text && g_str_has_prefix(text, "4194304\n") && strlen(text) == 8 + 200000,
		   "4 MiB in and 200 KB out at once: no deadlock");
		doc_free(d);
	}
	{
		gsize n = 4 * 1024 * 1024;
		g_autofree char *big = g_malloc0(n);
		struct mime_document *d = run("echo 'not a document' >&2; exit 81", big, n, 10, NULL);
		ok(d->status == DOC_UNREADABLE && g_strcmp0(d->detail, "not a document") == 0,
		   "a reader that exits without reading: its status and its line, nomd unharmed (SIGPIPE)");
		doc_free(d);
	}
	{
		g_autofree char *code =
			g_strdup_printf("cat >/dev/null; echo 'no text layer' >&2; exit %d", DOC_EXIT(DOC_NO_TEXT));
		struct mime_document *d = run(code, "x", 1, 10, NULL);
		ok(d->status == DOC_NO_TEXT && !d->limit, "DOC_EXIT(DOC_NO_TEXT): no_text");
		doc_free(d);
	}
	{
		struct mime_document *d = run(
			"printf '\\033]0;title\\007\\033[31mred\\r\\nsecond line\\n' >&2; exit 81", "x", 1, 10, NULL);
		is_str(d->detail, "red", "the reader's line is escaped for the log, first line only");
		doc_free(d);
	}
	{
		gint64 t0 = g_get_monotonic_time();
		struct mime_document *d = run("sleep 1000 & exec sleep 1000", "x", 1, 1, NULL);
		ok(d->status == DOC_FAILED && d->limit && g_strcmp0(d->detail, "timed out after 1 s") == 0,
		   "a reader that never ends: failed at the time limit");
		ok(g_get_monotonic_time() - t0 < 10 * G_USEC_PER_SEC, "and it was not waited for");
		doc_free(d);
	}
	{
		struct mime_document *d = run("cat >/dev/null; exec yes 'Member'", "x", 1, 10, NULL);
		ok(d->status == DOC_TOO_COMPLEX, "a reader that floods its output: too_complex (%s)", d->detail);
		doc_free(d);
	}
	{
		struct mime_document *d = run("kill -SEGV $$", "x", 1, 10, NULL);
		ok(d->status == DOC_FAILED && !d->limit && d->detail && strstr(d->detail, "SIGSEGV"),
		   "a reader that crashes: failed, no limit, the signal named (%s)", d->detail);
		doc_free(d);
	}
	{
		struct mime_document *d = run("cat >/dev/null; while :; do :; done", "x", 1, 30, NULL);
		ok(d->status == DOC_FAILED && d->limit && d->detail && strstr(d->detail, "CPU"),
		   "a reader that spins: stopped at the CPU limit (%s)", d->detail);
		doc_free(d);
	}
#ifndef __SANITIZE_ADDRESS__
	{
		struct mime_document *d =
			run_in("exec /usr/bin/python3 -c 'a = []\nwhile True: a.append(bytearray(1 << 20))'", "x", 1,
			       30, 256, NULL);
		ok(d->status == DOC_FAILED && d->limit && d->detail && strstr(d->detail, "memory"),
		   "a reader that eats memory: stopped by the address-space limit (%s)", d->detail);
		doc_free(d);
	}
#else
	ok(1, "# SKIP no RLIMIT_AS in a sanitized build");
#endif
	{
		g_autoptr(nomd_config) cfg = load_cfg("/nonexistent/nomd-reader", 10, 64);
		struct mime_document *d = g_new0(struct mime_document, 1);
		d->filename = g_strdup("f.pdf");
		d->data = g_bytes_new("x", 1);
		g_autoptr(GError) error = NULL;
		g_autofree char *text = NULL;
		ok(!docread_run(cfg, d, &text, &error) && error && !d->settled,
		   "a reader that cannot be run: an error for nomd, not a verdict on the document");
		doc_free(d);
	}
	{
		guint before = open_fds();
		for (int i = 0; i < 40; i++) {
			struct mime_document *d = run(i % 2 ? "exit 83" : "cat", "%PDF-", 5, 10, NULL);
			doc_free(d);
		}
		is_int(open_fds(), before, "40 documents later, no descriptor left open");
	}
}

#define OWN_FIELDS                                                                                                     \
	"programme = { name = \"Awards\"; fields = ( { id = \"citation\"; label = \"Citation\"; type = \"long\"; "     \
	"max_words = 30; } ); };\n"

/* What a programme with its own fields hands the reader: --spec and its
 * definition framed ahead of the document; the built-in one neither. */
static void test_spec_frame(void)
{
	g_autofree char *echo = script("echo-reader", "printf '%s\\n' \"$*\"; cat");
	g_autoptr(nomd_config) own = load_cfg_with(echo, 10, 64, OWN_FIELDS);
	g_autoptr(nomd_config) plain = load_cfg(echo, 10, 64);
	if (!own || !plain)
		return;
	gsize len = 0;
	g_autofree char *spec = form_spec_to_text(own->form, &len, NULL);
	g_autofree char *framed = g_strdup_printf("--spec\n%zu\n%s%%PDF-", len, spec);
	struct mime_document d = { .filename = "f.pdf", .data = g_bytes_new("%PDF-", 5) };
	g_autofree char *text = NULL;
	ok(docread_run(own, &d, &text, NULL) && d.status == DOC_OK, "the reader runs with the programme's form");
	is_str(text, framed, "--spec, then the definition framed by its length, then the document");
	g_free(d.detail);
	g_clear_pointer(&text, g_free);
	d.settled = FALSE;
	ok(docread_run(plain, &d, &text, NULL) && g_strcmp0(text, "\n%PDF-") == 0,
	   "the built-in programme's reader gets no argument and the document alone");
	g_free(d.detail);
	g_bytes_unref(d.data);

	g_autoptr(GError) error = NULL;
	g_autoptr(GBytes) form = docread_make_form(own, "Member 1\nCitation:\n", 5, &error);
	g_autofree char *want =
		g_strdup_printf("--make-form --sections 5 --spec\n%zu\n%sMember 1\nCitation:\n", len, spec);
	gsize n = 0;
	const char *got = form ? g_bytes_get_data(form, &n) : "";
	ok(form && n == strlen(want) && memcmp(got, want, n) == 0,
	   "--make-form: the sections, the definition, the text");
	g_autofree char *failing = script("failing-reader", "cat >/dev/null; echo 'no room' >&2; exit 70");
	g_autoptr(nomd_config) bad = load_cfg_with(failing, 10, 64, OWN_FIELDS);
	g_clear_error(&error);
	g_autoptr(GBytes) none = bad ? docread_make_form(bad, "Member 1\n", 5, &error) : NULL;
	ok(!none && error && strstr(error->message, "exit status 70: no room"),
	   "a reader that fails to make the form: an error saying so (%s)", error ? error->message : "none");
}

static void test_reply(void)
{
	g_autoptr(nomd_config) cfg = load_cfg("/bin/false", 10, 64);
	g_autofree char *tdir = tap_source_path("templates");
	g_autoptr(reply_templates) t = NULL;
	g_autoptr(GError) error = NULL;
	if (!reply_templates_load(tdir, &t, &error)) {
		printf("# %s\n", error->message);
		return;
	}
	struct decide_state st = { 0 };
	(void)st;
	struct decision d = { .outcome = OUTCOME_REJECTED, .reply = TRUE };
	d.reasons = g_ptr_array_new();
	d.warnings = g_ptr_array_new();
	d.verdicts = g_array_new(FALSE, TRUE, sizeof(struct verdict));
	g_ptr_array_add(d.reasons, REASON_DOC_NO_TEXT);
	d.document = "<b>scan</b>.pdf";
	d.document_reason = REASON_DOC_NO_TEXT;
	g_autoptr(reply_out) r = reply_render(cfg, t, &d, "Nominations", NULL);
	ok(strstr(r->text, "<b>scan</b>.pdf holds no text we can read (it may be a scanned image)") != NULL,
	   "the reply names the file and says it holds no readable text");
	ok(strstr(r->html, "&lt;b&gt;scan&lt;/b&gt;.pdf holds no text") && !strstr(r->html, "<b>scan"),
	   "the HTML part escapes the name");
	g_ptr_array_set_size(d.reasons, 0);
	g_ptr_array_add(d.reasons, REASON_DOC_UNREADABLE);
	d.document = "nominations.docx";
	d.document_reason = REASON_DOC_UNREADABLE;
	g_autoptr(reply_out) u = reply_render(cfg, t, &d, "Nominations", NULL);
	ok(strstr(u->text, "We could not read nominations.docx (the file seems damaged). Please send the form as a "
			   "Word file (.docx) or paste it into the body of your email.") != NULL,
	   "an unreadable file: named, with what to do");
	g_autoptr(reply_out) re = reply_render(cfg, t, &d, "RE: re:\tFwd: Nominations", NULL);
	is_str(re->subject, "Re: Nominations", "the reply's subject: one Re:, the thread's Re: and Fwd: gone");
	g_ptr_array_unref(d.reasons);
	g_ptr_array_unref(d.warnings);
	g_array_unref(d.verdicts);
	g_autoptr(GError) missing = NULL;
	g_autoptr(GBytes) form = reply_form_document(&missing);
	ok(form && g_bytes_get_size(form) > 4 && memcmp(g_bytes_get_data(form, NULL), "PK\x03\x04", 4) == 0,
	   "the Word form is built in (a ZIP package)%s%s", missing ? ": " : "", missing ? missing->message : "");
}

int main(void)
{
	umask(077);
	signal(SIGPIPE, SIG_IGN); /* as nomd does */
	tmp = g_dir_make_tmp("nomd-documents-XXXXXX", NULL);
	test_collect();
	test_docread();
	test_spec_frame();
	test_reply();
	g_autofree char *cmd = g_strdup_printf("rm -rf '%s'", tmp);
	if (system(cmd) != 0)
		printf("# could not remove %s\n", tmp);
	g_free(tmp);
	return tap_done();
}
