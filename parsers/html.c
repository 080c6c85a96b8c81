/* html: HTML mail bodies to plain text (rules in html.h). Owns the parse
 * with libxml2, the walk over its tree and the text builder. The walk is a
 * loop over parent/child/sibling links, never a recursion, so no document
 * can exhaust the stack here. */
#include "html.h"

#include <libxml/HTMLparser.h>
#include <libxml/SAX2.h>
#include <string.h>

#define HTML_PARSE_OPTIONS (HTML_PARSE_RECOVER | HTML_PARSE_NOERROR | HTML_PARSE_NOWARNING | HTML_PARSE_NONET)
#define HTML_FORWARD_PEEK 256	/* bytes of an element's own text checked for a forward */
#define HTML_FORWARD_NODES 4096 /* nodes looked at for them, so the peek stays cheap */
#define HTML_LINE_PEEK 512	/* bytes of the previous line checked for a forward */

/* Marks kept in xmlNode._private, which libxml2 leaves to applications. */
#define MARK_OFFICE_P 1u  /* Word's <o:p>, which libxml2 names plain "p" */
#define MARK_HAS_TABLE 2u /* a table or row lies below this node */

static guint html_marks(const xmlNode *n)
{
	return GPOINTER_TO_UINT(n->_private);
}

static void html_mark(xmlNode *n, guint mark)
{
	n->_private = GUINT_TO_POINTER(html_marks(n) | mark);
}

/* ---- The text builder ---- */

struct html_buf {
	GString *s;
	gsize cap;
	guint nl;	   /* line breaks owed before the next character, at most 2 */
	gboolean space;	   /* a blank owed before the next character */
	gboolean one_line; /* a table cell: line breaks become blanks */
	gboolean full;	   /* the cap was reached: nothing more is taken */
	guint64 chars;	   /* visible characters taken, to spot empty paragraphs */
};

static void html_buf_init(struct html_buf *b, gsize cap, gboolean one_line)
{
	memset(b, 0, sizeof *b);
	b->s = g_string_new(NULL);
	b->cap = cap;
	b->one_line = one_line;
}

static void html_buf_free(struct html_buf *b)
{
	if (b && b->s)
		g_string_free(b->s, TRUE);
	g_free(b);
}

/* Blanks are only owed: they are written before the next visible
 * character, so no line ever starts or ends with one. */
static void html_buf_char(struct html_buf *b, gunichar c)
{
	if (b->full)
		return;
	char enc[8];
	gsize n = g_unichar_to_utf8(c, enc);
	gboolean breaks = b->nl > 0 && b->s->len > 0;
	gboolean blank = !breaks && b->space && b->s->len > 0;
	gsize need = n + (breaks ? b->nl : blank ? 1 : 0);
	if (b->s->len + need > b->cap) {
		b->full = TRUE; /* cut after the last whole character */
		return;
	}
	if (breaks)
		g_string_append_len(b->s, "\n\n", b->nl);
	else if (blank)
		g_string_append_c(b->s, ' ');
	b->nl = 0;
	b->space = FALSE;
	g_string_append_len(b->s, enc, n);
	b->chars++;
}

static void html_buf_space(struct html_buf *b)
{
	b->space = TRUE;
}

/* End the current line, if it has text. */
static void html_buf_soft_break(struct html_buf *b)
{
	if (b->one_line) {
		b->space = TRUE;
		return;
	}
	if (b->s->len > 0 && b->nl == 0)
		b->nl = 1;
	b->space = FALSE;
}

/* A <br>: always a break, so two in a row make a blank line. */
static void html_buf_hard_break(struct html_buf *b)
{
	if (b->one_line) {
		b->space = TRUE;
		return;
	}
	if (b->s->len > 0)
		b->nl = MIN(b->nl + 1, 2u);
	b->space = FALSE;
}

/* Characters 0x80-0x9F come from numeric references such as &#150;,
 * which Word writes meaning Windows-1252; HTML5 reads them the same way. */
