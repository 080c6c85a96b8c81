/* Unit tests: pairing scores and plans. */
#include "../../daemon/pairing.h"
#include "tap.h"

static const struct pair_person members[] = {
	{ .email = "m1@fife.example",
	  .org = "fife",
	  .name = "Alex",
	  .service = "Finance",
	  .service_type = "corporate",
	  .aspiration = "Head of Finance",
	  .format = "online" },
	{ .email = "m2@angus.example",
	  .org = "angus",
	  .name = "Bea",
	  .service = "Housing",
	  .service_type = "operational",
	  .aspiration = "Director of Housing",
	  .format = "in person",
	  .location = "Tayside" },
	{ .email = "m3@moray.example",
	  .org = "moray",
	  .name = "Cal",
	  .service = "Planning",
	  .service_type = "strategic",
	  .aspiration = "Chief Planning Officer",
	  .format = "either" },
};
static const struct pair_person mentors[] = {
	{ .email = "t1@fife.example",
	  .org = "fife",
	  .name = "Fay",
	  .job_title = "Head of Finance",
	  .service = "Finance",
	  .service_type = "corporate",
	  .format = "online" },
	{ .email = "t2@dundee.example",
	  .org = "dundee",
	  .name = "Gus",
	  .job_title = "Director of Housing",
	  .expertise = "housing strategy",
	  .service = "Housing",
	  .service_type = "operational",
	  .format = "in person",
	  .location = "tayside" },
};

static int pair_of(const struct pairing_plan *p, guint member)
{
	for (guint i = 0; i < p->pairs->len; i++)
		if (g_array_index(p->pairs, struct planned_pair, i).member == member)
			return (int)g_array_index(p->pairs, struct planned_pair, i).mentor;
	return -1;
}

int main(void)
{
	struct pairing_rules rules = { .mentor_capacity = 1 };
	pairing_default_weights(&rules.w);

	g_autoptr(GString) why = g_string_new(NULL);
	int s = pairing_score(&rules.w, &members[1], &mentors[1], why);
	ok(s > 0, "a well-matched pair scores (%d): %s", s, why->str);
	ok(strstr(why->str, "aspiration matches") && strstr(why->str, "housing"), "aspiration overlap explained");
	ok(strstr(why->str, "senior post"), "seniority explained");
	ok(strstr(why->str, "same region"), "same region for in-person explained (case-insensitive)");
	g_string_truncate(why, 0);
	int clash = pairing_score(&rules.w, &members[0], &mentors[1], why);
	ok(strstr(why->str, "formats clash"), "online against in person is a clash: %s", why->str);
	ok(clash < s, "and scores lower");

	{
		g_autoptr(pairing_plan) p = pairing_make_plan(&rules, members, 3, mentors, 2);
		ok(pair_of(p, 0) != 0, "never paired with a mentor of the same organisation");
		is_int(p->pairs->len, 2, "two mentors, three members: two pairs");
		is_int(pair_of(p, 1), 1, "the best-matched member gets the housing director");
		gboolean member_left = FALSE;
		for (guint i = 0; i < p->unpaired->len; i++)
			member_left |= !g_array_index(p->unpaired, struct unpaired, i).is_mentor;
		ok(member_left, "the member left over is reported with a reason");
		g_autoptr(pairing_plan) q = pairing_make_plan(&rules, members, 3, mentors, 2);
		gboolean same = p->pairs->len == q->pairs->len;
		for (guint i = 0; same && i < p->pairs->len; i++)
			same = g_array_index(p->pairs, struct planned_pair, i).member ==
				       g_array_index(q->pairs, struct planned_pair, i).member &&
			       g_array_index(p->pairs, struct planned_pair, i).mentor ==
				       g_array_index(q->pairs, struct planned_pair, i).mentor;
		ok(same, "identical input, identical plan");
	}
	{
		char *pin[2] = { "m3@moray.example", "t2@dundee.example" };
		char *bad_pin[2] = { "m1@fife.example", "t1@fife.example" };
		char *ban[2] = { "m2@angus.example", "t2@dundee.example" };
		g_autoptr(GPtrArray) pins = g_ptr_array_new();
		g_ptr_array_add(pins, pin);
		g_ptr_array_add(pins, bad_pin);
		g_autoptr(GPtrArray) bans = g_ptr_array_new();
		g_ptr_array_add(bans, ban);
		struct pairing_rules r2 = rules;
		r2.pins = pins;
		g_autoptr(pairing_plan) p = pairing_make_plan(&r2, members, 3, mentors, 2);
		is_int(pair_of(p, 2), 1, "a staff pin is kept over a better-scoring pair");
		ok(p->problems->len == 1 && strstr(p->problems->pdata[0], "same organisation"),
		   "a pin within one organisation is refused and reported");
		struct pairing_rules r3 = rules;
		r3.forbids = bans;
		g_autoptr(pairing_plan) q = pairing_make_plan(&r3, members, 3, mentors, 2);
		ok(pair_of(q, 1) != 1, "a ban is honoured");
		struct pairing_rules r4 = rules;
		r4.mentor_capacity = 2;
		g_autoptr(pairing_plan) c = pairing_make_plan(&r4, members, 3, mentors, 2);
		is_int(c->pairs->len, 3, "with two places per mentor every member is paired");
		/* A re-run: mentor 1 already has a member, and one place. */
		struct pair_person busy[2] = { mentors[0], mentors[1] };
		busy[1].taken = 1;
		g_autoptr(pairing_plan) d = pairing_make_plan(&rules, members, 3, busy, 2);
		ok(d->pairs->len == 1 && g_array_index(d->pairs, struct planned_pair, 0).mentor == 0,
		   "a mentor whose places are taken gets nobody new");
		g_autoptr(pairing_plan) e = pairing_make_plan(&r4, members, 3, busy, 2);
		is_int(e->pairs->len, 3, "with two places each, the busy mentor keeps one: all three paired");
	}
	return tap_done();
}
