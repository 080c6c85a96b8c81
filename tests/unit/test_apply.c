/* Unit tests: one message through parse -> decide -> commit, on a real
 * SQLite file and the real templates, without mail servers. Also checks
 * the composed reply: threading headers, 7-bit CRLF, no header injection. */
#include <glib/gstdio.h>
#include <gmime/gmime.h>
#include <sys/stat.h>

#include "../../daemon/ingest.h"
#include "../../daemon/log.h"
#include "../../daemon/outbox.h"
#include "../../parsers/gmime_glue.h"
#include "../../parsers/mime.h"

#include "tap.h"

static struct nomd_config *cfg;
static struct reply_templates *templates;
static struct store *st;
static struct ingest ing;

static char *apply(const char *raw, gsize len)
{
	g_autoptr(GBytes) b = g_bytes_new(raw, len);
	char *outcome = NULL;
	g_autoptr(GError) error = NULL;
	if (!ingest_apply(&ing, b, NULL, &outcome, &error)) {
		printf("# apply failed: %s\n", error->message);
		return g_strdup("(error)");
	}
	return outcome;
}

static char *apply_str(const char *raw)
{
	return apply(raw, strlen(raw));
}

static void count_row(void *ctx, int n, const char *const *names, const char *const *values)
{
	(*(int *)ctx)++;
}

static int count(gboolean (*each)(struct store *, store_row_fn, void *, GError **))
{
	int n = 0;
	each(st, count_row, &n, NULL);
	return n;
}

/* The pending mail, each as delivery would send it: rendered from its facts. */
static GPtrArray *outbox(void)
{
	GPtrArray *items = NULL;
	store_outbox_pending(st, 0, 1000, G_MAXINT64, &items, NULL);
	for (guint i = 0; items && i < items->len; i++) {
		struct outbox_item *it = items->pdata[i];
		g_autoptr(GError) error = NULL;
		GBytes *mail = NULL;
		if (!it->facts)
			continue;
		if (!outbox_render(cfg, templates, it, &mail, &error)) {
			printf("# outbox #%" G_GINT64_FORMAT " does not render: %s\n", it->id, error->message);
			continue;
		}
		g_bytes_unref(it->body);
		it->body = mail;
	}
	return items;
}

static GMimeMessage *parse_reply(GBytes *b)
{
	gsize len;
	const char *data = g_bytes_get_data(b, &len);
	g_autoptr(GMimeStream) s = g_mime_stream_mem_new_with_buffer(data, len);
	g_autoptr(GMimeParser) p = g_mime_parser_new_with_stream(s);
	return g_mime_parser_construct_message(p, NULL);
}

static gboolean strict_crlf(GBytes *b)
{
	gsize len;
	const guint8 *d = g_bytes_get_data(b, &len);
	for (gsize i = 0; i < len; i++)
		if ((d[i] == '\n' && (i == 0 || d[i - 1] != '\r')) || d[i] > 0x7f)
			return FALSE;
	return TRUE;
}

static char *header_block(GBytes *b)
{
	gsize len;
	const char *d = g_bytes_get_data(b, &len);
	const char *end = g_strstr_len(d, len, "\r\n\r\n");
	return g_strndup(d, end ? (gsize)(end - d) : len);
}

#define FORM                                                                                                           \
	"Member\nName: Alex Morgan\nEmail: alex@fife.example\n"                                                        \
	"Mentor\nName: Jo Smith\nEmail: jo@fife.example\n"