static gunichar html_c1_char(gunichar c)
{
	static const gunichar map[32] = {
		0x20AC, 0,	0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160,
		0x2039, 0x0152, 0,	0x017D, 0,	0,	0x2018, 0x2019, 0x201C, 0x201D, 0x2022,
		0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0,	0x017E, 0x0178,
	};
	return map[c - 0x80];
}

static void html_buf_text(struct html_buf *b, const char *text, gsize len, gboolean pre)
{
	const char *p = text, *end = text + len;
	while (p < end && !b->full) {
		gunichar c = g_utf8_get_char_validated(p, end - p);
		if (c == (gunichar)-1 || c == (gunichar)-2) {
			p++; /* the input was made valid; this is only a guard */
			continue;
		}
		p = g_utf8_next_char(p);
		if (c >= 0x80 && c <= 0x9F && !(c = html_c1_char(c)))
			continue;
		if (c == '\n' && pre)
			html_buf_hard_break(b);
		else if (g_unichar_isspace(c))
			html_buf_space(b);
		else if (c == 0x200B || c == 0x2060 || c == 0xFEFF || c == 0x00AD || g_unichar_iscntrl(c))
			continue; /* invisible: zero-width spaces, soft hyphen, controls */
		else
			html_buf_char(b, c);
	}
}

/* ---- A walk over the tree without recursion ---- */

/* Document order: each node is entered once, and a node whose children
 * were asked for is left once, after them. */
struct html_walk {
	xmlNode *root;
	xmlNode *cur;
	gboolean leaving;
	gboolean done;
};

static void html_walk_init(struct html_walk *w, xmlNode *root)
{
	memset(w, 0, sizeof *w);
	w->root = root;
}

/* The next node; `descend` says whether the node last entered should have
 * its children visited. NULL at the end. */
static xmlNode *html_walk_next(struct html_walk *w, gboolean descend, gboolean *leaving)
{
	xmlNode *n = w->cur;
	if (w->done)
		return NULL;
	if (!n) {
		w->cur = w->root;
		w->leaving = *leaving = FALSE;
		return w->root;
	}
	if (!w->leaving && descend) {
		if (n->children) {
			w->cur = n->children;
			*leaving = FALSE;
			return w->cur;
		}
		w->leaving = *leaving = TRUE;
		return n;
	}
	if (n == w->root || (!n->next && !n->parent)) {
		w->done = TRUE;
		return NULL;
	}
	if (n->next) {
		w->cur = n->next;
		w->leaving = *leaving = FALSE;
		return w->cur;
	}
	w->cur = n->parent;
	w->leaving = *leaving = TRUE;
	return w->cur;
}

/* ---- What elements are ---- */

static gboolean html_name_in(const xmlNode *n, const char *const *names, gsize count)
{
	const char *name = (const char *)n->name;
	for (gsize i = 0; name && i < count; i++)
		if (g_ascii_strcasecmp(name, names[i]) == 0)
			return TRUE;
	return FALSE;
}

static gboolean html_is(const xmlNode *n, const char *name)
{
	return n->type == XML_ELEMENT_NODE && n->name && g_ascii_strcasecmp((const char *)n->name, name) == 0;
}

static gboolean html_is_block(const xmlNode *n)
{
	static const char *const names[] = {
		"address", "article", "aside",	"blockquote", "body", "caption", "center",   "dd",
		"details", "dialog",  "dir",	"div",	      "dl",   "dt",	 "fieldset", "figcaption",
		"figure",  "footer",  "form",	"h1",	      "h2",   "h3",	 "h4",	     "h5",
		"h6",	   "header",  "hgroup", "hr",	      "html", "legend",	 "li",	     "main",
		"menu",	   "nav",     "ol",	"option",     "p",    "pre",	 "section",  "summary",
		"table",   "tbody",   "td",	"tfoot",      "th",   "thead",	 "tr",	     "ul",
	};
	return html_name_in(n, names, G_N_ELEMENTS(names));
}

