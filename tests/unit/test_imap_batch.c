/* Unit tests: how the bodies of a batch are cut into UID FETCH runs
 * (imap_batch_take, daemon/imap.c): by count, by the byte budget of
 * RFC822.SIZE, never with a message over the size cap, and never stuck
 * on a message larger than the budget. */
#include "../../daemon/imap.h"
#include "tap.h"

#define CAP 1000 /* imap.max_message_bytes */

/* Infos of the given sizes, UIDs 1, 2, ... */
static struct imap_msg_info *infos_of(const guint32 *sizes, guint n)
{
	struct imap_msg_info *v = g_new0(struct imap_msg_info, n);
	for (guint i = 0; i < n; i++)
		v[i] = (struct imap_msg_info){ .uid = i + 1, .size = sizes[i] };
	return v;
}

/* The runs one after another, as "span,span,...". */
static char *runs(const guint32 *sizes, guint n, guint count, gint64 bytes)
{
	g_autofree struct imap_msg_info *v = infos_of(sizes, n);
	GString *s = g_string_new(NULL);
	for (guint i = 0; i < n;) {
		guint span = imap_batch_take(v + i, n - i, CAP, count, bytes);
		if (span == 0) {
			g_string_append(s, "STUCK");
			break;
		}
		g_string_append_printf(s, "%s%u", s->len ? "," : "", span);
		i += span;
	}
	return g_string_free(s, FALSE);
}

int main(void)
{
	const guint32 small[] = { 100, 100, 100, 100, 100, 100, 100 };
	g_autofree char *a = runs(small, 7, 3, 1 << 20);
	is_str(a, "3,3,1", "seven small messages, three a run: runs of 3, 3 and 1");
	g_autofree char *b = runs(small, 7, 50, 250);
	is_str(b, "2,2,2,1", "a budget of 250 bytes: two of 100 a run, not three");
	g_autofree char *c = runs(small, 7, 50, 300);
	is_str(c, "3,3,1", "exactly at the budget is within it");

	/* A message over the budget (but under the cap) goes alone. */
	const guint32 big[] = { 100, 600, 100, 100 };
	g_autofree char *d = runs(big, 4, 50, 500);
	is_str(d, "1,1,2", "one over the budget is fetched on its own, between the others");

	/* One over the cap is never fetched: it is skipped within a run and
	 * counts for nothing, and a run of only such messages fetches none. */
	const guint32 huge[] = { 100, 5000, 100, 5000, 5000 };
	g_autofree struct imap_msg_info *v = infos_of(huge, 5);
	is_int(imap_batch_take(v, 5, CAP, 2, 1 << 20), 5,
	       "count 2: two small ones fetched, the huge ones among and after them passed over");
	is_int(imap_batch_take(v, 5, CAP, 1, 1 << 20), 2, "count 1: the run ends before the second small one");
	is_int(imap_batch_take(v + 3, 2, CAP, 2, 1 << 20), 2, "only huge ones left: the run spans them, fetching none");
	is_int(imap_batch_take(v, 0, CAP, 2, 1 << 20), 0, "nothing left: nothing taken");

	/* The bytes a run holds never pass the budget unless one message does. */
	guint32 mixed[40];
	for (guint i = 0; i < G_N_ELEMENTS(mixed); i++)
		mixed[i] = (i * 7919) % 900 + 1;
	g_autofree struct imap_msg_info *m = infos_of(mixed, G_N_ELEMENTS(mixed));
	gboolean within = TRUE;
	for (guint i = 0; i < G_N_ELEMENTS(mixed);) {
		guint span = imap_batch_take(m + i, G_N_ELEMENTS(mixed) - i, CAP, 5, 1200);
		gint64 bytes = 0;
		for (guint k = i; k < i + span; k++)
			bytes += m[k].size;
		if (span == 0 || span > 5 || (span > 1 && bytes > 1200))
			within = FALSE;
		i += MAX(span, 1);
	}
	ok(within, "varied sizes: every run within 5 messages and 1200 bytes, or a single message");
	return tap_done();
}
