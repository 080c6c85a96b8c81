/* config: reads nomd's configuration file (libconfig) into nomd's own types.
 * Owns the key table (type, bounds, default) and every config error message,
 * always "FILE:LINE: message". Only this module (config.c, config_form.c) includes libconfig. */
#ifndef NOMD_CONFIG_H
#define NOMD_CONFIG_H

#include <glib.h>

#include "../parsers/form_spec.h"

#define CONFIG_ERROR (config_error_quark())
GQuark config_error_quark(void);

enum security { SEC_TLS, SEC_STARTTLS, SEC_NONE };

/* Who may send a programme its forms. */
enum senders {
	SENDERS_NOMINATORS, /* an organisation's configured nominators, about others */
	SENDERS_DOMAIN,	    /* anyone at an organisation's domains, about themselves */
	SENDERS_ANYONE,	    /* anyone, for the organisation the form names */
	SENDERS_COUNT
};
const char *config_senders_name(enum senders s);

#define CONFIG_NO_QUOTA (-1)
#define CONFIG_NO_YEARS (-1)

/* A role of the programme, by its index in the form's spec (0 or 1).
 * Storage knows the two as "member" and "mentor" whatever they are
 * called; `id` is what staff and exports see. */
struct programme_role {
	char *id;      /* "member", "nominee" */
	char *label;   /* "Member" */
	char *plural;  /* "Members" */
	int quota;     /* per organisation; CONFIG_NO_QUOTA: none */
	int min_years; /* a warning below; CONFIG_NO_YEARS: none */
	int max_years; /* a warning above; CONFIG_NO_YEARS: none */
};

struct organisation {
	char *id;
	char *name;
	char *kind;	       /* council | partner */
	GPtrArray *nominators; /* lower-case addresses */
	GPtrArray *domains;    /* lower-case domains */
};

struct nomd_config {
	char *path;
	/* The programme's name when several share a host ("awards" for
	 * awards.conf, as nomd@awards.service reads it); NULL for nomd.conf. */
	char *instance;
	/* The form with the programme's own fields (programme.fields); NULL:
	 * the built-in one. Read it through config_form(). */
	struct form_spec *form;
	/* `form` as the text nomd-reader reads (form_spec_to_text), made
	 * once; NULL with the built-in form. */
	char *form_text;
	/* The programme's roles (programme.roles, or the Connect Network's
	 * member and mentor); n_roles is 1 or 2. */
	struct programme_role roles[FORM_SPEC_MAX_ROLES];
	int n_roles;
	enum senders senders; /* programme.senders */
	char *database;
	char *templates;
	struct {
		char *host;
		int port;
		enum security security;
		char *ca_file;
		char *user;
		char *password;
		char *password_file;
		char *inbox;
		char *processed;
		char *rejected;
		char *held;
		char *ignored;
		int timeout_seconds;
		int poll_seconds;
		int idle_seconds;
		int batch_size;
		gint64 batch_bytes;
		gint64 max_message_bytes;
	} imap;
	struct {
		char *url;
		enum security security;
		char *ca_file;
		char *user;
		char *password;
		char *password_file;
		char *from;	    /* as configured: "Name <addr>" */
		char *from_name;    /* display part, may be NULL */
		char *from_address; /* addr-spec */
		char *from_domain;
		int timeout_seconds;
		int max_age;   /* seconds a message may wait to be sent */
		int retry_min; /* first retry delay, seconds; doubles ... */
		int retry_max; /* ... up to this */
		int max_replies_per_sender_per_hour;
	} smtp;
	struct {
		char *name;
		int max_members;
		int max_mentors;
		gboolean equal_numbers; /* two roles: each organisation nominates as many of one as of the other */
		char *senders;		/* as configured; see cfg->senders */
		char *closes;		/* as configured */
		gint64 closes_at;	/* seconds since the epoch; 0: never */
		char *round;		/* names the round in idempotency keys */
		GArray *chase_days;	/* of int: days before the close, most first */
		gboolean close_summary; /* each nominating organisation told what it nominated */
		char *ends;		/* as configured */
		gint64 ends_at;		/* feedback is asked from then; 0: never */
		int member_max_years;
		int mentor_min_years;
		gboolean require_authentication;
		int retain_days; /* bodies of sent mail kept this long; 0: kept */
		char *trusted_authserv_id;
		int own_received_headers; /* Received fields our servers add above it */
	} programme;
	struct {
		gboolean enabled;     /* nominees are asked to confirm; off: taken as confirmed */
		int reminder_days;    /* after the welcome, one reminder; 0: none */
		char *privacy_notice; /* shown in every welcome; may hold line breaks */
	} consent;
	struct {
		gboolean enabled;	  /* the programme pairs its two roles */
		gboolean require_consent; /* only nominees who said YES are paired */
		int mentor_capacity;	  /* members one mentor may take */
		gboolean copy_staff;	  /* pairing notices copied to staff.addresses */
		int weight_aspiration, weight_seniority, weight_same_service, weight_same_type;
		int weight_format, weight_region;
		gboolean prefer_cross_discipline; /* reward different service types instead */
	} pairing;
	struct {
		int first_meeting_days; /* after the introduction, "have you met?"; 0: never */
		int checkin_days;	/* between check-ins while a pair lasts; 0: none */
	} mentoring;
	struct {
		gboolean enabled;	  /* the programme runs events */
		int reminder_days;	  /* invitees are reminded this long before; 0: never */
		gboolean require_consent; /* invite only nominees who said YES */
	} events;
	struct {
		gboolean enabled; /* attachments are read at all */
		char *reader;	  /* the nomd-reader executable */
		int memory_limit; /* MiB of address space for the reader */
		int cpu_seconds;
		int timeout; /* seconds of wall-clock time for one document */
	} documents;
	GPtrArray *staff;	  /* of char *, lower-case addresses */
	char *digest;		  /* "daily HH:MM", "weekly DAY HH:MM" or "off" */
	char *digest_attachment;  /* "xlsx", "csv" or "none" */
	char *timezone;		  /* of the digest schedule and of dates staff read */
	GPtrArray *organisations; /* of struct organisation * */
};

