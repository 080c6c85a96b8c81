/* smtp: libcurl SMTP client.
 *
 * libcurl 7.88 passes CR/LF in envelope addresses straight into SMTP
 * commands and does not dot-stuff bare LF, so addresses are checked with
 * email_valid() and bodies must be strict CRLF before anything is sent.
 * STARTTLS is required (CURLUSESSL_ALL) when configured, never "try". */
#include "smtp.h"

#include <curl/curl.h>
#include <errno.h>
#include <string.h>

#include "log.h"
#include "util.h"

G_DEFINE_AUTOPTR_CLEANUP_FUNC(CURL, curl_easy_cleanup)

/* The command the server is answering, in the order they go. A refusal
 * before RCPT says nothing about the mail in hand, only about the server
 * or our account on it. */
enum smtp_stage { STAGE_CONNECT, STAGE_EHLO, STAGE_STARTTLS, STAGE_AUTH, STAGE_MAIL, STAGE_RCPT, STAGE_DATA };

static const char *const stage_names[] = { "connect", "EHLO", "STARTTLS", "AUTH", "MAIL FROM", "RCPT TO", "DATA" };
G_STATIC_ASSERT(G_N_ELEMENTS(stage_names) == STAGE_DATA + 1);

struct smtp_client {
	const struct nomd_config *cfg;
	CURL *curl;
	char errbuf[CURL_ERROR_SIZE];
	char last_refusal[256]; /* the server's last 4xx/5xx reply line */
	char last_reply[256];	/* its last reply line of any kind */
	curl_off_t body_len;	/* of the mail in hand */
	curl_off_t body_out;	/* bytes of it sent so far */
	gboolean answered;	/* a reply came after the whole body went */
	enum smtp_stage stage;	/* of the last command sent */
};

/* The stage a command line we sent starts. Lines that start none (AUTH
 * LOGIN's base64 continuations, QUIT) leave it as it is; only the verb is
 * looked at, never the credentials after it. */
static void track_stage(struct smtp_client *c, const char *data, size_t size)
{
	static const struct {
		const char *prefix;
		enum smtp_stage stage;
	} verbs[] = {
		{ "EHLO ", STAGE_EHLO },    { "HELO ", STAGE_EHLO },	  { "STARTTLS\r\n", STAGE_STARTTLS },
		{ "AUTH ", STAGE_AUTH },    { "MAIL FROM:", STAGE_MAIL }, { "RCPT TO:", STAGE_RCPT },
		{ "DATA\r\n", STAGE_DATA },
	};
	for (size_t i = 0; i < G_N_ELEMENTS(verbs); i++) {
		size_t n = strlen(verbs[i].prefix);
		if (size >= n && g_ascii_strncasecmp(data, verbs[i].prefix, n) == 0) {
			c->stage = verbs[i].stage;
			return;
		}
	}
}

/* One reply line, control characters gone, into a fixed buffer. */
static void keep_line(char *dst, size_t cap, const char *data, size_t size)
{
	size_t n = MIN(size, cap - 1);
	memcpy(dst, data, n);
	dst[n] = '\0';
	for (char *p = dst; *p; p++)
		if (*p == '\r' || *p == '\n' || (unsigned char)*p < 0x20)
			*p = (*p == '\r' || *p == '\n') ? '\0' : ' ';
}

/* libcurl's error text names the command, not the server's words: keep
 * the server's last refusal, and its final answer to a mail sent. Watch
 * the body go out too: a connection lost after all of it went and before
 * the answer leaves the mail's fate unknown (the server may have taken
 * it), which the error must say. */
static int on_debug(CURL *handle, curl_infotype type, char *data, size_t size, void *userp)
{
	struct smtp_client *c = userp;
	if (type == CURLINFO_DATA_OUT) {
		c->body_out += (curl_off_t)size;
		return 0;
	}
	if (type == CURLINFO_HEADER_OUT) {
		track_stage(c, data, size);
		return 0;
	}
	if (type != CURLINFO_HEADER_IN || size == 0)
		return 0;
	if (c->body_len > 0 && c->body_out >= c->body_len)
		c->answered = TRUE;
	keep_line(c->last_reply, sizeof c->last_reply, data, size);
	/* Only refusals: the "221 Bye" that follows one is no explanation. */
	if (data[0] == '4' || data[0] == '5')
		keep_line(c->last_refusal, sizeof c->last_refusal, data, size);
	return 0;
}

