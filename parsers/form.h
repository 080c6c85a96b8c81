/* form: reads nomination forms into nomd's own types: the plain-text form
 * in a message body (with the noise real mail carries: quoted history,
 * signatures, forwarded headers, bullets, bold markers, odd spaces) and
 * rows of a spreadsheet (CSV) that use the same labels. Owns the field
 * labels and their synonyms; knows nothing of the programme's rules. */
#ifndef NOMD_FORM_H
#define NOMD_FORM_H

#include <glib.h>

#include "form_spec.h"

/* Caps on untrusted input: the form is mail from outside. */
#define FORM_MAX_VALUE 300	   /* bytes kept of one field value */
#define FORM_MAX_NOMINEES 40	   /* nominees read from one message */
#define FORM_MAX_TEXT (256 * 1024) /* bytes of body text examined */

/* The index of the role in the form's spec: the built-in one's member
 * and mentor. */
enum nominee_role { ROLE_MEMBER, ROLE_MENTOR };

/* What is wrong with a value the spec types: a choice not offered, not a
 * number, a long text past its word limit. */
enum form_problem { FORM_OK, FORM_NOT_A_CHOICE, FORM_NOT_A_NUMBER, FORM_TOO_LONG };

/* A value of a field nomd has no place of its own for (SLOT_NONE). */
struct form_value {
	char *id;    /* the field's */
	char *value; /* a choice as the spec writes it; long text keeps its paragraphs */
};

struct nominee {
	enum nominee_role role;
	/* A heading, a role line or column said which role: a form read
	 * without one (unsectioned, two roles) leaves it to the rules. */
	gboolean role_said;
	char *name;
	char *email;
	char *job_title;
	char *service;
	char *service_type; /* lower case: corporate | strategic | operational, or as given */
	int years;	    /* -1 when not given or not a number */
	char *aspiration;
	char *expertise;
	char *location;
	char *format; /* online | in person | either, or as given */
	gboolean from_csv;
	GPtrArray *values; /* of struct form_value *, in the order met */
	/* The first value the spec refuses, for the rules to say why. */
	enum form_problem problem;
	char *problem_field; /* its id */
	guint words;	     /* FORM_TOO_LONG: how many there were */
};

struct form {
	char *organisation;  /* as written, NULL when absent */
	GPtrArray *nominees; /* of struct nominee *, owned */
	guint dropped;	     /* nominees past FORM_MAX_NOMINEES */
};

const char *form_role_name(enum nominee_role role);
void nominee_free(struct nominee *n);
struct form *form_new(void);
void form_free(struct form *f);
/* Read the form in a body text. `forwarded`: the message is a forward, so
 * forwarded headers are skipped rather than taken as quoted history. */
struct form *form_parse(const char *text, gboolean forwarded);
/* The same, with a programme's own roles and fields. */
struct form *form_parse_spec(const char *text, gboolean forwarded, const struct form_spec *spec);
/* Add the nominees of spreadsheet rows: each row maps a header label
 * (case-folded) to its value, with a role column (member/mentee/mentor). */
void form_add_rows(struct form *f, GPtrArray *rows);
void form_add_rows_spec(struct form *f, GPtrArray *rows, const struct form_spec *spec);
/* A value of `n` by field id: its slot or its values; NULL when none. */
const char *nominee_value(const struct nominee *n, const char *id);
/* Whether `n` gave field `f` (years: a number of them). */
gboolean nominee_has(const struct nominee *n, const struct form_field *f);
/* The first field `spec` requires that `n` did not give, or NULL. */
const struct form_field *nominee_missing(const struct nominee *n, const struct form_spec *spec);
/* Move the nominees of `from` (the form read out of an attached document)
 * to the end of `into`, up to FORM_MAX_NOMINEES (the rest counted as
 * dropped); `into` takes `from`'s organisation when it has none. */
void form_merge(struct form *into, struct form *from);

/* What a table column is, by its header label (any case, a trailing ':'
 * allowed): a role column ("Member or mentor", "Role", "Type", ...), the
 * name, the email, another field the form knows, or none of these. */
enum form_column { FORM_COLUMN_OTHER, FORM_COLUMN_ROLE, FORM_COLUMN_NAME, FORM_COLUMN_EMAIL, FORM_COLUMN_FIELD };
enum form_column form_column_kind(const char *label);
/* The same with a programme's roles and fields: its own labels, and a
 * column naming both its roles ("Mentee or mentor") says the role. */
enum form_column form_column_kind_spec(const struct form_spec *spec, const char *label);
/* The role a cell names ("Mentor", " mentee "): TRUE and *role. */
gboolean form_role_value(const char *value, enum nominee_role *role);
gboolean form_role_value_spec(const struct form_spec *spec, const char *value, enum nominee_role *role);

typedef struct form form;
G_DEFINE_AUTOPTR_CLEANUP_FUNC(form, form_free)

#endif