/* The configuration read by default; the Makefile sets it from PREFIX. */
#ifndef NOMD_CONFIG
#define NOMD_CONFIG "/usr/local/etc/nomd/nomd.conf"
#endif

gboolean config_load(const char *path, struct nomd_config **out, GError **error);
/* -p NAME: the configuration of programme NAME on this host,
 * NAME.conf beside the default one (or in $NOMD_CONFIG_DIR); FALSE for a
 * name that is not letters, digits, '-' and '_'. */
gboolean config_programme_path(const char *name, char **path, GError **error);
/* The file -c FILE or -p NAME names, else the default: *path owned; FALSE
 * (a usage error) for both, or a bad name. */
gboolean config_choose(const char *file, const char *programme, char **path, GError **error);
void config_free(struct nomd_config *cfg);
const char *config_security_name(enum security s);

/* The programme's form: its own fields, or the built-in one. */
const struct form_spec *config_form(const struct nomd_config *cfg);
/* The ids of the fields the programme adds (nomd has no column of its own
 * for them), in the order defined; borrowed strings. */
GPtrArray *config_own_fields(const struct nomd_config *cfg);

/* Role `role` (0 or 1; NULL past the programme's roles). */
const struct programme_role *config_role(const struct nomd_config *cfg, int role);
/* The quota of role `role`, or CONFIG_NO_QUOTA (also past the roles). */
int config_quota(const struct nomd_config *cfg, int role);
/* The id staff see for a stored role name ("member", "mentor"). */
const char *config_role_id(const struct nomd_config *cfg, const char *stored);
/* The role's label in lower case ("member", "mentee"), for a sentence. */
char *config_role_word(const struct nomd_config *cfg, int role, gboolean plural);
/* The same for a stored role name; a name of no role as it is; NULL for
 * NULL. */
char *config_stored_role_word(const struct nomd_config *cfg, const char *stored);
/* The store's name of role `role` ("member", "mentor"); NULL past them. */
const char *config_stored_role(int role);
/* The role a word a person types names (its id, the id and "s", its label
 * or its plural, in any case): its index, or -1. */
int config_role_named(const struct nomd_config *cfg, const char *word);

/* Lookups used by the rules; all comparisons are case-insensitive. */
const struct organisation *config_find_organisation(const struct nomd_config *cfg, const char *id_or_name);
gboolean config_is_nominator(const struct organisation *org, const char *address);
/* Settings that are valid but weaken what nomd can trust, one line each
 * (owned strings), for --check-config. */
GPtrArray *config_warnings(const struct nomd_config *cfg);

typedef struct nomd_config nomd_config;
G_DEFINE_AUTOPTR_CLEANUP_FUNC(nomd_config, config_free)

#endif