static gboolean html_is_unshown(const xmlNode *n)
{
	static const char *const names[] = { "head", "title", "script", "style", "template", "xml", "iframe" };
	return html_name_in(n, names, G_N_ELEMENTS(names)) || (html_marks(n) & MARK_OFFICE_P);
}

/* An attribute's value as libxml2 holds it (one text child), or NULL. */
static const char *html_attr(const xmlNode *n, const char *name)
{
	for (const xmlAttr *a = n->properties; a; a = a->next)
		if (a->name && g_ascii_strcasecmp((const char *)a->name, name) == 0)
			return a->children && a->children->type == XML_TEXT_NODE && a->children->content
				       ? (const char *)a->children->content
				       : "";
	return NULL;
}

static gboolean html_contains_ci(const char *haystack, const char *needle)
{
	gsize n = strlen(needle);
	for (const char *p = haystack; p && *p; p++)
		if (g_ascii_strncasecmp(p, needle, n) == 0)
			return TRUE;
	return FALSE;
}

static gboolean html_is_hidden(const xmlNode *n)
{
	if (html_attr(n, "hidden"))
		return TRUE;
	const char *style = html_attr(n, "style");
	if (!style)
		return FALSE;
	GString *squeezed = g_string_new(NULL);
	for (const char *p = style; *p; p++)
		if (!g_ascii_isspace(*p))
			g_string_append_c(squeezed, *p);
	gboolean hidden =
		html_contains_ci(squeezed->str, "display:none") || html_contains_ci(squeezed->str, "mso-hide:all");
	g_string_free(squeezed, TRUE);
	return hidden;
}

enum html_quote { QUOTE_NONE, QUOTE_BLOCK, QUOTE_HISTORY };

static enum html_quote html_quote_kind(const xmlNode *n)
{
	static const char *const markers[] = { "divRplyFwdMsg", "gmail_quote", "OLK_SRC_BODY_SECTION", "yahoo_quoted",
					       "moz-cite-prefix" };
	if (html_is(n, "blockquote"))
		return QUOTE_BLOCK;
	const char *id = html_attr(n, "id"), *cls = html_attr(n, "class");
	for (gsize i = 0; i < G_N_ELEMENTS(markers); i++)
		if (html_contains_ci(id, markers[i]) || html_contains_ci(cls, markers[i]))
			return QUOTE_HISTORY;
	return QUOTE_NONE;
}

/* Outlook's downlevel conditionals (<![if !supportLists]>, <![endif]>) are
 * not comments to libxml2: it keeps them as text. Drop any "<![...]>" of
 * reasonable length. */
static char *html_strip_conditionals(const char *text)
{
	GString *out = g_string_new(NULL);
	const char *p = text;
	for (;;) {
		const char *start = strstr(p, "<![");
		const char *close = start ? strstr(start, "]>") : NULL;
		if (!close || close - start > 200) {
			g_string_append(out, p);
			break;
		}
		g_string_append_len(out, p, start - p);
		p = close + 2;
	}
	return g_string_free(out, FALSE);
}

static void html_text_node(struct html_buf *b, const xmlNode *n, gboolean pre)
{
	const char *text = (const char *)n->content;
	if (!text)
		return;
	if (strstr(text, "<![")) {
		g_autofree char *clean = html_strip_conditionals(text);
		html_buf_text(b, clean, strlen(clean), pre);
	} else {
		html_buf_text(b, text, strlen(text), pre);
	}
}

/* ---- Forwards ---- */

static gboolean html_says_forward(const char *text, gsize len)
{
	g_autofree char *low = g_ascii_strdown(text, len);
	return strstr(low, "forwarded message") != NULL;
}

/* The last line of a buffer, at most HTML_LINE_PEEK bytes of it. */
static gboolean html_last_line_says_forward(const struct html_buf *b)
{
	const char *s = b->s->str, *end = s + b->s->len;
	const char *nl = g_strrstr_len(s, b->s->len, "\n");
	const char *line = nl ? nl + 1 : s;
	if (end - line > HTML_LINE_PEEK)
		line = end - HTML_LINE_PEEK;
	return html_says_forward(line, end - line);
}

