/* assign_bench: times assign_solve() on a score matrix read from a file
 * (rows, cols, then row-major int32 scores, all little-endian binary),
 * every pair allowed, and prints "pairs total seconds". Used by
 * bench/pairing.py, which times SciPy on the same matrix. */
#include <glib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../daemon/assign.h"

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: assign_bench MATRIX_FILE\n");
		return 64;
	}
	g_autofree char *data = NULL;
	gsize len = 0;
	if (!g_file_get_contents(argv[1], &data, &len, NULL) || len < 8) {
		fprintf(stderr, "assign_bench: cannot read %s\n", argv[1]);
		return 66;
	}
	int32_t rows = ((int32_t *)data)[0], cols = ((int32_t *)data)[1];
	if (rows <= 0 || cols <= 0 || len != 8 + (gsize)rows * cols * 4) {
		fprintf(stderr, "assign_bench: bad matrix file\n");
		return 65;
	}
	const int32_t *score = (const int32_t *)(data + 8);
	uint8_t *allowed = g_malloc((gsize)rows * cols);
	memset(allowed, 1, (gsize)rows * cols);
	int *match = g_new(int, rows);
	gint64 t0 = g_get_monotonic_time();
	int pairs = assign_solve(rows, cols, score, allowed, match);
	double secs = (g_get_monotonic_time() - t0) / 1e6;
	long long total = 0;
	for (int r = 0; r < rows; r++)
		if (match[r] >= 0)
			total += score[(gsize)r * cols + match[r]];
	printf("%d %lld %.6f\n", pairs, total, secs);
	g_free(allowed);
	g_free(match);
	return 0;
}
