/* fuzz_config: libFuzzer target for the configuration loader,
 * daemon/config.h (and the digest schedule it validates, daemon/schedule.h).
 *
 * One input is the text of one nomd.conf. It is written (mode 0600: nomd
 * refuses a password-holding file others can read) to a temporary folder
 * of this process, made once and removed at exit, which also holds:
 *
 *   organisations.conf  a valid list of four organisations (for @include)
 *   imap.password       0600, "secret"      smtp.password  0600
 *   open.password       0644 (refused)      empty.password 0600, empty
 *   bad.conf            a syntax error on its line 3 (for @include)
 *
 * and config_load() reads it. An input with an @include of anything else
 * is skipped (libconfig would read whatever it names: /dev/zero, a
 * folder); nomd.conf includes itself to find the nesting limit.
 *
 * Checked:
 *   - failure: a CONFIG_ERROR whose message is "FILE:LINE: message" with
 *     FILE a file of the folder (nomd.conf or what it included) and LINE a
 *     line of it (0 for a setting that is missing), valid UTF-8;
 *   - success: every setting within the bounds of daemon/config.c's table
 *     (ports 1..65535 and the others); the strings set, without line
 *     breaks; those nomd writes into mail (programme and organisation
 *     names, smtp.from, the held folder) valid UTF-8; smtp.from split into a valid address and its
 *     lower-case domain; smtp.url's scheme fits smtp.security; an IMAP
 *     password, from the file or the config, not empty (as a password file
 *     may not be); require_authentication has
 *     its trusted_authserv_id; at least one organisation, each with a valid
 *     id, a name, a kind, lower-case valid nominators and domains, ids and
 *     names distinct, and config_find_organisation() finding each by its id
 *     and by its name; staff addresses valid and lower case;
 *   - the digest schedule config_load accepted parses again, and its last
 *     due time is never after `now`, its next one after it, around the
 *     summer-time changes too.
 *
 * Replay an input: build/fuzz/fuzz_config FILE (NOMD_FUZZ_DEBUG=1 prints
 * config_load's verdict). */
#define FUZZ_TARGET "fuzz_config"
#include "fuzz_common.h"

#include <fcntl.h>
#include <glib/gstdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../../daemon/config.h"
#include "../../daemon/schedule.h"
#include "../../daemon/util.h"

static char *dir, *conf;

/* libconfig 1.5 (Debian 12) leaks its string buffer on some inputs
 * (strbuf_append, 64 bytes; reproduced with libconfig alone): not nomd's
 * to fix. LeakSanitizer reads this at exit. */
const char *__lsan_default_suppressions(void);
const char *__lsan_default_suppressions(void)
{
	return "leak:libconfig.so\n";
}
const char *__lsan_default_options(void);
const char *__lsan_default_options(void)
{
	return "print_suppressions=0";
}

static const struct {
	const char *name, *text;
	int mode;
} files[] = {
	{ "organisations.conf",
	  "# Four organisations, for @include \"organisations.conf\".\n"
	  "organisations = (\n"
	  "  { id = \"fife\"; name = \"Fife Council\"; kind = \"council\";\n"
	  "    nominators = [ \"ce@fife.example\", \"Chief.Executive@Fife.Example\" ];\n"
	  "    domains = [ \"fife.example\" ]; },\n"
	  "  { id = \"highland\"; name = \"The Highland Council\";\n"
	  "    nominators = [ \"chief.executive@highland.example\" ]; },\n"
	  "  { id = \"eilean-siar\"; name = \"Comhairle nan Eilean Siar\"; domains = [ \"cne-siar.example\" ]; },\n"
	  "  { id = \"improvement_service\"; name = \"Improvement Service\"; kind = \"partner\"; nominators = [ ]; }\n"
	  ");\n",
	  0600 },
	{ "imap.password", "secret\n", 0600 },
	{ "smtp.password", "smtp secret\r\nsecond line\n", 0600 },
	{ "open.password", "secret\n", 0644 },
	{ "empty.password", "", 0600 },
	{ "bad.conf", "# an included file\nstaff = {\n  digest = ;\n};\n", 0600 },
};

/* What an @include may name here. */
static const char *const includable[] = { "organisations.conf", "nomd.conf",	 "bad.conf", "missing.conf",
					  "imap.password",	"open.password", NULL };

