/* origin: automatic mail, our own mail, and the authentication of the From. */
#include "origin.h"

#include <string.h>

/* Subjects of out-of-office and automatic replies, in English and the
 * languages Outlook and Exchange use most in Europe. Written case-folded,
 * as they are compared. */
static const char *const automatic_subjects[] = {
	"automatic reply",
	"auto reply",
	"autoreply",
	"auto-reply",
	"out of office",
	"out of the office",
	"away from the office",
	"on leave",
	"abwesenheitsnotiz",
	"automatische antwort",
	"réponse automatique",
	"absence du bureau",
	"respuesta automática",
	"fuera de la oficina",
	"risposta automatica",
	"fuori sede",
	"automatisch antwoord",
	"afwezig",
	"resposta automática",
	"autosvar",
	"automaattinen vastaus",
	"odpowiedź automatyczna",
	"undeliverable:",
	"delivery status notification",
	"mail delivery failed",
	"returned mail:",
	"delivery failure",
	"non remis",
};

const char *origin_automatic(const struct parsed_message *msg)
{
	if (msg->is_report)
		return "delivery or read report";
	if (msg->auto_submitted && *msg->auto_submitted && g_ascii_strcasecmp(msg->auto_submitted, "no") != 0)
		return "Auto-Submitted";
	if (msg->precedence) {
		static const char *const kinds[] = { "bulk", "junk", "list", "auto_reply" };
		for (size_t i = 0; i < G_N_ELEMENTS(kinds); i++)
			if (g_ascii_strcasecmp(msg->precedence, kinds[i]) == 0)
				return "Precedence";
	}
	if (msg->autoreply_header)
		return "X-Autoreply";
	if (msg->return_path) {
		g_autofree char *rp = g_ascii_strdown(msg->return_path, -1);
		g_strstrip(rp);
		if (strcmp(rp, "<>") == 0 || strcmp(rp, "") == 0 || strstr(rp, "mailer-daemon") ||
		    strstr(rp, "postmaster@"))
			return "null or daemon return path";
	}
	if (msg->from) {
		g_autofree char *from = g_ascii_strdown(msg->from, -1);
		if (g_str_has_prefix(from, "mailer-daemon@") || g_str_has_prefix(from, "postmaster@"))
			return "mailer daemon";
	}
	g_autofree char *subject = g_utf8_casefold(msg->subject, -1);
	for (size_t i = 0; i < G_N_ELEMENTS(automatic_subjects); i++)
		if (strstr(subject, automatic_subjects[i]))
			return "automatic reply subject";
	return NULL;
}

gboolean origin_is_us(const struct nomd_config *cfg, const struct parsed_message *msg)
{
	return msg->from && g_ascii_strcasecmp(msg->from, cfg->smtp.from_address) == 0;
}

gboolean origin_suppresses_reply(const struct parsed_message *msg)
{
	if (!msg->suppress)
		return FALSE;
	g_auto(GStrv) items = g_strsplit_set(msg->suppress, ", ", -1);
	for (size_t i = 0; items[i]; i++)
		if (g_ascii_strcasecmp(items[i], "All") == 0 || g_ascii_strcasecmp(items[i], "AutoReply") == 0)
			return TRUE;
	return FALSE;
}

/* header.d aligned (relaxed) with the From domain. */
static gboolean aligned(const char *d, const char *from_domain)
{
	size_t n = strlen(d), m = strlen(from_domain);
	if (g_ascii_strcasecmp(d, from_domain) == 0)
		return TRUE;
	return m > n && from_domain[m - n - 1] == '.' && g_ascii_strcasecmp(from_domain + m - n, d) == 0;
}

/* One resinfo clause: "dkim=pass header.d=example.org header.s=sel".
 * A DMARC pass speaks for the domain in its header.from, which must be the
 * From domain itself; a DKIM pass for a header.d aligned with it. */
static gboolean clause_passes(const char *clause, const char *from_domain)
{
	g_auto(GStrv) words = g_strsplit_set(clause, " \t", -1);
	const char *method = NULL;
	gboolean pass = FALSE;
	const char *d = NULL, *header_from = NULL;
	for (size_t i = 0; words[i]; i++) {
		char *eq = strchr(words[i], '=');
		if (!eq)
			continue;
		*eq = '\0';
		const char *k = words[i], *v = eq + 1;
		if (!method && (g_ascii_strcasecmp(k, "dmarc") == 0 || g_ascii_strcasecmp(k, "dkim") == 0)) {
			method = k;
			pass = g_ascii_strcasecmp(v, "pass") == 0;
		} else if (g_ascii_strcasecmp(k, "header.d") == 0) {
			d = v;
		} else if (g_ascii_strcasecmp(k, "header.from") == 0) {
			header_from = v;
		}
	}
	if (!method || !pass)
		return FALSE;
	if (g_ascii_strcasecmp(method, "dmarc") == 0)
		return header_from && g_ascii_strcasecmp(header_from, from_domain) == 0;
	return d && aligned(d, from_domain);
}

gboolean origin_authenticated(const struct nomd_config *cfg, const struct parsed_message *msg)
{
	const char *authserv_id = cfg->programme.trusted_authserv_id;
	if (!msg->from || !authserv_id)
		return FALSE;
	const char *from_domain = strchr(msg->from, '@') + 1;
	for (guint i = 0; i < msg->auth_results->len; i++) {
		const char *value = msg->auth_results->pdata[i];
		/* Only our own servers write above their own Received fields
		 * (RFC 8601 section 5): anything lower came with the message
		 * and may be forged, whatever authserv-id it names. */
		if (msg->auth_trace[i] > (guint)cfg->programme.own_received_headers)
			continue;
		g_auto(GStrv) clauses = g_strsplit(value, ";", -1);
		g_autofree char *id = g_strstrip(g_strdup(clauses[0] ? clauses[0] : ""));
		char *space = strpbrk(id, " \t");
		if (space)
			*space = '\0'; /* drop an optional version number */
		if (g_ascii_strcasecmp(id, authserv_id) != 0)
			continue;
		for (size_t c = 1; clauses[c]; c++) {
			/* Comments in parentheses carry nothing we need. */
			g_autoptr(GString) plain = g_string_new(NULL);
			int depth = 0;
			for (const char *p = clauses[c]; *p; p++) {
				if (*p == '(')
					depth++;
				else if (*p == ')' && depth > 0)
					depth--;
				else if (depth == 0)
					g_string_append_c(plain, *p);
			}
			if (clause_passes(g_strstrip(plain->str), from_domain))
				return TRUE;
		}
	}
	return FALSE;
}
