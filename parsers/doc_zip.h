/* doc_zip: ZIP packages (OOXML and OpenDocument) through libgsf, the only
 * place that includes it. Reading is capped on bytes actually inflated,
 * never on the sizes the archive declares (a zip bomb lies about them):
 * DOC_MAX_MEMBERS entries, DOC_MAX_MEMBER bytes from one member,
 * DOC_MAX_INFLATED from the archive in all, and no more than DOC_MAX_RATIO
 * times the archive's own size. Hitting a cap is DOC_TOO_COMPLEX. */
#ifndef NOMD_DOC_ZIP_H
#define NOMD_DOC_ZIP_H

#include <glib.h>

#include "document.h"

struct doc_zip;

/* Open an archive held in memory (borrowed: it must outlive the zip). Not
 * a ZIP: DOC_UNREADABLE. */
enum doc_status doc_zip_open(const guint8 *data, gsize len, struct doc_zip **out, char **detail);
void doc_zip_free(struct doc_zip *z);
/* Whether a member exists; `path` is "word/document.xml". */
gboolean doc_zip_has(struct doc_zip *z, const char *path);
/* The members directly in folder `dir` ("word"), sorted by name. */
GPtrArray *doc_zip_list(struct doc_zip *z, const char *dir);
/* A member's bytes, inflated under the caps (*out is NUL-terminated
 * beyond its length). Absent: DOC_UNREADABLE. */
enum doc_status doc_zip_read(struct doc_zip *z, const char *path, GBytes **out, char **detail);

/* Writing a package to memory (the blank form). */
struct doc_zip_writer;
struct doc_zip_writer *doc_zip_writer_new(void);
/* Add a member, deflated (`stored`: kept as is, as the ODF "mimetype"). */
gboolean doc_zip_writer_add(struct doc_zip_writer *w, const char *path, const char *data, gsize len, gboolean stored,
			    GError **error);
/* Finish the archive and return its bytes; frees the writer. */
GBytes *doc_zip_writer_finish(struct doc_zip_writer *w, GError **error);
void doc_zip_writer_free(struct doc_zip_writer *w);

typedef struct doc_zip doc_zip;
G_DEFINE_AUTOPTR_CLEANUP_FUNC(doc_zip, doc_zip_free)

#endif
