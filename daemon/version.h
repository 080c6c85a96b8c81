/* version: the version of this build, as `--version` prints it: VERSION
 * from the Makefile, with `git describe` added when built from git
 * (build/gen/version.c, rewritten only when it changes). */
#ifndef NOMD_VERSION_H
#define NOMD_VERSION_H

extern const char nomd_version[];

#endif