/* The start of an element's own text, blockquotes and unshown parts
 * left out, read with a bounded walk. */
static gboolean html_head_says_forward(xmlNode *el)
{
	struct html_buf b;
	html_buf_init(&b, HTML_FORWARD_PEEK, TRUE);
	struct html_walk w;
	html_walk_init(&w, el);
	gboolean descend = TRUE, leaving;
	guint visited = 0;
	for (xmlNode *n; !b.full && visited++ < HTML_FORWARD_NODES && (n = html_walk_next(&w, descend, &leaving));) {
		descend = FALSE;
		if (leaving)
			continue;
		if (n->type == XML_TEXT_NODE)
			html_text_node(&b, n, FALSE);
		else if (n == el || (n->type == XML_ELEMENT_NODE && !html_is_unshown(n) && !html_is(n, "blockquote"))) {
			descend = TRUE;
			if (html_is_block(n) || html_is(n, "br"))
				html_buf_space(&b);
		}
	}
	gboolean forward = html_says_forward(b.s->str, b.s->len);
	g_string_free(b.s, TRUE);
	return forward;
}

/* ---- The conversion ---- */

struct html_conv {
	struct html_buf out;
	guint flags;
	gboolean stopped; /* reply history reached: nothing after it is read */
	guint pre_depth;
	xmlNode *row;	  /* the table row being collected, or NULL */
	GPtrArray *cells; /* of struct html_buf *, one line each */
	xmlNode *para;	  /* the open paragraph and the count at its start */
	guint64 para_chars;
};

static struct html_buf *html_conv_new_cell(struct html_conv *c)
{
	if (c->cells->len >= HTML_MAX_CELLS) {
		struct html_buf *last = c->cells->pdata[c->cells->len - 1];
		html_buf_space(last);
		return last;
	}
	/* The row shares one budget: a cell gets what earlier cells left. */
	gsize used = 0;
	for (guint i = 0; i < c->cells->len; i++)
		used += ((struct html_buf *)c->cells->pdata[i])->s->len;
	struct html_buf *cell = g_new(struct html_buf, 1);
	html_buf_init(cell, HTML_MAX_TEXT - MIN(used, (gsize)HTML_MAX_TEXT), TRUE);
	g_ptr_array_add(c->cells, cell);
	return cell;
}

/* Where text goes now: the last cell of the open row, or the output. */
static struct html_buf *html_conv_sink(struct html_conv *c)
{
	if (!c->row)
		return &c->out;
	if (c->cells->len == 0)
		return html_conv_new_cell(c);
	return c->cells->pdata[c->cells->len - 1];
}

static char *html_pair(const char *label, const char *value)
{
	if (g_str_has_suffix(label, ":"))
		return g_strconcat(label, " ", value, NULL);
	return g_strconcat(label, ": ", value, NULL);
}

static char *html_row_line(GPtrArray *cells)
{
	g_autoptr(GPtrArray) texts = g_ptr_array_new();
	for (guint i = 0; i < cells->len; i++) {
		struct html_buf *cell = cells->pdata[i];
		if (cell->s->len)
			g_ptr_array_add(texts, cell->s->str);
	}
	if (texts->len == 0)
		return g_strdup("");
	if (texts->len == 1)
		return g_strdup(texts->pdata[0]);
	if (texts->len == 2)
		return html_pair(texts->pdata[0], texts->pdata[1]);
	g_ptr_array_add(texts, NULL);
	return g_strjoinv(" | ", (char **)texts->pdata);
}

static void html_conv_end_row(struct html_conv *c)
{
	if (!c->row)
		return;
	g_autofree char *line = html_row_line(c->cells);
	g_ptr_array_set_size(c->cells, 0);
	c->row = NULL;
	html_buf_soft_break(&c->out);
	html_buf_text(&c->out, line, strlen(line), FALSE);
	html_buf_soft_break(&c->out);
}