static void cleanup(void)
{
	for (size_t i = 0; i < G_N_ELEMENTS(files); i++) {
		g_autofree char *p = g_build_filename(dir, files[i].name, NULL);
		g_unlink(p);
	}
	if (conf)
		g_unlink(conf);
	if (dir)
		g_rmdir(dir);
}

static void write_file(const char *path, const void *data, size_t size, int mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode);
	CHECK(fd >= 0, "cannot write %s", path);
	const char *p = data;
	while (size > 0) {
		ssize_t n = write(fd, p, size);
		CHECK(n > 0, "cannot write %s", path);
		p += n;
		size -= (size_t)n;
	}
	CHECK(fchmod(fd, mode) == 0, "cannot chmod %s", path);
	close(fd);
}

/* Every @include names a file of ours, in plain quotes. libconfig takes
 * ^[ \t]*@include[ \t]+" as one (at the start of a line); a mention
 * elsewhere (a comment, a string) is left alone. */
static gboolean includes_ok(const char *text, size_t size)
{
	static const char word[] = "@include";
	for (size_t i = 0; i < size; i++) {
		if (i > 0 && text[i - 1] != '\n' && text[i - 1] != '\r')
			continue;
		size_t j = i;
		while (j < size && (text[j] == ' ' || text[j] == '\t'))
			j++;
		if (size - j < strlen(word) || g_ascii_strncasecmp(text + j, word, strlen(word)) != 0)
			continue;
		j += strlen(word);
		while (j < size && (text[j] == ' ' || text[j] == '\t'))
			j++;
		if (j >= size || text[j] != '"')
			continue; /* not an include */
		j++;
		gboolean known = FALSE;
		for (const char *const *f = includable; *f && !known; f++)
			known = j + strlen(*f) < size && strncmp(text + j, *f, strlen(*f)) == 0 &&
				text[j + strlen(*f)] == '"';
		if (!known)
			return FALSE;
	}
	return TRUE;
}

static gsize lines_of(const char *path)
{
	g_autofree char *text = NULL;
	gsize len = 0, n = 1;
	if (!g_file_get_contents(path, &text, &len, NULL))
		return 0;
	for (gsize i = 0; i < len; i++)
		n += text[i] == '\n';
	return n;
}

static void check_error(const GError *error)
{
	CHECK(error != NULL, "config_load failed without an error");
	const char *m = error->message;
	CHECK(error->domain == CONFIG_ERROR, "config_load failed with a %s error: %s", g_quark_to_string(error->domain),
	      m);
	/* FILE: the configuration's path, or an included file's name as the
	 * @include wrote it (libconfig reports it so; relative to the folder). */
	const char *colon = NULL;
	g_autofree char *file = NULL;
	if (g_str_has_prefix(m, conf) && m[strlen(conf)] == ':') {
		colon = m + strlen(conf);
		file = g_strdup(conf);
	}
	for (const char *const *f = includable; *f && !colon; f++)
		if (g_str_has_prefix(m, *f) && m[strlen(*f)] == ':') {
			colon = m + strlen(*f);
			file = g_build_filename(dir, *f, NULL);
		}
	CHECK_NAMED("config-error-format", colon != NULL, "error does not start with the file: %s", m);
	if (!colon)
		return;
	CHECK(g_file_test(file, G_FILE_TEST_IS_REGULAR), "error names %s, which is not a file: %s", file, m);
	/* :LINE: */
	char *end = NULL;
	guint64 line = g_ascii_strtoull(colon + 1, &end, 10);
	CHECK_NAMED("config-error-format", end != colon + 1 && end[0] == ':' && end[1] == ' ',
		    "error is not FILE:LINE: message: %s", m);
	gsize lines = lines_of(file);
	CHECK_NAMED("config-error-line", line <= lines + 1,
		    "error names line %" G_GUINT64_FORMAT " of %s, which has %zu: %s", line, file, (size_t)lines, m);
	CHECK(end[2] != '\0', "error has no message: %s", m);
}

/* A one-line setting; `in_mail`: nomd writes it into the mail it sends
 * (templates, headers), which is UTF-8, so it must be UTF-8 too. Host
 * names, paths, folder and user names go elsewhere as they are. */
