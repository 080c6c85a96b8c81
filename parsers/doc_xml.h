/* doc_xml: the XML of office documents, streamed through libxml2's
 * xmlTextReader; the only reader module that includes libxml2. Safe for
 * hostile input: no entity is ever substituted, no DTD or other external
 * resource loaded (and a document with a DTD, which neither OOXML nor
 * ODF allows, is refused), nothing printed, nesting capped at
 * DOC_MAX_XML_DEPTH.
 *
 *   g_autoptr(doc_xml) x = doc_xml_new(bytes, "word/document.xml");
 *   enum doc_xml_event ev;
 *   while ((ev = doc_xml_next(x)) != DOC_XML_DONE && ev != DOC_XML_ERROR)
 *           ... doc_xml_name(x), doc_xml_text(x), doc_xml_attr(x, "val") ...
 *   if (ev == DOC_XML_ERROR) return doc_xml_status(x, detail);
 */
#ifndef NOMD_DOC_XML_H
#define NOMD_DOC_XML_H

#include <glib.h>

#include "document.h"

enum doc_xml_event {
	DOC_XML_START, /* an element opens: doc_xml_name, doc_xml_ns, doc_xml_attr */
	DOC_XML_END,   /* it closes (also right after the START of an empty element) */
	DOC_XML_TEXT,  /* character data, CDATA or whitespace: doc_xml_text */
	DOC_XML_DONE,  /* the end of the document */
	DOC_XML_ERROR, /* not well-formed, or a cap hit: doc_xml_status */
};

struct doc_xml;

/* `bytes` is borrowed and must outlive the reader; `what` names the
 * member in error details. */
struct doc_xml *doc_xml_new(GBytes *bytes, const char *what);
void doc_xml_free(struct doc_xml *x);
enum doc_xml_event doc_xml_next(struct doc_xml *x);
/* The element's local name ("p" for w:p), at START and END. */
const char *doc_xml_name(struct doc_xml *x);
/* Its namespace URI, or "". */
const char *doc_xml_ns(struct doc_xml *x);
/* The text of a TEXT event. */
const char *doc_xml_text(struct doc_xml *x);
/* The value of the attribute with local name `local` of a START element,
 * newly allocated, or NULL. */
char *doc_xml_attr(struct doc_xml *x, const char *local);
/* Whether the current START or END element has local name `local`. */
gboolean doc_xml_is(struct doc_xml *x, const char *local);
/* Element depth of the current event (the root element is 0). */
int doc_xml_depth(struct doc_xml *x);
/* After DOC_XML_ERROR: DOC_UNREADABLE or DOC_TOO_COMPLEX, and *detail. */
enum doc_status doc_xml_status(struct doc_xml *x, char **detail);

/* Skip what is inside the current START element: the next event is its
 * END. */
void doc_xml_skip(struct doc_xml *x);

/* The whole of a document, each START, END and TEXT event to `fn`; a
 * status other than DOC_OK from it ends the walk with that status. */
typedef enum doc_status (*doc_xml_handler)(struct doc_xml *x, enum doc_xml_event ev, void *data, char **detail);
enum doc_status doc_xml_walk(GBytes *bytes, const char *what, doc_xml_handler fn, void *data, char **detail);

typedef struct doc_xml doc_xml;
G_DEFINE_AUTOPTR_CLEANUP_FUNC(doc_xml, doc_xml_free)

#endif
