/* assign: maximum-cardinality, then maximum-score assignment.
 *
 * Each allowed cell gets the weight BIG + score, a forbidden cell (and
 * every padding cell) the weight 0, with BIG larger than any difference
 * of score totals; a maximum-weight perfect assignment of the padded
 * square then pairs as many as possible first and scores best second.
 * It is solved as a minimum-cost problem, cost = top - weight, with the
 * classic potential-based shortest augmenting path: for each row in turn,
 * a Dijkstra-like sweep over columns (minv, way) finds the cheapest
 * augmenting path. O(n^3) time, O(n^2) for the cost matrix, which is
 * built once, contiguous; nothing is allocated inside the loops. */
#include "assign.h"

#include <string.h>

int assign_solve(int rows, int cols, const int32_t *score, const uint8_t *allowed, int *row_to_col)
{
	if (rows < 0 || cols < 0 || rows > ASSIGN_MAX_SIDE || cols > ASSIGN_MAX_SIDE)
		return -1;
	for (int r = 0; r < rows; r++)
		row_to_col[r] = -1;
	int n = MAX(rows, cols);
	if (n == 0)
		return 0;
	/* BIG exceeds the widest possible spread of score totals. */
	const int64_t big = (int64_t)2 * ASSIGN_MAX_SCORE * (n + 1) + 1;
	const int64_t top = big + ASSIGN_MAX_SCORE;
	int64_t *cost = g_new(int64_t, (gsize)n * n);
	for (int r = 0; r < n; r++)
		for (int c = 0; c < n; c++) {
			int64_t w = 0;
			if (r < rows && c < cols && allowed[(gsize)r * cols + c]) {
				int32_t s = CLAMP(score[(gsize)r * cols + c], -ASSIGN_MAX_SCORE, ASSIGN_MAX_SCORE);
				w = big + s;
			}
			cost[(gsize)r * n + c] = top - w;
		}

	/* 1-based arrays with a virtual column 0, as the method is usually put. */
	int64_t *u = g_new0(int64_t, n + 1), *v = g_new0(int64_t, n + 1), *minv = g_new(int64_t, n + 1);
	int *p = g_new0(int, n + 1), *way = g_new0(int, n + 1);
	gboolean *used = g_new(gboolean, n + 1);
	/* A cheap start: each row's potential is its smallest cost, and a row
	 * whose cheapest column (the first, on a tie) is still free takes it.
	 * The duals stay feasible and these pairs tight, so the augmenting
	 * phase below only has the remaining rows to place. */
	gboolean *placed = g_new0(gboolean, n + 1);
	for (int i = 1; i <= n; i++) {
		const int64_t *row = cost + (gsize)(i - 1) * n;
		int64_t best = INT64_MAX;
		int at = 0;
		for (int j = 1; j <= n; j++)
			if (row[j - 1] < best) {
				best = row[j - 1];
				at = j;
			}
		u[i] = best;
		if (p[at] == 0) {
			p[at] = i;
			placed[i] = TRUE;
		}
	}
	for (int i = 1; i <= n; i++) {
		if (placed[i])
			continue;
		p[0] = i;
		int j0 = 0;
		for (int j = 0; j <= n; j++) {
			minv[j] = INT64_MAX;
			used[j] = FALSE;
		}
		do {
			used[j0] = TRUE;
			int i0 = p[j0], j1 = 0;
			int64_t delta = INT64_MAX;
			const int64_t *row = cost + (gsize)(i0 - 1) * n;
			for (int j = 1; j <= n; j++) {
				if (used[j])
					continue;
				int64_t cur = row[j - 1] - u[i0] - v[j];
				if (cur < minv[j]) {
					minv[j] = cur;
					way[j] = j0;
				}
				/* Strict '<': the lowest column wins a tie, every time. */
				if (minv[j] < delta) {
					delta = minv[j];
					j1 = j;
				}
			}
			for (int j = 0; j <= n; j++) {
				if (used[j]) {
					u[p[j]] += delta;
					v[j] -= delta;
				} else {
					minv[j] -= delta;
				}
			}
			j0 = j1;
		} while (p[j0] != 0);
		do {
			int j1 = way[j0];
			p[j0] = p[j1];
			j0 = j1;
		} while (j0);
	}

	int pairs = 0;
	for (int j = 1; j <= n; j++) {
		int r = p[j] - 1, c = j - 1;
		if (r < rows && c < cols && allowed[(gsize)r * cols + c]) {
			row_to_col[r] = c;
			pairs++;
		}
	}
	g_free(cost);
	g_free(u);
	g_free(v);
	g_free(minv);
	g_free(p);
	g_free(way);
	g_free(used);
	g_free(placed);
	return pairs;
}