static void check_string(const char *what, const char *s, gboolean required, gboolean in_mail)
{
	if (!s) {
		CHECK(!required, "%s is NULL", what);
		return;
	}
	CHECK(!strpbrk(s, "\r\n"), "%s holds a line break", what);
	if (in_mail)
		CHECK_NAMED("config-utf8", g_utf8_validate(s, -1, NULL), "%s is not valid UTF-8: \"%s\"", what, s);
}

#define IN_RANGE(v, lo, hi)                                                                                            \
	CHECK((v) >= (lo) && (v) <= (hi), #v " is %lld, not in %lld..%lld", (long long)(v), (long long)(lo),           \
	      (long long)(hi))

static gboolean lower_case(const char *s)
{
	for (; *s; s++)
		if (g_ascii_isupper(*s))
			return FALSE;
	return TRUE;
}

static void check_addresses(const char *what, const GPtrArray *list, gboolean domains)
{
	CHECK(list != NULL, "%s list is NULL", what);
	for (guint i = 0; i < list->len; i++) {
		const char *a = list->pdata[i];
		g_autofree char *probe = domains ? g_strconcat("x@", a, NULL) : g_strdup(a);
		CHECK(email_valid(probe), "%s entry \"%s\" is not valid", what, a);
		CHECK(lower_case(a), "%s entry \"%s\" is not lower case", what, a);
	}
}

/* When the digest is due, around the summer-time changes of 2026 and at
 * the end of representable time zones' years. */
static void check_schedule(const struct nomd_config *cfg)
{
	g_autoptr(schedule) s = NULL;
	g_autoptr(GError) error = NULL;
	CHECK(schedule_parse(cfg->digest, cfg->timezone, &s, &error), "config_load accepted digest \"%s\" in %s: %s",
	      cfg->digest, cfg->timezone, error ? error->message : "");
	if (!s)
		return; /* off */
	static const gint64 nows[] = {
		1795514400, /* 2026-11-24T10:00:00Z */
		1774747800, /* 2026-03-29T01:30:00Z, clocks go forward in the UK */
		1792891800, /* 2026-10-25T01:30:00Z, clocks go back */
		1798761599, /* 2026-12-31T23:59:59Z */
	};
	for (size_t i = 0; i < G_N_ELEMENTS(nows); i++) {
		gint64 now = nows[i];
		g_autofree char *key = NULL;
		gint64 last = schedule_last_due(s, now, &key);
		CHECK_NAMED("config-schedule", last <= now && last > now - 8 * 86400,
			    "digest \"%s\" in %s: last due %" G_GINT64_FORMAT " for now %" G_GINT64_FORMAT, cfg->digest,
			    cfg->timezone, last, now);
		CHECK(key && *key, "digest \"%s\" in %s: no period key", cfg->digest, cfg->timezone);
		gint64 next = schedule_next_due(s, now);
		CHECK_NAMED("config-schedule", next > now && next <= now + 8 * 86400,
			    "digest \"%s\" in %s: next due %" G_GINT64_FORMAT " for now %" G_GINT64_FORMAT, cfg->digest,
			    cfg->timezone, next, now);
	}
}

