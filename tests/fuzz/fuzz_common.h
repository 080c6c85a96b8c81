/* fuzz_common: what the per-module libFuzzer targets (fuzz_form, fuzz_mime,
 * fuzz_template, fuzz_config) share: the invariant macros, the switch to
 * turn a named check off while its bug is being fixed, and a GLib log
 * handler that makes a critical (a failed precondition) a crash.
 *
 * Each target defines FUZZ_TARGET (its name, for messages) before including
 * this file. A broken invariant prints "TARGET: invariant violated at
 * FILE:LINE: what" on stderr and calls __builtin_trap(), which libFuzzer
 * reports as a crash and saves the input of.
 *
 * NOMD_FUZZ_IGNORE="name1,name2" switches off the CHECK_NAMED checks of
 * those names (and the input filters of the same names, see fuzz_skip());
 * "critical:PREFIX" lets a GLib critical whose message starts with PREFIX
 * pass. fuzz_parse.c predates this header and keeps its own copy. */
#ifndef NOMD_FUZZ_COMMON_H
#define NOMD_FUZZ_COMMON_H

#include <glib.h>
#include <sanitizer/allocator_interface.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef FUZZ_TARGET
#error "define FUZZ_TARGET before including fuzz_common.h"
#endif

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FAIL(...)                                                                                                      \
	do {                                                                                                           \
		fprintf(stderr, FUZZ_TARGET ": invariant violated at %s:%d: ", __FILE__, __LINE__);                    \
		fprintf(stderr, __VA_ARGS__);                                                                          \
		fprintf(stderr, "\n");                                                                                 \
		fflush(stderr);                                                                                        \
		__builtin_trap();                                                                                      \
	} while (0)

#define CHECK(cond, ...)                                                                                               \
	do {                                                                                                           \
		if (!(cond))                                                                                           \
			FAIL(__VA_ARGS__);                                                                             \
	} while (0)

static char **fuzz_ignored;

static inline gboolean fuzz_ignoring(const char *name)
{
	return fuzz_ignored && g_strv_contains((const char *const *)fuzz_ignored, name);
}

/* A check with a name can be switched off with NOMD_FUZZ_IGNORE=name. */
#define CHECK_NAMED(name, cond, ...)                                                                                   \
	do {                                                                                                           \
		if (!(cond) && !fuzz_ignoring(name))                                                                   \
			FAIL("[" name "] " __VA_ARGS__);                                                               \
	} while (0)

/* An input that reaches a known crash in nomd's code (one ASan would
 * report, not an invariant of ours) is skipped while NOMD_FUZZ_IGNORE names
 * that crash, so that fuzzing can look past it. */
static inline gboolean fuzz_skip(const char *name, gboolean reaches)
{
	return reaches && fuzz_ignoring(name);
}

static inline void fuzz_check_utf8(const char *what, const char *s)
{
	if (s)
		CHECK(g_utf8_validate(s, -1, NULL), "%s is not valid UTF-8", what);
}

/* How often `needle` occurs in `hay`. */
static inline gsize fuzz_count(const char *hay, const char *needle)
{
	gsize n = 0, len = strlen(needle);
	for (const char *p = hay; (p = strstr(p, needle)) != NULL; p += len)
		n++;
	return n;
}

static void fuzz_log_handler(const gchar *domain, GLogLevelFlags level, const gchar *message, gpointer data)
{
	(void)data;
	if (!(level & (G_LOG_LEVEL_ERROR | G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_WARNING)))
		return;
	fprintf(stderr, FUZZ_TARGET ": %s%s%s: %s\n", domain ? domain : "", domain ? "-" : "",
		(level & G_LOG_LEVEL_WARNING) ? "WARNING" : "CRITICAL", message);
	fflush(stderr);
	for (char **c = fuzz_ignored; c && *c; c++)
		if (g_str_has_prefix(*c, "critical:") && g_str_has_prefix(message, *c + strlen("critical:")))
			return;
	/* A GLib critical is a failed precondition: a bug, not bad input. */
	if ((level & (G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_ERROR)) || g_getenv("NOMD_FUZZ_FATAL_WARNINGS"))
		__builtin_trap();
}

/* The peak of live heap bytes between fuzz_heap_begin() and
 * fuzz_heap_peak(), from ASan's allocation hooks: what a parse costs,
 * independent of RSS and of ASan's quarantine. */
static size_t fuzz_heap_now, fuzz_heap_max;
static gboolean fuzz_heap_on;

static void fuzz_heap_malloc(const volatile void *p, size_t n)
{
	(void)p;
	if (!fuzz_heap_on)
		return;
	fuzz_heap_now += n;
	fuzz_heap_max = MAX(fuzz_heap_max, fuzz_heap_now);
}

static void fuzz_heap_free(const volatile void *p)
{
	if (!fuzz_heap_on || !p)
		return;
	/* Blocks from before fuzz_heap_begin() are not counted out. */
	fuzz_heap_now -= MIN(fuzz_heap_now, __sanitizer_get_allocated_size((const void *)p));
}

static inline void fuzz_heap_begin(void)
{
	static gboolean installed;
	if (!installed)
		installed = __sanitizer_install_malloc_and_free_hooks(fuzz_heap_malloc, fuzz_heap_free) != 0;
	fuzz_heap_now = fuzz_heap_max = 0;
	fuzz_heap_on = TRUE;
}

static inline size_t fuzz_heap_peak(void)
{
	fuzz_heap_on = FALSE;
	return fuzz_heap_max;
}

/* Criticals libgsf logs as its own guards against a damaged file, not a
 * call of ours that broke a precondition (tests/fuzz/crashes/README): the
 * document readers' targets let them pass. */
#define FUZZ_READER_GUARDS "critical:ole_seek_block,critical:ole_dirent_new,critical:g_date_time_unref"

/* Call first in LLVMFuzzerInitialize; `guards` ("critical:PREFIX,...")
 * are let pass besides NOMD_FUZZ_IGNORE's (NULL: none). */
static inline void fuzz_common_init_guards(const char *guards)
{
	/* GLib's slice allocator would hide leaks and overruns from ASan. */
	g_setenv("G_SLICE", "always-malloc", FALSE);
	/* Every domain (GLib, GObject, GMime) without a handler of its own. */
	g_log_set_default_handler(fuzz_log_handler, NULL);
	const char *ignore = g_getenv("NOMD_FUZZ_IGNORE");
	char *all = g_strjoin(",", ignore ? ignore : "", guards ? guards : "", NULL);
	fuzz_ignored = g_strsplit_set(all, ", ", -1);
	g_free(all);
}

static inline void fuzz_common_init(void)
{
	fuzz_common_init_guards(NULL);
}

#endif