/* The server closed without reading all we sent: a send failed, or the
 * connection was reset (a socket closed with unread data sends RST; one
 * that read to the end of the mail sends FIN). Then it never saw the end
 * of the mail and cannot have accepted it. libcurl says this only in
 * words; unrecognised words count as "may have accepted", the safe side. */
/* curl writes how long a failed connect took ("... port 25 after 3 ms:
 * ..."): the same failure must read the same every time, for the log's
 * once-only lines and for staff. */
static void drop_elapsed(char *s)
{
	for (char *p = s; (p = strstr(p, " after ")) != NULL;) {
		char *q = p + 7;
		while (g_ascii_isdigit(*q))
			q++;
		if (q > p + 7 && g_str_has_prefix(q, " ms"))
			memmove(p, q + 3, strlen(q + 3) + 1);
		else
			p += 7;
	}
}

static gboolean server_dropped_data(CURLcode rc, const char *errbuf)
{
	return rc == CURLE_SEND_ERROR || strstr(errbuf, g_strerror(ECONNRESET)) ||
	       strstr(errbuf, "GnuTLS recv error (-54)"); /* GNUTLS_E_PULL_ERROR: recv() failed */
}

struct upload {
	const char *data;
	size_t len;
	size_t pos;
};

static size_t read_body(char *buf, size_t size, size_t nitems, void *userdata)
{
	struct upload *u = userdata;
	size_t n = MIN(size * nitems, u->len - u->pos);
	memcpy(buf, u->data + u->pos, n);
	u->pos += n;
	return n;
}

struct smtp_client *smtp_client_new(const struct nomd_config *cfg)
{
	static gsize initialised = 0;
	if (g_once_init_enter(&initialised)) {
		curl_global_init(CURL_GLOBAL_DEFAULT);
		g_once_init_leave(&initialised, 1);
	}
	struct smtp_client *c = g_new0(struct smtp_client, 1);
	c->cfg = cfg;
	return c;
}

void smtp_client_free(struct smtp_client *c)
{
	if (!c)
		return;
	if (c->curl)
		curl_easy_cleanup(c->curl);
	g_free(c);
}

static CURL *handle(struct smtp_client *c)
{
	if (c->curl)
		return c->curl;
	const struct nomd_config *cfg = c->cfg;
	CURL *curl = curl_easy_init();
	if (!curl)
		return NULL;
	curl_easy_setopt(curl, CURLOPT_URL, cfg->smtp.url);
	curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
	curl_easy_setopt(curl, CURLOPT_USE_SSL,
			 cfg->smtp.security == SEC_NONE ? (long)CURLUSESSL_NONE : (long)CURLUSESSL_ALL);
	if (cfg->smtp.ca_file)
		curl_easy_setopt(curl, CURLOPT_CAINFO, cfg->smtp.ca_file);
	curl_easy_setopt(curl, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(curl, CURLOPT_SSL_VERIFYHOST, 2L);
	if (cfg->smtp.user) {
		curl_easy_setopt(curl, CURLOPT_USERNAME, cfg->smtp.user);
		curl_easy_setopt(curl, CURLOPT_PASSWORD, cfg->smtp.password ? cfg->smtp.password : "");
	}
	long timeout = cfg->smtp.timeout_seconds;
	curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT, timeout);
	curl_easy_setopt(curl, CURLOPT_SERVER_RESPONSE_TIMEOUT, timeout);
	/* Whole-transfer bound so a server that trickles bytes cannot hang us. */
	curl_easy_setopt(curl, CURLOPT_TIMEOUT, timeout * 4);
	curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, c->errbuf);
	curl_easy_setopt(curl, CURLOPT_UPLOAD, 1L);
	curl_easy_setopt(curl, CURLOPT_READFUNCTION, read_body);
	curl_easy_setopt(curl, CURLOPT_DEBUGFUNCTION, on_debug);
	curl_easy_setopt(curl, CURLOPT_DEBUGDATA, c);
	curl_easy_setopt(curl, CURLOPT_VERBOSE, 1L);
	c->curl = curl;
	return curl;
}