static void check_config(const struct nomd_config *c)
{
	CHECK(c != NULL, "config_load succeeded without a config");
	CHECK(g_strcmp0(c->path, conf) == 0, "path is %s, not %s", c->path, conf);
	check_string("database", c->database, TRUE, FALSE);
	check_string("templates", c->templates, TRUE, FALSE);

	check_string("imap.host", c->imap.host, TRUE, FALSE);
	IN_RANGE(c->imap.port, 1, 65535);
	CHECK(c->imap.security == SEC_TLS || c->imap.security == SEC_STARTTLS || c->imap.security == SEC_NONE,
	      "imap.security %d", (int)c->imap.security);
	check_string("imap.ca_file", c->imap.ca_file, FALSE, FALSE);
	check_string("imap.user", c->imap.user, TRUE, FALSE);
	CHECK(c->imap.password, "no IMAP password");
	/* read_secret_file() refuses an empty password file. */
	CHECK_NAMED("config-empty-password", *c->imap.password, "the IMAP password is empty");
	CHECK(!strpbrk(c->imap.password, "\r\n"), "the IMAP password holds a line break");
	check_string("imap.password_file", c->imap.password_file, FALSE, FALSE);
	check_string("imap.inbox", c->imap.inbox, TRUE, FALSE);
	check_string("imap.processed", c->imap.processed, TRUE, FALSE);
	check_string("imap.rejected", c->imap.rejected, TRUE, FALSE);
	check_string("imap.held", c->imap.held, TRUE, TRUE);
	check_string("imap.ignored", c->imap.ignored, TRUE, FALSE);
	IN_RANGE(c->imap.timeout_seconds, 1, 3600);
	IN_RANGE(c->imap.poll_seconds, 1, 86400);
	IN_RANGE(c->imap.idle_seconds, 5, 1740);
	IN_RANGE(c->imap.batch_size, 1, 1000);
	IN_RANGE(c->imap.max_message_bytes, 1024, 1073741824);

	check_string("smtp.url", c->smtp.url, TRUE, FALSE);
	CHECK(c->smtp.security == SEC_TLS || c->smtp.security == SEC_STARTTLS || c->smtp.security == SEC_NONE,
	      "smtp.security %d", (int)c->smtp.security);
	CHECK(g_str_has_prefix(c->smtp.url, c->smtp.security == SEC_TLS ? "smtps://" : "smtp://"),
	      "smtp.url %s with security %s", c->smtp.url, config_security_name(c->smtp.security));
	check_string("smtp.ca_file", c->smtp.ca_file, FALSE, FALSE);
	check_string("smtp.user", c->smtp.user, FALSE, FALSE);
	if (c->smtp.password) {
		CHECK_NAMED("config-empty-password", *c->smtp.password, "the SMTP password is empty");
		CHECK(!strpbrk(c->smtp.password, "\r\n"), "the SMTP password holds a line break");
	}
	check_string("smtp.from", c->smtp.from, TRUE, TRUE);
	check_string("smtp.from_name", c->smtp.from_name, FALSE, TRUE);
	if (c->smtp.from_name)
		CHECK(*c->smtp.from_name, "smtp.from_name is empty, not NULL");
	CHECK(c->smtp.from_address && email_valid(c->smtp.from_address), "smtp.from_address \"%s\" is not valid",
	      c->smtp.from_address);
	const char *at = strrchr(c->smtp.from_address, '@');
	g_autofree char *domain = g_ascii_strdown(at + 1, -1);
	CHECK(g_strcmp0(c->smtp.from_domain, domain) == 0, "smtp.from_domain %s for address %s", c->smtp.from_domain,
	      c->smtp.from_address);
	IN_RANGE(c->smtp.timeout_seconds, 1, 3600);
	IN_RANGE(c->smtp.max_age, 60, 30 * 86400);
	IN_RANGE(c->smtp.retry_min, 1, 3600);
	IN_RANGE(c->smtp.retry_max, 1, 86400);
	IN_RANGE(c->smtp.max_replies_per_sender_per_hour, 1, 10000);

	check_string("programme.name", c->programme.name, TRUE, TRUE);
	IN_RANGE(c->programme.max_members, 0, 1000);
	IN_RANGE(c->programme.max_mentors, 0, 1000);
	check_string("programme.closes", c->programme.closes, FALSE, FALSE);
	IN_RANGE(c->programme.member_max_years, 0, 80);
	IN_RANGE(c->programme.mentor_min_years, 0, 80);
	IN_RANGE(c->programme.retain_days, 0, 3650);
	check_string("programme.trusted_authserv_id", c->programme.trusted_authserv_id, FALSE, FALSE);
	if (c->programme.require_authentication)
		CHECK(c->programme.trusted_authserv_id, "require_authentication without trusted_authserv_id");

	IN_RANGE(c->consent.reminder_days, 0, 90);
	CHECK(c->consent.privacy_notice, "no privacy notice");
	fuzz_check_utf8("consent.privacy_notice", c->consent.privacy_notice);
	for (const char *p = c->consent.privacy_notice; *p; p++)
		CHECK((unsigned char)*p >= 0x20 || *p == '\n' || *p == '\t', "privacy notice holds control byte 0x%02x",
		      (unsigned char)*p);
	IN_RANGE(c->pairing.mentor_capacity, 1, 10);
	IN_RANGE(c->pairing.weight_aspiration, 0, 1000);
	IN_RANGE(c->pairing.weight_seniority, 0, 1000);
	IN_RANGE(c->pairing.weight_same_service, 0, 1000);
	IN_RANGE(c->pairing.weight_same_type, 0, 1000);
	IN_RANGE(c->pairing.weight_format, 0, 1000);
	IN_RANGE(c->pairing.weight_region, 0, 1000);
	IN_RANGE(c->events.reminder_days, 0, 60);
	check_addresses("staff.addresses", c->staff, FALSE);
	check_string("staff.digest", c->digest, TRUE, FALSE);
	check_string("staff.timezone", c->timezone, TRUE, FALSE);

	CHECK(c->organisations && c->organisations->len >= 1, "no organisations");
	for (guint i = 0; i < c->organisations->len; i++) {
		const struct organisation *o = c->organisations->pdata[i];
		CHECK(o && o->id && *o->id && o->name && *o->name && o->kind, "organisation %u incomplete", i);
		for (const char *p = o->id; *p; p++)
			CHECK(g_ascii_islower(*p) || g_ascii_isdigit(*p) || *p == '-' || *p == '_',
			      "organisation id \"%s\"", o->id);
		check_string("organisation name", o->name, TRUE, TRUE);
		CHECK(strcmp(o->kind, "council") == 0 || strcmp(o->kind, "partner") == 0, "organisation kind %s",
		      o->kind);
		check_addresses("nominators", o->nominators, FALSE);
		check_addresses("domains", o->domains, TRUE);
		for (guint j = 0; j < i; j++) {
			const struct organisation *p = c->organisations->pdata[j];
			CHECK(strcmp(p->id, o->id) != 0 && g_ascii_strcasecmp(p->name, o->name) != 0,
			      "organisations %s and %s both accepted", p->id, o->id);
		}
		const struct organisation *by_id = config_find_organisation(c, o->id);
		const struct organisation *by_name = config_find_organisation(c, o->name);
		CHECK_NAMED("config-org-lookup", by_id == o, "organisation id \"%s\" finds organisation \"%s\"", o->id,
			    by_id ? by_id->id : "(none)");
		CHECK_NAMED("config-org-lookup", by_name == o, "organisation name \"%s\" finds organisation \"%s\"",
			    o->name, by_name ? by_name->id : "(none)");
		for (guint k = 0; k < o->nominators->len; k++)
			CHECK(config_is_nominator(o, o->nominators->pdata[k]), "nominator %s not recognised",
			      (const char *)o->nominators->pdata[k]);
	}
	check_schedule(c);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fuzz_common_init();
	umask(077);
	/* A password file is looked for there first: not in this test. */
	g_unsetenv("CREDENTIALS_DIRECTORY");
	dir = g_dir_make_tmp("nomd-fuzz-config-XXXXXX", NULL);
	if (!dir) {
		fprintf(stderr, FUZZ_TARGET ": no temporary folder\n");
		exit(2);
	}
	conf = g_build_filename(dir, "nomd.conf", NULL);
	atexit(cleanup);
	for (size_t i = 0; i < G_N_ELEMENTS(files); i++) {
		g_autofree char *p = g_build_filename(dir, files[i].name, NULL);
		write_file(p, files[i].text, strlen(files[i].text), files[i].mode);
	}
	/* A file that is not there: "FILE: cannot read the file". */
	g_autoptr(nomd_config) none = NULL;
	g_autoptr(GError) error = NULL;
	CHECK(!config_load(conf, &none, &error) && error && g_str_has_prefix(error->message, conf),
	      "a missing file loaded or failed oddly: %s", error ? error->message : "");
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!includes_ok((const char *)data, size))
		return 0;
	write_file(conf, data, size, 0600);
	g_autoptr(nomd_config) cfg = NULL;
	g_autoptr(GError) error = NULL;
	gboolean ok = config_load(conf, &cfg, &error);
	if (g_getenv("NOMD_FUZZ_DEBUG"))
		fprintf(stderr, "---- config_load: %s\n", ok ? "loaded" : error ? error->message : "(no error)");
	if (ok) {
		CHECK(error == NULL, "config_load succeeded and set an error: %s", error->message);
		check_config(cfg);
	} else {
		CHECK(cfg == NULL, "config_load failed and set a config");
		check_error(error);
	}
	return 0;
}
