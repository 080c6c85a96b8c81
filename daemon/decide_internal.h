/* decide_internal: what decide.c and judge.c share; nothing else includes
 * it. */
#ifndef NOMD_DECIDE_INTERNAL_H
#define NOMD_DECIDE_INTERNAL_H

#include "decide.h"

struct decision *decision_new(enum outcome o);
/* Add `code` to a list of codes unless it is there already. */
void decision_add_code(GPtrArray *list, const char *code);
/* Add `reason`; `detail` becomes the word for staff unless one is set. */
struct decision *decision_finish(struct decision *d, const char *reason, const char *detail);

/* The one gate in front of every answer. Past the hourly limit of
 * automatic replies to the sender nothing more is answered and staff are
 * told: a held reply_limit decision, and *limited. (A loop with an
 * autoresponder that marks nothing as automatic ends here.) Else a new
 * decision with outcome `o` that answers, unless the sender asked for no
 * automatic replies: then staff see reply_suppressed instead. */
struct decision *decide_reply_gate(const struct nomd_config *cfg, const struct parsed_message *msg,
				   const struct decide_state *state, enum outcome o, gboolean *limited);

/* One function per class of message decides it; it may take what
 * classify() found for its class from `c` (g_steal_pointer), decide()
 * clears the rest. */
typedef struct decision *class_rules(const struct nomd_config *cfg, const struct parsed_message *msg,
				     const struct form *form, const struct decide_state *state,
				     struct classification *c);

/* judge.c: a command (CLASS_COMMAND) and nominations (CLASS_NOMINATION),
 * both from a nominator. */
class_rules judge_command;
class_rules judge_nomination;
/* Whether `sender` may send the programme forms for some organisation. */
gboolean judge_may_send(const struct nomd_config *cfg, const char *sender);

#endif
