/* Unit tests: the one table of idempotency keys (daemon/outbox.c). The
 * keys must stay those earlier versions wrote, or mail queued before an
 * upgrade would be queued a second time after it. */
#include <string.h>

#include "../../daemon/outbox.h"
#include "../../daemon/template.h"
#include "tap.h"

/* Facts survive the form a row keeps them in, and the text form rows of
 * 0.16 hold: strings (non-ASCII, quotes, newlines), flags, lists, empty
 * lists. */
static void facts_round_trip(void)
{
	g_autoptr(tdata) d = tdata_new();
	tdata_set(d, "name", "Siobhán Ní Bhriain");
	tdata_set(d, "odd", "it's \"quoted\"\nand <b>\\ \x01");
	tdata_set_flag(d, "accepted", TRUE);
	tdata_set_flag(d, "refused", FALSE);
	struct tdata *item = tdata_add_item(d, "nominees");
	tdata_set(item, "email", "a@b.example");
	tdata_set(tdata_add_item(item, "warnings"), "text", "x");
	tdata_add_item(d, "nominees");
	g_autoptr(GVariant) v = g_variant_ref_sink(tdata_to_variant(d));
	g_autoptr(GBytes) kept = outbox_facts_encode(v);
	g_autoptr(GError) error = NULL;
	g_autoptr(GVariant) back = outbox_facts_decode(kept, FALSE, &error);
	g_autoptr(tdata) d2 = back ? tdata_from_variant(back, &error) : NULL;
	g_autoptr(GVariant) v2 = d2 ? g_variant_ref_sink(tdata_to_variant(d2)) : NULL;
	ok(v2 && g_variant_equal(v, v2), "facts read back from a row are the same (%s)", error ? error->message : "");

	g_autofree char *text = g_variant_print(v, TRUE);
	g_autoptr(GBytes) printed = g_bytes_new(text, strlen(text));
	g_autoptr(GVariant) old = outbox_facts_decode(printed, TRUE, &error);
	g_autoptr(tdata) d3 = old ? tdata_from_variant(old, &error) : NULL;
	g_autoptr(GVariant) v3 = d3 ? g_variant_ref_sink(tdata_to_variant(d3)) : NULL;
	ok(v3 && g_variant_equal(v, v3), "facts in the text form of 0.16 read the same (%s)",
	   error ? error->message : "");

	/* A row damaged on disk: cut short, or bytes that never were facts.
	 * Each reads as nothing to fill a template with, never past its end. */
	gsize len = 0;
	const guint8 *raw = g_bytes_get_data(kept, &len);
	g_autoptr(GBytes) cut = g_bytes_new(raw, len / 2);
	static const char junk[] = "\xff\xff\xff\xff\x07\x00garbage\x01";
	g_autoptr(GBytes) noise = g_bytes_new(junk, sizeof junk - 1);
	GBytes *damaged[] = { cut, noise };
	for (size_t i = 0; i < G_N_ELEMENTS(damaged); i++) {
		g_autoptr(GError) e = NULL;
		g_autoptr(GVariant) dv = outbox_facts_decode(damaged[i], FALSE, &e);
		g_autoptr(GVariant) tmpl = dv ? g_variant_lookup_value(dv, "template", NULL) : NULL;
		ok(dv && !tmpl, "damaged facts (%zu) read as no template", i);
	}
	g_autoptr(GError) none_error = NULL;
	ok(!outbox_facts_decode(NULL, FALSE, &none_error) && none_error, "no facts: an error");
	ok(strstr(text, "Siobhán") != NULL, "a non-ASCII name stands in the text form as itself");
	const char *const bad[] = { "{'n': <3>}", "{'n': <[1, 2]>}", "{'l': <[{'x': <@as []>}]>}" };
	for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
		g_autoptr(GError) e = NULL;
		g_autoptr(GVariant) b = g_variant_parse(G_VARIANT_TYPE_VARDICT, bad[i], NULL, NULL, NULL);
		g_autoptr(tdata) none = b ? tdata_from_variant(b, &e) : NULL;
		ok(b && !none && e, "facts of another shape are refused: %s (%s)", bad[i], e ? e->message : "");
	}
}

