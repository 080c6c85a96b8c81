/* doc_sandbox: what nomd-reader may still do once it has the document in
 * memory. The reader parses hostile files with large libraries (poppler,
 * FreeXL, libgsf): if one of them is subverted, the process must not reach
 * the network, start programs, or change a file. */
#ifndef NOMD_DOC_SANDBOX_H
#define NOMD_DOC_SANDBOX_H

#include <glib.h>

/* Irreversibly, for this process and its threads: no new privileges,
 * every descriptor above 2 closed, and a seccomp filter under which
 * sockets, execve, fork, ptrace, opening a file for writing or creating
 * one, and changing the file system (mkdir, unlink, rename, link, chmod,
 * chown, truncate, mount) fail with EPERM. Reading files, threads,
 * memfd_create and writing to descriptors already open still work. FALSE
 * with *error if the filter could not be installed. */
gboolean doc_sandbox_enter(GError **error);

#endif
