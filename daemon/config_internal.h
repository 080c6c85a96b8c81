/* config_internal: what the configuration's modules (config.c,
 * config_form.c) share; not for the rest of nomd. */
#ifndef NOMD_CONFIG_INTERNAL_H
#define NOMD_CONFIG_INTERNAL_H

#include <libconfig.h>

#include "config.h"

/* FALSE, with "FILE:LINE: message" for setting `s` (FILE the file it
 * came from, which may be an @include). */
gboolean config_fail_at(GError **error, const char *path, const config_setting_t *s, const char *fmt, ...)
	G_GNUC_PRINTF(4, 5);
/* FALSE ("unknown WHAT setting 'x'") when group `s` has a member not
 * among `names`. */
gboolean config_known_members(const char *path, const config_setting_t *s, const char *const *names, gsize n,
			      const char *what, GError **error);
/* What the definition asks of the rest once all is read: the stages
 * its roles and senders allow, the domains self-registration needs. */
gboolean config_check_programme(const char *path, config_t *cf, const struct nomd_config *cfg, GError **error);
/* programme.fields into cfg->form; none: cfg->form stays NULL. */
gboolean config_read_form(const char *path, config_t *cf, struct nomd_config *cfg, GError **error);

#endif