int main(void)
{
	facts_round_trip();
	const struct {
		struct outmail m;
		const char *copy_to;
		const char *want;
	} cases[] = {
		{ { .cause = OUTBOX_REPLY, .cause_text = "ab12" }, NULL, "reply:ab12" },
		{ { .cause = OUTBOX_REPLY_LIMIT,
		    .cause_text = "ce@fife.example:2027-01-20T10",
		    .to = "staff@example.org" },
		  NULL,
		  "reply-limit:ce@fife.example:2027-01-20T10:staff@example.org" },
		{ { .cause = OUTBOX_WELCOME, .nominee = 7 }, NULL, "welcome:7" },
		{ { .cause = OUTBOX_CONSENT_REMINDER, .nominee = 7 }, NULL, "reminder:7" },
		{ { .cause = OUTBOX_DECLINED, .nominee = 7 }, NULL, "declined:7" },
		{ { .cause = OUTBOX_PAIR, .cause_text = "mentor", .pair = 3, .nominee = 7, .partner = 9 },
		  NULL,
		  "pair:3:mentor" },
		{ { .cause = OUTBOX_PAIR, .cause_text = "mentor", .pair = 3 },
		  "staff@example.org",
		  "pair:3:mentor:cc:staff@example.org" },
		{ { .cause = OUTBOX_PAIR_ENDED, .nominee = 9, .partner = 7 }, NULL, "pair-ended:7:9" },
		{ { .cause = OUTBOX_INVITATION, .invitation = 12, .sequence = 2 }, NULL, "invite:12:2" },
		{ { .cause = OUTBOX_CANCELLATION, .invitation = 12 }, NULL, "cancel:12" },
		{ { .cause = OUTBOX_EVENT_REMINDER, .invitation = 12 }, NULL, "event-reminder:12" },
		{ { .cause = OUTBOX_PROMOTED, .invitation = 12, .cause_text = "ab12" },
		  NULL,
		  "promoted:12:reply:ab12" },
		{ { .cause = OUTBOX_DIGEST, .cause_text = "2027-01-20", .to = "staff@example.org" },
		  NULL,
		  "digest:2027-01-20:staff@example.org" },
		{ { .cause = OUTBOX_CALL, .cause_text = "2027:fife" }, NULL, "call:2027:fife" },
		{ { .cause = OUTBOX_CALL, .cause_text = "2027:fife" },
		  "deputy@fife.example",
		  "call:2027:fife:cc:deputy@fife.example" },
		{ { .cause = OUTBOX_CHASER, .cause_text = "2027:fife:7" }, NULL, "chase:2027:fife:7" },
		{ { .cause = OUTBOX_ROUND_CLOSED, .cause_text = "2027:fife" }, NULL, "round-closed:2027:fife" },
		{ { .cause = OUTBOX_UNDELIVERABLE, .nominee = 7 }, NULL, "undeliverable:7" },
		{ { .cause = OUTBOX_ASK, .cause_text = "checkin:3:7:2" }, NULL, "ask:checkin:3:7:2" },
		{ { .cause = OUTBOX_REMATCH, .pair = 3, .nominee = 7 }, NULL, "rematch:3:7" },
	};
	gboolean seen[OUTBOX_CAUSE_COUNT] = { FALSE };
	for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_autofree char *key = outbox_key(&cases[i].m, cases[i].copy_to);
		is_str(key, cases[i].want, "key of %s", outbox_key_shape(cases[i].m.cause));
		seen[cases[i].m.cause] = TRUE;
	}
	gboolean all = TRUE;
	for (int c = 0; c < OUTBOX_CAUSE_COUNT; c++)
		all = all && seen[c] && outbox_key_shape(c) != NULL;
	ok(all, "every cause has a key shape, and each is checked above");
	ok(outbox_key_shape(OUTBOX_CAUSE_COUNT) == NULL, "no shape past the table");
	/* Two causes never share a key for the same ids. */
	g_autoptr(GHashTable) keys = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	for (int c = 0; c < OUTBOX_CAUSE_COUNT; c++) {
		const struct outmail m = { .cause = c,
					   .cause_text = "x",
					   .to = "a@b.example",
					   .nominee = 1,
					   .partner = 2,
					   .invitation = 3,
					   .pair = 4,
					   .sequence = 5 };
		g_hash_table_add(keys, outbox_key(&m, NULL));
	}
	ok(g_hash_table_size(keys) == OUTBOX_CAUSE_COUNT, "the causes' keys differ for the same ids");
	return tap_done();
}
