/* Unit tests: configuration loading and its FILE:LINE errors. */
#include <glib/gstdio.h>
#include <string.h>
#include <sys/stat.h>

#include "../../daemon/config.h"
#include "tap.h"

static char *tmpdir;

static char *write_conf(const char *name, const char *text)
{
	char *path = g_build_filename(tmpdir, name, NULL);
	g_file_set_contents(path, text, -1, NULL);
	return path;
}

#define BASE_IMAP "imap = { host = \"127.0.0.1\"; user = \"n@example.org\"; password = \"pw\"; };\n"
#define BASE BASE_IMAP "smtp = { url = \"smtp://127.0.0.1:25\"; from = \"Team <team@example.org>\"; };\n"

#define ORG "organisations = ( { id = \"fife\"; name = \"Fife Council\"; nominators = [ \"ce@fife.example\" ]; } );\n"

/* Load `text`; return the error message, or NULL when it loaded. */
static char *load_error(const char *text)
{
	g_autofree char *path = write_conf("t.conf", text);
	g_autoptr(nomd_config) cfg = NULL;
	g_autoptr(GError) error = NULL;
	if (config_load(path, &cfg, &error))
		return NULL;
	/* Strip the temp dir so messages compare stably. */
	return g_strdup(error->message + strlen(tmpdir) + 1);
}