static void html_conv_soft_break(struct html_conv *c)
{
	if (c->row)
		html_buf_space(html_conv_sink(c));
	else
		html_buf_soft_break(&c->out);
}

/* A quote container is kept when it turns out to hold a forward. */
static gboolean html_conv_forward_at(struct html_conv *c, xmlNode *n)
{
	if (html_last_line_says_forward(&c->out))
		return TRUE;
	if (c->row && c->cells->len && html_last_line_says_forward(c->cells->pdata[c->cells->len - 1]))
		return TRUE;
	return html_head_says_forward(n);
}

/* Entering a node: TRUE to visit its children. */
static gboolean html_conv_enter(struct html_conv *c, xmlNode *n)
{
	if (n->type == XML_TEXT_NODE) {
		html_text_node(html_conv_sink(c), n, c->pre_depth > 0);
		return FALSE;
	}
	if (n->type == XML_HTML_DOCUMENT_NODE || n->type == XML_DOCUMENT_NODE)
		return TRUE;
	if (n->type != XML_ELEMENT_NODE || html_is_unshown(n) || html_is_hidden(n))
		return FALSE;
	if (!(c->flags & HTML_KEEP_QUOTED)) {
		enum html_quote q = html_quote_kind(n);
		if (q != QUOTE_NONE && !html_conv_forward_at(c, n)) {
			if (q == QUOTE_HISTORY)
				c->stopped = TRUE;
			html_conv_soft_break(c);
			return FALSE;
		}
	}
	if (html_is(n, "br")) {
		if (c->row)
			html_buf_space(html_conv_sink(c));
		else
			html_buf_hard_break(&c->out);
		return FALSE;
	}
	if (html_is(n, "tr") && !c->row && !(html_marks(n) & MARK_HAS_TABLE)) {
		html_buf_soft_break(&c->out);
		c->row = n;
		return TRUE;
	}
	if (c->row && (html_is(n, "td") || html_is(n, "th"))) {
		html_conv_new_cell(c);
		return TRUE;
	}
	if (html_is_block(n))
		html_conv_soft_break(c);
	if (html_is(n, "p") && !c->row) {
		c->para = n;
		c->para_chars = c->out.chars;
	}
	if (html_is(n, "pre"))
		c->pre_depth++;
	return TRUE;
}

static void html_conv_leave(struct html_conv *c, xmlNode *n)
{
	if (n == c->row) {
		html_conv_end_row(c);
		return;
	}
	if (n->type != XML_ELEMENT_NODE)
		return;
	if (html_is(n, "pre") && c->pre_depth > 0)
		c->pre_depth--;
	if (n == c->para) {
		/* Outlook's blank line is a paragraph holding only &nbsp;. */
		if (c->out.chars == c->para_chars)
			html_buf_hard_break(&c->out);
		c->para = NULL;
	}
	if (html_is_block(n))
		html_conv_soft_break(c);
}

/* Mark every node that has a table or a row somewhere below it, so that
 * layout rows are told from data rows in one pass. */
static void html_mark_tables(xmlNode *root)
{
	struct html_walk w;
	html_walk_init(&w, root);
	gboolean leaving;
	for (xmlNode *n; (n = html_walk_next(&w, TRUE, &leaving));) {
		if (!leaving || !n->parent || n == root)
			continue;
		if (html_is(n, "table") || html_is(n, "tr") || (html_marks(n) & MARK_HAS_TABLE))
			html_mark(n->parent, MARK_HAS_TABLE);
	}
}

