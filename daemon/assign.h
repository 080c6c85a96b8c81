/* assign: the optimal one-to-one assignment behind pairing. Pure and
 * allocation-free in its inner loop: given a rows x cols matrix of integer
 * scores and of allowed cells, it pairs as many rows with columns as the
 * allowed cells permit and, among those pairings, maximises the total
 * score. Shortest augmenting paths with potentials (the Hungarian method
 * in its O(n^3) form); identical input gives identical output. */
#ifndef NOMD_ASSIGN_H
#define NOMD_ASSIGN_H

#include <glib.h>
#include <stdint.h>

/* Scores must lie within +-ASSIGN_MAX_SCORE: the cardinality-first weight
 * is built above that range in 64-bit arithmetic. */
#define ASSIGN_MAX_SCORE 1000000
#define ASSIGN_MAX_SIDE 20000

/* score and allowed are row-major rows x cols. On return row_to_col[r] is
 * the column paired with row r, or -1. Returns the number of pairs, or -1
 * when the sizes are out of range. */
int assign_solve(int rows, int cols, const int32_t *score, const uint8_t *allowed, int *row_to_col);

#endif
