/* nomd: the nomination daemon. Reads the configuration, then either runs
 * one pass (--once: process the inbox, send the outbox, exit) or runs the
 * main loop (daemon.c) until SIGTERM/SIGINT; SIGHUP reloads. Signal
 * handlers only set flags. */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include "../parsers/mime.h"
#include "config.h"

#ifndef NOMD_CONFIG
#define NOMD_CONFIG "/usr/local/etc/nomd/nomd.conf"
#endif
#include "crashmark.h"
#include "daemon.h"
#include "log.h"
#include "reply.h"
#include "store.h"
#include "version.h"

static volatile sig_atomic_t stop_requested, reload_requested, wake_requested;

static void on_stop(int sig)
{
	(void)sig;
	stop_requested = 1;
	wake_requested = 1;
}

static void on_hup(int sig)
{
	(void)sig;
	reload_requested = 1;
	wake_requested = 1;
}

static void install_signals(void)
{
	struct sigaction sa = { 0 };
	sigemptyset(&sa.sa_mask);
	sa.sa_handler = on_stop;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sa.sa_handler = on_hup;
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	/* A write past a file-size limit then fails with EFBIG, which SQLite
	 * reports, instead of killing nomd (or its sender after a send). */
	signal(SIGXFSZ, SIG_IGN);
}

int main(int argc, char **argv)
{
	g_autofree char *config_file = NULL, *config_path = NULL;
	g_autofree char *programme = NULL;
	gboolean once = FALSE, check = FALSE, verbose = FALSE, version = FALSE;
	GOptionEntry entries[] = {
		{ "config", 'c', 0, G_OPTION_ARG_FILENAME, &config_file, "Configuration file", "FILE" },
		{ "programme", 'p', 0, G_OPTION_ARG_STRING, &programme,
		  "The programme NAME's configuration (NAME.conf)", "NAME" },
		{ "once", 0, 0, G_OPTION_ARG_NONE, &once, "Process the inbox and send queued mail, then exit", NULL },
		{ "check-config", 0, 0, G_OPTION_ARG_NONE, &check, "Validate the configuration and exit", NULL },
		{ "verbose", 'v', 0, G_OPTION_ARG_NONE, &verbose, "Log debug detail", NULL },
		{ "version", 0, 0, G_OPTION_ARG_NONE, &version, "Print the version and exit", NULL },
		{ NULL, 0, 0, 0, NULL, NULL, NULL },
	};
	g_autoptr(GOptionContext) ctx = g_option_context_new("- email-driven nomination processor");
	g_option_context_add_main_entries(ctx, entries, NULL);
	g_autoptr(GError) error = NULL;
	if (!g_option_context_parse(ctx, &argc, &argv, &error) || argc > 1) {
		fprintf(stderr,
			"nomd: %s\nusage: nomd [-c FILE | -p NAME] [--once] [--check-config] [-v] | --version\n",
			error ? error->message : "unexpected argument");
		return EX_USAGE;
	}
	if (!config_choose(config_file, programme, &config_path, &error)) {
		fprintf(stderr, "nomd: %s\n", error->message);
		return EX_USAGE;
	}
	if (version) {
		printf("nomd %s\n", nomd_version);
		return EX_OK;
	}
	if (verbose)
		log_set_level(LOG_LVL_DEBUG);

	g_autoptr(nomd_config) cfg = NULL;
	g_autoptr(reply_templates) templates = NULL;
	if (!config_load(config_path, &cfg, &error) || !reply_templates_load(cfg->templates, &templates, &error)) {
		fprintf(stderr, "%s\n", error->message);
		return EX_CONFIG;
	}
	if (cfg->instance) {
		g_autofree char *name = g_strconcat("nomd@", cfg->instance, NULL);
		log_set_name(name);
	}
	if (check) {
		g_autoptr(GPtrArray) warnings = config_warnings(cfg);
		for (guint i = 0; i < warnings->len; i++)
			fprintf(stderr, "%s: warning: %s\n", config_path, (const char *)warnings->pdata[i]);
		printf("%s: configuration OK (%u organisations)\n", config_path, cfg->organisations->len);
		return EX_OK;
	}

	mime_init();
	install_signals();
	g_autofree char *crash_path = g_strconcat(cfg->database, ".crash", NULL);
	if (!crashmark_init(crash_path, &error)) {
		log_error("%s", error->message);
		return EX_CANTCREAT;
	}
	struct store *st = NULL;
	if (!store_open(cfg->database, &st, &error)) {
		log_error("%s", error->message);
		return EX_CANTCREAT;
	}
	/* A person watching a backlog: one progress line. Never in the
	 * journal or a pipe. */
	if (once && isatty(STDERR_FILENO))
		log_enable_progress();
	struct daemon_flags flags = { &stop_requested, &reload_requested, &wake_requested };
	int rc = once ? daemon_once(cfg, templates, &st, &flags)
		      : daemon_run(config_path, &cfg, &templates, &st, &flags);
	store_close(st);
	return rc;
}