int main(void)
{
	/* Configs below hold a password: private, as nomd insists. */
	umask(077);
	tmpdir = g_dir_make_tmp("nomd-config-XXXXXX", NULL);
	{
		g_autofree char *path = write_conf("ok.conf", BASE ORG);
		g_autoptr(nomd_config) cfg = NULL;
		g_autoptr(GError) error = NULL;
		ok(config_load(path, &cfg, &error), "minimal config loads");
		if (cfg) {
			is_int(cfg->imap.port, 993, "imap port defaults by security");
			is_str(cfg->imap.processed, "Processed", "processed default");
			is_int(cfg->programme.max_members, 5, "max_members default");
			is_str(cfg->smtp.from_address, "team@example.org", "from address split");
			is_str(cfg->smtp.from_name, "Team", "from name split");
			is_str(cfg->smtp.from_domain, "example.org", "from domain");
			const struct organisation *o = config_find_organisation(cfg, "fife council");
			ok(o && g_str_equal(o->id, "fife"), "organisation found by name, any case");
			ok(config_find_organisation(cfg, "FIFE") == o, "and by id");
			ok(config_is_nominator(o, "CE@Fife.Example"), "nominator match ignores case");
		}
	}
	{
		/* A programme's own fields: on top of the built-in form. */
		g_autofree char *path = write_conf(
			"fields.conf", BASE ORG
			"programme = { fields = ( { id = \"category\"; label = \"Category\"; type = \"choice\";"
			" choices = [ \"Innovation\", \"Digital\" ]; required = true; },"
			" { id = \"citation\"; label = \"Citation\"; type = \"long\"; max_words = 500; } ); };\n");
		g_autoptr(nomd_config) cfg = NULL;
		g_autoptr(GError) error = NULL;
		ok(config_load(path, &cfg, &error), "programme.fields loads (%s)", error ? error->message : "");
		const struct form_spec *spec = cfg ? config_form(cfg) : NULL;
		const struct form_field *cat = spec ? form_spec_field_by_id(spec, "category") : NULL;
		ok(cat && cat->required && cat->type == FIELD_CHOICE && cat->choices->len == 2, "a required choice");
		ok(spec && form_spec_field_by_id(spec, "job_title") && form_spec_field_by_id(spec, "email"),
		   "and the built-in fields beside it");
		const struct form_field *type = spec ? form_spec_field_by_id(spec, "service_type") : NULL;
		ok(type && type->labels->len == 1, "the built-in 'Category' synonym of service type gives way");
		g_autoptr(GPtrArray) own = cfg ? config_own_fields(cfg) : g_ptr_array_new();
		ok(own->len == 2 && g_str_equal(own->pdata[0], "category") && g_str_equal(own->pdata[1], "citation"),
		   "the programme's own fields, in order");
		g_autofree char *plain = write_conf("plain.conf", BASE ORG);
		g_autoptr(nomd_config) p = NULL;
		ok(config_load(plain, &p, NULL) && config_form(p) == form_spec_builtin(), "none: the built-in form");
	}
	{
		/* A programme's own roles, senders and stages. */
		g_autofree char *path = write_conf(
			"roles.conf",
			BASE "organisations = ( { id = \"fife\"; name = \"Fife Council\"; domains = [ \"fife.example\" "
			     "]; } );\n"
			     "programme = { senders = \"domain\"; roles = ( { id = \"mentee\"; label = \"Mentee\";"
			     " synonyms = [ \"Member\" ]; max_years = 8; }, { id = \"mentor\"; label = \"Mentor\";"
			     " plural = \"Mentors\"; quota = 3; min_years = 5; } ); };\n");
		g_autoptr(nomd_config) cfg = NULL;
		g_autoptr(GError) error = NULL;
		ok(config_load(path, &cfg, &error), "programme.roles loads (%s)", error ? error->message : "");
		ok(cfg && cfg->n_roles == 2 && cfg->senders == SENDERS_DOMAIN, "two roles; senders domain");
		ok(cfg && config_quota(cfg, 0) == CONFIG_NO_QUOTA && config_quota(cfg, 1) == 3,
		   "a role without a quota has none; the other has 3");
		is_str(cfg ? cfg->roles[0].plural : NULL, "Mentees", "the plural defaults to the label and s");
		is_str(cfg ? config_role_id(cfg, "member") : NULL, "mentee", "stored 'member' is the first role");
		ok(cfg && config_role_named(cfg, "MENTEES") == 0 && config_role_named(cfg, "mentee") == 0 &&
			   config_role_named(cfg, "Mentors") == 1 && config_role_named(cfg, "members") == -1 &&
			   config_role_named(cfg, "") == -1,
		   "a role named by its id, its plural, in any case; not by the stored name");
		ok(cfg && form_spec_role(config_form(cfg), "member", 6) == 0 &&
			   form_spec_role(config_form(cfg), "Mentor", 6) == 1,
		   "the form reads the roles' labels and synonyms");
		ok(cfg && cfg->roles[0].max_years == 8 && cfg->roles[1].min_years == 5 &&
			   cfg->roles[0].min_years == CONFIG_NO_YEARS,
		   "years per role");
		g_autofree char *plain = write_conf("plain2.conf", BASE ORG);
		g_autoptr(nomd_config) p = NULL;
		ok(config_load(plain, &p, NULL) && p->n_roles == 2 && config_quota(p, 0) == 5 &&
			   g_str_equal(p->roles[1].id, "mentor") && p->roles[1].min_years == 10 &&
			   p->senders == SENDERS_NOMINATORS && p->consent.enabled && p->pairing.enabled,
		   "without a definition: member and mentor, 5 each, nominators, every stage");
		const struct {
			const char *text, *error;
		} bad[] = {
			{ "programme = { roles = ( { id = \"a\"; label = \"A\"; }, { id = \"b\"; label = \"B\"; },"
			  " { id = \"c\"; label = \"C\"; } ); };\n",
			  "t.conf:4: programme.roles must be a list of one or two roles" },
			{ "programme = { max_members = 3; roles = ( { id = \"a\"; label = \"A\"; } ); };\n",
			  "t.conf:4: 'programme.max_members' is for the built-in roles" },
			{ "programme = { roles = ( { id = \"a\"; label = \"A\"; quota = 0; } ); };\n",
			  "t.conf:4: role a: quota must be a whole number from 1 to 1000" },
			{ "programme = { roles = ( { id = \"a\"; label = \"A\"; colour = 1; } ); };\n",
			  "t.conf:4: unknown role setting 'colour'" },
			{ "programme = { roles = ( { id = \"a\"; label = \"A\"; } ); };\n",
			  "t.conf:4: pairing pairs the programme's two roles" },
			{ "programme = { senders = \"everyone\"; };\n", "t.conf:4: 'programme.senders' must be" },
			{ "pairing = { enabled = false; };\nprogramme = { roles = ( { id = \"a\"; label = \"A\";"
			  " requires = [ \"goals\" ]; } ); };\n",
			  "t.conf:5: requires: the form has no field 'goals'" },
			{ "programme = { fields = ( { id = \"n\"; label = \"N\"; per_organisation = 2; } ); };\n",
			  "t.conf:4: field n: per_organisation limits each choice of a choice field" },
			{ "programme = { senders = \"domain\"; };\n", "t.conf:3: organisation 'fife' has no domains" },
			{ "programme = { senders = \"domain\"; };\nconsent = { enabled = false; };\n",
			  "t.conf:5: programme.senders = \"domain\" needs consent" },
		};
		for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
			g_autofree char *text = g_strdup_printf(BASE ORG "%s", bad[i].text);
			g_autofree char *e = load_error(text);
			ok(e && g_str_has_prefix(e, bad[i].error), "refused at FILE:LINE: %s (%s)", bad[i].error,
			   e ? e : "loaded");
		}
	}
	{
		/* Programmes side by side: NAME.conf is NAME, its state apart. */
		g_autofree char *one = write_conf("nomd.conf", BASE ORG);
		g_autofree char *awards = write_conf("awards.conf", BASE ORG);
		g_autofree char *mine = write_conf("forum.conf", "database = \"/srv/forum.db\";\n" BASE ORG);
		g_autoptr(nomd_config) a = NULL, b = NULL, c = NULL;
		ok(config_load(one, &a, NULL) && config_load(awards, &b, NULL) && config_load(mine, &c, NULL),
		   "nomd.conf, awards.conf and forum.conf load");
		ok(a && !a->instance && g_str_equal(a->database, "/var/lib/nomd/nomd.db"),
		   "nomd.conf: the host's one programme, /var/lib/nomd/nomd.db");
		ok(b && g_strcmp0(b->instance, "awards") == 0 &&
			   g_str_equal(b->database, "/var/lib/nomd/awards/nomd.db"),
		   "awards.conf: programme awards, its state in /var/lib/nomd/awards");
		ok(c && g_strcmp0(c->instance, "forum") == 0 && g_str_equal(c->database, "/srv/forum.db"),
		   "a database set in the file stays");
		g_autofree char *path = NULL;
		g_setenv("NOMD_CONFIG_DIR", tmpdir, TRUE);
		ok(config_programme_path("awards", &path, NULL) && g_str_has_suffix(path, "/awards.conf") &&
			   g_str_has_prefix(path, tmpdir),
		   "-p awards: awards.conf in the configuration folder");
		g_unsetenv("NOMD_CONFIG_DIR");
		const char *bad[] = { "", "../etc/passwd", "a/b", "-x", "sp ace", "dot.conf" };
		for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
			g_autofree char *p = NULL;
			ok(!config_programme_path(bad[i], &p, NULL) && !p, "-p '%s' refused", bad[i]);
		}
	}
	{
		g_autofree char *sample = tap_source_path("etc/nomd.conf");
		g_autofree char *text = NULL;
		g_file_get_contents(sample, &text, NULL, NULL);
		g_autofree char *orgs = tap_source_path("etc/organisations.conf");
		g_autofree char *copy = g_build_filename(tmpdir, "organisations.conf", NULL);
		g_autofree char *otext = NULL;
		g_file_get_contents(orgs, &otext, NULL, NULL);
		g_file_set_contents(copy, otext, -1, NULL);
		g_free(write_conf("imap.password", "secret\n"));
		g_autofree char *path = write_conf("nomd.conf", text);
		g_autoptr(nomd_config) cfg = NULL;
		g_autoptr(GError) error = NULL;
		gboolean loaded = config_load(path, &cfg, &error);
		ok(loaded, "sample etc/nomd.conf loads (%s)", error ? error->message : "");
		is_str(cfg ? cfg->imap.password : NULL, "secret", "password_file read, relative to the config");
		is_int(cfg ? cfg->organisations->len : 0, 32, "@include of the shipped list: 32 councils");
	}

	g_autofree char *e1 = load_error(BASE ORG "imap2 = 1;\n");
	is_str(e1, "t.conf:4: unknown setting 'imap2'", "unknown top-level key names its line");
	g_autofree char *e2 = load_error("imap = { host = \"h\"; user = \"u\"; password = \"p\";\n hots = \"x\"; };\n"
					 "smtp = { url = \"smtp://h\"; from = \"a@b.example\"; };\n" ORG);
	is_str(e2, "t.conf:2: unknown setting 'imap.hots'", "misspelt key names its line");
	g_autofree char *e3 = load_error(BASE ORG "programme = { max_members = 3000000000; };\n");
	ok(e3 && g_str_has_prefix(e3, "t.conf:4: 'programme.max_members' must be between"),
	   "wrapped integer refused: %s", e3);
	g_autofree char *e4 = load_error(BASE ORG "programme = { max_members = \"five\"; };\n");
	is_str(e4, "t.conf:4: 'programme.max_members' must be an integer", "wrong type");
	g_autofree char *e5 = load_error(BASE ORG "database = ;\n");
	ok(e5 && g_str_has_prefix(e5, "t.conf:4: "), "syntax error names its line: %s", e5);
	g_autofree char *e6 = load_error("smtp = { url = \"smtp://h\"; from = \"a@b.example\"; };\n" ORG);
	is_str(e6, "t.conf:0: missing required setting 'imap.host'", "missing required key");
	g_autofree char *e7 =
		load_error("imap = { host = \"h\"; user = \"u\"; password = \"p\"; password_file = \"f\"; };\n"
			   "smtp = { url = \"smtp://h\"; from = \"a@b.example\"; };\n" ORG);
	ok(e7 && strstr(e7, "alternatives"), "password and password_file together refused: %s", e7);
	g_autofree char *e8 = load_error("imap = { host = \"h\"; user = \"u\"; password = \"p\"; };\n"
					 "smtp = { url = \"smtp://h\"; from = \"not an address\"; };\n" ORG);
	ok(e8 && g_str_has_prefix(e8, "t.conf:2: 'smtp.from'"), "bad from address: %s", e8);
	g_autofree char *e9 = load_error(BASE "organisations = ( { id = \"Fife!\"; name = \"F\"; } );\n");
	ok(e9 && g_str_has_prefix(e9, "t.conf:3: organisation id"), "bad organisation id: %s", e9);
	g_autofree char *e10 = load_error(
		BASE "organisations = ( { id = \"a\"; name = \"A\"; },\n { id = \"a\"; name = \"B\"; } );\n");
	ok(e10 && strstr(e10, "listed twice"), "duplicate organisation: %s", e10);
	g_autofree char *e11 =
		load_error(BASE "organisations = ( { id = \"a\"; name = \"A\"; nominators = [ \"x\" ]; } );\n");
	ok(e11 && strstr(e11, "not a valid email address"), "bad nominator address: %s", e11);
	g_autofree char *e12 = load_error(BASE ORG "imap = { security = \"ssl\"; };\n");
	ok(e12 != NULL, "duplicate group or bad security refused: %s", e12);
	g_autofree char *e13 =
		load_error("imap = { host = \"h\"; user = \"u\"; password = \"p\"; security = \"ssl\"; };\n"
			   "smtp = { url = \"smtp://h\"; from = \"a@b.example\"; };\n" ORG);
	is_str(e13, "t.conf:1: 'imap.security' must be tls, starttls or none, not 'ssl'", "bad security value");
	g_autofree char *e14 = load_error(BASE);
	ok(e14 && strstr(e14, "no organisations"), "no organisations: %s", e14);
	{
		g_autoptr(GError) error = NULL;
		g_autoptr(nomd_config) cfg = NULL;
		g_autofree char *missing = g_build_filename(tmpdir, "nope.conf", NULL);
		ok(!config_load(missing, &cfg, &error) && strstr(error->message, "cannot read"),
		   "missing file reported");
	}
	{
		g_autofree char *path =
			write_conf("consent.conf", BASE ORG
				   "consent = { privacy_notice = \"We hold your name.\\nAsk us to remove it.\"; };\n"
				   "pairing = { mentor_capacity = 2; copy_staff = true; };\n");
		g_autoptr(nomd_config) cfg = NULL;
		g_autoptr(GError) error = NULL;
		ok(config_load(path, &cfg, &error), "consent and pairing groups load");
		if (cfg) {
			is_str(cfg->consent.privacy_notice, "We hold your name.\nAsk us to remove it.",
			       "a privacy notice may span lines");
			is_int(cfg->consent.reminder_days, 7, "reminder_days defaults to 7");
			ok(cfg->pairing.require_consent, "require_consent defaults to true");
			is_int(cfg->pairing.mentor_capacity, 2, "mentor_capacity read");
			ok(cfg->pairing.copy_staff, "copy_staff read");
			is_int(cfg->pairing.weight_seniority, 15, "weights have defaults");
		}
	}
	{
		g_autofree char *e1 = load_error(BASE ORG "pairing = { mentor_capacity = 0; };\n");
		is_str(e1, "t.conf:4: 'pairing.mentor_capacity' must be between 1 and 10", "mentor_capacity bounds");
		g_autofree char *e2 = load_error(BASE ORG "consent = { privacy_notice = \"a\\x07b\"; };\n");
		ok(e2 != NULL, "a privacy notice with a control character is refused (%s)", e2 ? e2 : "loaded");
		g_autofree char *e3 = load_error(BASE ORG "pairing = { weight_colour = 3; };\n");
		is_str(e3, "t.conf:4: unknown setting 'pairing.weight_colour'", "unknown pairing key");
	}
	{
		/* Secrets readable by others are refused (as msmtp does). */
		g_autofree char *pw = write_conf("open.password", "secret\n");
		g_chmod(pw, 0644);
		g_autofree char *e1 =
			load_error("imap = { host = \"h\"; user = \"u\"; password_file = \"open.password\"; };\n"
				   "smtp = { url = \"smtp://h\"; from = \"t@example.org\"; };\n" ORG);
		ok(e1 && strstr(e1, "t.conf:1: password file") && strstr(e1, "readable by group or others (mode 0644)"),
		   "a password file readable by others is refused at FILE:LINE (%s)", e1 ? e1 : "loaded");
		g_chmod(pw, 0600);
		g_autofree char *e2 =
			load_error("imap = { host = \"h\"; user = \"u\"; password_file = \"open.password\"; };\n"
				   "smtp = { url = \"smtp://h\"; from = \"t@example.org\"; };\n" ORG);
		ok(e2 == NULL, "mode 0600: accepted");
		g_autofree char *path = write_conf("shared.conf", BASE ORG);
		g_chmod(path, 0640);
		g_autoptr(nomd_config) cfg = NULL;
		g_autoptr(GError) error = NULL;
		ok(!config_load(path, &cfg, &error) && strstr(error->message, "shared.conf:1: configuration file") &&
			   strstr(error->message, "(mode 0640)"),
		   "a config holding a password, readable by the group: refused");
		g_chmod(path, 0600);
		g_autoptr(nomd_config) cfg2 = NULL;
		g_clear_error(&error);
		ok(config_load(path, &cfg2, &error), "the same at 0600: loads");
		/* systemd's LoadCredential= hands the file over with its own modes. */
		g_autofree char *creds = g_build_filename(tmpdir, "creds", NULL);
		g_mkdir(creds, 0755);
		g_autofree char *cred = g_build_filename(creds, "imap.password", NULL);
		g_file_set_contents(cred, "from-credentials\n", -1, NULL);
		g_chmod(cred, 0644);
		g_setenv("CREDENTIALS_DIRECTORY", creds, TRUE);
		g_autofree char *cpath = write_conf(
			"creds.conf", "imap = { host = \"h\"; user = \"u\"; password_file = \"imap.password\"; };\n"
				      "smtp = { url = \"smtp://h\"; from = \"t@example.org\"; };\n" ORG);
		g_chmod(cpath, 0644);
		g_autoptr(nomd_config) cfg3 = NULL;
		g_clear_error(&error);
		ok(config_load(cpath, &cfg3, &error) && g_str_equal(cfg3->imap.password, "from-credentials"),
		   "a password from $CREDENTIALS_DIRECTORY, config without a password readable by all: loads");
		g_unsetenv("CREDENTIALS_DIRECTORY");
	}
	{
		/* A password in an included file makes that file the secret. */
		g_autofree char *inc = write_conf("secret.inc", "password = \"pw\";\n");
		g_chmod(inc, 0644);
		g_autofree char *main_conf =
			write_conf("inc.conf", "imap = { host = \"h\"; user = \"u\";\n@include \"secret.inc\"\n};\n"
					       "smtp = { url = \"smtp://h\"; from = \"t@example.org\"; };\n" ORG);
		g_chmod(main_conf, 0600);
		g_autoptr(nomd_config) cfg = NULL;
		g_autoptr(GError) error = NULL;
		ok(!config_load(main_conf, &cfg, &error) &&
			   strstr(error->message, "secret.inc:1: configuration file") &&
			   strstr(error->message, "(mode 0644)"),
		   "an included file holding a password, readable by others: refused at its FILE:LINE (%s)",
		   error ? error->message : "loaded");
	}
	{
		/* Found by fuzzing the loader. */
		g_autofree char *e1 = load_error(
			BASE "organisations = ( { id = \"a\"; name = \"b\"; nominators = [ \"x@a.example\" ]; },\n"
			     "  { id = \"b\"; name = \"Bee Council\"; } );\n");
		ok(e1 && strstr(e1, "is ambiguous with 'a' (b)"),
		   "an id that is another organisation's name: refused (%s)", e1 ? e1 : "loaded");
		g_autofree char *e2 = load_error("imap = { host = \"h\"; user = \"u\"; password = \"\"; };\n"
						 "smtp = { url = \"smtp://h\"; from = \"t@example.org\"; };\n" ORG);
		is_str(e2, "t.conf:1: 'imap.password' is empty", "an empty password: refused");
		g_autofree char *e3 = load_error(BASE ORG "programme = { name = \"Caf\xe9\"; };\n");
		is_str(e3, "t.conf:4: 'programme.name' must be UTF-8", "a name that is not UTF-8: refused");
		g_autofree char *e4 = load_error(BASE ORG "smtp2 = 1;\n");
		ok(e4 != NULL, "unknown group refused");
		g_autofree char *e5 =
			load_error(BASE ORG "staff = { digest = \"off\"; timezone = \"Mars/Olympus\"; };\n");
		ok(e5 && strstr(e5, "'Mars/Olympus' is not a time zone"), "an unknown zone, digest off: still refused");
	}
	{
		/* No encryption sends the password in clear: only to this machine. */
#define IMAP_NONE(host) "imap = { host = \"" host "\"; security = \"none\"; user = \"u\"; password = \"p\"; };\n"
#define SMTP_URL(url, sec) "smtp = { url = \"" url "\"; security = \"" sec "\"; from = \"t@example.org\"; };\n"
		g_autofree char *e1 = load_error(IMAP_NONE("mail.example.org") SMTP_URL("smtp://h", "starttls") ORG);
		ok(e1 && g_str_has_prefix(e1, "t.conf:1: 'imap.security' is none") &&
			   strstr(e1, "not 'mail.example.org'"),
		   "imap security none towards another host: refused at FILE:LINE (%s)", e1 ? e1 : "loaded");
		g_autofree char *e2 = load_error(IMAP_NONE("10.0.0.1") SMTP_URL("smtp://h", "starttls") ORG);
		ok(e2 && g_str_has_prefix(e2, "t.conf:1: 'imap.security' is none"), "... a private address too (%s)",
		   e2 ? e2 : "loaded");
		g_autofree char *e3 =
			load_error(IMAP_NONE("127.0.0.1") SMTP_URL("smtp://mail.example.org:25", "none") ORG);
		ok(e3 && g_str_has_prefix(e3, "t.conf:2: 'smtp.security' is none") &&
			   strstr(e3, "not 'mail.example.org'"),
		   "smtp security none towards another host: refused at FILE:LINE (%s)", e3 ? e3 : "loaded");
		g_autofree char *e4 =
			load_error(IMAP_NONE("127.0.0.1") SMTP_URL("smtp://127.0.0.1.example.org", "none") ORG);
		ok(e4 && g_str_has_prefix(e4, "t.conf:2: 'smtp.security' is none"),
		   "a name that only starts like a loopback address: refused (%s)", e4 ? e4 : "loaded");
		g_autofree char *ok1 = load_error(IMAP_NONE("127.0.0.2") SMTP_URL("smtp://localhost:25", "none") ORG);
		ok(ok1 == NULL, "none towards 127.0.0.2 and localhost: loads (%s)", ok1 ? ok1 : "");
		g_autofree char *ok2 = load_error(IMAP_NONE("::1") SMTP_URL("smtp://[::1]:2525", "none") ORG);
		ok(ok2 == NULL, "none towards ::1 and [::1]: loads (%s)", ok2 ? ok2 : "");
		g_autofree char *ok3 = load_error(IMAP_NONE("LocalHost") SMTP_URL("smtp://127.0.0.1", "none") ORG);
		ok(ok3 == NULL, "localhost in any case: loads (%s)", ok3 ? ok3 : "");
		/* Credentials in the URL are a password outside the password settings. */
		g_autofree char *e5 = load_error(BASE_IMAP SMTP_URL("smtp://user:secret@127.0.0.1:25", "starttls") ORG);
		ok(e5 && g_str_has_prefix(e5, "t.conf:2: 'smtp.url' holds a user name or password") &&
			   !strstr(e5, "secret"),
		   "credentials in smtp.url: refused at FILE:LINE, without repeating them (%s)", e5 ? e5 : "loaded");
		g_autofree char *e6 = load_error(BASE_IMAP SMTP_URL("smtps://user@mail.example.org", "tls") ORG);
		ok(e6 && g_str_has_prefix(e6, "t.conf:2: 'smtp.url' holds a user name"), "a user name alone too (%s)",
		   e6 ? e6 : "loaded");
		g_autofree char *e7 = load_error(BASE_IMAP SMTP_URL("smtp://", "starttls") ORG);
		ok(e7 && g_str_has_prefix(e7, "t.conf:2: 'smtp.url' is not a URL with a host"),
		   "a URL without a host (%s)", e7 ? e7 : "loaded");
	}
	{
		g_autofree char *e = load_error(BASE ORG "@include \".\"\n");
		ok(e && g_str_has_prefix(e, "t.conf:4: cannot include '.': not a file"),
		   "an @include of a folder: FILE:LINE, not an exit inside libconfig");
	}
	return tap_done();
}
