/* testcfg: a configuration for a unit test, read as nomd reads it. */
#ifndef NOMD_TESTCFG_H
#define NOMD_TESTCFG_H

#include <glib.h>
#include <glib/gstdio.h>

#include "../../daemon/config.h"

/* `text` written as t.conf in a fresh folder (mode 0600: it holds a
 * password) and loaded; both are gone afterwards. NULL with `error` set
 * when nomd would refuse it. */
static inline struct nomd_config *test_config_load(const char *text, GError **error)
{
	g_autofree char *dir = g_dir_make_tmp("nomd-test-XXXXXX", NULL);
	g_autofree char *path = g_build_filename(dir, "t.conf", NULL);
	g_file_set_contents(path, text, -1, NULL);
	g_chmod(path, 0600);
	struct nomd_config *cfg = NULL;
	config_load(path, &cfg, error);
	g_unlink(path);
	g_rmdir(dir);
	return cfg;
}

#endif