int main(void)
{
	/* Configs below hold a password: private, as nomd insists. */
	umask(077);
	mime_init();
	log_set_level(LOG_LVL_WARN);
	g_autofree char *dir = g_dir_make_tmp("nomd-apply-XXXXXX", NULL);
	g_autofree char *rel = tap_source_path("templates");
	g_autofree char *tdir = g_canonicalize_filename(rel, NULL);
	g_autofree char *conf = g_build_filename(dir, "t.conf", NULL);
	g_autofree char *text =
		g_strdup_printf("database = \"%s/nomd.db\";\ntemplates = \"%s\";\n"
				"imap = { host = \"h\"; user = \"u\"; password = \"p\"; };\n"
				"smtp = { url = \"smtp://h\"; from = \"Connect Network <connect@example.org>\"; };\n"
				"programme = { max_members = 1; max_mentors = 5; };\n"
				"organisations = ( { id = \"fife\"; name = \"Fife Council\"; nominators = [ "
				"\"ce@fife.example\" ]; } );\n",
				dir, tdir);
	g_file_set_contents(conf, text, -1, NULL);
	g_autoptr(GError) error = NULL;
	if (!config_load(conf, &cfg, &error) || !reply_templates_load(cfg->templates, &templates, &error) ||
	    !store_open(cfg->database, &st, &error)) {
		printf("Bail out! %s\n", error->message);
		return 1;
	}
	ing = (struct ingest){ .cfg = cfg, .st = st };

	const char *good = "From: Chief Executive <ce@fife.example>\r\n"
			   "To: connect@example.org\r\n"
			   "Subject: Re: Nominations for the network\r\n"
			   "Message-ID: <orig-1@fife.example>\r\n"
			   "References: <older@example.org>\r\n"
			   "\r\n" FORM;
	g_autofree char *o1 = apply_str(good);
	is_str(o1, "accepted", "valid form accepted");
	is_int(count(store_each_nominee), 2, "two nominees stored");
	is_int(count(store_each_message), 1, "message recorded");
	g_autoptr(GPtrArray) box = outbox();
	is_int(box->len, 1, "one reply queued");
	if (box->len) {
		struct outbox_item *it = box->pdata[0];
		is_str(it->recipient, "ce@fife.example", "reply to the sender");
		is_str(it->envelope_from, "", "from the null sender");
		ok(strict_crlf(it->body), "reply is strict 7-bit CRLF");
		g_autoptr(GMimeMessage) r = parse_reply(it->body);
		GMimeObject *o = GMIME_OBJECT(r);
		is_str(g_mime_message_get_subject(r), "Re: Nominations for the network", "one Re: prefix");
		is_str(g_mime_object_get_header(o, "In-Reply-To"), "<orig-1@fife.example>", "In-Reply-To");
		is_str(g_mime_object_get_header(o, "References"), "<older@example.org> <orig-1@fife.example>",
		       "References extends the thread");
		is_str(g_mime_object_get_header(o, "Auto-Submitted"), "auto-replied", "Auto-Submitted");
		ok(g_str_has_suffix(g_mime_message_get_message_id(r), "@example.org"), "Message-ID under our domain");
		GMimeObject *top = g_mime_message_get_mime_part(r);
		ok(GMIME_IS_MULTIPART(top) && g_mime_multipart_get_count(GMIME_MULTIPART(top)) == 2,
		   "multipart/alternative: text and HTML");
		GMimeObject *plain = GMIME_IS_MULTIPART(top) ? g_mime_multipart_get_part(GMIME_MULTIPART(top), 0) : top;
		GMimeObject *html = GMIME_IS_MULTIPART(top) ? g_mime_multipart_get_part(GMIME_MULTIPART(top), 1) : NULL;
		g_autofree char *body = g_mime_text_part_get_text(GMIME_TEXT_PART(plain));
		g_autofree char *html_text = html ? g_mime_text_part_get_text(GMIME_TEXT_PART(html)) : NULL;
		ok(html_text && strstr(html_text, "Alex Morgan<br>") && strstr(html_text, "Accepted"),
		   "the HTML part lists the nominee too");
		ok(strstr(body, "Alex Morgan <alex@fife.example> (member): accepted."), "nominee listed as accepted");
		ok(strstr(body, "1 of 1 members and 1 of 5 mentors"), "running totals");
	}

	g_autofree char *o2 = apply_str(good);
	is_str(o2, "accepted", "same message again reports its recorded outcome");
	is_int(ing.stats.already, 1, "recognised as already applied");
	is_int(count(store_each_nominee), 2, "nothing stored twice");
	g_autoptr(GPtrArray) box2 = outbox();
	is_int(box2->len, 1, "nothing queued twice");

	const char *over = "From: ce@fife.example\r\nSubject: More\r\nMessage-ID: <orig-2@fife.example>\r\n\r\n"
			   "Member\nName: Sam\nEmail: sam@fife.example\n";
	g_autofree char *o3 = apply_str(over);
	is_str(o3, "rejected", "over quota in a second message: rejected");

	const char *stranger = "From: someone@else.example\r\nSubject: hi\r\nMessage-ID: <s@else.example>\r\n\r\n" FORM;
	g_autofree char *o4 = apply_str(stranger);
	is_str(o4, "held", "unknown sender held");
	g_autoptr(GPtrArray) box3 = outbox();
	is_int(box3->len, 2, "held message queues no reply");

	/* Nothing from the message can add a header to the reply. */
	const char *inject = "From: ce@fife.example\r\n"
			     "Subject: =?utf-8?q?Hello=0D=0ABcc=3A_victim=40evil=2Eexample?=\r\n"
			     "Message-ID: <bad\r\n id@x>\r\n"
			     "\r\n"
			     "Mentor\nName: Eve\r\nBcc: victim@evil.example\nEmail: eve@fife.example\n";
	g_autofree char *o5 = apply_str(inject);
	is_str(o5, "accepted", "message with hostile headers still decided");
	g_autoptr(GPtrArray) box4 = outbox();
	if (box4->len == 3) {
		struct outbox_item *it = box4->pdata[2];
		g_autofree char *head = header_block(it->body);
		ok(!strstr(head, "\r\nBcc:") && !strstr(head, "\nbcc:"), "no Bcc header injected");
		ok(!strstr(head, "In-Reply-To"), "unusable Message-ID is not echoed");
		ok(strict_crlf(it->body), "still strict CRLF");
	} else {
		ok(0, "third reply queued (got %u)", box4->len);
	}

	/* Bad input ends as an outcome, never a crash. */
	const char garbage[] =
		"\x00\x01\xff\xfe--boundary\r\nContent-Type: multipart/mixed; boundary=\"\r\n\r\n\x80\x81";
	g_autofree char *o6 = apply(garbage, sizeof garbage - 1);
	ok(g_strcmp0(o6, "held") == 0 || g_strcmp0(o6, "rejected") == 0, "garbage bytes: %s", o6);
	g_autofree char *o7 = apply("", 0);
	is_str(o7, "held", "empty message held");
	g_autofree char *o8 =
		apply_str("From: ce@fife.example\r\nSubject: empty\r\nMessage-ID: <e@fife.example>\r\n\r\n");
	is_str(o8, "rejected", "missing body: rejected with a reply");
	g_autofree char *o9 =
		apply_str("From: ce@fife.example\r\nMessage-ID: <m@fife.example>\r\n"
			  "Content-Type: multipart/mixed; boundary=x\r\n\r\n--x\r\nContent-Type: text/plain\r\n"
			  "\r\nMentor\nName: Kim\nEmail: kim@fife.example\n--x");
	is_str(o9, "accepted", "multipart without closing boundary still read");
	g_autofree char *o10 = apply_str("From: ce@fife.example\r\nMessage-ID: <w@fife.example>\r\n"
					 "Content-Type: text/plain; charset=windows-1252\r\n"
					 "Content-Transfer-Encoding: 8bit\r\n\r\n"
					 "Mentor\nName: Siobh\xe1n N\xed Bhriain\nEmail: siobhan@fife.example\n");
	is_str(o10, "accepted", "Windows-1252 body accepted");
	g_autofree char *o11 = apply_str("From: ce@fife.example\r\nMessage-ID: <u@fife.example>\r\n\r\n"
					 "Mentor\nName: Ren\xe9\nEmail: rene@fife.example\n");
	is_str(o11, "accepted", "undeclared 8-bit body accepted");

	store_close(st);
	reply_templates_free(templates);
	config_free(cfg);
	return tap_done();
}
