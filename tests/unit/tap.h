/* tap: minimal TAP output for nomd's unit tests, read by prove. */
#ifndef NOMD_TAP_H
#define NOMD_TAP_H

#include <glib.h>
#include <stdio.h>
#include <string.h>

static int tap_count, tap_failed;

G_GNUC_PRINTF(2, 3)
static inline int tap_ok(int cond, const char *fmt, ...)
{
	va_list ap;
	tap_count++;
	printf("%sok %d - ", cond ? "" : "not ", tap_count);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	if (!cond)
		tap_failed++;
	fflush(stdout);
	return cond;
}

#define ok(cond, ...) tap_ok(!!(cond), __VA_ARGS__)

#define is_str(got, want, ...)                                                                                         \
	do {                                                                                                           \
		const char *g_ = (got), *w_ = (want);                                                                  \
		if (!tap_ok(g_strcmp0(g_, w_) == 0, __VA_ARGS__))                                                      \
			printf("#   got:      %s\n#   expected: %s\n", g_ ? g_ : "(null)", w_ ? w_ : "(null)");        \
	} while (0)

#define is_int(got, want, ...)                                                                                         \
	do {                                                                                                           \
		long long g_ = (got), w_ = (want);                                                                     \
		if (!tap_ok(g_ == w_, __VA_ARGS__))                                                                    \
			printf("#   got:      %lld\n#   expected: %lld\n", g_, w_);                                    \
	} while (0)

static inline int tap_done(void)
{
	printf("1..%d\n", tap_count);
	return tap_failed ? 1 : 0;
}

/* The source tree, so tests find templates and sample files wherever run. */
static inline char *tap_source_path(const char *rel)
{
	const char *top = g_getenv("NOMD_SOURCE");
	return g_build_filename(top ? top : ".", rel, NULL);
}

#endif
