/* Unit tests: the assignment behind pairing, against exhaustive search. */
#include "../../daemon/assign.h"
#include "tap.h"

/* Best (pairs, total) over every way of pairing rows with distinct
 * columns, a row possibly left out. */
static void exhaustive(int rows, int cols, const int32_t *score, const uint8_t *allowed, int r, guint32 used, int pairs,
		       int64_t total, int *best_pairs, int64_t *best_total)
{
	if (r == rows) {
		if (pairs > *best_pairs || (pairs == *best_pairs && total > *best_total)) {
			*best_pairs = pairs;
			*best_total = total;
		}
		return;
	}
	exhaustive(rows, cols, score, allowed, r + 1, used, pairs, total, best_pairs, best_total);
	for (int c = 0; c < cols; c++)
		if (!(used & (1u << c)) && allowed[r * cols + c])
			exhaustive(rows, cols, score, allowed, r + 1, used | (1u << c), pairs + 1,
				   total + score[r * cols + c], best_pairs, best_total);
}

int main(void)
{
	GRand *rng = g_rand_new_with_seed(20261125);
	int agree = 0, trials = 400, valid = 1, deterministic = 1;
	for (int t = 0; t < trials; t++) {
		int rows = g_rand_int_range(rng, 0, 9), cols = g_rand_int_range(rng, 0, 9);
		int32_t score[64];
		uint8_t allowed[64];
		for (int k = 0; k < rows * cols; k++) {
			score[k] = g_rand_int_range(rng, -50, 101);
			/* Ties on purpose: small ranges make equal totals common. */
			if (t % 3 == 0)
				score[k] = g_rand_int_range(rng, 0, 3);
			allowed[k] = g_rand_int_range(rng, 0, 100) < 70;
		}
		int got[8], again[8];
		int pairs = assign_solve(rows, cols, score, allowed, got);
		assign_solve(rows, cols, score, allowed, again);
		int64_t total = 0;
		guint32 seen = 0;
		for (int r = 0; r < rows; r++) {
			deterministic &= got[r] == again[r];
			if (got[r] < 0)
				continue;
			valid &= got[r] < cols && allowed[r * cols + got[r]] && !(seen & (1u << got[r]));
			seen |= 1u << got[r];
			total += score[r * cols + got[r]];
		}
		int best_pairs = 0;
		int64_t best_total = 0;
		exhaustive(rows, cols, score, allowed, 0, 0, 0, 0, &best_pairs, &best_total);
		agree += pairs == best_pairs && total == best_total;
	}
	is_int(agree, trials, "%d random instances up to 8 x 8: as many pairs and the same total as exhaustive search",
	       trials);
	ok(valid, "every pair is allowed and every column used once");
	ok(deterministic, "identical input, identical output");
	{
		/* Forbidden cells are never used, even when that leaves rows out. */
		int32_t score[] = { 100, 1, 100, 1 };
		uint8_t allowed[] = { 0, 1, 0, 1 };
		int got[2];
		int pairs = assign_solve(2, 2, score, allowed, got);
		ok(pairs == 1 && got[0] + got[1] == 0, "two rows that only fit one column: one pair, one left out");
	}
	{
		/* More pairs beat a higher score. */
		int32_t score[] = { 1000, 1, 1, -5 };
		uint8_t allowed[] = { 1, 1, 1, 0 };
		int got[2];
		int pairs = assign_solve(2, 2, score, allowed, got);
		ok(pairs == 2 && got[0] == 1 && got[1] == 0, "cardinality first: two weak pairs, not one strong one");
	}
	{
		int32_t score[3 * 5] = { 0 };
		uint8_t allowed[3 * 5];
		memset(allowed, 1, sizeof allowed);
		int got[3];
		is_int(assign_solve(3, 5, score, allowed, got), 3, "3 rows, 5 columns: all rows paired");
		int got5[5];
		is_int(assign_solve(5, 3, score, allowed, got5), 3, "5 rows, 3 columns: 3 pairs, 2 rows left");
		is_int(assign_solve(0, 0, NULL, NULL, NULL), 0, "empty problem");
		is_int(assign_solve(-1, 2, score, allowed, got), -1, "bad size refused");
	}
	g_rand_free(rng);
	return tap_done();
}
