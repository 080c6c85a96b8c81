/* form: reads the plain-text nomination form (v1) into nomd's own types.
 * Owns the field labels and section headings; knows nothing of the rules. */
#ifndef NOMD_FORM_H
#define NOMD_FORM_H

#include <glib.h>

/* Caps on untrusted input: the form is mail from outside. */
#define FORM_MAX_VALUE 300	 /* bytes kept of one field value */
#define FORM_MAX_NOMINEES 40	 /* sections read from one message */
#define FORM_MAX_TEXT (256 * 1024) /* bytes of body text examined */

enum nominee_role { ROLE_MEMBER, ROLE_MENTOR };

struct nominee {
	enum nominee_role role;
	char *name;
	char *email;
	char *job_title;
	char *service;
	char *service_type;
	int years; /* -1 when not given or not a number */
	char *aspiration;
	char *expertise;
};

struct form {
	char *organisation; /* as written, NULL when absent */
	GPtrArray *nominees; /* of struct nominee *, owned */
};

const char *form_role_name(enum nominee_role role);
void nominee_free(struct nominee *n);
struct form *form_parse(const char *text);
void form_free(struct form *f);

typedef struct form form;
G_DEFINE_AUTOPTR_CLEANUP_FUNC(form, form_free)

#endif
