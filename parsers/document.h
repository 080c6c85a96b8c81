/* document: what nomd and its document reader, nomd-reader, agree on.
 * nomd never opens an office or PDF file itself: it hands the bytes to
 * nomd-reader in a child process with tight limits, and reads back plain
 * text in the form's own language ("Member 1", "Name: ...") or a status.
 * This header is shared by both programs and links no library. */
#ifndef NOMD_DOCUMENT_H
#define NOMD_DOCUMENT_H

#include <glib.h>

/* What became of one attached document. */
enum doc_status {
	DOC_OK,		 /* read: the text is the form as written in it */
	DOC_UNREADABLE,	 /* damaged, or not a format nomd reads */
	DOC_UNSUPPORTED, /* a known format nomd does not read: legacy .doc, RTF, encrypted */
	DOC_NO_TEXT,	 /* no text to read: a scanned PDF */
	DOC_TOO_LARGE,	 /* over DOC_MAX_INPUT: never handed to the reader */
	DOC_TOO_COMPLEX, /* a cap hit on the way in: zip bomb, too many members, nesting */
	DOC_FAILED,	 /* the reader crashed, or ran out of time or memory */
	DOC_STATUS_COUNT
};

const char *doc_status_name(enum doc_status s);

/* nomd-reader's exit status for each status but DOC_OK (0); anything else
 * (another code, a signal) is DOC_FAILED. */
#define DOC_EXIT_BASE 80
#define DOC_EXIT(status) (DOC_EXIT_BASE + (int)(status))
enum doc_status doc_status_from_exit(int code);

/* A status detail made fit for a log line: printable ASCII only (others
 * become '?'), at most DOC_MAX_DETAIL bytes. Takes `detail` and returns
 * it. Details may name archive members, which the sender chose. */
#define DOC_MAX_DETAIL 200
char *doc_detail_clean(char *detail);

/* nomd-reader --spec: standard input starts with the programme's form
 * (form_spec_to_text, at most FORM_SPEC_MAX_TEXT bytes) framed as its
 * length in decimal digits and "\n"; the document (or, with --make-form,
 * the blank form's text) follows. Without it the built-in form is used. */
#define DOC_SPEC_OPTION "--spec"
#define DOC_SPEC_MAX_DIGITS 8

/* Caps, applied by the reader before and while it works. */
#define DOC_MAX_INPUT (8 * 1024 * 1024)	    /* bytes of one document */
#define DOC_MAX_MEMBERS 2000		    /* entries in a ZIP archive */
#define DOC_MAX_MEMBER (32 * 1024 * 1024)   /* bytes inflated from one member */
#define DOC_MAX_INFLATED (64 * 1024 * 1024) /* bytes inflated from one archive */
#define DOC_MAX_RATIO 200		    /* inflated bytes per byte of the archive */
#define DOC_MAX_XML_DEPTH 256		    /* element nesting */
#define DOC_MAX_SHEETS 32		    /* worksheets read */
#define DOC_MAX_ROWS 2000		    /* rows read of one table or sheet */
#define DOC_MAX_COLUMNS 64		    /* cells kept of one row */
#define DOC_MAX_CELLS 200000		    /* cells looked at in one document */
#define DOC_MAX_CELL 1000		    /* bytes kept of one cell */
#define DOC_MAX_PAGES 50		    /* PDF pages read */
#define DOC_MAX_TEXT (256 * 1024)	    /* bytes of text written back */

#endif