enum smtp_result smtp_send(struct smtp_client *c, const char *envelope_from, const char *recipient, GBytes *body,
			   char **reply, char **error_text)
{
	*reply = *error_text = NULL;
	if (!email_valid(recipient) || (envelope_from && *envelope_from && !email_valid(envelope_from))) {
		*error_text = g_strdup("refused: envelope address is not a plain valid address");
		return SMTP_PERMANENT;
	}
	CURL *curl = handle(c);
	if (!curl) {
		*error_text = g_strdup("could not set up the SMTP client");
		return SMTP_TEMPORARY;
	}
	gsize len = 0;
	struct upload u = { .data = g_bytes_get_data(body, &len) };
	u.len = len;
	g_autofree char *from = envelope_from && *envelope_from ? g_strdup_printf("<%s>", envelope_from) : NULL;
	/* NULL sends MAIL FROM:<>, the null sender automatic replies use. */
	curl_easy_setopt(curl, CURLOPT_MAIL_FROM, from);
	g_autofree char *rcpt = g_strdup_printf("<%s>", recipient);
	struct curl_slist *rcpts = curl_slist_append(NULL, rcpt);
	curl_easy_setopt(curl, CURLOPT_MAIL_RCPT, rcpts);
	curl_easy_setopt(curl, CURLOPT_READDATA, &u);
	curl_easy_setopt(curl, CURLOPT_INFILESIZE_LARGE, (curl_off_t)len);
	c->errbuf[0] = c->last_refusal[0] = c->last_reply[0] = '\0';
	c->body_len = (curl_off_t)len;
	c->body_out = 0;
	c->answered = FALSE;
	c->stage = STAGE_CONNECT; /* a reused connection goes on at MAIL FROM */
	log_debug("smtp state=send rcpt=%s bytes=%zu", recipient, (size_t)len);
	CURLcode rc = curl_easy_perform(curl);
	curl_easy_setopt(curl, CURLOPT_MAIL_RCPT, NULL);
	curl_slist_free_all(rcpts);
	gboolean unknown_fate =
		c->body_len > 0 && c->body_out >= c->body_len && !c->answered && !server_dropped_data(rc, c->errbuf);
	c->body_len = 0;
	if (rc == CURLE_OK) {
		*reply = g_strdup(c->last_reply);
		return SMTP_SENT;
	}

	long code = 0;
	curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &code);
	g_autofree char *why =
		code ? g_strdup_printf("%s (server said: %s)", c->errbuf[0] ? c->errbuf : curl_easy_strerror(rc),
				       c->last_refusal[0] ? c->last_refusal : "nothing")
		     : g_strdup_printf("%s%s%s", curl_easy_strerror(rc), c->errbuf[0] ? ": " : "", c->errbuf);
	/* RFC 1047: the server may have queued it and then lost the line
	 * before its 250. Sending again is right (a copy beats a loss), but
	 * whoever reads the log should know why a copy may arrive twice. */
	*error_text = unknown_fate ? g_strdup_printf("no answer after the whole mail was sent, so the server may "
						     "have accepted it and it may arrive twice: %s",
						     why)
				   : g_steal_pointer(&why);
	for (char *p = *error_text; *p; p++)
		if (*p == '\r' || *p == '\n')
			*p = ' ';
	drop_elapsed(*error_text);
	/* A broken connection is not reused: the next send reconnects. */
	curl_easy_cleanup(c->curl);
	c->curl = NULL;
	if (c->stage < STAGE_RCPT) {
		/* Unreachable, or a refused login or sender: the same for every
		 * mail, so it fails none of them; a 5xx here is a fault of ours
		 * (a rotated password) or of the server, fixed by staff. */
		char *t = g_strdup_printf("SMTP %s failed: %s", stage_names[c->stage], *error_text);
		g_free(*error_text);
		*error_text = t;
		return SMTP_NO_SERVICE;
	}
	return code >= 500 && code < 600 ? SMTP_PERMANENT : SMTP_TEMPORARY;
}
