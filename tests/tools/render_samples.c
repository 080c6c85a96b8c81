/* render_samples: writes every reply kind, filled with sample data, as
 * OUTDIR/NAME.html and OUTDIR/NAME.txt, for people to look at (see
 * tests/screenshot_templates.sh). Usage: render_samples TEMPLATE_DIR OUTDIR */
#include <glib/gstdio.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "../../daemon/decide.h"
#include "../../daemon/reply.h"

static void summary(void *ctx, const char *org, struct org_summary *out)
{
	*out = (struct org_summary){ .members = 2, .mentors = 1 };
}

static gboolean owner(void *ctx, const char *key, char **org, char **role)
{
	if (strcmp(key, "kept@fife.example") != 0)
		return FALSE;
	*org = g_strdup("fife");
	*role = g_strdup("member");
	return TRUE;
}

static gboolean no(void *ctx, const char *id)
{
	return FALSE;
}

static int none(void *ctx, const char *address)
{
	return 0;
}

/* An Authentication-Results header of the sample configuration's trusted
 * server: the message authenticated. */
#define AUTHENTICATED "Authentication-Results: mx.example.org; dmarc=pass header.from=fife.example\r\n"

static void write_kind(const struct nomd_config *cfg, const struct reply_templates *t, const char *out,
		       const char *name, const char *headers, const char *subject, const char *body, GPtrArray *status)
{
	struct decide_state st = { .summary = summary,
				   .email_owner = owner,
				   .message_known = no,
				   .sent_by_us = no,
				   .recent_replies = none,
				   .received = g_get_real_time() / G_USEC_PER_SEC };
	g_autofree char *raw =
		g_strdup_printf("%sFrom: ce@fife.example\r\nSubject: %s\r\nMessage-ID: <%s@fife.example>\r\n"
				"Content-Type: text/plain; charset=utf-8\r\n\r\n%s",
				headers, subject, name, body);
	g_autoptr(parsed_message) m = mime_parse(raw, strlen(raw));
	g_autoptr(form) f = form_parse(m->text, FALSE);
	g_autoptr(decision) d = decide(cfg, m, f, &st);
	if (d->command == CMD_WITHDRAW_PENDING) /* drawn at random by ingest */
		d->confirm_token = g_strdup("5c1e0a9b7d3f2e8a4b6c0d19");
	g_autoptr(reply_out) r = reply_render(cfg, t, d, m->subject, status);
	g_autofree char *html = g_strdup_printf("%s/%s.html", out, name);
	g_autofree char *text = g_strdup_printf("%s/%s.txt", out, name);
	g_autofree char *full = g_strdup_printf("Subject: %s\n\n%s", r->subject, r->text);
	g_file_set_contents(html, r->html, -1, NULL);
	g_file_set_contents(text, full, -1, NULL);
	printf("%s\n", html);
}

int main(int argc, char **argv)
{
	/* Configs below hold a password: private, as nomd insists. */
	umask(077);
	if (argc != 3) {
		fprintf(stderr, "usage: render_samples TEMPLATE_DIR OUTDIR\n");
		return 64;
	}
	g_autofree char *tmp = g_dir_make_tmp("nomd-samples-XXXXXX", NULL);
	g_autofree char *conf = g_build_filename(tmp, "s.conf", NULL);
	g_autofree char *text = g_strdup_printf(
		"templates = \"%s\";\nimap = { host = \"h\"; user = \"u\"; password = \"p\"; };\n"
		"smtp = { url = \"smtp://h\"; from = \"Local Government Connect Network <connect@example.org>\"; };\n"
		"programme = { trusted_authserv_id = \"mx.example.org\"; };\n"
		"organisations = ( { id = \"fife\"; name = \"Fife Council\"; nominators = [ \"ce@fife.example\" ];"
		" domains = [ \"fife.example\" ]; } );\n",
		argv[1]);
	g_file_set_contents(conf, text, -1, NULL);
	g_autoptr(nomd_config) cfg = NULL;
	g_autoptr(reply_templates) t = NULL;
	g_autoptr(GError) error = NULL;
	if (!config_load(conf, &cfg, &error) || !reply_templates_load(cfg->templates, &t, &error)) {
		fprintf(stderr, "%s\n", error->message);
		return 78;
	}
	g_mkdir_with_parents(argv[2], 0755);
	write_kind(cfg, t, argv[2], "confirmation", "", "Nominations from Fife",
		   "Member\nName: Siobhán Ní Bhriain\nEmail: siobhan@fife.example\nYears in local government: 9\n"
		   "Member\nName: Kept Person\nEmail: kept@fife.example\n"
		   "Mentor\nName: Mòrag MacLeòid\nEmail: morag@gmail.example\n"
		   "Mentor\nName: No Address\nEmail: not-an-address\n",
		   NULL);
	write_kind(cfg, t, argv[2], "form-problem", "", "Re: Connect Network", "We will send names next week.\n", NULL);
	write_kind(cfg, t, argv[2], "form", "", "FORM", "", NULL);
	g_autoptr(GPtrArray) status = g_ptr_array_new_with_free_func((GDestroyNotify)status_entry_free);
	const char *rows[][3] = { { "member", "Siobhán Ní Bhriain", "siobhan@fife.example" },
				  { "mentor", "Jo Smith", "jo@fife.example" } };
	for (size_t i = 0; i < G_N_ELEMENTS(rows); i++) {
		struct status_entry *e = g_new0(struct status_entry, 1);
		e->role = g_strdup(rows[i][0]);
		e->name = g_strdup(rows[i][1]);
		e->email = g_strdup(rows[i][2]);
		g_ptr_array_add(status, e);
	}
	write_kind(cfg, t, argv[2], "status", "", "STATUS", "", status);
	write_kind(cfg, t, argv[2], "withdraw", AUTHENTICATED, "WITHDRAW kept@fife.example", "", NULL);
	write_kind(cfg, t, argv[2], "withdraw-confirm", "", "WITHDRAW kept@fife.example", "", NULL);
	g_autoptr(reply_out) alert = reply_render_reply_limit(cfg, t, "chief.executive@fife.example");
	g_autofree char *html = g_strdup_printf("%s/staff-reply-limit.html", argv[2]);
	g_autofree char *txt = g_strdup_printf("%s/staff-reply-limit.txt", argv[2]);
	g_autofree char *full = g_strdup_printf("Subject: %s\n\n%s", alert->subject, alert->text);
	g_file_set_contents(html, alert->html, -1, NULL);
	g_file_set_contents(txt, full, -1, NULL);
	printf("%s\n", html);
	return 0;
}
