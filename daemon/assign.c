/* assign: maximum-cardinality, then maximum-score assignment.
 *
 * Each allowed cell gets the weight BIG + score, a forbidden cell (and
 * every padding cell) the weight 0, with BIG larger than any difference
 * of score totals; a maximum-weight perfect assignment of the padded
 * square then pairs as many as possible first and scores best second.
 * It is solved as a minimum-cost problem, cost = top - weight, by
 * shortest augmenting paths with potentials: for each row in turn a
 * Dijkstra-like search over the columns finds the cheapest path to a free
 * column. O(n^3) time at worst, O(n^2) memory for the cost matrix, which
 * is built once, contiguous; nothing is allocated inside the loops. */
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

	/* Shortest augmenting paths with dual potentials u (rows) and v
	 * (columns). Each search scans only the columns not yet reached
	 * (swap-removed from `remaining`), and on a tie prefers a free column,
	 * which ends the search at once: with the many equal scores pairing
	 * produces, most searches stop after a step or two. */
	int64_t *u = g_new0(int64_t, n), *v = g_new0(int64_t, n), *shortest = g_new(int64_t, n);
	int *row4col = g_new(int, n), *col4row = g_new(int, n), *path = g_new(int, n), *remaining = g_new(int, n);
	gboolean *sr = g_new(gboolean, n), *sc = g_new(gboolean, n);
	for (int k = 0; k < n; k++)
		row4col[k] = col4row[k] = -1;
	for (int cur = 0; cur < n; cur++) {
		int64_t min_val = 0;
		int num_remaining = n, sink = -1, i = cur;
		for (int k = 0; k < n; k++) {
			remaining[k] = n - k - 1;
			shortest[k] = INT64_MAX;
			sr[k] = sc[k] = FALSE;
		}
		while (sink == -1) {
			sr[i] = TRUE;
			int index = -1;
			int64_t lowest = INT64_MAX;
			const int64_t *row = cost + (gsize)i * n;
			for (int it = 0; it < num_remaining; it++) {
				int j = remaining[it];
				int64_t r = min_val + row[j] - u[i] - v[j];
				if (r < shortest[j]) {
					path[j] = i;
					shortest[j] = r;
				}
				if (shortest[j] < lowest || (shortest[j] == lowest && row4col[j] == -1)) {
					lowest = shortest[j];
					index = it;
				}
			}
			min_val = lowest;
			int j = remaining[index];
			if (row4col[j] == -1)
				sink = j;
			else
				i = row4col[j];
			sc[j] = TRUE;
			remaining[index] = remaining[--num_remaining];
		}
		u[cur] += min_val;
		for (int r = 0; r < n; r++)
			if (sr[r] && r != cur)
				u[r] += min_val - shortest[col4row[r]];
		for (int c = 0; c < n; c++)
			if (sc[c])
				v[c] -= min_val - shortest[c];
		for (int j = sink;;) {
			int r = path[j];
			row4col[j] = r;
			int previous = col4row[r];
			col4row[r] = j;
			j = previous;
			if (r == cur)
				break;
		}
	}

	int pairs = 0;
	for (int r = 0; r < rows; r++) {
		int c = col4row[r];
		if (c < cols && allowed[(gsize)r * cols + c]) {
			row_to_col[r] = c;
			pairs++;
		}
	}
	g_free(cost);
	g_free(u);
	g_free(v);
	g_free(shortest);
	g_free(row4col);
	g_free(col4row);
	g_free(path);
	g_free(remaining);
	g_free(sr);
	g_free(sc);
	return pairs;
}
