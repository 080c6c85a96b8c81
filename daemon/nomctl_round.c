/* nomctl_round: `nomctl call`, the call for nominations to every
 * organisation's nominators (round.c queues it; it is sent at once). */
#include <stdio.h>
#include <string.h>
#include <sysexits.h>

#include "clock.h"
#include "deliver.h"
#include "nomctl.h"
#include "reply.h"
#include "round.h"
#include "util.h"

static void print_call_line(const struct round_call_line *l, gboolean send)
{
	g_autofree char *id = terminal_text(l->org->id, FALSE);
	g_autofree char *name = terminal_text(l->org->name, FALSE);
	g_autofree char *to = l->to ? terminal_text(l->to, FALSE) : g_strdup("(no nominator address)");
	g_autofree char *copies =
		l->copies ? g_strdup_printf(" (+%u cop%s)", l->copies, l->copies == 1 ? "y" : "ies") : g_strdup("");
	const char *what = l->sent_at ? NULL : !l->to ? "cannot be sent" : send ? "sent now" : "would be sent";
	if (what)
		printf("%-16s %-32s %s%s: %s\n", id, name, to, copies, what);
	else
		printf("%-16s %-32s %s%s: sent before, %s\n", id, name, to, copies, l->sent_at);
}

int nomctl_call(const struct nomctl_run *r)
{
	const struct nomd_config *cfg = r->cfg;
	gboolean dry = strcmp(r->argv[0], "--dry-run") == 0;
	gboolean send = strcmp(r->argv[0], "--send") == 0;
	if (!dry && !send) {
		fputs("nomctl: call needs --dry-run or --send\n", stderr);
		return EX_USAGE;
	}
	/* The call names the closing date; after it, there is nothing to call for. */
	if (!cfg->programme.closes_at) {
		fputs("nomctl: set programme.closes first: the call names the closing date\n", stderr);
		return EX_CONFIG;
	}
	if (clock_now() >= cfg->programme.closes_at) {
		g_autofree char *closes = round_closes_text(cfg);
		fprintf(stderr, "nomctl: nominations closed on %s: no call goes out\n", closes);
		return EX_DATAERR;
	}
	g_autoptr(GError) error = NULL;
	g_autoptr(reply_templates) t = NULL;
	if (send && !reply_templates_load(cfg->templates, &t, &error)) {
		fprintf(stderr, "nomctl: %s\n", error->message);
		return EX_CONFIG;
	}
	g_autoptr(GPtrArray) lines = NULL;
	guint queued = 0;
	if (!round_call(cfg, *r->st, send, &lines, &queued, &error)) {
		fprintf(stderr, "nomctl: %s\n", error->message);
		return EX_SOFTWARE;
	}
	guint open = 0, unreachable = 0;
	for (guint i = 0; i < lines->len; i++) {
		const struct round_call_line *l = lines->pdata[i];
		print_call_line(l, send);
		open += !l->sent_at && l->to;
		unreachable += !l->to;
	}
	g_autofree char *closes = round_closes_text(cfg);
	if (unreachable)
		fprintf(stderr, "nomctl: %u organisation(s) have no nominator address in the configuration\n",
			unreachable);
	if (dry) {
		fprintf(stderr, "nomctl: dry run: the call (round %s, closing %s) would go to %u organisation(s)\n",
			cfg->programme.round, closes, open);
		return EX_OK;
	}
	if (!queued && unreachable == lines->len) {
		/* A programme people join themselves may have no nominators:
		 * "every organisation has had the call" would be untrue. */
		fputs("nomctl: no call sent: the call and the chasers go only to configured nominators, and no "
		      "organisation has one\n",
		      stderr);
		return EX_CONFIG;
	}
	if (!queued) {
		fprintf(stderr, "nomctl: every organisation%s has had the call of round %s\n",
			unreachable ? " with a nominator address" : "", cfg->programme.round);
		return EX_OK;
	}
	struct deliver_stats out = { 0 };
	if (!deliver_isolated(cfg, t, r->st, DELIVER_PATIENCE_SHORT, &out, &error)) {
		fprintf(stderr, "nomctl: call queued to %u organisation(s); sending failed: %s\n", queued,
			error->message);
		return EX_TEMPFAIL;
	}
	if (out.held[0]) {
		fprintf(stderr, "nomctl: call queued to %u organisation(s); nothing sent now: %s\n", queued, out.held);
		return EX_TEMPFAIL;
	}
	fprintf(stderr, "nomctl: call queued to %u organisation(s) (%d sent, %d deferred, %d failed)\n", queued,
		out.sent, out.deferred, out.failed);
	return out.deferred || out.failed ? EX_TEMPFAIL : EX_OK;
}
