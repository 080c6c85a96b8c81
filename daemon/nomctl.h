/* nomctl: what the staff tool's command files share: printing rows as
 * JSON or CSV, and the commands kept in files of their own. */
#ifndef NOMD_NOMCTL_H
#define NOMD_NOMCTL_H

#include <glib.h>

#include "config.h"
#include "store.h"

enum format { FMT_JSON, FMT_CSV };

struct printer {
	enum format format;
	guint rows;
};

/* A store_row_fn: one row as a JSON object or a CSV line (header first). */
void print_row(void *data, int n, const char *const *names, const char *const *values);
/* Close the JSON array (nothing for CSV). */
void print_end(struct printer *pr);

/* nomctl event add|update|cancel|list ... (nomctl_events.c) */
int nomctl_event(const struct nomd_config *cfg, struct store *st, int argc, char **argv, const char *format);
/* nomctl digest --preview|--send (nomctl_events.c) */
int nomctl_digest(const struct nomd_config *cfg, struct store **st, int argc, char **argv);

/* nomctl status | forget EMAIL | reprocess MESSAGE_ID (nomctl_admin.c) */
int nomctl_status(const struct nomd_config *cfg, struct store *st, const char *format);
int nomctl_forget(const struct nomd_config *cfg, struct store *st, const char *email, gboolean keep_mail);
int nomctl_reprocess(const struct nomd_config *cfg, struct store *st, const char *message_id);
/* nomctl templates export [--force] DIR (nomctl_admin.c; no configuration) */
int nomctl_templates(int argc, char **argv);

#endif
