/* nomctl: the staff tool's command table and the handlers kept in files
 * of their own. nomctl.c reads the table for usage, dispatch and the
 * argument count; a command is one row there plus its handler. */
#ifndef NOMD_NOMCTL_H
#define NOMD_NOMCTL_H

#include <glib.h>

#include "config.h"
#include "nomctl_print.h"
#include "store.h"

/* What a handler is given. argv holds the arguments after the command's
 * name (and its subcommand), as many as its row allows. */
struct nomctl_run {
	const struct nomd_config *cfg; /* NULL with NOMCTL_NO_CONFIG */
	struct store **st;	       /* open; a handler may close and reopen it */
	const char *format;	       /* --format, NULL when not given */
	const char *output;	       /* --output FILE (a workbook), NULL when not given */
	gboolean keep_mail;	       /* --keep-mail */
	int argc;
	char **argv;
};

typedef int (*nomctl_handler)(const struct nomctl_run *r);

enum nomctl_flags {
	NOMCTL_TABLE = 1 << 0,	   /* --format table is allowed */
	NOMCTL_NO_CONFIG = 1 << 1, /* neither configuration nor store: cfg and *st are NULL */
	NOMCTL_XLSX = 1 << 2,	   /* --format xlsx --output FILE is allowed */
	NOMCTL_XLSX_ONLY = 1 << 3, /* writes a workbook and nothing else: --output FILE required */
	NOMCTL_PAIRING = 1 << 4,   /* a stage the programme may leave out: pairing.enabled */
	NOMCTL_EVENTS = 1 << 5,	   /* events.enabled */
};

struct nomctl_command {
	const char *name;
	const char *sub;	/* subcommand ("event add"), or NULL */
	const char *args;	/* the synopsis after name and sub; '\n' continues it */
	const char *help;	/* one short line */
	int min_args, max_args; /* after name and sub; max -1: any */
	unsigned flags;		/* enum nomctl_flags */
	nomctl_handler run;
};

/* nomctl event add|update|cancel|list, nomctl digest (nomctl_events.c) */
int nomctl_event_add(const struct nomctl_run *r);
int nomctl_event_update(const struct nomctl_run *r);
int nomctl_event_cancel(const struct nomctl_run *r);
int nomctl_event_list(const struct nomctl_run *r);
int nomctl_digest(const struct nomctl_run *r);

/* The printer for a listing: --format, and for a workbook --output, this
 * sheet's name and staff.timezone (nomctl.c). */
struct printer nomctl_printer(const struct nomctl_run *r, const char *sheet);
/* print_end's outcome as an exit status. */
int nomctl_print_end(struct printer *pr);

/* nomctl report --output FILE.xlsx: every sheet at once (nomctl_report.c) */
int nomctl_report(const struct nomctl_run *r);
int nomctl_judges(const struct nomctl_run *r);

/* nomctl pairs, feedback, and pair --rematch (nomctl_mentoring.c) */
int nomctl_pairs(const struct nomctl_run *r);
int nomctl_feedback(const struct nomctl_run *r);
int nomctl_rematch(const struct nomctl_run *r, const char *email, const char *why, gboolean dry_run, gboolean table);

/* A pairing plan as `nomctl pair` shows it (nomctl.c). */
struct pairing_pool;
struct pairing_plan;
void nomctl_print_plan(const struct nomd_config *cfg, const struct pairing_pool *pool, const struct pairing_plan *plan,
		       enum format format, gboolean table);

/* nomctl call --dry-run|--send (nomctl_round.c) */
int nomctl_call(const struct nomctl_run *r);

/* nomctl status | forget EMAIL | reprocess MESSAGE_ID (nomctl_admin.c) */
int nomctl_status(const struct nomctl_run *r);
int nomctl_forget(const struct nomctl_run *r);
int nomctl_reprocess(const struct nomctl_run *r);
/* nomctl templates export [--force] DIR: no configuration needed */
int nomctl_templates_export(const struct nomctl_run *r);

#endif
