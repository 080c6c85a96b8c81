/* pairing: who should mentor whom. Pure: people in, a plan out, each pair
 * with its score and the reasons for it, each person left unpaired with
 * why. The rules: a mentor never takes a member of their own
 * organisation; staff pins are kept and bans honoured; as many members as
 * possible are paired, then the total score is best (see assign.h). */
#ifndef NOMD_PAIRING_H
#define NOMD_PAIRING_H

#include <glib.h>

struct pair_person {
	const char *email;
	const char *org;
	const char *name;
	const char *job_title;
	const char *service;
	const char *service_type;
	const char *aspiration; /* members */
	const char *expertise;	/* mentors */
	const char *location;
	const char *format; /* online | in person | either, or NULL */
	int taken;	    /* mentors: places already taken by earlier pairs */
};

struct pairing_weights {
	int aspiration; /* per word the member's aspiration shares with the mentor's role and expertise */
	int seniority;	/* the mentor holds the kind of post the member aspires to */
	int same_service;
	int same_type;	       /* same service type (corporate, strategic, operational) */
	gboolean prefer_cross; /* reward different service types instead */
	int format;	       /* compatible formats; the same taken off when they clash */
	int region;	       /* both in person and in the same region */
};

struct pairing_rules {
	struct pairing_weights w;
	int mentor_capacity; /* members one mentor may take */
	GPtrArray *pins;     /* of char *[2] {member_email, mentor_email}, owned by the caller */
	GPtrArray *forbids;  /* the same shape */
};

struct planned_pair {
	guint member, mentor; /* indexes into the caller's arrays */
	int score;
	char *why; /* "aspiration matches: finance; same service type; ..." */
	gboolean pinned;
};

struct unpaired {
	gboolean is_mentor;
	guint index;
	const char *why; /* static text */
};

struct pairing_plan {
	GArray *pairs;	     /* struct planned_pair */
	GArray *unpaired;    /* struct unpaired */
	GPtrArray *problems; /* char *: pins that could not be kept, and why */
};

void pairing_default_weights(struct pairing_weights *w);
/* The score of one possible pair and, when `why` is not NULL, its parts. */
int pairing_score(const struct pairing_weights *w, const struct pair_person *member, const struct pair_person *mentor,
		  GString *why);
struct pairing_plan *pairing_make_plan(const struct pairing_rules *rules, const struct pair_person *members,
				       guint n_members, const struct pair_person *mentors, guint n_mentors);
void pairing_plan_free(struct pairing_plan *p);

typedef struct pairing_plan pairing_plan;
G_DEFINE_AUTOPTR_CLEANUP_FUNC(pairing_plan, pairing_plan_free)

#endif
