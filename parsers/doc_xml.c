/* doc_xml: a small event stream over xmlTextReader for the document
 * readers. libxml2 2.9 substitutes no entity and loads no DTD unless
 * asked (XML_PARSE_NOENT, XML_PARSE_DTDLOAD: never passed here); on top
 * of that the external entity loader refuses everything, the network is
 * off (XML_PARSE_NONET): a document that declares an external entity
 * (XXE) reads as text without it, and libxml2's own check on entity
 * amplification makes a billion laughs a document it cannot read. */
#include "doc_xml.h"

#include <libxml/parser.h>
#include <libxml/xmlreader.h>
#include <string.h>

struct doc_xml {
	xmlTextReaderPtr reader;
	char *what;
	GString *name;
	GString *ns;
	const char *text;
	int depth;
	gboolean pending_end; /* the END of an empty or skipped element is due */
	gboolean positioned;  /* xmlTextReaderNext moved on: use next_result */
	int next_result;
	gboolean failed;
	enum doc_status status;
	char *detail;
	int xml_error; /* libxml2's code of the first error, 0 when none */
};

/* Nothing the readers parse may reach outside the document. */
static xmlParserInputPtr refuse_entity(const char *url, const char *id, xmlParserCtxtPtr ctxt)
{
	return NULL;
}

static void quiet_generic(void *ctx, const char *msg, ...)
{
}

static void quiet_structured(void *ctx, xmlErrorPtr error)
{
}

static void xml_init(void)
{
	static gsize done;
	if (g_once_init_enter(&done)) {
		xmlInitParser();
		xmlSetExternalEntityLoader(refuse_entity);
		xmlSetGenericErrorFunc(NULL, quiet_generic);
		xmlSetStructuredErrorFunc(NULL, quiet_structured);
		g_once_init_leave(&done, 1);
	}
}

static void record_error(void *arg, xmlErrorPtr error)
{
	struct doc_xml *x = arg;
	if (error && error->level >= XML_ERR_ERROR && !x->xml_error)
		x->xml_error = error->code ? error->code : -1;
}

static enum doc_xml_event fail(struct doc_xml *x, enum doc_status st, const char *why)
{
	if (!x->failed) {
		x->failed = TRUE;
		x->status = st;
		x->detail = doc_detail_clean(
			x->xml_error ? g_strdup_printf("%s %s (libxml2 error %d)", x->what, why, x->xml_error)
				     : g_strdup_printf("%s %s", x->what, why));
	}
	return DOC_XML_ERROR;
}

