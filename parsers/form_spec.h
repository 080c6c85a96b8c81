/* form_spec: what a programme's form holds: its roles (the words that
 * start a section: "Member", "Mentee", "Mentor") and its fields (a label
 * and its synonyms, a type, the choices allowed, a word limit for long
 * text). The built-in spec is the Connect Network's form, as nomd has
 * always read it. A programme defined in its configuration builds its
 * own; the form reader (form.c) follows whichever it is given. Knows
 * nothing of the rules or of storage. */
#ifndef NOMD_FORM_SPEC_H
#define NOMD_FORM_SPEC_H

#include <glib.h>

#define FORM_SPEC_MAX_ROLES 2	/* the roles a programme pairs, or one */
#define FORM_SPEC_MAX_FIELDS 40 /* fields of one form */
#define FORM_SPEC_MAX_CHOICES 50
#define FORM_SPEC_MAX_LABELS 20	  /* a label and its synonyms */
#define FORM_MAX_LONG (32 * 1024) /* bytes kept of a long text */
#define FORM_MAX_WORDS 5000	  /* the largest word limit a field may set */

enum form_field_type { FIELD_TEXT, FIELD_EMAIL, FIELD_NUMBER, FIELD_CHOICE, FIELD_LONG, FIELD_TYPE_COUNT };

/* The fields nomd has a place for of its own; any other is kept by id. */
enum form_slot {
	SLOT_NONE = -1,
	SLOT_NAME,
	SLOT_EMAIL,
	SLOT_JOB_TITLE,
	SLOT_SERVICE,
	SLOT_SERVICE_TYPE,
	SLOT_YEARS,
	SLOT_ASPIRATION,
	SLOT_EXPERTISE,
	SLOT_LOCATION,
	SLOT_FORMAT,
	SLOT_COUNT
};

struct form_field {
	char *id; /* "citation" */
	enum form_field_type type;
	char *label;	     /* as the blank form shows it: "Citation" */
	GPtrArray *labels;   /* the label and its synonyms, folded */
	GPtrArray *choices;  /* FIELD_CHOICE: as written; else NULL */
	guint max_words;     /* FIELD_LONG: 0 for none */
	enum form_slot slot; /* SLOT_NONE: kept in nominee->values */
	gboolean required;   /* a nomination without it is refused */
	/* FIELD_CHOICE: at most this many accepted nominations of one
	 * organisation with each choice (an award's category); 0: none. */
	guint per_organisation;
};

struct form_role {
	char *id;	     /* "member" */
	char *label;	     /* "Member" */
	GPtrArray *words;    /* folded: "member", "mentee" */
	GPtrArray *requires; /* ids of fields a nominee of this role must give */
};

struct form_spec {
	GPtrArray *roles;  /* of struct form_role *, at most FORM_SPEC_MAX_ROLES */
	GPtrArray *fields; /* of struct form_field * */
	/* Fields before any section heading are a nominee's (a form about
	 * its sender, or with one role), not the covering note's. */
	gboolean unsectioned;
};

const char *form_field_type_name(enum form_field_type t); /* "text", "email", "number", "choice", "long" */
gboolean form_field_type_parse(const char *name, enum form_field_type *t);

struct form_spec *form_spec_new(void);
void form_spec_free(struct form_spec *s);
/* The Connect Network's form (never freed). */
const struct form_spec *form_spec_builtin(void);

/* Add a role or a field; FALSE with a sentence saying why (a name used
 * twice, a label two fields claim, a field of nomd's own given another
 * type, too many). `synonyms` and `choices` NULL-terminated or NULL. */
gboolean form_spec_add_role(struct form_spec *s, const char *id, const char *label, const char *const *synonyms,
			    GError **error);
gboolean form_spec_add_field(struct form_spec *s, const char *id, enum form_field_type type, const char *label,
			     const char *const *synonyms, const char *const *choices, guint max_words, GError **error);
/* A nomination without field `id` is to be refused. */
void form_spec_require(struct form_spec *s, const char *id);
/* ... a nomination in role `role` (an index) without it. FALSE when the
 * spec has no such field or role. */
gboolean form_spec_role_requires(struct form_spec *s, int role, const char *id);
/* The Connect Network's roles (member or mentee; mentor). */
void form_spec_add_builtin_roles(struct form_spec *s);
/* nomd's own fields the spec has not defined, with the labels of the
 * built-in form that no other field has taken. */
void form_spec_add_builtin_fields(struct form_spec *s);
/* After the last add: at least one role, and a name and an email field
 * (added with their usual labels when not defined). */
gboolean form_spec_finish(struct form_spec *s, GError **error);

/* Runs of blanks as one space, trimmed, at most `cap` bytes cut on a
 * character boundary: how the form reader keeps a value. */
char *form_collapse_blanks(const char *s, gsize cap);
/* How labels, role words and choices compare: case folded, blanks
 * collapsed. */
char *form_spec_fold(const char *s);
/* The place nomd has of its own for field `id`, or SLOT_NONE. */
enum form_slot form_slot_of(const char *id);
/* Whether a folded label names the organisation the form is for
 * ("Organisation", "Council name"): the form's own, in every programme. */
gboolean form_spec_organisation_label(const char *folded);
/* The field with this id, or NULL. */
const struct form_field *form_spec_field_by_id(const struct form_spec *s, const char *id);
/* The field a folded label names, or NULL. */
const struct form_field *form_spec_field(const struct form_spec *s, const char *folded);
/* The role a word names ("mentee"), or -1. */
int form_spec_role(const struct form_spec *s, const char *word, gsize n);
/* The choice `value` is, as the spec writes it (case and spaces aside),
 * or NULL. */
const char *form_spec_choice(const struct form_field *f, const char *value);

/* Whether a folded column label names both roles of a two-role spec,
 * "mentee or mentor", "member/mentor": a column that says which role. */
gboolean form_spec_role_column(const struct form_spec *s, const char *folded);

/* The spec as text, for nomd-reader (which cannot read the
 * configuration): a GKeyFile, a group "spec" with version=1, then a group
 * "role ID" per role and "field ID" per field in order (label, synonyms
 * folded, type, choices, max_words, required). At most
 * FORM_SPEC_MAX_TEXT bytes; NULL with `error` past that. */
#define FORM_SPEC_MAX_TEXT (256 * 1024)
char *form_spec_to_text(const struct form_spec *s, gsize *len, GError **error);
/* The spec `form_spec_to_text` wrote, checked as a configuration's is
 * (roles, labels, types, caps); NULL with `error` when it is not one. */
struct form_spec *form_spec_from_text(const char *text, gsize len, GError **error);

typedef struct form_spec form_spec;
G_DEFINE_AUTOPTR_CLEANUP_FUNC(form_spec, form_spec_free)

#endif
