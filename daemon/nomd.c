/* nomd: the nomination daemon. Reads the configuration, then either runs
 * one pass (--once: process the inbox, send the outbox, exit) or keeps
 * polling until SIGTERM/SIGINT. Signal handlers only set flags. */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include "../parsers/mime.h"
#include "config.h"
#include "deliver.h"
#include "ingest.h"
#include "log.h"
#include "reply.h"
#include "store.h"

static volatile sig_atomic_t stop_requested = 0;

static void on_stop(int sig)
{
	(void)sig;
	stop_requested = 1;
}

static void install_signals(void)
{
	struct sigaction sa = { 0 };
	sa.sa_handler = on_stop;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
}

/* One pass: inbox, then outbox. A failure of one stage is logged here and
 * does not stop the other: mail already queued still goes out. */
static gboolean run_pass(const struct nomd_config *cfg, const struct reply_templates *t, struct store *st)
{
	gboolean ok = TRUE;
	g_autoptr(GError) error = NULL;
	struct ingest_stats in;
	if (!ingest_run(cfg, t, st, &stop_requested, &in, &error)) {
		log_error("%s", error->message);
		g_clear_error(&error);
		ok = FALSE;
	}
	log_info("inbox pass: %d seen, %d applied (%d accepted, %d partial, %d rejected, %d held), %d moved only",
		 in.seen, in.applied, in.accepted, in.partial, in.rejected, in.held, in.already);
	struct deliver_stats out;
	if (!deliver_pending(cfg, st, &out, &error)) {
		log_error("%s", error->message);
		ok = FALSE;
	}
	log_info("outbox pass: %d sent, %d deferred, %d failed", out.sent, out.deferred, out.failed);
	return ok;
}

int main(int argc, char **argv)
{
	g_autofree char *config_path = NULL;
	gboolean once = FALSE, check = FALSE, verbose = FALSE;
	GOptionEntry entries[] = {
		{ "config", 'c', 0, G_OPTION_ARG_FILENAME, &config_path, "Configuration file", "FILE" },
		{ "once", 0, 0, G_OPTION_ARG_NONE, &once, "Process the inbox and send queued mail, then exit", NULL },
		{ "check-config", 0, 0, G_OPTION_ARG_NONE, &check, "Validate the configuration and exit", NULL },
		{ "verbose", 'v', 0, G_OPTION_ARG_NONE, &verbose, "Log debug detail", NULL },
		{ NULL, 0, 0, 0, NULL, NULL, NULL },
	};
	g_autoptr(GOptionContext) ctx = g_option_context_new("- email-driven nomination processor");
	g_option_context_add_main_entries(ctx, entries, NULL);
	g_autoptr(GError) error = NULL;
	if (!g_option_context_parse(ctx, &argc, &argv, &error) || argc > 1 || !config_path) {
		fprintf(stderr, "nomd: %s\nusage: nomd -c FILE [--once] [--check-config] [-v]\n",
			error ? error->message : argc > 1 ? "unexpected argument" : "-c FILE is required");
		return EX_USAGE;
	}
	if (verbose)
		log_set_level(LOG_LVL_DEBUG);

	g_autoptr(nomd_config) cfg = NULL;
	g_autoptr(reply_templates) templates = NULL;
	if (!config_load(config_path, &cfg, &error) || !reply_templates_load(cfg->templates, &templates, &error)) {
		fprintf(stderr, "%s\n", error->message);
		return EX_CONFIG;
	}
	if (check) {
		printf("%s: configuration OK (%u organisations)\n", config_path, cfg->organisations->len);
		return EX_OK;
	}

	mime_init();
	install_signals();
	struct store *st = NULL;
	if (!store_open(cfg->database, &st, &error)) {
		log_error("%s", error->message);
		return EX_CANTCREAT;
	}
	int rc = EX_OK;
	if (once) {
		rc = run_pass(cfg, templates, st) ? EX_OK : EX_TEMPFAIL;
	} else {
		log_info("polling %s every %d s", cfg->imap.inbox, cfg->imap.poll_seconds);
		while (!stop_requested) {
			run_pass(cfg, templates, st);
			for (int i = 0; i < cfg->imap.poll_seconds && !stop_requested; i++)
				sleep(1);
		}
		log_info("stopping");
	}
	store_close(st);
	return rc;
}