struct doc_xml *doc_xml_new(GBytes *bytes, const char *what)
{
	xml_init();
	struct doc_xml *x = g_new0(struct doc_xml, 1);
	x->what = g_strdup(what ? what : "XML");
	x->name = g_string_new(NULL);
	x->ns = g_string_new(NULL);
	gsize len = 0;
	const char *data = bytes ? g_bytes_get_data(bytes, &len) : NULL;
	if (len > G_MAXINT) {
		fail(x, DOC_TOO_COMPLEX, "is too large");
		return x;
	}
	x->reader = xmlReaderForMemory(data ? data : "", (int)len, NULL, NULL,
				       XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
	if (!x->reader)
		fail(x, DOC_UNREADABLE, "cannot be parsed");
	else
		xmlTextReaderSetStructuredErrorHandler(x->reader, record_error, x);
	return x;
}

void doc_xml_free(struct doc_xml *x)
{
	if (!x)
		return;
	if (x->reader)
		xmlFreeTextReader(x->reader);
	g_string_free(x->name, TRUE);
	g_string_free(x->ns, TRUE);
	g_free(x->what);
	g_free(x->detail);
	g_free(x);
}

static void set_name(struct doc_xml *x)
{
	const xmlChar *local = xmlTextReaderConstLocalName(x->reader);
	const xmlChar *uri = xmlTextReaderConstNamespaceUri(x->reader);
	g_string_assign(x->name, local ? (const char *)local : "");
	g_string_assign(x->ns, uri ? (const char *)uri : "");
	x->depth = xmlTextReaderDepth(x->reader);
}

enum doc_xml_event doc_xml_next(struct doc_xml *x)
{
	if (x->failed)
		return DOC_XML_ERROR;
	x->text = NULL;
	if (x->pending_end) {
		/* The name is still the element's. */
		x->pending_end = FALSE;
		return DOC_XML_END;
	}
	for (;;) {
		int r;
		if (x->positioned) {
			x->positioned = FALSE;
			r = x->next_result;
		} else {
			r = xmlTextReaderRead(x->reader);
		}
		if (r == 0)
			return x->xml_error ? fail(x, DOC_UNREADABLE, "is not well-formed XML") : DOC_XML_DONE;
		if (r < 0)
			return fail(x, DOC_UNREADABLE, "is not well-formed XML");
		switch (xmlTextReaderNodeType(x->reader)) {
		case XML_READER_TYPE_ELEMENT:
			set_name(x);
			if (x->depth >= DOC_MAX_XML_DEPTH)
				return fail(x, DOC_TOO_COMPLEX, "nests elements too deep");
			x->pending_end = xmlTextReaderIsEmptyElement(x->reader) == 1;
			return DOC_XML_START;
		case XML_READER_TYPE_END_ELEMENT: set_name(x); return DOC_XML_END;
		case XML_READER_TYPE_TEXT:
		case XML_READER_TYPE_CDATA:
		case XML_READER_TYPE_WHITESPACE:
		case XML_READER_TYPE_SIGNIFICANT_WHITESPACE: {
			const xmlChar *v = xmlTextReaderConstValue(x->reader);
			x->text = v ? (const char *)v : "";
			return DOC_XML_TEXT;
		}
		default:
			/* Entity references (never substituted), comments,
			 * processing instructions. */
			continue;
		}
	}
}

void doc_xml_skip(struct doc_xml *x)
{
	if (x->failed || x->pending_end)
		return;
	if (xmlTextReaderNodeType(x->reader) != XML_READER_TYPE_ELEMENT)
		return;
	x->next_result = xmlTextReaderNext(x->reader);
	x->positioned = TRUE;
	x->pending_end = TRUE;
}

const char *doc_xml_name(struct doc_xml *x)
{
	return x->name->str;
}

const char *doc_xml_ns(struct doc_xml *x)
{
	return x->ns->str;
}

const char *doc_xml_text(struct doc_xml *x)
{
	return x->text ? x->text : "";
}

gboolean doc_xml_is(struct doc_xml *x, const char *local)
{
	return strcmp(x->name->str, local) == 0;
}

int doc_xml_depth(struct doc_xml *x)
{
	return x->depth;
}

char *doc_xml_attr(struct doc_xml *x, const char *local)
{
	if (x->failed || x->positioned || xmlTextReaderNodeType(x->reader) != XML_READER_TYPE_ELEMENT)
		return NULL;
	char *value = NULL;
	if (xmlTextReaderMoveToFirstAttribute(x->reader) == 1) {
		do {
			const xmlChar *name = xmlTextReaderConstLocalName(x->reader);
			if (name && strcmp((const char *)name, local) == 0) {
				const xmlChar *v = xmlTextReaderConstValue(x->reader);
				value = g_strdup(v ? (const char *)v : "");
				break;
			}
		} while (xmlTextReaderMoveToNextAttribute(x->reader) == 1);
		xmlTextReaderMoveToElement(x->reader);
	}
	return value;
}

enum doc_status doc_xml_status(struct doc_xml *x, char **detail)
{
	if (!x->failed)
		return DOC_OK;
	if (detail) {
		g_free(*detail);
		*detail = g_strdup(x->detail);
	}
	return x->status;
}

enum doc_status doc_xml_walk(GBytes *bytes, const char *what, doc_xml_handler fn, void *data, char **detail)
{
	g_autoptr(doc_xml) x = doc_xml_new(bytes, what);
	for (;;) {
		enum doc_xml_event ev = doc_xml_next(x);
		if (ev == DOC_XML_DONE)
			return DOC_OK;
		if (ev == DOC_XML_ERROR)
			return doc_xml_status(x, detail);
		enum doc_status st = fn(x, ev, data, detail);
		if (st != DOC_OK)
			return st;
	}
}