/* Lines trimmed, at most one blank line in a row, none at the ends. */
static char *html_finish(GString *s)
{
	GString *out = g_string_sized_new(s->len + 1);
	gboolean blank = FALSE;
	g_auto(GStrv) lines = g_strsplit(s->str, "\n", -1);
	for (gsize i = 0; lines[i]; i++) {
		char *line = g_strstrip(lines[i]);
		if (!*line) {
			blank = out->len > 0;
			continue;
		}
		if (out->len)
			g_string_append(out, blank ? "\n\n" : "\n");
		g_string_append(out, line);
		blank = FALSE;
	}
	if (!g_utf8_validate(out->str, out->len, NULL)) {
		/* Cannot happen: every character went through g_unichar_to_utf8. */
		g_string_free(out, TRUE);
		return g_strdup("");
	}
	return g_string_free(out, FALSE);
}

/* Word's <o:p> reaches the tree as a plain "p"; the parser's own name for
 * it is only seen here, so mark the node as it is made. */
static void html_start_element(void *ctx, const xmlChar *name, const xmlChar **atts)
{
	htmlParserCtxtPtr ctxt = ctx;
	xmlNode *parent = ctxt->node;
	xmlSAX2StartElement(ctx, name, atts);
	if (ctxt->node && ctxt->node != parent && name && g_ascii_strcasecmp((const char *)name, "o:p") == 0)
		html_mark(ctxt->node, MARK_OFFICE_P);
}

/* The first HTML_MAX_INPUT bytes, cut on a character boundary, as valid
 * UTF-8 without NUL bytes: libxml2 would otherwise guess at the encoding
 * of the rest of the document after the first bad byte. */
static char *html_prepare(const char *html, gsize len, gsize *out_len)
{
	if (len > HTML_MAX_INPUT) {
		len = HTML_MAX_INPUT;
		for (int back = 0; back < 3 && len > 0 && ((guchar)html[len] & 0xC0) == 0x80; back++)
			len--;
	}
	char *copy = g_malloc(len + 1);
	for (gsize i = 0; i < len; i++)
		copy[i] = html[i] ? html[i] : ' ';
	copy[len] = '\0';
	if (!g_utf8_validate(copy, len, NULL)) {
		char *valid = g_utf8_make_valid(copy, len);
		g_free(copy);
		copy = valid;
		len = strlen(copy);
	}
	*out_len = len;
	return copy;
}

char *html_to_text_full(const char *html, gsize len, guint flags)
{
	if (!html || len == 0)
		return g_strdup("");
	static gsize init = 0;
	if (g_once_init_enter(&init)) {
		xmlInitParser();
		g_once_init_leave(&init, 1);
	}
	gsize clean_len = 0;
	g_autofree char *clean = html_prepare(html, len, &clean_len);
	if (clean_len == 0)
		return g_strdup("");

	htmlParserCtxtPtr ctxt = htmlNewParserCtxt();
	if (!ctxt)
		return g_strdup("");
	/* The context owns a private copy of the handler table. */
	ctxt->sax->startElement = html_start_element;
	htmlDocPtr doc = htmlCtxtReadMemory(ctxt, clean, (int)clean_len, NULL, "UTF-8", HTML_PARSE_OPTIONS);
	htmlFreeParserCtxt(ctxt);
	if (!doc)
		return g_strdup("");

	html_mark_tables((xmlNode *)doc);
	struct html_conv c = { .flags = flags };
	html_buf_init(&c.out, HTML_MAX_TEXT, FALSE);
	c.cells = g_ptr_array_new_with_free_func((GDestroyNotify)html_buf_free);
	struct html_walk w;
	html_walk_init(&w, (xmlNode *)doc);
	gboolean descend = TRUE, leaving;
	for (xmlNode *n; !c.stopped && !c.out.full && (n = html_walk_next(&w, descend, &leaving));) {
		if (leaving) {
			html_conv_leave(&c, n);
			descend = FALSE;
		} else {
			descend = html_conv_enter(&c, n);
		}
	}
	/* History inside a table cell still lets the row read so far out. */
	html_conv_end_row(&c);
	g_ptr_array_unref(c.cells);
	xmlFreeDoc(doc);
	char *text = html_finish(c.out.s);
	g_string_free(c.out.s, TRUE);
	return text;
}

char *html_to_text(const char *html, gsize len)
{
	return html_to_text_full(html, len, 0);
}
